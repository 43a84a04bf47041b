#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, then build and
# test three configurations:
#   build/release  gcc, -O2: every suite but fuzz (unit, integration, e2e)
#   build/asan     gcc, ASan+UBSan: unit and integration
#   build/fuzz     clang, libFuzzer+ASan+UBSan: the fuzz suite (short smoke)
# Extra arguments go to every `meson test` call (e.g. --suite unit).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc)
summary=()

configure() { # DIR [meson setup args...]
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

run_suites() { # DIR SUITES... : build and run, never stop the script on failure
	local dir=$1 args=()
	shift
	for s in "$@"; do args+=(--suite "$s"); done
	echo "== $dir: meson test ${args[*]}"
	ninja -C "$dir" -j "$jobs"
	meson test -C "$dir" --num-processes "$jobs" --print-errorlogs "${args[@]}" \
		"${KB_TEST_ARGS[@]}" || true
	summary+=("$dir")
}

KB_TEST_ARGS=("$@")

configure build/release -Dbuildtype=debugoptimized
run_suites build/release unit integration e2e

configure build/asan -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_suites build/asan unit integration

CC=clang configure build/fuzz -Dfuzz=enabled -Ddataplane=disabled -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debugoptimized
run_suites build/fuzz fuzz

# One closing line over every build, so a reader (or CI) sees the total.
python3 - "${summary[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    try:
        lines = open(f"{d}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        failed += 1
        print(f"{d}: no test log (build failed?)")
        continue
    for line in lines:
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"{d}: {json.loads(line)['name']}: {r}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
PY
