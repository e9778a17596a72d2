//! [`UartDoer`]: the polled UART service doer.

use core::cell::RefCell;

use embedded_io::{Read, ReadReady, Write, WriteReady};
use hio::{Cx, Doer, Error, IoKind, Recur, Ring, Tock};

use crate::error::{OnError, Stats, kind_of};

/// A full-duplex byte device the service doers can drive without blocking:
/// embedded-io's `Read`, `ReadReady`, `Write` and `WriteReady` on one value.
/// Every type with the four traits is a `Uart`; split halves join into one
/// with [`Duplex`](crate::Duplex), nb-only HALs come in through
/// [`NbSerial`](crate::NbSerial).
pub trait Uart: Read + ReadReady + Write + WriteReady {}

impl<T: Read + ReadReady + Write + WriteReady + ?Sized> Uart for T {}

/// What one service step moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Moved {
    /// Bytes moved from the device into the rx ring.
    pub read: usize,
    /// Bytes moved from the tx ring into the device.
    pub written: usize,
}

/// Borrows a shared ring for the length of a step. A ring borrowed across a
/// step (never possible between cooperative steps unless a doer holds a
/// borrow in a field) is [`Error::Misuse`], not a panic.
pub(crate) fn borrow<const N: usize>(
    ring: &RefCell<Ring<N>>,
) -> Result<core::cell::RefMut<'_, Ring<N>>, Error> {
    ring.try_borrow_mut().map_err(|_| Error::Misuse)
}

/// Moves bytes from `tx` into `dev` while the device is ready: at most
/// `tx.len()` bytes, never blocking. Shared by both service doers.
pub(crate) fn pump_tx<W, const TX: usize>(
    dev: &mut W,
    tx: &RefCell<Ring<TX>>,
    map: fn(&W::Error) -> IoKind,
    policy: OnError,
    stats: &mut Stats,
) -> Result<usize, Error>
where
    W: Write + WriteReady + ?Sized,
{
    let mut tx = borrow(tx)?;
    let mut written = 0;
    // each round writes at least one byte or stops: at most `TX` rounds
    let outcome = loop {
        if tx.is_empty() {
            break Ok(());
        }
        match dev.write_ready() {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) => break Err(map(&e)),
        }
        match dev.write(tx.readable()) {
            // embedded-io forbids Ok(0) for a non-empty buffer
            Ok(0) => break Err(IoKind::Other),
            Ok(n) => {
                let n = tx.consume(n);
                written += n;
                stats.tx_bytes = stats.tx_bytes.wrapping_add(n as u32);
            }
            Err(e) => break Err(map(&e)),
        }
    };
    if let Err(kind) = outcome {
        crate::log::log_warn!("uart: write failed");
        stats.record(policy, kind)?;
    }
    Ok(written)
}

/// The UART service doer (hio's serial Driver, for microcontrollers): it
/// moves bytes between a [`Uart`] and two byte rings that application
/// doers share, without ever blocking.
///
/// ```text
///  UART ──read──▶ rx: RefCell<Ring<RX>> ──▶ application doers
///  UART ◀─write── tx: RefCell<Ring<TX>> ◀── application doers
/// ```
///
/// Each step reads while the device says `read_ready` and the rx ring has
/// room (reading straight into the ring's free slice), then writes while the
/// device says `write_ready` and the tx ring has bytes. Application doers
/// never touch the device.
///
/// ```
/// use core::cell::RefCell;
/// use hio::{Cx, Doer, Ring, Tyme};
/// use hio_hal::{UartDoer, sim::SimUart};
///
/// let rx: RefCell<Ring<64>> = RefCell::new(Ring::new());
/// let tx: RefCell<Ring<64>> = RefCell::new(Ring::new());
/// let mut uart: SimUart<16, 16> = SimUart::new();
/// assert_eq!(uart.inject(b"ping"), 4);           // bytes arrive on the line
/// let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
/// let mut cx = Cx::detached(Tyme::ZERO);
/// service.recur(&mut cx)?;                        // one step
/// assert_eq!(rx.borrow().readable(), b"ping");
/// assert_eq!(tx.borrow_mut().write(b"pong"), 4);  // an application answers
/// service.recur(&mut cx)?;
/// drop(service);
/// let mut out = [0u8; 8];
/// assert_eq!(uart.take_sent(&mut out), 4);
/// assert_eq!(&out[..4], b"pong");
/// # Ok::<(), hio::Error>(())
/// ```
///
/// # Contract
///
/// * **Contexts.** `recur` services the device; `enter` and the closing
///   contexts do nothing to it (bytes stay in the rings and in the device).
///   [`service`](Self::service) and [`drain`](Self::drain) may also be
///   called outside a scheduler.
/// * **Non-blocking.** `read` is called only after `read_ready` said
///   `true`, `write` only after `write_ready` said `true`, which embedded-io
///   guarantees will not block.
/// * **Back pressure.** When the rx ring is full nothing is read: the bytes
///   wait in the device (whose own FIFO may then overrun; that is the
///   hardware's loss, reported by the device as an error). No byte the
///   device handed over is ever dropped.
/// * **Bounded work.** A step moves at most `RX` bytes in and `TX` bytes
///   out.
/// * **Short reads and writes** are normal on both sides.
/// * **Errors.** A device error is mapped onto [`Error::Io`] (by default
///   with [`io_kind`](crate::io_kind) of its embedded-io kind; see
///   [`with_error_map`](Self::with_error_map)). Under [`OnError::Abort`]
///   (default) the step fails with it and the doer aborts; under
///   [`OnError::Count`] it is counted in [`stats`](Self::stats). A device at
///   end of file (a read of 0 bytes) is not an error: the doer stops reading
///   ([`is_eof`](Self::is_eof)) and goes on writing. A shared ring borrowed
///   elsewhere during the step is [`Error::Misuse`].
pub struct UartDoer<'a, D: Uart, const RX: usize, const TX: usize> {
    name: &'static str,
    dev: D,
    rx: &'a RefCell<Ring<RX>>,
    tx: &'a RefCell<Ring<TX>>,
    tock: Tock,
    policy: OnError,
    map: fn(&D::Error) -> IoKind,
    stats: Stats,
    eof: bool,
}

