//! Every real snapshot under `../shared/realworld/` is read with the right layout, every one of
//! its files is in the ledger, no valid file is an error, and the inventory counts equal the
//! objects in the files (counted independently when these expectations were written: list
//! items by kind, unique by namespace and name, kind-less items by their file's kind).
//! The tests skip, with a note, when the shared folder is absent.

use ktriage::ingest::{rebase, Layout, Status};
use std::collections::{BTreeMap, BTreeSet};
mod common;

use common::realworld;
use std::path::Path;

/// Every file (and link) of a directory or tar archive, relative to `root` inside it.
fn all_files(input: &Path, root: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if input.is_dir() {
        for e in walkdir::WalkDir::new(input) {
            let e = e.unwrap();
            if e.file_type().is_dir() {
                continue;
            }
            let rel = e.path().strip_prefix(input).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.insert(rebase(root, &rel));
        }
    } else {
        let f = std::fs::File::open(input).unwrap();
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(f));
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            if e.header().entry_type().is_dir() {
                continue;
            }
            let p = e.path().unwrap().to_string_lossy().into_owned();
            out.insert(rebase(root, p.trim_start_matches("./")));
        }
    }
    out
}

struct Expect<'a> {
    layout: Layout,
    kinds: &'a [(&'a str, usize)],
    phases: &'a [(&'a str, usize)],
    logs: usize,
    captured_at: Option<&'a str>,
}

fn check(rel: &str, want: Expect<'_>) {
    let Some(path) = realworld(rel) else { return };
    let s = ktriage::load(std::slice::from_ref(&path), &Default::default()).expect("readable");
    assert_eq!(s.layout(), want.layout, "{rel}: layout");
    let root = s.ingested.inputs[0].root.clone();
    let listed: BTreeSet<String> = s.ingested.ledger.iter().map(|l| l.path.clone()).collect();
    assert_eq!(
        listed.len(),
        s.ingested.ledger.len(),
        "{rel}: a file is listed twice"
    );
    assert_eq!(
        listed,
        all_files(&path, &root),
        "{rel}: ledger must list every file"
    );
    for l in &s.ingested.ledger {
        assert!(
            !matches!(l.status, Status::Error | Status::Partial),
            "{rel}: valid file {} reported as {:?}: {:?}",
            l.path,
            l.status,
            l.detail
        );
        if l.status == Status::Skipped {
            assert!(
                l.detail.as_deref().is_some_and(|d| !d.is_empty()),
                "{rel}: {} skipped without a reason",
                l.path
            );
        }
    }
    let inv = s.cluster.inventory();
    let kinds: BTreeMap<String, usize> = want
        .kinds
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(inv.objects_by_kind, kinds, "{rel}: objects by kind");
    let phases: BTreeMap<String, usize> = want
        .phases
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(inv.pods_by_phase, phases, "{rel}: pods by phase");
    assert_eq!(inv.logs, want.logs, "{rel}: logs");
    let at = s.cluster.captured_at.map(ktriage::report::format_time);
    assert_eq!(at.as_deref(), want.captured_at, "{rel}: captured_at");
    // The ledger's object counts add up to at least the distinct objects (copies are merged).
    let from_ledger: usize = s.ingested.ledger.iter().filter_map(|l| l.objects).sum();
    let distinct: usize = inv.objects_by_kind.values().sum();
    assert!(
        from_ledger >= distinct,
        "{rel}: ledger counts {from_ledger} < {distinct}"
    );
}

#[test]
fn troubleshoot_v050_bundle_with_symlinks() {
    check(
        "troubleshoot/testdata/supportbundle/support-bundle.tar.gz",
        Expect {
            layout: Layout::Troubleshoot,
            kinds: &[
                ("Addon", 12),
                ("ClusterRole", 69),
                ("ClusterRoleBinding", 54),
                ("CustomResourceDefinition", 12),
                ("Deployment", 5),
                ("Event", 5),
                ("HelmChart", 2),
                ("IngressRoute", 1),
                ("Job", 2),
                ("Namespace", 4),
                ("Node", 1),
                ("PersistentVolume", 4),
                ("PersistentVolumeClaim", 4),
                ("Pod", 8),
                ("ReplicaSet", 6),
                ("Role", 7),
                ("RoleBinding", 9),
                ("Service", 4),
                ("StorageClass", 1),
            ],
            phases: &[("Running", 6), ("Succeeded", 2)],
            logs: 19,
            captured_at: Some("2022-12-21T16:43:09Z"),
        },
    );
}

