//! Secret values never reach a report. Secret objects lose their values when the snapshot is
//! read; this module hides the secrets that remain in text a report quotes: the lines of the
//! snapshot's files shown around evidence, log lines, and the messages of findings.
//!
//! What is hidden (always, with or without `--redact`):
//! - values of keys that look secret (`password: x`, `"apiToken": "x"`, `DB_PASSWORD=x`,
//!   `--client-secret=x`), and the `value` of an env entry whose `name` looks secret, in JSON,
//!   YAML, `kubectl describe` and log text;
//! - the `kubectl.kubernetes.io/last-applied-configuration` annotation, which repeats a whole
//!   object (a Secret's data, a pod's env values);
//! - bearer tokens, JSON Web Tokens, passwords in URLs (`postgres://user:x@db`) and the body of
//!   PEM private keys.
//!
//! Masks contain no quotes or backslashes, so JSON and SARIF reports stay valid.

/// What replaces a hidden value.
pub const HIDDEN: &str = "<hidden>";

/// Hides secret values in lines of one text read in order. `pending` carries, from one line to
/// the next, that an env entry's `name` looked secret, so its `value` on a following line is
/// hidden too; `pem` that a private key's body is being read.
#[derive(Debug, Default, Clone)]
pub struct Scrubber {
    pending: u8,
    pem: bool,
    applied: bool,
}

impl Scrubber {
    /// A scrubber at the start of a text.
    pub fn new() -> Scrubber {
        Scrubber::default()
    }

    /// One line, with its secrets hidden.
    pub fn line(&mut self, line: &str) -> String {
        // The YAML block holding the last-applied JSON.
        if std::mem::take(&mut self.applied) {
            return format!("{}{HIDDEN}", &line[..line.len() - line.trim_start().len()]);
        }
        if self.pem {
            if line.contains("-----END") {
                self.pem = false;
                return line.to_string();
            }
            return HIDDEN.to_string();
        }
        if is_blob(line) {
            let indent = &line[..line.len() - line.trim_start().len()];
            return format!("{indent}{HIDDEN}");
        }
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
                    if !value.is_empty() && value != HIDDEN {
                        out.replace_range(range.clone(), HIDDEN);
                        from = range.start + HIDDEN.len();
                    }
                    self.pending = 0;
                }
                k if k.ends_with("last-applied-configuration")
                    && matches!(value.as_str(), "|" | ">" | "|-" | ">-") =>
                {
                    self.applied = true;
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
        out
    }
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
    let mut s = Scrubber::new();
    text.split('\n')
        .map(|l| s.line(l))
        .collect::<Vec<_>>()
        .join("\n")
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
        let hide = key.ends_with("last-applied-configuration") || secret_key(key);
        let value = &out[range.clone()];
        let trivial = value.is_empty()
            || matches!(value, "true" | "false" | "null" | "{" | "[" | "|" | ">" | "''")
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

/// `Bearer <token>` (any case), the token at least 8 characters: its length.
pub fn bearer(s: &str) -> Option<usize> {
    let head = s.get(..7)?;
    if !head.eq_ignore_ascii_case("bearer ") {
        return None;
    }
    let token = s[7..]
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || b"-._~+/=".contains(c))
        .count();
    (token >= 8 && !s[7..].starts_with(HIDDEN)).then_some(7 + token)
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
        // A text that starts inside the key: its end line starts nothing.
        assert_eq!(
            scrub_text("abcd\n-----END RSA PRIVATE KEY-----\nafter"),
            "abcd\n-----END RSA PRIVATE KEY-----\nafter"
        );
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
}
