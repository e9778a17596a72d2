//! [`SpscRing`]: a byte ring split between an interrupt handler and a
//! doer, in safe code.
//!
//! The SPSC buffers ([`SpscRing`], and `SpscDeck` in its own file) split
//! into a producer half and a consumer half. The halves touch disjoint state (the producer owns the tail index, the consumer the head
//! index) and synchronise with atomic loads and stores only, with
//! release/acquire ordering: no lock, no critical section, no
//! compare-and-swap, so they work on thumbv6m as they are.
//!
//! Seen from one half, the other may move on at any moment: a producer's
//! [`free`](RingProducer::free) and a consumer's
//! [`len`](RingConsumer::len) are lower bounds (they only grow until the
//! half itself acts).

#[cfg(not(feature = "portable-atomic"))]
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
#[cfg(feature = "portable-atomic")]
use portable_atomic::{AtomicU8, AtomicUsize, Ordering};

use core::fmt;

use super::Fill;

/// A FIFO of up to `N` bytes that splits into a [`RingProducer`] (for an
/// interrupt handler: a UART receive interrupt) and a [`RingConsumer`] (for
/// the doer that services the device), written in safe code.
///
/// Every byte of storage is an `AtomicU8` and the head and tail are atomic
/// indices counting modulo `2N` (so all `N` bytes are usable and a full ring
/// is told from an empty one without a shared counter). The producer stores
/// bytes with relaxed stores and publishes them with a release store of the
/// tail; the consumer acquires the tail, loads the bytes, and hands the
/// space back with a release store of the head. Only loads and stores: no
/// CAS, no critical section, no `unsafe`.
///
/// The price of safe code: the halves copy byte by byte and cannot lend
/// slices of their storage. For zero copy on the doer side, read the
/// consumer straight into a [`Ring`](super::Ring)'s writable slice:
///
/// ```
/// use hio::buf::{Ring, SpscRing};
/// let mut uart: SpscRing<16> = SpscRing::new();
/// let (mut isr, mut rx) = uart.split();
/// // in the receive interrupt, one byte at a time:
/// for &b in b"AT\r" { let _ = isr.push(b); }
/// // in the service doer's recur:
/// let mut lines: Ring<64> = Ring::new();
/// let n = rx.read(lines.writable());
/// lines.commit(n);
/// assert_eq!(lines.readable(), b"AT\r");
/// ```
///
/// `N` must be at least 1.
///
/// # Contract
///
/// * **Contexts.** The producer may live in an interrupt handler (or another
///   thread), the consumer in a doer, or the other way round. Neither blocks
///   or spins; no interrupt is masked.
/// * **Short reads and writes.** [`RingProducer::write`] returns how many
///   bytes fit, [`RingConsumer::read`] how many were there. Nothing is
///   overwritten: an interrupt handler that finds the ring full decides what
///   to do (count an overrun, hold the byte in the device FIFO).
/// * **Bounded work.** O(bytes moved).
/// * **Cancel/abort.** Bytes stay in the ring when a doer ceases.
pub struct SpscRing<const N: usize> {
    buf: [AtomicU8; N],
    /// Read position modulo 2N; written by the consumer only.
    head: AtomicUsize,
    /// Write position modulo 2N; written by the producer only.
    tail: AtomicUsize,
}

impl<const N: usize> SpscRing<N> {
    /// An empty ring (usable in a `static`).
    pub const fn new() -> Self {
        const {
            assert!(N > 0, "a SpscRing needs a capacity of at least 1");
            assert!(N <= usize::MAX / 4, "SpscRing capacity too large");
        }
        SpscRing {
            buf: [const { AtomicU8::new(0) }; N],
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        }
    }

    /// Splits into the producer and the consumer half. Borrowing `self`
    /// mutably makes sure there is only one of each.
    pub fn split(&mut self) -> (RingProducer<'_, N>, RingConsumer<'_, N>) {
        let ring: &Self = self;
        (RingProducer { ring }, RingConsumer { ring })
    }

    /// Bytes stored.
    pub fn len(&self) -> usize {
        Self::dist(
            self.head.load(Ordering::Acquire),
            self.tail.load(Ordering::Acquire),
        )
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room left in bytes.
    pub fn free(&self) -> usize {
        N.saturating_sub(self.len())
    }

    /// The fixed capacity, `N` bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Appends as many bytes of `data` as fit (while not split); returns
    /// how many.
    #[must_use = "a short write leaves bytes unwritten"]
    pub fn write(&mut self, data: &[u8]) -> usize {
        self.produce(data)
    }

    /// Moves up to `out.len()` bytes into `out` (while not split); returns
    /// how many.
    #[must_use = "a short read fills only part of the buffer"]
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        self.consume(out)
    }

    /// Distance from `head` to `tail`, both modulo 2N.
    #[inline]
    fn dist(head: usize, tail: usize) -> usize {
        if tail >= head {
            tail - head
        } else {
            tail + 2 * N - head
        }
    }

    /// `i + n` modulo 2N, for `i < 2N` and `n <= N`.
    #[inline]
    fn advance(i: usize, n: usize) -> usize {
        let j = i + n;
        if j >= 2 * N { j - 2 * N } else { j }
    }

    /// Storage index of position `i < 2N`.
    #[inline]
    fn pos(i: usize) -> usize {
        if i >= N { i - N } else { i }
    }

    /// The producer's write; only the producer calls it.
    #[inline]
    fn produce(&self, data: &[u8]) -> usize {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        let n = data.len().min(N.saturating_sub(Self::dist(head, tail)));
        let p = Self::pos(tail);
        let first = n.min(N - p);
        let (a, b) = data.split_at(first.min(data.len()));
        for (cell, &byte) in self.buf.get(p..p + first).unwrap_or_default().iter().zip(a) {
            cell.store(byte, Ordering::Relaxed);
        }
        for (cell, &byte) in self.buf.get(..n - first).unwrap_or_default().iter().zip(b) {
            cell.store(byte, Ordering::Relaxed);
        }
        self.tail.store(Self::advance(tail, n), Ordering::Release);
        n
    }

