//! Helpers shared by the integration tests.

// Each test crate uses only some of them.
#![allow(dead_code)]

pub mod bad;

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

/// Every rule fixture case under `testdata/rules/<CODE>/<case>/`: (code, case name, folder), in
/// name order.
pub fn rule_cases() -> Vec<(String, String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let mut out = Vec::new();
    let Ok(codes) = std::fs::read_dir(root) else {
        return out;
    };
    for code in codes.flatten().filter(|e| e.path().is_dir()) {
        let code_name = code.file_name().to_string_lossy().into_owned();
        for case in std::fs::read_dir(code.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if case.path().is_dir() {
                out.push((
                    code_name.clone(),
                    case.file_name().to_string_lossy().into_owned(),
                    case.path(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The inputs of a rule case folder: every entry but `expect.yaml`, in name order.
pub fn case_inputs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != "expect.yaml"))
        .collect();
    v.sort();
    v
}

/// The demo bundle and every rule fixture case, each as the inputs of one run.
pub fn demo_and_fixtures() -> Vec<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![vec![root.join("testdata/demo/fastapi-k8s-bundle.tar.gz")]];
    out.extend(rule_cases().iter().map(|(_, _, dir)| case_inputs(dir)));
    out
}

/// The folders of `../shared/realworld/`, one per project the real snapshots come from.
pub const REALWORLD_PROJECTS: [&str; 6] = [
    "troubleshoot",
    "support-bundle-kit",
    "must-gather-clean",
    "must-gather-explorer",
    "omc",
    "holmesgpt",
];

/// Every entry of these folders of `../shared/realworld/` (the absent ones skipped), each as
/// the input of one run, in name order.
pub fn realworld_snapshots(folders: &[&str]) -> Vec<Vec<PathBuf>> {
    let mut out = Vec::new();
    for rel in folders {
        if let Some(p) = realworld(rel) {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect();
            entries.sort();
            out.extend(entries.into_iter().map(|e| vec![e]));
        }
    }
    out
}
