//! What the scheduling rules share: the pods the scheduler has not placed, the scheduler's
//! message split into causes with their node counts, and the same filters the scheduler runs
//! (cordon, taints, node selector and affinity, free resources) replayed over the Node objects
//! of the snapshot, so that a rule can check a claim, or make it when the message aged out.

use crate::ingest::SourceFormat;
use crate::model::{Cluster, Entry, EventRecord, ObjectRef};
use crate::rules::util::{self, format_bytes, format_cpu};
use crate::rules::{Evidence, Finding, Findings, Rule, Severity};
use k8s_openapi::api::core::v1::{
    Container, Node, NodeSelectorRequirement, Pod, PodCondition, Taint, Toleration,
};
use std::collections::{BTreeMap, HashMap};

/// Taint of a cordoned node.
pub(crate) const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// Taints of nodes that are not ready or not reachable.
const NOT_READY_TAINTS: [&str; 2] = [
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
];

// ---------------------------------------------------------------------------------------
// The scheduler's message
// ---------------------------------------------------------------------------------------

/// Why nodes were filtered out, one kind per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Insufficient <resource>`.
    Insufficient(String),
    /// `had untolerated taint {key: value}` (not a system taint).
    Taint {
        /// Taint key (empty when the message does not say).
        key: String,
        /// Taint value.
        value: String,
    },
    /// The `not-ready` / `unreachable` taint, or a NotReady node.
    NotReady(String),
    /// `were unschedulable`, or the `node.kubernetes.io/unschedulable` taint: cordoned.
    Unschedulable,
    /// `didn't match Pod's node affinity/selector`.
    Selector,
    /// `no nodes available to schedule pods`, `0/0 nodes`.
    NoNodes,
    /// `pod has unbound immediate PersistentVolumeClaims`, no volumes to bind.
    UnboundPvc,
    /// `persistentvolumeclaim "x" not found`.
    MissingPvc(String),
    /// Anything else (ports, pod affinity, volume zones...).
    Other,
}

/// One reason of a scheduler message.
#[derive(Debug, Clone)]
pub(crate) struct Cause {
    /// What it is.
    pub kind: Kind,
    /// How many nodes it covers, when the message says.
    pub count: Option<u32>,
    /// The reason as written.
    pub text: String,
}

/// A scheduler message (or the same summary made from the Node objects).
#[derive(Debug, Clone, Default)]
pub(crate) struct Report {
    /// Nodes available (`0` of `0/14`).
    pub available: Option<u32>,
    /// Nodes in the cluster (`14` of `0/14`).
    pub total: Option<u32>,
    /// The reasons, most nodes first.
    pub causes: Vec<Cause>,
    /// Made from the Node objects rather than read from the scheduler.
    pub simulated: bool,
}

impl Report {
    /// The causes of one kind.
    pub fn of<'a>(&'a self, pred: impl Fn(&Kind) -> bool + 'a) -> impl Iterator<Item = &'a Cause> {
        self.causes.iter().filter(move |c| pred(&c.kind))
    }

    /// `0/14 nodes are available: 11 node(s) didn't match ..., 3 node(s) were unschedulable`.
    pub fn summary(&self) -> String {
        let reasons: Vec<String> = self
            .causes
            .iter()
            .map(|c| match c.count {
                Some(n) if !c.text.starts_with(|ch: char| ch.is_ascii_digit()) => {
                    format!("{n} {}", c.text)
                }
                _ => c.text.clone(),
            })
            .collect();
        let head = match (self.available, self.total) {
            (Some(a), Some(t)) if self.simulated => format!("{a}/{t} nodes fit"),
            (Some(a), Some(t)) => format!("{a}/{t} nodes are available"),
            _ => String::new(),
        };
        match (head.is_empty(), reasons.is_empty()) {
            (true, _) => reasons.join(", "),
            (false, true) => head,
            (false, false) => format!("{head}: {}", reasons.join(", ")),
        }
    }

    /// `(scheduler: 0/14 nodes are available: ...)` or `(node objects: 0/3 nodes fit: ...)`.
    pub fn suffix(&self) -> String {
        let who = if self.simulated {
            "from the node objects"
        } else {
            "scheduler"
        };
        format!(" ({who}: {})", self.summary())
    }

