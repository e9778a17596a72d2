//! The TCP server device ([`TcpServer`], hio's `Server` with its
//! `Remoter`s), its service doer ([`ServerDoer`]) and an echo
//! application doer ([`EchoServerDoer`]).

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::net::SocketAddr;

use hio::buf::Ring;
use hio::{Cx, Doer, Error, IoKind, Recur, Tock, Tyme};
use mio::Interest;
use mio::net::{TcpListener, TcpStream};

use super::stream::{Flow, Link};
use crate::io::{Io, Ready, Registered, WatchList, to_error};
use crate::service::{Service, ServiceDoer};
use crate::wire::{Dir, Record, Script, WireLogError};

/// How a [`TcpServer`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// At most this many remotes at once; connections beyond it are
    /// accepted and closed at once, and counted
    /// ([`TcpServer::refused`]).
    pub max_conns: usize,
    /// At most this many connections accepted (or refused) per service, so
    /// a flood cannot stall the pass; the rest wait for the next one.
    pub accept_batch: usize,
    /// Disable Nagle's algorithm on accepted connections. On by default.
    pub nodelay: bool,
    /// The listen backlog: connections the kernel completes and queues
    /// before they are accepted (1024 by default, as tokio; the OS may cap
    /// it, `net.core.somaxconn` on Linux). A burst beyond it has SYNs
    /// dropped, and those clients retry a second later.
    pub backlog: i32,
    /// `Some(limit)`: a TLS remote whose handshake is not done this long
    /// (in tyme) after it was accepted — a peer that connects and never
    /// speaks, or speaks too slowly — is closed with `Io(TimedOut)`,
    /// counted in [`TcpServer::handshake_timeouts`] (and, as every remote
    /// that ends with an error, in [`TcpServer::remote_errors`]), so it
    /// cannot hold a remote slot forever. 10 s by default; `None`: no
    /// limit. Plain TCP remotes have no handshake and no idle limit.
    pub handshake_timeout: Option<Tock>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_conns: 1024,
            accept_batch: 64,
            nodelay: true,
            backlog: 1024,
            handshake_timeout: Some(Tock::from_secs(10)),
        }
    }
}

/// Names one remote of a [`TcpServer`]. Ids are not reused while the
/// server lives (a slot's generation changes), so a stale id finds nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemoteId {
    index: u32,
    generation: u32,
}

impl fmt::Display for RemoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}.{}", self.index, self.generation)
    }
}

/// One accepted connection (hio's `Remoter`): its socket and its rx/tx
/// rings.
///
/// # Contract
///
/// * **Life.** A remote is removed by its server's service once it is
///   [`cutoff`](Self::cutoff), its `rx` is empty (the application read
///   everything) and its `tx` is empty (sent, or discarded because the peer
///   is gone); or at once after [`close`](Self::close).
/// * **Half-close.** After the peer's end of stream the remote still sends
///   what `tx` holds; [`shutdown_write`](Self::shutdown_write) half-closes
///   our side once `tx` is sent.
pub struct Remote<const RX: usize, const TX: usize> {
    id: RemoteId,
    peer: SocketAddr,
    conn: Conn,
    rings: Box<Rings<RX, TX>>,
    flow: Flow,
    close_requested: bool,
    /// When it was accepted.
    since: Tyme,
    /// How many remotes the server accepted before it.
    serial: u64,
    /// In loopback mode ([`Remote::loop_back`]).
    looping: bool,
    /// Loopback may be turned on (a plain socket of a server without a
    /// tap).
    loop_ok: bool,
}

impl<const RX: usize, const TX: usize> fmt::Debug for Remote<RX, TX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("id", &self.id)
            .field("peer", &self.peer)
            .field("rx", &self.rings.rx.len())
            .field("tx", &self.rings.tx.len())
            .field("eof", &self.flow.eof)
            .field("error", &self.flow.error)
            .finish()
    }
}

