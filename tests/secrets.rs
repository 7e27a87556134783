//! Sharing a report safely: no secret value in any format, and with `--redact` no IP address,
//! e-mail address or foreign host name.
//!
//! The snapshots `testdata/fixtures/secrets` (YAML, describe text, logs) and
//! `testdata/fixtures/secrets-json` (the JSON forms, as troubleshoot writes them) plant values
//! that all hold `MARK` where real snapshots have secrets (Secret `data` holds base64 of them,
//! which starts `TUFSS1`), next to the evidence findings cite, so that the lines a report shows
//! hold them. Every format is run on both, with and without `--redact`, at several widths, and
//! its output is searched for the markers; the masks must show where the secrets were.

mod common;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const FORMATS: [&str; 4] = ["human", "json", "markdown", "sarif"];

/// Every planted value, by where it stands. A test checks the fixtures hold each of them, and
/// no other `MARK` value, so that the list and the fixtures stay in step.
const MARKERS: &[(&str, &[&str])] = &[
    (
        "Secret data (base64 of these) and stringData",
        &[
            "MARK_SECRET_DATA_PASSWORD",
            "MARK_SECRET_DATA_USERNAME",
            "MARK_SECRET_DATA_CONFIG",
            "MARK_SECRET_DATA_TLS_KEY",
            "MARK_STRINGDATA_TOKEN",
            "MARK_STRINGDATA_BLOCK",
            "MARK_JSON_SECRET_DATA_PASSWORD",
            "MARK_JSON_SECRET_DATA_USERNAME",
            "MARK_JSON_SECRET_DATA_CONFIG",
            "MARK_COMPACT_SECRET_DATA_USER",
            "MARK_COMPACT_SECRET_DATA_PASS",
            "MARK_MIXED_SECRET_DATA_USER",
            "MARK_MIXED_SECRET_DATA_PASS",
            "MARK_JSON_SECRET_COLLECTOR_VALUE",
            "MARK_DESCRIBE_SECRET_VALUE",
        ],
    ),
    (
        "the last-applied annotation",
        &[
            "MARK_LAST_APPLIED_SECRET_DATA",
            "MARK_LAST_APPLIED_SECRET_STRINGDATA",
            "MARK_LAST_APPLIED_POD_ENV",
            "MARK_LAST_APPLIED_POD_ARG",
            "MARK_JSON_LAST_APPLIED_SECRET_DATA",
            "MARK_JSON_LAST_APPLIED_SECRET_STRINGDATA",
            "MARK_JSON_LAST_APPLIED_POD_ENV",
            "MARK_JSON_LAST_APPLIED_POD_ARG",
            "MARK_COMPACT_LAST_APPLIED_ARG",
        ],
    ),
    (
        "env values whose names look secret (pod specs, ConfigMaps, describe)",
        &[
            "MARK_ENV_PASSWORD",
            "MARK_ENV_API_KEY",
            "MARK_ENV_URL_PASSWORD",
            "MARK_ENV_AWS_SECRET",
            "MARK_ENV_BLOCK_LINE_1",
            "MARK_ENV_BLOCK_LINE_2",
            "MARK_ENV_SIGNING_KEY",
            "MARK_ENV_SESSION_SECRET",
            "MARK_ENV_BILLING_PASSWORD",
            "MARK_ENV_PAYMENT_TOKEN",
            "MARK_ENV_LEDGER_PASS",
            "MARK_CONFIGMAP_PASSWORD",
            "MARK_CONFIGMAP_TOKEN",
            "MARK_MIXED_ENV_TOKEN",
            "MARK_JSON_ENV_PASSWORD",
            "MARK_JSON_ENV_API_TOKEN",
            "MARK_JSON_ENV_URL_PASSWORD",
            "MARK_COMPACT_ENV_SIGNING_KEY",
            "MARK_COMPACT_ENV_S3_SECRET",
            "MARK_DESCRIBE_ENV_PASSWORD",
            "MARK_DESCRIBE_ENV_API_KEY",
            "MARK_DESCRIBE_ENV_URL",
            "MARK_DESCRIBE_ENV_PRIVATE_KEY",
        ],
    ),
    (
        "termination and event messages",
        &[
            "MARK_TERMMSG_PASSWORD",
            "MARK_TERMMSG_URL",
            "MARK_JSON_TERMMSG_PASSWORD",
            "MARK_JSON_TERMMSG_TOKEN",
            "MARK_EVENT_PGPASSWORD",
            "MARK_EVENT_FOLDED_PASSWORD",
            "MARK_EVENT_FOLDED_BEARER",
            "MARK_JSON_EVENT_BEARER",
            "MARK_JSON_EVENT_API_KEY",
        ],
    ),
    (
        "logs: bearer and basic credentials, JWTs, passwords, tokens, tracebacks",
        &[
            "MARK_BEARER_TOKEN",
            "MARK_BASIC_AUTH",
            "MARK_JWT_SIGNATURE",
            "MARK_LOG_PASSWORD",
            "MARK_LOG_API_KEY",
            "MARK_LOG_URL_PASSWORD",
            "MARK_LOG_JSON_TOKEN",
            "MARK_LOG_JSON_CLIENT_SECRET",
            "MARK_TRACEBACK_DICT_PASSWORD",
            "MARK_TRACEBACK_DICT_API_KEY",
            "MARK_JSON_LOG_DB_PASSWORD",
            "MARK_JSON_LOG_API_KEY",
            "MARK_JSON_LOG_BEARER",
            "MARK_JSON_BASIC_AUTH",
            "MARK_JSON_LOG_JWT_SIGNATURE",
            "MARK_JSON_LOG_REFRESH_TOKEN",
            "MARK_JSON_LOG_TOKEN",
            "MARK_JSON_LOG_PASSWORD",
            "MARK_JSON_LOG_ENV_PASSWORD",
        ],
    ),
    (
        "bodies of private keys (RSA, OpenSSH, PKCS #8; base64 letters only)",
        &[
            "MARKPEMRSA",
            "MARKPEMRSAINLINE",
            "MARKPEMOPENSSH",
            "MARKPEMPKCSEIGHT",
        ],
    ),
];

