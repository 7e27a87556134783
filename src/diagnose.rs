//! Runs the rules in parallel, links findings into root causes and groups them into
//! incidents ranked by impact. Output never depends on thread timing: findings are sorted
//! (severity, code, object) before ids are given.
//!
//! Linking is generic, driven by two things a rule states: the object a finding is about
//! and the objects whose faults would explain it ([`Finding::related`]: the pods behind a
//! Service, the node of a pod). A finding explains another when it sits on a lower layer
//! (node → pod cause → pod symptom → workload → Service) and is about the same object (and
//! container) or about one of the other's related objects.

use crate::model::{Cluster, ObjectRef};
use crate::rules::{self, Finding, Findings, Rule, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What to run and what to keep.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these rules (codes, code prefixes such as `KT-CRASH`, or names); empty for all.
    pub select: Vec<String>,
    /// Never these rules (same forms as `select`).
    pub ignore: Vec<String>,
    /// Drop findings below this severity.
    pub min_severity: Option<Severity>,
    /// Only findings about objects in this namespace (cluster-scoped findings stay when they
    /// explain one of them).
    pub namespace: Option<String>,
}

/// A root cause and the symptoms it accounts for.
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    /// `i1`, `i2`... in rank order.
    pub id: String,
    /// One line for people: what is broken and where.
    pub title: String,
    /// The worst severity of its root findings.
    pub severity: Severity,
    /// The root-cause findings (one per pod when several pods of a workload fail alike).
    pub findings: Vec<String>,
    /// Findings they explain, directly or through others.
    pub symptoms: Vec<String>,
    /// What it breaks.
    pub impact: Impact,
}

/// How much an incident breaks: distinct objects among its findings and symptoms.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Impact {
    /// Pods.
    pub pods: usize,
    /// Workloads (Deployments, StatefulSets, DaemonSets, Jobs...).
    pub workloads: usize,
    /// Services.
    pub services: usize,
    /// Nodes.
    pub nodes: usize,
}

/// `2 pods, 1 workload, 1 Service`; empty when it breaks nothing counted.
impl std::fmt::Display for Impact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            (self.pods, "pod", "pods"),
            (self.workloads, "workload", "workloads"),
            (self.services, "Service", "Services"),
            (self.nodes, "node", "nodes"),
        ]
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|&(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        f.write_str(&parts.join(", "))
    }
}

impl Impact {
    fn weight(&self) -> usize {
        self.services * 4 + self.workloads * 3 + self.nodes * 3 + self.pods
    }
}

/// The findings and incidents of a snapshot.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    /// Every finding kept, sorted, with ids and `explains` filled.
    pub findings: Vec<Finding>,
    /// Root causes ranked by impact.
    pub incidents: Vec<Incident>,
    /// How long each rule took (a value several rules share is counted in the first rule
    /// that asked for it), slowest first.
    pub rule_times: Vec<(&'static str, std::time::Duration)>,
}

impl Diagnosis {
    /// The findings at or above a severity.
    pub fn count_at_least(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= s).count()
    }

    /// The findings of exactly one severity.
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// Index of each finding by its id.
    pub fn by_id(&self) -> std::collections::BTreeMap<&str, usize> {
        self.findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect()
    }
}

/// True when `pattern` (a code, a code prefix like `KT-CRASH`, or a name) names `rule`.
pub fn names_rule(pattern: &str, rule: &Rule) -> bool {
    let p = pattern.trim();
    if p.is_empty() {
        return false;
    }
    let code = rule.code.to_ascii_uppercase();
    let up = p.to_ascii_uppercase();
    code == up || code.starts_with(&format!("{up}-")) || rule.name == p
}

/// The rules that `opts` selects, in code order.
pub fn selected_rules(opts: &Options) -> Vec<&'static Rule> {
    rules::registry()
        .iter()
        .copied()
        .filter(|r| opts.select.is_empty() || opts.select.iter().any(|p| names_rule(p, r)))
        .filter(|r| !opts.ignore.iter().any(|p| names_rule(p, r)))
        .collect()
}

