//! Synthetic Kubernetes snapshot generator, shared by `examples/gen.rs` and `benches/ingest.rs`
//! (both include this file with `#[path]`, so there is one copy of the code).
//!
//! It writes a realistic cluster: ~N/30 nodes, five namespaces of Deployments (each with its
//! current ReplicaSet, often an old one scaled to zero, and a Service), ReplicaSet-owned pods
//! with full API metadata (`managedFields` included), two events per pod and container logs,
//! in one of four forms:
//!
//! * [`Form::Tgz`]: a troubleshoot support bundle, `support-bundle-<time>.tar.gz` (GNU tar);
//! * [`Form::JsonDir`]: the same bundle tree as a folder;
//! * [`Form::YamlDir`]: the same objects as `kubectl get -o yaml` list files
//!   (`nodes.yaml`, `<ns>/pods.yaml`, ...) plus `<ns>/<pod>.log`;
//! * [`Form::ClusterInfoDump`]: the folder `kubectl cluster-info dump --output-directory`
//!   writes (`nodes.json`, `<ns>/pods.json`, ..., `<ns>/<pod>/logs.txt`).
//!
//! A fraction of the pods ([`Config::faults`]) carries a fault from the rule catalog, and a
//! quarter of that fraction of the Services and nodes too; [`Written::faults`] lists each
//! planted fault as the rule code that must find it and the object it is on (see [`Fault`]).
//!
//! The output is a pure function of the arguments: a small inline PRNG (splitmix64) and fixed
//! timestamps, so the same seed always gives the same bytes.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        V::Obj(vec![$(($k.to_string(), V::from($v))),*])
    };
}

macro_rules! arr {
    ($($v:expr),* $(,)?) => {
        V::Arr(vec![$(V::from($v)),*])
    };
}

/// Name of the bundle's top folder (and of the archive without `.tar.gz`).
pub const BUNDLE_NAME: &str = "support-bundle-2026-01-02T03_04_05";
/// Name of the folder written for [`Form::YamlDir`].
pub const YAML_DIR_NAME: &str = "kubectl-get-yaml";
/// Name of the folder written for [`Form::ClusterInfoDump`].
pub const CLUSTER_INFO_DIR_NAME: &str = "cluster-info-dump";
/// Default fraction of pods with a planted fault: the 2% Pending and 5% crash-looping pods
/// the generator has always written, so snapshot sizes stay comparable across versions.
pub const DEFAULT_FAULTS: f64 = 0.07;
/// 2026-01-02T03:04:05Z, the capture time, in seconds since the epoch.
const CAPTURE: i64 = 1_767_323_045;
const NAMESPACES: [&str; 5] = [
    "storefront",
    "checkout",
    "payments",
    "data-pipeline",
    "observability",
];
const APPS: [&str; 30] = [
    "api-gateway",
    "web-frontend",
    "cart",
    "catalog",
    "checkout",
    "inventory",
    "orders",
    "payments",
    "refunds",
    "notifications",
    "email-sender",
    "search",
    "recommendations",
    "user-profile",
    "auth",
    "sessions",
    "shipping",
    "pricing",
    "reviews",
    "image-resizer",
    "report-builder",
    "ledger",
    "fraud-detector",
    "kafka-consumer",
    "etl-runner",
    "feature-store",
    "metrics-exporter",
    "log-shipper",
    "alert-router",
    "trace-collector",
];
const K8S_VERSION: &str = "v1.31.4-eks-2d5f260";
const KUBELET_VERSION: &str = "v1.31.4-eks-aeac579";

/// The on-disk form of the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `support-bundle-<time>.tar.gz`.
    Tgz,
    /// The bundle tree as a folder.
    JsonDir,
    /// A folder of `kubectl get -o yaml` list files and logs.
    YamlDir,
    /// The folder `kubectl cluster-info dump --output-directory` writes.
    ClusterInfoDump,
}

impl Form {
    /// Parses `tgz`, `json-dir`, `yaml-dir`, `cluster-info-dump`.
    pub fn parse(s: &str) -> Option<Form> {
        match s {
            "tgz" => Some(Form::Tgz),
            "json-dir" => Some(Form::JsonDir),
            "yaml-dir" => Some(Form::YamlDir),
            "cluster-info-dump" => Some(Form::ClusterInfoDump),
            _ => None,
        }
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Tgz => "tgz",
            Form::JsonDir => "json-dir",
            Form::YamlDir => "yaml-dir",
            Form::ClusterInfoDump => "cluster-info-dump",
        }
    }

    /// The name of the archive or folder written into [`Config::out`].
    pub fn target_name(self) -> String {
        match self {
            Form::Tgz => format!("{BUNDLE_NAME}.tar.gz"),
            Form::JsonDir => BUNDLE_NAME.to_string(),
            Form::YamlDir => YAML_DIR_NAME.to_string(),
            Form::ClusterInfoDump => CLUSTER_INFO_DIR_NAME.to_string(),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    /// Number of pods.
    pub pods: usize,
    /// PRNG seed.
    pub seed: u64,
    /// Size of each container log, in KiB.
    pub log_kib: usize,
    /// Output form.
    pub form: Form,
    /// Folder the snapshot is written into (created if missing).
    pub out: PathBuf,
    /// Fraction of pods with a planted fault, in `0.0..=1.0` ([`DEFAULT_FAULTS`] by default).
    pub faults: f64,
}

/// A planted fault: the rule code that must report it and the object it is on, written as
/// `Pod/<ns>/<name>`, `Service/<ns>/<name>` or `Node/<name>` (as ktriage names objects).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fault {
    /// The rule code, such as `KT-OOM-001`.
    pub code: &'static str,
    /// The object, such as `Pod/checkout/cart-7d9f8b6c5-x2kq4`.
    pub object: String,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The snapshot: the archive or the folder.
    pub path: PathBuf,
    /// Number of files in the snapshot.
    pub files: usize,
    /// Total bytes of the files, uncompressed.
    pub bytes: u64,
    /// Bytes on disk (the archive size for [`Form::Tgz`], else equal to `bytes`).
    pub disk_bytes: u64,
    /// Objects per kind: nodes, pods, deployments, replicasets, services, events.
    pub objects: [(&'static str, usize); 6],
    /// The planted faults: nodes first, then pods and Services namespace by namespace.
    pub faults: Vec<Fault>,
}

/// Writes the snapshot; fails if its target (archive or folder) already exists.
pub fn generate(cfg: &Config) -> io::Result<Written> {
    if !(0.0..=1.0).contains(&cfg.faults) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the fault fraction must be within 0..=1, not {}",
                cfg.faults
            ),
        ));
    }
    fs::create_dir_all(&cfg.out)?;
    let target = cfg.out.join(cfg.form.target_name());
    if target.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists (remove it first)", target.display()),
        ));
    }
    let plan = Plan::new(cfg);
    let path = target;
    let mut sink = match cfg.form {
        Form::Tgz => {
            let file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            let gz = flate2::write::GzEncoder::new(
                BufWriter::with_capacity(1 << 20, file),
                flate2::Compression::default(),
            );
            Sink::new(Out::Tar(tar::Builder::new(gz)))
        }
        Form::JsonDir | Form::YamlDir | Form::ClusterInfoDump => {
            fs::create_dir(&path)?;
            Sink::new(Out::Dir {
                root: path.clone(),
                made: HashSet::new(),
            })
        }
    };
    match cfg.form {
        Form::Tgz | Form::JsonDir => write_bundle(&plan, &mut sink)?,
        Form::YamlDir => write_yaml_dir(&plan, &mut sink)?,
        Form::ClusterInfoDump => write_cluster_info_dump(&plan, &mut sink)?,
    }
    let (files, bytes) = (sink.files, sink.bytes);
    sink.finish()?;
    let disk_bytes = match cfg.form {
        Form::Tgz => fs::metadata(&path)?.len(),
        _ => bytes,
    };
    let events: usize = plan.pods.len() * 2;
    Ok(Written {
        path,
        files,
        bytes,
        disk_bytes,
        objects: [
            ("Node", plan.nodes.len()),
            ("Pod", plan.pods.len()),
            ("Deployment", plan.apps.len()),
            (
                "ReplicaSet",
                plan.apps.len() + plan.apps.iter().filter(|a| a.old_rs.is_some()).count(),
            ),
            ("Service", plan.apps.len()),
            ("Event", events),
        ],
        faults: plan.faults(),
    })
}

// ---------------------------------------------------------------------------------------------
// Output

enum Out {
    Dir {
        root: PathBuf,
        made: HashSet<PathBuf>,
    },
    Tar(tar::Builder<flate2::write::GzEncoder<BufWriter<fs::File>>>),
}

struct Sink {
    out: Out,
    files: usize,
    bytes: u64,
}

impl Sink {
    fn new(out: Out) -> Self {
        Sink {
            out,
            files: 0,
            bytes: 0,
        }
    }

    /// Writes one file at `rel` (`/`-separated, relative to the snapshot root).
    fn file(&mut self, rel: &str, data: &[u8]) -> io::Result<()> {
        self.files += 1;
        self.bytes += data.len() as u64;
        match &mut self.out {
            Out::Dir { root, made } => {
                let path = root.join(rel);
                if let Some(parent) = path.parent() {
                    if !made.contains(parent) {
                        fs::create_dir_all(parent)?;
                        made.insert(parent.to_path_buf());
                    }
                }
                fs::write(path, data)
            }
            Out::Tar(builder) => {
                // Like troubleshoot's ArchiveBundle: regular files only, no directory entries,
                // every name under the one top folder.
                let mut header = tar::Header::new_gnu();
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(data.len() as u64);
                header.set_mode(0o644);
                header.set_mtime(CAPTURE as u64);
                header.set_uid(0);
                header.set_gid(0);
                builder.append_data(&mut header, format!("{BUNDLE_NAME}/{rel}"), data)
            }
        }
    }

    fn finish(self) -> io::Result<()> {
        match self.out {
            Out::Dir { .. } => Ok(()),
            Out::Tar(builder) => {
                let gz = builder.into_inner()?;
                let mut w = gz.finish()?;
                w.flush()
            }
        }
    }
}

fn write_bundle(plan: &Plan, sink: &mut Sink) -> io::Result<()> {
    sink.file(
        "version.yaml",
        b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  versionNumber: v0.117.0\n",
    )?;
    let version = obj! {
        "info" => obj! {
            "major" => "1",
            "minor" => "31",
            "gitVersion" => K8S_VERSION,
            "gitCommit" => "2d5f2601e2a6ed81b6e6dfd0e9d4b4bd1f4e8c5a",
            "gitTreeState" => "clean",
            "buildDate" => "2024-12-12T21:31:12Z",
            "goVersion" => "go1.22.9",
            "compiler" => "gc",
            "platform" => "linux/amd64",
        },
        "string" => K8S_VERSION,
    };
    sink.file("cluster-info/cluster_version.json", &to_json(&version))?;
    let namespaces: Vec<V> = (0..NAMESPACES.len()).map(|n| plan.namespace(n)).collect();
    sink.file(
        "cluster-resources/namespaces.json",
        &to_json(&bundle_list("NamespaceList", "v1", namespaces, "31337")),
    )?;
    let nodes: Vec<V> = (0..plan.nodes.len()).map(|n| plan.node(n)).collect();
    sink.file(
        "cluster-resources/nodes.json",
        &to_json(&bundle_list("NodeList", "v1", nodes, "98765432")),
    )?;
    for (n, ns) in NAMESPACES.iter().enumerate() {
        let lists = plan.namespace_lists(n);
        for (dir, kind, api, items) in lists {
            let rv = plan.list_rv(n, dir);
            sink.file(
                &format!("cluster-resources/{dir}/{ns}.json"),
                &to_json(&bundle_list(kind, api, items, &rv)),
            )?;
        }
        for (p, c, previous, text) in plan.namespace_logs(n) {
            let suffix = if previous { "-previous" } else { "" };
            sink.file(
                &format!("cluster-resources/pods/logs/{ns}/{p}/{c}{suffix}.log"),
                text.as_bytes(),
            )?;
        }
    }
    Ok(())
}

