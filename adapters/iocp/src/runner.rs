//! The runner: a [`Doist`] paced on absolute deadlines, asleep in the
//! completion port in between.

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hio::{Doist, Error, Shape, Tock, Tyme};

use crate::port::{Port, to_error};
use crate::sys;

/// When passes happen (as in `hio-mio`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// hio's real time: one pass per tock, each on its absolute deadline;
    /// a completion is collected by the next pass (IO waits up to a tock).
    #[default]
    Tock,
    /// As [`Tock`](Self::Tock), and a completion (or a pass in which a
    /// device noted activity) runs the upcoming pass's doers at once,
    /// early, with a zero tock and no tick, when some root deed is due at
    /// the upcoming tyme. Tyme still advances only on the tock schedule.
    Ready,
}

/// Why [`Runner::run`] ended (every ending closes the tree first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ending {
    /// No deeds were left (hio's `done`).
    Done,
    /// The limit was reached.
    Limit,
    /// A [`Stopper`] asked to stop.
    Stopped,
}

/// Stops the run after the current pass. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Stopper(Rc<Cell<bool>>);

impl Stopper {
    /// Asks the runner to close the tree after the current pass.
    pub fn stop(&self) {
        self.0.set(true);
    }
    /// True once asked.
    pub fn is_stopped(&self) -> bool {
        self.0.get()
    }
}

/// What the runner measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Regular passes (each ticked the doist by its tock).
    pub passes: u64,
    /// Early passes without a tick ([`Mode::Ready`]).
    pub ready_passes: u64,
    /// Times the runner slept in the port.
    pub waits: u64,
    /// Completion packets taken off the port.
    pub completions: u64,
    /// The largest lateness of a regular pass behind its deadline.
    pub max_late: Tock,
}

enum Woke {
    Deadline,
    Io,
}

