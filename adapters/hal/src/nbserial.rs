//! Shims: [`NbSerial`] turns an embedded-hal-nb serial port into an
//! embedded-io device; [`Duplex`] joins a receive half and a transmit half
//! into one.

use core::fmt;

use embedded_hal_nb::serial;
use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write, WriteReady};
use hio::IoKind;

/// The error of an [`NbSerial`]: the HAL's own error, kept whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NbError<E>(pub E);

impl<E: serial::Error> NbError<E> {
    /// The hio kind, exactly: [`IoKind::Overrun`] for an overrun,
    /// [`IoKind::InvalidData`] for framing, parity and noise errors,
    /// [`IoKind::Other`] otherwise. Pass it to
    /// [`UartDoer::with_error_map`](crate::UartDoer::with_error_map) to keep
    /// overruns apart from other errors (embedded-io has no overrun kind).
    pub fn io_kind(&self) -> IoKind {
        match self.0.kind() {
            serial::ErrorKind::Overrun => IoKind::Overrun,
            serial::ErrorKind::FrameFormat
            | serial::ErrorKind::Parity
            | serial::ErrorKind::Noise => IoKind::InvalidData,
            _ => IoKind::Other,
        }
    }
}

impl<E: serial::Error> fmt::Display for NbError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.kind(), f)
    }
}

impl<E: serial::Error> core::error::Error for NbError<E> {}

impl<E: serial::Error> embedded_io::Error for NbError<E> {
    /// `InvalidData` for framing, parity and noise; `Other` for overruns
    /// and the rest (see [`NbError::io_kind`] for the exact hio kind).
    fn kind(&self) -> ErrorKind {
        match self.0.kind() {
            serial::ErrorKind::FrameFormat
            | serial::ErrorKind::Parity
            | serial::ErrorKind::Noise => ErrorKind::InvalidData,
            _ => ErrorKind::Other,
        }
    }
}

/// An embedded-hal-nb serial port (nb `serial::Read<u8>` and/or
/// `serial::Write<u8>`, one word at a time) as an embedded-io device, for
/// HALs that offer only the nb interface (stm32f4xx-hal, for one).
///
/// nb has no readiness query, so the shim keeps one byte of look-ahead on
/// each side:
///
/// * `read_ready` tries an nb read; a byte it gets is held and handed out by
///   the next `read`. `read` hands out the held byte and whatever else the
///   port has now, without waiting for more.
/// * `write_ready` first pushes a held transmit byte into the port; it is
///   `true` when nothing is held. `write` writes while the port takes bytes,
///   and when the port says "would block" on the first byte it holds that
///   byte (counting it as written), so after `write_ready` a `write` never
///   blocks.
///
/// `Read`/`ReadReady` exist when the port is an nb reader, `Write`/
/// `WriteReady` when it is an nb writer, so a receive-only or
/// transmit-only half works too (join two halves with
/// [`Duplex`](crate::Duplex)).
///
/// ```
/// use embedded_io::{Read, ReadReady, Write, WriteReady};
/// use hio_hal::{NbSerial, sim::{SimNb, SimUart}};
/// let mut port = NbSerial::new(SimNb::new(SimUart::<4, 1>::new()));
/// assert_eq!(port.inner().uart.inject(b"hi"), 2);
/// assert!(port.read_ready()?);
/// let mut buf = [0u8; 4];
/// assert_eq!(port.read(&mut buf)?, 2);
/// assert_eq!(port.write(b"abc")?, 1);   // "a" fills the 1-byte FIFO
/// assert!(port.write_ready()?);         // nothing held: one byte can be taken
/// assert_eq!(port.write(b"bc")?, 1);    // "b" is held by the shim
/// assert!(!port.write_ready()?);        // and cannot go yet
/// let mut sent = [0u8; 2];
/// assert_eq!(port.inner().uart.take_sent(&mut sent), 1);
/// assert!(port.write_ready()?);         // "b" went into the FIFO now
/// # Ok::<(), hio_hal::NbError<embedded_hal_nb::serial::ErrorKind>>(())
/// ```
///
/// # Contract
///
/// * **Blocking.** Only in the cases embedded-io requires: `read` with
///   nothing held and nothing in the port, `write` with a byte still held,
///   and `flush`. The service doers never call them then.
/// * **Errors** are the port's, wrapped in [`NbError`].
/// * **Bounded work.** `read` and `write` stop at the first "would block".
pub struct NbSerial<S: serial::ErrorType> {
    port: S,
    rx_held: Option<u8>,
    tx_held: Option<u8>,
    /// An error met after some bytes were already read: reported next.
    rx_err: Option<S::Error>,
    /// An error met after some bytes were already written: reported next.
    tx_err: Option<S::Error>,
}

impl<S: serial::ErrorType> NbSerial<S> {
    /// Wraps `port`.
    pub const fn new(port: S) -> Self {
        NbSerial {
            port,
            rx_held: None,
            tx_held: None,
            rx_err: None,
            tx_err: None,
        }
    }
    /// The port.
    pub fn inner(&mut self) -> &mut S {
        &mut self.port
    }
    /// Gives the port back with the byte held for reading (if any; it was
    /// received and not yet read) and the one held for writing (accepted
    /// but not yet sent).
    pub fn into_parts(self) -> (S, Option<u8>, Option<u8>) {
        (self.port, self.rx_held, self.tx_held)
    }
}

