//! A driver for UART0 of the LM3S6965 (an ARM PL011 with Luminary's
//! identification registers) at `0x4000_C000`, as embedded-io 0.7 devices.
//!
//! All register access is in the private `reg` module below: the only
//! `unsafe` of this crate's UART code, each block with its `// SAFETY:`
//! argument. Everything above it is safe code on two functions,
//! `reg::read` and `reg::write`, that take a register offset.
//!
//! * [`Uart0`]: the whole UART, `Read + ReadReady + Write + WriteReady`
//!   (hio-hal's `Uart`), for the polled `UartDoer`.
//! * [`Uart0::split`] into [`Rx`] (for the UART interrupt handler, feeding
//!   hio-hal's `IrqProducer`) and [`Tx`] (`Write + WriteReady`, for
//!   `IrqUartDoer`).
//!
//! The emulated PL011 needs no clock gating, pin muxing or baud rate; on
//! silicon, enable UART0 and GPIO A in SYSCTL and set GPIO A0/A1 to their
//! alternate function first. QEMU applies back pressure to the host side of
//! the serial line while the receive FIFO is full, so no received byte is
//! lost in emulation while the firmware keeps up eventually.

use core::convert::Infallible;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write, WriteReady};
use hio::IoKind;

/// Register offsets and bits (PL011 TRM, LM3S6965 data sheet 12.5).
mod off {
    pub const DR: usize = 0x000;
    pub const RSR_ECR: usize = 0x004;
    pub const FR: usize = 0x018;
    pub const IBRD: usize = 0x024;
    pub const FBRD: usize = 0x028;
    pub const LCRH: usize = 0x02C;
    pub const CTL: usize = 0x030;
    pub const IM: usize = 0x038;
    pub const ICR: usize = 0x044;
}
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
const FR_BUSY: u32 = 1 << 3;
const DR_FE: u32 = 1 << 8;
const DR_PE: u32 = 1 << 9;
const DR_BE: u32 = 1 << 10;
const DR_OE: u32 = 1 << 11;
/// Receive and receive-timeout interrupts.
const IM_RX: u32 = (1 << 4) | (1 << 6);

/// The only unsafe code of the UART: volatile access to UART0's registers.
mod reg {
    /// UART0's register block.
    const BASE: usize = 0x4000_C000;

    /// Reads the 32-bit register at `offset` (one of `super::off`).
    #[inline(always)]
    pub fn read(offset: usize) -> u32 {
        // SAFETY: `BASE + offset` is a word-aligned register of UART0, which
        // is always mapped on this chip (offsets come from `super::off`, all
        // below 0x1000). A volatile read has no effect beyond the
        // register's own (reading DR pops the receive FIFO), and only the
        // owner of the `Uart0`/`Rx` handle reads DR.
        unsafe { core::ptr::read_volatile((BASE + offset) as *const u32) }
    }

    /// Writes the 32-bit register at `offset` (one of `super::off`).
    #[inline(always)]
    pub fn write(offset: usize, value: u32) {
        // SAFETY: as for `read`; the values written are the documented
        // bit patterns of each register, and writing DR (only done by the
        // owner of the `Uart0`/`Tx` handle) pushes into the transmit FIFO.
        unsafe { core::ptr::write_volatile((BASE + offset) as *mut u32, value) }
    }
}

/// A receive error the PL011 flags on a byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub enum Pl011Error {
    /// The receive FIFO overflowed: bytes before this one were lost.
    Overrun,
    /// A break condition (the line held low for a whole frame).
    Break,
    /// A parity error.
    Parity,
    /// A framing error (no valid stop bit).
    Framing,
}

impl Pl011Error {
    fn from_dr(dr: u32) -> Option<Self> {
        if dr & DR_OE != 0 {
            Some(Pl011Error::Overrun)
        } else if dr & DR_BE != 0 {
            Some(Pl011Error::Break)
        } else if dr & DR_PE != 0 {
            Some(Pl011Error::Parity)
        } else if dr & DR_FE != 0 {
            Some(Pl011Error::Framing)
        } else {
            None
        }
    }

    /// The exact hio kind: [`IoKind::Overrun`] for an overrun,
    /// [`IoKind::InvalidData`] otherwise (for hio-hal's `with_error_map`).
    pub fn io_kind(&self) -> IoKind {
        match self {
            Pl011Error::Overrun => IoKind::Overrun,
            _ => IoKind::InvalidData,
        }
    }
}

impl fmt::Display for Pl011Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl core::error::Error for Pl011Error {}

impl embedded_io::Error for Pl011Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Pl011Error::Overrun => ErrorKind::Other,
            _ => ErrorKind::InvalidData,
        }
    }
}

static TAKEN: AtomicBool = AtomicBool::new(false);

/// UART0, owned: at most one handle exists.
pub struct Uart0 {
    rx: Rx,
    tx: Tx,
}

