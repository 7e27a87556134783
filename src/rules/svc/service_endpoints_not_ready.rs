//! KT-SVC-004 service-endpoints-not-ready

use super::common::{self, not_ready_evidence, pod_state, Index};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds degraded Services: some of their endpoints are ready, others are not.
    ///
    /// The endpoints that are not ready are the Endpoints' `notReadyAddresses`, the
    /// EndpointSlice endpoints with `conditions.ready: false` (terminating ones left out), or,
    /// when the snapshot holds neither, the selected pods that are not ready. The message gives
    /// the counts (`2 of 4 endpoints are not ready`) and the finding lists exactly the pods
    /// behind the endpoints that are not ready as related (by `targetRef`, else by pod IP), so
    /// that their own findings (a crash loop, an OOM kill, a failing readiness probe) show as
    /// its cause.
    ///
    /// A Service with no ready endpoint at all is KT-SVC-001; the cluster DNS Service is
    /// reported by KT-DNS-001.
    ///
    /// ## Why is this bad?
    /// The Service still answers, but on fewer pods than it should: less capacity, and no
    /// headroom when one more pod fails. During a stuck rollout it is often the only visible
    /// sign that the new pods never became ready.
    ///
    /// ## Example
    /// ```text
    /// Subsets:
    ///   Addresses:          10.1.0.6,10.1.0.7
    ///   NotReadyAddresses:  10.1.0.8,10.1.0.9
    /// ```
    ///
    /// ## How to fix
    /// Fix the pods that are not ready; their own findings say why. The Service is whole
    /// again as soon as they pass their readiness probe.
    pub(crate) static RULE = {
        code: "KT-SVC-004",
        name: "service-endpoints-not-ready",
        severity: Warning,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let idx = Index::new(cluster);
    for (
        common::Selecting {
            entry, ns, name, ..
        },
        view,
    ) in common::with_endpoints(cluster, &idx)
    {
        let ready = view.ready();
        let not_ready: Vec<_> = view.not_ready().collect();
        if ready == 0 || not_ready.is_empty() {
            continue;
        }
        let total = ready + not_ready.len();
        let mut f = Finding::new(&RULE, entry.object_ref())
            .evidence_all(view.not_ready_evidence())
            .evidence_all(view.ready_evidence());
        let mut states = Vec::new();
        for ep in &not_ready {
            let pod = ep
                .pod
                .as_ref()
                .and_then(|r| idx.pod_by_name(r.namespace.as_deref().unwrap_or(ns), &r.name));
            match (&ep.pod, pod) {
                (Some(r), Some((pe, p))) => {
                    states.push(format!("{}: {}", r.name, pod_state(p)));
                    f = f.related(r.clone()).evidence(not_ready_evidence(pe, p));
                }
                (Some(r), None) => {
                    states.push(r.name.clone());
                    f = f.related(r.clone());
                }
                (None, _) => states.push(ep.ip.clone()),
            }
        }
        out.push(
            f.message(format!(
                "Service {ns}/{name} is degraded: {} of {total} endpoints {} not ready ({}); \
                 traffic goes to the {ready} ready one{}",
                not_ready.len(),
                if not_ready.len() == 1 { "is" } else { "are" },
                common::state_list(&states, 4),
                if ready == 1 { "" } else { "s" },
            ))
            .help(format!(
                "fix the pods behind Service {name} that are not ready (their own findings say \
                 why); the Service is whole again once they pass their readiness probe"
            ))
            .evidence_opt(
                view.not_ready_evidence()
                    .next()
                    .is_none()
                    .then(|| Evidence::field(entry, "spec.selector", "the selector")),
            ),
        );
    }
}
