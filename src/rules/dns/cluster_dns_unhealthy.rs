//! KT-DNS-001 cluster-dns-unhealthy

use crate::declare_rule;
use crate::ingest::logs::signals::SignalKind;
use crate::ingest::logs::Instance;
use crate::model::{Cluster, ContainerLog, Entry};
use crate::rules::svc::common::{self, not_ready_evidence, pod_state, Index, Source};
use crate::rules::{util, Evidence, Finding, Findings, Severity};
use k8s_openapi::api::core::v1::{Pod, Service};

declare_rule! {
    /// ## What it does
    /// Finds an unhealthy cluster DNS: CoreDNS pods down, the `kube-dns` Service without a
    /// ready endpoint, or CoreDNS stopping on a forwarding loop.
    ///
    /// It looks at the CoreDNS (or kube-dns) pods in `kube-system`, label
    /// `k8s-app=kube-dns`, that are not running or not ready, the endpoints of the `kube-dns`
    /// Service, and CoreDNS logs that show a forwarding loop (`[FATAL] plugin/loop: Loop ...
    /// detected`) or another fatal error. The finding is about the `kube-dns` Service and lists
    /// the failing CoreDNS pods as related, so that their own findings (crash loop, OOM kill,
    /// scheduling, failing readiness probe) show as its cause.
    ///
    /// It reads the current state only: scheduling trouble while the cluster started
    /// (`FailedScheduling` then `Scheduled`) is history once the pods are ready, and a fatal
    /// line in the previous log of a pod that is ready now is reported as `info`. When some
    /// CoreDNS pods are ready and others not, the finding is a `warning`.
    ///
    /// ## Why is this bad?
    /// Every pod resolves names through the cluster DNS: with it down, Service names do not
    /// resolve (`Temporary failure in name resolution`, `no such host`), and applications fail
    /// in ways that look like their own bugs or network faults.
    ///
    /// ## Example
    /// ```text
    /// coredns-7db6d8ff4d-5kx8w   0/1   CrashLoopBackOff   6   8m
    /// [FATAL] plugin/loop: Loop (127.0.0.1:38827 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting
    /// ```
    ///
    /// ## How to fix
    /// For a loop, stop CoreDNS from forwarding to itself: point the kubelet's `resolvConf`
    /// at the real upstream file (`/run/systemd/resolve/resolv.conf` on systemd-resolved
    /// nodes), or replace `forward . /etc/resolv.conf` in the `coredns` ConfigMap by an
    /// upstream DNS server. Otherwise fix the CoreDNS pods as their own findings say, or the
    /// selector of the `kube-dns` Service when it does not select them.
    pub(crate) static RULE = {
        code: "KT-DNS-001",
        name: "cluster-dns-unhealthy",
        severity: Error,
        check: check,
    };
}

const NS: &str = "kube-system";

