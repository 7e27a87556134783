//! ImagePullBackOff / ErrImagePull / ErrImageNeverPull: the image of a container cannot be
//! pulled. Each failing container is given exactly one cause, so exactly one of these rules
//! reports it.

pub(crate) mod common;
mod image_not_found;
mod image_pull_failed;
mod local_image_pull_policy;
mod registry_auth_failed;
mod registry_unreachable;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[
    &image_not_found::RULE,
    &local_image_pull_policy::RULE,
    &registry_auth_failed::RULE,
    &registry_unreachable::RULE,
    &image_pull_failed::RULE,
];
