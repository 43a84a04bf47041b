#!/bin/bash
# Capture real clients' first bytes (TLS ClientHello, HTTP request head) in two
# private network namespaces, then extract them with extract.py.
#
# Maintainer tool, not run in CI. Run as root:
#     sudo tests/data/real/capture.sh [OUTDIR]     (default: this directory)
#
# Topology: netns kbcap-cli (198.51.100.1, 2001:db8:100::1) <-veth-> netns
# kbcap-srv (198.51.100.2, 2001:db8:100::2). Only documentation prefixes, no
# default route, nothing resolves a real name: the client namespace gets its
# own hosts file (/etc/netns/kbcap-cli/hosts) and resolv.conf pointing at its
# own loopback, curl uses --resolve, Chromium --host-resolver-rules. Every
# name, including the kaspersky.com ones, lands on the local servers.
# Everything is torn down on exit, failed or not.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
PY=/usr/bin/python3            # Debian's python3: the one that has scapy

NS_C=kbcap-cli
NS_S=kbcap-srv
IF_C=kbcap-c
IF_S=kbcap-s
C4=198.51.100.1
S4=198.51.100.2
C6=2001:db8:100::1
S6=2001:db8:100::2
PROXY_PORT=3128
CLIENT_TIMEOUT=40

[ "$(id -u)" -eq 0 ] || { echo "capture.sh: must run as root" >&2; exit 1; }
for t in ip tcpdump ethtool nginx openssl curl wget gnutls-cli chromium tshark; do
    command -v "$t" >/dev/null || { echo "capture.sh: $t not found" >&2; exit 1; }
done
"$PY" -c 'import scapy' 2>/dev/null || { echo "capture.sh: $PY lacks scapy" >&2; exit 1; }
if ip netns list | grep -qE "^($NS_C|$NS_S)( |$)"; then
    echo "capture.sh: namespace $NS_C or $NS_S already exists; remove it first" >&2
    exit 1
fi

WORK=$(mktemp -d /tmp/kbcap.XXXXXX)
NETNS_ETC_CREATED=0
[ -d /etc/netns ] || NETNS_ETC_CREATED=1
bg_pids=()

cleanup() {
    set +e
    for p in "${bg_pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    # Anything still alive inside our own namespaces was started by this run.
    for ns in "$NS_C" "$NS_S"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill "$p" 2>/dev/null
        done
    done
    sleep 0.5
    for ns in "$NS_C" "$NS_S"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$p" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "/etc/netns/$NS_C" "/etc/netns/$NS_S"
    [ "$NETNS_ETC_CREATED" -eq 1 ] && rmdir /etc/netns 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

# ---------------------------------------------------------------- network
ip netns add "$NS_C"
ip netns add "$NS_S"
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_S" netns "$NS_S"
in_c ip link set lo up
in_s ip link set lo up
in_c ip addr add "$C4/24" dev "$IF_C"
in_s ip addr add "$S4/24" dev "$IF_S"
in_c ip -6 addr add "$C6/64" dev "$IF_C" nodad
in_s ip -6 addr add "$S6/64" dev "$IF_S" nodad
# Checksums computed in software so the capture holds valid ones, and no
# TSO/GSO/GRO so the capture shows the segments that really cross the wire.
for side in c s; do
    if [ $side = c ]; then ns=$NS_C; ifc=$IF_C; else ns=$NS_S; ifc=$IF_S; fi
    ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null
    ip netns exec "$ns" ethtool -K "$ifc" tso off gso off gro off >/dev/null 2>&1 || true
    ip netns exec "$ns" ip link set "$ifc" up
done

mkdir -p "/etc/netns/$NS_C"
{
    echo "127.0.0.1 localhost"
    for n in dnl-01.geo.kaspersky.com openssl.kasblock.test gnutls.kasblock.test \
             python-ssl.kasblock.test wget-tls.kasblock.test wget.kasblock.test \
             proxy.kasblock.test; do
        echo "$S4 $n"
    done
    echo "$S6 curl-ipv6.kasblock.test curl-ipv6-http.kasblock.test"
} > "/etc/netns/$NS_C/hosts"
echo "nameserver 127.0.0.1" > "/etc/netns/$NS_C/resolv.conf"

# ---------------------------------------------------------------- servers
SAN="DNS:*.kasblock.test,DNS:kasblock.test,DNS:*.geo.kaspersky.com,DNS:my.kaspersky.com"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
    -subj "/CN=kasblock.test" -addext "subjectAltName=$SAN" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
mkdir -p "$WORK/www" "$WORK/tmp"
printf '<!doctype html><title>kasblock capture</title><p>ok</p>\n' > "$WORK/www/index.html"
cat > "$WORK/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 64; }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/tmp;
    proxy_temp_path $WORK/tmp;
    fastcgi_temp_path $WORK/tmp;
    uwsgi_temp_path $WORK/tmp;
    scgi_temp_path $WORK/tmp;
    default_type text/html;
    keepalive_timeout 5s;
    server {
        listen $S4:80;
        listen $S4:8080;
        listen [$S6]:80;
        listen $S4:443 ssl;
        listen [$S6]:443 ssl;
        ssl_certificate $WORK/cert.pem;
        ssl_certificate_key $WORK/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $WORK/www;
    }
}
EOF
ip netns exec "$NS_S" nginx -p "$WORK" -c "$WORK/nginx.conf" &
bg_pids+=($!)
ip netns exec "$NS_S" "$PY" "$HERE/connect_proxy.py" --listen "$S4" --port "$PROXY_PORT" \
    --tls-upstream "$S4:443" --http-upstream "$S4:80" --lifetime 900 &
