//! Helpers shared by rules: containers of a pod with their spec and status side by side,
//! quantities, conditions, events and owners.

use crate::model::{Cluster, Entry, EventRecord, Object, ObjectRef, Typed};
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// Every pod with its entry.
pub fn pods(cluster: &Cluster) -> impl Iterator<Item = (&Entry, &Pod)> {
    cluster.all::<Pod>()
}

/// The path of one container's spec or status in its pod (`spec.containers[0]`,
/// `status.initContainerStatuses[1]`), or none. Written out only when shown: rules look at
/// every container of every pod, and most containers are never cited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemPath {
    list: &'static str,
    index: usize,
}

impl ItemPath {
    /// No path (a spec or status the snapshot lacks).
    pub const NONE: ItemPath = ItemPath { list: "", index: 0 };

    /// True for [`ItemPath::NONE`].
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

impl std::fmt::Display for ItemPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            Ok(())
        } else {
            write!(f, "{}[{}]", self.list, self.index)
        }
    }
}

/// One container of a pod: its spec and its status, with the paths of both.
#[derive(Debug, Clone)]
pub struct ContainerView<'a> {
    /// Container name.
    pub name: &'a str,
    /// An init container.
    pub init: bool,
    /// The spec, when the snapshot has it.
    pub spec: Option<&'a Container>,
    /// Path of the spec: `spec.containers[0]`.
    pub spec_path: ItemPath,
    /// The status, when the snapshot has it.
    pub status: Option<&'a ContainerStatus>,
    /// Path of the status: `status.containerStatuses[0]`.
    pub status_path: ItemPath,
}

impl<'a> ContainerView<'a> {
    /// Restart count (0 when unknown).
    pub fn restarts(&self) -> i32 {
        self.status.map_or(0, |s| s.restart_count)
    }

    /// Ready now.
    pub fn ready(&self) -> bool {
        self.status.is_some_and(|s| s.ready)
    }

    /// The reason it is waiting now (`CrashLoopBackOff`, `ImagePullBackOff`...).
    pub fn waiting_reason(&self) -> Option<&'a str> {
        self.status?
            .state
            .as_ref()?
            .waiting
            .as_ref()?
            .reason
            .as_deref()
    }

    /// The message of its waiting state.
    pub fn waiting_message(&self) -> Option<&'a str> {
        self.status?
            .state
            .as_ref()?
            .waiting
            .as_ref()?
            .message
            .as_deref()
    }

    /// Running now.
    pub fn running(&self) -> bool {
        self.status
            .and_then(|s| s.state.as_ref())
            .is_some_and(|s| s.running.is_some())
    }

    /// The last termination: the current state when terminated, else the last state.
    /// Returns the path (`status.containerStatuses[0].state.terminated`) with it.
    pub fn last_termination(
        &self,
    ) -> Option<(
        &'a k8s_openapi::api::core::v1::ContainerStateTerminated,
        String,
    )> {
        let s = self.status?;
        if let Some(t) = s.state.as_ref().and_then(|st| st.terminated.as_ref()) {
            return Some((t, format!("{}.state.terminated", self.status_path)));
        }
        s.last_state
            .as_ref()
            .and_then(|st| st.terminated.as_ref())
            .map(|t| (t, format!("{}.lastState.terminated", self.status_path)))
    }
}

/// The containers of a pod (init containers first), with spec and status matched by name.
pub fn containers(pod: &Pod) -> Vec<ContainerView<'_>> {
    let mut out = Vec::with_capacity(pod.spec.as_ref().map_or(0, |s| {
        s.containers.len() + s.init_containers.as_ref().map_or(0, Vec::len)
    }));
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    for init in [true, false] {
        let specs: &[Container] = match (spec, init) {
            (Some(s), true) => s.init_containers.as_deref().unwrap_or(&[]),
            (Some(s), false) => &s.containers,
            (None, _) => &[],
        };
        let statuses: &[ContainerStatus] = match (status, init) {
            (Some(s), true) => s.init_container_statuses.as_deref().unwrap_or(&[]),
            (Some(s), false) => s.container_statuses.as_deref().unwrap_or(&[]),
            (None, _) => &[],
        };
        let (spec_field, status_field) = if init {
            ("spec.initContainers", "status.initContainerStatuses")
        } else {
            ("spec.containers", "status.containerStatuses")
        };
        // Statuses are usually in the order of the spec.
        let mut in_order = specs.len() == statuses.len();
        for (i, c) in specs.iter().enumerate() {
            let st = match statuses.get(i) {
                Some(s) if s.name == c.name => Some(i),
                _ => {
                    in_order = false;
                    statuses.iter().position(|s| s.name == c.name)
                }
            };
            out.push(ContainerView {
                name: &c.name,
                init,
                spec: Some(c),
                spec_path: ItemPath {
                    list: spec_field,
                    index: i,
                },
                status: st.map(|j| &statuses[j]),
                status_path: st.map_or(ItemPath::NONE, |j| ItemPath {
                    list: status_field,
                    index: j,
                }),
            });
        }
        if in_order {
            continue;
        }
        for (j, s) in statuses.iter().enumerate() {
            if specs.iter().any(|c| c.name == s.name) {
                continue;
            }
            out.push(ContainerView {
                name: &s.name,
                init,
                spec: None,
                spec_path: ItemPath::NONE,
                status: Some(s),
                status_path: ItemPath {
                    list: status_field,
                    index: j,
                },
            });
        }
    }
    out
}

