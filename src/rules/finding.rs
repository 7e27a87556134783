//! What a rule reports: a [`Finding`] about one object, with the evidence that proves it.
//!
//! Evidence is recorded as places in the model (a field of an object, an event row, a log
//! line); the report turns them into file, line and column by re-reading only the files that
//! have findings.

use super::{Rule, Severity};
use crate::ingest::logs::LogLine;
use crate::ingest::SourceFormat;
use crate::model::{Cluster, ContainerLog, Entry, EventRecord, ObjectRef};

/// Where a piece of evidence is, before it is resolved to a line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum At {
    /// A byte range of the file, known exactly (describe text, table rows).
    Bytes {
        /// First byte.
        start: usize,
        /// One past the last byte.
        end: usize,
    },
    /// A field of an object read from JSON or YAML, located in the object's text
    /// (`start..end`) when the report needs it.
    Field {
        /// First byte of the object.
        start: usize,
        /// One past its last byte.
        end: usize,
        /// JSON or YAML.
        format: SourceFormat,
        /// Path of the field: `spec.containers[0].resources.limits.memory`.
        path: String,
    },
    /// A line of a log file.
    Line {
        /// 1-based line number.
        line: u64,
        /// The line as written.
        text: String,
    },
}

/// One place in the snapshot that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Evidence {
    /// Index of the file in the ledger.
    pub file: u32,
    /// Where in the file.
    pub at: At,
    /// What this place shows, in a few words (`terminated with OOMKilled`).
    pub label: String,
}

impl Evidence {
    /// A field of an object: exact for describe text (by its field spans), located in the
    /// object's text for JSON and YAML, the whole row for a table.
    pub fn field(entry: &Entry, path: &str, label: impl Into<String>) -> Evidence {
        let o = entry.origin;
        let at = match o.format {
            SourceFormat::Json | SourceFormat::Yaml => At::Field {
                start: o.start,
                end: o.end,
                format: o.format,
                path: path.to_string(),
            },
            SourceFormat::Describe | SourceFormat::Table => {
                let span = entry
                    .spans
                    .iter()
                    .find(|s| s.path == path)
                    .or_else(|| {
                        // The closest enclosing field that was read (`...state.waiting` for
                        // `...state.waiting.reason`), else the first field inside it.
                        entry
                            .spans
                            .iter()
                            .filter(|s| is_prefix_path(&s.path, path))
                            .max_by_key(|s| s.path.len())
                    })
                    .or_else(|| entry.spans.iter().find(|s| is_prefix_path(path, &s.path)));
                match span {
                    Some(s) => At::Bytes {
                        start: s.start,
                        end: s.end,
                    },
                    None => At::Bytes {
                        start: o.start,
                        end: o.start,
                    },
                }
            }
        };
        Evidence {
            file: o.file,
            at,
            label: label.into(),
        }
    }

    /// The object itself (its name).
    pub fn object(entry: &Entry, label: impl Into<String>) -> Evidence {
        Evidence::field(entry, "metadata.name", label)
    }

    /// An event: its message.
    pub fn event(cluster: &Cluster, event: &EventRecord, label: impl Into<String>) -> Evidence {
        let entry = &cluster.entries()[event.entry];
        let path = if entry.object.api_version().starts_with("events.k8s.io") {
            "note"
        } else {
            "message"
        };
        Evidence::field(entry, path, label)
    }

    /// A line of a container log.
    pub fn log(log: &ContainerLog, line: u64, text: &str, label: impl Into<String>) -> Evidence {
        Evidence {
            file: log.file,
            at: At::Line {
                line,
                text: text.to_string(),
            },
            label: label.into(),
        }
    }

    /// A kept log line.
    pub fn log_line(log: &ContainerLog, l: &LogLine, label: impl Into<String>) -> Evidence {
        Evidence::log(log, l.line, &l.text, label)
    }
}

/// True when `prefix` is `path` or a parent field of it (`a.b` of `a.b.c` and `a.b[0]`).
fn is_prefix_path(prefix: &str, path: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// One diagnosed fault (or a note) about one object.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `f1`, `f2`... in report order; set by the diagnosis.
    pub id: String,
    /// The rule's code.
    pub code: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// The object at fault.
    pub object: ObjectRef,
    /// The container, when the fault is in one.
    pub container: Option<String>,
    /// One sentence stating the fault, with the numbers that matter.
    pub message: String,
    /// What to change: the field and the direction.
    pub help: String,
    /// The places that prove it.
    pub evidence: Vec<Evidence>,
    /// Objects whose own faults would explain this one (the pods behind a Service, the node
    /// of a pod). The diagnosis links findings on them to this one.
    pub related: Vec<ObjectRef>,
    /// What sets this cause apart, so that pods of one workload failing the same way make one
    /// incident (`MAX_STRESS_SECONDS`, `128Mi`).
    pub cause: String,
    /// Ids of the findings this one is the root cause of; set by the diagnosis.
    pub explains: Vec<String>,
}

impl Finding {
    /// A finding of `rule` about `object`, with the rule's code, name and severity.
    pub fn new(rule: &Rule, object: ObjectRef) -> Finding {
        Finding {
            id: String::new(),
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            object,
            container: None,
            message: String::new(),
            help: String::new(),
            evidence: Vec::new(),
            related: Vec::new(),
            cause: String::new(),
            explains: Vec::new(),
        }
    }

    /// Sets the severity (history is `info`, a recovered fault may be a `warning`).
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    /// Names the container.
    pub fn container(mut self, c: impl Into<String>) -> Self {
        self.container = Some(c.into());
        self
    }

    /// Sets the message.
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = m.into();
        self
    }

    /// Sets the help text.
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = h.into();
        self
    }

    /// Adds a piece of evidence (the same place twice is kept once).
    pub fn evidence(mut self, e: Evidence) -> Self {
        if !self.evidence.contains(&e) {
            self.evidence.push(e);
        }
        self
    }

    /// Adds evidence when there is some.
    pub fn evidence_opt(self, e: Option<Evidence>) -> Self {
        match e {
            Some(e) => self.evidence(e),
            None => self,
        }
    }

    /// Adds several pieces of evidence.
    pub fn evidence_all(mut self, es: impl IntoIterator<Item = Evidence>) -> Self {
        for e in es {
            self = self.evidence(e);
        }
        self
    }

    /// Names an object whose faults would explain this one.
    pub fn related(mut self, r: ObjectRef) -> Self {
        if !self.related.contains(&r) {
            self.related.push(r);
        }
        self
    }

    /// Sets what distinguishes this cause within a workload.
    pub fn cause(mut self, c: impl Into<String>) -> Self {
        self.cause = c.into();
        self
    }
}

/// Where a rule's check pushes its findings.
#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
}

impl Findings {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a finding.
    pub fn push(&mut self, f: Finding) {
        self.items.push(f);
    }

    /// The findings so far.
    pub fn items(&self) -> &[Finding] {
        &self.items
    }

    /// Takes the findings out.
    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }
}
