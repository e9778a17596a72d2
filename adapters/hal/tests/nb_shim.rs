//! The embedded-hal-nb shim and the duplex join.

use core::cell::RefCell;

use embedded_hal_nb::serial::ErrorKind as NbKind;
use embedded_io::{ErrorKind, Read, ReadReady, Write, WriteReady};
use hio::{Error, IoKind, Ring};
use hio_hal::sim::{SimNb, SimUart};
use hio_hal::{Duplex, NbError, NbSerial, OnError, UartDoer, io_kind};

type Port = NbSerial<SimNb<8, 4>>;

fn port() -> Port {
    NbSerial::new(SimNb::new(SimUart::new()))
}

#[test]
fn read_ready_holds_one_byte_and_read_hands_it_out_first() {
    let mut p = port();
    assert!(!p.read_ready().unwrap());
    assert_eq!(p.inner().uart.inject(b"xyz"), 3);
    assert!(p.read_ready().unwrap());
    assert_eq!(
        p.inner().uart.rx_waiting(),
        2,
        "one byte is held by the shim"
    );
    assert!(p.read_ready().unwrap(), "asking again changes nothing");
    let mut buf = [0u8; 2];
    assert_eq!(p.read(&mut buf).unwrap(), 2);
    assert_eq!(&buf, b"xy");
    let mut buf = [0u8; 8];
    assert_eq!(p.read(&mut buf).unwrap(), 1);
    assert_eq!(buf[0], b'z');
    let (_, rx_held, tx_held) = p.into_parts();
    assert_eq!((rx_held, tx_held), (None, None));
}

#[test]
fn a_read_error_after_some_bytes_comes_next() {
    let mut p = port();
    assert_eq!(p.inner().uart.inject(b"a"), 1);
    assert!(p.read_ready().unwrap());
    p.inner().fail_read(NbKind::Parity);
    let mut buf = [0u8; 4];
    assert_eq!(
        p.read(&mut buf).unwrap(),
        1,
        "the byte read before the error"
    );
    let e = p.read_ready().unwrap_err();
    assert_eq!(e, NbError(NbKind::Parity));
    assert_eq!(e.io_kind(), IoKind::InvalidData);
    assert_eq!(embedded_io::Error::kind(&e), ErrorKind::InvalidData);
    assert!(!p.read_ready().unwrap(), "reported once");
}

#[test]
fn error_kinds_map() {
    assert_eq!(NbError(NbKind::Overrun).io_kind(), IoKind::Overrun);
    assert_eq!(NbError(NbKind::Noise).io_kind(), IoKind::InvalidData);
    assert_eq!(NbError(NbKind::FrameFormat).io_kind(), IoKind::InvalidData);
    assert_eq!(NbError(NbKind::Other).io_kind(), IoKind::Other);
    assert_eq!(
        embedded_io::Error::kind(&NbError(NbKind::Overrun)),
        ErrorKind::Other
    );
    assert_eq!(io_kind(ErrorKind::ConnectionReset), IoKind::ConnectionReset);
    assert_eq!(io_kind(ErrorKind::AlreadyExists), IoKind::Other);
}

#[test]
fn write_takes_what_fits_and_holds_one_byte_when_full() {
    let mut p = port(); // 4-byte transmit FIFO
    assert!(p.write_ready().unwrap());
    assert_eq!(p.write(b"abcdef").unwrap(), 4);
    assert!(p.write_ready().unwrap(), "nothing held");
    assert_eq!(p.write(b"ef").unwrap(), 1, "e is held");
    assert!(!p.write_ready().unwrap());
    let mut out = [0u8; 8];
    assert_eq!(p.inner().uart.take_sent(&mut out), 4);
    assert_eq!(&out[..4], b"abcd");
    assert!(p.write_ready().unwrap(), "e went out");
    assert_eq!(p.write(b"f").unwrap(), 1);
    p.flush().unwrap();
    assert_eq!(p.inner().uart.take_sent(&mut out), 2);
    assert_eq!(&out[..2], b"ef");
    assert_eq!(p.write(b"").unwrap(), 0);
}

