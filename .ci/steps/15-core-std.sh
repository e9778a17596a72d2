# The core's `std` feature (`From<std::io::ErrorKind> for IoKind`, the one
# OS error mapping of the host adapters): the core builds and documents with
# it alone, and no firmware crate turns it on (the core stays no_std there).
# Sourced by .ci/run (set -euo pipefail, `step`, cwd = workspace root).

step "core: the std feature alone (clippy, docs), and off in every firmware crate"
cargo clippy -p hio --all-targets --features std -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc -p hio --features std --no-deps
# the host adapters must turn it on (a check that the grep below can match)
cargo tree -p hio-mio -e features -i hio | grep -q 'hio feature "std"'
for board in firmware-examples/*/; do
  [ -f "$board/Cargo.toml" ] && [ -f "$board/.cargo/config.toml" ] || continue
  if (cd "$board" && cargo tree -e features -i hio) | grep -q 'hio feature "std"'; then
    echo "$board turns on hio's std feature; the firmware core must stay no_std" >&2
    exit 1
  fi
  echo "$board: hio without std"
done
