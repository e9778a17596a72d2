//! TCP on loopback: echo round trips, many connections, a large
//! checksummed transfer, back pressure with a slow reader, half-close, peer
//! reset, refused connections, reconnect, and `max_conns`.
//!
//! Every loop is bounded, every blocking socket has a timeout, and every
//! run has a limit, so a failure ends the test instead of hanging it.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failure
mod common;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use hio::{Cx, Doer, Doist, Error, IoKind, Recur, Tock};
use hio_mio::{
    ClientConfig, ClientDoer, EchoServerDoer, Ending, Mode, Runner, ServerConfig, ServerDoer,
    Stopper, TcpClient, TcpServer,
};

/// Sends `count` messages of `size` pattern bytes, one at a time, checking
/// each echo byte by byte; closes its client when done.
struct PingPong<'a, const RX: usize, const TX: usize> {
    client: &'a RefCell<TcpClient<RX, TX>>,
    size: usize,
    count: u64,
    done: u64,
    outstanding: bool,
    next: u64,
    finished: &'a Cell<usize>,
    bad: &'a Cell<u64>,
}

impl<'a, const RX: usize, const TX: usize> PingPong<'a, RX, TX> {
    fn new(
        client: &'a RefCell<TcpClient<RX, TX>>,
        size: usize,
        count: u64,
        finished: &'a Cell<usize>,
        bad: &'a Cell<u64>,
    ) -> Self {
        PingPong {
            client,
            size,
            count,
            done: 0,
            outstanding: false,
            next: 0,
            finished,
            bad,
        }
    }
}

impl<const RX: usize, const TX: usize> Doer for PingPong<'_, RX, TX> {
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if !c.connected() {
            return Ok(Recur::NEXT);
        }
        if self.outstanding && c.rx().len() >= self.size {
            let start = self.done * self.size as u64;
            let mut ok = true;
            for (k, b) in c.rx().iter().take(self.size).enumerate() {
                ok &= b == pattern(start + k as u64);
            }
            if !ok {
                self.bad.set(self.bad.get() + 1);
            }
            c.rx_mut().consume(self.size);
            self.done += 1;
            self.outstanding = false;
        }
        if self.done == self.count {
            c.close();
            self.finished.set(self.finished.get() + 1);
            return Ok(Recur::Done(true));
        }
        if !self.outstanding && c.tx().free() >= self.size {
            for _ in 0..self.size {
                let _ = c.tx_mut().push(pattern(self.next));
                self.next += 1;
            }
            self.outstanding = true;
        }
        Ok(Recur::NEXT)
    }
}

/// Runs `clients` ping-pong clients against an echo server, all in one
/// tree. Returns (ending, round trips per second, runner stats, server
/// removed count).
fn ping_pong_tree(
    mode: Mode,
    tock: Tock,
    clients: usize,
    size: usize,
    count: u64,
    limit: Tock,
) -> (Ending, f64, hio_mio::Stats, u64, u64) {
    let mut runner = Runner::new().unwrap().with_mode(mode);
    let io = runner.io();
    let server: RefCell<TcpServer> =
        RefCell::new(TcpServer::bind(&io, any_port(), ServerConfig::default()).unwrap());
    let addr = server.borrow().local_addr();
    let devices: Vec<RefCell<TcpClient>> = (0..clients)
        .map(|_| RefCell::new(TcpClient::new(&io, addr, ClientConfig::default())))
        .collect();
    let finished = Cell::new(0);
    let bad = Cell::new(0);
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut services: Vec<ClientDoer<'_>> = devices
        .iter()
        .map(|d| ClientDoer::new("client", d))
        .collect();
    let mut apps: Vec<PingPong<'_, 4096, 4096>> = devices
        .iter()
        .map(|d| PingPong::new(d, size, count, &finished, &bad))
        .collect();
    let stop = runner.stopper();
    let mut watch = Watch {
        stop,
        when: Box::new(|| finished.get() == clients && server.borrow().is_empty()),
    };
    let mut doist: Doist<'_, 1024> = Doist::new(tock);
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    for s in &mut services {
        doist.add(s).unwrap();
    }
    for a in &mut apps {
        doist.add(a).unwrap();
    }
    doist.add(&mut watch).unwrap();
    let start = Instant::now();
    let ending = runner.run(&mut doist, Some(limit)).unwrap();
    let secs = start.elapsed().as_secs_f64();
    drop(doist);
    let trips: u64 = apps.iter().map(|a| a.done).sum();
    assert_eq!(bad.get(), 0, "echoed bytes differ");
    let removed = server.borrow().removed();
    (ending, trips as f64 / secs, runner.stats(), removed, trips)
}

