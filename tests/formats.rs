//! Format and layout variants on small fixtures (`testdata/fixtures/`) for what the real corpus
//! lacks: `kubectl cluster-info dump` as a folder and as JSON and YAML streams, bare arrays,
//! kind-less items, `"items": null`, multi-document YAML, a corrupt item among good ones,
//! archives of every kind, standard input, and files that are not Kubernetes data.

use k8s_openapi::api::core::v1::Pod;
use ktriage::ingest::logs::Instance;
use ktriage::ingest::{Layout, Status};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fixtures")
        .join(rel)
}

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/support-bundle-2026-11-20T14_03_12")
}

fn load(p: &Path) -> ktriage::Snapshot {
    ktriage::load(&[p.to_path_buf()], &Default::default()).expect("readable")
}

fn kinds(s: &ktriage::Snapshot) -> BTreeMap<String, usize> {
    s.cluster.inventory().objects_by_kind
}

fn entry<'a>(s: &'a ktriage::Snapshot, path: &str) -> &'a ktriage::ingest::LedgerEntry {
    s.ingested
        .ledger
        .iter()
        .find(|l| l.path == path)
        .unwrap_or_else(|| panic!("{path} not in the ledger"))
}

fn map(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn cluster_info_dump_directory() {
    let s = load(&fixture("cluster-info-dump-dir"));
    assert_eq!(s.layout(), Layout::ClusterInfoDump);
    // kubectl writes list items without kind/apiVersion: they get the list's kind.
    assert_eq!(
        kinds(&s),
        map(&[("Event", 1), ("Node", 2), ("Pod", 3), ("Service", 1)])
    );
    let logs = s.cluster.logs_of_pod("default", "web-5d4f8c7b9-fghij");
    assert_eq!(logs.len(), 1);
    let l = logs[0];
    assert_eq!(l.container.as_deref(), Some("app"));
    assert_eq!(l.instance, Instance::Current);
    // Line numbers are those of logs.txt, markers included.
    let panic_line = l
        .digest
        .notable
        .iter()
        .find(|n| n.text.starts_with("panic:"))
        .unwrap();
    assert_eq!(panic_line.line, 3);
    assert!(s.ingested.ledger.iter().all(|l| l.status == Status::Parsed));
}

#[test]
fn cluster_info_dump_json_stream() {
    let s = load(&fixture("cluster-info-dump.json"));
    assert_eq!(s.layout(), Layout::ClusterInfoDump);
    assert_eq!(kinds(&s), map(&[("Node", 1), ("Pod", 2)]));
    let e = entry(&s, "cluster-info-dump.json");
    assert_eq!((e.status, e.objects), (Status::Parsed, Some(3)));
    let log = s
        .cluster
        .log_of("default", "web-5d4f8c7b9-abcde", "app", Instance::Current)
        .expect("log block attributed by its marker");
    let err = log
        .digest
        .notable
        .iter()
        .find(|n| n.text.contains("connection refused"))
        .unwrap();
    let file = std::fs::read_to_string(fixture("cluster-info-dump.json")).unwrap();
    assert!(file
        .lines()
        .nth(err.line as usize - 1)
        .unwrap()
        .contains("connection refused"));
    assert!(s
        .cluster
        .log_of(
            "kube-system",
            "coredns-76f75df574-x2x9z",
            "coredns",
            Instance::Current
        )
        .is_some());
}

#[test]
fn cluster_info_dump_yaml_stream() {
    let s = load(&fixture("cluster-info-dump.yaml"));
    assert_eq!(s.layout(), Layout::ClusterInfoDump);
    // A `---` line inside a log block does not split the YAML.
    assert_eq!(kinds(&s), map(&[("Node", 1), ("Pod", 1), ("Service", 1)]));
    assert_eq!(s.cluster.logs().len(), 1);
}

#[test]
fn plain_folder_variants() {
    let s = load(&fixture("plain"));
    assert_eq!(s.layout(), Layout::Plain);
    let objects = |p: &str| entry(&s, p).objects;
    assert_eq!(objects("bare-array.json"), Some(2));
    assert_eq!(objects("items-null.json"), Some(0));
    assert_eq!(entry(&s, "items-null.json").status, Status::Parsed);
    assert_eq!(objects("single-object.json"), Some(1));
    assert_eq!(objects("multi-doc.yaml"), Some(2));
    assert_eq!(objects("list.yaml"), Some(2));
    // A bare array of kind-less items takes its kind from its file name.
    assert_eq!(objects("kindless-pods/pods.json"), Some(1));
    assert!(s
        .cluster
        .get_typed::<Pod>(Some("default"), "batch-x")
        .is_some());
    assert_eq!(entry(&s, "binary.json").status, Status::Skipped);
    assert_eq!(
        entry(&s, "binary.json").detail.as_deref(),
        Some("binary file")
    );
    assert_eq!(
        entry(&s, "empty.yaml").detail.as_deref(),
        Some("empty file")
    );
    assert_eq!(entry(&s, "notes.txt").status, Status::Skipped);
    assert_eq!(entry(&s, "analysis.json").status, Status::Skipped);
}

#[test]
fn corrupt_json_item_fails_alone() {
    let s = load(&fixture("plain"));
    let e = entry(&s, "corrupt-item.json");
    assert_eq!(e.status, Status::Partial);
    assert_eq!(e.objects, Some(2));
    assert_eq!(e.problems.len(), 1);
    let p = &e.problems[0];
    let file = std::fs::read_to_string(fixture("plain/corrupt-item.json")).unwrap();
    let line = file.lines().nth(p.line.unwrap() - 1).unwrap();
    assert!(
        line.contains("\"broken\""),
        "problem points at the broken item: {line}"
    );
    assert!(s
        .cluster
        .get_typed::<Pod>(Some("default"), "good-1")
        .is_some());
    assert!(s
        .cluster
        .get_typed::<Pod>(Some("default"), "good-2")
        .is_some());
}

#[test]
fn bad_yaml_items_fail_alone() {
    let s = load(&fixture("plain"));
    let e = entry(&s, "bad-field.yaml");
    assert_eq!(e.status, Status::Partial);
    assert_eq!(e.objects, Some(3), "fine, odd (kept untyped) and also-fine");
    assert_eq!(e.problems.len(), 2);
    assert_eq!(
        e.problems[0].line,
        Some(8),
        "the item whose field has the wrong type"
    );
    assert!(e.problems[0].message.contains("spec.containers"));
    assert_eq!(e.problems[1].line, Some(19), "the unparseable item");
    assert!(s
        .cluster
        .get_typed::<Pod>(Some("default"), "also-fine")
        .is_some());
}

#[test]
fn plain_logs_attributed_by_name() {
    let s = load(&fixture("plain"));
    let prev = s
        .cluster
        .log_of("default", "api-1", "app", Instance::Previous)
        .expect("<pod>-previous.log");
    assert!(prev
        .digest
        .notable
        .iter()
        .any(|n| n.text.starts_with("ModuleNotFoundError")));
    assert!(s
        .cluster
        .log_of("default", "api-1", "app", Instance::Current)
        .is_some());
    let l = s
        .cluster
        .log_of("default", "api-2", "app", Instance::Current)
        .expect("<pod>_<container>.log");
    assert_eq!(l.container.as_deref(), Some("app"));
}

#[test]
fn secret_values_never_kept() {
    let s = load(&fixture("plain"));
    let d = s.diagnose(&Default::default());
    let json = ktriage::report::json::render(&s, &d);
    let human = ktriage::report::human::render(&s, &d);
    let markdown = ktriage::report::markdown::render(&s, &d);
    let sarif = ktriage::report::sarif::render(&s, &d);
    for out in [&json, &human, &markdown, &sarif] {
        assert!(!out.contains("c3VwZXJzZWNyZXQtdmFsdWUtOTE3"));
        assert!(!out.contains("plain-token-value-4242"));
    }
    let secret = s
        .cluster
        .get_typed::<k8s_openapi::api::core::v1::Secret>(Some("default"), "db-creds")
        .unwrap();
    let data = secret.data.as_ref().unwrap();
    assert!(data.contains_key("password"), "keys are kept");
    assert!(data["password"].0.is_empty(), "values are dropped");
    assert!(secret
        .metadata
        .annotations
        .as_ref()
        .is_none_or(|a| a.is_empty()));
}

/// Packs the demo tree into archives of every kind in memory.
fn demo_files() -> Vec<(String, Vec<u8>, Option<String>)> {
    let root = demo_dir();
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_dir() {
            continue;
        }
        let rel = format!(
            "bundle/{}",
            e.path().strip_prefix(&root).unwrap().to_string_lossy()
        );
        if e.path_is_symlink() {
            let t = std::fs::read_link(e.path())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((rel, Vec::new(), Some(t)));
        } else {
            out.push((rel, std::fs::read(e.path()).unwrap(), None));
        }
    }
    out
}

