//! The echo benchmark runs every point against both servers, checks every
//! echo, and ends on a `min_ratio=` line (its value is not judged: timing).

use std::process::Command;

#[test]
fn echo_ab_runs_every_point_and_prints_min_ratio() {
    let out = Command::new(env!("CARGO_BIN_EXE_echo-ab"))
        .args(["--quick", "--rounds", "1", "--secs", "0.1"])
        .output()
        .expect("echo-ab runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "echo-ab failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    for point in ["x1 conns", "x50 conns", "x500 conns", "bulk 64 KiB"] {
        assert!(
            text.lines().any(|l| l.contains(point)),
            "no {point} row:\n{text}"
        );
    }
    let last = text.lines().last().unwrap_or_default();
    let ratio: f64 = last
        .strip_prefix("min_ratio=")
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("last line is not min_ratio=<number>: {last}"));
    assert!(ratio.is_finite() && ratio > 0.0, "{last}");
}

#[test]
fn echo_ab_rejects_unknown_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_echo-ab"))
        .arg("--bogus")
        .output()
        .expect("echo-ab runs");
    assert_eq!(out.status.code(), Some(2));
}
