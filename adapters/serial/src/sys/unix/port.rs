//! The serial port device ([`SerialPort`]) and its service doer
//! ([`PortDoer`]). Unix only (Linux and macOS): the port is a non-blocking
//! tty from mio-serial, registered with the runner's poll or polled.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Read, Write};

use hio::buf::Ring;
use hio::{Cx, Doer, Error, IoKind, Recur, Tyme, Tymee, Tymer};
use hio_mio::{Io, Ready, Registered, io_kind};
use mio::Interest;
use mio_serial::{SerialPort as _, SerialStream};

use crate::config::{PortConfig, PortError, Settings, serial_kind};

/// The open tty, registered with a runner's poll or polled every pass.
enum Link {
    /// No runner: every service tries (the fd is non-blocking).
    Polled(SerialStream),
    /// In the runner's poll: a service tries only what the runner saw ready.
    Registered(Registered<SerialStream>),
}

impl Link {
    fn stream(&self) -> &SerialStream {
        match self {
            Link::Polled(s) => s,
            Link::Registered(r) => r.get(),
        }
    }
    fn stream_mut(&mut self) -> &mut SerialStream {
        match self {
            Link::Polled(s) => s,
            Link::Registered(r) => r.get_mut(),
        }
    }
    fn ready(&self) -> Ready {
        match self {
            Link::Polled(_) => Ready::BOTH,
            Link::Registered(r) => r.ready(),
        }
    }
    fn clear(&self, what: Ready) {
        if let Link::Registered(r) = self {
            r.clear(what);
        }
    }
}

enum State {
    /// Not open and not trying (before the first open, after a close, or
    /// failed without reopen).
    Closed,
    /// Open.
    Open(Link),
    /// Waiting to reopen when this timer expires.
    Waiting(Tymer<'static>),
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Closed => f.write_str("Closed"),
            State::Open(Link::Polled(_)) => f.write_str("Open(polled)"),
            State::Open(Link::Registered(r)) => write!(f, "Open({:?})", r.ready()),
            State::Waiting(t) => write!(f, "Waiting(until {:?})", t.stop()),
        }
    }
}

/// A serial port with rx/tx byte rings of `RX` and `TX` bytes (hio's
/// serial `Device`), serviced by a [`PortDoer`].
///
/// Application doers share it through the same `RefCell` and use
/// [`rx_mut`](Self::rx_mut) and [`tx_mut`](Self::tx_mut) (or
/// [`send`](Self::send)). Made with [`with_io`](Self::with_io), the port
/// sits in a [`hio_mio::Runner`]'s poll, so a program sleeps in the OS until
/// the port has bytes or the next pass is due; made with
/// [`polled`](Self::polled), it works without a runner and tries the port
/// at every service (any driver, for example `Doist::run`).
///
/// # Contract
///
/// * **Contexts.** Any doer context; only [`service`](Self::service),
///   [`open`](Self::open) and [`close`](Self::close) touch the OS, and only
///   its service doer should call the first two.
/// * **Back pressure.** A service stops reading when `rx` is full; the
///   bytes wait in the OS (then the sender is held back by flow control,
///   or, on a pseudo-terminal, by its full buffer). Nothing is dropped.
/// * **Short reads and writes** are normal: the rings say how much moved.
/// * **Bounded work.** One service moves at most `RX + TX` bytes.
/// * **Failures are state, not panics.** A port that cannot be opened or
///   that vanishes keeps the reason in [`error`](Self::error) (a
///   [`PortError`]) and is closed; with [`PortConfig::reopen`] it is
///   reopened after the delay. The rings survive: unread `rx` stays
///   readable, unsent `tx` goes out on the reopened port (clear it if that
///   is wrong for your protocol).
pub struct SerialPort<const RX: usize = 4096, const TX: usize = 4096> {
    io: Option<Io>,
    config: PortConfig,
    state: State,
    rx: Box<Ring<RX>>,
    tx: Box<Ring<TX>>,
    error: Option<PortError>,
    attempts: u64,
    opens: u64,
    received: u64,
    sent: u64,
}