fn tar_bytes() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data, link) in demo_files() {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        match link {
            Some(t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, &path, &t).unwrap();
            }
            None => {
                h.set_size(data.len() as u64);
                b.append_data(&mut h, &path, data.as_slice()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

/// What two reads of the same snapshot must agree on.
type Summary = (
    Layout,
    BTreeMap<String, usize>,
    usize,
    Vec<(String, Status)>,
);

fn summary(s: &ktriage::Snapshot) -> Summary {
    (
        s.layout(),
        kinds(s),
        s.cluster.logs().len(),
        s.ingested
            .ledger
            .iter()
            .map(|l| (l.path.clone(), l.status))
            .collect(),
    )
}

#[test]
fn every_archive_kind_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let expected = summary(&load(&demo_dir()));
    assert_eq!(expected.0, Layout::Troubleshoot);
    let tar = tar_bytes();
    let gz = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    let zst = zstd::encode_all(tar.as_slice(), 3).unwrap();
    let zip = {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (path, data, link) in demo_files() {
            match link {
                Some(t) => w.add_symlink(&path, &t, opts).unwrap(),
                None => {
                    w.start_file(&path, opts).unwrap();
                    w.write_all(&data).unwrap();
                }
            }
        }
        w.finish().unwrap().into_inner()
    };
    // Names that lie: content decides, not the extension.
    for (name, bytes) in [
        ("a.tar", &tar),
        ("b.tgz", &gz),
        ("c.tar.zst", &zst),
        ("d.zip", &zip),
        ("e.bin", &gz),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let got = summary(&load(&p));
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn truncated_archive_keeps_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let gz = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/fastapi-k8s-bundle.tar.gz"),
    )
    .unwrap();
    let p = dir.path().join("cut.tar.gz");
    std::fs::write(&p, &gz[..gz.len() * 2 / 3]).unwrap();
    let s = load(&p);
    assert_eq!(s.layout(), Layout::Troubleshoot);
    let err = entry(&s, "cut.tar.gz");
    assert_eq!(err.status, Status::Error);
    assert!(
        err.detail
            .as_deref()
            .unwrap()
            .contains("archive is cut short"),
        "{:?}",
        err.detail
    );
    assert!(
        s.ingested
            .ledger
            .iter()
            .filter(|l| l.status == Status::Parsed)
            .count()
            > 5
    );
}

#[test]
fn decompression_cap_stops_reading() {
    let gz = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/fastapi-k8s-bundle.tar.gz");
    let mut opts = ktriage::ingest::Options::default();
    opts.read.max_bytes = 64 * 1024;
    let s = ktriage::load(&[gz], &opts).unwrap();
    let stopped = entry(&s, "fastapi-k8s-bundle.tar.gz");
    assert_eq!(stopped.status, Status::Error);
    assert!(
        stopped.detail.as_deref().unwrap().contains("--max-bytes"),
        "{:?}",
        stopped.detail
    );
}

/// Folders are listed first and their files read on all cores while they are parsed: the
/// bytes of every file are counted, and the cap is shared out in the order of the walk.
#[test]
fn folder_bytes_are_counted_and_the_cap_stops_reading() {
    let total: u64 = walk_files(&demo_dir())
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    let s = load(&demo_dir());
    assert_eq!(s.ingested.inputs[0].bytes, total);

    // 20 KiB: analysis.json, cluster-info/ and the first files of cluster-resources/ fit.
    let mut opts = ktriage::ingest::Options::default();
    opts.read.max_bytes = 20 * 1024;
    let s = ktriage::load(&[demo_dir()], &opts).unwrap();
    assert_eq!(s.layout(), Layout::Troubleshoot);
    assert_eq!(
        entry(&s, "cluster-resources/configmaps/default.json").status,
        Status::Parsed
    );
    let cut = entry(&s, "cluster-resources/pods/default.json");
    assert_eq!(cut.status, Status::Error);
    assert!(
        cut.detail.as_deref().unwrap().contains("--max-bytes"),
        "{:?}",
        cut.detail
    );
    let stopped = entry(&s, "support-bundle-2026-11-20T14_03_12");
    assert!(stopped.detail.as_deref().unwrap().contains("--max-bytes"));
    assert!(s.ingested.inputs[0].bytes <= 20 * 1024);
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_symlink() {
            continue; // read at their targets
        } else if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn archive_refuses_escaping_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let pod = std::fs::read(fixture("plain/bare-array.json")).unwrap();
    let mut add = |path: &str, link: Option<&str>| {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match link {
            Some(t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                // `append_link` refuses `..`; write the raw header the way a hostile tool would.
                h.set_link_name_literal(t).unwrap();
                h.set_path(path).unwrap();
                h.set_cksum();
                b.append(&h, std::io::empty()).unwrap();
            }
            None => {
                h.set_size(pod.len() as u64);
                h.set_path(path).unwrap();
                h.set_cksum();
                b.append(&h, pod.as_slice()).unwrap();
            }
        }
    };
    add("dump/pods.json", None);
    add("dump/escape.log", Some("../../etc/passwd"));
    add("dump/abs.log", Some("/etc/shadow"));
    add("dump/ok.json", Some("pods.json"));
    let mut bytes = b.into_inner().unwrap();
    // An entry named with `..`, patched in after the builder (which refuses such names).
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..12].copy_from_slice(b"../evil.json");
    h.set_size(0);
    h.set_mode(0o644);
    h.set_cksum();
    let end = bytes.len() - 1024;
    bytes.splice(end..end, h.as_bytes().iter().copied());
    let p = dir.path().join("hostile.tar");
    std::fs::write(&p, &bytes).unwrap();
    let s = load(&p);
    let refused = |path: &str| {
        let e = entry(&s, path);
        assert_eq!(e.status, Status::Skipped, "{path}");
        assert!(
            e.detail.as_deref().unwrap().starts_with("refused"),
            "{path}: {:?}",
            e.detail
        );
    };
    refused("escape.log");
    refused("abs.log");
    refused("../evil.json");
    assert!(entry(&s, "ok.json")
        .detail
        .as_deref()
        .unwrap()
        .starts_with("link to pods.json"));
    assert_eq!(
        kinds(&s),
        map(&[("Pod", 2)]),
        "the linked file is read once"
    );
}

#[test]
fn several_inputs_make_one_snapshot() {
    let paths = vec![
        fixture("plain/bare-array.json"),
        fixture("plain/api-1-previous.log"),
    ];
    let s = ktriage::load(&paths, &Default::default()).unwrap();
    assert_eq!(s.ingested.ledger.len(), 2);
    assert_eq!(s.ingested.ledger[1].input, Some(1));
    assert!(s
        .cluster
        .log_of("default", "api-1", "app", Instance::Previous)
        .is_some());
}

#[test]
fn events_match_kind_namespace_name_and_uid() {
    let s = load(&demo_dir());
    let (e, _) = s
        .cluster
        .all::<Pod>()
        .find(|(e, _)| e.object.metadata().name.as_deref() == Some("fastapi-k8s-7f8b9c6d4-xj2kl"))
        .unwrap();
    let events = s.cluster.events_for(&e.object_ref());
    assert!(events
        .iter()
        .any(|ev| ev.reason.as_deref() == Some("BackOff")));
    // Same name, other uid: an earlier object of the same name; its events do not count.
    let mut other = e.object_ref();
    other.uid = Some("00000000-0000-0000-0000-000000000000".into());
    assert!(s.cluster.events_for(&other).is_empty());
    // Never by name alone: the same name as a Service finds nothing.
    let mut svc = e.object_ref();
    svc.kind = "Service".into();
    assert!(s.cluster.events_for(&svc).is_empty());
}

#[test]
fn relations_on_the_demo() {
    use k8s_openapi::api::core::v1::Service;
    let s = load(&demo_dir());
    let c = &s.cluster;
    let pod_entry = c
        .get("Pod", Some("default"), "fastapi-k8s-7f8b9c6d4-xj2kl")
        .unwrap();
    let chain: Vec<String> = c
        .owner_chain(pod_entry)
        .iter()
        .map(|e| e.object_ref().to_string())
        .collect();
    assert_eq!(
        chain,
        [
            "ReplicaSet/default/fastapi-k8s-7f8b9c6d4",
            "Deployment/default/fastapi-k8s"
        ]
    );
    let svc = c.get("Service", Some("default"), "fastapi-k8s").unwrap();
    assert!(Service::from_object_ok(&svc.object));
    let mut selected: Vec<String> = c
        .service_pods(svc)
        .iter()
        .map(|(e, _)| e.object.metadata().name.clone().unwrap())
        .collect();
    selected.sort();
    assert_eq!(selected.len(), 4, "{selected:?}");
    assert!(c.service_endpoints(svc).is_some());
    let metrics = c
        .get("Service", Some("default"), "fastapi-k8s-metrics")
        .unwrap();
    assert!(
        c.service_pods(metrics).is_empty(),
        "the selector matches nothing"
    );
    let (_, pod) = c
        .all::<Pod>()
        .find(|(e, _)| std::ptr::eq(*e, pod_entry))
        .unwrap();
    assert_eq!(
        c.node_of(pod)
            .and_then(|n| n.metadata.name.clone())
            .as_deref(),
        Some("docker-desktop")
    );
    let refs = ktriage::model::pod_references(pod);
    assert!(
        refs.iter().all(|r| r.name != "fastapi-k8s-config"),
        "revision 2 dropped the envFrom"
    );
    let old = c
        .get_typed::<Pod>(Some("default"), "fastapi-k8s-6d9f7c8b5-m4x7q")
        .unwrap();
    let refs = ktriage::model::pod_references(old);
    let cm = refs
        .iter()
        .find(|r| r.name == "fastapi-k8s-config")
        .expect("envFrom configMapRef");
    assert_eq!(cm.kind, "ConfigMap");
    assert_eq!(cm.field, "spec.containers[0].envFrom[0].configMapRef");
    let prev = c
        .log_of(
            "default",
            "fastapi-k8s-7f8b9c6d4-xj2kl",
            "fastapi-k8s",
            Instance::Previous,
        )
        .unwrap();
    assert!(prev
        .digest
        .notable
        .iter()
        .any(|l| l.text == "KeyError: 'MAX_STRESS_SECONDS'"));
}

trait FromObjectOk {
    fn from_object_ok(o: &ktriage::model::Object) -> bool;
}
impl FromObjectOk for k8s_openapi::api::core::v1::Service {
    fn from_object_ok(o: &ktriage::model::Object) -> bool {
        use ktriage::model::Typed;
        Self::from_object(o).is_some()
    }
}

#[test]
fn troubleshoot_before_v028_and_renamed_files() {
    let s = load(&fixture("troubleshoot-old"));
    assert_eq!(s.layout(), Layout::Troubleshoot);
    assert_eq!(
        s.cluster
            .captured_at
            .map(ktriage::report::format_time)
            .as_deref(),
        Some("2021-06-01T08:30:00Z")
    );
    // Bare arrays of kind-less items, extension-less files, the old folder names.
    assert_eq!(
        kinds(&s),
        map(&[
            ("Certificate", 1),
            ("ClusterRoleBinding", 1),
            ("Event", 1),
            ("PersistentVolume", 1),
            ("Pod", 2),
            ("ResourceQuota", 1),
        ])
    );
    assert_eq!(entry(&s, "cluster-resources/pvs").status, Status::Parsed);
    assert_eq!(
        entry(&s, "cluster-resources/pod-disruption-budgets-info.json").status,
        Status::Skipped
    );
    // The logs collector before v0.48 wrote <collector>/<pod>/<container>.log and <collector>/<pod>.log.
    let l = s
        .cluster
        .log_of("default", "web-1", "web", Instance::Current)
        .expect("legacy log attributed by pod name");
    assert!(l.digest.notable[0].text.contains("Connection refused"));
    assert!(s
        .cluster
        .log_of("default", "web-2", "web", Instance::Current)
        .is_some());
    let ev = s.cluster.events_for(&ktriage::model::ObjectRef {
        kind: "Pod".into(),
        namespace: Some("default".into()),
        name: "web-1".into(),
        uid: Some("uid-web-1".into()),
    });
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].count, 7);
}

