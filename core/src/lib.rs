//! # hio: hierarchical structured concurrency, deterministic and `no_std`
//!
//! `hio` is a cooperative scheduler of **doers** driven by a clock of
//! **tyme** that advances in **tocks**, ported from Python
//! [hio](https://github.com/ioflo/hio) 0.6.10 and reproducing its schedule
//! event by event. It needs no allocator, no `unsafe`, no clock of its own
//! and no executor, so the same tree of doers runs on a Cortex-M0, on a
//! desktop, and in a test at simulated speed.
//!
//! ## The model
//!
//! A root scheduler, the [`Doist`], owns the tyme. Once per tock it makes a
//! **pass** over its **deeds** (doers with the tyme at which each is next
//! due) in a fixed round-robin order, runs the due ones one step each, and
//! ticks. A [`DoDoer`] is a doer that runs its own children the same way, so
//! schedulers nest into a tree:
//!
//! ```text
//! Doist ── tock 1/32 s ──────────────────────────────┐
//!  ├─ DoDoer "io"      (tock 0: every pass)         │ one pass, left to right,
//!  │   ├─ uart service (moves bytes ⇄ byte rings)   │ then tyme += tock
//!  │   └─ line splitter                              │
//!  ├─ blink            (tock 0.5 s)                  │
//!  └─ DoDoer "app"     (always)                      │
//!      └─ shell                                      ┘
//! ```
//!
//! Every doer lives through hio's six contexts: `enter`, `recur` (repeated),
//! then exactly one of `clean` (finished by itself), `cease` (closed from
//! outside) or `abort` (failed), and always `exit` last. Closing a tree
//! closes it right to left; an error in a leaf aborts the leaf, then every
//! ancestor, each closing its remaining children on the way
//! (`spec/SEMANTICS.md` sections 3 to 7 describe it exactly).
//!
//! **Tyme is an integer** ([`Tyme`], [`Tock`]: nanoseconds in a `u64`), so
//! `0.1 + 0.2` is `0.3` and hio's float drift does not happen. **Time is an
//! argument**: every hook receives the tyme in its [`Cx`]; the doist tells
//! a driver when it is next due ([`Doist::next_due`]) and the driver decides
//! whether to simulate, sleep, poll sockets, or `wfi`.
//!
//! ## Three ways to write a doer
//!
//! 1. A type implementing [`Doer`] (full control of every context).
//! 2. A closure: [`Doify`] (hio's `doify`).
//! 3. An `async` block: [`CoDoer`] with its [`Co`] channel (hio's generator
//!    doers and ReDoer). It is polled by the scheduler with a no-op waker;
//!    each `co.tock(t).await` ends one step.
//!
//! All three run on the same scheduler and give the same trace for the same
//! script (the conformance tests check this).
//!
//! ```
//! use core::pin::pin;
//! use hio::{Co, CoDoer, Cx, DoDoer, Doer, Doify, Doist, Error, Phase, Recur, Tock};
//!
//! // 1. a Doer
//! struct Heartbeat { beats: u32 }
//! impl Doer for Heartbeat {
//!     fn name(&self) -> &'static str { "heartbeat" }
//!     fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
//!         self.beats += 1;
//!         Ok(Recur::Again(Tock::from_millis(500)))
//!     }
//! }
//!
//! // 2. a closure
//! let mut polls = 0;
//! let mut poller = Doify::new("poller", |_cx, phase| {
//!     if phase == Phase::Recur { polls += 1; }
//!     Ok(Recur::NEXT)
//! });
//!
//! // 3. a coroutine
//! let co = Co::new();
//! let fut = pin!(Some(async {
//!     co.tock(Tock::ZERO).await;              // enter ends here
//!     for _ in 0..3 {
//!         co.tock(Tock::from_secs(1)).await;  // one step a second
//!     }
//!     Ok(true)                                // finished: clean, exit
//! }));
//! let mut task = CoDoer::new("task", &co, fut);
//!
//! let mut beat = Heartbeat { beats: 0 };
//! let mut group: DoDoer<'_, 4> = DoDoer::new("group", Tock::ZERO);
//! group.add(&mut poller)?;
//! group.add(&mut task)?;
//! let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(250));
//! doist.add(&mut beat)?;
//! doist.add(&mut group)?;
//! let done = doist.run(Some(Tock::from_secs(2)))?; // simulated: instant
//! assert!(!done); // the limit ended it; everything was closed
//! drop(doist);
//! assert_eq!(beat.beats, 4);   // at 0, 0.5, 1.0, 1.5
//! assert_eq!(polls, 8);        // every pass
//! # Ok::<(), Error>(())
//! ```
//!
//! ## Drivers
//!
//! [`Doist::run`] simulates: passes back to back, exact and instant.
//! [`Doist::run_paced`] takes a [`Pacer`]: [`RealTime`] paces passes to a
//! wall [`Clock`] on absolute deadlines (no drift) and waits with your
//! [`Wait`] (a thread sleep, `wfi`, a socket poll). Real time, simulated time
//! and replay are drivers of the same passes, never different schedulers,
//! so a run can be replayed exactly.
//!
//! ## No heap
//!
//! A [`Doist`] or [`DoDoer`] holds up to `N` borrowed `&mut dyn Doer` in a
//! fixed arena (`N` is a const generic). Adding beyond `N` fails with
//! [`Error::Capacity`] before anything is entered. Doers added *while the
//! tree runs* (by [`Cx::extend`]) must be `'static` (a `static`, a
//! `StaticCell`, or a leaked box on the host).
//!
//! A tree that never changes while it runs (most firmware) can say so in
//! its type: `Doist::fixed` and `DoDoer::fixed` build [`Fixed`]
//! schedulers, which run the same life cycle and schedule but refuse
//! run-time extend and remove ([`Error::Misuse`]), so that code is not
//! linked (about 1.5 KiB of flash on thumbv7m). [`Dynamic`], hio's
//! behaviour, is the default.
//!
//! The core is `#![no_std]` and stays so unless its `std` feature is on:
//! a host adapter turns that on for `impl From<std::io::ErrorKind> for`
//! [`IoKind`], the one mapping of OS errors that hio-mio and hio-iocp
//! share. Firmware never turns it on.
//!
//! ### What the compiler guarantees
//!
//! A doer lent to a scheduler cannot be touched, moved or dropped until the
//! scheduler is gone:
//!
//! ```compile_fail
//! use hio::{Doify, Doist, Recur, Tock};
//! let mut d = Doify::new("d", |_, _| Ok(Recur::NEXT));
//! let mut doist: Doist<'_, 1> = Doist::new(Tock::ZERO);
//! doist.add(&mut d).unwrap();
//! drop(d); // error: `d` is borrowed by the doist
//! doist.run(None).unwrap();
//! ```
//!
//! A doer added from inside the running tree must live as long as the tree,
//! which the signature of [`Cx::extend`] enforces with `'static`:
//!
//! ```compile_fail
//! use hio::{Cx, Doer, Target};
//! fn spawn(cx: &mut Cx<'_>, local: &mut dyn Doer) {
//!     cx.extend(Target::Here, [local]).unwrap(); // error: must be 'static
//! }
//! ```
//!
//! ## Observing
//!
//! A [`Tracer`] attached with [`Doist::set_tracer`] sees every life-cycle
//! event, `done` write and list change; [`Recorder`] keeps them in a fixed
//! buffer for tests.
//!
//! ## Buffers and waits
//!
//! Doers talk to each other and to devices through fixed-capacity buffers
//! ([`buf`]: [`Deck`], [`Stack`], [`PriorityQueue`], the byte [`Ring`],
//! [`TaskDeck`], and SPSC halves an interrupt handler can feed). A push
//! that does not fit hands the item back; nothing is dropped unless asked
//! for by name. Coroutine doers wait on them, on tyme, on conditions, on a
//! [`Latch`] or a [`Lock`] with [`wait`]; plain doers keep the same state in
//! a field. Who wakes first is decided by the schedule order, so waiting
//! stays deterministic. [`Gather`] runs children and reports how each ended.
//!
//! ## Where this port differs from Python hio 0.6.10
//!
//! * Integer tyme: the `float` conformance scenarios match their `exact`
//!   results, not hio's drifting float ones.
//! * `clean`, `cease`, `abort` and `exit` cannot fail, so closing a tree
//!   always closes every doer exactly once (hio abandons the rest when one
//!   raises).
//! * A new doer failing in its enter inside an `extend` closes the ones that
//!   call entered before it (hio orphans them).
//! * Yielded tocks cannot be negative ([`Tock`] is unsigned).
//! * A coroutine doer runs one entry; hio makes a new generator per entry.
//! * Doer names are `'static` and read once when listed.
//! * [`Doist::enter`] while doers of an earlier entry are still queued is
//!   [`Error::Misuse`]; hio would queue every doer a second time beside
//!   its running entry.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod buf;
mod codoer;
mod cx;
mod dodoer;
mod doer;
mod doist;
mod error;
mod gather;
mod sched;
mod trace;
mod tyme;
pub mod wait;

pub use buf::{Deck, PriorityQueue, Ring, Stack, TaskDeck};
pub use codoer::{CO_BATCH, Call, Co, CoDoer, Yield};
pub use cx::{Container, Cx, Detached, Dynamic, Fixed, Shape, Target};
pub use dodoer::{DoDoer, Hooks};
pub use doer::{Doer, Doify, Done, Phase, Recur};
pub use doist::{Clock, Doist, Due, Pacer, RealTime, Simulated, Wait};
pub use error::{Error, IoKind};
pub use gather::{Gather, Outcome, Tracked};
pub use trace::{Event, NAME_LEN, Record, Recorder, Tracer};
pub use tyme::{DEFAULT_TOCK, NANOS_PER_SEC, SecsError, Tock, Tyme, Tymee, Tymer, Tymist};
pub use wait::{Latch, Lock, LockGuard, Timeout};
