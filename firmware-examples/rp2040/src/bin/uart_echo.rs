//! `uart_echo` on the RP2040: the scenario of
//! `hio_firmware_scenarios::uart_echo` on UART0 (GPIO0 TX, GPIO1 RX),
//! paced by SysTick, sleeping with `wfi` between passes.

#![no_std]
#![no_main]

use hio_firmware_scenarios::uart_echo::{Rings, run};
use hio_hal::UartDoer;
use hio_rp2040::hal::entry;
use hio_rp2040::{WfiWait, exit, take};

// SAFETY: only core 0 runs, and only `main` (thread mode) uses RINGS.
static RINGS: Rings = unsafe { Rings::new() };

#[entry]
fn main() -> ! {
    let Some((uart, clock)) = take() else { exit(2) };
    let service = UartDoer::new("uart", uart, RINGS.rx(), RINGS.tx());
    exit(run(service, &RINGS, clock, WfiWait, None))
}
