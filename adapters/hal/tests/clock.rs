//! The wrapping-counter clock and the tick counter.

use hio::{Clock, Tyme};
use hio_hal::{TickCounter, Ticks, WrappingClock};

struct Counter<const BITS: u32>(u32);
impl<const B: u32> Ticks for Counter<B> {
    const BITS: u32 = B;
    fn ticks(&mut self) -> u32 {
        self.0
    }
}

#[test]
fn a_32_bit_counter_extends_past_its_wrap() {
    let mut clock: WrappingClock<Counter<32>, 1_000_000> =
        WrappingClock::new(Counter(u32::MAX - 9));
    assert_eq!(clock.now(), Tyme::ZERO);
    let mut expected = 0u64;
    // step through three wraps in big, odd steps
    for _ in 0..30 {
        let step = 0x7FFF_FFF1u32;
        clock.ticks().0 = clock.ticks().0.wrapping_add(step);
        expected += u64::from(step);
        assert_eq!(clock.now(), Tyme::from_micros(expected));
    }
    assert!(expected > 3 * (1u64 << 32));
}

#[test]
fn a_24_bit_counter_ignores_high_bits() {
    let mut clock: WrappingClock<Counter<24>, 32_768> = WrappingClock::new(Counter(0xAB_FF_FF_F0));
    clock.ticks().0 = 0x12_00_00_10; // high byte is noise; low 24 bits wrapped by 0x20
    assert_eq!(clock.now().as_nanos(), 32 * 1_000_000_000 / 32_768);
}

#[test]
fn a_missed_wrap_loses_a_period_but_never_goes_back() {
    let mut clock: WrappingClock<Counter<8>, 1_000> = WrappingClock::new(Counter(0));
    clock.ticks().0 = 200;
    assert_eq!(clock.now(), Tyme::from_millis(200));
    clock.ticks().0 = 100; // 156 ticks later (one wrap), seen as such
    assert_eq!(clock.now(), Tyme::from_millis(356));
    clock.ticks().0 = 100; // 256 ticks later: a whole period, invisible
    assert_eq!(clock.now(), Tyme::from_millis(356));
}

#[test]
fn an_odd_frequency_does_not_drift() {
    // 12 MHz: 83.33.. ns per tick, no exact integer
    let mut clock: WrappingClock<Counter<32>, 12_000_000> = WrappingClock::new(Counter(0));
    let mut total = 0u64;
    let mut x = 7u32;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let step = x % 50_000;
        clock.ticks().0 = clock.ticks().0.wrapping_add(step);
        total += u64::from(step);
        let exact = u128::from(total) * 1_000_000_000 / 12_000_000;
        let got = u128::from(clock.now().as_nanos());
        assert!(got <= exact && exact - got <= 1, "{got} vs {exact}");
    }
}

#[test]
fn tick_counter_wraps_around() {
    static TICKS: TickCounter = TickCounter::new();
    let mut clock: WrappingClock<&TickCounter, 1_000> = WrappingClock::new(&TICKS);
    for _ in 0..5 {
        TICKS.tick();
    }
    assert_eq!(clock.now(), Tyme::from_millis(5));
    assert_eq!(TICKS.get(), 5);
    let local = TickCounter::default();
    let mut c: WrappingClock<&TickCounter, 1_000> = WrappingClock::new(&local);
    local.tick();
    assert_eq!(c.now(), Tyme::from_millis(1));
}