#[test]
fn troubleshoot_v050_symlinks_counted_once() {
    let Some(path) = realworld("troubleshoot/testdata/supportbundle/support-bundle.tar.gz") else {
        return;
    };
    let s = ktriage::load(&[path], &Default::default()).unwrap();
    let links: Vec<_> = s
        .ingested
        .ledger
        .iter()
        .filter(|l| l.path.starts_with("all-logs/"))
        .collect();
    assert_eq!(links.len(), 18);
    for l in links {
        assert_eq!(l.status, Status::Skipped);
        let d = l.detail.as_deref().unwrap();
        assert!(d.starts_with("link to cluster-resources/pods/logs/"), "{d}");
    }
    // One digest per real log file, attributed to its pod and container.
    let coredns = s
        .cluster
        .logs_of_pod("kube-system", "coredns-b96499967-tncf4");
    assert_eq!(coredns.len(), 2);
    assert!(coredns
        .iter()
        .all(|l| l.container.as_deref() == Some("coredns")));
}

#[test]
fn troubleshoot_v0123_baseline() {
    check(
        "troubleshoot/test/baselines/supportbundle/baseline.tar.gz",
        Expect {
            layout: Layout::Troubleshoot,
            kinds: &[
                ("Addon", 13),
                ("ClusterRole", 72),
                ("ClusterRoleBinding", 57),
                ("ConfigMap", 11),
                ("CustomResourceDefinition", 23),
                ("DaemonSet", 1),
                ("Deployment", 4),
                ("EndpointSlice", 4),
                // 97 events in events/, and 10 in the run collectors' kind-less *-events.json.
                ("Endpoints", 4),
                ("Event", 107),
                ("HelmChart", 2),
                ("IngressRoute", 1),
                ("Job", 2),
                ("Lease", 2),
                ("Namespace", 4),
                ("Node", 1),
                ("Pod", 9),
                ("PriorityClass", 2),
                ("ReplicaSet", 4),
                ("Role", 7),
                ("RoleBinding", 9),
                ("Service", 4),
                ("ServiceAccount", 43),
                ("StorageClass", 1),
            ],
            phases: &[("Running", 6), ("Succeeded", 3)],
            logs: 3,
            captured_at: Some("2025-12-10T17:26:43Z"),
        },
    );
}

#[test]
fn troubleshoot_bundle_without_version_yaml() {
    check(
        "troubleshoot/testdata/supportbundle/missing-version.tar.gz",
        Expect {
            layout: Layout::Troubleshoot,
            kinds: &[],
            phases: &[],
            logs: 0,
            captured_at: Some("2022-12-21T18:01:10Z"),
        },
    );
}

#[test]
fn troubleshoot_extracted_subsets() {
    check(
        "troubleshoot/testdata/supportbundle/support-bundle.tar.gz.extracted",
        Expect {
            layout: Layout::Troubleshoot,
            kinds: &[
                ("Deployment", 1),
                ("Event", 5),
                ("Namespace", 4),
                ("Node", 1),
                ("PersistentVolume", 4),
                ("PersistentVolumeClaim", 4),
                ("Pod", 8),
                ("Service", 1),
            ],
            phases: &[("Running", 6), ("Succeeded", 2)],
            logs: 6,
            captured_at: Some("2022-12-21T16:43:09Z"),
        },
    );
}

