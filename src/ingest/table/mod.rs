//! `kubectl get` tables (pods, nodes, services, endpoints, pvc, deployments, events) read into
//! typed objects that fill the model where nothing better exists.
//!
//! Every row becomes a Kubernetes-shaped JSON value, converted with
//! [`parse_value_item`] into the same k8s-openapi types as YAML input. Everything a table does
//! not say stays unset; what it says in a form the API has no field for goes into annotations:
//!
//! * `ktriage.io/source: table` on every object, `ktriage.io/status` (the STATUS text as
//!   printed), `ktriage.io/age` (AGE in seconds),
//! * pods: `ktriage.io/last-restart-age` (seconds, from `5 (2m ago)`), `ktriage.io/terminating`
//!   (`true` for `Terminating`: the deletion time is unknown),
//! * endpoints: `ktriage.io/endpoints-more` (`+ 3 more...`),
//! * events: `ktriage.io/last-seen-age`, `ktriage.io/first-seen-age` (seconds; no timestamps).
//!   A bare LAST SEEN in `kubectl get events` (lower-case `pod/x` objects, no COUNT or FIRST
//!   SEEN column) leaves `count` and the first-seen age unset: that layout never says them.
//!   `kubectl events` (`Pod/x`) prints `(xN over AGE)` whenever N > 1, so a bare age there
//!   means one occurrence.
//!
//! ## Pod STATUS mapping
//! READY `a/b` gives `b` containers `container-1`... of which the first `a` are ready. The
//! container a reason belongs to (the "problem container") is the first one not ready
//! (`container-<a+1>`), or the first when all are ready; the RESTARTS total goes on it (on the
//! init container for `Init:` statuses, as kubectl counts init restarts while initializing).
//!
//! | STATUS | phase | containers |
//! |---|---|---|
//! | `Running`, `NotReady` | Running | running, ready per READY |
//! | `Terminating` | Running | running; annotation `ktriage.io/terminating` |
//! | `Pending` | Pending | no statuses (nothing reported yet) |
//! | `SchedulingGated` | Pending | none; PodScheduled False/SchedulingGated |
//! | `ContainerCreating`, `PodInitializing` | Pending | all waiting with that reason |
//! | `CrashLoopBackOff` | Running | problem container waiting, others running |
//! | image and config errors (`ErrImagePull`, `ImagePullBackOff`, `ErrImageNeverPull`, `InvalidImageName`, `CreateContainerConfigError`, `CreateContainerError`, `RunContainerError`, `ContainerCannotRun`, hook errors) | Pending, Running when RESTARTS > 0 | problem container waiting |
//! | `Completed` | Succeeded; Running when RESTARTS > 0 or a container is ready | terminated Completed, exit 0 |
//! | `Error`, `OOMKilled`, `ContainerStatusUnknown`, `StartError`, `Signal:N`, `ExitCode:N` | Failed; Running when RESTARTS > 0 or a container is ready | problem container terminated (exit 1 for Error: some non-zero code; 137 for OOMKilled and ContainerStatusUnknown; 128 for StartError; 128+N; N) |
//! | `Init:N/M` | Pending | M init containers: N completed, the next running, the rest waiting PodInitializing |
//! | `Init:<reason>` | Pending | `init-1` waiting/terminated with the reason |
//! | `Evicted`, `NodeAffinity`, `OutOf*`, `UnexpectedAdmissionError`, `NodeShutdown`, `Shutdown`, `Terminated`, `DeadlineExceeded` | Failed, `status.reason` | none |
//! | `Unknown`, `NodeLost` | Unknown (`NodeLost` also as reason) | none |
//! | `Succeeded`, `Failed` | that phase | none |
//!
//! Any other STATUS is a problem, not a guess.
//!
//! ## Layout
//! Headers are recognised by their column names (old ones too: `LASTSEEN`, `ACCESSMODES`,
//! services without TYPE, nodes without ROLES). Rows are cut at the header's column offsets
//! (tabwriter output); when that fails, on runs of two or more spaces, then on single
//! whitespace (parenthesised groups like `5 (2m ago)` kept together) when the cell count
//! matches. Markdown fences, `> ` quoting, `**` debris, CR, tabs, ANSI colours, indentation,
//! k9s `│` borders and markdown-table pipes are removed first. `kubectl get all` name
//! prefixes (`pod/x`, `deployment.apps/x`) are dropped.
//!
//! A blank line ends a table: lines after it are read as rows of the same table when they
//! parse as such, otherwise ignored until the next header. The header of a table this module
//! does not read (`NAME DESIRED CURRENT READY AGE`) and a shell prompt (`$ kubectl ...`) end
//! a table too. In event tables a line that is not a row continues the previous message
//! (joined directly after a line of a usual terminal width, hard wrap; with a space when
//! indented or inside a k9s frame; else with a newline); elsewhere it is a problem.

use crate::ingest::age::{parse_age, parse_event_age};
use crate::ingest::ledger::Problem;
use crate::model::object::{parse_value_item, typed_kind_names};
use serde_json::{json, Map, Value};

/// One object read from a table row.
#[derive(Debug, Clone)]
pub struct TableObject {
    /// The object.
    pub object: crate::model::Object,
    /// First byte of its row (and continuation lines) in the text.
    pub start: usize,
    /// One past the last byte of its row.
    pub end: usize,
}

/// Everything read from the tables of a text.
#[derive(Debug, Default)]
pub struct TableOutput {
    /// The objects, in text order.
    pub objects: Vec<TableObject>,
    /// Rows not understood: line, column, message.
    pub problems: Vec<Problem>,
    /// Kind of the (first) table, e.g. `"Pod"`.
    pub kind: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pod,
    Node,
    Service,
    Endpoints,
    Pvc,
    Deployment,
    Event,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::Node => "Node",
            Kind::Service => "Service",
            Kind::Endpoints => "Endpoints",
            Kind::Pvc => "PersistentVolumeClaim",
            Kind::Deployment => "Deployment",
            Kind::Event => "Event",
        }
    }

    fn api_version(self) -> &'static str {
        match self {
            Kind::Deployment => "apps/v1",
            _ => "v1",
        }
    }
}

/// One line of the text, cleaned of paste debris.
struct Line<'a> {
    raw: &'a str,
    /// Byte offset of `raw` in the text.
    start: usize,
    /// Cleaned characters.
    chars: Vec<char>,
    /// Byte offset inside `raw` of each cleaned character.
    offs: Vec<usize>,
    /// A markdown fence line.
    fence: bool,
    /// Something (spaces, quoting, a border) preceded the content.
    indented: bool,
}