#[test]
fn plain_logs_beside_namespace_folders() {
    let s = load(&fixture("plain-by-namespace"));
    let l = s
        .cluster
        .log_of("shop", "api-1", "app", Instance::Current)
        .expect("<ns>/<pod>.log");
    assert_eq!(
        l.container.as_deref(),
        Some("app"),
        "the pod's only container"
    );
    assert!(s
        .cluster
        .log_of("shop", "api-2", "app", Instance::Previous)
        .is_some());
    assert_eq!(s.cluster.inventory().unattributed_logs, 0);
}

#[test]
fn gzip_rotated_must_gather_log() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir
        .path()
        .join("namespaces/shop/pods/api-1/app/app/logs/rotated");
    std::fs::create_dir_all(&logs).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"2023-11-02T06:12:08.1Z stderr F panic: boom\n2023-11-02T06:12:08.2Z stderr F goroutine 1 [running]:\n")
        .unwrap();
    std::fs::write(logs.join("0.log.20231102-061208.gz"), gz.finish().unwrap()).unwrap();
    let s = load(dir.path());
    assert_eq!(s.layout(), Layout::MustGather);
    let l = &s.cluster.logs()[0];
    assert!(l.rotated);
    assert_eq!(l.digest.lines, 2);
    assert!(matches!(
        &l.digest.signals[0].kind,
        ktriage::ingest::logs::signals::SignalKind::GoPanic { message } if message == "boom"
    ));
}

