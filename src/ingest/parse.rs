//! One file to objects: content sniffing, JSON and YAML dispatch, log blocks of
//! `cluster-info dump` streams, and the ledger entry that accounts for it.

use super::json::{self, RawItem};
use super::kept::{self, Budget, KeptText};
use super::kinds::item_kind_of_list;
use super::layout::{Layout, Role};
use super::ledger::{LedgerEntry, Problem, Status};
use super::logs::{self, LogDigest, LogHint};
use super::yaml::{self, Doc};
use super::{describe, harness, lines, meta, table, Fact, Origin, ParsedObject, SourceFormat};
use crate::model::object::{parse_json_item, parse_value_item, ItemError, Parsed};
use crate::source::{CappedReader, Compressed, ReadOptions};
use rayon::prelude::*;
use serde::Deserialize;

/// What one file yielded.
pub struct FileOutcome {
    pub ledger: LedgerEntry,
    pub objects: Vec<ParsedObject>,
    pub logs: Vec<LogDigest>,
    pub facts: Vec<Fact>,
    /// Texts of objects a report could cite, by their first byte (see [`super::kept`]).
    pub kept: Vec<(usize, KeptText)>,
}

impl FileOutcome {
    fn new(ledger: LedgerEntry) -> Self {
        Self {
            ledger,
            objects: Vec::new(),
            logs: Vec::new(),
            facts: Vec::new(),
            kept: Vec::new(),
        }
    }

    pub fn skipped(path: &str, reason: String) -> Self {
        let mut l = LedgerEntry::new(path, Status::Skipped);
        l.detail = Some(reason);
        Self::new(l)
    }

    pub fn error(path: &str, reason: String) -> Self {
        let mut l = LedgerEntry::new(path, Status::Error);
        l.detail = Some(reason);
        Self::new(l)
    }
}

/// A log file digested while it streamed.
pub fn logs_outcome(path: &str, role: &Role, mut digests: Vec<LogDigest>) -> FileOutcome {
    if let Role::Skip(reason) = role {
        return FileOutcome::skipped(path, reason.to_string());
    }
    let hint = match role {
        Role::Log(h) => h.clone(),
        _ => LogHint::default(),
    };
    for d in &mut digests {
        merge_hint(&mut d.hint, &hint);
    }
    let mut l = LedgerEntry::new(path, Status::Parsed);
    l.objects = Some(0);
    l.format = Some("log");
    if let Some(err) = digests.iter().find_map(|d| d.error.clone()) {
        l.problems.push(Problem {
            line: digests.last().map(|d| (d.first_line + d.lines) as usize),
            column: None,
            message: format!("log cut short: {err}"),
        });
        l.settle(true);
    }
    FileOutcome {
        ledger: l,
        objects: Vec::new(),
        logs: digests,
        facts: Vec::new(),
        kept: Vec::new(),
    }
}

/// Fills what the markers did not say from what the path says.
fn merge_hint(h: &mut LogHint, from_path: &LogHint) {
    if h.namespace.is_none() {
        h.namespace = from_path.namespace.clone();
    }
    if h.pod.is_none() {
        h.pod = from_path.pod.clone();
    }
    if h.container.is_none() {
        h.container = from_path.container.clone();
    }
    h.previous |= from_path.previous;
    h.rotated |= from_path.rotated;
}

/// Decodes file bytes as text: UTF-8 (BOM dropped), UTF-16 with a BOM, else lossy UTF-8.
/// Returns the text and a note on how it was converted, or why it is not text.
fn decode(bytes: Vec<u8>) -> Result<(String, Option<String>), &'static str> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return Ok((
            String::from_utf16_lossy(&units),
            Some("decoded from UTF-16".to_string()),
        ));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if memchr::memchr(0, head).is_some() {
        return Err("binary file");
    }
    let start = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if start > 0 {
                s.drain(..start);
            }
            Ok((s, None))
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let before = &bytes[..at];
            let line = bytecount::count(before, b'\n') + 1;
            let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            Ok((
                String::from_utf8_lossy(&bytes[start..]).into_owned(),
                Some(format!(
                    "bytes that are not UTF-8, from line {line} column {column}, read as U+FFFD"
                )),
            ))
        }
    }
}

