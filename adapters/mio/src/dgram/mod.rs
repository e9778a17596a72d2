//! Datagram peers (hio's `Peer`): [`DgramPeer`] over UDP ([`UdpPeer`]) and
//! Unix datagram sockets ([`UnixDgramPeer`], Unix only), serviced by a
//! [`PeerDoer`].
//!
//! A peer owns a socket and two fixed-capacity datagram queues: `rx` for
//! what arrived (each [`Datagram`] with its sender's address) and `tx` for
//! what is to be sent (each with its destination, or `None` for the
//! connected peer). Its service doer moves datagrams between the socket
//! and the queues without blocking; application doers pull from `rx` and
//! push to `tx`. Datagram boundaries are kept: one queue item is one
//! datagram, never merged or split.
//!
//! ```text
//!            ┌──────────── RefCell<UdpPeer<N, M>> ────────────┐
//!  socket ⇄  │ rx: Deck of N × (sender, ≤ M bytes) ▸           │ ⇄ your doers
//!            │ tx: Deck of N × (destination, ≤ M bytes) ◂      │
//!            └───────────── PeerDoer services ─────────────────┘
//! ```
//!
//! The queues, their sizes and back pressure are described on
//! [`DgramPeer`].

mod udp;
#[cfg(unix)]
mod unix;

pub use udp::UdpPeer;
#[cfg(unix)]
pub use unix::UnixDgramPeer;

use std::collections::VecDeque;
use std::fmt;
use std::io;

use hio::buf::Deck;
use hio::{Error, IoKind, Tyme};
use mio::event::Source;

use crate::io::{Io, Ready, Registered, io_kind, to_error};
use crate::service::{Service, ServiceDoer};
use crate::wire::{Dir, Record, WireLog, WireLogError};

/// One datagram: its address (the sender in `rx`; the destination in `tx`,
/// `None` meaning the connected peer) and up to `M` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram<A, const M: usize> {
    /// The sender (rx) or destination (tx).
    pub addr: A,
    /// The bytes, at most `M`.
    pub data: heapless::Vec<u8, M>,
    /// True if it arrived longer than `M` bytes and was cut to `M`.
    pub truncated: bool,
}

impl<A, const M: usize> Datagram<A, M> {
    /// A datagram of `data` for (or from) `addr`.
    ///
    /// # Errors
    ///
    /// `Io(TooLong)` if `data` is longer than `M`.
    pub fn new(addr: A, data: &[u8]) -> Result<Self, Error> {
        let data = heapless::Vec::from_slice(data).map_err(|_| Error::Io(IoKind::TooLong))?;
        Ok(Datagram {
            addr,
            data,
            truncated: false,
        })
    }
}

/// A datagram socket a [`DgramPeer`] can drive: UDP (`mio::net::UdpSocket`)
/// and, on Unix, `mio::net::UnixDatagram`. Implemented here for those two;
/// the methods are the sockets' own.
pub trait DgramSocket: Source {
    /// The address of a sender or destination.
    type Addr: Clone + fmt::Debug;
    /// Receives one datagram and its sender (`recv_from`).
    ///
    /// # Errors
    ///
    /// The OS error (`WouldBlock` when nothing is queued).
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, Self::Addr)>;
    /// Sends one datagram to `to` (`send_to`).
    ///
    /// # Errors
    ///
    /// The OS error (`WouldBlock` when the send buffer is full).
    fn send_to(&self, buf: &[u8], to: &Self::Addr) -> io::Result<usize>;
    /// Sends one datagram to the connected peer (`send`).
    ///
    /// # Errors
    ///
    /// The OS error (`NotConnected` if the socket is not connected).
    fn send(&self, buf: &[u8]) -> io::Result<usize>;
    /// The address as wire-log text (`None` for an unnamed address).
    fn addr_text(addr: &Self::Addr) -> Option<String>;
    /// The address back from wire-log text (`None` if it does not parse;
    /// `text` is `None` for an unnamed address).
    fn parse_addr(text: Option<&str>) -> Option<Self::Addr>;
}

