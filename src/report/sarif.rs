//! The SARIF 2.1.0 report (`--format sarif`), for code-scanning tools and SARIF viewers.
//! Deterministic byte for byte, like the JSON report.
//!
//! One run: the rule catalog as `tool.driver.rules`, one result per finding. Evidence paths are
//! relative URIs against the base id `SNAPSHOT` (the snapshot root, inside the archive for
//! archives), which has no absolute URI offline, only a description.

use super::locate::Located;
use crate::diagnose::Diagnosis;
use crate::rules::{registry, Finding, Severity};
use crate::Snapshot;
use serde::Serialize;
use std::collections::BTreeMap;

/// The schema the report follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base id that evidence URIs are relative to.
pub const BASE_ID: &str = "SNAPSHOT";

/// Key of the fingerprint that identifies a finding across runs.
pub const FINGERPRINT: &str = "ktriage/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<String, BaseLocation>,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Markdown,
    help: Markdown,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Markdown {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
struct BaseLocation {
    description: Text,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
    start_column: u64,
    snippet: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    object: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    finding_id: &'a str,
    explains: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<String>,
}

/// The SARIF level of a severity (`info` is a `note`).
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A snapshot path as a relative URI reference: each segment percent-encoded (UTF-8) except
/// unreserved characters and the sub-delimiters that are safe in a path. `None` for a path
/// that is not a plain relative path (absolute, `.` or `..` segments, empty segments,
/// backslashes), which has no place under the snapshot root.
pub fn relative_uri(path: &str) -> Option<String> {
    if path.is_empty() || path.contains('\\') {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if seg.is_empty() || seg == "." || seg == ".." {
            return None;
        }
        if i > 0 {
            out.push('/');
        }
        for &b in seg.as_bytes() {
            let keep = b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.'
                        | b'_'
                        | b'~'
                        | b'!'
                        | b'$'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b';'
                        | b'='
                        | b'@'
                );
            if keep {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

/// The base id of an input's paths: `SNAPSHOT`, or `SNAPSHOT1`, `SNAPSHOT2`... when several
/// inputs were given (numbered from 1 in the order given).
fn base_id(input: Option<usize>) -> String {
    match input {
        None => BASE_ID.to_string(),
        Some(i) => format!("{BASE_ID}{}", i + 1),
    }
}

/// The base ids with what each one is: the snapshot root, or the root of each input.
fn bases(s: &Snapshot) -> BTreeMap<String, BaseLocation> {
    let describe = |i: &crate::ingest::InputSummary| {
        if matches!(
            i.kind,
            crate::source::InputKind::File | crate::source::InputKind::CompressedFile
        ) {
            format!("the folder of {}", i.path)
        } else if i.root.is_empty() {
            i.path.clone()
        } else {
            format!("{} (folder {} inside it)", i.path, i.root)
        }
    };
    let inputs = &s.ingested.inputs;
    let text = |t: String| BaseLocation {
        description: Text { text: t },
    };
    if inputs.len() <= 1 {
        let t = match inputs.first() {
            Some(i) => format!(
                "The snapshot root: {}. Paths are relative to it (inside the archive for archives).",
                describe(i)
            ),
            None => "The snapshot root.".to_string(),
        };
        return BTreeMap::from([(BASE_ID.to_string(), text(t))]);
    }
    inputs
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let t = format!(
                "Input {} of the snapshot: {}. Paths are relative to it (inside the archive for archives).",
                n + 1,
                describe(i)
            );
            (base_id(Some(n)), text(t))
        })
        .collect()
}

/// The tags of a rule: `kubernetes` and its area (`crash`, `oom`...).
fn tags(code: &str) -> Vec<String> {
    let mut t = vec!["kubernetes".to_string()];
    if let Some(area) = code.split('-').nth(1) {
        t.push(area.to_ascii_lowercase());
    }
    t
}

fn rules() -> Vec<ReportingDescriptor> {
    registry()
        .iter()
        .map(|r| {
            let doc = r.doc_text();
            ReportingDescriptor {
                id: r.code,
                name: r.name,
                short_description: Text { text: r.summary() },
                full_description: Markdown {
                    text: doc.clone(),
                    markdown: doc.clone(),
                },
                help: Markdown {
                    text: doc.clone(),
                    markdown: doc,
                },
                default_configuration: Configuration {
                    level: level(r.severity),
                },
                properties: RuleProperties { tags: tags(r.code) },
            }
        })
        .collect()
}

/// The object a finding is about, as a logical location.
fn logical(f: &Finding) -> LogicalLocation {
    LogicalLocation {
        name: f.object.name.clone(),
        fully_qualified_name: f.object.to_string(),
        kind: "resource",
    }
}

/// The fingerprint of a finding: rule, object and container.
fn fingerprint(f: &Finding) -> String {
    format!(
        "{}:{}:{}",
        f.code,
        f.object,
        f.container.as_deref().unwrap_or("")
    )
}

/// Renders the SARIF report, pretty-printed, with a trailing newline.
pub fn render(s: &Snapshot, d: &Diagnosis) -> String {
    let located = super::locate_findings(s, &d.findings);
    // Every cited file, once, in path order.
    // One base per input when there are several, so that equal paths in two inputs differ.
    let several = s.ingested.inputs.len() > 1;
    let base_of = |l: &Located| base_id(several.then(|| l.input.unwrap_or(0)));
    // Every cited file, once, in base and path order.
    let artifacts: BTreeMap<(String, String), usize> = {
        let mut uris: Vec<(String, String)> = located
            .iter()
            .flatten()
            .filter_map(|l| Some((base_of(l), relative_uri(&l.path)?)))
            .collect();
        uris.sort();
        uris.dedup();
        uris.into_iter().enumerate().map(|(i, u)| (u, i)).collect()
    };
    let physical = |l: &Located| -> Option<PhysicalLocation> {
        let uri = relative_uri(&l.path)?;
        let base = base_of(l);
        let index = artifacts.get(&(base.clone(), uri.clone())).copied();
        Some(PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri,
                uri_base_id: base,
                index,
            },
            region: Region {
                start_line: l.line.max(1),
                start_column: l.column.max(1),
                snippet: Text {
                    text: l.text.clone(),
                },
            },
        })
    };
    let codes: BTreeMap<&str, usize> = registry()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .collect();
    let results = d
        .findings
        .iter()
        .zip(&located)
        .map(|(f, evidence)| {
            let mut places = evidence
                .iter()
                .filter_map(|l| physical(l).map(|p| (p, l.label.as_str())));
            let primary = match places.next() {
                Some((p, label)) => Location {
                    id: None,
                    physical_location: Some(p),
                    logical_locations: vec![logical(f)],
                    message: Some(Text {
                        text: label.to_string(),
                    }),
                },
                None => Location {
                    id: None,
                    physical_location: None,
                    logical_locations: vec![logical(f)],
                    message: None,
                },
            };
            let related_locations = places
                .enumerate()
                .map(|(i, (p, label))| Location {
                    id: Some(i + 1),
                    physical_location: Some(p),
                    logical_locations: Vec::new(),
                    message: Some(Text {
                        text: label.to_string(),
                    }),
                })
                .collect();
            let text = if f.help.is_empty() {
                f.message.clone()
            } else {
                format!("{}. Fix: {}", f.message.trim_end_matches('.'), f.help)
            };
            SarifResult {
                rule_id: f.code,
                rule_index: codes.get(f.code).copied(),
                level: level(f.severity),
                message: Text { text },
                locations: vec![primary],
                related_locations,
                partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(f))]),
                properties: ResultProperties {
                    object: f.object.to_string(),
                    container: f.container.as_deref(),
                    finding_id: &f.id,
                    explains: &f.explains,
                    related: f.related.iter().map(|r| r.to_string()).collect(),
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "ktriage",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: rules(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
            }],
            original_uri_base_ids: bases(s),
            column_kind: "unicodeCodePoints",
            artifacts: artifacts
                .into_keys()
                .map(|(base, uri)| Artifact {
                    location: ArtifactLocation {
                        uri,
                        uri_base_id: base,
                        index: None,
                    },
                })
                .collect(),
            results,
        }],
    };
    let mut out =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            relative_uri("cluster-resources/pods/default.json").as_deref(),
            Some("cluster-resources/pods/default.json")
        );
        assert_eq!(
            relative_uri("logs/my pod/a#b?c%d:e.log").as_deref(),
            Some("logs/my%20pod/a%23b%3Fc%25d%3Ae.log")
        );
        assert_eq!(relative_uri("é.yaml").as_deref(), Some("%C3%A9.yaml"));
        for bad in [
            "/etc/passwd",
            "../timestamp",
            "a/../b",
            "a//b",
            "./a",
            "a\\b",
            "",
        ] {
            assert_eq!(relative_uri(bad), None, "{bad}");
        }
    }

    #[test]
    fn info_is_a_note() {
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Error), "error");
    }
}
