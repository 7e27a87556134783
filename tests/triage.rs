//! Rules that report only pods showing trouble pass over the healthy ones without touching
//! them ([`ktriage::model::Cluster::pods_of_note`]). Diagnosing each snapshot a second time
//! with every pod marked proves that passing over them loses nothing: the same findings and
//! incidents, on the demo, every rule fixture and every real snapshot.

mod common;

use std::path::PathBuf;

fn cases() -> Vec<Vec<PathBuf>> {
    let mut out = common::demo_and_fixtures();
    out.extend(common::realworld_snapshots(&common::REALWORLD_PROJECTS));
    out
}

#[test]
fn passing_over_healthy_pods_loses_no_finding() {
    let (mut pods, mut noted, mut compared) = (0, 0, 0);
    for inputs in cases() {
        let Ok(mut s) = ktriage::load(&inputs, &Default::default()) else {
            continue;
        };
        let first = s.diagnose(&Default::default());
        pods += s.cluster.of_kind("Pod").count();
        noted += s.cluster.pods_of_note().count();
        s.cluster.note_every_pod();
        assert_eq!(
            s.cluster.pods_of_note().count(),
            s.cluster.of_kind("Pod").count()
        );
        let every = s.diagnose(&Default::default());
        assert_eq!(
            format!("{:#?}", first.findings),
            format!("{:#?}", every.findings),
            "{inputs:?}"
        );
        assert_eq!(
            format!("{:#?}", first.incidents),
            format!("{:#?}", every.incidents),
            "{inputs:?}"
        );
        compared += 1;
    }
    assert!(compared > 100, "only {compared} snapshots compared");
    // The fixtures are mostly faults; the real snapshots hold healthy pods.
    assert!(noted < pods, "{noted} of {pods} pods noted");
    eprintln!("{compared} snapshots: {noted} of {pods} pods of note");
}
