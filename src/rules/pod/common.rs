//! Helpers of the pod-lifecycle rules: evictions read from the pod's status message, and the
//! controller a pod belongs to.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

/// What an eviction message says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Eviction {
    /// The node resource that ran low (`memory`, `ephemeral-storage`, `nodefs`, `pids`), or
    /// the resource of the pod's own limit.
    pub resource: Option<String>,
    /// The container named in the message.
    pub container: Option<String>,
    /// What it was using (`1560072Ki`).
    pub used: Option<String>,
    /// Its request (`0`, `128Mi`).
    pub request: Option<String>,
    /// The limit it exceeded, for evictions by the pod's own limit (`20Mi`).
    pub limit: Option<String>,
    /// Evicted for exceeding its own limit (ephemeral storage, `emptyDir` size), not because
    /// the node ran low.
    pub own_limit: bool,
}

/// The pod was evicted: phase `Failed`, reason `Evicted`.
pub(crate) fn is_evicted(pod: &Pod) -> bool {
    let Some(s) = pod.status.as_ref() else {
        return false;
    };
    s.phase.as_deref() == Some("Failed") && s.reason.as_deref() == Some("Evicted")
}

/// The pod is being deleted: `metadata.deletionTimestamp` set, or shown as `Terminating` in
/// text that does not give the time.
pub(crate) fn is_deleted(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
        || pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("ktriage.io/terminating"))
            .is_some_and(|v| v == "true")
}

/// Reads the eviction message of an evicted pod (`The node was low on resource: memory.
/// ... Container api was using 1Gi, request is 0, ...`).
pub(crate) fn eviction(pod: &Pod) -> Eviction {
    let msg = pod
        .status
        .as_ref()
        .and_then(|s| s.message.as_deref())
        .unwrap_or("");
    parse_eviction(msg)
}

/// Parses an eviction message.
pub(crate) fn parse_eviction(msg: &str) -> Eviction {
    let mut ev = Eviction::default();
    if let Some(rest) = after(msg, "low on resource: ") {
        let word = first_token(rest);
        ev.resource = Some(condition_resource(word).unwrap_or(word).to_string());
    } else if let Some(rest) = after(msg, "had condition: ") {
        let word = first_token(rest);
        ev.resource = condition_resource(word).map(str::to_string);
    }
    // `Container api was using 1Gi, request is 0` / `..., which exceeds its request of 64Mi`.
    if let Some(rest) = after(msg, "Container ") {
        if let Some((name, tail)) = rest.split_once(' ') {
            if let Some(used) = tail.strip_prefix("was using ") {
                ev.container = Some(name.to_string());
                ev.used = Some(first_token(used).to_string());
                if let Some(r) =
                    after(used, "request is ").or_else(|| after(used, "its request of "))
                {
                    ev.request = Some(first_token(r).to_string());
                }
            } else if let Some(lim) =
                tail.strip_prefix("exceeded its local ephemeral storage limit ")
            {
                ev.container = Some(name.to_string());
                ev.limit = Some(first_token(lim).to_string());
                ev.resource = Some("ephemeral-storage".into());
                ev.own_limit = true;
            }
        }
    }
    if let Some(rest) = after(msg, "exceeds the total limit of containers ") {
        ev.limit = Some(first_token(rest).to_string());
        ev.resource = Some("ephemeral-storage".into());
        ev.own_limit = true;
    }
    if msg.starts_with("Usage of EmptyDir volume") {
        if let Some(rest) = after(msg, "exceeds the limit ") {
            ev.limit = Some(first_token(rest).to_string());
        }
        ev.resource = Some("ephemeral-storage".into());
        ev.own_limit = true;
    }
    ev
}

fn after<'a>(hay: &'a str, needle: &str) -> Option<&'a str> {
    hay.find(needle).and_then(|i| hay.get(i + needle.len()..))
}

/// The first word, without the punctuation that follows it (`memory.`, `"20Mi".`, `1Gi,`).
fn first_token(s: &str) -> &str {
    let w = s.split_whitespace().next().unwrap_or("");
    let w = w.trim_end_matches(['.', ',', ';']);
    w.trim_matches('"')
}

/// `[MemoryPressure]` → `memory`.
fn condition_resource(word: &str) -> Option<&'static str> {
    match word.trim_matches(['[', ']']) {
        "MemoryPressure" => Some("memory"),
        "DiskPressure" => Some("ephemeral-storage"),
        "PIDPressure" => Some("pids"),
        _ => None,
    }
}

/// The pod's controller reference (the one marked `controller`, else the only one).
pub(crate) fn controller_ref(pod: &Pod) -> Option<&OwnerReference> {
    let refs = pod.metadata.owner_references.as_ref()?;
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or(if refs.len() == 1 { refs.first() } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_messages() {
        let e = parse_eviction("The node was low on resource: memory. Threshold quantity: 100Mi, available: 61640Ki. Container api was using 1560072Ki, request is 0, has larger consumption of memory. ");
        assert_eq!(e.resource.as_deref(), Some("memory"));
        assert_eq!(e.container.as_deref(), Some("api"));
        assert_eq!(e.used.as_deref(), Some("1560072Ki"));
        assert_eq!(e.request.as_deref(), Some("0"));
        assert!(!e.own_limit);
        let e = parse_eviction(
            "The node was low on resource: ephemeral-storage. Container web was using 2Gi, which exceeds its request of 0.",
        );
        assert_eq!(e.resource.as_deref(), Some("ephemeral-storage"));
        assert_eq!(e.request.as_deref(), Some("0"));
        let e = parse_eviction("The node had condition: [DiskPressure]. ");
        assert_eq!(e.resource.as_deref(), Some("ephemeral-storage"));
        let e =
            parse_eviction(r#"Container app exceeded its local ephemeral storage limit "20Mi". "#);
        assert!(e.own_limit);
        assert_eq!(e.limit.as_deref(), Some("20Mi"));
        assert_eq!(e.container.as_deref(), Some("app"));
        let e = parse_eviction(
            "Pod ephemeral local storage usage exceeds the total limit of containers 5Mi. ",
        );
        assert!(e.own_limit);
        assert_eq!(e.limit.as_deref(), Some("5Mi"));
        assert_eq!(parse_eviction(""), Eviction::default());
    }
}
