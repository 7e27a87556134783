//! Over-long lines of text read line by line (`kubectl describe` output, `kubectl get`
//! tables): each is cut to its first `--max-line-length` bytes before parsing, so that one
//! enormous line costs neither time nor memory, and offsets in the cut text are mapped back
//! to the file.

use super::ledger::Problem;

/// Where lines were cut.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cuts {
    /// Per cut, in order: the offset in the cut text where bytes were removed, the bytes
    /// removed there and before, the 1-based line, the kept bytes and the line's full length.
    cuts: Vec<Cut>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cut {
    at: usize,
    removed: usize,
    line: usize,
    kept_chars: usize,
    full: usize,
}

/// Cuts the lines of `text` longer than `max` bytes (at a character boundary). `None` when
/// no line is that long: the text is then read as it is.
pub fn cut_long_lines(text: &str, max: usize) -> Option<(String, Cuts)> {
    let max = max.max(1);
    let bytes = text.as_bytes();
    // A quick look first: most texts have no such line.
    let mut start = 0usize;
    let mut long = false;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        if end - start > max {
            long = true;
            break;
        }
        start = end + 1;
    }
    if !long {
        return None;
    }
    let mut out = String::with_capacity(text.len().min(1 << 20));
    let mut cuts = Cuts::default();
    let mut removed = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if body.len() <= max {
            out.push_str(line);
            continue;
        }
        let mut keep = max;
        while !body.is_char_boundary(keep) {
            keep -= 1;
        }
        out.push_str(&body[..keep]);
        removed += body.len() - keep;
        cuts.cuts.push(Cut {
            at: out.len(),
            removed,
            line: i + 1,
            kept_chars: body[..keep].chars().count(),
            full: body.len(),
        });
        if line.len() > body.len() {
            out.push('\n');
        }
    }
    Some((out, cuts))
}

impl Cuts {
    /// The offset in the original text of offset `o` of the cut text.
    pub fn map(&self, o: usize) -> usize {
        let k = self.cuts.partition_point(|c| c.at <= o);
        match k {
            0 => o,
            k => o + self.cuts[k - 1].removed,
        }
    }

    /// One problem per cut line, at the column where the cut starts (lines numbered from 1 in
    /// the text that was cut).
    pub fn problems(&self, max: usize) -> Vec<Problem> {
        self.cuts
            .iter()
            .map(|c| Problem {
                line: Some(c.line),
                column: Some(c.kept_chars + 1),
                message: format!(
                    "line is {} long; only its first {} were read (the --max-line-length \
                     limit)",
                    crate::source::human_bytes(c.full as u64),
                    crate::source::human_bytes(max as u64)
                ),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_left_alone() {
        assert_eq!(cut_long_lines("a\nbb\nccc", 3), None);
    }

    #[test]
    fn long_lines_are_cut_and_offsets_mapped_back() {
        let text = "ab\nxxxxxxxx\ncd\néééé\nef";
        let (cut, cuts) = cut_long_lines(text, 3).unwrap();
        // `é` is two bytes: the cut falls back to a character boundary.
        assert_eq!(cut, "ab\nxxx\ncd\né\nef");
        let at = |s: &str, t: &str| s.find(t).unwrap();
        for word in ["ab", "cd", "ef"] {
            assert_eq!(cuts.map(at(&cut, word)), at(text, word), "{word}");
        }
        // The end of a cut line maps to the end of the whole line.
        assert_eq!(cuts.map(6), 11);
        let p = cuts.problems(3);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].line, p[0].column), (Some(2), Some(4)));
        assert_eq!((p[1].line, p[1].column), (Some(4), Some(2)));
        assert!(p[0]
            .message
            .starts_with("line is 8 B long; only its first 3 B were read"));
    }
}
