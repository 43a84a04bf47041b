#!/usr/bin/env bash
# Dataplane benchmark (docs/performance.md, "Dataplane").
#
# Five generated profiles (gen_dataplane.py: (a) mixed perimeter, (b) 64-byte
# frames of established flows, (c) ClientHello-only, a new flow per packet,
# (d) QUIC-Initial-only, a new flow per packet, (e) DNS-query-only)
# are fed by net_pcap infinite_rx into net_null, first through dpdk-testpmd
# io forwarding (the ceiling: what the two vdevs cost by themselves), then
# through one kasblock worker, on the same vdevs, the same lcores (-l 0-1:
# main on 0, the forwarding lcore or worker on 1) and the same mbuf count.
# Both are read the same way (dp_rate.py): packets received on the pcap port
# over --seconds after --warmup, from the process's telemetry socket, and the
# CPU time its polling thread actually got over that interval (schedstat).
# Runs alternate testpmd / kasblock so background load hits both.
#
# Cycles per packet = TSC Hz x polling thread CPU seconds / packets (the
# polling lcore never idles with infinite_rx, but on a shared machine it does
# not get a whole CPU, so TSC Hz / wall-clock rate would count the time it
# waited); the rates shown are packets per CPU-second of that thread.
# "added" = kasblock's cycles minus testpmd's of the same run pair. Instructions per packet: each program once more under callgrind for
# --cg-seconds, the forwarding thread's instructions divided by the packets
# it received (kasblock's summary, testpmd's forward statistics).
#
# usage: scripts/bench/dataplane.sh [--runs N] [--seconds S] [--no-callgrind]
#                                   [--profiles "mixed small hello quic dns"]
# env:   KB_BENCH_BUILD (default build/bench, release), KB_BENCH_WORK (default
#        $KB_BENCH_BUILD/bench-dataplane)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${KB_BENCH_BUILD:-build/bench}
work=${KB_BENCH_WORK:-$build/bench-dataplane}
runs=5
secs=2
warm=1
cg=1
cg_secs=25
profiles="mixed small hello quic dns"
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--no-callgrind) cg=0; shift ;;
	--cg-seconds) cg_secs=$2; shift 2 ;;
	--profiles) profiles=$2; shift 2 ;;
	*) echo "usage: $0 [--runs N] [--seconds S] [--no-callgrind] [--cg-seconds S] [--profiles LIST]" >&2; exit 2 ;;
	esac
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 control/kasblock >/dev/null
kasblock=$root/$build/control/kasblock
mkdir -p "$work"
work=$(cd "$work" && pwd)
gen=scripts/bench/gen_dataplane.py
regen=0
for p in $profiles; do
	if [ ! -f "$work/$p.pcap" ] || [ "$gen" -nt "$work/$p.pcap" ]; then regen=1; fi
done
if [ "$regen" = 1 ]; then
	/usr/bin/python3 "$gen" "$work" >&2
fi

tsc_mhz=$(awk -F': ' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
grep -qw constant_tsc /proc/cpuinfo || echo "warning: no constant_tsc: cycles are approximate" >&2
mbufs=65536

# Configurations: the flow table of (c) and (d) is smaller than their 32768
# and 16384 tuples so that every packet finds no flow (entries are evicted
# before their tuple comes round again); the others use the default
# capacity (262144; (e) makes no flow entries).
conf() { # PROFILE -> path
	local f=$work/kasblock-$1.conf
	cat >"$f" <<-EOF
	ports = { pairs = ( [ "net_pcap0", "net_null0" ] ); mbufs = $((mbufs - 1)); };
	workers = { count = 1; };
	signatures = { files = [ "$root/signatures/pack" ]; };
	metrics = { enabled = false; };
	EOF
	case $1 in hello | quic) echo 'flows = { capacity = 8192; };' >>"$f" ;; esac
	echo "$f"
}

eal() { # PREFIX PCAP
	echo "-l 0-1 --no-huge -m 512 --no-pci --file-prefix $1" \
		"--vdev net_pcap0,rx_pcap=$2,infinite_rx=1 --vdev net_null0,no-rx=1"
}

cleanup_prefix() { rm -rf "/var/run/dpdk/$1"; }

