//! `uart_echo_irq` on QEMU's lm3s6965evb: the `uart_echo` scenario with
//! hio-hal's interrupt-fed receiver. The UART0 interrupt handler moves
//! every received byte from the PL011's FIFO into an [`IrqRx`] queue (an
//! SPSC byte ring); the service doer ([`IrqUartDoer`]) drains it into the
//! rx ring and writes the tx ring to the PL011 (polled). A byte that finds
//! the queue full is lost and counted as an overrun; the service counts
//! overruns and goes on (`OnError::Count`; the default, `Abort`, would end
//! the tree with `Error::Io(IoKind::Overrun)`), and the run reports the
//! count at its end.

#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m::interrupt::Mutex;
use cortex_m_rt::entry;
use hio_firmware_scenarios::uart_echo::{IDLE_LIMIT, Rings, run};
use hio_hal::{IrqProducer, IrqRx, IrqUartDoer, OnError};
use hio_qemu_lm3s6965::pl011::Rx;
use hio_qemu_lm3s6965::{Uart0, WfiWait, exit, start_clock};
use lm3s6965::{Interrupt, interrupt};

/// Bytes the interrupt handler may queue between two passes of the doer.
const QUEUE: usize = 512;

// SAFETY: a single-core chip, and only `main` (thread mode) uses RINGS.
static RINGS: Rings = unsafe { Rings::new() };

/// What the UART0 handler owns: the PL011's receive side and the queue's
/// producer half. Set once by `main` before the interrupt is unmasked.
static HANDLER: Mutex<RefCell<Option<(Rx, IrqProducer<'static, QUEUE>)>>> =
    Mutex::new(RefCell::new(None));

#[interrupt]
fn UART0() {
    cortex_m::interrupt::free(|cs| {
        if let Some((rx, queue)) = HANDLER.borrow(cs).borrow_mut().as_mut() {
            // empty the FIFO: that clears the receive interrupts
            while let Some(byte) = rx.try_read() {
                match byte {
                    Ok(b) => {
                        let _ = queue.push(b); // full: counted as an overrun
                    }
                    // an overrun, framing, parity or break error: a byte
                    // was lost on the line
                    Err(_) => queue.note_overrun(),
                }
            }
        }
    });
}

#[entry]
fn main() -> ! {
    let Some(cp) = cortex_m::Peripherals::take() else {
        exit(2)
    };
    let Some(uart) = Uart0::take() else { exit(2) };
    let Some(queue) = cortex_m::singleton!(: IrqRx<QUEUE> = IrqRx::new()) else {
        exit(2)
    };
    let clock = start_clock(cp.SYST);
    let (mut rx, tx) = uart.split();
    let (producer, consumer) = queue.split();
    rx.listen();
    cortex_m::interrupt::free(|cs| HANDLER.borrow(cs).replace(Some((rx, producer))));
    // SAFETY: unmasking UART0 cannot break a critical section: its handler
    // takes its state through `interrupt::free` and the state is in place.
    unsafe { cortex_m::peripheral::NVIC::unmask(Interrupt::UART0) };
    let service =
        IrqUartDoer::new("uart", consumer, tx, RINGS.rx(), RINGS.tx()).with_policy(OnError::Count);
    exit(run(service, &RINGS, clock, WfiWait, Some(IDLE_LIMIT)))
}
