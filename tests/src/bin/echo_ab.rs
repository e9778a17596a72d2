//! The TCP echo benchmark: our echo server (hio-mio) against a tokio
//! current_thread echo server, taking turns (A B B A A B ...) under the
//! same load.
//!
//! `cargo run --release -p hio-tests --bin echo-ab -- [--quick] [--rounds N] [--secs S] [--slice MS] [--lg-threads N] [--point P] [--only SERVER]`
//!
//! ```text
//!  two server threads, both up in a round       load generator (same for both)
//!  ┌───────────────────────────────────┐       ┌─────────────────────────────┐
//!  │ A: hio-mio Runner, Mode::Ready     │ TCP   │ tokio multi-thread runtime  │
//!  │    Doist (tock 1/32 s)             │ ◀───▶ │ (--lg-threads workers, 1):  │
//!  │    ├─ ServerDoer  (32 KiB rings)   │ lo    │ one task per connection:    │
//!  │    ├─ EchoServerDoer (loopback)    │       │ 64 B ping-pong, or a 64 KiB │
//!  │    └─ halt (stop flag, 50 ms)      │       │ writer + checking reader;   │
//!  ├───────────────────────────────────┤       │ the connections of the      │
//!  │ B: tokio current_thread runtime,   │ ◀───▶ │ server whose turn it is not │
//!  │    a task per connection:          │       │ wait (a tokio Notify)       │
//!  │    read 32 KiB / write_all         │       └─────────────────────────────┘
//!  └───────────────────────────────────┘
//! ```
//!
//! Points: ping-pong of 64-byte messages over 1, 50 and 500 connections
//! (round trips per second, every echo compared with what was sent), and
//! one connection streaming 64 KiB writes while reading the echo back
//! (MB/s each way; every byte checked against the pattern, and the totals
//! sent and received must match after the writer half-closes).
//!
//! **Rounds and turns.** Each point runs `--rounds` rounds (7; 2 with
//! `--quick`). A round starts both servers afresh, each in its own thread,
//! and connects the load generator to both; then the servers take turns
//! of `--slice` ms (100): only the connections of the server whose turn it
//! is send, the others wait between round trips (or between 64 KiB
//! writes). The first fifth of a turn is not measured (the other server's
//! last round trips, or its bulk bytes still in flight, finish meanwhile).
//! The order is A B, B A, A B, ... (the round number flips the first), and
//! each server gets `--secs` (1; 0.3 with `--quick`) of measured turns per
//! round, after one unmeasured warm-up turn each (0.2 s).
//!
//! **The statistic.** The ratio of a point is the median over the rounds
//! of hio's rate divided by tokio's rate *in the same round*. On this
//! shared 2-core machine the rate swings by up to 3x from one second to
//! the next with what else runs (measured: one connection's ping-pong from
//! 15,000 to 56,000 round trips per second, for either server). Turns of
//! 100 ms, taken in alternating order, put both servers under about the
//! same load, so the ratio cancels most of that. (Until 2026-12-04 each
//! server ran alone for whole 1 s windows, A B A B, and the ratio was the
//! median rate of one over the median rate of the other, which paired
//! nothing: the same code measured 0.78 and 1.30 in two runs.) The
//! per-round ratios are printed under each row, to judge the spread.
//!
//! The table shows, per point, the median rates, the ratio hio/tokio, the
//! server thread's CPU time per unit of work during its turns (ns per round trip, µs per MB;
//! from `/proc/self/task/*/stat`, 10 ms ticks) with its ratio tokio/hio,
//! and the cores the load generator's workers used: near its worker count,
//! the load generator may be the bottleneck, and the CPU-per-work ratio is
//! then the better comparison of the two servers. The last line is
//! `min_ratio=<number>`: the lowest ratio over all points.
//!
//! Exit code 0 when every run completed and checked; 1 when a run failed
//! (an echo that did not match, a lost byte, a server that failed).

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use hio::{Cx, DEFAULT_TOCK, Doer, Doist, Error, Recur, Tock};
use hio_mio::{EchoServerDoer, Mode, Runner, ServerConfig, ServerDoer, Stopper, TcpServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Ring size per direction per connection (hio), and the read buffer of the
/// tokio server: the same, so both move at most this much per read.
const RING: usize = 32 * 1024;
/// The ping-pong message size.
const MSG: usize = 64;
/// The bulk write size.
const CHUNK: usize = 64 * 1024;
/// The bulk stream's byte at offset `k` is `(k % PERIOD) as u8`.
const PERIOD: usize = 251;

const USAGE: &str = "usage: echo-ab [--quick] [--rounds N] [--secs S] [--slice MS] [--lg-threads N] [--point P] [--only SERVER]\n  \
    --quick         a short smoke run (2 rounds, 0.3 s per server)\n  \
    --rounds N      rounds per point, A B or B A (default 7)\n  \
    --secs S        measured seconds per server per round (default 1)\n  \
    --slice MS      one turn of a server in ms, its first fifth unmeasured (default 100)\n  \
    --lg-threads N  load generator worker threads (default 1)\n  \
    --point P       only this point (repeatable): pp1, pp50, pp500, bulk\n  \
    --only SERVER   only this server, hio or tokio (for profiling; no ratios)";

#[derive(Clone, Debug)]
struct Settings {
    rounds: usize,
    /// Measured time per server per round (the sum of its slices).
    window: Duration,
    /// One slice: a server's turn, the first fifth of it unmeasured.
    slice: Duration,
    /// Unmeasured first turn of each server in a round.
    warmup: Duration,
    lg_threads: usize,
    /// Only these points (all when empty), for profiling one of them.
    only: Vec<Point>,
    /// Only this server (both when None), for profiling one of them.
    server: Option<Server>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Settings, String> {
    let mut s = Settings {
        rounds: 7,
        window: Duration::from_secs(1),
        slice: Duration::from_millis(100),
        warmup: Duration::from_millis(200),
        lg_threads: 1,
        only: Vec::new(),
        server: None,
    };
    let mut rounds = None;
    let mut secs = None;
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--quick" => {
                s.rounds = 2;
                s.window = Duration::from_millis(300);
                s.warmup = Duration::from_millis(50);
            }
            "--rounds" => {
                let v = value("--rounds")?;
                rounds = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or(format!("--rounds: not a positive number: {v:?}"))?,
                );
            }
            "--secs" => {
                let v = value("--secs")?;
                secs = Some(
                    v.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite() && *x > 0.0 && *x < 3600.0)
                        .ok_or(format!("--secs: not a positive number of seconds: {v:?}"))?,
                );
            }
            "--slice" => {
                let v = value("--slice")?;
                s.slice = v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (10..=60_000).contains(n))
                    .map(Duration::from_millis)
                    .ok_or(format!("--slice: not a number of ms in 10..=60000: {v:?}"))?;
            }
            "--lg-threads" => {
                let v = value("--lg-threads")?;
                s.lg_threads = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or(format!("--lg-threads: not a number in 1..=64: {v:?}"))?;
            }
            "--point" => {
                let v = value("--point")?;
                s.only.push(match v.as_str() {
                    "pp1" => Point::PingPong(1),
                    "pp50" => Point::PingPong(50),
                    "pp500" => Point::PingPong(500),
                    "bulk" => Point::Bulk,
                    _ => return Err(format!("--point: one of pp1, pp50, pp500, bulk: {v:?}")),
                });
            }
            "--only" => {
                let v = value("--only")?;
                s.server = Some(match v.as_str() {
                    "hio" => Server::Hio,
                    "tokio" => Server::Tokio,
                    _ => return Err(format!("--only: hio or tokio: {v:?}")),
                });
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if let Some(r) = rounds {
        s.rounds = r;
    }
    if let Some(x) = secs {
        s.window = Duration::from_secs_f64(x);
    }
    Ok(s)
}

