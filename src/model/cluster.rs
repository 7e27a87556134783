//! The cluster model: objects merged and indexed, events and logs attached.

use super::events::{record, EventRecord};
use super::{triage, Object, ObjectRef, Typed};
use crate::ingest::logs::{Instance, LogDigest};
use crate::ingest::{Fact, Ingested, Origin, ParsedLog};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use rayon::prelude::*;
use serde::Serialize;
use std::any::Any;
use std::collections::BTreeMap;

/// The model's indexes hash with foldhash (faster than SipHash for the many short keys of a
/// large snapshot, still seeded per process).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::{Arc, OnceLock};

/// An object in the model and every place it was read.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The object (from the best source when read more than once).
    pub object: Object,
    /// Where the kept copy was read.
    pub origin: Origin,
    /// Where other copies were read.
    pub also: Vec<Origin>,
    /// Where each field of the kept copy is in its file, when it was read from text
    /// (`status.containerStatuses[0].lastState.terminated.exitCode` → bytes).
    pub spans: Vec<crate::ingest::describe::FieldSpan>,
}

impl Entry {
    /// The object's reference.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::of(&self.object)
    }
}

/// A container's log, attributed to its pod when the snapshot allows.
#[derive(Debug, Clone)]
pub struct ContainerLog {
    /// Namespace, when known.
    pub namespace: Option<String>,
    /// Pod, when known.
    pub pod: Option<String>,
    /// Container, when known.
    pub container: Option<String>,
    /// Current or previous instance.
    pub instance: Instance,
    /// An older rotated file.
    pub rotated: bool,
    /// Whether a pod of the snapshot was found for it.
    pub attributed: bool,
    /// Ledger index of the file.
    pub file: u32,
    /// The digest.
    pub digest: LogDigest,
}

/// Node readiness counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeCounts {
    /// `Ready=True`.
    pub ready: usize,
    /// `Ready=False`.
    pub not_ready: usize,
    /// `Ready=Unknown` or no Ready condition.
    pub unknown: usize,
}

/// What the snapshot holds, in numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// Distinct objects per kind.
    pub objects_by_kind: BTreeMap<String, usize>,
    /// Pods per phase (`Unknown` when the pod has no status).
    pub pods_by_phase: BTreeMap<String, usize>,
    /// Pods per namespace.
    pub pods_by_namespace: BTreeMap<String, usize>,
    /// Node readiness.
    pub nodes: NodeCounts,
    /// Sum of container restart counts over all pods.
    pub restarts: i64,
    /// Container logs read (attributed or not).
    pub logs: usize,
    /// Logs that could not be tied to a pod of the snapshot.
    pub unattributed_logs: usize,
}

type Key = (String, String, String);

/// A map keyed by kind, namespace and name, looked up with borrowed names (no key is built
/// for a lookup: the rules look objects up by name all the time).
#[derive(Debug)]
struct KeyMap<V>(HashMap<String, HashMap<String, HashMap<String, V>>>);

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap(HashMap::default())
    }
}

impl<V: Default> KeyMap<V> {
    fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<&V> {
        self.0.get(kind)?.get(namespace)?.get(name)
    }

    /// The value for the key, inserted (default) when absent.
    fn slot(&mut self, kind: &str, namespace: &str, name: &str) -> &mut V {
        self.0
            .entry(kind.to_string())
            .or_default()
            .entry(namespace.to_string())
            .or_default()
            .entry(name.to_string())
            .or_default()
    }
}

/// No controller, in [`Cluster::parents`].
const NO_PARENT: u32 = u32::MAX;

/// The resolved cluster.
#[derive(Debug, Default)]
pub struct Cluster {
    entries: Vec<Entry>,
    by_key: KeyMap<usize>,
    by_uid: HashMap<String, usize>,
    by_kind: BTreeMap<String, Vec<usize>>,
    /// Kind, then namespace (`""` for cluster-scoped objects).
    by_kind_ns: HashMap<String, HashMap<String, Vec<usize>>>,
    /// The objects each object controls (its owner-reference children).
    children: HashMap<usize, Vec<usize>>,
    pods_by_name: HashMap<String, Vec<usize>>,
    /// The pods a rule could report, as positions in `entries`: see [`Cluster::pods_of_note`].
    pods_of_note: Vec<usize>,
    /// By position in `entries`: the entry is one of `pods_of_note`.
    noted: Vec<bool>,
    /// What the snapshot holds, counted once.
    inventory: Inventory,
    /// The position of each entry's controller (`NO_PARENT` when it has none).
    parents: Vec<u32>,
    events: Vec<EventRecord>,
    events_by_target: KeyMap<Vec<usize>>,
    logs: Vec<ContainerLog>,
    logs_by_pod: HashMap<(String, String), Vec<usize>>,
    /// When the snapshot was taken.
    pub captured_at: Option<Timestamp>,
    /// What `captured_at` was read from.
    pub captured_at_source: Option<String>,
    /// Kubernetes version, when the snapshot says.
    pub kubernetes_version: Option<String>,
    /// The collector that wrote the snapshot, when it says.
    pub collector: Option<String>,
    /// Values derived from the model once and shared by the rules that need them.
    memo: Memo,
}

