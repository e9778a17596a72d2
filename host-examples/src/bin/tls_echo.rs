//! A TLS echo on loopback, server and client in one tree: makes a
//! throw-away CA and a certificate for `localhost` (rcgen), serves TLS
//! with an [`EchoServerDoer`], and streams `--bytes` pattern bytes through
//! a TLS client that checks every byte that comes back, half-closes
//! (close_notify) and waits for the server's close_notify.
//!
//! ```text
//! Runner (mio poll, Mode::Ready)
//!  └─ Doist (tock 1/32 s)
//!      ├─ server   ServerDoer: accepts, TLS handshakes, socket ⇄ rings
//!      ├─ echo     EchoServerDoer: rx ▸ tx of every remote (plaintext)
//!      ├─ client   ClientDoer: connects, verifies the certificate
//!      └─ streamer writes pattern bytes, checks the echo, half-closes
//! ```
//!
//! `cargo run -p hio-host-examples --bin tls-echo -- --bytes 1048576`
//!
//! Prints what it did and `done: true` when every byte came back as sent
//! and both sides closed cleanly (exit 0); `done: false` and exit 1
//! otherwise; exit 2 on a usage error. The certificate is made on each run
//! and never leaves the process: a test certificate, not a real key.

use std::cell::RefCell;
use std::process::ExitCode;
use std::time::Instant;

use hio::{Cx, DEFAULT_TOCK, Doer, Doist, Error, Recur, Tock};
use hio_mio::rustls::RootCertStore;
use hio_mio::rustls::pki_types::PrivatePkcs8KeyDer;
use hio_mio::{
    ClientConfig, ClientDoer, EchoServerDoer, Ending, Mode, Runner, ServerConfig, ServerDoer,
    Stopper, TcpClient, TcpServer, TlsClient, TlsServer,
};

const USAGE: &str = concat!(
    "usage: tls-echo [--bytes N] [--timeout SECS]\n",
    "  --bytes N       bytes to stream through the TLS echo (default 1048576)\n",
    "  --timeout SECS  give up after this long (default 30)",
);

/// Ring sizes of every connection.
const RING: usize = 16 * 1024;

fn parse(mut args: impl Iterator<Item = String>) -> Result<(u64, u64), String> {
    let (mut bytes, mut timeout) = (1 << 20, 30);
    while let Some(flag) = args.next() {
        let mut number = |name: &str| {
            let v = args.next().ok_or(format!("{name} needs a value"))?;
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{name}: not a positive number: {v:?}"))
        };
        match flag.as_str() {
            "--bytes" => bytes = number("--bytes")?,
            "--timeout" => timeout = number("--timeout")?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok((bytes, timeout))
}

/// The byte at offset `i` of the stream.
fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8 ^ (i as u8)
}

/// Writes the stream as `tx` has room, checks the echo, half-closes after
/// the last byte, stops the run once the server closed too.
struct Streamer<'a> {
    client: &'a RefCell<TcpClient<RING, RING>>,
    total: u64,
    sent: u64,
    got: u64,
    /// The first wrong byte: (offset, expected, got).
    wrong: Option<(u64, u8, u8)>,
    handshake: Option<Instant>,
    stop: Stopper,
}

impl Doer for Streamer<'_> {
    fn name(&self) -> &'static str {
        "streamer"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if c.connected() {
            self.handshake.get_or_insert_with(Instant::now);
            while self.sent < self.total {
                let slot = c.tx_mut().writable();
                let n = slot
                    .len()
                    .min(usize::try_from(self.total - self.sent).unwrap_or(usize::MAX));
                if n == 0 {
                    break;
                }
                for (k, b) in slot.iter_mut().take(n).enumerate() {
                    *b = pattern(self.sent + k as u64);
                }
                c.tx_mut().commit(n);
                self.sent += n as u64;
            }
            if self.sent == self.total {
                c.shutdown_write();
            }
        }
        loop {
            let data = c.rx().readable();
            if data.is_empty() {
                break;
            }
            let n = data.len();
            for (k, &b) in data.iter().enumerate() {
                let at = self.got + k as u64;
                if b != pattern(at) && self.wrong.is_none() {
                    self.wrong = Some((at, pattern(at), b));
                }
            }
            c.rx_mut().consume(n);
            self.got += n as u64;
        }
        if self.wrong.is_some() || c.cutoff() {
            self.stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

fn main() -> ExitCode {
    let (bytes, timeout) = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("tls-echo: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match echo(bytes, timeout) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(msg) => {
            eprintln!("tls-echo: {msg}");
            println!("done: false");
            ExitCode::FAILURE
        }
    }
}

