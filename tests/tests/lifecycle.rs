//! Hand-written trace tests of the life cycle: orders, nesting, reverse-order
//! exit and abort propagation, each run once for every way of writing a leaf
//! doer (a `Doer` impl, a `Doify` closure, a `CoDoer` async block), which must
//! all give the same trace.
//!
//! Each leaf logs from inside its own hooks ("tyme name context count"), so
//! these tests see what the doers experienced, not what the scheduler meant
//! to do.

// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::{Cell, RefCell};
use std::pin::Pin;

use hio::{
    Co, CoDoer, Cx, DoDoer, Doer, Doify, Doist, Done, Error, Fixed, Hooks, Phase, Recur, Target,
    Tock, Tyme,
};

type Log = RefCell<Vec<String>>;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Doer,
    Closure,
    Coroutine,
}

const KINDS: [Kind; 3] = [Kind::Doer, Kind::Closure, Kind::Coroutine];

#[derive(Clone, Copy)]
struct Script {
    name: &'static str,
    tock: Tock,
    /// recur count that finishes it (0: inside enter)
    done_at: Option<u32>,
    /// recur count that fails (0: in enter)
    raise_at: Option<u32>,
}

fn script(name: &'static str, tock_ms: u64) -> Script {
    Script {
        name,
        tock: Tock::from_millis(tock_ms),
        done_at: None,
        raise_at: None,
    }
}

impl Script {
    fn done_at(mut self, n: u32) -> Self {
        self.done_at = Some(n);
        self
    }
    fn raise_at(mut self, n: u32) -> Self {
        self.raise_at = Some(n);
        self
    }
}

struct Leaf {
    s: Script,
    log: &'static Log,
    count: Cell<u32>,
}

impl Leaf {
    fn note(&self, tyme: Tyme, what: &str) {
        self.log.borrow_mut().push(format!(
            "{tyme} {} {what} {}",
            self.s.name,
            self.count.get()
        ));
    }
    fn enter(&self, tyme: Tyme) -> Result<Recur, Error> {
        self.count.set(0);
        self.note(tyme, "enter");
        if self.s.raise_at == Some(0) {
            return Err(Error::Doer(0));
        }
        Ok(if self.s.done_at == Some(0) {
            Recur::Done(true)
        } else {
            Recur::Again(self.s.tock)
        })
    }
    fn recur(&self, tyme: Tyme) -> Result<Recur, Error> {
        let n = self.count.get() + 1;
        self.count.set(n);
        self.note(tyme, "recur");
        if self.s.raise_at == Some(n) {
            return Err(Error::Doer(n));
        }
        Ok(if self.s.done_at == Some(n) {
            Recur::Done(true)
        } else {
            Recur::Again(self.s.tock)
        })
    }
}

struct ImplDoer(&'static Leaf);

impl Doer for ImplDoer {
    fn name(&self) -> &'static str {
        self.0.s.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.0.enter(cx.tyme())
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.0.recur(cx.tyme())
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "clean");
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "cease");
    }
    fn abort(&mut self, cx: &mut Cx<'_>, _: Error) {
        self.0.note(cx.tyme(), "abort");
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "exit");
    }
}

struct LeafHooks(&'static Leaf);

impl Hooks for LeafHooks {
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        self.0.enter(cx.tyme()).map(|_| ())
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "clean");
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "cease");
    }
    fn abort(&mut self, cx: &mut Cx<'_>, _: Error) {
        self.0.note(cx.tyme(), "abort");
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "exit");
    }
}

fn leak<T>(t: T) -> &'static mut T {
    Box::leak(Box::new(t))
}

fn leaf(kind: Kind, s: Script, log: &'static Log) -> &'static mut dyn Doer {
    let l: &'static Leaf = leak(Leaf {
        s,
        log,
        count: Cell::new(0),
    });
    match kind {
        Kind::Doer => leak(ImplDoer(l)),
        Kind::Closure => leak(Doify::new(s.name, move |cx: &mut Cx<'_>, phase| {
            let t = cx.tyme();
            match phase {
                Phase::Enter => return l.enter(t),
                Phase::Recur => return l.recur(t),
                Phase::Clean => l.note(t, "clean"),
                Phase::Cease => l.note(t, "cease"),
                Phase::Abort(_) => l.note(t, "abort"),
                Phase::Exit => l.note(t, "exit"),
            }
            Ok(Recur::NEXT)
        })),
        Kind::Coroutine => {
            let co: &'static Co = leak(Co::new());
            let fut = async move {
                if s.done_at == Some(0) {
                    return Ok(true);
                }
                co.tock(s.tock).await;
                loop {
                    match l.recur(co.tyme())? {
                        Recur::Done(v) => return Ok(v),
                        Recur::Again(t) => co.tock(t).await,
                    };
                }
            };
            leak(CoDoer::with_hooks(
                s.name,
                co,
                Pin::static_mut(leak(Some(fut))),
                LeafHooks(l),
            ))
        }
    }
}