/// Values computed from the model once per run (the crash causes of every container, the
/// free resources of every node) and shared by the rules, which run in parallel.
#[derive(Default)]
struct Memo {
    slots: std::sync::Mutex<HashMap<std::any::TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

fn key_of(o: &Object) -> Key {
    let m = o.metadata();
    (
        o.kind().to_string(),
        m.namespace.clone().unwrap_or_default(),
        m.name.clone().unwrap_or_default(),
    )
}

impl Cluster {
    /// The value of type `T` derived from this model: computed by `init` the first time it is
    /// asked for, shared afterwards. Rules running at the same time wait for one computation
    /// instead of repeating it. `T` is the key, so give each derived value its own type.
    /// `init` must not use rayon: a worker waiting for its share of the work could start
    /// another rule that asks for the same value, and wait on itself.
    pub fn memo<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let slot: Arc<OnceLock<Arc<T>>> = {
            let mut slots = self.memo.slots.lock().unwrap_or_else(|e| e.into_inner());
            let any = slots
                .entry(std::any::TypeId::of::<T>())
                .or_insert_with(|| Arc::new(OnceLock::<Arc<T>>::new()))
                .clone();
            match any.downcast::<OnceLock<Arc<T>>>() {
                Ok(s) => s,
                Err(_) => Arc::new(OnceLock::new()),
            }
        };
        slot.get_or_init(|| Arc::new(init())).clone()
    }

