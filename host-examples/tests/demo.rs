//! The README demo runs to its end on its own: the TCP chat's three lines
//! come back, the network DoDoer closes its server and client, and the last
//! line is `done: true`.

use std::process::Command;

#[test]
fn demo_echoes_its_lines_and_ends_done() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .output()
        .expect("the demo runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo failed: {out:?}");
    for line in ["hello, hio", "tyme is tock after tock", "bye"] {
        assert!(
            text.contains(&format!("echo {line:?} came back")),
            "no echo of {line:?} in:\n{text}"
        );
    }
    assert!(
        text.contains("all 3 lines echoed; closed 3 doers"),
        "{text}"
    );
    for doer in ["server", "client", "network"] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!(" {doer} ")) && l.contains("▸ exit")),
            "{doer} did not exit:\n{text}"
        );
    }
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("done: true"), "last line: {last}");
}

#[test]
fn demo_fast_simulates_without_the_network() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo"))
        .arg("--fast")
        .output()
        .expect("the demo runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "demo --fast failed: {out:?}");
    assert!(!text.contains("chat"), "{text}");
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("done: true"), "last line: {last}");
}
