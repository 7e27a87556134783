//! KT-IMAGE-002 local-image-pull-policy

use super::common::{pull_failures, PullCause};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::{Evidence, Findings};

declare_rule! {
    /// ## What it does
    /// Finds locally built images (no registry host) that `imagePullPolicy` makes the kubelet
    /// pull from Docker Hub, and images that policy `Never` needs but the node does not have.
    ///
    /// The pull fails while `imagePullPolicy` is `Always`, or unset with a `:latest` or missing
    /// tag (which means `Always`), so the pull goes to Docker Hub, which has no such image.
    /// Or the container waits in `ErrImageNeverPull`: the policy is `Never` and the image is
    /// not in the node's container runtime.
    ///
    /// An image counts as locally built when the node lists it in `status.images`, or when its
    /// tag is `latest` or absent and the policy is `Always` or unset. This is how the rule
    /// breaks Docker Hub's ambiguous `pull access denied ..., repository does not exist or may
    /// require authorization` answer in favour of a local image.
    ///
    /// ## Why is this bad?
    /// An image built with `docker build` on a laptop exists only in that runtime. Docker Hub
    /// has no such repository, so the pull fails and the container never starts, even though
    /// the image is sitting on the node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: fastapi-k8s
    ///     image: fastapi-k8s:latest        # built locally, no registry
    ///     # imagePullPolicy unset: `Always` for :latest
    /// ```
    /// ```text
    /// Failed to pull image "fastapi-k8s:latest": ... pull access denied, repository does not
    /// exist or may require authorization: server message: insufficient_scope
    /// ```
    ///
    /// ## How to fix
    /// Set `imagePullPolicy: Never` (or `IfNotPresent`) and build the image into the node's
    /// runtime (`make docker-build`; `minikube image load` or `kind load docker-image` for
    /// those clusters), or push it to a registry and use the full name
    /// (`registry.example.com/team/fastapi-k8s:1.0`).
    pub(crate) static RULE = {
        code: "KT-IMAGE-002",
        name: "local-image-pull-policy",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for f in pull_failures(cluster) {
        if !matches!(f.cause, PullCause::LocalImage | PullCause::NeverPull) {
            continue;
        }
        let who = f.who();
        let policy = f.view.spec.and_then(|s| s.image_pull_policy.as_deref());
        let on_node = match (&f.node_image, f.node.as_deref()) {
            (Some(_), Some(n)) => format!(", and node {n} has it"),
            _ => String::new(),
        };
        let image = if f.image.is_empty() {
            "its image".to_string()
        } else {
            format!("image \"{}\"", f.image)
        };
        let (message, help) = if f.cause == PullCause::NeverPull {
            (
                format!(
                    "{who} cannot start: {image} is not in the node's container \
                     runtime and `imagePullPolicy` is Never ({}{})",
                    f.reason,
                    f.detail_suffix()
                ),
                format!(
                    "build the image into the node's runtime (`make docker-build`; `minikube image \
                     load` or `kind load docker-image` for those clusters) and keep \
                     `imagePullPolicy: Never` on {who}, or push it to a registry, use \
                     the full name in `image` and set `imagePullPolicy` to IfNotPresent"
                ),
            )
        } else {
            let policy_text = match policy {
                Some(p) => format!("`imagePullPolicy` is {p}"),
                None => "`imagePullPolicy` is unset (Always for :latest)".to_string(),
            };
            (
                format!(
                    "{who} cannot start: image \"{}\" has no registry host and looks \
                     locally built{on_node}, but {policy_text}, so the kubelet pulls it from \
                     Docker Hub ({}{})",
                    f.image,
                    f.reason,
                    f.detail_suffix()
                ),
                format!(
                    "set `imagePullPolicy: Never` (or IfNotPresent) on {who} and build \
                     the image into the node's runtime (`make docker-build`), or push it to a \
                     registry and use the full name in `image`"
                ),
            )
        };
        let mut finding = f.finding(&RULE, message, help, f.image);
        if policy.is_some() {
            finding = finding.evidence(Evidence::field(
                f.entry,
                &format!("{}.imagePullPolicy", f.view.spec_path),
                "the pull policy",
            ));
        }
        finding = finding.evidence_opt(f.node_image.clone());
        out.push(finding);
    }
}
