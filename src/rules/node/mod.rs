//! Nodes: not ready, or under memory, disk or PID pressure.

pub(crate) mod common;
mod node_not_ready;
mod node_pressure;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&node_not_ready::RULE, &node_pressure::RULE];
