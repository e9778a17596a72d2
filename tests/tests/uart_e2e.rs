//! End to end: the `uart_echo` firmware in QEMU (lm3s6965evb), its UART0 on
//! a TCP socket, driven from this host program; once with the polled
//! service doer (`uart_echo`) and once with the interrupt-fed one
//! (`uart_echo_irq`) from plain sockets, and once more (`uart_echo`) from a
//! tree of hio doers: hio-mio's `Runner`, a `TcpClient` with its
//! `ClientDoer`, and a driver doer that sends the same lines, frames and
//! quit line and checks every byte that comes back.
//!
//! The test builds the firmware itself (`cargo build --release --bin ..`
//! in `firmware-examples/qemu-lm3s6965`, its own target dir), so it works
//! from a clean clone. It starts QEMU with
//! `-serial tcp:127.0.0.1:PORT,server=on,wait=on,nodelay=on` (QEMU waits for
//! us before the firmware boots), waits for the ready banner, sends 1000
//! lines, then random binary frames one by one, and checks that every byte
//! comes back in order. It ends the firmware with its quit line and expects
//! the goodbye banner and exit status 0.
//!
//! The polled firmware gets the lines streamed while a second thread reads
//! their echo: QEMU holds bytes back while the UART's FIFO is full, so
//! nothing can be lost. The interrupt-fed firmware drops (and counts) bytes
//! that find its interrupt queue full, by design; it gets each line as a
//! request whose echo is awaited, which never overfills the queue.
//!
//! Without `qemu-system-arm` (or the thumbv7m target to build the
//! firmware) the test skips with a loud message when `CI` is unset, and
//! fails when `CI` is set.
//!
//! QEMU runs without `-icount`: guest time then follows the host clock, so
//! the firmware's "nobody connected for 2 s" rule cannot fire while this
//! host is merely slow to answer.

// Tests may panic on a broken expectation: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use hio::{Cx, Doer, Doist, Error, Recur, Tock};
use hio_mio::{ClientConfig, ClientDoer, Ending, Mode, Runner, Stopper, TcpClient};

const READY: &[u8] = b"hio uart_echo ready\r\n";
const BYE: &[u8] = b"hio uart_echo bye\r\n";
const QUIT: &[u8] = b"\x1bhio:quit\n";

/// Skips (no `CI`) or fails (`CI` set) for a missing external program.
fn missing(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("uart_e2e: {what}; CI must provide it");
    }
    // straight to stderr: the test harness captures `eprintln!` of a
    // passing test, and a skip must be seen
    let _ = writeln!(
        std::io::stderr(),
        "\n*** uart_e2e SKIPPED: {what}. Install qemu-system-arm and \
         `rustup target add thumbv7m-none-eabi` to run it (under CI it fails). ***\n"
    );
}

fn firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-examples/qemu-lm3s6965")
}

