//! The `Events:` table of a described object: one core/v1 Event per row.
//!
//! Header generations: `Type Reason Age From Message` (1.10+), `FirstSeen LastSeen Count From
//! SubObjectPath Type Reason Message` (relative ages, ~1.2–1.9) and the 2015 `FirstSeen LastSeen
//! Count From SubobjectPath Reason Message` (absolute times). Rows are cut at the header's column
//! offsets first, and tokenised when that fails (collapsed whitespace, tabs). A line that does
//! not start a row continues the previous message.

use super::{rfc1123_to_rfc3339, trim_range, DescribeOutput, Described, FieldSpan, NLine};
use crate::ingest::age::{parse_age, parse_event_age};
use crate::ingest::ledger::Problem;
use crate::model::object::parse_value_item;
use serde_json::{json, Map, Value};

/// The object the events are about.
pub(crate) struct Target<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gen {
    /// `Type Reason Age From Message`.
    Modern,
    /// `FirstSeen LastSeen Count From SubObjectPath [Type] Reason Message`.
    Old { has_type: bool, has_path: bool },
}

/// A cell: byte range in a line's text.
#[derive(Clone, Copy, Debug)]
struct Cell {
    a: usize,
    b: usize,
}

#[derive(Debug, Default)]
struct Row {
    first_line: usize,
    last_line: usize,
    type_: Option<String>,
    reason: Option<String>,
    from: Option<String>,
    path: Option<String>,
    count: Option<i32>,
    last_age: Option<u64>,
    first_age: Option<u64>,
    first_time: Option<String>,
    last_time: Option<String>,
    message: String,
    spans: Vec<(&'static str, usize, Cell)>,
}

pub(crate) fn parse_events(
    lines: &[NLine],
    target: &Target<'_>,
    out: &mut DescribeOutput,
    problems: &mut Vec<Problem>,
) {
    let mut gen: Option<Gen> = None;
    let mut starts: Vec<usize> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut after_blank = false;
    let mut ended = false;
    let mut prev_line: Option<usize> = None;
    let mut row_failed = false;
    for (i, l) in lines.iter().enumerate() {
        let t = l.text.trim();
        if i == 0 {
            // `Events:` itself, possibly `Events:  <none>`.
            let v = l.text.split_once(':').map_or("", |x| x.1).trim();
            if v == "<none>" || v.is_empty() || v == "No events." || t == "No events." {
                continue;
            }
            problem(problems, l, 0, format!("`Events:` followed by `{v}`"));
            continue;
        }
        if t.is_empty() {
            after_blank = true;
            continue;
        }
        if ended {
            problem(
                problems,
                l,
                l.indent,
                "line after the events table not understood",
            );
            continue;
        }
        if t == "No events." || t == "<none>" {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        if gen.is_none() || words.first() == Some(&"Type") || words.first() == Some(&"FirstSeen") {
            if let Some(g) = header(&words) {
                gen = Some(g);
                starts = super::header_starts(&l.text);
                continue;
            }
        }
        if t.chars().all(|c| matches!(c, '-' | '─' | ' ' | '\t')) {
            continue;
        }
        let Some(g) = gen else {
            problem(problems, l, l.indent, "events table without a header");
            continue;
        };
        if starts_row(g, &words) {
            after_blank = false;
            match parse_row(g, l, &starts) {
                Some(mut r) => {
                    r.first_line = i;
                    r.last_line = i;
                    rows.push(r);
                    row_failed = false;
                }
                None => {
                    problem(problems, l, l.indent, "event row not understood");
                    row_failed = true;
                }
            }
            prev_line = Some(i);
            continue;
        }
        if after_blank {
            ended = true;
            problem(
                problems,
                l,
                l.indent,
                "line after the events table not understood",
            );
            continue;
        }
        // A continuation of the previous message (of a row already reported when that failed).
        if row_failed {
            continue;
        }
        let Some(r) = rows.last_mut() else {
            problem(problems, l, l.indent, "event text before any event row");
            continue;
        };
        let prev = prev_line.and_then(|p| lines.get(p));
        let glue = match prev {
            Some(p) => {
                let last = r.message.chars().last();
                let next = t.chars().next();
                if p.width >= 80
                    && last.is_some_and(char::is_alphabetic)
                    && next.is_some_and(char::is_alphabetic)
                {
                    ""
                } else {
                    " "
                }
            }
            None => " ",
        };
        if !r.message.is_empty() {
            r.message.push_str(glue);
        }
        r.message.push_str(t);
        r.last_line = i;
        prev_line = Some(i);
    }
    for (n, r) in rows.into_iter().enumerate() {
        emit(n + 1, r, lines, target, out, problems);
    }
}

fn problem(problems: &mut Vec<Problem>, l: &NLine, a: usize, msg: impl Into<String>) {
    problems.push(Problem {
        line: Some(l.no),
        column: Some(l.column(a)),
        message: msg.into(),
    });
}

fn header(words: &[&str]) -> Option<Gen> {
    let has = |w: &str| words.iter().any(|x| x.eq_ignore_ascii_case(w));
    match words.first() {
        Some(&"Type") if has("Reason") && has("Message") => Some(Gen::Modern),
        Some(&"FirstSeen") if has("Reason") => Some(Gen::Old {
            has_type: has("Type"),
            has_path: has("SubObjectPath"),
        }),
        _ => None,
    }
}

fn is_type(w: &str) -> bool {
    matches!(w, "Normal" | "Warning")
}

fn is_age(w: &str) -> bool {
    w == "<unknown>" || w == "<invalid>" || parse_age(w).is_some()
}

fn is_weekday(w: &str) -> bool {
    matches!(
        w,
        "Mon," | "Tue," | "Wed," | "Thu," | "Fri," | "Sat," | "Sun,"
    )
}

fn starts_row(g: Gen, words: &[&str]) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    match g {
        Gen::Modern => is_type(first) && words.len() >= 3,
        Gen::Old { .. } => {
            is_weekday(first)
                || (is_age(first) && words.get(1).is_some_and(|w| is_age(w) || is_weekday(w)))
        }
    }
}

/// Whitespace-separated tokens with their byte ranges.
fn tokens(t: &str) -> Vec<Cell> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in t.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Cell { a: s, b: i });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Cell { a: s, b: t.len() });
    }
    out
}

