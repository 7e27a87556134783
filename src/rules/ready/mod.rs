//! Running but not ready: containers whose readiness probe fails.

mod readiness_failing;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&readiness_failing::RULE];
