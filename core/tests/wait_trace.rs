//! Trace tests for the waiting primitives: who wakes, when, and in which
//! order, stepping the scheduler and recording what happens.
//!
//! The documented rule under test: a waiter re-checks when its doer runs,
//! doers run in schedule order, so a waiter that runs after the doer that
//! made its condition true wakes in the same pass, one that runs before it
//! wakes in the next pass; FIFO among lock waiters by the order they asked.

use core::cell::{Cell, RefCell};
use core::pin::pin;

use hio::wait::{self, Deadline, Sleep};
use hio::{
    Co, CoDoer, Cx, Deck, Doer, Doify, Doist, Error, Latch, Lock, Phase, Recorder, Recur, Target,
    TaskDeck, Timeout, Tock, Tyme,
};

type Log = RefCell<Vec<(u64, &'static str)>>;

fn note(log: &Log, co: &Co, what: &'static str) {
    log.borrow_mut().push((co.tyme().as_millis(), what));
}

/// `codoer!(let mut d = "name", co, async { .. })`: a coroutine doer whose
/// pinned future lives in the caller's scope.
macro_rules! codoer {
    (let mut $d:ident = $name:expr, $co:expr, $fut:expr) => {
        let fut = pin!(Some($fut));
        let mut $d = CoDoer::new($name, $co, fut);
    };
}

fn ms(n: u64) -> Tock {
    Tock::from_millis(n)
}

// ------------------------------------------------------------------ sleep

#[test]
fn sleep_wakes_in_first_pass_at_or_after_its_tyme_and_is_not_due_before() {
    let rec: Recorder<32> = Recorder::new();
    let log = Log::default();
    let co = Co::new();
    codoer!(let mut d = "sleeper", &co, async {
        co.tock(Tock::ZERO).await;
        let t = wait::sleep(&co, ms(300)).await; // from 0: wakes in pass 500
        assert_eq!(t, Tyme::from_millis(500));
        note(&log, &co, "woke");
        wait::sleep(&co, Tock::ZERO).await; // sleep(0): the next pass
        note(&log, &co, "yielded");
        Ok(true)
    });
    let mut doist: Doist<'_, 1> = Doist::new(ms(250));
    doist.set_tracer(&rec);
    doist.add(&mut d).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(*log.borrow(), [(500, "woke"), (750, "yielded")]);
    let recurs: Vec<_> = rec
        .records()
        .iter()
        .filter(|r| r.phase == Phase::Recur)
        .map(|r| r.tyme.as_millis())
        .collect();
    // not run at 250: the remaining tyme was yielded as its tock
    assert_eq!(recurs, [0, 500, 750]);
    assert_eq!(rec.lost(), 0);
}

#[test]
fn sleepers_due_in_the_same_pass_wake_in_schedule_order() {
    let log = Log::default();
    let (c1, c2, c3) = (Co::new(), Co::new(), Co::new());
    // c1 sleeps longest but is listed first; all three are due in pass 250
    codoer!(let mut d1 = "long", &c1, async {
        c1.tock(Tock::ZERO).await;
        wait::sleep(&c1, ms(240)).await;
        note(&log, &c1, "long");
        Ok(true)
    });
    codoer!(let mut d2 = "short", &c2, async {
        c2.tock(Tock::ZERO).await;
        wait::sleep(&c2, ms(10)).await;
        note(&log, &c2, "short");
        Ok(true)
    });
    codoer!(let mut d3 = "mid", &c3, async {
        c3.tock(Tock::ZERO).await;
        wait::sleep(&c3, ms(100)).await;
        note(&log, &c3, "mid");
        Ok(true)
    });
    let mut doist: Doist<'_, 3> = Doist::new(ms(250));
    doist.add(&mut d1).unwrap();
    doist.add(&mut d2).unwrap();
    doist.add(&mut d3).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(*log.borrow(), [(250, "long"), (250, "short"), (250, "mid")]);
}

#[test]
fn plain_sleep_state_matches_the_coroutine_sleep() {
    struct Napper<'l> {
        nap: Sleep,
        naps: u32,
        log: &'l RefCell<Vec<u64>>,
    }
    impl Doer for Napper<'_> {
        fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
            if let Some(left) = self.nap.remaining(cx.tyme()) {
                return Ok(Recur::Again(left));
            }
            self.log.borrow_mut().push(cx.tyme().as_millis());
            if self.naps == 2 {
                return Ok(Recur::Done(true));
            }
            self.naps += 1;
            self.nap.start(cx.tyme(), ms(300));
            Ok(Recur::Again(ms(300)))
        }
    }
    let plain = RefCell::new(Vec::new());
    let mut napper = Napper {
        nap: Sleep::new(),
        naps: 0,
        log: &plain,
    };
    let co_log = RefCell::new(Vec::new());
    let co = Co::new();
    codoer!(let mut d = "co", &co, async {
        co.tock(Tock::ZERO).await;
        co_log.borrow_mut().push(co.tyme().as_millis());
        for _ in 0..2 {
            let t = wait::sleep(&co, ms(300)).await;
            co_log.borrow_mut().push(t.as_millis());
        }
        Ok(true)
    });
    let mut doist: Doist<'_, 2> = Doist::new(ms(250));
    doist.add(&mut napper).unwrap();
    doist.add(&mut d).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    // both wake in the first *pass* at or after their tyme (no pass at 300)
    assert_eq!(*plain.borrow(), [0, 500, 1000]);
    assert_eq!(*co_log.borrow(), [0, 500, 1000]);
}

