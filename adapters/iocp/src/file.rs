//! Files read and written at offsets through the completion port.

use std::path::Path;

use hio::buf::Ring;
use hio::{Error, Tyme};

use crate::port::{Device, Port, to_error};
use crate::sys::{self, Failure};

/// What a finished [`File`] operation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Done {
    /// Wrote `len` bytes at `offset`.
    Wrote {
        /// Where.
        offset: u64,
        /// How many bytes.
        len: usize,
    },
    /// Read `len` bytes at `offset` (fewer than asked at the end of the
    /// file; zero past it): take them with [`File::take_into`].
    Read {
        /// Where.
        offset: u64,
        /// How many bytes.
        len: usize,
    },
    /// The operation was cancelled before it finished.
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asked {
    Write(u64),
    Read(u64),
}

/// A file opened for overlapped reads and writes at offsets, one operation
/// at a time, through the completion port. Start an operation with
/// [`write_at`](Self::write_at) or [`read_at`](Self::read_at); a pass later
/// (once the runner took its completion off the port) [`poll`](Self::poll)
/// says how it ended, and [`take_into`](Self::take_into) moves what a read
/// brought into a byte ring.
///
/// Share it with a [`Service`](crate::Service) doer (which cancels the
/// operation when it stops), or call [`poll`](Self::poll) from your doer.
///
/// # Contract
///
/// * **One at a time.** Starting an operation while one is in flight or
///   its result was not polled fails with [`Error::Capacity`]; so does one
///   larger than the file's buffer ([`capacity`](Self::capacity)).
/// * **Short reads.** At the end of the file a read is short (zero bytes
///   past it).
/// * **Drop.** As [`Stream`](crate::Stream): the operation is cancelled and
///   its buffer kept until the kernel gave it back.
#[derive(Debug)]
pub struct File {
    handle: sys::Handle,
    op: sys::Op,
    asked: Option<Asked>,
    done: Option<Done>,
    failed: Option<Error>,
    unread: (usize, usize),
    /// Last: dropped after the handle and the operation.
    port: Port,
}

impl File {
    fn new(port: &Port, handle: sys::Handle, capacity: usize) -> Result<File, Error> {
        port.0.sys.associate(&handle).map_err(|e| to_error(&e))?;
        Ok(File {
            port: port.clone(),
            handle,
            op: sys::Op::new(capacity),
            asked: None,
            done: None,
            failed: None,
            unread: (0, 0),
        })
    }

    /// Creates `path` (emptying it if it exists) for reads and writes of up
    /// to `capacity` bytes each.
    ///
    /// # Errors
    ///
    /// The OS error of creating it.
    pub fn create(port: &Port, path: &Path, capacity: usize) -> Result<File, Error> {
        let h = sys::file(path, true).map_err(|e| to_error(&e))?;
        File::new(port, h, capacity)
    }

    /// Opens the existing `path` for reads and writes of up to `capacity`
    /// bytes each.
    ///
    /// # Errors
    ///
    /// `Io(NotFound)`, or another OS error of opening it.
    pub fn open(port: &Port, path: &Path, capacity: usize) -> Result<File, Error> {
        let h = sys::file(path, false).map_err(|e| to_error(&e))?;
        File::new(port, h, capacity)
    }

    /// The most bytes one operation moves.
    pub fn capacity(&self) -> usize {
        self.op.capacity()
    }

    /// True while an operation is started and its result not polled.
    pub fn busy(&self) -> bool {
        self.asked.is_some() || self.done.is_some() || self.failed.is_some()
    }

    fn ready(&self, len: usize) -> Result<(), Error> {
        if self.busy() || len > self.op.capacity() {
            Err(Error::Capacity)
        } else {
            Ok(())
        }
    }

    /// Starts writing `data` at `offset`.
    ///
    /// # Errors
    ///
    /// [`Error::Capacity`] (busy, or `data` larger than the buffer), or
    /// the OS error of starting the write.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), Error> {
        self.ready(data.len())?;
        let Some(buf) = self.op.buffer_mut().and_then(|b| b.get_mut(..data.len())) else {
            return Err(Error::Capacity);
        };
        buf.copy_from_slice(data);
        self.op
            .start_write(&self.port.0.sys, &self.handle, 0, data.len(), offset)
            .map_err(|e| to_error(&e))?;
        self.asked = Some(Asked::Write(offset));
        self.unread = (0, 0);
        Ok(())
    }

    /// Starts reading up to `len` bytes at `offset`.
    ///
    /// # Errors
    ///
    /// [`Error::Capacity`] (busy, or `len` larger than the buffer), or the
    /// OS error of starting the read.
    pub fn read_at(&mut self, offset: u64, len: usize) -> Result<(), Error> {
        self.ready(len)?;
        self.unread = (0, 0);
        match self
            .op
            .start_read(&self.port.0.sys, &self.handle, len, offset)
        {
            Ok(()) => self.asked = Some(Asked::Read(offset)),
            // reading at or past the end may end at once
            Err(e) if sys::failure(&e) == Failure::Ended => {
                self.done = Some(Done::Read { offset, len: 0 });
            }
            Err(e) => return Err(to_error(&e)),
        }
        Ok(())
    }

    /// How the last operation ended, once (`None` while it is in flight or
    /// when none was started).
    ///
    /// # Errors
    ///
    /// The OS error the operation failed with.
    pub fn poll(&mut self) -> Option<Result<Done, Error>> {
        self.collect();
        match self.done.take() {
            Some(d) => Some(Ok(d)),
            None => self.failed.take().map(Err),
        }
    }

    fn collect(&mut self) {
        let Some(asked) = self.asked else { return };
        let Some(r) = self.op.finish(&self.handle) else {
            return;
        };
        self.asked = None;
        self.port.note_activity();
        match (r, asked) {
            (Ok(len), Asked::Write(offset)) => self.done = Some(Done::Wrote { offset, len }),
            (Ok(len), Asked::Read(offset)) => {
                self.unread = (0, len);
                self.done = Some(Done::Read { offset, len });
            }
            (Err(e), Asked::Read(offset)) if sys::failure(&e) == Failure::Ended => {
                self.done = Some(Done::Read { offset, len: 0 });
            }
            (Err(e), _) if sys::failure(&e) == Failure::Cancelled => {
                self.done = Some(Done::Cancelled);
            }
            (Err(e), _) => self.failed = Some(to_error(&e)),
        }
    }

    /// Moves the bytes the last read brought into `ring`, as many as fit;
    /// returns how many (call again after the ring drained for the rest).
    pub fn take_into<const N: usize>(&mut self, ring: &mut Ring<N>) -> usize {
        let (from, to) = self.unread;
        let Some(chunk) = self.op.buffer().and_then(|b| b.get(from..to)) else {
            return 0;
        };
        let n = ring.write(chunk);
        self.unread.0 += n;
        n
    }
}

impl Device for File {
    /// Collects a finished operation (its result waits for
    /// [`poll`](File::poll)).
    fn service(&mut self, _tyme: Tyme) -> Result<(), Error> {
        self.collect();
        Ok(())
    }

    fn cancel(&mut self) {
        self.op.cancel(&self.handle);
    }
}

impl Drop for File {
    fn drop(&mut self) {
        self.op.cancel(&self.handle);
        for _ in 0..100 {
            if self.op.state() != sys::OpState::InFlight || self.port.pump(10).is_err() {
                break;
            }
        }
    }
}
