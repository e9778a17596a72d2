//! The serial port device against pseudo-terminal pairs made inside the
//! test (no external program): all byte values both ways, a large transfer
//! under back pressure, settings, a port that vanishes and comes back at
//! the same path (a symlink the test controls), a bad path.
#![cfg(unix)]
// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hio::{Cx, Doer, Doist, Error, IoKind, Recur, Tock, Tyme};
use hio_mio::{Ending, Mode, Runner, Stopper};
use hio_serial::serialport::{DataBits, FlowControl, Parity, SerialPort as _, StopBits, TTYPort};
use hio_serial::{PortConfig, PortDoer, PortError, SerialPort};

/// A pty pair: the test's end (master) and the path of the other end.
fn pair() -> (TTYPort, TTYPort, PathBuf) {
    let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = PathBuf::from(slave.name().expect("the pty has a name"));
    (master, slave, path)
}

/// A directory of the test's own, for symlinks.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hio-serial-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Steps `doist` (polled device) until `done` or 10 s pass.
fn step_until<const N: usize>(doist: &mut Doist<'_, N>, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < end, "timed out");
        doist.recur().unwrap();
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn all_byte_values_pass_both_ways_polled() {
    let (mut master, _slave, path) = pair();
    let port: RefCell<SerialPort<512, 512>> =
        RefCell::new(SerialPort::polled(PortConfig::new(&path, 115_200)));
    let mut service = PortDoer::new("port", &port);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    doist.enter().unwrap();
    let all: Vec<u8> = (0..=255u8).collect();

    // device -> test
    assert_eq!(port.borrow_mut().send(&all), 256);
    step_until(&mut doist, || port.borrow().tx().is_empty());
    let mut got = vec![0u8; 256];
    master.set_timeout(Duration::from_secs(5)).unwrap();
    master.read_exact(&mut got).unwrap();
    assert_eq!(got, all, "device to test");

    // test -> device
    master.write_all(&all).unwrap();
    step_until(&mut doist, || port.borrow().rx().len() == 256);
    let mut back = vec![0u8; 256];
    assert_eq!(port.borrow_mut().rx_mut().read(&mut back), 256);
    assert_eq!(back, all, "test to device");
    assert_eq!((port.borrow().sent(), port.borrow().received()), (256, 256));
    doist.exit();
    assert!(!port.borrow().is_open());
}

/// Sends `total` bytes of a pattern from a thread into the master while the
/// device (rx of 64 bytes, read by a slow consumer) takes them under the
/// runner; checks count and checksum.
#[test]
fn large_transfer_with_back_pressure_loses_nothing() {
    const TOTAL: usize = 1 << 20;
    let (master, _slave, path) = pair();
    let pattern = |i: usize| (i.wrapping_mul(31) ^ (i >> 8)) as u8;
    let mut writer = master.try_clone_native().unwrap();
    let sender = std::thread::spawn(move || {
        let data: Vec<u8> = (0..TOTAL).map(pattern).collect();
        for chunk in data.chunks(4096) {
            writer.write_all(chunk).unwrap();
        }
        writer
    });

    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let port: RefCell<SerialPort<64, 64>> =
        RefCell::new(SerialPort::with_io(&io, PortConfig::new(&path, 1_000_000)));
    let mut service = PortDoer::new("port", &port);

    struct Sink<'a> {
        port: &'a RefCell<SerialPort<64, 64>>,
        got: usize,
        sum: u64,
        mismatches: usize,
        max_fill: usize,
        stop: Stopper,
    }
    impl Doer for Sink<'_> {
        fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
            let mut p = self.port.borrow_mut();
            self.max_fill = self.max_fill.max(p.rx().len());
            // slow consumer: at most 48 bytes a pass
            for _ in 0..48 {
                let Some(b) = p.rx_mut().pull() else { break };
                let want = (self.got.wrapping_mul(31) ^ (self.got >> 8)) as u8;
                self.mismatches += usize::from(b != want);
                self.sum = self.sum.wrapping_mul(131).wrapping_add(u64::from(b));
                self.got += 1;
            }
            if self.got == TOTAL {
                self.stop.stop();
            }
            Ok(Recur::NEXT)
        }
    }
    let mut sink = Sink {
        port: &port,
        got: 0,
        sum: 0,
        mismatches: 0,
        max_fill: 0,
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    doist.add(&mut sink).unwrap();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(120))).unwrap();
    sender.join().unwrap();
    let expected = (0..TOTAL).fold(0u64, |s, i| {
        s.wrapping_mul(131).wrapping_add(u64::from(pattern(i)))
    });
    eprintln!(
        "large transfer: {} bytes, max rx fill {}/64, runner {:?}",
        sink.got,
        sink.max_fill,
        runner.stats()
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!(sink.got, TOTAL);
    assert_eq!(sink.mismatches, 0);
    assert_eq!(sink.sum, expected, "checksum");
    assert_eq!(
        sink.max_fill, 64,
        "rx filled up: back pressure was exercised"
    );
    assert_eq!(port.borrow().received(), TOTAL as u64);
}