impl<const RX: usize, const TX: usize> Remote<RX, TX> {
    /// Its id.
    pub fn id(&self) -> RemoteId {
        self.id
    }
    /// The peer's address (hio's `ca`).
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }
    /// True once the peer finished sending or the connection failed: no
    /// more bytes will arrive (hio's `cutoff`).
    pub fn cutoff(&self) -> bool {
        self.flow.ended()
    }
    /// The error that ended the connection, if it was not a clean end of
    /// stream.
    pub fn error(&self) -> Option<Error> {
        self.flow.error
    }
    /// The TLS error that ended the connection (a handshake that failed,
    /// bytes that are not TLS, the peer's alert), if that is how it ended;
    /// its [`error`](Self::error) is then `Io(InvalidData)`.
    #[cfg(feature = "tls")]
    pub fn tls_error(&self) -> Option<&rustls::Error> {
        self.flow.tls_error.as_ref()
    }
    /// True while the TLS handshake is in progress (its rings stay empty
    /// until it is done).
    #[cfg(feature = "tls")]
    pub fn handshaking(&self) -> bool {
        matches!(&self.conn, Conn::Live(l) if l.handshaking())
    }
    /// Bytes received from the peer (plaintext, with TLS).
    pub fn received(&self) -> u64 {
        self.flow.received
    }
    /// Bytes sent to the peer.
    pub fn sent(&self) -> u64 {
        self.flow.sent
    }
    /// Bytes dropped from `tx` because the peer went away before they could
    /// be sent (or because of [`close`](Self::close)).
    pub fn discarded(&self) -> u64 {
        self.flow.discarded
    }
    /// What arrived, oldest first.
    pub fn rx(&self) -> &Ring<RX> {
        &self.rings.rx
    }
    /// What arrived, to read and consume.
    pub fn rx_mut(&mut self) -> &mut Ring<RX> {
        &mut self.rings.rx
    }
    /// What is to be sent.
    pub fn tx(&self) -> &Ring<TX> {
        &self.rings.tx
    }
    /// What is to be sent, to write into. In [`Mode::Ready`](crate::Mode),
    /// bytes written here in a pass in which no device moved bytes wait for
    /// the next pass that runs; [`send`](Self::send) asks for one at once.
    pub fn tx_mut(&mut self) -> &mut Ring<TX> {
        &mut self.rings.tx
    }
    /// Queues as much of `data` as `tx` has room for (hio's `tx`); returns
    /// how many bytes. Asks a [`Mode::Ready`](crate::Mode) runner for a
    /// follow-up pass, so the bytes go out without waiting for a tock.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let n = self.rings.tx.write(data);
        if n > 0
            && let Conn::Live(link) = &self.conn
        {
            link.sock.io().note_activity();
        }
        n
    }
    /// Both rings at once (for moving bytes between them).
    pub fn rings_mut(&mut self) -> (&mut Ring<RX>, &mut Ring<TX>) {
        let rings = &mut *self.rings;
        (&mut rings.rx, &mut rings.tx)
    }
    /// Puts the remote in **loopback mode** if it can be, and returns
    /// whether it is in it: from the next service on, the server's service
    /// sends what arrives in `rx` straight back to the peer from `rx` (no
    /// copy into `tx`), in the same service that received it (no pass in
    /// between), and consumes it. What the application queued in `tx`
    /// still goes first; after the peer's end of stream the write half is
    /// closed once everything is sent. Back pressure is kept: what the
    /// peer does not read stays in `rx`, and a full `rx` is not read into.
    /// An echo ([`EchoServerDoer`]) uses it. Bytes echoed in full do not
    /// count as activity for a [`Mode::Ready`](crate::Mode) runner (no
    /// application step waits for them, so no follow-up pass: a ping-pong
    /// round trip takes one readiness pass); a remote left with work does.
    ///
    /// Only a plain TCP remote of a server without a
    /// [`ServerTap`](crate::ServerTap) can loop back (a tap logs what
    /// leaves `tx`; TLS and replayed remotes have their own services);
    /// for the others this returns false and nothing changes. While it
    /// loops, `rx` belongs to the service: the application should not
    /// consume from it. The mode lasts for the remote's life.
    pub fn loop_back(&mut self) -> bool {
        if !self.looping
            && self.loop_ok
            && let Conn::Live(link) = &self.conn
            && link.is_plain()
        {
            self.looping = true;
            if !self.rings.rx.is_empty() {
                // what arrived before goes back in the next pass
                link.sock.io().note_activity();
            }
        }
        self.looping
    }
    /// True in loopback mode ([`loop_back`](Self::loop_back)).
    pub fn looping(&self) -> bool {
        self.looping
    }
    /// Half-closes once `tx` is sent.
    pub fn shutdown_write(&mut self) {
        self.flow.shut_requested = true;
    }
    /// Closes at the next service, dropping what `tx` still holds (counted
    /// in [`discarded`](Self::discarded)).
    pub fn close(&mut self) {
        self.close_requested = true;
    }

    /// When it was accepted (doist tyme).
    pub fn since(&self) -> Tyme {
        self.since
    }

    /// How many remotes the server accepted before it (the accept order).
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }

    /// Sends, then receives (in loopback mode: see
    /// [`loop_back`](Self::loop_back)). A handshake still going on `limit`
    /// after the accept fails the remote with `Io(TimedOut)`.
    fn service(&mut self, tyme: Tyme, limit: Option<Tock>) -> Serviced {
        let rings = &mut *self.rings;
        let link = match &mut self.conn {
            Conn::Live(link) => link,
            Conn::Replay(script) => {
                let played = script.step(tyme, &mut self.flow, &mut rings.rx, &mut rings.tx);
                return Serviced {
                    moved: played.moved,
                    ..Serviced::default()
                };
            }
        };
        if self.looping {
            let (moved, looped) = self
                .flow
                .service_loopback(link, &mut rings.rx, &mut rings.tx);
            return Serviced {
                moved,
                looped,
                timed_out: false,
            };
        }
        let moved = self.flow.service(link, &mut rings.rx, &mut rings.tx);
        let late = limit.is_some_and(|l| tyme.since(self.since) >= l);
        if late && !self.flow.dead && link.handshaking() {
            self.flow.fail(Error::Io(IoKind::TimedOut));
            return Serviced {
                moved: true,
                timed_out: true,
                looped: 0,
            };
        }
        Serviced {
            moved,
            ..Serviced::default()
        }
    }

    /// True when a service now would do nothing, and only a readiness
    /// event or the application can change that: a plain socket with
    /// nothing it could read (no readable readiness recorded, or the
    /// stream ended), nothing it could send (nothing waiting, or no
    /// writable readiness recorded: the OS reports when there is room),
    /// no half-close or close pending. TLS and replayed remotes are never
    /// quiet (their sessions and scripts move by themselves).
    fn quiet(&self) -> bool {
        let Conn::Live(link) = &self.conn else {
            return false;
        };
        if !link.is_plain() || self.close_requested {
            return false;
        }
        let flow = &self.flow;
        if flow.dead {
            return self.rings.tx.is_empty();
        }
        let ready = link.sock.ready();
        let waiting = !self.rings.tx.is_empty() || (self.looping && !self.rings.rx.is_empty());
        let readable = ready.is_readable() && !flow.eof;
        let shut_pending = flow.shut_requested && !flow.shut_done;
        !(readable || (waiting && ready.is_writable()) || shut_pending)
    }

    fn finished(&self) -> bool {
        self.close_requested
            || (self.cutoff() && self.rings.rx.is_empty() && self.rings.tx.is_empty())
    }
}