impl Line<'_> {
    fn is_blank(&self) -> bool {
        self.chars.is_empty()
    }

    /// 1-based character column in the raw line of cleaned character `i`.
    fn column(&self, i: usize) -> usize {
        let byte = self
            .offs
            .get(i)
            .copied()
            .unwrap_or(self.raw.len())
            .min(self.raw.len());
        self.raw.get(..byte).map(|s| s.chars().count()).unwrap_or(0) + 1
    }

    fn text(&self) -> String {
        self.chars.iter().collect()
    }
}

fn is_border(c: char) -> bool {
    matches!(c, '│' | '┃' | '║' | '|')
}

/// The lines of the text, cleaned, one at a time.
fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut pos = 0usize;
    text.split_inclusive('\n').map(move |piece| {
        let start = pos;
        pos += piece.len();
        let raw = piece.trim_end_matches('\n').trim_end_matches('\r');
        clean(raw, start)
    })
}

fn clean(raw: &str, start: usize) -> Line<'_> {
    let mut chars = Vec::new();
    let mut offs = Vec::new();
    let mut it = raw.char_indices().peekable();
    let mut indented = false;
    // A markdown table row: `| a | b |`.
    let mut piped = false;
    // Leading whitespace, quoting and borders.
    while let Some(&(_, c)) = it.peek() {
        if c.is_whitespace() || c == '>' || is_border(c) {
            indented = true;
            piped |= c == '|';
            it.next();
        } else if c == '*' {
            // `**` debris before the content.
            it.next();
        } else {
            break;
        }
    }
    while let Some((i, c)) = it.next() {
        match c {
            '\t' => {
                chars.push(' ');
                offs.push(i);
                chars.push(' ');
                offs.push(i);
            }
            '*' if it.peek().map(|&(_, n)| n) == Some('*') => {
                it.next();
            }
            '|' if piped => {
                chars.push(' ');
                offs.push(i);
            }
            '│' | '┃' | '║' => {
                chars.push(' ');
                offs.push(i);
            }
            '\u{1b}' => {
                // ANSI colour sequences: ESC [ ... final byte.
                if it.peek().map(|&(_, n)| n) == Some('[') {
                    for (_, n) in it.by_ref().skip(1) {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
            }
            c if c.is_control() => {}
            c => {
                chars.push(c);
                offs.push(i);
            }
        }
    }
    while chars
        .last()
        .is_some_and(|c: &char| c.is_whitespace() || is_border(*c) || *c == '*')
    {
        chars.pop();
        offs.pop();
    }
    // Box-drawing rules (k9s frames, `----` separators) carry nothing.
    if chars
        .iter()
        .all(|&c| ('\u{2500}'..='\u{257F}').contains(&c) || "-=+|: ".contains(c))
    {
        chars.clear();
        offs.clear();
    }
    let head: String = chars.iter().take(3).collect();
    let fence = head == "```" || head == "~~~";
    Line {
        raw,
        start,
        chars,
        offs,
        fence,
        indented,
    }
}

/// A column of a header: its name and first character.
#[derive(Debug, Clone)]
struct Col {
    name: String,
    start: usize,
}

#[derive(Debug, Clone)]
struct Header {
    kind: Kind,
    cols: Vec<Col>,
}

const PAIRS: &[(&str, &str)] = &[
    ("LAST", "SEEN"),
    ("FIRST", "SEEN"),
    ("NOMINATED", "NODE"),
    ("READINESS", "GATES"),
    ("ACCESS", "MODES"),
    ("NODE", "SELECTOR"),
    ("RECLAIM", "POLICY"),
];

/// Words of a cleaned line with their first character index.
fn words(chars: &[char]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut cur = String::new();
    let mut at = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            if !cur.is_empty() {
                out.push((std::mem::take(&mut cur), at));
            }
        } else {
            if cur.is_empty() {
                at = i;
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push((cur, at));
    }
    out
}

fn header(chars: &[char]) -> Option<Header> {
    let ws = words(chars);
    if ws.is_empty()
        || !ws.iter().all(|(w, _)| {
            w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "()_.-".contains(c))
        })
    {
        return None;
    }
    let mut cols: Vec<Col> = Vec::new();
    let mut i = 0;
    while let Some((w, at)) = ws.get(i) {
        let next = ws.get(i + 1).map(|(n, _)| n.as_str());
        if let Some(n) = next.filter(|n| PAIRS.contains(&(w.as_str(), n))) {
            cols.push(Col {
                name: format!("{w} {n}"),
                start: *at,
            });
            i += 2;
            continue;
        }
        let name = match w.as_str() {
            "LASTSEEN" => "LAST SEEN".to_string(),
            "FIRSTSEEN" => "FIRST SEEN".to_string(),
            "ACCESSMODES" => "ACCESS MODES".to_string(),
            _ => w.clone(),
        };
        cols.push(Col { name, start: *at });
        i += 1;
    }
    let has = |n: &str| cols.iter().any(|c| c.name == n);
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    let first = cols.first().map(|c| c.name.as_str()).unwrap_or("");
    let kind = if has("LAST SEEN")
        && has("REASON")
        && has("MESSAGE")
        && (has("OBJECT") || has("KIND"))
        && matches!(first, "LAST SEEN" | "NAMESPACE")
    {
        Kind::Event
    } else if !has("NAME") || !matches!(first, "NAME" | "NAMESPACE") {
        return None;
    } else if has("STATUS")
        && has("VERSION")
        && (has("ROLES") || names == ["NAME", "STATUS", "AGE", "VERSION"])
    {
        Kind::Node
    } else if has("CLUSTER-IP") && has("PORT(S)") {
        Kind::Service
    } else if has("ENDPOINTS") && cols.len() <= 4 {
        Kind::Endpoints
    } else if has("STATUS") && has("VOLUME") && has("CAPACITY") {
        Kind::Pvc
    } else if has("UP-TO-DATE")
        && has("AVAILABLE")
        && !has("NODE SELECTOR")
        && ((has("READY") && !has("DESIRED"))
            || (has("DESIRED") && has("CURRENT") && !has("READY")))
    {
        Kind::Deployment
    } else if has("READY") && has("STATUS") && has("RESTARTS") {
        Kind::Pod
    } else {
        return None;
    };
    Some(Header { kind, cols })
}

/// A header line of a table this module does not read: upper-case words, the first `NAME` or
/// `NAMESPACE`.
fn unknown_header(chars: &[char]) -> bool {
    let ws = words(chars);
    ws.len() >= 2
        && matches!(
            ws.first().map(|(w, _)| w.as_str()),
            Some("NAME" | "NAMESPACE")
        )
        && ws.iter().all(|(w, _)| {
            w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "()_.-".contains(c))
        })
}

