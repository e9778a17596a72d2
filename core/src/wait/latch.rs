//! [`Latch`]: a flag one doer sets and others wait on (gensyncio's and
//! asyncio's `Event`).

use core::cell::Cell;

use super::{Timeout, wait_for};
use crate::codoer::Co;
use crate::error::Error;
use crate::tyme::Tyme;

/// A flag that one doer sets and others wait on (gensyncio's `Event`).
///
/// It lives outside the doers (on the stack beside them, or in a `static`
/// on firmware) and is shared by reference; its state is in `Cell`s, which
/// is all a cooperative, single-threaded scheduler needs. It is not `Sync`:
/// to signal from an interrupt handler use an atomic flag or an
/// [SPSC buffer](crate::buf::SpscRing).
///
/// * [`set`](Self::set) raises it, [`clear`](Self::clear) lowers it,
///   [`is_set`](Self::is_set) reads it.
/// * [`wait`](Self::wait) (coroutines) returns as soon as it is set, and
///   also when it was set and cleared again since the wait began (asyncio's
///   rule: a `set()` wakes everyone who was waiting at that moment, even if
///   `clear()` follows at once).
/// * [`watch`](Self::watch) (plain doers) records the moment, and
///   [`Watch::fired`] later tells whether it has been set since.
///
/// ```
/// use core::pin::pin;
/// use hio::{Co, CoDoer, Doify, Doist, Error, Latch, Phase, Recur, Timeout, Tock, Tyme};
///
/// let go = Latch::new();
/// let co = Co::new();
/// let fut = pin!(Some(async {
///     co.tock(Tock::ZERO).await;
///     let t = go.wait(&co, Timeout::Never).await?;
///     assert_eq!(t, Tyme::from_millis(300));
///     Ok(true)
/// }));
/// let mut waiter = CoDoer::new("waiter", &co, fut);
/// let mut starter = Doify::new("starter", |cx, phase| {
///     if phase == Phase::Recur && cx.tyme() == Tyme::from_millis(300) {
///         go.set();
///         return Ok(Recur::Done(true));
///     }
///     Ok(Recur::NEXT)
/// });
/// let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(100));
/// doist.add(&mut starter)?; // runs before the waiter: it wakes in the same pass
/// doist.add(&mut waiter)?;
/// assert_eq!(doist.run(None), Ok(true));
/// # Ok::<(), Error>(())
/// ```
///
/// # Contract
///
/// * **Contexts.** `set`, `clear`, `is_set` and `watch` from any doer
///   context (closing hooks included) or from outside the scheduler; `wait`
///   inside a coroutine doer.
/// * **Order.** Waiters wake in schedule order: those that run after the
///   setter in the same pass wake in that pass, the others in the next one.
/// * **Cancel/abort.** A waiter that is dropped leaves nothing behind.
/// * **Bounded work.** O(1) per call and per step of a wait.
#[derive(Debug, Default)]
pub struct Latch {
    set: Cell<bool>,
    /// How many times it went from clear to set (wrapping).
    raised: Cell<u32>,
}

impl Latch {
    /// A clear latch.
    pub const fn new() -> Self {
        Latch {
            set: Cell::new(false),
            raised: Cell::new(0),
        }
    }

    /// Sets it (no effect if set already).
    pub fn set(&self) {
        if !self.set.get() {
            self.set.set(true);
            self.raised.set(self.raised.get().wrapping_add(1));
        }
    }

    /// Clears it.
    pub fn clear(&self) {
        self.set.set(false);
    }

    /// True while set.
    pub fn is_set(&self) -> bool {
        self.set.get()
    }

    /// Starts watching: the plain-doer form of [`wait`](Self::wait). Keep
    /// the [`Watch`] in the doer and ask [`Watch::fired`] in each `recur`.
    pub fn watch(&self) -> Watch<'_> {
        Watch {
            latch: self,
            raised: self.raised.get(),
        }
    }

    /// Waits until it is set (or was set since the wait began); returns the
    /// tyme it noticed. Returns at once, without yielding, if it is set.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if the timeout passes first.
    pub async fn wait(&self, co: &Co, timeout: Timeout<'_>) -> Result<Tyme, Error> {
        let watch = self.watch();
        wait_for(co, timeout, |now| Ok(watch.fired().then_some(now))).await
    }
}

/// A watch on a [`Latch`], started by [`Latch::watch`].
#[derive(Clone, Copy, Debug)]
pub struct Watch<'l> {
    latch: &'l Latch,
    raised: u32,
}

impl Watch<'_> {
    /// True if the latch is set now, or was set at any moment since the
    /// watch began (even if cleared again).
    pub fn fired(&self) -> bool {
        self.latch.is_set() || self.latch.raised.get() != self.raised
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Latch {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Latch({=bool})", self.is_set());
    }
}