/// Parses one file read into memory.
pub fn parse_file(
    file_id: u32,
    path: &str,
    layout: Layout,
    role: &Role,
    bytes: Vec<u8>,
    budget: &Budget,
    opts: &ReadOptions,
) -> FileOutcome {
    if let Role::Skip(reason) = role {
        return FileOutcome::skipped(path, reason.to_string());
    }
    if let (Role::Log(hint), true) = (role, bytes.starts_with(&[0x1f, 0x8b])) {
        // gzip-compressed rotated logs (must-gather `rotated/<n>.log.<date>.gz`), held to the
        // same limits as a compressed snapshot.
        let compressed = Compressed::default();
        compressed.add(bytes.len() as u64);
        let mut inflated = CappedReader::new(
            flate2::read::MultiGzDecoder::new(bytes.as_slice()),
            opts.max_bytes,
            None,
        )
        .with_ratio(compressed, opts.max_ratio, 0);
        let mut digests = logs::digest_reader(&mut inflated, LogHint::default());
        for d in &mut digests {
            merge_hint(&mut d.hint, hint);
        }
        return logs_outcome(path, role, digests);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return FileOutcome::skipped(path, "empty file".into());
    }
    let (text, note) = match decode(bytes) {
        Ok(t) => t,
        Err(reason) => return FileOutcome::skipped(path, reason.into()),
    };
    let mut out = match role {
        Role::Meta(kind) => {
            let mut l = LedgerEntry::new(path, Status::Parsed);
            l.objects = Some(0);
            l.format = Some("metadata");
            match meta::read(*kind, &text) {
                Ok((facts, detail)) => {
                    l.detail = Some(detail);
                    let mut o = FileOutcome::new(l);
                    o.facts = facts;
                    o
                }
                Err(e) => FileOutcome::error(path, format!("metadata file cannot be read: {e}")),
            }
        }
        Role::Log(hint) => {
            let mut digests = logs::digest_reader(&mut text.as_bytes(), LogHint::default());
            for d in &mut digests {
                merge_hint(&mut d.hint, hint);
            }
            logs_outcome(path, &Role::Log(hint.clone()), digests)
        }
        Role::Objects { .. } | Role::Unknown => {
            let (kind_hint, expected) = match role {
                Role::Objects { kind_hint } => (*kind_hint, true),
                _ => (None, false),
            };
            let wrapper = harness::strip(&text);
            let range = wrapper
                .as_ref()
                .map_or(0..text.len(), |h| h.content.clone());
            let mut o = parse_data(
                file_id,
                path,
                layout,
                kind_hint,
                &text,
                range,
                expected,
                wrapper.as_ref(),
                usize::try_from(opts.max_line).unwrap_or(usize::MAX),
            );
            if note.is_none() {
                // Offsets are the file's own only when its text was not converted.
                o.kept = kept::keep(text.as_bytes(), &o.objects, budget);
            }
            if let Some(h) = &wrapper {
                let mut note = format!(
                    "{} line(s) of tool-harness header skipped{}",
                    h.header_lines,
                    h.tool
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                );
                for n in &h.notes {
                    note.push_str("; ");
                    note.push_str(n);
                }
                o.ledger.detail = Some(match o.ledger.detail.take() {
                    Some(d) => format!("{d}; {note}"),
                    None => note,
                });
            }
            o
        }
        Role::Skip(_) => unreachable_skip(path),
    };
    if let Some(n) = note {
        let d = out.ledger.detail.take();
        out.ledger.detail = Some(match d {
            Some(d) => format!("{d}; {n}"),
            None => n.to_string(),
        });
    }
    out
}

fn unreachable_skip(path: &str) -> FileOutcome {
    FileOutcome::skipped(path, "skipped".into())
}

