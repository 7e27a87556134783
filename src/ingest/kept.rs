//! Text of objects kept from the first read, so that a report can cite them without reading
//! their files again.
//!
//! A report shows each cited field with its line, its column and the lines around it. For an
//! archive, reading a file again means inflating the archive again up to that file, which at
//! 100,000 pods costs as much as a rule pass several times over. Most objects are never cited:
//! a healthy pod, a routine `Scheduled` event. So while a file is in memory to be parsed, the
//! text of each object that could be cited is kept (the object and the few lines around it,
//! with the line and column it starts at), within a budget. The report reads a file again only
//! for evidence outside the kept texts, so a guess that is wrong costs time, never accuracy.

use super::{json, ParsedObject, SourceFormat};
use crate::model::{triage, Object};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes a report keeps on each side of a cited object when it reads the object's file again:
/// the lines around a cited field are shown from them. Lines longer than this are cut at the
/// window's edge.
pub const MARGIN: usize = 16 * 1024;

/// Lines kept before an object's first line: the lines shown before a cited field, and the
/// ones read before them so that secrets in them are recognised.
const LINES_BEFORE: usize = 6;

/// Lines kept after an object's last byte (the lines shown after a cited field).
const LINES_AFTER: usize = 4;

/// The text of one object and the lines around it, as a report would cut it from its file.
#[derive(Debug, Clone)]
pub struct KeptText {
    /// Offset of `bytes[0]` in the file.
    pub at: usize,
    /// Newlines before `at` in the file.
    pub base: u64,
    /// Characters between the start of its line and `at` (0 when a line starts there).
    pub column: u64,
    /// The object is whole up to this offset of the file: its end, or for the head of a pod
    /// kept only for its labels, the end of its labels.
    pub complete_to: usize,
    /// The bytes.
    pub bytes: Box<[u8]>,
    /// Lines left out of the middle of `metadata.managedFields`, when they were.
    pub hole: Option<Hole>,
}

/// Whole lines left out of the middle of a kept object's `managedFields` (often half of an
/// object, never cited), replaced by a line of brackets so that a JSON walk still steps over
/// the list. Lines on each side of it are kept, more than a report shows around a field, so
/// that no context reaches into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hole {
    /// Where the replacing line starts in [`KeptText::bytes`] (where the lines left out
    /// started).
    pub at: usize,
    /// Length of the replacing line, its newline included.
    pub filler: usize,
    /// Bytes of the file left out.
    pub removed: usize,
    /// Newlines left out, less the replacing line's.
    pub lines: u64,
}

/// Lines kept on each side of a [`Hole`], inside `managedFields`.
const HOLE_MARGIN_LINES: usize = 16;

/// Smallest hole worth making, in bytes.
const HOLE_MIN: usize = 4096;