    /// `11 of 14 nodes`, `1 node`, `nodes` for a cause.
    pub fn nodes_text(&self, c: &Cause) -> String {
        match (c.count, self.total) {
            (Some(n), Some(t)) if t > 0 => format!("{n} of {t} node{}", plural(t)),
            (Some(n), _) => format!("{n} node{}", plural(n)),
            _ => "nodes".to_string(),
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Splits a scheduler message (every generation since 1.1) into its causes; the preemption
/// part is dropped.
pub(crate) fn parse(msg: &str) -> Report {
    let mut r = Report::default();
    let body = match msg.find("preemption:") {
        Some(i) => &msg[..i],
        None => msg,
    };
    let body = body.trim().trim_end_matches('.').trim();
    let mut items: Vec<(Option<u32>, String)> = Vec::new();
    if body.contains("fit failure on node") {
        // ≤1.4: `pod (x) failed to fit in any node` + `fit failure on node (n): Insufficient cpu`.
        for part in body.split("fit failure on node").skip(1) {
            let why = part.split_once("):").map_or(part, |(_, w)| w);
            let why = why.lines().next().unwrap_or("").trim();
            items.push((Some(1), why.to_string()));
        }
    } else if let Some(pos) = body.find("following predicates:") {
        // ~1.5-1.7: `... predicates:: Insufficient cpu (9), MatchNodeSelector (3)`.
        let rest = body[pos + "following predicates:".len()..].trim_start_matches(':');
        for item in split_items(rest) {
            let item = item.trim();
            let (text, n) = match item.rsplit_once(" (") {
                Some((t, n)) => (t, n.trim_end_matches(')').trim().parse().ok()),
                None => (item, None),
            };
            items.push((n, text.to_string()));
        }
    } else if let Some(pos) = body.find(" nodes are available") {
        let head = &body[..pos];
        let frac = head
            .rsplit(|c: char| c.is_whitespace() || c == ':')
            .next()
            .unwrap_or("");
        if let Some((a, t)) = frac.split_once('/') {
            r.available = a.trim().parse().ok();
            r.total = t.trim().parse().ok();
        }
        let rest = &body[pos + " nodes are available".len()..];
        let rest = rest.trim_start_matches(':').trim();
        for item in split_items(rest) {
            let (n, text) = leading_count(&item);
            items.push((n, text));
        }
    } else if !body.is_empty() {
        items.push((None, body.to_string()));
    }
    for (count, text) in items {
        let text = text.trim().trim_end_matches('.').trim().to_string();
        if text.is_empty() {
            continue;
        }
        let kind = classify(&text);
        // The same reason twice (legacy per-node lines) adds up.
        if let Some(c) = r
            .causes
            .iter_mut()
            .find(|c| c.kind == kind && c.text == text)
        {
            c.count = match (c.count, count) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            continue;
        }
        r.causes.push(Cause { kind, count, text });
    }
    if r.total == Some(0) && !r.causes.iter().any(|c| c.kind == Kind::NoNodes) {
        r.causes.push(Cause {
            kind: Kind::NoNodes,
            count: Some(0),
            text: "no nodes in the cluster".to_string(),
        });
    }
    r.causes
        .sort_by_key(|c| std::cmp::Reverse(c.count.unwrap_or(0)));
    r
}

/// Splits `a, b, c` at the top level (not inside `{...}`), keeping `, that the pod didn't
/// tolerate` with its item.
fn split_items(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth <= 0 && chars.peek() == Some(&' ') {
            out.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(ch);
    }
    out.push(cur);
    let mut merged: Vec<String> = Vec::new();
    for part in out {
        let t = part.trim();
        if t.starts_with("that ") {
            if let Some(last) = merged.last_mut() {
                last.push_str(", ");
                last.push_str(t);
                continue;
            }
        }
        if !t.is_empty() {
            merged.push(t.to_string());
        }
    }
    merged
}

/// `11 node(s) didn't match` → (11, `node(s) didn't match`).
fn leading_count(item: &str) -> (Option<u32>, String) {
    let item = item.trim();
    let digits = item
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(item.len());
    if digits > 0 && item[digits..].starts_with(' ') {
        (
            item[..digits].parse().ok(),
            item[digits..].trim().to_string(),
        )
    } else {
        (None, item.to_string())
    }
}

/// The rule a reason belongs to.
fn classify(text: &str) -> Kind {
    let l = text.to_ascii_lowercase();
    if let Some(i) = l.find("insufficient ") {
        let res = text[i + "insufficient ".len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_end_matches(['.', ',']);
        return Kind::Insufficient(res.to_string());
    }
    if l.contains("no nodes available") {
        return Kind::NoNodes;
    }
    if l.contains("persistentvolumeclaim") && l.contains("not found") {
        let name = text
            .split('"')
            .nth(1)
            .map(str::to_string)
            .unwrap_or_default();
        return Kind::MissingPvc(name);
    }
    if (l.contains("unbound") && l.contains("persistentvolumeclaim"))
        || l.contains("didn't find available persistent volumes")
    {
        return Kind::UnboundPvc;
    }
    if l.contains("taint") {
        let (key, value) = taint_in(text);
        return taint_kind(&key, &value);
    }
    if l.contains("unschedulable") {
        return Kind::Unschedulable;
    }
    if l.contains("volume node affinity") {
        return Kind::Other;
    }
    if l.contains("node affinity")
        || l.contains("node selector")
        || l.contains("matchnodeselector")
        || l.contains("nodeaffinity")
    {
        return Kind::Selector;
    }
    if l.contains("not ready")
        || l.contains("not-ready")
        || l.contains("notready")
        || l.contains("unreachable")
    {
        return Kind::NotReady(String::new());
    }
    Kind::Other
}

/// `{node-role.kubernetes.io/control-plane: }` → (`node-role.kubernetes.io/control-plane`, ``).
fn taint_in(text: &str) -> (String, String) {
    let Some(open) = text.find('{') else {
        return (String::new(), String::new());
    };
    let inner = &text[open + 1..];
    let inner = inner.split('}').next().unwrap_or("");
    match inner.split_once(':') {
        Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
        None => (inner.trim().to_string(), String::new()),
    }
}

fn taint_kind(key: &str, value: &str) -> Kind {
    if key == UNSCHEDULABLE_TAINT {
        Kind::Unschedulable
    } else if NOT_READY_TAINTS.contains(&key) {
        Kind::NotReady(key.to_string())
    } else {
        Kind::Taint {
            key: key.to_string(),
            value: value.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pods the scheduler did not place
// ---------------------------------------------------------------------------------------

/// A pod with a scheduling story: not placed now (active), or placed after failing (history).
pub(crate) struct Sched<'a> {
    /// The pod's entry.
    pub entry: &'a Entry,
    /// The pod.
    pub pod: &'a Pod,
    /// Pending and not scheduled now.
    pub active: bool,
    /// The `PodScheduled` condition and its path.
    pub condition: Option<(&'a PodCondition, String)>,
    /// The latest `FailedScheduling` event.
    pub event: Option<&'a EventRecord>,
    /// The latest `Scheduled` event.
    pub scheduled: Option<&'a EventRecord>,
    /// The scheduler's message: the condition's when it has one, else the event's.
    pub report: Option<Report>,
}

/// Every pod that is Pending and unscheduled now, and every scheduled pod that has a
/// `FailedScheduling` event (history).
pub(crate) fn pods(cluster: &Cluster) -> Vec<Sched<'_>> {
    // Which pods the scheduler rules look at is found once per run (most pods are placed
    // and have no FailedScheduling event); each rule rebuilds only those.
    let at = cluster.memo(|| {
        SchedAt(
            cluster
                // Unscheduled pods show trouble; a FailedScheduling event marks the others.
                .pods_of_note_at()
                .filter_map(|(i, e)| sched(cluster, e, util::typed::<Pod>(e)?).map(|_| i))
                .collect(),
        )
    });
    at.0.iter()
        .filter_map(|&i| {
            let entry = cluster.entries().get(i)?;
            sched(cluster, entry, util::typed::<Pod>(entry)?)
        })
        .collect()
}

/// Entry positions of the pods [`pods`] returns.
struct SchedAt(Vec<usize>);

/// The scheduling state of one pod, when it is unscheduled now or failed scheduling before.
fn sched<'a>(cluster: &'a Cluster, entry: &'a Entry, pod: &'a Pod) -> Option<Sched<'a>> {
    let node = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.trim().is_empty());
    let scheduled_now = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "PodScheduled"))
        .is_some_and(|c| c.status == "True");
    let active = util::phase(pod) == "Pending" && !node && !scheduled_now;
    let events = cluster.events_of(entry);
    let is = |e: &EventRecord, r: &str| {
        e.reason
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(r))
    };
    let event = events
        .iter()
        .rev()
        .find(|e| is(e, "FailedScheduling"))
        .copied();
    let scheduled = events.iter().rev().find(|e| is(e, "Scheduled")).copied();
    if !active && event.is_none() {
        return None;
    }
    let condition = util::condition(pod, "PodScheduled");
    let cond_msg = condition
        .as_ref()
        .filter(|(c, _)| active && c.status != "True")
        .and_then(|(c, _)| c.message.as_deref())
        .filter(|m| !m.trim().is_empty());
    let event_msg = event
        .and_then(|e| e.message.as_deref())
        .filter(|m| !m.trim().is_empty());
    let report = cond_msg.or(event_msg).map(parse);
    Some(Sched {
        entry,
        pod,
        active,
        condition,
        event,
        scheduled,
        report,
    })
}