run_testpmd() { # PROFILE RUN -> "packets cpu_seconds wall_seconds"
	local pre=kbbench-t-$$-$1-$2 pid rate fifo=$work/cmd.$$
	rm -f "$fifo"
	mkfifo "$fifo"
	# shellcheck disable=SC2046
	dpdk-testpmd $(eal "$pre" "$work/$1.pcap") -- -i --auto-start --forward-mode=io \
		--total-num-mbufs=$mbufs <"$fifo" >"$work/testpmd-$1-$2.log" 2>&1 &
	pid=$!
	exec 3>"$fifo"
	rate=$(/usr/bin/python3 scripts/bench/dp_rate.py "$pre" --pid "$pid" --warmup $warm \
		--seconds $secs | awk '{ print $2, $4, $3 }')
	echo quit >&3
	exec 3>&-
	wait "$pid" || true
	rm -f "$fifo"
	cleanup_prefix "$pre"
	echo "$rate"
}

run_kasblock() { # PROFILE RUN -> "packets cpu_seconds wall_seconds"
	local pre=kbbench-k-$$-$1-$2 pid rate c
	c=$(conf "$1")
	# shellcheck disable=SC2046
	"$kasblock" $(eal "$pre" "$work/$1.pcap") -- -c "$c" >"$work/kasblock-$1-$2.log" 2>&1 &
	pid=$!
	rate=$(/usr/bin/python3 scripts/bench/dp_rate.py "$pre" --pid "$pid" --warmup $warm \
		--seconds $secs | awk '{ print $2, $4, $3 }')
	kill -INT "$pid"
	wait "$pid" || true
	cleanup_prefix "$pre"
	echo "$rate"
}

# callgrind: PROFILE -> "testpmd_ir_per_pkt kasblock_ir_per_pkt"
ir_of_busiest() { # CALLGRIND_PREFIX -> Ir of the thread with the most
	local f best=0 n
	for f in "$1"-*; do
		n=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
		[ "${n:-0}" -gt "$best" ] && best=$n
	done
	echo "$best"
}

cg_profile() {
	local p=$1 pre out pk ir_t ir_k c
	pre=kbbench-cgt-$$-$p
	out=$work/cg-testpmd-$p
	rm -f "$out"*
	# shellcheck disable=SC2046
	{ sleep "$cg_secs"; echo quit; } |
		valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out.%p" \
			dpdk-testpmd $(eal "$pre" "$work/$p.pcap") -- -i --auto-start \
			--forward-mode=io --total-num-mbufs=$mbufs >"$out.log" 2>&1 || true
	cleanup_prefix "$pre"
	pk=$(awk '/Forward statistics for port 0/ { f = 1 } f && /RX-packets:/ { print $2; exit }' "$out.log")
	ir_t=$(ir_of_busiest "$(ls "$out".*-01 | head -1 | sed 's/-01$//')")
	ir_t=$(awk -v a="$ir_t" -v b="${pk:-0}" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }')

	pre=kbbench-cgk-$$-$p
	out=$work/cg-kasblock-$p
	rm -f "$out"*
	c=$(conf "$p")
	# shellcheck disable=SC2046
	timeout -s INT "$cg_secs" valgrind --tool=callgrind --separate-threads=yes \
		--callgrind-out-file="$out.%p" "$kasblock" $(eal "$pre" "$work/$p.pcap") -- -c "$c" \
		>"$out.log" 2>&1 || true
	cleanup_prefix "$pre"
	pk=$(awk '/packets in/ { print $3; exit }' "$out.log")
	local base
	base=$(ls "$out".*-01 | head -1 | sed 's/-01$//')
	ir_k=$(ir_of_busiest "$base")
	# The worker's profile, for docs/performance.md.
	local f best=0 n bf=
	for f in "$base"-*; do
		n=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
		if [ "${n:-0}" -gt "$best" ]; then best=$n; bf=$f; fi
	done
	[ -n "$bf" ] && [ "${pk:-0}" -gt 0 ] &&
		/usr/bin/python3 scripts/bench/cg_top.py "$bf" "$pk" 16 >"$work/cg-top-$p.txt"
	ir_k=$(awk -v a="$ir_k" -v b="${pk:-0}" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }')
	echo "$ir_t $ir_k"
}

stats() { # numbers... -> "min median max"
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s %s", v[1], m, v[NR] }'
}

declare -A label=([mixed]="(a) mixed perimeter" [small]="(b) 64 B, established flows"
	[hello]="(c) ClientHello, new flow each" [quic]="(d) QUIC Initial, new flow each"
	[dns]="(e) DNS query")
