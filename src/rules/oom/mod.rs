//! OOMKilled (exit code 137): containers killed for using more memory than their limit.

mod oom_killed;
mod repeated_oom_kill;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&oom_killed::RULE, &repeated_oom_kill::RULE];
