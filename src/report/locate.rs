//! Turns evidence (places in the model) into file, line, column and the text of that line.
//!
//! A field of a JSON or YAML object is found by walking its path through the object's text
//! (`spec.containers[0].resources.limits.memory`). That text comes from what the first read
//! kept of the objects a report could cite ([`crate::ingest::kept`]), and the lines around a
//! log line from what its digest kept; log lines are already known by number. Only evidence
//! outside them makes its file be read again, once, keeping a window around each cited object
//! while the file streams past. Both ways give the same answer.

use crate::ingest::json::{blank_end, json_element, json_member};
use crate::ingest::kept::{self, KeptText, MARGIN};
use crate::ingest::logs::{self, LogDigest, LogLine};
use crate::ingest::{rebase, SourceFormat};
use crate::rules::{At, Evidence};
use crate::secrets::{self, Scrubber};
use crate::source::{self, Body, ReadOptions};
use crate::Snapshot;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A piece of evidence resolved to a place people can open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    /// Path of the file inside the snapshot.
    pub path: String,
    /// Index of the input the file is in (only when several were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<usize>,
    /// 1-based line.
    pub line: u64,
    /// 1-based column (in characters).
    pub column: u64,
    /// The text of that line, trimmed.
    pub text: String,
    /// What the place shows.
    pub label: String,
    /// The lines around it, for reports that show the source.
    #[serde(skip)]
    pub context: Option<Context>,
    /// How many characters the cited text spans, when known exactly (describe text); otherwise
    /// it runs to the end of the line.
    #[serde(skip)]
    pub width: Option<u64>,
}

/// A few lines of a file around a cited line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// 1-based number of the first line of `text`.
    pub first_line: u64,
    /// The lines, joined with `\n`.
    pub text: String,
}

/// Lines of context kept on each side of a cited line.
const CONTEXT_LINES: usize = 2;

// A log's digest keeps the lines a report shows around a notable line.
const _: () = assert!(logs::CONTEXT_BEFORE == CONTEXT_LINES + LOOKBACK);
const _: () = assert!(logs::CONTEXT_AFTER == CONTEXT_LINES);

/// How many lines come before each block of a text, counted once per text: many pieces of
/// evidence in one large text then cost a count within one block each, not a count of every
/// newline before them, and the index is a few thousand numbers, not one per line.
pub struct Lines<'t> {
    text: &'t [u8],
    /// Newlines before `text` in its file (the text can be a window into the file).
    base: u64,
    /// `before[i]`: the newlines in `text[..i * BLOCK]`.
    before: Vec<u64>,
    /// Lines a kept text left out: from this offset on, that many more lines are before.
    skipped: Option<(usize, u64)>,
}

/// Bytes per block of the line index.
const BLOCK: usize = 64 * 1024;

/// The newlines in `bytes`.
fn newlines(bytes: &[u8]) -> u64 {
    bytecount::count(bytes, b'\n') as u64
}

