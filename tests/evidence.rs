//! Evidence lands on the field it names: for every finding on the demo and on every rule
//! fixture, a field of a JSON or YAML object is cited at the line that holds that field's key
//! (not at the start of the object, which is where a field that could not be found would fall
//! back to).

mod common;

use ktriage::rules::At;
use std::path::{Path, PathBuf};

fn cases() -> Vec<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![vec![root.join("testdata/demo/fastapi-k8s-bundle.tar.gz")]];
    out.extend(
        common::rule_cases()
            .iter()
            .map(|(_, _, dir)| common::case_inputs(dir)),
    );
    out
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

#[test]
fn fields_are_cited_at_their_own_line() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for inputs in cases() {
        let s = ktriage::load(&inputs, &Default::default()).unwrap();
        let d = s.diagnose(&Default::default());
        let located = ktriage::report::locate_findings(&s, &d.findings);
        for (f, locs) in d.findings.iter().zip(&located) {
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
        }
    }
    assert!(checked > 500, "only {checked} fields checked");
    assert!(
        wrong.is_empty(),
        "{} fields cited elsewhere:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