impl<'a> Sched<'a> {
    /// The pod's reference.
    pub fn object_ref(&self) -> ObjectRef {
        self.entry.object_ref()
    }

    /// The scheduler's message, or the same summary from the Node objects when the message
    /// is gone and no node fits.
    pub fn report(&self, nodes: &Nodes<'_>, fits: &[NodeFit<'_>]) -> Option<Report> {
        if let Some(r) = &self.report {
            return Some(r.clone());
        }
        if !self.active || nodes.list.is_empty() || fits.iter().any(|f| f.fits()) {
            return None;
        }
        Some(simulated(fits))
    }

    /// Where the scheduler says it: the condition's message and the event (both when both
    /// exist), or the condition's status.
    pub fn message_evidence(&self, cluster: &Cluster) -> Vec<Evidence> {
        let mut out = Vec::new();
        if self.active {
            if let Some((c, path)) = &self.condition {
                if c.message.as_deref().is_some_and(|m| !m.trim().is_empty()) {
                    out.push(Evidence::field(
                        self.entry,
                        &format!("{path}.message"),
                        "PodScheduled False: the scheduler's message",
                    ));
                } else {
                    out.push(Evidence::field(
                        self.entry,
                        &format!("{path}.status"),
                        format!("PodScheduled {}", c.status),
                    ));
                }
            }
        }
        if let Some(e) = self.event {
            out.push(Evidence::event(
                cluster,
                e,
                format!("FailedScheduling{}", util::times(e)),
            ));
        }
        out
    }

    /// The pod spec field of its tolerations, when it has some.
    pub fn tolerations(&self) -> &'a [Toleration] {
        self.pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.as_deref())
            .unwrap_or(&[])
    }
}

/// Reports history: a `FailedScheduling` for a cause of `rule` on a pod scheduled since.
/// Returns true when the pod was history (whether or not the cause matched).
pub(crate) fn history(
    rule: &'static Rule,
    cluster: &Cluster,
    s: &Sched<'_>,
    mine: impl Fn(&Kind) -> bool,
    out: &mut Findings,
) -> bool {
    if s.active {
        return false;
    }
    let Some(report) = &s.report else {
        return true;
    };
    if report.of(&mine).next().is_none() {
        return true;
    }
    let node = s
        .pod
        .spec
        .as_ref()
        .and_then(|sp| sp.node_name.as_deref())
        .filter(|n| !n.is_empty());
    let phase = util::phase(s.pod);
    let message = match node {
        Some(n) => format!(
            "scheduling failed earlier (`{}`) but the pod was scheduled since on {n} and is \
             {phase} now: history",
            report.summary()
        ),
        None => format!(
            "scheduling failed earlier (`{}`); the pod is {phase} now: history",
            report.summary()
        ),
    };
    let mut f = Finding::new(rule, s.object_ref())
        .severity(Severity::Info)
        .message(message)
        .help("nothing to change unless it happens again")
        .evidence_all(s.message_evidence(cluster));
    if let Some(e) = s.scheduled {
        f = f.evidence(Evidence::event(cluster, e, "Scheduled"));
    }
    if node.is_some() {
        f = f.evidence(Evidence::field(s.entry, "spec.nodeName", "scheduled on"));
    }
    out.push(f);
    true
}

/// The pods the scheduler has not placed, each with the filters' verdict for every node and
/// the scheduler's report (or the one made from the nodes); pods placed since are reported as
/// history of `rule` on the way ([`history`]).
///
/// The filters are replayed on every node (a pass over the nodes per pod) only when the
/// scheduler's message is gone, or when `with_fits` asks for the verdicts; otherwise the
/// verdicts come back empty.
pub(crate) fn unplaced<'a>(
    rule: &'static Rule,
    cluster: &'a Cluster,
    nodes: &Nodes<'a>,
    mine: impl Fn(&Kind) -> bool,
    with_fits: bool,
    out: &mut Findings,
) -> Vec<(Sched<'a>, Vec<NodeFit<'a>>, Report)> {
    let mut placed = Vec::new();
    for s in pods(cluster) {
        if history(rule, cluster, &s, &mine, out) {
            continue;
        }
        let fits = match &s.report {
            Some(r) if r.of(&mine).next().is_none() => continue,
            Some(_) if !with_fits => Vec::new(),
            _ => nodes.fit(s.pod),
        };
        if let Some(report) = s.report(nodes, &fits) {
            placed.push((s, fits, report));
        }
    }
    placed
}

// ---------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------

/// What a pod asks the scheduler for, per resource.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The pod's effective request (containers summed, at least the largest init container).
    pub amount: f64,
    /// The container asking the most.
    pub container: String,
    /// Its request (or limit, when that is what sets the request).
    pub single: f64,
    /// Path of its `resources.requests` (or `.limits`) map.
    pub base: String,
}

