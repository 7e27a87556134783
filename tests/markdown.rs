//! The Markdown report: the demo as a snapshot, every finding listed once, evidence in
//! balanced fences that a log line with backticks cannot break, and the same bytes each run.

use ktriage::report::markdown;
use std::path::{Path, PathBuf};

const DEMO: &str = "testdata/demo/fastapi-k8s-bundle.tar.gz";

fn load(paths: &[PathBuf]) -> ktriage::Snapshot {
    ktriage::load(paths, &Default::default()).expect("readable")
}

fn render(paths: &[PathBuf]) -> (String, ktriage::diagnose::Diagnosis, ktriage::Snapshot) {
    let s = load(paths);
    let d = s.diagnose(&Default::default());
    (markdown::render(&s, &d), d, s)
}

/// The fence lines (three or more backticks, nothing else) of a report, in order.
fn fences(md: &str) -> Vec<&str> {
    md.lines()
        .filter(|l| l.len() >= 3 && l.chars().all(|c| c == '`'))
        .collect()
}

/// The bodies of the fenced blocks, each with the fence that opened it.
fn blocks(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<(&str, String)> = None;
    for l in md.lines() {
        match &mut open {
            None => {
                if l.starts_with("```") && l.chars().all(|c| c == '`') {
                    open = Some((l, String::new()));
                }
            }
            Some((fence, body)) => {
                if l == *fence {
                    out.push(std::mem::take(body));
                    open = None;
                } else {
                    body.push_str(l);
                    body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "a fence is left open");
    out
}

#[test]
fn demo_snapshot() {
    let (md, _, _) = render(&[PathBuf::from(DEMO)]);
    insta::assert_snapshot!("demo_markdown", md);
}

#[test]
fn every_finding_is_listed_once() {
    let (md, d, _) = render(&[PathBuf::from(DEMO)]);
    assert!(!d.findings.is_empty());
    for f in &d.findings {
        let tag = format!("`{}`", f.id);
        let n = md.matches(tag.as_str()).count();
        assert_eq!(n, 1, "{} is listed {n} times", f.id);
    }
}

#[test]
fn evidence_is_in_balanced_fences() {
    let (md, d, s) = render(&[PathBuf::from(DEMO)]);
    let f = fences(&md);
    assert_eq!(f.len() % 2, 0, "unbalanced fences");
    let bodies = blocks(&md);
    assert_eq!(bodies.len() * 2, f.len());
    let located = ktriage::report::locate_findings(&s, &d.findings);
    // Roots and leftovers are shown in full; symptoms on one line each.
    let symptoms: std::collections::BTreeSet<&str> = d
        .incidents
        .iter()
        .flat_map(|i| i.symptoms.iter().map(String::as_str))
        .collect();
    let mut cited = 0;
    let shown = d
        .findings
        .iter()
        .zip(&located)
        .filter(|(f, _)| !symptoms.contains(f.id.as_str()));
    for e in shown.flat_map(|(_, l)| l) {
        cited += 1;
        let want = format!("{}\n", e.text.trim_end());
        assert!(
            bodies.iter().any(|b| b.contains(&want)),
            "evidence {}:{} not in a fenced block",
            e.path,
            e.line
        );
    }
    assert!(cited > 0);
    assert!(md.contains("<details><summary>Explains "));
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    assert!(md.contains("(docs/rules/KT-CRASH-002.md)"));
    assert!(md.starts_with(&format!("## ktriage: {DEMO}\n")));
    assert!(md.lines().all(|l| l == l.trim_end()), "trailing spaces");
}

#[test]
fn a_log_line_with_backticks_stays_inside_its_fence() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/rules/KT-CRASH-002/fail-keyerror-older-revision");
    let dir = tempfile::tempdir().unwrap();
    let mut raising = None;
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_owned();
        let mut body = std::fs::read_to_string(&p).unwrap();
        if name.to_string_lossy().ends_with("-previous.log") {
            let old = "GATEWAY = os.environ[\"PAYMENT_GATEWAY_URL\"]";
            assert!(body.contains(old));
            let new = format!("{old}  # ``` see ```` the docs");
            body = body.replace(old, &new);
            raising = Some(new);
        }
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let raising = raising.expect("a previous log");
    let (md, d, _) = render(&[dir.path().to_path_buf()]);
    assert!(d.findings.iter().any(|f| f.code == "KT-CRASH-002"), "{md}");
    assert!(fences(&md).len() % 2 == 0);
    let bodies = blocks(&md);
    assert!(
        bodies.iter().any(|b| b.contains(&raising)),
        "the raising line is not inside a fence:\n{md}"
    );
    assert!(md.contains("`````\n"), "{md}");
}

#[test]
fn fence_helper_outgrows_backticks() {
    let f = markdown::fenced("KeyError: '```x'");
    assert_eq!(f, "````\nKeyError: '```x'\n````\n");
    assert_eq!(markdown::fenced("plain"), "```\nplain\n```\n");
}

#[test]
fn output_is_deterministic() {
    let (a, _, _) = render(&[PathBuf::from(DEMO)]);
    let (b, _, _) = render(&[PathBuf::from(DEMO)]);
    assert_eq!(a, b);
}
