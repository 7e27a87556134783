//! KT-POD-002 stuck-terminating

use super::common::is_deleted;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::node::common::{
    human_age, node_condition, node_entry_of, node_not_ready, node_ref, not_ready_summary,
    seconds_before_capture,
};
use crate::rules::util::{self, message_has, reason_is};
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds pods that were deleted (`metadata.deletionTimestamp` set) more than their grace
    /// period plus five minutes before the snapshot and still exist: they are stuck
    /// `Terminating`, held by finalizers or by a node that cannot confirm the containers stopped.
    ///
    /// ## Why is this bad?
    /// The pod keeps its name, its volumes and (for a StatefulSet) its identity: the controller
    /// cannot create the replacement of a StatefulSet pod, a `ReadWriteOnce` volume stays
    /// attached, and the old pod may still be running on an unreachable node.
    ///
    /// When the snapshot does not say when the pod was deleted (`kubectl get` shows only
    /// `Terminating`, `kubectl describe` only `Terminating (lasts 2m)`), the first `Killing`
    /// event (`Stopping container ...`) dates it; a pod on a node that is not ready is reported
    /// either way. A pod terminating for less than its grace period is normal.
    ///
    /// ## Example
    /// ```text
    /// metadata:
    ///   deletionTimestamp: "2024-05-02T09:12:44Z"
    ///   deletionGracePeriodSeconds: 30
    ///   finalizers: ["example.com/protect"]
    /// ```
    ///
    /// ## How to fix
    /// Finalizers: the controller that owns each finalizer must remove it; if that controller is
    /// gone, remove the finalizer (`kubectl patch pod <pod> -p '{"metadata":{"finalizers":null}}'`).
    /// Node not ready: bring the node back, or when it is gone for good delete the Node; force
    /// deletion (`kubectl delete pod <pod> --grace-period=0 --force`) only when sure the
    /// containers no longer run. Otherwise check the kubelet and the container runtime on the
    /// node (volumes that fail to unmount, a runtime that does not stop the container).
    pub(crate) static RULE = {
        code: "KT-POD-002",
        name: "stuck-terminating",
        severity: Error,
        check: check,
    };
}

/// Time allowed beyond the grace period before a terminating pod counts as stuck.
const SLACK_SECS: i64 = 300;

fn check(cluster: &Cluster, out: &mut Findings) {
    // A pod being deleted shows trouble.
    for (entry, pod) in cluster.pods_of_note() {
        let meta = &pod.metadata;
        if !is_deleted(pod) {
            continue;
        }
        let (ns, name) = util::ns_name(pod);
        let grace = meta
            .deletion_grace_period_seconds
            .or_else(|| {
                pod.spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds)
            })
            .unwrap_or(30);
        // The first stop of a container on deletion dates it when the deletion time is unknown.
        let stop_event = cluster
            .events_of(entry)
            .into_iter()
            .find(|e| reason_is(e, &["Killing"]) && message_has(e, "Stopping container"));
        let age = match &meta.deletion_timestamp {
            Some(t) => seconds_before_capture(cluster, t.0),
            None => stop_event
                .and_then(|e| e.first.or(e.last))
                .and_then(|t| seconds_before_capture(cluster, t)),
        };
        let node = node_entry_of(cluster, pod).filter(|(_, n)| node_not_ready(n));
        let overdue = age.is_some_and(|a| a > grace + SLACK_SECS);
        if !overdue && node.is_none() {
            continue;
        }
        let finalizers: Vec<&str> = meta
            .finalizers
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let mut text = format!("pod {name} is stuck terminating");
        match age {
            Some(a) if a >= 0 && meta.deletion_timestamp.is_some() => text.push_str(&format!(
                ": deleted {} before the snapshot (grace period {grace}s)",
                human_age(a)
            )),
            Some(a) if a >= 0 => text.push_str(&format!(
                ": its containers were told to stop {} before the snapshot (grace period {grace}s)",
                human_age(a)
            )),
            _ => text.push_str(&format!(" (deletion time unknown, grace period {grace}s)")),
        }
        if !finalizers.is_empty() {
            text.push_str(&format!("; finalizers {}", finalizers.join(", ")));
        }
        let node_name = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        if let Some((_, n)) = &node {
            text.push_str(&format!(
                "; its node {} is not ready ({})",
                node_name.unwrap_or(""),
                not_ready_summary(n)
            ));
        }
        let help = if !finalizers.is_empty() {
            format!(
                "the controller owning finalizer {} must remove it from `metadata.finalizers`; if that controller is gone, remove it yourself: `kubectl patch pod {name} -n {ns} -p '{{\"metadata\":{{\"finalizers\":null}}}}'`",
                finalizers.join(", ")
            )
        } else if node.is_some() {
            let n = node_name.unwrap_or("");
            format!(
                "the kubelet on {n} cannot confirm the containers stopped: bring the node back, or if it is gone for good `kubectl delete node {n}`; force it (`kubectl delete pod {name} -n {ns} --grace-period=0 --force`) only when sure the containers no longer run"
            )
        } else {
            format!(
                "the kubelet on {} has not confirmed the stop: check its log and the container runtime there (`crictl ps`, volumes that fail to unmount); as a last resort `kubectl delete pod {name} -n {ns} --grace-period=0 --force`",
                node_name.unwrap_or("the node")
            )
        };
        let mut f = Finding::new(&RULE, entry.object_ref())
            .message(text)
            .help(help)
            .cause(if finalizers.is_empty() {
                String::new()
            } else {
                finalizers.join(",")
            });
        if meta.deletion_timestamp.is_some() {
            f = f.evidence(Evidence::field(
                entry,
                "metadata.deletionTimestamp",
                "deletion requested",
            ));
        } else {
            f = f.evidence(Evidence::object(entry, "shown as Terminating"));
        }
        if meta.deletion_grace_period_seconds.is_some() {
            f = f.evidence(Evidence::field(
                entry,
                "metadata.deletionGracePeriodSeconds",
                "grace period",
            ));
        }
        if !finalizers.is_empty() {
            f = f.evidence(Evidence::field(
                entry,
                "metadata.finalizers[0]",
                "finalizers holding the pod",
            ));
        }
        if let Some(e) = stop_event {
            f = f.evidence(Evidence::event(cluster, e, "containers asked to stop"));
        }
        if let Some((ne, n)) = &node {
            if let Some((_, path)) = node_condition(n, "Ready") {
                f = f.evidence(Evidence::field(
                    ne,
                    &format!("{path}.status"),
                    "the node is not ready",
                ));
            }
            f = f.related(node_ref(node_name.unwrap_or("")));
        }
        out.push(f);
    }
}
