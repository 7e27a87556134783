//! `--redact`: masks what should not reach a public ticket (IP addresses, e-mail addresses,
//! bearer tokens and JSON Web Tokens) in a rendered report, whatever its format. Secret values
//! never get this far: they are dropped when the snapshot is read.
//!
//! The masks contain no quotes or backslashes, so a JSON or SARIF report stays valid.

/// The report with IP addresses, e-mail addresses and tokens masked.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !is_word(b[i - 1]);
        if boundary {
            if let Some(n) = bearer(&text[i..]) {
                out.push_str("Bearer <token>");
                i += n;
                continue;
            }
            if let Some(n) = jwt(&text[i..]) {
                out.push_str("<token>");
                i += n;
                continue;
            }
            if let Some(n) = email(&text[i..]) {
                out.push_str("<email>");
                i += n;
                continue;
            }
            if let Some(n) = ipv4(&text[i..]) {
                out.push_str("<ip>");
                i += n;
                continue;
            }
            if let Some(n) = ipv6(&text[i..]) {
                out.push_str("<ip>");
                i += n;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-'
}

/// `a.b.c.d` with each part 0..=255, not followed by more of a word or a version.
fn ipv4(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    for part in 0..4 {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 3 {
            i += 1;
        }
        if i == start || s[start..i].parse::<u16>().ok()? > 255 {
            return None;
        }
        if part < 3 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    // `1.2.3.4.5` or `1.2.3.4a` is not an address.
    match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => None,
        Some(b'.') if b.get(i + 1).is_some_and(|c| c.is_ascii_digit()) => None,
        _ => Some(i),
    }
}

/// An IPv6 address: two groups or more, four hex digits or more (`fe80::1`,
/// `2001:db8::8a2e:370:7334`; not `a::b`).
fn ipv6(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut colons = 0;
    let mut groups = 0;
    let mut double = false;
    let mut run = 0;
    let mut digits = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_hexdigit() {
            run += 1;
            digits += 1;
            if run > 4 {
                return None;
            }
        } else if c == b':' {
            if run > 0 {
                groups += 1;
            } else if i > 0 && b[i - 1] == b':' {
                if double {
                    break;
                }
                double = true;
            }
            run = 0;
            colons += 1;
        } else {
            break;
        }
        i += 1;
    }
    if run > 0 {
        groups += 1;
    }
    // Trailing `:` belongs to the text (`addr: fe80::1:`), not the address.
    while i > 0 && b[i - 1] == b':' && !(i >= 2 && b[i - 2] == b':') {
        i -= 1;
        colons -= 1;
    }
    let ok = colons >= 2 && digits >= 4 && groups >= 2 && (double || colons == 7);
    let ends = match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => false,
        Some(b'.') => !b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => true,
    };
    (ok && ends).then_some(i)
}

/// `local@domain.tld`.
fn email(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let local = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || b"._%+-".contains(c))
        .count();
    if local == 0 || b.get(local) != Some(&b'@') {
        return None;
    }
    let rest = &b[local + 1..];
    let domain = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'.' || **c == b'-')
        .count();
    let d = &s[local + 1..local + 1 + domain];
    let d = d.trim_end_matches('.');
    let tld = d.rsplit('.').next().unwrap_or("");
    (d.contains('.') && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()))
        .then_some(local + 1 + d.len())
}

/// `Bearer <token>` (any case), the token at least 8 characters.
fn bearer(s: &str) -> Option<usize> {
    let head = s.get(..7)?;
    if !head.eq_ignore_ascii_case("bearer ") {
        return None;
    }
    let token = s[7..]
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || b"-._~+/=".contains(c))
        .count();
    (token >= 8).then_some(7 + token)
}

/// A JSON Web Token: three base64url parts, the first starting `eyJ`.
fn jwt(s: &str) -> Option<usize> {
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
    use super::redact;

    #[test]
    fn masks_addresses_mails_and_tokens() {
        assert_eq!(
            redact("client 10.1.0.9:8000 and 192.168.65.3, not v1.30.2 or 1.2.3.4.5"),
            "client <ip>:8000 and <ip>, not v1.30.2 or 1.2.3.4.5"
        );
        assert_eq!(redact("mail ops@example.com now"), "mail <email> now");
        assert_eq!(
            redact("Authorization: Bearer abcDEF123456789xyz"),
            "Authorization: Bearer <token>"
        );
        assert_eq!(
            redact("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end"),
            "token <token> end"
        );
        assert_eq!(
            redact("addr fe80::1 and 2001:db8::8a2e:370:7334."),
            "addr <ip> and <ip>."
        );
        assert_eq!(
            redact("\"time\": \"2026-11-20T14:03:12Z\", \"x\": \"13:05:30\""),
            "\"time\": \"2026-11-20T14:03:12Z\", \"x\": \"13:05:30\""
        );
        assert_eq!(
            redact("image sha256:abc and a::b"),
            "image sha256:abc and a::b"
        );
        assert_eq!(redact("ünïcode 10.0.0.1"), "ünïcode <ip>");
    }
}
