//! JSON documents: a single object, a `*List` (`"items": null` included), a bare array, or a
//! stream of concatenated objects (`kubectl cluster-info dump` to stdout). Items are cut out as
//! raw text with their byte offsets so that each is parsed alone (one bad item fails alone) and
//! in parallel. A syntax error does not lose the rest of a list: a tolerant scanner recovers the
//! items around it.

use serde::Deserialize;
use serde_json::value::RawValue;

/// One item cut out of a JSON document.
#[derive(Debug, Clone)]
pub struct RawItem<'a> {
    /// The item's text.
    pub text: &'a str,
    /// Byte offset of the item in the file.
    pub offset: usize,
    /// `kind` of the enclosing list, if any.
    pub list_kind: Option<String>,
    /// `apiVersion` of the enclosing list, if any.
    pub list_api_version: Option<String>,
}

/// A syntax problem at a byte offset of the file.
#[derive(Debug, Clone)]
pub struct SyntaxProblem {
    /// Byte offset where it was found.
    pub offset: usize,
    /// Line, 1-based, when the parser gave one (relative to the file).
    pub line: usize,
    /// Column, 1-based.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// One top-level JSON value, read in a single pass: a bare array's elements, or an object's
/// `kind`, `apiVersion` and `items` (other members are skipped). Items stay raw text.
#[derive(Default)]
struct Top<'a> {
    array: Option<Vec<&'a RawValue>>,
    kind: Option<String>,
    api_version: Option<String>,
    items: Option<Items<'a>>,
}

enum Items<'a> {
    Array(Vec<&'a RawValue>),
    Null,
    Other,
}

