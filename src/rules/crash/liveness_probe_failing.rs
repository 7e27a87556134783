//! KT-CRASH-007 liveness-probe-failing

use super::Cause;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;
use k8s_openapi::api::core::v1::Probe;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

declare_rule! {
    /// ## What it does
    /// Finds containers that the kubelet restarts because their liveness probe fails
    /// (`Unhealthy` events `Liveness probe failed: ...` and `Killing` events `Container x
    /// failed liveness probe, will be restarted` since the last start), and checks the
    /// probe against the container: a probe on a port the container does not declare is
    /// named.
    ///
    /// ## Why is this bad?
    /// Each failed probe series kills a container that may be working, so it never stays
    /// up long enough to serve, and the restarts back off into `CrashLoopBackOff`. Common
    /// causes: the probe checks the wrong port or path, `initialDelaySeconds` shorter than
    /// the start-up time, a `timeoutSeconds` too short for a busy process, or a health
    /// endpoint that checks dependencies.
    ///
    /// ## Example
    /// ```text
    /// Liveness:  http-get http://:8080/healthz delay=0s timeout=1s period=10s #failure=3
    /// Port:      8000/TCP
    /// Warning  Unhealthy  Liveness probe failed: Get "http://10.1.0.9:8080/healthz": connection refused
    /// Normal   Killing    Container api failed liveness probe, will be restarted
    /// ```
    ///
    /// ## How to fix
    /// Point `livenessProbe.httpGet.port` and `path` at what the application serves, raise
    /// `initialDelaySeconds` (or add a `startupProbe`) above the start-up time, and raise
    /// `timeoutSeconds`/`failureThreshold` if the endpoint is slow under load.
    pub(crate) static RULE = {
        code: "KT-CRASH-007",
        name: "liveness-probe-failing",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::Liveness(l) = &found.cause else {
            continue;
        };
        let who = crash.who();
        let owner = super::owner_phrase(cluster, &crash);
        let probe = l
            .probe
            .map(describe)
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        let verb = crash.tense("is", "was");
        let mut message = format!(
            "{} {verb} killed by its failing liveness probe{probe}",
            crash.who()
        );
        if let Some(e) = l.unhealthy.or(l.kill) {
            message.push_str(&format!(
                ": `{}`{}",
                super::common::clip(e.message.as_deref().unwrap_or(""), 160),
                crate::rules::util::times(e)
            ));
        }
        if let Some((_, problem)) = &l.port_problem {
            message.push_str(&format!("; {problem}"));
        }
        message.push_str(&format!("; {}", crash.state_phrase()));
        let field = l.probe.map_or("httpGet", |p| {
            if p.tcp_socket.is_some() {
                "tcpSocket"
            } else if p.grpc.is_some() {
                "grpc"
            } else if p.exec.is_some() {
                "exec"
            } else {
                "httpGet"
            }
        });
        let delay = l
            .probe
            .map(|p| p.initial_delay_seconds.unwrap_or(0))
            .unwrap_or(0);
        let help = match &l.port_problem {
            Some(_) => {
                let port = crash
                    .spec()
                    .and_then(|s| s.ports.as_ref()?.first())
                    .map(|p| p.container_port.to_string())
                    .unwrap_or_else(|| "the port the application listens on".to_string());
                format!(
                    "set `livenessProbe.{field}.port` of {who}{owner} to {port}, the \
                     port the container serves"
                )
            }
            None if field == "httpGet" => format!(
                "make `livenessProbe.httpGet.path`/`port` of {who}{owner} answer with \
                 a 2xx within `timeoutSeconds`, or raise `livenessProbe.initialDelaySeconds` \
                 (now {delay}) above the start-up time (or add a `startupProbe`)"
            ),
            None => format!(
                "fix `livenessProbe.{field}` of {who}{owner}, or raise \
                 `livenessProbe.initialDelaySeconds` (now {delay}) above the start-up time \
                 (or add a `startupProbe`)"
            ),
        };
        let cause = l.probe.map(describe).unwrap_or_default();
        let mut f = super::found_finding(&RULE, &crash, &found, message, help, cause);
        if l.probe.is_some() {
            let path = l
                .port_problem
                .as_ref()
                .map(|(p, _)| p.clone())
                .unwrap_or_else(|| crash.spec_field("livenessProbe"));
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                &path,
                "the liveness probe",
            ));
        }
        if l.port_problem.is_some() && crash.spec().is_some_and(|s| s.ports.is_some()) {
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                &crash.spec_field("ports[0].containerPort"),
                "the port the container declares",
            ));
        }
        out.push(f);
    }
}

/// `http-get :8080/healthz`, `tcp-socket :6379`, `grpc :9090`, `exec [cat /tmp/ok]`.
fn describe(p: &Probe) -> String {
    let port = |p: &IntOrString| match p {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    };
    if let Some(h) = &p.http_get {
        format!(
            "http-get :{}{}",
            port(&h.port),
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!("tcp-socket :{}", port(&t.port))
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port)
    } else if let Some(e) = &p.exec {
        format!("exec [{}]", e.command.as_deref().unwrap_or(&[]).join(" "))
    } else {
        "probe".to_string()
    }
}