fn write_yaml_dir(plan: &Plan, sink: &mut Sink) -> io::Result<()> {
    let namespaces: Vec<V> = (0..NAMESPACES.len()).map(|n| plan.namespace(n)).collect();
    sink.file("namespaces.yaml", &to_yaml(&kubectl_list(namespaces))?)?;
    let nodes: Vec<V> = (0..plan.nodes.len()).map(|n| plan.node(n)).collect();
    sink.file("nodes.yaml", &to_yaml(&kubectl_list(nodes))?)?;
    for (n, ns) in NAMESPACES.iter().enumerate() {
        for (dir, _kind, _api, items) in plan.namespace_lists(n) {
            sink.file(&format!("{ns}/{dir}.yaml"), &to_yaml(&kubectl_list(items))?)?;
        }
        for (p, _c, previous, text) in plan.namespace_logs(n) {
            // One log per pod (its main container), as `kubectl logs <pod> > <pod>.log`.
            let suffix = if previous { "-previous" } else { "" };
            sink.file(&format!("{ns}/{p}{suffix}.log"), text.as_bytes())?;
        }
    }
    Ok(())
}

/// The folder `kubectl cluster-info dump --output-directory DIR --namespaces ...` writes:
/// `nodes.json`, then per namespace its seven lists (typed client-go lists: items without
/// `kind`/`apiVersion`, `"items": []` when empty, four-space indent as kubectl's JSON printer)
/// and one `<pod>/logs.txt` per pod with a log. kubectl fetches current logs only; for a
/// container waiting in CrashLoopBackOff that is the last run, the one that crashed.
fn write_cluster_info_dump(plan: &Plan, sink: &mut Sink) -> io::Result<()> {
    let typed = |items: Vec<V>| -> Vec<V> {
        items
            .iter()
            .map(|v| v.without(&["kind", "apiVersion"]))
            .collect()
    };
    let nodes: Vec<V> = (0..plan.nodes.len()).map(|n| plan.node(n)).collect();
    sink.file(
        "nodes.json",
        &kubectl_json(&typed_list("NodeList", "v1", typed(nodes), "98765432")),
    )?;
    for (n, ns) in NAMESPACES.iter().enumerate() {
        let mut lists = plan.namespace_lists(n);
        let mut take = |dir: &str| {
            let at = lists.iter().position(|l| l.0 == dir).expect("known list");
            lists.swap_remove(at)
        };
        let (pods, events, deployments, replicasets, services) = (
            take("pods"),
            take("events"),
            take("deployments"),
            take("replicasets"),
            take("services"),
        );
        let empty = |kind: &'static str, api: &'static str| ("", kind, api, Vec::new());
        let ordered = [
            ("events", events),
            (
                "replication-controllers",
                empty("ReplicationControllerList", "v1"),
            ),
            ("services", services),
            ("daemonsets", empty("DaemonSetList", "apps/v1")),
            ("deployments", deployments),
            ("replicasets", replicasets),
            ("pods", pods),
        ];
        for (file, (dir, kind, api, items)) in ordered {
            let rv = plan.list_rv(n, if dir.is_empty() { file } else { dir });
            sink.file(
                &format!("{ns}/{file}.json"),
                &kubectl_json(&typed_list(kind, api, typed(items), &rv)),
            )?;
        }
        for (p, c, previous, text) in plan.namespace_logs(n) {
            if previous {
                continue;
            }
            let mut body = String::with_capacity(text.len() + 200);
            let _ = writeln!(
                body,
                "==== START logs for container {c} of pod {ns}/{p} ===="
            );
            body.push_str(&text);
            let _ = writeln!(body, "==== END logs for container {c} of pod {ns}/{p} ====");
            sink.file(&format!("{ns}/{p}/logs.txt"), body.as_bytes())?;
        }
    }
    Ok(())
}

/// JSON as kubectl's printer writes it: `json.MarshalIndent(v, "", "    ")` and a newline.
fn kubectl_json(v: &V) -> Vec<u8> {
    let mut buf = to_json_indent(v, 4);
    buf.push(b'\n');
    buf
}

/// A typed client-go list as kubectl prints it: `"items": []` when empty.
fn typed_list(kind: &str, api: &str, items: Vec<V>, rv: &str) -> V {
    obj! {
        "kind" => kind,
        "apiVersion" => api,
        "metadata" => obj! { "resourceVersion" => rv },
        "items" => V::Arr(items),
    }
}

/// A troubleshoot list file: `{"kind": "PodList", "apiVersion": "v1", ...}`, `items: null`
/// when empty (as troubleshoot writes an empty namespace).
fn bundle_list(kind: &str, api: &str, items: Vec<V>, rv: &str) -> V {
    obj! {
        "kind" => kind,
        "apiVersion" => api,
        "metadata" => obj! { "resourceVersion" => rv },
        "items" => if items.is_empty() { V::Null } else { V::Arr(items) },
    }
}

/// `kubectl get -o yaml` list (keys come out sorted when serialized as YAML).
fn kubectl_list(items: Vec<V>) -> V {
    obj! {
        "apiVersion" => "v1",
        "items" => V::Arr(items),
        "kind" => "List",
        "metadata" => obj! { "resourceVersion" => "" },
    }
}

/// JSON as Go's `json.MarshalIndent(v, "", "  ")` writes it (fields in struct order).
fn to_json(v: &V) -> Vec<u8> {
    to_json_indent(v, 2)
}

/// JSON as `json.MarshalIndent(v, "", <indent spaces>)` writes it.
fn to_json_indent(v: &V, indent: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(1 << 16);
    let spaces = vec![b' '; indent];
    let fmt = serde_json::ser::PrettyFormatter::with_indent(&spaces);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    Ser { v, sorted: false }
        .serialize(&mut ser)
        .expect("serializing into memory cannot fail");
    buf
}

/// YAML as kubectl writes it: keys in alphabetical order.
fn to_yaml(v: &V) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1 << 16);
    yaml_serde::to_writer(&mut buf, &Ser { v, sorted: true }).map_err(io::Error::other)?;
    Ok(buf)
}

// ---------------------------------------------------------------------------------------------
// An ordered JSON value (Go struct field order for JSON; sorted for YAML).

#[derive(Debug, Clone)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<V>),
    Obj(Vec<(String, V)>),
}

impl From<&str> for V {
    fn from(s: &str) -> V {
        V::Str(s.to_string())
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::Str(s)
    }
}
impl From<&String> for V {
    fn from(s: &String) -> V {
        V::Str(s.clone())
    }
}
impl From<i64> for V {
    fn from(n: i64) -> V {
        V::Int(n)
    }
}
impl From<bool> for V {
    fn from(b: bool) -> V {
        V::Bool(b)
    }
}
impl From<Vec<V>> for V {
    fn from(a: Vec<V>) -> V {
        V::Arr(a)
    }
}

impl V {
    fn empty() -> V {
        V::Obj(Vec::new())
    }

    /// A `map[string]string` (Go writes map keys sorted).
    fn string_map(pairs: &[(&str, &str)]) -> V {
        let mut kv: Vec<(String, V)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), V::from(*v)))
            .collect();
        kv.sort_by(|a, b| a.0.cmp(&b.0));
        V::Obj(kv)
    }

    fn get(&self, key: &str) -> Option<&V> {
        match self {
            V::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn push(&mut self, key: &str, value: impl Into<V>) {
        if let V::Obj(kv) = self {
            kv.push((key.to_string(), value.into()));
        }
    }

    /// The object without the given keys.
    fn without(&self, keys: &[&str]) -> V {
        match self {
            V::Obj(kv) => V::Obj(
                kv.iter()
                    .filter(|(k, _)| !keys.contains(&k.as_str()))
                    .cloned()
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

struct Ser<'a> {
    v: &'a V,
    sorted: bool,
}

impl Serialize for Ser<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sorted = self.sorted;
        match self.v {
            V::Null => s.serialize_unit(),
            V::Bool(b) => s.serialize_bool(*b),
            V::Int(n) => s.serialize_i64(*n),
            V::Str(t) => s.serialize_str(t),
            V::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&Ser { v, sorted })?;
                }
                seq.end()
            }
            V::Obj(kv) => {
                let mut refs: Vec<&(String, V)> = kv.iter().collect();
                if sorted {
                    refs.sort_by(|a, b| a.0.cmp(&b.0));
                }
                let mut map = s.serialize_map(Some(refs.len()))?;
                for (k, v) in refs {
                    map.serialize_entry(k, &Ser { v, sorted })?;
                }
                map.end()
            }
        }
    }
}

/// The `fieldsV1` tree of the fields set in `v`, as the API server records it in
/// `managedFields`: `f:<field>` for fields, `k:{...}` for keyed list items, `.` for the
/// entry itself.
fn fields_v1(v: &V) -> V {
    // `depth` is that of the object `v`: 0 for the wrapper, 1 for `metadata`/`spec`/`status`
    // (which carry no `.` entry), deeper ones do.
    fn node(v: &V, depth: usize) -> V {
        let V::Obj(kv) = v else {
            return V::empty();
        };
        let mut out: Vec<(String, V)> = Vec::with_capacity(kv.len() + 1);
        if depth >= 2 {
            out.push((".".to_string(), V::empty()));
        }
        for (k, c) in kv {
            out.push((format!("f:{k}"), child(k, c, depth + 1)));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        V::Obj(out)
    }
    fn child(key: &str, c: &V, depth: usize) -> V {
        const ATOMIC: [&str; 7] = [
            "containerStatuses",
            "images",
            "args",
            "command",
            "finalizers",
            "clusterIPs",
            "ipFamilies",
        ];
        if ATOMIC.contains(&key) {
            return V::empty();
        }
        match c {
            V::Obj(kv) if !kv.is_empty() => node(c, depth),
            V::Arr(items) if !items.is_empty() => {
                let keys: Option<Vec<String>> = items.iter().map(list_key).collect();
                match keys {
                    Some(keys) => {
                        let mut out: Vec<(String, V)> = keys
                            .into_iter()
                            .zip(items)
                            .map(|(k, item)| (k, node(item, depth + 1)))
                            .collect();
                        out.sort_by(|a, b| a.0.cmp(&b.0));
                        V::Obj(out)
                    }
                    None => V::empty(),
                }
            }
            _ => V::empty(),
        }
    }
    fn list_key(item: &V) -> Option<String> {
        let s = |k: &str| match item.get(k) {
            Some(V::Str(t)) => Some(format!("{t:?}")),
            Some(V::Int(n)) => Some(n.to_string()),
            _ => None,
        };
        let one = |k: &str| s(k).map(|v| format!("k:{{\"{k}\":{v}}}"));
        if let (Some(port), Some(proto)) = (s("containerPort"), s("protocol")) {
            return Some(format!(
                "k:{{\"containerPort\":{port},\"protocol\":{proto}}}"
            ));
        }
        if let (Some(port), Some(proto)) = (s("port"), s("protocol")) {
            return Some(format!("k:{{\"port\":{port},\"protocol\":{proto}}}"));
        }
        ["mountPath", "uid", "type", "ip", "name"]
            .iter()
            .find_map(|k| one(k))
    }
    node(v, 0)
}

fn managed(manager: &str, api: &str, time: i64, fields: &V, subresource: Option<&str>) -> V {
    let mut e = obj! {
        "manager" => manager,
        "operation" => "Update",
        "apiVersion" => api,
        "time" => ts(time),
        "fieldsType" => "FieldsV1",
        "fieldsV1" => fields_v1(fields),
    };
    if let Some(s) = subresource {
        e.push("subresource", s);
    }
    e
}

// ---------------------------------------------------------------------------------------------
// Randomness and formatting

/// splitmix64.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed ^ 0x6A09_E667_F3BC_C909);
        r.next();
        r
    }

    /// An independent stream for item `i` of `domain`.
    fn stream(seed: u64, domain: u64, i: u64) -> Rng {
        Rng::new(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ domain.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
                ^ i.wrapping_mul(0x1656_67B1_9E37_79F9),
        )
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }

    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(n);
        s
    }

    /// A name suffix from the alphabet Kubernetes uses (no vowels, no confusable digits).
    fn suffix(&mut self, n: usize) -> String {
        const ALPHA: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..n)
            .map(|_| ALPHA[(self.next() % ALPHA.len() as u64) as usize] as char)
            .collect()
    }

    fn uid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            ["8", "9", "a", "b"][(self.next() % 4) as usize],
            &h[17..20],
            &h[20..32]
        )
    }

    fn rv(&mut self) -> String {
        self.range(10_000_000, 99_999_999).to_string()
    }
}

