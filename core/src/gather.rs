//! Gathering: run several child doers, finish when all are done, and tell
//! how each ended (gensyncio's and asyncio's `gather`), built on
//! [`DoDoer`].

use core::cell::Cell;

use crate::cx::{Container, Cx};
use crate::dodoer::{DoDoer, Hooks};
use crate::doer::{Doer, Done, Recur};
use crate::error::Error;
use crate::tyme::Tock;
use crate::wait::Latch;

/// How one entry of a doer ended, or that it has not yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    /// Not entered yet.
    #[default]
    Pending,
    /// Entered, not finished.
    Running,
    /// Finished by itself with this done value (`clean`).
    Done(bool),
    /// Closed from outside before it finished (`cease`): removed, cancelled,
    /// its parent closed, a limit reached.
    Ceased,
    /// Failed with this error (`abort`).
    Failed(Error),
}

impl Outcome {
    /// True once it ended, whichever way.
    pub fn is_over(&self) -> bool {
        !matches!(self, Outcome::Pending | Outcome::Running)
    }
}

/// Wraps a doer and records how its entry ends in a shared
/// `Cell<`[`Outcome`]`>` that anyone can read while the tree runs (a
/// coroutine waiting on a [`Gather`], a test).
///
/// With [`catching`](Self::catching) it also turns the doer's error into an
/// outcome instead of an abort of its parent (asyncio's `gather(...,
/// return_exceptions=True)`): the wrapped doer still runs its own `abort`
/// and `exit` with the error, but its scheduler sees it finish with done
/// `false` (a tracer shows `clean`), so its siblings keep running.
///
/// Everything else (name, done value, being a container) is the wrapped
/// doer's.
///
/// # Contract
///
/// * **Contexts.** The wrapped doer's hooks run exactly as they would
///   without the wrapper, in the same contexts, once each.
/// * **Cancel/abort.** `cease` records [`Outcome::Ceased`]; an error records
///   [`Outcome::Failed`] (and, when catching, is not passed up).
/// * **Bounded work.** Adds O(1) per hook.
pub struct Tracked<'d> {
    doer: &'d mut dyn Doer,
    outcome: &'d Cell<Outcome>,
    catch: bool,
    caught: Option<Error>,
}

impl<'d> Tracked<'d> {
    /// Records `doer`'s outcome in `outcome`; errors pass up as usual.
    pub fn new(doer: &'d mut dyn Doer, outcome: &'d Cell<Outcome>) -> Self {
        Tracked {
            doer,
            outcome,
            catch: false,
            caught: None,
        }
    }

    /// Records `doer`'s outcome in `outcome` and keeps its errors from
    /// aborting its parent.
    pub fn catching(doer: &'d mut dyn Doer, outcome: &'d Cell<Outcome>) -> Self {
        Tracked {
            doer,
            outcome,
            catch: true,
            caught: None,
        }
    }

    fn settle(&mut self, r: Result<Recur, Error>) -> Result<Recur, Error> {
        match r {
            Ok(Recur::Done(v)) => {
                self.outcome.set(Outcome::Done(v));
                Ok(Recur::Done(v))
            }
            Ok(again) => Ok(again),
            Err(e) => {
                self.outcome.set(Outcome::Failed(e));
                if self.catch {
                    self.caught = Some(e);
                    Ok(Recur::Done(false))
                } else {
                    Err(e)
                }
            }
        }
    }
}

impl Doer for Tracked<'_> {
    fn name(&self) -> &'static str {
        self.doer.name()
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.caught = None;
        self.outcome.set(Outcome::Running);
        let r = self.doer.enter(cx);
        self.settle(r)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let r = self.doer.recur(cx);
        self.settle(r)
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        match self.caught.take() {
            Some(e) => self.doer.abort(cx, e),
            None => self.doer.clean(cx),
        }
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.outcome.set(Outcome::Ceased);
        self.doer.cease(cx);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        self.outcome.set(Outcome::Failed(error));
        self.doer.abort(cx, error);
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.doer.exit(cx);
    }
    fn reported_done(&self) -> Done {
        self.doer.reported_done()
    }
    fn container(&mut self) -> Option<&mut dyn Container> {
        self.doer.container()
    }
}

