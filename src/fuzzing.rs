//! Entry points for the fuzz targets in `fuzz/` and for the regression tests of what they
//! found (`tests/fuzz_regressions.rs`).
//!
//! Each entry point takes arbitrary bytes, drives one of the real code paths with them and
//! never panics on its own: a panic while one runs is a bug in the code it drives. Each
//! returns an [`Outcome`] with a few counts and the invariants the run found broken (an
//! object whose byte range runs past its text, a report that is not valid JSON, two ways of
//! locating evidence that disagree); the fuzz targets treat a broken invariant as a crash.
//!
//! The in-memory entry points ([`ingest_file`], [`ingest_any`], [`describe`], [`table`],
//! [`logs`]) touch no files. [`archive`] and [`snapshot`] write their input to one file in
//! the system's temporary folder, because a snapshot is read from a path, and remove it after.

use crate::ingest::kept::Budget;
use crate::ingest::layout::{self, Layout, Role};
use crate::ingest::logs::{self, LogHint};
use crate::ingest::{self, describe, parse, table, Ingested, InputSummary, ParsedLog};
use crate::source::{self, Body, InputKind, ReadOptions};
use crate::{diagnose, model, report, Snapshot};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Cap on the bytes read out of an archive or snapshot input, after decompression: enough
/// for any input the fuzzer writes, small enough that a decompression bomb stays cheap.
pub const MAX_READ: u64 = 8 * 1024 * 1024;

/// Cap on the bytes [`archive`] reads of each entry.
pub const MAX_ENTRY: u64 = 1024 * 1024;

/// What one run of an entry point saw.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Objects read (for archives: entries seen).
    pub objects: usize,
    /// Problems recorded in the ledger or by the parser.
    pub problems: usize,
    /// Log digests made.
    pub logs: usize,
    /// Findings of the diagnosis, when one ran.
    pub findings: usize,
    /// Invariants found broken, in words; empty when all held.
    pub broken: Vec<String>,
}

impl Outcome {
    fn broken(&mut self, what: String) {
        self.broken.push(what);
    }
}

/// The places a file can sit in a snapshot, picked by [`ingest_any`]'s first byte: the
/// layout and the path inside the snapshot root, which decide the file's role.
pub const PLACES: &[(Layout, &str)] = &[
    (Layout::Plain, "objects.json"),
    (Layout::Plain, "objects.yaml"),
    (Layout::Plain, "describe.txt"),
    (Layout::Plain, "get.txt"),
    (Layout::Plain, "default/web-0/app.log"),
    (Layout::Plain, "logs-web-0.txt"),
    (Layout::Plain, "pods"),
    (Layout::Troubleshoot, "cluster-resources/pods/default.json"),
    (Layout::Troubleshoot, "cluster-resources/nodes.json"),
    (
        Layout::Troubleshoot,
        "cluster-resources/events/default.json",
    ),
    (
        Layout::Troubleshoot,
        "cluster-resources/pods/logs/default/web-0/app.log",
    ),
    (Layout::Troubleshoot, "version.yaml"),
    (Layout::Troubleshoot, "cluster-info/cluster_version.json"),
    (Layout::MustGather, "namespaces/default/core/pods.yaml"),
    (
        Layout::MustGather,
        "namespaces/default/pods/web-0/app/app/logs/current.log",
    ),
    (Layout::MustGather, "timestamp"),
    (Layout::MustGather, "version"),
    (Layout::SupportBundleKit, "metadata.yaml"),
    (
        Layout::SupportBundleKit,
        "yamls/namespaced/default/v1/pods.yaml",
    ),
    (Layout::ClusterInfoDump, "default/pods.json"),
    (Layout::ClusterInfoDump, "default/web-0/logs.txt"),
    (Layout::Plain, "cluster-info-dump.txt"),
];

/// Parses `bytes` as the only file of a plain snapshot, named `name`, then builds the
/// model, runs the diagnosis and renders the JSON report, all in memory.
pub fn ingest_file(name: &str, bytes: &[u8]) -> Outcome {
    ingest_at(Layout::Plain, name, bytes)
}

