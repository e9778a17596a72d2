//! The wire log (hio's `WireLog`): every byte received and sent, per
//! channel, with its tyme and direction, in a line format that reads back;
//! and the taps that feed it from the TCP devices.
//!
//! ## The format (version 1)
//!
//! UTF-8 text, one record per line, fields separated by one space:
//!
//! ```text
//! # hio wire log 1
//! <tyme> <chan> <dir> <addr> <bytes>
//! 31250000 1 R 127.0.0.1:40000 68656c6c6f
//! 31250000 1 T 127.0.0.1:40000 68656c6c6f
//! ```
//!
//! * `tyme`: the doist tyme of the service that moved the bytes, in
//!   integer nanoseconds ([`hio::Tyme::as_nanos`]).
//! * `chan`: the channel, a `u32` the application chose for the peer or
//!   connection ([`DgramPeer::set_log`](crate::DgramPeer::set_log),
//!   [`ClientTap`], [`ServerTap`]).
//! * `dir`: `R` received, `T` sent, `R~` received but truncated to the
//!   peer's datagram size (what was kept is logged); for datagram peers
//!   also `X`, a datagram the OS refused to send (dropped from `tx`), and
//!   `E`, an error the socket reported by itself (the ICMP "port
//!   unreachable" of an earlier datagram), with no bytes.
//! * `addr`: the other end (sender of `R`, destination of `T`; for TCP the
//!   connection's peer), or `-` when there is none (a connected datagram
//!   socket's send, an unbound Unix sender). Bytes outside `!`..`~` and
//!   `%` itself are written `%XX`, so an address never holds a space.
//! * `bytes`: lowercase hex, or `-` for none (an empty datagram).
//! * `X` and `E` records have a sixth field, the error's kind: the name
//!   of its [`hio::IoKind`] (`ConnectionRefused`, `NotFound`, ...).
//!
//! For a datagram peer one record is one datagram (its boundaries are
//! kept); for TCP one record is what one service moved in one direction
//! (a stream has no boundaries to keep). Lines starting with `#` and empty
//! lines are ignored when read. Records are in the order they were made,
//! so tymes never decrease.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufWriter, Write};
use std::path::Path;
use std::rc::Rc;

use hio::{Cx, Doer, Done, Error, IoKind, Recur, Tyme};

use crate::tcp::{ClientDoer, RemoteId, ServerDoer, TcpClient, TcpServer};

/// The first line of every log.
pub const HEADER: &str = "# hio wire log 1";

/// A direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Received.
    Rx,
    /// Sent.
    Tx,
    /// A datagram the OS refused to send: dropped from `tx` and counted
    /// as failed (`X`, with the error's kind).
    Dropped,
    /// An error the socket reported by itself, not tied to a datagram of
    /// this direction (`E`, with its kind, no bytes).
    Error,
}

/// One record of a wire log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// When the bytes moved (doist tyme of the service).
    pub tyme: Tyme,
    /// The channel (the peer or connection).
    pub chan: u32,
    /// Received or sent.
    pub dir: Dir,
    /// The other end, as text (`None`: none or unnamed).
    pub addr: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
    /// Received truncated (only for datagrams).
    pub truncated: bool,
    /// The error's kind ([`Dir::Dropped`] and [`Dir::Error`] only).
    pub kind: Option<IoKind>,
}

impl Record {
    /// Writes the record as one line (with its newline).
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn write_line(&self, w: &mut dyn Write) -> io::Result<()> {
        Line {
            tyme: self.tyme,
            chan: self.chan,
            dir: self.dir,
            addr: self.addr.as_deref(),
            data: &self.data,
            truncated: self.truncated,
            kind: self.kind,
        }
        .write(w)
    }

