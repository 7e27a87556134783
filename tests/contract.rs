//! The command line and the JSON report against the contract (`report-json` spec): every rule
//! fixture, the demo and a real bundle run through the binary, and each report is checked for
//! its shape, ids, links, sort order, evidence positions and exit status.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ktriage() -> Command {
    let mut c = Command::cargo_bin("ktriage").unwrap();
    c.current_dir(root());
    c
}

/// The rules as `ktriage rules --format json` lists them: code → (name, severity).
fn rules() -> BTreeMap<String, (String, String)> {
    let out = ktriage()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_string(),
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["severity"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "error" => 0,
        "warning" => 1,
        "info" => 2,
        other => panic!("unknown severity {other}"),
    }
}

/// Checks one report; returns the problems found.
fn check_report(v: &Value, exit: i32, rules: &BTreeMap<String, (String, String)>) -> Vec<String> {
    let mut errs = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            errs.push(what);
        }
    };
    need(v["schema_version"] == 1, "schema_version 1".into());
    need(v["tool"]["name"] == "ktriage", "tool.name".into());
    need(v["tool"]["version"].is_string(), "tool.version".into());
    need(v["snapshot"]["path"].is_string(), "snapshot.path".into());
    let layout = v["snapshot"]["layout"].as_str().unwrap_or("");
    need(
        [
            "troubleshoot",
            "cluster-info-dump",
            "must-gather",
            "support-bundle-kit",
            "plain",
        ]
        .contains(&layout),
        format!("snapshot.layout {layout:?}"),
    );
    let cap = &v["snapshot"]["captured_at"];
    need(
        cap.is_null()
            || cap
                .as_str()
                .is_some_and(|s| s.ends_with('Z') && s.contains('T')),
        format!("captured_at {cap}"),
    );
    let ledger = v["ledger"].as_array().cloned().unwrap_or_default();
    need(!ledger.is_empty(), "ledger is empty".into());
    let paths: BTreeSet<&str> = ledger.iter().filter_map(|l| l["path"].as_str()).collect();
    for l in &ledger {
        let st = l["status"].as_str().unwrap_or("");
        need(
            ["parsed", "partial", "skipped", "error"].contains(&st),
            format!("ledger status {st:?}"),
        );
        if st == "skipped" || st == "error" || st == "partial" {
            need(
                l["detail"].is_string(),
                format!("ledger {} lacks detail", l["path"]),
            );
        }
        let p = l["path"].as_str().unwrap_or("/");
        need(
            !p.is_empty() && !p.starts_with('/'),
            format!("ledger path {p:?}"),
        );
    }
    need(
        v["inventory"]["objects_by_kind"].is_object(),
        "inventory.objects_by_kind".into(),
    );
    need(
        v["inventory"]["pods_by_phase"].is_object(),
        "inventory.pods_by_phase".into(),
    );
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = findings.iter().filter_map(|f| f["id"].as_str()).collect();
    let expected_ids: Vec<String> = (1..=findings.len()).map(|i| format!("f{i}")).collect();
    need(ids == expected_ids, format!("ids {ids:?}"));
    let id_set: BTreeSet<&str> = ids.iter().copied().collect();
    let mut prev: Option<(u8, String, String)> = None;
    let mut worst = 3;
    for f in &findings {
        let code = f["code"].as_str().unwrap_or("");
        let sev = f["severity"].as_str().unwrap_or("");
        match rules.get(code) {
            Some((name, _)) => need(f["name"] == name.as_str(), format!("{code} name")),
            None => need(false, format!("unknown code {code:?}")),
        }
        let rank = sev_rank(sev);
        worst = worst.min(rank);
        let obj = &f["object"];
        need(
            obj["kind"].is_string() && obj["name"].is_string(),
            format!("{code} object {obj}"),
        );
        let obj_key = format!(
            "{}/{}/{}",
            obj["kind"].as_str().unwrap_or(""),
            obj["namespace"].as_str().unwrap_or(""),
            obj["name"].as_str().unwrap_or("")
        );
        let key = (rank, code.to_string(), obj_key);
        if let Some(p) = &prev {
            need(p <= &key, format!("not sorted: {p:?} before {key:?}"));
        }
        prev = Some(key);
        need(
            f["message"].as_str().is_some_and(|m| !m.is_empty()),
            format!("{code} message"),
        );
        need(
            f["help"].as_str().is_some_and(|m| !m.is_empty()),
            format!("{code} help"),
        );
        let evidence = f["evidence"].as_array().cloned().unwrap_or_default();
        need(
            !evidence.is_empty(),
            format!("{code} on {} has no evidence", f["object"]),
        );
        for e in &evidence {
            let p = e["path"].as_str().unwrap_or("");
            need(
                paths.contains(p),
                format!("{code} evidence path {p:?} not in the ledger"),
            );
            need(
                e["line"].as_u64().is_some_and(|n| n >= 1),
                format!("{code} line"),
            );
            need(
                e["column"].as_u64().is_some_and(|n| n >= 1),
                format!("{code} column"),
            );
            need(e["text"].is_string(), format!("{code} text"));
        }
        for x in f["explains"].as_array().cloned().unwrap_or_default() {
            let x = x.as_str().unwrap_or("");
            need(
                id_set.contains(x) && x != f["id"].as_str().unwrap_or(""),
                format!("{code} explains unknown {x:?}"),
            );
        }
    }
    let expected_exit = if worst == 0 { 1 } else { 0 };
    need(
        exit == expected_exit,
        format!("exit {exit}, expected {expected_exit} (--fail-on error)"),
    );
    errs
}

