//! Coroutine doers: an `async` block as a doer (hio's generator doers and
//! ReDoer), polled by the deterministic scheduler, not by an executor.

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::cx::{Cx, Target};
use crate::dodoer::Hooks;
use crate::doer::{Doer, Done, Recur};
use crate::error::Error;
use crate::tyme::{Tock, Tyme};

/// Most doers one [`Co::extend`] can hand over, and most names one
/// [`Co::remove`] can list.
pub const CO_BATCH: usize = 4;

/// An operation on the tree that a coroutine asks its [`CoDoer`] to perform
/// with the [`Cx`] of the current step.
enum Request {
    Extend(
        Target<'static>,
        heapless::Vec<&'static mut dyn Doer, CO_BATCH>,
    ),
    Remove(Target<'static>, heapless::Vec<&'static str, CO_BATCH>),
    SetTock(Target<'static>, Tock),
}

/// The channel between a coroutine and its [`CoDoer`]: the coroutine awaits
/// [`tock`](Co::tock) to yield one step, reads the tyme fed back, and awaits
/// tree operations that run within the same step.
///
/// It lives outside the future (usually on the stack beside it) and is
/// shared by reference.
#[derive(Default)]
pub struct Co {
    tyme: Cell<Tyme>,
    yielded: Cell<Option<Tock>>,
    request: Cell<Option<Request>>,
    reply: Cell<Option<Result<usize, Error>>>,
}

impl Co {
    /// A fresh channel.
    pub const fn new() -> Self {
        Co {
            tyme: Cell::new(Tyme::ZERO),
            yielded: Cell::new(None),
            request: Cell::new(None),
            reply: Cell::new(None),
        }
    }

    /// The tyme of the current step (the root tyme fed by the scheduler).
    pub fn tyme(&self) -> Tyme {
        self.tyme.get()
    }

    /// Ends this step and asks to be resumed after `tock` (zero: on the
    /// scheduler's next run). Resolves to the tyme of the step it resumes in.
    /// The first `tock` of a coroutine ends its enter phase, and its value is
    /// ignored (hio ignores the first yield).
    pub fn tock(&self, tock: Tock) -> Yield<'_> {
        Yield {
            co: self,
            tock,
            yielded: false,
        }
    }

    fn call(&self, request: Request) -> Call<'_> {
        Call {
            co: self,
            request: Some(request),
        }
    }

    /// [`Cx::extend`] from inside a coroutine, within the current step.
    /// At most [`CO_BATCH`] doers; more fail with [`Error::Capacity`].
    pub fn extend<I>(&self, target: Target<'static>, doers: I) -> Call<'_>
    where
        I: IntoIterator<Item = &'static mut dyn Doer>,
    {
        let mut v = heapless::Vec::new();
        let mut over = false;
        for d in doers {
            over |= v.push(d).is_err();
        }
        if over {
            return Call::failed(self, Error::Capacity);
        }
        self.call(Request::Extend(target, v))
    }

    /// [`Cx::remove`] from inside a coroutine, within the current step.
    /// At most [`CO_BATCH`] names; more fail with [`Error::Capacity`].
    pub fn remove(&self, target: Target<'static>, names: &[&'static str]) -> Call<'_> {
        match heapless::Vec::from_slice(names) {
            Ok(v) => self.call(Request::Remove(target, v)),
            Err(_) => Call::failed(self, Error::Capacity),
        }
    }

    /// [`Cx::set_tock`] from inside a coroutine, within the current step.
    pub fn set_tock(&self, target: Target<'static>, tock: Tock) -> Call<'_> {
        self.call(Request::SetTock(target, tock))
    }
}

/// The future of [`Co::tock`].
#[must_use = "a tock does nothing unless awaited"]
pub struct Yield<'c> {
    co: &'c Co,
    tock: Tock,
    yielded: bool,
}

impl Future for Yield<'_> {
    type Output = Tyme;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Tyme> {
        if self.yielded {
            Poll::Ready(self.co.tyme())
        } else {
            self.yielded = true;
            self.co.yielded.set(Some(self.tock));
            Poll::Pending
        }
    }
}

/// The future of a tree operation asked from a coroutine; resolves within
/// the same step to the operation's result (for `remove`, how many doers
/// were unlisted; otherwise 0).
#[must_use = "an operation does nothing unless awaited"]
pub struct Call<'c> {
    co: &'c Co,
    request: Option<Request>,
}

impl<'c> Call<'c> {
    fn failed(co: &'c Co, e: Error) -> Self {
        co.reply.set(Some(Err(e)));
        Call { co, request: None }
    }
}

impl Future for Call<'_> {
    type Output = Result<usize, Error>;
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(r) = self.request.take() {
            self.co.request.set(Some(r));
            return Poll::Pending;
        }
        Poll::Ready(self.co.reply.take().unwrap_or(Err(Error::Misuse)))
    }
}

impl Unpin for Call<'_> {}

