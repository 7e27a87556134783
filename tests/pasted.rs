//! What people paste instead of YAML: `kubectl describe` text, `kubectl get` tables and logs,
//! alone or wrapped by a tool harness, read into the same model as a bundle.

use k8s_openapi::api::core::v1::{Node, Pod};
use ktriage::ingest::Status;
mod common;

use std::path::{Path, PathBuf};

fn holmes(rel: &str) -> Option<PathBuf> {
    common::realworld(&format!("holmesgpt/tests/llm/fixtures/{rel}"))
}

fn load(p: PathBuf) -> ktriage::Snapshot {
    ktriage::load(&[p], &Default::default()).unwrap()
}

fn pod<'a>(s: &'a ktriage::Snapshot, ns: &str, name: &str) -> &'a Pod {
    s.cluster
        .get_typed::<Pod>(Some(ns), name)
        .unwrap_or_else(|| panic!("pod {ns}/{name}"))
}

fn waiting_reason(p: &Pod) -> Option<&str> {
    p.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.as_deref())
}

#[test]
fn get_pods_table_behind_a_harness() {
    let Some(p) = holmes("test_investigate/10_KubeDeploymentReplicasMismatch/kubectl_get_by_kind_in_namespace_pod_default.txt") else { return };
    let s = load(p);
    let l = &s.ingested.ledger[0];
    assert_eq!(
        (l.status, l.format, l.objects),
        (Status::Parsed, Some("table"), Some(37))
    );
    // The harness says `-n default`; the table does not.
    let p = pod(&s, "default", "db-certs-authenticator-757f89d977-795x7");
    assert_eq!(waiting_reason(p), Some("CrashLoopBackOff"));
    let restarts: i32 = p
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .iter()
        .flatten()
        .map(|c| c.restart_count)
        .sum();
    assert_eq!(restarts, 255);
    let web = pod(&s, "default", "customer-relations-webapp-7c67c65579-hr4wn");
    assert_eq!(waiting_reason(web), Some("ImagePullBackOff"));
    assert_eq!(
        web.spec.as_ref().unwrap().node_name.as_deref(),
        Some("kind-double-node-worker")
    );
    let done = pod(&s, "default", "dnsutils-resolvconf");
    assert_eq!(
        done.status.as_ref().unwrap().phase.as_deref(),
        Some("Succeeded")
    );
}

#[test]
fn get_nodes_and_events_tables() {
    let Some(dir) = holmes("test_ask_holmes/13a_pending_node_selector_basic") else {
        return;
    };
    let s = load(dir);
    assert_eq!(s.cluster.all::<Node>().count(), 2);
    let Some(ev) = holmes("test_investigate/03_cpu_throttling/kubectl_events.txt") else {
        return;
    };
    let s = load(ev);
    let target = ktriage::model::ObjectRef::new("Pod", Some("default"), "frontend-service");
    let events = s.cluster.events_for(&target);
    assert_eq!(events.len(), 5, "one event per row, none merged");
    assert!(events.iter().any(|e| e.reason.as_deref() == Some("Pulled")));
}

#[test]
fn table_objects_lose_to_yaml_of_the_same_object() {
    let Some(dir) = holmes("") else { return };
    let s = load(dir);
    let e = s
        .cluster
        .get("Pod", Some("default"), "frontend-service")
        .unwrap();
    assert_eq!(e.origin.format, ktriage::ingest::SourceFormat::Yaml);
    assert!(
        !e.also.is_empty(),
        "the table row is kept as another origin"
    );
}

#[test]
fn a_folder_with_one_describe_and_one_log() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures/pasted");
    let out = assert_cmd::Command::cargo_bin("ktriage")
        .unwrap()
        .arg("analyze")
        .arg(&dir)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Pods: 1 (1 Running)"), "{text}");
    assert!(text.contains("  shop 1"), "{text}");
    assert!(text.contains("Container restarts: 7"), "{text}");
    assert!(
        text.contains("Logs: 1\n"),
        "the log is tied to the pod: {text}"
    );

    let s = load(dir);
    let p = pod(&s, "shop", "api-6d9f7c8b5-x2x9z");
    let c = &p
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0];
    assert_eq!(c.restart_count, 7);
    let last = c.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!((last.reason.as_deref(), last.exit_code), (Some("Error"), 1));
    assert_eq!(waiting_reason(p), Some("CrashLoopBackOff"));
    // Event ages are anchored to the newest time the describe text shows (the last finish).
    let r = ktriage::model::ObjectRef::new("Pod", Some("shop"), "api-6d9f7c8b5-x2x9z");
    let backoff = s
        .cluster
        .events_for(&r)
        .into_iter()
        .find(|e| e.reason.as_deref() == Some("BackOff"))
        .unwrap();
    assert_eq!(backoff.count, 112);
    assert!(backoff.last.is_some());
    // The describe object keeps its origin in the file, as describe text.
    let e = s
        .cluster
        .get("Pod", Some("shop"), "api-6d9f7c8b5-x2x9z")
        .unwrap();
    assert_eq!(e.origin.format, ktriage::ingest::SourceFormat::Describe);
    let log = s
        .cluster
        .log_of(
            "shop",
            "api-6d9f7c8b5-x2x9z",
            "api",
            ktriage::ingest::logs::Instance::Previous,
        )
        .expect("the previous log");
    assert!(log.digest.signals.iter().any(|x| matches!(
        &x.kind,
        ktriage::ingest::logs::signals::SignalKind::PythonException { exception, .. }
            if exception == "sqlalchemy.exc.ArgumentError"
    )));
}

#[test]
fn describe_fields_keep_their_place_in_the_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures/pasted");
    let text = std::fs::read_to_string(dir.join("describe-api.txt")).unwrap();
    let s = load(dir);
    let e = s
        .cluster
        .get("Pod", Some("shop"), "api-6d9f7c8b5-x2x9z")
        .unwrap();
    let at = |suffix: &str| {
        let f = e
            .spans
            .iter()
            .find(|f| f.path.ends_with(suffix))
            .unwrap_or_else(|| {
                panic!(
                    "no span for {suffix}: {:?}",
                    e.spans.iter().map(|f| &f.path).collect::<Vec<_>>()
                )
            });
        &text[f.start..f.end]
    };
    assert_eq!(at("restartCount"), "7");
    assert_eq!(at("lastState.terminated.exitCode"), "1");
    assert_eq!(at("lastState.terminated.reason"), "Error");
}
