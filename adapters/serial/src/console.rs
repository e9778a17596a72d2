//! [`StdinFeed`]: the keyboard (or a pipe) as bytes in an SPSC ring, for a
//! console doer.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hio::Ring;
use hio::buf::{RingConsumer, RingProducer, SpscRing};

/// Standard input read by a thread into a [`SpscRing`] of `N` bytes, so
/// a doer can take it without ever blocking (hio's serial `Console` reads
/// the terminal non-blocking; this works for a terminal, a pipe and a
/// regular file alike, on every platform).
///
/// Why a thread and not stdin in the runner's poll: epoll refuses regular
/// files (`serial-console < lines.txt` would fail), and putting fd 0 in
/// non-blocking mode changes the file description shared with the shell
/// (which then sees `EAGAIN` after we exit). The thread blocks in `read`,
/// hands the bytes over through the lock-free ring, and waits (1 ms naps)
/// while the ring is full: back pressure, nothing lost. The consumer
/// side drains the ring on every pass it runs; a runner in
/// [`Mode::Tock`](hio_mio::Mode::Tock) or `Ready` runs a pass at least
/// every tock, so typed lines wait at most one tock.
///
/// The ring is allocated once and lives as long as the program (it is
/// leaked: the thread may still sit in `read` when `main` returns, and
/// the process ending ends it).
///
/// # Contract
///
/// * **Contexts.** Any; not `Send` across doers (one consumer).
/// * **Bounded work.** [`read_into`](Self::read_into) moves at most the
///   free space of the ring it is given.
/// * **End.** [`ended`](Self::ended) is true once stdin reached its end (or
///   failed) *and* every byte read before was taken.
pub struct StdinFeed<const N: usize = 4096> {
    rx: RingConsumer<'static, N>,
    eof: Arc<AtomicBool>,
}

impl<const N: usize> StdinFeed<N> {
    /// Starts the reader thread on standard input.
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be started.
    pub fn spawn() -> std::io::Result<Self> {
        Self::spawn_on(std::io::stdin())
    }

    /// Starts the reader thread on any reader (tests feed a slice).
    ///
    /// # Errors
    ///
    /// The OS error if the thread cannot be started.
    pub fn spawn_on<R: Read + Send + 'static>(input: R) -> std::io::Result<Self> {
        let ring: &'static mut SpscRing<N> = Box::leak(Box::new(SpscRing::new()));
        let (tx, rx) = ring.split();
        let eof = Arc::new(AtomicBool::new(false));
        let done = Arc::clone(&eof);
        std::thread::Builder::new()
            .name("hio-stdin".into())
            .spawn(move || feed(input, tx, &done))?;
        Ok(StdinFeed { rx, eof })
    }

    /// Moves what arrived into `ring` (as much as it has room for); returns
    /// how many bytes.
    pub fn read_into<const M: usize>(&mut self, ring: &mut Ring<M>) -> usize {
        let mut moved = 0;
        loop {
            let slot = ring.writable();
            if slot.is_empty() {
                return moved;
            }
            let n = self.rx.read(slot);
            if n == 0 {
                return moved;
            }
            moved += ring.commit(n);
        }
    }

    /// True once the input ended and everything was taken.
    pub fn ended(&self) -> bool {
        // the flag is set after the last bytes were written: load it first
        self.eof.load(Ordering::Acquire) && self.rx.is_empty()
    }
}

fn feed<R: Read, const N: usize>(mut input: R, mut tx: RingProducer<'static, N>, eof: &AtomicBool) {
    let mut buf = [0u8; 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let mut rest = buf.get(..n).unwrap_or_default();
        while !rest.is_empty() {
            let w = tx.write(rest);
            rest = rest.get(w..).unwrap_or_default();
            if w == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    eof.store(true, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_arrives_then_the_end() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7) as u8).collect();
        let mut feed: StdinFeed<64> =
            StdinFeed::spawn_on(std::io::Cursor::new(data.clone())).unwrap();
        let mut ring: Ring<100> = Ring::new();
        let mut got = Vec::new();
        let start = std::time::Instant::now();
        while !feed.ended() {
            feed.read_into(&mut ring);
            while let Some(b) = ring.pull() {
                got.push(b);
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "stuck at {}",
                got.len()
            );
            std::thread::yield_now();
        }
        assert_eq!(got, data);
    }
}