fn cell(t: &str, c: Cell) -> &str {
    t.get(c.a..c.b).unwrap_or("")
}

fn parse_row(g: Gen, l: &NLine, starts: &[usize]) -> Option<Row> {
    match g {
        Gen::Modern => by_offsets(l, starts).or_else(|| by_tokens_modern(l)),
        Gen::Old { has_type, has_path } => by_tokens_old(l, has_type, has_path),
    }
}

fn fill_modern(t: &str, ty: Cell, reason: Cell, age: Cell, from: Cell, msg: Cell) -> Option<Row> {
    let age_s = cell(t, age);
    let head = age_s.split_whitespace().next().unwrap_or("");
    if !is_type(cell(t, ty))
        || !is_age(head)
        || age_s.contains("  ")
        || cell(t, reason).contains(' ')
        || cell(t, reason).is_empty()
    {
        return None;
    }
    let (last, count, first) = parse_event_age(age_s);
    let mut r = Row {
        type_: Some(cell(t, ty).to_string()),
        reason: Some(cell(t, reason).to_string()),
        from: Some(cell(t, from).to_string()).filter(|s| !s.is_empty()),
        count: Some(count),
        last_age: last,
        first_age: first,
        message: cell(t, msg).to_string(),
        ..Row::default()
    };
    r.spans = vec![("type", 0, ty), ("reason", 0, reason), ("message", 0, msg)];
    if !cell(t, from).is_empty() {
        r.spans.push(("source", 0, from));
    }
    // The age of the last occurrence, and the count in `(xN over ...)`.
    r.spans.push((
        "metadata.annotations.ktriage.io/last-seen-age",
        0,
        Cell {
            a: age.a,
            b: age.a + head.len(),
        },
    ));
    if let Some(x) = age_s.find("(x") {
        let digits = age_s
            .get(x + 2..)
            .map_or(0, |d| d.chars().take_while(char::is_ascii_digit).count());
        let a = age.a + x + 2;
        r.spans.push(("count", 0, Cell { a, b: a + digits }));
    }
    Some(r)
}

fn by_offsets(l: &NLine, starts: &[usize]) -> Option<Row> {
    if starts.len() != 5 {
        return None;
    }
    let t = &l.text;
    let mut cells = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = if i == 4 {
            t.len()
        } else {
            starts.get(i + 1).copied()?.min(t.len())
        };
        if s > t.len() {
            return None;
        }
        if s > 0 && t.as_bytes().get(s - 1) != Some(&b' ') {
            return None;
        }
        let (a, b) = trim_range(t, s, e.max(s));
        cells.push(Cell { a, b });
    }
    // A cell must not run into the next column.
    for (i, c) in cells.iter().enumerate().take(4) {
        if let Some(&next) = starts.get(i + 1) {
            if c.b > next {
                return None;
            }
        }
    }
    match cells.as_slice() {
        [ty, reason, age, from, msg] => fill_modern(t, *ty, *reason, *age, *from, *msg),
        _ => None,
    }
}

