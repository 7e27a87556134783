//! Nothing lost: for every snapshot of the test corpus (the demo, the fixtures, describe text
//! and tables, the bad inputs and the real snapshots), the file list names every file the
//! snapshot holds, as listed here without ktriage's own readers; the objects each JSON or YAML
//! file holds, counted here with plain serde, are the objects the file list says were read; and
//! the inventory counts each object read once.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut v = vec![root.join("demo/fastapi-k8s-bundle.tar.gz")];
    for (_, _, dir) in common::rule_cases() {
        v.push(dir);
    }
    for sub in ["fixtures", "describe", "tables", "bad"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(sub))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        v.extend(entries);
    }
    // Each real project's folder as one snapshot, and every archive in it on its own.
    for project in common::REALWORLD_PROJECTS {
        if let Some(p) = common::realworld(project) {
            for e in walkdir::WalkDir::new(&p)
                .sort_by_file_name()
                .into_iter()
                .flatten()
            {
                let name = e.file_name().to_string_lossy();
                if e.file_type().is_file()
                    && [".tar.gz", ".tgz", ".tar", ".zip", ".tar.zst"]
                        .iter()
                        .any(|s| name.ends_with(s))
                {
                    v.push(e.path().to_path_buf());
                }
            }
            v.push(p);
        }
    }
    v
}

/// The files of an input as its container lists them: `(path, bytes when small and read)`.
fn files_of(input: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let read_small = |r: &mut dyn Read| {
        let mut b = Vec::new();
        r.take(64 << 20).read_to_end(&mut b).ok().map(|_| b)
    };
    if input.is_dir() {
        return walkdir::WalkDir::new(input)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(input)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = e
                    .file_type()
                    .is_file()
                    .then(|| std::fs::read(e.path()).ok())
                    .flatten();
                (rel, bytes)
            })
            .collect();
    }
    let bytes = std::fs::read(input).unwrap();
    if bytes.starts_with(b"PK") {
        let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for i in 0..z.len() {
            let Ok(mut f) = z.by_index(i) else { continue };
            if f.is_dir() {
                continue;
            }
            let name = f.name().map(|n| n.into_owned()).unwrap_or_default();
            let body = (f.size() < 64 << 20).then(|| read_small(&mut f)).flatten();
            out.push((name, body));
        }
        return out;
    }
    let decoded: Box<dyn Read> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(std::io::Cursor::new(
            bytes,
        )))
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::new(std::io::Cursor::new(bytes)).unwrap())
    } else {
        Box::new(std::io::Cursor::new(bytes))
    };
    let mut head = Vec::new();
    let mut decoded = decoded;
    if (&mut decoded).take(512).read_to_end(&mut head).is_err() {
        return Vec::new();
    }
    let is_tar = head.len() == 512 && (&head[257..262] == b"ustar" || head.iter().all(|b| *b == 0));
    if !is_tar {
        // A single file: its name is its path.
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        return vec![(name, None)];
    }
    let mut ar = tar::Archive::new(std::io::Cursor::new(head).chain(decoded));
    let mut out = Vec::new();
    let Ok(entries) = ar.entries() else {
        return out;
    };
    for e in entries {
        let Ok(mut e) = e else { break };
        if e.header().entry_type().is_dir() {
            continue;
        }
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let body = (e.header().entry_type().is_file() && e.size() < 64 << 20)
            .then(|| read_small(&mut e))
            .flatten();
        out.push((name, body));
    }
    out
}

/// Objects in a JSON or YAML value as kubectl and collectors write them: the items of a list,
/// or the object itself.
fn objects_in(v: &serde_json::Value) -> usize {
    let items = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::Array(items)) => items.iter().filter(|i| i.is_object()).count(),
        _ => 0,
    };
    match v {
        serde_json::Value::Object(m) => match m.get("kind").and_then(|k| k.as_str()) {
            Some(k) if k.ends_with("List") => items(m.get("items")),
            None if m.contains_key("items") => items(m.get("items")),
            _ => usize::from(m.contains_key("kind") || m.contains_key("metadata")),
        },
        serde_json::Value::Array(_) => items(Some(v)),
        _ => 0,
    }
}

