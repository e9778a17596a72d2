//! Every `unsafe` of the crate: the Win32 calls and the one ownership rule
//! that makes overlapped IO sound.
//!
//! # The ownership rule
//!
//! An overlapped operation lends the kernel two pieces of memory, its
//! `OVERLAPPED` and its buffer, until the operation's completion packet has
//! been taken off the port. Both live in one reference-counted [`Op`] cell
//! whose address never changes. Starting an operation leaks one count of
//! the cell to the kernel (`Rc::into_raw`; the `OVERLAPPED` is the cell's
//! first field, so the pointer the port hands back *is* that count);
//! [`Port::wait`] takes the count back (`Rc::from_raw`) when it dequeues
//! the packet and marks the cell complete. So:
//!
//! * the memory outlives the operation whoever drops first (a device
//!   dropped with IO pending, or cancelled IO whose packet is still
//!   queued): the kernel's count keeps it alive;
//! * Rust touches the buffer or the `OVERLAPPED` only while the cell is
//!   not in flight (`Idle` or `Complete`), and the cell is reused only
//!   after its packet was dequeued, so a late packet can never be taken
//!   for a newer operation;
//! * every handle associated with a [`Port`] is private to this crate and
//!   every operation on it goes through an [`Op`], so every packet with an
//!   `OVERLAPPED` on the port points into an `Op` cell.
//!
//! A completion port is dropped only after every device holding it (each
//! holds a count of it), and its drop drains the packets still queued, so
//! the kernel's counts come back.

use std::cell::{Cell, UnsafeCell};
use std::ffi::OsStr;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::ptr;
use std::rc::Rc;

use windows_sys::Win32::Devices::Communication::{
    COMMTIMEOUTS, DCB, GetCommState, GetCommTimeouts, PURGE_RXCLEAR, PURGE_TXCLEAR, PurgeComm,
    SetCommState, SetCommTimeouts,
};
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_BROKEN_PIPE, ERROR_FILE_NOT_FOUND, ERROR_HANDLE_EOF, ERROR_IO_PENDING,
    ERROR_NO_DATA, ERROR_OPERATION_ABORTED, ERROR_PIPE_BUSY, ERROR_PIPE_CONNECTED,
    ERROR_PIPE_NOT_CONNECTED, ERROR_SEM_TIMEOUT, ERROR_TIMEOUT, GENERIC_READ, GENERIC_WRITE,
    HANDLE, INVALID_HANDLE_VALUE, WAIT_TIMEOUT,
};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_ALWAYS, CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_FLAG_FIRST_PIPE_INSTANCE,
    FILE_FLAG_OVERLAPPED, FILE_SHARE_READ, OPEN_EXISTING, PIPE_ACCESS_DUPLEX,
};
use windows_sys::Win32::System::IO::{
    CancelIoEx, CreateIoCompletionPort, GetOverlappedResult, GetQueuedCompletionStatusEx,
    OVERLAPPED, OVERLAPPED_ENTRY,
};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
    PIPE_TYPE_BYTE, PIPE_WAIT,
};

use crate::serial::{DataBits, FlowControl, Parity, SerialConfig, StopBits};

/// How an operation that did not succeed ended, for the devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Cancelled (`ERROR_OPERATION_ABORTED`).
    Cancelled,
    /// The other end is gone or the file ended (broken pipe, no data, not
    /// connected, end of file).
    Ended,
    /// A pipe name that does not exist yet or whose instances are busy.
    NotYet,
    /// A COM port read that timed out with nothing received (wine 8
    /// reports `ERROR_TIMEOUT`, measured; Windows completes it with zero
    /// bytes).
    Empty,
    /// Anything else.
    Other,
}

/// Classifies an OS error of an operation.
pub(crate) fn failure(e: &io::Error) -> Failure {
    let Some(code) = e.raw_os_error().and_then(|c| u32::try_from(c).ok()) else {
        return Failure::Other;
    };
    match code {
        ERROR_OPERATION_ABORTED => Failure::Cancelled,
        ERROR_BROKEN_PIPE | ERROR_NO_DATA | ERROR_PIPE_NOT_CONNECTED | ERROR_HANDLE_EOF => {
            Failure::Ended
        }
        ERROR_FILE_NOT_FOUND | ERROR_PIPE_BUSY => Failure::NotYet,
        ERROR_TIMEOUT | ERROR_SEM_TIMEOUT | WAIT_TIMEOUT => Failure::Empty,
        _ => Failure::Other,
    }
}

