//! The Unix backend: a non-blocking tty from mio-serial.

mod port;

pub use port::{PortDoer, SerialPort};
