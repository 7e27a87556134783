//! Secret values never reach a report. Secret objects lose their values when the snapshot is
//! read; this module hides the secrets that remain in text a report quotes: the lines of the
//! snapshot's files shown around evidence, log lines, and the messages of findings.
//!
//! What is hidden (always, with or without `--redact`):
//! - values of keys that look secret (`password: x`, `"apiToken": "x"`, `DB_PASSWORD=x`,
//!   `--client-secret=x`), and the `value` of an env entry whose `name` looks secret, in JSON,
//!   YAML, `kubectl describe` and log text; also when the value is a block scalar
//!   (`password: |`) or was folded onto the next line of a long YAML string;
//! - the `kubectl.kubernetes.io/last-applied-configuration` annotation, which repeats a whole
//!   object (a Secret's data, a pod's env values);
//! - bearer tokens, basic credentials (`Authorization: Basic ...`), JSON Web Tokens, passwords
//!   in URLs (`postgres://user:x@db`) and the body of PEM private keys, also when the key's
//!   begin line lies before the lines shown;
//! - every value of a Secret's text a report shows: the cited line of a Secret keeps its keys
//!   ([`hide_secret_members`]), and the parts of a Secret that stand next to other evidence
//!   are hidden whole ([`hide_secret_text`]).
//!
//! Masks contain no quotes or backslashes, so JSON and SARIF reports stay valid.

/// What replaces a hidden value.
pub const HIDDEN: &str = "<hidden>";

/// Hides secret values in lines of one text read in order. It carries from one line to the
/// next what a line alone cannot tell: that an env entry's `name` looked secret (its `value`
/// on a following line is hidden too), that a private key's body is being read, that a secret
/// block scalar goes on (`password: |`, the last-applied annotation), and that a value was
/// folded onto the next line (`password:` or `Bearer` ending a line).
#[derive(Debug, Default, Clone)]
pub struct Scrubber {
    /// Lines left in which an env entry's `value` is hidden.
    pending: u8,
    /// Inside a private key's body.
    pem: bool,
    /// Inside a secret block scalar: lines indented deeper than this are hidden.
    block: Option<usize>,
    /// The line before ended where a secret value starts (at this indent): the first word of
    /// a line indented as much or more, and not at the margin (a long YAML string folded), is
    /// that value.
    dangling: Option<usize>,
}

impl Scrubber {
    /// A scrubber at the start of a text.
    pub fn new() -> Scrubber {
        Scrubber::default()
    }

    /// One line, with its secrets hidden.
    pub fn line(&mut self, line: &str) -> String {
        let depth = indent(line).len();
        // The content of a secret block scalar (`password: |`, the last-applied JSON).
        if let Some(block) = self.block {
            if line.trim().is_empty() {
                return line.to_string();
            }
            if depth > block {
                return format!("{}{HIDDEN}", indent(line));
            }
            self.block = None;
        }
        if self.pem {
            if line.contains("-----END") {
                self.pem = false;
                return line.to_string();
            }
            return HIDDEN.to_string();
        }
        let dangling = std::mem::take(&mut self.dangling).is_some_and(|d| depth > 0 && depth >= d);
        if is_blob(line) {
            return format!("{}{HIDDEN}", indent(line));
        }
        let folded;
        let line = match dangling.then(|| hide_first_word(line)).flatten() {
            Some(l) => {
                folded = l;
                folded.as_str()
            }
            None => line,
        };
        let mut out = scrub(line);
        let begin = out
            .find("-----BEGIN")
            .and_then(|b| out[b..].find("PRIVATE KEY-----").map(|p| b + p));
        if let Some(begin) = begin {
            let body = begin + "PRIVATE KEY-----".len();
            match out[body..].find("-----END") {
                Some(end) => out.replace_range(body..body + end, HIDDEN),
                None => {
                    out.replace_range(body.., HIDDEN);
                    self.pem = true;
                }
            }
        }
        // An env entry: `- name: DB_PASSWORD` then `value: x` (YAML), the same as JSON over
        // lines, or `{"name":"DB_PASSWORD","value":"x"}` on one.
        let mut from = 0;
        let mut seen_name = false;
        while let Some((key, range)) = next_pair(&out, from) {
            let value = out[range.clone()].to_string();
            from = range.start + 1;
            match key {
                "name" => {
                    seen_name = true;
                    self.pending = if secret_key(&value) { 3 } else { 0 };
                }
                "value" if self.pending > 0 => {
                    if is_block_start(&value) {
                        self.block = Some(depth);
                    } else if !value.is_empty() && value != HIDDEN {
                        out.replace_range(range.clone(), HIDDEN);
                        from = range.start + HIDDEN.len();
                    }
                    self.pending = 0;
                }
                k if (k.ends_with(LAST_APPLIED) || secret_key(k)) && is_block_start(&value) => {
                    self.block = Some(depth);
                }
                _ => {}
            }
            if from >= out.len() {
                break;
            }
        }
        if !seen_name && self.pending > 0 {
            self.pending -= 1;
        }
        if self.block.is_none() && !self.pem && ends_open(&out) {
            self.dangling = Some(depth);
        }
        out
    }
}

