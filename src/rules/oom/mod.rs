//! OOMKilled (exit code 137): containers killed for using more memory than their limit.

mod oom_killed;
mod repeated_oom_kill;

use super::util::{self, format_bytes, parse_quantity, ContainerView};
use super::{Evidence, Finding, Rule, Severity};
use crate::model::{Cluster, Entry};

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&oom_killed::RULE, &repeated_oom_kill::RULE];

/// A container whose last termination is `OOMKilled`.
pub(crate) struct OomKill<'a> {
    /// The pod's entry.
    pub entry: &'a Entry,
    /// The container.
    pub c: ContainerView<'a>,
    /// Exit code of the termination.
    pub exit_code: i32,
    /// Path of the termination: `status.containerStatuses[0].lastState.terminated`.
    pub term_path: String,
    /// Its memory limit (`128 MiB`), when it has one.
    pub limit: Option<String>,
    /// Running and ready again.
    pub recovered: bool,
}

/// Every container whose last termination is `OOMKilled`, in snapshot order.
pub(crate) fn oom_kills(cluster: &Cluster) -> Vec<OomKill<'_>> {
    let mut out = Vec::new();
    // A container terminated shows on its pod.
    for (entry, pod) in cluster.pods_of_note() {
        for c in util::containers(pod) {
            let Some((term, term_path)) = c.last_termination() else {
                continue;
            };
            if term.reason.as_deref() != Some("OOMKilled") {
                continue;
            }
            let exit_code = term.exit_code;
            let limit = c
                .spec
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get("memory"))
                .map(|q| parse_quantity(&q.0).map_or_else(|| q.0.clone(), format_bytes));
            let recovered = c.running() && c.ready();
            out.push(OomKill {
                entry,
                c,
                exit_code,
                term_path,
                limit,
                recovered,
            });
        }
    }
    out
}

impl OomKill<'_> {
    /// A finding of `rule` on the container: the termination reason, then `extra`, then the
    /// memory limit as evidence; `severity` when it is running and ready again.
    pub fn finding(
        &self,
        rule: &'static Rule,
        message: String,
        help: String,
        extra: Option<Evidence>,
        recovered: Severity,
    ) -> Finding {
        let entry = self.entry;
        let mut f = Finding::new(rule, entry.object_ref())
            .container(self.c.name)
            .message(message)
            .help(help)
            .cause(self.limit.clone().unwrap_or_default())
            .evidence(Evidence::field(
                entry,
                &format!("{}.reason", self.term_path),
                "terminated with reason OOMKilled",
            ))
            .evidence_opt(extra);
        if self.limit.is_some() {
            f = f.evidence(Evidence::field(
                entry,
                &format!("{}.resources.limits.memory", self.c.spec_path),
                "the memory limit",
            ));
        }
        if self.recovered {
            f = f.severity(recovered);
        }
        f
    }
}
