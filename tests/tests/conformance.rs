//! Every public conformance scenario, run on hio and compared with the trace
//! the real Python hio 0.6.10 produced (`../shared/conformance/`), and the
//! scheduler's own tracer compared with the scripted doers' record.

// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;

fn scenario_names() -> Vec<String> {
    let dir = hio_tests::shared_dir()
        .join("conformance")
        .join("scenarios");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (is ../shared beside the workspace?)",
                dir.display()
            )
        })
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

#[test]
fn all_public_scenarios_match_python_hio() {
    let names = scenario_names();
    assert_eq!(names.len(), 33, "expected the 33 public scenarios");
    let failures: Vec<String> = names
        .iter()
        .filter_map(|n| hio_tests::check(n).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ:\n\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_tracer_sees_what_the_doers_record() {
    for n in scenario_names() {
        let o = hio_tests::check(&n).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            o.trace, o.core_trace,
            "{n}: tracer and scripted doers disagree"
        );
    }
}
