//! KT-WORKLOAD-001 rollout-stuck

use super::{
    condition_field, has_span_or_field, pod_starting, pod_state, pod_unavailable, pods_by_workload,
};
use crate::declare_rule;
use crate::model::{Cluster, Entry, ObjectRef};
use crate::rules::{Evidence, Finding, Findings};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, DeploymentSpec, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

declare_rule! {
    /// ## What it does
    /// Finds Deployments, StatefulSets and DaemonSets with fewer available replicas than they
    /// need, and rollouts that stopped progressing: a Deployment with `Available=False`
    /// (`MinimumReplicasUnavailable`) or `Progressing=False` (`ProgressDeadlineExceeded`), a
    /// StatefulSet with fewer ready replicas than `spec.replicas`, a DaemonSet with unavailable
    /// pods.
    ///
    /// ## Why is this bad?
    /// The application runs below the capacity it was given, and a rolling update that cannot
    /// make its new pods available never finishes: the old ReplicaSet keeps its pods, the new
    /// one keeps its broken ones, and `kubectl rollout status` waits forever.
    ///
    /// This is a symptom. The finding lists as related the workload's pods that are not
    /// available (pending, crashing, not ready); their own findings (crash loop, OOM kill,
    /// insufficient resources) are the cause. A Deployment rollout in progress within its
    /// deadline with enough pods available is not reported, nor a StatefulSet or DaemonSet
    /// whose missing pods are only starting (created less than ten minutes before the
    /// snapshot, scheduled, not restarted, not waiting on an error).
    ///
    /// ## Example
    /// ```text
    /// Replicas:    3 desired | 1 updated | 4 total | 2 available | 2 unavailable
    /// Conditions:
    ///   Type           Status  Reason
    ///   Available      False   MinimumReplicasUnavailable
    ///   Progressing    True    ReplicaSetUpdated
    /// ```
    ///
    /// ## How to fix
    /// Fix what keeps the listed pods from becoming ready (see the findings that explain this
    /// one); the rollout then continues by itself. To return to the previous revision
    /// meanwhile: `kubectl rollout undo deployment/<name>`. A Deployment past its
    /// `progressDeadlineSeconds` resumes as soon as its pods become available.
    pub(crate) static RULE = {
        code: "KT-WORKLOAD-001",
        name: "rollout-stuck",
        severity: Error,
        check: check,
    };
}

