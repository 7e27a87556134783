//! KT-SVC-002 service-selector-mismatch

use super::common::{self, is_typo, key_path, selector_text, Index, Source};
use crate::declare_rule;
use crate::model::{Cluster, Entry};
use crate::rules::{util, Evidence, Finding, Findings};
use k8s_openapi::api::core::v1::Pod;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Finds Services whose selector matches no pod of their namespace, and names the
    /// nearest pods.
    ///
    /// The nearest pods are those whose labels miss the fewest selector labels. The message
    /// shows the label that differs (`app: fastapi-k8s` where the selector wants
    /// `app: fastapi-k8s-api`), with a note when it looks like a typo (an edit distance of at
    /// most 2 in the value or the key).
    ///
    /// It only speaks when the snapshot holds pods of the namespace (a snapshot without pods
    /// proves nothing), and stays silent when a workload's pod template matches the selector
    /// (the pods are missing, not mislabelled: KT-SVC-001 says so) or when the Service's
    /// Endpoints list addresses (the selector matches pods the snapshot does not hold).
    ///
    /// ## Why is this bad?
    /// The Service gets no endpoints, so every connection to it fails (KT-SVC-001 is the
    /// symptom, this is its cause). Nothing else complains: the pods run and are ready, the
    /// Service exists, and `kubectl get svc` looks fine; only `Endpoints: <none>` gives it
    /// away.
    ///
    /// ## Example
    /// ```text
    /// Name:        fastapi-k8s-metrics
    /// Selector:    app=fastapi-k8s-api,app.kubernetes.io/part-of=fastapi-k8s
    /// Endpoints:   <none>
    ///
    /// Name:        fastapi-k8s-6d9f7c8b5-m4x7q
    /// Labels:      app=fastapi-k8s
    ///              app.kubernetes.io/part-of=fastapi-k8s
    /// ```
    ///
    /// ## How to fix
    /// Change the differing key of `spec.selector` of the Service to the pods' value
    /// (`app: fastapi-k8s`), or remove a selector label the pods do not carry; if the
    /// Service is right, change the labels of the pod template instead.
    pub(crate) static RULE = {
        code: "KT-SVC-002",
        name: "service-selector-mismatch",
        severity: Error,
        check: check,
    };
}

/// One selector label a pod does not satisfy.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Miss {
    /// Selector key.
    key: String,
    /// Value the selector wants.
    want: String,
    /// The pod's nearest label: its own value for the key, or a key that looks like a typo
    /// of it.
    have: Option<(String, String)>,
    /// Within an edit distance of 2.
    typo: bool,
}

/// A pod near the selector, with the labels it misses.
type Near<'a> = (&'a Entry, Vec<Miss>);

/// The nearest pods with their score: (labels missed, of which not typos).
type Nearest<'a> = ((usize, usize), Vec<Near<'a>>);

