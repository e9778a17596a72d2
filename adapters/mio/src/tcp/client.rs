//! The TCP client device ([`TcpClient`], hio's `Client`) and its service
//! doer ([`ClientDoer`], hio's `ClientDoer`).

use std::fmt;
use std::io;
use std::net::SocketAddr;

use hio::buf::Ring;
use hio::{Error, IoKind, Tock, Tyme};
use mio::Interest;
use mio::net::TcpStream;

use super::stream::{Flow, Link};
use crate::io::{Io, Ready, Registered, to_error};
use crate::service::{Service, ServiceDoer};
use crate::wire::{Record, Script, WireLogError};

/// How a [`TcpClient`] connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// A connect still in progress after this long (in tyme) fails with
    /// `Io(TimedOut)` (hio's `timeout`, 1 s by default there; 2 s here).
    pub connect_timeout: Tock,
    /// `Some(delay)`: a failed connect, or a connection the peer closed or
    /// reset, is retried `delay` later (hio's `reconnectable`, with its
    /// tymer). `None`: a failed connect is an error of the service doer,
    /// and a connection that ended stays [`cutoff`](TcpClient::cutoff).
    pub reconnect: Option<Tock>,
    /// Disable Nagle's algorithm (`TCP_NODELAY`): small writes go out at
    /// once. On by default.
    pub nodelay: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Tock::from_secs(2),
            reconnect: None,
            nodelay: true,
        }
    }
}

#[derive(Debug)]
enum State {
    /// Not connected, and not trying (before the first connect, after a
    /// close, or cut off without reconnect).
    Idle,
    /// A non-blocking connect is in progress since this tyme.
    Connecting(Registered<TcpStream>, Tyme),
    /// Connected (TCP; with TLS, handshaking until the session says it is
    /// done), after a connect started at this tyme.
    Connected(Link, Tyme),
    /// Waiting to reconnect at this tyme.
    Waiting(Tyme),
    /// Playing a recording back, without a socket ([`TcpClient::replay`]).
    Replay(Box<Script>),
}

/// A TCP client connection with rx/tx byte rings of `RX` and `TX` bytes
/// (hio's `Client`).
///
/// Serviced by a [`ClientDoer`]; application doers share it through the
/// same `RefCell` and use [`rx_mut`](Self::rx_mut) and
/// [`tx_mut`](Self::tx_mut).
///
/// ```no_run
/// use std::cell::RefCell;
/// use hio_mio::{ClientConfig, ClientDoer, Runner, TcpClient};
///
/// let runner = Runner::new()?;
/// let addr = "127.0.0.1:7000".parse().unwrap();
/// let client: RefCell<TcpClient> =
///     RefCell::new(TcpClient::new(&runner.io(), addr, ClientConfig::default()));
/// let mut service = ClientDoer::new("client", &client);
/// // add `service`, then doers that use client.borrow_mut().tx_mut() / rx_mut()
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Contract
///
/// * **Contexts.** Any doer context; only [`service`](Self::service) does
///   IO, and only its service doer should call it.
/// * **Short reads and writes** are normal: the rings say how much moved.
/// * **Bounded work.** One service moves at most `RX + TX` bytes.
/// * **Closing.** [`close`](Self::close) drops the socket at once (bytes
///   still in `tx` stay there); [`shutdown_write`](Self::shutdown_write)
///   half-closes after `tx` is sent. The rings survive a reconnect: unread
///   `rx` stays readable and unsent `tx` goes out on the new connection
///   (clear it if that is wrong for your protocol).
pub struct TcpClient<const RX: usize = 4096, const TX: usize = 4096> {
    /// The runner's IO (`None` for a replay device).
    io: Option<Io>,
    addr: SocketAddr,
    config: ClientConfig,
    state: State,
    rx: Box<Ring<RX>>,
    tx: Box<Ring<TX>>,
    flow: Flow,
    cutoff: bool,
    attempts: u64,
    connects: u64,
    cutoffs: u64,
    #[cfg(feature = "tls")]
    tls: Option<crate::TlsClient>,
}