/// The reasons its containers (init containers too) wait for, read straight from the
/// status: a cheap first look before [`containers`].
pub fn waiting_reasons(pod: &Pod) -> impl Iterator<Item = &str> {
    pod.status
        .iter()
        .flat_map(|s| {
            s.init_container_statuses
                .iter()
                .flatten()
                .chain(s.container_statuses.iter().flatten())
        })
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.as_deref())
}

/// The pod's phase (`Unknown` when it has no status).
pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Unknown")
}

/// A pod condition by type, with its path (`status.conditions[2]`).
pub fn condition<'a>(pod: &'a Pod, type_: &str) -> Option<(&'a PodCondition, String)> {
    let (i, c) = condition_at(pod, type_)?;
    Some((c, format!("status.conditions[{i}]")))
}

/// A pod condition by type, with its index; [`condition`] without writing the path.
pub fn condition_at<'a>(pod: &'a Pod, type_: &str) -> Option<(usize, &'a PodCondition)> {
    let conds = pod.status.as_ref()?.conditions.as_ref()?;
    conds.iter().enumerate().find(|(_, c)| c.type_ == type_)
}

/// The pod has a condition of this type with this status now.
pub fn condition_is(pod: &Pod, type_: &str, status: &str) -> bool {
    condition_at(pod, type_).is_some_and(|(_, c)| c.status == status)
}

/// The pod is Ready now.
pub fn pod_ready(pod: &Pod) -> bool {
    condition_is(pod, "Ready", "True")
}

/// The pod's namespace and name.
pub fn ns_name(pod: &Pod) -> (&str, &str) {
    let m = &pod.metadata;
    (
        m.namespace.as_deref().unwrap_or(""),
        m.name.as_deref().unwrap_or(""),
    )
}

/// The workload a pod belongs to: the top of its controller chain (Deployment above its
/// ReplicaSet), never a Node (static pods).
pub fn workload_of<'a>(cluster: &'a Cluster, entry: &'a Entry) -> Option<&'a Entry> {
    cluster
        .owner_chain(entry)
        .into_iter()
        .rfind(|e| e.object.kind() != "Node")
}

/// The most recent event about `target` that `pred` accepts.
pub fn latest_event<'a>(
    cluster: &'a Cluster,
    target: &ObjectRef,
    pred: impl Fn(&EventRecord) -> bool,
) -> Option<&'a EventRecord> {
    cluster.events_for(target).into_iter().rfind(|e| pred(e))
}

/// An event's reason is one of `reasons`.
pub fn reason_is(e: &EventRecord, reasons: &[&str]) -> bool {
    e.reason.as_deref().is_some_and(|r| reasons.contains(&r))
}

/// An event's message contains `needle` (ASCII case-insensitive).
pub fn message_has(e: &EventRecord, needle: &str) -> bool {
    e.message.as_deref().is_some_and(|m| contains_ci(m, needle))
}

/// ASCII case-insensitive substring test.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

/// At most `n` characters, with `…` when cut.
pub fn shorten(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        return s.to_string();
    }
    let cut: String = s.chars().take(n).collect();
    format!("{}…", cut.trim_end())
}

/// The field path of the container an event is about (`spec.containers{api}`), when it says.
pub fn event_field_path<'a>(cluster: &'a Cluster, e: &EventRecord) -> Option<&'a str> {
    let fp = match &cluster.entries().get(e.entry)?.object {
        Object::Event(ev) => ev.involved_object.field_path.as_deref(),
        Object::EventsV1Event(ev) => ev.regarding.as_ref()?.field_path.as_deref(),
        _ => None,
    };
    fp.filter(|f| f.contains('{'))
}

/// An event's reason and count, as evidence labels read: `FailedMount ×12` (`event` when it
/// has no reason).
pub fn reason_times(e: &EventRecord) -> String {
    format!("{}{}", e.reason.as_deref().unwrap_or("event"), times(e))
}

/// How many times an event happened, as people read it (`×21`), empty for one.
pub fn times(e: &EventRecord) -> String {
    if e.count > 1 {
        format!(" ×{}", e.count)
    } else {
        String::new()
    }
}

/// A quantity in base units: bytes for memory, cores for CPU (`500m` → 0.5, `128Mi` →
/// 134217728). `None` when it cannot be read.
pub fn quantity(q: &Quantity) -> Option<f64> {
    parse_quantity(&q.0)
}

/// Parses a quantity string (see [`quantity`]).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ if suffix.starts_with(['e', 'E']) => 10f64.powi(suffix[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * mult)
}

/// Bytes for people, in the binary units Kubernetes uses (`1.8Gi`, `128Mi`).
pub fn format_bytes(b: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Ki", 1024.0),
    ];
    for (u, m) in UNITS {
        if b >= m {
            let v = b / m;
            return if (v - v.round()).abs() < 0.05 {
                format!("{}{u}", v.round() as i64)
            } else {
                format!("{v:.1}{u}")
            };
        }
    }
    format!("{}", b as i64)
}

/// CPU for people (`500m`, `2`).
pub fn format_cpu(c: f64) -> String {
    if (c - c.round()).abs() < 1e-9 {
        format!("{}", c.round() as i64)
    } else {
        format!("{}m", (c * 1000.0).round() as i64)
    }
}

/// The typed object of an entry.
pub fn typed<T: Typed>(entry: &Entry) -> Option<&T> {
    T::from_object(&entry.object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("128Mi"), Some(134217728.0));
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("1935576Ki"), Some(1935576.0 * 1024.0));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("x"), None);
        assert_eq!(format_bytes(134217728.0), "128Mi");
        assert_eq!(format_bytes(4.0 * 1024.0 * 1024.0 * 1024.0), "4Gi");
        assert_eq!(format_cpu(0.25), "250m");
    }
}
