//! The log scanner, streaming in reads of a size picked by the first byte.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = ktriage::fuzzing::logs(data);
    assert!(out.broken.is_empty(), "broken: {:#?}", out.broken);
});
