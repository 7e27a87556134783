//! Reading causes out of text: environment variable names, module names, paths, ports and
//! fatal log lines, from log lines and status messages. Pure functions over strings.

/// Words that look like environment variable names but are log levels or protocol names.
const NOT_VARS: &[&str] = &[
    "ERROR", "FATAL", "WARN", "WARNING", "INFO", "DEBUG", "TRACE", "PANIC", "CRITICAL", "HTTP",
    "HTTPS", "JSON", "YAML", "NOTE", "TODO", "GET", "POST", "PUT", "DELETE", "PATH", "OK", "URL",
    "API", "TLS", "SSL", "TCP", "UDP", "DNS", "EOF", "NULL", "NONE", "TRUE", "FALSE",
];

/// `MAX_STRESS_SECONDS`, `DB_URL`, `TOKEN`: upper case letters, digits and underscores,
/// starting with a letter or underscore, at least one letter.
pub(crate) fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && (b[0].is_ascii_uppercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && b.iter().any(u8::is_ascii_uppercase)
}

/// An environment variable name that is not a common upper-case word.
fn is_likely_var(s: &str) -> bool {
    is_env_name(s) && (s.contains('_') || s.len() >= 4) && !NOT_VARS.contains(&s)
}

/// Strips quotes, `$`, `${...}` and punctuation around a word.
fn bare(word: &str) -> &str {
    word.trim_matches(|c: char| {
        matches!(
            c,
            '\'' | '"'
                | '`'
                | '$'
                | '{'
                | '}'
                | '('
                | ')'
                | '['
                | ']'
                | ':'
                | ','
                | '.'
                | ';'
                | '='
                | '!'
                | '<'
                | '>'
        )
    })
}

/// Phrases that say something is absent.
const ABSENT: &[&str] = &[
    "not set",
    "not defined",
    "undefined",
    "is missing",
    "missing",
    "is required",
    "required",
    "must be set",
    "must be provided",
    "must be specified",
    "is empty",
    "unset",
    "not provided",
    "not found",
    "not present",
    "no value",
];

/// Phrases of optional variables: the program goes on with a default.
const OPTIONAL: &[&str] = &["default", "using ", "fallback", "ignoring", "optional"];

/// A cheap test on the lower-cased line before [`missing_env_var`].
pub(crate) fn may_name_missing_env(lower: &str) -> bool {
    ABSENT.iter().any(|w| lower.contains(w))
}

/// True when a line may match one of the text patterns (a missing variable or command, a
/// read-only file system, a fatal line): one pass, no allocation, so that the many lines
/// that match none are skipped cheaply.
pub(crate) fn may_matter(raw: &str) -> bool {
    use aho_corasick::AhoCorasick;
    use std::sync::OnceLock;
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        let words = ABSENT.iter().copied().chain([
            "read-only file system",
            "erofs",
            "fatal",
            "panic",
            "critical",
        ]);
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words)
            .ok()
    });
    let klog_fatal = {
        let b = crate::ingest::logs::strip_timestamp(raw).as_bytes();
        b.len() > 5 && b[0] == b'F' && b[1..5].iter().all(u8::is_ascii_digit)
    };
    klog_fatal || ac.as_ref().is_none_or(|ac| ac.is_match(raw))
}

/// The environment variable a line says is missing: `environment variable X not set`,
/// `Environment variable X is undefined`, `X must be set`, `Missing required environment
/// variable X`, `required key X missing value`, `panic: ... env X`.
pub(crate) fn missing_env_var(line: &str) -> Option<String> {
    let lower = line.to_ascii_lowercase();
    if OPTIONAL.iter().any(|w| lower.contains(w)) {
        return None;
    }
    if !ABSENT.iter().any(|w| lower.contains(w)) {
        return None;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let env_word = |w: &str| {
        let l = bare(w).to_ascii_lowercase();
        matches!(
            l.as_str(),
            "environment" | "env" | "envvar" | "env-var" | "env_var" | "envconfig"
        )
    };
    if words.iter().any(|w| env_word(w)) || lower.contains("env var") {
        // The first variable-looking word after the keyword, else anywhere on the line.
        let start = words.iter().position(|w| env_word(w)).unwrap_or(0);
        let after = words[start..]
            .iter()
            .map(|w| bare(w))
            .find(|w| is_env_name(w) && !NOT_VARS.contains(w));
        let any = || words.iter().map(|w| bare(w)).find(|w| is_likely_var(w));
        return after.or_else(any).map(str::to_string);
    }
    // `X must be set`, `X is not set`, `X not set`, `X is required`, `required key X missing`.
    for (i, w) in words.iter().enumerate() {
        let name = bare(w);
        if !is_likely_var(name) {
            continue;
        }
        let rest = words[i + 1..].join(" ").to_ascii_lowercase();
        let follows = [
            "must be set",
            "must be provided",
            "must be specified",
            "is not set",
            "not set",
            "is required",
            "is undefined",
            "is not defined",
            "not defined",
            "is missing",
            "missing value",
            "is empty",
        ]
        .iter()
        .any(|p| rest.starts_with(p));
        let before = words[..i].join(" ").to_ascii_lowercase();
        let precedes = ["missing required", "required key", "missing"]
            .iter()
            .any(|p| before.ends_with(p));
        if follows || precedes {
            return Some(name.to_string());
        }
    }
    None
}

/// The text between the first pair of single or double quotes after `after`.
pub(crate) fn quoted_after<'a>(text: &'a str, after: &str) -> Option<&'a str> {
    let i = text.find(after)? + after.len();
    let rest = &text[i..];
    let open = rest.find(['\'', '"'])?;
    let q = rest[open..].chars().next()?;
    let inner = &rest[open + 1..];
    let close = inner.find(q)?;
    Some(&inner[..close])
}