impl<'t> Lines<'t> {
    /// The index of `text`, a whole file.
    pub fn new(text: &'t [u8]) -> Lines<'t> {
        Lines::after(text, 0)
    }

    /// The index of `text`, which comes after `base` newlines of its file.
    fn after(text: &'t [u8], base: u64) -> Lines<'t> {
        let mut before = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut n = 0;
        before.push(0);
        for chunk in text.chunks(BLOCK) {
            n += newlines(chunk);
            before.push(n);
        }
        Lines {
            text,
            base,
            before,
            skipped: None,
        }
    }

    /// The 1-based line of byte `offset`.
    fn line_of(&self, offset: usize) -> u64 {
        let offset = offset.min(self.text.len());
        let block = offset / BLOCK;
        let skipped = match self.skipped {
            Some((from, n)) if offset >= from => n,
            _ => 0,
        };
        skipped
            + self.base
            + self.before[block.min(self.before.len() - 1)]
            + newlines(&self.text[block * BLOCK..offset])
            + 1
    }
}

/// The bytes of a file that evidence is located in: the whole file, or a window of it around
/// the cited objects (a report reads only those, however large the file).
pub struct Window<'t> {
    /// The bytes.
    text: &'t [u8],
    /// Offset of `text[0]` in the file.
    at: usize,
    /// Line index of `text`.
    lines: Lines<'t>,
    /// Characters between the start of its line and `text[0]` (0 when a line starts there).
    column: u64,
    /// Lines of the file `text` leaves out (a kept text's `managedFields`).
    hole: Option<kept::Hole>,
}

impl<'t> Window<'t> {
    /// A whole file.
    pub fn whole(text: &'t [u8]) -> Window<'t> {
        Window {
            text,
            at: 0,
            lines: Lines::new(text),
            column: 0,
            hole: None,
        }
    }

    /// The text of an object kept from the first read.
    fn kept(k: &'t KeptText) -> Window<'t> {
        let mut lines = Lines::after(&k.bytes, k.base);
        lines.skipped = k.hole.map(|h| (h.at + h.filler, h.lines));
        Window {
            text: &k.bytes,
            at: k.at,
            lines,
            column: k.column,
            hole: k.hole,
        }
    }

    /// Nothing: for evidence that needs no text (log lines).
    fn none() -> Window<'static> {
        Window::whole(&[])
    }

    /// The position in `text` of byte `offset` of the file, if the window holds it.
    fn local(&self, offset: usize) -> Option<usize> {
        let o = offset.checked_sub(self.at)?;
        let o = match self.hole {
            Some(h) if o >= h.at + h.removed => o - h.removed + h.filler,
            // Inside the lines left out.
            Some(h) if o >= h.at => return None,
            _ => o,
        };
        (o <= self.text.len()).then_some(o)
    }
}

/// Lines read before a context only so that secrets in it are recognised (an env entry's
/// `name` above its `value`).
const LOOKBACK: usize = 3;

/// The lines around byte `offset` of a window, with secret values hidden; `secrets` are the
/// byte ranges of the window that belong to Secrets other than the cited object (their values
/// are all hidden).
fn context_of(w: &Window<'_>, offset: usize, secrets: &[std::ops::Range<usize>]) -> Context {
    let text = w.text;
    let offset = offset.min(text.len());
    let line_start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
    let mut start = line_start;
    let mut before: usize = 0;
    for _ in 0..CONTEXT_LINES + LOOKBACK {
        if start == 0 {
            break;
        }
        start = memchr::memrchr(b'\n', &text[..start - 1]).map_or(0, |i| i + 1);
        before += 1;
    }
    let mut end = offset;
    for _ in 0..=CONTEXT_LINES {
        match memchr::memchr(b'\n', &text[end..]) {
            Some(i) => end = end + i + 1,
            None => {
                end = text.len();
                break;
            }
        }
    }
    let first_line = w.lines.line_of(start);
    let body = without_secrets(text, start..end, secrets);
    let lines = secrets::scrub_lines(body.lines().map(|l| l.trim_end_matches('\r')));
    let skip = before.saturating_sub(CONTEXT_LINES).min(lines.len());
    Context {
        first_line: first_line + skip as u64,
        text: lines[skip..].join("\n"),
    }
}

/// The text of `range` of a window, the parts of it inside `secrets` with every value hidden.
/// Lines stay where they are.
fn without_secrets(
    text: &[u8],
    range: std::ops::Range<usize>,
    secrets: &[std::ops::Range<usize>],
) -> String {
    let mut out = String::new();
    let mut at = range.start;
    let mut inside: Vec<std::ops::Range<usize>> = secrets
        .iter()
        .map(|r| r.start.max(range.start)..r.end.min(range.end))
        .filter(|r| r.start < r.end)
        .collect();
    inside.sort_by_key(|r| r.start);
    for r in inside {
        if r.end <= at {
            continue;
        }
        let from = r.start.max(at);
        out.push_str(&String::from_utf8_lossy(&text[at..from]));
        out.push_str(&secrets::hide_secret_text(&String::from_utf8_lossy(
            &text[from..r.end],
        )));
        at = r.end;
    }
    out.push_str(&String::from_utf8_lossy(&text[at..range.end]));
    out
}

/// Byte ranges of the Secrets read from each file, from the model, by start (objects of a file
/// do not overlap): a Secret is known as one even when its text does not say so (the items of
/// a troubleshoot `SecretList` carry no `kind`).
struct SecretSpans(HashMap<u32, Vec<(usize, usize)>>);

/// The [`SecretSpans`] of a snapshot, worked out once.
fn secret_spans(s: &Snapshot) -> std::sync::Arc<SecretSpans> {
    s.cluster.memo(|| {
        let mut by_file: HashMap<u32, Vec<(usize, usize)>> = HashMap::new();
        for e in s.cluster.of_kind("Secret") {
            for o in std::iter::once(&e.origin).chain(&e.also) {
                if matches!(o.format, SourceFormat::Json | SourceFormat::Yaml) {
                    by_file.entry(o.file).or_default().push((o.start, o.end));
                }
            }
        }
        for spans in by_file.values_mut() {
            spans.sort_unstable();
        }
        SecretSpans(by_file)
    })
}

/// Whether the object starting at byte `start` of a file is one of its Secrets.
fn is_secret_at(spans: &[(usize, usize)], start: usize) -> bool {
    spans.binary_search_by_key(&start, |s| s.0).is_ok()
}

/// The parts of a window that hold the Secrets of its file, but the object starting at
/// `cited` (the cited object itself), as ranges of the window.
fn secrets_in(
    w: &Window<'_>,
    spans: &[(usize, usize)],
    cited: usize,
) -> Vec<std::ops::Range<usize>> {
    // The bytes of the file the window spans, the lines a kept text left out included.
    let removed = w.hole.map_or(0, |h| h.removed.saturating_sub(h.filler));
    let file_end = w.at + w.text.len() + removed;
    let first = spans.partition_point(|s| s.1 <= w.at);
    let last = spans.partition_point(|s| s.0 < file_end).max(first);
    spans[first..last]
        .iter()
        .filter(|&&(start, _)| start != cited)
        .filter_map(|&(start, end)| {
            let from = if start <= w.at { 0 } else { w.local(start)? };
            let to = w.local(end).unwrap_or(w.text.len());
            (from < to).then_some(from..to)
        })
        .collect()
}

/// A context read with lines before it, its secrets hidden, cut to the lines around `line`.
fn scrubbed(ctx: &Context, line: u64) -> Context {
    let from = line
        .saturating_sub(CONTEXT_LINES as u64)
        .max(ctx.first_line);
    let lines: Vec<String> = secrets::scrub_lines(ctx.text.split('\n'))
        .into_iter()
        .skip((from - ctx.first_line) as usize)
        .collect();
    Context {
        first_line: from,
        text: lines.join("\n"),
    }
}

/// Whether an object's text is a Secret's (`"kind": "Secret"`, `kind: Secret`).
fn is_secret(obj: &str) -> bool {
    if memchr::memmem::find(obj.as_bytes(), b"Secret").is_none() {
        return false;
    }
    obj.lines().any(|l| {
        let l = l.trim().trim_end_matches(',');
        l == "\"kind\": \"Secret\"" || l == "kind: Secret" || l == "\"kind\":\"Secret\""
    }) || obj.contains("\"kind\":\"Secret\"")
}

/// The context of each of `lines` (1-based) in a text read line by line, with `LOOKBACK` more
/// lines before it: memory stays that of a few lines, whatever the size of the text.
fn lines_around(r: &mut dyn std::io::Read, lines: &BTreeSet<u64>) -> HashMap<u64, Context> {
    use std::io::BufRead;
    let Some(&last) = lines.last() else {
        return HashMap::new();
    };
    let width = CONTEXT_LINES as u64;
    let mut recent: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    let mut out: HashMap<u64, Context> = HashMap::new();
    let mut reader = std::io::BufReader::new(r);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        n += 1;
        // Cut as the log's digest cuts it.
        let raw = buf.strip_suffix(b"\n").unwrap_or(&buf);
        recent.push_back(logs::line_text(
            &raw[..raw.len().min(logs::MAX_LINE)],
            raw.len(),
        ));
        if recent.len() > (2 * width + 1) as usize + LOOKBACK {
            recent.pop_front();
        }
        // Line `n - width` now has all its lines around.
        let centre = n.saturating_sub(width);
        if centre >= 1 && lines.contains(&centre) {
            let first_line = n + 1 - recent.len() as u64;
            out.insert(
                centre,
                Context {
                    first_line,
                    text: recent.iter().cloned().collect::<Vec<_>>().join("\n"),
                },
            );
        }
        if n >= last + width {
            break;
        }
    }
    // Cited lines near the end: fewer lines after them.
    let from = n.saturating_sub(width) + 1;
    for &l in lines.iter().filter(|&&l| l >= from && l <= n) {
        if out.contains_key(&l) {
            continue;
        }
        let first_line = n + 1 - recent.len() as u64;
        let from = l.saturating_sub(width + LOOKBACK as u64).max(first_line);
        let skip = (from - first_line) as usize;
        out.insert(
            l,
            Context {
                first_line: from,
                text: recent
                    .iter()
                    .skip(skip)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
            },
        );
    }
    out
}

/// Hands the wanted files to `visit` and is done once all of them were.
struct Wanted<'n, V> {
    names: &'n HashMap<&'n str, u32>,
    root: &'n str,
    single: bool,
    left: usize,
    visit: V,
}

