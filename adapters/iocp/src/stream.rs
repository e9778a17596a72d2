//! Byte streams on the completion port: named pipes (server and client)
//! and COM serial ports, each with an `rx` and a `tx` byte ring.

use std::fmt;

use hio::buf::Ring;
use hio::{Error, Tyme};

use crate::port::{Device, Port, to_error};
use crate::serial::SerialConfig;
use crate::sys::{self, Failure};

/// The largest single overlapped transfer (the operation's own buffer).
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    PipeServer,
    PipeClient,
    Serial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// A client waiting for its pipe to exist.
    Opening,
    /// A server waiting for its client.
    Listening,
    /// Moving bytes.
    Open,
    /// The other end went away, or the device failed.
    Closed,
}

/// A byte stream through the completion port: a named pipe server or
/// client, or a COM port. Bytes read land in [`rx`](Self::rx) (up to `RX`),
/// bytes put in [`tx`](Self::tx) (up to `TX`) are written out. Share it
/// with a [`Service`](crate::Service) doer through a `RefCell`.
///
/// Each stream has at most one overlapped read and one overlapped write in
/// flight, each with its own buffer (at most 64 KiB, at most the ring):
/// a read is started only for as many bytes as `rx` has room for, so
/// a full `rx` is back pressure on the other end; a write takes the bytes
/// out of `tx` into its buffer and is restarted for the rest if the device
/// took fewer.
///
/// # Contract
///
/// * **Contexts.** Any doer context; [`service`](Device::service) is meant
///   for its service doer, once per pass.
/// * **Short reads and writes.** Normal: a read completes with what has
///   arrived (a COM port: 1 ms after the last byte of a burst).
/// * **Ending.** A pipe whose other end closed is [`cutoff`](Self::cutoff);
///   the bytes it sent before are in `rx`. Not an error of the tree; other
///   OS errors are also kept in [`error`](Self::error) and returned by
///   `service` once.
/// * **Cancel.** [`cancel`](Device::cancel) cancels both operations; the
///   stream stays open and a later `service` goes on. Bytes a cancelled
///   write had taken from `tx` are written again by the next service; a
///   cancelled read took nothing.
/// * **Drop.** Dropping a stream with IO in flight cancels it and waits (up
///   to about a second, on the port) for the completions, so its buffers are
///   freed only after the kernel is done with them; if they do not come,
///   the buffers are kept until the port takes them (never freed early).
pub struct Stream<const RX: usize, const TX: usize> {
    kind: Kind,
    name: String,
    handle: Option<sys::Handle>,
    state: State,
    rx: Ring<RX>,
    tx: Ring<TX>,
    connect: sys::Op,
    read: sys::Op,
    /// Bytes of a finished read not yet in `rx` (`rx` had filled meanwhile).
    unread: (usize, usize),
    write: sys::Op,
    /// The write buffer's bytes not yet written: `from..to`.
    unwritten: (usize, usize),
    error: Option<Error>,
    received: u64,
    sent: u64,
    cancelled: u64,
    /// Last: dropped after the handle and the operations.
    port: Port,
}

impl<const RX: usize, const TX: usize> fmt::Debug for Stream<RX, TX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("state", &self.state)
            .field("rx", &self.rx.len())
            .field("tx", &self.tx.len())
            .field("read", &self.read)
            .field("write", &self.write)
            .field("error", &self.error)
            .finish()
    }
}

impl<const RX: usize, const TX: usize> Stream<RX, TX> {
    fn new(port: &Port, kind: Kind, name: &str, handle: Option<sys::Handle>, state: State) -> Self {
        Stream {
            port: port.clone(),
            kind,
            name: name.to_owned(),
            handle,
            state,
            rx: Ring::new(),
            tx: Ring::new(),
            connect: sys::Op::new(0),
            read: sys::Op::new(RX.min(CHUNK)),
            unread: (0, 0),
            write: sys::Op::new(TX.min(CHUNK)),
            unwritten: (0, 0),
            error: None,
            received: 0,
            sent: 0,
            cancelled: 0,
        }
    }

