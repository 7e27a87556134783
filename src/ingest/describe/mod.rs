//! `kubectl describe` text (Pod, Node, Service, Deployment, ReplicaSet, PersistentVolumeClaim,
//! Endpoints) read into the same typed objects the YAML path produces.
//!
//! The text is first normalised line by line (CR, tabs, `> ` quoting, k9s `│` borders, markdown
//! fences and `**` debris, a common indent), keeping for every byte of a normalised line its
//! offset in the original text. It is then cut into objects at `Name:` lines, the `Events:`
//! table of each object is read on its own, and the rest becomes a tree by indentation (for
//! pastes that lost their indentation, the nesting is rebuilt from known field names first).
//! Each kind has a builder that assembles the Kubernetes JSON shape and converts it with
//! [`parse_value_item`]. Lines that are not understood become [`Problem`]s.
//!
//! What describe says that the API has no field for goes into annotations:
//! `ktriage.io/terminating: "true"` (`Status: Terminating (lasts 2m)`: no phase, no deletion
//! time), `ktriage.io/pods-status` (a ReplicaSet's `Pods Status` line as printed), and on
//! events `ktriage.io/last-seen-age` / `ktriage.io/first-seen-age` (seconds; the model turns
//! them into times once the snapshot time is known). Event names are `<object>.<row>`.
//!
//! Deliberately skipped without a problem: a Node's `Roles`, `Lease`, `Non-terminated Pods`
//! and `Allocated resources`; a Service's `Endpoints`; a Deployment's `OldReplicaSets` and
//! `NewReplicaSet`; a PVC's `Used By`, `DataSource` and `Conditions`; a Pod's
//! `Topology Spread Constraints`, `Readiness Gates` and `Ephemeral Containers`.
//! Redactions (`xxxxx`, `<redacted>`, `*.*.*.*`) are kept as written in text fields and read
//! as unknown in numbers and times.
//!
//! Other described kinds (StatefulSet, DaemonSet, Job, ConfigMap...) are recognised as describe
//! text but give one problem ("unknown kind") and no object: they are never taken for the
//! look-alike kinds above.

mod events;
mod kinds;
mod pod;
#[cfg(test)]
mod tests;

use crate::ingest::ledger::Problem;
use crate::model::object::parse_value_item;
use serde_json::{Map, Value};

/// One object read from describe text: the typed object, its byte range in the text, and the
/// byte range of each field that was read (for evidence in reports).
#[derive(Debug, Clone)]
pub struct Described {
    /// The object.
    pub object: crate::model::Object,
    /// First byte of the object's text.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Where each field that was read came from.
    pub spans: Vec<FieldSpan>,
}

/// Where a field of the object came from: its path as in the object's JSON
/// (`status.containerStatuses[0].lastState.terminated.exitCode`, `spec.containers[0].resources.limits.memory`)
/// and the byte range of its value in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpan {
    /// JSON path of the field.
    pub path: String,
    /// First byte of the value in the original text.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

/// Everything read from one describe text.
#[derive(Debug, Clone, Default)]
pub struct DescribeOutput {
    /// The described objects AND one core/v1 Event per Events-table row.
    pub objects: Vec<Described>,
    /// Lines not understood (line, column, message); never guessed.
    pub problems: Vec<Problem>,
}

/// One line after normalisation.
#[derive(Debug, Clone)]
pub(crate) struct NLine {
    /// The text, without CR, quoting, borders, fences debris and common indent; tabs expanded.
    pub text: String,
    /// Original byte offset of every byte of `text`.
    pub map: Vec<usize>,
    /// Original offset of the line start and of its end (without the newline).
    pub orig_start: usize,
    pub orig_end: usize,
    /// Width of the original line in characters (for terminal-wrap detection).
    pub width: usize,
    /// 1-based line number in the original text.
    pub no: usize,
    /// Leading spaces of `text` (possibly rewritten for flush-left pastes).
    pub indent: usize,
}

impl NLine {
    fn blank(&self) -> bool {
        self.text.trim().is_empty()
    }
    /// Original byte range of `text[a..b]`.
    pub(crate) fn orig(&self, a: usize, b: usize) -> (usize, usize) {
        let s = self.map.get(a).copied().unwrap_or(self.orig_end);
        let e = if b > a {
            self.map.get(b - 1).map_or(self.orig_end, |x| x + 1)
        } else {
            s
        };
        (s, e.max(s))
    }
    /// 1-based original column of byte `a` of `text`.
    pub(crate) fn column(&self, a: usize) -> usize {
        self.map.get(a).copied().unwrap_or(self.orig_end) - self.orig_start + 1
    }
    /// The trimmed content and its byte range.
    pub(crate) fn content(&self) -> (usize, usize) {
        trim_range(&self.text, 0, self.text.len())
    }
}