impl<S: serial::ErrorType> ErrorType for NbSerial<S> {
    type Error = NbError<S::Error>;
}

impl<S: serial::Read<u8>> ReadReady for NbSerial<S> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        if let Some(e) = self.rx_err.take() {
            return Err(NbError(e));
        }
        if self.rx_held.is_some() {
            return Ok(true);
        }
        match self.port.read() {
            Ok(b) => {
                self.rx_held = Some(b);
                Ok(true)
            }
            Err(nb::Error::WouldBlock) => Ok(false),
            Err(nb::Error::Other(e)) => Err(NbError(e)),
        }
    }
}

impl<S: serial::Read<u8>> Read for NbSerial<S> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if let Some(e) = self.rx_err.take() {
            return Err(NbError(e));
        }
        let mut n = 0;
        for slot in buf.iter_mut() {
            let byte = match self.rx_held.take() {
                Some(b) => b,
                None if n == 0 => nb::block!(self.port.read()).map_err(NbError)?,
                None => match self.port.read() {
                    Ok(b) => b,
                    Err(nb::Error::WouldBlock) => break,
                    // the bytes read so far are returned, the error next
                    Err(nb::Error::Other(e)) => {
                        self.rx_err = Some(e);
                        break;
                    }
                },
            };
            *slot = byte;
            n += 1;
        }
        Ok(n)
    }
}

impl<S: serial::Write<u8>> NbSerial<S> {
    /// Pushes the held transmit byte into the port if it takes it now.
    fn push_held(&mut self) -> Result<bool, NbError<S::Error>> {
        if let Some(e) = self.tx_err.take() {
            return Err(NbError(e));
        }
        match self.tx_held {
            None => Ok(true),
            Some(b) => match self.port.write(b) {
                Ok(()) => {
                    self.tx_held = None;
                    Ok(true)
                }
                Err(nb::Error::WouldBlock) => Ok(false),
                Err(nb::Error::Other(e)) => Err(NbError(e)),
            },
        }
    }
}

impl<S: serial::Write<u8>> WriteReady for NbSerial<S> {
    fn write_ready(&mut self) -> Result<bool, Self::Error> {
        self.push_held()
    }
}

impl<S: serial::Write<u8>> Write for NbSerial<S> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        while !self.push_held()? {}
        let mut n = 0;
        for &b in buf {
            match self.port.write(b) {
                Ok(()) => n += 1,
                Err(nb::Error::WouldBlock) => {
                    if n == 0 {
                        self.tx_held = Some(b);
                        n = 1;
                    }
                    break;
                }
                // the bytes written so far count, the error comes next
                Err(nb::Error::Other(e)) if n > 0 => {
                    self.tx_err = Some(e);
                    break;
                }
                Err(nb::Error::Other(e)) => return Err(NbError(e)),
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        while !self.push_held()? {}
        nb::block!(self.port.flush()).map_err(NbError)
    }
}

/// The error of a [`Duplex`]: from its receive or its transmit half.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DuplexError<R, W> {
    /// From the receive half.
    Rx(R),
    /// From the transmit half.
    Tx(W),
}

impl<R: embedded_io::Error, W: embedded_io::Error> fmt::Display for DuplexError<R, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DuplexError::Rx(e) => write!(f, "rx: {e}"),
            DuplexError::Tx(e) => write!(f, "tx: {e}"),
        }
    }
}

impl<R: embedded_io::Error, W: embedded_io::Error> core::error::Error for DuplexError<R, W> {}

impl<R: embedded_io::Error, W: embedded_io::Error> embedded_io::Error for DuplexError<R, W> {
    fn kind(&self) -> ErrorKind {
        match self {
            DuplexError::Rx(e) => e.kind(),
            DuplexError::Tx(e) => e.kind(),
        }
    }
}

/// A receive half and a transmit half as one [`Uart`](crate::Uart), for
/// HALs that split their UARTs (nrf52840-hal's UARTE halves, for one).
///
/// ```
/// use hio_hal::{Duplex, Uart, sim::SimUart};
/// fn is_uart<U: Uart>(_: &U) {}
/// let both = Duplex::new(SimUart::<4, 4>::new(), SimUart::<4, 4>::new());
/// is_uart(&both);
/// ```
pub struct Duplex<R, W> {
    /// The receive half.
    pub rx: R,
    /// The transmit half.
    pub tx: W,
}

impl<R, W> Duplex<R, W> {
    /// Joins `rx` and `tx`.
    pub const fn new(rx: R, tx: W) -> Self {
        Duplex { rx, tx }
    }
}

impl<R: ErrorType, W: ErrorType> ErrorType for Duplex<R, W> {
    type Error = DuplexError<R::Error, W::Error>;
}

impl<R: ReadReady, W: ErrorType> ReadReady for Duplex<R, W> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        self.rx.read_ready().map_err(DuplexError::Rx)
    }
}

impl<R: Read, W: ErrorType> Read for Duplex<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.rx.read(buf).map_err(DuplexError::Rx)
    }
}

impl<R: ErrorType, W: WriteReady> WriteReady for Duplex<R, W> {
    fn write_ready(&mut self) -> Result<bool, Self::Error> {
        self.tx.write_ready().map_err(DuplexError::Tx)
    }
}

impl<R: ErrorType, W: Write> Write for Duplex<R, W> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.tx.write(buf).map_err(DuplexError::Tx)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.tx.flush().map_err(DuplexError::Tx)
    }
}