impl<V: FnMut(u32, &mut dyn std::io::Read)> source::Visitor for Wanted<'_, V> {
    fn entry(&mut self, e: source::Entry<'_>) {
        let id = if self.single {
            self.names.values().next().copied()
        } else {
            self.names.get(rebase(self.root, e.path).as_str()).copied()
        };
        let (Some(id), Body::File(r)) = (id, e.body) else {
            return;
        };
        self.left = self.left.saturating_sub(1);
        (self.visit)(id, r);
    }

    fn done(&self) -> bool {
        self.left == 0
    }
}

/// Reads again, one at a time, the files of the ledger listed in `wanted` and hands each one's
/// reader to `visit` (a file that cannot be read again is left out). Only one file is open at a
/// time.
pub fn for_each_file(
    s: &Snapshot,
    wanted: &BTreeSet<u32>,
    mut visit: impl FnMut(u32, &mut dyn std::io::Read),
) {
    let mut per_input: HashMap<usize, HashMap<&str, u32>> = HashMap::new();
    for &f in wanted {
        if let Some(l) = s.ingested.ledger.get(f as usize) {
            per_input
                .entry(l.input.unwrap_or(0))
                .or_default()
                .insert(l.path.as_str(), f);
        }
    }
    let mut inputs: Vec<_> = per_input.into_iter().collect();
    inputs.sort_by_key(|(i, _)| *i);
    for (input, names) in inputs {
        let Some(info) = s.ingested.inputs.get(input) else {
            continue;
        };
        let single = matches!(
            info.kind,
            source::InputKind::File | source::InputKind::CompressedFile
        );
        let mut wanted = Wanted {
            names: &names,
            root: &info.root,
            single,
            left: names.len(),
            visit: &mut visit,
        };
        let _ = source::read_input(Path::new(&info.path), &ReadOptions::default(), &mut wanted);
    }
}

/// Bytes read at a time when a file is streamed for its windows.
const WINDOW_CHUNK: usize = 256 * 1024;

/// Streams a file and calls `found(i, window)` for each of `spans` (byte ranges, sorted by
/// start) with a window holding the span and up to [`MARGIN`] bytes on each side, as soon as
/// the file has gone past it. Only the windows open at the current position are held, so the
/// memory is that of a few objects, whatever the size of the file; reading stops after the
/// last span.
fn windows(
    r: &mut dyn std::io::Read,
    spans: &[(usize, usize)],
    chunk: &mut [u8],
    found: impl FnMut(usize, &Window<'_>),
) {
    struct Open {
        index: usize,
        at: usize,
        /// Where the span starts.
        start: usize,
        end: usize,
        bytes: Vec<u8>,
        /// Newlines before `at`.
        base: u64,
        /// Characters between the start of the line and `at`.
        column: u64,
    }
    let finish = |o: Open, found: &mut dyn FnMut(usize, &Window<'_>)| {
        // A window that starts inside a line starts at the next line instead, when the margin
        // holds one: the lines around a cited field are then whole.
        let (skip, base, column) = kept::settle(&o.bytes, o.at, o.start, o.base, o.column);
        let text = &o.bytes[skip..];
        let window = Window {
            text,
            at: o.at + skip,
            lines: Lines::after(text, base),
            column,
            hole: None,
        };
        found(o.index, &window);
    };
    let mut found = found;
    let mut next = 0;
    let mut open: Vec<Open> = Vec::new();
    let (mut pos, mut lines_before, mut column) = (0usize, 0u64, 0u64);
    while next < spans.len() || !open.is_empty() {
        let (n, failed) = source::fill(r, chunk);
        let bytes = &chunk[..n];
        let end = pos + n;
        while next < spans.len() && spans[next].0.saturating_sub(MARGIN) < end {
            let (start, stop) = spans[next];
            let at = start.saturating_sub(MARGIN).max(pos);
            let rel = at - pos;
            let head = &bytes[..rel];
            let (base, col) = match memchr::memrchr(b'\n', head) {
                Some(nl) => (
                    lines_before + newlines(head),
                    bytecount::num_chars(&head[nl + 1..]) as u64,
                ),
                None => (lines_before, column + bytecount::num_chars(head) as u64),
            };
            open.push(Open {
                index: next,
                at,
                start,
                end: stop.saturating_add(MARGIN),
                bytes: Vec::new(),
                base,
                column: col,
            });
            next += 1;
        }
        for o in &mut open {
            let from = o.at.max(pos) - pos;
            let to = o.end.min(end).saturating_sub(pos);
            if from < to {
                o.bytes.extend_from_slice(&bytes[from..to]);
            }
        }
        let done = n < chunk.len() || failed.is_some();
        let mut i = 0;
        while i < open.len() {
            if done || open[i].end <= end {
                finish(open.swap_remove(i), &mut found);
            } else {
                i += 1;
            }
        }
        match memchr::memrchr(b'\n', bytes) {
            Some(nl) => column = bytecount::num_chars(&bytes[nl + 1..]) as u64,
            None => column += bytecount::num_chars(bytes) as u64,
        }
        lines_before += newlines(bytes);
        pos = end;
        if done {
            // Spans past the end of the file: what is there.
            while next < spans.len() {
                let (base, col) = (lines_before, column);
                finish(
                    Open {
                        index: next,
                        at: pos,
                        start: pos,
                        end: pos,
                        bytes: Vec::new(),
                        base,
                        column: col,
                    },
                    &mut found,
                );
                next += 1;
            }
            break;
        }
    }
}

/// The text the first read kept of a cited object, if it holds the object.
fn kept_text<'s>(s: &'s Snapshot, e: &Evidence) -> Option<&'s KeptText> {
    let At::Field {
        start,
        end,
        format,
        ref path,
    } = e.at
    else {
        return None;
    };
    let k = s.ingested.kept.texts.get(&(e.file, start))?;
    if k.at > start || (k.hole.is_some() && path.contains("managedFields")) {
        return None;
    }
    if end <= k.complete_to {
        return Some(k);
    }
    // The head of a JSON object: enough when the whole path is found inside it (the members
    // before it are the same in the whole text).
    if format != SourceFormat::Json {
        return None;
    }
    let head = k.bytes.get(start - k.at..k.complete_to - k.at)?;
    let (at, whole) = json_path(head, path)?;
    (whole && at < head.len()).then_some(k)
}

