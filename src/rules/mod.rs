//! The diagnosis rules: one file per rule, grouped by area, each reading the cluster model and
//! pushing [`Finding`]s. Rules never touch files or know output formats.
//!
//! A rule file reads top-down as a document: a doc comment with the fixed sections
//! (`## What it does`, `## Why is this bad?`, `## Example`, `## How to fix`), the declaration
//! (code, name, default severity) made with [`declare_rule!`], then one check function. The doc
//! comment is the single source of `ktriage explain` and `docs/rules/<code>.md`.

mod finding;
pub mod util;

pub mod crash;
pub mod create;
pub mod dns;
pub mod image;
pub mod node;
pub mod oom;
pub mod pod;
pub mod ready;
pub mod sched;
pub mod svc;
pub mod workload;

pub use finding::{At, Evidence, Finding, Findings};

use crate::model::Cluster;
use std::sync::OnceLock;

/// How bad a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing: history, or something that may matter.
    Info,
    /// Will break, or degrades service.
    Warning,
    /// Broken now.
    Error,
}

impl Severity {
    /// The lower-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule: its identity, its documentation and its check.
pub struct Rule {
    /// Stable code, `KT-<AREA>-NNN`.
    pub code: &'static str,
    /// Kebab-case name of the condition seen.
    pub name: &'static str,
    /// Severity of its findings unless the rule says otherwise for one finding.
    pub severity: Severity,
    /// The rule's documentation (Markdown, from its doc comment).
    pub docs: &'static str,
    /// Reads the model and pushes findings.
    pub check: fn(&Cluster, &mut Findings),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

impl Rule {
    /// The documentation with the one leading space of each doc-comment line removed.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }

    /// The first paragraph of `## What it does`, on one line.
    pub fn summary(&self) -> String {
        let doc = self.doc_text();
        let body = doc
            .split("## What it does")
            .nth(1)
            .unwrap_or(&doc)
            .trim_start();
        body.split("\n\n")
            .next()
            .unwrap_or("")
            .lines()
            .take_while(|l| !l.starts_with("## "))
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string()
    }

    /// Relative link to the rule's page in `docs/rules/`.
    pub fn docs_path(&self) -> String {
        format!("docs/rules/{}.md", self.code)
    }
}

/// Declares a rule from its doc comment and fields:
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub(crate) static RULE = {
///         code: "KT-CRASH-002",
///         name: "missing-env-var",
///         severity: Error,
///         check: check,
///     };
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $id:ident = {
            code: $code:literal,
            name: $name:literal,
            severity: $sev:ident,
            check: $check:path $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        $vis static $id: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            severity: $crate::rules::Severity::$sev,
            docs: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}

/// Every rule, in code order.
pub fn registry() -> &'static [&'static Rule] {
    static ALL: OnceLock<Vec<&'static Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Rule> = [
            sched::RULES,
            create::RULES,
            image::RULES,
            crash::RULES,
            oom::RULES,
            ready::RULES,
            svc::RULES,
            dns::RULES,
            node::RULES,
            pod::RULES,
            workload::RULES,
        ]
        .concat();
        v.sort_by(|a, b| code_order(a.code).cmp(&code_order(b.code)));
        v
    })
}

/// Sort key that keeps the catalog's area order (scheduling first, as in the flowchart).
fn code_order(code: &str) -> (usize, &str) {
    const AREAS: [&str; 11] = [
        "SCHED", "CREATE", "IMAGE", "CRASH", "OOM", "READY", "SVC", "DNS", "NODE", "POD",
        "WORKLOAD",
    ];
    let area = code.split('-').nth(1).unwrap_or("");
    (
        AREAS.iter().position(|a| *a == area).unwrap_or(AREAS.len()),
        code,
    )
}

/// Finds a rule by code (case-insensitive) or name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}
