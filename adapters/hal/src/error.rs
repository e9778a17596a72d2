//! Mapping device errors onto hio's [`Error`] values, and what a service
//! does with them ([`OnError`]).

use hio::{Error, IoKind};

/// The [`IoKind`] for an `embedded_io::ErrorKind`: the same name where hio
/// has one; `AlreadyExists` and `WriteZero` (and kinds added to
/// embedded-io later) become [`IoKind::Other`].
///
/// ```
/// use hio::IoKind;
/// assert_eq!(hio_hal::io_kind(embedded_io::ErrorKind::TimedOut), IoKind::TimedOut);
/// assert_eq!(hio_hal::io_kind(embedded_io::ErrorKind::WriteZero), IoKind::Other);
/// ```
pub fn io_kind(kind: embedded_io::ErrorKind) -> IoKind {
    use embedded_io::ErrorKind as K;
    match kind {
        K::NotFound => IoKind::NotFound,
        K::PermissionDenied => IoKind::PermissionDenied,
        K::ConnectionRefused => IoKind::ConnectionRefused,
        K::ConnectionReset => IoKind::ConnectionReset,
        K::ConnectionAborted => IoKind::ConnectionAborted,
        K::NotConnected => IoKind::NotConnected,
        K::AddrInUse => IoKind::AddrInUse,
        K::AddrNotAvailable => IoKind::AddrNotAvailable,
        K::BrokenPipe => IoKind::BrokenPipe,
        K::InvalidInput => IoKind::InvalidInput,
        K::InvalidData => IoKind::InvalidData,
        K::TimedOut => IoKind::TimedOut,
        K::Interrupted => IoKind::Interrupted,
        K::Unsupported => IoKind::Unsupported,
        K::OutOfMemory => IoKind::OutOfMemory,
        _ => IoKind::Other,
    }
}

/// The default error map of the service doers: [`io_kind`] of the error's
/// `embedded_io::Error::kind`.
pub fn kind_of<E: embedded_io::Error>(error: &E) -> IoKind {
    io_kind(error.kind())
}

/// What a service doer does when its device reports an error (or, for the
/// interrupt-fed receiver, an overrun).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum OnError {
    /// Fail the step with `Error::Io(kind)`: the doer aborts and the error
    /// travels up the tree (hio's semantics). The default.
    #[default]
    Abort,
    /// Count it in the doer's [`Stats`](crate::Stats), remember its kind,
    /// stop that direction for this pass, and go on in the next. For noisy
    /// lines where a framing or parity error should not end the program.
    Count,
}

/// Counters of a service doer. They wrap around at `u32::MAX`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stats {
    /// Bytes moved from the device into the rx ring.
    pub rx_bytes: u32,
    /// Bytes moved from the tx ring into the device.
    pub tx_bytes: u32,
    /// Passes in which the rx ring was full while the device had bytes
    /// (back pressure: the bytes stayed in the device).
    pub rx_full: u32,
    /// Device errors counted under [`OnError::Count`] (every error under
    /// [`OnError::Abort`] ends the doer, so it is never counted there).
    pub errors: u32,
    /// Bytes lost because the interrupt handler found its ring full, or the
    /// hardware reported an overrun (interrupt-fed receiver only).
    pub overruns: u32,
    /// The kind of the last error seen (counted or not).
    pub last_error: Option<IoKind>,
}

impl Stats {
    /// Records an error of `kind`; returns the value to fail with under
    /// `policy`, or `Ok(())` to go on.
    pub(crate) fn record(&mut self, policy: OnError, kind: IoKind) -> Result<(), Error> {
        self.last_error = Some(kind);
        match policy {
            OnError::Abort => Err(Error::Io(kind)),
            OnError::Count => {
                self.errors = self.errors.wrapping_add(1);
                Ok(())
            }
        }
    }
}
