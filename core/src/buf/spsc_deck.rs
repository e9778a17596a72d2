//! [`SpscDeck`]: a FIFO of items split between an interrupt handler and a
//! doer, on `heapless::spsc::Queue`.
//!
//! Compiled where heapless has its spsc queue: targets with atomic CAS,
//! the ARM targets without it that heapless knows have atomic load/store
//! (thumbv6m, armv4t, armv5te), and any target with hio's `portable-atomic`
//! feature. Other targets without CAS (riscv32imc/riscv32i, such as the
//! ESP32-C3) need the `portable-atomic` feature for it.

use core::fmt;

use super::Fill;

/// A FIFO of items in `N` slots, holding up to **`N - 1`** items, that
/// splits into a [`DeckProducer`] (for an interrupt handler) and a
/// [`DeckConsumer`] (for a doer).
///
/// It wraps `heapless::spsc::Queue`, which keeps one slot empty to tell
/// full from empty without a shared counter; hence `N - 1`
/// ([`capacity`](Self::capacity) says so). Make `N` a power of two for the
/// cheapest index arithmetic. `N` must be at least 2.
///
/// ```
/// use hio::buf::SpscDeck;
/// let mut q: SpscDeck<u16, 4> = SpscDeck::new();
/// assert_eq!(q.capacity(), 3);
/// let (mut tx, mut rx) = q.split();
/// // in the interrupt handler:
/// tx.push(7).unwrap();
/// tx.push(8).unwrap();
/// // in the doer's recur:
/// assert_eq!(rx.pull(), Some(7));
/// assert_eq!(rx.len(), 1);
/// ```
///
/// # Contract
///
/// * **Contexts.** The producer may live in an interrupt handler (or another
///   thread: the halves are `Send` when `T` is), the consumer in a doer, or
///   the other way round. Neither ever blocks or spins.
/// * **Back pressure.** A push that does not fit returns the item: the
///   handler decides (count an overrun, drop the newest knowingly). Nothing
///   is overwritten.
/// * **Bounded work.** Every operation is O(1).
/// * **Cancel/abort.** Items stay in the queue when a doer ceases.
pub struct SpscDeck<T, const N: usize> {
    q: heapless::spsc::Queue<T, N>,
}

impl<T, const N: usize> SpscDeck<T, N> {
    /// An empty queue (usable in a `static`).
    pub const fn new() -> Self {
        SpscDeck {
            q: heapless::spsc::Queue::new(),
        }
    }

    /// Splits into the producer and the consumer half. Borrowing `self`
    /// mutably makes sure there is only one of each.
    pub fn split(&mut self) -> (DeckProducer<'_, T>, DeckConsumer<'_, T>) {
        let (p, c) = self.q.split();
        (DeckProducer { p }, DeckConsumer { c })
    }

    /// Appends `item` (before splitting, or while not split).
    ///
    /// # Errors
    ///
    /// `Err(item)` when full.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.q.enqueue(item)
    }

    /// Removes and returns the oldest item.
    #[inline]
    pub fn pull(&mut self) -> Option<T> {
        self.q.dequeue()
    }

    /// The oldest item, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.q.peek()
    }

    /// Items in the queue.
    #[inline]
    pub fn len(&self) -> usize {
        self.q.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    /// True when full.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.q.is_full()
    }

    /// Room left.
    #[inline]
    pub fn free(&self) -> usize {
        self.capacity() - self.len()
    }

    /// The fixed capacity: `N - 1` items.
    #[inline]
    pub const fn capacity(&self) -> usize {
        N - 1
    }
}

super::queue_impls!([T, const N: usize] SpscDeck<T, N>, T);

impl<T, const N: usize> Default for SpscDeck<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for SpscDeck<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.q.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<T, const N: usize> defmt::Format for SpscDeck<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "SpscDeck({=usize}/{=usize})", self.len(), N - 1);
    }
}

/// The producer half of a [`SpscDeck`]: pushes at the back.
pub struct DeckProducer<'q, T> {
    p: heapless::spsc::Producer<'q, T>,
}

impl<T> DeckProducer<'_, T> {
    /// Appends `item`.
    ///
    /// # Errors
    ///
    /// `Err(item)` when full; nothing changed.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.p.enqueue(item)
    }
    /// Items in the queue (an upper bound: the consumer may have pulled).
    #[inline]
    pub fn len(&self) -> usize {
        self.p.len()
    }
    /// True when nothing is in the queue (the consumer may have pulled more).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.p.is_empty()
    }
    /// True when a push would fail now.
    #[inline]
    pub fn is_full(&self) -> bool {
        !self.p.ready()
    }
    /// Room left (a lower bound).
    #[inline]
    pub fn free(&self) -> usize {
        self.p.capacity().saturating_sub(self.p.len())
    }
    /// The fixed capacity (`N - 1`).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.p.capacity()
    }
}

/// The consumer half of a [`SpscDeck`]: pulls from the front.
pub struct DeckConsumer<'q, T> {
    c: heapless::spsc::Consumer<'q, T>,
}

impl<T> DeckConsumer<'_, T> {
    /// Removes and returns the oldest item.
    #[inline]
    pub fn pull(&mut self) -> Option<T> {
        self.c.dequeue()
    }
    /// The oldest item, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.c.peek()
    }
    /// Items in the queue (a lower bound: the producer may have pushed).
    #[inline]
    pub fn len(&self) -> usize {
        self.c.len()
    }
    /// True when there is nothing to pull now.
    #[inline]
    pub fn is_empty(&self) -> bool {
        !self.c.ready()
    }
    /// Room left (an upper bound).
    #[inline]
    pub fn free(&self) -> usize {
        self.c.capacity().saturating_sub(self.c.len())
    }
    /// The fixed capacity (`N - 1`).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.c.capacity()
    }
}

impl<T> Fill for DeckProducer<'_, T> {
    fn len(&self) -> usize {
        DeckProducer::len(self)
    }
    fn capacity(&self) -> usize {
        DeckProducer::capacity(self)
    }
}

impl<T> Fill for DeckConsumer<'_, T> {
    fn len(&self) -> usize {
        DeckConsumer::len(self)
    }
    fn capacity(&self) -> usize {
        DeckConsumer::capacity(self)
    }
}
