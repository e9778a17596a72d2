//! Board support for the STM32F411CE (WeAct "black pill": Cortex-M4F,
//! 25 MHz crystal, run at 100 MHz), on stm32f4xx-hal 0.23: the pieces a
//! hio firmware plugs into the core.
//!
//! * [`take`]: clocks, and USART1 on PA9 (TX) / PA10 (RX) at 115 200 baud.
//!   stm32f4xx-hal's serial port offers embedded-hal-nb `serial::Read` and
//!   `serial::Write` (its embedded-io support is 0.6 and `Write` only), so
//!   it becomes a hio-hal `Uart` through hio-hal's `NbSerial` shim.
//! * SysTick as a 1 kHz tick counted by hio-hal's [`TickCounter`], read
//!   through a [`WrappingClock`] ([`SysTickClock`]), and hio-hal's
//!   [`WfiWait`].
//! * [`exit`]: ends a `probe-rs run` with an exit code (semihosting), and a
//!   HardFault handler that does the same with code 3.
//!
//! Logging is defmt over RTT (`defmt-rtt`), read by probe-rs.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use cortex_m_rt::{ExceptionFrame, exception};
use defmt_rtt as _;
pub use hio_hal::WfiWait;
use hio_hal::{NbSerial, TickCounter, Uart, WrappingClock};
use panic_probe as _;
pub use stm32f4xx_hal as hal;

use hal::pac;
use hal::prelude::*;
use hal::rcc::Config;

/// SysTick interrupts since [`take`].
static TICKS: TickCounter = TickCounter::new();

#[exception]
fn SysTick() {
    TICKS.tick();
}

/// Milliseconds since [`take`], as hio's clock.
pub type SysTickClock = WrappingClock<&'static TickCounter, 1_000>;

/// Brings the board up: 100 MHz from the 25 MHz crystal, USART1 on
/// PA9/PA10 at 115 200 baud 8N1 (through the nb shim), SysTick at 1 kHz.
/// `None` if the peripherals were taken before or the UART could not be
/// configured.
pub fn take() -> Option<(impl Uart, SysTickClock)> {
    let dp = pac::Peripherals::take()?;
    let mut cp = cortex_m::Peripherals::take()?;
    let mut rcc = dp.RCC.freeze(Config::hse(25.MHz()).sysclk(100.MHz()));
    let gpioa = dp.GPIOA.split(&mut rcc);
    let serial = dp
        .USART1
        .serial::<u8>((gpioa.pa9, gpioa.pa10), 115_200.bps(), &mut rcc)
        .ok()?;
    let per_ms = rcc.clocks.sysclk().raw() / 1_000;
    hio_hal::start_systick(&mut cp.SYST, per_ms).ok()?;
    Some((NbSerial::new(serial), WrappingClock::new(&TICKS)))
}

/// Ends the run with `code`: `probe-rs run` exits with it (semihosting).
/// Without a debugger attached the core stops on the breakpoint.
pub fn exit(code: i32) -> ! {
    semihosting::process::exit(code)
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    defmt::error!("HardFault at pc {=u32:#x}", frame.pc());
    exit(3)
}
