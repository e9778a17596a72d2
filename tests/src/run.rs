//! Building a scenario's scripted doers on hio and running it
//! (`../shared/conformance/FORMAT.md` section 1.2 says what they do).
//!
//! Each of the four kinds maps to one of hio's ways of writing a doer:
//!
//! | scenario kind | built as |
//! |---------------|----------|
//! | `doer` | a type implementing [`hio::Doer`] |
//! | `redoer` | a [`hio::CoDoer`]: an `async` block plus [`hio::Hooks`] |
//! | `genfunc` | a [`hio::Doify`] closure handling every phase |
//! | `dodoer` | a [`hio::DoDoer`] with [`hio::Hooks`] that run its ops |
//!
//! The scripted doers record their own events, as hio's recording
//! subclasses do; a [`hio::Tracer`] records the scheduler's view of the same
//! run, and the two must agree. Doers live for the whole process
//! (`Box::leak`): doers added at run time must be `'static`, and a runner is
//! a short-lived host tool.
//!
//! Python identity has no equivalent for exclusively borrowed doers, so an
//! `extend` that names an existing doer gets a fresh Rust doer sharing that
//! doer's state (name, count, tock, fired ops), and hio's "skip doers still
//! listed" rule is applied from the runner's record of the lists (kept up to
//! date by the tracer). A DoDoer extended again by name is rebuilt with fresh
//! doers for the children its list holds, which is what hio's re-entry of the
//! same object does.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::pin::Pin;

use hio::{
    Co, CoDoer, Cx, DoDoer, Doer, Doify, Doist, Done, Due, Error, Event, Hooks, Pacer, Phase,
    Recur, Shape, Target, Tock, Tracer, Tyme,
};

use crate::scenario::{BadScenario, DoerRef, Kind, OpKind, Scenario, Spec, When};

/// Capacity of every scheduler the runner builds (SEMANTICS.md 11: no
/// scenario holds more than 7 deeds at once).
pub const CAP: usize = 16;

/// What a traced event carries besides tyme, doer, context and count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// `null`.
    None,
    /// The tyme fed into a recur.
    Tyme(Tyme),
    /// The error message of an abort.
    Error(String),
}

/// One event of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ev {
    /// Root tyme.
    pub tyme: Tyme,
    /// Doer name.
    pub doer: String,
    /// `enter`, `recur`, `clean`, `cease`, `abort`, `exit`.
    pub context: &'static str,
    /// As FORMAT.md says.
    pub count: u32,
    /// As FORMAT.md says.
    pub feed: Feed,
}

/// The `final` section of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Final {
    /// Doist tyme after the run.
    pub tyme: Tyme,
    /// Root passes started.
    pub passes: u64,
    /// True when the run ended because no deeds were left.
    pub doist_done: bool,
    /// The error that escaped the doist.
    pub error: Option<String>,
    /// Done of every doer in the scenario (`None`: never written / null),
    /// as the tracer saw it written (empty for [`run_untraced`]).
    pub done: BTreeMap<String, Option<bool>>,
    /// Doers lists: `doist` and every DoDoer, as the tracer saw them
    /// change (empty for [`run_untraced`]).
    pub doers: Vec<(String, Vec<String>)>,
}

/// The result of running a scenario.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Scenario name.
    pub scenario: String,
    /// Final state.
    pub fin: Final,
    /// Events as the scripted doers recorded them.
    pub trace: Vec<Ev>,
    /// Events as the scheduler's tracer saw them.
    pub core_trace: Vec<Ev>,
    /// True if the pass cap stopped the run (an invalid scenario).
    pub capped: bool,
}

struct State {
    spec: Spec,
    name: &'static str,
    count: Cell<u32>,
    tock: Cell<Tock>,
    fired: RefCell<Vec<bool>>,
}

