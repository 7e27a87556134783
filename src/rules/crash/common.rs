//! Reading causes out of text: environment variable names, module names, paths, ports and
//! fatal log lines, from log lines and status messages; the candidate causes of a log or a
//! message and the pick of the one that ended the program.

use crate::ingest::logs::signals::{message_of, Frame, Scanner, Signal, SignalKind};
use crate::ingest::logs::LogLine;
use crate::model::ContainerLog;
use std::borrow::Cow;

/// Words that look like environment variable names but are log levels or protocol names.
const NOT_VARS: &[&str] = &[
    "ERROR", "FATAL", "WARN", "WARNING", "INFO", "DEBUG", "TRACE", "PANIC", "CRITICAL", "HTTP",
    "HTTPS", "JSON", "YAML", "NOTE", "TODO", "GET", "POST", "PUT", "DELETE", "PATH", "OK", "URL",
    "API", "TLS", "SSL", "TCP", "UDP", "DNS", "EOF", "NULL", "NONE", "TRUE", "FALSE",
];

/// `MAX_STRESS_SECONDS`, `DB_URL`, `TOKEN`: upper case letters, digits and underscores,
/// starting with a letter or underscore, at least one letter.
pub(crate) fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && (b[0].is_ascii_uppercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && b.iter().any(u8::is_ascii_uppercase)
}

/// An environment variable name that is not a common upper-case word.
fn is_likely_var(s: &str) -> bool {
    is_env_name(s) && (s.contains('_') || s.len() >= 4) && !NOT_VARS.contains(&s)
}

/// Strips quotes, `$`, `${...}` and punctuation around a word.
fn bare(word: &str) -> &str {
    word.trim_matches(|c: char| {
        matches!(
            c,
            '\'' | '"'
                | '`'
                | '$'
                | '{'
                | '}'
                | '('
                | ')'
                | '['
                | ']'
                | ':'
                | ','
                | '.'
                | ';'
                | '='
                | '!'
                | '<'
                | '>'
        )
    })
}

/// Phrases that say something is absent.
const ABSENT: &[&str] = &[
    "not set",
    "not defined",
    "undefined",
    "is missing",
    "missing",
    "is required",
    "required",
    "must be set",
    "must be provided",
    "must be specified",
    "is empty",
    "unset",
    "not provided",
    "not found",
    "not present",
    "no value",
];

/// Phrases of optional variables: the program goes on with a default.
const OPTIONAL: &[&str] = &["default", "using ", "fallback", "ignoring", "optional"];

/// A cheap test on the lower-cased line before [`missing_env_var`].
pub(crate) fn may_name_missing_env(lower: &str) -> bool {
    ABSENT.iter().any(|w| lower.contains(w))
}

/// True when a line may match one of the text patterns (a missing variable or command, a
/// read-only file system, a fatal line): one pass, no allocation, so that the many lines
/// that match none are skipped cheaply.
pub(crate) fn may_matter(raw: &str) -> bool {
    use aho_corasick::AhoCorasick;
    use std::sync::OnceLock;
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        let words = ABSENT.iter().copied().chain([
            "read-only file system",
            "erofs",
            "fatal",
            "panic",
            "critical",
        ]);
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words)
            .ok()
    });
    let klog_fatal = {
        let b = crate::ingest::logs::strip_timestamp(raw).as_bytes();
        b.len() > 5 && b[0] == b'F' && b[1..5].iter().all(u8::is_ascii_digit)
    };
    klog_fatal || ac.as_ref().is_none_or(|ac| ac.is_match(raw))
}