/// The digests of each log file read to its end, by file, in the order of their lines (files
/// whose reading failed, or whose length is not known, are left out).
fn logs_by_file(s: &Snapshot) -> HashMap<u32, Vec<&LogDigest>> {
    let mut out: HashMap<u32, Vec<&LogDigest>> = HashMap::new();
    let mut broken = BTreeSet::new();
    for l in s.cluster.logs() {
        let d = &l.digest;
        if d.error.is_some() || d.file_lines == 0 {
            broken.insert(l.file);
        }
        out.entry(l.file).or_default().push(d);
    }
    out.retain(|f, _| !broken.contains(f));
    for ds in out.values_mut() {
        ds.sort_by_key(|d| d.first_line);
    }
    out
}

/// The lines around `line` of a log file, from the lines its digests kept (the file as a
/// report reading it again would show them), when they kept them all.
fn log_context(ds: &[&LogDigest], line: u64) -> Option<Context> {
    let total = ds.first()?.file_lines;
    if line == 0 || line > total {
        return None;
    }
    let from = line.saturating_sub(logs::CONTEXT_BEFORE as u64).max(1);
    let to = (line + logs::CONTEXT_AFTER as u64).min(total);
    let find = |v: &'_ [LogLine], n: u64| {
        v.binary_search_by_key(&n, |l| l.line)
            .ok()
            .map(|i| v[i].text.clone())
    };
    // A block's lines, and the marker line just before it, come after its first line less one.
    let in_file = |n: u64| {
        let after = ds.partition_point(|d| d.first_line <= n + 1);
        ds[after.saturating_sub(2)..after]
            .iter()
            .rev()
            .find_map(|d| find(&d.tail, n).or_else(|| find(&d.around, n)))
    };
    let lines = (from..=to).map(in_file).collect::<Option<Vec<String>>>()?;
    Some(Context {
        first_line: from,
        text: lines.join("\n"),
    })
}

/// The context of a cited log line from its digest, if the digest kept the lines around it
/// and the cited line reads as cited.
fn kept_log_context(logs: &HashMap<u32, Vec<&LogDigest>>, e: &Evidence) -> Option<Context> {
    let At::Line { line, text } = &e.at else {
        return None;
    };
    let ctx = log_context(logs.get(&e.file)?, *line)?;
    let cited = ctx.text.split('\n').nth((line - ctx.first_line) as usize)?;
    (cited.trim_end() == text.trim_end()).then(|| scrubbed(&ctx, *line))
}

/// How a report finds its evidence: from what the first read kept, or by reading files again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadingPlan {
    /// Pieces of evidence.
    pub places: usize,
    /// Of them, found in the texts the first read kept.
    pub kept: usize,
    /// Files read again.
    pub files: usize,
}

/// What [`locate_all`] will read for `findings`.
pub fn reading_plan(s: &Snapshot, findings: &[crate::rules::Finding]) -> ReadingPlan {
    let mut plan = ReadingPlan::default();
    let mut files = BTreeSet::new();
    let logs = logs_by_file(s);
    for e in findings.iter().flat_map(|f| &f.evidence) {
        plan.places += 1;
        if kept_text(s, e).is_some() || kept_log_context(&logs, e).is_some() {
            plan.kept += 1;
        } else {
            files.insert(e.file);
        }
    }
    plan.files = files.len();
    plan
}

/// Resolves the evidence of every finding, in the same order; evidence whose file cannot be
/// read again is left out.
pub fn locate_all(s: &Snapshot, findings: &[crate::rules::Finding]) -> Vec<Vec<Located>> {
    locate_with(s, findings, true)
}

/// Like [`locate_all`], reading every file that holds evidence again instead of using what
/// the first read kept; the two must agree (a test checks it).
#[doc(hidden)]
pub fn locate_reading_again(s: &Snapshot, findings: &[crate::rules::Finding]) -> Vec<Vec<Located>> {
    locate_with(s, findings, false)
}

