//! A driver for UART0 of the MPS2 boards (an ARM CMSDK APB UART) at
//! `0x4000_4000`, as an embedded-io 0.7 device.
//!
//! The CMSDK UART has no FIFO: one receive and one transmit holding
//! register. QEMU holds further bytes back from the host side of the line
//! while the receive register is full, so polling loses nothing in
//! emulation; on silicon, poll faster than bytes arrive or use the
//! interrupt (IRQ 0 on AN385/AN386) with hio-hal's `IrqRx`.
//!
//! All register access is in the private `reg` module: the only `unsafe`
//! of the driver, each block with its `// SAFETY:` argument.

use core::convert::Infallible;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write, WriteReady};

/// Register offsets (CMSDK APB UART TRM).
mod off {
    pub const DATA: usize = 0x000;
    pub const STATE: usize = 0x004;
    pub const CTRL: usize = 0x008;
    pub const INTCLEAR: usize = 0x00C;
    pub const BAUDDIV: usize = 0x010;
}
const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const STATE_RX_OVERRUN: u32 = 1 << 3;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;

/// The only unsafe code of the UART: volatile access to UART0's registers.
mod reg {
    /// UART0's register block.
    const BASE: usize = 0x4000_4000;

    /// Reads the 32-bit register at `offset` (one of `super::off`).
    #[inline(always)]
    pub fn read(offset: usize) -> u32 {
        // SAFETY: `BASE + offset` is a word-aligned register of UART0, which
        // is always mapped on MPS2 boards (offsets come from `super::off`,
        // all below 0x20). Reading DATA takes the received byte, which only
        // the owner of the `Uart0` handle does.
        unsafe { core::ptr::read_volatile((BASE + offset) as *const u32) }
    }

    /// Writes the 32-bit register at `offset` (one of `super::off`).
    #[inline(always)]
    pub fn write(offset: usize, value: u32) {
        // SAFETY: as for `read`; the values written are the documented bit
        // patterns of each register, and writing DATA (only done by the
        // owner of the `Uart0` handle) starts a transmission.
        unsafe { core::ptr::write_volatile((BASE + offset) as *mut u32, value) }
    }
}

/// A receive overrun: a byte arrived while the previous one was unread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
pub struct Overrun;

impl Overrun {
    /// `IoKind::Overrun`, for hio-hal's `with_error_map`.
    pub fn io_kind(&self) -> hio::IoKind {
        hio::IoKind::Overrun
    }
}

impl fmt::Display for Overrun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receive overrun")
    }
}

impl core::error::Error for Overrun {}

impl embedded_io::Error for Overrun {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

static TAKEN: AtomicBool = AtomicBool::new(false);

/// UART0, owned: at most one handle exists.
pub struct Uart0(());

impl Uart0 {
    /// Takes UART0 and configures it: transmitter and receiver on,
    /// interrupts off, 115 200 baud at the 25 MHz system clock. `None` if
    /// it was taken before.
    pub fn take() -> Option<Self> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return None;
        }
        reg::write(off::CTRL, 0);
        // 25 MHz / 115200 = 217 (QEMU needs at least 16 to move bytes)
        reg::write(off::BAUDDIV, 217);
        reg::write(off::INTCLEAR, 0xF);
        reg::write(off::STATE, 0xC); // clear both overrun flags
        reg::write(off::CTRL, CTRL_TX_EN | CTRL_RX_EN);
        Some(Uart0(()))
    }

    fn rx_ready() -> bool {
        reg::read(off::STATE) & STATE_RX_FULL != 0
    }

    fn tx_ready() -> bool {
        reg::read(off::STATE) & STATE_TX_FULL == 0
    }
}

impl ErrorType for Uart0 {
    type Error = Overrun;
}

impl ReadReady for Uart0 {
    fn read_ready(&mut self) -> Result<bool, Overrun> {
        Ok(Self::rx_ready() || reg::read(off::STATE) & STATE_RX_OVERRUN != 0)
    }
}

impl Read for Uart0 {
    /// Blocks (spins) only until the first byte, as embedded-io requires;
    /// there is only ever one byte to take.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Overrun> {
        let Some(slot) = buf.first_mut() else {
            return Ok(0);
        };
        if reg::read(off::STATE) & STATE_RX_OVERRUN != 0 {
            reg::write(off::STATE, STATE_RX_OVERRUN);
            return Err(Overrun);
        }
        while !Self::rx_ready() {}
        *slot = reg::read(off::DATA) as u8;
        Ok(1)
    }
}

impl WriteReady for Uart0 {
    fn write_ready(&mut self) -> Result<bool, Overrun> {
        Ok(Self::tx_ready())
    }
}

impl Write for Uart0 {
    /// Blocks (spins) only while the holding register is full before the
    /// first byte, as embedded-io requires; writes one byte a call.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Overrun> {
        let Some(&b) = buf.first() else {
            return Ok(0);
        };
        while !Self::tx_ready() {}
        reg::write(off::DATA, u32::from(b));
        Ok(1)
    }
    fn flush(&mut self) -> Result<(), Overrun> {
        while !Self::tx_ready() {}
        Ok(())
    }
}

/// Transmit errors cannot happen on this UART.
pub type TxError = Infallible;
