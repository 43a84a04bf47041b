#!/usr/bin/env bash
# Reproduces docs/performance.md: runs every benchmark, then puts their
# tables into the document's generated blocks and redraws the plots.
#
#   dataplane.sh   three profiles, testpmd vs one kasblock worker, callgrind
#   sig.sh         signature matcher, 100 .. 1M signatures
#   parse.sh       parse cost of real clients' first bytes
#   scale.sh       flows (1k .. 10M), signatures end to end, workers,
#                  kasblock vs ndpiReader vs testpmd
#   latency        added latency per packet (needs -Dlatency_hist=true: the
#                  build in $KB_BENCH_BUILD-lat is set up for it)
#
# The machine is shared: every figure is taken against testpmd in the same
# invocation, or counted by callgrind, and each section records the load
# average. Expect about an hour (the 10M-flow fill and the callgrind runs are
# most of it); --quick runs one pair per point, 1 s each, without callgrind
# and without 10M flows, for a check of the plumbing.
#
# usage: scripts/bench/run-all.sh [--quick] [--no-docs] [--only "dataplane sig parse scale latency"]
# env:   KB_BENCH_BUILD (default build/perf, release)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export KB_BENCH_BUILD=${KB_BENCH_BUILD:-build/perf}
build=$KB_BENCH_BUILD
out=$build/report
docs=1
only="dataplane sig parse scale latency"
quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--no-docs) docs=0; shift ;;
	--only) only=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--no-docs] [--only LIST]" >&2; exit 2 ;;
	esac
done
want() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }

for t in dpdk-testpmd valgrind callgrind_annotate gnuplot ndpiReader capinfos mergecap editcap; do
	command -v "$t" >/dev/null || { echo "run-all: $t missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 >/dev/null
mkdir -p "$out"

q_dp=() q_sc=() q_cg=()
if [ "$quick" = 1 ]; then
	q_dp=(--runs 1 --seconds 1 --no-callgrind)
	q_sc=(--runs 1 --seconds 1 --no-callgrind --flows "1000 100000")
	q_cg=(--no-callgrind)
fi

{
	echo "$(nproc) vCPUs, \"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')\", TSC $(awk -F': ' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo) MHz ($(grep -qw constant_tsc /proc/cpuinfo && echo constant_tsc || echo 'no constant_tsc')), L3 $(lscpu | awk -F': *' '/^L3 cache/ { print $2 }'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo '?'), $(gcc --version | head -1), nDPI $(dpkg-query -W -f='${Version}' libndpi-bin 2>/dev/null || echo '?')"
	echo "run of \"$only\" started $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), shared with other jobs"
} >"$out/machine.txt"
sed 's/^/  /' "$out/machine.txt" >&2

step() { echo "run-all: $1 ($(date -u +%T), load $(cut -d' ' -f1 /proc/loadavg))" >&2; }
if want dataplane; then
	step dataplane
	scripts/bench/dataplane.sh "${q_dp[@]}" >"$out/dataplane.md"
fi
if want sig; then
	step sig
	scripts/bench/sig.sh "${q_cg[@]}" >"$out/sig.md"
fi
if want parse; then
	step parse
	scripts/bench/parse.sh "${q_cg[@]}" >"$out/parse.md"
fi
if want scale; then
	step scale
	scripts/bench/scale.sh "${q_sc[@]}" flows sigs workers ndpi >"$out/scale.md"
fi
if want latency; then
	step latency
	lat=$build-lat
	if [ ! -f "$lat/build.ninja" ]; then
		meson setup "$lat" -Dbuildtype=release -Dlatency_hist=true >/dev/null
	fi
	KB_BENCH_BUILD=$lat KB_BENCH_WORK=$root/$build/bench-scale \
		scripts/bench/scale.sh "${q_sc[@]}" latency >"$out/latency.md"
fi
step done
echo "finished $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
if [ "$docs" = 1 ]; then
	/usr/bin/python3 scripts/bench/report.py "$out" "$build/bench-scale" docs/performance.md docs/img
	echo "run-all: docs/performance.md and docs/img/perf-*.png updated; raw outputs in $out" >&2
fi
