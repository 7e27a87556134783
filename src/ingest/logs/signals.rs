//! The lines of a log that later rules need, recognised as they stream by: the end of a Python
//! traceback (exception, message and the application frame that raised it), Go panics,
//! Java/Kotlin exceptions with their `Caused by` chain, Node.js errors, well-known system
//! errors (`address already in use`, `permission denied`, `exec format error`, `No such file or
//! directory`), CoreDNS's loop detection, and OOM and kill messages.
//!
//! Lines are first reduced to their message: timestamps (RFC 3339, the CRI
//! `<time> stdout F` prefix, klog's `I0102 15:04:05.000000 1 file.go:12]`) are dropped, and
//! JSON-structured lines give their `level` and `msg`.

use serde::Serialize;

/// What a signal line says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SignalKind {
    /// The last line of a Python traceback: `KeyError: 'MAX_STRESS_SECONDS'`.
    PythonException {
        /// Exception type (`KeyError`, `ModuleNotFoundError`).
        exception: String,
        /// Its message (may be empty).
        message: String,
        /// The innermost frame in application code (not site-packages or the standard library).
        frame: Option<Frame>,
    },
    /// `panic: ...` or `fatal error: ...` of a Go program.
    GoPanic {
        /// The panic message.
        message: String,
    },
    /// A Java/Kotlin exception line, with the `Caused by` chain that followed it.
    JavaException {
        /// Exception class (`java.lang.IllegalStateException`).
        exception: String,
        /// Its message.
        message: String,
        /// `Caused by:` exceptions, outermost first, with their line numbers.
        caused_by: Vec<(String, String, u64)>,
    },
    /// A Node.js error: `Error: Cannot find module 'express'`, `TypeError: ...`.
    NodeError {
        /// Error type.
        error: String,
        /// Its message.
        message: String,
    },
    /// `address already in use` / `EADDRINUSE`.
    AddressInUse,
    /// `permission denied` / `EACCES`.
    PermissionDenied,
    /// `exec format error` (binary built for another CPU).
    ExecFormatError,
    /// `no such file or directory` / `ENOENT`.
    NoSuchFile,
    /// CoreDNS `[FATAL] plugin/loop: Loop ... detected`.
    CoreDnsLoop,
    /// Out of memory inside the process: `MemoryError`, `OutOfMemoryError`, `JavaScript heap out
    /// of memory`, `runtime: out of memory`, `Out of memory: Killed process`.
    OutOfMemory,
    /// The process was killed or told to stop: `Killed`, `signal: killed`, `SIGTERM`, `SIGKILL`.
    Killed,
}

/// A stack frame: file, line in that file, function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// Source file.
    pub file: String,
    /// Line in the source file.
    pub file_line: u64,
    /// Function (`<module>` for module level).
    pub function: String,
    /// Line of the log where the frame was printed.
    pub log_line: u64,
}

/// One signal and the log line that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// What it says.
    #[serde(flatten)]
    pub kind: SignalKind,
    /// 1-based line in the log file.
    pub line: u64,
    /// The line as written (cut at the digest's line limit).
    pub text: String,
}

/// Signals kept per log; the most recent win.
pub const MAX_SIGNALS: usize = 64;

/// Reduces a log line to its message: timestamps and CRI/klog prefixes dropped, JSON lines
/// turned into `level: msg`.
pub fn message_of(line: &str) -> std::borrow::Cow<'_, str> {
    let mut s = super::strip_timestamp(line);
    // CRI log format (rotated kubelet files): `stdout F message`.
    for stream in ["stdout ", "stderr "] {
        if let Some(rest) = s.strip_prefix(stream) {
            if let Some(msg) = rest.strip_prefix("F ").or_else(|| rest.strip_prefix("P ")) {
                s = msg;
            }
        }
    }
    // klog: `I0102 15:04:05.000000       1 file.go:12] message`.
    let b = s.as_bytes();
    if b.len() > 22
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
    {
        if let Some(i) = s.find("] ") {
            s = &s[i + 2..];
        }
    }
    let t = s.trim_start();
    if t.starts_with('{') && t.ends_with('}') {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(t) {
            let field = |keys: &[&str]| {
                keys.iter()
                    .find_map(|k| m.get(*k).and_then(|v| v.as_str()))
                    .map(str::to_string)
            };
            if let Some(msg) = field(&["msg", "message", "MESSAGE", "log"]) {
                let mut out = match field(&["level", "severity", "lvl", "levelname"]) {
                    Some(level) => format!("{level}: {msg}"),
                    None => msg,
                };
                if let Some(err) = field(&["error", "err", "exception"]) {
                    out.push_str(": ");
                    out.push_str(&err);
                }
                return std::borrow::Cow::Owned(out);
            }
        }
    }
    std::borrow::Cow::Borrowed(s)
}

