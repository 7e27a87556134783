//! KT-IMAGE-003 registry-auth-failed

use super::common::{first_match, pull_failures, ImageRef, PullCause, AUTH};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Findings};

declare_rule! {
    /// ## What it does
    /// Finds image pulls that the registry refuses for lack of valid credentials.
    ///
    /// The pull error says `401
    /// Unauthorized`, `403 Forbidden`, `authentication required`, `insufficient_scope`, `no
    /// basic auth credentials`, or Docker Hub's `pull access denied` for an image on a private
    /// registry when the pod has no `imagePullSecrets`.
    ///
    /// ## Why is this bad?
    /// The container never starts. Private registries need credentials that the kubelet only
    /// has when the pod (or its service account) names an `imagePullSecrets` entry holding
    /// them.
    ///
    /// ## Example
    /// ```text
    /// Image:  registry.example.com/team/app:1
    /// Warning  Failed  kubelet  Failed to pull image "registry.example.com/team/app:1": ...
    ///   failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized
    /// ```
    ///
    /// ## How to fix
    /// Create a registry secret (`kubectl create secret docker-registry regcred
    /// --docker-server=... --docker-username=... --docker-password=...`) in the pod's namespace
    /// and reference it in `spec.imagePullSecrets` (or in the service account's
    /// `imagePullSecrets`). When a secret is already referenced, check that it is for this
    /// registry host and that its credentials can read the repository.
    pub(crate) static RULE = {
        code: "KT-IMAGE-003",
        name: "registry-auth-failed",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for f in pull_failures(cluster) {
        if f.cause != PullCause::Auth {
            continue;
        }
        let who = f.who();
        let r = ImageRef::parse(f.image);
        let registry = r.host.unwrap_or("docker.io");
        let why = match f.detail.as_deref().and_then(|d| first_match(d, AUTH)) {
            Some(p) => format!("the registry answered `{p}`"),
            None => "the registry denied access".to_string(),
        };
        let secrets = if f.pull_secrets {
            "the pod's `imagePullSecrets` do not grant access"
        } else {
            "the pod has no `imagePullSecrets`"
        };
        let message = format!(
            "{who} cannot pull image \"{}\" from {registry}: {why} and {secrets} ({}{})",
            f.image,
            f.reason,
            f.detail_suffix()
        );
        let help = if f.pull_secrets {
            format!(
                "check the secret in `spec.imagePullSecrets`: it must be a `kubernetes.io/dockerconfigjson` \
                 secret for {registry} whose credentials can read `{}`",
                r.repo
            )
        } else {
            format!(
                "create a docker-registry secret for {registry} (`kubectl create secret \
                 docker-registry regcred --docker-server={registry} ...`) and reference it in \
                 `spec.imagePullSecrets` (or the service account's `imagePullSecrets`)"
            )
        };
        let mut finding = f.finding(&RULE, message, help, registry);
        let pod_secrets = crate::rules::util::typed::<k8s_openapi::api::core::v1::Pod>(f.entry)
            .and_then(|p| p.spec.as_ref())
            .and_then(|s| s.image_pull_secrets.as_ref())
            .is_some_and(|v| !v.is_empty());
        if pod_secrets {
            finding = finding.evidence(Evidence::field(
                f.entry,
                "spec.imagePullSecrets[0].name",
                "the pull secret",
            ));
        }
        out.push(finding);
    }
}