/// The environment variable a line says is missing: `environment variable X not set`,
/// `Environment variable X is undefined`, `X must be set`, `Missing required environment
/// variable X`, `required key X missing value`, `panic: ... env X`.
pub(crate) fn missing_env_var(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    if OPTIONAL.iter().any(|w| lower.contains(w)) {
        return None;
    }
    if !ABSENT.iter().any(|w| lower.contains(w)) {
        return None;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let env_word = |w: &str| {
        let l = bare(w).to_ascii_lowercase();
        matches!(
            l.as_str(),
            "environment" | "env" | "envvar" | "env-var" | "env_var" | "envconfig"
        )
    };
    if words.iter().any(|w| env_word(w)) || lower.contains("env var") {
        // The first variable-looking word after the keyword, else anywhere on the line.
        let start = words.iter().position(|w| env_word(w)).unwrap_or(0);
        let after = words[start..]
            .iter()
            .map(|w| bare(w))
            .find(|w| is_env_name(w) && !NOT_VARS.contains(w));
        let any = || words.iter().map(|w| bare(w)).find(|w| is_likely_var(w));
        return after.or_else(any).map(str::to_string);
    }
    // `X must be set`, `X is not set`, `X not set`, `X is required`, `required key X missing`.
    for (i, w) in words.iter().enumerate() {
        let name = bare(w);
        if !is_likely_var(name) {
            continue;
        }
        let rest = words[i + 1..].join(" ").to_ascii_lowercase();
        let follows = [
            "must be set",
            "must be provided",
            "must be specified",
            "is not set",
            "not set",
            "is required",
            "is undefined",
            "is not defined",
            "not defined",
            "is missing",
            "missing value",
            "is empty",
        ]
        .iter()
        .any(|p| rest.starts_with(p));
        let before = words[..i].join(" ").to_ascii_lowercase();
        let precedes = ["missing required", "required key", "missing"]
            .iter()
            .any(|p| before.ends_with(p));
        if follows || precedes {
            return Some(name.to_string());
        }
    }
    None
}

/// The text between the first pair of single or double quotes after `after`.
pub(crate) fn quoted_after<'a>(text: &'a str, after: &str) -> Option<&'a str> {
    let i = text.find(after)? + after.len();
    let rest = &text[i..];
    let open = rest.find(['\'', '"'])?;
    let q = rest[open..].chars().next()?;
    let inner = &rest[open + 1..];
    let close = inner.find(q)?;
    Some(&inner[..close])
}

/// The module a line says is missing: `No module named 'x'`, `cannot import name 'y' from
/// 'x'`, `Cannot find module 'x'`, `ClassNotFoundException: a.b.C`.
pub(crate) fn missing_module(text: &str) -> Option<String> {
    if let Some(m) = quoted_after(text, "No module named") {
        return Some(m.to_string());
    }
    if text.contains("cannot import name") {
        let name = quoted_after(text, "cannot import name");
        let from = quoted_after(text, "from");
        return match (name, from) {
            (Some(n), Some(f)) => Some(format!("{n} (from {f})")),
            (Some(n), None) => Some(n.to_string()),
            _ => None,
        };
    }
    if let Some(m) = quoted_after(text, "Cannot find module") {
        return Some(m.to_string());
    }
    for marker in [
        "ClassNotFoundException:",
        "NoClassDefFoundError:",
        "ModuleNotFoundError:",
        "ImportError:",
    ] {
        if let Some(i) = text.find(marker) {
            let rest = text[i + marker.len()..].trim();
            let word = rest.split_whitespace().next().map(bare).unwrap_or("");
            if !word.is_empty() {
                return Some(word.replace('/', "."));
            }
        }
    }
    None
}

/// A path in a line: the quoted one after `: `, else the last word that starts with `/` or
/// `./` (without a trailing `:`).
pub(crate) fn path_in(text: &str) -> Option<String> {
    for marker in ["directory: ", "denied: ", "file system: ", "file: "] {
        if let Some(i) = text.find(marker) {
            let rest = text[i + marker.len()..].trim();
            let p = bare(rest.split_whitespace().next().unwrap_or(""));
            if p.starts_with('/') || p.starts_with("./") {
                return Some(p.to_string());
            }
        }
    }
    text.split_whitespace()
        .map(bare)
        .rfind(|w| {
            (w.starts_with('/') || w.starts_with("./")) && w.len() > 1 && !w.starts_with("//")
        })
        .map(str::to_string)
}