/// A DoDoer that logs its own contexts like a leaf.
struct GroupHooks(&'static Leaf);

impl Hooks for GroupHooks {
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        self.0.count.set(0);
        self.0.note(cx.tyme(), "enter");
        Ok(())
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        self.0.count.set(self.0.count.get() + 1);
        self.0.note(cx.tyme(), "recur");
        Ok(())
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "clean");
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "cease");
    }
    fn abort(&mut self, cx: &mut Cx<'_>, _: Error) {
        self.0.note(cx.tyme(), "abort");
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.0.note(cx.tyme(), "exit");
    }
}

fn group(
    name: &'static str,
    tock_ms: u64,
    log: &'static Log,
) -> &'static mut DoDoer<'static, 8, GroupHooks> {
    let l: &'static Leaf = leak(Leaf {
        s: script(name, tock_ms),
        log,
        count: Cell::new(0),
    });
    leak(DoDoer::with_hooks(
        name,
        Tock::from_millis(tock_ms),
        GroupHooks(l),
    ))
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Runs `build` for every kind and checks every trace equals `expected`.
fn for_each_kind(
    expected: &str,
    build: impl Fn(Kind, &'static Log) -> (Result<bool, Error>, Tyme),
) {
    let expected = lines(expected);
    for kind in KINDS {
        let log: &'static Log = leak(RefCell::new(Vec::new()));
        let _ = build(kind, log);
        assert_eq!(*log.borrow(), expected, "kind {kind:?}");
    }
}

#[test]
fn normal_completion_runs_clean_then_exit() {
    for_each_kind(
        "0 a enter 0
         0 a recur 1
         0.25 a recur 2
         0.5 a recur 3
         0.5 a clean 3
         0.5 a exit 3",
        |k, log| {
            let mut d: Doist<'static, 4> = Doist::new(Tock::from_millis(250));
            d.add(leaf(k, script("a", 250).done_at(3), log)).unwrap();
            let r = d.run(None);
            assert_eq!(r, Ok(true));
            assert_eq!(
                d.tyme(),
                Tyme::from_millis(750),
                "one more tick after the last pass"
            );
            assert_eq!(d.done_of("a"), Some(Done::Complete));
            (r, d.tyme())
        },
    );
}

#[test]
fn completion_inside_enter_gets_no_deed() {
    for_each_kind(
        "0 a enter 0
         0 a clean 0
         0 a exit 0
         0 b enter 0
         0 b recur 1
         0 b clean 1
         0 b exit 1",
        |k, log| {
            let mut d: Doist<'static, 4> = Doist::new(Tock::from_millis(500));
            d.add(leaf(k, script("a", 0).done_at(0), log)).unwrap();
            d.add(leaf(k, script("b", 0).done_at(1), log)).unwrap();
            let r = d.run(None);
            assert_eq!((r, d.passes()), (Ok(true), 1));
            (r, d.tyme())
        },
    );
}

#[test]
fn limit_closes_in_reverse_order() {
    for_each_kind(
        "0 a enter 0
         0 b enter 0
         0 c enter 0
         0 a recur 1
         0 b recur 1
         0 c recur 1
         1 a recur 2
         1 b recur 2
         1 c recur 2
         2 c cease 2
         2 c exit 2
         2 b cease 2
         2 b exit 2
         2 a cease 2
         2 a exit 2",
        |k, log| {
            let mut d: Doist<'static, 4> = Doist::new(Tock::from_secs(1));
            for n in ["a", "b", "c"] {
                d.add(leaf(k, script(n, 0), log)).unwrap();
            }
            let r = d.run(Some(Tock::from_secs(2)));
            assert_eq!(r, Ok(false));
            assert_eq!(d.done_of("b"), Some(Done::Incomplete));
            (r, d.tyme())
        },
    );
}

/// A DoDoer `D` with children `x`, `y` beside a root doer `z`, closed by the
/// limit after one pass.
const NESTED_CLOSE: &str = "0 D enter 0
     0 x enter 0
     0 y enter 0
     0 z enter 0
     0 D recur 1
     0 x recur 1
     0 y recur 1
     0 z recur 1
     1 z cease 1
     1 z exit 1
     1 D cease 1
     1 y cease 1
     1 y exit 1
     1 x cease 1
     1 x exit 1
     1 D exit 1";

#[test]
fn nested_close_is_parent_cease_children_right_to_left_parent_exit() {
    for_each_kind(NESTED_CLOSE, |k, log| {
        let g = group("D", 0, log);
        g.add(leaf(k, script("x", 0), log)).unwrap();
        g.add(leaf(k, script("y", 0), log)).unwrap();
        let mut d: Doist<'static, 4> = Doist::new(Tock::from_secs(1));
        d.add(g).unwrap();
        d.add(leaf(k, script("z", 0), log)).unwrap();
        let r = d.run(Some(Tock::from_secs(1)));
        (r, d.tyme())
    });
}

/// Entering again while doers of the first enter are still queued is
/// refused (`Misuse`) and changes nothing; after an exit the tree enters
/// again from the start. (hio would queue each doer a second time.)
#[test]
fn entering_again_before_exit_is_refused_and_loses_nothing() {
    for_each_kind(
        "0 a enter 0
         0 b enter 0
         0 a recur 1
         0 b recur 1
         1 a recur 2
         1 b recur 2
         2 b cease 2
         2 b exit 2
         2 a cease 2
         2 a exit 2",
        |k, log| {
            let mut d: Doist<'static, 4> = Doist::new(Tock::from_secs(1));
            d.add(leaf(k, script("a", 0), log)).unwrap();
            d.add(leaf(k, script("b", 0), log)).unwrap();
            d.enter().unwrap();
            d.recur().unwrap();
            assert_eq!(d.enter(), Err(Error::Misuse));
            d.recur().unwrap();
            d.exit();
            (Ok(false), d.tyme())
        },
    );
    // after an exit, a doer (not a spent coroutine) enters again
    let log: &'static Log = leak(RefCell::new(Vec::new()));
    let mut d: Doist<'static, 4> = Doist::new(Tock::from_secs(1));
    d.add(leaf(Kind::Doer, script("a", 0), log)).unwrap();
    d.enter().unwrap();
    d.exit();
    d.enter().unwrap();
    d.exit();
    assert_eq!(
        *log.borrow(),
        lines("0 a enter 0\n 0 a cease 0\n 0 a exit 0\n 0 a enter 0\n 0 a cease 0\n 0 a exit 0")
    );
}

/// A [`Fixed`] tree runs exactly as a dynamic one (the nested close above,
/// event for event), and refuses to grow or shrink with `Error::Misuse`.
#[test]
fn a_fixed_tree_runs_the_same_and_refuses_extend_and_remove() {
    for_each_kind(NESTED_CLOSE, |k, log| {
        let l: &'static Leaf = leak(Leaf {
            s: script("D", 0),
            log,
            count: Cell::new(0),
        });
        let g: &'static mut DoDoer<'static, 8, GroupHooks, Fixed> =
            leak(DoDoer::fixed("D", Tock::ZERO, GroupHooks(l)));
        g.add(leaf(k, script("x", 0), log)).unwrap();
        g.add(leaf(k, script("y", 0), log)).unwrap();
        let mut d: Doist<'static, 4, Fixed> = Doist::fixed(Tock::from_secs(1));
        d.add(g).unwrap();
        d.add(leaf(k, script("z", 0), log)).unwrap();
        d.enter().unwrap();
        d.recur().unwrap();
        let extra = leaf(k, script("w", 0), log);
        assert_eq!(d.extend([extra]), Err(Error::Misuse));
        assert_eq!(d.remove(&["z"]), Err(Error::Misuse));
        assert_eq!(d.names().collect::<Vec<_>>(), ["D", "z"]);
        d.exit();
        (Ok(false), d.tyme())
    });
    // from inside a step: the same refusal, through Cx
    let tried = leak(Cell::new(None));
    let mut grower = Doify::new("grower", |cx: &mut Cx<'_>, phase| {
        if phase == Phase::Recur {
            let w: &'static mut dyn Doer = leak(Doify::new("w", |_, _| Ok(Recur::Done(true))));
            tried.set(Some((
                cx.extend(Target::Here, [w]),
                cx.remove(Target::Root, &["grower"]),
                cx.set_tock(Target::Root, Tock::from_secs(2)),
            )));
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    });
    let mut d: Doist<'_, 2, Fixed> = Doist::fixed(Tock::from_secs(1));
    d.add(&mut grower).unwrap();
    assert_eq!(d.run(Some(Tock::from_secs(5))), Ok(true));
    assert_eq!(
        tried.get(),
        Some((Err(Error::Misuse), Err(Error::Misuse), Ok(())))
    );
}