// ---------------------------------------------------------------- CPU time

/// This thread's id, as named under `/proc/self/task` (Linux only).
fn thread_id() -> Option<u32> {
    // "/proc/thread-self" links to "<pid>/task/<tid>"
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// CPU time (user + system) of one thread of this process so far, in
/// seconds (clock ticks of 1/100 s, Linux's USER_HZ).
fn thread_cpu(tid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // fields after the command name in parentheses: state is field 3,
    // utime 14, stime 15
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// The summed CPU time of these threads (None if any cannot be read).
fn cpu_of(tids: &[u32]) -> Option<f64> {
    tids.iter().map(|t| thread_cpu(*t)).sum()
}

/// Raises the soft open-file limit towards `want` (up to the hard limit):
/// 500 connections take 1000 sockets in this one process, and the usual
/// default soft limit is 1024.
#[cfg(unix)]
fn raise_nofile(want: u64) -> Result<u64, String> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    let current = lim.current.unwrap_or(u64::MAX);
    if current >= want {
        return Ok(current);
    }
    let target = lim.maximum.map_or(want, |max| want.min(max));
    lim.current = Some(target);
    setrlimit(Resource::Nofile, lim).map_err(|e| format!("setrlimit(NOFILE, {target}): {e}"))?;
    Ok(target)
}

#[cfg(not(unix))]
fn raise_nofile(_want: u64) -> Result<u64, String> {
    Ok(u64::MAX)
}

// ----------------------------------------------------------------- servers

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    Hio,
    Tokio,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Hio => "hio",
            Server::Tokio => "tokio",
        }
    }
}

