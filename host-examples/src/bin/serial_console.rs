//! An interactive line console over a serial port (hio's `Console` and
//! `EchoConsoleDoer`, the other way round: lines typed on stdin go out on
//! the port, lines that arrive on the port are printed).
//!
//! ```text
//! Runner (mio poll, Mode::Ready; SIGINT/SIGTERM end it)
//!  └─ Doist (tock 10 ms)
//!      ├─ port      PortDoer: the tty ⇄ rx/tx rings (in the poll)
//!      └─ console   stdin (StdinFeed) ▸ lines ▸ port tx;
//!                   port rx ▸ lines ▸ stdout
//! ```
//!
//! `serial-console --port /dev/ttyUSB0 --baud 115200`
//!
//! Standard input is read by a thread into a lock-free SPSC ring
//! ([`hio_serial::StdinFeed`]: works for a terminal, a pipe and a file,
//! and leaves the terminal's flags alone); the console doer takes it on
//! every pass, so a typed line goes out within a tock. The port sits in
//! the runner's poll: the program sleeps in the OS until bytes arrive or
//! the next pass is due. Lines are split with hio-hal's `LineSplitter`
//! (`\r\n` or `\n`; a `\r` before the `\n` is dropped); each line goes out
//! with the `--eol` ending.
//!
//! Exits 0 when stdin ended, every line was sent, and the port stayed
//! quiet for `--linger-ms` (the echoes drained), or, with
//! `--until-echoed`, as soon as every line sent came back, in order (for
//! an echoing peer, such as the `uart_echo` firmware; other lines, a
//! banner, are printed and do not count; use `--eol lf` or `crlf`); or on
//! SIGINT/SIGTERM. Exits 1 when the port cannot be opened or hangs up
//! (unless `--reopen-ms` is given: then it waits for the port to come
//! back), or with `--until-echoed` when the port went quiet before every
//! echo came; 2 on a usage error.

#[cfg(unix)]
mod console {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::io::Write;
    use std::process::ExitCode;

    use hio::{Cx, Doer, Doist, Error, Recur, Ring, Tock, Tyme};
    use hio_hal::LineSplitter;
    use hio_mio::{Ending, Mode, Runner, Stopper};
    use hio_serial::serialport::{DataBits, FlowControl, Parity, StopBits};
    use hio_serial::{PortConfig, PortDoer, SerialPort, StdinFeed};

    const USAGE: &str = concat!(
        "usage: serial-console --port PATH --baud N [options]\n",
        "  --port PATH         the serial port (/dev/ttyUSB0, /dev/pts/3, ...)\n",
        "  --baud N            bits per second\n",
        "  --data-bits 5..8    (default 8)\n",
        "  --parity none|odd|even        (default none)\n",
        "  --stop-bits 1|2               (default 1)\n",
        "  --flow none|software|hardware (default none)\n",
        "  --eol crlf|lf|cr    line ending sent after each line (default crlf)\n",
        "  --linger-ms N       after stdin ended: exit once the port was quiet this long (default 1000)\n",
        "  --until-echoed      after stdin ended: exit once every line sent came back\n",
        "                      (exit 1 if the port stays quiet for --linger-ms before that)\n",
        "  --reopen-ms N       reopen a port that vanished after N ms (default: exit 1)",
    );

    /// Longest line either way; longer ones are reported and skipped.
    const LINE: usize = 1024;
    /// Ring sizes.
    const RING: usize = 4096;

    struct Args {
        config: PortConfig,
        eol: &'static [u8],
        linger: Tock,
        until_echoed: bool,
    }

