//! Recognises containers by their first bytes, not by their names.

/// The container formats ktriage opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Magic {
    /// gzip stream (`1f 8b`).
    Gzip,
    /// zstd frame (`28 b5 2f fd`).
    Zstd,
    /// zip archive (`PK\x03\x04` or the empty-archive `PK\x05\x06`).
    Zip,
    /// POSIX/GNU tar (`ustar` at offset 257), or a first block of zeros (an empty tar).
    Tar,
    /// Anything else: a plain file.
    Plain,
}

/// Classifies a buffer by its leading bytes.
pub fn sniff(head: &[u8]) -> Magic {
    if head.starts_with(&[0x1f, 0x8b]) {
        Magic::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Magic::Zstd
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Magic::Zip
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Magic::Tar
    } else if head.len() == 512 && head.iter().all(|b| *b == 0) {
        // The end-of-archive block: an archive without entries.
        Magic::Tar
    } else {
        Magic::Plain
    }
}
