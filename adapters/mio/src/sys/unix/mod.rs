//! Unix: SIGINT and SIGTERM through a signal-hook self-pipe in the poll.

use std::io::{self, Read};
use std::os::unix::net::UnixStream;

use mio::{Interest, Registry, Token};
use signal_hook::SigId;
use signal_hook::consts::{SIGINT, SIGTERM};

/// epoll and kqueue report a new edge when new data arrives or room frees
/// up, so a short transfer may end a device's loop without the extra
/// "would block" call.
pub(crate) const SHORT_IO_DRAINS: bool = true;

/// The read end of a socket pair whose write end the signal handlers write
/// a byte to (async-signal-safe).
#[derive(Debug)]
pub(crate) struct Signals {
    rx: mio::net::UnixStream,
    ids: Vec<SigId>,
}

impl Signals {
    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<Signals> {
        let (rx, tx) = UnixStream::pair()?;
        rx.set_nonblocking(true)?;
        let mut rx = mio::net::UnixStream::from_std(rx);
        registry.register(&mut rx, token, Interest::READABLE)?;
        let mut signals = Signals {
            rx,
            ids: Vec::with_capacity(2),
        };
        let tx2 = tx.try_clone()?;
        signals
            .ids
            .push(signal_hook::low_level::pipe::register(SIGINT, tx)?);
        signals
            .ids
            .push(signal_hook::low_level::pipe::register(SIGTERM, tx2)?);
        Ok(signals)
    }

    pub(crate) fn drain(&mut self) -> bool {
        let mut any = false;
        let mut buf = [0u8; 16];
        loop {
            match self.rx.read(&mut buf) {
                Ok(0) => return any,
                Ok(_) => any = true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return any,
            }
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        // Removes our actions (and closes the write ends). signal-hook keeps
        // its handler installed, so the default action (terminate) does not
        // come back for the rest of the process.
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
