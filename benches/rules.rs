//! Rules and report on a snapshot already in memory: `Snapshot::diagnose` (every rule, the
//! links between findings, the incidents) and the JSON report (locating every piece of
//! evidence, writing the document) on a 10,000-pod synthetic snapshot, the share of the
//! end-to-end time that grows with the number of pods once the snapshot is read.
//!
//! Run with `cargo bench --bench rules`. The snapshot is generated once into a fresh folder
//! under the system temp dir and removed at the end.

#[path = "snapgen/mod.rs"]
#[allow(dead_code)]
mod snapgen;

use divan::Bencher;
use ktriage::ingest::Options;
use std::path::PathBuf;
use std::sync::OnceLock;

const PODS: usize = 10_000;
const SEED: u64 = 42;

struct Fixture {
    root: PathBuf,
    snapshot: ktriage::Snapshot,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let root = std::env::temp_dir().join(format!(
            "ktriage-bench-rules-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let form = snapgen::Form::parse("json-dir").expect("known form");
        let cfg = snapgen::Config {
            pods: PODS,
            seed: SEED,
            log_kib: 4,
            form,
            out: root.join(form.as_str()),
            faults: snapgen::DEFAULT_FAULTS,
        };
        let w = snapgen::generate(&cfg).expect("generate the snapshot");
        let snapshot = ktriage::load(std::slice::from_ref(&w.path), &Options::default())
            .expect("load the snapshot");
        let d = snapshot.diagnose(&Default::default());
        eprintln!(
            "{PODS} pods, {:.0} MB, {} planted faults, {} findings, {} pods of note",
            w.bytes as f64 / 1e6,
            w.faults.len(),
            d.findings.len(),
            snapshot.cluster.pods_of_note().count()
        );
        Fixture { root, snapshot }
    })
}

/// Every rule, then the links between findings and the incidents.
#[divan::bench(sample_count = 40, sample_size = 1, max_time = 20)]
fn diagnose(bencher: Bencher) {
    let s = &fixture().snapshot;
    // Values the rules share are derived once per model: forget them, as a run starts without.
    bencher.bench(|| {
        s.cluster.forget_memos();
        s.diagnose(&Default::default())
    });
}

/// The JSON report of a diagnosis: evidence located, the document written.
#[divan::bench(sample_count = 40, sample_size = 1, max_time = 20)]
fn report(bencher: Bencher) {
    let s = &fixture().snapshot;
    let d = s.diagnose(&Default::default());
    bencher.bench(|| ktriage::report::json::render(s, &d));
}

fn main() {
    // Generated before divan starts so its messages do not interleave with the table.
    fixture();
    divan::main();
    if let Some(f) = FIXTURE.get() {
        let _ = std::fs::remove_dir_all(&f.root);
    }
}
