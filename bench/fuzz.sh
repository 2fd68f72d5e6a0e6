#!/bin/sh
# bench/fuzz.sh MINUTES: runs the libFuzzer harness (fuzz/) for MINUTES over the committed
# corpus, building it first (make fuzz-build); new inputs go to build-fuzz/fuzz/long-corpus and
# crashing ones to build-fuzz/fuzz/fuzz-artifacts. Prints libFuzzer's final stats (iterations:
# stat::number_of_executed_units). A crash exits non-zero: add its input to fuzz/corpus with the fix.
set -eu
minutes=${1:?usage: bench/fuzz.sh MINUTES}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$root" && realpath -m "${BUILD_DIR:-build}")-fuzz
make -C "$root" --no-print-directory fuzz-build
exec "$root/fuzz/run_fuzz.sh" "$build/fuzz/pyxray_fuzz" "$build/fuzz/long-corpus" $((minutes * 60))
