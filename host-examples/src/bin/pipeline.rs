//! A small flow-based pipeline: a producer, two workers (one slow) and a
//! consumer, linked by fixed-capacity decks, showing back pressure. It is
//! asyncio's Queue worker example, hio style: nobody calls anybody, the
//! doers only push to and pull from buffers, and a full buffer makes the
//! pusher wait.
//!
//! ```text
//! Doist (tock 0.1 s)
//!  ├─ producer   a Doer: one job per pass into `jobs`; holds it while full
//!  ├─ fast       a coroutine: pull job, work 1x its size, push to `results`
//!  ├─ slow       a coroutine: the same at 3x the time
//!  ├─ consumer   a coroutine: pulls a result every 0.3 s (the bottleneck)
//!  └─ main       a coroutine: waits until every job is queued and done
//!                (`join`), then cancels the workers
//!
//!   producer ──▶ jobs: TaskDeck<Job, 4> ──▶ fast ─┐
//!                                    └──▶ slow ─┴─▶ results: Deck<Output, 2> ──▶ consumer
//! ```
//!
//! `cargo run -p hio-host-examples --bin pipeline` simulates (instant, and
//! the same output every run); add `-- --real` to watch it in real time.

use std::cell::{Cell, RefCell};
use std::pin::pin;

use hio::wait;
use hio::{
    Co, CoDoer, Cx, Deck, Doer, Doist, Error, Latch, RealTime, Recur, Target, TaskDeck, Timeout,
    Tock, Tyme,
};
use hio_host_examples::{SleepWait, StdClock, say};

const JOBS: u32 = 12;

/// A unit of work: its number and how long it takes the fast worker.
#[derive(Clone, Copy, Debug)]
struct Job {
    id: u32,
    work: Tock,
}

/// What a worker hands on.
#[derive(Clone, Copy, Debug)]
struct Output {
    job: u32,
    by: &'static str,
    done_at: Tyme,
}

/// The buffers between the doers, and a few counters for the summary.
struct Flow {
    jobs: RefCell<TaskDeck<Job, 4>>,
    results: RefCell<Deck<Output, 2>>,
    all_queued: Latch,
    producer_held: Cell<u32>,
    worker_waited: Cell<Tock>,
}

/// Queues one job per pass; when `jobs` is full it keeps the job and tries
/// again next pass (back pressure: nothing is dropped).
struct Producer<'f> {
    flow: &'f Flow,
    next: u32,
    held: Option<Job>,
}

impl Doer for Producer<'_> {
    fn name(&self) -> &'static str {
        "producer"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        let job = self.held.take().unwrap_or_else(|| {
            // job sizes 0.1 .. 0.4 s, in a fixed pattern
            let work = Tock::from_millis(100 * u64::from(1 + (self.next * 7) % 4));
            Job {
                id: self.next,
                work,
            }
        });
        let mut jobs = self.flow.jobs.borrow_mut();
        match jobs.push(job) {
            Ok(()) => {
                self.next += 1;
                say(
                    cx.tyme(),
                    "producer",
                    &format!("queued job {} ({}/{})", job.id, jobs.len(), jobs.capacity()),
                );
            }
            Err(job) => {
                self.held = Some(job);
                self.flow
                    .producer_held
                    .set(self.flow.producer_held.get() + 1);
                say(
                    cx.tyme(),
                    "producer",
                    &format!("jobs full: holding job {} (back pressure)", job.id),
                );
            }
        }
        if self.next == JOBS {
            self.flow.all_queued.set();
            return Ok(Recur::Done(true));
        }
        Ok(Recur::NEXT)
    }
}

