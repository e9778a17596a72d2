//! Board support for the RP2040 (Raspberry Pi Pico: dual Cortex-M0+, one
//! used; 12 MHz crystal, 125 MHz system clock): the pieces a hio firmware
//! plugs into the core, on rp2040-hal 0.12.
//!
//! * [`take`]: clocks, and UART0 on GPIO0 (TX) / GPIO1 (RX) at 115 200
//!   baud. rp2040-hal's `UartPeripheral` implements embedded-io 0.7's
//!   `Read`, `ReadReady`, `Write` and `WriteReady`, so it is a hio-hal
//!   `Uart` as it is: no shim.
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
use hio_hal::{TickCounter, Uart, WrappingClock};
use panic_probe as _;
pub use rp2040_hal as hal;

use hal::Clock as _;
use hal::fugit::RateExtU32;
use hal::uart::{DataBits, StopBits, UartConfig, UartPeripheral};

/// The second stage bootloader, for the Pico's W25Q080 flash.
#[unsafe(link_section = ".boot2")]
#[used]
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_GENERIC_03H;

/// The Pico's crystal.
const XTAL_HZ: u32 = 12_000_000;

/// SysTick interrupts since [`take`].
static TICKS: TickCounter = TickCounter::new();

#[exception]
fn SysTick() {
    TICKS.tick();
}

/// Milliseconds since [`take`], as hio's clock.
pub type SysTickClock = WrappingClock<&'static TickCounter, 1_000>;

/// Brings the board up: clocks and PLLs, UART0 on GPIO0/GPIO1 at
/// 115 200 baud 8N1, SysTick at 1 kHz. `None` if the peripherals were
/// taken before or a clock or the UART could not be set up.
pub fn take() -> Option<(impl Uart, SysTickClock)> {
    let mut pac = hal::pac::Peripherals::take()?;
    let mut cp = cortex_m::Peripherals::take()?;
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let clocks = hal::clocks::init_clocks_and_plls(
        XTAL_HZ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    )
    .ok()?;
    let sio = hal::Sio::new(pac.SIO);
    let pins = hal::gpio::Pins::new(
        pac.IO_BANK0,
        pac.PADS_BANK0,
        sio.gpio_bank0,
        &mut pac.RESETS,
    );
    let uart_pins = (
        pins.gpio0.into_function::<hal::gpio::FunctionUart>(),
        pins.gpio1.into_function::<hal::gpio::FunctionUart>(),
    );
    let uart = UartPeripheral::new(pac.UART0, uart_pins, &mut pac.RESETS)
        .enable(
            UartConfig::new(115_200.Hz(), DataBits::Eight, None, StopBits::One),
            clocks.peripheral_clock.freq(),
        )
        .ok()?;
    let per_ms = clocks.system_clock.freq().to_Hz() / 1_000;
    hio_hal::start_systick(&mut cp.SYST, per_ms).ok()?;
    Some((uart, WrappingClock::new(&TICKS)))
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
