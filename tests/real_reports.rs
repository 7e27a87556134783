//! Every report format on each real troubleshoot bundle, checked with insta snapshots (colour
//! off, fixed width). Skipped with a note when the shared corpus is absent.

mod common;

use common::realworld;

fn reports(name: &str, rel: &str) {
    let Some(_) = realworld(rel) else { return };
    // Relative to the crate, so that the reports name no machine path.
    let path = std::path::PathBuf::from("../shared/realworld").join(rel);
    let s = ktriage::load(&[path], &Default::default()).expect("readable");
    let d = s.diagnose(&Default::default());
    insta::assert_snapshot!(
        format!("{name}_human"),
        ktriage::report::human::render(&s, &d)
    );
    insta::assert_snapshot!(
        format!("{name}_json"),
        ktriage::report::json::render(&s, &d)
    );
    insta::assert_snapshot!(
        format!("{name}_markdown"),
        ktriage::report::markdown::render(&s, &d)
    );
    insta::assert_snapshot!(
        format!("{name}_sarif"),
        ktriage::report::sarif::render(&s, &d)
    );
}

#[test]
fn troubleshoot_v050_bundle() {
    reports(
        "troubleshoot_v050",
        "troubleshoot/testdata/supportbundle/support-bundle.tar.gz",
    );
}

#[test]
fn troubleshoot_v0123_baseline() {
    reports(
        "troubleshoot_v0123",
        "troubleshoot/test/baselines/supportbundle/baseline.tar.gz",
    );
}

#[test]
fn troubleshoot_bundle_without_version_yaml() {
    reports(
        "troubleshoot_missing_version",
        "troubleshoot/testdata/supportbundle/missing-version.tar.gz",
    );
}
