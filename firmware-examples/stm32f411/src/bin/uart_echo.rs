//! `uart_echo` on the STM32F411: the scenario of
//! `hio_firmware_scenarios::uart_echo` on USART1 (PA9 TX, PA10 RX),
//! paced by SysTick, sleeping with `wfi` between passes.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hio_firmware_scenarios::uart_echo::{Rings, run};
use hio_hal::UartDoer;
use hio_stm32f411::{WfiWait, exit, take};

// SAFETY: a single-core chip, and only `main` (thread mode) uses RINGS.
static RINGS: Rings = unsafe { Rings::new() };

#[entry]
fn main() -> ! {
    let Some((uart, clock)) = take() else { exit(2) };
    let service = UartDoer::new("uart", uart, RINGS.rx(), RINGS.tx());
    exit(run(service, &RINGS, clock, WfiWait, None))
}
