//! KT-OOM-001 oom-killed

use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Findings, Severity};

declare_rule! {
    /// ## What it does
    /// Finds containers whose last (or current) termination reason is `OOMKilled`: the kernel
    /// killed them because they used more memory than `resources.limits.memory`.
    ///
    /// ## Why is this bad?
    /// The container restarts, loses its in-flight work and, when it happens again, backs off
    /// into `CrashLoopBackOff`. Exit code `137` alone is not an OOM kill: it only means
    /// SIGKILL (liveness probe, eviction, `kill -9`); this rule needs the `OOMKilled` reason,
    /// and a 137 with reason `Error` is reported by KT-CRASH-001 instead.
    ///
    /// A container that was OOM-killed before but is running and ready now is reported as a
    /// `warning`: the fault is recovered, but the next load peak brings it back.
    ///
    /// ## Example
    /// ```text
    /// Last State:     Terminated
    ///   Reason:       OOMKilled
    ///   Exit Code:    137
    /// Limits:
    ///   memory:  128Mi
    /// ```
    ///
    /// ## How to fix
    /// Raise `resources.limits.memory` of the container above its peak usage, with headroom
    /// (the peak is in the metrics or the application's own logs), or lower the memory the
    /// application uses (smaller caches, fewer workers, bounded concurrent requests).
    pub(crate) static RULE = {
        code: "KT-OOM-001",
        name: "oom-killed",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for k in super::oom_kills(cluster) {
        let c = &k.c;
        let mut message = format!(
            "container {} was OOM-killed (exit code {}",
            c.name, k.exit_code
        );
        match &k.limit {
            Some(l) => message.push_str(&format!(", memory limit {l}")),
            None => message.push_str(", no memory limit set"),
        }
        message.push_str(&match c.restarts() {
            1 => ", 1 restart)".to_string(),
            n => format!(", {n} restarts)"),
        });
        if k.recovered {
            message.push_str(" and is running and ready again");
        } else if let Some(w) = c.waiting_reason() {
            message.push_str(&format!(" and is now in {w}"));
        }
        let help = match &k.limit {
            Some(l) => format!(
                "raise `resources.limits.memory` of container {} above {l}, with headroom \
                 over its peak usage, or reduce the memory the application uses",
                c.name
            ),
            None => format!(
                "the node ran out of memory for container {}: set `resources.requests.memory` \
                 and `resources.limits.memory` to its real usage so the scheduler can place it",
                c.name
            ),
        };
        out.push(k.finding(&RULE, message, help, None, Severity::Warning));
    }
}
