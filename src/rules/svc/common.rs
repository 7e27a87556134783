//! What the Service rules (and the cluster DNS rule) share: the Services that route by
//! selector, the pods and endpoints behind each one, indexed once per check so that every
//! rule stays linear in the size of the snapshot.

use crate::ingest::SourceFormat;
use crate::model::{selector_matches, Cluster, Entry, ObjectRef};
use crate::rules::{util, Evidence};
use k8s_openapi::api::core::v1::{Endpoints, Pod, PodTemplateSpec, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use std::collections::BTreeMap;

/// The index's maps hash with foldhash: it is built over every pod label of the snapshot.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// A Service's label selector.
pub(crate) type Selector = BTreeMap<String, String>;

/// The selector of a Service that routes to pods: not `ExternalName`, selector not empty.
pub(crate) fn selector_of(svc: &Service) -> Option<&Selector> {
    let spec = svc.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    spec.selector.as_ref().filter(|s| !s.is_empty())
}

/// A Service that routes to pods by selector.
pub(crate) struct Selecting<'a> {
    /// The Service's entry.
    pub entry: &'a Entry,
    /// The Service.
    pub svc: &'a Service,
    /// Its selector.
    pub sel: &'a Selector,
    /// Its namespace.
    pub ns: &'a str,
    /// Its name.
    pub name: &'a str,
}

/// Every Service that routes to pods by selector.
pub(crate) fn selecting_services(cluster: &Cluster) -> impl Iterator<Item = Selecting<'_>> {
    cluster.all::<Service>().filter_map(|(entry, svc)| {
        let m = entry.object.metadata();
        Some(Selecting {
            entry,
            svc,
            sel: selector_of(svc)?,
            ns: m.namespace.as_deref().unwrap_or(""),
            name: m.name.as_deref().unwrap_or(""),
        })
    })
}

/// Every Service that routes to pods by selector, but the cluster DNS (KT-DNS-001 reports on
/// it), with its endpoints.
pub(crate) fn with_endpoints<'a, 'i>(
    cluster: &'a Cluster,
    idx: &'i Index<'a>,
) -> impl Iterator<Item = (Selecting<'a>, View<'a>)> + 'i
where
    'a: 'i,
{
    selecting_services(cluster)
        .filter(|s| !is_cluster_dns(s.entry))
        // Both rules that read endpoints pass over a Service whose endpoints are all ready.
        .filter(|s| !idx.all_ready_from_pods(cluster, s.entry, s.sel))
        .map(move |s| {
            let view = idx.endpoints(cluster, s.entry, s.sel);
            (s, view)
        })
}

/// The cluster DNS Service, `kube-system/kube-dns`, which KT-DNS-001 reports on.
fn is_cluster_dns(entry: &Entry) -> bool {
    let m = entry.object.metadata();
    m.namespace.as_deref() == Some("kube-system") && m.name.as_deref() == Some("kube-dns")
}

/// `app=web,tier=frontend`, as kubectl prints a selector.
pub(crate) fn selector_text(sel: &Selector) -> String {
    sel.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The path of one key of a map field: `spec.selector.app`, or
/// `spec.selector["app.kubernetes.io/name"]` in JSON/YAML when the key has dots or slashes
/// (describe text records `spec.selector.app.kubernetes.io/name`).
pub(crate) fn key_path(entry: &Entry, base: &str, key: &str) -> String {
    let text = matches!(
        entry.origin.format,
        SourceFormat::Describe | SourceFormat::Table
    );
    if !text && key.contains(['.', '/']) {
        format!("{base}[\"{key}\"]")
    } else {
        format!("{base}.{key}")
    }
}

/// True when the object was read from describe text or a table (event times from ages,
/// no port names).
pub(crate) fn from_text(entry: &Entry) -> bool {
    matches!(
        entry.origin.format,
        SourceFormat::Describe | SourceFormat::Table
    )
}

/// A pod that will never serve: it ended (`Succeeded`/`Failed`) or is being deleted.
pub(crate) fn gone(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some() || matches!(util::phase(pod), "Succeeded" | "Failed")
}

/// The pod's IP, when it has one.
pub(crate) fn pod_ip(pod: &Pod) -> Option<&str> {
    pod.status
        .as_ref()?
        .pod_ip
        .as_deref()
        .filter(|ip| !ip.is_empty())
}

/// Levenshtein distance, capped: returns `cap + 1` as soon as it is known to exceed `cap`.
pub(crate) fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > cap {
            return cap + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(cap + 1)
}

/// Looks like a typo of `b`: an edit distance of 1 or 2, and small next to the length (`db`
/// is not a typo of `web`).
pub(crate) fn is_typo(a: &str, b: &str) -> bool {
    let d = edit_distance(a, b, 2);
    let len = a.chars().count().max(b.chars().count());
    (1..=2).contains(&d) && d * 4 <= len
}

/// `a, b, c and 2 more`.
pub(crate) fn name_list<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let shown: Vec<&str> = names.iter().take(max).map(AsRef::as_ref).collect();
    let rest = names.len().saturating_sub(max);
    match (shown.as_slice(), rest) {
        ([], _) => String::new(),
        ([one], 0) => (*one).to_string(),
        (many, 0) => {
            let (last, head) = many.split_last().unwrap_or((&"", &[]));
            format!("{} and {last}", head.join(", "))
        }
        (many, n) => format!("{} and {n} more", many.join(", ")),
    }
}

