//! Directory inputs: a sorted walk that never follows links, so that a link is read once at
//! its target and never leads outside the snapshot.

use super::paths::resolve_link;
use super::{
    cap_message, files_message, Body, CappedReader, Entry, InputInfo, InputKind, ReadOptions,
    Visitor,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// One entry of a folder, found by [`list_dir`] and not read yet.
pub struct Listed {
    /// Path inside the folder, `/`-separated.
    pub path: String,
    /// Size in bytes, from the file system.
    pub size: Option<u64>,
    /// What it is.
    pub body: ListedBody,
}

/// What a listed entry is.
pub enum ListedBody {
    /// A regular file, at this path on disk.
    File(PathBuf),
    /// A link inside the snapshot (see [`Body::Link`]).
    Link(String),
    /// Not read, and why.
    Refused(String),
    /// Could not be read, and why.
    Unreadable(String),
}

/// Lists every entry of a folder, sorted, without following links or reading any file.
pub fn list_dir(root: &Path) -> Vec<Listed> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name();
    for item in walker {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                let rel = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(rel_string)
                    .unwrap_or_else(|| "?".to_string());
                let reason = e
                    .io_error()
                    .map(|io| io.to_string())
                    .unwrap_or_else(|| e.to_string());
                out.push(Listed {
                    path: rel,
                    size: None,
                    body: ListedBody::Unreadable(format!("cannot read: {reason}")),
                });
                continue;
            }
        };
        let ft = item.file_type();
        if ft.is_dir() {
            continue;
        }
        let Ok(rel_path) = item.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel_string(rel_path);
        let (size, body) = if ft.is_symlink() {
            (None, link(root, &rel, item.path()))
        } else if !ft.is_file() {
            (
                None,
                ListedBody::Refused("refused: not a regular file".to_string()),
            )
        } else {
            (
                item.metadata().ok().map(|m| m.len()),
                ListedBody::File(item.path().to_path_buf()),
            )
        };
        out.push(Listed {
            path: rel,
            size,
            body,
        });
    }
    out
}

/// A symbolic link of the folder: where it leads inside the snapshot, or why it is refused.
fn link(root: &Path, rel: &str, path: &Path) -> ListedBody {
    let target = match std::fs::read_link(path) {
        Ok(t) => t,
        Err(e) => return ListedBody::Unreadable(format!("cannot read link: {e}")),
    };
    let target = if target.is_absolute() {
        match target.strip_prefix(root) {
            Ok(t) => rel_string(t),
            Err(_) => target.display().to_string(),
        }
    } else {
        rel_string(&target)
    };
    let resolved = if target.starts_with('/') {
        Err(format!(
            "refused: link to {target:?} points outside the snapshot"
        ))
    } else {
        // `target` relative to the link's folder.
        resolve_link(rel, &target)
    };
    match resolved {
        Ok(t) if root.join(&t).is_file() => ListedBody::Link(t),
        Ok(t) if root.join(&t).is_dir() => {
            ListedBody::Refused(format!("link to folder {t:?} (read there)"))
        }
        Ok(t) => ListedBody::Refused(format!("dangling link to {t:?}")),
        Err(r) => ListedBody::Refused(r),
    }
}

/// Opens a listed file for reading, with `room` bytes left under the `--max-bytes` cap.
pub fn open_listed(
    file: &Path,
    room: u64,
    progress: Option<Arc<AtomicU64>>,
) -> std::io::Result<CappedReader<std::io::BufReader<std::fs::File>>> {
    let file = std::fs::File::open(file)?;
    Ok(CappedReader::new(
        std::io::BufReader::with_capacity(256 * 1024, file),
        room,
        progress,
    ))
}

pub(super) fn read_dir(
    root: &Path,
    display: String,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> InputInfo {
    let mut info = InputInfo {
        display,
        kind: InputKind::Directory,
        file_name: None,
        stopped: None,
        bytes: 0,
        newest_mtime: None,
    };
    for (n, item) in list_dir(root).into_iter().enumerate() {
        if visitor.done() {
            break;
        }
        if n as u64 == opts.max_files {
            info.stopped = Some(files_message(opts.max_files));
            break;
        }
        let rel = item.path.as_str();
        let other = match item.body {
            ListedBody::File(f) => Ok(f),
            ListedBody::Link(target) => Err(Body::Link { target }),
            ListedBody::Refused(r) => Err(Body::Refused(r)),
            ListedBody::Unreadable(r) => Err(Body::Unreadable(r)),
        };
        let file = match other {
            Ok(f) => f,
            Err(body) => {
                visitor.entry(Entry {
                    path: rel,
                    size: None,
                    body,
                });
                continue;
            }
        };
        if info.bytes >= opts.max_bytes {
            info.stopped = Some(cap_message(opts.max_bytes));
            visitor.entry(Entry {
                path: rel,
                size: None,
                body: Body::Unreadable(cap_message(opts.max_bytes)),
            });
            continue;
        }
        match open_listed(&file, opts.max_bytes - info.bytes, opts.progress.clone()) {
            Ok(mut capped) => {
                visitor.entry(Entry {
                    path: rel,
                    size: item.size,
                    body: Body::File(&mut capped),
                });
                info.bytes += capped.read;
            }
            Err(e) => visitor.entry(Entry {
                path: rel,
                size: None,
                body: Body::Unreadable(format!("cannot open: {e}")),
            }),
        }
    }
    info
}

fn rel_string(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