#[test]
fn an_error_aborts_every_ancestor_and_closes_the_rest() {
    // doist [a, D [x, y, w], b]; y fails on its 2nd recur. D's pass stops
    // after x ran: D aborts, closes x (visited) then w (not yet), exits; the
    // root then closes a (visited) then b (not yet visited), SEMANTICS 3.5.
    for_each_kind(
        "0 a enter 0
         0 D enter 0
         0 x enter 0
         0 y enter 0
         0 w enter 0
         0 b enter 0
         0 a recur 1
         0 D recur 1
         0 x recur 1
         0 y recur 1
         0 w recur 1
         0 b recur 1
         1 a recur 2
         1 D recur 2
         1 x recur 2
         1 y recur 2
         1 y abort 2
         1 y exit 2
         1 D abort 2
         1 x cease 2
         1 x exit 2
         1 w cease 1
         1 w exit 1
         1 D exit 2
         1 a cease 2
         1 a exit 2
         1 b cease 1
         1 b exit 1",
        |k, log| {
            let g = group("D", 0, log);
            for s in [script("x", 0), script("y", 0).raise_at(2), script("w", 0)] {
                g.add(leaf(k, s, log)).unwrap();
            }
            let mut d: Doist<'static, 4> = Doist::new(Tock::from_secs(1));
            d.add(leaf(k, script("a", 0), log)).unwrap();
            d.add(g).unwrap();
            d.add(leaf(k, script("b", 0), log)).unwrap();
            let r = d.run(None);
            assert_eq!(r, Err(Error::Doer(2)));
            assert_eq!(d.tyme(), Tyme::from_secs(1), "no tick for the broken pass");
            assert_eq!(d.done(), Done::Incomplete);
            (r, d.tyme())
        },
    );
}

