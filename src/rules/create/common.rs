//! What the container-creation rules share: whether a pod got past creation, the events that
//! are still current (not followed by a success), and pointing at pod fields that the snapshot
//! actually has.

use crate::ingest::SourceFormat;
use crate::model::{Cluster, Entry, EventRecord, ObjectRef};
use crate::rules::util::{self, contains_ci, ContainerView};
use crate::rules::Evidence;
use k8s_openapi::api::core::v1::Pod;

/// Waiting reasons of a container that has not been created yet.
pub(crate) const CREATING: &[&str] = &["ContainerCreating", "PodInitializing"];

/// Some container of the pod has run (is running, has terminated, or terminated before): its
/// sandbox was created and its volumes mounted.
pub(crate) fn pod_started(pod: &Pod) -> bool {
    util::containers(pod).iter().any(|c| {
        c.status.is_some_and(|s| {
            s.state
                .as_ref()
                .is_some_and(|st| st.running.is_some() || st.terminated.is_some())
                || s.last_state
                    .as_ref()
                    .is_some_and(|st| st.terminated.is_some() || st.running.is_some())
        })
    })
}

/// The pod is not working now: not finished, not ready, and no container is running (a pod
/// whose sandbox or volumes must be set up again after a node restart is Running with every
/// container waiting).
pub(crate) fn pod_down(pod: &Pod) -> bool {
    !matches!(util::phase(pod), "Succeeded" | "Failed")
        && !util::pod_ready(pod)
        && !util::containers(pod).iter().any(|c| c.running())
}

/// Every pod that is down now ([`pod_down`]), with its reference and its events.
pub(crate) fn pods_down(
    cluster: &Cluster,
) -> impl Iterator<Item = (&Entry, &Pod, ObjectRef, Vec<&EventRecord>)> {
    // A pod that is not ready shows trouble.
    cluster
        .pods_of_note()
        .filter(|(_, pod)| pod_down(pod))
        .map(move |(entry, pod)| {
            let pod_ref = entry.object_ref();
            let events = cluster.events_for(&pod_ref);
            (entry, pod, pod_ref, events)
        })
}

/// The container's waiting reason as evidence that it is still being created.
pub(crate) fn still_creating(entry: &Entry, c: &ContainerView<'_>) -> Evidence {
    Evidence::field(
        entry,
        &format!("{}.state.waiting.reason", c.status_path),
        "still creating",
    )
}

/// The first container of the pod that waits, as [`still_creating`] evidence.
pub(crate) fn first_waiting(entry: &Entry, pod: &Pod) -> Option<Evidence> {
    util::containers(pod)
        .iter()
        .find(|c| c.waiting_reason().is_some())
        .map(|c| still_creating(entry, c))
}

/// `a` happened at or after `b` (by their last times; by snapshot order when a time is missing).
fn not_before(a: &EventRecord, b: &EventRecord) -> bool {
    match (a.last, b.last) {
        (Some(x), Some(y)) => x >= y,
        _ => a.entry >= b.entry,
    }
}

/// The events about `pod` that `is_failure` accepts and that no event with one of
/// `successes` as reason follows, oldest first.
pub(crate) fn current_failures<'a>(
    events: &[&'a EventRecord],
    is_failure: impl Fn(&EventRecord) -> bool,
    successes: &[&str],
) -> Vec<&'a EventRecord> {
    let last_success = events
        .iter()
        .filter(|e| util::reason_is(e, successes))
        .copied()
        .reduce(|a, b| if not_before(b, a) { b } else { a });
    events
        .iter()
        .copied()
        .filter(|e| is_failure(e))
        .filter(|e| last_success.is_none_or(|s| !not_before(s, e)))
        .collect()
}

/// The event is about this container (by field path), or does not say which container.
pub(crate) fn event_may_be_for(
    cluster: &Cluster,
    e: &EventRecord,
    view: &ContainerView<'_>,
) -> bool {
    util::event_field_path(cluster, e).is_none_or(|fp| fp.contains(&format!("{{{}}}", view.name)))
}

/// The error text of a container waiting in `CreateContainerConfigError` and where it is:
/// the waiting message, else the latest `Failed` event whose message is `Error: ...` for it.
pub(crate) fn config_error<'a>(
    cluster: &'a Cluster,
    entry: &'a Entry,
    view: &ContainerView<'a>,
    events: &[&'a EventRecord],
    accept: impl Fn(&str) -> bool,
) -> Option<(String, Evidence)> {
    if let Some(m) = view
        .waiting_message()
        .filter(|m| !m.trim().is_empty() && accept(m))
    {
        return Some((
            m.trim().to_string(),
            Evidence::field(
                entry,
                &format!("{}.state.waiting.message", view.status_path),
                "the waiting message",
            ),
        ));
    }
    let e = events.iter().rev().find(|e| {
        util::reason_is(e, &["Failed"])
            && e.message.as_deref().is_some_and(&accept)
            && event_may_be_for(cluster, e, view)
    })?;
    let m = e.message.as_deref().unwrap_or("");
    let m = m.trim().strip_prefix("Error: ").unwrap_or(m.trim());
    Some((
        m.to_string(),
        Evidence::event(cluster, e, format!("Failed{}", util::times(e))),
    ))
}

