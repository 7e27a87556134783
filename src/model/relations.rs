//! Relations between objects that rules follow: owners, selectors, endpoints, nodes and the
//! ConfigMaps, Secrets and claims a pod refers to.

use super::cluster::{Cluster, Entry};
use super::Typed;
use k8s_openapi::api::core::v1::{Endpoints, Node, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use std::collections::BTreeMap;

/// Something a pod refers to by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodReference {
    /// `ConfigMap`, `Secret`, `PersistentVolumeClaim` or `ServiceAccount`.
    pub kind: &'static str,
    /// Its name (in the pod's namespace).
    pub name: String,
    /// Where in the pod spec (`spec.containers[0].envFrom[0].configMapRef`).
    pub field: String,
    /// The key, for `configMapKeyRef`/`secretKeyRef`.
    pub key: Option<String>,
    /// Marked `optional: true`.
    pub optional: bool,
}

/// True when every label of `selector` is on `labels` (an empty selector selects nothing,
/// as for a Service).
pub fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    if selector.is_empty() {
        return false;
    }
    let Some(labels) = labels else { return false };
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

impl Cluster {
    /// The controller chain above an object: Pod → ReplicaSet → Deployment. Follows the
    /// controller owner reference (or the only one), by uid, else by kind and name.
    pub fn owner_chain<'a>(&'a self, entry: &'a Entry) -> Vec<&'a Entry> {
        let mut out = Vec::new();
        let mut cur = entry;
        for _ in 0..8 {
            match self.parent_index(cur).map(|i| &self.entries()[i]) {
                Some(n) if !std::ptr::eq(n, cur) => {
                    out.push(n);
                    cur = n;
                }
                _ => break,
            }
        }
        out
    }

    /// The index of the object controlling `entry`: its controller owner reference (or its
    /// only one), by uid, else by kind and name.
    pub(crate) fn controller_index(&self, entry: &Entry) -> Option<usize> {
        let m = entry.object.metadata();
        let refs = m.owner_references.as_ref()?;
        let owner = refs
            .iter()
            .find(|r| r.controller == Some(true))
            .or(if refs.len() == 1 { refs.first() } else { None })?;
        self.uid_index(&owner.uid).or_else(|| {
            let ns = if owner.kind == "Node" {
                None
            } else {
                m.namespace.as_deref()
            };
            self.key_index(&owner.kind, ns, &owner.name)
        })
    }

    /// Pods in `namespace` whose labels carry every label of `selector`.
    pub fn pods_matching<'a>(
        &'a self,
        namespace: Option<&str>,
        selector: &BTreeMap<String, String>,
    ) -> Vec<(&'a Entry, &'a Pod)> {
        self.all::<Pod>()
            .filter(|(e, _)| e.object.metadata().namespace.as_deref() == namespace)
            .filter(|(e, _)| selector_matches(selector, e.object.metadata().labels.as_ref()))
            .collect()
    }

    /// The pods a Service selects.
    pub fn service_pods<'a>(&'a self, entry: &'a Entry) -> Vec<(&'a Entry, &'a Pod)> {
        let Some(svc) = Service::from_object(&entry.object) else {
            return Vec::new();
        };
        let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            return Vec::new();
        };
        self.pods_matching(entry.object.metadata().namespace.as_deref(), sel)
    }

    /// The Endpoints object of a Service (same namespace and name).
    pub fn service_endpoints(&self, entry: &Entry) -> Option<&Endpoints> {
        let m = entry.object.metadata();
        self.get_typed::<Endpoints>(m.namespace.as_deref(), m.name.as_deref()?)
    }

    /// The EndpointSlices of a Service (label `kubernetes.io/service-name`).
    pub fn service_endpoint_slices<'a>(&'a self, entry: &'a Entry) -> Vec<&'a EndpointSlice> {
        let m = entry.object.metadata();
        self.all::<EndpointSlice>()
            .filter(|(e, _)| e.object.metadata().namespace == m.namespace)
            .filter(|(e, _)| {
                e.object
                    .metadata()
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("kubernetes.io/service-name"))
                    == m.name.as_ref()
            })
            .map(|(_, s)| s)
            .collect()
    }

    /// The node a pod runs on (`spec.nodeName`).
    pub fn node_of(&self, pod: &Pod) -> Option<&Node> {
        let name = pod.spec.as_ref()?.node_name.as_deref()?;
        self.get_typed::<Node>(None, name)
    }

    /// Pods scheduled on a node.
    pub fn pods_on_node<'a>(
        &'a self,
        node: &'a str,
    ) -> impl Iterator<Item = (&'a Entry, &'a Pod)> + 'a {
        self.all::<Pod>().filter(move |(_, p)| {
            p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node)
        })
    }
}

