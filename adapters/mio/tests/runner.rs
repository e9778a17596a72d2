//! The real-time runner: absolute deadlines, sub-millisecond lateness, no
//! spinning while idle, the same passes as a simulated run, and every way a
//! run ends closing the tree.
//!
//! Timing figures are printed (`cargo test -p hio-mio --test runner --
//! --nocapture`); the assertions leave room for a shared, noisy machine.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failure
use std::cell::RefCell;
use std::time::{Duration, Instant};

use hio::{Cx, Doer, Doify, Doist, Done, Error, Phase, Recorder, Recur, Tock, Tyme};
use hio_mio::{Ending, Mode, Runner};

/// Records the wall time of every recur.
struct Stamp<'a> {
    name: &'static str,
    every: Tock,
    walls: &'a RefCell<Vec<(Tyme, Instant)>>,
}

impl Doer for Stamp<'_> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.walls.borrow_mut().push((cx.tyme(), Instant::now()));
        Ok(Recur::Again(self.every))
    }
}

fn thread_cpu() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap(),
            u32::try_from(t.tv_nsec).unwrap(),
        )
    }
    #[cfg(not(target_os = "linux"))]
    {
        Duration::ZERO
    }
}

#[test]
fn passes_keep_absolute_deadlines_with_sub_millisecond_lateness() {
    // 1/32 s: mio alone would round every wait up to 32 ms
    let tock = Tock::from_ratio(1, 32).unwrap();
    let walls = RefCell::new(Vec::new());
    let mut stamp = Stamp {
        name: "stamp",
        every: Tock::ZERO,
        walls: &walls,
    };
    let mut runner = Runner::new().unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(tock);
    doist.add(&mut stamp).unwrap();
    let start = Instant::now();
    let end = runner.run(&mut doist, Some(Tock::from_secs(1))).unwrap();
    assert_eq!(end, Ending::Limit);
    drop(doist);
    let stats = runner.stats();
    let walls = walls.into_inner();
    assert_eq!(walls.len(), 32);
    // each pass against its own absolute deadline, measured from the
    // instant before the run (the runner's origin is at most a little
    // later, so a pass before its deadline here is early for the runner
    // too). Not from the first pass: under wine the first pass was once
    // late by more than the others, and on-time passes then looked early.
    let (t0, w0) = (walls[0].0, start);
    let mut lates = Vec::new();
    let mut tail = Vec::new();
    let mut early = false;
    for &(t, w) in &walls {
        let due = w0 + Duration::from_nanos(t.since(t0).as_nanos());
        match w.checked_duration_since(due) {
            Some(late) => lates.push(late),
            None => early = true,
        }
    }
    tail.extend_from_slice(&lates[lates.len() - 8..]);
    tail.sort();
    let tail_median = tail[4];
    lates.sort();
    let median = lates[lates.len() / 2];
    let worst = lates[lates.len() - 1];
    let last = walls[31].1.duration_since(w0);
    let drift = last.as_secs_f64() - 31.0 / 32.0;
    println!(
        "alarm {}: 32 passes of 31.25 ms: lateness median {} us, worst {} us \
         (runner: mean {} us, max {} us); last pass at {:.3} ms (drift {:+.3} ms); total {:?}",
        runner.alarm_method(),
        median.as_micros(),
        worst.as_micros(),
        stats.mean_late().as_micros(),
        stats.max_late.as_micros(),
        last.as_secs_f64() * 1e3,
        drift * 1e3,
        start.elapsed()
    );
    assert!(!early, "a pass ran before its deadline");
    assert_eq!(stats.passes, 32);
    // sub-millisecond: mio alone would be up to 1 ms late at every pass
    // (it rounds 31.25 ms up to 32); the median is robust to a noisy
    // neighbour on a shared machine, the worst case is only reported
    // (the portable alarm of other platforms sleeps the sub-millisecond
    // tail: under wine that oversleeps by about 0.7 ms)
    let bound = if cfg!(target_os = "linux") {
        1000
    } else {
        2000
    };
    assert!(median < Duration::from_micros(bound), "median {median:?}");
    // no drift: the last passes are as close to their origin-based
    // deadlines as the first (relative sleeps would add up: 32 x 0.75 ms
    // of rounding with mio alone)
    // (the bound is loose for noisy shared machines: drift would be tens
    // of milliseconds by then; the measured lateness is printed above)
    let bound = if cfg!(target_os = "linux") { 5 } else { 8 };
    assert!(tail_median < Duration::from_millis(bound), "{tail:?}");
}

