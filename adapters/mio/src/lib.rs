//! # hio-mio: hio doers against real sockets, on mio
//!
//! What a desktop program links to run a tree of [hio] doers in real
//! time against real sockets: a [`Runner`] that paces a
//! [`Doist`](hio::Doist) on absolute deadlines while it sleeps in
//! `mio::Poll`, and TCP devices with their service doers, in hio's model:
//! IO never happens inside the scheduler's logic; **service doers** move
//! bytes between a socket and fixed-capacity byte rings
//! ([`hio::buf::Ring`]), and **application doers** read and write the
//! rings.
//!
//! ```text
//! Runner (mio::Poll + timerfd; SIGINT/SIGTERM)      sleeps until the next
//!  └─ Doist (tock 10 ms)                            due pass or readiness
//!      ├─ ServerDoer  ── services ──▶ TcpServer ─▶ remotes: rx ⇄ tx rings
//!      ├─ EchoServerDoer (every remote in loopback mode: rx ▸ socket)
//!      ├─ ClientDoer  ── services ──▶ TcpClient: rx ⇄ tx rings
//!      ├─ PeerDoer    ── services ──▶ UdpPeer: rx ⇄ tx datagram decks
//!      └─ your doer   (writes client tx, checks client rx)
//! ```
//!
//! ## The runner
//!
//! [`Runner::run`] is hio's `do` with `real = True`: the pass for doist
//! tyme `t` runs at wall time `w0 + (t - t0)`, deadlines computed from the
//! origin so nothing drifts, and between passes the thread blocks in the OS
//! poll until the deadline or a socket event (on Linux a `timerfd` in the
//! same poll ends the wait within about 0.05 ms; mio alone rounds every
//! timeout up to whole milliseconds). An idle tree costs no wake-ups: the
//! runner sleeps straight to the first pass in which a doer is due. Events
//! are recorded in a readiness table ([`Io`]) that the devices consult, so
//! a device makes system calls only when the OS said it may progress. A
//! server goes further: each service visits only the remotes whose sockets
//! had events or that hold work, in slot order ([`TcpServer::service`]),
//! so 500 idle connections cost a pass nothing.
//!
//! Two [`Mode`]s decide when passes happen. In [`Mode::Tock`] (hio's) there
//! is one pass per tock and IO waits up to a tock. In [`Mode::Ready`] a
//! socket event (or a pass that moved bytes) also runs the upcoming pass's
//! doers at once, without ticking, so IO is serviced with no added tock of
//! latency while tyme still advances only on the tock schedule.
//! In both, the wall clock and readiness decide only *when* a pass
//! happens; which doers run is decided by tyme, as in every hio driver.
//!
//! [`Runner::stop_on_signals`] makes SIGINT and SIGTERM close the tree
//! (cease, exit, in reverse order) and return [`Ending::Signal`], so a
//! program can exit 0. A [`Stopper`] does the same from inside the tree.
//!
//! ## TCP
//!
//! * [`TcpClient`] with [`ClientDoer`] (hio's `Client` and `ClientDoer`):
//!   non-blocking connect with a timeout, reconnect after a delay when
//!   asked, `cutoff` when the peer closes or resets, half-close.
//! * [`TcpServer`] with [`ServerDoer`] (hio's `Server`, `Remoter`s and
//!   `ServerDoer`): at most `max_conns` remotes, refusals counted, each
//!   remote with its own rings, removed once cut off and drained.
//! * [`EchoServerDoer`]: the echo application (hio's `EchoServerDoer`).
//!
//! Errors are [`hio::Error`] values: OS errors map onto
//! [`hio::IoKind`] ([`io_kind`]). A failed connect is an error of the
//! client's service doer (unless it reconnects); a peer that resets or
//! closes is a state of the connection (`cutoff`, `error`), not a failure
//! of the tree. Library code never panics on a runtime condition.
//!
//! ## TLS (feature `tls`)
//!
//! With the `tls` feature a [`TcpClient`] speaks TLS after
//! `.with_tls(TlsClient)` and a [`TcpServer`]'s remotes after
//! `.with_tls(TlsServer)` (rustls 0.23 on `ring`, TLS 1.2 and 1.3). The
//! session sits between the socket and the **same rings**: application
//! doers read and write plaintext exactly as over plain TCP, and the
//! service doers drive `rustls::Connection` without blocking (`read_tls`,
//! `process_new_packets`, `reader`, `writer`, `write_tls`).
//!
//! * **Back pressure is kept.** Plaintext leaves rustls only while `rx`
//!   has room (and no more records are read meanwhile); plaintext from
//!   `tx` enters rustls only after the handshake and once the records
//!   before it are on the wire, so rustls never holds more than a ring's
//!   worth.
//! * **Certificates are verified** (webpki: chain to the roots you give,
//!   validity, the server name). A failed handshake is a failed connect of
//!   the client: its service doer fails with `Io(InvalidData)` (or retries,
//!   with reconnect on) and `TcpClient::tls_error` says why, e.g.
//!   `InvalidCertificate(UnknownIssuer)` or `NotValidForName`. A peer that
//!   closes during the handshake is `Io(ConnectionAborted)`.
//! * **The server keeps serving.** A remote whose handshake fails or whose
//!   peer sends bytes that are not TLS gets an alert, ends with
//!   `Io(InvalidData)` (`Remote::tls_error`, `TcpServer::last_tls_error`),
//!   is counted in [`TcpServer::remote_errors`] and removed; other remotes
//!   are not disturbed. Nothing panics.
//! * **A silent peer does not hold a slot.** A remote still handshaking
//!   [`ServerConfig::handshake_timeout`] after its accept (10 s of tyme by
//!   default; `None` turns it off) is closed with `Io(TimedOut)` and
//!   counted in [`TcpServer::handshake_timeouts`].
//! * **Closing.** A half-close ([`TcpClient::shutdown_write`],
//!   [`Remote::shutdown_write`]) sends close_notify once `tx` is sent, then
//!   shuts the TCP side; closing or dropping a connection sends close_notify
//!   (one non-blocking try). The peer's close_notify is a clean end of
//!   stream (`cutoff`, no error); a TCP end without it is `cutoff` with
//!   `Io(ConnectionAborted)` (the data may have been cut short).
//!
//! Configure with `TlsClient::new(roots, "server.name")` or
//! `TlsClient::from_pem`, `TlsServer::new(chain, key)` or
//! `TlsServer::from_pem`, or bring your own `rustls` configuration
//! (`from_config`); `hio_mio::rustls` re-exports the rustls this crate
//! uses. The example below makes a throw-away certificate with `rcgen` (a
//! dev-dependency here) and runs a TLS echo on loopback:
//!
//! ```
//! # #[cfg(feature = "tls")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::cell::RefCell;
//! use hio::{Cx, Doer, Doist, Error, Recur, Tock};
//! use hio_mio::rustls::RootCertStore;
//! use hio_mio::rustls::pki_types::PrivatePkcs8KeyDer;
//! use hio_mio::{ClientConfig, ClientDoer, EchoServerDoer, Ending, Mode, Runner, ServerConfig,
//!               ServerDoer, Stopper, TcpClient, TcpServer, TlsClient, TlsServer};
//!
//! // a self-signed certificate for "localhost", trusted by the client
//! let key = rcgen::KeyPair::generate()?;
//! let cert = rcgen::CertificateParams::new(vec!["localhost".into()])?.self_signed(&key)?;
//! let server_tls = TlsServer::new(vec![cert.der().clone()],
//!                                 PrivatePkcs8KeyDer::from(key.serialize_der()).into())?;
//! let mut roots = RootCertStore::empty();
//! roots.add(cert.der().clone())?;
//! let client_tls = TlsClient::new(roots, "localhost")?;
//!
//! /// Sends a greeting once the handshake is done, stops when it came back.
//! struct Hello<'a> { client: &'a RefCell<TcpClient>, stop: Stopper, sent: bool }
//! impl Doer for Hello<'_> {
//!     fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
//!         let mut c = self.client.borrow_mut();
//!         if c.connected() && !self.sent {
//!             self.sent = c.send(b"hello over tls") == 14;
//!         }
//!         if c.rx().len() == 14 {
//!             assert!(c.rx().iter().eq(b"hello over tls".iter().copied()));
//!             self.stop.stop();
//!         }
//!         Ok(Recur::NEXT)
//!     }
//! }
//!
//! let mut runner = Runner::new()?.with_mode(Mode::Ready);
//! let io = runner.io();
//! let any = "127.0.0.1:0".parse()?;
//! let server: RefCell<TcpServer> =
//!     RefCell::new(TcpServer::bind(&io, any, ServerConfig::default())?.with_tls(server_tls));
//! let addr = server.borrow().local_addr();
//! let client: RefCell<TcpClient> =
//!     RefCell::new(TcpClient::new(&io, addr, ClientConfig::default()).with_tls(client_tls));
//! let (mut serve, mut echo) = (ServerDoer::new("server", &server), EchoServerDoer::new("echo", &server));
//! let mut connect = ClientDoer::new("client", &client);
//! let mut hello = Hello { client: &client, stop: runner.stopper(), sent: false };
//! let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
//! doist.add(&mut serve)?;
//! doist.add(&mut echo)?;
//! doist.add(&mut connect)?;
//! doist.add(&mut hello)?;
//! assert_eq!(runner.run(&mut doist, Some(Tock::from_secs(5)))?, Ending::Stopped);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "tls"))]
//! # fn main() {}
//! ```
//!
//! The feature's cost is build time. A clean debug build of this crate
//! with its dependencies (`cargo build -p hio-mio`, this project's 2-core
//! machine) took 7.2 s without it and 13.9 s with it on a quiet machine;
//! in CPU time, 6.5 s without and 20.6 s with it (measured with other
//! builds running, when the wall times were 7.7 s and 39.8 s). The
//! difference is `ring`'s C and assembly, rustls and webpki.
//!
//! ## Example: an echo server and a client in one tree, on loopback
//!
//! ```
//! use std::cell::RefCell;
//! use hio::{Cx, Doer, Doist, Error, Recur, Tock};
//! use hio_mio::{ClientConfig, ClientDoer, EchoServerDoer, Ending, Mode, Runner,
//!               ServerConfig, ServerDoer, Stopper, TcpClient, TcpServer};
//!
//! /// Sends a greeting, stops the run when it came back.
//! struct Hello<'a> { client: &'a RefCell<TcpClient>, stop: Stopper, sent: bool }
//! impl Doer for Hello<'_> {
//!     fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
//!         let mut c = self.client.borrow_mut();
//!         if c.connected() && !self.sent {
//!             self.sent = c.send(b"hello hio") == 9;
//!         }
//!         if c.rx().len() == 9 {
//!             assert!(c.rx().iter().eq(b"hello hio".iter().copied()));
//!             self.stop.stop();
//!         }
//!         Ok(Recur::NEXT)
//!     }
//! }
//!
//! let mut runner = Runner::new()?.with_mode(Mode::Ready);
//! let io = runner.io();
//! let any = "127.0.0.1:0".parse()?;
//! let server: RefCell<TcpServer> = RefCell::new(TcpServer::bind(&io, any, ServerConfig::default())?);
//! let client: RefCell<TcpClient> =
//!     RefCell::new(TcpClient::new(&io, server.borrow().local_addr(), ClientConfig::default()));
//! let (mut serve, mut echo) = (ServerDoer::new("server", &server), EchoServerDoer::new("echo", &server));
//! let mut connect = ClientDoer::new("client", &client);
//! let mut hello = Hello { client: &client, stop: runner.stopper(), sent: false };
//! let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(10));
//! doist.add(&mut serve)?;
//! doist.add(&mut echo)?;
//! doist.add(&mut connect)?;
//! doist.add(&mut hello)?;
//! assert_eq!(runner.run(&mut doist, Some(Tock::from_secs(5)))?, Ending::Stopped);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Datagrams: UDP and Unix
//!
//! [`UdpPeer`] and (on Unix) [`UnixDgramPeer`] are hio's `Peer`: one
//! [`DgramPeer`] type over either socket, with a [`PeerDoer`] that services
//! it. Their queues are [`hio::buf::Deck`]s of `N` [`Datagram`]s of at
//! most `M` bytes each (const generics), with the sender's (or
//! destination's) address: boundaries are kept. A datagram longer than
//! `M` arrives cut and flagged ([`Datagram::truncated`], counted); one too
//! long to send is refused with `Io(TooLong)`. A full `tx` is back
//! pressure (`Err(Capacity)`); a full `rx` stops the reading, and then the
//! OS buffers and, once full, UDP **drops** datagrams (it has no flow
//! control; Unix datagram sockets make the sender wait instead). Refusals (ICMP port unreachable on a connected UDP
//! socket) and failed sends are counted values of the peer, never failures
//! of the tree.
//!
//! ```
//! use std::cell::RefCell;
//! use hio::{Doify, Doist, Recur, Tock};
//! use hio_mio::{Ending, PeerDoer, Runner, UdpPeer};
//!
//! let mut runner = Runner::new()?;
//! let any = "127.0.0.1:0".parse()?;
//! let a: RefCell<UdpPeer> = RefCell::new(UdpPeer::bind(&runner.io(), any)?);
//! let b: RefCell<UdpPeer> = RefCell::new(UdpPeer::bind(&runner.io(), any)?);
//! let to = b.borrow().local_addr().ok_or("no address")?;
//! a.borrow_mut().send_to(to, b"one")?;
//! a.borrow_mut().send_to(to, b"two")?;
//! let stop = runner.stopper();
//! let mut got = Vec::new();
//! let mut app = Doify::new("app", |_cx, _phase| {
//!     while let Some(d) = b.borrow_mut().recv() {
//!         got.push(d.data.to_vec()); // one datagram each, never merged
//!     }
//!     if got.len() == 2 { stop.stop(); }
//!     Ok(Recur::NEXT)
//! });
//! let (mut sa, mut sb) = (PeerDoer::new("a", &a), PeerDoer::new("b", &b));
//! let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(10));
//! doist.add(&mut sa)?;
//! doist.add(&mut sb)?;
//! doist.add(&mut app)?;
//! assert_eq!(runner.run(&mut doist, Some(Tock::from_secs(5)))?, Ending::Stopped);
//! drop(doist);
//! assert_eq!(got, [b"one".to_vec(), b"two".to_vec()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The wire log, and replay
//!
//! A [`WireLog`] (hio's `WireLog`) records every byte received and sent,
//! per channel, with its doist tyme and direction, into memory or a file,
//! in a line format documented in [`wire`] that [`wire::read_log`] reads
//! back. Datagram peers log themselves ([`DgramPeer::set_log`]); TCP is
//! logged by [`ClientTap`] and [`ServerTap`], service doers that wrap
//! [`ClientDoer`] and [`ServerDoer`] and read the rings around each
//! service (and say when each connection opened and ended).
//!
//! [`DgramPeer::replay`] is the replay device: a peer without a socket
//! that delivers the recorded datagrams at their recorded tymes into the
//! same `rx` deck, takes from `tx` what the recording sent or dropped, and
//! sets the recorded errors and counts, so the same application doers,
//! under the core's
//! simulated driver ([`Doist::run`](hio::Doist::run)), see a recorded
//! run again exactly, without a network (for runs recorded in
//! [`Mode::Tock`]; the test `a_recorded_run_replays_exactly_without_a_network`
//! compares the application's trace and the whole log). For TCP,
//! [`TcpClient::replay`] is a client without a socket that does the same
//! under the same [`ClientDoer`]: it is [`connected`](TcpClient::connected)
//! from the recorded tyme, feeds the recorded bytes into `rx`, takes from
//! `tx` exactly what the recording sent then (counting bytes that differ
//! in [`diverged`](TcpClient::diverged)), and is
//! [`cutoff`](TcpClient::cutoff) when the recording shows the peer closing
//! (the test `a_client_that_waits_for_connected_replays_exactly_to_the_close`).
//! [`TcpServer::replay`] does it for a server: each recorded connection
//! is accepted as a remote at its recorded tyme and played the same way
//! (`a_recorded_server_replays_its_remotes_exactly`).
//!
//! Every device's service doer is one [`ServiceDoer`] over the device's
//! [`Service`] (what it does on enter, each run and on exit):
//! [`ClientDoer`], [`ServerDoer`] and [`PeerDoer`] are its names for the
//! three devices, and [`Tap`] wraps it to log.
//!
//! ## Platforms
//!
//! OS-specific code lives under `src/sys/<os>/` behind one contract
//! (written at the top of `src/sys/mod.rs`): Linux (timerfd alarm,
//! signals), other Unix (millisecond poll plus a short final sleep,
//! signals), Windows (the same alarm; stopping on console interrupts is not
//! implemented yet and says so with an `Unsupported` error).
//!
//! ## Dependencies, and why
//!
//! * `mio` (features `os-poll`, `net`; `os-ext` on Linux for
//!   `unix::SourceFd`): the portable readiness poll under every device and
//!   under the runner's wait; without its `log` feature.
//! * `signal-hook` (Unix, no default features): async-signal-safe SIGINT
//!   and SIGTERM handlers writing to a self-pipe that sits in the poll
//!   (`low_level::pipe`), without the iterator and channel machinery.
//! * `socket2`: sets a listener's backlog ([`ServerConfig::backlog`]);
//!   mio and std fix it at 128, and a burst of connections beyond that has
//!   SYNs dropped by the kernel, each costing its client a one-second
//!   retry (measured: 1000 back-to-back connect-and-reset clients took 5 s
//!   at 128, 25 ms at 1024). tokio depends on it as well.
//! * `heapless`: the fixed-capacity `Vec` holding one datagram's bytes in
//!   the datagram decks; the core's `Deck` is built on it, so it is
//!   already in every build.
//! * `rustix` (Linux, feature `time`): a safe `timerfd`, so this crate has
//!   no `unsafe` at all. It is already in the workspace's lock file.
//!
//! * `rustls` (optional, feature `tls`; no default features, with `ring`,
//!   `std`, `tls12`): TLS in pure Rust whose `Connection` is driven by
//!   hand with `read_tls`/`write_tls`, so it fits non-blocking rings
//!   without an async runtime. `ring` rather than `aws-lc-rs`, which needs
//!   cmake and nasm to build; the provider is chosen explicitly, so another
//!   crate enabling `aws-lc-rs` cannot make it ambiguous. No `logging`.
//!   It brings `ring`, `rustls-webpki`, `rustls-pki-types` (whose PEM
//!   parser `from_pem` uses), `subtle`, `zeroize` and `once_cell`.
//! * `rcgen` (dev-dependency, `ring` and `pem`): the TLS tests and the
//!   example above make their own CA and certificates, so no key is
//!   checked in for them.
//!
//! ## Not here yet
//!
//! Replay plays plaintext: TLS, refused connections and accept errors are
//! not in the log, so not replayed. The benchmark against tokio is the
//! `echo-ab` program of the workspace's `hio-tests` (figures in the
//! workspace README; its ratio is the median of per-round ratios, each
//! round's servers taking 100 ms turns): at 0.95x tokio's rate or better
//! at most points in most runs, not at every point in every run (the
//! lowest medians: 0.935 for the latency-bound 1-connection ping-pong,
//! 0.947 for bulk, where hio's CPU per MB was within 5% of tokio's).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Elsewhere than on Unix the docs name the Unix datagram peer, which is not built.
#![cfg_attr(not(unix), allow(rustdoc::broken_intra_doc_links))]

mod dgram;
mod io;
mod runner;
mod service;
mod sys;
mod tcp;
#[cfg(feature = "tls")]
mod tls;
pub mod wire;

#[cfg(unix)]
pub use dgram::UnixDgramPeer;
pub use dgram::{Datagram, DgramPeer, DgramSocket, PeerDoer, UdpPeer};
pub use io::{Io, Ready, Registered, io_kind, to_error};
pub use runner::{Ending, Mode, MonoClock, Runner, Stats, Stopper};
/// The rustls this crate was built with (feature `tls`), for its
/// certificate and configuration types.
#[cfg(feature = "tls")]
pub use rustls;
pub use service::{Service, ServiceDoer};
pub use tcp::{
    ClientConfig, ClientDoer, EchoServerDoer, Remote, RemoteId, ServerConfig, ServerDoer,
    TcpClient, TcpServer,
};
#[cfg(feature = "tls")]
pub use tls::{TlsClient, TlsServer};
pub use wire::{ClientTap, Dir, Record, ServerTap, Tap, Tapped, WireLog, WireLogError};