/// Text that is not JSON or YAML: a log when the harness or the file name says so.
fn text_content(
    file_id: u32,
    path: &str,
    text: &str,
    range: std::ops::Range<usize>,
    wrapper: Option<&harness::Harness>,
    max_line: usize,
) -> Option<FileOutcome> {
    let whole = &text[range.clone()];
    // Over-long lines are cut first, and offsets mapped back after.
    let cut = lines::cut_long_lines(whole, max_line);
    let content = cut.as_ref().map_or(whole, |(t, _)| t.as_str());
    let map = |o: usize| cut.as_ref().map_or(o, |(_, c)| c.map(o));
    // Content first: describe text and `kubectl get` tables, by their shape.
    let read = if describe::looks_like_describe(content) {
        let out = describe::parse(content);
        let objects = out
            .objects
            .into_iter()
            .map(|d| {
                let spans = d
                    .spans
                    .into_iter()
                    .map(|f| describe::FieldSpan {
                        start: map(f.start),
                        end: map(f.end),
                        ..f
                    })
                    .collect();
                (d.object, map(d.start), map(d.end), spans)
            })
            .collect();
        Some((objects, out.problems, SourceFormat::Describe))
    } else if table::looks_like_table(content) {
        let out = table::parse(content);
        let objects = out
            .objects
            .into_iter()
            .map(|t| (t.object, map(t.start), map(t.end), Vec::new()))
            .collect();
        Some((objects, out.problems, SourceFormat::Table))
    } else {
        None
    };
    if let Some((objects, mut problems, format)) = read {
        if let Some((_, cuts)) = &cut {
            problems.extend(cuts.problems(max_line));
            problems.sort_by_key(|p| p.line);
        }
        return Some(text_objects(
            file_id, path, text, range, objects, problems, format, wrapper,
        ));
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let tool = wrapper.and_then(|w| w.tool.as_deref()).unwrap_or("");
    let is_log = tool.contains("log") || lower.contains("log");
    if !is_log {
        return None;
    }
    let mut hint = LogHint {
        previous: lower.contains("previous") || lower.contains("-prev"),
        ..Default::default()
    };
    if let Some(w) = wrapper {
        hint.namespace = w.param("namespace").map(str::to_string);
        hint.pod = w.param("pod_name").or(w.param("name")).map(str::to_string);
        hint.container = w
            .param("container_name")
            .or(w.param("container"))
            .map(str::to_string);
        hint.previous |= w
            .params
            .get("previous")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
    } else {
        // `logs-<pod>-<container>.txt`, `<pod>.log.txt`: a candidate tested against the pods.
        let stem = name.split('.').next().unwrap_or(name);
        let stem = stem
            .strip_prefix("logs-")
            .or_else(|| stem.strip_prefix("logs_"))
            .unwrap_or(stem);
        let stem = stem
            .trim_end_matches("-previous")
            .trim_end_matches("_previous");
        if !stem.is_empty() && !stem.contains("logs") {
            hint.pod = Some(stem.to_string());
        }
    }
    let content = &text[range.clone()];
    let first = line_of(text, range.start);
    let mut d = logs::digest_slice(
        content.strip_suffix('\n').unwrap_or(content).as_bytes(),
        first,
        hint.clone(),
    );
    if content.is_empty() {
        d.lines = 0;
        d.tail.clear();
    }
    if let Some(w) = wrapper {
        d.collection_error = w.notes.iter().find(|n| n.starts_with("stderr:")).cloned();
    }
    Some(logs_outcome(path, &Role::Log(hint), vec![d]))
}

/// The outcome of a describe or table file: objects with origins in the file, and problems at
/// file lines.
#[allow(clippy::too_many_arguments)]
fn text_objects(
    file_id: u32,
    path: &str,
    text: &str,
    range: std::ops::Range<usize>,
    objects: Vec<(crate::model::Object, usize, usize, Vec<describe::FieldSpan>)>,
    problems: Vec<Problem>,
    format: SourceFormat,
    wrapper: Option<&harness::Harness>,
) -> FileOutcome {
    let base = range.start;
    let line_base = line_of(text, base) as usize - 1;
    let mut ledger = LedgerEntry::new(path, Status::Parsed);
    ledger.format = Some(match format {
        SourceFormat::Describe => "describe",
        _ => "table",
    });
    ledger.problems = problems
        .into_iter()
        .map(|p| Problem {
            line: p.line.map(|l| l + line_base),
            ..p
        })
        .collect();
    let namespace = wrapper.and_then(|w| w.param("namespace"));
    let objects: Vec<ParsedObject> = objects
        .into_iter()
        .map(|(mut object, start, end, spans)| ParsedObject {
            object: {
                fill_identity(&mut object, namespace, file_id, base + start);
                object
            },
            origin: Origin {
                file: file_id,
                start: base + start,
                end: base + end,
                format,
            },
            managed_time: None,
            spans: spans
                .into_iter()
                .map(|f| describe::FieldSpan {
                    path: f.path,
                    start: base + f.start,
                    end: base + f.end,
                })
                .collect(),
        })
        .collect();
    ledger.objects = Some(objects.len());
    ledger.settle(!objects.is_empty());
    if ledger.status == Status::Error {
        ledger.objects = None;
    }
    FileOutcome {
        ledger,
        objects,
        logs: Vec::new(),
        facts: Vec::new(),
        kept: Vec::new(),
    }
}

/// Text tables and describe output leave out what the command line said: the namespace (given
/// to `-n`, known here from a tool harness) and the names of events. Events are named after
/// their object, their file and their place in it, so that two rows never merge.
fn fill_identity(
    object: &mut crate::model::Object,
    namespace: Option<&str>,
    file_id: u32,
    offset: usize,
) {
    let cluster_scoped = matches!(
        object.kind(),
        "Node"
            | "PersistentVolume"
            | "StorageClass"
            | "Namespace"
            | "ClusterRole"
            | "ClusterRoleBinding"
    );
    let is_event = object.kind() == "Event";
    let target = match object {
        crate::model::Object::Event(e) => e.involved_object.name.clone(),
        _ => None,
    };
    let meta = object.metadata_mut();
    if !cluster_scoped && meta.namespace.as_deref().is_none_or(str::is_empty) {
        if let Some(ns) = namespace {
            meta.namespace = Some(ns.to_string());
        }
    }
    if is_event {
        // Rows of two files (two describes of one pod) must not merge into one event.
        meta.name = Some(format!(
            "{}.f{file_id}-{offset}",
            target.unwrap_or_default()
        ));
    }
    if let crate::model::Object::Event(e) = object {
        if e.involved_object
            .namespace
            .as_deref()
            .is_none_or(str::is_empty)
        {
            e.involved_object.namespace = e.metadata.namespace.clone();
        }
    }
}

/// A stretch of the file: JSON/YAML text or a `==== START logs ... ====` block.
enum Segment<'a> {
    Data(&'a str, usize),
    Log(&'a str, usize, LogHint),
}

/// Cuts `kubectl cluster-info dump` log blocks out of a stream.
fn segments(text: &str) -> (Vec<Segment<'_>>, bool) {
    if memchr::memmem::find(text.as_bytes(), b"==== START logs for container ").is_none() {
        return (vec![Segment::Data(text, 0)], false);
    }
    let mut out = Vec::new();
    let mut data_start = 0usize;
    let mut pos = 0usize;
    let mut block: Option<(usize, LogHint)> = None;
    let b = text.as_bytes();
    while pos < b.len() {
        let end = memchr::memchr(b'\n', &b[pos..]).map_or(b.len(), |i| pos + i + 1);
        let line = &text[pos..end];
        if let Some((c, ns, pod)) = logs::parse_start_marker(line) {
            if block.is_none() && data_start < pos {
                out.push(Segment::Data(&text[data_start..pos], data_start));
            }
            block = Some((
                end,
                LogHint {
                    namespace: Some(ns),
                    pod: Some(pod),
                    container: Some(c),
                    ..Default::default()
                },
            ));
        } else if line.starts_with("==== END logs for container ") {
            if let Some((s, hint)) = block.take() {
                out.push(Segment::Log(&text[s..pos], s, hint));
            }
            data_start = end;
        }
        pos = end;
    }
    if let Some((s, hint)) = block.take() {
        out.push(Segment::Log(&text[s..], s, hint));
    } else if data_start < text.len() {
        out.push(Segment::Data(&text[data_start..], data_start));
    }
    (out, true)
}

fn looks_like_yaml(text: &str) -> bool {
    text.lines().take(200).any(|l| {
        l.starts_with("apiVersion:")
            || l.starts_with("kind:")
            || l.starts_with("items:")
            || l == "---"
            || l.starts_with("- apiVersion:")
    })
}

#[derive(Deserialize)]
struct ItemHead<'a> {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<serde_json::Value>,
    #[serde(default)]
    kind: Option<serde_json::Value>,
    #[serde(default)]
    metadata: Option<serde::de::IgnoredAny>,
    #[serde(default, borrow)]
    spec: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "involvedObject", default)]
    involved_object: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    status: Option<StatusPeek>,
}