    /// Creates the named pipe `name` (`\\.\pipe\name`, or a bare `name`)
    /// with one instance, and waits for its client from the first service.
    ///
    /// # Errors
    ///
    /// The OS error of creating it (also when a server already holds the
    /// name), or of associating it with the port.
    pub fn pipe_server(port: &Port, name: &str) -> Result<Self, Error> {
        let buffer = u32::try_from(RX.max(TX).min(CHUNK)).unwrap_or(4096);
        let h = sys::pipe_server(name, buffer).map_err(|e| to_error(&e))?;
        port.0.sys.associate(&h).map_err(|e| to_error(&e))?;
        Ok(Self::new(
            port,
            Kind::PipeServer,
            name,
            Some(h),
            State::Listening,
        ))
    }

    /// The client of the named pipe `name`; it connects in a service (and
    /// keeps trying each pass while the pipe does not exist or is busy).
    pub fn pipe_client(port: &Port, name: &str) -> Self {
        Self::new(port, Kind::PipeClient, name, None, State::Opening)
    }

    /// Opens the COM port `name` (`COM5`, or `\\.\COM12`) set up as
    /// `config` (DCB by `SetCommState`; reads that complete with what has
    /// arrived, by `COMMTIMEOUTS`).
    ///
    /// # Errors
    ///
    /// `Io(NotFound)` if there is no such port, or the OS error of setting
    /// it up.
    pub fn serial(port: &Port, name: &str, config: &SerialConfig) -> Result<Self, Error> {
        let h = sys::serial(name, config).map_err(|e| to_error(&e))?;
        port.0.sys.associate(&h).map_err(|e| to_error(&e))?;
        Ok(Self::new(port, Kind::Serial, name, Some(h), State::Open))
    }

    /// The settings a COM port reports back (what its driver applied;
    /// under wine, a Linux pty always reports 8 data bits and no parity).
    ///
    /// # Errors
    ///
    /// `Error::Closed` when the stream is not an open COM port (a pipe, or
    /// a port that failed), or the OS error of reading them.
    pub fn serial_config(&self) -> Result<SerialConfig, Error> {
        match (&self.handle, self.kind, self.state) {
            (Some(h), Kind::Serial, State::Open) => sys::serial_config(h).map_err(|e| to_error(&e)),
            _ => Err(Error::Closed),
        }
    }