/// A shell prompt line (`$ kubectl get pods`), which ends a table.
fn is_prompt(chars: &[char]) -> bool {
    matches!(chars, ['$' | '%' | '#', ' ', ..])
        || words(chars)
            .first()
            .is_some_and(|(w, _)| w.ends_with('$') && w.contains('@'))
}

/// True when the text's first non-blank line (after skipping markdown fences/quoting) is a
/// known `kubectl get` header.
pub fn looks_like_table(text: &str) -> bool {
    for piece in text.lines().take(200) {
        let l = clean(piece, 0);
        if l.is_blank() || l.fence {
            continue;
        }
        return header(&l.chars).is_some();
    }
    false
}

#[derive(Debug, Clone)]
struct Cell {
    text: String,
    /// First character of the cell in the cleaned line.
    pos: usize,
}

/// A cell of a row that failed, and why.
struct Fail {
    cell: Option<usize>,
    msg: String,
}

fn fail(cell: Option<usize>, msg: impl Into<String>) -> Fail {
    Fail {
        cell,
        msg: msg.into(),
    }
}

struct Row<'h> {
    cols: &'h [Col],
    cells: Vec<Cell>,
}

impl Row<'_> {
    fn idx(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.name == name)
    }

    /// The cell's text, `None` when absent or empty.
    fn get(&self, name: &str) -> Option<&str> {
        let i = self.idx(name)?;
        let t = self.cells.get(i)?.text.trim();
        (!t.is_empty()).then_some(t)
    }

    /// The cell's value: `None` also for `<none>`, `<unset>`, `<unknown>`.
    fn val(&self, name: &str) -> Option<&str> {
        self.get(name)
            .filter(|t| !matches!(*t, "<none>" | "<unset>" | "<unknown>" | "<nil>"))
    }

    fn req(&self, name: &str) -> Result<&str, Fail> {
        self.get(name)
            .ok_or_else(|| fail(self.idx(name), format!("empty {name} cell")))
    }
}

fn is_rest_col(name: &str) -> bool {
    matches!(name, "MESSAGE" | "LABELS" | "SELECTOR")
}

/// Cells cut at the header's offsets, when the row lines up with them.
fn split_offsets(chars: &[char], cols: &[Col]) -> Option<Vec<Cell>> {
    let mut cells = Vec::with_capacity(cols.len());
    for (j, c) in cols.iter().enumerate() {
        let s = c.start;
        let e = cols
            .get(j + 1)
            .map(|n| n.start)
            .unwrap_or(chars.len())
            .min(chars.len());
        if j > 0 && s < chars.len() && !chars.get(s.checked_sub(1)?)?.is_whitespace() {
            return None;
        }
        if j == 0 && chars.first().is_some_and(|c| c.is_whitespace()) {
            return None;
        }
        let text: String = chars.get(s.min(e)..e).unwrap_or(&[]).iter().collect();
        let text = text.trim();
        // Tabwriter cells hold no run of spaces; one means the row does not line up.
        if j + 1 < cols.len() && text.contains("  ") {
            return None;
        }
        cells.push(Cell {
            text: text.to_string(),
            pos: s.min(chars.len()),
        });
    }
    Some(cells)
}

/// Tokens separated by runs of `min_gap` or more whitespace characters; with `min_gap` 1,
/// parenthesised groups stay with the token before them.
fn tokens(chars: &[char], min_gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        while i < n && chars.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        if i >= n {
            break;
        }
        let s = i;
        let mut e = i;
        loop {
            while i < n && !chars.get(i).is_some_and(|c| c.is_whitespace()) {
                i += 1;
            }
            e = e.max(i);
            let mut j = i;
            while j < n && chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j += 1;
            }
            if j < n && j - i < min_gap {
                i = j;
                continue;
            }
            break;
        }
        out.push((s, e));
        i = e;
    }
    if min_gap == 1 {
        let mut merged: Vec<(usize, usize)> = Vec::new();
        let mut open = false;
        for (s, e) in out {
            let starts = chars.get(s) == Some(&'(');
            match merged.last_mut() {
                Some(last) if open || starts => {
                    last.1 = e;
                }
                _ => merged.push((s, e)),
            }
            let tok: String = chars.get(s..e).unwrap_or(&[]).iter().collect();
            if starts || open {
                open = !tok.ends_with(')');
            }
        }
        return merged;
    }
    out
}

fn split_tokens(chars: &[char], cols: &[Col], min_gap: usize) -> Option<Vec<Cell>> {
    let toks = tokens(chars, min_gap);
    let n = cols.len();
    let rest = cols.last().is_some_and(|c| is_rest_col(&c.name));
    if toks.len() != n && !(rest && toks.len() > n) {
        return None;
    }
    let mut cells = Vec::with_capacity(n);
    for (j, &(s, e)) in toks.iter().take(n).enumerate() {
        let e = if j + 1 == n { chars.len() } else { e };
        cells.push(Cell {
            text: chars
                .get(s..e)?
                .iter()
                .collect::<String>()
                .trim()
                .to_string(),
            pos: s,
        });
    }
    Some(cells)
}