# (d) and (e) have no target: "-".
declare -A target=([mixed]=60 [small]=40 [hello]=600)

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), TSC ${tsc_mhz} MHz, $(date -u +%F), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $runs pairs of ${secs} s after ${warm} s warm-up; callgrind ${cg_secs} s per program"
echo
echo "| profile | testpmd Mpps per CPU-second min / med / max | kasblock Mpps per CPU-second min / med / max | kasblock % of testpmd (med) | testpmd cycles/pkt (med) | kasblock cycles/pkt (med) | added cycles/pkt min / med / max | added, % of testpmd cycles (med) | target added | polling thread's CPU share testpmd / kasblock (med) | Ir/pkt testpmd / kasblock / added |"
echo "|---|---|---|---:|---:|---:|---|---:|---:|---|---|"
for p in $profiles; do
	tp=() kb=() add=() ct=() ck=() st=() sk=()
	for r in $(seq 1 "$runs"); do
		read -r tn tc tw <<<"$(run_testpmd "$p" "$r")"
		read -r kn kc kw <<<"$(run_kasblock "$p" "$r")"
		if [ -z "$tn" ] || [ -z "$kn" ]; then
			echo "dataplane.sh: $p run $r failed: see $work/testpmd-$p-$r.log, $work/kasblock-$p-$r.log" >&2
			exit 1
		fi
		tp+=("$(awk -v n="$tn" -v c="$tc" 'BEGIN { printf "%.0f", n / c }')")
		kb+=("$(awk -v n="$kn" -v c="$kc" 'BEGIN { printf "%.0f", n / c }')")
		ct+=("$(awk -v h="$tsc_mhz" -v n="$tn" -v c="$tc" 'BEGIN { printf "%.1f", h * 1e6 * c / n }')")
		ck+=("$(awk -v h="$tsc_mhz" -v n="$kn" -v c="$kc" 'BEGIN { printf "%.1f", h * 1e6 * c / n }')")
		add+=("$(awk -v h="$tsc_mhz" -v tn="$tn" -v tc="$tc" -v kn="$kn" -v kc="$kc" \
			'BEGIN { printf "%.1f", h * 1e6 * (kc / kn - tc / tn) }')")
		st+=("$(awk -v c="$tc" -v w="$tw" 'BEGIN { printf "%.2f", c / w }')")
		sk+=("$(awk -v c="$kc" -v w="$kw" 'BEGIN { printf "%.2f", c / w }')")
		echo "  $p run $r: testpmd $tn packets in $tc CPU-s ($tw s), kasblock $kn in $kc CPU-s ($kw s)" >&2
	done
	read -r tmin tmed tmax <<<"$(stats "${tp[@]}")"
	read -r kmin kmed kmax <<<"$(stats "${kb[@]}")"
	read -r amin amed amax <<<"$(stats "${add[@]}")"
	read -r _ ctmed _ <<<"$(stats "${ct[@]}")"
	read -r _ ckmed _ <<<"$(stats "${ck[@]}")"
	read -r _ stmed _ <<<"$(stats "${st[@]}")"
	read -r _ skmed _ <<<"$(stats "${sk[@]}")"
	irs="-"
	if [ "$cg" = 1 ]; then
		read -r irt irk <<<"$(cg_profile "$p")"
		irs="$irt / $irk / $(awk -v a="$irt" -v b="$irk" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) print b - a; else print "-" }')"
	fi
	awk -v l="${label[$p]}" -v tmin="$tmin" -v tmed="$tmed" -v tmax="$tmax" \
		-v kmin="$kmin" -v kmed="$kmed" -v kmax="$kmax" -v ct="$ctmed" -v ck="$ckmed" \
		-v amin="$amin" -v amed="$amed" -v amax="$amax" -v tg="${target[$p]:-}" -v irs="$irs" \
		-v st="$stmed" -v sk="$skmed" 'BEGIN {
		printf "| %s | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.0f%% | %.0f | %.0f | %.0f / %.0f / %.0f | %.0f%% | %s | %.0f%% / %.0f%% | %s |\n",
			l, tmin / 1e6, tmed / 1e6, tmax / 1e6, kmin / 1e6, kmed / 1e6, kmax / 1e6,
			100 * kmed / tmed, ct, ck, amin, amed, amax, 100 * amed / ct,
			tg == "" ? "-" : "<= " tg, 100 * st, 100 * sk, irs }'
done
fe=$(grep -ho 'per flow [0-9]* bytes (+[0-9]* while inspected)' "$work"/kasblock-*-1.log 2>/dev/null | head -1)
echo
echo "flow state: ${fe:-unknown} (kasblock's startup line; target < 256 bytes per flow entry)"
if [ "$cg" = 1 ]; then
	for p in $profiles; do
		[ -f "$work/cg-top-$p.txt" ] || continue
		echo
		echo "${label[$p]}: kasblock worker, instructions per packet by function (callgrind, self cost; inlined code counts in its caller)"
		echo
		echo '```text'
		cat "$work/cg-top-$p.txt"
		echo '```'
	done
fi
echo
echo "kasblock's summary of the last run of each profile, and callgrind outputs: $work"
