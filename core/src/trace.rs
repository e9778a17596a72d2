//! Observing a run: the [`Tracer`] hook and a fixed-capacity [`Recorder`].
//!
//! A tracer attached to a [`Doist`](crate::Doist) sees every life-cycle event
//! of every doer in the tree, every `done` value the schedulers write and
//! every change of a doers list, in the order they happen. It takes `&self`
//! (a tracer is shared by every level of the tree), so implementations keep
//! their state in cells.

use core::cell::RefCell;

use crate::doer::{Done, Phase};
use crate::tyme::Tyme;

/// One life-cycle event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event<'n> {
    /// Root tyme when it happened.
    pub tyme: Tyme,
    /// The doer's [`name`](crate::Doer::name).
    pub doer: &'n str,
    /// Which context.
    pub phase: Phase,
    /// For `Recur`: the 1-based number of this recur in the current entry;
    /// otherwise the number of recurs completed so far in it. Recurs are
    /// counted while a tracer is attached (an untraced pass pays nothing
    /// for them): attach it before [`Doist::enter`](crate::Doist::enter)
    /// and the counts are exact; a tracer attached to a running tree sees
    /// each running entry's recurs counted from that moment.
    pub count: u32,
}

/// Receives what happens in a tree of doers. All methods default to doing
/// nothing.
///
/// `enter`, `recur`, `clean`, `cease` and `abort` events are reported before
/// the doer's hook runs, `exit` after it returned, so for a
/// [`DoDoer`](crate::DoDoer) the events of its children nest inside its own,
/// exactly as in hio's traces.
pub trait Tracer {
    /// A life-cycle event.
    fn event(&self, event: Event<'_>) {
        let _ = event;
    }
    /// A scheduler wrote a doer's done value.
    fn done(&self, doer: &str, done: Done) {
        let _ = (doer, done);
    }
    /// A doer joined (`true`) or left (`false`) a scheduler's doers list at
    /// run time (extend, remove).
    fn listed(&self, container: &str, doer: &str, listed: bool) {
        let _ = (container, doer, listed);
    }
}

/// Longest doer name a [`Recorder`] keeps (longer names are cut).
pub const NAME_LEN: usize = 24;

/// An event as a [`Recorder`] stores it, with an owned copy of the name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Root tyme when it happened.
    pub tyme: Tyme,
    /// The doer's name (cut to [`NAME_LEN`] bytes at a char boundary).
    pub doer: heapless::String<NAME_LEN>,
    /// Which context.
    pub phase: Phase,
    /// As [`Event::count`].
    pub count: u32,
}

/// A tracer that keeps the first `N` events in a fixed buffer and counts the
/// ones that did not fit, so a test can assert nothing was lost.
///
/// ```
/// use hio::{Doist, Doify, Phase, Recorder, Recur, Tock};
/// let rec: Recorder<16> = Recorder::new();
/// let mut d = Doify::new("d", |_, _| Ok(Recur::Done(true)));
/// let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
/// doist.set_tracer(&rec);
/// doist.add(&mut d).unwrap();
/// doist.run(None).unwrap();
/// let phases: Vec<_> = rec.records().iter().map(|r| r.phase.name()).collect();
/// assert_eq!(phases, ["enter", "clean", "exit"]);
/// ```
#[derive(Debug, Default)]
pub struct Recorder<const N: usize> {
    inner: RefCell<(heapless::Vec<Record, N>, usize)>,
}

impl<const N: usize> Recorder<N> {
    /// An empty recorder.
    pub const fn new() -> Self {
        Recorder {
            inner: RefCell::new((heapless::Vec::new(), 0)),
        }
    }
    /// The recorded events, oldest first (a copy).
    pub fn records(&self) -> heapless::Vec<Record, N> {
        self.inner
            .try_borrow()
            .map(|g| g.0.clone())
            .unwrap_or_default()
    }
    /// How many events did not fit.
    pub fn lost(&self) -> usize {
        self.inner.try_borrow().map(|g| g.1).unwrap_or(0)
    }
    /// Forgets everything.
    pub fn clear(&self) {
        if let Ok(mut g) = self.inner.try_borrow_mut() {
            g.0.clear();
            g.1 = 0;
        }
    }
}

impl<const N: usize> Tracer for Recorder<N> {
    fn event(&self, e: Event<'_>) {
        let Ok(mut g) = self.inner.try_borrow_mut() else {
            return;
        };
        let mut name = heapless::String::new();
        for ch in e.doer.chars() {
            if name.push(ch).is_err() {
                break;
            }
        }
        let rec = Record {
            tyme: e.tyme,
            doer: name,
            phase: e.phase,
            count: e.count,
        };
        if g.0.push(rec).is_err() {
            g.1 += 1;
        }
    }
}