/// `a: X, b: Y, c: Z and 2 more`: states of several objects, which `and` alone would blur.
pub(crate) fn state_list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let rest = items.len().saturating_sub(max);
    if rest == 0 {
        shown.join(", ")
    } else {
        format!("{} and {rest} more", shown.join(", "))
    }
}

/// A workload whose pod template carries labels (to tell "no pod exists yet" from "the
/// selector is wrong").
pub(crate) struct Template<'a> {
    /// The workload.
    pub entry: &'a Entry,
    /// Labels of its pod template.
    pub labels: &'a BTreeMap<String, String>,
    /// Desired replicas (`None` for DaemonSets).
    pub replicas: Option<i32>,
}

/// The pods and endpoints of a snapshot, indexed for the Service rules. The index itself
/// ([`IndexData`]) is built once per run and shared by the rules that need it.
pub(crate) struct Index<'a> {
    cluster: &'a Cluster,
    data: std::sync::Arc<IndexData>,
}

/// Positions in [`Cluster::entries`] and in [`IndexData::pods`], so that the index owns no
/// borrow of the model and can be kept in [`Cluster::memo`]. Keys made of names are hashed
/// (with the index's own hasher); every lookup checks the names of what it finds.
#[derive(Default)]
struct IndexData {
    hasher: foldhash::fast::RandomState,
    /// Every pod, as entry positions, in snapshot order.
    pods: Vec<usize>,
    /// Namespace → positions in `pods`.
    by_ns: HashMap<String, Vec<usize>>,
    /// hash(namespace, label key, label value) → positions in `pods`.
    by_label: HashMap<u64, Vec<usize>>,
    /// hash(namespace, IP) → positions in `pods`.
    by_ip: HashMap<u64, Vec<usize>>,
    /// hash(namespace, name) → positions in `pods`.
    by_name: HashMap<u64, Vec<usize>>,
    endpoints_ns: HashSet<String>,
    slices_ns: HashSet<String>,
    /// hash(namespace, Service name) → EndpointSlice entry positions.
    slices: HashMap<u64, Vec<usize>>,
    /// Service entry position → positions in `pods` of the pods its selector matches,
    /// found once for the four rules that ask.
    selected: HashMap<usize, Vec<usize>>,
    /// Namespace → workloads with a labelled pod template.
    templates: HashMap<String, Vec<TemplateAt>>,
    /// hash(namespace, label key, label value) → positions in `templates[ns]`.
    templates_by_label: HashMap<u64, Vec<usize>>,
}

/// A workload with a labelled pod template: its entry position and desired replicas.
struct TemplateAt {
    entry: usize,
    replicas: Option<i32>,
}

fn ns_of(entry: &Entry) -> &str {
    entry.object.metadata().namespace.as_deref().unwrap_or("")
}

/// The labels of a workload's pod template.
fn template_labels(entry: &Entry) -> Option<&BTreeMap<String, String>> {
    let template: Option<&PodTemplateSpec> = match &entry.object {
        crate::model::Object::Deployment(d) => Some(&d.spec.template),
        crate::model::Object::StatefulSet(d) => Some(&d.spec.template),
        crate::model::Object::DaemonSet(d) => Some(&d.spec.template),
        crate::model::Object::ReplicaSet(d) => d.spec.template.as_ref(),
        _ => None,
    };
    template?.metadata.as_ref()?.labels.as_ref()
}

impl IndexData {
    fn key(&self, parts: &[&str]) -> u64 {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut h = self.hasher.build_hasher();
        for p in parts {
            p.hash(&mut h);
        }
        h.finish()
    }

