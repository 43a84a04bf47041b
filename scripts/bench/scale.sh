#!/usr/bin/env bash
# Scaling benchmarks (docs/performance.md, "Scaling" and "kasblock, nDPI and
# testpmd on one capture"). Each section prints markdown tables on stdout and
# leaves plot data in $work/plot-SECTION.dat.
#
#   flows    per-packet cost of established 64-byte traffic with 1k, 100k, 1M
#            and 10M flows in the table, and the memory that takes
#   sigs     ClientHello-only traffic (every packet a new flow) against packs
#            of 100, 10k and 100k signatures, half the names hitting
#   workers  one worker vs two on a two-queue device (mixed and hello)
#   ndpi     kasblock vs nDPI's ndpiReader vs testpmd on the mixed capture and
#            on the nDPI corpus merged into one capture
#   latency  added latency per packet, p50 / p99 / p99.9, on the three
#            dataplane.sh profiles (a build with -Dlatency_hist=true)
#
# Method (as scripts/bench/dataplane.sh): frames come from net_pcap
# infinite_rx into net_null; dpdk-testpmd io forwarding on the same vdevs,
# lcores and mbuf count is the ceiling; runs alternate testpmd / kasblock so
# background load hits both; rates are read from each process's telemetry
# (dp_rate.py), after a warm-up, as packets per second of CPU time of the
# polling thread (what the shared machine gave it; workers: per wall-clock
# second); cycles per packet = TSC Hz / rate, "added" = kasblock's minus
# testpmd's of the same pair. min / median / max of --runs.
#
# flows: two pcap ports. net_pcap0 reads flows-fill-N.pcap once (one packet
# per flow: the flow is created and decided "pass"), net_pcap1 loops the
# traffic capture (2^19 frames, gen_scale.py). The rate is read on the
# traffic port once the fill port has delivered all N frames.
#
# usage: scripts/bench/scale.sh [--runs N] [--seconds S] [--no-callgrind] [--huge]
#                               [--flows "1000 ..."] [--sigs "100 ..."] SECTION...
# --huge: EAL on hugepages (a hugetlbfs mount with enough 2 MB pages free)
# instead of --no-huge's 4 KiB pages, for the runs that take -m (not callgrind).
# env:   KB_BENCH_BUILD (default build/perf, release), KB_BENCH_WORK
#        (default $KB_BENCH_BUILD/bench-scale)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${KB_BENCH_BUILD:-build/perf}
work=${KB_BENCH_WORK:-$build/bench-scale}
runs=5
secs=2
warm=1
cg=1
cg_secs=20
flow_sizes="1000 100000 1000000 10000000"
sig_sizes="100 10000 100000"
sections=()
mem_opt=--no-huge
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--no-callgrind) cg=0; shift ;;
	--cg-seconds) cg_secs=$2; shift 2 ;;
	--flows) flow_sizes=$2; shift 2 ;;
	--huge) mem_opt=; shift ;;
	--sigs) sig_sizes=$2; shift 2 ;;
	flows | sigs | workers | ndpi | latency) sections+=("$1"); shift ;;
	*) echo "usage: $0 [--runs N] [--seconds S] [--no-callgrind] [--cg-seconds S] [--huge] [--flows LIST] [--sigs LIST] flows|sigs|workers|ndpi|latency..." >&2; exit 2 ;;
	esac
