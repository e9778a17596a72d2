//! The scheduling engine shared by [`Doist`](crate::Doist) and
//! [`DoDoer`](crate::DoDoer): a fixed arena of doer slots, hio's doers list
//! (membership, in order) and its deque of deeds (what runs, in order).
//!
//! hio's deque with a once-through MARKER is kept here as an array walked in
//! place with a cursor: at any moment of a pass the deeds before the cursor
//! have been visited, the one at the cursor is running, and the rest have
//! not, which is exactly the marker deque `[not yet visited.., MARKER,
//! visited..]` rotated. Deeds added mid-pass go just before the cursor (hio:
//! after the marker, before the re-queued caller). This keeps a pass free of
//! pushes and pops: one comparison and one call per deed.

use heapless::Vec;

use core::marker::PhantomData;

use crate::cx::{Container, Cx, Scope, Shape};
use crate::doer::{Doer, Done, Phase, Recur};
#[cfg(target_pointer_width = "64")]
use crate::doer::{Sealed, Step};
use crate::error::Error;
use crate::trace::{Event, Tracer};
use crate::tyme::{Tock, Tyme};

/// A doer with a deed: due at `retyme`. The deed holds the doer itself and
/// its recur count, so a pass touches one array: one bounds check, one
/// cache line per doer run.
pub(crate) struct Deed<'a> {
    pub(crate) retyme: Tyme,
    /// `None` while the doer is running (it is lent to its own step).
    doer: Option<&'a mut dyn Doer>,
    count: u32,
    slot: u16,
}

impl Deed<'_> {
    const EMPTY: Self = Deed {
        retyme: Tyme::ZERO,
        doer: None,
        count: 0,
        slot: 0,
    };
}

/// The deeds in order: a fixed array and a length. Not a `heapless::Vec`:
/// that one has a `Drop`, which would make the borrow checker keep every
/// doer borrowed until the scheduler itself is dropped; a plain array of
/// references needs no drop, so a tree can be read again once its run ends.
#[repr(C)]
pub(crate) struct Deeds<'a, const N: usize> {
    items: [Deed<'a>; N],
    len: usize,
}

impl<'a, const N: usize> Deeds<'a, N> {
    const fn new() -> Self {
        Deeds {
            items: [const { Deed::EMPTY }; N],
            len: 0,
        }
    }
    fn as_slice(&self) -> &[Deed<'a>] {
        self.items.get(..self.len).unwrap_or(&[])
    }
    fn as_mut_slice(&mut self) -> &mut [Deed<'a>] {
        self.items.get_mut(..self.len).unwrap_or(&mut [])
    }
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
    #[inline(always)]
    fn get(&self, i: usize) -> Option<&Deed<'a>> {
        self.as_slice().get(i)
    }
    #[inline(always)]
    fn get_mut(&mut self, i: usize) -> Option<&mut Deed<'a>> {
        if i < self.len {
            self.items.get_mut(i)
        } else {
            None
        }
    }
    pub(crate) fn iter(&self) -> core::slice::Iter<'_, Deed<'a>> {
        self.as_slice().iter()
    }
    fn iter_mut(&mut self) -> core::slice::IterMut<'_, Deed<'a>> {
        self.as_mut_slice().iter_mut()
    }
    fn push(&mut self, deed: Deed<'a>) -> Result<(), Deed<'a>> {
        match self.items.get_mut(self.len) {
            Some(place) => {
                *place = deed;
                self.len += 1;
                Ok(())
            }
            None => Err(deed),
        }
    }
    fn pop(&mut self) -> Option<Deed<'a>> {
        let last = self.len.checked_sub(1)?;
        let d = self.items.get_mut(last)?;
        self.len = last;
        // only the doer is taken: the rest stays behind as plain data
        Some(Deed {
            retyme: d.retyme,
            doer: d.doer.take(),
            count: d.count,
            slot: d.slot,
        })
    }
    /// Removes the deed at `i`, shifting the later ones down, by swapping
    /// neighbours: the same result as `Vec::remove` for the few deeds of a
    /// scheduler, without linking `memmove` (about 1.6 KiB on thumbv7m) and
    /// without a panic path.
    fn remove_at(&mut self, i: usize) -> Option<Deed<'a>> {
        if i >= self.len {
            return None;
        }
        let slice = self.as_mut_slice();
        for j in i..slice.len() - 1 {
            if let Some([a, b]) = slice.get_mut(j..j + 2) {
                core::mem::swap(a, b);
            }
        }
        self.pop()
    }
    /// Moves the deed at `from` down to `to` (`to <= from`), shifting the
    /// ones between up by one (see [`Deeds::remove_at`]).
    fn move_down(&mut self, from: usize, to: usize) {
        let slice = self.as_mut_slice();
        let mut j = from;
        while j > to {
            if let Some([a, b]) = slice.get_mut(j - 1..j + 1) {
                core::mem::swap(a, b);
            }
            j -= 1;
        }
    }
}

