//! Tests of the describe parser on fixtures for every variant in the spec, and on the real
//! holmesgpt describe files.

use super::*;
use crate::model::object::Typed;
use crate::model::Object;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{
    ContainerStatus, Endpoints, Event, Node, PersistentVolumeClaim, Pod, Service,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../testdata/describe/", $name))
    };
}

fn all<T: Typed>(out: &DescribeOutput) -> Vec<&T> {
    out.objects
        .iter()
        .filter_map(|d| T::from_object(&d.object))
        .collect()
}

fn one<T: Typed>(out: &DescribeOutput) -> &T {
    let v = all::<T>(out);
    assert_eq!(v.len(), 1, "expected one {}", T::KIND);
    v[0]
}

fn described<'a>(out: &'a DescribeOutput, kind: &str) -> &'a Described {
    out.objects
        .iter()
        .find(|d| d.object.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// The text of the span recorded for `path`.
fn span<'t>(text: &'t str, d: &Described, path: &str) -> &'t str {
    let s = d
        .spans
        .iter()
        .find(|s| s.path == path)
        .unwrap_or_else(|| panic!("no span {path}: {:?}", d.spans));
    &text[s.start..s.end]
}

fn status<'a>(p: &'a Pod, container: &str) -> &'a ContainerStatus {
    let st = p.status.as_ref().expect("status");
    st.container_statuses
        .iter()
        .flatten()
        .chain(st.init_container_statuses.iter().flatten())
        .find(|c| c.name == container)
        .unwrap_or_else(|| panic!("no status for {container}"))
}

fn phase(p: &Pod) -> &str {
    p.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn waiting_reason(c: &ContainerStatus) -> Option<&str> {
    c.state.as_ref()?.waiting.as_ref()?.reason.as_deref()
}

fn last_terminated(c: &ContainerStatus) -> Option<(&str, i32)> {
    let t = c.last_state.as_ref()?.terminated.as_ref()?;
    Some((t.reason.as_deref().unwrap_or(""), t.exit_code))
}

fn ann<'a>(o: &'a Object, key: &str) -> Option<&'a str> {
    o.metadata()
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

fn reasons(out: &DescribeOutput) -> Vec<&str> {
    all::<Event>(out)
        .iter()
        .map(|e| e.reason.as_deref().unwrap_or(""))
        .collect()
}

fn limit<'a>(p: &'a Pod, container: &str, res: &str) -> Option<&'a str> {
    let spec = p.spec.as_ref()?;
    let c = spec.containers.iter().find(|c| c.name == container)?;
    c.resources
        .as_ref()?
        .limits
        .as_ref()?
        .get(res)
        .map(|q| q.0.as_str())
}

