#!/usr/bin/env bash
# Signature matcher benchmark (docs/performance.md, "Signature matcher").
# Builds bench_sig in build/bench (or $KB_BENCH_BUILD) and prints a markdown
# table: load and compile time, database bytes, ns per host (min/median/max
# of 5 runs) and callgrind instructions per host, for 100..1M generated
# domain signatures with the default engine choice, then the same sizes
# forced into Hyperscan or the hash for comparison. 1M is built once per
# engine; Hyperscan is not forced past 10k (its literal compile grows to
# tens of seconds at 100k+).
# usage: scripts/bench/sig.sh [--no-callgrind]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${KB_BENCH_BUILD:-build/bench}
callgrind=1
[ "${1:-}" = "--no-callgrind" ] && callgrind=0

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 tests/bench/bench_sig >/dev/null
bench=$build/tests/bench/bench_sig

ir_per_host() { # ENGINE N
	local out
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=bench_match_pass "$bench" --callgrind --engine "$1" "$2" \
		>/dev/null 2>&1
	callgrind_annotate "$out" 2>/dev/null |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.0f", $1 / 10000 }'
	rm -f "$out"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(date -u +%F)"
echo
echo "| signatures | engine (requested → used) | load ms | compile ms | db bytes | ns/host min | median | max | Ir/host | HS serialise ms | deserialise ms |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row() { # ENGINE N
	local line ir="-"
	line=$("$bench" --engine "$1" "$2")
	if [ "$callgrind" = 1 ]; then ir=$(ir_per_host "$1" "$2"); fi
	echo "$line" | awk -F'\t' -v req="$1" -v ir="$ir" '{
		printf "| %s | %s → %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			$1, req, $2, $3, $4, $5, $6, $7, $8, ir, $9, $10 }'
}
for n in 100 1000 10000 100000 1000000; do row auto "$n"; done
for n in 100 1000 10000; do row hs "$n"; done
for n in 100 1000 10000 100000; do row hash "$n"; done