impl Uart0 {
    /// Takes UART0 and configures it: 8N1, FIFOs on, 115 200 baud at the
    /// 12 MHz core clock, receiver and transmitter on, interrupts masked.
    /// `None` if it was taken before.
    pub fn take() -> Option<Self> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return None;
        }
        reg::write(off::CTL, 0);
        // 12 MHz / (16 * 115200) = 6.5104: IBRD 6, FBRD round(0.5104 * 64)
        reg::write(off::IBRD, 6);
        reg::write(off::FBRD, 33);
        // 8 data bits (WLEN = 0b11), FIFOs enabled (FEN)
        reg::write(off::LCRH, (0b11 << 5) | (1 << 4));
        reg::write(off::IM, 0);
        reg::write(off::ICR, 0x7FF);
        reg::write(off::RSR_ECR, 0);
        // UARTEN, TXE, RXE
        reg::write(off::CTL, 1 | (1 << 8) | (1 << 9));
        Some(Uart0 {
            rx: Rx {
                held: None,
                err: None,
            },
            tx: Tx(()),
        })
    }

    /// The receive half (for an interrupt handler) and the transmit half.
    pub fn split(self) -> (Rx, Tx) {
        (self.rx, self.tx)
    }
}

/// The receive side of UART0.
pub struct Rx {
    /// A good byte that came with an overrun flag: handed out after it.
    held: Option<u8>,
    /// An error met after some bytes were read: reported next.
    err: Option<Pl011Error>,
}

impl Rx {
    /// Unmasks the receive and receive-timeout interrupts (UART0 is
    /// interrupt 5): the handler must then read until [`Rx::try_read`]
    /// gives `None`, which clears them.
    pub fn listen(&mut self) {
        reg::write(off::IM, IM_RX);
    }

    /// True when [`try_read`](Self::try_read) has something to give.
    pub fn is_ready(&self) -> bool {
        self.held.is_some() || self.err.is_some() || reg::read(off::FR) & FR_RXFE == 0
    }

    /// The next received byte, if the FIFO has one. A byte flagged with a
    /// framing, parity or break error is dropped and the error returned; an
    /// overrun is returned as an error and its (good) byte comes next.
    pub fn try_read(&mut self) -> Option<Result<u8, Pl011Error>> {
        if let Some(e) = self.err.take() {
            return Some(Err(e));
        }
        if let Some(b) = self.held.take() {
            return Some(Ok(b));
        }
        if reg::read(off::FR) & FR_RXFE != 0 {
            return None;
        }
        let dr = reg::read(off::DR);
        match Pl011Error::from_dr(dr) {
            None => Some(Ok(dr as u8)),
            Some(e) => {
                reg::write(off::RSR_ECR, 0);
                if e == Pl011Error::Overrun && dr & (DR_BE | DR_PE | DR_FE) == 0 {
                    self.held = Some(dr as u8);
                }
                Some(Err(e))
            }
        }
    }
}

impl ErrorType for Rx {
    type Error = Pl011Error;
}

impl ReadReady for Rx {
    fn read_ready(&mut self) -> Result<bool, Pl011Error> {
        Ok(self.is_ready())
    }
}

impl Read for Rx {
    /// Blocks (spins) only while nothing at all has arrived, as embedded-io
    /// requires; then returns what the FIFO has, without waiting for more.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Pl011Error> {
        let mut n = 0;
        for slot in buf.iter_mut() {
            let next = loop {
                match self.try_read() {
                    None if n == 0 => continue,
                    other => break other,
                }
            };
            match next {
                Some(Ok(b)) => {
                    *slot = b;
                    n += 1;
                }
                Some(Err(e)) if n == 0 => return Err(e),
                Some(Err(e)) => {
                    self.err = Some(e);
                    break;
                }
                None => break,
            }
        }
        Ok(n)
    }
}

/// The transmit side of UART0.
pub struct Tx(());

impl ErrorType for Tx {
    type Error = Infallible;
}

impl WriteReady for Tx {
    fn write_ready(&mut self) -> Result<bool, Infallible> {
        Ok(reg::read(off::FR) & FR_TXFF == 0)
    }
}

impl Write for Tx {
    /// Blocks (spins) only while the transmit FIFO is full before the first
    /// byte, as embedded-io requires.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        let mut n = 0;
        for &b in buf {
            if reg::read(off::FR) & FR_TXFF != 0 {
                if n > 0 {
                    break;
                }
                while reg::read(off::FR) & FR_TXFF != 0 {}
            }
            reg::write(off::DR, u32::from(b));
            n += 1;
        }
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), Infallible> {
        while reg::read(off::FR) & FR_BUSY != 0 {}
        Ok(())
    }
}

/// Transmit errors cannot happen; receive errors are [`Pl011Error`]s.
impl ErrorType for Uart0 {
    type Error = Pl011Error;
}

impl ReadReady for Uart0 {
    fn read_ready(&mut self) -> Result<bool, Pl011Error> {
        self.rx.read_ready()
    }
}

impl Read for Uart0 {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Pl011Error> {
        self.rx.read(buf)
    }
}

impl WriteReady for Uart0 {
    fn write_ready(&mut self) -> Result<bool, Pl011Error> {
        Ok(reg::read(off::FR) & FR_TXFF == 0)
    }
}

impl Write for Uart0 {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Pl011Error> {
        match self.tx.write(buf) {
            Ok(n) => Ok(n),
            Err(never) => match never {},
        }
    }
    fn flush(&mut self) -> Result<(), Pl011Error> {
        match self.tx.flush() {
            Ok(()) => Ok(()),
            Err(never) => match never {},
        }
    }
}
