//! Reports: the only code that knows output formats (human text, the JSON contract, Markdown
//! for tickets), where evidence is located in the snapshot's files, and the rule docs.

pub mod annotate;
pub mod human;
pub mod json;
pub mod locate;
pub mod markdown;
pub mod redact;
pub mod rules;
pub mod sarif;

use crate::Snapshot;
use jiff::Timestamp;

/// Formats a time as RFC 3339 in UTC, whole seconds.
pub fn format_time(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

/// The path to show for the snapshot: the inputs as given, joined.
pub fn snapshot_path(s: &Snapshot) -> String {
    s.ingested
        .inputs
        .iter()
        .map(|i| i.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves the evidence of every finding (files with evidence are read again, one at a
/// time). Evidence whose file cannot be read again is left out.
pub fn locate_findings(
    s: &Snapshot,
    findings: &[crate::rules::Finding],
) -> Vec<Vec<locate::Located>> {
    locate::locate_all(s, findings)
}
