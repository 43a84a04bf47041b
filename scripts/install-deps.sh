#!/usr/bin/env bash
# Installs every Debian 12 package that kasblock's build, tests, demo and
# benchmarks need. Safe to run again: apt-get skips what is already there.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (apt-get needs it)" >&2
    exit 1
fi

packages=(
    # build
    build-essential meson ninja-build pkg-config python3-pyelftools
    # libraries (dpdk-dev brings dpdk-testpmd and dpdk-telemetry.py)
    dpdk dpdk-dev libdpdk-dev libhyperscan-dev libconfig-dev libcmocka-dev
    libmicrohttpd-dev libssl-dev libpcap-dev
    # sanitizers and libFuzzer
    clang libclang-rt-14-dev llvm
    # captures, replay checks and benchmarks
    python3-scapy python3-cryptography tshark tcpdump valgrind
    # performance report: plots, and nDPI's reader as the comparison
    gnuplot-nox libndpi-bin
    # end-to-end hosts and real clients, servers and a metrics scraper
    iproute2 ethtool curl wget openssl gnutls-bin python3 nginx chromium
    prometheus bind9-dnsutils ldnsutils
)

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q || { echo "install-deps: apt-get update failed" >&2; exit 1; }
apt-get install -y -q --no-install-recommends "${missing[@]}" || {
    echo "install-deps: apt-get install failed for: ${missing[*]}" >&2
    exit 1
}
echo "install-deps: done"