/// A fatal line in a CoreDNS log.
struct Fatal<'a> {
    log: &'a ContainerLog,
    line: u64,
    text: String,
    is_loop: bool,
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let idx = Index::new(cluster);
    let svc_entry = cluster.get("Service", Some(NS), "kube-dns");
    let selector = svc_entry
        .and_then(util::typed::<Service>)
        .and_then(common::selector_of);
    let dns_pods: Vec<(&Entry, &Pod)> = idx
        .pods_in(NS)
        .filter(|(_, p)| {
            let labels = p.metadata.labels.as_ref();
            labels
                .and_then(|l| l.get("k8s-app"))
                .is_some_and(|v| v == "kube-dns")
                || selector.is_some_and(|s| crate::model::selector_matches(s, labels))
        })
        .collect();
    if svc_entry.is_none() && dns_pods.is_empty() {
        return;
    }
    let live: Vec<(&Entry, &Pod)> = dns_pods
        .iter()
        .copied()
        .filter(|(_, p)| !common::gone(p))
        .collect();
    let failing: Vec<(&Entry, &Pod)> = live
        .iter()
        .copied()
        .filter(|(_, p)| !(util::phase(p) == "Running" && util::pod_ready(p)))
        .collect();
    let ready = live.len() - failing.len();
    let view = match (svc_entry, selector) {
        (Some(e), Some(sel)) => Some(idx.endpoints(cluster, e, sel)),
        _ => None,
    };
    let svc_known = view
        .as_ref()
        .is_some_and(|v| !matches!(v.source, Source::Pods));
    let svc_empty = view.as_ref().is_some_and(|v| v.ready() == 0);
    // The object the finding is about: the Service, else the CoreDNS workload, else a pod.
    let object = svc_entry
        .or_else(|| {
            dns_pods
                .first()
                .and_then(|(e, _)| util::workload_of(cluster, e))
        })
        .or_else(|| dns_pods.first().map(|(e, _)| *e));
    let Some(object) = object else { return };
    let mut f = Finding::new(&RULE, object.object_ref());

    let endpoints_ready = svc_known && !svc_empty;
    let active = !failing.is_empty()
        || (svc_known && svc_empty)
        || (live.is_empty() && idx.has_pods(NS) && !endpoints_ready);
    if !active {
        // Healthy now: a fatal line in a previous log is history.
        let history = live.iter().find_map(|(_, p)| {
            fatal_line(cluster, p, &[Instance::Previous]).map(|h| (util::ns_name(p).1, h))
        });
        if let Some((pod, h)) = history {
            out.push(
                f.severity(Severity::Info)
                    .message(format!(
                        "CoreDNS pod {pod} restarted after `{}`, but all {} CoreDNS pods are \
                         ready now",
                        h.text.trim(),
                        live.len()
                    ))
                    .help(loop_or_fatal_help(&h))
                    .evidence(Evidence::log(h.log, h.line, &h.text, "the fatal line")),
            );
        }
        return;
    }

    // No CoreDNS pod although the snapshot holds pods of kube-system.
    let none_running = live.is_empty() && idx.has_pods(NS);
    let mut parts = Vec::new();
    if !failing.is_empty() || none_running {
        let states: Vec<String> = failing
            .iter()
            .map(|(e, p)| {
                format!(
                    "{}: {}",
                    e.object.metadata().name.as_deref().unwrap_or(""),
                    pod_state(p)
                )
            })
            .collect();
        if none_running {
            parts.push(format!(
                "no CoreDNS pod runs in {NS} (label `k8s-app=kube-dns`)"
            ));
        } else {
            parts.push(format!(
                "{ready} of {} CoreDNS pods {} ready ({})",
                live.len(),
                if ready == 1 { "is" } else { "are" },
                common::state_list(&states, 3)
            ));
        }
    }
    if let Some(v) = view.as_ref().filter(|_| svc_empty && svc_known) {
        let what = match v.endpoints.len() {
            0 => "lists no address".to_string(),
            1 => "lists 1 address, not ready".to_string(),
            n => format!("lists {n} addresses, none ready"),
        };
        parts.push(format!(
            "Service {NS}/kube-dns has no ready endpoint ({} {what})",
            v.describe_source()
        ));
    }
    if failing.is_empty() && !live.is_empty() {
        parts.push(format!(
            "although {} CoreDNS pod{} {} ready",
            live.len(),
            if live.len() == 1 { "" } else { "s" },
            if live.len() == 1 { "is" } else { "are" },
        ));
    }
    let fatal = failing
        .iter()
        .find_map(|(_, p)| fatal_line(cluster, p, &[Instance::Previous, Instance::Current]));
    if let Some(h) = &fatal {
        parts.push(format!("CoreDNS logs `{}`", h.text.trim()));
    }
    let severity = if ready > 0 && !svc_empty {
        Severity::Warning
    } else {
        Severity::Error
    };
    let help = if let Some(h) = &fatal {
        loop_or_fatal_help(h)
    } else if failing.is_empty() && !live.is_empty() {
        format!(
            "Service {NS}/kube-dns does not send traffic to the CoreDNS pods: make its \
             `spec.selector` match their labels (`k8s-app: kube-dns`)"
        )
    } else if none_running {
        format!(
            "start CoreDNS again: scale Deployment {NS}/coredns up (`spec.replicas` of at least \
             2), or reinstall the cluster's DNS add-on"
        )
    } else {
        let consequence = if severity == Severity::Warning {
            "until then DNS runs on fewer replicas than it should"
        } else {
            "until then name lookups in the cluster fail"
        };
        format!(
            "fix the CoreDNS pods that are not ready ({NS}, label `k8s-app=kube-dns`): their own \
             findings say why (`kubectl -n {NS} describe pods -l k8s-app=kube-dns`); {consequence}"
        )
    };
    for (e, p) in failing.iter().take(3) {
        f = f.evidence(not_ready_evidence(e, p));
    }
    for (e, _) in &failing {
        f = f.related(e.object_ref());
    }
    if let Some(v) = &view {
        for ep in v.not_ready() {
            if let Some(r) = &ep.pod {
                f = f.related(r.clone());
            }
        }
    }
    if let Some(h) = &fatal {
        f = f.evidence(Evidence::log(h.log, h.line, &h.text, "the fatal line"));
    }
    if let Some(v) = view.as_ref().filter(|_| svc_empty && svc_known) {
        f = f.evidence_all(v.not_ready_evidence());
        if v.not_ready().next().is_none() {
            f = f.evidence_opt(v.object_evidence("lists no address"));
        }
    }
    out.push(
        f.severity(severity)
            .message(format!(
                "cluster DNS is {}: {}",
                if severity == Severity::Warning {
                    "degraded"
                } else {
                    "unhealthy"
                },
                parts.join("; ")
            ))
            .help(help)
            .cause(if fatal.as_ref().is_some_and(|h| h.is_loop) {
                "plugin/loop"
            } else {
                ""
            }),
    );
}