    /// Forgets every value derived by [`Cluster::memo`], so that the next diagnosis derives
    /// them again: for benchmarks that time a whole diagnosis more than once.
    #[doc(hidden)]
    pub fn forget_memos(&self) {
        self.memo
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Builds the model from everything ingested. Objects seen twice are merged (the copy
    /// from the better source is kept: YAML/JSON beats describe text beats tables).
    pub fn build(ingested: &mut Ingested) -> Cluster {
        let mut c = Cluster::default();
        let mut newest: Option<Timestamp> = None;
        for p in std::mem::take(&mut ingested.objects) {
            newest = max_opt(newest, p.managed_time);
            newest = max_opt(newest, newest_time(&p.object));
            let key = key_of(&p.object);
            if let Some(&i) = c.by_key.get(&key.0, &key.1, &key.2) {
                let e = &mut c.entries[i];
                if p.origin.format.rank() > e.origin.format.rank() {
                    e.object = p.object;
                    e.spans = p.spans;
                    let old_origin = std::mem::replace(&mut e.origin, p.origin);
                    e.also.push(old_origin);
                } else {
                    e.also.push(p.origin);
                }
                continue;
            }
            let i = c.entries.len();
            *c.by_key.slot(&key.0, &key.1, &key.2) = i;
            c.entries.push(Entry {
                object: p.object,
                origin: p.origin,
                also: Vec::new(),
                spans: p.spans,
            });
        }
        // Snapshot time: metadata first, then the folder name, then the data, then the archive.
        let mut from_meta = None;
        let mut from_name = None;
        for f in &ingested.facts {
            match f {
                Fact::CapturedAt(t, src) if src.starts_with("name of") => {
                    from_name.get_or_insert((*t, src.clone()));
                }
                Fact::CapturedAt(t, src) => {
                    from_meta.get_or_insert((*t, src.clone()));
                }
                Fact::KubernetesVersion(v) => {
                    c.kubernetes_version.get_or_insert(v.clone());
                }
                Fact::Collector(v) => {
                    c.collector.get_or_insert(v.clone());
                }
                Fact::DumpStream => {}
            }
        }
        let from_data = newest.map(|t| (t, "newest timestamp in the data".to_string()));
        let from_archive = ingested
            .newest_mtime
            .and_then(|s| Timestamp::from_second(s as i64).ok())
            .map(|t| (t, "newest file time in the archive".to_string()));
        if let Some((t, src)) = from_meta.or(from_name).or(from_data).or(from_archive) {
            c.captured_at = Some(t);
            c.captured_at_source = Some(src);
        }
        // Events read from describe text and tables carry ages, not times: anchor them now.
        if let Some(now) = c.captured_at {
            for e in &mut c.entries {
                if let Object::Event(ev) = &mut e.object {
                    anchor_event_ages(ev, now);
                }
            }
        }
        for (i, e) in c.entries.iter().enumerate() {
            let kind = e.object.kind().to_string();
            if kind == "Pod" {
                if let Some(n) = &e.object.metadata().name {
                    c.pods_by_name.entry(n.clone()).or_default().push(i);
                }
            }
            c.by_kind_ns
                .entry(kind.clone())
                .or_default()
                .entry(e.object.metadata().namespace.clone().unwrap_or_default())
                .or_default()
                .push(i);
            c.by_kind.entry(kind).or_default().push(i);
            if let Some(uid) = e.object.metadata().uid.as_ref().filter(|u| !u.is_empty()) {
                c.by_uid.insert(uid.clone(), i);
            }
            if let Some(r) = record(i, &e.object) {
                c.events_by_target
                    .slot(
                        &r.target.kind,
                        r.target.namespace.as_deref().unwrap_or(""),
                        &r.target.name,
                    )
                    .push(c.events.len());
                c.events.push(r);
            }
        }
        c.noted = c.note_pods();
        c.pods_of_note = (0..c.entries.len()).filter(|&i| c.noted[i]).collect();
        c.parents = vec![NO_PARENT; c.entries.len()];
        for i in 0..c.entries.len() {
            let Some(parent) = c.controller_index(&c.entries[i]) else {
                continue;
            };
            if let Ok(p) = u32::try_from(parent) {
                c.parents[i] = p;
            }
            if parent != i {
                c.children.entry(parent).or_default().push(i);
            }
        }
        for l in std::mem::take(&mut ingested.logs) {
            c.attach_log(l);
        }
        if c.kubernetes_version.is_none() {
            c.kubernetes_version = c
                .all::<k8s_openapi::api::core::v1::Node>()
                .filter_map(|(_, n)| {
                    n.status
                        .as_ref()?
                        .node_info
                        .as_ref()
                        .map(|i| i.kubelet_version.clone())
                })
                .max();
        }
        c.inventory = c.count();
        c
    }

    /// By position in `entries`: true for each pod that shows trouble
    /// ([`triage::pod_shows_trouble`]) or that an event other than a routine one is about.
    fn note_pods(&self) -> Vec<bool> {
        let pods = self.by_kind.get("Pod").map_or(&[][..], Vec::as_slice);
        // Each pod's status is read once, on every core: the rules that look only at these
        // pods never touch the others.
        let mut noted = vec![false; self.entries.len()];
        let troubled: Vec<bool> = pods
            .par_iter()
            .map(|&i| match &self.entries[i].object {
                Object::Pod(p) => triage::pod_shows_trouble(p),
                _ => true,
            })
            .collect();
        for (&i, t) in pods.iter().zip(troubled) {
            noted[i] = t;
        }
        for e in &self.events {
            if e.target.kind != "Pod"
                || triage::routine_event(e.type_.as_deref(), e.reason.as_deref())
            {
                continue;
            }
            let ns = e.target.namespace.as_deref().unwrap_or("");
            if let Some(&i) = self.by_key.get("Pod", ns, &e.target.name) {
                noted[i] = true;
            }
        }
        noted
    }

    /// The position of an entry of this model in [`Cluster::entries`].
    pub(crate) fn position(&self, entry: &Entry) -> Option<usize> {
        let base = self.entries.as_ptr() as usize;
        let at = (entry as *const Entry as usize).checked_sub(base)? / std::mem::size_of::<Entry>();
        self.entries
            .get(at)
            .filter(|e| std::ptr::eq(*e, entry))
            .map(|_| at)
    }

    /// The position of the entry's controller: as found once when the model was built.
    pub(crate) fn parent_index(&self, entry: &Entry) -> Option<usize> {
        match self.position(entry).and_then(|i| self.parents.get(i)) {
            Some(&NO_PARENT) => None,
            Some(&p) => Some(p as usize),
            None => self.controller_index(entry),
        }
    }

    /// The pods a rule could report, in snapshot order: each pod that shows trouble (not
    /// running, a container not ready, restarted or terminated, a condition not met, being
    /// deleted) and each pod that an event other than a routine one (`Scheduled`, `Pulled`,
    /// `Started`...) is about. Rules that report nothing else pass over the healthy many
    /// without touching them.
    pub fn pods_of_note(&self) -> impl Iterator<Item = (&Entry, &Pod)> + '_ {
        self.pods_of_note.iter().filter_map(|&i| {
            let e = &self.entries[i];
            Some((e, Pod::from_object(&e.object)?))
        })
    }

    /// True when the pod at this position of [`Cluster::entries`] is one of
    /// [`Cluster::pods_of_note`]; false for a healthy pod, which runs, is ready and is not
    /// being deleted (and for a position that holds no pod).
    pub fn is_of_note(&self, at: usize) -> bool {
        self.noted.get(at).copied().unwrap_or(true)
    }

    /// [`Cluster::pods_of_note`] with their positions in [`Cluster::entries`].
    pub fn pods_of_note_at(&self) -> impl Iterator<Item = (usize, &Entry)> + '_ {
        self.pods_of_note.iter().map(|&i| (i, &self.entries[i]))
    }

    /// Makes every pod one of [`Cluster::pods_of_note`], as if none were healthy: a test that
    /// diagnoses a snapshot both ways proves that no rule loses a finding by passing over
    /// healthy pods.
    #[doc(hidden)]
    pub fn note_every_pod(&mut self) {
        self.pods_of_note = self.by_kind.get("Pod").cloned().unwrap_or_default();
        self.noted = vec![true; self.entries.len()];
    }

