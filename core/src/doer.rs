//! The [`Doer`] trait, its step results, and the closure doer ([`Doify`]).

use crate::cx::{Container, Cx};
use crate::error::Error;
use crate::tyme::Tock;

/// What a doer's `enter` or `recur` step asks of its scheduler.
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recur {
    /// Not done: run me again after this tock. A zero tock means "on the next
    /// run of my scheduler" (rescheduled at `tyme + scheduler tock`); a
    /// positive tock accumulates on my own schedule (`retyme += tock`), so a
    /// periodic doer never drifts. After `enter` the tock is ignored: every
    /// freshly entered doer first recurs at the tyme it was entered.
    Again(Tock),
    /// Finished by itself, with hio's done value: `true` for success,
    /// `false` for "finished without success". The scheduler then runs
    /// `clean` and `exit`.
    Done(bool),
}

impl Recur {
    /// `Again(Tock::ZERO)`: run me on my scheduler's next run.
    pub const NEXT: Recur = Recur::Again(Tock::ZERO);
}

/// hio's `done` flag as a real tri-state.
///
/// Python hio 0.6.10 writes: `Unset` just before a doer is entered; on
/// completion the value the doer finished with (`Complete` for true,
/// `Incomplete` for false or none); `Incomplete` when force closed; nothing
/// when it fails (it keeps what the doer itself reported, see
/// [`Doer::reported_done`]).
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Done {
    /// Never entered, or (closure doers) entered and still running.
    #[default]
    Unset,
    /// Running, force closed, or finished without success.
    Incomplete,
    /// Finished with success.
    Complete,
}

impl Done {
    /// `Complete` for true, `Incomplete` for false.
    pub const fn from_bool(b: bool) -> Done {
        if b { Done::Complete } else { Done::Incomplete }
    }
    /// hio's view as `Option<bool>`: `None`, `Some(false)`, `Some(true)`.
    pub const fn as_option(self) -> Option<bool> {
        match self {
            Done::Unset => None,
            Done::Incomplete => Some(false),
            Done::Complete => Some(true),
        }
    }
}

/// The six contexts of a doer's life cycle, as seen by a [`Tracer`](crate::Tracer)
/// and by a [`Doify`] closure.
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Entered by its scheduler (once per entry).
    Enter,
    /// One step of work (repeated).
    Recur,
    /// Finished by itself (after its last recur, or inside enter).
    Clean,
    /// Closed from outside: limit reached, removed, parent closing, sibling
    /// error.
    Cease,
    /// Failed with this error (its own, or one coming out of an operation it
    /// called).
    Abort(Error),
    /// Always last.
    Exit,
}

impl Phase {
    /// hio's name of the context: `enter`, `recur`, `clean`, `cease`,
    /// `abort`, `exit`.
    pub const fn name(&self) -> &'static str {
        match self {
            Phase::Enter => "enter",
            Phase::Recur => "recur",
            Phase::Clean => "clean",
            Phase::Cease => "cease",
            Phase::Abort(_) => "abort",
            Phase::Exit => "exit",
        }
    }
}

/// A schedulable unit of work with hio's life cycle.
///
/// One *entry* of a doer is one of:
///
/// | ending | sequence |
/// |--------|----------|
/// | finished by itself | `enter`, `recur` × n (n ≥ 1), `clean`, `exit` |
/// | finished inside enter | `enter`, `clean`, `exit` |
/// | closed from outside | `enter`, `recur` × n (n ≥ 0), `cease`, `exit` |
/// | failed in recur | `enter`, `recur` × n (n ≥ 1), `abort`, `exit` |
/// | failed in enter | `enter`, `abort`, `exit` |
///
/// The scheduler calls these methods; a doer never calls its own hooks.
///
/// # Contract
///
/// * **Contexts.** `enter` and `recur` may fail (return `Err`): the
///   scheduler then calls `abort` with the error and `exit`, and the error
///   travels up the tree (`spec/SEMANTICS.md` section 7). `clean`, `cease`,
///   `abort` and `exit` cannot fail: hio lets them raise and then abandons
///   closing the rest of the tree; here every doer is always closed exactly
///   once.
/// * **Operations.** Every hook receives a [`Cx`] through which it may read
///   the tyme and extend or remove doers of any running scheduler it can
///   reach, or change a tock. They take effect during the call, as in hio.
/// * **Bounded work.** A step should do a bounded amount of work and return;
///   the scheduler is cooperative and nothing preempts a step.
/// * **No allocation, no panics** are required by the scheduler; a doer that
///   panics unwinds through it (host) or halts (firmware).
pub trait Doer {
    /// A name for traces, logs and operations that address doers by name
    /// ([`Cx::remove`]). Empty by default. Read once when the doer is listed:
    /// it must not change while the doer is in a scheduler.
    fn name(&self) -> &'static str {
        ""
    }

    /// Entered by its scheduler at the current tyme. Return
    /// `Ok(Recur::Again(_))` to be scheduled (the first recur happens at the
    /// tyme of the enter), `Ok(Recur::Done(v))` to finish inside enter
    /// (`clean` and `exit` follow at once), or an error (`abort` and `exit`
    /// follow).
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let _ = cx;
        Ok(Recur::NEXT)
    }

    /// One step of work at tyme `cx.tyme()`.
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error>;

    /// [`recur`](Self::recur) as a pass calls it on 64-bit hosts: the same
    /// call, its result made a [`Step`] in the doer's own code, where the
    /// conversion folds away (a `Result<Recur, Error>` comes back through
    /// memory, a `Step` in two registers). Sealed: it takes a token only
    /// the core can make, so it can be neither called nor overridden
    /// elsewhere.
    #[cfg(target_pointer_width = "64")]
    #[doc(hidden)]
    #[inline]
    fn step(&mut self, cx: &mut Cx<'_>, _: Sealed) -> Step {
        Step::of(self.recur(cx))
    }

    /// Finished by itself.
    fn clean(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }

    /// Closed from outside before it finished.
    fn cease(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }

    /// Failed with `error`.
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        let _ = (cx, error);
    }

    /// Last, always.
    fn exit(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }

    /// The done value this doer reports for itself while it runs, and keeps
    /// when it fails: `Incomplete` for ordinary doers (hio's Doer writes
    /// `false` when it starts), `Unset` for closure doers (hio's doified
    /// functions write nothing), the result of the last pass for a
    /// [`DoDoer`](crate::DoDoer). Only the reported value of a doer that
    /// failed is ever observable.
    fn reported_done(&self) -> Done {
        Done::Incomplete
    }

    /// If this doer is itself a scheduler (a [`DoDoer`](crate::DoDoer)), the
    /// handle through which others extend, remove or re-tock it.
    fn container(&mut self) -> Option<&mut dyn Container> {
        None
    }
}