/// Where a peer's datagrams come from and go to.
enum Backend<S: DgramSocket> {
    /// A real socket, registered with the runner's poll.
    Socket(Registered<S>),
    /// A recording's events, played back at their tymes (see
    /// [`DgramPeer::replay`]).
    Replay(VecDeque<(Tyme, Event<S::Addr>)>),
}

/// One event of a recording, as the replay device plays it back.
enum Event<A> {
    /// A datagram arrived: sender, truncated, bytes.
    Rx(A, bool, Vec<u8>),
    /// The datagram at the head of `tx` was sent (its recorded bytes).
    Tx(Vec<u8>),
    /// The datagram at the head of `tx` was refused by the OS.
    Dropped(Vec<u8>, IoKind),
    /// The socket reported an error by itself.
    Error(IoKind),
}

/// The received-or-sent counters of a peer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    received: u64,
    sent: u64,
    truncated: u64,
    failed: u64,
    refused: u64,
}

/// A datagram peer with queues of `N` datagrams of at most `M` bytes each
/// (hio's `Peer`); see [`UdpPeer`] and [`UnixDgramPeer`] for how to make
/// one.
///
/// # The queues, and why a deck of datagrams
///
/// Each queue is a [`hio::buf::Deck`] of `N` [`Datagram`]s whose bytes sit
/// in a `heapless::Vec<u8, M>`: every slot reserves `M` bytes, so the
/// memory is `N × (M + address)`, fixed when the peer is made and never
/// grown. A byte ring with length prefixes would pack small datagrams more
/// tightly, but it makes a datagram that wraps around the ring's end either
/// a copy or two slices, and its capacity a number of bytes rather than of
/// datagrams; the deck keeps one datagram per slot, whole and contiguous,
/// counts capacity in datagrams (what a datagram protocol reasons in), and
/// reuses the core's queue with its back pressure contract.
///
/// # Sizes, back pressure, and what is never silent
///
/// * **Oversize received.** A datagram longer than `M` bytes is delivered
///   cut to its first `M` bytes with [`Datagram::truncated`] set, and
///   counted ([`DgramPeer::truncated`]). (The service receives into an
///   `M + 1`-byte scratch buffer, so it sees that more arrived; on
///   Windows, whose `recvfrom` fails on a short buffer, into a 64 KiB
///   one.)
/// * **Oversize sent.** [`DgramPeer::send_to`] refuses a datagram longer
///   than `M` with `Io(TooLong)`; nothing is queued.
/// * **tx full** is back pressure: `send_to` returns `Err(Capacity)` and the
///   datagram stays yours.
/// * **rx full**: the service stops reading. The OS keeps queueing
///   datagrams in the socket's receive buffer (`SO_RCVBUF`); once that is
///   full **UDP drops further datagrams** (it has no flow control), which
///   the peer cannot count. Keep `rx` drained. Unix datagram sockets push
///   back instead (on Linux): the sender's sends would block, so its `tx`
///   fills and its `send_to` returns `Err(Capacity)`; nothing is lost.
/// * **Send errors** are values: a datagram the OS refuses (no such path,
///   a path nobody is bound to any more, message too long, host
///   unreachable) is dropped, counted
///   ([`DgramPeer::failed`]) and its error kept ([`DgramPeer::error`]). An
///   ICMP "port unreachable" for an earlier datagram of a connected UDP
///   socket comes back from the next send or receive as
///   `Io(ConnectionRefused)`: counted in [`DgramPeer::refused`] and kept as
///   the error; the socket stays usable, and the datagram whose send read
///   the report is tried once more (refused again, it is this datagram's
///   failure). The service doer never fails for
///   these.
///
/// # Contract
///
/// * **Contexts.** Any doer context; only [`service`](Self::service) does
///   IO, and only its [`PeerDoer`] should call it.
/// * **Bounded work.** One service sends at most `N` datagrams and
///   receives at most `N` (plus the error reports it reads on the way).
/// * **Boundaries.** One queue item is one datagram, whole.
/// * **Errors are values**: see [`error`](Self::error),
///   [`failed`](Self::failed), [`refused`](Self::refused),
///   [`truncated`](Self::truncated).
pub struct DgramPeer<S: DgramSocket, const N: usize = 16, const M: usize = 1472> {
    backend: Backend<S>,
    rx: Box<Deck<Datagram<S::Addr, M>, N>>,
    tx: Box<Deck<Datagram<Option<S::Addr>, M>, N>>,
    scratch: Box<[u8]>,
    counts: Counts,
    error: Option<Error>,
    log: Option<(WireLog, u32)>,
    diverged: u64,
}

