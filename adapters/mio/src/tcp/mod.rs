//! TCP devices and their service doers (hio's `Client`, `Server`,
//! `Remoter`, `ClientDoer`, `ServerDoer`, `EchoServerDoer`).
//!
//! A device owns a socket and its byte rings ([`hio::buf::Ring`]): `rx` for
//! what arrived, `tx` for what is to be sent. Its service doer moves bytes
//! between the socket and the rings without blocking; application doers
//! read `rx` and write `tx`. Device and doers share the device through a
//! `RefCell`, borrowed only inside a step:
//!
//! ```text
//!            ┌────────── RefCell<TcpServer> ──────────┐
//!  socket ⇄  │ remote 1: rx ring ▸      ◂ tx ring     │  ⇄ EchoServerDoer
//!  socket ⇄  │ remote 2: rx ring ▸      ◂ tx ring     │    (or yours)
//!            └─────────── ServerDoer services ────────┘
//! ```
//!
//! Back pressure is the ring being full: a service stops reading a socket
//! whose `rx` is full (the kernel's buffers fill next, then the peer's
//! writes block), and an application stops when `tx` has no room. Nothing
//! is dropped silently: bytes that can no longer be sent because the peer
//! went away are counted ([`Remote::discarded`], [`TcpClient::discarded`])
//! and the connection carries the error.
//!
//! An echo needs no application step at all: a remote in **loopback
//! mode** ([`Remote::loop_back`], what [`EchoServerDoer`] asks for) is
//! echoed by the service itself, which sends what arrived in `rx` straight
//! from `rx` in the service that received it (no copy into `tx`, no pass
//! in between); back pressure is then `rx` being full.

mod client;
mod server;
mod stream;

pub use client::{ClientConfig, ClientDoer, TcpClient};
pub(crate) use stream::Flow;

pub use server::{EchoServerDoer, Remote, RemoteId, ServerConfig, ServerDoer, TcpServer};
