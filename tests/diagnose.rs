//! Diagnosis of real snapshots and of the demo: the codes each real case shows, no errors on
//! healthy clusters, and exactly the demo's planted faults as incidents with their root causes.

mod common;

use common::realworld;
use ktriage::diagnose::Diagnosis;
use ktriage::rules::Severity;
use ktriage::Snapshot;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn run(paths: &[PathBuf]) -> (Snapshot, Diagnosis) {
    let s = ktriage::load(paths, &Default::default()).expect("readable");
    let d = s.diagnose(&Default::default());
    (s, d)
}

fn describe(d: &Diagnosis) -> String {
    d.findings
        .iter()
        .map(|f| format!("{} {} {} {}", f.severity, f.code, f.object, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts a finding whose code starts with `code` about a pod, at warning or above.
fn assert_code(d: &Diagnosis, what: &str, code: &str) {
    assert!(
        d.findings
            .iter()
            .any(|f| f.code.starts_with(code) && f.severity > Severity::Info),
        "{what}: expected {code}; got:\n{}",
        describe(d)
    );
}

#[test]
fn troubleshoot_analyzer_fixtures_give_the_expected_codes() {
    let Some(dir) = realworld("troubleshoot/pkg/analyze/files") else {
        return;
    };
    let nodes = dir.join("nodes.json");
    let cases: &[(&str, bool, &str)] = &[
        ("message-oomkill-pod.json", false, "KT-OOM-001"),
        ("message-pod-crashloop-backoff.json", false, "KT-CRASH"),
        ("message-pod-init-crashloop-backoff.json", false, "KT-CRASH"),
        ("message-image-pull-fail.json", false, "KT-IMAGE"),
        ("message-pending-node-affinity.json", true, "KT-SCHED-004"),
        ("message-pending-pod-resources.json", true, "KT-SCHED-001"),
        (
            "message-container-creating-failed-mount.json",
            false,
            "KT-CREATE-002",
        ),
    ];
    for (file, with_nodes, code) in cases {
        let mut paths = vec![dir.join("pods").join(file)];
        let events = dir.join("events").join(file);
        if events.exists() {
            paths.push(events);
        }
        if *with_nodes {
            paths.push(nodes.clone());
        }
        let (_, d) = run(&paths);
        assert_code(&d, file, code);
    }
}

#[test]
fn holmesgpt_cases_give_the_causes_their_files_show() {
    let Some(dir) = realworld("holmesgpt/tests/llm/fixtures") else {
        return;
    };
    let cases: &[(&str, &str)] = &[
        ("test_ask_holmes/02_what_is_wrong_with_pod", "KT-OOM-001"),
        ("test_ask_holmes/09_crashpod", "KT-CRASH-002"),
        (
            "test_ask_holmes/13a_pending_node_selector_basic",
            "KT-SCHED-004",
        ),
        (
            "test_ask_holmes/24a_misconfigured_pvc_basic",
            "KT-SCHED-006",
        ),
        (
            "test_ask_holmes/54_not_truncated_when_getting_pods",
            "KT-IMAGE",
        ),
        ("test_investigate/01_oom_kill", "KT-OOM-001"),
        ("test_investigate/02_crashloop_backoff", "KT-CRASH-004"),
        ("test_investigate/04_image_pull_backoff", "KT-IMAGE"),
        ("test_investigate/12_KubePodNotReady", "KT-SCHED-001"),
    ];
    for (case, code) in cases {
        let (_, d) = run(&[dir.join(case)]);
        assert_code(&d, case, code);
    }
}

#[test]
fn healthy_real_clusters_give_no_error() {
    for rel in [
        "must-gather-clean/pkg/cli/testfiles/release-4.8",
        "must-gather-explorer/must_gather_explorer/tests/manifests/must-gather-data/data",
        "omc/testdata",
    ] {
        let Some(p) = realworld(rel) else { continue };
        let (_, d) = run(&[p]);
        let errors: Vec<_> = d
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {} {}", f.code, f.object, f.message))
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:#?}");
    }
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/fastapi-k8s-bundle.tar.gz")
}

#[test]
fn demo_gives_exactly_its_planted_faults_as_incidents() {
    let (_, d) = run(&[demo()]);
    let by_id = |id: &str| d.findings.iter().find(|f| f.id == id).expect("known id");
    let roots: Vec<(Severity, String, String)> = d
        .incidents
        .iter()
        .filter(|i| i.severity > Severity::Info)
        .map(|i| {
            let f = by_id(&i.findings[0]);
            (i.severity, f.code.to_string(), f.object.to_string())
        })
        .collect();
    let got: BTreeSet<_> = roots.iter().cloned().collect();
    let want: BTreeSet<(Severity, String, String)> = [
        (
            Severity::Error,
            "KT-CRASH-002",
            "Pod/default/fastapi-k8s-7f8b9c6d4-xj2kl",
        ),
        (
            Severity::Error,
            "KT-OOM-001",
            "Pod/default/fastapi-k8s-6d9f7c8b5-r8t5n",
        ),
        (
            Severity::Error,
            "KT-SCHED-001",
            "Pod/default/stress-worker-5c7d8f9b6-kq2zt",
        ),
        (
            Severity::Error,
            "KT-SVC-002",
            "Service/default/fastapi-k8s-metrics",
        ),
        (
            Severity::Warning,
            "KT-OOM-001",
            "Pod/default/fastapi-k8s-6d9f7c8b5-p9w2d",
        ),
    ]
    .into_iter()
    .map(|(s, c, o)| (s, c.to_string(), o.to_string()))
    .collect();
    assert_eq!(
        got,
        want,
        "incidents:\n{:#?}\nfindings:\n{}",
        d.incidents,
        describe(&d)
    );
    // The recovered OOM ranks last.
    assert_eq!(
        roots.last().map(|r| r.2.as_str()),
        Some("Pod/default/fastapi-k8s-6d9f7c8b5-p9w2d")
    );
    // Symptoms hang under their causes.
    let symptoms_of = |code: &str, object: &str| -> BTreeSet<String> {
        let inc = d
            .incidents
            .iter()
            .find(|i| {
                let f = by_id(&i.findings[0]);
                f.code == code && f.object.to_string() == object
            })
            .expect("incident");
        inc.symptoms
            .iter()
            .map(|id| {
                let f = by_id(id);
                format!("{} {}", f.code, f.object)
            })
            .collect()
    };
    let crash = symptoms_of("KT-CRASH-002", "Pod/default/fastapi-k8s-7f8b9c6d4-xj2kl");
    assert!(
        crash.contains("KT-WORKLOAD-001 Deployment/default/fastapi-k8s"),
        "{crash:?}"
    );
    assert!(
        crash.contains("KT-SVC-004 Service/default/fastapi-k8s"),
        "{crash:?}"
    );
    let oom = symptoms_of("KT-OOM-001", "Pod/default/fastapi-k8s-6d9f7c8b5-r8t5n");
    assert!(
        oom.contains("KT-WORKLOAD-001 Deployment/default/fastapi-k8s"),
        "{oom:?}"
    );
    let sched = symptoms_of("KT-SCHED-001", "Pod/default/stress-worker-5c7d8f9b6-kq2zt");
    assert!(
        sched.contains("KT-WORKLOAD-001 Deployment/default/stress-worker"),
        "{sched:?}"
    );
    let svc = symptoms_of("KT-SVC-002", "Service/default/fastapi-k8s-metrics");
    assert!(
        svc.contains("KT-SVC-001 Service/default/fastapi-k8s-metrics"),
        "{svc:?}"
    );
    // The traps: nothing above info in kube-system, and no pull-policy finding.
    for f in &d.findings {
        assert!(
            !(f.object.namespace.as_deref() == Some("kube-system") && f.severity > Severity::Info),
            "kube-system history reported as a fault: {} {}",
            f.code,
            f.message
        );
        assert_ne!(
            f.code, "KT-IMAGE-002",
            "locally built image with policy Never"
        );
    }
}

#[test]
fn demo_root_cause_names_the_configmap_and_the_log_line() {
    let (s, d) = run(&[demo()]);
    let f = d
        .findings
        .iter()
        .find(|f| f.code == "KT-CRASH-002")
        .expect("the missing variable is found");
    assert!(f.message.contains("MAX_STRESS_SECONDS"), "{}", f.message);
    assert!(f.help.contains("fastapi-k8s-config"), "{}", f.help);
    let located = ktriage::report::locate_findings(&s, std::slice::from_ref(f));
    assert!(
        located[0].iter().any(|e| e
            .path
            .ends_with("pods/logs/default/fastapi-k8s-7f8b9c6d4-xj2kl/fastapi-k8s-previous.log")
            && e.line == 57
            && e.text.contains("KeyError: 'MAX_STRESS_SECONDS'")),
        "{:#?}",
        located[0]
    );
}

#[test]
fn namespace_and_severity_filters() {
    let s = ktriage::load(&[demo()], &Default::default()).unwrap();
    let all = s.diagnose(&Default::default());
    let ns = s.diagnose(&ktriage::diagnose::Options {
        namespace: Some("kube-system".into()),
        ..Default::default()
    });
    assert!(ns
        .findings
        .iter()
        .all(|f| f.object.namespace.as_deref() == Some("kube-system")));
    let errors = s.diagnose(&ktriage::diagnose::Options {
        min_severity: Some(Severity::Error),
        ..Default::default()
    });
    assert!(errors
        .findings
        .iter()
        .all(|f| f.severity == Severity::Error));
    assert_eq!(
        errors.findings.len(),
        all.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    );
    let only_oom = s.diagnose(&ktriage::diagnose::Options {
        select: vec!["KT-OOM".into()],
        ..Default::default()
    });
    assert!(!only_oom.findings.is_empty());
    assert!(only_oom
        .findings
        .iter()
        .all(|f| f.code.starts_with("KT-OOM")));
    let no_oom = s.diagnose(&ktriage::diagnose::Options {
        ignore: vec!["oom-killed".into()],
        ..Default::default()
    });
    assert!(no_oom.findings.iter().all(|f| f.code != "KT-OOM-001"));
}

/// Three pods of one Deployment failing the same way make one incident, whose symptoms are the
/// Service without endpoints and the unavailable Deployment.
#[test]
fn pods_of_one_workload_failing_alike_are_one_incident() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fixtures/incident");
    let (_, d) = run(std::slice::from_ref(&dir));
    assert_eq!(d.incidents.len(), 1, "{:#?}", d.incidents);
    let inc = &d.incidents[0];
    assert_eq!(
        inc.title,
        "KT-CRASH-002 missing-env-var: 3 of 3 pods of Deployment shop/api"
    );
    assert_eq!(inc.findings.len(), 3);
    let symptoms: BTreeSet<String> = inc
        .symptoms
        .iter()
        .map(|id| {
            let f = d.findings.iter().find(|f| &f.id == id).unwrap();
            format!("{} {}", f.code, f.object)
        })
        .collect();
    assert_eq!(
        symptoms,
        BTreeSet::from([
            "KT-SVC-001 Service/shop/api".to_string(),
            "KT-WORKLOAD-001 Deployment/shop/api".to_string()
        ])
    );
    assert_eq!(
        (inc.impact.pods, inc.impact.workloads, inc.impact.services),
        (3, 1, 1)
    );

    // Without the Deployment and ReplicaSet objects, the pods' owner reference still groups
    // them under their Deployment.
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.ends_with("workloads.yaml"))
        .collect();
    paths.sort();
    let (_, d) = run(&paths);
    assert_eq!(d.incidents.len(), 1, "{:#?}", d.incidents);
    assert_eq!(
        d.incidents[0].title,
        "KT-CRASH-002 missing-env-var: 3 of 3 pods of Deployment shop/api"
    );
}