fn locate_with(s: &Snapshot, findings: &[crate::rules::Finding], reuse: bool) -> Vec<Vec<Located>> {
    use rayon::prelude::*;
    let logs = logs_by_file(s);
    // What needs no file read again is located on all cores: log lines (the lines around
    // them from their digest), and fields of the objects whose text the first read kept.
    // `true` when done.
    let first: Vec<Vec<(Option<Located>, bool)>> = findings
        .par_iter()
        .map(|f| {
            f.evidence
                .iter()
                .map(|e| match &e.at {
                    At::Line { .. } => {
                        let l = locate(s, e, &Window::none());
                        let kept = reuse.then(|| kept_log_context(&logs, e)).flatten();
                        match (l, kept) {
                            (Some(mut l), Some(ctx)) => {
                                l.context = Some(ctx);
                                (Some(l), true)
                            }
                            (l, _) => (l, false),
                        }
                    }
                    At::Field { .. } => match reuse.then(|| kept_text(s, e)).flatten() {
                        Some(k) => (locate(s, e, &Window::kept(k)), true),
                        None => (None, false),
                    },
                    At::Bytes { .. } => (None, false),
                })
                .collect()
        })
        .collect();
    let mut out: Vec<Vec<Option<Located>>> = Vec::with_capacity(findings.len());
    let mut by_file: HashMap<u32, Vec<(usize, usize)>> = HashMap::new();
    for (fi, (f, located)) in findings.iter().zip(first).enumerate() {
        let mut row = Vec::with_capacity(located.len());
        for (ei, (e, (l, done))) in f.evidence.iter().zip(located).enumerate() {
            if !done {
                by_file.entry(e.file).or_default().push((fi, ei));
            }
            row.push(l);
        }
        out.push(row);
    }
    let wanted: BTreeSet<u32> = by_file.keys().copied().collect();
    // One buffer for every file read again.
    let mut chunk = vec![0u8; WINDOW_CHUNK];
    for_each_file(s, &wanted, |id, r| {
        let places = by_file.get(&id).map(Vec::as_slice).unwrap_or_default();
        let is_lines =
            |&(fi, ei): &(usize, usize)| matches!(findings[fi].evidence[ei].at, At::Line { .. });
        if places.iter().all(is_lines) {
            // Logs can be large: stream them, keeping only the lines around the cited ones.
            let lines: BTreeSet<u64> = places
                .iter()
                .filter_map(|&(fi, ei)| match &findings[fi].evidence[ei].at {
                    At::Line { line, .. } => Some(*line),
                    _ => None,
                })
                .collect();
            let around = lines_around(r, &lines);
            for &(fi, ei) in places {
                if let (At::Line { line, text }, Some(l)) =
                    (&findings[fi].evidence[ei].at, out[fi][ei].as_mut())
                {
                    if let Some(ctx) = around.get(line) {
                        // The file must still say what was cited.
                        let cited = ctx.text.split('\n').nth((line - ctx.first_line) as usize);
                        if cited.map(str::trim_end) == Some(text.trim_end()) {
                            l.context = Some(scrubbed(ctx, *line));
                        }
                    }
                }
            }
            return;
        }
        // Objects and describe text: only the cited objects are kept, each in a window with
        // the lines around it, while the file streams past.
        // Each object (or describe span) once, in the order of the file.
        let mut wanted: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
        for &(fi, ei) in places.iter().filter(|p| !is_lines(p)) {
            if let At::Bytes { start, end } | At::Field { start, end, .. } =
                &findings[fi].evidence[ei].at
            {
                wanted.entry((*start, *end)).or_default().push((fi, ei));
            }
        }
        let spans: Vec<(usize, usize)> = wanted.keys().copied().collect();
        let wanted: Vec<Vec<(usize, usize)>> = wanted.into_values().collect();
        windows(r, &spans, &mut chunk, |i, window| {
            for &(fi, ei) in &wanted[i] {
                out[fi][ei] = locate(s, &findings[fi].evidence[ei], window);
            }
        });
    });
    out.into_iter()
        .map(|v| v.into_iter().flatten().collect())
        .collect()
}

/// Resolves one piece of evidence against the window of its file that holds it (log lines
/// need none).
pub fn locate(s: &Snapshot, e: &Evidence, w: &Window<'_>) -> Option<Located> {
    let text = w.text;
    let entry = s.ingested.ledger.get(e.file as usize)?;
    let (path, input) = (entry.path.clone(), entry.input);
    let mut width = None;
    let spans = secret_spans(s);
    let spans = spans.0.get(&e.file).map(Vec::as_slice).unwrap_or_default();
    let offset = match &e.at {
        At::Line { line, text } => {
            let shown = Scrubber::new().line(text.trim_end());
            return Some(Located {
                path,
                input,
                line: *line,
                column: 1,
                text: shown.clone(),
                label: e.label.clone(),
                context: Some(Context {
                    first_line: *line,
                    text: shown,
                }),
                width: None,
            });
        }
        At::Bytes { start, end } => {
            // Within its line, in characters.
            let start = w.local(*start)?;
            let end = w.local(*end).unwrap_or(text.len());
            let bytes = text.get(start..end).unwrap_or_default();
            let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
            width = Some(String::from_utf8_lossy(first).trim_end().chars().count() as u64);
            start
        }
        At::Field {
            start,
            end,
            format,
            path: field,
        } => {
            let start = w.local(*start)?;
            let end = w.local(*end).unwrap_or(text.len());
            let obj = text.get(start..end)?;
            let obj = std::str::from_utf8(obj).ok()?;
            let at = match format {
                SourceFormat::Json => json_field(obj, field),
                _ => yaml_field(obj, field),
            };
            let offset = start + at.unwrap_or(0);
            // Known as a Secret by the model, or by its text.
            let secret = matches!(e.at, At::Field { start, .. } if is_secret_at(spans, start));
            if secret || is_secret(obj) {
                // A Secret shows the cited line only, and none of its values.
                let (line, column, line_text) = line_col_in(w, offset);
                let mut shown = secrets::hide_secret_members(&Scrubber::new().line(&line_text));
                if field.starts_with("data") || field.starts_with("stringData") {
                    shown = secrets::hide_values(&shown);
                }
                return Some(Located {
                    path,
                    input,
                    line,
                    column,
                    text: shown.trim().to_string(),
                    label: e.label.clone(),
                    context: Some(Context {
                        first_line: line,
                        text: shown,
                    }),
                    width: None,
                });
            }
            offset
        }
    };
    if offset > text.len() {
        return None;
    }
    let (line, column, _) = line_col_in(w, offset);
    let cited = match e.at {
        At::Field { start, .. } | At::Bytes { start, .. } => start,
        At::Line { .. } => usize::MAX,
    };
    let context = context_of(w, offset, &secrets_in(w, spans, cited));
    let shown = context
        .text
        .split('\n')
        .nth((line - context.first_line) as usize)
        .unwrap_or("")
        .to_string();
    Some(Located {
        path,
        input,
        line,
        column,
        text: shown,
        label: e.label.clone(),
        context: Some(context),
        width: width.filter(|w| *w > 0),
    })
}

