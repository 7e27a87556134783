//! KT-IMAGE-005 image-pull-failed

use super::common::{clause, first_match, pull_failures, ImageRef, PullCause};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds image pulls that fail for a reason the snapshot does not give, or one the other
    /// image rules do not cover.
    ///
    /// The container waits in `ErrImagePull` or `ImagePullBackOff` and the snapshot does
    /// not say why the pull fails (no error message in the status, no `Failed` event), or says
    /// something the other image rules do not cover (a registry rate limit, a runtime error).
    ///
    /// ## Why is this bad?
    /// The container never starts until the pull succeeds.
    ///
    /// ## Example
    /// ```text
    /// NAME                          READY   STATUS             RESTARTS   AGE
    /// api-7c67c65579-hr4wn          0/1     ImagePullBackOff   0          6d
    /// ```
    ///
    /// ## How to fix
    /// Read the pull error: `kubectl describe pod <pod>` shows the `Failed to pull image`
    /// event. Then correct `image`, add `imagePullSecrets`, or fix the node's access to the
    /// registry, as the error says.
    pub(crate) static RULE = {
        code: "KT-IMAGE-005",
        name: "image-pull-failed",
        severity: Error,
        check: check,
    };
}

/// Causes worth quoting from the middle of a long error.
const KNOWN: &[&str] = &[
    "429 Too Many Requests",
    "toomanyrequests",
    "no space left on device",
    "context canceled",
    "failed to extract layer",
    "unexpected EOF",
];

fn check(cluster: &Cluster, out: &mut Findings) {
    for f in pull_failures(cluster) {
        if f.cause != PullCause::Unknown {
            continue;
        }
        let image = if f.image.is_empty() {
            "its image".to_string()
        } else {
            format!("image \"{}\"", f.image)
        };
        let message = match &f.detail {
            Some(d) => match first_match(d, KNOWN) {
                Some(p) => format!(
                    "{} cannot pull {image} ({}: {})",
                    f.who(),
                    f.reason,
                    crate::rules::util::shorten(clause(d, p), 200)
                ),
                None => format!(
                    "{} cannot pull {image} ({}{})",
                    f.who(),
                    f.reason,
                    f.detail_suffix()
                ),
            },
            None => format!(
                "{} cannot pull {image} ({}); the snapshot holds no pull error that says why",
                f.who(),
                f.reason
            ),
        };
        let registry = ImageRef::parse(f.image).host.unwrap_or("docker.io");
        let help = if f.detail.is_some() {
            format!(
                "act on the pull error: correct `image`, add `spec.imagePullSecrets`, or fix \
                 the node's access to {registry}"
            )
        } else {
            "read the `Failed to pull image` event (`kubectl describe pod`), then correct `image`, \
             add `spec.imagePullSecrets`, or fix the node's access to the registry"
                .to_string()
        };
        out.push(f.finding(&RULE, message, help, f.image));
    }
}
