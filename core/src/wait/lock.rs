//! [`Lock`]: a mutual-exclusion token for a resource shared by doers
//! (gensyncio's and asyncio's `Lock`), first come first served.

use core::cell::Cell;

use super::{Timeout, wait_for};
use crate::codoer::Co;
use crate::error::Error;

/// Most tickets (holder plus waiters) one [`Lock`] keeps track of.
const WINDOW: u32 = 64;

/// A mutual-exclusion token for a resource that several doers use in turn
/// over several steps (a bus, a display, a modem in the middle of a
/// command): gensyncio's `Lock`.
///
/// It is a ticket lock, so it is **first come, first served**: the doers
/// get the lock in the order in which they asked for it, and the order in
/// which they asked is decided by the schedule (round-robin order within a
/// pass, pass after pass). A doer that releases the lock and asks again at
/// once goes to the back of the line; nobody starves. When the holder
/// releases, the next in line holds it from that moment (its turn is
/// reserved) and notices in its next step: in the same pass if it runs after
/// the releaser, else in the next pass.
///
/// Holding is a [`LockGuard`]: dropping it releases the lock, so a
/// coroutine doer that is closed while it holds the lock (removed, its
/// parent ceasing, an error) releases it as its future is dropped, and a
/// waiter that is closed gives up its place in line.
///
/// ```
/// use core::{cell::RefCell, pin::pin};
/// use hio::{Co, CoDoer, Doist, Error, Lock, Timeout, Tock};
/// use hio::wait;
///
/// let bus = Lock::new();
/// let log = RefCell::new(Vec::new());
/// let (co_a, co_b) = (Co::new(), Co::new());
/// // each holds the bus for 20 ms, twice
/// let a = pin!(Some(async {
///     co_a.tock(Tock::ZERO).await;
///     for _ in 0..2 {
///         let _held = bus.lock(&co_a, Timeout::Never).await?;
///         log.borrow_mut().push(("a", co_a.tyme().as_millis()));
///         wait::sleep(&co_a, Tock::from_millis(20)).await; // two steps
///     } // guard dropped here: released
///     Ok(true)
/// }));
/// let b = pin!(Some(async {
///     co_b.tock(Tock::ZERO).await;
///     for _ in 0..2 {
///         let _held = bus.lock(&co_b, Timeout::Never).await?;
///         log.borrow_mut().push(("b", co_b.tyme().as_millis()));
///         wait::sleep(&co_b, Tock::from_millis(20)).await;
///     }
///     Ok(true)
/// }));
/// let mut a = CoDoer::new("a", &co_a, a);
/// let mut b = CoDoer::new("b", &co_b, b);
/// let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
/// doist.add(&mut a)?;
/// doist.add(&mut b)?;
/// assert_eq!(doist.run(None), Ok(true));
/// drop(doist);
/// // turns alternate: b asked while a held it, a asked again behind b.
/// // b, running after a, takes its turn in the pass a releases (20, 70);
/// // a, running before b, notices its turn one pass later (50, not 40).
/// assert_eq!(*log.borrow(), [("a", 0), ("b", 20), ("a", 50), ("b", 70)]);
/// # Ok::<(), Error>(())
/// ```
///
/// # Contract
///
/// * **Contexts.** [`try_lock`](Self::try_lock) and
///   [`ticket`](Self::ticket) from any doer context or outside the
///   scheduler; [`lock`](Self::lock) inside a coroutine doer.
/// * **Order.** First come, first served, as above; deterministic.
/// * **Capacity.** At most 64 tickets (the holder and the waiters) at once;
///   one more fails with [`Error::Capacity`].
/// * **Cancel/abort.** Dropping a [`LockGuard`] releases; dropping a
///   [`Ticket`] (or a pending `lock`) gives up the place in line.
/// * **Bounded work.** O(1) per call and per step of a wait (a release that
///   skips given-up tickets does at most 64 shifts).
/// * Not `Sync`, not for interrupt handlers: a doer-level token.
#[derive(Debug, Default)]
pub struct Lock {
    /// The ticket whose turn it is.
    serving: Cell<u32>,
    /// The next ticket to hand out; `serving == next` means free.
    next: Cell<u32>,
    /// Bit k set: ticket `serving + k` was given up.
    abandoned: Cell<u64>,
    /// The serving ticket has been turned into a guard.
    claimed: Cell<bool>,
}

impl Lock {
    /// A free lock.
    pub const fn new() -> Self {
        Lock {
            serving: Cell::new(0),
            next: Cell::new(0),
            abandoned: Cell::new(0),
            claimed: Cell::new(false),
        }
    }