    fn build(cluster: &Cluster) -> IndexData {
        let mut d = IndexData::default();
        for (i, e) in cluster.of_kind_at("Pod") {
            let Some(p) = util::typed::<Pod>(e) else {
                continue;
            };
            let at = d.pods.len();
            d.pods.push(i);
            let ns = ns_of(e);
            if !d.by_ns.contains_key(ns) {
                d.by_ns.insert(ns.to_string(), Vec::new());
            }
            if let Some(list) = d.by_ns.get_mut(ns) {
                list.push(at);
            }
            for (k, v) in p.metadata.labels.iter().flatten() {
                let key = d.key(&[ns, k, v]);
                d.by_label.entry(key).or_default().push(at);
            }
            if let Some(ip) = pod_ip(p) {
                let key = d.key(&[ns, ip]);
                d.by_ip.entry(key).or_default().push(at);
            }
            if let Some(n) = p.metadata.name.as_deref() {
                let key = d.key(&[ns, n]);
                d.by_name.entry(key).or_default().push(at);
            }
        }
        for (i, e) in cluster.of_kind_at("Service") {
            let Some(sel) = util::typed::<Service>(e).and_then(selector_of) else {
                continue;
            };
            let found = d.matching_at(cluster, ns_of(e), sel);
            d.selected.insert(i, found);
        }
        d.endpoints_ns = cluster
            .all::<Endpoints>()
            .map(|(e, _)| ns_of(e).to_string())
            .collect();
        for (i, e) in cluster.of_kind_at("EndpointSlice") {
            let Some(s) = util::typed::<EndpointSlice>(e) else {
                continue;
            };
            if let Some(svc) = s
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("kubernetes.io/service-name"))
            {
                let key = d.key(&[ns_of(e), svc]);
                d.slices.entry(key).or_default().push(i);
                d.slices_ns.insert(ns_of(e).to_string());
            }
        }
        for kind in ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] {
            for (i, e) in cluster.of_kind_at(kind) {
                let replicas = match &e.object {
                    crate::model::Object::Deployment(w) => Some(w.spec.replicas.unwrap_or(1)),
                    crate::model::Object::StatefulSet(w) => Some(w.spec.replicas.unwrap_or(1)),
                    crate::model::Object::DaemonSet(_) => None,
                    crate::model::Object::ReplicaSet(w) => {
                        // ReplicaSets of a Deployment are covered by the Deployment.
                        if w.metadata
                            .owner_references
                            .as_ref()
                            .is_some_and(|o| !o.is_empty())
                        {
                            continue;
                        }
                        Some(w.spec.replicas.unwrap_or(1))
                    }
                    _ => continue,
                };
                let Some(labels) = template_labels(e) else {
                    continue;
                };
                let ns = ns_of(e);
                let list = d.templates.entry(ns.to_string()).or_default();
                let at = list.len();
                list.push(TemplateAt { entry: i, replicas });
                for (k, v) in labels {
                    let key = d.key(&[ns, k, v]);
                    d.templates_by_label.entry(key).or_default().push(at);
                }
            }
        }
        d
    }
}

impl IndexData {
    /// Positions in `pods` of the pods of `ns` that carry every label of `sel`, in snapshot
    /// order.
    fn matching_at(&self, cluster: &Cluster, ns: &str, sel: &Selector) -> Vec<usize> {
        // Start from the rarest label of the selector.
        let mut best: Option<&Vec<usize>> = None;
        for (k, v) in sel {
            let Some(list) = self.by_label.get(&self.key(&[ns, k, v])) else {
                return Vec::new();
            };
            if best.is_none_or(|b| list.len() < b.len()) {
                best = Some(list);
            }
        }
        best.into_iter()
            .flatten()
            .copied()
            .filter(|&at| {
                self.pods
                    .get(at)
                    .and_then(|&i| cluster.entries().get(i))
                    .is_some_and(|e| {
                        ns_of(e) == ns && selector_matches(sel, e.object.metadata().labels.as_ref())
                    })
            })
            .collect()
    }
}

impl<'a> Index<'a> {
    /// The index of the snapshot's pods (by namespace, label, IP and name), Endpoints,
    /// EndpointSlices and workload templates: built by the first rule that asks, shared.
    pub fn new(cluster: &'a Cluster) -> Self {
        Index {
            cluster,
            data: cluster.memo(|| IndexData::build(cluster)),
        }
    }

