//! The context handed to every doer hook: tyme, and the operations on the
//! tree (extend, remove, tock) that hio lets a doer perform while it runs.

use crate::doer::Doer;
use crate::error::Error;
use crate::trace::Tracer;
use crate::tyme::{Tock, Tyme};

/// Which scheduler an operation addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'n> {
    /// The scheduler that is running the caller (for a
    /// [`DoDoer`](crate::DoDoer)'s own hooks: that DoDoer itself).
    Here,
    /// The root [`Doist`](crate::Doist).
    Root,
    /// The nearest scheduler with this name: the caller's own scheduler and
    /// its ancestors, innermost first, and at each level the DoDoers below it
    /// that are not running right now (a sibling, for example).
    Named(&'n str),
}

/// A scheduler that doers can address: the [`Doist`](crate::Doist) and every
/// [`DoDoer`](crate::DoDoer). Reached through [`Cx`] or
/// [`Doist::find`](crate::Doist::find); implement it only to make a scheduler
/// of your own addressable.
pub trait Container {
    /// Its name (`"doist"` for the root unless renamed).
    fn name(&self) -> &str;
    /// Its tock: the tick of a Doist, the own tock of a DoDoer; also the
    /// delay of children that yield a zero tock.
    fn tock(&self) -> Tock;
    /// Changes its tock; takes effect at the next rescheduling that reads it.
    fn set_tock(&mut self, tock: Tock);
    /// True between its enter and its exit: only then can it be extended.
    fn is_live(&self) -> bool;
    /// hio's `extend`: enters `doers` now, at `tyme`, lists them, and queues
    /// those that did not finish inside enter. See [`Cx::extend`].
    /// [`Error::Misuse`] on a [`Fixed`] scheduler.
    fn extend_from(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        doers: &mut dyn ExactSizeIterator<Item = &'static mut dyn Doer>,
    ) -> Result<(), Error>;
    /// hio's `remove`: unlists the doers with these names and force closes
    /// those that have a deed. See [`Cx::remove`]. [`Error::Misuse`] on a
    /// [`Fixed`] scheduler.
    fn remove_named(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        names: &[&str],
    ) -> Result<usize, Error>;
    /// A scheduler with this name among its children (recursively) that is
    /// not running right now.
    fn find(&mut self, name: &str) -> Option<&mut dyn Container>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Dynamic {}
    impl Sealed for super::Fixed {}
}

/// Whether a scheduler's doers list can change while it runs: the last
/// type parameter of [`Doist`](crate::Doist) and [`DoDoer`](crate::DoDoer),
/// [`Dynamic`] unless you say otherwise. Sealed: [`Dynamic`] and [`Fixed`]
/// are the two shapes.
pub trait Shape: sealed::Sealed {
    /// True when doers can be extended and removed at run time.
    const DYNAMIC: bool;
}

/// hio's behaviour, and the default: doers can be extended into and removed
/// from the scheduler while it runs ([`Cx::extend`], [`Cx::remove`],
/// [`Doist::extend`](crate::Doist::extend),
/// [`Doist::remove`](crate::Doist::remove)).
#[derive(Clone, Copy, Debug, Default)]
pub struct Dynamic;

/// A tree built before the run that never changes: extending or removing
/// at run time is [`Error::Misuse`], and the code that would do it is not
/// linked. For firmware with a tight flash budget: every [`Cx`] can reach
/// its scheduler's `extend` and `remove`, so with [`Dynamic`] they are
/// linked whether a doer calls them or not (about 1.5 KiB on thumbv7m).
/// Everything else (tocks, lookups by name, done flags, the life cycle) is
/// the same.
///
/// ```
/// use hio::{Cx, DoDoer, Doist, Error, Fixed, Recur, Target, Tock};
///
/// let mut grow = hio::Doify::new("grow", |cx: &mut Cx<'_>, _| {
///     // a Fixed scheduler cannot grow
///     assert_eq!(cx.remove(Target::Here, &["x"]), Err(Error::Misuse));
///     Ok(Recur::Done(true))
/// });
/// let mut group: DoDoer<'_, 2, (), Fixed> = DoDoer::fixed("group", Tock::ZERO, ());
/// group.add(&mut grow)?;
/// let mut doist: Doist<'_, 2, Fixed> = Doist::fixed(Tock::from_millis(10));
/// doist.add(&mut group)?;
/// assert!(doist.run(Some(Tock::from_secs(1)))?);
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Fixed;