#[test]
fn troubleshoot_v0123_extracted_subset() {
    check(
        "troubleshoot/test/baselines/supportbundle/baseline.tar.gz.extracted",
        Expect {
            layout: Layout::Troubleshoot,
            // The run-pod collector's kind-less Pod and its 5 kind-less events are included.
            kinds: &[
                ("Addon", 13),
                ("EndpointSlice", 3),
                ("Endpoints", 3),
                ("Event", 17),
                ("Node", 1),
                ("Pod", 8),
                ("Service", 3),
                ("StorageClass", 1),
            ],
            phases: &[("Running", 6), ("Succeeded", 2)],
            logs: 1,
            captured_at: Some("2025-12-10T17:26:43Z"),
        },
    );
}

#[test]
fn troubleshoot_analyzer_fixtures() {
    check(
        "troubleshoot/pkg/analyze/files",
        Expect {
            layout: Layout::Troubleshoot,
            kinds: &[
                ("Deployment", 4),
                ("Event", 110),
                ("Job", 2),
                ("Node", 7),
                ("PersistentVolumeClaim", 2),
                ("Pod", 7),
                ("StatefulSet", 1),
            ],
            phases: &[("Failed", 1), ("Pending", 5), ("Running", 1)],
            logs: 0,
            captured_at: Some("2024-12-19T02:59:48Z"),
        },
    );
}

#[test]
fn must_gather_ocp48() {
    check(
        "must-gather-clean/pkg/cli/testfiles/release-4.8",
        Expect {
            layout: Layout::MustGather,
            kinds: &[
                ("ConfigMap", 7),
                ("Endpoints", 1),
                ("Event", 11),
                ("Namespace", 2),
                ("Pod", 4),
                ("Service", 1),
            ],
            phases: &[("Running", 2), ("Succeeded", 2)],
            logs: 15,
            captured_at: Some("2021-08-03T09:31:13Z"),
        },
    );
}

#[test]
fn must_gather_per_object_files() {
    check(
        "must-gather-explorer/must_gather_explorer/tests/manifests/must-gather-data/data",
        Expect {
            layout: Layout::MustGather,
            kinds: &[
                ("DaemonSet", 1),
                ("Deployment", 1),
                ("EndpointSlice", 1),
                ("Endpoints", 1),
                ("Namespace", 1),
                ("Node", 2),
                ("Pod", 7),
                ("Service", 1),
            ],
            phases: &[("Running", 7)],
            logs: 0,
            captured_at: Some("2024-12-04T02:21:19Z"),
        },
    );
}

#[test]
fn must_gather_log_formats() {
    check(
        "omc/testdata",
        Expect {
            layout: Layout::MustGather,
            kinds: &[],
            phases: &[],
            logs: 2,
            captured_at: None,
        },
    );
}

#[test]
fn support_bundle_kit_with_null_strings() {
    check(
        "support-bundle-kit/tests/integration/sampleSupportBundle",
        Expect {
            layout: Layout::SupportBundleKit,
            kinds: &[
                ("Endpoints", 8),
                ("Event", 9),
                ("Node", 1),
                ("PersistentVolume", 2),
                ("Pod", 16),
                ("Service", 5),
                ("StorageClass", 2),
            ],
            phases: &[("Running", 15), ("Succeeded", 1)],
            logs: 3,
            captured_at: Some("2022-03-22T23:49:32Z"),
        },
    );
}

#[test]
fn support_bundle_kit_objects_are_typed() {
    let Some(path) = realworld("support-bundle-kit/tests/integration/sampleSupportBundle") else {
        return;
    };
    let s = ktriage::load(&[path], &Default::default()).unwrap();
    use k8s_openapi::api::core::v1::{Event, Node, Pod};
    assert_eq!(
        s.cluster.all::<Pod>().count(),
        16,
        "every pod typed despite \"null\" strings"
    );
    assert_eq!(
        s.cluster.all::<Node>().count(),
        1,
        "float sizeBytes read as integers"
    );
    // eventTime: "null" read as absent, not as a bad time.
    assert!(
        s.cluster.all::<Event>().count()
            + s.cluster
                .all::<k8s_openapi::api::events::v1::Event>()
                .count()
            == 9
    );
    assert_eq!(
        s.cluster.kubernetes_version.as_deref(),
        Some("v1.21.7+rke2r1")
    );
}

