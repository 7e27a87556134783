//! Findings rendered like compiler errors (miette): the code, severity and message, each piece
//! of evidence as a snippet of the real snapshot file with a label on the cited text, and the
//! help. Only this module knows miette.

use super::locate::Located;
use crate::rules::{Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::collections::BTreeMap;

/// How the annotated text looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Unicode box drawing (ASCII otherwise).
    pub unicode: bool,
    /// Line width.
    pub width: usize,
}

impl Default for Style {
    /// Plain: no colour, ASCII, 100 columns (what files, pipes and tests get).
    fn default() -> Self {
        Style {
            color: false,
            unicode: false,
            width: 100,
        }
    }
}

/// The cited lines of one snapshot file with a few lines around each, numbered as in the file.
/// Runs of lines that are not next to each other are kept apart, at offsets far from each
/// other, so each is shown as its own snippet.
#[derive(Debug)]
struct Snippet {
    name: String,
    chunks: Vec<Chunk>,
}

#[derive(Debug)]
struct Chunk {
    /// Offset of the chunk's first byte in the snippet's offsets.
    base: usize,
    first_line: u64,
    text: String,
}

/// `text` cut to `room` characters, `mark` showing the cut.
fn cut(text: &str, room: usize, mark: &str) -> String {
    match text.char_indices().nth(room) {
        Some((i, _)) => format!("{}{mark}", &text[..i]),
        None => text.to_string(),
    }
}

/// Room left between chunks so that no span of one reaches into the next.
const CHUNK_GAP: usize = 1 << 20;

impl Snippet {
    /// Gathers the contexts of several places in one file, merging lines that overlap or touch.
    /// Lines around the cited ones that are longer than `room` characters are cut, with `mark`
    /// at the end; cited lines are kept whole.
    fn new(name: &str, places: &[&Located], room: usize, mark: &str) -> Snippet {
        let cited: Vec<u64> = places.iter().map(|l| l.line).collect();
        let mut lines: BTreeMap<u64, String> = BTreeMap::new();
        for l in places {
            if let Some(ctx) = &l.context {
                for (i, text) in ctx.text.split('\n').enumerate() {
                    let n = ctx.first_line + i as u64;
                    lines.entry(n).or_insert_with(|| {
                        if cited.contains(&n) {
                            text.to_string()
                        } else {
                            cut(text, room, mark)
                        }
                    });
                }
            }
        }
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut base = 0;
        let mut prev: Option<u64> = None;
        for (n, text) in lines {
            match chunks.last_mut() {
                Some(c) if prev == Some(n - 1) => {
                    c.text.push('\n');
                    c.text.push_str(&text);
                }
                last => {
                    if let Some(c) = last {
                        base = c.base + c.text.len() + CHUNK_GAP;
                    }
                    chunks.push(Chunk {
                        base,
                        first_line: n,
                        text,
                    });
                }
            }
            prev = Some(n);
        }
        Snippet {
            name: name.to_string(),
            chunks,
        }
    }

    /// The span of a place's cited text, in the snippet's offsets.
    /// The text at `len` bytes from `offset` (the snippet's offsets), within one chunk.
    fn text_at(&self, offset: usize, len: usize) -> Option<&str> {
        let chunk = self.chunks.iter().rev().find(|c| c.base <= offset)?;
        chunk
            .text
            .get(offset - chunk.base..offset - chunk.base + len)
    }

    /// The underline stops at `room` characters from the line start.
    fn span(&self, l: &Located, room: usize) -> Option<SourceSpan> {
        let chunk = self.chunks.iter().find(|c| {
            c.first_line <= l.line && l.line - c.first_line < c.text.split('\n').count() as u64
        })?;
        let idx = (l.line - chunk.first_line) as usize;
        let before: usize = chunk.text.split('\n').take(idx).map(|x| x.len() + 1).sum();
        let line = chunk.text.split('\n').nth(idx)?;
        // A column past a cut line points at the cut.
        let col = line
            .char_indices()
            .nth(l.column.saturating_sub(1) as usize)
            .or_else(|| line.char_indices().last())
            .map_or(0, |(i, _)| i);
        let chars = match l.width {
            Some(w) => room.min(l.column.saturating_sub(1) as usize + w as usize),
            None => room,
        };
        // At least the character at the column (which can take several bytes), also when the
        // column is past the room.
        let first_end = line[col..]
            .chars()
            .next()
            .map_or(col, |c| col + c.len_utf8());
        let end = line
            .char_indices()
            .nth(chars)
            .map_or(line.len(), |(i, _)| i)
            .max(first_end);
        let len = line[col..end.min(line.len())].trim_end().len().max(1);
        Some(SourceSpan::new((chunk.base + before + col).into(), len))
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let chunk = self
            .chunks
            .iter()
            .rev()
            .find(|c| c.base <= span.offset())
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - chunk.base).into(), span.len());
        let inner = chunk.text.read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + chunk.base).into(),
                inner.span().len(),
            ),
            inner.line() + chunk.first_line.saturating_sub(1) as usize,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// One diagnostic: a finding, or its evidence in one more file (a related diagnostic).
