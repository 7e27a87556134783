//! Helpers of the node and pod-lifecycle rules: node conditions, ages relative to the
//! snapshot time, and the node a pod runs on.

use crate::model::{Cluster, Entry, EventRecord, ObjectRef};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod};

/// A node condition by type, with its path (`status.conditions[3]`).
pub(crate) fn node_condition<'a>(
    node: &'a Node,
    type_: &str,
) -> Option<(&'a NodeCondition, String)> {
    let conds = node.status.as_ref()?.conditions.as_ref()?;
    let i = conds.iter().position(|c| c.type_ == type_)?;
    Some((conds.get(i)?, format!("status.conditions[{i}]")))
}

/// The node's `Ready` status (`True`, `False`, `Unknown`), when the snapshot shows it.
pub(crate) fn ready_status(node: &Node) -> Option<&str> {
    node_condition(node, "Ready").map(|(c, _)| c.status.as_str())
}

/// The taints the node controller puts on a node that is not ready (key, effect, path).
pub(crate) fn not_ready_taints(node: &Node) -> Vec<(&str, &str, String)> {
    node.spec
        .iter()
        .flat_map(|s| s.taints.iter().flatten())
        .enumerate()
        .filter(|(_, t)| {
            matches!(
                t.key.as_str(),
                "node.kubernetes.io/unreachable" | "node.kubernetes.io/not-ready"
            )
        })
        .map(|(i, t)| {
            (
                t.key.as_str(),
                t.effect.as_str(),
                format!("spec.taints[{i}]"),
            )
        })
        .collect()
}

/// Taints as kubectl prints them, one key with its effects: `node.kubernetes.io/unreachable:NoSchedule,NoExecute`.
pub(crate) fn taints_text(taints: &[(&str, &str, String)]) -> String {
    let mut keys: Vec<(&str, Vec<&str>)> = Vec::new();
    for (k, e, _) in taints {
        match keys.iter_mut().find(|(x, _)| x == k) {
            Some((_, es)) => es.push(e),
            None => keys.push((k, vec![e])),
        }
    }
    keys.iter()
        .map(|(k, es)| format!("{k}:{}", es.join(",")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Events about a node, oldest first (the model files the kubelet's events, written in the
/// `default` namespace, under the cluster-scoped node).
pub(crate) fn node_events<'a>(cluster: &'a Cluster, name: &str) -> Vec<&'a EventRecord> {
    cluster.events_for(&node_ref(name))
}

/// The node is not ready now: its `Ready` condition is `False` or `Unknown`, or (when the
/// snapshot has no Ready condition) it carries an `unreachable` / `not-ready` taint.
pub(crate) fn node_not_ready(node: &Node) -> bool {
    match ready_status(node) {
        Some(s) => s != "True",
        None => !not_ready_taints(node).is_empty(),
    }
}

/// A short description of why a node is not ready: `Ready=Unknown, NodeStatusUnknown:
/// Kubelet stopped posting node status.`
pub(crate) fn not_ready_summary(node: &Node) -> String {
    match node_condition(node, "Ready") {
        Some((c, _)) => {
            let mut s = format!("Ready={}", c.status);
            if let Some(r) = c.reason.as_deref().filter(|r| !r.is_empty()) {
                s.push_str(&format!(", {r}"));
            }
            if let Some(m) = c.message.as_deref().filter(|m| !m.is_empty()) {
                s.push_str(&format!(": {m}"));
            }
            s
        }
        None => format!("tainted {}", taints_text(&not_ready_taints(node))),
    }
}

/// The node a pod is bound to, with its entry, when the snapshot has it.
pub(crate) fn node_entry_of<'a>(cluster: &'a Cluster, pod: &Pod) -> Option<(&'a Entry, &'a Node)> {
    let name = pod.spec.as_ref()?.node_name.as_deref()?;
    let e = cluster.get("Node", None, name)?;
    crate::rules::util::typed::<Node>(e).map(|n| (e, n))
}

/// The reference of a node by name (no uid: node events carry the node name as uid).
pub(crate) fn node_ref(name: &str) -> ObjectRef {
    ObjectRef::new("Node", None, name)
}

/// Seconds from `t` to the snapshot time (negative when `t` is later), when both are known.
pub(crate) fn seconds_before_capture(cluster: &Cluster, t: Timestamp) -> Option<i64> {
    let now = cluster.captured_at?;
    Some(now.as_second() - t.as_second())
}

/// A duration the way kubectl prints ages: `45s`, `3m20s`, `42m`, `5h12m`, `20h`, `3d4h`, `12d`.
pub(crate) fn human_age(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        match s % 60 {
            0 => format!("{m}m"),
            r => format!("{m}m{r}s"),
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        match m % 60 {
            0 => format!("{h}h"),
            r => format!("{h}h{r}m"),
        }
    } else if h < 48 {
        format!("{h}h")
    } else if d < 8 {
        match h % 24 {
            0 => format!("{d}d"),
            r => format!("{d}d{r}h"),
        }
    } else {
        format!("{d}d")
    }
}

#[cfg(test)]
mod tests {
    use super::human_age;

    #[test]
    fn ages_as_kubectl_prints_them() {
        assert_eq!(human_age(30), "30s");
        assert_eq!(human_age(200), "3m20s");
        assert_eq!(human_age(42 * 60), "42m");
        assert_eq!(human_age(5 * 3600 + 12 * 60), "5h12m");
        assert_eq!(human_age(20 * 3600), "20h");
        assert_eq!(human_age(3 * 86400 + 4 * 3600), "3d4h");
        assert_eq!(human_age(12 * 86400), "12d");
    }
}
