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
//!   unreachable" of an earlier datagram), with no bytes; for a TCP
//!   client, `E` is a connect that failed and ended its service doer.
//! * TCP connections also have `O`, the connection opened (the client's
//!   [`connected`](crate::TcpClient::connected) became true, or the
//!   server accepted the remote), and `C`, the peer closed it or it failed
//!   (the client or remote is cut off), both without bytes.
//! * `addr`: the other end (sender of `R`, destination of `T`; for TCP the
//!   connection's peer), or `-` when there is none (a connected datagram
//!   socket's send, an unbound Unix sender). Bytes outside `!`..`~` and
//!   `%` itself are written `%XX`, so an address never holds a space (and
//!   an address that is just `-` is written `%2D`).
//! * `bytes`: lowercase hex, or `-` for none (an empty datagram).
//! * `X` and `E` records have a sixth field, the error's kind: the name
//!   of its [`hio::IoKind`] (`ConnectionRefused`, `NotFound`, ...); a `C`
//!   record has it when the connection ended with an error (a reset), and
//!   none after a clean end of stream.
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

use hio::buf::Ring;

use crate::service::{Service, ServiceDoer};
use crate::tcp::{Flow, RemoteId, TcpClient, TcpServer};

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
    /// this direction (`E`, with its kind, no bytes); for a TCP client, a
    /// connect that failed and ended its service doer.
    Error,
    /// A TCP connection opened (`O`, no bytes).
    Open,
    /// A TCP connection ended: the peer closed it, or it failed (`C`, no
    /// bytes; with the error's kind if it failed).
    Close,
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
    /// The error's kind ([`Dir::Dropped`] and [`Dir::Error`]; and
    /// [`Dir::Close`] of a connection that failed).
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
            Some("O") => (Dir::Open, false),
            Some("C") => (Dir::Close, false),
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
            Dir::Close => match f.next() {
                Some(k) => Some(kind_from_name(k).ok_or(bad("error kind"))?),
                None => None,
            },
            Dir::Rx | Dir::Tx | Dir::Open => None,
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
    /// No record of this channel names the other end (a TCP replay needs
    /// the server's address).
    NoAddress(u32),
}

impl fmt::Display for WireLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireLogError::Syntax { line, what } => {
                write!(f, "wire log line {line}: bad {what}")
            }
            WireLogError::Addr(i) => write!(f, "wire log record {i}: address does not parse"),
            WireLogError::Io(k) => write!(f, "reading a wire log: {k}"),
            WireLogError::NoAddress(c) => {
                write!(f, "wire log channel {c}: no record names an address")
            }
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
    /// that could not be sent, [`Dir::Error`] without bytes, or
    /// [`Dir::Close`] of a connection that failed).
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
            (Dir::Open, _) => "O",
            (Dir::Close, _) => "C",
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
        if matches!(dir, Dir::Dropped | Dir::Error) || (dir == Dir::Close && kind.is_some()) {
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
    if a == "-" {
        out.push_str("%2D"); // a bare `-` means no address
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

/// A service doer that also logs what its service moves (the client's
/// [`ClientTap`], the server's [`ServerTap`]): wraps the device's
/// [`ServiceDoer`] and reads the device's rings and counters around each
/// service (sent bytes are the head of `tx` before it; received ones the
/// tail of `rx` after it), so the TCP code is untouched.
///
/// # Contract
///
/// * Every hook is the wrapped [`ServiceDoer`]'s; **recur** also records
///   (see [`ClientTap`] and [`ServerTap`] for what).
/// * **Cost**: a copy of each connection's `tx` (up to `TX` bytes) per
///   service while it holds bytes.
pub struct Tap<'a, D: Tapped> {
    inner: ServiceDoer<'a, D>,
    log: WireLog,
    notes: D::Notes,
}

/// A device a [`Tap`] can log: [`TcpClient`] and [`TcpServer`] (sealed).
pub trait Tapped: Service + sealed::Sealed {
    /// What the tap keeps between services.
    #[doc(hidden)]
    type Notes;
    /// Fresh notes, numbering channels from `chan`.
    #[doc(hidden)]
    fn notes(chan: u32) -> Self::Notes;
    /// The tap is attached: the device must move every byte it sends
    /// through `tx` from now on (a server turns off loopback).
    #[doc(hidden)]
    fn tapped(&mut self) {}
    /// Before a service: what is in `tx`, the counters.
    #[doc(hidden)]
    fn before(&self, notes: &mut Self::Notes);
    /// After it: logs what moved, and `failed`, the service's error.
    #[doc(hidden)]
    fn after(&self, notes: &mut Self::Notes, log: &WireLog, tyme: Tyme, failed: Option<Error>);
}

mod sealed {
    use super::{HashMap, RemoteId, TcpClient, TcpServer};

    pub trait Sealed {}
    impl<const RX: usize, const TX: usize> Sealed for TcpClient<RX, TX> {}
    impl<const RX: usize, const TX: usize> Sealed for TcpServer<RX, TX> {}

    /// A client tap's notes: its channel, and the client before a service.
    pub struct ClientNotes {
        pub(super) chan: u32,
        pub(super) head: Vec<u8>,
        pub(super) counts: (u64, u64, u64, u64),
        pub(super) connected: bool,
    }

    /// A server tap's notes: the channels given (and whether the close
    /// was logged), and every remote before a service.
    pub struct ServerNotes {
        pub(super) next_chan: u32,
        pub(super) chans: HashMap<RemoteId, (u32, bool)>,
        pub(super) before: Vec<(RemoteId, u64, u64, Vec<u8>)>,
        pub(super) fresh: Vec<(u64, RemoteId, String)>,
    }
}

impl<'a, D: Tapped> Tap<'a, D> {
    /// The service doer named `name` for `device`, logging into `log` as
    /// channel `chan` (a server's remotes: from `chan` on).
    pub fn new(name: &'static str, device: &'a RefCell<D>, log: WireLog, chan: u32) -> Self {
        if let Ok(mut d) = device.try_borrow_mut() {
            d.tapped();
        }
        Tap {
            inner: ServiceDoer::new(name, device),
            log,
            notes: D::notes(chan),
        }
    }
}

impl<const RX: usize, const TX: usize> Tap<'_, TcpServer<RX, TX>> {
    /// The channel the tap gave the remote `id`, once it saw it.
    pub fn chan_of(&self, id: RemoteId) -> Option<u32> {
        self.notes.chans.get(&id).map(|c| c.0)
    }
}

