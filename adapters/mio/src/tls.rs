//! TLS for the TCP devices (feature `tls`): [`TlsClient`] and
//! [`TlsServer`] settings, and the session that sits between a socket and
//! a connection's rx/tx rings.
//!
//! The service drives a [`rustls::Connection`] without blocking: records
//! from the socket go in with `read_tls` and `process_new_packets`,
//! plaintext comes out with `reader` into `rx` (only while `rx` has room),
//! plaintext from `tx` goes in with `writer` (only once the records before
//! it are on the wire, so rustls holds at most one ring's worth), records
//! go out with `write_tls`.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::sync::Arc;

use hio::buf::Ring;
use hio::{Error, IoKind};
use mio::net::TcpStream;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConnection, Connection, RootCertStore, ServerConnection};

use crate::io::{Ready, Registered, to_error};
use crate::tcp::Flow;

/// The crypto provider of every configuration made here: rustls on
/// `ring` (chosen explicitly, so another crate in the program enabling
/// `aws-lc-rs` cannot make the process default ambiguous).
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pem_error(what: &str, e: &rustls::pki_types::pem::Error) -> rustls::Error {
    rustls::Error::General(format!("{what}: {e}"))
}

/// TLS settings for a [`TcpClient`](crate::TcpClient): whom to trust and
/// which name the server's certificate must carry.
///
/// Certificate verification is always on (webpki: chain to one of the
/// roots, validity period, the server name). A handshake that fails — an
/// untrusted issuer, a certificate for another name, a protocol error —
/// is an error of the client ([`TcpClient::tls_error`](crate::TcpClient::tls_error)
/// says which), never a panic.
///
/// ```
/// use hio_mio::TlsClient;
/// use hio_mio::rustls::RootCertStore;
///
/// // an empty root store trusts nobody: every handshake fails with
/// // `InvalidCertificate(UnknownIssuer)`
/// let tls = TlsClient::new(RootCertStore::empty(), "localhost")?;
/// assert_eq!(format!("{:?}", tls.server_name()), "DnsName(\"localhost\")");
/// assert!(TlsClient::new(RootCertStore::empty(), "not a name!").is_err());
/// # Ok::<(), hio_mio::rustls::Error>(())
/// ```
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClient")
            .field("server_name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Trusts the certificates in `roots` for a server called
    /// `server_name` (a DNS name or an IP address), TLS 1.2 and 1.3, no
    /// client certificate.
    ///
    /// # Errors
    ///
    /// `rustls::Error::General` if `server_name` is not a valid DNS name or
    /// IP address.
    pub fn new(roots: RootCertStore, server_name: &str) -> Result<Self, rustls::Error> {
        let name = ServerName::try_from(server_name.to_owned())
            .map_err(|_| rustls::Error::General(format!("invalid server name {server_name:?}")))?;
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(TlsClient {
            config: Arc::new(config),
            name,
        })
    }

    /// As [`new`](Self::new), trusting every certificate in the PEM text
    /// `roots_pem` (`-----BEGIN CERTIFICATE-----` blocks).
    ///
    /// # Errors
    ///
    /// `rustls::Error::General` for PEM that does not parse, a certificate
    /// the root store rejects, or an invalid `server_name`.
    pub fn from_pem(roots_pem: &[u8], server_name: &str) -> Result<Self, rustls::Error> {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(roots_pem) {
            roots.add(cert.map_err(|e| pem_error("root certificate", &e))?)?;
        }
        Self::new(roots, server_name)
    }

    /// Your own rustls configuration (client certificates, ALPN, another
    /// verifier, ...) and the name to ask for.
    pub fn from_config(
        config: Arc<rustls::ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Self {
        TlsClient {
            config,
            name: server_name,
        }
    }

    /// The server name the certificate must carry.
    pub fn server_name(&self) -> &ServerName<'static> {
        &self.name
    }

    /// The rustls configuration.
    pub fn config(&self) -> &Arc<rustls::ClientConfig> {
        &self.config
    }

    pub(crate) fn session(&self) -> Result<Session, rustls::Error> {
        let conn = ClientConnection::new(Arc::clone(&self.config), self.name.clone())?;
        Ok(Session::new(conn.into()))
    }
}

