//! The completion-port devices under a real runner (Windows only; on Linux
//! CI runs these under wine, `.ci/steps/60-windows.sh`).
#![cfg(windows)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

// The COM port setup, shared with hio-serial's `tests/com.rs`.
#[path = "support/com.rs"]
mod support;
use support::com_port;

use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

use hio::buf::Ring;
use hio::{Cx, Doer, Doify, Doist, Error, Phase, Recur, Target, Tock};
use hio_iocp::{
    DataBits, Device, Done, Ending, File, FlowControl, Mode, Parity, Runner, SerialConfig, Service,
    StopBits, Stopper, Stream,
};

/// A pipe name no other test (or run) uses.
fn pipe_name(test: &str) -> String {
    format!(r"\\.\pipe\hio-iocp-{test}-{}", std::process::id())
}

fn pattern(i: u64) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 7)) as u8
}

/// Stops the run when `when` holds.
struct Watch<'a> {
    stop: Stopper,
    when: Box<dyn Fn() -> bool + 'a>,
}

impl Doer for Watch<'_> {
    fn name(&self) -> &'static str {
        "watch"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        if (self.when)() {
            self.stop.stop();
        }
        Ok(Recur::NEXT)
    }
}

#[test]
fn a_pipe_echoes_through_the_completion_port() {
    // 200 kB through rings of 4 kB each way: every transfer is short, both
    // rings fill (back pressure both ways), and nothing is lost or reordered
    const TOTAL: u64 = 200_000;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let port = runner.port();
    let name = pipe_name("echo");
    let server: RefCell<Stream<4096, 4096>> =
        RefCell::new(Stream::pipe_server(&port, &name).unwrap());
    let client: RefCell<Stream<4096, 4096>> = RefCell::new(Stream::pipe_client(&port, &name));
    let mut server_service = Service::new("server", &server);
    let mut client_service = Service::new("client", &client);
    // the echo application: server rx into server tx
    let mut echo = Doify::new("echo", |_cx, _phase| {
        let mut s = server.borrow_mut();
        while !s.rx().is_empty() && s.tx().free() > 0 {
            let mut chunk = [0u8; 512];
            let n = s.rx_mut().peek_into(&mut chunk);
            let n = s.tx_mut().write(&chunk[..n]);
            s.rx_mut().consume(n);
        }
        Ok(Recur::NEXT)
    });
    // the client application: sends the pattern, checks what comes back
    let sent = Cell::new(0u64);
    let got = Cell::new(0u64);
    let bad = Cell::new(0u64);
    let mut app = Doify::new("app", |_cx, _phase| {
        let mut c = client.borrow_mut();
        if !c.connected() {
            return Ok(Recur::NEXT);
        }
        while sent.get() < TOTAL && c.tx().free() > 0 {
            let mut chunk = [0u8; 256];
            let n = chunk.len().min((TOTAL - sent.get()) as usize);
            for (k, b) in chunk[..n].iter_mut().enumerate() {
                *b = pattern(sent.get() + k as u64);
            }
            let n = c.send(&chunk[..n]);
            sent.set(sent.get() + n as u64);
        }
        let mut chunk = [0u8; 512];
        loop {
            let n = c.rx_mut().read(&mut chunk);
            if n == 0 {
                break;
            }
            for (k, &b) in chunk[..n].iter().enumerate() {
                bad.set(bad.get() + u64::from(b != pattern(got.get() + k as u64)));
            }
            got.set(got.get() + n as u64);
        }
        Ok(Recur::NEXT)
    });
    let mut watch = Watch {
        stop: runner.stopper(),
        when: Box::new(|| got.get() == TOTAL),
    };
    let mut doist: Doist<'_, 5> = Doist::new(Tock::from_millis(1));
    doist.add(&mut server_service).unwrap();
    doist.add(&mut client_service).unwrap();
    doist.add(&mut echo).unwrap();
    doist.add(&mut app).unwrap();
    doist.add(&mut watch).unwrap();
    let start = Instant::now();
    let end = runner.run(&mut doist, Some(Tock::from_secs(30)));
    drop(doist);
    let stats = runner.stats();
    println!(
        "pipe echo: {} bytes in {:?}; {:?}",
        got.get(),
        start.elapsed(),
        stats
    );
    assert_eq!(end, Ok(Ending::Stopped));
    assert_eq!((got.get(), bad.get()), (TOTAL, 0));
    let (s, c) = (server.borrow(), client.borrow());
    assert_eq!((s.received(), s.sent()), (TOTAL, TOTAL));
    assert_eq!((c.received(), c.sent()), (TOTAL, TOTAL));
    assert!(stats.completions >= 4 * TOTAL / 4096, "{stats:?}");
    assert!(s.error().is_none() && c.error().is_none());
}

