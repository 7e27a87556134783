//! Archives and single files: tar (plain, gzip, zstd), zip, and compressed or plain single files.
//! Everything is streamed from the input; nothing is unpacked to disk.

use super::paths::{normalize_entry, resolve_link};
use super::{
    cap_message, files_message, limit_in, sniff, Body, CappedReader, Compressed, Entry, InputInfo,
    InputKind, Magic, ReadOptions, Tally, Visitor,
};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

/// Reads a file input (archive or plain) from an open file.
pub(super) fn read_file(
    display: String,
    name: &str,
    mut file: std::fs::File,
    len: u64,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> std::io::Result<InputInfo> {
    let mut head = [0u8; 512];
    let n = read_full(&mut file, &mut head)?;
    file.seek(SeekFrom::Start(0))?;
    let magic = sniff(&head[..n]);
    if magic == Magic::Zip {
        return Ok(read_zip(display, file, opts, visitor));
    }
    let compressed = Compressed::default();
    let raw = CappedReader::new(
        Tally {
            inner: BufReader::with_capacity(1 << 20, file),
            count: compressed.clone(),
        },
        u64::MAX,
        opts.progress.clone(),
    );
    Ok(read_stream(
        display,
        name,
        magic,
        (raw, compressed),
        Some(len),
        opts,
        visitor,
    ))
}

/// Reads an input that is already in memory (standard input).
pub(super) fn read_bytes(
    display: String,
    name: &str,
    buf: Vec<u8>,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> InputInfo {
    let magic = sniff(&buf[..buf.len().min(512)]);
    if magic == Magic::Zip {
        return read_zip(display, Cursor::new(buf), opts, visitor);
    }
    let len = buf.len() as u64;
    let compressed = Compressed::default();
    let raw = Tally {
        inner: Cursor::new(buf),
        count: compressed.clone(),
    };
    read_stream(
        display,
        name,
        magic,
        (raw, compressed),
        Some(len),
        opts,
        visitor,
    )
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    match super::fill(r, buf) {
        (_, Some(e)) => Err(e),
        (n, None) => Ok(n),
    }
}

/// Strips a compression suffix from a single compressed file's name.
fn strip_compression_suffix(name: &str) -> String {
    for suffix in [".gz", ".gzip", ".zst", ".zstd"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            if !stem.is_empty() {
                return stem.to_string();
            }
        }
    }
    name.to_string()
}

/// Reads a stream, maybe compressed: `raw` with the count of the bytes taken from it.
fn read_stream<R: Read + Send>(
    display: String,
    name: &str,
    magic: Magic,
    (raw, compressed): (R, Compressed),
    len: Option<u64>,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> InputInfo {
    let mut info = InputInfo {
        display,
        kind: InputKind::File,
        file_name: None,
        stopped: None,
        bytes: 0,
        newest_mtime: None,
    };
    let decoded: Box<dyn Read + Send> = match magic {
        Magic::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        Magic::Zstd => match zstd::stream::read::Decoder::new(raw) {
            Ok(d) => Box::new(d),
            Err(e) => {
                info.stopped = Some(format!("cannot start zstd decoding: {e}"));
                return info;
            }
        },
        _ => Box::new(raw),
    };
    if matches!(magic, Magic::Gzip | Magic::Zstd) {
        // Inflating on a thread of its own, ahead of the reader.
        std::thread::scope(|scope| {
            let ahead = super::prefetch::Prefetch::spawn(scope, decoded);
            let ahead: Box<dyn Read> = Box::new(ahead);
            let decoded = CappedReader::new(ahead, opts.max_bytes, None).with_ratio(
                compressed,
                opts.max_ratio,
                0,
            );
            read_decoded(info, name, magic, decoded, len, opts, visitor)
        })
    } else {
        let decoded: Box<dyn Read> = decoded;
        let decoded = CappedReader::new(decoded, opts.max_bytes, None);
        read_decoded(info, name, magic, decoded, len, opts, visitor)
    }
}

fn read_decoded(
    mut info: InputInfo,
    name: &str,
    magic: Magic,
    mut capped: CappedReader<Box<dyn Read + '_>>,
    len: Option<u64>,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> InputInfo {
    let mut head = vec![0u8; 512];
    let n = match read_full(&mut capped, &mut head) {
        Ok(n) => n,
        Err(e) => {
            info.stopped = Some(describe_stream_error(magic, &e));
            info.file_name = Some(name.to_string());
            visitor.entry(Entry {
                path: name,
                size: len,
                body: Body::Unreadable(describe_stream_error(magic, &e)),
            });
            return info;
        }
    };
    head.truncate(n);
    let is_tar = sniff(&head) == Magic::Tar;
    let mut stream = CappedReader::new(Cursor::new(head).chain(capped), u64::MAX, None);
    if is_tar {
        info.kind = match magic {
            Magic::Gzip => InputKind::TarGz,
            Magic::Zstd => InputKind::TarZst,
            _ => InputKind::Tar,
        };
        read_tar(&mut stream, opts, visitor, &mut info);
        // What follows the end of the archive (padding, the gzip trailer with its checksum)
        // is read too, so that damage there is seen and the byte count is complete.
        if info.stopped.is_none() && !visitor.done() {
            if let Err(e) = std::io::copy(&mut stream, &mut std::io::sink()) {
                info.stopped = Some(format!(
                    "{}; the files listed were read before it",
                    describe_stream_error(magic, &e)
                ));
            }
        }
    } else {
        let single = match magic {
            Magic::Gzip | Magic::Zstd => {
                info.kind = InputKind::CompressedFile;
                strip_compression_suffix(name)
            }
            _ => name.to_string(),
        };
        info.file_name = Some(single.clone());
        visitor.entry(Entry {
            path: &single,
            size: if magic == Magic::Plain { len } else { None },
            body: Body::File(&mut stream),
        });
        // Drain what the visitor left so that the byte count and cap checks are complete.
        if let Err(e) = std::io::copy(&mut stream, &mut std::io::sink()) {
            info.stopped = Some(describe_stream_error(magic, &e));
        }
    }
    info.bytes = stream.read;
    if info.stopped.is_none() && info.bytes >= opts.max_bytes && opts.max_bytes > 0 {
        info.stopped = Some(cap_message(opts.max_bytes));
    }
    info
}

fn describe_stream_error(magic: Magic, e: &std::io::Error) -> String {
    let what = match magic {
        Magic::Gzip => "gzip data",
        Magic::Zstd => "zstd data",
        _ => "file",
    };
    let msg = e.to_string();
    if let Some(limit) = limit_in(&msg) {
        return limit.to_string();
    }
    format!("{what} is damaged or truncated: {msg}")
}

fn read_tar<R: Read>(
    stream: &mut CappedReader<R>,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
    info: &mut InputInfo,
) {
    let mut ar = tar::Archive::new(stream);
    let entries = match ar.entries() {
        Ok(e) => e,
        Err(e) => {
            info.stopped = Some(format!("archive cannot be read: {e}"));
            return;
        }
    };
    let mut entries = entries;
    let mut files = 0u64;
    while !visitor.done() {
        let Some(entry) = entries.next() else {
            break;
        };
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let msg = e.to_string();
                info.stopped = Some(match limit_in(&msg) {
                    Some(limit) => limit.to_string(),
                    None if msg.contains("EOF") || msg.contains("incomplete") => format!(
                        "archive is cut short after the last file listed ({msg}), as an \
                         interrupted download or copy leaves it; the files listed were read"
                    ),
                    None => format!(
                        "archive is damaged after the last file listed ({msg}); the files \
                         listed were read"
                    ),
                });
                break;
            }
        };
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let header = entry.header();
        if let Ok(m) = header.mtime() {
            info.newest_mtime = Some(info.newest_mtime.map_or(m, |x| x.max(m)));
        }
        let etype = header.entry_type();
        if etype.is_dir()
            || etype.is_pax_global_extensions()
            || etype.is_pax_local_extensions()
            || etype.is_gnu_longname()
            || etype.is_gnu_longlink()
        {
            continue;
        }
        if files == opts.max_files {
            info.stopped = Some(files_message(opts.max_files));
            break;
        }
        files += 1;
        let path = match normalize_entry(&raw_name) {
            Ok(p) => p,
            Err(reason) => {
                visitor.entry(Entry {
                    path: &raw_name,
                    size: None,
                    body: Body::Refused(reason),
                });
                continue;
            }
        };
        let size = entry.size();
        if etype.is_symlink() || etype.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            // Symlink targets are relative to the link's folder; hard-link targets are archive paths.
            let resolved = if etype.is_symlink() {
                resolve_link(&path, &target)
            } else {
                normalize_entry(&target).map_err(|r| format!("hard link target: {r}"))
            };
            let body = match resolved {
                Ok(target) => Body::Link { target },
                Err(reason) => Body::Refused(reason),
            };
            visitor.entry(Entry {
                path: &path,
                size: None,
                body,
            });
            continue;
        }
        if etype.is_file() || etype == tar::EntryType::Continuous || etype.is_gnu_sparse() {
            visitor.entry(Entry {
                path: &path,
                size: Some(size),
                body: Body::File(&mut entry),
            });
        } else {
            visitor.entry(Entry {
                path: &path,
                size: None,
                body: Body::Refused(format!(
                    "refused: special archive entry ({etype:?}), not a regular file"
                )),
            });
        }
    }
}