/// Parses the table(s) in the text; several tables may follow each other (a blank line or a
/// new header starts the next).
pub fn parse(text: &str) -> TableOutput {
    let mut out = TableOutput::default();
    let mut hdr: Option<Header> = None;
    let mut after_blank = false;
    // The event row being read, which continuation lines may extend.
    let mut pending: Option<Pending> = None;
    for (li, line) in lines(text).enumerate() {
        let line = &line;
        if line.is_blank() || line.fence {
            flush(&mut pending, &mut out);
            after_blank = true;
            continue;
        }
        if let Some(h) = header(&line.chars) {
            flush(&mut pending, &mut out);
            if out.kind.is_none() {
                out.kind = Some(h.kind.name());
            }
            hdr = Some(h);
            after_blank = false;
            continue;
        }
        if unknown_header(&line.chars) || is_prompt(&line.chars) {
            // Another kind of table (`kubectl get all` prints replica sets, stateful sets...).
            flush(&mut pending, &mut out);
            hdr = None;
            continue;
        }
        let Some(h) = &hdr else { continue };
        match read_row(h, line) {
            Ok(value) => {
                flush(&mut pending, &mut out);
                pending = Some(Pending {
                    value,
                    kind: h.kind,
                    line: li + 1,
                    start: line.start,
                    end: line.start + line.raw.len(),
                    last_len: line.raw.chars().count(),
                });
                after_blank = false;
            }
            Err(f) => {
                if after_blank {
                    // Not a row of the table that ended at the blank line.
                    flush(&mut pending, &mut out);
                    hdr = None;
                    continue;
                }
                if h.kind == Kind::Event {
                    if let Some(p) = pending.as_mut() {
                        p.continue_message(line);
                        continue;
                    }
                }
                flush(&mut pending, &mut out);
                let col = f
                    .cell
                    .and_then(|c| f_pos(line, h, c))
                    .unwrap_or_else(|| line.column(0));
                out.problems.push(Problem {
                    line: Some(li + 1),
                    column: Some(col),
                    message: format!("{} table row not understood: {}", h.kind.name(), f.msg),
                });
            }
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Column of the failing cell: from the offsets when the row lines up, else the header's.
fn f_pos(line: &Line<'_>, h: &Header, cell: usize) -> Option<usize> {
    let cells = split_offsets(&line.chars, &h.cols)
        .or_else(|| split_tokens(&line.chars, &h.cols, 2))
        .or_else(|| split_tokens(&line.chars, &h.cols, 1));
    let pos = match cells {
        Some(c) => c.get(cell)?.pos,
        None => h.cols.get(cell)?.start,
    };
    Some(line.column(pos))
}

/// Terminal widths: a continuation after a line of exactly this many characters is a hard
/// wrap (joined without a separator); after any other line it is a newline in the message.
const WRAP_WIDTHS: &[usize] = &[80, 100, 120, 132, 140, 150, 160, 180, 200, 220, 240, 250];

struct Pending {
    value: Value,
    kind: Kind,
    line: usize,
    start: usize,
    end: usize,
    last_len: usize,
}

impl Pending {
    fn continue_message(&mut self, line: &Line<'_>) {
        let more = line.text();
        let more = more.trim();
        if let Some(Value::String(m)) = self.value.get_mut("message") {
            if m.is_empty() {
                m.push_str(more);
            } else if line.indented {
                m.push(' ');
                m.push_str(more);
            } else if WRAP_WIDTHS.contains(&self.last_len) {
                // The terminal hard-wrapped the line, possibly inside a word.
                m.push_str(more);
            } else {
                m.push('\n');
                m.push_str(more);
            }
        } else if let Some(o) = self.value.as_object_mut() {
            o.insert("message".into(), Value::String(more.to_string()));
        }
        self.end = line.start + line.raw.len();
        self.last_len = line.raw.chars().count();
    }
}

fn flush(pending: &mut Option<Pending>, out: &mut TableOutput) {
    let Some(p) = pending.take() else { return };
    match parse_value_item(p.value, p.kind.name(), Some(p.kind.api_version()), false) {
        Ok(parsed) => out.objects.push(TableObject {
            object: parsed.object,
            start: p.start,
            end: p.end,
        }),
        Err(e) => out.problems.push(Problem {
            line: Some(p.line),
            column: Some(1),
            message: format!("{} table row not converted: {e}", p.kind.name()),
        }),
    }
}

fn read_row(h: &Header, line: &Line<'_>) -> Result<Value, Fail> {
    let attempts = [
        split_offsets(&line.chars, &h.cols),
        split_tokens(&line.chars, &h.cols, 2),
        split_tokens(&line.chars, &h.cols, 1),
    ];
    let mut first_err: Option<Fail> = None;
    let mut tried: Vec<Vec<String>> = Vec::new();
    for cells in attempts.into_iter().flatten() {
        let key: Vec<String> = cells.iter().map(|c| c.text.clone()).collect();
        if tried.contains(&key) {
            continue;
        }
        tried.push(key);
        let row = Row {
            cols: &h.cols,
            cells,
        };
        match build(h.kind, &row) {
            Ok(v) => return Ok(v),
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some(e);
                }
            }
        }
    }
    Err(first_err.unwrap_or_else(|| {
        fail(
            None,
            format!(
                "its cells do not line up with the {} header columns",
                h.cols.len()
            ),
        )
    }))
}

fn build(kind: Kind, r: &Row<'_>) -> Result<Value, Fail> {
    let mut v = match kind {
        Kind::Pod => pod(r)?,
        Kind::Node => node(r)?,
        Kind::Service => service(r)?,
        Kind::Endpoints => endpoints(r)?,
        Kind::Pvc => pvc(r)?,
        Kind::Deployment => deployment(r)?,
        Kind::Event => event(r)?,
    };
    let meta = v
        .as_object_mut()
        .and_then(|o| {
            o.entry("metadata")
                .or_insert_with(|| json!({}))
                .as_object_mut()
        })
        .ok_or_else(|| fail(None, "internal: no metadata"))?;
    if kind != Kind::Event {
        let mut name = r.req("NAME")?;
        // `kubectl get all` prefixes names with their kind: `pod/web-0`, `deployment.apps/web`.
        if let Some((pre, rest)) = name.split_once('/') {
            if kind_of(pre) == kind.name() && !rest.is_empty() {
                name = rest;
            }
        }
        meta.insert("name".into(), json!(name));
        if let Some(ns) = r.val("NAMESPACE") {
            meta.insert("namespace".into(), json!(ns));
        }
        if let Some(labels) = r.val("LABELS") {
            let map = key_values(labels).ok_or_else(|| fail(r.idx("LABELS"), "bad LABELS"))?;
            meta.insert("labels".into(), Value::Object(map));
        }
    } else if let Some(ns) = r.val("NAMESPACE") {
        meta.insert("namespace".into(), json!(ns));
    }
    let ann = meta
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| fail(None, "internal: no annotations"))?;
    ann.insert("ktriage.io/source".into(), json!("table"));
    if kind != Kind::Event {
        if let Some(age) = r.get("AGE") {
            match parse_age(age) {
                Some(s) => {
                    ann.insert("ktriage.io/age".into(), json!(s.to_string()));
                }
                None if age.starts_with('<') => {}
                None => return Err(fail(r.idx("AGE"), format!("bad AGE {age:?}"))),
            }
        }
    }
    Ok(v)
}

/// `a=b,c=d` as a map; `None` when an item has no `=`.
fn key_values(s: &str) -> Option<Map<String, Value>> {
    let mut m = Map::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (k, v) = item.split_once('=')?;
        if k.is_empty() || k.contains(' ') {
            return None;
        }
        m.insert(k.to_string(), json!(v));
    }
    Some(m)
}

fn ratio(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('/')?;
    let a: u32 = a.trim().parse().ok()?;
    let b: u32 = b.trim().parse().ok()?;
    (a <= b && b <= 1000).then_some((a, b))
}