/// The effective requests of a pod: sum of containers (and sidecars), at least the largest
/// init container, plus overhead; a limit stands for a missing request.
pub(crate) fn requests(pod: &Pod) -> BTreeMap<String, Request> {
    tally(pod)
        .into_iter()
        .map(|(res, amount, l)| {
            let (init, index, limit) = l.at;
            let request = Request {
                amount,
                container: l.container.to_string(),
                single: l.single,
                base: format!(
                    "spec.{}[{index}].resources.{}",
                    if init { "initContainers" } else { "containers" },
                    if limit { "limits" } else { "requests" }
                ),
            };
            (res.to_string(), request)
        })
        .collect()
}

/// The container of a pod asking the most of a resource, and where: (init, index, from
/// limits).
struct Largest<'p> {
    single: f64,
    container: &'p str,
    at: (bool, usize, bool),
}

/// [`requests`] without writing anything out: per resource, the effective request (above
/// zero) and the container asking the most, in resource order.
fn tally(pod: &Pod) -> Vec<(&str, f64, Largest<'_>)> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    // A pod names a few resources: small lists beat maps.
    fn slot<'l, 'k, V: Default>(list: &'l mut Vec<(&'k str, V)>, k: &'k str) -> &'l mut V {
        let i = match list.iter().position(|(n, _)| *n == k) {
            Some(i) => i,
            None => {
                list.push((k, V::default()));
                list.len() - 1
            }
        };
        &mut list[i].1
    }
    fn get(list: &[(&str, f64)], k: &str) -> f64 {
        list.iter().find(|(n, _)| *n == k).map_or(0.0, |(_, v)| *v)
    }
    let mut largest: Vec<(&str, Largest<'_>)> = Vec::new();
    let mut sum: Vec<(&str, f64)> = Vec::new();
    let mut sidecars: Vec<(&str, f64)> = Vec::new();
    let mut init_max: Vec<(&str, f64)> = Vec::new();
    let mut note = |res, q: f64, container, at| match largest.iter_mut().find(|(n, _)| *n == res) {
        Some((_, e)) => {
            if q > e.single {
                *e = Largest {
                    single: q,
                    container,
                    at,
                };
            }
        }
        None => largest.push((
            res,
            Largest {
                single: q,
                container,
                at,
            },
        )),
    };
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let sidecar = c.restart_policy.as_deref() == Some("Always");
        for (res, q, limit) in container_requests(c) {
            note(res, q, c.name.as_str(), (true, i, limit));
            if sidecar {
                *slot(&mut sidecars, res) += q;
                *slot(&mut sum, res) += q;
            } else {
                let with = q + get(&sidecars, res);
                let m = slot(&mut init_max, res);
                *m = m.max(with);
            }
        }
    }
    for (i, c) in spec.containers.iter().enumerate() {
        for (res, q, limit) in container_requests(c) {
            note(res, q, c.name.as_str(), (false, i, limit));
            *slot(&mut sum, res) += q;
        }
    }
    let overhead = |res: &str| {
        spec.overhead
            .as_ref()
            .and_then(|o| o.get(res))
            .and_then(util::quantity)
            .unwrap_or(0.0)
    };
    largest.sort_by(|a, b| a.0.cmp(b.0));
    largest
        .into_iter()
        .filter_map(|(res, l)| {
            let amount = get(&sum, res).max(get(&init_max, res)) + overhead(res);
            (amount > 0.0).then_some((res, amount, l))
        })
        .collect()
}

/// (resource, amount, whether it is a limit) of one container; limits stand in for requests.
fn container_requests(c: &Container) -> Vec<(&str, f64, bool)> {
    let mut out = Vec::new();
    let Some(r) = c.resources.as_ref() else {
        return out;
    };
    for (k, q) in r.requests.iter().flatten() {
        if let Some(v) = util::quantity(q) {
            out.push((k.as_str(), v, false));
        }
    }
    for (k, q) in r.limits.iter().flatten() {
        if r.requests.as_ref().is_some_and(|m| m.contains_key(k)) {
            continue;
        }
        if let Some(v) = util::quantity(q) {
            out.push((k.as_str(), v, true));
        }
    }
    out
}

/// An amount of a resource for people (`1.8Gi`, `500m`, `2`).
pub(crate) fn amount(resource: &str, v: f64) -> String {
    match resource {
        "cpu" => format_cpu(v),
        r if r == "memory" || r.starts_with("ephemeral-storage") || r.starts_with("hugepages-") => {
            if v <= 0.0 {
                "0".to_string()
            } else {
                format_bytes(v)
            }
        }
        _ if (v - v.round()).abs() < 1e-9 => format!("{}", v.round() as i64),
        _ => format!("{v:.2}"),
    }
}

/// An amount rounded down, for "below X" advice (`1.3Gi` for 1.35Gi, `1.5` cores as `1500m`).
pub(crate) fn amount_below(resource: &str, v: f64) -> String {
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    const MI: f64 = 1024.0 * 1024.0;
    match resource {
        "cpu" => format_cpu((v * 1000.0).floor() / 1000.0),
        r if r == "memory" || r.starts_with("ephemeral-storage") || r.starts_with("hugepages-") => {
            if v >= GI {
                let g = (v / GI * 10.0).floor() / 10.0;
                if (g - g.round()).abs() < 1e-9 {
                    format!("{}Gi", g.round() as i64)
                } else {
                    format!("{g:.1}Gi")
                }
            } else if v >= MI {
                format!("{}Mi", (v / MI).floor() as i64)
            } else {
                amount(resource, v.floor())
            }
        }
        _ => amount(resource, v.floor()),
    }
}

/// True when evidence at `path` would land on that field: always for JSON and YAML, for
/// describe text and tables only when the parser recorded where the field (or a part of it) is.
pub(crate) fn locatable(entry: &Entry, path: &str) -> bool {
    match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml => true,
        _ => entry.spans.iter().any(|s| {
            s.path == path
                || s.path
                    .strip_prefix(path)
                    .is_some_and(|r| r.starts_with(['.', '[']))
        }),
    }
}

/// The path of `key` in the map at `base`: `metadata.labels["kubernetes.io/os"]` in JSON and
/// YAML, `metadata.labels.kubernetes.io/os` as describe text records it.
pub(crate) fn key_path(entry: &Entry, base: &str, key: &str) -> String {
    match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml if key.contains(['.', '/']) => {
            format!("{base}[\"{key}\"]")
        }
        _ => format!("{base}.{key}"),
    }
}

// ---------------------------------------------------------------------------------------
// The scheduler's filters over the Node objects
// ---------------------------------------------------------------------------------------