/// Like [`ingest_file`], with the place of the file (layout and path) picked from
/// [`PLACES`] by the first byte of `data`; the rest is the file.
pub fn ingest_any(data: &[u8]) -> Outcome {
    let Some((&pick, bytes)) = data.split_first() else {
        return Outcome::default();
    };
    let (layout, path) = PLACES[pick as usize % PLACES.len()];
    ingest_at(layout, path, bytes)
}

/// Parses `bytes` as the file at `path` of a snapshot of `layout`, then builds the model,
/// runs the diagnosis and renders the JSON report, all in memory.
pub fn ingest_at(layout: Layout, path: &str, bytes: &[u8]) -> Outcome {
    let mut out = Outcome::default();
    let role = layout::role(layout, path);
    let budget = Budget::for_snapshot(bytes.len() as u64);
    let file = parse_one(path, layout, &role, bytes.to_vec(), &budget);
    // Offsets are the file's own when its text needed no conversion.
    let plain_text = std::str::from_utf8(bytes).is_ok_and(|t| !t.starts_with('\u{feff}'));
    for o in &file.objects {
        let at = &o.origin;
        if plain_text && (at.start > at.end || at.end > bytes.len()) {
            out.broken(format!(
                "object {}/{} at {}..{} outside the file of {} bytes",
                o.object.kind(),
                o.object.metadata().name.as_deref().unwrap_or(""),
                at.start,
                at.end,
                bytes.len()
            ));
        }
        for s in &o.spans {
            if s.start > s.end || (plain_text && s.end > bytes.len()) {
                out.broken(format!(
                    "field {} at {}..{} outside the file of {} bytes",
                    s.path,
                    s.start,
                    s.end,
                    bytes.len()
                ));
            }
        }
    }
    out.objects = file.objects.len();
    out.problems = file.ledger.problems.len();
    out.logs = file.logs.len();

    let mut ingested = Ingested::default();
    ingested.inputs.push(InputSummary {
        // A path that cannot be opened: evidence outside what the first read kept is left
        // out, as for a snapshot that went away.
        path: "\0in-memory".to_string(),
        kind: InputKind::File,
        layout,
        root: String::new(),
        bytes: bytes.len() as u64,
    });
    ingested.ledger.push(file.ledger);
    ingested.objects = file.objects;
    ingested.logs = file
        .logs
        .into_iter()
        .map(|digest| ParsedLog { digest, file: 0 })
        .collect();
    ingested.facts = file.facts;
    for (start, text) in file.kept {
        ingested.kept.bytes += text.bytes.len();
        ingested.kept.texts.insert((0, start), text);
    }
    ingested.kept.refused = budget.refused();
    let cluster = model::Cluster::build(&mut ingested);
    let snapshot = Snapshot { ingested, cluster };
    diagnose_and_report(&snapshot, &mut out);
    out
}

/// The one call of the file parser (kept in one place so that a change of its signature is
/// a one-line change here).
fn parse_one(
    path: &str,
    layout: Layout,
    role: &Role,
    bytes: Vec<u8>,
    budget: &Budget,
) -> parse::FileOutcome {
    parse::parse_file(0, path, layout, role, bytes, budget, &Default::default())
}

/// Runs the rules and renders the JSON report.
fn diagnose_and_report(s: &Snapshot, out: &mut Outcome) -> diagnose::Diagnosis {
    let d = s.diagnose(&diagnose::Options::default());
    out.findings = d.findings.len();
    let _ = report::json::render(s, &d);
    d
}

/// Renders the other reports too and checks that the JSON and SARIF reports parse.
fn render_all(s: &Snapshot, d: &diagnose::Diagnosis, out: &mut Outcome) {
    let json = report::json::render(s, d);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
        out.broken(format!("the JSON report is not valid JSON: {e}"));
    }
    let sarif = report::sarif::render(s, d);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&sarif) {
        out.broken(format!("the SARIF report is not valid JSON: {e}"));
    }
    let _ = report::markdown::render(s, d);
    let _ = report::human::render(s, d);
}