fn read_zip<R: Read + Seek>(
    display: String,
    reader: R,
    opts: &ReadOptions,
    visitor: &mut dyn Visitor,
) -> InputInfo {
    let mut info = InputInfo {
        display,
        kind: InputKind::Zip,
        file_name: None,
        stopped: None,
        bytes: 0,
        newest_mtime: None,
    };
    let mut ar = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            info.stopped = Some(format!("zip archive cannot be read: {e}"));
            return info;
        }
    };
    // Compressed bytes of the members read so far, against which `--max-ratio` holds what
    // came out of them.
    let compressed = Compressed::default();
    let mut files = 0u64;
    for i in 0..ar.len() {
        if visitor.done() {
            break;
        }
        if info.bytes >= opts.max_bytes {
            info.stopped = Some(cap_message(opts.max_bytes));
            break;
        }
        if files == opts.max_files {
            info.stopped = Some(files_message(opts.max_files));
            break;
        }
        let member_name = match ar.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            _ => format!("(member {i})"),
        };
        let mut file = match ar.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                let name = member_name;
                visitor.entry(Entry {
                    path: &name,
                    size: None,
                    body: Body::Unreadable(format!("zip member cannot be read: {e}")),
                });
                continue;
            }
        };
        if file.is_dir() {
            continue;
        }
        files += 1;
        let raw_name = match file.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                visitor.entry(Entry {
                    path: "?",
                    size: None,
                    body: Body::Unreadable(format!("zip member name cannot be read: {e}")),
                });
                continue;
            }
        };
        let path = match normalize_entry(&raw_name) {
            Ok(p) => p,
            Err(reason) => {
                visitor.entry(Entry {
                    path: &raw_name,
                    size: None,
                    body: Body::Refused(reason),
                });
                continue;
            }
        };
        if file.is_symlink() {
            let mut target = String::new();
            let body = match (&mut file).take(4096).read_to_string(&mut target) {
                Ok(_) => match resolve_link(&path, &target) {
                    Ok(t) => Body::Link { target: t },
                    Err(r) => Body::Refused(r),
                },
                Err(e) => Body::Unreadable(format!("zip symlink cannot be read: {e}")),
            };
            visitor.entry(Entry {
                path: &path,
                size: None,
                body,
            });
            continue;
        }
        let size = file.size();
        let packed = file.compressed_size();
        if opts.max_ratio > 0 && size > super::RATIO_FLOOR && size / packed.max(1) > opts.max_ratio
        {
            // A member that says it is a bomb is not opened at all.
            visitor.entry(Entry {
                path: &path,
                size: Some(size),
                body: Body::Refused(format!(
                    "not read: {}",
                    super::ratio_message(size, packed, opts.max_ratio)
                        .trim_start_matches("stopped: ")
                        .replace(" came out of ", " would come out of ")
                        .replace("raise it to read the rest", "raise it to read it")
                )),
            });
            continue;
        }
        compressed.add(packed);
        let room = opts.max_bytes.saturating_sub(info.bytes);
        let mut capped = CappedReader::new(&mut file, room, opts.progress.clone()).with_ratio(
            compressed.clone(),
            opts.max_ratio,
            info.bytes,
        );
        visitor.entry(Entry {
            path: &path,
            size: Some(size),
            body: Body::File(&mut capped),
        });
        info.bytes += capped.read;
        // A member that passed the ratio stops the archive: the next would do the same.
        let out = info.bytes;
        if opts.max_ratio > 0
            && out > super::RATIO_FLOOR
            && out / compressed.get().max(1) > opts.max_ratio
        {
            info.stopped = Some(super::ratio_message(out, compressed.get(), opts.max_ratio));
            break;
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.tar.gz` of `n` files named `f0` .. `f<n-1>`.
    fn tar_gz(n: usize) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..n {
            let body = format!("file {i}\n");
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_size(body.len() as u64);
            b.append_data(&mut h, format!("f{i}"), body.as_bytes())
                .unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    /// Counts entries, and is done after `stop` of them.
    struct Counting {
        seen: Vec<String>,
        stop: usize,
    }

    impl Visitor for Counting {
        fn entry(&mut self, e: Entry<'_>) {
            self.seen.push(e.path.to_string());
        }

        fn done(&self) -> bool {
            self.seen.len() >= self.stop
        }
    }

    #[test]
    fn reading_stops_when_the_visitor_is_done() {
        let bytes = tar_gz(5);
        let opts = ReadOptions::default();
        let mut all = Counting {
            seen: Vec::new(),
            stop: usize::MAX,
        };
        read_bytes("x".into(), "x.tar.gz", bytes.clone(), &opts, &mut all);
        assert_eq!(all.seen, ["f0", "f1", "f2", "f3", "f4"]);
        let mut two = Counting {
            seen: Vec::new(),
            stop: 2,
        };
        read_bytes("x".into(), "x.tar.gz", bytes, &opts, &mut two);
        assert_eq!(two.seen, ["f0", "f1"]);
    }
}
