//! Sharing a report safely: no secret value in any format, and with `--redact` no IP address,
//! e-mail address or foreign host name. The snapshot `testdata/fixtures/secrets` plants values
//! that all hold `SECRETMARK` (or its base64) where real snapshots have secrets.

mod common;

use assert_cmd::Command;
use std::path::Path;

const FORMATS: [&str; 4] = ["human", "json", "markdown", "sarif"];

fn run(path: &Path, format: &str, redact: bool) -> String {
    let mut c = Command::cargo_bin("ktriage").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("analyze")
        .arg(path)
        .args(["--format", format, "--fail-on", "never", "--color", "never"]);
    if redact {
        c.arg("--redact");
    }
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", path.display());
    String::from_utf8(out.stdout).unwrap()
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures/secrets")
}

/// Dotted quads, as `--redact` must leave none.
fn ipv4s(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        let parts: Vec<&str> = word.trim_matches('.').split('.').collect();
        if parts.len() == 4
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n < 256))
        {
            out.push(word.to_string());
        }
    }
    out
}

/// `local@domain.tld`.
fn emails(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "\"'<>(),;`".contains(c))
        .filter(|w| {
            w.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn no_secret_value_in_any_format() {
    for format in FORMATS {
        for redact in [false, true] {
            let out = run(&fixture(), format, redact);
            for marker in ["SECRETMARK", "U0VDUkVUTUFSSy"] {
                assert!(
                    !out.contains(marker),
                    "{format} (redact {redact}) shows a secret:\n{}",
                    out.lines().find(|l| l.contains(marker)).unwrap_or("")
                );
            }
        }
    }
}

#[test]
fn secrets_next_to_evidence_are_hidden_where_they_stand() {
    // The lines around the cited ones are shown, with the secret values hidden in place.
    let human = run(&fixture(), "human", false);
    for shown in [
        "message: 'settings: DB_PASSWORD=<hidden> url=postgres://app:<hidden>@",
        "'Authorization': 'Bearer <hidden>'",
        "DEBUG:    session <hidden> dropped",
        "`-- the Secret (keys only)",
    ] {
        assert!(human.contains(shown), "{shown} missing:\n{human}");
    }
    // Without `--redact`, addresses stay: they help the reader.
    assert!(human.contains("oncall@acme-corp.com"));
    assert!(human.contains("192.168.7.2"));
}

#[test]
fn redact_leaves_no_address_mail_or_foreign_host() {
    for format in FORMATS {
        let out = run(&fixture(), format, true);
        assert_eq!(ipv4s(&out), Vec::<String>::new(), "{format}");
        assert_eq!(emails(&out), Vec::<String>::new(), "{format}");
        assert!(!out.contains("acme-corp.com"), "{format}");
        // The cluster's own names and in-cluster DNS stay readable.
        assert!(out.contains("api-7d9f8c6b5-xk2lp"), "{format}");
        assert!(out.contains("db-creds"), "{format}");
    }
}

#[test]
fn redact_on_real_bundles() {
    for rel in [
        "troubleshoot/testdata/supportbundle/support-bundle.tar.gz",
        "troubleshoot/testdata/supportbundle/missing-version.tar.gz",
    ] {
        let Some(path) = common::realworld(rel) else {
            continue;
        };
        for format in FORMATS {
            let plain = run(&path, format, false);
            let out = run(&path, format, true);
            assert_eq!(ipv4s(&out), Vec::<String>::new(), "{rel} {format}");
            assert_eq!(emails(&out), Vec::<String>::new(), "{rel} {format}");
            // Only masks change: the same number of lines, and the findings are all there.
            assert_eq!(plain.lines().count(), out.lines().count(), "{rel} {format}");
        }
    }
}
