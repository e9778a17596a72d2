//! An in-memory UART for tests and simulations on any target: no
//! hardware, no allocator, deterministic.
//!
//! [`SimUart`] has a receive FIFO the test fills ([`SimUart::inject`]) and
//! a transmit FIFO the test empties ([`SimUart::take_sent`]), both of fixed
//! capacity, so back pressure, short reads and writes and errors can be
//! produced on purpose. [`SimNb`] shows the same device through
//! embedded-hal-nb's serial traits, for [`NbSerial`](crate::NbSerial).

use embedded_hal_nb::serial;
use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write, WriteReady};
use hio::Ring;

/// An in-memory UART with an `RXQ`-byte receive FIFO and a `TXQ`-byte
/// transmit FIFO, implementing embedded-io's `Read`, `ReadReady`, `Write`
/// and `WriteReady` (error type: `embedded_io::ErrorKind`).
///
/// * Bytes the test [`inject`](Self::inject)s wait in the receive FIFO
///   until read; [`inject`](Self::inject) returns a short count when the
///   FIFO is full (the bytes a real UART would lose).
/// * Bytes written wait in the transmit FIFO until the test
///   [`take_sent`](Self::take_sent)s them; a full FIFO makes `write_ready`
///   false.
/// * [`set_chunk`](Self::set_chunk) caps every `read` and `write` to make
///   them short; [`fail_read`](Self::fail_read), [`fail_write`](Self::fail_write)
///   and [`fail_ready`](Self::fail_ready) make the next such call fail;
///   [`set_eof`](Self::set_eof) makes reads return 0 once the FIFO is empty.
///
/// Its `read` and `write` never block: where embedded-io would block (a read
/// with nothing received, a write into a full FIFO), it fails with
/// `ErrorKind::Other` instead, so a test sees a misbehaving caller.
#[derive(Clone)]
pub struct SimUart<const RXQ: usize, const TXQ: usize> {
    rx: Ring<RXQ>,
    tx: Ring<TXQ>,
    chunk: usize,
    eof: bool,
    fail_read: Option<ErrorKind>,
    fail_write: Option<ErrorKind>,
    fail_ready: Option<ErrorKind>,
    /// Calls of `read` so far.
    pub reads: u32,
    /// Calls of `write` so far.
    pub writes: u32,
}

impl<const RXQ: usize, const TXQ: usize> SimUart<RXQ, TXQ> {
    /// Empty FIFOs, no limits, no failures.
    pub const fn new() -> Self {
        SimUart {
            rx: Ring::new(),
            tx: Ring::new(),
            chunk: usize::MAX,
            eof: false,
            fail_read: None,
            fail_write: None,
            fail_ready: None,
            reads: 0,
            writes: 0,
        }
    }
    /// Bytes arriving on the line: as many as fit in the receive FIFO;
    /// returns how many.
    pub fn inject(&mut self, bytes: &[u8]) -> usize {
        self.rx.write(bytes)
    }
    /// Moves transmitted bytes into `out`; returns how many.
    pub fn take_sent(&mut self, out: &mut [u8]) -> usize {
        self.tx.read(out)
    }
    /// Bytes waiting in the receive FIFO.
    pub fn rx_waiting(&self) -> usize {
        self.rx.len()
    }
    /// Bytes waiting in the transmit FIFO.
    pub fn tx_waiting(&self) -> usize {
        self.tx.len()
    }
    /// At most `n` bytes per `read` and per `write` (`n >= 1`).
    pub fn set_chunk(&mut self, n: usize) {
        self.chunk = n.max(1);
    }
    /// End of file once the receive FIFO is empty.
    pub fn set_eof(&mut self, eof: bool) {
        self.eof = eof;
    }
    /// The next `read` fails with `kind`.
    pub fn fail_read(&mut self, kind: ErrorKind) {
        self.fail_read = Some(kind);
    }
    /// The next `write` fails with `kind`.
    pub fn fail_write(&mut self, kind: ErrorKind) {
        self.fail_write = Some(kind);
    }
    /// The next `read_ready` or `write_ready` fails with `kind`.
    pub fn fail_ready(&mut self, kind: ErrorKind) {
        self.fail_ready = Some(kind);
    }
}

