//! The README demo: a small tree of doers running in real time, printing a
//! live trace of what each one does, and ending on its own.
//!
//! ```text
//! hio-mio Runner (mio poll, Mode::Ready: sockets serviced at once)
//!  └─ Doist (tock 1/8 s, real time)
//!      ├─ heartbeat        a Doer: beats every 1/2 s, five times
//!      ├─ DoDoer "kitchen" finishes when its last child does
//!      │   ├─ kettle       a coroutine (async block): heats 20 °C per 1/4 s
//!      │   └─ toaster      a closure: toasts for 6 of its runs, every 3/8 s
//!      └─ DoDoer "network" a TCP echo server and its client on loopback
//!          ├─ server       ServerDoer: accepts, moves bytes socket ⇄ rings
//!          ├─ echo         EchoServerDoer: each remote's rx ▸ its tx
//!          ├─ client       ClientDoer: connects, moves bytes socket ⇄ rings
//!          └─ chat         sends a few lines, checks each echo, then
//!                          removes its siblings and finishes
//! ```
//!
//! `cargo run -p hio-host-examples --bin demo` (add `-- --fast` to simulate
//! the time of the heartbeat and the kitchen instead of waiting, without
//! the network, which needs real sockets; `-- --recurs` to see every recur
//! too).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Instant;

use hio::{
    Co, CoDoer, Cx, DoDoer, Doer, Doify, Doist, Error, Hooks, IoKind, Phase, Recur, Target, Tock,
    Tyme,
};
use hio_host_examples::{PrintTracer, say};
use hio_mio::{
    ClientConfig, ClientDoer, EchoServerDoer, Ending, Mode, Runner, ServerConfig, ServerDoer,
    TcpClient, TcpServer,
};

/// What the chat sends, one line at a time.
const LINES: [&str; 3] = ["hello, hio", "tyme is tock after tock", "bye"];

/// Sends each line through the client once connected, waits for its echo,
/// checks it, and sends the next a quarter second later. After the last
/// echo it removes the server, echo and client doers (closing the sockets)
/// and finishes, so the "network" DoDoer ends with it.
struct Chat<'a> {
    client: &'a RefCell<TcpClient>,
    next: usize,
    /// The line in flight, when it was sent (wall) and by when it must be
    /// back (tyme).
    waiting: Option<(&'static str, Instant, Tyme)>,
}

impl Doer for Chat<'_> {
    fn name(&self) -> &'static str {
        "chat"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let mut c = self.client.try_borrow_mut().map_err(|_| Error::Misuse)?;
        if let Some(e) = c.error() {
            return Err(e);
        }
        if !c.connected() {
            return Ok(Recur::NEXT);
        }
        if let Some((line, sent, by)) = self.waiting {
            if c.rx().len() < line.len() {
                if cx.tyme() > by {
                    say(cx.tyme(), "chat", "no echo within 2 s");
                    return Err(Error::Timeout);
                }
                return Ok(Recur::NEXT);
            }
            let mut back = [0u8; 64];
            let n = c.rx_mut().read(&mut back);
            let echoed = back.get(..n).unwrap_or(&[]);
            if echoed != line.as_bytes() {
                say(cx.tyme(), "chat", &format!("wrong echo: {echoed:?}"));
                return Err(Error::Io(IoKind::InvalidData));
            }
            say(
                cx.tyme(),
                "chat",
                &format!(
                    "echo {line:?} came back in {:.0} µs",
                    sent.elapsed().as_secs_f64() * 1e6
                ),
            );
            self.waiting = None;
            if self.next == LINES.len() {
                drop(c);
                let closed = cx.remove(Target::Here, &["server", "echo", "client"])?;
                say(
                    cx.tyme(),
                    "chat",
                    &format!("all {} lines echoed; closed {closed} doers", LINES.len()),
                );
                return Ok(Recur::Done(true));
            }
            return Ok(Recur::Again(Tock::from_millis(250)));
        }
        let Some(line) = LINES.get(self.next) else {
            return Ok(Recur::Done(true));
        };
        if c.send(line.as_bytes()) != line.len() {
            return Err(Error::Capacity);
        }
        say(cx.tyme(), "chat", &format!("sent {line:?}"));
        self.next += 1;
        self.waiting = Some((line, Instant::now(), cx.tyme() + Tock::from_secs(2)));
        Ok(Recur::NEXT)
    }
}

/// Beats every half second, five times, then finishes by itself.
struct Heartbeat {
    beats: u32,
}

impl Doer for Heartbeat {
    fn name(&self) -> &'static str {
        "heartbeat"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.beats += 1;
        say(cx.tyme(), "heartbeat", &format!("beat {}", self.beats));
        if self.beats == 5 {
            return Ok(Recur::Done(true));
        }
        Ok(Recur::Again(Tock::from_millis(500)))
    }
}

/// The kettle's hooks: what it does on enter and when it is done.
struct KettleHooks;

