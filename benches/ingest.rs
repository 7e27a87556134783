//! Ingest throughput: `ktriage::load` over small (~5 MB) synthetic snapshots in the three
//! forms the generator writes (troubleshoot bundle as a folder and as a `.tar.gz`, and a folder
//! of `kubectl get -o yaml` lists). Throughput is counted in uncompressed snapshot bytes, so
//! the `.tar.gz` figure includes decompression.
//!
//! Run with `cargo bench --bench ingest`. The snapshots are generated once into a fresh folder
//! under the system temp dir and removed at the end. For ~100 MB snapshots and peak memory,
//! see `scripts/bench.sh`.

#[path = "snapgen/mod.rs"]
mod snapgen;

use divan::counter::BytesCount;
use divan::Bencher;
use ktriage::ingest::{Options, Status};
use std::path::PathBuf;
use std::sync::OnceLock;

/// About 50 KB per pod in the JSON forms (logs included): ~5 MB.
const PODS: usize = 100;
const SEED: u64 = 42;
const FORMS: [&str; 3] = ["json-dir", "yaml-dir", "tgz"];

struct Fixtures {
    root: PathBuf,
    written: Vec<(snapgen::Form, snapgen::Written)>,
}

static FIXTURES: OnceLock<Fixtures> = OnceLock::new();

fn fixtures() -> &'static Fixtures {
    FIXTURES.get_or_init(|| {
        let root = std::env::temp_dir().join(format!(
            "ktriage-bench-ingest-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let written = FORMS
            .iter()
            .map(|name| {
                let form = snapgen::Form::parse(name).expect("known form");
                let cfg = snapgen::Config {
                    pods: PODS,
                    seed: SEED,
                    log_kib: 16,
                    form,
                    out: root.join(form.as_str()),
                    faults: snapgen::DEFAULT_FAULTS,
                };
                let w = snapgen::generate(&cfg).expect("generate the snapshot");
                check(&w);
                eprintln!(
                    "{:>8}: {:.2} MB uncompressed in {} files, {:.2} MB on disk, {} planted \
                     faults ({})",
                    form.as_str(),
                    w.bytes as f64 / 1e6,
                    w.files,
                    w.disk_bytes as f64 / 1e6,
                    w.faults.len(),
                    w.path.display()
                );
                (form, w)
            })
            .collect();
        Fixtures { root, written }
    })
}

/// The benchmark only means something if the snapshot is read completely.
fn check(w: &snapgen::Written) {
    let snap = ktriage::load(std::slice::from_ref(&w.path), &Options::default())
        .expect("load the snapshot");
    let inv = snap.cluster.inventory();
    for (kind, n) in w.objects {
        assert_eq!(
            inv.objects_by_kind.get(kind).copied().unwrap_or(0),
            n,
            "{kind} objects read from {}",
            w.path.display()
        );
    }
    let unread: Vec<&str> = snap
        .ingested
        .ledger
        .iter()
        .filter(|e| e.status != Status::Parsed)
        .map(|e| e.path.as_str())
        .collect();
    assert!(unread.is_empty(), "files not parsed: {unread:?}");
}

fn fixture(form: &str) -> &'static snapgen::Written {
    let form = snapgen::Form::parse(form).expect("known form");
    fixtures()
        .written
        .iter()
        .find(|(f, _)| *f == form)
        .map(|(_, w)| w)
        .expect("fixture generated")
}

/// `ktriage::load`: read, parse and build the model.
#[divan::bench(args = FORMS, sample_count = 30, sample_size = 1, max_time = 10)]
fn load(bencher: Bencher, form: &str) {
    let w = fixture(form);
    let paths = [w.path.clone()];
    bencher
        .counter(BytesCount::new(w.bytes))
        .bench(|| ktriage::load(&paths, &Options::default()).expect("load"));
}

/// The first stage alone (read, parse, ledger; no model), to see what the model build costs.
#[divan::bench(args = FORMS, sample_count = 30, sample_size = 1, max_time = 10)]
fn ingest_only(bencher: Bencher, form: &str) {
    let w = fixture(form);
    let paths = [w.path.clone()];
    bencher
        .counter(BytesCount::new(w.bytes))
        .bench(|| ktriage::ingest::ingest(&paths, &Options::default()).expect("ingest"));
}

fn main() {
    // Generated before divan starts so its messages do not interleave with the table.
    fixtures();
    divan::main();
    if let Some(f) = FIXTURES.get() {
        let _ = std::fs::remove_dir_all(&f.root);
    }
}