impl<D: Tapped> Doer for Tap<'_, D> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.inner
            .device()
            .try_borrow_mut()
            .map_err(|_| Error::Misuse)?
            .tapped();
        self.inner.enter(cx)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let device = self.inner.device();
        device
            .try_borrow()
            .map_err(|_| Error::Misuse)?
            .before(&mut self.notes);
        let r = self.inner.recur(cx);
        if let Ok(d) = device.try_borrow() {
            d.after(&mut self.notes, &self.log, cx.tyme(), r.err());
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

/// A [`ClientDoer`](crate::ClientDoer) that also logs what its service
/// moves, as channel `chan` with the server's address; its log replays
/// with [`TcpClient::replay`].
///
/// # Contract
///
/// * Every hook is the wrapped `ClientDoer`'s; **recur** also records, in
///   the order the service did it: the connection opening (`O`, when
///   [`TcpClient::connected`] became true), the bytes sent, the bytes
///   received, the connection ending (`C`, when it was cut off), and a
///   connect failure that ends the doer (`E`). A failed connect that the
///   client retries is not recorded (the next `O` shows when it worked).
/// * **Cost**: a copy of `tx` (up to `TX` bytes) per service while it holds
///   bytes.
pub type ClientTap<'a, const RX: usize = 4096, const TX: usize = 4096> = Tap<'a, TcpClient<RX, TX>>;

impl<const RX: usize, const TX: usize> Tapped for TcpClient<RX, TX> {
    type Notes = sealed::ClientNotes;
    fn notes(chan: u32) -> Self::Notes {
        sealed::ClientNotes {
            chan,
            head: Vec::new(),
            counts: (0, 0, 0, 0),
            connected: false,
        }
    }
    fn before(&self, n: &mut Self::Notes) {
        n.head.clear();
        n.head.extend(self.tx().iter());
        n.counts = (
            self.sent(),
            self.received(),
            self.connects(),
            self.cutoffs(),
        );
        n.connected = self.connected();
    }
    fn after(&self, n: &mut Self::Notes, log: &WireLog, tyme: Tyme, failed: Option<Error>) {
        let (sent0, received0, connects0, cutoffs0) = n.counts;
        let (chan, addr) = (n.chan, self.addr().to_string());
        if self.connected() && (!n.connected || self.connects() != connects0) {
            log.record(tyme, chan, Dir::Open, Some(&addr), &[], false);
        }
        let moved = (
            self.sent().saturating_sub(sent0),
            self.received().saturating_sub(received0),
        );
        log_moved(log, tyme, chan, &addr, &n.head, Some(self.rx()), moved);
        if self.cutoffs() != cutoffs0 {
            log_close(log, tyme, chan, &addr, self.error());
        }
        if let Some(e) = failed {
            log.record_error(tyme, chan, Dir::Error, Some(&addr), &[], kind_of(e));
        }
    }
}

/// A [`ServerDoer`](crate::ServerDoer) that also logs what its service
/// moves for every remote, each remote on its own channel: `chan`,
/// `chan + 1`, ... in the order the tap first sees them (with the
/// remote's address). Like [`ClientTap`], it reads the rings around each
/// service.
///
/// # Contract
///
/// * Every hook is the wrapped `ServerDoer`'s; **recur** also records,
///   for each remote: its opening (`O`, channels given in accept order),
///   the bytes sent and received, and its end (`C`, once it is cut off),
///   also for a remote the service removed (the server keeps those of its
///   last service for the tap). Its log replays with
///   [`TcpServer::replay`].
/// * **Loopback**: a tapped server's remotes never loop back
///   ([`Remote::loop_back`](crate::Remote::loop_back) returns false, and
///   attaching the tap turns it off), so every byte sent leaves through
///   `tx`, where the tap sees it; an [`EchoServerDoer`](crate::EchoServerDoer)
///   then copies.
/// * **Limit**: bytes received in the service in which the application's
///   [`Remote::close`](crate::Remote::close) removes the remote are
///   dropped with it, and not logged.
/// * **Cost**: a copy of every remote's `tx` per service.
pub type ServerTap<'a, const RX: usize = 4096, const TX: usize = 4096> = Tap<'a, TcpServer<RX, TX>>;

impl<const RX: usize, const TX: usize> Tapped for TcpServer<RX, TX> {
    type Notes = sealed::ServerNotes;
    fn notes(chan: u32) -> Self::Notes {
        sealed::ServerNotes {
            next_chan: chan,
            chans: HashMap::new(),
            before: Vec::new(),
            fresh: Vec::new(),
        }
    }
    fn tapped(&mut self) {
        self.tap();
    }
    fn before(&self, n: &mut Self::Notes) {
        n.before.clear();
        for r in self.remotes() {
            n.before
                .push((r.id(), r.sent(), r.received(), r.tx().iter().collect()));
        }
    }
    fn after(&self, n: &mut Self::Notes, log: &WireLog, tyme: Tyme, _failed: Option<Error>) {
        // channels for the remotes accepted in this service, in accept
        // order (also those already removed again)
        n.fresh.clear();
        let present = self.remotes().map(|r| (r.serial(), r.id(), r.peer()));
        let gone = self.gone().iter().map(|g| (g.serial, g.id, g.peer));
        for (serial, id, peer) in present.chain(gone) {
            if !n.chans.contains_key(&id) {
                n.fresh.push((serial, id, peer.to_string()));
            }
        }
        n.fresh.sort_unstable_by_key(|f| f.0);
        for (_, id, peer) in &n.fresh {
            n.chans.insert(*id, (n.next_chan, false));
            log.record(tyme, n.next_chan, Dir::Open, Some(peer), &[], false);
            n.next_chan = n.next_chan.wrapping_add(1);
        }
        let head = |id: RemoteId| match n.before.iter().find(|b| b.0 == id) {
            Some((_, s, r, h)) => (*s, *r, h.as_slice()),
            None => (0, 0, &[][..]),
        };
        for r in self.remotes() {
            let Some((chan, closed)) = n.chans.get_mut(&r.id()) else {
                continue;
            };
            let (sent0, received0, head) = head(r.id());
            let moved = (
                r.sent().saturating_sub(sent0),
                r.received().saturating_sub(received0),
            );
            let peer = r.peer().to_string();
            log_moved(log, tyme, *chan, &peer, head, Some(r.rx()), moved);
            if r.cutoff() && !*closed {
                log_close(log, tyme, *chan, &peer, r.error());
                *closed = true;
            }
        }
        for g in self.gone() {
            let Some((chan, closed)) = n.chans.remove(&g.id) else {
                continue;
            };
            let (sent0, received0, head) = head(g.id);
            let moved = (
                g.sent.saturating_sub(sent0),
                g.received.saturating_sub(received0),
            );
            let peer = g.peer.to_string();
            log_moved::<0>(log, tyme, chan, &peer, head, None, moved);
            if g.cutoff && !closed {
                log_close(log, tyme, chan, &peer, g.error);
            }
        }
    }
}

/// The kind an `E` or `C` record gives an error.
fn kind_of(e: Error) -> IoKind {
    match e {
        Error::Io(k) => k,
        _ => IoKind::Other,
    }
}

/// Logs a connection's end: cleanly, or with its error's kind.
fn log_close(log: &WireLog, tyme: Tyme, chan: u32, addr: &str, error: Option<Error>) {
    match error {
        Some(e) => log.record_error(tyme, chan, Dir::Close, Some(addr), &[], kind_of(e)),
        None => log.record(tyme, chan, Dir::Close, Some(addr), &[], false),
    }
}

/// Logs the head of `tx` that left and the tail of `rx` that arrived
/// (`None` for a remote removed in the service: its `rx` is gone; it was
/// empty unless the application closed the remote).
fn log_moved<const RX: usize>(
    log: &WireLog,
    tyme: Tyme,
    chan: u32,
    addr: &str,
    head: &[u8],
    rx: Option<&Ring<RX>>,
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
    if let Some(rx) = rx
        && received > 0
    {
        let n = usize::try_from(received)
            .unwrap_or(usize::MAX)
            .min(rx.len());
        let tail: Vec<u8> = rx.iter().skip(rx.len() - n).collect();
        log.record(tyme, chan, Dir::Rx, Some(addr), &tail, false);
    }
}

/// One event of a TCP recording, as a replaying connection plays it.
#[derive(Debug)]
enum StreamEvent {
    /// The connection opened.
    Open,
    /// These bytes arrived.
    Rx(Vec<u8>),
    /// These bytes left `tx`.
    Tx(Vec<u8>),
    /// The connection ended: cleanly (`None`) or with this error.
    Close(Option<IoKind>),
    /// The connect failed with this error and ended the service doer.
    Failed(IoKind),
}

/// What one [`Script::step`] did.
#[derive(Debug, Default)]
pub(crate) struct Played {
    /// Bytes moved or the connection changed.
    pub(crate) moved: bool,
    /// The connection opened.
    pub(crate) opened: bool,
    /// The connection ended (the flow says how).
    pub(crate) closed: bool,
    /// A recorded connect failure.
    pub(crate) failed: Option<IoKind>,
}

/// A TCP connection's recording, played back into its flow and rings (the
/// replay state of [`TcpClient::replay`](crate::TcpClient::replay) and of
/// each remote of [`TcpServer::replay`]).
///
/// Events play in their recorded order, each in the first step at or
/// after its tyme; a step stops at an event that cannot play yet (sent
/// bytes the application has not queued, received bytes that do not fit
/// in `rx`) and after a close or a failure, so the device sees each.
pub(crate) struct Script {
    queue: std::collections::VecDeque<(Tyme, StreamEvent)>,
    /// Bytes of the head event already played.
    at: usize,
    /// Between an open and a close.
    pub(crate) open: bool,
    /// Stopped by a local close until the next connect.
    pub(crate) paused: bool,
    /// Bytes the application queued that differ from the recording.
    pub(crate) diverged: u64,
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("events_left", &self.queue.len())
            .field("open", &self.open)
            .field("paused", &self.paused)
            .field("diverged", &self.diverged)
            .finish()
    }
}

