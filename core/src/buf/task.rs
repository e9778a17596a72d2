//! [`TaskDeck`]: a deck that counts unfinished work (asyncio's `Queue` with
//! `task_done` and `join`).

use core::fmt;

use super::{Deck, queue_impls};
use crate::error::Error;

/// A FIFO [`Deck`] of work items that also counts **unfinished tasks**:
/// every push adds one, every [`task_done`](Self::task_done) takes one away,
/// and [`wait::join`](crate::wait::join) waits until the count is zero, that
/// is, until every item ever pushed has been pulled *and* reported done
/// (asyncio's and gensyncio's `Queue.join`).
///
/// ```
/// use hio::buf::TaskDeck;
/// let mut work: TaskDeck<u32, 4> = TaskDeck::new();
/// work.push(10).unwrap();
/// work.push(20).unwrap();
/// let job = work.pull().unwrap();   // a worker takes one...
/// assert_eq!((work.len(), work.unfinished()), (1, 2));
/// work.task_done().unwrap();        // ...and reports it done
/// assert!(!work.is_joined());
/// let _ = work.pull();
/// work.task_done().unwrap();
/// assert!(work.is_joined());
/// assert!(work.task_done().is_err()); // more dones than pushes
/// # let _ = job;
/// ```
///
/// # Contract
///
/// * **Contexts.** Any; share it between doers through a `RefCell`.
/// * **Back pressure.** A push that does not fit returns the item and does
///   not count it.
/// * **Cancel/abort.** A worker that ceases or aborts after pulling an item
///   and before reporting it done leaves the count up, so `join` keeps
///   waiting (as in asyncio): report it done in the worker's closing hook if
///   the item is to count as handled.
/// * **Bounded work.** O(1) per call.
pub struct TaskDeck<T, const N: usize> {
    deck: Deck<T, N>,
    unfinished: usize,
}

impl<T, const N: usize> TaskDeck<T, N> {
    /// An empty deck with no unfinished tasks.
    pub const fn new() -> Self {
        TaskDeck {
            deck: Deck::new(),
            unfinished: 0,
        }
    }

    /// Appends `item` and counts one more unfinished task.
    ///
    /// # Errors
    ///
    /// `Err(item)` when full; nothing is counted.
    #[inline]
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.deck.push(item)?;
        self.unfinished = self.unfinished.saturating_add(1);
        Ok(())
    }

    /// Removes and returns the front item; the task stays unfinished until
    /// [`task_done`](Self::task_done).
    #[inline]
    pub fn pull(&mut self) -> Option<T> {
        self.deck.pull()
    }

    /// Reports one pulled task finished.
    ///
    /// # Errors
    ///
    /// [`Error::Misuse`] when more tasks are reported done than were pushed
    /// (asyncio raises `ValueError`); the count stays at zero.
    pub fn task_done(&mut self) -> Result<(), Error> {
        match self.unfinished.checked_sub(1) {
            Some(n) => {
                self.unfinished = n;
                Ok(())
            }
            None => Err(Error::Misuse),
        }
    }

    /// Tasks pushed and not yet reported done (queued plus in progress).
    pub fn unfinished(&self) -> usize {
        self.unfinished
    }

    /// True when every pushed task was reported done.
    pub fn is_joined(&self) -> bool {
        self.unfinished == 0
    }

    /// The front item, without removing it.
    pub fn peek(&self) -> Option<&T> {
        self.deck.peek()
    }

    /// Items waiting in the deck (not counting those in progress).
    pub fn len(&self) -> usize {
        self.deck.len()
    }

    /// True when no item waits in the deck.
    pub fn is_empty(&self) -> bool {
        self.deck.is_empty()
    }

    /// True when full.
    pub fn is_full(&self) -> bool {
        self.deck.is_full()
    }

    /// Room left.
    pub fn free(&self) -> usize {
        self.deck.free()
    }

    /// The fixed capacity, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The waiting items, read only.
    pub fn deck(&self) -> &Deck<T, N> {
        &self.deck
    }
}

queue_impls!([T, const N: usize] TaskDeck<T, N>, T);

impl<T, const N: usize> Default for TaskDeck<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for TaskDeck<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskDeck")
            .field("items", &self.deck)
            .field("unfinished", &self.unfinished)
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl<T: defmt::Format, const N: usize> defmt::Format for TaskDeck<T, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "TaskDeck {{ items: {}, unfinished: {=usize} }}",
            self.deck,
            self.unfinished
        );
    }
}