/// A NUL-terminated UTF-16 copy of `s`; `InvalidInput` if it holds a NUL.
fn wide(s: &OsStr) -> io::Result<Vec<u16>> {
    let mut w: Vec<u16> = s.encode_wide().collect();
    if w.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a name with a NUL character",
        ));
    }
    w.push(0);
    Ok(w)
}

/// An owned kernel handle, closed when dropped.
#[derive(Debug)]
pub(crate) struct Handle(HANDLE);

impl Handle {
    /// Takes ownership of what a `Create*` call returned.
    fn from_created(h: HANDLE) -> io::Result<Handle> {
        if h.is_null() || h == INVALID_HANDLE_VALUE {
            Err(io::Error::last_os_error())
        } else {
            Ok(Handle(h))
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle was returned valid by a Create* call, is owned
        // by this value alone, and is closed exactly once, here. Closing a
        // handle with IO pending cancels that IO; its packet still goes to
        // the port, and the Op cells it points to are kept alive by the
        // kernel's count (module docs).
        unsafe {
            CloseHandle(self.0);
        }
    }
}

/// One completion port.
#[derive(Debug)]
pub(crate) struct Port {
    handle: Handle,
    /// Operations started and not yet dequeued, over all devices.
    in_flight: Cell<usize>,
}

/// Room for the packets one wait dequeues.
pub(crate) struct Completions(Vec<OVERLAPPED_ENTRY>);

impl Completions {
    pub(crate) fn with_capacity(n: usize) -> Completions {
        Completions(vec![OVERLAPPED_ENTRY::default(); n.clamp(1, 4096)])
    }
}

impl Port {
    pub(crate) fn new() -> io::Result<Port> {
        // SAFETY: creating a new port: no file handle, no existing port, no
        // memory passed.
        let h = unsafe { CreateIoCompletionPort(INVALID_HANDLE_VALUE, ptr::null_mut(), 0, 1) };
        Ok(Port {
            handle: Handle::from_created(h)?,
            in_flight: Cell::new(0),
        })
    }

    /// Routes the completions of every overlapped operation on `h` here.
    pub(crate) fn associate(&self, h: &Handle) -> io::Result<()> {
        // SAFETY: both handles are valid and owned (by `Handle`s that
        // outlive the call); the key is unused (packets are routed by their
        // OVERLAPPED pointer).
        let r = unsafe { CreateIoCompletionPort(h.0, self.handle.0, 0, 0) };
        if r.is_null() {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Operations in flight on this port.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.get()
    }

    /// Waits up to `millis` (0: only looks) for packets, marks the
    /// operation of each complete, and returns how many were dequeued.
    pub(crate) fn wait(&self, room: &mut Completions, millis: u32) -> io::Result<usize> {
        let mut removed = 0u32;
        let len = u32::try_from(room.0.len()).unwrap_or(u32::MAX);
        // SAFETY: `room.0` is a live, writable array of `len` entries and
        // `removed` a live u32, both for the whole (synchronous) call.
        let ok = unsafe {
            GetQueuedCompletionStatusEx(
                self.handle.0,
                room.0.as_mut_ptr(),
                len,
                &mut removed,
                millis,
                0,
            )
        };
        if ok == 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error().and_then(|c| u32::try_from(c).ok()) {
                Some(WAIT_TIMEOUT) => Ok(0),
                _ => Err(e),
            };
        }
        let n = usize::try_from(removed).unwrap_or(0).min(room.0.len());
        for entry in room.0.iter().take(n) {
            let ov = entry.lpOverlapped;
            if ov.is_null() {
                continue; // a posted wake-up, not an operation
            }
            // SAFETY: every packet with an OVERLAPPED on this port comes
            // from an `Op::start_*` (module docs: the handles are private
            // and every operation goes through an Op), whose OVERLAPPED is
            // the first field of a `#[repr(C)]` OpCell leaked with
            // `Rc::into_raw`; the packet is dequeued once, so the count is
            // taken back exactly once.
            let cell = unsafe { Rc::from_raw(ov.cast::<OpCell>().cast_const()) };
            cell.state.set(OpState::Complete);
            self.in_flight.set(self.in_flight.get().saturating_sub(1));
        }
        Ok(n)
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        // Every device (each holding a count of the port) is gone, and each
        // cancelled its operations: take back the kernel's counts of the
        // packets still queued. A packet that never comes leaks its cell
        // (memory, never unsoundness).
        let mut room = Completions::with_capacity(64);
        for _ in 0..100 {
            if self.in_flight.get() == 0 {
                break;
            }
            let millis = 10;
            match self.wait(&mut room, millis) {
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
}

/// Where an operation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpState {
    /// Not started, or its result was taken.
    Idle,
    /// Lent to the kernel: nothing but the port may touch it.
    InFlight,
    /// Its packet was dequeued: the result is ready.
    Complete,
}

/// The memory one overlapped operation lends the kernel.
#[repr(C)]
struct OpCell {
    /// First, so the OVERLAPPED pointer is the cell pointer.
    overlapped: UnsafeCell<OVERLAPPED>,
    /// The buffer, from `Box::<[u8]>::into_raw`, freed by `Drop`.
    buf: *mut u8,
    cap: usize,
    state: Cell<OpState>,
}

impl Drop for OpCell {
    fn drop(&mut self) {
        // SAFETY: `buf` and `cap` came from `Box::into_raw` of a boxed slice
        // of `cap` bytes (`Op::new`) and are freed only here; the cell is
        // dropped when its last count goes, so the kernel (holding a count
        // while in flight) is done with it.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(self.buf, self.cap)) });
    }
}

/// One overlapped operation's OVERLAPPED and buffer, reused operation
/// after operation (never while in flight).
pub(crate) struct Op(Rc<OpCell>);

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Op")
            .field("cap", &self.0.cap)
            .field("state", &self.0.state.get())
            .finish()
    }
}

impl Op {
    /// An idle operation with a buffer of `cap` bytes.
    pub(crate) fn new(cap: usize) -> Op {
        let buf = Box::into_raw(vec![0u8; cap].into_boxed_slice());
        Op(Rc::new(OpCell {
            overlapped: UnsafeCell::new(OVERLAPPED::default()),
            buf: buf.cast::<u8>(),
            cap,
            state: Cell::new(OpState::Idle),
        }))
    }

