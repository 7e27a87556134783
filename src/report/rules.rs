//! The rule catalog for people: `ktriage rules`, `ktriage explain` and the generated pages
//! under `docs/rules/`.

use crate::rules::{registry, Rule};
use std::fmt::Write;

/// `ktriage rules`: one line per rule.
pub fn list_text() -> String {
    let mut o = String::new();
    for r in registry() {
        let _ = writeln!(
            o,
            "{:<13} {:<28} {:<8} {}",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary()
        );
    }
    o
}

/// `ktriage rules --format json`.
pub fn list_json() -> String {
    let rules: Vec<serde_json::Value> = registry()
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code,
                "name": r.name,
                "severity": r.severity.as_str(),
                "summary": r.summary(),
                "docs": r.docs_path(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rules).unwrap_or_default();
    s.push('\n');
    s
}

/// `ktriage explain <CODE>`: the rule's page.
pub fn explain(rule: &Rule) -> String {
    page(rule)
}

/// The Markdown page of a rule (`docs/rules/<CODE>.md`).
pub fn page(rule: &Rule) -> String {
    format!(
        "# {} {}\n\nDefault severity: `{}`. Run only this rule with `ktriage analyze --select {}`, \
         skip it with `--ignore {}`.\n\n{}",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.code,
        rule.code,
        rule.doc_text()
    )
}

/// `docs/rules/README.md`: the index of all rules.
pub fn index() -> String {
    let mut o = String::from(
        "# Rules\n\nGenerated from the rules' documentation (`cargo test --test docs` checks it; \
         `UPDATE_DOCS=1 cargo test --test docs` rewrites it). Codes are stable and never \
         reused.\n\n| code | name | severity | what it finds |\n|---|---|---|---|\n",
    );
    for r in registry() {
        let _ = writeln!(
            o,
            "| [{}]({}.md) | {} | {} | {} |",
            r.code,
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary().replace('|', "\\|")
        );
    }
    o
}
