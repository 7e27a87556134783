//! KT-POD-004 long-running-pod-exited

use super::common::{controller_ref, is_deleted, is_evicted};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::util::{self, contains_ci};
use crate::rules::{Evidence, Finding, Findings, Severity};

declare_rule! {
    /// ## What it does
    /// Finds pods of long-running workloads (ReplicaSet, Deployment, StatefulSet, DaemonSet,
    /// ReplicationController) whose phase is `Succeeded` or `Failed`: the pod as a whole
    /// stopped, which these controllers never intend.
    ///
    /// ## Why is this bad?
    /// These controllers run their pods with `restartPolicy: Always`, so a container that exits
    /// is restarted in place; a pod that ends is one the kubelet rejected or stopped (node
    /// affinity no longer matching, not enough resources at admission, a node shutdown, an
    /// `activeDeadlineSeconds`). The workload is short of that replica until the controller's
    /// replacement runs, and the ended pod stays behind.
    ///
    /// Evicted pods are KT-POD-001, pods being deleted KT-POD-002. Pods of Jobs and CronJobs end by design and are never
    /// reported. A pod stopped by a node shutdown is a `warning`: it is a leftover, its
    /// replacement was made when the node went down.
    ///
    /// ## Example
    /// ```text
    /// Status:         Failed
    /// Reason:         NodeAffinity
    /// Message:        Pod Predicate NodeAffinity failed
    /// Controlled By:  ReplicaSet/web-7d4b9c8f6
    /// ```
    ///
    /// ## How to fix
    /// Follow the reason: make `nodeSelector`/`affinity` match the node's labels (or stop
    /// binding pods with `spec.nodeName`), lower `resources.requests` when admission ran out of
    /// a resource, remove `activeDeadlineSeconds` from a long-running pod template. Then delete
    /// the ended pods (`kubectl delete pods --field-selector=status.phase=Failed -n <ns>`).
    pub(crate) static RULE = {
        code: "KT-POD-004",
        name: "long-running-pod-exited",
        severity: Error,
        check: check,
    };
}

const LONG_RUNNING: [&str; 5] = [
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicationController",
];

fn check(cluster: &Cluster, out: &mut Findings) {
    // A pod ended shows trouble.
    for (entry, pod) in cluster.pods_of_note() {
        let Some(status) = pod.status.as_ref() else {
            continue;
        };
        let phase = status.phase.as_deref().unwrap_or("");
        if !matches!(phase, "Succeeded" | "Failed") || is_evicted(pod) || is_deleted(pod) {
            continue;
        }
        let Some(owner) = controller_ref(pod).filter(|o| LONG_RUNNING.contains(&o.kind.as_str()))
        else {
            continue;
        };
        let (ns, name) = util::ns_name(pod);
        let workload = util::workload_of(cluster, entry)
            .map(|w| w.object_ref())
            .filter(|w| w.kind != owner.kind || w.name != owner.name);
        let mut text = format!("pod {name} of {} {}", owner.kind, owner.name);
        if let Some(w) = &workload {
            text.push_str(&format!(" ({} {})", w.kind, w.name));
        }
        text.push_str(&format!(" has ended in phase {phase}"));
        let reason = status.reason.as_deref().filter(|r| !r.is_empty());
        let message = status
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        match (reason, message) {
            (Some(r), Some(m)) => text.push_str(&format!(" ({r}: {m})")),
            (Some(r), None) => text.push_str(&format!(" ({r})")),
            (None, Some(m)) => text.push_str(&format!(" ({m})")),
            (None, None) => {}
        }
        // The container whose end tells the most: a non-zero exit first.
        let views = util::containers(pod);
        let ended = views
            .iter()
            .filter(|c| !c.init)
            .filter_map(|c| c.last_termination().map(|(t, p)| (c, t, p)))
            .max_by_key(|(_, t, _)| t.exit_code != 0);
        if let Some((c, t, _)) = &ended {
            text.push_str(&format!(
                "; container {} terminated with exit code {}",
                c.name, t.exit_code
            ));
            if let Some(r) = t.reason.as_deref() {
                text.push_str(&format!(" ({r})"));
            }
        }
        let shutdown = reason
            .is_some_and(|r| matches!(r, "Terminated" | "Shutdown" | "NodeShutdown"))
            || message.is_some_and(|m| contains_ci(m, "node shutdown"));
        let mut f = Finding::new(&RULE, entry.object_ref())
            .message(text)
            .help(help(reason, shutdown, ns, &owner.kind))
            .cause(reason.unwrap_or(phase))
            .evidence(Evidence::field(
                entry,
                "status.phase",
                format!("phase {phase}"),
            ));
        if reason.is_some() {
            f = f.evidence(Evidence::field(entry, "status.reason", "why the pod ended"));
        }
        if message.is_some() {
            f = f.evidence(Evidence::field(
                entry,
                "status.message",
                "the kubelet's message",
            ));
        }
        if let Some((c, t, path)) = &ended {
            f = f.container(c.name);
            f = f.evidence(Evidence::field(
                entry,
                &format!("{path}.exitCode"),
                "the container's exit code",
            ));
            if t.reason.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{path}.reason"),
                    "how the container ended",
                ));
            }
        }
        if shutdown {
            f = f.severity(Severity::Warning);
        }
        out.push(f);
    }
}

fn help(reason: Option<&str>, shutdown: bool, ns: &str, owner: &str) -> String {
    let cleanup = format!(
        "; then delete the ended pods (`kubectl delete pods --field-selector=status.phase=Failed -n {ns}`)"
    );
    let body = match reason {
        _ if shutdown => format!(
            "the node shut down and stopped the pod; the {owner} made a replacement: check that it runs"
        ),
        Some("NodeAffinity") | Some("NodeSelector") | Some("MatchNodeSelector") => {
            "the kubelet rejected the pod because the node's labels no longer match: fix `nodeSelector`/`affinity` of the pod template or the node's labels, and do not bind pods with `spec.nodeName`".to_string()
        }
        Some(r) if r.starts_with("OutOf") => format!(
            "the kubelet rejected the pod at admission ({r}): lower `resources.requests` of the pod template or free the node; pods bound with `spec.nodeName` skip the scheduler's check"
        ),
        Some("DeadlineExceeded") => {
            "the pod hit `activeDeadlineSeconds`: remove it from the pod template of a long-running workload".to_string()
        }
        Some("UnexpectedAdmissionError") => {
            "the kubelet failed to admit the pod (device plugin or resource manager error): read the kubelet log on the node".to_string()
        }
        _ => format!(
            "a {owner} pod must keep running (`restartPolicy: Always`): read the pod's events and the kubelet log on its node for why it ended"
        ),
    };
    body + &cleanup
}
