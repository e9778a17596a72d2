//! [`PriorityQueue`]: smallest item first, with the deck's vocabulary.

use core::fmt;

use heapless::binary_heap::{BinaryHeap, Min};

use super::queue_impls;

/// A priority queue of up to `N` items that pulls the **smallest** first
/// (henrio's heap queue, asyncio's `PriorityQueue`, Python's `heapq`). For
/// largest first, push `core::cmp::Reverse(item)`. Built on
/// `heapless::BinaryHeap` (a min-heap).
///
/// Items that compare equal come out in an order fixed by the sequence of
/// pushes and pulls (so runs are reproducible) but **not** in push order. To
/// keep FIFO order among equal priorities, push `(priority, sequence, item)`
/// tuples, as the asyncio docs advise.
///
/// ```
/// use hio::buf::PriorityQueue;
/// let mut jobs: PriorityQueue<(u8, &str), 4> = PriorityQueue::new();
/// jobs.push((2, "sweep")).unwrap();
/// jobs.push((0, "fire alarm")).unwrap();
/// jobs.push((1, "email")).unwrap();
/// assert_eq!(jobs.peek(), Some(&(0, "fire alarm")));
/// let order: Vec<_> = jobs.drain().map(|(_, j)| j).collect();
/// assert_eq!(order, ["fire alarm", "email", "sweep"]);
/// ```
///
/// # Contract
///
/// As for [`Deck`](super::Deck): any context, back pressure by returning the
/// item, nothing tied to the life cycle. Push and pull are O(log N).
pub struct PriorityQueue<T, const N: usize> {
    inner: BinaryHeap<T, Min, N>,
}

impl<T, const N: usize> PriorityQueue<T, N> {
    /// An empty queue (usable in a `static`).
    pub const fn new() -> Self {
        PriorityQueue {
            inner: BinaryHeap::new(),
        }
    }
}

impl<T: Ord, const N: usize> PriorityQueue<T, N> {
    /// Inserts `item`.
    ///
    /// # Errors
    ///
    /// `Err(item)` when full; the queue is unchanged.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.inner.push(item)
    }

    /// Removes and returns the smallest item.
    #[inline]
    pub fn pull(&mut self) -> Option<T> {
        self.inner.pop()
    }

    /// Pulls items smallest first as the iterator is advanced; items not
    /// taken when it is dropped stay in the queue.
    pub fn drain(&mut self) -> PriorityDrain<'_, T, N> {
        PriorityDrain { queue: self }
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

    /// The smallest item, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.inner.peek()
    }

    /// Items in the queue.
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

    /// The items in heap order (not sorted; the first is the smallest).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        self.inner.iter()
    }
}

queue_impls!([T: Ord, const N: usize] PriorityQueue<T, N>, T);

impl<T, const N: usize> Default for PriorityQueue<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Ord + Clone, const N: usize> Clone for PriorityQueue<T, N> {
    fn clone(&self) -> Self {
        PriorityQueue {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Ord + fmt::Debug, const N: usize> fmt::Debug for PriorityQueue<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.inner.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<T: Ord + defmt::Format, const N: usize> defmt::Format for PriorityQueue<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "PriorityQueue({=usize}/{=usize})", self.len(), N);
        for item in self.inner.iter() {
            defmt::write!(f, " {}", item);
        }
    }
}

/// The iterator of [`PriorityQueue::drain`]: pulls smallest first; what is
/// left when it is dropped stays in the queue.
pub struct PriorityDrain<'q, T: Ord, const N: usize> {
    queue: &'q mut PriorityQueue<T, N>,
}

impl<T: Ord, const N: usize> Iterator for PriorityDrain<'_, T, N> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        self.queue.pull()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.queue.len();
        (n, Some(n))
    }
}

impl<T: Ord, const N: usize> ExactSizeIterator for PriorityDrain<'_, T, N> {}
impl<T: Ord, const N: usize> core::iter::FusedIterator for PriorityDrain<'_, T, N> {}
