//! No input makes ktriage panic: every fixture (data, describe text, tables, logs, the demo
//! bundle) cut at many points, and with bytes flipped, is read to the end, and each file still
//! lands in the ledger.

use std::path::Path;

fn inputs() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut v = Vec::new();
    for dir in ["fixtures", "describe", "tables"] {
        for e in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                v.push(e.path().to_path_buf());
            }
        }
    }
    v.push(root.join("demo/fastapi-k8s-bundle.tar.gz"));
    v
}

fn read(bytes: &[u8], name: &str, dir: &Path) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let s = ktriage::load(&[p], &Default::default()).expect("a file that exists is always read");
    assert!(
        !s.ingested.ledger.is_empty(),
        "{name}: every input lands in the ledger"
    );
    let d = s.diagnose(&Default::default());
    let _ = ktriage::report::json::render(&s, &d);
    let _ = ktriage::report::human::render(&s, &d);
}

#[test]
fn truncated_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            read(&bytes[..cut], &name, dir.path());
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for path in inputs() {
        let bytes = std::fs::read(&path).unwrap();
        if bytes.is_empty() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for _ in 0..20 {
            let mut b = bytes.clone();
            for _ in 0..4 {
                let i = (next() as usize) % b.len();
                b[i] = (next() & 0xff) as u8;
            }
            read(&b, &name, dir.path());
        }
    }
}
