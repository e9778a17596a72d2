//! Fixed-capacity buffers: how doers talk to each other and to devices.
//!
//! In hio every doer talks to every other through buffers (flow-based
//! programming): an IO doer moves bytes between a device and a byte ring, a
//! parser doer turns bytes into messages in a deck, an application doer
//! pulls the messages. No doer calls another; the schedule decides who runs,
//! and the buffers carry what happened in between.
//!
//! ```text
//!  UART ──isr──▶ SpscRing ──▶ rx doer ──▶ Ring ──▶ parser ──▶ Deck<Frame> ──▶ app
//!                (producer/consumer)                  ◀── back pressure: full = wait
//! ```
//!
//! | type | order | built on | for |
//! |------|-------|----------|-----|
//! | [`Deck<T, N>`](Deck) | FIFO (and push-front) | `heapless::Deque` | messages between doers (hio's `Deck`) |
//! | [`Stack<T, N>`](Stack) | LIFO | `heapless::Vec` | undo lists, depth-first work |
//! | [`PriorityQueue<T, N>`](PriorityQueue) | smallest first | `heapless::BinaryHeap` | timers, prioritised jobs |
//! | [`Ring<N>`](Ring) | FIFO bytes | a `[u8; N]` | IO: bulk copies and zero-copy slices for devices |
//! | [`TaskDeck<T, N>`](TaskDeck) | FIFO with task accounting | [`Deck`] | work queues that someone [joins](crate::wait::join) |
//! | [`SpscDeck<T, N>`](SpscDeck) | FIFO, split in two halves | `heapless::spsc::Queue` | an interrupt handler feeding a doer messages |
//! | [`SpscRing<N>`](SpscRing) | FIFO bytes, split in two halves | atomics, no `unsafe` | an interrupt handler feeding a doer bytes |
//!
//! ## One vocabulary
//!
//! Every buffer speaks hio's words: **push** in, **pull** out, **peek**
//! without taking, and tells **len** (what is in it), **free** (room left)
//! and **capacity** (the fixed total, `N`) under different names, so nobody
//! mixes them up. [`Fill`] and [`Queue`] are those words as traits, so the
//! [waits](crate::wait) work with any of them.
//!
//! ## Back pressure, never silent loss
//!
//! A push that does not fit hands the item back (`Err(item)`); a byte write
//! that does not fit returns the count that fit; a bulk push returns how many
//! it took, and what it did not take is still the caller's. Nothing is
//! overwritten or dropped unless the caller asked for it by name:
//! [`Deck::push_evicting`] and [`Ring::write_evicting`] make room by removing
//! the oldest, and return what they removed. "Full" is the signal a producer
//! waits on ([`wait::room`](crate::wait::room), or a check in its `recur`).
//!
//! ```
//! use hio::buf::{Deck, Ring};
//!
//! let mut deck: Deck<u32, 2> = Deck::new();
//! assert_eq!(deck.push(1), Ok(()));
//! assert_eq!(deck.push(2), Ok(()));
//! assert_eq!(deck.push(3), Err(3));          // full: the item comes back
//! assert_eq!(deck.push_evicting(3), Some(1)); // lossy, by name: oldest out
//! assert_eq!(deck.pull(), Some(2));
//!
//! let mut ring: Ring<4> = Ring::new();
//! assert_eq!(ring.write(b"hello"), 4);       // short count: "o" did not fit
//! let mut out = [0u8; 8];
//! assert_eq!(ring.read(&mut out), 4);
//! assert_eq!(&out[..4], b"hell");
//! ```
//!
//! ## Zero copy with a device
//!
//! [`Ring::writable`] lends the largest contiguous free slice for a device
//! (or a DMA transfer, or another buffer) to fill, and [`Ring::commit`]
//! publishes what it wrote; [`Ring::readable`] and [`Ring::consume`] are the
//! same on the way out. Short counts are normal: a slice ends where the ring
//! wraps, so a full transfer may take two.
//!
//! ```
//! use hio::buf::Ring;
//! let mut rx: Ring<8> = Ring::new();
//! let slot = rx.writable();                 // where the next bytes go
//! let n = 3.min(slot.len());
//! slot[..n].copy_from_slice(&b"abc"[..n]);  // a device read would go here
//! rx.commit(n);
//! assert_eq!(rx.readable(), b"abc");
//! rx.consume(2);
//! assert_eq!(rx.readable(), b"c");
//! ```
//!
//! ## Sharing between doers
//!
//! The scheduler is cooperative and single-threaded: one doer step runs at a
//! time and nothing preempts it, so doers share a buffer through a
//! `core::cell::RefCell` borrowed only inside a step (never across an
//! `.await`; clippy's `await_holding_refcell_ref` lint catches that). The
//! [waits](crate::wait) borrow with `try_borrow` and report a borrow held
//! across an await as [`Error::Misuse`](crate::Error::Misuse) instead of
//! panicking.
//!
//! ## Interrupt handlers: the SPSC halves
//!
//! An interrupt handler is the one thing that *does* preempt a doer. For it,
//! [`SpscDeck`] and [`SpscRing`] split into a producer half (moved into the
//! handler) and a consumer half (kept by a doer), which touch disjoint state
//! and synchronise with atomic loads and stores only: no critical section on
//! the hot path, no compare-and-swap. That is why they also work on
//! **thumbv6m** (Cortex-M0/M0+), which has atomic load and store but no CAS,
//! with no extra feature.
//!
//! Other targets without CAS: [`SpscRing`] is our own and needs only atomic
//! load and store, which riscv32imc/riscv32i (ESP32-C3) have, so it works
//! there as it is. `SpscDeck` wraps `heapless::spsc`, which heapless
//! compiles only where it knows atomic load/store exist (CAS targets, and
//! thumbv6m, armv4t, armv5te); on riscv32imc/riscv32i, turn on hio's
//! `portable-atomic` feature to get it. With that feature heapless also
//! builds its CAS-based pools, so the binary must choose a portable-atomic
//! backend: portable-atomic's `critical-section` feature (with a
//! `critical-section` implementation) or its `unsafe-assume-single-core`
//! feature (single-core chips only).
//!
//! Data from an interrupt handler is input from outside the schedule: the
//! schedule stays deterministic, but *what* the consumer finds in a pass
//! depends on when the interrupt fired. To replay a run, record what the
//! consumer pulled in each pass.
//!
//! ## Why heapless underneath
//!
//! `heapless` is rust-embedded's fixed-capacity collections crate, already a
//! dependency of the scheduler, with the "rejection hands the item back"
//! API we want. `Deck`, `Stack` and `PriorityQueue` wrap its `Deque`, `Vec`
//! and `BinaryHeap` (the only `unsafe` is inside heapless, which is sound,
//! tested under miri and maintained), so they cost the same as using heapless
//! directly; the wrappers add hio's vocabulary, `free`, bulk pushes with back
//! pressure, and a drain that never drops. The byte [`Ring`] is our own,
//! because heapless has no byte ring with slice reads and writes and
//! zero-copy slices. `SpscDeck` wraps `heapless::spsc::Queue`;
//! [`SpscRing`] is our own design over atomic bytes, in safe code.
//!
//! ## `defmt`
//!
//! With hio's `defmt` feature every buffer implements `defmt::Format`
//! (length, capacity, and the items for the message buffers).