/// Why one node cannot take the pod.
#[derive(Debug, Clone)]
pub(crate) enum Misfit<'a> {
    /// Cordoned (`spec.unschedulable`).
    Unschedulable,
    /// Not ready: the `not-ready`/`unreachable` taint, or its Ready condition.
    NotReady {
        /// `Ready=False`, `taint node.kubernetes.io/not-ready:NoSchedule`...
        what: String,
    },
    /// A NoSchedule/NoExecute taint the pod does not tolerate.
    Taint {
        /// The taint.
        taint: &'a Taint,
    },
    /// The node selector or required node affinity does not match its labels.
    Selector(Vec<Miss>),
    /// Not enough of a resource left.
    Insufficient {
        /// The resource.
        resource: String,
    },
}

/// One selector requirement a node fails.
#[derive(Debug, Clone)]
pub(crate) struct Miss {
    /// Path of the affinity requirement in the pod spec; empty for a `nodeSelector` entry.
    path: String,
    /// The requirement for people: `disktype=ssd`, `kubernetes.io/arch notin (arm64)`.
    pub want: String,
    /// The label key.
    pub key: String,
    /// The node's value for that key, when it has the label.
    pub has: Option<String>,
}

impl Miss {
    /// Path of the requirement in the pod (`spec.nodeSelector.disktype`, `...matchExpressions[0]`).
    pub fn path(&self, pod: &Entry) -> String {
        if self.path.is_empty() {
            key_path(pod, "spec.nodeSelector", &self.key)
        } else {
            self.path.clone()
        }
    }

    /// From the pod's `nodeSelector` (not its affinity).
    pub fn in_node_selector(&self) -> bool {
        self.path.is_empty()
    }
}

/// The filters' verdict for one node.
#[derive(Debug, Clone)]
pub(crate) struct NodeFit<'a> {
    /// The node's entry.
    pub entry: &'a Entry,
    /// The node.
    pub node: &'a Node,
    /// Why it cannot take the pod: the reasons of the first filter that fails, in the
    /// scheduler's order (cordon, taints, affinity, resources); empty when it fits.
    pub misfits: Vec<Misfit<'a>>,
}

impl NodeFit<'_> {
    /// The node's name.
    pub fn name(&self) -> &str {
        self.node.metadata.name.as_deref().unwrap_or("")
    }

    /// The pod fits on it.
    pub fn fits(&self) -> bool {
        self.misfits.is_empty()
    }
}

#[derive(Debug, Default)]
struct Used {
    res: BTreeMap<String, f64>,
    pods: usize,
}

/// What the pods on each node request, by node name: summed once per run for all the
/// scheduler rules.
#[derive(Debug, Default)]
struct Usage(FoldMap<String, Used>);

/// Node names are hashed once per pod: foldhash, not SipHash.
type FoldMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The Node objects and what the pods on them already request.
pub(crate) struct Nodes<'a> {
    /// Every node.
    pub list: Vec<(&'a Entry, &'a Node)>,
    used: std::sync::Arc<Usage>,
}

impl<'a> Nodes<'a> {
    /// Indexes the nodes and the requests of the pods running on them (not Succeeded/Failed).
    pub fn new(cluster: &'a Cluster) -> Nodes<'a> {
        let list: Vec<(&Entry, &Node)> = cluster.all::<Node>().collect();
        let used = cluster.memo(|| {
            // Never in parallel inside a memo: a worker waiting for its share could start
            // another rule that asks for this same value.
            let per_pod = util::pods(cluster).filter_map(|(_, pod)| {
                let n = pod.spec.as_ref().and_then(|s| s.node_name.as_deref())?;
                if matches!(util::phase(pod), "Succeeded" | "Failed") {
                    return None;
                }
                Some((n, tally(pod)))
            });
            let mut used: FoldMap<&str, Used> = FoldMap::default();
            for (n, sums) in per_pod {
                let u = used.entry(n).or_default();
                u.pods += 1;
                for (res, amount, _) in sums {
                    match u.res.get_mut(res) {
                        Some(sum) => *sum += amount,
                        None => {
                            u.res.insert(res.to_string(), amount);
                        }
                    }
                }
            }
            Usage(used.into_iter().map(|(n, u)| (n.to_string(), u)).collect())
        });
        Nodes { list, used }
    }

    /// Every node's free amount of `resource`, most free first (ties in snapshot order),
    /// leaving out the nodes that do not say.
    pub fn free(&self, resource: &str) -> Free<'a> {
        let mut list: Vec<NodeFree<'a>> = self
            .list
            .iter()
            .filter_map(|&(entry, node)| {
                let (allocatable, requested) = self.capacity(node, resource)?;
                Some(NodeFree {
                    entry,
                    name: node.metadata.name.as_deref().unwrap_or(""),
                    allocatable,
                    requested,
                })
            })
            .collect();
        list.sort_by(|a, b| b.free().total_cmp(&a.free()));
        let mut none_from = vec![0; list.len() + 1];
        for i in (0..list.len()).rev() {
            none_from[i] = none_from[i + 1] + usize::from(list[i].allocatable <= 0.0);
        }
        Free { list, none_from }
    }

    /// The free amount of `resource` on a node: (allocatable, already requested), `None`
    /// when the node does not say.
    pub fn capacity(&self, node: &Node, resource: &str) -> Option<(f64, f64)> {
        let alloc = node.status.as_ref()?.allocatable.as_ref()?;
        if alloc.is_empty() {
            return None;
        }
        let name = node.metadata.name.as_deref().unwrap_or("");
        let used = self.used.0.get(name);
        let a = match alloc.get(resource) {
            Some(q) => util::quantity(q)?,
            // A device or extended resource the node does not have.
            None if resource.contains('/') || resource.starts_with("hugepages-") => 0.0,
            None => return None,
        };
        let requested = if resource == "pods" {
            used.map_or(0.0, |u| u.pods as f64)
        } else {
            used.and_then(|u| u.res.get(resource))
                .copied()
                .unwrap_or(0.0)
        };
        Some((a, requested))
    }