    /// The pod at position `at` of the index.
    fn pod(&self, at: usize) -> Option<(&'a Entry, &'a Pod)> {
        let e = self.cluster.entries().get(*self.data.pods.get(at)?)?;
        Some((e, util::typed::<Pod>(e)?))
    }

    /// Every pod of a namespace.
    pub fn pods_in(&self, ns: &str) -> impl Iterator<Item = (&'a Entry, &'a Pod)> + '_ {
        self.data
            .by_ns
            .get(ns)
            .into_iter()
            .flatten()
            .filter_map(|&at| self.pod(at))
    }

    /// True when the snapshot holds pods of the namespace.
    pub fn has_pods(&self, ns: &str) -> bool {
        self.data.by_ns.get(ns).is_some_and(|v| !v.is_empty())
    }

    /// Positions of the pods of `ns` labelled `k: v` (and maybe a few others: check).
    fn labelled(&self, ns: &str, k: &str, v: &str) -> Option<&Vec<usize>> {
        self.data.by_label.get(&self.data.key(&[ns, k, v]))
    }

    /// The pods of `ns` that carry every label of `sel`, in snapshot order.
    #[cfg(test)]
    pub fn matching(&self, ns: &str, sel: &Selector) -> Vec<(&'a Entry, &'a Pod)> {
        self.data
            .matching_at(self.cluster, ns, sel)
            .into_iter()
            .filter_map(|at| self.pod(at))
            .collect()
    }

    /// Positions in the index of the pods a Service's selector matches: found once per
    /// Service when the index was built.
    fn selected_at(&self, svc: &Entry, sel: &Selector) -> std::borrow::Cow<'_, [usize]> {
        match self
            .cluster
            .position(svc)
            .and_then(|i| self.data.selected.get(&i))
        {
            Some(found) => std::borrow::Cow::Borrowed(found),
            None => std::borrow::Cow::Owned(self.data.matching_at(self.cluster, ns_of(svc), sel)),
        }
    }

    /// The pods a Service selects ([`Index::matching`] of its namespace and selector).
    pub fn selected(&self, s: &Selecting<'_>) -> Vec<(&'a Entry, &'a Pod)> {
        self.selected_at(s.entry, s.sel)
            .iter()
            .filter_map(|&at| self.pod(at))
            .collect()
    }

    /// The pods of `ns` that carry at least one label of `sel`, in snapshot order.
    pub fn sharing(&self, ns: &str, sel: &Selector) -> Vec<(&'a Entry, &'a Pod)> {
        let mut ids: Vec<usize> = sel
            .iter()
            .filter_map(|(k, v)| self.labelled(ns, k, v))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|at| self.pod(at))
            .filter(|(e, p)| {
                let labels = p.metadata.labels.as_ref();
                ns_of(e) == ns
                    && sel
                        .iter()
                        .any(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
            })
            .collect()
    }

    /// The pod with this IP in `ns` (a live pod wins over an ended one that held it before).
    pub fn pod_by_ip(&self, ns: &str, ip: &str) -> Option<(&'a Entry, &'a Pod)> {
        let found: Vec<(&Entry, &Pod)> = self
            .data
            .by_ip
            .get(&self.data.key(&[ns, ip]))
            .into_iter()
            .flatten()
            .filter_map(|&at| self.pod(at))
            .filter(|(e, p)| ns_of(e) == ns && pod_ip(p) == Some(ip))
            .collect();
        found
            .iter()
            .rev()
            .find(|(_, p)| !gone(p))
            .or(found.last())
            .copied()
    }

    /// The pod with this name in `ns`.
    pub fn pod_by_name(&self, ns: &str, name: &str) -> Option<(&'a Entry, &'a Pod)> {
        self.data
            .by_name
            .get(&self.data.key(&[ns, name]))
            .into_iter()
            .flatten()
            .filter_map(|&at| self.pod(at))
            .rfind(|(e, p)| ns_of(e) == ns && p.metadata.name.as_deref() == Some(name))
    }

    /// Workloads of `ns` whose pod template `sel` selects.
    pub fn templates_matching(&self, ns: &str, sel: &Selector) -> Vec<Template<'a>> {
        let Some(list) = self.data.templates.get(ns) else {
            return Vec::new();
        };
        let mut best: Option<&Vec<usize>> = None;
        for (k, v) in sel {
            let Some(found) = self
                .data
                .templates_by_label
                .get(&self.data.key(&[ns, k, v]))
            else {
                return Vec::new();
            };
            if best.is_none_or(|b| found.len() < b.len()) {
                best = Some(found);
            }
        }
        best.into_iter()
            .flatten()
            .filter_map(|&at| {
                let t = list.get(at)?;
                let entry = self.cluster.entries().get(t.entry)?;
                Some(Template {
                    entry,
                    labels: template_labels(entry)?,
                    replicas: t.replicas,
                })
            })
            .filter(|t| selector_matches(sel, Some(t.labels)))
            .collect()
    }

    /// The endpoints of a Service: from its Endpoints object, else its EndpointSlices, else
    /// (when the snapshot holds neither kind for the namespace) from the pods it selects.
    pub fn endpoints(&self, cluster: &'a Cluster, svc: &'a Entry, sel: &Selector) -> View<'a> {
        let ns = ns_of(svc);
        let name = svc.object.metadata().name.as_deref().unwrap_or("");
        if let Some(e) = cluster
            .get("Endpoints", Some(ns), name)
            .filter(|_| !ns.is_empty())
        {
            if let Some(ep) = util::typed::<Endpoints>(e) {
                return self.read_endpoints(e, ep, ns);
            }
        }
        let slices: Vec<&'a Entry> = self
            .data
            .slices
            .get(&self.data.key(&[ns, name]))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.cluster.entries().get(i))
            .filter(|e| {
                ns_of(e) == ns
                    && e.object
                        .metadata()
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("kubernetes.io/service-name"))
                        .map(String::as_str)
                        == Some(name)
            })
            .collect();
        if !slices.is_empty() {
            return self.read_slices(&slices, ns);
        }
        if self.data.endpoints_ns.contains(ns) || self.data.slices_ns.contains(ns) {
            return View {
                source: Source::Missing,
                endpoints: Vec::new(),
                evidence: Vec::new(),
            };
        }
        self.read_pods(svc, sel, publishes_not_ready(svc))
    }

    /// True when [`Index::endpoints`] would read the endpoints from the pods it selects and
    /// find at least one, all ready; worked out without building the view. `false` when the
    /// endpoints come from an object, or are not all ready.
    pub fn all_ready_from_pods(
        &self,
        cluster: &'a Cluster,
        svc: &'a Entry,
        sel: &Selector,
    ) -> bool {
        let ns = ns_of(svc);
        let name = svc.object.metadata().name.as_deref().unwrap_or("");
        if self.data.endpoints_ns.contains(ns)
            || self.data.slices_ns.contains(ns)
            || self.data.slices.contains_key(&self.data.key(&[ns, name]))
            || (!ns.is_empty() && cluster.get("Endpoints", Some(ns), name).is_some())
        {
            return false;
        }
        let publish_not_ready = publishes_not_ready(svc);
        let mut any = false;
        for &at in self.selected_at(svc, sel).iter() {
            // A pod that is not of note runs, is ready and is not being deleted: it is read
            // as ready without being touched.
            let Some(&i) = self.data.pods.get(at) else {
                continue;
            };
            if !cluster.is_of_note(i) {
                any = true;
                continue;
            }
            let Some((_, p)) = self.pod(at) else {
                continue;
            };
            // As `read_pods` counts them.
            if gone(p) || (pod_ip(p).is_none() && util::phase(p) != "Running") {
                continue;
            }
            if !(publish_not_ready || util::pod_ready(p)) {
                return false;
            }
            any = true;
        }
        any
    }

    fn endpoint(&self, ns: &str, ip: &str, target: Option<(&str, &str)>, ready: bool) -> Endpoint {
        let pod = match target {
            Some((tns, tname)) => Some(ObjectRef::new(
                "Pod",
                Some(if tns.is_empty() { ns } else { tns }),
                tname,
            )),
            None => self.pod_by_ip(ns, ip).map(|(e, _)| e.object_ref()),
        };
        let key = pod
            .as_ref()
            .map_or_else(|| format!("ip {ip}"), |p| format!("pod {}", p.name));
        Endpoint {
            key,
            ip: ip.to_string(),
            pod,
            ready,
        }
    }

    fn read_endpoints(&self, entry: &'a Entry, ep: &Endpoints, ns: &str) -> View<'a> {
        let mut endpoints: Vec<Endpoint> = Vec::new();
        let mut evidence = Vec::new();
        for (i, s) in ep.subsets.iter().flatten().enumerate() {
            for (field, ready, list) in [
                ("addresses", true, s.addresses.as_deref()),
                ("notReadyAddresses", false, s.not_ready_addresses.as_deref()),
            ] {
                let Some(list) = list.filter(|l| !l.is_empty()) else {
                    continue;
                };
                let label = if ready {
                    "the ready addresses"
                } else {
                    "the addresses that are not ready"
                };
                evidence.push(EndpointEvidence {
                    ready,
                    evidence: Evidence::field(entry, &format!("subsets[{i}].{field}"), label),
                });
                for a in list {
                    let target = a
                        .target_ref
                        .as_ref()
                        .filter(|t| t.kind.as_deref().is_none_or(|k| k == "Pod"))
                        .and_then(|t| {
                            Some((t.namespace.as_deref().unwrap_or(""), t.name.as_deref()?))
                        });
                    push_endpoint(&mut endpoints, self.endpoint(ns, &a.ip, target, ready));
                }
            }
        }
        View {
            source: Source::Endpoints(entry),
            endpoints,
            evidence,
        }
    }

    fn read_slices(&self, list: &[&'a Entry], ns: &str) -> View<'a> {
        let mut endpoints: Vec<Endpoint> = Vec::new();
        let mut evidence = Vec::new();
        for &entry in list {
            let Some(slice) = util::typed::<EndpointSlice>(entry) else {
                continue;
            };
            for (k, ep) in slice.endpoints.iter().flatten().enumerate() {
                let cond = ep.conditions.as_ref();
                if cond.and_then(|c| c.terminating) == Some(true) {
                    continue;
                }
                // An unknown readiness counts as ready, as kube-proxy does.
                let ready = cond.and_then(|c| c.ready) != Some(false);
                let Some(ip) = ep.addresses.first() else {
                    continue;
                };
                let target = ep
                    .target_ref
                    .as_ref()
                    .filter(|t| t.kind.as_deref().is_none_or(|k| k == "Pod"))
                    .and_then(|t| Some((t.namespace.as_deref().unwrap_or(""), t.name.as_deref()?)));
                if !ready {
                    evidence.push(EndpointEvidence {
                        ready,
                        evidence: Evidence::field(
                            entry,
                            &format!("endpoints[{k}].conditions.ready"),
                            format!("endpoint {ip} is not ready"),
                        ),
                    });
                }
                push_endpoint(&mut endpoints, self.endpoint(ns, ip, target, ready));
            }
        }
        View {
            source: Source::Slices(list.to_vec()),
            endpoints,
            evidence,
        }
    }

    fn read_pods(&self, svc: &Entry, sel: &Selector, publish_not_ready: bool) -> View<'a> {
        let mut endpoints = Vec::new();
        let mut evidence = Vec::new();
        for (e, p) in self
            .selected_at(svc, sel)
            .iter()
            .filter_map(|&at| self.pod(at))
        {
            // Pods without an IP (not scheduled yet) and ended pods are never endpoints.
            if gone(p) || (pod_ip(p).is_none() && util::phase(p) != "Running") {
                continue;
            }
            let ready = publish_not_ready || util::pod_ready(p);
            if !ready {
                let path = util::condition(p, "Ready").map_or_else(
                    || "status.phase".to_string(),
                    |(_, path)| format!("{path}.status"),
                );
                evidence.push(EndpointEvidence {
                    ready,
                    evidence: Evidence::field(e, &path, "the pod is not ready"),
                });
            }
            endpoints.push(Endpoint {
                key: format!("pod {}", p.metadata.name.as_deref().unwrap_or("")),
                ip: pod_ip(p).unwrap_or("").to_string(),
                pod: Some(e.object_ref()),
                ready,
            });
        }
        View {
            source: Source::Pods,
            endpoints,
            evidence,
        }
    }
}

fn publishes_not_ready(svc: &Entry) -> bool {
    util::typed::<Service>(svc)
        .and_then(|s| s.spec.as_ref()?.publish_not_ready_addresses)
        .unwrap_or(false)
}

fn push_endpoint(list: &mut Vec<Endpoint>, ep: Endpoint) {
    match list.iter_mut().find(|e| e.key == ep.key) {
        // The same pod in several subsets or slices (ports, address families): ready wins.
        Some(old) => old.ready |= ep.ready,
        None => list.push(ep),
    }
}

/// Where a Service's endpoints were read from.
pub(crate) enum Source<'a> {
    /// Its Endpoints object.
    Endpoints(&'a Entry),
    /// Its EndpointSlices.
    Slices(Vec<&'a Entry>),
    /// The snapshot holds Endpoints or EndpointSlices of the namespace, but none of this
    /// Service.
    Missing,
    /// Neither kind is in the snapshot: the pods the selector matches stand in for them.
    Pods,
}

/// One endpoint of a Service.
pub(crate) struct Endpoint {
    /// What identifies it: its pod, else its IP.
    pub key: String,
    /// Its address.
    pub ip: String,
    /// Its pod, when known.
    pub pod: Option<ObjectRef>,
    /// Ready to receive traffic.
    pub ready: bool,
}

/// A place that shows endpoints, and whether they are the ready ones.
pub(crate) struct EndpointEvidence {
    /// Shows ready endpoints.
    pub ready: bool,
    /// The place.
    pub evidence: Evidence,
}

/// The endpoints of a Service.
pub(crate) struct View<'a> {
    /// Where they were read from.
    pub source: Source<'a>,
    /// Distinct endpoints (one per pod).
    pub endpoints: Vec<Endpoint>,
    /// The fields that list them.
    pub evidence: Vec<EndpointEvidence>,
}

impl View<'_> {
    /// How many are ready.
    pub fn ready(&self) -> usize {
        self.endpoints.iter().filter(|e| e.ready).count()
    }

    /// The endpoints that are not ready.
    pub fn not_ready(&self) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.iter().filter(|e| !e.ready)
    }

    /// The places that show endpoints that are not ready.
    pub fn not_ready_evidence(&self) -> impl Iterator<Item = Evidence> + '_ {
        self.evidence
            .iter()
            .filter(|e| !e.ready)
            .map(|e| e.evidence.clone())
    }

    /// The places that show ready endpoints.
    pub fn ready_evidence(&self) -> impl Iterator<Item = Evidence> + '_ {
        self.evidence
            .iter()
            .filter(|e| e.ready)
            .map(|e| e.evidence.clone())
    }

    /// The object that should list the endpoints, cited by name when it lists none.
    pub fn object_evidence(&self, label: &str) -> Option<Evidence> {
        match &self.source {
            Source::Endpoints(e) => Some(Evidence::object(e, label)),
            Source::Slices(list) => list.first().map(|e| Evidence::object(e, label)),
            Source::Missing | Source::Pods => None,
        }
    }

    /// `Endpoints default/web`, `EndpointSlice default/web-abcde`, for messages.
    pub fn describe_source(&self) -> String {
        match &self.source {
            Source::Endpoints(e) => format!("Endpoints {}", obj_name(e)),
            Source::Slices(list) => match list.as_slice() {
                [one] => format!("EndpointSlice {}", obj_name(one)),
                _ => format!("its {} EndpointSlices", list.len()),
            },
            Source::Missing => "no Endpoints object".to_string(),
            Source::Pods => "the pods it selects".to_string(),
        }
    }
}

