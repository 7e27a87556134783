//! Pod lifecycle: evicted, stuck terminating, lost with their node, or ended although their
//! workload runs them forever.

pub(crate) mod common;
mod long_running_pod_exited;
mod pod_evicted;
mod pod_unknown;
mod stuck_terminating;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[
    &pod_evicted::RULE,
    &stuck_terminating::RULE,
    &pod_unknown::RULE,
    &long_running_pod_exited::RULE,
];
