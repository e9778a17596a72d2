//! The serial port device ([`SerialPort`]) and its service doer
//! ([`PortDoer`]) on Windows: an overlapped COM port ([`hio_iocp::Stream`])
//! on the completion port of a [`hio_iocp::Runner`].

use std::cell::RefCell;
use std::fmt;

use hio::buf::Ring;
use hio::{Cx, Doer, Error, IoKind, Recur, Tyme, Tymee, Tymer};
use hio_iocp::{Device, Port, SerialConfig, Stream};
use serialport::{DataBits, FlowControl, Parity, StopBits};

use crate::config::{PortConfig, PortError, Settings};

enum State {
    /// Not open and not trying (before the first open, after a close, or
    /// failed without reopen).
    Closed,
    /// Open: the COM stream (boxed: its rings and operation cells are
    /// large, and it is made and dropped on every reopen).
    Open(Box<Stream<RX_CHUNK, TX_CHUNK>>),
    /// Waiting to reopen when this timer expires.
    Waiting(Tymer<'static>),
}

/// The stream's own rings: the staging between the kernel's buffers and
/// the device's rings (which survive a reopen). One overlapped read or
/// write moves at most this much.
const RX_CHUNK: usize = 4096;
const TX_CHUNK: usize = 4096;

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::Closed => f.write_str("Closed"),
            State::Open(s) => write!(f, "Open(in flight: {})", s.in_flight()),
            State::Waiting(t) => write!(f, "Waiting(until {:?})", t.stop()),
        }
    }
}

