//! The datagram echo shared by `udp-echo` and `unix-dgram-echo`: an echo
//! doer, a pinger doer that keeps a window of datagrams in flight and
//! checks every echo, and the run that reports datagrams per second. Works
//! for any [`DgramSocket`] (UDP, Unix datagrams).

use std::cell::RefCell;
use std::time::Instant;

use hio::{Cx, DEFAULT_TOCK, Doer, Doist, Error, Recur, Tock};
use hio_mio::{DgramPeer, DgramSocket, Ending, Mode, PeerDoer, Runner, Stopper};

/// Datagrams in each queue.
pub const QUEUE: usize = 64;
/// The largest datagram.
pub const MAX: usize = 1472;

/// A peer of the examples.
pub type Peer<S> = DgramPeer<S, QUEUE, MAX>;

/// The datagram number `seq` of `size` bytes: the number in its first 8
/// bytes, then a pattern that depends on both.
pub fn payload(seq: u64, size: usize, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&seq.to_le_bytes());
    let mut x = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(x as u8);
    }
    out.truncate(size);
}

/// Sends every datagram it receives back to its sender.
pub struct Echo<'a, S: DgramSocket> {
    /// The peer it answers on.
    pub peer: &'a RefCell<Peer<S>>,
    /// Datagrams echoed.
    pub echoed: u64,
}

impl<S: DgramSocket> Doer for Echo<'_, S> {
    fn name(&self) -> &'static str {
        "echo"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut p = self.peer.try_borrow_mut().map_err(|_| Error::Misuse)?;
        // only what fits in tx: the rest waits in rx (back pressure)
        while !p.tx().is_full() {
            let Some(d) = p.recv() else { break };
            p.send_to(d.addr, &d.data)?;
            self.echoed += 1;
        }
        Ok(Recur::NEXT)
    }
}

/// Sends `count` datagrams of `size` bytes to `to`, at most `window` in
/// flight, and checks that each comes back whole, in order, from `to`.
pub struct Pinger<'a, S: DgramSocket> {
    peer: &'a RefCell<Peer<S>>,
    to: S::Addr,
    same: fn(&S::Addr, &S::Addr) -> bool,
    count: u64,
    size: usize,
    window: u64,
    sent: u64,
    /// Echoes checked.
    pub checked: u64,
    /// The first wrong echo, described.
    pub wrong: Option<String>,
    buf: Vec<u8>,
    stop: Stopper,
    /// When the first datagram was queued.
    pub started: Option<Instant>,
}

impl<'a, S: DgramSocket> Pinger<'a, S> {
    /// A pinger on `peer` for `to` (`same` compares addresses).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        peer: &'a RefCell<Peer<S>>,
        to: S::Addr,
        same: fn(&S::Addr, &S::Addr) -> bool,
        count: u64,
        size: usize,
        window: u64,
        stop: Stopper,
    ) -> Self {
        Pinger {
            peer,
            to,
            same,
            count,
            size,
            window,
            sent: 0,
            checked: 0,
            wrong: None,
            buf: Vec::with_capacity(size),
            stop,
            started: None,
        }
    }
}

impl<S: DgramSocket> Doer for Pinger<'_, S> {
    fn name(&self) -> &'static str {
        "pinger"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut p = self.peer.try_borrow_mut().map_err(|_| Error::Misuse)?;
        while let Some(d) = p.recv() {
            payload(self.checked, self.size, &mut self.buf);
            if d.data.as_slice() != self.buf.as_slice() || d.truncated {
                let got = d
                    .data
                    .get(..8)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_le_bytes);
                self.wrong = Some(format!(
                    "echo {} wrong: {} bytes, numbered {got:?}",
                    self.checked,
                    d.data.len()
                ));
            } else if !(self.same)(&d.addr, &self.to) {
                self.wrong = Some(format!("echo {} from {:?}", self.checked, d.addr));
            }
            if self.wrong.is_some() {
                self.stop.stop();
                return Ok(Recur::NEXT);
            }
            self.checked += 1;
        }
        if self.checked == self.count {
            self.stop.stop();
            return Ok(Recur::NEXT);
        }
        if self.started.is_none() {
            self.started = Some(Instant::now());
        }
        while self.sent < self.count && self.sent - self.checked < self.window {
            payload(self.sent, self.size, &mut self.buf);
            if p.send_to(self.to.clone(), &self.buf).is_err() {
                break; // tx full: next pass
            }
            self.sent += 1;
        }
        Ok(Recur::NEXT)
    }
}

