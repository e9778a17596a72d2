//! The real-time runner: a [`Doist`] paced on absolute deadlines, waiting
//! in `mio::Poll` for the next due pass or for socket readiness.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hio::{Clock, Doist, Due, Error, Pacer, Shape, Tock, Tyme};
use mio::{Events, Poll, Token};

use crate::io::{Io, Ready, to_error};
use crate::sys;

const ALARM: Token = Token(usize::MAX);
const SIGNALS: Token = Token(usize::MAX - 1);

/// Monotonic wall time since the clock was made (`std::time::Instant`, which
/// is `CLOCK_MONOTONIC` on Linux: the timerfd's clock).
#[derive(Debug, Clone, Copy)]
pub struct MonoClock {
    origin: Instant,
}

impl MonoClock {
    /// A clock whose zero is now.
    pub fn new() -> Self {
        MonoClock {
            origin: Instant::now(),
        }
    }
}

impl Default for MonoClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonoClock {
    fn now(&mut self) -> Tyme {
        Tyme::from_nanos(u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX))
    }
}

/// When passes happen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// hio's real time: one pass per tock, each on its absolute deadline.
    /// Readiness is recorded while waiting and serviced by the next pass, so
    /// IO waits up to one tock. The number of passes is a function of tyme
    /// alone.
    #[default]
    Tock,
    /// As [`Tock`](Self::Tock), and in addition, when a socket becomes
    /// ready (or the last pass moved bytes) while waiting for the next
    /// pass, that pass's doers run at once, early, *without ticking*: an
    /// extra pass at the upcoming tyme with a zero tock (the doist's tock is
    /// set to zero for it and restored after). The regular pass still runs
    /// on its deadline and ticks. Tyme never runs ahead of the wall clock
    /// by more than one tock, so timers keep their meaning; IO gets no added
    /// tock of latency. Readiness passes happen only when some root deed is
    /// due at the upcoming tyme (an every-pass service doer is).
    ///
    /// A follow-up pass runs at once after a pass in which a device noted
    /// activity ([`Io::note_activity`]: it moved bytes, connected, closed,
    /// or an application queued bytes with `send`). So a reply written in
    /// the same step that read a request goes out at once; bytes written
    /// straight into a `tx` ring in a pass where nothing moved go out with
    /// the next pass that runs (at the latest the next regular one).
    Ready,
}

/// Why [`Runner::run`] ended (every ending closes the tree first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ending {
    /// No deeds were left: everything finished (hio's `done` is true).
    Done,
    /// The limit was reached.
    Limit,
    /// A doer (or anyone holding a [`Stopper`]) asked to stop.
    Stopped,
    /// SIGINT or SIGTERM arrived (after [`Runner::stop_on_signals`]).
    Signal,
}

/// A handle that stops the run after the current pass (like hio's keyboard
/// interrupt, from inside the tree). Cheap to clone.
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
    /// Regular passes run (each ticked the doist by its tock).
    pub passes: u64,
    /// Readiness passes run (no tick; [`Mode::Ready`] only).
    pub ready_passes: u64,
    /// Times the runner blocked in the OS poll.
    pub waits: u64,
    /// Socket events seen (signals and alarms not counted).
    pub io_events: u64,
    /// The largest lateness of a regular pass that had work: how far past
    /// its deadline the wall clock was when it was let run.
    pub max_late: Tock,
    /// The sum of those latenesses, for the mean.
    pub late_total: Tock,
    /// How many latenesses were measured.
    pub late_count: u64,
}

impl Stats {
    /// The mean lateness of the passes measured.
    pub fn mean_late(&self) -> Tock {
        match self.late_count {
            0 => Tock::ZERO,
            n => Tock::from_nanos(self.late_total.as_nanos() / n),
        }
    }
}

enum Woke {
    Deadline,
    Io,
    Signal,
}

/// Chained readiness passes between two polls of the OS (see
/// `Runner::passes`).
const CHAIN_POLL: u32 = 4;

