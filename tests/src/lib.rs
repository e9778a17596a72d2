//! # hio-tests: conformance with Python hio, and peer benchmarks
//!
//! The conformance runner reads a scenario in the format of
//! `../shared/conformance/FORMAT.md`, builds its scripted doers on hio (all
//! three ways of writing a doer, and DoDoers), runs it, and prints the trace
//! and final state as JSON:
//!
//! ```text
//! cargo run -q --release -p hio-tests --bin conformance -- SCENARIO.json
//! ```
//!
//! [`compare`] checks an [`Outcome`] against an expected file exactly as
//! FORMAT.md section 4 says. hio keeps integer tyme, so for the `float`
//! scenarios (where `float_exact` is false) it is compared with the `exact`
//! section: the results exact rational arithmetic gives, which is what our
//! scheduler produces.
//!
//! The `echo-ab` binary measures hio-mio's TCP echo server against a tokio
//! current_thread one, in turn under one load generator, and prints the
//! ratios (`src/bin/echo_ab.rs` says how):
//!
//! ```text
//! cargo run --release -p hio-tests --bin echo-ab -- [--quick]
//! ```
//!
//! ## Dependencies, and why
//!
//! * `serde_json`: reads the scenarios and expected traces (a host tool).
//! * `hio-mio`: the echo server `echo-ab` measures.
//! * `tokio` (`rt`, `rt-multi-thread`, `net`, `io-util`): the peer echo
//!   server and the load generator of `echo-ab`, and the scheduler benches'
//!   peer.
//! * `rustix` (Unix, `process`): a safe `setrlimit`, so `echo-ab` can raise
//!   its open-file limit for 500 connections; already in the lock file.

pub mod run;
pub mod scenario;

use std::path::{Path, PathBuf};

use hio::Tyme;
use serde_json::{Map, Number, Value, json};

pub use run::{Ev, Feed, Final, Outcome, run, run_fixed, run_untraced};
pub use scenario::{BadScenario, Scenario};

/// `../shared` seen from the workspace root (where CI puts it).
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("shared")
}

fn secs(t: Tyme) -> Value {
    // ns / 1e9 rounds to the double nearest the exact decimal, whose shortest
    // rendering is that decimal (at most 9 fractional digits): 0.3, 1.03125
    Number::from_f64(t.as_secs_f64()).map_or(Value::Null, Value::Number)
}

/// The runner's JSON: `{"scenario", "final", "trace"}` with the fields of the
/// expected files.
pub fn to_json(o: &Outcome) -> Value {
    let trace: Vec<Value> = o.trace.iter().map(ev_json).collect();
    let done: Map<String, Value> = o
        .fin
        .done
        .iter()
        .map(|(k, v)| (k.clone(), v.map_or(Value::Null, Value::Bool)))
        .collect();
    let doers: Map<String, Value> = o
        .fin
        .doers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "scenario": o.scenario,
        "final": {
            "tyme": secs(o.fin.tyme),
            "passes": o.fin.passes,
            "doist_done": o.fin.doist_done,
            "error": o.fin.error,
            "done": done,
            "doers": doers,
        },
        "trace": trace,
    })
}

fn ev_json(e: &Ev) -> Value {
    let feed = match &e.feed {
        Feed::None => Value::Null,
        Feed::Tyme(t) => secs(*t),
        Feed::Error(m) => Value::String(m.clone()),
    };
    json!({"tyme": secs(e.tyme), "doer": e.doer, "context": e.context, "count": e.count, "feed": feed})
}

/// Exact nanoseconds of a decimal string such as `"1.1"` (None if not a
/// whole number of nanoseconds).
fn decimal_nanos(s: &str) -> Option<u64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > 9
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let i: u64 = int.parse().ok()?;
    let f: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    i.checked_mul(1_000_000_000)?.checked_add(f)
}

/// Does an expected time value (a JSON number in the top-level section, an
/// exact decimal string in the `exact` section) equal our tyme exactly?
fn same_time(expected: &Value, ours: Tyme) -> bool {
    match expected {
        // binary fractions: the double equals ns/1e9 exactly iff the correctly
        // rounded quotient equals it (values differ by far more than an ulp)
        Value::Number(n) => n.as_f64() == Some(ours.as_secs_f64()),
        Value::String(s) => decimal_nanos(s) == Some(ours.as_nanos()),
        _ => false,
    }
}

fn describe(e: &Ev) -> String {
    let feed = match &e.feed {
        Feed::None => "null".to_string(),
        Feed::Tyme(t) => t.to_string(),
        Feed::Error(m) => m.clone(),
    };
    format!(
        "{{tyme {}, {} {}, count {}, feed {}}}",
        e.tyme, e.doer, e.context, e.count, feed
    )
}

