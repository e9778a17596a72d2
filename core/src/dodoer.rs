//! Nested scheduling: [`DoDoer`], a doer that runs its own children.

use crate::cx::{Container, Cx, Dynamic, Fixed, Shape};
use crate::doer::{Doer, Done, Recur};
use crate::error::Error;
use crate::sched::{Frame, Sched};
use crate::tyme::Tock;

/// What a [`DoDoer`] does besides running its children: its own life-cycle
/// hooks (hio users subclass DoDoer for this). Every method defaults to
/// nothing; `()` is the no-op.
///
/// The hooks receive a [`Cx`] positioned *inside* the DoDoer:
/// [`Target::Here`](crate::Target::Here) is the DoDoer itself.
///
/// Order (`spec/SEMANTICS.md` 4.4): `enter` before the children are entered;
/// `recur` before the children's pass; `cease` and `abort` before the
/// remaining children are closed; `exit` after they were closed.
pub trait Hooks {
    /// Before the children are entered. An error aborts the DoDoer.
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        let _ = cx;
        Ok(())
    }
    /// Before each pass over the children. An error aborts the DoDoer.
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        let _ = cx;
        Ok(())
    }
    /// After the last child finished.
    fn clean(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }
    /// Closed from outside, before the children are closed.
    fn cease(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }
    /// Failed (its own error or a child's), before the children are closed.
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        let _ = (cx, error);
    }
    /// Last, after the children were closed.
    fn exit(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }
}

impl Hooks for () {}

/// A doer that schedules up to `N` children of its own, the same way the
/// [`Doist`](crate::Doist) does, on the root's tyme (hio's `DoDoer`).
/// Schedulers nest into a tree.
///
/// ```text
///            Doist (tock 1/32 s)
///           /        |         \
///      DoDoer "io"  blink     DoDoer "app" (always)
///       /     \                  |
///   uart rx  uart tx           shell
/// ```
///
/// ```
/// use hio::{DoDoer, Doify, Doist, Recur, Tock};
/// let mut a = Doify::new("a", |_, _| Ok(Recur::Done(true)));
/// let mut b = Doify::new("b", |_, _| Ok(Recur::NEXT));
/// let mut group: DoDoer<'_, 4> = DoDoer::new("group", Tock::ZERO);
/// group.add(&mut a).unwrap();
/// group.add(&mut b).unwrap();
/// let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(100));
/// doist.add(&mut group).unwrap();
/// assert_eq!(doist.run(Some(Tock::from_secs(1))), Ok(false)); // b never ends
/// ```
///
/// # Contract
///
/// * It completes (clean, exit, done = true) in the pass in which its last
///   child finishes, unless `always` is set: then it only ends when closed or
///   on an error, and can be extended later.
/// * A child yielding a zero tock is rescheduled at `tyme + the DoDoer's own
///   tock` (hio's rule: not the doist's).
/// * Closing it closes its remaining children right to left between its own
///   `cease` and `exit`; an error from a child aborts it after the child's
///   own abort and exit, then travels up.
/// * It never completes inside its own enter, even with no children: it then
///   completes on its first recur.
pub struct DoDoer<'a, const N: usize, H: Hooks = (), S: Shape = Dynamic> {
    name: &'static str,
    sched: Sched<'a, N, S>,
    always: bool,
    /// hio's own `done` of the DoDoer: the result of its last pass.
    last: bool,
    hooks: H,
}

impl<'a, const N: usize> DoDoer<'a, N, ()> {
    /// A DoDoer with tock `tock` and no hooks.
    pub const fn new(name: &'static str, tock: Tock) -> Self {
        Self::with_hooks(name, tock, ())
    }
}

impl<'a, const N: usize, H: Hooks> DoDoer<'a, N, H> {
    /// A DoDoer with hooks of its own.
    pub const fn with_hooks(name: &'static str, tock: Tock, hooks: H) -> Self {
        Self::shaped(name, tock, hooks)
    }
}

impl<'a, const N: usize, H: Hooks> DoDoer<'a, N, H, Fixed> {
    /// As [`DoDoer::with_hooks`], for children that never change while it
    /// runs ([`Fixed`]: extend and remove are [`Error::Misuse`] and not
    /// linked).
    pub const fn fixed(name: &'static str, tock: Tock, hooks: H) -> Self {
        Self::shaped(name, tock, hooks)
    }
}

impl<'a, const N: usize, H: Hooks, S: Shape> DoDoer<'a, N, H, S> {
    const fn shaped(name: &'static str, tock: Tock, hooks: H) -> Self {
        DoDoer {
            name,
            sched: Sched::new(name, tock),
            always: false,
            last: false,
            hooks,
        }
    }
    /// hio's `always`: keep running when no child is left.
    pub fn set_always(&mut self, always: bool) {
        self.always = always;
    }
    /// Lists a child to be entered when the DoDoer is entered.
    ///
    /// # Errors
    ///
    /// [`Error::Capacity`] when `N` children are listed already.
    pub fn add(&mut self, doer: &'a mut dyn Doer) -> Result<(), Error> {
        self.sched.add(doer)
    }
    /// Its tock.
    pub fn tock(&self) -> Tock {
        self.sched.tock
    }
    /// Names of the listed children, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.sched.names()
    }
    /// The done value of the listed child with this name.
    pub fn done_of(&self, name: &str) -> Option<Done> {
        self.sched.done_of(name)
    }
    /// The hooks.
    pub fn hooks(&mut self) -> &mut H {
        &mut self.hooks
    }
    /// The hooks, read-only.
    pub fn hooks_ref(&self) -> &H {
        &self.hooks
    }
}

/// Builds the context for a DoDoer's own hooks and its children: `here` is
/// the DoDoer's scheduler, `up` the context the DoDoer itself was given.
macro_rules! inside {
    ($sched:expr, $cx:expr) => {
        Cx::new(
            $cx.tyme,
            $cx.tracer,
            Frame {
                sched: &mut $sched,
                up: Some(&mut *$cx),
            },
        )
    };
}

impl<'a, const N: usize, H: Hooks, S: Shape> Doer for DoDoer<'a, N, H, S> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.last = false;
        let (tyme, tracer) = (cx.tyme, cx.tracer);
        self.hooks.enter(&mut inside!(self.sched, cx))?;
        self.sched.enter_all(tyme, tracer, Some(&mut *cx))?;
        Ok(Recur::Again(self.sched.tock))
    }

    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let (tyme, tracer) = (cx.tyme, cx.tracer);
        self.hooks.recur(&mut inside!(self.sched, cx))?;
        self.last = self.sched.pass(tyme, tracer, Some(&mut *cx))?;
        if self.last && !self.always {
            Ok(Recur::Done(true))
        } else {
            Ok(Recur::Again(self.sched.tock))
        }
    }

    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.hooks.clean(&mut inside!(self.sched, cx));
    }

    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.hooks.cease(&mut inside!(self.sched, cx));
    }

    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        self.hooks.abort(&mut inside!(self.sched, cx), error);
    }

    fn exit(&mut self, cx: &mut Cx<'_>) {
        let (tyme, tracer) = (cx.tyme, cx.tracer);
        self.sched.exit_all(tyme, tracer, Some(&mut *cx));
        self.hooks.exit(&mut inside!(self.sched, cx));
    }

    fn reported_done(&self) -> Done {
        Done::from_bool(self.last)
    }

    fn container(&mut self) -> Option<&mut dyn Container> {
        Some(&mut self.sched)
    }
}