// ------------------------------------------------------------------ until

#[test]
fn until_times_out_in_tyme_and_a_condition_that_holds_at_the_deadline_wins() {
    let log = Log::default();
    let flag = Cell::new(false);
    let (c1, c2) = (Co::new(), Co::new());
    codoer!(let mut waiter = "waiter", &c1, async {
        c1.tock(Tock::ZERO).await;
        // never true: times out at 0 + 300 -> first pass at or after: 300
        let r = wait::until(&c1, || false, Timeout::After(ms(300))).await;
        assert_eq!(r, Err(Error::Timeout));
        note(&log, &c1, "timeout");
        // becomes true in pass 600, which is also the deadline: success wins
        let r = wait::until(&c1, || flag.get(), Timeout::At(Tyme::from_millis(600))).await;
        assert_eq!(r, Ok(Tyme::from_millis(600)));
        note(&log, &c1, "held");
        // already true: returns at once, without yielding
        let r = wait::until(&c1, || true, Timeout::After(Tock::ZERO)).await;
        assert_eq!(r, Ok(Tyme::from_millis(600)));
        note(&log, &c1, "at once");
        Ok(true)
    });
    codoer!(let mut setter = "setter", &c2, async {
        c2.tock(Tock::ZERO).await;
        wait::sleep_until(&c2, Tyme::from_millis(600)).await;
        flag.set(true);
        Ok(true)
    });
    let mut doist: Doist<'_, 2> = Doist::new(ms(100));
    doist.add(&mut setter).unwrap(); // runs first in each pass
    doist.add(&mut waiter).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        *log.borrow(),
        [(300, "timeout"), (600, "held"), (600, "at once")]
    );
}

#[test]
fn a_tymer_timeout_reads_its_own_clock() {
    use hio::{Tymer, Tymist};
    let clock = Tymist::new(Tyme::ZERO, ms(100));
    let timer = Tymer::new(clock.tymen(), ms(250));
    // a first doer keeps the Tymist in step with the doist
    let mut sync = Doify::new("sync", |cx, _| {
        clock.set_tyme(cx.tyme());
        Ok(Recur::NEXT)
    });
    let co = Co::new();
    let at = Cell::new(None);
    codoer!(let mut waiter = "waiter", &co, async {
        co.tock(Tock::ZERO).await;
        let r = wait::until(&co, || false, Timeout::Tymer(&timer)).await;
        assert_eq!(r, Err(Error::Timeout));
        at.set(Some(co.tyme()));
        Ok(true)
    });
    let mut doist: Doist<'_, 2> = Doist::new(ms(100));
    doist.add(&mut sync).unwrap();
    doist.add(&mut waiter).unwrap();
    assert_eq!(doist.run(Some(Tock::from_secs(1))), Ok(false));
    drop(doist);
    assert_eq!(at.get(), Some(Tyme::from_millis(300)));
}

#[test]
fn deadline_is_the_plain_doer_timeout() {
    let d = Deadline::start(Timeout::After(ms(100)), Tyme::from_millis(50));
    assert!(!d.expired(Tyme::from_millis(149)));
    assert_eq!(d.check(Tyme::from_millis(150)), Err(Error::Timeout));
    assert!(!Deadline::never().expired(Tyme::MAX));
    assert!(Deadline::start(Timeout::At(Tyme::ZERO), Tyme::ZERO).expired(Tyme::ZERO));
}