/// Stops the run when `when` says so.
struct Watch<'a> {
    stop: Stopper,
    when: Box<dyn Fn() -> bool + 'a>,
}

impl Doer for Watch<'_> {
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        if (self.when)() {
            self.stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

#[test]
fn echo_round_trips_in_one_tree_without_waiting_for_tocks() {
    let (ending, rate, stats, removed, trips) = ping_pong_tree(
        Mode::Ready,
        Tock::from_millis(10),
        1,
        64,
        2000,
        Tock::from_secs(30),
    );
    println!(
        "1 client, 2000 x 64 B ping-pong in one tree (Mode::Ready): {rate:.0} round trips/s; \
         {} regular + {} readiness passes, {} waits",
        stats.passes, stats.ready_passes, stats.waits
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!(trips, 2000);
    assert_eq!(removed, 1);
    assert!(stats.ready_passes > 2000);
}

#[test]
fn tock_mode_services_once_per_tock_ready_mode_at_once() {
    let limit = Tock::from_millis(500);
    let tock = Tock::from_millis(20);
    let (_, _, tock_stats, _, tock_trips) =
        ping_pong_tree(Mode::Tock, tock, 1, 64, 1_000_000, limit);
    let (_, _, ready_stats, _, ready_trips) =
        ping_pong_tree(Mode::Ready, tock, 1, 64, 1_000_000, limit);
    println!(
        "0.5 s at a 20 ms tock: Mode::Tock {tock_trips} round trips in {} passes; \
         Mode::Ready {ready_trips} round trips ({} readiness passes)",
        tock_stats.passes, ready_stats.ready_passes
    );
    assert_eq!(tock_stats.ready_passes, 0);
    assert!(tock_trips <= tock_stats.passes);
    // under wine every system call costs more: 14x was measured there on
    // a loaded machine (over 20x unloaded)
    let factor = if cfg!(windows) { 10 } else { 20 };
    assert!(
        ready_trips > factor * tock_trips.max(1),
        "{ready_trips} vs {tock_trips}"
    );
}

#[test]
fn fifty_clients_in_one_tree() {
    let (ending, rate, _stats, removed, trips) = ping_pong_tree(
        Mode::Ready,
        Tock::from_millis(10),
        50,
        64,
        100,
        Tock::from_secs(30),
    );
    println!("50 clients x 100 x 64 B in one tree: {rate:.0} round trips/s");
    assert_eq!(ending, Ending::Stopped);
    assert_eq!(trips, 5000);
    assert_eq!(removed, 50, "every remote removed after its client closed");
}

/// Streams `total` pattern bytes through its client and checks what comes
/// back, as fast as the rings allow.
struct Stream<'a, const RX: usize, const TX: usize> {
    client: &'a RefCell<TcpClient<RX, TX>>,
    total: u64,
    sent: u64,
    got: u64,
    bad: u64,
    sum_sent: Fnv,
    sum_got: Fnv,
    stop: Stopper,
}

impl<const RX: usize, const TX: usize> Doer for Stream<'_, RX, TX> {
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if !c.connected() {
            return Ok(Recur::NEXT);
        }
        // fill tx in place
        for _ in 0..2 {
            let left = self.total - self.sent;
            let slot = c.tx_mut().writable();
            let n = slot.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            if n == 0 {
                break;
            }
            for (k, b) in slot[..n].iter_mut().enumerate() {
                *b = pattern(self.sent + k as u64);
            }
            self.sum_sent.feed(&slot[..n]);
            c.tx_mut().commit(n);
            self.sent += n as u64;
        }
        // check rx in place
        loop {
            let data = c.rx().readable();
            if data.is_empty() {
                break;
            }
            for (k, &b) in data.iter().enumerate() {
                if b != pattern(self.got + k as u64) {
                    self.bad += 1;
                }
            }
            self.sum_got.feed(data);
            let n = data.len();
            self.got += n as u64;
            c.rx_mut().consume(n);
        }
        if self.got >= self.total || c.cutoff() {
            self.stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

#[test]
fn a_large_checksummed_transfer_through_one_tree() {
    const MIB: u64 = 1 << 20;
    let total = 64 * MIB;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let server: RefCell<TcpServer<65536, 65536>> =
        RefCell::new(TcpServer::bind(&io, any_port(), ServerConfig::default()).unwrap());
    let addr = server.borrow().local_addr();
    let client: RefCell<TcpClient<65536, 65536>> =
        RefCell::new(TcpClient::new(&io, addr, ClientConfig::default()));
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut service = ClientDoer::new("client", &client);
    let mut stream = Stream {
        client: &client,
        total,
        sent: 0,
        got: 0,
        bad: 0,
        sum_sent: Fnv::default(),
        sum_got: Fnv::default(),
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut service).unwrap();
    doist.add(&mut stream).unwrap();
    let start = Instant::now();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(60))).unwrap();
    let secs = start.elapsed().as_secs_f64();
    drop(doist);
    println!(
        "{} MiB echoed through one tree (64 KiB rings) in {secs:.2} s: {:.0} MB/s each way; \
         {} readiness passes",
        total / MIB,
        total as f64 / secs / 1e6,
        runner.stats().ready_passes
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!(stream.got, total);
    assert_eq!(stream.bad, 0);
    assert_eq!(stream.sum_got, stream.sum_sent);
}

#[test]
fn a_slow_reader_gets_back_pressure_and_every_byte() {
    slow_reader(false);
}

#[test]
fn a_slow_reader_of_a_copying_echo_gets_back_pressure_and_every_byte() {
    slow_reader(true);
}

fn slow_reader(copying: bool) {
    // The std client writes 64 MiB from one thread and reads slowly from
    // another (a 50 µs pause every 32 KiB: cheap pauses, many of them).
    // The server's unsent bytes fill its rings (a copying echo: tx, then
    // rx; a loopback echo sends from rx: rx), then it stops reading from
    // that client; the kernel buffers fill and the writer blocks. Nothing
    // is lost: the checksums match.
    //
    // The reader starts only once the server was seen with its rings full
    // (or after 20 s, and then the test fails): a reader slowed by sleeps
    // alone kept up with a server slowed by a loaded machine, and the
    // rings were not always seen full.
    const TOTAL: u64 = 64 << 20;
    let full = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen_full = std::sync::Arc::clone(&full);
    let client = move |addr| {
        let s = connect(addr);
        let mut w = s.try_clone().unwrap();
        let writer = thread::spawn(move || {
            let mut sum = Fnv::default();
            let mut buf = vec![0u8; 60_000];
            let mut i = 0u64;
            while i < TOTAL {
                let n = buf.len().min(usize::try_from(TOTAL - i).unwrap());
                for (k, b) in buf[..n].iter_mut().enumerate() {
                    *b = pattern(i + k as u64);
                }
                w.write_all(&buf[..n]).unwrap();
                sum.feed(&buf[..n]);
                i += n as u64;
            }
            w.shutdown(Shutdown::Write).unwrap();
            sum
        });
        let mut r = s;
        let mut sum = Fnv::default();
        let mut got = 0u64;
        let mut bad = 0u64;
        let mut buf = vec![0u8; 4096];
        let mut chunks = 0u32;
        let waiting = Instant::now();
        while !seen_full.load(std::sync::atomic::Ordering::SeqCst)
            && waiting.elapsed() < Duration::from_secs(20)
        {
            thread::sleep(Duration::from_millis(1));
        }
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            for (k, &b) in buf[..n].iter().enumerate() {
                bad += u64::from(b != pattern(got + k as u64));
            }
            sum.feed(&buf[..n]);
            got += n as u64;
            chunks += 1;
            if chunks.is_multiple_of(8) {
                thread::sleep(Duration::from_micros(50)); // slow
            }
        }
        (writer.join().unwrap(), sum, got, bad)
    };
    let start = Instant::now();
    let (ending, seen, (sum_sent, sum_got, got, bad)) = echo_with_echo::<16384, 16384, _>(
        copying,
        ServerConfig::default(),
        Mode::Ready,
        Tock::from_secs(60),
        client,
        |s| {
            let is_full = |r: &hio_mio::Remote<16384, 16384>| {
                r.rx().is_full() && (r.tx().is_full() || (!copying && r.looping()))
            };
            if s.remotes().any(is_full) {
                full.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            s.removed() == 1
        },
    );
    println!(
        "slow reader ({}): 64 MiB echoed in {:?}; server rx ring was full: {}, tx ring full: {}",
        if copying {
            "copying echo"
        } else {
            "loopback echo"
        },
        start.elapsed(),
        seen.rx_full,
        seen.tx_full
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!((got, bad), (TOTAL, 0));
    assert_eq!(sum_got, sum_sent);
    assert_eq!(seen.echoed, TOTAL);
    // under wine (the Windows test bed) a send never blocks on loopback
    // here, so only the receiving side's back pressure can be seen
    assert!(seen.rx_full, "{seen:?}");
    if copying {
        assert!(seen.tx_full || cfg!(windows), "{seen:?}");
    } else {
        assert!(!seen.tx_full && seen.looped == TOTAL, "{seen:?}");
    }
    assert!(seen.errors.is_empty(), "{seen:?}");
}

#[test]
fn half_close_gets_every_byte_then_end_of_stream() {
    let client = |addr| {
        let s = connect(addr);
        let msg: Vec<u8> = (0..200_000u64).map(pattern).collect();
        let mut w = s.try_clone().unwrap();
        let sent = msg.clone();
        let writer = thread::spawn(move || {
            w.write_all(&sent).unwrap();
            w.shutdown(Shutdown::Write).unwrap();
        });
        let mut back = Vec::new();
        let mut r = s;
        r.read_to_end(&mut back).unwrap(); // ends: the server half-closed too
        writer.join().unwrap();
        back == msg
    };
    let (ending, seen, same) = echo_with::<4096, 4096, _>(
        ServerConfig::default(),
        Mode::Tock,
        Tock::from_secs(30),
        client,
        |s| s.removed() == 1,
    );
    assert_eq!(ending, Ending::Stopped);
    assert!(same);
    assert!(seen.errors.is_empty(), "{seen:?}");
}

#[test]
fn a_peer_reset_mid_stream_ends_only_that_remote() {
    let client = |addr| {
        // writes 1 MiB without reading (the server's rings fill), then resets
        let mut s = connect(addr);
        // first one echo, so that the server has accepted this connection
        // before the reset: under wine (where a send on loopback never
        // blocks, so the megabyte is gone at once) a connection reset
        // before it is accepted is never accepted at all, where Linux
        // hands it to accept and reports the reset on read (seen here: 7
        // of 15 runs on a loaded machine ended at the limit with only the
        // second connection accepted)
        assert_eq!(round_trip(&mut s, b"hi"), b"hi");
        let chunk = vec![7u8; 65536];
        for _ in 0..16 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
        reset_on_drop(&s);
        drop(s);
        // the server still serves
        thread::sleep(Duration::from_millis(50));
        let mut s2 = connect(addr);
        let ok = round_trip(&mut s2, b"still here") == b"still here";
        drop(s2);
        ok
    };
    let (ending, seen, ok) = echo_with::<16384, 16384, _>(
        ServerConfig::default(),
        Mode::Ready,
        Tock::from_secs(30),
        client,
        |s| s.removed() == 2,
    );
    println!(
        "peer reset: {} remote ended with {:?}",
        seen.remote_errors, seen.last_remote_error
    );
    assert_eq!(ending, Ending::Stopped);
    assert!(ok);
    assert_eq!(seen.accepted, 2);
    assert_eq!(seen.remote_errors, 1, "{seen:?}");
    assert!(matches!(
        seen.last_remote_error,
        Some(Error::Io(IoKind::ConnectionReset | IoKind::BrokenPipe))
    ));
}

#[test]
fn more_clients_than_max_conns_are_refused_and_counted() {
    let client = |addr| {
        let mut kept = Vec::new();
        for _ in 0..2 {
            let mut s = connect(addr);
            assert_eq!(round_trip(&mut s, b"in"), b"in");
            kept.push(s);
        }
        let mut closed = 0;
        for _ in 0..3 {
            let mut s = connect(addr);
            let _ = s.write_all(b"x");
            let mut b = [0u8; 1];
            // refused: end of stream or reset, never an echo
            match s.read(&mut b) {
                Ok(0) | Err(_) => closed += 1,
                Ok(_) => {}
            }
        }
        drop(kept);
        closed
    };
    let (ending, seen, closed) = echo_with::<4096, 4096, _>(
        ServerConfig {
            max_conns: 2,
            ..ServerConfig::default()
        },
        Mode::Ready,
        Tock::from_secs(30),
        client,
        |s| s.refused() == 3 && s.removed() == 2,
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!(closed, 3);
    assert_eq!((seen.accepted, seen.refused, seen.max_remotes), (2, 3, 2));
}

fn free_port_then_closed() -> std::net::SocketAddr {
    let l = TcpListener::bind(any_port()).unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr
}

#[test]
fn connection_refused_is_an_error_of_the_client_doer() {
    let addr = free_port_then_closed();
    let mut runner = Runner::new().unwrap();
    let client: RefCell<TcpClient> =
        RefCell::new(TcpClient::new(&runner.io(), addr, ClientConfig::default()));
    let mut service = ClientDoer::new("client", &client);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(5));
    doist.add(&mut service).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(5)));
    assert_eq!(end, Err(Error::Io(IoKind::ConnectionRefused)));
    drop(doist);
    assert!(!client.borrow().connected());
}