/// A throw-away certificate for `localhost`: (server settings, client
/// settings that trust it).
fn certificates() -> Result<(TlsServer, TlsClient), String> {
    let key = rcgen::KeyPair::generate().map_err(|e| format!("key: {e}"))?;
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .and_then(|p| p.self_signed(&key))
        .map_err(|e| format!("certificate: {e}"))?;
    let server = TlsServer::new(
        vec![cert.der().clone()],
        PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    )
    .map_err(|e| format!("server TLS: {e}"))?;
    let mut roots = RootCertStore::empty();
    roots
        .add(cert.der().clone())
        .map_err(|e| format!("root store: {e}"))?;
    let client = TlsClient::new(roots, "localhost").map_err(|e| format!("client TLS: {e}"))?;
    Ok((server, client))
}

fn echo(total: u64, timeout: u64) -> Result<bool, String> {
    let (server_tls, client_tls) = certificates()?;
    let mut runner = Runner::new()
        .map_err(|e| format!("cannot create the poll: {e}"))?
        .with_mode(Mode::Ready);
    let io = runner.io();
    let any = "127.0.0.1:0".parse().map_err(|_| "address".to_owned())?;
    let server: RefCell<TcpServer<RING, RING>> = RefCell::new(
        TcpServer::bind(&io, any, ServerConfig::default())
            .map_err(|e| format!("cannot listen: {e}"))?
            .with_tls(server_tls),
    );
    let addr = server.borrow().local_addr();
    println!("tls-echo: server on {addr}, certificate for localhost made just now");
    let client: RefCell<TcpClient<RING, RING>> =
        RefCell::new(TcpClient::new(&io, addr, ClientConfig::default()).with_tls(client_tls));
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut connect = ClientDoer::new("client", &client);
    let mut streamer = Streamer {
        client: &client,
        total,
        sent: 0,
        got: 0,
        wrong: None,
        handshake: None,
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 4> = Doist::new(DEFAULT_TOCK);
    let added = [
        doist.add(&mut serve),
        doist.add(&mut echo),
        doist.add(&mut connect),
        doist.add(&mut streamer),
    ];
    if added.iter().any(Result::is_err) {
        return Err("the doist is too small".into());
    }
    let start = Instant::now();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(timeout)));
    drop(doist);
    let elapsed = start.elapsed();
    let c = client.borrow();
    let s = server.borrow();
    let secs = streamer
        .handshake
        .map_or(elapsed, |h| h.elapsed())
        .as_secs_f64();
    println!(
        "tls-echo: sent {} and got back {} of {total} bytes in {secs:.3} s after the handshake ({:.1} MB/s)",
        streamer.sent,
        streamer.got,
        streamer.got as f64 / secs.max(1e-9) / 1e6,
    );
    println!(
        "tls-echo: run {ending:?}; client error {:?}, TLS error {:?}; server accepted {}, remote errors {}",
        c.error(),
        c.tls_error(),
        s.accepted(),
        s.remote_errors(),
    );
    if let Some((at, want, got)) = streamer.wrong {
        println!("tls-echo: byte {at} was {got:#04x}, expected {want:#04x}");
    }
    // every byte back, both close_notify seen (no error on either side)
    let done = ending == Ok(Ending::Stopped)
        && streamer.wrong.is_none()
        && streamer.got == total
        && c.error().is_none()
        && s.remote_errors() == 0;
    println!("done: {done}");
    Ok(done)
}
