//! UDP: [`UdpPeer`], a [`DgramPeer`] on `mio::net::UdpSocket`.

use std::io;
use std::net::SocketAddr;

use hio::Error;
use mio::net::UdpSocket;

use super::{DgramPeer, DgramSocket};
use crate::io::{Io, to_error};

impl DgramSocket for UdpSocket {
    type Addr = SocketAddr;
    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        UdpSocket::recv_from(self, buf)
    }
    fn send_to(&self, buf: &[u8], to: &SocketAddr) -> io::Result<usize> {
        UdpSocket::send_to(self, buf, *to)
    }
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        UdpSocket::send(self, buf)
    }
    fn addr_text(addr: &SocketAddr) -> Option<String> {
        Some(addr.to_string())
    }
    fn parse_addr(text: Option<&str>) -> Option<SocketAddr> {
        text?.parse().ok()
    }
}

/// A UDP peer (hio's `Peer`) with queues of `N` datagrams of at most `M`
/// bytes (1472 by default: the largest payload of an unfragmented IPv4
/// datagram on a 1500-byte Ethernet link), serviced by a
/// [`PeerDoer`](super::PeerDoer).
///
/// ```
/// use std::cell::RefCell;
/// use hio_mio::{PeerDoer, Runner, UdpPeer};
///
/// let runner = Runner::new()?;
/// let peer: RefCell<UdpPeer> = RefCell::new(UdpPeer::bind(&runner.io(), "127.0.0.1:0".parse()?)?);
/// let mut service = PeerDoer::new("udp", &peer);
/// // add `service`, then doers that call peer.borrow_mut().send_to(..) / recv()
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type UdpPeer<const N: usize = 16, const M: usize = 1472> = DgramPeer<UdpSocket, N, M>;

impl<const N: usize, const M: usize> DgramPeer<UdpSocket, N, M> {
    /// A UDP peer bound to `addr` (port 0: any free port), registered with
    /// the runner behind `io`.
    ///
    /// # Errors
    ///
    /// The OS error of binding or registering, as `Error::Io`
    /// (`Io(AddrInUse)`, ...).
    pub fn bind(io: &Io, addr: SocketAddr) -> Result<Self, Error> {
        let sock = UdpSocket::bind(addr).map_err(|e| to_error(&e))?;
        Self::from_socket(io, sock)
    }

    /// Connects the socket to `addr`: [`send`](Self::send) goes there, only
    /// its datagrams are received, and an ICMP "port unreachable" for a
    /// datagram sent there is reported as `Io(ConnectionRefused)`
    /// ([`refused`](Self::refused)).
    ///
    /// # Errors
    ///
    /// The OS error, as `Error::Io`; `Io(Unsupported)` for a replay device.
    pub fn connect(&mut self, addr: SocketAddr) -> Result<(), Error> {
        let sock = self.socket().ok_or(Error::Io(hio::IoKind::Unsupported))?;
        sock.connect(addr).map_err(|e| to_error(&e))
    }

    /// The bound address (`None` for a replay device).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.socket().and_then(|s| s.local_addr().ok())
    }
}
