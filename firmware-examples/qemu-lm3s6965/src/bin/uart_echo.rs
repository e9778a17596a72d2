//! `uart_echo`: a UART echo served by a tree of hio doers on a Cortex-M3.
//!
//! ```text
//! Doist (tock 1 ms, paced by SysTick, wfi between passes)
//!  ├─ DoDoer "io"   (every pass)
//!  │   ├─ uart      hio-hal's UartDoer: PL011 UART0 ⇄ rx/tx rings
//!  │   └─ echo      rx ring ─▶ tx ring; watches for the quit line
//!  └─ heartbeat     logs over defmt once a second
//! ```
//!
//! It writes the ready banner `hio uart_echo ready` on the UART, then echoes
//! every byte. The run ends by itself, so a CI run always ends with a code:
//!
//! * when the quit line `ESC hio:quit LF` (bytes `1b 68 69 6f 3a 71 75 69
//!   74 0a`) has been echoed: the host's end-to-end test ends this way;
//! * when nothing at all was received in the first 2 s of tyme (nobody is
//!   connected: `check.sh` runs it with `-serial none` and compares the
//!   defmt output with `expected/uart_echo.txt`).
//!
//! Then the tree is closed (cease, exit), the banner `hio uart_echo bye`
//! goes out, the counters are logged and QEMU exits with code 0.

#![no_std]
#![no_main]

use core::cell::{Cell, RefCell};
use core::ops::ControlFlow;

use cortex_m_rt::entry;
use hio::{Cx, DoDoer, Doer, Doist, Due, Error, Pacer, Recur, Ring, Tock, Tyme};
use hio_hal::{EveryPass, UartDoer};
use hio_qemu_lm3s6965::{Pl011Error, Uart0, WfiWait, exit, start_clock};

/// The line that ends the run (border-free: its first byte occurs once).
const QUIT: &[u8] = b"\x1bhio:quit\n";
/// With nothing received by then, nobody is connected: stop.
const IDLE_LIMIT: Tock = Tock::from_secs(2);
const RX: usize = 128;
const TX: usize = 128;

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
}

impl Echo<'_> {
    fn watch(&mut self, bytes: &[u8]) {
        for &b in bytes {
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
        // two rounds: either ring may wrap
        for _ in 0..2 {
            let n = tx.write(rx.readable());
            if n == 0 {
                break;
            }
            let chunk = rx.readable().get(..n).unwrap_or_default();
            self.watch(chunk);
            rx.consume(n);
            self.echoed.set(self.echoed.get().wrapping_add(n as u32));
        }
        if self.echoed.get() == 0 && cx.tyme() >= Tyme::ZERO + IDLE_LIMIT {
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

/// The rings shared by the service doer and the echo doer. In a `static`
/// they sit in `.bss` (zeroed by the reset handler, counted as static RAM)
/// instead of being zeroed on main's stack at run time (which links
/// `memclr`, about 170 B of flash).
struct Rings {
    rx: RefCell<Ring<RX>>,
    tx: RefCell<Ring<TX>>,
}

// SAFETY: `RefCell` is not `Sync` because two threads could borrow it at
// once. This is a single-core chip and only thread mode touches the rings
// (main and the doers it runs, one step at a time); no interrupt handler
// does, so there is never a second accessor.
unsafe impl Sync for Rings {}

static RINGS: Rings = Rings {
    rx: RefCell::new(Ring::new()),
    tx: RefCell::new(Ring::new()),
};

/// Lets the UART take everything in `tx` (bounded by the ring's size).
fn flush<D: hio_hal::Uart<Error = Pl011Error>>(
    service: &mut UartDoer<'_, D, RX, TX>,
    tx: &RefCell<Ring<TX>>,
) {
    while tx.try_borrow().is_ok_and(|t| !t.is_empty()) {
        if service.drain().is_err() {
            return;
        }
    }
}

#[entry]
fn main() -> ! {
    let Some(cp) = cortex_m::Peripherals::take() else {
        exit(2)
    };
    let Some(uart) = Uart0::take() else { exit(2) };
    let clock = start_clock(cp.SYST);

    let (rx, tx) = (&RINGS.rx, &RINGS.tx);
    let stop = Cell::new(Stop::Running);
    let echoed = Cell::new(0u32);

    let _ = tx.borrow_mut().write(b"hio uart_echo ready\r\n");
    let mut service = UartDoer::new("uart", uart, rx, tx).with_error_map(Pl011Error::io_kind);
    let mut echo = Echo {
        rx,
        tx,
        stop: &stop,
        echoed: &echoed,
        matched: 0,
    };
    let mut heartbeat = Heartbeat {
        beats: 0,
        echoed: &echoed,
    };
    defmt::info!("uart_echo: start");
    let (result, passes) = {
        let mut io: DoDoer<'_, 2> = DoDoer::new("io", Tock::ZERO);
        let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
        let built = io
            .add(&mut service)
            .and_then(|()| io.add(&mut echo))
            .and_then(|()| doist.add(&mut io))
            .and_then(|()| doist.add(&mut heartbeat));
        if built.is_err() {
            defmt::error!("tree does not fit");
            exit(1);
        }
        let mut pacer = Until {
            inner: EveryPass::new(clock, WfiWait),
            stop: &stop,
        };
        (doist.run_paced(None, &mut pacer), doist.passes())
    };
    match stop.get() {
        Stop::Quit => defmt::info!("uart_echo: quit line received"),
        Stop::Idle => defmt::info!("uart_echo: nothing received in 2 s, stopping"),
        Stop::Running => {}
    }
    flush(&mut service, tx);
    let _ = tx.borrow_mut().write(b"hio uart_echo bye\r\n");
    flush(&mut service, tx);
    let stats = service.stats();
    defmt::info!(
        "uart_echo: {=u32} passes, rx {=u32} bytes, tx {=u32} bytes, errors {=u32}",
        passes as u32,
        stats.rx_bytes,
        stats.tx_bytes,
        stats.errors
    );
    match result {
        Ok(_) => exit(0),
        Err(_) => {
            defmt::error!("uart_echo: the tree failed");
            exit(1)
        }
    }
}