    /// Parses one line (without its newline).
    ///
    /// # Errors
    ///
    /// [`WireLogError::Syntax`] naming line `number` and what is wrong.
    pub fn parse_line(line: &str, number: usize) -> Result<Record, WireLogError> {
        let bad = |what| WireLogError::Syntax { line: number, what };
        let mut f = line.split(' ');
        let tyme = f
            .next()
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or(bad("tyme"))?;
        let chan = f
            .next()
            .and_then(|c| c.parse::<u32>().ok())
            .ok_or(bad("channel"))?;
        let (dir, truncated) = match f.next() {
            Some("R") => (Dir::Rx, false),
            Some("R~") => (Dir::Rx, true),
            Some("T") => (Dir::Tx, false),
            Some("X") => (Dir::Dropped, false),
            Some("E") => (Dir::Error, false),
            _ => return Err(bad("direction")),
        };
        let addr = match f.next() {
            Some("-") => None,
            Some(a) => Some(unescape(a).ok_or(bad("address"))?),
            None => return Err(bad("address")),
        };
        let data = match f.next() {
            Some("-") => Vec::new(),
            Some(h) => unhex(h).ok_or(bad("bytes"))?,
            None => return Err(bad("bytes")),
        };
        let kind = match dir {
            Dir::Dropped | Dir::Error => {
                Some(f.next().and_then(kind_from_name).ok_or(bad("error kind"))?)
            }
            Dir::Rx | Dir::Tx => None,
        };
        if f.next().is_some() {
            return Err(bad("extra field"));
        }
        Ok(Record {
            tyme: Tyme::from_nanos(tyme),
            chan,
            dir,
            addr,
            data,
            truncated,
            kind,
        })
    }
}

/// The kinds an `X` or `E` record can name.
const KINDS: [(IoKind, &str); 18] = [
    (IoKind::Other, "Other"),
    (IoKind::NotFound, "NotFound"),
    (IoKind::PermissionDenied, "PermissionDenied"),
    (IoKind::ConnectionRefused, "ConnectionRefused"),
    (IoKind::ConnectionReset, "ConnectionReset"),
    (IoKind::ConnectionAborted, "ConnectionAborted"),
    (IoKind::NotConnected, "NotConnected"),
    (IoKind::AddrInUse, "AddrInUse"),
    (IoKind::AddrNotAvailable, "AddrNotAvailable"),
    (IoKind::BrokenPipe, "BrokenPipe"),
    (IoKind::InvalidInput, "InvalidInput"),
    (IoKind::InvalidData, "InvalidData"),
    (IoKind::TimedOut, "TimedOut"),
    (IoKind::Interrupted, "Interrupted"),
    (IoKind::Unsupported, "Unsupported"),
    (IoKind::OutOfMemory, "OutOfMemory"),
    (IoKind::Overrun, "Overrun"),
    (IoKind::TooLong, "TooLong"),
];

fn kind_name(kind: IoKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("Other", |(_, n)| n)
}

fn kind_from_name(name: &str) -> Option<IoKind> {
    KINDS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
}

/// What went wrong reading a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireLogError {
    /// Line `line` (from 1) is not a record: `what` is the bad field.
    Syntax {
        /// The line, from 1.
        line: usize,
        /// The field that did not parse.
        what: &'static str,
    },
    /// The address of the record at this index (from 0) does not parse as
    /// the replaying peer's address type.
    Addr(usize),
    /// Reading failed.
    Io(io::ErrorKind),
}

impl fmt::Display for WireLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireLogError::Syntax { line, what } => {
                write!(f, "wire log line {line}: bad {what}")
            }
            WireLogError::Addr(i) => write!(f, "wire log record {i}: address does not parse"),
            WireLogError::Io(k) => write!(f, "reading a wire log: {k}"),
        }
    }
}

impl std::error::Error for WireLogError {}

/// Reads every record of a log.
///
/// # Errors
///
/// The first line that does not parse, or the reader's error.
pub fn read_log(r: impl BufRead) -> Result<Vec<Record>, WireLogError> {
    let mut out = Vec::new();
    for (i, line) in r.lines().enumerate() {
        let line = line.map_err(|e| WireLogError::Io(e.kind()))?;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(Record::parse_line(&line, i + 1)?);
    }
    Ok(out)
}

/// Parses every record of a log held in a string.
///
/// # Errors
///
/// As [`read_log`].
pub fn parse_log(text: &str) -> Result<Vec<Record>, WireLogError> {
    read_log(text.as_bytes())
}

enum Sink {
    Memory(Vec<u8>),
    Writer(Box<dyn Write>),
}

struct Inner {
    sink: Sink,
    records: u64,
    write_errors: u64,
    last_error: Option<io::ErrorKind>,
}

