//! Directory inputs: a sorted walk that never follows links, so that a link is read once at
//! its target and never leads outside the snapshot.

use super::paths::resolve_link;
use super::{cap_message, Body, CappedReader, Entry, InputInfo, InputKind, ReadOptions, Visitor};
use std::path::Path;

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
                visitor.entry(Entry {
                    path: &rel,
                    size: None,
                    body: Body::Unreadable(format!("cannot read: {reason}")),
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
        if ft.is_symlink() {
            let body = match std::fs::read_link(item.path()) {
                Ok(target) => {
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
                        resolve_link(&rel, &target)
                    };
                    match resolved {
                        Ok(t) if root.join(&t).is_file() => Body::Link { target: t },
                        Ok(t) if root.join(&t).is_dir() => {
                            Body::Refused(format!("link to folder {t:?} (read there)"))
                        }
                        Ok(t) => Body::Refused(format!("dangling link to {t:?}")),
                        Err(r) => Body::Refused(r),
                    }
                }
                Err(e) => Body::Unreadable(format!("cannot read link: {e}")),
            };
            visitor.entry(Entry {
                path: &rel,
                size: None,
                body,
            });
            continue;
        }
        if !ft.is_file() {
            visitor.entry(Entry {
                path: &rel,
                size: None,
                body: Body::Refused("refused: not a regular file".to_string()),
            });
            continue;
        }
        if info.bytes >= opts.max_bytes {
            info.stopped = Some(cap_message(opts.max_bytes));
            visitor.entry(Entry {
                path: &rel,
                size: None,
                body: Body::Unreadable(cap_message(opts.max_bytes)),
            });
            continue;
        }
        match std::fs::File::open(item.path()) {
            Ok(file) => {
                let size = file.metadata().ok().map(|m| m.len());
                let room = opts.max_bytes - info.bytes;
                let mut capped = CappedReader::new(
                    std::io::BufReader::with_capacity(256 * 1024, file),
                    room,
                    opts.progress.clone(),
                );
                visitor.entry(Entry {
                    path: &rel,
                    size,
                    body: Body::File(&mut capped),
                });
                info.bytes += capped.read;
            }
            Err(e) => visitor.entry(Entry {
                path: &rel,
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
