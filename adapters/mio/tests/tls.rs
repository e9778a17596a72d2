//! TLS on loopback (feature `tls`), with a CA and certificates made here by
//! rcgen: echo through [`EchoServerDoer`] with byte checks (small and a few
//! MiB), a client that rejects a certificate for another name or from an
//! untrusted CA, garbage sent to the TLS port, peers that close in the
//! middle of the handshake, a stalled reader (back pressure through TLS),
//! and close_notify when a client closes.
//!
//! Every blocking socket has a timeout and every run a limit, so a failure
//! ends the test instead of hanging it.

#![cfg(feature = "tls")]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failure
mod common;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use common::{any_port, connect, pattern};
use hio::{Cx, Doer, Doist, Error, IoKind, Recur, Tock};
use hio_mio::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use hio_mio::rustls::{self, CertificateError, RootCertStore};
use hio_mio::{
    ClientConfig, ClientDoer, EchoServerDoer, Ending, Mode, Runner, ServerConfig, ServerDoer,
    Stopper, TcpClient, TcpServer, TlsClient, TlsServer,
};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// A test CA and a server certificate it signed for `localhost`.
struct Pki {
    ca: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Pki {
    fn new(names: &[&str]) -> Pki {
        Pki::with_ca("hio test CA (test only)", names)
    }
    fn with_ca(ca_name: &str, names: &[&str]) -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, ca_name);
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let leaf = CertificateParams::new(names)
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();
        Pki {
            ca: ca.der().clone(),
            chain: vec![leaf.der().clone()],
            key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
        }
    }
    fn server(&self) -> TlsServer {
        TlsServer::new(self.chain.clone(), self.key.clone_key()).unwrap()
    }
    fn client(&self, name: &str) -> TlsClient {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca.clone()).unwrap();
        TlsClient::new(roots, name).unwrap()
    }
}

/// Streams `total` pattern bytes through its client as `tx` has room,
/// checks every byte that comes back, then half-closes and waits for the
/// server's close_notify (end of stream) before stopping the run.
struct Streamer<'a> {
    client: &'a RefCell<TcpClient>,
    total: u64,
    sent: u64,
    checked: u64,
    bad: &'a Cell<u64>,
    /// Reads nothing until this says so (a reader that stalls).
    hold: Box<dyn Fn() -> bool + 'a>,
    /// Runs until this also says the test is over.
    also: Box<dyn Fn() -> bool + 'a>,
    stop: Stopper,
}

