//! The JSON report (`--format json`): a stable contract, deterministic byte for byte.

use crate::ingest::{InputSummary, LedgerEntry};
use crate::model::Inventory;
use crate::Snapshot;
use serde::Serialize;

/// Version of the JSON report's shape; goes up when a contract field changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct SnapshotInfo<'a> {
    path: String,
    layout: &'static str,
    captured_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    captured_at_source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kubernetes_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collector: Option<&'a str>,
    inputs: &'a [InputSummary],
}

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    snapshot: SnapshotInfo<'a>,
    ledger: &'a [LedgerEntry],
    inventory: Inventory,
    findings: Vec<serde_json::Value>,
}

/// Renders the JSON report, pretty-printed, with a trailing newline.
pub fn render(s: &Snapshot) -> String {
    let c = &s.cluster;
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "ktriage",
            version: env!("CARGO_PKG_VERSION"),
        },
        snapshot: SnapshotInfo {
            path: super::snapshot_path(s),
            layout: s.layout().as_str(),
            captured_at: c.captured_at.map(super::format_time),
            captured_at_source: c.captured_at_source.as_deref(),
            kubernetes_version: c.kubernetes_version.as_deref(),
            collector: c.collector.as_deref(),
            inputs: &s.ingested.inputs,
        },
        ledger: &s.ingested.ledger,
        inventory: c.inventory(),
        findings: Vec::new(),
    };
    let mut out =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
