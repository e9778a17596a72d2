//! A Unix datagram echo built from hio doers: an echo peer bound to one
//! path and a pinger peer bound to another, in one process and one tree.
//! The pinger keeps a window of numbered datagrams in flight, checks that
//! every echo comes back whole, in order and from the server's path, and
//! prints datagrams/s. Unix only: elsewhere it says so and exits 0.
//!
//! `cargo run -p hio-host-examples --bin unix-dgram-echo -- --count 10000 --size 512`
//!
//! Exits 0 when every echo came back right, 1 otherwise, 2 on a usage
//! error.

use std::process::ExitCode;

#[cfg(unix)]
mod dgram;

const USAGE: &str = concat!(
    "usage: unix-dgram-echo [--count N] [--size BYTES] [--window N] [--timeout SECS]\n",
    "  --count N     datagrams to send (default 10000)\n",
    "  --size BYTES  bytes per datagram, 8 to 1472 (default 512)\n",
    "  --window N    datagrams in flight, at most 64 (default 16)\n",
    "  --timeout S   give up after this long (default 60)",
);

#[cfg(not(unix))]
fn main() -> ExitCode {
    println!("unix-dgram-echo: Unix only (Unix datagram sockets); nothing to do here");
    let _ = USAGE;
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn main() -> ExitCode {
    match run() {
        Ok(line) => {
            println!("unix-dgram-echo: {line}");
            ExitCode::SUCCESS
        }
        Err(msg) if msg.is_empty() || msg.starts_with("usage") => {
            if !msg.is_empty() {
                eprintln!("unix-dgram-echo: {msg}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(msg) => {
            eprintln!("unix-dgram-echo: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(unix)]
fn run() -> Result<String, String> {
    use std::cell::RefCell;
    use std::os::unix::net::SocketAddr;

    use dgram::{MAX, QUEUE, echo_in_one_tree, parse_common};
    use hio_mio::{Runner, UnixDgramPeer};

    let (common, rest) = parse_common(std::env::args().skip(1), MAX).map_err(|e| {
        if e.is_empty() {
            e
        } else {
            format!("usage: {e}")
        }
    })?;
    if let Some((flag, _)) = rest.first() {
        return Err(format!("usage: unknown argument {flag:?}"));
    }
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let (ps, pc) = (
        dir.join(format!("hio-echo-{id}-server.sock")),
        dir.join(format!("hio-echo-{id}-client.sock")),
    );
    let mut runner = Runner::new().map_err(|e| format!("cannot create the poll: {e}"))?;
    let io = runner.io();
    let bind = |p: &std::path::Path| {
        let _ = std::fs::remove_file(p);
        UnixDgramPeer::<QUEUE, MAX>::bind(&io, p)
            .map_err(|e| format!("cannot bind {}: {e}", p.display()))
    };
    let result = (|| {
        let server = RefCell::new(bind(&ps)?);
        let client = RefCell::new(bind(&pc)?);
        let to = SocketAddr::from_pathname(&ps).map_err(|e| e.to_string())?;
        let same = |a: &SocketAddr, b: &SocketAddr| a.as_pathname() == b.as_pathname();
        echo_in_one_tree(&mut runner, &server, &client, to, same, common)
    })();
    let _ = std::fs::remove_file(&ps);
    let _ = std::fs::remove_file(&pc);
    result
}