#[test]
fn a_pipe_name_has_one_server() {
    let runner = Runner::new().unwrap();
    let name = pipe_name("taken");
    let first: Stream<16, 16> = Stream::pipe_server(&runner.port(), &name).unwrap();
    let second: Result<Stream<16, 16>, Error> = Stream::pipe_server(&runner.port(), &name);
    // (Windows documents ERROR_ACCESS_DENIED; wine 8 answers otherwise:
    // both are OS errors, and the first server is intact)
    assert!(matches!(second, Err(Error::Io(_))), "{second:?}");
    assert!(!first.cutoff());
    drop(first);
}

#[test]
fn a_pipe_client_that_closes_cuts_the_server_off() {
    let mut runner = Runner::new().unwrap();
    let port = runner.port();
    let name = pipe_name("cutoff");
    let server: RefCell<Stream<64, 64>> = RefCell::new(Stream::pipe_server(&port, &name).unwrap());
    let client: RefCell<Option<Stream<64, 64>>> =
        RefCell::new(Some(Stream::pipe_client(&port, &name)));
    let mut server_service = Service::new("server", &server);
    let said = Cell::new(false);
    // the client's own service, until it has sent its bytes; then dropped
    let mut app = Doify::new("app", |cx, phase| {
        if phase != Phase::Recur {
            return Ok(Recur::NEXT);
        }
        let mut slot = client.borrow_mut();
        if let Some(c) = slot.as_mut() {
            c.service(cx.tyme())?;
            if c.connected() && !said.get() {
                said.set(c.send(b"bye") == 3);
            }
            if c.sent() == 3 {
                *slot = None; // closes the pipe's client end
            }
        }
        Ok(Recur::NEXT)
    });
    let mut watch = Watch {
        stop: runner.stopper(),
        when: Box::new(|| server.borrow().cutoff()),
    };
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(1));
    doist.add(&mut server_service).unwrap();
    doist.add(&mut app).unwrap();
    doist.add(&mut watch).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    assert_eq!(end, Ok(Ending::Stopped));
    let s = server.borrow();
    assert!(s.cutoff() && !s.connected());
    assert!(s.rx().iter().eq(*b"bye"), "{s:?}");
    assert_eq!(s.error(), None); // the other end going away is no error
}