/// The lines of a JSON object's `managedFields` that can be left out, as a file range of whole
/// lines, with the line of brackets that stands for them; `obj` is the object's text and
/// `start` its offset in the file.
fn managed_hole(obj: &[u8], start: usize) -> Option<(usize, usize, Vec<u8>)> {
    let top = json::blank_end(obj, 0);
    let (_, metadata) = json::json_member(obj, top, "metadata")?;
    let (_, value) = json::json_member(obj, metadata, "managedFields")?;
    if obj.get(value) != Some(&b'[') {
        return None;
    }
    let close = json::matching_close(obj, value)?;
    // After the line of `[` and HOLE_MARGIN_LINES more.
    let mut hs = value;
    for _ in 0..=HOLE_MARGIN_LINES {
        hs += memchr::memchr(b'\n', &obj[hs..close])? + 1;
    }
    // Before the line of `]` and the HOLE_MARGIN_LINES lines above it.
    let mut he = memchr::memrchr(b'\n', &obj[..close])? + 1;
    for _ in 0..HOLE_MARGIN_LINES {
        he = memchr::memrchr(b'\n', &obj[..he.checked_sub(1)?])? + 1;
    }
    if he < hs + HOLE_MIN {
        return None;
    }
    // The depth of `{` and of `[` at each end, from the list's `[`: a walk that steps over a
    // value counts the brackets of its opening kind, so the replacing line must leave both
    // where the lines it stands for left them. Openers come first, so that no depth falls to
    // zero on the way.
    let depth = |to: usize| -> Option<(i64, i64)> {
        let (mut curly, mut square) = (0i64, 0i64);
        let mut i = value;
        while i < to {
            i += memchr::memchr3(b'"', b'{', b'[', &obj[i..to])
                .map_or(to - i, |k| k)
                .min(memchr::memchr2(b'}', b']', &obj[i..to]).unwrap_or(to - i));
            match obj.get(i) {
                Some(b'"') if i < to => i = json::skip_string(obj, i),
                Some(c) if i < to => {
                    match c {
                        b'{' => curly += 1,
                        b'}' => curly -= 1,
                        b'[' => square += 1,
                        _ => square -= 1,
                    }
                    i += 1;
                }
                _ => break,
            }
        }
        // A string running across an end: not a place to cut.
        (i == to).then_some((curly, square))
    };
    let ((c1, s1), (c2, s2)) = (depth(hs)?, depth(he)?);
    if s1 < 1 || s2 < 1 {
        return None;
    }
    let mut filler = Vec::new();
    filler.extend(std::iter::repeat_n(b'{', (c2 - c1).max(0) as usize));
    filler.extend(std::iter::repeat_n(b'[', (s2 - s1).max(0) as usize));
    filler.extend(std::iter::repeat_n(b'}', (c1 - c2).max(0) as usize));
    filler.extend(std::iter::repeat_n(b']', (s1 - s2).max(0) as usize));
    filler.push(b'\n');
    Some((start + hs, start + he, filler))
}

/// The kept texts of a snapshot, by file (index into the ledger) and first byte of the object.
#[derive(Debug, Default)]
pub struct Kept {
    /// The texts.
    pub texts: HashMap<(u32, usize), KeptText>,
    /// Their size in bytes.
    pub bytes: usize,
    /// Objects worth keeping that the budget left out.
    pub refused: usize,
}

