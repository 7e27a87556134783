//! Evidence lands on the field it names: for every finding on the demo and on every rule
//! fixture, a field of a JSON or YAML object is cited at the line that holds that field's key
//! (not at the start of the object, which is where a field that could not be found would fall
//! back to), and the human report underlines each piece of evidence at its line and column.

mod common;

use ktriage::report::locate::Located;
use ktriage::rules::At;
use std::path::PathBuf;

fn cases() -> Vec<Vec<PathBuf>> {
    common::demo_and_fixtures()
}

/// The last key of a field path (`reason` of `...terminated.reason`, `app.kubernetes.io/name`
/// of `metadata.labels["app.kubernetes.io/name"]`); `None` when it ends with an index.
fn last_key(path: &str) -> Option<String> {
    if path.ends_with(']') {
        let open = path.rfind('[')?;
        let inner = &path[open + 1..path.len() - 1];
        if inner.parse::<usize>().is_ok() {
            return None;
        }
        return Some(inner.trim_matches(['"', '\'']).to_string());
    }
    Some(path.rsplit('.').next()?.to_string())
}

/// Every finding of every case with its located evidence.
fn each_finding(mut visit: impl FnMut(&[PathBuf], &ktriage::rules::Finding, &[Located])) {
    for inputs in cases() {
        let s = ktriage::load(&inputs, &Default::default()).unwrap();
        let d = s.diagnose(&Default::default());
        let located = ktriage::report::locate_findings(&s, &d.findings);
        for (f, locs) in d.findings.iter().zip(&located) {
            visit(&inputs, f, locs);
        }
    }
}

#[test]
fn fields_are_cited_at_their_own_line() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    each_finding(|inputs, f, locs| {
        assert_eq!(
            locs.len(),
            f.evidence.len(),
            "{inputs:?}: every piece of evidence of {} {} is located",
            f.code,
            f.object
        );
        for (e, l) in f.evidence.iter().zip(locs) {
            let At::Field { path, .. } = &e.at else {
                continue;
            };
            let Some(key) = last_key(path) else { continue };
            checked += 1;
            if !l.text.contains(&key) {
                wrong.push(format!(
                    "{inputs:?}: {} {}: `{path}` cited at {}:{} `{}`",
                    f.code, f.object, l.path, l.line, l.text
                ));
            }
        }
    });
    assert!(checked > 500, "only {checked} fields checked");
    assert!(
        wrong.is_empty(),
        "{} fields cited elsewhere:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Where the underline under a rendered source line starts, in characters after the gutter:
/// the line `  57 | KeyError: ...` followed by `     : ^^^^`.
fn underline_starts(rendered: &str, line: u64, text: &str) -> Vec<usize> {
    let lines: Vec<&str> = rendered.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some((gutter, body)) = l.split_once(" | ") else {
            continue;
        };
        if gutter.trim() != line.to_string() || body != text {
            continue;
        }
        let bar = gutter.len() + 1;
        // The underline line that follows (`:` in the bar's column): `^^^|^^^` under a span,
        // a lone `|` under a span of one character.
        if let Some(u) = lines.get(i + 1).filter(|u| u.get(bar..=bar) == Some(":")) {
            let marks = u.get(bar + 2..).unwrap_or("");
            let mut prev = ' ';
            for (c, ch) in marks.chars().enumerate() {
                if (ch == '^' || ch == '|') && prev == ' ' {
                    out.push(c);
                }
                prev = ch;
            }
        }
    }
    out
}

#[test]
fn human_labels_land_on_the_cited_line_and_column() {
    use ktriage::report::annotate::{finding, Style};
    let mut wrong = Vec::new();
    let mut checked = 0;
    each_finding(|inputs, f, locs| {
        let style = Style {
            width: 400,
            ..Style::default()
        };
        let rendered = finding(f, locs, style);
        for l in locs {
            // Columns are in characters; the gutter math below needs one byte each.
            if !l.text.is_ascii() || l.text.contains('\t') {
                continue;
            }
            checked += 1;
            let starts = underline_starts(&rendered, l.line, l.text.trim_end());
            let want = (l.column - 1) as usize;
            if !starts.contains(&want) {
                wrong.push(format!(
                    "{inputs:?}: {} {}: {}:{}:{} `{}` underlined at {starts:?}",
                    f.code, f.object, l.path, l.line, l.column, l.text
                ));
            }
        }
    });
    assert!(checked > 500, "only {checked} labels checked");
    assert!(
        wrong.is_empty(),
        "{} labels elsewhere:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The report cites from what the first read kept (the text of objects that could be cited,
/// the lines around notable log lines) exactly what it would by reading the files again: same
/// line, column, text and lines around, on the demo, every rule fixture and the real
/// snapshots; and it does keep most of what it cites (the rest: describe text, which the
/// parser located already, healthy pods of YAML files, routine events of pods placed late).
#[test]
fn kept_texts_cite_as_the_files_do() {
    let mut cases = cases();
    cases.extend(common::realworld_snapshots(&[
        "troubleshoot",
        "support-bundle-kit",
        "must-gather-clean",
        "holmesgpt",
    ]));
    let (mut places, mut kept) = (0, 0);
    for inputs in cases {
        let Ok(s) = ktriage::load(&inputs, &Default::default()) else {
            continue;
        };
        let d = s.diagnose(&Default::default());
        let first = ktriage::report::locate::locate_all(&s, &d.findings);
        let again = ktriage::report::locate::locate_reading_again(&s, &d.findings);
        assert_eq!(first, again, "{inputs:?}");
        let plan = ktriage::report::locate::reading_plan(&s, &d.findings);
        places += plan.places;
        kept += plan.kept;
    }
    // Describe text, healthy YAML pods and routine events are read again; 72% when written.
    assert!(
        kept * 3 > places * 2,
        "{kept} of {places} places from the first read"
    );
}
