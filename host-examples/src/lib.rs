//! # hio-host-examples: runnable host programs and the std glue they share
//!
//! The `hio` core never reads a clock; a host program plugs one in. This
//! crate holds the small std pieces every host example needs:
//!
//! * [`StdClock`]: a monotonic [`Clock`] on `std::time::Instant`,
//! * [`SleepWait`]: a [`Wait`] that sleeps the thread until a deadline
//!   (Linux oversleeps by about 0.07 ms: sub-millisecond lateness, no spin),
//! * [`PrintTracer`]: a [`Tracer`] that prints every life-cycle event as a
//!   readable line, for demos, and [`say`] for a doer's own lines.
//!
//! ```no_run
//! use hio::{Doist, RealTime, Tock};
//! use hio_host_examples::{SleepWait, StdClock};
//! let mut doist: Doist<'_, 8> = Doist::new(Tock::from_millis(125));
//! // ... add doers ...
//! let mut pacer = RealTime::new(StdClock::new(), SleepWait);
//! doist.run_paced(Some(Tock::from_secs(3)), &mut pacer).unwrap();
//! ```

use std::cell::Cell;
use std::time::{Duration, Instant};

use hio::{Clock, Event, Phase, Tracer, Tyme, Wait};

/// Monotonic wall time since this clock was made.
#[derive(Debug, Clone, Copy)]
pub struct StdClock {
    origin: Instant,
}

impl StdClock {
    /// A clock whose zero is now.
    pub fn new() -> Self {
        StdClock {
            origin: Instant::now(),
        }
    }
}

impl Default for StdClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for StdClock {
    fn now(&mut self) -> Tyme {
        Tyme::from_nanos(u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Waits by sleeping the thread until the deadline.
#[derive(Debug, Clone, Copy, Default)]
pub struct SleepWait;

impl<C: Clock> Wait<C> for SleepWait {
    fn wait_until(&mut self, clock: &mut C, deadline: Tyme) {
        let now = clock.now();
        if deadline > now {
            std::thread::sleep(Duration::from_nanos(deadline.since(now).as_nanos()));
        }
    }
}

/// Prints each life-cycle event: wall time, tyme, doer, context, count.
#[derive(Debug)]
pub struct PrintTracer {
    origin: Instant,
    /// Also print every recur (noisy); enter/clean/cease/abort/exit always.
    pub recurs: bool,
    events: Cell<u64>,
}

impl PrintTracer {
    /// A tracer whose wall clock starts now.
    pub fn new(recurs: bool) -> Self {
        PrintTracer {
            origin: Instant::now(),
            recurs,
            events: Cell::new(0),
        }
    }
    /// Events seen so far.
    pub fn events(&self) -> u64 {
        self.events.get()
    }
}

impl Tracer for PrintTracer {
    fn event(&self, e: Event<'_>) {
        self.events.set(self.events.get() + 1);
        if e.phase == Phase::Recur && !self.recurs {
            return;
        }
        let wall = self.origin.elapsed().as_secs_f64();
        let what = match e.phase {
            Phase::Abort(err) => format!("abort ({err})"),
            p => p.name().to_string(),
        };
        println!(
            "  {:>6}  {:<10} ▸ {:<6} #{:<3}  (wall {wall:.3} s)",
            e.tyme.to_string(),
            e.doer,
            what,
            e.count
        );
    }
}

/// Prints a doer's own message in the same columns as [`PrintTracer`].
pub fn say(tyme: Tyme, doer: &str, msg: &str) {
    println!("  {:>6}  {:<10} │ {msg}", tyme.to_string(), doer);
}
