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

/// Like [`locate_findings`], with paths as a person opens them when several inputs were given:
/// under the input's path for folders (`case/pods.yaml`), the input itself for a single file,
/// and `archive.tar.gz:path` inside archives. With one input, paths stay relative to its root,
/// which the report's header names.
pub fn locate_for_reading(
    s: &Snapshot,
    findings: &[crate::rules::Finding],
) -> Vec<Vec<locate::Located>> {
    let mut located = locate_findings(s, findings);
    if s.ingested.inputs.len() > 1 {
        for l in located.iter_mut().flatten() {
            if let Some(input) = s.ingested.inputs.get(l.input.unwrap_or(0)) {
                l.path = reading_path(input, &l.path);
            }
        }
    }
    located
}

fn reading_path(input: &crate::ingest::InputSummary, path: &str) -> String {
    use crate::source::InputKind;
    let inner = if input.root.is_empty() {
        path.to_string()
    } else {
        format!("{}/{path}", input.root.trim_end_matches('/'))
    };
    match input.kind {
        InputKind::File | InputKind::CompressedFile => input.path.clone(),
        InputKind::Directory => format!("{}/{inner}", input.path.trim_end_matches('/')),
        _ => format!("{}:{inner}", input.path),
    }
}
