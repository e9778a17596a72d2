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
//! * Windows: none yet. It will come through the IOCP adapter (overlapped
//!   COM port IO); until then the crate builds there without the device.

#[cfg(unix)]
mod unix;

#[cfg(unix)]
pub use unix::{PortDoer, SerialPort};
