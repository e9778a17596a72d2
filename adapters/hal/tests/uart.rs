//! The polled UART service doer against the in-memory UART: echo through
//! the rings, back pressure, short transfers, errors, end of file.

use core::cell::RefCell;

use embedded_io::ErrorKind;
use hio::{Cx, DoDoer, Doer, Doist, Error, IoKind, Recur, Ring, Tock, Tyme};
use hio_hal::sim::SimUart;
use hio_hal::{OnError, UartDoer};

/// Copies rx to tx as far as tx has room.
struct Echo<'a, const R: usize, const T: usize> {
    rx: &'a RefCell<Ring<R>>,
    tx: &'a RefCell<Ring<T>>,
}

impl<const R: usize, const T: usize> Doer for Echo<'_, R, T> {
    fn name(&self) -> &'static str {
        "echo"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let (mut rx, mut tx) = (self.rx.borrow_mut(), self.tx.borrow_mut());
        loop {
            let n = tx.write(rx.readable());
            if n == 0 {
                break;
            }
            rx.consume(n);
        }
        Ok(Recur::NEXT)
    }
}

/// A small deterministic generator (xorshift32).
struct Rng(u32);
impl Rng {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

fn cx() -> Cx<'static, hio::Detached> {
    Cx::detached(Tyme::ZERO)
}

#[test]
fn echo_through_the_rings_loses_nothing() {
    let rx: RefCell<Ring<16>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<32, 4> = SimUart::new();
    uart.set_chunk(3);
    let mut rng = Rng(0x1234_5678);
    let input: Vec<u8> = (0..5000).map(|_| rng.next() as u8).collect();
    let mut output = Vec::new();
    let mut fed = 0;
    let mut passes = 0;
    {
        let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
        let mut echo = Echo { rx: &rx, tx: &tx };
        while output.len() < input.len() {
            passes += 1;
            assert!(passes < 100_000, "echo stalled");
            // the line delivers a random amount; the device FIFO takes what fits
            let burst = (rng.next() % 12) as usize;
            let end = (fed + burst).min(input.len());
            fed += service.device().inject(&input[fed..end]);
            service.recur(&mut cx()).unwrap();
            echo.recur(&mut cx()).unwrap();
            // the far end drains at its own pace
            let mut out = [0u8; 5];
            let n = service.device().take_sent(&mut out);
            output.extend_from_slice(&out[..n]);
        }
        let stats = service.stats();
        assert_eq!(stats.rx_bytes as usize, input.len());
        assert_eq!(stats.tx_bytes as usize, input.len());
        assert_eq!(stats.errors, 0);
    }
    assert_eq!(output, input);
}

#[test]
fn echo_in_a_tree_of_doers() {
    let rx: RefCell<Ring<64>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<64>> = RefCell::new(Ring::new());
    let mut uart: SimUart<64, 64> = SimUart::new();
    assert_eq!(uart.inject(b"hello hio\n"), 10);
    {
        let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
        let mut echo = Echo { rx: &rx, tx: &tx };
        let mut io: DoDoer<'_, 2> = DoDoer::new("io", Tock::ZERO);
        io.add(&mut service).unwrap();
        io.add(&mut echo).unwrap();
        let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
        doist.add(&mut io).unwrap();
        assert_eq!(doist.run(Some(Tock::from_millis(50))), Ok(false));
    }
    let mut out = [0u8; 16];
    let n = uart.take_sent(&mut out);
    assert_eq!(&out[..n], b"hello hio\n");
}

#[test]
fn back_pressure_when_rx_is_full_then_resumes() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<32, 8> = SimUart::new();
    let input: Vec<u8> = (0u8..20).collect();
    assert_eq!(uart.inject(&input), 20);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);

    let moved = service.service().unwrap();
    assert_eq!(moved.read, 8);
    assert!(rx.borrow().is_full());
    assert_eq!(
        service.device().rx_waiting(),
        12,
        "the rest stays in the device"
    );
    assert_eq!(service.stats().rx_full, 1);

    // full: another pass reads nothing and loses nothing
    assert_eq!(service.service().unwrap().read, 0);
    assert_eq!(service.device().rx_waiting(), 12);
    assert_eq!(service.stats().rx_full, 2);

    // an application drains 5: reading resumes with exactly those 5
    let mut got = [0u8; 20];
    assert_eq!(rx.borrow_mut().read(&mut got[..5]), 5);
    assert_eq!(service.service().unwrap().read, 5);
    assert_eq!(service.device().rx_waiting(), 7);
    // drain everything in turns; the order is kept across the wrap
    let mut n = 5;
    while n < 20 {
        n += rx.borrow_mut().read(&mut got[n..]);
        service.service().unwrap();
    }
    assert_eq!(&got[..], &input[..]);
    assert_eq!(service.stats().rx_bytes, 20);
}

