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
/// Default cap on the number of files read out of one input.
pub const DEFAULT_MAX_FILES: u64 = 1_000_000;
/// Default cap on the size of one file held in memory to be parsed (logs stream, and have
/// none).
pub const DEFAULT_MAX_DOCUMENT: u64 = 1024 * 1024 * 1024;
/// Default cap on how many times larger than its compressed form a snapshot may grow.
pub const DEFAULT_MAX_RATIO: u64 = 500;
/// Default cap on how much of one line the describe and table readers look at.
pub const DEFAULT_MAX_LINE: u64 = 64 * 1024;
/// Decompressed bytes below which the ratio is not checked: small files of repeated lines
/// compress very well and are no threat.
pub const RATIO_FLOOR: u64 = 128 * 1024 * 1024;

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

/// Limits and hooks for reading an input. Every limit stops or skips only what passes it,
/// says so in the file list with the flag that raises it, and lets the run go on.
#[derive(Clone)]
pub struct ReadOptions {
    /// Cap on the total bytes read out of the input after decompression (`--max-bytes`).
    pub max_bytes: u64,
    /// Cap on the files read out of one input (`--max-files`).
    pub max_files: u64,
    /// Cap on the size of one file held in memory to be parsed (`--max-document-size`).
    pub max_document: u64,
    /// Cap on decompressed bytes per compressed byte, once past [`RATIO_FLOOR`]
    /// (`--max-ratio`; 0: no cap).
    pub max_ratio: u64,
    /// Cap on how much of one line of describe text or a table is read
    /// (`--max-line-length`).
    pub max_line: u64,
    /// Counter of raw input bytes consumed so far (for progress display).
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_files: DEFAULT_MAX_FILES,
            max_document: DEFAULT_MAX_DOCUMENT,
            max_ratio: DEFAULT_MAX_RATIO,
            max_line: DEFAULT_MAX_LINE,
            progress: None,
        }
    }
}

/// Compressed bytes consumed so far, against which decompressed bytes are held by
/// `--max-ratio`.
#[derive(Clone, Default)]
pub struct Compressed(Arc<AtomicU64>);

impl Compressed {
    /// Bytes counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts `n` more bytes.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

/// A reader that counts what it yields as compressed bytes.
pub(crate) struct Tally<R> {
    pub(crate) inner: R,
    pub(crate) count: Compressed,
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.add(n as u64);
        Ok(n)
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
    /// The compressed bytes behind what this reader yields, and the most it may yield per
    /// compressed byte; bytes already yielded before this reader (`earlier`) count too.
    ratio: Option<(Compressed, u64, u64)>,
}

impl<R> CappedReader<R> {
    pub(crate) fn new(inner: R, cap: u64, progress: Option<Arc<AtomicU64>>) -> Self {
        Self {
            inner,
            read: 0,
            cap,
            progress,
            ratio: None,
        }
    }

    /// Also fails once more than `max` bytes come out per compressed byte (0: never), past
    /// [`RATIO_FLOOR`]; `earlier` bytes came out of the same compressed bytes before.
    pub(crate) fn with_ratio(mut self, compressed: Compressed, max: u64, earlier: u64) -> Self {
        if max > 0 {
            self.ratio = Some((compressed, max, earlier));
        }
        self
    }
}

/// The message used when decompressed data grows past `--max-ratio` times its compressed size.
pub fn ratio_message(out: u64, compressed: u64, max: u64) -> String {
    format!(
        "stopped: {} came out of {} of compressed data, more than {max} to 1, as an archive bomb \
         does (the --max-ratio limit); raise it to read the rest",
        human_bytes(out),
        human_bytes(compressed)
    )
}

/// The message used when an input holds more files than `--max-files`.
pub fn files_message(cap: u64) -> String {
    format!("stopped after {cap} files (the --max-files limit); raise it to read the rest")
}

/// The message of a limit inside an error message that wraps it (an archive library's), if
/// any: every limit message starts with `stopped` and names its flag.
pub fn limit_in(msg: &str) -> Option<&str> {
    if !msg.contains("(the --max-") {
        return None;
    }
    msg.find("stopped").map(|i| &msg[i..])
}

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

/// The message used when the decompressed-size cap is reached.
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
        if let Some((compressed, max, earlier)) = &self.ratio {
            let out = self.read + earlier;
            let c = compressed.get().max(1);
            if out > RATIO_FLOOR && out / c > *max {
                return Err(std::io::Error::other(ratio_message(out, c, *max)));
            }
        }
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