/// Why a pod is not ready, in a word or two: the waiting reason of its first waiting
/// container (`CrashLoopBackOff`), `Pending`, its phase, or `not ready`.
pub(crate) fn pod_state(pod: &Pod) -> String {
    let cs = util::containers(pod);
    if let Some(w) = cs
        .iter()
        .filter(|c| !c.init)
        .find_map(|c| c.waiting_reason())
    {
        return w.to_string();
    }
    if let Some(w) = cs
        .iter()
        .filter(|c| c.init)
        .find_map(|c| c.waiting_reason())
    {
        return format!("Init:{w}");
    }
    if pod.metadata.deletion_timestamp.is_some() {
        return "Terminating".to_string();
    }
    match util::phase(pod) {
        "Running" => "not ready".to_string(),
        p => p.to_string(),
    }
}

/// The most specific field that shows a pod is not ready: the waiting reason of a
/// container, else its `Ready` condition, else its phase.
pub(crate) fn not_ready_evidence(entry: &Entry, pod: &Pod) -> Evidence {
    let cs = util::containers(pod);
    if let Some(c) = cs
        .iter()
        .find(|c| !c.init && c.waiting_reason().is_some() && !c.status_path.is_empty())
    {
        return Evidence::field(
            entry,
            &format!("{}.state.waiting.reason", c.status_path),
            format!("container {} is waiting", c.name),
        );
    }
    if let Some((c, path)) =
        util::condition(pod, "PodScheduled").filter(|(c, _)| c.status == "False")
    {
        let what = c.reason.as_deref().unwrap_or("not scheduled").to_string();
        return Evidence::field(
            entry,
            &format!("{path}.reason"),
            format!("the pod is {what}"),
        );
    }
    if let Some((_, path)) = util::condition(pod, "Ready") {
        return Evidence::field(entry, &format!("{path}.status"), "the pod is not ready");
    }
    Evidence::field(entry, "status.phase", "the pod's phase")
}

