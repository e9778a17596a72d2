#!/usr/bin/env bash
# Differential check of the Rust port against the real Python hio 0.6.10.
#
#   tests/oracle/run.sh
#
# 1. creates a virtualenv with hio==0.6.10 if there is none
#    ($HIO_VENV, default target/hio-venv in the repository; needs python3
#    and, the first time only, access to PyPI),
# 2. checks the oracle against the 33 public conformance files
#    ($HIO_CONFORMANCE_DIR, default ../shared/conformance beside the repo),
# 3. builds the Rust conformance runner (or uses $HIO_RUNNER),
# 4. runs fuzz.py on the regression cases in repros/ and on a fixed seed and
#    count ($HIO_FUZZ_SEED, $HIO_FUZZ_COUNT; the default 8000 scenarios take
#    about a minute on 2 cores).
#
# Exits non-zero if the oracle does not reproduce the expected files or if any
# fuzz scenario differs between Python hio and the Rust runner.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${HIO_VENV:-$repo/target/hio-venv}"
python="${PYTHON:-python3}"
seed="${HIO_FUZZ_SEED:-1}"
count="${HIO_FUZZ_COUNT:-8000}"
conformance="${HIO_CONFORMANCE_DIR:-$repo/../shared/conformance}"

if [ ! -x "$venv/bin/python" ]; then
    echo "oracle: creating $venv"
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import sys, hio; sys.exit(hio.__version__ != "0.6.10")' 2>/dev/null; then
    echo "oracle: installing hio==0.6.10 into $venv"
    "$venv/bin/python" -m pip install --quiet 'hio==0.6.10'
fi

echo "oracle: checking the oracle against $conformance"
if ! report="$("$venv/bin/python" "$here/validate.py" --dir "$conformance")"; then
    echo "$report"
    echo "oracle: the oracle does not reproduce the expected files" >&2
    exit 1
fi
echo "$report" | tail -n 1

runner="${HIO_RUNNER:-}"
if [ -z "$runner" ]; then
    echo "oracle: building the Rust conformance runner"
    (cd "$repo" && cargo build --release --quiet -p hio-tests --bin conformance)
    target="${CARGO_TARGET_DIR:-target}"
    case "$target" in
        /*) ;;
        *) target="$repo/$target" ;;
    esac
    runner="$target/release/conformance"
fi

echo "oracle: fuzzing, seed $seed, $count scenarios"
"$venv/bin/python" "$here/fuzz.py" --seed "$seed" --count "$count" --runner "$runner" \
    --repros "$here/repros"
