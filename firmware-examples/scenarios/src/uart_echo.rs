//! `uart_echo`: a UART echo served by a tree of hio doers.
//!
//! ```text
//! Doist (tock 1 ms, paced by the board clock, waiting between passes)
//!  ├─ DoDoer "io"   (every pass)
//!  │   ├─ uart      hio-hal's UartDoer: the board's UART ⇄ rx/tx rings
//!  │   └─ echo      rx ring ─▶ tx ring; watches for the quit line
//!  └─ heartbeat     logs over defmt once a second
//! ```
//!
//! It writes the ready banner `hio uart_echo ready` on the UART, then echoes
//! every byte. The run ends by itself, so a CI run always ends with a code:
//!
//! * when the quit line `ESC hio:quit LF` (bytes `1b 68 69 6f 3a 71 75 69
//!   74 0a`) has been echoed: the host's end-to-end test ends this way;
//! * on the emulated boards, when nothing at all was received in the first
//!   2 s of tyme (nobody is connected: `check.sh` runs them with `-serial
//!   none` and compares the defmt output with `expected/uart_echo.txt`).
//!   Real boards run until the quit line.
//!
//! Then the tree is closed (cease, exit), the banner `hio uart_echo bye`
//! goes out, the counters are logged, and [`run`] returns the exit code.

use core::cell::{Cell, RefCell};
use core::ops::ControlFlow;

use embedded_io::{Write, WriteReady};
use hio::{Clock, Cx, DoDoer, Doer, Doist, Due, Error, Fixed, Pacer, Recur, Ring, Tock, Tyme, Wait};
use hio_hal::{EveryPass, IrqUartDoer, Stats, Uart, UartDoer};

/// The line that ends the run (border-free: its first byte occurs once).
pub const QUIT: &[u8] = b"\x1bhio:quit\n";
/// The emulated boards' idle limit: with nothing received in the first 2 s
/// of tyme, nobody is connected, so the run stops (`check.sh` relies on it).
pub const IDLE_LIMIT: Tock = Tock::from_secs(2);
/// Bytes of the receive ring.
pub const RX: usize = 128;
/// Bytes of the transmit ring.
pub const TX: usize = 128;

/// Why the run stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Running,
    Quit,
    Idle,
}

/// Copies received bytes to the transmit ring as far as it has room (back
/// pressure: the rest waits in rx, then in the UART), and watches for the
/// quit line.
struct Echo<'a> {
    rx: &'a RefCell<Ring<RX>>,
    tx: &'a RefCell<Ring<TX>>,
    stop: &'a Cell<Stop>,
    echoed: &'a Cell<u32>,
    matched: usize,
    /// Stop at this tyme if nothing was received by then.
    idle_until: Tyme,
}

impl Echo<'_> {
    fn watch(&mut self, b: u8) {
        self.matched = if QUIT.get(self.matched) == Some(&b) {
            self.matched + 1
        } else {
            usize::from(QUIT.first() == Some(&b))
        };
        if self.matched == QUIT.len() {
            self.stop.set(Stop::Quit);
            self.matched = 0;
        }
    }
}

impl Doer for Echo<'_> {
    fn name(&self) -> &'static str {
        "echo"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let rx = self.rx.try_borrow_mut();
        let tx = self.tx.try_borrow_mut();
        let (Ok(mut rx), Ok(mut tx)) = (rx, tx) else {
            return Err(Error::Misuse);
        };
        // byte by byte (small code); at most RX bytes a step
        let mut n = 0u32;
        while let Some(b) = rx.peek() {
            if tx.push(b).is_err() {
                break; // back pressure: the rest waits in rx
            }
            rx.consume(1);
            self.watch(b);
            n += 1;
        }
        self.echoed.set(self.echoed.get().wrapping_add(n));
        if self.echoed.get() == 0 && cx.tyme() >= self.idle_until {
            self.stop.set(Stop::Idle);
        }
        Ok(Recur::NEXT)
    }
    fn cease(&mut self, _cx: &mut Cx<'_>) {
        defmt::info!("echo ceased");
    }
}

/// Logs a heartbeat once a second.
struct Heartbeat<'a> {
    beats: u32,
    echoed: &'a Cell<u32>,
}

impl Doer for Heartbeat<'_> {
    fn name(&self) -> &'static str {
        "heartbeat"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        // tyme of this beat: the doer runs exactly every second from 0
        defmt::info!(
            "heartbeat {=u32} at {=u32} s, echoed {=u32} bytes",
            self.beats + 1,
            self.beats,
            self.echoed.get()
        );
        self.beats += 1;
        Ok(Recur::Again(Tock::from_secs(1)))
    }
    fn cease(&mut self, _cx: &mut Cx<'_>) {
        defmt::info!("heartbeat ceased after {=u32} beats", self.beats);
    }
}

/// Queues a banner for the UART, byte by byte like the echo (a bulk
/// `Ring::write` would link `memcpy`, about 0.7 KiB, for two short lines).
/// The ring is empty when the banners go out, so they always fit.
fn say(tx: &RefCell<Ring<TX>>, text: &[u8]) {
    if let Ok(mut tx) = tx.try_borrow_mut() {
        for &b in text {
            let _ = tx.push(b);
        }
    }
}

/// Real-time pacing that also ends the run when the tree asks for it.
struct Until<'a, P> {
    inner: P,
    stop: &'a Cell<Stop>,
}

impl<P: Pacer> Pacer for Until<'_, P> {
    fn begin(&mut self, tyme: Tyme) {
        self.inner.begin(tyme);
    }
    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()> {
        if self.stop.get() != Stop::Running {
            return ControlFlow::Break(());
        }
        self.inner.pace(due)
    }
}