/// A server running in its own thread until stopped.
struct Running {
    addr: SocketAddr,
    tid: Option<u32>,
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<Result<String, String>>,
}

/// Ends the run when the flag is set; looks every 50 ms of tyme, so it is
/// not due in most passes.
struct Halt {
    flag: Arc<AtomicBool>,
    stopper: Stopper,
}

impl Doer for Halt {
    fn name(&self) -> &'static str {
        "halt"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        if self.flag.load(Ordering::Relaxed) {
            self.stopper.stop();
        }
        Ok(Recur::Again(Tock::from_millis(50)))
    }
}

/// Our echo server: what host-examples' echo-server runs (Mode::Ready,
/// 32 KiB rings, the default tock of 1/32 s), plus the halt doer.
fn hio_server(
    ready: &mpsc::Sender<(SocketAddr, Option<u32>)>,
    flag: Arc<AtomicBool>,
) -> Result<String, String> {
    let mut runner = Runner::new()
        .map_err(|e| format!("hio: cannot create the poll: {e}"))?
        .with_mode(Mode::Ready);
    let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    let server: RefCell<TcpServer<RING, RING>> = RefCell::new(
        TcpServer::bind(&runner.io(), any, ServerConfig::default())
            .map_err(|e| format!("hio: cannot listen: {e}"))?,
    );
    let addr = server.borrow().local_addr();
    let mut service = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut halt = Halt {
        flag,
        stopper: runner.stopper(),
    };
    let mut doist: Doist<'_, 3> = Doist::new(DEFAULT_TOCK);
    doist.add(&mut service).map_err(|e| e.to_string())?;
    doist.add(&mut echo).map_err(|e| e.to_string())?;
    doist.add(&mut halt).map_err(|e| e.to_string())?;
    ready
        .send((addr, thread_id()))
        .map_err(|_| "hio: the main thread is gone".to_string())?;
    runner
        .run(&mut doist, None)
        .map_err(|e| format!("hio: the tree failed: {e}"))?;
    drop(doist);
    let st = runner.stats();
    let s = server.borrow();
    if s.accept_errors() > 0 {
        return Err(format!(
            "hio: {} accept errors, the last {:?}",
            s.accept_errors(),
            s.last_accept_error()
        ));
    }
    Ok(format!(
        "{} passes, {} readiness passes, {} waits, {} socket events, {} B echoed",
        st.passes,
        st.ready_passes,
        st.waits,
        st.io_events,
        echo.echoed()
    ))
}

