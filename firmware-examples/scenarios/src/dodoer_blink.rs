//! `dodoer_blink`: hio's scheduling in real time.
//!
//! ```text
//! Doist (tock 1/32 s, paced by the board clock, waiting between passes)
//!  ├─ heartbeat      a Doer: logs every 1/2 s
//!  └─ DoDoer "leds"  two closures blinking at 1/4 s and 3/8 s
//! ```
//!
//! Runs for 2 s of tyme (limit), closes the tree (cease, exit right to
//! left) and reports.

use hio::{Clock, Cx, DoDoer, Doer, Doify, Doist, Error, Fixed, Phase, RealTime, Recur, Tock, Wait};

struct Heartbeat {
    beats: u32,
}

impl Doer for Heartbeat {
    fn name(&self) -> &'static str {
        "heartbeat"
    }
    fn recur(&mut self, cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.beats += 1;
        defmt::info!(
            "heartbeat {=u32} at {=u64} ms",
            self.beats,
            cx.tyme().as_millis()
        );
        Ok(Recur::Again(Tock::from_millis(500)))
    }
    fn cease(&mut self, cx: &mut Cx<'_>) {
        defmt::info!("heartbeat ceased at {=u64} ms", cx.tyme().as_millis());
    }
}

fn led(name: &'static str, period: Tock) -> impl FnMut(&mut Cx<'_>, Phase) -> Result<Recur, Error> {
    let mut on = false;
    move |cx, phase| {
        match phase {
            Phase::Recur => {
                on = !on;
                defmt::info!(
                    "{=str} {=str} at {=u64} ms",
                    name,
                    if on { "on" } else { "off" },
                    cx.tyme().as_millis()
                );
                return Ok(Recur::Again(period));
            }
            Phase::Cease => defmt::info!("{=str} ceased", name),
            Phase::Exit => defmt::info!("{=str} exit", name),
            _ => {}
        }
        Ok(Recur::NEXT)
    }
}

/// Runs the scenario on `clock`, waiting with `wait`; returns the exit
/// code (0: stopped by its limit as planned).
pub fn run<C: Clock, W: Wait<C>>(clock: C, wait: W) -> i32 {
    let mut heartbeat = Heartbeat { beats: 0 };
    let mut red = Doify::new("red", led("red", Tock::from_millis(250)));
    let mut green = Doify::new("green", led("green", Tock::from_millis(375)));
    let mut leds: DoDoer<'_, 2, (), Fixed> = DoDoer::fixed("leds", Tock::ZERO, ());
    let mut doist: Doist<'_, 2, Fixed> = Doist::fixed(Tock::from_ratio(1, 32).unwrap_or(hio::DEFAULT_TOCK));
    let built = leds
        .add(&mut red)
        .and_then(|()| leds.add(&mut green))
        .and_then(|()| doist.add(&mut heartbeat))
        .and_then(|()| doist.add(&mut leds));
    if built.is_err() {
        defmt::error!("tree does not fit");
        return 1;
    }
    defmt::info!("dodoer_blink: start");
    let mut pacer = RealTime::new(clock, wait);
    match doist.run_paced(Some(Tock::from_secs(2)), &mut pacer) {
        Ok(done) => {
            defmt::info!(
                "dodoer_blink: stopped by limit (done {=bool}) after {=u64} passes, tyme {=u64} ms",
                done,
                doist.passes(),
                doist.tyme().as_millis()
            );
            0
        }
        Err(_) => {
            defmt::error!("dodoer_blink: the tree failed");
            1
        }
    }
}