    /// The producer's one-byte write; only the producer calls it.
    #[inline]
    fn produce_one(&self, byte: u8) -> Result<(), u8> {
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        if Self::dist(head, tail) >= N {
            return Err(byte);
        }
        match self.buf.get(Self::pos(tail)) {
            Some(cell) => cell.store(byte, Ordering::Relaxed),
            None => return Err(byte),
        }
        self.tail.store(Self::advance(tail, 1), Ordering::Release);
        Ok(())
    }

    /// The consumer's one-byte read; only the consumer calls it.
    #[inline]
    fn consume_one(&self, remove: bool) -> Option<u8> {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let byte = self.buf.get(Self::pos(head))?.load(Ordering::Relaxed);
        if remove {
            self.head.store(Self::advance(head, 1), Ordering::Release);
        }
        Some(byte)
    }

    /// The consumer's read; only the consumer calls it.
    #[inline]
    fn consume(&self, out: &mut [u8]) -> usize {
        let n = self.peek_into(out);
        let head = self.head.load(Ordering::Relaxed);
        self.head.store(Self::advance(head, n), Ordering::Release);
        n
    }

    /// The consumer's copy without removing; only the consumer calls it.
    #[inline]
    fn peek_into(&self, out: &mut [u8]) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let n = out.len().min(Self::dist(head, tail));
        let p = Self::pos(head);
        let first = n.min(N - p);
        let (a, b) = out.split_at_mut(first.min(out.len()));
        for (byte, cell) in a
            .iter_mut()
            .zip(self.buf.get(p..p + first).unwrap_or_default())
        {
            *byte = cell.load(Ordering::Relaxed);
        }
        for (byte, cell) in b
            .iter_mut()
            .zip(self.buf.get(..n - first).unwrap_or_default())
        {
            *byte = cell.load(Ordering::Relaxed);
        }
        n
    }

    /// The consumer's discard; only the consumer calls it.
    fn skip(&self, n: usize) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let n = n.min(Self::dist(head, tail));
        self.head.store(Self::advance(head, n), Ordering::Release);
        n
    }
}

impl<const N: usize> Default for SpscRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Fill for SpscRing<N> {
    fn len(&self) -> usize {
        SpscRing::len(self)
    }
    fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> fmt::Debug for SpscRing<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpscRing")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for SpscRing<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "SpscRing({=usize}/{=usize})", self.len(), N);
    }
}

/// The producer half of a [`SpscRing`]: writes bytes at the back.
pub struct RingProducer<'r, const N: usize> {
    ring: &'r SpscRing<N>,
}

impl<const N: usize> RingProducer<'_, N> {
    /// Appends as many bytes of `data` as fit; returns how many (short when
    /// the ring is full: the rest is still the caller's).
    #[must_use = "a short write leaves bytes unwritten"]
    #[inline]
    pub fn write(&mut self, data: &[u8]) -> usize {
        self.ring.produce(data)
    }
    /// Appends one byte.
    ///
    /// # Errors
    ///
    /// `Err(byte)` when full.
    #[inline]
    pub fn push(&mut self, byte: u8) -> Result<(), u8> {
        self.ring.produce_one(byte)
    }
    /// Bytes stored (an upper bound: the consumer may have read).
    pub fn len(&self) -> usize {
        self.ring.len()
    }
    /// True when nothing is stored (the consumer may have read more).
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
    /// Room left (a lower bound).
    pub fn free(&self) -> usize {
        self.ring.free()
    }
    /// True when a write would take nothing now.
    pub fn is_full(&self) -> bool {
        self.free() == 0
    }
    /// The fixed capacity, `N` bytes.
    pub const fn capacity(&self) -> usize {
        N
    }
}

/// The consumer half of a [`SpscRing`]: reads bytes from the front.
pub struct RingConsumer<'r, const N: usize> {
    ring: &'r SpscRing<N>,
}

impl<const N: usize> RingConsumer<'_, N> {
    /// Moves up to `out.len()` of the oldest bytes into `out`; returns how
    /// many (short when fewer are there).
    #[must_use = "a short read fills only part of the buffer"]
    #[inline]
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        self.ring.consume(out)
    }
    /// Copies up to `out.len()` of the oldest bytes without removing them;
    /// returns how many.
    pub fn peek_into(&self, out: &mut [u8]) -> usize {
        self.ring.peek_into(out)
    }
    /// Removes and returns the oldest byte.
    #[inline]
    pub fn pull(&mut self) -> Option<u8> {
        self.ring.consume_one(true)
    }
    /// The oldest byte, without removing it.
    pub fn peek(&self) -> Option<u8> {
        self.ring.consume_one(false)
    }
    /// Removes up to `n` of the oldest bytes unread; returns how many.
    pub fn consume(&mut self, n: usize) -> usize {
        self.ring.skip(n)
    }
    /// Bytes stored (a lower bound: the producer may have written).
    pub fn len(&self) -> usize {
        self.ring.len()
    }
    /// True when there is nothing to read now.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
    /// Room left (an upper bound).
    pub fn free(&self) -> usize {
        self.ring.free()
    }
    /// The fixed capacity, `N` bytes.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> Fill for RingProducer<'_, N> {
    fn len(&self) -> usize {
        self.ring.len()
    }
    fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> Fill for RingConsumer<'_, N> {
    fn len(&self) -> usize {
        self.ring.len()
    }
    fn capacity(&self) -> usize {
        N
    }
}
