//! Waiting, the hio way: sleeps, conditions, latches, locks and buffer
//! waits for coroutine doers, with plain-doer equivalents.
//!
//! Users of asyncio-style libraries (asyncio, Curio, Trio, gensyncio,
//! henrio) expect `await sleep(d)`, `await event.wait()`, `async with lock`,
//! `await queue.get()`, `await queue.join()` and `wait_for(..., timeout)`.
//! Here they are, expressed in hio's deterministic model:
//!
//! | asyncio / gensyncio | hio coroutine doer | plain doer equivalent |
//! |---------------------|--------------------|-----------------------|
//! | `await sleep(d)` | [`sleep(&co, d)`](sleep), [`sleep_until`] | [`Sleep`] |
//! | `await wait_for(cond, t)`, henrio conditionals | [`until(&co, cond, t)`](until) | check `cond` in `recur`, [`Deadline`] |
//! | `Event` | [`Latch::wait`] | [`Latch::is_set`], [`Latch::watch`] |
//! | `Lock` | [`Lock::lock`] | [`Lock::try_lock`], [`Lock::ticket`] |
//! | `await q.get()` / `await q.put(x)` | [`pull`], [`push`] | `Deck::pull` / `Deck::push` in `recur` |
//! | "wait for an item / for room" | [`items`], [`room`] | `len()` / `free()` in `recur` |
//! | `await q.join()` | [`join`] | [`TaskDeck::is_joined`](crate::buf::TaskDeck::is_joined) |
//! | `gather(a, b, c)` | [`Gather`](crate::Gather) (a DoDoer) | the same |
//!
//! ## How a wait works
//!
//! There is no executor and no waker: a coroutine doer is polled by its
//! scheduler once per step (see [`CoDoer`](crate::CoDoer)). A wait is a loop
//! that checks its condition and, when it does not hold yet, ends the step
//! with [`Co::tock`] and checks again when the doer next runs. So:
//!
//! * **Who wakes first is decided by the schedule order.** Every waiter
//!   re-checks when its doer runs; doers run in the fixed round-robin order
//!   of their scheduler. When a doer sets a [`Latch`], the waiters that run
//!   *after* it in the same pass see it in that pass, in schedule order; the
//!   ones that ran *before* it see it in the next pass, again in schedule
//!   order. Nothing depends on thread timing or a wall clock, so the same
//!   tree gives the same wake order every run.
//! * **Waiting costs one step per pass** (a few comparisons), except
//!   [`sleep`], which yields the remaining tyme so its doer is not due
//!   until then (a real-time driver can sleep through it).
//! * **Timeouts are measured in tyme** ([`Timeout`]): on the scheduler's
//!   tyme as the coroutine sees it ([`Co::tyme`]), or on a [`Tymer`] of your
//!   own. A wait that times out returns [`Error::Timeout`]; `?` turns that
//!   into an abort of the doer, or handle it.
//! * **Cancellation is dropping.** A coroutine doer that is closed from
//!   outside (removed, its parent ceasing, a sibling's error) drops its
//!   future, and with it whatever wait was pending: a pending [`Lock`]
//!   ticket gives up its place, a held [`LockGuard`] releases the lock, a
//!   pending [`push`] drops the item it still held. Nothing is left locked.
//!
//! ```
//! use core::{cell::RefCell, pin::pin};
//! use hio::{Co, CoDoer, Deck, Doist, Error, Latch, Timeout, Tock, Tyme};
//! use hio::wait;
//!
//! let deck: RefCell<Deck<u32, 2>> = RefCell::new(Deck::new());
//! let ready = Latch::new();
//!
//! // a producer: three items, one every 100 ms, then sets the latch
//! let (co_p, co_c) = (Co::new(), Co::new());
//! let producer = pin!(Some(async {
//!     co_p.tock(Tock::ZERO).await;
//!     for i in 0..3 {
//!         wait::push(&co_p, &deck, i, Timeout::Never).await.map_err(|r| r.error)?;
//!         wait::sleep(&co_p, Tock::from_millis(100)).await;
//!     }
//!     ready.set();
//!     Ok(true)
//! }));
//! // a consumer: pulls until the latch is set and the deck is empty
//! let got = RefCell::new(Vec::new());
//! let consumer = pin!(Some(async {
//!     co_c.tock(Tock::ZERO).await;
//!     loop {
//!         match wait::pull(&co_c, &deck, Timeout::After(Tock::from_millis(500))).await {
//!             Ok(item) => got.borrow_mut().push((item, co_c.tyme())),
//!             Err(Error::Timeout) if ready.is_set() => return Ok(true),
//!             Err(e) => return Err(e),
//!         }
//!     }
//! }));
//! let mut p = CoDoer::new("producer", &co_p, producer);
//! let mut c = CoDoer::new("consumer", &co_c, consumer);
//! let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(50));
//! doist.add(&mut p)?;
//! doist.add(&mut c)?;
//! assert_eq!(doist.run(None), Ok(true));
//! drop(doist);
//! // each item was pulled in the pass it was pushed (the consumer runs after the producer)
//! assert_eq!(
//!     *got.borrow(),
//!     [(0, Tyme::ZERO), (1, Tyme::from_millis(100)), (2, Tyme::from_millis(200))]
//! );
//! # Ok::<(), Error>(())
//! ```
//!
//! ## Plain doers
//!
//! A [`Doer`](crate::Doer) has no `.await`: it keeps the state of its wait
//! in a field and checks it in every `recur`. [`Sleep`] and [`Deadline`] are
//! that state for sleeps and timeouts; [`Latch::watch`], [`Lock::ticket`]
//! and [`Lock::try_lock`] for latches and locks; for buffers, `len()` and
//! `free()` are the check.

