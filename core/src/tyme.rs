//! Integer tyme and tock, and hio's clock types: [`Tymist`], [`Tymee`], [`Tymer`].
//!
//! hio keeps time as binary64 seconds. We keep it as integer nanoseconds in a
//! `u64` ([`Tyme`] for instants, [`Tock`] for spans): exact for every decimal
//! millisecond and for binary fractions down to 1/512 s, 584 years of range,
//! and no float drift (`0.1 + 0.1 + 0.1` is `0.3` here; in hio it is
//! `0.30000000000000004`, see `spec/SEMANTICS.md` section 8).
//!
//! All arithmetic saturates instead of overflowing: a schedule that runs past
//! year 2554 stops advancing rather than panicking or wrapping.

use core::cell::Cell;
use core::fmt;

/// Nanoseconds per second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// An instant on a scheduler's clock, in integer nanoseconds since the clock's
/// origin (hio's `tyme`).
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tyme(u64);

/// A span of tyme in integer nanoseconds (hio's `tock`, and any duration).
///
/// A zero tock has a special meaning when a doer yields it: "run me again on
/// the next run of my scheduler" (rescheduled at `tyme + scheduler tock`).
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tock(u64);

/// Why a number of seconds could not become a [`Tyme`] or [`Tock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecsError {
    /// Negative, NaN or infinite.
    Invalid,
    /// Larger than `u64::MAX` nanoseconds.
    Overflow,
    /// Not a whole number of nanoseconds (for example 1/1024 s).
    Inexact,
}

impl fmt::Display for SecsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecsError::Invalid => "seconds must be finite and not negative",
            SecsError::Overflow => "seconds out of range (more than 584 years)",
            SecsError::Inexact => "seconds are not a whole number of nanoseconds",
        })
    }
}

impl core::error::Error for SecsError {}

/// Converts float seconds to whole nanoseconds, rejecting what does not fit.
/// Values within a thousandth of a nanosecond of a whole number are accepted
/// (that absorbs the binary64 error of decimals such as `0.1`).
fn nanos_from_secs(secs: f64) -> Result<u64, SecsError> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(SecsError::Invalid);
    }
    if secs >= u64::MAX as f64 / NANOS_PER_SEC as f64 {
        return Err(SecsError::Overflow);
    }
    let whole = secs as u64; // truncates; secs >= 0 and finite
    let frac = secs - whole as f64;
    let frac_ns = frac * NANOS_PER_SEC as f64;
    // round to nearest without std's f64::round (not in core)
    let frac_whole = (frac_ns + 0.5) as u64;
    let err = frac_ns - frac_whole as f64;
    if !(-1e-3..=1e-3).contains(&err) {
        return Err(SecsError::Inexact);
    }
    whole
        .checked_mul(NANOS_PER_SEC)
        .and_then(|n| n.checked_add(frac_whole))
        .ok_or(SecsError::Overflow)
}

