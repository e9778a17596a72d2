//! The wire log: its format reads back, the TCP taps log every byte, and a
//! run recorded over real loopback sockets replays exactly under the
//! core's simulated driver, without a network.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::cell::RefCell;
use std::net::SocketAddr;

use hio::{Cx, Doer, Doist, Error, Recur, Tock, Tyme};
use hio_mio::wire::{parse_log, read_log};
use hio_mio::{
    ClientConfig, ClientDoer, ClientTap, Dir, EchoServerDoer, Ending, Mode, PeerDoer, Record,
    Runner, ServerConfig, ServerTap, Stopper, TcpClient, TcpServer, UdpPeer, WireLog,
};

fn rec(t: u64, chan: u32, dir: Dir, addr: Option<&str>, data: &[u8], truncated: bool) -> Record {
    Record {
        tyme: Tyme::from_nanos(t),
        chan,
        dir,
        addr: addr.map(str::to_owned),
        data: data.to_vec(),
        truncated,
        kind: None,
    }
}

fn samples() -> Vec<Record> {
    vec![
        rec(0, 0, Dir::Rx, Some("127.0.0.1:9"), b"hello", false),
        rec(31_250_000, 1, Dir::Tx, None, b"", false),
        rec(
            31_250_000,
            1,
            Dir::Rx,
            Some("/tmp/with space%.sock"),
            &[0, 255, 10, 32],
            true,
        ),
        rec(
            u64::MAX,
            u32::MAX,
            Dir::Tx,
            Some("[::1]:65535"),
            &(0..=255).collect::<Vec<u8>>(),
            false,
        ),
    ]
}

#[test]
fn a_log_reads_back_equal_from_memory_and_from_a_file() {
    let mem = WireLog::in_memory();
    let path = std::env::temp_dir().join(format!("hio-wire-{}.log", std::process::id()));
    let file = WireLog::create(&path).unwrap();
    for r in samples() {
        for log in [&mem, &file] {
            log.record(
                r.tyme,
                r.chan,
                r.dir,
                r.addr.as_deref(),
                &r.data,
                r.truncated,
            );
        }
    }
    file.flush().unwrap();
    assert_eq!((mem.len(), mem.write_errors()), (4, (0, None)));
    assert_eq!(mem.records().unwrap().unwrap(), samples());
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(Some(text.clone()), mem.text());
    assert!(
        text.starts_with("# hio wire log 1\n0 0 R 127.0.0.1:9 68656c6c6f\n"),
        "{text}"
    );
    let back = read_log(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
    assert_eq!(back, samples());
    // each record's own line parses back to it too
    for r in samples() {
        let mut line = Vec::new();
        r.write_line(&mut line).unwrap();
        let line = String::from_utf8(line).unwrap();
        assert_eq!(Record::parse_line(line.trim_end(), 1).unwrap(), r);
    }
    std::fs::remove_file(&path).unwrap();
    assert!(parse_log("# hio wire log 1\n\n1 2 T - 0g\n").is_err());
}

/// The application under test: sends `count` pings to `to`, one every
/// third tock, and writes a trace of every echo it receives (tyme,
/// sender, bytes). Done once every echo came back.
struct Pinger<'a> {
    peer: &'a RefCell<UdpPeer>,
    to: SocketAddr,
    count: u32,
    sent: u32,
    got: u32,
    trace: Vec<String>,
    stop: Option<Stopper>,
}

impl Doer for Pinger<'_> {
    fn name(&self) -> &'static str {
        "pinger"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut p = self.peer.borrow_mut();
        let t = cx.tyme().as_nanos() / Tock::from_millis(10).as_nanos();
        if self.sent < self.count && t.is_multiple_of(3) {
            let msg = format!("ping {} at {t}", self.sent);
            if p.send_to(self.to, msg.as_bytes()).is_ok() {
                self.sent += 1;
            }
        }
        while let Some(d) = p.recv() {
            self.got += 1;
            self.trace.push(format!(
                "t={t} from={} {}",
                d.addr,
                String::from_utf8_lossy(&d.data)
            ));
        }
        if self.got == self.count {
            if let Some(s) = &self.stop {
                s.stop();
            }
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    }
}

/// Echoes every datagram back to its sender with the tyme it was seen.
struct Echo<'a> {
    peer: &'a RefCell<UdpPeer>,
}

