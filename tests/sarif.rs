//! The SARIF report: the properties SARIF 2.1.0 requires, on the demo and on rule fixtures;
//! every URI is a relative path of the ledger; the demo's report (insta) and its determinism.

mod common;

use common::case_inputs;
use ktriage::report::sarif;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn demo() -> Vec<PathBuf> {
    // Relative, so that the report (which names the snapshot) is the same on every machine;
    // integration tests run in the package root.
    vec![PathBuf::from("testdata/demo/fastapi-k8s-bundle.tar.gz")]
}

/// A few `fail-*` cases of the rule fixtures, across areas.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new("testdata/rules");
    let mut out = Vec::new();
    for code in [
        "KT-CRASH-002",
        "KT-OOM-001",
        "KT-SCHED-001",
        "KT-SVC-001",
        "KT-NODE-001",
        "KT-IMAGE-001",
    ] {
        let Ok(cases) = std::fs::read_dir(root.join(code)) else {
            continue;
        };
        let mut cases: Vec<PathBuf> = cases
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir()
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("fail-"))
            })
            .collect();
        cases.sort();
        out.extend(cases.into_iter().take(1));
    }
    assert!(out.len() >= 3, "rule fixtures not found: {out:?}");
    out
}

fn render(paths: &[PathBuf]) -> (ktriage::Snapshot, String) {
    let s = ktriage::load(paths, &Default::default()).expect("load");
    let d = s.diagnose(&Default::default());
    let out = sarif::render(&s, &d);
    (s, out)
}

/// Decodes `%XX` escapes of a URI.
fn percent_decode(uri: &str) -> String {
    let b = uri.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(Ok(v)) = uri.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).expect("URI decodes to UTF-8")
}

fn str_at<'a>(v: &'a Value, ptr: &str, ctx: &str) -> &'a str {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{ctx}: {ptr} is missing or not a string"))
}

/// Checks every artifactLocation below `v`: a relative URI of a ledger path of the input its
/// base id names (`SNAPSHOT`, or `SNAPSHOT<n>` for input n of several).
fn check_artifact_locations(
    v: &Value,
    ledger: &BTreeSet<(String, String)>,
    ctx: &str,
    seen: &mut usize,
) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "artifactLocation" || (k == "location" && child.get("uri").is_some()) {
                    let uri = str_at(child, "/uri", ctx);
                    assert!(!uri.is_empty(), "{ctx}: empty uri");
                    assert!(!uri.starts_with('/'), "{ctx}: absolute uri {uri}");
                    assert!(!uri.contains(':'), "{ctx}: uri with a scheme {uri}");
                    let path = percent_decode(uri);
                    assert!(
                        !path.split('/').any(|s| s == ".."),
                        "{ctx}: uri leaves the snapshot {uri}"
                    );
                    let base = str_at(child, "/uriBaseId", ctx).to_string();
                    assert!(
                        ledger.contains(&(base.clone(), path.clone())),
                        "{ctx}: {path} is not in the ledger of {base}"
                    );
                    *seen += 1;
                }
                check_artifact_locations(child, ledger, ctx, seen);
            }
        }
        Value::Array(a) => {
            for child in a {
                check_artifact_locations(child, ledger, ctx, seen);
            }
        }
        _ => {}
    }
}

fn check_region(loc: &Value, ctx: &str) {
    if let Some(region) = loc.pointer("/physicalLocation/region") {
        for key in ["startLine", "startColumn"] {
            let n = region
                .get(key)
                .and_then(Value::as_u64)
                .unwrap_or_else(|| panic!("{ctx}: region without {key}"));
            assert!(n >= 1, "{ctx}: {key} {n}");
        }
        assert!(
            region
                .pointer("/snippet/text")
                .is_some_and(Value::is_string),
            "{ctx}: region without snippet text"
        );
    }
}

