//! The COM port of the Windows test suites, written once for hio-iocp's
//! `tests/iocp.rs` and hio-serial's `tests/com.rs` (which includes this
//! file by `#[path]`): `.ci/steps/60-windows.sh` exposes a Linux pty whose
//! other end echoes every byte back as wine's COM5 and names it in
//! `HIO_TEST_COM`. Without it a COM test skips loudly, and fails when `CI`
//! is set.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Held by each COM test: there is one port, and it is opened exclusively.
static COM: Mutex<()> = Mutex::new(());

/// The COM port a test may use, held for the test's whole run.
pub struct Com {
    /// Its name (`COM5`).
    pub name: String,
    _one_at_a_time: MutexGuard<'static, ()>,
}

/// The COM port that the CI step exposes to wine, from `HIO_TEST_COM`,
/// once no other test of this program holds it; `None` (after a loud
/// `SKIPPED` line) when there is none, a panic when `CI` is set.
pub fn com_port() -> Option<Com> {
    match std::env::var("HIO_TEST_COM") {
        Ok(name) if !name.is_empty() => Some(Com {
            name,
            _one_at_a_time: COM.lock().unwrap_or_else(PoisonError::into_inner),
        }),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but HIO_TEST_COM names no COM port (see .ci/steps/60-windows.sh)"
            );
            eprintln!(
                "SKIPPED: HIO_TEST_COM is not set (a COM port whose other end echoes; \
                 .ci/steps/60-windows.sh sets one up under wine)"
            );
            None
        }
    }
}