impl Doer for Echo<'_> {
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut p = self.peer.borrow_mut();
        while !p.tx().is_full() {
            let Some(d) = p.recv() else { break };
            let mut back = d.data.to_vec();
            back.extend_from_slice(format!(" echoed at {}", cx.tyme().as_millis()).as_bytes());
            p.send_to(d.addr, &back)?;
        }
        Ok(Recur::NEXT)
    }
}

/// Runs the pinger and the echo over two peers; returns the trace.
fn ping_tree(
    client: &RefCell<UdpPeer>,
    server: &RefCell<UdpPeer>,
    to: SocketAddr,
    run: impl FnOnce(&mut Doist<'_, 4>),
    stop: Option<Stopper>,
) -> Vec<String> {
    let mut c = PeerDoer::new("client", client);
    let mut s = PeerDoer::new("server", server);
    let mut echo = Echo { peer: server };
    let mut ping = Pinger {
        peer: client,
        to,
        count: 20,
        sent: 0,
        got: 0,
        trace: Vec::new(),
        stop,
    };
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
    doist.add(&mut c).unwrap();
    doist.add(&mut s).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut ping).unwrap();
    run(&mut doist);
    drop(doist);
    assert_eq!(ping.got, 20);
    ping.trace
}

#[test]
fn a_recorded_run_replays_exactly_without_a_network() {
    // record over real loopback sockets, in real time, into a file
    let path = std::env::temp_dir().join(format!("hio-replay-{}.log", std::process::id()));
    let log = WireLog::create(&path).unwrap();
    let mut runner = Runner::new().unwrap().with_mode(Mode::Tock);
    let client: RefCell<UdpPeer> =
        RefCell::new(UdpPeer::bind(&runner.io(), "127.0.0.1:0".parse().unwrap()).unwrap());
    let server: RefCell<UdpPeer> =
        RefCell::new(UdpPeer::bind(&runner.io(), "127.0.0.1:0".parse().unwrap()).unwrap());
    client.borrow_mut().set_log(log.clone(), 1);
    server.borrow_mut().set_log(log.clone(), 2);
    let to = server.borrow().local_addr().unwrap();
    let stop = runner.stopper();
    let recorded = ping_tree(
        &client,
        &server,
        to,
        |d| {
            let end = runner.run(d, Some(Tock::from_secs(10))).unwrap();
            assert_eq!(end, Ending::Stopped);
        },
        Some(stop),
    );
    log.flush().unwrap();
    assert_eq!(log.write_errors().0, 0);
    let records = read_log(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        records.len(),
        80,
        "20 pings and 20 echoes, each sent and received"
    );

    // replay under the simulated driver: no runner, no sockets
    let again = WireLog::in_memory();
    let client: RefCell<UdpPeer> = RefCell::new(UdpPeer::replay(&records, 1).unwrap());
    let server: RefCell<UdpPeer> = RefCell::new(UdpPeer::replay(&records, 2).unwrap());
    client.borrow_mut().set_log(again.clone(), 1);
    server.borrow_mut().set_log(again.clone(), 2);
    let replayed = ping_tree(
        &client,
        &server,
        to,
        |d| {
            d.run(Some(Tock::from_secs(10))).unwrap();
        },
        None,
    );
    assert_eq!(replayed, recorded, "the application saw the same run");
    assert!(client.borrow().replay_done() && server.borrow().replay_done());
    // and the peers moved the same datagrams at the same tymes
    assert_eq!(again.records().unwrap().unwrap(), records);
    println!(
        "replayed {} records; trace:\n{}",
        records.len(),
        recorded.join("\n")
    );
}

