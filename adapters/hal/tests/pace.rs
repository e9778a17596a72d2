//! EveryPass: absolute deadlines, catch-up after a slow pass, no drift.

use core::cell::{Cell, RefCell};

use hio::{Clock, Doify, Doist, Phase, Recur, Tock, Tyme, Wait};
use hio_hal::EveryPass;

struct Wall(Cell<Tyme>);
impl Clock for &Wall {
    fn now(&mut self) -> Tyme {
        self.0.get()
    }
}

/// Jumps the wall clock to each deadline (oversleeping by 1 µs) and
/// records the deadlines.
struct Sleep<'w> {
    waits: &'w RefCell<Vec<Tyme>>,
}
impl<'f> Wait<&'f Wall> for Sleep<'_> {
    fn wait_until(&mut self, clock: &mut &'f Wall, deadline: Tyme) {
        self.waits.borrow_mut().push(deadline);
        clock.0.set(deadline + Tock::from_micros(1));
    }
}

#[test]
fn deadlines_are_absolute_and_a_slow_pass_is_caught_up() {
    let wall = Wall(Cell::new(Tyme::from_secs(7)));
    let waits = RefCell::new(Vec::new());
    let mut pass = 0;
    let mut slow = Doify::new("slow", |_cx, phase| {
        if phase == Phase::Recur {
            pass += 1;
            // the third pass takes 25 ms of wall time
            if pass == 3 {
                wall.0.set(wall.0.get() + Tock::from_millis(25));
            }
        }
        Ok(Recur::NEXT)
    });
    let mut doist: Doist<'_, 1> = Doist::new(Tock::from_millis(10));
    doist.add(&mut slow).unwrap();
    let mut pacer = EveryPass::new(&wall, Sleep { waits: &waits });
    assert_eq!(
        doist.run_paced(Some(Tock::from_millis(100)), &mut pacer),
        Ok(false)
    );
    let ms = |m: u64| Tyme::from_secs(7) + Tock::from_millis(m);
    // passes at 0, 10, 20 (slow: ends at 45); 30 and 40 are late and run
    // at once; then every deadline is on the original grid again
    assert_eq!(
        *waits.borrow(),
        vec![ms(10), ms(20), ms(50), ms(60), ms(70), ms(80), ms(90)]
    );
    assert_eq!(pacer.max_late, Tock::from_micros(15_001));
    assert_eq!(pacer.deadline(Tyme::from_millis(30)), Some(ms(30)));
}
