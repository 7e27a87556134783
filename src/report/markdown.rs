//! The Markdown report (`--format markdown`): for pasting into GitHub, GitLab or Jira
//! tickets. Header, counts, a table of incidents, then one section per incident with its
//! root findings, their evidence in fenced blocks, the fix and a link to the rule's page,
//! and the symptoms it explains in a collapsible list. No HTML beyond `<details>` and
//! `<summary>`, so it reads as plain text too; deterministic byte for byte.

use super::locate::Located;
use crate::diagnose::{Diagnosis, Impact};
use crate::ingest::Status;
use crate::rules::Finding;
use crate::Snapshot;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders the Markdown report, with a trailing newline and no trailing spaces.
pub fn render(s: &Snapshot, d: &Diagnosis) -> String {
    let mut o = String::new();
    header(&mut o, s);
    counts(&mut o, s);
    findings(&mut o, s, d);
    unread(&mut o, s);
    let mut out = String::with_capacity(o.len());
    for line in o.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn header(o: &mut String, s: &Snapshot) {
    let c = &s.cluster;
    let _ = writeln!(o, "## ktriage: {}", text(&super::snapshot_path(s)));
    let _ = writeln!(o);
    let _ = writeln!(o, "- **layout:** {}", s.layout().as_str());
    let captured = match (c.captured_at, &c.captured_at_source) {
        (Some(t), Some(src)) => format!("{} (from the {})", super::format_time(t), text(src)),
        (Some(t), None) => super::format_time(t),
        _ => "unknown".to_string(),
    };
    let _ = writeln!(o, "- **captured at:** {captured}");
    if let Some(v) = &c.kubernetes_version {
        let _ = writeln!(o, "- **Kubernetes:** {}", text(v));
    }
    if let Some(col) = &c.collector {
        let _ = writeln!(o, "- **collector:** {}", text(col));
    }
    let _ = writeln!(o, "- **ktriage:** {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(o);
}

fn counts(o: &mut String, s: &Snapshot) {
    let inv = s.cluster.inventory();
    let pods: usize = inv.pods_by_phase.values().sum();
    let phases: Vec<String> = inv
        .pods_by_phase
        .iter()
        .map(|(k, n)| format!("{n} {}", text(k)))
        .collect();
    let n = &inv.nodes;
    let _ = writeln!(
        o,
        "**Pods:** {pods}{} · **Nodes:** {} ready of {}{} · **Restarts:** {}",
        if phases.is_empty() {
            String::new()
        } else {
            format!(" ({})", phases.join(", "))
        },
        n.ready,
        n.ready + n.not_ready + n.unknown,
        if n.not_ready + n.unknown > 0 {
            format!(" ({} not ready, {} unknown)", n.not_ready, n.unknown)
        } else {
            String::new()
        },
        inv.restarts
    );
    let _ = writeln!(o);
}

fn findings(o: &mut String, s: &Snapshot, d: &Diagnosis) {
    if d.findings.is_empty() {
        let _ = writeln!(o, "No findings.");
        let _ = writeln!(o);
        return;
    }
    let count = |sev| d.findings.iter().filter(|f| f.severity == sev).count();
    use crate::rules::Severity::{Error, Info, Warning};
    let _ = writeln!(
        o,
        "**Findings:** {} error, {} warning, {} info in {} incident{}",
        count(Error),
        count(Warning),
        count(Info),
        d.incidents.len(),
        if d.incidents.len() == 1 { "" } else { "s" }
    );
    let _ = writeln!(o);
    if !d.incidents.is_empty() {
        let _ = writeln!(o, "| # | severity | incident | impact |");
        let _ = writeln!(o, "|---|---|---|---|");
        for (n, inc) in d.incidents.iter().enumerate() {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                n + 1,
                inc.severity,
                cell(&inc.title),
                cell(&impact(&inc.impact))
            );
        }
        let _ = writeln!(o);
    }

    let located = super::locate_for_reading(s, &d.findings);
    let by_id = d.by_id();
    // Where each finding was listed in full (incident number), so it is listed once.
    let mut listed: BTreeMap<&str, usize> = BTreeMap::new();
    for (n, inc) in d.incidents.iter().enumerate() {
        for id in &inc.findings {
            listed.entry(id.as_str()).or_insert(n + 1);
        }
    }
    for (n, inc) in d.incidents.iter().enumerate() {
        let _ = writeln!(
            o,
            "### {}. {}: {}",
            n + 1,
            inc.severity,
            text(&inc.title.replacen(": ", " — ", 1))
        );
        let _ = writeln!(o);
        for id in &inc.findings {
            let Some(&i) = by_id.get(id.as_str()) else {
                continue;
            };
            if listed.get(id.as_str()) != Some(&(n + 1)) {
                continue;
            }
            block(o, &d.findings[i], &located[i]);
        }
        if !inc.symptoms.is_empty() {
            let _ = writeln!(
                o,
                "<details><summary>Explains {} finding{}</summary>",
                inc.symptoms.len(),
                if inc.symptoms.len() == 1 { "" } else { "s" }
            );
            let _ = writeln!(o);
            for id in &inc.symptoms {
                let Some(&i) = by_id.get(id.as_str()) else {
                    continue;
                };
                let f = &d.findings[i];
                match listed.get(id.as_str()) {
                    Some(&m) if m != n + 1 => {
                        let _ = writeln!(o, "- {} — see incident {m}", text(&f.id));
                    }
                    Some(_) => {}
                    None => {
                        listed.insert(id.as_str(), n + 1);
                        let _ = writeln!(o, "- {}", line(f));
                    }
                }
            }
            let _ = writeln!(o);
            let _ = writeln!(o, "</details>");
            let _ = writeln!(o);
        }
    }
    let rest: Vec<&Finding> = d
        .findings
        .iter()
        .filter(|f| !listed.contains_key(f.id.as_str()))
        .collect();
    if !rest.is_empty() {
        let _ = writeln!(o, "### Other findings");
        let _ = writeln!(o);
        for f in rest {
            if let Some(&i) = by_id.get(f.id.as_str()) {
                let _ = writeln!(o, "#### {}: {} {}", f.severity, f.code, f.name);
                let _ = writeln!(o);
                block(o, f, &located[i]);
            }
        }
    }
}

/// A finding in full: id, object and message, each piece of evidence in a fenced block,
/// then the fix and the rule's page.
fn block(o: &mut String, f: &Finding, evidence: &[Located]) {
    let _ = writeln!(
        o,
        "{} **{}**{}: {}",
        inline(&f.id),
        text(&f.object.to_string()),
        f.container
            .as_deref()
            .map(|c| format!(" (container {})", text(c)))
            .unwrap_or_default(),
        text(&f.message)
    );
    let _ = writeln!(o);
    for e in evidence {
        let place = format!("{}:{}:{}", e.path, e.line, e.column);
        let _ = writeln!(o, "{} — {}", inline(&place), text(&e.label));
        let _ = writeln!(o);
        o.push_str(&fenced(&e.text));
        let _ = writeln!(o);
    }
    let docs = crate::rules::find(f.code)
        .map(|r| r.docs_path())
        .unwrap_or_else(|| format!("docs/rules/{}.md", f.code));
    if f.help.is_empty() {
        let _ = writeln!(o, "**Rule:** [{}]({docs})", f.code);
    } else {
        let _ = writeln!(o, "**Fix:** {} ([{}]({docs}))", text(&f.help), f.code);
    }
    let _ = writeln!(o);
}

/// One finding on one line: id, severity, code, object, message.
fn line(f: &Finding) -> String {
    format!(
        "{} {} {} **{}**: {}",
        inline(&f.id),
        f.severity,
        f.code,
        text(&f.object.to_string()),
        text(&f.message)
    )
}

fn unread(o: &mut String, s: &Snapshot) {
    let bad: Vec<_> = s
        .ingested
        .ledger
        .iter()
        .filter(|l| matches!(l.status, Status::Error | Status::Partial))
        .collect();
    if bad.is_empty() {
        return;
    }
    let _ = writeln!(o, "### Files not read fully");
    let _ = writeln!(o);
    for l in bad {
        let tag = if l.status == Status::Error {
            "error"
        } else {
            "partial"
        };
        let detail = l.detail.as_deref().unwrap_or("");
        let _ = writeln!(
            o,
            "- {tag}: {}{}",
            inline(&l.path),
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {}", text(detail))
            }
        );
    }
    let _ = writeln!(o);
}

