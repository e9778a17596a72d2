//! [`WrappingClock`]: hio's [`Clock`] from a wrapping hardware counter, and
//! [`TickCounter`], a counter an interrupt handler advances.

use core::sync::atomic::{AtomicU32, Ordering};

use hio::{Clock, Tyme};

/// A free-running hardware counter that counts up and wraps around: a
/// 32-bit timer (STM32 TIM2/TIM5, the RP2040 timer's low word, DWT's
/// cycle counter), a 24-bit RTC (nRF), or a [`TickCounter`].
pub trait Ticks {
    /// How many bits the counter has (1 to 32); it wraps at `2^BITS`.
    const BITS: u32 = 32;
    /// The counter now. Bits above `BITS` are ignored.
    fn ticks(&mut self) -> u32;
}

impl<T: Ticks + ?Sized> Ticks for &mut T {
    const BITS: u32 = T::BITS;
    fn ticks(&mut self) -> u32 {
        T::ticks(self)
    }
}

/// hio's [`Clock`] from a wrapping counter that ticks `HZ` times a second:
/// it extends the counter to 64-bit nanoseconds of [`Tyme`] (584 years),
/// starting at zero when it is made.
///
/// Each [`now`](Clock::now) adds the ticks since the previous call
/// (modulo `2^BITS`). The conversion to nanoseconds is a multiplication by
/// a 32.32 fixed-point constant computed at compile time, with the
/// fraction carried from call to call: no division, and no drift (exact
/// when `HZ` divides 10^9; otherwise off by less than a nanosecond per
/// 4·10^9 ticks).
///
/// # Polling requirement
///
/// The counter wraps every `2^BITS / HZ` seconds and the clock only sees
/// differences, so **`now` must be called at least once per wrap period**
/// or whole periods are lost (tyme then runs slow, never backwards). A
/// 32-bit counter at 1 MHz wraps every 71.6 minutes, a 24-bit RTC at
/// 32 768 Hz every 512 s, a 1 kHz [`TickCounter`] every 49.7 days. A
/// [`RealTime`](hio::RealTime) driver calls `now` at least once per pass
/// and once per wake-up while it waits, so a tree whose steps are short and
/// whose waits wake at least once per wrap period (a tick interrupt, or any
/// interrupt) meets it.
///
/// ```
/// use hio::{Clock, Tyme};
/// use hio_hal::{Ticks, WrappingClock};
///
/// struct Counter16(u32);            // a 16-bit timer
/// impl Ticks for Counter16 {
///     const BITS: u32 = 16;
///     fn ticks(&mut self) -> u32 { self.0 }
/// }
/// let mut clock: WrappingClock<Counter16, 32_768> = WrappingClock::new(Counter16(0xFFF0));
/// clock.ticks().0 = 0x0010;           // wrapped: 32 ticks later
/// assert_eq!(clock.now(), Tyme::from_nanos(976_562)); // 32 / 32768 s
/// ```
pub struct WrappingClock<T: Ticks, const HZ: u32> {
    ticks: T,
    last: u32,
    nanos: u64,
    frac: u32,
}

impl<T: Ticks, const HZ: u32> WrappingClock<T, HZ> {
    const MASK: u32 = {
        assert!(T::BITS >= 1 && T::BITS <= 32, "Ticks::BITS must be 1..=32");
        if T::BITS == 32 {
            u32::MAX
        } else {
            (1u32 << T::BITS) - 1
        }
    };
    /// Nanoseconds per tick, 32.32 fixed point.
    const NS_PER_TICK: u64 = {
        assert!(HZ > 0, "WrappingClock needs HZ > 0");
        (1_000_000_000u64 << 32) / HZ as u64
    };

    /// A clock on `ticks`, at tyme zero now.
    pub fn new(mut ticks: T) -> Self {
        let last = ticks.ticks() & Self::MASK;
        WrappingClock {
            ticks,
            last,
            nanos: 0,
            frac: 0,
        }
    }

    /// The counter.
    pub fn ticks(&mut self) -> &mut T {
        &mut self.ticks
    }

    /// Adds `delta` ticks: `delta * NS_PER_TICK` as two 32×32→64-bit
    /// products, carrying the fraction.
    fn advance(&mut self, delta: u32) {
        let whole = (Self::NS_PER_TICK >> 32) as u32;
        let part = Self::NS_PER_TICK as u32;
        let hi = u64::from(delta) * u64::from(whole);
        let lo = u64::from(delta) * u64::from(part);
        let frac = u64::from(self.frac) + (lo & 0xFFFF_FFFF);
        self.frac = frac as u32;
        self.nanos = self
            .nanos
            .saturating_add(hi)
            .saturating_add(lo >> 32)
            .saturating_add(frac >> 32);
    }
}

impl<T: Ticks, const HZ: u32> Clock for WrappingClock<T, HZ> {
    fn now(&mut self) -> Tyme {
        let raw = self.ticks.ticks() & Self::MASK;
        let delta = raw.wrapping_sub(self.last) & Self::MASK;
        self.last = raw;
        self.advance(delta);
        Tyme::from_nanos(self.nanos)
    }
}

/// A 32-bit count of periodic interrupts (a SysTick or timer tick), as
/// [`Ticks`] for a [`WrappingClock`]: the handler calls
/// [`tick`](Self::tick), the clock reads it through `&TickCounter`. Its
/// interrupt also wakes a `WfiWait` (feature `cortex-m`), so the clock's
/// polling requirement is met by the wait itself.
///
/// ```
/// use hio::{Clock, Tyme};
/// use hio_hal::{TickCounter, WrappingClock};
/// static TICKS: TickCounter = TickCounter::new();
/// let mut clock: WrappingClock<&TickCounter, 1_000> = WrappingClock::new(&TICKS);
/// TICKS.tick(); // in the 1 kHz tick interrupt
/// TICKS.tick();
/// assert_eq!(clock.now(), Tyme::from_millis(2));
/// ```
///
/// Only one handler may call `tick` (it is a load and a store, so it works
/// on cores without read-modify-write atomics, thumbv6m among them).
#[derive(Debug, Default)]
pub struct TickCounter(AtomicU32);

impl TickCounter {
    /// At zero (usable in a `static`).
    pub const fn new() -> Self {
        TickCounter(AtomicU32::new(0))
    }
    /// Counts one tick. Call it from one interrupt handler only.
    #[inline]
    pub fn tick(&self) {
        let n = self.0.load(Ordering::Relaxed);
        self.0.store(n.wrapping_add(1), Ordering::Release);
    }
    /// Ticks so far (modulo `2^32`).
    #[inline]
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Acquire)
    }
}

impl Ticks for &TickCounter {
    fn ticks(&mut self) -> u32 {
        self.get()
    }
}
