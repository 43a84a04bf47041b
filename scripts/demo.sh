#!/usr/bin/env bash
# kasblock inline demo (root, Debian 12).
#
# Installs the dependencies, builds kasblock, and puts it as a bridge
# between two network namespaces made for the demo:
#
#   client netns                    root netns                     server netns
#   198.51.100.10  ==veth==  [net_af_packet0  kasblock  net_af_packet1]  ==veth==  198.51.100.20
#   2001:db8:100::10                                                           2001:db8:100::20
#   curl                                                            nginx (HTTP, HTTPS), CONNECT proxy
#
# Then curl in the client namespace asks for barred Kaspersky names and for
# allowed names: the barred ones must fail at once with a reset, the others
# must get the right page. It prints a short report, kasblock's counters
# from /metrics and the event log, and removes everything it made, also
# when it fails or is interrupted.
#
# Only documentation addresses (198.51.100.0/24, 2001:db8::/32) are used,
# the namespaces have no route out, and names are mapped with
# `curl --resolve`: no packet leaves the machine, no name is resolved.
#
#   bash scripts/demo.sh            # everything
#   KB_DEMO_SKIP_DEPS=1 bash scripts/demo.sh   # deps already installed
#   KB_DEMO_BUILD=DIR bash scripts/demo.sh     # build dir (default build/release)
set -euo pipefail

cd "$(dirname "$0")/.."
src=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (network namespaces, veth pairs, DPDK)" >&2
	exit 1
fi

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

# ---- everything made below is undone here, once, whatever happens -------

tag=$$
ns_cli=kbdemo-cli-$tag
ns_srv=kbdemo-srv-$tag
out_cli=kbd${tag}c # outer veth ends, in the root namespace (<= 15 chars)
out_srv=kbd${tag}s
prefix=kbdemo$tag # DPDK --file-prefix
work=
kb_pid=
nginx_pid=
proxy_pid=
cleaned=