/// What one service of a remote did.
#[derive(Clone, Copy, Debug, Default)]
struct Serviced {
    /// Something moved or changed.
    moved: bool,
    /// Its TLS handshake took too long; it was failed.
    timed_out: bool,
    /// Bytes sent back from `rx` (loopback mode).
    looped: usize,
}

/// What carries a remote's bytes.
#[derive(Debug)]
enum Conn {
    /// A socket (with its TLS session, if any).
    Live(Link),
    /// A recording played back ([`TcpServer::replay`]).
    Replay(Box<Script>),
}

/// A remote that was removed in the last service, as a tap needs to see
/// it: what it had moved, and how it ended.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gone {
    pub(crate) id: RemoteId,
    pub(crate) peer: SocketAddr,
    pub(crate) serial: u64,
    pub(crate) sent: u64,
    pub(crate) received: u64,
    /// It was cut off (end of stream or failure) rather than closed here.
    pub(crate) cutoff: bool,
    pub(crate) error: Option<Error>,
}

/// A remote's two rings, kept in one allocation and reused by the next
/// remote (no allocation and no zeroing per accepted connection once warm).
struct Rings<const RX: usize, const TX: usize> {
    rx: Ring<RX>,
    tx: Ring<TX>,
}

/// At most this many spare ring pairs are kept for reuse.
const SPARE_RINGS: usize = 64;

struct Slot<const RX: usize, const TX: usize> {
    generation: u32,
    remote: Option<Remote<RX, TX>>,
}

/// A listening TCP server with up to [`ServerConfig::max_conns`] remotes,
/// each with rx/tx rings of `RX` and `TX` bytes (hio's `Server`).
///
/// Serviced by a [`ServerDoer`]; application doers share it through the
/// same `RefCell` and walk its remotes with
/// [`remotes_mut`](Self::remotes_mut) (see [`EchoServerDoer`]).
///
/// ```no_run
/// use std::cell::RefCell;
/// use hio::{Doist, Tock};
/// use hio_mio::{EchoServerDoer, Runner, ServerConfig, ServerDoer, TcpServer};
///
/// let mut runner = Runner::new()?;
/// let addr = "127.0.0.1:0".parse().unwrap();
/// let server: RefCell<TcpServer> =
///     RefCell::new(TcpServer::bind(&runner.io(), addr, ServerConfig::default())?);
/// println!("listening on {:?}", server.borrow().local_addr());
/// let mut service = ServerDoer::new("server", &server);
/// let mut echo = EchoServerDoer::new("echo", &server);
/// let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
/// doist.add(&mut service)?;
/// doist.add(&mut echo)?;
/// runner.run(&mut doist, None)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Contract
///
/// * **Contexts.** Any doer context; only [`service`](Self::service) does
///   IO, and only its service doer should call it.
/// * **Bounded work.** One service accepts at most
///   [`ServerConfig::accept_batch`] connections and moves at most
///   `RX + TX` bytes per remote.
/// * **Back pressure.** A remote whose `rx` is full is not read from until
///   the application makes room.
/// * **Errors.** A remote's failure (reset, broken pipe) ends that remote
///   only; accept errors (out of file descriptors, ...) are counted in
///   [`accept_errors`](Self::accept_errors) and retried on the next
///   service.
pub struct TcpServer<const RX: usize = 4096, const TX: usize = 4096> {
    /// The runner's IO (`None` for a replay device).
    io: Option<Io>,
    addr: SocketAddr,
    config: ServerConfig,
    listener: Option<Registered<TcpListener>>,
    slots: Vec<Slot<RX, TX>>,
    free: Vec<usize>,
    spare: Vec<Box<Rings<RX, TX>>>,
    count: usize,
    accepted: u64,
    refused: u64,
    removed: u64,
    accept_errors: u64,
    last_accept_error: Option<Error>,
    remote_errors: u64,
    last_remote_error: Option<Error>,
    handshake_timeouts: u64,
    /// Bytes sent back from `rx` by remotes in loopback mode.
    looped: u64,
    /// A [`ServerTap`](crate::ServerTap) logs it: no loopback.
    tapped: bool,
    /// Where the runner lists the remotes' sockets that had events.
    watch: Option<WatchList>,
    /// The slot of each live remote by its socket's token (slot + 1; 0:
    /// none).
    by_token: Vec<u32>,
    /// The slots the next service visits (a bit per slot): remotes with
    /// events, work left, or handed to the application.
    due: Vec<u64>,
    /// The next service visits every remote (after
    /// [`remotes_mut`](Self::remotes_mut)).
    all_due: bool,
    /// Scratch: the tokens taken from the watch list; the due bits taken.
    events: Vec<mio::Token>,
    visiting: Vec<u64>,
    /// Remotes not in loopback mode, in accept order: the ones an
    /// [`EchoServerDoer`] visits.
    unlooped: Vec<RemoteId>,
    /// Remote services so far (for the tests).
    visits: u64,
    /// Remotes removed in the last service.
    gone: Vec<Gone>,
    /// Diverged bytes of replayed remotes that were removed.
    diverged: u64,
    /// For a replay device: the recorded connections not accepted yet,
    /// with their peers, in the order they were.
    pending: std::collections::VecDeque<(Tyme, SocketAddr, Box<Script>)>,
    #[cfg(feature = "tls")]
    tls: Option<crate::TlsServer>,
    #[cfg(feature = "tls")]
    last_tls_error: Option<rustls::Error>,
}

