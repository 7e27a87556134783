//! Container logs, read once as a stream and kept as a bounded digest: the tail, and the lines
//! later rules look for (errors, tracebacks with their frames, panics, kill messages), each
//! with its line number in the file. A gigabyte log costs the same memory as a small one.
//!
//! `kubectl cluster-info dump` wraps each container's log in
//! `==== START logs for container C of pod NS/POD ====` ... `==== END ... ====` markers; such
//! files yield one digest per block, attributed by the markers.

pub mod signals;

use aho_corasick::AhoCorasick;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

/// Lines kept from the end of every log.
pub const TAIL_LINES: usize = 200;
/// Notable lines kept per log (the most recent ones win).
pub const NOTABLE_LINES: usize = 1000;
/// Longest line kept, in bytes; longer lines are cut (and the cut is marked).
pub const MAX_LINE: usize = 8 * 1024;
/// Lines kept before each notable line: the two a report shows before a cited line, and three
/// more it reads so that secrets in them are recognised (a key's name above its value).
pub const CONTEXT_BEFORE: usize = 5;
/// Lines kept after each notable line (those a report shows after a cited line).
pub const CONTEXT_AFTER: usize = 2;
/// Lines kept around notable lines per log, at most (the most recent ones win).
const AROUND_LINES: usize = NOTABLE_LINES * (1 + CONTEXT_BEFORE + CONTEXT_AFTER);

/// One kept log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// 1-based line number in the file.
    pub line: u64,
    /// The text, without the line end; cut at [`MAX_LINE`] bytes.
    pub text: String,
}

/// Which container instance a log belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Instance {
    /// The running (or last) instance.
    Current,
    /// The instance before the last restart (`--previous`).
    Previous,
}

/// What the file's location or markers say about whose log this is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogHint {
    /// Namespace, when known.
    pub namespace: Option<String>,
    /// Pod name, when known (for plain folders: a candidate to check against the pods).
    pub pod: Option<String>,
    /// Container name, when known.
    pub container: Option<String>,
    /// Previous instance.
    pub previous: bool,
    /// An older rotated file of the current instance.
    pub rotated: bool,
}

/// The bounded summary of one log.
#[derive(Debug, Clone, Default)]
pub struct LogDigest {
    /// Whose log, as far as the file says.
    pub hint: LogHint,
    /// Line number of the first line of this log in its file (1 unless a block of `logs.txt`).
    pub first_line: u64,
    /// Number of lines.
    pub lines: u64,
    /// Number of bytes.
    pub bytes: u64,
    /// The last [`TAIL_LINES`] lines.
    pub tail: Vec<LogLine>,
    /// Lines that matter for diagnosis, oldest first, at most [`NOTABLE_LINES`].
    pub notable: Vec<LogLine>,
    /// The notable lines with [`CONTEXT_BEFORE`] lines before and [`CONTEXT_AFTER`] after each,
    /// and the `==== START/END logs` lines around a block, oldest first, but those the tail
    /// holds: a report shows the lines around a cited line from them and the tail without
    /// reading the log again.
    pub around: Vec<LogLine>,
    /// Notable lines dropped because the cap was reached.
    pub notable_dropped: u64,
    /// A read error that ended the log early.
    pub error: Option<String>,
    /// A `Create log request error` / `Request log error` line the collector wrote instead.
    pub collection_error: Option<String>,
    /// What the log says that rules need (tracebacks, panics, OOM...), oldest first.
    pub signals: Vec<signals::Signal>,
    /// Signals dropped because of the cap (the most recent are kept).
    pub signals_dropped: u64,
    /// Lines of the whole file the log was read from (0 when unknown: a block of a larger
    /// text).
    pub file_lines: u64,
}

fn patterns() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "error",
                "exception",
                "traceback",
                "panic",
                "fatal",
                "killed",
                "oom",
                "out of memory",
                "address already in use",
                "permission denied",
                "exec format error",
                "no such file or directory",
                "caused by",
                "refused",
                "timed out",
                "timeout",
                "segmentation fault",
                "failed",
                "unable to",
                "cannot ",
                "could not",
                "not found",
                "denied",
                "invalid",
                "crash",
                "exit",
                "terminat",
                "sigterm",
                "sigkill",
                "eaddrinuse",
                "eacces",
                "enoent",
            ])
            .expect("static patterns")
    })
}

