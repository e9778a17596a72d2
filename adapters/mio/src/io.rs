//! The readiness table shared by the [`Runner`](crate::Runner) and the
//! devices: [`Io`], [`Registered`], [`Ready`], and the mapping of
//! `std::io` errors onto [`hio::Error`].

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::rc::Rc;

use hio::{Error, IoKind};
use mio::event::Source;
use mio::{Interest, Registry, Token};

/// Readiness of one registered source, as the runner last saw it.
///
/// mio reports readiness as *edges*: a source is readable or writable from
/// the event until an operation on it would block. The runner records each
/// edge here; a device clears the flag when the OS says "would block" (or,
/// where the OS guarantees a new edge for new data, when a transfer came up
/// short). A freshly registered source starts with both flags set, so the
/// first service simply tries.
///
/// The *closed* states (the peer finished sending; the connection failed or
/// cannot be written) are final: [`Io::clear`] never removes them, so the
/// end of a stream that arrived together with its last bytes is still seen
/// after a short read (tokio keeps them sticky for the same reason).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Ready(u8);

impl Ready {
    /// Nothing is ready.
    pub const NONE: Ready = Ready(0);
    /// Reading (or accepting) may make progress.
    pub const READABLE: Ready = Ready(1);
    /// Writing (or completing a connect) may make progress.
    pub const WRITABLE: Ready = Ready(2);
    /// Both.
    pub const BOTH: Ready = Ready(3);
    /// The read half is closed (end of stream, hang-up): final.
    pub const READ_CLOSED: Ready = Ready(4);
    /// The write half is closed or the socket has an error: final.
    pub const WRITE_CLOSED: Ready = Ready(8);
    const CLOSED: u8 = 4 | 8;

    /// True if reading may make progress (or will report the end).
    pub const fn is_readable(self) -> bool {
        self.0 & (1 | 4) != 0
    }
    /// True if writing may make progress (or will report the error).
    pub const fn is_writable(self) -> bool {
        self.0 & (2 | 8) != 0
    }
    /// True once the read half was reported closed.
    pub const fn is_read_closed(self) -> bool {
        self.0 & 4 != 0
    }
    /// True once the write half was reported closed (or an error).
    pub const fn is_write_closed(self) -> bool {
        self.0 & 8 != 0
    }
    /// The union of both.
    #[must_use]
    pub const fn with(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
    /// `self` without `other`.
    #[must_use]
    pub const fn without(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
    /// What a mio event means for a device.
    pub fn from_event(event: &mio::event::Event) -> Ready {
        let mut r = Ready::NONE;
        if event.is_readable() {
            r = r.with(Ready::READABLE);
        }
        if event.is_writable() {
            r = r.with(Ready::WRITABLE);
        }
        if event.is_read_closed() {
            r = r.with(Ready::READ_CLOSED);
        }
        if event.is_write_closed() || event.is_error() {
            r = r.with(Ready::WRITE_CLOSED);
        }
        if event.is_error() {
            // an error is reported by the next read as well
            r = r.with(Ready::READ_CLOSED);
        }
        r
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |on: bool, c: char| if on { c } else { '-' };
        write!(
            f,
            "Ready({}{}{}{})",
            flag(self.0 & 1 != 0, 'r'),
            flag(self.0 & 2 != 0, 'w'),
            flag(self.is_read_closed(), 'R'),
            flag(self.is_write_closed(), 'W'),
        )
    }
}

#[derive(Default)]
struct Table {
    ready: Vec<Ready>,
    live: Vec<bool>,
    free: Vec<usize>,
    /// The watch list each token's events go to, if any.
    watch: Vec<Option<WatchList>>,
    /// The token is in its watch list already.
    listed: Vec<bool>,
}

/// Names a list of tokens that had events since the list was last taken
/// ([`Io::watch_list`]): a device with many sources (a server's remotes)
/// visits only those, not all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WatchList(usize);

struct Shared {
    registry: Registry,
    table: RefCell<Table>,
    activity: Cell<u64>,
    /// The watch lists: tokens in the order their first event came.
    lists: RefCell<Vec<Vec<Token>>>,
}

/// A handle on the runner's poll: registers sources, and keeps for each the
/// readiness the runner saw (a [`Ready`] per [`Token`]).
///
/// Cheap to clone (an `Rc`); every device holds one. It is single-threaded
/// (`!Send`), like the tree of doers that uses it.
///
/// # Contract
///
/// * **Contexts.** Any doer context, or outside the scheduler. The runner
///   writes readiness only between passes, never during a step.
/// * **Activity.** Service doers call [`note_activity`](Self::note_activity)
///   whenever they moved bytes or changed a connection; a runner in
///   [`Mode::Ready`](crate::Mode::Ready) then runs a follow-up pass at once,
///   so what an application doer wrote in that pass is sent without waiting
///   for a tock.
#[derive(Clone)]
pub struct Io {
    shared: Rc<Shared>,
}

impl fmt::Debug for Io {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.shared.table.borrow();
        f.debug_struct("Io")
            .field("registered", &t.live.iter().filter(|l| **l).count())
            .field("activity", &self.shared.activity.get())
            .finish()
    }
}

impl Io {
    pub(crate) fn new(registry: Registry) -> Io {
        Io {
            shared: Rc::new(Shared {
                registry,
                table: RefCell::new(Table::default()),
                activity: Cell::new(0),
                lists: RefCell::new(Vec::new()),
            }),
        }
    }

