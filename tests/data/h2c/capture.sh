#!/bin/sh
# Captures what curl sends over HTTP/2 cleartext with prior knowledge, for
# tests/data/h2c/curl_*.hex: a network namespace with only loopback, nginx
# serving cleartext HTTP/2 on 198.51.100.2:8080 ("listen ... http2"), and
# curl --http2-prior-knowledge asking for names mapped to that address with
# --resolve. Each capture is the client's TCP payload, one segment per line in
# hex, written to OUTDIR/curl_NAME.hex (default: the current directory).
# Needs root, nginx, curl (with nghttp2), tcpdump and tshark.
set -eu
outdir=${1:-.}
ns=kbh2c-capture-$$
srv=198.51.100.2
tmp=$(mktemp -d)
cleanup() {
	if [ -f "$tmp/nginx.pid" ]; then kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" addr add $srv/32 dev lo
mkdir -p "$tmp/www"
echo ok >"$tmp/www/index.html"
cat >"$tmp/nginx.conf" <<CONF
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp;
	large_client_header_buffers 4 64k;
	server {
		listen $srv:8080 http2;
		root $tmp/www;
	}
}
CONF
ip netns exec "$ns" nginx -c "$tmp/nginx.conf"
sleep 0.5
run() { # name curl-args...; retried while tcpdump comes up too late
	name=$1
	shift
	for try in 1 2 3; do
		ip netns exec "$ns" tcpdump -i lo -U -w "$tmp/$name.pcap" "tcp dst port 8080" 2>/dev/null &
		tp=$!
		sleep 1
		ip netns exec "$ns" curl -s -o /dev/null --http2-prior-knowledge "$@" || true
		sleep 1
		kill "$tp"
		wait "$tp" 2>/dev/null || true
		tshark -r "$tmp/$name.pcap" -Y "tcp.len > 0" -T fields -e tcp.payload 2>/dev/null \
			>"$outdir/curl_$name.hex"
		[ -s "$outdir/curl_$name.hex" ] && return 0
	done
	echo "no capture for $name" >&2
	return 1
}
run plain --resolve h2c.kaspersky.com:8080:$srv http://h2c.kaspersky.com:8080/
run path --resolve updates.kaspersky.com:8080:$srv \
	-H 'User-Agent: kasblock-test' -H 'Accept-Language: ru' \
	'http://updates.kaspersky.com:8080/diffs/bases/av/kdb/i386/kdb-i386-0607g.xml.dif?x=1'
run ipv4 http://$srv:8080/
run host_header --resolve a.example:8080:$srv -H 'Host: Kaspersky.COM' http://a.example:8080/
big=$(head -c 20000 /dev/zero | tr '\0' 'k')
run continuation --resolve big.kaspersky.com:8080:$srv -H "X-Big: $big" http://big.kaspersky.com:8080/