fn impact(i: &Impact) -> String {
    match i.to_string() {
        t if t.is_empty() => "-".to_string(),
        t => t,
    }
}

/// Text on one line, with `<` escaped so that nothing in it is taken for HTML.
fn text(s: &str) -> String {
    let one: String = s
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // `<` outside code spans is escaped; inside them it shows as it is.
    if one.matches('`').count() % 2 == 1 {
        return one.replace('<', "\\<");
    }
    one.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                part.replace('<', "\\<")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Text for a table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    text(s).replace('|', "\\|")
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// Inline code whose delimiters are longer than any backtick run of the text.
pub fn inline(s: &str) -> String {
    let one = s.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backtick_run(&one) + 1);
    let pad = if one.starts_with('`') || one.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{one}{pad}{ticks}")
}

/// A fenced code block holding `text`, its fence longer than any backtick run in the text
/// (at least three), so that no line of it can close the block.
pub fn fenced(text: &str) -> String {
    let body: Vec<&str> = text.lines().map(str::trim_end).collect();
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let mut o = String::new();
    let _ = writeln!(o, "{fence}");
    for l in &body {
        let _ = writeln!(o, "{l}");
    }
    let _ = writeln!(o, "{fence}");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_is_longer_than_backtick_runs() {
        assert_eq!(fenced("plain"), "```\nplain\n```\n");
        assert_eq!(fenced("a ``` b"), "````\na ``` b\n````\n");
        assert_eq!(fenced("```````"), "````````\n```````\n````````\n");
    }

    #[test]
    fn inline_code_survives_backticks() {
        assert_eq!(inline("a.log"), "`a.log`");
        assert_eq!(inline("a`b"), "``a`b``");
        assert_eq!(inline("`x`"), "`` `x` ``");
    }

    #[test]
    fn cells_escape_pipes_and_html() {
        assert_eq!(cell("a | b <module>"), "a \\| b \\<module>");
        assert_eq!(text("one\ntwo  "), "one two");
        assert_eq!(text("`<x>` <y>"), "`<x>` \\<y>");
    }
}
