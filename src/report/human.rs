//! The human report: layout, time, counts, every file that could not be read fully, then
//! the incidents with their evidence (plain text; the annotated rendering builds on it).

use super::annotate::Style;
use crate::diagnose::Diagnosis;
use crate::ingest::Status;
use crate::rules::Severity;
use crate::Snapshot;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders the summary as plain text.
pub fn render(s: &Snapshot, d: &Diagnosis) -> String {
    render_styled(s, d, Style::default())
}

/// Renders the report with colour, unicode and width as asked.
pub fn render_styled(s: &Snapshot, d: &Diagnosis, style: Style) -> String {
    let c = &s.cluster;
    let inv = c.inventory();
    let mut o = String::new();
    let _ = writeln!(
        o,
        "ktriage {}: {}",
        env!("CARGO_PKG_VERSION"),
        super::snapshot_path(s)
    );
    let mut layout = s.layout().as_str().to_string();
    if let Some(col) = &c.collector {
        layout.push_str(&format!(" ({col})"));
    }
    let _ = writeln!(o, "  layout       {layout}");
    for i in &s.ingested.inputs {
        if !i.root.is_empty() {
            let _ = writeln!(o, "  root         {}/ in {}", i.root, i.path);
        }
    }
    match (c.captured_at, &c.captured_at_source) {
        (Some(t), Some(src)) => {
            let _ = writeln!(
                o,
                "  captured at  {} (from the {src})",
                super::format_time(t)
            );
        }
        _ => {
            let _ = writeln!(o, "  captured at  unknown");
        }
    }
    if let Some(v) = &c.kubernetes_version {
        let _ = writeln!(o, "  kubernetes   {v}");
    }
    let total: usize = inv.objects_by_kind.values().sum();
    let _ = writeln!(o);
    let _ = writeln!(o, "Objects: {total}");
    let kinds: Vec<String> = inv
        .objects_by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    wrap_list(&mut o, &kinds);
    let pods: usize = inv.pods_by_phase.values().sum();
    let phases: Vec<String> = inv
        .pods_by_phase
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let _ = writeln!(
        o,
        "Pods: {pods}{}",
        if phases.is_empty() {
            String::new()
        } else {
            format!(" ({})", phases.join(", "))
        }
    );
    let by_ns: Vec<String> = inv
        .pods_by_namespace
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if !by_ns.is_empty() {
        wrap_list(&mut o, &by_ns);
    }
    let n = &inv.nodes;
    let _ = writeln!(
        o,
        "Nodes: {} ({} ready, {} not ready, {} unknown)",
        n.ready + n.not_ready + n.unknown,
        n.ready,
        n.not_ready,
        n.unknown
    );
    let _ = writeln!(o, "Container restarts: {}", inv.restarts);
    let _ = writeln!(
        o,
        "Logs: {}{}",
        inv.logs,
        if inv.unattributed_logs > 0 {
            format!(
                " ({} not tied to a pod of the snapshot)",
                inv.unattributed_logs
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(o, "Events: {}", c.events().len());

    let ledger = &s.ingested.ledger;
    let count = |st: Status| ledger.iter().filter(|l| l.status == st).count();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Files: {} ({} parsed, {} partial, {} skipped, {} errors)",
        ledger.len(),
        count(Status::Parsed),
        count(Status::Partial),
        count(Status::Skipped),
        count(Status::Error)
    );
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for l in ledger.iter().filter(|l| l.status == Status::Skipped) {
        let reason = l.detail.as_deref().unwrap_or("skipped");
        let reason = if reason.starts_with("link to ") {
            "links to files read elsewhere"
        } else {
            reason
        };
        *reasons.entry(reason).or_default() += 1;
    }
    for (reason, n) in reasons {
        let _ = writeln!(o, "  skipped {n:>3}: {reason}");
    }
    let _ = writeln!(o);
    findings(&mut o, s, d, style);
    footer(&mut o, s, d, style);
    o
}

/// Counts by severity, then every file that could not be read fully, where the reader ends.
fn footer(o: &mut String, s: &Snapshot, d: &Diagnosis, style: Style) {
    let ledger = &s.ingested.ledger;
    let problems: Vec<_> = ledger
        .iter()
        .filter(|l| matches!(l.status, Status::Error | Status::Partial))
        .collect();
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", rule(style));
    let _ = writeln!(
        o,
        "{} error, {} warning, {} info in {}; {} files, {} could not be read fully",
        d.count(Severity::Error),
        d.count(Severity::Warning),
        d.count(Severity::Info),
        plural(d.incidents.len(), "incident", "incidents"),
        ledger.len(),
        problems.len()
    );
    for l in problems {
        let tag = if l.status == Status::Error {
            "error  "
        } else {
            "partial"
        };
        if l.problems.is_empty() {
            let detail = l.detail.as_deref().unwrap_or("");
            let _ = writeln!(o, "  {tag} {}: {detail}", l.path);
        }
        // Each problem where it is, as editors read `file:line:column`.
        for p in &l.problems {
            let at = match (p.line, p.column) {
                (Some(line), Some(col)) => format!(":{line}:{col}"),
                (Some(line), None) => format!(":{line}"),
                _ => String::new(),
            };
            let _ = writeln!(o, "  {tag} {}{at}: {}", l.path, p.message);
        }
    }
}

/// `text` in an ANSI style (`1` bold, `31` red...) when the report has colour.
fn paint(text: &str, code: &str, style: Style) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The colour of a severity, as miette gives it: errors red, warnings yellow, info cyan.
fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

/// `1 incident`, `2 incidents`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A line across the report.
fn rule(style: Style) -> String {
    let c = if style.unicode { "─" } else { "-" };
    c.repeat(style.width)
}

/// `text` cut to `width` characters.
fn clip(text: &str, width: usize, style: Style) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let (mark, room) = if style.unicode {
        ("…", 1)
    } else {
        ("...", 3)
    };
    let cut: String = text.chars().take(width.saturating_sub(room)).collect();
    format!("{}{mark}", cut.trim_end())
}

/// Incidents first (root cause, then the symptoms it explains), then findings that belong
/// to no incident's symptoms, each with its evidence.
fn findings(o: &mut String, s: &Snapshot, d: &Diagnosis, style: Style) {
    if d.findings.is_empty() {
        let _ = writeln!(o, "Findings: none");
        return;
    }
    let located = super::locate_for_reading(s, &d.findings);
    let by_id = d.by_id();
    let _ = writeln!(
        o,
        "Findings: {} error, {} warning, {} info in {}",
        d.count(Severity::Error),
        d.count(Severity::Warning),
        d.count(Severity::Info),
        plural(d.incidents.len(), "incident", "incidents")
    );
    for (n, inc) in d.incidents.iter().enumerate() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", rule(style));
        let head = format!("Incident {} of {}", n + 1, d.incidents.len());
        let severity = format!("[{}]", inc.severity);
        let _ = writeln!(
            o,
            "{} {} {}",
            paint(&head, "1", style),
            paint(&severity, severity_colour(inc.severity), style),
            inc.title
        );
        let breaks = inc.impact.to_string();
        if !breaks.is_empty() {
            let _ = writeln!(o, "  breaks {breaks}");
        }
        let _ = writeln!(o);
        for id in &inc.findings {
            let Some(&i) = by_id.get(id.as_str()) else {
                continue;
            };
            let f = &d.findings[i];
            o.push_str(&super::annotate::finding(f, &located[i], style));
        }
        if !inc.symptoms.is_empty() {
            let _ = writeln!(o);
            let _ = writeln!(o, "  Symptoms this explains:");
            for id in &inc.symptoms {
                if let Some(&i) = by_id.get(id.as_str()) {
                    let f = &d.findings[i];
                    let line = format!(
                        "{} {} {} {}: {}",
                        f.id, f.severity, f.code, f.object, f.message
                    );
                    let _ = writeln!(o, "    {}", clip(&line, style.width - 4, style));
                }
            }
        }
    }
}

fn wrap_list(o: &mut String, items: &[String]) {
    let mut line = String::from("  ");
    for (i, it) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{it}, ")
        } else {
            it.clone()
        };
        if line.len() + piece.len() > 78 && !line.trim().is_empty() {
            let _ = writeln!(o, "{}", line.trim_end());
            line = String::from("  ");
        }
        line.push_str(&piece);
    }
    if !line.trim().is_empty() {
        let _ = writeln!(o, "{}", line.trim_end());
    }
}
