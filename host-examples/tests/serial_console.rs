//! `serial-console` as a separate process against a pseudo-terminal whose
//! other end this test holds (no external program): lines come back
//! through an echo thread, a port that hangs up ends the console with
//! status 1, a bad path too.
#![cfg(unix)]
// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hio_serial::serialport::{SerialPort as _, TTYPort};

const CONSOLE: &str = env!("CARGO_BIN_EXE_serial-console");

/// A pty pair whose master echoes everything on a thread (1 s read
/// timeout; it ends once nothing came for 10 s or the other side is gone).
/// The test keeps the slave open until the console has opened it: a pty
/// master with no slave open reports a hang-up.
fn echo_pty() -> (String, TTYPort, std::thread::JoinHandle<usize>) {
    peer_pty(Peer::Echo)
}

/// What the test's end of the pty does with what it reads.
#[derive(Clone, Copy, PartialEq)]
enum Peer {
    /// Echoes it.
    Echo,
    /// Sends a banner line first, then echoes.
    BannerThenEcho,
    /// Swallows it.
    Mute,
}

fn peer_pty(peer: Peer) -> (String, TTYPort, std::thread::JoinHandle<usize>) {
    let (mut master, slave) = TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    master.set_timeout(Duration::from_secs(1)).unwrap();
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut total = 0;
        let mut idle = Instant::now();
        loop {
            match master.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if peer == Peer::BannerThenEcho && total == 0 {
                        master.write_all(b"a banner nobody asked for\r\n").unwrap();
                    }
                    if peer != Peer::Mute {
                        master.write_all(&buf[..n]).unwrap();
                    }
                    total += n;
                    idle = Instant::now();
                }
                Err(e) if e.kind() == ErrorKind::TimedOut => {
                    if idle.elapsed() > Duration::from_secs(10) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        total
    });
    (path, slave, echo)
}

#[test]
fn lines_come_back_and_the_console_exits_0() {
    let (path, slave, echo) = echo_pty();
    let mut child = Command::new(CONSOLE)
        .args([
            "--port",
            &path,
            "--baud",
            "115200",
            "--until-echoed",
            "--eol",
            "lf",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: String = (0..200)
        .map(|i| format!("line {i}: {}\n", "x".repeat(i % 50)))
        .collect();
    // the last line has no newline: it is still sent as a line
    let input = format!("{lines}unfinished");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    drop(slave);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "status {:?}, stderr {stderr}",
        out.status
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{input}\n"));
    assert!(stderr.contains("sent 201 lines"), "{stderr}");
    assert_eq!(echo.join().unwrap(), input.len() + 1);
}

/// A close-on-exec copy of `port`'s descriptor (the original is closed).
fn cloexec(port: TTYPort) -> OwnedFd {
    // SAFETY: `into_raw_fd` hands over the descriptor, which nothing else
    // owns or closes from here on.
    let owned = unsafe { OwnedFd::from_raw_fd(port.into_raw_fd()) };
    // `try_clone` duplicates with F_DUPFD_CLOEXEC
    owned.try_clone().unwrap()
}

#[test]
fn a_port_that_hangs_up_ends_the_console_with_1() {
    let (master, slave) = TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    // the pair's descriptors are inheritable: the console would hold the
    // master open and never see the hang-up; keep close-on-exec copies
    let master = cloexec(master);
    let slave = cloexec(slave);
    // stdin stays open: only the hang-up can end the console
    let mut child = Command::new(CONSOLE)
        .args(["--port", &path, "--baud", "9600"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop(master);
    drop(slave);
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > end {
            child.kill().unwrap();
            panic!("the console did not notice the hang-up");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("hung up"), "{stderr}");
}

#[test]
fn a_bad_path_ends_the_console_with_1() {
    let out = Command::new(CONSOLE)
        .args(["--port", "/dev/hio-no-such-tty", "--baud", "9600"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot open the port: NotFound"),
        "{stderr}"
    );
}

#[test]
fn a_usage_error_is_2() {
    let out = Command::new(CONSOLE)
        .args(["--baud", "9600"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port is required"));
}

#[test]
fn until_echoed_skips_other_lines_and_fails_on_a_missing_echo() {
    for peer in [Peer::BannerThenEcho, Peer::Mute] {
        let (path, slave, _peer) = peer_pty(peer);
        let mut child = Command::new(CONSOLE)
            .args(["--port", &path, "--baud", "9600", "--until-echoed"])
            .args(["--linger-ms", "500"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"one\ntwo\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        drop(slave);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if peer == Peer::Mute {
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("2 of 2 lines did not come back"),
                "{stderr}"
            );
            assert_eq!(stdout, "");
        } else {
            assert!(out.status.success(), "{stderr}");
            assert_eq!(stdout, "a banner nobody asked for\none\ntwo\n");
        }
    }
}