    fn number(flag: &str, v: &str) -> Result<u64, String> {
        v.parse::<u64>()
            .map_err(|_| format!("{flag}: not a number: {v:?}"))
    }

    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut port, mut baud) = (None, None);
        let (mut data_bits, mut parity, mut stop_bits, mut flow) = (
            DataBits::Eight,
            Parity::None,
            StopBits::One,
            FlowControl::None,
        );
        let (mut eol, mut linger, mut reopen): (&'static [u8], u64, Option<u64>) =
            (b"\r\n", 1000, None);
        let mut until_echoed = false;
        while let Some(flag) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match flag.as_str() {
                "--port" => port = Some(value("--port")?),
                "--baud" => {
                    let v = number("--baud", &value("--baud")?)?;
                    baud = Some(
                        u32::try_from(v)
                            .ok()
                            .filter(|b| *b > 0)
                            .ok_or("--baud: out of range")?,
                    );
                }
                "--data-bits" => {
                    data_bits = match value("--data-bits")?.as_str() {
                        "5" => DataBits::Five,
                        "6" => DataBits::Six,
                        "7" => DataBits::Seven,
                        "8" => DataBits::Eight,
                        v => return Err(format!("--data-bits: 5, 6, 7 or 8, not {v:?}")),
                    }
                }
                "--parity" => {
                    parity = match value("--parity")?.as_str() {
                        "none" => Parity::None,
                        "odd" => Parity::Odd,
                        "even" => Parity::Even,
                        v => return Err(format!("--parity: none, odd or even, not {v:?}")),
                    }
                }
                "--stop-bits" => {
                    stop_bits = match value("--stop-bits")?.as_str() {
                        "1" => StopBits::One,
                        "2" => StopBits::Two,
                        v => return Err(format!("--stop-bits: 1 or 2, not {v:?}")),
                    }
                }
                "--flow" => {
                    flow = match value("--flow")?.as_str() {
                        "none" => FlowControl::None,
                        "software" => FlowControl::Software,
                        "hardware" => FlowControl::Hardware,
                        v => {
                            return Err(format!("--flow: none, software or hardware, not {v:?}"));
                        }
                    }
                }
                "--eol" => {
                    eol = match value("--eol")?.as_str() {
                        "crlf" => b"\r\n",
                        "lf" => b"\n",
                        "cr" => b"\r",
                        v => return Err(format!("--eol: crlf, lf or cr, not {v:?}")),
                    }
                }
                "--linger-ms" => linger = number("--linger-ms", &value("--linger-ms")?)?,
                "--reopen-ms" => {
                    reopen = Some(number("--reopen-ms", &value("--reopen-ms")?)?);
                }
                "--until-echoed" => until_echoed = true,
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let config = PortConfig::new(
            port.ok_or("--port is required")?,
            baud.ok_or("--baud is required")?,
        )
        .data_bits(data_bits)
        .parity(parity)
        .stop_bits(stop_bits)
        .flow_control(flow)
        .reopen(reopen.map(Tock::from_millis));
        Ok(Args {
            config,
            eol,
            linger: Tock::from_millis(linger),
            until_echoed,
        })
    }

    /// Stdin lines to the port, port lines to stdout; ends the run once
    /// stdin ended, everything was sent and the port stayed quiet.
    struct Console<'a> {
        port: &'a RefCell<SerialPort<RING, RING>>,
        stdin: StdinFeed<RING>,
        typed: Ring<RING>,
        out_lines: LineSplitter<LINE>,
        in_lines: LineSplitter<LINE>,
        /// A line (with its ending) waiting for room in the port's tx.
        pending: Vec<u8>,
        eol: &'static [u8],
        linger: Tock,
        /// When the last byte arrived, or when sending finished.
        quiet_since: Tyme,
        received: u64,
        stdin_done: bool,
        /// Stop as soon as every line sent came back.
        until_echoed: bool,
        /// With `until_echoed`: the lines sent whose echo has not come yet,
        /// oldest first (other lines that arrive, a banner, are printed and
        /// do not count).
        awaited: VecDeque<Vec<u8>>,
        /// With `until_echoed`: the port went quiet before that.
        short: bool,
        sent_lines: u64,
        got_lines: u64,
        stop: Stopper,
    }

    impl Console<'_> {
        /// Queues typed lines into the port's tx while whole lines fit.
        fn send_typed(&mut self, port: &mut SerialPort<RING, RING>) {
            loop {
                if !self.pending.is_empty() {
                    if port.tx().free() < self.pending.len() {
                        return;
                    }
                    port.send(&self.pending);
                    if self.until_echoed {
                        let end = self.pending.len().saturating_sub(self.eol.len());
                        let line = self.pending.get(..end).unwrap_or_default();
                        self.awaited.push_back(line.to_vec());
                    }
                    self.pending.clear();
                    self.sent_lines += 1;
                }
                match self.out_lines.next_line(&mut self.typed) {
                    Some(Ok(line)) => {
                        self.pending.extend_from_slice(line);
                        self.pending.extend_from_slice(self.eol);
                    }
                    Some(Err(long)) => eprintln!("serial-console: typed {long}: not sent"),
                    None => return,
                }
            }
        }

        /// Prints the lines that arrived.
        fn print_received(&mut self, port: &mut SerialPort<RING, RING>) -> Result<(), Error> {
            let mut out = std::io::stdout().lock();
            let mut printed = false;
            loop {
                match self.in_lines.next_line(port.rx_mut()) {
                    Some(Ok(line)) => {
                        let ok = out.write_all(line).and_then(|()| out.write_all(b"\n"));
                        ok.map_err(|e| hio_mio::to_error(&e))?;
                        if self.awaited.front().is_some_and(|a| a == line) {
                            self.awaited.pop_front();
                        }
                        self.got_lines += 1;
                        printed = true;
                    }
                    Some(Err(long)) => eprintln!("serial-console: received {long}: skipped"),
                    None => break,
                }
            }
            if printed {
                out.flush().map_err(|e| hio_mio::to_error(&e))?;
            }
            Ok(())
        }
    }

    impl Doer for Console<'_> {
        fn name(&self) -> &'static str {
            "console"
        }
        fn enter(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
            self.quiet_since = cx.tyme();
            Ok(Recur::NEXT)
        }
        fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
            let mut port = self.port.try_borrow_mut().map_err(|_| Error::Misuse)?;
            if !self.stdin_done {
                self.stdin.read_into(&mut self.typed);
                if self.stdin.ended() {
                    self.stdin_done = true;
                    // an unfinished last line is still a line
                    let unfinished = match self.typed.iter().next_back() {
                        Some(last) => last != b'\n',
                        None => self.out_lines.pending() > 0,
                    };
                    if unfinished {
                        let _ = self.typed.push(b'\n');
                    }
                }
            }
            self.send_typed(&mut port);
            if port.received() != self.received {
                self.received = port.received();
                self.quiet_since = cx.tyme();
            }
            self.print_received(&mut port)?;
            let all_sent = self.stdin_done
                && self.typed.is_empty()
                && self.pending.is_empty()
                && port.tx().is_empty();
            if !all_sent {
                self.quiet_since = cx.tyme();
            } else if self.until_echoed && self.awaited.is_empty() {
                self.stop.stop();
            } else if cx.tyme().since(self.quiet_since) >= self.linger {
                self.short = self.until_echoed;
                self.stop.stop();
            }
            Ok(Recur::NEXT)
        }
    }

    pub fn main() -> ExitCode {
        let args = match parse(std::env::args().skip(1)) {
            Ok(a) => a,
            Err(why) => {
                if !why.is_empty() {
                    eprintln!("serial-console: {why}");
                }
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(why) => {
                eprintln!("serial-console: {why}");
                ExitCode::from(1)
            }
        }
    }

    fn run(args: Args) -> Result<(), String> {
        let path = args.config.path.display().to_string();
        let reopen = args.config.reopen.is_some();
        let mut runner = Runner::new()
            .map_err(|e| format!("cannot make the poll: {e}"))?
            .with_mode(Mode::Ready);
        runner
            .stop_on_signals()
            .map_err(|e| format!("cannot handle signals: {e}"))?;
        let port: RefCell<SerialPort<RING, RING>> =
            RefCell::new(SerialPort::with_io(&runner.io(), args.config));
        let stdin = StdinFeed::spawn().map_err(|e| format!("cannot read stdin: {e}"))?;
        let mut service = PortDoer::new("port", &port).fail_on_hangup(!reopen);
        let mut console = Console {
            port: &port,
            stdin,
            typed: Ring::new(),
            out_lines: LineSplitter::new(),
            in_lines: LineSplitter::new(),
            pending: Vec::with_capacity(LINE + 2),
            eol: args.eol,
            linger: args.linger,
            quiet_since: Tyme::ZERO,
            received: 0,
            stdin_done: false,
            until_echoed: args.until_echoed,
            awaited: VecDeque::new(),
            short: false,
            sent_lines: 0,
            got_lines: 0,
            stop: runner.stopper(),
        };
        let mut doist: Doist<'_, 2> = Doist::new(Tock::from_millis(10));
        doist
            .add(&mut service)
            .and_then(|()| doist.add(&mut console))
            .map_err(|e| format!("cannot build the tree: {e}"))?;
        let ending = runner.run(&mut doist, None);
        let p = port.borrow();
        eprintln!(
            "serial-console: {path}: sent {} lines ({} bytes), received {} lines ({} bytes)",
            console.sent_lines,
            p.sent(),
            console.got_lines,
            p.received()
        );
        match ending {
            Ok(Ending::Stopped) if console.short => Err(format!(
                "{path}: the echo stopped short: {} of {} lines did not come back",
                console.awaited.len(),
                console.sent_lines
            )),
            Ok(Ending::Stopped | Ending::Signal | Ending::Done) => Ok(()),
            Ok(Ending::Limit) => Err("stopped by its limit".into()),
            Err(e) => Err(match p.error() {
                Some(pe) => format!("{path}: {pe}"),
                None => format!("{path}: {e}"),
            }),
        }
    }
}

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    console::main()
}

#[cfg(not(unix))]
fn main() -> std::process::ExitCode {
    eprintln!("serial-console: serial ports are supported on Unix only for now");
    std::process::ExitCode::from(1)
}
