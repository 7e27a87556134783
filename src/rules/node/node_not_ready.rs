//! KT-NODE-001 node-not-ready

use super::common::{
    human_age, node_condition, node_events, not_ready_taints, ready_status, seconds_before_capture,
    taints_text,
};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::util::{contains_ci, reason_is};
use crate::rules::{Evidence, Finding, Findings, Severity};
use k8s_openapi::api::core::v1::Node;

declare_rule! {
    /// ## What it does
    /// Finds nodes whose `Ready` condition is `False` or `Unknown` now, with the kubelet's reason
    /// (`Kubelet stopped posting node status.`, `PLEG is not healthy`, `container runtime network
    /// not ready`) and how long the node has been in that state.
    ///
    /// ## Why is this bad?
    /// Nothing new is scheduled on the node, and the node controller taints it
    /// (`node.kubernetes.io/unreachable` or `not-ready`, `NoExecute`): after the pods' toleration
    /// (300 s by default) they are evicted, and until then they may be unreachable. Pods of
    /// StatefulSets stay `Terminating` on an unreachable node until it comes back or is removed.
    ///
    /// A node that is `Ready` now after an earlier `NodeNotReady` event is reported as `info`
    /// only: it recovered.
    ///
    /// ## Example
    /// ```text
    /// Conditions:
    ///   Type    Status   LastHeartbeatTime   LastTransitionTime   Reason             Message
    ///   Ready   Unknown  ...                 ...                  NodeStatusUnknown  Kubelet stopped posting node status.
    /// Taints:   node.kubernetes.io/unreachable:NoExecute
    /// ```
    ///
    /// ## How to fix
    /// Depends on the reason. `Kubelet stopped posting node status`: the machine is down or
    /// unreachable, or the kubelet died; check the machine, then `systemctl status kubelet` and
    /// `journalctl -u kubelet` on it; a node that is gone for good is removed with
    /// `kubectl delete node <node>`. `PLEG is not healthy` or `container runtime is down`: the
    /// container runtime (containerd, CRI-O, Docker) is stuck; restart it and the kubelet.
    /// `network not ready` / `cni plugin not initialized`: no CNI network add-on runs on the node;
    /// install it (Calico, Flannel, Cilium...) or fix its DaemonSet pod there.
    pub(crate) static RULE = {
        code: "KT-NODE-001",
        name: "node-not-ready",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (entry, node) in cluster.all::<Node>() {
        let name = entry.object.metadata().name.as_deref().unwrap_or("");
        let taints = not_ready_taints(node);
        let ready = node_condition(node, "Ready");
        let not_ready_event = node_events(cluster, name)
            .into_iter()
            .rfind(|e| reason_is(e, &["NodeNotReady"]));
        if ready_status(node) == Some("True") {
            // Ready now: an earlier NotReady is history.
            let (Some(ev), Some((cond, path))) = (not_ready_event, &ready) else {
                continue;
            };
            let since = cond
                .last_transition_time
                .as_ref()
                .and_then(|t| seconds_before_capture(cluster, t.0))
                .map(|s| format!(" (for {})", human_age(s)))
                .unwrap_or_default();
            let ago = ev
                .last
                .and_then(|t| seconds_before_capture(cluster, t))
                .map(|s| format!(" {} before the snapshot", human_age(s)))
                .unwrap_or_default();
            out.push(
                Finding::new(&RULE, entry.object_ref())
                    .severity(Severity::Info)
                    .message(format!(
                        "node {name} is Ready now{since}; it was NotReady earlier (NodeNotReady event{ago})"
                    ))
                    .help(format!(
                        "nothing to do if it stays Ready; if it flaps, read the kubelet log on {name} (`journalctl -u kubelet`) around the time of the event"
                    ))
                    .evidence(Evidence::field(entry, &format!("{path}.status"), "Ready now"))
                    .evidence(Evidence::event(cluster, ev, "earlier NotReady")),
            );
            continue;
        }
        if ready.is_none() && taints.is_empty() {
            continue;
        }
        let (status, reason, message) = match &ready {
            Some((c, _)) => (
                c.status.as_str(),
                c.reason.as_deref().unwrap_or(""),
                c.message.as_deref().unwrap_or(""),
            ),
            None => ("Unknown", "", ""),
        };
        let mut text = format!("node {name} is not ready (Ready={status}");
        match (reason.is_empty(), message.is_empty()) {
            (false, false) => text.push_str(&format!(", {reason}: {message})")),
            (false, true) => text.push_str(&format!(", {reason})")),
            (true, false) => text.push_str(&format!(": {message})")),
            (true, true) => text.push(')'),
        }
        let since = ready
            .as_ref()
            .and_then(|(c, _)| c.last_transition_time.as_ref())
            .and_then(|t| seconds_before_capture(cluster, t.0).map(|s| (t, s)))
            .filter(|(_, s)| *s >= 0);
        if let Some((t, s)) = since {
            text.push_str(&format!(
                " since {}, {} before the snapshot",
                t.0,
                human_age(s)
            ));
        }
        if !taints.is_empty() {
            text.push_str(&format!("; tainted {}", taints_text(&taints)));
        }
        let mut f = Finding::new(&RULE, entry.object_ref())
            .message(text)
            .help(help(name, reason, message, status))
            .cause(cause(reason, message, status));
        if let Some((c, path)) = &ready {
            f = f.evidence(Evidence::field(
                entry,
                &format!("{path}.status"),
                format!("Ready is {status}"),
            ));
            if c.reason.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{path}.reason"),
                    "the kubelet's reason",
                ));
            }
            if c.message.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{path}.message"),
                    "the kubelet's message",
                ));
            }
            if c.last_transition_time.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{path}.lastTransitionTime"),
                    "not ready since",
                ));
            }
        }
        for (key, _, path) in &taints {
            f = f.evidence(Evidence::field(
                entry,
                &format!("{path}.key"),
                format!("taint {key}"),
            ));
        }
        if let Some(ev) = not_ready_event {
            f = f.evidence(Evidence::event(cluster, ev, "NodeNotReady event"));
        }
        out.push(f);
    }
}