pub(crate) struct Slot<'a> {
    /// The doer while it has no deed (listed and not entered, or finished);
    /// `None` while it has a deed (the deed holds it) or is being entered.
    doer: Option<&'a mut dyn Doer>,
    /// The doer's name, read when it was listed (readable while it runs).
    name: &'static str,
    used: bool,
    listed: bool,
    /// Has a deed or is running.
    active: bool,
    done: Done,
}

impl Slot<'_> {
    const EMPTY: Self = Slot {
        doer: None,
        name: "",
        used: false,
        listed: false,
        active: false,
        done: Done::Unset,
    };
}

/// What a pass keeps of the running deed for its closing path: nothing on
/// 64-bit hosts (the closing path reads the deed back), its slot and recur
/// count on 32-bit microcontrollers (smaller there).
#[cfg(target_pointer_width = "64")]
struct Held;
#[cfg(not(target_pointer_width = "64"))]
struct Held(usize, u32);

/// What a pass gets back from a doer's step: a [`Step`] on 64-bit hosts
/// (returned in registers), the recur `Result` itself on 32-bit
/// microcontrollers (no second method per doer in flash).
#[cfg(target_pointer_width = "64")]
type StepResult = Step;
#[cfg(not(target_pointer_width = "64"))]
type StepResult = Result<Recur, Error>;

/// One step of a running doer: its recur, as [`StepResult`].
#[inline(always)]
fn run_step(doer: &mut dyn Doer, cx: &mut Cx<'_>) -> StepResult {
    #[cfg(target_pointer_width = "64")]
    return doer.step(cx, Sealed(()));
    #[cfg(not(target_pointer_width = "64"))]
    return doer.recur(cx);
}

/// The tock a recur result asks for, if it asks to run again.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn again(r: &Step) -> Option<Tock> {
    match *r {
        Step::Again(t) => Some(Tock::from_nanos(t)),
        _ => None,
    }
}
#[cfg(not(target_pointer_width = "64"))]
#[inline(always)]
fn again(r: &Result<Recur, Error>) -> Option<Tock> {
    match *r {
        Ok(Recur::Again(t)) => Some(t),
        _ => None,
    }
}

/// Puts a doer that asked to run again back in its deed: due at `next`
/// (the pass's `tyme + tock`) for a zero tock, `tock` after its last due
/// tyme otherwise. A branch the loop predicts well (a doer keeps to one
/// kind of tock).
#[inline(always)]
fn put_back<'a>(d: &mut Deed<'a>, doer: &'a mut dyn Doer, tock: Tock, next: Tyme) {
    d.retyme = if tock.is_zero() {
        next
    } else {
        d.retyme + tock
    };
    d.doer = Some(doer);
}

/// A recur result that ends the entry, as a `Result`.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
fn ended(r: Step) -> Result<Recur, Error> {
    r.result()
}
#[cfg(not(target_pointer_width = "64"))]
#[inline(always)]
fn ended(r: Result<Recur, Error>) -> Result<Recur, Error> {
    r
}

/// How a doer's entry ends.
#[derive(Clone, Copy)]
enum End {
    Clean,
    Cease,
    Abort(Error),
}

/// `repr(C)` for the order of its fields, not for any foreign code: what a
/// pass reads for every deed (the deeds, the tock, `moved`) comes first, so
/// a deed's address is the scheduler's plus its index, with no offset to add.
#[repr(C)]
pub(crate) struct Sched<'a, const N: usize, S: Shape> {
    pub(crate) deeds: Deeds<'a, N>,
    pub(crate) tock: Tock,
    /// A tree operation during the running step moved `cursor`, or (64-bit
    /// hosts) the tock changed: the pass reads both again.
    moved: bool,
    /// The deed at `cursor` is in the middle of its step.
    running: bool,
    live: bool,
    /// During a pass, the running deed's index, as far as anything outside
    /// the loop needs it: set by `find_running` (a tree operation) and
    /// before the closing path; the loop itself keeps it in a local.
    cursor: usize,
    /// A pass stopped by an error at this index: the deeds before it were
    /// visited, the ones from it on were not.
    split: Option<usize>,
    pub(crate) name: &'a str,
    slots: [Slot<'a>; N],
    list: Vec<u16, N>,
    shape: PhantomData<S>,
}