/// Bytes still free for kept texts, shared by the files parsed in parallel.
#[derive(Debug)]
pub struct Budget {
    left: AtomicUsize,
    refused: AtomicUsize,
}

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> Budget {
        Budget {
            left: AtomicUsize::new(bytes),
            refused: AtomicUsize::new(0),
        }
    }

    /// The budget for a snapshot of `total` bytes: a sixth of it, and at least 64 MiB.
    pub fn for_snapshot(total: u64) -> Budget {
        Budget::new(
            usize::try_from(total / 6)
                .unwrap_or(usize::MAX)
                .max(64 << 20),
        )
    }

    fn take(&self, n: usize) -> bool {
        let ok = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok();
        if !ok {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Objects the budget left out.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Whether a report could cite the object: one that shows trouble, or of a kind rules cite
/// whatever its state. Healthy pods and workloads, and routine events, are left out.
pub fn worth_keeping(o: &Object) -> bool {
    match o {
        Object::Pod(p) => triage::pod_shows_trouble(p),
        Object::Deployment(d) => triage::deployment_shows_trouble(d),
        // A ReplicaSet's replicas show on its Deployment, which rules cite instead; one of its
        // own is cited when it cannot create pods, or when nothing owns it.
        Object::ReplicaSet(r) => {
            r.metadata
                .owner_references
                .as_ref()
                .is_none_or(Vec::is_empty)
                || r.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| !c.is_empty())
        }
        Object::StatefulSet(x) => triage::statefulset_shows_trouble(x),
        Object::DaemonSet(x) => triage::daemonset_shows_trouble(x),
        Object::Event(e) => !triage::routine_event(e.type_.as_deref(), e.reason.as_deref()),
        Object::EventsV1Event(e) => !triage::routine_event(e.type_.as_deref(), e.reason.as_deref()),
        _ => true,
    }
}

/// Where a window that would start at `at` (inside a line, `column` characters in, after
/// `base` newlines) starts instead: at the next line, when there is one before `start` (the
/// cited object), so that the lines around a cited field are whole. Returns how many bytes to
/// skip, and the newlines and column at the new start.
pub fn settle(bytes: &[u8], at: usize, start: usize, base: u64, column: u64) -> (usize, u64, u64) {
    if column > 0 {
        let head = start.saturating_sub(at).min(bytes.len());
        if let Some(nl) = memchr::memchr(b'\n', &bytes[..head]) {
            return (nl + 1, base + 1, 0);
        }
    }
    (0, base, column)
}

/// Newlines and column at a position of a text, moved forward only.
struct Cursor {
    pos: usize,
    lines: u64,
    column: u64,
}

impl Cursor {
    fn advance(&mut self, text: &[u8], to: usize) {
        let seg = &text[self.pos..to];
        match memchr::memrchr(b'\n', seg) {
            Some(nl) => {
                self.lines += bytecount::count(seg, b'\n') as u64;
                self.column = bytecount::num_chars(&seg[nl + 1..]) as u64;
            }
            None => self.column += bytecount::num_chars(seg) as u64,
        }
        self.pos = to;
    }
}

/// Cuts from `text` (a whole file, as read) the kept text of each of `objects` worth keeping,
/// while the budget lasts. Returns `(first byte of the object, kept text)` pairs.
pub fn keep(text: &[u8], objects: &[ParsedObject], budget: &Budget) -> Vec<(usize, KeptText)> {
    // (first byte, end of what is kept of the object)
    let spans: Vec<(usize, usize)> = objects
        .iter()
        .filter(|o| matches!(o.origin.format, SourceFormat::Json | SourceFormat::Yaml))
        .filter_map(|o| {
            let (start, end) = (o.origin.start, o.origin.end);
            if start >= end || end > text.len() {
                None
            } else if matches!(o.object, Object::Node(_)) && o.origin.format == SourceFormat::Json {
                // A node is cited for its labels, taints, conditions and capacity, never for
                // the list of images it holds, the bulk of its status: its text up to there.
                Some(images_start(&text[start..end]).map_or((start, end), |e| (start, start + e)))
            } else if worth_keeping(&o.object) {
                Some((start, end))
            } else if matches!(o.object, Object::Pod(_)) && o.origin.format == SourceFormat::Json {
                // A healthy pod is cited for its labels (a Service's selector that misses it):
                // its text up to the end of its labels, which come before `managedFields`.
                labels_end(&text[start..end]).map(|e| (start, start + e))
            } else {
                None
            }
        })
        .collect();
    cut(text, spans, budget)
}

/// Cuts the kept text of each span `(first byte, end of what is kept)` of `text`, while the
/// budget lasts.
pub(crate) fn cut(
    text: &[u8],
    mut spans: Vec<(usize, usize)>,
    budget: &Budget,
) -> Vec<(usize, KeptText)> {
    spans.retain(|&(start, end)| start < end && end <= text.len());
    spans.sort_unstable();
    spans.dedup();
    let mut out = Vec::with_capacity(spans.len());
    let mut cursor = Cursor {
        pos: 0,
        lines: 0,
        column: 0,
    };
    for (start, end) in spans {
        let at = start.saturating_sub(MARGIN);
        let stop = end.saturating_add(MARGIN).min(text.len());
        cursor.advance(text, at);
        let (skip, base, column) = settle(&text[at..stop], at, start, cursor.lines, cursor.column);
        let from = at + skip;
        // The object's lines, and a few on each side, within the window.
        let mut lo = memchr::memrchr(b'\n', &text[from..start]).map_or(from, |i| from + i + 1);
        for _ in 0..LINES_BEFORE {
            if lo == from {
                break;
            }
            lo = memchr::memrchr(b'\n', &text[from..lo - 1]).map_or(from, |i| from + i + 1);
        }
        let mut hi = end;
        for _ in 0..LINES_AFTER {
            match memchr::memchr(b'\n', &text[hi..stop]) {
                Some(i) => hi += i + 1,
                None => {
                    hi = stop;
                    break;
                }
            }
        }
        // A whole JSON object leaves out the middle of its `managedFields`.
        let hole = if end - start > HOLE_MIN && text.get(start) == Some(&b'{') {
            managed_hole(&text[start..end], start)
        } else {
            None
        };
        let kept_len = hi - lo - hole.as_ref().map_or(0, |(hs, he, f)| he - hs - f.len());
        if !budget.take(kept_len) {
            continue;
        }
        let (base, column) = if lo == from {
            (base, column)
        } else {
            (base + bytecount::count(&text[from..lo], b'\n') as u64, 0)
        };
        let (bytes, hole) = match hole {
            Some((hs, he, filler)) => {
                let mut b = Vec::with_capacity(kept_len);
                b.extend_from_slice(&text[lo..hs]);
                b.extend_from_slice(&filler);
                b.extend_from_slice(&text[he..hi]);
                let hole = Hole {
                    at: hs - lo,
                    filler: filler.len(),
                    removed: he - hs,
                    lines: bytecount::count(&text[hs..he], b'\n') as u64 - 1,
                };
                (b.into_boxed_slice(), Some(hole))
            }
            None => (text[lo..hi].into(), None),
        };
        out.push((
            start,
            KeptText {
                at: lo,
                base,
                column,
                complete_to: end,
                bytes,
                hole,
            },
        ));
    }
    out
}

/// Offset of the key of `status.images` in the JSON text of a node.
fn images_start(obj: &[u8]) -> Option<usize> {
    let top = json::blank_end(obj, 0);
    let (_, status) = json::json_member(obj, top, "status")?;
    let (key, _) = json::json_member(obj, status, "images")?;
    Some(key)
}

/// Offset of the end of `metadata.labels` in the JSON text of an object.
fn labels_end(obj: &[u8]) -> Option<usize> {
    let top = json::blank_end(obj, 0);
    let (_, metadata) = json::json_member(obj, top, "metadata")?;
    let (_, labels) = json::json_member(obj, metadata, "labels")?;
    Some(json::skip_value(obj, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: serde_json::Value) -> Object {
        let text = json.to_string();
        let kind = json["kind"].as_str().unwrap();
        let api_version = json["apiVersion"].as_str();
        crate::model::object::parse_json_item(&text, kind, api_version)
            .expect("parses")
            .object
    }

    fn pod(status: serde_json::Value) -> Object {
        object(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n"},
            "spec": {"containers": [{"name": "a", "image": "a"}]},
            "status": status,
        }))
    }

    fn running(restarts: i32, ready: bool) -> serde_json::Value {
        serde_json::json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "containerStatuses": [{
                "name": "a", "image": "a", "imageID": "", "ready": ready,
                "restartCount": restarts, "state": {"running": {}},
            }],
        })
    }

    #[test]
    fn healthy_objects_and_routine_events_are_not_kept() {
        assert!(!worth_keeping(&pod(running(0, true))));
        assert!(worth_keeping(&pod(running(1, true))), "restarted");
        assert!(worth_keeping(&pod(running(0, false))), "not ready");
        assert!(worth_keeping(&pod(serde_json::json!({"phase": "Pending"}))));
        let event = |type_: &str, reason: &str| {
            object(serde_json::json!({
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": "e", "namespace": "n"},
                "involvedObject": {"kind": "Pod", "name": "p"},
                "type": type_, "reason": reason,
            }))
        };
        assert!(!worth_keeping(&event("Normal", "Scheduled")));
        assert!(worth_keeping(&event("Normal", "Killing")));
        assert!(worth_keeping(&event("Warning", "Pulled")));
        let deployment = |ready: i32| {
            object(serde_json::json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d", "namespace": "n", "generation": 2},
                "spec": {"replicas": 2, "selector": {}, "template": {}},
                "status": {"observedGeneration": 2, "replicas": 2, "readyReplicas": ready,
                           "conditions": [{"type": "Available", "status": "True"}]},
            }))
        };
        assert!(!worth_keeping(&deployment(2)));
        assert!(worth_keeping(&deployment(1)));
        let replicaset = |owned: bool| {
            let owners = if owned {
                serde_json::json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": "u"}])
            } else {
                serde_json::json!([])
            };
            object(serde_json::json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "r", "namespace": "n", "ownerReferences": owners},
                "spec": {"replicas": 2, "selector": {}},
                "status": {"replicas": 0},
            }))
        };
        assert!(!worth_keeping(&replicaset(true)), "its Deployment is cited");
        assert!(worth_keeping(&replicaset(false)));
        let service = object(serde_json::json!({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"},
        }));
        assert!(worth_keeping(&service));
    }

    #[test]
    fn labels_end_where_the_labels_do() {
        let text =
            br#"{"kind": "Pod", "metadata": {"name": "p", "labels": {"a": "}"}, "uid": "u"}}"#;
        let end = labels_end(text).unwrap();
        assert_eq!(
            &text[..end],
            br#"{"kind": "Pod", "metadata": {"name": "p", "labels": {"a": "}"}"#
        );
        assert_eq!(labels_end(br#"{"metadata": {"name": "p"}}"#), None);
        let node =
            br#"{"kind": "Node", "status": {"conditions": [], "images": [{"names": ["a"]}]}}"#;
        let at = images_start(node).unwrap();
        assert!(node[at..].starts_with(br#""images""#));
        assert_eq!(images_start(br#"{"kind": "Node", "status": {}}"#), None);
    }

    #[test]
    fn the_budget_stops_keeping() {
        let text = b"[\n{\"a\": 1},\n{\"b\": 2},\n{\"c\": 3}\n]\n";
        let spans = vec![(2, 10), (12, 20), (22, 30)];
        let all = cut(text, spans.clone(), &Budget::new(1 << 20));
        assert_eq!(all.len(), 3);
        let budget = Budget::new(all[0].1.bytes.len());
        assert_eq!(cut(text, spans, &budget).len(), 1);
        assert_eq!(budget.refused(), 2);
    }

    #[test]
    fn managed_fields_are_left_out_and_still_stepped_over() {
        let mut managers = Vec::new();
        for i in 0..3 {
            let mut f = serde_json::Map::new();
            for j in 0..60 {
                f.insert(
                    format!("k:{{\"name\":\"c{j}]\"}}"),
                    serde_json::json!({"f:a": {}, "f:b": [{"f:c": {}}]}),
                );
            }
            managers.push(serde_json::json!({"manager": format!("m{i}"), "fieldsV1": f}));
        }
        let obj = serde_json::json!({
            "metadata": {"labels": {"a": "b"}, "managedFields": managers, "name": "x"},
            "status": {"phase": "Running"},
        });
        let text = serde_json::to_string_pretty(&obj).unwrap();
        let b = text.as_bytes();
        let (hs, he, filler) = managed_hole(b, 0).expect("a hole");
        assert_eq!(b[hs - 1], b'\n');
        assert_eq!(b[he - 1], b'\n');
        let mut kept = b[..hs].to_vec();
        kept.extend_from_slice(&filler);
        kept.extend_from_slice(&b[he..]);
        assert!(kept.len() * 4 < b.len(), "most of the text is left out");
        // A walk steps over the list (and over `metadata`, by its braces) as in the whole text.
        let top = json::blank_end(&kept, 0);
        let (_, status) = json::json_member(&kept, top, "status").expect("status");
        let (_, whole) = json::json_member(b, 0, "status").expect("status");
        assert_eq!(&kept[status..], &b[whole..]);
        let (_, metadata) = json::json_member(&kept, top, "metadata").expect("metadata");
        let (name, _) = json::json_member(&kept, metadata, "name").expect("name");
        assert_eq!(&kept[name..name + 6], b"\"name\"");
        // Too small a list is kept whole.
        let small = serde_json::json!({"metadata": {"managedFields": [{"manager": "m"}]}});
        assert!(
            managed_hole(serde_json::to_string_pretty(&small).unwrap().as_bytes(), 0).is_none()
        );
    }
}