#[test]
fn a_write_error_after_some_bytes_comes_next() {
    let mut p = port();
    assert_eq!(p.write(b"ab").unwrap(), 2);
    p.inner().fail_write(NbKind::Other);
    assert_eq!(p.write(b"cd").unwrap_err(), NbError(NbKind::Other));
    // an error after some bytes: the count first, the error next
    let mut q = port();
    assert_eq!(q.write(b"a").unwrap(), 1);
    let mut q2 = NbSerial::new(FailSecond::default());
    assert_eq!(q2.write(b"xy").unwrap(), 1);
    assert_eq!(q2.write_ready().unwrap_err(), NbError(NbKind::Noise));
    assert!(q2.write_ready().unwrap());
}

/// An nb writer that fails on its second byte.
#[derive(Default)]
struct FailSecond(u32);
impl embedded_hal_nb::serial::ErrorType for FailSecond {
    type Error = NbKind;
}
impl embedded_hal_nb::serial::Write<u8> for FailSecond {
    fn write(&mut self, _: u8) -> nb::Result<(), NbKind> {
        self.0 += 1;
        if self.0 == 2 {
            Err(nb::Error::Other(NbKind::Noise))
        } else {
            Ok(())
        }
    }
    fn flush(&mut self) -> nb::Result<(), NbKind> {
        Ok(())
    }
}

#[test]
fn the_service_doer_runs_on_the_shim_and_keeps_overruns_apart() {
    let rx: RefCell<Ring<64>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<64>> = RefCell::new(Ring::new());
    let mut p: NbSerial<SimNb<64, 8>> = NbSerial::new(SimNb::new(SimUart::new()));
    let data: Vec<u8> = (0u8..=255).collect();
    let mut echoed = Vec::new();
    {
        let mut service = UartDoer::new("uart", &mut p, &rx, &tx)
            .with_error_map(NbError::io_kind)
            .with_policy(OnError::Count);
        let mut fed = 0;
        let mut rounds = 0;
        while echoed.len() < data.len() {
            rounds += 1;
            assert!(rounds < 10_000);
            fed += service
                .device()
                .inner()
                .uart
                .inject(&data[fed..(fed + 7).min(256)]);
            service.service().unwrap();
            {
                let (mut rx, mut tx) = (rx.borrow_mut(), tx.borrow_mut());
                let n = tx.write(rx.readable());
                rx.consume(n);
            }
            let mut out = [0u8; 16];
            let n = service.device().inner().uart.take_sent(&mut out);
            echoed.extend_from_slice(&out[..n]);
        }
        service.device().inner().fail_read(NbKind::Overrun);
        service.device().inner().uart.inject(b"!");
        service.service().unwrap();
        assert_eq!(service.stats().last_error, Some(IoKind::Overrun));
        assert_eq!(service.stats().errors, 1);
    }
    assert_eq!(echoed, data);
}

#[test]
fn duplex_joins_two_halves() {
    let rx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let tx: RefCell<Ring<8>> = RefCell::new(Ring::new());
    let mut input: SimUart<8, 1> = SimUart::new();
    let output: SimUart<1, 8> = SimUart::new();
    assert_eq!(input.inject(b"in"), 2);
    assert_eq!(tx.borrow_mut().write(b"out"), 3);
    let mut service = UartDoer::new("uart", Duplex::new(input, output), &rx, &tx);
    let moved = service.service().unwrap();
    assert_eq!((moved.read, moved.written), (2, 3));
    assert_eq!(service.device().tx.tx_waiting(), 3);
    service.device().tx.fail_write(ErrorKind::BrokenPipe);
    assert_eq!(tx.borrow_mut().write(b"x"), 1);
    assert_eq!(service.service(), Err(Error::Io(IoKind::BrokenPipe)));
    service.device().rx.fail_ready(ErrorKind::NotConnected);
    let e = service.device().read_ready().unwrap_err();
    assert_eq!(e.to_string(), "rx: NotConnected");
}
