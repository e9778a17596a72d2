//! [`Ring`]: a byte ring for IO, with bulk copies and zero-copy slices.

use core::fmt;

/// Copies as many bytes as both slices have.
#[inline]
fn copy(dst: &mut [u8], src: &[u8]) {
    let n = dst.len().min(src.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
        d.copy_from_slice(s);
    }
}

/// A FIFO ring of up to `N` bytes for IO: what an IO doer fills from a
/// device and a parser doer reads (or the other way round).
///
/// * [`write`](Self::write) and [`read`](Self::read) copy from and into
///   slices and return how many bytes they moved: **short counts are
///   normal** (the ring was full, or had less than asked).
/// * [`writable`](Self::writable) / [`commit`](Self::commit) and
///   [`readable`](Self::readable) / [`consume`](Self::consume) lend
///   contiguous slices of the storage, for a device (or DMA, or a parser) to
///   fill or read in place: zero copy.
/// * [`free`](Self::free) is the room left, [`capacity`](Self::capacity) the
///   fixed total `N`.
///
/// ```
/// use hio::buf::Ring;
/// let mut ring: Ring<8> = Ring::new();
/// assert_eq!(ring.write(b"abcdef"), 6);
/// let mut two = [0u8; 2];
/// assert_eq!(ring.read(&mut two), 2);      // "ab"
/// assert_eq!(ring.write(b"ghijk"), 4);     // wraps; only 4 fit ("k" is left to the caller)
/// assert_eq!((ring.len(), ring.free()), (8, 0));
/// let (a, b) = ring.as_slices();           // the data in storage order
/// assert_eq!((a, b), (&b"cdefgh"[..], &b"ij"[..]));
/// assert_eq!(ring.make_contiguous(), b"cdefghij");
/// ```
///
/// `N` must be at least 1.
///
/// # Contract
///
/// * **Contexts.** A plain data structure: any doer context, or outside the
///   scheduler. Between doers, share it through a `RefCell`; between an
///   interrupt handler and a doer, use [`SpscRing`](super::SpscRing)
///   instead.
/// * **Short reads and writes.** Every transfer may be short, and says how
///   much it moved. Only [`write_evicting`](Self::write_evicting) discards
///   data, and it returns how much.
/// * **Bounded work.** Every operation is O(bytes moved), except
///   [`make_contiguous`](Self::make_contiguous) (O(N)); nothing loops
///   otherwise.
/// * **Cancel/abort.** Nothing is tied to the life cycle.
#[derive(Clone)]
pub struct Ring<const N: usize> {
    buf: [u8; N],
    /// Index of the oldest byte (`< N`).
    head: usize,
    /// Index where the next byte goes (`< N`): `(head + len) mod N`.
    tail: usize,
    /// Bytes stored (`<= N`).
    len: usize,
}

impl<const N: usize> Ring<N> {
    /// An empty ring (usable in a `static`).
    pub const fn new() -> Self {
        const {
            assert!(N > 0, "a Ring needs a capacity of at least 1");
        }
        Ring {
            buf: [0; N],
            head: 0,
            tail: 0,
            len: 0,
        }
    }

    /// `i mod N` for `i < 2N`.
    #[inline]
    const fn wrap(i: usize) -> usize {
        if i >= N { i - N } else { i }
    }

    /// `i` (always `< N` by the ring's invariant) in a form the compiler can
    /// see is `< N`, so the bounds check of the access goes away and the
    /// single-byte push/pull keep up with heapless's unchecked access: for a
    /// power-of-two `N` a mask, otherwise a clamp (a compare and a
    /// conditional move, cheaper than the check's branch; a division would
    /// cost more).
    #[inline(always)]
    const fn index(i: usize) -> usize {
        if N.is_power_of_two() {
            i % N
        } else if i < N {
            i
        } else {
            0
        }
    }