struct Harness {
    trace: RefCell<Vec<Ev>>,
    core_trace: RefCell<Vec<Ev>>,
    done: RefCell<BTreeMap<String, Done>>,
    lists: RefCell<Vec<(String, Vec<String>)>>,
    errors: RefCell<Vec<String>>,
    states: BTreeMap<String, &'static State>,
    unsupported: RefCell<Option<String>>,
    /// Build the tree from `Fixed` schedulers (no run-time extend/remove).
    fixed: bool,
}

fn leak<T>(t: T) -> &'static mut T {
    Box::leak(Box::new(t))
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

impl Harness {
    fn emit(&self, tyme: Tyme, st: &State, context: &'static str, feed: Feed) {
        let count = st.count.get();
        self.trace.borrow_mut().push(Ev {
            tyme,
            doer: st.spec.name.clone(),
            context,
            count,
            feed,
        });
    }

    fn raise(&self, st: &State) -> Error {
        let mut e = self.errors.borrow_mut();
        e.push(format!("{}@{}", st.spec.name, st.count.get()));
        Error::Doer((e.len() - 1) as u32)
    }

    fn message(&self, e: Error) -> String {
        match e {
            Error::Doer(code) => self
                .errors
                .borrow()
                .get(code as usize)
                .cloned()
                .unwrap_or_else(|| format!("{e}")),
            other => format!("hio: {other}"),
        }
    }

    fn unsupported(&self, msg: String) -> Error {
        self.unsupported.borrow_mut().get_or_insert(msg);
        Error::Misuse
    }

    fn is_listed(&self, container: &str, doer: &str) -> bool {
        self.lists
            .borrow()
            .iter()
            .any(|(c, l)| c == container && l.iter().any(|d| d == doer))
    }
}

impl Tracer for Harness {
    fn event(&self, e: Event<'_>) {
        let feed = match e.phase {
            Phase::Recur => Feed::Tyme(e.tyme),
            Phase::Abort(err) => Feed::Error(self.message(err)),
            _ => Feed::None,
        };
        self.core_trace.borrow_mut().push(Ev {
            tyme: e.tyme,
            doer: e.doer.to_string(),
            context: e.phase.name(),
            count: e.count,
            feed,
        });
    }
    fn done(&self, doer: &str, done: Done) {
        self.done.borrow_mut().insert(doer.to_string(), done);
    }
    fn listed(&self, container: &str, doer: &str, listed: bool) {
        let mut lists = self.lists.borrow_mut();
        let i = match lists.iter().position(|(c, _)| c == container) {
            Some(i) => i,
            None => {
                lists.push((container.to_string(), Vec::new()));
                lists.len() - 1
            }
        };
        if let Some((_, l)) = lists.get_mut(i) {
            if listed {
                l.push(doer.to_string());
            } else {
                l.retain(|d| d != doer);
            }
        }
    }
}

