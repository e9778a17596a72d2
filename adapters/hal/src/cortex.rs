//! Cortex-M pieces (feature `cortex-m`): [`WfiWait`] and
//! [`start_systick`].

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use hio::{Clock, Error, IoKind, Tyme, Wait};

/// hio's [`Wait`] for Cortex-M: sleeps the core with `wfi` until the
/// deadline, waking on every interrupt to look at the clock.
///
/// The check and the sleep happen with interrupts masked (`wfi` still
/// wakes on a pending interrupt, which then runs when they are unmasked),
/// so an interrupt that arrives between the check and the `wfi` cannot be
/// slept through.
///
/// # Contract
///
/// * Something must wake the core by the deadline: a periodic tick (a
///   [`TickCounter`](crate::TickCounter) on SysTick, see
///   [`start_systick`]), a timer alarm, or device interrupts. Lateness is
///   at most one tick period.
/// * Call it with interrupts enabled (as [`RealTime`](hio::RealTime) does
///   from thread mode); with them disabled nothing advances a tick clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct WfiWait;

impl<C: Clock> Wait<C> for WfiWait {
    fn wait_until(&mut self, clock: &mut C, deadline: Tyme) {
        loop {
            let due = cortex_m::interrupt::free(|_| {
                let due = clock.now() >= deadline;
                if !due {
                    cortex_m::asm::wfi();
                }
                due
            });
            if due {
                return;
            }
        }
    }
}

/// Starts SysTick as a periodic tick from the core clock: an exception
/// every `cycles_per_tick` cycles (12 000 for 1 kHz at 12 MHz). The
/// application's `SysTick` handler then calls
/// [`TickCounter::tick`](crate::TickCounter::tick).
///
/// # Errors
///
/// `Error::Io(IoKind::InvalidInput)` unless `1 < cycles_per_tick <= 2^24`
/// (SysTick's reload register has 24 bits).
pub fn start_systick(syst: &mut SYST, cycles_per_tick: u32) -> Result<(), Error> {
    if !(2..=(1 << 24)).contains(&cycles_per_tick) {
        return Err(Error::Io(IoKind::InvalidInput));
    }
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(cycles_per_tick - 1);
    syst.clear_current();
    syst.enable_counter();
    syst.enable_interrupt();
    Ok(())
}