/// The gather's own hooks: record its ending, set the latch on exit.
struct Report<'a> {
    outcome: Outcome,
    latch: Option<&'a Latch>,
}

impl Hooks for Report<'_> {
    fn enter(&mut self, _cx: &mut Cx<'_>) -> Result<(), Error> {
        self.outcome = Outcome::Running;
        Ok(())
    }
    fn clean(&mut self, _cx: &mut Cx<'_>) {
        self.outcome = Outcome::Done(true);
    }
    fn cease(&mut self, _cx: &mut Cx<'_>) {
        self.outcome = Outcome::Ceased;
    }
    fn abort(&mut self, _cx: &mut Cx<'_>, error: Error) {
        self.outcome = Outcome::Failed(error);
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        if let Some(latch) = self.latch {
            latch.set();
        }
    }
}

/// Runs up to `N` child doers side by side and finishes when all of them
/// are done (gensyncio's `gather`): a [`DoDoer`] that remembers its
/// children's names, tells how it ended, can set a [`Latch`] when it does,
/// and reports each child's done value.
///
/// ```text
///   Doist
///    ├─ Gather "fetch" ── finishes when a, b and c are all done
///    │    ├─ a
///    │    ├─ b
///    │    └─ c
///    └─ waiter (awaits the gather's latch, then reads the results)
/// ```
///
/// ```
/// use core::cell::Cell;
/// use hio::{Doist, Doify, Done, Error, Gather, Outcome, Phase, Recur, Tock, Tracked};
///
/// // three jobs that take 1, 3 and 2 steps; b fails, but is caught
/// let mut steps = [0u32; 3];
/// let [sa, sb, sc] = &mut steps;
/// let mut a = Doify::new("a", |_, p| { if p == Phase::Recur { *sa += 1; }
///     Ok(if *sa == 1 { Recur::Done(true) } else { Recur::NEXT }) });
/// let mut b = Doify::new("b", |_, p| { if p == Phase::Recur { *sb += 1;
///     if *sb == 3 { return Err(Error::Doer(7)); } } Ok(Recur::NEXT) });
/// let mut c = Doify::new("c", |_, p| { if p == Phase::Recur { *sc += 1; }
///     Ok(if *sc == 2 { Recur::Done(false) } else { Recur::NEXT }) });
/// let out_b = Cell::new(Outcome::Pending);
/// let mut b = Tracked::catching(&mut b, &out_b);
///
/// let mut gather: Gather<'_, 3> = Gather::new("gather", Tock::ZERO);
/// gather.add(&mut a)?;
/// gather.add(&mut b)?;
/// gather.add(&mut c)?;
/// let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
/// doist.add(&mut gather)?;
/// assert_eq!(doist.run(None), Ok(true));
/// drop(doist);
///
/// assert_eq!(gather.outcome(), Outcome::Done(true));
/// let results: Vec<_> = gather.results().collect();
/// assert_eq!(results, [
///     ("a", Some(Done::Complete)),
///     ("b", Some(Done::Incomplete)),   // failed, caught: finished with done = false
///     ("c", Some(Done::Incomplete)),   // finished with done = false
/// ]);
/// assert_eq!(out_b.get(), Outcome::Failed(Error::Doer(7)));
/// # Ok::<(), Error>(())
/// ```
///
/// **Cancellation.** Removing a child (hio's `remove`: [`Cx::remove`] or
/// [`Co::remove`](crate::Co::remove) with
/// [`Target::Named`](crate::Target::Named) the gather's name) closes it at
/// once (`cease`, `exit`) and unlists it; the gather then finishes when the
/// others are done, and reports the removed child's result as `None`.
/// Closing the gather itself closes every child still running.
///
/// # Contract
///
/// * **Contexts.** It is a [`Doer`]: add it to a [`Doist`](crate::Doist) or
///   a [`DoDoer`] like any other. [`add`](Self::add) before it runs;
///   [`outcome`](Self::outcome) and [`results`](Self::results) any time it
///   is not borrowed by a running scheduler (typically after the run).
/// * **Completion.** It completes (done = true) in the pass in which its
///   last child finishes, whatever the children's own done values; read
///   those with [`results`](Self::results).
/// * **Errors.** As a [`DoDoer`]: a child's error aborts the gather (after
///   the child's own abort and exit) and travels up; wrap children in
///   [`Tracked::catching`] to collect errors as outcomes instead.
/// * **Order.** Children run in the order they were added, every pass.
/// * **Bounded work.** As a DoDoer: one step per due child per pass.
/// * Give children distinct names: results are looked up by name.
pub struct Gather<'a, const N: usize> {
    inner: DoDoer<'a, N, Report<'a>>,
    names: heapless::Vec<&'static str, N>,
}

