//! The SPSC halves: model-based tests under arbitrary interleavings of
//! producer and consumer operations (one thread, so every interleaving is
//! reproducible), and threaded stress tests (run under miri as well).

use std::collections::VecDeque;

use hio::buf::{Fill, SpscDeck, SpscRing};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    if cfg!(miri) {
        ProptestConfig {
            cases: 6,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    } else {
        ProptestConfig::with_cases(512)
    }
}

fn ops_len() -> std::ops::Range<usize> {
    if cfg!(miri) { 0..40 } else { 0..300 }
}

/// One step of either half.
#[derive(Clone, Debug)]
enum Step {
    Write(Vec<u8>),
    Push(u8),
    Read(usize),
    Pull,
    Peek,
    PeekInto(usize),
    Consume(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..10).prop_map(Step::Write),
        2 => any::<u8>().prop_map(Step::Push),
        4 => (0usize..10).prop_map(Step::Read),
        2 => Just(Step::Pull),
        1 => Just(Step::Peek),
        1 => (0usize..10).prop_map(Step::PeekInto),
        1 => (0usize..10).prop_map(Step::Consume),
    ]
}

const RN: usize = 7;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn spsc_ring_halves_behave_like_a_bounded_byte_queue(steps in prop::collection::vec(step(), ops_len())) {
        let mut ring: SpscRing<RN> = SpscRing::new();
        let mut model: VecDeque<u8> = VecDeque::new();
        {
            let (mut tx, mut rx) = ring.split();
            for s in steps {
                match s {
                    Step::Write(d) => {
                        let n = tx.write(&d);
                        prop_assert_eq!(n, (RN - model.len()).min(d.len()));
                        model.extend(&d[..n]);
                    }
                    Step::Push(b) => {
                        let r = tx.push(b);
                        if model.len() < RN { model.push_back(b); prop_assert_eq!(r, Ok(())); }
                        else { prop_assert_eq!(r, Err(b)); }
                    }
                    Step::Read(k) => {
                        let mut out = vec![0; k];
                        let n = rx.read(&mut out);
                        prop_assert_eq!(n, k.min(model.len()));
                        let want: Vec<u8> = model.drain(..n).collect();
                        prop_assert_eq!(&out[..n], &want[..]);
                    }
                    Step::Pull => prop_assert_eq!(rx.pull(), model.pop_front()),
                    Step::Peek => prop_assert_eq!(rx.peek(), model.front().copied()),
                    Step::PeekInto(k) => {
                        let mut out = vec![0; k];
                        let n = rx.peek_into(&mut out);
                        prop_assert_eq!(n, k.min(model.len()));
                        prop_assert!(out[..n].iter().eq(model.iter().take(n)));
                    }
                    Step::Consume(k) => {
                        let n = rx.consume(k);
                        prop_assert_eq!(n, k.min(model.len()));
                        model.drain(..n);
                    }
                }
                prop_assert_eq!((tx.len(), rx.len()), (model.len(), model.len()));
                prop_assert_eq!((tx.free(), rx.free()), (RN - model.len(), RN - model.len()));
                prop_assert_eq!(tx.is_full(), model.len() == RN);
                prop_assert_eq!((tx.is_empty(), rx.is_empty()), (model.is_empty(), model.is_empty()));
                prop_assert_eq!((tx.capacity(), Fill::capacity(&rx)), (RN, RN));
            }
        }
        // after the halves are gone the whole ring still holds the rest
        prop_assert_eq!(ring.len(), model.len());
        let mut out = [0u8; RN];
        let n = ring.read(&mut out);
        prop_assert!(out[..n].iter().eq(model.iter()));
        prop_assert_eq!(ring.write(&[1, 2, 3]), 3);
        prop_assert_eq!(ring.len(), 3);
    }

    #[test]
    fn spsc_deck_halves_behave_like_a_bounded_queue(steps in prop::collection::vec(step(), ops_len())) {
        const N: usize = 8; // holds N - 1
        let mut q: SpscDeck<u8, N> = SpscDeck::new();
        prop_assert_eq!(q.capacity(), N - 1);
        let mut model: VecDeque<u8> = VecDeque::new();
        {
            let (mut tx, mut rx) = q.split();
            for s in steps {
                match s {
                    Step::Write(d) => {
                        for b in d {
                            let r = tx.push(b);
                            if model.len() < N - 1 { model.push_back(b); prop_assert_eq!(r, Ok(())); }
                            else { prop_assert_eq!(r, Err(b)); }
                        }
                    }
                    Step::Push(b) => {
                        let r = tx.push(b);
                        if model.len() < N - 1 { model.push_back(b); prop_assert_eq!(r, Ok(())); }
                        else { prop_assert_eq!(r, Err(b)); }
                    }
                    Step::Read(k) | Step::Consume(k) | Step::PeekInto(k) => {
                        for _ in 0..k { prop_assert_eq!(rx.pull(), model.pop_front()); }
                    }
                    Step::Pull => prop_assert_eq!(rx.pull(), model.pop_front()),
                    Step::Peek => prop_assert_eq!(rx.peek(), model.front()),
                }
                prop_assert_eq!((tx.len(), rx.len()), (model.len(), model.len()));
                prop_assert_eq!((tx.free(), rx.free()), (N - 1 - model.len(), N - 1 - model.len()));
                prop_assert_eq!(tx.is_full(), model.len() == N - 1);
                prop_assert_eq!(rx.is_empty(), model.is_empty());
            }
        }
        prop_assert_eq!(q.len(), model.len());
        prop_assert_eq!(q.peek(), model.front());
        while let Some(v) = q.pull() {
            prop_assert_eq!(Some(v), model.pop_front());
        }
        prop_assert!(model.is_empty());
    }
}

