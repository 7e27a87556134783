//! Turns the entries of a source into documents and objects, and accounts for every file in
//! the ledger.
//!
//! The work runs in three steps: every input is read (logs are digested while they stream,
//! other files are kept in memory), or, for a folder, only listed; the layout and root of each
//! input are found from the paths; then all files are parsed in parallel, each into objects,
//! log digests and facts about the snapshot. A folder's files are read in that last step, on
//! all cores, each just before it is parsed and freed right after. One bad file or item never stops the rest: it lands in the ledger with
//! its line and column.

pub mod age;
pub mod describe;
pub mod harness;
pub mod json;
pub mod kept;
pub mod kinds;
pub mod layout;
pub mod ledger;
pub mod lines;
pub mod logs;
mod meta;
pub(crate) mod parse;
pub mod table;
pub mod yaml;

use crate::source::{self, Body, InputInfo, InputKind, ReadOptions, SourceError};
pub use layout::{Layout, Role};
pub use ledger::{LedgerEntry, Problem, Status};
use logs::LogDigest;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How a snapshot is read.
#[derive(Clone, Default)]
pub struct Options {
    /// Limits and progress for the sources.
    pub read: ReadOptions,
}

/// Where an object was read: file (index into the ledger) and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Index of the file in [`Ingested::ledger`].
    pub file: u32,
    /// First byte of the object's text.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// What kind of text it came from.
    pub format: SourceFormat,
}

/// The kind of text an object was read from; YAML/JSON of an object wins over describe text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// `kubectl get -o json` and collector JSON.
    Json,
    /// `kubectl get -o yaml` and collector YAML.
    Yaml,
    /// `kubectl describe` text.
    Describe,
    /// `kubectl get` tables.
    Table,
}

impl SourceFormat {
    /// Higher wins when the same object is read twice.
    pub fn rank(self) -> u8 {
        match self {
            SourceFormat::Json | SourceFormat::Yaml => 3,
            SourceFormat::Describe => 2,
            SourceFormat::Table => 1,
        }
    }
}

/// An object and where it came from.
#[derive(Debug, Clone)]
pub struct ParsedObject {
    /// The object.
    pub object: crate::model::Object,
    /// Where it was read.
    pub origin: Origin,
    /// Newest `managedFields` time (the object's last write), kept before they are dropped.
    pub managed_time: Option<jiff::Timestamp>,
    /// Byte ranges of fields read from text (describe output), already offset into the file.
    /// Empty for YAML and JSON, whose fields are located when a report needs them.
    pub spans: Vec<describe::FieldSpan>,
}

/// A log digest and the file it came from.
#[derive(Debug, Clone)]
pub struct ParsedLog {
    /// The digest.
    pub digest: LogDigest,
    /// Index of the file in the ledger.
    pub file: u32,
}

/// Facts about the snapshot found in its metadata.
#[derive(Debug, Clone, PartialEq)]
pub enum Fact {
    /// When the snapshot was taken, and what says so.
    CapturedAt(jiff::Timestamp, String),
    /// The cluster's Kubernetes version.
    KubernetesVersion(String),
    /// The collector and its version (`troubleshoot v0.50.0`).
    Collector(String),
    /// A file was a `kubectl cluster-info dump` stream.
    DumpStream,
}

/// One input as read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputSummary {
    /// The path as given (`-` for standard input).
    pub path: String,
    /// Container format.
    pub kind: InputKind,
    /// Detected layout.
    pub layout: Layout,
    /// Snapshot root inside the input (`""` for the input itself).
    pub root: String,
    /// Bytes read (after decompression).
    pub bytes: u64,
}

/// Everything read from the inputs, before the model is built.
#[derive(Debug, Default)]
pub struct Ingested {
    /// The inputs.
    pub inputs: Vec<InputSummary>,
    /// One entry per file of every input, sorted by input then path.
    pub ledger: Vec<LedgerEntry>,
    /// All objects, in ledger order.
    pub objects: Vec<ParsedObject>,
    /// All log digests, in ledger order.
    pub logs: Vec<ParsedLog>,
    /// Facts from metadata files and layout conventions.
    pub facts: Vec<Fact>,
    /// Newest modification time recorded by an archive (seconds since the epoch).
    pub newest_mtime: Option<u64>,
    /// How long each stage took.
    pub timings: Timings,
    /// Texts of the objects a report could cite, kept from the first read.
    pub kept: kept::Kept,
}