/// A [`Doer::recur`] result as a pass reads it (64-bit hosts): an enum whose
/// variants all carry one `u64` is returned in two registers, where
/// `Result<Recur, Error>` is returned through memory (measured: two stores
/// and two loads of every doer run). Public only in name: its module is
/// private, so no code outside the core can name it.
#[cfg(target_pointer_width = "64")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `Ok(Recur::Again(tock))`: the tock's nanoseconds.
    Again(u64),
    /// `Ok(Recur::Done(done))`: 1 for `true`, 0 for `false`.
    Done(u64),
    /// `Err(error)`: the error's [`Error::to_bits`].
    Failed(u64),
}

#[cfg(target_pointer_width = "64")]
impl Step {
    /// The step of a recur result.
    #[inline(always)]
    pub(crate) fn of(r: Result<Recur, Error>) -> Self {
        match r {
            Ok(Recur::Again(t)) => Step::Again(t.as_nanos()),
            Ok(Recur::Done(done)) => Step::Done(u64::from(done)),
            Err(e) => Step::Failed(e.to_bits()),
        }
    }

    /// The recur result again (lossless: `Step::of(r).result() == r`).
    pub(crate) fn result(self) -> Result<Recur, Error> {
        match self {
            Step::Again(t) => Ok(Recur::Again(Tock::from_nanos(t))),
            Step::Done(done) => Ok(Recur::Done(done != 0)),
            Step::Failed(bits) => Err(Error::from_bits(bits)),
        }
    }
}

/// The token that seals [`Doer::step`]: only the core makes one.
#[cfg(target_pointer_width = "64")]
#[derive(Clone, Copy, Debug)]
pub struct Sealed(pub(crate) ());

/// A doer made from one closure (hio's `doify`/`doize`).
///
/// The closure is called for every context with the [`Phase`]. Its result
/// matters for `Enter` and `Recur` (as for [`Doer::enter`] and
/// [`Doer::recur`]); for the four closing phases return anything
/// (`Ok(Recur::NEXT)` by convention): it is ignored, because closing cannot
/// fail. Like hio's doified functions it reports [`Done::Unset`] while it
/// runs.
///
/// ```
/// use hio::{Doist, Doify, Phase, Recur, Tock};
/// let mut ticks = 0;
/// let mut blink = Doify::new("blink", |_cx, phase| {
///     if phase == Phase::Recur {
///         ticks += 1;
///         return Ok(if ticks == 3 { Recur::Done(true) } else { Recur::NEXT });
///     }
///     Ok(Recur::NEXT)
/// });
/// let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
/// doist.add(&mut blink).unwrap();
/// assert_eq!(doist.run(None), Ok(true));
/// drop(doist);
/// assert_eq!(ticks, 3);
/// ```
pub struct Doify<F> {
    name: &'static str,
    f: F,
}

impl<F> Doify<F>
where
    F: FnMut(&mut Cx<'_>, Phase) -> Result<Recur, Error>,
{
    /// A doer named `name` that runs `f` in every context.
    pub const fn new(name: &'static str, f: F) -> Self {
        Doify { name, f }
    }
}

impl<F> Doer for Doify<F>
where
    F: FnMut(&mut Cx<'_>, Phase) -> Result<Recur, Error>,
{
    fn name(&self) -> &'static str {
        self.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        (self.f)(cx, Phase::Enter)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        (self.f)(cx, Phase::Recur)
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        let _ = (self.f)(cx, Phase::Clean);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        let _ = (self.f)(cx, Phase::Cease);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        let _ = (self.f)(cx, Phase::Abort(error));
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        let _ = (self.f)(cx, Phase::Exit);
    }
    fn reported_done(&self) -> Done {
        Done::Unset
    }
}
