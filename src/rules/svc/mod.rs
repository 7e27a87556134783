//! Services: selectors that match no pod, target ports no container declares, and Services
//! with no (or too few) ready endpoints.

pub(crate) mod common;
mod service_endpoints_not_ready;
mod service_no_endpoints;
mod service_selector_mismatch;
mod service_target_port_mismatch;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[
    &service_no_endpoints::RULE,
    &service_selector_mismatch::RULE,
    &service_target_port_mismatch::RULE,
    &service_endpoints_not_ready::RULE,
];
