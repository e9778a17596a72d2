//! Shared test helpers: a server tree run by the runner in the test thread,
//! blocking std clients in other threads, and a checksummed byte stream.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)] // test code

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use hio::{Doify, Doist, Phase, Recur, Tock};
use hio_mio::{EchoServerDoer, Ending, Mode, Runner, ServerConfig, ServerDoer, TcpServer};

/// Loopback, any free port.
pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// The byte at `i` of the test stream: a cheap, non-repeating pattern.
pub fn pattern(i: u64) -> u8 {
    let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 56) as u8 ^ (i as u8)
}

/// FNV-1a over bytes, streamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// What a server run saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub accepted: u64,
    pub refused: u64,
    pub removed: u64,
    pub remote_errors: u64,
    pub last_remote_error: Option<hio::Error>,
    pub errors: Vec<hio::Error>,
    pub rx_full: bool,
    pub tx_full: bool,
    /// Bytes the server's remotes sent back in loopback mode.
    pub looped: u64,
    pub max_remotes: usize,
    pub echoed: u64,
}

/// Runs an echo server (rings of `RX`/`TX` bytes) in this thread until
/// `done(&server)` says so (or `limit`), while `client(addr)` runs in
/// another thread. Returns the ending, what the server saw, and what the
/// client returned.
pub fn echo_with<const RX: usize, const TX: usize, T: Send + 'static>(
    config: ServerConfig,
    mode: Mode,
    limit: Tock,
    client: impl FnOnce(SocketAddr) -> T + Send + 'static,
    done: impl FnMut(&TcpServer<RX, TX>) -> bool,
) -> (Ending, Seen, T) {
    echo_with_echo(false, config, mode, limit, client, done)
}

/// As [`echo_with`], with an echo doer that copies `rx` into `tx` itself
/// (`copying`) or puts the remotes in loopback mode (the default).
pub fn echo_with_echo<const RX: usize, const TX: usize, T: Send + 'static>(
    copying: bool,
    config: ServerConfig,
    mode: Mode,
    limit: Tock,
    client: impl FnOnce(SocketAddr) -> T + Send + 'static,
    mut done: impl FnMut(&TcpServer<RX, TX>) -> bool,
) -> (Ending, Seen, T) {
    let mut runner = Runner::new().unwrap().with_mode(mode);
    let server: RefCell<TcpServer<RX, TX>> =
        RefCell::new(TcpServer::bind(&runner.io(), any_port(), config).unwrap());
    let addr = server.borrow().local_addr();
    let handle = thread::spawn(move || client(addr));
    let seen = RefCell::new(Seen::default());
    let stop = runner.stopper();
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    if copying {
        echo = echo.copying();
    }
    let mut watch = Doify::new("watch", |_cx, phase| {
        if phase != Phase::Recur {
            return Ok(Recur::NEXT);
        }
        let s = server.borrow();
        let mut seen = seen.borrow_mut();
        seen.accepted = s.accepted();
        seen.refused = s.refused();
        seen.removed = s.removed();
        seen.remote_errors = s.remote_errors();
        seen.last_remote_error = s.last_remote_error();
        seen.max_remotes = seen.max_remotes.max(s.len());
        for r in s.remotes() {
            seen.rx_full |= r.rx().is_full();
            seen.tx_full |= r.tx().is_full();
            if let Some(e) = r.error()
                && !seen.errors.contains(&e)
            {
                seen.errors.push(e);
            }
        }
        if done(&s) {
            stop.stop();
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(10));
    // the watcher sees the rings between the service and the echo
    doist.add(&mut serve).unwrap();
    doist.add(&mut watch).unwrap();
    doist.add(&mut echo).unwrap();
    let ending = runner.run(&mut doist, Some(limit)).unwrap();
    drop(doist);
    let echoed = echo.echoed();
    let looped = server.borrow().looped();
    let out = handle.join().unwrap();
    let mut seen = seen.into_inner();
    seen.echoed = echoed;
    seen.looped = looped;
    (ending, seen, out)
}

/// A blocking client with timeouts, so a test can never hang.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends `msg`, reads the same number of bytes back.
pub fn round_trip(s: &mut TcpStream, msg: &[u8]) -> Vec<u8> {
    s.write_all(msg).unwrap();
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back).unwrap();
    back
}

/// Makes `s` reset (RST) instead of closing (FIN) when dropped.
pub fn reset_on_drop(s: &TcpStream) {
    socket2::SockRef::from(s)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
}