fn ev_matches(x: &Value, e: &Ev) -> bool {
    let feed_ok = match (&e.feed, x.get("feed")) {
        (Feed::None, Some(Value::Null)) => true,
        (Feed::Tyme(t), Some(v)) => same_time(v, *t),
        (Feed::Error(m), Some(Value::String(s))) => m == s,
        _ => false,
    };
    x.get("tyme").is_some_and(|v| same_time(v, e.tyme))
        && x.get("doer").and_then(Value::as_str) == Some(e.doer.as_str())
        && x.get("context").and_then(Value::as_str) == Some(e.context)
        && x.get("count").and_then(Value::as_u64) == Some(u64::from(e.count))
        && feed_ok
}

/// Compares a trace with the expected events; the first difference, if any.
pub fn compare_trace(expected: &[Value], trace: &[Ev]) -> Result<(), String> {
    for (i, (x, e)) in expected.iter().zip(trace).enumerate() {
        if !ev_matches(x, e) {
            return Err(format!("event {i}: expected {x}, got {}", describe(e)));
        }
    }
    if expected.len() != trace.len() {
        let extra = trace.get(expected.len()).map(describe).unwrap_or_default();
        let missing = expected
            .get(trace.len())
            .map(Value::to_string)
            .unwrap_or_default();
        return Err(format!(
            "trace length: expected {}, got {} (first missing {missing}, first extra {extra})",
            expected.len(),
            trace.len()
        ));
    }
    Ok(())
}

/// Compares an outcome with an expected file (FORMAT.md section 4): the
/// top-level sections when `float_exact` is true, the `exact` section
/// otherwise. All differences, one per line.
pub fn compare(expected: &Value, o: &Outcome) -> Result<(), String> {
    let exact = expected.get("float_exact").and_then(Value::as_bool) == Some(false);
    let section = if exact {
        expected.get("exact").unwrap_or(&Value::Null)
    } else {
        expected
    };
    let mut errs = Vec::new();
    match section.get("trace").and_then(Value::as_array) {
        Some(t) => {
            if let Err(e) = compare_trace(t, &o.trace) {
                errs.push(e);
            }
        }
        None => errs.push("expected file has no trace".into()),
    }
    let f = section.get("final").unwrap_or(&Value::Null);
    if !f.get("tyme").is_some_and(|v| same_time(v, o.fin.tyme)) {
        errs.push(format!(
            "final.tyme: expected {}, got {}",
            f["tyme"], o.fin.tyme
        ));
    }
    if f.get("passes").and_then(Value::as_u64) != Some(o.fin.passes) {
        errs.push(format!(
            "final.passes: expected {}, got {}",
            f["passes"], o.fin.passes
        ));
    }
    if f.get("doist_done").and_then(Value::as_bool) != Some(o.fin.doist_done) {
        errs.push(format!(
            "final.doist_done: expected {}, got {}",
            f["doist_done"], o.fin.doist_done
        ));
    }
    let err = f.get("error").and_then(Value::as_str).map(str::to_string);
    if err != o.fin.error {
        errs.push(format!(
            "final.error: expected {err:?}, got {:?}",
            o.fin.error
        ));
    }
    let done = f
        .get("done")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let ours: Map<String, Value> = o
        .fin
        .done
        .iter()
        .map(|(k, v)| (k.clone(), v.map_or(Value::Null, Value::Bool)))
        .collect();
    if done != ours {
        errs.push(format!(
            "final.done: expected {}, got {}",
            Value::Object(done),
            Value::Object(ours)
        ));
    }
    let doers = f
        .get("doers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in &doers {
        let got = o
            .fin
            .doers
            .iter()
            .find(|(c, _)| c == k)
            .map(|(_, l)| json!(l));
        if got.as_ref() != Some(v) {
            errs.push(format!(
                "final.doers.{k}: expected {v}, got {}",
                got.unwrap_or(Value::Null)
            ));
        }
    }
    if o.capped {
        errs.push("the run hit max_passes".into());
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

/// Reads, runs and compares one public scenario by name.
pub fn check(name: &str) -> Result<Outcome, String> {
    let dir = shared_dir().join("conformance");
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let sc = Scenario::parse(&read(dir.join("scenarios").join(format!("{name}.json")))?)
        .map_err(|e| format!("{name}: {e}"))?;
    let expected: Value =
        serde_json::from_str(&read(dir.join("expected").join(format!("{name}.json")))?)
            .map_err(|e| format!("{name}: expected file: {e}"))?;
    let o = run(&sc).map_err(|e| format!("{name}: {e}"))?;
    compare(&expected, &o).map_err(|e| format!("{name}:\n{e}"))?;
    Ok(o)
}
