//! Writes a synthetic troubleshoot-layout snapshot for benchmarks and manual testing.
//!
//! ```text
//! cargo run --release --example gen -- --pods N --out DIR --form tgz|json-dir|yaml-dir \
//!     --seed S [--log-kib K]
//! ```
//!
//! `tgz` writes `DIR/support-bundle-2026-01-02T03_04_05.tar.gz`, `json-dir` the same tree as
//! the folder `DIR/support-bundle-2026-01-02T03_04_05/`, `yaml-dir` a folder of
//! `kubectl get -o yaml` list files `DIR/kubectl-get-yaml/`. The same arguments always give
//! the same bytes.

#[path = "../benches/snapgen/mod.rs"]
mod snapgen;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gen --pods N --out DIR --form tgz|json-dir|yaml-dir --seed S [--log-kib K]";

fn parse_args() -> Result<snapgen::Config, String> {
    let mut pods: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut form: Option<snapgen::Form> = None;
    let mut seed: Option<u64> = None;
    let mut log_kib: usize = 16;
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
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(snapgen::Config {
        pods: pods.ok_or("--pods is required")?,
        out: out.ok_or("--out is required")?,
        form: form.ok_or("--form is required")?,
        seed: seed.ok_or("--seed is required")?,
        log_kib,
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
    println!("{}", written.bytes);
    ExitCode::SUCCESS
}