/// Tracks multi-line constructs (tracebacks, exception chains) across lines.
#[derive(Default)]
pub struct Scanner {
    in_python_traceback: bool,
    frames: Vec<Frame>,
    last_java: Option<usize>,
    signals: std::collections::VecDeque<Signal>,
    /// Signals dropped because of the cap.
    pub dropped: u64,
}

fn is_identifier_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            let mut c = p.chars();
            c.next()
                .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '$')
        })
}

/// `KeyError: 'x'` / `SystemExit` / `module.CustomError: text` → (type, message).
fn exception_line(msg: &str) -> Option<(String, String)> {
    let (ty, rest) = match msg.split_once(':') {
        Some((t, r)) => (t, r.trim().to_string()),
        None => (msg.trim(), String::new()),
    };
    if !is_identifier_path(ty) {
        return None;
    }
    let last = ty.rsplit('.').next().unwrap_or(ty);
    let looks = last.ends_with("Error")
        || last.ends_with("Exception")
        || last.ends_with("Exit")
        || last.ends_with("Interrupt")
        || last.ends_with("Warning")
        || last == "Exception"
        || last.ends_with("Failure");
    looks.then(|| (ty.to_string(), rest))
}

/// `  File "/app/main.py", line 14, in <module>` → (file, line, function).
fn python_frame(msg: &str) -> Option<(String, u64, String)> {
    let rest = msg.trim_start().strip_prefix("File \"")?;
    let (file, rest) = rest.split_once('"')?;
    let rest = rest.strip_prefix(", line ")?;
    let (num, rest) = rest.split_once(',').unwrap_or((rest, ""));
    let function = rest.trim().strip_prefix("in ").unwrap_or("").to_string();
    Some((file.to_string(), num.trim().parse().ok()?, function))
}

fn is_library_path(file: &str) -> bool {
    file.contains("site-packages")
        || file.contains("dist-packages")
        || file.contains("/lib/python")
        || file.starts_with("<frozen")
        || file.starts_with('<')
}

impl Scanner {
    /// True inside a Python traceback, where every line counts (frames match no pattern).
    pub fn in_traceback(&self) -> bool {
        self.in_python_traceback
    }

    fn push(&mut self, kind: SignalKind, line: u64, text: &str) -> usize {
        if self.signals.len() == MAX_SIGNALS {
            self.signals.pop_front();
            self.dropped += 1;
            self.last_java = self.last_java.and_then(|i| i.checked_sub(1));
        }
        self.signals.push_back(Signal {
            kind,
            line,
            text: text.to_string(),
        });
        self.signals.len() - 1
    }

