//! KT-OOM-001 oom-killed

use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::util::{self, format_bytes, parse_quantity};
use crate::rules::{Evidence, Finding, Findings, Severity};

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
    for (entry, pod) in util::pods(cluster) {
        for c in util::containers(pod) {
            let Some((term, term_path)) = c.last_termination() else {
                continue;
            };
            if term.reason.as_deref() != Some("OOMKilled") {
                continue;
            }
            let limit = c
                .spec
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get("memory"));
            let limit_text =
                limit.map(|q| parse_quantity(&q.0).map_or_else(|| q.0.clone(), format_bytes));
            let recovered = c.running() && c.ready();
            let restarts = c.restarts();
            let mut message = format!(
                "container {} was OOM-killed (exit code {}",
                c.name, term.exit_code
            );
            match &limit_text {
                Some(l) => message.push_str(&format!(", memory limit {l}")),
                None => message.push_str(", no memory limit set"),
            }
            message.push_str(&match restarts {
                1 => ", 1 restart)".to_string(),
                n => format!(", {n} restarts)"),
            });
            if recovered {
                message.push_str(" and is running and ready again");
            } else if let Some(w) = c.waiting_reason() {
                message.push_str(&format!(" and is now in {w}"));
            }
            let help = match &limit_text {
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
            let mut f = Finding::new(&RULE, entry.object_ref())
                .container(c.name)
                .message(message)
                .help(help)
                .cause(limit_text.clone().unwrap_or_default())
                .evidence(Evidence::field(
                    entry,
                    &format!("{term_path}.reason"),
                    "terminated with reason OOMKilled",
                ));
            if limit.is_some() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{}.resources.limits.memory", c.spec_path),
                    "the memory limit",
                ));
            }
            if recovered {
                f = f.severity(Severity::Warning);
            }
            out.push(f);
        }
    }
}
