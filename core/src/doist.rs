//! The root scheduler, [`Doist`], and the drivers that pace it.

use core::ops::ControlFlow;

use crate::cx::{Container, Dynamic, Fixed, Shape};
use crate::doer::{Doer, Done};
use crate::error::Error;
use crate::sched::Sched;
use crate::trace::Tracer;
use crate::tyme::{Tock, Tyme};

/// The root scheduler: a clock of tyme that advances one tock per pass, and
/// up to `N` doers run round-robin in a fixed, deterministic order (hio's
/// `Doist`).
///
/// ```
/// use hio::{Cx, Doer, Doist, Error, Recur, Tock, Tyme};
///
/// struct Count { n: u32 }
/// impl Doer for Count {
///     fn name(&self) -> &'static str { "count" }
///     fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
///         self.n += 1;
///         Ok(if self.n == 4 { Recur::Done(true) } else { Recur::Again(Tock::from_millis(250)) })
///     }
/// }
///
/// let mut count = Count { n: 0 };
/// let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(250));
/// doist.add(&mut count)?;
/// assert_eq!(doist.run(None), Ok(true));        // ran until nothing was left
/// assert_eq!(doist.tyme(), Tyme::from_secs(1)); // passes at 0, .25, .5, .75
/// # Ok::<(), Error>(())
/// ```
///
/// # Contract
///
/// * [`run`](Self::run) is hio's `do`: enter, then passes until no deed is
///   left or the limit is reached, then exit (force close what is left, in
///   reverse order). It returns `Ok(true)` only when it ended because no
///   deeds were left.
/// * One pass ([`recur`](Self::recur)) visits every deed once and runs the
///   due ones one step each, then ticks once. The work per pass is bounded by
///   `N` steps (plus what the steps themselves do).
/// * On an error the pass stops at once (no tick), the tree is closed as
///   `spec/SEMANTICS.md` section 7 says, and the error is returned.
/// * Capacity: adding or extending beyond `N` fails with
///   [`Error::Capacity`] before anything is entered.
pub struct Doist<'a, const N: usize, S: Shape = Dynamic> {
    sched: Sched<'a, N, S>,
    tyme: Tyme,
    tracer: Option<&'a dyn Tracer>,
    passes: u64,
    done: Done,
}

/// A view of the doist between two passes, handed to a [`Pacer`].
pub struct Due<'d> {
    tyme: Tyme,
    tock: Tock,
    passes: u64,
    stop: Option<Tyme>,
    deeds: &'d dyn Fn() -> Option<Tyme>,
}

impl Due<'_> {
    /// The tyme of the next pass.
    pub fn tyme(&self) -> Tyme {
        self.tyme
    }
    /// The doist's tock now.
    pub fn tock(&self) -> Tock {
        self.tock
    }
    /// Passes run so far.
    pub fn passes(&self) -> u64 {
        self.passes
    }
    /// The tyme of the first pass in which some root deed is due: never
    /// before [`tyme`](Self::tyme). Passes before it do no work, so a
    /// real-time driver may sleep until it. `None` if no deeds are left.
    /// Costs one scan of the root deeds.
    pub fn next_due(&self) -> Option<Tyme> {
        let due = (self.deeds)().map(|t| pass_at_or_after(self.tyme, self.tock, t));
        // never past the pass that ends the run by its limit
        match (due, self.stop) {
            (Some(d), Some(s)) => Some(d.min(pass_at_or_after(self.tyme, self.tock, s))),
            (d, _) => d,
        }
    }
    /// The tyme at which the run stops by its limit, if it has one.
    pub fn stop(&self) -> Option<Tyme> {
        self.stop
    }
}

/// The first pass tyme (`tyme + k * tock`, k >= 0) at or after `t`.
fn pass_at_or_after(tyme: Tyme, tock: Tock, t: Tyme) -> Tyme {
    if t <= tyme || tock.is_zero() {
        return tyme;
    }
    let gap = t.since(tyme).as_nanos();
    let k = gap.div_ceil(tock.as_nanos());
    tyme + Tock::from_nanos(k.saturating_mul(tock.as_nanos()))
}

/// Decides what happens between two passes of [`Doist::run_paced`]: wait
/// (real time), nothing (simulation), or stop the run.
pub trait Pacer {
    /// Called once before the doist enters its doers, with its tyme.
    fn begin(&mut self, tyme: Tyme) {
        let _ = tyme;
    }
    /// Called after every pass that did not end the run. Return
    /// `ControlFlow::Break(())` to stop the run here (the tree is closed and
    /// `run_paced` returns `Ok(false)`, like hio on a keyboard interrupt).
    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()>;
}

