//! The line settings of a port ([`PortConfig`], [`Settings`]) and the
//! error values of a port ([`PortError`]). Portable: these compile on every
//! platform; the device has a Unix and a Windows backend.

use core::fmt;
use std::path::{Path, PathBuf};

use hio::{Error, IoKind, Tock};
use serialport::{DataBits, FlowControl, Parity, StopBits};

/// How to open a serial port: its path and line settings (serialport's
/// enums), and whether a port that vanished is reopened.
///
/// ```
/// use hio::Tock;
/// use hio_serial::PortConfig;
/// use hio_serial::serialport::{Parity, StopBits};
///
/// let config = PortConfig::new("/dev/ttyUSB0", 115_200)
///     .parity(Parity::Even)
///     .stop_bits(StopBits::Two)
///     .reopen(Some(Tock::from_millis(500)));
/// assert_eq!(config.baud, 115_200);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortConfig {
    /// The device path (`/dev/ttyUSB0`, `/dev/pts/3`, a symlink to one).
    pub path: PathBuf,
    /// Bits per second.
    pub baud: u32,
    /// Data bits per character (default 8).
    pub data_bits: DataBits,
    /// Parity (default none).
    pub parity: Parity,
    /// Stop bits (default one).
    pub stop_bits: StopBits,
    /// Flow control (default none).
    pub flow_control: FlowControl,
    /// `Some(delay)`: a port that could not be opened, or that vanished
    /// (hang-up, read or write error), is reopened `delay` later, again
    /// and again until it opens (hio's `reopen` on a Tymer). `None`: the
    /// failure stays in the device state, and a failed open is an error of
    /// the service doer.
    pub reopen: Option<Tock>,
}

impl PortConfig {
    /// `path` at `baud`, 8N1, no flow control, no reopen.
    pub fn new(path: impl AsRef<Path>, baud: u32) -> Self {
        PortConfig {
            path: path.as_ref().to_path_buf(),
            baud,
            data_bits: DataBits::Eight,
            parity: Parity::None,
            stop_bits: StopBits::One,
            flow_control: FlowControl::None,
            reopen: None,
        }
    }
    /// With `data_bits`.
    #[must_use]
    pub fn data_bits(mut self, data_bits: DataBits) -> Self {
        self.data_bits = data_bits;
        self
    }
    /// With `parity`.
    #[must_use]
    pub fn parity(mut self, parity: Parity) -> Self {
        self.parity = parity;
        self
    }
    /// With `stop_bits`.
    #[must_use]
    pub fn stop_bits(mut self, stop_bits: StopBits) -> Self {
        self.stop_bits = stop_bits;
        self
    }
    /// With `flow_control`.
    #[must_use]
    pub fn flow_control(mut self, flow_control: FlowControl) -> Self {
        self.flow_control = flow_control;
        self
    }
    /// With reopening after `delay` (or not, for `None`).
    #[must_use]
    pub fn reopen(mut self, delay: Option<Tock>) -> Self {
        self.reopen = delay;
        self
    }
}

/// The line settings an open port reports back (what the driver really
/// applied: a Linux pseudo-terminal always reports 8 data bits and no
/// parity, whatever was asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Bits per second.
    pub baud: u32,
    /// Data bits.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
    /// Flow control.
    pub flow_control: FlowControl,
}

/// Why a port is not usable: the error value a device keeps in its state.
///
/// Small and `Copy`, like every error of hio; [`to_error`](Self::to_error)
/// (or `From`) turns it into a [`hio::Error`] for a doer that fails with
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PortError {
    /// Opening (or configuring) the port failed: `NotFound` for a path
    /// with no device behind it, `PermissionDenied`, `InvalidInput` for a
    /// setting the driver refused, ...
    Open(IoKind),
    /// The other side hung up: end of stream, a hang-up event, or (on a
    /// pseudo-terminal whose other side closed) `EIO`. A USB adapter that
    /// was pulled out ends this way too.
    Hangup,
    /// A read or write failed with this kind.
    Failed(IoKind),
    /// The device is not supported on this platform (neither Unix nor
    /// Windows).
    Unsupported,
}

impl PortError {
    /// As a [`hio::Error`]: `Io(kind)`, `Io(BrokenPipe)` for a hang-up,
    /// `Io(Unsupported)`.
    pub fn to_error(self) -> Error {
        Error::Io(match self {
            PortError::Open(k) | PortError::Failed(k) => k,
            PortError::Hangup => IoKind::BrokenPipe,
            PortError::Unsupported => IoKind::Unsupported,
        })
    }
}

impl From<PortError> for Error {
    fn from(e: PortError) -> Error {
        e.to_error()
    }
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::Open(k) => write!(f, "cannot open the port: {k:?}"),
            PortError::Hangup => {
                f.write_str("the port hung up (it vanished or its other side closed)")
            }
            PortError::Failed(k) => write!(f, "the port failed: {k:?}"),
            PortError::Unsupported => {
                f.write_str("serial ports are not supported on this platform yet")
            }
        }
    }
}

impl core::error::Error for PortError {}

/// The [`IoKind`] of a serialport error.
pub fn serial_kind(e: &serialport::Error) -> IoKind {
    match e.kind {
        serialport::ErrorKind::NoDevice => IoKind::NotFound,
        serialport::ErrorKind::InvalidInput => IoKind::InvalidInput,
        serialport::ErrorKind::Io(k) => hio_mio::io_kind(k),
        serialport::ErrorKind::Unknown => IoKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_onto_hio() {
        assert_eq!(PortError::Hangup.to_error(), Error::Io(IoKind::BrokenPipe));
        assert_eq!(
            Error::from(PortError::Open(IoKind::NotFound)),
            Error::Io(IoKind::NotFound)
        );
        let e = serialport::Error::new(serialport::ErrorKind::NoDevice, "gone");
        assert_eq!(serial_kind(&e), IoKind::NotFound);
        let e = serialport::Error::new(
            serialport::ErrorKind::Io(std::io::ErrorKind::PermissionDenied),
            "no",
        );
        assert_eq!(serial_kind(&e), IoKind::PermissionDenied);
    }

    #[test]
    fn config_defaults_are_8n1() {
        let c = PortConfig::new("/dev/null", 9600);
        assert_eq!(
            (c.data_bits, c.parity, c.stop_bits, c.flow_control, c.reopen),
            (
                DataBits::Eight,
                Parity::None,
                StopBits::One,
                FlowControl::None,
                None
            )
        );
    }
}
