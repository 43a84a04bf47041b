#!/usr/bin/python3
"""Tiny HTTP proxy for the capture namespaces (maintainer tool, see README.md).

It never resolves the names it is asked for: every CONNECT goes to the TLS
server and every absolute-form request to the plain HTTP server, both at fixed
addresses inside the server namespace. It stops by itself after --lifetime
seconds so a failed capture run cannot leave it behind.
"""

import argparse
import socket
import threading
import time

HEAD_MAX = 16384
IDLE_S = 10.0


def read_head(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        if len(buf) > HEAD_MAX:
            return None
        chunk = sock.recv(4096)
        if not chunk:
            return None
        buf += chunk
    return buf


def relay(a, b):
    """Copy a -> b until EOF or idle timeout, then half-close b."""
    a.settimeout(IDLE_S)
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, tls_up, http_up):
    with client:
        client.settimeout(IDLE_S)
        try:
            head = read_head(client)
        except OSError:
            return
        if head is None:
            return
        method = head.split(b" ", 1)[0]
        if method == b"CONNECT":
            up_addr, first, reply = tls_up, b"", b"HTTP/1.1 200 Connection established\r\n\r\n"
            end = head.index(b"\r\n\r\n") + 4
            first = head[end:]
        else:
            up_addr, first, reply = http_up, head, b""
        try:
            up = socket.create_connection(up_addr, timeout=IDLE_S)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with up:
            if reply:
                client.sendall(reply)
            if first:
                up.sendall(first)
            t = threading.Thread(target=relay, args=(up, client), daemon=True)
            t.start()
            relay(client, up)
            t.join(IDLE_S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="198.51.100.2")
    ap.add_argument("--port", type=int, default=3128)
    ap.add_argument("--tls-upstream", default="198.51.100.2:443")
    ap.add_argument("--http-upstream", default="198.51.100.2:80")
    ap.add_argument("--lifetime", type=float, default=600.0)
    args = ap.parse_args()

    def hostport(s):
        h, p = s.rsplit(":", 1)
        return (h, int(p))

    tls_up, http_up = hostport(args.tls_upstream), hostport(args.http_upstream)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.listen, args.port))
    srv.listen(16)
    srv.settimeout(1.0)
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(c, tls_up, http_up), daemon=True).start()
    srv.close()


if __name__ == "__main__":
    main()