/// Drives a [`Doist`] in real time on the host, sleeping in `mio::Poll`.
///
/// ```no_run
/// use hio::{Doist, Tock};
/// use hio_mio::{Ending, Mode, Runner};
///
/// let mut runner = Runner::new()?.with_mode(Mode::Ready);
/// runner.stop_on_signals()?;          // SIGINT/SIGTERM close the tree
/// let io = runner.io();               // for the devices
/// let mut doist: Doist<'_, 8> = Doist::new(Tock::from_millis(10));
/// // ... devices on `io`, their service doers and yours, added to doist ...
/// match runner.run(&mut doist, None) {
///     Ok(Ending::Signal | Ending::Done) => {}
///     Ok(other) => println!("ended: {other:?}"),
///     Err(e) => eprintln!("failed: {e}"),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Contract
///
/// * **Deadlines.** The regular pass for doist tyme `t` is let run at wall
///   time `w0 + (t - t0)`, where `w0`, `t0` are taken when the run begins
///   (hio's `RealTime` without its drift: lateness never accumulates; after
///   a slow pass the passes run back to back until caught up). Passes in
///   which no root deed is due are run without waiting for them
///   ([`Due::next_due`]), so an idle tree costs no wake-ups.
/// * **Waiting.** Between passes the runner blocks in the OS poll until the
///   deadline or an event, never spinning; the platform alarm ends the wait
///   within a fraction of a millisecond (a timerfd on Linux). Every event
///   is recorded in the [`Io`] readiness table before the next pass.
/// * **Determinism.** The wall clock and readiness decide only *when* a
///   pass happens; which doers run in a pass is decided by tyme alone. In
///   [`Mode::Tock`] the passes are exactly those of
///   [`Doist::run`](hio::Doist::run); [`Mode::Ready`] adds passes without a
///   tick (see there).
/// * **Stopping.** [`Stopper::stop`], a signal, the limit, or a tree with
///   no deeds left end the run after the current pass; the tree is closed
///   (cease, exit, in reverse order) in every case, and on an error too.
/// * **As a [`Pacer`].** `doist.run_paced(limit, &mut runner)` works as
///   well, always in [`Mode::Tock`] (a pacer cannot add passes); a signal or
///   a stopper returns `Ok(false)`. Prefer [`run`](Self::run), which says
///   why it ended.
pub struct Runner {
    poll: Poll,
    events: Events,
    io: Io,
    alarm: sys::Alarm,
    signals: Option<sys::Signals>,
    clock: MonoClock,
    mode: Mode,
    origin: Option<(Tyme, Tyme)>,
    stopper: Stopper,
    signalled: bool,
    pending_io: bool,
    failure: Option<Error>,
    stats: Stats,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("mode", &self.mode)
            .field("alarm", &sys::Alarm::PRECISE)
            .field("signals", &self.signals.is_some())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Runner {
    /// A runner with its own poll, in [`Mode::Tock`].
    ///
    /// # Errors
    ///
    /// The OS error of creating the poll or the alarm.
    pub fn new() -> io::Result<Runner> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let alarm = sys::Alarm::new(poll.registry(), ALARM)?;
        Ok(Runner {
            poll,
            events: Events::with_capacity(1024),
            io: Io::new(registry),
            alarm,
            signals: None,
            clock: MonoClock::new(),
            mode: Mode::Tock,
            origin: None,
            stopper: Stopper::default(),
            signalled: false,
            pending_io: false,
            failure: None,
            stats: Stats::default(),
        })
    }

    /// The same runner in `mode`.
    #[must_use]
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Changes the mode (takes effect at the next wait).
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The handle devices register through.
    pub fn io(&self) -> Io {
        self.io.clone()
    }

    /// A handle that stops the run (hand it to a doer).
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// What was measured so far (over every run of this runner).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Forgets the measurements.
    pub fn reset_stats(&mut self) {
        self.stats = Stats::default();
    }

