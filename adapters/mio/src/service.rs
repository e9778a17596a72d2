//! The one service doer ([`ServiceDoer`]) that every device here shares:
//! [`ClientDoer`](crate::ClientDoer), [`ServerDoer`](crate::ServerDoer)
//! and [`PeerDoer`](crate::PeerDoer) are this doer over a
//! [`TcpClient`](crate::TcpClient), a [`TcpServer`](crate::TcpServer) and a
//! [`DgramPeer`](crate::DgramPeer); what differs is the device's
//! [`Service`].

use std::cell::RefCell;

use hio::{Cx, Doer, Error, Recur, Tyme};

/// A device a [`ServiceDoer`] drives: what it does when the doer enters,
/// each time it runs, and when it exits.
pub trait Service {
    /// On enter, at `tyme` (connect, listen again, ...). Nothing by
    /// default.
    ///
    /// # Errors
    ///
    /// The device's: the doer aborts with it.
    fn start(&mut self, tyme: Tyme) -> Result<(), Error> {
        let _ = tyme;
        Ok(())
    }
    /// One service at `tyme`: moves what is ready.
    ///
    /// # Errors
    ///
    /// The device's: the doer aborts with it.
    fn run(&mut self, tyme: Tyme) -> Result<(), Error>;
    /// On exit, in every ending (close). Nothing by default.
    fn stop(&mut self) {}
}

/// The service doer of a device `D` shared through a `RefCell` with the
/// application doers that use it.
///
/// # Contract
///
/// * **enter** calls [`Service::start`], **recur** [`Service::run`] and
///   asks to run again on the next pass (`Recur::NEXT`), **exit**
///   [`Service::stop`] (in every ending). An error of `start` or `run`
///   aborts the doer with it.
/// * The device being borrowed elsewhere during the step is
///   `Error::Misuse`.
/// * **Bounded work**: one service per run.
pub struct ServiceDoer<'a, D> {
    name: &'static str,
    device: &'a RefCell<D>,
}

impl<'a, D> ServiceDoer<'a, D> {
    /// The service doer named `name` for `device`.
    pub fn new(name: &'static str, device: &'a RefCell<D>) -> Self {
        ServiceDoer { name, device }
    }

    /// The device it services.
    pub fn device(&self) -> &'a RefCell<D> {
        self.device
    }
}

impl<D: Service> Doer for ServiceDoer<'_, D> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut d = self.device.try_borrow_mut().map_err(|_| Error::Misuse)?;
        d.start(cx.tyme())?;
        Ok(Recur::NEXT)
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut d = self.device.try_borrow_mut().map_err(|_| Error::Misuse)?;
        d.run(cx.tyme())?;
        Ok(Recur::NEXT)
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        if let Ok(mut d) = self.device.try_borrow_mut() {
            d.stop();
        }
    }
}
