//! Model-based property tests: every buffer against `std::collections`
//! (`VecDeque`, `Vec`, `BinaryHeap`), operation by operation, with small
//! capacities so that full, empty and wrap-around happen all the time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use hio::Error;
use hio::buf::{Deck, Fill, PriorityQueue, Queue, Ring, Stack, TaskDeck};
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
    if cfg!(miri) { 0..40 } else { 0..200 }
}

// ------------------------------------------------------------------ Deck

#[derive(Clone, Debug)]
enum DeckOp {
    Push(u8),
    PushFront(u8),
    PushEvicting(u8),
    Pull,
    PullBack,
    PeekMut(u8),
    Clear,
    /// take this many through `drain`, then drop the iterator
    Drain(usize),
    FillFrom(Vec<u8>),
    PushSlice(Vec<u8>),
}

fn deck_op() -> impl Strategy<Value = DeckOp> {
    prop_oneof![
        6 => any::<u8>().prop_map(DeckOp::Push),
        2 => any::<u8>().prop_map(DeckOp::PushFront),
        2 => any::<u8>().prop_map(DeckOp::PushEvicting),
        6 => Just(DeckOp::Pull),
        2 => Just(DeckOp::PullBack),
        1 => any::<u8>().prop_map(DeckOp::PeekMut),
        1 => Just(DeckOp::Clear),
        1 => (0usize..8).prop_map(DeckOp::Drain),
        2 => prop::collection::vec(any::<u8>(), 0..9).prop_map(DeckOp::FillFrom),
        2 => prop::collection::vec(any::<u8>(), 0..9).prop_map(DeckOp::PushSlice),
    ]
}

const DN: usize = 5;

fn check_deck(deck: &Deck<u8, DN>, model: &VecDeque<u8>) {
    assert_eq!(deck.len(), model.len());
    assert_eq!(deck.free(), DN - model.len());
    assert_eq!(deck.capacity(), DN);
    assert_eq!(deck.is_empty(), model.is_empty());
    assert_eq!(deck.is_full(), model.len() == DN);
    assert_eq!(deck.peek(), model.front());
    assert_eq!(deck.peek_back(), model.back());
    assert!(deck.iter().eq(model.iter()));
    assert!(deck.iter().rev().eq(model.iter().rev()));
    let (a, b) = deck.as_slices();
    assert!(a.iter().chain(b).eq(model.iter()));
    assert_eq!(Fill::len(deck) + Fill::free(deck), Fill::capacity(deck));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn deck_behaves_like_a_bounded_vecdeque(ops in prop::collection::vec(deck_op(), ops_len())) {
        let mut deck: Deck<u8, DN> = Deck::new();
        let mut model: VecDeque<u8> = VecDeque::new();
        for op in ops {
            match op {
                DeckOp::Push(v) => {
                    let r = deck.push(v);
                    if model.len() < DN { model.push_back(v); prop_assert_eq!(r, Ok(())); }
                    else { prop_assert_eq!(r, Err(v)); }
                }
                DeckOp::PushFront(v) => {
                    let r = deck.push_front(v);
                    if model.len() < DN { model.push_front(v); prop_assert_eq!(r, Ok(())); }
                    else { prop_assert_eq!(r, Err(v)); }
                }
                DeckOp::PushEvicting(v) => {
                    let evicted = deck.push_evicting(v);
                    let expect = if model.len() == DN { model.pop_front() } else { None };
                    model.push_back(v);
                    prop_assert_eq!(evicted, expect);
                }
                DeckOp::Pull => prop_assert_eq!(deck.pull(), model.pop_front()),
                DeckOp::PullBack => prop_assert_eq!(deck.pull_back(), model.pop_back()),
                DeckOp::PeekMut(v) => {
                    if let Some(x) = deck.peek_mut() { *x = v; }
                    if let Some(x) = model.front_mut() { *x = v; }
                }
                DeckOp::Clear => { deck.clear(); model.clear(); }
                DeckOp::Drain(k) => {
                    let got: Vec<u8> = deck.drain().take(k).collect();
                    let want: Vec<u8> = (0..k).map_while(|_| model.pop_front()).collect();
                    prop_assert_eq!(got, want); // the rest stays: checked below
                }
                DeckOp::FillFrom(items) => {
                    let mut it = items.iter().copied();
                    let n = deck.fill_from(&mut it);
                    let room = DN - model.len();
                    prop_assert_eq!(n, room.min(items.len()));
                    model.extend(&items[..n]);
                    // what did not fit was not taken from the iterator
                    prop_assert!(it.eq(items[n..].iter().copied()));
                }
                DeckOp::PushSlice(items) => {
                    let n = deck.push_slice(&items);
                    prop_assert_eq!(n, (DN - model.len()).min(items.len()));
                    model.extend(&items[..n]);
                }
            }
            check_deck(&deck, &model);
        }
        let clone = deck.clone();
        prop_assert_eq!(&clone, &deck);
        prop_assert!(deck.drain().eq(model.into_iter()));
    }
}