/// A serial port with rx/tx byte rings of `RX` and `TX` bytes (hio's
/// serial `Device`), serviced by a [`PortDoer`]. **Windows**: a COM port
/// with overlapped reads and writes on the completion port of a
/// [`hio_iocp::Runner`].
///
/// The same device as on Unix (the same [`PortConfig`], [`PortError`],
/// rings, open/service/close and reopen on a timer), with one difference:
/// the runner. Overlapped IO completes on a completion port, so the port
/// is made with [`with_port`](Self::with_port) on the [`Port`] of the
/// `hio_iocp::Runner` that runs its [`PortDoer`] (not `hio_mio`'s runner,
/// and not `Doist::run`: only that runner takes the completions off the
/// port). There is no `with_io` or `polled` constructor on Windows.
///
/// Bytes pass through the COM stream's own 4 KiB rings on their way to
/// and from the device's rings (which must survive a reopen, and a new
/// stream is opened each time): a service moves `tx` into the stream,
/// services it (collects finished operations, starts the next ones) and
/// moves what arrived into `rx`. A read is started only for the room the
/// stream's ring has, and that ring is emptied only as far as `rx` has
/// room: a full `rx` is back pressure, as on Unix.
///
/// # Contract
///
/// As on Unix: any doer context; only [`service`](Self::service),
/// [`open`](Self::open) and [`close`](Self::close) touch the OS; short
/// reads and writes are normal; one service moves at most
/// `RX + TX` bytes; a port that cannot be opened or fails keeps the reason
/// in [`error`](Self::error) and is closed (and reopened after
/// [`PortConfig::reopen`]'s delay). Closing drops the COM stream, which
/// cancels its operations and waits on the port (up to about a second) for
/// their completions before its buffers are freed.
pub struct SerialPort<const RX: usize = 4096, const TX: usize = 4096> {
    port: Port,
    config: PortConfig,
    state: State,
    rx: Box<Ring<RX>>,
    tx: Box<Ring<TX>>,
    error: Option<PortError>,
    attempts: u64,
    opens: u64,
    received: u64,
    sent: u64,
    /// The stream's `sent()` at the last service (its counter restarts
    /// with every open).
    stream_sent: u64,
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

/// hio-serial's settings (serialport's enums) as hio-iocp's.
fn to_iocp(c: &PortConfig) -> SerialConfig {
    SerialConfig::new(c.baud)
        .data_bits(match c.data_bits {
            DataBits::Five => hio_iocp::DataBits::Five,
            DataBits::Six => hio_iocp::DataBits::Six,
            DataBits::Seven => hio_iocp::DataBits::Seven,
            DataBits::Eight => hio_iocp::DataBits::Eight,
        })
        .parity(match c.parity {
            Parity::None => hio_iocp::Parity::None,
            Parity::Odd => hio_iocp::Parity::Odd,
            Parity::Even => hio_iocp::Parity::Even,
        })
        .stop_bits(match c.stop_bits {
            StopBits::One => hio_iocp::StopBits::One,
            StopBits::Two => hio_iocp::StopBits::Two,
        })
        .flow_control(match c.flow_control {
            FlowControl::None => hio_iocp::FlowControl::None,
            FlowControl::Software => hio_iocp::FlowControl::Software,
            FlowControl::Hardware => hio_iocp::FlowControl::Hardware,
        })
}

/// hio-iocp's settings read back, as hio-serial's.
fn from_iocp(c: &SerialConfig) -> Settings {
    Settings {
        baud: c.baud,
        data_bits: match c.data_bits {
            hio_iocp::DataBits::Five => DataBits::Five,
            hio_iocp::DataBits::Six => DataBits::Six,
            hio_iocp::DataBits::Seven => DataBits::Seven,
            hio_iocp::DataBits::Eight => DataBits::Eight,
        },
        parity: match c.parity {
            hio_iocp::Parity::None => Parity::None,
            hio_iocp::Parity::Odd => Parity::Odd,
            hio_iocp::Parity::Even => Parity::Even,
        },
        stop_bits: match c.stop_bits {
            hio_iocp::StopBits::One => StopBits::One,
            hio_iocp::StopBits::Two => StopBits::Two,
        },
        flow_control: match c.flow_control {
            hio_iocp::FlowControl::None => FlowControl::None,
            hio_iocp::FlowControl::Software => FlowControl::Software,
            hio_iocp::FlowControl::Hardware => FlowControl::Hardware,
        },
    }
}

/// The kind of an hio error from the stream (always `Io` from the OS).
fn kind(e: Error) -> IoKind {
    match e {
        Error::Io(k) => k,
        _ => IoKind::Other,
    }
}

impl<const RX: usize, const TX: usize> SerialPort<RX, TX> {
    /// A port on `port`, the completion port of the
    /// [`hio_iocp::Runner`] that will run its [`PortDoer`]; not open yet
    /// (its doer opens it on enter). `config.path` is the COM port's name
    /// (`COM5`, or `\\.\COM12`).
    pub fn with_port(port: &Port, config: PortConfig) -> Self {
        SerialPort {
            port: port.clone(),
            config,
            state: State::Closed,
            rx: Box::new(Ring::new()),
            tx: Box::new(Ring::new()),
            error: None,
            attempts: 0,
            opens: 0,
            received: 0,
            sent: 0,
            stream_sent: 0,
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
    /// Bytes written to the port so far (completed writes).
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
    /// What is to be sent (not yet handed to the COM stream).
    pub fn tx(&self) -> &Ring<TX> {
        &self.tx
    }
    /// What is to be sent, to write into.
    pub fn tx_mut(&mut self) -> &mut Ring<TX> {
        &mut self.tx
    }
    /// Queues as much of `data` as `tx` has room for; returns how many
    /// bytes (short when `tx` is full: the rest is still yours). Asks a
    /// [`Mode::Ready`](hio_iocp::Mode::Ready) runner for a follow-up pass.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let n = self.tx.write(data);
        if n > 0 {
            self.port.note_activity();
        }
        n
    }

    /// True when nothing is waiting to be written: `tx` is empty and the
    /// COM stream has written everything it took (or the port is not open).
    pub fn flushed(&self) -> bool {
        self.tx.is_empty()
            && match &self.state {
                State::Open(s) => s.flushed(),
                _ => true,
            }
    }

    /// The line settings the open port reports back (`GetCommState`:
    /// under wine on a Linux pty, always 8 data bits and no parity).
    ///
    /// # Errors
    ///
    /// `Error::Closed` when the port is not open; the OS error of reading
    /// them back otherwise.
    pub fn settings(&self) -> Result<Settings, Error> {
        let State::Open(stream) = &self.state else {
            return Err(Error::Closed);
        };
        Ok(from_iocp(&stream.serial_config()?))
    }

    /// Opens the port at `tyme` with its configured settings (closing it
    /// first if open).
    ///
    /// # Errors
    ///
    /// Without reopen: the failure as `Error::Io(kind)` (`NotFound` for a
    /// COM port that does not exist), also kept in [`error`](Self::error).
    /// With reopen, the failure is kept and the open retried after the
    /// delay; the call returns `Ok`.
    pub fn open(&mut self, tyme: Tyme) -> Result<(), Error> {
        self.close();
        self.attempts += 1;
        let name = self.config.path.to_string_lossy().into_owned();
        match Stream::serial(&self.port, &name, &to_iocp(&self.config)) {
            Ok(stream) => {
                self.state = State::Open(Box::new(stream));
                self.stream_sent = 0;
                self.opens += 1;
                self.error = None;
                self.port.note_activity();
                Ok(())
            }
            Err(e) => self.failed(tyme, PortError::Open(kind(e))),
        }
    }

    /// Closes the port now (no reopen until [`open`](Self::open)). The
    /// rings keep their bytes; bytes the COM stream had received are moved
    /// into `rx` first (as far as it has room), bytes it had taken from
    /// `tx` but not written are lost with it.
    pub fn close(&mut self) {
        if let State::Open(stream) = &mut self.state {
            self.received += shift(stream.rx_mut(), &mut self.rx);
            self.port.note_activity();
        }
        self.state = State::Closed;
    }

    /// The port failed with `e` at `tyme`: wait to reopen, or stay closed.
    fn failed(&mut self, tyme: Tyme, e: PortError) -> Result<(), Error> {
        self.error = Some(e);
        self.port.note_activity();
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
    /// timer has expired, hands what `tx` holds to the COM stream, services
    /// the stream (collects finished reads and writes, starts new ones),
    /// and moves what arrived into `rx` as far as it has room.
    ///
    /// # Errors
    ///
    /// Without reopen, a failed open. A port that fails while open is not
    /// an error here: it is closed and the reason kept in
    /// [`error`](Self::error) (and, with reopen on, reopened later).
    pub fn service(&mut self, tyme: Tyme) -> Result<(), Error> {
        if let State::Waiting(timer) = &self.state
            && tyme >= timer.stop()
        {
            self.open(tyme)?;
        }
        let State::Open(stream) = &mut self.state else {
            return Ok(());
        };
        let handed = shift(&mut self.tx, stream.tx_mut());
        let result = stream.service(tyme);
        let moved = shift(stream.rx_mut(), &mut self.rx);
        // a second round: what was just moved out of the stream's ring
        // makes room for the next read, started now instead of next pass
        let result = result.and_then(|()| stream.service(tyme));
        let sent = stream.sent();
        self.sent += sent.saturating_sub(self.stream_sent);
        self.stream_sent = sent;
        self.received += moved;
        if handed + moved > 0 {
            self.port.note_activity();
        }
        let lost = match result {
            Err(e) => Some(PortError::Failed(kind(e))),
            Ok(()) if stream.cutoff() => Some(match stream.error() {
                Some(e) => PortError::Failed(kind(e)),
                None => PortError::Hangup,
            }),
            Ok(()) => None,
        };
        if let Some(e) = lost {
            self.close();
            // a failed port is a state; with reopen off the doer goes on
            // (the application decides), so the result is dropped
            let _ = self.failed(tyme, e);
        }
        Ok(())
    }
}

/// Moves bytes from `from` to `to`, as far as `from` has bytes and `to`
/// room; returns how many.
fn shift<const A: usize, const B: usize>(from: &mut Ring<A>, to: &mut Ring<B>) -> u64 {
    let mut moved = 0;
    while !from.is_empty() && !to.is_full() {
        let n = to.write(from.readable());
        if n == 0 {
            break;
        }
        moved += from.consume(n) as u64;
    }
    moved
}

/// The service doer of a [`SerialPort`] (hio's serial service doer): opens
/// the port on enter, services it every run, closes it on exit. Run it
/// with the [`hio_iocp::Runner`] whose port the device was made on.
///
/// # Contract
///
/// As on Unix: **enter** opens the port; **recur** calls
/// [`SerialPort::service`] and asks to run again on the next pass;
/// **exit** closes the port (in every ending, which cancels its IO).
/// Without reopen, a port that cannot be opened aborts the doer with its
/// error (`Io(NotFound)` for a missing COM port); with
/// [`fail_on_hangup`](Self::fail_on_hangup), a port that failed while
/// open aborts it too. The device borrowed elsewhere during the step is
/// `Error::Misuse`.
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
    /// With `true`, a port that failed while open (and is not to be
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
