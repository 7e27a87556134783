//! Rules of the `dns` area.

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[];