#[test]
fn tcp_taps_log_every_byte_both_ways() {
    let log = WireLog::in_memory();
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let server: RefCell<TcpServer> = RefCell::new(
        TcpServer::bind(&io, "127.0.0.1:0".parse().unwrap(), ServerConfig::default()).unwrap(),
    );
    let client: RefCell<TcpClient> = RefCell::new(TcpClient::new(
        &io,
        server.borrow().local_addr(),
        ClientConfig::default(),
    ));
    let msg: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let mut serve = ServerTap::new("server", &server, log.clone(), 100);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut connect = ClientTap::new("client", &client, log.clone(), 1);
    let stop = runner.stopper();
    let (mut queued, mut back) = (0usize, Vec::new());
    let mut app = hio::Doify::new("app", |_cx, _phase| {
        let mut c = client.borrow_mut();
        if c.connected() && queued < msg.len() {
            queued += c.send(&msg[queued..]);
        }
        let rx = c.rx_mut();
        while let Some(b) = rx.pull() {
            back.push(b);
        }
        if back.len() == msg.len() {
            stop.stop();
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut connect).unwrap();
    doist.add(&mut app).unwrap();
    assert_eq!(
        runner.run(&mut doist, Some(Tock::from_secs(10))).unwrap(),
        Ending::Stopped
    );
    drop(doist);
    assert_eq!(back, msg);
    let records = log.records().unwrap().unwrap();
    let joined = |chan: u32, dir: Dir| -> Vec<u8> {
        records
            .iter()
            .filter(|r| r.chan == chan && r.dir == dir)
            .flat_map(|r| r.data.iter().copied())
            .collect()
    };
    assert_eq!(joined(1, Dir::Tx), msg, "client sent");
    assert_eq!(joined(1, Dir::Rx), msg, "client received");
    assert_eq!(joined(100, Dir::Rx), msg, "server received");
    assert_eq!(joined(100, Dir::Tx), msg, "server sent");
    assert!(records.windows(2).all(|w| w[0].tyme <= w[1].tyme));
    let addr = server.borrow().local_addr().to_string();
    assert!(
        records
            .iter()
            .filter(|r| r.chan == 1)
            .all(|r| r.addr.as_deref() == Some(addr.as_str()))
    );
}

/// Streams `total` pattern bytes through the client's tx as fast as the
/// ring takes them, checks what comes back, and traces each pass that
/// moved something. Does not wait for `connected()` (see `Echoer` for an
/// application that does).
struct Streamer<'a> {
    client: &'a RefCell<TcpClient>,
    total: usize,
    queued: usize,
    back: usize,
    wrong: usize,
    trace: Vec<String>,
    stop: Option<Stopper>,
}

fn byte(i: usize) -> u8 {
    (i * 31 + i / 509) as u8
}

impl Doer for Streamer<'_> {
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.borrow_mut();
        let mut got = 0;
        while let Some(b) = c.rx_mut().pull() {
            self.wrong += usize::from(b != byte(self.back));
            self.back += 1;
            got += 1;
        }
        let chunk: Vec<u8> = (self.queued..self.total).take(4096).map(byte).collect();
        let wrote = c.tx_mut().write(&chunk);
        self.queued += wrote;
        if got > 0 || wrote > 0 {
            let t = cx.tyme().as_millis();
            self.trace
                .push(format!("t={t} in={got} out={wrote} tx={}", c.tx().len()));
        }
        if self.back == self.total {
            if let Some(s) = &self.stop {
                s.stop();
            }
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    }
}

/// An echo server and a client for it on loopback, in `runner`'s poll.
fn loopback(runner: &Runner) -> (RefCell<TcpServer>, RefCell<TcpClient>) {
    let io = runner.io();
    let server = TcpServer::bind(&io, "127.0.0.1:0".parse().unwrap(), ServerConfig::default());
    let server = server.unwrap();
    let client = TcpClient::new(&io, server.local_addr(), ClientConfig::default());
    (RefCell::new(server), RefCell::new(client))
}

/// Runs `app` against the echo server in real time until it stops the
/// run, with the server tapped as channels from 100 on and the client as
/// channel 1; returns the log.
fn record_echo<'a>(
    runner: &mut Runner,
    server: &'a RefCell<TcpServer>,
    client: &'a RefCell<TcpClient>,
    app: &'a mut dyn Doer,
) -> WireLog {
    let log = WireLog::in_memory();
    let mut serve = ServerTap::new("server", server, log.clone(), 100);
    let mut echo = EchoServerDoer::new("echo", server);
    let mut connect = ClientTap::new("client", client, log.clone(), 1);
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut connect).unwrap();
    doist.add(app).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(20))).unwrap();
    assert_eq!(end, Ending::Stopped);
    log
}