/// TLS settings for the remotes of a [`TcpServer`](crate::TcpServer): the
/// certificate chain and its private key.
///
/// A remote whose handshake fails, or whose peer sends bytes that are not
/// TLS, ends with an error ([`Remote::tls_error`](crate::Remote::tls_error),
/// [`TcpServer::last_tls_error`](crate::TcpServer::last_tls_error)) and is
/// removed; the server goes on serving the others.
#[derive(Clone)]
pub struct TlsServer {
    config: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServer").finish_non_exhaustive()
    }
}

impl TlsServer {
    /// Serves `chain` (the server's certificate first, then any
    /// intermediates) with its private `key`, TLS 1.2 and 1.3, no client
    /// certificates.
    ///
    /// # Errors
    ///
    /// A key that does not parse or does not match the certificate.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, rustls::Error> {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(TlsServer {
            config: Arc::new(config),
        })
    }

    /// As [`new`](Self::new), from PEM text: the chain's
    /// `CERTIFICATE` blocks and one private key block (PKCS#8, PKCS#1 or
    /// SEC1).
    ///
    /// # Errors
    ///
    /// `rustls::Error::General` for PEM that does not parse or holds no
    /// key; as [`new`](Self::new) otherwise.
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, rustls::Error> {
        let chain = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error("certificate chain", &e))?;
        let key =
            PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| pem_error("private key", &e))?;
        Self::new(chain, key)
    }

    /// Your own rustls configuration (client authentication, ALPN,
    /// several certificates by name, ...).
    pub fn from_config(config: Arc<rustls::ServerConfig>) -> Self {
        TlsServer { config }
    }

    /// The rustls configuration.
    pub fn config(&self) -> &Arc<rustls::ServerConfig> {
        &self.config
    }

    pub(crate) fn session(&self) -> Result<Session, rustls::Error> {
        let conn = ServerConnection::new(Arc::clone(&self.config))?;
        Ok(Session::new(conn.into()))
    }
}

/// One connection's TLS state, between its socket and its rings.
pub(crate) struct Session {
    conn: Connection,
    /// The socket reached end of stream (read_tls gave 0): never read again.
    tcp_eof: bool,
    /// close_notify is queued (or sent).
    notified: bool,
    /// Our TCP side is shut down for writing.
    tcp_shut: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("handshaking", &self.conn.is_handshaking())
            .field("tcp_eof", &self.tcp_eof)
            .field("notified", &self.notified)
            .finish()
    }
}

impl Session {
    fn new(conn: Connection) -> Self {
        Session {
            conn,
            tcp_eof: false,
            notified: false,
            tcp_shut: false,
        }
    }

    /// True until the handshake completed.
    pub(crate) fn handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// One service of the stream through TLS, with the same contract as the
    /// plain one ([`Flow::service`]): sends, receives, half-closes (with
    /// close_notify), drops `tx` once the connection failed. `sent` and
    /// `received` count plaintext. Work is bounded by `RX + TX` bytes of
    /// plaintext plus rustls's buffers.
    pub(crate) fn service<const RX: usize, const TX: usize>(
        &mut self,
        flow: &mut Flow,
        sock: &mut Registered<TcpStream>,
        rx: &mut Ring<RX>,
        tx: &mut Ring<TX>,
    ) -> bool {
        let mut moved = false;
        if !flow.dead {
            moved |= self.send(flow, sock, tx);
        }
        if !flow.dead && !flow.eof {
            moved |= self.receive(flow, sock, rx);
        }
        if !flow.dead && self.conn.wants_write() {
            // handshake replies, session tickets, key updates
            moved |= self.send(flow, sock, tx);
        }
        if flow.dead && !tx.is_empty() {
            flow.discarded += tx.len() as u64;
            tx.clear();
        }
        moved
    }