#[test]
fn settings_are_applied_and_read_back() {
    let (_master, _slave, path) = pair();
    for baud in [9600, 115_200, 1_000_000] {
        let config = PortConfig::new(&path, baud)
            .stop_bits(StopBits::Two)
            .flow_control(FlowControl::Hardware)
            .parity(Parity::Even)
            .data_bits(DataBits::Seven);
        let port: RefCell<SerialPort> = RefCell::new(SerialPort::polled(config));
        assert_eq!(port.borrow().settings(), Err(Error::Closed));
        port.borrow_mut().open(Tyme::ZERO).unwrap();
        let s = port.borrow().settings().unwrap();
        assert_eq!(s.baud, baud);
        assert_eq!(s.stop_bits, StopBits::Two);
        assert_eq!(s.flow_control, FlowControl::Hardware);
        if cfg!(target_os = "linux") {
            // a Linux pty always reports 8 data bits and no parity
            assert_eq!((s.data_bits, s.parity), (DataBits::Eight, Parity::None));
        } else {
            assert_eq!((s.data_bits, s.parity), (DataBits::Seven, Parity::Even));
        }
    }
}

#[test]
fn a_bad_path_is_a_clear_error() {
    let path = scratch("bad").join("no-such-tty");
    // without reopen: the doer's enter fails with NotFound
    let port: RefCell<SerialPort> = RefCell::new(SerialPort::polled(PortConfig::new(&path, 9600)));
    let mut service = PortDoer::new("port", &port);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    assert_eq!(doist.enter(), Err(Error::Io(IoKind::NotFound)));
    doist.exit();
    assert_eq!(
        port.borrow().error(),
        Some(PortError::Open(IoKind::NotFound))
    );
    assert!(!port.borrow().is_open());

    // a path that is no tty at all
    let file = scratch("notatty").join("plain");
    std::fs::write(&file, b"x").unwrap();
    let mut p: SerialPort = SerialPort::polled(PortConfig::new(&file, 9600));
    let e = p.open(Tyme::ZERO).unwrap_err();
    assert!(
        matches!(p.error(), Some(PortError::Open(_))),
        "{e:?} {:?}",
        p.error()
    );
}