/// The command a line says is missing: `exec: "wge": executable file not found in $PATH`,
/// `/bin/sh: 1: wge: not found`, `bash: wge: command not found`.
pub(crate) fn missing_command(text: &str) -> Option<String> {
    if text.contains("executable file not found") {
        if let Some(c) = quoted_after(text, "exec:") {
            return Some(c.to_string());
        }
    }
    let lower = text.to_ascii_lowercase();
    let cut = match lower.find(": command not found") {
        Some(i) => i,
        None => {
            // `sh: 1: x: not found` only from a shell, else any `thing: not found` would do.
            let i = lower.find(": not found")?;
            let first = lower.trim_start().split(':').next().unwrap_or("");
            let shell = first.rsplit('/').next().unwrap_or("");
            if !matches!(
                shell,
                "sh" | "bash" | "ash" | "dash" | "ksh" | "zsh" | "env"
            ) {
                return None;
            }
            i
        }
    };
    let head = &text[..cut];
    let word = head.rsplit(':').next().map(str::trim).unwrap_or("");
    if word.is_empty() || word.contains(' ') {
        return None;
    }
    // `sh: 1: x: not found` has the line number before the command.
    Some(bare(word).to_string()).filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
}

/// The port in a bind error: the last number that follows `:`, `port ` or `, ` and is a valid
/// port (`listen tcp :8080: bind: address already in use`, `('0.0.0.0', 8000)`, `:::3000`).
pub(crate) fn port_in(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let mut best = None;
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let prefix_ok = text[..start].ends_with(':')
                || text[..start].to_ascii_lowercase().ends_with("port ")
                || text[..start].ends_with(", ");
            let suffix_ok = i >= b.len() || !matches!(b[i], b'.' | b'-' | b'/');
            if prefix_ok && suffix_ok && i - start <= 5 {
                if let Ok(p) = text[start..i].parse::<u16>() {
                    if p > 0 {
                        best = Some(p);
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    best
}

/// A line that says the program stops on a fatal error: `level=fatal msg=...`, JSON
/// `{"level":"fatal"}` (read as `fatal: ...`), klog `F0102 ...`, `[FATAL]`, `FATAL:`,
/// `fatal error:`, `CRITICAL:`.
pub(crate) fn is_fatal_line(raw: &str, msg: &str, lower: &str) -> bool {
    let m = msg.trim_start();
    let lower = lower.trim_start();
    let klog_fatal = {
        let b = crate::ingest::logs::strip_timestamp(raw).as_bytes();
        b.len() > 22 && b[0] == b'F' && b[1..5].iter().all(u8::is_ascii_digit) && b[5] == b' '
    };
    klog_fatal
        || lower.contains("level=fatal")
        || lower.contains("level=panic")
        || lower.starts_with("fatal: ")
        || lower.starts_with("panic: ")
        || lower.starts_with("fatal error")
        || m.starts_with("[FATAL]")
        || m.starts_with("FATAL")
        || m.starts_with("CRITICAL")
        || lower.starts_with("critical: ")
        || m.contains(" FATAL ")
        || m.contains("[FATAL]")
        || m.contains(" [fatal] ")
}

/// The message of a logfmt line: `msg="Error starting daemon"` → `Error starting daemon`.
pub(crate) fn logfmt_msg(line: &str) -> Option<String> {
    let i = line.find("msg=")? + 4;
    let rest = &line[i..];
    if let Some(body) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '"' => return Some(out),
                c => out.push(c),
            }
        }
        Some(out)
    } else {
        rest.split_whitespace().next().map(str::to_string)
    }
}

/// Up to `max` characters of a line, cut at a character boundary with `…`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

// ---------------------------------------------------------------------------------------
// Causes in a text: candidates from signals and lines, and the pick among them.

/// Lines and signals of a log or a message.
pub(crate) struct Text<'a> {
    /// Kept lines, each part in line order (a log's notable lines and its tail).
    pub parts: Vec<Cow<'a, [LogLine]>>,
    /// The signals found in it.
    pub signals: Cow<'a, [Signal]>,
    /// The last line number.
    pub last_line: u64,
}