/// A wire log (hio's `WireLog`): a shared, cheap-to-clone handle on a sink
/// (memory or a file) that peers, taps and your own doers write
/// [`Record`]s into, in the [documented format](self).
///
/// # Contract
///
/// * **Contexts.** Any; single-threaded like the tree (`!Send`).
/// * **Errors.** Writing never fails the caller: a failed write is
///   counted ([`write_errors`](Self::write_errors)) and the record lost;
///   check the count (and [`flush`](Self::flush)) when the run ends.
/// * **Cost.** One formatted line per record (hex doubles the bytes); a
///   file sink is buffered. Meant for tests, debugging and recording runs
///   to replay, not for a hot production path.
#[derive(Clone)]
pub struct WireLog {
    inner: Rc<RefCell<Inner>>,
}

impl fmt::Debug for WireLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.inner.borrow();
        f.debug_struct("WireLog")
            .field("records", &i.records)
            .field("write_errors", &i.write_errors)
            .finish()
    }
}

impl WireLog {
    fn with_sink(mut sink: Sink) -> WireLog {
        let mut inner = Inner {
            sink: Sink::Memory(Vec::new()),
            records: 0,
            write_errors: 0,
            last_error: None,
        };
        let w: &mut dyn Write = match &mut sink {
            Sink::Memory(v) => v,
            Sink::Writer(w) => w.as_mut(),
        };
        if let Err(e) = w.write_all(format!("{HEADER}\n").as_bytes()) {
            inner.write_errors += 1;
            inner.last_error = Some(e.kind());
        }
        inner.sink = sink;
        WireLog {
            inner: Rc::new(RefCell::new(inner)),
        }
    }

    /// A log kept in memory ([`text`](Self::text), [`records`](Self::records)).
    pub fn in_memory() -> WireLog {
        Self::with_sink(Sink::Memory(Vec::new()))
    }

    /// A log written to `w` (wrap a slow writer in a `BufWriter`).
    pub fn to_writer(w: impl Write + 'static) -> WireLog {
        Self::with_sink(Sink::Writer(Box::new(w)))
    }

    /// A log written to a new file at `path` (buffered; truncates an
    /// existing file).
    ///
    /// # Errors
    ///
    /// The error of creating the file.
    pub fn create(path: impl AsRef<Path>) -> io::Result<WireLog> {
        Ok(Self::to_writer(BufWriter::new(File::create(path)?)))
    }

    /// Appends a record of bytes received or sent ([`Dir::Rx`],
    /// [`Dir::Tx`]).
    pub fn record(
        &self,
        tyme: Tyme,
        chan: u32,
        dir: Dir,
        addr: Option<&str>,
        data: &[u8],
        truncated: bool,
    ) {
        self.put(&Line {
            tyme,
            chan,
            dir,
            addr,
            data,
            truncated,
            kind: None,
        });
    }

    /// Appends a record of an error ([`Dir::Dropped`] with the datagram
    /// that could not be sent, or [`Dir::Error`] without bytes).
    pub fn record_error(
        &self,
        tyme: Tyme,
        chan: u32,
        dir: Dir,
        addr: Option<&str>,
        data: &[u8],
        kind: IoKind,
    ) {
        self.put(&Line {
            tyme,
            chan,
            dir,
            addr,
            data,
            truncated: false,
            kind: Some(kind),
        });
    }

    fn put(&self, line: &Line<'_>) {
        let mut i = self.inner.borrow_mut();
        let res = match &mut i.sink {
            Sink::Memory(v) => line.write(v),
            Sink::Writer(w) => line.write(w.as_mut()),
        };
        match res {
            Ok(()) => i.records += 1,
            Err(e) => {
                i.write_errors += 1;
                i.last_error = Some(e.kind());
            }
        }
    }

    /// Records written so far.
    pub fn len(&self) -> u64 {
        self.inner.borrow().records
    }
    /// True if no record was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Records lost to write errors, and the last error's kind.
    pub fn write_errors(&self) -> (u64, Option<io::ErrorKind>) {
        let i = self.inner.borrow();
        (i.write_errors, i.last_error)
    }

    /// Flushes a writer sink.
    ///
    /// # Errors
    ///
    /// The writer's error.
    pub fn flush(&self) -> io::Result<()> {
        match &mut self.inner.borrow_mut().sink {
            Sink::Memory(_) => Ok(()),
            Sink::Writer(w) => w.flush(),
        }
    }

    /// The text of a memory log (`None` for a writer sink).
    pub fn text(&self) -> Option<String> {
        match &self.inner.borrow().sink {
            Sink::Memory(v) => Some(String::from_utf8_lossy(v).into_owned()),
            Sink::Writer(_) => None,
        }
    }