/// Starts a block whose following indented lines (stack frames) are kept with it.
fn starts_block(line: &str) -> bool {
    line.contains("Traceback (most recent call last)")
        || line.starts_with("panic:")
        || line.starts_with("goroutine ")
        || line.contains("Exception")
        || line.starts_with("Caused by")
        || line.contains("Error:") && !line.starts_with(' ')
}

fn is_frame(line: &str) -> bool {
    line.starts_with(' ')
        || line.starts_with('\t')
        || line.starts_with("Caused by")
        || line.starts_with("During handling")
        || line.starts_with("The above exception")
        || line.starts_with("goroutine ")
        || line.starts_with("created by ")
        || line.is_empty()
}

/// Builds digests line by line.
pub struct Digester {
    current: Option<Building>,
    done: Vec<LogDigest>,
    line_no: u64,
    base: LogHint,
    /// Whether `==== START logs ...` markers open blocks (always on: harmless elsewhere).
    markers: bool,
}

struct Building {
    digest: LogDigest,
    tail: VecDeque<LogLine>,
    notable: VecDeque<LogLine>,
    around: VecDeque<LogLine>,
    /// Lines still to keep in `around` after the last notable line.
    after_left: usize,
    block_left: usize,
    scanner: signals::Scanner,
}

impl Building {
    fn new(hint: LogHint, first_line: u64) -> Self {
        Self {
            digest: LogDigest {
                hint,
                first_line,
                ..Default::default()
            },
            tail: VecDeque::with_capacity(64),
            notable: VecDeque::new(),
            around: VecDeque::new(),
            after_left: 0,
            block_left: 0,
            scanner: signals::Scanner::default(),
        }
    }