impl<const RX: usize, const TX: usize> fmt::Debug for TcpClient<RX, TX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpClient")
            .field("addr", &self.addr)
            .field("state", &self.state)
            .field("rx", &self.rx.len())
            .field("tx", &self.tx.len())
            .field("cutoff", &self.cutoff)
            .field("error", &self.flow.error)
            .finish()
    }
}

impl<const RX: usize, const TX: usize> TcpClient<RX, TX> {
    /// A client for `addr`, not connected yet (its doer connects on enter).
    pub fn new(io: &Io, addr: SocketAddr, config: ClientConfig) -> Self {
        Self::with_state(Some(io.clone()), addr, config, State::Idle)
    }

    fn with_state(io: Option<Io>, addr: SocketAddr, config: ClientConfig, state: State) -> Self {
        TcpClient {
            io,
            addr,
            config,
            state,
            rx: Box::new(Ring::new()),
            tx: Box::new(Ring::new()),
            flow: Flow::default(),
            cutoff: false,
            attempts: 0,
            connects: 0,
            cutoffs: 0,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// The replay device: a client without a socket that plays back what
    /// `records` show for channel `chan` (as a [`ClientTap`](crate::ClientTap)
    /// logged it), each event in the first service at or after its tyme:
    ///
    /// * the connection opening makes [`connected`](Self::connected) true
    ///   (and counts in [`connects`](Self::connects));
    /// * received bytes go into `rx` (waiting while `rx` is full);
    /// * sent bytes are taken from the head of `tx`, exactly as many as the
    ///   recording sent then (waiting until the application queued them);
    ///   bytes that differ from the recorded ones are counted in
    ///   [`diverged`](Self::diverged);
    /// * the connection ending makes the client
    ///   [`cutoff`](Self::cutoff) (with the recorded error, if it failed);
    /// * a recorded connect failure is the service's error again.
    ///
    /// The same application doers and the same [`ClientDoer`] (or
    /// `ClientTap`, to log the replay) run on it unchanged, under any
    /// driver: the core's simulated one needs no runner and no network. A
    /// run recorded in [`Mode::Tock`](crate::Mode::Tock) is reproduced
    /// exactly; in [`Mode::Ready`](crate::Mode::Ready) a recording has
    /// several passes at one tyme, and replay plays them in the first. The
    /// recording is played as it is: the configuration's reconnect and
    /// timeouts play no part, nor TLS (the log holds plaintext).
    /// [`connect`](Self::connect) only counts an attempt;
    /// [`close`](Self::close) pauses the replay until the next `connect`.
    ///
    /// # Errors
    ///
    /// [`WireLogError::NoAddress`] if no record of `chan` names an address,
    /// [`WireLogError::Addr`] if the first one that does is not a socket
    /// address.
    pub fn replay<'r>(
        records: impl IntoIterator<Item = &'r Record>,
        chan: u32,
    ) -> Result<Self, WireLogError> {
        let (script, addr) = Script::new(records, chan);
        let (line, addr) = addr.ok_or(WireLogError::NoAddress(chan))?;
        let addr = addr.parse().map_err(|_| WireLogError::Addr(line))?;
        let state = State::Replay(Box::new(script));
        Ok(Self::with_state(None, addr, ClientConfig::default(), state))
    }

    /// True for a replay device that played every recorded event (false
    /// for a socket).
    pub fn replay_done(&self) -> bool {
        matches!(&self.state, State::Replay(s) if s.done())
    }

    /// For a replay device: bytes the application queued that differ from
    /// the recording's (the replay then no longer reproduces it). Zero for
    /// a socket.
    pub fn diverged(&self) -> u64 {
        match &self.state {
            State::Replay(s) => s.diverged,
            _ => 0,
        }
    }

    /// Tells a [`Mode::Ready`](crate::Mode::Ready) runner that something
    /// moved (nothing for a replay device, which has no runner).
    fn note(&self) {
        if let Some(io) = &self.io {
            io.note_activity();
        }
    }

    /// Speaks TLS over every connection from now on (feature `tls`): the
    /// rings carry plaintext, [`connected`](Self::connected) waits for the
    /// handshake, and [`ClientConfig::connect_timeout`] covers it too.
    /// A failed handshake is a failed connect (see
    /// [`service`](Self::service)) with the reason in
    /// [`tls_error`](Self::tls_error).
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn with_tls(mut self, tls: crate::TlsClient) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The TLS settings, if the client speaks TLS.
    #[cfg(feature = "tls")]
    pub fn tls(&self) -> Option<&crate::TlsClient> {
        self.tls.as_ref()
    }

    /// The TLS error of the last connection or handshake (a certificate
    /// the client does not trust or that names another server, a protocol
    /// error, the peer's alert), if that is how it ended; its
    /// [`error`](Self::error) is then `Io(InvalidData)`.
    #[cfg(feature = "tls")]
    pub fn tls_error(&self) -> Option<&rustls::Error> {
        self.flow.tls_error.as_ref()
    }

    /// True while TCP is connected and the TLS handshake is not done yet.
    #[cfg(feature = "tls")]
    pub fn handshaking(&self) -> bool {
        matches!(&self.state, State::Connected(l, _) if l.handshaking())
    }

    /// The server address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The configuration.
    pub fn config(&self) -> ClientConfig {
        self.config
    }
    /// True while connected (and not cut off); with TLS, once the
    /// handshake is done.
    pub fn connected(&self) -> bool {
        match &self.state {
            State::Connected(l, _) => !l.handshaking(),
            State::Replay(s) => s.open && !s.paused,
            _ => false,
        }
    }
    /// True while a connect is in progress.
    pub fn connecting(&self) -> bool {
        matches!(self.state, State::Connecting(..))
    }
    /// True once the peer closed or reset the connection (hio's `cutoff`);
    /// false again after a reconnect.
    pub fn cutoff(&self) -> bool {
        self.cutoff
    }
    /// The last error: a failed connect (with reconnect on), a reset, a
    /// failed send.
    pub fn error(&self) -> Option<Error> {
        self.flow.error
    }
    /// The local address of the connection, if any.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.state {
            State::Connected(l, _) => l.sock.get().local_addr().ok(),
            State::Connecting(s, _) => s.get().local_addr().ok(),
            _ => None,
        }
    }
    /// Connect attempts so far.
    pub fn attempts(&self) -> u64 {
        self.attempts
    }
    /// Successful connects so far.
    pub fn connects(&self) -> u64 {
        self.connects
    }
    /// Connections that ended so far (each time [`cutoff`](Self::cutoff)
    /// became true).
    pub fn cutoffs(&self) -> u64 {
        self.cutoffs
    }
    /// Bytes received so far (over every connection; plaintext with TLS).
    pub fn received(&self) -> u64 {
        self.flow.received
    }
    /// Bytes sent so far (with TLS: plaintext handed to the session, which
    /// encrypts and sends it in the same service unless the socket is full).
    pub fn sent(&self) -> u64 {
        self.flow.sent
    }
    /// Bytes dropped from `tx` because the connection failed before they
    /// could be sent (with the error in [`error`](Self::error)).
    pub fn discarded(&self) -> u64 {
        self.flow.discarded
    }
    /// What arrived, oldest first.
    pub fn rx(&self) -> &Ring<RX> {
        &self.rx
    }
    /// What arrived, to read and consume.
    pub fn rx_mut(&mut self) -> &mut Ring<RX> {
        &mut self.rx
    }
    /// What is to be sent.
    pub fn tx(&self) -> &Ring<TX> {
        &self.tx
    }
    /// What is to be sent, to write into. In [`Mode::Ready`](crate::Mode),
    /// bytes written here in a pass in which no device moved bytes wait for
    /// the next pass that runs; [`send`](Self::send) asks for one at once.
    pub fn tx_mut(&mut self) -> &mut Ring<TX> {
        &mut self.tx
    }
    /// Queues as much of `data` as `tx` has room for (hio's `tx`); returns
    /// how many bytes (short when `tx` is full: the rest is still yours).
    /// Asks a [`Mode::Ready`](crate::Mode) runner for a follow-up pass, so
    /// the bytes go out without waiting for a tock.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let n = self.tx.write(data);
        if n > 0 {
            self.note();
        }
        n
    }

    /// Starts a non-blocking connect at `tyme` (closing any connection
    /// first). Completion is seen by [`service`](Self::service).
    ///
    /// # Errors
    ///
    /// The OS error of creating or registering the socket, as
    /// `Error::Io`; with reconnect on, it is kept in
    /// [`error`](Self::error) and retried instead.
    pub fn connect(&mut self, tyme: Tyme) -> Result<(), Error> {
        if let State::Replay(s) = &mut self.state {
            s.paused = false;
            self.attempts += 1;
            return Ok(());
        }
        self.close();
        self.attempts += 1;
        self.cutoff = false;
        self.flow.reset();
        let Some(io) = &self.io else {
            return Err(Error::Misuse); // only a replay device has no IO
        };
        let opened = TcpStream::connect(self.addr)
            .and_then(|s| Registered::new(io, s, Interest::READABLE | Interest::WRITABLE));
        match opened {
            Ok(sock) => {
                self.state = State::Connecting(sock, tyme);
                self.note();
                Ok(())
            }
            Err(e) => self.failed(tyme, to_error(&e)),
        }
    }

    /// Closes the connection now (no reconnect until
    /// [`connect`](Self::connect)). Unsent bytes stay in `tx`.
    pub fn close(&mut self) {
        if let State::Replay(s) = &mut self.state {
            s.paused = true;
            return;
        }
        if !matches!(self.state, State::Idle) {
            self.note();
        }
        self.state = State::Idle;
    }

    /// Half-closes: once `tx` is sent, no more bytes go out (the peer reads
    /// end of stream); receiving goes on until the peer closes too.
    pub fn shutdown_write(&mut self) {
        self.flow.shut_requested = true;
    }

    /// A connect failed with `e` at `tyme`: retry later, or fail.
    fn failed(&mut self, tyme: Tyme, e: Error) -> Result<(), Error> {
        self.flow.error = Some(e);
        match self.config.reconnect {
            Some(delay) => {
                self.state = State::Waiting(tyme + delay);
                Ok(())
            }
            None => {
                self.state = State::Idle;
                Err(e)
            }
        }
    }

    /// The connection ended (end of stream or error, in `flow`).
    fn cut(&mut self, tyme: Tyme) {
        self.cutoff = true;
        self.cutoffs += 1;
        self.note();
        self.state = match self.config.reconnect {
            Some(delay) => State::Waiting(tyme + delay),
            None => State::Idle,
        };
    }

    /// One service at `tyme` (hio's `serviceAll`): completes a connect,
    /// sends what `tx` holds, receives until `rx` is full or the socket
    /// would block, reconnects when it is time.
    ///
    /// # Errors
    ///
    /// Without reconnect: a connect that failed or timed out
    /// (`Io(ConnectionRefused)`, `Io(TimedOut)`, ...); with TLS also a
    /// handshake that failed (`Io(InvalidData)` with the reason in
    /// `tls_error`, `Io(ConnectionAborted)` when the peer closed during
    /// it) or did not finish within the connect timeout. A connection that
    /// ended is not an error here: see [`cutoff`](Self::cutoff) and
    /// [`error`](Self::error).
    pub fn service(&mut self, tyme: Tyme) -> Result<(), Error> {
        if let State::Replay(script) = &mut self.state {
            let played = script.step(tyme, &mut self.flow, &mut self.rx, &mut self.tx);
            if played.opened {
                self.connects += 1;
                self.cutoff = false;
                self.flow.error = None;
            }
            if played.closed {
                self.cutoff = true;
                self.cutoffs += 1;
            }
            return played.failed.map_or(Ok(()), |k| Err(Error::Io(k)));
        }
        if let State::Waiting(at) = self.state
            && tyme >= at
        {
            self.connect(tyme)?;
        }
        if let State::Connecting(sock, since) = &self.state {
            let since = *since;
            match check_connect(sock) {
                Ok(true) => {
                    if self.config.nodelay {
                        let _ = sock.get().set_nodelay(true);
                    }
                    let link = match core::mem::replace(&mut self.state, State::Idle) {
                        State::Connecting(sock, _) => self.link(sock),
                        _ => return Ok(()),
                    };
                    let link = match link {
                        Ok(link) => link,
                        Err(e) => return self.failed(tyme, e),
                    };
                    self.state = State::Connected(link, since);
                    self.connects += 1;
                    self.flow.error = None;
                    self.note();
                }
                Ok(false) => {
                    if tyme.since(since) >= self.config.connect_timeout {
                        return self.failed(tyme, Error::Io(IoKind::TimedOut));
                    }
                    return Ok(());
                }
                Err(e) => return self.failed(tyme, to_error(&e)),
            }
        }
        self.transfer(tyme)
    }

    /// The connection over a socket whose connect completed: plain, or
    /// with a new TLS session.
    fn link(&mut self, sock: Registered<TcpStream>) -> Result<Link, Error> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            self.flow.tls_error = None;
            return Link::with_session(sock, tls.session(), &mut self.flow.tls_error);
        }
        Ok(Link::plain(sock))
    }

    fn transfer(&mut self, tyme: Tyme) -> Result<(), Error> {
        let State::Connected(link, since) = &mut self.state else {
            return Ok(());
        };
        let since = *since;
        let moved = self.flow.service(link, &mut self.rx, &mut self.tx);
        let handshaking = link.handshaking();
        if moved {
            self.note();
        }
        if handshaking && self.flow.dead {
            // a handshake that failed is a connect that failed
            let e = self
                .flow
                .error
                .unwrap_or(Error::Io(IoKind::ConnectionAborted));
            return self.failed(tyme, e);
        }
        if self.flow.ended() {
            self.cut(tyme);
        } else if handshaking && tyme.since(since) >= self.config.connect_timeout {
            return self.failed(tyme, Error::Io(IoKind::TimedOut));
        }
        Ok(())
    }
}

