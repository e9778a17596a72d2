# TLS in hio-mio (feature `tls`, rustls on ring): its tests on their own
# (the common `cargo test --workspace` runs them too, because
# host-examples enables the feature), the crate without the feature for
# clippy and docs (no item may depend on it by accident), and the tls-echo
# example run to its end (release: a few MiB through 16 KiB rings).

step "hio-mio TLS tests (feature tls), and the crate without it"
cargo test -p hio-mio --features tls --test tls
cargo clippy -p hio-mio --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p hio-mio --no-deps

step "tls-echo: a TLS echo server and client in one tree on loopback end with done: true"
cargo build --release -q -p hio-host-examples --bin tls-echo
timeout 60 ./target/release/tls-echo --bytes 8388608 | tee target/tls-echo.log
tail -n 1 target/tls-echo.log | grep -q '^done: true'