    pub(crate) fn state(&self) -> OpState {
        self.0.state.get()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.0.cap
    }

    /// The buffer, unless the kernel holds it.
    pub(crate) fn buffer(&self) -> Option<&[u8]> {
        if self.state() == OpState::InFlight {
            return None;
        }
        // SAFETY: not in flight, so the kernel neither reads nor writes the
        // buffer (module docs); `buf` is valid for `cap` bytes while the
        // cell lives, and `&self` keeps it alive; writers need `&mut self`.
        Some(unsafe { std::slice::from_raw_parts(self.0.buf, self.0.cap) })
    }

    /// The buffer to fill, unless the kernel holds it.
    pub(crate) fn buffer_mut(&mut self) -> Option<&mut [u8]> {
        if self.state() == OpState::InFlight {
            return None;
        }
        // SAFETY: as in `buffer`; `&mut self` makes this the only
        // reference into the buffer (the kernel's count does not touch
        // memory while the cell is not in flight).
        Some(unsafe { std::slice::from_raw_parts_mut(self.0.buf, self.0.cap) })
    }

    /// Lends the cell to the kernel for one call: `call` gets the
    /// OVERLAPPED (set to `offset`) and the buffer pointer and returns
    /// the call's BOOL. Returns Ok(true) if a packet will come.
    fn start(
        &mut self,
        port: &Port,
        offset: u64,
        call: impl FnOnce(*mut OVERLAPPED, *mut u8) -> i32,
        no_packet: &[u32],
    ) -> io::Result<bool> {
        if self.state() != OpState::Idle {
            return Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                "the operation is still in flight",
            ));
        }
        let lent = Rc::into_raw(Rc::clone(&self.0));
        // the OVERLAPPED is the cell's first field (`repr(C)`, and
        // `UnsafeCell` is `repr(transparent)`); derived from the lent
        // pointer, so the kernel's pointer covers the whole cell
        let ov = lent.cast::<OVERLAPPED>().cast_mut();
        let mut fresh = OVERLAPPED::default();
        fresh.Anonymous.Anonymous.Offset = (offset & 0xffff_ffff) as u32;
        fresh.Anonymous.Anonymous.OffsetHigh = (offset >> 32) as u32;
        // SAFETY: not in flight (checked above), so nobody else reads or
        // writes the OVERLAPPED; the pointer is valid (the cell is alive).
        unsafe { ov.write(fresh) };
        self.0.state.set(OpState::InFlight);
        port.in_flight.set(port.in_flight.get() + 1);
        let ok = call(ov, self.0.buf);
        let err = io::Error::last_os_error();
        let code = err.raw_os_error().and_then(|c| u32::try_from(c).ok());
        let queued = ok != 0 || code == Some(ERROR_IO_PENDING);
        let skipped = ok == 0 && code.is_some_and(|c| no_packet.contains(&c));
        if queued {
            return Ok(true);
        }
        // failed at once (or ended at once without a packet): no packet
        // will come, so the kernel's count comes back now
        // SAFETY: `lent` came from `Rc::into_raw` just above and no packet
        // carries it (the call failed synchronously), so it is taken back
        // exactly once.
        drop(unsafe { Rc::from_raw(lent) });
        self.0.state.set(OpState::Idle);
        port.in_flight.set(port.in_flight.get().saturating_sub(1));
        if skipped { Ok(false) } else { Err(err) }
    }

    /// Starts an overlapped read of up to `len` bytes (at most the buffer)
    /// at `offset` (ignored by pipes and COM ports).
    pub(crate) fn start_read(
        &mut self,
        port: &Port,
        h: &Handle,
        len: usize,
        offset: u64,
    ) -> io::Result<()> {
        let len = u32::try_from(len.min(self.0.cap)).unwrap_or(u32::MAX);
        let handle = h.0;
        self.start(
            port,
            offset,
            |ov, buf| {
                // SAFETY: `buf` is valid for `cap >= len` bytes and `ov`
                // is a live OVERLAPPED, both owned by the cell whose count
                // the kernel now holds until the packet is dequeued; the
                // handle is open and was opened overlapped.
                unsafe {
                    windows_sys::Win32::Storage::FileSystem::ReadFile(
                        handle,
                        buf,
                        len,
                        ptr::null_mut(),
                        ov,
                    )
                }
            },
            &[],
        )
        .map(|_| ())
    }

    /// Starts an overlapped write of the buffer's bytes `from..to` at
    /// `offset` (ignored by pipes and COM ports).
    pub(crate) fn start_write(
        &mut self,
        port: &Port,
        h: &Handle,
        from: usize,
        to: usize,
        offset: u64,
    ) -> io::Result<()> {
        let to = to.min(self.0.cap);
        let from = from.min(to);
        let len = u32::try_from(to - from).unwrap_or(u32::MAX);
        let handle = h.0;
        self.start(
            port,
            offset,
            |ov, buf| {
                // SAFETY: `buf + from .. buf + to` lies inside the cell's
                // buffer (`from <= to <= cap`), which with `ov` stays
                // alive and untouched by Rust until the packet is dequeued;
                // the handle is open and was opened overlapped.
                unsafe {
                    windows_sys::Win32::Storage::FileSystem::WriteFile(
                        handle,
                        buf.add(from),
                        len,
                        ptr::null_mut(),
                        ov,
                    )
                }
            },
            &[],
        )
        .map(|_| ())
    }

    /// Waits (overlapped) for a client of the pipe server `h`. Ok(true):
    /// a client was already connected (no packet comes); Ok(false): the
    /// packet says when one connects.
    pub(crate) fn start_connect(&mut self, port: &Port, h: &Handle) -> io::Result<bool> {
        let handle = h.0;
        let queued = self.start(
            port,
            0,
            |ov, _buf| {
                // SAFETY: `ov` is the cell's live OVERLAPPED, held for the
                // kernel until the packet is dequeued; `h` is an open
                // overlapped pipe server handle.
                unsafe { ConnectNamedPipe(handle, ov) }
            },
            &[ERROR_PIPE_CONNECTED],
        )?;
        Ok(!queued)
    }

    /// The result of a completed operation (bytes moved), which makes it
    /// idle again; `None` unless complete.
    pub(crate) fn finish(&mut self, h: &Handle) -> Option<io::Result<usize>> {
        if self.state() != OpState::Complete {
            return None;
        }
        let mut n = 0u32;
        // SAFETY: the packet was dequeued, so the kernel is done with the
        // OVERLAPPED (it only holds the final status); `h` is the handle the
        // operation ran on; no waiting (bWait = FALSE).
        let ok = unsafe { GetOverlappedResult(h.0, self.0.overlapped.get(), &mut n, 0) };
        self.0.state.set(OpState::Idle);
        Some(if ok != 0 {
            Ok(usize::try_from(n).unwrap_or(0))
        } else {
            Err(io::Error::last_os_error())
        })
    }

    /// Asks the kernel to cancel the operation if it is in flight (its
    /// packet still comes, with `ERROR_OPERATION_ABORTED` unless it had
    /// already finished).
    pub(crate) fn cancel(&self, h: &Handle) {
        if self.state() == OpState::InFlight {
            // SAFETY: `h` is open and the OVERLAPPED identifies one of its
            // operations (or one that just finished: then the call fails
            // with ERROR_NOT_FOUND, which is fine); nothing is written.
            unsafe {
                CancelIoEx(h.0, self.0.overlapped.get());
            }
        }
    }
}