    /// The records of a memory log, read back (`None` for a writer sink:
    /// read its file with [`read_log`]).
    pub fn records(&self) -> Option<Result<Vec<Record>, WireLogError>> {
        match &self.inner.borrow().sink {
            Sink::Memory(v) => Some(read_log(v.as_slice())),
            Sink::Writer(_) => None,
        }
    }
}

/// One record's fields, borrowed, to write.
struct Line<'a> {
    tyme: Tyme,
    chan: u32,
    dir: Dir,
    addr: Option<&'a str>,
    data: &'a [u8],
    truncated: bool,
    kind: Option<IoKind>,
}

impl Line<'_> {
    fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let Line {
            tyme,
            chan,
            dir,
            addr,
            data,
            truncated,
            kind,
        } = *self;
        let token = match (dir, truncated) {
            (Dir::Rx, false) => "R",
            (Dir::Rx, true) => "R~",
            (Dir::Tx, _) => "T",
            (Dir::Dropped, _) => "X",
            (Dir::Error, _) => "E",
        };
        let mut line = String::with_capacity(40 + addr.map_or(1, str::len) + 2 * data.len());
        line.push_str(&tyme.as_nanos().to_string());
        line.push(' ');
        line.push_str(&chan.to_string());
        line.push(' ');
        line.push_str(token);
        line.push(' ');
        match addr {
            Some(a) => escape_into(&mut line, a),
            None => line.push('-'),
        }
        line.push(' ');
        if data.is_empty() {
            line.push('-');
        }
        for b in data {
            line.push(hex_digit(b >> 4));
            line.push(hex_digit(b & 0xf));
        }
        if matches!(dir, Dir::Dropped | Dir::Error) {
            line.push(' ');
            line.push_str(kind_name(kind.unwrap_or(IoKind::Other)));
        }
        line.push('\n');
        w.write_all(line.as_bytes())
    }
}

fn hex_digit(v: u8) -> char {
    char::from_digit(u32::from(v), 16).unwrap_or('?')
}

fn escape_into(out: &mut String, a: &str) {
    if a.is_empty() {
        out.push('%');
        return;
    }
    for &b in a.as_bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4).to_ascii_uppercase());
            out.push(hex_digit(b & 0xf).to_ascii_uppercase());
        }
    }
}

