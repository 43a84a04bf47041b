#!/usr/bin/python3
"""Traffic profiles for the dataplane benchmark (scripts/bench/dataplane.sh).

    gen_dataplane.py OUTDIR      writes mixed.pcap, small.pcap, hello.pcap,
                                 quic.pcap, dns.pcap

The captures are replayed in a loop by net_pcap's infinite_rx, so each is
built to mean the same thing on every pass:

  mixed.pcap  (a) a perimeter mix: TCP flows with their handshakes (a SYN
              restarts a passed flow, so every pass inspects them again),
              TLS ClientHellos (a quarter of them ~1.8 KB post-quantum ones
              in two segments), HTTP requests, data in both directions with
              an IMIX-like size mix (7:4:1 of 64, 576, 1500-byte frames),
              20% IPv6, a little UDP, ~1% of flows to barred names.
  small.pcap  (b) 64-byte frames (60 + FCS) of established flows: bare data
              segments of 2048 flows, no handshake; after the first pass
              every flow is known and passed.
  hello.pcap  (c) ClientHello-only: 32768 one-segment ClientHellos, each
              from its own client address and port (no SYN). The benchmark
              runs kasblock with a flow table smaller than that (8192), so
              an entry is evicted long before its tuple comes round again:
              every packet creates a flow, is inspected, matched and decided.
  quic.pcap   (d) QUIC-Initial-only: 16384 client Initials (v1, a Chromium-
              sized 1250-byte datagram with a whole ClientHello), each from
              its own client address and port and with its own Destination
              Connection ID, so each costs a key derivation, header
              protection, AES-GCM over the packet, the hello parse and a
              match; run with the same small flow table as (c): every
              packet is a new flow. 1% name barred hosts.
  dns.pcap    (e) DNS-query-only: 32768 queries as dig sends them (EDNS,
              a cookie) from 4096 client sockets to port 53, 1% for barred
              names (answered with a refusal, the query dropped).

Fixed seeds: the files are the same on every run.
"""

import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "integration"))

from kbpkt import (  # noqa: E402
    IP, IPv6, TCP, UDP, Ether, Raw, client_hello, http_get, tls_records,
)
import kbquic  # noqa: E402  (python3-cryptography)

CM, SM = "02:00:00:00:00:01", "02:00:00:00:00:02"
BARRED = ["dnl-01.geo.kaspersky.com", "my.kaspersky.com", "s01.upd.kaspersky.com",
          "activation-v2.kaspersky.com", "ksn-url-geo.kaspersky-labs.com"]
WORDS = ["mail", "api", "cdn", "static", "www", "login", "img", "news", "shop", "video",
         "maps", "docs", "cloud", "app", "edge", "auth", "files", "chat", "pay", "search"]


def allowed_name(rng):
    return "%s.%s%d.example%d.%s" % (rng.choice(WORDS), rng.choice(WORDS), rng.randrange(100),
                                     rng.randrange(50), rng.choice(["com", "net", "org", "test"]))


class Conv:
    """One TCP conversation, frames as bytes."""

    def __init__(self, rng, v6, cport, sport, n):
        if v6:
            self.c, self.s = "2001:db8:1::%x" % (n + 1), "2001:db8:2::%x" % (n % 200 + 1)
        else:
            self.c = "10.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255 or 1)
            self.s = "198.51.%d.%d" % (100 + n % 3, n % 250 + 1)
        self.v6, self.cport, self.sport = v6, cport, sport
        self.cseq, self.sseq = rng.getrandbits(32), rng.getrandbits(32)
        self.out = []

    def pkt(self, c2s, flags, payload=b""):
        src, dst = (self.c, self.s) if c2s else (self.s, self.c)
        sp, dp = (self.cport, self.sport) if c2s else (self.sport, self.cport)
        seq, ack = (self.cseq, self.sseq) if c2s else (self.sseq, self.cseq)
        ipl = IPv6(src=src, dst=dst) if self.v6 else IP(src=src, dst=dst, flags="DF")
        t = TCP(sport=sp, dport=dp, flags=flags, seq=seq & 0xffffffff,
                ack=ack & 0xffffffff if "A" in flags else 0, window=64240)
        p = Ether(src=CM if c2s else SM, dst=SM if c2s else CM) / ipl / t
        if payload:
            p = p / Raw(payload)
        n = len(payload) + (1 if "S" in flags or "F" in flags else 0)
        if c2s:
            self.cseq += n
        else:
            self.sseq += n
        self.out.append(bytes(p))

    def handshake(self):
        self.pkt(True, "S")
        self.pkt(False, "SA")
        self.pkt(True, "A")

    def data_to_len(self, c2s, frame_len, rng):
        hdr = 14 + (40 if self.v6 else 20) + 20
        self.pkt(c2s, "PA", rng.randbytes(max(frame_len - 4 - hdr, 6)))


def imix(rng):
    r = rng.randrange(12)
    return 64 if r < 7 else 576 if r < 11 else 1500


