//! `docs/rules/` is generated from the rules' doc comments; this test fails when it is stale.
//! `UPDATE_DOCS=1 cargo test --test docs` rewrites it.

use ktriage::report::rules::{index, page};
use ktriage::rules::registry;
use std::path::Path;

#[test]
fn rule_docs_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut expected: Vec<(String, String)> = registry()
        .iter()
        .map(|r| (format!("{}.md", r.code), page(r)))
        .collect();
    expected.push(("README.md".into(), index()));
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "md") {
                std::fs::remove_file(p).unwrap();
            }
        }
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(t) if &t == text => {}
            _ => stale.push(name.clone()),
        }
    }
    let names: Vec<&String> = expected.iter().map(|(n, _)| n).collect();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.ends_with(".md") && !names.contains(&&n) {
                stale.push(format!("{n} (no such rule)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale: {stale:?}; run `UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn every_rule_has_the_fixed_sections() {
    for r in registry() {
        let doc = r.doc_text();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## How to fix",
        ] {
            assert!(doc.contains(section), "{} lacks `{section}`", r.code);
        }
        assert!(!r.summary().is_empty(), "{} has no summary", r.code);
        assert!(
            r.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{} name {:?} is not kebab-case",
            r.code,
            r.name
        );
    }
}