/// True once a non-blocking connect completed; an error if it failed.
fn check_connect(sock: &Registered<TcpStream>) -> io::Result<bool> {
    if !sock.ready().is_writable() {
        return Ok(false);
    }
    if let Some(e) = sock.get().take_error()? {
        return Err(e);
    }
    match sock.get().peer_addr() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => {
            sock.clear(Ready::WRITABLE);
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The service doer of a [`TcpClient`] (hio's `ClientDoer`): connects on
/// enter, services every run, closes on exit.
///
/// # Contract
///
/// * **enter** starts the connect ([`TcpClient::connect`]); **recur** calls
///   [`TcpClient::service`] and asks to run again on the next pass
///   (`Recur::NEXT`); **exit** closes the connection (in every ending).
/// * **Errors.** Without reconnect, a failed connect aborts the doer with
///   `Io(ConnectionRefused)`, `Io(TimedOut)`, and so on. The device being
///   borrowed elsewhere during the step is `Error::Misuse`.
/// * **Bounded work**: one service per run.
pub type ClientDoer<'a, const RX: usize = 4096, const TX: usize = 4096> =
    ServiceDoer<'a, TcpClient<RX, TX>>;

impl<const RX: usize, const TX: usize> Service for TcpClient<RX, TX> {
    fn start(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.connect(tyme)
    }
    fn run(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.service(tyme)
    }
    fn stop(&mut self) {
        self.close();
    }
}
