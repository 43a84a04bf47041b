#!/usr/bin/env bash
# run-fuzz.sh FUZZER SEED_DIR: a bounded libFuzzer run. New inputs go to a
# scratch directory so the checked-in seeds stay as they are.
set -euo pipefail
fuzzer=$(realpath "$1") seeds=$(realpath "$2")
secs=${KB_FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
cd "$work"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$work/corpus" "$seeds"