impl Doer for Streamer<'_> {
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if c.connected() {
            while self.sent < self.total && !c.tx().is_full() {
                let _ = c.tx_mut().push(pattern(self.sent));
                self.sent += 1;
            }
            if self.sent == self.total {
                c.shutdown_write();
            }
        }
        let rx = c.rx_mut();
        let n = if (self.hold)() { 0 } else { rx.len() };
        for (k, b) in rx.iter().take(n).enumerate() {
            if b != pattern(self.checked + k as u64) {
                self.bad.set(self.bad.get() + 1);
            }
        }
        rx.consume(n);
        self.checked += n as u64;
        if self.checked == self.total && c.cutoff() && (self.also)() {
            self.stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

/// What one TLS echo run saw.
#[derive(Debug)]
struct Run {
    ending: Result<Ending, Error>,
    checked: u64,
    bad: u64,
    client_error: Option<Error>,
    client_tls_error: Option<rustls::Error>,
    server_remote_errors: u64,
    server_last_remote_error: Option<Error>,
    server_tls_error: Option<rustls::Error>,
    server_accepted: u64,
    server_handshake_timeouts: u64,
    echoed: u64,
    /// A remote's rx and tx were both seen full (back pressure reached the
    /// server through the client's full ring and the kernel's buffers).
    server_rings_full: bool,
}

/// A TLS echo server and a TLS client streaming `total` bytes, in one tree
/// on loopback; `side(addr)` runs in another thread at the same time, and
/// the run ends once the stream is checked and `side` finished.
fn tls_echo(
    server_tls: TlsServer,
    client_tls: TlsClient,
    total: u64,
    side: impl FnOnce(SocketAddr) + Send + 'static,
) -> Run {
    tls_echo_held(server_tls, client_tls, total, false, side)
}

/// As [`tls_echo`]; with `hold`, the client reads nothing until it saw a
/// server remote with both rings full.
fn tls_echo_held(
    server_tls: TlsServer,
    client_tls: TlsClient,
    total: u64,
    hold: bool,
    side: impl FnOnce(SocketAddr) + Send + 'static,
) -> Run {
    tls_echo_with(
        ServerConfig::default(),
        server_tls,
        client_tls,
        total,
        hold,
        side,
    )
}

/// As [`tls_echo_held`], with the server configured by `config`.
fn tls_echo_with(
    config: ServerConfig,
    server_tls: TlsServer,
    client_tls: TlsClient,
    total: u64,
    hold: bool,
    side: impl FnOnce(SocketAddr) + Send + 'static,
) -> Run {
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let server: RefCell<TcpServer> = RefCell::new(
        TcpServer::bind(&io, any_port(), config)
            .unwrap()
            .with_tls(server_tls),
    );
    let addr = server.borrow().local_addr();
    let side_done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&side_done);
    let handle = thread::spawn(move || {
        side(addr);
        flag.store(true, Ordering::SeqCst);
    });
    let client: RefCell<TcpClient> =
        RefCell::new(TcpClient::new(&io, addr, ClientConfig::default()).with_tls(client_tls));
    let bad = Cell::new(0);
    let rings_full = Cell::new(false);
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut connect = ClientDoer::new("client", &client);
    let mut streamer = Streamer {
        client: &client,
        total,
        sent: 0,
        checked: 0,
        bad: &bad,
        hold: Box::new(|| {
            if let Ok(s) = server.try_borrow() {
                let full = s.remotes().any(|r| r.rx().is_full() && r.tx().is_full());
                rings_full.set(rings_full.get() || full);
            }
            hold && !rings_full.get()
        }),
        also: Box::new(|| side_done.load(Ordering::SeqCst)),
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut connect).unwrap();
    doist.add(&mut streamer).unwrap();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(30)));
    drop(doist);
    handle.join().unwrap();
    let (s, c) = (server.borrow(), client.borrow());
    Run {
        ending,
        checked: streamer.checked,
        bad: bad.get(),
        client_error: c.error(),
        client_tls_error: c.tls_error().cloned(),
        server_remote_errors: s.remote_errors(),
        server_last_remote_error: s.last_remote_error(),
        server_tls_error: s.last_tls_error().cloned(),
        server_accepted: s.accepted(),
        server_handshake_timeouts: s.handshake_timeouts(),
        echoed: echo.echoed(),
        server_rings_full: rings_full.get(),
    }
}

#[test]
fn small_echo_over_tls_comes_back_byte_for_byte() {
    let pki = Pki::new(&["localhost"]);
    let run = tls_echo(pki.server(), pki.client("localhost"), 100, |_| {});
    assert_eq!(run.ending, Ok(Ending::Stopped), "{run:?}");
    assert_eq!((run.checked, run.bad, run.echoed), (100, 0, 100));
    // both sides ended with close_notify: no errors anywhere
    assert_eq!(run.client_error, None);
    assert_eq!(run.server_remote_errors, 0, "{run:?}");
}

#[test]
fn three_mib_over_tls_through_4k_rings() {
    let pki = Pki::new(&["localhost"]);
    let total = 3 << 20;
    let run = tls_echo(pki.server(), pki.client("localhost"), total, |_| {});
    assert_eq!(run.ending, Ok(Ending::Stopped), "{run:?}");
    assert_eq!((run.checked, run.bad, run.echoed), (total, 0, total));
    assert_eq!(run.server_remote_errors, 0, "{run:?}");
}

#[test]
fn a_stalled_tls_reader_holds_the_server_back_without_loss() {
    // The client reads nothing until the server's remote has both rings
    // full: its rx, rustls's buffers and the kernel's fill first, then the
    // server's. Once it reads again, every byte arrives in order.
    let pki = Pki::new(&["localhost"]);
    let total = 16 << 20;
    let run = tls_echo_held(pki.server(), pki.client("localhost"), total, true, |_| {});
    assert_eq!(run.ending, Ok(Ending::Stopped), "{run:?}");
    assert_eq!((run.checked, run.bad, run.echoed), (total, 0, total));
    assert!(run.server_rings_full, "{run:?}");
}

/// Runs a TLS client alone against `server_tls` and returns how its
/// service doer ended and the client's TLS error.
fn handshake_only(
    server_tls: TlsServer,
    client_tls: TlsClient,
) -> (Result<Ending, Error>, Option<rustls::Error>, Run) {
    let run = tls_echo(server_tls, client_tls, 1, |_| {});
    (run.ending, run.client_tls_error.clone(), run)
}