/// The peer: tokio's current_thread runtime, one task per connection that
/// reads up to 32 KiB and writes it back (`write_all`), with Nagle off.
fn tokio_server(
    ready: &mpsc::Sender<(SocketAddr, Option<u32>)>,
    flag: Arc<AtomicBool>,
) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| format!("tokio: cannot build the runtime: {e}"))?;
    rt.block_on(async move {
        let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
        let listener = tokio::net::TcpListener::bind(any)
            .await
            .map_err(|e| format!("tokio: cannot listen: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        ready
            .send((addr, thread_id()))
            .map_err(|_| "tokio: the main thread is gone".to_string())?;
        let mut accepted = 0u64;
        loop {
            let (mut stream, _) = listener
                .accept()
                .await
                .map_err(|e| format!("tokio: accept failed: {e}"))?;
            // the main thread connects once more after setting the flag
            if flag.load(Ordering::Relaxed) {
                return Ok(format!("{accepted} accepted"));
            }
            accepted += 1;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; RING];
                loop {
                    let n = match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let Some(data) = buf.get(..n) else { break };
                    if stream.write_all(data).await.is_err() {
                        break;
                    }
                }
            });
        }
    })
    // dropping the runtime cancels the connection tasks
}

fn start(server: Server) -> Result<Running, String> {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = thread::Builder::new()
        .name(format!("{}-server", server.name()))
        .spawn(move || match server {
            Server::Hio => hio_server(&tx, flag),
            Server::Tokio => tokio_server(&tx, flag),
        })
        .map_err(|e| format!("cannot spawn the server thread: {e}"))?;
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok((addr, tid)) => Ok(Running {
            addr,
            tid,
            stop,
            thread,
        }),
        Err(_) => match thread.join() {
            Ok(Err(e)) => Err(e),
            _ => Err(format!("{} server did not start", server.name())),
        },
    }
}

impl Running {
    fn stop(self) -> Result<String, String> {
        self.stop.store(true, Ordering::Relaxed);
        // wakes the tokio accept loop; the hio halt doer looks by itself
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        match self.thread.join() {
            Ok(r) => r,
            Err(_) => Err("the server thread panicked".into()),
        }
    }
}

// ---------------------------------------------------------- load generator

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Point {
    PingPong(usize),
    Bulk,
}

impl Point {
    fn label(self) -> String {
        match self {
            Point::PingPong(n) => format!("ping-pong 64 B x{n} conns"),
            Point::Bulk => "bulk 64 KiB writes, 1 conn".into(),
        }
    }
    fn unit(self) -> &'static str {
        match self {
            Point::PingPong(_) => "round trips/s",
            Point::Bulk => "MB/s each way",
        }
    }
}

/// What one server's connection tasks share with the main thread.
#[derive(Default)]
struct Shared {
    /// Round trips done, or bytes received back and checked.
    progress: AtomicU64,
    /// Connections established.
    connected: AtomicU64,
    /// This server's slice: its connections send only while it is set.
    active: AtomicBool,
    /// Set at the end of the round: finish the current round trip, close.
    stop: AtomicBool,
    /// Wakes the connections waiting for their slice (or the end).
    wake: tokio::sync::Notify,
}

impl Shared {
    /// Waits until this server's slice (or the end of the round).
    async fn until_active(&self) {
        loop {
            // made before the check, so a wake between the two is not lost
            let woken = self.wake.notified();
            if self.active.load(Ordering::Acquire) || self.stop.load(Ordering::Acquire) {
                return;
            }
            woken.await;
        }
    }

    fn set_active(&self, on: bool) {
        self.active.store(on, Ordering::Release);
        if on {
            self.wake.notify_waiters();
        }
    }

    fn set_stop(&self) {
        self.stop.store(true, Ordering::Release);
        self.wake.notify_waiters();
    }
}