    /// The mio registry of the runner's poll.
    pub fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    fn alloc(&self) -> Token {
        let mut t = self.shared.table.borrow_mut();
        let index = match t.free.pop() {
            Some(i) => i,
            None => {
                t.ready.push(Ready::NONE);
                t.live.push(false);
                t.watch.push(None);
                t.listed.push(false);
                t.ready.len() - 1
            }
        };
        if let Some(w) = t.watch.get_mut(index) {
            *w = None;
        }
        if let Some(l) = t.listed.get_mut(index) {
            *l = false;
        }
        if let Some(r) = t.ready.get_mut(index) {
            *r = Ready::BOTH;
        }
        if let Some(l) = t.live.get_mut(index) {
            *l = true;
        }
        Token(index)
    }

    fn release(&self, token: Token) {
        let mut t = self.shared.table.borrow_mut();
        if let Some(l) = t.live.get_mut(token.0)
            && *l
        {
            *l = false;
            t.free.push(token.0);
        }
    }

    /// The readiness recorded for `token` (nothing for unknown tokens).
    pub fn ready(&self, token: Token) -> Ready {
        let t = self.shared.table.borrow();
        match (t.live.get(token.0), t.ready.get(token.0)) {
            (Some(true), Some(r)) => *r,
            _ => Ready::NONE,
        }
    }

    /// Forgets `what` for `token` (the OS said it would block). The closed
    /// states are final and stay.
    pub fn clear(&self, token: Token, what: Ready) {
        if let Some(r) = self.shared.table.borrow_mut().ready.get_mut(token.0) {
            *r = r.without(Ready(what.0 & !Ready::CLOSED));
        }
    }

    /// Forgets `what` for `token`, the closed states included. For datagram
    /// sockets, where an error event is one datagram's report (an ICMP
    /// "port unreachable", read back by the next receive) and not the end
    /// of the socket.
    pub fn forget(&self, token: Token, what: Ready) {
        if let Some(r) = self.shared.table.borrow_mut().ready.get_mut(token.0) {
            *r = r.without(what);
        }
    }

    /// Records `what` for `token` (the runner does this for every event),
    /// and puts the token in its watch list, if it has one and is not in
    /// it yet. Returns false if `token` is not registered through this
    /// handle.
    pub fn mark(&self, token: Token, what: Ready) -> bool {
        let mut t = self.shared.table.borrow_mut();
        if t.live.get(token.0) != Some(&true) {
            return false;
        }
        match t.ready.get_mut(token.0) {
            Some(r) => *r = r.with(what),
            None => return false,
        }
        if let Some(Some(list)) = t.watch.get(token.0).copied()
            && let Some(listed) = t.listed.get_mut(token.0)
            && !*listed
        {
            *listed = true;
            if let Some(l) = self.shared.lists.borrow_mut().get_mut(list.0) {
                l.push(token);
            }
        }
        true
    }

    /// A new, empty watch list.
    pub(crate) fn watch_list(&self) -> WatchList {
        let mut lists = self.shared.lists.borrow_mut();
        lists.push(Vec::new());
        WatchList(lists.len() - 1)
    }

    /// From now on, `token`'s events put it in `list` (until the token is
    /// released).
    pub(crate) fn watch(&self, token: Token, list: WatchList) {
        if let Some(w) = self.shared.table.borrow_mut().watch.get_mut(token.0) {
            *w = Some(list);
        }
    }

    /// Moves the tokens of `list` into `into` (cleared first), in the
    /// order their first event since the last take came, and empties the
    /// list. A token released meanwhile may still be there (and may name
    /// a new source by now): callers check.
    pub(crate) fn take_watched(&self, list: WatchList, into: &mut Vec<Token>) {
        into.clear();
        if let Some(l) = self.shared.lists.borrow_mut().get_mut(list.0) {
            std::mem::swap(l, into);
        }
        let mut t = self.shared.table.borrow_mut();
        for token in into.iter() {
            if let Some(l) = t.listed.get_mut(token.0) {
                *l = false;
            }
        }
    }

    /// Says that a service doer moved bytes or changed a connection.
    pub fn note_activity(&self) {
        let a = &self.shared.activity;
        a.set(a.get().wrapping_add(1));
    }

    /// A counter that changes whenever some device noted activity.
    pub fn activity(&self) -> u64 {
        self.shared.activity.get()
    }

