//! KT-CREATE-004 sandbox-create-failed

use super::common;
use crate::declare_rule;
use crate::model::{Cluster, EventRecord, ObjectRef};
use crate::rules::util::{self, contains_ci};
use crate::rules::{Evidence, Finding, Findings};

/// Events that show the sandbox exists: the kubelet pulls and starts containers only in one.
const SANDBOX_SUCCESS: &[&str] = &["Pulling", "Pulled", "Created", "Started"];

declare_rule! {
    /// ## What it does
    /// Finds pods stuck in `ContainerCreating` because the node cannot create their sandbox
    /// (CNI or container runtime errors).
    ///
    /// The sandbox is the pause container and its network namespace. The rule needs a
    /// `FailedCreatePodSandBox` event that no later `Pulling`, `Created` or `Started` event clears. The message says which
    /// part failed: the CNI plugin (`plugin type="calico" failed (add)`, `NetworkPlugin cni
    /// failed to set up pod network`) or the container runtime.
    ///
    /// ## Why is this bad?
    /// No container of the pod can start, and the cause is on the node, not in the pod spec:
    /// usually every new pod on that node fails the same way.
    ///
    /// ## Example
    /// ```text
    /// Warning  FailedCreatePodSandBox  1s (x9 over 2m)  kubelet  Failed to create pod sandbox:
    ///   rpc error: code = Unknown desc = failed to setup network for sandbox "9f3c...": plugin
    ///   type="calico" failed (add): error getting ClusterInformation: connection is unauthorized
    /// ```
    ///
    /// ## How to fix
    /// Fix the node: for CNI errors check the CNI pods on that node (`kubectl -n kube-system get
    /// pods -o wide --field-selector spec.nodeName=<node>`) and their logs, the CNI config in
    /// `/etc/cni/net.d`, and free pod IPs; for runtime errors check the container runtime
    /// (`containerd`, `cri-o`) on the node. Deleting the pod lets it land on a healthy node.
    pub(crate) static RULE = {
        code: "KT-CREATE-004",
        name: "sandbox-create-failed",
        severity: Error,
        check: check,
    };
}

fn is_sandbox_failure(e: &EventRecord) -> bool {
    util::reason_is(e, &["FailedCreatePodSandBox"])
        || e.message.as_deref().is_some_and(|m| {
            contains_ci(m, "Failed to create pod sandbox")
                || contains_ci(m, "failed to create pod sandbox")
        })
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (entry, pod, pod_ref, events) in common::pods_down(cluster) {
        let failures = common::current_failures(&events, is_sandbox_failure, SANDBOX_SUCCESS);
        let Some(e) = failures.last() else {
            continue;
        };
        let msg = e.message.as_deref().unwrap_or("").trim();
        let detail = detail(msg);
        let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        let on_node = node.map(|n| format!(" on node {n}")).unwrap_or_default();
        let cni = cni_plugin(msg);
        let (part, help) = match (&cni, contains_ci(msg, "network")) {
            (Some(p), _) => (
                format!("the CNI plugin {p}"),
                format!(
                    "fix the {p} CNI{on_node}: check its pods there (`kubectl -n kube-system get \
                     pods -o wide --field-selector spec.nodeName={}`) and their logs, the CNI config \
                     and the free pod IPs; the pod spec is not at fault",
                    node.unwrap_or("<node>")
                ),
            ),
            (None, true) => (
                "the pod network (CNI)".to_string(),
                format!(
                    "fix the CNI{on_node}: check the network plugin's pods there and their logs, \
                     and the CNI config in `/etc/cni/net.d`; the pod spec is not at fault"
                ),
            ),
            (None, false) => (
                "the container runtime".to_string(),
                format!(
                    "check the container runtime{on_node} (containerd or cri-o logs, disk, the \
                     `runtimeClassName` of the pod if it sets one)"
                ),
            ),
        };
        let message = format!(
            "pod cannot start: the node could not create its sandbox, {part} failed{on_node}: {} ({})",
            util::shorten(&detail, 220),
            common::age_text(cluster, e)
        );
        let mut f = Finding::new(&RULE, pod_ref)
            .message(message)
            .help(help)
            .cause(cni.unwrap_or_default())
            .evidence(Evidence::event(
                cluster,
                e,
                format!("FailedCreatePodSandBox{}", util::times(e)),
            ))
            .evidence_opt(common::first_waiting(entry, pod));
        if let Some(n) = node {
            f = f.related(ObjectRef::new("Node", None, n));
        }
        out.push(f);
    }
}

/// The part of the message that says what failed: the CNI plugin's error when there is one,
/// else the runtime's error without its wrappers.
fn detail(m: &str) -> String {
    let mut t = m.trim();
    for p in [
        "(combined from similar events): ",
        "Failed to create pod sandbox: ",
        "rpc error: ",
    ] {
        if let Some(r) = t.strip_prefix(p) {
            t = r;
        }
    }
    if let Some(r) = t.strip_prefix("code = ") {
        if let Some((_, after)) = r.split_once(" desc = ") {
            t = after;
        }
    }
    if let Some(i) = t.find("plugin type=\"") {
        return t.get(i..).unwrap_or(t).trim().to_string();
    }
    if let Some((_, after)) = t.split_once("\" network: ") {
        return after.trim().to_string();
    }
    t.trim().to_string()
}

/// `plugin type="calico" failed (add)` → `calico`; `NetworkPlugin cni failed` → `cni`.
fn cni_plugin(m: &str) -> Option<String> {
    if let Some((_, r)) = m.split_once("plugin type=\"") {
        return r.split_once('"').map(|(p, _)| p.to_string());
    }
    for p in [
        "calico",
        "cilium",
        "flannel",
        "weave",
        "aws-cni",
        "azure-vnet",
        "multus",
        "ovn",
    ] {
        if contains_ci(m, p) {
            return Some(p.to_string());
        }
    }
    None
}
