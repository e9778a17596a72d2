//! A UDP echo built from hio doers: an echo peer and a pinger peer, in one
//! process (the default) or apart (`--serve` / `--addr`). The pinger keeps
//! a window of numbered datagrams in flight, checks that every echo comes
//! back whole, in order and from the server, and prints datagrams/s.
//!
//! ```text
//! Runner (mio poll, Mode::Ready)
//!  └─ Doist (tock 1/32 s)
//!      ├─ server  PeerDoer: socket ⇄ rx/tx datagram decks
//!      ├─ echo    rx ▸ tx, back to each sender
//!      ├─ client  PeerDoer
//!      └─ pinger  queues datagrams, checks the echoes, stops the run
//! ```
//!
//! `cargo run -p hio-host-examples --bin udp-echo -- --count 10000 --size 512`
//! `udp-echo --serve 127.0.0.1:7008` and `udp-echo --addr 127.0.0.1:7008`
//!
//! Exits 0 when every echo came back right, 1 otherwise, 2 on a usage
//! error.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::process::ExitCode;

use hio::{DEFAULT_TOCK, Doist, Tock};
use hio_mio::{Mode, PeerDoer, Runner, UdpPeer};

mod dgram;
use dgram::{Echo, MAX, Pinger, QUEUE, echo_in_one_tree, parse_common, report};

const USAGE: &str = concat!(
    "usage: udp-echo [--serve ADDR | --addr ADDR] [--count N] [--size BYTES] [--window N] [--timeout SECS]\n",
    "  (no mode)     server and client in this process, on loopback\n",
    "  --serve ADDR  only the echo server, until SIGINT/SIGTERM\n",
    "  --addr ADDR   only the client, against the server at ADDR\n",
    "  --count N     datagrams to send (default 10000)\n",
    "  --size BYTES  bytes per datagram, 8 to 1472 (default 512)\n",
    "  --window N    datagrams in flight, at most 64 (default 16)\n",
    "  --timeout S   give up after this long (default 60)",
);

fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("udp-echo: {line}");
            ExitCode::SUCCESS
        }
        Err(msg) if msg.starts_with("usage") || msg.is_empty() => {
            if !msg.is_empty() {
                eprintln!("udp-echo: {msg}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(msg) => {
            eprintln!("udp-echo: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn addr(v: &str) -> Result<SocketAddr, String> {
    v.parse()
        .map_err(|_| format!("usage: not an IP address with a port: {v:?}"))
}

fn run() -> Result<String, String> {
    let (common, rest) = parse_common(std::env::args().skip(1), MAX).map_err(|e| {
        if e.is_empty() {
            e
        } else {
            format!("usage: {e}")
        }
    })?;
    let mut runner = Runner::new()
        .map_err(|e| format!("cannot create the poll: {e}"))?
        .with_mode(Mode::Ready);
    let io = runner.io();
    let bind = |a: SocketAddr| -> Result<UdpPeer<QUEUE, MAX>, String> {
        UdpPeer::<QUEUE, MAX>::bind(&io, a).map_err(|e| format!("cannot bind {a}: {e}"))
    };
    let same = |a: &SocketAddr, b: &SocketAddr| a == b;
    match rest.as_slice() {
        [] => {
            let server = RefCell::new(bind(addr("127.0.0.1:0")?)?);
            let client = RefCell::new(bind(addr("127.0.0.1:0")?)?);
            let to = server
                .borrow()
                .local_addr()
                .ok_or("the server has no address")?;
            echo_in_one_tree(&mut runner, &server, &client, to, same, common)
        }
        [(flag, v)] if flag == "--serve" => {
            let server = RefCell::new(bind(addr(v)?)?);
            println!(
                "udp-echo: serving on {:?} until SIGINT/SIGTERM",
                server.borrow().local_addr()
            );
            runner
                .stop_on_signals()
                .map_err(|e| format!("cannot catch signals: {e}"))?;
            let mut serve = PeerDoer::new("server", &server);
            let mut echo = Echo {
                peer: &server,
                echoed: 0,
            };
            let mut doist: Doist<'_, 2> = Doist::new(DEFAULT_TOCK);
            doist.add(&mut serve).map_err(|e| e.to_string())?;
            doist.add(&mut echo).map_err(|e| e.to_string())?;
            let ending = runner.run(&mut doist, None).map_err(|e| e.to_string())?;
            drop(doist);
            Ok(format!("{ending:?}: echoed {} datagrams", echo.echoed))
        }
        [(flag, v)] if flag == "--addr" => {
            let to = addr(v)?;
            let any = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
            let client = RefCell::new(bind(addr(any)?)?);
            let (count, size, window, timeout) = common;
            let mut service = PeerDoer::new("client", &client);
            let mut pinger = Pinger::new(&client, to, same, count, size, window, runner.stopper());
            let ending = {
                let mut doist: Doist<'_, 2> = Doist::new(DEFAULT_TOCK);
                doist.add(&mut service).map_err(|e| e.to_string())?;
                doist.add(&mut pinger).map_err(|e| e.to_string())?;
                runner
                    .run(&mut doist, Some(Tock::from_secs(timeout)))
                    .map_err(|e| e.to_string())?
            };
            report(&pinger, ending, count, size, timeout, &client)
        }
        _ => Err("usage: one of --serve ADDR or --addr ADDR at most".into()),
    }
}