impl<'a> Text<'a> {
    pub fn of_log(log: &'a ContainerLog) -> Text<'a> {
        let d = &log.digest;
        let last_line = d
            .tail
            .last()
            .map_or(d.first_line + d.lines.saturating_sub(1), |l| l.line);
        Text {
            parts: vec![
                Cow::Borrowed(d.notable.as_slice()),
                Cow::Borrowed(d.tail.as_slice()),
            ],
            signals: Cow::Borrowed(d.signals.as_slice()),
            last_line,
        }
    }

    pub fn of_message(m: &str) -> Text<'static> {
        let mut scanner = Scanner::default();
        let mut lines = Vec::new();
        for (i, l) in m.lines().enumerate() {
            let n = i as u64 + 1;
            scanner.line(n, l);
            lines.push(LogLine {
                line: n,
                text: l.to_string(),
            });
        }
        let last_line = lines.len() as u64;
        Text {
            parts: vec![Cow::Owned(lines)],
            signals: Cow::Owned(scanner.finish()),
            last_line,
        }
    }

    pub fn line(&self, n: u64) -> Option<&str> {
        self.parts.iter().find_map(|p| {
            p.binary_search_by_key(&n, |l| l.line)
                .ok()
                .and_then(|i| p.get(i))
                .map(|l| l.text.as_str())
        })
    }

    /// The kept lines within the inclusive ranges, in order, each once.
    pub fn lines_in(&self, ranges: &[(u64, u64)]) -> Vec<(u64, &str)> {
        let mut out = Vec::new();
        for p in &self.parts {
            for &(lo, hi) in ranges {
                let start = p.partition_point(|l| l.line < lo);
                for l in p[start..].iter().take_while(|l| l.line <= hi) {
                    out.push((l.line, l.text.as_str()));
                }
            }
        }
        out.sort_by_key(|(n, _)| *n);
        out.dedup_by_key(|(n, _)| *n);
        out
    }
}

/// A cause as read from text, before the spec is consulted.
#[derive(Debug, Clone)]
pub(crate) enum Raw {
    Env {
        var: String,
        frame: Option<Frame>,
    },
    Module(Option<String>),
    File {
        path: Option<String>,
        command: Option<String>,
    },
    Port(Option<u16>),
    Exec,
    Perm {
        path: Option<String>,
        read_only: bool,
    },
    App {
        summary: String,
        frame: Option<Frame>,
        oom: bool,
        reads_env: Option<String>,
    },
}

impl Raw {
    fn rank(&self) -> u8 {
        match self {
            Raw::Env { .. } => 7,
            Raw::Module(_) => 6,
            Raw::Exec => 5,
            Raw::Port(_) => 4,
            Raw::Perm { .. } => 3,
            Raw::File { .. } => 2,
            Raw::App { .. } => 1,
        }
    }
}