/// Exactly `k` of the indices `0..n`, chosen by the seed: those with the smallest hashes.
fn choose(seed: u64, domain: u64, n: usize, k: usize) -> HashSet<usize> {
    let mut keyed: Vec<(u64, usize)> = (0..n)
        .map(|i| (Rng::stream(seed, domain, i as u64).next(), i))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().take(k).map(|(_, i)| i).collect()
}

/// RFC 3339, second precision (`metav1.Time`).
fn ts(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .expect("timestamp in range")
        .to_string()
}

/// RFC 3339 with a fixed number of fractional digits (`%.3f` for logs, `%.6f` for MicroTime).
fn ts_frac(micros: i64, digits: usize) -> String {
    let t = jiff::Timestamp::from_microsecond(micros).expect("timestamp in range");
    let fmt = if digits == 3 {
        "%Y-%m-%dT%H:%M:%S%.3fZ"
    } else {
        "%Y-%m-%dT%H:%M:%S%.6fZ"
    };
    t.strftime(fmt).to_string()
}

// ---------------------------------------------------------------------------------------------
// The plan: every random decision, made once, in a fixed order.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Go,
    Python,
    Java,
    Node,
}

/// A pod's state: healthy, or one of the planted faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    /// Unschedulable: `Insufficient memory` on every node (KT-SCHED-001).
    Pending,
    /// CrashLoopBackOff, a Python `KeyError` reading `os.environ` (KT-CRASH-002).
    CrashMissingEnv,
    /// CrashLoopBackOff, another unhandled Python exception (KT-CRASH-006).
    CrashException,
    /// CrashLoopBackOff after the last run was OOM-killed (KT-OOM-001).
    OomKilled,
    /// ImagePullBackOff: the image tag was never pushed (KT-IMAGE-001).
    ImageMissing,
    /// CreateContainerConfigError: `envFrom` names a ConfigMap that does not exist
    /// (KT-CREATE-003).
    ConfigMissing,
}

/// How planted pod faults are shared out: state and share of the faulty pods. Pending and
/// crash-looping pods keep the 2 : 5 ratio the generator had before faults were chosen.
const POD_FAULTS: [(State, f64); 6] = [
    (State::Pending, 0.28),
    (State::CrashMissingEnv, 0.20),
    (State::CrashException, 0.16),
    (State::OomKilled, 0.12),
    (State::ImageMissing, 0.12),
    (State::ConfigMissing, 0.12),
];

impl State {
    /// The state of a pod whose uniform draw is `u`: faulty when `u < faults`, the fault
    /// chosen by where `u` falls in `0..faults` (one draw, so pods keep their other values).
    fn pick(u: f64, faults: f64) -> State {
        if u >= faults {
            return State::Running;
        }
        let mut at = u / faults;
        for (state, share) in POD_FAULTS {
            if at < share {
                return state;
            }
            at -= share;
        }
        POD_FAULTS[POD_FAULTS.len() - 1].0
    }

    /// The rule that must report a pod in this state.
    fn code(self) -> Option<&'static str> {
        match self {
            State::Running => None,
            State::Pending => Some("KT-SCHED-001"),
            State::CrashMissingEnv => Some("KT-CRASH-002"),
            State::CrashException => Some("KT-CRASH-006"),
            State::OomKilled => Some("KT-OOM-001"),
            State::ImageMissing => Some("KT-IMAGE-001"),
            State::ConfigMissing => Some("KT-CREATE-003"),
        }
    }

    /// The main container ran and died, and is now waiting in CrashLoopBackOff.
    fn crash_looping(self) -> bool {
        matches!(
            self,
            State::CrashMissingEnv | State::CrashException | State::OomKilled
        )
    }

    /// The main container never started (the pod is Pending).
    fn never_started(self) -> bool {
        matches!(
            self,
            State::Pending | State::ImageMissing | State::ConfigMissing
        )
    }
}

struct NodeInfo {
    name: String,
    ip: String,
    /// Planted fault: the kubelet stopped posting status (KT-NODE-001).
    not_ready: bool,
    zone: &'static str,
    instance: String,
    uid: String,
    rv: String,
    created: i64,
    heartbeat: i64,
    machine_id: String,
    system_uuid: String,
    boot_id: String,
    image_apps: Vec<usize>,
}

struct Rs {
    hash: String,
    uid: String,
    rv: String,
    created: i64,
    revision: i64,
}

struct App {
    name: String,
    ns: usize,
    replicas: usize,
    lang: Lang,
    component: &'static str,
    version: String,
    image: String,
    digest: String,
    port: i64,
    sidecar: Option<usize>,
    cpu_req: &'static str,
    mem_req: &'static str,
    cpu_lim: &'static str,
    mem_lim: &'static str,
    uid: String,
    rv: String,
    created: i64,
    generation: i64,
    rs: Rs,
    old_rs: Option<Rs>,
    svc_uid: String,
    svc_rv: String,
    /// Planted fault: the Service selector has a wrong label value (KT-SVC-002).
    svc_mismatch: bool,
    cluster_ip: String,
    config_sum: String,
    restarted_at: i64,
    pods: std::ops::Range<usize>,
}

struct PodInfo {
    app: usize,
    index: usize,
    name: String,
    uid: String,
    rv: String,
    state: State,
    node: usize,
    ip: String,
    created: i64,
    started: i64,
    running_since: i64,
    restarts: i64,
    last_started: i64,
    last_finished: i64,
    container_ids: [String; 2],
    api_access: String,
    event_ids: [String; 2],
    event_uids: [String; 2],
    event_rvs: [String; 2],
}

impl PodInfo {
    /// Restarts of the main container: an OOM-killed one has restarted once or twice (more is
    /// KT-OOM-002, a leak, which is not planted).
    fn restart_count(&self) -> i64 {
        match self.state {
            State::OomKilled => 1 + self.restarts % 2,
            _ => self.restarts,
        }
    }
}

/// One event of a pod: `new_style` events are written by events.k8s.io/v1 clients
/// (`eventTime` set, no counts or timestamps).
struct EventSpec {
    reason: &'static str,
    message: String,
    type_: &'static str,
    component: &'static str,
    first: i64,
    last: i64,
    count: i64,
    new_style: bool,
}

impl EventSpec {
    /// An event of the kubelet, core/v1 style: reason, message, type, and (first, last, count).
    fn kubelet(
        reason: &'static str,
        message: String,
        type_: &'static str,
        (first, last, count): (i64, i64, i64),
    ) -> EventSpec {
        EventSpec {
            reason,
            message,
            type_,
            component: "kubelet",
            first,
            last,
            count,
            new_style: false,
        }
    }
}

struct Sidecar {
    name: &'static str,
    image: &'static str,
    digest: &'static str,
    port: i64,
    port_name: &'static str,
}

const SIDECARS: [Sidecar; 2] = [
    Sidecar {
        name: "envoy",
        image: "docker.io/envoyproxy/envoy:v1.31.2",
        digest: "docker.io/envoyproxy/envoy@sha256:5d0a49d8f3f0a3f8d3bd37ad2e5c2b2ec7cd6e4c1c6e2f3e8c5a1d7ad8f3b0c1",
        port: 9901,
        port_name: "admin",
    },
    Sidecar {
        name: "fluent-bit",
        image: "cr.fluentbit.io/fluent/fluent-bit:3.1.9",
        digest: "cr.fluentbit.io/fluent/fluent-bit@sha256:a0a5b1c7c3d1e9f5b8e6d2c4a7f9e1b3d5c7a9e1f3b5d7c9e1a3b5c7d9e1f3a5",
        port: 2020,
        port_name: "http-metrics",
    },
];

struct Plan {
    seed: u64,
    log_bytes: usize,
    nodes: Vec<NodeInfo>,
    apps: Vec<App>,
    pods: Vec<PodInfo>,
}