mod latch;
mod lock;

use core::cell::RefCell;

pub use latch::{Latch, Watch};
pub use lock::{Lock, LockGuard, Ticket};

use crate::buf::{Fill, Queue, TaskDeck};
use crate::codoer::Co;
use crate::error::Error;
use crate::tyme::{Tock, Tyme, Tymer};

/// When a wait gives up.
#[derive(Clone, Copy, Debug)]
pub enum Timeout<'t> {
    /// Never: wait for as long as it takes.
    Never,
    /// When this much tyme has passed since the wait began (on the tyme the
    /// coroutine sees, [`Co::tyme`], or the one a plain doer passes in).
    After(Tock),
    /// At or after this tyme.
    At(Tyme),
    /// When this timer has expired. A [`Tymer`] reads its own
    /// [`Tymist`](crate::Tymist), not the scheduler's tyme: keep that clock
    /// in step with the scheduler yourself (for example a first doer that
    /// sets it from `cx.tyme()` every pass).
    Tymer(&'t Tymer<'t>),
}

/// A [`Timeout`] fixed to the tyme its wait began: the plain-doer form of a
/// timeout. Start it when the wait starts, check it in every `recur`.
///
/// ```
/// use hio::wait::{Deadline, Timeout};
/// use hio::{Error, Tock, Tyme};
/// let d = Deadline::start(Timeout::After(Tock::from_secs(2)), Tyme::from_secs(10));
/// assert_eq!(d.check(Tyme::from_secs(11)), Ok(()));
/// assert_eq!(d.check(Tyme::from_secs(12)), Err(Error::Timeout));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Deadline<'t> {
    at: At<'t>,
}

#[derive(Clone, Copy, Debug)]
enum At<'t> {
    Never,
    Tyme(Tyme),
    Tymer(&'t Tymer<'t>),
}

impl<'t> Deadline<'t> {
    /// The deadline of a wait with `timeout` that begins at `now`.
    pub fn start(timeout: Timeout<'t>, now: Tyme) -> Self {
        let at = match timeout {
            Timeout::Never => At::Never,
            Timeout::After(span) => At::Tyme(now + span),
            Timeout::At(t) => At::Tyme(t),
            Timeout::Tymer(t) => At::Tymer(t),
        };
        Deadline { at }
    }

    /// A deadline that never expires.
    pub const fn never() -> Self {
        Deadline { at: At::Never }
    }

    /// True once the deadline has passed at `now` (`now >= deadline`; for a
    /// [`Tymer`], when it reports itself expired).
    pub fn expired(&self, now: Tyme) -> bool {
        match self.at {
            At::Never => false,
            At::Tyme(t) => now >= t,
            At::Tymer(t) => t.expired(),
        }
    }

