//! KT-CRASH-009 permission-denied

use super::{Cause, Crash};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds crashing containers that stop on `permission denied` (or `Read-only file
    /// system`) at start-up, and reads the security context that explains it:
    /// `readOnlyRootFilesystem`, `runAsUser`/`runAsNonRoot`, `fsGroup`, and the volume the
    /// path is on.
    ///
    /// ## Why is this bad?
    /// The program cannot write its files or run its entrypoint, so it exits on every
    /// restart. Usually the image expects to run as root but the pod runs it as another
    /// user, a volume is owned by root without an `fsGroup`, the root filesystem is
    /// read-only, or the entrypoint lost its executable bit.
    ///
    /// ## Example
    /// ```text
    /// PermissionError: [Errno 13] Permission denied: '/data/cache'
    /// ```
    /// with `runAsUser: 1000` and `/data` an `emptyDir`-less path of the image owned by root.
    ///
    /// ## How to fix
    /// Give the path to the user the container runs as (`chown` in the Dockerfile), set the
    /// pod's `securityContext.fsGroup` for volumes, mount an `emptyDir` where a read-only
    /// root filesystem must be written, or `chmod +x` the entrypoint in the image.
    pub(crate) static RULE = {
        code: "KT-CRASH-009",
        name: "permission-denied",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::PermissionDenied { path, read_only } = &found.cause else {
            continue;
        };
        let c = crash.c.name;
        let who = crash.who();
        let owner = super::owner_phrase(cluster, &crash);
        let ctx = SecurityView::of(&crash);
        let target = path.as_deref().map_or(String::new(), |p| format!(" {p}"));
        let read_only_fs = *read_only || ctx.read_only_root;
        let what = match path.as_deref() {
            Some(p) if read_only_fs => format!("{p} is on a read-only file system"),
            None if read_only_fs => "it writes to a read-only file system".to_string(),
            Some(p) => format!("it may not access {p} (permission denied)"),
            None => "of a permission denied".to_string(),
        };
        let user: Vec<String> = ctx
            .user
            .map(|u| format!("it runs as user {u}"))
            .into_iter()
            .collect();
        let message = super::exit_message(&crash, &found, &what, &user);
        let mount = path.as_deref().and_then(|p| crash.mount_of(p));
        let exec = found.quote.contains("exec ") || found.quote.contains("exec:");
        let help = if read_only_fs {
            let dir = path
                .as_deref()
                .and_then(|p| p.rsplit_once('/').map(|(d, _)| d))
                .filter(|d| !d.is_empty())
                .unwrap_or("the path it writes");
            format!(
                "the root file system is read-only (`securityContext.readOnlyRootFilesystem` of \
                 {who}{owner}): mount an `emptyDir` volume at {dir}, or write elsewhere"
            )
        } else if exec {
            format!(
                "the entrypoint{target} is not executable for the container's user: `chmod +x` it in \
                 the Dockerfile, or fix `command` of {who}{owner}"
            )
        } else if let Some((_, vol, at)) = &mount {
            format!(
                "volume {vol} mounted at {at} is not writable by the container's user: set the \
                 pod's `securityContext.fsGroup` (e.g. to the user's group), or fix its ownership \
                 with an init container ({c}{owner})"
            )
        } else {
            format!(
                "give{target} to the user {who} runs as (`chown` in the Dockerfile), or set \
                 `securityContext.runAsUser`/`fsGroup` of the pod{owner} to match its owner"
            )
        };
        let cause = path.clone().unwrap_or_default();
        let mut f = super::found_finding(&RULE, &crash, &found, message, help, cause);
        for (p, label) in ctx.fields {
            f = f.evidence_opt(super::field_evidence(crash.entry, &p, label));
        }
        if let Some((i, _, _)) = mount {
            f = f.evidence_opt(super::mount_evidence(&crash, i));
        }
        out.push(f);
    }
}

/// The security settings that matter, with their fields.
struct SecurityView {
    user: Option<i64>,
    read_only_root: bool,
    fields: Vec<(String, &'static str)>,
}

impl SecurityView {
    fn of(crash: &Crash<'_>) -> SecurityView {
        let mut v = SecurityView {
            user: None,
            read_only_root: false,
            fields: Vec::new(),
        };
        let pod_ctx = crash
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.security_context.as_ref());
        if let Some(u) = pod_ctx.and_then(|s| s.run_as_user) {
            v.user = Some(u);
            v.fields
                .push(("spec.securityContext.runAsUser".into(), "the pod's user"));
        }
        if pod_ctx.and_then(|s| s.fs_group).is_some() {
            v.fields
                .push(("spec.securityContext.fsGroup".into(), "the pod's fsGroup"));
        }
        let ctx = crash.spec().and_then(|s| s.security_context.as_ref());
        if let Some(u) = ctx.and_then(|s| s.run_as_user) {
            v.user = Some(u);
            v.fields.push((
                crash.spec_field("securityContext.runAsUser"),
                "the container's user",
            ));
        }
        if ctx.and_then(|s| s.read_only_root_filesystem) == Some(true) {
            v.read_only_root = true;
            v.fields.push((
                crash.spec_field("securityContext.readOnlyRootFilesystem"),
                "read-only root file system",
            ));
        }
        v
    }
}
