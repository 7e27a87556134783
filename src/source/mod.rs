//! Where the bytes of a snapshot come from: a directory, a single file, standard input, or an
//! archive (`.tar`, `.tar.gz`/`.tgz`, `.tar.zst`, `.zip`, recognised by their magic bytes).
//!
//! Sources never write to disk and never interpret content: they hand each entry to a visitor as
//! a reader, so that large files (logs) can be streamed and digested without being held in
//! memory. Links that would leave the snapshot, absolute paths and `..` components are refused and
//! reported as such; a cap on decompressed bytes protects against archive bombs.

mod archive;
mod dir;
pub use dir::{list_dir, open_listed, Listed, ListedBody};
pub mod paths;
mod prefetch;
mod sniff;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use sniff::{sniff, Magic};

/// Default cap on the total number of bytes read out of a snapshot (after decompression).
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024 * 1024;

/// Errors that stop a whole input from being read (a bad entry inside an input does not).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path given on the command line does not exist.
    #[error("path does not exist: {0}")]
    NotFound(PathBuf),
    /// The input could not be opened or read at all.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The input.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What kind of container the input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A directory tree.
    Directory,
    /// One plain file.
    File,
    /// A tar archive, maybe compressed.
    Tar,
    /// A gzip-compressed tar archive.
    TarGz,
    /// A zstd-compressed tar archive.
    TarZst,
    /// A zip archive.
    Zip,
    /// One gzip- or zstd-compressed file that is not an archive.
    CompressedFile,
}

/// The body of one entry handed to a [`Visitor`].
pub enum Body<'a> {
    /// A regular file; read it to the end or drop it.
    File(&'a mut dyn Read),
    /// A symbolic link whose target, resolved against the link's folder, stays inside the
    /// snapshot. `target` is the resolved path, in the same form as entry paths.
    Link {
        /// Resolved path of the link target.
        target: String,
    },
    /// An entry that was not read, and why (escaping link, absolute path, `..`, device file...).
    Refused(String),
    /// An entry that could not be read (permissions, I/O error, corrupt archive member).
    Unreadable(String),
}

/// One entry of an input: its path (with `/` separators, relative to the input) and body.
pub struct Entry<'a> {
    /// Path inside the input, `/`-separated, never absolute, never containing `..`.
    pub path: &'a str,
    /// Size in bytes when the container declares it.
    pub size: Option<u64>,
    /// What to read.
    pub body: Body<'a>,
}

/// Receives the entries of an input, in the order the input stores them.
pub trait Visitor {
    /// Called once per entry.
    fn entry(&mut self, entry: Entry<'_>);

    /// True once the visitor needs no more entries: the input is then read no further (the
    /// rest of an archive is not even decompressed).
    fn done(&self) -> bool {
        false
    }
}

impl<F: FnMut(Entry<'_>)> Visitor for F {
    fn entry(&mut self, entry: Entry<'_>) {
        self(entry)
    }
}

/// Limits and hooks for reading an input.
#[derive(Clone)]
pub struct ReadOptions {
    /// Cap on the total bytes read out of the input after decompression.
    pub max_bytes: u64,
    /// Counter of raw input bytes consumed so far (for progress display).
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            progress: None,
        }
    }
}

/// What was learned about an input while reading it.
#[derive(Debug, Clone)]
pub struct InputInfo {
    /// The path as the user gave it (`-` for standard input).
    pub display: String,
    /// The container format.
    pub kind: InputKind,
    /// Name given to a single-file input's only entry.
    pub file_name: Option<String>,
    /// A problem that stopped reading part way (truncated archive, size cap reached).
    pub stopped: Option<String>,
    /// Bytes read out of the input after decompression.
    pub bytes: u64,
    /// Modification time of the newest archive member, when the archive records one.
    pub newest_mtime: Option<u64>,
}

/// Reads one input given on the command line and hands every entry to `visitor`.
///
/// `-` reads standard input. Errors are returned only when the input itself cannot be opened;
/// problems inside it are reported through the visitor or in [`InputInfo::stopped`].
pub fn read_input(
    path: &Path,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> Result<InputInfo, SourceError> {
    let display = path.display().to_string();
    if display == "-" {
        // Standard input can be read only once; it is kept so that a report can read the
        // files that hold evidence again.
        static STDIN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let buf = match STDIN.get() {
            Some(b) => b.clone(),
            None => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut buf)
                    .map_err(|source| SourceError::Io {
                        path: path.to_path_buf(),
                        source,
                    })?;
                STDIN.get_or_init(|| buf).clone()
            }
        };
        return Ok(archive::read_bytes(display, "stdin", buf, opts, visitor));
    }
    let meta = std::fs::metadata(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SourceError::NotFound(path.to_path_buf())
        } else {
            SourceError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    if meta.is_dir() {
        return Ok(dir::read_dir(path, display, opts, visitor));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| display.clone());
    let file = std::fs::File::open(path).map_err(|source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    archive::read_file(display, &name, file, meta.len(), opts, visitor).map_err(|source| {
        SourceError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// A reader that counts the bytes it yields and fails once a cap is passed, so that a
/// decompression bomb stops with a clear message instead of filling memory.
pub struct CappedReader<R> {
    inner: R,
    pub(crate) read: u64,
    cap: u64,
    progress: Option<Arc<AtomicU64>>,
}

impl<R> CappedReader<R> {
    pub(crate) fn new(inner: R, cap: u64, progress: Option<Arc<AtomicU64>>) -> Self {
        Self {
            inner,
            read: 0,
            cap,
            progress,
        }
    }
}

/// The message used when the decompressed-size cap is reached.
/// Fills `buf` from `r` as far as it goes (short only at the end of the data): how much was
/// read, and the error that stopped it.
pub(crate) fn fill(r: &mut dyn Read, buf: &mut [u8]) -> (usize, Option<std::io::Error>) {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

pub fn cap_message(cap: u64) -> String {
    format!(
        "stopped after {} of decompressed data (the --max-bytes limit); raise it to read the rest",
        human_bytes(cap)
    )
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read >= self.cap {
            return Err(std::io::Error::other(cap_message(self.cap)));
        }
        let room = (self.cap - self.read).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.read += n as u64;
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Formats a byte count for people (`1.5 GiB`).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
