//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// A path under `../shared/realworld/`, or `None` (with a printed note) when it is absent, so
/// that tests skip instead of failing where the shared corpus is not beside the repository.
pub fn realworld(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/realworld")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("note: {} is absent; skipping", p.display());
        None
    }
}