/// The first fatal line (a loop first) in the CoreDNS logs of a pod, in the given instances.
fn fatal_line<'a>(cluster: &'a Cluster, pod: &Pod, instances: &[Instance]) -> Option<Fatal<'a>> {
    let (ns, name) = util::ns_name(pod);
    let logs = cluster.logs_of_pod(ns, name);
    for &inst in instances {
        for log in logs.iter().filter(|l| l.instance == inst && !l.rotated) {
            let d = &log.digest;
            if let Some(s) = d
                .signals
                .iter()
                .find(|s| matches!(s.kind, SignalKind::CoreDnsLoop))
            {
                return Some(Fatal {
                    log,
                    line: s.line,
                    text: s.text.clone(),
                    is_loop: true,
                });
            }
            if let Some(l) = d
                .notable
                .iter()
                .chain(d.tail.iter())
                .find(|l| l.text.contains("[FATAL]"))
            {
                return Some(Fatal {
                    log,
                    line: l.line,
                    text: l.text.clone(),
                    is_loop: l.text.contains("plugin/loop"),
                });
            }
        }
    }
    None
}

fn loop_or_fatal_help(h: &Fatal<'_>) -> String {
    if h.is_loop {
        format!(
            "CoreDNS forwards queries to itself: the node's /etc/resolv.conf points at a local \
             resolver (127.0.0.53 with systemd-resolved); set the kubelet's `resolvConf` to \
             /run/systemd/resolve/resolv.conf, or replace `forward . /etc/resolv.conf` in the \
             Corefile of ConfigMap {NS}/coredns by an upstream DNS server's IP, then restart the \
             CoreDNS pods"
        )
    } else {
        format!(
            "CoreDNS stops on a fatal error: fix what the line names (usually the Corefile in \
             ConfigMap {NS}/coredns), then restart the CoreDNS pods"
        )
    }
}