/// Byte range of `s[a..b]` without surrounding whitespace.
pub(crate) fn trim_range(s: &str, a: usize, b: usize) -> (usize, usize) {
    let sub = s.get(a..b).unwrap_or("");
    let lead = sub.len() - sub.trim_start().len();
    let t = sub.trim();
    (a + lead, a + lead + t.len())
}

/// A value in a normalised line: line index and byte range in its text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Val {
    pub line: usize,
    pub a: usize,
    pub b: usize,
}

/// A line of the object's tree.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub line: usize,
    pub indent: usize,
    /// The key, when the line is `Key:  value`.
    pub key: Option<String>,
    /// The value after the key, or the whole trimmed line.
    pub val: Val,
    pub children: Vec<Item>,
}

/// Shared state of one object's parse.
pub(crate) struct Ctx<'a> {
    pub lines: &'a [NLine],
    pub problems: Vec<Problem>,
    pub spans: Vec<FieldSpan>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn text(&self, v: Val) -> &'a str {
        self.lines
            .get(v.line)
            .and_then(|l| l.text.get(v.a..v.b))
            .unwrap_or("")
    }
    pub(crate) fn span(&mut self, path: impl Into<String>, v: Val) {
        if let Some(l) = self.lines.get(v.line) {
            let (start, end) = l.orig(v.a, v.b);
            self.spans.push(FieldSpan {
                path: path.into(),
                start,
                end,
            });
        }
    }
    /// A value with a span, as a JSON string (`None` for empty and `<none>`).
    pub(crate) fn string(&mut self, path: &str, v: Val) -> Option<Value> {
        let t = self.text(v);
        if is_none(t) {
            return None;
        }
        self.span(path, v);
        Some(Value::String(t.to_string()))
    }
    /// Sets `map[key]` to the value's text (unless `<none>`), recording its span at `prefix.key`.
    pub(crate) fn put_string(
        &mut self,
        map: &mut serde_json::Map<String, Value>,
        prefix: &str,
        key: &str,
        v: Val,
    ) {
        if let Some(s) = self.string(&format!("{prefix}.{key}"), v) {
            map.insert(key.to_string(), s);
        }
    }
    pub(crate) fn problem(&mut self, line: usize, a: usize, msg: impl Into<String>) {
        let (no, col) = match self.lines.get(line) {
            Some(l) => (l.no, l.column(a)),
            None => (0, 1),
        };
        self.problems.push(Problem {
            line: Some(no),
            column: Some(col),
            message: msg.into(),
        });
    }
    /// A problem at the start of an item's line.
    pub(crate) fn problem_at(&mut self, it: &Item, msg: impl Into<String>) {
        let a = self
            .lines
            .get(it.line)
            .map_or(0, |l| l.text.len() - l.text.trim_start().len());
        self.problem(it.line, a, msg);
    }
    /// The sub-value `v.text[i..j]` (relative byte offsets), trimmed.
    pub(crate) fn sub(&self, v: Val, i: usize, j: usize) -> Val {
        let line = self.lines.get(v.line).map_or("", |l| l.text.as_str());
        let (a, b) = trim_range(line, (v.a + i).min(v.b), (v.a + j).min(v.b));
        Val { line: v.line, a, b }
    }
}

/// `<none>`, `<nil>`, `<unset>` and empty values say nothing.
pub(crate) fn is_none(s: &str) -> bool {
    matches!(s.trim(), "" | "<none>" | "<nil>" | "<unset>" | "<unknown>")
}

/// Values people write in place of what they removed from a paste (`xxxxx`, `<redacted>`,
/// `*.*.*.*`, `x.x.x.x`, `************`, `<id here>`): kept as written where the field is text,
/// treated as unknown (and not as a problem) where it must be a number or a time.
pub(crate) fn is_redacted(s: &str) -> bool {
    let s = s.trim();
    if crate::model::object::is_redaction_marker(s) {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with('<') && lower.ends_with('>') {
        return ["redact", "here", "hidden", "removed", "masked"]
            .iter()
            .any(|w| lower.contains(w));
    }
    s.len() >= 3
        && s.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '.'))
        && s.chars().any(|c| c != '.')
}

/// An RFC1123 time as kubectl prints it (`Mon, 24 Feb 2025 00:59:02 +0200`) as RFC3339 UTC.
pub(crate) fn rfc1123_to_rfc3339(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
        return Some(z.timestamp().to_string());
    }
    // `Mon, 24 Feb 2025 00:59:02 UTC` and other zone names jiff does not accept.
    let (head, zone) = s.rsplit_once(' ')?;
    if zone.chars().all(|c| c.is_ascii_uppercase()) && matches!(zone, "UTC" | "Z") {
        return jiff::fmt::rfc2822::parse(&format!("{head} +0000"))
            .ok()
            .map(|z| z.timestamp().to_string());
    }
    s.parse::<jiff::Timestamp>().ok().map(|t| t.to_string())
}