/// The module a line says is missing: `No module named 'x'`, `cannot import name 'y' from
/// 'x'`, `Cannot find module 'x'`, `ClassNotFoundException: a.b.C`.
pub(crate) fn missing_module(text: &str) -> Option<String> {
    if let Some(m) = quoted_after(text, "No module named") {
        return Some(m.to_string());
    }
    if text.contains("cannot import name") {
        let name = quoted_after(text, "cannot import name");
        let from = quoted_after(text, "from");
        return match (name, from) {
            (Some(n), Some(f)) => Some(format!("{n} (from {f})")),
            (Some(n), None) => Some(n.to_string()),
            _ => None,
        };
    }
    if let Some(m) = quoted_after(text, "Cannot find module") {
        return Some(m.to_string());
    }
    for marker in [
        "ClassNotFoundException:",
        "NoClassDefFoundError:",
        "ModuleNotFoundError:",
        "ImportError:",
    ] {
        if let Some(i) = text.find(marker) {
            let rest = text[i + marker.len()..].trim();
            let word = rest.split_whitespace().next().map(bare).unwrap_or("");
            if !word.is_empty() {
                return Some(word.replace('/', "."));
            }
        }
    }
    None
}

/// A path in a line: the quoted one after `: `, else the last word that starts with `/` or
/// `./` (without a trailing `:`).
pub(crate) fn path_in(text: &str) -> Option<String> {
    for marker in ["directory: ", "denied: ", "file system: ", "file: "] {
        if let Some(i) = text.find(marker) {
            let rest = text[i + marker.len()..].trim();
            let p = bare(rest.split_whitespace().next().unwrap_or(""));
            if p.starts_with('/') || p.starts_with("./") {
                return Some(p.to_string());
            }
        }
    }
    text.split_whitespace()
        .map(bare)
        .rfind(|w| {
            (w.starts_with('/') || w.starts_with("./")) && w.len() > 1 && !w.starts_with("//")
        })
        .map(str::to_string)
}

/// The command a line says is missing: `exec: "wge": executable file not found in $PATH`,
/// `/bin/sh: 1: wge: not found`, `bash: wge: command not found`.
pub(crate) fn missing_command(text: &str) -> Option<String> {
    if text.contains("executable file not found") {
        if let Some(c) = quoted_after(text, "exec:") {
            return Some(c.to_string());
        }
    }
    let lower = text.to_ascii_lowercase();
    let cut = match lower.find(": command not found") {
        Some(i) => i,
        None => {
            // `sh: 1: x: not found` only from a shell, else any `thing: not found` would do.
            let i = lower.find(": not found")?;
            let first = lower.trim_start().split(':').next().unwrap_or("");
            let shell = first.rsplit('/').next().unwrap_or("");
            if !matches!(
                shell,
                "sh" | "bash" | "ash" | "dash" | "ksh" | "zsh" | "env"
            ) {
                return None;
            }
            i
        }
    };
    let head = &text[..cut];
    let word = head.rsplit(':').next().map(str::trim).unwrap_or("");
    if word.is_empty() || word.contains(' ') {
        return None;
    }
    // `sh: 1: x: not found` has the line number before the command.
    Some(bare(word).to_string()).filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
}

/// The port in a bind error: the last number that follows `:`, `port ` or `, ` and is a valid
/// port (`listen tcp :8080: bind: address already in use`, `('0.0.0.0', 8000)`, `:::3000`).
pub(crate) fn port_in(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let mut best = None;
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let prefix_ok = text[..start].ends_with(':')
                || text[..start].to_ascii_lowercase().ends_with("port ")
                || text[..start].ends_with(", ");
            let suffix_ok = i >= b.len() || !matches!(b[i], b'.' | b'-' | b'/');
            if prefix_ok && suffix_ok && i - start <= 5 {
                if let Ok(p) = text[start..i].parse::<u16>() {
                    if p > 0 {
                        best = Some(p);
                    }
                }
            }
        } else {
            i += 1;
        }
    }
    best
}