/// An operation ready to run, with its doers built.
enum Action {
    Extend(Target<'static>, Vec<&'static mut dyn Doer>),
    Remove(Target<'static>, Vec<&'static str>),
    SetTockOf(&'static State, Tock),
    SetTockDoDoer(&'static State, Tock),
    SetTock(Target<'static>, Tock),
}

fn target(name: &str) -> Target<'static> {
    if name == "doist" {
        Target::Root
    } else {
        Target::Named(leak_str(name))
    }
}

/// The ops of `st` that fire on this recur (marked fired), in list order.
fn firing(st: &'static State, tyme: Tyme) -> Vec<usize> {
    let count = st.count.get();
    let mut fired = st.fired.borrow_mut();
    let mut out = Vec::new();
    for (i, op) in st.spec.ops.iter().enumerate() {
        let hit = match op.when {
            When::Count(k) => k == count,
            When::Tyme(t) => tyme >= t,
        };
        if let Some(f) = fired.get_mut(i)
            && hit
            && !*f
        {
            *f = true;
            out.push(i);
        }
    }
    out
}

/// Builds op `i` of `st` into an action at the moment it runs, so that it
/// sees the effects of the ops before it in the same recur (hio runs them
/// one after the other).
fn action(h: &'static Harness, st: &'static State, i: usize) -> Result<Action, Error> {
    let Some(op) = st.spec.ops.get(i) else {
        return Err(h.unsupported(format!("no op {i}")));
    };
    Ok(match &op.kind {
        OpKind::Extend(refs) => {
            let mut doers = Vec::new();
            for r in refs {
                let name = match r {
                    DoerRef::Inline(s) => &s.name,
                    DoerRef::Name(n) => n,
                };
                // hio skips doers still listed in the target
                if h.is_listed(&op.target, name) {
                    continue;
                }
                let Some(&ns) = h.states.get(name.as_str()) else {
                    return Err(h.unsupported(format!("unknown doer {name}")));
                };
                doers.push(build(h, ns));
            }
            Action::Extend(target(&op.target), doers)
        }
        OpKind::Remove(names) => Action::Remove(
            target(&op.target),
            names.iter().map(|n| leak_str(n)).collect(),
        ),
        OpKind::SetTock(t) => match h.states.get(op.target.as_str()) {
            Some(&ts) if ts.spec.kind != Kind::DoDoer => Action::SetTockOf(ts, *t),
            Some(&ts) => Action::SetTockDoDoer(ts, *t),
            None => Action::SetTock(target(&op.target), *t),
        },
    })
}

fn run_sync(cx: &mut Cx<'_>, h: &'static Harness, st: &'static State) -> Result<(), Error> {
    for i in firing(st, cx.tyme()) {
        match action(h, st, i)? {
            Action::Extend(t, ds) => cx.extend(t, ds)?,
            Action::Remove(t, ns) => {
                cx.remove(t, &ns)?;
            }
            Action::SetTockOf(ts, tock) => ts.tock.set(tock),
            Action::SetTockDoDoer(ts, tock) => {
                // hio sets an attribute: also on a DoDoer that is not in
                // the tree (not entered yet, or removed)
                ts.tock.set(tock);
                match cx.set_tock(Target::Named(ts.name), tock) {
                    Ok(()) | Err(Error::NoTarget) => {}
                    Err(e) => return Err(e),
                }
            }
            Action::SetTock(t, tock) => cx.set_tock(t, tock)?,
        }
    }
    Ok(())
}

async fn run_async(co: &Co, h: &'static Harness, st: &'static State) -> Result<(), Error> {
    for i in firing(st, co.tyme()) {
        match action(h, st, i)? {
            Action::Extend(t, mut ds) => {
                while !ds.is_empty() {
                    let rest = ds.split_off(ds.len().min(hio::CO_BATCH));
                    co.extend(t, ds).await?;
                    ds = rest;
                }
            }
            Action::Remove(t, ns) => {
                for chunk in ns.chunks(hio::CO_BATCH) {
                    co.remove(t, chunk).await?;
                }
            }
            Action::SetTockOf(ts, tock) => ts.tock.set(tock),
            Action::SetTockDoDoer(ts, tock) => {
                ts.tock.set(tock);
                match co.set_tock(Target::Named(ts.name), tock).await {
                    Ok(_) | Err(Error::NoTarget) => {}
                    Err(e) => return Err(e),
                }
            }
            Action::SetTock(t, tock) => {
                co.set_tock(t, tock).await?;
            }
        }
    }
    Ok(())
}

/// A plain scripted doer.
struct Plain {
    h: &'static Harness,
    st: &'static State,
}

impl Doer for Plain {
    fn name(&self) -> &'static str {
        self.st.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.st.count.set(0);
        self.h.emit(cx.tyme(), self.st, "enter", Feed::None);
        if self.st.spec.raise_at == Some(0) {
            return Err(self.h.raise(self.st));
        }
        if self.st.spec.done_at == Some(0) {
            return Ok(Recur::Done(true));
        }
        Ok(Recur::Again(self.st.tock.get()))
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let st = self.st;
        st.count.set(st.count.get() + 1);
        self.h.emit(cx.tyme(), st, "recur", Feed::Tyme(cx.tyme()));
        run_sync(cx, self.h, st)?;
        if st.spec.raise_at == Some(st.count.get()) {
            return Err(self.h.raise(st));
        }
        if st.spec.done_at == Some(st.count.get()) {
            return Ok(Recur::Done(true));
        }
        Ok(Recur::Again(st.tock.get()))
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.h.emit(cx.tyme(), self.st, "clean", Feed::None);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.h.emit(cx.tyme(), self.st, "cease", Feed::None);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, e: Error) {
        self.h
            .emit(cx.tyme(), self.st, "abort", Feed::Error(self.h.message(e)));
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.h.emit(cx.tyme(), self.st, "exit", Feed::None);
    }
}

/// Life-cycle hooks of a redoer or a DoDoer: they record events; a DoDoer's
/// recur hook also counts and runs the ops.
struct Scripted {
    h: &'static Harness,
    st: &'static State,
    dodoer: bool,
}

impl Hooks for Scripted {
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        self.st.count.set(0);
        self.h.emit(cx.tyme(), self.st, "enter", Feed::None);
        if !self.dodoer && self.st.spec.raise_at == Some(0) {
            return Err(self.h.raise(self.st));
        }
        Ok(())
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        if self.dodoer {
            let st = self.st;
            st.count.set(st.count.get() + 1);
            self.h.emit(cx.tyme(), st, "recur", Feed::Tyme(cx.tyme()));
            run_sync(cx, self.h, st)?;
        }
        Ok(())
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.h.emit(cx.tyme(), self.st, "clean", Feed::None);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.h.emit(cx.tyme(), self.st, "cease", Feed::None);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, e: Error) {
        self.h
            .emit(cx.tyme(), self.st, "abort", Feed::Error(self.h.message(e)));
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.h.emit(cx.tyme(), self.st, "exit", Feed::None);
    }
}