/// True when the text looks like `kubectl describe` output (a `Name:` line followed by other
/// `Key:   value` fields such as `Namespace:`, `Status:`, `Labels:`), tolerant of the manglings below.
pub fn looks_like_describe(text: &str) -> bool {
    let lines = normalize(text);
    let mut seen_name = false;
    let mut others = 0;
    for l in lines.iter().filter(|l| !l.blank()).take(400) {
        let Some((key, _)) = split_key(&l.text) else {
            continue;
        };
        let key = key.as_str();
        if !seen_name {
            if key == "Name" {
                seen_name = true;
            }
            continue;
        }
        if matches!(
            key,
            "Namespace"
                | "Status"
                | "Labels"
                | "Annotations"
                | "Priority"
                | "Node"
                | "Roles"
                | "CreationTimestamp"
                | "Selector"
                | "Type"
                | "Replicas"
                | "StorageClass"
                | "Subsets"
                | "Service Account"
                | "Start Time"
                | "Taints"
        ) {
            others += 1;
            if others >= 2 {
                return true;
            }
        }
    }
    false
}

/// Parses every object in the text (several may be concatenated, as `kubectl describe pods` prints them).
pub fn parse(text: &str) -> DescribeOutput {
    let lines = normalize(text);
    let mut out = DescribeOutput::default();
    // Cut into objects at `Name:` lines at the left margin.
    let mut starts = Vec::new();
    let mut prev_key: Option<(String, String)> = None;
    for (i, l) in lines.iter().enumerate() {
        if l.blank() {
            continue;
        }
        let kv = split_key(&l.text);
        if let Some((k, _)) = &kv {
            let in_volume = prev_key
                .as_ref()
                .is_some_and(|(pk, pv)| pk == "Type" && pv.starts_with("ConfigMap"));
            if k == "Name" && l.indent == 0 && !in_volume {
                starts.push(i);
            }
        }
        prev_key = kv.map(|(k, a)| {
            let v = l.text.get(a..).unwrap_or("").trim().to_string();
            (k, v)
        });
    }
    let first = starts.first().copied().unwrap_or(lines.len());
    for l in lines.get(..first).unwrap_or(&[]) {
        if !l.blank() && !is_command_line(&l.text) {
            let (a, _) = l.content();
            out.problems.push(Problem {
                line: Some(l.no),
                column: Some(l.column(a)),
                message: "text before the first described object (no `Name:` line)".into(),
            });
        }
    }
    for (n, &s) in starts.iter().enumerate() {
        let e = starts.get(n + 1).copied().unwrap_or(lines.len());
        let block = lines.get(s..e).unwrap_or(&[]);
        parse_block(block, &mut out);
    }
    out
}

/// The shell command that produced the output (`$ kubectl describe pod x`).
fn is_command_line(t: &str) -> bool {
    let t = t
        .trim_start()
        .trim_start_matches(['$', '#', '%', '>'])
        .trim_start();
    t.starts_with("kubectl ") || t.starts_with("oc ") || t.starts_with("k describe ")
}

/// Known top-level keys of every kind (for flush-left pastes and kind detection).
const TOP_KEYS: &[&str] = &[
    "Name",
    "Namespace",
    "Priority",
    "Priority Class Name",
    "PriorityClassName",
    "Runtime Class Name",
    "Service Account",
    "Node",
    "Start Time",
    "Labels",
    "Annotations",
    "Status",
    "Reason",
    "Message",
    "IP",
    "IPs",
    "Controlled By",
    "Controllers",
    "Replication Controllers",
    "Image(s)",
    "Created By",
    "Security Policy",
    "ExternalID",
    "Traffic Distribution",
    "QoS Tier",
    "Termination Grace Period",
    "Init Containers",
    "Containers",
    "Ephemeral Containers",
    "Readiness Gates",
    "Conditions",
    "Volumes",
    "QoS Class",
    "Node-Selectors",
    "Tolerations",
    "Topology Spread Constraints",
    "Events",
    "Nominated Node Name",
    "SeccompProfile",
    "Roles",
    "CreationTimestamp",
    "Taints",
    "Unschedulable",
    "Lease",
    "Addresses",
    "Capacity",
    "Allocatable",
    "System Info",
    "PodCIDR",
    "PodCIDRs",
    "ProviderID",
    "Non-terminated Pods",
    "Allocated resources",
    "Selector",
    "Type",
    "IP Family Policy",
    "IP Families",
    "Port",
    "TargetPort",
    "NodePort",
    "Endpoints",
    "Session Affinity",
    "External Traffic Policy",
    "Internal Traffic Policy",
    "LoadBalancer Ingress",
    "Replicas",
    "StrategyType",
    "MinReadySeconds",
    "RollingUpdateStrategy",
    "Pod Template",
    "OldReplicaSets",
    "NewReplicaSet",
    "Pods Status",
    "StorageClass",
    "Volume",
    "Finalizers",
    "Access Modes",
    "VolumeMode",
    "Used By",
    "DataSource",
    "Subsets",
];

