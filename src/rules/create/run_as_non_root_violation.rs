//! KT-CREATE-005 run-as-non-root-violation

use super::common;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::util::{self, contains_ci};
use crate::rules::{Evidence, Finding, Findings};

declare_rule! {
    /// ## What it does
    /// Finds containers that `runAsNonRoot` keeps from being created because the image would
    /// run as root or its user is not numeric.
    ///
    /// The container waits in `CreateContainerConfigError` with `container has
    /// runAsNonRoot and image will run as root`, `image has non-numeric user (x), cannot verify
    /// user is non-root`, or `runAsUser breaks non-root policy`.
    ///
    /// ## Why is this bad?
    /// With `runAsNonRoot: true` the kubelet refuses to create a container that would run as
    /// UID 0, or whose user it cannot prove is not root. The container never starts.
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   runAsNonRoot: true        # the image has no USER, so it runs as root
    /// ```
    /// ```text
    /// Error: container has runAsNonRoot and image will run as root (pod: "api-5f7d9_default(...)", container: api)
    /// ```
    ///
    /// ## How to fix
    /// Set `securityContext.runAsUser` of the container (or the pod) to a non-zero UID the
    /// image can run as (`1000`), or build the image with a numeric non-root `USER` (`USER
    /// 1000`, not `USER app`). Remove `runAsNonRoot` only if the workload must run as root.
    pub(crate) static RULE = {
        code: "KT-CREATE-005",
        name: "run-as-non-root-violation",
        severity: Error,
        check: check,
    };
}

fn is_non_root_error(m: &str) -> bool {
    contains_ci(m, "runAsNonRoot")
        || contains_ci(m, "non-root policy")
        || contains_ci(m, "cannot verify user is non-root")
}

fn check(cluster: &Cluster, out: &mut Findings) {
    // A container that waits shows on its pod.
    for (entry, pod) in cluster.pods_of_note() {
        let views = util::containers(pod);
        if !views
            .iter()
            .any(|c| c.waiting_reason() == Some("CreateContainerConfigError"))
        {
            continue;
        }
        let events = cluster.events_of(entry);
        for c in &views {
            if c.waiting_reason() != Some("CreateContainerConfigError") {
                continue;
            }
            let Some((msg, msg_ev)) =
                common::config_error(cluster, entry, c, &events, is_non_root_error)
            else {
                continue;
            };
            let csc = c.spec.and_then(|s| s.security_context.as_ref());
            let psc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
            let non_root_field = if csc.and_then(|s| s.run_as_non_root).is_some() {
                Some(format!("{}.securityContext.runAsNonRoot", c.spec_path))
            } else if psc.and_then(|s| s.run_as_non_root).is_some() {
                Some("spec.securityContext.runAsNonRoot".to_string())
            } else {
                None
            };
            let user = csc
                .and_then(|s| s.run_as_user)
                .map(|u| (u, format!("{}.securityContext.runAsUser", c.spec_path)))
                .or_else(|| {
                    psc.and_then(|s| s.run_as_user)
                        .map(|u| (u, "spec.securityContext.runAsUser".to_string()))
                });
            let non_numeric = msg
                .split_once("non-numeric user (")
                .and_then(|(_, r)| r.split_once(')'))
                .map(|(u, _)| u.to_string());
            let why = if let Some(u) = &non_numeric {
                format!("the image's user `{u}` is not numeric, so the kubelet cannot verify it is not root")
            } else if let Some((0, _)) = user {
                "`runAsUser` is 0 (root)".to_string()
            } else {
                "the image runs as root (no non-root `USER`) and no `runAsUser` overrides it"
                    .to_string()
            };
            let field = non_root_field
                .clone()
                .unwrap_or_else(|| "securityContext.runAsNonRoot".to_string());
            let message = format!(
                "container {} cannot be created: `{field}` is true but {why} (CreateContainerConfigError: {})",
                c.name,
                util::shorten(msg.split(" (pod: ").next().unwrap_or(&msg), 160)
            );
            let help = if let Some(u) = &non_numeric {
                format!(
                    "set `{}.securityContext.runAsUser` to the numeric UID of `{u}` (e.g. 1000), \
                     or use a numeric `USER` in the Dockerfile",
                    c.spec_path
                )
            } else {
                format!(
                    "set `{}.securityContext.runAsUser` to a non-zero UID the image can run as \
                     (e.g. 1000), or build the image with a numeric non-root `USER`; remove \
                     `runAsNonRoot` only if it must run as root",
                    c.spec_path
                )
            };
            let mut f = Finding::new(&RULE, entry.object_ref())
                .container(c.name)
                .message(message)
                .help(help)
                .cause(non_numeric.clone().unwrap_or_default())
                .evidence(Evidence::field(
                    entry,
                    &format!("{}.state.waiting.reason", c.status_path),
                    "waiting in CreateContainerConfigError",
                ))
                .evidence(msg_ev);
            if let Some(p) = &non_root_field {
                f = f.evidence_opt(common::field_if_known(entry, p, "runAsNonRoot"));
            }
            if let Some((_, p)) = &user {
                f = f.evidence_opt(common::field_if_known(entry, p, "runAsUser"));
            }
            out.push(f);
        }
    }
}
