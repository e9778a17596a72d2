//! Platform backends of the serial port device.
//!
//! # Backend contract
//!
//! A backend provides `SerialPort<RX, TX>` and `PortDoer<'a, RX, TX>` with
//! the API documented on the Unix one: open with a
//! [`PortConfig`](crate::PortConfig), keep failures as
//! [`PortError`](crate::PortError)
//! values in the device state, reopen on a timer when configured, move bytes
//! between the OS and the rx/tx `Ring`s without blocking, stop reading when
//! rx is full, and never panic on a runtime condition.
//!
//! * `unix/`: Linux and macOS (and other Unix that serialport and mio
//!   support): mio-serial's non-blocking tty, in a `hio_mio::Runner`'s
//!   poll or polled.
//! * `windows/`: a COM port through hio-iocp (overlapped reads and writes
//!   on the completion port of a `hio_iocp::Runner`); made on that
//!   runner's `Port` (`SerialPort::with_port`), as there is no readiness
//!   poll to register with and nothing completes without that runner.

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub use unix::{PortDoer, SerialPort};
#[cfg(windows)]
pub use windows::{PortDoer, SerialPort};