#[test]
fn a_certificate_for_another_name_is_rejected() {
    let pki = Pki::new(&["localhost"]);
    let (ending, tls_error, run) = handshake_only(pki.server(), pki.client("example.com"));
    assert_eq!(ending, Err(Error::Io(IoKind::InvalidData)), "{run:?}");
    assert!(
        matches!(
            tls_error,
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{tls_error:?}"
    );
    assert_eq!(run.checked, 0);
}

#[test]
fn a_certificate_from_an_untrusted_ca_is_rejected() {
    let pki = Pki::new(&["localhost"]);
    // another CA of another name: nothing in the root store issued it (a
    // CA of the same name would be found and fail with BadSignature)
    let stranger = Pki::with_ca("a stranger's CA", &["localhost"]);
    let (ending, tls_error, run) = handshake_only(stranger.server(), pki.client("localhost"));
    assert_eq!(ending, Err(Error::Io(IoKind::InvalidData)), "{run:?}");
    assert_eq!(
        tls_error,
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
        ))
    );
}

#[test]
fn garbage_to_the_tls_port_closes_that_connection_only() {
    let pki = Pki::new(&["localhost"]);
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let out = Arc::clone(&got);
    let run = tls_echo(
        pki.server(),
        pki.client("localhost"),
        64 * 1024,
        move |addr| {
            let mut s = connect(addr);
            s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            // the server answers with an alert and closes: end of stream
            let mut back = Vec::new();
            s.read_to_end(&mut back).unwrap();
            *out.lock().unwrap() = back;
        },
    );
    assert_eq!(run.ending, Ok(Ending::Stopped), "{run:?}");
    assert_eq!((run.checked, run.bad), (64 * 1024, 0));
    assert_eq!(run.server_accepted, 2);
    assert_eq!(run.server_remote_errors, 1, "{run:?}");
    assert_eq!(
        run.server_last_remote_error,
        Some(Error::Io(IoKind::InvalidData))
    );
    assert!(run.server_tls_error.is_some(), "{run:?}");
    let back = got.lock().unwrap();
    // one TLS alert record (content type 21), then the close
    assert_eq!(back.first(), Some(&21), "{back:?}");
}

#[test]
fn a_peer_that_never_speaks_is_dropped_after_the_handshake_timeout() {
    // A peer connects and sends nothing, holding a remote mid-handshake;
    // the server closes it 300 ms (of tyme) later with `TimedOut`, while
    // a good client streams through TLS at the same time.
    let pki = Pki::new(&["localhost"]);
    let config = ServerConfig {
        handshake_timeout: Some(Tock::from_millis(300)),
        ..ServerConfig::default()
    };
    let held = Arc::new(std::sync::Mutex::new(None));
    let out = Arc::clone(&held);
    let total = 2 << 20;
    let run = tls_echo_with(
        config,
        pki.server(),
        pki.client("localhost"),
        total,
        false,
        move |addr| {
            let mut s = connect(addr);
            let start = std::time::Instant::now();
            // the server closes without a word (no handshake, no alert)
            let mut back = Vec::new();
            let read = s.read_to_end(&mut back).map(|_| back.len());
            *out.lock().unwrap() = Some((start.elapsed(), read.map_err(|e| e.kind())));
        },
    );
    assert_eq!(run.ending, Ok(Ending::Stopped), "{run:?}");
    assert_eq!((run.checked, run.bad, run.echoed), (total, 0, total));
    assert_eq!(run.server_accepted, 2, "{run:?}");
    assert_eq!(run.server_handshake_timeouts, 1, "{run:?}");
    assert_eq!(run.server_remote_errors, 1, "{run:?}");
    assert_eq!(
        run.server_last_remote_error,
        Some(Error::Io(IoKind::TimedOut))
    );
    let (after, read) = held.lock().unwrap().take().unwrap();
    assert_eq!(read, Ok(0), "closed, nothing sent");
    // tyme runs with the wall clock here: not before the limit, and not
    // much later (a read that timed out, after 10 s, is an error above).
    // The accept happens in a readiness pass, which runs at the upcoming
    // tock's tyme: up to one tock (10 ms) ahead of the wall clock, so the
    // close can come that much before 300 ms of wall time (289 ms seen
    // under wine)
    assert!(
        after >= Duration::from_millis(300 - 10 - 5) && after < Duration::from_secs(3),
        "{after:?}"
    );
    println!("silent peer dropped after {after:?}");
}

