//! The Unix link of the serial port device: a non-blocking tty from
//! mio-serial, registered with a `hio_mio::Runner`'s poll or polled, and
//! the constructors that choose between the two.

use std::fmt;
use std::io::{self, Read, Write};

use hio::buf::Ring;
use hio::{Error, IoKind, Tyme};
use hio_mio::{Io, Ready, Registered, io_kind};
use mio::Interest;
use mio_serial::{SerialPort as _, SerialStream};

use crate::config::{PortConfig, PortError, Settings, serial_kind};
use crate::port::SerialPort;
use crate::sys::{Link, Moved};

/// The open tty, registered with a runner's poll or polled every pass.
pub(crate) enum Tty {
    /// No runner: every service tries (the fd is non-blocking).
    Polled(SerialStream),
    /// In the runner's poll: a service tries only what the runner saw ready.
    Registered(Registered<SerialStream>),
}

impl fmt::Debug for Tty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tty::Polled(_) => f.write_str("polled"),
            Tty::Registered(r) => write!(f, "{:?}", r.ready()),
        }
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
}

impl Tty {
    fn stream(&self) -> &SerialStream {
        match self {
            Tty::Polled(s) => s,
            Tty::Registered(r) => r.get(),
        }
    }
    fn stream_mut(&mut self) -> &mut SerialStream {
        match self {
            Tty::Polled(s) => s,
            Tty::Registered(r) => r.get_mut(),
        }
    }
    fn ready(&self) -> Ready {
        match self {
            Tty::Polled(_) => Ready::BOTH,
            Tty::Registered(r) => r.ready(),
        }
    }
    fn clear(&self, what: Ready) {
        if let Tty::Registered(r) = self {
            r.clear(what);
        }
    }
}

impl Link for Tty {
    /// The readiness table of the runner whose poll the tty joins; `None`
    /// for a polled port.
    type Host = Option<Io>;

    fn open(host: &Option<Io>, c: &PortConfig) -> Result<Self, PortError> {
        let builder = mio_serial::new(c.path.to_string_lossy(), c.baud)
            .data_bits(c.data_bits)
            .parity(c.parity)
            .stop_bits(c.stop_bits)
            .flow_control(c.flow_control);
        let stream = SerialStream::open(&builder).map_err(|e| PortError::Open(serial_kind(&e)))?;
        match host {
            None => Ok(Tty::Polled(stream)),
            Some(io) => Registered::new(io, stream, Interest::READABLE | Interest::WRITABLE)
                .map(Tty::Registered)
                .map_err(|e| PortError::Open(io_kind(e.kind()))),
        }
    }

    fn note(host: &Option<Io>) {
        if let Some(io) = host {
            io.note_activity();
        }
    }

    fn settings(&self) -> Result<Settings, Error> {
        let s = self.stream();
        let e = |e: serialport::Error| Error::Io(serial_kind(&e));
        Ok(Settings {
            baud: s.baud_rate().map_err(e)?,
            data_bits: s.data_bits().map_err(e)?,
            parity: s.parity().map_err(e)?,
            stop_bits: s.stop_bits().map_err(e)?,
            flow_control: s.flow_control().map_err(e)?,
        })
    }

    fn transfer<const RX: usize, const TX: usize>(
        &mut self,
        _tyme: Tyme,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> Moved {
        let (sent, werr) = send(self, tx);
        let (received, rerr) = if werr.is_none() {
            receive(self, rx)
        } else {
            (0, None)
        };
        Moved {
            sent: sent as u64,
            received: received as u64,
            active: sent + received > 0,
            lost: werr.or(rerr),
        }
    }

    /// Nothing to hand over: the tty keeps no bytes of its own.
    fn close<const RX: usize>(self, _rx: &mut Ring<RX>) -> u64 {
        0
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
fn send<const N: usize>(link: &mut Tty, tx: &mut Ring<N>) -> (usize, Option<PortError>) {
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
fn receive<const N: usize>(link: &mut Tty, rx: &mut Ring<N>) -> (usize, Option<PortError>) {
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
