//! The serial port device on Windows: a COM port through hio-iocp's
//! completion port. CI runs these under wine (`.ci/steps/60-windows.sh`)
//! on COM5, a Linux pty whose other end echoes every byte back; without
//! `HIO_TEST_COM` the COM tests skip loudly (and fail when `CI` is set).
#![cfg(windows)]
// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

// The COM port setup, shared with hio-iocp's `tests/iocp.rs`.
#[path = "../../iocp/tests/support/com.rs"]
mod support;
use support::com_port;

use std::cell::RefCell;
use std::time::Instant;

use hio::{Doify, Doist, Error, IoKind, Recur, Tock, Tyme};
use hio_iocp::{Ending, Mode, Runner};
use hio_serial::serialport::{DataBits, FlowControl, Parity, StopBits};
use hio_serial::{PortConfig, PortDoer, PortError, SerialPort};

#[test]
fn all_byte_values_echo_through_the_completion_port() {
    let Some(held) = com_port() else { return };
    let name = &held.name;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    // rings smaller than the message: back pressure both ways
    let port: RefCell<SerialPort<128, 128>> = RefCell::new(SerialPort::with_port(
        &runner.port(),
        PortConfig::new(name, 115_200),
    ));
    // every byte value, four times, in an order that is not a count
    let message: Vec<u8> = (0..1024u32).map(|i| (i * 167 + i / 256) as u8).collect();
    let mut counts = [0u32; 256];
    for b in &message {
        counts[usize::from(*b)] += 1;
    }
    assert!(counts.iter().all(|&c| c == 4), "every value four times");
    let sent = std::cell::Cell::new(0usize);
    let got = RefCell::new(Vec::new());
    let stop = runner.stopper();
    let mut service = PortDoer::new("com", &port).fail_on_hangup(true);
    let mut app = Doify::new("app", |_cx, _phase| {
        let mut p = port.borrow_mut();
        if sent.get() < message.len() {
            let n = p.send(&message[sent.get()..]);
            sent.set(sent.get() + n);
        }
        let mut buf = [0u8; 128];
        let n = p.rx_mut().read(&mut buf);
        got.borrow_mut().extend_from_slice(&buf[..n]);
        if got.borrow().len() >= message.len() {
            stop.stop();
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    doist.add(&mut app).unwrap();
    let start = Instant::now();
    let end = runner.run(&mut doist, Some(Tock::from_secs(20)));
    drop(doist);
    let p = port.borrow();
    println!(
        "{name}: {} of {} bytes back in {:?}; sent {}, received {}; {:?}",
        got.borrow().len(),
        message.len(),
        start.elapsed(),
        p.sent(),
        p.received(),
        runner.stats()
    );
    assert_eq!(end, Ok(Ending::Stopped));
    assert_eq!(*got.borrow(), message);
    assert_eq!((p.sent(), p.received()), (1024, 1024));
    assert_eq!(p.error(), None);
    // the doer's exit closed it
    assert!(!p.is_open());
}

#[test]
fn settings_are_applied_and_read_back() {
    let Some(held) = com_port() else { return };
    let name = &held.name;
    let runner = Runner::new().unwrap();
    for (baud, stop_bits, flow_control) in [
        (9600, StopBits::Two, FlowControl::Hardware),
        (57_600, StopBits::One, FlowControl::Software),
        (115_200, StopBits::Two, FlowControl::None),
    ] {
        let config = PortConfig::new(name, baud)
            .data_bits(DataBits::Seven)
            .parity(Parity::Even)
            .stop_bits(stop_bits)
            .flow_control(flow_control);
        let mut port: SerialPort = SerialPort::with_port(&runner.port(), config);
        assert_eq!(port.settings(), Err(Error::Closed));
        port.open(Tyme::ZERO).unwrap();
        let s = port.settings().unwrap();
        println!("{name}: asked {baud} 7E{stop_bits:?} {flow_control:?}, reads back {s:?}");
        assert_eq!(
            (s.baud, s.stop_bits, s.flow_control),
            (baud, stop_bits, flow_control)
        );
        // wine reads the line back from the Linux pty's termios, and a
        // Linux pty always reports 8 data bits and no parity
        assert_eq!((s.data_bits, s.parity), (DataBits::Eight, Parity::None));
        port.close();
        assert_eq!(port.settings(), Err(Error::Closed));
    }
    // leave COM5 at 115200 8N1 for the next program: the pty keeps its
    // settings between programs, and wine then failed hio-iocp's first
    // SetCommState (9600 7E2) on a pty left at 115200 with two stop bits
    // (`set_line_control tcsetattr error 'Invalid argument'`, 7 runs of 8)
    let mut port: SerialPort =
        SerialPort::with_port(&runner.port(), PortConfig::new(name, 115_200));
    port.open(Tyme::ZERO).unwrap();
    assert_eq!(port.settings().unwrap().stop_bits, StopBits::One);
}

#[test]
fn a_missing_port_is_a_clear_error() {
    let runner = Runner::new().unwrap();
    // without reopen: the doer's enter fails with NotFound
    let port: RefCell<SerialPort> = RefCell::new(SerialPort::with_port(
        &runner.port(),
        PortConfig::new("COM219", 9600),
    ));
    let mut service = PortDoer::new("com", &port);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    assert_eq!(doist.enter(), Err(Error::Io(IoKind::NotFound)));
    doist.exit();
    drop(doist);
    assert_eq!(
        port.borrow().error(),
        Some(PortError::Open(IoKind::NotFound))
    );
    assert!(!port.borrow().is_open());

    // with reopen: the doer goes on, retrying every 20 ms
    let mut runner = Runner::new().unwrap();
    let port: RefCell<SerialPort> = RefCell::new(SerialPort::with_port(
        &runner.port(),
        PortConfig::new("COM219", 9600).reopen(Some(Tock::from_millis(20))),
    ));
    let mut service = PortDoer::new("com", &port);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_millis(200)));
    drop(doist);
    let p = port.borrow();
    assert_eq!(end, Ok(Ending::Limit));
    assert_eq!(p.error(), Some(PortError::Open(IoKind::NotFound)));
    // at 0, 20, ..., 180 ms
    assert_eq!(p.attempts(), 10, "{p:?}");
    assert_eq!(p.opens(), 0);
}
