//! KT-CREATE-001 image-pull-stuck

use super::common::{self, CREATING};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::util::{self, contains_ci};
use crate::rules::{Evidence, Finding, Findings};

/// How long a pull may take before it counts as stuck.
const STUCK_SECS: i64 = 5 * 60;

declare_rule! {
    /// ## What it does
    /// Finds containers still being created whose image pull started more than 5 minutes
    /// before the snapshot and has not finished.
    ///
    /// The container waits in `ContainerCreating` (or `PodInitializing`), its latest `Pulling`
    /// event is more than 5 minutes older than the snapshot, and no `Pulled` event or pull
    /// error follows it.
    ///
    /// ## Why is this bad?
    /// The pod cannot start until the pull completes. A pull that takes this long is a very
    /// large image, a slow or throttled registry, or a connection to the registry that hangs
    /// without failing, so the kubelet never reports an error to back off from.
    ///
    /// ## Example
    /// ```text
    /// State:          Waiting
    ///   Reason:       ContainerCreating
    /// Events:
    ///   Normal  Scheduled  23m  default-scheduler  Successfully assigned ml/trainer-0 to gpu-1
    ///   Normal  Pulling    23m  kubelet            Pulling image "nvcr.io/nvidia/pytorch:24.01-py3"
    /// ```
    ///
    /// ## How to fix
    /// Use a smaller `image` (multi-stage build, slim base), pull it from a registry or mirror
    /// close to the node, or pre-pull it on the nodes (a DaemonSet, or the node image). Check
    /// the node's network to the registry and its disk space for the image layers.
    pub(crate) static RULE = {
        code: "KT-CREATE-001",
        name: "image-pull-stuck",
        severity: Warning,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    let Some(now) = cluster.captured_at else {
        return;
    };
    // A pod that is not running shows trouble.
    for (entry, pod) in cluster.pods_of_note() {
        if !matches!(util::phase(pod), "Pending" | "Unknown") {
            continue;
        }
        let pod_ref = entry.object_ref();
        let events = cluster.events_for(&pod_ref);
        if !events.iter().any(|e| util::reason_is(e, &["Pulling"])) {
            continue;
        }
        for c in util::containers(pod) {
            let waiting = c.waiting_reason();
            if !(waiting.is_some_and(|w| CREATING.contains(&w)) || c.status.is_none()) {
                continue;
            }
            let image = c.spec.and_then(|s| s.image.as_deref()).unwrap_or("");
            let quoted = format!("\"{image}\"");
            let about_this = |e: &crate::model::EventRecord| {
                util::event_field_path(cluster, e)
                    .map(|fp| fp.contains(&format!("{{{}}}", c.name)))
                    .unwrap_or_else(|| {
                        image.is_empty()
                            || e.message.as_deref().is_some_and(|m| m.contains(&quoted))
                    })
            };
            let Some(pulling) = events
                .iter()
                .rev()
                .find(|e| util::reason_is(e, &["Pulling"]) && about_this(e))
            else {
                continue;
            };
            let Some(started) = pulling.last else {
                continue;
            };
            let after = events.iter().any(|e| {
                !std::ptr::eq(*e, *pulling)
                    && e.last.is_some_and(|t| t >= started)
                    && about_this(e)
                    && (util::reason_is(e, &["Pulled", "Failed", "BackOff", "ErrImagePull"])
                        || e.message
                            .as_deref()
                            .is_some_and(|m| contains_ci(m, "Successfully pulled")))
            });
            if after {
                continue;
            }
            let age = now.as_second() - started.as_second();
            if age <= STUCK_SECS {
                continue;
            }
            let age_text = common::human_duration(age);
            let shown = if image.is_empty() {
                "its image".to_string()
            } else {
                format!("image \"{image}\"")
            };
            let mut f = Finding::new(&RULE, pod_ref.clone())
                .container(c.name)
                .message(format!(
                    "container {} has been pulling {shown} for {age_text} (Pulling event {age_text} \
                     before the snapshot, no Pulled since) and is still {}",
                    c.name,
                    waiting.unwrap_or("not created")
                ))
                .help(format!(
                    "use a smaller `image` for container {}, pull it from a registry or mirror \
                     near the node, or pre-pull it on the nodes; check the node's network to the \
                     registry and its free disk",
                    c.name
                ))
                .cause(image)
                .evidence(Evidence::event(
                    cluster,
                    pulling,
                    format!("Pulling started {age_text} before the snapshot"),
                ));
            if waiting.is_some() {
                f = f.evidence(common::still_creating(entry, &c));
            }
            if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
                f = f.related(crate::model::ObjectRef::new("Node", None, node));
            }
            out.push(f);
        }
    }
}