/// Runs the selected rules over the cluster and links what they find.
pub fn diagnose(cluster: &Cluster, opts: &Options) -> Diagnosis {
    let rules = selected_rules(opts);
    let ran: Vec<(Vec<Finding>, (&'static str, std::time::Duration))> = rules
        .par_iter()
        .map(|rule| {
            let started = std::time::Instant::now();
            let mut out = Findings::new();
            (rule.check)(cluster, &mut out);
            (out.into_vec(), (rule.code, started.elapsed()))
        })
        .collect();
    let (found, mut rule_times): (Vec<Vec<Finding>>, Vec<_>) = ran.into_iter().unzip();
    rule_times.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut findings: Vec<Finding> = found.into_iter().flatten().collect();
    findings.sort_by(compare);
    findings.dedup_by(|a, b| {
        a.code == b.code
            && key(&a.object) == key(&b.object)
            && a.container == b.container
            && a.message == b.message
    });
    add_nodes(cluster, &mut findings);
    let edges = link(&findings);
    let keep = filter(&findings, &edges, opts);
    // Renumber the kept findings.
    let mut new_index = vec![usize::MAX; findings.len()];
    let mut kept = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if keep[i] {
            new_index[i] = kept.len();
            let mut f = f.clone();
            f.id = format!("f{}", kept.len() + 1);
            kept.push(f);
        }
    }
    let mut kept_edges: Vec<Vec<usize>> = vec![Vec::new(); kept.len()];
    for (a, targets) in edges.iter().enumerate() {
        if new_index[a] == usize::MAX {
            continue;
        }
        for &b in targets {
            if new_index[b] != usize::MAX {
                kept_edges[new_index[a]].push(new_index[b]);
            }
        }
    }
    for (a, targets) in kept_edges.iter().enumerate() {
        let mut ids: Vec<usize> = targets.clone();
        ids.sort_unstable();
        ids.dedup();
        kept[a].explains = ids.iter().map(|&b| kept[b].id.clone()).collect();
    }
    // What rules quote (log lines, event messages) may hold a secret: hide it before any
    // report sees it.
    for f in &mut kept {
        hide_secrets(f);
    }
    let incidents = incidents(cluster, &kept, &kept_edges);
    Diagnosis {
        findings: kept,
        incidents,
        rule_times,
    }
}

fn hide_secrets(f: &mut Finding) {
    use crate::secrets::scrub_text;
    f.message = scrub_text(&f.message);
    f.help = scrub_text(&f.help);
    f.cause = scrub_text(&f.cause);
    for e in &mut f.evidence {
        e.label = scrub_text(&e.label);
    }
}

fn key(r: &ObjectRef) -> (&str, &str, &str) {
    (&r.kind, r.namespace.as_deref().unwrap_or(""), &r.name)
}

/// Report order: severity (error first), code, object, container, message.
fn compare(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.code.cmp(b.code))
        .then_with(|| key(&a.object).cmp(&key(&b.object)))
        .then_with(|| a.container.cmp(&b.container))
        .then_with(|| a.message.cmp(&b.message))
}

/// The layer of a rule: lower layers explain higher ones.
fn layer(code: &str) -> u8 {
    let area = code.split('-').nth(1).unwrap_or("");
    match (area, code) {
        ("NODE", _) => 0,
        (_, "KT-OOM-002") | (_, "KT-CRASH-001") => 2,
        (_, "KT-READY-001") | (_, "KT-POD-004") => 3,
        ("WORKLOAD", _) => 4,
        (_, "KT-SVC-002") | (_, "KT-SVC-003") => 1,
        ("SVC", _) | ("DNS", _) => 5,
        _ => 1,
    }
}

/// Pod faults that a fault of the pod's node accounts for: evictions, pods stuck terminating
/// or unknown, sandboxes that cannot be created (the node's network).
const NODE_EXPLAINS: [&str; 4] = ["KT-POD-001", "KT-POD-002", "KT-POD-003", "KT-CREATE-004"];

/// Names the node of the pod as related for the pod faults a node fault explains, so that no
/// rule has to remember it.
fn add_nodes(cluster: &Cluster, findings: &mut [Finding]) {
    use k8s_openapi::api::core::v1::Pod;
    for f in findings.iter_mut() {
        if f.object.kind != "Pod" || !NODE_EXPLAINS.contains(&f.code) {
            continue;
        }
        let node = cluster
            .get_typed::<Pod>(f.object.namespace.as_deref(), &f.object.name)
            .and_then(|p| p.spec.as_ref())
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty());
        if let Some(n) = node {
            let r = ObjectRef::new("Node", None, &n);
            if !f.related.iter().any(|x| key(x) == key(&r)) {
                f.related.push(r);
            }
        }
    }
}

