//! Model-based property tests of the life cycle: random trees of doers (all
//! four scenario kinds, nesting, limits, completion and failure at random
//! points, runtime extend/remove/set_tock), run through the conformance
//! runner, checked against the rules of `spec/SEMANTICS.md`:
//!
//! * every entry of every doer follows the grammar `enter, recur*, (clean |
//!   cease | abort), exit`, with recur counts 1, 2, 3 ... and no entry left
//!   open when the run is over;
//! * a doer recurs at most once per tyme within an entry, at non-decreasing
//!   tymes;
//! * the scheduler's tracer saw exactly what the doers recorded;
//! * an error that escapes the doist was aborted on by some doer, and the
//!   doist is then not done;
//! * done values follow hio 0.6.10's rules from how each doer's last entry
//!   ended;
//! * running the same tree twice gives the same trace (determinism).
//!
//! The Python differential fuzzer in `tests/oracle` checks exact traces
//! against the real hio; this one needs nothing but cargo.

// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use hio::{Tock, Tyme};
use hio_tests::scenario::{DoerRef, Kind, Op, OpKind, Scenario, Spec, When};
use hio_tests::{Ev, Feed, run, run_untraced, to_json};
use proptest::prelude::*;

fn ms(n: u64) -> Tock {
    Tock::from_millis(n)
}

/// A doer tree without names yet.
#[derive(Debug, Clone)]
enum Shape {
    Leaf {
        kind: Kind,
        tock: u64,
        done_at: Option<u32>,
        raise_at: Option<u32>,
        tocks: Option<Vec<Option<u64>>>,
        returns: Option<bool>,
        op: Option<u8>,
        op_at: u32,
    },
    Group {
        tock: u64,
        always: bool,
        children: Vec<Shape>,
    },
}

fn tock_ms() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(125),
        Just(250),
        Just(500),
        Just(750),
        Just(1000)
    ]
}

fn leaf() -> impl Strategy<Value = Shape> {
    (
        prop_oneof![Just(Kind::Doer), Just(Kind::ReDoer), Just(Kind::GenFunc)],
        tock_ms(),
        prop_oneof![3 => Just(None), 4 => (0u32..6).prop_map(Some)],
        prop_oneof![6 => Just(None), 1 => (0u32..6).prop_map(Some)],
        prop::option::of(prop::collection::vec(prop::option::of(tock_ms()), 1..4)),
        prop_oneof![Just(Some(true)), Just(Some(false)), Just(None)],
        prop::option::of(0u8..4),
        1u32..5,
    )
        .prop_map(
            |(kind, tock, done_at, raise_at, tocks, returns, op, op_at)| Shape::Leaf {
                kind,
                tock,
                done_at,
                raise_at,
                tocks,
                returns,
                op,
                op_at,
            },
        )
}

fn shape() -> impl Strategy<Value = Shape> {
    leaf().prop_recursive(2, 12, 4, |inner| {
        (tock_ms(), any::<bool>(), prop::collection::vec(inner, 0..4)).prop_map(
            |(tock, always, children)| Shape::Group {
                tock,
                always,
                children,
            },
        )
    })
}

/// Names the shapes and turns them into specs; leaf ops act on the root
/// (the doist is always running while any doer runs).
fn specs(shapes: &[Shape], next: &mut u32, roots: &[String]) -> Vec<Spec> {
    let mut out = Vec::new();
    for s in shapes {
        let name = format!("d{next}");
        *next += 1;
        out.push(match s {
            Shape::Group {
                tock,
                always,
                children,
            } => Spec {
                name,
                kind: Kind::DoDoer,
                tock: ms(*tock),
                done_at: None,
                raise_at: None,
                tocks: None,
                returns: Some(true),
                ops: Vec::new(),
                doers: specs(children, next, roots),
                always: *always,
            },
            Shape::Leaf {
                kind,
                tock,
                done_at,
                raise_at,
                tocks,
                returns,
                op,
                op_at,
            } => {
                let mut ops = Vec::new();
                let when = When::Count(*op_at);
                match op {
                    Some(0) => {
                        let fresh = format!("d{next}");
                        *next += 1;
                        let child = Spec {
                            name: fresh,
                            kind: Kind::Doer,
                            tock: ms(250),
                            done_at: Some(2),
                            raise_at: None,
                            tocks: None,
                            returns: Some(true),
                            ops: Vec::new(),
                            doers: Vec::new(),
                            always: false,
                        };
                        ops.push(Op {
                            when,
                            target: "doist".into(),
                            kind: OpKind::Extend(vec![DoerRef::Inline(Box::new(child))]),
                        });
                    }
                    Some(1) if !roots.is_empty() => {
                        let victim = roots[(*op_at as usize) % roots.len()].clone();
                        ops.push(Op {
                            when,
                            target: "doist".into(),
                            kind: OpKind::Remove(vec![victim]),
                        });
                    }
                    Some(2) => ops.push(Op {
                        when,
                        target: "doist".into(),
                        kind: OpKind::SetTock(ms(125)),
                    }),
                    Some(3) if *kind != Kind::GenFunc => ops.push(Op {
                        when,
                        target: name.clone(),
                        kind: OpKind::SetTock(ms(500)),
                    }),
                    _ => {}
                }
                Spec {
                    name,
                    kind: *kind,
                    tock: ms(*tock),
                    done_at: *done_at,
                    raise_at: *raise_at,
                    tocks: tocks
                        .as_ref()
                        .map(|t| t.iter().map(|x| x.map(ms)).collect()),
                    returns: *returns,
                    ops,
                    doers: Vec::new(),
                    always: false,
                }
            }
        });
    }
    out
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(shape(), 0..5),
        prop_oneof![Just(125u64), Just(250), Just(500), Just(1000)],
        prop_oneof![
            Just(None),
            Just(Some(0u64)),
            Just(Some(1000)),
            Just(Some(2500)),
            Just(Some(4000))
        ],
        prop_oneof![Just(0u64), Just(10)],
    )
        .prop_map(|(shapes, tock, limit, start)| {
            // root names are d0.. in order of the top-level shapes' numbering
            let mut probe = 0;
            let first = specs(&shapes, &mut probe, &[]);
            let roots: Vec<String> = first.iter().map(|s| s.name.clone()).collect();
            let mut next = 0;
            let doers = specs(&shapes, &mut next, &roots);
            Scenario {
                name: "prop".into(),
                tock: ms(tock),
                limit: limit.map(ms),
                tyme: Tyme::from_secs(start),
                max_passes: 400,
                doers,
            }
        })
}

