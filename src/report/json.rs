//! The JSON report (`--format json`): a stable contract, deterministic byte for byte.

use super::locate::Located;
use crate::diagnose::{Diagnosis, Incident};
use crate::ingest::{InputSummary, LedgerEntry};
use crate::model::Inventory;
use crate::rules::Severity;
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
struct ObjectOut<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    name: &'a str,
}

#[derive(Serialize)]
struct FindingOut<'a> {
    id: &'a str,
    code: &'a str,
    name: &'a str,
    severity: Severity,
    object: ObjectOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    message: &'a str,
    help: &'a str,
    docs: String,
    evidence: Vec<Located>,
    explains: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<ObjectOut<'a>>,
}

#[derive(Serialize)]
struct Summary {
    error: usize,
    warning: usize,
    info: usize,
    incidents: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    snapshot: SnapshotInfo<'a>,
    ledger: &'a [LedgerEntry],
    inventory: Inventory,
    summary: Summary,
    findings: Vec<FindingOut<'a>>,
    incidents: &'a [Incident],
}

/// Renders the JSON report, pretty-printed, with a trailing newline.
pub fn render(s: &Snapshot, d: &Diagnosis) -> String {
    let c = &s.cluster;
    let located = super::locate_findings(s, &d.findings);
    let findings = d
        .findings
        .iter()
        .zip(located)
        .map(|(f, evidence)| FindingOut {
            id: &f.id,
            code: f.code,
            name: f.name,
            severity: f.severity,
            object: ObjectOut {
                kind: &f.object.kind,
                namespace: f.object.namespace.as_deref(),
                name: &f.object.name,
            },
            container: f.container.as_deref(),
            message: &f.message,
            help: &f.help,
            docs: format!("docs/rules/{}.md", f.code),
            evidence,
            explains: &f.explains,
            related: f
                .related
                .iter()
                .map(|r| ObjectOut {
                    kind: &r.kind,
                    namespace: r.namespace.as_deref(),
                    name: &r.name,
                })
                .collect(),
        })
        .collect();
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
        summary: Summary {
            error: d.count(Severity::Error),
            warning: d.count(Severity::Warning),
            info: d.count(Severity::Info),
            incidents: d.incidents.len(),
        },
        findings,
        incidents: &d.incidents,
    };
    let mut out =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
