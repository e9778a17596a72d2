# hio-serial: serial-console against the uart_echo firmware in QEMU over a
# pseudo-terminal (`-serial pty`), exactly as the README shows; then its
# exits on SIGINT and on a bad path. Sourced by .ci/run (set -euo pipefail,
# `step`, cwd = workspace root). The pty tests of hio-serial itself run in
# the common `cargo test --workspace`.

step "serial: hio-serial builds for Windows (its COM backend on hio-iocp; tested under wine in 60-windows.sh)"
rustup target add x86_64-pc-windows-gnu
cargo check -p hio-serial --target x86_64-pc-windows-gnu

step "serial: serial-console against uart_echo in QEMU over -serial pty"
if ! command -v qemu-system-arm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-arm
fi
rustup target add thumbv7m-none-eabi
(cd firmware-examples/qemu-lm3s6965 && CARGO_TARGET_DIR="$PWD/target" cargo build --release --bin uart_echo)
cargo build --release -q -p hio-host-examples --bin serial-console
serial_target=${CARGO_TARGET_DIR:-target}
serial_console_bin=$serial_target/release/serial-console
serial_elf=firmware-examples/qemu-lm3s6965/target/thumbv7m-none-eabi/release/uart_echo
serial_log=$serial_target/serial-qemu.out
# QEMU prints "char device redirected to /dev/pts/N (label serial0)" on
# stdout (the defmt frames follow there too). No -icount: guest time
# follows the host clock. The firmware stops by itself when nothing
# arrived in its first 2 s, and QEMU's pty backend notices a newly opened
# pty within about 1 s: start the console at once. The ready banner the
# firmware sends at boot is lost (nobody has the pty open yet).
# --until-echoed: exit as soon as every line came back (5 s of silence
# before that is a failure).
qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic -monitor none \
  -serial pty -semihosting-config enable=on,target=native \
  -kernel "$serial_elf" > "$serial_log" 2> "$serial_target"/serial-qemu.err &
serial_qemu=$!
serial_pts=
for _ in $(seq 100); do
  serial_pts=$(grep -ao '/dev/pts/[0-9]*' "$serial_log" | head -n 1 || true)
  [ -n "$serial_pts" ] && break
  sleep 0.05
done
[ -n "$serial_pts" ] || { echo "QEMU did not report its pty"; cat "$serial_target"/serial-qemu.err; exit 1; }
echo "QEMU's UART0 is on $serial_pts"
printf 'hello hio\nline two: the quick brown fox\n%s\nlast line, no newline' "$(seq -s ' ' 1 60)" \
  > "$serial_target"/serial-lines.txt
timeout 30 "$serial_console_bin" --port "$serial_pts" --baud 115200 \
  --until-echoed --linger-ms 5000 < "$serial_target"/serial-lines.txt > "$serial_target"/serial-echo.txt
printf '\n' >> "$serial_target"/serial-lines.txt
# (the boot banner is normally lost; should the console have opened the pty
# in time to get it, it is not part of the echo)
grep -v '^hio uart_echo ready$' "$serial_target"/serial-echo.txt \
  | diff -u "$serial_target"/serial-lines.txt -
echo "serial-console: every line came back"

# SIGINT ends an interactive session (stdin still open) with status 0
# (stdin is a FIFO that this shell keeps open, so it never ends by itself)
serial_fifo=$serial_target/serial-stdin.fifo
rm -f "$serial_fifo"
mkfifo "$serial_fifo"
exec 7<>"$serial_fifo"
"$serial_console_bin" --port "$serial_pts" --baud 115200 < "$serial_fifo" &
serial_console=$!
echo "typed line" >&7
sleep 2
kill -INT "$serial_console"
wait "$serial_console"
exec 7>&-
rm -f "$serial_fifo"
echo "serial-console: SIGINT gave exit status 0"
kill "$serial_qemu" 2>/dev/null || true
wait "$serial_qemu" 2>/dev/null || true

# a path with no device behind it: status 1 and a clear message
if "$serial_console_bin" --port /dev/hio-no-such-tty --baud 9600 < /dev/null 2> "$serial_target"/serial-bad.err; then
  echo "serial-console opened a path that does not exist"; exit 1
fi
cat "$serial_target"/serial-bad.err
grep -q 'cannot open the port: NotFound' "$serial_target"/serial-bad.err
