//! The one stream service shared by [`TcpClient`](super::TcpClient) and
//! every [`Remote`](super::Remote) of a [`TcpServer`](super::TcpServer):
//! moves bytes between a connected socket and a connection's rx/tx rings,
//! notices the peer's end of stream or a failure, and half-closes. With
//! the `tls` feature a connection may carry a TLS session
//! ([`crate::tls`]) that the same service drives instead.

use std::io::{self, Read, Write};
use std::net::Shutdown;

use hio::Error;
use hio::buf::Ring;
use mio::net::TcpStream;

use crate::io::{Ready, Registered, to_error};
use crate::sys;

/// The state of one connection's byte stream, and its counters.
///
/// The flags describe the current connection ([`reset`](Self::reset) for a
/// new one); the counters run on over every connection of a device.
#[derive(Debug, Default)]
pub(crate) struct Flow {
    /// The peer finished sending (end of stream).
    pub(crate) eof: bool,
    /// The connection failed; nothing moves any more.
    pub(crate) dead: bool,
    /// Why it failed (or, for a clean end, nothing).
    pub(crate) error: Option<Error>,
    /// Half-close once `tx` is sent.
    pub(crate) shut_requested: bool,
    /// Half-closed.
    pub(crate) shut_done: bool,
    /// Bytes received.
    pub(crate) received: u64,
    /// Bytes sent.
    pub(crate) sent: u64,
    /// Bytes dropped from `tx` because the peer went away.
    pub(crate) discarded: u64,
    /// The TLS error that ended the connection (its `error` is then
    /// `Io(InvalidData)`).
    #[cfg(feature = "tls")]
    pub(crate) tls_error: Option<rustls::Error>,
}

/// A connected socket, and its TLS session if it has one.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) sock: Registered<TcpStream>,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<Box<crate::tls::Session>>,
}

impl Link {
    /// A plain connection.
    pub(crate) fn plain(sock: Registered<TcpStream>) -> Self {
        Link {
            sock,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// A connection with the TLS session just made for it; if making it
    /// failed, the error goes into `tls_error` and the connection is
    /// `Io(InvalidInput)`.
    #[cfg(feature = "tls")]
    pub(crate) fn with_session(
        sock: Registered<TcpStream>,
        session: Result<crate::tls::Session, rustls::Error>,
        tls_error: &mut Option<rustls::Error>,
    ) -> Result<Self, Error> {
        match session {
            Ok(s) => Ok(Link {
                sock,
                tls: Some(Box::new(s)),
            }),
            Err(e) => {
                *tls_error = Some(e);
                Err(Error::Io(hio::IoKind::InvalidInput))
            }
        }
    }

    /// True for a plain connection (no TLS session).
    pub(crate) fn is_plain(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            return false;
        }
        true
    }

    /// True while a TLS handshake is in progress (never without TLS).
    pub(crate) fn handshaking(&self) -> bool {
        #[cfg(feature = "tls")]
        if let Some(s) = &self.tls {
            return s.handshaking();
        }
        false
    }
}

/// Dropping a TLS link says goodbye: close_notify (or the alert of a failed
/// handshake) gets one non-blocking try before the socket closes.
#[cfg(feature = "tls")]
impl Drop for Link {
    fn drop(&mut self) {
        if let Some(s) = &mut self.tls {
            s.close(&mut self.sock);
        }
    }
}

impl Flow {
    /// Forgets the last connection's flags (not its error, nor the
    /// counters).
    pub(crate) fn reset(&mut self) {
        self.eof = false;
        self.dead = false;
        self.shut_requested = false;
        self.shut_done = false;
    }

    /// True once no more bytes will arrive.
    pub(crate) fn ended(&self) -> bool {
        self.eof || self.dead
    }