enum Key {
    Kind,
    ApiVersion,
    Items,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "kind" => Key::Kind,
                    "apiVersion" => Key::ApiVersion,
                    "items" => Key::Items,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Items<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Items<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of items")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Items<'a>, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(x) = seq.next_element::<&'de RawValue>()? {
                    v.push(x);
                }
                Ok(Items::Array(v))
            }
            fn visit_unit<E>(self) -> Result<Items<'a>, E> {
                Ok(Items::Null)
            }
            fn visit_none<E>(self) -> Result<Items<'a>, E> {
                Ok(Items::Null)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Items<'a>, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Items::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Items<'a>, E> {
                Ok(Items::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Items<'a>, E> {
                Ok(Items::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Items<'a>, E> {
                Ok(Items::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Items<'a>, E> {
                Ok(Items::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Items<'a>, E> {
                Ok(Items::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Top<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Top<'a>, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(x) = seq.next_element::<&'de RawValue>()? {
                    v.push(x);
                }
                Ok(Top {
                    array: Some(v),
                    ..Default::default()
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Top<'a>, A::Error> {
                let mut top = Top::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        // Odd types (`"kind": 3`) read as absent, not as a broken document.
                        Key::Kind => {
                            top.kind = map
                                .next_value::<serde_json::Value>()?
                                .as_str()
                                .map(str::to_string)
                        }
                        Key::ApiVersion => {
                            top.api_version = map
                                .next_value::<serde_json::Value>()?
                                .as_str()
                                .map(str::to_string)
                        }
                        Key::Items => top.items = Some(map.next_value::<Items<'a>>()?),
                        Key::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(top)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Splits `text` (which starts at byte `base` of the file, on line `base_line`) into items.
pub fn split<'a>(
    text: &'a str,
    base: usize,
    file: &'a str,
    items: &mut Vec<RawItem<'a>>,
    problems: &mut Vec<SyntaxProblem>,
) {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Top>();
    let mut consumed = 0usize;
    loop {
        let start = consumed + skip_ws(&text[consumed..]);
        match stream.next() {
            None => break,
            Some(Ok(top)) => {
                consumed = stream.byte_offset();
                let raw = &text[start..consumed];
                if !raw.starts_with('{') && !raw.starts_with('[') {
                    let (line, column) = line_col(file, base + start);
                    problems.push(SyntaxProblem {
                        offset: base + start,
                        line,
                        column,
                        message: "expected a JSON object or array".into(),
                    });
                    continue;
                }
                top_value(top, raw, base + start, items);
            }
            Some(Err(e)) => {
                // Recover what can be recovered from the broken value onwards.
                let at = problem_at(file, base, &e);
                recover(&text[start..], base + start, file, items, problems, at);
                break;
            }
        }
    }
}

fn skip_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

fn top_value<'a>(top: Top<'a>, raw: &'a str, offset: usize, items: &mut Vec<RawItem<'a>>) {
    let push = |items: &mut Vec<RawItem<'a>>,
                v: Vec<&'a RawValue>,
                kind: Option<String>,
                api: Option<String>| {
        items.extend(v.into_iter().map(|item| RawItem {
            text: item.get(),
            offset: offset + offset_in(raw, item.get()),
            list_kind: kind.clone(),
            list_api_version: api.clone(),
        }));
    };
    if let Some(v) = top.array {
        push(items, v, None, None);
        return;
    }
    let listish = top.kind.as_deref().is_none_or(|k| k.ends_with("List"));
    match top.items {
        Some(Items::Array(v)) if listish => push(items, v, top.kind, top.api_version),
        // `"items": null`, or no items at all, in a `*List`: an empty list.
        Some(Items::Null) | None if top.kind.as_deref().is_some_and(|k| k.ends_with("List")) => {}
        _ => items.push(RawItem {
            text: raw,
            offset,
            list_kind: None,
            list_api_version: None,
        }),
    }
}

fn problem_at(file: &str, base: usize, e: &serde_json::Error) -> SyntaxProblem {
    let (bl, bc) = line_col(file, base);
    let (line, column) = if e.line() <= 1 {
        (bl, bc + e.column().saturating_sub(1))
    } else {
        (bl + e.line() - 1, e.column())
    };
    SyntaxProblem {
        offset: base,
        line,
        column,
        message: crate::model::object::strip_position(&e.to_string()),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(file: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(file.len());
    let before = &file.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = file[col_start..offset].chars().count() + 1;
    (line, column)
}

/// After a syntax error: report it, then cut the elements of the top-level array or of the
/// `items` array out by bracket matching and keep those that parse.
fn recover<'a>(
    text: &'a str,
    base: usize,
    file: &'a str,
    items: &mut Vec<RawItem<'a>>,
    problems: &mut Vec<SyntaxProblem>,
    at: SyntaxProblem,
) {
    let scan = scan_top(text);
    let Some(arr_start) = scan.items_start else {
        // Not a list: the whole document is lost; say where it broke.
        problems.push(at);
        return;
    };
    let mut bad = false;
    for (s, e, complete) in split_array(text, arr_start) {
        let piece = &text[s..e];
        match serde_json::from_str::<&RawValue>(piece) {
            Ok(_) if complete => items.push(RawItem {
                text: piece,
                offset: base + s,
                list_kind: scan.kind.clone(),
                list_api_version: scan.api_version.clone(),
            }),
            Ok(_) => {}
            Err(e) => {
                bad = true;
                problems.push(problem_at(file, base + s, &e));
            }
        }
    }
    if !bad {
        problems.push(at);
    }
}

struct TopScan {
    kind: Option<String>,
    api_version: Option<String>,
    items_start: Option<usize>,
}

/// Scans the first top-level value for `kind`, `apiVersion` and the `items` array start
/// (or the value itself when it is an array), tolerating damage after them.
fn scan_top(text: &str) -> TopScan {
    let b = text.as_bytes();
    let mut out = TopScan {
        kind: None,
        api_version: None,
        items_start: None,
    };
    let mut i = skip_ws(text);
    if b.get(i) == Some(&b'[') {
        out.items_start = Some(i);
        return out;
    }
    if b.get(i) != Some(&b'{') {
        return out;
    }
    i += 1;
    let mut depth = 1usize;
    let mut last_key: Option<(usize, usize)> = None;
    let mut expecting_value = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let end = string_end(b, i);
                if depth == 1 {
                    if expecting_value {
                        if let Some((ks, ke)) = last_key {
                            let key = text.get(ks + 1..ke.saturating_sub(1)).unwrap_or("");
                            let val = text.get(i + 1..end.saturating_sub(1)).unwrap_or("");
                            match key {
                                "kind" => out.kind = Some(val.to_string()),
                                "apiVersion" => out.api_version = Some(val.to_string()),
                                _ => {}
                            }
                        }
                        expecting_value = false;
                    } else {
                        last_key = Some((i, end));
                    }
                }
                i = end;
                continue;
            }
            b':' if depth == 1 => expecting_value = true,
            b',' if depth == 1 => expecting_value = false,
            b'{' | b'[' => {
                if depth == 1 && expecting_value && b[i] == b'[' {
                    if let Some((ks, ke)) = last_key {
                        if text.get(ks + 1..ke.saturating_sub(1)) == Some("items") {
                            out.items_start = Some(i);
                        }
                    }
                }
                expecting_value = false;
                depth += 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    out
}

/// Index just past the closing quote of the string starting at `start`.
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `kind` and `apiVersion` when they are among the first two members of an object and plain
/// strings (`{"kind": "Pod", "apiVersion": "v1", ...}`); `None` otherwise.
pub(crate) fn leading_kind(text: &str) -> Option<(&str, Option<&str>)> {
    let b = text.as_bytes();
    let mut i = 1usize;
    let mut kind = None;
    let mut api = None;
    let ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let plain_string = |i: &mut usize| -> Option<&str> {
        if b.get(*i) != Some(&b'"') {
            return None;
        }
        let start = *i + 1;
        let len = memchr::memchr2(b'"', b'\\', &b[start..])?;
        if b[start + len] != b'"' {
            return None;
        }
        *i = start + len + 1;
        text.get(start..start + len)
    };
    for _ in 0..2 {
        ws(&mut i);
        let key = plain_string(&mut i)?;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ws(&mut i);
        let value = plain_string(&mut i)?;
        match key {
            "kind" => kind = Some(value),
            "apiVersion" => api = Some(value),
            _ => break,
        }
        ws(&mut i);
        if b.get(i) != Some(&b',') {
            break;
        }
        i += 1;
        if kind.is_some() && api.is_some() {
            break;
        }
    }
    kind.filter(|k| !k.is_empty()).map(|k| (k, api))
}

/// Index of the bracket that closes the one at `open` (`[` or `{`), skipping strings.
/// Only brackets of the same kind are counted: in valid JSON the others nest inside.
pub(crate) fn matching_close(b: &[u8], open: usize) -> Option<usize> {
    let (o, c) = match b.get(open)? {
        b'[' => (b'[', b']'),
        b'{' => (b'{', b'}'),
        _ => return None,
    };
    let mut depth = 0usize;
    let mut i = open;
    loop {
        i += memchr::memchr3(b'"', o, c, &b[i..])?;
        match b[i] {
            b'"' => {
                // Skip the string: to the next quote that is not escaped.
                let mut j = i + 1;
                loop {
                    j += memchr::memchr2(b'"', b'\\', &b[j..])?;
                    if b[j] == b'\\' {
                        j += 2;
                    } else {
                        break;
                    }
                }
                i = j + 1;
            }
            x if x == o => {
                depth += 1;
                i += 1;
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
}

/// Cuts the elements of the array opening at `start`: `(begin, end, complete)` spans.
fn split_array(text: &str, start: usize) -> Vec<(usize, usize, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start + 1;
    let mut depth = 0usize;
    let mut elem_start: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            elem_start.get_or_insert(i);
            i = string_end(b, i);
            continue;
        }
        match c {
            b'{' | b'[' => {
                elem_start.get_or_insert(i);
                depth += 1;
            }
            b'}' | b']' => {
                if depth == 0 {
                    if let Some(s) = elem_start.take() {
                        out.push((s, trim_end(text, i), true));
                    }
                    return out;
                }
                depth -= 1;
            }
            b',' if depth == 0 => {
                if let Some(s) = elem_start.take() {
                    out.push((s, trim_end(text, i), true));
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                elem_start.get_or_insert(i);
            }
        }
        i += 1;
    }
    if let Some(s) = elem_start {
        out.push((s, text.len(), false));
    }
    out
}

fn trim_end(text: &str, end: usize) -> usize {
    text[..end].trim_end().len()
}

/// The first byte at or after `i` that is not JSON whitespace.
pub(crate) fn blank_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// End of the JSON value starting at `i`.
pub(crate) fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{') | Some(b'[') => matching_close(b, i).map_or(b.len(), |close| close + 1),
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            j
        }
    }
}

/// End of the JSON string starting at `i` (one past the closing quote).
pub(crate) fn skip_string(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(k) = b
        .get(j..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        j += k;
        if b[j] == b'"' {
            return j + 1;
        }
        j += 2;
    }
    b.len()
}

/// Key and value positions of member `key` of the object at `i`.
pub(crate) fn json_member(b: &[u8], i: usize, key: &str) -> Option<(usize, usize)> {
    let mut j = blank_end(b, i + 1);
    while j < b.len() && b[j] != b'}' {
        if b[j] != b'"' {
            return None;
        }
        let key_end = skip_string(b, j);
        let raw = std::str::from_utf8(&b[j + 1..key_end.saturating_sub(1)]).ok()?;
        let name: std::borrow::Cow<'_, str> = if raw.contains('\\') {
            serde_json::from_str::<String>(&format!("\"{raw}\""))
                .unwrap_or_default()
                .into()
        } else {
            raw.into()
        };
        let colon = blank_end(b, key_end);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let value = blank_end(b, colon + 1);
        if name == key {
            return Some((j, value));
        }
        j = blank_end(b, skip_value(b, value));
        if b.get(j) == Some(&b',') {
            j = blank_end(b, j + 1);
        }
    }
    None
}

/// Position of element `n` of the array at `i`.
pub(crate) fn json_element(b: &[u8], i: usize, n: usize) -> Option<usize> {
    let mut j = blank_end(b, i + 1);
    let mut k = 0;
    while j < b.len() && b[j] != b']' {
        if k == n {
            return Some(j);
        }
        j = blank_end(b, skip_value(b, j));
        if b.get(j) == Some(&b',') {
            j = blank_end(b, j + 1);
        }
        k += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str) -> (Vec<RawItem<'_>>, Vec<SyntaxProblem>) {
        let mut items = Vec::new();
        let mut problems = Vec::new();
        split(t, 0, t, &mut items, &mut problems);
        (items, problems)
    }

    #[test]
    fn list_and_stream() {
        let t = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"c\"}}";
        let (items, problems) = run(t);
        assert!(problems.is_empty());
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].list_kind.as_deref(), Some("PodList"));
        assert_eq!(
            &t[items[1].offset..items[1].offset + items[1].text.len()],
            items[1].text
        );
        assert!(items[2].list_kind.is_none());
    }

    #[test]
    fn leading_kind_members() {
        assert_eq!(
            leading_kind(r#"{"kind": "Pod", "apiVersion": "v1", "metadata": {}}"#),
            Some(("Pod", Some("v1")))
        );
        assert_eq!(
            leading_kind(r#"{ "apiVersion":"apps/v1","kind":"Deployment"}"#),
            Some(("Deployment", Some("apps/v1")))
        );
        assert_eq!(leading_kind(r#"{"kind": "Pod"}"#), Some(("Pod", None)));
        assert_eq!(leading_kind(r#"{"metadata": {}, "kind": "Pod"}"#), None);
        assert_eq!(leading_kind(r#"{"kind": "P\"od"}"#), None);
    }

    #[test]
    fn null_items_and_bare_array() {
        assert!(run("{\"kind\":\"PodList\",\"items\":null}").0.is_empty());
        assert_eq!(run("[{\"a\":1},{\"b\":2}]").0.len(), 2);
    }

    #[test]
    fn broken_item_fails_alone() {
        let t = "{\"kind\":\"PodList\",\"items\":[\n{\"metadata\":{\"name\":\"a\"}},\n{\"metadata\":{\"name\": }},\n{\"metadata\":{\"name\":\"c\"}}\n]}";
        let (items, problems) = run(t);
        assert_eq!(items.len(), 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3);
        assert_eq!(items[0].list_kind.as_deref(), Some("PodList"));
    }

    #[test]
    fn truncated_list_keeps_complete_items() {
        let t =
            "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"na";
        let (items, problems) = run(t);
        assert_eq!(items.len(), 1);
        assert_eq!(problems.len(), 1);
    }
}
