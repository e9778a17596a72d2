//! [`EveryPass`]: real-time pacing for firmware, one deadline per pass.

use core::ops::ControlFlow;

use hio::{Clock, Due, Pacer, Tock, Tyme, Wait};

/// Paces every pass of a [`Doist`](hio::Doist) to a wall [`Clock`] on
/// absolute deadlines, waiting with a [`Wait`] (on Cortex-M, `WfiWait`):
/// the pass for doist tyme `t` runs at wall time `w0 + (t - t0)`, `w0` and
/// `t0` taken when the run begins, so lateness never accumulates and after
/// a slow pass the next ones run back to back until the schedule caught up.
///
/// It is hio's [`RealTime`](hio::RealTime) without one feature: RealTime
/// sleeps straight past passes in which no doer is due, which costs a
/// 64-bit division per pass ([`Due::next_due`]), about 0.9 KiB of flash on
/// a Cortex-M0/M3. A tree with a doer due every pass (a polled UART
/// service) has no idle passes to skip, so `EveryPass` waits for each pass
/// and links no division. Pick `RealTime` for trees that idle for long.
///
/// ```
/// use core::cell::Cell;
/// use hio::{Clock, Doify, Doist, Recur, Tock, Tyme, Wait};
/// use hio_hal::EveryPass;
///
/// /// A clock that only moves when waited on (a test double).
/// struct Fake(Cell<Tyme>);
/// impl Clock for &Fake { fn now(&mut self) -> Tyme { self.0.get() } }
/// struct Jump;
/// impl<'f> Wait<&'f Fake> for Jump {
///     fn wait_until(&mut self, clock: &mut &'f Fake, deadline: Tyme) { clock.0.set(deadline) }
/// }
///
/// let wall = Fake(Cell::new(Tyme::from_secs(100)));
/// let mut d = Doify::new("d", |_, _| Ok(Recur::NEXT));
/// let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
/// doist.add(&mut d).unwrap();
/// let mut pacer = EveryPass::new(&wall, Jump);
/// doist.run_paced(Some(Tock::from_millis(50)), &mut pacer).unwrap();
/// assert_eq!(wall.0.get(), Tyme::from_millis(100_040)); // 4 waits of 10 ms
/// ```
///
/// # Contract
///
/// * One or two clock reads per pass, plus the wait's own; one wait per
///   pass that is early.
/// * Never stops the run by itself; wrap it in a pacer of your own to stop
///   on a condition.
/// * A zero doist tock never advances tyme: the passes then run back to
///   back.
#[derive(Debug)]
pub struct EveryPass<C, W> {
    clock: C,
    wait: W,
    origin: Option<(Tyme, Tyme)>,
    /// The largest lateness seen: how far past its deadline the wall clock
    /// was when a pass was let run.
    pub max_late: Tock,
}

impl<C: Clock, W: Wait<C>> EveryPass<C, W> {
    /// A pacer on `clock` that waits with `wait`.
    pub fn new(clock: C, wait: W) -> Self {
        EveryPass {
            clock,
            wait,
            origin: None,
            max_late: Tock::ZERO,
        }
    }
    /// The clock.
    pub fn clock(&mut self) -> &mut C {
        &mut self.clock
    }
    /// The wall deadline of doist tyme `t`, once the run has begun.
    pub fn deadline(&self, t: Tyme) -> Option<Tyme> {
        self.origin.map(|(w0, t0)| w0 + t.since(t0))
    }
}

impl<C: Clock, W: Wait<C>> Pacer for EveryPass<C, W> {
    fn begin(&mut self, tyme: Tyme) {
        let now = self.clock.now();
        self.origin = Some((now, tyme));
    }
    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()> {
        if let Some(deadline) = self.deadline(due.tyme()) {
            let mut now = self.clock.now();
            if now < deadline {
                self.wait.wait_until(&mut self.clock, deadline);
                now = self.clock.now();
            }
            let late = now.since(deadline);
            if late > self.max_late {
                self.max_late = late;
            }
        }
        ControlFlow::Continue(())
    }
}
