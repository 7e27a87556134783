//! KT-SVC-001 service-no-endpoints

use super::common::{self, not_ready_evidence, obj_name, pod_state, selector_text, Index, Source};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{util, Evidence, Finding, Findings, Severity};

declare_rule! {
    /// ## What it does
    /// Finds Services with a selector that have no ready endpoint, and says which of two
    /// things is behind it: no pod matches the selector, or pods match but none is ready.
    ///
    /// The endpoints are read from the Service's Endpoints object (no `subsets`, or only
    /// `notReadyAddresses`), else from its EndpointSlices (no endpoint with
    /// `conditions.ready` true), else, when the snapshot holds neither kind for the
    /// namespace, from the pods the selector matches. Services without a selector (their
    /// Endpoints are managed by hand) and `ExternalName` Services are left alone. The
    /// cluster DNS Service `kube-system/kube-dns` is reported by KT-DNS-001 instead.
    ///
    /// ## Why is this bad?
    /// Every connection to the Service fails: kube-proxy has nowhere to send it, so clients
    /// see `connection refused` or time out, and an Ingress in front of it answers `503`.
    /// This is a symptom: when no pod matches, the selector is wrong (KT-SVC-002 names the
    /// pods it nearly matches); when pods match but none is ready, the pods' own findings (a
    /// crash loop, an OOM kill, a failing readiness probe) are the cause, and the finding
    /// lists those pods as related so that their findings are shown as its cause.
    ///
    /// ## Example
    /// ```text
    /// Name:              fastapi-k8s-metrics
    /// Selector:          app=fastapi-k8s-api,app.kubernetes.io/part-of=fastapi-k8s
    /// TargetPort:        8000/TCP
    /// Endpoints:         <none>
    /// ```
    ///
    /// ## How to fix
    /// When no pod matches, change `spec.selector` of the Service to the labels of the pods
    /// it should route to (or fix the labels of the pod template). When pods match but none
    /// is ready, fix the pods first: the Service gets endpoints as soon as they pass their
    /// readiness probe.
    pub(crate) static RULE = {
        code: "KT-SVC-001",
        name: "service-no-endpoints",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let idx = Index::new(cluster);
    for (s, view) in common::with_endpoints(cluster, &idx) {
        let (entry, sel, ns, name) = (s.entry, s.sel, s.ns, s.name);
        if view.ready() > 0 {
            continue;
        }
        let from_objects = !matches!(view.source, Source::Pods);
        if !from_objects && !idx.has_pods(ns) {
            // Neither endpoints nor pods of the namespace: nothing is known.
            continue;
        }
        let sel_text = selector_text(sel);
        let matched = idx.selected(&s);
        let live: Vec<_> = matched.iter().filter(|(_, p)| !common::gone(p)).collect();
        let not_ready: Vec<_> = live.iter().filter(|(_, p)| !util::pod_ready(p)).collect();
        let mut f = Finding::new(&RULE, entry.object_ref())
            .evidence(Evidence::field(entry, "spec.selector", "the selector"))
            .evidence_all(view.not_ready_evidence());
        if view.not_ready().next().is_none() {
            f = f.evidence_opt(view.object_evidence("lists no address"));
        }
        let head = format!("Service {ns}/{name} has no ready endpoint");
        let endpoints_note = match (&view.source, view.endpoints.len()) {
            (Source::Pods, _) => String::new(),
            (Source::Missing, _) => "; the snapshot has no Endpoints object for it".to_string(),
            (_, 0) => format!("; {} lists no address", view.describe_source()),
            (_, n) => format!(
                "; {} lists {n} address{}, none ready",
                view.describe_source(),
                if n == 1 { "" } else { "es" }
            ),
        };
        if matched.is_empty() {
            let templates = idx.templates_matching(ns, sel);
            let listed: Vec<&str> = view
                .not_ready()
                .map(|e| e.pod.as_ref().map_or(e.ip.as_str(), |p| p.name.as_str()))
                .collect();
            if !listed.is_empty() {
                // The endpoints controller found pods, the snapshot does not hold them.
                for ep in view.not_ready() {
                    if let Some(p) = &ep.pod {
                        f = f.related(p.clone());
                    }
                }
                f = f
                    .message(format!(
                        "{head}{endpoints_note} ({}); the pods behind them are not in the snapshot",
                        common::name_list(&listed, 3)
                    ))
                    .help(format!(
                        "find why the pods behind Service {name} are not ready (`kubectl \
                         describe pods -n {ns} -l {sel_text}`); the Service gets endpoints as soon \
                         as they pass their readiness probe"
                    ));
            } else if !idx.has_pods(ns) {
                f = f
                    .message(format!(
                        "{head}{endpoints_note}, and the snapshot holds no pods of namespace \
                         {ns} to tell why"
                    ))
                    .help(format!(
                        "check that pods with the labels `{sel_text}` exist and are ready \
                         (`kubectl get pods -n {ns} -l {sel_text}`); if none should, fix \
                         `spec.selector` of Service {name}"
                    ));
            } else if let Some(t) = templates.first() {
                let w = t.entry.object_ref();
                let what = format!("{} {}", w.kind, obj_name(t.entry));
                f = f.related(w);
                if t.replicas == Some(0) {
                    f = f
                        .severity(Severity::Warning)
                        .message(format!(
                            "{head}: no pod matches its selector `{sel_text}` because {what}, \
                             whose pods it selects, is scaled to 0 replicas{endpoints_note}"
                        ))
                        .help(format!(
                            "scale {what} up (`spec.replicas` above 0), or delete Service \
                             {name} if nothing should serve it"
                        ))
                        .evidence(Evidence::field(t.entry, "spec.replicas", "0 replicas"));
                } else {
                    f = f
                        .message(format!(
                            "{head}: no pod matches its selector `{sel_text}`; {what}, whose \
                             pod template it selects, has no pods{endpoints_note}"
                        ))
                        .help(format!(
                            "find why {what} creates no pods (the events of the workload and \
                             its ReplicaSet: quota, admission webhooks, service account)"
                        ))
                        .evidence(Evidence::object(t.entry, "the workload it selects"));
                }
            } else {
                f = f
                    .message(format!(
                        "{head}: no pod in namespace {ns} matches its selector \
                         `{sel_text}`{endpoints_note}"
                    ))
                    .help(format!(
                        "the selector is wrong: change `spec.selector` of Service {name} to \
                         the labels of the pods it should route to (KT-SVC-002 names the \
                         nearest pods), or fix the labels of their pod template"
                    ));
            }
            out.push(f);
            continue;
        }
        if live.is_empty() {
            let names: Vec<&str> = matched.iter().map(|(e, _)| name_of(e)).collect();
            for (e, p) in &matched {
                f = f.related(e.object_ref()).evidence(Evidence::field(
                    e,
                    "status.phase",
                    format!("the pod is {}", util::phase(p)),
                ));
            }
            out.push(
                f.message(format!(
                    "{head}: the {} pod{} its selector `{sel_text}` matches ({}) ended or \
                     {} being deleted{endpoints_note}",
                    matched.len(),
                    plural(matched.len()),
                    common::name_list(&names, 3),
                    if matched.len() == 1 { "is" } else { "are" },
                ))
                .help(format!(
                    "a Service needs long-running pods: start the workload behind Service \
                     {name} again, or point `spec.selector` at pods that keep running"
                )),
            );
            continue;
        }
        if not_ready.len() < live.len() {
            // Pods are ready, yet the endpoints list none of them ready.
            out.push(
                f.severity(Severity::Warning)
                    .message(format!(
                        "{head}: {} lists no ready address although {} of the {} pod{} its \
                         selector `{sel_text}` matches {} ready",
                        view.describe_source(),
                        live.len() - not_ready.len(),
                        live.len(),
                        plural(live.len()),
                        if live.len() - not_ready.len() == 1 {
                            "is"
                        } else {
                            "are"
                        },
                    ))
                    .help(
                        "the endpoints are out of date: check that kube-controller-manager \
                         runs (its endpoints controller writes them), and collect the \
                         snapshot again",
                    ),
            );
            continue;
        }
        let states: Vec<String> = not_ready
            .iter()
            .map(|(e, p)| format!("{}: {}", name_of(e), pod_state(p)))
            .collect();
        for (e, p) in not_ready.iter().take(5) {
            f = f.evidence(not_ready_evidence(e, p));
        }
        for (e, _) in &not_ready {
            f = f.related(e.object_ref());
        }
        out.push(
            f.message(format!(
                "{head}: {} pod{} match{} its selector `{sel_text}` but none is ready ({}){endpoints_note}",
                not_ready.len(),
                plural(not_ready.len()),
                if not_ready.len() == 1 { "es" } else { "" },
                common::state_list(&states, 3),
            ))
            .help(format!(
                "fix the pods behind Service {name} first: their own findings say why they are \
                 not ready; the Service gets endpoints as soon as they pass their readiness \
                 probe"
            )),
        );
    }
}

fn name_of(e: &crate::model::Entry) -> &str {
    e.object.metadata().name.as_deref().unwrap_or("")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