fn run_json(paths: &[PathBuf]) -> (Value, i32) {
    let out = ktriage()
        .arg("analyze")
        .args(paths)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (v, code)
}

fn fixture_cases() -> Vec<Vec<PathBuf>> {
    common::rule_cases()
        .iter()
        .map(|(_, _, dir)| common::case_inputs(dir))
        .collect()
}

#[test]
fn every_report_follows_the_contract() {
    let rules = rules();
    let mut cases = fixture_cases();
    cases.push(vec![root().join("testdata/demo/fastapi-k8s-bundle.tar.gz")]);
    let real = root()
        .join("../shared/realworld/troubleshoot/testdata/supportbundle/support-bundle.tar.gz");
    if real.exists() {
        cases.push(vec![real]);
    }
    let mut problems = Vec::new();
    for inputs in &cases {
        let (v, code) = run_json(inputs);
        for p in check_report(&v, code, &rules) {
            problems.push(format!("{inputs:?}: {p}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn fail_on_sets_the_exit_status() {
    let demo = "testdata/demo/fastapi-k8s-bundle.tar.gz";
    ktriage().args(["analyze", demo, "-q"]).assert().code(1);
    ktriage()
        .args(["analyze", demo, "--fail-on", "never"])
        .assert()
        .code(0);
    ktriage()
        .args(["analyze", demo, "--select", "KT-DNS", "--fail-on", "info"])
        .assert()
        .code(0);
    ktriage()
        .args([
            "analyze",
            demo,
            "--min-severity",
            "error",
            "--fail-on",
            "warning",
        ])
        .assert()
        .code(1);
    ktriage()
        .args(["analyze", demo, "-n", "kube-system", "--fail-on", "warning"])
        .assert()
        .code(0);
}

#[test]
fn unknown_rule_names_are_exit_2() {
    ktriage()
        .args(["analyze", "testdata/demo", "--select", "KT-NOPE-001"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("names no rule"));
    ktriage().args(["explain", "KT-NOPE-001"]).assert().code(2);
    ktriage()
        .args(["analyze", "testdata/demo", "-n", "default", "-A"])
        .assert()
        .code(2);
}

#[test]
fn rules_and_explain_list_every_rule() {
    let rules = rules();
    assert!(rules.len() >= 37, "{} rules", rules.len());
    let text = String::from_utf8(
        ktriage()
            .arg("rules")
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    for (code, (name, _)) in &rules {
        assert!(
            text.contains(code) && text.contains(name.as_str()),
            "{code}"
        );
        let page = ktriage()
            .args(["explain", code])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let page = String::from_utf8(page).unwrap();
        assert!(page.starts_with(&format!("# {code} {name}")), "{page}");
        assert!(page.contains("## How to fix"), "{code}");
        // By name too.
        ktriage().args(["explain", name]).assert().code(0);
    }
}
