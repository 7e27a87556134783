//! The binary as users run it: exit codes, messages, output formats, standard input, and the
//! reports on the demo snapshot (snapshots with insta).

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn demo() -> PathBuf {
    root().join("testdata/demo/fastapi-k8s-bundle.tar.gz")
}

fn ktriage() -> Command {
    let mut c = Command::cargo_bin("ktriage").unwrap();
    c.current_dir(root());
    c
}

/// Runs `ktriage` with `args`, checks its exit status and returns its standard output.
fn stdout_of(args: &[&str], code: i32) -> String {
    let out = ktriage()
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

const DEMO: &str = "testdata/demo/fastapi-k8s-bundle.tar.gz";

#[test]
fn missing_path_is_exit_2_with_one_line() {
    ktriage()
        .args(["analyze", "no/such/bundle.tar.gz"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: path does not exist: no/such/bundle.tar.gz\n");
}

#[test]
fn bad_arguments_are_exit_2() {
    ktriage().args(["analyze"]).assert().code(2);
    ktriage()
        .args(["analyze", "testdata/demo", "--format", "yaml"])
        .assert()
        .code(2);
    ktriage()
        .args(["analyze", "testdata/demo", "--max-bytes", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a size"));
}

#[test]
fn nothing_readable_is_exit_2() {
    ktriage()
        .args(["analyze", "testdata/fixtures/plain/notes.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "nothing in the snapshot could be read",
        ));
}

#[test]
fn demo_json_report() {
    let text = stdout_of(&["analyze", DEMO, "--format", "json"], 1);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["snapshot"]["layout"], "troubleshoot");
    assert_eq!(v["snapshot"]["captured_at"], "2026-11-20T14:03:12Z");
    assert_eq!(v["inventory"]["objects_by_kind"]["Pod"], 14);
    assert_eq!(v["inventory"]["pods_by_phase"]["Pending"], 1);
    assert!(v["summary"]["error"].as_u64().unwrap() > 0);
    insta::assert_snapshot!("demo_json", text);
}

#[test]
fn demo_json_is_deterministic() {
    let run = || {
        ktriage()
            .args([
                "analyze",
                "testdata/demo/fastapi-k8s-bundle.tar.gz",
                "--format",
                "json",
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn demo_human_report() {
    insta::assert_snapshot!("demo_human", stdout_of(&["analyze", DEMO], 1));
}

/// Runs `ktriage analyze - --format json` on `bytes` and returns the parsed report.
fn json_from_stdin(bytes: Vec<u8>) -> serde_json::Value {
    let out = ktriage()
        .args(["analyze", "-", "--format", "json", "--fail-on", "never"])
        .write_stdin(bytes)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn standard_input_archive() {
    let v = json_from_stdin(std::fs::read(demo()).unwrap());
    assert_eq!(v["snapshot"]["layout"], "troubleshoot");
    assert_eq!(v["inventory"]["objects_by_kind"]["Pod"], 14);
}

#[test]
fn standard_input_stream_of_json() {
    let v = json_from_stdin(
        std::fs::read(root().join("testdata/fixtures/cluster-info-dump.json")).unwrap(),
    );
    assert_eq!(v["snapshot"]["layout"], "cluster-info-dump");
    assert_eq!(v["ledger"][0]["path"], "stdin");
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    ktriage()
        .args([
            "analyze",
            "testdata/demo/fastapi-k8s-bundle.tar.gz",
            "--format",
            "json",
            "--output",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(v["tool"]["name"], "ktriage");
}

#[test]
fn output_file_takes_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for (format, marker) in [
        ("human", "Incident 1 of 6"),
        ("json", "\"incidents\""),
        ("markdown", "| # | severity | incident | impact |"),
        ("sarif", "\"version\": \"2.1.0\""),
    ] {
        let out = dir.path().join(format!("report.{format}"));
        ktriage()
            .args(["analyze", "testdata/demo", "--format", format, "--output"])
            .arg(&out)
            .env("CLICOLOR_FORCE", "1")
            .assert()
            .code(1)
            .stdout("");
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(marker), "{format}: {marker} missing");
        // A file never gets colour codes.
        assert!(!text.contains('\x1b'), "{format}: colour codes in the file");
    }
}

#[test]
fn human_footer_counts_and_lists_what_could_not_be_read() {
    let out = ktriage()
        .args(["analyze", "testdata/fixtures/plain", "--fail-on", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let footer = text.rsplit_once("\n-----").unwrap().1;
    assert!(
        footer.contains("in 1 incident; 16 files, 2 could not be read fully"),
        "{footer}"
    );
    assert!(
        footer.contains("partial corrupt-item.json:56:67: expected `,` or `}`"),
        "{footer}"
    );
    assert!(
        footer
            .contains("partial bad-field.yaml:8:1: Pod default/odd kept without its typed fields"),
        "{footer}"
    );
}

#[test]
fn partial_snapshot_is_not_exit_2() {
    ktriage()
        .args([
            "analyze",
            "testdata/fixtures/plain",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"status\": \"partial\""));
}

#[test]
fn redact_masks_addresses_in_every_format() {
    // The real bundle's findings quote a log line with the API server's address.
    let real = root()
        .join("../shared/realworld/troubleshoot/testdata/supportbundle/support-bundle.tar.gz");
    if !real.exists() {
        eprintln!("note: {} is absent; skipping", real.display());
        return;
    }
    let run = |format: &str, redact: bool| {
        let mut c = ktriage();
        c.arg("analyze")
            .arg(&real)
            .args(["--fail-on", "never", "--format", format]);
        if redact {
            c.arg("--redact");
        }
        String::from_utf8(c.assert().code(0).get_output().stdout.clone()).unwrap()
    };
    for format in ["json", "human"] {
        assert!(
            run(format, false).contains("10.43.0.1"),
            "{format}: the address is there"
        );
        let text = run(format, true);
        assert!(
            !text.contains("10.43.0.1"),
            "{format}: the address is masked"
        );
        assert!(text.contains("<ip>"), "{format}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["schema_version"], 1);
        }
    }
}

#[test]
fn markdown_format() {
    let text = stdout_of(&["analyze", DEMO, "--format", "markdown"], 1);
    assert!(text.starts_with("## ktriage: "), "{text}");
    assert!(text.contains("KeyError: 'MAX_STRESS_SECONDS'"), "{text}");
    assert!(text.contains("<details>"), "{text}");
}

#[test]
fn sarif_format() {
    let out = stdout_of(&["analyze", DEMO, "--format", "sarif"], 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let run = |when: &str| stdout_of(&["analyze", DEMO, "--color", when], 1);
    assert!(run("always").contains('\u{1b}'), "colour when asked");
    let piped = run("auto");
    assert!(!piped.contains('\u{1b}'), "plain when piped");
    assert!(
        !piped.contains('╭') && !piped.contains('│'),
        "ASCII drawing when piped"
    );
    assert!(
        piped.contains("1747 |                 \"memory\": \"4Gi\""),
        "{piped}"
    );
}

#[test]
fn several_inputs_show_paths_to_open() {
    // With several inputs, each cited file is named as it can be opened from here.
    let report = |format: &str| {
        stdout_of(
            &[
                "analyze",
                "testdata/rules/KT-CREATE-003/fail-configmap-key-missing",
                "testdata/rules/KT-CREATE-001/fail-pulling-23m/pods.yaml",
                "--color",
                "never",
                "--format",
                format,
            ],
            1,
        )
    };
    let text = report("human");
    assert!(
        text.contains("[testdata/rules/KT-CREATE-003/fail-configmap-key-missing/pods.yaml:33:13]"),
        "{text}"
    );
    let md = report("markdown");
    assert!(
        md.contains("testdata/rules/KT-CREATE-003/fail-configmap-key-missing/configmaps.yaml"),
        "{md}"
    );
}

#[test]
fn timings_go_to_standard_error() {
    let out = ktriage()
        .args(["analyze", "testdata/demo", "--format", "json", "--timings"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    for stage in ["read", "parse", "model", "rules", "report"] {
        assert!(err.contains(&format!("timing {stage} ")), "{err}");
    }
    assert!(
        err.contains("timing total") && err.contains("MB/s"),
        "{err}"
    );
    // Where the evidence came from: the texts kept while parsing, or files read again.
    assert!(
        err.contains("timing evidence: ") && err.contains("kept from the first read"),
        "{err}"
    );
    if cfg!(target_os = "linux") {
        // Resident memory after the stages and the peak, where the system tells.
        assert!(err.contains(", resident after it "), "{err}");
        assert!(err.contains(", peak resident "), "{err}");
    }
    // The report itself is untouched.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tool"]["name"], "ktriage");
}