impl<S: DgramSocket, const N: usize, const M: usize> fmt::Debug for DgramPeer<S, N, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DgramPeer")
            .field(
                "backend",
                &match &self.backend {
                    Backend::Socket(s) => format!("socket {:?}", s.ready()),
                    Backend::Replay(q) => format!("replay ({} left)", q.len()),
                },
            )
            .field("rx", &self.rx.len())
            .field("tx", &self.tx.len())
            .field("counts", &self.counts)
            .field("error", &self.error)
            .finish()
    }
}

/// The receive buffer for datagrams of up to `m` bytes. On Unix `m + 1`
/// bytes suffice: a longer datagram is cut by the OS and the `n > m` shows
/// it. Windows instead fails a `recvfrom` into a short buffer with
/// `WSAEMSGSIZE`, and std then drops the sender's address (measured under
/// wine: the datagram came back as `Io(Other)`), so there the buffer holds
/// the largest UDP payload and the cut to `m` is ours.
fn scratch_len(m: usize) -> usize {
    if cfg!(windows) {
        m.saturating_add(1).max(65_536)
    } else {
        m.saturating_add(1)
    }
}

impl<S: DgramSocket, const N: usize, const M: usize> DgramPeer<S, N, M> {
    fn with_backend(backend: Backend<S>) -> Self {
        DgramPeer {
            backend,
            rx: Box::new(Deck::new()),
            tx: Box::new(Deck::new()),
            scratch: vec![0u8; scratch_len(M)].into_boxed_slice(),
            counts: Counts::default(),
            error: None,
            log: None,
            diverged: 0,
        }
    }

    /// A peer on `sock`, registered with the runner behind `io`.
    ///
    /// # Errors
    ///
    /// The OS error of the registration, as `Error::Io`.
    pub fn from_socket(io: &Io, sock: S) -> Result<Self, Error> {
        let sock = Registered::new(io, sock, mio::Interest::READABLE | mio::Interest::WRITABLE)
            .map_err(|e| to_error(&e))?;
        Ok(Self::with_backend(Backend::Socket(sock)))
    }

