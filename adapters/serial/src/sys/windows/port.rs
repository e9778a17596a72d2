//! The Windows link of the serial port device: an overlapped COM port
//! ([`hio_iocp::Stream`]) on the completion port of a
//! [`hio_iocp::Runner`], and the constructor that makes a port on that
//! runner's [`Port`].

use std::fmt;

use hio::buf::Ring;
use hio::{Error, IoKind, Tyme};
use hio_iocp::{Device, Port, SerialConfig, Stream};
use serialport::{DataBits, FlowControl, Parity, StopBits};

use crate::config::{PortConfig, PortError, Settings};
use crate::port::{SerialPort, State};
use crate::sys::{Link, Moved};

/// The stream's own rings: the staging between the kernel's buffers and
/// the device's rings (which survive a reopen). One overlapped read or
/// write moves at most this much.
const RX_CHUNK: usize = 4096;
const TX_CHUNK: usize = 4096;

/// The open COM stream (boxed: its rings and operation cells are large,
/// and it is made and dropped on every reopen).
pub(crate) struct Com {
    stream: Box<Stream<RX_CHUNK, TX_CHUNK>>,
    /// The stream's `sent()` at the last service (its counter restarts
    /// with every open).
    sent: u64,
}

impl fmt::Debug for Com {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in flight: {}", self.stream.in_flight())
    }
}

impl<const RX: usize, const TX: usize> SerialPort<RX, TX> {
    /// A port on `port`, the completion port of the
    /// [`hio_iocp::Runner`] that will run its
    /// [`PortDoer`](crate::PortDoer); not open yet (its doer opens it on
    /// enter). `config.path` is the COM port's name (`COM5`, or
    /// `\\.\COM12`).
    pub fn with_port(port: &Port, config: PortConfig) -> Self {
        Self::make(port.clone(), config)
    }

    /// True when nothing is waiting to be written: `tx` is empty and the
    /// COM stream has written everything it took (or the port is not open).
    pub fn flushed(&self) -> bool {
        self.tx.is_empty()
            && match &self.state {
                State::Open(com) => com.stream.flushed(),
                _ => true,
            }
    }
}

impl Link for Com {
    /// The completion port of the runner that runs the port's doer.
    type Host = Port;

    fn open(port: &Port, config: &PortConfig) -> Result<Self, PortError> {
        let name = config.path.to_string_lossy().into_owned();
        match Stream::serial(port, &name, &to_iocp(config)) {
            Ok(stream) => Ok(Com {
                stream: Box::new(stream),
                sent: 0,
            }),
            Err(e) => Err(PortError::Open(kind(e))),
        }
    }

    fn note(port: &Port) {
        port.note_activity();
    }

    /// `GetCommState`: under wine on a Linux pty, always 8 data bits and
    /// no parity.
    fn settings(&self) -> Result<Settings, Error> {
        Ok(from_iocp(&self.stream.serial_config()?))
    }

    fn transfer<const RX: usize, const TX: usize>(
        &mut self,
        tyme: Tyme,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> Moved {
        let stream = &mut self.stream;
        let handed = shift(tx, stream.tx_mut());
        let result = stream.service(tyme);
        let moved = shift(stream.rx_mut(), rx);
        // a second round: what was just moved out of the stream's ring
        // makes room for the next read, started now instead of next pass
        let result = result.and_then(|()| stream.service(tyme));
        let sent = stream.sent();
        let newly_sent = sent.saturating_sub(self.sent);
        self.sent = sent;
        let lost = match result {
            Err(e) => Some(PortError::Failed(kind(e))),
            Ok(()) if stream.cutoff() => Some(match stream.error() {
                Some(e) => PortError::Failed(kind(e)),
                None => PortError::Hangup,
            }),
            Ok(()) => None,
        };
        Moved {
            sent: newly_sent,
            received: moved,
            active: handed + moved > 0,
            lost,
        }
    }

    /// Moves what the stream had received into `rx` (as far as it has
    /// room), then drops the stream, which cancels its IO.
    fn close<const RX: usize>(mut self, rx: &mut Ring<RX>) -> u64 {
        shift(self.stream.rx_mut(), rx)
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
