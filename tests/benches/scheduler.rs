//! Cost of one scheduled run of a trivial doer: our [`Doist`] beside a
//! hand-written round robin, tokio and embassy, in the same run.
//!
//! `cargo bench -p hio-tests --bench scheduler`
//!
//! Budget (DESIGN.md, issue 2): one run of a trivial doer on our Doist costs
//! at most about 2x the hand-written `Vec<Box<dyn FnMut()>>` round robin at
//! 10 doers and up. Measured 2026-12-04 on the project's 2-core machine
//! (the README's "The scheduler" has the table): 1.90x at 10 doers, 1.74x
//! at 100, 1.76x at 1000, 3.79x at 1.
//!
//! Every benchmark is parameterised by the number of doers/tasks `N` (1, 10,
//! 100, 1000), and one iteration always performs exactly [`RUNS`] doer runs
//! (`RUNS / N` rounds over `N` doers), so **ns per run = the time shown /
//! [`RUNS`]**: with `RUNS` = 100 000, a median of `250 µs` is 2.5 ns per run.
//! The throughput line (`item/s`) counts runs.
//!
//! What each peer measures, honestly:
//!
//! * `hio_doist`: `N` structs implementing [`hio::Doer`] whose `recur` adds
//!   one to a field and returns `Ok(Recur::NEXT)`, listed in a boxed
//!   `Doist<'_, 1024>` and entered before timing; the timed part is `RUNS /
//!   N` calls of [`Doist::recur`] (one pass over the `N` deeds plus the tick
//!   each). Enter and exit are not timed.
//! * `hand_round_robin`: `N` boxed closures in a `Vec<Box<dyn FnMut()>>`,
//!   each adding one to a counter it owns, called once each per round. No
//!   tyme, no due check, no life cycle: the floor a scheduler is held to.
//! * `tokio_yield`: a current_thread tokio runtime (built once per benchmark),
//!   `N` tasks each looping `RUNS / N` times on "add one to a counter,
//!   `tokio::task::yield_now().await`". The tasks are spawned while the
//!   inputs are generated (not timed); the timed part is the `block_on` that
//!   drives them to completion and awaits their join handles, so it includes
//!   their first poll from tokio's remote queue, their completion and their
//!   deallocation (all amortised over at least 100 yields per task).
//! * `embassy_yield`: embassy-executor's std thread executor (feature
//!   `platform-std`): `N` tasks from a static pool, each looping `RUNS / N`
//!   times on "add one to a counter, `embassy_futures::yield_now().await`",
//!   the last one to finish raising a flag that ends `Executor::run_until`.
//!   The executor is created (and leaked: `run_until` wants `&'static mut`)
//!   outside the timing; spawning the `N` tasks into the static pool is
//!   timed (amortised over at least 100 yields per task). Each round of the
//!   std executor also takes its mutex/condvar signaler once (the pender),
//!   which is part of what embassy costs on std.
//!
//! Counters are per doer/task and `std::hint::black_box` keeps the work
//! (the containers, the counters, the results) observable.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use divan::Bencher;
use divan::counter::ItemsCount;
use hio::{Cx, Doer, Doist, Error, Recur, Tock};

fn main() {
    divan::main();
}

/// Doer runs per benchmark iteration, for every `N`.
const RUNS: usize = 100_000;
/// Doist capacity (and embassy pool size): at least the largest `N`.
const CAP: usize = 1024;
/// Samples per benchmark: keeps the whole bench well under two minutes.
const SAMPLES: u32 = 100;

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

#[divan::bench(args = [1, 10, 100, 1000], sample_count = SAMPLES, sample_size = 1)]
fn hio_doist(b: Bencher, n: usize) {
    let rounds = RUNS / n;
    let mut doers: Vec<Trivial> = (0..n).map(|_| Trivial { count: 0 }).collect();
    {
        // boxed: a Doist with 1024 slots is tens of KiB
        let mut doist: Box<Doist<'_, CAP>> = Box::new(Doist::new(Tock::from_millis(1)));
        for d in doers.iter_mut() {
            if let Err(e) = doist.add(d) {
                panic!("add: {e:?}");
            }
        }
        if let Err(e) = doist.enter() {
            panic!("enter: {e:?}");
        }
        b.counter(ItemsCount::new(RUNS))
            .bench_local(|| passes(&mut doist, rounds));
        doist.exit();
    }
    // every doer ran once per pass: the work really happened
    let first = doers.first().map_or(0, |d| d.count);
    assert!(doers.iter().all(|d| d.count == first && d.count > 0));
    black_box(doers);
}

