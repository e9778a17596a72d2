//! # hio-hal: hio doers for microcontroller UARTs and clocks
//!
//! What a firmware links to run a tree of [hio] doers against real
//! peripherals, in hio's model: IO never happens inside application logic.
//! A **service doer** moves bytes between a UART and two fixed-capacity byte
//! rings ([`hio::Ring`]) without ever blocking; **application doers** read
//! the rx ring and write the tx ring; the schedule decides who runs.
//!
//! ```text
//! Doist (tock 1/32 s, WrappingClock + WfiWait: sleeps between passes)
//!  └─ DoDoer "io" (every pass)
//!      ├─ UartDoer    UART ⇄ rx/tx rings        (or IrqUartDoer: the UART
//!      │                                          interrupt feeds an IrqRx)
//!      ├─ echo        rx ring ─▶ tx ring        (an application doer)
//!      └─ heartbeat   logs once a second
//! ```
//!
//! ## The pieces
//!
//! * [`UartDoer`]: the polled service doer over embedded-io 0.7 (`Read`,
//!   `ReadReady`, `Write`, `WriteReady`, together the [`Uart`] trait). It
//!   reads only when the device is ready and the rx ring has room (**back
//!   pressure**: a full ring leaves the bytes in the device; no byte it was
//!   handed is lost), and writes only when the device is ready.
//! * [`NbSerial`]: the shim for HALs that offer only embedded-hal-nb's
//!   serial `Read`/`Write`; [`Duplex`] joins split receive and transmit
//!   halves into one device.
//! * [`IrqRx`] and [`IrqUartDoer`]: the interrupt-fed variant. The UART
//!   interrupt handler pushes into the core's [`SpscRing`](hio::buf::SpscRing)
//!   through an [`IrqProducer`]; the doer drains it. A byte that finds the
//!   queue full is counted as an **overrun** and reported as a value
//!   ([`Stats::overruns`], and `Error::Io(IoKind::Overrun)` under
//!   [`OnError::Abort`]).
//! * [`WrappingClock`]: hio's [`Clock`](hio::Clock) from any wrapping
//!   hardware counter ([`Ticks`]), extended to 64-bit tyme, with the polling
//!   requirement that comes with it; [`TickCounter`] is such a counter
//!   advanced by a periodic interrupt. With feature `cortex-m`: `WfiWait`,
//!   hio's [`Wait`](hio::Wait) that sleeps (`wfi`) until the next due tyme,
//!   and `start_systick`. [`EveryPass`] paces a doist to that clock with
//!   one deadline per pass and no 64-bit division (hio's
//!   [`RealTime`](hio::RealTime) also skips idle passes, at the price of
//!   one).
//! * [`LineSplitter`]: lines out of the rx ring (hio's serial Driver scans
//!   for line ends), with a maximum length; an over-long line is an error
//!   value ([`TooLong`]) and the splitter resynchronises at its line end.
//! * [`sim::SimUart`]: an in-memory UART (fixed FIFOs, short transfers,
//!   injected errors) for tests and simulation, on any target.
//!
//! Errors are values: device errors map onto [`hio::Error::Io`] with an
//! [`IoKind`](hio::IoKind) ([`io_kind`] for `embedded_io::ErrorKind`), and
//! [`OnError`] decides whether a service doer fails with them (hio's abort,
//! the default) or counts them and goes on. Nothing here panics on a runtime
//! condition, and every capacity is a const generic.
//!
//! ## Example: echo lines over a UART
//!
//! The same tree runs on a board (with the HAL's UART and a
//! [`WrappingClock`]/`WfiWait` pacer) and here on the host, simulated,
//! with a [`sim::SimUart`]:
//!
//! ```
//! use core::cell::RefCell;
//! use hio::{Cx, DoDoer, Doer, Doist, Error, Recur, Ring, Tock};
//! use hio_hal::{LineSplitter, UartDoer, sim::SimUart};
//!
//! /// Answers every line with its length, or "too long".
//! struct Lines<'a> {
//!     rx: &'a RefCell<Ring<64>>,
//!     tx: &'a RefCell<Ring<64>>,
//!     split: LineSplitter<16>,
//! }
//! impl Doer for Lines<'_> {
//!     fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
//!         let (mut rx, mut tx) = (self.rx.borrow_mut(), self.tx.borrow_mut());
//!         // back pressure: take a line only when its answer surely fits
//!         while tx.free() >= 9 {
//!             let Some(line) = self.split.next_line(&mut rx) else { break };
//!             let answer: &[u8] = match line {
//!                 Ok(l) => &[b'0' + (l.len() / 10) as u8, b'0' + (l.len() % 10) as u8, b'\n'],
//!                 Err(_) => b"too long\n",
//!             };
//!             let _ = tx.write(answer);
//!         }
//!         Ok(Recur::NEXT)
//!     }
//! }
//!
//! let rx: RefCell<Ring<64>> = RefCell::new(Ring::new());
//! let tx: RefCell<Ring<64>> = RefCell::new(Ring::new());
//! let mut uart: SimUart<64, 32> = SimUart::new();
//! uart.inject(b"hello\r\nthis line is far too long\nhio\n");
//! let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
//! let mut lines = Lines { rx: &rx, tx: &tx, split: LineSplitter::new() };
//! let mut io: DoDoer<'_, 2> = DoDoer::new("io", Tock::ZERO);
//! io.add(&mut service)?;
//! io.add(&mut lines)?;
//! let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
//! doist.add(&mut io)?;
//! doist.run(Some(Tock::from_millis(100)))?; // simulated: instant
//! drop(doist);
//! let mut out = [0u8; 32];
//! let n = uart.take_sent(&mut out);
//! assert_eq!(&out[..n], b"05\ntoo long\n03\n");
//! # Ok::<(), Error>(())
//! ```
//!
//! ## Features
//!
//! * `defmt`: log through `defmt` and implement `defmt::Format` for this
//!   crate's types (and turn on hio's `defmt`). For firmware.
//! * `log`: log through the `log` facade. For the host.
//! * `cortex-m`: `WfiWait` and `start_systick`.
//!
//! `defmt` and `log` together are a compile error: pick the one your
//! target has. Without either, nothing is logged (and nothing is linked for
//! it). The log lines are few: device errors, overruns, end of file.
//!
//! ## Dependencies, and why
//!
//! * `embedded-io` 0.7: the HAL-neutral byte-stream traits that current
//!   HALs implement for their UARTs (rp2040-hal, nrf52840-hal, esp-hal);
//!   its `ReadReady`/`WriteReady` are what make a non-blocking service
//!   possible with blocking-by-contract `read`/`write`.
//! * `embedded-hal-nb` 1.0: the other serial interface HALs offer (a word
//!   at a time, `WouldBlock` when not ready; stm32f4xx-hal has only this),
//!   wrapped by [`NbSerial`].
//! * `nb` 1.1: the `WouldBlock` result type of embedded-hal-nb.
//! * `defmt` 1.2 (optional): compact logging for firmware; `log` 0.4
//!   (optional, no default features): the host's logging facade.
//! * `cortex-m` 0.7 (optional): `wfi`, interrupt masking and SysTick.
//!
//! All of them are rust-embedded crates (or, for defmt, the de facto
//! standard), `no_std`, without allocation.

#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(all(feature = "defmt", feature = "log"))]
compile_error!(
    "hio-hal: features `defmt` and `log` are mutually exclusive: turn on `defmt` for firmware or `log` for the host, not both"
);

mod log;

mod clock;
#[cfg(feature = "cortex-m")]
mod cortex;
mod error;
mod irq;
mod line;
mod nbserial;
mod pace;
pub mod sim;
mod uart;

pub use clock::{TickCounter, Ticks, WrappingClock};
#[cfg(feature = "cortex-m")]
pub use cortex::{WfiWait, start_systick};
pub use error::{OnError, Stats, io_kind, kind_of};
pub use irq::{IrqConsumer, IrqProducer, IrqRx, IrqUartDoer};
pub use line::{LineSplitter, TooLong};
pub use nbserial::{Duplex, DuplexError, NbError, NbSerial};
pub use pace::EveryPass;
pub use uart::{Moved, Uart, UartDoer};
