//! The Unix backend: a non-blocking tty from mio-serial.

mod port;

pub(crate) use port::Tty;