/// RESTARTS: `5` or `5 (2m ago)`.
fn restarts(s: &str) -> Option<(u32, Option<u64>)> {
    let (n, rest) = match s.split_once(' ') {
        Some((n, rest)) => (n, Some(rest.trim())),
        None => (s, None),
    };
    let n: u32 = n.parse().ok()?;
    let ago = match rest {
        None => None,
        Some(r) => {
            let inner = r.strip_prefix('(')?.strip_suffix(')')?.trim();
            let age = inner.strip_suffix("ago")?.trim();
            match parse_age(age) {
                Some(a) => Some(a),
                None if age.starts_with('<') => None,
                None => return None,
            }
        }
    };
    Some((n, ago))
}

const WAITING: &[&str] = &[
    "ContainerCreating",
    "PodInitializing",
    "CrashLoopBackOff",
    "ErrImagePull",
    "ImagePullBackOff",
    "ErrImageNeverPull",
    "InvalidImageName",
    "ImageInspectError",
    "RegistryUnavailable",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "ContainerCannotRun",
    "PreStartHookError",
    "PostStartHookError",
];

const POD_FAILED: &[&str] = &[
    "Evicted",
    "NodeAffinity",
    "UnexpectedAdmissionError",
    "NodeShutdown",
    "Shutdown",
    "Terminated",
    "DeadlineExceeded",
];

/// A terminated state for a reason: `(reason, exit code)`.
fn terminated(reason: &str) -> Option<(Option<&str>, i64)> {
    Some(match reason {
        "Completed" => (Some(reason), 0),
        "Error" => (Some(reason), 1),
        "OOMKilled" | "ContainerStatusUnknown" => (Some(reason), 137),
        "StartError" => (Some(reason), 128),
        _ => {
            if let Some(n) = reason.strip_prefix("Signal:") {
                (None, 128 + n.parse::<i64>().ok()?)
            } else if let Some(n) = reason.strip_prefix("ExitCode:") {
                (None, n.parse::<i64>().ok()?)
            } else {
                return None;
            }
        }
    })
}

fn term_state(reason: &str) -> Option<Value> {
    let (r, code) = terminated(reason)?;
    let mut t = json!({ "exitCode": code });
    if let (Some(r), Some(o)) = (r, t.as_object_mut()) {
        o.insert("reason".into(), json!(r));
    }
    Some(json!({ "terminated": t }))
}

fn waiting(reason: Option<&str>) -> Value {
    match reason {
        Some(r) => json!({ "waiting": { "reason": r } }),
        None => json!({ "waiting": {} }),
    }
}