/// Parses `text` (lossy UTF-8) as `kubectl describe` output; checks that every object and
/// field range lies inside the text.
pub fn describe(text: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(text);
    let mut out = Outcome::default();
    let _ = describe::looks_like_describe(&text);
    let read = describe::parse(&text);
    for d in &read.objects {
        if d.start > d.end || d.end > text.len() {
            out.broken(format!(
                "object {}/{} at {}..{} outside the text of {} bytes",
                d.object.kind(),
                d.object.metadata().name.as_deref().unwrap_or(""),
                d.start,
                d.end,
                text.len()
            ));
        }
        for s in &d.spans {
            if s.start > s.end || s.end > text.len() {
                out.broken(format!(
                    "field {} at {}..{} outside the text of {} bytes",
                    s.path,
                    s.start,
                    s.end,
                    text.len()
                ));
            }
        }
    }
    out.objects = read.objects.len();
    out.problems = read.problems.len();
    out
}

/// Parses `text` (lossy UTF-8) as `kubectl get` tables; checks that every row's range lies
/// inside the text.
pub fn table(text: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(text);
    let mut out = Outcome::default();
    let _ = table::looks_like_table(&text);
    let read = table::parse(&text);
    for t in &read.objects {
        if t.start > t.end || t.end > text.len() {
            out.broken(format!(
                "row of {}/{} at {}..{} outside the text of {} bytes",
                t.object.kind(),
                t.object.metadata().name.as_deref().unwrap_or(""),
                t.start,
                t.end,
                text.len()
            ));
        }
    }
    out.objects = read.objects.len();
    out.problems = read.problems.len();
    out
}

/// Read sizes [`logs`] hands the log scanner, picked by the first byte (0: all at once).
const CHUNKS: &[usize] = &[0, 1, 2, 3, 7, 64, 4095, 8193, 65537];

/// Scans `data[1..]` as a log stream, in reads of a size picked by `data[0]`, and as one
/// slice; checks that the stream gives the same digests whatever the read size, and that the
/// slice gives the same digest as the stream when there are no `==== START/END logs` markers.
pub fn logs(data: &[u8]) -> Outcome {
    let Some((&pick, text)) = data.split_first() else {
        return Outcome::default();
    };
    let mut out = Outcome::default();
    let whole = logs::digest_reader(&mut &text[..], LogHint::default());
    let chunk = CHUNKS[pick as usize % CHUNKS.len()];
    if chunk > 0 {
        let mut r = Chunked { text, at: 0, chunk };
        let pieces = logs::digest_reader(&mut r, LogHint::default());
        if format!("{pieces:?}") != format!("{whole:?}") {
            out.broken(format!(
                "reads of {chunk} bytes give other digests than one read"
            ));
        }
    }
    // As the file parser hands a log to the slice digester: without its final line end.
    let lines = text.strip_suffix(b"\n").unwrap_or(text);
    let slice = logs::digest_slice(lines, 1, LogHint::default());
    let markers = memchr::memmem::find(text, b"==== START logs for container ").is_some()
        || memchr::memmem::find(text, b"==== END logs for container ").is_some();
    if let ([streamed], false, false) = (whole.as_slice(), markers, text.is_empty()) {
        let differs = [
            ("lines", streamed.lines != slice.lines),
            ("bytes", streamed.bytes != slice.bytes),
            ("tail", streamed.tail != slice.tail),
            ("notable", streamed.notable != slice.notable),
            ("around", streamed.around != slice.around),
            ("signals", streamed.signals != slice.signals),
            (
                "collection error",
                streamed.collection_error != slice.collection_error,
            ),
        ];
        for (what, _) in differs.iter().filter(|d| d.1) {
            out.broken(format!(
                "the {what} of a log read as a slice differ from the same log streamed"
            ));
        }
    }
    out.logs = whole.len();
    out.objects = slice.notable.len();
    out.problems = whole.iter().filter(|d| d.error.is_some()).count();
    out
}

/// A reader that yields at most `chunk` bytes per read.
struct Chunked<'a> {
    text: &'a [u8],
    at: usize,
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.text.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.len()).min(self.chunk);
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

