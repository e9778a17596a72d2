//! The interrupt-fed receive path: [`IrqRx`] (an SPSC byte ring plus an
//! overrun counter), its [`IrqProducer`] for the UART interrupt handler,
//! and [`IrqUartDoer`], the service doer that drains it.

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};

use embedded_io::{Write, WriteReady};
use hio::buf::{RingConsumer, RingProducer, SpscRing};
use hio::{Cx, Doer, Error, IoKind, Recur, Ring, Tock};

use crate::error::{OnError, Stats, kind_of};
use crate::uart::{Moved, borrow, pump_tx};

/// Received bytes on their way from a UART interrupt handler to a doer: the
/// core's [`SpscRing`] and a count of the bytes lost on the way
/// (overruns). Put it in a `static` (through a `StaticCell` or
/// `cortex_m::singleton!`) and [`split`](Self::split) it once.
///
/// ```
/// use hio_hal::IrqRx;
/// let mut rx: IrqRx<8> = IrqRx::new();
/// let (mut isr, mut doer_side) = rx.split();
/// for &b in b"0123456789" {
///     let _ = isr.push(b);        // in the UART interrupt handler
/// }
/// assert_eq!(doer_side.overruns(), 2); // the ring held 8; 2 bytes were lost
/// let mut buf = [0u8; 8];
/// assert_eq!(doer_side.read(&mut buf), 8);
/// assert_eq!(&buf, b"01234567");
/// ```
///
/// # Contract
///
/// * **Contexts.** The producer belongs to one interrupt handler (or one
///   thread), the consumer to one doer. Only atomic loads and stores are
///   used (the overrun counter has a single writer, the producer), so it
///   works on thumbv6m.
/// * **Loss is counted, never silent.** A byte that finds the ring full is
///   dropped by the handler (it must empty the hardware FIFO to clear the
///   interrupt) and counted; hardware overruns are counted with
///   [`IrqProducer::note_overrun`]. The counter wraps at `u32::MAX`.
pub struct IrqRx<const N: usize> {
    ring: SpscRing<N>,
    overruns: AtomicU32,
}

impl<const N: usize> IrqRx<N> {
    /// Empty, with no overruns (usable in a `static`).
    pub const fn new() -> Self {
        IrqRx {
            ring: SpscRing::new(),
            overruns: AtomicU32::new(0),
        }
    }

    /// The producer (for the interrupt handler) and the consumer (for the
    /// service doer).
    pub fn split(&mut self) -> (IrqProducer<'_, N>, IrqConsumer<'_, N>) {
        let (producer, consumer) = self.ring.split();
        let overruns = &self.overruns;
        (
            IrqProducer {
                ring: producer,
                overruns,
            },
            IrqConsumer {
                ring: consumer,
                overruns,
                seen: 0,
            },
        )
    }
}

impl<const N: usize> Default for IrqRx<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The interrupt handler's half of an [`IrqRx`].
pub struct IrqProducer<'r, const N: usize> {
    ring: RingProducer<'r, N>,
    overruns: &'r AtomicU32,
}

impl<const N: usize> IrqProducer<'_, N> {
    /// Stores a received byte. When the ring is full the byte is lost,
    /// counted as an overrun, and `false` is returned.
    #[inline]
    pub fn push(&mut self, byte: u8) -> bool {
        if self.ring.push(byte).is_ok() {
            true
        } else {
            self.note_overrun();
            false
        }
    }

    /// Counts one byte lost elsewhere (the UART's own overrun flag).
    #[inline]
    pub fn note_overrun(&mut self) {
        // single writer: a load and a store, no read-modify-write needed
        let n = self.overruns.load(Ordering::Relaxed);
        self.overruns.store(n.wrapping_add(1), Ordering::Release);
    }

    /// Room left in the ring (a lower bound).
    pub fn free(&self) -> usize {
        self.ring.free()
    }
}

/// The service doer's half of an [`IrqRx`].
pub struct IrqConsumer<'r, const N: usize> {
    ring: RingConsumer<'r, N>,
    overruns: &'r AtomicU32,
    seen: u32,
}

impl<const N: usize> IrqConsumer<'_, N> {
    /// Moves up to `out.len()` bytes into `out`; returns how many.
    #[must_use = "a short read fills only part of the buffer"]
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        self.ring.read(out)
    }
    /// Bytes waiting (a lower bound).
    pub fn len(&self) -> usize {
        self.ring.len()
    }
    /// True when nothing is waiting now.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
    /// Overruns since the split, in total.
    pub fn overruns(&self) -> u32 {
        self.overruns.load(Ordering::Acquire)
    }
    /// Overruns since the last call (the first call: since the split).
    pub fn new_overruns(&mut self) -> u32 {
        let now = self.overruns();
        let new = now.wrapping_sub(self.seen);
        self.seen = now;
        new
    }
}