/// Wall time of each stage of a run, for `--timings` and the benchmarks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    /// Reading the inputs: decompressing archives, reading their files into memory, scanning
    /// logs as they stream; for a folder only the listing (its files are read while parsing).
    pub read: std::time::Duration,
    /// Parsing the documents into objects (on all cores), and reading a folder's files.
    pub parse: std::time::Duration,
    /// Building the model: indices, relations, snapshot time.
    pub model: std::time::Duration,
    /// Resident memory at the end of reading, parsing and building the model, in bytes
    /// (where the system tells; see [`resident_memory`]).
    pub resident: [Option<u64>; 3],
}

/// The process's resident memory now and at its peak, in bytes, from `/proc/self/status`
/// (`VmRSS`, `VmHWM`); `None` where there is no such file.
pub fn resident_memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status.lines().find_map(|l| {
            let kib = l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim();
            kib.parse::<u64>().ok().map(|k| k * 1024)
        })
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

impl Ingested {
    /// The layout of the snapshot: the first input's that is not plain, else plain (or
    /// `cluster-info-dump` when a plain input held a dump stream).
    pub fn layout(&self) -> Layout {
        if let Some(l) = self
            .inputs
            .iter()
            .map(|i| i.layout)
            .find(|l| *l != Layout::Plain)
        {
            return l;
        }
        if self.facts.contains(&Fact::DumpStream) {
            return Layout::ClusterInfoDump;
        }
        Layout::Plain
    }
}

enum Content {
    Bytes(Vec<u8>),
    /// A file of a folder, read on all cores while the files are parsed: `room` bytes are left
    /// under the cap when its turn comes.
    Pending {
        file: PathBuf,
        size: Option<u64>,
        room: u64,
    },
    Logs(Vec<LogDigest>),
    Link(String),
    Refused(String),
    Unreadable(String),
}

struct Collected {
    path: String,
    content: Content,
}