/// `edges[a]` lists the findings `a` explains.
fn link(findings: &[Finding]) -> Vec<Vec<usize>> {
    let mut by_object: BTreeMap<(&str, &str, &str), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_object.entry(key(&f.object)).or_default().push(i);
    }
    let mut edges = vec![Vec::new(); findings.len()];
    for (b, fb) in findings.iter().enumerate() {
        let mut candidates: BTreeSet<usize> = BTreeSet::new();
        for &a in by_object.get(&key(&fb.object)).into_iter().flatten() {
            let fa = &findings[a];
            let same_container = match (&fa.container, &fb.container) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            if same_container {
                candidates.insert(a);
            }
        }
        for r in &fb.related {
            candidates.extend(by_object.get(&key(r)).into_iter().flatten().copied());
        }
        for a in candidates {
            let fa = &findings[a];
            if a != b && fa.severity > Severity::Info && layer(fa.code) < layer(fb.code) {
                edges[a].push(b);
            }
        }
    }
    edges
}

/// Which findings survive `--namespace` and `--min-severity`.
fn filter(findings: &[Finding], edges: &[Vec<usize>], opts: &Options) -> Vec<bool> {
    let in_scope = |f: &Finding| match &opts.namespace {
        None => true,
        Some(ns) => f.object.namespace.as_deref() == Some(ns.as_str()),
    };
    let severe = |f: &Finding| opts.min_severity.is_none_or(|m| f.severity >= m);
    let mut keep: Vec<bool> = findings.iter().map(|f| in_scope(f) && severe(f)).collect();
    if opts.namespace.is_some() {
        // Cluster-scoped causes (a node) stay when they explain something kept.
        for (a, f) in findings.iter().enumerate() {
            if f.object.namespace.is_none()
                && severe(f)
                && edges[a]
                    .iter()
                    .any(|&b| keep[b] && findings[b].object.namespace.is_some())
            {
                keep[a] = true;
            }
        }
    }
    keep
}

/// Groups root findings into incidents and ranks them.
fn incidents(cluster: &Cluster, findings: &[Finding], edges: &[Vec<usize>]) -> Vec<Incident> {
    let mut explained = vec![false; findings.len()];
    for targets in edges {
        for &b in targets {
            explained[b] = true;
        }
    }
    // Roots grouped by rule, workload (or object), container and cause.
    let mut groups: BTreeMap<(u8, &str, String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if explained[i] {
            continue;
        }
        let owner = owner_of(cluster, &f.object)
            .map(|o| o.to_string())
            .unwrap_or_else(|| f.object.to_string());
        let container = f.container.clone().unwrap_or_default();
        groups
            .entry((
                2 - f.severity as u8,
                f.code,
                owner,
                container,
                f.cause.clone(),
            ))
            .or_default()
            .push(i);
    }
    let mut out: Vec<(Incident, (Severity, usize, String))> = Vec::new();
    let mut counts = None;
    for ((_, code, _, _, _), members) in groups {
        let mut symptoms = BTreeSet::new();
        let mut stack: Vec<usize> = members.clone();
        while let Some(a) = stack.pop() {
            for &b in &edges[a] {
                if !members.contains(&b) && symptoms.insert(b) {
                    stack.push(b);
                }
            }
        }
        let mut objects: BTreeSet<(String, String, String)> = BTreeSet::new();
        for &i in members.iter().chain(&symptoms) {
            let f = &findings[i];
            objects.insert((
                f.object.kind.clone(),
                f.object.namespace.clone().unwrap_or_default(),
                f.object.name.clone(),
            ));
            if f.object.kind == "Pod" {
                if let Some(w) = owner_of(cluster, &f.object) {
                    objects.insert((
                        w.kind.clone(),
                        w.namespace.clone().unwrap_or_default(),
                        w.name.clone(),
                    ));
                }
            }
        }
        let mut impact = Impact::default();
        for (kind, _, _) in &objects {
            match kind.as_str() {
                "Pod" => impact.pods += 1,
                "Service" => impact.services += 1,
                "Node" => impact.nodes += 1,
                "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "ReplicaSet" => {
                    impact.workloads += 1
                }
                _ => {}
            }
        }
        let severity = members
            .iter()
            .map(|&i| findings[i].severity)
            .max()
            .unwrap_or(Severity::Info);
        let title = title(cluster, findings, &members, &mut counts);
        let rank = (severity, impact.weight(), code.to_string());
        out.push((
            Incident {
                id: String::new(),
                title,
                severity,
                findings: members.iter().map(|&i| findings[i].id.clone()).collect(),
                symptoms: symptoms.iter().map(|&i| findings[i].id.clone()).collect(),
                impact,
            },
            rank,
        ));
    }
    out.sort_by(|(a, ra), (b, rb)| {
        rb.0.cmp(&ra.0)
            .then(rb.1.cmp(&ra.1))
            .then(ra.2.cmp(&rb.2))
            .then(a.findings.cmp(&b.findings))
    });
    out.into_iter()
        .enumerate()
        .map(|(n, (mut inc, _))| {
            inc.id = format!("i{}", n + 1);
            inc
        })
        .collect()
}

