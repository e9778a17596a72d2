//! Platform backends, behind one contract (mio's `sys` layout).
//!
//! # The backend contract
//!
//! Every platform provides, under `sys/<os>/`, these crate-private items;
//! shared code uses nothing else of the platform and has no `cfg` of its
//! own.
//!
//! * `Alarm`: a precise end for a wait in a `mio::Poll`.
//!   * `Alarm::new(registry: &Registry, token: Token) -> io::Result<Alarm>`
//!     sets it up; if it needs a source of its own it registers it under
//!     `token` (the runner reserves that token for it and hands every event
//!     with it to `Alarm::fired`).
//!   * `Alarm::poll(&mut self, poll: &mut Poll, events: &mut Events,
//!     remaining: Duration) -> io::Result<()>` returns when an event arrived
//!     or when about `remaining` has passed, whichever is first; it may
//!     return early (spuriously), never more than a fraction of a
//!     millisecond late, and it never spins: it blocks in the OS.
//!   * `Alarm::fired(&mut self)` consumes the alarm's own event.
//!   * `Alarm::PRECISE: &str` names the method, for reports.
//! * `Signals`: SIGINT and SIGTERM (or the platform's console interrupt) as
//!   a readable source in the poll.
//!   * `Signals::new(registry: &Registry, token: Token) -> io::Result<Signals>`
//!     installs the handlers and registers under `token`; an
//!     `ErrorKind::Unsupported` error where the platform has none.
//!   * `Signals::drain(&mut self) -> bool` consumes what arrived and says
//!     whether a stop signal did.
//!   * Dropping it uninstalls the handlers' actions.
//! * `SHORT_IO_DRAINS: bool`: true where a read or write on a socket that
//!   moved fewer bytes than asked means the socket would block now, and the
//!   OS will report a new readiness edge when that changes (epoll and
//!   kqueue do; this saves one system call per transfer). Where false, a
//!   device keeps trying until the OS says "would block".
//!
//! | backend | `Alarm` | `Signals` |
//! |---|---|---|
//! | `linux` | a `timerfd` in the poll: wakes within about 0.05 ms | `unix` |
//! | other Unix | `portable`: whole milliseconds in the poll, the rest asleep | `unix`: a signal-hook self-pipe |
//! | `windows` | `portable` | unsupported (an `Unsupported` error) |

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub(crate) use linux::Alarm;

#[cfg(not(target_os = "linux"))]
mod portable;
#[cfg(not(target_os = "linux"))]
pub(crate) use portable::Alarm;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::{SHORT_IO_DRAINS, Signals};

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::{SHORT_IO_DRAINS, Signals};