/// Evidence for a field of the pod, when the snapshot can point at it: always for JSON and
/// YAML; for describe text only when that field (or one inside it) was read.
pub(crate) fn field_if_known(entry: &Entry, path: &str, label: &str) -> Option<Evidence> {
    match entry.origin.format {
        SourceFormat::Json | SourceFormat::Yaml => Some(Evidence::field(entry, path, label)),
        _ => entry
            .spans
            .iter()
            .any(|s| s.path == path || s.path.starts_with(&format!("{path}.")))
            .then(|| Evidence::field(entry, path, label)),
    }
}

/// `FailedMount ×12, last 3m before the snapshot`: an event's reason, count and age.
pub(crate) fn age_text(cluster: &Cluster, e: &EventRecord) -> String {
    let age = match (cluster.captured_at, e.last) {
        (Some(now), Some(t)) if now.as_second() - t.as_second() >= 60 => format!(
            ", last {} before the snapshot",
            human_duration(now.as_second() - t.as_second())
        ),
        _ => String::new(),
    };
    util::reason_times(e) + &age
}

/// Seconds as kubectl prints an age: `45s`, `12m`, `3h5m`, `2d4h`.
pub(crate) fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=3599 => format!("{}m", s / 60),
        3600..=86399 => {
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h{m}m", s / 3600)
            }
        }
        _ => {
            let h = (s % 86400) / 3600;
            if h == 0 {
                format!("{}d", s / 86400)
            } else {
                format!("{}d{h}h", s / 86400)
            }
        }
    }
}

/// The quoted name after `kind "` in a message (`configmap "app-config" not found`), for any
/// of `kinds`; returns the kind word as written and the name.
pub(crate) fn quoted_after<'m>(m: &'m str, kinds: &[&str]) -> Option<(&'m str, &'m str)> {
    let lower = m.to_ascii_lowercase();
    kinds.iter().find_map(|k| {
        let pat = format!("{k} \"");
        let at = lower.find(&pat)?;
        let rest = m.get(at + pat.len()..)?;
        let (name, _) = rest.split_once('"')?;
        Some((m.get(at..at + k.len())?, name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(12 * 60 + 5), "12m");
        assert_eq!(human_duration(3 * 3600 + 5 * 60), "3h5m");
        assert_eq!(human_duration(2 * 86400), "2d");
    }

    #[test]
    fn quoted_names() {
        assert_eq!(
            quoted_after(
                "MountVolume.SetUp failed for volume \"config\" : configmap \"app-config\" not found",
                &["configmap", "secret"]
            ),
            Some(("configmap", "app-config"))
        );
        assert_eq!(
            quoted_after("secrets \"db\" not found", &["secrets", "secret"]),
            Some(("secrets", "db"))
        );
    }
}

/// Events that show a volume was mounted (the kubelet pulls and starts containers only after
/// every volume is mounted).
const MOUNT_SUCCESS: &[&str] = &[
    "Pulling",
    "Pulled",
    "Created",
    "Started",
    "SuccessfulMountVolume",
];

/// An event reporting a volume that cannot be attached or mounted.
fn is_mount_failure(e: &EventRecord) -> bool {
    util::reason_is(e, &["FailedMount", "FailedAttachVolume", "FailedMapVolume"])
        || e.message.as_deref().is_some_and(|m| {
            [
                "MountVolume.SetUp failed",
                "MountVolume.MountDevice failed",
                "Multi-Attach error",
                "AttachVolume.Attach failed",
                "Unable to attach or mount volumes",
                "Unable to mount volumes",
            ]
            .iter()
            .any(|p| m.contains(p))
        })
}

fn is_attach_failure(e: &EventRecord) -> bool {
    util::reason_is(e, &["FailedAttachVolume"])
        || e.message.as_deref().is_some_and(|m| {
            m.contains("Multi-Attach error") || m.contains("AttachVolume.Attach failed")
        })
}

/// The mount and attach failures of a pod that nothing has followed with a success, oldest
/// first. An attach failure is also cleared by a later `SuccessfulAttachVolume`.
pub(crate) fn mount_failures<'a>(events: &[&'a EventRecord]) -> Vec<&'a EventRecord> {
    let mut attach_ok: Vec<&str> = MOUNT_SUCCESS.to_vec();
    attach_ok.push("SuccessfulAttachVolume");
    let mut v = current_failures(
        events,
        |e| is_mount_failure(e) && !is_attach_failure(e),
        MOUNT_SUCCESS,
    );
    v.extend(current_failures(
        events,
        |e| is_mount_failure(e) && is_attach_failure(e),
        &attach_ok,
    ));
    v.sort_by(|a, b| a.last.cmp(&b.last).then(a.entry.cmp(&b.entry)));
    v
}

