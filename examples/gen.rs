//! Writes a synthetic troubleshoot-layout snapshot for benchmarks and manual testing.
//!
//! ```text
//! cargo run --release --example gen -- --pods N --out DIR \
//!     --form tgz|json-dir|yaml-dir|cluster-info-dump --seed S [--log-kib K] [--faults F]
//! ```
//!
//! `tgz` writes `DIR/support-bundle-2026-01-02T03_04_05.tar.gz`, `json-dir` the same tree as
//! the folder `DIR/support-bundle-2026-01-02T03_04_05/`, `yaml-dir` a folder of
//! `kubectl get -o yaml` list files `DIR/kubectl-get-yaml/`, `cluster-info-dump` the folder
//! `kubectl cluster-info dump --output-directory` writes, `DIR/cluster-info-dump/`.
//! `--faults F` is the fraction of pods with a planted fault (default 0.07); the count of
//! planted faults per rule code goes to stderr. The same arguments always give the same bytes.

#[path = "../benches/snapgen/mod.rs"]
mod snapgen;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen --pods N --out DIR --form tgz|json-dir|yaml-dir|cluster-info-dump \
                     --seed S [--log-kib K] [--faults F]";

fn parse_args() -> Result<snapgen::Config, String> {
    let mut pods: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut form: Option<snapgen::Form> = None;
    let mut seed: Option<u64> = None;
    let mut log_kib: usize = 16;
    let mut faults = snapgen::DEFAULT_FAULTS;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v:?}"))
        };
        match flag.as_str() {
            "--pods" => pods = Some(number(&value)? as usize),
            "--out" => out = Some(PathBuf::from(value)),
            "--form" => {
                form = Some(
                    snapgen::Form::parse(&value)
                        .ok_or_else(|| format!("--form: unknown form {value:?}"))?,
                )
            }
            "--seed" => seed = Some(number(&value)?),
            "--log-kib" => log_kib = number(&value)? as usize,
            "--faults" => {
                faults = value
                    .parse::<f64>()
                    .ok()
                    .filter(|f| (0.0..=1.0).contains(f))
                    .ok_or_else(|| format!("--faults: not a fraction within 0..=1: {value:?}"))?
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(snapgen::Config {
        pods: pods.ok_or("--pods is required")?,
        out: out.ok_or("--out is required")?,
        form: form.ok_or("--form is required")?,
        seed: seed.ok_or("--seed is required")?,
        log_kib,
        faults,
    })
}

fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if cfg.pods == 0 {
        eprintln!("error: --pods must be at least 1");
        return ExitCode::from(2);
    }
    let started = std::time::Instant::now();
    let written = match snapgen::generate(&cfg) {
        Ok(w) => w,
        Err(e) => {
            eprintln!(
                "error: cannot write the snapshot into {}: {e}",
                cfg.out.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let objects: Vec<String> = written
        .objects
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    eprintln!(
        "wrote {} ({}, {} files, {}; {} bytes on disk) in {:.1}s",
        written.path.display(),
        cfg.form.as_str(),
        written.files,
        objects.join(", "),
        written.disk_bytes,
        started.elapsed().as_secs_f64()
    );
    let mut per_code: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &written.faults {
        *per_code.entry(f.code).or_default() += 1;
    }
    let counts: Vec<String> = per_code
        .iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect();
    eprintln!(
        "planted {} faults (--faults {}): {}",
        written.faults.len(),
        cfg.faults,
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    );
    println!("{}", written.bytes);
    ExitCode::SUCCESS
}