    /// Writes queued records until none is left or the socket would block.
    fn flush(&mut self, flow: &mut Flow, sock: &mut Registered<TcpStream>) -> bool {
        let mut moved = false;
        while self.conn.wants_write() && sock.ready().is_writable() {
            match self.conn.write_tls(sock.get_mut()) {
                Ok(0) => {
                    flow.fail(to_error(&io::ErrorKind::WriteZero.into()));
                    return true;
                }
                Ok(_) => moved = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    sock.clear(Ready::WRITABLE);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    flow.fail(to_error(&e));
                    return true;
                }
            }
        }
        moved
    }

    fn send<const TX: usize>(
        &mut self,
        flow: &mut Flow,
        sock: &mut Registered<TcpStream>,
        tx: &mut Ring<TX>,
    ) -> bool {
        let mut moved = self.flush(flow, sock);
        // plaintext goes in only after the handshake and once the records
        // before it are out: rustls never holds more than `tx` did
        while !flow.dead
            && !flow.shut_done
            && !self.conn.is_handshaking()
            && !self.conn.wants_write()
            && !tx.is_empty()
        {
            let n = match self.conn.writer().write(tx.readable()) {
                Ok(n) => n,
                Err(e) => {
                    flow.fail(to_error(&e));
                    return true;
                }
            };
            if n == 0 {
                break;
            }
            flow.sent += tx.consume(n) as u64;
            moved = true;
            moved |= self.flush(flow, sock);
        }
        if !flow.dead
            && flow.shut_requested
            && !flow.shut_done
            && tx.is_empty()
            && !self.conn.is_handshaking()
        {
            self.conn.send_close_notify();
            self.notified = true;
            flow.shut_done = true;
            moved |= self.flush(flow, sock);
        }
        if flow.shut_done && !flow.dead && !self.tcp_shut && !self.conn.wants_write() {
            let _ = sock.get().shutdown(Shutdown::Write);
            self.tcp_shut = true;
        }
        moved
    }

    fn receive<const RX: usize>(
        &mut self,
        flow: &mut Flow,
        sock: &mut Registered<TcpStream>,
        rx: &mut Ring<RX>,
    ) -> bool {
        let mut moved = false;
        loop {
            // plaintext rustls already holds first, as far as rx has room
            while !rx.is_full() {
                match self.conn.reader().read(rx.writable()) {
                    // close_notify, and everything before it read
                    Ok(0) => {
                        flow.eof = true;
                        return true;
                    }
                    Ok(n) => {
                        flow.received += rx.commit(n) as u64;
                        moved = true;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock && !self.tcp_eof => break,
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::UnexpectedEof
                        ) =>
                    {
                        self.truncated(flow);
                        return true;
                    }
                    Err(e) => {
                        flow.fail(to_error(&e));
                        return true;
                    }
                }
            }
            // back pressure: no more records while rx is full or rustls
            // holds all the plaintext it will
            if rx.is_full()
                || self.tcp_eof
                || !self.conn.wants_read()
                || !sock.ready().is_readable()
            {
                return moved;
            }
            match self.conn.read_tls(sock.get_mut()) {
                Ok(0) => self.tcp_eof = true,
                Ok(_) => moved = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    sock.clear(Ready::READABLE);
                    return moved;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    flow.fail(to_error(&e));
                    return true;
                }
            }
            if let Err(e) = self.conn.process_new_packets() {
                flow.fail(Error::Io(IoKind::InvalidData));
                flow.tls_error = Some(e);
                // rustls queued an alert saying why: one try to send it
                let _ = self.conn.write_tls(sock.get_mut());
                return true;
            }
        }
    }

    /// The peer closed its TCP side without close_notify: during the
    /// handshake the connection failed; after it, the stream ended with an
    /// error (it may have been cut short).
    fn truncated(&mut self, flow: &mut Flow) {
        let e = Error::Io(IoKind::ConnectionAborted);
        if self.conn.is_handshaking() {
            flow.fail(e);
        } else {
            flow.eof = true;
            flow.error = Some(e);
        }
    }

    /// Closing: queues close_notify (after a completed handshake) and makes
    /// one non-blocking try to send what rustls holds (close_notify, or the
    /// alert of a failed handshake). A peer that is not reading misses it.
    pub(crate) fn close(&mut self, sock: &mut Registered<TcpStream>) {
        if !self.notified && !self.conn.is_handshaking() {
            self.conn.send_close_notify();
            self.notified = true;
        }
        while self.conn.wants_write() {
            match self.conn.write_tls(sock.get_mut()) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
    }
}