#[test]
fn modern_pod_every_section() {
    let text = fixture!("pod_modern.txt");
    assert!(looks_like_describe(text));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(phase(p), "Running");
    let spec = p.spec.as_ref().unwrap();
    assert_eq!(spec.node_name.as_deref(), Some("node-1.xxxxx.internal"));
    assert_eq!(spec.service_account_name.as_deref(), Some("web-sa"));
    let st = p.status.as_ref().unwrap();
    assert_eq!(st.host_ip.as_deref(), Some("10.0.1.17"));
    assert_eq!(st.pod_ip.as_deref(), Some("10.42.0.119"));
    assert_eq!(st.qos_class.as_deref(), Some("Burstable"));
    assert_eq!(
        st.start_time.as_ref().unwrap().0.to_string(),
        "2025-02-23T22:59:02Z"
    );
    let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("ReplicaSet", "web-7d4b9c8f6")
    );
    assert_eq!(owner.controller, Some(true));
    let labels = p.metadata.labels.as_ref().unwrap();
    assert_eq!(
        labels.get("pod-template-hash").map(String::as_str),
        Some("7d4b9c8f6")
    );
    let anns = p.metadata.annotations.as_ref().unwrap();
    assert_eq!(
        anns.get("kubectl.kubernetes.io/restartedAt")
            .map(String::as_str),
        Some("2025-02-20T10:00:00Z")
    );
    // Containers and their states.
    let web = status(p, "web");
    assert_eq!(waiting_reason(web), Some("CrashLoopBackOff"));
    assert_eq!(last_terminated(web), Some(("OOMKilled", 137)));
    assert_eq!(web.restart_count, 6);
    assert!(!web.ready);
    assert_eq!(web.image, "registry.example.com/shop/web:1.4.2");
    assert!(web
        .container_id
        .as_deref()
        .unwrap()
        .starts_with("containerd://2222"));
    let init = status(p, "init-db");
    let term = init.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(
        (term.reason.as_deref(), term.exit_code),
        (Some("Completed"), 0)
    );
    assert!(status(p, "sidecar")
        .state
        .as_ref()
        .unwrap()
        .running
        .is_some());
    assert_eq!(limit(p, "web", "memory"), Some("90Mi"));
    assert_eq!(limit(p, "web", "cpu"), Some("500m"));
    let c = &spec.containers[0];
    assert_eq!(c.args.as_ref().unwrap()[1], "--db-host=*.*.*.*");
    assert_eq!(c.ports.as_ref().unwrap()[0].container_port, 8080);
    let live = c.liveness_probe.as_ref().unwrap();
    let get = live.http_get.as_ref().unwrap();
    assert_eq!(get.path.as_deref(), Some("/health"));
    assert_eq!(get.port, IntOrString::Int(8080));
    assert_eq!(live.initial_delay_seconds, Some(60));
    assert_eq!(live.failure_threshold, Some(5));
    let ready = c.readiness_probe.as_ref().unwrap();
    assert_eq!(
        ready.exec.as_ref().unwrap().command.as_ref().unwrap(),
        &vec!["cat".to_string(), "/tmp/healthy".to_string()]
    );
    let startup = c.startup_probe.as_ref().unwrap();
    assert_eq!(
        startup.tcp_socket.as_ref().unwrap().port,
        IntOrString::Int(8080)
    );
    let env = c.env.as_ref().unwrap();
    let secret = env[0]
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (secret.name.as_str(), secret.key.as_str()),
        ("db-credentials", "password")
    );
    let cm = env[1]
        .value_from
        .as_ref()
        .unwrap()
        .config_map_key_ref
        .as_ref()
        .unwrap();
    assert_eq!((cm.name.as_str(), cm.key.as_str()), ("web-config", "level"));
    let field = env[2]
        .value_from
        .as_ref()
        .unwrap()
        .field_ref
        .as_ref()
        .unwrap();
    assert_eq!(field.field_path, "metadata.name");
    assert_eq!(env[3].value.as_deref(), Some("<redacted>"));
    assert_eq!(env[4].value.as_deref(), Some("production"));
    let env_from = c.env_from.as_ref().unwrap();
    assert_eq!(
        env_from[0].config_map_ref.as_ref().unwrap().name,
        "web-config"
    );
    assert_eq!(
        env_from[1].secret_ref.as_ref().unwrap().optional,
        Some(true)
    );
    let mounts = c.volume_mounts.as_ref().unwrap();
    assert_eq!(mounts[0].read_only, Some(true));
    assert_eq!(mounts[1].name, "data");
    assert_eq!(spec.containers[1].ports.as_ref().unwrap().len(), 2);
    // Conditions, volumes, selectors, tolerations.
    let conds = st.conditions.as_ref().unwrap();
    assert_eq!(conds.len(), 5);
    assert!(conds
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "False"));
    let vols = spec.volumes.as_ref().unwrap();
    assert_eq!(vols.len(), 5);
    assert_eq!(vols[0].config_map.as_ref().unwrap().name, "web-config");
    assert_eq!(
        vols[1].secret.as_ref().unwrap().secret_name.as_deref(),
        Some("web-tls")
    );
    assert_eq!(
        vols[2].persistent_volume_claim.as_ref().unwrap().claim_name,
        "web-data"
    );
    assert!(vols[3].empty_dir.is_some());
    assert!(vols[4].projected.is_some());
    assert_eq!(spec.node_selector.as_ref().unwrap().len(), 2);
    let tols = spec.tolerations.as_ref().unwrap();
    assert_eq!(tols.len(), 3);
    assert_eq!(tols[0].toleration_seconds, Some(300));
    assert_eq!(tols[0].operator.as_deref(), Some("Exists"));
    assert_eq!(tols[2].value.as_deref(), Some("web"));
    // Spans point at the values.
    let d = described(&out, "Pod");
    assert_eq!(
        span(
            text,
            d,
            "status.containerStatuses[0].lastState.terminated.exitCode"
        ),
        "137"
    );
    assert_eq!(
        span(
            text,
            d,
            "status.containerStatuses[0].lastState.terminated.reason"
        ),
        "OOMKilled"
    );
    assert_eq!(
        span(text, d, "spec.containers[0].resources.limits.memory"),
        "90Mi"
    );
    assert_eq!(
        span(text, d, "status.containerStatuses[0].restartCount"),
        "6"
    );
    assert_eq!(span(text, d, "status.phase"), "Running");
    assert_eq!(span(text, d, "spec.nodeName"), "node-1.xxxxx.internal");
    assert_eq!(span(text, d, "status.hostIP"), "10.0.1.17");
    assert_eq!(&text[d.start..d.start + 5], "Name:");
    // Events.
    let evs = all::<Event>(&out);
    assert_eq!(evs.len(), 5);
    assert_eq!(
        reasons(&out),
        ["Scheduled", "Pulled", "Unhealthy", "BackOff", "OOMKilling"]
    );
    let e0 = evs[0];
    assert_eq!(e0.metadata.name.as_deref(), Some("web-7d4b9c8f6-abcde.1"));
    assert_eq!(e0.metadata.namespace.as_deref(), Some("shop"));
    assert_eq!(e0.involved_object.kind.as_deref(), Some("Pod"));
    assert_eq!(
        e0.involved_object.name.as_deref(),
        Some("web-7d4b9c8f6-abcde")
    );
    assert_eq!(
        e0.source.as_ref().unwrap().component.as_deref(),
        Some("default-scheduler")
    );
    assert_eq!(e0.type_.as_deref(), Some("Normal"));
    assert!(e0.first_timestamp.is_none() && e0.last_timestamp.is_none());
    // Wrapped mid-word at the terminal width: joined without a space.
    assert_eq!(
        evs[2].message.as_deref(),
        Some("Liveness probe failed: Get \"http://10.42.0.119:8080/health\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
    );
    assert_eq!(evs[3].count, Some(46));
    let bo = out
        .objects
        .iter()
        .find(|d| matches!(&d.object, Object::Event(e) if e.reason.as_deref() == Some("BackOff")))
        .unwrap();
    assert_eq!(ann(&bo.object, "ktriage.io/last-seen-age"), Some("840"));
    assert_eq!(ann(&bo.object, "ktriage.io/first-seen-age"), Some("1380"));
    assert_eq!(span(text, bo, "reason"), "BackOff");
    assert_eq!(span(text, bo, "count"), "46");
    assert_eq!(
        span(text, bo, "metadata.annotations.ktriage.io/last-seen-age"),
        "14m"
    );
    assert_eq!(span(text, bo, "source"), "kubelet");
    assert!(span(text, bo, "message").starts_with("Back-off restarting failed container web"));
    // Misaligned row (regex-style fallback) with `kubelet, host` and a continuation at column 0.
    let oom = evs[4];
    let src = oom.source.as_ref().unwrap();
    assert_eq!(src.component.as_deref(), Some("kernel-monitor"));
    assert_eq!(src.host.as_deref(), Some("node-1.xxxxx.internal"));
    assert_eq!(
        oom.message.as_deref(),
        Some("Memory cgroup out of memory: Killed process 4242 (web) total-vm:1000kB, anon-rss:90000kB")
    );
}

#[test]
fn flush_left_paste() {
    let text = fixture!("pod_flush_left.md");
    assert!(looks_like_describe(text));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(phase(p), "Running");
    let api = status(p, "api");
    assert!(api.state.as_ref().unwrap().running.is_some());
    assert_eq!(last_terminated(api), Some(("Error", 1)));
    assert_eq!(api.restart_count, 3);
    assert!(api.ready);
    assert_eq!(limit(p, "api", "memory"), Some("256Mi"));
    let spec = p.spec.as_ref().unwrap();
    assert_eq!(
        spec.containers[0].env.as_ref().unwrap()[0].value.as_deref(),
        Some("production")
    );
    assert_eq!(p.metadata.labels.as_ref().unwrap().len(), 2);
    assert_eq!(
        p.status
            .as_ref()
            .unwrap()
            .conditions
            .as_ref()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        spec.volumes.as_ref().unwrap()[0].name,
        "kube-api-access-86pfq"
    );
    assert_eq!(reasons(&out), ["BackOff", "Pulled"]);
    assert_eq!(all::<Event>(&out)[0].count, Some(4));
    let d = described(&out, "Pod");
    assert_eq!(
        span(
            text,
            d,
            "status.containerStatuses[0].lastState.terminated.exitCode"
        ),
        "1"
    );
}

#[test]
fn whole_block_indented() {
    let text = fixture!("pod_indented.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(p.metadata.name.as_deref(), Some("exporter-0"));
    let c = status(p, "exporter");
    assert_eq!(last_terminated(c), Some(("Error", 2)));
    assert_eq!(c.restart_count, 1);
    let d = described(&out, "Pod");
    assert_eq!(
        span(text, d, "status.containerStatuses[0].restartCount"),
        "1"
    );
    assert_eq!(reasons(&out), ["Started"]);
    assert_eq!(
        ann(&out.objects[1].object, "ktriage.io/last-seen-age"),
        Some("61")
    );
}

#[test]
fn quoted_paste() {
    let text = fixture!("pod_quoted.md");
    assert!(looks_like_describe(text));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(phase(p), "Pending");
    assert_eq!(waiting_reason(status(p, "uwsgi")), Some("PodInitializing"));
    let init = &p.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0];
    let r = init.env.as_ref().unwrap()[0]
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(r.name, "defectdojo-postgresql-specific");
    let d = described(&out, "Pod");
    assert_eq!(span(text, d, "status.phase"), "Pending");
    assert_eq!(reasons(&out), ["Scheduled"]);
}

