//! One file at a place in a snapshot picked by the first byte (layout and path decide its role): parsed, modelled, diagnosed and reported in memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = ktriage::fuzzing::ingest_any(data);
    assert!(out.broken.is_empty(), "broken: {:#?}", out.broken);
});
