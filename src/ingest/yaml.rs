//! YAML documents: one document, a multi-document stream (leading `---` included), a
//! `kind: List` or `*List` whose items kubectl prints as `- ` blocks, or a bare sequence.
//!
//! Block YAML as kubectl and collectors print it is cut into documents at `---` lines and
//! into list items at the `- ` lines of the `items:` block, so that each item is parsed alone
//! (one bad item fails alone, with its own line) and items are parsed in parallel. Anything
//! else falls back to parsing the whole document.

/// A piece of YAML text to parse, with its byte offset in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The text.
    pub text: &'a str,
    /// Byte offset in the file.
    pub offset: usize,
}

/// A document, split when it is a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doc<'a> {
    /// Parse as one value.
    Whole(Piece<'a>),
    /// A list: `header` is the document without its items (to read `kind`/`apiVersion`),
    /// each item is a one-element sequence (`- ...`).
    List {
        /// The document without the items.
        header: String,
        /// Offset of the document.
        offset: usize,
        /// The items.
        items: Vec<Piece<'a>>,
    },
}

/// Splits a YAML stream (starting at byte `base` of the file) into documents.
pub fn split_docs(text: &str, base: usize) -> Vec<Doc<'_>> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut pos = 0usize;
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let line = text[pos..end].trim_end_matches(['\n', '\r']);
        let is_start = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        let is_end = line == "...";
        if is_start || is_end {
            push_doc(&mut docs, text, start, pos, base);
            start = if is_start && line.len() > 4 {
                pos + 4
            } else {
                end
            };
        }
        pos = end;
    }
    push_doc(&mut docs, text, start, bytes.len(), base);
    docs
}

fn push_doc<'a>(docs: &mut Vec<Doc<'a>>, text: &'a str, start: usize, end: usize, base: usize) {
    let doc = &text[start..end];
    if doc
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.starts_with('%'))
    {
        return;
    }
    docs.push(split_items(doc, base + start));
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn is_item_start(line: &str, indent: usize) -> bool {
    line.len() > indent
        && indent_of(line) == indent
        && line.as_bytes()[indent] == b'-'
        && matches!(
            line.as_bytes().get(indent + 1),
            None | Some(b' ' | b'\r' | b'\n' | b'\t')
        )
}

/// Finds the `items:` block (or a bare top-level sequence) and cuts it into items.
fn split_items(doc: &str, offset: usize) -> Doc<'_> {
    // Line starts.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut pos = 0;
    for l in doc.split_inclusive('\n') {
        lines.push((pos, l));
        pos += l.len();
    }
    let first = lines.iter().position(|(_, l)| !is_blank_or_comment(l));
    let Some(first) = first else {
        return Doc::Whole(Piece { text: doc, offset });
    };
    // Bare sequence at the top, or `items:` at column 0 followed by a block sequence.
    let (region_start, indent) = if is_item_start(lines[first].1, 0) {
        (first, 0)
    } else {
        let Some(items_line) = lines.iter().position(|(_, l)| {
            let t = l.trim_end();
            t == "items:" || (t.starts_with("items:") && t[6..].trim_start().starts_with('#'))
        }) else {
            return Doc::Whole(Piece { text: doc, offset });
        };
        let Some(next) = lines[items_line + 1..]
            .iter()
            .position(|(_, l)| !is_blank_or_comment(l))
            .map(|i| items_line + 1 + i)
        else {
            return Doc::Whole(Piece { text: doc, offset });
        };
        let ind = indent_of(lines[next].1);
        if !is_item_start(lines[next].1, ind) {
            return Doc::Whole(Piece { text: doc, offset });
        }
        (next, ind)
    };
    let mut items: Vec<Piece> = Vec::new();
    let mut cur: Option<usize> = None;
    let mut region_end = lines.len();
    for (idx, (_, l)) in lines.iter().enumerate().skip(region_start) {
        if is_item_start(l, indent) {
            if let Some(s) = cur {
                let (so, _) = lines[s];
                let eo = lines[idx].0;
                items.push(Piece {
                    text: &doc[so..eo],
                    offset: offset + so,
                });
            }
            cur = Some(idx);
            continue;
        }
        if is_blank_or_comment(l) {
            continue;
        }
        let ind = indent_of(l);
        // Item content is indented deeper than the dash (or, at column 0, by at least 1).
        if ind <= indent {
            region_end = idx;
            break;
        }
    }
    let region_end_off = lines.get(region_end).map_or(doc.len(), |(o, _)| *o);
    if let Some(s) = cur {
        let (so, _) = lines[s];
        items.push(Piece {
            text: &doc[so..region_end_off],
            offset: offset + so,
        });
    }
    let region_start_off = lines[region_start].0;
    let mut header = String::with_capacity(region_start_off + (doc.len() - region_end_off));
    header.push_str(&doc[..region_start_off]);
    header.push_str(&doc[region_end_off..]);
    Doc::List {
        header,
        offset,
        items,
    }
}