macro_rules! common {
    ($t:ident) => {
        impl $t {
            /// Zero.
            pub const ZERO: $t = $t(0);
            /// The largest value (about 584 years).
            pub const MAX: $t = $t(u64::MAX);

            /// From whole nanoseconds.
            pub const fn from_nanos(nanos: u64) -> Self {
                $t(nanos)
            }
            /// From whole microseconds (saturating).
            pub const fn from_micros(micros: u64) -> Self {
                $t(micros.saturating_mul(1_000))
            }
            /// From whole milliseconds (saturating).
            pub const fn from_millis(millis: u64) -> Self {
                $t(millis.saturating_mul(1_000_000))
            }
            /// From whole seconds (saturating).
            pub const fn from_secs(secs: u64) -> Self {
                $t(secs.saturating_mul(NANOS_PER_SEC))
            }
            /// From a fraction of a second, `num / den` seconds, if it is a whole
            /// number of nanoseconds (`from_ratio(1, 32)` is 31 250 000 ns).
            pub const fn from_ratio(num: u64, den: u64) -> Option<Self> {
                if den == 0 {
                    return None;
                }
                let n = (num as u128) * (NANOS_PER_SEC as u128);
                if n % (den as u128) != 0 || n / (den as u128) > u64::MAX as u128 {
                    return None;
                }
                Some($t((n / den as u128) as u64))
            }
            /// From float seconds, for host convenience. Fails on negative,
            /// non-finite, out-of-range, and sub-nanosecond values.
            pub fn try_from_secs_f64(secs: f64) -> Result<Self, SecsError> {
                nanos_from_secs(secs).map($t)
            }
            /// Whole nanoseconds.
            pub const fn as_nanos(self) -> u64 {
                self.0
            }
            /// Whole microseconds (truncated).
            pub const fn as_micros(self) -> u64 {
                self.0 / 1_000
            }
            /// Whole milliseconds (truncated).
            pub const fn as_millis(self) -> u64 {
                self.0 / 1_000_000
            }
            /// Float seconds (for display and host APIs; exact below 2^53 ns).
            pub fn as_secs_f64(self) -> f64 {
                self.0 as f64 / NANOS_PER_SEC as f64
            }
            /// True for zero.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }
        }

        impl fmt::Display for $t {
            /// Exact decimal seconds, shortest form: `0.3`, `1.03125`, `10`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let secs = self.0 / NANOS_PER_SEC;
                let mut frac = self.0 % NANOS_PER_SEC;
                if frac == 0 {
                    return write!(f, "{}", secs);
                }
                let mut width = 9;
                while frac % 10 == 0 {
                    frac /= 10;
                    width -= 1;
                }
                write!(f, "{}.{:0width$}", secs, frac, width = width)
            }
        }
    };
}

common!(Tyme);
common!(Tock);

impl Tyme {
    /// `self + tock`, saturating at [`Tyme::MAX`].
    pub const fn add(self, tock: Tock) -> Tyme {
        Tyme(self.0.saturating_add(tock.0))
    }
    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn since(self, earlier: Tyme) -> Tock {
        Tock(self.0.saturating_sub(earlier.0))
    }
}

impl core::ops::Add<Tock> for Tyme {
    type Output = Tyme;
    fn add(self, rhs: Tock) -> Tyme {
        Tyme::add(self, rhs)
    }
}

impl core::ops::AddAssign<Tock> for Tyme {
    fn add_assign(&mut self, rhs: Tock) {
        *self = *self + rhs;
    }
}

impl core::ops::Add for Tock {
    type Output = Tock;
    fn add(self, rhs: Tock) -> Tock {
        Tock(self.0.saturating_add(rhs.0))
    }
}

impl From<Tock> for core::time::Duration {
    fn from(t: Tock) -> Self {
        core::time::Duration::from_nanos(t.0)
    }
}