/// Base64 of any value starting `MARK_`.
const BASE64_MARK: &str = "TUFSS1";

fn fixtures() -> [PathBuf; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures");
    [root.join("secrets"), root.join("secrets-json")]
}

fn run_with(path: &Path, args: &[&str], columns: Option<&str>) -> String {
    let mut c = Command::cargo_bin("ktriage").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("analyze")
        .arg(path)
        .args(["--fail-on", "never", "--color", "never"])
        .args(args)
        .env_remove("COLUMNS");
    if let Some(w) = columns {
        c.env("COLUMNS", w);
    }
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", path.display());
    String::from_utf8(out.stdout).unwrap()
}

fn run(path: &Path, format: &str, redact: bool) -> String {
    let mut args = vec!["--format", format];
    if redact {
        args.push("--redact");
    }
    run_with(path, &args, None)
}

/// What of a planted secret an output shows: lines with a marker or base64 of one, and
/// markers that a wrapped line splits (the output with every line's margin and bars removed
/// and the lines joined).
fn leaks(out: &str) -> Vec<String> {
    let mut found: Vec<String> = out
        .lines()
        .filter(|l| l.contains("MARK") || l.contains(BASE64_MARK))
        .map(str::to_string)
        .collect();
    let joined: String = out
        .lines()
        .map(|l| l.trim().trim_start_matches(['|', ':', 'x']).trim())
        .collect();
    for m in MARKERS.iter().flat_map(|(_, ms)| ms.iter()) {
        if joined.contains(m) {
            found.push(format!("{m} split over lines"));
        }
    }
    found
}

