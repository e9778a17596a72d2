//! The completion port shared by a runner and its devices, the device
//! contract, and the service doer.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::rc::Rc;

use hio::{Cx, Doer, Error, IoKind, Recur, Tyme};

use crate::sys;

/// A handle on the runner's completion port (cheap to clone; the port
/// lives while any handle does). Devices are opened on it.
#[derive(Clone)]
pub struct Port(pub(crate) Rc<Shared>);

pub(crate) struct Shared {
    pub(crate) sys: sys::Port,
    activity: Cell<u64>,
}

impl fmt::Debug for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Port")
            .field("in_flight", &self.in_flight())
            .field("activity", &self.activity())
            .finish()
    }
}

impl Port {
    pub(crate) fn new() -> io::Result<Port> {
        Ok(Port(Rc::new(Shared {
            sys: sys::Port::new()?,
            activity: Cell::new(0),
        })))
    }

    /// Overlapped operations started on this port whose completion has
    /// not been taken off it yet (over all devices).
    pub fn in_flight(&self) -> usize {
        self.0.sys.in_flight()
    }

    /// Devices call this when they moved bytes or changed state, so a
    /// runner in [`Mode::Ready`](crate::Mode::Ready) follows up at once.
    pub fn note_activity(&self) {
        self.0.activity.set(self.0.activity.get().wrapping_add(1));
    }

    /// A counter that changes whenever some device noted activity.
    pub fn activity(&self) -> u64 {
        self.0.activity.get()
    }

    /// Takes completions off the port for up to `millis` (what a device
    /// does when dropped with IO in flight: it waits for its own).
    pub(crate) fn pump(&self, millis: u32) -> io::Result<usize> {
        let mut room = sys::Completions::with_capacity(16);
        self.0.sys.wait(&mut room, millis)
    }
}

/// A device serviced by a [`Service`] doer.
pub trait Device {
    /// Collects finished operations and starts the next ones (moves bytes
    /// between the device and its rings). Called once per pass.
    ///
    /// # Errors
    ///
    /// A failure of the device that the tree should see (opening it, an
    /// OS error that is not the other end going away).
    fn service(&mut self, tyme: Tyme) -> Result<(), Error>;

    /// Cancels every operation in flight (`CancelIoEx`). Their buffers
    /// stay with them until the port hands back their completions, which
    /// the device collects as cancelled.
    fn cancel(&mut self);
}

/// The service doer of a device (hio's `ServerDoer`/`ClientDoer` shape):
/// services it every pass, and cancels its IO when it stops (ceased,
/// removed, aborted or finished: on `exit`, which always runs).
///
/// # Contract
///
/// * **Contexts.** A doer: add it to a doist or a DoDoer run by a
///   [`Runner`](crate::Runner) of the same port. It borrows the device
///   mutably for the duration of each hook only.
/// * **Per pass.** One `service` call: bounded work (each device has at most
///   one read and one write in flight).
/// * **Cancel.** On exit every operation in flight is cancelled; the
///   device's buffers are not reused until their completions came back.
#[derive(Debug)]
pub struct Service<'a, D: Device> {
    name: &'static str,
    device: &'a RefCell<D>,
}

impl<'a, D: Device> Service<'a, D> {
    /// A service doer named `name` for `device`.
    pub fn new(name: &'static str, device: &'a RefCell<D>) -> Self {
        Service { name, device }
    }
}

impl<D: Device> Doer for Service<'_, D> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.recur(cx)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut device = self.device.try_borrow_mut().map_err(|_| Error::Misuse)?;
        device.service(cx.tyme())?;
        Ok(Recur::NEXT)
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        if let Ok(mut device) = self.device.try_borrow_mut() {
            device.cancel();
        }
    }
}

/// Maps an OS error onto [`hio::Error`]: `Error::Io` with hio's
/// `IoKind::from` its kind (the mapping hio-mio shares).
pub fn to_error(e: &io::Error) -> Error {
    Error::Io(IoKind::from(e.kind()))
}