/// The tock a generator yields after step `k` (1-based).
fn gen_tock(st: &State, k: u32, default: Tock) -> Tock {
    match &st.spec.tocks {
        Some(ts) if !ts.is_empty() => ts
            .get((k as usize - 1) % ts.len())
            .copied()
            .flatten()
            .unwrap_or(Tock::ZERO),
        _ => default,
    }
}

fn build_redoer(h: &'static Harness, st: &'static State) -> &'static mut dyn Doer {
    let co: &'static Co = leak(Co::new());
    let fut = async move {
        let spec = &st.spec;
        let returns = spec.returns.unwrap_or(false);
        if spec.done_at == Some(0) {
            return Ok(returns);
        }
        co.tock(st.tock.get()).await; // the enter phase ends here
        let mut k = 0;
        loop {
            k += 1;
            st.count.set(k);
            let tyme = co.tyme();
            h.emit(tyme, st, "recur", Feed::Tyme(tyme));
            run_async(co, h, st).await?;
            if spec.raise_at == Some(k) {
                return Err(h.raise(st));
            }
            if spec.done_at == Some(k) {
                return Ok(returns);
            }
            co.tock(gen_tock(st, k, st.tock.get())).await;
        }
    };
    let fut = Pin::static_mut(leak(Some(fut)));
    leak(CoDoer::with_hooks(
        st.name,
        co,
        fut,
        Scripted {
            h,
            st,
            dodoer: false,
        },
    ))
}

fn build_genfunc(h: &'static Harness, st: &'static State) -> &'static mut dyn Doer {
    let given = st.tock.get(); // a doified function gets its tock once, at creation
    leak(Doify::new(st.name, move |cx: &mut Cx<'_>, phase: Phase| {
        let spec = &st.spec;
        let tyme = cx.tyme();
        match phase {
            Phase::Enter => {
                st.count.set(0);
                h.emit(tyme, st, "enter", Feed::None);
                if spec.raise_at == Some(0) {
                    return Err(h.raise(st));
                }
                if spec.done_at == Some(0) {
                    return Ok(Recur::Done(spec.returns.unwrap_or(false)));
                }
                Ok(Recur::Again(given))
            }
            Phase::Recur => {
                let k = st.count.get() + 1;
                st.count.set(k);
                h.emit(tyme, st, "recur", Feed::Tyme(tyme));
                run_sync(cx, h, st)?;
                if spec.raise_at == Some(k) {
                    return Err(h.raise(st));
                }
                if spec.done_at == Some(k) {
                    return Ok(Recur::Done(spec.returns.unwrap_or(false)));
                }
                Ok(Recur::Again(gen_tock(st, k, given)))
            }
            Phase::Clean => {
                h.emit(tyme, st, "clean", Feed::None);
                Ok(Recur::NEXT)
            }
            Phase::Cease => {
                h.emit(tyme, st, "cease", Feed::None);
                Ok(Recur::NEXT)
            }
            Phase::Abort(e) => {
                h.emit(tyme, st, "abort", Feed::Error(h.message(e)));
                Ok(Recur::NEXT)
            }
            Phase::Exit => {
                h.emit(tyme, st, "exit", Feed::None);
                Ok(Recur::NEXT)
            }
        }
    }))
}