impl<const RX: usize, const TX: usize> fmt::Debug for TcpServer<RX, TX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpServer")
            .field("addr", &self.addr)
            .field("open", &self.listener.is_some())
            .field("remotes", &self.count)
            .field("accepted", &self.accepted)
            .field("refused", &self.refused)
            .finish()
    }
}

impl<const RX: usize, const TX: usize> TcpServer<RX, TX> {
    /// Binds and listens on `addr` now (port 0 picks a free port: see
    /// [`local_addr`](Self::local_addr)).
    ///
    /// # Errors
    ///
    /// The OS error of binding or registering, as `Error::Io`
    /// (`AddrInUse`, `PermissionDenied`, ...).
    pub fn bind(io: &Io, addr: SocketAddr, config: ServerConfig) -> Result<Self, Error> {
        let mut server = Self::unbound(Some(io.clone()), addr, config);
        server.reopen()?;
        Ok(server)
    }

    /// The replay device: a server without a socket whose remotes play
    /// back what `records` show for channels `first_chan`,
    /// `first_chan + 1`, ... (as a [`ServerTap`](crate::ServerTap)
    /// numbered them; up to the first channel with no record). Each
    /// channel's connection is accepted as a remote, with its recorded
    /// peer, in the first service at or after its opening (`O`) record;
    /// its events then play as [`TcpClient::replay`](crate::TcpClient::replay)'s
    /// do: received bytes into its `rx`, exactly the recorded sent bytes
    /// out of its `tx` (bytes that differ counted in
    /// [`diverged`](Self::diverged)), and [`cutoff`](Remote::cutoff) when
    /// the peer closed. Remotes are removed as the service removes them,
    /// so the same application doers (an [`EchoServerDoer`]) and the same
    /// [`ServerDoer`] see the same remotes in the same slots, under any
    /// driver, without a network.
    ///
    /// Not replayed: connections refused beyond `max_conns` and accept
    /// errors (they never became remotes, so the log has no channel for
    /// them), and TLS (the log holds plaintext). The listening address is
    /// not in the log: [`local_addr`](Self::local_addr) is `0.0.0.0:0`.
    ///
    /// # Errors
    ///
    /// [`WireLogError::NoAddress`] if a channel has no record naming its
    /// peer, [`WireLogError::Addr`] if the peer is not a socket address.
    pub fn replay(records: &[Record], first_chan: u32) -> Result<Self, WireLogError> {
        let any = SocketAddr::from(([0, 0, 0, 0], 0));
        let mut server = Self::unbound(None, any, ServerConfig::default());
        let mut chan = first_chan;
        while records.iter().any(|r| r.chan == chan) {
            let (script, peer) = Script::new(records, chan);
            let (line, peer) = peer.ok_or(WireLogError::NoAddress(chan))?;
            let peer = peer.parse().map_err(|_| WireLogError::Addr(line))?;
            let opened = records
                .iter()
                .find(|r| r.chan == chan && r.dir == Dir::Open)
                .or_else(|| records.iter().find(|r| r.chan == chan))
                .map_or(Tyme::ZERO, |r| r.tyme);
            server.pending.push_back((opened, peer, Box::new(script)));
            chan = chan.wrapping_add(1);
        }
        server.pending.make_contiguous().sort_by_key(|(t, _, _)| *t);
        Ok(server)
    }

    /// True for a replay device whose recorded connections were all
    /// accepted and played to their end (false for a socket).
    pub fn replay_done(&self) -> bool {
        self.io.is_none()
            && self.pending.is_empty()
            && self
                .remotes()
                .all(|r| matches!(&r.conn, Conn::Replay(s) if s.done()))
    }

    /// For a replay device: bytes the application queued that differ from
    /// the recording's, over the remotes there are now and were. Zero for
    /// a socket.
    pub fn diverged(&self) -> u64 {
        self.diverged
            + self
                .remotes()
                .map(|r| match &r.conn {
                    Conn::Replay(s) => s.diverged,
                    Conn::Live(_) => 0,
                })
                .sum::<u64>()
    }

    /// Tells a [`Mode::Ready`](crate::Mode::Ready) runner that something
    /// moved (nothing for a replay device).
    fn note(&self) {
        if let Some(io) = &self.io {
            io.note_activity();
        }
    }

    /// The remotes the last service removed.
    pub(crate) fn gone(&self) -> &[Gone] {
        &self.gone
    }