fn parse_block(block: &[NLine], out: &mut DescribeOutput) {
    // The Events section runs from `Events:` at the margin to the end of the object.
    let ev_at = block.iter().position(|l| {
        l.indent == 0
            && (l.text == "No events." || split_key(&l.text).is_some_and(|(k, _)| k == "Events"))
    });
    let (body, ev) = match ev_at {
        Some(i) => (block.get(..i).unwrap_or(&[]), block.get(i..).unwrap_or(&[])),
        None => (block, &[][..]),
    };
    let mut body: Vec<NLine> = body.to_vec();
    if is_flush_left(&body) {
        reindent(&mut body);
    } else {
        merge_continuations(&mut body);
    }
    let items = build_tree(&body);
    let mut ctx = Ctx {
        lines: &body,
        problems: Vec::new(),
        spans: Vec::new(),
    };
    let kind = classify(&ctx, &items);
    let start = block.first().map_or(0, |l| l.orig_start);
    let end = block
        .iter()
        .rev()
        .find(|l| !l.blank())
        .map_or(start, |l| l.orig_end);
    let built = match kind {
        Some("Pod") => Some(pod::build_pod(&mut ctx, &items)),
        Some("Node") => Some(kinds::build_node(&mut ctx, &items)),
        Some("Service") => Some(kinds::build_service(&mut ctx, &items)),
        Some("Deployment") => Some(kinds::build_deployment(&mut ctx, &items)),
        Some("ReplicaSet") => Some(kinds::build_replicaset(&mut ctx, &items)),
        Some("PersistentVolumeClaim") => Some(kinds::build_pvc(&mut ctx, &items)),
        Some("Endpoints") => Some(kinds::build_endpoints(&mut ctx, &items)),
        _ => None,
    };
    let mut problems = std::mem::take(&mut ctx.problems);
    let spans = std::mem::take(&mut ctx.spans);
    let Some((kind, api_version, value)) = built else {
        if let Some(first) = block.first() {
            let (a, _) = first.content();
            out.problems.push(Problem {
                line: Some(first.no),
                column: Some(first.column(a)),
                message: "described object of unknown kind (no field tells Pod, Node, Service, Deployment, ReplicaSet, PersistentVolumeClaim or Endpoints)".into(),
            });
        }
        return;
    };
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let namespace = value
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    match parse_value_item(value, kind, Some(api_version), false) {
        Ok(parsed) => {
            if let Some(e) = &parsed.kept_untyped {
                if let Some(first) = block.first() {
                    problems.push(Problem {
                        line: Some(first.no),
                        column: Some(1),
                        message: format!("{kind} {name} kept untyped: {e}"),
                    });
                }
            }
            out.objects.push(Described {
                object: parsed.object,
                start,
                end,
                spans,
            });
        }
        Err(e) => {
            if let Some(first) = block.first() {
                problems.push(Problem {
                    line: Some(first.no),
                    column: Some(1),
                    message: format!("{kind} {name} could not be built: {e}"),
                });
            }
        }
    }
    if !ev.is_empty() {
        let target = events::Target {
            kind,
            name: &name,
            namespace: namespace.as_deref(),
        };
        events::parse_events(ev, &target, out, &mut problems);
    }
    out.problems.extend(problems);
}

