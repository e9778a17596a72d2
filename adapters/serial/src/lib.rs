//! # hio-serial: desktop serial ports for hio
//!
//! A serial port as an hio device: a [`SerialPort`] owns the tty and two
//! fixed-capacity byte rings ([`hio::buf::Ring`]), `rx` for what arrived
//! and `tx` for what is to be sent; its service doer [`PortDoer`] moves
//! bytes between the tty and the rings without blocking; application doers
//! read `rx` and write `tx`. The same model, and the same rings, as the TCP
//! devices of [`hio_mio`], so an application doer does not care whether
//! its bytes come from a socket, a USB serial adapter or a UART.
//!
//! ```text
//! hio_mio::Runner (mio::Poll)             sleeps until the next due pass
//!  └─ Doist (tock 10 ms)                  or until the port has bytes
//!      ├─ PortDoer ── services ──▶ SerialPort: tty ⇄ rx / tx rings
//!      └─ your doer (reads rx, writes tx)
//! ```
//!
//! * **Readiness.** A port made with [`SerialPort::with_io`] is registered
//!   with the poll of a [`hio_mio::Runner`] (through its
//!   [`Io`](hio_mio::Io) readiness table), so a console sleeps in the OS
//!   poll and a service makes system calls only when the tty is ready. A
//!   port made with [`SerialPort::polled`] needs no runner: it tries the
//!   (non-blocking) tty at every service, under any driver.
//! * **Back pressure.** A service stops reading when `rx` is full; the
//!   bytes wait in the OS, and the sender is held back (flow control, or a
//!   full pseudo-terminal buffer). Nothing is dropped silently.
//! * **Settings.** [`PortConfig`]: path, baud, data bits, parity, stop
//!   bits, flow control, as serialport's enums ([`serialport`] is
//!   re-exported); [`SerialPort::settings`] reads back what the driver
//!   applied.
//! * **Failures are values.** A port that cannot be opened (no such path:
//!   [`PortError::Open`]`(NotFound)`) or that vanishes (the other side
//!   closed, a USB adapter was pulled: [`PortError::Hangup`]; another read
//!   or write error: [`PortError::Failed`]) is closed, and the reason kept
//!   in [`SerialPort::error`]. With [`PortConfig::reopen`] the port is
//!   reopened on a timer after the delay, again until it opens (a new
//!   device at the same path, for example a udev symlink); without it, a
//!   failed first open aborts the [`PortDoer`] with the error.
//! * **A console.** [`StdinFeed`] reads standard input on a thread into a
//!   lock-free SPSC ring ([`hio::buf::SpscRing`]), so a doer takes typed
//!   lines without blocking; the `serial-console` program in
//!   `host-examples` puts both together.
//!
//! ## Example: two ends of a pseudo-terminal
//!
//! A pseudo-terminal pair stands in for a cable: the test holds one end,
//! the device opens the other by its path. (Runs on Unix.)
//!
//! ```
//! # #[cfg(unix)] fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::cell::RefCell;
//! use std::io::{Read, Write};
//! use hio::{Doist, Tock};
//! use hio_serial::{PortConfig, PortDoer, SerialPort};
//! use hio_serial::serialport::{SerialPort as _, TTYPort};
//!
//! let (mut master, slave) = TTYPort::pair()?;
//! let path = slave.name().ok_or("pty without a name")?;
//! let port: RefCell<SerialPort> = RefCell::new(SerialPort::polled(PortConfig::new(&path, 115_200)));
//! let mut service = PortDoer::new("port", &port);
//! let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
//! doist.add(&mut service)?;
//! doist.enter()?;
//! assert!(port.borrow().is_open());
//!
//! assert_eq!(port.borrow_mut().send(b"ping"), 4);
//! doist.recur()?;                            // the service writes tx
//! let mut got = [0u8; 4];
//! master.read_exact(&mut got)?;
//! assert_eq!(&got, b"ping");
//!
//! master.write_all(b"pong")?;
//! while port.borrow().rx().len() < 4 {
//!     doist.recur()?;                        // the service reads into rx
//! }
//! assert!(port.borrow().rx().iter().eq(b"pong".iter().copied()));
//! doist.exit();
//! assert!(!port.borrow().is_open());
//! # Ok(()) }
//! # #[cfg(not(unix))] fn main() {}
//! ```
//!
//! ## Example: a COM port on Windows
//!
//! The same device on the completion port of a `hio_iocp::Runner`, which
//! runs its doer (this one needs a port, so it is only compiled; CI runs
//! the same under wine on a pty exposed as COM5, `tests/com.rs`):
//!
//! ```no_run
//! # #[cfg(windows)] fn main() -> Result<(), hio::Error> {
//! use std::cell::RefCell;
//! use hio::{Doist, Tock};
//! use hio_iocp::Runner;
//! use hio_serial::{PortConfig, PortDoer, SerialPort};
//!
//! let mut runner = Runner::new().map_err(|e| hio_iocp::to_error(&e))?;
//! let config = PortConfig::new("COM3", 115_200).reopen(Some(Tock::from_millis(500)));
//! let port: RefCell<SerialPort> = RefCell::new(SerialPort::with_port(&runner.port(), config));
//! port.borrow_mut().send(b"AT\r");
//! let mut service = PortDoer::new("com3", &port);
//! let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
//! doist.add(&mut service)?;
//! runner.run(&mut doist, Some(Tock::from_secs(1)))?;
//! drop(doist);
//! println!("{} bytes back", port.borrow().rx().len());
//! # Ok(()) }
//! # #[cfg(not(windows))] fn main() {}
//! ```
//!
//! ## Platforms
//!
//! OS code lives under `src/sys/<os>/` behind one contract (written at the
//! top of `src/sys/mod.rs`): a small link that opens the port, moves
//! bytes and closes it; the device (rings, counters, state, reopen timer)
//! and its doer are one platform-independent piece (`src/port.rs`). The
//! public surface is the same on both:
//! [`PortConfig`], [`Settings`], [`PortError`], the rings, [`PortDoer`]'s
//! open on enter, service on recur, close on exit, and the reopen on a
//! timer.
//!
//! * **Unix** (Linux, macOS, any Unix that serialport and mio support):
//!   mio-serial's non-blocking tty, made with [`SerialPort::with_io`] on
//!   a [`hio_mio::Runner`]'s poll, or [`SerialPort::polled`] under any
//!   driver.
//! * **Windows**: a COM port (`COM5`, `\\.\COM12` as the config's path)
//!   with overlapped reads and writes through `hio-iocp`'s completion
//!   port (serialport's own Windows support is blocking). The runner is
//!   different: the port is made with `SerialPort::with_port` on the
//!   `Port` of the `hio_iocp::Runner` that runs its [`PortDoer`], since
//!   only that runner takes the completions off the port (there is no
//!   `with_io` or `polled` there). Bytes pass through the COM stream's
//!   own 4 KiB rings on the way to the device's (which survive a reopen).
//!   Tested under wine on a Linux pty exposed as COM5; real COM hardware
//!   is not tested.
//!
//! ## Dependencies, and why
//!
//! * `hio-mio`: the runner whose poll the port is registered with
//!   ([`Io`](hio_mio::Io), [`Registered`](hio_mio::Registered)), and the
//!   mapping of OS errors onto [`hio::IoKind`].
//! * `serialport` 4, without default features: the settings' enums
//!   everywhere, and on Unix opening and configuring the tty (raw mode,
//!   exclusive access, close-on-exec). Its default feature pulls libudev
//!   for port enumeration, which we do not use (and which is not installed
//!   everywhere). It brings `nix` 0.26, `thiserror` and `unescaper`.
//! * `mio-serial` 5 (Unix): serialport's tty as a non-blocking mio
//!   `Source`, so the port sits in the runner's poll. It brings a second
//!   `nix` (0.31) and `log`, and turns on mio's `os-ext`. Writing the
//!   registration ourselves (a `SourceFd` over serialport's fd) would save
//!   those, at the price of owning the non-blocking tty code.
//! * `mio` (Unix, no features of its own): `Interest`, for the
//!   registration; the same mio as hio-mio's.
//! * `hio-iocp` (Windows): the COM port as an overlapped stream on an IO
//!   completion port, and the runner that drives it. It brings
//!   `windows-sys` 0.61 (already in the build through mio).
//!
//! ## Not here yet
//!
//! Listing the ports of a machine (serialport's `available_ports` needs
//! libudev on Linux), break signals and modem lines (RTS, DTR).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// On Windows the essay names the Unix constructors (and hio-mio's runner).
#![cfg_attr(windows, allow(rustdoc::broken_intra_doc_links))]

mod config;
mod console;
#[cfg(any(unix, windows))]
mod port;
mod sys;

pub use config::{PortConfig, PortError, Settings, serial_kind};
pub use console::StdinFeed;
#[cfg(any(unix, windows))]
pub use port::{PortDoer, SerialPort};
pub use serialport;
