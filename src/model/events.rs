//! Events from both APIs (`v1` and `events.k8s.io/v1`) in one shape, tied to the object they
//! are about by kind, namespace, name and (when both sides have one) uid.

use super::{Object, ObjectRef};
use jiff::Timestamp;

/// One event, whichever API it came from.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Index of the event object in the cluster's entries.
    pub entry: usize,
    /// The object the event is about (`involvedObject` / `regarding`).
    pub target: ObjectRef,
    /// `Normal` or `Warning`.
    pub type_: Option<String>,
    /// Machine-readable reason (`BackOff`, `FailedScheduling`...).
    pub reason: Option<String>,
    /// The message.
    pub message: Option<String>,
    /// How many times it happened (1 when the event does not say).
    pub count: i32,
    /// First occurrence.
    pub first: Option<Timestamp>,
    /// Last occurrence.
    pub last: Option<Timestamp>,
    /// Who reported it (`kubelet, node-1`, `default-scheduler`).
    pub source: Option<String>,
}

/// Builds the record for an event object; `None` for other kinds.
pub fn record(entry: usize, object: &Object) -> Option<EventRecord> {
    match object {
        Object::Event(e) => {
            let io = &e.involved_object;
            let target = ObjectRef {
                kind: io.kind.clone().unwrap_or_default(),
                namespace: io
                    .namespace
                    .clone()
                    .or_else(|| e.metadata.namespace.clone())
                    .filter(|n| !n.is_empty()),
                name: io.name.clone().unwrap_or_default(),
                uid: io.uid.clone(),
            };
            let series_last = e
                .series
                .as_ref()
                .and_then(|s| s.last_observed_time.as_ref())
                .map(|t| t.0);
            let first = e
                .first_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(e.event_time.as_ref().map(|t| t.0));
            let last = [
                e.last_timestamp.as_ref().map(|t| t.0),
                series_last,
                e.event_time.as_ref().map(|t| t.0),
            ]
            .into_iter()
            .flatten()
            .max()
            .or(first);
            let source = e
                .source
                .as_ref()
                .and_then(|s| match (&s.component, &s.host) {
                    (Some(c), Some(h)) => Some(format!("{c}, {h}")),
                    (Some(c), None) => Some(c.clone()),
                    (None, Some(h)) => Some(h.clone()),
                    _ => None,
                });
            let count = e
                .count
                .or(e.series.as_ref().and_then(|s| s.count))
                .unwrap_or(1);
            Some(EventRecord {
                entry,
                target: cluster_scoped(target),
                type_: e.type_.clone(),
                reason: e.reason.clone(),
                message: e.message.clone(),
                count,
                first,
                last,
                source: source.or(e.reporting_component.clone()),
            })
        }
        Object::EventsV1Event(e) => {
            let r = e.regarding.as_ref();
            let target = ObjectRef {
                kind: r.and_then(|r| r.kind.clone()).unwrap_or_default(),
                namespace: r
                    .and_then(|r| r.namespace.clone())
                    .or_else(|| e.metadata.namespace.clone())
                    .filter(|n| !n.is_empty()),
                name: r.and_then(|r| r.name.clone()).unwrap_or_default(),
                uid: r.and_then(|r| r.uid.clone()),
            };
            let first = e
                .deprecated_first_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(e.event_time.as_ref().map(|t| t.0))
                .filter(|t| t.as_second() > 0);
            let last = [
                e.deprecated_last_timestamp.as_ref().map(|t| t.0),
                e.series.as_ref().map(|s| s.last_observed_time.0),
                e.event_time
                    .as_ref()
                    .map(|t| t.0)
                    .filter(|t| t.as_second() > 0),
            ]
            .into_iter()
            .flatten()
            .max()
            .or(first);
            let count = e
                .series
                .as_ref()
                .map(|s| s.count)
                .or(e.deprecated_count)
                .unwrap_or(1);
            Some(EventRecord {
                entry,
                target: cluster_scoped(target),
                type_: e.type_.clone(),
                reason: e.reason.clone(),
                message: e.note.clone(),
                count,
                first,
                last,
                source: e.reporting_controller.clone().or(e
                    .deprecated_source
                    .as_ref()
                    .and_then(|s| s.component.clone())),
            })
        }
        _ => None,
    }
}

/// Events about cluster-scoped objects live in a namespace (`default` for node events) but
/// their target has none; the kubelet also writes the node's name as its uid.
fn cluster_scoped(mut target: ObjectRef) -> ObjectRef {
    if matches!(
        target.kind.as_str(),
        "Node"
            | "PersistentVolume"
            | "Namespace"
            | "StorageClass"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
    ) {
        target.namespace = None;
    }
    if target.uid.as_deref() == Some(target.name.as_str()) {
        target.uid = None;
    }
    target
}
