#!/usr/bin/env bash
# Builds every firmware example, runs the QEMU ones and compares their
# decoded defmt output with the golden files in <board>/expected/, and
# records flash and static RAM of every ELF (llvm-size) in
# firmware-examples/target-sizes.txt. Needs qemu-system-arm, defmt-print and
# llvm-size (rustup component add llvm-tools); .ci/run installs them.
# Size budgets (budgets.txt: board elf max-flash max-ram) are checked and
# reported; a binary over budget fails the run only with
# FIRMWARE_BUDGET=strict (uart_echo does not fit its budget yet without
# changes to the core: see budgets.txt).
set -euo pipefail
cd "$(dirname "$0")"
sysroot_bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
size_tool="$sysroot_bin/llvm-size"
sizes="$PWD/target-sizes.txt"
printf '%-28s %-22s %8s %8s\n' board elf flash ram > "$sizes"
failed=0
for board in */; do
  board=${board%/}
  # board crates only: a crate without its own target (scenarios/) is a
  # library that the boards build
  [ -f "$board/Cargo.toml" ] && [ -f "$board/.cargo/config.toml" ] || continue
  echo "--- $board: build"
  (cd "$board" && cargo build --release --bins)
  target=$(sed -n 's/^target = "\(.*\)"/\1/p' "$board/.cargo/config.toml")
  for elf_src in "$board"/src/bin/*.rs; do
    name=$(basename "$elf_src" .rs)
    elf="$board/target/$target/release/$name"
    # flash: code + read-only data + initialised data; RAM: data + bss
    read -r flash ram < <("$size_tool" -A "$elf" | awk '
      /^\.(vector_table|boot2|text|rodata)/ {f += $2}
      /^\.data/ {f += $2; r += $2}
      /^\.(bss|uninit)/ {r += $2}
      END {print f, r}')
    printf '%-28s %-22s %8d %8d\n' "$board" "$name" "$flash" "$ram" >> "$sizes"
    if read -r _ _ max_flash max_ram < <(awk -v b="$board" -v e="$name" '$1 == b && $2 == e' budgets.txt 2>/dev/null) \
      && [ -n "${max_flash:-}" ]; then
      if [ "$flash" -le "$max_flash" ] && [ "$ram" -le "$max_ram" ]; then
        echo "$board/$name: within budget ($flash/$max_flash B flash, $ram/$max_ram B RAM)"
      else
        echo "$board/$name: OVER BUDGET ($flash/$max_flash B flash, $ram/$max_ram B RAM)"
        if [ "${FIRMWARE_BUDGET:-}" = strict ]; then failed=1; fi
      fi
    fi
    golden="$board/expected/$name.txt"
    if [ -x "$board/qemu-run.sh" ] && [ -f "$golden" ]; then
      echo "--- $board/$name: run in QEMU"
      if out=$(cd "$board" && cargo run -q --release --bin "$name"); then
        if diff -u "$golden" <(printf '%s\n' "$out"); then
          echo "$board/$name: output matches $golden"
        else
          echo "$board/$name: output differs from $golden"; failed=1
        fi
      else
        echo "$board/$name: exited with status $?"; failed=1
      fi
    fi
  done
done
cat "$sizes"
exit "$failed"
