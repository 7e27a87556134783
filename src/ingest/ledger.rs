//! The ledger: one entry for every file of the snapshot, saying what became of it.

use serde::Serialize;

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Read completely.
    Parsed,
    /// Read, but some documents or items could not be (`detail` says which).
    Partial,
    /// Not Kubernetes data, or deliberately not read (`detail` says why).
    Skipped,
    /// Unreadable (`detail` gives the line and column).
    Error,
}

/// One problem inside a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line, when it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column, when it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l} column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// One file of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    /// Path relative to the snapshot root.
    pub path: String,
    /// Index of the input (only when several were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<usize>,
    /// What became of it.
    pub status: Status,
    /// Objects read from it (parsed and partial files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects: Option<usize>,
    /// What it was read as: `json`, `yaml`, `log`, `metadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// Why it was skipped, what could not be read, or a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every problem, with its position.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl LedgerEntry {
    /// A new entry.
    pub fn new(path: &str, status: Status) -> Self {
        Self {
            path: path.to_string(),
            input: None,
            status,
            objects: None,
            format: None,
            detail: None,
            problems: Vec::new(),
        }
    }

    /// Sets the status from the problems: `partial` when something was read besides them,
    /// `error` when nothing was, and a detail summarising the first problems.
    pub fn settle(&mut self, read_something: bool) {
        if self.problems.is_empty() {
            return;
        }
        self.status = if read_something {
            Status::Partial
        } else {
            Status::Error
        };
        let mut detail = self
            .problems
            .iter()
            .take(3)
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        if self.problems.len() > 3 {
            detail.push_str(&format!("; and {} more", self.problems.len() - 3));
        }
        if let Some(note) = self.detail.take() {
            detail = format!("{detail} ({note})");
        }
        self.detail = Some(detail);
    }
}
