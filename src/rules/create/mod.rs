//! ContainerCreating / CreateContainerConfigError: the pod is scheduled but no container
//! starts (an image pull that never ends, volumes, missing configuration, the sandbox, the
//! security context).

pub(crate) mod common;
mod config_ref_missing;
mod image_pull_stuck;
mod run_as_non_root_violation;
mod sandbox_create_failed;
mod volume_mount_failed;

use super::Rule;

/// The rules of this area.
pub(crate) static RULES: &[&Rule] = &[
    &image_pull_stuck::RULE,
    &volume_mount_failed::RULE,
    &config_ref_missing::RULE,
    &sandbox_create_failed::RULE,
    &run_as_non_root_violation::RULE,
];