    /// How many sources are registered now.
    pub fn registered(&self) -> usize {
        self.shared
            .table
            .borrow()
            .live
            .iter()
            .filter(|l| **l)
            .count()
    }
}

/// A source registered with the runner's poll for as long as this value
/// lives: dropping it deregisters the source and frees its token.
pub struct Registered<S: Source> {
    source: S,
    token: Token,
    io: Io,
}

impl<S: Source + fmt::Debug> fmt::Debug for Registered<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registered")
            .field("source", &self.source)
            .field("token", &self.token)
            .field("ready", &self.ready())
            .finish()
    }
}

impl<S: Source> Registered<S> {
    /// Registers `source` for `interest` under a fresh token. Its readiness
    /// starts as [`Ready::BOTH`] (optimistic: the first try tells).
    ///
    /// # Errors
    ///
    /// The OS error of the registration (the source is dropped then).
    pub fn new(io: &Io, mut source: S, interest: Interest) -> io::Result<Self> {
        let token = io.alloc();
        if let Err(e) = io.registry().register(&mut source, token, interest) {
            io.release(token);
            return Err(e);
        }
        Ok(Registered {
            source,
            token,
            io: io.clone(),
        })
    }
    /// Its token.
    pub fn token(&self) -> Token {
        self.token
    }
    /// The readiness the runner recorded for it.
    pub fn ready(&self) -> Ready {
        self.io.ready(self.token)
    }
    /// Forgets `what` (after an operation would block).
    pub fn clear(&self, what: Ready) {
        self.io.clear(self.token, what);
    }
    /// Its events put it in `list` from now on ([`Io::take_watched`]).
    pub(crate) fn watch(&self, list: WatchList) {
        self.io.watch(self.token, list);
    }
    /// Forgets `what`, the closed states included ([`Io::forget`]).
    pub fn forget(&self, what: Ready) {
        self.io.forget(self.token, what);
    }
    /// The handle it is registered through.
    pub fn io(&self) -> &Io {
        &self.io
    }
    /// The source.
    pub fn get(&self) -> &S {
        &self.source
    }
    /// The source, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.source
    }
}

impl<S: Source> Drop for Registered<S> {
    fn drop(&mut self) {
        // Closing the socket would remove it from epoll anyway; mio asks for
        // an explicit deregister on every platform, and it cannot fail in a
        // way we could act on here.
        let _ = self.io.registry().deregister(&mut self.source);
        self.io.release(self.token);
    }
}

/// The [`IoKind`] of a `std::io::ErrorKind` (hio's `From` impl, feature
/// `std`, the one mapping that hio-mio and hio-iocp share).
pub fn io_kind(kind: io::ErrorKind) -> IoKind {
    IoKind::from(kind)
}

/// An OS error as a [`hio::Error`]: `Error::Io` with its [`io_kind`].
pub fn to_error(e: &io::Error) -> Error {
    Error::Io(io_kind(e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_onto_hio() {
        assert_eq!(
            to_error(&io::Error::from(io::ErrorKind::ConnectionRefused)),
            Error::Io(IoKind::ConnectionRefused)
        );
        assert_eq!(
            io_kind(io::ErrorKind::ConnectionReset),
            IoKind::ConnectionReset
        );
        assert_eq!(io_kind(io::ErrorKind::WouldBlock), IoKind::Other);
    }

    #[test]
    fn ready_flags() {
        let r = Ready::NONE.with(Ready::READABLE);
        assert!(r.is_readable() && !r.is_writable());
        assert_eq!(Ready::BOTH.without(Ready::READABLE), Ready::WRITABLE);
        assert_eq!(format!("{:?}", Ready::BOTH), "Ready(rw--)");
        let closed = Ready::READ_CLOSED;
        assert!(closed.is_readable() && closed.is_read_closed() && !closed.is_writable());
    }

    #[test]
    fn tokens_are_reused_and_unknown_tokens_are_not_ready() {
        let poll = mio::Poll::new().unwrap();
        let io = Io::new(poll.registry().try_clone().unwrap());
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        a.set_nonblocking(true).unwrap();
        let a = Registered::new(&io, mio::net::UdpSocket::from_std(a), Interest::READABLE).unwrap();
        let t = a.token();
        assert_eq!(a.ready(), Ready::BOTH);
        a.clear(Ready::READABLE);
        assert_eq!(a.ready(), Ready::WRITABLE);
        assert!(io.mark(t, Ready::READ_CLOSED));
        a.clear(Ready::BOTH.with(Ready::READ_CLOSED));
        assert_eq!(a.ready(), Ready::READ_CLOSED, "closed states are final");
        assert_eq!(io.registered(), 1);
        drop(a);
        assert_eq!(io.registered(), 0);
        assert_eq!(io.ready(t), Ready::NONE);
        assert!(!io.mark(t, Ready::READABLE));
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        b.set_nonblocking(true).unwrap();
        let b = Registered::new(&io, mio::net::UdpSocket::from_std(b), Interest::READABLE).unwrap();
        assert_eq!(b.token(), t);
    }
}