impl Hooks for KettleHooks {
    fn enter(&mut self, cx: &mut Cx<'_>) -> Result<(), Error> {
        say(cx.tyme(), "kettle", "filled with water at 20 °C");
        Ok(())
    }
    fn clean(&mut self, cx: &mut Cx<'_>) {
        say(cx.tyme(), "kettle", "click! boiled");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    for a in &args {
        if a != "--fast" && a != "--recurs" {
            eprintln!("usage: demo [--fast] [--recurs]");
            std::process::exit(2);
        }
    }
    let fast = args.iter().any(|a| a == "--fast");
    let tracer = PrintTracer::new(args.iter().any(|a| a == "--recurs"));

    let mut heartbeat = Heartbeat { beats: 0 };

    let co = Co::new();
    let kettle_steps = pin!(Some(async {
        co.tock(Tock::ZERO).await; // enter ends here
        let mut celsius = 20;
        while celsius < 100 {
            celsius += 20;
            say(co.tyme(), "kettle", &format!("{celsius} °C"));
            co.tock(Tock::from_millis(250)).await;
        }
        Ok(true)
    }));
    let mut kettle = CoDoer::with_hooks("kettle", &co, kettle_steps, KettleHooks);

    let mut slices = 0;
    let mut toaster = Doify::new("toaster", |cx: &mut Cx<'_>, phase| {
        match phase {
            Phase::Enter => say(cx.tyme(), "toaster", "bread in"),
            Phase::Recur => {
                slices += 1;
                say(cx.tyme(), "toaster", &format!("toasting ({slices}/6)"));
                if slices == 6 {
                    return Ok(Recur::Done(true));
                }
                return Ok(Recur::Again(Tock::from_millis(375)));
            }
            Phase::Clean => say(cx.tyme(), "toaster", "pop! toast is ready"),
            _ => {}
        }
        Ok(Recur::NEXT)
    });

    // the network: a server on a free loopback port and a client of it,
    // registered with the runner's poll (made in --fast too, not added)
    let mut runner = match Runner::new() {
        Ok(r) => r.with_mode(Mode::Ready),
        Err(e) => fail(&format!("cannot create the poll: {e}")),
    };
    let io = runner.io();
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let server: RefCell<TcpServer> = match TcpServer::bind(&io, loopback, ServerConfig::default()) {
        Ok(s) => RefCell::new(s),
        Err(e) => fail(&format!("cannot listen on {loopback}: {e}")),
    };
    let addr = server.borrow().local_addr();
    let client: RefCell<TcpClient> =
        RefCell::new(TcpClient::new(&io, addr, ClientConfig::default()));
    let mut serve = ServerDoer::new("server", &server);
    let mut echo = EchoServerDoer::new("echo", &server);
    let mut connect = ClientDoer::new("client", &client);
    let mut chat = Chat {
        client: &client,
        next: 0,
        waiting: None,
    };

    let mut kitchen: DoDoer<'_, 4> = DoDoer::new("kitchen", Tock::ZERO);
    let mut network: DoDoer<'_, 4> = DoDoer::new("network", Tock::ZERO);
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(125));
    let mut built = kitchen
        .add(&mut kettle)
        .and_then(|()| kitchen.add(&mut toaster))
        .and_then(|()| doist.add(&mut heartbeat))
        .and_then(|()| doist.add(&mut kitchen));
    if !fast {
        built = built
            .and_then(|()| network.add(&mut serve))
            .and_then(|()| network.add(&mut echo))
            .and_then(|()| network.add(&mut connect))
            .and_then(|()| network.add(&mut chat))
            .and_then(|()| doist.add(&mut network));
    }
    if let Err(e) = built {
        fail(&format!("cannot build the tree: {e}"));
    }
    doist.set_tracer(&tracer);

    if fast {
        println!(
            "hio demo: a Doist (tock 1/8 s) running heartbeat and a kitchen DoDoer (kettle, toaster)"
        );
        println!(
            "simulated time (--fast; the network part needs real sockets: run without --fast); \
             ▸ life-cycle events (from the tracer), │ what the doers say"
        );
    } else {
        println!(
            "hio demo: a Doist (tock 1/8 s) running heartbeat, a kitchen DoDoer (kettle, toaster) \
             and a network DoDoer (TCP echo server and client on {addr})"
        );
        println!(
            "real time, run by hio-mio's Runner (Mode::Ready); ▸ life-cycle events (from the \
             tracer), │ what the doers say"
        );
    }
    println!("    tyme  doer");
    let wall = Instant::now();
    let result = if fast {
        doist.run(None).map(|done| (done, String::new()))
    } else {
        // a safety limit: the tree ends by itself in about 2.3 s
        runner
            .run(&mut doist, Some(Tock::from_secs(10)))
            .map(|ending| {
                let st = runner.stats();
                (
                    ending == Ending::Done,
                    format!(
                        ", max lateness {:.3} ms, {} readiness passes",
                        st.max_late.as_secs_f64() * 1e3,
                        st.ready_passes
                    ),
                )
            })
    };
    match result {
        Ok((done, timing)) => {
            println!(
                "done: {done} (every doer finished by itself) after {} passes; tyme {} s, wall {:.3} s{timing}, {} events",
                doist.passes(),
                doist.tyme(),
                wall.elapsed().as_secs_f64(),
                tracer.events()
            );
        }
        Err(e) => fail(&format!("the tree failed: {e}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("demo: {msg}");
    std::process::exit(1)
}
