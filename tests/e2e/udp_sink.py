#!/usr/bin/python3
"""A UDP socket that reads and never answers (no ICMP ends a QUIC attempt
early), for tests/e2e/test_l7.py: one line per datagram received, "PORT
LENGTH FIRST-BYTE-HEX", to the log file.

    udp_sink.py LOG READY ADDR PORT
"""

import socket
import sys


def main():
    log_path, ready, addr, port = sys.argv[1:5]
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    open(ready, "w").close()
    with open(log_path, "a") as log:
        while True:
            data, peer = s.recvfrom(65535)
            log.write("%d %d %02x\n" % (peer[1], len(data), data[0] if data else 0))
            log.flush()


if __name__ == "__main__":
    main()