/// The timed loop of `hio_doist`: `rounds` passes (as `round_robin`, in a
/// function of its own).
#[inline(never)]
fn passes(doist: &mut Doist<'_, CAP>, rounds: usize) {
    for _ in 0..rounds {
        if let Err(e) = black_box(&mut *doist).recur() {
            panic!("recur: {e:?}");
        }
    }
}

#[divan::bench(args = [1, 10, 100, 1000], sample_count = SAMPLES, sample_size = 1)]
fn hand_round_robin(b: Bencher, n: usize) {
    let rounds = RUNS / n;
    let mut fns: Vec<Box<dyn FnMut()>> = (0..n)
        .map(|_| {
            let mut count = 0u64;
            Box::new(move || {
                count += 1;
                black_box(&mut count);
            }) as Box<dyn FnMut()>
        })
        .collect();
    b.counter(ItemsCount::new(RUNS))
        .bench_local(|| round_robin(&mut fns, rounds));
}

/// The timed loop of `hand_round_robin`, in a function of its own so its
/// code placement does not depend on divan's (a loop this small runs
/// measurably faster or slower depending on its alignment).
#[inline(never)]
fn round_robin(fns: &mut [Box<dyn FnMut()>], rounds: usize) {
    for _ in 0..rounds {
        for f in black_box(&mut *fns).iter_mut() {
            f();
        }
    }
}

/// One tokio task: `rounds` times count and yield.
async fn tokio_spin(rounds: usize) -> u64 {
    let mut count = 0u64;
    for _ in 0..rounds {
        count += 1;
        black_box(&mut count);
        tokio::task::yield_now().await;
    }
    count
}

#[divan::bench(args = [1, 10, 100, 1000], sample_count = SAMPLES, sample_size = 1)]
fn tokio_yield(b: Bencher, n: usize) {
    let rounds = RUNS / n;
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    b.counter(ItemsCount::new(RUNS))
        .with_inputs(|| {
            (0..n)
                .map(|_| rt.spawn(tokio_spin(rounds)))
                .collect::<Vec<_>>()
        })
        .bench_local_values(|handles| {
            rt.block_on(async move {
                let mut total = 0u64;
                for h in handles {
                    match h.await {
                        Ok(c) => total += c,
                        Err(e) => panic!("tokio task: {e}"),
                    }
                }
                assert_eq!(total, RUNS as u64);
                total
            })
        });
}

/// Tasks of the current embassy run that have not finished yet.
static EMBASSY_LEFT: AtomicUsize = AtomicUsize::new(0);

/// One embassy task: `rounds` times count and yield, then check out.
#[embassy_executor::task(pool_size = CAP)]
async fn embassy_spin(rounds: usize) {
    let mut count = 0u64;
    for _ in 0..rounds {
        count += 1;
        black_box(&mut count);
        embassy_futures::yield_now().await;
    }
    assert_eq!(count, rounds as u64);
    EMBASSY_LEFT.fetch_sub(1, Ordering::Relaxed);
}

#[divan::bench(args = [1, 10, 100, 1000], sample_count = SAMPLES, sample_size = 1)]
fn embassy_yield(b: Bencher, n: usize) {
    let rounds = RUNS / n;
    b.counter(ItemsCount::new(RUNS))
        // run_until wants `&'static mut`: one small leaked executor per sample
        .with_inputs(|| Box::leak(Box::new(embassy_executor::Executor::new())))
        .bench_local_values(|executor| {
            EMBASSY_LEFT.store(n, Ordering::Relaxed);
            executor.run_until(
                |spawner| {
                    for _ in 0..n {
                        match embassy_spin(rounds) {
                            Ok(token) => spawner.spawn(token),
                            Err(e) => panic!("embassy spawn: {e:?}"),
                        }
                    }
                },
                // checked after every poll of the run queue; the last task
                // checks out in the same poll as its last step, so this
                // never waits on a signal that will not come
                || EMBASSY_LEFT.load(Ordering::Relaxed) == 0,
            );
        });
}