/// `\\.\pipe\name` as given, or prefixed if only a bare name was given.
fn pipe_path(name: &str) -> io::Result<Vec<u16>> {
    if name.starts_with(r"\\") {
        wide(OsStr::new(name))
    } else {
        wide(OsStr::new(&format!(r"\\.\pipe\{name}")))
    }
}

/// Creates the (single) instance of a byte-mode named pipe server.
pub(crate) fn pipe_server(name: &str, buffer: u32) -> io::Result<Handle> {
    let path = pipe_path(name)?;
    // SAFETY: `path` is NUL-terminated UTF-16 alive for the call; no
    // security attributes (default).
    let h = unsafe {
        CreateNamedPipeW(
            path.as_ptr(),
            PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            1,
            buffer,
            buffer,
            0,
            ptr::null(),
        )
    };
    Handle::from_created(h)
}

/// Opens `path` (a pipe client, a COM port, a file) for overlapped IO.
fn open(path: &[u16], disposition: u32, share: u32) -> io::Result<Handle> {
    // SAFETY: `path` is NUL-terminated UTF-16 alive for the call; no
    // security attributes, no template.
    let h = unsafe {
        CreateFileW(
            path.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            share,
            ptr::null(),
            disposition,
            FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED,
            ptr::null_mut(),
        )
    };
    Handle::from_created(h)
}