impl<const RX: usize, const TX: usize> fmt::Debug for SerialPort<RX, TX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SerialPort")
            .field("path", &self.config.path)
            .field("state", &self.state)
            .field("rx", &self.rx.len())
            .field("tx", &self.tx.len())
            .field("error", &self.error)
            .finish()
    }
}

impl<const RX: usize, const TX: usize> SerialPort<RX, TX> {
    /// A port that will register with the runner behind `io`; not open yet
    /// (its doer opens it on enter).
    pub fn with_io(io: &Io, config: PortConfig) -> Self {
        Self::make(Some(io.clone()), config)
    }

    /// A port without a runner: every service tries to read and write.
    /// Not open yet (its doer opens it on enter).
    pub fn polled(config: PortConfig) -> Self {
        Self::make(None, config)
    }

    fn make(io: Option<Io>, config: PortConfig) -> Self {
        SerialPort {
            io,
            config,
            state: State::Closed,
            rx: Box::new(Ring::new()),
            tx: Box::new(Ring::new()),
            error: None,
            attempts: 0,
            opens: 0,
            received: 0,
            sent: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PortConfig {
        &self.config
    }
    /// True while open.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open(_))
    }
    /// True while waiting to reopen.
    pub fn is_waiting(&self) -> bool {
        matches!(self.state, State::Waiting(_))
    }
    /// When the port will be reopened (the end of its reopen timer), while
    /// waiting to.
    pub fn reopen_at(&self) -> Option<Tyme> {
        match &self.state {
            State::Waiting(timer) => Some(timer.stop()),
            _ => None,
        }
    }
    /// Why the port is not open (or why it closed last): `None` while it
    /// works. Cleared by a successful open.
    pub fn error(&self) -> Option<PortError> {
        self.error
    }
    /// Open attempts so far.
    pub fn attempts(&self) -> u64 {
        self.attempts
    }
    /// Successful opens so far.
    pub fn opens(&self) -> u64 {
        self.opens
    }
    /// Bytes received so far (over every open).
    pub fn received(&self) -> u64 {
        self.received
    }
    /// Bytes written to the port so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }
    /// What arrived, oldest first.
    pub fn rx(&self) -> &Ring<RX> {
        &self.rx
    }
    /// What arrived, to read and consume.
    pub fn rx_mut(&mut self) -> &mut Ring<RX> {
        &mut self.rx
    }
    /// What is to be sent.
    pub fn tx(&self) -> &Ring<TX> {
        &self.tx
    }
    /// What is to be sent, to write into.
    pub fn tx_mut(&mut self) -> &mut Ring<TX> {
        &mut self.tx
    }
    /// Queues as much of `data` as `tx` has room for; returns how many
    /// bytes (short when `tx` is full: the rest is still yours). Asks a
    /// [`Mode::Ready`](hio_mio::Mode::Ready) runner for a follow-up pass.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let n = self.tx.write(data);
        if n > 0 {
            self.note();
        }
        n
    }

    /// The line settings the open port reports back.
    ///
    /// # Errors
    ///
    /// `Error::Closed` when the port is not open; the OS error of reading
    /// them back otherwise.
    pub fn settings(&self) -> Result<Settings, Error> {
        let State::Open(link) = &self.state else {
            return Err(Error::Closed);
        };
        let s = link.stream();
        let e = |e: serialport::Error| Error::Io(serial_kind(&e));
        Ok(Settings {
            baud: s.baud_rate().map_err(e)?,
            data_bits: s.data_bits().map_err(e)?,
            parity: s.parity().map_err(e)?,
            stop_bits: s.stop_bits().map_err(e)?,
            flow_control: s.flow_control().map_err(e)?,
        })
    }

    fn note(&self) {
        if let Some(io) = &self.io {
            io.note_activity();
        }
    }

