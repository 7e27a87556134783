//! ktriage reads a Kubernetes snapshot someone captured (a support bundle, a folder of
//! `kubectl get -o yaml` files, a `cluster-info dump`, must-gather output, logs) and builds a
//! model of the cluster from it, offline.
//!
//! Data flows one way: [`source`] (bytes) → [`ingest`] (documents, ledger) → [`model`]
//! (the resolved cluster) → [`report`].

pub mod cli;
pub mod diagnose;
#[doc(hidden)]
pub mod fuzzing;
pub mod ingest;
pub mod model;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod source;

use std::path::PathBuf;

/// A snapshot read and resolved.
#[derive(Debug)]
pub struct Snapshot {
    /// What was read, file by file, and the inputs.
    pub ingested: ingest::Ingested,
    /// The resolved cluster.
    pub cluster: model::Cluster,
}

impl Snapshot {
    /// The snapshot's layout.
    pub fn layout(&self) -> ingest::Layout {
        self.ingested.layout()
    }

    /// Runs the rules over the model.
    pub fn diagnose(&self, opts: &diagnose::Options) -> diagnose::Diagnosis {
        diagnose::diagnose(&self.cluster, opts)
    }

    /// True when at least one file could be read.
    ///
    /// A recognised layout counts as read even when all its files were skipped for a
    /// reason (a bundle holding only analyzer results): its files were all accounted for.
    pub fn read_anything(&self) -> bool {
        self.layout() != ingest::Layout::Plain
            || self
                .ingested
                .ledger
                .iter()
                .any(|l| matches!(l.status, ingest::Status::Parsed | ingest::Status::Partial))
    }
}

/// Reads the inputs and builds the model.
pub fn load(paths: &[PathBuf], opts: &ingest::Options) -> Result<Snapshot, source::SourceError> {
    let mut ingested = ingest::ingest(paths, opts)?;
    let started = std::time::Instant::now();
    let cluster = model::Cluster::build(&mut ingested);
    ingested.timings.model = started.elapsed();
    ingested.timings.resident[2] = ingest::resident_memory().map(|m| m.0);
    Ok(Snapshot { ingested, cluster })
}
