#!/usr/bin/env bash
# Cargo runner: boots the ELF on QEMU's mps2-an386 and decodes its defmt
# output with defmt-print. Guest time is instruction-counted (-icount), so a
# run is fast and repeatable. Extra QEMU options can come from $QEMU_EXTRA
# (for example: -serial tcp:127.0.0.1:PORT,server=on,wait=on,nodelay=on).
# Exits with the firmware's semihosting exit code (124 on timeout).
set -euo pipefail
elf=$1
decode=${DEFMT_PRINT:-defmt-print}
if ! command -v "$decode" >/dev/null; then
  echo "qemu-run.sh: $decode not found (cargo install defmt-print --version 1.2.0 --locked)" >&2
  exit 127
fi
serial=(-serial none)
if [ -n "${QEMU_EXTRA:-}" ]; then serial=(); fi
# shellcheck disable=SC2086
timeout "${QEMU_TIMEOUT:-30}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
  -monitor none "${serial[@]}" ${QEMU_EXTRA:-} \
  -semihosting-config enable=on,target=native -icount shift=0,sleep=off \
  -kernel "$elf" 2> >(grep -v 'Timer with period zero' >&2) | "$decode" -e "$elf"
