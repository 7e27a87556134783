//! The snapshot layouts ktriage recognises, how their root is found (by sentinel files, never by
//! the top folder's name), and what each path inside them holds.

use super::kinds::kind_for_resource;
use crate::ingest::logs::LogHint;

/// A snapshot layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// replicatedhq/troubleshoot support bundle.
    Troubleshoot,
    /// OpenShift `oc adm must-gather` / `oc adm inspect`.
    MustGather,
    /// rancher/support-bundle-kit bundle.
    SupportBundleKit,
    /// `kubectl cluster-info dump`, as a directory or a single stream.
    ClusterInfoDump,
    /// Any other folder or file of kubectl output, describe text and logs.
    Plain,
}

impl Layout {
    /// The name used in reports (`troubleshoot`, `cluster-info-dump`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Troubleshoot => "troubleshoot",
            Layout::MustGather => "must-gather",
            Layout::SupportBundleKit => "support-bundle-kit",
            Layout::ClusterInfoDump => "cluster-info-dump",
            Layout::Plain => "plain",
        }
    }
}

/// The detected layout and the snapshot root inside the input (`""` for the input itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The layout.
    pub layout: Layout,
    /// `/`-separated folder inside the input that is the snapshot root.
    pub root: String,
}

/// Metadata files each layout writes about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaFile {
    /// troubleshoot `version.yaml`.
    TroubleshootVersion,
    /// troubleshoot `cluster-info/cluster_version.json`.
    ClusterVersion,
    /// support-bundle-kit `metadata.yaml`.
    SbkMetadata,
    /// must-gather `timestamp`.
    MustGatherTimestamp,
    /// must-gather `version`.
    MustGatherVersion,
}

/// What a file at a given path holds, as far as its path says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Kubernetes objects; items without `kind` get `kind_hint`.
    Objects {
        /// Kind for items that carry none.
        kind_hint: Option<&'static str>,
    },
    /// A container log.
    Log(LogHint),
    /// The layout's own metadata.
    Meta(MetaFile),
    /// Known not to be cluster state: the reason.
    Skip(&'static str),
    /// Nothing known from the path: look at the content.
    Unknown,
}

/// Whether [`detect`] looks at the content of this file (the others it knows by path).
pub fn tells_layout(path: &str) -> bool {
    matches!(
        path.rsplit('/').next(),
        Some("analysis.json" | "version.yaml")
    )
}

/// Finds the layout and root from the list of entry paths. `content` gives the bytes of a
/// file already read (used to confirm a `version.yaml` is troubleshoot's).
pub fn detect<'a>(paths: &[&'a str], content: impl Fn(&str) -> Option<&'a [u8]>) -> Detected {
    let mut candidates: Vec<(usize, Layout, String)> = Vec::new();
    let mut add = |comps: &[&str], layout: Layout| {
        candidates.push((comps.len(), layout, comps.join("/")));
    };
    let set: std::collections::HashSet<&str> = paths.iter().copied().collect();
    for path in paths {
        let comps: Vec<&str> = path.split('/').collect();
        let n = comps.len();
        for (i, c) in comps.iter().enumerate() {
            let deeper = i + 1 < n;
            match *c {
                "cluster-resources" if deeper => add(&comps[..i], Layout::Troubleshoot),
                "cluster-info" if deeper && comps[i + 1] == "cluster_version.json" => {
                    add(&comps[..i], Layout::Troubleshoot)
                }
                "namespaces" | "cluster-scoped-resources" if i + 2 < n => {
                    add(&comps[..i], Layout::MustGather)
                }
                "yamls"
                    if i + 2 < n
                        && matches!(comps[i + 1], "cluster" | "namespaced")
                        && (set.contains(join(&comps[..i], "metadata.yaml").as_str())
                            || comps[i + 1] == "namespaced") =>
                {
                    add(&comps[..i], Layout::SupportBundleKit)
                }
                _ => {}
            }
        }
        let name = comps[n - 1];
        if name == "analysis.json" && n <= 2 {
            // troubleshoot's analyzer results: a bundle with nothing else still is one.
            if let Some(bytes) = content(path) {
                let t = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
                let t = t.trim_start();
                if t.starts_with('[')
                    && (t[1..].trim_start().starts_with(']') || t.contains("\"insight\""))
                {
                    add(&comps[..n - 1], Layout::Troubleshoot);
                }
            }
        }
        if name == "version.yaml" {
            if let Some(bytes) = content(path) {
                if memchr::memmem::find(bytes, b"SupportBundle").is_some() {
                    add(&comps[..n - 1], Layout::Troubleshoot);
                }
            }
        }
        // cluster-info dump folder: <root>/nodes.json beside <root>/<ns>/pods.json.
        if n >= 2
            && matches!(
                name,
                "pods.json"
                    | "pods.yaml"
                    | "replication-controllers.json"
                    | "replication-controllers.yaml"
            )
        {
            let root = &comps[..n - 2];
            let ext = if name.ends_with(".json") {
                "json"
            } else {
                "yaml"
            };
            if set.contains(join(root, &format!("nodes.{ext}")).as_str()) {
                add(root, Layout::ClusterInfoDump);
            }
        }
    }
    candidates.sort();
    match candidates.into_iter().next() {
        Some((_, layout, root)) => {
            // A sentinel deep inside a folder of other data (an analyzer test folder holding
            // one `support-bundle/cluster-resources/...`) does not make that folder the root.
            let prefix = format!("{root}/");
            let inside = paths
                .iter()
                .filter(|p| root.is_empty() || p.starts_with(&prefix))
                .count();
            let root = if inside * 2 < paths.len() {
                String::new()
            } else {
                root
            };
            Detected { layout, root }
        }
        None => Detected {
            layout: Layout::Plain,
            root: String::new(),
        },
    }
}