cleanup() {
	[ -n "$cleaned" ] && return
	cleaned=1
	trap '' INT TERM
	if [ -n "$kb_pid" ] && kill -0 "$kb_pid" 2>/dev/null; then
		kill -TERM "$kb_pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$kb_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$kb_pid" 2>/dev/null || true
	fi
	for p in $nginx_pid $proxy_pid; do kill -TERM "$p" 2>/dev/null || true; done
	for ns in "$ns_cli" "$ns_srv"; do
		if ip netns list 2>/dev/null | grep -qw "$ns"; then
			# Only what this script started runs in its namespaces.
			for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
			ip netns del "$ns" 2>/dev/null || true
		fi
		rm -rf "/etc/netns/$ns"
	done
	for l in "$out_cli" "$out_srv"; do
		[ -e "/sys/class/net/$l" ] && ip link del "$l" 2>/dev/null || true
	done
	rm -rf "/var/run/dpdk/$prefix"
	[ -n "$work" ] && rm -rf "$work"
	return 0
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, cleaning up" >&2; exit 130' INT TERM

# ---- dependencies and build ---------------------------------------------

if [ -z "${KB_DEMO_SKIP_DEPS:-}" ]; then
	step "dependencies (scripts/install-deps.sh)"
	bash scripts/install-deps.sh
fi

build=${KB_DEMO_BUILD:-build/release}
step "build ($build)"
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" control/kasblock control/kasblockctl
kasblock=$src/$build/control/kasblock

# ---- the network -------------------------------------------------------------

step "network: client and server namespaces, kasblock in the middle"
work=$(mktemp -d /tmp/kasblock-demo.XXXXXX)
chmod 755 "$work"
ip netns add "$ns_cli"
ip netns add "$ns_srv"
ip link add "$out_cli" type veth peer name kbin netns "$ns_cli"
ip link add "$out_srv" type veth peer name kbin netns "$ns_srv"
for l in "$out_cli" "$out_srv"; do
	sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1" # the bridge ports say nothing themselves
	ip link set "$l" up
	# Frames bridged through net_af_packet keep the checksum the sender
	# wrote; with TX checksum offload on, that is a partial one the far end
	# drops. Off on every veth end (this also turns TSO off). GRO off where
	# kasblock reads: a merged frame would not fit an af_packet frame slot.
	ethtool -K "$l" tx off gro off >/dev/null
done
ip netns exec "$ns_cli" sh -ec 'ip link set lo up; ip link set kbin up; ethtool -K kbin tx off >/dev/null
	ip addr add 198.51.100.10/24 dev kbin; ip -6 addr add 2001:db8:100::10/64 dev kbin nodad'
ip netns exec "$ns_srv" sh -ec 'ip link set lo up; ip link set kbin up; ethtool -K kbin tx off >/dev/null
	ip addr add 198.51.100.20/24 dev kbin; ip -6 addr add 2001:db8:100::20/64 dev kbin nodad'
say "client $ns_cli 198.51.100.10 -- $out_cli [kasblock] $out_srv -- server $ns_srv 198.51.100.20"

allowed=(example.com www.example.org files.example.net)
barred=(dnl-01.geo.kaspersky.com my.kaspersky.com download.kaspersky.com activation.kaspersky.com
	dnl-02.geo.kaspersky.com)
# The proxy resolves CONNECT targets with the server namespace's own hosts file.
mkdir -p "/etc/netns/$ns_srv"
{
	echo "127.0.0.1 localhost"
	for n in "${allowed[@]}" "${barred[@]}"; do echo "198.51.100.20 $n"; done
} >"/etc/netns/$ns_srv/hosts"

step "server: certificates, nginx (HTTP and HTTPS), CONNECT proxy"
san=$(printf 'DNS:%s,' "${allowed[@]}" "${barred[@]}")
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=kasblock demo CA" \
	-keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=example.com" \
	-keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=%sIP:198.51.100.20\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	"$san" >"$work/ext.cnf"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	-CAcreateserial -days 1 -extfile "$work/ext.cnf" -out "$work/server.pem" 2>/dev/null
say "one certificate for ${#allowed[@]} allowed and ${#barred[@]} barred names (SAN), signed by a throwaway CA"

mkdir -p "$work/www" "$work/nginx-tmp"
head -c 4194304 /dev/urandom >"$work/www/big.bin"
cat >"$work/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx-tmp;
    proxy_temp_path $work/nginx-tmp;
    fastcgi_temp_path $work/nginx-tmp;
    uwsgi_temp_path $work/nginx-tmp;
    scgi_temp_path $work/nginx-tmp;
    default_type application/octet-stream;
    server {
        listen 198.51.100.20:80;
        listen [2001:db8:100::20]:80;
        listen 198.51.100.20:443 ssl;
        listen [2001:db8:100::20]:443 ssl;
        ssl_certificate $work/server.pem;
        ssl_certificate_key $work/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $work/www;
        location = / { default_type text/plain; return 200 "hello from \$host\n"; }
    }
}
EOF
ip netns exec "$ns_srv" nginx -c "$work/nginx.conf" -e "$work/nginx-error.log" &
nginx_pid=$!
ip netns exec "$ns_srv" /usr/bin/python3 tests/e2e/connect_proxy.py 198.51.100.20 3128 \
	"$work/proxy.ready" >"$work/proxy.log" 2>&1 &
proxy_pid=$!

wait_for() { # WHAT TRIES CMD...: poll CMD until it succeeds, at most TRIES times
	local what=$1 tries=$2 rc
	shift 2
	for _ in $(seq "$tries"); do
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -eq 99 ] && break # it never will
		sleep 0.1
	done
	echo "demo: gave up waiting for $what" >&2
	return 1
}
wait_for "nginx" 100 ip netns exec "$ns_srv" curl -sf -m 2 -o /dev/null http://198.51.100.20/
wait_for "the CONNECT proxy" 100 test -e "$work/proxy.ready"

# ---- kasblock -------------------------------------------------------------

step "kasblock: bridging $out_cli <-> $out_srv with net_af_packet"
cat >"$work/kasblock.conf" <<EOF
eal = { args = [ "-l", "0-1", "--no-huge", "-m", "512", "--no-pci", "--file-prefix=$prefix",
                 "--vdev", "net_af_packet0,iface=$out_cli",
                 "--vdev", "net_af_packet1,iface=$out_srv" ]; };