/// A cause found on one line.
#[derive(Debug, Clone)]
pub(crate) struct Cand {
    pub line: u64,
    pub text: String,
    pub raw: Raw,
    /// Says the program stops (an exception, a panic, a fatal line, a missing variable), as
    /// opposed to a system error that may have been survived.
    pub terminal: bool,
    /// Other lines to cite: (line, label).
    pub extra: Vec<(u64, &'static str)>,
}

/// The cause a whole text shows: the last terminal line sets the end; the most specific cause
/// within a few lines before it wins (a missing variable up to 40 lines before). Without a
/// terminal line, a system error counts only near the end of a log.
pub(crate) fn pick(cands: Vec<Cand>, log_end: Option<u64>) -> Option<Cand> {
    let end = match cands.iter().filter(|c| c.terminal).map(|c| c.line).max() {
        Some(e) => e,
        None => {
            let last = cands.iter().map(|c| c.line).max()?;
            if log_end.is_some_and(|end| last + 20 < end) {
                return None;
            }
            last
        }
    };
    cands
        .into_iter()
        .filter(|c| c.line <= end)
        .filter(|c| {
            let window = match c.raw {
                Raw::Env { .. } => 40,
                Raw::App { .. } => 0,
                _ => 10,
            };
            c.line + window >= end
        })
        .max_by_key(|c| (c.raw.rank(), c.line))
}

/// Lines before the end of a text in which text patterns are looked for.
const TEXT_WINDOW: u64 = 250;

/// Causes in a text, from its signals and from lines no signal covers.
pub(crate) fn candidates(t: &Text<'_>, defined: &dyn Fn(&str) -> bool) -> Vec<Cand> {
    let mut out = Vec::new();
    for s in t.signals.iter() {
        if let Some(c) = from_signal(s, t, defined) {
            out.push(c);
        }
    }
    let signal_lines: std::collections::HashSet<u64> = out.iter().map(|c| c.line).collect();
    // Text patterns matter near the end, and just before a terminal signal.
    let mut ranges = vec![(t.last_line.saturating_sub(TEXT_WINDOW), u64::MAX)];
    ranges.extend(
        out.iter()
            .filter(|c| c.terminal)
            .map(|c| (c.line.saturating_sub(40), c.line)),
    );
    for (n, raw) in t.lines_in(&ranges) {
        if signal_lines.contains(&n) || !may_matter(raw) {
            continue;
        }
        let msg = message_of(raw);
        let lower = msg.to_ascii_lowercase();
        let env = if may_name_missing_env(&lower) {
            missing_env_var(&msg).filter(|v| !defined(v))
        } else {
            None
        };
        let command = if lower.contains("not found") {
            missing_command(&msg)
        } else {
            None
        };
        let (raw_cause, terminal) = if let Some(v) = env {
            (
                Raw::Env {
                    var: v,
                    frame: None,
                },
                true,
            )
        } else if let Some(cmd) = command {
            (
                Raw::File {
                    path: None,
                    command: Some(cmd),
                },
                true,
            )
        } else if lower.contains("read-only file system") || lower.contains("erofs") {
            (
                Raw::Perm {
                    path: path_in(&msg),
                    read_only: true,
                },
                false,
            )
        } else if is_fatal_line(raw, &msg, &lower) {
            match classify(&msg, defined) {
                Some(r) => (r, true),
                None => (
                    Raw::App {
                        summary: clip(
                            &logfmt_msg(&msg)
                                .map_or_else(|| msg.to_string(), |m| format!("fatal: {m}")),
                            200,
                        ),
                        frame: None,
                        oom: false,
                        reads_env: None,
                    },
                    true,
                ),
            }
        } else {
            continue;
        };
        out.push(Cand {
            line: n,
            text: raw.to_string(),
            raw: raw_cause,
            terminal,
            extra: Vec::new(),
        });
    }
    out
}

fn is_read_only(msg: &str) -> bool {
    let l = msg.to_ascii_lowercase();
    l.contains("read-only file system") || l.contains("erofs")
}

/// A specific cause named by a message, if any.
fn classify(text: &str, defined: &dyn Fn(&str) -> bool) -> Option<Raw> {
    let lower = text.to_ascii_lowercase();
    if let Some(v) = missing_env_var(text).filter(|v| !defined(v)) {
        return Some(Raw::Env {
            var: v,
            frame: None,
        });
    }
    if lower.contains("exec format error") {
        return Some(Raw::Exec);
    }
    if let Some(cmd) = missing_command(text) {
        return Some(Raw::File {
            path: None,
            command: Some(cmd),
        });
    }
    if lower.contains("address already in use") || lower.contains("eaddrinuse") {
        return Some(Raw::Port(port_in(text)));
    }
    if is_read_only(text) {
        return Some(Raw::Perm {
            path: path_in(text),
            read_only: true,
        });
    }
    if lower.contains("permission denied") || lower.contains("eacces") {
        return Some(Raw::Perm {
            path: path_in(text),
            read_only: false,
        });
    }
    if lower.contains("no module named")
        || lower.contains("cannot find module")
        || lower.contains("classnotfoundexception")
        || lower.contains("noclassdeffounderror")
    {
        return Some(Raw::Module(missing_module(text)));
    }
    if lower.contains("no such file or directory") || lower.contains("enoent") {
        return Some(Raw::File {
            path: path_in(text),
            command: None,
        });
    }
    None
}

/// The variables a Python source line reads: `os.environ["X"]`, `os.getenv("X")`,
/// `os.environ.get("X")`.
fn env_reads_in(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["environ[", "getenv(", "environ.get("] {
        let mut rest = source;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            let r = rest.trim_start();
            let Some(q) = r.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = r[1..].find(q) {
                out.push(r[1..1 + end].to_string());
            }
        }
    }
    out
}