/// One ping-pong connection: write 64 bytes (a counter and the connection
/// number), read 64, compare, until stopped; between round trips it waits
/// while its server's slice is not on.
async fn ping_pong(addr: SocketAddr, index: u64, shared: Arc<Shared>) -> io::Result<()> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    shared.connected.fetch_add(1, Ordering::Relaxed);
    let mut msg = [0u8; MSG];
    let mut back = [0u8; MSG];
    let mut round = 0u64;
    loop {
        shared.until_active().await;
        if shared.stop.load(Ordering::Acquire) {
            return Ok(());
        }
        round += 1;
        for (i, chunk) in msg.chunks_mut(16).enumerate() {
            let word = round ^ index.rotate_left(32) ^ (i as u64);
            for (b, w) in chunk.iter_mut().zip(word.to_le_bytes().iter().cycle()) {
                *b = *w;
            }
        }
        stream.write_all(&msg).await?;
        stream.read_exact(&mut back).await?;
        if back != msg {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("connection {index}: echo {round} differs from what was sent"),
            ));
        }
        shared.progress.fetch_add(1, Ordering::Relaxed);
    }
}

/// The bulk stream: a writer of 64 KiB chunks of the pattern (while its
/// server's slice is on) until stopped, then a half-close; a reader
/// checking every byte until the end of stream. Returns (sent, received).
async fn bulk(addr: SocketAddr, shared: Arc<Shared>) -> io::Result<(u64, u64)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    shared.connected.fetch_add(1, Ordering::Relaxed);
    let (mut rd, mut wr) = stream.into_split();
    // the pattern from any phase 0..PERIOD, CHUNK long
    let pattern: Arc<Vec<u8>> = Arc::new(
        (0..CHUNK + PERIOD)
            .map(|k| u8::try_from(k % PERIOD).unwrap_or(0))
            .collect(),
    );
    let wpattern = pattern.clone();
    let wshared = shared.clone();
    let writer = tokio::spawn(async move {
        let mut sent = 0u64;
        loop {
            wshared.until_active().await;
            if wshared.stop.load(Ordering::Acquire) {
                break;
            }
            let phase = (sent % PERIOD as u64) as usize;
            let chunk = wpattern.get(phase..phase + CHUNK).unwrap_or(&[]);
            wr.write_all(chunk).await?;
            sent += chunk.len() as u64;
        }
        wr.shutdown().await?;
        Ok::<u64, io::Error>(sent)
    });
    let mut buf = vec![0u8; CHUNK];
    let mut received = 0u64;
    loop {
        let n = rd.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let phase = (received % PERIOD as u64) as usize;
        let expected = pattern.get(phase..phase + n);
        if buf.get(..n) != expected {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bulk: bytes at offset {received}.. differ from what was sent"),
            ));
        }
        received += n as u64;
        shared.progress.fetch_add(n as u64, Ordering::Relaxed);
    }
    let sent = writer.await.map_err(io::Error::other)??;
    Ok((sent, received))
}

/// One server's result over a round's slices.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// Round trips per second, or MB/s.
    rate: f64,
    /// Cores the server thread used during its slices.
    server_cpu: Option<f64>,
    /// Cores the load generator's workers used during its slices.
    lg_cpu: Option<f64>,
}

/// One server of a round: its thread, its connections, and its measured
/// slices so far.
struct Side {
    server: Server,
    running: Running,
    shared: Arc<Shared>,
    pings: Vec<tokio::task::JoinHandle<io::Result<()>>>,
    bulk: Option<tokio::task::JoinHandle<io::Result<(u64, u64)>>>,
    done: f64,
    secs: f64,
    server_cpu: Option<f64>,
    lg_cpu: Option<f64>,
}

