//! [`Stack`]: a LIFO buffer with the deck's vocabulary.

use core::fmt;

use super::queue_impls;

/// A LIFO stack of up to `N` items (henrio's LIFO queue, asyncio's
/// `LifoQueue`): pull returns the item pushed last. Built on
/// `heapless::Vec`.
///
/// ```
/// use hio::buf::Stack;
/// let mut stack: Stack<u8, 2> = Stack::new();
/// stack.push(1).unwrap();
/// stack.push(2).unwrap();
/// assert_eq!(stack.push(3), Err(3)); // full: the item comes back
/// assert_eq!(stack.peek(), Some(&2));
/// assert_eq!(stack.pull(), Some(2));
/// assert_eq!(stack.pull(), Some(1));
/// assert_eq!(stack.pull(), None);
/// ```
///
/// # Contract
///
/// As for [`Deck`](super::Deck): any context, back pressure by returning the
/// item, O(1) per item, nothing tied to the life cycle.
pub struct Stack<T, const N: usize> {
    inner: heapless::Vec<T, N>,
}

impl<T, const N: usize> Stack<T, N> {
    /// An empty stack (usable in a `static`).
    pub const fn new() -> Self {
        Stack {
            inner: heapless::Vec::new(),
        }
    }

    /// Pushes `item` on top.
    ///
    /// # Errors
    ///
    /// `Err(item)` when full; the stack is unchanged.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.inner.push(item)
    }

    /// Removes and returns the top item.
    #[inline]
    pub fn pull(&mut self) -> Option<T> {
        self.inner.pop()
    }

    /// The top item, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.inner.last()
    }

    /// The top item, mutably.
    #[inline]
    pub fn peek_mut(&mut self) -> Option<&mut T> {
        self.inner.last_mut()
    }

    /// Items on the stack.
    #[inline]
    pub fn len(&self) -> usize {
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
    pub fn free(&self) -> usize {
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

    /// Pulls items top first as the iterator is advanced; items not taken
    /// when it is dropped stay on the stack.
    pub fn drain(&mut self) -> StackDrain<'_, T, N> {
        StackDrain { stack: self }
    }

    /// Pushes items from `items` until full or the iterator ends; returns
    /// how many it took (the rest are still in the iterator).
    pub fn fill_from<I: Iterator<Item = T>>(&mut self, items: &mut I) -> usize {
        let mut n = 0;
        while !self.inner.is_full() {
            let Some(item) = items.next() else { break };
            if let Err(_item) = self.inner.push(item) {
                break; // unreachable: checked for room
            }
            n += 1;
        }
        n
    }

    /// Pushes clones of the first items of `items` that fit; returns how
    /// many.
    pub fn push_slice(&mut self, items: &[T]) -> usize
    where
        T: Clone,
    {
        self.fill_from(&mut items.iter().cloned())
    }

    /// The items bottom to top.
    pub fn as_slice(&self) -> &[T] {
        &self.inner
    }
}

queue_impls!([T, const N: usize] Stack<T, N>, T);

impl<T, const N: usize> Default for Stack<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone, const N: usize> Clone for Stack<T, N> {
    fn clone(&self) -> Self {
        Stack {
            inner: self.inner.clone(),
        }
    }
}

impl<T: PartialEq, const N: usize> PartialEq for Stack<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl<T: Eq, const N: usize> Eq for Stack<T, N> {}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Stack<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<T: defmt::Format, const N: usize> defmt::Format for Stack<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Stack({=usize}/{=usize}) {=[?]}",
            self.len(),
            N,
            self.as_slice()
        );
    }
}

/// The iterator of [`Stack::drain`]: pulls top first; what is left when it
/// is dropped stays on the stack.
pub struct StackDrain<'s, T, const N: usize> {
    stack: &'s mut Stack<T, N>,
}

impl<T, const N: usize> Iterator for StackDrain<'_, T, N> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        self.stack.pull()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.stack.len();
        (n, Some(n))
    }
}

impl<T, const N: usize> ExactSizeIterator for StackDrain<'_, T, N> {}
impl<T, const N: usize> core::iter::FusedIterator for StackDrain<'_, T, N> {}