#[test]
fn a_file_is_written_and_read_back_at_offsets() {
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let path = std::env::temp_dir().join(format!("hio-iocp-file-{}.bin", std::process::id()));
    let file = RefCell::new(File::create(&runner.port(), &path, 4096).unwrap());
    let mut service = Service::new("file", &file);
    let results = RefCell::new(Vec::new());
    let mut got: Ring<64> = Ring::new();
    let mut step = 0usize;
    let stop = runner.stopper();
    // writes at 10, at 0, and past the end at 100 (leaving a hole of
    // zeros), then reads across the hole, a short read at the end, and a
    // read past the end
    let mut app = Doify::new("app", |_cx, phase| {
        if phase != Phase::Recur {
            return Ok(Recur::NEXT);
        }
        let mut f = file.borrow_mut();
        if f.busy() {
            match f.poll() {
                None => return Ok(Recur::NEXT),
                Some(r) => {
                    if let Ok(Done::Read { .. }) = r {
                        f.take_into(&mut got);
                    }
                    results.borrow_mut().push(r);
                }
            }
        }
        match step {
            0 => f.write_at(10, b"world")?,
            1 => f.write_at(0, b"hello")?,
            2 => f.write_at(100, b"end")?,
            3 => f.read_at(8, 8)?,     // "\0\0world\0"
            4 => f.read_at(98, 10)?,   // "\0\0end": short
            5 => f.read_at(1000, 10)?, // past the end: nothing
            _ => stop.stop(),
        }
        step += 1;
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    doist.add(&mut app).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    assert_eq!(end, Ok(Ending::Stopped));
    assert_eq!(
        results.into_inner(),
        vec![
            Ok(Done::Wrote { offset: 10, len: 5 }),
            Ok(Done::Wrote { offset: 0, len: 5 }),
            Ok(Done::Wrote {
                offset: 100,
                len: 3
            }),
            Ok(Done::Read { offset: 8, len: 8 }),
            Ok(Done::Read { offset: 98, len: 5 }),
            Ok(Done::Read {
                offset: 1000,
                len: 0
            }),
        ]
    );
    assert!(got.iter().eq(*b"\0\0world\0\0\0end"), "{got:?}");
    drop(file);
    // what the file holds, seen by std
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 103);
    assert_eq!(&bytes[..15], b"hello\0\0\0\0\0world");
    assert!(bytes[15..100].iter().all(|&b| b == 0));
    assert_eq!(&bytes[100..], b"end");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_file_refuses_a_second_operation_and_an_oversized_one() {
    let runner = Runner::new().unwrap();
    let path = std::env::temp_dir().join(format!("hio-iocp-busy-{}.bin", std::process::id()));
    let mut f = File::create(&runner.port(), &path, 8).unwrap();
    assert_eq!(f.write_at(0, b"123456789"), Err(Error::Capacity));
    f.write_at(0, b"1234").unwrap();
    assert_eq!(f.read_at(0, 4), Err(Error::Capacity));
    assert!(f.busy());
    drop(f); // with the write possibly in flight: cancelled or finished, then freed
    assert_eq!(runner.port().in_flight(), 0);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn removing_a_doer_cancels_its_pending_read() {
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let port = runner.port();
    let name = pipe_name("cancel");
    let server: RefCell<Stream<64, 64>> = RefCell::new(Stream::pipe_server(&port, &name).unwrap());
    let client: RefCell<Stream<64, 64>> = RefCell::new(Stream::pipe_client(&port, &name));
    let mut server_service = Service::new("server", &server);
    let mut client_service = Service::new("client", &client);
    let removed = Cell::new(false);
    let late = Cell::new(false);
    let in_flight_at_removal = Cell::new(0usize);
    let mut boss = Doify::new("boss", |cx, phase| {
        if phase != Phase::Recur {
            return Ok(Recur::NEXT);
        }
        if !removed.get() {
            let s = server.borrow();
            // connected, with its read pending (the client sends nothing)
            if s.connected() && client.borrow().connected() && s.in_flight() == 1 {
                in_flight_at_removal.set(s.in_flight());
                drop(s);
                assert_eq!(cx.remove(Target::Root, &["server"])?, 1);
                removed.set(true);
            }
        } else if server.borrow().in_flight() == 0 && !late.get() {
            // the cancelled read's packet came back: now the client writes
            late.set(client.borrow_mut().send(b"late") == 4);
        }
        Ok(Recur::NEXT)
    });
    let mut watch = Watch {
        stop: runner.stopper(),
        when: Box::new(|| client.borrow().sent() == 4),
    };
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(1));
    doist.add(&mut server_service).unwrap();
    doist.add(&mut client_service).unwrap();
    doist.add(&mut boss).unwrap();
    doist.add(&mut watch).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    println!(
        "removed: {}, late sent: {}, server {:?}, client {:?}",
        removed.get(),
        late.get(),
        server.borrow(),
        client.borrow()
    );
    assert_eq!(end, Ok(Ending::Stopped));
    assert_eq!(in_flight_at_removal.get(), 1);
    {
        let mut s = server.borrow_mut();
        assert_eq!(s.in_flight(), 0);
        s.settle().unwrap();
        // the read completed as cancelled and brought nothing
        assert_eq!(s.cancelled(), 1);
        assert_eq!(s.received(), 0);
        assert!(s.rx().is_empty() && s.connected());
    }
    // the bytes the client wrote after the cancel are still in the pipe,
    // for the next read: the cancelled one took none of them
    let mut server_service = Service::new("server", &server);
    let mut watch = Watch {
        stop: runner.stopper(),
        when: Box::new(|| server.borrow().rx().len() == 4),
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(1));
    doist.add(&mut server_service).unwrap();
    doist.add(&mut watch).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(10)));
    drop(doist);
    assert_eq!(end, Ok(Ending::Stopped));
    assert!(server.borrow().rx().iter().eq(*b"late"));
}