/// Reads every input and parses every file.
pub fn ingest(paths: &[PathBuf], opts: &Options) -> Result<Ingested, SourceError> {
    let mut out = Ingested::default();
    let started = std::time::Instant::now();
    let mut files: Vec<(usize, String, Layout, Role, Content)> = Vec::new();
    for (input_idx, path) in paths.iter().enumerate() {
        let (info, collected) = if path.is_dir() {
            list_folder(path, &opts.read)
        } else {
            let mut collected: Vec<Collected> = Vec::new();
            let info = source::read_input(path, &opts.read, &mut |e: source::Entry<'_>| {
                collected.push(collect(e, &opts.read));
            })?;
            (info, collected)
        };
        let (detected, rebased) = place(&info, collected);
        out.newest_mtime = match (out.newest_mtime, info.newest_mtime) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let root_name = if detected.root.is_empty() {
            info.display.rsplit('/').next().unwrap_or("").to_string()
        } else {
            detected.root.rsplit('/').next().unwrap_or("").to_string()
        };
        if let Some(at) = meta::timestamp_in_name(&root_name) {
            out.facts.push(Fact::CapturedAt(
                at,
                format!("name of the snapshot folder {root_name:?}"),
            ));
        }
        let name = info
            .display
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(&info.display)
            .to_string();
        if let Some(stopped) = &info.stopped {
            files.push((
                input_idx,
                name,
                Layout::Plain,
                Role::Unknown,
                Content::Unreadable(stopped.clone()),
            ));
        } else if rebased.is_empty() {
            // Nothing to list: the input itself stands in the ledger, saying so.
            let what = match info.kind {
                InputKind::Directory => "empty folder: it holds no files",
                _ => "empty archive: it holds no files",
            };
            files.push((
                input_idx,
                name,
                Layout::Plain,
                Role::Unknown,
                Content::Refused(what.to_string()),
            ));
        }
        for (rel, content) in rebased {
            let role = layout::role(detected.layout, &rel);
            files.push((input_idx, rel, detected.layout, role, content));
        }
        out.inputs.push(InputSummary {
            path: info.display.clone(),
            kind: info.kind,
            layout: detected.layout,
            root: detected.root,
            bytes: info.bytes,
        });
    }
    out.timings.read = started.elapsed();
    out.timings.resident[0] = resident_memory().map(|m| m.0);
    let started = std::time::Instant::now();
    files.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    // Links: which paths hold real files, per input.
    let real: HashMap<(usize, &str), ()> = files
        .iter()
        .filter(|f| {
            matches!(
                f.4,
                Content::Bytes(_) | Content::Logs(_) | Content::Pending { .. }
            )
        })
        .map(|f| ((f.0, f.1.as_str()), ()))
        .collect();
    let link_targets: HashMap<(usize, String), String> = files
        .iter()
        .filter_map(|f| match &f.4 {
            Content::Link(t) => Some(((f.0, f.1.clone()), t.clone())),
            _ => None,
        })
        .collect();
    let link_status: Vec<Option<Result<String, String>>> = files
        .iter()
        .map(|f| match &f.4 {
            Content::Link(t) => Some(follow_link(f.0, t, &real, &link_targets)),
            _ => None,
        })
        .collect();
    let multi = paths.len() > 1;
    let total: u64 = files
        .iter()
        .map(|f| match &f.4 {
            Content::Bytes(b) => b.len() as u64,
            Content::Pending { size, .. } => size.unwrap_or(0),
            _ => 0,
        })
        .sum();
    let budget = kept::Budget::for_snapshot(total);
    let outcomes: Vec<(parse::FileOutcome, u64)> = files
        .into_par_iter()
        .zip(link_status.into_par_iter())
        .enumerate()
        .map(|(id, ((input, rel, layout, role, content), link))| {
            // A folder's file is read here, on all cores, and its bytes are freed as soon as
            // it is parsed.
            let (content, read) = match content {
                Content::Pending { file, size, room } => {
                    read_listed(&rel, &file, size, room, &opts.read)
                }
                other => (other, 0),
            };
            let mut o = match (content, link) {
                (Content::Link(_), Some(Ok(target))) => {
                    parse::FileOutcome::skipped(&rel, format!("link to {target} (read there)"))
                }
                (Content::Link(_), Some(Err(reason))) => parse::FileOutcome::skipped(&rel, reason),
                (Content::Link(_), None) => parse::FileOutcome::skipped(&rel, "link".into()),
                (Content::Refused(reason), _) => parse::FileOutcome::skipped(&rel, reason),
                (Content::Unreadable(reason), _) => parse::FileOutcome::error(&rel, reason),
                (Content::Logs(digests), _) => parse::logs_outcome(&rel, &role, digests),
                (Content::Bytes(bytes), _) => {
                    parse::parse_file(id as u32, &rel, layout, &role, bytes, &budget, &opts.read)
                }
                (Content::Pending { .. }, _) => {
                    parse::FileOutcome::error(&rel, "not read".to_string())
                }
            };
            o.ledger.input = if multi { Some(input) } else { None };
            (o, read)
        })
        .collect();
    for (id, (o, read)) in outcomes.into_iter().enumerate() {
        if let Some(input) = out.inputs.get_mut(o.ledger.input.unwrap_or(0)) {
            input.bytes += read;
        }
        let mut entry = o.ledger;
        entry.tidy();
        out.ledger.push(entry);
        out.objects.extend(o.objects);
        out.logs.extend(o.logs.into_iter().map(|digest| ParsedLog {
            digest,
            file: id as u32,
        }));
        out.facts.extend(o.facts);
        for (start, text) in o.kept {
            out.kept.bytes += text.bytes.len();
            out.kept.texts.insert((id as u32, start), text);
        }
    }
    out.kept.refused = budget.refused();
    out.timings.parse = started.elapsed();
    out.timings.resident[1] = resident_memory().map(|m| m.0);
    Ok(out)
}

