//! Every public conformance scenario, run on hio and compared with the trace
//! the real Python hio 0.6.10 produced (`../shared/conformance/`), and the
//! scheduler's own tracer compared with the scripted doers' record.

// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;

/// The public scenarios, or `None` (loudly) when `../shared` is not beside
/// the workspace and `CI` is unset; under `CI` a missing `../shared` fails.
fn scenario_names() -> Option<Vec<String>> {
    let dir = hio_tests::shared_dir()
        .join("conformance")
        .join("scenarios");
    if !dir.is_dir() && std::env::var_os("CI").is_none() {
        eprintln!(
            "\n*** SKIPPED: {} not found. The conformance data lives in ../shared beside the \
             workspace; CI always has it (and fails without it). ***\n",
            dir.display()
        );
        return None;
    }
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
    Some(names)
}

/// The public scenarios, parsed, with their names (`None` as
/// [`scenario_names`]).
fn scenarios() -> Option<Vec<(String, hio_tests::Scenario)>> {
    let dir = hio_tests::shared_dir()
        .join("conformance")
        .join("scenarios");
    let names = scenario_names()?;
    Some(
        names
            .into_iter()
            .map(|n| {
                let text = fs::read_to_string(dir.join(format!("{n}.json"))).unwrap();
                let sc = hio_tests::Scenario::parse(&text).unwrap();
                (n, sc)
            })
            .collect(),
    )
}

#[test]
fn all_public_scenarios_match_python_hio() {
    let Some(names) = scenario_names() else {
        return;
    };
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
    let Some(names) = scenario_names() else {
        return;
    };
    for n in names {
        let o = hio_tests::check(&n).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            o.trace, o.core_trace,
            "{n}: tracer and scripted doers disagree"
        );
    }
}

/// Every public scenario that does not extend, run again with no tracer
/// attached: on 64-bit hosts an untraced pass runs a copy of the
/// scheduler's loop of its own (the one applications run, which the
/// traced runs above never reach). The doers must record the same and the
/// run end the same (what only a tracer reports aside: done flags, lists).
#[test]
fn untraced_passes_give_the_same_outcomes() {
    let Some(scenarios) = scenarios() else {
        return;
    };
    let (mut compared, mut events) = (0, 0);
    for (n, sc) in &scenarios {
        let Ok(untraced) = hio_tests::run_untraced(sc) else {
            continue; // it extends by name: the runner needs the tracer
        };
        let traced = hio_tests::check(n).unwrap_or_else(|e| panic!("{e}"));
        assert!(untraced.core_trace.is_empty(), "{n}: a tracer saw events");
        assert_eq!(untraced.trace, traced.trace, "{n}: trace");
        let expected = hio_tests::Final {
            done: Default::default(),
            doers: Vec::new(),
            ..traced.fin
        };
        assert_eq!(untraced.fin, expected, "{n}: final state");
        compared += 1;
        events += traced.trace.len();
    }
    println!(
        "{compared} of {} scenarios ({events} events) compared untraced",
        scenarios.len()
    );
    assert!(compared >= 25, "only {compared} scenarios without extend");
}

/// Every public scenario whose doers never extend or remove, run again on
/// `Fixed` schedulers (as the firmware builds its trees): the same trace,
/// tracer record and final state as on the default dynamic ones, and so
/// the same as Python hio's.
#[test]
fn fixed_trees_give_the_same_outcomes() {
    let Some(scenarios) = scenarios() else {
        return;
    };
    let mut compared = 0;
    for (n, sc) in &scenarios {
        let Ok(fixed) = hio_tests::run_fixed(sc) else {
            continue; // it extends or removes: not for a Fixed tree
        };
        let dynamic = hio_tests::check(n).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fixed.trace, dynamic.trace, "{n}: trace");
        assert_eq!(fixed.core_trace, dynamic.core_trace, "{n}: tracer");
        assert_eq!(fixed.fin, dynamic.fin, "{n}: final state");
        compared += 1;
    }
    println!(
        "{compared} of {} scenarios compared on Fixed trees",
        scenarios.len()
    );
    assert!(
        compared >= 20,
        "only {compared} scenarios without extend/remove"
    );
}