fn check_grammar(trace: &[Ev]) -> Result<BTreeMap<String, &'static str>, String> {
    // per doer: the context that ended its last entry
    let mut open: BTreeMap<String, (u32, Option<Tyme>)> = BTreeMap::new();
    let mut ending: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut pending_end: BTreeMap<String, &'static str> = BTreeMap::new();
    for (i, e) in trace.iter().enumerate() {
        let at = || {
            format!(
                "event {i} ({} {} {} at {})",
                e.doer, e.context, e.count, e.tyme
            )
        };
        match e.context {
            "enter" => {
                if open.contains_key(&e.doer) {
                    return Err(format!("{}: entered while an entry is open", at()));
                }
                if e.count != 0 {
                    return Err(format!("{}: enter with count", at()));
                }
                open.insert(e.doer.clone(), (0, None));
            }
            "recur" => {
                let Some((n, last)) = open.get_mut(&e.doer) else {
                    return Err(format!("{}: recur outside an entry", at()));
                };
                if pending_end.contains_key(&e.doer) {
                    return Err(format!("{}: recur after its ending", at()));
                }
                if e.count != *n + 1 {
                    return Err(format!("{}: recur count should be {}", at(), *n + 1));
                }
                if last.is_some_and(|t| t >= e.tyme) {
                    return Err(format!(
                        "{}: second recur at the same or an earlier tyme",
                        at()
                    ));
                }
                if e.feed != Feed::Tyme(e.tyme) {
                    return Err(format!("{}: fed {:?}", at(), e.feed));
                }
                *n += 1;
                *last = Some(e.tyme);
            }
            "clean" | "cease" | "abort" => {
                let Some((n, _)) = open.get(&e.doer) else {
                    return Err(format!("{}: ending outside an entry", at()));
                };
                if e.count != *n {
                    return Err(format!("{}: count should be {n}", at()));
                }
                if pending_end.insert(e.doer.clone(), e.context).is_some() {
                    return Err(format!("{}: second ending in one entry", at()));
                }
            }
            "exit" => {
                let Some(end) = pending_end.remove(&e.doer) else {
                    return Err(format!("{}: exit without clean, cease or abort", at()));
                };
                open.remove(&e.doer);
                ending.insert(e.doer.clone(), end);
            }
            other => return Err(format!("{}: unknown context {other}", at())),
        }
    }
    if let Some(d) = open.keys().next() {
        return Err(format!("doer {d} was never closed"));
    }
    Ok(ending)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_follow_the_life_cycle(sc in scenario()) {
        let o = run(&sc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assume!(!o.capped);
        prop_assert_eq!(&o.trace, &o.core_trace, "tracer and doers disagree");
        let ending = check_grammar(&o.trace).map_err(TestCaseError::fail)?;
        if let Some(err) = &o.fin.error {
            prop_assert!(!o.fin.doist_done);
            prop_assert!(
                o.trace.iter().any(|e| e.context == "abort" && e.feed == Feed::Error(err.clone())),
                "error {} escaped but nobody aborted with it", err
            );
        }
        let kinds: BTreeMap<&str, &Spec> = sc.all_specs().into_iter().map(|s| (s.name.as_str(), s)).collect();
        for (name, done) in &o.fin.done {
            let spec = kinds[name.as_str()];
            match ending.get(name) {
                None => prop_assert_eq!(*done, None, "{} never entered", name),
                Some(&"cease") => prop_assert_eq!(*done, Some(false), "{} was closed", name),
                Some(&"clean") => {
                    let expect = match spec.kind {
                        Kind::Doer | Kind::DoDoer => true,
                        Kind::ReDoer | Kind::GenFunc => spec.returns == Some(true),
                    };
                    prop_assert_eq!(*done, Some(expect), "{} finished", name);
                }
                Some(_) => {
                    // failed: what the doer reported for itself (section 2.6)
                    if spec.kind == Kind::GenFunc {
                        prop_assert_eq!(*done, None, "{} (genfunc) failed", name);
                    } else if spec.kind != Kind::DoDoer || !spec.always {
                        prop_assert_eq!(*done, Some(false), "{} failed", name);
                    }
                }
            }
        }
        // again: with no tracer where the runner can (no extend), so that
        // the untraced copy of the pass loop (the one applications run)
        // must do the very same; any second run must (determinism)
        match run_untraced(&sc) {
            Ok(again) => {
                prop_assert!(again.core_trace.is_empty());
                prop_assert_eq!(&o.trace, &again.trace, "untraced run differs");
                let expected = hio_tests::Final {
                    done: Default::default(),
                    doers: Vec::new(),
                    ..o.fin.clone()
                };
                prop_assert_eq!(&expected, &again.fin, "untraced final state differs");
            }
            Err(_) => {
                let again = run(&sc).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(to_json(&o), to_json(&again), "not deterministic");
            }
        }
    }
}