/// The UART service doer for an interrupt-fed receiver: the UART interrupt
/// handler pushes received bytes into an [`IrqRx`]; this doer drains them
/// into the rx ring and writes the tx ring to the UART's transmit side
/// (polled, through embedded-io `Write` + `WriteReady`).
///
/// ```text
///  UART rx irq ──▶ IrqProducer ═ SpscRing ═ IrqConsumer ──▶ rx: Ring ──▶ app
///  UART tx     ◀─────────────── write ◀── tx: Ring ◀───────────────────── app
/// ```
///
/// ```
/// use core::cell::RefCell;
/// use hio::{Cx, Doer, Error, IoKind, Ring, Tyme};
/// use hio_hal::{IrqRx, IrqUartDoer, OnError, sim::SimUart};
///
/// let mut queue: IrqRx<4> = IrqRx::new();
/// let (mut isr, drain) = queue.split();
/// let rx: RefCell<Ring<16>> = RefCell::new(Ring::new());
/// let tx: RefCell<Ring<16>> = RefCell::new(Ring::new());
/// let mut service = IrqUartDoer::new("uart", drain, SimUart::<1, 16>::new(), &rx, &tx)
///     .with_policy(OnError::Count);
/// let mut cx = Cx::detached(Tyme::ZERO);
/// for &b in b"hello" { isr.push(b); } // the handler: one byte too many
/// service.recur(&mut cx)?;
/// assert_eq!(rx.borrow().readable(), b"hell");
/// assert_eq!(service.stats().overruns, 1);
/// assert_eq!(service.stats().last_error, Some(IoKind::Overrun));
/// # Ok::<(), Error>(())
/// ```
///
/// # Contract
///
/// As [`UartDoer`](crate::UartDoer), and:
///
/// * **Back pressure** reaches only as far as the interrupt queue: when the
///   rx ring is full the doer stops draining, the queue fills, and further
///   bytes are lost in the handler and counted. Size the queue for the
///   bytes that arrive between two steps.
/// * **Overruns** found in a step are added to
///   [`Stats::overruns`](crate::Stats::overruns); under
///   [`OnError::Abort`] (default) the step then fails with
///   `Error::Io(IoKind::Overrun)`, under [`OnError::Count`] it goes on.
///   The bytes drained in that step stay in the rx ring either way.
pub struct IrqUartDoer<'a, W, const Q: usize, const RX: usize, const TX: usize>
where
    W: Write + WriteReady,
{
    name: &'static str,
    queue: IrqConsumer<'a, Q>,
    dev: W,
    rx: &'a RefCell<Ring<RX>>,
    tx: &'a RefCell<Ring<TX>>,
    tock: Tock,
    policy: OnError,
    map: fn(&W::Error) -> IoKind,
    stats: Stats,
}

impl<'a, W, const Q: usize, const RX: usize, const TX: usize> IrqUartDoer<'a, W, Q, RX, TX>
where
    W: Write + WriteReady,
{
    /// A service doer named `name` draining `queue` into `rx` and writing
    /// `tx` to `dev`.
    pub fn new(
        name: &'static str,
        queue: IrqConsumer<'a, Q>,
        dev: W,
        rx: &'a RefCell<Ring<RX>>,
        tx: &'a RefCell<Ring<TX>>,
    ) -> Self {
        IrqUartDoer {
            name,
            queue,
            dev,
            rx,
            tx,
            tock: Tock::ZERO,
            policy: OnError::Abort,
            map: kind_of::<W::Error>,
            stats: Stats::default(),
        }
    }

    /// Runs every `tock` instead of every pass.
    #[must_use]
    pub fn with_tock(mut self, tock: Tock) -> Self {
        self.tock = tock;
        self
    }

    /// What to do on overruns and transmit errors (default
    /// [`OnError::Abort`]).
    #[must_use]
    pub fn with_policy(mut self, policy: OnError) -> Self {
        self.policy = policy;
        self
    }

    /// Maps transmit errors with `map` instead of their embedded-io kind.
    #[must_use]
    pub fn with_error_map(mut self, map: fn(&W::Error) -> IoKind) -> Self {
        self.map = map;
        self
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The transmit device.
    pub fn device(&mut self) -> &mut W {
        &mut self.dev
    }

    /// One service step: drain the queue into rx (while rx has room), check
    /// for overruns, then write what tx holds (while the device takes it).
    ///
    /// # Errors
    ///
    /// `Error::Io(IoKind::Overrun)` or a transmit error under
    /// [`OnError::Abort`]; [`Error::Misuse`] when a ring is borrowed
    /// elsewhere.
    pub fn service(&mut self) -> Result<Moved, Error> {
        let mut read = 0;
        {
            let mut rx = borrow(self.rx)?;
            // two rounds: the free space of the rx ring may wrap
            for _ in 0..2 {
                let n = self.queue.read(rx.writable());
                read += rx.commit(n);
            }
            if rx.is_full() && !self.queue.is_empty() {
                self.stats.rx_full = self.stats.rx_full.wrapping_add(1);
            }
        }
        self.stats.rx_bytes = self.stats.rx_bytes.wrapping_add(read as u32);
        let lost = self.queue.new_overruns();
        if lost > 0 {
            crate::log::log_warn!("uart: {} bytes lost in the interrupt queue", lost);
            self.stats.overruns = self.stats.overruns.wrapping_add(lost);
            self.stats.record(self.policy, IoKind::Overrun)?;
        }
        let written = self.drain()?;
        Ok(Moved { read, written })
    }

    /// Writes what tx holds while the device takes it. Returns the bytes
    /// written.
    ///
    /// # Errors
    ///
    /// A transmit error under [`OnError::Abort`].
    pub fn drain(&mut self) -> Result<usize, Error> {
        pump_tx(
            &mut self.dev,
            self.tx,
            self.map,
            self.policy,
            &mut self.stats,
        )
    }
}

impl<W, const Q: usize, const RX: usize, const TX: usize> Doer for IrqUartDoer<'_, W, Q, RX, TX>
where
    W: Write + WriteReady,
{
    fn name(&self) -> &'static str {
        self.name
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.service()?;
        Ok(Recur::Again(self.tock))
    }
}