/// 1-based line and character column of a byte offset, and the text of the line.
pub fn line_col(text: &[u8], offset: usize) -> (u64, u64, String) {
    line_col_in(&Window::whole(text), offset)
}

/// [`line_col`] in a window of a file.
fn line_col_in(w: &Window<'_>, offset: usize) -> (u64, u64, String) {
    let text = w.text;
    let offset = offset.min(text.len());
    let line_start = memchr::memrchr(b'\n', &text[..offset]).map_or(0, |i| i + 1);
    let line = w.lines.line_of(line_start);
    let line_end = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
    let before = if line_start == 0 { w.column } else { 0 };
    let column = bytecount::num_chars(&text[line_start..offset]) as u64 + before + 1;
    let line_text = String::from_utf8_lossy(&text[line_start..line_end])
        .trim_end_matches('\r')
        .to_string();
    (line, column, line_text)
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Splits `spec.containers[0].env[1].name` and `metadata.labels["app.kubernetes.io/name"]`.
fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let b = path.as_bytes();
    let mut i = 0;
    let mut cur = String::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                if !cur.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut cur)));
                }
                i += 1;
            }
            b'[' => {
                if !cur.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut cur)));
                }
                let close = path[i..].find(']').map_or(b.len(), |j| i + j);
                let inner = path[i + 1..close].trim();
                if let Ok(n) = inner.parse::<usize>() {
                    out.push(Seg::Index(n));
                } else {
                    out.push(Seg::Key(inner.trim_matches(['"', '\'']).to_string()));
                }
                i = close + 1;
            }
            _ => {
                let next = path[i..].find(['.', '[']).map_or(path.len(), |j| i + j);
                cur.push_str(&path[i..next]);
                i = next;
            }
        }
    }
    if !cur.is_empty() {
        out.push(Seg::Key(cur));
    }
    out
}

/// Byte offset, inside one JSON object's text, of the deepest part of `path` found: the key
/// of the last field (or the element for an index).
pub fn json_field(obj: &str, path: &str) -> Option<usize> {
    json_path(obj.as_bytes(), path).map(|(at, _)| at)
}

/// Like [`json_field`], and whether the whole path was found (not only a part of it).
pub fn json_path(b: &[u8], path: &str) -> Option<(usize, bool)> {
    let mut pos = blank_end(b, 0);
    let mut found = None;
    let mut whole = true;
    for seg in segments(path) {
        match seg {
            Seg::Key(k) => {
                let member = (b.get(pos) == Some(&b'{'))
                    .then(|| json_member(b, pos, &k))
                    .flatten();
                let Some((key_at, value_at)) = member else {
                    whole = false;
                    break;
                };
                found = Some(key_at);
                pos = value_at;
            }
            Seg::Index(n) => {
                let element = (b.get(pos) == Some(&b'['))
                    .then(|| json_element(b, pos, n))
                    .flatten();
                let Some(at) = element else {
                    whole = false;
                    break;
                };
                found = Some(at);
                pos = at;
            }
        }
    }
    found.map(|at| (at, whole))
}

/// A YAML line seen as block structure.
struct YLine<'a> {
    /// Byte offset of the line in the object text.
    at: usize,
    /// Column of the first character after indentation and `- ` markers.
    content: usize,
    /// Columns of the `- ` markers on the line.
    dashes: Vec<usize>,
    /// The key, when the content is `key:` or `key: value`.
    key: Option<&'a str>,
    blank: bool,
}

fn yaml_lines(obj: &str) -> Vec<YLine<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for raw in obj.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let mut col = line.len() - line.trim_start_matches(' ').len();
        let mut dashes = Vec::new();
        loop {
            let rest = &line[col..];
            if rest == "-" || rest.starts_with("- ") {
                dashes.push(col);
                col += 1;
                col += line[col..].len() - line[col..].trim_start_matches(' ').len();
            } else {
                break;
            }
        }
        let rest = &line[col..];
        let blank = rest.is_empty() || rest.starts_with('#');
        let key = yaml_key(rest);
        out.push(YLine {
            at,
            content: col,
            dashes,
            key,
            blank,
        });
        at += raw.len();
    }
    out
}

/// The key of `key: value`, `"key": value` or `key:`.
fn yaml_key(rest: &str) -> Option<&str> {
    if let Some(q) = rest.strip_prefix('"').or_else(|| rest.strip_prefix('\'')) {
        let close = q.find(['"', '\''])?;
        let after = &q[close + 1..];
        return after.starts_with(':').then_some(&q[..close]);
    }
    let colon = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(|s| s.len()))?;
    let k = &rest[..colon];
    (!k.contains(['{', '[', '"'])).then_some(k)
}