#[test]
fn fenced_paste_with_bold_debris() {
    let text = fixture!("pod_fenced.md");
    assert!(looks_like_describe(text));
    let out = parse(text);
    // The sentence before the fence is not describe output.
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].line, Some(1));
    let p = one::<Pod>(&out);
    assert_eq!(p.metadata.name.as_deref(), Some("worker-job-x7k2p"));
    assert_eq!(phase(p), "Failed");
    let st = p.status.as_ref().unwrap();
    assert_eq!(st.reason.as_deref(), Some("Evicted"));
    assert!(st
        .message
        .as_deref()
        .unwrap()
        .starts_with("The node was low on resource: memory."));
    // A redacted IP is kept as written.
    assert_eq!(st.pod_ip.as_deref(), Some("************"));
    let c = status(p, "worker");
    let t = c.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(
        (t.reason.as_deref(), t.exit_code),
        (Some("ContainerStatusUnknown"), 137)
    );
    assert_eq!(reasons(&out), ["Evicted", "Killing", "Failed"]);
    let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.api_version.as_str()),
        ("Job", "batch/v1")
    );
}

#[test]
fn crlf_line_ends() {
    let text = fixture!("pod_crlf.txt");
    assert!(text.contains("\r\n"));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    let c = status(p, "redis");
    assert_eq!(last_terminated(c), Some(("Error", 1)));
    let d = described(&out, "Pod");
    assert_eq!(
        span(
            text,
            d,
            "status.containerStatuses[0].lastState.terminated.reason"
        ),
        "Error"
    );
    assert_eq!(span(text, d, "metadata.name"), "cache-0");
    let live = p.spec.as_ref().unwrap().containers[0]
        .liveness_probe
        .as_ref()
        .unwrap();
    assert_eq!(
        live.tcp_socket.as_ref().unwrap().port,
        IntOrString::Int(6379)
    );
    let evs = all::<Event>(&out);
    assert_eq!(evs.len(), 1);
    assert!(!evs[0].message.as_deref().unwrap().ends_with('\r'));
}

