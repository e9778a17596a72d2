//! COM port settings: the same surface as `serialport` (and `hio-serial`).

use std::time::Duration;

/// Bits per character (`serialport::DataBits`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DataBits {
    /// 5 bits.
    Five,
    /// 6 bits.
    Six,
    /// 7 bits.
    Seven,
    /// 8 bits.
    #[default]
    Eight,
}

/// Parity checking (`serialport::Parity`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Parity {
    /// No parity bit.
    #[default]
    None,
    /// Odd parity.
    Odd,
    /// Even parity.
    Even,
}

/// Stop bits (`serialport::StopBits`); `Two` with five data bits is 1.5,
/// as the UART does it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StopBits {
    /// One stop bit.
    #[default]
    One,
    /// Two stop bits.
    Two,
}

/// Flow control (`serialport::FlowControl`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FlowControl {
    /// None (RTS and DTR held on).
    #[default]
    None,
    /// XON/XOFF in band.
    Software,
    /// RTS/CTS handshake.
    Hardware,
}

/// How a COM port is set up when opened.
///
/// ```
/// use std::time::Duration;
/// use hio_iocp::{DataBits, FlowControl, Parity, SerialConfig, StopBits};
/// let config = SerialConfig::new(115_200)
///     .data_bits(DataBits::Seven)
///     .parity(Parity::Even)
///     .stop_bits(StopBits::Two)
///     .flow_control(FlowControl::Hardware)
///     .read_wait(Duration::from_millis(50));
/// assert_eq!(config.baud, 115_200);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SerialConfig {
    /// Bits per second.
    pub baud: u32,
    /// Bits per character.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
    /// Flow control.
    pub flow_control: FlowControl,
    /// The longest a pending read waits with nothing received before it
    /// completes empty (and is restarted). Whatever this is, a read
    /// completes 1 ms after the last byte of a burst (or when its buffer is
    /// full); this only bounds how long an idle read stays in the kernel
    /// (1 ms to about 49 days).
    pub read_wait: Duration,
}

impl SerialConfig {
    /// 8N1 at `baud`, no flow control, idle reads renewed every second.
    pub const fn new(baud: u32) -> SerialConfig {
        SerialConfig {
            baud,
            data_bits: DataBits::Eight,
            parity: Parity::None,
            stop_bits: StopBits::One,
            flow_control: FlowControl::None,
            read_wait: Duration::from_secs(1),
        }
    }
    /// With `bits` per character.
    #[must_use]
    pub const fn data_bits(mut self, bits: DataBits) -> Self {
        self.data_bits = bits;
        self
    }
    /// With `parity`.
    #[must_use]
    pub const fn parity(mut self, parity: Parity) -> Self {
        self.parity = parity;
        self
    }
    /// With `stop` bits.
    #[must_use]
    pub const fn stop_bits(mut self, stop: StopBits) -> Self {
        self.stop_bits = stop;
        self
    }
    /// With `flow` control.
    #[must_use]
    pub const fn flow_control(mut self, flow: FlowControl) -> Self {
        self.flow_control = flow;
        self
    }
    /// With idle reads renewed after `wait`.
    #[must_use]
    pub const fn read_wait(mut self, wait: Duration) -> Self {
        self.read_wait = wait;
        self
    }
}

impl Default for SerialConfig {
    fn default() -> Self {
        SerialConfig::new(9600)
    }
}