fn classify(ctx: &Ctx<'_>, items: &[Item]) -> Option<&'static str> {
    let has = |k: &str| items.iter().any(|i| i.key.as_deref() == Some(k));
    let val = |k: &str| {
        items
            .iter()
            .find(|i| i.key.as_deref() == Some(k))
            .map(|i| ctx.text(i.val))
            .unwrap_or("")
    };
    // Workloads with a pod template: only Deployments and ReplicaSets are read. StatefulSets
    // (`Update Strategy`, `Volume Claims`), DaemonSets and Jobs (`Start Time`, `Completions`)
    // look alike and must not be taken for them, nor for pods.
    if has("Pod Template") || has("Replicas") || has("Completions") || has("Parallelism") {
        let r = val("Replicas");
        let other = has("Update Strategy")
            || has("Volume Claims")
            || has("Completions")
            || has("Parallelism")
            || has("Desired Number of Nodes Scheduled");
        if other {
            return None;
        }
        if r.contains("updated") || has("StrategyType") || has("NewReplicaSet") {
            return Some("Deployment");
        }
        if r.contains("current") && r.contains("desired") {
            return Some("ReplicaSet");
        }
        return None;
    }
    if has("Containers") || has("Start Time") || has("QoS Class") || has("Init Containers") {
        return Some("Pod");
    }
    if has("Roles")
        || has("Taints")
        || has("System Info")
        || has("Unschedulable")
        || has("Allocatable")
        || has("Non-terminated Pods")
    {
        return Some("Node");
    }
    if has("Subsets") {
        return Some("Endpoints");
    }
    if has("Access Modes") || has("VolumeMode") || has("Used By") || has("StorageClass") {
        return Some("PersistentVolumeClaim");
    }
    if has("TargetPort") || has("Session Affinity") || (has("Selector") && has("Type")) {
        return Some("Service");
    }
    if has("Node") && has("Status") {
        return Some("Pod");
    }
    None
}

/// `Key:  value` on a line: the key and the byte offset just after its colon.
pub(crate) fn split_key(line: &str) -> Option<(String, usize)> {
    let lead = line.len() - line.trim_start().len();
    let t = line.get(lead..)?;
    let bytes = t.as_bytes();
    let first = *bytes.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let mut i = 0;
    while i < bytes.len() {
        let c = *bytes.get(i)?;
        if c == b':' {
            let next = bytes.get(i + 1).copied();
            if next.is_none() || next == Some(b' ') {
                let key = t.get(..i)?;
                if key.contains("  ") || key.len() > 60 || key.ends_with(' ') {
                    return None;
                }
                return Some((key.to_string(), lead + i + 1));
            }
            return None;
        }
        if !(c.is_ascii_alphanumeric() || b"_ .()/-".contains(&c)) {
            return None;
        }
        i += 1;
    }
    None
}

/// Every line of the text, normalised, with a map back to the original bytes.
pub(crate) fn normalize(text: &str) -> Vec<NLine> {
    let mut raw: Vec<(usize, &str, usize)> = Vec::new();
    let mut off = 0usize;
    for (no, piece) in text.split_inclusive('\n').enumerate() {
        let body = piece.strip_suffix('\n').unwrap_or(piece);
        let body = body.strip_suffix('\r').unwrap_or(body);
        raw.push((off, body, no + 1));
        off += piece.len();
    }
    let nonblank: Vec<&str> = raw
        .iter()
        .map(|r| r.1.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let quoted = !nonblank.is_empty()
        && nonblank.iter().filter(|t| t.starts_with('>')).count() * 2 >= nonblank.len();
    let bordered = nonblank
        .iter()
        .filter(|t| t.starts_with('│') || t.starts_with('|'))
        .count()
        * 2
        >= nonblank.len().max(1)
        && nonblank.iter().any(|t| t.starts_with('│'));
    let mut lines = Vec::with_capacity(raw.len());
    for (start, body, no) in raw {
        let mut chars: Vec<(char, usize)> =
            body.char_indices().map(|(i, c)| (c, start + i)).collect();
        if quoted {
            strip_quote(&mut chars);
        }
        if bordered {
            strip_border(&mut chars);
        }
        // How far the text reaches (a k9s box pads short lines with spaces).
        let width = chars.len() - chars.iter().rev().take_while(|c| c.0 == ' ').count();
        let trimmed: String = chars.iter().map(|c| c.0).collect();
        let t = trimmed.trim_start();
        // Markdown fences, and the top and bottom edges of a k9s box.
        if t.starts_with("```") || t.starts_with(['┌', '└', '╭', '╰']) {
            chars.clear();
        }
        remove_double_stars(&mut chars);
        // Tabs to the next multiple of 8.
        let mut text = String::with_capacity(chars.len());
        let mut map = Vec::with_capacity(chars.len());
        let mut col = 0usize;
        for (c, o) in chars {
            if c == '\t' {
                let n = 8 - col % 8;
                for _ in 0..n {
                    text.push(' ');
                    map.push(o);
                }
                col += n;
            } else {
                let mut buf = [0u8; 4];
                let s = c.encode_utf8(&mut buf);
                for k in 0..s.len() {
                    map.push(o + k);
                }
                text.push(c);
                col += 1;
            }
        }
        // Trailing spaces carry nothing.
        let keep = text.trim_end().len();
        text.truncate(keep);
        map.truncate(keep);
        let indent = text.len() - text.trim_start().len();
        lines.push(NLine {
            text,
            map,
            orig_start: start,
            orig_end: start + body.len(),
            width,
            no,
            indent,
        });
    }
    // A common indent over all non-blank lines is removed.
    let common = lines
        .iter()
        .filter(|l| !l.blank() && !is_command_line(&l.text))
        .map(|l| l.indent)
        .min()
        .unwrap_or(0);
    if common > 0 {
        for l in &mut lines {
            if l.blank() || l.indent < common {
                continue;
            }
            l.text = l.text.get(common..).unwrap_or("").to_string();
            l.map = l.map.get(common..).unwrap_or(&[]).to_vec();
            l.indent -= common;
        }
    }
    lines
}

fn strip_quote(chars: &mut Vec<(char, usize)>) {
    let lead = chars.iter().take_while(|c| c.0 == ' ').count();
    let mut i = lead;
    let mut any = false;
    while chars.get(i).is_some_and(|c| c.0 == '>') {
        i += 1;
        any = true;
        if chars.get(i).is_some_and(|c| c.0 == ' ') {
            i += 1;
        }
    }
    if any {
        chars.drain(..i);
    }
}

fn strip_border(chars: &mut Vec<(char, usize)>) {
    let lead = chars.iter().take_while(|c| c.0 == ' ').count();
    if chars.get(lead).is_some_and(|c| c.0 == '│' || c.0 == '|') {
        let mut i = lead + 1;
        if chars.get(i).is_some_and(|c| c.0 == ' ') {
            i += 1;
        }
        chars.drain(..i);
    }
    while chars.last().is_some_and(|c| c.0 == ' ') {
        chars.pop();
    }
    if chars.last().is_some_and(|c| c.0 == '│') {
        chars.pop();
    }
}

/// Removes runs of exactly two `*` (markdown bold debris); longer runs are redactions.
fn remove_double_stars(chars: &mut Vec<(char, usize)>) {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars
            .get(i..)
            .map_or(0, |r| r.iter().take_while(|c| c.0 == '*').count());
        if run == 2 {
            i += 2;
            continue;
        }
        if run > 0 {
            out.extend_from_slice(chars.get(i..i + run).unwrap_or(&[]));
            i += run;
            continue;
        }
        if let Some(c) = chars.get(i) {
            out.push(*c);
        }
        i += 1;
    }
    *chars = out;
}

/// In an indented paste, a line at the left margin without a `Key:` continues the line before
/// it: a value the terminal hard-wrapped (the line before fills the width), or a message with
/// newlines (`Message:` followed by lines at column 0). The line is merged into the one it
/// continues and left blank.
fn merge_continuations(lines: &mut [NLine]) {
    let mut target: Option<usize> = None;
    let mut msg_indent: Option<usize> = None;
    let mut blanks = 0usize;
    let mut prev_width = 0usize;
    for i in 0..lines.len() {
        let Some(l) = lines.get(i) else { break };
        if l.blank() {
            if msg_indent.is_some() {
                blanks += 1;
            } else {
                target = None;
            }
            continue;
        }
        let kv = split_key(&l.text);
        let key = kv.as_ref().map(|k| k.0.as_str());
        let wrapped = prev_width >= 80 && blanks == 0;
        prev_width = l.width;
        let known = key.is_some_and(|k| {
            TOP_KEYS.contains(&k) || CONTAINER_KEYS.contains(&k) || STATE_KEYS.contains(&k)
        });
        let name_line = kv
            .as_ref()
            .is_some_and(|(_, a)| l.text.get(*a..).is_some_and(|v| v.trim().is_empty()));
        let wrap_cont = l.indent == 0 && wrapped && !known;
        let msg_cont =
            msg_indent.is_some_and(|m| key.is_none() || (l.indent < m && !known && !name_line));
        let cont = target.is_some() && (wrap_cont || msg_cont);
        let Some(t) = target.filter(|_| cont) else {
            blanks = 0;
            target = Some(i);
            msg_indent = (key == Some("Message")).then_some(l.indent);
            continue;
        };
        let (text, map) = (l.text.trim().to_string(), l.map.clone());
        let lead = l.text.len() - l.text.trim_start().len();
        let map = map.get(lead..lead + text.len()).unwrap_or(&[]).to_vec();
        let end = l.orig_end;
        if let Some(l) = lines.get_mut(i) {
            l.text.clear();
            l.map.clear();
            l.indent = 0;
        }
        let Some(dst) = lines.get_mut(t) else {
            continue;
        };
        let last = dst.text.chars().last();
        let next = text.chars().next();
        let glue = if !wrapped {
            "\n".repeat(blanks + 1)
        } else if last.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_alphabetic) {
            String::new()
        } else {
            " ".to_string()
        };
        blanks = 0;
        let at = map.first().copied().unwrap_or(end);
        for _ in 0..glue.len() {
            dst.map.push(at);
        }
        dst.text.push_str(&glue);
        dst.text.push_str(&text);
        dst.map.extend_from_slice(&map);
        dst.orig_end = end;
    }
}