    /// Looks at one line (`text` as written, `line` its number).
    pub fn line(&mut self, line: u64, text: &str) {
        let msg = message_of(text);
        let msg = msg.as_ref();
        let trimmed = msg.trim_start();
        // Python tracebacks.
        if trimmed.starts_with("Traceback (most recent call last)") {
            self.in_python_traceback = true;
            self.frames.clear();
            return;
        }
        if self.in_python_traceback {
            if let Some((file, file_line, function)) = python_frame(msg) {
                self.frames.push(Frame {
                    file,
                    file_line,
                    function,
                    log_line: line,
                });
                return;
            }
            if msg.starts_with(' ')
                || msg.starts_with('\t')
                || msg.trim().is_empty()
                || trimmed.starts_with('^')
                || trimmed.starts_with('~')
            {
                return;
            }
            if msg.starts_with("During handling") || msg.starts_with("The above exception") {
                return;
            }
            self.in_python_traceback = false;
            if let Some((exception, message)) = exception_line(msg) {
                let frame = self
                    .frames
                    .iter()
                    .rev()
                    .find(|f| !is_library_path(&f.file))
                    .or(self.frames.last())
                    .cloned();
                self.push(
                    SignalKind::PythonException {
                        exception,
                        message,
                        frame,
                    },
                    line,
                    text,
                );
                return;
            }
        }
        // Java / Kotlin.
        if let Some(rest) = trimmed.strip_prefix("Caused by: ") {
            if let (Some(i), Some((e, m))) = (self.last_java, exception_line(rest)) {
                if let Some(Signal {
                    kind: SignalKind::JavaException { caused_by, .. },
                    ..
                }) = self.signals.get_mut(i)
                {
                    caused_by.push((e, m, line));
                    return;
                }
            }
        }
        if trimmed.starts_with("at ") && (msg.starts_with('\t') || msg.starts_with("    ")) {
            return; // a Java or Node.js frame
        }
        let java_head = trimmed
            .strip_prefix("Exception in thread \"")
            .and_then(|r| r.split_once("\" "))
            .map(|(_, r)| r)
            .unwrap_or(trimmed);
        if let Some((exception, message)) = exception_line(java_head) {
            if exception.contains('.') && !msg.starts_with(' ') {
                if exception.ends_with("OutOfMemoryError") {
                    self.push(SignalKind::OutOfMemory, line, text);
                }
                let i = self.push(
                    SignalKind::JavaException {
                        exception,
                        message,
                        caused_by: Vec::new(),
                    },
                    line,
                    text,
                );
                self.last_java = Some(i);
                return;
            }
            // Node.js prints `TypeError: x` / `Error: Cannot find module` at column 0.
            if !msg.starts_with(' ') && !exception.contains('.') && trimmed == msg {
                let lower = message.to_ascii_lowercase();
                if exception == "MemoryError" {
                    self.push(SignalKind::OutOfMemory, line, text);
                    return;
                }
                self.push(
                    SignalKind::NodeError {
                        error: exception,
                        message,
                    },
                    line,
                    text,
                );
                self.system_errors(&lower, line, text);
                return;
            }
        }
        // Go: `panic: ...`, or the runtime's `fatal error: ...` (out of memory among them).
        let go = trimmed
            .strip_prefix("panic: ")
            .or_else(|| trimmed.strip_prefix("fatal error: "));
        if let Some(m) = go {
            if trimmed.starts_with("fatal error: ") && m.contains("out of memory") {
                self.push(SignalKind::OutOfMemory, line, text);
            }
            let message = m.to_string();
            self.push(SignalKind::GoPanic { message }, line, text);
            return;
        }
        if trimmed.contains("[FATAL] plugin/loop") {
            self.push(SignalKind::CoreDnsLoop, line, text);
            return;
        }
        let lower = trimmed.to_ascii_lowercase();
        if lower.contains("out of memory")
            || lower.contains("oomkilled")
            || lower.contains("oom-kill")
        {
            self.push(SignalKind::OutOfMemory, line, text);
            return;
        }
        if lower == "killed"
            || lower.starts_with("signal: killed")
            || lower.contains("received sigterm")
            || lower.contains("sigkill")
            || lower.contains("received signal terminated")
        {
            self.push(SignalKind::Killed, line, text);
            return;
        }
        self.system_errors(&lower, line, text);
    }

    fn system_errors(&mut self, lower: &str, line: u64, text: &str) {
        if lower.contains("address already in use") || lower.contains("eaddrinuse") {
            self.push(SignalKind::AddressInUse, line, text);
        } else if lower.contains("exec format error") {
            self.push(SignalKind::ExecFormatError, line, text);
        } else if lower.contains("permission denied") || lower.contains("eacces") {
            self.push(SignalKind::PermissionDenied, line, text);
        } else if lower.contains("no such file or directory") || lower.contains("enoent") {
            self.push(SignalKind::NoSuchFile, line, text);
        }
    }

    /// The signals found, oldest first.
    pub fn finish(self) -> Vec<Signal> {
        self.signals.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(log: &str) -> Vec<Signal> {
        let mut s = Scanner::default();
        for (i, l) in log.lines().enumerate() {
            s.line(i as u64 + 1, l);
        }
        s.finish()
    }

    #[test]
    fn python_traceback_with_app_frame() {
        let log = r#"INFO:     Will watch for changes
Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/uvicorn/importer.py", line 19, in import_from_string
    module = importlib.import_module(module_str)
  File "/usr/local/lib/python3.12/importlib/__init__.py", line 90, in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
  File "<frozen importlib._bootstrap>", line 1387, in _gcd_import
  File "/app/main.py", line 14, in <module>
    MAX_STRESS_SECONDS = int(os.environ["MAX_STRESS_SECONDS"])
                             ~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^
  File "<frozen os>", line 714, in __getitem__
KeyError: 'MAX_STRESS_SECONDS'
"#;
        let s = scan(log);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, 12);
        let SignalKind::PythonException {
            exception,
            message,
            frame,
        } = &s[0].kind
        else {
            panic!("{s:?}")
        };
        assert_eq!(exception, "KeyError");
        assert_eq!(message, "'MAX_STRESS_SECONDS'");
        let f = frame.as_ref().unwrap();
        assert_eq!(
            (
                f.file.as_str(),
                f.file_line,
                f.function.as_str(),
                f.log_line
            ),
            ("/app/main.py", 14, "<module>", 8)
        );
    }

