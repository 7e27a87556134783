//! KT-SCHED-004 node-selector-mismatch

use super::common::{self, key_path, Kind, Misfit, Miss, Nodes};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds Pending pods whose `nodeSelector` or required node affinity matches no node:
    /// the scheduler reports `didn't match Pod's node affinity/selector` (older: `didn't match
    /// node selector`, `MatchNodeSelector`), or the Node objects show no node whose labels
    /// satisfy the selector. It names the requirement and the closest node's labels.
    ///
    /// ## Why is this bad?
    /// The pod stays Pending however much capacity is free. Typical causes: a label typo
    /// (`disktype=ssd` where the nodes say `disk=ssd`), a label that was never applied to the
    /// new nodes, or an architecture/OS constraint (`kubernetes.io/arch`) no node meets.
    ///
    /// ## Example
    /// ```text
    /// Node-Selectors:  disktype=ssd
    /// Events:
    ///   Warning  FailedScheduling  3m  default-scheduler  0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.
    /// ```
    ///
    /// ## How to fix
    /// Change `spec.nodeSelector` (or `spec.affinity.nodeAffinity`) to labels the nodes carry
    /// (`kubectl get nodes --show-labels`), or label the nodes that should run the pod
    /// (`kubectl label node <node> key=value`).
    pub(crate) static RULE = {
        code: "KT-SCHED-004",
        name: "node-selector-mismatch",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let nodes = Nodes::new(cluster);
    let mine = |k: &Kind| *k == Kind::Selector;
    for (s, fits, report) in common::unplaced(&RULE, cluster, &nodes, mine, true, out) {
        let Some(cause) = report.of(mine).next() else {
            continue;
        };
        // The node missing the fewest requirements.
        let closest = fits
            .iter()
            .filter_map(|f| match f.misfits.first() {
                Some(Misfit::Selector(m)) => Some((f, m)),
                _ => None,
            })
            .min_by_key(|(f, m)| (m.len(), f.name().to_string()));
        let spec = s.pod.spec.as_ref();
        let mut selector: Vec<String> = spec
            .and_then(|sp| sp.node_selector.as_ref())
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        // The first term of the required node affinity.
        selector.extend(
            spec.and_then(|sp| sp.affinity.as_ref())
                .and_then(|a| a.node_affinity.as_ref())
                .and_then(|n| {
                    n.required_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .and_then(|r| r.node_selector_terms.first())
                .into_iter()
                .flat_map(|t| t.match_expressions.iter().flatten())
                .map(|e| format!("`{}`", common::requirement_text(e))),
        );
        let affinity = spec
            .and_then(|sp| sp.affinity.as_ref())
            .and_then(|a| a.node_affinity.as_ref())
            .is_some_and(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .is_some()
            });
        let mut message = format!(
            "{} {} match the pod's node selector/affinity",
            report.nodes_text(cause),
            if cause.count == Some(1) {
                "does not"
            } else {
                "do not"
            }
        );
        let help;
        let mut f = Finding::new(&RULE, s.object_ref());
        match closest {
            Some((node, misses)) => {
                let wants: Vec<String> = misses.iter().map(|m| format!("`{}`", m.want)).collect();
                let has: Vec<String> = misses.iter().map(node_has).collect();
                message.push_str(&format!(
                    ": it requires {} and the closest node, {}, has {}",
                    wants.join(", "),
                    node.name(),
                    has.join(", ")
                ));
                let field = if misses.iter().all(Miss::in_node_selector) {
                    "spec.nodeSelector"
                } else {
                    "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                };
                let label: Vec<String> = misses
                    .iter()
                    .filter_map(|m| m.want.split_once('=').map(|(k, v)| format!("{k}={v}")))
                    .collect();
                // Well-known labels (`kubernetes.io/arch`, instance types) come from the nodes
                // themselves: other nodes are needed, not new labels.
                let well_known = misses.iter().any(|m| m.key.contains("kubernetes.io/"));
                let relabel = if well_known {
                    ", or add nodes that carry it".to_string()
                } else if label.len() == misses.len() {
                    format!(
                        ", or label the node that should run it: `kubectl label node {} {}`",
                        node.name(),
                        label.join(" ")
                    )
                } else {
                    String::new()
                };
                help = format!(
                    "change `{field}` ({}) to labels the nodes carry ({} has {}){relabel}",
                    wants.join(", "),
                    node.name(),
                    has.join(", ")
                );
                f = f.cause(wants.join(","));
                for m in misses {
                    f = f.evidence(Evidence::field(
                        s.entry,
                        &m.path(s.entry),
                        format!("requires {}", m.want),
                    ));
                    f = f.evidence(match &m.has {
                        Some(v) => Evidence::field(
                            node.entry,
                            &key_path(node.entry, "metadata.labels", &m.key),
                            format!("{} has {}={v}", node.name(), m.key),
                        ),
                        None => Evidence::object(
                            node.entry,
                            format!("{} has no label {}", node.name(), m.key),
                        ),
                    });
                }
            }
            None => {
                if !selector.is_empty() {
                    message.push_str(&format!(": it requires {}", selector.join(", ")));
                }
                help = "compare `spec.nodeSelector` and `spec.affinity.nodeAffinity` of the pod \
                        with the node labels (`kubectl get nodes --show-labels`), then fix the \
                        selector or label the nodes that should run it (`kubectl label node \
                        <node> key=value`)"
                    .to_string();
                f = f.cause(selector.join(","));
                if let Some(sel) = spec.and_then(|sp| sp.node_selector.as_ref()) {
                    for k in sel.keys() {
                        f = f.evidence(Evidence::field(
                            s.entry,
                            &key_path(s.entry, "spec.nodeSelector", k),
                            "node selector",
                        ));
                    }
                }
                if affinity {
                    f = f.evidence(Evidence::field(
                        s.entry,
                        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",
                        "required node affinity",
                    ));
                }
            }
        }
        message.push_str(&report.suffix());
        out.push(
            f.message(message)
                .help(help)
                .evidence_all(s.message_evidence(cluster)),
        );
    }
}

/// `` `disktype=hdd` `` or `no `disktype` label`.
fn node_has(m: &Miss) -> String {
    match &m.has {
        Some(v) => format!("`{}={v}`", m.key),
        None => format!("no `{}` label", m.key),
    }
}
