#!/usr/bin/python3
"""A small HTTP CONNECT proxy for the end-to-end tests and the demo.

Runs in the server namespace: `connect_proxy.py ADDR PORT READY_FILE`. For
each client it reads one request head, accepts only `CONNECT host:port`,
resolves host with the namespace's hosts file, connects, answers `200
Connection established` and relays bytes both ways until either side
closes. READY_FILE is written once the socket listens, so the caller can
poll for it instead of sleeping. SIGTERM stops it.

Every wait is bounded: a head must arrive within 10 s and be at most 8 KiB,
an idle tunnel is closed after 30 s.
"""

import os
import selectors
import signal
import socket
import sys
import threading

HEAD_MAX = 8192
HEAD_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0


def read_head(conn):
    buf = b""
    conn.settimeout(HEAD_TIMEOUT)
    while b"\r\n\r\n" not in buf:
        if len(buf) > HEAD_MAX:
            return None, b""
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


def relay(a, b):
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    open_ends = 2
    while open_ends:
        events = sel.select(IDLE_TIMEOUT)
        if not events:
            return
        for key, _ in events:
            src, dst = key.fileobj, key.data
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                # Half-close: pass the FIN on, keep the other way open.
                sel.unregister(src)
                open_ends -= 1
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            try:
                dst.sendall(data)
            except OSError:
                return


def serve(conn):
    upstream = None
    try:
        head, rest = read_head(conn)
        if head is None:
            return
        parts = head.split(b"\r\n", 1)[0].split()
        if len(parts) != 3 or parts[0] != b"CONNECT":
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return
        host, sep, port = parts[1].decode("ascii", "replace").rpartition(":")
        if not sep or not port.isdigit():
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        host = host.strip("[]")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=HEAD_TIMEOUT)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        conn.settimeout(None)
        upstream.settimeout(None)
        relay(conn, upstream)
    except OSError:
        pass
    finally:
        if upstream is not None:
            upstream.close()
        conn.close()


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: connect_proxy.py ADDR PORT READY_FILE\n")
        return 2
    addr, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(64)
    with open(ready, "w") as f:
        f.write(f"{addr} {port}\n")
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
