//! Windows: the portable alarm; console interrupts are not handled yet.

use std::io;

use mio::{Registry, Token};

/// IOCP/AFD readiness is re-armed by the next operation, so a device keeps
/// going until the OS says "would block".
pub(crate) const SHORT_IO_DRAINS: bool = false;

/// No console-interrupt source yet: [`Signals::new`] says so.
#[derive(Debug)]
pub(crate) struct Signals;

impl Signals {
    pub(crate) fn new(_registry: &Registry, _token: Token) -> io::Result<Signals> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "stopping on console interrupts is not implemented on Windows yet",
        ))
    }

    pub(crate) fn drain(&mut self) -> bool {
        false
    }
}
