//! Workloads: Deployments, StatefulSets and DaemonSets short of available replicas.

mod rollout_stuck;

use super::Rule;
use crate::ingest::SourceFormat;
use crate::model::{Cluster, Entry};
use crate::rules::pod::common::{controller_ref, is_evicted};
use crate::rules::util;
use k8s_openapi::api::core::v1::Pod;
use std::collections::HashMap;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&rollout_stuck::RULE];

/// Kind, namespace and name of a workload.
pub(crate) type WorkloadKey = (String, String, String);

/// The pods of note of every workload ([`Cluster::pods_of_note`]: every pod that is not
/// available, [`pod_unavailable`], is one), found by owner chain (Pod → ReplicaSet →
/// Deployment), built once. A pod whose ReplicaSet is not in the snapshot (describe text of a
/// Deployment and its pods only) goes to the Deployment named by the ReplicaSet's name
/// without its hash.
pub(crate) fn pods_by_workload(cluster: &Cluster) -> HashMap<WorkloadKey, Vec<(&Entry, &Pod)>> {
    let mut out: HashMap<WorkloadKey, Vec<(&Entry, &Pod)>> = HashMap::new();
    for (entry, pod) in cluster.pods_of_note() {
        let ns = pod.metadata.namespace.as_deref().unwrap_or("");
        let key = match util::workload_of(cluster, entry) {
            Some(w) => Some((
                w.object.kind().to_string(),
                ns.to_string(),
                w.object.metadata().name.clone().unwrap_or_default(),
            )),
            None => deployment_by_name(cluster, pod, ns),
        };
        if let Some(k) = key {
            out.entry(k).or_default().push((entry, pod));
        }
    }
    out
}

/// `web-7d4b9c8f6` (not in the snapshot) → Deployment `web`, when it exists and the pod's
/// `pod-template-hash` agrees.
fn deployment_by_name(cluster: &Cluster, pod: &Pod, ns: &str) -> Option<WorkloadKey> {
    let owner = controller_ref(pod).filter(|o| o.kind == "ReplicaSet")?;
    let (deploy, hash) = owner.name.rsplit_once('-')?;
    let labels = pod.metadata.labels.as_ref();
    if labels
        .and_then(|l| l.get("pod-template-hash"))
        .is_some_and(|h| h != hash)
    {
        return None;
    }
    cluster.get("Deployment", Some(ns), deploy)?;
    Some(("Deployment".into(), ns.into(), deploy.into()))
}

/// The pod does not count as an available replica now: pending, unknown, running but not
/// ready, or ended (evicted pods aside: they are leftovers already replaced).
pub(crate) fn pod_unavailable(pod: &Pod) -> bool {
    let Some(phase) = pod.status.as_ref().and_then(|s| s.phase.as_deref()) else {
        return false;
    };
    match phase {
        "Running" => !util::pod_ready(pod),
        "Succeeded" => false,
        "Failed" => !is_evicted(pod),
        _ => true,
    }
}

/// How a pod that is not available looks, in a word or two (`CrashLoopBackOff`,
/// `Pending: Unschedulable`, `not ready`).
pub(crate) fn pod_state(pod: &Pod) -> String {
    let views = util::containers(pod);
    if let Some(w) = views.iter().find_map(|c| c.waiting_reason()) {
        return w.to_string();
    }
    let phase = util::phase(pod);
    match phase {
        "Running" => "not ready".to_string(),
        "Pending" => match util::condition_at(pod, "PodScheduled") {
            Some((_, c)) if c.status == "False" => match c.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Pending: {r}"),
                _ => "Pending: not scheduled".to_string(),
            },
            _ => phase.to_string(),
        },
        _ => phase.to_string(),
    }
}

/// Seconds a pod has existed before the snapshot, when both times are known.
fn pod_age(cluster: &Cluster, pod: &Pod) -> Option<i64> {
    let created = pod.metadata.creation_timestamp.as_ref()?.0;
    Some(cluster.captured_at?.as_second() - created.as_second())
}

/// A pod that is only starting: created less than ten minutes before the snapshot, scheduled,
/// and neither waiting on an error nor restarted.
pub(crate) fn pod_starting(cluster: &Cluster, pod: &Pod) -> bool {
    if !pod_age(cluster, pod).is_some_and(|a| (0..600).contains(&a)) {
        return false;
    }
    if util::condition_is(pod, "PodScheduled", "False") {
        return false;
    }
    util::containers(pod).iter().all(|c| {
        c.restarts() == 0
            && c.waiting_reason()
                .is_none_or(|r| matches!(r, "ContainerCreating" | "PodInitializing"))
    })
}

/// Path of a condition's field for evidence: the field itself, or the condition's `status`
/// when it was read from text that kept no place for the field.
pub(crate) fn condition_field(entry: &Entry, base: &str, field: &str) -> String {
    let path = format!("{base}.{field}");
    match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml => path,
        SourceFormat::Describe | SourceFormat::Table => {
            if entry.spans.iter().any(|s| s.path == path) {
                path
            } else {
                format!("{base}.status")
            }
        }
    }
}

/// Whether the object read has this field (describe text and tables say fewer).
pub(crate) fn has_span_or_field(entry: &Entry, path: &str, present: bool) -> bool {
    match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml => present,
        SourceFormat::Describe | SourceFormat::Table => {
            present && (entry.spans.is_empty() || entry.spans.iter().any(|s| s.path == path))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The demo bundle: both stuck Deployments name exactly their unavailable pods, and the
    /// healthy kube-system workloads (static pods, bare pods, the kube-proxy DaemonSet) give
    /// nothing from the lifecycle rules.
    #[test]
    fn demo_bundle_rollouts_name_exactly_their_unavailable_pods() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/fastapi-k8s-bundle.tar.gz");
        let s = crate::load(&[path], &Default::default()).expect("the demo bundle loads");
        let d = s.diagnose(&Default::default());
        let related = |name: &str| -> Vec<String> {
            let f = d
                .findings
                .iter()
                .find(|f| f.code == "KT-WORKLOAD-001" && f.object.name == name)
                .expect("a finding on the Deployment");
            let mut v: Vec<String> = f.related.iter().map(|r| r.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(
            related("fastapi-k8s"),
            [
                "Pod/default/fastapi-k8s-6d9f7c8b5-r8t5n",
                "Pod/default/fastapi-k8s-7f8b9c6d4-xj2kl"
            ]
        );
        assert_eq!(
            related("stress-worker"),
            ["Pod/default/stress-worker-5c7d8f9b6-kq2zt"]
        );
        let mine: Vec<String> = d
            .findings
            .iter()
            .filter(|f| {
                ["KT-NODE-", "KT-POD-", "KT-WORKLOAD-"]
                    .iter()
                    .any(|p| f.code.starts_with(p))
            })
            .map(|f| format!("{} {}", f.code, f.object))
            .collect();
        assert_eq!(
            mine,
            [
                "KT-WORKLOAD-001 Deployment/default/fastapi-k8s",
                "KT-WORKLOAD-001 Deployment/default/stress-worker"
            ]
        );
    }
}
