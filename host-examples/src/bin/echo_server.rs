//! A TCP echo server built from hio doers, running until SIGINT or SIGTERM.
//!
//! ```text
//! Runner (mio poll, Mode::Ready; SIGINT/SIGTERM close the tree)
//!  └─ Doist (tock 1/32 s)
//!      ├─ server   ServerDoer: accepts (at most --max-conns), moves bytes
//!      │           between every socket and its rx/tx rings
//!      ├─ echo     EchoServerDoer: each remote's rx ▸ its tx
//!      └─ report   one line every 5 s while something changed
//! ```
//!
//! `cargo run -p hio-host-examples --bin echo-server -- --addr 127.0.0.1:7007 [--max-conns N]`
//!
//! It prints `listening on ADDR` when ready (port 0 picks one) and, on a
//! signal, closes every connection and the listener, prints what it did and
//! exits 0. Usage errors exit 2; a failure (address in use, ...) exits 1.

use std::cell::RefCell;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use hio::{Cx, DEFAULT_TOCK, Doer, Doist, Error, Recur, Tock};
use hio_mio::{EchoServerDoer, Ending, Mode, Runner, ServerConfig, ServerDoer, TcpServer};

const USAGE: &str = concat!(
    "usage: echo-server --addr HOST:PORT [--max-conns N]\n",
    "  --addr HOST:PORT  address to listen on (port 0 picks a free port)\n",
    "  --max-conns N     at most N connections at once; more are refused (default 1024)",
);

/// Ring sizes per connection.
const RING: usize = 32 * 1024;

struct Args {
    addr: SocketAddr,
    max_conns: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut addr = None;
    let mut max_conns = 1024;
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--addr" => {
                let v = value("--addr")?;
                addr = Some(
                    v.parse::<SocketAddr>()
                        .map_err(|_| format!("--addr: not an IP address with a port: {v:?}"))?,
                );
            }
            "--max-conns" => {
                let v = value("--max-conns")?;
                max_conns = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("--max-conns: not a positive number: {v:?}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        addr: addr.ok_or("--addr is required")?,
        max_conns,
    })
}

/// Prints a line every 5 s while the server's counters change.
struct Report<'a> {
    server: &'a RefCell<TcpServer<RING, RING>>,
    last: (u64, u64, u64),
}

impl Doer for Report<'_> {
    fn name(&self) -> &'static str {
        "report"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let s = self.server.try_borrow().map_err(|_| Error::Misuse)?;
        let now = (s.accepted(), s.refused(), s.removed());
        if now != self.last {
            self.last = now;
            println!(
                "[{}] connections: {} open, {} accepted, {} refused, {} closed",
                cx.tyme(),
                s.len(),
                now.0,
                now.1,
                now.2
            );
        }
        Ok(Recur::Again(Tock::from_secs(5)))
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("echo-server: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("echo-server: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &Args) -> Result<(), String> {
    let mut runner = Runner::new()
        .map_err(|e| format!("cannot create the poll: {e}"))?
        .with_mode(Mode::Ready);
    runner
        .stop_on_signals()
        .map_err(|e| format!("cannot handle signals: {e}"))?;
    let config = ServerConfig {
        max_conns: args.max_conns,
        ..ServerConfig::default()
    };
    let server: RefCell<TcpServer<RING, RING>> = RefCell::new(
        TcpServer::bind(&runner.io(), args.addr, config)
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?,
    );
    println!("listening on {}", server.borrow().local_addr());
    let _ = std::io::stdout().flush();

    let mut service = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut report = Report {
        server: &server,
        last: (0, 0, 0),
    };
    let mut doist: Doist<'_, 3> = Doist::new(DEFAULT_TOCK);
    doist.add(&mut service).map_err(|e| e.to_string())?;
    doist.add(&mut echo).map_err(|e| e.to_string())?;
    doist.add(&mut report).map_err(|e| e.to_string())?;
    let ending = runner.run(&mut doist, None).map_err(|e| e.to_string())?;
    drop(doist);
    let s = server.borrow();
    println!(
        "stopped ({ending:?}): {} accepted, {} refused, {} bytes echoed",
        s.accepted(),
        s.refused(),
        echo.echoed()
    );
    let st = runner.stats();
    println!(
        "runner: {} passes, {} readiness passes, {} waits, {} socket events",
        st.passes, st.ready_passes, st.waits, st.io_events
    );
    match ending {
        Ending::Signal | Ending::Stopped | Ending::Done | Ending::Limit => Ok(()),
    }
}
