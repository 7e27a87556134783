//! Ages as kubectl prints them (`61s`, `6m23s`, `2d4h`, `3h`, `<unknown>`, `<invalid>`), and the
//! Age column of event tables: `61s (x2 over 6m23s)`.

/// Seconds in a kubectl age (`45s`, `6m23s`, `2h48m`, `3d4h`, `5y`); `None` for `<unknown>`,
/// `<invalid>` and anything else.
pub fn parse_age(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'y' => 365 * 86_400,
            _ => return None,
        };
        let n: u64 = num.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return None;
    }
    Some(total)
}

/// The Age column of an event row: the age of the last occurrence, how many times it happened,
/// and the age of the first (`61s (x2 over 6m23s)` gives `(Some(61), 2, Some(383))`; `24m`
/// gives `(Some(1440), 1, Some(1440))`; `<unknown>` gives `(None, 1, None)`).
pub fn parse_event_age(s: &str) -> (Option<u64>, i32, Option<u64>) {
    let s = s.trim();
    if let Some((last, rest)) = s.split_once(" (x") {
        let last = parse_age(last);
        let rest = rest.trim_end_matches(')');
        let (count, first) = match rest.split_once(" over ") {
            Some((c, f)) => (c.trim().parse().unwrap_or(1), parse_age(f)),
            None => (rest.trim().parse().unwrap_or(1), None),
        };
        return (last, count, first.or(last));
    }
    let age = parse_age(s);
    (age, 1, age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("45s"), Some(45));
        assert_eq!(parse_age("6m23s"), Some(383));
        assert_eq!(parse_age("2d4h"), Some(2 * 86_400 + 4 * 3600));
        assert_eq!(parse_age("<unknown>"), None);
        assert_eq!(parse_age("<invalid>"), None);
        assert_eq!(parse_age("10"), None);
    }

    #[test]
    fn event_ages() {
        assert_eq!(
            parse_event_age("61s (x2 over 6m23s)"),
            (Some(61), 2, Some(383))
        );
        assert_eq!(parse_event_age("24m"), (Some(1440), 1, Some(1440)));
        assert_eq!(
            parse_event_age("<invalid> (x9 over <invalid>)"),
            (None, 9, None)
        );
        assert_eq!(parse_event_age("<unknown>"), (None, 1, None));
    }
}
