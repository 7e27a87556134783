//! KT-READY-001 readiness-failing

use crate::declare_rule;
use crate::model::{Cluster, EventRecord, LAST_SEEN_AGE};
use crate::rules::util::{self, ContainerView};
use crate::rules::{Evidence, Finding, Findings, Severity};
use k8s_openapi::api::core::v1::{Pod, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

declare_rule! {
    /// ## What it does
    /// Finds containers that are running but not ready because their readiness probe fails
    /// now.
    ///
    /// The pod is `Running`, the container runs and is not ready, and the latest
    /// `Unhealthy` event `Readiness probe failed: ...` (`HTTP probe failed with statuscode:
    /// 503`, `connect: connection refused`, the output of an exec probe such as
    /// `{"status": "not ready"}`) came after the container started.
    ///
    /// When the probe got no answer (connection refused, timeout) it also says whether the
    /// probe's port is one of the container's `containerPort`s (a probe that got an answer
    /// reached a listening port, declared or not). When the application's log holds an error
    /// line, the latest one is quoted. When the probe path is `/ready` and the application's log or the event mention
    /// `/ready/enable` or `/ready/disable`, that the application was switched to not ready
    /// and can be switched back with `POST /ready/enable`.
    ///
    /// Probe failures of a container that is ready now are history: at most an `info`.
    ///
    /// ## Why is this bad?
    /// A container that is not ready is taken out of every Service that selects it: it runs,
    /// uses its resources and shows `Running`, but receives no traffic. When all the pods of
    /// a Service are in that state the Service has no endpoints (KT-SVC-001); when some are,
    /// it runs degraded (KT-SVC-004), and a rollout waiting for the pod stalls.
    ///
    /// ## Example
    /// ```text
    /// State:          Running
    /// Ready:          False
    /// Readiness:      http-get http://:8000/ready delay=5s timeout=1s period=10s
    /// Warning  Unhealthy  12s (x40 over 7m)  kubelet  Readiness probe failed: HTTP probe failed with statuscode: 503
    /// ```
    ///
    /// ## How to fix
    /// Find out why the application reports itself not ready (its log usually says: a
    /// database it cannot reach, a warm-up that never ends, a flag switched off) and fix that.
    /// If the probe itself is wrong, fix `readinessProbe` of the container: the port the
    /// application listens on, the path of its readiness endpoint, `timeoutSeconds` for a
    /// slow answer, `initialDelaySeconds` (or a `startupProbe`) for a slow start.
    pub(crate) static RULE = {
        code: "KT-READY-001",
        name: "readiness-failing",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    // A finding needs an `Unhealthy` event about the pod, which marks it.
    for (entry, pod) in cluster.pods_of_note() {
        if util::phase(pod) != "Running" || pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let target = entry.object_ref();
        for c in util::containers(pod) {
            if c.init || !c.running() {
                continue;
            }
            // Still in its startup probe: readiness is not probed yet.
            if c.status.and_then(|s| s.started) == Some(false) {
                continue;
            }
            let started = c
                .status
                .and_then(|s| s.state.as_ref()?.running.as_ref()?.started_at.as_ref())
                .map(|t| t.0);
            let Some(ev) = util::latest_event(cluster, &target, |e| {
                util::reason_is(e, &["Unhealthy"])
                    && util::message_has(e, "Readiness probe failed")
                    && about_container(cluster, e, c.name)
                    && (approximate_time(cluster, e)
                        || match (started, e.last) {
                            (Some(s), Some(l)) => l >= s,
                            _ => true,
                        })
            }) else {
                continue;
            };
            let ready_now = c.ready();
            let failure = ev
                .message
                .as_deref()
                .unwrap_or("")
                .split_once("Readiness probe failed:")
                .map_or("", |(_, r)| r)
                .trim()
                .to_string();
            let class = classify(&failure);
            let probe = c.spec.and_then(|s| s.readiness_probe.as_ref());
            let probe_text = probe.map(describe_probe);
            // A probe that got an answer reached the right port, declared or not (CoreDNS
            // probes 8181 without declaring it): the port only matters when nothing answered.
            let port_problem = probe
                .filter(|_| matches!(class, Failure::Refused | Failure::Timeout))
                .and_then(|p| probe_port_problem(&c, p));
            let enable_hint = probe.is_some_and(|p| {
                probe_path(p).is_some_and(|x| x.trim_end_matches('/') == "/ready")
            }) && (mentions_ready_switch(cluster, pod, c.name)
                || ev.message.as_deref().is_some_and(|m| m.contains("/ready/")));
            let (state, verb) = if ready_now {
                ("is ready now, but earlier", "failed")
            } else {
                ("is running but not ready:", "fails")
            };
            let mut message = format!(
                "container {} {state} its readiness probe{} {verb}: `{}`{}",
                c.name,
                probe_text
                    .as_deref()
                    .map_or_else(String::new, |t| format!(" ({t})")),
                shorten(&failure, 160),
                util::times(ev),
            );
            if let Some((_, text)) = &port_problem {
                message.push_str(&format!("; {text}"));
            }
            let log_error = (!ready_now && !enable_hint)
                .then(|| last_error_line(cluster, pod, c.name))
                .flatten();
            if let Some((_, line)) = &log_error {
                message.push_str(&format!("; its log says `{}`", shorten_middle(line, 180)));
            }
            let probe_field = format!("{}.readinessProbe", c.spec_path);
            let mut help = help(
                util::ns_name(pod).1,
                &c,
                &class,
                probe,
                &port_problem,
                enable_hint,
                &probe_field,
            );
            if ready_now {
                help = format!(
                    "nothing to change now, container {} passes its readiness probe again; if the \
                     failures come back: {help}",
                    c.name
                );
            }
            let mut f = Finding::new(&RULE, target.clone())
                .container(c.name)
                .message(message)
                .help(help)
                .cause(class.key())
                .evidence(Evidence::event(
                    cluster,
                    ev,
                    "the latest readiness probe failure",
                ));
            if !c.status_path.is_empty() {
                f = f.evidence(Evidence::field(
                    entry,
                    &format!("{}.ready", c.status_path),
                    if ready_now {
                        "the container is ready now"
                    } else {
                        "the container is not ready"
                    },
                ));
            }
            if probe.is_some() {
                f = f.evidence(Evidence::field(entry, &probe_field, "the readiness probe"));
            }
            if let Some((path, _)) = &port_problem {
                f = f.evidence(Evidence::field(entry, path, "the container ports"));
            }
            if enable_hint {
                f = f.evidence_opt(ready_switch_line(cluster, pod, c.name));
            }
            if let Some((e, _)) = log_error {
                f = f.evidence(e);
            }
            if ready_now {
                f = f.severity(Severity::Info);
            }
            out.push(f);
        }
    }
}

/// The event is about this container, or names none.
fn about_container(cluster: &Cluster, e: &EventRecord, container: &str) -> bool {
    match util::event_field_path(cluster, e).and_then(|p| p.split_once('{')) {
        Some((_, rest)) => rest.trim_end_matches('}') == container,
        None => true,
    }
}

/// The event's time was computed from an age in describe text or a table, so it cannot be
/// compared with the container's start.
fn approximate_time(cluster: &Cluster, e: &EventRecord) -> bool {
    cluster
        .entries()
        .get(e.entry)
        .and_then(|x| x.object.metadata().annotations.as_ref())
        .is_some_and(|a| a.contains_key(LAST_SEEN_AGE))
}

/// What the probe failure says.
enum Failure {
    Status(String),
    Refused,
    Timeout,
    Output,
}

impl Failure {
    fn key(&self) -> String {
        match self {
            Failure::Status(s) => format!("status {s}"),
            Failure::Refused => "connection refused".into(),
            Failure::Timeout => "timeout".into(),
            Failure::Output => String::new(),
        }
    }
}

fn classify(failure: &str) -> Failure {
    if let Some((_, rest)) = failure.split_once("statuscode:") {
        let code: String = rest
            .trim()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return Failure::Status(code);
    }
    let lower = failure.to_ascii_lowercase();
    if lower.contains("connection refused") {
        Failure::Refused
    } else if lower.contains("deadline exceeded")
        || lower.contains("timeout")
        || lower.contains("timed out")
    {
        Failure::Timeout
    } else {
        Failure::Output
    }
}

fn probe_path(p: &Probe) -> Option<&str> {
    p.http_get.as_ref()?.path.as_deref()
}

fn port_text(p: &IntOrString) -> String {
    match p {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => format!("`{s}`"),
    }
}

/// `GET /ready on port 8000`, `TCP port 6379`, `exec cat /tmp/healthy`.
fn describe_probe(p: &Probe) -> String {
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("HTTP");
        let get = if scheme.eq_ignore_ascii_case("HTTPS") {
            "HTTPS GET"
        } else {
            "GET"
        };
        let path = h.path.as_deref().unwrap_or("/");
        return match &h.port {
            IntOrString::Int(0) => format!("{get} {path}"),
            port => format!("{get} {path} on port {}", port_text(port)),
        };
    }
    if let Some(t) = &p.tcp_socket {
        return format!("TCP connect to port {}", port_text(&t.port));
    }
    if let Some(g) = &p.grpc {
        return format!("gRPC health check on port {}", g.port);
    }
    if let Some(e) = &p.exec {
        let cmd = e.command.as_deref().unwrap_or(&[]).join(" ");
        return format!("exec `{}`", shorten(&cmd, 60));
    }
    "probe".into()
}

/// The probe's port when it is not a port of the container: (path of the container's
/// ports or name, what is wrong).
fn probe_port_problem(c: &ContainerView<'_>, p: &Probe) -> Option<(String, String)> {
    let spec = c.spec?;
    let port = if let Some(h) = &p.http_get {
        h.port.clone()
    } else if let Some(t) = &p.tcp_socket {
        t.port.clone()
    } else if let Some(g) = &p.grpc {
        IntOrString::Int(g.port)
    } else {
        return None;
    };
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    let mut nums: Vec<i32> = ports.iter().map(|p| p.container_port).collect();
    nums.sort_unstable();
    nums.dedup();
    let declared = nums
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let path = format!("{}.ports", c.spec_path);
    match port {
        IntOrString::Int(0) => None,
        IntOrString::Int(n) => {
            if ports.is_empty() || ports.iter().any(|p| p.container_port == n) {
                None
            } else {
                Some((
                    path,
                    format!(
                        "the probe's port {n} is not a containerPort of container {} (it declares {declared})",
                        c.name
                    ),
                ))
            }
        }
        IntOrString::String(s) => {
            if ports.iter().any(|p| p.name.as_deref() == Some(s.as_str())) {
                None
            } else {
                let (path, decl) = if ports.is_empty() {
                    (
                        format!("{}.name", c.spec_path),
                        "declares no ports".to_string(),
                    )
                } else {
                    (path, format!("declares {declared}"))
                };
                Some((
                    path,
                    format!(
                        "the probe's port `{s}` is not the name of a port of container {} (it {decl})",
                        c.name
                    ),
                ))
            }
        }
    }
}

/// The container's log mentions the application's readiness switch (`/ready/enable`,
/// `/ready/disable`).
fn mentions_ready_switch(cluster: &Cluster, pod: &Pod, container: &str) -> bool {
    ready_switch_line(cluster, pod, container).is_some()
}

fn ready_switch_line(cluster: &Cluster, pod: &Pod, container: &str) -> Option<Evidence> {
    let (ns, name) = util::ns_name(pod);
    let log = cluster.log_of(ns, name, container, crate::ingest::logs::Instance::Current)?;
    let d = &log.digest;
    d.tail
        .iter()
        .rev()
        .chain(d.notable.iter().rev())
        .find(|l| l.text.contains("/ready/disable") || l.text.contains("/ready/enable"))
        .map(|l| Evidence::log_line(log, l, "the application's readiness switch"))
}

/// The latest error line of the container's current log (access log lines left out): what the
/// application says about why it is not ready.
fn last_error_line(cluster: &Cluster, pod: &Pod, container: &str) -> Option<(Evidence, String)> {
    let (ns, name) = util::ns_name(pod);
    let log = cluster.log_of(ns, name, container, crate::ingest::logs::Instance::Current)?;
    let l = log.digest.notable.iter().rev().find(|l| {
        let t = crate::ingest::logs::signals::message_of(&l.text);
        (util::contains_ci(&t, "error") || util::contains_ci(&t, "exception"))
            && !t.contains("HTTP/1.")
    })?;
    let text = crate::ingest::logs::signals::message_of(&l.text)
        .trim()
        .to_string();
    Some((
        Evidence::log_line(log, l, "the application's last error"),
        text,
    ))
}

fn help(
    pod: &str,
    c: &ContainerView<'_>,
    class: &Failure,
    probe: Option<&Probe>,
    port_problem: &Option<(String, String)>,
    enable_hint: bool,
    probe_field: &str,
) -> String {
    let name = c.name;
    let port_field = match probe {
        Some(p) if p.tcp_socket.is_some() => format!("`{probe_field}.tcpSocket.port`"),
        Some(p) if p.grpc.is_some() => format!("`{probe_field}.grpc.port`"),
        _ => format!("`{probe_field}.httpGet.port`"),
    };
    if enable_hint {
        let port = match probe.and_then(|p| p.http_get.as_ref()).map(|h| &h.port) {
            Some(IntOrString::Int(n)) if *n > 0 => n.to_string(),
            _ => "8000".to_string(),
        };
        return format!(
            "the application was switched to not ready: switch it back with `POST /ready/enable` \
             (`kubectl port-forward pod/{pod} {port}`, then `curl -X POST \
             http://localhost:{port}/ready/enable`); container {name} is ready again at the next \
             run of `{probe_field}`"
        );
    }
    if port_problem.is_some() {
        let ports = c.spec.and_then(|s| s.ports.as_deref()).unwrap_or(&[]);
        let to = match ports {
            [one] => format!("{} (its containerPort)", one.container_port),
            _ => "the port the application listens on (one of its `ports`)".to_string(),
        };
        return format!(
            "set {port_field} of container {name} to {to}, or make the application listen on the \
             probed port and declare it in `ports`"
        );
    }
    match class {
        Failure::Status(code) => format!(
            "the application answers {code} on its readiness endpoint: it reports itself not ready; \
             its log says why (a dependency it cannot reach, a warm-up that does not end); if the \
             path is wrong, fix `{probe_field}.httpGet.path` of container {name}"
        ),
        Failure::Refused => format!(
            "nothing listens on the probed port: make the application listen there, or set \
             {port_field} of container {name} to the port it listens on; if it only starts \
             slowly, raise `{probe_field}.initialDelaySeconds` or add a `startupProbe`"
        ),
        Failure::Timeout => {
            let t = probe.and_then(|p| p.timeout_seconds).unwrap_or(1);
            format!(
                "the application answers the probe too slowly: raise \
                 `{probe_field}.timeoutSeconds` of container {name} above {t}s, or find what \
                 blocks it (CPU throttling, a slow dependency)"
            )
        }
        Failure::Output => format!(
            "the readiness check of container {name} reports the application not ready; its log \
             says why; if the check itself is wrong, fix `{probe_field}`"
        ),
    }
}

/// Keeps the start and the end of a long line (the end of an error says what failed).
fn shorten_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max / 3).collect();
    let tail: String = s.chars().skip(n - (max - max / 3)).collect();
    format!("{head}…{tail}")
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}…")
}