impl Plan {
    fn new(cfg: &Config) -> Plan {
        let seed = cfg.seed;
        let node_count = cfg.pods.div_ceil(30).max(1);
        let nodes: Vec<NodeInfo> = (0..node_count)
            .map(|i| {
                let mut r = Rng::stream(seed, 1, i as u64);
                let (a, b) = (i / 250 + r.range(0, 3) as usize * 64, i % 250 + 10);
                let zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
                let created = CAPTURE - r.range(5 * 86_400, 60 * 86_400);
                NodeInfo {
                    name: format!("ip-10-0-{a}-{b}.eu-west-1.compute.internal"),
                    ip: format!("10.0.{a}.{b}"),
                    not_ready: false,
                    zone: zones[i % 3],
                    instance: format!("i-0{}", r.hex(16)),
                    uid: r.uid(),
                    rv: r.rv(),
                    created,
                    heartbeat: CAPTURE - r.range(5, 50),
                    machine_id: r.hex(32),
                    system_uuid: format!("ec2{}", r.uid().get(3..).unwrap_or_default()),
                    boot_id: r.uid(),
                    image_apps: Vec::new(),
                }
            })
            .collect();

        // Deployments until every pod has one.
        let mut apps: Vec<App> = Vec::new();
        let mut next_pod = 0;
        while next_pod < cfg.pods {
            let d = apps.len();
            let mut r = Rng::stream(seed, 2, d as u64);
            let replicas = (r.range(1, 6) as usize).min(cfg.pods - next_pod);
            let base = APPS[d % APPS.len()];
            let name = if d < APPS.len() {
                base.to_string()
            } else {
                format!("{base}-{}", d / APPS.len() + 1)
            };
            let lang = r.pick(&[Lang::Go, Lang::Go, Lang::Python, Lang::Java, Lang::Node]);
            let version = format!("{}.{}.{}", r.range(1, 4), r.range(0, 24), r.range(0, 12));
            let registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop";
            let created = CAPTURE - r.range(20 * 86_400, 200 * 86_400);
            let generation = r.range(2, 40);
            let revision = r.range(2, 30);
            let rs_created = CAPTURE - r.range(3_600, 15 * 86_400);
            let rs = Rs {
                hash: format!("{}{}", r.range(5, 9), r.suffix(9)),
                uid: r.uid(),
                rv: r.rv(),
                created: rs_created,
                revision,
            };
            let old_rs = r.chance(0.6).then(|| Rs {
                hash: format!("{}{}", r.range(5, 9), r.suffix(9)),
                uid: r.uid(),
                rv: r.rv(),
                created: created + r.range(0, rs_created - created - 60),
                revision: revision - 1,
            });
            let (cpu_req, cpu_lim) =
                r.pick(&[("50m", "500m"), ("100m", "1"), ("250m", "1"), ("500m", "2")]);
            let (mem_req, mem_lim) = r.pick(&[
                ("128Mi", "256Mi"),
                ("256Mi", "512Mi"),
                ("512Mi", "1Gi"),
                ("1Gi", "2Gi"),
            ]);
            apps.push(App {
                ns: d % NAMESPACES.len(),
                replicas,
                lang,
                component: r.pick(&["api", "worker", "frontend", "backend"]),
                image: format!("{registry}/{base}:v{version}"),
                digest: format!("{registry}/{base}@sha256:{}", r.hex(64)),
                version,
                port: r.pick(&[8080, 8000, 3000, 9000]),
                sidecar: r
                    .chance(0.4)
                    .then(|| (r.next() % SIDECARS.len() as u64) as usize),
                cpu_req,
                mem_req,
                cpu_lim,
                mem_lim,
                uid: r.uid(),
                rv: r.rv(),
                created,
                generation,
                rs,
                old_rs,
                svc_uid: r.uid(),
                svc_rv: r.rv(),
                svc_mismatch: false,
                cluster_ip: format!("172.20.{}.{}", r.range(0, 255), r.range(1, 254)),
                config_sum: r.hex(64),
                restarted_at: rs_created - r.range(0, 30),
                pods: next_pod..next_pod + replicas,
                name,
            });
            next_pod += replicas;
        }

        let mut pods: Vec<PodInfo> = Vec::with_capacity(cfg.pods);
        for (a, app) in apps.iter().enumerate() {
            for index in app.pods.clone() {
                let mut r = Rng::stream(seed, 3, index as u64);
                let state = State::pick(r.unit(), cfg.faults);
                let name = format!("{}-{}-{}", app.name, app.rs.hash, r.suffix(5));
                let created = app.rs.created + r.range(0, (CAPTURE - app.rs.created) / 2);
                let started = created + r.range(1, 3);
                let running_since = started + r.range(3, 25);
                let last_finished = CAPTURE - r.range(30, 280);
                pods.push(PodInfo {
                    app: a,
                    index,
                    uid: r.uid(),
                    rv: r.rv(),
                    state,
                    node: (r.next() % nodes.len() as u64) as usize,
                    ip: format!("10.0.{}.{}", 128 + (index / 250) % 128, index % 250 + 2),
                    created,
                    started,
                    running_since,
                    restarts: r.range(4, 90),
                    last_started: last_finished - r.range(1, 8),
                    last_finished,
                    container_ids: [r.hex(64), r.hex(64)],
                    api_access: r.suffix(5),
                    event_ids: [r.hex(16), r.hex(16)],
                    event_uids: [r.uid(), r.uid()],
                    event_rvs: [r.rv(), r.rv()],
                    name,
                });
            }
        }
        // Nodes and Services get a quarter of the pods' fault rate, at least one each when
        // faults are asked for (and never every node, so pods can still be scheduled).
        let share = |n: usize, domain: u64| -> HashSet<usize> {
            let k = if cfg.faults > 0.0 && n > 1 {
                ((n as f64 * cfg.faults / 4.0).round() as usize).clamp(1, n - 1)
            } else {
                0
            };
            choose(seed, domain, n, k)
        };
        for a in share(apps.len(), 9) {
            apps[a].svc_mismatch = true;
        }
        let mut nodes = nodes;
        for i in share(nodes.len(), 8) {
            nodes[i].not_ready = true;
        }
        for (i, n) in nodes.iter_mut().enumerate() {
            let mut r = Rng::stream(seed, 4, i as u64);
            let count = apps.len().min(12);
            let mut seen = HashSet::new();
            for _ in 0..count {
                let a = (r.next() % apps.len() as u64) as usize;
                if seen.insert(a) {
                    n.image_apps.push(a);
                }
            }
        }
        Plan {
            seed,
            log_bytes: cfg.log_kib * 1024,
            nodes,
            apps,
            pods,
        }
    }

    /// The planted faults: nodes, then pods and Services namespace by namespace.
    fn faults(&self) -> Vec<Fault> {
        let mut out: Vec<Fault> = self
            .nodes
            .iter()
            .filter(|n| n.not_ready)
            .map(|n| Fault {
                code: "KT-NODE-001",
                object: format!("Node/{}", n.name),
            })
            .collect();
        for (n, ns) in NAMESPACES.iter().enumerate() {
            for app in self.apps.iter().filter(|a| a.ns == n) {
                for p in &self.pods[app.pods.clone()] {
                    if let Some(code) = p.state.code() {
                        out.push(Fault {
                            code,
                            object: format!("Pod/{ns}/{}", p.name),
                        });
                    }
                }
            }
            for app in self.apps.iter().filter(|a| a.ns == n && a.svc_mismatch) {
                out.push(Fault {
                    code: "KT-SVC-002",
                    object: format!("Service/{ns}/{}", app.name),
                });
            }
        }
        out
    }

    fn list_rv(&self, ns: usize, dir: &str) -> String {
        let mut r = Rng::stream(self.seed, 5, ns as u64 * 31 + dir.len() as u64);
        r.rv()
    }

    fn namespace(&self, n: usize) -> V {
        let mut r = Rng::stream(self.seed, 6, n as u64);
        let name = NAMESPACES[n];
        let created = CAPTURE - r.range(200 * 86_400, 400 * 86_400);
        let labels = V::string_map(&[("kubernetes.io/metadata.name", name), ("team", "commerce")]);
        let mf = managed(
            "kubectl-create",
            "v1",
            created,
            &obj! { "metadata" => obj! { "labels" => labels.clone() } },
            None,
        );
        obj! {
            "kind" => "Namespace",
            "apiVersion" => "v1",
            "metadata" => obj! {
                "name" => name,
                "uid" => r.uid(),
                "resourceVersion" => r.rv(),
                "creationTimestamp" => ts(created),
                "labels" => labels,
                "managedFields" => arr![mf],
            },
            "spec" => obj! { "finalizers" => arr!["kubernetes"] },
            "status" => obj! { "phase" => "Active" },
        }
    }

    fn node(&self, n: usize) -> V {
        let node = &self.nodes[n];
        let labels = V::string_map(&[
            ("beta.kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/instance-type", "m6i.2xlarge"),
            ("beta.kubernetes.io/os", "linux"),
            ("eks.amazonaws.com/capacityType", "ON_DEMAND"),
            ("eks.amazonaws.com/nodegroup", "general-purpose"),
            ("eks.amazonaws.com/nodegroup-image", "ami-0c1f2e3d4b5a69788"),
            ("failure-domain.beta.kubernetes.io/region", "eu-west-1"),
            ("failure-domain.beta.kubernetes.io/zone", node.zone),
            (
                "k8s.io/cloud-provider-aws",
                "a94d5b1c1e0e4e1f9d6a1b2c3d4e5f60",
            ),
            ("kubernetes.io/arch", "amd64"),
            ("kubernetes.io/hostname", &node.name),
            ("kubernetes.io/os", "linux"),
            ("node.kubernetes.io/instance-type", "m6i.2xlarge"),
            ("topology.k8s.aws/zone-id", "euw1-az1"),
            ("topology.kubernetes.io/region", "eu-west-1"),
            ("topology.kubernetes.io/zone", node.zone),
        ]);
        let annotations = V::string_map(&[
            ("alpha.kubernetes.io/provided-node-ip", &node.ip),
            ("node.alpha.kubernetes.io/ttl", "0"),
            (
                "volumes.kubernetes.io/controller-managed-attach-detach",
                "true",
            ),
        ]);
        // A node whose kubelet stopped posting status: the node controller set every
        // condition to Unknown 40 s after the last heartbeat, and tainted the node.
        let lost = node.heartbeat - 200;
        let cond = |t: &str, s: &str, reason: &str, msg: &str| {
            let (s, reason, msg, heartbeat, transition) = if node.not_ready {
                (
                    "Unknown",
                    "NodeStatusUnknown",
                    "Kubelet stopped posting node status.",
                    lost,
                    lost + 40,
                )
            } else {
                (s, reason, msg, node.heartbeat, node.created + 40)
            };
            obj! {
                "type" => t,
                "status" => s,
                "lastHeartbeatTime" => ts(heartbeat),
                "lastTransitionTime" => ts(transition),
                "reason" => reason,
                "message" => msg,
            }
        };
        let mut images = vec![
            obj! {
                "names" => arr![
                    "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni@sha256:7d3b2d6e1f6c9b1b5e1b7f0e4c3d2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b",
                    "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.19.0-eksbuild.1",
                ],
                "sizeBytes" => 47_131_245i64,
            },
            obj! {
                "names" => arr![
                    "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy@sha256:4c1fd3a7d0bb3bd4ea1b0f6c8e1ad3f2b0c7a5e9d1f3b5a7c9e1d3f5b7a9c1e3",
                    "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/kube-proxy:v1.31.3-minimal-eksbuild.2",
                ],
                "sizeBytes" => 31_802_411i64,
            },
        ];
        for (k, &a) in node.image_apps.iter().enumerate() {
            let app = &self.apps[a];
            images.push(obj! {
                "names" => arr![app.digest.as_str(), app.image.as_str()],
                "sizeBytes" => 40_000_000i64 + (k as i64 * 7_919_311) % 300_000_000,
            });
        }
        images.push(obj! {
            "names" => arr![
                "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/pause@sha256:529cf6b1b6e5b76e901abc43aee825badbd93f9c5ee5f1e316d46a83abbce5a2",
                "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/pause:3.5",
            ],
            "sizeBytes" => 298_689i64,
        });
        let resources = |mem: &str, cpu: &str, storage: &str| {
            obj! {
                "cpu" => cpu,
                "ephemeral-storage" => storage,
                "hugepages-1Gi" => "0",
                "hugepages-2Mi" => "0",
                "memory" => mem,
                "pods" => "58",
            }
        };
        let meta_fields = obj! {
            "metadata" => obj! { "annotations" => annotations.clone(), "labels" => labels.clone() },
        };
        let status = obj! {
            "capacity" => resources("32386544Ki", "8", "104845292Ki"),
            "allocatable" => resources("31369712Ki", "7910m", "95551679124"),
            "conditions" => arr![
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses" => arr![
                obj! { "type" => "InternalIP", "address" => node.ip.as_str() },
                obj! { "type" => "InternalDNS", "address" => node.name.as_str() },
                obj! { "type" => "Hostname", "address" => node.name.as_str() },
            ],
            "daemonEndpoints" => obj! { "kubeletEndpoint" => obj! { "Port" => 10250i64 } },
            "nodeInfo" => obj! {
                "machineID" => node.machine_id.as_str(),
                "systemUUID" => node.system_uuid.as_str(),
                "bootID" => node.boot_id.as_str(),
                "kernelVersion" => "6.1.119-129.201.amzn2023.x86_64",
                "osImage" => "Amazon Linux 2023.6.20241212",
                "containerRuntimeVersion" => "containerd://1.7.23",
                "kubeletVersion" => KUBELET_VERSION,
                "kubeProxyVersion" => KUBELET_VERSION,
                "operatingSystem" => "linux",
                "architecture" => "amd64",
            },
            "images" => V::Arr(images),
        };
        let status_fields = obj! {
            "status" => status.without(&["capacity", "allocatable", "nodeInfo", "daemonEndpoints"]),
        };
        obj! {
            "kind" => "Node",
            "apiVersion" => "v1",
            "metadata" => obj! {
                "name" => node.name.as_str(),
                "uid" => node.uid.as_str(),
                "resourceVersion" => node.rv.as_str(),
                "creationTimestamp" => ts(node.created),
                "labels" => labels,
                "annotations" => annotations,
                "managedFields" => arr![
                    managed("kubelet", "v1", node.created, &meta_fields, None),
                    managed("kubelet", "v1", node.heartbeat, &status_fields, Some("status")),
                ],
            },
            "spec" => {
                let mut spec = obj! {
                    "providerID" => format!("aws:///{}/{}", node.zone, node.instance),
                };
                if node.not_ready {
                    let taint = |effect: &str| {
                        let mut t = obj! { "key" => "node.kubernetes.io/unreachable", "effect" => effect };
                        if effect == "NoExecute" {
                            t.push("timeAdded", ts(lost + 45));
                        }
                        t
                    };
                    spec.push("taints", arr![taint("NoSchedule"), taint("NoExecute")]);
                }
                spec
            },
            "status" => status,
        }
    }