/// As fast as possible (hio's `real = False`), at most `max_passes` passes.
#[derive(Clone, Copy, Debug)]
pub struct Simulated {
    /// Stop after this many passes (a safety cap for runs that might never
    /// end, such as a zero doist tock with doers that wait for tyme).
    pub max_passes: u64,
}

impl Default for Simulated {
    fn default() -> Self {
        Simulated {
            max_passes: u64::MAX,
        }
    }
}

impl Pacer for Simulated {
    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()> {
        if due.passes() >= self.max_passes {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// A monotonic wall clock for the [`RealTime`] driver.
pub trait Clock {
    /// Time since an arbitrary fixed origin.
    fn now(&mut self) -> Tyme;
}

/// A way to wait for a deadline on a [`Clock`]: a thread sleep on the host,
/// `wfi` until a timer interrupt on firmware, a poll on sockets in an IO
/// runner.
pub trait Wait<C: Clock> {
    /// Returns at or soon after `deadline` (it may return early: the driver
    /// then simply runs the pass a little early, which nothing traced sees).
    fn wait_until(&mut self, clock: &mut C, deadline: Tyme);
}

/// Paces a doist to a wall clock on absolute deadlines (hio's
/// `real = True`, without its drift).
///
/// The pass for doist tyme `t` is due at wall time `w0 + (t - t0)`, where
/// `w0`, `t0` are taken when the run begins: every deadline is computed from
/// the origin, never from the previous pass, so lateness never accumulates;
/// after a slow pass the following passes run back to back until the
/// schedule has caught up (hio's lossless restart). Passes in which no root
/// deed is due are run without waiting for them: the driver sleeps straight
/// to the first pass with work ([`Due::next_due`]), so an idle tree costs no
/// wake-ups. It follows the doist's current tock (hio used the tock it had at
/// construction). A zero doist tock never advances tyme: the passes then run
/// back to back.
#[derive(Debug)]
pub struct RealTime<C, W> {
    clock: C,
    wait: W,
    origin: Option<(Tyme, Tyme)>,
    /// The largest lateness seen: how far past its deadline the wall clock
    /// was when the driver let a pass with work run.
    pub max_late: Tock,
}

impl<C: Clock, W: Wait<C>> RealTime<C, W> {
    /// A driver on `clock` that waits with `wait`.
    pub fn new(clock: C, wait: W) -> Self {
        RealTime {
            clock,
            wait,
            origin: None,
            max_late: Tock::ZERO,
        }
    }
    /// The clock.
    pub fn clock(&mut self) -> &mut C {
        &mut self.clock
    }
    /// The waiter.
    pub fn waiter(&mut self) -> &mut W {
        &mut self.wait
    }
    /// The wall deadline of doist tyme `t`, once the run has begun.
    pub fn deadline(&self, t: Tyme) -> Option<Tyme> {
        self.origin.map(|(w0, t0)| w0 + t.since(t0))
    }
}

impl<C: Clock, W: Wait<C>> Pacer for RealTime<C, W> {
    fn begin(&mut self, tyme: Tyme) {
        let now = self.clock.now();
        self.origin = Some((now, tyme));
    }
    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()> {
        // the next pass with work: passes before it are idle and run at once
        let target = due.next_due().unwrap_or(due.tyme());
        if let Some(deadline) = self.deadline(target) {
            if self.clock.now() < deadline {
                self.wait.wait_until(&mut self.clock, deadline);
            }
            let late = self.clock.now().since(deadline);
            if late > self.max_late {
                self.max_late = late;
            }
        }
        ControlFlow::Continue(())
    }
}

impl<'a, const N: usize> Doist<'a, N, Dynamic> {
    /// A doist at tyme zero that ticks by `tock` (hio's default is
    /// [`DEFAULT_TOCK`](crate::DEFAULT_TOCK), 1/32 s). A zero tock freezes
    /// tyme: only doers that yield a zero tock run again.
    pub const fn new(tock: Tock) -> Self {
        Self::shaped(tock)
    }
}

impl<'a, const N: usize> Doist<'a, N, Fixed> {
    /// As [`Doist::new`], for a tree that never changes while it runs
    /// ([`Fixed`]: extend and remove are [`Error::Misuse`] and not linked).
    pub const fn fixed(tock: Tock) -> Self {
        Self::shaped(tock)
    }
}

impl<'a, const N: usize, S: Shape> Doist<'a, N, S> {
    const fn shaped(tock: Tock) -> Self {
        Doist {
            sched: Sched::new("doist", tock),
            tyme: Tyme::ZERO,
            tracer: None,
            passes: 0,
            done: Done::Unset,
        }
    }

    /// Renames the root (`"doist"` by default) for [`Target::Named`](crate::Target).
    pub fn set_name(&mut self, name: &'a str) {
        self.sched.name = name;
    }

    /// Attaches a tracer that sees every event of the tree. Attach it
    /// before [`enter`](Self::enter) for exact recur counts in its events:
    /// recurs are counted only while a tracer is attached (see
    /// [`Event::count`](crate::Event::count)).
    pub fn set_tracer(&mut self, tracer: &'a dyn Tracer) {
        self.tracer = Some(tracer);
    }

    /// Lists a doer to be entered when the run starts (hio's `doers`).
    ///
    /// # Errors
    ///
    /// [`Error::Capacity`] when `N` doers are listed already.
    pub fn add(&mut self, doer: &'a mut dyn Doer) -> Result<(), Error> {
        self.sched.add(doer)
    }

    /// The current tyme.
    pub fn tyme(&self) -> Tyme {
        self.tyme
    }
    /// Sets the tyme (hio's `do(tyme=...)`: the start tyme of a run).
    pub fn set_tyme(&mut self, tyme: Tyme) {
        self.tyme = tyme;
    }
    /// The tock: the tick at the end of each pass.
    pub fn tock(&self) -> Tock {
        self.sched.tock
    }
    /// Sets the tock; the tick at the end of the current pass already uses it.
    pub fn set_tock(&mut self, tock: Tock) {
        self.sched.tock = tock;
    }
    /// Passes started since construction.
    pub fn passes(&self) -> u64 {
        self.passes
    }
    /// hio's `doist.done`: `Complete` after a run that ended because no deeds
    /// were left, `Incomplete` while a run goes on and after one stopped by
    /// its limit, a pacer or an error, `Unset` before any run. A driver of
    /// its own (enter, recur, ...) ends a run with [`finish`](Self::finish)
    /// to record it, or with [`exit`](Self::exit) after an error.
    pub fn done(&self) -> Done {
        self.done
    }
    /// True when no deeds are queued (everything finished or nothing entered).
    pub fn is_idle(&self) -> bool {
        self.sched.deeds.is_empty()
    }
    /// The earliest tyme at which a root deed is due (see
    /// [`next_pass_due`](Self::next_pass_due) for the pass it falls in).
    pub fn next_due(&self) -> Option<Tyme> {
        self.sched.next_due()
    }
    /// The tyme of the first pass from now in which some root deed is due:
    /// passes before it do no work (a DoDoer's deed covers its children, so
    /// this is the earliest work anywhere in the tree). `None` when no deeds
    /// are left.
    pub fn next_pass_due(&self) -> Option<Tyme> {
        self.sched
            .next_due()
            .map(|t| pass_at_or_after(self.tyme, self.sched.tock, t))
    }
    /// Names of the listed doers, in order (hio's `doist.doers`).
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.sched.names()
    }
    /// The done value of the listed doer with this name.
    pub fn done_of(&self, name: &str) -> Option<Done> {
        self.sched.done_of(name)
    }
    /// The DoDoer with this name anywhere in the tree (or the doist itself).
    pub fn find(&mut self, name: &str) -> Option<&mut dyn Container> {
        if self.sched.name == name {
            return Some(&mut self.sched);
        }
        self.sched.find(name)
    }

    /// hio's `enter`: enters every listed doer in order at the current tyme.
    ///
    /// # Errors
    ///
    /// The error of the first doer that failed in its enter (it has run abort
    /// and exit; the ones after it are not entered; the ones before it are
    /// queued and closed by [`exit`](Self::exit)). [`Error::Misuse`] if doers
    /// of an earlier enter are still queued: [`exit`](Self::exit) first (hio
    /// would queue each doer a second time beside its running entry; here a
    /// doer has one entry at a time).
    pub fn enter(&mut self) -> Result<(), Error> {
        self.done = Done::Incomplete;
        self.sched.enter_all(self.tyme, self.tracer, None)
    }

    /// hio's `recur`: one pass, then one tick with the tock as it is after
    /// the pass.
    ///
    /// # Errors
    ///
    /// An error that escaped a doer; the pass stopped there, without a tick.
    pub fn recur(&mut self) -> Result<(), Error> {
        self.passes += 1;
        self.sched.pass(self.tyme, self.tracer, None)?;
        self.tyme += self.sched.tock;
        Ok(())
    }

    /// A pass run early, between two tocks, because something outside the
    /// tree became ready (an IO runner's readiness pass): one pass with the
    /// root tock taken as zero, so that the tyme does not advance and the
    /// doers that yield a zero tock are due again at once, then the tock is
    /// put back, unless a doer set a new one during the pass (that one is
    /// kept, and the tick after the pass advances by it, as after any pass).
    ///
    /// # Contract
    ///
    /// * The same pass as [`recur`](Self::recur) in every other way: order,
    ///   retymes of doers that yield a positive tock, errors.
    /// * During the pass the root tock reads zero (a doer that asks for it
    ///   sees zero).
    ///
    /// ```
    /// use hio::{Cx, Doist, Error, Phase, Recur, Tock, Tyme};
    ///
    /// let mut runs = 0;
    /// let mut poll = hio::Doify::new("poll", |_cx: &mut Cx<'_>, phase| {
    ///     if phase == Phase::Recur {
    ///         runs += 1;
    ///     }
    ///     Ok(Recur::NEXT)
    /// });
    /// let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
    /// doist.add(&mut poll)?;
    /// doist.enter()?;
    /// doist.recur_early()?; // a socket became ready: run now
    /// doist.recur_early()?; // and again: `poll` is due at once
    /// assert_eq!(doist.tyme(), Tyme::ZERO);
    /// assert_eq!(doist.tock(), Tock::from_millis(10));
    /// doist.exit();
    /// drop(doist);
    /// assert_eq!(runs, 2);
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`recur`](Self::recur).
    pub fn recur_early(&mut self) -> Result<(), Error> {
        let tock = self.sched.tock;
        self.sched.tock = Tock::ZERO;
        let r = self.recur();
        if self.sched.tock.is_zero() {
            self.sched.tock = tock;
        }
        r
    }

    /// hio's `exit`: force closes every queued deed (cease, exit), from the
    /// last to the first (after an error: hio's split order, section 3.5).
    pub fn exit(&mut self) {
        self.sched.exit_all(self.tyme, self.tracer, None);
    }

    /// Ends a run that no error stopped, as hio's `do` does: records
    /// [`done`](Self::done) (`Complete` when no deeds are left, `Incomplete`
    /// when some are) and then [`exit`](Self::exit)s, closing what is left.
    /// Returns whether it was complete. For drivers that run the passes
    /// themselves (an IO runner); [`run`](Self::run) ends this way.
    pub fn finish(&mut self) -> bool {
        self.done = if self.sched.deeds.is_empty() {
            Done::Complete
        } else {
            Done::Incomplete
        };
        self.exit();
        self.done == Done::Complete
    }

    /// hio's `extend` on a running doist, from outside the tree (between
    /// passes): enters `doers` now and queues them at the end.
    ///
    /// # Errors
    ///
    /// As [`Cx::extend`](crate::Cx::extend).
    pub fn extend<I>(&mut self, doers: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = &'a mut dyn Doer>,
        I::IntoIter: ExactSizeIterator,
    {
        if !S::DYNAMIC {
            return Err(Error::Misuse);
        }
        if !self.sched.is_live() {
            return Err(Error::NoTarget);
        }
        self.sched
            .extend_with(self.tyme, self.tracer, &mut doers.into_iter())
    }

    /// hio's `remove` from outside the tree: unlists and force closes the
    /// doers with these names. Returns how many were unlisted.
    ///
    /// # Errors
    ///
    /// None today; reserved.
    pub fn remove(&mut self, names: &[&str]) -> Result<usize, Error> {
        Container::remove_named(&mut self.sched, self.tyme, self.tracer, names)
    }

    /// hio's `do` as fast as possible: enter, passes until no deed is left or
    /// `limit` (measured from the tyme after enter; zero means none) is
    /// reached, exit. Returns `Ok(true)` when it ended because no deeds were
    /// left.
    ///
    /// # Errors
    ///
    /// An error that escaped a doer, after the tree was closed.
    pub fn run(&mut self, limit: Option<Tock>) -> Result<bool, Error> {
        self.run_paced(limit, &mut Simulated::default())
    }

    /// [`run`](Self::run) with a [`Pacer`] between passes: [`RealTime`] for
    /// wall-clock pacing, [`Simulated`] with a pass cap, or your own (an IO
    /// runner that polls sockets while it waits).
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    pub fn run_paced<P: Pacer>(
        &mut self,
        limit: Option<Tock>,
        pacer: &mut P,
    ) -> Result<bool, Error> {
        pacer.begin(self.tyme);
        if let Err(e) = self.enter() {
            self.exit();
            return Err(e);
        }
        let stop = limit.filter(|l| !l.is_zero()).map(|l| self.tyme + l);
        loop {
            if let Err(e) = self.recur() {
                self.exit();
                return Err(e);
            }
            if self.sched.deeds.is_empty() {
                break;
            }
            if stop.is_some_and(|s| self.tyme >= s) {
                break;
            }
            let sched = &self.sched;
            let due = Due {
                tyme: self.tyme,
                tock: sched.tock,
                passes: self.passes,
                stop,
                deeds: &|| sched.next_due(),
            };
            if pacer.pace(&due).is_break() {
                break;
            }
        }
        Ok(self.finish())
    }
}