#[test]
fn the_fixtures_plant_every_marker_and_no_other() {
    let mut text = String::new();
    for dir in fixtures() {
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() && e.file_name() != "README.md" {
                text.push_str(&std::fs::read_to_string(e.path()).unwrap());
                text.push('\n');
            }
        }
    }
    // Secret data is base64: decode every base64 word of the fixtures that decodes to text.
    let decoded: String = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
        .filter(|w| w.starts_with(BASE64_MARK))
        .filter_map(decode_base64)
        .collect::<Vec<_>>()
        .join("\n");
    let all = format!("{text}\n{decoded}");
    let known: Vec<&str> = MARKERS
        .iter()
        .flat_map(|(_, ms)| ms.iter().copied())
        .collect();
    for m in &known {
        assert!(all.contains(m), "{m} is planted nowhere");
    }
    for word in all.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if let Some(at) = word.find("MARK") {
            let word = &word[at..];
            assert!(
                known.iter().any(|m| word.starts_with(m)),
                "{word} is planted but not listed in MARKERS"
            );
        }
    }
}

/// Standard base64, as text.
fn decode_base64(word: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in word.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = bits << 6 | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[test]
fn no_secret_value_in_any_format() {
    for path in fixtures() {
        for format in FORMATS {
            for redact in [false, true] {
                let out = run(&path, format, redact);
                let found = leaks(&out);
                assert!(
                    found.is_empty(),
                    "{} {format} (redact {redact}) shows secrets:\n{}",
                    path.display(),
                    found.join("\n")
                );
            }
        }
    }
}

#[test]
fn no_secret_value_at_any_width() {
    // Narrow: messages wrap and source lines are cut; wide: nothing is cut that could hide a
    // leak.
    for path in fixtures() {
        for columns in ["40", "60", "1000"] {
            for redact in [false, true] {
                let mut args = vec!["--format", "human"];
                if redact {
                    args.push("--redact");
                }
                let out = run_with(&path, &args, Some(columns));
                let found = leaks(&out);
                assert!(
                    found.is_empty(),
                    "{} at {columns} columns (redact {redact}) shows secrets:\n{}",
                    path.display(),
                    found.join("\n")
                );
            }
        }
    }
}

#[test]
fn no_secret_value_in_a_report_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for path in fixtures() {
        for format in FORMATS {
            let file = dir.path().join(format!("report.{format}"));
            let shown = run_with(
                &path,
                &["--format", format, "-o", file.to_str().unwrap()],
                Some("1000"),
            );
            assert!(shown.is_empty(), "{format}: the report goes to the file");
            let out = std::fs::read_to_string(&file).unwrap();
            assert!(out.contains("<hidden>"), "{format}: no mask in the file");
            let found = leaks(&out);
            assert!(
                found.is_empty(),
                "{} {format} written to a file shows secrets:\n{}",
                path.display(),
                found.join("\n")
            );
        }
    }
}

