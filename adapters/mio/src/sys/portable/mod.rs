//! The portable alarm: whole milliseconds in the poll, the rest asleep.
//!
//! mio rounds a poll timeout up to whole milliseconds, so the poll gets the
//! remaining time rounded *down*; the sub-millisecond tail, once no event
//! has come, is a thread sleep (it oversleeps by some tens of
//! microseconds on a desktop OS, and does not see sockets for at most that
//! last millisecond).

use std::io;
use std::time::Duration;

use mio::{Events, Poll, Registry, Token};

/// Needs no source of its own.
#[derive(Debug)]
pub(crate) struct Alarm;

impl Alarm {
    pub(crate) const PRECISE: &'static str = "poll whole ms + sleep";

    pub(crate) fn new(_registry: &Registry, _token: Token) -> io::Result<Alarm> {
        Ok(Alarm)
    }

    pub(crate) fn poll(
        &mut self,
        poll: &mut Poll,
        events: &mut Events,
        remaining: Duration,
    ) -> io::Result<()> {
        let whole = Duration::from_millis(u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX));
        if !whole.is_zero() {
            return poll.poll(events, Some(whole));
        }
        poll.poll(events, Some(Duration::ZERO))?;
        if events.is_empty() {
            std::thread::sleep(remaining);
        }
        Ok(())
    }

    pub(crate) fn fired(&mut self) {}
}