fn join(prefix: &[&str], name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", prefix.join("/"))
    }
}

/// Says what the file at `rel` (relative to the root) holds in `layout`.
pub fn role(layout: Layout, rel: &str) -> Role {
    let comps: Vec<&str> = rel.split('/').collect();
    let name = *comps.last().unwrap_or(&"");
    let stem = file_stem(name);
    let by_layout = match layout {
        Layout::Troubleshoot => troubleshoot_role(&comps, name, stem),
        Layout::MustGather => must_gather_role(&comps, name, stem),
        Layout::SupportBundleKit => sbk_role(&comps, name, stem),
        Layout::ClusterInfoDump => cid_role(&comps, name, stem),
        Layout::Plain => None,
    };
    by_layout.unwrap_or_else(|| generic_role(&comps, name, stem))
}

fn file_stem(name: &str) -> &str {
    for ext in [".json", ".yaml", ".yml", ".txt", ".log"] {
        if let Some(s) = name.strip_suffix(ext) {
            return s;
        }
    }
    name
}

fn is_data_name(name: &str) -> bool {
    name.ends_with(".json")
        || name.ends_with(".yaml")
        || name.ends_with(".yml")
        || !name.contains('.')
}

fn troubleshoot_role(comps: &[&str], name: &str, stem: &str) -> Option<Role> {
    // Folders of an analyzer test tree may hold `.../cluster-resources/...` below the root.
    let comps = match comps.iter().position(|c| *c == "cluster-resources") {
        Some(i) if i > 0 => &comps[i..],
        _ => comps,
    };
    let n = comps.len();
    if name.ends_with("-errors.json")
        || name.ends_with("-info.json")
        || name == "errors.json"
        || comps[0] == "collector-errors"
        || (n > 1 && comps[0].ends_with("-errors"))
    {
        return Some(Role::Skip(
            "collector error report (what the collector could not gather)",
        ));
    }
    match comps {
        ["version.yaml"] => return Some(Role::Meta(MetaFile::TroubleshootVersion)),
        ["analysis.json"] => {
            return Some(Role::Skip(
                "troubleshoot analyzer results, not cluster state",
            ))
        }
        ["execution-data", ..] => return Some(Role::Skip("collector run summary")),
        ["metadata", ..] => return Some(Role::Skip("bundle user metadata")),
        ["cluster-info", "cluster_version.json"] => {
            return Some(Role::Meta(MetaFile::ClusterVersion))
        }
        ["host-collectors", ..] => return Some(Role::Skip("host collector output (not read yet)")),
        ["node-metrics", ..] => return Some(Role::Skip("kubelet summary metrics (not read yet)")),
        ["dns", ..] => return Some(Role::Skip("DNS debug output (not read yet)")),
        ["cluster-resources", "pods", "logs", ns, pod, file] => {
            if file.ends_with("-logs-errors.log") {
                return Some(Role::Skip("log collection error report"));
            }
            return Some(Role::Log(log_hint_from_file(Some(ns), Some(pod), file)));
        }
        ["cluster-resources", "resources.json" | "groups.json"] => {
            return Some(Role::Skip("API discovery data"))
        }
        ["cluster-resources", "license.json"] => {
            return Some(Role::Skip("application license summary"))
        }
        ["cluster-resources", "auth-cani-list", ..] => {
            return Some(Role::Skip(
                "permissions of the collector (SelfSubjectRulesReview)",
            ))
        }
        ["cluster-resources", "image-pull-secrets", ..] => {
            return Some(Role::Skip("image pull credential summary"))
        }
        ["cluster-resources", "custom-resources", ..]
        | ["cluster-resources", "custom-resource-definitions", _, ..]
            if n >= 3 =>
        {
            return Some(Role::Objects { kind_hint: None })
        }
        ["cluster-resources", dir, _file] => {
            return Some(Role::Objects {
                kind_hint: kind_for_resource(dir),
            })
        }
        ["cluster-resources", _file] => {
            return Some(Role::Objects {
                kind_hint: kind_for_resource(stem),
            })
        }
        ["secrets", ..] => {
            return Some(Role::Skip(
                "output of the secret collector (existence check; values are never read)",
            ))
        }
        ["configmaps", ..] => {
            return Some(Role::Skip(
                "output of the configMap collector (existence check)",
            ))
        }
        [dir, _file] if is_data_name(name) && kind_for_resource(dir).is_some() => {
            return Some(Role::Objects {
                kind_hint: kind_for_resource(dir),
            })
        }
        _ => {}
    }
    // Legacy `logs` collector output: <collector>/<pod>/<container>.log or <collector>/<pod>.log.
    if name.ends_with(".log") && n >= 2 {
        if n >= 3 {
            return Some(Role::Log(log_hint_from_file(
                None,
                Some(comps[n - 2]),
                name,
            )));
        }
        let mut hint = log_hint_from_file(None, None, name);
        hint.pod = hint.container.take();
        return Some(Role::Log(hint));
    }
    if stem.ends_with("-events") && name.ends_with(".json") {
        return Some(Role::Objects {
            kind_hint: Some("Event"),
        });
    }
    None
}