#[test]
fn an_error_in_enter_stops_entering() {
    for_each_kind(
        "0 a enter 0
         0 b enter 0
         0 b abort 0
         0 b exit 0
         0 a cease 0
         0 a exit 0",
        |k, log| {
            let mut d: Doist<'static, 4> = Doist::new(Tock::from_secs(1));
            d.add(leaf(k, script("a", 0), log)).unwrap();
            d.add(leaf(k, script("b", 0).raise_at(0), log)).unwrap();
            d.add(leaf(k, script("c", 0), log)).unwrap();
            let r = d.run(None);
            assert_eq!(r, Err(Error::Doer(0)));
            assert_eq!(d.passes(), 0);
            assert_eq!(d.done_of("c"), Some(Done::Unset), "never entered");
            (r, d.tyme())
        },
    );
}

#[test]
fn capacity_is_checked_before_anything_is_entered() {
    let log: &'static Log = leak(RefCell::new(Vec::new()));
    let mut d: Doist<'static, 2> = Doist::new(Tock::from_secs(1));
    d.add(leaf(Kind::Doer, script("a", 0), log)).unwrap();
    d.add(leaf(Kind::Doer, script("b", 0), log)).unwrap();
    assert_eq!(
        d.add(leaf(Kind::Doer, script("c", 0), log)),
        Err(Error::Capacity)
    );
    d.enter().unwrap();
    let more = [leaf(Kind::Doer, script("x", 0), log)];
    assert_eq!(d.extend(more), Err(Error::Capacity));
    assert_eq!(
        log.borrow().len(),
        2,
        "x was not entered: {:?}",
        log.borrow()
    );
    d.exit();
}

#[test]
fn extend_from_inside_runs_new_doers_before_their_creator_next_pass() {
    for kind in KINDS {
        let log: &'static Log = leak(RefCell::new(Vec::new()));
        let child = leaf(kind, script("new", 0).done_at(1), log);
        let mut spare = Some(child);
        let mut spawner = Doify::new("spawner", move |cx: &mut Cx<'_>, phase| {
            if phase == Phase::Recur {
                if let Some(c) = spare.take() {
                    cx.extend(hio::Target::Here, [c])?;
                }
                return Ok(Recur::Again(Tock::ZERO));
            }
            Ok(Recur::NEXT)
        });
        let mut d: Doist<'_, 4> = Doist::new(Tock::from_secs(1));
        d.add(&mut spawner).unwrap();
        assert_eq!(d.run(Some(Tock::from_secs(3))), Ok(false));
        assert_eq!(
            *log.borrow(),
            lines("0 new enter 0\n1 new recur 1\n1 new clean 1\n1 new exit 1"),
            "kind {kind:?}"
        );
        assert_eq!(d.names().collect::<Vec<_>>(), ["spawner", "new"]);
    }
}

