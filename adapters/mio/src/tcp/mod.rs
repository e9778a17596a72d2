//! TCP devices and their service doers (hio's `Client`, `Server`,
//! `Remoter`, `ClientDoer`, `ServerDoer`, `EchoServerDoer`).
//!
//! A device owns a socket and its byte rings ([`hio::buf::Ring`]): `rx` for
//! what arrived, `tx` for what is to be sent. Its service doer moves bytes
//! between the socket and the rings without blocking; application doers
//! read `rx` and write `tx`. Device and doers share the device through a
//! `RefCell`, borrowed only inside a step:
//!
//! ```text
//!            ┌────────── RefCell<TcpServer> ──────────┐
//!  socket ⇄  │ remote 1: rx ring ▸      ◂ tx ring     │  ⇄ EchoServerDoer
//!  socket ⇄  │ remote 2: rx ring ▸      ◂ tx ring     │    (or yours)
//!            └─────────── ServerDoer services ────────┘
//! ```
//!
//! Back pressure is the ring being full: a service stops reading a socket
//! whose `rx` is full (the kernel's buffers fill next, then the peer's
//! writes block), and an application stops when `tx` has no room. Nothing
//! is dropped silently: bytes that can no longer be sent because the peer
//! went away are counted ([`Remote::discarded`], [`TcpClient::discarded`])
//! and the connection carries the error.

mod client;
mod server;

pub use client::{ClientConfig, ClientDoer, TcpClient};
pub use server::{EchoServerDoer, Remote, RemoteId, ServerConfig, ServerDoer, TcpServer};

use std::io::{self, Read, Write};

use hio::buf::Ring;
use mio::net::TcpStream;

use crate::io::{Ready, Registered};
use crate::sys;

/// How a receive ended.
#[derive(Debug)]
pub(crate) enum RxEnd {
    /// The socket is open; it would block, or `rx` is full.
    Open,
    /// The peer finished sending (end of stream).
    Eof,
    /// The socket failed.
    Failed(io::Error),
}

/// Moves bytes from the socket into `rx` until it would block, `rx` is full
/// (back pressure: the readiness stays recorded, so the next service tries
/// again), or the stream ends. Returns the count moved and how it ended.
/// Work is bounded by `rx`'s free space.
pub(crate) fn receive<const N: usize>(
    sock: &mut Registered<TcpStream>,
    rx: &mut Ring<N>,
) -> (usize, RxEnd) {
    let mut moved = 0;
    loop {
        if rx.is_full() || !sock.ready().is_readable() {
            return (moved, RxEnd::Open);
        }
        let slot = rx.writable();
        let want = slot.len();
        match sock.get_mut().read(slot) {
            Ok(0) => return (moved, RxEnd::Eof),
            Ok(n) => {
                moved += rx.commit(n);
                // short: drained, unless the end (or an error) is pending
                if n < want && sys::SHORT_IO_DRAINS && !sock.ready().is_read_closed() {
                    sock.clear(Ready::READABLE);
                    return (moved, RxEnd::Open);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                sock.clear(Ready::READABLE);
                return (moved, RxEnd::Open);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (moved, RxEnd::Failed(e)),
        }
    }
}

/// Moves bytes from `tx` to the socket until `tx` is empty or the socket
/// would block (a partial write keeps the rest in `tx`). Returns the count
/// moved, and the error if the socket failed. Work is bounded by `tx`'s
/// length.
pub(crate) fn send<const N: usize>(
    sock: &mut Registered<TcpStream>,
    tx: &mut Ring<N>,
) -> (usize, Option<io::Error>) {
    let mut moved = 0;
    loop {
        if tx.is_empty() || !sock.ready().is_writable() {
            return (moved, None);
        }
        let data = tx.readable();
        let want = data.len();
        match sock.get_mut().write(data) {
            Ok(0) => return (moved, Some(io::ErrorKind::WriteZero.into())),
            Ok(n) => {
                moved += tx.consume(n);
                if n < want && sys::SHORT_IO_DRAINS && !sock.ready().is_write_closed() {
                    sock.clear(Ready::WRITABLE);
                    return (moved, None);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                sock.clear(Ready::WRITABLE);
                return (moved, None);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (moved, Some(e)),
        }
    }
}
