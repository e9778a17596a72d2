//! Trace tests for `Gather` (gensyncio's gather on a DoDoer), `Tracked`,
//! and cancellation by removing a child.

use core::cell::{Cell, RefCell};
use core::pin::pin;

use hio::wait;
use hio::{
    Co, CoDoer, Doify, Doist, Done, Error, Gather, Latch, Outcome, Phase, Recorder, Recur, Target,
    Timeout, Tock, Tracked, Tyme,
};

fn ms(n: u64) -> Tock {
    Tock::from_millis(n)
}

/// A closure doer that finishes with `done` on its `n`th recur, or fails
/// with `Error::Doer(code)` there when `done` is `None`.
fn job(
    name: &'static str,
    n: u32,
    done: Option<bool>,
    code: u32,
) -> Doify<impl FnMut(&mut hio::Cx<'_>, Phase) -> Result<Recur, Error>> {
    let mut count = 0;
    Doify::new(name, move |_, phase| {
        if phase == Phase::Recur {
            count += 1;
            if count == n {
                return match done {
                    Some(v) => Ok(Recur::Done(v)),
                    None => Err(Error::Doer(code)),
                };
            }
        }
        Ok(Recur::NEXT)
    })
}

fn trace<const N: usize>(rec: &Recorder<N>) -> Vec<(u64, String, &'static str)> {
    assert_eq!(rec.lost(), 0, "recorder too small");
    rec.records()
        .iter()
        .filter(|r| r.phase != Phase::Recur)
        .map(|r| {
            (
                r.tyme.as_millis(),
                r.doer.as_str().to_owned(),
                r.phase.name(),
            )
        })
        .collect()
}

fn ev(t: u64, d: &str, p: &'static str) -> (u64, String, &'static str) {
    (t, d.to_owned(), p)
}

#[test]
fn gather_finishes_in_the_pass_its_last_child_finishes_and_reports_each() {
    let rec: Recorder<64> = Recorder::new();
    let mut a = job("a", 1, Some(true), 0);
    let mut b = job("b", 3, Some(true), 0);
    let mut c = job("c", 2, Some(false), 0);
    let mut g: Gather<'_, 3> = Gather::new("g", Tock::ZERO);
    g.add(&mut a).unwrap();
    g.add(&mut b).unwrap();
    g.add(&mut c).unwrap();
    assert_eq!(g.outcome(), Outcome::Pending);
    let mut doist: Doist<'_, 1> = Doist::new(ms(100));
    doist.set_tracer(&rec);
    doist.add(&mut g).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        trace(&rec),
        [
            ev(0, "g", "enter"),
            ev(0, "a", "enter"),
            ev(0, "b", "enter"),
            ev(0, "c", "enter"),
            ev(0, "a", "clean"),
            ev(0, "a", "exit"),
            ev(100, "c", "clean"),
            ev(100, "c", "exit"),
            ev(200, "b", "clean"),
            ev(200, "b", "exit"),
            ev(200, "g", "clean"),
            ev(200, "g", "exit"),
        ]
    );
    assert_eq!(g.outcome(), Outcome::Done(true));
    let results: Vec<_> = g.results().collect();
    assert_eq!(
        results,
        [
            ("a", Some(Done::Complete)),
            ("b", Some(Done::Complete)),
            ("c", Some(Done::Incomplete)),
        ]
    );
}

#[test]
fn a_failing_child_aborts_the_gather_and_closes_the_others() {
    let rec: Recorder<64> = Recorder::new();
    let mut a = job("a", 5, Some(true), 0);
    let mut b = job("b", 2, None, 42);
    let mut c = job("c", 5, Some(true), 0);
    let out_a = Cell::new(Outcome::Pending);
    let out_b = Cell::new(Outcome::Pending);
    let mut a = Tracked::new(&mut a, &out_a);
    let mut b = Tracked::new(&mut b, &out_b);
    let mut g: Gather<'_, 3> = Gather::new("g", Tock::ZERO);
    g.add(&mut a).unwrap();
    g.add(&mut b).unwrap();
    g.add(&mut c).unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(ms(100));
    doist.set_tracer(&rec);
    doist.add(&mut g).unwrap();
    assert_eq!(doist.run(None), Err(Error::Doer(42)));
    drop(doist);
    assert_eq!(
        trace(&rec)[4..],
        [
            ev(100, "b", "abort"),
            ev(100, "b", "exit"),
            ev(100, "g", "abort"),
            // hio's split order after an error: visited (a), then the rest (c)
            ev(100, "a", "cease"),
            ev(100, "a", "exit"),
            ev(100, "c", "cease"),
            ev(100, "c", "exit"),
            ev(100, "g", "exit"),
        ]
    );
    assert_eq!(g.outcome(), Outcome::Failed(Error::Doer(42)));
    assert_eq!(out_a.get(), Outcome::Ceased);
    assert_eq!(out_b.get(), Outcome::Failed(Error::Doer(42)));
}

#[test]
fn catching_children_fail_alone_and_the_others_run_on() {
    let rec: Recorder<64> = Recorder::new();
    let mut a = job("a", 3, Some(true), 0);
    let mut b = job("b", 1, None, 7);
    let out_b = Cell::new(Outcome::Pending);
    let mut b = Tracked::catching(&mut b, &out_b);
    let mut g: Gather<'_, 2> = Gather::new("g", Tock::ZERO);
    g.add(&mut a).unwrap();
    g.add(&mut b).unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(ms(100));
    doist.set_tracer(&rec);
    doist.add(&mut g).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    // the scheduler sees b finish (clean); b itself ran its abort
    assert_eq!(
        trace(&rec)[3..],
        [
            ev(0, "b", "clean"),
            ev(0, "b", "exit"),
            ev(200, "a", "clean"),
            ev(200, "a", "exit"),
            ev(200, "g", "clean"),
            ev(200, "g", "exit"),
        ]
    );
    assert_eq!(out_b.get(), Outcome::Failed(Error::Doer(7)));
    assert_eq!(g.outcome(), Outcome::Done(true));
}

