//! Inputs the fuzz targets in `fuzz/` found to crash, hang or break an invariant, fed through
//! the same `ktriage::fuzzing` entry points, and a pass of every entry point over a few of
//! the seed files so that the entry points themselves keep working.

use ktriage::fuzzing::{self, Outcome};
use std::path::Path;

/// Asserts that a run completed with every invariant holding.
fn holds(out: &Outcome) {
    assert!(
        out.broken.is_empty(),
        "broken invariants: {:#?}",
        out.broken
    );
}

fn testdata(path: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// `data` after the first byte `pick`.
fn with_first(pick: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![pick];
    v.extend_from_slice(data);
    v
}

#[test]
fn entry_points_read_seed_files() {
    let pods = testdata("fixtures/incident/pods.yaml");
    let out = fuzzing::ingest_file("pods.yaml", &pods);
    holds(&out);
    assert!(out.objects > 0 && out.findings > 0, "{out:?}");

    let json = testdata("fixtures/redacted/pods.json");
    let out = fuzzing::ingest_file("pods.json", &json);
    holds(&out);
    assert!(out.objects > 0, "{out:?}");

    for place in 0..fuzzing::PLACES.len() {
        holds(&fuzzing::ingest_any(&with_first(place as u8, &pods)));
    }

    let out = fuzzing::describe(&testdata("describe/pod_modern.txt"));
    holds(&out);
    assert!(out.objects > 0, "{out:?}");

    let out = fuzzing::table(&testdata("tables/pods_old.txt"));
    holds(&out);
    assert!(out.objects > 0, "{out:?}");

    let log = testdata("fixtures/plain/api-1.log");
    for pick in 0..9 {
        let out = fuzzing::logs(&with_first(pick, &log));
        holds(&out);
        assert_eq!(out.logs, 1, "{out:?}");
    }

    let bundle = testdata("demo/fastapi-k8s-bundle.tar.gz");
    let out = fuzzing::archive(&with_first(0, &bundle));
    holds(&out);
    assert!(out.objects > 10, "{out:?}");
    assert_eq!(out.problems, 0, "{out:?}");

    let out = fuzzing::snapshot(&with_first(0, &bundle));
    holds(&out);
    assert!(out.findings > 0, "{out:?}");
}

#[test]
fn entry_points_take_empty_input() {
    for f in [
        fuzzing::ingest_any,
        fuzzing::describe,
        fuzzing::table,
        fuzzing::logs,
        fuzzing::archive,
        fuzzing::snapshot,
    ] {
        holds(&f(b""));
        holds(&f(b"\0"));
    }
    holds(&fuzzing::ingest_file("objects.json", b""));
}

/// A log that ends with a blank line, read as a slice (a `cluster-info dump` block, a text
/// file taken for a log), lost that line from its count and tail, yet kept it as a notable
/// line past the end of the log when a traceback was open.
#[test]
fn log_slice_ending_with_a_blank_line() {
    for text in [
        &b"x\n\n"[..],
        b"Traceback (most recent call last):\n\n",
        b"a\nTraceback (most recent call last):\n  File \"x\", line 1\n\n",
        b"\n",
        b"\n\n\n",
    ] {
        for pick in [0u8, 1] {
            let out = fuzzing::logs(&with_first(pick, text));
            holds(&out);
        }
    }
    let d = ktriage::ingest::logs::digest_slice(
        b"Traceback (most recent call last):\n",
        1,
        Default::default(),
    );
    assert_eq!(d.lines, 2);
    assert!(d.notable.iter().all(|l| l.line <= d.lines));
}

/// Describe text with bytes that are not UTF-8 (each shown as U+FFFD, three bytes, in the
/// report): the human report underlined a cited field from its column to one byte further,
/// which cut the replacement character in two and panicked (`report::annotate`).
#[test]
fn underline_at_a_character_of_several_bytes() {
    let input: Vec<u8> = [
        &b"\x06Name:\t\xaa\xaa\xaa\xaa\xaa\xaa\xaa\n"[..],
        b"Namespace:\n",
        b"Priority: \xff\xff\xff\xff\xff\xff\xff\n",
        b"Containers:\n",
        b" w:\n",
        b"   2\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff-\n",
        b"   State:  Terminated\n",
        b"    Reason: OOMKilled \n",
        b" , anon-0kname:00 +\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfffindingIdCHED-004ts\xff\xff\xff\xff\xff\xff\xff\xffKT-SCHED-003\xff\xff\xff\xff\xff",
    ]
    .concat();
    let out = fuzzing::snapshot(&input);
    holds(&out);
    assert!(out.findings > 0, "{out:?}");
}
