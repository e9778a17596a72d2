//! The Windows backend: a COM port through hio-iocp's completion port.

mod port;

pub(crate) use port::Com;