#[test]
fn dropping_a_stream_with_a_read_in_flight_waits_for_its_completion() {
    let mut runner = Runner::new().unwrap();
    let port = runner.port();
    let name = pipe_name("drop");
    let server: RefCell<Stream<64, 64>> = RefCell::new(Stream::pipe_server(&port, &name).unwrap());
    let client: RefCell<Stream<64, 64>> = RefCell::new(Stream::pipe_client(&port, &name));
    let mut a = Service::new("server", &server);
    let mut b = Service::new("client", &client);
    let mut watch = Watch {
        stop: runner.stopper(),
        when: Box::new(|| server.borrow().in_flight() == 1 && client.borrow().in_flight() == 1),
    };
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(1));
    doist.add(&mut a).unwrap();
    doist.add(&mut b).unwrap();
    doist.add(&mut watch).unwrap();
    // a Stopper run: exit cancels both reads; their packets may still be
    // queued when the streams are dropped
    assert_eq!(
        runner.run(&mut doist, Some(Tock::from_secs(10))),
        Ok(Ending::Stopped)
    );
    drop(doist);
    drop((a, b, watch));
    drop(server);
    drop(client);
    assert_eq!(port.in_flight(), 0, "every packet was taken back");
}

#[test]
fn an_idle_runner_sleeps_in_the_port_until_the_next_due_pass() {
    // a 1 ms tock, a doer due every 250 ms: the runner sleeps straight to
    // it (a few waits per due pass, not one per tock)
    let mut runner = Runner::new().unwrap();
    let n = Cell::new(0u32);
    let mut slow = Doify::new("slow", |_cx, phase| {
        if phase == Phase::Recur {
            n.set(n.get() + 1);
        }
        Ok(Recur::Again(Tock::from_millis(250)))
    });
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut slow).unwrap();
    let start = Instant::now();
    let end = runner.run(&mut doist, Some(Tock::from_secs(1)));
    let wall = start.elapsed();
    drop(doist);
    let stats = runner.stats();
    println!("idle 1 s at a 1 ms tock: {wall:?}, {stats:?}");
    assert_eq!(end, Ok(Ending::Limit));
    assert_eq!(n.get(), 4); // at 0, 250, 500, 750 ms
    assert_eq!(stats.passes, 1000);
    assert!(stats.waits <= 20, "{stats:?}");
    assert!(wall >= Duration::from_millis(990), "{wall:?}");
}