/// Runs an echo peer and a pinger peer in one tree until every echo came
/// back (or `timeout` seconds). Returns the line to print, or what went
/// wrong.
pub fn echo_in_one_tree<S: DgramSocket>(
    runner: &mut Runner,
    server: &RefCell<Peer<S>>,
    client: &RefCell<Peer<S>>,
    to: S::Addr,
    same: fn(&S::Addr, &S::Addr) -> bool,
    (count, size, window, timeout): Common,
) -> Result<String, String> {
    let mut serve = PeerDoer::new("server", server);
    let mut echo = Echo {
        peer: server,
        echoed: 0,
    };
    let mut service = PeerDoer::new("client", client);
    let mut pinger = Pinger::new(client, to, same, count, size, window, runner.stopper());
    let ending = {
        let mut doist: Doist<'_, 4> = Doist::new(DEFAULT_TOCK);
        doist.add(&mut serve).map_err(|e| e.to_string())?;
        doist.add(&mut echo).map_err(|e| e.to_string())?;
        doist.add(&mut service).map_err(|e| e.to_string())?;
        doist.add(&mut pinger).map_err(|e| e.to_string())?;
        runner.set_mode(Mode::Ready);
        runner
            .run(&mut doist, Some(Tock::from_secs(timeout)))
            .map_err(|e| e.to_string())?
    };
    report(&pinger, ending, count, size, timeout, client)
}

/// The final line of a pinger's run, or what went wrong.
pub fn report<S: DgramSocket>(
    pinger: &Pinger<'_, S>,
    ending: Ending,
    count: u64,
    size: usize,
    timeout: u64,
    client: &RefCell<Peer<S>>,
) -> Result<String, String> {
    if let Some(w) = &pinger.wrong {
        return Err(w.clone());
    }
    if pinger.checked != count {
        let c = client.borrow();
        return Err(format!(
            "{:?} after {} of {count} echoes (timeout {timeout} s; peer error {:?}, failed sends {})",
            ending,
            pinger.checked,
            c.error(),
            c.failed()
        ));
    }
    let secs = pinger
        .started
        .map(|s| s.elapsed().as_secs_f64())
        .unwrap_or(0.0)
        .max(1e-9);
    Ok(format!(
        "{count} datagrams of {size} bytes echoed and checked in {secs:.3} s: {:.0} datagrams/s",
        count as f64 / secs
    ))
}

/// `(count, size, window, timeout)` of a run.
pub type Common = (u64, usize, u64, u64);

/// Parses `--count`, `--size`, `--window`, `--timeout` (and returns the
/// other flags with their values).
pub fn parse_common(
    args: impl Iterator<Item = String>,
    max_size: usize,
) -> Result<(Common, Vec<(String, String)>), String> {
    let (mut count, mut size, mut window, mut timeout) = (10_000u64, 512usize, 16u64, 60u64);
    let mut rest = Vec::new();
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let v = args.next().ok_or(format!("{flag} needs a value"))?;
        let n = || {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{flag}: not a positive number: {v:?}"))
        };
        match flag.as_str() {
            "--count" => count = n()?,
            "--size" => {
                size = usize::try_from(n()?).unwrap_or(usize::MAX);
                if !(8..=max_size).contains(&size) {
                    return Err(format!("--size must be 8 to {max_size}"));
                }
            }
            "--window" => window = n()?.min(QUEUE as u64),
            "--timeout" => timeout = n()?,
            _ => rest.push((flag, v)),
        }
    }
    Ok(((count, size, window, timeout), rest))
}
