//! KT-CRASH-004 file-not-found

use super::Cause;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds crashing containers that stop because a file or the command itself does not
    /// exist: `FileNotFoundError`, `no such file or directory` for the entrypoint or a file
    /// it opens, `exec: "x": executable file not found in $PATH`, `sh: x: not found`.
    ///
    /// ## Why is this bad?
    /// The program (or the runtime, before the program) gives up at start-up on every
    /// restart. Typical causes: a `command` with a typo or a program the image does not
    /// ship, a Dockerfile `COPY` to another `WORKDIR` than the path used, a build stage
    /// whose output is not copied to the final image, or a file expected from a volume
    /// that is not mounted there.
    ///
    /// ## Example
    /// ```text
    /// Last State:  Terminated
    ///   Reason:    StartError
    ///   Message:   ... exec: "wge": executable file not found in $PATH: unknown
    /// ```
    ///
    /// ## How to fix
    /// Fix `command`/`args` of the container (the program's name and path), or make the
    /// image contain it: `COPY` the file to the path used (mind `WORKDIR` and the final
    /// stage), install the program, or mount the file from a ConfigMap or volume.
    pub(crate) static RULE = {
        code: "KT-CRASH-004",
        name: "file-not-found",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::FileNotFound { path, command } = &found.cause else {
            continue;
        };
        let owner = super::owner_phrase(cluster, &crash);
        let c = crash.c.name;
        let who = crash.who();
        let image = super::image(&crash).unwrap_or("the image");
        let mount = path.as_deref().and_then(|p| crash.mount_of(p));
        let volume = mount
            .as_ref()
            .and_then(|(_, vol, _)| volume_source(&crash, vol));
        let (what, help) = match (command, path) {
            (Some(cmd), _) => (
                format!("command {cmd} is not in the image's PATH"),
                format!(
                    "fix `command` of {who}{owner}: `{cmd}` does not exist in {image} \
                     (a typo, or a program to install in the image)"
                ),
            ),
            (None, Some(p)) => match &mount {
                Some((_, vol, at)) => {
                    let source = volume
                        .as_ref()
                        .map(|(_, s)| format!(" ({s})"))
                        .unwrap_or_default();
                    let key = p
                        .strip_prefix(at.trim_end_matches('/'))
                        .map(|r| r.trim_start_matches('/'))
                        .unwrap_or(p);
                    (
                        format!("file {p} does not exist"),
                        format!(
                            "{p} is under volume {vol}{source} mounted at {at} in container \
                             {c}{owner}: make the volume's source hold {key} (the ConfigMap or \
                             Secret key, `items`, `subPath`), or fix the path in `command`/`args`"
                        ),
                    )
                }
                None => (
                    format!("file {p} does not exist"),
                    format!(
                        "make {p} exist in {image} (a Dockerfile `COPY` to that path, mind \
                         `WORKDIR` and the final stage), mount it, or fix the path in \
                         `command`/`args` of {who}{owner}"
                    ),
                ),
            },
            (None, None) => (
                "a file it needs does not exist".to_string(),
                format!(
                    "make the file exist in {image} (Dockerfile `COPY`, `WORKDIR`) or fix the \
                     path in `command`/`args` of {who}{owner}"
                ),
            ),
        };
        let message = if command.is_some() {
            super::start_message(&crash, &found, &what)
        } else {
            super::exit_message(&crash, &found, &what, &[])
        };
        let cause = command.clone().or_else(|| path.clone()).unwrap_or_default();
        let mut f = super::found_finding(&RULE, &crash, &found, message, help, cause);
        if let Some(spec) = crash.spec() {
            if command.is_some() && spec.command.is_some() {
                f = f.evidence_opt(super::field_evidence(
                    crash.entry,
                    &crash.spec_field("command"),
                    "the command",
                ));
            }
        }
        if let Some((i, _)) = &volume {
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                &format!("spec.volumes[{i}].name"),
                "the volume",
            ));
        }
        if let Some((i, _, _)) = &mount {
            f = f.evidence_opt(super::mount_evidence(&crash, *i));
        }
        out.push(f);
    }
}

/// The pod volume of that name and its source: (index, `ConfigMap app-config`).
fn volume_source(crash: &super::Crash<'_>, name: &str) -> Option<(usize, String)> {
    let vols = crash.pod.spec.as_ref()?.volumes.as_ref()?;
    let i = vols.iter().position(|v| v.name == name)?;
    let v = &vols[i];
    let desc = if let Some(c) = &v.config_map {
        format!("ConfigMap {}", c.name)
    } else if let Some(s) = &v.secret {
        format!("Secret {}", s.secret_name.as_deref().unwrap_or(""))
    } else if let Some(p) = &v.persistent_volume_claim {
        format!("PersistentVolumeClaim {}", p.claim_name)
    } else if v.empty_dir.is_some() {
        "emptyDir".to_string()
    } else if let Some(h) = &v.host_path {
        format!("hostPath {}", h.path)
    } else {
        return None;
    };
    Some((i, desc))
}