    /// The namespace's list files: (folder, list kind, apiVersion, items).
    fn namespace_lists(&self, n: usize) -> Vec<(&'static str, &'static str, &'static str, Vec<V>)> {
        let apps: Vec<usize> = (0..self.apps.len())
            .filter(|&a| self.apps[a].ns == n)
            .collect();
        let pods: Vec<&PodInfo> = apps
            .iter()
            .flat_map(|&a| self.pods[self.apps[a].pods.clone()].iter())
            .collect();
        let mut replicasets = Vec::new();
        for &a in &apps {
            if let Some(old) = &self.apps[a].old_rs {
                replicasets.push(self.replicaset(a, old, false));
            }
            replicasets.push(self.replicaset(a, &self.apps[a].rs, true));
        }
        vec![
            (
                "pods",
                "PodList",
                "v1",
                pods.iter().map(|p| self.pod(p)).collect(),
            ),
            (
                "events",
                "EventList",
                "v1",
                pods.iter().flat_map(|p| self.events(p)).collect(),
            ),
            (
                "deployments",
                "DeploymentList",
                "apps/v1",
                apps.iter().map(|&a| self.deployment(a)).collect(),
            ),
            ("replicasets", "ReplicaSetList", "apps/v1", replicasets),
            (
                "services",
                "ServiceList",
                "v1",
                apps.iter().map(|&a| self.service(a)).collect(),
            ),
        ]
    }

    fn pod_labels(&self, app: &App, hash: Option<&str>) -> V {
        let mut pairs = vec![
            ("app.kubernetes.io/component", app.component),
            ("app.kubernetes.io/instance", app.name.as_str()),
            ("app.kubernetes.io/name", app.name.as_str()),
            ("app.kubernetes.io/part-of", "shop"),
            ("app.kubernetes.io/version", app.version.as_str()),
        ];
        if let Some(h) = hash {
            pairs.push(("pod-template-hash", h));
        }
        V::string_map(&pairs)
    }

    fn pod_annotations(&self, app: &App) -> V {
        let restarted = ts(app.restarted_at);
        V::string_map(&[
            ("checksum/config", app.config_sum.as_str()),
            ("kubectl.kubernetes.io/restartedAt", restarted.as_str()),
            ("prometheus.io/path", "/metrics"),
            ("prometheus.io/port", "9090"),
            ("prometheus.io/scrape", "true"),
        ])
    }

    fn selector(&self, app: &App) -> V {
        V::string_map(&[
            ("app.kubernetes.io/instance", app.name.as_str()),
            ("app.kubernetes.io/name", app.name.as_str()),
        ])
    }

    /// The pod spec of the app's template; with `pod`, the spec as the API server stores a
    /// created pod (service-account token volume, node, tolerations).
    fn pod_spec(&self, app: &App, pod: Option<&PodInfo>) -> V {
        let ns = NAMESPACES[app.ns];
        let access = pod.map(|p| format!("kube-api-access-{}", p.api_access));
        let mut volumes = vec![
            obj! {
                "name" => "config",
                "configMap" => obj! { "name" => format!("{}-config", app.name), "defaultMode" => 420i64 },
            },
            obj! { "name" => "tmp", "emptyDir" => obj! { "sizeLimit" => "256Mi" } },
        ];
        if let Some(access) = &access {
            volumes.push(obj! {
                "name" => access.as_str(),
                "projected" => obj! {
                    "sources" => arr![
                        obj! { "serviceAccountToken" => obj! { "expirationSeconds" => 3607i64, "path" => "token" } },
                        obj! { "configMap" => obj! {
                            "name" => "kube-root-ca.crt",
                            "items" => arr![obj! { "key" => "ca.crt", "path" => "ca.crt" }],
                        } },
                        obj! { "downwardAPI" => obj! {
                            "items" => arr![obj! {
                                "path" => "namespace",
                                "fieldRef" => obj! { "apiVersion" => "v1", "fieldPath" => "metadata.namespace" },
                            }],
                        } },
                    ],
                    "defaultMode" => 420i64,
                },
            });
        }
        let field_ref = |path: &str| {
            obj! { "fieldRef" => obj! { "apiVersion" => "v1", "fieldPath" => path } }
        };
        let mut env = vec![
            obj! { "name" => "LOG_LEVEL", "value" => "info" },
            obj! { "name" => "PORT", "value" => app.port.to_string() },
            obj! { "name" => "DATABASE_URL", "valueFrom" => obj! {
                "secretKeyRef" => obj! { "name" => format!("{}-db", app.name), "key" => "url" },
            } },
            obj! { "name" => "REDIS_ADDR", "value" => format!("redis-master.{ns}.svc.cluster.local:6379") },
            obj! { "name" => "OTEL_EXPORTER_OTLP_ENDPOINT", "value" => "http://otel-collector.observability.svc.cluster.local:4317" },
            obj! { "name" => "POD_NAME", "valueFrom" => field_ref("metadata.name") },
            obj! { "name" => "POD_NAMESPACE", "valueFrom" => field_ref("metadata.namespace") },
        ];
        match app.lang {
            Lang::Go => env.push(obj! { "name" => "GOMAXPROCS", "valueFrom" => obj! {
                "resourceFieldRef" => obj! { "resource" => "limits.cpu", "divisor" => "0" },
            } }),
            Lang::Python => env.push(obj! { "name" => "PYTHONUNBUFFERED", "value" => "1" }),
            Lang::Java => env.push(
                obj! { "name" => "JAVA_TOOL_OPTIONS", "value" => "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError" },
            ),
            Lang::Node => {
                env.push(obj! { "name" => "NODE_OPTIONS", "value" => "--max-old-space-size=384" })
            }
        }
        let mut mounts = vec![
            obj! { "name" => "config", "readOnly" => true, "mountPath" => "/etc/app" },
            obj! { "name" => "tmp", "mountPath" => "/tmp" },
        ];
        if let Some(access) = &access {
            mounts.push(obj! {
                "name" => access.as_str(),
                "readOnly" => true,
                "mountPath" => "/var/run/secrets/kubernetes.io/serviceaccount",
            });
        }
        let delay = if app.lang == Lang::Java { 60 } else { 10 };
        let probe = |path: &str, delay: i64, failures: i64| {
            obj! {
                "httpGet" => obj! { "path" => path, "port" => "http", "scheme" => "HTTP" },
                "initialDelaySeconds" => delay,
                "timeoutSeconds" => 2i64,
                "periodSeconds" => 10i64,
                "successThreshold" => 1i64,
                "failureThreshold" => failures,
            }
        };
        let security = obj! {
            "capabilities" => obj! { "drop" => arr!["ALL"] },
            "readOnlyRootFilesystem" => true,
            "allowPrivilegeEscalation" => false,
        };
        let state = pod.map_or(State::Running, |p| p.state);
        let image = if state == State::ImageMissing {
            missing_image(app)
        } else {
            app.image.clone()
        };
        let mut main = obj! {
            "name" => app.name.as_str(),
            "image" => image,
            "ports" => arr![
                obj! { "name" => "http", "containerPort" => app.port, "protocol" => "TCP" },
                obj! { "name" => "metrics", "containerPort" => 9090i64, "protocol" => "TCP" },
            ],
        };
        if state == State::ConfigMissing {
            main.push(
                "envFrom",
                arr![obj! { "configMapRef" => obj! { "name" => missing_config_map(app) } }],
            );
        }
        let rest = obj! {
            "env" => V::Arr(env),
            "resources" => obj! {
                "limits" => obj! { "cpu" => app.cpu_lim, "memory" => app.mem_lim },
                "requests" => obj! { "cpu" => app.cpu_req, "memory" => app.mem_req },
            },
            "volumeMounts" => V::Arr(mounts.clone()),
            "livenessProbe" => probe("/healthz", delay, 3),
            "readinessProbe" => probe("/ready", 5, 3),
            "terminationMessagePath" => "/dev/termination-log",
            "terminationMessagePolicy" => "File",
            "imagePullPolicy" => "IfNotPresent",
            "securityContext" => security.clone(),
        };
        if let (V::Obj(main), V::Obj(rest)) = (&mut main, rest) {
            main.extend(rest);
        }
        let mut containers = vec![main];
        if let Some(s) = app.sidecar {
            let sc = &SIDECARS[s];
            let mut sc_mounts = vec![obj! { "name" => "tmp", "mountPath" => "/tmp" }];
            if access.is_some() {
                sc_mounts.push(mounts[2].clone());
            }
            containers.push(obj! {
                "name" => sc.name,
                "image" => sc.image,
                "ports" => arr![obj! { "name" => sc.port_name, "containerPort" => sc.port, "protocol" => "TCP" }],
                "resources" => obj! {
                    "limits" => obj! { "cpu" => "200m", "memory" => "128Mi" },
                    "requests" => obj! { "cpu" => "20m", "memory" => "64Mi" },
                },
                "volumeMounts" => V::Arr(sc_mounts),
                "terminationMessagePath" => "/dev/termination-log",
                "terminationMessagePolicy" => "File",
                "imagePullPolicy" => "IfNotPresent",
                "securityContext" => security,
            });
        }
        let mut spec = obj! {
            "volumes" => V::Arr(volumes),
            "containers" => V::Arr(containers),
            "restartPolicy" => "Always",
            "terminationGracePeriodSeconds" => 30i64,
            "dnsPolicy" => "ClusterFirst",
            "serviceAccountName" => app.name.as_str(),
            "serviceAccount" => app.name.as_str(),
        };
        if let Some(p) = pod {
            if p.state != State::Pending {
                spec.push("nodeName", self.nodes[p.node].name.as_str());
            }
        }
        spec.push(
            "securityContext",
            obj! { "runAsUser" => 10001i64, "runAsNonRoot" => true, "fsGroup" => 10001i64 },
        );
        spec.push(
            "affinity",
            obj! { "podAntiAffinity" => obj! {
                "preferredDuringSchedulingIgnoredDuringExecution" => arr![obj! {
                    "weight" => 100i64,
                    "podAffinityTerm" => obj! {
                        "labelSelector" => obj! { "matchLabels" => self.selector(app) },
                        "topologyKey" => "topology.kubernetes.io/zone",
                    },
                }],
            } },
        );
        spec.push("schedulerName", "default-scheduler");
        if pod.is_some() {
            let toleration = |key: &str| {
                obj! {
                    "key" => key,
                    "operator" => "Exists",
                    "effect" => "NoExecute",
                    "tolerationSeconds" => 300i64,
                }
            };
            spec.push(
                "tolerations",
                arr![
                    toleration("node.kubernetes.io/not-ready"),
                    toleration("node.kubernetes.io/unreachable"),
                ],
            );
            spec.push("priority", 0i64);
            spec.push("enableServiceLinks", true);
            spec.push("preemptionPolicy", "PreemptLowerPriority");
        }
        spec
    }