    fn push(&mut self, line_no: u64, raw: &[u8], full_len: usize) {
        let d = &mut self.digest;
        d.lines += 1;
        d.bytes += full_len as u64 + 1;
        let text = line_text(raw, full_len);
        let body = strip_timestamp(&text);
        let mut ended = false;
        let matched = patterns().is_match(body);
        // The scanner sees the lines that matter and every line of an open traceback.
        if matched || self.scanner.in_traceback() {
            self.scanner.line(line_no, &text);
        }
        let notable = if self.block_left > 0 && is_frame(body) {
            self.block_left -= 1;
            true
        } else if self.block_left > 0 {
            // The first unindented line after a traceback is the exception itself.
            self.block_left = 0;
            ended = true;
            true
        } else {
            matched
        };
        if !ended && starts_block(body) {
            self.block_left = 200;
        }
        if d.collection_error.is_none()
            && (body.starts_with("Create log request error:")
                || body.starts_with("Request log error:"))
        {
            d.collection_error = Some(body.to_string());
        }
        let kept = LogLine {
            line: line_no,
            text,
        };
        if notable {
            if self.notable.len() == NOTABLE_LINES {
                self.notable.pop_front();
                d.notable_dropped += 1;
            }
            self.notable.push_back(kept.clone());
            // The lines before it, from the tail, that are not kept yet.
            let kept_up_to = self.around.back().map_or(0, |l| l.line);
            let from = line_no
                .saturating_sub(CONTEXT_BEFORE as u64)
                .max(kept_up_to + 1);
            let before = self
                .tail
                .iter()
                .rev()
                .take_while(|l| l.line >= from)
                .count();
            let start = self.tail.len() - before;
            for l in self.tail.range(start..) {
                self.around.push_back(l.clone());
            }
            self.around.push_back(kept.clone());
            self.after_left = CONTEXT_AFTER;
        } else if self.after_left > 0 {
            self.after_left -= 1;
            self.around.push_back(kept.clone());
        }
        while self.around.len() > AROUND_LINES {
            self.around.pop_front();
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(kept);
    }

    /// A `==== START/END logs` line around the block: kept with the lines around.
    fn marker(&mut self, line_no: u64, raw: &[u8]) {
        self.around.push_back(LogLine {
            line: line_no,
            text: line_text(&raw[..raw.len().min(MAX_LINE)], raw.len()),
        });
    }

    fn finish(mut self) -> LogDigest {
        self.digest.tail = self.tail.into();
        self.digest.notable = self.notable.into();
        // Lines the tail holds are not kept twice (a short log is all tail).
        let tail = &self.digest.tail;
        if let (Some(first), Some(last)) = (tail.first(), tail.last()) {
            let (first, last) = (first.line, last.line);
            self.around.retain(|l| l.line < first || l.line > last);
        }
        self.digest.around = self.around.into();
        self.digest.signals_dropped = self.scanner.dropped;
        self.digest.signals = self.scanner.finish();
        self.digest
    }
}

/// The text of a line as kept: without its line end, cut at [`MAX_LINE`] bytes (`raw` is the
/// line so cut, `full_len` its length before).
pub fn line_text(raw: &[u8], full_len: usize) -> String {
    let mut raw = raw;
    if raw.last() == Some(&b'\r') {
        raw = &raw[..raw.len() - 1];
    }
    let mut s = String::from_utf8_lossy(raw).into_owned();
    if full_len > raw.len() + 1 {
        s.push_str(" [line cut]");
    }
    s
}

/// Strips a leading RFC 3339 timestamp (`2021-08-03T09:21:41.164454188Z `), as written by
/// `kubectl logs --timestamps`, must-gather and support-bundle-kit, so patterns see the message.
pub fn strip_timestamp(line: &str) -> &str {
    let b = line.as_bytes();
    if b.len() > 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[..4].iter().all(u8::is_ascii_digit)
    {
        if let Some(sp) = line.find(' ') {
            return &line[sp + 1..];
        }
    }
    line
}

/// Parses a `==== START logs for container C of pod NS/POD ====` marker.
pub fn parse_start_marker(line: &str) -> Option<(String, String, String)> {
    let rest = line
        .trim_end()
        .strip_prefix("==== START logs for container ")?
        .strip_suffix(" ====")?;
    let (container, pod) = rest.split_once(" of pod ")?;
    let (ns, pod) = pod.split_once('/')?;
    Some((container.to_string(), ns.to_string(), pod.to_string()))
}

impl Digester {
    /// A digester for a file whose location gives `base` (may be empty).
    pub fn new(base: LogHint) -> Self {
        Self {
            current: None,
            done: Vec::new(),
            line_no: 0,
            base,
            markers: true,
        }
    }

    /// Feeds one line (without its `\n`); `full_len` is its length before any cut.
    pub fn line(&mut self, raw: &[u8], full_len: usize) {
        self.line_no += 1;
        if self.markers && raw.starts_with(b"==== ") {
            let text = String::from_utf8_lossy(raw);
            if let Some((container, namespace, pod)) = parse_start_marker(&text) {
                self.close();
                let hint = LogHint {
                    namespace: Some(namespace),
                    pod: Some(pod),
                    container: Some(container),
                    ..self.base.clone()
                };
                let mut b = Building::new(hint, self.line_no + 1);
                b.marker(self.line_no, raw);
                self.current = Some(b);
                return;
            }
            if text.starts_with("==== END logs for container ") {
                if let Some(b) = self.current.as_mut() {
                    b.marker(self.line_no, raw);
                }
                self.close();
                return;
            }
        }
        let line_no = self.line_no;
        let base = &self.base;
        self.current
            .get_or_insert_with(|| Building::new(base.clone(), line_no))
            .push(line_no, raw, full_len);
    }

    fn close(&mut self) {
        if let Some(b) = self.current.take() {
            self.done.push(b.finish());
        }
    }