    /// The bytes received, for the application to read.
    pub fn rx(&self) -> &Ring<RX> {
        &self.rx
    }
    /// The bytes received, to consume.
    pub fn rx_mut(&mut self) -> &mut Ring<RX> {
        &mut self.rx
    }
    /// The bytes waiting to be sent.
    pub fn tx(&self) -> &Ring<TX> {
        &self.tx
    }
    /// Where the application puts bytes to send.
    pub fn tx_mut(&mut self) -> &mut Ring<TX> {
        &mut self.tx
    }
    /// Queues `data` for sending; returns how many bytes fit.
    pub fn send(&mut self, data: &[u8]) -> usize {
        let n = self.tx.write(data);
        if n > 0 {
            self.port.note_activity();
        }
        n
    }
    /// True while bytes can move (a pipe is connected, a COM port open).
    pub fn connected(&self) -> bool {
        self.state == State::Open
    }
    /// True once the other end went away (hio's `cutoff`), or the device
    /// failed (see [`error`](Self::error)).
    pub fn cutoff(&self) -> bool {
        self.state == State::Closed
    }
    /// The last OS error, if one closed the stream.
    pub fn error(&self) -> Option<Error> {
        self.error
    }
    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }
    /// Bytes written out so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }
    /// Operations that completed as cancelled.
    pub fn cancelled(&self) -> u64 {
        self.cancelled
    }
    /// Operations of this stream in flight (lent to the kernel).
    pub fn in_flight(&self) -> usize {
        [&self.connect, &self.read, &self.write]
            .iter()
            .filter(|op| op.state() == sys::OpState::InFlight)
            .count()
    }
    /// True if nothing is waiting to be written: `tx` is empty and no
    /// write is in flight or unfinished.
    pub fn flushed(&self) -> bool {
        self.tx.is_empty() && self.unwritten.0 >= self.unwritten.1
    }

    fn close(&mut self, error: Option<Error>) {
        self.state = State::Closed;
        if error.is_some() {
            self.error = error;
        }
        if let Some(h) = &self.handle {
            self.read.cancel(h);
            self.write.cancel(h);
        }
        self.port.note_activity();
    }

    /// Collects the operations that completed, without starting new ones
    /// (what a cancelled stream needs to take its cancelled operations
    /// back). [`service`](Device::service) does this first.
    pub fn settle(&mut self) -> Result<(), Error> {
        let Some(h) = &self.handle else {
            return Ok(());
        };
        let mut failed = None;
        if let Some(r) = self.connect.finish(h) {
            match r {
                Ok(_) => {
                    self.state = State::Open;
                    self.port.note_activity();
                }
                Err(e) => failed = Some(e),
            }
        }
        if let Some(r) = self.read.finish(h) {
            match r {
                Ok(n) => {
                    self.unread = (0, n);
                    self.received += n as u64;
                    if n > 0 {
                        self.port.note_activity();
                    }
                }
                Err(e) if sys::failure(&e) == Failure::Empty => {}
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        if let Some(r) = self.write.finish(h) {
            match r {
                Ok(n) => {
                    self.unwritten.0 = (self.unwritten.0 + n).min(self.unwritten.1);
                    self.sent += n as u64;
                    self.port.note_activity();
                }
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        self.land();
        if let Some(e) = failed {
            match sys::failure(&e) {
                Failure::Cancelled => self.cancelled += 1,
                Failure::Ended => self.close(None),
                Failure::NotYet | Failure::Empty | Failure::Other => {
                    let err = to_error(&e);
                    self.close(Some(err));
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    /// Moves what a finished read brought into `rx`, as far as it fits.
    fn land(&mut self) {
        let (from, to) = self.unread;
        if from >= to {
            return;
        }
        if let Some(chunk) = self.read.buffer().and_then(|b| b.get(from..to)) {
            let n = self.rx.write(chunk);
            self.unread.0 += n;
        }
    }

    fn open_client(&mut self) -> Result<(), Error> {
        match sys::pipe_client(&self.name) {
            Ok(h) => {
                self.port.0.sys.associate(&h).map_err(|e| to_error(&e))?;
                self.handle = Some(h);
                self.state = State::Open;
                self.port.note_activity();
                Ok(())
            }
            Err(e) if sys::failure(&e) == Failure::NotYet => Ok(()),
            Err(e) => {
                let err = to_error(&e);
                self.close(Some(err));
                Err(err)
            }
        }
    }

    fn start(&mut self) -> Result<(), Error> {
        let Some(h) = &self.handle else {
            return Ok(());
        };
        let port = &self.port.0.sys;
        if self.state == State::Listening && self.connect.state() == sys::OpState::Idle {
            match self.connect.start_connect(port, h) {
                Ok(true) => {
                    self.state = State::Open;
                    self.port.note_activity();
                }
                Ok(false) => {}
                Err(e) => return self.failed(&e),
            }
        }
        if self.state != State::Open {
            return Ok(());
        }
        let room = self.rx.free();
        if self.read.state() == sys::OpState::Idle
            && self.unread.0 >= self.unread.1
            && room > 0
            && let Err(e) = self.read.start_read(port, h, room, 0)
        {
            return self.failed(&e);
        }
        if self.write.state() == sys::OpState::Idle {
            if self.unwritten.0 >= self.unwritten.1
                && !self.tx.is_empty()
                && let Some(buf) = self.write.buffer_mut()
            {
                let n = self.tx.read(buf);
                self.unwritten = (0, n);
            }
            let (from, to) = self.unwritten;
            if from < to
                && let Err(e) = self.write.start_write(port, h, from, to, 0)
            {
                return self.failed(&e);
            }
        }
        Ok(())
    }

    fn failed(&mut self, e: &std::io::Error) -> Result<(), Error> {
        if sys::failure(e) == Failure::Ended {
            self.close(None);
            Ok(())
        } else {
            let err = to_error(e);
            self.close(Some(err));
            Err(err)
        }
    }
}

impl<const RX: usize, const TX: usize> Device for Stream<RX, TX> {
    fn service(&mut self, _tyme: Tyme) -> Result<(), Error> {
        self.settle()?;
        match self.state {
            State::Opening => self.open_client()?,
            State::Closed => return Ok(()),
            State::Listening | State::Open => {}
        }
        self.start()
    }

    fn cancel(&mut self) {
        if let Some(h) = &self.handle {
            self.connect.cancel(h);
            self.read.cancel(h);
            self.write.cancel(h);
        }
    }
}

impl<const RX: usize, const TX: usize> Drop for Stream<RX, TX> {
    fn drop(&mut self) {
        self.cancel();
        // wait, on the port, for the kernel to give the buffers back
        for _ in 0..100 {
            if self.in_flight() == 0 || self.port.pump(10).is_err() {
                break;
            }
        }
    }
}