    fn unbound(io: Option<Io>, addr: SocketAddr, config: ServerConfig) -> Self {
        let watch = io.as_ref().map(Io::watch_list);
        TcpServer {
            io,
            addr,
            config,
            listener: None,
            slots: Vec::new(),
            free: Vec::new(),
            spare: Vec::new(),
            count: 0,
            accepted: 0,
            refused: 0,
            removed: 0,
            accept_errors: 0,
            last_accept_error: None,
            remote_errors: 0,
            last_remote_error: None,
            handshake_timeouts: 0,
            looped: 0,
            tapped: false,
            watch,
            by_token: Vec::new(),
            due: Vec::new(),
            all_due: false,
            events: Vec::new(),
            visiting: Vec::new(),
            unlooped: Vec::new(),
            visits: 0,
            gone: Vec::new(),
            pending: std::collections::VecDeque::new(),
            diverged: 0,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "tls")]
            last_tls_error: None,
        }
    }

    /// Speaks TLS with every remote accepted from now on (feature `tls`):
    /// their rings carry plaintext. A remote whose handshake fails or
    /// whose peer sends something that is not TLS ends with
    /// `Io(InvalidData)` (the reason in [`Remote::tls_error`] and
    /// [`last_tls_error`](Self::last_tls_error)), is counted in
    /// [`remote_errors`](Self::remote_errors) and removed; the others are
    /// not disturbed.
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn with_tls(mut self, tls: crate::TlsServer) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The TLS settings, if the server speaks TLS.
    #[cfg(feature = "tls")]
    pub fn tls(&self) -> Option<&crate::TlsServer> {
        self.tls.as_ref()
    }

    /// The TLS error of the last remote removed after one.
    #[cfg(feature = "tls")]
    pub fn last_tls_error(&self) -> Option<&rustls::Error> {
        self.last_tls_error.as_ref()
    }

    /// Listens again (after [`close`](Self::close)) on the address it was
    /// bound to (the same port, even if it was picked from port 0). Does
    /// nothing while open.
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    pub fn reopen(&mut self) -> Result<(), Error> {
        let Some(io) = &self.io else {
            return Ok(()); // a replay device has nothing to listen on
        };
        if self.listener.is_some() {
            return Ok(());
        }
        let backlog = self.config.backlog;
        let listener = TcpListener::bind(self.addr)
            // listening again only changes the backlog
            .and_then(|l| socket2::SockRef::from(&l).listen(backlog).map(|()| l))
            .and_then(|l| Registered::new(io, l, Interest::READABLE))
            .map_err(|e| to_error(&e))?;
        if let Ok(a) = listener.get().local_addr() {
            self.addr = a;
        }
        self.listener = Some(listener);
        Ok(())
    }

    /// Closes the listener and every remote now.
    pub fn close(&mut self) {
        self.listener = None;
        for index in 0..self.slots.len() {
            self.remove_at(index);
        }
    }

    /// The address it listens on (with the real port).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
    /// True while listening.
    pub fn is_open(&self) -> bool {
        self.listener.is_some()
    }
    /// The configuration.
    pub fn config(&self) -> ServerConfig {
        self.config
    }
    /// Remotes now.
    pub fn len(&self) -> usize {
        self.count
    }
    /// True when no remote is connected.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    /// Connections accepted as remotes so far.
    pub fn accepted(&self) -> u64 {
        self.accepted
    }
    /// Connections refused so far because `max_conns` remotes were
    /// connected.
    pub fn refused(&self) -> u64 {
        self.refused
    }
    /// Remotes removed so far.
    pub fn removed(&self) -> u64 {
        self.removed
    }
    /// Accept calls that failed so far (other than "would block").
    pub fn accept_errors(&self) -> u64 {
        self.accept_errors
    }
    /// The last accept error.
    pub fn last_accept_error(&self) -> Option<Error> {
        self.last_accept_error
    }
    /// Remotes removed so far that had ended with an error (reset, broken
    /// pipe), not a clean end of stream.
    pub fn remote_errors(&self) -> u64 {
        self.remote_errors
    }
    /// The error of the last such remote.
    pub fn last_remote_error(&self) -> Option<Error> {
        self.last_remote_error
    }
    /// TLS remotes closed so far because their handshake was not done
    /// within [`ServerConfig::handshake_timeout`] (each ended with
    /// `Io(TimedOut)`).
    pub fn handshake_timeouts(&self) -> u64 {
        self.handshake_timeouts
    }

    /// Bytes sent back to their peers from `rx` so far by remotes in
    /// loopback mode ([`Remote::loop_back`]).
    pub fn looped(&self) -> u64 {
        self.looped
    }

    /// A tap logs this server from now on: loopback mode is turned off for
    /// every remote and refused from now on (what a looping remote's `rx`
    /// holds is the application's again).
    pub(crate) fn tap(&mut self) {
        self.tapped = true;
        self.unlooped.clear();
        for slot in &mut self.slots {
            if let Some(r) = slot.remote.as_mut() {
                r.looping = false;
                r.loop_ok = false;
                self.unlooped.push(r.id);
            }
        }
        self.unlooped.sort_unstable_by_key(|id| {
            self.slots
                .get(id.index as usize)
                .and_then(|s| s.remote.as_ref())
                .map_or(0, |r| r.serial)
        });
        self.all_due = true;
    }

    /// Calls `f` on every remote not in loopback mode, in accept order
    /// (what an [`EchoServerDoer`] visits: once all remotes loop back, it
    /// visits only the newly accepted ones, once). Each one visited is
    /// serviced in the next service.
    pub(crate) fn for_each_unlooped(&mut self, mut f: impl FnMut(&mut Remote<RX, TX>)) {
        let slots = &mut self.slots;
        let due = &mut self.due;
        self.unlooped.retain(|id| {
            let Some(slot) = slots.get_mut(id.index as usize) else {
                return false;
            };
            let Some(remote) = slot.remote.as_mut().filter(|r| r.id == *id) else {
                return false;
            };
            f(remote);
            set_bit(due, id.index as usize);
            !remote.looping
        });
    }

    /// The remote with this id, if it is still there.
    pub fn remote(&self, id: RemoteId) -> Option<&Remote<RX, TX>> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.remote.as_ref()
    }
    /// The remote with this id, mutably.
    pub fn remote_mut(&mut self, id: RemoteId) -> Option<&mut Remote<RX, TX>> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        // what the application changes is serviced next time
        set_bit(&mut self.due, id.index as usize);
        slot.remote.as_mut()
    }
    /// Every remote, in slot order.
    pub fn remotes(&self) -> impl Iterator<Item = &Remote<RX, TX>> + '_ {
        self.slots.iter().filter_map(|s| s.remote.as_ref())
    }
    /// Every remote, mutably, in slot order.
    ///
    /// The next service then visits every remote (any may have changed);
    /// an application that touches few remotes per pass keeps the service
    /// cheaper with [`remote_mut`](Self::remote_mut).
    pub fn remotes_mut(&mut self) -> impl Iterator<Item = &mut Remote<RX, TX>> + '_ {
        self.all_due = true;
        self.slots.iter_mut().filter_map(|s| s.remote.as_mut())
    }

    /// One service at `tyme` (hio's `serviceConnects` then `serviceAll`
    /// over the remotes): accepts, sends and receives for the remotes that
    /// may make progress, closes TLS remotes past
    /// [`ServerConfig::handshake_timeout`], removes the finished ones.
    ///
    /// **Which remotes.** Not all: those whose socket had a readiness
    /// event since the last service, those the last service left with work
    /// it could not finish (bytes to read into a full `rx`, a half-close
    /// pending, ...; TLS and replayed remotes always), the newly accepted
    /// ones, and those handed to the application since
    /// ([`remote_mut`](Self::remote_mut); after
    /// [`remotes_mut`](Self::remotes_mut) all of them). They are visited
    /// in slot order, whatever order the events came in, so the same
    /// remotes in the same slots are serviced in the same order under any
    /// driver. A remote left out would have done nothing: its socket
    /// reported nothing new and nothing it holds waits for the socket.
    ///
    /// # Errors
    ///
    /// None today: remote and accept failures are values on the remote and
    /// counters on the server. Reserved.
    pub fn service(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.gone.clear();
        self.accept(tyme);
        self.accept_replayed(tyme);
        if let (Some(io), Some(list)) = (&self.io, self.watch) {
            io.take_watched(list, &mut self.events);
            for token in &self.events {
                if let Some(slot) = self.by_token.get(token.0).and_then(|s| s.checked_sub(1)) {
                    set_bit(&mut self.due, slot as usize);
                }
            }
        }
        let words = self.slots.len().div_ceil(64);
        self.visiting.clear();
        if std::mem::take(&mut self.all_due) {
            self.visiting.resize(words, u64::MAX);
        } else {
            self.visiting.extend(self.due.iter().take(words));
        }
        self.due.iter_mut().for_each(|w| *w = 0);
        let mut moved = false;
        let limit = self.config.handshake_timeout;
        for w in 0..words {
            let mut bits = self.visiting.get(w).copied().unwrap_or(0);
            while bits != 0 {
                let index = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(remote) = self.slots.get_mut(index).and_then(|s| s.remote.as_mut()) else {
                    continue;
                };
                let done = remote.service(tyme, limit);
                self.visits += 1;
                self.handshake_timeouts += u64::from(done.timed_out);
                self.looped += done.looped as u64;
                if remote.finished() {
                    self.remove_at(index);
                    continue;
                }
                let quiet = remote.quiet();
                // What a looping remote moved was echoed in full by this
                // service; no application step waits for it, so it asks
                // for a follow-up pass only while it has work left.
                moved |= done.moved && !(remote.looping && quiet);
                if !quiet {
                    set_bit(&mut self.due, index);
                }
            }
        }
        if moved {
            self.note();
        }
        Ok(())
    }

    /// Accepts the recorded connections due at `tyme` (a replay device).
    fn accept_replayed(&mut self, tyme: Tyme) {
        while let Some((at, _, _)) = self.pending.front()
            && *at <= tyme
        {
            if let Some((_, peer, script)) = self.pending.pop_front() {
                self.insert(Conn::Replay(script), peer, tyme);
                self.accepted += 1;
            }
        }
    }

    fn accept(&mut self, tyme: Tyme) {
        for _ in 0..self.config.accept_batch {
            let Some(listener) = &self.listener else {
                return;
            };
            if !listener.ready().is_readable() {
                return;
            }
            let accepted = listener.get().accept();
            if matches!(&accepted, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
                listener.clear(Ready::READABLE);
                return;
            }
            match accepted {
                Ok((stream, peer)) => {
                    self.note();
                    if self.count >= self.config.max_conns {
                        self.refused += 1;
                        drop(stream);
                        continue;
                    }
                    if self.config.nodelay {
                        let _ = stream.set_nodelay(true);
                    }
                    let Some(io) = &self.io else { return };
                    match Registered::new(io, stream, Interest::READABLE | Interest::WRITABLE) {
                        Ok(sock) => match self.link(sock) {
                            Ok(link) => {
                                self.insert(Conn::Live(link), peer, tyme);
                                self.accepted += 1;
                            }
                            Err(e) => {
                                self.accept_errors += 1;
                                self.last_accept_error = Some(e);
                            }
                        },
                        Err(e) => self.accept_failed(&e),
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) => {}
                Err(e) => {
                    // out of descriptors, out of memory: try again next time
                    self.accept_failed(&e);
                    return;
                }
            }
        }
    }

    fn accept_failed(&mut self, e: &io::Error) {
        self.accept_errors += 1;
        self.last_accept_error = Some(to_error(e));
    }

    /// The connection over an accepted socket: plain, or with a new TLS
    /// session.
    fn link(&mut self, sock: Registered<TcpStream>) -> Result<Link, Error> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return Link::with_session(sock, tls.session(), &mut self.last_tls_error);
        }
        Ok(Link::plain(sock))
    }

    fn insert(&mut self, conn: Conn, peer: SocketAddr, tyme: Tyme) {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    remote: None,
                });
                self.slots.len() - 1
            }
        };
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        let id = RemoteId {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            generation: slot.generation,
        };
        let rings = match self.spare.pop() {
            Some(mut r) => {
                r.rx.clear();
                r.tx.clear();
                r
            }
            None => Box::new(Rings {
                rx: Ring::new(),
                tx: Ring::new(),
            }),
        };
        if let Conn::Live(link) = &conn {
            let token = link.sock.token().0;
            if let Some(list) = self.watch {
                link.sock.watch(list);
            }
            if self.by_token.len() <= token {
                self.by_token.resize(token + 1, 0);
            }
            if let Some(t) = self.by_token.get_mut(token) {
                *t = u32::try_from(index + 1).unwrap_or(0);
            }
        }
        set_bit(&mut self.due, index);
        self.unlooped.push(id);
        slot.remote = Some(Remote {
            id,
            peer,
            conn,
            rings,
            flow: Flow::default(),
            close_requested: false,
            since: tyme,
            serial: self.accepted,
            looping: false,
            loop_ok: !self.tapped,
        });
        self.count += 1;
    }

    fn remove_at(&mut self, index: usize) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if let Some(remote) = slot.remote.take() {
            if let Conn::Live(link) = &remote.conn
                && let Some(t) = self.by_token.get_mut(link.sock.token().0)
            {
                *t = 0;
            }
            clear_bit(&mut self.due, index);
            self.gone.push(Gone {
                id: remote.id,
                peer: remote.peer,
                serial: remote.serial,
                sent: remote.flow.sent,
                received: remote.flow.received,
                cutoff: remote.cutoff(),
                error: remote.flow.error,
            });
            if let Conn::Replay(s) = &remote.conn {
                self.diverged += s.diverged;
            }
            if let Some(e) = remote.flow.error {
                self.remote_errors += 1;
                self.last_remote_error = Some(e);
            }
            #[cfg(feature = "tls")]
            if let Some(e) = &remote.flow.tls_error {
                self.last_tls_error = Some(e.clone());
            }
            if self.spare.len() < SPARE_RINGS {
                self.spare.push(remote.rings);
            }
            slot.generation = slot.generation.wrapping_add(1);
            self.free.push(index);
            self.count -= 1;
            self.removed += 1;
            self.note();
        }
    }
}