/// What the rollout of one workload looks like, for the finding.
struct Shortfall<'a> {
    entry: &'a Entry,
    kind: &'static str,
    text: String,
    help: String,
    evidence: Vec<Evidence>,
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let mut shortfalls = Vec::new();
    for (entry, d) in cluster.all::<Deployment>() {
        shortfalls.extend(deployment(entry, d));
    }
    for (entry, s) in cluster.all::<StatefulSet>() {
        shortfalls.extend(stateful_set(entry, s));
    }
    for (entry, d) in cluster.all::<DaemonSet>() {
        shortfalls.extend(daemon_set(entry, d));
    }
    if shortfalls.is_empty() {
        return;
    }
    let pods = pods_by_workload(cluster);
    for s in shortfalls {
        let m = s.entry.object.metadata();
        let ns = m.namespace.clone().unwrap_or_default();
        let name = m.name.clone().unwrap_or_default();
        let failing: Vec<&(&Entry, &Pod)> = pods
            .get(&(s.kind.to_string(), ns, name))
            .into_iter()
            .flatten()
            .filter(|(_, p)| pod_unavailable(p))
            .collect();
        // A StatefulSet or DaemonSet has no progress deadline: when every missing pod is only
        // starting, the rollout is under way, not stuck.
        if s.kind != "Deployment"
            && !failing.is_empty()
            && failing.iter().all(|(_, p)| pod_starting(cluster, p))
        {
            continue;
        }
        let mut text = s.text;
        if !failing.is_empty() {
            let listed: Vec<String> = failing
                .iter()
                .take(5)
                .map(|(e, p)| {
                    format!(
                        "{} ({})",
                        e.object.metadata().name.as_deref().unwrap_or(""),
                        pod_state(p)
                    )
                })
                .collect();
            let more = failing.len().saturating_sub(listed.len());
            text.push_str(&format!(
                "; not available: {}{}",
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        let mut f = Finding::new(&RULE, s.entry.object_ref())
            .message(text)
            .help(s.help)
            .evidence_all(s.evidence);
        for (e, _) in &failing {
            f = f.related(ObjectRef::of(&e.object));
        }
        out.push(f);
    }
}

/// The workload's name, and its namespace (`default` when it names none).
fn name_ns(entry: &Entry) -> (&str, &str) {
    let m = entry.object.metadata();
    (
        m.name.as_deref().unwrap_or(""),
        m.namespace.as_deref().unwrap_or("default"),
    )
}

/// The fields that are there, as evidence: (path, there, label).
fn fields_present<'l>(
    entry: &Entry,
    fields: impl IntoIterator<Item = (&'l str, bool, &'l str)>,
) -> Vec<Evidence> {
    fields
        .into_iter()
        .filter(|(_, there, _)| *there)
        .map(|(path, _, label)| Evidence::field(entry, path, label))
        .collect()
}

fn deployment<'a>(entry: &'a Entry, d: &'a Deployment) -> Option<Shortfall<'a>> {
    let spec = &d.spec;
    let status = d.status.as_ref()?;
    let desired = spec.replicas.unwrap_or(1);
    if desired <= 0 {
        return None;
    }
    let available = status.available_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let conds = status.conditions.as_deref().unwrap_or(&[]);
    let find = |t: &str| {
        conds
            .iter()
            .position(|c| c.type_.as_deref() == Some(t))
            .and_then(|i| conds.get(i).map(|c| (c, format!("status.conditions[{i}]"))))
    };
    let avail_cond = find("Available");
    let prog_cond = find("Progressing");
    let min_available = (desired - max_unavailable(spec, desired)).max(0);
    let deadline = prog_cond.as_ref().filter(|(c, _)| {
        c.status.as_deref() == Some("False")
            && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    let below_min = match &avail_cond {
        Some((c, _)) => c.status.as_deref() == Some("False"),
        None => available < min_available,
    };
    if deadline.is_none() && !below_min {
        return None;
    }
    let (name, ns) = name_ns(entry);
    let rev = entry
        .object
        .metadata()
        .annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"));
    let revision = rev
        .map(|r| format!("revision {r}"))
        .unwrap_or_else(|| "the latest revision".to_string());
    let mut text =
        format!("{available} of {desired} replicas available, {updated} of {desired} updated");
    if deadline.is_some() {
        let secs = spec.progress_deadline_seconds.unwrap_or(600);
        text.push_str(&format!(
            "; rollout of {revision} is stuck: no progress within its {secs}s deadline (ProgressDeadlineExceeded)"
        ));
    } else if updated < desired {
        text.push_str(&format!("; rollout of {revision} is stuck"));
    } else {
        text.push_str("; the Deployment does not have minimum availability");
    }
    if below_min {
        text.push_str(&format!("; at least {min_available} must be available"));
    }
    let fields = [
        ("spec.replicas", spec.replicas, "desired replicas"),
        (
            "status.availableReplicas",
            status.available_replicas,
            "available replicas",
        ),
        (
            "status.updatedReplicas",
            status.updated_replicas,
            "updated replicas",
        ),
        (
            "status.unavailableReplicas",
            status.unavailable_replicas,
            "unavailable replicas",
        ),
    ];
    let mut ev = fields_present(
        entry,
        fields.map(|(path, v, label)| (path, has_span_or_field(entry, path, v.is_some()), label)),
    );
    if let Some((c, base)) = &avail_cond {
        if c.status.as_deref() == Some("False") {
            ev.push(Evidence::field(
                entry,
                &condition_field(entry, base, "reason"),
                "Available is False",
            ));
        }
    }
    if let Some((_, base)) = deadline {
        ev.push(Evidence::field(
            entry,
            &condition_field(entry, base, "reason"),
            "progress deadline exceeded",
        ));
    }
    let rev_number = rev.and_then(|r| r.parse::<u64>().ok());
    let mut help = "this is a symptom: fix what keeps the listed pods from becoming ready (their own findings, or `kubectl describe` of them); the rollout then continues by itself".to_string();
    if rev_number.is_none_or(|r| r > 1) && updated < desired {
        help.push_str(&format!(
            ". To go back to the previous revision meanwhile: `kubectl rollout undo deployment/{name} -n {ns}`"
        ));
    }
    Some(Shortfall {
        entry,
        kind: "Deployment",
        text,
        help,
        evidence: ev,
    })
}

/// `maxUnavailable` of a rolling update as a count (percentages round down; 25% by default;
/// `Recreate` has none).
fn max_unavailable(spec: &DeploymentSpec, desired: i32) -> i32 {
    let strategy = spec.strategy.as_ref();
    if strategy.and_then(|s| s.type_.as_deref()) == Some("Recreate") {
        return 0;
    }
    let ru = strategy.and_then(|s| s.rolling_update.as_ref());
    let resolve = |v: Option<&IntOrString>, round_up: bool| -> i32 {
        match v {
            Some(IntOrString::Int(n)) => *n,
            Some(IntOrString::String(s)) => {
                let pct: f64 = s.trim_end_matches('%').parse().unwrap_or(25.0);
                let x = pct * f64::from(desired) / 100.0;
                (if round_up { x.ceil() } else { x.floor() }) as i32
            }
            None => {
                let x = 25.0 * f64::from(desired) / 100.0;
                (if round_up { x.ceil() } else { x.floor() }) as i32
            }
        }
    };
    let unavailable = resolve(ru.and_then(|r| r.max_unavailable.as_ref()), false);
    let surge = resolve(ru.and_then(|r| r.max_surge.as_ref()), true);
    if unavailable == 0 && surge == 0 {
        1
    } else {
        unavailable
    }
}

fn stateful_set<'a>(entry: &'a Entry, s: &'a StatefulSet) -> Option<Shortfall<'a>> {
    let spec = &s.spec;
    let status = s.status.as_ref()?;
    let desired = spec.replicas.unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    if desired <= 0 || ready >= desired {
        return None;
    }
    let (name, ns) = name_ns(entry);
    let updated = status.updated_replicas.unwrap_or(0);
    let mut text = format!("{ready} of {desired} replicas ready, {updated} of {desired} updated");
    match (&status.update_revision, &status.current_revision) {
        (Some(u), Some(c)) if u != c && updated < desired => {
            text.push_str(&format!("; rollout of revision {u} is stuck"));
        }
        _ => text.push_str("; the StatefulSet is short of ready replicas"),
    }
    if spec.pod_management_policy.as_deref() != Some("Parallel") {
        text.push_str(" (pods start in order: one that never gets ready blocks the next)");
    }
    let ready_field = if has_span_or_field(
        entry,
        "status.readyReplicas",
        status.ready_replicas.is_some(),
    ) {
        ("status.readyReplicas", true, "ready replicas")
    } else {
        ("status.replicas", true, "replicas")
    };
    let ev = fields_present(
        entry,
        [
            ready_field,
            ("spec.replicas", spec.replicas.is_some(), "desired replicas"),
            (
                "status.updateRevision",
                status.update_revision.is_some()
                    && status.update_revision != status.current_revision,
                "revision being rolled out",
            ),
        ],
    );
    Some(Shortfall {
        entry,
        kind: "StatefulSet",
        text,
        help: format!(
            "this is a symptom: fix what keeps the listed pods from becoming ready (their own findings); the StatefulSet then continues by itself (`kubectl rollout status statefulset/{name} -n {ns}`). A pod stuck on a broken revision may need deleting after the template is fixed"
        ),
        evidence: ev,
    })
}

fn daemon_set<'a>(entry: &'a Entry, d: &'a DaemonSet) -> Option<Shortfall<'a>> {
    let status = d.status.as_ref()?;
    let desired = status.desired_number_scheduled;
    let available = status.number_available.unwrap_or(0);
    let unavailable = status
        .number_unavailable
        .unwrap_or((desired - available).max(0));
    if desired <= 0 || unavailable <= 0 {
        return None;
    }
    let (name, ns) = name_ns(entry);
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let text = format!(
        "{available} of {desired} daemon pods available ({unavailable} unavailable), {updated} of {desired} updated"
    );
    let ev = fields_present(
        entry,
        [
            (
                "status.numberUnavailable",
                status.number_unavailable.is_some(),
                "unavailable daemon pods",
            ),
            (
                "status.numberAvailable",
                status.number_available.is_some(),
                "available daemon pods",
            ),
            (
                "status.desiredNumberScheduled",
                true,
                "nodes that should run one",
            ),
        ],
    );
    Some(Shortfall {
        entry,
        kind: "DaemonSet",
        text,
        help: format!(
            "this is a symptom: fix what keeps the listed pods from becoming ready (their own findings), then `kubectl rollout status daemonset/{name} -n {ns}`"
        ),
        evidence: ev,
    })
}