def mixed(rng):
    convs = []
    n_flows = 400
    barred_at = set(rng.sample(range(n_flows), 4))      # 1%
    for n in range(n_flows):
        v6 = rng.random() < 0.2
        kind = rng.random()
        if kind < 0.6:
            c = Conv(rng, v6, 20000 + n, 443, n)
            c.handshake()
            name = rng.choice(BARRED) if n in barred_at else allowed_name(rng)
            pq = rng.random() < 0.25
            hello = tls_records(client_hello([name], rng, pq=pq, pad_to=1780 if pq else 0))
            for i in range(0, len(hello), 1448):
                c.pkt(True, "PA", hello[i:i + 1448])
            c.pkt(False, "PA", rng.randbytes(1200))        # server flight
            c.pkt(False, "PA", rng.randbytes(1400))
            c.pkt(True, "A")
        elif kind < 0.8:
            c = Conv(rng, v6, 20000 + n, 80, n)
            c.handshake()
            c.pkt(True, "PA", http_get(allowed_name(rng), "/%d" % n))
            c.pkt(False, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + rng.randbytes(1000))
        else:
            c = Conv(rng, v6, 20000 + n, 22, n)
            c.handshake()
            c.pkt(False, "PA", b"SSH-2.0-OpenSSH_9.2\r\n")
            c.pkt(True, "PA", b"SSH-2.0-OpenSSH_9.2\r\n")
        for _ in range(rng.randrange(10, 40)):
            c.data_to_len(rng.random() < 0.3, imix(rng), rng)
        c.pkt(True, "FA")
        c.pkt(False, "FA")
        c.pkt(True, "A")
        convs.append(c.out)
    # Some UDP (DNS-shaped) between the flows.
    udp = []
    for n in range(300):
        q = Ether(src=CM, dst=SM) / IP(src="10.9.0.%d" % (n % 250 + 1), dst="198.51.100.53") / \
            UDP(sport=30000 + n, dport=53) / Raw(rng.randbytes(40))
        udp.append([bytes(q)])
    return interleave(convs + udp, rng)


def interleave(seqs, rng):
    """Merges per-flow frame lists, keeping each flow's order, with a few
    dozen flows active at a time (flows start as others end)."""
    out, active, pending = [], [], list(seqs)
    rng.shuffle(pending)
    while pending or active:
        while pending and len(active) < 48:
            active.append([pending.pop(), 0])
        a = rng.choice(active)
        out.append(a[0][a[1]])
        a[1] += 1
        if a[1] == len(a[0]):
            active.remove(a)
    return out


def small(rng):
    flows = [Conv(rng, False, 20000 + n % 40000, 443, n) for n in range(2048)]
    out = []
    for r in range(4):
        for c in flows:
            c.out = []
            c.pkt(r % 2 == 0, "PA", rng.randbytes(6))       # 14+20+20+6 = 60 (+FCS)
            out += c.out
    return out


def hello(rng):
    out = []
    for n in range(32768):
        name = rng.choice(BARRED) if n % 100 == 0 else allowed_name(rng)
        h = tls_records(client_hello([name], rng))
        src = "10.%d.%d.%d" % (64 + (n >> 14), n >> 6 & 255, (n & 63) + 1)
        p = (Ether(src=CM, dst=SM) / IP(src=src, dst="198.51.100.%d" % (n % 200 + 1), flags="DF") /
             TCP(sport=1024 + (n * 7919) % 60000, dport=443, flags="PA",
                 seq=rng.getrandbits(32), ack=rng.getrandbits(32), window=64240) / Raw(h))
        out.append(bytes(p))
    return out


def _src(n):
    return "10.%d.%d.%d" % (64 + (n >> 14), n >> 6 & 255, (n & 63) + 1)


def quic(rng):
    out = []
    for n in range(16384):
        name = rng.choice(BARRED) if n % 100 == 0 else allowed_name(rng)
        hello_msg = client_hello([name], rng, alpn=(b"h3",))
        pkt = kbquic.protect(kbquic.V1, rng.randbytes(8), rng.randbytes(8), 0,
                             kbquic.crypto_frame(0, hello_msg), pad_to=1250)
        p = (Ether(src=CM, dst=SM) / IP(src=_src(n), dst="198.51.100.%d" % (n % 200 + 1)) /
             UDP(sport=1024 + (n * 7919) % 60000, dport=443) / Raw(pkt))
        out.append(bytes(p))
    return out


def dns(rng):
    out = []
    for n in range(32768):
        name = rng.choice(BARRED) if n % 100 == 0 else allowed_name(rng)
        qname = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\x00"
        q = (struct.pack("!HHHHHH", rng.getrandbits(16), 0x0120, 1, 0, 0, 1) + qname
             + b"\x00\x01\x00\x01" + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c"
             + b"\x00\x0a\x00\x08" + rng.randbytes(8))
        c = n % 4096
        p = (Ether(src=CM, dst=SM) / IP(src=_src(c), dst="198.51.100.53") /
             UDP(sport=20000 + c, dport=53) / Raw(q))
        out.append(bytes(p))
    return out


def write(path, frames):
    # Plain pcap writer: scapy's wrpcap would re-dissect every frame.
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, b in enumerate(frames):
            fh.write(struct.pack("<IIII", 1764115200 + i // 1000000, i % 1000000, len(b), len(b)))
            fh.write(b)


def main(argv):
    if len(argv) != 2:
        print("usage: gen_dataplane.py OUTDIR", file=sys.stderr)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    for name, fn, seed in (("mixed", mixed, 1), ("small", small, 2), ("hello", hello, 3),
                           ("quic", quic, 4), ("dns", dns, 5)):
        frames = fn(random.Random(seed))
        write(os.path.join(argv[1], name + ".pcap"), frames)
        sizes = [len(b) + 4 for b in frames]
        print("%s.pcap: %d frames, mean %.0f bytes on the wire (FCS included)"
              % (name, len(frames), sum(sizes) / len(sizes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
