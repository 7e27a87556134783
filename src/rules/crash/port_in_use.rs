//! KT-CRASH-005 port-in-use

use super::Cause;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;

declare_rule! {
    /// ## What it does
    /// Finds crashing containers that stop because the port they bind is taken:
    /// `address already in use`, `EADDRINUSE`, `bind: ...`; and names who else uses it
    /// (another container of the same pod declaring that port, or `hostNetwork`).
    ///
    /// ## Why is this bad?
    /// The server cannot listen, so it exits at start-up on every restart. Containers of a
    /// pod share one network namespace: two of them cannot listen on the same port. With
    /// `hostNetwork: true` the port is taken on the node, by any other process there.
    ///
    /// ## Example
    /// ```text
    /// listen tcp :8080: bind: address already in use
    /// ```
    /// in a pod whose sidecar also declares `containerPort: 8080`.
    ///
    /// ## How to fix
    /// Make the program listen on a free port and set `ports[].containerPort` (and the
    /// Service's `targetPort`) to it, or move the other listener off the port; with
    /// `hostNetwork`, pick a port nothing on the node uses or drop `hostNetwork`.
    pub(crate) static RULE = {
        code: "KT-CRASH-005",
        name: "port-in-use",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::PortInUse { port } = &found.cause else {
            continue;
        };
        let c = crash.c.name;
        let who = crash.who();
        let owner = super::owner_phrase(cluster, &crash);
        let port_text = port.map_or("its port".to_string(), |p| format!("port {p}"));
        // Other containers of the pod that declare the same port.
        let mut others = Vec::new();
        if let Some(p) = port {
            for o in crate::rules::util::containers(crash.pod) {
                if o.name == c {
                    continue;
                }
                for (i, cp) in o
                    .spec
                    .and_then(|s| s.ports.as_ref())
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if cp.container_port == i32::from(*p) {
                        others.push((
                            o.name.to_string(),
                            format!("{}.ports[{i}].containerPort", o.spec_path),
                        ));
                    }
                }
            }
        }
        let host_network = crash
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        let note = if let Some((o, _)) = others.first() {
            vec![format!(
                "container {o} of the same pod also declares {port_text}"
            )]
        } else if host_network {
            vec!["the pod uses hostNetwork, so the port is taken on the node".to_string()]
        } else {
            Vec::new()
        };
        let message = super::exit_message(
            &crash,
            &found,
            &format!("{port_text} is already in use"),
            &note,
        );
        let help = if let Some((o, _)) = others.first() {
            format!(
                "containers of a pod share one network: make {who} or container {o}{owner} \
                 listen on another port and change its `ports[].containerPort` (and the \
                 Service `targetPort`) with it"
            )
        } else if host_network {
            format!(
                "with `hostNetwork: true` {port_text} must be free on the node: pick another \
                 port for {who} or drop `hostNetwork`{owner}"
            )
        } else {
            format!(
                "make {who}{owner} bind {port_text} once: two listeners in the program \
                 (or a second server started by the entrypoint) take the same port; change one \
                 and set `ports[].containerPort` to match"
            )
        };
        let cause = port.map(|p| p.to_string()).unwrap_or_default();
        let mut f = super::found_finding(&RULE, &crash, &found, message, help, cause);
        for (o, path) in &others {
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                path,
                format!("container {o} declares {port_text}"),
            ));
        }
        if host_network {
            f = f.evidence_opt(super::field_evidence(
                crash.entry,
                "spec.hostNetwork",
                "hostNetwork",
            ));
        }
        out.push(f);
    }
}