fn total() -> usize {
    if cfg!(miri) { 3_000 } else { 1_000_000 }
}

/// Fails a threaded test that stops making progress (a bug would otherwise
/// hang it): too many idle turns in a row.
struct Stall(u32);

impl Stall {
    fn idle(&mut self, what: &str) {
        self.0 += 1;
        assert!(
            self.0 < if cfg!(miri) { 100_000 } else { 20_000_000 },
            "{what} stalled"
        );
        std::thread::yield_now();
    }
    fn progress(&mut self) {
        self.0 = 0;
    }
}

#[test]
fn spsc_ring_across_threads_delivers_every_byte_in_order() {
    let total = total();
    let mut ring: SpscRing<16> = SpscRing::new();
    let (mut tx, mut rx) = ring.split();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut stall = Stall(0);
            let mut next = 0usize;
            let mut chunk = [0u8; 11];
            while next < total {
                // chunks of 1..=11 bytes, varying, so writes wrap anywhere
                let want = 1 + next % 11;
                let want = want.min(total - next);
                for (i, b) in chunk[..want].iter_mut().enumerate() {
                    *b = ((next + i) % 251) as u8;
                }
                let n = tx.write(&chunk[..want]);
                next += n;
                if n == 0 {
                    stall.idle("producer");
                } else {
                    stall.progress();
                }
            }
        });
        s.spawn(move || {
            let mut stall = Stall(0);
            let mut seen = 0usize;
            let mut buf = [0u8; 7];
            while seen < total {
                let n = if seen.is_multiple_of(3) {
                    rx.pull().map_or(0, |b| {
                        buf[0] = b;
                        1
                    })
                } else {
                    rx.read(&mut buf)
                };
                for &b in &buf[..n] {
                    assert_eq!(b, (seen % 251) as u8, "byte {seen}");
                    seen += 1;
                }
                if n == 0 {
                    stall.idle("consumer");
                } else {
                    stall.progress();
                }
            }
            assert!(rx.is_empty());
        });
    });
}

#[test]
fn spsc_deck_across_threads_delivers_every_item_in_order() {
    let total = total() / 4;
    let mut q: SpscDeck<usize, 8> = SpscDeck::new();
    let (mut tx, mut rx) = q.split();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut stall = Stall(0);
            let mut next = 0;
            while next < total {
                match tx.push(next) {
                    Ok(()) => {
                        next += 1;
                        stall.progress();
                    }
                    Err(_) => stall.idle("producer"),
                }
            }
        });
        s.spawn(move || {
            let mut stall = Stall(0);
            let mut seen = 0;
            while seen < total {
                match rx.pull() {
                    Some(v) => {
                        assert_eq!(v, seen);
                        seen += 1;
                        stall.progress();
                    }
                    None => stall.idle("consumer"),
                }
            }
        });
    });
}

#[test]
fn drops_are_exact_for_items_left_in_the_spsc_deck() {
    use std::rc::Rc;
    let token = Rc::new(());
    {
        let mut q: SpscDeck<Rc<()>, 4> = SpscDeck::new();
        let (mut tx, mut rx) = q.split();
        for _ in 0..3 {
            tx.push(token.clone()).unwrap();
        }
        assert!(tx.push(token.clone()).is_err()); // handed back, then dropped here
        drop(rx.pull());
        assert_eq!(Rc::strong_count(&token), 3);
    }
    assert_eq!(Rc::strong_count(&token), 1); // the queue dropped what it held
}
