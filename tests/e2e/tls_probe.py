#!/usr/bin/python3
"""One HTTPS (or HTTP) request with Python's own ssl module, as a client.

    tls_probe.py --name NAME --addr ADDR [--port N] [--ca FILE] [--path /]
                 [--plain] [--hold-file F --release-file R]

Connects to ADDR (no name resolution), sends SNI NAME (TLS) and Host NAME,
reads the whole response and prints one JSON object: ok, status, size,
sha256 and the first bytes of the body, or the error class and errno,
plus local_port and elapsed seconds.

With --hold-file/--release-file the client stops half way: after
--hold-after bytes of the first response body (default: after the whole
first response) it writes F and waits for R to exist (at most 60 s), then
reads the rest and sends a second request, `GET /`, over the same
connection. The reload test uses it to show that a flow passed before a
reload keeps passing, in both directions, after it.
"""

import argparse
import hashlib
import json
import os
import socket
import ssl
import sys
import time


def wait_release(hold_file, release_file):
    with open(hold_file, "w") as h:
        h.write("held\n")
    for _ in range(600):
        if os.path.exists(release_file):
            return
        time.sleep(0.1)
    raise TimeoutError("release file never came")


def read_response(f, hold=None):
    """Status, headers and a Content-Length body from a file object.

    hold = (bytes, hold file, release file): pause after that much body.
    """
    line = f.readline(8192)
    if not line:
        raise ConnectionError("connection closed before a status line")
    status = int(line.split()[1])
    length = None
    for _ in range(100):
        h = f.readline(8192)
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    if hold is None or length is None:
        body = f.read(length) if length is not None else f.read()
        return status, body
    first = f.read(min(hold[0], length))
    wait_release(hold[1], hold[2])
    return status, first + f.read(length - len(first))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int)
    ap.add_argument("--ca")
    ap.add_argument("--path", default="/")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--hold-file")
    ap.add_argument("--release-file")
    ap.add_argument("--hold-after", type=int)
    a = ap.parse_args()
    port = a.port or (80 if a.plain else 443)
    res = {"ok": False, "local_port": 0}
    t0 = time.monotonic()
    sock = None
    try:
        family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
        raw = socket.socket(family, socket.SOCK_STREAM)
        raw.settimeout(a.timeout)
        raw.connect((a.addr, port))
        res["local_port"] = raw.getsockname()[1]
        if a.plain:
            sock = raw
        else:
            ctx = ssl.create_default_context(cafile=a.ca)
            sock = ctx.wrap_socket(raw, server_hostname=a.name)
            res["tls_version"] = sock.version()
        rounds = 2 if a.hold_file else 1
        f = sock.makefile("rb")
        for i in range(rounds):
            last = i == rounds - 1
            path = a.path if i == 0 else "/"
            req = (f"GET {path} HTTP/1.1\r\nHost: {a.name}\r\nUser-Agent: kasblock-e2e\r\n"
                   f"Connection: {'close' if last else 'keep-alive'}\r\n\r\n")
            sock.sendall(req.encode())
            hold = None
            if i == 0 and a.hold_file and a.hold_after is not None:
                hold = (a.hold_after, a.hold_file, a.release_file)
            status, body = read_response(f, hold)
            res.setdefault("statuses", []).append(status)
            if i == 0:
                res.update(size=len(body), sha256=hashlib.sha256(body).hexdigest())
            if not last and hold is None:
                wait_release(a.hold_file, a.release_file)
        res.update(ok=True, status=status, body=body[:200].decode("latin-1"))
        if rounds == 1:
            res.update(size=len(body), sha256=hashlib.sha256(body).hexdigest())
    except (OSError, ssl.SSLError, ValueError, ConnectionError) as e:
        res["error"] = type(e).__name__
        res["errno"] = getattr(e, "errno", None)
        res["message"] = str(e)
    finally:
        if sock is not None:
            sock.close()
    res["elapsed"] = time.monotonic() - t0
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