/// Names an input file can have, picked by the first byte of [`archive`]'s and
/// [`snapshot`]'s data: the name of a single compressed file decides the name of what it
/// holds.
pub const INPUT_NAMES: &[&str] = &[
    "bundle.tar.gz",
    "bundle.zip",
    "bundle.tar",
    "bundle.tar.zst",
    "pods.json.gz",
    "pods.yaml",
    "describe.txt",
    "app.log",
];

/// Reads `data[1..]` as an input file (tar, tar.gz, tar.zst, zip, compressed or plain single
/// file, told apart by magic bytes) named from `data[0]`, reading every entry to the end
/// (at most [`MAX_ENTRY`] bytes of each); checks that no more than [`MAX_READ`] bytes come
/// out in all, however well the input compresses.
pub fn archive(data: &[u8]) -> Outcome {
    let Some((&pick, bytes)) = data.split_first() else {
        return Outcome::default();
    };
    let name = INPUT_NAMES[pick as usize % INPUT_NAMES.len()];
    let mut out = Outcome::default();
    let opts = ReadOptions {
        max_bytes: MAX_READ,
        ..ReadOptions::default()
    };
    let result = with_temp_file(name, bytes, |path| {
        let mut entries = 0usize;
        let mut unread = 0usize;
        let mut read = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        let _ = source::read_input(path, &opts, &mut |e: source::Entry<'_>| {
            entries += 1;
            match e.body {
                Body::File(r) => {
                    let mut r = r.take(MAX_ENTRY);
                    loop {
                        match r.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => read += n as u64,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(_) => {
                                unread += 1;
                                break;
                            }
                        }
                    }
                }
                Body::Link { .. } | Body::Refused(_) => {}
                Body::Unreadable(_) => unread += 1,
            }
        });
        (entries, unread, read)
    });
    match result {
        Ok((entries, unread, read)) => {
            out.objects = entries;
            out.problems = unread;
            if read > MAX_READ {
                out.broken(format!(
                    "{read} bytes read out of the input, over the cap of {MAX_READ}"
                ));
            }
        }
        Err(e) => out.broken(format!("the input could not be written: {e}")),
    }
    out
}

/// Writes `data[1..]` to an input file named from `data[0]` (see [`INPUT_NAMES`]) and runs
/// it through everything the command line does: reading, layout detection, parsing, the
/// model, the diagnosis and every report. Checks that locating evidence from what the first
/// read kept gives the same places as reading the files again.
pub fn snapshot(data: &[u8]) -> Outcome {
    let Some((&pick, bytes)) = data.split_first() else {
        return Outcome::default();
    };
    let name = INPUT_NAMES[pick as usize % INPUT_NAMES.len()];
    let mut out = Outcome::default();
    let opts = ingest::Options {
        read: ReadOptions {
            max_bytes: MAX_READ,
            ..ReadOptions::default()
        },
    };
    let written = with_temp_file(name, bytes, |path| {
        let Ok(s) = crate::load(&[path.to_path_buf()], &opts) else {
            return;
        };
        out.objects = s.cluster.entries().len();
        out.problems = s.ingested.ledger.iter().map(|l| l.problems.len()).sum();
        out.logs = s.ingested.logs.len();
        let d = s.diagnose(&diagnose::Options::default());
        out.findings = d.findings.len();
        render_all(&s, &d, &mut out);
        let kept = report::locate::locate_all(&s, &d.findings);
        let again = report::locate::locate_reading_again(&s, &d.findings);
        if kept != again {
            out.broken(format!(
                "evidence located from kept texts differs from reading again: {kept:?} vs {again:?}"
            ));
        }
    });
    if let Err(e) = written {
        out.broken(format!("the input could not be written: {e}"));
    }
    out
}

/// Writes `bytes` to a file called `name` in a folder of this process and thread under the
/// system's temporary folder, runs `f` on its path and removes the file and the folder.
fn with_temp_file<T>(name: &str, bytes: &[u8], f: impl FnOnce(&Path) -> T) -> std::io::Result<T> {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "ktriage-fuzz-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    let result = f(&path);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir(&dir);
    Ok(result)
}
