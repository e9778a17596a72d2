//! `uart_echo` on QEMU's mps2-an386: the scenario of
//! `hio_firmware_scenarios::uart_echo` on the CMSDK UART0, paced by SysTick,
//! sleeping with `wfi` between passes. See the scenario for what it does
//! and how it ends.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hio_firmware_scenarios::uart_echo::{IDLE_LIMIT, Rings, run};
use hio_hal::UartDoer;
use hio_qemu_mps2_an386::{Uart0, WfiWait, exit, start_clock};

// SAFETY: a single-core chip, and only `main` (thread mode) uses RINGS.
static RINGS: Rings = unsafe { Rings::new() };

#[entry]
fn main() -> ! {
    let Some(cp) = cortex_m::Peripherals::take() else {
        exit(2)
    };
    let Some(uart) = Uart0::take() else { exit(2) };
    let clock = start_clock(cp.SYST);
    let service = UartDoer::new("uart", uart, RINGS.rx(), RINGS.tx());
    exit(run(service, &RINGS, clock, WfiWait, Some(IDLE_LIMIT)))
}
