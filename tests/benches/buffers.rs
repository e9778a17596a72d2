//! hio's buffers against `heapless` and `std` in the same run.
//!
//! `cargo bench -p hio-tests --bench buffers`
//!
//! Budget (DESIGN.md, issue 3): `Deck` push/pull and `Ring` write/read
//! within 1.2x of heapless. Every benchmark moves `OPS` items (or bytes) per
//! sample, so the per-item times compare directly across a group:
//!
//! * `fifo_steady`: half full, then push one, pull one (wraps constantly).
//! * `fifo_burst`: fill to capacity, then drain to empty.
//! * `bytes_bulk`: write 48-byte chunks, read 48-byte chunks (a byte ring
//!   with slice copies; heapless and the SPSC rings go byte by byte).
//! * `bytes_single`: one byte in, one byte out (`bytes_single_odd`: the
//!   same with a capacity that is not a power of two).

// a benchmark, not library code: slices by index like their users would
#![allow(clippy::indexing_slicing)]

use std::collections::VecDeque;
use std::hint::black_box;

use divan::Bencher;
use divan::counter::ItemsCount;
use hio::buf::{Deck, Ring, SpscDeck, SpscRing};

fn main() {
    divan::main();
}

const OPS: usize = 4096;
const CAP: usize = 64;

/// A message bigger than a register, as a deck of frames would carry.
#[derive(Clone, Copy, Default)]
#[allow(dead_code)] // carried, never read
struct Msg([u32; 8]);

fn msg(i: usize) -> Msg {
    Msg([i as u32; 8])
}

mod fifo_steady {
    use super::*;

    #[divan::bench]
    fn hio_deck_u32(b: Bencher) {
        let mut d: Deck<u32, CAP> = Deck::new();
        for i in 0..CAP / 2 {
            let _ = d.push(i as u32);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = d.push(black_box(i as u32));
                black_box(d.pull());
            }
        });
    }

    #[divan::bench]
    fn heapless_deque_u32(b: Bencher) {
        let mut d: heapless::Deque<u32, CAP> = heapless::Deque::new();
        for i in 0..CAP / 2 {
            let _ = d.push_back(i as u32);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = d.push_back(black_box(i as u32));
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn std_vecdeque_u32(b: Bencher) {
        let mut d: VecDeque<u32> = VecDeque::with_capacity(CAP);
        for i in 0..CAP / 2 {
            d.push_back(i as u32);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                if d.len() < CAP {
                    d.push_back(black_box(i as u32));
                }
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn hio_deck_msg(b: Bencher) {
        let mut d: Deck<Msg, CAP> = Deck::new();
        for i in 0..CAP / 2 {
            let _ = d.push(msg(i));
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = d.push(black_box(msg(i)));
                black_box(d.pull());
            }
        });
    }

    #[divan::bench]
    fn heapless_deque_msg(b: Bencher) {
        let mut d: heapless::Deque<Msg, CAP> = heapless::Deque::new();
        for i in 0..CAP / 2 {
            let _ = d.push_back(msg(i));
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = d.push_back(black_box(msg(i)));
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn std_vecdeque_msg(b: Bencher) {
        let mut d: VecDeque<Msg> = VecDeque::with_capacity(CAP);
        for i in 0..CAP / 2 {
            d.push_back(msg(i));
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                if d.len() < CAP {
                    d.push_back(black_box(msg(i)));
                }
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn hio_spsc_deck_u32(b: Bencher) {
        let mut q: SpscDeck<u32, CAP> = SpscDeck::new();
        let (mut tx, mut rx) = q.split();
        for i in 0..CAP / 2 {
            let _ = tx.push(i as u32);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = tx.push(black_box(i as u32));
                black_box(rx.pull());
            }
        });
    }

    #[divan::bench]
    fn heapless_spsc_u32(b: Bencher) {
        let mut q: heapless::spsc::Queue<u32, CAP> = heapless::spsc::Queue::new();
        let (mut tx, mut rx) = q.split();
        for i in 0..CAP / 2 {
            let _ = tx.enqueue(i as u32);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = tx.enqueue(black_box(i as u32));
                black_box(rx.dequeue());
            }
        });
    }
}

mod fifo_burst {
    use super::*;

    #[divan::bench]
    fn hio_deck_u32(b: Bencher) {
        let mut d: Deck<u32, CAP> = Deck::new();
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for round in 0..OPS / CAP {
                for i in 0..CAP {
                    let _ = d.push(black_box((round + i) as u32));
                }
                for _ in 0..CAP {
                    black_box(d.pull());
                }
            }
        });
    }

    #[divan::bench]
    fn heapless_deque_u32(b: Bencher) {
        let mut d: heapless::Deque<u32, CAP> = heapless::Deque::new();
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for round in 0..OPS / CAP {
                for i in 0..CAP {
                    let _ = d.push_back(black_box((round + i) as u32));
                }
                for _ in 0..CAP {
                    black_box(d.pop_front());
                }
            }
        });
    }

    #[divan::bench]
    fn std_vecdeque_u32(b: Bencher) {
        let mut d: VecDeque<u32> = VecDeque::with_capacity(CAP);
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for round in 0..OPS / CAP {
                for i in 0..CAP {
                    if d.len() < CAP {
                        d.push_back(black_box((round + i) as u32));
                    }
                }
                for _ in 0..CAP {
                    black_box(d.pop_front());
                }
            }
        });
    }
}