impl<'a, D: Uart, const RX: usize, const TX: usize> UartDoer<'a, D, RX, TX> {
    /// A service doer named `name` for `dev`, filling `rx` and emptying
    /// `tx`, run on every pass of its scheduler, aborting on errors.
    pub fn new(
        name: &'static str,
        dev: D,
        rx: &'a RefCell<Ring<RX>>,
        tx: &'a RefCell<Ring<TX>>,
    ) -> Self {
        UartDoer {
            name,
            dev,
            rx,
            tx,
            tock: Tock::ZERO,
            policy: OnError::Abort,
            map: kind_of::<D::Error>,
            stats: Stats::default(),
            eof: false,
        }
    }

    /// Runs every `tock` instead of every pass (hio's doer tock). A slower
    /// service needs rx room (and device FIFO) for what arrives in between.
    #[must_use]
    pub fn with_tock(mut self, tock: Tock) -> Self {
        self.tock = tock;
        self
    }

    /// What to do on device errors (default [`OnError::Abort`]).
    #[must_use]
    pub fn with_policy(mut self, policy: OnError) -> Self {
        self.policy = policy;
        self
    }

    /// Maps device errors with `map` instead of their embedded-io kind (for
    /// example [`NbError::io_kind`](crate::NbError::io_kind), which keeps
    /// [`IoKind::Overrun`]).
    #[must_use]
    pub fn with_error_map(mut self, map: fn(&D::Error) -> IoKind) -> Self {
        self.map = map;
        self
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// True after the device reported end of file; reading has stopped.
    pub fn is_eof(&self) -> bool {
        self.eof
    }

    /// The device.
    pub fn device(&mut self) -> &mut D {
        &mut self.dev
    }

    /// Gives the device back.
    pub fn into_inner(self) -> D {
        self.dev
    }

    /// One service step: read what the device has (while rx has room), then
    /// write what tx holds (while the device takes it).
    ///
    /// # Errors
    ///
    /// A device error under [`OnError::Abort`]; [`Error::Misuse`] when a
    /// ring is borrowed elsewhere.
    pub fn service(&mut self) -> Result<Moved, Error> {
        let read = self.pump_rx()?;
        let written = self.drain()?;
        Ok(Moved { read, written })
    }

    /// Writes what the tx ring holds while the device takes it, without
    /// reading (for a last flush after the tree has stopped). Returns the
    /// bytes written.
    ///
    /// # Errors
    ///
    /// As [`service`](Self::service).
    pub fn drain(&mut self) -> Result<usize, Error> {
        pump_tx(
            &mut self.dev,
            self.tx,
            self.map,
            self.policy,
            &mut self.stats,
        )
    }

    fn pump_rx(&mut self) -> Result<usize, Error> {
        let mut rx = borrow(self.rx)?;
        let mut read = 0;
        // each round reads at least one byte or stops: at most `RX` rounds
        let outcome = loop {
            if self.eof {
                break Ok(());
            }
            match self.dev.read_ready() {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
            let slot = rx.writable();
            if slot.is_empty() {
                // back pressure: the bytes stay in the device
                self.stats.rx_full = self.stats.rx_full.wrapping_add(1);
                break Ok(());
            }
            match self.dev.read(slot) {
                Ok(0) => {
                    crate::log::log_debug!("uart: end of file");
                    self.eof = true;
                }
                Ok(n) => {
                    let n = rx.commit(n);
                    read += n;
                    self.stats.rx_bytes = self.stats.rx_bytes.wrapping_add(n as u32);
                }
                Err(e) => break Err(e),
            }
        };
        if let Err(e) = outcome {
            crate::log::log_warn!("uart: read failed");
            self.stats.record(self.policy, (self.map)(&e))?;
        }
        Ok(read)
    }
}

impl<D: Uart, const RX: usize, const TX: usize> Doer for UartDoer<'_, D, RX, TX> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.service()?;
        Ok(Recur::Again(self.tock))
    }
}