/// The objects of a JSON or YAML file, counted with plain serde; `None` when serde cannot read
/// it all (the ledger then says what ktriage could).
fn count_objects(bytes: &[u8], format: &str) -> Option<usize> {
    let text = std::str::from_utf8(bytes).ok()?;
    match format {
        "json" => {
            let mut n = 0;
            for v in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>() {
                n += objects_in(&v.ok()?);
            }
            Some(n)
        }
        "yaml" => {
            let mut n = 0;
            for doc in yaml_serde::Deserializer::from_str(text) {
                let v: serde_json::Value = serde::Deserialize::deserialize(doc).ok()?;
                n += objects_in(&v);
            }
            Some(n)
        }
        _ => None,
    }
}

/// "3 items without a kind were ignored": items serde counts and the file list rightly leaves
/// out.
fn ignored_in(detail: &str) -> usize {
    detail
        .split(" items without a kind")
        .next()
        .filter(|_| detail.contains(" items without a kind"))
        .and_then(|before| before.rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn every_file_is_listed_and_every_object_counted() {
    let (mut snapshots, mut files, mut counted, mut objects) = (0, 0, 0, 0);
    for input in corpus() {
        let Ok(s) = ktriage::load(std::slice::from_ref(&input), &Default::default()) else {
            panic!("{} could not be read at all", input.display());
        };
        snapshots += 1;
        let root = s.ingested.inputs[0].root.clone();
        let ledger: BTreeMap<&str, &ktriage::ingest::LedgerEntry> = s
            .ingested
            .ledger
            .iter()
            .map(|l| (l.path.as_str(), l))
            .collect();
        for (name, bytes) in files_of(&input) {
            files += 1;
            let norm = name.trim_start_matches("./").to_string();
            let rebased = ktriage::ingest::rebase(&root, &norm);
            let stem = ["gz", "zst"]
                .iter()
                .find_map(|s| norm.strip_suffix(&format!(".{s}")))
                .unwrap_or(&norm);
            let Some(entry) = [rebased.as_str(), name.as_str(), norm.as_str(), stem]
                .iter()
                .find_map(|p| ledger.get(p))
            else {
                panic!(
                    "{}: {name} is not in the file list {:?}",
                    input.display(),
                    ledger.keys().collect::<Vec<_>>()
                );
            };
            // Objects: what serde finds in a file read whole is what the file list says.
            if let (Some(bytes), Some(format), ktriage::ingest::Status::Parsed) =
                (bytes, entry.format, entry.status)
            {
                if let Some(n) = count_objects(&bytes, format) {
                    let ignored = ignored_in(entry.detail.as_deref().unwrap_or(""));
                    assert_eq!(
                        entry.objects,
                        Some(n - ignored.min(n)),
                        "{}: {name} ({format}, {:?})",
                        input.display(),
                        entry.detail
                    );
                    counted += 1;
                }
            }
        }
        // The inventory counts each object read once, however many files held it.
        let read: usize = s.ingested.ledger.iter().filter_map(|l| l.objects).sum();
        let entries = s.cluster.entries();
        let copies: usize = entries.iter().map(|e| 1 + e.also.len()).sum();
        assert_eq!(read, copies, "{}", input.display());
        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for e in entries {
            let m = e.object.metadata();
            assert!(
                seen.insert((e.object.kind(), m.namespace.as_deref(), m.name.as_deref())),
                "{}: {} {:?} twice",
                input.display(),
                e.object.kind(),
                m.name
            );
            *by_kind.entry(e.object.kind().to_string()).or_default() += 1;
        }
        assert_eq!(
            s.cluster.inventory().objects_by_kind,
            by_kind,
            "{}",
            input.display()
        );
        objects += entries.len();
    }
    eprintln!(
        "{snapshots} snapshots, {files} files listed, {counted} JSON/YAML files counted, {objects} objects"
    );
    assert!(snapshots > 100 && files > 300 && counted > 150);
}