mod deck;
mod prio;
mod ring;
mod spsc;
#[cfg(any(
    feature = "portable-atomic",
    target_has_atomic = "ptr",
    target_arch = "arm"
))]
mod spsc_deck;
mod stack;
mod task;

pub use deck::{Deck, Drain};
pub use prio::{PriorityDrain, PriorityQueue};
pub use ring::Ring;
pub use spsc::{RingConsumer, RingProducer, SpscRing};
#[cfg(any(
    feature = "portable-atomic",
    target_has_atomic = "ptr",
    target_arch = "arm"
))]
pub use spsc_deck::{DeckConsumer, DeckProducer, SpscDeck};
pub use stack::{Stack, StackDrain};
pub use task::TaskDeck;

/// How full a buffer is: the words every hio buffer shares.
///
/// `len + free == capacity`, always.
pub trait Fill {
    /// Items (or bytes) in the buffer now.
    fn len(&self) -> usize;
    /// The fixed total it can hold.
    fn capacity(&self) -> usize;
    /// Room left: `capacity - len`.
    fn free(&self) -> usize {
        self.capacity().saturating_sub(self.len())
    }
    /// Nothing in it.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// No room left.
    fn is_full(&self) -> bool {
        self.free() == 0
    }
}

/// A buffer of items with back pressure: push hands the item back when it
/// does not fit; pull takes the next item in the buffer's order (FIFO for a
/// [`Deck`], LIFO for a [`Stack`], smallest first for a [`PriorityQueue`]).
pub trait Queue<T>: Fill {
    /// Puts `item` in, or hands it back when full.
    ///
    /// # Errors
    ///
    /// `Err(item)` when there is no room; nothing changed.
    fn push(&mut self, item: T) -> Result<(), T>;
    /// Takes the next item out, if any.
    fn pull(&mut self) -> Option<T>;
}

/// Implements [`Fill`] and [`Queue`] by forwarding to inherent methods of
/// the same names.
macro_rules! queue_impls {
    ([$($g:tt)*] $ty:ty, $item:ty) => {
        impl<$($g)*> $crate::buf::Fill for $ty {
            #[inline]
            fn len(&self) -> usize {
                <$ty>::len(self)
            }
            #[inline]
            fn capacity(&self) -> usize {
                <$ty>::capacity(self)
            }
        }
        impl<$($g)*> $crate::buf::Queue<$item> for $ty {
            #[inline]
            fn push(&mut self, item: $item) -> Result<(), $item> {
                <$ty>::push(self, item)
            }
            #[inline]
            fn pull(&mut self) -> Option<$item> {
                <$ty>::pull(self)
            }
        }
    };
}
pub(crate) use queue_impls;
