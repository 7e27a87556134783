//! KT-POD-001 pod-evicted

use super::common::{controller_ref, eviction, is_evicted, Eviction};
use crate::declare_rule;
use crate::ingest::SourceFormat;
use crate::model::Cluster;
use crate::rules::node::common::{node_condition, node_entry_of, node_ref};
use crate::rules::util::{self, parse_quantity};
use crate::rules::{Evidence, Finding, Findings, Severity};

declare_rule! {
    /// ## What it does
    /// Finds pods the kubelet evicted: phase `Failed` with reason `Evicted`, because the node
    /// ran low on memory, disk or PIDs, or because the pod went over its own
    /// `ephemeral-storage` limit.
    ///
    /// ## Why is this bad?
    /// The pod's containers were killed. A controller (Deployment, StatefulSet...) creates a
    /// replacement, which may be evicted again while the cause lasts; a bare pod is simply gone.
    /// The evicted pod object stays behind until someone deletes it.
    ///
    /// The finding is an `error` when the cause is still there (the node still reports the
    /// pressure, the pod's own limit would evict its replacement too) or nothing replaces the
    /// pod; otherwise it is a `warning`: the eviction is over, the replacement runs.
    ///
    /// ## Example
    /// ```text
    /// Status:   Failed
    /// Reason:   Evicted
    /// Message:  The node was low on resource: memory. Container api was using 1560072Ki, request is 0, has larger consumption of memory.
    /// ```
    ///
    /// ## How to fix
    /// Node pressure: set `resources.requests` (memory, `ephemeral-storage`) of the container
    /// to its real usage, since pods using most above their requests are evicted first, and
    /// free the node (KT-NODE-002). Own limit: raise `resources.limits.ephemeral-storage` or
    /// write large files to a volume. Then delete the leftover pods
    /// (`kubectl delete pods --field-selector=status.phase=Failed -n <ns>`).
    pub(crate) static RULE = {
        code: "KT-POD-001",
        name: "pod-evicted",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    // A pod evicted shows trouble.
    for (entry, pod) in cluster.pods_of_note() {
        if !is_evicted(pod) {
            continue;
        }
        let (ns, name) = util::ns_name(pod);
        let ev = eviction(pod);
        let node_name = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        let status_msg = pod
            .status
            .as_ref()
            .and_then(|s| s.message.as_deref())
            .map(str::trim)
            .filter(|m| !m.is_empty());
        // The node's pressure condition for that resource, when it is still True.
        let pressure = node_entry_of(cluster, pod).and_then(|(ne, n)| {
            let type_ = pressure_condition(ev.resource.as_deref()?)?;
            let (c, path) = node_condition(n, type_)?;
            (c.status == "True").then_some((ne, type_, path))
        });
        let mut text = match node_name {
            Some(n) => format!("pod {name} was evicted from node {n}"),
            None => format!("pod {name} was evicted"),
        };
        match status_msg {
            Some(m) => text.push_str(&format!(": {m}")),
            None => text.push_str(" (the status gives no message)"),
        }
        if let Some((_, type_, _)) = &pressure {
            text.push_str(&format!("; the node still has {type_}"));
        }
        // A `kubectl get` row does not say who owns the pod.
        let bare = controller_ref(pod).is_none() && entry.origin.format != SourceFormat::Table;
        if bare {
            text.push_str("; no controller replaces it");
        }
        let lasting = ev.own_limit || pressure.is_some() || bare;
        let mut f = Finding::new(&RULE, entry.object_ref())
            .message(text)
            .help(help(&ev, node_name, ns, name))
            .cause(ev.resource.clone().unwrap_or_default())
            .evidence(Evidence::field(entry, "status.reason", "reason Evicted"));
        if status_msg.is_some() {
            f = f.evidence(Evidence::field(
                entry,
                "status.message",
                "the kubelet's eviction message",
            ));
        }
        if let Some(c) = &ev.container {
            if util::containers(pod).iter().any(|v| v.name == c.as_str()) || pod_has_no_spec(pod) {
                f = f.container(c.as_str());
            }
        }
        if let Some(n) = node_name.filter(|_| !ev.own_limit) {
            f = f.related(node_ref(n));
        }
        if let Some((ne, type_, path)) = &pressure {
            f = f.evidence(Evidence::field(
                ne,
                &format!("{path}.status"),
                format!("{type_} still True"),
            ));
        }
        if !lasting {
            f = f.severity(Severity::Warning);
        }
        out.push(f);
    }
}

/// Describe and table input may have no container list at all.
fn pod_has_no_spec(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    pod.spec.as_ref().is_none_or(|s| s.containers.is_empty())
}

/// The node condition of a resource that ran low.
fn pressure_condition(resource: &str) -> Option<&'static str> {
    match resource {
        "memory" => Some("MemoryPressure"),
        "ephemeral-storage" | "nodefs" | "imagefs" | "storage" => Some("DiskPressure"),
        "pids" => Some("PIDPressure"),
        _ => None,
    }
}

fn help(ev: &Eviction, node: Option<&str>, ns: &str, name: &str) -> String {
    let container = ev.container.as_deref().unwrap_or("of the pod");
    let node = node.unwrap_or("the node");
    let cleanup = format!("; then delete the leftover pod (`kubectl delete pod {name} -n {ns}`)");
    let usage = match (&ev.used, &ev.request) {
        (Some(u), Some(r)) => {
            let shown = parse_quantity(u).map_or_else(|| u.clone(), util::format_bytes);
            format!(" (it used {shown} with a request of {r})")
        }
        _ => String::new(),
    };
    let body = match (ev.own_limit, ev.resource.as_deref()) {
        (true, _) => match &ev.limit {
            Some(l) => format!(
                "container {container} wrote more than its ephemeral-storage limit {l}: raise `resources.limits.ephemeral-storage` above {l}, or write large files to a volume (a PVC, or an `emptyDir` with a `sizeLimit`)"
            ),
            None => format!(
                "container {container} went over its ephemeral-storage limit: raise `resources.limits.ephemeral-storage`, or write large files to a volume"
            ),
        },
        (false, Some("memory")) => format!(
            "set `resources.requests.memory` of container {container} to its real usage{usage}: pods using most above their request are evicted first, and requests that match usage keep {node} from being overcommitted"
        ),
        (false, Some("pids")) => format!(
            "container {container} or its neighbours on {node} run too many processes: fix the process leak and cap it with the kubelet's `podPidsLimit`"
        ),
        (false, Some(_)) => format!(
            "set `resources.requests.ephemeral-storage` (and a limit) of container {container} to what it writes{usage}, write large files to a volume, and free disk on {node} (unused images, logs)"
        ),
        (false, None) => format!(
            "read why {node} evicted the pod (its conditions and events), then set `resources.requests` of the pod to its real usage"
        ),
    };
    body + &cleanup
}
