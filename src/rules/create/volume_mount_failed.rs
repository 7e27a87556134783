//! KT-CREATE-002 volume-mount-failed

use super::common::{self, MountFailure};
use crate::declare_rule;
use crate::model::{Cluster, ObjectRef};
use crate::rules::util;
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds pods that cannot start because a volume cannot be attached or mounted, and the
    /// failure is still current.
    ///
    /// The kubelet reports it with
    /// `FailedMount` (`MountVolume.SetUp failed`, `Unable to attach or mount volumes ... timed
    /// out waiting for the condition`) or `FailedAttachVolume` (`Multi-Attach error`) events
    /// that are still current: the pod has not started, and no later event (`Pulling`,
    /// `Started`, `SuccessfulMountVolume`) shows the mount succeeded.
    ///
    /// The message names the volume and what is missing or wrong behind it: the ConfigMap,
    /// Secret or PersistentVolumeClaim that does not exist, the hostPath that is not there, the
    /// volume still attached to another node.
    ///
    /// ## Why is this bad?
    /// The kubelet mounts every volume before it creates any container, so one volume that
    /// cannot be mounted keeps the whole pod in `ContainerCreating`, retrying every two minutes.
    ///
    /// ## Example
    /// ```text
    /// Warning  FailedMount  2m (x12 over 24m)  kubelet  MountVolume.SetUp failed for volume
    ///   "config" : configmap "app-config" not found
    /// ```
    ///
    /// ## How to fix
    /// Create the missing object in the pod's namespace or correct its name in
    /// `spec.volumes` (`configMap.name`, `secret.secretName`,
    /// `persistentVolumeClaim.claimName`). For `Multi-Attach error`, the ReadWriteOnce volume is
    /// still attached to another node: delete the old pod, or use `strategy.type: Recreate`
    /// for a Deployment with such a volume. For a hostPath, make the path exist on the node
    /// with the declared `type`.
    pub(crate) static RULE = {
        code: "KT-CREATE-002",
        name: "volume-mount-failed",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (entry, pod, pod_ref, events) in common::pods_down(cluster) {
        let failures = common::mount_failures(&events);
        let Some(main) = failures
            .iter()
            .rev()
            .find(|e| common::is_specific_mount_error(e))
            .or(failures.last())
        else {
            continue;
        };
        let m = MountFailure::read(cluster, pod, main);
        let ns = pod_ref.namespace.as_deref().unwrap_or("default");
        let volume_text = m.volume_text();
        let message = format!(
            "pod cannot start: {volume_text} cannot be {}: {} ({})",
            if m.attach { "attached" } else { "mounted" },
            m.what,
            common::age_text(cluster, main)
        );
        let help = m.help(ns);
        let others = failures
            .iter()
            .rev()
            .filter(|e| !std::ptr::eq(**e, *main))
            .take(2);
        let mut f = Finding::new(&RULE, pod_ref.clone())
            .message(message)
            .help(help)
            .cause(m.cause_key())
            .evidence_all(
                std::iter::once(main)
                    .chain(others)
                    .map(|e| Evidence::event(cluster, e, util::reason_times(e))),
            )
            .evidence_opt(common::first_waiting(entry, pod));
        if let Some((path, label)) = &m.spec_field {
            f = f.evidence_opt(common::field_if_known(entry, path, label));
        }
        if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            f = f.related(ObjectRef::new("Node", None, node));
        }
        out.push(f);
    }
}
