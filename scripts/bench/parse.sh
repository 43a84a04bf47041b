#!/usr/bin/env bash
# Parse cost of real clients' first bytes (docs/performance.md, "Parsers"):
# for each capture in tests/data/real/, ns per parse (init + feed + host
# normalisation; fed whole and in two pieces; min/median/max of 5 runs) and
# callgrind instructions per parse (fed whole; counted inside parse_pass
# only, so start-up is excluded; repeatable whatever the machine's load).
# usage: scripts/bench/parse.sh [--no-callgrind]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${KB_BENCH_BUILD:-build/bench}
callgrind=1
[ "${1:-}" = "--no-callgrind" ] && callgrind=0

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 tests/bench/bench_parse >/dev/null
bench=$build/tests/bench/bench_parse
passes=1000

ir_per_parse() { # FILE
	local out
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=parse_pass \
		"$bench" --callgrind "$passes" "$1" >/dev/null 2>&1
	callgrind_annotate "$out" 2>/dev/null |
		awk -v n="$passes" '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.0f", $1 / n }'
	rm -f "$out"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(date -u +%F)"
echo
echo "| capture | bytes | ns whole min | median | max | ns in 2 pieces min | median | max | Ir/parse |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in tests/data/real/*.tls.bin tests/data/real/*.http.bin; do
	ir="-"
	[ "$callgrind" = 1 ] && ir=$(ir_per_parse "$f")
	"$bench" "$f" | awk -F'\t' -v ir="$ir" '
		NR == 1 { name = $1; bytes = $2; w = $4 " | " $5 " | " $6 }
		NR == 2 { printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, bytes, w, $4, $5, $6, ir }'
done