#[test]
fn secrets_next_to_evidence_are_hidden_where_they_stand() {
    // The lines around the cited ones are shown, with the secret values hidden in place: the
    // test above does not pass by showing nothing.
    let [yaml, json] = fixtures();
    let human = run_with(&yaml, &["--format", "human"], Some("1000"));
    for shown in [
        // Env values around the cited empty one, a block scalar's lines among them.
        " 22 |           <hidden>\n 23 |       - name: FEATURE_FLAGS",
        " 25 |       - name: API_KEY\n 26 |         value: <hidden>",
        // The last-applied annotation above the cited labels.
        "  8 |         <hidden>\n  9 |     creationTimestamp",
        // A termination message next to the cited exit code.
        "message: 'settings: DB_PASSWORD=<hidden> url=postgres://app:<hidden>@10.96.14.7",
        // ConfigMap keys that look secret, under its cited `data:`.
        "BILLING_TOKEN: <hidden>",
        "DB_PASSWORD: <hidden>",
        // describe: the environment right below the cited restart count.
        "      DB_PASSWORD:     <hidden>",
        // An event message folded over lines.
        "    <hidden> (PGPASSWORD=<hidden>) Authorization: Bearer\n 16 |     <hidden>'",
        // Logs.
        "postgres://app:<hidden>@10.96.14.7:5432/app with headers {'Authorization': 'Bearer <hidden>'",
        "retry with password=<hidden> api_key=<hidden>, upstream Authorization: Basic <hidden> session <hidden> dropped",
        r#""token":"<hidden>","client_secret":"<hidden>""#,
        "'password': '<hidden>', 'api_key': '<hidden>', 'tls': '-----BEGIN RSA PRIVATE KEY-----<hidden>-----END RSA PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----<hidden>\n 9 | <hidden>",
        " 10 | <hidden>\n 11 | -----END PRIVATE KEY-----",
        "-----BEGIN OPENSSH PRIVATE KEY-----<hidden>\n 14 | <hidden>",
        // A pod on one line with a Secret before it: the Secret's values are hidden.
        r#"{"apiVersion":"<hidden>","data":{"redis-user":"<hidden>","redis-pass":"<hidden>"}"#,
        // A cited Secret shows its cited line only.
        "`-- the Secret (keys only)",
    ] {
        assert!(human.contains(shown), "{shown:?} missing:\n{human}");
    }
    // Without `--redact`, addresses stay: they help the reader.
    assert!(human.contains("oncall@acme-corp.com"));
    assert!(human.contains("192.168.7.21"));

    let human = run_with(&json, &["--format", "human"], Some("1000"));
    for shown in [
        r#""message": "settings: DB_PASSWORD=<hidden> token=<hidden>","#,
        r#""access_token":"<hidden>","refresh_token":"<hidden>""#,
        r#""token":"<hidden>","password":"<hidden>""#,
        r#""env":{"DB_PASSWORD":"<hidden>","LOG_LEVEL":"debug"}"#,
        "(sent Authorization: Bearer <hidden>, api_key=<hidden>)",
        r#"{"name":"REPORT_SIGNING_KEY","value":"<hidden>"}"#,
        r#""kubectl.kubernetes.io/last-applied-configuration":"<hidden>""#,
        r#""data":{"smtp-user":"<hidden>","smtp-pass":"<hidden>"}"#,
    ] {
        assert!(human.contains(shown), "{shown:?} missing:\n{human}");
    }
    // The Secret without a `kind` (troubleshoot's lists) is known as one: its cited line only.
    let frame = human
        .split(",-[cluster-resources/secrets/shop.json")
        .nth(1)
        .expect("the Secret is cited");
    let frame = &frame[..frame.find("`----").unwrap()];
    let numbered = frame
        .lines()
        .filter(|l| {
            l.trim_start()
                .split(" |")
                .next()
                .is_some_and(|n| n.trim().parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(
        numbered, 1,
        "more than the cited line of a Secret:\n{frame}"
    );

    // Every format shows the masks in the messages and evidence it quotes.
    for path in [&yaml, &json] {
        for format in FORMATS {
            let out = run(path, format, false);
            assert!(
                out.matches("<hidden>").count() >= 3,
                "{} {format}: few masks:\n{out}",
                path.display()
            );
        }
    }
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
fn redact_leaves_no_address_mail_or_foreign_host() {
    for path in fixtures() {
        for format in FORMATS {
            let out = run(&path, format, true);
            assert_eq!(ipv4s(&out), Vec::<String>::new(), "{format}");
            assert_eq!(emails(&out), Vec::<String>::new(), "{format}");
            assert!(!out.contains("acme-corp.com"), "{format}");
            // The cluster's own names and in-cluster DNS stay readable.
            assert!(out.contains("api-7d9f8c6b5-xk2lp"), "{format}");
            assert!(out.contains("db-creds"), "{format}");
        }
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