    fn attach_log(&mut self, l: ParsedLog) {
        let h = &l.digest.hint;
        let instance = if h.previous {
            Instance::Previous
        } else {
            Instance::Current
        };
        let mut log = ContainerLog {
            namespace: h.namespace.clone(),
            pod: h.pod.clone(),
            container: h.container.clone(),
            instance,
            rotated: h.rotated,
            attributed: false,
            file: l.file,
            digest: l.digest,
        };
        self.resolve_log(&mut log);
        let i = self.logs.len();
        if let (true, Some(ns), Some(pod)) = (log.attributed, &log.namespace, &log.pod) {
            self.logs_by_pod
                .entry((ns.clone(), pod.clone()))
                .or_default()
                .push(i);
        }
        self.logs.push(log);
    }

    /// Ties a log to a pod and container of the snapshot, using what its location says.
    fn resolve_log(&self, log: &mut ContainerLog) {
        let pod_entry = match (&log.namespace, &log.pod) {
            (Some(ns), Some(pod)) => self.by_key.get("Pod", ns, pod).copied(),
            (None, Some(pod)) => match self.pods_by_name.get(pod).map(Vec::as_slice) {
                Some([only]) => Some(*only),
                _ => None,
            },
            _ => None,
        };
        let pod_entry = pod_entry
            .or_else(|| self.split_pod_container(log))
            .or_else(|| self.namespace_and_pod(log));
        let Some(i) = pod_entry else {
            // Known namespace and pod from the layout: keep the attribution even without the pod.
            log.attributed = log.namespace.is_some() && log.pod.is_some();
            return;
        };
        let meta = self.entries[i].object.metadata();
        log.namespace = meta.namespace.clone();
        log.pod = meta.name.clone();
        log.attributed = true;
        if let Some(pod) = k8s_openapi::api::core::v1::Pod::from_object(&self.entries[i].object) {
            let names: Vec<&str> = pod
                .spec
                .iter()
                .flat_map(|s| {
                    s.init_containers
                        .iter()
                        .flatten()
                        .chain(s.containers.iter())
                })
                .map(|c| c.name.as_str())
                .collect();
            let single = pod.spec.as_ref().is_some_and(|s| {
                s.containers.len() == 1 && s.init_containers.as_ref().is_none_or(|i| i.is_empty())
            });
            match &log.container {
                // A plain `<pod>.log` of a one-container pod is that container's log.
                None if single => log.container = names.first().map(|s| s.to_string()),
                Some(c) if c.is_empty() => log.container = None,
                _ => {}
            }
        }
    }

    /// Plain folders: `<a>/<b>.log` read as `<pod>/<container>.log` may be `<ns>/<pod>.log`.
    fn namespace_and_pod(&self, log: &mut ContainerLog) -> Option<usize> {
        if log.namespace.is_some() {
            return None;
        }
        let (ns, pod) = (log.pod.clone()?, log.container.clone()?);
        let i = *self.by_key.get("Pod", &ns, &pod)?;
        log.namespace = Some(ns);
        log.pod = Some(pod);
        log.container = None;
        Some(i)
    }

    /// Plain folders: `<pod>_<container>.log`, `<pod>-<container>.log`, `<pod>.<container>.log`.
    fn split_pod_container(&self, log: &mut ContainerLog) -> Option<usize> {
        let stem = log.pod.clone()?;
        // The longest pod name the stem starts with, followed by a separator: tried at each
        // separator from the right, one lookup each (not a pass over every pod per log).
        let cuts = stem.match_indices(['_', '-', '.']).map(|(at, _)| at);
        let cuts: Vec<usize> = cuts.collect();
        for &at in cuts.iter().rev() {
            let (name, rest) = stem.split_at(at);
            let Some([i]) = self.pods_by_name.get(name).map(Vec::as_slice) else {
                continue;
            };
            if log
                .namespace
                .as_ref()
                .is_some_and(|ns| self.entries[*i].object.metadata().namespace.as_ref() != Some(ns))
            {
                continue;
            }
            log.container = Some(rest[1..].to_string());
            return Some(*i);
        }
        None
    }