/// Opens the client end of a named pipe.
pub(crate) fn pipe_client(name: &str) -> io::Result<Handle> {
    open(&pipe_path(name)?, OPEN_EXISTING, 0)
}

/// Opens a file for overlapped reads and writes; `create` makes it (or
/// empties it), otherwise it must exist.
pub(crate) fn file(path: &std::path::Path, create: bool) -> io::Result<Handle> {
    let disposition = if create { CREATE_ALWAYS } else { OPEN_EXISTING };
    open(&wide(path.as_os_str())?, disposition, FILE_SHARE_READ)
}

/// Opens a COM port (`COM5` or `\\.\COM12`) and applies `config`.
pub(crate) fn serial(name: &str, config: &SerialConfig) -> io::Result<Handle> {
    let path = if name.starts_with(r"\\") {
        wide(OsStr::new(name))?
    } else {
        wide(OsStr::new(&format!(r"\\.\{name}")))?
    };
    let h = open(&path, OPEN_EXISTING, 0)?;
    let mut dcb = DCB {
        DCBlength: u32::try_from(size_of::<DCB>()).unwrap_or(0),
        ..DCB::default()
    };
    // SAFETY: `h` is an open COM port, `dcb` a live DCB with its length set.
    if unsafe { GetCommState(h.0, &mut dcb) } == 0 {
        return Err(io::Error::last_os_error());
    }
    fill_dcb(&mut dcb, config);
    // SAFETY: as above; the DCB is only read.
    if unsafe { SetCommState(h.0, &dcb) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // "return what is there": a read completes 1 ms after the last byte of
    // a burst (the interval timer starts at the first byte), when its
    // buffer is full, or empty after the constant. (The documented
    // MAXDWORD/MAXDWORD/constant form does not work under wine 8: a read
    // there waited for its whole buffer, measured.)
    let constant = u32::try_from(config.read_wait.as_millis())
        .unwrap_or(u32::MAX - 1)
        .clamp(1, u32::MAX - 1);
    let timeouts = COMMTIMEOUTS {
        ReadIntervalTimeout: 1,
        ReadTotalTimeoutMultiplier: 0,
        ReadTotalTimeoutConstant: constant,
        WriteTotalTimeoutMultiplier: 0,
        WriteTotalTimeoutConstant: 0,
    };
    // SAFETY: `h` is an open COM port; the struct is only read.
    if unsafe { SetCommTimeouts(h.0, &timeouts) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `h` is an open COM port with no IO in flight yet.
    unsafe {
        PurgeComm(h.0, PURGE_RXCLEAR | PURGE_TXCLEAR);
    }
    Ok(h)
}

/// The settings an open COM port reports back (`GetCommState` and
/// `GetCommTimeouts`): what the driver really applied.
pub(crate) fn serial_config(h: &Handle) -> io::Result<SerialConfig> {
    use windows_sys::Win32::Devices::Communication::{EVENPARITY, ODDPARITY, ONESTOPBIT};
    let mut dcb = DCB {
        DCBlength: u32::try_from(size_of::<DCB>()).unwrap_or(0),
        ..DCB::default()
    };
    // SAFETY: `h` is an open handle owned by the caller's stream, `dcb` a
    // live DCB with its length set, written by the call only.
    if unsafe { GetCommState(h.0, &mut dcb) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut timeouts = COMMTIMEOUTS::default();
    // SAFETY: as above; `timeouts` is a live struct written by the call.
    if unsafe { GetCommTimeouts(h.0, &mut timeouts) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let data_bits = match dcb.ByteSize {
        5 => DataBits::Five,
        6 => DataBits::Six,
        7 => DataBits::Seven,
        _ => DataBits::Eight,
    };
    let parity = match dcb.Parity {
        ODDPARITY => Parity::Odd,
        EVENPARITY => Parity::Even,
        _ => Parity::None,
    };
    let stop_bits = if dcb.StopBits == ONESTOPBIT {
        StopBits::One
    } else {
        StopBits::Two
    };
    // fOutxCtsFlow (bit 2) is the RTS/CTS handshake; fOutX/fInX (bits 8
    // and 9) are XON/XOFF (see `fill_dcb`)
    let flow_control = if dcb._bitfield & (1 << 2) != 0 {
        FlowControl::Hardware
    } else if dcb._bitfield & ((1 << 8) | (1 << 9)) != 0 {
        FlowControl::Software
    } else {
        FlowControl::None
    };
    Ok(SerialConfig {
        baud: dcb.BaudRate,
        data_bits,
        parity,
        stop_bits,
        flow_control,
        read_wait: std::time::Duration::from_millis(u64::from(timeouts.ReadTotalTimeoutConstant)),
    })
}

/// The DCB fields a [`SerialConfig`] sets (the rest stay as the driver
/// had them).
fn fill_dcb(dcb: &mut DCB, config: &SerialConfig) {
    use windows_sys::Win32::Devices::Communication::{
        EVENPARITY, NOPARITY, ODDPARITY, ONE5STOPBITS, ONESTOPBIT, TWOSTOPBITS,
    };
    dcb.BaudRate = config.baud;
    dcb.ByteSize = match config.data_bits {
        DataBits::Five => 5,
        DataBits::Six => 6,
        DataBits::Seven => 7,
        DataBits::Eight => 8,
    };
    dcb.Parity = match config.parity {
        Parity::None => NOPARITY,
        Parity::Odd => ODDPARITY,
        Parity::Even => EVENPARITY,
    };
    dcb.StopBits = match config.stop_bits {
        StopBits::One => ONESTOPBIT,
        StopBits::Two => {
            if config.data_bits == DataBits::Five {
                ONE5STOPBITS
            } else {
                TWOSTOPBITS
            }
        }
    };
    // the DCB's bit field: fBinary 0, fParity 1, fOutxCtsFlow 2,
    // fOutxDsrFlow 3, fDtrControl 4-5, fDsrSensitivity 6,
    // fTXContinueOnXoff 7, fOutX 8, fInX 9, fErrorChar 10, fNull 11,
    // fRtsControl 12-13, fAbortOnError 14
    const DTR_ENABLE: u32 = 1 << 4;
    const RTS_ENABLE: u32 = 1 << 12;
    const RTS_HANDSHAKE: u32 = 2 << 12;
    let mut bits = 1; // binary mode: the only one Windows supports
    if config.parity != Parity::None {
        bits |= 1 << 1;
    }
    bits |= DTR_ENABLE;
    match config.flow_control {
        FlowControl::None => bits |= RTS_ENABLE,
        FlowControl::Software => {
            bits |= RTS_ENABLE | (1 << 8) | (1 << 9);
            dcb.XonChar = 0x11;
            dcb.XoffChar = 0x13;
        }
        FlowControl::Hardware => bits |= (1 << 2) | RTS_HANDSHAKE,
    }
    dcb._bitfield = bits;
}