    fn container_names<'a>(&self, app: &'a App) -> Vec<&'a str> {
        let mut names = vec![app.name.as_str()];
        if let Some(s) = app.sidecar {
            names.push(SIDECARS[s].name);
        }
        names
    }

    fn pod(&self, p: &PodInfo) -> V {
        let app = &self.apps[p.app];
        let ns = NAMESPACES[app.ns];
        let labels = self.pod_labels(app, Some(&app.rs.hash));
        let annotations = self.pod_annotations(app);
        let owner = arr![obj! {
            "apiVersion" => "apps/v1",
            "kind" => "ReplicaSet",
            "name" => format!("{}-{}", app.name, app.rs.hash),
            "uid" => app.rs.uid.as_str(),
            "controller" => true,
            "blockOwnerDeletion" => true,
        }];
        let spec = self.pod_spec(app, Some(p));
        let cond = |t: &str, ok: bool, at: i64| {
            obj! {
                "type" => t,
                "status" => if ok { "True" } else { "False" },
                "lastProbeTime" => V::Null,
                "lastTransitionTime" => ts(at),
            }
        };
        let names = self.container_names(app);
        let status = match p.state {
            State::Pending => {
                let n = self.nodes.len();
                obj! {
                    "phase" => "Pending",
                    "conditions" => arr![obj! {
                        "type" => "PodScheduled",
                        "status" => "False",
                        "lastProbeTime" => V::Null,
                        "lastTransitionTime" => ts(p.created),
                        "reason" => "Unschedulable",
                        "message" => format!("0/{n} nodes are available: {n} Insufficient memory."),
                    }],
                    "qosClass" => "Burstable",
                }
            }
            _ => {
                let healthy = p.state == State::Running;
                let crash = p.state.crash_looping();
                let unready_since = if crash { p.last_finished } else { p.started };
                let not_ready = || {
                    let mut c = cond("Ready", false, unready_since);
                    c.push("reason", "ContainersNotReady");
                    c.push(
                        "message",
                        format!("containers with unready status: [{}]", app.name),
                    );
                    c
                };
                let (ready, containers_ready) = if !healthy {
                    let mut cr = not_ready();
                    if let V::Obj(kv) = &mut cr {
                        kv[0].1 = V::from("ContainersReady");
                    }
                    (not_ready(), cr)
                } else {
                    (
                        cond("Ready", true, p.running_since + 8),
                        cond("ContainersReady", true, p.running_since + 8),
                    )
                };
                let node = &self.nodes[p.node];
                let statuses: Vec<V> = names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let (image, image_id) = if i == 0 {
                            (app.image.clone(), app.digest.as_str())
                        } else {
                            let sc = &SIDECARS[app.sidecar.unwrap_or(0)];
                            (sc.image.to_string(), sc.digest)
                        };
                        let cid = format!("containerd://{}", p.container_ids[i]);
                        let mounts = arr![obj! {
                            "name" => format!("kube-api-access-{}", p.api_access),
                            "mountPath" => "/var/run/secrets/kubernetes.io/serviceaccount",
                            "readOnly" => true,
                            "recursiveReadOnly" => "Disabled",
                        }];
                        if i == 0 && p.state.never_started() {
                            // Waiting before the first start: no container ID, no image ID.
                            let (reason, message, image) = match p.state {
                                State::ImageMissing => {
                                    let image = missing_image(app);
                                    (
                                        "ImagePullBackOff",
                                        format!("Back-off pulling image \"{image}\""),
                                        image,
                                    )
                                }
                                _ => (
                                    "CreateContainerConfigError",
                                    format!(
                                        "configmap \"{}\" not found",
                                        missing_config_map(app)
                                    ),
                                    image,
                                ),
                            };
                            obj! {
                                "name" => *name,
                                "state" => obj! { "waiting" => obj! {
                                    "reason" => reason,
                                    "message" => message,
                                } },
                                "lastState" => V::empty(),
                                "ready" => false,
                                "restartCount" => 0i64,
                                "image" => image,
                                "imageID" => "",
                                "started" => false,
                                "volumeMounts" => mounts,
                            }
                        } else if crash && i == 0 {
                            let (exit, reason) = if p.state == State::OomKilled {
                                (137i64, "OOMKilled")
                            } else {
                                (1i64, "Error")
                            };
                            obj! {
                                "name" => *name,
                                "state" => obj! { "waiting" => obj! {
                                    "reason" => "CrashLoopBackOff",
                                    "message" => format!(
                                        "back-off 5m0s restarting failed container={name} pod={}_{ns}({})",
                                        p.name, p.uid
                                    ),
                                } },
                                "lastState" => obj! { "terminated" => obj! {
                                    "exitCode" => exit,
                                    "reason" => reason,
                                    "startedAt" => ts(p.last_started),
                                    "finishedAt" => ts(p.last_finished),
                                    "containerID" => cid.as_str(),
                                } },
                                "ready" => false,
                                "restartCount" => p.restart_count(),
                                "image" => image,
                                "imageID" => image_id,
                                "containerID" => cid.as_str(),
                                "started" => false,
                                "volumeMounts" => mounts,
                            }
                        } else {
                            obj! {
                                "name" => *name,
                                "state" => obj! { "running" => obj! { "startedAt" => ts(p.running_since) } },
                                "lastState" => V::empty(),
                                "ready" => true,
                                "restartCount" => 0i64,
                                "image" => image,
                                "imageID" => image_id,
                                "containerID" => cid.as_str(),
                                "started" => true,
                                "volumeMounts" => mounts,
                            }
                        }
                    })
                    .collect();
                obj! {
                    "phase" => if p.state.never_started() { "Pending" } else { "Running" },
                    "conditions" => arr![
                        cond("PodReadyToStartContainers", true, p.started + 2),
                        cond("Initialized", true, p.started),
                        ready,
                        containers_ready,
                        cond("PodScheduled", true, p.created),
                    ],
                    "hostIP" => node.ip.as_str(),
                    "hostIPs" => arr![obj! { "ip" => node.ip.as_str() }],
                    "podIP" => p.ip.as_str(),
                    "podIPs" => arr![obj! { "ip" => p.ip.as_str() }],
                    "startTime" => ts(p.started),
                    "containerStatuses" => V::Arr(statuses),
                    "qosClass" => "Burstable",
                }
            }
        };
        let controller_fields = obj! {
            "metadata" => obj! {
                "generateName" => "",
                "labels" => labels.clone(),
                "annotations" => annotations.clone(),
                "ownerReferences" => owner.clone(),
            },
            "spec" => spec.without(&["nodeName"]),
        };
        let status_mf = match p.state {
            State::Pending => managed(
                "kube-scheduler",
                "v1",
                p.created,
                &obj! { "status" => status.without(&["phase", "qosClass"]) },
                Some("status"),
            ),
            _ => managed(
                "kubelet",
                "v1",
                if p.state.crash_looping() {
                    p.last_finished
                } else if p.state.never_started() {
                    p.started + 2
                } else {
                    p.running_since + 8
                },
                &obj! { "status" => status.without(&["qosClass"]) },
                Some("status"),
            ),
        };
        obj! {
            "kind" => "Pod",
            "apiVersion" => "v1",
            "metadata" => obj! {
                "name" => p.name.as_str(),
                "generateName" => format!("{}-{}-", app.name, app.rs.hash),
                "namespace" => ns,
                "uid" => p.uid.as_str(),
                "resourceVersion" => p.rv.as_str(),
                "creationTimestamp" => ts(p.created),
                "labels" => labels,
                "annotations" => annotations,
                "ownerReferences" => owner,
                "managedFields" => arr![
                    managed("kube-controller-manager", "v1", p.created, &controller_fields, None),
                    status_mf,
                ],
            },
            "spec" => spec,
            "status" => status,
        }
    }

    fn events(&self, p: &PodInfo) -> [V; 2] {
        let app = &self.apps[p.app];
        let ns = NAMESPACES[app.ns];
        let node = &self.nodes[p.node];
        let n = self.nodes.len();
        let involved = |field: bool| {
            let mut o = obj! {
                "kind" => "Pod",
                "namespace" => ns,
                "name" => p.name.as_str(),
                "uid" => p.uid.as_str(),
                "apiVersion" => "v1",
                "resourceVersion" => p.rv.as_str(),
            };
            if field {
                o.push("fieldPath", format!("spec.containers{{{}}}", app.name));
            }
            o
        };
        let specs: [EventSpec; 2] = match p.state {
            State::Running => [
                EventSpec {
                    reason: "Scheduled",
                    message: format!("Successfully assigned {ns}/{} to {}", p.name, node.name),
                    type_: "Normal",
                    component: "default-scheduler",
                    first: p.created,
                    last: p.created,
                    count: 1,
                    new_style: true,
                },
                EventSpec::kubelet(
                    "Pulled",
                    format!("Container image \"{}\" already present on machine", app.image),
                    "Normal",
                    (p.started + 1, p.started + 1, 1),
                ),
            ],
            State::CrashMissingEnv | State::CrashException | State::OomKilled => [
                EventSpec::kubelet(
                    "Pulled",
                    format!("Container image \"{}\" already present on machine", app.image),
                    "Normal",
                    (p.started + 1, p.last_started - 1, p.restart_count() + 1),
                ),
                EventSpec::kubelet(
                    "BackOff",
                    format!(
                        "Back-off restarting failed container {} in pod {}_{ns}({})",
                        app.name, p.name, p.uid
                    ),
                    "Warning",
                    (p.started + 40, p.last_finished + 10, p.restart_count() * 5 + 3),
                ),
            ],
            State::ImageMissing => {
                // containerd's answer when the registry has the repository but not the tag.
                let image = missing_image(app);
                [
                    EventSpec::kubelet(
                        "Failed",
                        format!(
                            "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
                        ),
                        "Warning",
                        (p.started + 1, CAPTURE - 100 - p.restarts, p.restarts / 4 + 2),
                    ),
                    EventSpec::kubelet(
                        "BackOff",
                        format!("Back-off pulling image \"{image}\""),
                        "Normal",
                        (p.started + 2, CAPTURE - 20 - p.restarts, p.restarts + 4),
                    ),
                ]
            }
            State::ConfigMissing => [
                EventSpec::kubelet(
                    "Pulled",
                    format!("Container image \"{}\" already present on machine", app.image),
                    "Normal",
                    (p.started + 1, CAPTURE - 30 - p.restarts, p.restarts + 2),
                ),
                EventSpec::kubelet(
                    "Failed",
                    format!(
                        "Error: configmap \"{}\" not found",
                        missing_config_map(app)
                    ),
                    "Warning",
                    (p.started + 1, CAPTURE - 30 - p.restarts, p.restarts + 2),
                ),
            ],
            State::Pending => [
                EventSpec {
                    reason: "FailedScheduling",
                    message: format!(
                        "0/{n} nodes are available: {n} Insufficient memory. preemption: 0/{n} nodes are available: {n} No preemption victims found for incoming pod."
                    ),
                    type_: "Warning",
                    component: "default-scheduler",
                    first: p.created,
                    last: p.created,
                    count: 1,
                    new_style: true,
                },
                EventSpec {
                    reason: "NotTriggerScaleUp",
                    message: "pod didn't trigger scale-up: 1 max node group size reached".to_string(),
                    type_: "Normal",
                    component: "cluster-autoscaler",
                    first: p.created + 11,
                    last: CAPTURE - 40,
                    count: (CAPTURE - p.created) / 600 + 1,
                    new_style: false,
                },
            ],
        };
        let mut out = specs.into_iter().enumerate().map(|(i, s)| {
            let EventSpec {
                reason,
                message,
                type_,
                component,
                first,
                last,
                count,
                new_style,
            } = s;
            let container_event = component == "kubelet";
            let mut ev = obj! {
                "kind" => "Event",
                "apiVersion" => "v1",
            };
            let mut body = obj! { "involvedObject" => involved(container_event), "reason" => reason, "message" => message };
            if new_style {
                body.push("source", V::empty());
                body.push("firstTimestamp", V::Null);
                body.push("lastTimestamp", V::Null);
                body.push("type", type_);
                body.push(
                    "eventTime",
                    ts_frac(first * 1_000_000 + (p.index as i64 * 7_919) % 1_000_000, 6),
                );
                body.push("reportingComponent", component);
                body.push("reportingInstance", format!("{component}-ip-10-0-0-5"));
            } else {
                let mut source = obj! { "component" => component };
                if component == "kubelet" {
                    source.push("host", node.name.as_str());
                }
                body.push("source", source);
                body.push("firstTimestamp", ts(first));
                body.push("lastTimestamp", ts(last));
                body.push("count", count);
                body.push("type", type_);
                body.push("eventTime", V::Null);
                body.push("reportingComponent", component);
                body.push(
                    "reportingInstance",
                    if component == "kubelet" { node.name.as_str() } else { "" },
                );
            }
            let manager = if component == "default-scheduler" {
                "kube-scheduler"
            } else {
                component
            };
            // events.k8s.io/v1 writers record their own field names.
            let fields = if new_style {
                obj! {
                    "action" => "Binding",
                    "eventTime" => "",
                    "note" => "",
                    "reason" => "",
                    "regarding" => obj! { "kind" => "", "name" => "", "namespace" => "", "uid" => "" },
                    "reportingController" => "",
                    "reportingInstance" => "",
                    "type" => "",
                }
            } else {
                body.without(&["involvedObject"])
            };
            let meta = obj! {
                "name" => format!("{}.{}", p.name, p.event_ids[i]),
                "namespace" => ns,
                "uid" => p.event_uids[i].as_str(),
                "resourceVersion" => p.event_rvs[i].as_str(),
                "creationTimestamp" => ts(first),
                "managedFields" => arr![managed(
                    manager,
                    if new_style { "events.k8s.io/v1" } else { "v1" },
                    last,
                    &fields,
                    None,
                )],
            };
            ev.push("metadata", meta);
            if let V::Obj(kv) = body {
                if let V::Obj(e) = &mut ev {
                    e.extend(kv);
                }
            }
            ev
        });
        let a = out.next().expect("two events");
        let b = out.next().expect("two events");
        [a, b]
    }

    fn deployment(&self, a: usize) -> V {
        let app = &self.apps[a];
        let ns = NAMESPACES[app.ns];
        let pods = &self.pods[app.pods.clone()];
        let ready = pods.iter().filter(|p| p.state == State::Running).count() as i64;
        let replicas = app.replicas as i64;
        let labels = V::string_map(&[
            ("app.kubernetes.io/component", app.component),
            ("app.kubernetes.io/instance", app.name.as_str()),
            ("app.kubernetes.io/managed-by", "Helm"),
            ("app.kubernetes.io/name", app.name.as_str()),
            ("app.kubernetes.io/part-of", "shop"),
            ("app.kubernetes.io/version", app.version.as_str()),
            ("helm.sh/chart", &format!("{}-{}", app.name, app.version)),
        ]);
        let revision = app.rs.revision.to_string();
        let annotations = V::string_map(&[
            ("deployment.kubernetes.io/revision", revision.as_str()),
            ("meta.helm.sh/release-name", app.name.as_str()),
            ("meta.helm.sh/release-namespace", ns),
        ]);
        let spec = obj! {
            "replicas" => replicas,
            "selector" => obj! { "matchLabels" => self.selector(app) },
            "template" => self.template(app, None),
            "strategy" => obj! {
                "type" => "RollingUpdate",
                "rollingUpdate" => obj! { "maxUnavailable" => "25%", "maxSurge" => "25%" },
            },
            "revisionHistoryLimit" => 10i64,
            "progressDeadlineSeconds" => 600i64,
        };
        let available = ready > 0 || replicas == 0;
        let mut status = obj! {
            "observedGeneration" => app.generation,
            "replicas" => replicas,
            "updatedReplicas" => replicas,
            "readyReplicas" => ready,
            "availableReplicas" => ready,
        };
        if ready < replicas {
            status.push("unavailableReplicas", replicas - ready);
        }
        let rs_name = format!("{}-{}", app.name, app.rs.hash);
        status.push(
            "conditions",
            arr![
                obj! {
                    "type" => "Progressing",
                    "status" => "True",
                    "lastUpdateTime" => ts(app.rs.created + 40),
                    "lastTransitionTime" => ts(app.created + 5),
                    "reason" => "NewReplicaSetAvailable",
                    "message" => format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                },
                if available {
                    obj! {
                        "type" => "Available",
                        "status" => "True",
                        "lastUpdateTime" => ts(app.rs.created + 40),
                        "lastTransitionTime" => ts(app.rs.created + 40),
                        "reason" => "MinimumReplicasAvailable",
                        "message" => "Deployment has minimum availability.",
                    }
                } else {
                    obj! {
                        "type" => "Available",
                        "status" => "False",
                        "lastUpdateTime" => ts(CAPTURE - 300),
                        "lastTransitionTime" => ts(CAPTURE - 300),
                        "reason" => "MinimumReplicasUnavailable",
                        "message" => "Deployment does not have minimum availability.",
                    }
                },
            ],
        );
        let helm_fields = obj! {
            "metadata" => obj! { "annotations" => annotations.without(&["deployment.kubernetes.io/revision"]), "labels" => labels.clone() },
            "spec" => spec.clone(),
        };
        let status_fields = obj! {
            "metadata" => obj! { "annotations" => obj! { "deployment.kubernetes.io/revision" => revision.as_str() } },
            "status" => status.clone(),
        };
        obj! {
            "kind" => "Deployment",
            "apiVersion" => "apps/v1",
            "metadata" => obj! {
                "name" => app.name.as_str(),
                "namespace" => ns,
                "uid" => app.uid.as_str(),
                "resourceVersion" => app.rv.as_str(),
                "generation" => app.generation,
                "creationTimestamp" => ts(app.created),
                "labels" => labels,
                "annotations" => annotations,
                "managedFields" => arr![
                    managed("helm", "apps/v1", app.rs.created, &helm_fields, None),
                    managed("kube-controller-manager", "apps/v1", CAPTURE - 300, &status_fields, Some("status")),
                ],
            },
            "spec" => spec,
            "status" => status,
        }
    }

    fn template(&self, app: &App, hash: Option<&str>) -> V {
        obj! {
            "metadata" => obj! {
                "creationTimestamp" => V::Null,
                "labels" => self.pod_labels(app, hash),
                "annotations" => self.pod_annotations(app),
            },
            "spec" => self.pod_spec(app, None),
        }
    }

    fn replicaset(&self, a: usize, rs: &Rs, current: bool) -> V {
        let app = &self.apps[a];
        let ns = NAMESPACES[app.ns];
        let name = format!("{}-{}", app.name, rs.hash);
        let replicas = if current { app.replicas as i64 } else { 0 };
        let ready = if current {
            self.pods[app.pods.clone()]
                .iter()
                .filter(|p| p.state == State::Running)
                .count() as i64
        } else {
            0
        };
        let labels = self.pod_labels(app, Some(&rs.hash));
        let revision = rs.revision.to_string();
        let desired = app.replicas.to_string();
        let max = (app.replicas + app.replicas.div_ceil(4)).to_string();
        let annotations = V::string_map(&[
            (
                "deployment.kubernetes.io/desired-replicas",
                desired.as_str(),
            ),
            ("deployment.kubernetes.io/max-replicas", max.as_str()),
            ("deployment.kubernetes.io/revision", revision.as_str()),
            ("meta.helm.sh/release-name", app.name.as_str()),
            ("meta.helm.sh/release-namespace", ns),
        ]);
        let owner = arr![obj! {
            "apiVersion" => "apps/v1",
            "kind" => "Deployment",
            "name" => app.name.as_str(),
            "uid" => app.uid.as_str(),
            "controller" => true,
            "blockOwnerDeletion" => true,
        }];
        let spec = obj! {
            "replicas" => replicas,
            "selector" => obj! { "matchLabels" => {
                let mut s = self.selector(app);
                s.push("pod-template-hash", rs.hash.as_str());
                s
            } },
            "template" => self.template(app, Some(&rs.hash)),
        };
        let mut status = obj! { "replicas" => replicas };
        if current {
            status.push("fullyLabeledReplicas", replicas);
            status.push("readyReplicas", ready);
            status.push("availableReplicas", ready);
        }
        status.push("observedGeneration", app.generation);
        let fields = obj! {
            "metadata" => obj! {
                "annotations" => annotations.clone(),
                "labels" => labels.clone(),
                "ownerReferences" => owner.clone(),
            },
            "spec" => spec.clone(),
        };
        obj! {
            "kind" => "ReplicaSet",
            "apiVersion" => "apps/v1",
            "metadata" => obj! {
                "name" => name,
                "namespace" => ns,
                "uid" => rs.uid.as_str(),
                "resourceVersion" => rs.rv.as_str(),
                "generation" => if current { 1i64 } else { 3i64 },
                "creationTimestamp" => ts(rs.created),
                "labels" => labels,
                "annotations" => annotations,
                "ownerReferences" => owner,
                "managedFields" => arr![
                    managed("kube-controller-manager", "apps/v1", rs.created, &fields, None),
                    managed("kube-controller-manager", "apps/v1", CAPTURE - 300, &obj! { "status" => status.clone() }, Some("status")),
                ],
            },
            "spec" => spec,
            "status" => status,
        }
    }

    fn service(&self, a: usize) -> V {
        let app = &self.apps[a];
        let ns = NAMESPACES[app.ns];
        let labels = V::string_map(&[
            ("app.kubernetes.io/instance", app.name.as_str()),
            ("app.kubernetes.io/managed-by", "Helm"),
            ("app.kubernetes.io/name", app.name.as_str()),
            ("app.kubernetes.io/version", app.version.as_str()),
        ]);
        let annotations = V::string_map(&[
            ("meta.helm.sh/release-name", app.name.as_str()),
            ("meta.helm.sh/release-namespace", ns),
        ]);
        let spec = obj! {
            "ports" => arr![
                obj! { "name" => "http", "protocol" => "TCP", "port" => 80i64, "targetPort" => "http" },
                obj! { "name" => "metrics", "protocol" => "TCP", "port" => 9090i64, "targetPort" => 9090i64 },
            ],
            "selector" => if app.svc_mismatch {
                // A near miss: the instance label names a release that does not exist.
                let instance = format!("{}-v2", app.name);
                V::string_map(&[
                    ("app.kubernetes.io/instance", instance.as_str()),
                    ("app.kubernetes.io/name", app.name.as_str()),
                ])
            } else {
                self.selector(app)
            },
            "clusterIP" => app.cluster_ip.as_str(),
            "clusterIPs" => arr![app.cluster_ip.as_str()],
            "type" => "ClusterIP",
            "sessionAffinity" => "None",
            "ipFamilies" => arr!["IPv4"],
            "ipFamilyPolicy" => "SingleStack",
            "internalTrafficPolicy" => "Cluster",
        };
        let fields = obj! {
            "metadata" => obj! { "annotations" => annotations.clone(), "labels" => labels.clone() },
            "spec" => spec.without(&["clusterIP", "clusterIPs", "ipFamilies"]),
        };
        obj! {
            "kind" => "Service",
            "apiVersion" => "v1",
            "metadata" => obj! {
                "name" => app.name.as_str(),
                "namespace" => ns,
                "uid" => app.svc_uid.as_str(),
                "resourceVersion" => app.svc_rv.as_str(),
                "creationTimestamp" => ts(app.created),
                "labels" => labels,
                "annotations" => annotations,
                "managedFields" => arr![managed("helm", "v1", app.created, &fields, None)],
            },
            "spec" => spec,
            "status" => obj! { "loadBalancer" => V::empty() },
        }
    }

    /// Logs of the namespace: (pod, container, previous, text). Every 10th pod gets its main
    /// container's log; crash-looping pods get theirs and the previous instance's (troubleshoot
    /// collects logs of unhealthy pods); pending pods have none.
    fn namespace_logs(&self, n: usize) -> Vec<(&str, &str, bool, String)> {
        let mut out = Vec::new();
        for app in self.apps.iter().filter(|a| a.ns == n) {
            for p in &self.pods[app.pods.clone()] {
                // Only exceptions leave a traceback; an OOM kill ends the log mid-stream.
                let crash = matches!(p.state, State::CrashMissingEnv | State::CrashException);
                if p.state.never_started() || (p.index % 10 != 0 && !crash) {
                    continue;
                }
                let mut r = Rng::stream(self.seed, 7, p.index as u64);
                let (start, end) = if p.state.crash_looping() {
                    (p.last_started, p.last_finished)
                } else {
                    (p.running_since, CAPTURE - 2)
                };
                out.push((
                    p.name.as_str(),
                    app.name.as_str(),
                    false,
                    self.log_text(&mut r, app, p, start, end, crash),
                ));
                if crash {
                    let prev_end = p.last_started - 10;
                    out.push((
                        p.name.as_str(),
                        app.name.as_str(),
                        true,
                        self.log_text(&mut r, app, p, prev_end - 6, prev_end, true),
                    ));
                }
            }
        }
        out
    }

    fn log_text(
        &self,
        r: &mut Rng,
        app: &App,
        p: &PodInfo,
        start: i64,
        end: i64,
        crash: bool,
    ) -> String {
        let style = if crash { Lang::Python } else { app.lang };
        let tail = if crash {
            traceback(r, app, p.state == State::CrashMissingEnv)
        } else {
            String::new()
        };
        let target = self.log_bytes.saturating_sub(tail.len());
        let mut text = String::with_capacity(self.log_bytes + 256);
        let lines_guess = (self.log_bytes / 150).max(1) as i64;
        let span_us = (end - start).max(1) * 1_000_000;
        let step = (span_us / lines_guess).max(1);
        let mut t = start * 1_000_000;
        let mut line = String::with_capacity(256);
        startup_lines(&mut text, style, app, p, &mut t);
        loop {
            line.clear();
            t += r.range(step / 2, step * 3 / 2);
            log_line(&mut line, r, style, app, p, t);
            if text.len() + line.len() > target {
                break;
            }
            text.push_str(&line);
        }
        if crash {
            let _ = writeln!(
                text,
                "{} ERROR    [main] unhandled exception in worker thread, shutting down (exit status 1)",
                ts_frac(end * 1_000_000 - 2_000, 3)
            );
            text.push_str(&tail);
        }
        text
    }
}