fn check(cluster: &Cluster, out: &mut Findings) {
    let idx = Index::new(cluster);
    for s in common::selecting_services(cluster) {
        let (entry, sel, ns, name) = (s.entry, s.sel, s.ns, s.name);
        if !idx.has_pods(ns) || !idx.selected(&s).is_empty() {
            continue;
        }
        if !idx.templates_matching(ns, sel).is_empty() {
            continue;
        }
        // The endpoints controller listed addresses: the selector does match pods, the
        // snapshot just lacks them.
        let view = idx.endpoints(cluster, entry, sel);
        if !matches!(view.source, Source::Pods) && !view.endpoints.is_empty() {
            continue;
        }
        let sel_text = selector_text(sel);
        // The nearest pods: fewest missed labels, then fewest that are not typos. A pod
        // that carries one of the selector's labels misses fewer than one that carries none,
        // so the others (typos only) are read only when no pod shares a label.
        let (mut best, _) = nearest(sel, idx.sharing(ns, sel));
        let mut total = 0;
        if best.is_none() {
            (best, total) = nearest(sel, idx.pods_in(ns));
        }
        let mut f = Finding::new(&RULE, entry.object_ref()).cause(sel_text.clone());
        let head = format!(
            "the selector `{sel_text}` of Service {ns}/{name} matches no pod in namespace {ns}"
        );
        let Some((_, nearest)) = best else {
            out.push(
                f.message(format!(
                    "{head} ({total} pod{} there, none carries any of its labels)",
                    if total == 1 { "" } else { "s" }
                ))
                .help(format!(
                    "change `spec.selector` of Service {name} to the labels of the pods it \
                     should route to (`kubectl get pods -n {ns} --show-labels`)"
                ))
                .evidence(Evidence::field(entry, "spec.selector", "the selector")),
            );
            continue;
        };
        // The largest group of nearest pods that miss the same way.
        let mut groups: BTreeMap<Vec<Miss>, Vec<&Entry>> = BTreeMap::new();
        for (pe, m) in nearest {
            groups.entry(m).or_default().push(pe);
        }
        let Some((misses, pods)) = groups
            .into_iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(&a.0)))
        else {
            continue;
        };
        let names: Vec<&str> = pods
            .iter()
            .map(|e| e.object.metadata().name.as_deref().unwrap_or(""))
            .collect();
        let owners: Vec<String> = {
            let mut v: Vec<String> = pods
                .iter()
                .filter_map(|e| util::workload_of(cluster, e))
                .map(|w| format!("{} {}", w.object.kind(), common::obj_name(w)))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let one = pods.len() == 1;
        let whose = match (owners.as_slice(), one) {
            ([w], true) => format!("pod {} of {w}", common::name_list(&names, 1)),
            (_, true) => format!("pod {}", common::name_list(&names, 1)),
            ([w], false) => format!(
                "{} pods of {w} ({})",
                pods.len(),
                common::name_list(&names, 3)
            ),
            _ => format!("{} pods ({})", pods.len(), common::name_list(&names, 3)),
        };
        let pods_of = match (owners.as_slice(), one) {
            (_, true) => format!("pod {}", common::name_list(&names, 1)),
            ([w], false) => format!("the pods of {w}"),
            _ => format!("pods {}", common::name_list(&names, 3)),
        };
        let has = if one { "has" } else { "have" };
        let diffs: Vec<String> = misses.iter().map(|m| describe_miss(m, one)).collect();
        let message = format!(
            "{head}; the nearest, {whose}, differ{} in {} label{}: {}",
            if one { "s" } else { "" },
            misses.len(),
            if misses.len() == 1 { "" } else { "s" },
            diffs.join("; "),
        );
        let fixes: Vec<String> = misses
            .iter()
            .map(|m| match &m.have {
                Some((k, v)) if *k == m.key => format!(
                    "change `spec.selector.{}` of Service {name} to `{v}` (the label of {pods_of})",
                    m.key
                ),
                Some((k, v)) => format!(
                    "change the key `spec.selector.{}` of Service {name} to `{k}` ({pods_of} \
                     {} `{k}: {v}`)",
                    m.key,
                    if one { "carries" } else { "carry" }
                ),
                None => format!(
                    "remove `spec.selector.{}` from Service {name} ({pods_of} {has} no `{}` \
                     label), or add `{}: {}` to the pod template",
                    m.key, m.key, m.key, m.want
                ),
            })
            .collect();
        let mut help = fixes.join("; ");
        if misses.iter().any(|m| m.have.is_some()) {
            help.push_str(
                "; if the Service is right, change the labels of the pod template instead",
            );
        }
        f = f.message(message).help(help);
        for m in &misses {
            f = f.evidence(Evidence::field(
                entry,
                &key_path(entry, "spec.selector", &m.key),
                format!("the selector wants `{}: {}`", m.key, m.want),
            ));
        }
        if let Some(pe) = pods.first() {
            for m in &misses {
                if let Some((k, v)) = &m.have {
                    f = f.evidence(Evidence::field(
                        pe,
                        &key_path(pe, "metadata.labels", k),
                        format!("the pod carries `{k}: {v}`"),
                    ));
                }
            }
            if misses.iter().all(|m| m.have.is_none()) {
                f = f.evidence(Evidence::field(pe, "metadata.labels", "the pod's labels"));
            }
        }
        out.push(f);
    }
}

/// The selector labels a pod does not satisfy, each with the pod's nearest label.
/// Among `pods` (those still there), the ones whose labels come nearest to `sel`, with the
/// score and their misses; and how many pods were compared.
fn nearest<'a>(
    sel: &common::Selector,
    pods: impl IntoIterator<Item = (&'a Entry, &'a Pod)>,
) -> (Option<Nearest<'a>>, usize) {
    let mut best: Option<Nearest<'a>> = None;
    let mut total = 0;
    for (pe, pod) in pods {
        if common::gone(pod) {
            continue;
        }
        total += 1;
        let misses = misses(sel, pod);
        let typos = misses.iter().filter(|m| m.typo).count();
        if misses.len() == sel.len() && typos == 0 {
            continue;
        }
        let score = (misses.len(), misses.len() - typos);
        match &mut best {
            Some((s, list)) if *s == score => list.push((pe, misses)),
            Some((s, _)) if *s < score => {}
            _ => best = Some((score, vec![(pe, misses)])),
        }
    }
    (best, total)
}

fn misses(sel: &common::Selector, pod: &Pod) -> Vec<Miss> {
    let empty = BTreeMap::new();
    let labels = pod.metadata.labels.as_ref().unwrap_or(&empty);
    sel.iter()
        .filter(|(k, v)| labels.get(*k) != Some(*v))
        .map(|(k, v)| match labels.get(k) {
            Some(have) => Miss {
                key: k.clone(),
                want: v.clone(),
                have: Some((k.clone(), have.clone())),
                typo: is_typo(v, have),
            },
            None => {
                // A key that looks like a typo of the selector's, with a close value.
                let alt = labels
                    .iter()
                    .filter(|(lk, _)| !sel.contains_key(*lk))
                    .find(|(lk, lv)| is_typo(k, lk) && (*lv == v || is_typo(v, lv)));
                Miss {
                    key: k.clone(),
                    want: v.clone(),
                    have: alt.map(|(a, b)| (a.clone(), b.clone())),
                    typo: alt.is_some(),
                }
            }
        })
        .collect()
}

fn describe_miss(m: &Miss, one: bool) -> String {
    let typo = if m.typo { " (a typo?)" } else { "" };
    let (carry, have) = if one {
        ("it carries", "it has")
    } else {
        ("they carry", "they have")
    };
    match &m.have {
        Some((k, v)) => format!(
            "{carry} `{k}: {v}` where the selector wants `{}: {}`{typo}",
            m.key, m.want
        ),
        None => format!(
            "{have} no `{}` label (the selector wants `{}: {}`)",
            m.key, m.key, m.want
        ),
    }
}