/// A mount failure that says what is wrong (not only that mounting timed out).
pub(crate) fn is_specific_mount_error(e: &EventRecord) -> bool {
    e.message.as_deref().is_some_and(|m| {
        !m.contains("Unable to attach or mount volumes") && !m.contains("Unable to mount volumes")
    })
}

/// What went wrong with a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MountProblem {
    /// The ConfigMap, Secret or PVC it needs does not exist: (kind, name).
    Missing(&'static str, String),
    /// The ConfigMap or Secret lacks a key the volume's `items` name.
    MissingKey(String),
    /// A ReadWriteOnce volume still attached elsewhere.
    MultiAttach,
    /// A hostPath that is not there or not of the declared type.
    HostPath,
    /// Mounting timed out with no more specific error.
    Timeout,
    /// Anything else (driver, NFS, CSI errors).
    Other,
}

/// A mount failure read from its event.
#[derive(Debug, Clone)]
pub(crate) struct MountFailure {
    /// The volume it names (pod volume or PersistentVolume name).
    pub volume: Option<String>,
    /// `unmounted volumes=[...]`.
    pub volumes: Vec<String>,
    /// An attach (not mount) failure.
    pub attach: bool,
    /// What is wrong, for the message.
    pub what: String,
    /// Its kind.
    pub problem: MountProblem,
    /// The pod field to change and its label.
    pub spec_field: Option<(String, String)>,
    /// The pod volume's name and index, when found.
    pub pod_volume: Option<(usize, String)>,
}

