//! Decompression on its own thread: a reader that a second thread fills ahead of time, so
//! that inflating an archive runs beside the work done on what it yields (reading tar
//! entries, digesting logs, finding evidence) instead of taking turns with it.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::{Scope, ScopedJoinHandle};

/// Bytes handed over at a time.
const CHUNK: usize = 256 * 1024;
/// Chunks decompressed ahead of the reader (memory in flight: `AHEAD * CHUNK`).
const AHEAD: usize = 8;

/// Reads what a producer thread decompressed, in order. Errors arrive where they happened.
pub(crate) struct Prefetch<'scope> {
    rx: Receiver<io::Result<Vec<u8>>>,
    /// Emptied chunks go back to the producer to be filled again.
    recycle: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
    _thread: ScopedJoinHandle<'scope, ()>,
}

impl<'scope> Prefetch<'scope> {
    /// Starts reading `inner` on a thread of `scope`. The thread ends at the end of the
    /// data, at an error, or as soon as this reader is dropped.
    pub(crate) fn spawn<'env, R: Read + Send + 'scope>(
        scope: &'scope Scope<'scope, 'env>,
        mut inner: R,
    ) -> Prefetch<'scope> {
        let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(AHEAD);
        let (recycle, spare) = sync_channel::<Vec<u8>>(AHEAD + 2);
        let thread = scope.spawn(move || loop {
            // Recycled chunks come back full length: no need to zero them again.
            let mut buf = spare.try_recv().unwrap_or_default();
            if buf.len() != CHUNK {
                buf.resize(CHUNK, 0);
            }
            let (n, failed) = super::fill(&mut inner, &mut buf);
            buf.truncate(n);
            let last = n < CHUNK || failed.is_some();
            if n > 0 && tx.send(Ok(buf)).is_err() {
                return;
            }
            if let Some(e) = failed {
                let _ = tx.send(Err(e));
                return;
            }
            if last {
                // The end: an empty chunk says so.
                let _ = tx.send(Ok(Vec::new()));
                return;
            }
        });
        Prefetch {
            rx,
            recycle,
            cur: Vec::new(),
            pos: 0,
            done: false,
            _thread: thread,
        }
    }
}

impl Read for Prefetch<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pos == self.cur.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(chunk)) if chunk.is_empty() => self.done = true,
                Ok(Ok(chunk)) => {
                    let old = std::mem::replace(&mut self.cur, chunk);
                    let _ = self.recycle.try_send(old);
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The producer is gone without a word: it panicked.
                Err(_) => {
                    self.done = true;
                    return Err(io::Error::other("the decompression thread stopped"));
                }
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields `len` bytes in reads of odd sizes, then an error if asked.
    struct Source {
        left: usize,
        fail: bool,
    }

    impl Read for Source {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                return if self.fail {
                    Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "corrupt deflate stream",
                    ))
                } else {
                    Ok(0)
                };
            }
            let n = out.len().min(self.left).min(7919);
            for (i, b) in out[..n].iter_mut().enumerate() {
                *b = ((self.left - i) % 251) as u8;
            }
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn same_bytes_in_the_same_order() {
        let len = 3 * CHUNK + 12345;
        let mut want = Vec::new();
        Source {
            left: len,
            fail: false,
        }
        .read_to_end(&mut want)
        .unwrap();
        let got = std::thread::scope(|s| {
            let mut p = Prefetch::spawn(
                s,
                Source {
                    left: len,
                    fail: false,
                },
            );
            let mut got = Vec::new();
            p.read_to_end(&mut got).unwrap();
            got
        });
        assert_eq!(got, want);
    }

    #[test]
    fn an_error_arrives_after_the_bytes_before_it() {
        std::thread::scope(|s| {
            let mut p = Prefetch::spawn(
                s,
                Source {
                    left: CHUNK + 10,
                    fail: true,
                },
            );
            let mut got = Vec::new();
            let e = p.read_to_end(&mut got).unwrap_err();
            assert_eq!(e.to_string(), "corrupt deflate stream");
            assert_eq!(got.len(), CHUNK + 10);
        });
    }

    #[test]
    fn dropping_the_reader_early_ends_the_thread() {
        std::thread::scope(|s| {
            let mut p = Prefetch::spawn(
                s,
                Source {
                    left: 100 * CHUNK,
                    fail: false,
                },
            );
            let mut first = [0u8; 10];
            p.read_exact(&mut first).unwrap();
            drop(p);
        });
        // The scope returned: the producer stopped instead of filling the whole stream.
    }
}