#[test]
fn tabs_last_termination_state_and_old_events() {
    let text = fixture!("pod_tabs_old_events.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(phase(p), "Running");
    let c = status(p, "app");
    assert_eq!(waiting_reason(c), Some("CrashLoopBackOff"));
    assert_eq!(last_terminated(c), Some(("Error", 2)));
    assert_eq!(c.restart_count, 7);
    let d = described(&out, "Pod");
    assert_eq!(
        span(
            text,
            d,
            "status.containerStatuses[0].lastState.terminated.exitCode"
        ),
        "2"
    );
    assert_eq!(
        span(text, d, "status.containerStatuses[0].restartCount"),
        "7"
    );
    let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(owner.kind, "ReplicationController");
    assert_eq!(
        p.status.as_ref().unwrap().qos_class.as_deref(),
        Some("BestEffort")
    );
    let evs = all::<Event>(&out);
    assert_eq!(
        reasons(&out),
        ["Scheduled", "Pulled", "BackOff", "FailedSync"]
    );
    assert_eq!(evs[1].count, Some(7));
    assert_eq!(
        evs[1].involved_object.field_path.as_deref(),
        Some("spec.containers{app}")
    );
    let src = evs[1].source.as_ref().unwrap();
    assert_eq!(
        (src.component.as_deref(), src.host.as_deref()),
        (Some("kubelet"), Some("minion-1"))
    );
    assert_eq!(
        evs[0].source.as_ref().unwrap().component.as_deref(),
        Some("default-scheduler")
    );
    assert_eq!(evs[2].type_.as_deref(), Some("Warning"));
    assert_eq!(evs[2].count, Some(145));
    let e1 = out
        .objects
        .iter()
        .filter(|d| d.object.kind() == "Event")
        .nth(1)
        .unwrap();
    assert_eq!(ann(&e1.object, "ktriage.io/first-seen-age"), Some("7200"));
    assert_eq!(ann(&e1.object, "ktriage.io/last-seen-age"), Some("2880"));
    assert!(evs[3]
        .message
        .as_deref()
        .unwrap()
        .starts_with("Error syncing pod, skipping"));
}

#[test]
fn events_from_2015() {
    let text = fixture!("pod_2015.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert!(status(p, "nginx").ready);
    let evs = all::<Event>(&out);
    assert_eq!(reasons(&out), ["scheduled", "pulled", "started"]);
    assert_eq!(
        evs[0].source.as_ref().unwrap().component.as_deref(),
        Some("scheduler")
    );
    assert_eq!(
        evs[0].first_timestamp.as_ref().unwrap().0.to_string(),
        "2015-10-22T20:59:51Z"
    );
    assert_eq!(
        evs[1].involved_object.field_path.as_deref(),
        Some("implicitly required container POD")
    );
    assert_eq!(
        evs[2].involved_object.field_path.as_deref(),
        Some("spec.containers{nginx}")
    );
    assert_eq!(
        evs[2].message.as_deref(),
        Some("Started with docker id 2a3b4c5d6e7f")
    );
    assert!(evs[0].type_.is_none());
}

#[test]
fn k9s_borders_and_wrapped_message() {
    let text = fixture!("pod_k9s.txt");
    assert!(looks_like_describe(text));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(phase(p), "Pending");
    assert_eq!(waiting_reason(status(p, "payments")), Some("ErrImagePull"));
    let d = described(&out, "Pod");
    assert_eq!(
        span(text, d, "status.containerStatuses[0].state.waiting.reason"),
        "ErrImagePull"
    );
    let evs = all::<Event>(&out);
    assert_eq!(evs.len(), 2);
    assert_eq!(
        evs[0].message.as_deref(),
        Some("Failed to pull image \"gcr.io/acme/payments:bad\": rpc error: code = NotFound desc = failed to pull and unpack image \"gcr.io/acme/payments:bad\": not found")
    );
    assert_eq!(evs[0].count, Some(4));
    assert_eq!(evs[1].reason.as_deref(), Some("BackOff"));
}

#[test]
fn several_pods_in_one_file() {
    let text = fixture!("pods_multi.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let pods = all::<Pod>(&out);
    assert_eq!(pods.len(), 3);
    assert_eq!(phase(pods[0]), "Succeeded");
    assert_eq!(phase(pods[1]), "Pending");
    let t = status(pods[0], "main")
        .state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap();
    assert_eq!(t.reason.as_deref(), Some("Completed"));
    assert!(pods[1]
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .is_none());
    assert_eq!(
        pods[1]
            .spec
            .as_ref()
            .unwrap()
            .node_selector
            .as_ref()
            .unwrap()
            .get("disktype")
            .map(String::as_str),
        Some("ssd")
    );
    // Terminating: no phase, flagged; `node/` with an empty IP.
    assert_eq!(phase(pods[2]), "");
    assert_eq!(
        ann(&out.objects[4].object, "ktriage.io/terminating"),
        Some("true")
    );
    assert_eq!(
        pods[2].spec.as_ref().unwrap().node_name.as_deref(),
        Some("node-2")
    );
    assert!(pods[2].status.as_ref().unwrap().host_ip.is_none());
    let evs = all::<Event>(&out);
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[1].count, Some(9));
    assert_eq!(evs[0].involved_object.name.as_deref(), Some("job-b-1"));
    let ev_obj = out
        .objects
        .iter()
        .filter(|d| d.object.kind() == "Event")
        .nth(1)
        .unwrap();
    assert_eq!(ann(&ev_obj.object, "ktriage.io/last-seen-age"), None);
    // Each object's range covers its own text only.
    let second = out
        .objects
        .iter()
        .filter(|d| d.object.kind() == "Pod")
        .nth(1)
        .unwrap();
    assert!(text[second.start..second.end].starts_with("Name:             job-b-1"));
    assert!(text[second.start..second.end].ends_with("didn't match node selector."));
}

#[test]
fn node_not_ready_with_taints() {
    let text = fixture!("node_notready.txt");
    assert!(looks_like_describe(text));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let n = one::<Node>(&out);
    let spec = n.spec.as_ref().unwrap();
    let taints = spec.taints.as_ref().unwrap();
    assert_eq!(taints.len(), 3);
    assert_eq!(taints[0].key, "node.kubernetes.io/unreachable");
    assert_eq!(taints[0].effect, "NoExecute");
    assert_eq!(taints[2].value.as_deref(), Some("gpu"));
    assert_eq!(spec.unschedulable, Some(false));
    let st = n.status.as_ref().unwrap();
    let conds = st.conditions.as_ref().unwrap();
    assert_eq!(conds.len(), 4);
    let ready = conds.iter().find(|c| c.type_ == "Ready").unwrap();
    assert_eq!(ready.status, "False");
    assert_eq!(ready.reason.as_deref(), Some("KubeletNotReady"));
    assert!(ready
        .message
        .as_deref()
        .unwrap()
        .starts_with("PLEG is not healthy"));
    assert_eq!(
        ready.last_transition_time.as_ref().unwrap().0.to_string(),
        "2019-10-25T10:18:00Z"
    );
    assert_eq!(conds[0].reason.as_deref(), Some("NodeStatusUnknown"));
    assert_eq!(st.capacity.as_ref().unwrap().get("cpu").unwrap().0, "4");
    assert_eq!(
        st.allocatable.as_ref().unwrap().get("cpu").unwrap().0,
        "3800m"
    );
    assert_eq!(st.node_info.as_ref().unwrap().kubelet_version, "v1.16.2");
    assert_eq!(st.addresses.as_ref().unwrap()[0].address, "10.0.0.13");
    assert_eq!(
        n.metadata
            .labels
            .as_ref()
            .unwrap()
            .get("node-role.kubernetes.io/worker")
            .map(String::as_str),
        Some("")
    );
    let d = described(&out, "Node");
    assert_eq!(span(text, d, "status.conditions[3].status"), "False");
    assert_eq!(
        span(text, d, "spec.taints[1]"),
        "node.kubernetes.io/unreachable:NoSchedule"
    );
    let evs = all::<Event>(&out);
    assert_eq!(reasons(&out), ["NodeNotReady", "NodeHasSufficientMemory"]);
    assert_eq!(evs[0].involved_object.kind.as_deref(), Some("Node"));
    assert_eq!(
        evs[1].source.as_ref().unwrap().host.as_deref(),
        Some("worker-3")
    );
    assert_eq!(evs[1].count, Some(2));
}

#[test]
fn service_ports_and_selector() {
    let text = fixture!("service.txt");
    assert!(looks_like_describe(text));
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let s = one::<Service>(&out);
    let spec = s.spec.as_ref().unwrap();
    let sel = spec.selector.as_ref().unwrap();
    assert_eq!(sel.get("app").map(String::as_str), Some("web"));
    assert_eq!(sel.get("tier").map(String::as_str), Some("frontend"));
    assert_eq!(spec.type_.as_deref(), Some("NodePort"));
    assert_eq!(spec.cluster_ip.as_deref(), Some("10.96.12.34"));
    let ports = spec.ports.as_ref().unwrap();
    assert_eq!(ports.len(), 2);
    assert_eq!(ports[0].name.as_deref(), Some("http"));
    assert_eq!(ports[0].port, 80);
    assert_eq!(ports[0].target_port, Some(IntOrString::Int(8080)));
    assert_eq!(ports[0].node_port, Some(30080));
    assert_eq!(
        ports[1].target_port,
        Some(IntOrString::String("metrics".into()))
    );
    assert_eq!(spec.session_affinity.as_deref(), Some("None"));
    let d = described(&out, "Service");
    assert_eq!(span(text, d, "spec.ports[0].port"), "80");
    assert_eq!(span(text, d, "spec.ports[0].targetPort"), "8080");
    assert_eq!(span(text, d, "spec.selector.tier"), "frontend");
    assert!(all::<Event>(&out).is_empty());
}

#[test]
fn deployment() {
    let text = fixture!("deployment.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let dep = one::<Deployment>(&out);
    let spec = &dep.spec;
    assert_eq!(spec.replicas, Some(3));
    let st = dep.status.as_ref().unwrap();
    assert_eq!(st.updated_replicas, Some(1));
    assert_eq!(st.replicas, Some(4));
    assert_eq!(st.available_replicas, Some(2));
    assert_eq!(st.unavailable_replicas, Some(2));
    assert_eq!(
        spec.strategy.as_ref().unwrap().type_.as_deref(),
        Some("RollingUpdate")
    );
    let c = &spec.template.spec.as_ref().unwrap().containers[0];
    assert_eq!(c.name, "web");
    assert_eq!(
        c.image.as_deref(),
        Some("registry.example.com/shop/web:1.4.2")
    );
    assert_eq!(
        c.resources
            .as_ref()
            .unwrap()
            .limits
            .as_ref()
            .unwrap()
            .get("memory")
            .unwrap()
            .0,
        "90Mi"
    );
    let conds = st.conditions.as_ref().unwrap();
    assert_eq!(
        conds[0].reason.as_deref(),
        Some("MinimumReplicasUnavailable")
    );
    assert_eq!(
        spec.selector
            .match_labels
            .as_ref()
            .unwrap()
            .get("app")
            .map(String::as_str),
        Some("web")
    );
    let d = described(&out, "Deployment");
    assert_eq!(span(text, d, "spec.replicas"), "3");
    assert_eq!(span(text, d, "status.availableReplicas"), "2");
    assert_eq!(
        span(
            text,
            d,
            "spec.template.spec.containers[0].resources.limits.memory"
        ),
        "90Mi"
    );
    assert_eq!(reasons(&out), ["ScalingReplicaSet"]);
}

#[test]
fn replicaset() {
    let text = fixture!("replicaset.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let rs = one::<ReplicaSet>(&out);
    assert_eq!(rs.spec.replicas, Some(3));
    let st = rs.status.as_ref().unwrap();
    assert_eq!(st.replicas, 1);
    assert_eq!(
        st.conditions.as_ref().unwrap()[0].type_.as_deref(),
        Some("ReplicaFailure")
    );
    let owner = &rs.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Deployment", "web")
    );
    let tl = rs
        .spec
        .template
        .as_ref()
        .unwrap()
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    assert_eq!(tl.len(), 2);
    assert_eq!(reasons(&out), ["FailedCreate"]);
    assert_eq!(all::<Event>(&out)[0].count, Some(15));
    let d = described(&out, "ReplicaSet");
    assert_eq!(span(text, d, "status.replicas"), "1");
}

#[test]
fn pvc_pending_and_bound() {
    let text = fixture!("pvc_pending.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let pvc = one::<PersistentVolumeClaim>(&out);
    assert_eq!(
        pvc.status.as_ref().unwrap().phase.as_deref(),
        Some("Pending")
    );
    let spec = pvc.spec.as_ref().unwrap();
    assert_eq!(spec.storage_class_name.as_deref(), Some("fast-ssd"));
    assert!(spec.volume_name.is_none());
    assert_eq!(
        reasons(&out),
        ["WaitForFirstConsumer", "ProvisioningFailed"]
    );
    let evs = all::<Event>(&out);
    assert_eq!(evs[1].count, Some(42));
    assert_eq!(
        evs[1].involved_object.kind.as_deref(),
        Some("PersistentVolumeClaim")
    );
    let d = described(&out, "PersistentVolumeClaim");
    assert_eq!(span(text, d, "spec.storageClassName"), "fast-ssd");

    let text = fixture!("pvc_bound.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let pvc = one::<PersistentVolumeClaim>(&out);
    let st = pvc.status.as_ref().unwrap();
    assert_eq!(
        st.capacity.as_ref().unwrap().get("storage").unwrap().0,
        "10Gi"
    );
    assert_eq!(st.access_modes.as_ref().unwrap()[0], "ReadWriteOnce");
    assert_eq!(
        pvc.spec.as_ref().unwrap().volume_name.as_deref(),
        Some("pvc-1234")
    );
}

#[test]
fn endpoints() {
    let text = fixture!("endpoints.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let ep = one::<Endpoints>(&out);
    let s = &ep.subsets.as_ref().unwrap()[0];
    assert_eq!(s.addresses.as_ref().unwrap()[0].ip, "10.42.0.120");
    assert_eq!(s.not_ready_addresses.as_ref().unwrap()[0].ip, "10.42.0.119");
    let ports = s.ports.as_ref().unwrap();
    assert_eq!(ports.len(), 2);
    assert_eq!(
        (ports[1].name.as_deref(), ports[1].port),
        (Some("metrics"), 9090)
    );
    let d = described(&out, "Endpoints");
    assert_eq!(span(text, d, "subsets[0].addresses"), "10.42.0.120");
}

#[test]
fn not_describe_and_problems() {
    assert!(!looks_like_describe(
        "NAME   READY   STATUS\nweb-1  1/1     Running\n"
    ));
    assert!(!looks_like_describe("Name: only a name\n"));
    let out = parse("Name:  x\nNamespace: y\nWhatever Field:  1\n");
    assert!(out.objects.is_empty());
    assert_eq!(out.problems.len(), 1);
    let text = "Name:         p\nNamespace:    n\nStatus:       Running\nContainers:\n  c:\n    Image:   i\n    Bogus Field:  7\n    Restart Count:  many\n";
    let out = parse(text);
    assert_eq!(all::<Pod>(&out).len(), 1);
    let lines: Vec<_> = out.problems.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(lines, [(Some(7), Some(5)), (Some(8), Some(21))]);
}

// ---- the real holmesgpt describe files ----

fn real(rel: &str) -> Option<String> {
    let path = format!(
        "{}/../shared/realworld/holmesgpt/tests/llm/fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read_to_string(&path) {
        Ok(t) => Some(strip_harness(&t)),
        Err(_) => {
            eprintln!("skipped: {path} is absent");
            None
        }
    }
}

/// Drops the 1-2 JSON header lines of the test harness, its `stdout:` marker and everything
/// from `stderr:` on.
fn strip_harness(text: &str) -> String {
    let mut out = String::new();
    let mut header = true;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if header && (t.starts_with('{') || t.is_empty() || t == "stdout:") {
            continue;
        }
        header = false;
        if t == "stderr:" {
            break;
        }
        out.push_str(line);
    }
    out
}

struct Expect {
    file: &'static str,
    phase: &'static str,
    container: &'static str,
    waiting: Option<&'static str>,
    last: Option<(&'static str, i32)>,
    restarts: Option<i32>,
    reasons: &'static [&'static str],
}

fn check_real(e: &Expect) {
    let Some(text) = real(e.file) else { return };
    assert!(looks_like_describe(&text), "{}", e.file);
    let out = parse(&text);
    assert!(out.problems.is_empty(), "{}: {:?}", e.file, out.problems);
    let p = one::<Pod>(&out);
    assert_eq!(phase(p), e.phase, "{}", e.file);
    match e.restarts {
        Some(r) => {
            let c = status(p, e.container);
            assert_eq!(waiting_reason(c), e.waiting, "{}", e.file);
            assert_eq!(last_terminated(c), e.last, "{}", e.file);
            assert_eq!(c.restart_count, r, "{}", e.file);
        }
        None => assert!(p.status.as_ref().unwrap().container_statuses.is_none()),
    }
    assert_eq!(reasons(&out), e.reasons, "{}", e.file);
}

#[test]
fn real_holmesgpt_pods() {
    let cases = [
        Expect {
            file: "test_ask_holmes/02_what_is_wrong_with_pod/kubectl_describepod_giant-narwhal-6958c5bdd8-69gtn_app-02.txt",
            phase: "Running",
            container: "main",
            waiting: Some("CrashLoopBackOff"),
            last: Some(("OOMKilled", 137)),
            restarts: Some(16),
            reasons: &["Scheduled", "Pulled", "Created", "Started", "BackOff"],
        },
        Expect {
            file: "test_investigate/01_oom_kill/kubectl_describe.txt",
            phase: "Running",
            container: "memory-eater",
            waiting: Some("CrashLoopBackOff"),
            last: Some(("OOMKilled", 137)),
            restarts: Some(6),
            reasons: &["Scheduled", "Pulled", "Pulled", "Pulled", "Pulled", "Started", "Pulling", "Created", "Pulled", "BackOff"],
        },
        Expect {
            file: "test_investigate/02_crashloop_backoff/kubectl_describe.txt",
            phase: "Pending",
            container: "downloader",
            waiting: Some("CrashLoopBackOff"),
            last: Some(("StartError", 128)),
            restarts: Some(6),
            reasons: &["Scheduled", "Pulling", "Pulled", "Created", "Failed", "Pulled", "BackOff"],
        },
        Expect {
            file: "test_ask_holmes/09_crashpod/kubectl_describe.txt",
            phase: "Running",
            container: "payment-processing-container",
            waiting: Some("CrashLoopBackOff"),
            last: Some(("Completed", 0)),
            restarts: Some(1),
            reasons: &["Scheduled", "Pulled", "Pulling", "Created", "Started", "Pulled", "BackOff"],
        },
        Expect {
            file: "test_investigate/04_image_pull_backoff/kubectl_describe.txt",
            phase: "Pending",
            container: "crw-main-container",
            waiting: Some("ErrImagePull"),
            last: None,
            restarts: Some(0),
            reasons: &["Scheduled", "Pulling", "Failed", "Failed", "BackOff", "Failed"],
        },
        Expect {
            file: "test_ask_holmes/54_not_truncated_when_getting_pods/kubectl_describepod_fast-fail-pod_ask-holmes-namespace-54b.txt",
            phase: "Pending",
            container: "fail-container",
            waiting: Some("ImagePullBackOff"),
            last: None,
            restarts: Some(0),
            reasons: &["Scheduled", "Pulling", "Failed", "Failed", "Failed", "BackOff"],
        },
        Expect {
            file: "test_ask_holmes/55_kafka_runbook/kubectl_describepod_orders-app-6c8868cb6d-qcv2t_ask-holmes-namespace-55.txt",
            phase: "Running",
            container: "orders-app",
            waiting: None,
            last: Some(("Unknown", 255)),
            restarts: Some(2),
            reasons: &["Pulling", "Pulled", "Created", "Started", "NodeNotReady"],
        },
        Expect {
            file: "test_ask_holmes/13a_pending_node_selector_basic/kubectl_describe.txt",
            phase: "Pending",
            container: "nginx",
            waiting: None,
            last: None,
            restarts: None,
            reasons: &["FailedScheduling"],
        },
        Expect {
            file: "test_ask_holmes/24a_misconfigured_pvc_basic/kubectl_describe_pod_redis-747ffc844f-f9ghd_app-24a.txt",
            phase: "Pending",
            container: "redis",
            waiting: None,
            last: None,
            restarts: None,
            reasons: &["FailedScheduling"],
        },
        Expect {
            file: "test_investigate/12_KubePodNotReady/kubectl_describe.txt",
            phase: "Pending",
            container: "profile-getter",
            waiting: None,
            last: None,
            restarts: None,
            reasons: &["FailedScheduling"],
        },
    ];
    for e in &cases {
        check_real(e);
    }
}

#[test]
fn real_holmesgpt_details() {
    if let Some(text) = real("test_investigate/02_crashloop_backoff/kubectl_describe.txt") {
        let out = parse(&text);
        let p = one::<Pod>(&out);
        let init = status(p, "downloader");
        let msg = init
            .last_state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .message
            .as_deref();
        assert!(msg.unwrap().contains("executable file not found in $PATH"));
        assert_eq!(
            waiting_reason(status(p, "exporter")),
            Some("PodInitializing")
        );
        let backoff = out
            .objects
            .iter()
            .rev()
            .find(|d| d.object.kind() == "Event")
            .unwrap();
        assert_eq!(
            ann(&backoff.object, "ktriage.io/last-seen-age"),
            Some("158")
        );
        assert_eq!(
            ann(&backoff.object, "ktriage.io/first-seen-age"),
            Some("457")
        );
        let d = described(&out, "Pod");
        assert_eq!(
            span(
                &text,
                d,
                "status.initContainerStatuses[0].lastState.terminated.exitCode"
            ),
            "128"
        );
    }
    if let Some(text) = real("test_investigate/12_KubePodNotReady/kubectl_describe.txt") {
        let out = parse(&text);
        let p = one::<Pod>(&out);
        assert_eq!(limit(p, "profile-getter", "nvidia.com/gpu"), Some("5"));
        let ev = one::<Event>(&out);
        assert_eq!(ev.count, Some(70));
    }
    if let Some(text) = real("test_ask_holmes/24a_misconfigured_pvc_basic/kubectl_describe_persistentvolumeclaim_redis-standard-pvc_app-24a.txt") {
        let out = parse(&text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let pvc = one::<PersistentVolumeClaim>(&out);
        assert_eq!(pvc.status.as_ref().unwrap().phase.as_deref(), Some("Pending"));
        assert_eq!(pvc.spec.as_ref().unwrap().storage_class_name.as_deref(), Some("standard-v2"));
        assert_eq!(reasons(&out), ["ProvisioningFailed"]);
    }
    if let Some(text) = real("test_investigate/03_cpu_throttling/kubectl_describe_node.txt") {
        let out = parse(&text);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let n = one::<Node>(&out);
        let st = n.status.as_ref().unwrap();
        let ready = st
            .conditions
            .as_ref()
            .unwrap()
            .iter()
            .find(|c| c.type_ == "Ready")
            .unwrap();
        assert_eq!(ready.status, "True");
        assert_eq!(st.node_info.as_ref().unwrap().kubelet_version, "v1.31.2");
        assert!(n.spec.as_ref().unwrap().taints.is_none());
        assert!(all::<Event>(&out).is_empty());
    }
}

const ALL: &[(&str, &str)] = &[
    ("pod_modern.txt", fixture!("pod_modern.txt")),
    ("pod_flush_left.md", fixture!("pod_flush_left.md")),
    ("pod_indented.txt", fixture!("pod_indented.txt")),
    ("pod_quoted.md", fixture!("pod_quoted.md")),
    ("pod_fenced.md", fixture!("pod_fenced.md")),
    ("pod_crlf.txt", fixture!("pod_crlf.txt")),
    (
        "pod_tabs_old_events.txt",
        fixture!("pod_tabs_old_events.txt"),
    ),
    ("pod_2015.txt", fixture!("pod_2015.txt")),
    ("pod_k9s.txt", fixture!("pod_k9s.txt")),
    ("pods_multi.txt", fixture!("pods_multi.txt")),
    ("node_notready.txt", fixture!("node_notready.txt")),
    ("service.txt", fixture!("service.txt")),
    ("deployment.txt", fixture!("deployment.txt")),
    ("replicaset.txt", fixture!("replicaset.txt")),
    ("pvc_pending.txt", fixture!("pvc_pending.txt")),
    ("pvc_bound.txt", fixture!("pvc_bound.txt")),
    ("endpoints.txt", fixture!("endpoints.txt")),
    ("pod_wrapped.txt", fixture!("pod_wrapped.txt")),
    ("pod_2019.txt", fixture!("pod_2019.txt")),
    ("pod_2017.txt", fixture!("pod_2017.txt")),
    ("service_lb.txt", fixture!("service_lb.txt")),
];

fn check_bounds(name: &str, text: &str, out: &DescribeOutput) {
    for d in &out.objects {
        assert!(d.start <= d.end && d.end <= text.len(), "{name}");
        assert!(
            text.is_char_boundary(d.start) && text.is_char_boundary(d.end),
            "{name}"
        );
        for s in &d.spans {
            assert!(s.start <= s.end && s.end <= text.len(), "{name}: {s:?}");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "{name}: {s:?}"
            );
        }
    }
}

#[test]
fn truncated_and_mangled_inputs_never_panic() {
    for (name, text) in ALL {
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let t = &text[..cut];
                check_bounds(name, t, &parse(t));
                let _ = looks_like_describe(t);
            }
            cut += 13;
        }
        let variants = [
            text.lines()
                .map(str::trim_start)
                .collect::<Vec<_>>()
                .join("\n"),
            text.lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            text.lines()
                .map(|l| format!("\t{l}\r"))
                .collect::<Vec<_>>()
                .join("\n"),
            text.lines()
                .map(|l| format!("│ {l} │"))
                .collect::<Vec<_>>()
                .join("\n"),
            text.replace(':', ""),
            text.replace("  ", " "),
        ];
        for v in &variants {
            check_bounds(name, v, &parse(v));
        }
    }
}

/// The first path where two JSON values differ, with both values there.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = first_difference(u, v, &p) {
                            return Some(d);
                        }
                    }
                    (u, v) => return Some(format!("{p}: {u:?} vs {v:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

fn json_of(o: &Object) -> serde_json::Value {
    let v = match o {
        Object::Pod(x) => serde_json::to_value(x),
        Object::Node(x) => serde_json::to_value(x),
        Object::Service(x) => serde_json::to_value(x),
        Object::Deployment(x) => serde_json::to_value(x),
        Object::ReplicaSet(x) => serde_json::to_value(x),
        Object::PersistentVolumeClaim(x) => serde_json::to_value(x),
        Object::Endpoints(x) => serde_json::to_value(x),
        Object::Event(x) => serde_json::to_value(x),
        other => panic!("unexpected {}", other.kind()),
    };
    v.unwrap()
}

/// Every object reads the same with its indentation lost, quoted, indented as a whole, with
/// CRLF line ends or inside a k9s box.
#[test]
fn manglings_read_the_same() {
    for (name, text) in ALL {
        if name.ends_with(".md") || name.contains("k9s") {
            continue;
        }
        let base = parse(text);
        let expected: Vec<_> = base.objects.iter().map(|d| json_of(&d.object)).collect();
        let mut variants = vec![
            (
                "quoted",
                text.lines()
                    .map(|l| format!("> {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            (
                "indented",
                text.lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            ("crlf", text.replace('\n', "\r\n")),
            (
                "k9s",
                text.lines()
                    .map(|l| format!("│ {l:<200} │"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ];
        // Old tab-separated output is not pasted flush-left in the fixtures' shape.
        // (nor is a multi-line message: without indentation `KeyError: x` reads as a field).
        if !name.contains("2015") && !name.contains("tabs") && !name.contains("wrapped") {
            variants.push((
                "flush-left",
                text.lines()
                    .map(str::trim_start)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
        for (what, v) in &variants {
            let out = parse(v);
            let lines = |o: &DescribeOutput| {
                o.problems
                    .iter()
                    .map(|p| (p.line, p.message.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(lines(&out), lines(&base), "{name} {what}");
            let got: Vec<_> = out.objects.iter().map(|d| json_of(&d.object)).collect();
            assert_eq!(got.len(), expected.len(), "{name} {what}");
            for (g, e) in got.iter().zip(&expected) {
                assert_eq!(first_difference(g, e, ""), None, "{name} {what}");
            }
            check_bounds(name, v, &out);
        }
    }
}

#[test]
fn wrapped_values_and_multi_line_messages() {
    let text = fixture!("pod_wrapped.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    let st = p.status.as_ref().unwrap();
    assert_eq!(st.reason.as_deref(), Some("Evicted"));
    assert_eq!(
        st.message.as_deref(),
        Some("The node was low on resource: ephemeral-storage. Threshold quantity: 2Gi, available: 1Gi. Container app was using 5Gi, request is 0, has larger consumption of ephemeral-storage.")
    );
    let c = status(p, "app");
    let t = c.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(t.exit_code, 1);
    assert_eq!(
        t.message.as_deref(),
        Some("Traceback (most recent call last):\nFile \"/app/main.py\", line 3, in <module>\nKeyError: 'DATABASE_URL'")
    );
    assert!(t.finished_at.is_some());
    let d = described(&out, "Pod");
    assert!(span(text, d, "status.message").starts_with("The node was low"));
    assert!(span(text, d, "status.message").ends_with("ephemeral-storage."));
    assert_eq!(
        p.spec.as_ref().unwrap().node_name.as_deref(),
        Some("node-9")
    );
}

#[test]
fn redactions_are_kept_or_unknown_never_problems() {
    let text = "Name:         xxxxx\nNamespace:    <redacted>\nNode:         ip-x-x-x-x.xxxxx.internal/x.x.x.x\nStart Time:   <redacted>\nStatus:       Running\nIP:           *.*.*.*\nContainers:\n  app:\n    Container ID:   <id here>\n    Image:          ************/app:1\n    Port:           xxxx/TCP\n    State:          Terminated\n      Reason:       Error\n      Exit Code:    ***\n      Started:      xxxxx\n    Ready:          xxxxx\n    Restart Count:  xxx\n";
    let out = parse(text);
    // The schema needs an exit code for a terminated state: the one invented value is reported.
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert_eq!(out.problems[0].line, Some(12));
    assert!(out.problems[0].message.contains("without `Exit Code`"));
    let p = one::<Pod>(&out);
    assert_eq!(p.metadata.name.as_deref(), Some("xxxxx"));
    assert_eq!(p.metadata.namespace.as_deref(), Some("<redacted>"));
    assert_eq!(
        p.spec.as_ref().unwrap().node_name.as_deref(),
        Some("ip-x-x-x-x.xxxxx.internal")
    );
    let st = p.status.as_ref().unwrap();
    assert_eq!(st.host_ip.as_deref(), Some("x.x.x.x"));
    assert_eq!(st.pod_ip.as_deref(), Some("*.*.*.*"));
    assert!(st.start_time.is_none());
    let c = status(p, "app");
    assert_eq!(c.container_id.as_deref(), Some("<id here>"));
    assert_eq!(c.image, "************/app:1");
    let t = c.state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(t.reason.as_deref(), Some("Error"));
}

#[test]
fn pod_from_2019_kubectl() {
    let text = fixture!("pod_2019.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    let c = status(p, "metrics");
    assert_eq!(waiting_reason(c), Some("CrashLoopBackOff"));
    assert_eq!(last_terminated(c), Some(("Error", 255)));
    assert_eq!(c.restart_count, 5);
    assert!(p.spec.as_ref().unwrap().priority_class_name.is_none());
    let tols = p.spec.as_ref().unwrap().tolerations.as_ref().unwrap();
    assert_eq!(tols[1].toleration_seconds, Some(300));
    let evs = all::<Event>(&out);
    assert_eq!(reasons(&out), ["Scheduled", "Pulled", "BackOff"]);
    let src = evs[2].source.as_ref().unwrap();
    assert_eq!(
        (src.component.as_deref(), src.host.as_deref()),
        (Some("kubelet"), Some("localhost.localdomain"))
    );
    assert_eq!(evs[2].count, Some(91));
    assert_eq!(
        evs[2].message.as_deref(),
        Some("Back-off restarting failed container")
    );
}

#[test]
fn pod_from_2017_kubectl_with_tabs() {
    let text = fixture!("pod_2017.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let p = one::<Pod>(&out);
    let c = status(p, "web");
    assert!(c.state.as_ref().unwrap().running.is_some());
    assert_eq!(last_terminated(c), Some(("OOMKilled", 137)));
    assert_eq!(limit(p, "web", "memory"), Some("128Mi"));
    assert_eq!(p.metadata.labels.as_ref().unwrap().len(), 2);
    let anns = p.metadata.annotations.as_ref().unwrap();
    assert!(anns
        .get("kubernetes.io/created-by")
        .is_some_and(|v| v.starts_with("{\"kind\":\"SerializedReference\"")));
    let d = described(&out, "Pod");
    assert_eq!(
        span(
            text,
            d,
            "status.containerStatuses[0].lastState.terminated.exitCode"
        ),
        "137"
    );
    let evs = all::<Event>(&out);
    assert_eq!(reasons(&out), ["Scheduled", "Pulled", "OOMKilling"]);
    assert_eq!(
        evs[0].source.as_ref().unwrap().component.as_deref(),
        Some("default-scheduler")
    );
    let src = evs[1].source.as_ref().unwrap();
    assert_eq!(src.host.as_deref(), Some("ip-172-20-0-9.ec2.internal"));
    assert_eq!(
        evs[1].involved_object.field_path.as_deref(),
        Some("spec.containers{web}")
    );
    assert_eq!(evs[1].count, Some(2));
    assert_eq!(evs[2].type_.as_deref(), Some("Warning"));
    let e = out
        .objects
        .iter()
        .filter(|d| d.object.kind() == "Event")
        .nth(1)
        .unwrap();
    assert_eq!(ann(&e.object, "ktriage.io/first-seen-age"), Some("300"));
    assert_eq!(ann(&e.object, "ktriage.io/last-seen-age"), Some("120"));
}

/// Random edits (a fixed pseudo-random sequence) never make the parser panic or point outside
/// the text.
#[test]
fn random_edits_never_panic() {
    const PIECES: &[&str] = &[
        ":",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "│",
        "(x",
        ")",
        "─",
        "é",
        "**",
        "> ",
        "Name:",
        "<none>",
        "Events:",
        "Normal ",
        "Warning ",
        "/",
        "=",
        "Containers:\n",
        "  ",
        "Last State:",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (name, text) in ALL {
        for _ in 0..60 {
            let mut t = text.to_string();
            for _ in 0..8 {
                let mut at = (next() % (t.len() as u64 + 1)) as usize;
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                if next() % 2 == 0 {
                    t.insert_str(at, piece);
                } else {
                    let mut end = (at + piece.len()).min(t.len());
                    while !t.is_char_boundary(end) {
                        end += 1;
                    }
                    t.replace_range(at..end, piece);
                }
            }
            let out = parse(&t);
            check_bounds(name, &t, &out);
            let _ = looks_like_describe(&t);
        }
    }
}

#[test]
fn node_with_collapsed_spacing() {
    let text = "Name: worker-3\nRoles: <none>\nTaints: node.kubernetes.io/unreachable:NoExecute\nnode.kubernetes.io/unreachable:NoSchedule\nUnschedulable: false\nConditions:\nType Status LastHeartbeatTime LastTransitionTime Reason Message\n---- ------ ----------------- ------------------ ------ -------\nReady Unknown Fri, 25 Oct 2019 17:19:21 +0700 Fri, 25 Oct 2019 17:20:05 +0700 NodeStatusUnknown Kubelet stopped posting node status.\nCapacity:\ncpu: 4\nEvents: <none>\n";
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let n = one::<Node>(&out);
    let c = &n.status.as_ref().unwrap().conditions.as_ref().unwrap()[0];
    assert_eq!((c.type_.as_str(), c.status.as_str()), ("Ready", "Unknown"));
    assert_eq!(c.reason.as_deref(), Some("NodeStatusUnknown"));
    assert_eq!(
        c.message.as_deref(),
        Some("Kubelet stopped posting node status.")
    );
    assert_eq!(
        c.last_heartbeat_time.as_ref().unwrap().0.to_string(),
        "2019-10-25T10:19:21Z"
    );
    assert_eq!(n.spec.as_ref().unwrap().taints.as_ref().unwrap().len(), 2);
    let d = described(&out, "Node");
    assert_eq!(
        span(text, d, "status.conditions[0].reason"),
        "NodeStatusUnknown"
    );
}

#[test]
fn load_balancer_service() {
    let text = fixture!("service_lb.txt");
    let out = parse(text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let s = one::<Service>(&out);
    let spec = s.spec.as_ref().unwrap();
    assert_eq!(spec.type_.as_deref(), Some("LoadBalancer"));
    assert_eq!(spec.external_traffic_policy.as_deref(), Some("Local"));
    let ports = spec.ports.as_ref().unwrap();
    assert_eq!(ports[1].port, 443);
    assert_eq!(
        ports[1].target_port,
        Some(IntOrString::String("https".into()))
    );
    assert_eq!(ports[1].node_port, Some(31443));
    let ing = &s
        .status
        .as_ref()
        .unwrap()
        .load_balancer
        .as_ref()
        .unwrap()
        .ingress
        .as_ref()
        .unwrap()[0];
    assert_eq!(ing.ip.as_deref(), Some("172.18.255.200"));
    assert_eq!(ing.ip_mode.as_deref(), Some("VIP"));
    assert_eq!(spec.selector.as_ref().unwrap().len(), 2);
    assert_eq!(reasons(&out), ["IPAllocated", "nodeAssigned"]);
}

#[test]
fn look_alike_workloads_are_not_guessed() {
    let sts = "Name:               web\nNamespace:          default\nSelector:           app=nginx\nLabels:             <none>\nReplicas:           3 desired | 3 total\nUpdate Strategy:    RollingUpdate\n  Partition:        0\nPods Status:        3 Running / 0 Waiting / 0 Succeeded / 0 Failed\nPod Template:\n  Labels:  app=nginx\n  Containers:\n   nginx:\n    Image:  nginx\nVolume Claims:  <none>\nEvents:  <none>\n";
    let job = "Name:             pi\nNamespace:        default\nSelector:         batch.kubernetes.io/controller-uid=1\nLabels:           job-name=pi\nParallelism:      1\nCompletions:      1\nStart Time:       Mon, 24 Feb 2025 00:59:02 +0200\nPods Statuses:    0 Active / 0 Succeeded / 1 Failed\nPod Template:\n  Labels:  job-name=pi\n  Containers:\n   pi:\n    Image:  perl\nEvents:  <none>\n";
    for text in [sts, job] {
        assert!(looks_like_describe(text));
        let out = parse(text);
        assert!(out.objects.is_empty(), "{:?}", out.objects);
        assert_eq!(out.problems.len(), 1);
        assert!(out.problems[0].message.contains("unknown kind"));
    }
}