/// True when no key line below the first few has any indentation although sections exist.
fn is_flush_left(lines: &[NLine]) -> bool {
    let mut sections = 0;
    for l in lines.iter().filter(|l| !l.blank()) {
        if l.indent > 0 {
            return false;
        }
        if let Some((k, a)) = split_key(&l.text) {
            if l.text.get(a..).is_some_and(|v| v.trim().is_empty())
                && matches!(
                    k.as_str(),
                    "Containers"
                        | "Init Containers"
                        | "Conditions"
                        | "Volumes"
                        | "Capacity"
                        | "Addresses"
                        | "Subsets"
                        | "Pod Template"
                        | "System Info"
                )
            {
                sections += 1;
            }
        }
    }
    sections > 0
}

const CONTAINER_KEYS: &[&str] = &[
    "Container ID",
    "Image",
    "Image ID",
    "Port",
    "Ports",
    "Host Port",
    "Host Ports",
    "Command",
    "Args",
    "State",
    "Last State",
    "Last Termination State",
    "Ready",
    "Restart Count",
    "Limits",
    "Requests",
    "Liveness",
    "Readiness",
    "Startup",
    "Environment",
    "Environment Variables from",
    "Environment Variables",
    "Mounts",
    "Devices",
    "SeccompProfile",
];

