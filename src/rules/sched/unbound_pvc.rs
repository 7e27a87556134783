//! KT-SCHED-006 unbound-pvc

use super::common::{self, Kind};
use crate::declare_rule;
use crate::ingest::SourceFormat;
use crate::model::{pod_references, Cluster, Entry};
use crate::rules::{util, Evidence, Finding, Findings};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::api::storage::v1::StorageClass;

declare_rule! {
    /// ## What it does
    /// Finds Pending pods waiting for a PersistentVolumeClaim that cannot bind: the scheduler
    /// reports `pod has unbound immediate PersistentVolumeClaims` (or `didn't find available
    /// persistent volumes to bind`, `persistentvolumeclaim "x" not found`), or a claim the pod
    /// uses is missing or `Pending`. It names the claim, its storage class and the claim's
    /// own events (`ProvisioningFailed`, `FailedBinding`).
    ///
    /// ## Why is this bad?
    /// The pod cannot start before its volume exists. Usual causes: a storage class that does
    /// not exist (`storageclass.storage.k8s.io "fast" not found`), no default storage class
    /// and no matching PersistentVolume, a provisioner that is not running, or a claim that
    /// was never created.
    ///
    /// A claim in a `WaitForFirstConsumer` class stays Pending until its pod is scheduled;
    /// that alone is not reported (the pod's other scheduling problem is).
    ///
    /// ## Example
    /// ```text
    /// Events:
    ///   Warning  FailedScheduling  100s  default-scheduler  0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.
    /// # kubectl describe pvc redis-standard-pvc
    ///   Warning  ProvisioningFailed  2m  persistentvolume-controller  storageclass.storage.k8s.io "standard-v2" not found
    /// ```
    ///
    /// ## How to fix
    /// Create the claim, or make it bindable: set its `spec.storageClassName` to a class that
    /// exists and has a working provisioner (claims are immutable there: delete and recreate
    /// it), or create a PersistentVolume that matches it (size, access modes, class).
    pub(crate) static RULE = {
        code: "KT-SCHED-006",
        name: "unbound-pvc",
        severity: Error,
        check: check,
    };
}

const PVC_EVENTS: [&str; 5] = [
    "ProvisioningFailed",
    "FailedBinding",
    "ExternalProvisioning",
    "Provisioning",
    "WaitForFirstConsumer",
];