fn follow_link(
    input: usize,
    target: &str,
    real: &HashMap<(usize, &str), ()>,
    links: &HashMap<(usize, String), String>,
) -> Result<String, String> {
    let mut t = target.to_string();
    for _ in 0..8 {
        if real.contains_key(&(input, t.as_str())) {
            return Ok(t);
        }
        match links.get(&(input, t.clone())) {
            Some(next) => t = next.clone(),
            None => {
                return Err(format!(
                    "dangling link to {target} (no such file in the snapshot)"
                ))
            }
        }
    }
    Err(format!("link loop at {target}"))
}

/// Lists a folder without reading its files, except the few whose content tells the layout:
/// the others are read later, on all cores, each just before it is parsed.
fn list_folder(path: &Path, opts: &ReadOptions) -> (InputInfo, Vec<Collected>) {
    let mut info = InputInfo {
        display: path.display().to_string(),
        kind: InputKind::Directory,
        file_name: None,
        stopped: None,
        bytes: 0,
        newest_mtime: None,
    };
    // The cap is shared out in the order of the walk, by the sizes the file system gives.
    let mut declared = 0u64;
    let mut listed = source::list_dir(path);
    if listed.len() as u64 > opts.max_files {
        listed.truncate(opts.max_files as usize);
        info.stopped = Some(source::files_message(opts.max_files));
    }
    let collected = listed
        .into_iter()
        .map(|l| {
            let content = match l.body {
                source::ListedBody::File(_) if declared >= opts.max_bytes => {
                    info.stopped = Some(source::cap_message(opts.max_bytes));
                    Content::Unreadable(source::cap_message(opts.max_bytes))
                }
                source::ListedBody::File(file) => {
                    let room = opts.max_bytes - declared;
                    declared = declared.saturating_add(l.size.unwrap_or(0));
                    if layout::tells_layout(&l.path) {
                        let (content, read) = read_listed(&l.path, &file, l.size, room, opts);
                        info.bytes += read;
                        content
                    } else {
                        Content::Pending {
                            file,
                            size: l.size,
                            room,
                        }
                    }
                }
                source::ListedBody::Link(t) => Content::Link(t),
                source::ListedBody::Refused(r) => Content::Refused(r),
                source::ListedBody::Unreadable(r) => Content::Unreadable(r),
            };
            Collected {
                path: l.path,
                content,
            }
        })
        .collect();
    (info, collected)
}

/// Reads a listed file of a folder (`room` bytes left under the cap): its content and the
/// bytes read.
fn read_listed(
    rel: &str,
    file: &Path,
    size: Option<u64>,
    room: u64,
    opts: &ReadOptions,
) -> (Content, u64) {
    match source::open_listed(file, room, opts.progress.clone()) {
        Ok(mut r) => {
            let content = read_body(rel, size, &mut r, opts);
            (content, r.read)
        }
        Err(e) => (Content::Unreadable(format!("cannot open: {e}")), 0),
    }
}

fn collect(e: source::Entry<'_>, opts: &ReadOptions) -> Collected {
    let path = e.path.to_string();
    let content = match e.body {
        Body::File(r) => read_body(&path, e.size, r, opts),
        Body::Link { target } => Content::Link(target),
        Body::Refused(reason) => Content::Refused(reason),
        Body::Unreadable(reason) => Content::Unreadable(reason),
    };
    Collected { path, content }
}