fn pod(r: &Row<'_>) -> Result<Value, Fail> {
    let ready_s = r.req("READY")?;
    let (ready, total) =
        ratio(ready_s).ok_or_else(|| fail(r.idx("READY"), format!("bad READY {ready_s:?}")))?;
    let status = r.req("STATUS")?;
    let restarts_s = r.req("RESTARTS")?;
    let (restart_count, ago) = restarts(restarts_s)
        .ok_or_else(|| fail(r.idx("RESTARTS"), format!("bad RESTARTS {restarts_s:?}")))?;
    let st_fail = || fail(r.idx("STATUS"), format!("unknown STATUS {status:?}"));
    if status.contains(' ') {
        return Err(st_fail());
    }
    let problem = if ready < total { ready } else { 0 } as usize;
    let running = json!({ "running": {} });

    let phase: &str;
    let mut pod_reason: Option<&str> = None;
    // State of the problem container, and of the others.
    let mut special: Option<Value> = None;
    let mut others: Option<Value>;
    let mut init: Vec<Value> = Vec::new();
    let mut restarts_on_init = false;
    let mut init_target = 0usize;
    let mut conditions: Vec<Value> = Vec::new();
    let mut terminating = false;
    if let Some(rest) = status.strip_prefix("Init:") {
        phase = "Pending";
        others = Some(waiting(Some("PodInitializing")));
        restarts_on_init = true;
        if let Some((n, m)) = ratio(rest) {
            init_target = n as usize;
            for i in 0..m {
                let state = match i.cmp(&n) {
                    std::cmp::Ordering::Less => {
                        json!({"terminated": {"reason": "Completed", "exitCode": 0}})
                    }
                    std::cmp::Ordering::Equal => running.clone(),
                    std::cmp::Ordering::Greater => waiting(Some("PodInitializing")),
                };
                init.push(state);
            }
        } else if let Some(t) = term_state(rest) {
            init.push(t);
        } else if WAITING.contains(&rest) {
            init.push(waiting(Some(rest)));
        } else {
            return Err(st_fail());
        }
    } else {
        match status {
            "Running" | "NotReady" | "Terminating" => {
                phase = "Running";
                others = Some(running.clone());
                terminating = status == "Terminating";
            }
            "Pending" | "SchedulingGated" => {
                phase = "Pending";
                others = None;
                if status == "SchedulingGated" {
                    conditions.push(json!({"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}));
                }
            }
            "ContainerCreating" | "PodInitializing" => {
                phase = "Pending";
                others = Some(waiting(Some(status)));
            }
            "Succeeded" | "Failed" => {
                phase = status;
                others = None;
            }
            "Unknown" | "NodeLost" => {
                phase = "Unknown";
                others = None;
                if status == "NodeLost" {
                    pod_reason = Some(status);
                }
            }
            s if POD_FAILED.contains(&s) || s.starts_with("OutOf") => {
                phase = "Failed";
                pod_reason = Some(s);
                others = None;
            }
            s if WAITING.contains(&s) => {
                phase = if s == "CrashLoopBackOff" || restart_count > 0 {
                    "Running"
                } else {
                    "Pending"
                };
                special = Some(waiting(Some(s)));
                others = Some(if phase == "Running" {
                    running.clone()
                } else {
                    waiting(Some("ContainerCreating"))
                });
            }
            s => {
                let t = term_state(s).ok_or_else(st_fail)?;
                if s == "Completed" {
                    phase = if restart_count > 0 || ready > 0 {
                        "Running"
                    } else {
                        "Succeeded"
                    };
                    others = Some(if phase == "Running" {
                        running.clone()
                    } else {
                        t.clone()
                    });
                } else {
                    phase = if restart_count > 0 || ready > 0 {
                        "Running"
                    } else {
                        "Failed"
                    };
                    others = if phase == "Running" {
                        Some(running.clone())
                    } else {
                        None
                    };
                }
                special = Some(t);
            }
        }
    }
    if phase == "Running" && others.is_none() {
        others = Some(running.clone());
    }

    let mut containers = Vec::new();
    let mut statuses = Vec::new();
    for i in 0..total as usize {
        let name = format!("container-{}", i + 1);
        containers.push(json!({ "name": name }));
        let state = if i == problem && special.is_some() {
            special.clone()
        } else {
            others.clone()
        };
        let Some(state) = state else { continue };
        let mut cs = json!({
            "name": name,
            "ready": i < ready as usize,
            "restartCount": if i == problem && !restarts_on_init { restart_count } else { 0 },
            "state": state,
        });
        if let Some(o) = cs.as_object_mut() {
            let is_running = o.get("state").and_then(|s| s.get("running")).is_some();
            o.insert("started".into(), json!(is_running));
        }
        statuses.push(cs);
    }
    let mut init_specs = Vec::new();
    let mut init_statuses = Vec::new();
    for (i, state) in init.into_iter().enumerate() {
        let name = format!("init-{}", i + 1);
        init_specs.push(json!({ "name": name }));
        let done = state
            .get("terminated")
            .and_then(|t| t.get("exitCode"))
            .and_then(Value::as_i64)
            == Some(0);
        // The restarts belong to the running init container (`Init:N/M`) or the failing one.
        let count = if i == init_target { restart_count } else { 0 };
        init_statuses
            .push(json!({ "name": name, "ready": done, "restartCount": count, "state": state }));
    }

    let mut spec = json!({ "containers": containers });
    let mut st = json!({ "phase": phase });
    let mut ann = Map::new();
    ann.insert("ktriage.io/status".into(), json!(status));
    if let Some(a) = ago {
        ann.insert("ktriage.io/last-restart-age".into(), json!(a.to_string()));
    }
    if terminating {
        ann.insert("ktriage.io/terminating".into(), json!("true"));
    }
    if let (Some(so), Some(sp)) = (st.as_object_mut(), spec.as_object_mut()) {
        if let Some(reason) = pod_reason {
            so.insert("reason".into(), json!(reason));
        }
        if !statuses.is_empty() {
            so.insert("containerStatuses".into(), Value::Array(statuses));
        }
        if !init_specs.is_empty() {
            sp.insert("initContainers".into(), Value::Array(init_specs));
            so.insert("initContainerStatuses".into(), Value::Array(init_statuses));
        }
        if !conditions.is_empty() {
            so.insert("conditions".into(), Value::Array(conditions));
        }
        if let Some(ip) = r.val("IP") {
            so.insert("podIP".into(), json!(ip));
        }
        if let Some(n) = r.val("NOMINATED NODE") {
            so.insert("nominatedNodeName".into(), json!(n));
        }
        if let Some(n) = r.val("NODE") {
            sp.insert("nodeName".into(), json!(n));
        }
    }
    Ok(json!({ "metadata": { "annotations": ann }, "spec": spec, "status": st }))
}

fn node(r: &Row<'_>) -> Result<Value, Fail> {
    let status = r.req("STATUS")?;
    let mut ready: Option<&str> = None;
    let mut unschedulable = false;
    for part in status.split(',') {
        match part.trim() {
            "Ready" => ready = Some("True"),
            "NotReady" => ready = Some("False"),
            "Unknown" => ready = Some("Unknown"),
            "SchedulingDisabled" => unschedulable = true,
            _ => {
                return Err(fail(
                    r.idx("STATUS"),
                    format!("unknown node STATUS {status:?}"),
                ))
            }
        }
    }
    let mut labels = Map::new();
    if let Some(roles) = r.val("ROLES") {
        for role in roles.split(',').filter(|x| !x.is_empty()) {
            labels.insert(format!("node-role.kubernetes.io/{role}"), json!(""));
        }
    }
    let mut info = Map::new();
    for (col, field) in [
        ("VERSION", "kubeletVersion"),
        ("OS-IMAGE", "osImage"),
        ("KERNEL-VERSION", "kernelVersion"),
        ("CONTAINER-RUNTIME", "containerRuntimeVersion"),
    ] {
        if let Some(v) = r.val(col) {
            info.insert(field.into(), json!(v));
        }
    }
    let mut addresses = Vec::new();
    if let Some(ip) = r.val("INTERNAL-IP") {
        addresses.push(json!({"type": "InternalIP", "address": ip}));
    }
    if let Some(ip) = r.val("EXTERNAL-IP") {
        addresses.push(json!({"type": "ExternalIP", "address": ip}));
    }
    let mut st = Map::new();
    if let Some(s) = ready {
        st.insert(
            "conditions".into(),
            json!([{ "type": "Ready", "status": s }]),
        );
    }
    if !info.is_empty() {
        st.insert("nodeInfo".into(), Value::Object(info));
    }
    if !addresses.is_empty() {
        st.insert("addresses".into(), Value::Array(addresses));
    }
    let mut spec = Map::new();
    if unschedulable {
        spec.insert("unschedulable".into(), json!(true));
    }
    Ok(json!({
        "metadata": { "labels": labels, "annotations": { "ktriage.io/status": status } },
        "spec": spec,
        "status": st,
    }))
}

fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

fn service(r: &Row<'_>) -> Result<Value, Fail> {
    // Old kubectl (<= 1.7) printed no TYPE column.
    let ty = r.get("TYPE");
    if r.idx("TYPE").is_some() && ty.is_none() {
        return Err(fail(r.idx("TYPE"), "empty TYPE cell"));
    }
    if let Some(ty) = ty {
        if !matches!(
            ty,
            "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
        ) {
            return Err(fail(r.idx("TYPE"), format!("unknown service TYPE {ty:?}")));
        }
    }
    let mut spec = Map::new();
    let mut st = Map::new();
    let mut ann = Map::new();
    if let Some(ty) = ty {
        spec.insert("type".into(), json!(ty));
    }
    if let Some(ip) = r.val("CLUSTER-IP") {
        spec.insert("clusterIP".into(), json!(ip));
    }
    if let Some(ext) = r.val("EXTERNAL-IP").filter(|e| *e != "<nodes>") {
        let items: Vec<&str> = ext.split(',').filter(|x| !x.is_empty()).collect();
        match ty {
            Some("ExternalName") => {
                spec.insert("externalName".into(), json!(ext));
            }
            _ if ext == "<pending>" => {
                st.insert("loadBalancer".into(), json!({}));
            }
            Some("LoadBalancer") => {
                let ingress: Vec<Value> = items
                    .iter()
                    .map(|x| {
                        if is_ip(x) {
                            json!({ "ip": x })
                        } else {
                            json!({ "hostname": x })
                        }
                    })
                    .collect();
                st.insert("loadBalancer".into(), json!({ "ingress": ingress }));
            }
            Some(_) => {
                spec.insert("externalIPs".into(), json!(items));
            }
            None => {
                // Load balancer address or external IP: the table does not say which.
                ann.insert("ktriage.io/external-ip".into(), json!(ext));
            }
        }
    }
    let ports_s = r.req("PORT(S)")?;
    if ports_s != "<none>" {
        let mut ports = Vec::new();
        for p in ports_s.split(',').filter(|x| !x.is_empty()) {
            let bad = || fail(r.idx("PORT(S)"), format!("bad port {p:?}"));
            let (nums, proto) = p.split_once('/').ok_or_else(bad)?;
            if !matches!(proto, "TCP" | "UDP" | "SCTP") {
                return Err(bad());
            }
            let (port, node_port) = match nums.split_once(':') {
                Some((a, b)) => (a, Some(b)),
                None => (nums, None),
            };
            let port: i32 = port.parse().map_err(|_| bad())?;
            let mut pj = json!({ "port": port, "protocol": proto });
            if let (Some(np), Some(o)) = (node_port, pj.as_object_mut()) {
                let np: i32 = np.parse().map_err(|_| bad())?;
                o.insert("nodePort".into(), json!(np));
            }
            ports.push(pj);
        }
        spec.insert("ports".into(), Value::Array(ports));
    }
    if let Some(sel) = r.val("SELECTOR") {
        let m = key_values(sel).ok_or_else(|| fail(r.idx("SELECTOR"), "bad SELECTOR"))?;
        spec.insert("selector".into(), Value::Object(m));
    }
    Ok(json!({ "metadata": { "annotations": ann }, "spec": spec, "status": st }))
}

fn endpoints(r: &Row<'_>) -> Result<Value, Fail> {
    let eps = r.req("ENDPOINTS")?;
    let mut ann = Map::new();
    let mut list = eps;
    if let Some((head, more)) = eps.split_once(" + ") {
        let n = more
            .strip_suffix(" more...")
            .and_then(|n| n.trim().parse::<u64>().ok())
            .ok_or_else(|| fail(r.idx("ENDPOINTS"), format!("bad ENDPOINTS {eps:?}")))?;
        ann.insert("ktriage.io/endpoints-more".into(), json!(n.to_string()));
        list = head;
    }
    // Port → addresses, in order.
    let mut by_port: Vec<(i32, Vec<String>)> = Vec::new();
    if !matches!(list, "<none>" | "<pending>") {
        for item in list.split(',').filter(|x| !x.is_empty()) {
            let bad = || fail(r.idx("ENDPOINTS"), format!("bad endpoint {item:?}"));
            let (ip, port) = item.rsplit_once(':').ok_or_else(bad)?;
            let ip = ip.trim_start_matches('[').trim_end_matches(']');
            let port: i32 = port.parse().map_err(|_| bad())?;
            if !is_ip(ip) {
                return Err(bad());
            }
            match by_port.iter_mut().find(|(p, _)| *p == port) {
                Some((_, ips)) => ips.push(ip.to_string()),
                None => by_port.push((port, vec![ip.to_string()])),
            }
        }
    }
    // Ports with the same addresses share a subset.
    let mut subsets: Vec<(Vec<String>, Vec<i32>)> = Vec::new();
    for (port, ips) in by_port {
        match subsets.iter_mut().find(|(a, _)| *a == ips) {
            Some((_, ports)) => ports.push(port),
            None => subsets.push((ips, vec![port])),
        }
    }
    let subsets: Vec<Value> = subsets
        .into_iter()
        .map(|(ips, ports)| {
            json!({
                "addresses": ips.iter().map(|ip| json!({ "ip": ip })).collect::<Vec<_>>(),
                "ports": ports.iter().map(|p| json!({ "port": p })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json!({ "metadata": { "annotations": ann }, "subsets": subsets }))
}

fn pvc(r: &Row<'_>) -> Result<Value, Fail> {
    let status = r.req("STATUS")?;
    if !matches!(status, "Bound" | "Pending" | "Lost" | "Terminating") {
        return Err(fail(
            r.idx("STATUS"),
            format!("unknown PVC STATUS {status:?}"),
        ));
    }
    let mut spec = Map::new();
    let mut st = Map::new();
    let mut ann = Map::new();
    ann.insert("ktriage.io/status".into(), json!(status));
    if status == "Terminating" {
        ann.insert("ktriage.io/terminating".into(), json!("true"));
    } else {
        st.insert("phase".into(), json!(status));
    }
    if let Some(v) = r.val("VOLUME") {
        spec.insert("volumeName".into(), json!(v));
    }
    if let Some(c) = r.val("CAPACITY") {
        st.insert("capacity".into(), json!({ "storage": c }));
    }
    if let Some(m) = r.val("ACCESS MODES") {
        let mut modes = Vec::new();
        for x in m.split(',') {
            modes.push(match x {
                "RWO" => "ReadWriteOnce",
                "ROX" => "ReadOnlyMany",
                "RWX" => "ReadWriteMany",
                "RWOP" => "ReadWriteOncePod",
                _ => {
                    return Err(fail(
                        r.idx("ACCESS MODES"),
                        format!("unknown access mode {x:?}"),
                    ))
                }
            });
        }
        st.insert("accessModes".into(), json!(modes));
        spec.insert("accessModes".into(), json!(modes));
    }
    if let Some(c) = r.val("STORAGECLASS") {
        spec.insert("storageClassName".into(), json!(c));
    }
    if let Some(c) = r.val("VOLUMEATTRIBUTESCLASS") {
        spec.insert("volumeAttributesClassName".into(), json!(c));
    }
    if let Some(m) = r.val("VOLUMEMODE") {
        spec.insert("volumeMode".into(), json!(m));
    }
    Ok(json!({ "metadata": { "annotations": ann }, "spec": spec, "status": st }))
}

fn count(r: &Row<'_>, col: &str) -> Result<Option<i32>, Fail> {
    match r.get(col) {
        None => Ok(None),
        Some(s) => s
            .parse::<i32>()
            .map(Some)
            .map_err(|_| fail(r.idx(col), format!("bad {col} {s:?}"))),
    }
}

fn deployment(r: &Row<'_>) -> Result<Value, Fail> {
    let mut spec = Map::new();
    let mut st = Map::new();
    if let Some(ready) = r.get("READY") {
        let (a, b) =
            ratio(ready).ok_or_else(|| fail(r.idx("READY"), format!("bad READY {ready:?}")))?;
        spec.insert("replicas".into(), json!(b));
        st.insert("readyReplicas".into(), json!(a));
    } else if r.idx("READY").is_some() {
        return Err(fail(r.idx("READY"), "empty READY cell"));
    }
    if let Some(d) = count(r, "DESIRED")? {
        spec.insert("replicas".into(), json!(d));
    }
    if let Some(c) = count(r, "CURRENT")? {
        st.insert("replicas".into(), json!(c));
    }
    let up =
        count(r, "UP-TO-DATE")?.ok_or_else(|| fail(r.idx("UP-TO-DATE"), "empty UP-TO-DATE"))?;
    let avail =
        count(r, "AVAILABLE")?.ok_or_else(|| fail(r.idx("AVAILABLE"), "empty AVAILABLE"))?;
    st.insert("updatedReplicas".into(), json!(up));
    st.insert("availableReplicas".into(), json!(avail));
    if let (Some(names), Some(images)) = (r.val("CONTAINERS"), r.val("IMAGES")) {
        let names: Vec<&str> = names.split(',').collect();
        let images: Vec<&str> = images.split(',').collect();
        if names.len() != images.len() {
            return Err(fail(
                r.idx("IMAGES"),
                "CONTAINERS and IMAGES differ in number",
            ));
        }
        let cs: Vec<Value> = names
            .iter()
            .zip(&images)
            .map(|(n, i)| json!({ "name": n, "image": i }))
            .collect();
        spec.insert("template".into(), json!({ "spec": { "containers": cs } }));
    }
    if let Some(sel) = r.val("SELECTOR") {
        // Only plain `k=v` selectors; set-based ones are left out.
        if let Some(m) = key_values(sel) {
            spec.insert("selector".into(), json!({ "matchLabels": m }));
        }
    }
    Ok(json!({ "spec": spec, "status": st }))
}

/// A lowercase or written kind (`pod`, `Pod`, `replicaset`) as its Kind.
fn kind_of(s: &str) -> String {
    let base = s.split('.').next().unwrap_or(s);
    typed_kind_names()
        .chain([
            "Lease",
            "CustomResourceDefinition",
            "Role",
            "RoleBinding",
            "ClusterRole",
            "ClusterRoleBinding",
            "PriorityClass",
            "CSINode",
            "VolumeAttachment",
        ])
        .find(|k| k.eq_ignore_ascii_case(base))
        .map(str::to_string)
        .unwrap_or_else(|| base.to_string())
}

fn is_age_text(s: &str) -> bool {
    s.starts_with("<unknown>") || s.starts_with("<invalid>")
}

fn event(r: &Row<'_>) -> Result<Value, Fail> {
    let last_s = r.req("LAST SEEN")?;
    let (last, cnt, mut first) = parse_event_age(last_s);
    // `kubectl events` prints `61s (x2 over 6m)` or, for a single occurrence, the bare age;
    // `kubectl get events` always prints the bare age (lower-case `pod/x` objects), so without
    // COUNT/FIRST SEEN columns its count and first occurrence are unknown.
    let bare_get = !last_s.contains("(x")
        && r.get("OBJECT")
            .is_some_and(|o| o.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    let mut cnt = (!bare_get).then_some(cnt);
    if bare_get {
        first = None;
    }
    if last.is_none() && !is_age_text(last_s) {
        return Err(fail(
            r.idx("LAST SEEN"),
            format!("bad LAST SEEN {last_s:?}"),
        ));
    }
    if let Some(f) = r.get("FIRST SEEN") {
        first = parse_age(f);
        if first.is_none() && !is_age_text(f) {
            return Err(fail(r.idx("FIRST SEEN"), format!("bad FIRST SEEN {f:?}")));
        }
    }
    if let Some(c) = count(r, "COUNT")? {
        cnt = Some(c);
    }
    let ty = r.req("TYPE")?;
    if !ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        || !ty.chars().all(|c| c.is_ascii_alphabetic())
    {
        return Err(fail(r.idx("TYPE"), format!("bad TYPE {ty:?}")));
    }
    let reason = r.req("REASON")?;
    if reason.contains(char::is_whitespace) {
        return Err(fail(r.idx("REASON"), format!("bad REASON {reason:?}")));
    }
    let ns = r.val("NAMESPACE");
    let mut involved = Map::new();
    let mut meta = Map::new();
    if let Some(obj) = r.get("OBJECT") {
        let (k, n) = obj
            .split_once('/')
            .filter(|(k, n)| !k.is_empty() && !n.is_empty() && !n.contains(' '))
            .ok_or_else(|| fail(r.idx("OBJECT"), format!("bad OBJECT {obj:?}")))?;
        involved.insert("kind".into(), json!(kind_of(k)));
        involved.insert("name".into(), json!(n));
        if let Some(name) = r.val("NAME") {
            meta.insert("name".into(), json!(name));
        }
    } else {
        // Old layout: NAME is the event's name, `<object>.<hex>`.
        let name = r.req("NAME")?;
        let k = r.req("KIND")?;
        let obj = match name.rsplit_once('.') {
            Some((o, hex)) if hex.len() >= 8 && hex.chars().all(|c| c.is_ascii_hexdigit()) => o,
            _ => name,
        };
        involved.insert("kind".into(), json!(kind_of(k)));
        involved.insert("name".into(), json!(obj));
        meta.insert("name".into(), json!(name));
    }
    let namespaced = !matches!(
        involved.get("kind").and_then(Value::as_str),
        Some("Node" | "Namespace" | "PersistentVolume" | "StorageClass")
    );
    if let (Some(ns), true) = (ns, namespaced) {
        involved.insert("namespace".into(), json!(ns));
    }
    if let Some(sub) = r.val("SUBOBJECT") {
        involved.insert("fieldPath".into(), json!(sub));
    }
    let mut ann = Map::new();
    if let Some(l) = last {
        ann.insert("ktriage.io/last-seen-age".into(), json!(l.to_string()));
    }
    if let Some(f) = first {
        ann.insert("ktriage.io/first-seen-age".into(), json!(f.to_string()));
    }
    meta.insert("annotations".into(), Value::Object(ann));
    let mut v = json!({
        "metadata": meta,
        "involvedObject": involved,
        "reason": reason,
        "type": ty,
        "message": r.get("MESSAGE").unwrap_or(""),
    });
    if let (Some(c), Some(o)) = (cnt, v.as_object_mut()) {
        o.insert("count".into(), json!(c));
    }
    if let (Some(src), Some(o)) = (r.val("SOURCE"), v.as_object_mut()) {
        let source = match src.split_once(',') {
            Some((c, h)) => json!({ "component": c.trim(), "host": h.trim() }),
            None => json!({ "component": src }),
        };
        o.insert("source".into(), source);
    }
    Ok(v)
}

#[cfg(test)]
mod tests;