#[test]
fn an_idle_tree_sleeps_without_spinning() {
    // a 1 ms tock, but the only doer is due once a second: the runner sleeps
    // straight to it, and the 999 idle passes in between cost no waits
    let walls = RefCell::new(Vec::new());
    let mut slow = Stamp {
        name: "slow",
        every: Tock::from_secs(1),
        walls: &walls,
    };
    let mut runner = Runner::new().unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut slow).unwrap();
    let cpu0 = thread_cpu();
    let start = Instant::now();
    runner
        .run(&mut doist, Some(Tock::from_millis(1500)))
        .unwrap();
    let wall = start.elapsed();
    let cpu = thread_cpu() - cpu0;
    drop(doist);
    let stats = runner.stats();
    println!(
        "idle 1.5 s at a 1 ms tock: {} passes, {} waits in the poll, cpu {:?} over {:?}",
        stats.passes, stats.waits, cpu, wall
    );
    assert_eq!(walls.borrow().len(), 2); // at 0 and 1 s
    assert_eq!(stats.passes, 1500);
    assert!(stats.waits <= 6, "{stats:?}");
    assert!(cpu < Duration::from_millis(60), "cpu {cpu:?}");
    // the limit ends it on time, not at the next due doer (2 s)
    assert!(wall < Duration::from_millis(1800), "{wall:?}");
}

#[test]
fn an_every_pass_tree_wakes_once_per_tock_and_costs_little() {
    let mut n = 0u32;
    let mut poller = Doify::new("poller", |_cx, phase| {
        if phase == Phase::Recur {
            n += 1;
        }
        Ok(Recur::NEXT)
    });
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_ratio(1, 32).unwrap());
    doist.add(&mut poller).unwrap();
    let cpu0 = thread_cpu();
    runner.run(&mut doist, Some(Tock::from_secs(1))).unwrap();
    let cpu = thread_cpu() - cpu0;
    drop(doist);
    let stats = runner.stats();
    println!(
        "every pass, 1 s at 1/32 s: {n} recurs, {} waits, {} ready passes, cpu {cpu:?}",
        stats.waits, stats.ready_passes
    );
    assert_eq!(n, 32);
    assert_eq!(stats.ready_passes, 0); // no IO, no extra passes
    // the timerfd wakes once per pass; the portable alarm twice (the whole
    // milliseconds in the poll, then the sleep for the tail)
    let bound = if cfg!(target_os = "linux") { 40 } else { 72 };
    assert!(stats.waits <= bound, "{stats:?}");
    assert!(cpu < Duration::from_millis(60), "cpu {cpu:?}");
}

/// Phases of every doer, as text.
fn trace<const N: usize>(rec: &Recorder<N>) -> Vec<String> {
    rec.records()
        .iter()
        .map(|r| format!("{} {} {} {}", r.tyme, r.doer, r.phase.name(), r.count))
        .collect()
}

#[test]
fn tock_mode_runs_exactly_the_passes_of_a_simulated_run() {
    fn tree<'a>(a: &'a mut dyn Doer, b: &'a mut dyn Doer, rec: &'a Recorder<256>) -> Doist<'a, 2> {
        let mut doist = Doist::new(Tock::from_millis(5));
        doist.set_tracer(rec);
        doist.add(a).unwrap();
        doist.add(b).unwrap();
        doist
    }
    let make = || {
        let mut k = 0;
        let a = Doify::new("a", move |_cx, phase| {
            if phase == Phase::Recur {
                k += 1;
                if k == 7 {
                    return Ok(Recur::Done(true));
                }
            }
            Ok(Recur::Again(Tock::from_millis(15)))
        });
        let b = Doify::new("b", |_cx, _phase| Ok(Recur::NEXT));
        (a, b)
    };
    let sim = Recorder::<256>::new();
    let (mut a, mut b) = make();
    let mut doist = tree(&mut a, &mut b, &sim);
    assert_eq!(doist.run(Some(Tock::from_millis(120))), Ok(false));
    let (sim_tyme, sim_passes) = (doist.tyme(), doist.passes());
    drop(doist);

    let real = Recorder::<256>::new();
    let (mut a, mut b) = make();
    let mut doist = tree(&mut a, &mut b, &real);
    let mut runner = Runner::new().unwrap();
    assert_eq!(
        runner.run(&mut doist, Some(Tock::from_millis(120))),
        Ok(Ending::Limit)
    );
    assert_eq!((doist.tyme(), doist.passes()), (sim_tyme, sim_passes));
    drop(doist);
    assert_eq!(sim.lost(), 0);
    assert_eq!(trace(&real), trace(&sim));
}

/// Records its phases into a shared log.
struct Logged<'a> {
    name: &'static str,
    log: &'a RefCell<Vec<String>>,
    action: fn(u32, &mut Cx<'_>) -> Result<Recur, Error>,
    n: u32,
}