/// Recur counts in trace events: exact for a tracer attached before enter
/// (and across a change of tracer), counted from the attachment for a
/// tracer attached to a running, untraced tree (an untraced pass does not
/// count).
#[test]
fn recur_counts_are_counted_while_a_tracer_is_attached() {
    fn recur_counts<const N: usize>(rec: &hio::Recorder<N>) -> Vec<u32> {
        rec.records()
            .iter()
            .filter(|r| r.phase == hio::Phase::Recur)
            .map(|r| r.count)
            .collect()
    }
    /// One doer recurring on every pass: `before` traces it from before
    /// enter (or nothing does), `after` from the fourth pass on; five
    /// passes, then exit.
    fn three_then_two<'t>(before: Option<&'t dyn hio::Tracer>, after: &'t dyn hio::Tracer) {
        let mut a = hio::Doify::new("a", |_: &mut hio::Cx<'_>, _| Ok(hio::Recur::NEXT));
        let mut doist: hio::Doist<'_, 2> = hio::Doist::new(hio::Tock::from_millis(1));
        doist.add(&mut a).unwrap();
        if let Some(t) = before {
            doist.set_tracer(t);
        }
        doist.enter().unwrap();
        for _ in 0..3 {
            doist.recur().unwrap();
        }
        doist.set_tracer(after);
        for _ in 0..2 {
            doist.recur().unwrap();
        }
        doist.exit();
    }
    let first: hio::Recorder<64> = hio::Recorder::new();
    let second: hio::Recorder<64> = hio::Recorder::new();
    let late: hio::Recorder<64> = hio::Recorder::new();

    // traced from before enter, then handed to another tracer
    three_then_two(Some(&first), &second);
    assert_eq!(recur_counts(&first), [1, 2, 3]);
    assert_eq!(recur_counts(&second), [4, 5]);
    let exit = second.records();
    let exit = exit.last().unwrap();
    assert_eq!((exit.phase, exit.count), (hio::Phase::Exit, 5));

    // untraced for three passes, then traced: counted from the attachment
    three_then_two(None, &late);
    assert_eq!(recur_counts(&late), [1, 2]);
}

#[test]
fn a_tock_changed_mid_pass_retymes_the_changer_and_the_rest_of_the_pass() {
    // doist [a, b, c], tock 1 s; b halves the root tock in its first recur.
    // hio reads the tock when it retymes each doer: a (before b) is due
    // again at 1 s, b and c at 0.5 s; the tick after the pass is 0.5 s.
    let log: &'static Log = leak(RefCell::new(Vec::new()));
    let mut doers: Vec<Doify<_>> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            Doify::new(name, move |cx: &mut Cx<'_>, phase| {
                if phase == Phase::Recur {
                    log.borrow_mut()
                        .push(format!("{} {name}", cx.tyme().as_secs_f64()));
                    if name == "b" && cx.tyme() == Tyme::ZERO {
                        cx.set_tock(Target::Root, Tock::from_millis(500))?;
                    }
                }
                Ok(Recur::NEXT)
            })
        })
        .collect();
    let mut d: Doist<'_, 3, Fixed> = Doist::fixed(Tock::from_secs(1));
    for doer in doers.iter_mut() {
        d.add(doer).unwrap();
    }
    assert_eq!(d.run(Some(Tock::from_millis(1500))), Ok(false));
    drop(d);
    assert_eq!(
        *log.borrow(),
        ["0 a", "0 b", "0 c", "0.5 b", "0.5 c", "1 a", "1 b", "1 c"]
    );
}

#[test]
fn every_error_a_recur_returns_leaves_the_doist_unchanged() {
    // a recur's result crosses the pass in a register-sized form on 64-bit
    // hosts: it must come back whole, whatever the error
    let kinds = [
        hio::IoKind::Other,
        hio::IoKind::ConnectionReset,
        hio::IoKind::Overrun,
        hio::IoKind::TooLong,
    ];
    let errors = [Error::Capacity, Error::Spent, Error::Timeout, Error::Closed]
        .into_iter()
        .chain(kinds.map(Error::Io))
        .chain([0, 7, u32::MAX].map(Error::Doer));
    for e in errors {
        let mut failing = Doify::new("failing", move |_, phase| match phase {
            Phase::Recur => Err(e),
            _ => Ok(Recur::NEXT),
        });
        let mut d: Doist<'_, 1, Fixed> = Doist::fixed(Tock::from_secs(1));
        d.add(&mut failing).unwrap();
        assert_eq!(d.run(None), Err(e));
    }
}