fn check(cluster: &Cluster, out: &mut Findings) {
    let mine = |k: &Kind| matches!(k, Kind::UnboundPvc | Kind::MissingPvc(_));
    let classes: Vec<(&Entry, &StorageClass)> = cluster.all::<StorageClass>().collect();
    let any_claims = cluster.all::<PersistentVolumeClaim>().next().is_some();
    for s in common::pods(cluster) {
        if common::history(&RULE, cluster, &s, mine, out) {
            continue;
        }
        let says = s.report.as_ref().and_then(|r| r.of(mine).next());
        let (ns, pod_name) = util::ns_name(s.pod);
        let mut claims: Vec<(String, String)> = pod_references(s.pod)
            .into_iter()
            .filter(|r| r.kind == "PersistentVolumeClaim")
            .map(|r| (r.name, r.field))
            .collect();
        // Generic ephemeral volumes: the claim is `<pod>-<volume>`.
        for (i, v) in s
            .pod
            .spec
            .iter()
            .flat_map(|sp| sp.volumes.iter().flatten())
            .enumerate()
        {
            if v.ephemeral.is_some() {
                claims.push((
                    format!("{pod_name}-{}", v.name),
                    format!("spec.volumes[{i}].ephemeral"),
                ));
            }
        }
        let suffix = s.report.as_ref().map(|r| r.suffix()).unwrap_or_default();
        if claims.is_empty() {
            if says.is_some() {
                out.push(
                    Finding::new(&RULE, s.object_ref())
                        .message(format!("the pod waits for an unbound claim{suffix}"))
                        .help(
                            "check the pod's PersistentVolumeClaims (`kubectl get pvc`): each \
                             must be Bound; fix the storage class or create a matching volume",
                        )
                        .evidence_all(s.message_evidence(cluster)),
                );
            }
            continue;
        }
        for (claim, field) in claims {
            let named_missing = says.is_some_and(|c| c.kind == Kind::MissingPvc(claim.clone()));
            let entry = cluster.get("PersistentVolumeClaim", Some(ns), &claim);
            let pvc = entry.and_then(util::typed::<PersistentVolumeClaim>);
            let claim_field = match s.entry.origin.format {
                SourceFormat::Describe | SourceFormat::Table => field
                    .rsplit_once('.')
                    .map_or(field.clone(), |(a, _)| a.to_string()),
                _ if field.ends_with(".persistentVolumeClaim") => format!("{field}.claimName"),
                _ => field.clone(),
            };
            let use_ev = Evidence::field(s.entry, &claim_field, format!("uses claim {claim}"));
            let (Some(entry), Some(pvc)) = (entry, pvc) else {
                // Absent: say so only when the snapshot has claims or the scheduler says it.
                if !(named_missing || says.is_some() || any_claims) {
                    continue;
                }
                let what = if named_missing || any_claims {
                    "does not exist"
                } else {
                    "is not bound (the snapshot does not hold it)"
                };
                out.push(
                    Finding::new(&RULE, s.object_ref())
                        .message(format!(
                            "the pod uses PersistentVolumeClaim {claim}, which {what}{suffix}"
                        ))
                        .help(format!(
                            "create PersistentVolumeClaim {claim} in namespace {ns}, or fix the \
                             claim name in `{claim_field}`; `kubectl describe pvc {claim}` shows \
                             why an existing one is not Bound"
                        ))
                        .cause(claim.clone())
                        .evidence(use_ev)
                        .evidence_all(s.message_evidence(cluster)),
                );
                continue;
            };
            let phase = pvc
                .status
                .as_ref()
                .and_then(|st| st.phase.as_deref())
                .unwrap_or("Pending");
            if phase == "Bound" {
                continue;
            }
            let class_name = pvc
                .spec
                .as_ref()
                .and_then(|sp| sp.storage_class_name.clone())
                .or_else(|| {
                    pvc.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class").cloned())
                });
            let class = class_name.as_deref().and_then(|n| {
                classes
                    .iter()
                    .find(|(_, c)| c.metadata.name.as_deref() == Some(n))
            });
            let default = classes.iter().find(|(_, c)| is_default(c));
            let events = cluster.events_of(entry);
            let event = events
                .iter()
                .rev()
                .find(|e| util::reason_is(e, &PVC_EVENTS))
                .copied();
            let wffc = class
                .and_then(|(_, c)| c.volume_binding_mode.as_deref())
                .is_some_and(|m| m == "WaitForFirstConsumer")
                || event.is_some_and(|e| util::reason_is(e, &["WaitForFirstConsumer"]));
            // A WaitForFirstConsumer claim waits for the pod, unless the scheduler blames it.
            if says.is_none() && (wffc || phase != "Pending" && phase != "Lost") {
                continue;
            }
            let class_missing = match (class_name.as_deref(), class) {
                (Some(n), None) if !n.is_empty() => {
                    !classes.is_empty()
                        || event.is_some_and(|e| {
                            util::message_has(e, "storageclass")
                                && util::message_has(e, "not found")
                        })
                }
                _ => false,
            };
            let no_class_set =
                event.is_some_and(|e| util::message_has(e, "no storage class is set"));
            let (detail, help) = why_unbound(
                &claim,
                class_name.as_deref(),
                class_missing,
                &classes,
                (default.is_some() || classes.is_empty()) && !no_class_set,
            );
            let mut message = format!("claim {claim} is {phase}{detail}");
            if let Some(e) = event {
                message.push_str(&format!(
                    "; {}{}: {}",
                    e.reason.as_deref().unwrap_or(""),
                    util::times(e),
                    e.message.as_deref().unwrap_or("").trim()
                ));
            }
            message.push_str(&suffix);
            let mut f = Finding::new(&RULE, s.object_ref())
                .message(message)
                .help(help)
                .cause(class_name.clone().unwrap_or_else(|| claim.clone()))
                .evidence(use_ev)
                .evidence_all(s.message_evidence(cluster))
                .evidence(Evidence::field(
                    entry,
                    "status.phase",
                    format!("claim {phase}"),
                ));
            if class_name.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    "spec.storageClassName",
                    "storage class",
                ));
            }
            if let Some(e) = event {
                f = f.evidence(Evidence::event(
                    cluster,
                    e,
                    format!("{}{}", e.reason.as_deref().unwrap_or(""), util::times(e)),
                ));
            }
            out.push(f);
        }
    }
}

/// What keeps a claim from binding, from its storage class: (detail for the message, help).
fn why_unbound(
    claim: &str,
    class_name: Option<&str>,
    class_missing: bool,
    classes: &[(&Entry, &StorageClass)],
    has_default: bool,
) -> (String, String) {
    let names: Vec<&str> = classes
        .iter()
        .filter_map(|(_, c)| c.metadata.name.as_deref())
        .collect();
    match class_name {
        Some(n) if class_missing => (
            format!(": storage class `{n}` does not exist"),
            format!(
                "set `spec.storageClassName` of claim {claim} to an existing class{} (the field \
                 is immutable: delete and recreate the claim), or create StorageClass {n}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", names.join(", "))
                }
            ),
        ),
        Some("") => (
            ": it asks for no storage class (`storageClassName: \"\"`), so only a pre-created \
             PersistentVolume can bind it"
                .to_string(),
            format!(
                "create a PersistentVolume matching claim {claim} (size, access modes), or set \
                 its `spec.storageClassName` to a class with a provisioner"
            ),
        ),
        None if !has_default => (
            ": it names no storage class and the cluster has no default one".to_string(),
            format!(
                "set `spec.storageClassName` of claim {claim} to a class with a provisioner, \
                 mark a class as default, or create a PersistentVolume that matches it"
            ),
        ),
        n => {
            let n = n.map(str::to_string).or_else(|| {
                classes
                    .iter()
                    .find(|(_, c)| is_default(c))
                    .and_then(|(_, c)| c.metadata.name.clone())
            });
            (
                n.as_ref()
                    .map(|n| format!(" (storage class `{n}`)"))
                    .unwrap_or_default(),
                format!(
                    "make claim {claim} bind: `kubectl describe pvc {claim}` shows why; check that \
                     the provisioner of {} runs, or create a PersistentVolume that matches the \
                     claim",
                    n.map_or("its storage class".to_string(), |n| format!("storage class {n}"))
                ),
            )
        }
    }
}

/// Marked as the default storage class.
fn is_default(c: &StorageClass) -> bool {
    c.metadata.annotations.as_ref().is_some_and(|a| {
        a.get("storageclass.kubernetes.io/is-default-class")
            .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
            .is_some_and(|v| v == "true")
    })
}