impl Shape for Dynamic {
    const DYNAMIC: bool = true;
}

impl Shape for Fixed {
    const DYNAMIC: bool = false;
}

/// One level of the chain of schedulers above a running doer: what a
/// [`Cx`] holds after its tyme and tracer. Only the crate implements it (it
/// is public so that it can be [`Cx`]'s default parameter, and unnameable
/// outside the crate, so it is sealed): a running scheduler's frame, and
/// [`Detached`].
pub trait Scope {
    /// The scheduler at this level, if any.
    fn here(&mut self) -> Option<&mut dyn Container>;
    /// The level above, if any.
    fn up(&mut self) -> Option<&mut dyn Scope>;
    /// This level as a trait object.
    fn as_dyn(&mut self) -> &mut dyn Scope;
}

/// The scope of a context with no scheduler around it (see
/// [`Cx::detached`]): every tree operation is [`Error::NoTarget`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detached;

impl Scope for Detached {
    fn here(&mut self) -> Option<&mut dyn Container> {
        None
    }
    fn up(&mut self) -> Option<&mut dyn Scope> {
        None
    }
    fn as_dyn(&mut self) -> &mut dyn Scope {
        self
    }
}

/// What a doer hook receives: the tyme, and a handle on the running tree.
///
/// # Contract
///
/// * Operations take effect during the call, as in hio: `extend` enters the
///   new doers before it returns, `remove` closes the removed ones before it
///   returns, `set_tock` is read by the next rescheduling.
/// * An error from an operation (a new doer failing in its enter, a
///   capacity, an unknown target) is returned to the caller; return it from
///   `recur` with `?` and the caller aborts, as in hio.
/// * A doer entered by an `extend` whose target was found by name outside
///   the caller's own chain sees only that target (not its ancestors) during
///   that enter.
///
/// Hooks take `&mut Cx<'_>`; the second type parameter is an
/// implementation detail, always the default there. A scheduler builds one
/// `Cx` per pass, holding its frame (itself and the chain above it) by
/// value, and lends it to each step as it is: a step costs the scheduler a
/// pointer, not a context. A hook cannot replace or move the `Cx` it is
/// lent (it is unsized behind the reference), so the next step gets the
/// same one.
pub struct Cx<'c, F: ?Sized + Scope + 'c = dyn Scope + 'c> {
    pub(crate) tyme: Tyme,
    pub(crate) tracer: Option<&'c dyn Tracer>,
    pub(crate) scope: F,
}

fn level_has(scope: &mut dyn Scope, name: &str) -> bool {
    match scope.here() {
        Some(c) => c.name() == name || c.find(name).is_some(),
        None => false,
    }
}

fn locate<'s>(scope: &'s mut dyn Scope, target: Target<'_>) -> Option<&'s mut dyn Container> {
    match target {
        Target::Here => scope.here(),
        Target::Root => {
            let has_up = scope.up().is_some_and(|u| u.here().is_some());
            if has_up {
                locate(scope.up()?, Target::Root)
            } else {
                scope.here()
            }
        }
        Target::Named(name) => {
            if level_has(scope, name) {
                let c = scope.here()?;
                if c.name() == name {
                    return Some(c);
                }
                return c.find(name);
            }
            locate(scope.up()?, target)
        }
    }
}

impl Cx<'static, Detached> {
    /// A context with no scheduler around it: for calling hooks by hand
    /// (tests, a doer driven without a scheduler). Pass `&mut` it where a
    /// hook wants `&mut Cx<'_>`.
    ///
    /// ```
    /// use hio::{Cx, Doer, Recur, Tyme};
    ///
    /// let mut ticks = 0;
    /// let mut doer = hio::Doify::new("count", |_cx: &mut Cx<'_>, _| {
    ///     ticks += 1;
    ///     Ok(Recur::NEXT)
    /// });
    /// let mut cx = Cx::detached(Tyme::ZERO);
    /// assert_eq!(doer.recur(&mut cx), Ok(Recur::NEXT));
    /// assert_eq!(cx.tyme(), Tyme::ZERO);
    /// drop(doer);
    /// assert_eq!(ticks, 1);
    /// ```
    pub fn detached(tyme: Tyme) -> Self {
        Cx {
            tyme,
            tracer: None,
            scope: Detached,
        }
    }
}

