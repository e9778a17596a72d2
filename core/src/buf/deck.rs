//! [`Deck`]: hio's FIFO deque of messages.

use core::fmt;

use super::queue_impls;

/// hio's deck: a FIFO deque of up to `N` items, for messages between doers.
///
/// Push at the back, pull from the front; [`push_front`](Self::push_front)
/// puts an item back at the head (an unread message, a retry). Built on
/// `heapless::Deque`, so it costs the same.
///
/// ```
/// use hio::buf::Deck;
/// let mut deck: Deck<&str, 3> = Deck::new();
/// deck.push("a").unwrap();
/// deck.push("b").unwrap();
/// deck.push_front("z").unwrap();
/// assert_eq!((deck.len(), deck.free(), deck.capacity()), (3, 0, 3));
/// assert_eq!(deck.push("c"), Err("c"));       // back pressure
/// assert_eq!(deck.peek(), Some(&"z"));
/// let all: Vec<_> = deck.drain().collect();
/// assert_eq!(all, ["z", "a", "b"]);
/// assert!(deck.is_empty());
/// ```
///
/// `N` must be at least 1 (a zero-capacity deck does not compile).
///
/// # Contract
///
/// * **Contexts.** A plain data structure: usable from any doer context
///   (enter, recur, the closing hooks) and outside the scheduler. Share it
///   between doers through a `RefCell` borrowed within a step.
/// * **Back pressure.** A push that does not fit returns the item; bulk
///   pushes return how many they took. Only
///   [`push_evicting`](Self::push_evicting) drops anything, and it returns
///   what it dropped.
/// * **Bounded work.** Every operation is O(1) except the bulk ones (O(items
///   moved)) and `clear` (O(len), it drops the items).
/// * **Cancel/abort.** Nothing is tied to the life cycle: items stay in the
///   deck when the doer that pushed them ceases or aborts.
pub struct Deck<T, const N: usize> {
    inner: heapless::Deque<T, N>,
}

impl<T, const N: usize> Deck<T, N> {
    /// An empty deck (usable in a `static`).
    pub const fn new() -> Self {
        Deck {
            inner: heapless::Deque::new(),
        }
    }

    /// Appends `item` at the back.
    ///
    /// # Errors
    ///
    /// `Err(item)` when full; the deck is unchanged.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.inner.push_back(item)
    }

    /// Puts `item` at the front, to be pulled next.
    ///
    /// # Errors
    ///
    /// `Err(item)` when full; the deck is unchanged.
    #[inline]
    pub fn push_front(&mut self, item: T) -> Result<(), T> {
        self.inner.push_front(item)
    }

    /// **Lossy, by name:** appends `item`; when full, first removes the
    /// oldest item and returns it (`None` when nothing had to go). For
    /// "latest values win" feeds such as sensor readings.
    #[inline]
    pub fn push_evicting(&mut self, item: T) -> Option<T> {
        let evicted = if self.inner.is_full() {
            self.inner.pop_front()
        } else {
            None
        };
        match self.inner.push_back(item) {
            Ok(()) => evicted,
            // unreachable with N >= 1: a slot was just freed; hand the item
            // back rather than lose it
            Err(item) => Some(item),
        }
    }

    /// Removes and returns the front item.
    #[inline]
    pub fn pull(&mut self) -> Option<T> {
        self.inner.pop_front()
    }

    /// Removes and returns the back item (the one pushed last).
    #[inline]
    pub fn pull_back(&mut self) -> Option<T> {
        self.inner.pop_back()
    }

    /// The front item, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.inner.front()
    }

    /// The front item, mutably.
    #[inline]
    pub fn peek_mut(&mut self) -> Option<&mut T> {
        self.inner.front_mut()
    }

    /// The back item, without removing it.
    #[inline]
    pub fn peek_back(&self) -> Option<&T> {
        self.inner.back()
    }

    /// Items in the deck.
    #[inline]
    pub const fn len(&self) -> usize {
        self.inner.len()
    }

    /// True when empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// True when full.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.inner.is_full()
    }

    /// Room left: `capacity() - len()`.
    #[inline]
    pub const fn free(&self) -> usize {
        N - self.inner.len()
    }

    /// The fixed capacity, `N`.
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Drops every item.
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// Pulls items front to back as the iterator is advanced. Items not
    /// taken when it is dropped **stay in the deck** (unlike
    /// `VecDeque::drain`, which drops them): nothing is lost by stopping
    /// early.
    pub fn drain(&mut self) -> Drain<'_, T, N> {
        Drain { deck: self }
    }

    /// Pushes items from `items` at the back until the deck is full or the
    /// iterator ends; returns how many it took. Items the deck had no room
    /// for are not taken from the iterator: they are still the caller's.
    pub fn fill_from<I: Iterator<Item = T>>(&mut self, items: &mut I) -> usize {
        let mut n = 0;
        while !self.inner.is_full() {
            let Some(item) = items.next() else { break };
            if let Err(_item) = self.inner.push_back(item) {
                break; // unreachable: checked for room
            }
            n += 1;
        }
        n
    }

    /// Pushes clones of the first items of `items` that fit; returns how
    /// many (a short count is back pressure: the rest did not fit).
    pub fn push_slice(&mut self, items: &[T]) -> usize
    where
        T: Clone,
    {
        self.fill_from(&mut items.iter().cloned())
    }

    /// The items front to back.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        self.inner.iter()
    }

    /// The items front to back, mutably.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut T> + ExactSizeIterator + '_ {
        self.inner.iter_mut()
    }

    /// The items as two slices, front to back: the first ends where the
    /// storage wraps.
    pub fn as_slices(&self) -> (&[T], &[T]) {
        self.inner.as_slices()
    }
}

queue_impls!([T, const N: usize] Deck<T, N>, T);

impl<T, const N: usize> Default for Deck<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone, const N: usize> Clone for Deck<T, N> {
    fn clone(&self) -> Self {
        Deck {
            inner: self.inner.clone(),
        }
    }
}

impl<T: PartialEq, const N: usize> PartialEq for Deck<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl<T: Eq, const N: usize> Eq for Deck<T, N> {}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Deck<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<T: defmt::Format, const N: usize> defmt::Format for Deck<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        let (a, b) = self.inner.as_slices();
        defmt::write!(
            f,
            "Deck({=usize}/{=usize}) {=[?]}{=[?]}",
            self.len(),
            N,
            a,
            b
        );
    }
}

/// The iterator of [`Deck::drain`]: pulls as it goes; what is left when it
/// is dropped stays in the deck.
pub struct Drain<'d, T, const N: usize> {
    deck: &'d mut Deck<T, N>,
}

impl<T, const N: usize> Iterator for Drain<'_, T, N> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        self.deck.pull()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.deck.len();
        (n, Some(n))
    }
}

impl<T, const N: usize> ExactSizeIterator for Drain<'_, T, N> {}
impl<T, const N: usize> core::iter::FusedIterator for Drain<'_, T, N> {}