const STATE_KEYS: &[&str] = &[
    "Reason",
    "Message",
    "Exit Code",
    "Signal",
    "Started",
    "Finished",
];

/// Fields of a volume as describe prints them (some may be empty: `Medium:`).
const VOLUME_KEYS: &[&str] = &[
    "Type",
    "Name",
    "Optional",
    "SecretName",
    "ClaimName",
    "ReadOnly",
    "Medium",
    "SizeLimit",
    "TokenExpirationSeconds",
    "ConfigMapName",
    "ConfigMapOptional",
    "DownwardAPI",
    "Path",
    "HostPathType",
    "Items",
    "Server",
    "FSType",
    "VolumeID",
    "Partition",
    "Driver",
    "VolumeHandle",
    "VolumeAttributes",
    "Ephemeral",
    "StorageClass",
];

/// Fields of a Pod Template (Deployment, ReplicaSet).
const TEMPLATE_KEYS: &[&str] = &[
    "Labels",
    "Annotations",
    "Service Account",
    "Containers",
    "Init Containers",
    "Volumes",
    "Node-Selectors",
    "Tolerations",
    "Priority Class Name",
];

/// Rebuilds indentation of a flush-left paste from known field names.
fn reindent(lines: &mut [NLine]) {
    let mut section = String::new();
    let mut sub = String::new(); // container sub-block: State, Limits, Environment...
    let mut template = false;
    for l in lines.iter_mut() {
        if l.blank() {
            continue;
        }
        let kv = split_key(&l.text);
        let value_empty = kv
            .as_ref()
            .is_some_and(|(_, a)| l.text.get(*a..).is_some_and(|v| v.trim().is_empty()));
        let key = kv.as_ref().map(|k| k.0.as_str()).unwrap_or("");
        let subset_key =
            section == "Subsets" && matches!(key, "Addresses" | "NotReadyAddresses" | "Ports");
        // Keys that are top-level fields elsewhere but belong to the section here.
        let nested = match section.as_str() {
            "Containers" | "Init Containers" => {
                CONTAINER_KEYS.contains(&key) || STATE_KEYS.contains(&key)
            }
            "IPs" => key == "IP",
            "Volumes" => VOLUME_KEYS.contains(&key),
            _ => subset_key,
        };
        let top = TOP_KEYS.contains(&key) && !nested;
        // Inside a Pod Template, its own fields sit one level down.
        let mut base = 0;
        if template {
            if !top || TEMPLATE_KEYS.contains(&key) {
                base = 2;
            } else {
                template = false;
            }
        }
        let level = if top {
            section = key.to_string();
            sub.clear();
            if key == "Pod Template" {
                template = true;
            }
            base
        } else {
            base + match section.as_str() {
                "Subsets" => {
                    if subset_key {
                        sub = key.to_string();
                        2
                    } else {
                        4
                    }
                }
                "Containers" | "Init Containers" => {
                    let in_state = matches!(
                        sub.as_str(),
                        "State" | "Last State" | "Last Termination State"
                    );
                    if CONTAINER_KEYS.contains(&key) {
                        sub = key.to_string();
                        4
                    } else if kv.is_some()
                        && value_empty
                        && !matches!(sub.as_str(), "Limits" | "Requests" | "Environment")
                    {
                        sub.clear();
                        2
                    } else if in_state && STATE_KEYS.contains(&key) {
                        6
                    } else if kv.is_none() && in_state {
                        // A wrapped state message.
                        8
                    } else {
                        6
                    }
                }
                "Volumes" => {
                    if kv.is_some() && value_empty && !VOLUME_KEYS.contains(&key) {
                        2
                    } else {
                        4
                    }
                }
                _ => 2,
            }
        };
        if level > 0 {
            let pad = " ".repeat(level);
            let first = l.map.first().copied().unwrap_or(l.orig_start);
            let mut map = vec![first; level];
            map.extend_from_slice(&l.map);
            l.text = format!("{pad}{}", l.text);
            l.map = map;
        }
        l.indent = level;
    }
}