/// Hint from a troubleshoot or support-bundle-kit log file name: `<c>.log`,
/// `<c>-previous.log`, `<c>.log.1`.
fn log_hint_from_file(ns: Option<&str>, pod: Option<&str>, file: &str) -> LogHint {
    let (container, previous) = if let Some(c) = file.strip_suffix("-previous.log") {
        (c, true)
    } else if let Some(c) = file.strip_suffix(".log.1") {
        (c, true)
    } else if let Some(c) = file.strip_suffix(".log") {
        (c, false)
    } else {
        (file, false)
    };
    LogHint {
        namespace: ns.map(str::to_string),
        pod: pod.map(str::to_string),
        container: Some(container.to_string()),
        previous,
        rotated: false,
    }
}

fn must_gather_role(comps: &[&str], name: &str, stem: &str) -> Option<Role> {
    let n = comps.len();
    match comps {
        ["timestamp"] => return Some(Role::Meta(MetaFile::MustGatherTimestamp)),
        ["version"] => return Some(Role::Meta(MetaFile::MustGatherVersion)),
        [.., "event-filter.html"] => {
            return Some(Role::Skip(
                "HTML view of the events (read from events.yaml)",
            ))
        }
        [.., "gather.logs" | "must-gather.logs" | "gather-debug.log"] => {
            return Some(Role::Skip("the collector's own log"))
        }
        [.., f] if f.starts_with("aggregated-discovery") => {
            return Some(Role::Skip("API discovery data"))
        }
        ["namespaces", ns, "pods", pod, c, _c2, "logs", file] => {
            let previous = file.starts_with("previous");
            return Some(Role::Log(LogHint {
                namespace: Some(ns.to_string()),
                pod: Some(pod.to_string()),
                container: Some(c.to_string()),
                previous,
                rotated: false,
            }));
        }
        ["namespaces", ns, "pods", pod, c, _c2, "logs", "rotated", _file] => {
            return Some(Role::Log(LogHint {
                namespace: Some(ns.to_string()),
                pod: Some(pod.to_string()),
                container: Some(c.to_string()),
                previous: false,
                rotated: true,
            }))
        }
        ["namespaces", ns, file] if stem == *ns && is_data_name(file) => {
            return Some(Role::Objects {
                kind_hint: Some("Namespace"),
            })
        }
        ["namespaces", _ns, "pods", pod, file] if file_stem(file) == *pod => {
            return Some(Role::Objects {
                kind_hint: Some("Pod"),
            })
        }
        ["namespaces", _, _, resource] | ["cluster-scoped-resources", _, resource]
            if is_data_name(name) =>
        {
            return Some(Role::Objects {
                kind_hint: kind_for_resource(file_stem(resource)),
            })
        }
        ["namespaces", _, _, resource, _] | ["cluster-scoped-resources", _, resource, _]
            if is_data_name(name) =>
        {
            return Some(Role::Objects {
                kind_hint: kind_for_resource(resource),
            })
        }
        _ => {}
    }
    if n >= 1
        && matches!(
            comps[0],
            "host_service_logs"
                | "monitoring"
                | "etcd_info"
                | "network_logs"
                | "nodes"
                | "insights-data"
                | "static-pods"
        )
    {
        return Some(Role::Skip("node and component diagnostics (not read yet)"));
    }
    None
}