#[test]
fn a_recorded_tcp_stream_replays_exactly_into_the_rings() {
    const TOTAL: usize = 100_000;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Tock);
    let (server, client) = loopback(&runner);
    let mut app = Streamer {
        client: &client,
        total: TOTAL,
        queued: 0,
        back: 0,
        wrong: 0,
        trace: Vec::new(),
        stop: Some(runner.stopper()),
    };
    let log = record_echo(&mut runner, &server, &client, &mut app);
    assert_eq!((app.back, app.wrong), (TOTAL, 0));
    let recorded = app.trace;
    let records = log.records().unwrap().unwrap();
    let client_records: Vec<Record> = records.iter().filter(|r| r.chan == 1).cloned().collect();

    // replay: the same application on a replaying client, under the
    // simulated driver
    let again = WireLog::in_memory();
    let idle: RefCell<TcpClient> = RefCell::new(TcpClient::replay(&records, 1).unwrap());
    let mut replay = ClientTap::new("client", &idle, again.clone(), 1);
    let mut app = Streamer {
        client: &idle,
        total: TOTAL,
        queued: 0,
        back: 0,
        wrong: 0,
        trace: Vec::new(),
        stop: None,
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
    doist.add(&mut replay).unwrap();
    doist.add(&mut app).unwrap();
    doist.run(Some(Tock::from_secs(20))).unwrap();
    drop(doist);
    assert_eq!((app.back, app.wrong), (TOTAL, 0));
    assert_eq!(app.trace, recorded, "the application saw the same run");
    assert!(idle.borrow().replay_done());
    assert_eq!(idle.borrow().diverged(), 0);
    assert_eq!(again.records().unwrap().unwrap(), client_records);
    // connected once; the tap's exit closed it (which pauses a replay)
    let c = idle.borrow();
    assert!(!c.connected() && c.connects() == 1 && c.local_addr().is_none());
    drop(c);
    println!(
        "tcp replay: {} passes traced, {} client records",
        recorded.len(),
        client_records.len()
    );
}

/// A client application that waits for `connected()`, then sends
/// `count` messages of 100 pattern bytes, one a pass, checks every echoed
/// byte, half-closes after the last and waits for the server to close.
/// Traces every pass in which what it sees changed.
struct Echoer<'a> {
    client: &'a RefCell<TcpClient>,
    count: usize,
    sent: usize,
    back: usize,
    wrong: usize,
    seen: (bool, bool),
    trace: Vec<String>,
    stop: Option<Stopper>,
}

fn echo_byte(i: usize) -> u8 {
    (i * 13 + i / 97) as u8
}

impl Doer for Echoer<'_> {
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.borrow_mut();
        let t = cx.tyme().as_millis();
        let mut got = 0;
        while let Some(b) = c.rx_mut().pull() {
            self.wrong += usize::from(b != echo_byte(self.back));
            self.back += 1;
            got += 1;
        }
        let mut wrote = 0;
        if c.connected() && self.sent < self.count {
            let msg: Vec<u8> = (self.sent * 100..(self.sent + 1) * 100)
                .map(echo_byte)
                .collect();
            if c.tx().capacity() - c.tx().len() >= msg.len() {
                wrote = c.send(&msg);
                self.sent += 1;
                if self.sent == self.count {
                    c.shutdown_write();
                }
            }
        }
        let now = (c.connected(), c.cutoff());
        if now != self.seen || got > 0 || wrote > 0 {
            self.trace.push(format!(
                "t={t} connected={} cutoff={} in={got} out={wrote} back={} wrong={}",
                now.0, now.1, self.back, self.wrong
            ));
            self.seen = now;
        }
        if c.cutoff() && self.back == self.count * 100 {
            if let Some(s) = &self.stop {
                s.stop();
            }
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    }
}

