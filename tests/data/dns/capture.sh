#!/bin/sh
# Captures real DNS queries for tests/data/dns/queries.tsv: a network
# namespace with only loopback, a listener on 198.51.100.2:53 (UDP and TCP)
# that reads queries and never answers, and the clients: dig (BIND 9.18, EDNS
# with a cookie, +tcp, +noedns, +dnssec), drill (ldns 1.8) and the glibc stub
# resolver (getent, with /etc/netns/NS/resolv.conf). Each client gets one try
# with a short timeout. Writes "client<TAB>transport<TAB>hex payload" lines
# (TCP payloads with their 2-byte length) to the file given (default: stdout).
# Needs root, dig, drill, tcpdump, tshark.
set -eu
out=${1:-/dev/stdout}
ns=kbdns-capture-$$
srv=198.51.100.2
tmp=$(mktemp -d)
cleanup() {
	[ -n "${lp:-}" ] && kill "$lp" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "/etc/netns/$ns" "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add $srv/32 dev lo
mkdir -p "/etc/netns/$ns"
printf 'nameserver %s\noptions edns0 attempts:1 timeout:1\n' $srv >"/etc/netns/$ns/resolv.conf"
ip netns exec "$ns" /usr/bin/python3 -c '
import socket, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("198.51.100.2", 53))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("198.51.100.2", 53))
t.listen(8)
def tcp():
    while True:
        c, _ = t.accept()
        c.recv(65535)
        c.close()
threading.Thread(target=tcp, daemon=True).start()
while True:
    u.recvfrom(65535)
' &
lp=$!
sleep 0.5
run() { # label transport command...
	label=$1 tr=$2
	shift 2
	ip netns exec "$ns" tcpdump -i lo -U -w "$tmp/$label.pcap" "$tr dst port 53" 2>/dev/null &
	tp=$!
	sleep 0.5
	ip netns exec "$ns" "$@" >/dev/null 2>&1 || true
	sleep 0.5
	kill "$tp"
	wait "$tp" 2>/dev/null || true
	field=udp.payload
	[ "$tr" = tcp ] && field=tcp.payload
	tshark -r "$tmp/$label.pcap" -T fields -e "$field" 2>/dev/null | awk '!seen[$0]++' | grep -v '^$' | head -2 |
		sed "s/^/$label\t$tr\t/" >>"$tmp/out"
}
: >"$tmp/out"
run dig_edns udp dig +tries=1 +timeout=1 @$srv dnl-01.geo.kaspersky.com A
run dig_dnssec udp dig +tries=1 +timeout=1 +dnssec @$srv Kaspersky.COM AAAA
run dig_noedns udp dig +tries=1 +timeout=1 +noedns @$srv ksn-a-stat-geo.kaspersky-labs.com
run dig_root udp dig +tries=1 +timeout=1 @$srv . NS
run dig_tcp tcp dig +tries=1 +timeout=1 +tcp @$srv updates.kaspersky.com TXT
run drill_udp udp drill @$srv click.kaspersky.com A
run glibc udp getent ahostsv4 activation-v2.kaspersky.com
cp "$tmp/out" "$out"
