#!/bin/sh
# run_fuzz.sh FUZZER SCRATCH SECONDS [libFuzzer flags...]: runs the harness for SECONDS over
# the committed corpus (read only) plus SCRATCH (where it keeps the inputs it finds). Crashing
# inputs land in SCRATCH/../artifacts; a crash makes the exit status non-zero.
set -eu
fuzzer=$1 scratch=$2 seconds=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
artifacts=$(dirname "$scratch")/fuzz-artifacts
mkdir -p "$scratch" "$artifacts"
# -timeout: an input that takes 10 s is a hang; -rss_limit_mb: an unbounded allocation is a bug.
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=2000000 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$scratch" "$here/corpus"