    /// Opens the port at `tyme` with its configured settings (closing it
    /// first if open).
    ///
    /// # Errors
    ///
    /// Without reopen: the failure as `Error::Io(kind)` (`NotFound` for a
    /// path with no device), also kept in [`error`](Self::error). With
    /// reopen, the failure is kept and the open retried after the delay;
    /// the call returns `Ok`.
    pub fn open(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.close();
        self.attempts += 1;
        let c = &self.config;
        let builder = mio_serial::new(c.path.to_string_lossy(), c.baud)
            .data_bits(c.data_bits)
            .parity(c.parity)
            .stop_bits(c.stop_bits)
            .flow_control(c.flow_control);
        let stream = match SerialStream::open(&builder) {
            Ok(s) => s,
            Err(e) => return self.failed(tyme, PortError::Open(serial_kind(&e))),
        };
        let link = match &self.io {
            None => Link::Polled(stream),
            Some(io) => {
                match Registered::new(io, stream, Interest::READABLE | Interest::WRITABLE) {
                    Ok(r) => Link::Registered(r),
                    Err(e) => return self.failed(tyme, PortError::Open(io_kind(e.kind()))),
                }
            }
        };
        self.state = State::Open(link);
        self.opens += 1;
        self.error = None;
        self.note();
        Ok(())
    }

    /// Closes the port now (no reopen until [`open`](Self::open)). The
    /// rings keep their bytes.
    pub fn close(&mut self) {
        if !matches!(self.state, State::Closed) {
            self.note();
        }
        self.state = State::Closed;
    }

    /// The port failed with `e` at `tyme`: wait to reopen, or stay closed.
    fn failed(&mut self, tyme: Tyme, e: PortError) -> Result<(), Error> {
        self.error = Some(e);
        self.note();
        match self.config.reopen {
            Some(delay) => {
                self.state = State::Waiting(Tymer::starting_at(Tymee::unwound(), delay, tyme));
                Ok(())
            }
            None => {
                self.state = State::Closed;
                Err(e.to_error())
            }
        }
    }