#[test]
fn a_reconnecting_client_retries_until_a_server_appears() {
    let addr = free_port_then_closed();
    let server = thread::spawn(move || {
        thread::sleep(Duration::from_millis(120));
        let l = TcpListener::bind(addr).unwrap();
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"hi").unwrap();
    });
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let config = ClientConfig {
        reconnect: Some(Tock::from_millis(30)),
        ..ClientConfig::default()
    };
    let client: RefCell<TcpClient> = RefCell::new(TcpClient::new(&runner.io(), addr, config));
    let mut service = ClientDoer::new("client", &client);
    let stop = runner.stopper();
    let mut watch = Watch {
        stop,
        when: Box::new(|| client.borrow().rx().len() == 2),
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(5));
    doist.add(&mut service).unwrap();
    doist.add(&mut watch).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    server.join().unwrap();
    let c = client.borrow();
    println!(
        "reconnect: {} attempts, {} connects before the server came",
        c.attempts(),
        c.connects()
    );
    assert_eq!(end, Ok(Ending::Stopped));
    assert!(c.attempts() >= 3, "{c:?}");
    assert_eq!(c.connects(), 1);
    assert!(c.rx().iter().eq(*b"hi"));
}

#[test]
fn a_client_sees_a_reset_as_cutoff_with_the_error() {
    let listener = TcpListener::bind(any_port()).unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut b = [0u8; 5];
        s.read_exact(&mut b).unwrap();
        reset_on_drop(&s);
    });
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let client: RefCell<TcpClient> =
        RefCell::new(TcpClient::new(&runner.io(), addr, ClientConfig::default()));
    let mut service = ClientDoer::new("client", &client);
    let sent = Cell::new(false);
    let mut app = hio::Doify::new("app", |_cx, _phase| {
        let mut c = client.borrow_mut();
        if c.connected() && !sent.get() {
            sent.set(c.tx_mut().write(b"hello") == 5);
        }
        Ok(Recur::NEXT)
    });
    let stop = runner.stopper();
    let mut watch = Watch {
        stop,
        when: Box::new(|| client.borrow().cutoff()),
    };
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(5));
    doist.add(&mut service).unwrap();
    doist.add(&mut app).unwrap();
    doist.add(&mut watch).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    peer.join().unwrap();
    let c = client.borrow();
    assert_eq!(end, Ok(Ending::Stopped));
    assert!(c.cutoff() && !c.connected());
    if cfg!(windows) && c.error().is_none() {
        // wine 8 (the Windows test bed) reads a peer's reset as a clean end
        // of stream (measured with std alone); real Windows reports it
        eprintln!("reset seen as end of stream (wine)");
    } else {
        assert_eq!(c.error(), Some(Error::Io(IoKind::ConnectionReset)));
    }
}