#[test]
fn a_client_that_waits_for_connected_replays_exactly_to_the_close() {
    const COUNT: usize = 30;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Tock);
    let (server, client) = loopback(&runner);
    let echoer = |client, stop| Echoer {
        client,
        count: COUNT,
        sent: 0,
        back: 0,
        wrong: 0,
        seen: (false, false),
        trace: Vec::new(),
        stop,
    };
    let mut app = echoer(&client, Some(runner.stopper()));
    let log = record_echo(&mut runner, &server, &client, &mut app);
    assert_eq!((app.back, app.wrong), (COUNT * 100, 0));
    let recorded = app.trace;
    assert!(
        recorded[0].starts_with("t=0 connected=true"),
        "{recorded:?}"
    );
    assert!(
        recorded.last().unwrap().contains("cutoff=true"),
        "{recorded:?}"
    );
    let records = log.records().unwrap().unwrap();
    let mine: Vec<Record> = records.iter().filter(|r| r.chan == 1).cloned().collect();
    let dirs = |rs: &[Record], d: Dir| rs.iter().filter(|r| r.dir == d).count();
    assert_eq!((dirs(&mine, Dir::Open), dirs(&mine, Dir::Close)), (1, 1));
    assert_eq!(
        mine.last().map(|r| (r.dir, r.kind)),
        Some((Dir::Close, None))
    );
    let (live_sent, live_received) = (client.borrow().sent(), client.borrow().received());

    // replay the log, not the sockets: from its text, under the simulated
    // driver, with the same application and a tap to log the replay
    let records = parse_log(&log.text().unwrap()).unwrap();
    let again = WireLog::in_memory();
    let replayed: RefCell<TcpClient> = RefCell::new(TcpClient::replay(&records, 1).unwrap());
    assert!(!replayed.borrow().connected());
    let mut tap = ClientTap::new("client", &replayed, again.clone(), 1);
    let mut app = echoer(&replayed, None);
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
    doist.add(&mut tap).unwrap();
    doist.add(&mut app).unwrap();
    doist.run(Some(Tock::from_secs(20))).unwrap();
    drop(doist);
    assert_eq!(app.trace, recorded, "the application saw the same run");
    let c = replayed.borrow();
    assert!(c.replay_done() && c.cutoff() && !c.connected());
    assert_eq!((c.diverged(), c.error()), (0, None));
    assert_eq!((c.connects(), c.cutoffs()), (1, 1));
    assert_eq!((c.sent(), c.received()), (live_sent, live_received));
    assert_eq!(
        again.records().unwrap().unwrap(),
        mine,
        "the same log again"
    );
    println!(
        "replayed {} client records; trace:\n{}",
        mine.len(),
        recorded.join("\n")
    );
}

/// The server side's observable trace: every pass in which its remotes
/// (in slot order: id, peer, rings, cut off) changed. Stops the run once
/// `until` remotes were removed.
struct Watch<'a> {
    server: &'a RefCell<TcpServer>,
    last: String,
    trace: Vec<String>,
    until: u64,
    stop: Option<Stopper>,
    /// The clients whose echoes must all have been read before the stop
    /// (cut off, rx empty): the server can remove a remote before its
    /// client has read the last echo (seen under wine).
    clients: &'a [RefCell<TcpClient>],
}

impl Doer for Watch<'_> {
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let s = self.server.borrow();
        let now: Vec<String> = s
            .remotes()
            .map(|r| {
                format!(
                    "{} {} rx={} tx={} in={} out={} cut={}",
                    r.id(),
                    r.peer(),
                    r.rx().len(),
                    r.tx().len(),
                    r.received(),
                    r.sent(),
                    r.cutoff()
                )
            })
            .collect();
        let now = format!(
            "accepted={} removed={} [{}]",
            s.accepted(),
            s.removed(),
            now.join("; ")
        );
        if now != self.last {
            self.trace
                .push(format!("t={} {now}", cx.tyme().as_millis()));
            self.last = now;
        }
        let read_all = self.clients.iter().all(|c| {
            let c = c.borrow();
            c.cutoff() && c.rx().is_empty()
        });
        if s.removed() == self.until
            && read_all
            && let Some(stop) = &self.stop
        {
            stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

/// A client's service that starts connecting only at tyme `at`.
struct Late<'a> {
    client: &'a RefCell<TcpClient>,
    at: Tyme,
    started: bool,
}

impl Doer for Late<'_> {
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.borrow_mut();
        if !self.started && cx.tyme() >= self.at {
            c.connect(cx.tyme())?;
            self.started = true;
        }
        c.service(cx.tyme())?;
        Ok(Recur::NEXT)
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        self.client.borrow_mut().close();
    }
}

