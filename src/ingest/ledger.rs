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

/// Longest problem message kept: messages that quote the input are cut after this many bytes.
const MAX_MESSAGE: usize = 400;

/// A parser's message in words a reader understands, cut to a readable length.
pub fn plain(message: &str) -> String {
    let mut m = message.to_string();
    if let Some(i) = m.find("recursion limit exceeded") {
        // serde's path to the place (`data[0][0]...`) is as deep as the nesting: keep its start.
        let before = m[..i].trim_end_matches([':', ' ']);
        let at = match before.char_indices().nth(40) {
            Some((cut, _)) => format!("{}... : ", &before[..cut]),
            None if before.is_empty() => String::new(),
            None => format!("{before}: "),
        };
        m = format!(
            "{at}nested more than 128 levels deep, the most the JSON and YAML parsers follow \
             (no Kubernetes object comes near it); not read"
        );
    } else if m.contains("repetition limit exceeded") {
        m = m.replace(
            "repetition limit exceeded",
            "YAML aliases expand the document more than 100-fold, as a \"billion laughs\" \
             attack does; not read",
        );
    }
    // libyaml repeats the position the problem already has (`... at line 9 column 4, while
    // parsing`).
    if let Some(i) = m.find(" at line ") {
        let rest = &m[i + " at line ".len()..];
        let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let n = digits(rest);
        if n > 0 {
            if let Some(col) = rest[n..].strip_prefix(" column ") {
                let k = digits(col);
                if k > 0 {
                    let end = i + " at line ".len() + n + " column ".len() + k;
                    m.replace_range(i..end, "");
                }
            }
        }
    }
    if m.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        m.truncate(cut);
        m.push_str("... (cut)");
    }
    m
}

impl LedgerEntry {
    /// Puts every message in plain words of a readable length (see [`plain`]): the problems'
    /// (once [`LedgerEntry::settle`] has summed them up, it is done) and a detail that stands
    /// alone.
    pub fn tidy(&mut self) {
        if self.problems.is_empty() {
            if let Some(d) = &mut self.detail {
                *d = plain(d);
            }
        }
    }

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
        for p in &mut self.problems {
            p.message = plain(&p.message);
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