    /// Runs the filters for `pod` on every node.
    pub fn fit(&self, pod: &Pod) -> Vec<NodeFit<'a>> {
        if self.list.is_empty() {
            return Vec::new();
        }
        let reqs = requests(pod);
        let tols: &[Toleration] = pod
            .spec
            .as_ref()
            .and_then(|s| s.tolerations.as_deref())
            .unwrap_or(&[]);
        self.list
            .iter()
            .map(|&(entry, node)| NodeFit {
                entry,
                node,
                misfits: self.misfits(pod, &reqs, tols, node),
            })
            .collect()
    }

    fn misfits(
        &self,
        pod: &Pod,
        reqs: &BTreeMap<String, Request>,
        tols: &[Toleration],
        node: &'a Node,
    ) -> Vec<Misfit<'a>> {
        let spec = node.spec.as_ref();
        let taints: &[Taint] = spec.and_then(|s| s.taints.as_deref()).unwrap_or(&[]);
        // NodeUnschedulable.
        let cordoned = spec.and_then(|s| s.unschedulable).unwrap_or(false)
            || taints.iter().any(|t| t.key == UNSCHEDULABLE_TAINT);
        if cordoned && !tolerates(tols, UNSCHEDULABLE_TAINT, "", "NoSchedule") {
            return vec![Misfit::Unschedulable];
        }
        // TaintToleration (the not-ready taints count as a node that is not ready).
        for t in taints {
            if !matches!(t.effect.as_str(), "NoSchedule" | "NoExecute") {
                continue;
            }
            let value = t.value.as_deref().unwrap_or("");
            if t.key == UNSCHEDULABLE_TAINT || tolerates(tols, &t.key, value, &t.effect) {
                continue;
            }
            if NOT_READY_TAINTS.contains(&t.key.as_str()) {
                return vec![Misfit::NotReady {
                    what: format!("taint {}:{}", t.key, t.effect),
                }];
            }
            return vec![Misfit::Taint { taint: t }];
        }
        if let Some(what) = not_ready(node) {
            let key = if what.ends_with("Unknown") {
                NOT_READY_TAINTS[1]
            } else {
                NOT_READY_TAINTS[0]
            };
            let tainted = taints
                .iter()
                .any(|t| NOT_READY_TAINTS.contains(&t.key.as_str()));
            if !tainted && !tolerates(tols, key, "", "NoSchedule") {
                return vec![Misfit::NotReady { what }];
            }
        }
        // NodeAffinity.
        if let Some(miss) = selector_misses(pod, node) {
            return vec![Misfit::Selector(miss)];
        }
        // NodeResourcesFit: every resource short, plus the pod count.
        let mut short = Vec::new();
        let pods_need = (String::from("pods"), 1.0);
        let wanted = reqs
            .iter()
            .map(|(k, r)| (k.clone(), r.amount))
            .chain(std::iter::once(pods_need));
        for (res, need) in wanted {
            let Some((alloc, requested)) = self.capacity(node, &res) else {
                continue;
            };
            if need > alloc - requested + 1e-9 {
                short.push(Misfit::Insufficient { resource: res });
            }
        }
        short
    }
}

/// One node's capacity for one resource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeFree<'a> {
    /// The node's entry.
    pub entry: &'a Entry,
    /// The node's name.
    pub name: &'a str,
    /// `status.allocatable`.
    pub allocatable: f64,
    /// What the pods on it request.
    pub requested: f64,
}

impl NodeFree<'_> {
    /// Allocatable minus requested.
    pub fn free(&self) -> f64 {
        self.allocatable - self.requested
    }
}

/// The nodes' capacity for one resource, most free first ([`Nodes::free`]), so that the
/// nodes with room for a request are a prefix found by binary search.
#[derive(Debug, Clone)]
pub(crate) struct Free<'a> {
    /// The nodes, most free first.
    pub list: Vec<NodeFree<'a>>,
    /// `none_from[i]`: how many of `list[i..]` have none of the resource at all.
    none_from: Vec<usize>,
}

impl<'a> Free<'a> {
    /// How many nodes have at least `need` free.
    pub fn enough(&self, need: f64) -> usize {
        self.list.partition_point(|n| n.free() >= need)
    }

    /// The nodes with less than `need` free.
    pub fn short(&self, need: f64) -> &[NodeFree<'a>] {
        &self.list[self.enough(need)..]
    }

    /// How many of the nodes with less than `need` free have none of the resource.
    pub fn short_with_none(&self, need: f64) -> usize {
        self.none_from[self.enough(need)]
    }
}

/// `Ready=False` / `Ready=Unknown` when the node's Ready condition is not True.
pub(crate) fn not_ready(node: &Node) -> Option<String> {
    let c = node
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")?;
    (c.status != "True").then(|| format!("Ready={}", c.status))
}

/// The path of a node's Ready condition status.
pub(crate) fn ready_path(node: &Node) -> Option<String> {
    let i = node
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .position(|c| c.type_ == "Ready")?;
    Some(format!("status.conditions[{i}].status"))
}

/// True when a toleration of the pod tolerates the taint `key=value:effect`.
pub(crate) fn tolerates(tols: &[Toleration], key: &str, value: &str, effect: &str) -> bool {
    tols.iter().any(|t| {
        let effect_ok = t
            .effect
            .as_deref()
            .is_none_or(|e| e.is_empty() || e == effect);
        let op = t.operator.as_deref().unwrap_or("Equal");
        let tkey = t.key.as_deref().unwrap_or("");
        if tkey.is_empty() {
            return effect_ok && op == "Exists";
        }
        effect_ok && tkey == key && (op == "Exists" || t.value.as_deref().unwrap_or("") == value)
    })
}