fn build_dodoer(h: &'static Harness, st: &'static State) -> &'static mut dyn Doer {
    let hooks = Scripted {
        h,
        st,
        dodoer: true,
    };
    if h.fixed {
        fill_dodoer(h, st, leak(DoDoer::fixed(st.name, st.tock.get(), hooks)))
    } else {
        fill_dodoer(
            h,
            st,
            leak(DoDoer::with_hooks(st.name, st.tock.get(), hooks)),
        )
    }
}

fn fill_dodoer<S: Shape>(
    h: &'static Harness,
    st: &'static State,
    d: &'static mut DoDoer<'static, CAP, Scripted, S>,
) -> &'static mut dyn Doer {
    d.set_always(st.spec.always);
    // its children are the doers in its list now: the spec's at first, and
    // for a DoDoer extended again by name, what its list held when it left
    // (hio re-enters the same object, whose list is unchanged)
    let children: Vec<String> = h
        .lists
        .borrow()
        .iter()
        .find(|(c, _)| c == st.name)
        .map(|(_, l)| l.clone())
        .unwrap_or_default();
    for c in &children {
        if let Some(&cs) = h.states.get(c.as_str())
            && d.add(build(h, cs)).is_err()
        {
            h.unsupported(format!("DoDoer {} has more than {CAP} children", st.name));
        }
    }
    d
}

fn build(h: &'static Harness, st: &'static State) -> &'static mut dyn Doer {
    match st.spec.kind {
        Kind::Doer => leak(Plain { h, st }),
        Kind::ReDoer => build_redoer(h, st),
        Kind::GenFunc => build_genfunc(h, st),
        Kind::DoDoer => build_dodoer(h, st),
    }
}

/// Simulated time with the scenario's safety cap on passes.
struct Capped {
    max: u64,
    hit: bool,
}

