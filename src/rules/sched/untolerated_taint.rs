//! KT-SCHED-003 untolerated-taint

use super::common::{self, Kind, Nodes};
use crate::declare_rule;
use crate::model::{Cluster, ObjectRef};
use crate::rules::{Evidence, Finding, Findings, Severity};

declare_rule! {
    /// ## What it does
    /// Finds Pending pods kept off nodes by a taint they do not tolerate: the scheduler
    /// reports `had untolerated taint {key: value}` (older: `had taint {key: value}, that the
    /// pod didn't tolerate`), or every candidate node carries a `NoSchedule`/`NoExecute` taint
    /// that no toleration of the pod matches.
    ///
    /// ## Why is this bad?
    /// The pod stays Pending. Taints reserve nodes (GPU pools, control plane, dedicated
    /// tenants); a pod that should run there lacks the toleration, or one that should not has
    /// nowhere else to go.
    ///
    /// The cordon taint `node.kubernetes.io/unschedulable` is KT-SCHED-005 and the
    /// `not-ready`/`unreachable` taints are KT-SCHED-002, not this rule. A `FailedScheduling`
    /// followed by `Scheduled` is history (`info`).
    ///
    /// ## Example
    /// ```text
    /// Tolerations:  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
    /// Events:
    ///   Warning  FailedScheduling  1m  default-scheduler  0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}.
    /// ```
    ///
    /// ## How to fix
    /// Add a matching toleration to the pod's `spec.tolerations` (key, value, effect) when it
    /// belongs on those nodes, or remove the taint (`kubectl taint nodes <node> key:Effect-`)
    /// when it was not meant for this workload.
    pub(crate) static RULE = {
        code: "KT-SCHED-003",
        name: "untolerated-taint",
        severity: Error,
        check: check,
    };
}

/// Taints the kubelet sets from a node condition: the node is unwell, not reserved.
const CONDITION_TAINTS: [&str; 4] = [
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/network-unavailable",
];

fn check(cluster: &Cluster, out: &mut Findings) {
    let nodes = Nodes::new(cluster);
    let mine = |k: &Kind| matches!(k, Kind::Taint { .. });
    for (s, fits, report) in common::unplaced(&RULE, cluster, &nodes, mine, true, out) {
        let tols = s.tolerations();
        for cause in report.of(mine) {
            let Kind::Taint { key, value } = &cause.kind else {
                continue;
            };
            // Nodes carrying that taint, untolerated (any taint for the legacy keyless form).
            let mut tainted = Vec::new();
            for f in &fits {
                let taints = f
                    .node
                    .spec
                    .as_ref()
                    .and_then(|sp| sp.taints.as_deref())
                    .unwrap_or(&[]);
                for (i, t) in taints.iter().enumerate() {
                    let v = t.value.as_deref().unwrap_or("");
                    let system = t.key == common::UNSCHEDULABLE_TAINT
                        || t.key == "node.kubernetes.io/not-ready"
                        || t.key == "node.kubernetes.io/unreachable";
                    if (t.key == *key || key.is_empty() && !system)
                        && matches!(t.effect.as_str(), "NoSchedule" | "NoExecute")
                        && !common::tolerates(tols, &t.key, v, &t.effect)
                    {
                        tainted.push((f.entry, f.name().to_string(), i, t));
                        break;
                    }
                }
            }
            let shown = match tainted.first() {
                Some((_, _, _, t)) if key.is_empty() || t.key == *key => common::taint_text(t),
                _ if value.is_empty() => key.clone(),
                _ => format!("{key}={value}"),
            };
            let shown = if shown.is_empty() {
                "a taint".to_string()
            } else {
                format!("taint `{shown}`")
            };
            let mut message = format!(
                "{} {} {shown} that the pod does not tolerate",
                report.nodes_text(cause),
                if cause.count == Some(1) {
                    "has"
                } else {
                    "have"
                }
            );
            if !tainted.is_empty() {
                let list: Vec<String> = tainted.iter().map(|t| t.1.clone()).collect();
                message.push_str(&format!(" ({})", common::names(&list, 3)));
            }
            // A toleration for the same key that does not match says what is off.
            if let Some(t) = tols
                .iter()
                .find(|t| !key.is_empty() && t.key.as_deref() == Some(key.as_str()))
            {
                message.push_str(&format!(
                    "; its toleration for `{key}` has operator {}, value `{}`, effect {}",
                    t.operator.as_deref().unwrap_or("Equal"),
                    t.value.as_deref().unwrap_or(""),
                    t.effect.as_deref().unwrap_or("(any)")
                ));
            }
            message.push_str(&report.suffix());
            let effect = tainted
                .first()
                .map(|t| t.3.effect.clone())
                .unwrap_or_default();
            let toleration = match (value.is_empty(), effect.is_empty()) {
                (true, true) => format!("{{key: {key}, operator: Exists}}"),
                (true, false) => format!("{{key: {key}, operator: Exists, effect: {effect}}}"),
                (false, true) => format!("{{key: {key}, operator: Equal, value: {value}}}"),
                (false, false) => {
                    format!("{{key: {key}, operator: Equal, value: {value}, effect: {effect}}}")
                }
            };
            let first_node = tainted.first().map_or("<node>", |t| t.1.as_str());
            let untaint = format!(
                "kubectl taint nodes {first_node} {key}{}-",
                if effect.is_empty() {
                    String::new()
                } else {
                    format!(":{effect}")
                }
            );
            let others = report.causes.iter().any(|c| c.kind != cause.kind);
            let control_plane = key == "node-role.kubernetes.io/control-plane"
                || key == "node-role.kubernetes.io/master";
            let condition = CONDITION_TAINTS.contains(&key.as_str());
            let help = if key.is_empty() {
                "compare the node taints (`kubectl describe nodes | grep Taints`) with the pod's \
                 `spec.tolerations` and add the missing toleration, or remove the taint"
                    .to_string()
            } else if condition {
                format!(
                    "the node sets `{key}` itself while the condition lasts: fix the node \
                     (free memory, disk or PIDs; check its network plugin) rather than \
                     tolerating it"
                )
            } else if control_plane && others {
                format!(
                    "control-plane nodes keep workloads off by design; the other causes are \
                     what blocks the pod. Only on a single-node cluster remove the taint \
                     (`{untaint}`) or add `{toleration}` to `spec.tolerations`"
                )
            } else {
                format!(
                    "add `{toleration}` to `spec.tolerations` if the pod belongs on those \
                     nodes, or remove the taint if it was not meant for it: `{untaint}`"
                )
            };
            let mut f = Finding::new(&RULE, s.object_ref())
                .message(message)
                .help(help)
                .cause(key.clone())
                .evidence_all(s.message_evidence(cluster));
            if control_plane && others {
                f = f.severity(Severity::Warning);
            }
            if !tols.is_empty() && common::locatable(s.entry, "spec.tolerations") {
                f = f.evidence(Evidence::field(
                    s.entry,
                    "spec.tolerations",
                    "tolerations: none matches",
                ));
            }
            for (e, name, i, t) in tainted.iter().take(3) {
                f = f.evidence(Evidence::field(
                    e,
                    &common::taint_path(e, *i),
                    format!("{name} taint {}", common::taint_text(t)),
                ));
            }
            if condition {
                for (_, name, _, _) in &tainted {
                    f = f.related(ObjectRef::new("Node", None, name));
                }
            }
            out.push(f);
        }
    }
}