    /// Bytes stored.
    #[inline]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when full.
    #[inline]
    pub const fn is_full(&self) -> bool {
        self.len == N
    }

    /// Room left in bytes: `capacity() - len()`.
    #[inline]
    pub const fn free(&self) -> usize {
        N - self.len
    }

    /// The fixed capacity, `N` bytes.
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Forgets every byte.
    pub fn clear(&mut self) {
        self.head = 0;
        self.tail = 0;
        self.len = 0;
    }

    /// Appends as many bytes of `data` as fit; returns how many (short when
    /// the ring fills up: the rest is still the caller's).
    #[must_use = "a short write leaves bytes unwritten"]
    #[inline]
    pub fn write(&mut self, data: &[u8]) -> usize {
        if self.len == 0 {
            // an empty ring starts over at 0, as `writable` does: the bytes
            // then lie in one piece (one `send` for a socket, not two)
            self.head = 0;
            self.tail = 0;
        }
        let n = data.len().min(N - self.len);
        let tail = self.tail;
        let first = n.min(N - tail);
        if let Some(dst) = self.buf.get_mut(tail..tail + first) {
            copy(dst, data);
        }
        if let (Some(dst), Some(src)) = (self.buf.get_mut(..n - first), data.get(first..n)) {
            copy(dst, src);
        }
        self.tail = Self::wrap(tail + n);
        self.len += n;
        n
    }

    /// **Lossy, by name:** appends all of `data`, discarding the oldest
    /// bytes to make room (and, if `data` is longer than the ring, its own
    /// first bytes too: the ring then holds the last `N` bytes of `data`).
    /// Returns how many bytes were discarded. For logs and "latest bytes
    /// win" captures.
    pub fn write_evicting(&mut self, data: &[u8]) -> usize {
        if data.len() >= N {
            let dropped = self.len + (data.len() - N);
            self.clear();
            let _ = self.write(data.get(data.len() - N..).unwrap_or_default());
            dropped
        } else {
            let need = data.len().saturating_sub(self.free());
            self.consume(need);
            let _ = self.write(data);
            need
        }
    }