fn from_signal(s: &Signal, t: &Text<'_>, defined: &dyn Fn(&str) -> bool) -> Option<Cand> {
    let app = |summary: String, frame: Option<Frame>| Raw::App {
        summary: clip(&summary, 200),
        frame,
        oom: false,
        reads_env: None,
    };
    let mut extra: Vec<(u64, &'static str)> = Vec::new();
    let raw = match &s.kind {
        SignalKind::PythonException {
            exception,
            message,
            frame,
        } => {
            if let Some(f) = frame {
                extra.push((f.log_line, "the frame that raised it"));
                if t.line(f.log_line + 1).is_some() {
                    extra.push((f.log_line + 1, "the raising line"));
                }
            }
            let source = frame
                .as_ref()
                .and_then(|f| t.line(f.log_line + 1))
                .map(str::trim);
            let short = exception.rsplit('.').next().unwrap_or(exception);
            let summary = if message.is_empty() {
                exception.clone()
            } else {
                format!("{exception}: {message}")
            };
            match short {
                "KeyError" => {
                    let key = message.trim().trim_matches(|c| c == '\'' || c == '"');
                    let os_frame = frame.as_ref().is_some_and(|f| {
                        (f.log_line..s.line).any(|n| {
                            t.line(n).is_some_and(|l| {
                                (l.contains("<frozen os>") || l.contains("/os.py\""))
                                    && l.contains("__getitem__")
                            })
                        })
                    });
                    // Raised by `os.environ[...]` itself, or by a line that reads this very key
                    // from the environment; without the source line, an upper-case key.
                    let env = os_frame
                        || match source {
                            Some(src) => env_reads_in(src).iter().any(|v| v == key),
                            None => is_env_name(key),
                        };
                    if env && !key.is_empty() && !defined(key) {
                        Raw::Env {
                            var: key.to_string(),
                            frame: frame.clone(),
                        }
                    } else {
                        app(summary, frame.clone())
                    }
                }
                "ModuleNotFoundError" | "ImportError" => {
                    Raw::Module(missing_module(&summary).or_else(|| Some(message.clone())))
                }
                "FileNotFoundError" => Raw::File {
                    path: path_in(message),
                    command: None,
                },
                "PermissionError" => Raw::Perm {
                    path: path_in(message),
                    read_only: is_read_only(message),
                },
                "MemoryError" => Raw::App {
                    summary: clip(&summary, 200),
                    frame: frame.clone(),
                    oom: true,
                    reads_env: None,
                },
                _ => {
                    // `int(os.getenv("X"))` with X unset: a TypeError about None.
                    let env_none = source
                        .and_then(|src| env_reads_in(src).into_iter().next())
                        .filter(|_| message.contains("None"))
                        .filter(|v| !defined(v));
                    match env_none {
                        Some(var) => Raw::Env {
                            var,
                            frame: frame.clone(),
                        },
                        None => classify(message, defined)
                            .unwrap_or_else(|| app(summary, frame.clone())),
                    }
                }
            }
        }
        SignalKind::GoPanic { message } => classify(message, defined)
            .unwrap_or_else(|| app(message_of(&s.text).into_owned(), None)),
        SignalKind::JavaException {
            exception,
            message,
            caused_by,
        } => {
            for (_, _, line) in caused_by {
                extra.push((*line, "caused by"));
            }
            let chain: Vec<(&str, &str)> = std::iter::once((exception.as_str(), message.as_str()))
                .chain(caused_by.iter().map(|(e, m, _)| (e.as_str(), m.as_str())))
                .collect();
            let mut found = None;
            for (e, m) in chain.iter().rev() {
                let short = e.rsplit('.').next().unwrap_or(e);
                let r = match short {
                    "ClassNotFoundException" | "NoClassDefFoundError" => {
                        Some(Raw::Module(Some(m.trim().replace('/', "."))))
                    }
                    "BindException" => Some(Raw::Port(port_in(m))),
                    "FileNotFoundException" | "NoSuchFileException" => Some(Raw::File {
                        path: path_in(m).or_else(|| Some(m.to_string())),
                        command: None,
                    }),
                    "AccessDeniedException" => Some(Raw::Perm {
                        path: path_in(m).or_else(|| Some(m.to_string())),
                        read_only: false,
                    }),
                    "OutOfMemoryError" => Some(Raw::App {
                        summary: format!("{e}: {m}"),
                        frame: None,
                        oom: true,
                        reads_env: None,
                    }),
                    _ => classify(m, defined),
                };
                if r.is_some() {
                    found = r;
                    break;
                }
            }
            let root = chain.last().copied().unwrap_or((exception, message));
            found.unwrap_or_else(|| {
                let summary = if root.1.is_empty() {
                    root.0.to_string()
                } else {
                    format!("{}: {}", root.0, root.1)
                };
                app(summary, None)
            })
        }
        SignalKind::NodeError { error, message } => {
            let summary = format!("{error}: {message}");
            classify(&summary, defined).unwrap_or_else(|| app(summary, None))
        }
        SignalKind::AddressInUse => Raw::Port(port_in(&message_of(&s.text))),
        SignalKind::PermissionDenied => {
            let m = message_of(&s.text);
            Raw::Perm {
                path: path_in(&m),
                read_only: false,
            }
        }
        SignalKind::ExecFormatError => Raw::Exec,
        SignalKind::NoSuchFile => {
            let m = message_of(&s.text);
            Raw::File {
                path: path_in(&m),
                command: None,
            }
        }
        SignalKind::CoreDnsLoop => app(message_of(&s.text).into_owned(), None),
        SignalKind::OutOfMemory => Raw::App {
            summary: clip(&message_of(&s.text), 200),
            frame: None,
            oom: true,
            reads_env: None,
        },
        SignalKind::Killed => return None,
    };
    // An error raised on a line that reads the environment: the variable's value is the input.
    let mut raw = raw;
    if let (Raw::App { reads_env, .. }, SignalKind::PythonException { frame: Some(f), .. }) =
        (&mut raw, &s.kind)
    {
        *reads_env = t
            .line(f.log_line + 1)
            .and_then(|src| env_reads_in(src).into_iter().next());
    }
    let terminal = matches!(
        s.kind,
        SignalKind::PythonException { .. }
            | SignalKind::GoPanic { .. }
            | SignalKind::JavaException { .. }
            | SignalKind::NodeError { .. }
            | SignalKind::CoreDnsLoop
            | SignalKind::OutOfMemory
    );
    Some(Cand {
        line: s.line,
        text: s.text.clone(),
        raw,
        terminal,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_vars() {
        for (line, want) in [
            ("Environment variable DEPLOY_ENV is undefined", "DEPLOY_ENV"),
            ("environment variable DB_URL not set", "DB_URL"),
            (
                "Missing required environment variable STRIPE_KEY",
                "STRIPE_KEY",
            ),
            ("DATABASE_URL must be set", "DATABASE_URL"),
            ("Error: required key REDIS_ADDR missing value", "REDIS_ADDR"),
            ("panic: env \"API_TOKEN\" is required", "API_TOKEN"),
            ("fatal: $SECRET_KEY is not set", "SECRET_KEY"),
        ] {
            assert_eq!(missing_env_var(line).as_deref(), Some(want), "{line}");
        }
        for line in [
            "LOG_LEVEL not set, using default info",
            "ERROR is not set",
            "Loaded environment variable LOG_LEVEL=info",
            "connection refused",
        ] {
            assert_eq!(missing_env_var(line), None, "{line}");
        }
    }

    #[test]
    fn modules_paths_commands_ports() {
        assert_eq!(
            missing_module("ModuleNotFoundError: No module named 'fastapi'").as_deref(),
            Some("fastapi")
        );
        assert_eq!(
            missing_module("Error: Cannot find module 'express'").as_deref(),
            Some("express")
        );
        assert_eq!(
            missing_module("java.lang.ClassNotFoundException: com.acme.Main").as_deref(),
            Some("com.acme.Main")
        );
        assert_eq!(
            path_in("FileNotFoundError: [Errno 2] No such file or directory: '/app/config.yaml'")
                .as_deref(),
            Some("/app/config.yaml")
        );
        assert_eq!(
            path_in("exec /app/server: no such file or directory").as_deref(),
            Some("/app/server")
        );
        assert_eq!(
            missing_command("exec: \"wge\": executable file not found in $PATH: unknown")
                .as_deref(),
            Some("wge")
        );
        assert_eq!(
            missing_command("/bin/sh: 1: gunicorn: not found").as_deref(),
            Some("gunicorn")
        );
        assert_eq!(
            port_in("2024/01/02 15:04:05 listen tcp :8080: bind: address already in use"),
            Some(8080)
        );
        assert_eq!(
            port_in("ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use"),
            Some(8000)
        );
        assert_eq!(
            port_in("Error: listen EADDRINUSE: address already in use :::3000"),
            Some(3000)
        );
    }

    #[test]
    fn logfmt() {
        assert_eq!(
            logfmt_msg("time=\"x\" level=fatal msg=\"Error: Get \\\"https://a\\\": timeout\" ")
                .as_deref(),
            Some("Error: Get \"https://a\": timeout")
        );
    }

    #[test]
    fn fatal_lines() {
        let fatal = |l: &str| is_fatal_line(l, l, &l.to_ascii_lowercase());
        assert!(fatal(
            "time=\"x\" level=fatal msg=\"Error starting daemon\""
        ));
        assert!(is_fatal_line(
            "F0102 15:04:05.000000       1 main.go:12] boom",
            "boom",
            "boom"
        ));
        assert!(!fatal("ERROR: Application startup failed. Exiting."));
    }

    #[test]
    fn the_cause_is_what_ends_the_text() {
        let none = |_: &str| false;
        let pick_in = |text: &str| {
            let t = Text::of_message(text);
            pick(candidates(&t, &none), Some(t.last_line)).map(|c| (c.line, c.raw))
        };
        // A permission warning long before the panic is not the cause.
        let mut log = String::from("open /etc/app/extra.conf: permission denied, skipped\n");
        for i in 0..20 {
            log.push_str(&format!("served request {i}\n"));
        }
        log.push_str("panic: runtime error: index out of range [3] with length 3\n");
        assert!(matches!(pick_in(&log), Some((22, Raw::App { .. }))));
        // A bind error just before the panic names the cause.
        let log = "listen tcp :8080: bind: address already in use\npanic: server failed\n";
        assert!(matches!(pick_in(log), Some((1, Raw::Port(Some(8080))))));
        // A missing variable wins over the generic error that follows it.
        let log = "config: DATABASE_URL must be set\nError: invalid configuration\n";
        assert!(matches!(pick_in(log), Some((1, Raw::Env { .. }))));
        // A lone system error early in a long log is not taken.
        let mut log = String::from("mkdir /cache: permission denied\n");
        for i in 0..40 {
            log.push_str(&format!("tick {i}\n"));
        }
        assert!(pick_in(&log).is_none());
    }
}
