//! OOMKilled (exit code 137): containers killed for using more memory than their limit.

mod oom_killed;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&oom_killed::RULE];
