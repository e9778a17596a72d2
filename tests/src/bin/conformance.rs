//! `conformance SCENARIO.json`: runs one conformance scenario on hio and
//! prints `{"scenario", "final", "trace"}` as one JSON object.
//!
//! Exits 0 whenever the scenario ran (an error that escaped the doist is in
//! `final.error`); 2 with a message on stderr for a missing, malformed or
//! unsupported scenario.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        eprintln!("usage: conformance SCENARIO.json");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("conformance: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let outcome = hio_tests::Scenario::parse(&text).and_then(|sc| hio_tests::run(&sc));
    match outcome {
        Ok(o) => {
            if o.capped {
                eprintln!("conformance: warning: the run hit max_passes");
            }
            println!("{}", hio_tests::to_json(&o));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("conformance: {path}: {e}");
            ExitCode::from(2)
        }
    }
}
