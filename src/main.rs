//! The `ktriage` binary: parse arguments, call the library, map the result to an exit code.

use clap::Parser;
use ktriage::cli::{Cli, Command, Format};
use ktriage::{ingest, report, source};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Rules(args) => {
            let text = match args.format {
                Format::Json => report::rules::list_json(),
                Format::Human | Format::Markdown | Format::Sarif => report::rules::list_text(),
            };
            print!("{text}");
            ExitCode::SUCCESS
        }
        Command::Explain(args) => match ktriage::rules::find(&args.code) {
            Some(rule) => {
                print!("{}", report::rules::explain(rule));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!(
                    "error: no rule {:?} (see `ktriage rules` for the list)",
                    args.code
                );
                ExitCode::from(2)
            }
        },
    }
}

fn analyze(args: ktriage::cli::AnalyzeArgs) -> ExitCode {
    for p in &args.paths {
        if p.as_os_str() != "-" && !p.exists() {
            eprintln!("error: path does not exist: {}", p.display());
            return ExitCode::from(2);
        }
    }
    let progress = Arc::new(AtomicU64::new(0));
    let opts = ingest::Options {
        read: args.read_options(Some(progress.clone())),
    };
    let bar = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| spawn_progress(&args.paths, progress));
    let result = ktriage::load(&args.paths, &opts);
    if let Some((done, handle)) = bar {
        done.store(true, Ordering::Relaxed);
        let _ = handle.join();
    }
    let snapshot = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for p in args.select.iter().chain(&args.ignore) {
        if !ktriage::rules::registry()
            .iter()
            .any(|r| ktriage::diagnose::names_rule(p, r))
        {
            eprintln!("error: {p:?} names no rule (see `ktriage rules`)");
            return ExitCode::from(2);
        }
    }
    let started = Instant::now();
    let diagnosis = snapshot.diagnose(&args.diagnose_options());
    let rules_time = started.elapsed();
    let started = Instant::now();
    let text = match args.format {
        Format::Human => report::human::render_styled(&snapshot, &diagnosis, style(&args)),
        Format::Json => report::json::render(&snapshot, &diagnosis),
        Format::Markdown => report::markdown::render(&snapshot, &diagnosis),
        Format::Sarif => report::sarif::render(&snapshot, &diagnosis),
    };
    let text = if args.redact {
        report::redact::Redactor::new(&snapshot.cluster).redact(&text)
    } else {
        text
    };
    let report_time = started.elapsed();
    if args.timings {
        print_timings(&snapshot, &diagnosis, rules_time, report_time);
    }
    let written = match &args.output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write the report: {e}")),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| diagnosis.count_at_least(t) > 0);
    let code = if !snapshot.read_anything() {
        eprintln!(
            "error: nothing in the snapshot could be read as Kubernetes data or logs (see the file list)"
        );
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing hundreds of thousands of objects one by one would only
    // delay the exit.
    std::mem::forget(snapshot);
    code
}

/// Colour, unicode and width of the human report: colour on a terminal (unless `NO_COLOR` or
/// `--color never`), the terminal's width from `COLUMNS`, plain ASCII at 100 columns otherwise.
/// `--timings`: one line per stage on standard error, then the total and the throughput in
/// uncompressed snapshot bytes.
fn print_timings(
    s: &ktriage::Snapshot,
    d: &ktriage::diagnose::Diagnosis,
    rules: Duration,
    report: Duration,
) {
    let t = s.ingested.timings;
    let stages = [
        ("read", t.read),
        ("parse", t.parse),
        ("model", t.model),
        ("rules", rules),
        ("report", report),
    ];
    let total: Duration = stages.iter().map(|(_, d)| *d).sum();
    let bytes: u64 = s.ingested.inputs.iter().map(|i| i.bytes).sum();
    let mut err = std::io::stderr().lock();
    let now = ingest::resident_memory();
    let resident = [
        t.resident[0],
        t.resident[1],
        t.resident[2],
        None,
        now.map(|m| m.0),
    ];
    for ((name, d), rss) in stages.into_iter().zip(resident) {
        let share = 100.0 * d.as_secs_f64() / total.as_secs_f64().max(1e-9);
        let rss = rss
            .map(|b| format!(", resident after it {}", source::human_bytes(b)))
            .unwrap_or_default();
        let _ = writeln!(
            err,
            "timing {name:<7}{:>9.3} s {share:>5.1}%{rss}",
            d.as_secs_f64()
        );
    }
    let plan = report::locate::reading_plan(s, &d.findings);
    let _ = writeln!(
        err,
        "timing evidence: {} of {} places in the {} kept from the first read{}, {} file(s) read again",
        plan.kept,
        plan.places,
        source::human_bytes(s.ingested.kept.bytes as u64),
        match s.ingested.kept.refused {
            0 => String::new(),
            n => format!(" ({n} objects over its budget)"),
        },
        plan.files
    );
    // The slowest rules (they run in parallel: their times add up to more than the stage).
    let slowest: Vec<String> = d
        .rule_times
        .iter()
        .take(10)
        .map(|(code, t)| format!("{code} {:.3} s", t.as_secs_f64()))
        .collect();
    if !slowest.is_empty() {
        let _ = writeln!(err, "timing slowest rules: {}", slowest.join(", "));
    }
    let peak = now
        .map(|m| format!(", peak resident {}", source::human_bytes(m.1)))
        .unwrap_or_default();
    let _ = writeln!(
        err,
        "timing total  {:>9.3} s, {:.1} MB at {:.0} MB/s{peak}",
        total.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / total.as_secs_f64().max(1e-9)
    );
}

fn style(args: &ktriage::cli::AnalyzeArgs) -> report::annotate::Style {
    use ktriage::cli::ColorWhen;
    let terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let fancy = match args.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    // `COLUMNS` first (scripts and tests set it), then the terminal's own width.
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .or_else(|| {
            terminal
                .then(terminal_size::terminal_size)
                .flatten()
                .map(|(w, _)| w.0 as usize)
        })
        .filter(|w| *w >= 40)
        .unwrap_or(100);
    report::annotate::Style {
        color: fancy,
        unicode: fancy,
        width,
    }
}

/// A progress bar on standard error, shown once reading has taken half a second (small
/// snapshots finish before it would appear).
fn spawn_progress(
    paths: &[std::path::PathBuf],
    counter: Arc<AtomicU64>,
) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let total: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let handle = std::thread::spawn(move || {
        use indicatif::{ProgressBar, ProgressStyle};
        let mut bar: Option<ProgressBar> = None;
        let started = std::time::Instant::now();
        while !flag.load(Ordering::Relaxed) {
            std::thread::sleep(std::time::Duration::from_millis(100));
            let n = counter.load(Ordering::Relaxed);
            if bar.is_none() && started.elapsed() > std::time::Duration::from_millis(500) {
                let b = if total > 0 {
                    ProgressBar::new(total).with_style(
                        ProgressStyle::with_template(
                            "{spinner} {msg} {bytes}/{total_bytes} ({bytes_per_sec})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    )
                } else {
                    ProgressBar::new_spinner().with_style(
                        ProgressStyle::with_template("{spinner} {msg} {bytes} ({bytes_per_sec})")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    )
                };
                bar = Some(b);
            }
            if let Some(b) = &bar {
                b.set_position(n);
                // Once every byte is read, the rest of the time goes to parsing.
                b.set_message(if total > 0 && n >= total {
                    "parsing, read"
                } else {
                    "reading"
                });
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    });
    (done, handle)
}