fn by_tokens_modern(l: &NLine) -> Option<Row> {
    let t = &l.text;
    let toks = tokens(t);
    let ty = *toks.first()?;
    let reason = *toks.get(1)?;
    let mut i = 2;
    let age_start = toks.get(i)?.a;
    let mut age_end = toks.get(i)?.b;
    i += 1;
    if toks.get(i).is_some_and(|c| cell(t, *c).starts_with("(x")) {
        while let Some(c) = toks.get(i) {
            age_end = c.b;
            i += 1;
            if cell(t, *c).ends_with(')') {
                break;
            }
        }
    }
    let age = Cell {
        a: age_start,
        b: age_end,
    };
    let (from, next) = from_tokens(t, &toks, i)?;
    let msg = match toks.get(next) {
        Some(c) => Cell { a: c.a, b: t.len() },
        None => Cell {
            a: t.len(),
            b: t.len(),
        },
    };
    fill_modern(t, ty, reason, age, from, msg)
}

/// The From cell starting at token `i`: `{kubelet node-1}`, `kubelet, node-1`, `kubelet`.
fn from_tokens(t: &str, toks: &[Cell], i: usize) -> Option<(Cell, usize)> {
    let first = *toks.get(i)?;
    let mut end = first.b;
    let mut j = i + 1;
    if cell(t, first).starts_with('{') {
        let mut cur = first;
        while !cell(t, cur).ends_with('}') {
            cur = *toks.get(j)?;
            end = cur.b;
            j += 1;
        }
    } else if cell(t, first).ends_with(',') {
        if let Some(c) = toks.get(j) {
            end = c.b;
            j += 1;
        }
    }
    Some((Cell { a: first.a, b: end }, j))
}

/// A FirstSeen/LastSeen cell at token `i`: a relative age or an RFC1123 time (6 tokens).
fn seen(t: &str, toks: &[Cell], i: usize) -> Option<(Cell, usize)> {
    let c = *toks.get(i)?;
    if is_weekday(cell(t, c)) {
        let last = *toks.get(i + 5)?;
        return Some((Cell { a: c.a, b: last.b }, i + 6));
    }
    if is_age(cell(t, c)) {
        return Some((c, i + 1));
    }
    None
}

fn by_tokens_old(l: &NLine, has_type: bool, has_path: bool) -> Option<Row> {
    let t = &l.text;
    let toks = tokens(t);
    let (first, i) = seen(t, &toks, 0)?;
    let (last, i) = seen(t, &toks, i)?;
    let count_c = *toks.get(i)?;
    let count: i32 = cell(t, count_c).parse().ok()?;
    let (from, mut i) = from_tokens(t, &toks, i + 1)?;
    let mut path = None;
    if has_path {
        if let Some(c) = toks.get(i) {
            let w = cell(t, *c);
            let looks_path =
                w.starts_with("spec.") || w.contains('{') || w.starts_with("implicitly");
            let is_next_type = has_type && is_type(w);
            if looks_path && !is_next_type {
                path = Some(*c);
                i += 1;
                if w == "implicitly" {
                    // `implicitly required container POD`
                    let mut end = c.b;
                    for k in 0..3 {
                        if let Some(x) = toks.get(i + k) {
                            end = x.b;
                        }
                    }
                    path = Some(Cell { a: c.a, b: end });
                    i += 3;
                }
            }
        }
    }
    let mut ty = None;
    if has_type {
        let c = *toks.get(i)?;
        if !is_type(cell(t, c)) {
            return None;
        }
        ty = Some(c);
        i += 1;
    }
    let reason = *toks.get(i)?;
    let msg = match toks.get(i + 1) {
        Some(c) => Cell { a: c.a, b: t.len() },
        None => Cell {
            a: t.len(),
            b: t.len(),
        },
    };
    let mut r = Row {
        type_: ty.map(|c| cell(t, c).to_string()),
        reason: Some(cell(t, reason).to_string()),
        from: Some(cell(t, from).to_string()),
        path: path.map(|c| cell(t, c).to_string()),
        count: Some(count),
        message: cell(t, msg).to_string(),
        ..Row::default()
    };
    for (c, is_first) in [(first, true), (last, false)] {
        let s = cell(t, c);
        if is_weekday(s.split_whitespace().next().unwrap_or("")) {
            let time = rfc1123_to_rfc3339(s);
            if is_first {
                r.first_time = time;
            } else {
                r.last_time = time;
            }
        } else if is_first {
            r.first_age = parse_age(s);
        } else {
            r.last_age = parse_age(s);
        }
    }
    r.spans = vec![
        ("reason", 0, reason),
        ("message", 0, msg),
        ("count", 0, count_c),
        ("source", 0, from),
    ];
    if let Some(c) = ty {
        r.spans.push(("type", 0, c));
    }
    Some(r)
}