impl Doer for Logged<'_> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.n += 1;
        (self.action)(self.n, cx)
    }
    fn cease(&mut self, _cx: &mut Cx<'_>) {
        self.log.borrow_mut().push(format!("{} cease", self.name));
    }
    fn abort(&mut self, _cx: &mut Cx<'_>, e: Error) {
        self.log
            .borrow_mut()
            .push(format!("{} abort {e}", self.name));
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        self.log.borrow_mut().push(format!("{} exit", self.name));
    }
}

#[test]
fn a_stopper_closes_the_tree_in_reverse_order() {
    let log = RefCell::new(Vec::new());
    let mut runner = Runner::new().unwrap();
    let stop = runner.stopper();
    let mut a = Logged {
        name: "a",
        log: &log,
        action: |_, _| Ok(Recur::NEXT),
        n: 0,
    };
    let mut b = Logged {
        name: "b",
        log: &log,
        action: |_, _| Ok(Recur::NEXT),
        n: 0,
    };
    let mut stopper = Doify::new("stopper", move |_cx, phase| {
        if phase == Phase::Recur {
            stop.stop();
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(1));
    doist.add(&mut a).unwrap();
    doist.add(&mut b).unwrap();
    doist.add(&mut stopper).unwrap();
    assert_eq!(doist.done(), Done::Unset);
    assert_eq!(runner.run(&mut doist, None), Ok(Ending::Stopped));
    assert_eq!(doist.passes(), 1);
    // stopped with doers left: hio's done is false
    assert_eq!(doist.done(), Done::Incomplete);
    drop(doist);
    assert_eq!(*log.borrow(), ["b cease", "b exit", "a cease", "a exit"]);
}

#[test]
fn an_error_closes_the_tree_and_comes_back() {
    let log = RefCell::new(Vec::new());
    let mut a = Logged {
        name: "a",
        log: &log,
        action: |_, _| Ok(Recur::NEXT),
        n: 0,
    };
    let mut b = Logged {
        name: "b",
        log: &log,
        action: |n, _| {
            if n == 3 {
                Err(Error::Doer(7))
            } else {
                Ok(Recur::NEXT)
            }
        },
        n: 0,
    };
    let mut runner = Runner::new().unwrap();
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
    doist.add(&mut a).unwrap();
    doist.add(&mut b).unwrap();
    assert_eq!(runner.run(&mut doist, None), Err(Error::Doer(7)));
    assert_eq!(doist.done(), Done::Incomplete);
    drop(doist);
    assert_eq!(
        *log.borrow(),
        [
            "b abort doer failed with code 7",
            "b exit",
            "a cease",
            "a exit"
        ]
    );
}

#[test]
fn a_finished_tree_ends_done() {
    let mut k = 0;
    let mut three = Doify::new("three", |_cx, phase| {
        if phase == Phase::Recur {
            k += 1;
            if k == 3 {
                return Ok(Recur::Done(true));
            }
        }
        Ok(Recur::NEXT)
    });
    let mut runner = Runner::new().unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(2));
    doist.add(&mut three).unwrap();
    let start = Instant::now();
    assert_eq!(runner.run(&mut doist, None), Ok(Ending::Done));
    // passes at 0, 2 and 4 ms of wall time
    assert!(start.elapsed() >= Duration::from_millis(4));
    // everything finished: hio's done is true, as after Doist::run
    assert_eq!(doist.done(), Done::Complete);
}

#[test]
fn the_runner_is_a_pacer_too() {
    let walls = RefCell::new(Vec::new());
    let mut stamp = Stamp {
        name: "stamp",
        every: Tock::ZERO,
        walls: &walls,
    };
    let mut runner = Runner::new().unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
    doist.add(&mut stamp).unwrap();
    let start = Instant::now();
    assert_eq!(
        doist.run_paced(Some(Tock::from_millis(200)), &mut runner),
        Ok(false)
    );
    let wall = start.elapsed();
    drop(doist);
    let stats = runner.stats();
    println!(
        "as a pacer: 20 passes of 10 ms in {wall:?}, max late {} us",
        stats.max_late.as_micros()
    );
    assert_eq!(walls.borrow().len(), 20);
    assert!(wall >= Duration::from_millis(190), "{wall:?}");
    // the mean lateness, not the worst single pass: one pass preempted by
    // a noisy neighbour was measured 16 ms late on a loaded 2-core machine
    // (and 9 ms under wine); the worst case is only reported
    let bound = if cfg!(target_os = "linux") { 3 } else { 10 };
    assert!(stats.mean_late() < Tock::from_millis(bound), "{stats:?}");
    assert_eq!(runner.failure(), None);
}