    /// Moves up to `out.len()` of the oldest bytes into `out`; returns how
    /// many (short when the ring holds fewer).
    #[must_use = "a short read fills only part of the buffer"]
    #[inline]
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        let n = self.peek_into(out);
        self.head = Self::wrap(self.head + n);
        self.len -= n;
        n
    }

    /// Copies up to `out.len()` of the oldest bytes into `out` without
    /// removing them; returns how many.
    #[inline]
    pub fn peek_into(&self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        let first = n.min(N - self.head);
        if let Some(src) = self.buf.get(self.head..self.head + first) {
            copy(out, src);
        }
        if let (Some(dst), Some(src)) = (out.get_mut(first..n), self.buf.get(..n - first)) {
            copy(dst, src);
        }
        n
    }

    /// Appends one byte.
    ///
    /// # Errors
    ///
    /// `Err(byte)` when full.
    #[inline]
    pub fn push(&mut self, byte: u8) -> Result<(), u8> {
        // fields read once into locals: the byte store would otherwise
        // make the compiler reload them
        let (tail, len) = (self.tail, self.len);
        if len < N
            && let Some(slot) = self.buf.get_mut(Self::index(tail))
        {
            *slot = byte;
            self.tail = if tail + 1 == N { 0 } else { tail + 1 };
            self.len = len + 1;
            return Ok(());
        }
        Err(byte)
    }

    /// Removes and returns the oldest byte.
    #[inline]
    pub fn pull(&mut self) -> Option<u8> {
        let (head, len) = (self.head, self.len);
        if len == 0 {
            return None;
        }
        let b = *self.buf.get(Self::index(head))?;
        self.head = if head + 1 == N { 0 } else { head + 1 };
        self.len = len - 1;
        Some(b)
    }

    /// The oldest byte, without removing it.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        if self.len == 0 {
            None
        } else {
            self.buf.get(self.head).copied()
        }
    }

    /// The oldest bytes that are contiguous in storage (all of them unless
    /// they wrap; then call again after [`consume`](Self::consume)).
    pub fn readable(&self) -> &[u8] {
        let first = self.len.min(N - self.head);
        self.buf
            .get(self.head..self.head + first)
            .unwrap_or_default()
    }

    /// Removes the `n` oldest bytes (after reading them through
    /// [`readable`](Self::readable) or [`as_slices`](Self::as_slices));
    /// returns how many were removed (`n`, or `len()` if smaller).
    pub fn consume(&mut self, n: usize) -> usize {
        let n = n.min(self.len);
        self.head = Self::wrap(self.head + n);
        self.len -= n;
        n
    }

    /// The largest contiguous free slice, where the next written bytes go:
    /// fill its start, then [`commit`](Self::commit) how many you wrote. It
    /// may be shorter than [`free`](Self::free) when the free space wraps
    /// (commit, then ask again). An empty ring rewinds first, so it lends
    /// all `N` bytes.
    pub fn writable(&mut self) -> &mut [u8] {
        if self.len == 0 {
            self.head = 0;
            self.tail = 0;
        }
        let tail = self.tail;
        let n = (N - self.len).min(N - tail);
        self.buf.get_mut(tail..tail + n).unwrap_or_default()
    }

    /// Publishes the first `n` bytes of the slice last lent by
    /// [`writable`](Self::writable) as data; returns how many (`n`, or the
    /// length of that slice if smaller: bytes never lent are never
    /// published).
    pub fn commit(&mut self, n: usize) -> usize {
        let tail = self.tail;
        let n = n.min((N - self.len).min(N - tail));
        self.tail = Self::wrap(tail + n);
        self.len += n;
        n
    }

    /// All stored bytes, oldest first, as two slices (the second is empty
    /// unless the data wraps).
    pub fn as_slices(&self) -> (&[u8], &[u8]) {
        let first = self.len.min(N - self.head);
        (
            self.buf
                .get(self.head..self.head + first)
                .unwrap_or_default(),
            self.buf.get(..self.len - first).unwrap_or_default(),
        )
    }

    /// Rotates the storage so the data is one slice, and returns it. O(N)
    /// when the data wraps, free otherwise. For parsers that want a frame in
    /// one piece.
    pub fn make_contiguous(&mut self) -> &[u8] {
        if self.head + self.len > N {
            self.buf.rotate_left(self.head.min(N));
            self.head = 0;
            self.tail = Self::wrap(self.len);
        }
        self.buf
            .get(self.head..self.head + self.len)
            .unwrap_or_default()
    }

    /// The stored bytes, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = u8> + '_ {
        let (a, b) = self.as_slices();
        a.iter().chain(b).copied()
    }
}

impl<const N: usize> super::Fill for Ring<N> {
    #[inline]
    fn len(&self) -> usize {
        self.len
    }
    #[inline]
    fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> super::Queue<u8> for Ring<N> {
    #[inline]
    fn push(&mut self, item: u8) -> Result<(), u8> {
        Ring::push(self, item)
    }
    #[inline]
    fn pull(&mut self) -> Option<u8> {
        Ring::pull(self)
    }
}

impl<const N: usize> Default for Ring<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> PartialEq for Ring<N> {
    /// Same bytes in the same order (wherever they sit in storage).
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<const N: usize> Eq for Ring<N> {}

impl<const N: usize> fmt::Debug for Ring<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.as_slices();
        f.debug_struct("Ring")
            .field("len", &self.len)
            .field("capacity", &N)
            .field("head", &a)
            .field("wrapped", &b)
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Ring<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        let (a, b) = self.as_slices();
        defmt::write!(
            f,
            "Ring({=usize}/{=usize}) {=[u8]:x}{=[u8]:x}",
            self.len,
            N,
            a,
            b
        );
    }
}
