#!/usr/bin/python3
"""Captures and packs for the scaling benchmarks (scripts/bench/scale.sh).

    gen_scale.py flows OUTDIR N [N ...]   flows-fill-N.pcap, flows-traffic-N.pcap
    gen_scale.py sigs OUTDIR N [N ...]    sig-N.sig, sig-hello-N.pcap
    gen_scale.py split OUTDIR IN.pcap Q   IN-q0.pcap .. IN-q(Q-1).pcap
    gen_scale.py corpus OUT.pcap DIR      one Ethernet pcap of DIR's captures

flows: flow i is 10.a.b.c:40000 -> 198.51.100.1:443 with a.b.c = i (up to
2^24 flows). The fill capture has one 64-byte client segment per flow whose
6 payload bytes are NULs: the HTTP parser refuses the first byte, so the
flow is decided "pass" by its first packet and stays in the table as a
passed flow. The traffic capture is TRAFFIC_PKTS 64-byte segments (either
direction) of those flows in random order: every flow in turn when N is
smaller (N = 1000: each flow 524 times per pass), else TRAFFIC_PKTS
distinct flows drawn at random from all N, so their entries and buckets are
spread over the whole table. The capture is the same size for every N, so
the vdevs cost the same and only the table differs. Checksums are left zero:
kasblock and testpmd never verify them.

sigs: N "block ID domain=NAME category=other" signatures (names of the
bench_sig shape: distinct, two labels), and 32768 one-segment ClientHellos,
each a new flow (own source address and port), half naming a signature or a
name below it (hits), half a name of the same shape that no signature
covers (misses).

split: splits a capture by a symmetric hash of the flow (addresses, ports),
as symmetric RSS would, so each queue sees whole flows.

Fixed seeds: the files are the same on every run.
"""

import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib

TRAFFIC_PKTS = 1 << 19
HELLOS = 32768
CM, SM = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
TLDS = ["com", "net", "org", "io", "de", "ru", "test", "example"]


class PcapWriter:
    """Plain pcap writer (scapy's wrpcap re-dissects every frame)."""

    def __init__(self, path):
        self.fh = open(path, "wb", buffering=1 << 22)
        self.fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.n = 0

    def add(self, frame):
        self.fh.write(struct.pack("<IIII", 1764115200 + self.n // 1000000, self.n % 1000000,
                                  len(frame), len(frame)))
        self.fh.write(frame)
        self.n += 1

    def close(self):
        self.fh.close()


def tcp4(src, dst, sport, dport, seq, ack, payload, c2s=True):
    """Ethernet + IPv4 + TCP (PSH|ACK) frame; addresses as 32-bit ints."""
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      0x50, 0x18, 64240, 0, 0)
    return (SM + CM if c2s else CM + SM) + b"\x08\x00" + ip + tcp + payload


SERVER = 0xC6336401  # 198.51.100.1


def flow_frame(i, c2s, payload):
    cli = 0x0A000000 | (i & 0xFFFFFF)
    seq, ack = i * 2654435761, i * 40503
    if c2s:
        return tcp4(cli, SERVER, 40000, 443, seq, ack, payload)
    return tcp4(SERVER, cli, 443, 40000, ack, seq + 6, payload, c2s=False)


def gen_flows(out, n):
    rng = random.Random(n)
    fill = PcapWriter(os.path.join(out, "flows-fill-%d.pcap" % n))
    for i in range(n):
        fill.add(flow_frame(i, True, b"\0" * 6))
    fill.close()
    if n >= TRAFFIC_PKTS:
        order = rng.sample(range(n), TRAFFIC_PKTS)
    else:
        order = []
        while len(order) < TRAFFIC_PKTS:
            r = list(range(n))
            rng.shuffle(r)
            order += r
        order = order[:TRAFFIC_PKTS]
    tr = PcapWriter(os.path.join(out, "flows-traffic-%d.pcap" % n))
    pay = b"\x17\x03\x03\x00\x01\x00"
    for i in order:
        tr.add(flow_frame(i, rng.random() < 0.5, pay))
    tr.close()
    print("flows %d: fill %d frames, traffic %d frames over %d flows"
          % (n, n, TRAFFIC_PKTS, min(n, TRAFFIC_PKTS)))


def sig_name(i):
    h = (i * 2654435761) & 0xffffffff
    return "s%x%04x.%s" % (i, h >> 16, TLDS[h % len(TLDS)])