/// Pulls jobs, works on each for `slowness` times its size, pushes the
/// result (waiting while `results` is full), and marks the job done.
async fn worker(co: &Co, name: &'static str, slowness: u64, flow: &Flow) -> Result<bool, Error> {
    co.tock(Tock::ZERO).await;
    loop {
        let job = wait::pull(co, &flow.jobs, Timeout::Never).await?;
        say(co.tyme(), name, &format!("took job {}", job.id));
        wait::sleep(co, Tock::from_nanos(job.work.as_nanos() * slowness)).await;
        let finished = co.tyme();
        if flow.results.borrow().is_full() {
            say(
                finished,
                name,
                &format!(
                    "results full: waiting to hand on job {} (back pressure)",
                    job.id
                ),
            );
        }
        let out = Output {
            job: job.id,
            by: name,
            done_at: finished,
        };
        wait::push(co, &flow.results, out, Timeout::Never)
            .await
            .map_err(|r| r.error)?;
        let waited = co.tyme().since(finished);
        flow.worker_waited.set(flow.worker_waited.get() + waited);
        flow.jobs.borrow_mut().task_done()?;
    }
}

fn main() -> Result<(), Error> {
    let real = std::env::args().any(|a| a == "--real");
    let flow = Flow {
        jobs: RefCell::new(TaskDeck::new()),
        results: RefCell::new(Deck::new()),
        all_queued: Latch::new(),
        producer_held: Cell::new(0),
        worker_waited: Cell::new(Tock::ZERO),
    };
    let by_fast = Cell::new(0u32);

    let mut producer = Producer {
        flow: &flow,
        next: 0,
        held: None,
    };

    let (co_fast, co_slow) = (Co::new(), Co::new());
    let fast = pin!(Some(worker(&co_fast, "fast", 1, &flow)));
    let slow = pin!(Some(worker(&co_slow, "slow", 3, &flow)));
    let mut fast = CoDoer::new("fast", &co_fast, fast);
    let mut slow = CoDoer::new("slow", &co_slow, slow);

    let co_consumer = Co::new();
    let consumer = pin!(Some(async {
        let co = &co_consumer;
        co.tock(Tock::ZERO).await;
        for _ in 0..JOBS {
            let out = wait::pull(co, &flow.results, Timeout::Never).await?;
            if out.by == "fast" {
                by_fast.set(by_fast.get() + 1);
            }
            say(
                co.tyme(),
                "consumer",
                &format!(
                    "got job {} from {} (finished at {}, {} s in the pipe)",
                    out.job,
                    out.by,
                    out.done_at,
                    co.tyme().since(out.done_at)
                ),
            );
            wait::sleep(co, Tock::from_millis(300)).await; // the slow stage
        }
        Ok(true)
    }));
    let mut consumer = CoDoer::new("consumer", &co_consumer, consumer);

    let co_main = Co::new();
    let main_task = pin!(Some(async {
        let co = &co_main;
        co.tock(Tock::ZERO).await;
        flow.all_queued.wait(co, Timeout::Never).await?;
        say(co.tyme(), "main", "all jobs queued; joining");
        wait::join(co, &flow.jobs, Timeout::Never).await?;
        say(co.tyme(), "main", "every job done; cancelling the workers");
        co.remove(Target::Root, &["fast", "slow"]).await?;
        Ok(true)
    }));
    let mut main_doer = CoDoer::new("main", &co_main, main_task);

    let mut doist: Doist<'_, 5> = Doist::new(Tock::from_millis(100));
    doist.add(&mut producer)?;
    doist.add(&mut fast)?;
    doist.add(&mut slow)?;
    doist.add(&mut consumer)?;
    doist.add(&mut main_doer)?;
    println!("    tyme  doer       │ what happened");
    let done = if real {
        let mut pacer = RealTime::new(StdClock::new(), SleepWait);
        doist.run_paced(Some(Tock::from_secs(60)), &mut pacer)?
    } else {
        doist.run(Some(Tock::from_secs(60)))?
    };
    let end = doist.tyme();
    drop(doist);

    println!();
    println!(
        "jobs: {JOBS}, by fast: {}, by slow: {}",
        by_fast.get(),
        JOBS - by_fast.get()
    );
    println!(
        "back pressure: producer held a job in {} passes; workers waited {} s in all for room in results",
        flow.producer_held.get(),
        flow.worker_waited.get()
    );
    println!("finished at tyme {end} s");
    println!("done: {done}");
    Ok(())
}