/// The structure SARIF 2.1.0 requires, and what ktriage promises on top of it.
fn check(s: &ktriage::Snapshot, text: &str, ctx: &str) {
    assert!(text.ends_with("}\n"), "{ctx}: no trailing newline");
    let log: Value = serde_json::from_str(text).expect("valid JSON");
    assert_eq!(
        str_at(&log, "/$schema", ctx),
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(str_at(&log, "/version", ctx), "2.1.0");
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "{ctx}: one run");
    let several = s.ingested.inputs.len() > 1;
    let base = |input: Option<usize>| match (several, input) {
        (true, i) => format!("{}{}", sarif::BASE_ID, i.unwrap_or(0) + 1),
        (false, _) => sarif::BASE_ID.to_string(),
    };
    let ledger: BTreeSet<(String, String)> = s
        .ingested
        .ledger
        .iter()
        .map(|l| (base(l.input), l.path.clone()))
        .collect();
    for run in runs {
        assert_eq!(str_at(run, "/tool/driver/name", ctx), "ktriage");
        let rules = run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .expect("rules");
        assert_eq!(rules.len(), ktriage::rules::registry().len());
        let mut ids = BTreeSet::new();
        for r in rules {
            let id = str_at(r, "/id", ctx);
            assert!(ids.insert(id.to_string()), "{ctx}: rule id {id} twice");
            assert!(!str_at(r, "/shortDescription/text", ctx).is_empty());
            assert!(!str_at(r, "/fullDescription/text", ctx).is_empty());
            assert!(!str_at(r, "/help/markdown", ctx).is_empty());
            let level = str_at(r, "/defaultConfiguration/level", ctx);
            assert!(
                ["note", "warning", "error"].contains(&level),
                "{ctx}: {level}"
            );
            assert!(
                r.get("helpUri").is_none(),
                "{ctx}: helpUri must be absolute"
            );
        }
        let results = run["results"].as_array().expect("results is an array");
        for (i, res) in results.iter().enumerate() {
            let ctx = format!("{ctx}: result {i}");
            assert!(!str_at(res, "/message/text", &ctx).trim().is_empty());
            let rule_id = str_at(res, "/ruleId", &ctx);
            if let Some(ix) = res.get("ruleIndex") {
                let ix = ix.as_u64().expect("ruleIndex is an integer") as usize;
                assert_eq!(str_at(&rules[ix], "/id", &ctx), rule_id);
            }
            let level = str_at(res, "/level", &ctx);
            assert!(
                ["none", "note", "warning", "error"].contains(&level),
                "{ctx}: level {level}"
            );
            let locations = res["locations"].as_array().expect("locations");
            assert!(!locations.is_empty(), "{ctx}: no location");
            let fq = str_at(
                &locations[0],
                "/logicalLocations/0/fullyQualifiedName",
                &ctx,
            );
            assert_eq!(str_at(res, "/properties/object", &ctx), fq);
            assert!(res
                .pointer("/partialFingerprints/ktriage~1v1")
                .is_some_and(Value::is_string));
            let related = res
                .get("relatedLocations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut related_ids = BTreeSet::new();
            for loc in locations.iter().chain(&related) {
                check_region(loc, &ctx);
            }
            for loc in &related {
                let id = loc["id"].as_u64().expect("related location id");
                assert!(related_ids.insert(id), "{ctx}: related id {id} twice");
                assert!(!str_at(loc, "/message/text", &ctx).is_empty());
            }
        }
        // Artifact indexes point at the artifact with the same URI.
        let artifacts = run
            .get("artifacts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for res in results {
            for loc in res["locations"]
                .as_array()
                .unwrap()
                .iter()
                .chain(res["relatedLocations"].as_array().into_iter().flatten())
            {
                if let Some(al) = loc.pointer("/physicalLocation/artifactLocation") {
                    if let Some(ix) = al.get("index").and_then(Value::as_u64) {
                        assert_eq!(
                            artifacts[ix as usize].pointer("/location/uri"),
                            al.get("uri"),
                            "{ctx}: artifact index"
                        );
                    }
                }
            }
        }
        // Every base id is described: one for the snapshot, or one per input.
        let bases = run["originalUriBaseIds"].as_object().expect("base ids");
        let wanted: BTreeSet<String> = if several {
            (0..s.ingested.inputs.len())
                .map(|i| base(Some(i)))
                .collect()
        } else {
            BTreeSet::from([base(None)])
        };
        assert_eq!(
            bases.keys().cloned().collect::<BTreeSet<_>>(),
            wanted,
            "{ctx}"
        );
        for (id, b) in bases {
            assert!(
                b.pointer("/description/text").is_some_and(Value::is_string),
                "{ctx}: base id {id} undescribed"
            );
        }
        let mut seen = 0;
        check_artifact_locations(run, &ledger, ctx, &mut seen);
        if !results.is_empty() {
            assert!(seen > 0, "{ctx}: no physical location at all");
        }
    }
}

#[test]
fn demo_has_the_required_structure() {
    let (s, text) = render(&demo());
    check(&s, &text, "demo");
    let log: Value = serde_json::from_str(&text).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "the demo has findings");
}

#[test]
fn rule_fixtures_have_the_required_structure() {
    for dir in fixtures() {
        let (s, text) = render(&case_inputs(&dir));
        let ctx = dir.display().to_string();
        check(&s, &text, &ctx);
        let log: Value = serde_json::from_str(&text).unwrap();
        let code = dir
            .parent()
            .and_then(Path::file_name)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            log["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["ruleId"] == code.as_str()),
            "{ctx}: {code} is not among the results"
        );
    }
}

#[test]
fn demo_is_deterministic() {
    let (_, a) = render(&demo());
    let (_, b) = render(&demo());
    assert_eq!(a, b);
}

#[test]
fn demo_sarif_report() {
    let (_, text) = render(&demo());
    insta::assert_snapshot!("demo_sarif", text);
}

#[test]
fn several_inputs_get_a_base_each() {
    // Two folders, each with its own `pods.yaml`: the same URI under two base ids.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let inputs = [
        root.join("KT-CREATE-003/fail-configmap-key-missing"),
        root.join("KT-CREATE-001/fail-pulling-23m"),
    ];
    let (s, text) = render(&inputs);
    check(&s, &text, "two inputs");
    let log: Value = serde_json::from_str(&text).unwrap();
    let artifacts: Vec<(String, String)> = log["runs"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["location"]["uriBaseId"].as_str().unwrap().to_string(),
                a["location"]["uri"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        artifacts.contains(&("SNAPSHOT1".into(), "pods.yaml".into())),
        "{artifacts:?}"
    );
    assert!(
        artifacts.contains(&("SNAPSHOT2".into(), "pods.yaml".into())),
        "{artifacts:?}"
    );
    let bases = &log["runs"][0]["originalUriBaseIds"];
    assert!(bases["SNAPSHOT1"]["description"]["text"]
        .as_str()
        .unwrap()
        .contains("fail-configmap-key-missing"));
}
