//! KT-CRASH-001 crash-loop

use super::Crash;
use crate::declare_rule;
use crate::model::{Cluster, EventRecord};
use crate::rules::util;
use crate::rules::{Evidence, Findings};

declare_rule! {
    /// ## What it does
    /// Finds containers that keep crashing (`CrashLoopBackOff`, `RunContainerError`, or a
    /// non-zero exit followed by restarts) when no more specific cause is found in their
    /// logs, termination message, events or spec, and explains the exit code.
    ///
    /// ## Why is this bad?
    /// The container never stays up: the pod is not ready, receives no traffic, and the
    /// kubelet waits longer before each restart (up to five minutes). The exit code says
    /// how it died: `1` an application error, `2` wrong arguments, `126` a command that is
    /// not executable, `127` a command not found, `139` a segmentation fault, `143` a
    /// SIGTERM. `137` is a SIGKILL: with reason `Error` it is not an OOM kill (that one
    /// says `OOMKilled`, KT-OOM-001) but the kubelet after failed liveness probes, an
    /// eviction or another external kill. `0` means the program simply ended, which a
    /// long-running container must not do.
    ///
    /// A container that crashed before but is running and ready now is reported as `info`.
    ///
    /// ## Example
    /// ```text
    /// State:          Waiting
    ///   Reason:       CrashLoopBackOff
    /// Last State:     Terminated
    ///   Reason:       Error
    ///   Exit Code:    127
    /// Restart Count:  6
    /// ```
    ///
    /// ## How to fix
    /// Read the previous instance's log (`kubectl logs <pod> -c <container> --previous`)
    /// for the error. For `126`/`127`, fix `command`/`args` or the image's entrypoint; for
    /// `0`, make `command` start a process that stays in the foreground (or run the work
    /// as a Job); for `137`/`143`, find what stops it: the liveness probe, evictions in the
    /// node's events, or `terminationGracePeriodSeconds` too short for its shutdown.
    pub(crate) static RULE = {
        code: "KT-CRASH-001",
        name: "crash-loop",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for crash in super::undiagnosed(cluster) {
        let events = cluster.events_for(&crash.entry.object_ref());
        let liveness = events
            .iter()
            .rev()
            .find(|e| {
                util::reason_is(e, &["Unhealthy", "Killing"]) && util::message_has(e, "liveness")
            })
            .copied();
        let backoff = events
            .iter()
            .rev()
            .find(|e| {
                util::reason_is(e, &["BackOff"])
                    && e.message
                        .as_deref()
                        .is_some_and(|m| m.contains(&format!("container {} ", crash.c.name)))
            })
            .copied();
        let exit = exit_phrase(&crash, liveness);
        let (log, lines) = last_lines(cluster, &crash, 3);
        let mut message = if crash.active {
            format!("{} keeps crashing: {exit}", crash.who())
        } else {
            format!("{} crashed before: {exit}", crash.who())
        };
        message.push_str(&format!("; {}", crash.state_phrase()));
        if let Some(last) = lines.last() {
            message.push_str(&format!(
                "; last log line: `{}`",
                super::common::clip(&last.text, 160)
            ));
        }
        let mut f = super::finding(&RULE, &crash)
            .message(message)
            .help(help(cluster, &crash, liveness))
            .cause(
                crash
                    .exit_code()
                    .map_or_else(String::new, |c| format!("exit {c}")),
            );
        if let Some(log) = log {
            for l in &lines {
                f = f.evidence(Evidence::log_line(log, l, "last lines of the log"));
            }
        }
        if let Some(e) = liveness {
            f = f.evidence(Evidence::event(
                cluster,
                e,
                format!("{}{}", e.reason.as_deref().unwrap_or(""), util::times(e)),
            ));
        }
        if let Some(e) = backoff {
            f = f.evidence(Evidence::event(
                cluster,
                e,
                format!("BackOff{}", util::times(e)),
            ));
        }
        out.push(f);
    }
}

/// The exit code and what it means.
fn exit_phrase(crash: &Crash<'_>, liveness: Option<&EventRecord>) -> String {
    let reason = crash.term_reason().unwrap_or("no reason");
    let Some(code) = crash.exit_code() else {
        return match crash.c.waiting_message() {
            Some(m) => format!(
                "no termination recorded, waiting: `{}`",
                super::common::clip(m, 160)
            ),
            None => "no termination recorded".to_string(),
        };
    };
    let not_oom = "a SIGKILL, not an OOM kill (that reason would be OOMKilled)";
    let meaning = match code {
        0 => "the process ended on its own, and a long-running container must keep running"
            .to_string(),
        1 => "an application error".to_string(),
        2 => "misuse of a command or wrong arguments".to_string(),
        126 => "the command is not executable (permissions or format)".to_string(),
        127 => "command not found".to_string(),
        128 => "the runtime could not start the process".to_string(),
        137 if reason == "Error" || reason == "no reason" => match liveness {
            Some(_) => format!("{not_oom}; the kubelet killed it after failed liveness probes"),
            None => format!(
                "{not_oom}; killed from outside: an eviction, a preemption or an external kill"
            ),
        },
        137 => "a SIGKILL".to_string(),
        139 => "a segmentation fault (SIGSEGV) in native code".to_string(),
        143 => "a SIGTERM: the process was asked to stop and exited".to_string(),
        255 => "exit status -1 or out of range, often a failing entrypoint".to_string(),
        n if n > 128 && n < 160 => format!("killed by signal {}", n - 128),
        _ => "an application error".to_string(),
    };
    format!("exit code {code} ({reason}): {meaning}")
}

/// The last non-empty lines of the previous log, else of the current one.
fn last_lines<'a>(
    cluster: &'a Cluster,
    crash: &Crash<'_>,
    n: usize,
) -> (
    Option<&'a crate::model::ContainerLog>,
    Vec<crate::ingest::logs::LogLine>,
) {
    use crate::ingest::logs::Instance;
    for instance in [Instance::Previous, Instance::Current] {
        if instance == Instance::Current && crash.c.running() && crash.c.ready() {
            continue;
        }
        let Some(log) = cluster.log_of(crash.ns, crash.pod_name, crash.c.name, instance) else {
            continue;
        };
        if log.digest.collection_error.is_some() {
            continue;
        }
        let mut lines: Vec<_> = log
            .digest
            .tail
            .iter()
            .rev()
            .filter(|l| !l.text.trim().is_empty())
            .take(n)
            .cloned()
            .collect();
        if lines.is_empty() {
            continue;
        }
        lines.reverse();
        return (Some(log), lines);
    }
    (None, Vec::new())
}