#[test]
fn without_a_handshake_timeout_a_silent_peer_stays() {
    let pki = Pki::new(&["localhost"]);
    let config = ServerConfig {
        handshake_timeout: None,
        ..ServerConfig::default()
    };
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let server: RefCell<TcpServer> = RefCell::new(
        TcpServer::bind(&runner.io(), any_port(), config)
            .unwrap()
            .with_tls(pki.server()),
    );
    let silent = connect(server.borrow().local_addr());
    let mut serve = ServerDoer::new("server", &server);
    // what the last pass saw: remotes, all of them mid-handshake
    let seen = Cell::new((0, false));
    let mut watch = hio::Doify::new("watch", |_cx, _phase| {
        let s = server.borrow();
        seen.set((s.len(), s.remotes().all(|r| r.handshaking())));
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut watch).unwrap();
    let ending = runner.run(&mut doist, Some(Tock::from_millis(500)));
    drop(doist);
    assert_eq!(ending, Ok(Ending::Limit));
    assert_eq!(seen.get(), (1, true));
    let s = server.borrow();
    assert_eq!(
        (s.accepted(), s.handshake_timeouts(), s.remote_errors()),
        (1, 0, 0)
    );
    drop(silent);
}

#[test]
fn a_client_closing_mid_handshake_is_an_error_of_that_remote() {
    let pki = Pki::new(&["localhost"]);
    let run = tls_echo(pki.server(), pki.client("localhost"), 1000, move |addr| {
        let mut s = connect(addr);
        // the start of a handshake record, then goodbye
        s.write_all(&[22, 3, 1, 0, 200, 1, 0]).unwrap();
        thread::sleep(Duration::from_millis(50));
    });
    assert_eq!(run.ending, Ok(Ending::Stopped), "{run:?}");
    assert_eq!((run.checked, run.bad), (1000, 0));
    assert_eq!(run.server_remote_errors, 1, "{run:?}");
    assert_eq!(
        run.server_last_remote_error,
        Some(Error::Io(IoKind::ConnectionAborted))
    );
}

#[test]
fn a_server_closing_mid_handshake_fails_the_client_connect() {
    let pki = Pki::new(&["localhost"]);
    let listener = TcpListener::bind(any_port()).unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // read part of the ClientHello, then close
        let mut hello = [0u8; 16];
        let _ = s.read(&mut hello);
    });
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let client: RefCell<TcpClient> = RefCell::new(
        TcpClient::new(&runner.io(), addr, ClientConfig::default())
            .with_tls(pki.client("localhost")),
    );
    let mut service = ClientDoer::new("client", &client);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(5));
    doist.add(&mut service).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    peer.join().unwrap();
    // a reset (the hello was not read to its end) or a plain close
    assert!(
        matches!(
            end,
            Err(Error::Io(
                IoKind::ConnectionAborted | IoKind::ConnectionReset
            ))
        ),
        "{end:?}"
    );
    assert!(!client.borrow().connected());
}

#[test]
fn a_server_whose_key_does_not_match_is_a_setup_error() {
    let a = Pki::new(&["localhost"]);
    let b = Pki::new(&["localhost"]);
    assert!(TlsServer::new(a.chain.clone(), b.key.clone_key()).is_err());
    assert!(TlsClient::new(RootCertStore::empty(), "not a name!").is_err());
}

/// Sends a greeting, and once it came back closes its client at once
/// (no half-close first); stops the run when the server removed the remote.
struct HelloClose<'a> {
    client: &'a RefCell<TcpClient>,
    server: &'a RefCell<TcpServer>,
    sent: bool,
    closed: bool,
    stop: Stopper,
}

impl Doer for HelloClose<'_> {
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if c.connected() && !self.sent {
            self.sent = c.send(b"hello") == 5;
        }
        if !self.closed && c.rx().len() == 5 {
            c.close();
            self.closed = true;
        }
        let s = self.server.try_borrow().map_err(|_| Error::Misuse)?;
        if self.closed && s.removed() == 1 {
            self.stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

#[test]
fn closing_a_tls_client_sends_close_notify() {
    // the remote sees a clean end (close_notify), not a TCP end without it
    // (which would be Io(ConnectionAborted))
    let pki = Pki::new(&["localhost"]);
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let server: RefCell<TcpServer> = RefCell::new(
        TcpServer::bind(&io, any_port(), ServerConfig::default())
            .unwrap()
            .with_tls(pki.server()),
    );
    let addr = server.borrow().local_addr();
    let client: RefCell<TcpClient> = RefCell::new(
        TcpClient::new(&io, addr, ClientConfig::default()).with_tls(pki.client("localhost")),
    );
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut connect = ClientDoer::new("client", &client);
    let mut hello = HelloClose {
        client: &client,
        server: &server,
        sent: false,
        closed: false,
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut connect).unwrap();
    doist.add(&mut hello).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    assert_eq!(end, Ok(Ending::Stopped));
    let s = server.borrow();
    assert_eq!(
        (s.removed(), s.remote_errors()),
        (1, 0),
        "{:?}",
        s.last_remote_error()
    );
}