/// The image of a pod with a planted pull failure: a release candidate tag never pushed.
fn missing_image(app: &App) -> String {
    format!("{}-rc.1", app.image)
}

/// The ConfigMap a pod with a planted config error refers to in `envFrom`: never created.
fn missing_config_map(app: &App) -> String {
    format!("{}-env", app.name)
}

fn startup_lines(text: &mut String, style: Lang, app: &App, p: &PodInfo, t: &mut i64) {
    let msgs = [
        format!("starting {} version {}", app.name, app.version),
        format!(
            "loaded configuration from /etc/app/config.yaml (pod {})",
            p.name
        ),
        format!("listening on 0.0.0.0:{}", app.port),
        "metrics server listening on 0.0.0.0:9090".to_string(),
    ];
    for m in msgs {
        *t += 13_000;
        let ts = ts_frac(*t, 3);
        let _ = match style {
            Lang::Go => writeln!(
                text,
                "{{\"level\":\"info\",\"ts\":\"{ts}\",\"logger\":\"main\",\"msg\":\"{m}\"}}"
            ),
            Lang::Python => writeln!(text, "{ts} INFO     [main] {m}"),
            Lang::Java => writeln!(
                text,
                "{ts}  INFO 1 --- [           main] c.e.shop.Application                     : {m}"
            ),
            Lang::Node => writeln!(text, "{ts} info: {m}"),
        };
    }
}