fn sbk_role(comps: &[&str], name: &str, _stem: &str) -> Option<Role> {
    match comps {
        ["metadata.yaml"] => Some(Role::Meta(MetaFile::SbkMetadata)),
        ["bundleGenerationError.log"] => Some(Role::Skip("errors of the bundle generator")),
        ["prometheus-alerts.json"] => Some(Role::Skip("Prometheus alerts (not read yet)")),
        ["nodes", ..] | ["external", ..] if name.ends_with(".zip") => Some(Role::Skip(
            "nested archive (node or component bundle), not read",
        )),
        ["yamls", "cluster" | "namespaced", .., file] => Some(Role::Objects {
            kind_hint: kind_for_resource(file_stem(file)),
        }),
        ["logs", ns, pod, file] => Some(Role::Log(log_hint_from_file(Some(ns), Some(pod), file))),
        _ => None,
    }
}

fn cid_role(comps: &[&str], name: &str, stem: &str) -> Option<Role> {
    match comps {
        [_file] if is_data_name(name) => Some(Role::Objects {
            kind_hint: kind_for_resource(stem),
        }),
        [_ns, _file] if is_data_name(name) => Some(Role::Objects {
            kind_hint: kind_for_resource(stem),
        }),
        [ns, file] if crate::ingest::logs::is_log_name(file) => {
            // `<ns>/<pod>.log` beside `<ns>/pods.json`, as scripts and generators write them.
            let (pod, previous) = strip_previous(file_stem_log(file));
            Some(Role::Log(LogHint {
                namespace: Some(ns.to_string()),
                pod: Some(pod.to_string()),
                previous,
                ..Default::default()
            }))
        }
        [ns, pod, "logs.txt"] => Some(Role::Log(LogHint {
            namespace: Some(ns.to_string()),
            pod: Some(pod.to_string()),
            ..Default::default()
        })),
        [ns, pod, file] if file.ends_with(".txt") || file.ends_with(".log") => {
            // Extra files scripts add beside logs.txt: logs-<c>-previous.txt, <c>-previous.txt.
            let s = file_stem(file);
            let s = s.strip_prefix("logs-").unwrap_or(s);
            let (c, previous) = match s.strip_suffix("-previous") {
                Some(c) => (c, true),
                None => (s, false),
            };
            Some(Role::Log(LogHint {
                namespace: Some(ns.to_string()),
                pod: Some(pod.to_string()),
                container: Some(c.to_string()),
                previous,
                rotated: false,
            }))
        }
        _ => None,
    }
}