/// A line that says the program stops on a fatal error: `level=fatal msg=...`, JSON
/// `{"level":"fatal"}` (read as `fatal: ...`), klog `F0102 ...`, `[FATAL]`, `FATAL:`,
/// `fatal error:`, `CRITICAL:`.
pub(crate) fn is_fatal_line(raw: &str, msg: &str, lower: &str) -> bool {
    let m = msg.trim_start();
    let lower = lower.trim_start();
    let klog_fatal = {
        let b = crate::ingest::logs::strip_timestamp(raw).as_bytes();
        b.len() > 22 && b[0] == b'F' && b[1..5].iter().all(u8::is_ascii_digit) && b[5] == b' '
    };
    klog_fatal
        || lower.contains("level=fatal")
        || lower.contains("level=panic")
        || lower.starts_with("fatal: ")
        || lower.starts_with("panic: ")
        || lower.starts_with("fatal error")
        || m.starts_with("[FATAL]")
        || m.starts_with("FATAL")
        || m.starts_with("CRITICAL")
        || lower.starts_with("critical: ")
        || m.contains(" FATAL ")
        || m.contains("[FATAL]")
        || m.contains(" [fatal] ")
}

/// The message of a logfmt line: `msg="Error starting daemon"` → `Error starting daemon`.
pub(crate) fn logfmt_msg(line: &str) -> Option<String> {
    let i = line.find("msg=")? + 4;
    let rest = &line[i..];
    if let Some(body) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '"' => return Some(out),
                c => out.push(c),
            }
        }
        Some(out)
    } else {
        rest.split_whitespace().next().map(str::to_string)
    }
}

/// Up to `max` characters of a line, cut at a character boundary with `…`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_vars() {
        for (line, want) in [
            ("Environment variable DEPLOY_ENV is undefined", "DEPLOY_ENV"),
            ("environment variable DB_URL not set", "DB_URL"),
            (
                "Missing required environment variable STRIPE_KEY",
                "STRIPE_KEY",
            ),
            ("DATABASE_URL must be set", "DATABASE_URL"),
            ("Error: required key REDIS_ADDR missing value", "REDIS_ADDR"),
            ("panic: env \"API_TOKEN\" is required", "API_TOKEN"),
            ("fatal: $SECRET_KEY is not set", "SECRET_KEY"),
        ] {
            assert_eq!(missing_env_var(line).as_deref(), Some(want), "{line}");
        }
        for line in [
            "LOG_LEVEL not set, using default info",
            "ERROR is not set",
            "Loaded environment variable LOG_LEVEL=info",
            "connection refused",
        ] {
            assert_eq!(missing_env_var(line), None, "{line}");
        }
    }

    #[test]
    fn modules_paths_commands_ports() {
        assert_eq!(
            missing_module("ModuleNotFoundError: No module named 'fastapi'").as_deref(),
            Some("fastapi")
        );
        assert_eq!(
            missing_module("Error: Cannot find module 'express'").as_deref(),
            Some("express")
        );
        assert_eq!(
            missing_module("java.lang.ClassNotFoundException: com.acme.Main").as_deref(),
            Some("com.acme.Main")
        );
        assert_eq!(
            path_in("FileNotFoundError: [Errno 2] No such file or directory: '/app/config.yaml'")
                .as_deref(),
            Some("/app/config.yaml")
        );
        assert_eq!(
            path_in("exec /app/server: no such file or directory").as_deref(),
            Some("/app/server")
        );
        assert_eq!(
            missing_command("exec: \"wge\": executable file not found in $PATH: unknown")
                .as_deref(),
            Some("wge")
        );
        assert_eq!(
            missing_command("/bin/sh: 1: gunicorn: not found").as_deref(),
            Some("gunicorn")
        );
        assert_eq!(
            port_in("2024/01/02 15:04:05 listen tcp :8080: bind: address already in use"),
            Some(8080)
        );
        assert_eq!(
            port_in("ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use"),
            Some(8000)
        );
        assert_eq!(
            port_in("Error: listen EADDRINUSE: address already in use :::3000"),
            Some(3000)
        );
    }

    #[test]
    fn logfmt() {
        assert_eq!(
            logfmt_msg("time=\"x\" level=fatal msg=\"Error: Get \\\"https://a\\\": timeout\" ")
                .as_deref(),
            Some("Error: Get \"https://a\": timeout")
        );
    }

    #[test]
    fn fatal_lines() {
        let fatal = |l: &str| is_fatal_line(l, l, &l.to_ascii_lowercase());
        assert!(fatal(
            "time=\"x\" level=fatal msg=\"Error starting daemon\""
        ));
        assert!(is_fatal_line(
            "F0102 15:04:05.000000       1 main.go:12] boom",
            "boom",
            "boom"
        ));
        assert!(!fatal("ERROR: Application startup failed. Exiting."));
    }
}
