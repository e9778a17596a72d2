//! Linux: a `timerfd` registered in the poll ends every wait precisely.
//!
//! `epoll_wait` takes whole milliseconds (mio rounds a timeout up: asking
//! for 31.25 ms sleeps about 32 ms). A one-shot `timerfd` armed with the
//! exact remaining nanoseconds wakes the same `epoll_wait` within about
//! 0.05 ms, so a wait ends on time whether a socket or the deadline comes
//! first.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token};
use rustix::time::{
    Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
    timerfd_settime,
};

/// A one-shot monotonic timerfd in the poll.
#[derive(Debug)]
pub(crate) struct Alarm {
    fd: OwnedFd,
    /// When the armed timer expires, until it fires: a wait for the same
    /// deadline does not arm it again (one system call less per wait while
    /// IO wakes the runner before its deadline).
    armed: Option<Instant>,
}

/// Deadlines this close are the same deadline (computed anew each wait
/// from the same absolute pass deadline, they differ by rounding only).
const SAME: Duration = Duration::from_micros(20);

/// How long the poll itself may sleep past the timer, as a safety net: the
/// timer fires first, this only bounds a wait if it somehow did not.
const NET: Duration = Duration::from_millis(2);

impl Alarm {
    pub(crate) const PRECISE: &'static str = "timerfd";

    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<Alarm> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
        Ok(Alarm { fd, armed: None })
    }

    pub(crate) fn poll(
        &mut self,
        poll: &mut Poll,
        events: &mut Events,
        remaining: Duration,
    ) -> io::Result<()> {
        if remaining.is_zero() {
            return poll.poll(events, Some(Duration::ZERO));
        }
        // Arming a timerfd resets its expiration count, so an old expiry
        // never ends this wait early.
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: i64::try_from(remaining.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(remaining.subsec_nanos()),
            },
        };
        let target = Instant::now() + remaining;
        let same = self
            .armed
            .is_some_and(|a| a.max(target) - a.min(target) < SAME);
        if !same {
            timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &spec)?;
            self.armed = Some(target);
        }
        poll.poll(events, Some(remaining.saturating_add(NET)))
    }

    pub(crate) fn fired(&mut self) {
        self.armed = None;
        let mut count = [0u8; 8];
        // Non-blocking: WouldBlock (a stale event) is fine to ignore.
        let _ = rustix::io::read(&self.fd, &mut count);
    }
}