/// The selector requirements a node fails (nodeSelector, and the closest term of the
/// required node affinity); `None` when it matches or its labels are unknown.
fn selector_misses(pod: &Pod, node: &Node) -> Option<Vec<Miss>> {
    let spec = pod.spec.as_ref()?;
    let labels = node.metadata.labels.as_ref()?;
    let mut out = Vec::new();
    for (k, v) in spec.node_selector.iter().flatten() {
        let has = labels.get(k);
        if has != Some(v) {
            out.push(Miss {
                path: String::new(),
                want: format!("{k}={v}"),
                key: k.clone(),
                has: has.cloned(),
            });
        }
    }
    let terms = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|s| s.node_selector_terms.as_slice());
    if let Some(terms) = terms.filter(|t| !t.is_empty()) {
        let base = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
        let name = node.metadata.name.as_deref().unwrap_or("");
        let mut best: Option<Vec<Miss>> = None;
        for (ti, term) in terms.iter().enumerate() {
            let mut misses = Vec::new();
            for (ei, req) in term.match_expressions.iter().flatten().enumerate() {
                let path = format!("{base}[{ti}].matchExpressions[{ei}]");
                if !requirement_matches(req, labels.get(&req.key).map(String::as_str)) {
                    misses.push(Miss {
                        path,
                        want: requirement_text(req),
                        key: req.key.clone(),
                        has: labels.get(&req.key).cloned(),
                    });
                }
            }
            for (fi, req) in term.match_fields.iter().flatten().enumerate() {
                let path = format!("{base}[{ti}].matchFields[{fi}]");
                let value = (req.key == "metadata.name").then_some(name);
                if !requirement_matches(req, value) {
                    misses.push(Miss {
                        path,
                        want: requirement_text(req),
                        key: req.key.clone(),
                        has: value.map(str::to_string),
                    });
                }
            }
            let empty = term.match_expressions.as_ref().is_none_or(|v| v.is_empty())
                && term.match_fields.as_ref().is_none_or(|v| v.is_empty());
            if misses.is_empty() && !empty {
                best = None;
                break;
            }
            if best.as_ref().is_none_or(|b| misses.len() < b.len()) && !misses.is_empty() {
                best = Some(misses);
            }
        }
        out.extend(best.unwrap_or_default());
    }
    (!out.is_empty()).then_some(out)
}

fn requirement_matches(req: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = req.values.as_deref().unwrap_or(&[]);
    let num = |s: &str| s.trim().parse::<i64>().ok();
    match req.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" => match (value.and_then(num), values.first().and_then(|x| num(x))) {
            (Some(a), Some(b)) => a > b,
            _ => false,
        },
        "Lt" => match (value.and_then(num), values.first().and_then(|x| num(x))) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        },
        _ => true,
    }
}

pub(crate) fn requirement_text(req: &NodeSelectorRequirement) -> String {
    let values = req.values.as_deref().unwrap_or(&[]);
    let k = &req.key;
    match (req.operator.as_str(), values) {
        ("In", [one]) => format!("{k}={one}"),
        ("In", v) => format!("{k} in ({})", v.join(", ")),
        ("NotIn", v) => format!("{k} notin ({})", v.join(", ")),
        ("Exists", _) => format!("label {k} present"),
        ("DoesNotExist", _) => format!("no label {k}"),
        ("Gt", v) => format!("{k} > {}", v.join("")),
        ("Lt", v) => format!("{k} < {}", v.join("")),
        (op, v) => format!("{k} {op} ({})", v.join(", ")),
    }
}

/// The Node-object version of a scheduler message, for a pod no node fits.
fn simulated(fits: &[NodeFit<'_>]) -> Report {
    let mut r = Report {
        available: Some(fits.iter().filter(|f| f.fits()).count() as u32),
        total: Some(fits.len() as u32),
        simulated: true,
        ..Report::default()
    };
    let mut add = |kind: Kind, text: String| {
        if let Some(c) = r
            .causes
            .iter_mut()
            .find(|c| c.kind == kind && c.text == text)
        {
            c.count = Some(c.count.unwrap_or(0) + 1);
        } else {
            r.causes.push(Cause {
                kind,
                count: Some(1),
                text,
            });
        }
    };
    for f in fits {
        for m in &f.misfits {
            match m {
                Misfit::Unschedulable => {
                    add(Kind::Unschedulable, "node(s) cordoned".to_string());
                }
                Misfit::NotReady { what, .. } => {
                    add(
                        Kind::NotReady(String::new()),
                        format!("node(s) not ready ({what})"),
                    );
                }
                Misfit::Taint { taint, .. } => add(
                    Kind::Taint {
                        key: taint.key.clone(),
                        value: taint.value.clone().unwrap_or_default(),
                    },
                    format!("node(s) with untolerated taint {}", taint_text(taint)),
                ),
                Misfit::Selector(_) => add(
                    Kind::Selector,
                    "node(s) not matching the pod's node selector/affinity".to_string(),
                ),
                Misfit::Insufficient { resource, .. } => add(
                    Kind::Insufficient(resource.clone()),
                    format!("node(s) with insufficient {resource}"),
                ),
            }
        }
    }
    r.causes
        .sort_by_key(|c| std::cmp::Reverse(c.count.unwrap_or(0)));
    r
}

/// `key=value:Effect` or `key:Effect`.
pub(crate) fn taint_text(t: &Taint) -> String {
    match t.value.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{}={v}:{}", t.key, t.effect),
        None => format!("{}:{}", t.key, t.effect),
    }
}

/// Path of a node's taint: its key in JSON and YAML, the whole taint in describe text.
pub(crate) fn taint_path(entry: &Entry, i: usize) -> String {
    match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml => format!("spec.taints[{i}].key"),
        _ => format!("spec.taints[{i}]"),
    }
}