/// Builds the firmware; its ELF, or `None` (with the reason) if it could
/// not be built.
fn build_firmware(bin: &str) -> Result<PathBuf, String> {
    let dir = firmware_dir();
    let target_dir = dir.join("target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&dir)
        .args(["build", "--release", "--bin", bin])
        // the firmware crate has its own target, flags and target dir:
        // nothing of the host build may leak into it
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the {bin} firmware failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(target_dir.join("thumbv7m-none-eabi/release").join(bin))
}

fn have_qemu() -> bool {
    Command::new("qemu-system-arm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// QEMU, killed when dropped (a failing test leaves nothing behind).
struct Qemu(Child);

impl Qemu {
    fn start(elf: &Path, port: u16) -> Qemu {
        let child = Command::new("qemu-system-arm")
            .args(["-cpu", "cortex-m3", "-machine", "lm3s6965evb", "-nographic"])
            .args(["-monitor", "none", "-serial"])
            .arg(format!("tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on"))
            .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
            .arg(elf)
            // stdout carries the defmt frames (binary); not needed here
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("qemu-system-arm was found but does not start");
        Qemu(child)
    }

    /// Waits for the exit status, at most `limit`.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Reads until `pattern` has arrived; returns everything read.
fn read_until(stream: &mut TcpStream, pattern: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while !got.windows(pattern.len()).any(|w| w == pattern) {
        let n = stream.read(&mut buf).expect("reading from the firmware");
        assert!(n > 0, "the firmware closed the line; got {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// Connects to QEMU's serial socket (it listens once it has started).
fn connect(qemu: &mut Qemu, port: u16) -> TcpStream {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) => {
                if let Some(status) = qemu.0.try_wait().unwrap() {
                    panic!("QEMU exited before listening: {status}");
                }
                assert!(Instant::now() < end, "cannot connect to QEMU: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

#[test]
fn uart_echo_in_qemu_returns_every_byte() {
    echo_session("uart_echo", true);
}

#[test]
fn uart_echo_irq_in_qemu_returns_every_byte() {
    echo_session("uart_echo_irq", false);
}

/// Runs `bin` in QEMU and checks its echo; `streamed` sends the lines without
/// waiting for their echo.
fn echo_session(bin: &str, streamed: bool) {
    if !have_qemu() {
        missing("qemu-system-arm is not installed");
        return;
    }
    let elf = match build_firmware(bin) {
        Ok(elf) => elf,
        Err(why) => {
            missing(&why);
            return;
        }
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut qemu = Qemu::start(&elf, port);
    let mut stream = connect(&mut qemu, port);
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();

    let banner = read_until(&mut stream, READY);
    assert_eq!(banner, READY, "the banner comes first and alone");

    // 1. a thousand lines
    let lines: Vec<Vec<u8>> = (0..1000)
        .map(|i| format!("line {i:04}: the quick brown fox jumps\r\n").into_bytes())
        .collect();
    if streamed {
        // streamed while another thread reads the echo
        let all = lines.concat();
        let mut writer = stream.try_clone().unwrap();
        let sent = all.clone();
        let sender = std::thread::spawn(move || {
            for chunk in sent.chunks(700) {
                writer.write_all(chunk).unwrap();
            }
        });
        let mut echoed = vec![0u8; all.len()];
        stream
            .read_exact(&mut echoed)
            .expect("the echo of the lines");
        sender.join().unwrap();
        assert!(echoed == all, "the lines came back changed");
    } else {
        // each line a request whose echo is awaited
        for line in &lines {
            stream.write_all(line).unwrap();
            let mut back = vec![0u8; line.len()];
            stream.read_exact(&mut back).expect("the echo of a line");
            assert_eq!(&back, line, "a line came back changed");
        }
    }

    // 2. random binary frames, each echoed before the next is sent
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut total = 0;
    for _ in 0..300 {
        let len = 1 + (rng.next() % 300) as usize;
        let frame: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(!frame.windows(QUIT.len()).any(|w| w == QUIT));
        stream.write_all(&frame).unwrap();
        let mut back = vec![0u8; len];
        stream.read_exact(&mut back).expect("the echo of a frame");
        assert_eq!(back, frame, "a binary frame came back changed");
        total += len;
    }
    assert!(total > 30_000);

    // 3. the quit line ends the run: its echo, the goodbye, exit status 0
    stream.write_all(QUIT).unwrap();
    let tail = read_until(&mut stream, BYE);
    let mut expected = QUIT.to_vec();
    expected.extend_from_slice(BYE);
    assert_eq!(tail, expected);
    let status = qemu
        .wait(Duration::from_secs(30))
        .expect("the firmware did not exit after the quit line");
    assert!(status.success(), "the firmware exited with {status}");
}

/// The same session, driven from this host by hio doers instead of plain
/// sockets: hio-mio's `Runner` paces a `Doist` whose `TcpClient` (through
/// its `ClientDoer`) is connected to QEMU's serial socket, and a `Driver`
/// doer sends the 1000 lines (streamed), then each random frame once the
/// one before came back, then the quit line, checking every byte that
/// arrives against what the firmware must send.
#[test]
fn uart_echo_in_qemu_driven_by_hio_doers() {
    if !have_qemu() {
        missing("qemu-system-arm is not installed");
        return;
    }
    let elf = match build_firmware("uart_echo") {
        Ok(elf) => elf,
        Err(why) => {
            missing(&why);
            return;
        }
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut qemu = Qemu::start(&elf, port);

    // the script: what goes out, where the driver must wait for the echo,
    // and everything that must come back, in order
    let mut outgoing = Vec::new();
    let mut gates = vec![(0, READY.len())]; // nothing before the banner
    for i in 0..1000 {
        outgoing
            .extend_from_slice(format!("line {i:04}: the quick brown fox jumps\r\n").as_bytes());
    }
    let mut rng = Rng(0x51AB_1E5E_ED00_0001);
    for _ in 0..300 {
        // each frame once everything before it has come back
        gates.push((outgoing.len(), READY.len() + outgoing.len()));
        let len = 1 + (rng.next() % 300) as usize;
        let frame: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        assert!(!frame.windows(QUIT.len()).any(|w| w == QUIT));
        outgoing.extend_from_slice(&frame);
    }
    gates.push((outgoing.len(), READY.len() + outgoing.len()));
    outgoing.extend_from_slice(QUIT);
    let mut expected = READY.to_vec();
    expected.extend_from_slice(&outgoing);
    expected.extend_from_slice(BYE);

    let mut runner = Runner::new().unwrap().with_mode(Mode::Ready);
    let addr = ([127, 0, 0, 1], port).into();
    let config = ClientConfig {
        // QEMU listens a moment after it starts: retry until it does
        reconnect: Some(Tock::from_millis(50)),
        ..ClientConfig::default()
    };
    let client: RefCell<TcpClient> = RefCell::new(TcpClient::new(&runner.io(), addr, config));
    let mut service = ClientDoer::new("uart-link", &client);
    let mut driver = Driver {
        client: &client,
        stop: runner.stopper(),
        outgoing: &outgoing,
        gates: &gates,
        expected: &expected,
        sent: 0,
        got: 0,
        wrong: None,
    };
    let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(5));
    doist.add(&mut service).unwrap();
    doist.add(&mut driver).unwrap();
    let ending = runner.run(&mut doist, Some(Tock::from_secs(120))).unwrap();
    drop(doist);
    assert_eq!(driver.wrong, None, "a byte came back changed");
    assert_eq!(ending, Ending::Stopped, "the session did not finish");
    assert_eq!(driver.got, expected.len());
    assert_eq!(
        client.borrow().connects(),
        1,
        "one connection, never dropped"
    );
    let status = qemu
        .wait(Duration::from_secs(30))
        .expect("the firmware did not exit after the quit line");
    assert!(status.success(), "the firmware exited with {status}");
}

/// Sends `outgoing` through the client as far as its gates allow (a gate
/// `(offset, needed)`: bytes from `offset` on go out only once `needed`
/// bytes came back) and checks what arrives against `expected`.
struct Driver<'a> {
    client: &'a RefCell<TcpClient>,
    stop: Stopper,
    outgoing: &'a [u8],
    gates: &'a [(usize, usize)],
    expected: &'a [u8],
    sent: usize,
    got: usize,
    /// The first byte that differed: (its index, what came).
    wrong: Option<(usize, u8)>,
}

impl Doer for Driver<'_> {
    fn name(&self) -> &'static str {
        "driver"
    }
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.borrow_mut();
        // what came back
        while let Some(b) = c.rx_mut().pull() {
            if self.wrong.is_none() && self.expected.get(self.got) != Some(&b) {
                self.wrong = Some((self.got, b));
            }
            self.got += 1;
        }
        if self.wrong.is_some() || self.got >= self.expected.len() {
            self.stop.stop();
            return Ok(Recur::NEXT);
        }
        // what may go out now
        if c.connected() {
            let end = self
                .gates
                .iter()
                .find(|&&(offset, needed)| offset >= self.sent && needed > self.got)
                .map_or(self.outgoing.len(), |&(offset, _)| offset);
            if self.sent < end {
                self.sent += c.send(&self.outgoing[self.sent..end]);
            }
        }
        Ok(Recur::NEXT)
    }
}