fn log_line(line: &mut String, r: &mut Rng, style: Lang, app: &App, p: &PodInfo, t: i64) {
    const PATHS: [&str; 8] = [
        "/api/v1/orders",
        "/api/v1/cart",
        "/api/v1/items",
        "/api/v1/users",
        "/api/v2/search",
        "/api/v1/prices",
        "/api/v1/stock",
        "/api/v1/sessions",
    ];
    const METHODS: [&str; 5] = ["GET", "GET", "GET", "POST", "PUT"];
    let ts = ts_frac(t, 3);
    let u = r.unit();
    let (level, msg): (&str, String) = if u < 0.03 {
        let m = match r.range(0, 4) {
            0 => format!(
                "upstream request failed: dial tcp 172.20.{}.{}:5432: connect: connection refused",
                r.range(0, 255),
                r.range(1, 254)
            ),
            1 => "failed to publish message to kafka: kafka: client has run out of available brokers to talk to".to_string(),
            2 => format!(
                "request to http://inventory.storefront.svc.cluster.local:8080/api/v1/stock/{} failed: context deadline exceeded",
                r.range(1000, 99999)
            ),
            3 => "database error: deadlock detected while updating row in \"orders\"".to_string(),
            _ => format!(
                "cache error: redis: connection pool timeout after 5s (pod {})",
                p.name
            ),
        };
        ("ERROR", m)
    } else if u < 0.08 {
        let m = match r.range(0, 2) {
            0 => format!(
                "slow query took {}ms: SELECT id, status, total FROM orders WHERE customer_id = $1",
                r.range(800, 4000)
            ),
            1 => format!(
                "retrying request to http://pricing.checkout.svc.cluster.local/api/v1/prices (attempt {}/5)",
                r.range(2, 4)
            ),
            _ => format!("GC pause {}ms exceeds target", r.range(150, 900)),
        };
        ("WARN", m)
    } else if u < 0.12 {
        let m = format!(
            "db pool stats: open={} in_use={} idle={} wait_count={}",
            r.range(5, 20),
            r.range(0, 5),
            r.range(1, 10),
            r.range(0, 40)
        );
        ("INFO", m)
    } else {
        let method = r.pick(&METHODS);
        let path = r.pick(&PATHS);
        let id = r.range(1000, 999_999);
        let status = r.pick(&[200, 200, 200, 200, 201, 204, 304, 404]);
        let ms = r.range(1, 180);
        let rid = r.hex(16);
        let m = match style {
            Lang::Go => {
                let _ = writeln!(
                    line,
                    "{{\"level\":\"info\",\"ts\":\"{ts}\",\"logger\":\"http\",\"msg\":\"request completed\",\"method\":\"{method}\",\"path\":\"{path}/{id}\",\"status\":{status},\"duration_ms\":{ms},\"request_id\":\"{rid}\",\"pod\":\"{}\"}}",
                    p.name
                );
                return;
            }
            Lang::Python => format!(
                "{}:{} - \"{method} {path}/{id} HTTP/1.1\" {status} {ms}ms request_id={rid}",
                p.ip,
                r.range(30000, 60000)
            ),
            Lang::Java => format!("{method} {path}/{id} -> {status} in {ms} ms [requestId={rid}]"),
            Lang::Node => format!(
                "{method} {path}/{id} {status} {ms}.{} ms - {}",
                r.range(100, 999),
                r.range(80, 9000)
            ),
        };
        ("INFO", m)
    };
    let _ = match style {
        Lang::Go => writeln!(
            line,
            "{{\"level\":\"{}\",\"ts\":\"{ts}\",\"logger\":\"{}\",\"msg\":\"{}\"}}",
            level.to_ascii_lowercase(),
            app.name,
            msg.replace('"', "\\\"")
        ),
        Lang::Python => writeln!(line, "{ts} {level:<8} [app.server] {msg}"),
        Lang::Java => writeln!(
            line,
            "{ts} {level:>5} 1 --- [nio-{}-exec-{}] c.e.shop.web.RequestLoggingFilter        : {msg}",
            app.port,
            r.range(1, 10)
        ),
        Lang::Node => writeln!(line, "{ts} {}: {msg}", level.to_ascii_lowercase()),
    };
}

/// A Python traceback: `KeyError` reading `os.environ` when `missing_env`, else a refused
/// database connection or a `KeyError` on a settings dict (not an environment variable).
fn traceback(r: &mut Rng, app: &App, missing_env: bool) -> String {
    let ns = NAMESPACES[app.ns];
    match if missing_env { 2 } else { r.range(0, 1) } {
        0 => format!(
            "Traceback (most recent call last):
  File \"/app/main.py\", line 42, in <module>
    main()
  File \"/app/main.py\", line 37, in main
    db = connect(os.environ[\"DATABASE_URL\"])
  File \"/app/{name}/db.py\", line 18, in connect
    return psycopg2.connect(url, connect_timeout=5)
  File \"/usr/local/lib/python3.12/site-packages/psycopg2/__init__.py\", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
psycopg2.OperationalError: connection to server at \"postgres.{ns}.svc.cluster.local\" (172.20.{a}.{b}), port 5432 failed: Connection refused
\tIs the server running on that host and accepting TCP/IP connections?
",
            name = app.name.replace('-', "_"),
            a = r.range(0, 255),
            b = r.range(1, 254),
        ),
        1 => format!(
            "Traceback (most recent call last):
  File \"/app/main.py\", line 42, in <module>
    main()
  File \"/app/main.py\", line 21, in main
    settings = load_settings(\"/etc/app/config.yaml\")
  File \"/app/{name}/settings.py\", line 57, in load_settings
    return Settings(**raw[\"{name}\"])
KeyError: '{name}'
",
            name = app.name.replace('-', "_"),
        ),
        _ => format!(
            "Traceback (most recent call last):
  File \"/app/main.py\", line 42, in <module>
    main()
  File \"/app/main.py\", line 30, in main
    app = create_app()
  File \"/app/{name}/app.py\", line 88, in create_app
    cache = redis.Redis.from_url(os.environ[\"REDIS_URL\"])
  File \"/usr/local/lib/python3.12/os.py\", line 714, in __getitem__
    raise KeyError(key) from None
KeyError: 'REDIS_URL'
",
            name = app.name.replace('-', "_"),
        ),
    }
}