#[test]
fn removing_a_child_closes_it_at_once_and_the_gather_ends_with_the_rest() {
    let rec: Recorder<64> = Recorder::new();
    let mut fast = job("fast", 2, Some(true), 0);
    let mut slow = job("slow", 100, Some(true), 0);
    let out_slow = Cell::new(Outcome::Pending);
    let mut slow = Tracked::new(&mut slow, &out_slow);
    let mut g: Gather<'_, 2> = Gather::new("g", Tock::ZERO);
    g.add(&mut slow).unwrap();
    g.add(&mut fast).unwrap();
    // a sibling coroutine cancels "slow" at 300
    let co = Co::new();
    let fut = pin!(Some(async {
        co.tock(Tock::ZERO).await;
        wait::sleep_until(&co, Tyme::from_millis(300)).await;
        let n = co.remove(Target::Named("g"), &["slow"]).await?;
        assert_eq!(n, 1);
        Ok(true)
    }));
    let mut canceller = CoDoer::new("canceller", &co, fut);
    let mut doist: Doist<'_, 2> = Doist::new(ms(100));
    doist.set_tracer(&rec);
    doist.add(&mut g).unwrap();
    doist.add(&mut canceller).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        trace(&rec)[4..],
        [
            ev(100, "fast", "clean"),
            ev(100, "fast", "exit"),
            // at once, inside the canceller's step
            ev(300, "slow", "cease"),
            ev(300, "slow", "exit"),
            ev(300, "canceller", "clean"),
            ev(300, "canceller", "exit"),
            // the gather notices it has no child left on its next run
            ev(400, "g", "clean"),
            ev(400, "g", "exit"),
        ]
    );
    assert_eq!(out_slow.get(), Outcome::Ceased);
    let results: Vec<_> = g.results().collect();
    assert_eq!(results, [("slow", None), ("fast", Some(Done::Complete))]);
}

#[test]
fn a_coroutine_awaits_the_gather_through_its_latch_and_reads_the_outcomes() {
    let done = Latch::new();
    let outs = [
        Cell::new(Outcome::Pending),
        Cell::new(Outcome::Pending),
        Cell::new(Outcome::Pending),
    ];
    let mut x = job("x", 2, Some(true), 0);
    let mut y = job("y", 4, None, 9);
    let mut z = job("z", 3, Some(false), 0);
    let mut x = Tracked::catching(&mut x, &outs[0]);
    let mut y = Tracked::catching(&mut y, &outs[1]);
    let mut z = Tracked::catching(&mut z, &outs[2]);
    let mut g: Gather<'_, 3> = Gather::new("g", Tock::ZERO);
    g.notify(&done);
    g.add(&mut x).unwrap();
    g.add(&mut y).unwrap();
    g.add(&mut z).unwrap();
    let co = Co::new();
    let got = RefCell::new(None);
    let fut = pin!(Some(async {
        co.tock(Tock::ZERO).await;
        done.wait(&co, Timeout::Never).await?;
        let results: Vec<Outcome> = outs.iter().map(Cell::get).collect();
        *got.borrow_mut() = Some((co.tyme(), results));
        Ok(true)
    }));
    let mut awaiter = CoDoer::new("awaiter", &co, fut);
    let mut doist: Doist<'_, 2> = Doist::new(ms(100));
    doist.add(&mut awaiter).unwrap(); // listed first: sees the latch a pass later
    doist.add(&mut g).unwrap();
    assert_eq!(doist.run(None), Ok(true));
    drop(doist);
    assert_eq!(
        got.borrow().clone(),
        Some((
            Tyme::from_millis(400),
            vec![
                Outcome::Done(true),
                Outcome::Failed(Error::Doer(9)),
                Outcome::Done(false),
            ]
        ))
    );
}

#[test]
fn closing_the_gather_ceases_its_children_and_still_notifies() {
    let done = Latch::new();
    let mut a = job("a", 100, Some(true), 0);
    let out_a = Cell::new(Outcome::Pending);
    let mut a = Tracked::new(&mut a, &out_a);
    let mut g: Gather<'_, 1> = Gather::new("g", Tock::ZERO);
    g.notify(&done);
    g.add(&mut a).unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(ms(100));
    doist.add(&mut g).unwrap();
    assert_eq!(doist.run(Some(ms(300))), Ok(false)); // limit: closed
    drop(doist);
    assert!(done.is_set());
    assert_eq!(g.outcome(), Outcome::Ceased);
    assert_eq!(out_a.get(), Outcome::Ceased);
    assert!(Outcome::Ceased.is_over() && !Outcome::Running.is_over());
}

#[test]
fn gather_capacity_is_a_value() {
    let mut a = job("a", 1, Some(true), 0);
    let mut b = job("b", 1, Some(true), 0);
    let mut g: Gather<'_, 1> = Gather::new("g", Tock::ZERO);
    g.add(&mut a).unwrap();
    assert_eq!(g.add(&mut b), Err(Error::Capacity));
    assert_eq!(g.names().collect::<Vec<_>>(), ["a"]);
}
