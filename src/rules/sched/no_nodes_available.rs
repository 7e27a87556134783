//! KT-SCHED-002 no-nodes-available

use super::common::{self, Kind, Nodes};
use crate::declare_rule;
use crate::model::{Cluster, Entry, ObjectRef};
use crate::rules::{Evidence, Finding, Findings};
use k8s_openapi::api::core::v1::Node;

declare_rule! {
    /// ## What it does
    /// Finds Pending pods that have no node to go to at all: the cluster has no nodes
    /// (`no nodes available to schedule pods`, `0/0 nodes are available`), or every node is
    /// NotReady or unreachable.
    ///
    /// ## Why is this bad?
    /// Nothing new can start anywhere, and nothing the pod's own spec says will change that.
    /// It happens on local clusters whose node is stopped or still starting, after every
    /// worker was removed, or when all kubelets lost the API server.
    ///
    /// When the snapshot holds Node objects, the rule trusts them: the message alone is not
    /// enough when a node is Ready now. A `FailedScheduling` for a node that was not ready yet
    /// at cluster start, followed by `Scheduled`, is history and reported as `info`.
    ///
    /// ## Example
    /// ```text
    /// Events:
    ///   Warning  FailedScheduling  15s  default-scheduler  no nodes available to schedule pods
    /// ```
    ///
    /// ## How to fix
    /// Start or add nodes, or bring the existing ones back to Ready (`kubectl describe node`
    /// shows why the kubelet is not ready: stopped kubelet, container runtime, CNI). The pod
    /// is scheduled by itself once a node is Ready.
    pub(crate) static RULE = {
        code: "KT-SCHED-002",
        name: "no-nodes-available",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let nodes = Nodes::new(cluster);
    let mine = |k: &Kind| matches!(k, Kind::NoNodes | Kind::NotReady(_));
    for s in common::pods(cluster) {
        if common::history(&RULE, cluster, &s, mine, out) {
            continue;
        }
        let report = s.report.as_ref();
        // The message says no node is there, or that all of them are not ready.
        let cause = report.and_then(|r| {
            r.of(mine)
                .find(|c| c.kind == Kind::NoNodes || (c.count.is_some() && c.count == r.total))
        });
        // A scheduler message that blames something else means some node was there.
        if report.is_some() && cause.is_none() {
            continue;
        }
        if nodes.list.is_empty() {
            let (Some(report), Some(cause)) = (report, cause) else {
                continue;
            };
            let what = if cause.kind == Kind::NoNodes {
                "the cluster has no nodes".to_string()
            } else {
                format!(
                    "{} {} not ready",
                    report.nodes_text(cause),
                    if cause.count == Some(1) { "is" } else { "are" }
                )
            };
            out.push(
                Finding::new(&RULE, s.object_ref())
                    .message(format!(
                        "no node can run the pod: {what}{}",
                        report.suffix()
                    ))
                    .help(
                        "start or add a node (`kubectl get nodes` should list a Ready one); on a \
                         local cluster start its node (minikube, kind, Docker Desktop), then the \
                         pod is scheduled by itself",
                    )
                    .cause("no nodes")
                    .evidence_all(s.message_evidence(cluster)),
            );
            continue;
        }
        let down: Vec<(&Entry, &Node, String, String)> = nodes
            .list
            .iter()
            .filter_map(|&(e, n)| {
                let name = n.metadata.name.clone().unwrap_or_default();
                let taint = n
                    .spec
                    .as_ref()
                    .and_then(|sp| sp.taints.as_deref())
                    .unwrap_or(&[])
                    .iter()
                    .find(|t| {
                        t.key == "node.kubernetes.io/not-ready"
                            || t.key == "node.kubernetes.io/unreachable"
                    })
                    .map(|t| format!("taint {}", t.key));
                let why = common::not_ready(n).or(taint)?;
                Some((e, n, name, why))
            })
            .collect();
        if down.len() != nodes.list.len() {
            continue;
        }
        let listed: Vec<String> = down
            .iter()
            .map(|(_, _, n, w)| format!("{n} ({w})"))
            .collect();
        let names: Vec<&str> = down.iter().map(|(_, _, n, _)| n.as_str()).collect();
        let mut message = match listed.as_slice() {
            [only] => format!("no node can run the pod: its only node, {only}, is NotReady"),
            _ => format!(
                "no node can run the pod: all {} nodes are NotReady: {}",
                down.len(),
                common::names(&listed, 3)
            ),
        };
        if let Some(r) = report {
            message.push_str(&r.suffix());
        }
        let first = names.first().copied().unwrap_or("");
        let mut f = Finding::new(&RULE, s.object_ref())
            .message(message)
            .help(format!(
                "bring a node back to Ready: `kubectl describe node {first}` shows why its \
                 kubelet is not ready (kubelet stopped, container runtime or CNI down); the pod \
                 is scheduled once a node is Ready"
            ))
            .cause("nodes not ready")
            .evidence_all(s.message_evidence(cluster));
        for (e, n, name, why) in down.iter().take(3) {
            f = match common::ready_path(n) {
                Some(p) => f.evidence(Evidence::field(e, &p, format!("{name} {why}"))),
                None => f.evidence(Evidence::object(e, format!("{name} {why}"))),
            };
        }
        for name in names {
            f = f.related(ObjectRef::new("Node", None, name));
        }
        out.push(f);
    }
}
