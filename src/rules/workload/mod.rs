//! Rules of the `workload` area.

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[];
