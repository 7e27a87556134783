//! KT-CRASH-008 exec-format-error

use super::Cause;
use crate::declare_rule;
use crate::model::Cluster;
use crate::rules::Findings;
use k8s_openapi::api::core::v1::Node;

declare_rule! {
    /// ## What it does
    /// Finds crashing containers that fail with `exec format error`: the image's binary is
    /// built for another CPU architecture than the node's (an `arm64` image on an `amd64`
    /// node, or the reverse), or the entrypoint script lacks its `#!` line.
    ///
    /// ## Why is this bad?
    /// The kernel refuses to run the program, so the container dies before printing
    /// anything of its own, on every restart. It is common when images are built on an
    /// Apple-silicon laptop and run on `amd64` nodes.
    ///
    /// ## Example
    /// ```text
    /// exec /usr/local/bin/server: exec format error
    /// ```
    /// on node `worker-1` with `Architecture: amd64`.
    ///
    /// ## How to fix
    /// Build the image for the node's architecture (`docker buildx build --platform
    /// linux/amd64`, or a multi-architecture image for both), push it and update `image`;
    /// for a script entrypoint, start it with a `#!/bin/sh` line.
    pub(crate) static RULE = {
        code: "KT-CRASH-008",
        name: "exec-format-error",
        severity: Error,
        check: check,
    };
}

fn check(cluster: &Cluster, out: &mut Findings) {
    for (crash, found) in super::diagnosed(cluster, RULE.name) {
        let Cause::ExecFormat = &found.cause else {
            continue;
        };
        let node_name = crash.pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        let node_entry = node_name.and_then(|n| cluster.get("Node", None, n));
        let arch = node_entry
            .and_then(|e| crate::rules::util::typed::<Node>(e))
            .and_then(|n| n.status.as_ref()?.node_info.as_ref())
            .map(|i| i.architecture.clone())
            .filter(|a| !a.is_empty());
        let image = super::image(&crash).unwrap_or("the image");
        let on_node = match (node_name, &arch) {
            (Some(n), Some(a)) => format!(" (node {n} is {a})"),
            _ => String::new(),
        };
        let message = super::start_message(
            &crash,
            &found,
            &format!("image {image} is built for another CPU architecture{on_node}"),
        );
        let platform = arch
            .as_deref()
            .map_or("the node's architecture".to_string(), |a| {
                format!("linux/{a}")
            });
        let help = format!(
            "rebuild {image} for {platform} (`docker buildx build --platform {}`, or a \
             multi-architecture image), push it and update `image` of {}{}",
            arch.as_deref()
                .map_or("linux/<arch>".to_string(), |a| format!("linux/{a}")),
            crash.who(),
            super::owner_phrase(cluster, &crash)
        );
        let mut f = super::found_finding(&RULE, &crash, &found, message, help, image.to_string())
            .evidence_opt(super::image_evidence(&crash));
        if let (Some(e), Some(a)) = (node_entry, &arch) {
            f = f.evidence_opt(super::field_evidence(
                e,
                "status.nodeInfo.architecture",
                format!("the node is {a}"),
            ));
        }
        out.push(f);
    }
}