impl<'c, F: Scope + 'c> Cx<'c, F> {
    #[inline(always)]
    pub(crate) fn new(tyme: Tyme, tracer: Option<&'c dyn Tracer>, scope: F) -> Self {
        Cx {
            tyme,
            tracer,
            scope,
        }
    }
}

impl<'c, F: ?Sized + Scope + 'c> Cx<'c, F> {
    /// The root tyme now (the same for every doer in a pass).
    pub fn tyme(&self) -> Tyme {
        self.tyme
    }

    /// The tracer attached to the root, if any.
    pub fn tracer(&self) -> Option<&'c dyn Tracer> {
        self.tracer
    }

    /// The scheduler addressed by `target`, if reachable.
    pub fn container(&mut self, target: Target<'_>) -> Option<&mut dyn Container> {
        locate(self.scope.as_dyn(), target)
    }

    /// hio's `extend`: enters `doers` into the target scheduler now, at the
    /// current tyme, appends them to its doers list, and queues those that
    /// did not finish inside enter.
    ///
    /// If the target is in the middle of its pass (the caller runs inside
    /// it) the new doers first recur on its next pass, placed before the
    /// caller; otherwise they join the end of its queue and, being due, run
    /// when it next runs (later in this same root pass for a sibling DoDoer
    /// that has not run yet).
    ///
    /// Doers added from inside the tree must be `'static` (a `static`, a
    /// `StaticCell`, or `Box::leak` on the host): the tree outlives the step
    /// that adds them.
    ///
    /// # Errors
    ///
    /// [`Error::NoTarget`] if the target is not reachable or not running;
    /// [`Error::Capacity`] if they do not all fit (nothing is entered then);
    /// otherwise the error of the first new doer that failed in its enter (it
    /// has run its abort and exit; the ones entered before it in this call
    /// are closed and nothing is listed — hio would orphan them).
    pub fn extend<I>(&mut self, target: Target<'_>, doers: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = &'static mut dyn Doer>,
        I::IntoIter: ExactSizeIterator,
    {
        let tyme = self.tyme;
        let tracer = self.tracer;
        let c = self.container(target).ok_or(Error::NoTarget)?;
        if !c.is_live() {
            return Err(Error::NoTarget);
        }
        c.extend_from(tyme, tracer, &mut doers.into_iter())
    }

    /// hio's `remove`: unlists every doer of the target whose name is in
    /// `names`, then force closes (cease, exit) those that have a deed, in
    /// hio's order (mid-pass: those that already ran this pass, last first,
    /// then those that have not, last first). A doer that is running right
    /// now (the caller itself, or an ancestor of it) is only unlisted and
    /// keeps running, as in hio. Returns how many doers were unlisted.
    ///
    /// # Errors
    ///
    /// [`Error::NoTarget`] if the target is not reachable.
    pub fn remove(&mut self, target: Target<'_>, names: &[&str]) -> Result<usize, Error> {
        let tyme = self.tyme;
        let tracer = self.tracer;
        let c = self.container(target).ok_or(Error::NoTarget)?;
        c.remove_named(tyme, tracer, names)
    }

    /// Sets the tock of the target scheduler (`Target::Root`: the doist's
    /// tick, read by the tick at the end of this very pass).
    ///
    /// # Errors
    ///
    /// [`Error::NoTarget`] if the target is not reachable.
    pub fn set_tock(&mut self, target: Target<'_>, tock: Tock) -> Result<(), Error> {
        self.container(target)
            .ok_or(Error::NoTarget)?
            .set_tock(tock);
        Ok(())
    }

    /// The tock of the target scheduler.
    ///
    /// # Errors
    ///
    /// [`Error::NoTarget`] if the target is not reachable.
    pub fn tock(&mut self, target: Target<'_>) -> Result<Tock, Error> {
        Ok(self.container(target).ok_or(Error::NoTarget)?.tock())
    }
}