#[test]
fn demo_previous_log_names_the_missing_variable() {
    use ktriage::ingest::logs::signals::SignalKind;
    let s = load(&demo_dir());
    let prev = s
        .cluster
        .log_of(
            "default",
            "fastapi-k8s-7f8b9c6d4-xj2kl",
            "fastapi-k8s",
            Instance::Previous,
        )
        .unwrap();
    let sig = prev
        .digest
        .signals
        .iter()
        .find_map(|x| match &x.kind {
            SignalKind::PythonException {
                exception,
                message,
                frame,
            } => Some((exception, message, frame, x.line)),
            _ => None,
        })
        .expect("the traceback's exception");
    assert_eq!(sig.0, "KeyError");
    assert_eq!(sig.1, "'MAX_STRESS_SECONDS'");
    assert_eq!(
        sig.2.as_ref().map(|f| f.file.as_str()),
        Some("/app/main.py")
    );
    let text = std::fs::read_to_string(demo_dir().join(
        "cluster-resources/pods/logs/default/fastapi-k8s-7f8b9c6d4-xj2kl/fastapi-k8s-previous.log",
    ))
    .unwrap();
    assert_eq!(
        text.lines().nth(sig.3 as usize - 1),
        Some("KeyError: 'MAX_STRESS_SECONDS'")
    );
}

#[test]
fn redacted_values_are_unknown_and_said_so() {
    let s = load(&fixture("redacted"));
    let e = entry(&s, "pods.json");
    assert_eq!(e.status, Status::Parsed);
    let d = e.detail.as_deref().unwrap();
    assert!(d.contains("values treated as unknown"), "{d}");
    assert!(
        d.contains("Pod payments/billing-0 (line 5): metadata.creationTimestamp, status.startTime"),
        "{d}"
    );
    let p = s
        .cluster
        .get_typed::<Pod>(Some("payments"), "billing-0")
        .expect("still a typed Pod");
    assert!(p.metadata.creation_timestamp.is_none());
    assert_eq!(p.status.as_ref().unwrap().phase.as_deref(), Some("Running"));
    // Redacted strings stay as written; the model can tell them apart.
    let env = p.spec.as_ref().unwrap().containers[0].env.as_ref().unwrap();
    assert!(ktriage::model::object::is_redaction_marker(
        env[0].value.as_deref().unwrap()
    ));
}
