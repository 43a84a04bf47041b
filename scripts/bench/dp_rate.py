#!/usr/bin/python3
"""Packet rate of a running DPDK process, read from its telemetry socket.

    dp_rate.py PREFIX [--pid PID] [--port N] [--warmup S] [--seconds S] [--timeout S]

Waits for /var/run/dpdk/PREFIX/dpdk_telemetry.v2, waits until port N has
received packets, lets it run --warmup seconds, then reads /ethdev/stats,N
twice --seconds apart and prints "PPS IPACKETS_DELTA SECONDS CPU_SECONDS".
Works the same for dpdk-testpmd and kasblock (both are DPDK primaries with
telemetry on), so both are measured by one method.

CPU_SECONDS (with --pid) is the time the process's busiest thread (the
polling lcore) actually ran on a CPU over the same interval, from
/proc/PID/task/TID/schedstat: on a shared machine the polling thread does
not get a whole CPU, so cycles per packet are TSC Hz x CPU_SECONDS /
packets, not TSC Hz / rate. Without --pid it prints "-".
"""

import argparse
import json
import os
import sys
import time

from dpdk_telemetry import connect


def ipackets(s, port):
    s.send(("/ethdev/stats,%d" % port).encode())
    r = json.loads(s.recv(1 << 16).decode())
    return int(r["/ethdev/stats"]["ipackets"])


def runtimes(pid):
    """{tid: ns on CPU} of every thread of pid."""
    out = {}
    base = "/proc/%d/task" % pid
    for t in os.listdir(base):
        try:
            with open(os.path.join(base, t, "schedstat")) as fh:
                out[t] = int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    s = connect(a.prefix, a.timeout, "dp_rate")
    end = time.monotonic() + a.timeout
    while True:
        try:
            if ipackets(s, a.port) > 0:
                break
        except (KeyError, ValueError):
            pass
        if time.monotonic() > end:
            raise SystemExit("dp_rate: port %d never received" % a.port)
        time.sleep(0.05)
    time.sleep(a.warmup)
    r0 = runtimes(a.pid) if a.pid else {}
    t0, p0 = time.monotonic(), ipackets(s, a.port)
    time.sleep(a.seconds)
    t1, p1 = time.monotonic(), ipackets(s, a.port)
    r1 = runtimes(a.pid) if a.pid else {}
    cpu = max((r1[t] - r0[t] for t in r1 if t in r0), default=None)
    print("%.0f %d %.4f %s" % ((p1 - p0) / (t1 - t0), p1 - p0, t1 - t0,
                               "%.4f" % (cpu / 1e9) if cpu is not None else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