    /// Ends the input; an empty file still yields one (empty) digest.
    pub fn finish(mut self, error: Option<String>) -> Vec<LogDigest> {
        if self.current.is_none() && self.done.is_empty() {
            self.current = Some(Building::new(self.base.clone(), 1));
        }
        if let Some(b) = self.current.as_mut() {
            b.digest.error = error;
        }
        self.close();
        for d in &mut self.done {
            d.file_lines = self.line_no;
        }
        self.done
    }
}

/// Digests a whole stream, line by line, with bounded memory.
pub fn digest_reader(reader: &mut dyn Read, base: LogHint) -> Vec<LogDigest> {
    let mut r = BufReader::with_capacity(256 * 1024, reader);
    let mut d = Digester::new(base);
    let mut line: Vec<u8> = Vec::with_capacity(256);
    let mut full_len = 0usize;
    let error = loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break Some(e.to_string()),
        };
        if buf.is_empty() {
            if full_len > 0 {
                d.line(&line, full_len);
            }
            break None;
        }
        let (chunk, consumed, ends) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        full_len += chunk.len();
        r.consume(consumed);
        if ends {
            d.line(&line, full_len);
            line.clear();
            full_len = 0;
        }
    };
    d.finish(error)
}

/// Digests a log held in memory (a block cut out of a `cluster-info dump` stream, a text file
/// read as a log), numbering lines from `first_line`.
///
/// `text` is the lines joined by `\n`, without the line end of the last one: it is read as
/// [`digest_reader`] reads the same text followed by a line end. A final `\n` in `text` is
/// the end of a line before an empty last line (the log ended with a blank line).
pub fn digest_slice(text: &[u8], first_line: u64, hint: LogHint) -> LogDigest {
    let mut b = Building::new(hint, first_line);
    for (n, raw) in (first_line..).zip(text.split(|c| *c == b'\n')) {
        b.push(n, &raw[..raw.len().min(MAX_LINE)], raw.len());
    }
    b.finish()
}

/// True when a file name says it is a container log: `*.log`, `*.log.N`, rotated
/// `*.log.<date>`, or `logs.txt` of a `cluster-info dump`.
pub fn is_log_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "logs.txt" || name.ends_with(".log") {
        return true;
    }
    if let Some(i) = name.rfind(".log.") {
        let suffix = &name[i + 5..];
        return !suffix.is_empty()
            && suffix
                .bytes()
                .all(|c| c.is_ascii_digit() || c == b'-' || c == b'.' || c.is_ascii_alphabetic())
            && !suffix.ends_with("gz")
            && !suffix.ends_with("zst");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceback_is_kept_with_frames() {
        let log = "INFO:     Started server process [1]\nTraceback (most recent call last):\n  File \"/app/main.py\", line 5, in <module>\n    X = os.environ[\"MAX\"]\nKeyError: 'MAX'\nbye\n";
        let d = digest_reader(&mut log.as_bytes(), LogHint::default()).remove(0);
        assert_eq!(d.lines, 6);
        let kept: Vec<u64> = d.notable.iter().map(|l| l.line).collect();
        assert_eq!(kept, vec![2, 3, 4, 5]);
        assert_eq!(d.notable[3].text, "KeyError: 'MAX'");
        assert_eq!(d.tail.len(), 6);
    }

    #[test]
    fn markers_split_blocks() {
        let log = "==== START logs for container c of pod ns/p ====\nhello\nerror: x\n==== END logs for container c of pod ns/p ====\n==== START logs for container d of pod ns/q ====\n==== END logs for container d of pod ns/q ====\n";
        let ds = digest_reader(&mut log.as_bytes(), LogHint::default());
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[0].hint.pod.as_deref(), Some("p"));
        assert_eq!(ds[0].first_line, 2);
        assert_eq!(ds[0].notable[0].line, 3);
        assert_eq!(ds[1].lines, 0);
    }

    #[test]
    fn long_lines_are_cut() {
        let long = "x".repeat(MAX_LINE * 3);
        let d = digest_reader(&mut long.as_bytes(), LogHint::default()).remove(0);
        assert_eq!(d.lines, 1);
        assert!(d.tail[0].text.ends_with("[line cut]"));
        assert!(d.tail[0].text.len() < MAX_LINE + 20);
    }

    #[test]
    fn log_names() {
        assert!(is_log_name("a/b/c.log"));
        assert!(is_log_name("logs/ns/p/c.log.1"));
        assert!(is_log_name("x/logs/rotated/1.log.20231102-061208"));
        assert!(is_log_name("ns/p/logs.txt"));
        assert!(!is_log_name("x/rotated/1.log.20231102-061208.gz"));
        assert!(!is_log_name("events.json"));
    }
}