/// Where a pod spec writes a reference (its field path is written out only when asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `spec.volumes[i].<what>`.
    Volume(usize, &'static str),
    /// `spec.volumes[i].projected.sources[j].<what>`.
    Projected(usize, usize, &'static str),
    /// `spec.<group>[c].env[k].valueFrom.<what>`.
    Env(&'static str, usize, usize, &'static str),
    /// `spec.<group>[c].envFrom[k].<what>`.
    EnvFrom(&'static str, usize, usize, &'static str),
    /// `spec.imagePullSecrets[i]`.
    PullSecret(usize),
    /// `spec.serviceAccountName`.
    ServiceAccount,
}

impl Site {
    /// The field path (`spec.containers[0].envFrom[0].configMapRef`).
    pub fn field(self) -> String {
        match self {
            Site::Volume(i, what) => format!("spec.volumes[{i}].{what}"),
            Site::Projected(i, j, what) => {
                format!("spec.volumes[{i}].projected.sources[{j}].{what}")
            }
            Site::Env(group, c, k, what) => format!("spec.{group}[{c}].env[{k}].valueFrom.{what}"),
            Site::EnvFrom(group, c, k, what) => format!("spec.{group}[{c}].envFrom[{k}].{what}"),
            Site::PullSecret(i) => format!("spec.imagePullSecrets[{i}]"),
            Site::ServiceAccount => "spec.serviceAccountName".into(),
        }
    }
}

/// A reference of a pod, borrowed from its spec.
#[derive(Debug, Clone, Copy)]
pub struct RefAt<'p> {
    /// `ConfigMap`, `Secret`, `PersistentVolumeClaim` or `ServiceAccount`.
    pub kind: &'static str,
    /// Its name (in the pod's namespace).
    pub name: &'p str,
    /// The key, for `configMapKeyRef`/`secretKeyRef`.
    pub key: Option<&'p str>,
    /// Marked `optional: true`.
    pub optional: bool,
    /// Where it is written.
    pub site: Site,
}

/// Everything a pod refers to by name: volumes, env and envFrom of every container, image
/// pull secrets and the service account.
pub fn pod_references(pod: &Pod) -> Vec<PodReference> {
    let mut out = Vec::new();
    visit_pod_references(pod, |r| {
        out.push(PodReference {
            kind: r.kind,
            name: r.name.to_string(),
            field: r.site.field(),
            key: r.key.map(str::to_string),
            optional: r.optional,
        })
    });
    out
}

/// Hands each of [`pod_references`] to `visit`, borrowed and without allocating, in the same
/// order.
pub fn visit_pod_references<'p>(pod: &'p Pod, mut visit: impl FnMut(RefAt<'p>)) {
    let Some(spec) = pod.spec.as_ref() else {
        return;
    };
    let mut push = |kind, name: &'p str, site, key: Option<&'p str>, optional: Option<bool>| {
        visit(RefAt {
            kind,
            name,
            key,
            optional: optional.unwrap_or(false),
            site,
        })
    };
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if let Some(c) = &v.config_map {
            push(
                "ConfigMap",
                &c.name,
                Site::Volume(i, "configMap"),
                None,
                c.optional,
            );
        }
        if let Some(s) = &v.secret {
            if let Some(n) = &s.secret_name {
                push("Secret", n, Site::Volume(i, "secret"), None, s.optional);
            }
        }
        if let Some(c) = &v.persistent_volume_claim {
            push(
                "PersistentVolumeClaim",
                &c.claim_name,
                Site::Volume(i, "persistentVolumeClaim"),
                None,
                None,
            );
        }
        for (j, s) in v
            .projected
            .iter()
            .flat_map(|p| p.sources.iter().flatten())
            .enumerate()
        {
            if let Some(c) = &s.config_map {
                push(
                    "ConfigMap",
                    &c.name,
                    Site::Projected(i, j, "configMap"),
                    None,
                    c.optional,
                );
            }
            if let Some(c) = &s.secret {
                push(
                    "Secret",
                    &c.name,
                    Site::Projected(i, j, "secret"),
                    None,
                    c.optional,
                );
            }
        }
    }
    let groups = [
        (
            "initContainers",
            spec.init_containers.as_deref().unwrap_or(&[]),
        ),
        ("containers", spec.containers.as_slice()),
    ];
    for (group, containers) in groups {
        for (ci, c) in containers.iter().enumerate() {
            for (k, e) in c.env.iter().flatten().enumerate() {
                let Some(from) = &e.value_from else { continue };
                if let Some(r) = &from.config_map_key_ref {
                    push(
                        "ConfigMap",
                        &r.name,
                        Site::Env(group, ci, k, "configMapKeyRef"),
                        Some(&r.key),
                        r.optional,
                    );
                }
                if let Some(r) = &from.secret_key_ref {
                    push(
                        "Secret",
                        &r.name,
                        Site::Env(group, ci, k, "secretKeyRef"),
                        Some(&r.key),
                        r.optional,
                    );
                }
            }
            for (k, e) in c.env_from.iter().flatten().enumerate() {
                if let Some(r) = &e.config_map_ref {
                    push(
                        "ConfigMap",
                        &r.name,
                        Site::EnvFrom(group, ci, k, "configMapRef"),
                        None,
                        r.optional,
                    );
                }
                if let Some(r) = &e.secret_ref {
                    push(
                        "Secret",
                        &r.name,
                        Site::EnvFrom(group, ci, k, "secretRef"),
                        None,
                        r.optional,
                    );
                }
            }
        }
    }
    for (i, s) in spec.image_pull_secrets.iter().flatten().enumerate() {
        push("Secret", &s.name, Site::PullSecret(i), None, None);
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        push("ServiceAccount", sa, Site::ServiceAccount, None, None);
    }
}