/// Reports an event if a tracer is attached. The check is inlined into every
/// call site (an untraced pass pays one predictable branch per event, not a
/// call); the report itself stays out of line.
#[inline(always)]
fn emit(tracer: Option<&dyn Tracer>, tyme: Tyme, doer: &dyn Doer, phase: Phase, count: u32) {
    if let Some(t) = tracer {
        emit_to(t, tyme, doer, phase, count);
    }
}

#[cold]
#[inline(never)]
fn emit_to(tracer: &dyn Tracer, tyme: Tyme, doer: &dyn Doer, phase: Phase, count: u32) {
    tracer.event(Event {
        tyme,
        doer: doer.name(),
        phase,
        count,
    });
}

/// A scheduler (concrete, for the loop of a pass) and the chain above it:
/// what a [`Cx`] points at. A pass builds one for all its steps.
pub(crate) struct Frame<'f, 'u, 'a, const N: usize, S: Shape> {
    pub(crate) sched: &'f mut Sched<'a, N, S>,
    /// The context the scheduler itself was lent (a DoDoer's), or `None`
    /// at the root. Kept whole, not as its scope: reaching the scope of a
    /// `Cx<'_>` costs an offset computed from its vtable, paid here only
    /// when an operation climbs the chain.
    pub(crate) up: Option<&'f mut Cx<'u>>,
}

impl<const N: usize, S: Shape> Scope for Frame<'_, '_, '_, N, S> {
    fn here(&mut self) -> Option<&mut dyn Container> {
        Some(&mut *self.sched)
    }
    fn up(&mut self) -> Option<&mut dyn Scope> {
        match &mut self.up {
            Some(cx) => Some(cx.scope.as_dyn()),
            None => None,
        }
    }
    fn as_dyn(&mut self) -> &mut dyn Scope {
        self
    }
}

pub(crate) fn reborrow<'s, 'u>(up: &'s mut Option<&mut Cx<'u>>) -> Option<&'s mut Cx<'u>> {
    match up {
        Some(u) => Some(&mut **u),
        None => None,
    }
}

impl<'a, const N: usize, S: Shape> Sched<'a, N, S> {
    const FITS: () = assert!(
        N <= u16::MAX as usize,
        "a scheduler holds at most 65535 doers"
    );

    pub(crate) const fn new(name: &'a str, tock: Tock) -> Self {
        #[allow(clippy::let_unit_value)]
        let _ = Self::FITS;
        Sched {
            name,
            tock,
            slots: [const { Slot::EMPTY }; N],
            list: Vec::new(),
            deeds: Deeds::new(),
            cursor: 0,
            running: false,
            moved: false,
            split: None,
            live: false,
            shape: PhantomData,
        }
    }

    pub(crate) fn is_live(&self) -> bool {
        self.live
    }

    fn free_slots(&self) -> usize {
        self.slots.iter().filter(|s| !s.used).count()
    }

    fn alloc(&mut self, doer: &'a mut dyn Doer) -> Result<u16, &'a mut dyn Doer> {
        match self.slots.iter().position(|s| !s.used) {
            Some(i) => {
                if let Some(s) = self.slots.get_mut(i) {
                    *s = Slot {
                        name: doer.name(),
                        doer: Some(doer),
                        used: true,
                        ..Slot::EMPTY
                    };
                }
                Ok(i as u16)
            }
            None => Err(doer),
        }
    }

    fn release_if_idle(&mut self, idx: usize) {
        if let Some(s) = self.slots.get_mut(idx)
            && !s.listed
            && !s.active
        {
            *s = Slot::EMPTY;
        }
    }

    /// Lists a doer without entering it (building the tree before a run).
    pub(crate) fn add(&mut self, doer: &'a mut dyn Doer) -> Result<(), Error> {
        // every listed doer holds a slot, so a free slot means the list has
        // room too
        let idx = self.alloc(doer).map_err(|_| Error::Capacity)?;
        if let Some(s) = self.slots.get_mut(idx as usize) {
            s.listed = true;
        }
        let _ = self.list.push(idx);
        Ok(())
    }

    /// Names of the listed doers, in list order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.list
            .iter()
            .filter_map(|&i| self.slots.get(i as usize).map(|s| s.name))
    }