/// Parses YAML text into a JSON value.
pub fn parse_value(text: &str) -> Result<serde_json::Value, yaml_serde::Error> {
    yaml_serde::from_str(text)
}

/// Parses an item piece (`- ...`) into its single value.
pub fn parse_item(text: &str) -> Result<Vec<serde_json::Value>, yaml_serde::Error> {
    yaml_serde::from_str(text)
}

/// Cuts the block-style `metadata.managedFields` out of the YAML text of one object (a
/// document, or a list item starting with `- `), returning the rest and the newest `time`
/// found in the cut part, as [`crate::model::object::strip_managed_fields`] does for JSON:
/// nothing reads them, and they are often half of the text of an object as kubectl prints
/// it. `None` when there is nothing to cut or the text is not shaped as expected (the caller
/// then parses the text as it is).
pub fn cut_managed_fields(text: &str) -> Option<(String, Option<jiff::Timestamp>)> {
    const KEY: &str = "managedFields:";
    let b = text.as_bytes();
    // Indentation of the object's own keys.
    let top = text
        .split('\n')
        .find(|l| !is_blank_or_comment(l) && !l.starts_with("---"))
        .map(|l| {
            let ind = indent_of(l);
            match l[ind..].strip_prefix("- ") {
                Some(rest) => ind + 2 + indent_of(rest),
                None => ind,
            }
        })?;
    for at in memchr::memmem::find_iter(b, KEY.as_bytes()) {
        let line_start = b[..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let indent = at - line_start;
        if indent <= top || !b[line_start..at].iter().all(|&c| c == b' ') {
            continue;
        }
        let line_end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i + 1);
        if !text[at + KEY.len()..line_end].trim().is_empty() {
            continue;
        }
        // The parent key must be the object's own `metadata:`.
        let parent = text[..line_start]
            .lines()
            .rev()
            .find(|l| !is_blank_or_comment(l) && indent_of(l) < indent)?;
        let pi = indent_of(parent);
        let (key_indent, key) = match parent[pi..].strip_prefix("- ") {
            Some(rest) => (pi + 2 + indent_of(rest), rest.trim()),
            None => (pi, parent[pi..].trim_end()),
        };
        if key_indent != top || key != "metadata:" {
            continue;
        }
        // The block: lines indented deeper, or `- ` entries at the key's own indentation.
        let mut end = line_end;
        let mut newest: Option<jiff::Timestamp> = None;
        while end < b.len() {
            let next = memchr::memchr(b'\n', &b[end..]).map_or(b.len(), |i| end + i + 1);
            let line = &text[end..next];
            let li = indent_of(line);
            let body = line[li..].trim_end();
            let inside = body.is_empty()
                || li > indent
                || (li == indent && (body == "-" || body.starts_with("- ")));
            if !inside {
                break;
            }
            let field = body.strip_prefix("- ").unwrap_or(body);
            if let Some(v) = field.strip_prefix("time:") {
                let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
                if let Ok(t) = v.parse::<jiff::Timestamp>() {
                    newest = Some(newest.map_or(t, |n| n.max(t)));
                }
            }
            end = next;
        }
        let mut out = String::with_capacity(text.len() - (end - line_start));
        out.push_str(&text[..line_start]);
        out.push_str(&text[end..]);
        return Some((out, newest));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_fields_are_cut_from_an_item_and_a_document() {
        let item = "- apiVersion: v1\n  kind: Pod\n  metadata:\n    labels:\n      app: a\n    managedFields:\n    - apiVersion: v1\n      fieldsType: FieldsV1\n      fieldsV1:\n        f:metadata:\n          f:labels: {}\n\n      manager: kubectl\n      time: \"2024-05-01T10:00:00Z\"\n    - manager: kubelet\n      time: 2024-05-02T10:00:00Z\n    name: a\n  spec:\n    containers: []\n";
        let (cut, time) = cut_managed_fields(item).unwrap();
        assert_eq!(
            cut,
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    labels:\n      app: a\n    name: a\n  spec:\n    containers: []\n"
        );
        assert_eq!(time.unwrap().to_string(), "2024-05-02T10:00:00Z");
        let doc =
            "apiVersion: v1\nkind: Pod\nmetadata:\n  managedFields:\n  - manager: m\n  name: b\n";
        let (cut, _) = cut_managed_fields(doc).unwrap();
        assert_eq!(cut, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n");
        assert_eq!(parse_value(&cut).unwrap()["metadata"]["name"], "b");
    }

    #[test]
    fn managed_fields_elsewhere_are_left_alone() {
        // Inside a ConfigMap's data (a block scalar), not under the object's metadata.
        let cm = "apiVersion: v1\nkind: ConfigMap\ndata:\n  x.yaml: |\n    metadata:\n      managedFields:\n      - a\nmetadata:\n  name: c\n";
        assert!(cut_managed_fields(cm).is_none());
        // Flow style and an empty list stay as they are.
        assert!(cut_managed_fields("metadata: {managedFields: [], name: x}\n").is_none());
        assert!(cut_managed_fields("metadata:\n  managedFields: []\n  name: x\n").is_none());
        assert!(cut_managed_fields("metadata:\n  name: x\n").is_none());
    }

    #[test]
    fn multi_doc_with_leading_separator() {
        let t = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n";
        let docs = split_docs(t, 0);
        assert_eq!(docs.len(), 2);
        let Doc::Whole(p) = &docs[1] else { panic!() };
        assert_eq!(p.offset, t.rfind("apiVersion").unwrap());
    }

    #[test]
    fn list_items_split() {
        let t = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Pod\n  spec:\n    containers:\n    - name: c\n      args:\n      - |\n        - not an item\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
        let docs = split_docs(t, 0);
        let Doc::List { header, items, .. } = &docs[0] else {
            panic!("{docs:?}")
        };
        assert_eq!(items.len(), 2);
        assert!(items[1].text.contains("not an item"));
        let h = parse_value(header).unwrap();
        assert_eq!(h["kind"], "List");
        let v = parse_item(items[0].text).unwrap();
        assert_eq!(v[0]["metadata"]["name"], "a");
    }

    #[test]
    fn indented_items() {
        let t =
            "kind: PodList\nitems:\n  - metadata:\n      name: a\n  - metadata:\n      name: b\n";
        let Doc::List { items, .. } = &split_docs(t, 0)[0] else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(
            parse_item(items[1].text).unwrap()[0]["metadata"]["name"],
            "b"
        );
    }

    #[test]
    fn empty_items_is_whole() {
        let t = "apiVersion: v1\nitems: []\nkind: PodList\n";
        assert!(matches!(split_docs(t, 0)[0], Doc::Whole(_)));
    }

    #[test]
    fn error_location_is_one_based() {
        let e = parse_value("a: 1\nb: [\n").unwrap_err();
        let loc = e.location().unwrap();
        assert!(loc.line() >= 2, "{loc:?}");
    }
}
