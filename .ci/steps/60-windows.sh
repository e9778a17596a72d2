# Windows: cross-compile for x86_64-pc-windows-gnu (mingw-w64) and run the
# tests of hio, hio-mio (with TLS), hio-iocp and hio-serial under wine,
# doctests included, and the README's demo.
# Sourced by .ci/run (set -euo pipefail, `step`, cwd = workspace root).

step "windows: mingw-w64 and wine, the target, a wine prefix with the stand-in DLL"
windows_started=$SECONDS
if ! command -v wine >/dev/null || ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mingw-w64 wine64 wine
fi
rustup target add x86_64-pc-windows-gnu
windows_target_dir=${CARGO_TARGET_DIR:-target}
export WINEPREFIX
WINEPREFIX=$(realpath -m "$windows_target_dir/wine-prefix")
export WINEDEBUG=-all
if [ ! -d "$WINEPREFIX/drive_c/windows/system32" ]; then
  mkdir -p "$WINEPREFIX"
  wineboot --init >/dev/null 2>&1 || true
  wineserver -w
fi
[ -d "$WINEPREFIX/drive_c/windows/system32" ] || { echo "wine did not create $WINEPREFIX" >&2; exit 1; }
# Debian's wine 8 lacks bcryptprimitives.dll (ProcessPrng), which every
# Rust program imports: without it each exe exits with status 53.
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  .ci/wine/bcryptprimitives.c -ladvapi32 -Wl,--kill-at

step "windows: a pty as COM5 for the serial test"
# a pty whose other end writes every byte back (a loopback plug), linked
# as wine's COM5
python3 .ci/wine/pty-echo.py "$WINEPREFIX/dosdevices/com5" &
windows_echo=$!
for _ in $(seq 50); do [ -L "$WINEPREFIX/dosdevices/com5" ] && break; sleep 0.1; done
export HIO_TEST_COM=COM5

step "windows: cargo test for hio, hio-mio (tls), hio-iocp, hio-serial under wine"
# hio-mio's `tls` feature is on as in the workspace run (host-examples turns
# it on there); ring cross-compiles with mingw-w64's gcc.
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine \
  cargo test --target x86_64-pc-windows-gnu -p hio -p hio-mio -p hio-iocp -p hio-serial --features hio-mio/tls
kill "$windows_echo" 2>/dev/null || true
wait "$windows_echo" 2>/dev/null || true
unset HIO_TEST_COM
wineserver -k || true

step "windows: the README's demo under wine ends with done: true"
cargo build --target x86_64-pc-windows-gnu -p hio-host-examples --bin demo
windows_demo=$(timeout 120 wine "$windows_target_dir/x86_64-pc-windows-gnu/debug/demo.exe")
printf '%s\n' "$windows_demo" | tail -n 3
case "$(printf '%s\n' "$windows_demo" | tail -n 1)" in
  "done: true"*) ;;
  *) echo "the demo under wine did not end with 'done: true'" >&2; exit 1 ;;
esac
wineserver -k || true

step "windows: clippy and docs for the Windows target (hio-iocp's and hio-serial's Windows code exists only there)"
cargo clippy --target x86_64-pc-windows-gnu -p hio -p hio-mio -p hio-iocp -p hio-serial --all-targets --features hio-mio/tls -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --target x86_64-pc-windows-gnu -p hio-mio -p hio-iocp -p hio-serial --no-deps
echo "windows step: $((SECONDS - windows_started)) s"