/// The two rings the service doer and the echo doer share, for a
/// `static` (in `.bss`: zeroed by the reset handler and counted as static
/// RAM, instead of being zeroed on the stack at run time, which links
/// `memclr`, about 170 B of flash).
///
/// ```ignore
/// // SAFETY: single core; only `main` (thread mode) uses RINGS.
/// static RINGS: Rings = unsafe { Rings::new() };
/// ```
pub struct Rings {
    rx: RefCell<Ring<RX>>,
    tx: RefCell<Ring<TX>>,
}

impl Rings {
    /// Empty rings.
    ///
    /// # Safety
    ///
    /// `Rings` is `Sync` so that it can be a `static`, but it holds
    /// `RefCell`s: the caller promises that it lives on a single-core chip
    /// and that only thread mode (the `main` that calls [`run`] and the
    /// doers it runs) ever touches it, never an interrupt handler.
    pub const unsafe fn new() -> Self {
        Rings {
            rx: RefCell::new(Ring::new()),
            tx: RefCell::new(Ring::new()),
        }
    }
    /// The receive ring: the service doer fills it.
    pub fn rx(&self) -> &RefCell<Ring<RX>> {
        &self.rx
    }
    /// The transmit ring: the service doer empties it.
    pub fn tx(&self) -> &RefCell<Ring<TX>> {
        &self.tx
    }
}

/// The UART service doer of the tree: hio-hal's polled [`UartDoer`] or its
/// interrupt-fed [`IrqUartDoer`], built by the board on [`Rings::rx`] and
/// [`Rings::tx`].
pub trait Service: Doer {
    /// Writes what the tx ring holds while the device takes it.
    fn drain(&mut self) -> Result<usize, Error>;
    /// The service's counters.
    fn stats(&self) -> Stats;
}

impl<D: Uart, const R: usize, const T: usize> Service for UartDoer<'_, D, R, T> {
    fn drain(&mut self) -> Result<usize, Error> {
        UartDoer::drain(self)
    }
    fn stats(&self) -> Stats {
        UartDoer::stats(self)
    }
}

impl<W: Write + WriteReady, const Q: usize, const R: usize, const T: usize> Service
    for IrqUartDoer<'_, W, Q, R, T>
{
    fn drain(&mut self) -> Result<usize, Error> {
        IrqUartDoer::drain(self)
    }
    fn stats(&self) -> Stats {
        IrqUartDoer::stats(self)
    }
}

// SAFETY: `RefCell` is not `Sync` because two threads could borrow it at
// once. The constructor's contract (single core, thread mode only) means
// there is never a second context that could.
unsafe impl Sync for Rings {}

/// Lets the UART take everything in `tx` (bounded by the ring's size).
fn flush<S: Service>(service: &mut S, tx: &RefCell<Ring<TX>>) {
    while tx.try_borrow().is_ok_and(|t| !t.is_empty()) {
        if service.drain().is_err() {
            return;
        }
    }
}

/// Runs the scenario with `service` (servicing the board's UART on
/// `rings`), paced by `clock` and `wait`; returns the exit code (0: ended by the quit line or by
/// idleness as planned, 1: the tree failed). With `idle_limit` (the
/// emulated boards pass [`IDLE_LIMIT`]) the run also stops when nothing was
/// received by then; without it (real boards) it runs until the quit line.
pub fn run<S: Service, C: Clock, W: Wait<C>>(
    mut service: S,
    rings: &'static Rings,
    clock: C,
    wait: W,
    idle_limit: Option<Tock>,
) -> i32 {
    let (rx, tx) = (&rings.rx, &rings.tx);
    let stop = Cell::new(Stop::Running);
    let echoed = Cell::new(0u32);

    say(tx, b"hio uart_echo ready\r\n");
    let mut echo = Echo {
        rx,
        tx,
        stop: &stop,
        echoed: &echoed,
        matched: 0,
        idle_until: match idle_limit {
            Some(limit) => Tyme::ZERO + limit,
            None => Tyme::from_nanos(u64::MAX),
        },
    };
    let mut heartbeat = Heartbeat {
        beats: 0,
        echoed: &echoed,
    };
    defmt::info!("uart_echo: start");
    let (result, passes) = {
        let mut io: DoDoer<'_, 2, (), Fixed> = DoDoer::fixed("io", Tock::ZERO, ());
        let mut doist: Doist<'_, 2, Fixed> = Doist::fixed(Tock::from_millis(1));
        let built = io
            .add(&mut service)
            .and_then(|()| io.add(&mut echo))
            .and_then(|()| doist.add(&mut io))
            .and_then(|()| doist.add(&mut heartbeat));
        if built.is_err() {
            defmt::error!("tree does not fit");
            return 1;
        }
        let mut pacer = Until {
            inner: EveryPass::new(clock, wait),
            stop: &stop,
        };
        (doist.run_paced(None, &mut pacer), doist.passes())
    };
    match stop.get() {
        Stop::Quit => defmt::info!("uart_echo: quit line received"),
        Stop::Idle => defmt::info!("uart_echo: nothing received, stopping"),
        Stop::Running => {}
    }
    flush(&mut service, tx);
    say(tx, b"hio uart_echo bye\r\n");
    flush(&mut service, tx);
    let stats = service.stats();
    defmt::info!(
        "uart_echo: {=u32} passes, rx {=u32} bytes, tx {=u32} bytes, overruns {=u32}",
        passes as u32,
        stats.rx_bytes,
        stats.tx_bytes,
        stats.overruns
    );
    match result {
        Ok(_) => 0,
        Err(_) => {
            defmt::error!("uart_echo: the tree failed");
            1
        }
    }
}
