//! The resolved cluster: typed objects with their origins, indices by kind, namespace, name and
//! uid, the relations rules need (owner chains, Service → pods, events → object, logs →
//! container, pod → node, pod → referenced ConfigMaps/Secrets/PVCs), and the snapshot time.
//! No I/O happens here.

mod cluster;
mod events;
pub mod object;
mod relations;
pub mod triage;

#[cfg(test)]
pub(crate) use cluster::parsed_json;
pub use cluster::{
    Cluster, ContainerLog, Entry, Inventory, NodeCounts, FIRST_SEEN_AGE, LAST_SEEN_AGE,
};
pub use events::EventRecord;
pub use object::{DynamicObject, Object, Typed};
pub use relations::{
    pod_references, selector_matches, visit_pod_references, PodReference, RefAt, Site,
};

use serde::Serialize;

/// Names an object: `Pod/default/api-7f8b9c6d4-xj2kl`, or `Node/worker-1` when cluster-scoped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    /// Kind.
    pub kind: String,
    /// Namespace, for namespaced objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// uid, when known (not part of the identity shown to people).
    #[serde(skip)]
    pub uid: Option<String>,
}

impl ObjectRef {
    /// A reference from kind, namespace and name.
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        Self {
            kind: kind.to_string(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_string),
            name: name.to_string(),
            uid: None,
        }
    }

    /// The reference of an object.
    pub fn of(object: &Object) -> Self {
        let m = object.metadata();
        Self {
            kind: object.kind().to_string(),
            namespace: m.namespace.clone().filter(|n| !n.is_empty()),
            name: m.name.clone().unwrap_or_default(),
            uid: m.uid.clone(),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}
