//! A TCP echo client built from hio doers: sends `--count` messages of
//! `--size` bytes one after the other, checks every byte that comes back,
//! and prints round trips per second.
//!
//! ```text
//! Runner (mio poll, Mode::Ready)
//!  └─ Doist (tock 1/32 s)
//!      ├─ client   ClientDoer: connects, moves bytes between the socket
//!      │           and the rx/tx rings
//!      └─ pinger   writes a message into tx, checks the echo from rx,
//!                  then the next one; stops the run after the last
//! ```
//!
//! `cargo run -p hio-host-examples --bin echo-client -- --addr 127.0.0.1:7007 --count 10000 --size 64`
//!
//! Exits 0 when every byte came back as sent, 1 on a wrong byte, a lost
//! connection or a failure to connect, 2 on a usage error.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use hio::{Cx, DEFAULT_TOCK, Doer, Doist, Error, IoKind, Recur, Tock};
use hio_mio::{ClientConfig, ClientDoer, Ending, Mode, Runner, Stopper, TcpClient};

const USAGE: &str = concat!(
    "usage: echo-client --addr HOST:PORT --count N --size BYTES [--timeout SECS]\n",
    "  --addr HOST:PORT  the echo server\n",
    "  --count N         messages to send, one round trip each (N > 0)\n",
    "  --size BYTES      bytes per message (> 0; larger than the rings streams through them)\n",
    "  --timeout SECS    give up after this long (default 60)",
);

/// Ring sizes of the connection.
const RING: usize = 64 * 1024;

struct Args {
    addr: SocketAddr,
    count: u64,
    size: u64,
    timeout: u64,
}

fn number(flag: &str, v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(format!("{flag}: not a positive number: {v:?}"))
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut addr, mut count, mut size, mut timeout) = (None, None, None, 60);
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
            "--count" => count = Some(number("--count", &value("--count")?)?),
            "--size" => size = Some(number("--size", &value("--size")?)?),
            "--timeout" => timeout = number("--timeout", &value("--timeout")?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        addr: addr.ok_or("--addr is required")?,
        count: count.ok_or("--count is required")?,
        size: size.ok_or("--size is required")?,
        timeout,
    })
}

/// The byte at offset `i` of the whole stream of messages.
fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8 ^ (i as u8)
}

/// Sends message after message, checking each echo before the next.
struct Pinger<'a> {
    client: &'a RefCell<TcpClient<RING, RING>>,
    size: u64,
    count: u64,
    /// Round trips completed.
    done: u64,
    /// Bytes of the current message written into tx / checked from rx.
    sent: u64,
    got: u64,
    /// The first wrong byte: (stream offset, expected, got).
    wrong: Option<(u64, u8, u8)>,
    /// The server closed before the end.
    lost: bool,
    started: Option<Instant>,
    stop: Stopper,
}

impl Doer for Pinger<'_> {
    fn name(&self) -> &'static str {
        "pinger"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if c.connected() && self.started.is_none() {
            self.started = Some(Instant::now());
        }
        // check what came back (of the message in flight)
        let base = self.done * self.size;
        loop {
            let data = c.rx().readable();
            if data.is_empty() || self.got == self.size {
                break;
            }
            let n = data
                .len()
                .min(usize::try_from(self.size - self.got).unwrap_or(usize::MAX));
            for (k, &b) in data.iter().take(n).enumerate() {
                let at = base + self.got + k as u64;
                if b != pattern(at) && self.wrong.is_none() {
                    self.wrong = Some((at, pattern(at), b));
                }
            }
            c.rx_mut().consume(n);
            self.got += n as u64;
        }
        if self.wrong.is_some() {
            self.stop.stop();
            return Ok(Recur::NEXT);
        }
        if self.got == self.size {
            self.done += 1;
            self.sent = 0;
            self.got = 0;
            if self.done == self.count {
                self.stop.stop();
                return Ok(Recur::NEXT);
            }
        } else if c.cutoff() {
            self.lost = true;
            self.stop.stop();
            return Ok(Recur::NEXT);
        }
        // then write what fits of the message in flight (in the same step
        // as its echo completed, so the follow-up pass sends it at once)
        let base = self.done * self.size;
        while self.sent < self.size && c.connected() {
            let slot = c.tx_mut().writable();
            let n = slot
                .len()
                .min(usize::try_from(self.size - self.sent).unwrap_or(usize::MAX));
            if n == 0 {
                break;
            }
            for (k, b) in slot.iter_mut().take(n).enumerate() {
                *b = pattern(base + self.sent + k as u64);
            }
            c.tx_mut().commit(n);
            self.sent += n as u64;
        }
        Ok(Recur::NEXT)
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("echo-client: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match ping(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("echo-client: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn ping(args: &Args) -> Result<(), String> {
    let mut runner = Runner::new()
        .map_err(|e| format!("cannot create the poll: {e}"))?
        .with_mode(Mode::Ready);
    // a signal ends the run early (and reports a partial result)
    let _ = runner.stop_on_signals();
    let config = ClientConfig {
        connect_timeout: Tock::from_secs(5),
        ..ClientConfig::default()
    };
    let client: RefCell<TcpClient<RING, RING>> =
        RefCell::new(TcpClient::new(&runner.io(), args.addr, config));
    let mut service = ClientDoer::new("client", &client);
    let mut pinger = Pinger {
        client: &client,
        size: args.size,
        count: args.count,
        done: 0,
        sent: 0,
        got: 0,
        wrong: None,
        lost: false,
        started: None,
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 2> = Doist::new(DEFAULT_TOCK);
    doist.add(&mut service).map_err(|e| e.to_string())?;
    doist.add(&mut pinger).map_err(|e| e.to_string())?;
    let ending = runner.run(&mut doist, Some(Tock::from_secs(args.timeout)));
    drop(doist);
    let ending = match ending {
        Ok(e) => e,
        Err(Error::Io(IoKind::ConnectionRefused)) => {
            return Err(format!(
                "cannot connect to {}: connection refused",
                args.addr
            ));
        }
        Err(Error::Io(IoKind::TimedOut)) => {
            return Err(format!("cannot connect to {}: timed out", args.addr));
        }
        Err(e) => return Err(format!("{}: {e}", args.addr)),
    };
    let secs = pinger
        .started
        .map(|s| s.elapsed().as_secs_f64())
        .unwrap_or(0.0)
        .max(1e-9);
    let bytes = pinger.done * args.size;
    println!(
        "{} round trips of {} bytes in {secs:.3} s: {:.0} round trips/s, {:.1} MB/s each way",
        pinger.done,
        args.size,
        pinger.done as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    let st = runner.stats();
    println!(
        "runner: {} passes, {} readiness passes, {} waits, {} socket events",
        st.passes, st.ready_passes, st.waits, st.io_events
    );
    if let Some((at, want, got)) = pinger.wrong {
        return Err(format!(
            "wrong byte at offset {at}: sent {want:#04x}, got back {got:#04x}"
        ));
    }
    if pinger.lost {
        return Err(format!(
            "the server closed the connection after {} of {} round trips{}",
            pinger.done,
            args.count,
            client
                .borrow()
                .error()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    match ending {
        Ending::Stopped if pinger.done == args.count => Ok(()),
        Ending::Signal => Err(format!(
            "interrupted after {} of {} round trips",
            pinger.done, args.count
        )),
        _ => Err(format!(
            "gave up after {} s: {} of {} round trips",
            args.timeout, pinger.done, args.count
        )),
    }
}
