#!/bin/sh
# Runs one fuzz target for SECONDS (default 600), as docs/fuzzing.md says:
# new inputs go to fuzz/corpus/TARGET/ (git-ignored); the seeds in
# fuzz/seeds/TARGET/ are read, never written. Extra arguments go to libFuzzer.
# RUSTC_BOOTSTRAP=1 lets the stable toolchain take cargo-fuzz's nightly flags.
set -eu
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [LIBFUZZER ARGS...]}
seconds=${2:-600}
shift
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."
mkdir -p "fuzz/corpus/$target"
RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "$@"
