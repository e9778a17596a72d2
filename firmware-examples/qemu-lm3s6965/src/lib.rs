//! Board support for QEMU's `lm3s6965evb` (Cortex-M3, 12 MHz core clock):
//! the pieces a hio firmware plugs into the core.
//!
//! * [`start_clock`]: SysTick as a 1 kHz tick counted by hio-hal's
//!   [`TickCounter`], read through a [`WrappingClock`] as hio's
//!   [`Clock`](hio::Clock) ([`SysTickClock`]).
//! * [`WfiWait`] (from hio-hal): a [`Wait`](hio::Wait) that sleeps the core
//!   (`wfi`) until the next due tyme; the SysTick interrupt wakes it every
//!   millisecond.
//! * [`pl011`]: UART0 as embedded-io devices.
//! * [`exit`]: ends the QEMU run with an exit code (extended semihosting
//!   exit), and a HardFault handler that exits with code 3 instead of hanging
//!   (cortex-m-rt's default handler loops forever, which would make a CI run
//!   hang until its timeout). A panic prints over defmt, then faults, then
//!   exits with code 3.
//!
//! Logging is defmt over semihosting (`defmt-semihosting`): QEMU writes the
//! frames to its stdout and `defmt-print -e ELF` decodes them on the host
//! (`qemu-run.sh`, the cargo runner).

#![no_std]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod pl011;

use cortex_m::peripheral::SYST;
use cortex_m_rt::{ExceptionFrame, exception};
use defmt_semihosting as _;
pub use hio_hal::WfiWait;
use hio_hal::{TickCounter, WrappingClock};
use lm3s6965 as _; // interrupt vectors and memory.x
use panic_probe as _;

pub use pl011::{Pl011Error, Uart0};

/// Core clock of the emulated board.
pub const CORE_HZ: u32 = 12_000_000;

/// SysTick interrupts since [`start_clock`].
static TICKS: TickCounter = TickCounter::new();

#[exception]
fn SysTick() {
    TICKS.tick();
}

/// Milliseconds since [`start_clock`], as hio's clock: a 1 kHz tick count
/// extended to 64-bit tyme.
pub type SysTickClock = WrappingClock<&'static TickCounter, 1_000>;

/// Starts SysTick at 1 kHz from the core clock and returns the clock on it.
#[inline]
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
