//! `dodoer_blink` on QEMU's mps2-an386: the scenario of
//! `hio_firmware_scenarios::dodoer_blink`, paced by SysTick, sleeping with
//! `wfi` between passes.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use hio_firmware_scenarios::dodoer_blink::run;
use hio_qemu_mps2_an386::{WfiWait, exit, start_clock};

#[entry]
fn main() -> ! {
    let Some(cp) = cortex_m::Peripherals::take() else {
        exit(2)
    };
    exit(run(start_clock(cp.SYST), WfiWait))
}