// ------------------------------------------------------------------ Stack, PriorityQueue, TaskDeck

#[derive(Clone, Debug)]
enum ItemOp {
    Push(u8),
    Pull,
    Clear,
    Drain(usize),
    FillFrom(Vec<u8>),
}

fn item_op() -> impl Strategy<Value = ItemOp> {
    prop_oneof![
        6 => any::<u8>().prop_map(ItemOp::Push),
        5 => Just(ItemOp::Pull),
        1 => Just(ItemOp::Clear),
        1 => (0usize..8).prop_map(ItemOp::Drain),
        2 => prop::collection::vec(any::<u8>(), 0..9).prop_map(ItemOp::FillFrom),
    ]
}

const SN: usize = 4;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn stack_behaves_like_a_bounded_vec(ops in prop::collection::vec(item_op(), ops_len())) {
        let mut stack: Stack<u8, SN> = Stack::new();
        let mut model: Vec<u8> = Vec::new();
        for op in ops {
            match op {
                ItemOp::Push(v) => {
                    let r = stack.push(v);
                    if model.len() < SN { model.push(v); prop_assert_eq!(r, Ok(())); }
                    else { prop_assert_eq!(r, Err(v)); }
                }
                ItemOp::Pull => prop_assert_eq!(stack.pull(), model.pop()),
                ItemOp::Clear => { stack.clear(); model.clear(); }
                ItemOp::Drain(k) => {
                    let got: Vec<u8> = stack.drain().take(k).collect();
                    let want: Vec<u8> = (0..k).map_while(|_| model.pop()).collect();
                    prop_assert_eq!(got, want);
                }
                ItemOp::FillFrom(items) => {
                    let mut it = items.iter().copied();
                    let n = stack.fill_from(&mut it);
                    prop_assert_eq!(n, (SN - model.len()).min(items.len()));
                    model.extend(&items[..n]);
                    prop_assert!(it.eq(items[n..].iter().copied()));
                }
            }
            prop_assert_eq!(stack.as_slice(), &model[..]);
            prop_assert_eq!(stack.peek(), model.last());
            prop_assert_eq!((stack.len(), stack.free(), stack.is_full()), (model.len(), SN - model.len(), model.len() == SN));
        }
    }

    #[test]
    fn priority_queue_behaves_like_a_bounded_min_heap(ops in prop::collection::vec(item_op(), ops_len())) {
        let mut pq: PriorityQueue<u8, SN> = PriorityQueue::new();
        let mut model: BinaryHeap<Reverse<u8>> = BinaryHeap::new();
        for op in ops {
            match op {
                ItemOp::Push(v) => {
                    let r = pq.push(v);
                    if model.len() < SN { model.push(Reverse(v)); prop_assert_eq!(r, Ok(())); }
                    else { prop_assert_eq!(r, Err(v)); }
                }
                ItemOp::Pull => prop_assert_eq!(pq.pull(), model.pop().map(|r| r.0)),
                ItemOp::Clear => { pq.clear(); model.clear(); }
                ItemOp::Drain(k) => {
                    let got: Vec<u8> = pq.drain().take(k).collect();
                    let want: Vec<u8> = (0..k).map_while(|_| model.pop().map(|r| r.0)).collect();
                    prop_assert_eq!(got, want);
                }
                ItemOp::FillFrom(items) => {
                    let mut it = items.iter().copied();
                    let n = pq.fill_from(&mut it);
                    prop_assert_eq!(n, (SN - model.len()).min(items.len()));
                    model.extend(items[..n].iter().map(|&v| Reverse(v)));
                    prop_assert!(it.eq(items[n..].iter().copied()));
                }
            }
            prop_assert_eq!(pq.peek(), model.peek().map(|r| &r.0));
            prop_assert_eq!((pq.len(), pq.free(), pq.is_full()), (model.len(), SN - model.len(), model.len() == SN));
            let mut a: Vec<u8> = pq.iter().copied().collect();
            let mut b: Vec<u8> = model.iter().map(|r| r.0).collect();
            a.sort_unstable();
            b.sort_unstable();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn task_deck_counts_like_asyncio(ops in prop::collection::vec(
        prop_oneof![4 => any::<u8>().prop_map(Some), 3 => Just(None)],
        ops_len(),
    ), dones in prop::collection::vec(any::<bool>(), 0..200)) {
        let mut tasks: TaskDeck<u8, SN> = TaskDeck::new();
        let mut model: VecDeque<u8> = VecDeque::new();
        let mut unfinished = 0usize;
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Some(v) => {
                    let r = Queue::push(&mut tasks, v);
                    if model.len() < SN { model.push_back(v); unfinished += 1; prop_assert_eq!(r, Ok(())); }
                    else { prop_assert_eq!(r, Err(v)); }
                }
                None => prop_assert_eq!(Queue::pull(&mut tasks), model.pop_front()),
            }
            if dones.get(i).copied().unwrap_or(false) {
                let r = tasks.task_done();
                if unfinished > 0 { unfinished -= 1; prop_assert_eq!(r, Ok(())); }
                else { prop_assert_eq!(r, Err(Error::Misuse)); }
            }
            prop_assert_eq!(tasks.unfinished(), unfinished);
            prop_assert_eq!(tasks.is_joined(), unfinished == 0);
            prop_assert!(tasks.deck().iter().eq(model.iter()));
            prop_assert_eq!(tasks.free(), SN - model.len());
        }
    }
}

