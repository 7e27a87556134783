//! Cluster DNS: CoreDNS pods down, the kube-dns Service without endpoints, CoreDNS loops.

mod cluster_dns_unhealthy;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[&cluster_dns_unhealthy::RULE];