/// The annotation `kubectl apply` writes: the whole object as applied, secrets included.
const LAST_APPLIED: &str = "last-applied-configuration";

/// A YAML block scalar's indicator (`|`, `>-`...): the value is on the lines below.
fn is_block_start(value: &str) -> bool {
    matches!(value, "|" | ">" | "|-" | ">-" | "|+" | ">+")
}

/// The leading blanks of a line.
fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Whether a line ends where a secret value should follow: `password:` (a long YAML string
/// folded onto the next line), `Authorization: Bearer`.
fn ends_open(line: &str) -> bool {
    let t = line.trim_end();
    if let Some(k) = t.strip_suffix(':') {
        let k = k.trim_end_matches(['"', '\'']);
        let start = k.bytes().rposition(|c| !is_key(c)).map_or(0, |i| i + 1);
        return secret_key(&k[start..]);
    }
    let last = t.rsplit(char::is_whitespace).next().unwrap_or("");
    last.eq_ignore_ascii_case("bearer") || last.eq_ignore_ascii_case("basic")
}

/// The line with its first word hidden, when that word is a value carried over from the line
/// before (not a key, a list item or a comment).
fn hide_first_word(line: &str) -> Option<String> {
    let t = line.trim_start();
    let first = t.split_whitespace().next()?;
    if first.ends_with(':') || first.starts_with(['-', '#', '<']) || first.contains("\":") {
        return None;
    }
    let at = line.len() - t.len();
    let b = t.as_bytes();
    let len = match b[0] {
        q @ (b'"' | b'\'') => t[1..].find(q as char).map_or(t.len(), |e| e + 2),
        _ => b
            .iter()
            .position(|c| matches!(c, b' ' | b'\t' | b',' | b'"' | b'\'' | b';' | b')' | b'}'))
            .unwrap_or(b.len()),
    };
    (len > 0).then(|| format!("{}{HIDDEN}{}", &line[..at], &t[len..]))
}

/// Hides secrets in lines read in order, as one text: each line as [`Scrubber::line`] hides
/// it, and the body of a private key whose begin line came before the first line (a window
/// into a longer text): seen from its end line, back to the first line that is not base64.
pub fn scrub_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut s = Scrubber::new();
    let mut raw: Vec<&str> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        let in_key = s.pem;
        let shown = s.line(l);
        let end = l
            .find("-----END")
            .is_some_and(|p| l[p..].contains("PRIVATE KEY-----"));
        if end && !in_key && !l.contains("-----BEGIN") {
            for j in (0..raw.len()).rev() {
                // The blank line below an encrypted key's headers.
                let blank = raw[j].trim().is_empty()
                    && j > 0
                    && raw[j - 1].trim_start().starts_with("DEK-Info:");
                if blank {
                    continue;
                }
                if !is_key_body(raw[j]) {
                    break;
                }
                out[j] = format!("{}{HIDDEN}", indent(raw[j]));
            }
        }
        raw.push(l);
        out.push(shown);
    }
    out
}