impl Script {
    /// The events of channel `chan` of `records`, and the first address
    /// they name with its record's index.
    pub(crate) fn new<'r>(
        records: impl IntoIterator<Item = &'r Record>,
        chan: u32,
    ) -> (Script, Option<(usize, String)>) {
        let mut queue = std::collections::VecDeque::new();
        let mut addr = None;
        for (i, r) in records.into_iter().enumerate() {
            if r.chan != chan {
                continue;
            }
            if addr.is_none() {
                addr = r.addr.clone().map(|a| (i, a));
            }
            let event = match r.dir {
                Dir::Open => StreamEvent::Open,
                Dir::Rx => StreamEvent::Rx(r.data.clone()),
                Dir::Tx => StreamEvent::Tx(r.data.clone()),
                Dir::Close => StreamEvent::Close(r.kind),
                Dir::Error => StreamEvent::Failed(r.kind.unwrap_or(IoKind::Other)),
                Dir::Dropped => continue, // datagram records only
            };
            queue.push_back((r.tyme, event));
        }
        let script = Script {
            queue,
            at: 0,
            open: false,
            paused: false,
            diverged: 0,
        };
        (script, addr)
    }

    /// True once every event was played.
    pub(crate) fn done(&self) -> bool {
        self.queue.is_empty()
    }

    /// Plays the events due at `tyme` into `flow`, `rx` and `tx` (see the
    /// type's rules). Received and sent bytes count in `flow` as the
    /// service counts them; a close sets `flow`'s end of stream, or fails
    /// it with the recorded error (dropping what `tx` holds, counted).
    pub(crate) fn step<const RX: usize, const TX: usize>(
        &mut self,
        tyme: Tyme,
        flow: &mut Flow,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> Played {
        let mut played = Played::default();
        if self.paused {
            return played;
        }
        while let Some((at, event)) = self.queue.front() {
            if *at > tyme {
                break;
            }
            match event {
                StreamEvent::Open => {
                    self.open = true;
                    flow.reset();
                    played.opened = true;
                }
                StreamEvent::Tx(want) => {
                    let want = want.get(self.at..).unwrap_or(&[]);
                    let n = want.len().min(tx.len());
                    self.diverged +=
                        tx.iter().take(n).zip(want).filter(|(a, b)| a != *b).count() as u64;
                    flow.sent += tx.consume(n) as u64;
                    played.moved |= n > 0;
                    if n < want.len() {
                        self.at += n;
                        break; // the application has not queued the rest yet
                    }
                }
                StreamEvent::Rx(bytes) => {
                    let rest = bytes.get(self.at..).unwrap_or(&[]);
                    let n = rx.write(rest);
                    flow.received += n as u64;
                    played.moved |= n > 0;
                    if n < rest.len() {
                        self.at += n;
                        break; // rx is full: the rest next time
                    }
                }
                StreamEvent::Close(kind) => {
                    self.open = false;
                    match kind {
                        None => flow.eof = true,
                        Some(k) => {
                            flow.fail(Error::Io(*k));
                            flow.discarded += tx.len() as u64;
                            tx.clear();
                        }
                    }
                    played.closed = true;
                }
                StreamEvent::Failed(k) => {
                    self.open = false;
                    flow.error = Some(Error::Io(*k));
                    played.failed = Some(*k);
                }
            }
            played.moved = true;
            self.queue.pop_front();
            self.at = 0;
            if played.closed || played.failed.is_some() {
                break;
            }
        }
        played
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_escape_and_come_back() {
        for a in ["127.0.0.1:80", "/tmp/a b%c\u{e9}", "[::1]:9", "", "-", "--"] {
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
            let dirs = [
                Dir::Rx,
                Dir::Tx,
                Dir::Dropped,
                Dir::Error,
                Dir::Open,
                Dir::Close,
            ];
            let dir = dirs[(next() % dirs.len() as u64) as usize];
            let kind = match dir {
                Dir::Dropped | Dir::Error => Some(()),
                Dir::Close => (next() % 2 == 0).then_some(()),
                Dir::Rx | Dir::Tx | Dir::Open => None,
            }
            .map(|()| KINDS[(next() % KINDS.len() as u64) as usize].0);
            let n = if matches!(dir, Dir::Open | Dir::Close) {
                0
            } else {
                n
            };
            let data = data[..n].to_vec();
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
        assert!(kind_err("1 1 C - - Nope"));
        assert_eq!(
            Record::parse_line("5 1 C a:1 - ConnectionReset", 1).map(|r| (r.dir, r.kind)),
            Ok((Dir::Close, Some(IoKind::ConnectionReset)))
        );
        assert_eq!(
            Record::parse_line("5 1 O a:1 -", 1).map(|r| (r.dir, r.kind)),
            Ok((Dir::Open, None))
        );
        assert_eq!(
            Record::parse_line("5 1 E - - ConnectionRefused", 1).map(|r| r.kind),
            Ok(Some(IoKind::ConnectionRefused))
        );
    }
}
