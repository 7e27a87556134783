//! The floor to compare ktriage against: how fast the same snapshot's documents parse into
//! k8s-openapi types with plain serde, nothing else (no layout, no ledger, no model, no rules).
//!
//! ```text
//! cargo run --release --example floor -- [--threads N] PATH
//! ```
//!
//! Reads every `.json` / `.yaml` file under PATH into memory first (not timed), then parses
//! them on `N` threads (default: all cores) and prints `<bytes> <seconds>` on stdout and a
//! sentence on stderr. JSON is parsed with `serde_json`, YAML with `yaml_serde`, the crates
//! ktriage uses. Each file is a list (`"items"`) or a single object; its kind comes from its
//! folder or file name (`pods/`, `nodes.json`, `<ns>/pods.yaml`), as in troubleshoot bundles,
//! `kubectl get -o yaml` folders and `cluster-info dump` trees; other files are parsed without
//! building anything (`IgnoredAny`).

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Endpoints, Event, Namespace, Node, Pod, Service};
use rayon::prelude::*;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// A list file, or one object.
#[derive(Deserialize)]
#[serde(untagged)]
enum Doc<T> {
    List { items: Vec<T> },
    One(T),
}

fn parse<T: DeserializeOwned>(bytes: &[u8], yaml: bool) -> Result<usize, String> {
    let doc: Doc<T> = if yaml {
        yaml_serde::from_slice(bytes).map_err(|e| e.to_string())?
    } else {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())?
    };
    Ok(match doc {
        Doc::List { items } => items.len(),
        Doc::One(_) => 1,
    })
}

/// The kind a file holds, from its folder or its name.
fn kind(path: &Path) -> &'static str {
    let names: Vec<String> = path
        .iter()
        .rev()
        .take(2)
        .map(|p| p.to_string_lossy().to_ascii_lowercase())
        .collect();
    let stem = names[0]
        .rsplit_once('.')
        .map_or(names[0].as_str(), |(s, _)| s);
    let folder = names.get(1).map(String::as_str).unwrap_or("");
    for name in [stem, folder] {
        let k = match name {
            "pods" => "Pod",
            "nodes" => "Node",
            "events" => "Event",
            "deployments" => "Deployment",
            "replicasets" => "ReplicaSet",
            "statefulsets" => "StatefulSet",
            "daemonsets" => "DaemonSet",
            "services" => "Service",
            "endpoints" => "Endpoints",
            "configmaps" => "ConfigMap",
            "namespaces" => "Namespace",
            _ => continue,
        };
        return k;
    }
    ""
}

fn parse_file(path: &Path, bytes: &[u8]) -> Result<usize, String> {
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    match kind(path) {
        "Pod" => parse::<Pod>(bytes, yaml),
        "Node" => parse::<Node>(bytes, yaml),
        "Event" => parse::<Event>(bytes, yaml),
        "Deployment" => parse::<Deployment>(bytes, yaml),
        "ReplicaSet" => parse::<ReplicaSet>(bytes, yaml),
        "StatefulSet" => parse::<StatefulSet>(bytes, yaml),
        "DaemonSet" => parse::<DaemonSet>(bytes, yaml),
        "Service" => parse::<Service>(bytes, yaml),
        "Endpoints" => parse::<Endpoints>(bytes, yaml),
        "ConfigMap" => parse::<ConfigMap>(bytes, yaml),
        "Namespace" => parse::<Namespace>(bytes, yaml),
        _ => parse::<IgnoredAny>(bytes, yaml),
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut threads = 0;
    let mut root = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "-h" | "--help" => {
                eprintln!("usage: floor [--threads N] PATH");
                return ExitCode::SUCCESS;
            }
            _ => root = Some(PathBuf::from(a)),
        }
    }
    let Some(root) = root else {
        eprintln!("usage: floor [--threads N] PATH");
        return ExitCode::from(2);
    };
    let files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
        })
        .filter_map(|e| Some((e.path().to_path_buf(), std::fs::read(e.path()).ok()?)))
        .collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let results: Vec<Result<usize, String>> =
        pool.install(|| files.par_iter().map(|(p, b)| parse_file(p, b)).collect());
    let secs = started.elapsed().as_secs_f64();
    let items: usize = results.iter().flatten().sum();
    let failed = results.iter().filter(|r| r.is_err()).count();
    eprintln!(
        "{} files, {:.1} MB, {items} objects ({failed} files failed) in {secs:.3} s on {} threads: {:.0} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        pool.current_num_threads(),
        bytes as f64 / 1e6 / secs.max(1e-9)
    );
    println!("{bytes} {secs:.6}");
    ExitCode::SUCCESS
}