/// `namespace/name` of an object.
pub(crate) fn obj_name(e: &Entry) -> String {
    let m = e.object.metadata();
    format!(
        "{}/{}",
        m.namespace.as_deref().unwrap_or(""),
        m.name.as_deref().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Ingested;

    fn cluster(items: &[(&str, &str)]) -> Cluster {
        let objects = items
            .iter()
            .map(|(kind, text)| crate::model::parsed_json(kind, text))
            .collect();
        Cluster::build(&mut Ingested {
            objects,
            ..Default::default()
        })
    }

    fn pod(ns: &str, name: &str, app: &str, ip: &str, phase: &str) -> (&'static str, String) {
        (
            "Pod",
            format!(
                r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"{ns}","labels":{{"app":"{app}","tier":"web"}}}},"status":{{"phase":"{phase}","podIP":"{ip}"}}}}"#
            ),
        )
    }

    fn pod_names(pods: &[(&Entry, &Pod)]) -> Vec<String> {
        pods.iter()
            .map(|(_, p)| p.metadata.name.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn the_shared_index_finds_pods_by_label_ip_and_name() {
        let items = [
            pod("a", "web-1", "web", "10.0.0.1", "Running"),
            pod("a", "old", "web", "10.0.0.2", "Succeeded"),
            pod("a", "web-2", "web", "10.0.0.2", "Running"),
            pod("a", "done", "job", "10.0.0.2", "Succeeded"),
            pod("b", "web-1", "web", "10.0.0.1", "Running"),
            pod("a", "db", "db", "10.0.0.3", "Running"),
            (
                "Deployment",
                r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"a"},"spec":{"replicas":2,"selector":{},"template":{"metadata":{"labels":{"app":"web"}}}}}"#.to_string(),
            ),
        ];
        let items: Vec<(&str, &str)> = items.iter().map(|(k, t)| (*k, t.as_str())).collect();
        let c = cluster(&items);
        let idx = Index::new(&c);
        let sel = |pairs: &[(&str, &str)]| -> Selector {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            pod_names(&idx.matching("a", &sel(&[("app", "web")]))),
            ["web-1", "old", "web-2"]
        );
        assert!(idx
            .matching("a", &sel(&[("app", "web"), ("tier", "api")]))
            .is_empty());
        assert_eq!(
            pod_names(&idx.sharing("a", &sel(&[("app", "db"), ("tier", "api")]))),
            ["db"]
        );
        // A live pod wins over ended ones that held the IP, before or after it.
        assert_eq!(
            idx.pod_by_ip("a", "10.0.0.2")
                .unwrap()
                .1
                .metadata
                .name
                .as_deref(),
            Some("web-2")
        );
        assert_eq!(
            idx.pod_by_ip("b", "10.0.0.1")
                .unwrap()
                .0
                .object
                .metadata()
                .namespace
                .as_deref(),
            Some("b")
        );
        assert!(idx.pod_by_ip("c", "10.0.0.1").is_none());
        assert!(idx.pod_by_name("a", "web-1").is_some());
        assert!(idx.pod_by_name("a", "nope").is_none());
        assert_eq!(idx.pods_in("b").count(), 1);
        assert!(!idx.has_pods("c"));
        let t = idx.templates_matching("a", &sel(&[("app", "web")]));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].replicas, Some(2));
        assert!(idx
            .templates_matching("b", &sel(&[("app", "web")]))
            .is_empty());
        // Built once, shared by the next rule that asks.
        assert!(std::sync::Arc::ptr_eq(&idx.data, &Index::new(&c).data));
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("fastapi-k8s", "fastapi-k8s", 2), 0);
        assert_eq!(edit_distance("fastapi-k8", "fastapi-k8s", 2), 1);
        assert_eq!(edit_distance("fastpai-k8s", "fastapi-k8s", 2), 2);
        assert_eq!(edit_distance("fastapi-k8s-api", "fastapi-k8s", 2), 3);
        assert_eq!(edit_distance("", "ab", 2), 2);
        assert!(is_typo("paymnets", "payments"));
        assert!(is_typo("app.kubernets.io/name", "app.kubernetes.io/name"));
        assert!(!is_typo("web", "db"));
        assert!(!is_typo("api", "app"));
        assert!(!is_typo("web", "web"));
    }

    #[test]
    fn names() {
        assert_eq!(name_list(&["a"], 3), "a");
        assert_eq!(name_list(&["a", "b"], 3), "a and b");
        assert_eq!(name_list(&["a", "b", "c", "d"], 2), "a, b and 2 more");
    }
}
