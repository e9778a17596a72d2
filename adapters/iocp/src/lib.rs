//! # hio-iocp: hio doers on Windows IO completion ports
//!
//! **Windows only.** On other platforms this crate compiles to nothing but
//! these docs (use `hio-mio` there); its items exist with `cfg(windows)`.
//!
//! What a Windows program links to run a tree of [hio] doers in real time
//! against named pipes, files and COM serial ports, in hio's model: IO
//! never happens inside the scheduler's logic; **service doers** move bytes
//! between a device and fixed-capacity byte rings ([`hio::buf::Ring`]), and
//! **application doers** read and write the rings.
//!
//! ```text
//! Runner (one completion port)              sleeps in GetQueuedCompletionStatusEx
//!  └─ Doist (tock 10 ms)                    until the next due pass or a completion
//!      ├─ Service ── services ──▶ Stream (pipe server): rx ⇄ tx rings
//!      ├─ Service ── services ──▶ Stream (COM5):        rx ⇄ tx rings
//!      └─ your doer (reads rx, writes tx; File::read_at / write_at)
//! ```
//!
//! ## The completion port
//!
//! Readiness APIs (epoll, `hio-mio`) say *when* a call will not block;
//! Windows' completion ports instead take whole operations: a `ReadFile`
//! is started with a buffer and an `OVERLAPPED`, the kernel fills the
//! buffer whenever the bytes come, and a completion packet is queued on
//! the port. So the buffer is the kernel's until that packet is taken off
//! the port, and a completion port driver lives or dies by one rule: **no
//! buffer is reused or freed before its operation completed**. Here every
//! operation owns its `OVERLAPPED` and its buffer in one heap cell that
//! the kernel holds a reference count of while the operation is in flight
//! (the `sys` module's docs give the argument; it is the only place with
//! `unsafe`, each block with its `SAFETY` argument). A device dropped
//! with IO pending cancels it (`CancelIoEx`) and waits on the port for the
//! completions; even if they never came, the memory would stay with the
//! kernel's count, never freed early.
//!
//! Bytes read land in the device's `rx` [`Ring`](hio::buf::Ring) from the
//! operation's own buffer: the ring belongs to the application (it may be
//! read, moved with its device, or cleared at any time), so the kernel
//! never writes into it directly. A read is started only for as many bytes
//! as `rx` has room for, so a full ring is back pressure.
//!
//! ## The runner
//!
//! [`Runner::run`] is hio's `do` in real time: the pass for doist tyme `t`
//! runs at wall time `w0 + (t - t0)` (absolute deadlines: nothing drifts),
//! and between passes the thread sleeps in the port with a timeout up to
//! the next pass in which some doer is due, so an idle tree costs no
//! wake-ups. In [`Mode::Ready`] a completion also runs the upcoming pass's
//! doers at once, without ticking (as in `hio-mio`). [`Stopper`] ends a
//! run from inside the tree.
//!
//! ## Devices
//!
//! * [`Stream`]: a named pipe server ([`Stream::pipe_server`]) or client
//!   ([`Stream::pipe_client`]), or a COM port ([`Stream::serial`], set up
//!   by a [`SerialConfig`]: baud, data bits, parity, stop bits, flow
//!   control, with a DCB by `SetCommState`, and `COMMTIMEOUTS` that make an
//!   overlapped read complete with whatever has arrived). One read and one
//!   write in flight at a time.
//! * [`File`]: reads and writes at offsets, one at a time.
//! * [`Service`]: the service doer of any [`Device`]; it cancels the
//!   device's IO when it exits (ceased, removed, aborted or done). A
//!   cancelled operation's completion comes back as cancelled
//!   ([`Stream::cancelled`], [`Done::Cancelled`]).
//!
//! Errors are [`hio::Error`] values (OS errors mapped by [`to_error`]);
//! the other end of a pipe going away is a state ([`Stream::cutoff`]), not
//! a failure of the tree. Library code never panics on a runtime condition.
//!
//! ## Example: write a file and read it back at an offset
//!
//! ```
//! # #[cfg(windows)]
//! # fn main() -> Result<(), hio::Error> {
//! use std::cell::RefCell;
//! use hio::buf::Ring;
//! use hio::{Doify, Doist, Phase, Recur, Tock};
//! use hio_iocp::{Done, Ending, File, Runner, Service};
//!
//! let mut runner = Runner::new().map_err(|e| hio_iocp::to_error(&e))?;
//! let path = std::env::temp_dir().join("hio-iocp-doc.bin");
//! let file = RefCell::new(File::create(&runner.port(), &path, 64)?);
//! let mut service = Service::new("file", &file);
//! let mut got: Ring<16> = Ring::new();
//! let stop = runner.stopper();
//! let mut step = 0;
//! let mut app = Doify::new("app", |_cx, phase| {
//!     if phase != Phase::Recur {
//!         return Ok(Recur::NEXT);
//!     }
//!     let mut f = file.borrow_mut();
//!     match (step, f.poll()) {
//!         (0, None) => { f.write_at(0, b"hello, completion port")?; step = 1; }
//!         (1, Some(Ok(Done::Wrote { len: 22, .. }))) => { f.read_at(7, 10)?; step = 2; }
//!         (2, Some(Ok(Done::Read { offset: 7, len: 10 }))) => {
//!             f.take_into(&mut got);
//!             stop.stop();
//!         }
//!         (_, None) => {}                      // in flight
//!         (_, Some(other)) => return Err(other.err().unwrap_or(hio::Error::Misuse)),
//!     }
//!     Ok(Recur::NEXT)
//! });
//! let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
//! doist.add(&mut service)?;
//! doist.add(&mut app)?;
//! assert_eq!(runner.run(&mut doist, Some(Tock::from_secs(5)))?, Ending::Stopped);
//! drop(doist);
//! assert!(got.iter().eq(b"completion".iter().copied()));
//! # drop(file);
//! # let _ = std::fs::remove_file(path);
//! # Ok(())
//! # }
//! # #[cfg(not(windows))]
//! # fn main() {}
//! ```
//!
//! A COM port at 115200 8N1, echoed by whatever is on the other end (this
//! one needs a real port, so it is only compiled):
//!
//! ```no_run
//! # #[cfg(windows)]
//! # fn main() -> Result<(), hio::Error> {
//! use std::cell::RefCell;
//! use hio::{Doist, Tock};
//! use hio_iocp::{Runner, SerialConfig, Service, Stream};
//!
//! let mut runner = Runner::new().map_err(|e| hio_iocp::to_error(&e))?;
//! let com: RefCell<Stream<1024, 1024>> =
//!     RefCell::new(Stream::serial(&runner.port(), "COM3", &SerialConfig::new(115_200))?);
//! com.borrow_mut().send(b"AT\r");
//! let mut service = Service::new("com3", &com);
//! let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
//! doist.add(&mut service)?;
//! runner.run(&mut doist, Some(Tock::from_secs(1)))?;
//! drop(doist);
//! println!("{} bytes back", com.borrow().rx().len());
//! # Ok(())
//! # }
//! # #[cfg(not(windows))]
//! # fn main() {}
//! ```
//!
//! ## How it is tested
//!
//! Cross-compiled for `x86_64-pc-windows-gnu` and run under wine
//! (`.ci/steps/60-windows.sh`): a pipe echo through the port, a file
//! written and read back at offsets, a pending read cancelled by removing
//! its doer, and a COM port that wine maps onto a Linux pty. Real COM
//! hardware is not tested.
//!
//! ## Dependencies, and why
//!
//! * `hio`: the doers, the scheduler and the byte rings; with its `std`
//!   feature, the mapping of OS errors onto [`hio::IoKind`].
//! * `windows-sys` (Windows only): the raw Win32 declarations, with only
//!   the API families used enabled (Foundation, IO, FileSystem, Pipes,
//!   Communication, and Security for `CreateFileW`'s signature). Not
//!   `serialport`: its COM support is blocking, and it would bring a
//!   second, older `windows-sys` (0.52) into the build; [`SerialConfig`]
//!   mirrors its enums instead.

#![deny(missing_docs)]
// Elsewhere the essay names items that exist only on Windows.
#![cfg_attr(not(windows), allow(rustdoc::broken_intra_doc_links))]

#[cfg(windows)]
mod file;
#[cfg(windows)]
mod port;
#[cfg(windows)]
mod runner;
mod serial;
#[cfg(windows)]
mod stream;
#[cfg(windows)]
mod sys;

#[cfg(windows)]
pub use file::{Done, File};
#[cfg(windows)]
pub use port::{Device, Port, Service, to_error};
#[cfg(windows)]
pub use runner::{Ending, Mode, Runner, Stats, Stopper};
pub use serial::{DataBits, FlowControl, Parity, SerialConfig, StopBits};
#[cfg(windows)]
pub use stream::Stream;