// ------------------------------------------------------------------ latch

#[test]
fn latch_wakes_waiters_after_the_setter_this_pass_and_before_it_next_pass() {
    let log = Log::default();
    let go = Latch::new();
    let (c1, c2, c3, cs) = (Co::new(), Co::new(), Co::new(), Co::new());
    codoer!(let mut w1 = "w1", &c1, async {
        c1.tock(Tock::ZERO).await;
        go.wait(&c1, Timeout::Never).await?;
        note(&log, &c1, "w1");
        Ok(true)
    });
    codoer!(let mut setter = "setter", &cs, async {
        cs.tock(Tock::ZERO).await;
        wait::sleep(&cs, ms(200)).await;
        note(&log, &cs, "set");
        go.set();
        Ok(true)
    });
    codoer!(let mut w2 = "w2", &c2, async {
        c2.tock(Tock::ZERO).await;
        go.wait(&c2, Timeout::Never).await?;
        note(&log, &c2, "w2");
        Ok(true)
    });
    codoer!(let mut w3 = "w3", &c3, async {
        c3.tock(Tock::ZERO).await;
        go.wait(&c3, Timeout::Never).await?;
        note(&log, &c3, "w3");
        Ok(true)
    });
    let mut doist: Doist<'_, 4> = Doist::new(ms(100));
    doist.add(&mut w1).unwrap();
    doist.add(&mut setter).unwrap();
    doist.add(&mut w2).unwrap();
    doist.add(&mut w3).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        *log.borrow(),
        [(200, "set"), (200, "w2"), (200, "w3"), (300, "w1")]
    );
}

