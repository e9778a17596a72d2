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

/// The numbering of the errors for [`Error::to_bits`], written once: both
/// ways are made from this one list, and the way to a number is an
/// exhaustive match, so a new error that is not listed does not compile.
macro_rules! error_numbers {
    (
        $io:literal => Io(IoKind),
        $doer:literal => Doer(u32),
        $($n:literal => $plain:ident,)*
    ) => {
        impl Error {
            /// The error as one `u64` (its number in the high half, its
            /// payload in the low), for [`Step`](crate::doer::Step):
            /// `from_bits(e.to_bits()) == e` for every error.
            #[cfg(target_pointer_width = "64")]
            pub(crate) const fn to_bits(self) -> u64 {
                let (number, payload): (u64, u32) = match self {
                    $(Error::$plain => ($n, 0),)*
                    Error::Io(kind) => ($io, kind.number()),
                    Error::Doer(code) => ($doer, code),
                };
                number << 32 | payload as u64
            }

            /// The error of [`to_bits`](Self::to_bits). Bits no error makes
            /// (none reach here) read as [`Error::Misuse`].
            #[cfg(target_pointer_width = "64")]
            pub(crate) const fn from_bits(bits: u64) -> Self {
                let payload = bits as u32;
                match bits >> 32 {
                    $($n => Error::$plain,)*
                    $io => match IoKind::from_number(payload) {
                        Some(kind) => Error::Io(kind),
                        None => Error::Misuse,
                    },
                    $doer => Error::Doer(payload),
                    _ => Error::Misuse,
                }
            }
        }
    };
}

error_numbers! {
    6 => Io(IoKind),
    7 => Doer(u32),
    0 => Capacity,
    1 => NoTarget,
    2 => Spent,
    3 => Misuse,
    4 => Timeout,
    5 => Closed,
}

/// The numbering of the IO kinds for [`Error::to_bits`], written once:
/// both ways are made from this one list, and the way to a number is an
/// exhaustive match, so a new kind that is not listed does not compile.
macro_rules! io_kind_numbers {
    ($($n:literal => $kind:ident,)*) => {
        impl IoKind {
            #[cfg(target_pointer_width = "64")]
            const fn number(self) -> u32 {
                match self {
                    $(IoKind::$kind => $n,)*
                }
            }

            #[cfg(target_pointer_width = "64")]
            const fn from_number(n: u32) -> Option<IoKind> {
                match n {
                    $($n => Some(IoKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

io_kind_numbers! {
    0 => Other,
    1 => NotFound,
    2 => PermissionDenied,
    3 => ConnectionRefused,
    4 => ConnectionReset,
    5 => ConnectionAborted,
    6 => NotConnected,
    7 => AddrInUse,
    8 => AddrNotAvailable,
    9 => BrokenPipe,
    10 => InvalidInput,
    11 => InvalidData,
    12 => TimedOut,
    13 => Interrupted,
    14 => Unsupported,
    15 => OutOfMemory,
    16 => Overrun,
    17 => TooLong,
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

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;

    /// Every error there is: the plain ones, every IO kind (numbered
    /// 0.. by the one list), and doer codes at both ends.
    fn every_error() -> impl Iterator<Item = Error> {
        let plain = [
            Error::Capacity,
            Error::NoTarget,
            Error::Spent,
            Error::Misuse,
            Error::Timeout,
            Error::Closed,
        ];
        let io = (0..).map_while(IoKind::from_number).map(Error::Io);
        let doer = [0, 1, u32::MAX].map(Error::Doer);
        plain.into_iter().chain(io).chain(doer)
    }

    #[test]
    fn every_error_survives_its_bits() {
        let mut kinds = 0;
        for e in every_error() {
            assert_eq!(Error::from_bits(e.to_bits()), e, "{e:?}");
            if let Error::Io(k) = e {
                assert_eq!(IoKind::from_number(k.number()), Some(k));
                kinds += 1;
            }
        }
        // the list numbers every kind, with no gap
        assert_eq!(kinds, 18);
        assert_eq!(IoKind::from_number(18), None);
        // bits no error makes
        assert_eq!(Error::from_bits(6 << 32 | 18), Error::Misuse);
        assert_eq!(Error::from_bits(8 << 32), Error::Misuse);
    }
}