/// Sets bit `index` of `bits`, growing it as needed.
fn set_bit(bits: &mut Vec<u64>, index: usize) {
    let word = index / 64;
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    if let Some(w) = bits.get_mut(word) {
        *w |= 1 << (index % 64);
    }
}

/// Clears bit `index` of `bits`.
fn clear_bit(bits: &mut [u64], index: usize) {
    if let Some(w) = bits.get_mut(index / 64) {
        *w &= !(1 << (index % 64));
    }
}

/// The service doer of a [`TcpServer`] (hio's `ServerDoer`): listens again
/// on enter if it was closed, services every run, closes on exit.
///
/// # Contract
///
/// * **enter** reopens a closed server ([`TcpServer::reopen`]; an error
///   such as `AddrInUse` aborts); **recur** calls [`TcpServer::service`]
///   and runs again on the next pass; **exit** closes the listener and
///   every remote.
/// * The device being borrowed elsewhere during the step is
///   `Error::Misuse`.
pub type ServerDoer<'a, const RX: usize = 4096, const TX: usize = 4096> =
    ServiceDoer<'a, TcpServer<RX, TX>>;

impl<const RX: usize, const TX: usize> Service for TcpServer<RX, TX> {
    fn start(&mut self, _tyme: Tyme) -> Result<(), Error> {
        self.reopen()
    }
    fn run(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.service(tyme)
    }
    fn stop(&mut self) {
        self.close();
    }
}