/// `kubelet`, `kubelet, node-1`, `{kubelet node-1}`, `{default-scheduler }`.
fn source(from: &str) -> Option<Value> {
    let f = from.trim();
    let inner = f.strip_prefix('{').and_then(|x| x.strip_suffix('}'));
    let (component, host) = match inner {
        Some(i) => {
            let mut w = i.split_whitespace();
            (w.next().unwrap_or(""), w.next())
        }
        None => match f.split_once(',') {
            Some((c, h)) => (c.trim(), Some(h.trim())),
            None => (f, None),
        },
    };
    if component.is_empty() {
        return None;
    }
    let mut m = Map::new();
    m.insert("component".into(), json!(component));
    if let Some(h) = host.filter(|h| !h.is_empty()) {
        m.insert("host".into(), json!(h));
    }
    Some(Value::Object(m))
}

fn emit(
    n: usize,
    r: Row,
    lines: &[NLine],
    target: &Target<'_>,
    out: &mut DescribeOutput,
    problems: &mut Vec<Problem>,
) {
    let mut meta = Map::new();
    meta.insert("name".into(), json!(format!("{}.{n}", target.name)));
    if let Some(ns) = target.namespace {
        meta.insert("namespace".into(), json!(ns));
    }
    let mut ann = Map::new();
    if let Some(a) = r.last_age {
        ann.insert("ktriage.io/last-seen-age".into(), json!(a.to_string()));
    }
    if let Some(a) = r.first_age {
        ann.insert("ktriage.io/first-seen-age".into(), json!(a.to_string()));
    }
    if !ann.is_empty() {
        meta.insert("annotations".into(), Value::Object(ann));
    }
    let mut involved = Map::new();
    involved.insert("kind".into(), json!(target.kind));
    involved.insert("name".into(), json!(target.name));
    if let Some(ns) = target.namespace {
        involved.insert("namespace".into(), json!(ns));
    }
    if let Some(p) = &r.path {
        involved.insert("fieldPath".into(), json!(p));
    }
    let mut ev = Map::new();
    ev.insert("apiVersion".into(), json!("v1"));
    ev.insert("kind".into(), json!("Event"));
    ev.insert("metadata".into(), Value::Object(meta));
    ev.insert("involvedObject".into(), Value::Object(involved));
    if let Some(t) = &r.type_ {
        ev.insert("type".into(), json!(t));
    }
    if let Some(t) = &r.reason {
        ev.insert("reason".into(), json!(t));
    }
    ev.insert("message".into(), json!(r.message));
    if let Some(c) = r.count {
        ev.insert("count".into(), json!(c));
    }
    if let Some(s) = r.from.as_deref().and_then(source) {
        ev.insert("source".into(), s);
    }
    if let Some(t) = &r.first_time {
        ev.insert("firstTimestamp".into(), json!(t));
    }
    if let Some(t) = &r.last_time {
        ev.insert("lastTimestamp".into(), json!(t));
    }
    let first = lines.get(r.first_line);
    let last = lines.get(r.last_line);
    let start = first.map_or(0, |l| l.orig_start);
    let end = last.map_or(start, |l| l.orig_end);
    let mut spans = Vec::new();
    if let Some(l) = first {
        for (path, _, c) in &r.spans {
            let (s, mut e) = l.orig(c.a, c.b);
            if *path == "message" && r.last_line != r.first_line {
                e = end;
            }
            spans.push(FieldSpan {
                path: (*path).to_string(),
                start: s,
                end: e,
            });
        }
    }
    match parse_value_item(Value::Object(ev), "Event", Some("v1"), false) {
        Ok(p) => {
            if let Some(e) = p.kept_untyped {
                if let Some(l) = first {
                    problem(problems, l, l.indent, format!("event kept untyped: {e}"));
                }
            }
            out.objects.push(Described {
                object: p.object,
                start,
                end,
                spans,
            });
        }
        Err(e) => {
            if let Some(l) = first {
                problem(
                    problems,
                    l,
                    l.indent,
                    format!("event could not be built: {e}"),
                );
            }
        }
    }
}