impl<const RXQ: usize, const TXQ: usize> Default for SimUart<RXQ, TXQ> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const RXQ: usize, const TXQ: usize> ErrorType for SimUart<RXQ, TXQ> {
    type Error = ErrorKind;
}

impl<const RXQ: usize, const TXQ: usize> ReadReady for SimUart<RXQ, TXQ> {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        if let Some(k) = self.fail_ready.take() {
            return Err(k);
        }
        Ok(!self.rx.is_empty() || self.eof || self.fail_read.is_some())
    }
}

impl<const RXQ: usize, const TXQ: usize> Read for SimUart<RXQ, TXQ> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.reads += 1;
        if let Some(k) = self.fail_read.take() {
            return Err(k);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if self.rx.is_empty() {
            return if self.eof {
                Ok(0)
            } else {
                Err(ErrorKind::Other)
            };
        }
        let n = buf.len().min(self.chunk);
        Ok(self.rx.read(buf.get_mut(..n).unwrap_or_default()))
    }
}

impl<const RXQ: usize, const TXQ: usize> WriteReady for SimUart<RXQ, TXQ> {
    fn write_ready(&mut self) -> Result<bool, ErrorKind> {
        if let Some(k) = self.fail_ready.take() {
            return Err(k);
        }
        Ok(!self.tx.is_full() || self.fail_write.is_some())
    }
}

impl<const RXQ: usize, const TXQ: usize> Write for SimUart<RXQ, TXQ> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.writes += 1;
        if let Some(k) = self.fail_write.take() {
            return Err(k);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if self.tx.is_full() {
            return Err(ErrorKind::Other);
        }
        let n = buf.len().min(self.chunk);
        Ok(self.tx.write(buf.get(..n).unwrap_or_default()))
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// A [`SimUart`] seen through embedded-hal-nb's `serial::Read<u8>` and
/// `serial::Write<u8>` (error type `serial::ErrorKind`): reads and writes
/// return `WouldBlock` where the FIFOs are empty or full.
#[derive(Clone, Default)]
pub struct SimNb<const RXQ: usize, const TXQ: usize> {
    /// The device underneath.
    pub uart: SimUart<RXQ, TXQ>,
    fail_read: Option<serial::ErrorKind>,
    fail_write: Option<serial::ErrorKind>,
}

impl<const RXQ: usize, const TXQ: usize> SimNb<RXQ, TXQ> {
    /// `uart` through the nb traits.
    pub const fn new(uart: SimUart<RXQ, TXQ>) -> Self {
        SimNb {
            uart,
            fail_read: None,
            fail_write: None,
        }
    }
    /// The next nb `read` fails with `kind`.
    pub fn fail_read(&mut self, kind: serial::ErrorKind) {
        self.fail_read = Some(kind);
    }
    /// The next nb `write` fails with `kind`.
    pub fn fail_write(&mut self, kind: serial::ErrorKind) {
        self.fail_write = Some(kind);
    }
}

impl<const RXQ: usize, const TXQ: usize> serial::ErrorType for SimNb<RXQ, TXQ> {
    type Error = serial::ErrorKind;
}

impl<const RXQ: usize, const TXQ: usize> serial::Read<u8> for SimNb<RXQ, TXQ> {
    fn read(&mut self) -> nb::Result<u8, serial::ErrorKind> {
        if let Some(k) = self.fail_read.take() {
            return Err(nb::Error::Other(k));
        }
        self.uart.rx.pull().ok_or(nb::Error::WouldBlock)
    }
}

impl<const RXQ: usize, const TXQ: usize> serial::Write<u8> for SimNb<RXQ, TXQ> {
    fn write(&mut self, word: u8) -> nb::Result<(), serial::ErrorKind> {
        if let Some(k) = self.fail_write.take() {
            return Err(nb::Error::Other(k));
        }
        self.uart.tx.push(word).map_err(|_| nb::Error::WouldBlock)
    }
    fn flush(&mut self) -> nb::Result<(), serial::ErrorKind> {
        Ok(())
    }
}
