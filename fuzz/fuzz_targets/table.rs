//! `kubectl get` tables.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = ktriage::fuzzing::table(data);
    assert!(out.broken.is_empty(), "broken: {:#?}", out.broken);
});
