//! KT-SCHED-001 insufficient-resources

use super::common::{self, amount, key_path, Free, Kind, Nodes};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Finding, Findings};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Finds Pending pods that no node has room for: the scheduler reports `Insufficient cpu`,
    /// `Insufficient memory` (or another resource), or the pod's requests exceed every node's
    /// allocatable minus what the pods already running there request.
    ///
    /// ## Why is this bad?
    /// The pod stays Pending until capacity frees up; nothing restarts or logs an error, so
    /// the workload is silently short of replicas. The scheduler places pods by their
    /// *requests*, not by real usage: a node that looks idle can still be full on paper.
    ///
    /// The rule does the arithmetic per node (allocatable, already requested, free) so it
    /// also works when the `FailedScheduling` event has aged out. One finding is made per
    /// resource the scheduler names, with its node count.
    ///
    /// ## Example
    /// ```text
    /// Requests:
    ///   memory:  4Gi
    /// Events:
    ///   Warning  FailedScheduling  2m  default-scheduler  0/1 nodes are available: 1 Insufficient memory.
    /// ```
    ///
    /// ## How to fix
    /// Lower `resources.requests` of the container that asks the most below what a node has
    /// free, free capacity (fewer replicas or smaller requests elsewhere), or add a node
    /// with more of the resource.
    pub(crate) static RULE = {
        code: "KT-SCHED-001",
        name: "insufficient-resources",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let nodes = Nodes::new(cluster);
    let mine = |k: &Kind| matches!(k, Kind::Insufficient(_));
    let mut per_resource: HashMap<String, Free> = HashMap::new();
    for (s, _, report) in common::unplaced(&RULE, cluster, &nodes, mine, false, out) {
        let reqs = common::requests(s.pod);
        for cause in report.of(mine) {
            let Kind::Insufficient(res) = &cause.kind else {
                continue;
            };
            let req = reqs.get(res);
            let need = match (req, res.as_str()) {
                (Some(r), _) => Some(r.amount),
                (None, "pods") => Some(1.0),
                (None, _) => None,
            };
            // Per node, most free first: computed once per resource, not once per pod.
            let free = per_resource
                .entry(res.clone())
                .or_insert_with(|| nodes.free(res));
            let per_node = &free.list;
            let max_free = per_node.first().map(|n| n.free().max(0.0));
            // The snapshot's requests leave room on every node although the nodes were found
            // short: the scheduler counted pods the snapshot lacks (namespaces not collected,
            // pods bound since), or capacity was freed after its last attempt.
            let fits_everywhere = res != "pods"
                && need.is_some_and(|need| {
                    !per_node.is_empty() && free.enough(need) == per_node.len()
                });
            let mut message = match need {
                Some(need) if fits_everywhere => format!(
                    "pod needs {} {res} and {} {} insufficient {res}, yet by the requests in \
                     the snapshot all {} nodes have that much free: the scheduler counted pods \
                     the snapshot does not show (namespaces not collected, pods bound since), \
                     or {res} was freed after its last attempt",
                    amount(res, need),
                    report.nodes_text(cause),
                    has(cause.count),
                    per_node.len()
                ),
                Some(need) if !per_node.is_empty() => {
                    let enough = free.enough(need);
                    let short = free.short(need);
                    let none = free.short_with_none(need);
                    let mut shown: Vec<String> = short
                        .iter()
                        .filter(|n| n.allocatable > 0.0)
                        .take(3)
                        .map(|n| {
                            if res == "pods" {
                                format!("{} runs {} of {} pods", n.name, n.requested, n.allocatable)
                            } else if n.requested > 0.0 {
                                format!(
                                    "{} has {} allocatable, {} already requested",
                                    n.name,
                                    amount(res, n.allocatable),
                                    amount(res, n.requested)
                                )
                            } else {
                                format!("{} has {} allocatable", n.name, amount(res, n.allocatable))
                            }
                        })
                        .collect();
                    let more = short.len() - none - shown.len();
                    if more > 0 {
                        shown.push(format!("{more} more"));
                    }
                    if none > 0 {
                        shown.push(format!(
                            "{none} {}node{} {} no {res}",
                            if shown.is_empty() { "" } else { "other " },
                            if none == 1 { "" } else { "s" },
                            if none == 1 { "has" } else { "have" }
                        ));
                    }
                    if res == "pods" {
                        format!(
                            "the nodes run as many pods as they may ({enough}/{} have room for \
                             one more): {}",
                            per_node.len(),
                            shown.join("; ")
                        )
                    } else {
                        format!(
                            "pod needs {} {res} but {enough}/{} nodes have that much free: {}",
                            amount(res, need),
                            per_node.len(),
                            shown.join("; ")
                        )
                    }
                }
                Some(need) => format!(
                    "pod needs {} {res} and {} {} insufficient {res}",
                    amount(res, need),
                    report.nodes_text(cause),
                    has(cause.count)
                ),
                None => format!(
                    "{} {} insufficient {res}",
                    report.nodes_text(cause),
                    has(cause.count)
                ),
            };
            message.push_str(&report.suffix());
            let help = match (req, max_free) {
                (Some(r), _) if fits_everywhere => format!(
                    "compare with `kubectl describe node` (Allocated resources), which counts \
                     every pod on the node; then free {res} on the nodes (fewer replicas, \
                     smaller requests elsewhere), add a node with more {res}, or lower \
                     `resources.{}.{res}` of container {} ({} now)",
                    field(&r.base),
                    r.container,
                    amount(res, r.single)
                ),
                (Some(r), Some(free)) if free > 0.0 => format!(
                    "lower `resources.{}.{res}` of container {} to at most {} (the most any node \
                     has free), or free capacity on the nodes (fewer replicas, smaller \
                     requests elsewhere), or add a node with more {res}",
                    field(&r.base),
                    r.container,
                    common::amount_below(res, free)
                ),
                (Some(r), Some(_)) => format!(
                    "lower `resources.{}.{res}` of container {} ({} now) or add a node with \
                     more {res}: no node has {res} left to give",
                    field(&r.base),
                    r.container,
                    amount(res, r.single)
                ),
                (Some(r), None) => format!(
                    "lower `resources.{}.{res}` of container {} ({} now) below what a node has \
                     free (`kubectl describe nodes`: Allocatable minus Allocated resources), or \
                     add capacity (a bigger node, fewer replicas elsewhere)",
                    field(&r.base),
                    r.container,
                    amount(res, r.single)
                ),
                (None, _) if res == "pods" => "the nodes run as many pods as they may \
                    (`status.allocatable.pods`): add a node, or raise the kubelet's maxPods"
                    .to_string(),
                (None, _) => format!(
                    "lower the pod's `resources.requests.{res}` or add a node with more {res}"
                ),
            };
            let mut f = Finding::new(&RULE, s.object_ref())
                .message(message)
                .help(help);
            if let Some(r) = req {
                f = f
                    .container(r.container.clone())
                    .cause(format!("{res} {}", amount(res, r.amount)))
                    .evidence(Evidence::field(
                        s.entry,
                        &key_path(s.entry, &r.base, res),
                        format!("requests {} {res}", amount(res, r.single)),
                    ));
            } else {
                f = f.cause(res.clone());
            }
            f = f.evidence_all(s.message_evidence(cluster));
            let shown = match need {
                Some(need) => free.short(need),
                None => &free.list[..],
            };
            for n in shown.iter().filter(|n| n.allocatable > 0.0).take(3) {
                f = f.evidence(Evidence::field(
                    n.entry,
                    &key_path(n.entry, "status.allocatable", res),
                    format!("{} allocatable {}", n.name, amount(res, n.allocatable)),
                ));
            }
            out.push(f);
        }
    }
}

/// `requests` or `limits`: the map that sets the request.
fn field(base: &str) -> &str {
    if base.ends_with(".limits") {
        "limits"
    } else {
        "requests"
    }
}

/// `has` for one node, `have` for several.
fn has(count: Option<u32>) -> &'static str {
    if count == Some(1) {
        "has"
    } else {
        "have"
    }
}
