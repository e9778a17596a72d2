//! The interrupt-fed receive path: overrun counting, back pressure up to
//! the queue, and a real concurrent producer.

use core::cell::RefCell;

use hio::{Cx, Doer, Error, IoKind, Ring, Tyme};
use hio_hal::sim::SimUart;
use hio_hal::{IrqRx, IrqUartDoer, OnError};

#[test]
fn overruns_are_counted_and_abort_by_default() {
    let mut queue: IrqRx<4> = IrqRx::new();
    let (mut isr, drain) = queue.split();
    let rx: RefCell<Ring<16>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<16>> = RefCell::new(Ring::new());
    let mut service = IrqUartDoer::new("uart", drain, SimUart::<1, 16>::new(), &rx, &tx);
    assert!(isr.push(b'a'));
    assert_eq!(service.service().unwrap().read, 1);
    for &b in b"bcdefg" {
        isr.push(b);
    }
    isr.note_overrun(); // the hardware lost one too
    let mut cx = Cx::detached(Tyme::ZERO);
    assert_eq!(service.recur(&mut cx), Err(Error::Io(IoKind::Overrun)));
    assert_eq!(service.stats().overruns, 3);
    assert_eq!(rx.borrow().readable(), b"abcde", "drained before failing");
}

#[test]
fn counted_overruns_go_on_and_are_reported_once() {
    let mut queue: IrqRx<2> = IrqRx::new();
    let (mut isr, drain) = queue.split();
    let rx: RefCell<Ring<16>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<16>> = RefCell::new(Ring::new());
    let mut service = IrqUartDoer::new("uart", drain, SimUart::<1, 16>::new(), &rx, &tx)
        .with_policy(OnError::Count);
    for &b in b"xyz" {
        isr.push(b);
    }
    assert_eq!(service.service().unwrap().read, 2);
    assert_eq!(service.stats().overruns, 1);
    assert_eq!(service.stats().errors, 1);
    assert_eq!(service.stats().last_error, Some(IoKind::Overrun));
    assert_eq!(service.service().unwrap().read, 0);
    assert_eq!(service.stats().overruns, 1, "not counted twice");
}

#[test]
fn a_full_rx_ring_pushes_back_into_the_queue() {
    let mut queue: IrqRx<8> = IrqRx::new();
    let (mut isr, drain) = queue.split();
    let rx: RefCell<Ring<4>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<4>> = RefCell::new(Ring::new());
    let mut service = IrqUartDoer::new("uart", drain, SimUart::<1, 4>::new(), &rx, &tx);
    for b in 0u8..8 {
        assert!(isr.push(b));
    }
    assert_eq!(service.service().unwrap().read, 4);
    assert_eq!(service.stats().rx_full, 1);
    assert_eq!(isr.free(), 4, "the rest waits in the queue");
    let mut got = [0u8; 8];
    assert_eq!(rx.borrow_mut().read(&mut got[..3]), 3);
    // the rx ring's free space now wraps: both parts are filled
    assert_eq!(service.service().unwrap().read, 3);
    assert_eq!(rx.borrow_mut().read(&mut got[3..]), 4);
    assert_eq!(service.service().unwrap().read, 1);
    assert_eq!(rx.borrow_mut().read(&mut got[7..]), 1);
    assert_eq!(got, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(service.stats().overruns, 0);
}

#[test]
fn tx_goes_to_the_device() {
    let mut queue: IrqRx<2> = IrqRx::new();
    let (_isr, drain) = queue.split();
    let rx: RefCell<Ring<4>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut service = IrqUartDoer::new("uart", drain, SimUart::<1, 3>::new(), &rx, &tx);
    assert_eq!(tx.borrow_mut().write(b"hello"), 5);
    assert_eq!(service.service().unwrap().written, 3);
    let mut out = [0u8; 8];
    assert_eq!(service.device().take_sent(&mut out), 3);
    assert_eq!(service.drain(), Ok(2));
    service
        .device()
        .fail_write(embedded_io::ErrorKind::TimedOut);
    assert_eq!(tx.borrow_mut().write(b"!"), 1);
    assert_eq!(service.service(), Err(Error::Io(IoKind::TimedOut)));
}

#[test]
fn a_concurrent_producer_loses_nothing_it_does_not_count() {
    // the producer runs on another thread, as an interrupt handler would
    const SENT: u32 = 200_000;
    let mut queue: IrqRx<64> = IrqRx::new();
    let (mut isr, drain) = queue.split();
    let rx: RefCell<Ring<128>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<4>> = RefCell::new(Ring::new());
    let mut service = IrqUartDoer::new("uart", drain, SimUart::<1, 4>::new(), &rx, &tx)
        .with_policy(OnError::Count);
    let mut received: Vec<u8> = Vec::new();
    std::thread::scope(|s| {
        let producer = s.spawn(move || {
            let mut pushed = 0u32;
            for i in 0..SENT {
                if isr.push(i as u8) {
                    pushed += 1;
                }
            }
            pushed
        });
        loop {
            let finished = producer.is_finished();
            service.service().unwrap();
            let mut rx = rx.borrow_mut();
            received.extend_from_slice(rx.readable());
            let n = rx.readable().len();
            rx.consume(n);
            received.extend_from_slice(rx.readable());
            let n = rx.readable().len();
            rx.consume(n);
            // once the producer was done before this step, the step saw
            // everything it pushed
            if finished && rx.is_empty() {
                break;
            }
        }
        let pushed = producer.join().unwrap();
        let left = rx.borrow().len();
        assert_eq!(received.len() + left, pushed as usize);
    });
    received.extend(rx.borrow().iter());
    let stats = service.stats();
    assert_eq!(received.len() as u32 + stats.overruns, SENT);
    // what arrived is in order: each byte is a later counter value
    let mut last: Option<u8> = None;
    let mut gaps = 0u32;
    for &b in &received {
        if let Some(l) = last
            && b != l.wrapping_add(1)
        {
            gaps += 1;
        }
        last = Some(b);
    }
    assert!(gaps <= stats.overruns);
}