#[test]
fn must_gather_logs_by_container_and_instance() {
    use ktriage::ingest::logs::Instance;
    let Some(path) = realworld("must-gather-clean/pkg/cli/testfiles/release-4.8") else {
        return;
    };
    let s = ktriage::load(&[path], &Default::default()).unwrap();
    let ns = "openshift-etcd";
    let pod = "etcd-ip-10-0-187-218.ec2.internal";
    // Two containers, each with its own logs folder.
    let etcd = s
        .cluster
        .log_of(ns, pod, "etcd", Instance::Current)
        .expect("etcd current.log");
    let setup = s
        .cluster
        .log_of(ns, pod, "setup", Instance::Current)
        .expect("setup current.log");
    assert!(etcd.digest.lines > 0 && setup.digest.lines > 0);
    assert_ne!(etcd.file, setup.file);
    // previous.log and previous.insecure.log both exist (empty): one previous instance is found.
    let guard = "etcd-quorum-guard-85b4c88c96-nmk5g";
    assert!(s
        .cluster
        .log_of(ns, guard, "guard", Instance::Previous)
        .is_some());
    assert!(s.cluster.logs().iter().all(|l| l.attributed));
}

#[test]
fn support_bundle_kit_logs_attributed() {
    use ktriage::ingest::logs::Instance;
    let Some(path) = realworld("support-bundle-kit/tests/integration/sampleSupportBundle") else {
        return;
    };
    let s = ktriage::load(&[path], &Default::default()).unwrap();
    let l = s
        .cluster
        .log_of(
            "harvester-system",
            "kube-vip-cloud-provider-0",
            "kube-vip-cloud-provider",
            Instance::Current,
        )
        .expect("logs/<ns>/<pod>/<container>.log");
    // support-bundle-kit prefixes every line with its time; the digest keeps the line as written.
    assert!(l
        .digest
        .tail
        .first()
        .is_some_and(|t| t.text.starts_with("20")));
}

#[test]
fn holmesgpt_logs_behind_harness_headers() {
    use ktriage::ingest::logs::Instance;
    let Some(dir) = realworld("holmesgpt/tests/llm/fixtures") else {
        return;
    };
    let s = ktriage::load(&[dir], &Default::default()).unwrap();
    let entry = |p: &str| s.ingested.ledger.iter().find(|l| l.path == p).unwrap();
    let logs = entry("test_ask_holmes/09_crashpod/kubectl_logs.txt");
    assert_eq!(logs.status, Status::Parsed);
    assert_eq!(logs.format, Some("log"));
    assert!(logs
        .detail
        .as_deref()
        .unwrap()
        .contains("harness header skipped"));
    // The harness names the pod; the log starts on line 4, after the header and `stdout:`.
    let l = s
        .cluster
        .logs()
        .iter()
        .find(|l| l.pod.as_deref() == Some("payment-processing-worker-747ccfb9db-78qds"))
        .expect("log tied to the pod the harness names");
    assert_eq!(l.namespace.as_deref(), Some("default"));
    assert_eq!(
        l.digest.tail[0].text,
        "Environment variable DEPLOY_ENV is undefined"
    );
    assert_eq!(l.digest.tail[0].line, 4);
    // A failed `kubectl logs --previous` keeps the collector's error.
    let prev = s
        .cluster
        .logs()
        .iter()
        .find(|l| l.pod.as_deref() == Some("logging-agent") && l.instance == Instance::Previous)
        .unwrap();
    assert!(prev
        .digest
        .collection_error
        .as_deref()
        .unwrap()
        .contains("previous terminated container"));
    // DNS failures in an application log are notable lines.
    let dns = s
        .cluster
        .logs()
        .iter()
        .find(|l| l.pod.as_deref() == Some("client"))
        .unwrap();
    assert!(dns
        .digest
        .notable
        .iter()
        .any(|n| n.text.contains("NameResolutionError")));
}