#[test]
fn a_recorded_server_replays_its_remotes_exactly() {
    let counts = [5, 12, 20];
    let mut runner = Runner::new().unwrap().with_mode(Mode::Tock);
    let (server, first) = loopback(&runner);
    let addr = server.borrow().local_addr();
    let io = runner.io();
    let more = || RefCell::new(TcpClient::new(&io, addr, ClientConfig::default()));
    let clients = [first, more(), more()];
    let log = WireLog::in_memory();
    let mut serve = ServerTap::new("server", &server, log.clone(), 100);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut watch = Watch {
        server: &server,
        last: String::new(),
        trace: Vec::new(),
        until: 3,
        stop: Some(runner.stopper()),
        clients: &clients,
    };
    // the clients connect at 0, 40 and 90 ms
    let mut services: Vec<Late> = clients
        .iter()
        .zip([0, 40, 90])
        .map(|(client, ms)| Late {
            client,
            at: Tyme::from_millis(ms),
            started: false,
        })
        .collect();
    let mut apps: Vec<Echoer> = clients
        .iter()
        .zip(counts)
        .map(|(client, count)| Echoer {
            client,
            count,
            sent: 0,
            back: 0,
            wrong: 0,
            seen: (false, false),
            trace: Vec::new(),
            stop: None,
        })
        .collect();
    let mut doist: Doist<'_, 9> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut watch).unwrap();
    for (s, a) in services.iter_mut().zip(apps.iter_mut()) {
        doist.add(s).unwrap();
        doist.add(a).unwrap();
    }
    let end = runner.run(&mut doist, Some(Tock::from_secs(20))).unwrap();
    drop(doist);
    assert_eq!(end, Ending::Stopped);
    for (a, count) in apps.iter().zip(counts) {
        assert_eq!((a.back, a.wrong), (count * 100, 0));
    }
    let recorded = watch.trace;
    let echoed = echo.echoed();
    // a tapped server's remotes never loop back: the tap logs what leaves tx
    assert_eq!(server.borrow().looped(), 0);
    let records = log.records().unwrap().unwrap();
    let dirs = |d: Dir| records.iter().filter(|r| r.dir == d).count();
    assert_eq!((dirs(Dir::Open), dirs(Dir::Close)), (3, 3), "{records:#?}");
    let opened: Vec<u64> = records
        .iter()
        .filter(|r| r.dir == Dir::Open)
        .map(|r| r.tyme.as_millis())
        .collect();
    assert!(opened[1] >= 40 && opened[2] >= 90, "{opened:?}");
    let total: usize = counts.iter().map(|c| c * 100).sum();
    let bytes = |d: Dir| -> usize {
        records
            .iter()
            .filter(|r| r.dir == d)
            .map(|r| r.data.len())
            .sum()
    };
    assert_eq!(
        (bytes(Dir::Rx), bytes(Dir::Tx)),
        (total, total),
        "every byte logged"
    );

    // replay the server alone, from the log's text, under the simulated driver
    let records = parse_log(&log.text().unwrap()).unwrap();
    let replayed: RefCell<TcpServer> = RefCell::new(TcpServer::replay(&records, 100).unwrap());
    let again = WireLog::in_memory();
    let mut serve = ServerTap::new("server", &replayed, again.clone(), 100);
    let mut echo = EchoServerDoer::new("echo", &replayed);
    let mut watch = Watch {
        server: &replayed,
        last: String::new(),
        trace: Vec::new(),
        until: 3,
        stop: None,
        clients: &[],
    };
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(10));
    doist.add(&mut serve).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut watch).unwrap();
    doist.run(Some(Tock::from_secs(20))).unwrap();
    drop(doist);
    assert_eq!(watch.trace, recorded, "the server side saw the same run");
    assert_eq!(echo.echoed(), echoed);
    let s = replayed.borrow();
    assert!(s.replay_done());
    assert_eq!((s.diverged(), s.accepted(), s.removed()), (0, 3, 3));
    assert_eq!(
        again.records().unwrap().unwrap(),
        records,
        "the same log again"
    );
    println!(
        "server replay: {} records; trace:\n{}",
        records.len(),
        recorded.join("\n")
    );
}