/// The device opens a symlink the test controls. The pty goes away (its
/// master closes, the pts node disappears): the device reports a hang-up
/// and keeps retrying every 20 ms (NotFound while the link dangles); when
/// the link points at a new pty, it reopens and bytes flow again.
#[test]
fn a_vanished_port_is_reopened_at_the_same_path() {
    let dir = scratch("vanish");
    let link = dir.join("ttyHIO");
    let (master, slave, path) = pair();
    std::os::unix::fs::symlink(&path, &link).unwrap();
    drop(slave);

    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let config = PortConfig::new(&link, 115_200).reopen(Some(Tock::from_millis(20)));
    let port: RefCell<SerialPort> = RefCell::new(SerialPort::with_io(&io, config));
    let mut service = PortDoer::new("port", &port);

    #[derive(Debug, PartialEq)]
    enum Phase {
        First,
        Vanished,
        Back,
    }
    struct Script<'a> {
        port: &'a RefCell<SerialPort>,
        master: Option<TTYPort>,
        link: PathBuf,
        phase: Phase,
        seen: Vec<Option<PortError>>,
        dangling_since: Option<Tyme>,
        wrote: bool,
        stop: Stopper,
    }
    impl Doer for Script<'_> {
        fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
            let mut p = self.port.borrow_mut();
            let e = p.error();
            if let Some(at) = p.reopen_at() {
                // the service ran first in this pass: an expired timer
                // would have been acted on, a new one is one delay ahead
                assert!(at > cx.tyme() && at.since(cx.tyme()) <= Tock::from_millis(20));
            }
            if self.seen.last() != Some(&e) {
                self.seen.push(e);
            }
            match self.phase {
                Phase::First => {
                    // the master refuses writes (POLLHUP) until a slave is open
                    if !self.wrote && p.is_open() {
                        self.master.as_mut().unwrap().write_all(b"first").unwrap();
                        self.wrote = true;
                    }
                    if p.rx().len() == 5 {
                        assert!(p.rx().iter().eq(b"first".iter().copied()));
                        p.rx_mut().clear();
                        // the port vanishes
                        self.master = None;
                        self.phase = Phase::Vanished;
                        self.dangling_since = Some(cx.tyme());
                    }
                }
                Phase::Vanished => {
                    // after 200 ms of failed reopens, a new port appears
                    if cx.tyme().since(self.dangling_since.unwrap()) >= Tock::from_millis(200)
                        && self.master.is_none()
                    {
                        let (m, s, path) = pair();
                        std::fs::remove_file(&self.link).unwrap();
                        std::os::unix::fs::symlink(&path, &self.link).unwrap();
                        drop(s);
                        self.master = Some(m);
                    }
                    if let Some(m) = self.master.as_mut().filter(|_| p.is_open()) {
                        self.phase = Phase::Back;
                        m.write_all(b"again").unwrap();
                    }
                }
                Phase::Back => {
                    if p.rx().len() == 5 {
                        assert!(p.rx().iter().eq(b"again".iter().copied()));
                        self.stop.stop();
                    }
                }
            }
            Ok(Recur::NEXT)
        }
    }
    let mut script = Script {
        port: &port,
        master: Some(master),
        link: link.clone(),
        phase: Phase::First,
        seen: Vec::new(),
        dangling_since: None,
        wrote: false,
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(5));
    doist.add(&mut service).unwrap();
    doist.add(&mut script).unwrap();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(20))).unwrap();
    eprintln!(
        "vanish: errors seen {:?}, attempts {}, opens {}",
        script.seen,
        port.borrow().attempts(),
        port.borrow().opens()
    );
    assert_eq!(ending, Ending::Stopped, "phase {:?}", script.phase);
    assert_eq!(script.phase, Phase::Back);
    assert_eq!(script.seen.first(), Some(&None));
    assert_eq!(
        script.seen.get(1),
        Some(&Some(PortError::Hangup)),
        "{:?}",
        script.seen
    );
    if cfg!(target_os = "linux") {
        // Linux removes /dev/pts/N with its pty: the link dangles
        assert!(
            script
                .seen
                .contains(&Some(PortError::Open(IoKind::NotFound))),
            "reopen failed while the link dangled: {:?}",
            script.seen
        );
    }
    assert_eq!(script.seen.last(), Some(&None), "open again");
    assert_eq!(port.borrow().opens(), 2);
    assert!(port.borrow().attempts() >= 4, "retried on the timer");
}