done
[ ${#sections[@]} -gt 0 ] || sections=(flows sigs workers ndpi)

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=release >/dev/null
fi
ninja -C "$build" -j2 control/kasblock >/dev/null
kasblock=$root/$build/control/kasblock
mkdir -p "$work"
work=$(cd "$work" && pwd)
gen=$root/scripts/bench/gen_scale.py
probe=$root/scripts/bench/dp_probe.py
rate=$root/scripts/bench/dp_rate.py
tsc_mhz=$(awk -F': ' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
traffic_pkts=524288

log() { echo "$*" >&2; }

# Packets per second of the polling thread's CPU time (dp_rate.py --pid: the
# busiest thread's schedstat over the same interval), so that the share of
# the CPU the shared machine leaves it does not count; with WALL=1 packets
# per wall-clock second (the workers section: two threads on two CPUs).
read_rate() { # PREFIX PORT PID
	/usr/bin/python3 "$rate" "$1" --port "$2" --pid "$3" --warmup $warm --seconds $secs |
		awk -v wall="${WALL:-0}" '{ if (wall == 1 || $4 == "-" || $4 <= 0) printf "%.0f", $1; else printf "%.0f", $2 / $4 }'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

stats() { # numbers... -> "min median max"
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s %s", v[1], m, v[NR] }'
}
cyc() { awk -v h="$tsc_mhz" -v r="$1" 'BEGIN { printf "%.1f", h * 1e6 / r }'; }
added() { awk -v h="$tsc_mhz" -v t="$1" -v k="$2" 'BEGIN { printf "%.1f", h * 1e6 / k - h * 1e6 / t }'; }
mpps3() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.2f / %.2f / %.2f", a / 1e6, b / 1e6, c / 1e6 }'; }
int3() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.0f / %.0f / %.0f", a, b, c }'; }

# ---- one run of each program ------------------------------------------------
# Both take: PREFIX LCORES MEM_MB MBUFS RATE_PORT WAIT_PORT WAIT_COUNT LOG VDEV...
# (WAIT_COUNT 0: no fill to wait for) and print "pps".

start_wait() { # PREFIX WAIT_PORT WAIT_COUNT
	if [ "$3" -gt 0 ]; then
		/usr/bin/python3 "$probe" wait "$1" --port "$2" --count "$3" --timeout 900 >/dev/null
	fi
}

run_testpmd() {
	local pre=$1 lc=$2 mem=$3 mb=$4 rp=$5 wp=$6 wc=$7 lg=$8 fifo=$work/cmd.$$ pid r q
	shift 8
	q=1
	case $lc in *,2@*) q=2 ;; esac
	rm -f "$fifo"
	mkfifo "$fifo"
	# shellcheck disable=SC2086
	dpdk-testpmd $lc $mem_opt -m "$mem" --no-pci --file-prefix "$pre" "$@" -- -i \
		--auto-start --forward-mode=io --total-num-mbufs="$mb" --nb-cores=$q \
		--rxq=$q --txq=$q <"$fifo" >"$lg" 2>&1 &
	pid=$!
	exec 3>"$fifo"
	start_wait "$pre" "$wp" "$wc"
	r=$(read_rate "$pre" "$rp" "$pid")
	echo quit >&3
	exec 3>&-
	wait "$pid" || true
	rm -f "$fifo"
	rm -rf "/var/run/dpdk/$pre"
	echo "$r"
}

# kasblock: also CONF; with MEMFILE set, writes "heap_bytes rss_kb" there.
run_kasblock() {
	local pre=$1 lc=$2 mem=$3 conf=$4 rp=$5 wp=$6 wc=$7 lg=$8 pid r
	shift 8
	# shellcheck disable=SC2086
	"$kasblock" $lc $mem_opt -m "$mem" --no-pci --file-prefix "$pre" "$@" -- -c "$conf" \
		>"$lg" 2>&1 &
	pid=$!
	start_wait "$pre" "$wp" "$wc"
	if [ -n "${MEMFILE:-}" ]; then
		echo "$(/usr/bin/python3 "$probe" heap "$pre") $(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)" >"$MEMFILE"
	fi
	r=$(read_rate "$pre" "$rp" "$pid")
	if [ -n "${QFILE:-}" ]; then
		/usr/bin/python3 "$probe" queues "$pre" --port "$rp" >"$QFILE"
	fi
	kill -INT "$pid"
	wait "$pid" || true
	rm -rf "/var/run/dpdk/$pre"
	echo "$r"
}

# ---- callgrind: instructions per packet of the polling thread ------------------

busiest() { # CALLGRIND_PREFIX -> file of the thread with the most Ir
	local f best=0 n bf=
	for f in "$1"-*; do
		n=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
		if [ "${n:-0}" -gt "$best" ]; then best=$n; bf=$f; fi
	done
	echo "$bf $best"
}

per() { awk -v a="$1" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }'; }

cg_testpmd() { # NAME MBUFS VDEV... -> Ir per packet received on port 0
	local name=$1 mb=$2 out pk f ir
	shift 2
	out=$work/cg-testpmd-$name
	rm -f "$out".*
	# shellcheck disable=SC2046
	{ sleep "$cg_secs"; echo quit; } |
		valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out.%p" \
			dpdk-testpmd -l 0-1 --no-huge -m 1024 --no-pci --file-prefix "kbcg-t-$$-$name" "$@" \
			-- -i --auto-start --forward-mode=io --total-num-mbufs="$mb" >"$out.log" 2>&1 || true
	rm -rf "/var/run/dpdk/kbcg-t-$$-$name"
	pk=$(awk '/Forward statistics for port 0/ { f = 1 } f && /RX-packets:/ { print $2; exit }' "$out.log")
	read -r f ir <<<"$(busiest "$(ls "$out".*-01 | head -1 | sed 's/-01$//')")"
	per "$ir" "$pk"
}

cg_kasblock() { # NAME CONF VDEV... -> Ir per packet; profile in $work/cg-top-NAME.txt
	local name=$1 conf=$2 out pk f ir
	shift 2
	out=$work/cg-kasblock-$name
	rm -f "$out".*
	timeout -s INT "$cg_secs" valgrind --tool=callgrind --separate-threads=yes \
		--callgrind-out-file="$out.%p" "$kasblock" -l 0-1 --no-huge -m 1024 --no-pci \
		--file-prefix "kbcg-k-$$-$name" "$@" -- -c "$conf" >"$out.log" 2>&1 || true
	rm -rf "/var/run/dpdk/kbcg-k-$$-$name"
	pk=$(awk '/packets in/ { print $3; exit }' "$out.log")
	read -r f ir <<<"$(busiest "$(ls "$out".*-01 | head -1 | sed 's/-01$//')")"
	[ -n "$f" ] && [ "${pk:-0}" -gt 0 ] &&
		/usr/bin/python3 scripts/bench/cg_top.py "$f" "$pk" 12 >"$work/cg-top-$name.txt"
	per "$ir" "$pk"
}

kconf() { # NAME [extra config lines] -> path
	local f=$work/kasblock-$1.conf
	shift
	{
		echo 'metrics = { enabled = false; };'
		printf '%s\n' "$@"
	} >"$f"
	echo "$f"
}

pack=$root/signatures/pack

# ---- flows ---------------------------------------------------------------------

section_flows() {
	local n cap mem mb conf fill traffic
	echo "### Flows in the table"
	echo
	echo "load at start: $(load)"
	echo
	echo "| flows | table entries | table MiB (80 B/entry) | DPDK heap MiB | RSS MiB | testpmd Mpps per CPU-s min / med / max | kasblock Mpps per CPU-s min / med / max | testpmd cycles/pkt (med) | added cycles/pkt min / med / max |"
	echo "|---:|---:|---:|---:|---:|---|---|---:|---|"
	: >"$work/plot-flows.dat"
	for n in $flow_sizes; do
		fill=$work/flows-fill-$n.pcap
		traffic=$work/flows-traffic-$n.pcap
		if [ ! -f "$traffic" ] || [ "$gen" -nt "$traffic" ]; then
			/usr/bin/python3 "$gen" flows "$work" "$n" >&2
		fi
		cap=1024
		while [ "$cap" -lt "$n" ]; do cap=$((cap * 2)); done
		mb=$((traffic_pkts + 65536))
		mem=$((3072 + cap * 80 / 1048576 + 256))
		conf=$(kconf "flows-$n" \
			'ports = { pairs = ( [ "net_pcap0", "net_null0" ], [ "net_pcap1", "net_null1" ] ); mbufs = '$((mb - 1))'; };' \
			'workers = { count = 1; };' \
			"flows = { capacity = $cap; timeout_passed = 3600; };" \
			"signatures = { files = [ \"$pack\" ]; };")
		local vd=(--vdev "net_pcap0,rx_pcap=$fill" --vdev net_null0,no-rx=1
			--vdev "net_pcap1,rx_pcap=$traffic,infinite_rx=1" --vdev net_null1,no-rx=1)
		local tp=() kb=() ad=() ct=() r t k
		for r in $(seq 1 "$runs"); do
			t=$(run_testpmd "kbsc-t-$$-$n-$r" "-l 0-1" "$mem" "$mb" 2 0 "$n" \
				"$work/testpmd-flows-$n-$r.log" "${vd[@]}")
			if [ "$r" = 1 ]; then
				k=$(MEMFILE=$work/mem-flows-$n run_kasblock "kbsc-k-$$-$n-$r" "-l 0-1" "$mem" \
					"$conf" 2 0 "$n" "$work/kasblock-flows-$n-$r.log" "${vd[@]}")
			else
				k=$(run_kasblock "kbsc-k-$$-$n-$r" "-l 0-1" "$mem" "$conf" 2 0 "$n" \
					"$work/kasblock-flows-$n-$r.log" "${vd[@]}")
			fi
			log "  flows $n run $r: testpmd $t pps, kasblock $k pps"
			tp+=("$t") kb+=("$k") ct+=("$(cyc "$t")") ad+=("$(added "$t" "$k")")
		done
		local created heap rss
		created=$(awk '/flows  / { gsub(",", ""); print $3; exit }' "$work/kasblock-flows-$n-1.log")
		[ "$created" = "$n" ] || log "  warning: flows $n: kasblock created ${created:-?} flows"
		read -r heap rss <"$work/mem-flows-$n"
		read -r tmin tmed tmax <<<"$(stats "${tp[@]}")"
		read -r kmin kmed kmax <<<"$(stats "${kb[@]}")"
		read -r amin amed amax <<<"$(stats "${ad[@]}")"
		read -r _ ctmed _ <<<"$(stats "${ct[@]}")"
		printf '| %s | %s | %.0f | %.0f | %.0f | %s | %s | %.0f | %s |\n' "$n" "$cap" \
			"$(awk -v c="$cap" 'BEGIN { print c * 80 / 1048576 }')" \
			"$(awk -v h="$heap" 'BEGIN { print h / 1048576 }')" \
			"$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" \
			"$(mpps3 "$tmin" "$tmed" "$tmax")" "$(mpps3 "$kmin" "$kmed" "$kmax")" "$ctmed" \
			"$(int3 "$amin" "$amed" "$amax")"
		echo "$n $tmed $kmed $amed $kmin $kmax" >>"$work/plot-flows.dat"
	done
	echo
	echo "load at end: $(load)"
}

# ---- signatures ----------------------------------------------------------------

section_sigs() {
	local n conf mb=65536 irt="-" irk
	echo "### Signatures, ClientHello-only"
	echo
	echo "load at start: $(load)"
	echo
	echo "| signatures | testpmd Mpps per CPU-s min / med / max | kasblock Mpps per CPU-s min / med / max | testpmd cycles/pkt (med) | kasblock cycles/pkt (med) | added cycles/pkt min / med / max | Ir/pkt testpmd / kasblock / added |"
	echo "|---:|---|---|---:|---:|---|---|"
	: >"$work/plot-sigs.dat"
	for n in $sig_sizes; do
		if [ ! -f "$work/sig-hello-$n.pcap" ] || [ "$gen" -nt "$work/sig-hello-$n.pcap" ]; then
			/usr/bin/python3 "$gen" sigs "$work" "$n" >&2
		fi
		# Hits pass (category other -> pass): the match is measured, not the
		# reset path, which dataplane.sh's hello profile covers.
		conf=$(kconf "sigs-$n" \
			"ports = { pairs = ( [ \"net_pcap0\", \"net_null0\" ] ); mbufs = $((mb - 1)); };" \
			'workers = { count = 1; };' 'flows = { capacity = 8192; };' \
			"signatures = { files = [ \"$work/sig-$n.sig\" ]; };" \
			'policy = { actions = { other = "pass"; }; };')
		local vd=(--vdev "net_pcap0,rx_pcap=$work/sig-hello-$n.pcap,infinite_rx=1" --vdev net_null0,no-rx=1)
		local tp=() kb=() ad=() ct=() ck=() r t k
		for r in $(seq 1 "$runs"); do
			t=$(run_testpmd "kbsc-t-$$-s$n-$r" "-l 0-1" 1024 "$mb" 0 0 0 \
				"$work/testpmd-sigs-$n-$r.log" "${vd[@]}")
			k=$(run_kasblock "kbsc-k-$$-s$n-$r" "-l 0-1" 1024 "$conf" 0 0 0 \
				"$work/kasblock-sigs-$n-$r.log" "${vd[@]}")
			log "  sigs $n run $r: testpmd $t pps, kasblock $k pps"
			tp+=("$t") kb+=("$k") ct+=("$(cyc "$t")") ck+=("$(cyc "$k")") ad+=("$(added "$t" "$k")")
		done
		irs="-"
		if [ "$cg" = 1 ]; then
			[ "$irt" = "-" ] && irt=$(cg_testpmd "sigs-$n" "$mb" "${vd[@]}")
			irk=$(cg_kasblock "sigs-$n" "$conf" "${vd[@]}")
			irs="$irt / $irk / $(awk -v a="$irt" -v b="$irk" 'BEGIN { if (a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/) print b - a; else print "-" }')"
		fi
		read -r tmin tmed tmax <<<"$(stats "${tp[@]}")"
		read -r kmin kmed kmax <<<"$(stats "${kb[@]}")"
		read -r amin amed amax <<<"$(stats "${ad[@]}")"
		read -r _ ctmed _ <<<"$(stats "${ct[@]}")"
		read -r _ ckmed _ <<<"$(stats "${ck[@]}")"
		printf '| %s | %s | %s | %.0f | %.0f | %s | %s |\n' "$n" "$(mpps3 "$tmin" "$tmed" "$tmax")" \
			"$(mpps3 "$kmin" "$kmed" "$kmax")" "$ctmed" "$ckmed" "$(int3 "$amin" "$amed" "$amax")" "$irs"
		echo "$n $tmed $kmed $amed $kmin $kmax" >>"$work/plot-sigs.dat"
	done
	echo
	echo "load at end: $(load)"
}

# ---- workers -------------------------------------------------------------------

section_workers() {
	local p w conf mb=65536 lc
	echo "### Workers"
	echo
	echo "load at start: $(load)"
	echo
	echo "| profile | workers | testpmd Mpps (wall clock) min / med / max | kasblock Mpps (wall clock) min / med / max | kasblock share per queue (last run) | kasblock x of 1 worker (med) | testpmd x of 1 core (med) |"
	echo "|---|---:|---|---|---|---:|---:|"
	: >"$work/plot-workers.dat"
	for p in mixed hello; do
		if [ ! -f "$work/$p.pcap" ]; then
			/usr/bin/python3 scripts/bench/gen_dataplane.py "$work" >&2
		fi
		if [ ! -f "$work/$p-q1.pcap" ] || [ "$work/$p.pcap" -nt "$work/$p-q1.pcap" ]; then
			/usr/bin/python3 "$gen" split "$work" "$work/$p.pcap" 2 >&2
		fi
		local t1=0 k1=0
		for w in 1 2; do
			local vd
			if [ "$w" = 1 ]; then
				lc="-l 0-1"
				vd=(--vdev "net_pcap0,rx_pcap=$work/$p.pcap,infinite_rx=1" --vdev net_null0,no-rx=1)
			else
				# Two CPUs: worker 1 shares CPU 0 with the main lcore (which
				# sleeps between its millisecond polls), worker 2 has CPU 1.
				lc="--lcores 0@0,1@0,2@1"
				vd=(--vdev "net_pcap0,rx_pcap=$work/$p-q0.pcap,rx_pcap=$work/$p-q1.pcap,infinite_rx=1"
					--vdev net_null0,no-rx=1)
			fi
			conf=$(kconf "workers-$p-$w" \
				"ports = { pairs = ( [ \"net_pcap0\", \"net_null0\" ] ); mbufs = $((mb - 1)); };" \
				"workers = { count = $w; };" \
				"signatures = { files = [ \"$pack\" ]; };" \
				"$([ "$p" = hello ] && echo 'flows = { capacity = 8192; };')")
			local tp=() kb=() r t k
			for r in $(seq 1 "$runs"); do
				t=$(WALL=1 run_testpmd "kbsc-t-$$-w$p$w-$r" "$lc" 1024 "$mb" 0 0 0 \
					"$work/testpmd-workers-$p-$w-$r.log" "${vd[@]}")
				k=$(WALL=1 QFILE=$work/q-$p-$w run_kasblock "kbsc-k-$$-w$p$w-$r" "$lc" 1024 "$conf" 0 0 0 \
					"$work/kasblock-workers-$p-$w-$r.log" "${vd[@]}")
				log "  workers $p $w run $r: testpmd $t pps, kasblock $k pps"
				tp+=("$t") kb+=("$k")
			done
			read -r tmin tmed tmax <<<"$(stats "${tp[@]}")"
			read -r kmin kmed kmax <<<"$(stats "${kb[@]}")"
			[ "$w" = 1 ] && { t1=$tmed; k1=$kmed; }
			printf '| %s | %s | %s | %s | %s | %.2f | %.2f |\n' "$p" "$w" "$(mpps3 "$tmin" "$tmed" "$tmax")" \
				"$(mpps3 "$kmin" "$kmed" "$kmax")" "$(cat "$work/q-$p-$w")" \
				"$(awk -v a="$kmed" -v b="$k1" 'BEGIN { print a / b }')" \
				"$(awk -v a="$tmed" -v b="$t1" 'BEGIN { print a / b }')"
			echo "$p $w $tmed $kmed $kmin $kmax" >>"$work/plot-workers.dat"
		done
	done
	echo
	echo "load at end: $(load)"
}

# ---- kasblock vs ndpiReader vs testpmd -------------------------------------------

# ndpiReader per CPU-second: the extra user+system time of 6 loops (-l 6: the
# capture read and dissected six times) over 1 loop, once per run; set-up
# and exit are in both and cancel out.
ndpi_rates() { # PCAP PACKETS -> pps values
	local r a b tf=$work/ndpi-time.$$
	for r in $(seq 1 "$runs"); do
		/usr/bin/time -f '%U %S' -o "$tf" ndpiReader -i "$1" -l 1 -q >/dev/null 2>&1
		a=$(tail -1 "$tf")
		/usr/bin/time -f '%U %S' -o "$tf" ndpiReader -i "$1" -l 6 -q >/dev/null 2>&1
		b=$(tail -1 "$tf")
		awk -v a="$a" -v b="$b" -v n="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
			d = y[1] + y[2] - x[1] - x[2]; if (d > 0) printf "%.0f\n", 5 * n / d }'
	done
	rm -f "$tf"
}

# Instructions per packet: (Ir of the capture - Ir of its first packet alone) / (packets - 1).
ndpi_ir() { # PCAP PACKETS
	local one=$work/one-$(basename "$1") a b
	editcap -r "$1" "$one" 1 >/dev/null
	a=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null ndpiReader -i "$1" -q 2>&1 |
		awk '/Collected :/ { print $4 }')
	b=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null ndpiReader -i "$one" -q 2>&1 |
		awk '/Collected :/ { print $4 }')
	rm -f "$one"
	awk -v a="$a" -v b="$b" -v n="$2" 'BEGIN { printf "%.0f", (a - b) / (n - 1) }'
}