/// Up to `n` names, then `and N more`.
pub(crate) fn names(list: &[String], n: usize) -> String {
    let mut s = list.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > n {
        s.push_str(&format!(" and {} more", list.len() - n));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(m: &str) -> Vec<(Kind, Option<u32>)> {
        parse(m)
            .causes
            .into_iter()
            .map(|c| (c.kind, c.count))
            .collect()
    }

    #[test]
    fn messages_of_every_generation() {
        let r = parse("0/14 nodes are available: 3 node(s) were unschedulable, 11 node(s) didn't match Pod's node affinity/selector.");
        assert_eq!((r.available, r.total), (Some(0), Some(14)));
        assert_eq!(
            kinds("0/14 nodes are available: 3 node(s) were unschedulable, 11 node(s) didn't match Pod's node affinity/selector."),
            vec![(Kind::Selector, Some(11)), (Kind::Unschedulable, Some(3))]
        );
        assert_eq!(
            kinds("0/3 nodes are available: 1 Insufficient cpu, 2 Insufficient memory."),
            vec![
                (Kind::Insufficient("memory".into()), Some(2)),
                (Kind::Insufficient("cpu".into()), Some(1))
            ]
        );
        assert_eq!(
            kinds("0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.."),
            vec![(
                Kind::Taint {
                    key: "node-role.kubernetes.io/control-plane".into(),
                    value: String::new()
                },
                Some(1)
            )]
        );
        assert_eq!(
            kinds("0/2 nodes are available: 2 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate."),
            vec![(
                Kind::Taint {
                    key: "dedicated".into(),
                    value: "gpu".into()
                },
                Some(2)
            )]
        );
        assert_eq!(
            kinds("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."),
            vec![(Kind::UnboundPvc, None)]
        );
        assert_eq!(
            kinds("running \"VolumeBinding\" filter plugin for pod \"web-0\": pod has unbound immediate PersistentVolumeClaims"),
            vec![(Kind::UnboundPvc, None)]
        );
        assert_eq!(
            kinds("no nodes available to schedule pods"),
            vec![(Kind::NoNodes, None)]
        );
        assert_eq!(
            kinds("0/1 nodes are available: 1 node(s) didn't match node selector."),
            vec![(Kind::Selector, Some(1))]
        );
        assert_eq!(
            kinds("0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."),
            vec![(Kind::Insufficient("memory".into()), Some(1))]
        );
        assert_eq!(
            kinds("0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."),
            vec![(Kind::NotReady("node.kubernetes.io/not-ready".into()), Some(1))]
        );
        assert_eq!(
            kinds("0/3 nodes are available: 1 node(s) had taint {node.kubernetes.io/unschedulable: }, that the pod didn't tolerate, 2 node(s) had volume node affinity conflict."),
            vec![(Kind::Other, Some(2)), (Kind::Unschedulable, Some(1))]
        );
        assert_eq!(
            kinds("No nodes are available that match all of the following predicates:: Insufficient cpu (9), MatchNodeSelector (3), PodToleratesNodeTaints (2)."),
            vec![
                (Kind::Insufficient("cpu".into()), Some(9)),
                (Kind::Selector, Some(3)),
                (
                    Kind::Taint {
                        key: String::new(),
                        value: String::new()
                    },
                    Some(2)
                )
            ]
        );
        assert_eq!(
            kinds("pod (web-1) failed to fit in any node\nfit failure on node (n1): Insufficient cpu\nfit failure on node (n2): Insufficient cpu\n"),
            vec![(Kind::Insufficient("cpu".into()), Some(2))]
        );
        assert_eq!(
            kinds("0/0 nodes are available"),
            vec![(Kind::NoNodes, Some(0))]
        );
        assert_eq!(
            kinds("persistentvolumeclaim \"data-web-0\" not found"),
            vec![(Kind::MissingPvc("data-web-0".into()), None)]
        );
    }

    #[test]
    fn summary_names_the_largest_cause_first() {
        let r = parse("0/14 nodes are available: 3 node(s) were unschedulable, 11 node(s) didn't match Pod's node affinity/selector.");
        assert_eq!(
            r.summary(),
            "0/14 nodes are available: 11 node(s) didn't match Pod's node affinity/selector, 3 node(s) were unschedulable"
        );
    }

    #[test]
    fn tolerations() {
        let t = |k: Option<&str>, op: &str, v: Option<&str>, e: Option<&str>| Toleration {
            key: k.map(str::to_string),
            operator: Some(op.to_string()),
            value: v.map(str::to_string),
            effect: e.map(str::to_string),
            toleration_seconds: None,
        };
        assert!(tolerates(
            &[t(None, "Exists", None, None)],
            "a",
            "b",
            "NoSchedule"
        ));
        assert!(tolerates(
            &[t(Some("a"), "Equal", Some("b"), Some("NoSchedule"))],
            "a",
            "b",
            "NoSchedule"
        ));
        assert!(!tolerates(
            &[t(Some("a"), "Equal", Some("c"), None)],
            "a",
            "b",
            "NoSchedule"
        ));
        assert!(!tolerates(
            &[t(Some("a"), "Exists", None, Some("NoExecute"))],
            "a",
            "b",
            "NoSchedule"
        ));
        assert!(tolerates(
            &[t(Some("a"), "Exists", None, None)],
            "a",
            "b",
            "NoExecute"
        ));
    }

    #[test]
    fn requests_sum_containers_and_take_the_largest_init_container() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "initContainers": [
                    {"name": "proxy", "restartPolicy": "Always",
                     "resources": {"requests": {"memory": "256Mi"}}},
                    {"name": "migrate", "resources": {"requests": {"memory": "2Gi"}}}
                ],
                "containers": [
                    {"name": "app", "resources": {"requests": {"memory": "1Gi"}, "limits": {"cpu": "1"}}},
                    {"name": "log", "resources": {"requests": {"memory": "512Mi"}}}
                ]
            }
        }))
        .unwrap();
        let r = requests(&pod);
        let gi = 1024.0 * 1024.0 * 1024.0;
        // max(256Mi + 1Gi + 512Mi, 256Mi + 2Gi)
        assert_eq!(r["memory"].amount, 2.25 * gi);
        assert_eq!(r["memory"].container, "migrate");
        assert_eq!(r["cpu"].amount, 1.0);
        assert_eq!(r["cpu"].base, "spec.containers[0].resources.limits");
    }

    #[test]
    fn selector_operators() {
        let req = |op: &str, values: &[&str]| NodeSelectorRequirement {
            key: "k".into(),
            operator: op.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        };
        assert!(requirement_matches(&req("In", &["a", "b"]), Some("b")));
        assert!(!requirement_matches(&req("In", &["a"]), None));
        assert!(requirement_matches(&req("NotIn", &["a"]), None));
        assert!(!requirement_matches(&req("NotIn", &["a"]), Some("a")));
        assert!(requirement_matches(&req("Exists", &[]), Some("")));
        assert!(requirement_matches(&req("DoesNotExist", &[]), None));
        assert!(requirement_matches(&req("Gt", &["4"]), Some("8")));
        assert!(!requirement_matches(&req("Lt", &["4"]), Some("8")));
        assert!(!requirement_matches(&req("Gt", &["4"]), Some("x")));
    }

    #[test]
    fn amounts_below_round_down() {
        let gi = 1024.0 * 1024.0 * 1024.0;
        assert_eq!(amount_below("memory", 1.35 * gi), "1.3Gi");
        assert_eq!(amount_below("memory", 700.0 * 1024.0 * 1024.0), "700Mi");
        assert_eq!(amount_below("cpu", 1.2345), "1234m");
        assert_eq!(amount("nvidia.com/gpu", 1.0), "1");
    }
}