    /// One service at `tyme` (hio's `serviceAll`): reopens when the reopen
    /// timer has expired, writes what `tx` holds, reads until `rx` is full
    /// or the port would block.
    ///
    /// # Errors
    ///
    /// Without reopen, a failed open (from the reopen path never, as
    /// there is none). A port that vanishes while open is not an error
    /// here: it is closed and the reason kept in [`error`](Self::error)
    /// (and, with reopen on, reopened later).
    pub fn service(&mut self, tyme: Tyme) -> Result<(), Error> {
        if let State::Waiting(timer) = &self.state
            && tyme >= timer.stop()
        {
            self.open(tyme)?;
        }
        let State::Open(link) = &mut self.state else {
            return Ok(());
        };
        let (sent, werr) = send(link, &mut self.tx);
        let (received, rerr) = if werr.is_none() {
            receive(link, &mut self.rx)
        } else {
            (0, None)
        };
        self.sent += sent as u64;
        self.received += received as u64;
        if sent + received > 0 {
            self.note();
        }
        match werr.or(rerr) {
            Some(e) => {
                self.state = State::Closed;
                // a vanished port is a state; with reopen off the doer goes
                // on (the application decides), so the result is dropped
                let _ = self.failed(tyme, e);
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// The error value of a failed read or write on a tty: `EIO` (a
/// pseudo-terminal whose other side closed, a pulled USB adapter) and
/// `ENXIO`/`ENODEV` are hang-ups.
fn lost(e: &io::Error) -> PortError {
    const EIO: i32 = 5;
    const ENXIO: i32 = 6;
    const ENODEV: i32 = 19;
    match e.raw_os_error() {
        Some(EIO | ENXIO | ENODEV) => PortError::Hangup,
        _ => PortError::Failed(io_kind(e.kind())),
    }
}

/// Moves bytes from `tx` to the port until `tx` is empty or the port would
/// block. Work is bounded by `tx`'s length.
fn send<const N: usize>(link: &mut Link, tx: &mut Ring<N>) -> (usize, Option<PortError>) {
    let mut moved = 0;
    loop {
        if tx.is_empty() || !link.ready().is_writable() {
            return (moved, None);
        }
        match link.stream_mut().write(tx.readable()) {
            Ok(0) => return (moved, Some(PortError::Failed(IoKind::BrokenPipe))),
            Ok(n) => moved += tx.consume(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                link.clear(Ready::WRITABLE);
                return (moved, None);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (moved, Some(lost(&e))),
        }
    }
}

/// Moves bytes from the port into `rx` until it would block or `rx` is
/// full (back pressure: the readiness stays recorded, so the next service
/// tries again). Work is bounded by `rx`'s free space.
///
/// The end of the port shows as a read of 0 bytes (a hung-up tty) or as
/// `EIO` (a pseudo-terminal whose other side closed, a pulled adapter).
fn receive<const N: usize>(link: &mut Link, rx: &mut Ring<N>) -> (usize, Option<PortError>) {
    let mut moved = 0;
    loop {
        if rx.is_full() || !link.ready().is_readable() {
            return (moved, None);
        }
        match link.stream_mut().read(rx.writable()) {
            // the port is raw with VMIN = 1 (serialport's `cfmakeraw`) and
            // non-blocking: "nothing now" is `EAGAIN`, so 0 is the end (a
            // tty that was hung up; a pty whose other side closed)
            Ok(0) => return (moved, Some(PortError::Hangup)),
            Ok(n) => moved += rx.commit(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                link.clear(Ready::READABLE);
                return (moved, None);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (moved, Some(lost(&e))),
        }
    }
}

/// The service doer of a [`SerialPort`] (hio's serial service doer): opens
/// the port on enter, services it every run, closes it on exit.
///
/// # Contract
///
/// * **enter** opens the port; **recur** calls [`SerialPort::service`]
///   (which reopens the port when its reopen timer expired) and asks to
///   run again on the next pass (`Recur::NEXT`); **exit** closes the port
///   (in every ending).
/// * **Errors.** Without reopen, a port that cannot be opened aborts the
///   doer with `Io(NotFound)`, `Io(PermissionDenied)`, and so on; with
///   [`fail_on_hangup`](Self::fail_on_hangup), a port that vanished aborts
///   it too (with `Io(BrokenPipe)` for a hang-up). The device being
///   borrowed elsewhere during the step is `Error::Misuse`.
/// * **Bounded work**: one service per run.
pub struct PortDoer<'a, const RX: usize = 4096, const TX: usize = 4096> {
    name: &'static str,
    port: &'a RefCell<SerialPort<RX, TX>>,
    fail_on_hangup: bool,
}

impl<'a, const RX: usize, const TX: usize> PortDoer<'a, RX, TX> {
    /// The service doer named `name` for `port`.
    pub fn new(name: &'static str, port: &'a RefCell<SerialPort<RX, TX>>) -> Self {
        PortDoer {
            name,
            port,
            fail_on_hangup: false,
        }
    }
    /// With `true`, a port that vanished while open (and is not to be
    /// reopened) aborts the doer with its error instead of staying a
    /// state of the device.
    #[must_use]
    pub fn fail_on_hangup(mut self, fail: bool) -> Self {
        self.fail_on_hangup = fail;
        self
    }
}

impl<const RX: usize, const TX: usize> Doer for PortDoer<'_, RX, TX> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut p = self.port.try_borrow_mut().map_err(|_| Error::Misuse)?;
        p.open(cx.tyme())?;
        Ok(Recur::NEXT)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut p = self.port.try_borrow_mut().map_err(|_| Error::Misuse)?;
        p.service(cx.tyme())?;
        if self.fail_on_hangup
            && let (State::Closed, Some(e)) = (&p.state, p.error)
        {
            return Err(e.to_error());
        }
        Ok(Recur::NEXT)
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        if let Ok(mut p) = self.port.try_borrow_mut() {
            p.close();
        }
    }
}