impl From<core::time::Duration> for Tock {
    /// Saturates at [`Tock::MAX`].
    fn from(d: core::time::Duration) -> Self {
        Tock(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// hio's default tock: 1/32 s.
pub const DEFAULT_TOCK: Tock = Tock(31_250_000);

/// A clock of simulated tyme that advances in tocks (hio's `Tymist`).
///
/// Its state lives in [`Cell`]s so that [`Tymee`] handles and [`Tymer`]s can
/// read it while its owner ticks it through a shared reference; nothing here
/// reads a wall clock.
///
/// ```
/// use hio::{Tymist, Tock, Tyme};
/// let clock = Tymist::new(Tyme::ZERO, Tock::from_millis(250));
/// clock.tick();
/// clock.tick_by(Tock::from_millis(500));
/// assert_eq!(clock.tyme(), Tyme::from_millis(750));
/// ```
#[derive(Debug, Default)]
pub struct Tymist {
    tyme: Cell<Tyme>,
    tock: Cell<Tock>,
}

impl Tymist {
    /// A clock at `tyme` that ticks by `tock`.
    pub const fn new(tyme: Tyme, tock: Tock) -> Self {
        Tymist {
            tyme: Cell::new(tyme),
            tock: Cell::new(tock),
        }
    }
    /// The current tyme.
    pub fn tyme(&self) -> Tyme {
        self.tyme.get()
    }
    /// Sets the current tyme.
    pub fn set_tyme(&self, tyme: Tyme) {
        self.tyme.set(tyme)
    }
    /// The tock (may be zero: then [`tick`](Self::tick) does not advance).
    pub fn tock(&self) -> Tock {
        self.tock.get()
    }
    /// Sets the tock; the next tick uses it.
    pub fn set_tock(&self, tock: Tock) {
        self.tock.set(tock)
    }
    /// Advances by the tock (read now) and returns the new tyme.
    pub fn tick(&self) -> Tyme {
        self.tick_by(self.tock())
    }
    /// Advances by `tock` and returns the new tyme.
    pub fn tick_by(&self, tock: Tock) -> Tyme {
        let t = self.tyme() + tock;
        self.tyme.set(t);
        t
    }
    /// A handle that reads this clock (hio's `tymen()`).
    pub fn tymen(&self) -> Tymee<'_> {
        Tymee::wound(self)
    }
}

/// Something that reads a [`Tymist`] through a handle that can be re-wound to
/// another clock (hio's `Tymee`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tymee<'t> {
    src: Option<&'t Tymist>,
}

impl<'t> Tymee<'t> {
    /// A handle wound to nothing yet.
    pub const fn unwound() -> Self {
        Tymee { src: None }
    }
    /// A handle reading `clock`.
    pub const fn wound(clock: &'t Tymist) -> Self {
        Tymee { src: Some(clock) }
    }
    /// The clock's current tyme, or `None` while unwound (hio 0.7 behaviour;
    /// 0.6.10 raised an error here).
    pub fn tyme(&self) -> Option<Tyme> {
        self.src.map(Tymist::tyme)
    }
    /// Re-winds the handle to another clock.
    pub fn wind(&mut self, clock: &'t Tymist) {
        self.src = Some(clock);
    }
    /// True when wound to a clock.
    pub fn is_wound(&self) -> bool {
        self.src.is_some()
    }
}

/// A countdown measured on a [`Tymist`] (hio's `Tymer`): start, stop,
/// duration, elapsed, remaining, expired, and a lossless restart.
///
/// Spans that can be negative in hio (elapsed before start, remaining after
/// stop) are signed nanoseconds here.
///
/// ```
/// use hio::{Tymist, Tymer, Tock, Tyme};
/// // SEMANTICS.md 1.3: clock tock 0.25 at 1.25, timer of 1.0
/// let clock = Tymist::new(Tyme::from_millis(1250), Tock::from_millis(250));
/// let mut timer = Tymer::new(clock.tymen(), Tock::from_secs(1));
/// for _ in 0..4 { clock.tick(); }
/// assert!(timer.expired());
/// clock.tick_by(Tock::from_millis(500));
/// assert_eq!(timer.remaining(), -500_000_000);
/// timer.restart(None); // lossless: the new period starts at the old stop
/// assert_eq!(timer.start(), Tyme::from_millis(2250));
/// assert!(!timer.expired());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Tymer<'t> {
    tymee: Tymee<'t>,
    start: Tyme,
    stop: Tyme,
}