impl<'a, const N: usize> Gather<'a, N> {
    /// A gather named `name` whose children yielding a zero tock run again
    /// after `tock` (as for a [`DoDoer`]).
    pub const fn new(name: &'static str, tock: Tock) -> Self {
        Gather {
            inner: DoDoer::with_hooks(
                name,
                tock,
                Report {
                    outcome: Outcome::Pending,
                    latch: None,
                },
            ),
            names: heapless::Vec::new(),
        }
    }

    /// Sets `latch` when the gather exits (after all children were closed),
    /// however it ended: a coroutine can [`wait`](Latch::wait) on it.
    pub fn notify(&mut self, latch: &'a Latch) {
        self.inner.hooks().latch = Some(latch);
    }

    /// Adds a child, to be entered when the gather is entered.
    ///
    /// # Errors
    ///
    /// [`Error::Capacity`] when `N` children were added already.
    pub fn add(&mut self, doer: &'a mut dyn Doer) -> Result<(), Error> {
        if self.names.is_full() {
            return Err(Error::Capacity);
        }
        let name = doer.name();
        self.inner.add(doer)?;
        self.names.push(name).map_err(|_| Error::Capacity)
    }

    /// How the gather itself ended (or [`Outcome::Pending`] /
    /// [`Outcome::Running`]).
    pub fn outcome(&mut self) -> Outcome {
        self.inner.hooks().outcome
    }

    /// Each child added, in order, with its done value: `Complete` (finished
    /// with success), `Incomplete` (finished without success, failed, or
    /// closed), `Unset` (never entered), or `None` if it was removed. For
    /// how exactly each ended, wrap it in a [`Tracked`].
    pub fn results(&self) -> impl Iterator<Item = (&'static str, Option<Done>)> + '_ {
        self.names.iter().map(|&n| (n, self.inner.done_of(n)))
    }

    /// Names of the children still listed, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.names()
    }
}

impl<const N: usize> Doer for Gather<'_, N> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.inner.enter(cx)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.inner.recur(cx)
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.inner.clean(cx);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.inner.cease(cx);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        self.inner.abort(cx, error);
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.inner.exit(cx);
    }
    fn reported_done(&self) -> Done {
        self.inner.reported_done()
    }
    fn container(&mut self) -> Option<&mut dyn Container> {
        self.inner.container()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Outcome {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Outcome::Pending => defmt::write!(f, "Pending"),
            Outcome::Running => defmt::write!(f, "Running"),
            Outcome::Done(v) => defmt::write!(f, "Done({=bool})", v),
            Outcome::Ceased => defmt::write!(f, "Ceased"),
            Outcome::Failed(e) => defmt::write!(f, "Failed({})", defmt::Debug2Format(e)),
        }
    }
}
