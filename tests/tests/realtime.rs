//! The real-time driver on a fake wall clock: deadlines are absolute (no
//! drift however many passes), a slow pass is caught up by running the next
//! passes back to back (hio's lossless restart), and passes with nothing due
//! cost no wait at all. The fake clock makes these exact and repeatable;
//! nothing here depends on this machine's timing.

// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use hio::{Clock, Cx, Doer, Doist, Error, RealTime, Recur, Tock, Tyme, Wait};

/// A wall clock that only moves when told to.
#[derive(Clone, Default)]
struct FakeClock(Rc<Cell<u64>>);

impl FakeClock {
    fn advance(&self, by: Tock) {
        self.0.set(self.0.get() + by.as_nanos());
    }
}

impl Clock for FakeClock {
    fn now(&mut self) -> Tyme {
        Tyme::from_nanos(self.0.get())
    }
}

/// Sleeps by jumping the fake clock to the deadline plus a fixed oversleep,
/// like a thread sleep that wakes a little late; records each deadline.
struct FakeSleep {
    late: Tock,
    deadlines: Rc<RefCell<Vec<Tyme>>>,
}

impl Wait<FakeClock> for FakeSleep {
    fn wait_until(&mut self, clock: &mut FakeClock, deadline: Tyme) {
        self.deadlines.borrow_mut().push(deadline);
        let now = clock.now();
        clock
            .0
            .set(now.max(deadline).as_nanos() + self.late.as_nanos());
    }
}

/// Runs every pass; records (doist tyme, wall time) and may stall the clock
/// on one chosen pass to simulate a slow step.
struct Probe {
    clock: FakeClock,
    seen: Rc<RefCell<Vec<(Tyme, Tyme)>>>,
    stall_at: Option<(usize, Tock)>,
    tock: Tock,
}

impl Doer for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let n = self.seen.borrow().len();
        self.seen
            .borrow_mut()
            .push((cx.tyme(), Tyme::from_nanos(self.clock.0.get())));
        if let Some((at, by)) = self.stall_at
            && at == n
        {
            self.clock.advance(by);
        }
        Ok(Recur::Again(self.tock))
    }
}

struct Run {
    seen: Vec<(Tyme, Tyme)>,
    deadlines: Vec<Tyme>,
    max_late: Tock,
}

fn run(doist_tock: Tock, probe_tock: Tock, limit: Tock, stall_at: Option<(usize, Tock)>) -> Run {
    let clock = FakeClock::default();
    clock.advance(Tock::from_secs(7)); // the wall origin is not zero
    let seen = Rc::new(RefCell::new(Vec::new()));
    let deadlines = Rc::new(RefCell::new(Vec::new()));
    let mut probe = Probe {
        clock: clock.clone(),
        seen: seen.clone(),
        stall_at,
        tock: probe_tock,
    };
    let mut doist: Doist<'_, 2> = Doist::new(doist_tock);
    doist.add(&mut probe).unwrap();
    let mut pacer = RealTime::new(
        clock,
        FakeSleep {
            late: Tock::from_micros(70),
            deadlines: deadlines.clone(),
        },
    );
    assert_eq!(doist.run_paced(Some(limit), &mut pacer), Ok(false));
    let max_late = pacer.max_late;
    drop(doist);
    let seen = seen.borrow().clone();
    let deadlines = deadlines.borrow().clone();
    Run {
        seen,
        deadlines,
        max_late,
    }
}

#[test]
fn deadlines_are_absolute_so_nothing_drifts() {
    // 10 ms passes for 10 s: 1000 passes, each waking 70 us late
    let r = run(Tock::from_millis(10), Tock::ZERO, Tock::from_secs(10), None);
    assert_eq!(r.seen.len(), 1000);
    let w0 = Tyme::from_secs(7);
    for (k, &(tyme, wall)) in r.seen.iter().enumerate() {
        assert_eq!(tyme, Tyme::from_millis(10 * k as u64));
        let deadline = w0 + tyme.since(Tyme::ZERO);
        let late = wall.since(deadline);
        // never early, and the 70 us oversleep never accumulates
        assert!(wall >= deadline, "pass {k} ran early");
        assert!(
            late <= Tock::from_micros(70),
            "pass {k} is {late} s late: drift"
        );
    }
    assert_eq!(r.deadlines.len(), 999, "one wait between passes");
    assert_eq!(r.max_late, Tock::from_micros(70));
}

#[test]
fn a_slow_pass_is_caught_up_back_to_back() {
    // pass 10 stalls 35 ms: passes 11..13 are already late and run without
    // waiting; pass 14 (due at 140 ms) is the first to wait again
    let r = run(
        Tock::from_millis(10),
        Tock::ZERO,
        Tock::from_millis(300),
        Some((10, Tock::from_millis(35))),
    );
    let w0 = Tyme::from_secs(7);
    let walls: Vec<u64> = r
        .seen
        .iter()
        .map(|&(_, w)| w.since(w0).as_micros())
        .collect();
    assert_eq!(
        &walls[10..15],
        &[100_070, 135_070, 135_070, 135_070, 140_070]
    );
    assert_eq!(r.seen.len(), 30);
    // every pass keeps its own tyme: the schedule itself is unchanged
    for (k, &(tyme, _)) in r.seen.iter().enumerate() {
        assert_eq!(tyme, Tyme::from_millis(10 * k as u64));
    }
    assert_eq!(
        r.deadlines.len(),
        29 - 3,
        "the three late passes did not wait"
    );
}

#[test]
fn idle_passes_cost_no_wait() {
    // a 1 s doer under a 10 ms doist: 300 passes in 3 s, but only the passes
    // with work are waited for (once a second), not every tock
    let r = run(
        Tock::from_millis(10),
        Tock::from_secs(1),
        Tock::from_secs(3),
        None,
    );
    let tymes: Vec<Tyme> = r.seen.iter().map(|&(t, _)| t).collect();
    assert_eq!(tymes, [Tyme::ZERO, Tyme::from_secs(1), Tyme::from_secs(2)]);
    let w0 = Tyme::from_secs(7);
    assert_eq!(
        r.deadlines,
        [
            w0 + Tock::from_secs(1),
            w0 + Tock::from_secs(2),
            w0 + Tock::from_secs(3)
        ]
    );
}

#[test]
fn never_sleeps_past_the_limit() {
    // a 1 s doer under a 10 ms doist with a 1.5 s limit: the last wait is
    // for the pass at 1.5 s, where the run ends, not for the doer at 2 s
    let r = run(
        Tock::from_millis(10),
        Tock::from_secs(1),
        Tock::from_millis(1500),
        None,
    );
    let w0 = Tyme::from_secs(7);
    assert_eq!(
        r.deadlines,
        [w0 + Tock::from_secs(1), w0 + Tock::from_millis(1500)]
    );
}

#[test]
fn next_pass_due_rounds_to_the_pass_grid() {
    let mut probe = Probe {
        clock: FakeClock::default(),
        seen: Rc::default(),
        stall_at: None,
        tock: Tock::from_millis(700),
    };
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(250));
    doist.add(&mut probe).unwrap();
    doist.enter().unwrap();
    assert_eq!(doist.next_pass_due(), Some(Tyme::ZERO));
    doist.recur().unwrap(); // the probe now waits for 0.7 s: the pass at 0.75
    assert_eq!(doist.next_due(), Some(Tyme::from_millis(700)));
    assert_eq!(doist.next_pass_due(), Some(Tyme::from_millis(750)));
    doist.exit();
}