    /// One service of the stream: sends what `tx` holds (then half-closes
    /// if asked and `tx` is empty), receives until `rx` is full or the
    /// socket would block, and once the connection failed drops what `tx`
    /// still holds (counted in `discarded`). Returns whether anything
    /// moved or changed. Work is bounded by `RX + TX` bytes.
    pub(crate) fn service<const RX: usize, const TX: usize>(
        &mut self,
        link: &mut Link,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> bool {
        #[cfg(feature = "tls")]
        if let Some(session) = &mut link.tls {
            return session.service(self, &mut link.sock, rx, tx);
        }
        let sock = &mut link.sock;
        let mut moved = false;
        if !self.dead && !self.shut_done {
            let (n, err) = send(sock, tx);
            self.sent += n as u64;
            moved |= n > 0;
            if let Some(e) = err {
                self.fail(to_error(&e));
                moved = true;
            } else if self.shut_requested && tx.is_empty() {
                let _ = sock.get().shutdown(Shutdown::Write);
                self.shut_done = true;
            }
        }
        if !self.dead && !self.eof {
            let (n, end) = receive(sock, rx);
            moved |= self.received_or_ended(n, end);
        }
        if self.dead && !tx.is_empty() {
            // the peer is gone; the application may still be writing
            self.discarded += tx.len() as u64;
            tx.clear();
        }
        moved
    }

    /// One service of a connection in loopback mode (a plain link only):
    /// what arrives in `rx` goes straight back to the peer from `rx`,
    /// without a copy into `tx` and without waiting for another pass.
    ///
    /// In order: what the application queued in `tx` is sent first (and
    /// while `tx` is not empty, nothing of `rx` is); then what `rx` still
    /// holds from an earlier service; then the socket is read into `rx`
    /// until it is full or would block, and what arrived is sent at once,
    /// again while `rx` went out whole and the socket has more (up to
    /// `LOOPBACK_ROUNDS`, 4, rounds).
    /// Back pressure as in [`service`](Self::service): what the peer does
    /// not read stays in `rx`, and a full `rx` is not read into. After the
    /// peer's end of stream the write half is closed once `rx` and `tx`
    /// are sent; once the connection failed what both hold is dropped
    /// (counted in `discarded`). Returns whether anything moved or
    /// changed, and how many bytes went back from `rx`. Work is bounded by
    /// `TX + 9 * RX` bytes.
    pub(crate) fn service_loopback<const RX: usize, const TX: usize>(
        &mut self,
        link: &mut Link,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> (bool, usize) {
        let sock = &mut link.sock;
        let mut moved = false;
        let mut looped = 0;
        if !self.dead && !self.shut_done {
            let (n, err) = send(sock, tx);
            moved |= self.sent_or_failed(n, err);
            if tx.is_empty() && !self.dead {
                let (n, err) = send(sock, rx);
                looped += n;
                moved |= self.sent_or_failed(n, err);
            }
        }
        // receive and send back while both go on (a bulk stream): a few
        // rounds of a full rx per service, fewer passes per byte
        for _ in 0..LOOPBACK_ROUNDS {
            if self.dead || self.eof {
                break;
            }
            let (n, end) = receive(sock, rx);
            moved |= self.received_or_ended(n, end);
            if n == 0 || !tx.is_empty() || self.dead || self.shut_done {
                break;
            }
            let (n, err) = send(sock, rx);
            looped += n;
            moved |= self.sent_or_failed(n, err);
            // again only if all went out and more is waiting (the receive
            // stopped because rx was full, not because the socket would
            // block)
            if !rx.is_empty() || !sock.ready().is_readable() {
                break;
            }
        }
        if self.eof {
            // the echo is complete once everything that came is sent
            self.shut_requested = true;
        }
        if !self.dead && !self.shut_done && self.shut_requested && tx.is_empty() && rx.is_empty() {
            let _ = sock.get().shutdown(Shutdown::Write);
            self.shut_done = true;
            moved = true;
        }
        if self.dead {
            // the peer is gone: what was to go back to it cannot
            self.discarded += (tx.len() + rx.len()) as u64;
            tx.clear();
            rx.clear();
        }
        (moved, looped)
    }

    /// Counts `n` bytes sent, and fails the connection with `err`. Returns
    /// whether anything moved or changed.
    fn sent_or_failed(&mut self, n: usize, err: Option<io::Error>) -> bool {
        self.sent += n as u64;
        match err {
            Some(e) => {
                self.fail(to_error(&e));
                true
            }
            None => n > 0,
        }
    }

    /// Counts `n` bytes received, and notes how the read ended (the peer's
    /// end of stream, or a failure). Returns whether anything moved or
    /// changed.
    fn received_or_ended(&mut self, n: usize, end: RxEnd) -> bool {
        self.received += n as u64;
        match end {
            RxEnd::Open => n > 0,
            RxEnd::Eof => {
                self.eof = true;
                true
            }
            RxEnd::Failed(e) => {
                self.fail(to_error(&e));
                true
            }
        }
    }

    /// The connection failed with `e`.
    pub(crate) fn fail(&mut self, e: Error) {
        self.dead = true;
        self.error = Some(e);
    }
}

/// At most this many rounds of receiving into `rx` and sending it back per
/// loopback service.
const LOOPBACK_ROUNDS: usize = 4;

/// How a receive ended.
#[derive(Debug)]
enum RxEnd {
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
fn receive<const N: usize>(sock: &mut Registered<TcpStream>, rx: &mut Ring<N>) -> (usize, RxEnd) {
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
fn send<const N: usize>(
    sock: &mut Registered<TcpStream>,
    tx: &mut Ring<N>,
) -> (usize, Option<io::Error>) {
    let mut moved = 0;
    loop {
        if tx.is_empty() || !sock.ready().is_writable() {
            return (moved, None);
        }
        // both halves of a wrapped ring in one system call
        let (a, b) = tx.as_slices();
        let want = a.len() + b.len();
        let written = if b.is_empty() {
            sock.get_mut().write(a)
        } else {
            sock.get_mut()
                .write_vectored(&[io::IoSlice::new(a), io::IoSlice::new(b)])
        };
        match written {
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