/// Plain folders and anything a layout does not claim: logs by name, data by content.
fn generic_role(comps: &[&str], name: &str, _stem: &str) -> Role {
    if crate::ingest::logs::is_log_name(name) {
        let n = comps.len();
        let file = name;
        let (base, previous) = strip_previous(file_stem_log(file));
        let mut hint = LogHint {
            previous,
            ..Default::default()
        };
        // <ns>/<pod>/<container>.log, or <pod>/<container>.log, or <pod>[_-.]<container>.log.
        if n >= 3 {
            hint.namespace = Some(comps[n - 3].to_string());
            hint.pod = Some(comps[n - 2].to_string());
            hint.container = Some(base.to_string());
        } else if n == 2 {
            hint.pod = Some(comps[0].to_string());
            hint.container = Some(base.to_string());
        } else {
            hint.pod = Some(base.to_string());
        }
        return Role::Log(hint);
    }
    if name.ends_with(".zip")
        || name.ends_with(".gz")
        || name.ends_with(".tgz")
        || name.ends_with(".zst")
    {
        return Role::Skip("nested archive, not read");
    }
    Role::Unknown
}

fn file_stem_log(name: &str) -> &str {
    if let Some(i) = name.rfind(".log") {
        return &name[..i];
    }
    name
}

fn strip_previous(s: &str) -> (&str, bool) {
    for suffix in ["-previous", "_previous", ".previous", "-prev", "_prev"] {
        if let Some(b) = s.strip_suffix(suffix) {
            return (b, true);
        }
    }
    (s, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(paths: &[&str]) -> Detected {
        detect(paths, |_| Some(b"kind: SupportBundle".as_slice()))
    }

    #[test]
    fn troubleshoot_root_any_name() {
        let d = det(&[
            "my-bundle/cluster-resources/pods/default.json",
            "my-bundle/version.yaml",
        ]);
        assert_eq!(
            d,
            Detected {
                layout: Layout::Troubleshoot,
                root: "my-bundle".into()
            }
        );
    }

    #[test]
    fn must_gather_wrapper() {
        let d = det(&[
            "must-gather.local.1/timestamp",
            "must-gather.local.1/quay-io-x/namespaces/ns/core/pods.yaml",
        ]);
        assert_eq!(d.layout, Layout::MustGather);
        assert_eq!(d.root, "must-gather.local.1/quay-io-x");
    }

    #[test]
    fn cluster_info_dump_dir() {
        let d = det(&[
            "dump/nodes.json",
            "dump/default/pods.json",
            "dump/default/p/logs.txt",
        ]);
        assert_eq!(
            d,
            Detected {
                layout: Layout::ClusterInfoDump,
                root: "dump".into()
            }
        );
    }

    #[test]
    fn sbk() {
        let d = det(&["sb_x/metadata.yaml", "sb_x/yamls/cluster/v1/nodes.yaml"]);
        assert_eq!(
            d,
            Detected {
                layout: Layout::SupportBundleKit,
                root: "sb_x".into()
            }
        );
    }

    #[test]
    fn roles() {
        assert_eq!(
            role(Layout::Troubleshoot, "cluster-resources/pvs"),
            Role::Objects {
                kind_hint: Some("PersistentVolume")
            }
        );
        assert_eq!(
            role(
                Layout::Troubleshoot,
                "cluster-resources/pods/logs/ns/p/c-previous.log"
            ),
            Role::Log(LogHint {
                namespace: Some("ns".into()),
                pod: Some("p".into()),
                container: Some("c".into()),
                previous: true,
                rotated: false
            })
        );
        assert_eq!(
            role(Layout::MustGather, "namespaces/ns/core/pods.yaml"),
            Role::Objects {
                kind_hint: Some("Pod")
            }
        );
        assert!(
            matches!(role(Layout::MustGather, "namespaces/ns/pods/p/c/c/logs/previous.insecure.log"), Role::Log(h) if h.previous)
        );
        assert!(
            matches!(role(Layout::SupportBundleKit, "logs/ns/p/c.log.1"), Role::Log(h) if h.previous)
        );
        assert!(
            matches!(role(Layout::Plain, "api-1-previous.log"), Role::Log(h) if h.previous && h.pod.as_deref() == Some("api-1"))
        );
    }
}