def gen_sigs(out, n):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "tests", "integration"))
    from kbpkt import client_hello, tls_records  # noqa: E402  (scapy: Debian's python3)

    with open(os.path.join(out, "sig-%d.sig" % n), "w") as fh:
        fh.write("pack name=bench-%d version=1.0.0 date=2026-11-26\n" % n)
        for i in range(n):
            fh.write("block %d domain=%s category=other\n" % (100000 + i, sig_name(i)))
    rng = random.Random(7 + n)
    sub = ["www.", "cdn.", "api.eu.", ""]
    w = PcapWriter(os.path.join(out, "sig-hello-%d.pcap" % n))
    for k in range(HELLOS):
        j = rng.randrange(n)
        if k % 2 == 0:
            name = rng.choice(sub) + sig_name(j)
        else:   # same shape, never covered by a signature
            name = rng.choice(sub) + "m%x%04x.%s" % (j, rng.randrange(65536), rng.choice(TLDS))
        hello = tls_records(client_hello([name], rng))
        cli = 0x0A400000 | k
        w.add(tcp4(cli, 0xC6336400 | (k % 200 + 1), 1024 + (k * 7919) % 60000, 443,
                   rng.getrandbits(32), rng.getrandbits(32), hello))
    w.close()
    print("sigs %d: sig-%d.sig, %d hellos (half hits)" % (n, n, HELLOS))


def read_pcap(path):
    with open(path, "rb") as fh:
        hdr = fh.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic not in (0xa1b2c3d4, 0xa1b23c4d):
            raise SystemExit("%s: not a little-endian pcap" % path)
        while True:
            rh = fh.read(16)
            if len(rh) < 16:
                return
            incl = struct.unpack("<IIII", rh)[2]
            yield rh, fh.read(incl)


def flow_of(f):
    """Symmetric flow id of an Ethernet frame (VLAN tags skipped)."""
    off, et = 12, f[12:14]
    while et in (b"\x81\x00", b"\x88\xa8") and len(f) >= off + 6:
        off += 4
        et = f[off:off + 2]
    off += 2
    if et == b"\x08\x00" and len(f) >= off + 20:
        ihl = (f[off] & 15) * 4
        a, b, proto = f[off + 12:off + 16], f[off + 16:off + 20], f[off + 9]
        l4 = off + ihl
    elif et == b"\x86\xdd" and len(f) >= off + 40:
        a, b, proto = f[off + 8:off + 24], f[off + 24:off + 40], f[off + 6]
        l4 = off + 40
    else:
        return 0
    ports = (0, 0)
    if proto in (6, 17) and len(f) >= l4 + 4:
        ports = struct.unpack("!HH", f[l4:l4 + 4])
    ends = sorted([a + struct.pack("!H", ports[0]), b + struct.pack("!H", ports[1])])
    # crc32, not hash(): Python randomises the hash of bytes per process.
    return zlib.crc32(bytes([proto]) + ends[0] + ends[1])


def split(out, src, q):
    base = os.path.splitext(os.path.basename(src))[0]
    ws = [open(os.path.join(out, "%s-q%d.pcap" % (base, i)), "wb") for i in range(q)]
    with open(src, "rb") as fh:
        gh = fh.read(24)
    for w in ws:
        w.write(gh)
    counts = [0] * q
    for rh, f in read_pcap(src):
        i = flow_of(f) % q
        ws[i].write(rh + f)
        counts[i] += 1
    for w in ws:
        w.close()
    print("split %s: %s" % (src, " ".join("q%d=%d" % (i, c) for i, c in enumerate(counts))))


def corpus(out, d):
    """Concatenates the Ethernet captures of d into one pcap, frames of at
    most 1518 bytes (what one mbuf and a standard MTU carry)."""
    files = []
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        enc = subprocess.run(["capinfos", "-T", "-E", p], capture_output=True,
                             text=True).stdout.splitlines()
        if len(enc) > 1 and enc[1].split("\t")[-1].strip().lower() in ("ether", "ethernet"):
            files.append(p)
    with tempfile.TemporaryDirectory() as t:
        m = os.path.join(t, "merged.pcap")
        subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", m] + files, check=True)
        subprocess.run(["tshark", "-r", m, "-Y", "frame.len <= 1518", "-F", "pcap",
                        "-w", out], check=True, capture_output=True)
    n = sum(1 for _ in read_pcap(out))
    print("corpus: %d captures, %d frames -> %s" % (len(files), n, out))


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cmd, out = argv[1], argv[2]
    if cmd == "corpus":
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        corpus(out, argv[3])
        return 0
    os.makedirs(out, exist_ok=True)
    if cmd == "flows":
        for n in argv[3:]:
            gen_flows(out, int(n))
    elif cmd == "sigs":
        for n in argv[3:]:
            gen_sigs(out, int(n))
    elif cmd == "split":
        split(out, argv[3], int(argv[4]))
    else:
        print("unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
