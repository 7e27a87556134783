//! One JSON file of a plain snapshot: parsed, modelled, diagnosed and reported in memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = ktriage::fuzzing::ingest_file("objects.json", data);
    assert!(out.broken.is_empty(), "broken: {:#?}", out.broken);
});
