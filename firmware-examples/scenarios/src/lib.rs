//! The hio firmware scenarios, written once and run by every board crate
//! under the same names (`src/bin/<scenario>.rs` in each board is a few
//! lines: take the peripherals, call [`uart_echo::run`] or
//! [`dodoer_blink::run`], exit with the code).
//!
//! A scenario is generic over what differs between boards: the UART (any
//! [`hio_hal::Uart`]), the clock ([`hio::Clock`]) and the waiting strategy
//! ([`hio::Wait`]). What they log goes through `defmt`; the board chooses
//! the transport (semihosting under QEMU, RTT on a probe).
//!
//! The library itself has no target: it is built by the board crates.

#![no_std]
#![deny(missing_docs)]

pub mod dodoer_blink;
pub mod uart_echo;
