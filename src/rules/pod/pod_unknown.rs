//! KT-POD-003 pod-unknown

use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::node::common::{
    node_condition, node_entry_of, node_not_ready, node_ref, not_ready_summary,
};
use crate::rules::util;
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds pods whose phase is `Unknown`: the API server lost contact with the kubelet of the
    /// pod's node, so nobody knows whether its containers still run.
    ///
    /// ## Why is this bad?
    /// The pod is not served (its endpoints are removed) but may still be running on the lost
    /// node, holding its volumes. Its controller waits for the node to come back or for the
    /// pod to be deleted before it is replaced (StatefulSet pods are never replaced on their own).
    ///
    /// Only a phase written as `Unknown` counts: a pod read from text with no status at all is
    /// not reported.
    ///
    /// ## Example
    /// ```text
    /// NAME                    READY   STATUS    RESTARTS   AGE
    /// web-0                   1/1     Unknown   0          3d
    /// ```
    ///
    /// ## How to fix
    /// Restore the node (machine, network, kubelet), or when it is gone for good delete the
    /// Node (`kubectl delete node <node>`): the pods on it are then removed and their
    /// controllers replace them.
    pub(crate) static RULE = {
        code: "KT-POD-003",
        name: "pod-unknown",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    // A pod in phase Unknown shows trouble.
    for (entry, pod) in cluster.pods_of_note() {
        let Some(status) = pod.status.as_ref() else {
            continue;
        };
        if status.phase.as_deref() != Some("Unknown") {
            continue;
        }
        let (_, name) = util::ns_name(pod);
        let node_name = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        let node = node_entry_of(cluster, pod);
        let mut text = format!("pod {name} is in phase Unknown");
        if let Some(r) = status.reason.as_deref().filter(|r| !r.is_empty()) {
            text.push_str(&format!(" ({r})"));
        }
        if let Some(m) = status.message.as_deref().filter(|m| !m.is_empty()) {
            text.push_str(&format!(": {m}"));
        }
        match (node_name, &node) {
            (Some(n), Some((_, nd))) if node_not_ready(nd) => {
                text.push_str(&format!(
                    "; its node {n} is not ready ({})",
                    not_ready_summary(nd)
                ));
            }
            (Some(n), Some(_)) => text.push_str(&format!("; its node {n} is Ready now")),
            (Some(n), None) => text.push_str(&format!("; its node {n} is not in the snapshot")),
            (None, _) => {}
        }
        let n = node_name.unwrap_or("the node");
        let mut f = Finding::new(&RULE, entry.object_ref())
            .message(text)
            .help(format!(
                "the kubelet on {n} stopped reporting this pod: restore the node (machine, network, kubelet), or if it is gone for good `kubectl delete node {n}` so the pod's controller replaces it"
            ))
            .cause(node_name.unwrap_or_default())
            .evidence(Evidence::field(entry, "status.phase", "phase Unknown"));
        if status.reason.is_some() {
            f = f.evidence(Evidence::field(entry, "status.reason", "reason"));
        }
        if let Some(n) = node_name {
            f = f.related(node_ref(n));
        }
        if let Some((ne, nd)) = &node {
            if let Some((_, path)) = node_condition(nd, "Ready").filter(|_| node_not_ready(nd)) {
                f = f.evidence(Evidence::field(
                    ne,
                    &format!("{path}.status"),
                    "the node is not ready",
                ));
            }
        }
        out.push(f);
    }
}