// ------------------------------------------------------------------ Ring

#[derive(Clone, Debug)]
enum RingOp {
    Write(Vec<u8>),
    WriteEvicting(Vec<u8>),
    Read(usize),
    PeekInto(usize),
    Push(u8),
    Pull,
    Consume(usize),
    /// fill the writable slice from the data, commit `n`
    WritableCommit(Vec<u8>, usize),
    /// read the readable slice, consume `n` of it
    ReadableConsume(usize),
    MakeContiguous,
    Clear,
}

fn ring_op() -> impl Strategy<Value = RingOp> {
    let data = || prop::collection::vec(any::<u8>(), 0..12);
    prop_oneof![
        4 => data().prop_map(RingOp::Write),
        1 => data().prop_map(RingOp::WriteEvicting),
        4 => (0usize..12).prop_map(RingOp::Read),
        1 => (0usize..12).prop_map(RingOp::PeekInto),
        2 => any::<u8>().prop_map(RingOp::Push),
        2 => Just(RingOp::Pull),
        1 => (0usize..12).prop_map(RingOp::Consume),
        3 => (data(), 0usize..12).prop_map(|(d, n)| RingOp::WritableCommit(d, n)),
        3 => (0usize..12).prop_map(RingOp::ReadableConsume),
        1 => Just(RingOp::MakeContiguous),
        1 => Just(RingOp::Clear),
    ]
}

const RN: usize = 7;

