//! Load test of the scheduler: `N` trivial doers for `CYCLES` passes.
//!
//! `cargo run --release -p hio-tests --bin sched-load -- N CYCLES`
//!
//! Runs `N` doers whose `recur` adds one to a counter and returns
//! `Ok(Recur::NEXT)` on a `Doist<'_, 1024>` for `CYCLES` passes
//! ([`Doist::recur`] calls; enter and exit are not timed), checks that every
//! doer ran once per pass, and prints the cost per doer run. For comparison
//! it first times, in the same process, a hand-written round robin over `N`
//! boxed closures (`Vec<Box<dyn FnMut()>>`) for the same number of rounds.
//! The last line of standard output is always `ns_per_run=<number>` (our
//! Doist).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hio::{Cx, Doer, Doist, Error, Recur, Tock};

/// Doist capacity: the largest `N` accepted.
const CAP: usize = 1024;

const USAGE: &str = "usage: sched-load N CYCLES\n  \
    N       number of trivial doers, 1..=1024\n  \
    CYCLES  number of passes to time, >= 1";

/// The trivial doer: counts its recurs, runs on every pass.
struct Trivial {
    count: u64,
}

impl Doer for Trivial {
    fn name(&self) -> &'static str {
        "trivial"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.count += 1;
        black_box(&mut self.count);
        Ok(Recur::NEXT)
    }
}

fn parse_args() -> Result<(usize, u64), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, cycles] = args.as_slice() else {
        return Err(format!("expected 2 arguments, got {}", args.len()));
    };
    let n: usize = n
        .parse()
        .map_err(|e| format!("N: {n:?} is not a number ({e})"))?;
    if !(1..=CAP).contains(&n) {
        return Err(format!("N: {n} is out of range 1..={CAP}"));
    }
    let cycles: u64 = cycles
        .parse()
        .map_err(|e| format!("CYCLES: {cycles:?} is not a number ({e})"))?;
    if cycles == 0 {
        return Err("CYCLES: must be at least 1".into());
    }
    Ok((n, cycles))
}

fn per_run(elapsed: Duration, n: usize, cycles: u64) -> f64 {
    elapsed.as_nanos() as f64 / (n as f64 * cycles as f64)
}

/// The hand-written baseline: `cycles` rounds over `n` boxed closures.
fn baseline(n: usize, cycles: u64) -> Duration {
    let mut fns: Vec<Box<dyn FnMut()>> = (0..n)
        .map(|_| {
            let mut count = 0u64;
            Box::new(move || {
                count += 1;
                black_box(&mut count);
            }) as Box<dyn FnMut()>
        })
        .collect();
    // one warm-up round
    for f in fns.iter_mut() {
        f();
    }
    let start = Instant::now();
    round_robin(&mut fns, cycles);
    start.elapsed()
}

/// The timed loop of the baseline, in a function of its own so its code
/// placement (a loop this small is sensitive to its alignment) does not
/// depend on the code around it.
#[inline(never)]
fn round_robin(fns: &mut [Box<dyn FnMut()>], cycles: u64) {
    for _ in 0..cycles {
        for f in black_box(&mut *fns).iter_mut() {
            f();
        }
    }
}

/// The timed loop of our Doist (as `round_robin`, in a function of its own).
#[inline(never)]
fn passes(doist: &mut Doist<'_, CAP>, cycles: u64) -> Result<(), Error> {
    for _ in 0..cycles {
        black_box(&mut *doist).recur()?;
    }
    Ok(())
}

/// Our Doist: `cycles` passes over `n` trivial doers.
fn doist(n: usize, cycles: u64) -> Result<Duration, String> {
    let mut doers: Vec<Trivial> = (0..n).map(|_| Trivial { count: 0 }).collect();
    let elapsed = {
        // boxed: a Doist with 1024 slots is tens of KiB
        let mut doist: Box<Doist<'_, CAP>> = Box::new(Doist::new(Tock::from_millis(1)));
        for d in doers.iter_mut() {
            doist.add(d).map_err(|e| format!("add: {e:?}"))?;
        }
        doist.enter().map_err(|e| format!("enter: {e:?}"))?;
        // one warm-up pass
        doist.recur().map_err(|e| format!("recur: {e:?}"))?;
        let start = Instant::now();
        passes(&mut doist, cycles).map_err(|e| format!("recur: {e:?}"))?;
        let elapsed = start.elapsed();
        doist.exit();
        elapsed
    };
    if let Some(bad) = doers.iter().find(|d| d.count != cycles + 1) {
        return Err(format!(
            "a doer ran {} times, expected {}",
            bad.count,
            cycles + 1
        ));
    }
    Ok(elapsed)
}

fn main() -> ExitCode {
    let (n, cycles) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sched-load: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let base = baseline(n, cycles);
    let ours = match doist(n, cycles) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sched-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base_ns = per_run(base, n, cycles);
    let ours_ns = per_run(ours, n, cycles);
    println!("doers={n}");
    println!("cycles={cycles}");
    println!("runs={}", n as u128 * cycles as u128);
    println!("total_ms={:.3}", ours.as_secs_f64() * 1e3);
    println!("baseline_total_ms={:.3}", base.as_secs_f64() * 1e3);
    println!("baseline_ns_per_run={base_ns:.3}");
    println!("ratio_to_baseline={:.2}", ours_ns / base_ns);
    println!("ns_per_run={ours_ns:.3}");
    ExitCode::SUCCESS
}