#[derive(Deserialize, Default)]
struct StatusPeek {
    #[serde(rename = "nodeInfo", default)]
    node_info: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct SpecPeek {
    #[serde(default)]
    containers: Option<serde::de::IgnoredAny>,
}

/// The kind of an object that carries none, from its shape: troubleshoot's run collectors
/// write the Pod and its events without `kind`.
fn kind_from_shape(
    has_containers: bool,
    has_involved: bool,
    has_node_info: bool,
) -> Option<&'static str> {
    if has_containers {
        Some("Pod")
    } else if has_involved {
        Some("Event")
    } else if has_node_info {
        Some("Node")
    } else {
        None
    }
}

/// Result of turning one item into an object.
enum ItemResult {
    Object(Parsed, usize, usize, SourceFormat),
    /// Not a Kubernetes object (no kind and none can be inferred).
    NotK8s,
    Problem(usize, ItemError),
}

#[allow(clippy::too_many_arguments)]
fn parse_data(
    file_id: u32,
    path: &str,
    layout: Layout,
    kind_hint: Option<&'static str>,
    text: &str,
    range: std::ops::Range<usize>,
    expected: bool,
    wrapper: Option<&harness::Harness>,
    max_line: usize,
) -> FileOutcome {
    let base = range.start;
    let content = &text[range.clone()];
    if content.trim().is_empty() {
        if let Some(o) = text_content(file_id, path, text, range.clone(), wrapper, max_line) {
            return o;
        }
        return FileOutcome::skipped(path, "no content".into());
    }
    let (segs, is_dump) = segments(content);
    let mut ledger = LedgerEntry::new(path, Status::Parsed);
    let mut results: Vec<ItemResult> = Vec::new();
    let mut log_digests = Vec::new();
    let mut formats: Vec<&'static str> = Vec::new();
    let mut syntax: Vec<Problem> = Vec::new();
    let null_strings = layout == Layout::SupportBundleKit;
    for seg in segs {
        match seg {
            Segment::Log(t, off, hint) => {
                let off = off + base;
                let first = line_of(text, off);
                let mut d =
                    logs::digest_slice(t.strip_suffix('\n').unwrap_or(t).as_bytes(), first, hint);
                if t.is_empty() {
                    d.lines = 0;
                    d.tail.clear();
                }
                log_digests.push(d);
            }
            Segment::Data(t, off) => {
                let off = off + base;
                let trimmed = t.trim_start();
                if trimmed.is_empty() {
                    continue;
                }
                if trimmed.starts_with('{') || trimmed.starts_with('[') {
                    formats.push("json");
                    let mut items: Vec<RawItem> = Vec::new();
                    let mut problems = Vec::new();
                    json::split(t, off, text, &mut items, &mut problems);
                    syntax.extend(problems.into_iter().map(|p| Problem {
                        line: Some(p.line),
                        column: Some(p.column),
                        message: p.message,
                    }));
                    results.par_extend(items.par_iter().map(|it| json_item(it, kind_hint)));
                } else if expected || looks_like_yaml(t) {
                    formats.push("yaml");
                    yaml_segment(
                        text,
                        t,
                        off,
                        kind_hint,
                        null_strings,
                        &mut results,
                        &mut syntax,
                    );
                } else {
                    if let Some(o) =
                        text_content(file_id, path, text, range.clone(), wrapper, max_line)
                    {
                        return o;
                    }
                    let mut o = FileOutcome::skipped(
                        path,
                        "text that is neither JSON nor YAML Kubernetes data".into(),
                    );
                    o.ledger.format = Some("text");
                    return o;
                }
            }
        }
    }
    let mut objects = Vec::new();
    let mut not_k8s = 0usize;
    let mut unknown: Vec<String> = Vec::new();
    for r in results {
        match r {
            ItemResult::Object(p, start, end, format) => {
                if !p.unknown_fields.is_empty() {
                    let (line, _) = json::line_col(text, start);
                    unknown.push(format!(
                        "{} {} (line {line}): {}",
                        p.object.kind(),
                        display_name(&p.object),
                        p.unknown_fields.join(", ")
                    ));
                }
                if let Some(e) = &p.kept_untyped {
                    let (line, column) = pos_in(text, start, e);
                    ledger.problems.push(Problem {
                        line: Some(line),
                        column: Some(column),
                        message: format!(
                            "{} {} kept without its typed fields: {e}",
                            p.object.kind(),
                            display_name(&p.object)
                        ),
                    });
                }
                objects.push(ParsedObject {
                    managed_time: p.managed_time,
                    spans: Vec::new(),
                    object: p.object,
                    origin: Origin {
                        file: file_id,
                        start,
                        end,
                        format,
                    },
                });
            }
            ItemResult::NotK8s => not_k8s += 1,
            ItemResult::Problem(start, e) => {
                let (line, column) = pos_in(text, start, &e);
                ledger.problems.push(Problem {
                    line: Some(line),
                    column: Some(column),
                    message: e.to_string(),
                });
            }
        }
    }
    ledger.problems.splice(0..0, syntax);
    ledger.format = formats.first().copied();
    if is_dump {
        ledger.format = Some("cluster-info-dump");
    }
    if objects.is_empty() && ledger.problems.is_empty() && log_digests.is_empty() && not_k8s > 0 {
        let mut o = FileOutcome::skipped(
            path,
            format!(
                "{} data without Kubernetes objects (no kind)",
                ledger.format.unwrap_or("structured").to_uppercase()
            ),
        );
        o.ledger.format = ledger.format;
        return o;
    }
    let mut notes = Vec::new();
    if not_k8s > 0 {
        notes.push(format!("{not_k8s} items without a kind were ignored"));
    }
    if !unknown.is_empty() {
        // Redacted (`***HIDDEN***`) or unreadable values: kept as unknown, said once per object.
        let shown: Vec<&str> = unknown.iter().take(3).map(String::as_str).collect();
        let more = unknown.len().saturating_sub(3);
        notes.push(format!(
            "values treated as unknown (redacted or unreadable) in {} object(s): {}{}",
            unknown.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if !notes.is_empty() {
        ledger.detail = Some(notes.join("; "));
    }
    ledger.objects = Some(objects.len());
    let read_something = !objects.is_empty() || !log_digests.is_empty();
    ledger.settle(read_something);
    if ledger.status == Status::Error {
        ledger.objects = None;
    }
    FileOutcome {
        ledger,
        objects,
        logs: log_digests,
        facts: if is_dump {
            vec![Fact::DumpStream]
        } else {
            Vec::new()
        },
        kept: Vec::new(),
    }
}

fn display_name(o: &crate::model::Object) -> String {
    let m = o.metadata();
    match (&m.namespace, &m.name) {
        (Some(ns), Some(n)) => format!("{ns}/{n}"),
        (None, Some(n)) => n.clone(),
        _ => "(unnamed)".into(),
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u64 {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count() as u64 + 1
}

/// File line and column of an item error: the item's start plus the error's position in it.
fn pos_in(text: &str, start: usize, e: &ItemError) -> (usize, usize) {
    let (bl, bc) = json::line_col(text, start);
    match (e.line, e.column) {
        (Some(1), Some(c)) => (bl, bc + c - 1),
        (Some(l), Some(c)) => (bl + l - 1, c),
        _ => (bl, bc),
    }
}

fn str_of(v: &Option<serde_json::Value>) -> Option<&str> {
    v.as_ref().and_then(|v| v.as_str())
}

/// Resolves an item's kind and apiVersion: its own, else the list's, else the path's.
fn resolve_kind<'a>(
    own_kind: Option<&'a str>,
    own_api: Option<&'a str>,
    list_kind: Option<&'a str>,
    list_api: Option<&'a str>,
    hint: Option<&'static str>,
) -> Option<(&'a str, Option<&'a str>)> {
    if let Some(k) = own_kind.filter(|k| !k.is_empty()) {
        return Some((k, own_api));
    }
    let from_list = list_kind.and_then(item_kind_of_list);
    let kind = from_list.or(hint)?;
    // A typed list's apiVersion is its items' (PodList v1, DeploymentList apps/v1).
    let api = own_api.or(if from_list.is_some() { list_api } else { None });
    Some((kind, api))
}

fn json_item(it: &RawItem<'_>, hint: Option<&'static str>) -> ItemResult {
    if !it.text.starts_with('{') {
        return ItemResult::NotK8s;
    }
    // Objects written by the API server and kubectl lead with `kind` and `apiVersion`: read
    // them from the first members instead of scanning the whole object twice.
    if let Some((kind, api)) = json::leading_kind(it.text) {
        return match parse_json_item(it.text, kind, api) {
            Ok(p) => {
                ItemResult::Object(p, it.offset, it.offset + it.text.len(), SourceFormat::Json)
            }
            Err(e) => ItemResult::Problem(it.offset, e),
        };
    }
    let head: ItemHead = match serde_json::from_str(it.text) {
        Ok(h) => h,
        Err(e) => {
            return ItemResult::Problem(
                it.offset,
                ItemError {
                    message: crate::model::object::strip_position(&e.to_string()),
                    path: None,
                    line: Some(e.line()),
                    column: Some(e.column()),
                    ..Default::default()
                },
            )
        }
    };
    let own_kind = str_of(&head.kind);
    if own_kind.is_none() && head.metadata.is_none() {
        return ItemResult::NotK8s;
    }
    let shape = || {
        let containers = head
            .spec
            .and_then(|s| serde_json::from_str::<SpecPeek>(s.get()).ok())
            .is_some_and(|s| s.containers.is_some());
        kind_from_shape(
            containers,
            head.involved_object.is_some(),
            head.status.as_ref().is_some_and(|s| s.node_info.is_some()),
        )
    };
    let hint = hint.or_else(|| {
        if own_kind.is_none() && it.list_kind.is_none() {
            shape()
        } else {
            None
        }
    });
    let Some((kind, api)) = resolve_kind(
        own_kind,
        str_of(&head.api_version),
        it.list_kind.as_deref(),
        it.list_api_version.as_deref(),
        hint,
    ) else {
        return ItemResult::NotK8s;
    };
    match parse_json_item(it.text, kind, api) {
        Ok(p) => ItemResult::Object(p, it.offset, it.offset + it.text.len(), SourceFormat::Json),
        Err(e) => ItemResult::Problem(it.offset, e),
    }
}

fn value_item(
    v: serde_json::Value,
    start: usize,
    end: usize,
    list_kind: Option<&str>,
    list_api: Option<&str>,
    hint: Option<&'static str>,
    null_strings: bool,
) -> ItemResult {
    if !v.is_object() {
        return ItemResult::NotK8s;
    }
    let own_kind = v.get("kind").and_then(|k| k.as_str()).map(str::to_string);
    let own_api = v
        .get("apiVersion")
        .and_then(|k| k.as_str())
        .map(str::to_string);
    if own_kind.is_none() && v.get("metadata").is_none() {
        return ItemResult::NotK8s;
    }
    let Some((kind, api)) = resolve_kind(
        own_kind.as_deref(),
        own_api.as_deref(),
        list_kind,
        list_api,
        hint,
    ) else {
        return ItemResult::NotK8s;
    };
    let (kind, api) = (kind.to_string(), api.map(str::to_string));
    match parse_value_item(v, &kind, api.as_deref(), null_strings) {
        Ok(p) => ItemResult::Object(p, start, end, SourceFormat::Yaml),
        Err(e) => ItemResult::Problem(start, e),
    }
}

/// Rewrites the `line N column M` positions inside a YAML error message, which count from the
/// start of the piece that was parsed, into positions in the file.
fn relocate_positions(msg: &str, file: &str, piece_offset: usize) -> String {
    let (bl, bc) = json::line_col(file, piece_offset);
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 5..];
        let ld = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        let line: Option<usize> = after[..ld].parse().ok();
        let tail = &after[ld..];
        let col = tail.strip_prefix(" column ").and_then(|t| {
            let cd = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            t[..cd].parse::<usize>().ok().map(|c| (c, &t[cd..]))
        });
        match (line, col) {
            (Some(l), Some((c, after_col))) => {
                let (al, ac) = if l == 1 {
                    (bl, bc + c - 1)
                } else {
                    (bl + l - 1, c)
                };
                out.push_str(&format!("line {al} column {ac}"));
                rest = after_col;
            }
            _ => {
                out.push_str("line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn yaml_error(e: &yaml_serde::Error, file: &str, piece_offset: usize) -> ItemError {
    let loc = e.location();
    let msg = e.to_string();
    // The error's own position is reported separately; positions of context stay, in file terms.
    let msg = match msg.rfind(" at line ") {
        Some(i) if !msg[i..].contains(',') => msg[..i].to_string(),
        _ => msg,
    };
    ItemError {
        message: relocate_positions(&msg, file, piece_offset),
        path: None,
        line: loc.as_ref().map(|l| l.line()),
        column: loc.as_ref().map(|l| l.column()),
        ..Default::default()
    }
}

fn yaml_segment(
    file: &str,
    text: &str,
    base: usize,
    hint: Option<&'static str>,
    null_strings: bool,
    results: &mut Vec<ItemResult>,
    syntax: &mut Vec<Problem>,
) {
    for doc in yaml::split_docs(text, base) {
        match doc {
            Doc::Whole(piece) => {
                let end = piece.offset + piece.text.len();
                let (cut, time) = without_managed_fields(piece.text);
                match cut.map_or_else(
                    || yaml::parse_value(piece.text),
                    |c| yaml::parse_value(&c).or_else(|_| yaml::parse_value(piece.text)),
                ) {
                    Ok(serde_json::Value::Null) => {}
                    Ok(v) => {
                        let from = results.len();
                        whole_value(v, piece.offset, end, hint, null_strings, results);
                        set_managed_time(&mut results[from..], time);
                    }
                    Err(e) => {
                        let err = yaml_error(&e, file, piece.offset);
                        let (line, column) = pos_in(file, piece.offset, &err);
                        syntax.push(Problem {
                            line: Some(line),
                            column: Some(column),
                            message: err.message,
                        });
                    }
                }
            }
            Doc::List {
                header,
                offset,
                items,
            } => {
                let head = yaml::parse_value(&header).unwrap_or(serde_json::Value::Null);
                let lk = head
                    .get("kind")
                    .and_then(|k| k.as_str())
                    .map(str::to_string);
                let la = head
                    .get("apiVersion")
                    .and_then(|k| k.as_str())
                    .map(str::to_string);
                let _ = offset;
                let parsed: Vec<Vec<ItemResult>> = items
                    .par_iter()
                    .map(|piece| {
                        let end = piece.offset + piece.text.len();
                        let (cut, time) = without_managed_fields(piece.text);
                        let parsed = cut.map_or_else(
                            || yaml::parse_item(piece.text),
                            |c| {
                                // An error is reported against the text as it is in the file.
                                yaml::parse_item(&c).or_else(|_| yaml::parse_item(piece.text))
                            },
                        );
                        match parsed {
                            Ok(values) => {
                                let mut out: Vec<ItemResult> = values
                                    .into_iter()
                                    .map(|v| {
                                        value_item(
                                            v,
                                            piece.offset,
                                            end,
                                            lk.as_deref(),
                                            la.as_deref(),
                                            hint,
                                            null_strings,
                                        )
                                    })
                                    .collect();
                                set_managed_time(&mut out, time);
                                out
                            }
                            Err(e) => vec![ItemResult::Problem(
                                piece.offset,
                                yaml_error(&e, file, piece.offset),
                            )],
                        }
                    })
                    .collect();
                results.extend(parsed.into_iter().flatten());
            }
        }
    }
}

/// The text of a YAML object without its `managedFields` block (see
/// [`yaml::cut_managed_fields`]), when it has one, and the newest time in them.
fn without_managed_fields(text: &str) -> (Option<String>, Option<jiff::Timestamp>) {
    match yaml::cut_managed_fields(text) {
        Some((cut, time)) => (Some(cut), time),
        None => (None, None),
    }
}

/// Records the newest `managedFields` time cut from the text on the objects read from it.
fn set_managed_time(results: &mut [ItemResult], time: Option<jiff::Timestamp>) {
    if time.is_none() {
        return;
    }
    for r in results {
        if let ItemResult::Object(p, ..) = r {
            p.managed_time = p.managed_time.max(time);
        }
    }
}

/// A whole YAML document: an object, a list with `items`, or a sequence.
fn whole_value(
    v: serde_json::Value,
    start: usize,
    end: usize,
    hint: Option<&'static str>,
    null_strings: bool,
    results: &mut Vec<ItemResult>,
) {
    match v {
        serde_json::Value::Array(items) => {
            for item in items {
                results.push(value_item(item, start, end, None, None, hint, null_strings));
            }
        }
        serde_json::Value::Object(mut m) => {
            let kind = m.get("kind").and_then(|k| k.as_str()).map(str::to_string);
            let is_list = kind.as_deref().is_none_or(|k| k.ends_with("List"))
                && matches!(
                    m.get("items"),
                    Some(serde_json::Value::Array(_) | serde_json::Value::Null)
                );
            if is_list {
                let api = m
                    .get("apiVersion")
                    .and_then(|k| k.as_str())
                    .map(str::to_string);
                if let Some(serde_json::Value::Array(items)) = m.remove("items") {
                    for item in items {
                        results.push(value_item(
                            item,
                            start,
                            end,
                            kind.as_deref(),
                            api.as_deref(),
                            hint,
                            null_strings,
                        ));
                    }
                }
            } else {
                results.push(value_item(
                    serde_json::Value::Object(m),
                    start,
                    end,
                    None,
                    None,
                    hint,
                    null_strings,
                ));
            }
        }
        _ => results.push(ItemResult::NotK8s),
    }
}
