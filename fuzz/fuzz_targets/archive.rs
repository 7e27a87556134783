//! An input file (tar, tar.gz, tar.zst, zip, compressed or plain file) named by the first byte, every entry read to the end. Writes one temporary file per run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = ktriage::fuzzing::archive(data);
    assert!(out.broken.is_empty(), "broken: {:#?}", out.broken);
});
