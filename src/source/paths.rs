//! Lexical path handling for entries inside a snapshot: normalisation, link resolution and the
//! checks that keep every entry inside the snapshot.

/// Normalises an entry name from an archive: `\` becomes `/`, `./` and empty segments vanish.
/// Returns `Err` with a reason when the name is absolute or climbs out with `..`.
pub fn normalize_entry(name: &str) -> Result<String, String> {
    let name = name.replace('\\', "/");
    if name.starts_with('/') || (name.len() > 1 && name.as_bytes()[1] == b':') {
        return Err(format!("refused: absolute path {name:?}"));
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in name.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(format!("refused: path {name:?} climbs out with `..`")),
            s => out.push(s),
        }
    }
    if out.is_empty() {
        return Err(format!("refused: empty path {name:?}"));
    }
    Ok(out.join("/"))
}

/// Resolves a link `target` found at entry `link` (both `/`-separated). Returns the resolved
/// path when it stays inside the snapshot, or a reason when it does not.
pub fn resolve_link(link: &str, target: &str) -> Result<String, String> {
    let target = target.replace('\\', "/");
    if target.starts_with('/') {
        return Err(format!("refused: link to absolute path {target:?}"));
    }
    let mut out: Vec<&str> = link.split('/').collect();
    out.pop();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Err(format!(
                        "refused: link to {target:?} points outside the snapshot"
                    ));
                }
            }
            s => out.push(s),
        }
    }
    if out.is_empty() {
        return Err(format!(
            "refused: link to {target:?} points at the snapshot root"
        ));
    }
    Ok(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert_eq!(normalize_entry("./a//b/c.json").unwrap(), "a/b/c.json");
        assert!(normalize_entry("/etc/passwd").is_err());
        assert!(normalize_entry("a/../../x").is_err());
        assert!(normalize_entry("C:/x").is_err());
    }

    #[test]
    fn links() {
        assert_eq!(
            resolve_link(
                "sb/all-logs/p/c.log",
                "../../cluster-resources/pods/logs/ns/p/c.log"
            )
            .unwrap(),
            "sb/cluster-resources/pods/logs/ns/p/c.log"
        );
        assert!(resolve_link("a/b.log", "../../etc/passwd").is_err());
        assert!(resolve_link("a/b.log", "/etc/passwd").is_err());
    }
}
