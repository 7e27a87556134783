//! No input makes ktriage panic: every fixture (data, describe text, tables, logs, the demo
//! bundle) cut at many points, and with bytes flipped, is read to the end, and each file still
//! lands in the ledger.

use std::path::Path;

fn inputs() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut v = Vec::new();
    for dir in ["fixtures", "describe", "tables"] {
        for e in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                v.push(e.path().to_path_buf());
            }
        }
    }
    v.push(root.join("demo/fastapi-k8s-bundle.tar.gz"));
    v
}

fn read(bytes: &[u8], name: &str, dir: &Path) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let s = ktriage::load(&[p], &Default::default()).expect("a file that exists is always read");
    assert!(
        !s.ingested.ledger.is_empty(),
        "{name}: every input lands in the ledger"
    );
    let d = s.diagnose(&Default::default());
    let _ = ktriage::report::json::render(&s, &d);
    let _ = ktriage::report::human::render(&s, &d);
}

#[test]
fn truncated_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            read(&bytes[..cut], &name, dir.path());
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        if bytes.is_empty() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for _ in 0..20 {
            let mut b = bytes.clone();
            for _ in 0..4 {
                let i = (next() as usize) % b.len();
                b[i] = (next() & 0xff) as u8;
            }
            read(&b, &name, dir.path());
        }
    }
}

// The bad-input corpus, through the binary.

mod common;

use common::bad;
use std::time::{Duration, Instant};

/// What a run of the binary showed.
struct Run {
    code: i32,
    took: Duration,
    /// Peak resident memory, from `--timings`.
    peak_mib: Option<f64>,
    /// (path, status, detail) of every ledger entry.
    ledger: Vec<(String, String, String)>,
    stderr: String,
}

fn run(path: &Path, extra: &[&str]) -> Run {
    let started = Instant::now();
    let out = assert_cmd::Command::cargo_bin("ktriage")
        .unwrap()
        .arg("analyze")
        .arg(path)
        .args(["--format", "json", "--fail-on", "never", "--timings"])
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(code, 101, "{}: panicked\n{stderr}", path.display());
    assert!(
        code == 0 || code == 2,
        "{}: exit {code}\n{stderr}",
        path.display()
    );
    let peak_mib = stderr.split("peak resident ").nth(1).and_then(|s| {
        let mut w = s.split_whitespace();
        let n: f64 = w.next()?.parse().ok()?;
        Some(match w.next()? {
            u if u.starts_with("GiB") => n * 1024.0,
            u if u.starts_with("MiB") => n,
            u if u.starts_with("KiB") => n / 1024.0,
            _ => n / 1024.0 / 1024.0,
        })
    });
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: not JSON ({e})\n{stderr}", path.display()));
    let ledger = report["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or("").to_string(),
                e["status"].as_str().unwrap_or("").to_string(),
                e["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    Run {
        code,
        took,
        peak_mib,
        ledger,
        stderr,
    }
}

fn bad_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/bad")
}

/// The inputs of the small corpus: its files, and `all-garbage/` as one snapshot.
fn small_inputs() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(bad_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    v.sort();
    v
}

#[test]
fn bad_corpus_on_disk_is_what_the_generator_writes() {
    if std::env::var_os("UPDATE_BAD").is_some() {
        bad::write_small(&bad_dir());
    }
    for (name, bytes) in bad::small() {
        let on_disk = std::fs::read(bad_dir().join(&name))
            .unwrap_or_else(|e| panic!("testdata/bad/{name}: {e} (UPDATE_BAD=1 writes it)"));
        assert!(
            on_disk == bytes,
            "testdata/bad/{name} differs from tests/common/bad.rs (UPDATE_BAD=1 writes it)"
        );
    }
}

/// Every file of the small corpus: what the ledger says of it, and the exit status.
#[test]
fn bad_corpus_ledger() {
    let mut text = String::new();
    for path in small_inputs() {
        let r = run(&path, &[]);
        let name = path.file_name().unwrap().to_string_lossy();
        text.push_str(&format!("== {name} (exit {})\n", r.code));
        assert!(!r.ledger.is_empty(), "{name}: nothing in the ledger");
        for (p, status, detail) in &r.ledger {
            if status != "parsed" {
                assert!(
                    !detail.is_empty(),
                    "{name}: {p} is {status} without a reason"
                );
            }
            text.push_str(&format!("{p}: {status}: {detail}\n"));
        }
        if r.code == 2 {
            assert!(
                r.stderr.contains("nothing in the snapshot could be read"),
                "{name}"
            );
        }
        assert!(r.took < Duration::from_secs(20), "{name}: {:?}", r.took);
    }
    insta::assert_snapshot!(text);
}