impl Pacer for Capped {
    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()> {
        self.hit = due.passes() >= self.max;
        if self.hit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// Runs a scenario on hio's scheduler.
///
/// # Errors
///
/// The scenario needs something this runner does not support (its message
/// says what).
pub fn run(sc: &Scenario) -> Result<Outcome, BadScenario> {
    run_shaped(sc, false, true)
}

/// [`run`] with no tracer attached to the doist, so that on 64-bit hosts
/// every pass runs the untraced copy of the scheduler's loop (the one an
/// application runs): its doers' record, tyme, passes and result must be
/// [`run`]'s. What this runner learns only from the tracer stays empty:
/// `core_trace`, `fin.done` (the done flags as written) and `fin.doers`
/// (the lists).
///
/// # Errors
///
/// As [`run`]; and a scenario with an extend op (the runner follows hio's
/// extend by name from the lists the tracer keeps).
pub fn run_untraced(sc: &Scenario) -> Result<Outcome, BadScenario> {
    if any_op(sc, |k| matches!(k, OpKind::Extend(_))) {
        return Err(BadScenario(format!(
            "{}: an untraced run cannot follow extend by name",
            sc.name
        )));
    }
    run_shaped(sc, false, false)
}

/// [`run`] with every scheduler of the tree a [`Fixed`](hio::Fixed) one (as firmware
/// builds them): for scenarios whose doers never extend or remove, whose
/// outcome must then be the same as [`run`]'s.
///
/// # Errors
///
/// As [`run`]; and a scenario with an extend or remove op.
pub fn run_fixed(sc: &Scenario) -> Result<Outcome, BadScenario> {
    if any_op(sc, |k| matches!(k, OpKind::Extend(_) | OpKind::Remove(_))) {
        return Err(BadScenario(format!(
            "{}: a Fixed tree cannot extend or remove",
            sc.name
        )));
    }
    run_shaped(sc, true, true)
}

/// Whether any doer of the scenario has an op of this kind.
fn any_op(sc: &Scenario, kind: impl Fn(&OpKind) -> bool) -> bool {
    sc.all_specs()
        .iter()
        .any(|s| s.ops.iter().any(|op| kind(&op.kind)))
}

fn run_shaped(sc: &Scenario, fixed: bool, traced: bool) -> Result<Outcome, BadScenario> {
    let specs = sc.all_specs();
    let states = specs
        .iter()
        .map(|s| {
            let st: &'static State = leak(State {
                spec: (*s).clone(),
                name: leak_str(&s.name),
                count: Cell::new(0),
                tock: Cell::new(s.tock),
                fired: RefCell::new(vec![false; s.ops.len()]),
            });
            (s.name.clone(), st)
        })
        .collect();
    let mut lists = vec![(
        "doist".to_string(),
        sc.doers.iter().map(|d| d.name.clone()).collect(),
    )];
    for s in specs.iter().filter(|s| s.kind == Kind::DoDoer) {
        lists.push((
            s.name.clone(),
            s.doers.iter().map(|d| d.name.clone()).collect(),
        ));
    }
    let h: &'static Harness = leak(Harness {
        trace: RefCell::default(),
        core_trace: RefCell::default(),
        done: RefCell::default(),
        lists: RefCell::new(lists),
        errors: RefCell::default(),
        states,
        unsupported: RefCell::default(),
        fixed,
    });
    if fixed {
        drive(sc, h, &specs, Box::new(Doist::fixed(sc.tock)), traced)
    } else {
        drive(sc, h, &specs, Box::new(Doist::new(sc.tock)), traced)
    }
}

fn drive<S: Shape>(
    sc: &Scenario,
    h: &'static Harness,
    specs: &[&Spec],
    mut doist: Box<Doist<'static, CAP, S>>,
    traced: bool,
) -> Result<Outcome, BadScenario> {
    doist.set_tyme(sc.tyme);
    if traced {
        doist.set_tracer(h);
    }
    for s in &sc.doers {
        let Some(&st) = h.states.get(s.name.as_str()) else {
            continue;
        };
        if doist.add(build(h, st)).is_err() {
            return Err(BadScenario(format!("more than {CAP} root doers")));
        }
    }
    if let Some(msg) = h.unsupported.borrow().clone() {
        return Err(BadScenario(msg));
    }
    let mut pacer = Capped {
        max: sc.max_passes,
        hit: false,
    };
    let result = doist.run_paced(sc.limit, &mut pacer);
    if let Some(msg) = h.unsupported.borrow().clone() {
        return Err(BadScenario(msg));
    }
    let done = specs
        .iter()
        .filter(|_| traced)
        .map(|s| {
            (
                s.name.clone(),
                h.done
                    .borrow()
                    .get(&s.name)
                    .copied()
                    .and_then(Done::as_option),
            )
        })
        .collect();
    let fin = Final {
        tyme: doist.tyme(),
        passes: doist.passes(),
        doist_done: result == Ok(true),
        error: result.err().map(|e| h.message(e)),
        done,
        doers: if traced {
            h.lists.borrow().clone()
        } else {
            Vec::new()
        },
    };
    let capped = pacer.hit;
    Ok(Outcome {
        scenario: sc.name.clone(),
        fin,
        trace: h.trace.borrow().clone(),
        core_trace: h.core_trace.borrow().clone(),
        capped,
    })
}