#[test]
fn a_com_port_echo_through_the_completion_port() {
    let Some(held) = com_port() else { return };
    let name = &held.name;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let config = SerialConfig::new(115_200)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .read_wait(Duration::from_millis(200));
    let com: RefCell<Stream<256, 256>> =
        RefCell::new(Stream::serial(&runner.port(), name, &config).unwrap());
    assert!(com.borrow().connected());
    let message: Vec<u8> = (0..1000u64).map(pattern).collect();
    let sent = Cell::new(0usize);
    let got = RefCell::new(Vec::new());
    let mut service = Service::new("com", &com);
    let mut app = Doify::new("app", |_cx, _phase| {
        let mut c = com.borrow_mut();
        if sent.get() < message.len() {
            let n = c.send(&message[sent.get()..]);
            sent.set(sent.get() + n);
        }
        let mut buf = [0u8; 256];
        let n = c.rx_mut().read(&mut buf);
        got.borrow_mut().extend_from_slice(&buf[..n]);
        Ok(Recur::NEXT)
    });
    let mut watch = Watch {
        stop: runner.stopper(),
        when: Box::new(|| got.borrow().len() >= message.len()),
    };
    let mut doist: Doist<'_, 3> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    doist.add(&mut app).unwrap();
    doist.add(&mut watch).unwrap();
    let start = Instant::now();
    let end = runner.run(&mut doist, Some(Tock::from_secs(20)));
    drop(doist);
    println!(
        "COM echo on {name}: {} of {} bytes back in {:?}; {:?}",
        got.borrow().len(),
        message.len(),
        start.elapsed(),
        runner.stats()
    );
    assert_eq!(end, Ok(Ending::Stopped));
    assert_eq!(*got.borrow(), message);
    assert_eq!(com.borrow().error(), None);
}

#[test]
fn an_idle_com_port_read_is_renewed_after_its_wait_not_spun() {
    let Some(held) = com_port() else { return };
    let name = &held.name;
    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let config = SerialConfig::new(115_200).read_wait(Duration::from_millis(100));
    let com: RefCell<Stream<64, 64>> =
        RefCell::new(Stream::serial(&runner.port(), name, &config).unwrap());
    let mut service = Service::new("com", &com);
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(1));
    doist.add(&mut service).unwrap();
    let end = runner.run(&mut doist, Some(Tock::from_secs(1)));
    drop(doist);
    let stats = runner.stats();
    println!("idle COM port for 1 s, reads renewed every 100 ms: {stats:?}");
    assert_eq!(end, Ok(Ending::Limit));
    // about ten empty reads; the port is not polled once per pass
    assert!((3..=30).contains(&stats.completions), "{stats:?}");
    let c = com.borrow();
    assert!(c.rx().is_empty() && c.connected() && c.error().is_none());
}

#[test]
fn a_com_port_takes_other_settings() {
    let Some(held) = com_port() else { return };
    let name = &held.name;
    let runner = Runner::new().unwrap();
    for config in [
        SerialConfig::new(9600)
            .data_bits(DataBits::Seven)
            .parity(Parity::Even)
            .stop_bits(StopBits::Two),
        SerialConfig::new(57_600)
            .parity(Parity::Odd)
            .flow_control(FlowControl::Software),
    ] {
        let com: Stream<16, 16> = Stream::serial(&runner.port(), name, &config)
            .unwrap_or_else(|e| panic!("{config:?}: {e}"));
        assert!(com.connected());
        let back = com.serial_config().unwrap();
        println!("{name}: asked {config:?}, reads back {back:?}");
        assert_eq!(
            (back.baud, back.stop_bits, back.flow_control, back.read_wait),
            (
                config.baud,
                config.stop_bits,
                config.flow_control,
                config.read_wait
            )
        );
    }
}

#[test]
fn a_missing_com_port_is_not_found() {
    let runner = Runner::new().unwrap();
    let r: Result<Stream<16, 16>, Error> =
        Stream::serial(&runner.port(), "COM219", &SerialConfig::default());
    assert_eq!(r.err(), Some(Error::Io(hio::IoKind::NotFound)));
    // a pipe has no line settings
    let pipe: Stream<16, 16> = Stream::pipe_client(&runner.port(), "hio-no-such-pipe");
    assert_eq!(pipe.serial_config().err(), Some(Error::Closed));
}