/// The tree of a block by indentation.
fn build_tree(lines: &[NLine]) -> Vec<Item> {
    let mut roots: Vec<Item> = Vec::new();
    let mut stack: Vec<Item> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.blank() {
            continue;
        }
        let (ca, cb) = l.content();
        let (key, val) = match split_key(&l.text) {
            Some((k, after)) => {
                let (a, b) = trim_range(&l.text, after, l.text.len());
                (Some(k), Val { line: i, a, b })
            }
            None => (
                None,
                Val {
                    line: i,
                    a: ca,
                    b: cb,
                },
            ),
        };
        let item = Item {
            line: i,
            indent: l.indent,
            key,
            val,
            children: Vec::new(),
        };
        while stack.last().is_some_and(|top| top.indent >= item.indent) {
            if let Some(done) = stack.pop() {
                attach(&mut stack, &mut roots, done);
            }
        }
        stack.push(item);
    }
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut roots, done);
    }
    roots
}

fn attach(stack: &mut [Item], roots: &mut Vec<Item>, item: Item) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(item),
        None => roots.push(item),
    }
}

/// Adds `value` at `path` (dot-separated keys) inside `root`, creating objects on the way.
pub(crate) fn put(root: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, head)) = path.split_last() else {
        return;
    };
    let mut cur = root;
    for k in head {
        let entry = cur
            .entry((*k).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(m) = entry else { return };
        cur = m;
    }
    cur.insert((*last).to_string(), value);
}

/// `k=v` pairs from an item's value and its continuation lines (labels, selectors).
pub(crate) fn kv_pairs(ctx: &mut Ctx<'_>, it: &Item, path: &str, sep: char) -> Map<String, Value> {
    let mut m = Map::new();
    let vals = item_values(ctx, it);
    for v in vals {
        let t = ctx.text(v);
        // Selectors put several pairs on one line, separated by commas.
        let mut off = 0;
        for part in t.split(',') {
            let (pa, pb) = (off, off + part.len());
            off = pb + 1;
            let Some(eq) = part.find(sep) else {
                if !part.trim().is_empty() {
                    ctx.problem(
                        v.line,
                        v.a + pa,
                        format!("`{}` is not a key{sep}value pair", part.trim()),
                    );
                }
                continue;
            };
            let kv = ctx.sub(v, pa, pa + eq);
            let vv = ctx.sub(v, pa + eq + 1, pb);
            let k = ctx.text(kv).to_string();
            let value = ctx.text(vv).to_string();
            ctx.span(format!("{path}.{k}"), vv);
            m.insert(k, Value::String(value));
        }
    }
    m
}

/// The whole trimmed line of an item (key included).
/// An item's value and the values of its continuation lines, without the `<none>` ones
/// (multi-line fields: labels, annotations, taints, tolerations, selectors).
pub(crate) fn item_values(ctx: &Ctx<'_>, it: &Item) -> Vec<Val> {
    std::iter::once(it.val)
        .chain(it.children.iter().map(|c| whole(ctx, c)))
        .filter(|v| !is_none(ctx.text(*v)))
        .collect()
}

pub(crate) fn whole(ctx: &Ctx<'_>, it: &Item) -> Val {
    let (a, b) = ctx.lines.get(it.line).map_or((0, 0), |l| l.content());
    Val {
        line: it.line,
        a,
        b,
    }
}

/// Annotations: `key: value` lines (value may hold colons).
pub(crate) fn annotations(ctx: &mut Ctx<'_>, it: &Item) -> Map<String, Value> {
    let mut m = Map::new();
    let vals = item_values(ctx, it);
    let mut last: Option<String> = None;
    for v in vals {
        let t = ctx.text(v);
        // `key: value`; old kubectl printed `key=value`.
        let colon = t
            .find(": ")
            .or_else(|| t.strip_suffix(':').map(|s| s.len()));
        let eq = t.find('=').filter(|&i| {
            t.get(..i).is_some_and(|k| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
            })
        });
        let sep = match (colon, eq) {
            (Some(c), Some(e)) => Some(c.min(e)),
            (c, e) => c.or(e),
        };
        if let Some(i) = sep {
            let k = t.get(..i).unwrap_or("").trim().to_string();
            let vv = ctx.sub(v, i + 1, t.len());
            ctx.span(format!("metadata.annotations.{k}"), vv);
            m.insert(k.clone(), Value::String(ctx.text(vv).to_string()));
            last = Some(k);
        } else if let Some(k) = &last {
            // A long value wrapped onto the next line.
            if let Some(Value::String(s)) = m.get_mut(k) {
                s.push('\n');
                s.push_str(t);
            }
        } else {
            ctx.problem(v.line, v.a, "annotation without `key: value`");
        }
    }
    m
}

/// Column starts of a header line (words separated by two or more spaces).
pub(crate) fn header_starts(t: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b.get(i) != Some(&b' ')
            && (i == 0 || (b.get(i - 1) == Some(&b' ') && (i < 2 || b.get(i - 2) == Some(&b' '))))
        {
            out.push(i);
        }
        i += 1;
    }
    out
}
