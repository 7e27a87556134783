//! Command-line arguments (clap derive) and the mapping from results to exit codes.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Offline triage of Kubernetes snapshots: support bundles, kubectl dumps, must-gather, logs.
#[derive(Debug, Parser)]
#[command(name = "ktriage", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a snapshot, diagnose it and report what is broken, why, and what to change.
    Analyze(AnalyzeArgs),
    /// List every rule: code, name, default severity and what it finds.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
}

/// Arguments of `ktriage rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format (`human` or `json`; the other formats print the human list).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Arguments of `ktriage explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule's code (`KT-OOM-001`) or name (`oom-killed`).
    #[arg(value_name = "CODE")]
    pub code: String,
}

/// When the human report uses colour and unicode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never: plain ASCII.
    Never,
}

/// The lowest severity that makes `analyze` exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// Warnings and errors.
    Warning,
    /// Errors only.
    Error,
    /// Never: exit 0 whenever the analysis ran.
    Never,
}

impl FailOn {
    /// The severity threshold, `None` for never.
    pub fn threshold(self) -> Option<crate::rules::Severity> {
        use crate::rules::Severity;
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Error => Some(Severity::Error),
            FailOn::Never => None,
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary for people.
    Human,
    /// The JSON report (a stable contract for scripts).
    Json,
    /// Markdown to paste into GitHub, GitLab or Jira tickets.
    Markdown,
    /// SARIF 2.1.0 for code-scanning tools and editors.
    Sarif,
}

/// Arguments of `ktriage analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// Directories, files (YAML, JSON, logs), archives (.tar, .tar.gz, .tgz, .tar.zst, .zip),
    /// or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Stop reading after this many decompressed bytes (protects against archive bombs);
    /// accepts suffixes K, M, G, T (powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size)]
    pub max_bytes: u64,
    /// Stop reading an input after this many files (protects against archives of millions of
    /// empty entries).
    #[arg(long, value_name = "N", default_value_t = crate::source::DEFAULT_MAX_FILES)]
    pub max_files: u64,
    /// Skip a file larger than this instead of holding it in memory to parse it (logs are
    /// streamed and have no such limit); same suffixes as `--max-bytes`.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_document_size: u64,
    /// Stop reading a compressed input once it has grown past 128 MiB and more than this many
    /// times its compressed size, as archive bombs do (0: no limit).
    #[arg(long, value_name = "N", default_value_t = crate::source::DEFAULT_MAX_RATIO)]
    pub max_ratio: u64,
    /// Read at most this much of one line of `kubectl describe` text or a `kubectl get` table
    /// (log lines are kept to their first 8 KiB); same suffixes as `--max-bytes`.
    #[arg(long, value_name = "SIZE", default_value = "64K", value_parser = parse_size)]
    pub max_line_length: u64,
    /// Never show a progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print on standard error how long each stage took (read, parse, model, rules, report)
    /// and the throughput.
    #[arg(long)]
    pub timings: bool,
    /// Only findings about objects in this namespace (and the node faults that explain them).
    #[arg(
        long,
        short = 'n',
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Findings in every namespace (the default).
    #[arg(long, short = 'A')]
    pub all_namespaces: bool,
    /// Drop findings below this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = crate::rules::Severity::Info)]
    pub min_severity: crate::rules::Severity,
    /// Run only these rules: codes (`KT-OOM-001`), areas (`KT-CRASH`) or names, comma-separated.
    #[arg(long, value_name = "CODE,...", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never run these rules (same forms as `--select`).
    #[arg(long, value_name = "CODE,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Colour and unicode in the human report: `auto` on a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Mask IP addresses, e-mail addresses and tokens in the report (for public tickets).
    #[arg(long)]
    pub redact: bool,
    /// Exit with status 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

impl AnalyzeArgs {
    /// The limits these arguments set for reading the inputs.
    pub fn read_options(
        &self,
        progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    ) -> crate::source::ReadOptions {
        crate::source::ReadOptions {
            max_bytes: self.max_bytes,
            max_files: self.max_files,
            max_document: self.max_document_size,
            max_ratio: self.max_ratio,
            max_line: self.max_line_length.max(1),
            progress,
        }
    }

    /// The diagnosis options these arguments ask for.
    pub fn diagnose_options(&self) -> crate::diagnose::Options {
        crate::diagnose::Options {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            min_severity: Some(self.min_severity),
            namespace: self.namespace.clone(),
        }
    }
}

/// Parses `512`, `64K`, `100M`, `16G`, `1T` (also `16GiB`, `16GB`), in powers of 1024.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("not a size: {s:?}"))?;
    let mult: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("unknown size unit in {s:?} (use K, M, G or T)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size too large: {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16G").unwrap(), 16 << 30);
        assert_eq!(parse_size("100MiB").unwrap(), 100 << 20);
        assert_eq!(parse_size("512").unwrap(), 512);
        assert!(parse_size("12X").is_err());
    }
}