    fn slot_done(&self, idx: usize) -> Done {
        match self.slots.get(idx) {
            Some(s) if s.active => self
                .deeds
                .iter()
                .find(|d| d.slot as usize == idx)
                .and_then(|d| d.doer.as_deref())
                .map_or(s.done, |d| d.reported_done()),
            Some(s) => s.done,
            None => Done::Unset,
        }
    }

    /// The doer of slot `idx` wherever it is (its slot or its deed), unless
    /// it is lent out to a running step.
    fn doer_at(&mut self, idx: usize) -> Option<&mut (dyn Doer + 'a)> {
        let in_slot = self.slots.get(idx).is_some_and(|s| s.doer.is_some());
        if in_slot {
            return self.slots.get_mut(idx)?.doer.as_deref_mut();
        }
        self.deeds
            .iter_mut()
            .find(|d| d.slot as usize == idx)?
            .doer
            .as_deref_mut()
    }

    /// The done value of the first listed doer with this name.
    pub(crate) fn done_of(&self, name: &str) -> Option<Done> {
        let idx = self
            .list
            .iter()
            .copied()
            .find(|&i| self.slots.get(i as usize).is_some_and(|s| s.name == name))?;
        Some(self.slot_done(idx as usize))
    }

    fn write_done(&mut self, idx: usize, done: Done, tracer: Option<&dyn Tracer>, doer: &dyn Doer) {
        if let Some(s) = self.slots.get_mut(idx) {
            s.done = done;
        }
        if let Some(t) = tracer {
            t.done(doer.name(), done);
        }
    }

    /// hio's enter step for one doer (create its coroutine and start it):
    /// writes done = unset, calls its enter and, unless it finished, queues a
    /// deed due at `tyme`. The caller has checked that a deed fits.
    fn enter_slot(
        &mut self,
        idx: usize,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        mut up: Option<&mut Cx<'_>>,
    ) -> Result<(), Error> {
        let Some(doer) = self.slots.get_mut(idx).and_then(|s| s.doer.take()) else {
            return Err(Error::Misuse);
        };
        self.write_done(idx, Done::Unset, tracer, doer);
        if let Some(s) = self.slots.get_mut(idx) {
            s.active = true;
        }
        emit(tracer, tyme, doer, Phase::Enter, 0);
        let frame = Frame {
            sched: self,
            up: reborrow(&mut up),
        };
        let r = doer.enter(&mut Cx::new(tyme, tracer, frame));
        let outcome = match r {
            Ok(Recur::Again(_)) => {
                let deed = Deed {
                    retyme: tyme,
                    doer: Some(doer),
                    count: 0,
                    slot: idx as u16,
                };
                // fits: a deed per active slot, and this slot had none
                let _ = self.deeds.push(deed);
                return Ok(());
            }
            Ok(Recur::Done(v)) => {
                self.finish(doer, End::Clean, 0, tyme, tracer, reborrow(&mut up));
                self.write_done(idx, Done::from_bool(v), tracer, doer);
                Ok(())
            }
            Err(e) => {
                self.finish(doer, End::Abort(e), 0, tyme, tracer, reborrow(&mut up));
                self.write_done(idx, doer.reported_done(), tracer, doer);
                Err(e)
            }
        };
        if let Some(s) = self.slots.get_mut(idx) {
            s.doer = Some(doer);
            s.active = false;
        }
        outcome
    }

    /// Runs the closing hooks of an entry: clean/cease/abort, then exit.
    fn finish(
        &mut self,
        doer: &mut dyn Doer,
        end: End,
        count: u32,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        mut up: Option<&mut Cx<'_>>,
    ) {
        let frame = Frame {
            sched: self,
            up: reborrow(&mut up),
        };
        let mut cx = Cx::new(tyme, tracer, frame);
        match end {
            End::Clean => {
                emit(tracer, tyme, doer, Phase::Clean, count);
                doer.clean(&mut cx);
            }
            End::Cease => {
                emit(tracer, tyme, doer, Phase::Cease, count);
                doer.cease(&mut cx);
            }
            End::Abort(e) => {
                emit(tracer, tyme, doer, Phase::Abort(e), count);
                doer.abort(&mut cx, e);
            }
        }
        doer.exit(&mut cx);
        emit(tracer, tyme, doer, Phase::Exit, count);
    }

