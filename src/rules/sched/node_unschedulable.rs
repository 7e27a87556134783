//! KT-SCHED-005 node-unschedulable

use super::common::{self, Kind, Nodes, UNSCHEDULABLE_TAINT};
use crate::declare_rule;
use crate::model::{Cluster, ObjectRef};
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds Pending pods that cannot go to nodes because those nodes are cordoned: the
    /// scheduler reports `node(s) were unschedulable` (or the
    /// `node.kubernetes.io/unschedulable` taint), or the candidate nodes have
    /// `spec.unschedulable: true`.
    ///
    /// ## Why is this bad?
    /// A cordon (`kubectl cordon`, `kubectl drain`, a node upgrade) keeps new pods off the
    /// node. Forgotten after maintenance, it shrinks the cluster until pods no longer fit.
    /// The cordon taint is this rule, not KT-SCHED-003.
    ///
    /// ## Example
    /// ```text
    /// Events:
    ///   Warning  FailedScheduling  1m  default-scheduler  0/14 nodes are available: 11 node(s) didn't match Pod's node affinity/selector, 3 node(s) were unschedulable.
    /// ```
    ///
    /// ## How to fix
    /// When the maintenance is over, `kubectl uncordon <node>`; otherwise make room for the
    /// pod on the other nodes.
    pub(crate) static RULE = {
        code: "KT-SCHED-005",
        name: "node-unschedulable",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let nodes = Nodes::new(cluster);
    let mine = |k: &Kind| *k == Kind::Unschedulable;
    // Cordoned nodes: `spec.unschedulable`, or only the cordon taint.
    let mut cordoned = Vec::new();
    for &(e, n) in &nodes.list {
        let spec = n.spec.as_ref();
        let name = n.metadata.name.as_deref().unwrap_or("");
        if spec.and_then(|sp| sp.unschedulable) == Some(true) {
            cordoned.push((e, name, "spec.unschedulable".to_string()));
        } else if let Some(i) = spec
            .and_then(|sp| sp.taints.as_deref())
            .and_then(|t| t.iter().position(|t| t.key == UNSCHEDULABLE_TAINT))
        {
            cordoned.push((e, name, common::taint_path(e, i)));
        }
    }
    for (s, _, report) in common::unplaced(&RULE, cluster, &nodes, mine, false, out) {
        let Some(cause) = report.of(mine).next() else {
            continue;
        };
        let list: Vec<String> = cordoned.iter().map(|c| c.1.to_string()).collect();
        let verb = if cause.count == Some(1) { "is" } else { "are" };
        let mut message = format!(
            "{} {verb} cordoned (unschedulable)",
            report.nodes_text(cause)
        );
        if !list.is_empty() {
            message.push_str(&format!(": {}", common::names(&list, 3)));
        }
        message.push_str(&report.suffix());
        let help = if list.is_empty() {
            "uncordon the nodes when their maintenance is over: `kubectl uncordon <node>` \
             (`kubectl get nodes` shows them as SchedulingDisabled), or make room on the others"
                .to_string()
        } else {
            format!(
                "uncordon them when their maintenance is over: `kubectl uncordon {}`, or make \
                 room for the pod on the other nodes",
                list.join(" ")
            )
        };
        let mut f = Finding::new(&RULE, s.object_ref())
            .message(message)
            .help(help)
            .cause("cordoned")
            .evidence_all(s.message_evidence(cluster));
        for (e, name, path) in cordoned.iter().take(3) {
            f = f.evidence(Evidence::field(e, path, format!("{name} is cordoned")));
        }
        for (_, name, _) in &cordoned {
            f = f.related(ObjectRef::new("Node", None, name));
        }
        out.push(f);
    }
}
