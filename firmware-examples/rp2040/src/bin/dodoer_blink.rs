//! `dodoer_blink` on the RP2040: the scenario of
//! `hio_firmware_scenarios::dodoer_blink`, paced by SysTick, sleeping with
//! `wfi` between passes.

#![no_std]
#![no_main]

use hio_firmware_scenarios::dodoer_blink::run;
use hio_rp2040::hal::entry;
use hio_rp2040::{WfiWait, exit, take};

#[entry]
fn main() -> ! {
    let Some((_uart, clock)) = take() else {
        exit(2)
    };
    exit(run(clock, WfiWait))
}