/// Without reopen, a port whose other side closes is closed with
/// `Hangup` in its state; with `fail_on_hangup` the doer aborts with it.
#[test]
fn a_hangup_without_reopen_is_state_or_failure() {
    for fail in [false, true] {
        let (master, _slave, path) = pair();
        let port: RefCell<SerialPort> =
            RefCell::new(SerialPort::polled(PortConfig::new(&path, 9600)));
        let mut service = PortDoer::new("port", &port).fail_on_hangup(fail);
        let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
        doist.add(&mut service).unwrap();
        doist.enter().unwrap();
        doist.recur().unwrap();
        assert!(port.borrow().is_open());
        drop(master);
        let end = Instant::now() + Duration::from_secs(5);
        let mut result = Ok(());
        while port.borrow().is_open() && Instant::now() < end {
            result = doist.recur();
        }
        // one more pass for the doer to see the state
        if result.is_ok() {
            result = doist.recur();
        }
        doist.exit();
        assert_eq!(port.borrow().error(), Some(PortError::Hangup));
        if fail {
            assert_eq!(result, Err(Error::Io(IoKind::BrokenPipe)));
        } else {
            assert!(result.is_ok());
        }
    }
}

/// The other direction under the runner: an application doer streams 1 MiB
/// through a 64-byte tx ring while a thread starts reading late, so
/// the pty's buffer fills, writes would block, and tx stays full (back
/// pressure on the writer); then all 256 byte values come back the other
/// way through the same runner.
#[test]
fn large_transfer_out_under_the_runner_loses_nothing() {
    const TOTAL: usize = 1 << 20;
    let pattern = |i: usize| (i.wrapping_mul(7) ^ (i >> 9)) as u8;
    let (master, _slave, path) = pair();
    let mut reader = master.try_clone_native().unwrap();
    reader.set_timeout(Duration::from_secs(10)).unwrap();
    let receiver = std::thread::spawn(move || {
        let mut buf = vec![0u8; 4096];
        let (mut got, mut sum, mut wrong) = (0usize, 0u64, 0usize);
        // nobody reads for a while: the pty's buffer (a few KiB) fills,
        // the device's writes would block, and tx stays full
        std::thread::sleep(Duration::from_millis(200));
        while got < TOTAL {
            let n = reader.read(&mut buf).unwrap();
            for &b in &buf[..n] {
                wrong += usize::from(b != pattern(got));
                sum = sum.wrapping_mul(131).wrapping_add(u64::from(b));
                got += 1;
            }
        }
        // then the 256 values the other way
        let all: Vec<u8> = (0..=255u8).collect();
        reader.write_all(&all).unwrap();
        (got, sum, wrong, reader)
    });

    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let io = runner.io();
    let port: RefCell<SerialPort<256, 64>> =
        RefCell::new(SerialPort::with_io(&io, PortConfig::new(&path, 1_000_000)));
    let mut service = PortDoer::new("port", &port);
    struct Source<'a> {
        port: &'a RefCell<SerialPort<256, 64>>,
        put: usize,
        full_passes: u64,
        stop: Stopper,
    }
    impl Doer for Source<'_> {
        fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
            let mut p = self.port.borrow_mut();
            if p.tx().is_full() {
                self.full_passes += 1;
            }
            while self.put < TOTAL {
                let b = (self.put.wrapping_mul(7) ^ (self.put >> 9)) as u8;
                if p.tx_mut().push(b).is_err() {
                    break;
                }
                self.put += 1;
            }
            if p.rx().len() == 256 {
                self.stop.stop();
            }
            Ok(Recur::NEXT)
        }
    }
    let mut source = Source {
        port: &port,
        put: 0,
        full_passes: 0,
        stop: runner.stopper(),
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    doist.add(&mut source).unwrap();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(120))).unwrap();
    let (got, sum, wrong, _reader) = receiver.join().unwrap();
    let expected = (0..TOTAL).fold(0u64, |s, i| {
        s.wrapping_mul(131).wrapping_add(u64::from(pattern(i)))
    });
    eprintln!(
        "large transfer out: {got} bytes, {} passes found tx full, runner {:?}",
        source.full_passes,
        runner.stats()
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!((got, wrong), (TOTAL, 0));
    assert_eq!(sum, expected, "checksum");
    assert!(
        source.full_passes > 0,
        "tx filled up: back pressure was exercised"
    );
    assert_eq!(port.borrow().sent(), TOTAL as u64);
    let back: Vec<u8> = port.borrow().rx().iter().collect();
    assert_eq!(back, (0..=255u8).collect::<Vec<u8>>(), "256 values in");
}
