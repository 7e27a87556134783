//! KT-IMAGE-004 registry-unreachable

use super::common::{clause, first_match, node_ref, pull_failures, ImageRef, PullCause, NETWORK};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::util::{contains_ci, shorten};
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds image pulls that fail because the node cannot reach the registry: TLS, DNS,
    /// timeout or connection errors.
    ///
    /// The pull error is one of: TLS errors (`x509: certificate signed by unknown authority`, a certificate for another
    /// name), DNS errors (`no such host`), timeouts (`i/o timeout`, `TLS handshake timeout`)
    /// and refused or reset connections.
    ///
    /// ## Why is this bad?
    /// No pod that needs an image from that registry can start on the node, whatever the image
    /// is: the fault is in the path from the node to the registry, not in the pod.
    ///
    /// ## Example
    /// ```text
    /// Failed to pull image "registry.internal/app:2": failed to do request: Head
    /// "https://registry.internal/v2/app/manifests/2": dial tcp: lookup registry.internal: no such host
    /// ```
    ///
    /// ## How to fix
    /// Check the registry host in `image` (a typo shows as `no such host`), the node's DNS and
    /// proxy settings, firewalls between the node and the registry, and for TLS errors install
    /// the registry's CA on the node's container runtime (or fix the registry's certificate).
    pub(crate) static RULE = {
        code: "KT-IMAGE-004",
        name: "registry-unreachable",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for f in pull_failures(cluster) {
        if f.cause != PullCause::Unreachable {
            continue;
        }
        let who = f.who();
        let r = ImageRef::parse(f.image);
        let registry = r.host.unwrap_or("docker.io");
        let detail = f.detail.as_deref().unwrap_or("");
        let phrase = first_match(detail, NETWORK).unwrap_or("");
        let what = clause(detail, phrase);
        let kind = if contains_ci(phrase, "x509")
            || contains_ci(phrase, "certificate")
            || contains_ci(phrase, "tls: ")
        {
            "a TLS error"
        } else if contains_ci(phrase, "no such host")
            || contains_ci(phrase, "name resolution")
            || contains_ci(phrase, "server misbehaving")
        {
            "a DNS error"
        } else if contains_ci(phrase, "timeout")
            || contains_ci(phrase, "deadline")
            || contains_ci(phrase, "tls handshake")
        {
            "a timeout"
        } else {
            "a connection error"
        };
        let message = format!(
            "{who} cannot pull image \"{}\": registry {registry} is unreachable from \
             the node, {kind}: {} ({})",
            f.image,
            shorten(what, 200),
            f.reason
        );
        let help = match kind {
            "a TLS error" => format!(
                "make the node trust {registry}: install the registry's CA in the node's container \
                 runtime, or fix the registry's certificate; check the host in `image` of {who}"
            ),
            "a DNS error" => format!(
                "check the registry host `{registry}` in `image` of {who} for a typo, \
                 and the node's DNS resolution of it"
            ),
            _ => format!(
                "check the network path from the node to {registry} (firewall, proxy, registry \
                 up), or point `image` of {who} at a reachable registry or mirror"
            ),
        };
        let mut finding = f.finding(&RULE, message, help, registry);
        if let Some(n) = node_ref(&f) {
            finding = finding.related(n);
        }
        out.push(finding);
    }
}
