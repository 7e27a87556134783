//! Every rule against its fixtures: `testdata/rules/<CODE>/fail-<case>/` must fire with the
//! expected object, message facts and evidence lines; `pass-<case>/` must stay silent.
//!
//! A case folder holds the snapshot (any files or folders, each given to ktriage as one
//! input, in name order) and `expect.yaml`:
//!
//! ```yaml
//! fire:                        # fail cases: findings that must be reported
//!   - code: KT-OOM-001
//!     object: Pod/default/api-1
//!     container: api           # optional
//!     severity: error          # optional
//!     message: ["128Mi", "137"]  # substrings of the message
//!     help: ["limits.memory"]  # substrings of the help
//!     evidence:                # each must match one evidence item of the finding
//!       - path: pod.yaml       # the end of the evidence path
//!         line: 34             # optional
//!         text: "OOMKilled"    # substring of the cited line
//!     explains: [KT-SVC-001]   # optional: codes of findings it explains
//! silent: [KT-OOM-001]         # pass cases: no finding of these codes above `info`
//! absent: [KT-OOM-002]         # no finding of these codes at all
//! ```

mod common;

use common::{case_inputs as inputs, rule_cases as cases};
use ktriage::rules::{registry, Severity};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    fire: Vec<Fire>,
    #[serde(default)]
    silent: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fire {
    code: String,
    object: String,
    container: Option<String>,
    severity: Option<Severity>,
    #[serde(default)]
    message: Vec<String>,
    #[serde(default)]
    help: Vec<String>,
    #[serde(default)]
    evidence: Vec<Ev>,
    #[serde(default)]
    explains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ev {
    path: String,
    line: Option<u64>,
    text: String,
}

/// Runs one case; returns what went wrong.
fn check_case(code: &str, case: &str, dir: &Path) -> Vec<String> {
    let mut errs = Vec::new();
    let expect: Expect = match std::fs::read_to_string(dir.join("expect.yaml")) {
        Ok(t) => match yaml_serde::from_str(&t) {
            Ok(e) => e,
            Err(e) => return vec![format!("expect.yaml: {e}")],
        },
        Err(e) => return vec![format!("expect.yaml: {e}")],
    };
    if case.starts_with("fail-") && !expect.fire.iter().any(|f| f.code == code) {
        errs.push(format!("a fail case must expect {code} to fire"));
    }
    if case.starts_with("pass-")
        && !expect
            .silent
            .iter()
            .chain(&expect.absent)
            .any(|c| c == code)
    {
        errs.push(format!(
            "a pass case must list {code} in `silent` or `absent`"
        ));
    }
    let paths = inputs(dir);
    let s = match ktriage::load(&paths, &Default::default()) {
        Ok(s) => s,
        Err(e) => return vec![format!("cannot load: {e}")],
    };
    let d = s.diagnose(&Default::default());
    let located = ktriage::report::locate_findings(&s, &d.findings);
    let show = |i: usize| {
        let f = &d.findings[i];
        let ev: Vec<String> = located[i]
            .iter()
            .map(|e| format!("{}:{}: {}", e.path, e.line, e.text.trim()))
            .collect();
        format!(
            "{} {} {} [{}] {:?} help {:?} evidence {:?}",
            f.severity,
            f.code,
            f.object,
            f.container.as_deref().unwrap_or("-"),
            f.message,
            f.help,
            ev
        )
    };
    let all: Vec<String> = (0..d.findings.len()).map(show).collect();
    for want in &expect.fire {
        let candidates: Vec<usize> = (0..d.findings.len())
            .filter(|&i| {
                let f = &d.findings[i];
                f.code == want.code && f.object.to_string() == want.object
            })
            .collect();
        if candidates.is_empty() {
            errs.push(format!(
                "{} on {} did not fire; findings: {all:#?}",
                want.code, want.object
            ));
            continue;
        }
        let mut best: Option<Vec<String>> = None;
        for &i in &candidates {
            let f = &d.findings[i];
            let mut e = Vec::new();
            if want.container.is_some() && f.container != want.container {
                e.push(format!(
                    "container {:?} != {:?}",
                    f.container, want.container
                ));
            }
            if let Some(sev) = want.severity {
                if f.severity != sev {
                    e.push(format!("severity {} != {sev}", f.severity));
                }
            }
            for m in &want.message {
                if !f.message.contains(m.as_str()) {
                    e.push(format!("message lacks {m:?}"));
                }
            }
            for h in &want.help {
                if !f.help.contains(h.as_str()) {
                    e.push(format!("help lacks {h:?}"));
                }
            }
            for w in &want.evidence {
                let ok = located[i].iter().any(|l| {
                    l.path.ends_with(&w.path)
                        && w.line.is_none_or(|n| n == l.line)
                        && l.text.contains(&w.text)
                });
                if !ok {
                    e.push(format!("no evidence {}:{:?} {:?}", w.path, w.line, w.text));
                }
            }
            for c in &want.explains {
                let ok = f.explains.iter().any(|id| {
                    d.findings
                        .iter()
                        .any(|g| &g.id == id && g.code == c.as_str())
                });
                if !ok {
                    e.push(format!("does not explain a {c} finding"));
                }
            }
            if e.is_empty() {
                best = None;
                break;
            }
            if best.as_ref().is_none_or(|b| e.len() < b.len()) {
                best = Some(e);
            }
        }
        if let Some(e) = best {
            errs.push(format!(
                "{} on {}: {}; got: {:#?}",
                want.code,
                want.object,
                e.join("; "),
                candidates.iter().map(|&i| show(i)).collect::<Vec<_>>()
            ));
        }
    }
    for c in &expect.silent {
        for (i, f) in d.findings.iter().enumerate() {
            if f.code == c.as_str() && f.severity > Severity::Info {
                errs.push(format!("{c} must stay silent: {}", show(i)));
            }
        }
    }
    for c in &expect.absent {
        for (i, f) in d.findings.iter().enumerate() {
            if f.code == c.as_str() {
                errs.push(format!("{c} must not appear: {}", show(i)));
            }
        }
    }
    errs
}

#[test]
fn rule_fixtures() {
    let mut failures = Vec::new();
    let cases = cases();
    for (code, case, dir) in &cases {
        for e in check_case(code, case, dir) {
            failures.push(format!("{code}/{case}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixture checks failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// True when the case's Kubernetes objects all come from describe text (logs allowed).
fn describe_only(dir: &Path) -> bool {
    let Ok(s) = ktriage::load(&inputs(dir), &Default::default()) else {
        return false;
    };
    let with_objects: Vec<_> = s
        .ingested
        .ledger
        .iter()
        .filter(|l| l.objects.unwrap_or(0) > 0)
        .collect();
    !with_objects.is_empty() && with_objects.iter().all(|l| l.format == Some("describe"))
}

#[test]
fn every_rule_has_fixtures() {
    let cases = cases();
    let mut missing = Vec::new();
    for r in registry() {
        let mine: Vec<_> = cases.iter().filter(|(c, _, _)| c == r.code).collect();
        if !mine.iter().any(|(_, n, _)| n.starts_with("fail-")) {
            missing.push(format!("{}: no fail- case", r.code));
        }
        if !mine.iter().any(|(_, n, _)| n.starts_with("pass-")) {
            missing.push(format!("{}: no pass- case", r.code));
        }
        if !mine.iter().any(|(_, _, d)| describe_only(d)) {
            missing.push(format!("{}: no describe-only case", r.code));
        }
    }
    for (c, n, _) in &cases {
        if ktriage::rules::find(c).is_none() {
            missing.push(format!("{c}/{n}: no such rule"));
        }
        if !(n.starts_with("fail-") || n.starts_with("pass-")) {
            missing.push(format!("{c}/{n}: cases are named fail-* or pass-*"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