impl<'t> Tymer<'t> {
    /// A timer of `duration` starting now on `tymee`'s clock (at zero when
    /// `tymee` is unwound).
    pub fn new(tymee: Tymee<'t>, duration: Tock) -> Self {
        let start = tymee.tyme().unwrap_or(Tyme::ZERO);
        Tymer {
            tymee,
            start,
            stop: start + duration,
        }
    }
    /// A timer of `duration` starting at `start`.
    pub fn starting_at(tymee: Tymee<'t>, duration: Tock, start: Tyme) -> Self {
        Tymer {
            tymee,
            start,
            stop: start + duration,
        }
    }
    fn now(&self) -> Tyme {
        self.tymee.tyme().unwrap_or(self.start)
    }
    /// When the current period started.
    pub fn start(&self) -> Tyme {
        self.start
    }
    /// When the current period ends.
    pub fn stop(&self) -> Tyme {
        self.stop
    }
    /// `stop - start`.
    pub fn duration(&self) -> Tock {
        self.stop.since(self.start)
    }
    /// `tyme - start` in signed nanoseconds.
    pub fn elapsed(&self) -> i128 {
        self.now().as_nanos() as i128 - self.start.as_nanos() as i128
    }
    /// `stop - tyme` in signed nanoseconds (negative once overrun).
    pub fn remaining(&self) -> i128 {
        self.stop.as_nanos() as i128 - self.now().as_nanos() as i128
    }
    /// `tyme >= stop`.
    pub fn expired(&self) -> bool {
        self.now() >= self.stop
    }
    /// Starts a new period at `start` (default: now) of `duration` (default:
    /// the current duration); returns the start.
    pub fn restart_at(&mut self, duration: Option<Tock>, start: Option<Tyme>) -> Tyme {
        let duration = duration.unwrap_or(self.duration());
        self.start = start.unwrap_or_else(|| self.now());
        self.stop = self.start + duration;
        self.start
    }
    /// Lossless restart: the next period starts at the old stop, so an
    /// overrun is carried into it and nothing drifts.
    pub fn restart(&mut self, duration: Option<Tock>) -> Tyme {
        let stop = self.stop;
        self.restart_at(duration, Some(stop))
    }
    /// Re-winds to another clock and restarts there now, same duration.
    pub fn wind(&mut self, clock: &'t Tymist) {
        self.tymee.wind(clock);
        self.restart_at(None, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs_conversions_are_exact_or_refused() {
        assert_eq!(Tock::try_from_secs_f64(0.1), Ok(Tock::from_millis(100)));
        assert_eq!(
            Tock::try_from_secs_f64(0.03125),
            Ok(Tock::from_ratio(1, 32).unwrap())
        );
        assert_eq!(
            Tock::try_from_secs_f64(1.0 / 1024.0),
            Err(SecsError::Inexact)
        );
        assert_eq!(Tock::try_from_secs_f64(-1.0), Err(SecsError::Invalid));
        assert_eq!(Tock::try_from_secs_f64(f64::NAN), Err(SecsError::Invalid));
        assert_eq!(Tock::try_from_secs_f64(1e30), Err(SecsError::Overflow));
        assert_eq!(Tock::from_ratio(1, 3), None);
        assert_eq!(Tock::from_ratio(1, 0), None);
    }

    #[test]
    fn display_is_exact_decimal() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Tyme::from_millis(300).to_string(), "0.3");
        assert_eq!(Tyme::from_nanos(1_031_250_000).to_string(), "1.03125");
        assert_eq!(Tyme::from_secs(10).to_string(), "10");
        assert_eq!(Tyme::from_nanos(1).to_string(), "0.000000001");
    }

    #[test]
    fn tenths_do_not_drift() {
        let c = Tymist::new(Tyme::ZERO, Tock::from_millis(100));
        for _ in 0..10 {
            c.tick();
        }
        assert_eq!(c.tyme(), Tyme::from_secs(1));
    }

    #[test]
    fn tymer_rewinds() {
        let a = Tymist::new(Tyme::from_secs(5), Tock::from_secs(1));
        let b = Tymist::new(Tyme::from_secs(100), Tock::from_secs(1));
        let mut t = Tymer::new(a.tymen(), Tock::from_secs(2));
        assert_eq!(t.stop(), Tyme::from_secs(7));
        t.wind(&b);
        assert_eq!(t.start(), Tyme::from_secs(100));
        assert_eq!(t.duration(), Tock::from_secs(2));
        assert_eq!(t.elapsed(), 0);
        let unwound = Tymer::new(Tymee::unwound(), Tock::from_secs(1));
        assert_eq!(unwound.start(), Tyme::ZERO);
    }
}
