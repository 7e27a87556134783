//! KT-IMAGE-001 image-not-found

use super::common::{pull_failures, ImageRef, PullCause};
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds containers whose image cannot be pulled because the registry has no such image or
    /// tag, or the reference is not a valid image name.
    ///
    /// The container waits in `ErrImagePull`, `ImagePullBackOff` or `InvalidImageName`, and
    /// the pull error says `manifest unknown`, `not found`, `repository does not exist`, or
    /// `invalid reference format`.
    ///
    /// Docker Hub answers `pull access denied ..., repository does not exist or may require
    /// authorization` both for images that do not exist and for private ones. That answer is
    /// this rule only when nothing points elsewhere: an image that looks locally built is
    /// KT-IMAGE-002, a private registry without `imagePullSecrets` or an explicit `401`, `403`
    /// or `insufficient_scope` is KT-IMAGE-003.
    ///
    /// ## Why is this bad?
    /// The container never starts; the kubelet retries with a growing back-off and every pod
    /// of the workload stays unready.
    ///
    /// ## Example
    /// ```text
    /// State:          Waiting
    ///   Reason:       ErrImagePull
    /// Warning  Failed  12s  kubelet  Failed to pull image "nginx:doesnotexist": rpc error:
    ///   code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:doesnotexist":
    ///   failed to resolve reference "docker.io/library/nginx:doesnotexist":
    ///   docker.io/library/nginx:doesnotexist: not found
    /// ```
    ///
    /// ## How to fix
    /// Correct `image` of the container: the repository name and the tag must exist in the
    /// registry (`docker manifest inspect <image>` or the registry's UI shows them). Pin a tag
    /// that was pushed rather than one that was expected.
    pub(crate) static RULE = {
        code: "KT-IMAGE-001",
        name: "image-not-found",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for f in pull_failures(cluster) {
        if !matches!(f.cause, PullCause::NotFound | PullCause::InvalidName) {
            continue;
        }
        let r = ImageRef::parse(f.image);
        let registry = r.host.unwrap_or("docker.io");
        let (message, help) = if f.cause == PullCause::InvalidName {
            (
                format!(
                    "{} cannot start: image reference \"{}\" is not a valid image name ({}{})",
                    f.who(),
                    f.image,
                    f.reason,
                    f.detail_suffix()
                ),
                format!(
                    "correct `image` of {}: `[registry/]repository[:tag]` in lower case, \
                     without spaces or a scheme",
                    f.who()
                ),
            )
        } else {
            (
                format!(
                    "{} cannot start: image \"{}\" was not found in registry {registry} ({}{})",
                    f.who(),
                    f.image,
                    f.reason,
                    f.detail_suffix()
                ),
                format!(
                    "correct `image` of {}: the repository `{}` and tag `{}` must exist \
                     in {registry} (push it, or fix the name or tag)",
                    f.who(),
                    r.repo,
                    r.tag.unwrap_or("latest")
                ),
            )
        };
        out.push(f.finding(&RULE, message, help, f.image));
    }
}