/// Echoes every byte each remote sends back to it (hio's
/// `EchoServerDoer`).
///
/// Each remote it sees is put in loopback mode ([`Remote::loop_back`]):
/// the server's service then sends what arrives straight back from `rx`,
/// in the same service, with no copy into `tx` and no pass in between
/// (measured with `echo-ab` on a bulk stream: the server thread's CPU per
/// MB went from 1.10x tokio's to 0.95x to 1.05x; a ping-pong round trip is
/// read and answered in one pass instead of two). A remote that cannot loop back (TLS, a replayed remote, a
/// server with a [`ServerTap`](crate::ServerTap)), or every remote after
/// [`copying`](Self::copying), is echoed by this doer: it moves `rx` into
/// `tx` as far as `tx` has room. Either way a slow reader fills the
/// unsent part (`tx`, then `rx`), then the kernel's buffers, and the
/// server stops reading from it (back pressure, nothing lost).
///
/// A remote whose peer finished sending is half-closed once everything is
/// echoed, so the peer reads end of stream after its last byte.
pub struct EchoServerDoer<'a, const RX: usize = 4096, const TX: usize = 4096> {
    name: &'static str,
    server: &'a RefCell<TcpServer<RX, TX>>,
    echoed: u64,
    loopback: bool,
}

impl<'a, const RX: usize, const TX: usize> EchoServerDoer<'a, RX, TX> {
    /// The echo doer named `name` for `server`.
    pub fn new(name: &'static str, server: &'a RefCell<TcpServer<RX, TX>>) -> Self {
        EchoServerDoer {
            name,
            server,
            echoed: 0,
            loopback: true,
        }
    }
    /// The same doer, echoing every remote by copying `rx` into `tx`
    /// itself (no loopback mode): the way every application doer that
    /// answers through `tx` works, for comparison and tests.
    #[must_use]
    pub fn copying(mut self) -> Self {
        self.loopback = false;
        self
    }
    /// Bytes echoed so far: those this doer copied, plus those the
    /// server's remotes in loopback mode sent back
    /// ([`TcpServer::looped`]; 0 while the server is borrowed).
    pub fn echoed(&self) -> u64 {
        let looped = self.server.try_borrow().map_or(0, |s| s.looped());
        self.echoed + looped
    }
}

