//! Board support for QEMU's `mps2-an386` (Cortex-M4F with a single-precision
//! FPU, 25 MHz system clock; target `thumbv7em-none-eabihf`): the pieces a
//! hio firmware plugs into the core.
//!
//! * [`start_clock`]: SysTick as a 1 kHz tick counted by hio-hal's
//!   [`TickCounter`], read through a [`WrappingClock`] as hio's
//!   [`Clock`](hio::Clock) ([`SysTickClock`]).
//! * [`WfiWait`] (from hio-hal): sleeps the core (`wfi`) until the next due
//!   tyme; the SysTick interrupt wakes it every millisecond.
//! * [`cmsdk`]: UART0 as an embedded-io device.
//! * [`exit`]: ends the QEMU run with an exit code (extended semihosting
//!   exit), and a HardFault handler that exits with code 3 instead of
//!   hanging.
//!
//! There is no device crate for this board: `memory.x` is ours (copied by
//! `build.rs`) and the interrupt vector is cortex-m-rt's default.
//! Logging is defmt over semihosting, decoded by `qemu-run.sh`.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod cmsdk;

use cortex_m::peripheral::SYST;
use cortex_m_rt::{ExceptionFrame, exception};
use defmt_semihosting as _;
pub use hio_hal::WfiWait;
use hio_hal::{TickCounter, WrappingClock};
use panic_probe as _;

pub use cmsdk::Uart0;

/// System (core) clock of the emulated board.
pub const CORE_HZ: u32 = 25_000_000;

/// SysTick interrupts since [`start_clock`].
static TICKS: TickCounter = TickCounter::new();

#[exception]
fn SysTick() {
    TICKS.tick();
}

/// Milliseconds since [`start_clock`], as hio's clock.
pub type SysTickClock = WrappingClock<&'static TickCounter, 1_000>;

/// Starts SysTick at 1 kHz from the core clock and returns the clock on it.
pub fn start_clock(mut syst: SYST) -> SysTickClock {
    if hio_hal::start_systick(&mut syst, CORE_HZ / 1_000).is_err() {
        exit(2);
    }
    WrappingClock::new(&TICKS)
}

/// Ends the emulation with `code` (QEMU's exit status).
pub fn exit(code: i32) -> ! {
    semihosting::process::exit(code)
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    defmt::error!("HardFault at pc {=u32:#x}", frame.pc());
    exit(3)
}
