//! An input file named by the first byte, through everything the command line does, reports included. Writes one temporary file per run; slower than the others.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = ktriage::fuzzing::snapshot(data);
    assert!(out.broken.is_empty(), "broken: {:#?}", out.broken);
});
