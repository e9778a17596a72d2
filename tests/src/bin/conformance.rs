//! `conformance SCENARIO.json [--expect EXPECTED.json]`: runs one conformance
//! scenario on hio and prints `{"scenario", "final", "trace"}` as one JSON
//! object.
//!
//! Exits 0 whenever the scenario ran (an error that escaped the doist is in
//! `final.error`); 2 with a message on stderr for a missing, malformed or
//! unsupported scenario. With `--expect`, also compares the result with an
//! expected file (FORMAT.md section 4) and exits 1 on any difference.

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: conformance SCENARIO.json [--expect EXPECTED.json]");
    ExitCode::from(2)
}

fn read(path: &str) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("conformance: cannot read {path}: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, expect) = match args.as_slice() {
        [p] => (p, None),
        [p, flag, e] if flag == "--expect" => (p, Some(e)),
        _ => return usage(),
    };
    let text = match read(path) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let outcome = match hio_tests::Scenario::parse(&text).and_then(|sc| hio_tests::run(&sc)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("conformance: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    if outcome.capped {
        eprintln!("conformance: warning: the run hit max_passes");
    }
    println!("{}", hio_tests::to_json(&outcome));
    let Some(expect) = expect else {
        return ExitCode::SUCCESS;
    };
    let expected = match read(expect).map(|t| serde_json::from_str(&t)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            eprintln!("conformance: {expect}: not JSON: {e}");
            return ExitCode::from(2);
        }
        Err(c) => return c,
    };
    match hio_tests::compare(&expected, &outcome) {
        Ok(()) => ExitCode::SUCCESS,
        Err(diff) => {
            eprintln!(
                "conformance: {} differs from {expect}:\n{diff}",
                outcome.scenario
            );
            ExitCode::from(1)
        }
    }
}