#[test]
fn short_reads_are_repeated_within_a_step() {
    let rx: RefCell<Ring<32>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<32, 8> = SimUart::new();
    uart.set_chunk(1);
    assert_eq!(uart.inject(b"abcdefghij"), 10);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
    assert_eq!(service.service().unwrap().read, 10);
    assert_eq!(service.device().reads, 10);
    assert_eq!(rx.borrow().readable(), b"abcdefghij");
}

#[test]
fn partial_writes_keep_the_rest_in_tx() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<16>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 4> = SimUart::new();
    uart.set_chunk(3);
    assert_eq!(tx.borrow_mut().write(b"0123456789"), 10);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
    // 3 then 1 (the device FIFO holds 4), then not ready
    assert_eq!(service.service().unwrap().written, 4);
    assert_eq!(service.device().writes, 2);
    assert_eq!(tx.borrow().len(), 6);
    let mut sent = Vec::new();
    while sent.len() < 10 {
        let mut out = [0u8; 2];
        let n = service.device().take_sent(&mut out);
        sent.extend_from_slice(&out[..n]);
        service.service().unwrap();
    }
    assert_eq!(sent, b"0123456789");
    assert!(tx.borrow().is_empty());
    assert_eq!(service.stats().tx_bytes, 10);
}

#[test]
fn a_device_error_aborts_by_default() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    uart.fail_read(ErrorKind::InvalidData);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
    assert_eq!(
        service.recur(&mut cx()),
        Err(Error::Io(IoKind::InvalidData))
    );
    assert_eq!(service.stats().last_error, Some(IoKind::InvalidData));
    assert_eq!(service.stats().errors, 0);
}

#[test]
fn a_device_error_travels_up_the_tree() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    assert_eq!(tx.borrow_mut().write(b"x"), 1);
    uart.fail_write(ErrorKind::BrokenPipe);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
    let mut io: DoDoer<'_, 1> = DoDoer::new("io", Tock::ZERO);
    io.add(&mut service).unwrap();
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
    doist.add(&mut io).unwrap();
    assert_eq!(
        doist.run(Some(Tock::from_secs(1))),
        Err(Error::Io(IoKind::BrokenPipe))
    );
}

#[test]
fn counted_errors_go_on() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    assert_eq!(uart.inject(b"ok"), 2);
    assert_eq!(tx.borrow_mut().write(b"yes"), 3);
    uart.fail_read(ErrorKind::InvalidData);
    uart.fail_write(ErrorKind::TimedOut);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx).with_policy(OnError::Count);
    let moved = service.service().unwrap();
    assert_eq!((moved.read, moved.written), (0, 0));
    assert_eq!(service.stats().errors, 2);
    assert_eq!(service.stats().last_error, Some(IoKind::TimedOut));
    // the next pass works normally
    let moved = service.service().unwrap();
    assert_eq!((moved.read, moved.written), (2, 3));
    // a failing readiness query is counted too
    service.device().fail_ready(ErrorKind::Interrupted);
    service.service().unwrap();
    assert_eq!(service.stats().errors, 3);
    assert_eq!(service.stats().last_error, Some(IoKind::Interrupted));
}

#[test]
fn errors_map_through_a_custom_map() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    uart.fail_read(ErrorKind::Other);
    let mut service =
        UartDoer::new("uart", &mut uart, &rx, &tx).with_error_map(|_| IoKind::Overrun);
    assert_eq!(service.service(), Err(Error::Io(IoKind::Overrun)));
}

#[test]
fn end_of_file_stops_reading_but_not_writing() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    assert_eq!(uart.inject(b"last"), 4);
    uart.set_eof(true);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
    assert_eq!(service.service().unwrap().read, 4);
    assert!(service.is_eof());
    let reads = service.device().reads;
    assert_eq!(tx.borrow_mut().write(b"bye"), 3);
    assert_eq!(service.service().unwrap().written, 3);
    assert_eq!(service.device().reads, reads, "no reads after end of file");
}

#[test]
fn a_ring_borrowed_across_a_step_is_misuse() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx);
    let held = rx.borrow();
    assert_eq!(service.service(), Err(Error::Misuse));
    drop(held);
    assert!(service.service().is_ok());
}

#[test]
fn drain_flushes_without_reading() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut uart: SimUart<8, 8> = SimUart::new();
    assert_eq!(uart.inject(b"in"), 2);
    assert_eq!(tx.borrow_mut().write(b"out"), 3);
    let mut service = UartDoer::new("uart", &mut uart, &rx, &tx).with_tock(Tock::from_millis(5));
    assert_eq!(service.drain(), Ok(3));
    assert_eq!(service.device().rx_waiting(), 2);
    assert_eq!(
        service.recur(&mut cx()),
        Ok(Recur::Again(Tock::from_millis(5)))
    );
    let uart = service.into_inner();
    assert_eq!(uart.tx_waiting(), 3);
}