/// Byte offset, inside one YAML object's text, of the deepest part of `path` found.
pub fn yaml_field(obj: &str, path: &str) -> Option<usize> {
    let lines = yaml_lines(obj);
    // The region being searched: a range of lines and the column its keys start at.
    let mut lo = 0;
    let mut hi = lines.len();
    let mut col = lines.iter().find(|l| !l.blank).map(|l| l.content)?;
    let mut found = None;
    for seg in segments(path) {
        match seg {
            Seg::Key(k) => {
                let Some(i) =
                    (lo..hi).find(|&i| lines[i].content == col && lines[i].key == Some(k.as_str()))
                else {
                    break;
                };
                found = Some(lines[i].at + lines[i].content);
                // The value's block: the following lines indented deeper, or a sequence
                // written at the key's own column (`containers:\n- name: x`).
                let start = i + 1;
                let mut end = start;
                while end < hi {
                    let l = &lines[end];
                    let deeper = l.blank
                        || match l.dashes.first() {
                            Some(&d) => d >= col,
                            None => l.content > col,
                        };
                    if !deeper {
                        break;
                    }
                    end += 1;
                }
                lo = start;
                hi = end;
                let Some(first) = lines[lo..hi].iter().find(|l| !l.blank) else {
                    break;
                };
                col = first.dashes.first().copied().unwrap_or(first.content);
            }
            Seg::Index(n) => {
                // Items are the lines with a dash at `col`.
                let items: Vec<usize> = (lo..hi)
                    .filter(|&i| lines[i].dashes.first() == Some(&col))
                    .collect();
                let Some(&i) = items.get(n) else {
                    break;
                };
                found = Some(lines[i].at + col);
                let end = items.get(n + 1).copied().unwrap_or(hi);
                // Inside the item, keys start where the first key after the dash starts.
                let l = &lines[i];
                col = l.dashes.get(1).copied().unwrap_or(l.content);
                lo = i;
                hi = end;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn around(text: &str, lines: &[u64]) -> Vec<(u64, u64, String)> {
        let set: BTreeSet<u64> = lines.iter().copied().collect();
        let mut out: Vec<_> = lines_around(&mut text.as_bytes(), &set)
            .into_iter()
            .map(|(l, c)| (l, c.first_line, c.text))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn log_lines_get_the_lines_around_them() {
        let log = "1\n2\n3\n4\n5\n6\n7\n8\n";
        assert_eq!(
            around(log, &[1, 4, 8]),
            vec![
                (1, 1, "1\n2\n3".to_string()),
                (4, 1, "1\n2\n3\n4\n5\n6".to_string()),
                (8, 3, "3\n4\n5\n6\n7\n8".to_string()),
            ]
        );
        // Short texts, no final newline, CRLF, lines past the end.
        assert_eq!(around("only", &[1]), vec![(1, 1, "only".to_string())]);
        assert_eq!(
            around("a\r\nb\r\n", &[2, 9]),
            vec![(2, 1, "a\nb".to_string())]
        );
        assert!(around("", &[1]).is_empty());
        assert!(around("x\n", &[]).is_empty());
    }

    const JSON: &str = r#"{
  "kind": "Pod",
  "metadata": {"name": "api", "labels": {"app.kubernetes.io/name": "x"}},
  "spec": {
    "containers": [
      {"name": "a", "image": "a:1"},
      {
        "name": "b",
        "resources": {"limits": {"memory": "128Mi"}}
      }
    ]
  }
}"#;

    fn at(text: &str, off: usize) -> String {
        let (_, _, l) = line_col(text.as_bytes(), off);
        l.trim().to_string()
    }

    #[test]
    fn json_paths() {
        let o = json_field(JSON, "spec.containers[1].resources.limits.memory").unwrap();
        assert_eq!(
            at(JSON, o),
            r#""resources": {"limits": {"memory": "128Mi"}}"#
        );
        assert!(JSON[o..].starts_with("\"memory\""));
        let o = json_field(JSON, "spec.containers[0].image").unwrap();
        assert!(JSON[o..].starts_with("\"image\": \"a:1\""));
        let o = json_field(JSON, r#"metadata.labels["app.kubernetes.io/name"]"#).unwrap();
        assert!(JSON[o..].starts_with("\"app.kubernetes.io/name\""));
        // A path that goes further than the text: the deepest part found.
        let o = json_field(JSON, "spec.containers[1].env[0].name").unwrap();
        assert!(JSON[o..].starts_with("{\n        \"name\": \"b\""));
    }

    const YAML: &str = "apiVersion: v1
kind: Pod
metadata:
  name: api
  labels:
    app: x
spec:
  containers:
  - name: a
    image: a:1
  - name: b
    env:
      - name: X
        value: \"1\"
    resources:
      limits:
        memory: 128Mi
status:
  containerStatuses:
  - lastState:
      terminated:
        exitCode: 137
        reason: OOMKilled
    name: b
";

    #[test]
    fn yaml_paths() {
        let o = yaml_field(YAML, "spec.containers[1].resources.limits.memory").unwrap();
        assert_eq!(at(YAML, o), "memory: 128Mi");
        let o = yaml_field(YAML, "spec.containers[1].env[0].value").unwrap();
        assert_eq!(at(YAML, o), "value: \"1\"");
        let o = yaml_field(YAML, "spec.containers[0].name").unwrap();
        assert_eq!(at(YAML, o), "- name: a");
        let o = yaml_field(
            YAML,
            "status.containerStatuses[0].lastState.terminated.reason",
        )
        .unwrap();
        assert_eq!(at(YAML, o), "reason: OOMKilled");
        let o = yaml_field(YAML, "status.containerStatuses[0].name").unwrap();
        assert_eq!(at(YAML, o), "name: b");
        let o = yaml_field(YAML, "metadata.labels.app").unwrap();
        assert_eq!(at(YAML, o), "app: x");
    }

    #[test]
    fn yaml_list_item_object() {
        let item = "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n";
        let o = yaml_field(item, "metadata.name").unwrap();
        assert_eq!(at(item, o), "name: p");
    }

    /// What `windows` hands over for each span, checked against the whole text: line, column
    /// and line text of every offset of the span, and the lines around it.
    fn check_windows(text: &[u8], spans: &[(usize, usize)], chunk: usize, long_lines: bool) {
        let whole = Window::whole(text);
        let mut seen = vec![false; spans.len()];
        let mut buf = vec![0u8; chunk];
        windows(&mut &text[..], spans, &mut buf, |i, w| {
            seen[i] = true;
            let (start, end) = spans[i];
            check_window(text, &whole, w, start, end, long_lines);
        });
        assert!(seen.iter().all(|s| *s), "every span is handed over");
        // What the first read keeps of the same spans gives the same answers.
        let kept = kept::cut(text, spans.to_vec(), &kept::Budget::new(usize::MAX));
        let inside = spans.iter().filter(|s| s.0 < s.1 && s.1 <= text.len());
        assert_eq!(
            kept.len(),
            inside.map(|s| s.0).collect::<BTreeSet<_>>().len()
        );
        for (start, k) in &kept {
            let end = spans.iter().find(|s| s.0 == *start).unwrap().1;
            assert!(k.bytes.len() <= end - start + 2 * MARGIN);
            check_window(text, &whole, &Window::kept(k), *start, end, long_lines);
        }
    }

    /// Line, column and line text of every 7th offset of a span in a window, and the lines
    /// around it, against the whole text.
    fn check_window(
        text: &[u8],
        whole: &Window<'_>,
        w: &Window<'_>,
        start: usize,
        end: usize,
        long_lines: bool,
    ) {
        for offset in (start..end.min(text.len())).step_by(7) {
            let local = w.local(offset).expect("the window holds its span");
            let (line, column, line_text) = line_col_in(w, local);
            let expected = line_col(text, offset);
            assert_eq!((line, column), (expected.0, expected.1), "offset {offset}");
            if long_lines {
                assert!(expected.2.contains(&line_text), "offset {offset}");
            } else {
                assert_eq!(line_text, expected.2, "offset {offset}");
                assert_eq!(context_of(w, local, &[]), context_of(whole, offset, &[]));
            }
        }
    }

    #[test]
    fn log_digests_keep_the_lines_around_notable_lines() {
        let mut log = String::new();
        for i in 1..=400 {
            match i % 50 {
                10 => log.push_str("Traceback (most recent call last):\n"),
                11 => log.push_str("  File \"/app/main.py\", line 3, in <module>\n"),
                12 => log.push_str("KeyError: 'MAX_STRESS_SECONDS'\n"),
                30 => log.push_str("ERROR password=hunter2 failed\n"),
                _ => log.push_str(&format!("INFO request {i} served\n")),
            }
        }
        log.push_str("fatal: last line without a newline");
        check_log_context(&log, logs::CONTEXT_BEFORE, 200);
        // A line that is neither notable, nor near one, nor in the tail is not kept.
        let d = logs::digest_reader(&mut log.as_bytes(), Default::default()).remove(0);
        assert_eq!(log_context(&[&d], 20), None);

        // Blocks of a `cluster-info dump` logs.txt: the marker lines are kept too.
        let mut dump = String::new();
        for c in ["a", "b", "c"] {
            dump.push_str(&format!(
                "==== START logs for container {c} of pod ns/p ====\n"
            ));
            dump.push_str("starting\nERROR one\nKeyError: 'X'\n");
            dump.push_str(&format!(
                "==== END logs for container {c} of pod ns/p ====\n"
            ));
        }
        // Every line of a block: the lines before are the previous block's.
        check_log_context(&dump, 0, 9);
    }

    /// The lines around every notable line, and every tail line but the first `skip`, come
    /// from the digests as the file gives them.
    fn check_log_context(log: &str, skip: usize, at_least: usize) {
        let ds = logs::digest_reader(&mut log.as_bytes(), Default::default());
        let ds: Vec<&LogDigest> = ds.iter().collect();
        let cited: Vec<u64> = ds
            .iter()
            .flat_map(|d| {
                d.notable
                    .iter()
                    .chain(d.tail.iter().skip(skip))
                    .map(|l| l.line)
            })
            .collect();
        assert!(cited.len() >= at_least, "{cited:?}");
        for line in cited {
            let from_digest = log_context(&ds, line).unwrap_or_else(|| panic!("line {line}"));
            let set = BTreeSet::from([line]);
            let from_file = &lines_around(&mut log.as_bytes(), &set)[&line];
            assert_eq!(&from_digest, from_file, "line {line}");
        }
    }

    #[test]
    fn windows_hold_the_cited_objects_and_the_lines_around_them() {
        // A list file of many objects, with a multi-byte character on every line.
        let mut text = String::from("{\n  \"items\": [\n");
        let mut spans = Vec::new();
        for i in 0..3000 {
            let start = text.len() + 4;
            text.push_str(&format!(
                "    {{\n      \"name\": \"pod-{i}\",\n      \"note\": \"caf\u{e9} {i}\"\n    }},\n"
            ));
            if i % 97 == 0 || i == 2999 || i == 1 || i == 2 {
                spans.push((start, text.len() - 2));
            }
        }
        text.push_str("  ]\n}\n");
        spans.push((text.len() - 2, text.len() + 50)); // runs past the end
        spans.push((text.len() + 10, text.len() + 20)); // starts past the end
        spans.sort();
        for chunk in [64, 4096, WINDOW_CHUNK] {
            check_windows(text.as_bytes(), &spans, chunk, false);
        }
        // The same span twice, and spans within each other.
        let (a, b) = spans[3];
        check_windows(
            text.as_bytes(),
            &[(a, b), (a, b), (a + 5, b - 5)],
            1000,
            false,
        );
    }

    #[test]
    fn windows_cut_lines_longer_than_the_margin() {
        // Compact JSON: one line of 200 KB, objects in the middle of it.
        let mut text = String::from("{\"items\":[");
        let mut spans = Vec::new();
        for i in 0..2000 {
            let start = text.len();
            text.push_str(&format!("{{\"name\":\"p\u{e9}d-{i}\",\"x\":{i}}},"));
            if i % 300 == 0 {
                spans.push((start, text.len() - 1));
            }
        }
        text.push_str("{}]}\n");
        check_windows(text.as_bytes(), &spans, 4096, true);
        let mut buf = vec![0u8; 4096];
        windows(&mut text.as_bytes(), &spans[3..4], &mut buf, |_, w| {
            assert!(w.text.len() <= spans[3].1 - spans[3].0 + 2 * MARGIN);
        });
    }

    #[test]
    fn lines_and_columns() {
        let t = b"ab\ncd\n  ef";
        assert_eq!(line_col(t, 8), (3, 3, "  ef".to_string()));
        assert_eq!(line_col(t, 0), (1, 1, "ab".to_string()));
    }
}