/// Drives a [`Doist`] in real time on Windows, sleeping in one IO
/// completion port (`GetQueuedCompletionStatusEx`) until the next due pass
/// or an IO completion.
///
/// # Contract
///
/// * **Deadlines.** The regular pass for doist tyme `t` runs at wall time
///   `w0 + (t - t0)` (`w0`, `t0` taken when the run begins): lateness never
///   accumulates. Passes in which no root deed is due are run without
///   waiting for them, so an idle tree sleeps straight to its next due doer.
/// * **Waiting.** Whole milliseconds in the port (its timeout unit), the
///   sub-millisecond rest as a thread sleep if no completion came; never
///   spinning.
/// * **Completions.** Each dequeued packet marks its operation complete;
///   the device collects the result in its next service. Which doers run
///   in a pass is decided by tyme alone.
/// * **Stopping.** A [`Stopper`], the limit, or a tree with no deeds left
///   end the run after the current pass; the tree is closed (cease, exit,
///   in reverse order) in every case, and on an error too.
pub struct Runner {
    port: Port,
    room: sys::Completions,
    mode: Mode,
    origin: Option<(Instant, Tyme)>,
    stopper: Stopper,
    pending: bool,
    stats: Stats,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("mode", &self.mode)
            .field("port", &self.port)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Runner {
    /// A runner with a new completion port, in [`Mode::Tock`].
    ///
    /// # Errors
    ///
    /// The OS error of creating the port.
    pub fn new() -> io::Result<Runner> {
        Ok(Runner {
            port: Port::new()?,
            room: sys::Completions::with_capacity(256),
            mode: Mode::Tock,
            origin: None,
            stopper: Stopper::default(),
            pending: false,
            stats: Stats::default(),
        })
    }

    /// The same runner in `mode`.
    #[must_use]
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The port devices are opened on.
    pub fn port(&self) -> Port {
        self.port.clone()
    }

    /// A handle that stops the run.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// What was measured so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Runs `doist` (hio's `do`): enter, passes until it ends, exit.
    /// `limit` as in [`Doist::run`] (zero means none).
    ///
    /// # Errors
    ///
    /// An error that escaped a doer, or a failure of the port, after the
    /// tree was closed.
    pub fn run<const N: usize, S: Shape>(
        &mut self,
        doist: &mut Doist<'_, N, S>,
        limit: Option<Tock>,
    ) -> Result<Ending, Error> {
        self.origin = Some((Instant::now(), doist.tyme()));
        self.stopper.0.set(false);
        if let Err(e) = doist.enter() {
            doist.exit();
            return Err(e);
        }
        let stop = limit.filter(|l| !l.is_zero()).map(|l| doist.tyme() + l);
        let ending = self.passes(doist, stop);
        // hio's done: recorded for a run that no error stopped
        match ending {
            Ok(_) => {
                doist.finish();
            }
            Err(_) => doist.exit(),
        }
        ending
    }

    fn passes<const N: usize, S: Shape>(
        &mut self,
        doist: &mut Doist<'_, N, S>,
        stop: Option<Tyme>,
    ) -> Result<Ending, Error> {
        loop {
            self.collect()?;
            let mut productive = self.pass(doist, false)?;
            if let Some(end) = self.ended(doist) {
                return Ok(end);
            }
            if stop.is_some_and(|s| doist.tyme() >= s) {
                return Ok(Ending::Limit);
            }
            loop {
                let mut target = doist.next_pass_due().unwrap_or(doist.tyme());
                if let Some(s) = stop {
                    // the last pass before the limit: do not sleep past it
                    let last = s.as_nanos().saturating_sub(doist.tock().as_nanos());
                    target = target.min(Tyme::from_nanos(last).max(doist.tyme()));
                }
                let deadline = self.deadline(target);
                let early = self.mode == Mode::Ready && target == doist.tyme();
                if early && (productive || self.pending) && Instant::now() < deadline {
                    self.collect()?;
                    productive = self.pass(doist, true)?;
                    if let Some(end) = self.ended(doist) {
                        return Ok(end);
                    }
                    continue;
                }
                match self.wait(deadline, early)? {
                    Woke::Deadline => {
                        if target == doist.tyme() {
                            let late = Instant::now().saturating_duration_since(deadline);
                            let late = Tock::from_nanos(
                                u64::try_from(late.as_nanos()).unwrap_or(u64::MAX),
                            );
                            self.stats.max_late = self.stats.max_late.max(late);
                        }
                        break;
                    }
                    Woke::Io => productive = false,
                }
            }
        }
    }

    /// One pass (an early one with a zero tock); whether a device noted
    /// activity in it.
    fn pass<const N: usize, S: Shape>(
        &mut self,
        doist: &mut Doist<'_, N, S>,
        early: bool,
    ) -> Result<bool, Error> {
        self.pending = false;
        let before = self.port.activity();
        if early {
            doist.recur_early()?;
            self.stats.ready_passes += 1;
        } else {
            doist.recur()?;
            self.stats.passes += 1;
        }
        Ok(self.port.activity() != before)
    }

    fn ended<const N: usize, S: Shape>(&self, doist: &Doist<'_, N, S>) -> Option<Ending> {
        if doist.is_idle() {
            Some(Ending::Done)
        } else if self.stopper.is_stopped() {
            Some(Ending::Stopped)
        } else {
            None
        }
    }

    fn deadline(&self, t: Tyme) -> Instant {
        match self.origin {
            Some((w0, t0)) => w0 + Duration::from_nanos(t.since(t0).as_nanos()),
            None => Instant::now(),
        }
    }

    /// Takes what is queued off the port without blocking.
    fn collect(&mut self) -> Result<(), Error> {
        let n = self
            .port
            .0
            .sys
            .wait(&mut self.room, 0)
            .map_err(|e| to_error(&e))?;
        self.got(n);
        Ok(())
    }

    fn got(&mut self, n: usize) {
        if n > 0 {
            self.pending = true;
            self.stats.completions += n as u64;
        }
    }

    /// Sleeps in the port until `deadline`, or (if `wake_on_io`) a
    /// completion.
    fn wait(&mut self, deadline: Instant, wake_on_io: bool) -> Result<Woke, Error> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(Woke::Deadline);
            }
            if wake_on_io && self.pending {
                return Ok(Woke::Io);
            }
            let remaining = deadline - now;
            let whole = u32::try_from(remaining.as_millis()).unwrap_or(u32::MAX - 1);
            self.stats.waits += 1;
            let n = self
                .port
                .0
                .sys
                .wait(&mut self.room, whole)
                .map_err(|e| to_error(&e))?;
            if n == 0 && whole == 0 {
                std::thread::sleep(remaining);
            }
            self.got(n);
        }
    }
}
