//! SIGINT and SIGTERM close the tree and end the run with
//! `Ending::Signal` (its own test binary: signals are process-wide).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failure
#![cfg(unix)]

use std::cell::RefCell;

use hio::{Cx, Doer, Doist, Error, Recur, Tock};
use hio_mio::{Ending, Runner};
use signal_hook::consts::{SIGINT, SIGTERM};

/// Raises `signal` on its third recur; logs how it was closed.
struct Raiser<'a> {
    signal: i32,
    n: u32,
    log: &'a RefCell<Vec<&'static str>>,
}

impl Doer for Raiser<'_> {
    fn recur(&mut self, _cx: &mut Cx<'_>) -> Result<Recur, Error> {
        self.n += 1;
        if self.n == 3 {
            signal_hook::low_level::raise(self.signal).map_err(|_| Error::Doer(1))?;
        }
        Ok(Recur::NEXT)
    }
    fn cease(&mut self, _cx: &mut Cx<'_>) {
        self.log.borrow_mut().push("cease");
    }
    fn exit(&mut self, _cx: &mut Cx<'_>) {
        self.log.borrow_mut().push("exit");
    }
}

#[test]
fn sigterm_then_sigint_close_the_tree() {
    let mut runner = Runner::new().unwrap();
    runner.stop_on_signals().unwrap();
    for signal in [SIGTERM, SIGINT] {
        let log = RefCell::new(Vec::new());
        let mut raiser = Raiser {
            signal,
            n: 0,
            log: &log,
        };
        let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(5));
        doist.add(&mut raiser).unwrap();
        let end = runner.run(&mut doist, Some(Tock::from_secs(5)));
        assert_eq!(end, Ok(Ending::Signal), "signal {signal}");
        assert_eq!(
            doist.passes(),
            3,
            "stopped right after the pass that raised"
        );
        drop(doist);
        assert_eq!(*log.borrow(), ["cease", "exit"]);
    }
}