impl Side {
    fn start(rt: &tokio::runtime::Runtime, server: Server, point: Point) -> Result<Side, String> {
        let running = start(server)?;
        let addr = running.addr;
        let shared = Arc::new(Shared::default());
        let mut pings = Vec::new();
        let mut bulk_task = None;
        match point {
            Point::PingPong(n) => {
                for i in 0..n {
                    pings.push(rt.spawn(ping_pong(addr, i as u64, shared.clone())));
                }
            }
            Point::Bulk => bulk_task = Some(rt.spawn(bulk(addr, shared.clone()))),
        }
        Ok(Side {
            server,
            running,
            shared,
            pings,
            bulk: bulk_task,
            done: 0.0,
            secs: 0.0,
            server_cpu: Some(0.0),
            lg_cpu: Some(0.0),
        })
    }

    /// True once every connection is up, or one of them ended early.
    fn up(&self, conns: usize) -> bool {
        self.shared.connected.load(Ordering::Relaxed) >= conns as u64
            || self.pings.iter().any(|p| p.is_finished())
            || self.bulk.as_ref().is_some_and(|b| b.is_finished())
    }

    /// One slice: this server's connections run for `settle` unmeasured,
    /// then for `window` measured (if `measure`), then pause.
    fn slice(&mut self, lg_tids: &[u32], settle: Duration, window: Duration, measure: bool) {
        self.shared.set_active(true);
        thread::sleep(settle);
        let tid = self.running.tid.map(|t| vec![t]).unwrap_or_default();
        let (c0, l0) = (cpu_of(&tid), cpu_of(lg_tids));
        let p0 = self.shared.progress.load(Ordering::Relaxed);
        let t0 = Instant::now();
        thread::sleep(window);
        let p1 = self.shared.progress.load(Ordering::Relaxed);
        let elapsed = t0.elapsed().as_secs_f64();
        let (c1, l1) = (cpu_of(&tid), cpu_of(lg_tids));
        self.shared.set_active(false);
        if measure {
            self.done += (p1 - p0) as f64;
            self.secs += elapsed;
            let add = |sum: Option<f64>, a: Option<f64>, b: Option<f64>| Some(sum? + b? - a?);
            self.server_cpu = add(self.server_cpu, c0, c1);
            self.lg_cpu = add(self.lg_cpu, l0, l1);
        }
    }

    /// Ends the connections and the server; checks what they saw.
    fn finish(self, rt: &tokio::runtime::Runtime, point: Point) -> Result<Sample, String> {
        let conns = match point {
            Point::PingPong(n) => n,
            Point::Bulk => 1,
        };
        self.shared.set_stop();
        let mut failure = None;
        let connected = self.shared.connected.load(Ordering::Relaxed);
        if connected < conns as u64 {
            failure = Some(format!("only {connected} of {conns} connections came up"));
        }
        for p in self.pings {
            match rt.block_on(p) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failure = failure.or(Some(format!("ping-pong: {e}"))),
                Err(e) => failure = failure.or(Some(format!("ping-pong task: {e}"))),
            }
        }
        if let Some(b) = self.bulk {
            match rt.block_on(b) {
                Ok(Ok((sent, received))) if sent == received => {}
                Ok(Ok((sent, received))) => {
                    failure = failure.or(Some(format!(
                        "bulk: sent {sent} bytes, {received} came back"
                    )));
                }
                Ok(Err(e)) => failure = failure.or(Some(format!("bulk: {e}"))),
                Err(e) => failure = failure.or(Some(format!("bulk task: {e}"))),
            }
        }
        let summary = self.running.stop();
        let name = self.server.name();
        if let Some(f) = failure {
            return Err(format!("{name} {}: {f}", point.label()));
        }
        let summary = summary?;
        if std::env::var_os("ECHO_AB_VERBOSE").is_some() {
            eprintln!("  {name} {}: {summary}", point.label());
        }
        let rate = match point {
            Point::PingPong(_) => self.done / self.secs,
            Point::Bulk => self.done / self.secs / 1e6,
        };
        Ok(Sample {
            rate,
            server_cpu: self.server_cpu.map(|c| c / self.secs),
            lg_cpu: self.lg_cpu.map(|c| c / self.secs),
        })
    }
}