impl<const RX: usize, const TX: usize> Doer for EchoServerDoer<'_, RX, TX> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut s = self.server.try_borrow_mut().map_err(|_| Error::Misuse)?;
        let loopback = self.loopback;
        let echoed = &mut self.echoed;
        // only the remotes not in loopback mode: once a remote loops back,
        // the service echoes it and this doer does not visit it again
        s.for_each_unlooped(|remote| {
            if loopback && remote.loop_back() {
                return;
            }
            let (rx, tx) = remote.rings_mut();
            // at most two rounds: the readable part may end where rx wraps
            for _ in 0..2 {
                let n = tx.write(rx.readable());
                if n == 0 {
                    break;
                }
                rx.consume(n);
                *echoed += n as u64;
            }
            if remote.cutoff() && remote.rx().is_empty() {
                remote.shutdown_write();
            }
        });
        Ok(Recur::NEXT)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::Duration;

    use super::*;

    /// One service after taking what the poll reports (what the runner
    /// does between passes). Returns the remotes serviced.
    fn serve(poll: &mut mio::Poll, io: &Io, server: &mut TcpServer<64, 64>) -> u64 {
        let mut events = mio::Events::with_capacity(64);
        poll.poll(&mut events, Some(Duration::from_millis(20)))
            .unwrap();
        for e in &events {
            io.mark(e.token(), Ready::from_event(e));
        }
        let before = server.visits;
        server.service(Tyme::ZERO).unwrap();
        server.visits - before
    }

    #[test]
    fn a_service_visits_only_remotes_with_events_or_work() {
        let mut poll = mio::Poll::new().unwrap();
        let io = Io::new(poll.registry().try_clone().unwrap());
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut server: TcpServer<64, 64> =
            TcpServer::bind(&io, any, ServerConfig::default()).unwrap();
        let addr = server.local_addr();
        let mut clients: Vec<std::net::TcpStream> = (0..3)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        for c in &clients {
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        }
        for _ in 0..50 {
            serve(&mut poll, &io, &mut server);
            if server.len() == 3 {
                break;
            }
        }
        assert_eq!(server.len(), 3);
        server.for_each_unlooped(|r| assert!(r.loop_back()));
        // settle: every remote read until it would block
        for _ in 0..5 {
            serve(&mut poll, &io, &mut server);
        }
        // nothing happens: nothing is visited
        for _ in 0..3 {
            assert_eq!(serve(&mut poll, &io, &mut server), 0);
        }
        // one client speaks: only its remote is visited, and echoes
        clients[1].write_all(b"hello").unwrap();
        let mut visited = 0;
        for _ in 0..10 {
            visited += serve(&mut poll, &io, &mut server);
            if server.looped() == 5 {
                break;
            }
        }
        assert_eq!(server.looped(), 5);
        assert!((1..=2).contains(&visited), "{visited}");
        let mut back = [0u8; 5];
        clients[1].read_exact(&mut back).unwrap();
        assert_eq!(&back, b"hello");
        // handed out to the application: all of them, once
        assert_eq!(server.remotes_mut().count(), 3);
        assert_eq!(serve(&mut poll, &io, &mut server), 3);
        assert_eq!(serve(&mut poll, &io, &mut server), 0);
        // one handed out by id: that one
        let id = server.remotes().next().unwrap().id();
        assert!(server.remote_mut(id).is_some());
        assert_eq!(serve(&mut poll, &io, &mut server), 1);
        // a peer that leaves is noticed through its event and removed
        drop(clients.remove(0));
        for _ in 0..10 {
            serve(&mut poll, &io, &mut server);
            if server.len() == 2 {
                break;
            }
        }
        assert_eq!((server.len(), server.removed()), (2, 1));
    }
}
