#!/bin/sh
# Captures Chromium's client Initials for tests/data/quic/chromium*_flow.hex:
# a network namespace with only loopback, a UDP socket on 198.51.100.2:443
# that reads and never answers (so no ICMP ends the attempt), and Chromium
# told to use QUIC for the name. Chromium sends its ClientHello, retransmits
# it on its PTO timer and gives up with a CONNECTION_CLOSE. Writes one UDP
# payload per line, in hex, to the file given (default: stdout). Needs root,
# chromium, tcpdump and tshark.
set -eu
out=${1:-/dev/stdout}
ns=kbq-capture-$$
name=quic.kaspersky.com
tmp=$(mktemp -d)
cleanup() {
	[ -n "${lp:-}" ] && kill "$lp" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 198.51.100.2/32 dev lo
ip netns exec "$ns" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.2", 443))
while True:
    s.recvfrom(65535)
' &
lp=$!
ip netns exec "$ns" tcpdump -i lo -U -w "$tmp/q.pcap" udp dst port 443 2>/dev/null &
tp=$!
sleep 1
HOME=$tmp timeout 15 ip netns exec "$ns" chromium --headless=new --no-sandbox \
	--disable-gpu --user-data-dir="$tmp/profile" --enable-quic \
	--origin-to-force-quic-on=$name:443 \
	--host-resolver-rules="MAP $name 198.51.100.2" \
	--dump-dom "https://$name/" >/dev/null 2>&1 || true
sleep 1
kill "$tp"
wait "$tp" 2>/dev/null || true
tshark -r "$tmp/q.pcap" -T fields -e udp.payload >"$out"