/// What the reason says is wrong, in one word, for grouping.
fn cause(reason: &str, message: &str, status: &str) -> &'static str {
    if contains_ci(message, "PLEG") {
        "pleg"
    } else if contains_ci(message, "network not ready")
        || contains_ci(message, "NetworkPluginNotReady")
        || contains_ci(message, "cni")
    {
        "cni"
    } else if contains_ci(message, "runtime is down") || contains_ci(message, "runtime not ready") {
        "runtime"
    } else if reason == "NodeStatusUnknown"
        || contains_ci(message, "stopped posting")
        || status == "Unknown"
    {
        "unreachable"
    } else {
        ""
    }
}

fn help(name: &str, reason: &str, message: &str, status: &str) -> String {
    match cause(reason, message, status) {
        "pleg" => format!(
            "the container runtime on {name} is not answering the kubelet (PLEG): check containerd/CRI-O/Docker there (`systemctl status containerd`, `crictl ps`), disk I/O and the number of containers, then restart the runtime and the kubelet"
        ),
        "cni" => format!(
            "no CNI network plugin is ready on {name}: install the cluster's network add-on (Calico, Flannel, Cilium...) or fix its DaemonSet pod on this node; the kubelet waits for a config in `/etc/cni/net.d`"
        ),
        "runtime" => format!(
            "the container runtime on {name} is down: `systemctl restart containerd` (or crio/docker) and read its log, then the kubelet's (`journalctl -u kubelet`)"
        ),
        "unreachable" => format!(
            "the kubelet on {name} stopped reporting: the machine is down, unreachable or the kubelet crashed; check the machine, `systemctl status kubelet` and `journalctl -u kubelet` on it; if the node is gone for good, `kubectl delete node {name}` so its pods are replaced elsewhere"
        ),
        _ => format!(
            "read why the kubelet on {name} reports not ready: `journalctl -u kubelet` on the node, and the container runtime's status"
        ),
    }
}
