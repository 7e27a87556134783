//! KT-OOM-002 repeated-oom-kill

use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Findings, Severity};

/// Restarts from which OOM kills count as repeated.
const REPEATED: i32 = 3;

declare_rule! {
    /// ## What it does
    /// Finds containers OOM-killed again and again: the last termination reason is
    /// `OOMKilled` and the restart count is 3 or more.
    ///
    /// ## Why is this bad?
    /// One OOM kill can be a load peak; several in a row mean the memory limit is far below
    /// what the container needs, or the application leaks memory until it hits any limit.
    /// Raising the limit a little only spaces the kills out. It is explained by the
    /// KT-OOM-001 finding of the same container, and tells which of the two fixes to
    /// weigh.
    ///
    /// A container that is running and ready again is reported as `info`.
    ///
    /// ## Example
    /// ```text
    /// Last State:     Terminated
    ///   Reason:       OOMKilled
    ///   Exit Code:    137
    /// Restart Count:  7
    /// Limits:
    ///   memory:  128Mi
    /// ```
    ///
    /// ## How to fix
    /// Compare the container's memory over time (metrics, or the application's own
    /// numbers): a steady climb to the limit is a leak to fix in the application; a quick
    /// rise under load means `resources.limits.memory` must be raised well above the peak
    /// (or the work per pod bounded).
    pub(crate) static RULE = {
        code: "KT-OOM-002",
        name: "repeated-oom-kill",
        severity: Warning,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for k in super::oom_kills(cluster) {
        let c = &k.c;
        let restarts = c.restarts();
        if restarts < REPEATED {
            continue;
        }
        let mut message = format!(
            "container {} was OOM-killed repeatedly: {restarts} restarts with the last \
             termination OOMKilled",
            c.name
        );
        if let Some(l) = &k.limit {
            message.push_str(&format!(" under a memory limit of {l}"));
        }
        if k.recovered {
            message.push_str("; it is running and ready again");
        } else if let Some(w) = c.waiting_reason() {
            message.push_str(&format!("; now in {w}"));
        }
        let help = match &k.limit {
            Some(l) => format!(
                "repeated kills point to a leak or a limit far too low: if memory climbs \
                 steadily, fix the leak in the application; if it peaks under load, raise \
                 `resources.limits.memory` of container {} well above {l}",
                c.name
            ),
            None => format!(
                "repeated kills point to a leak or a node short of memory: fix the leak, or \
                 set `resources.requests.memory` and `resources.limits.memory` of container \
                 {} to its real peak",
                c.name
            ),
        };
        let restart_count = Evidence::field(
            k.entry,
            &format!("{}.restartCount", c.status_path),
            format!("{restarts} restarts"),
        );
        out.push(k.finding(&RULE, message, help, Some(restart_count), Severity::Info));
    }
}