fn read_body(path: &str, size: Option<u64>, r: &mut dyn Read, opts: &ReadOptions) -> Content {
    if logs::is_log_name(path) {
        let digests = logs::digest_reader(r, logs::LogHint::default());
        return Content::Logs(digests);
    }
    let max = opts.max_document;
    if let Some(size) = size.filter(|s| *s > max) {
        return Content::Refused(too_big(Some(size), max));
    }
    // Zeroed memory fresh from the system costs nothing to zero (`calloc`), where
    // `read_to_end` would clear every page before filling it.
    let expected = size.unwrap_or(0).min(max) as usize;
    let mut buf = vec![0u8; expected];
    let (n, failed) = source::fill(r, &mut buf);
    buf.truncate(n);
    let result = match failed {
        Some(e) => Err(e),
        // More than the archive said (or no size given): read the rest, up to the limit.
        None if n == expected => r.take(max + 1 - n as u64).read_to_end(&mut buf).map(|_| ()),
        None => Ok(()),
    };
    match result {
        Ok(()) if buf.len() as u64 > max => Content::Refused(too_big(None, max)),
        Ok(()) => Content::Bytes(buf),
        Err(e) => {
            let e = e.to_string();
            Content::Unreadable(format!(
                "could not be read to the end ({} read): {}",
                source::human_bytes(buf.len() as u64),
                source::limit_in(&e).unwrap_or(&e)
            ))
        }
    }
}

/// Why a file over `--max-document-size` was not read: its size when known.
fn too_big(size: Option<u64>, max: u64) -> String {
    format!(
        "not read: {}more than the {} a file may hold to be parsed (the --max-document-size \
         limit); raise it to read this file",
        size.map(|s| format!("{}, ", source::human_bytes(s)))
            .unwrap_or_default(),
        source::human_bytes(max)
    )
}

/// Detects the layout of one input and rebases its paths onto the snapshot root.
fn place(
    info: &InputInfo,
    collected: Vec<Collected>,
) -> (layout::Detected, Vec<(String, Content)>) {
    if let Some(name) = &info.file_name {
        // A single file: its name is its path.
        let content = collected.into_iter().next().map(|c| c.content);
        return (
            layout::Detected {
                layout: Layout::Plain,
                root: String::new(),
            },
            content.into_iter().map(|c| (name.clone(), c)).collect(),
        );
    }
    // Refused entries (absolute, `..`) take no part in finding the root and keep their names.
    let paths: Vec<&str> = collected
        .iter()
        .filter(|c| !matches!(c.content, Content::Refused(_)))
        .map(|c| c.path.as_str())
        .collect();
    let bytes_of: HashMap<&str, &[u8]> = collected
        .iter()
        .filter_map(|c| match &c.content {
            Content::Bytes(b) => Some((c.path.as_str(), b.as_slice())),
            _ => None,
        })
        .collect();
    let mut detected = layout::detect(&paths, |p| bytes_of.get(p).copied());
    if detected.layout == Layout::Plain && info.kind != InputKind::Directory {
        // An archive of a plain folder: strip its single top folder.
        if let Some(top) = single_top(&paths) {
            detected.root = top.to_string();
        }
    }
    let root = detected.root.clone();
    let rebased = collected
        .into_iter()
        .map(|c| match c.content {
            Content::Link(t) => (rebase(&root, &c.path), Content::Link(rebase(&root, &t))),
            Content::Refused(r)
                if c.path.starts_with('/') || c.path.split('/').any(|s| s == "..") =>
            {
                (c.path, Content::Refused(r))
            }
            other => (rebase(&root, &c.path), other),
        })
        .collect();
    (detected, rebased)
}

fn single_top<'a>(paths: &[&'a str]) -> Option<&'a str> {
    let mut top: Option<&str> = None;
    for p in paths {
        let (first, rest) = p.split_once('/')?;
        if rest.is_empty() {
            return None;
        }
        match top {
            None => top = Some(first),
            Some(t) if t == first => {}
            Some(_) => return None,
        }
    }
    top
}

/// A path relative to `root`; paths outside it get `../` segments.
pub fn rebase(root: &str, path: &str) -> String {
    if root.is_empty() {
        return path.to_string();
    }
    if let Some(rest) = path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
        return rest.to_string();
    }
    let rc: Vec<&str> = root.split('/').collect();
    let pc: Vec<&str> = path.split('/').collect();
    let common = rc.iter().zip(&pc).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; rc.len() - common];
    out.extend(&pc[common..]);
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebasing() {
        assert_eq!(rebase("a/b", "a/b/c.json"), "c.json");
        assert_eq!(rebase("a/b", "a/timestamp"), "../timestamp");
        assert_eq!(rebase("", "x"), "x");
    }
}