/// A doer whose work is an `async` block (hio's ReDoer: a Doer whose recur
/// is a generator), with optional [`Hooks`] for the other contexts.
///
/// * The first poll, during `enter` and after the `enter` hook, runs the
///   block up to its first `co.tock(..).await`: that is the enter phase. If
///   the block returns before it, the doer finishes inside enter.
/// * Each later step feeds the tyme into [`Co`] and polls once: the block
///   runs to its next `co.tock(t).await`, whose `t` is the tock for the next
///   scheduling, or returns `Ok(done)` (finished: `clean`, `exit`) or an
///   error (`abort`, `exit`).
/// * Closing it from outside drops the future (its drop guards run, like a
///   generator's `finally`), then runs `cease` and `exit`.
/// * [`Hooks::recur`] runs before every step.
/// * The waker is a no-op: awaiting anything but [`Co`]'s futures just
///   resumes on the next step (as if it had awaited `co.tock(Tock::ZERO)`).
/// * One entry per future: entering it again after it finished gives
///   [`Error::Spent`] (hio makes a fresh generator per entry; make a fresh
///   `CoDoer`).
///
/// No heap: the future is pinned by the caller (`core::pin::pin!`).
///
/// ```
/// use core::pin::pin;
/// use hio::{Co, CoDoer, Doist, Tock, Tyme};
/// let co = Co::new();
/// let mut seen = [Tyme::ZERO; 3];
/// let fut = pin!(Some(async {
///     co.tock(Tock::ZERO).await; // end of enter
///     for slot in seen.iter_mut() {
///         *slot = co.tyme();
///         co.tock(Tock::from_millis(500)).await;
///     }
///     Ok(true)
/// }));
/// let mut doer = CoDoer::new("steps", &co, fut);
/// let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(250));
/// doist.add(&mut doer).unwrap();
/// assert_eq!(doist.run(None), Ok(true));
/// drop(doist);
/// drop(doer);
/// assert_eq!(seen, [Tyme::ZERO, Tyme::from_millis(500), Tyme::from_secs(1)]);
/// ```
pub struct CoDoer<'f, F, H = ()> {
    name: &'static str,
    co: &'f Co,
    fut: Pin<&'f mut Option<F>>,
    hooks: H,
}

impl<'f, F> CoDoer<'f, F, ()>
where
    F: Future<Output = Result<bool, Error>>,
{
    /// A coroutine doer with no hooks.
    pub fn new(name: &'static str, co: &'f Co, fut: Pin<&'f mut Option<F>>) -> Self {
        CoDoer {
            name,
            co,
            fut,
            hooks: (),
        }
    }
}

impl<'f, F, H> CoDoer<'f, F, H>
where
    F: Future<Output = Result<bool, Error>>,
    H: Hooks,
{
    /// A coroutine doer with hooks for enter, clean, cease, abort and exit.
    pub fn with_hooks(
        name: &'static str,
        co: &'f Co,
        fut: Pin<&'f mut Option<F>>,
        hooks: H,
    ) -> Self {
        CoDoer {
            name,
            co,
            fut,
            hooks,
        }
    }

    /// The hooks.
    pub fn hooks(&mut self) -> &mut H {
        &mut self.hooks
    }

    /// True once the future has finished or was dropped.
    pub fn is_spent(&self) -> bool {
        self.fut.is_none()
    }

    fn step(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.co.tyme.set(cx.tyme());
        let mut task = Context::from_waker(Waker::noop());
        loop {
            let Some(fut) = self.fut.as_mut().as_pin_mut() else {
                return Err(Error::Spent);
            };
            match fut.poll(&mut task) {
                Poll::Ready(r) => {
                    self.fut.set(None);
                    return r.map(Recur::Done);
                }
                Poll::Pending => match self.co.request.take() {
                    Some(req) => {
                        let reply = match req {
                            Request::Extend(t, doers) => cx.extend(t, doers).map(|()| 0),
                            Request::Remove(t, names) => cx.remove(t, &names),
                            Request::SetTock(t, tock) => cx.set_tock(t, tock).map(|()| 0),
                        };
                        self.co.reply.set(Some(reply));
                    }
                    None => return Ok(Recur::Again(self.co.yielded.take().unwrap_or(Tock::ZERO))),
                },
            }
        }
    }
}

impl<F, H> Doer for CoDoer<'_, F, H>
where
    F: Future<Output = Result<bool, Error>>,
    H: Hooks,
{
    fn name(&self) -> &'static str {
        self.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        if self.fut.is_none() {
            return Err(Error::Spent);
        }
        self.hooks.enter(cx)?;
        self.step(cx)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.hooks.recur(cx)?;
        self.step(cx)
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        self.hooks.clean(cx);
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        self.fut.set(None);
        self.hooks.cease(cx);
    }
    fn abort(&mut self, cx: &mut Cx<'_>, error: Error) {
        self.fut.set(None);
        self.hooks.abort(cx, error);
    }
    fn exit(&mut self, cx: &mut Cx<'_>) {
        self.fut.set(None);
        self.hooks.exit(cx);
    }
    fn reported_done(&self) -> Done {
        Done::Incomplete
    }
}
