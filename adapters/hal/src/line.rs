//! [`LineSplitter`]: lines out of a byte ring, with a maximum length.

use core::fmt;

use hio::{Error, IoKind, Ring};

/// A line that exceeded the splitter's maximum length; it was discarded up
/// to and including its line end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TooLong {
    /// Its length without the line end (saturating at `usize::MAX`).
    pub len: usize,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line of {} bytes is too long", self.len)
    }
}

impl core::error::Error for TooLong {}

impl From<TooLong> for Error {
    fn from(_: TooLong) -> Self {
        Error::Io(IoKind::TooLong)
    }
}

/// Splits a byte stream into lines of at most `MAX` bytes (hio's serial
/// Driver scans its rx buffer for line ends the same way).
///
/// A line ends at `\n`; the line handed out excludes the `\n` and, when
/// [`strip_cr`](Self::strip_cr) is on (the default), a `\r` just before it,
/// so `\r\n` and `\n` both work. Bytes of an unfinished line are kept in
/// the splitter between calls (a line may arrive across many reads).
///
/// **Over-long lines are an error value, and the splitter resynchronises:**
/// when a line grows past `MAX` bytes its bytes are discarded up to its line
/// end, and that line end yields `Err(TooLong { len })` in place of the
/// line. So every input line produces exactly one item, a line or an
/// error, and the line after a long one is read whole.
///
/// ```
/// use hio::Ring;
/// use hio_hal::{LineSplitter, TooLong};
///
/// let mut rx: Ring<64> = Ring::new();
/// let mut lines: LineSplitter<8> = LineSplitter::new();
/// assert_eq!(rx.write(b"AT\r\nmuch too long\nOK"), 20);
/// assert_eq!(lines.next_line(&mut rx), Some(Ok(&b"AT"[..])));
/// assert_eq!(lines.next_line(&mut rx), Some(Err(TooLong { len: 13 })));
/// assert_eq!(lines.next_line(&mut rx), None);      // "OK" is not finished
/// assert_eq!(rx.write(b"\n"), 1);                 // the rest arrives
/// assert_eq!(lines.next_line(&mut rx), Some(Ok(&b"OK"[..])));
/// ```
///
/// # Contract
///
/// * **Bounded work.** A call consumes at most the bytes of the ring (O(n)
///   copy into a `MAX`-byte line buffer) and stops after one line end.
/// * **No loss** other than the bytes of over-long lines, which are
///   reported by length.
/// * **Errors** are values; [`TooLong`] converts into
///   `hio::Error::Io(IoKind::TooLong)` for a doer that wants to fail with it.
pub struct LineSplitter<const MAX: usize> {
    buf: [u8; MAX],
    len: usize,
    /// Bytes of the current line discarded because it grew past `MAX`.
    over: usize,
    /// The previous call handed out a line: forget it at the next call.
    done: bool,
    strip_cr: bool,
    /// A `\r` arrived when the buffer was exactly full: stripped if a `\n`
    /// follows, an over-long line otherwise.
    cr_held: bool,
    /// The last byte taken for the current line was a `\r`.
    last_cr: bool,
}

impl<const MAX: usize> LineSplitter<MAX> {
    /// An empty splitter that strips `\r` before `\n`.
    pub const fn new() -> Self {
        LineSplitter {
            buf: [0; MAX],
            len: 0,
            over: 0,
            done: false,
            strip_cr: true,
            cr_held: false,
            last_cr: false,
        }
    }

    /// Whether a `\r` before the `\n` is removed (default `true`).
    pub fn strip_cr(&mut self, strip: bool) {
        self.strip_cr = strip;
    }

    /// Bytes of the unfinished line held (or discarded, for a line already
    /// too long).
    pub fn pending(&self) -> usize {
        if self.done {
            0
        } else {
            self.len.saturating_add(self.over)
        }
    }

    /// True while the current line has grown past `MAX` and is being
    /// skipped up to its end.
    pub fn is_discarding(&self) -> bool {
        !self.done && self.over > 0
    }

    /// Forgets the unfinished line.
    pub fn reset(&mut self) {
        self.len = 0;
        self.over = 0;
        self.done = false;
        self.cr_held = false;
        self.last_cr = false;
    }

    /// Consumes bytes of `input` up to and including the next line end and
    /// returns the line, `Err(TooLong)` for an over-long one, or `None` when
    /// `input` ran out first (its bytes are kept for the next call).
    pub fn next_line<const N: usize>(
        &mut self,
        input: &mut Ring<N>,
    ) -> Option<Result<&[u8], TooLong>> {
        loop {
            let chunk = input.readable();
            if chunk.is_empty() {
                return None;
            }
            let (taken, ended) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (chunk.get(..i).unwrap_or_default(), true),
                None => (chunk, false),
            };
            let used = taken.len() + usize::from(ended);
            self.take(taken);
            input.consume(used);
            if ended {
                return Some(self.finish());
            }
        }
    }

    /// Feeds bytes from a slice instead of a ring: consumes `input` up to
    /// and including the next line end; returns how many bytes it consumed
    /// and the line (or error) if one ended.
    pub fn feed(&mut self, input: &[u8]) -> (usize, Option<Result<&[u8], TooLong>>) {
        match input.iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.take(input.get(..i).unwrap_or_default());
                (i + 1, Some(self.finish()))
            }
            None => {
                self.take(input);
                (input.len(), None)
            }
        }
    }

    /// Appends bytes of the current line (no line end among them).
    fn take(&mut self, bytes: &[u8]) {
        if self.done {
            self.reset();
        }
        let Some(&last) = bytes.last() else {
            return;
        };
        self.last_cr = last == b'\r';
        if self.over == 0 {
            if self.cr_held {
                // the `\r` held past MAX was not the end: the line is too long
                self.cr_held = false;
                self.over = 1;
            } else {
                let room = MAX - self.len;
                let fits = bytes.len() <= room;
                // a `\r` just past MAX may still be stripped: hold it
                let cr_past = self.strip_cr && bytes.len() == room + 1 && self.last_cr;
                if fits || cr_past {
                    let n = bytes.len().min(room);
                    if let (Some(dst), Some(src)) =
                        (self.buf.get_mut(self.len..self.len + n), bytes.get(..n))
                    {
                        dst.copy_from_slice(src);
                    }
                    self.len += n;
                    self.cr_held = cr_past;
                    return;
                }
            }
        }
        // too long: keep counting, stop storing
        self.over = self.over.saturating_add(bytes.len());
    }

    /// Ends the current line.
    fn finish(&mut self) -> Result<&[u8], TooLong> {
        if self.done {
            self.reset();
        }
        self.done = true;
        if self.over > 0 {
            let mut len = self.len.saturating_add(self.over);
            // a stripped `\r` does not count, as for a line that fits
            if self.strip_cr && self.last_cr {
                len -= 1;
            }
            return Err(TooLong { len });
        }
        let mut line = self.buf.get(..self.len).unwrap_or_default();
        if self.strip_cr
            && !self.cr_held
            && let Some((b'\r', rest)) = line.split_last()
        {
            line = rest;
        }
        Ok(line)
    }
}

impl<const MAX: usize> Default for LineSplitter<MAX> {
    fn default() -> Self {
        Self::new()
    }
}
