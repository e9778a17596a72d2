//! The serial port device ([`SerialPort`]) and its service doer
//! ([`PortDoer`]), the same on every platform: the rings, the counters, the
//! state (closed, open, waiting to reopen), the reopen timer and the
//! service's bookkeeping. What touches the OS is the platform's
//! [`Link`](crate::sys::Link) (`src/sys/<os>/`), and the constructors,
//! which say what the port is made on.

use std::cell::RefCell;
use std::fmt;

use hio::buf::Ring;
use hio::{Cx, Doer, Error, Recur, Tyme, Tymee, Tymer};

use crate::config::{PortConfig, PortError, Settings};
use crate::sys::{Link, OsLink};

/// Where a port is in its life: the same three states on every platform.
pub(crate) enum State<L> {
    /// Not open and not trying (before the first open, after a close, or
    /// failed without reopen).
    Closed,
    /// Open, through the platform's link.
    Open(L),
    /// Waiting to reopen when this timer expires.
    Waiting(Tymer<'static>),
}

impl<L: fmt::Debug> fmt::Debug for State<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Closed => f.write_str("Closed"),
            State::Open(link) => write!(f, "Open({link:?})"),
            State::Waiting(t) => write!(f, "Waiting(until {:?})", t.stop()),
        }
    }
}

/// A serial port with rx/tx byte rings of `RX` and `TX` bytes (hio's
/// serial `Device`), serviced by a [`PortDoer`].
///
/// Application doers share it through the same `RefCell` and use
/// [`rx_mut`](Self::rx_mut) and [`tx_mut`](Self::tx_mut) (or
/// [`send`](Self::send)). What it is made on depends on the platform:
///
/// * **Unix**: a non-blocking tty from mio-serial. Made with
///   [`with_io`](Self::with_io), the port sits in a [`hio_mio::Runner`]'s
///   poll, so a program sleeps in the OS until the port has bytes or the
///   next pass is due; made with [`polled`](Self::polled), it works without
///   a runner and tries the port at every service (any driver, for example
///   `Doist::run`).
/// * **Windows**: a COM port with overlapped reads and writes on the
///   completion port of a `hio_iocp::Runner`, made with `with_port` on the
///   `Port` of the runner that runs its [`PortDoer`] (not `hio_mio`'s
///   runner, and not `Doist::run`: only that runner takes the completions
///   off the port). There is no `with_io` or `polled` there. Bytes pass
///   through the COM stream's own 4 KiB rings on their way to and from the
///   device's rings (which survive a reopen, while a new stream is opened
///   each time): a service moves `tx` into the stream, services it
///   (collects finished operations, starts the next ones) and moves what
///   arrived into `rx`. A read is started only for the room the stream's
///   ring has, and that ring is emptied only as far as `rx` has room.
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
/// * **Closing on Windows** drops the COM stream, which cancels its
///   operations and waits on the port (up to about a second) for their
///   completions before its buffers are freed.
pub struct SerialPort<const RX: usize = 4096, const TX: usize = 4096> {
    pub(crate) host: <OsLink as Link>::Host,
    config: PortConfig,
    pub(crate) state: State<OsLink>,
    pub(crate) rx: Box<Ring<RX>>,
    pub(crate) tx: Box<Ring<TX>>,
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
    /// A closed port on `host` (the platform constructors' common part).
    pub(crate) fn make(host: <OsLink as Link>::Host, config: PortConfig) -> Self {
        SerialPort {
            host,
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
    /// Bytes received so far (over every open), counted as they reach
    /// `rx`.
    pub fn received(&self) -> u64 {
        self.received
    }
    /// Bytes written to the port so far (on Windows: completed writes).
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
    /// What is to be sent (not yet handed to the OS).
    pub fn tx(&self) -> &Ring<TX> {
        &self.tx
    }
    /// What is to be sent, to write into.
    pub fn tx_mut(&mut self) -> &mut Ring<TX> {
        &mut self.tx
    }
    /// Queues as much of `data` as `tx` has room for; returns how many
    /// bytes (short when `tx` is full: the rest is still yours). Asks a
    /// runner in `Mode::Ready` for a follow-up pass.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let n = self.tx.write(data);
        if n > 0 {
            self.note();
        }
        n
    }

    /// The line settings the open port reports back (under wine on a
    /// Linux pty, and on any Linux pty, always 8 data bits and no parity).
    ///
    /// # Errors
    ///
    /// `Error::Closed` when the port is not open; the OS error of reading
    /// them back otherwise.
    pub fn settings(&self) -> Result<Settings, Error> {
        let State::Open(link) = &self.state else {
            return Err(Error::Closed);
        };
        link.settings()
    }

    /// Tells the runner that something changed (see `send`).
    fn note(&self) {
        OsLink::note(&self.host);
    }

    /// Opens the port at `tyme` with its configured settings (closing it
    /// first if open).
    ///
    /// # Errors
    ///
    /// Without reopen: the failure as `Error::Io(kind)` (`NotFound` for a
    /// path or COM port with no device), also kept in
    /// [`error`](Self::error). With reopen, the failure is kept and the
    /// open retried after the delay; the call returns `Ok`.
    pub fn open(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.close();
        self.attempts += 1;
        match OsLink::open(&self.host, &self.config) {
            Ok(link) => {
                self.state = State::Open(link);
                self.opens += 1;
                self.error = None;
                self.note();
                Ok(())
            }
            Err(e) => self.failed(tyme, e),
        }
    }

    /// Closes the port now (no reopen until [`open`](Self::open)). The
    /// rings keep their bytes; bytes the OS side had already taken in are
    /// moved into `rx` first, as far as it has room (on Windows, bytes the
    /// COM stream had taken from `tx` but not written are lost with it).
    pub fn close(&mut self) {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::Closed => return,
            State::Open(link) => self.received += link.close(&mut self.rx),
            State::Waiting(_) => {}
        }
        self.note();
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
    /// or the port would block (on Windows: hands `tx` to the COM stream,
    /// services the stream, and moves what arrived into `rx`).
    ///
    /// # Errors
    ///
    /// Without reopen, a failed open. A port that vanishes or fails while
    /// open is not an error here: it is closed and the reason kept in
    /// [`error`](Self::error) (and, with reopen on, reopened later).
    pub fn service(&mut self, tyme: Tyme) -> Result<(), Error> {
        if let State::Waiting(timer) = &self.state
            && tyme >= timer.stop()
        {
            self.open(tyme)?;
        }
        let State::Open(link) = &mut self.state else {
            return Ok(());
        };
        let moved = link.transfer(tyme, &mut self.rx, &mut self.tx);
        self.sent += moved.sent;
        self.received += moved.received;
        if moved.active {
            self.note();
        }
        if let Some(e) = moved.lost {
            self.close();
            // a vanished port is a state; with reopen off the doer goes on
            // (the application decides), so the result is dropped
            let _ = self.failed(tyme, e);
        }
        Ok(())
    }
}

/// The service doer of a [`SerialPort`] (hio's serial service doer): opens
/// the port on enter, services it every run, closes it on exit. On
/// Windows, run it with the `hio_iocp::Runner` whose port the device was
/// made on.
///
/// # Contract
///
/// * **enter** opens the port; **recur** calls [`SerialPort::service`]
///   (which reopens the port when its reopen timer expired) and asks to
///   run again on the next pass (`Recur::NEXT`); **exit** closes the port
///   (in every ending; on Windows that cancels its IO).
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
    /// With `true`, a port that vanished or failed while open (and is not
    /// to be reopened) aborts the doer with its error instead of staying a
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