    /// `Err(Error::Timeout)` once expired, for `?` in a `recur`.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] when [`expired`](Self::expired).
    pub fn check(&self, now: Tyme) -> Result<(), Error> {
        if self.expired(now) {
            Err(Error::Timeout)
        } else {
            Ok(())
        }
    }
}

/// A push that did not happen: the item, handed back, and why
/// ([`Error::Timeout`], or [`Error::Misuse`] if the buffer was borrowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected<T> {
    /// The item that was not pushed.
    pub item: T,
    /// Why.
    pub error: Error,
}

/// A plain doer's sleep: the tyme to wake at, checked in every `recur`
/// (the coroutine form is [`sleep`]).
///
/// ```
/// use hio::{Cx, Doer, Doist, Error, Recur, Tock, Tyme};
/// use hio::wait::Sleep;
///
/// /// Blinks every 300 ms, three times.
/// struct Blink { nap: Sleep, at: Vec<Tyme> }
/// impl Doer for Blink {
///     fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
///         if let Some(left) = self.nap.remaining(cx.tyme()) {
///             return Ok(Recur::Again(left));   // not yet: not due until then
///         }
///         self.at.push(cx.tyme());
///         if self.at.len() == 3 { return Ok(Recur::Done(true)); }
///         self.nap.start(cx.tyme(), Tock::from_millis(300));
///         Ok(Recur::NEXT)
///     }
/// }
/// let mut blink = Blink { nap: Sleep::new(), at: Vec::new() };
/// let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(100));
/// doist.add(&mut blink)?;
/// doist.run(None)?;
/// drop(doist);
/// assert_eq!(blink.at, [Tyme::ZERO, Tyme::from_millis(300), Tyme::from_millis(600)]);
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sleep {
    wake: Option<Tyme>,
}

impl Sleep {
    /// Not sleeping.
    pub const fn new() -> Self {
        Sleep { wake: None }
    }
    /// Sleeps from `now` for `span`.
    pub fn start(&mut self, now: Tyme, span: Tock) {
        self.wake = Some(now + span);
    }
    /// Sleeps until `wake`.
    pub fn start_until(&mut self, wake: Tyme) {
        self.wake = Some(wake);
    }
    /// Stops sleeping.
    pub fn stop(&mut self) {
        self.wake = None;
    }
    /// The tyme it wakes at, while it sleeps.
    pub fn wake(&self) -> Option<Tyme> {
        self.wake
    }
    /// While asleep at `now`: the tyme left, to return as
    /// `Recur::Again(left)` (the doer is then not due before it wakes).
    /// `None` when not sleeping or once `now` has reached the wake tyme (it
    /// then stops sleeping).
    pub fn remaining(&mut self, now: Tyme) -> Option<Tock> {
        match self.wake {
            Some(w) if now < w => Some(w.since(now)),
            _ => {
                self.wake = None;
                None
            }
        }
    }
}

/// Sleeps for `span` of tyme: ends the current step and returns the tyme of
/// the first step at or after `start + span` (`start` being the tyme of the
/// step that called it). Always yields at least once: `sleep(&co,
/// Tock::ZERO)` is "yield until my scheduler's next run", asyncio's
/// `sleep(0)`.
///
/// # Contract
///
/// * **Contexts.** Inside the `async` block of a [`CoDoer`](crate::CoDoer),
///   with that doer's [`Co`].
/// * **Timing.** It yields the remaining tyme as its tock, so the doer is
///   not due before the wake tyme (no wasted steps, and a real-time driver
///   may sleep through); it wakes in the first pass of its scheduler at or
///   after the wake tyme. If the doer was already behind its own schedule,
///   it may be woken early and then simply yields the rest again.
/// * **Cancel/abort.** Nothing to undo: dropping it mid-sleep is fine.
/// * **Bounded work.** O(1) per step.
pub async fn sleep(co: &Co, span: Tock) -> Tyme {
    sleep_until(co, co.tyme() + span).await
}

/// Sleeps until `wake`: as [`sleep`], with the wake tyme given.
///
/// # Contract
///
/// As for [`sleep`]; if `wake` has passed it still yields once.
pub async fn sleep_until(co: &Co, wake: Tyme) -> Tyme {
    let mut now = co.tyme();
    loop {
        now = co.tock(wake.since(now)).await;
        if now >= wake {
            return now;
        }
    }
}