    /// hio's enter of the whole doers list (Doist.enter, DoDoer enter).
    pub(crate) fn enter_all(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        mut up: Option<&mut Cx<'_>>,
    ) -> Result<(), Error> {
        // Entered and not exited: hio would queue every doer a second time
        // beside its running entry; one doer has one entry here.
        if !self.deeds.is_empty() {
            return Err(Error::Misuse);
        }
        self.split = None;
        self.running = false;
        self.live = true;
        let mut i = 0;
        while let Some(&idx) = self.list.get(i) {
            self.enter_slot(idx as usize, tyme, tracer, reborrow(&mut up))?;
            i += 1;
        }
        Ok(())
    }

    /// One pass (hio's recur without the tick): every deed present at the
    /// start is looked at once, in order; due ones run one step. Returns
    /// whether no deeds are left.
    pub(crate) fn pass(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        up: Option<&mut Cx<'_>>,
    ) -> Result<bool, Error> {
        // On 64-bit hosts an untraced pass runs a copy of the loop in which
        // the tracer is known to be absent (one test and branch less per doer
        // run); on 32-bit microcontrollers one loop serves both (flash).
        #[cfg(target_pointer_width = "64")]
        if tracer.is_none() {
            return self.pass_with::<false>(tyme, None, up);
        }
        self.pass_with::<true>(tyme, tracer, up)
    }