#[test]
fn a_stream_replay_takes_from_tx_only_what_the_recording_sent() {
    let records = vec![
        rec(0, 1, Dir::Tx, Some("127.0.0.1:9"), b"ab", false),
        rec(10_000_000, 1, Dir::Rx, Some("127.0.0.1:9"), b"xyz", false),
        rec(20_000_000, 1, Dir::Tx, Some("127.0.0.1:9"), b"cd", false),
        rec(20_000_000, 2, Dir::Rx, None, b"other channel", false),
    ];
    for (queued, diverged) in [(&b"abcd"[..], 0), (&b"abXd"[..], 1)] {
        let client: RefCell<TcpClient> = RefCell::new(TcpClient::replay(&records, 1).unwrap());
        let mut replay = ClientDoer::new("replay", &client);
        let seen = RefCell::new(Vec::new());
        let mut app = hio::Doify::new("app", |cx, phase| {
            let mut c = client.borrow_mut();
            if phase == hio::Phase::Enter {
                assert_eq!(c.tx_mut().write(queued), 4);
            } else if phase == hio::Phase::Recur {
                let rx: Vec<u8> = c.rx().iter().collect();
                seen.borrow_mut()
                    .push((cx.tyme().as_millis(), c.tx().len(), rx));
            }
            Ok(Recur::NEXT)
        });
        let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
        doist.add(&mut replay).unwrap();
        doist.add(&mut app).unwrap();
        doist.run(Some(Tock::from_millis(30))).unwrap();
        drop(doist);
        assert_eq!(
            seen.into_inner(),
            [
                (0, 2, vec![]),
                (10, 2, b"xyz".to_vec()),
                (20, 0, b"xyz".to_vec()),
            ]
        );
        let c = client.borrow();
        assert!(c.replay_done() && !c.connected() && !c.cutoff());
        assert_eq!((c.diverged(), c.sent(), c.received()), (diverged, 4, 3));
    }
    // a channel without an address cannot be replayed as a client
    assert_eq!(
        TcpClient::<16, 16>::replay(&records, 2).err(),
        Some(hio_mio::WireLogError::NoAddress(2))
    );
}

#[test]
fn a_datagram_replay_follows_the_recorded_sends_and_errors() {
    let to: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let mut records = vec![
        rec(0, 1, Dir::Tx, Some("127.0.0.1:9"), b"a", false),
        rec(20_000_000, 1, Dir::Error, None, b"", false),
        rec(20_000_000, 1, Dir::Tx, Some("127.0.0.1:9"), b"b", false),
        rec(
            30_000_000,
            1,
            Dir::Dropped,
            Some("127.0.0.1:9"),
            b"c",
            false,
        ),
    ];
    records[1].kind = Some(hio::IoKind::ConnectionRefused);
    records[3].kind = Some(hio::IoKind::NotFound);
    for (third, diverged) in [(&b"c"[..], 0), (&b"z"[..], 1)] {
        let peer: RefCell<UdpPeer> = RefCell::new(UdpPeer::replay(&records, 1).unwrap());
        let log = WireLog::in_memory();
        peer.borrow_mut().set_log(log.clone(), 1);
        let mut service = PeerDoer::new("peer", &peer);
        let seen = RefCell::new(Vec::new());
        let mut app = hio::Doify::new("app", |cx, phase| {
            let mut p = peer.borrow_mut();
            if phase == hio::Phase::Enter {
                for d in [&b"a"[..], b"b", third] {
                    p.send_to(to, d).unwrap();
                }
            } else if phase == hio::Phase::Recur {
                seen.borrow_mut().push((
                    cx.tyme().as_millis(),
                    p.tx().len(),
                    p.sent(),
                    p.failed(),
                    p.refused(),
                    p.error(),
                ));
            }
            Ok(Recur::NEXT)
        });
        let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
        doist.add(&mut service).unwrap();
        doist.add(&mut app).unwrap();
        doist.run(Some(Tock::from_millis(40))).unwrap();
        drop(doist);
        let refused = Some(Error::Io(hio::IoKind::ConnectionRefused));
        let missing = Some(Error::Io(hio::IoKind::NotFound));
        assert_eq!(
            seen.into_inner(),
            [
                (0, 2, 1, 0, 0, None),
                (10, 2, 1, 0, 0, None),
                (20, 1, 2, 0, 1, refused),
                (30, 0, 2, 1, 1, missing),
            ]
        );
        let p = peer.borrow();
        assert!(p.replay_done());
        assert_eq!(p.diverged(), diverged);
        if diverged == 0 {
            assert_eq!(log.records().unwrap().unwrap(), records);
        }
    }
}