bg_pids+=($!)

wait_port() {   # wait_port PORT: until something listens on it in the server ns
    local i
    for i in $(seq 1 50); do
        in_s ss -ltnH "sport = :$1" | grep -q LISTEN && return 0
        sleep 0.1
    done
    echo "capture.sh: nothing listens on port $1" >&2
    return 1
}
for p in 80 8080 443 "$PROXY_PORT"; do wait_port "$p"; done

# ---------------------------------------------------------------- clients
DATE=$(date -u +%Y-%m-%d)
V_CURL=$(curl --version | head -1)
V_OPENSSL=$(openssl version)
V_GNUTLS=$(gnutls-cli --version | head -1)
V_CHROMIUM=$(chromium --version 2>/dev/null | head -1)
V_PYTHON=$("$PY" -c 'import ssl, sys; print("Python", sys.version.split()[0], ssl.OPENSSL_VERSION)')
V_WGET=$(wget --version | head -1)

printf 'stem\tclient\tversion\tdate\tcommand\n' > "$WORK/manifest.tsv"
printf 'file\tkind\tfield\tname\n' > "$WORK/expect.tsv"

CHROME_FLAGS=(--headless --no-sandbox --disable-gpu --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --disable-quic "--host-resolver-rules=MAP * $S4" --ignore-certificate-errors)

# capture STEM CLIENT VERSION -- COMMAND...: run COMMAND in the client ns while
# tcpdump records the server-side veth.
capture() {
    local stem=$1 client=$2 version=$3
    shift 4
    local pcap="$WORK/$stem.pcap" log="$WORK/$stem.tcpdump.log" tpid i rc=0
    ip netns exec "$NS_S" tcpdump -i "$IF_S" -U -s 0 -w "$pcap" tcp 2>"$log" &
    tpid=$!
    for i in $(seq 1 50); do
        grep -q "listening on" "$log" 2>/dev/null && break
        sleep 0.1
    done
    in_c timeout "$CLIENT_TIMEOUT" "$@" </dev/null >"$WORK/$stem.stdout" 2>"$WORK/$stem.stderr" || rc=$?
    sleep 1
    kill -TERM "$tpid"
    wait "$tpid" || true
    if [ "$rc" -ne 0 ]; then
        echo "capture.sh: $stem: client exited $rc (kept; extract.py checks the bytes)" >&2
        tail -3 "$WORK/$stem.stderr" >&2
    fi
    # %q keeps the command on one line and replayable.
    printf '%s\t%s\t%s\t%s\t%s\n' "$stem" "$client" "$version" "$DATE" \
        "$(printf '%q ' "$@")" >> "$WORK/manifest.tsv"
    echo "captured $stem"
}
expect() { printf '%s\t%s\t%s\t%s\n' "$@" >> "$WORK/expect.tsv"; }

# TLS clients
capture curl-tls13 curl "$V_CURL" -- \
    curl -sS -k -o /dev/null --resolve "dnl-01.geo.kaspersky.com:443:$S4" \
    https://dnl-01.geo.kaspersky.com/