    /// Every object, in a stable order (the order files were read).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Objects of one kind.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(move |&i| &self.entries[i])
    }

    /// Objects of one kind with their positions in [`Cluster::entries`], for indexes that
    /// outlive a borrow of the model (kept in [`Cluster::memo`]).
    pub fn of_kind_at<'a>(&'a self, kind: &str) -> impl Iterator<Item = (usize, &'a Entry)> + 'a {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(move |&i| (i, &self.entries[i]))
    }

    /// Objects of one kind in one namespace (`None` or `""` for cluster-scoped ones).
    pub fn in_namespace<'a>(
        &'a self,
        kind: &str,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.by_kind_ns
            .get(kind)
            .and_then(|m| m.get(namespace.unwrap_or("")))
            .into_iter()
            .flatten()
            .map(move |&i| &self.entries[i])
    }

    /// Typed objects of one kind in one namespace.
    pub fn all_in<'a, T: Typed + 'a>(
        &'a self,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = (&'a Entry, &'a T)> + 'a {
        self.in_namespace(T::KIND, namespace)
            .filter_map(|e| T::from_object(&e.object).map(|t| (e, t)))
    }

    /// The objects `owner` controls: those whose controller owner reference (or only one)
    /// names it, in snapshot order. A ReplicaSet's pods, a Deployment's ReplicaSets.
    pub fn owned<'a>(&'a self, owner: &Entry) -> impl Iterator<Item = &'a Entry> + 'a {
        let m = owner.object.metadata();
        self.by_key
            .get(
                owner.object.kind(),
                m.namespace.as_deref().unwrap_or(""),
                m.name.as_deref().unwrap_or(""),
            )
            .and_then(|i| self.children.get(i))
            .into_iter()
            .flatten()
            .map(move |&i| &self.entries[i])
    }

    /// Typed objects of one kind with their entries.
    pub fn all<'a, T: Typed + 'a>(&'a self) -> impl Iterator<Item = (&'a Entry, &'a T)> + 'a {
        self.of_kind(T::KIND)
            .filter_map(|e| T::from_object(&e.object).map(|t| (e, t)))
    }

    /// Looks an object up by kind, namespace (`None` or `""` for cluster-scoped) and name.
    pub fn get(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&Entry> {
        self.key_index(kind, namespace, name)
            .map(|i| &self.entries[i])
    }

    pub(crate) fn key_index(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<usize> {
        self.by_key
            .get(kind, namespace.unwrap_or(""), name)
            .copied()
    }

    pub(crate) fn uid_index(&self, uid: &str) -> Option<usize> {
        self.by_uid.get(uid).copied()
    }

    /// Looks a typed object up.
    pub fn get_typed<T: Typed>(&self, namespace: Option<&str>, name: &str) -> Option<&T> {
        self.get(T::KIND, namespace, name)
            .and_then(|e| T::from_object(&e.object))
    }

    /// Looks an object up by uid.
    pub fn by_uid(&self, uid: &str) -> Option<&Entry> {
        self.by_uid.get(uid).map(|&i| &self.entries[i])
    }

    /// Looks up the object a reference names (kind, namespace, name; the uid must agree when
    /// both sides have one).
    pub fn resolve(&self, r: &ObjectRef) -> Option<&Entry> {
        let e = self.get(&r.kind, r.namespace.as_deref(), &r.name)?;
        match (&r.uid, &e.object.metadata().uid) {
            (Some(a), Some(b)) if a != b => None,
            _ => Some(e),
        }
    }

    /// All events, normalised.
    pub fn events(&self) -> &[EventRecord] {
        &self.events
    }

    /// Events about an object: same kind, namespace and name, and the same uid when both the
    /// event and the reference carry one (an event about an earlier object of the same name
    /// does not count). Oldest first.
    pub fn events_for(&self, r: &ObjectRef) -> Vec<&EventRecord> {
        self.events_about(
            &r.kind,
            r.namespace.as_deref().unwrap_or(""),
            &r.name,
            r.uid.as_deref(),
        )
    }

    /// [`Cluster::events_for`] an entry, without building its reference.
    pub fn events_of(&self, entry: &Entry) -> Vec<&EventRecord> {
        let m = entry.object.metadata();
        self.events_about(
            entry.object.kind(),
            m.namespace.as_deref().unwrap_or(""),
            m.name.as_deref().unwrap_or(""),
            m.uid.as_deref(),
        )
    }

    fn events_about(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        uid: Option<&str>,
    ) -> Vec<&EventRecord> {
        let mut v: Vec<&EventRecord> = self
            .events_by_target
            .get(kind, namespace, name)
            .into_iter()
            .flatten()
            .map(|&i| &self.events[i])
            .filter(|e| match (e.target.uid.as_deref(), uid) {
                (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => a == b,
                _ => true,
            })
            .collect();
        v.sort_by_key(|e| (e.last, e.first, e.entry));
        v
    }

    /// All container logs.
    pub fn logs(&self) -> &[ContainerLog] {
        &self.logs
    }

    /// Logs of one pod.
    pub fn logs_of_pod(&self, namespace: &str, pod: &str) -> Vec<&ContainerLog> {
        self.logs_by_pod
            .get(&(namespace.to_string(), pod.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| &self.logs[i])
            .collect()
    }

    /// The log of one container instance (the longest when the snapshot holds several copies,
    /// e.g. must-gather's `current.log` and `current.insecure.log`; rotated files excluded).
    pub fn log_of(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        instance: Instance,
    ) -> Option<&ContainerLog> {
        self.logs_of_pod(namespace, pod)
            .into_iter()
            .filter(|l| {
                !l.rotated
                    && l.instance == instance
                    && l.container.as_deref().is_none_or(|c| c == container)
            })
            .max_by_key(|l| {
                (
                    l.container.is_some(),
                    l.digest.lines,
                    std::cmp::Reverse(l.file),
                )
            })
    }

    /// Counts for the inventory.
    pub fn inventory(&self) -> Inventory {
        self.inventory.clone()
    }

    /// Counts what the snapshot holds (every pod's phase, namespace and restarts read on
    /// every core).
    fn count(&self) -> Inventory {
        use k8s_openapi::api::core::v1::Node;
        let mut inv = Inventory::default();
        for (kind, idx) in &self.by_kind {
            inv.objects_by_kind.insert(kind.clone(), idx.len());
        }
        let pods: Vec<(&Entry, &Pod)> = self.all::<Pod>().collect();
        let per_pod: Vec<(&str, &str, i64)> = pods
            .par_iter()
            .map(|(e, pod)| {
                let status = pod.status.as_ref();
                let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
                let ns = e.object.metadata().namespace.as_deref().unwrap_or_default();
                let restarts = status
                    .into_iter()
                    .flat_map(|s| {
                        s.container_statuses
                            .iter()
                            .flatten()
                            .chain(s.init_container_statuses.iter().flatten())
                    })
                    .map(|c| i64::from(c.restart_count))
                    .sum::<i64>();
                (phase, ns, restarts)
            })
            .collect();
        let mut phases: BTreeMap<&str, usize> = BTreeMap::new();
        let mut namespaces: BTreeMap<&str, usize> = BTreeMap::new();
        for (phase, ns, restarts) in per_pod {
            *phases.entry(phase).or_default() += 1;
            *namespaces.entry(ns).or_default() += 1;
            inv.restarts += restarts;
        }
        let own =
            |m: BTreeMap<&str, usize>| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        inv.pods_by_phase = own(phases);
        inv.pods_by_namespace = own(namespaces);
        for (_, node) in self.all::<Node>() {
            let ready = node
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
                .map(|c| c.status.as_str());
            match ready {
                Some("True") => inv.nodes.ready += 1,
                Some("False") => inv.nodes.not_ready += 1,
                _ => inv.nodes.unknown += 1,
            }
        }
        inv.logs = self.logs.len();
        inv.unattributed_logs = self.logs.iter().filter(|l| !l.attributed).count();
        inv
    }
}

/// Annotation with the age, in seconds, of an event's last occurrence when read from text.
pub const LAST_SEEN_AGE: &str = "ktriage.io/last-seen-age";
/// Annotation with the age, in seconds, of an event's first occurrence when read from text.
pub const FIRST_SEEN_AGE: &str = "ktriage.io/first-seen-age";

/// Turns the ages of an event read from text (`61s (x2 over 6m23s)`) into times before `now`.
fn anchor_event_ages(ev: &mut k8s_openapi::api::core::v1::Event, now: Timestamp) {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    let Some(ann) = ev.metadata.annotations.as_ref() else {
        return;
    };
    let at = |key: &str| {
        let secs: i64 = ann.get(key)?.parse().ok()?;
        now.checked_sub(jiff::SignedDuration::from_secs(secs)).ok()
    };
    let (last, first) = (at(LAST_SEEN_AGE), at(FIRST_SEEN_AGE));
    if ev.last_timestamp.is_none() {
        ev.last_timestamp = last.map(Time);
    }
    if ev.first_timestamp.is_none() {
        ev.first_timestamp = first.or(last).map(Time);
    }
}

fn max_opt(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// The newest time an object records about itself (creation, conditions, container states,
/// event times): a lower bound for when the snapshot was taken.
fn newest_time(o: &Object) -> Option<Timestamp> {
    use k8s_openapi::api::core::v1::ContainerStatus;
    let m = o.metadata();
    let mut t = m.creation_timestamp.as_ref().map(|t| t.0);
    t = max_opt(t, m.deletion_timestamp.as_ref().map(|t| t.0));
    let cs_time = |c: &ContainerStatus| {
        let s = c.state.as_ref();
        let last = c.last_state.as_ref();
        [
            s.and_then(|s| s.running.as_ref()?.started_at.as_ref())
                .map(|t| t.0),
            s.and_then(|s| s.terminated.as_ref()?.finished_at.as_ref())
                .map(|t| t.0),
            last.and_then(|s| s.terminated.as_ref()?.finished_at.as_ref())
                .map(|t| t.0),
        ]
        .into_iter()
        .flatten()
        .max()
    };
    match o {
        Object::Pod(p) => {
            if let Some(s) = &p.status {
                t = max_opt(t, s.start_time.as_ref().map(|x| x.0));
                for c in s.conditions.iter().flatten() {
                    t = max_opt(t, c.last_transition_time.as_ref().map(|x| x.0));
                    t = max_opt(t, c.last_probe_time.as_ref().map(|x| x.0));
                }
                for c in s
                    .container_statuses
                    .iter()
                    .flatten()
                    .chain(s.init_container_statuses.iter().flatten())
                {
                    t = max_opt(t, cs_time(c));
                }
            }
        }
        Object::Node(n) => {
            for c in n.status.iter().flat_map(|s| s.conditions.iter().flatten()) {
                t = max_opt(t, c.last_heartbeat_time.as_ref().map(|x| x.0));
                t = max_opt(t, c.last_transition_time.as_ref().map(|x| x.0));
            }
        }
        Object::Event(_) | Object::EventsV1Event(_) => {
            if let Some(r) = record(0, o) {
                t = max_opt(t, r.last);
            }
        }
        Object::Deployment(d) => {
            for c in d.status.iter().flat_map(|s| s.conditions.iter().flatten()) {
                t = max_opt(t, c.last_update_time.as_ref().map(|x| x.0));
            }
        }
        _ => {}
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ParsedObject, SourceFormat};
    use crate::model::object::parse_json_item;

    fn pod(file: u32, format: SourceFormat, image: &str) -> ParsedObject {
        let text = format!(
            r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"p","namespace":"ns","uid":"u1"}},"spec":{{"containers":[{{"name":"c","image":"{image}"}}]}}}}"#
        );
        ParsedObject {
            object: parse_json_item(&text, "Pod", Some("v1")).unwrap().object,
            origin: Origin {
                file,
                start: 0,
                end: text.len(),
                format,
            },
            managed_time: None,
            spans: Vec::new(),
        }
    }

    #[test]
    fn an_object_seen_twice_is_merged_and_yaml_beats_describe() {
        let mut ing = Ingested {
            objects: vec![
                pod(0, SourceFormat::Describe, "from-describe"),
                pod(1, SourceFormat::Yaml, "from-yaml"),
                pod(2, SourceFormat::Table, "from-table"),
            ],
            ..Default::default()
        };
        let c = Cluster::build(&mut ing);
        assert_eq!(c.entries().len(), 1);
        let e = &c.entries()[0];
        assert_eq!(e.origin.file, 1, "the YAML copy is kept");
        let mut also: Vec<u32> = e.also.iter().map(|o| o.file).collect();
        also.sort();
        assert_eq!(also, vec![0, 2]);
        let p = c
            .get_typed::<k8s_openapi::api::core::v1::Pod>(Some("ns"), "p")
            .unwrap();
        assert_eq!(
            p.spec.as_ref().unwrap().containers[0].image.as_deref(),
            Some("from-yaml")
        );
        assert_eq!(c.inventory().objects_by_kind["Pod"], 1);
    }
}

/// A JSON object as the parser would hand it over, read from file 0 (for tests).
#[cfg(test)]
pub(crate) fn parsed_json(kind: &str, text: &str) -> crate::ingest::ParsedObject {
    crate::ingest::ParsedObject {
        object: crate::model::object::parse_json_item(text, kind, None)
            .unwrap()
            .object,
        origin: Origin {
            file: 0,
            start: 0,
            end: text.len(),
            format: crate::ingest::SourceFormat::Json,
        },
        managed_time: None,
        spans: Vec::new(),
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::ingest::ParsedObject;

    fn obj(
        kind: &str,
        ns: &str,
        name: &str,
        uid: &str,
        owner: Option<(&str, &str, &str)>,
    ) -> ParsedObject {
        let owners = owner
            .map(|(k, n, u)| {
                format!(r#","ownerReferences":[{{"apiVersion":"apps/v1","kind":"{k}","name":"{n}","uid":"{u}","controller":true}}]"#)
            })
            .unwrap_or_default();
        let text = format!(
            r#"{{"kind":"{kind}","apiVersion":"v1","metadata":{{"name":"{name}","namespace":"{ns}","uid":"{uid}"{owners}}}}}"#
        );
        parsed_json(kind, &text)
    }

    fn names<'a>(it: impl Iterator<Item = &'a Entry>) -> Vec<String> {
        it.map(|e| e.object.metadata().name.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn objects_by_namespace_and_by_owner() {
        let mut ing = Ingested {
            objects: vec![
                obj("Deployment", "a", "web", "d1", None),
                obj(
                    "ReplicaSet",
                    "a",
                    "web-1",
                    "r1",
                    Some(("Deployment", "web", "d1")),
                ),
                obj(
                    "ReplicaSet",
                    "a",
                    "web-2",
                    "r2",
                    Some(("Deployment", "web", "d1")),
                ),
                // Same name in another namespace, owned by kind and name (no uid match).
                obj(
                    "ReplicaSet",
                    "b",
                    "web-1",
                    "r3",
                    Some(("Deployment", "web", "gone")),
                ),
                obj("Deployment", "b", "web", "d2", None),
                obj(
                    "Pod",
                    "a",
                    "web-1-x",
                    "p1",
                    Some(("ReplicaSet", "web-1", "r1")),
                ),
                obj("ConfigMap", "a", "cm", "c1", None),
            ],
            ..Default::default()
        };
        let c = Cluster::build(&mut ing);
        assert_eq!(
            names(c.in_namespace("ReplicaSet", Some("a"))),
            ["web-1", "web-2"]
        );
        assert_eq!(names(c.in_namespace("ReplicaSet", Some("b"))), ["web-1"]);
        assert_eq!(
            names(c.in_namespace("ConfigMap", Some("b"))),
            Vec::<String>::new()
        );
        assert_eq!(names(c.in_namespace("Secret", None)), Vec::<String>::new());
        let d1 = c.get("Deployment", Some("a"), "web").unwrap();
        assert_eq!(names(c.owned(d1)), ["web-1", "web-2"]);
        let d2 = c.get("Deployment", Some("b"), "web").unwrap();
        assert_eq!(names(c.owned(d2)), ["web-1"]);
        let rs = c.get("ReplicaSet", Some("a"), "web-1").unwrap();
        assert_eq!(names(c.owned(rs)), ["web-1-x"]);
        let pod = c.get("Pod", Some("a"), "web-1-x").unwrap();
        assert_eq!(names(c.owner_chain(pod).into_iter()), ["web-1", "web"]);
        assert_eq!(names(c.owned(pod)), Vec::<String>::new());
    }
}

#[cfg(test)]
mod log_name_tests {
    use super::*;
    use crate::ingest::logs::LogDigest;
    use crate::ingest::ParsedObject;

    fn pod(ns: &str, name: &str) -> ParsedObject {
        let text = format!(
            r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"{name}","namespace":"{ns}"}}}}"#
        );
        parsed_json("Pod", &text)
    }

    fn split(c: &Cluster, ns: Option<&str>, stem: &str) -> Option<(String, String)> {
        let mut log = ContainerLog {
            namespace: ns.map(str::to_string),
            pod: Some(stem.to_string()),
            container: None,
            instance: Instance::Current,
            rotated: false,
            attributed: false,
            file: 0,
            digest: LogDigest::default(),
        };
        let i = c.split_pod_container(&mut log)?;
        let name = c.entries()[i].object.metadata().name.clone()?;
        Some((name, log.container?))
    }

    #[test]
    fn pod_and_container_from_a_log_file_name() {
        let mut ing = Ingested {
            objects: vec![
                pod("a", "web"),
                pod("a", "web-1"),
                pod("a", "db-0"),
                pod("b", "db-0"),
            ],
            ..Default::default()
        };
        let c = Cluster::build(&mut ing);
        let pair = |p: &str, c: &str| Some((p.to_string(), c.to_string()));
        // The longest pod name wins.
        assert_eq!(split(&c, None, "web-1_app"), pair("web-1", "app"));
        assert_eq!(split(&c, None, "web-2_app"), pair("web", "2_app"));
        assert_eq!(split(&c, None, "web.sidecar"), pair("web", "sidecar"));
        // Two pods of that name (in two namespaces): ambiguous, left to the other readings.
        assert_eq!(split(&c, None, "db-0_pg"), None);
        assert_eq!(split(&c, Some("b"), "db-0_pg"), None);
        assert_eq!(split(&c, None, "cache_redis"), None);
    }
}