fn help(cluster: &Cluster, crash: &Crash<'_>, liveness: Option<&EventRecord>) -> String {
    let c = crash.c.name;
    let who = crash.who();
    let owner = super::owner_phrase(cluster, crash);
    let logs = format!(
        "read the previous instance's log (`kubectl logs {} -c {c} --previous`)",
        crash.pod_name
    );
    match crash.exit_code() {
        Some(0) => format!(
            "a long-running container must not exit: make `command`/`args` of {who}{owner} \
             start a process that stays in the foreground, or run the work as a Job"
        ),
        Some(2) => format!(
            "check `command` and `args` of {who}{owner} against the program's usage; {logs}"
        ),
        Some(126) => format!(
            "make the entrypoint executable in the image (`chmod +x`) or fix `command` of {who}{owner}"
        ),
        Some(127) | Some(128) => format!(
            "fix `command`/`args` of {who}{owner}: the program is not in the image's PATH \
             or cannot be started; {logs}"
        ),
        Some(137) | Some(143) if liveness.is_some() => format!(
            "fix `livenessProbe` of {who}{owner} (port, path, `timeoutSeconds`) or raise its \
             `initialDelaySeconds` above the startup time"
        ),
        Some(137) => format!(
            "find what killed {who}: the node's events (eviction, preemption), an external \
             `kill`, or a `preStop` hook; {logs}"
        ),
        Some(143) => format!(
            "find what stopped {who} (the node's events, a rollout, a probe) and raise \
             `terminationGracePeriodSeconds` if it needs longer to shut down; {logs}"
        ),
        Some(139) => format!(
            "the program of {who} crashes in native code: check the image's native \
             libraries and that it is built for the node's architecture; {logs}"
        ),
        _ => format!("{logs} for the error and fix it in the application or its configuration"),
    }
}