# kasblock replay (-r): the extra wall and CPU time of 20 more passes (--loop).
replay_rates() { # CONF PCAP PACKETS -> "wall_pps cpu_pps"
	local c=$1 p=$2 n=$3 a b
	a=$( { /usr/bin/time -f '%e %U %S' "$kasblock" -c "$c" -r "$p" --loop 1 >/dev/null; } 2>&1 | tail -1)
	b=$( { /usr/bin/time -f '%e %U %S' "$kasblock" -c "$c" -r "$p" --loop 21 >/dev/null; } 2>&1 | tail -1)
	awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { split(a, x, " "); split(b, y, " ")
		printf "%.0f %.0f", 20 * n / (y[1] - x[1]), 20 * n / (y[2] + y[3] - x[2] - x[3]) }'
}

section_ndpi() {
	local cap name pk conf mb=65536
	echo "### kasblock, ndpiReader and testpmd on one capture"
	echo
	echo "load at start: $(load); $(ndpiReader -h 2>/dev/null | awk '/Welcome to/ { print $3, $4 }')"
	echo
	echo "| capture | packets | testpmd Mpps per CPU-s min / med / max | kasblock worker Mpps per CPU-s min / med / max | kasblock replay (-r --loop) Mpps wall / per CPU-s | ndpiReader Mpps per CPU-s min / med / max | kasblock / ndpiReader (med) | Ir/pkt testpmd / kasblock / ndpiReader |"
	echo "|---|---:|---|---|---|---|---:|---|"
	if [ ! -f "$work/mixed.pcap" ]; then
		/usr/bin/python3 scripts/bench/gen_dataplane.py "$work" >&2
	fi
	if [ ! -f "$work/corpus.pcap" ]; then
		/usr/bin/python3 "$gen" corpus "$work/corpus.pcap" "$root/../shared/corpus/ndpi/pcap" >&2
	fi
	: >"$work/plot-ndpi.dat"
	for name in mixed corpus; do
		cap=$work/$name.pcap
		pk=$(capinfos -c -M "$cap" | awk '/Number of packets/ { print $NF }')
		conf=$(kconf "ndpi-$name" \
			"ports = { pairs = ( [ \"net_pcap0\", \"net_null0\" ] ); mbufs = $((mb - 1)); };" \
			'workers = { count = 1; };' "signatures = { files = [ \"$pack\" ]; };")
		local vd=(--vdev "net_pcap0,rx_pcap=$cap,infinite_rx=1" --vdev net_null0,no-rx=1)
		local tp=() kb=() nd=() r t k
		for r in $(seq 1 "$runs"); do
			t=$(run_testpmd "kbsc-t-$$-n$name-$r" "-l 0-1" 1024 "$mb" 0 0 0 \
				"$work/testpmd-ndpi-$name-$r.log" "${vd[@]}")
			k=$(run_kasblock "kbsc-k-$$-n$name-$r" "-l 0-1" 1024 "$conf" 0 0 0 \
				"$work/kasblock-ndpi-$name-$r.log" "${vd[@]}")
			log "  ndpi $name run $r: testpmd $t pps, kasblock $k pps"
			tp+=("$t") kb+=("$k")
		done
		mapfile -t nd < <(ndpi_rates "$cap" "$pk")
		local rp
		rp=$(replay_rates "$(kconf "replay" "signatures = { files = [ \"$pack\" ]; };")" "$cap" "$pk")
		irs="-"
		if [ "$cg" = 1 ]; then
			irs="$(cg_testpmd "ndpi-$name" "$mb" "${vd[@]}") / $(cg_kasblock "ndpi-$name" "$conf" "${vd[@]}") / $(ndpi_ir "$cap" "$pk")"
		fi
		read -r tmin tmed tmax <<<"$(stats "${tp[@]}")"
		read -r kmin kmed kmax <<<"$(stats "${kb[@]}")"
		read -r nmin nmed nmax <<<"$(stats "${nd[@]}")"
		read -r rw rc <<<"$rp"
		printf '| %s | %s | %s | %s | %.2f / %.2f | %s | %.1f | %s |\n' "$name" "$pk" \
			"$(mpps3 "$tmin" "$tmed" "$tmax")" "$(mpps3 "$kmin" "$kmed" "$kmax")" \
			"$(awk -v a="$rw" 'BEGIN { print a / 1e6 }')" "$(awk -v a="$rc" 'BEGIN { print a / 1e6 }')" \
			"$(mpps3 "$nmin" "$nmed" "$nmax")" "$(awk -v a="$kmed" -v b="$nmed" 'BEGIN { print a / b }')" "$irs"
		echo "$name $tmed $kmed $nmed $rw" >>"$work/plot-ndpi.dat"
	done
	echo
	echo "load at end: $(load)"
}

# ---- added latency ---------------------------------------------------------------

# Needs a build with -Dlatency_hist=true: each worker then keeps a histogram
# of the TSC cycles from the return of rx_burst to the return of the
# tx_burst that sends a packet (every packet of a burst leaves with that
# burst's flush), and logs p50 / p99 / p99.9 / max at exit.
section_latency() {
	local p conf mb=65536
	echo "### Added latency"
	echo
	echo "load at start: $(load)"
	echo
	echo "| profile | packets per run (med) | p50 ns min / med / max | p99 ns min / med / max | p99.9 ns min / med / max | max ns (med) |"
	echo "|---|---:|---|---|---|---:|"
	for p in mixed small hello; do
		if [ ! -f "$work/$p.pcap" ]; then
			/usr/bin/python3 scripts/bench/gen_dataplane.py "$work" >&2
		fi
		conf=$(kconf "lat-$p" \
			"ports = { pairs = ( [ \"net_pcap0\", \"net_null0\" ] ); mbufs = $((mb - 1)); };" \
			'workers = { count = 1; };' "signatures = { files = [ \"$pack\" ]; };" \
			"$([ "$p" = hello ] && echo 'flows = { capacity = 8192; };')")
		local n=() a=() b=() c=() m=() r line
		for r in $(seq 1 "$runs"); do
			run_kasblock "kbsc-l-$$-$p-$r" "-l 0-1" 1024 "$conf" 0 0 0 "$work/kasblock-lat-$p-$r.log" \
				--vdev "net_pcap0,rx_pcap=$work/$p.pcap,infinite_rx=1" --vdev net_null0,no-rx=1 >/dev/null
			line=$(grep -m1 'latency:' "$work/kasblock-lat-$p-$r.log" || true)
			if [ -z "$line" ]; then
				echo "scale.sh: no latency line in kasblock-lat-$p-$r.log (build without -Dlatency_hist=true?)" >&2
				return 1
			fi
			read -r pk p50 p99 p999 mx <<<"$(echo "$line" | sed -E 's/.*latency: ([0-9]+) packets, p50 ([0-9]+) ns, p99 ([0-9]+) ns, p99.9 ([0-9]+) ns, max ([0-9]+) ns.*/\1 \2 \3 \4 \5/')"
			log "  latency $p run $r: $line"
			n+=("$pk") a+=("$p50") b+=("$p99") c+=("$p999") m+=("$mx")
		done
		read -r _ nmed _ <<<"$(stats "${n[@]}")"
		read -r _ mmed _ <<<"$(stats "${m[@]}")"
		printf '| %s | %.0f | %s | %s | %s | %.0f |\n' "$p" "$nmed" "$(int3 $(stats "${a[@]}"))" \
			"$(int3 $(stats "${b[@]}"))" "$(int3 $(stats "${c[@]}"))" "$mmed"
	done
	echo
	echo "load at end: $(load)"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), TSC ${tsc_mhz} MHz, $(date -u +%F); runs: $runs pairs of ${secs} s after ${warm} s warm-up"
echo
for s in "${sections[@]}"; do
	"section_$s"
	echo
done