/// The large inputs, generated: each stops at its limit, quickly and in little memory.
#[test]
fn hostile_inputs_stop_at_their_limits() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // (input, extra arguments, what its ledger must say)
    let cases: Vec<(std::path::PathBuf, Vec<&str>, &str)> = vec![
        (
            write("bomb.tar.gz", bad::gzip_bomb(1024)),
            vec![],
            "more than 500 to 1, as an archive bomb does (the --max-ratio limit)",
        ),
        (
            write("bomb.zip", bad::zip_bomb(1024)),
            vec![],
            "(the --max-ratio limit)",
        ),
        (
            write("bomb-capped.tar.gz", bad::gzip_bomb(256)),
            vec!["--max-ratio", "0", "--max-bytes", "64M"],
            "stopped after 64.0 MiB of decompressed data (the --max-bytes limit)",
        ),
        (
            write("many-files.tar.gz", bad::many_files(3000)),
            vec!["--max-files", "1000"],
            "stopped after 1000 files (the --max-files limit)",
        ),
        (
            write("big/pods.json", bad::big_pod_list(20)),
            vec!["--max-document-size", "8M"],
            "more than the 8.0 MiB a file may hold to be parsed (the --max-document-size limit)",
        ),
        (
            write("one-line-100mb.log", bad::one_line_log(100)),
            vec![],
            "",
        ),
        (
            write("describe-100mb-line.txt", bad::describe_long_line(100)),
            vec![],
            "line is 100.0 MiB long; only its first 64.0 KiB were read (the --max-line-length limit)",
        ),
    ];
    for (path, extra, expect) in cases {
        let r = run(&path, &extra);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let all: Vec<String> = r
            .ledger
            .iter()
            .map(|(p, s, d)| format!("{p}: {s}: {d}"))
            .collect();
        assert!(
            all.iter().any(|l| l.contains(expect)),
            "{name}: no {expect:?} in\n{}",
            all.join("\n")
        );
        eprintln!(
            "{name}: exit {}, {:.2} s, peak {:.0} MiB\n  {}",
            r.code,
            r.took.as_secs_f64(),
            r.peak_mib.unwrap_or(0.0),
            all.iter()
                .filter(|l| !l.contains(": parsed: "))
                .cloned()
                .collect::<Vec<_>>()
                .join("\n  ")
        );
        assert!(r.took < Duration::from_secs(30), "{name}: {:?}", r.took);
        if let Some(peak) = r.peak_mib {
            assert!(peak < 600.0, "{name}: peak {peak} MiB");
        }
    }
}

/// Files that cannot be opened (when the tests do not run as root, which reads anything), a
/// named pipe and a dangling link: each in the ledger with its reason.
#[cfg(unix)]
#[test]
fn unreadable_files_in_a_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("snap");
    std::fs::create_dir_all(root.join("locked")).unwrap();
    std::fs::write(root.join("pods.yaml"), bad::POD_YAML).unwrap();
    std::fs::write(root.join("secret.yaml"), bad::POD_YAML).unwrap();
    std::fs::set_permissions(
        root.join("secret.yaml"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::write(root.join("locked/inside.yaml"), bad::POD_YAML).unwrap();
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::os::unix::fs::symlink("nowhere.yaml", root.join("dangling.yaml")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .is_ok_and(|s| s.success());
    let as_root = std::fs::read(root.join("secret.yaml")).is_ok();
    let r = run(&root, &[]);
    let find = |p: &str| {
        r.ledger
            .iter()
            .find(|e| e.0 == p)
            .unwrap_or_else(|| panic!("{p} not in {:?}", r.ledger))
    };
    assert_eq!(find("pods.yaml").1, "parsed");
    assert!(find("dangling.yaml").2.contains("dangling link"));
    if fifo {
        assert!(find("pipe").2.contains("not a regular file"));
    }
    if as_root {
        eprintln!(
            "note: running as root, which reads files without permission; skipping that part"
        );
    } else {
        assert_eq!(find("secret.yaml").1, "error");
        assert!(
            find("secret.yaml").2.contains("denied"),
            "{:?}",
            find("secret.yaml")
        );
        assert!(find("locked").2.contains("denied"), "{:?}", r.ledger);
    }
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}