#[derive(Debug)]
struct Diag {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<Snippet>,
    labels: Vec<LabeledSpan>,
}

impl std::fmt::Display for Diag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

fn level(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// The places of one file, as a snippet with a label on each cited text.
fn annotated(path: &str, places: &[&Located], style: Style) -> (Option<Snippet>, Vec<LabeledSpan>) {
    // Room for the text after the line numbers and the margin.
    let room = style.width.saturating_sub(12).max(40);
    let mark = if style.unicode { "…" } else { "..." };
    let snippet = Snippet::new(path, places, room, mark);
    let mut spans: Vec<(SourceSpan, &str)> = places
        .iter()
        .filter_map(|l| Some((snippet.span(l, room)?, l.label.as_str())))
        .collect();
    // Several places on one line (a describe table row): each underline stops where the next
    // place starts, so that every label points at its own text.
    spans.sort_by_key(|(s, _)| s.offset());
    for i in 1..spans.len() {
        let (next, cur) = (spans[i].0, spans[i - 1].0);
        if next.offset() > cur.offset() && next.offset() < cur.offset() + cur.len() {
            let len = snippet
                .text_at(cur.offset(), next.offset() - cur.offset())
                .map_or(1, |t| t.trim_end().len().max(1));
            spans[i - 1].0 = SourceSpan::new(cur.offset().into(), len);
        }
    }
    let labels: Vec<LabeledSpan> = spans
        .into_iter()
        .map(|(span, label)| LabeledSpan::new_with_span(Some(label.to_string()), span))
        .collect();
    if labels.is_empty() {
        (None, labels)
    } else {
        (Some(snippet), labels)
    }
}

/// Renders one finding with its evidence: the places in the file of the first piece as the
/// diagnostic's own snippets, then, for each other file, a related diagnostic with its places.
pub fn finding(f: &Finding, evidence: &[Located], style: Style) -> String {
    let mut files: Vec<(&str, Vec<&Located>)> = Vec::new();
    for l in evidence {
        match files.iter_mut().find(|(p, _)| *p == l.path) {
            Some((_, v)) => v.push(l),
            None => files.push((&l.path, vec![l])),
        }
    }
    let mut files = files.into_iter();
    let (source, labels) = files
        .next()
        .map(|(p, places)| annotated(p, &places, style))
        .unwrap_or((None, Vec::new()));
    let mut diags = vec![Diag {
        code: Some(format!("{} {} [{}]", f.code, f.name, f.id)),
        severity: level(f.severity),
        message: format!("{}: {}", f.object, f.message),
        help: Some(format!("{} (docs/rules/{}.md)", f.help, f.code)),
        source,
        labels,
    }];
    for (p, places) in files {
        let (source, labels) = annotated(p, &places, style);
        let message = if source.is_some() {
            // The folder says what the file holds (`replicasets/default.json`).
            let short = p.rsplitn(3, '/').take(2).collect::<Vec<_>>();
            format!(
                "see also {}",
                short.into_iter().rev().collect::<Vec<_>>().join("/")
            )
        } else {
            places
                .iter()
                .map(|l| format!("{p}:{}:{}: {} ({})", l.line, l.column, l.text, l.label))
                .collect::<Vec<_>>()
                .join("\n")
        };
        diags.push(Diag {
            code: None,
            severity: miette::Severity::Advice,
            message,
            help: None,
            source,
            labels,
        });
    }
    let theme = match (style.unicode, style.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme::ascii(),
        (false, false) => GraphicalTheme::none(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(2);
    let mut out = String::new();
    for d in &diags {
        let mut one = String::new();
        if handler.render_report(&mut one, d).is_err() {
            one = format!("  {}\n", d.message);
        }
        out.push_str(&one);
    }
    out
}
