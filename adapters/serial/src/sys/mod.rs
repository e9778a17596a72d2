//! Platform backends of the serial port device.
//!
//! # Backend contract
//!
//! The device itself ([`SerialPort`](crate::SerialPort): rings, counters,
//! config, state, reopen timer, [`PortDoer`](crate::PortDoer)) is
//! platform-independent (`src/port.rs`). A backend provides only:
//!
//! * `OsLink`, a type implementing [`Link`]: an open port's OS side. It
//!   opens with a [`PortConfig`] on the backend's `Host`, moves bytes
//!   between the OS and the rx/tx `Ring`s without blocking (stopping
//!   reads when rx is full), reports a vanished or failed port as a
//!   [`PortError`] value, and never panics on a runtime condition;
//! * the constructors of `SerialPort` that say what it is made on, as an
//!   `impl` block of its own.
//!
//! * `unix/`: Linux and macOS (and other Unix that serialport and mio
//!   support): mio-serial's non-blocking tty, in a `hio_mio::Runner`'s
//!   poll (`SerialPort::with_io`) or polled (`SerialPort::polled`).
//! * `windows/`: a COM port through hio-iocp (overlapped reads and writes
//!   on the completion port of a `hio_iocp::Runner`); made on that
//!   runner's `Port` (`SerialPort::with_port`), as there is no readiness
//!   poll to register with and nothing completes without that runner.

use std::fmt;

use hio::buf::Ring;
use hio::{Error, Tyme};

use crate::config::{PortConfig, PortError, Settings};

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub(crate) use unix::Tty as OsLink;
#[cfg(windows)]
pub(crate) use windows::Com as OsLink;

/// The OS side of an open serial port: what a backend implements.
pub(crate) trait Link: Sized + fmt::Debug {
    /// What a port is made on and opens its links with (a runner's
    /// readiness table, a completion port); it is also told of activity.
    type Host;

    /// Opens the port that `config` names, with its settings.
    fn open(host: &Self::Host, config: &PortConfig) -> Result<Self, PortError>;

    /// Tells the runner behind `host` that something changed, so a runner
    /// in `Mode::Ready` runs a follow-up pass.
    fn note(host: &Self::Host);

    /// The line settings the driver applied.
    fn settings(&self) -> Result<Settings, Error>;

    /// One service at `tyme`: moves bytes from `tx` to the OS and from the
    /// OS into `rx` without blocking, at most `RX + TX` bytes.
    fn transfer<const RX: usize, const TX: usize>(
        &mut self,
        tyme: Tyme,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> Moved;

    /// Closes the link, first moving into `rx` (as far as it has room)
    /// what it had already taken in; returns how many bytes that was.
    fn close<const RX: usize>(self, rx: &mut Ring<RX>) -> u64;
}

/// What one [`Link::transfer`] did.
#[derive(Debug, Default)]
pub(crate) struct Moved {
    /// Bytes that reached the OS (written, or writes completed).
    pub sent: u64,
    /// Bytes that reached `rx`.
    pub received: u64,
    /// Bytes moved anywhere (a runner in `Mode::Ready` should run again).
    pub active: bool,
    /// Why the port is lost, when it is: it is closed, and reopened later
    /// when configured.
    pub lost: Option<PortError>,
}