const RING: usize = 1024;
const CHUNK: usize = 48;
/// Bytes moved per sample in `bytes_bulk`.
const BULK: usize = OPS / CHUNK * CHUNK;

/// The bytes written in every chunk.
fn chunk() -> [u8; CHUNK] {
    core::array::from_fn(|i| i as u8)
}

mod bytes_bulk {
    use super::*;

    #[divan::bench]
    fn hio_ring(b: Bencher) {
        let mut r: Ring<RING> = Ring::new();
        let data = chunk();
        let mut out = [0u8; CHUNK];
        b.counter(ItemsCount::new(BULK)).bench_local(|| {
            for _ in 0..OPS / CHUNK {
                black_box(r.write(black_box(&data)));
                black_box(r.read(black_box(&mut out)));
            }
        });
    }

    #[divan::bench]
    fn hio_ring_zero_copy(b: Bencher) {
        let mut r: Ring<RING> = Ring::new();
        let data = chunk();
        let mut out = [0u8; CHUNK];
        b.counter(ItemsCount::new(BULK)).bench_local(|| {
            for _ in 0..OPS / CHUNK {
                // a device fills the writable slice, then a parser reads in place
                let mut left = &data[..];
                while !left.is_empty() {
                    let slot = r.writable();
                    let n = slot.len().min(left.len());
                    slot[..n].copy_from_slice(&left[..n]);
                    r.commit(n);
                    left = &left[n..];
                }
                let mut got = 0;
                while got < CHUNK {
                    let seen = r.readable();
                    let n = seen.len().min(CHUNK - got);
                    out[got..got + n].copy_from_slice(&seen[..n]);
                    r.consume(n);
                    got += n;
                }
                black_box(&out);
            }
        });
    }

    #[divan::bench]
    fn heapless_deque(b: Bencher) {
        let mut d: heapless::Deque<u8, RING> = heapless::Deque::new();
        let data = chunk();
        let mut out = [0u8; CHUNK];
        b.counter(ItemsCount::new(BULK)).bench_local(|| {
            for _ in 0..OPS / CHUNK {
                for &x in black_box(&data) {
                    if d.push_back(x).is_err() {
                        break;
                    }
                }
                for o in black_box(&mut out).iter_mut() {
                    match d.pop_front() {
                        Some(x) => *o = x,
                        None => break,
                    }
                }
            }
        });
    }

    #[divan::bench]
    fn std_vecdeque(b: Bencher) {
        let mut d: VecDeque<u8> = VecDeque::with_capacity(RING);
        let data = chunk();
        let mut out = [0u8; CHUNK];
        b.counter(ItemsCount::new(BULK)).bench_local(|| {
            for _ in 0..OPS / CHUNK {
                let data = black_box(&data);
                let n = data.len().min(RING - d.len());
                d.extend(&data[..n]);
                let out = black_box(&mut out);
                let n = out.len().min(d.len());
                let (a, b) = d.as_slices();
                let first = n.min(a.len());
                out[..first].copy_from_slice(&a[..first]);
                out[first..n].copy_from_slice(&b[..n - first]);
                d.drain(..n);
            }
        });
    }

