# The scheduler compiles a different loop on 32-bit targets (the
# microcontrollers' smaller one: every step ends in one shared path, the
# recur result stays a `Result`). The firmware runs it in QEMU on a few
# fixed scenarios; here the core's tests and every conformance scenario run
# it on a 32-bit host target (i686 Linux), so it is held to Python hio's
# traces exactly as the 64-bit loop is.
# Sourced by .ci/run (set -euo pipefail, `step`, cwd = workspace root).

step "core on a 32-bit target: hio's tests, the conformance scenarios and the life-cycle tests on i686"
rustup target add i686-unknown-linux-gnu
if [ ! -e /usr/lib32/crt1.o ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-multilib
fi
cargo test -p hio --target i686-unknown-linux-gnu
cargo test -p hio-tests --target i686-unknown-linux-gnu \
  --test conformance --test lifecycle --test lifecycle_props