    /// [`pass`](Self::pass), with `TRACED = false` promising that `tracer`
    /// is `None`.
    #[inline(always)]
    fn pass_with<const TRACED: bool>(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        mut up: Option<&mut Cx<'_>>,
    ) -> Result<bool, Error> {
        let tracer = if TRACED { tracer } else { None };
        // cleared only when set: no store in a pass after a pass that ended
        // well (the per-pass cost shows at a few doers)
        if self.split.is_some() {
            self.split = None;
        }
        // `running` says "a deed of this scheduler is in its step". Only the
        // steps run code that can reach this scheduler (a tracer sees no
        // scheduler), so it is raised once for the whole pass. The cursor
        // lives in a local: an operation on this scheduler during a step
        // finds the running deed itself (`find_running`) and, when it moves
        // it (an extend or remove here, section 3.6), says so in `moved`;
        // only then is `self.cursor` read back. On 64-bit hosts a change of
        // this scheduler's tock during a step says so in `moved` too: the
        // loop keeps `tyme + tock`, the retyme of a doer that asks for the
        // next run, in a local, and reads the tock again only then (with
        // `Doer::step`, measured: 13 to 16% off a doer run); on 32-bit
        // microcontrollers every step ends in `rare_step`, which reads the
        // tock itself.
        self.running = true;
        self.moved = false;
        let mut next = tyme + self.tock;
        // One context for the whole pass, holding the frame: every step is
        // lent the same one (a pointer), none is built per step.
        let mut cx = Cx::new(
            tyme,
            tracer,
            Frame {
                sched: self,
                up: reborrow(&mut up),
            },
        );
        // The loop over the deeds counts its cursor up by one and nothing
        // else: anything that moves it (an operation that moved the running
        // deed, a doer that finished or failed) leaves the inner loop and
        // the pass goes on in a fresh one from where it stands. The
        // compiler then keeps the common loop's cursor as a plain count,
        // proves its bounds once and keeps the doer in registers across the
        // step (measured: 6 to 18% off a doer run).
        let mut start = 0;
        'pass: loop {
            let mut cursor = start;
            while let Some(deed) = cx.scope.sched.deeds.get_mut(cursor) {
                if deed.retyme > tyme {
                    cursor += 1;
                    continue;
                }
                let Some(doer) = deed.doer.take() else {
                    cursor += 1;
                    continue;
                };
                // The recur count is a trace value (nothing is decided on
                // it): counted while a tracer is attached, which costs an
                // untraced pass no store (measured: 8% of an untraced doer
                // run). Wraps after 2^32 runs of one entry.
                if tracer.is_some() {
                    deed.count = deed.count.wrapping_add(1);
                }
                // the doer's slot and count, for its closing: read back from
                // the deed in the rare closing path on 64-bit hosts (nothing
                // is kept across the step); kept now on 32-bit
                // microcontrollers, where that is smaller (measured: 28 B
                // less flash on thumbv7m)
                #[cfg(target_pointer_width = "64")]
                let held = Held;
                #[cfg(not(target_pointer_width = "64"))]
                let held = Held(deed.slot as usize, deed.count);
                let count = deed.count;
                emit(tracer, tyme, doer, Phase::Recur, count);
                let r = run_step(doer, &mut cx);
                let frame = &mut cx.scope;
                let sched = &mut *frame.sched;
                if cfg!(target_pointer_width = "64")
                    && !sched.moved
                    && let Some(t) = again(&r)
                {
                    // The common case: the running deed is still at the
                    // cursor (no operation removes or moves it past it).
                    // 64-bit hosts only: on 32-bit microcontrollers every
                    // step ends in `rare_step` (one copy of the code,
                    // measured: 148 B less flash on thumbv7m).
                    if let Some(d) = sched.deeds.items.get_mut(cursor) {
                        put_back(d, doer, t, next);
                    }
                    cursor += 1;
                    continue;
                }
                // the rare cases (and every step on 32-bit), out of the
                // inner loop
                let up = reborrow(&mut frame.up);
                start = sched.rare_step(cursor, r, doer, held, tyme, tracer, up)?;
                next = tyme + sched.tock;
                continue 'pass;
            }
            break;
        }
        // (the cursor means nothing between passes: not written back)
        let sched = cx.scope.sched;
        sched.running = false;
        Ok(sched.deeds.is_empty())
    }

    /// The end of a step that is not the common case: an operation moved
    /// the running deed or changed the tock (`moved`), or the doer finished
    /// or failed. Returns where the pass goes on.
    ///
    /// Out of line on 64-bit hosts (the loop of a pass keeps its registers
    /// for the common case), inlined on 32-bit microcontrollers, where
    /// every step ends here (measured: 120 B less flash than out of line on
    /// thumbv7m).
    #[cfg_attr(target_pointer_width = "64", inline(never), cold)]
    #[allow(clippy::too_many_arguments)]
    fn rare_step(
        &mut self,
        mut cursor: usize,
        r: StepResult,
        doer: &'a mut dyn Doer,
        held: Held,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        up: Option<&mut Cx<'_>>,
    ) -> Result<usize, Error> {
        if self.moved {
            cursor = self.moved_cursor();
        }
        match again(&r) {
            Some(t) => {
                let next = tyme + self.tock;
                if let Some(d) = self.deeds.items.get_mut(cursor) {
                    put_back(d, doer, t, next);
                }
                Ok(cursor + 1)
            }
            None => {
                self.cursor = cursor;
                self.end_running(held, doer, ended(r), tyme, tracer, up)?;
                Ok(self.cursor)
            }
        }
    }

    /// The running doer (its deed at the cursor) finished
    /// (`Recur::Done`) or failed: closes it, writes its done value, drops
    /// its deed.
    ///
    /// Kept out of the loop of a pass on 64-bit hosts (measured with
    /// callgrind: 8 fewer instructions per doer run, the loop keeps its
    /// registers) and inlined on 32-bit microcontrollers (measured: 140 B
    /// less flash; the call's arguments do not fit registers there).
    #[cfg_attr(target_pointer_width = "64", inline(never), cold)]
    fn end_running(
        &mut self,
        held: Held,
        doer: &'a mut dyn Doer,
        ended: Result<Recur, Error>,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        up: Option<&mut Cx<'_>>,
    ) -> Result<(), Error> {
        // the running deed is at the cursor
        #[cfg(target_pointer_width = "64")]
        let (idx, count) = {
            let Held = held;
            self.deeds
                .items
                .get(self.cursor)
                .map_or((usize::MAX, 0), |d| (d.slot as usize, d.count))
        };
        #[cfg(not(target_pointer_width = "64"))]
        let Held(idx, count) = held;
        let end = match ended {
            Err(e) => End::Abort(e),
            _ => End::Clean,
        };
        self.finish(doer, end, count, tyme, tracer, up);
        let done = match ended {
            Ok(Recur::Done(v)) => Done::from_bool(v),
            _ => doer.reported_done(),
        };
        self.write_done(idx, done, tracer, doer);
        self.drop_running(idx, doer);
        if let Err(e) = ended {
            self.running = false;
            self.split = Some(self.cursor);
            return Err(e);
        }
        Ok(())
    }

    /// Mid-pass, points `cursor` at the running deed: the one deed whose
    /// doer is lent out. A pass does not write the cursor before each step
    /// (a store per doer run); the operations that need it, which are rare,
    /// look it up here instead.
    fn find_running(&mut self) {
        if self.running
            && let Some(at) = self.deeds.iter().position(|d| d.doer.is_none())
        {
            self.cursor = at;
        }
    }

    /// The cursor after a tree operation moved the running deed or the tock
    /// changed (rare: kept out of the loop of a pass).
    #[cfg_attr(target_pointer_width = "64", cold, inline(never))]
    fn moved_cursor(&mut self) -> usize {
        self.moved = false;
        self.cursor
    }

    /// Drops the deed at the cursor (its doer finished) and returns the doer
    /// to its slot.
    fn drop_running(&mut self, idx: usize, doer: &'a mut dyn Doer) {
        // its deed is at the cursor (its doer is lent out: nothing to keep)
        let _ = self.deeds.remove_at(self.cursor);
        if let Some(s) = self.slots.get_mut(idx) {
            s.doer = Some(doer);
            s.active = false;
        }
        self.release_if_idle(idx);
    }

    /// Force closes every deed (hio's exit): from the right end of hio's
    /// deque, i.e. after an error the deeds already visited in the broken
    /// pass (last first), then the others (last first); normally simply in
    /// reverse order.
    pub(crate) fn exit_all(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        mut up: Option<&mut Cx<'_>>,
    ) {
        let mut split = self.split.take().unwrap_or(0).min(self.deeds.len());
        while !self.deeds.is_empty() {
            let at = if split > 0 {
                split -= 1;
                split
            } else {
                self.deeds.len() - 1
            };
            let Some(deed) = self.deeds.remove_at(at) else {
                break;
            };
            self.close(deed, tyme, tracer, reborrow(&mut up));
        }
        self.live = false;
        self.running = false;
    }

    /// Closes one doer that has no deed any more: cease, exit, done = false.
    fn close(
        &mut self,
        deed: Deed<'a>,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        up: Option<&mut Cx<'_>>,
    ) {
        let (idx, count) = (deed.slot as usize, deed.count);
        let Some(doer) = deed.doer else { return };
        self.finish(doer, End::Cease, count, tyme, tracer, up);
        self.write_done(idx, Done::Incomplete, tracer, doer);
        if let Some(s) = self.slots.get_mut(idx) {
            s.doer = Some(doer);
            s.active = false;
        }
        self.release_if_idle(idx);
    }

    /// hio's extend with doers that live as long as this scheduler.
    pub(crate) fn extend_with(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        doers: &mut dyn ExactSizeIterator<Item = &'a mut dyn Doer>,
    ) -> Result<(), Error> {
        self.find_running();
        let k = doers.len();
        if k > self.free_slots() || k > N - self.list.len() || k > N - self.deeds.len() {
            return Err(Error::Capacity);
        }
        // enter each into a slot; queue deeds only when all entered well
        let mut fresh: Vec<u16, N> = Vec::new();
        let deeds_before = self.deeds.len();
        let mut failed = None;
        for doer in doers.take(k) {
            let Ok(idx) = self.alloc(doer) else {
                failed = Some(Error::Capacity);
                break;
            };
            let _ = fresh.push(idx);
            if let Err(e) = self.enter_slot(idx as usize, tyme, tracer, None) {
                failed = Some(e);
                break;
            }
        }
        // the new deeds were pushed at the end
        if let Some(e) = failed {
            // close the ones entered before the failing one, last first
            // (hio orphans them)
            while self.deeds.len() > deeds_before {
                let Some(d) = self.deeds.pop() else { break };
                self.close(d, tyme, tracer, None);
            }
            for &idx in &fresh {
                self.release_if_idle(idx as usize);
            }
            return Err(e);
        }
        for &idx in &fresh {
            if let Some(s) = self.slots.get_mut(idx as usize) {
                s.listed = true;
            }
            let _ = self.list.push(idx);
            if let (Some(t), Some(s)) = (tracer, self.slots.get(idx as usize)) {
                t.listed(self.name, s.name, true);
            }
        }
        if self.running {
            // mid-pass: before the running caller, not visited this pass
            let n_new = self.deeds.len().saturating_sub(deeds_before);
            for n in 0..n_new {
                self.deeds.move_down(deeds_before + n, self.cursor + n);
            }
            self.cursor += n_new;
            self.moved = true;
        }
        for &idx in &fresh {
            self.release_if_idle(idx as usize);
        }
        Ok(())
    }

    fn remove_names(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        names: &[&str],
    ) -> Result<usize, Error> {
        self.find_running();
        // 1. which listed doers (by slot), unlisting them
        let mut gone: Vec<u16, N> = Vec::new();
        let mut i = 0;
        while let Some(&idx) = self.list.get(i) {
            // by the name cached at listing: a running doer has lent out its
            // reference, and hio still unlists it (it then runs on)
            let hit = self
                .slots
                .get(idx as usize)
                .is_some_and(|s| names.contains(&s.name));
            if hit {
                remove_at(&mut self.list, i);
                let _ = gone.push(idx);
                if let Some(s) = self.slots.get_mut(idx as usize) {
                    s.listed = false;
                }
            } else {
                i += 1;
            }
        }
        if let Some(t) = tracer {
            for &idx in &gone {
                if let Some(s) = self.slots.get(idx as usize) {
                    t.listed(self.name, s.name, false);
                }
            }
        }
        // 2. pull their deeds in closing order: visited (last first), then
        //    not yet visited (last first); the running deed stays
        let mut order: Vec<u16, N> = Vec::new();
        let (visited, rest_from) = if self.running {
            (self.cursor, self.cursor + 1)
        } else {
            (0, 0)
        };
        for at in (0..visited)
            .rev()
            .chain((rest_from..self.deeds.len()).rev())
        {
            if let Some(d) = self.deeds.get(at)
                && gone.contains(&d.slot)
            {
                let _ = order.push(d.slot);
            }
        }
        let mut closing: Vec<Deed<'a>, N> = Vec::new();
        for &slot in &order {
            let at = self.deeds.iter().position(|d| d.slot == slot);
            if let Some(at) = at
                && let Some(d) = self.deeds.remove_at(at)
            {
                if self.running && at < self.cursor {
                    self.cursor -= 1;
                    self.moved = true;
                }
                let _ = closing.push(d);
            }
        }
        // 3. close them
        for d in closing {
            self.close(d, tyme, tracer, None);
        }
        for &idx in &gone {
            self.release_if_idle(idx as usize);
        }
        Ok(gone.len())
    }

    fn find_index(&mut self, name: &str) -> Option<usize> {
        (0..N).find(|&i| {
            self.doer_at(i)
                .and_then(|d| d.container())
                .is_some_and(|c| c.name() == name || c.find(name).is_some())
        })
    }

    /// The earliest retyme among the deeds.
    pub(crate) fn next_due(&self) -> Option<Tyme> {
        self.deeds.iter().map(|d| d.retyme).min()
    }
}