/// The workload above a pod (Deployment, StatefulSet...), from the snapshot's objects or, when
/// they are absent, from the pod's owner reference.
fn owner_of(cluster: &Cluster, r: &ObjectRef) -> Option<ObjectRef> {
    if r.kind != "Pod" {
        return None;
    }
    let entry = cluster.get(&r.kind, r.namespace.as_deref(), &r.name)?;
    if let Some(w) = rules::util::workload_of(cluster, entry) {
        return Some(w.object_ref());
    }
    owner_from_reference(entry)
}

/// The workload above a pod whose owners are not in the snapshot, from its owner reference.
fn owner_from_reference(entry: &crate::model::Entry) -> Option<ObjectRef> {
    // The owners are not in the snapshot (pasted describe text names only `Controlled By`):
    // a ReplicaSet named `<deployment>-<pod-template-hash>` belongs to that Deployment.
    let m = entry.object.metadata();
    let owner = m
        .owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .or(m.owner_references.as_ref()?.first())?;
    if owner.kind == "Node" {
        return None;
    }
    let ns = m.namespace.as_deref();
    let hash = m.labels.as_ref().and_then(|l| l.get("pod-template-hash"));
    let deployment = (owner.kind == "ReplicaSet")
        .then(|| hash.and_then(|h| owner.name.strip_suffix(&format!("-{h}"))))
        .flatten();
    Some(match deployment {
        Some(d) => ObjectRef::new("Deployment", ns, d),
        None => ObjectRef::new(&owner.kind, ns, &owner.name),
    })
}

/// How many pods of the snapshot each workload has, by [`owner_of`], counted in one pass
/// over the pods.
fn workload_pods(cluster: &Cluster) -> HashMap<ObjectRef, usize> {
    // Workloads of the snapshot are counted by address, and their reference written once.
    let mut found: HashMap<*const crate::model::Entry, (&crate::model::Entry, usize)> =
        HashMap::new();
    let mut out: HashMap<ObjectRef, usize> = HashMap::new();
    for e in cluster.of_kind("Pod") {
        if let Some(w) = rules::util::workload_of(cluster, e) {
            found.entry(std::ptr::from_ref(w)).or_insert((w, 0)).1 += 1;
        } else if let Some(w) = owner_from_reference(e) {
            *out.entry(w).or_default() += 1;
        }
    }
    for (w, n) in found.into_values() {
        *out.entry(w.object_ref()).or_default() += n;
    }
    out
}

/// `KT-CRASH-002 missing-env-var: 3 of 3 pods of Deployment default/api`, or the object.
fn title(
    cluster: &Cluster,
    findings: &[Finding],
    members: &[usize],
    counts: &mut Option<HashMap<ObjectRef, usize>>,
) -> String {
    let first = &findings[members[0]];
    let head = format!("{} {}", first.code, first.name);
    let what = match owner_of(cluster, &first.object) {
        Some(w) if first.object.kind == "Pod" => {
            let ns = w.namespace.as_deref().unwrap_or("");
            let pods = if members.len() == 1 {
                format!("pod {}/{}", ns, first.object.name)
            } else {
                let counts = counts.get_or_insert_with(|| workload_pods(cluster));
                let total = counts.get(&w).copied().unwrap_or(0);
                format!("{} of {} pods", members.len(), total.max(members.len()))
            };
            format!("{pods} of {} {ns}/{}", w.kind, w.name)
        }
        _ => first.object.to_string(),
    };
    format!("{head}: {what}")
}