/// One round of a point: both servers up at once with their connections,
/// then slices of `--slice` ms taking turns (A B, B A, A B, ...; the round
/// number flips the first), `--secs` of slices per server. Returns a
/// sample per server, in the order of `servers`.
fn run_round(
    rt: &tokio::runtime::Runtime,
    lg_tids: &[u32],
    servers: &[Server],
    point: Point,
    round: usize,
    s: &Settings,
) -> Result<Vec<Sample>, String> {
    let conns = match point {
        Point::PingPong(n) => n,
        Point::Bulk => 1,
    };
    let mut sides = Vec::new();
    for server in servers {
        sides.push(Side::start(rt, *server, point)?);
    }
    let connect_by = Instant::now() + Duration::from_secs(10);
    while !sides.iter().all(|side| side.up(conns)) && Instant::now() < connect_by {
        thread::sleep(Duration::from_millis(1));
    }
    // settle: how long the slice's connections run before it is measured
    // (the other server's last round trips, or its bulk bytes in flight,
    // are done by then)
    let settle = (s.slice / 5).max(Duration::from_millis(5));
    let window = s.slice.saturating_sub(settle);
    for side in &mut sides {
        side.slice(lg_tids, s.warmup, Duration::ZERO, false);
    }
    let slices = (s.window.as_secs_f64() / window.as_secs_f64())
        .ceil()
        .max(1.0) as usize;
    for k in 0..slices {
        let flip = (k + round) % 2 == 1;
        for j in 0..sides.len() {
            let i = if flip { sides.len() - 1 - j } else { j };
            if let Some(side) = sides.get_mut(i) {
                side.slice(lg_tids, settle, window, true);
            }
        }
    }
    let mut out = Vec::new();
    let mut failure = None;
    for side in sides {
        match side.finish(rt, point) {
            Ok(sample) => out.push(sample),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match (xs.get(n / 2), n.checked_sub(1).and_then(|m| xs.get(m / 2))) {
        (Some(hi), Some(lo)) if n.is_multiple_of(2) => (hi + lo) / 2.0,
        (Some(mid), _) => *mid,
        _ => f64::NAN,
    }
}

fn fmt_num(x: Option<f64>) -> String {
    x.map_or("-".into(), |c| format!("{c:.2}"))
}

fn main() -> ExitCode {
    let settings = match parse(std::env::args().skip(1)) {
        Ok(s) => s,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("echo-ab: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match bench(&settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("echo-ab: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn bench(s: &Settings) -> Result<(), String> {
    let nofile = raise_nofile(4096)?;
    let lg_tids = Arc::new(Mutex::new(Vec::new()));
    let tids = lg_tids.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(s.lg_threads)
        .thread_name("load-gen")
        .enable_io()
        .on_thread_start(move || {
            if let (Some(t), Ok(mut v)) = (thread_id(), tids.lock()) {
                v.push(t);
            }
        })
        .build()
        .map_err(|e| format!("cannot build the load generator's runtime: {e}"))?;
    // the workers start lazily; let them register
    rt.block_on(async {});
    thread::sleep(Duration::from_millis(20));
    let lg_tids: Vec<u32> = lg_tids.lock().map(|v| v.clone()).unwrap_or_default();

    println!(
        "echo-ab: hio-mio echo server (Runner Mode::Ready, tock {} ms, {} KiB rings) vs tokio \
         current_thread echo server ({} KiB reads)",
        DEFAULT_TOCK.as_nanos() as f64 / 1e6,
        RING / 1024,
        RING / 1024
    );
    println!(
        "load generator: tokio multi-thread, {} worker(s); {} round(s) per point, each {:.1} s \
         per server in turns of {} ms, after a warm-up turn of {:.1} s; open-file limit {}",
        s.lg_threads,
        s.rounds,
        s.window.as_secs_f64(),
        s.slice.as_millis(),
        s.warmup.as_secs_f64(),
        nofile
    );
    println!(
        "columns: median rates; ratio: the median over rounds of hio/tokio within a round; \
         server CPU per unit of work (ns per round trip, or us per MB) and its ratio \
         tokio/hio (>1: hio cheaper); cores the load generator used (near its worker count \
         it may be the bottleneck)"
    );
    println!();
    println!(
        "{:<28} {:>10} {:>10} {:>6}  {:>8} {:>8} {:>6}  {:>9}  unit",
        "point", "hio", "tokio", "ratio", "cpu hio", "cpu tok", "ratio", "lg cores"
    );
    let all = [
        Point::PingPong(1),
        Point::PingPong(50),
        Point::PingPong(500),
        Point::Bulk,
    ];
    let points: Vec<Point> = if s.only.is_empty() {
        all.to_vec()
    } else {
        s.only.clone()
    };
    let servers: Vec<Server> = match s.server {
        Some(one) => vec![one],
        None => vec![Server::Hio, Server::Tokio],
    };
    let mut min_ratio = f64::INFINITY;
    for point in points {
        let mut runs: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
        for round in 0..s.rounds {
            let samples = run_round(&rt, &lg_tids, &servers, point, round, s)?;
            for (server, sample) in servers.iter().zip(samples) {
                let i = usize::from(*server == Server::Tokio);
                if let Some(v) = runs.get_mut(i) {
                    v.push(sample);
                }
            }
        }
        let [hio, tokio] = runs;
        let rate = |v: &[Sample]| median(v.iter().map(|x| x.rate).collect());
        // server CPU seconds per unit of work, scaled for printing
        let scale = match point {
            Point::PingPong(_) => 1e9, // ns per round trip
            Point::Bulk => 1e6,        // us per MB
        };
        let cost = |v: &[Sample]| {
            let xs: Option<Vec<f64>> = v
                .iter()
                .map(|x| x.server_cpu.map(|c| c / x.rate * scale))
                .collect();
            xs.filter(|x| !x.is_empty()).map(median)
        };
        let lg = |v: &[Sample]| {
            let xs: Option<Vec<f64>> = v.iter().map(|x| x.lg_cpu).collect();
            xs.filter(|x| !x.is_empty()).map(median)
        };
        let (h, t) = (rate(&hio), rate(&tokio));
        // the ratio of each round's two runs (run back to back, so under
        // about the same load), and their median
        let ratio = median(
            hio.iter()
                .zip(&tokio)
                .map(|(a, b)| a.rate / b.rate)
                .collect(),
        );
        if ratio.is_finite() {
            min_ratio = min_ratio.min(ratio);
        }
        let (ch, ct) = (cost(&hio), cost(&tokio));
        let cpu_ratio = match (ch, ct) {
            (Some(a), Some(b)) => format!("{:.3}", b / a),
            _ => "-".into(),
        };
        println!(
            "{:<28} {:>10.1} {:>10.1} {:>6.3}  {:>8} {:>8} {:>6}  {:>9}  {}",
            point.label(),
            h,
            t,
            ratio,
            fmt_num(ch),
            fmt_num(ct),
            cpu_ratio,
            format!("{}/{}", fmt_num(lg(&hio)), fmt_num(lg(&tokio))),
            point.unit()
        );
        let each = |v: &[Sample]| {
            v.iter()
                .map(|x| format!("{:.0}", x.rate))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "{:<28} runs hio: {}; tokio: {}; ratios per round: {}",
            "",
            each(&hio),
            each(&tokio),
            hio.iter()
                .zip(&tokio)
                .map(|(a, b)| format!("{:.2}", a.rate / b.rate))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let busy = s.lg_threads as f64 * 0.9;
        for (name, v) in [("hio", &hio), ("tokio", &tokio)] {
            if let Some(c) = lg(v).filter(|c| *c >= busy) {
                println!(
                    "{:<28} note: with {name} the load generator used {c:.2} of its {} core(s): \
                     it may be the bottleneck; compare the cpu columns",
                    "", s.lg_threads
                );
            }
        }
    }
    println!("min_ratio={min_ratio:.3}");
    Ok(())
}
