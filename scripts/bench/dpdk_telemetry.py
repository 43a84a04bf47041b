"""Client side of a DPDK process's telemetry socket, for the benchmark scripts
(dp_rate.py, dp_probe.py): /var/run/dpdk/PREFIX/dpdk_telemetry.v2."""

import json
import os
import socket
import time


def connect(prefix, timeout, who):
    """Connects once the process has opened its socket (retrying for up to
    timeout seconds) and reads the greeting; exits naming `who` if it never
    appears."""
    path = os.path.join("/var/run/dpdk", prefix, "dpdk_telemetry.v2")
    end = time.monotonic() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
            json.loads(s.recv(1 << 16).decode())          # greeting
            return s
        except (FileNotFoundError, ConnectionRefusedError, ValueError):
            if time.monotonic() > end:
                raise SystemExit("%s: no telemetry socket at %s" % (who, path))
            time.sleep(0.05)