    /// The replay device: a peer without a socket that plays back the
    /// events `records` show for channel `chan`, in their order, each at
    /// its recorded tyme (in the first service at or after it):
    ///
    /// * a received datagram goes into `rx` (waiting while `rx` is full);
    /// * a sent datagram takes the head of `tx` (waiting until the
    ///   application queued it), counts it sent and sends it nowhere; a
    ///   head that differs from the recorded bytes is counted in
    ///   [`diverged`](Self::diverged);
    /// * a dropped send takes the head of `tx` and counts it failed, with
    ///   the recorded error; a reported error (a refusal) sets the error
    ///   and the refusal count.
    ///
    /// So `tx` fills and drains as it did (back pressure included), and the
    /// counters and errors come back too. The same application doers and
    /// the same [`PeerDoer`] run on it unchanged, under any driver (the
    /// core's simulated one needs no runner and no network). A run recorded
    /// in [`Mode::Tock`](crate::Mode::Tock) (one pass per tyme) is
    /// reproduced exactly: the application sees the same datagrams and
    /// counters in the same passes. In [`Mode::Ready`](crate::Mode::Ready)
    /// a recording has several passes at one tyme; replay plays them in
    /// the first.
    ///
    /// # Errors
    ///
    /// [`WireLogError::Addr`] if a received record's address does not
    /// parse as `S::Addr`.
    pub fn replay<'r>(
        records: impl IntoIterator<Item = &'r Record>,
        chan: u32,
    ) -> Result<Self, WireLogError> {
        let mut queue = VecDeque::new();
        // one unnamed address serves every record without one
        let mut unnamed: Option<S::Addr> = None;
        for (line, r) in records.into_iter().enumerate() {
            if r.chan != chan {
                continue;
            }
            let kind = r.kind.unwrap_or(IoKind::Other);
            let event = match r.dir {
                Dir::Tx => Event::Tx(r.data.clone()),
                Dir::Dropped => Event::Dropped(r.data.clone(), kind),
                Dir::Error => Event::Error(kind),
                Dir::Open | Dir::Close => continue, // TCP records only
                Dir::Rx => {
                    let addr = match (&r.addr, &unnamed) {
                        (None, Some(a)) => a.clone(),
                        _ => S::parse_addr(r.addr.as_deref()).ok_or(WireLogError::Addr(line))?,
                    };
                    if r.addr.is_none() {
                        unnamed = Some(addr.clone());
                    }
                    Event::Rx(addr, r.truncated, r.data.clone())
                }
            };
            queue.push_back((r.tyme, event));
        }
        Ok(Self::with_backend(Backend::Replay(queue)))
    }

    /// Records every datagram received and sent into `log` as channel
    /// `chan` (a [`WireLog`] is a shared handle: give several peers and
    /// connections the same log with different channels).
    pub fn set_log(&mut self, log: WireLog, chan: u32) {
        self.log = Some((log, chan));
    }

    /// The socket (`None` for a replay device).
    pub fn socket(&self) -> Option<&S> {
        match &self.backend {
            Backend::Socket(s) => Some(s.get()),
            Backend::Replay(_) => None,
        }
    }

    /// True for a replay device with nothing left to deliver (false for a
    /// socket).
    pub fn replay_done(&self) -> bool {
        matches!(&self.backend, Backend::Replay(q) if q.is_empty())
    }

    /// Queues a datagram of `data` for `to` (hio's `send`).
    ///
    /// # Errors
    ///
    /// `Capacity` when `tx` is full (back pressure: try again after a
    /// service), `Io(TooLong)` when `data` is longer than `M`. Nothing is
    /// queued then.
    pub fn send_to(&mut self, to: S::Addr, data: &[u8]) -> Result<(), Error> {
        self.queue(Some(to), data)
    }

    /// Queues a datagram of `data` for the connected peer.
    ///
    /// # Errors
    ///
    /// As [`send_to`](Self::send_to). Sending on an unconnected socket
    /// fails later, in the service (`Io(NotConnected)` kept as the
    /// [`error`](Self::error), the datagram counted as failed).
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.queue(None, data)
    }

    fn queue(&mut self, to: Option<S::Addr>, data: &[u8]) -> Result<(), Error> {
        if self.tx.is_full() {
            return Err(Error::Capacity);
        }
        let d = Datagram::new(to, data)?;
        self.tx.push(d).map_err(|_| Error::Capacity)?;
        if let Backend::Socket(s) = &self.backend {
            s.io().note_activity();
        }
        Ok(())
    }

    /// Pulls the oldest received datagram.
    pub fn recv(&mut self) -> Option<Datagram<S::Addr, M>> {
        self.rx.pull()
    }
    /// What arrived, oldest first.
    pub fn rx(&self) -> &Deck<Datagram<S::Addr, M>, N> {
        &self.rx
    }
    /// What arrived, to pull from.
    pub fn rx_mut(&mut self) -> &mut Deck<Datagram<S::Addr, M>, N> {
        &mut self.rx
    }
    /// What is to be sent, oldest first.
    pub fn tx(&self) -> &Deck<Datagram<Option<S::Addr>, M>, N> {
        &self.tx
    }
    /// What is to be sent, to push into directly (prefer
    /// [`send_to`](Self::send_to), which also asks a
    /// [`Mode::Ready`](crate::Mode::Ready) runner for a pass at once).
    pub fn tx_mut(&mut self) -> &mut Deck<Datagram<Option<S::Addr>, M>, N> {
        &mut self.tx
    }
    /// Datagrams received so far (truncated ones included).
    pub fn received(&self) -> u64 {
        self.counts.received
    }
    /// Datagrams sent so far.
    pub fn sent(&self) -> u64 {
        self.counts.sent
    }
    /// Datagrams that arrived longer than `M` and were cut.
    pub fn truncated(&self) -> u64 {
        self.counts.truncated
    }
    /// Datagrams the OS refused to send (dropped from `tx`).
    pub fn failed(&self) -> u64 {
        self.counts.failed
    }
    /// "Connection refused" reports (ICMP port unreachable on a connected
    /// UDP socket, or a Unix peer that went away).
    pub fn refused(&self) -> u64 {
        self.counts.refused
    }
    /// The last error seen (a refused or failed send, a refusal report).
    pub fn error(&self) -> Option<Error> {
        self.error
    }
    /// For a replay device: datagrams the application queued that differ
    /// from the recording's (the replay then no longer reproduces it).
    /// Zero for a socket.
    pub fn diverged(&self) -> u64 {
        self.diverged
    }
    /// Takes the last error, leaving none.
    pub fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    fn log_error(&self, tyme: Tyme, dir: Dir, addr: Option<&S::Addr>, data: &[u8], kind: IoKind) {
        if let Some((log, chan)) = &self.log {
            let addr = addr.and_then(S::addr_text);
            log.record_error(tyme, *chan, dir, addr.as_deref(), data, kind);
        }
    }

    fn log(&self, tyme: Tyme, dir: Dir, addr: Option<&S::Addr>, data: &[u8], truncated: bool) {
        if let Some((log, chan)) = &self.log {
            let addr = addr.and_then(S::addr_text);
            log.record(tyme, *chan, dir, addr.as_deref(), data, truncated);
        }
    }

    /// One service at `tyme` (hio's `serviceAll`): sends what `tx` holds
    /// until the socket would block, then receives until `rx` is full or
    /// the socket would block. Errors are kept in the peer (see the type's
    /// docs); the service itself cannot fail.
    pub fn service(&mut self, tyme: Tyme) {
        let moved = match &self.backend {
            Backend::Socket(_) => self.send_all(tyme) | self.receive_all(tyme),
            Backend::Replay(_) => self.replay_step(tyme),
        };
        if moved && let Backend::Socket(s) = &self.backend {
            s.io().note_activity();
        }
    }

    fn send_all(&mut self, tyme: Tyme) -> bool {
        let Backend::Socket(sock) = &self.backend else {
            return false;
        };
        let mut moved = false;
        let mut retried = false;
        while let Some(d) = self.tx.peek() {
            if !sock.ready().is_writable() {
                break;
            }
            let res = match &d.addr {
                Some(to) => sock.get().send_to(&d.data, to),
                None => sock.get().send(&d.data),
            };
            match res {
                Ok(_) => {
                    self.counts.sent += 1;
                    moved = true;
                    retried = false;
                    if let Some(d) = self.tx.pull() {
                        self.log(tyme, Dir::Tx, d.addr.as_ref(), &d.data, false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    sock.forget(Ready::WRITABLE.with(Ready::WRITE_CLOSED));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_refusal(&e) && !retried => {
                    // on a connected UDP socket, the report of an earlier
                    // datagram (the socket's pending error): this one was
                    // not sent, so try it once more
                    self.counts.refused += 1;
                    self.error = Some(to_error(&e));
                    self.log_error(tyme, Dir::Error, None, &[], io_kind(e.kind()));
                    moved = true;
                    retried = true;
                }
                Err(e) => {
                    // refused again (a Unix path nobody listens on), or
                    // any other error: this datagram cannot go
                    retried = false;
                    self.counts.failed += 1;
                    self.error = Some(to_error(&e));
                    moved = true;
                    if let Some(d) = self.tx.pull() {
                        let kind = io_kind(e.kind());
                        self.log_error(tyme, Dir::Dropped, d.addr.as_ref(), &d.data, kind);
                    }
                }
            }
        }
        moved
    }

    fn receive_all(&mut self, tyme: Tyme) -> bool {
        let Backend::Socket(sock) = &self.backend else {
            return false;
        };
        let mut moved = false;
        let mut reports = 0;
        while !self.rx.is_full() && sock.ready().is_readable() {
            match sock.get().recv_from(&mut self.scratch) {
                Ok((n, from)) => {
                    let truncated = n > M;
                    let data = self.scratch.get(..n.min(M)).unwrap_or(&[]);
                    let d = Datagram {
                        addr: from,
                        data: heapless::Vec::from_slice(data).unwrap_or_default(),
                        truncated,
                    };
                    self.counts.received += 1;
                    self.counts.truncated += u64::from(truncated);
                    moved = true;
                    if let Some((log, chan)) = &self.log {
                        let addr = S::addr_text(&d.addr);
                        log.record(tyme, *chan, Dir::Rx, addr.as_deref(), &d.data, truncated);
                    }
                    // cannot fail: checked for room above
                    let _ = self.rx.push(d);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // an error event is not final for a datagram socket
                    sock.forget(
                        Ready::READABLE
                            .with(Ready::READ_CLOSED)
                            .with(Ready::WRITE_CLOSED),
                    );
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if is_refusal(&e) {
                        self.counts.refused += 1;
                    }
                    self.error = Some(to_error(&e));
                    self.log_error(tyme, Dir::Error, None, &[], io_kind(e.kind()));
                    moved = true;
                    reports += 1;
                    if reports > N {
                        break;
                    }
                }
            }
        }
        moved
    }

    fn replay_step(&mut self, tyme: Tyme) -> bool {
        let mut moved = false;
        while let Backend::Replay(queue) = &mut self.backend {
            let Some((at, event)) = queue.front() else {
                break;
            };
            let ready = *at <= tyme
                && match event {
                    Event::Rx(..) => !self.rx.is_full(),
                    Event::Tx(_) | Event::Dropped(..) => !self.tx.is_empty(),
                    Event::Error(_) => true,
                };
            if !ready {
                break; // not due, rx full, or the application is behind
            }
            let Some((_, event)) = queue.pop_front() else {
                break;
            };
            moved = true;
            match event {
                Event::Rx(addr, truncated, bytes) => {
                    let n = bytes.len().min(M);
                    let d = Datagram {
                        addr,
                        data: heapless::Vec::from_slice(bytes.get(..n).unwrap_or(&[]))
                            .unwrap_or_default(),
                        truncated: truncated || bytes.len() > M,
                    };
                    self.counts.received += 1;
                    self.counts.truncated += u64::from(d.truncated);
                    self.log(tyme, Dir::Rx, Some(&d.addr), &d.data, d.truncated);
                    let _ = self.rx.push(d);
                }
                Event::Tx(bytes) => {
                    if let Some(d) = self.tx.pull() {
                        self.diverged += u64::from(d.data.as_slice() != bytes.as_slice());
                        self.counts.sent += 1;
                        self.log(tyme, Dir::Tx, d.addr.as_ref(), &d.data, false);
                    }
                }
                Event::Dropped(bytes, kind) => {
                    if let Some(d) = self.tx.pull() {
                        self.diverged += u64::from(d.data.as_slice() != bytes.as_slice());
                        self.counts.failed += 1;
                        self.error = Some(Error::Io(kind));
                        self.log_error(tyme, Dir::Dropped, d.addr.as_ref(), &d.data, kind);
                    }
                }
                Event::Error(kind) => {
                    if matches!(kind, IoKind::ConnectionRefused | IoKind::ConnectionReset) {
                        self.counts.refused += 1;
                    }
                    self.error = Some(Error::Io(kind));
                    self.log_error(tyme, Dir::Error, None, &[], kind);
                }
            }
        }
        moved
    }
}

/// True for the error a datagram socket reads back after its peer refused
/// an earlier datagram.
fn is_refusal(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
}

/// The service doer of a [`DgramPeer`] (hio's `PeerDoer`): services the
/// peer every run.
///
/// # Contract
///
/// * **recur** calls [`DgramPeer::service`] and asks to run again on the
///   next pass (`Recur::NEXT`); **enter** and **exit** do nothing (the
///   socket closes when the peer is dropped, so it can outlive the tree).
/// * **Errors.** The peer being borrowed elsewhere during the step is
///   `Error::Misuse`; socket errors are values in the peer, not failures
///   of the doer.
/// * **Bounded work**: one service per run.
pub type PeerDoer<'a, S, const N: usize = 16, const M: usize = 1472> =
    ServiceDoer<'a, DgramPeer<S, N, M>>;

impl<S: DgramSocket, const N: usize, const M: usize> Service for DgramPeer<S, N, M> {
    fn run(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.service(tyme);
        Ok(())
    }
}