fn unescape(a: &str) -> Option<String> {
    if a == "%" {
        return Some(String::new());
    }
    let bytes = a.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = char::from(*bytes.get(i + 1)?).to_digit(16)?;
            let lo = char::from(*bytes.get(i + 2)?).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn unhex(h: &str) -> Option<Vec<u8>> {
    let h = h.as_bytes();
    if !h.len().is_multiple_of(2) {
        return None;
    }
    h.chunks_exact(2)
        .map(|p| {
            let hi = char::from(*p.first()?).to_digit(16)?;
            let lo = char::from(*p.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// A [`ClientDoer`] that also logs what its service moves: wraps the
/// service doer and reads the client's rings and counters around each
/// service (sent bytes are the head of `tx` before it; received ones the
/// tail of `rx` after it), so the TCP code is untouched.
///
/// # Contract
///
/// * Every hook is the wrapped [`ClientDoer`]'s; **recur** also records
///   what moved as channel `chan`, with the server's address.
/// * **Cost**: a copy of `tx` (up to `TX` bytes) per service while it holds
///   bytes.
pub struct ClientTap<'a, const RX: usize = 4096, const TX: usize = 4096> {
    inner: ClientDoer<'a, RX, TX>,
    client: &'a RefCell<TcpClient<RX, TX>>,
    log: WireLog,
    chan: u32,
    head: Vec<u8>,
}

impl<'a, const RX: usize, const TX: usize> ClientTap<'a, RX, TX> {
    /// The service doer named `name` for `client`, logging into `log` as
    /// channel `chan`.
    pub fn new(
        name: &'static str,
        client: &'a RefCell<TcpClient<RX, TX>>,
        log: WireLog,
        chan: u32,
    ) -> Self {
        ClientTap {
            inner: ClientDoer::new(name, client),
            client,
            log,
            chan,
            head: Vec::new(),
        }
    }
}

/// Logs the tail of `rx` that arrived and the head of `tx` that left.
fn log_moved<const RX: usize>(
    log: &WireLog,
    tyme: Tyme,
    chan: u32,
    addr: &str,
    head: &[u8],
    rx: &hio::buf::Ring<RX>,
    (sent, received): (u64, u64),
) {
    if sent > 0 {
        let n = usize::try_from(sent).unwrap_or(usize::MAX).min(head.len());
        log.record(
            tyme,
            chan,
            Dir::Tx,
            Some(addr),
            head.get(..n).unwrap_or(&[]),
            false,
        );
    }
    if received > 0 {
        let n = usize::try_from(received)
            .unwrap_or(usize::MAX)
            .min(rx.len());
        let tail: Vec<u8> = rx.iter().skip(rx.len() - n).collect();
        log.record(tyme, chan, Dir::Rx, Some(addr), &tail, false);
    }
}

impl<const RX: usize, const TX: usize> Doer for ClientTap<'_, RX, TX> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.inner.enter(cx)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let (sent0, received0) = {
            let c = self.client.try_borrow().map_err(|_| Error::Misuse)?;
            self.head.clear();
            self.head.extend(c.tx().iter());
            (c.sent(), c.received())
        };
        let r = self.inner.recur(cx);
        if let Ok(c) = self.client.try_borrow() {
            log_moved(
                &self.log,
                cx.tyme(),
                self.chan,
                &c.addr().to_string(),
                &self.head,
                c.rx(),
                (
                    c.sent().saturating_sub(sent0),
                    c.received().saturating_sub(received0),
                ),
            );
        }
        r
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.inner.clean(cx);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.inner.cease(cx);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        self.inner.abort(cx, error);
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.inner.exit(cx);
    }
    fn reported_done(&self) -> Done {
        self.inner.reported_done()
    }
}

/// A [`ServerDoer`] that also logs what its service moves for every
/// remote, each remote on its own channel: `first_chan`, `first_chan + 1`,
/// ... in the order the tap first sees them (with the remote's address).
/// Like [`ClientTap`], it reads the rings around each service.
///
/// # Contract
///
/// * Every hook is the wrapped [`ServerDoer`]'s; **recur** also records.
/// * **Cost**: a copy of every remote's `tx` per service.
pub struct ServerTap<'a, const RX: usize = 4096, const TX: usize = 4096> {
    inner: ServerDoer<'a, RX, TX>,
    server: &'a RefCell<TcpServer<RX, TX>>,
    log: WireLog,
    next_chan: u32,
    chans: HashMap<RemoteId, u32>,
    before: Vec<(RemoteId, u64, u64, Vec<u8>)>,
}

impl<'a, const RX: usize, const TX: usize> ServerTap<'a, RX, TX> {
    /// The service doer named `name` for `server`, logging into `log`.
    pub fn new(
        name: &'static str,
        server: &'a RefCell<TcpServer<RX, TX>>,
        log: WireLog,
        first_chan: u32,
    ) -> Self {
        ServerTap {
            inner: ServerDoer::new(name, server),
            server,
            log,
            next_chan: first_chan,
            chans: HashMap::new(),
            before: Vec::new(),
        }
    }

    /// The channel the tap gave the remote `id`, once it saw it.
    pub fn chan_of(&self, id: RemoteId) -> Option<u32> {
        self.chans.get(&id).copied()
    }
}

impl<const RX: usize, const TX: usize> Doer for ServerTap<'_, RX, TX> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.inner.enter(cx)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        {
            let s = self.server.try_borrow().map_err(|_| Error::Misuse)?;
            self.before.clear();
            for r in s.remotes() {
                self.before
                    .push((r.id(), r.sent(), r.received(), r.tx().iter().collect()));
            }
        }
        let res = self.inner.recur(cx);
        if let Ok(s) = self.server.try_borrow() {
            for r in s.remotes() {
                let id = r.id();
                let chan = *self.chans.entry(id).or_insert_with(|| {
                    let c = self.next_chan;
                    self.next_chan = self.next_chan.wrapping_add(1);
                    c
                });
                let (sent0, received0, head) = match self.before.iter().find(|b| b.0 == id) {
                    Some((_, s, r, h)) => (*s, *r, h.as_slice()),
                    None => (0, 0, &[][..]),
                };
                log_moved(
                    &self.log,
                    cx.tyme(),
                    chan,
                    &r.peer().to_string(),
                    head,
                    r.rx(),
                    (
                        r.sent().saturating_sub(sent0),
                        r.received().saturating_sub(received0),
                    ),
                );
            }
        }
        res
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.inner.clean(cx);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.inner.cease(cx);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        self.inner.abort(cx, error);
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.inner.exit(cx);
    }
    fn reported_done(&self) -> Done {
        self.inner.reported_done()
    }
}