    /// How the platform ends a wait precisely (`"timerfd"` on Linux).
    pub fn alarm_method(&self) -> &'static str {
        sys::Alarm::PRECISE
    }

    /// Makes SIGINT and SIGTERM end the run ([`Ending::Signal`]): the tree
    /// is closed and [`run`](Self::run) returns, so the program can exit 0.
    /// The handlers stay for the life of the runner; after that the signals
    /// no longer terminate the process by default (signal-hook keeps its
    /// handler installed).
    ///
    /// # Errors
    ///
    /// The OS error of installing the handlers; `Unsupported` on Windows
    /// for now.
    pub fn stop_on_signals(&mut self) -> io::Result<()> {
        if self.signals.is_none() {
            self.signals = Some(sys::Signals::new(self.poll.registry(), SIGNALS)?);
        }
        Ok(())
    }

    /// Runs `doist` (hio's `do`): enter, passes until it ends, exit. `limit`
    /// as in [`Doist::run`] (measured from the tyme after enter; zero means
    /// none).
    ///
    /// # Errors
    ///
    /// An error that escaped a doer, or a failure of the OS poll, after the
    /// tree was closed.
    pub fn run<const N: usize, S: Shape>(
        &mut self,
        doist: &mut Doist<'_, N, S>,
        limit: Option<Tock>,
    ) -> Result<Ending, Error> {
        self.begin(doist.tyme());
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
        // events that came before the first pass
        self.collect()?;
        let mut productive;
        loop {
            productive = self.pass(doist, false)?;
            if let Some(end) = self.ended(doist) {
                return Ok(end);
            }
            if stop.is_some_and(|s| doist.tyme() >= s) {
                return Ok(Ending::Limit);
            }
            // between two regular passes
            let mut chained = 0u32;
            loop {
                let mut target = doist.next_pass_due().unwrap_or(doist.tyme());
                if let Some(s) = stop {
                    // the last pass before the limit: do not sleep past it
                    let last = s.as_nanos().saturating_sub(doist.tock().as_nanos());
                    target = target.min(Tyme::from_nanos(last).max(doist.tyme()));
                }
                let Some(deadline) = self.deadline(target) else {
                    break;
                };
                let serviced = self.mode == Mode::Ready && target == doist.tyme();
                if serviced && (productive || self.pending_io) && self.clock.now() < deadline {
                    productive = self.pass(doist, true)?;
                    if let Some(end) = self.ended(doist) {
                        return Ok(end);
                    }
                    // Poll only every few chained readiness passes since
                    // the last poll: the wait that ends a chain returns at
                    // once with whatever came meanwhile, and a short chain
                    // (a round trip of a loopback echo takes two passes)
                    // needs no poll of its own (measured: 3.9 epoll_wait
                    // calls per 64-byte round trip with a poll after every
                    // pass, 1.5 with the count not reset by a wait, 1.0
                    // now, as tokio). A long chain (a bulk stream that
                    // always moves bytes) still polls, so the other
                    // sockets' readiness is never starved.
                    chained += 1;
                    if chained.is_multiple_of(CHAIN_POLL) {
                        self.collect()?;
                    }
                    continue;
                }
                match self.wait(deadline, serviced)? {
                    Woke::Deadline => {
                        if target == doist.tyme() {
                            self.record_late(deadline);
                            self.collect()?;
                        }
                        break;
                    }
                    Woke::Io => {
                        productive = false;
                        // the wait polled: a new chain starts (a poll
                        // right after it found nothing new, in every
                        // other round trip of a ping-pong)
                        chained = 0;
                    }
                    Woke::Signal => return Ok(Ending::Signal),
                }
            }
        }
    }

    /// One pass; a readiness pass runs with a zero tock. Returns whether a
    /// device noted activity during it.
    fn pass<const N: usize, S: Shape>(
        &mut self,
        doist: &mut Doist<'_, N, S>,
        ready: bool,
    ) -> Result<bool, Error> {
        self.pending_io = false;
        let before = self.io.activity();
        if ready {
            doist.recur_early()?;
            self.stats.ready_passes += 1;
        } else {
            doist.recur()?;
            self.stats.passes += 1;
        }
        Ok(self.io.activity() != before)
    }

    fn ended<const N: usize, S: Shape>(&self, doist: &Doist<'_, N, S>) -> Option<Ending> {
        if doist.is_idle() {
            Some(Ending::Done)
        } else if self.stopper.is_stopped() {
            Some(Ending::Stopped)
        } else if self.signalled {
            Some(Ending::Signal)
        } else {
            None
        }
    }

    fn deadline(&self, t: Tyme) -> Option<Tyme> {
        self.origin.map(|(w0, t0)| w0 + t.since(t0))
    }

    /// Polls without blocking and records what is ready.
    fn collect(&mut self) -> Result<(), Error> {
        loop {
            match self.poll.poll(&mut self.events, Some(Duration::ZERO)) {
                Ok(()) => {
                    self.dispatch();
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(to_error(&e)),
            }
        }
    }

    fn dispatch(&mut self) {
        let mut alarm = false;
        let mut signal = false;
        for event in self.events.iter() {
            match event.token() {
                ALARM => alarm = true,
                SIGNALS => signal = true,
                token => {
                    if self.io.mark(token, Ready::from_event(event)) {
                        self.stats.io_events += 1;
                        self.pending_io = true;
                    }
                }
            }
        }
        if alarm {
            self.alarm.fired();
        }
        if signal && self.signals.as_mut().is_some_and(|s| s.drain()) {
            self.signalled = true;
        }
    }

    fn record_late(&mut self, deadline: Tyme) {
        let late = self.clock.now().since(deadline);
        self.stats.max_late = self.stats.max_late.max(late);
        self.stats.late_total = self.stats.late_total + late;
        self.stats.late_count += 1;
    }

    /// Blocks until `deadline`, a signal, or (if `wake_on_io`) readiness.
    fn wait(&mut self, deadline: Tyme, wake_on_io: bool) -> Result<Woke, Error> {
        loop {
            if self.signalled {
                return Ok(Woke::Signal);
            }
            let now = self.clock.now();
            if now >= deadline {
                return Ok(Woke::Deadline);
            }
            if wake_on_io && self.pending_io {
                return Ok(Woke::Io);
            }
            let remaining = Duration::from_nanos(deadline.since(now).as_nanos());
            self.stats.waits += 1;
            match self.alarm.poll(&mut self.poll, &mut self.events, remaining) {
                Ok(()) => self.dispatch(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(to_error(&e)),
            }
        }
    }
}

impl Pacer for Runner {
    fn begin(&mut self, tyme: Tyme) {
        let now = self.clock.now();
        self.origin = Some((now, tyme));
        self.stopper.0.set(false);
        self.signalled = false;
        self.failure = None;
    }

    fn pace(&mut self, due: &Due<'_>) -> ControlFlow<()> {
        if self.stopper.is_stopped() || self.signalled {
            return ControlFlow::Break(());
        }
        let target = due.next_due().unwrap_or(due.tyme());
        let Some(deadline) = self.deadline(target) else {
            return ControlFlow::Continue(());
        };
        let woke = self.wait(deadline, false);
        let woke = match woke {
            Ok(Woke::Deadline) if target == due.tyme() => {
                self.record_late(deadline);
                self.collect().map(|()| Woke::Deadline)
            }
            other => other,
        };
        match woke {
            Ok(Woke::Deadline | Woke::Io) => ControlFlow::Continue(()),
            Ok(Woke::Signal) => ControlFlow::Break(()),
            Err(e) => {
                self.failure = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

impl Runner {
    /// The OS poll failure that made [`Pacer::pace`] stop a `run_paced`
    /// (a pacer cannot return errors), if any.
    pub fn failure(&self) -> Option<Error> {
        self.failure
    }
}
