//! Findings rendered like compiler errors (miette): the code, severity and message, each piece
//! of evidence as a snippet of the real snapshot file with a label on the cited text, and the
//! help. Only this module knows miette.

use super::locate::Located;
use crate::rules::{Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

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

/// A few lines of a snapshot file, numbered as in the file.
#[derive(Debug)]
struct Snippet {
    name: String,
    text: String,
    first_line: u64,
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line.saturating_sub(1) as usize,
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// One diagnostic: a finding, or one piece of its evidence shown beside it.
#[derive(Debug)]
struct Diag {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<Snippet>,
    labels: Vec<LabeledSpan>,
    related: Vec<Diag>,
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

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|d| d as &dyn Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>
        })
    }
}

/// The snippet around a piece of evidence and the label on the cited text.
fn snippet(l: &Located, with_label: bool) -> (Option<Snippet>, Vec<LabeledSpan>) {
    let Some(ctx) = &l.context else {
        return (None, Vec::new());
    };
    let lines: Vec<&str> = ctx.text.split('\n').collect();
    let idx = l.line.saturating_sub(ctx.first_line) as usize;
    let Some(line) = lines.get(idx) else {
        return (None, Vec::new());
    };
    let before: usize = lines[..idx].iter().map(|x| x.len() + 1).sum();
    let col = line
        .char_indices()
        .nth(l.column.saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i);
    let len = line[col..]
        .trim_end()
        .len()
        .max(1)
        .min(line.len().saturating_sub(col).max(1));
    let text = with_label.then(|| l.label.clone());
    let label = LabeledSpan::new(text, before + col, len);
    (
        Some(Snippet {
            name: l.path.clone(),
            text: ctx.text.clone(),
            first_line: ctx.first_line,
        }),
        vec![label],
    )
}

fn level(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// Renders one finding with its evidence: the first piece as the diagnostic's own snippet, the
/// others beside it.
pub fn finding(f: &Finding, evidence: &[Located], style: Style) -> String {
    let mut located = evidence.iter();
    let (source, labels) = located
        .next()
        .map(|l| snippet(l, true))
        .unwrap_or((None, Vec::new()));
    let related = located
        .map(|l| {
            let (source, labels) = snippet(l, false);
            Diag {
                code: None,
                severity: miette::Severity::Advice,
                message: l.label.clone(),
                help: None,
                source,
                labels,
                related: Vec::new(),
            }
        })
        .collect();
    let diag = Diag {
        code: Some(format!("{} {} [{}]", f.code, f.name, f.id)),
        severity: level(f.severity),
        message: format!("{}: {}", f.object, f.message),
        help: Some(format!("{} (docs/rules/{}.md)", f.help, f.code)),
        source,
        labels,
        related,
    };
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
    if handler.render_report(&mut out, &diag).is_err() {
        out = format!("{}: {}\n", diag.code.unwrap_or_default(), diag.message);
    }
    out
}
