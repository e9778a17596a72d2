//! The README demo: a small tree of doers running in real time, printing a
//! live trace of what each one does, and ending on its own.
//!
//! ```text
//! Doist (tock 1/8 s, real time)
//!  ├─ heartbeat        a Doer: beats every 1/2 s, five times
//!  └─ DoDoer "kitchen" finishes when its last child does
//!      ├─ kettle       a coroutine (async block): heats 20 °C per 1/4 s
//!      └─ toaster      a closure: toasts for 6 of its runs, every 3/8 s
//! ```
//!
//! `cargo run -p hio-host-examples --bin demo` (add `-- --fast` to simulate
//! instead of waiting, `-- --recurs` to see every recur too).

use std::pin::pin;

use hio::{Co, CoDoer, Cx, DoDoer, Doer, Doify, Doist, Error, Hooks, Phase, RealTime, Recur, Tock};
use hio_host_examples::{PrintTracer, SleepWait, StdClock, say};

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

    let mut kitchen: DoDoer<'_, 4> = DoDoer::new("kitchen", Tock::ZERO);
    let mut doist: Doist<'_, 4> = Doist::new(Tock::from_millis(125));
    let built = kitchen
        .add(&mut kettle)
        .and_then(|()| kitchen.add(&mut toaster))
        .and_then(|()| doist.add(&mut heartbeat))
        .and_then(|()| doist.add(&mut kitchen));
    if let Err(e) = built {
        eprintln!("demo: cannot build the tree: {e}");
        std::process::exit(1);
    }
    doist.set_tracer(&tracer);

    println!(
        "hio demo: a Doist (tock 1/8 s) running heartbeat and a kitchen DoDoer (kettle, toaster)"
    );
    println!(
        "{}; ▸ life-cycle events (from the tracer), │ what the doers say",
        if fast {
            "simulated time (--fast)"
        } else {
            "real time"
        }
    );
    println!("    tyme  doer");
    let wall = std::time::Instant::now();
    let mut pacer = RealTime::new(StdClock::new(), SleepWait);
    let result = if fast {
        doist.run(None)
    } else {
        doist.run_paced(None, &mut pacer)
    };
    match result {
        Ok(done) => {
            println!(
                "done: {done} (every doer finished by itself) after {} passes; tyme {} s, wall {:.3} s, \
                 max lateness {:.3} ms, {} events",
                doist.passes(),
                doist.tyme(),
                wall.elapsed().as_secs_f64(),
                pacer.max_late.as_secs_f64() * 1e3,
                tracer.events()
            );
        }
        Err(e) => {
            eprintln!("demo: the tree failed: {e}");
            std::process::exit(1);
        }
    }
}
