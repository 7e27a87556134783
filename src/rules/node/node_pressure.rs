//! KT-NODE-002 node-pressure

use super::common::{human_age, node_condition, node_events, seconds_before_capture};
use crate::declare_rule;
use crate::model::{Cluster, Entry};
use crate::rules::pod::common::{eviction, is_evicted};
use crate::rules::util::reason_is;
use crate::rules::{Evidence, Finding, Findings};
use k8s_openapi::api::core::v1::{Node, Pod};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Finds nodes with a `MemoryPressure`, `DiskPressure` or `PIDPressure` condition `True`
    /// now, and lists the pods the kubelet evicted from them.
    ///
    /// ## Why is this bad?
    /// Under pressure the kubelet evicts pods (those using most above their requests first),
    /// the node gets a `node.kubernetes.io/<x>-pressure:NoSchedule` taint so nothing new lands
    /// there, and under disk pressure it deletes unused images. Evicted pods stay behind in
    /// phase `Failed` with reason `Evicted` (KT-POD-001).
    ///
    /// A pressure condition that is `False` now is not reported, whatever the events say.
    ///
    /// ## Example
    /// ```text
    /// Conditions:
    ///   Type            Status  ...  Reason                        Message
    ///   MemoryPressure  True    ...  KubeletHasInsufficientMemory  kubelet has insufficient memory available
    /// ```
    ///
    /// ## How to fix
    /// Memory: set `resources.requests.memory` of the pods on the node to their real usage (so
    /// the scheduler stops overcommitting the node), lower their limits or add memory. Disk:
    /// free space on the node (unused images, logs, `emptyDir` data), set
    /// `resources.limits.ephemeral-storage` on pods that write a lot, or grow the disk. PIDs:
    /// find the pod that forks too many processes and set the kubelet's `podPidsLimit`.
    pub(crate) static RULE = {
        code: "KT-NODE-002",
        name: "node-pressure",
        severity: Error,
        check: check,
    };
}

const PRESSURES: [(&str, &str); 3] = [
    ("MemoryPressure", "memory"),
    ("DiskPressure", "disk"),
    ("PIDPressure", "pids"),
];

fn check(cluster: &Cluster, out: &mut Findings) {
    // Evicted pods by node, indexed once.
    let mut evicted: HashMap<&str, Vec<(&Entry, &Pod)>> = HashMap::new();
    // An evicted pod has failed: it shows trouble.
    for (e, p) in cluster.pods_of_note() {
        if !is_evicted(p) {
            continue;
        }
        if let Some(n) = p.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            evicted.entry(n).or_default().push((e, p));
        }
    }
    for (entry, node) in cluster.all::<Node>() {
        let name = entry.object.metadata().name.as_deref().unwrap_or("");
        for (type_, what) in PRESSURES {
            let Some((cond, path)) = node_condition(node, type_) else {
                continue;
            };
            if cond.status != "True" {
                continue;
            }
            let pods: Vec<&(&Entry, &Pod)> = evicted
                .get(name)
                .into_iter()
                .flatten()
                .filter(|(_, p)| {
                    let ev = eviction(p);
                    !ev.own_limit && ev.resource.is_none_or(|r| pressure_of(&r) == what)
                })
                .collect();
            let mut text = format!("node {name} has {type_}");
            let detail: Vec<&str> = [cond.reason.as_deref(), cond.message.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            if !detail.is_empty() {
                text.push_str(&format!(" ({})", detail.join(": ")));
            }
            if let Some(s) = cond
                .last_transition_time
                .as_ref()
                .and_then(|t| seconds_before_capture(cluster, t.0))
                .filter(|s| *s >= 0)
            {
                text.push_str(&format!(" for {}", human_age(s)));
            }
            if pods.is_empty() {
                text.push_str("; no evicted pods in the snapshot");
            } else {
                let names: Vec<String> = pods
                    .iter()
                    .take(5)
                    .map(|(e, _)| {
                        let m = e.object.metadata();
                        format!(
                            "{}/{}",
                            m.namespace.as_deref().unwrap_or(""),
                            m.name.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                let more = pods.len().saturating_sub(names.len());
                text.push_str(&format!(
                    "; {} pod{} evicted from it: {}{}",
                    pods.len(),
                    if pods.len() == 1 { "" } else { "s" },
                    names.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ));
            }
            let mut f = Finding::new(&RULE, entry.object_ref())
                .message(text)
                .help(help(name, what))
                .cause(type_)
                .evidence(Evidence::field(
                    entry,
                    &format!("{path}.status"),
                    format!("{type_} is True"),
                ));
            if cond.message.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{path}.message"),
                    "the kubelet's message",
                ));
            }
            let taint_key = format!("node.kubernetes.io/{}-pressure", taint_word(what));
            for (i, t) in node
                .spec
                .iter()
                .flat_map(|s| s.taints.iter().flatten())
                .enumerate()
            {
                if t.key == taint_key {
                    f = f.evidence(Evidence::field(
                        entry,
                        &format!("spec.taints[{i}].key"),
                        format!("taint {taint_key}"),
                    ));
                }
            }
            let signal = node_events(cluster, name)
                .into_iter()
                .rfind(|e| reason_is(e, &["EvictionThresholdMet", event_reason(what)]));
            if let Some(e) = signal {
                f = f.evidence(Evidence::event(cluster, e, "the kubelet reclaiming"));
            }
            for (e, _) in pods.iter().take(5) {
                f = f.evidence(Evidence::field(
                    e,
                    "status.message",
                    "evicted from this node",
                ));
            }
            out.push(f);
        }
    }
}

/// The pressure condition an eviction resource belongs to (`memory`, `disk`, `pids`).
fn pressure_of(resource: &str) -> &'static str {
    match resource {
        "memory" => "memory",
        "pids" => "pids",
        _ => "disk",
    }
}

/// The node event that reports the condition turning True.
fn event_reason(what: &str) -> &'static str {
    match what {
        "memory" => "NodeHasInsufficientMemory",
        "pids" => "NodeHasInsufficientPID",
        _ => "NodeHasDiskPressure",
    }
}

fn taint_word(what: &str) -> &'static str {
    match what {
        "memory" => "memory",
        "pids" => "pid",
        _ => "disk",
    }
}

fn help(name: &str, what: &str) -> String {
    match what {
        "memory" => format!(
            "free memory on {name}: set `resources.requests.memory` of its pods to their real usage so the scheduler stops overcommitting the node, lower `resources.limits.memory` of the biggest ones, or give the node more memory"
        ),
        "pids" => format!(
            "a pod on {name} runs too many processes: find it (`ps` on the node), fix the leak, and cap it with the kubelet's `podPidsLimit`"
        ),
        _ => format!(
            "free disk on {name}: remove unused images (`crictl rmi --prune`) and old logs, set `resources.limits.ephemeral-storage` on pods that write to their filesystem or `emptyDir`, or grow the node's disk"
        ),
    }
}