impl<const N: usize, S: Shape> Container for Sched<'_, N, S> {
    fn name(&self) -> &str {
        self.name
    }
    fn tock(&self) -> Tock {
        self.tock
    }
    fn set_tock(&mut self, tock: Tock) {
        self.tock = tock;
        // mid-pass on 64-bit hosts: the pass keeps `tyme + tock` and reads
        // it again only when told (it then also reads the cursor: point it)
        #[cfg(target_pointer_width = "64")]
        if self.running {
            self.find_running();
            self.moved = true;
        }
    }
    fn is_live(&self) -> bool {
        self.live
    }
    fn extend_from(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        doers: &mut dyn ExactSizeIterator<Item = &'static mut dyn Doer>,
    ) -> Result<(), Error> {
        struct Shorten<'i, 'a>(
            &'i mut dyn ExactSizeIterator<Item = &'static mut dyn Doer>,
            core::marker::PhantomData<&'a ()>,
        );
        impl<'a> Iterator for Shorten<'_, 'a> {
            type Item = &'a mut dyn Doer;
            fn next(&mut self) -> Option<Self::Item> {
                match self.0.next() {
                    Some(d) => Some(d),
                    None => None,
                }
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }
        impl ExactSizeIterator for Shorten<'_, '_> {}
        if !S::DYNAMIC {
            return Err(Error::Misuse);
        }
        self.extend_with(tyme, tracer, &mut Shorten(doers, core::marker::PhantomData))
    }
    fn remove_named(
        &mut self,
        tyme: Tyme,
        tracer: Option<&dyn Tracer>,
        names: &[&str],
    ) -> Result<usize, Error> {
        if !S::DYNAMIC {
            return Err(Error::Misuse);
        }
        self.remove_names(tyme, tracer, names)
    }
    fn find(&mut self, name: &str) -> Option<&mut dyn Container> {
        let i = self.find_index(name)?;
        let c = self.doer_at(i)?.container()?;
        if c.name() == name {
            return Some(c);
        }
        c.find(name)
    }
}

/// `v.remove(i)` element by element (see [`Deeds::remove_at`]).
fn remove_at<T: Copy, const N: usize>(v: &mut Vec<T, N>, i: usize) -> Option<T> {
    let removed = *v.get(i)?;
    let mut j = i;
    while let Some(&next) = v.get(j + 1) {
        if let Some(slot) = v.get_mut(j) {
            *slot = next;
        }
        j += 1;
    }
    v.pop();
    Some(removed)
}