/// Waits until `cond` holds (henrio's conditionals), checking it at once and
/// then once per step; returns the tyme at which it held.
///
/// The condition is checked before the timeout, so a condition that holds
/// in the step in which the deadline passes wins.
///
/// ```
/// use core::{cell::Cell, pin::pin};
/// use hio::{Co, CoDoer, Doist, Doify, Error, Phase, Recur, Timeout, Tock, Tyme};
/// use hio::wait;
///
/// let level = Cell::new(0);
/// let mut pump = Doify::new("pump", |_, phase| {
///     if phase == Phase::Recur { level.set(level.get() + 1); }
///     Ok(Recur::NEXT)
/// });
/// let co = Co::new();
/// let woke = Cell::new(None);
/// let fut = pin!(Some(async {
///     co.tock(Tock::ZERO).await;
///     let t = wait::until(&co, || level.get() >= 3, Timeout::After(Tock::from_secs(1))).await?;
///     woke.set(Some(t));
///     Ok(true)
/// }));
/// let mut watcher = CoDoer::new("watcher", &co, fut);
/// let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(100));
/// doist.add(&mut pump)?;
/// doist.add(&mut watcher)?;
/// doist.run(Some(Tock::from_secs(2)))?;
/// drop(doist);
/// assert_eq!(woke.get(), Some(Tyme::from_millis(200))); // pump ran at 0, .1, .2
/// # Ok::<(), Error>(())
/// ```
///
/// # Contract
///
/// * **Contexts.** Inside a coroutine doer, with its [`Co`].
/// * **Order.** Waiters wake in schedule order (see the module docs); it
///   does not yield at all when `cond` already holds.
/// * **Errors.** [`Error::Timeout`] when the deadline passes first.
/// * **Cancel/abort.** Nothing to undo.
/// * **Bounded work.** One call of `cond` per step.
pub async fn until<C>(co: &Co, mut cond: C, timeout: Timeout<'_>) -> Result<Tyme, Error>
where
    C: FnMut() -> bool,
{
    wait_for(co, timeout, |now| Ok(cond().then_some(now))).await
}

/// The loop under every wait: `step` returns `Ok(Some(r))` when done,
/// `Ok(None)` to wait another step, or an error to give up.
async fn wait_for<R>(
    co: &Co,
    timeout: Timeout<'_>,
    mut step: impl FnMut(Tyme) -> Result<Option<R>, Error>,
) -> Result<R, Error> {
    let deadline = Deadline::start(timeout, co.tyme());
    loop {
        let now = co.tyme();
        if let Some(r) = step(now)? {
            return Ok(r);
        }
        deadline.check(now)?;
        co.tock(Tock::ZERO).await;
    }
}

/// Waits until `buf` holds at least `n` items (or bytes).
///
/// # Contract
///
/// * **Contexts.** Inside a coroutine doer. `buf` is borrowed only while it
///   is checked, never across a step.
/// * **Errors.** [`Error::Capacity`] at once if `n` exceeds the capacity
///   (it could never hold); [`Error::Misuse`] if `buf` is mutably borrowed
///   when checked (someone held a borrow across an `.await`);
///   [`Error::Timeout`].
/// * **Order, cancel, bounded work.** As for [`until`].
pub async fn items<B: Fill + ?Sized>(
    co: &Co,
    buf: &RefCell<B>,
    n: usize,
    timeout: Timeout<'_>,
) -> Result<Tyme, Error> {
    wait_for(co, timeout, |now| {
        let b = buf.try_borrow().map_err(|_| Error::Misuse)?;
        if n > b.capacity() {
            return Err(Error::Capacity);
        }
        Ok((b.len() >= n).then_some(now))
    })
    .await
}

/// Waits until `buf` has room for at least `n` items (or bytes): what a
/// producer does on back pressure.
///
/// # Contract
///
/// As for [`items`].
pub async fn room<B: Fill + ?Sized>(
    co: &Co,
    buf: &RefCell<B>,
    n: usize,
    timeout: Timeout<'_>,
) -> Result<Tyme, Error> {
    wait_for(co, timeout, |now| {
        let b = buf.try_borrow().map_err(|_| Error::Misuse)?;
        if n > b.capacity() {
            return Err(Error::Capacity);
        }
        Ok((b.free() >= n).then_some(now))
    })
    .await
}

/// Waits for an item and pulls it (asyncio's `await queue.get()`), from any
/// [`Queue`]: a [`Deck`](crate::Deck), [`Stack`](crate::Stack),
/// [`PriorityQueue`](crate::PriorityQueue), [`TaskDeck`] or [`Ring`](crate::Ring).
///
/// # Contract
///
/// * **Contexts.** Inside a coroutine doer.
/// * **Order.** When several doers wait on one buffer, the one that runs
///   first in the schedule after an item arrives gets it.
/// * **Cancel/abort.** Cancel-safe: an item is taken out only in the step in
///   which it is returned, so dropping the wait loses nothing.
/// * **Errors.** [`Error::Timeout`]; [`Error::Misuse`] if `buf` is borrowed
///   when checked.
/// * **Bounded work.** O(1) per step.
pub async fn pull<T, B: Queue<T> + ?Sized>(
    co: &Co,
    buf: &RefCell<B>,
    timeout: Timeout<'_>,
) -> Result<T, Error> {
    wait_for(co, timeout, |_| {
        let mut b = buf.try_borrow_mut().map_err(|_| Error::Misuse)?;
        Ok(b.pull())
    })
    .await
}

/// Waits for room and pushes `item` (asyncio's `await queue.put(item)`).
///
/// # Contract
///
/// * **Contexts.** Inside a coroutine doer.
/// * **Back pressure.** While the buffer is full the doer waits; on timeout
///   the item comes back in [`Rejected`].
/// * **Cancel/abort.** If the coroutine is dropped while waiting, the item
///   (never pushed) is dropped with it.
/// * **Errors.** [`Error::Timeout`]; [`Error::Misuse`] if `buf` is borrowed
///   when checked; both hand the item back.
/// * **Bounded work.** O(1) per step.
pub async fn push<T, B: Queue<T> + ?Sized>(
    co: &Co,
    buf: &RefCell<B>,
    item: T,
    timeout: Timeout<'_>,
) -> Result<(), Rejected<T>> {
    let deadline = Deadline::start(timeout, co.tyme());
    let mut item = item;
    loop {
        let now = co.tyme();
        match buf.try_borrow_mut() {
            Ok(mut b) => match b.push(item) {
                Ok(()) => return Ok(()),
                Err(back) => item = back,
            },
            Err(_) => {
                return Err(Rejected {
                    item,
                    error: Error::Misuse,
                });
            }
        }
        if deadline.expired(now) {
            return Err(Rejected {
                item,
                error: Error::Timeout,
            });
        }
        co.tock(Tock::ZERO).await;
    }
}

/// Waits until every task pushed to `tasks` has been reported done
/// (asyncio's `await queue.join()`).
///
/// # Contract
///
/// As for [`until`]; [`Error::Misuse`] if `tasks` is mutably borrowed when
/// checked.
pub async fn join<T, const N: usize>(
    co: &Co,
    tasks: &RefCell<TaskDeck<T, N>>,
    timeout: Timeout<'_>,
) -> Result<Tyme, Error> {
    wait_for(co, timeout, |now| {
        let t = tasks.try_borrow().map_err(|_| Error::Misuse)?;
        Ok(t.is_joined().then_some(now))
    })
    .await
}

#[cfg(feature = "defmt")]
impl defmt::Format for Timeout<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Timeout::Never => defmt::write!(f, "Never"),
            Timeout::After(t) => defmt::write!(f, "After({=u64}ns)", t.as_nanos()),
            Timeout::At(t) => defmt::write!(f, "At({=u64}ns)", t.as_nanos()),
            Timeout::Tymer(t) => defmt::write!(f, "Tymer(stop {=u64}ns)", t.stop().as_nanos()),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Sleep {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self.wake {
            Some(w) => defmt::write!(f, "Sleep(until {=u64}ns)", w.as_nanos()),
            None => defmt::write!(f, "Sleep(idle)"),
        }
    }
}

#[cfg(feature = "defmt")]
impl<T: defmt::Format> defmt::Format for Rejected<T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Rejected({}, {})",
            self.item,
            defmt::Debug2Format(&self.error)
        );
    }
}
