//! Unix datagram sockets: [`UnixDgramPeer`], a [`DgramPeer`] on
//! `mio::net::UnixDatagram` (Unix only).

use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use hio::{Error, IoKind};
use mio::net::UnixDatagram;

use super::{DgramPeer, DgramSocket};
use crate::io::{Io, to_error};

impl DgramSocket for UnixDatagram {
    type Addr = SocketAddr;
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        UnixDatagram::recv_from(self, buf)
    }
    fn send_to(&self, buf: &[u8], to: &SocketAddr) -> io::Result<usize> {
        match to.as_pathname() {
            Some(path) => UnixDatagram::send_to(self, buf, path),
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an unnamed Unix socket address cannot be sent to",
            )),
        }
    }
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        UnixDatagram::send(self, buf)
    }
    fn addr_text(addr: &SocketAddr) -> Option<String> {
        addr.as_pathname().map(|p| p.to_string_lossy().into_owned())
    }
    fn parse_addr(text: Option<&str>) -> Option<SocketAddr> {
        match text {
            Some(path) => SocketAddr::from_pathname(path).ok(),
            // an unbound sender: the address of an unbound socket is unnamed
            None => UnixDatagram::unbound().ok()?.local_addr().ok(),
        }
    }
}

/// A Unix datagram peer with queues of `N` datagrams of at most `M` bytes,
/// serviced by a [`PeerDoer`](super::PeerDoer). Received datagrams carry
/// the sender's address (`as_pathname()` is `None` for an unbound
/// sender, which cannot be answered).
///
/// ```
/// use std::cell::RefCell;
/// use hio_mio::{PeerDoer, Runner, UnixDgramPeer};
///
/// let runner = Runner::new()?;
/// let path = std::env::temp_dir().join(format!("hio-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let peer: RefCell<UnixDgramPeer> = RefCell::new(UnixDgramPeer::bind(&runner.io(), &path)?);
/// let mut service = PeerDoer::new("unix", &peer);
/// # drop(service);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type UnixDgramPeer<const N: usize = 16, const M: usize = 2048> = DgramPeer<UnixDatagram, N, M>;

impl<const N: usize, const M: usize> DgramPeer<UnixDatagram, N, M> {
    /// A peer bound to `path` (which must not exist yet; remove it when
    /// done: the OS does not).
    ///
    /// # Errors
    ///
    /// The OS error of binding or registering, as `Error::Io`
    /// (`Io(AddrInUse)` if `path` exists, `Io(NotFound)` if its directory
    /// does not).
    pub fn bind(io: &Io, path: impl AsRef<Path>) -> Result<Self, Error> {
        let sock = UnixDatagram::bind(path).map_err(|e| to_error(&e))?;
        Self::from_socket(io, sock)
    }

    /// An unbound peer: it can send (to paths, or to the connected peer),
    /// and receive answers only once connected or from a pair.
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    pub fn unbound(io: &Io) -> Result<Self, Error> {
        let sock = UnixDatagram::unbound().map_err(|e| to_error(&e))?;
        Self::from_socket(io, sock)
    }

    /// Two peers connected to each other (`socketpair`).
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    pub fn pair(io: &Io) -> Result<(Self, Self), Error> {
        let (a, b) = UnixDatagram::pair().map_err(|e| to_error(&e))?;
        Ok((Self::from_socket(io, a)?, Self::from_socket(io, b)?))
    }

    /// Connects to the socket at `path`: [`send`](Self::send) goes there.
    ///
    /// # Errors
    ///
    /// The OS error (`Io(NotFound)` for a missing path,
    /// `Io(ConnectionRefused)` if nothing is bound there);
    /// `Io(Unsupported)` for a replay device.
    pub fn connect(&mut self, path: impl AsRef<Path>) -> Result<(), Error> {
        let sock = self.socket().ok_or(Error::Io(IoKind::Unsupported))?;
        sock.connect(path).map_err(|e| to_error(&e))
    }

    /// Queues a datagram of `data` for the socket at `path`.
    ///
    /// # Errors
    ///
    /// As [`send_to`](Self::send_to), and `Io(InvalidInput)` if `path`
    /// is not a valid socket path (too long, or containing a NUL).
    pub fn send_to_path(&mut self, path: impl AsRef<Path>, data: &[u8]) -> Result<(), Error> {
        let to = SocketAddr::from_pathname(path).map_err(|e| to_error(&e))?;
        self.send_to(to, data)
    }

    /// The bound address (`None` for a replay device).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.socket().and_then(|s| s.local_addr().ok())
    }
}