    #[test]
    fn go_panic_and_klog() {
        let s = scan("I0102 15:04:05.000000       1 main.go:12] starting\npanic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 1 [running]:\nE0102 15:04:06.000000       1 server.go:80] listen tcp :8080: bind: address already in use\n");
        assert!(
            matches!(&s[0].kind, SignalKind::GoPanic { message } if message.starts_with("runtime error"))
        );
        assert_eq!(s[1].kind, SignalKind::AddressInUse);
        assert_eq!(s[1].line, 5);
    }

    #[test]
    fn java_caused_by_chain() {
        let log = "Exception in thread \"main\" org.springframework.BeanCreationException: Error creating bean\n\tat org.x.Y.z(Y.java:1)\nCaused by: java.net.ConnectException: Connection refused\n\tat a.b(C.java:2)\nCaused by: java.io.IOException: broken pipe\n";
        let s = scan(log);
        let SignalKind::JavaException {
            exception,
            caused_by,
            ..
        } = &s[0].kind
        else {
            panic!("{s:?}")
        };
        assert_eq!(exception, "org.springframework.BeanCreationException");
        assert_eq!(caused_by.len(), 2);
        assert_eq!(caused_by[0].0, "java.net.ConnectException");
        assert_eq!(caused_by[1].2, 5);
    }

    #[test]
    fn node_errors_and_system_errors() {
        let s = scan("node:internal/modules/cjs/loader:1080\n  throw err;\n  ^\n\nError: Cannot find module 'express'\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1077:15)\nexec /app/server: exec format error\nopen /data/db: permission denied\nError: listen EADDRINUSE: address already in use :::3000\n");
        assert!(
            matches!(&s[0].kind, SignalKind::NodeError { error, message } if error == "Error" && message == "Cannot find module 'express'")
        );
        assert_eq!(s[1].kind, SignalKind::ExecFormatError);
        assert_eq!(s[2].kind, SignalKind::PermissionDenied);
        assert!(s
            .iter()
            .any(|x| x.kind == SignalKind::AddressInUse && x.line == 9));
    }

    #[test]
    fn coredns_oom_kill_and_json_lines() {
        let s = scan("[FATAL] plugin/loop: Loop (127.0.0.1:44444 -> :53) detected for zone \".\"\n<--- JS stacktrace --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\nKilled\n{\"level\":\"error\",\"ts\":1.7,\"msg\":\"cannot open config\",\"error\":\"open /etc/app.yaml: no such file or directory\"}\n2024-01-02T03:04:05.123456789Z stderr F Traceback (most recent call last):\n2024-01-02T03:04:05.123456789Z stderr F   File \"/srv/app.py\", line 3, in <module>\n2024-01-02T03:04:05.123456789Z stderr F ValueError: bad\n");
        assert_eq!(s[0].kind, SignalKind::CoreDnsLoop);
        assert_eq!(s[1].kind, SignalKind::OutOfMemory);
        assert_eq!(s[2].kind, SignalKind::Killed);
        assert_eq!(s[3].kind, SignalKind::NoSuchFile);
        assert!(
            matches!(&s[4].kind, SignalKind::PythonException { exception, frame: Some(f), .. } if exception == "ValueError" && f.file == "/srv/app.py")
        );
    }

    #[test]
    fn message_prefixes() {
        assert_eq!(message_of("2021-08-03T09:21:41.164454188Z W0803 09:21:41.164298       1 etcd_env.go:287] cipher is not supported"), "cipher is not supported");
        assert_eq!(
            message_of("{\"level\":\"warn\",\"msg\":\"slow\"}"),
            "warn: slow"
        );
    }
}
