//! Board support for QEMU's `lm3s6965evb` (Cortex-M3, 12 MHz core clock):
//! the pieces a hio firmware plugs into the core.
//!
//! * [`SysTickClock`]: a 1 kHz SysTick counter as hio's [`Clock`].
//! * [`WfiWait`]: a [`Wait`] that sleeps the core (`wfi`) until the next due
//!   tyme; the SysTick interrupt wakes it every millisecond.
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

use core::cell::Cell;

use cortex_m::interrupt::Mutex;
use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{ExceptionFrame, exception};
use defmt_semihosting as _;
use hio::{Clock, Tyme, Wait};
use lm3s6965 as _; // interrupt vectors and memory.x
use panic_probe as _;

/// Core clock of the emulated board.
pub const CORE_HZ: u32 = 12_000_000;

static MILLIS: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

#[exception]
fn SysTick() {
    cortex_m::interrupt::free(|cs| {
        let m = MILLIS.borrow(cs);
        m.set(m.get() + 1);
    });
}

/// Milliseconds since [`SysTickClock::start`], as hio's clock.
pub struct SysTickClock(());

impl SysTickClock {
    /// Starts SysTick at 1 kHz from the core clock.
    pub fn start(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(CORE_HZ / 1_000 - 1);
        syst.clear_current();
        syst.enable_counter();
        syst.enable_interrupt();
        SysTickClock(())
    }
}

impl Clock for SysTickClock {
    fn now(&mut self) -> Tyme {
        Tyme::from_millis(cortex_m::interrupt::free(|cs| MILLIS.borrow(cs).get()))
    }
}

/// Sleeps the core until the deadline; any interrupt (SysTick every
/// millisecond, a UART byte) wakes it to check.
pub struct WfiWait;

impl Wait<SysTickClock> for WfiWait {
    fn wait_until(&mut self, clock: &mut SysTickClock, deadline: Tyme) {
        while clock.now() < deadline {
            cortex_m::asm::wfi();
        }
    }
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
