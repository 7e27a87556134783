//! Pending: the scheduler cannot place the pod on any node (resources, taints, selectors,
//! cordoned or missing nodes, unbound claims).

mod common;
mod insufficient_resources;
mod no_nodes_available;
mod node_selector_mismatch;
mod node_unschedulable;
mod unbound_pvc;
mod untolerated_taint;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[
    &insufficient_resources::RULE,
    &no_nodes_available::RULE,
    &untolerated_taint::RULE,
    &node_selector_mismatch::RULE,
    &node_unschedulable::RULE,
    &unbound_pvc::RULE,
];
