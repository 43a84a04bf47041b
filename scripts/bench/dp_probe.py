#!/usr/bin/python3
"""Reads a running DPDK process's telemetry socket for the scaling benchmarks.

    dp_probe.py wait PREFIX --port N --count C [--timeout S]
        waits until port N has received at least C packets and then stops
        growing (a non-looping pcap vdev at its end), prints the count
    dp_probe.py heap PREFIX
        prints the DPDK heap's allocated bytes (all heaps summed)
    dp_probe.py queues PREFIX --port N
        prints each receiving queue's share of port N's packets so far
    dp_probe.py kasblock PREFIX
        prints kasblock's /kasblock/stats as one JSON line

Same socket as dp_rate.py (/var/run/dpdk/PREFIX/dpdk_telemetry.v2, dpdk_telemetry.py).
"""

import argparse
import json
import sys
import time

from dpdk_telemetry import connect


def query(s, cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(1 << 20).decode())


def ipackets(s, port):
    try:
        return int(query(s, "/ethdev/stats,%d" % port)["/ethdev/stats"]["ipackets"])
    except (KeyError, TypeError, ValueError):
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["wait", "heap", "queues", "kasblock"])
    ap.add_argument("prefix")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600.0)
    a = ap.parse_args()
    s = connect(a.prefix, 60.0, "dp_probe")
    if a.cmd == "heap":
        heaps = query(s, "/eal/heap_list")["/eal/heap_list"]
        print(sum(int(query(s, "/eal/heap_info,%d" % h)["/eal/heap_info"]["Alloc_size"])
                  for h in heaps))
        return 0
    if a.cmd == "queues":
        q = query(s, "/ethdev/stats,%d" % a.port)["/ethdev/stats"]["q_ipackets"]
        tot = sum(q) or 1
        print(" / ".join("%.0f%%" % (100.0 * v / tot) for v in q if v))
        return 0
    if a.cmd == "kasblock":
        print(json.dumps(query(s, "/kasblock/stats")))
        return 0
    end = time.monotonic() + a.timeout
    last, still = -1, 0
    while True:
        n = ipackets(s, a.port)
        if n >= a.count:
            still = still + 1 if n == last else 0
            if still >= 3:
                print(n)
                return 0
        last = n
        if time.monotonic() > end:
            raise SystemExit("dp_probe: port %d at %d of %d packets after %.0f s"
                             % (a.port, n, a.count, a.timeout))
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
