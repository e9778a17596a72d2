//! 1000 abrupt disconnects in a row leak no file descriptor (its own test
//! binary, so no other test opens descriptors meanwhile).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failure
#![cfg(target_os = "linux")]

mod common;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use common::*;
use hio::Tock;
use hio_mio::{Ending, Mode, ServerConfig};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn a_thousand_abrupt_disconnects_leak_nothing() {
    const N: u64 = 1000;
    let before = open_fds();
    let finished = Arc::new(AtomicBool::new(false));
    let flag = finished.clone();
    let client = move |addr| {
        let t = Instant::now();
        for i in 0..N {
            let mut s = connect(addr);
            let _ = s.write_all(&i.to_le_bytes());
            reset_on_drop(&s);
            drop(s); // RST, whatever the server is doing
        }
        flag.store(true, Ordering::SeqCst);
        t.elapsed()
    };
    let start = Instant::now();
    let (ending, seen, client_time) = echo_with::<4096, 4096, _>(
        ServerConfig::default(),
        Mode::Ready,
        Tock::from_secs(60),
        client,
        |s| finished.load(Ordering::SeqCst) && s.accepted() == N && s.is_empty(),
    );
    let after = open_fds();
    println!(
        "{N} resets in {:?} (client loop {client_time:?}): accepted {}, removed {}, ended with an error {}; \
         open descriptors before {before}, after {after}",
        start.elapsed(),
        seen.accepted,
        seen.removed,
        seen.remote_errors
    );
    assert_eq!(ending, Ending::Stopped);
    assert_eq!((seen.accepted, seen.removed), (N, N));
    assert_eq!(after, before, "descriptors leaked");
    // with mio's default backlog (128) bursts overflowed the accept queue
    // and clients waited a second for SYN retries: about 5 s in all
    assert!(start.elapsed().as_secs() < 3, "{:?}", start.elapsed());
}
