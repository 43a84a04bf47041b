#!/usr/bin/python3
"""A small DNS server for tests/e2e/test_l7.py: answers every query on UDP
and TCP port 53 of the addresses given, A with the IPv4 one and AAAA with
the IPv6 one (NOERROR, one answer, TTL 60, the question and an OPT record
echoed), and appends "udp NAME" or "tcp NAME" to the log file for each
query it gets, so the test can tell which queries kasblock let through.

    dns_server.py LOG READY ADDR4 ADDR6

READY is created once every socket listens.
"""

import socket
import struct
import sys
import threading


def qname(msg):
    """(name, offset past the question) of a query's first question."""
    pos, labels = 12, []
    while msg[pos]:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    return ".".join(labels), pos + 5


def answer(msg, a4, a6):
    name, end = qname(msg)
    qtype = struct.unpack("!H", msg[end - 4:end - 2])[0]
    rd = struct.unpack("!H", msg[2:4])[0] & 0x0100
    ar = struct.unpack("!H", msg[10:12])[0]
    rr = b""
    if qtype == 1:
        rr = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_pton(socket.AF_INET, a4)
    elif qtype == 28:
        rr = b"\xc0\x0c\x00\x1c\x00\x01\x00\x00\x00\x3c\x00\x10" + socket.inet_pton(socket.AF_INET6, a6)
    opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00" if ar else b""
    hdr = struct.pack("!HHHHHH", struct.unpack("!H", msg[:2])[0], 0x8400 | rd | 0x0080, 1,
                      1 if rr else 0, 0, 1 if opt else 0)
    return name, hdr + msg[12:end] + rr + opt


def serve_udp(sock, log, lock, a4, a6):
    while True:
        msg, peer = sock.recvfrom(65535)
        try:
            name, out = answer(msg, a4, a6)
        except (IndexError, struct.error):
            continue
        with lock:
            log.write("udp %s\n" % name)
            log.flush()
        sock.sendto(out, peer)


def serve_tcp_conn(conn, log, lock, a4, a6):
    buf = b""
    with conn:
        while True:
            data = conn.recv(65535)
            if not data:
                return
            buf += data
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                msg, buf = buf[2:2 + n], buf[2 + n:]
                name, out = answer(msg, a4, a6)
                with lock:
                    log.write("tcp %s\n" % name)
                    log.flush()
                conn.sendall(struct.pack("!H", len(out)) + out)


def serve_tcp(sock, log, lock, a4, a6):
    while True:
        conn, _peer = sock.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, log, lock, a4, a6),
                         daemon=True).start()


def main():
    log_path, ready, a4, a6 = sys.argv[1:5]
    log = open(log_path, "a")
    lock = threading.Lock()
    threads = []
    for fam, addr in ((socket.AF_INET, a4), (socket.AF_INET6, a6)):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((addr, 53))
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, 53))
        t.listen(16)
        threads.append(threading.Thread(target=serve_udp, args=(u, log, lock, a4, a6),
                                        daemon=True))
        threads.append(threading.Thread(target=serve_tcp, args=(t, log, lock, a4, a6),
                                        daemon=True))
    for t in threads:
        t.start()
    open(ready, "w").close()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