    /// True when someone holds it or has the turn or waits for it.
    pub fn is_locked(&self) -> bool {
        self.serving.get() != self.next.get()
    }

    /// True while a guard holds it.
    pub fn is_held(&self) -> bool {
        self.is_locked() && self.claimed.get()
    }

    /// Doers in line for it (not counting the holder).
    pub fn waiting(&self) -> usize {
        let outstanding = self.next.get().wrapping_sub(self.serving.get());
        let given_up = self.abandoned.get().count_ones();
        (outstanding
            .saturating_sub(u32::from(self.claimed.get()))
            .saturating_sub(given_up)) as usize
    }

    /// Takes the lock if it is free and nobody waits for it.
    pub fn try_lock(&self) -> Option<LockGuard<'_>> {
        if self.is_locked() {
            return None;
        }
        self.next.set(self.next.get().wrapping_add(1));
        self.claimed.set(true);
        Some(LockGuard { lock: self })
    }

    /// Takes a place in line: the plain-doer form of [`lock`](Self::lock).
    /// Keep the [`Ticket`] in the doer and try [`Ticket::claim`] in each
    /// `recur`.
    ///
    /// # Errors
    ///
    /// [`Error::Capacity`] when 64 tickets are out already.
    pub fn ticket(&self) -> Result<Ticket<'_>, Error> {
        let next = self.next.get();
        if next.wrapping_sub(self.serving.get()) >= WINDOW {
            return Err(Error::Capacity);
        }
        self.next.set(next.wrapping_add(1));
        Ok(Ticket {
            lock: self,
            number: next,
        })
    }

    /// Waits for the lock, first come first served; returns the guard that
    /// holds it. Returns at once, without yielding, when the lock is free
    /// and nobody is in line.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if the timeout passes first (the place in line is
    /// given up); [`Error::Capacity`] when 64 tickets are out already.
    pub async fn lock(&self, co: &Co, timeout: Timeout<'_>) -> Result<LockGuard<'_>, Error> {
        let mut ticket = Some(self.ticket()?);
        wait_for(co, timeout, |_| {
            let Some(t) = ticket.take() else {
                return Err(Error::Misuse);
            };
            match t.claim() {
                Ok(guard) => Ok(Some(guard)),
                Err(t) => {
                    ticket = Some(t);
                    Ok(None)
                }
            }
        })
        .await
    }

    /// Passes the turn to the next ticket that was not given up.
    fn advance(&self) {
        let next = self.next.get();
        let mut serving = self.serving.get();
        let mut abandoned = self.abandoned.get();
        loop {
            serving = serving.wrapping_add(1);
            abandoned >>= 1;
            if serving == next || abandoned & 1 == 0 {
                break;
            }
        }
        self.serving.set(serving);
        self.abandoned.set(abandoned);
        self.claimed.set(false);
    }

    fn give_up(&self, number: u32) {
        let k = number.wrapping_sub(self.serving.get());
        if k == 0 {
            self.advance();
        } else if k < WINDOW {
            self.abandoned
                .set(self.abandoned.get() | 1u64.checked_shl(k).unwrap_or(0));
        }
    }
}

/// A place in line for a [`Lock`] (from [`Lock::ticket`]). Dropping it gives
/// the place up.
#[must_use = "dropping a ticket gives up the place in line"]
#[derive(Debug)]
pub struct Ticket<'l> {
    lock: &'l Lock,
    number: u32,
}

impl<'l> Ticket<'l> {
    /// True when it is this ticket's turn: [`claim`](Self::claim) will
    /// succeed.
    pub fn is_turn(&self) -> bool {
        self.lock.serving.get() == self.number
    }

    /// Holds the lock if it is this ticket's turn; otherwise hands the
    /// ticket back.
    ///
    /// # Errors
    ///
    /// `Err(self)` when it is not its turn yet.
    pub fn claim(self) -> Result<LockGuard<'l>, Ticket<'l>> {
        if !self.is_turn() {
            return Err(self);
        }
        let lock = self.lock;
        lock.claimed.set(true);
        core::mem::forget(self); // its turn is now the guard's; nothing to give up
        Ok(LockGuard { lock })
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.lock.give_up(self.number);
    }
}

/// Holds a [`Lock`]; dropping it releases the lock to the next in line.
#[must_use = "dropping the guard releases the lock at once"]
#[derive(Debug)]
pub struct LockGuard<'l> {
    lock: &'l Lock,
}

impl LockGuard<'_> {
    /// Releases the lock (the same as dropping the guard).
    pub fn release(self) {}
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.lock.advance();
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Lock {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Lock {{ held: {=bool}, waiting: {=usize} }}",
            self.is_held(),
            self.waiting()
        );
    }
}
