//! KT-CRASH-006 app-exception

use super::Cause;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds crashing containers whose log ends in an unhandled exception, panic or fatal
    /// error (a Python traceback, a Go `panic:`, a Java exception with its `Caused by`
    /// chain, a Node.js error, a `level=fatal` line) that no more specific rule explains,
    /// and names the exception and the application frame that raised it.
    ///
    /// ## Why is this bad?
    /// The program stops on the error at every start, so the pod never becomes ready. The
    /// error is in the application or in what it reads at start-up (configuration, a
    /// dependency it connects to), and the traceback says where.
    ///
    /// ## Example
    /// ```text
    /// Traceback (most recent call last):
    ///   File "/app/settings.py", line 22, in load
    ///     return config["user_id"]
    /// KeyError: 'user_id'
    /// ```
    ///
    /// ## How to fix
    /// Fix the code at the frame named (or the input it reads there: a configuration file,
    /// a ConfigMap key, a dependency that must be reachable at start-up), rebuild, and
    /// roll out. The full trace is in the previous instance's log.
    pub(crate) static RULE = {
        code: "KT-CRASH-006",
        name: "app-exception",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::AppException {
            summary,
            frame,
            out_of_memory,
            reads_env,
        } = &found.cause
        else {
            continue;
        };
        let who = crash.who();
        let at = frame
            .as_ref()
            .map(|f| format!(" at {} line {}", f.file, f.file_line))
            .unwrap_or_default();
        let verb = crash.tense("exits", "exited");
        let what = if *out_of_memory {
            "runs out of memory inside the process"
        } else {
            "on an unhandled error"
        };
        let message = format!(
            "{} {verb} {what}: `{summary}`{at} (in the {}); {}",
            crash.who(),
            found.source,
            crash.state_phrase()
        );
        let help = if *out_of_memory {
            format!(
                "give the runtime of {who}{} more memory (its own heap setting, such as \
                 `-Xmx` or `--max-old-space-size`, and `resources.limits.memory` above it), or \
                 make it use less",
                super::owner_phrase(cluster, &crash)
            )
        } else {
            match (frame, reads_env) {
                (Some(f), Some(var)) => format!(
                    "the line at {} line {} reads environment variable {var}: check its value in \
                     `env` of {who}{} (or its ConfigMap or Secret), or make the code \
                     accept it; the full trace is in the {}",
                    f.file,
                    f.file_line,
                    super::owner_phrase(cluster, &crash),
                    found.source
                ),
                (Some(f), None) => format!(
                    "fix the error at {} line {} or the input it reads there (configuration, a \
                     dependency it needs at start-up); the full trace is in the {} of {who}",
                    f.file, f.file_line, found.source
                ),
                (None, _) => format!(
                    "fix what the error names, in the application or in what it needs at \
                     start-up (configuration, a service it connects to); the full output is in \
                     the {} of {who}",
                    found.source
                ),
            }
        };
        let cause = summary.split(':').next().unwrap_or(summary).to_string()
            + &frame
                .as_ref()
                .map(|f| format!(" at {}:{}", f.file, f.file_line))
                .unwrap_or_default();
        out.push(super::found_finding(
            &RULE, &crash, &found, message, help, cause,
        ));
    }
}
