//! `dodoer_blink` on the STM32F411: the scenario of
//! `hio_firmware_scenarios::dodoer_blink`, paced by SysTick, sleeping with
//! `wfi` between passes.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hio_firmware_scenarios::dodoer_blink::run;
use hio_stm32f411::{WfiWait, exit, take};

#[entry]
fn main() -> ! {
    let Some((_uart, clock)) = take() else {
        exit(2)
    };
    exit(run(clock, WfiWait))
}
