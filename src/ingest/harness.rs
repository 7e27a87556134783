//! Files captured by tool harnesses (test fixtures, chat-ops bots) wrap the real output: one or
//! two JSON lines saying which tool ran with which parameters (`{"toolset_name": ...,
//! "match_params": {"pod_name": ..., "namespace": ...}}`, `{"schema_version": ...}`), an
//! optional ``Command `...` failed`` line, then `stdout:` and `stderr:` sections. This module
//! finds the output inside, and the parameters that say whose output it is.

use std::ops::Range;

/// The wrapped output of a harness file.
#[derive(Debug, Clone, PartialEq)]
pub struct Harness {
    /// Byte range of the real output (the `stdout:` section, or everything after the header).
    pub content: Range<usize>,
    /// The tool's parameters (`match_params` or `params`): `kind`, `name`, `namespace`,
    /// `pod_name`, `resource_name`...
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The tool's name (`kubectl_describe`, `fetch_pod_logs`).
    pub tool: Option<String>,
    /// What the harness said besides the output: a failed command, the `stderr:` text.
    pub notes: Vec<String>,
    /// Number of header lines skipped.
    pub header_lines: usize,
}

impl Harness {
    /// A parameter as a string (`"*"` and empty count as absent).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty() && *s != "*")
    }
}

fn header_line(line: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let t = line.trim();
    if !(t.starts_with('{') && t.ends_with('}')) {
        return None;
    }
    match serde_json::from_str::<serde_json::Value>(t) {
        Ok(serde_json::Value::Object(m))
            if m.contains_key("toolset_name")
                || m.contains_key("schema_version")
                || m.contains_key("tool_name") =>
        {
            Some(m)
        }
        _ => None,
    }
}

/// Recognises a harness wrapper at the start of `text`.
pub fn strip(text: &str) -> Option<Harness> {
    let mut pos = 0usize;
    let mut params = serde_json::Map::new();
    let mut tool = None;
    let mut header_lines = 0usize;
    let mut notes = Vec::new();
    // Header JSON lines.
    for line in text.split_inclusive('\n') {
        let Some(m) = header_line(line) else { break };
        for key in ["match_params", "params"] {
            if let Some(serde_json::Value::Object(p)) = m.get(key) {
                for (k, v) in p {
                    params.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if tool.is_none() {
            tool = m
                .get("tool_name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
        if let Some(e) = m.get("error").and_then(|v| v.as_str()) {
            notes.push(format!("the tool reported: {e}"));
        }
        pos += line.len();
        header_lines += 1;
    }
    if header_lines == 0 {
        return None;
    }
    // Blank lines, a failed-command line and the `stdout:` marker.
    let mut start = pos;
    for line in text[pos..].split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() {
            start += line.len();
            continue;
        }
        if t.starts_with("Command `") && t.contains("failed with return code") {
            notes.push(t.to_string());
            start += line.len();
            continue;
        }
        if t == "stdout:" {
            start += line.len();
        }
        break;
    }
    // The `stderr:` section ends the output.
    let mut end = text.len();
    let mut off = start;
    for line in text[start..].split_inclusive('\n') {
        if line.trim_end() == "stderr:" {
            end = off;
            let err = text[off + line.len()..].trim();
            if !err.is_empty() {
                notes.push(format!("stderr: {}", err.lines().next().unwrap_or(err)));
            }
            break;
        }
        off += line.len();
    }
    Some(Harness {
        content: start..end.max(start),
        params,
        tool,
        notes,
        header_lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_wrapper() {
        let t = "{\"toolset_name\": \"kubernetes/core\", \"tool_name\": \"kubectl_describe\", \"match_params\": {\"kind\": \"pod\", \"name\": \"p\", \"namespace\": \"default\"}}\n{\"schema_version\": \"robusta:v1.0.0\", \"status\": \"success\", \"error\": null}\n\nstdout:\nName:  p\n\nstderr:\n";
        let h = strip(t).unwrap();
        assert_eq!(&t[h.content.clone()], "Name:  p\n\n");
        assert_eq!(h.param("name"), Some("p"));
        assert_eq!(h.tool.as_deref(), Some("kubectl_describe"));
        assert_eq!(h.header_lines, 2);
        assert!(h.notes.is_empty());
    }

    #[test]
    fn failed_command_and_stderr() {
        let t = "{\"toolset_name\": \"kubernetes/logs\", \"match_params\": {\"pod_name\": \"agent\", \"namespace\": \"default\"}}\n{\"schema_version\": \"x\"}\nCommand `kubectl logs agent --previous` failed with return code 1\nstdout:\n\nstderr:\nError from server (BadRequest): previous terminated container \"exporter\" in pod \"agent\" not found\n";
        let h = strip(t).unwrap();
        assert!(t[h.content.clone()].trim().is_empty());
        assert_eq!(h.notes.len(), 2);
        assert!(h.notes[1].contains("BadRequest"));
        assert_eq!(h.param("pod_name"), Some("agent"));
    }

    #[test]
    fn no_wrapper() {
        assert!(strip("Name: p\n").is_none());
        assert!(strip("{\"kind\": \"Pod\"}\n").is_none());
    }
}