#[test]
fn latch_set_then_cleared_in_one_step_still_wakes_everyone_waiting() {
    let log = Log::default();
    let pulse = Latch::new();
    let (c1, c2) = (Co::new(), Co::new());
    let mut pulser = Doify::new("pulser", |cx, phase| {
        if phase == Phase::Recur && cx.tyme() == Tyme::from_millis(100) {
            pulse.set();
            pulse.clear(); // asyncio: waiters that were waiting still wake
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    });
    codoer!(let mut before = "before", &c1, async {
        c1.tock(Tock::ZERO).await;
        pulse.wait(&c1, Timeout::Never).await?;
        note(&log, &c1, "before");
        Ok(true)
    });
    codoer!(let mut after = "after", &c2, async {
        c2.tock(Tock::ZERO).await;
        pulse.wait(&c2, Timeout::Never).await?;
        note(&log, &c2, "after");
        // a new wait starts after the pulse: it does not fire
        let r = pulse.wait(&c2, Timeout::After(ms(200))).await;
        assert_eq!(r, Err(Error::Timeout));
        note(&log, &c2, "no second pulse");
        Ok(true)
    });
    let mut doist: Doist<'_, 3> = Doist::new(ms(100));
    doist.add(&mut before).unwrap();
    doist.add(&mut pulser).unwrap();
    doist.add(&mut after).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert!(!pulse.is_set());
    assert_eq!(
        *log.borrow(),
        [(100, "after"), (200, "before"), (300, "no second pulse")]
    );
}

#[test]
fn plain_doers_watch_a_latch() {
    struct Watcher<'l> {
        latch: &'l Latch,
        watch: Option<hio::wait::Watch<'l>>,
        seen: Option<u64>,
    }
    impl Doer for Watcher<'_> {
        fn enter(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
            self.watch = Some(self.latch.watch());
            Ok(Recur::NEXT)
        }
        fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
            if self.watch.is_some_and(|w| w.fired()) {
                self.seen = Some(cx.tyme().as_millis());
                return Ok(Recur::Done(true));
            }
            Ok(Recur::NEXT)
        }
    }
    let latch = Latch::new();
    let mut w = Watcher {
        latch: &latch,
        watch: None,
        seen: None,
    };
    let mut pulser = Doify::new("pulser", |cx, phase| {
        if phase == Phase::Recur && cx.tyme() == Tyme::from_millis(300) {
            latch.set();
            latch.clear();
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 2> = Doist::new(ms(100));
    doist.add(&mut w).unwrap();
    doist.add(&mut pulser).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(w.seen, Some(400)); // it runs before the pulser: next pass
}

// ------------------------------------------------------------------ lock

#[test]
fn lock_goes_first_come_first_served_not_by_schedule_position() {
    let log = Log::default();
    let lock = Lock::new();
    let (c1, c2, c3) = (Co::new(), Co::new(), Co::new());
    // listed c1, c2, c3; c3 takes the lock at 0 and holds it until 500;
    // c2 asks at 100, c1 asks at 200: c2 must go before c1
    codoer!(let mut d1 = "c1", &c1, async {
        c1.tock(Tock::ZERO).await;
        wait::sleep(&c1, ms(200)).await;
        note(&log, &c1, "c1 asks");
        let g = lock.lock(&c1, Timeout::Never).await?;
        note(&log, &c1, "c1 holds");
        wait::sleep(&c1, ms(100)).await;
        drop(g);
        Ok(true)
    });
    codoer!(let mut d2 = "c2", &c2, async {
        c2.tock(Tock::ZERO).await;
        wait::sleep(&c2, ms(100)).await;
        note(&log, &c2, "c2 asks");
        let g = lock.lock(&c2, Timeout::Never).await?;
        note(&log, &c2, "c2 holds");
        wait::sleep(&c2, ms(100)).await;
        g.release();
        note(&log, &c2, "c2 released");
        Ok(true)
    });
    codoer!(let mut d3 = "c3", &c3, async {
        c3.tock(Tock::ZERO).await;
        let g = lock.lock(&c3, Timeout::Never).await?;
        note(&log, &c3, "c3 holds");
        wait::sleep(&c3, ms(500)).await;
        drop(g);
        note(&log, &c3, "c3 released");
        Ok(true)
    });
    let mut doist: Doist<'_, 3> = Doist::new(ms(100));
    doist.add(&mut d1).unwrap();
    doist.add(&mut d2).unwrap();
    doist.add(&mut d3).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert!(!lock.is_locked());
    assert_eq!(
        *log.borrow(),
        [
            (0, "c3 holds"),
            (100, "c2 asks"),
            (200, "c1 asks"),
            (500, "c3 released"),
            (600, "c2 holds"), // c2 runs before c3: notices its turn a pass later
            (700, "c2 released"),
            (800, "c1 holds"), // c1 runs before c2: one pass later too
        ]
    );
}

#[test]
fn lock_waiters_that_time_out_or_are_removed_give_up_their_place() {
    let log = Log::default();
    let lock = Lock::new();
    let (ch, ct, cr, cl) = (Co::new(), Co::new(), Co::new(), Co::new());
    // holder takes it at 0 for 400; "timid" waits with a 150 timeout;
    // "removed" is removed at 200 while waiting; "last" must get it at 400
    codoer!(let mut holder = "holder", &ch, async {
        ch.tock(Tock::ZERO).await;
        let _g = lock.lock(&ch, Timeout::Never).await?;
        note(&log, &ch, "holder holds");
        wait::sleep(&ch, ms(400)).await;
        note(&log, &ch, "holder releases");
        Ok(true)
    });
    codoer!(let mut timid = "timid", &ct, async {
        ct.tock(Tock::ZERO).await;
        let r = lock.lock(&ct, Timeout::After(ms(150))).await;
        assert_eq!(r.err(), Some(Error::Timeout));
        note(&log, &ct, "timid gave up");
        Ok(true)
    });
    codoer!(let mut removed = "removed", &cr, async {
        cr.tock(Tock::ZERO).await;
        let _g = lock.lock(&cr, Timeout::Never).await?;
        note(&log, &cr, "removed holds (wrong)");
        Ok(true)
    });
    codoer!(let mut last = "last", &cl, async {
        cl.tock(Tock::ZERO).await;
        let _g = lock.lock(&cl, Timeout::Never).await?;
        note(&log, &cl, "last holds");
        Ok(true)
    });
    let waiting = Cell::new(0);
    let mut remover = Doify::new("remover", |cx, phase| {
        if phase == Phase::Recur && cx.tyme() == Tyme::from_millis(200) {
            waiting.set(lock.waiting());
            cx.remove(Target::Root, &["removed"])?;
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 5> = Doist::new(ms(100));
    doist.add(&mut holder).unwrap();
    doist.add(&mut timid).unwrap();
    doist.add(&mut removed).unwrap();
    doist.add(&mut remover).unwrap();
    doist.add(&mut last).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(waiting.get(), 2); // "removed" and "last" (timid gave up at 200)
    assert_eq!(
        *log.borrow(),
        [
            (0, "holder holds"),
            (200, "timid gave up"),
            (400, "holder releases"),
            (400, "last holds"), // runs after the holder: same pass
        ]
    );
    assert!(!lock.is_locked());
}

#[test]
fn a_holder_closed_from_outside_releases_the_lock() {
    let log = Log::default();
    let lock = Lock::new();
    let (ch, cw) = (Co::new(), Co::new());
    codoer!(let mut holder = "holder", &ch, async {
        ch.tock(Tock::ZERO).await;
        let _g = lock.lock(&ch, Timeout::Never).await?;
        note(&log, &ch, "holder holds");
        wait::sleep(&ch, Tock::from_secs(100)).await; // far too long
        Ok(true)
    });
    codoer!(let mut waiter = "waiter", &cw, async {
        cw.tock(Tock::ZERO).await;
        let _g = lock.lock(&cw, Timeout::Never).await?;
        note(&log, &cw, "waiter holds");
        Ok(true)
    });
    let mut remover = Doify::new("remover", |cx, phase| {
        if phase == Phase::Recur && cx.tyme() == Tyme::from_millis(300) {
            cx.remove(Target::Root, &["holder"])?; // cease: its future is dropped
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 3> = Doist::new(ms(100));
    doist.add(&mut holder).unwrap();
    doist.add(&mut remover).unwrap();
    doist.add(&mut waiter).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(*log.borrow(), [(0, "holder holds"), (300, "waiter holds")]);
}

#[test]
fn plain_doers_take_tickets_and_the_window_is_bounded() {
    let lock = Lock::new();
    let held = lock.try_lock().unwrap();
    assert!(lock.try_lock().is_none());
    let t1 = lock.ticket().unwrap();
    let t2 = lock.ticket().unwrap();
    assert_eq!(lock.waiting(), 2);
    let t1 = t1.claim().unwrap_err(); // not its turn
    drop(held);
    assert!(lock.is_locked() && !lock.is_held()); // t1's turn, not claimed yet
    assert!(t1.is_turn() && !t2.is_turn());
    drop(t1); // gives up its turn: t2's now
    assert!(t2.is_turn());
    let g2 = t2.claim().unwrap();
    assert!(lock.is_held());
    // 64 tickets at most, the holder included
    let mut line = Vec::new();
    for _ in 0..63 {
        line.push(lock.ticket().unwrap());
    }
    assert_eq!(lock.ticket().err(), Some(Error::Capacity));
    // give up every other place, then release: the turn skips the given-up ones
    let mut kept = Vec::new();
    for (i, t) in line.into_iter().enumerate() {
        if i % 2 == 1 {
            kept.push(t);
        }
    }
    drop(g2);
    for t in kept {
        assert!(t.is_turn());
        let g = t.claim().unwrap();
        drop(g);
    }
    assert!(!lock.is_locked());
    assert_eq!(lock.waiting(), 0);
    // tickets keep working across u32 wrap-around of the counters
    for _ in 0..1000 {
        drop(lock.try_lock().unwrap());
    }
    assert!(lock.try_lock().is_some());
}

// ------------------------------------------------------------------ decks

#[test]
fn push_waits_on_back_pressure_and_pull_on_empty_in_schedule_order() {
    let log = Log::default();
    let deck: RefCell<Deck<u32, 2>> = RefCell::new(Deck::new());
    let (cp, cc) = (Co::new(), Co::new());
    codoer!(let mut producer = "producer", &cp, async {
        cp.tock(Tock::ZERO).await;
        for i in 0..5 {
            wait::push(&cp, &deck, i, Timeout::Never).await.map_err(|r| r.error)?;
            note(&log, &cp, "pushed");
        }
        Ok(true)
    });
    codoer!(let mut consumer = "consumer", &cc, async {
        cc.tock(Tock::ZERO).await;
        wait::sleep(&cc, ms(300)).await; // slow to start: the deck fills
        for i in 0..5 {
            let item = wait::pull(&cc, &deck, Timeout::Never).await?;
            assert_eq!(item, i);
            note(&log, &cc, "pulled");
            wait::sleep(&cc, ms(200)).await;
        }
        Ok(true)
    });
    let mut doist: Doist<'_, 2> = Doist::new(ms(100));
    doist.add(&mut producer).unwrap();
    doist.add(&mut consumer).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        *log.borrow(),
        [
            (0, "pushed"),
            (0, "pushed"),   // deck full now: the third push waits
            (300, "pulled"), // item 0
            (400, "pushed"), // producer runs first: sees the room next pass
            (500, "pulled"),
            (600, "pushed"),
            (700, "pulled"),
            (800, "pushed"),
            (900, "pulled"),
            (1100, "pulled"),
        ]
    );
}

#[test]
#[allow(clippy::await_holding_refcell_ref)] // on purpose: misuse is reported
fn waits_on_items_room_timeout_and_capacity() {
    let deck: RefCell<Deck<u8, 3>> = RefCell::new(Deck::new());
    let co = Co::new();
    let seen = RefCell::new(Vec::new());
    codoer!(let mut d = "d", &co, async {
        co.tock(Tock::ZERO).await;
        // more than the capacity can never hold
        assert_eq!(wait::items(&co, &deck, 4, Timeout::Never).await, Err(Error::Capacity));
        assert_eq!(wait::room(&co, &deck, 4, Timeout::Never).await, Err(Error::Capacity));
        assert_eq!(wait::room(&co, &deck, 3, Timeout::Never).await, Ok(Tyme::ZERO));
        let r = wait::pull(&co, &deck, Timeout::After(ms(200))).await;
        assert_eq!(r, Err(Error::Timeout));
        seen.borrow_mut().push(("pull timed out", co.tyme().as_millis()));
        deck.borrow_mut().push_slice(&[1, 2, 3]);
        let r = wait::push(&co, &deck, 9, Timeout::After(ms(100))).await;
        assert_eq!(r, Err(wait::Rejected { item: 9, error: Error::Timeout }));
        seen.borrow_mut().push(("push timed out", co.tyme().as_millis()));
        // a borrow held across a wait is misuse, reported, not a panic
        let held = deck.borrow_mut();
        assert_eq!(wait::items(&co, &deck, 1, Timeout::Never).await, Err(Error::Misuse));
        drop(held);
        assert_eq!(wait::items(&co, &deck, 3, Timeout::Never).await, Ok(Tyme::from_millis(300)));
        Ok(true)
    });
    let mut doist: Doist<'_, 1> = Doist::new(ms(100));
    doist.add(&mut d).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        *seen.borrow(),
        [("pull timed out", 200), ("push timed out", 300)]
    );
}

#[test]
fn join_waits_until_every_task_is_done_asyncio_queue_example() {
    // asyncio's Queue example, hio style: main puts jobs, three workers take
    // them and "sleep" each job's duration, main joins, then cancels them
    let log = Log::default();
    let tasks: RefCell<TaskDeck<u64, 8>> = RefCell::new(TaskDeck::new());
    let total = Cell::new(0u64);
    let (cm, c1, c2, c3) = (Co::new(), Co::new(), Co::new(), Co::new());
    macro_rules! worker {
        ($co:ident, $name:literal) => {
            async {
                $co.tock(Tock::ZERO).await;
                loop {
                    let job = wait::pull(&$co, &tasks, Timeout::Never).await?;
                    wait::sleep(&$co, ms(job)).await;
                    total.set(total.get() + job);
                    tasks.borrow_mut().task_done()?;
                    note(&log, &$co, $name);
                }
            }
        };
    }
    codoer!(let mut w1 = "w1", &c1, worker!(c1, "w1"));
    codoer!(let mut w2 = "w2", &c2, worker!(c2, "w2"));
    codoer!(let mut w3 = "w3", &c3, worker!(c3, "w3"));
    codoer!(let mut main = "main", &cm, async {
        cm.tock(Tock::ZERO).await;
        for job in [300, 100, 200, 100, 100] {
            tasks.borrow_mut().push(job).map_err(|_| Error::Capacity)?;
        }
        wait::join(&cm, &tasks, Timeout::Never).await?;
        note(&log, &cm, "joined");
        cm.remove(Target::Root, &["w1", "w2", "w3"]).await?; // cancel the workers
        Ok(true)
    });
    let mut doist: Doist<'_, 4> = Doist::new(ms(100));
    doist.add(&mut main).unwrap();
    doist.add(&mut w1).unwrap();
    doist.add(&mut w2).unwrap();
    doist.add(&mut w3).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(total.get(), 800);
    assert!(tasks.borrow().is_joined());
    // at 0 w1 takes 300, w2 100, w3 200; w2 takes the 4th at 100 and,
    // running before w3 in the pass at 200, the 5th too
    assert_eq!(
        *log.borrow(),
        [
            (100, "w2"),
            (200, "w2"),
            (200, "w3"),
            (300, "w1"),
            (300, "w2"),
            (400, "joined"), // main runs first in the pass: one pass after the last done
        ]
    );
}