proptest! {
    #![proptest_config(config())]

    #[test]
    fn ring_behaves_like_a_bounded_byte_vecdeque(ops in prop::collection::vec(ring_op(), ops_len())) {
        let mut ring: Ring<RN> = Ring::new();
        let mut model: VecDeque<u8> = VecDeque::new();
        for op in ops {
            match op {
                RingOp::Write(d) => {
                    let n = ring.write(&d);
                    prop_assert_eq!(n, (RN - model.len()).min(d.len()));
                    model.extend(&d[..n]);
                }
                RingOp::WriteEvicting(d) => {
                    let dropped = ring.write_evicting(&d);
                    model.extend(&d);
                    let over = model.len().saturating_sub(RN);
                    model.drain(..over);
                    prop_assert_eq!(dropped, over);
                }
                RingOp::Read(k) => {
                    let mut out = vec![0xAA; k];
                    let n = ring.read(&mut out);
                    prop_assert_eq!(n, k.min(model.len()));
                    let want: Vec<u8> = model.drain(..n).collect();
                    prop_assert_eq!(&out[..n], &want[..]);
                    prop_assert!(out[n..].iter().all(|&b| b == 0xAA)); // untouched
                }
                RingOp::PeekInto(k) => {
                    let mut out = vec![0; k];
                    let n = ring.peek_into(&mut out);
                    prop_assert_eq!(n, k.min(model.len()));
                    prop_assert!(out[..n].iter().eq(model.iter().take(n)));
                }
                RingOp::Push(b) => {
                    let r = ring.push(b);
                    if model.len() < RN { model.push_back(b); prop_assert_eq!(r, Ok(())); }
                    else { prop_assert_eq!(r, Err(b)); }
                }
                RingOp::Pull => prop_assert_eq!(ring.pull(), model.pop_front()),
                RingOp::Consume(k) => {
                    let n = ring.consume(k);
                    prop_assert_eq!(n, k.min(model.len()));
                    model.drain(..n);
                }
                RingOp::WritableCommit(d, k) => {
                    let free = RN - model.len();
                    let was_empty = model.is_empty();
                    let slot = ring.writable();
                    prop_assert!(slot.len() <= free);
                    prop_assert!(!slot.is_empty() || free == 0);
                    if was_empty { prop_assert_eq!(slot.len(), RN); }
                    let w = slot.len().min(d.len());
                    slot[..w].copy_from_slice(&d[..w]);
                    let lent = slot.to_vec(); // what commit may publish
                    // any k: commit publishes at most the lent slice
                    let n = ring.commit(k);
                    prop_assert_eq!(n, k.min(lent.len()));
                    model.extend(&lent[..n]);
                }
                RingOp::ReadableConsume(k) => {
                    let seen = ring.readable().to_vec();
                    prop_assert!(!seen.is_empty() || model.is_empty());
                    prop_assert!(seen.iter().eq(model.iter().take(seen.len())));
                    let n = ring.consume(k.min(seen.len()));
                    model.drain(..n);
                }
                RingOp::MakeContiguous => {
                    let all = ring.make_contiguous().to_vec();
                    prop_assert!(all.iter().eq(model.iter()));
                    prop_assert_eq!(ring.readable().len(), model.len());
                }
                RingOp::Clear => { ring.clear(); model.clear(); }
            }
            prop_assert_eq!((ring.len(), ring.free(), ring.capacity()), (model.len(), RN - model.len(), RN));
            prop_assert_eq!((ring.is_empty(), ring.is_full()), (model.is_empty(), model.len() == RN));
            prop_assert_eq!(ring.peek(), model.front().copied());
            let (a, b) = ring.as_slices();
            prop_assert!(a.iter().chain(b).eq(model.iter()));
            prop_assert!(ring.iter().eq(model.iter().copied()));
        }
    }
}

#[test]
fn evicting_writes_longer_than_the_ring_keep_its_last_bytes() {
    let mut ring: Ring<4> = Ring::new();
    assert_eq!(ring.write(b"ab"), 2);
    assert_eq!(ring.write_evicting(b"0123456"), 2 + 3);
    assert_eq!(ring.make_contiguous(), b"3456");
    let mut deck: Deck<u8, 1> = Deck::new();
    assert_eq!(deck.push_evicting(1), None);
    assert_eq!(deck.push_evicting(2), Some(1));
    assert_eq!(deck.pull(), Some(2));
}
