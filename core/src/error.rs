//! Errors as values: one small `Copy` type for the whole tree.

use core::fmt;

/// What went wrong. Small, `Copy`, and dependency-free, so it can travel up a
/// tree of doers (hio's abort propagation, `spec/SEMANTICS.md` section 7) and
/// out of [`Doist::run`](crate::Doist::run) without allocation.
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// A fixed capacity would be exceeded (scheduler slots, buffers).
    /// Nothing was changed.
    Capacity,
    /// An operation named a scheduler that is not reachable from the caller
    /// (no such name, or not running: not entered yet or already exited).
    NoTarget,
    /// A coroutine doer was entered again after its future finished or was
    /// dropped; make a new one.
    Spent,
    /// A doer was used in a context it does not support (for example a
    /// nested [`Doist::run`](crate::Doist::run) on a running doist).
    Misuse,
    /// A wait gave up when its timer expired.
    Timeout,
    /// The peer or device closed or went away.
    Closed,
    /// An IO error, with a kind that mirrors `embedded_io::ErrorKind`.
    Io(IoKind),
    /// An application failure raised by a doer, with its own code.
    Doer(u32),
}

/// IO error kinds, mirroring `embedded_io::ErrorKind` and `std::io::ErrorKind`
/// so adapters can map onto them without the core depending on either (the
/// `std` feature adds `From<std::io::ErrorKind>`, for the host adapters).
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoKind {
    /// Anything else.
    Other,
    /// The device or address was not found.
    NotFound,
    /// Not allowed.
    PermissionDenied,
    /// The remote refused the connection.
    ConnectionRefused,
    /// The remote reset the connection.
    ConnectionReset,
    /// The connection was aborted.
    ConnectionAborted,
    /// Not connected.
    NotConnected,
    /// The address is already in use.
    AddrInUse,
    /// The address is not available.
    AddrNotAvailable,
    /// The pipe or stream was broken.
    BrokenPipe,
    /// An argument was invalid.
    InvalidInput,
    /// Received data was invalid (framing, encoding, TLS).
    InvalidData,
    /// The operation timed out.
    TimedOut,
    /// Interrupted; try again.
    Interrupted,
    /// Not supported on this platform or device.
    Unsupported,
    /// Out of memory or buffer space.
    OutOfMemory,
    /// A hardware overrun lost data (UART FIFO overflow).
    Overrun,
    /// A frame or line was longer than allowed.
    TooLong,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Capacity => f.write_str("capacity exceeded"),
            Error::NoTarget => f.write_str("no such running scheduler"),
            Error::Spent => f.write_str("coroutine doer already ran to its end"),
            Error::Misuse => f.write_str("operation not allowed in this context"),
            Error::Timeout => f.write_str("timed out"),
            Error::Closed => f.write_str("closed"),
            Error::Io(k) => write!(f, "io error: {:?}", k),
            Error::Doer(code) => write!(f, "doer failed with code {}", code),
        }
    }
}

impl core::error::Error for Error {}

impl From<IoKind> for Error {
    fn from(k: IoKind) -> Self {
        Error::Io(k)
    }
}

/// The kind of an OS error (feature `std`): the same name where hio has
/// one; `UnexpectedEof` (a stream that ended early) is
/// [`IoKind::BrokenPipe`]; anything else (`WouldBlock` too: callers handle
/// it before mapping) is [`IoKind::Other`].
///
/// ```
/// use hio::IoKind;
/// assert_eq!(IoKind::from(std::io::ErrorKind::TimedOut), IoKind::TimedOut);
/// assert_eq!(IoKind::from(std::io::ErrorKind::UnexpectedEof), IoKind::BrokenPipe);
/// assert_eq!(IoKind::from(std::io::ErrorKind::WouldBlock), IoKind::Other);
/// ```
#[cfg(feature = "std")]
impl From<std::io::ErrorKind> for IoKind {
    fn from(kind: std::io::ErrorKind) -> Self {
        use std::io::ErrorKind as K;
        match kind {
            K::NotFound => IoKind::NotFound,
            K::PermissionDenied => IoKind::PermissionDenied,
            K::ConnectionRefused => IoKind::ConnectionRefused,
            K::ConnectionReset => IoKind::ConnectionReset,
            K::ConnectionAborted => IoKind::ConnectionAborted,
            K::NotConnected => IoKind::NotConnected,
            K::AddrInUse => IoKind::AddrInUse,
            K::AddrNotAvailable => IoKind::AddrNotAvailable,
            K::BrokenPipe | K::UnexpectedEof => IoKind::BrokenPipe,
            K::InvalidInput => IoKind::InvalidInput,
            K::InvalidData => IoKind::InvalidData,
            K::TimedOut => IoKind::TimedOut,
            K::Interrupted => IoKind::Interrupted,
            K::Unsupported => IoKind::Unsupported,
            K::OutOfMemory => IoKind::OutOfMemory,
            _ => IoKind::Other,
        }
    }
}
