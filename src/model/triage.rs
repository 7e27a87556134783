//! What shows trouble and what is routine: the one test that tells the objects a report could
//! be about from the healthy many. Ingest keeps the text of the former for citing; the model
//! marks the pods a rule could report ([`crate::model::Cluster::pods_of_note`]) so that the
//! rules pass over the rest without touching them.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

/// Normal events every healthy pod or rollout has.
pub fn routine_event(type_: Option<&str>, reason: Option<&str>) -> bool {
    type_ == Some("Normal")
        && matches!(
            reason,
            Some(
                "Scheduled"
                    | "Pulling"
                    | "Pulled"
                    | "Created"
                    | "Started"
                    | "SuccessfulCreate"
                    | "SuccessfulDelete"
                    | "ScalingReplicaSet"
            )
        )
}

/// A pod is healthy when it runs, is Ready with every condition met, and each of its
/// containers has a status that is running, ready, never restarted and never terminated (an
/// init container may have completed); any other pod shows trouble, and so does a pod whose
/// status leaves any of that unsaid.
pub fn pod_shows_trouble(p: &Pod) -> bool {
    if p.metadata.deletion_timestamp.is_some() {
        return true;
    }
    let (Some(s), Some(spec)) = (p.status.as_ref(), p.spec.as_ref()) else {
        return true;
    };
    if s.phase.as_deref() != Some("Running") {
        return true;
    }
    let conditions = s.conditions.as_deref().unwrap_or_default();
    if conditions.iter().any(|c| c.status != "True")
        || !conditions.iter().any(|c| c.type_ == "Ready")
    {
        return true;
    }
    let troubled = |c: &ContainerStatus, init: bool| {
        let state = c.state.as_ref();
        c.restart_count > 0
            || c.last_state.as_ref().is_some_and(|l| {
                l.terminated.is_some() || l.waiting.is_some() || l.running.is_some()
            })
            || state.is_none_or(|st| st.waiting.is_some())
            || if init {
                state
                    .and_then(|st| st.terminated.as_ref())
                    .is_some_and(|t| t.exit_code != 0)
            } else {
                !c.ready || state.is_none_or(|st| st.running.is_none())
            }
    };
    let statuses = s.container_statuses.as_deref().unwrap_or_default();
    statuses.len() != spec.containers.len()
        || statuses.iter().any(|c| troubled(c, false))
        || s.init_container_statuses
            .iter()
            .flatten()
            .any(|c| troubled(c, true))
        || s.ephemeral_container_statuses
            .iter()
            .flatten()
            .any(|c| troubled(c, true))
}

/// A Deployment shows trouble unless [`workload_shows_trouble`] finds it healthy.
pub fn deployment_shows_trouble(d: &apps::Deployment) -> bool {
    let s = d.status.as_ref();
    let want = d.spec.replicas.unwrap_or(1);
    workload_shows_trouble(
        d.metadata.generation,
        s.and_then(|s| s.observed_generation),
        want,
        s.and_then(|s| s.ready_replicas),
        s.and_then(|s| s.unavailable_replicas),
        conditions(s.and_then(|s| s.conditions.as_deref())),
    )
}

/// A workload is healthy when its controller has seen its last change, every replica it
/// wants is ready and available, and no condition says otherwise.
fn workload_shows_trouble<'a>(
    generation: Option<i64>,
    observed: Option<i64>,
    want: i32,
    ready: Option<i32>,
    unavailable: Option<i32>,
    mut conditions: impl Iterator<Item = (&'a str, &'a str)>,
) -> bool {
    observed < generation
        || ready.unwrap_or(0) < want
        || unavailable.unwrap_or(0) > 0
        || conditions.any(|(type_, status)| match type_ {
            "ReplicaFailure" => status != "False",
            _ => status != "True",
        })
}

/// A workload condition's type and status.
trait Condition {
    fn type_status(&self) -> (&str, &str);
}

macro_rules! condition {
    ($($t:ty),*) => {$(
        impl Condition for $t {
            fn type_status(&self) -> (&str, &str) {
                (
                    self.type_.as_deref().unwrap_or(""),
                    self.status.as_deref().unwrap_or(""),
                )
            }
        }
    )*};
}
condition!(
    apps::DeploymentCondition,
    apps::StatefulSetCondition,
    apps::DaemonSetCondition
);

/// The type and status of each condition.
fn conditions<C: Condition>(list: Option<&[C]>) -> impl Iterator<Item = (&str, &str)> {
    list.unwrap_or_default().iter().map(Condition::type_status)
}

/// A StatefulSet shows trouble unless [`workload_shows_trouble`] finds it healthy.
pub fn statefulset_shows_trouble(x: &apps::StatefulSet) -> bool {
    let s = x.status.as_ref();
    let want = x.spec.replicas.unwrap_or(1);
    workload_shows_trouble(
        x.metadata.generation,
        s.and_then(|s| s.observed_generation),
        want,
        s.and_then(|s| s.ready_replicas),
        None,
        conditions(s.and_then(|s| s.conditions.as_deref())),
    )
}

/// A DaemonSet shows trouble unless [`workload_shows_trouble`] finds it healthy.
pub fn daemonset_shows_trouble(x: &apps::DaemonSet) -> bool {
    let Some(s) = x.status.as_ref() else {
        return true;
    };
    workload_shows_trouble(
        x.metadata.generation,
        s.observed_generation,
        s.desired_number_scheduled,
        Some(s.number_ready),
        s.number_unavailable,
        conditions(s.conditions.as_deref()),
    )
}