    #[divan::bench]
    fn hio_spsc_ring(b: Bencher) {
        let mut r: SpscRing<RING> = SpscRing::new();
        let (mut tx, mut rx) = r.split();
        let data = chunk();
        let mut out = [0u8; CHUNK];
        b.counter(ItemsCount::new(BULK)).bench_local(|| {
            for _ in 0..OPS / CHUNK {
                black_box(tx.write(black_box(&data)));
                black_box(rx.read(black_box(&mut out)));
            }
        });
    }

    #[divan::bench]
    fn heapless_spsc(b: Bencher) {
        let mut q: heapless::spsc::Queue<u8, RING> = heapless::spsc::Queue::new();
        let (mut tx, mut rx) = q.split();
        let data = chunk();
        let mut out = [0u8; CHUNK];
        b.counter(ItemsCount::new(BULK)).bench_local(|| {
            for _ in 0..OPS / CHUNK {
                for &x in black_box(&data) {
                    if tx.enqueue(x).is_err() {
                        break;
                    }
                }
                for o in black_box(&mut out).iter_mut() {
                    match rx.dequeue() {
                        Some(x) => *o = x,
                        None => break,
                    }
                }
            }
        });
    }
}

mod bytes_single {
    use super::*;

    #[divan::bench]
    fn hio_ring(b: Bencher) {
        let mut r: Ring<RING> = Ring::new();
        for i in 0..RING / 2 {
            let _ = r.push(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = r.push(black_box(i as u8));
                black_box(r.pull());
            }
        });
    }

    #[divan::bench]
    fn heapless_deque(b: Bencher) {
        let mut d: heapless::Deque<u8, RING> = heapless::Deque::new();
        for i in 0..RING / 2 {
            let _ = d.push_back(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = d.push_back(black_box(i as u8));
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn std_vecdeque(b: Bencher) {
        let mut d: VecDeque<u8> = VecDeque::with_capacity(RING);
        for i in 0..RING / 2 {
            d.push_back(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                if d.len() < RING {
                    d.push_back(black_box(i as u8));
                }
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn hio_spsc_ring(b: Bencher) {
        let mut r: SpscRing<RING> = SpscRing::new();
        let (mut tx, mut rx) = r.split();
        for i in 0..RING / 2 {
            let _ = tx.push(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = tx.push(black_box(i as u8));
                black_box(rx.pull());
            }
        });
    }

    #[divan::bench]
    fn heapless_spsc(b: Bencher) {
        let mut q: heapless::spsc::Queue<u8, RING> = heapless::spsc::Queue::new();
        let (mut tx, mut rx) = q.split();
        for i in 0..RING / 2 {
            let _ = tx.enqueue(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = tx.enqueue(black_box(i as u8));
                black_box(rx.dequeue());
            }
        });
    }
}

/// A capacity that is not a power of two.
const ODD: usize = 1000;

mod bytes_single_odd {
    use super::*;

    #[divan::bench]
    fn hio_ring(b: Bencher) {
        let mut r: Ring<ODD> = Ring::new();
        for i in 0..ODD / 2 {
            let _ = r.push(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = r.push(black_box(i as u8));
                black_box(r.pull());
            }
        });
    }

    #[divan::bench]
    fn heapless_deque(b: Bencher) {
        let mut d: heapless::Deque<u8, ODD> = heapless::Deque::new();
        for i in 0..ODD / 2 {
            let _ = d.push_back(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                let _ = d.push_back(black_box(i as u8));
                black_box(d.pop_front());
            }
        });
    }

    #[divan::bench]
    fn std_vecdeque(b: Bencher) {
        let mut d: VecDeque<u8> = VecDeque::with_capacity(ODD);
        for i in 0..ODD / 2 {
            d.push_back(i as u8);
        }
        b.counter(ItemsCount::new(OPS)).bench_local(|| {
            for i in 0..OPS {
                if d.len() < ODD {
                    d.push_back(black_box(i as u8));
                }
                black_box(d.pop_front());
            }
        });
    }
}