/// A line of a PEM body: base64 only, or one of the headers of an encrypted key.
fn is_key_body(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && (t
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
            || t.starts_with("Proc-Type:")
            || t.starts_with("DEK-Info:"))
}

/// A part of a Secret's text shown only because it stands next to other evidence (a List or
/// a line that holds several objects): every value hidden, and the lines that hold no
/// `key: value` (a block's content, a blob, a bare key) hidden whole.
pub fn hide_secret_text(text: &str) -> String {
    text.split('\n')
        .map(|l| {
            let shown = hide_values(l);
            if shown == l && l.bytes().any(|c| c.is_ascii_alphanumeric()) {
                format!("{}{HIDDEN}", indent(l))
            } else {
                shown
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line a Secret is cited at, with every value of its `data` and `stringData` hidden when
/// they stand on that line too (JSON written on one line, flow YAML).
pub fn hide_secret_members(line: &str) -> String {
    let mut out = line.to_string();
    let mut from = 0;
    while let Some(open) = next_data_member(&out, from) {
        let close = closing_brace(&out, open).unwrap_or(out.len());
        let inner = hide_values(&out[open + 1..close]);
        out.replace_range(open + 1..close, &inner);
        from = open + 1 + inner.len();
    }
    out
}

/// The byte of the `{` that opens the next `data` or `stringData` member at or after `from`.
fn next_data_member(line: &str, from: usize) -> Option<usize> {
    let b = line.as_bytes();
    let mut first: Option<usize> = None;
    for key in ["data", "stringData"] {
        let mut i = from;
        while let Some(p) = line.get(i..).and_then(|r| r.find(key)) {
            let at = i + p;
            i = at + key.len();
            if at > 0 && is_key(b[at - 1]) {
                continue;
            }
            let mut j = at + key.len();
            if b.get(j) == Some(&b'"') {
                j += 1;
            }
            while b.get(j) == Some(&b' ') {
                j += 1;
            }
            if b.get(j) != Some(&b':') {
                continue;
            }
            j += 1;
            while b.get(j) == Some(&b' ') {
                j += 1;
            }
            if b.get(j) == Some(&b'{') {
                first = Some(first.map_or(j, |f| f.min(j)));
                break;
            }
        }
    }
    first
}

/// The `}` that closes the `{` at `open`, skipping strings.
fn closing_brace(line: &str, open: usize) -> Option<usize> {
    let b = line.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut in_string = false;
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'{' if !in_string => depth += 1,
            b'}' if !in_string => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Every value of a line hidden (a line of a Secret's data).
pub fn hide_values(line: &str) -> String {
    let mut out = line.to_string();
    let mut from = 0;
    while let Some((_, range)) = next_pair(&out, from) {
        if range.is_empty() {
            from = range.start + 1;
        } else {
            out.replace_range(range.clone(), HIDDEN);
            from = range.start + HIDDEN.len();
        }
        if from >= out.len() {
            break;
        }
    }
    out
}

/// A line that is only a long base64 run (the body of a key or certificate, a token): 40
/// characters or more of mixed case and digits. Hex digests (`sha256:...`) are not.
fn is_blob(line: &str) -> bool {
    let t = line.trim().trim_matches(['"', '\'', ',']);
    t.len() >= 40
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
        && t.bytes().any(|c| c.is_ascii_uppercase())
        && t.bytes().any(|c| c.is_ascii_lowercase())
        && t.bytes().any(|c| c.is_ascii_digit())
}

/// Hides secrets in a text of several lines (a message, a quoted log line).
pub fn scrub_text(text: &str) -> String {
    if !text.contains('\n') {
        return Scrubber::new().line(text);
    }
    scrub_lines(text.split('\n')).join("\n")
}

/// Whether a key names a secret: `password`, `DB_PASSWORD`, `apiToken`, `client-secret`,
/// `AWS_SECRET_ACCESS_KEY`, `private_key`; not `secretName`, `secretKeyRef`, `key`.
pub fn secret_key(key: &str) -> bool {
    const REFERENCES: &[&str] = &[
        "secretname",
        "secretref",
        "secretkeyref",
        "tokensecretref",
        "imagepullsecrets",
        "automountserviceaccounttoken",
        "serviceaccounttoken",
        "secretproviderclass",
        "key",
        "keys",
        "tokens",
    ];
    let lower = key.to_ascii_lowercase();
    let flat: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if flat.is_empty() || REFERENCES.contains(&flat.as_str()) || flat.len() > 64 {
        return false;
    }
    // Words of `DB_PASSWORD`, `apiToken`, `client-secret`.
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
        "creds",
        "privatekey",
    ];
    const KEY_OF: &[&str] = &[
        "api",
        "access",
        "secret",
        "private",
        "signing",
        "encryption",
        "master",
        "auth",
        "license",
        "session",
        "client",
    ];
    words.iter().enumerate().any(|(i, w)| {
        SECRET.contains(&w.as_str())
            || (w == "key" && i > 0 && KEY_OF.contains(&words[i - 1].as_str()))
    }) || ["password", "secret", "apikey", "authtoken", "accesstoken"]
        .iter()
        .any(|s| flat.contains(s))
}

/// Bearer tokens, JWTs, passwords in URLs, secret `key: value` pairs and the last-applied
/// annotation in one line.
fn scrub(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !is_word(b[i - 1]);
        if boundary {
            if let Some(n) = basic(&line[i..]) {
                out.push_str(&line[i..i + "basic ".len()]);
                out.push_str(HIDDEN);
                i += n;
                continue;
            }
            if let Some(n) = bearer(&line[i..]) {
                out.push_str("Bearer ");
                out.push_str(HIDDEN);
                i += n;
                continue;
            }
            if let Some(n) = jwt(&line[i..]) {
                out.push_str(HIDDEN);
                i += n;
                continue;
            }
        }
        // `scheme://user:password@host`
        if line[i..].starts_with("://") {
            if let Some((keep, n)) = url_password(&line[i + 3..]) {
                out.push_str("://");
                out.push_str(&line[i + 3..i + 3 + keep]);
                out.push_str(HIDDEN);
                i += 3 + n;
                continue;
            }
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    hide_pairs(&out)
}

/// Hides the values of every secret-looking key in a line: `"key": "v"`, `key: v`, `key=v`,
/// `--key v` is left alone (too ambiguous), and the last-applied annotation.
fn hide_pairs(line: &str) -> String {
    let mut out = line.to_string();
    let mut from = 0;
    while let Some((key, range)) = next_pair(&out, from) {
        let applied = key.ends_with(LAST_APPLIED);
        let value = &out[range.clone()];
        if applied && value == "{" {
            // The annotation's JSON unquoted (as `kubectl describe` would print it): all of
            // the rest of the line.
            out.replace_range(range.start.., HIDDEN);
            break;
        }
        let hide = applied || secret_key(key);
        let trivial = value.is_empty()
            || matches!(value, "true" | "false" | "null" | "{" | "[" | "''")
            || is_block_start(value)
            || value == HIDDEN
            // `<set to the key 'password' in secret 'db'>` (describe): a reference.
            || value.starts_with('<');
        if hide && !trivial {
            out.replace_range(range.clone(), HIDDEN);
            from = range.start + HIDDEN.len();
        } else {
            from = range.start + 1;
        }
        if from >= out.len() {
            break;
        }
    }
    out
}

/// The next `key<sep>value` at or after byte `from`: the key and the byte range of the value
/// (inside its quotes when quoted). Separators: `": "`, `: `, `=`.
fn next_pair(line: &str, from: usize) -> Option<(&str, std::ops::Range<usize>)> {
    let b = line.as_bytes();
    let mut i = from;
    while i < b.len() {
        let sep = match b[i] {
            b'=' => 1,
            b':' if matches!(b.get(i + 1), Some(b' ') | Some(b'\t')) => 2,
            b':' if b.get(i + 1) == Some(&b'"') => 1,
            b':' if b.get(i + 1) == Some(&b'\\') && b.get(i + 2) == Some(&b'"') => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        // The key: word characters before, inside quotes or not.
        let mut end = i;
        let quoted_key = end > 0 && matches!(b[end - 1], b'"' | b'\'');
        if quoted_key {
            end -= 1;
            if end > 0 && b[end - 1] == b'\\' {
                end -= 1;
            }
        }
        let mut start = end;
        while start > 0 && is_key(b[start - 1]) {
            start -= 1;
        }
        if start == end {
            i += 1;
            continue;
        }
        let key = &line[start..end];
        let mut v = i + sep;
        while v < b.len() && b[v] == b' ' {
            v += 1;
        }
        // `\"` opening a value inside an escaped string.
        let escaped = b.get(v) == Some(&b'\\') && b.get(v + 1) == Some(&b'"');
        let range = match b.get(v) {
            Some(b'"') | Some(b'\'') => {
                let q = b[v];
                let s = v + 1;
                let mut e = s;
                while e < b.len() && !(b[e] == q && b[e - 1] != b'\\') {
                    e += 1;
                }
                s..e
            }
            _ if escaped => {
                let s = v + 2;
                let e = line[s..].find("\\\"").map_or(b.len(), |p| s + p);
                s..e
            }
            _ => {
                let s = v;
                let mut e = s;
                while e < b.len()
                    && !matches!(
                        b[e],
                        b' ' | b'\t' | b',' | b'"' | b'\'' | b';' | b'&' | b'}' | b')'
                    )
                {
                    e += 1;
                }
                s..e
            }
        };
        return Some((key, range));
    }
    None
}

fn is_key(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/')
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-'
}

/// `user:password@` after `scheme://`: how much to keep (`user:`) and the length consumed.
fn url_password(s: &str) -> Option<(usize, usize)> {
    let end = s
        .find(|c: char| c == '/' || c.is_whitespace() || c == '"')
        .unwrap_or(s.len());
    let auth = &s[..end];
    let at = auth.rfind('@')?;
    let colon = auth[..at].find(':')?;
    (at > colon + 1).then_some((colon + 1, at))
}

/// `Bearer <token>` (any case), the token at least 8 characters (or cut short by `…` or
/// `...` where a report quotes a longer text): its length.
pub fn bearer(s: &str) -> Option<usize> {
    let head = s.get(..7)?;
    if !head.eq_ignore_ascii_case("bearer ") {
        return None;
    }
    let token = s[7..]
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || b"-._~+/=".contains(c))
        .count();
    let long = token >= 8 || (token > 0 && is_cut(&s[7 + token..]));
    (long && !s[7..].starts_with(HIDDEN)).then_some(7 + token)
}

/// `Basic <base64 of user:password>` (any case): its length. The credentials are base64 at
/// least 8 characters long, a multiple of 4, with a digit, `+`, `/`, `=` or both cases, so
/// that words (`Basic authentication`) are not taken for them.
pub fn basic(s: &str) -> Option<usize> {
    let head = s.get(..6)?;
    if !head.eq_ignore_ascii_case("basic ") {
        return None;
    }
    let rest = &s[6..];
    let n = rest
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || b"+/=".contains(c))
        .count();
    let t = &rest.as_bytes()[..n];
    let mixed =
        t.iter().any(|c| c.is_ascii_uppercase()) && t.iter().any(|c| c.is_ascii_lowercase());
    let marked = t.iter().any(|c| c.is_ascii_digit() || b"+/=".contains(c));
    let credentials = n >= 8 && n % 4 == 0 && (mixed || marked);
    (credentials || (n > 0 && is_cut(&rest[n..]))).then_some(6 + n)
}

/// Whether a text starts with the mark of a quote cut short.
fn is_cut(s: &str) -> bool {
    s.starts_with('…') || s.starts_with("...")
}

/// A JSON Web Token: three base64url parts, the first starting `eyJ`: its length.
pub fn jwt(s: &str) -> Option<usize> {
    if !s.starts_with("eyJ") {
        return None;
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut dots = 0;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b"-_.".contains(&b[i])) {
        if b[i] == b'.' {
            dots += 1;
        }
        i += 1;
    }
    (dots == 2 && i >= 20).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "DB_PASSWORD",
            "apiToken",
            "client-secret",
            "AWS_SECRET_ACCESS_KEY",
            "private_key",
            "API_KEY",
            "GITHUB_TOKEN",
            "db.pass",
            "REDIS_PWD",
        ] {
            assert!(secret_key(k), "{k}");
        }
        for k in [
            "secretName",
            "secretKeyRef",
            "key",
            "name",
            "value",
            "MAX_STRESS_SECONDS",
            "LOG_LEVEL",
            "imagePullSecrets",
            "bypass",
            "KEYCLOAK_URL",
        ] {
            assert!(!secret_key(k), "{k}");
        }
    }

    #[test]
    fn hides_values_of_secret_keys() {
        let t = |s: &str| Scrubber::new().line(s);
        assert_eq!(
            t(r#"  "password": "hunter2","#),
            r#"  "password": "<hidden>","#
        );
        assert_eq!(t("  DB_PASSWORD: hunter2"), "  DB_PASSWORD: <hidden>");
        assert_eq!(
            t("connecting with API_TOKEN=abc123 user=bob"),
            "connecting with API_TOKEN=<hidden> user=bob"
        );
        assert_eq!(
            t("args: --client-secret=s3cr3t --port=80"),
            "args: --client-secret=<hidden> --port=80"
        );
        assert_eq!(
            t("dsn postgres://app:hunter2@db.shop.svc:5432/app"),
            "dsn postgres://app:<hidden>@db.shop.svc:5432/app"
        );
        assert_eq!(
            t("Authorization: Bearer abcDEF123456789xyz"),
            "Authorization: Bearer <hidden>"
        );
        assert_eq!(
            t("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end"),
            "token <hidden> end"
        );
        // Escaped JSON inside a string (a message quoting JSON).
        assert_eq!(
            t(r#""msg": "{\"password\":\"hunter2\",\"user\":\"bob\"}""#),
            r#""msg": "{\"password\":\"<hidden>\",\"user\":\"bob\"}""#
        );
        // The annotation that repeats the object.
        assert_eq!(
            t(
                r#"      "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"data\":{\"password\":\"aHVudGVyMg==\"}}\n""#
            ),
            r#"      "kubectl.kubernetes.io/last-applied-configuration": "<hidden>""#
        );
        // References to Secrets and plain settings stay.
        for kept in [
            r#"  "secretName": "db-creds","#,
            "      secretKeyRef: {name: db, key: password}",
            "  - name: LOG_LEVEL",
            r#""reason": "CrashLoopBackOff","#,
            "  password_required: true",
            "Bearer <hidden>",
            "    sha256:7c35a2d67ed942deedd53a33f2aefab8db99426b6143c2ef7a31619cc744c103",
        ] {
            assert_eq!(t(kept), kept);
        }
    }

    #[test]
    fn hides_env_values_whose_name_looks_secret() {
        assert_eq!(
            scrub_text(r#"{"env":[{"name":"DB_PASSWORD","value":"x1"},{"name":"A","value":"b"}]}"#),
            r#"{"env":[{"name":"DB_PASSWORD","value":"<hidden>"},{"name":"A","value":"b"}]}"#
        );
        let applied = "    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"data\":{}}\n  name: x";
        assert_eq!(
            scrub_text(applied),
            "    kubectl.kubernetes.io/last-applied-configuration: |\n      <hidden>\n  name: x"
        );
        let yaml = "env:\n- name: DB_PASSWORD\n  value: hunter2\n- name: LOG_LEVEL\n  value: info";
        assert_eq!(
            scrub_text(yaml),
            "env:\n- name: DB_PASSWORD\n  value: <hidden>\n- name: LOG_LEVEL\n  value: info"
        );
        let json = "{\n  \"name\": \"API_TOKEN\",\n  \"value\": \"abc\"\n},\n{\n  \"name\": \"PORT\",\n  \"value\": \"80\"\n}";
        assert_eq!(
            scrub_text(json),
            "{\n  \"name\": \"API_TOKEN\",\n  \"value\": \"<hidden>\"\n},\n{\n  \"name\": \"PORT\",\n  \"value\": \"80\"\n}"
        );
        // A reference instead of a value: nothing to hide, and the next entry is not touched.
        let from = "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db, key: pw}\n- name: PORT\n  value: '80'";
        assert_eq!(scrub_text(from), from);
    }

    #[test]
    fn hides_base64_blobs() {
        assert_eq!(
            scrub_text("  MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nok"),
            "  <hidden>\nok"
        );
    }

    #[test]
    fn hides_private_keys() {
        // A text that starts inside the key: its end line starts nothing, and the body above
        // it (base64 lines, however short) is hidden back to the first line that is not.
        assert_eq!(
            scrub_text("abcd\n-----END RSA PRIVATE KEY-----\nafter"),
            "<hidden>\n-----END RSA PRIVATE KEY-----\nafter"
        );
        assert_eq!(
            scrub_text(
                "INFO key loaded\n  KQIDAQAB\n  3Q==\n  -----END PRIVATE KEY-----\nFATAL x not set"
            ),
            "INFO key loaded\n  <hidden>\n  <hidden>\n  -----END PRIVATE KEY-----\nFATAL x not set"
        );
        // Encrypted keys carry headers in their body.
        assert_eq!(
            scrub_lines([
                "Proc-Type: 4,ENCRYPTED",
                "DEK-Info: AES-128-CBC,3F17F5316E2BAC89",
                "",
                "x1y2",
                "-----END EC PRIVATE KEY-----"
            ]),
            [
                "<hidden>",
                "<hidden>",
                "",
                "<hidden>",
                "-----END EC PRIVATE KEY-----"
            ]
        );
        // A certificate's end is not a key's: nothing above it is touched.
        assert_eq!(
            scrub_text("abcd\n-----END CERTIFICATE-----"),
            "abcd\n-----END CERTIFICATE-----"
        );
        for kind in [
            "RSA PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "PRIVATE KEY",
            "EC PRIVATE KEY",
        ] {
            let pem = format!("-----BEGIN {kind}-----\nAAAA\nBBBB==\n-----END {kind}-----\nafter");
            assert_eq!(
                scrub_text(&pem),
                format!("-----BEGIN {kind}-----<hidden>\n<hidden>\n<hidden>\n-----END {kind}-----\nafter")
            );
        }
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabcd\n-----END RSA PRIVATE KEY-----\nafter";
        assert_eq!(
            scrub_text(pem),
            "-----BEGIN RSA PRIVATE KEY-----<hidden>\n<hidden>\n<hidden>\n-----END RSA PRIVATE KEY-----\nafter"
        );
        assert_eq!(
            scrub_text(
                r#""tls.key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n""#
            ),
            r#""tls.key": "-----BEGIN PRIVATE KEY-----<hidden>-----END PRIVATE KEY-----\n""#
        );
    }

    #[test]
    fn hides_basic_credentials() {
        let t = |s: &str| Scrubber::new().line(s);
        assert_eq!(
            t("Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"),
            "Authorization: Basic <hidden>"
        );
        assert_eq!(
            t(r#""Proxy-Authorization":"basic dXNlcjpodW50ZXIy","x":1"#),
            r#""Proxy-Authorization":"basic <hidden>","x":1"#
        );
        // Words are not credentials.
        for kept in [
            "Basic authentication failed",
            "WWW-Authenticate: Basic realm=\"registry\"",
            "Basic auth",
        ] {
            assert_eq!(t(kept), kept);
        }
        // A quote cut short inside the token.
        assert_eq!(t("sent Bearer abc…"), "sent Bearer <hidden>…");
        assert_eq!(t("sent Basic dX..."), "sent Basic <hidden>...");
    }

    #[test]
    fn hides_values_folded_onto_the_next_line() {
        let event = "  message: 'Liveness probe failed: FATAL: bad password for user app, password:\n    hunter2 (retry) Authorization: Bearer\n    abcdef123456'\n  metadata:";
        assert_eq!(
            scrub_text(event),
            "  message: 'Liveness probe failed: FATAL: bad password for user app, password:\n    <hidden> (retry) Authorization: Bearer\n    <hidden>'\n  metadata:"
        );
        // A YAML value on the next line.
        assert_eq!(scrub_text("password:\n  hunter2"), "password:\n  <hidden>");
        // A secret-looking key over a mapping or a list: its keys and items stay.
        for kept in [
            "  - secret:\n      secretName: db-creds",
            "credentials:\n- name: app",
            "    creds:\n      Type:        Secret (a volume populated by a Secret)",
            // A log line ending so, then a line no deeper: not a folded value.
            "INFO enter token:\nINFO next step",
        ] {
            assert_eq!(scrub_text(kept), kept);
        }
    }

    #[test]
    fn hides_secret_block_scalars() {
        let env = "      - name: LICENSE_KEY\n        value: |\n          line one\n\n          line two\n      - name: LOG_LEVEL\n        value: info";
        assert_eq!(
            scrub_text(env),
            "      - name: LICENSE_KEY\n        value: |\n          <hidden>\n\n          <hidden>\n      - name: LOG_LEVEL\n        value: info"
        );
        assert_eq!(
            scrub_text("  password: >-\n    hunter2\n  user: app"),
            "  password: >-\n    <hidden>\n  user: app"
        );
        // The last-applied JSON, however many lines it takes.
        assert_eq!(
            scrub_text("    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"a\":\n       1}\n    labels:"),
            "    kubectl.kubernetes.io/last-applied-configuration: |\n      <hidden>\n       <hidden>\n    labels:"
        );
        // A plain block stays.
        let kept = "  settings.ini: |\n    [db]\n    user = app";
        assert_eq!(scrub_text(kept), kept);
    }

    #[test]
    fn hides_the_last_applied_json_unquoted() {
        assert_eq!(
            Scrubber::new().line(r#"Annotations:  kubectl.kubernetes.io/last-applied-configuration: {"apiVersion":"v1","stringData":{"license":"x"}}"#),
            "Annotations:  kubectl.kubernetes.io/last-applied-configuration: <hidden>"
        );
    }

    #[test]
    fn hides_values_inside_a_secret() {
        // The cited line of a Secret written on one line: its keys stay, its values go.
        assert_eq!(
            hide_secret_members(
                r#"{"items":[{"metadata":{"name":"smtp"},"data":{"user":"dXNlcg==","pass":"cGFzcw=="},"stringData": {"x": "{}"},"type":"Opaque"}]}"#
            ),
            r#"{"items":[{"metadata":{"name":"smtp"},"data":{"user":"<hidden>","pass":"<hidden>"},"stringData": {"x": "<hidden>"},"type":"Opaque"}]}"#
        );
        assert_eq!(
            hide_secret_members("  data: {password: aHVudGVy, user: YXBw}"),
            "  data: {password: <hidden>, user: <hidden>}"
        );
        // A cited line of the usual kind has no member to hide.
        assert_eq!(
            hide_secret_members("    name: db-creds"),
            "    name: db-creds"
        );
        assert_eq!(hide_secret_members(r#""metadata": {"#), r#""metadata": {"#);
        // A Secret's text next to other evidence: every value, and lines of bare content.
        assert_eq!(
            hide_secret_text("- apiVersion: v1\n  data:\n    user: YXBw\n  stringData:\n    a.ini: |\n      s3cr3t\n  type: Opaque\n"),
            "- apiVersion: <hidden>\n  <hidden>\n    user: <hidden>\n  <hidden>\n    a.ini: <hidden>\n      <hidden>\n  type: <hidden>\n"
        );
        assert_eq!(
            hide_secret_text(r#"{"kind":"Secret","data":{"u":"YXBw"}},"#),
            r#"{"kind":"<hidden>","data":{"u":"<hidden>"}},"#
        );
        assert_eq!(hide_secret_text("  },\n  {"), "  },\n  {");
    }
}