impl MountFailure {
    /// Reads the event's message, and finds the pod volume it is about.
    pub fn read(cluster: &Cluster, pod: &Pod, e: &EventRecord) -> MountFailure {
        let m = e.message.as_deref().unwrap_or("").trim();
        let volume = ["for volume \"", "Multi-Attach error for volume \""]
            .iter()
            .find_map(|p| {
                m.split_once(p)
                    .and_then(|(_, r)| r.split_once('"'))
                    .map(|(v, _)| v.to_string())
            });
        let volumes: Vec<String> = m
            .split_once("unmounted volumes=[")
            .and_then(|(_, r)| r.split_once(']'))
            .map(|(v, _)| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let attach = is_attach_failure(e);
        let detail = m.split_once("\" : ").map_or(m, |(_, r)| r).trim();
        let missing = quoted_after(
            detail,
            &[
                "configmaps",
                "configmap",
                "secrets",
                "secret",
                "persistentvolumeclaims",
                "persistentvolumeclaim",
            ],
        )
        .filter(|_| contains_ci(detail, "not found"));
        let (problem, what) = if let Some((k, name)) = missing {
            let kind = if k.to_ascii_lowercase().starts_with("configmap") {
                "ConfigMap"
            } else if k.to_ascii_lowercase().starts_with("secret") {
                "Secret"
            } else {
                "PersistentVolumeClaim"
            };
            (
                MountProblem::Missing(kind, name.to_string()),
                format!("{kind} \"{name}\" not found"),
            )
        } else if let Some((_, key)) = detail.split_once("non-existent config key: ") {
            let key = key.split_whitespace().next().unwrap_or("").to_string();
            (
                MountProblem::MissingKey(key.clone()),
                format!("the ConfigMap has no key {key}"),
            )
        } else if m.contains("Multi-Attach error") {
            let who = m
                .split_once("already used by pod(s) ")
                .map(|(_, p)| {
                    format!(
                        ", already used by pod(s) {}",
                        p.trim().trim_end_matches('.')
                    )
                })
                .unwrap_or_default();
            (
                MountProblem::MultiAttach,
                format!("Multi-Attach error: the volume is attached to another node{who}"),
            )
        } else if contains_ci(detail, "hostPath type check failed")
            || contains_ci(detail, "hostpath")
        {
            (MountProblem::HostPath, detail.to_string())
        } else if m.contains("timed out waiting for the condition") && !is_specific_mount_error(e) {
            let list = if volumes.is_empty() {
                String::new()
            } else {
                format!(" (unmounted volumes=[{}])", volumes.join(" "))
            };
            (
                MountProblem::Timeout,
                format!("timed out waiting for the mount{list}"),
            )
        } else {
            (MountProblem::Other, util::shorten(detail, 200))
        };
        let mut mf = MountFailure {
            volume,
            volumes,
            attach,
            what,
            problem,
            spec_field: None,
            pod_volume: None,
        };
        mf.locate(cluster, pod);
        mf
    }

    /// Finds the pod volume (by name, or by the PersistentVolume bound to one of its claims)
    /// and the field of it to change.
    fn locate(&mut self, cluster: &Cluster, pod: &Pod) {
        let Some(vols) = pod.spec.as_ref().and_then(|s| s.volumes.as_ref()) else {
            return;
        };
        let wanted: Vec<&str> = self
            .volume
            .iter()
            .map(String::as_str)
            .chain(self.volumes.iter().map(String::as_str))
            .collect();
        let ns = pod.metadata.namespace.as_deref();
        let by_name = vols.iter().position(|v| wanted.contains(&v.name.as_str()));
        let idx = by_name.or_else(|| {
            // `Multi-Attach error for volume "pvc-..."` names the PersistentVolume.
            let pv = self.volume.as_deref()?;
            vols.iter().position(|v| {
                v.persistent_volume_claim.as_ref().is_some_and(|c| {
                    cluster
                        .get_typed::<k8s_openapi::api::core::v1::PersistentVolumeClaim>(
                            ns,
                            &c.claim_name,
                        )
                        .and_then(|p| p.spec.as_ref())
                        .and_then(|s| s.volume_name.as_deref())
                        == Some(pv)
                })
            })
        });
        let Some(i) = idx else {
            return;
        };
        let Some(v) = vols.get(i) else {
            return;
        };
        self.pod_volume = Some((i, v.name.clone()));
        let base = format!("spec.volumes[{i}]");
        self.spec_field = Some(if v.config_map.is_some() {
            (
                format!("{base}.configMap.name"),
                "the ConfigMap the volume needs".into(),
            )
        } else if v.secret.is_some() {
            (
                format!("{base}.secret.secretName"),
                "the Secret the volume needs".into(),
            )
        } else if v.persistent_volume_claim.is_some() {
            (
                format!("{base}.persistentVolumeClaim.claimName"),
                "the claim the volume needs".into(),
            )
        } else if v.host_path.is_some() {
            (format!("{base}.hostPath.path"), "the host path".into())
        } else {
            (format!("{base}.name"), "the volume".into())
        });
    }

    /// `volume "data"`, `volume "data" (PersistentVolume "pvc-1")`, `volume(s) a, b`.
    pub fn volume_text(&self) -> String {
        match (&self.volume, &self.pod_volume) {
            (Some(v), Some((_, pv))) if v != pv => {
                format!("volume \"{pv}\" (PersistentVolume \"{v}\")")
            }
            (Some(v), _) => format!("volume \"{v}\""),
            (None, Some((_, pv))) if self.volumes.len() <= 1 => format!("volume \"{pv}\""),
            (None, _) if self.volumes.is_empty() => "a volume".to_string(),
            (None, _) => format!("volume(s) {}", self.volumes.join(", ")),
        }
    }

    /// What sets this failure apart (the missing object, else the volume).
    pub fn cause_key(&self) -> String {
        match &self.problem {
            MountProblem::Missing(k, n) => format!("{k}/{n}"),
            _ => self
                .pod_volume
                .as_ref()
                .map(|(_, n)| n.clone())
                .or(self.volume.clone())
                .unwrap_or_default(),
        }
    }

    /// The fix, naming the field.
    pub fn help(&self, ns: &str) -> String {
        let field = self
            .spec_field
            .as_ref()
            .map(|(p, _)| format!("`{p}`"))
            .unwrap_or_else(|| "`spec.volumes`".to_string());
        match &self.problem {
            MountProblem::Missing(kind, name) => format!(
                "create {kind} `{name}` in namespace {ns}, or correct the name in {field}{}",
                if *kind == "PersistentVolumeClaim" {
                    ""
                } else {
                    " (or set `optional: true` on the volume if the pod can run without it)"
                }
            ),
            MountProblem::MissingKey(k) => format!(
                "add key `{k}` to the ConfigMap or Secret, or remove it from `items` of the volume in {field}"
            ),
            MountProblem::MultiAttach => format!(
                "the ReadWriteOnce volume in {field} is still attached to another node: delete the \
                 pod that holds it (or wait for the detach), use `strategy.type: Recreate` for a \
                 Deployment with such a volume, or a ReadWriteMany storage class"
            ),
            MountProblem::HostPath => format!(
                "make the path in {field} exist on the node with the declared `hostPath.type`, or \
                 correct the path or the type (`DirectoryOrCreate`)"
            ),
            MountProblem::Timeout => format!(
                "find why the volume in {field} is not mounted: its PersistentVolumeClaim and \
                 PersistentVolume, the storage driver's pods on the node, and the node's attach events"
            ),
            MountProblem::Other => format!(
                "act on the mount error for the volume in {field}: check the storage behind it \
                 (server, driver, options)"
            ),
        }
    }
}