/// The replay device for a TCP client's rings: replaces its service doer
/// (a [`ClientDoer`] or [`ClientTap`]) and, at each recorded tyme, feeds
/// the recorded received bytes of channel `chan` into the client's `rx`
/// and takes out of its `tx` exactly as many bytes as the recording sent
/// then, so the same application doers see the same rings pass by pass
/// (back pressure included) under any driver, without a network.
///
/// Bytes the application queued that differ from the recorded ones are
/// counted ([`diverged`](Self::diverged)): the replay then no longer
/// reproduces the recording.
///
/// # Contract
///
/// * **recur** moves the bytes due at `cx.tyme()` (send first, then
///   receive, as the service does); received bytes that do not fit in
///   `rx` wait for the next run. It never finishes by itself (check
///   [`done`](Self::done)).
/// * **Limit.** The client is never connected during a replay
///   ([`TcpClient::connected`] stays false): an application that waits
///   for `connected()` before it writes needs the TCP client's own
///   replay state, which is not built yet. Runs recorded in
///   [`Mode::Tock`](crate::Mode::Tock) replay exactly.
pub struct StreamReplay<'a, const RX: usize = 4096, const TX: usize = 4096> {
    name: &'static str,
    client: &'a RefCell<TcpClient<RX, TX>>,
    rx: std::collections::VecDeque<(Tyme, Vec<u8>)>,
    tx: std::collections::VecDeque<(Tyme, Vec<u8>)>,
    rx_at: usize,
    tx_at: usize,
    log: Option<(WireLog, u32)>,
    diverged: u64,
}

impl<'a, const RX: usize, const TX: usize> StreamReplay<'a, RX, TX> {
    /// The replay doer named `name` of channel `chan` of `records`, for
    /// `client`'s rings.
    pub fn new<'r>(
        name: &'static str,
        client: &'a RefCell<TcpClient<RX, TX>>,
        records: impl IntoIterator<Item = &'r Record>,
        chan: u32,
    ) -> Self {
        let (mut rx, mut tx) = (
            std::collections::VecDeque::new(),
            std::collections::VecDeque::new(),
        );
        for r in records.into_iter().filter(|r| r.chan == chan) {
            match r.dir {
                Dir::Rx => rx.push_back((r.tyme, r.data.clone())),
                Dir::Tx => tx.push_back((r.tyme, r.data.clone())),
                Dir::Dropped | Dir::Error => {} // datagram records only
            }
        }
        StreamReplay {
            name,
            client,
            rx,
            tx,
            rx_at: 0,
            tx_at: 0,
            log: None,
            diverged: 0,
        }
    }

    /// Logs what the replay moves into `log` as channel `chan` (as a
    /// [`ClientTap`] would), to compare with the recording.
    pub fn set_log(&mut self, log: WireLog, chan: u32) {
        self.log = Some((log, chan));
    }
    /// True once every recorded byte was delivered and taken.
    pub fn done(&self) -> bool {
        self.rx.is_empty() && self.tx.is_empty()
    }
    /// Bytes the application queued that differ from the recording.
    pub fn diverged(&self) -> u64 {
        self.diverged
    }

    fn step(&mut self, c: &mut TcpClient<RX, TX>, tyme: Tyme) {
        let addr = c.addr().to_string();
        while let Some((at, want)) = self.tx.front() {
            if *at > tyme {
                break;
            }
            let want = want.get(self.tx_at..).unwrap_or(&[]);
            let n = want.len().min(c.tx().len());
            let took: Vec<u8> = c.tx().iter().take(n).collect();
            self.diverged += took.iter().zip(want).filter(|(a, b)| a != b).count() as u64;
            c.tx_mut().consume(n);
            if let Some((log, chan)) = &self.log
                && n > 0
            {
                log.record(tyme, *chan, Dir::Tx, Some(&addr), &took, false);
            }
            self.tx_at += n;
            if n < want.len() {
                break; // the application has not queued the rest yet
            }
            self.tx.pop_front();
            self.tx_at = 0;
        }
        while let Some((at, bytes)) = self.rx.front() {
            if *at > tyme {
                break;
            }
            let rest = bytes.get(self.rx_at..).unwrap_or(&[]);
            let n = c.rx_mut().write(rest);
            if let Some((log, chan)) = &self.log
                && n > 0
            {
                log.record(
                    tyme,
                    *chan,
                    Dir::Rx,
                    Some(&addr),
                    rest.get(..n).unwrap_or(&[]),
                    false,
                );
            }
            self.rx_at += n;
            if n < rest.len() {
                break; // rx is full: the rest next time
            }
            self.rx.pop_front();
            self.rx_at = 0;
        }
    }
}