#[cfg(unix)]
#[test]
fn a_recorded_unix_run_with_failures_replays_with_the_same_counters() {
    use hio_mio::UnixDgramPeer;
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let (here, missing, stale) = (
        dir.join(format!("hio-rr-{id}-here.sock")),
        dir.join(format!("hio-rr-{id}-missing.sock")),
        dir.join(format!("hio-rr-{id}-stale.sock")),
    );
    for p in [&here, &missing, &stale] {
        let _ = std::fs::remove_file(p);
    }
    drop(std::os::unix::net::UnixDatagram::bind(&stale).unwrap());

    /// Sends to the three paths in turn, and traces what both peers show.
    fn run_app(
        sender: &RefCell<UnixDgramPeer<4, 64>>,
        receiver: &RefCell<UnixDgramPeer<4, 64>>,
        paths: [&std::path::Path; 3],
        run: impl FnOnce(&mut Doist<'_, 3>),
    ) -> Vec<String> {
        let trace = RefCell::new(Vec::new());
        let (mut s, mut r) = (
            PeerDoer::new("sender", sender),
            PeerDoer::new("receiver", receiver),
        );
        let mut n = 0usize;
        let mut app = hio::Doify::new("app", |cx, phase| {
            if phase != hio::Phase::Recur {
                return Ok(Recur::NEXT);
            }
            let mut s = sender.borrow_mut();
            if n < 9
                && s.send_to_path(paths[n % 3], format!("m{n}").as_bytes())
                    .is_ok()
            {
                n += 1;
            }
            let mut line = format!(
                "t={} tx={} sent={} failed={} refused={} error={:?}",
                cx.tyme().as_millis(),
                s.tx().len(),
                s.sent(),
                s.failed(),
                s.refused(),
                s.error()
            );
            while let Some(d) = receiver.borrow_mut().recv() {
                line += &format!(" got {:?} from {:?}", d.data, d.addr.as_pathname());
            }
            trace.borrow_mut().push(line);
            Ok(Recur::NEXT)
        });
        let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(10));
        doist.add(&mut s).unwrap();
        doist.add(&mut r).unwrap();
        doist.add(&mut app).unwrap();
        run(&mut doist);
        drop(doist);
        trace.into_inner()
    }

    let log = WireLog::in_memory();
    let mut runner = Runner::new().unwrap();
    let sender: RefCell<UnixDgramPeer<4, 64>> =
        RefCell::new(UnixDgramPeer::unbound(&runner.io()).unwrap());
    let receiver: RefCell<UnixDgramPeer<4, 64>> =
        RefCell::new(UnixDgramPeer::bind(&runner.io(), &here).unwrap());
    sender.borrow_mut().set_log(log.clone(), 1);
    receiver.borrow_mut().set_log(log.clone(), 2);
    let paths = [here.as_path(), missing.as_path(), stale.as_path()];
    let recorded = run_app(&sender, &receiver, paths, |d| {
        runner.run(d, Some(Tock::from_millis(200))).unwrap();
    });
    {
        let s = sender.borrow();
        assert_eq!((s.sent(), s.failed(), s.refused()), (3, 6, 3), "{s:?}");
    }
    let records = log.records().unwrap().unwrap();
    assert!(records.iter().any(|r| r.dir == Dir::Dropped));
    assert!(records.iter().any(|r| r.dir == Dir::Error));

    let again = WireLog::in_memory();
    let sender: RefCell<UnixDgramPeer<4, 64>> =
        RefCell::new(UnixDgramPeer::replay(&records, 1).unwrap());
    let receiver: RefCell<UnixDgramPeer<4, 64>> =
        RefCell::new(UnixDgramPeer::replay(&records, 2).unwrap());
    sender.borrow_mut().set_log(again.clone(), 1);
    receiver.borrow_mut().set_log(again.clone(), 2);
    let replayed = run_app(&sender, &receiver, paths, |d| {
        d.run(Some(Tock::from_millis(200))).unwrap();
    });
    assert_eq!(replayed, recorded);
    assert_eq!(again.records().unwrap().unwrap(), records);
    assert_eq!(sender.borrow().diverged(), 0);
    for p in [&here, &stale] {
        std::fs::remove_file(p).unwrap();
    }
}