expect curl-tls13.tls.bin tls sni dnl-01.geo.kaspersky.com

capture curl-tls12 curl "$V_CURL" -- \
    curl -sS -k -o /dev/null --tlsv1.2 --tls-max 1.2 \
    --resolve "curl-tls12.kasblock.test:443:$S4" https://curl-tls12.kasblock.test/
expect curl-tls12.tls.bin tls sni curl-tls12.kasblock.test

capture openssl-sclient openssl "$V_OPENSSL" -- \
    openssl s_client -connect "$S4:443" -servername openssl.kasblock.test -brief
expect openssl-sclient.tls.bin tls sni openssl.kasblock.test

capture gnutls-cli gnutls-cli "$V_GNUTLS" -- \
    bash -c 'printf "GET / HTTP/1.0\r\nHost: gnutls.kasblock.test\r\n\r\n" | gnutls-cli --insecure -p 443 gnutls.kasblock.test'
expect gnutls-cli.tls.bin tls sni gnutls.kasblock.test

capture chromium-tls chromium "$V_CHROMIUM" -- \
    chromium "${CHROME_FLAGS[@]}" "--user-data-dir=$WORK/chromium-tls-profile" \
    --dump-dom https://my.kaspersky.com/
expect chromium-tls.tls.bin tls sni my.kaspersky.com

capture python-ssl python3-ssl "$V_PYTHON" -- \
    "$PY" -c '
import socket, ssl
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("python-ssl.kasblock.test", 443), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname="python-ssl.kasblock.test") as t:
        t.sendall(b"GET / HTTP/1.0\r\nHost: python-ssl.kasblock.test\r\n\r\n")
        while t.recv(4096):
            pass
'
expect python-ssl.tls.bin tls sni python-ssl.kasblock.test

capture wget-tls wget "$V_WGET" -- \
    wget -q -O /dev/null --no-check-certificate https://wget-tls.kasblock.test/
expect wget-tls.tls.bin tls sni wget-tls.kasblock.test

capture curl-ipv6-tls curl "$V_CURL" -- \
    curl -sS -k -6 -o /dev/null https://curl-ipv6.kasblock.test/
expect curl-ipv6-tls.tls.bin tls sni curl-ipv6.kasblock.test

# HTTP clients
capture curl-http curl "$V_CURL" -- \
    curl -sS -o /dev/null --resolve "dnl-01.geo.kaspersky.com:80:$S4" \
    http://dnl-01.geo.kaspersky.com/
expect curl-http.http.bin http http_host dnl-01.geo.kaspersky.com

capture curl-http-port curl "$V_CURL" -- \
    curl -sS -o /dev/null --resolve "curl-port.kasblock.test:8080:$S4" \
    http://curl-port.kasblock.test:8080/
expect curl-http-port.http.bin http http_host curl-port.kasblock.test:8080

capture wget-http wget "$V_WGET" -- \
    wget -q -O /dev/null http://wget.kasblock.test/
expect wget-http.http.bin http http_host wget.kasblock.test

capture chromium-http chromium "$V_CHROMIUM" -- \
    chromium "${CHROME_FLAGS[@]}" "--user-data-dir=$WORK/chromium-http-profile" \
    --disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable \
    --dump-dom http://chromium-http.kasblock.test/
expect chromium-http.http.bin http http_host chromium-http.kasblock.test

capture curl-connect curl "$V_CURL" -- \
    curl -sS -k -o /dev/null -p -x "http://$S4:$PROXY_PORT" https://connect.kasblock.test/
expect curl-connect.http.bin http connect connect.kasblock.test:443
expect curl-connect.http.bin http http_host connect.kasblock.test:443
expect curl-connect-tunnel.tls.bin tls sni connect.kasblock.test

capture curl-absolute curl "$V_CURL" -- \
    curl -sS -o /dev/null -x "http://proxy.kasblock.test:$PROXY_PORT" \
    http://absolute.kasblock.test/
expect curl-absolute.http.bin http http_host absolute.kasblock.test

capture curl-ipv6-http curl "$V_CURL" -- \
    curl -sS -6 -o /dev/null http://curl-ipv6-http.kasblock.test/
expect curl-ipv6-http.http.bin http http_host curl-ipv6-http.kasblock.test

# ---------------------------------------------------------------- extract
"$PY" "$HERE/extract.py" --work "$WORK" --out "$OUT"