impl<const RX: usize, const TX: usize> Doer for StreamReplay<'_, RX, TX> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let client = self.client;
        let mut c = client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        self.step(&mut c, cx.tyme());
        Ok(Recur::NEXT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_escape_and_come_back() {
        for a in ["127.0.0.1:80", "/tmp/a b%c\u{e9}", "[::1]:9", ""] {
            let mut s = String::new();
            escape_into(&mut s, a);
            assert!(!s.contains(' ') && !s.is_empty(), "{s:?}");
            assert_eq!(unescape(&s).as_deref(), Some(a));
        }
    }

    /// Random records (a fixed xorshift seed) survive write and read.
    #[test]
    fn random_records_round_trip() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let log = WireLog::in_memory();
        let mut want = Vec::new();
        for _ in 0..500 {
            let n = (next() % 40) as usize;
            let data: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            let addr = match next() % 3 {
                0 => None,
                _ => Some(
                    (0..(next() % 12))
                        .map(|_| char::from_u32(32 + (next() % 300) as u32).unwrap_or('?'))
                        .collect::<String>(),
                ),
            };
            let dir = [Dir::Rx, Dir::Tx, Dir::Dropped, Dir::Error][(next() % 4) as usize];
            let kind = matches!(dir, Dir::Dropped | Dir::Error)
                .then(|| KINDS[(next() % KINDS.len() as u64) as usize].0);
            let r = Record {
                tyme: Tyme::from_nanos(next()),
                chan: next() as u32,
                dir,
                addr,
                data,
                truncated: dir == Dir::Rx && next() % 5 == 0,
                kind,
            };
            let a = r.addr.as_deref();
            match kind {
                Some(k) => log.record_error(r.tyme, r.chan, r.dir, a, &r.data, k),
                None => log.record(r.tyme, r.chan, r.dir, a, &r.data, r.truncated),
            }
            want.push(r);
        }
        assert_eq!(log.records().unwrap().unwrap(), want);
    }

    /// A writer that fails after `ok` writes.
    struct Failing {
        ok: usize,
    }
    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.ok == 0 {
                return Err(io::ErrorKind::StorageFull.into());
            }
            self.ok -= 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_errors_are_counted_not_raised() {
        let log = WireLog::to_writer(Failing { ok: 2 }); // the header and one record
        for t in 0..4 {
            log.record(Tyme::from_nanos(t), 0, Dir::Tx, None, b"x", false);
        }
        assert_eq!(log.len(), 1);
        assert_eq!(log.write_errors(), (3, Some(io::ErrorKind::StorageFull)));
        assert!(log.text().is_none() && log.records().is_none());
    }

    #[test]
    fn bad_lines_name_the_field() {
        let e = |l: &str| Record::parse_line(l, 3).unwrap_err();
        assert_eq!(
            e("x 1 R - 00"),
            WireLogError::Syntax {
                line: 3,
                what: "tyme"
            }
        );
        assert!(matches!(
            e("1 1 Q - 00"),
            WireLogError::Syntax {
                what: "direction",
                ..
            }
        ));
        assert!(matches!(
            e("1 1 R - 0"),
            WireLogError::Syntax { what: "bytes", .. }
        ));
        assert!(matches!(
            e("1 1 R - 00 x"),
            WireLogError::Syntax {
                what: "extra field",
                ..
            }
        ));
        assert!(matches!(
            e("1 1 R"),
            WireLogError::Syntax {
                what: "address",
                ..
            }
        ));
        let kind_err = |l: &str| {
            matches!(
                e(l),
                WireLogError::Syntax {
                    what: "error kind",
                    ..
                }
            )
        };
        assert!(kind_err("1 1 X - 00") && kind_err("1 1 E - - Nope"));
        assert_eq!(
            Record::parse_line("5 1 E - - ConnectionRefused", 1).map(|r| r.kind),
            Ok(Some(IoKind::ConnectionRefused))
        );
    }
}