#[cfg(test)]
mod age_tests {
    use super::*;
    use crate::ingest::{ParsedObject, SourceFormat};
    use crate::model::object::parse_json_item;

    #[test]
    fn event_ages_become_times_before_the_snapshot() {
        let text = r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"p.1","namespace":"ns","annotations":{"ktriage.io/last-seen-age":"61","ktriage.io/first-seen-age":"383"}},"involvedObject":{"kind":"Pod","namespace":"ns","name":"p"},"reason":"BackOff","count":2}"#;
        let mut ing = Ingested {
            objects: vec![ParsedObject {
                object: parse_json_item(text, "Event", Some("v1")).unwrap().object,
                origin: Origin {
                    file: 0,
                    start: 0,
                    end: text.len(),
                    format: SourceFormat::Describe,
                },
                managed_time: None,
                spans: Vec::new(),
            }],
            facts: vec![Fact::CapturedAt(
                "2026-01-02T03:04:05Z".parse().unwrap(),
                "test".into(),
            )],
            ..Default::default()
        };
        let c = Cluster::build(&mut ing);
        let ev = &c.events()[0];
        assert_eq!(ev.last.unwrap().to_string(), "2026-01-02T03:03:04Z");
        assert_eq!(ev.first.unwrap().to_string(), "2026-01-02T02:57:42Z");
        assert_eq!(ev.count, 2);
    }
}

#[cfg(test)]
mod memo_tests {
    use super::Cluster;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Derived(usize);
    struct Other(&'static str);

    #[test]
    fn computed_once_and_shared_between_threads() {
        let c = Cluster::default();
        let calls = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = c.memo(|| {
                        calls.fetch_add(1, Ordering::SeqCst);
                        Derived(42)
                    });
                    assert_eq!(v.0, 42);
                });
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(c.memo(|| Other("x")).0, "x");
        assert_eq!(c.memo(|| Derived(0)).0, 42);
    }
}