ports = { pairs = ( [ "net_af_packet0", "net_af_packet1" ] ); rx_desc = 512; tx_desc = 512; mbufs = 8191; };
workers = { count = 1; };
flows = { capacity = 16384; };
inspection = { pool_slots = 256; frag_flows = 64; };
signatures = { files = [ "$src/signatures/pack" ]; };
policy = { mode = "enforce"; };
events = { file = "$work/events.json"; };
metrics = { enabled = true; address = "127.0.0.1"; port = 0; };
EOF
"$kasblock" -c "$work/kasblock.conf" --check

metrics_url=
find_metrics() {
	kill -0 "$kb_pid" 2>/dev/null || return 99
	local port
	port=$(sed -n 's|.*metrics on http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$work/kasblock.err")
	[ -n "$port" ] || return 1
	metrics_url=http://127.0.0.1:$port/metrics
	curl -sf -m 2 -o /dev/null "$metrics_url"
}
# DPDK 22.11's net_af_packet puts each socket in PACKET_FANOUT group
# (pid ^ ifindex) & 0xffff; another DPDK process on this machine may hold
# that group for other interfaces, and the port then fails to probe. A new
# process (a new pid) draws another group.
for attempt in 1 2 3; do
	"$kasblock" -c "$work/kasblock.conf" >"$work/kasblock.out" 2>"$work/kasblock.err" &
	kb_pid=$!
	wait_for "kasblock's /metrics" 200 find_metrics && break
	if [ "$attempt" -lt 3 ] && grep -q PACKET_FANOUT "$work/kasblock.err"; then
		say "af_packet fanout group taken by another DPDK process; starting kasblock again"
		wait "$kb_pid" || true
		kb_pid=
		continue
	fi
	cat "$work/kasblock.err" >&2
	exit 1
done
# The first request through the bridge also settles ARP.
wait_for "a request through kasblock" 30 ip netns exec "$ns_cli" \
	curl -sf --connect-timeout 1 -m 3 -o /dev/null http://198.51.100.20/
say "$(grep -m1 'worker(s)' "$work/kasblock.err" || true)"
say "metrics: $metrics_url"

# ---- the requests -------------------------------------------------------------

step "requests from the client namespace"
pass=0
fail=0
report=()

# try EXPECT LABEL CURL-ARGS...: one curl; EXPECT is "blocked" or the body
try() {
	local expect=$1 label=$2 out code port t ms body err verdict
	shift 2
	out=$(ip netns exec "$ns_cli" curl -sS -m 10 --cacert "$work/ca.pem" \
		-w '\n%{exitcode} %{local_port} %{time_total}' "$@" 2>"$work/curl.err") || true
	read -r code port t <<<"$(printf '%s\n' "$out" | tail -n 1)"
	body=$(printf '%s\n' "$out" | sed '$d' | head -c 60 | tr -d '\n')
	err=$(tr -d '\n' <"$work/curl.err")
	ms=$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')
	if [ "$expect" = blocked ]; then
		# Reset by kasblock: curl 35 (TLS) or 56 (HTTP, CONNECT), at once.
		if { [ "$code" = 35 ] || [ "$code" = 56 ]; } && [[ $err == *"reset by peer"* ]] &&
			awk -v t="$t" 'BEGIN { exit !(t < 1.0) }'; then
			verdict=ok
		else
			verdict=WRONG
		fi
		report+=("$(printf '%-4s %-52s blocked  failed after %6s ms: %s' "$verdict" "$label" "$ms" "${err#curl: }")")
	else
		if [ "$code" = 0 ] && [ "$body" = "$expect" ]; then verdict=ok; else verdict=WRONG; fi
		report+=("$(printf '%-4s %-52s allowed  %s in %s ms%s' "$verdict" "$label" \
			"${body:+\"$body\"}" "$ms" "${err:+ ($err)}")")
	fi
	if [ "$verdict" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

proxy=(-x http://198.51.100.20:3128)

try blocked "HTTPS dnl-01.geo.kaspersky.com" --resolve dnl-01.geo.kaspersky.com:443:198.51.100.20 https://dnl-01.geo.kaspersky.com/
try blocked "HTTPS my.kaspersky.com" --resolve my.kaspersky.com:443:198.51.100.20 https://my.kaspersky.com/
try blocked "HTTPS dnl-02.geo.kaspersky.com (IPv6)" --resolve "dnl-02.geo.kaspersky.com:443:[2001:db8:100::20]" https://dnl-02.geo.kaspersky.com/
try blocked "HTTP  download.kaspersky.com (Host header)" --resolve download.kaspersky.com:80:198.51.100.20 http://download.kaspersky.com/
try blocked "HTTP  Host: my.kaspersky.com to 198.51.100.20" -H "Host: my.kaspersky.com" http://198.51.100.20/
try blocked "CONNECT activation.kaspersky.com:443 via the proxy" "${proxy[@]}" https://activation.kaspersky.com/
try "hello from example.com" "HTTPS example.com" --resolve example.com:443:198.51.100.20 https://example.com/
try "hello from example.com" "HTTP  example.com" --resolve example.com:80:198.51.100.20 http://example.com/
try "hello from www.example.org" "HTTPS www.example.org (IPv6)" --resolve "www.example.org:443:[2001:db8:100::20]" https://www.example.org/
try "hello from files.example.net" "CONNECT files.example.net:443 via the proxy" "${proxy[@]}" https://files.example.net/

# An allowed download, byte for byte.
dl=$work/download.bin
if ip netns exec "$ns_cli" curl -sS -m 60 --cacert "$work/ca.pem" -o "$dl" \
	--resolve files.example.net:443:198.51.100.20 https://files.example.net/big.bin &&
	[ "$(sha256sum <"$dl")" = "$(sha256sum <"$work/www/big.bin")" ]; then
	report+=("$(printf '%-4s %-52s allowed  4 MiB, sha256 identical to the served file' ok "HTTPS files.example.net/big.bin")")
	pass=$((pass + 1))
else
	report+=("$(printf '%-4s %-52s allowed  download differs or failed' WRONG "HTTPS files.example.net/big.bin")")
	fail=$((fail + 1))
fi

say ""
say "     request                                              expected result"
printf '%s\n' "${report[@]}"

# ---- what kasblock says -------------------------------------------------------------

step "kasblock's counters ($metrics_url)"
# Counters are snapshotted when asked for; the event lines come from the
# main lcore a moment after the verdicts: poll until both show the blocks.
nblocked=0
for _ in $(seq 50); do
	nblocked=$(curl -s -m 2 "$metrics_url" | awk '/^kasblock_flows_blocked_total\{/ { s += $2 } END { print s + 0 }')
	[ "$nblocked" -ge 6 ] && [ "$(wc -l <"$work/events.json" 2>/dev/null || echo 0)" -ge 6 ] && break
	sleep 0.1
done
curl -s -m 2 "$metrics_url" | grep -E '^kasblock_(flows_blocked_total|resets_sent_total|flows_monitored_total|names_total|events_written_total|port_packets_(polled|sent)_total|signature_set_generation)' |
	awk '$NF != 0 || /generation/' | sed 's/^/  /'

step "event log ($(wc -l <"$work/events.json") JSON lines, shown short)"
/usr/bin/python3 - "$work/events.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    ip = lambda a: f"[{a}]" if ":" in a else a
    print(f"  {e['timestamp'][11:23]} {e['event']:5} {e['action']:5} {e['field']:9} "
          f"{e['name']:26} {e['category'] + '/' + str(e['signature_id']):16} "
          f"{ip(e['src_ip'])}:{e['src_port']} -> {ip(e['dest_ip'])}:{e['dest_port']}")
PY

step "kasblock stops (SIGTERM)"
kill -TERM "$kb_pid"
for _ in $(seq 100); do kill -0 "$kb_pid" 2>/dev/null || break; sleep 0.1; done
wait "$kb_pid" || true
kb_pid=
sed -n '/kasblock summary/,$p' "$work/kasblock.out" | grep -E 'summary|blocked flows|resets sent|packets (in|out)' | sed 's/^/  /'

say ""
if [ "$fail" -eq 0 ]; then
	say "demo: $pass of $pass requests behaved as expected: barred names reset at once, allowed names untouched"
	exit 0
fi
say "demo: $fail of $((pass + fail)) requests did NOT behave as expected (see WRONG above)"
exit 1
