"""Building blocks for the integration captures: TLS ClientHellos, HTTP
request heads, and TCP conversations cut into segments, IP fragments, VLAN
tags and IPv6 extension headers.

Everything is deterministic: random bytes come from a random.Random seeded by
the caller, and each frame gets a fixed timestamp from the capture it is
added to. Only Debian's /usr/bin/python3 has scapy.
"""

import random
import zlib
import struct

from scapy.all import (  # noqa: F401  (re-exported for the case scripts)
    ARP, Dot1AD, Dot1Q, Ether, ICMP, IP, IPv6, IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
    IPv6ExtHdrSegmentRouting, PadN, Raw, TCP, UDP, conf, raw, wrpcap,
)

conf.verb = 0

CLIENT_MAC = "02:00:00:00:00:01"
SERVER_MAC = "02:00:00:00:00:02"
BASE_TIME = 1764115200  # 2025-11-26 00:00:00 UTC: fixed, so captures are byte-stable

# ---------------------------------------------------------------- TLS

GREASE = 0x0a0a


def _u8(b):
    return struct.pack("!B", len(b)) + b


def _u16(b):
    return struct.pack("!H", len(b)) + b


def _u24(n):
    return struct.pack("!I", n)[1:]


def _ext(etype, data):
    return struct.pack("!HH", etype, len(data)) + data


def client_hello(names, rng, *, pq=False, pad_to=0, alpn=(b"h2", b"http/1.1"),
                 grease=True, sni_ext=True):
    """A TLS 1.3-style ClientHello handshake message (type, length, body).

    names: host_name entries for server_name (bytes or str), in wire order.
    pq: add an X25519MLKEM768 key share (1216 + 32 bytes): the ~1.8 KB hello
        post-quantum clients send, which needs two TCP segments.
    pad_to: grow the body with a padding extension to about this many bytes.
    """
    names = [n.encode() if isinstance(n, str) else n for n in names]
    exts = []
    if grease:
        exts.append(_ext(GREASE, b""))
    if sni_ext and names:
        lst = b"".join(b"\x00" + _u16(n) for n in names)
        exts.append(_ext(0, _u16(lst)))
    exts.append(_ext(23, b""))                                  # extended_master_secret
    exts.append(_ext(65281, b"\x00"))                           # renegotiation_info
    groups = ([GREASE] if grease else []) + ([0x11ec] if pq else []) + [0x001d, 0x0017, 0x0018]
    exts.append(_ext(10, _u16(b"".join(struct.pack("!H", g) for g in groups))))
    exts.append(_ext(11, _u8(b"\x00")))                         # ec_point_formats
    if alpn:
        exts.append(_ext(16, _u16(b"".join(_u8(a) for a in alpn))))
    exts.append(_ext(13, _u16(struct.pack("!8H", 0x0403, 0x0804, 0x0401, 0x0503,
                                          0x0805, 0x0501, 0x0806, 0x0601))))
    shares = b""
    if grease:
        shares += struct.pack("!HH", GREASE, 1) + b"\x00"
    if pq:
        shares += struct.pack("!HH", 0x11ec, 1216) + rng.randbytes(1216)
    shares += struct.pack("!HH", 0x001d, 32) + rng.randbytes(32)
    exts.append(_ext(51, _u16(shares)))
    exts.append(_ext(45, _u8(b"\x01")))                         # psk_key_exchange_modes
    exts.append(_ext(43, _u8(struct.pack("!HHH", GREASE, 0x0304, 0x0303)
                             if grease else struct.pack("!HH", 0x0304, 0x0303))))
    suites = ([GREASE] if grease else []) + [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                             0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c]
    head = (b"\x03\x03" + rng.randbytes(32) + _u8(rng.randbytes(32))
            + _u16(b"".join(struct.pack("!H", s) for s in suites)) + _u8(b"\x00"))
    ext_bytes = b"".join(exts)
    body_len = len(head) + 2 + len(ext_bytes)
    if pad_to and body_len + 4 < pad_to:
        pad = pad_to - body_len - 4
        ext_bytes += _ext(21, b"\x00" * pad)
    body = head + _u16(ext_bytes)
    return b"\x01" + _u24(len(body)) + body


def tls_records(handshake, sizes=None, version=0x0301):
    """Wraps handshake bytes into handshake records of the given fragment
    sizes (the last takes the rest); None: one record."""
    out = b""
    pos = 0
    sizes = list(sizes or [])
    while pos < len(handshake):
        n = sizes.pop(0) if sizes else len(handshake) - pos
        n = min(n, len(handshake) - pos)
        out += struct.pack("!BHH", 22, version, n) + handshake[pos:pos + n]
        pos += n
    return out


def server_hello_like(rng, n=120):
    """Opaque server bytes shaped like a TLS handshake record (never parsed)."""
    body = rng.randbytes(n)
    return struct.pack("!BHH", 22, 0x0303, len(body)) + body


# ---------------------------------------------------------------- HTTP

def http_get(host, path="/", extra=(), ua="kasblock-it/1"):
    lines = ["GET %s HTTP/1.1" % path, "Host: %s" % host, "User-Agent: %s" % ua,
             "Accept: */*"] + list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def http_response(body=b"ok\n"):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
            % len(body)) + body


# ---------------------------------------------------------------- segmenting

def cut(data, points):
    """Splits data at the given offsets: [(offset, bytes), ...]."""
    pts = [0] + sorted(p for p in points if 0 < p < len(data)) + [len(data)]
    return [(pts[i], data[pts[i]:pts[i + 1]]) for i in range(len(pts) - 1)
            if pts[i] < pts[i + 1]]


def cut_every(data, size):
    return cut(data, range(size, len(data), size))


def cut_random(data, n, rng):
    """n segments at random cut points (n - 1 distinct cuts)."""
    pts = rng.sample(range(1, len(data)), n - 1)
    return cut(data, pts)


# ---------------------------------------------------------------- capture

class Capture:
    """Frames in capture order with what each one is, for the expectations."""

    def __init__(self, start=0):
        self.frames = []        # dicts: pkt, flow, dir, kind, note
        self.flows = {}         # flow id -> Flow
        self.start = start
        self._dgram_id = 0x100

    def next_ip_id(self):
        self._dgram_id += 1
        return self._dgram_id

    def add(self, pkt, flow=None, direction=None, note=""):
        self.frames.append({"pkt": pkt, "flow": flow, "dir": direction, "note": note})
        return len(self.frames) - 1

    def write(self, path):
        pkts = []
        for i, f in enumerate(self.frames):
            p = f["pkt"]
            # Integer microseconds so the pcap timestamps are exact.
            p.time = BASE_TIME + self.start + (i * 1000) / 1e6
            pkts.append(p)
        wrpcap(path, pkts, linktype=1)

    def raw_frames(self):
        return [raw(f["pkt"]) for f in self.frames]


def l2(src_mac, dst_mac, vlans):
    """Ethernet header with tags outermost first: [(tpid, vid), ...]."""
    if not vlans:
        return Ether(src=src_mac, dst=dst_mac)
    tpid0 = vlans[0][0]
    e = Ether(src=src_mac, dst=dst_mac, type=tpid0)
    layers = e
    for i, (_tpid, vid) in enumerate(vlans):
        nxt = vlans[i + 1][0] if i + 1 < len(vlans) else None
        tag = Dot1Q(vlan=vid) if nxt is None else Dot1Q(vlan=vid, type=nxt)
        layers = layers / tag
    return layers


class Flow:
    """One TCP or UDP conversation between a client and a server."""

    def __init__(self, cap, fid, client, cport, server, sport, *, proto="TCP",
                 vlans=(), v6_ext=None, isn_c=1000000, isn_s=5000000,
                 win_c=64240, win_s=65160, ttl=64):
        self.cap = cap
        self.fid = fid
        self.client, self.cport, self.server, self.sport = client, cport, server, sport
        self.proto = proto
        self.v6 = ":" in client
        self.vlans = list(vlans)
        self.v6_ext = v6_ext     # callable returning a fresh extension chain, or None
        self.isn_c, self.isn_s = isn_c, isn_s
        self.win_c, self.win_s = win_c, win_s
        self.ttl = ttl
        self.c_next = isn_c      # next client seq (SYN counts one)
        self.s_next = isn_s
        cap.flows[fid] = self

    # -- headers

    def _ip(self, direction, ip_id=None):
        src, dst = (self.client, self.server) if direction == "c2s" else (self.server, self.client)
        if self.v6:
            hdr = IPv6(src=src, dst=dst, hlim=self.ttl)
            if self.v6_ext is not None:
                hdr = hdr / self.v6_ext()
            return hdr
        return IP(src=src, dst=dst, ttl=self.ttl,
                  id=ip_id if ip_id is not None else self.cap.next_ip_id(), flags="DF")

    def _l2(self, direction):
        if direction == "c2s":
            return l2(CLIENT_MAC, SERVER_MAC, self.vlans)
        return l2(SERVER_MAC, CLIENT_MAC, self.vlans)

    def tcp_pkt(self, direction, flags, seq, ack, payload=b"", ip_id=None):
        sport, dport = (self.cport, self.sport) if direction == "c2s" else (self.sport, self.cport)
        win = self.win_c if direction == "c2s" else self.win_s
        t = TCP(sport=sport, dport=dport, flags=flags, seq=seq & 0xffffffff,
                ack=ack & 0xffffffff if "A" in flags else 0, window=win)
        if "S" in flags:
            t.options = [("MSS", 1460)]
        p = self._l2(direction) / self._ip(direction, ip_id) / t
        if payload:
            p = p / Raw(payload)
        return p

    def emit(self, direction, flags, seq, ack, payload=b"", note=""):
        return self.cap.add(self.tcp_pkt(direction, flags, seq, ack, payload),
                            self.fid, direction, note)

    # -- TCP conversation

    def handshake(self):
        self.emit("c2s", "S", self.isn_c, 0, note="SYN")
        self.emit("s2c", "SA", self.isn_s, self.isn_c + 1, note="SYN-ACK")
        self.c_next, self.s_next = self.isn_c + 1, self.isn_s + 1
        self.emit("c2s", "A", self.c_next, self.s_next, note="ACK")

    def client_data(self, off, data, note="", flags="PA"):
        """One client segment carrying stream bytes [off, off+len)."""
        seq = self.isn_c + 1 + off
        return self.emit("c2s", flags, seq, self.s_next, data, note or "c2s [%d,%d)" % (off, off + len(data)))

    def server_data(self, off, data, note="", flags="PA"):
        seq = self.isn_s + 1 + off
        return self.emit("s2c", flags, seq, self.c_next, data, note or "s2c [%d,%d)" % (off, off + len(data)))

    def server_ack(self, c_off, note="server ACK"):
        return self.emit("s2c", "A", self.s_next, self.isn_c + 1 + c_off, note=note)

    def client_ack(self, s_off, c_off, note="client ACK"):
        return self.emit("c2s", "A", self.isn_c + 1 + c_off, self.isn_s + 1 + s_off, note=note)

    def send_stream(self, segs, order=None, note=""):
        """Client segments [(off, bytes)] in the given order (indexes)."""
        order = range(len(segs)) if order is None else order
        for i in order:
            off, data = segs[i]
            self.client_data(off, data, note=note or "c2s seg %d [%d,%d)" % (i, off, off + len(data)))

    def close(self, c_len, s_len):
        """FIN from the client, FIN-ACK and ACK: after c_len/s_len stream bytes."""
        cs, ss = self.isn_c + 1 + c_len, self.isn_s + 1 + s_len
        self.emit("c2s", "FA", cs, ss, note="client FIN")
        self.emit("s2c", "FA", ss, cs + 1, note="server FIN")
        self.emit("c2s", "A", cs + 1, ss + 1, note="last ACK")

    # -- IP fragments

    def client_data_fragments(self, off, data, frag_sizes, order=None, note=""):
        """One client segment sent as IP fragments. frag_sizes: bytes of the
        fragmentable part (TCP header + payload) per fragment, multiples of
        8 except the last (which takes the rest). order: fragment indexes."""
        seq = self.isn_c + 1 + off
        full = self.tcp_pkt("c2s", "PA", seq, self.s_next, data)
        l2hdr = self._l2("c2s")
        if self.v6:
            ip6 = full[IPv6]
            # Unfragmentable part: the base header and the extension headers
            # that precede the fragment header; here hop-by-hop and routing
            # when present, and every destination option that was given is
            # kept before the fragment header too (RFC 8200 4.5 permits it).
            fragmentable = raw(full[TCP])
            chain = []
            layer = ip6.payload
            while not isinstance(layer, TCP):
                chain.append(layer.copy())
                layer = layer.payload
            frag_id = 0x1000 + self.cap.next_ip_id()
            pieces = _split(fragmentable, frag_sizes)
            order = range(len(pieces)) if order is None else order
            for i in order:
                foff, chunk = pieces[i]
                m = 1 if foff + len(chunk) < len(fragmentable) else 0
                hdr = IPv6(src=ip6.src, dst=ip6.dst, hlim=ip6.hlim)
                for c in chain:
                    c = c.copy()
                    c.remove_payload()
                    hdr = hdr / c
                fr = IPv6ExtHdrFragment(nh=6, offset=foff // 8, m=m, id=frag_id)
                pkt = l2hdr.copy() / hdr / fr / Raw(chunk)
                self.cap.add(pkt, self.fid, "c2s",
                             note or "c2s v6 fragment %d of [%d,%d)" % (i, off, off + len(data)))
        else:
            ip4 = full[IP]
            fragmentable = raw(ip4.payload)
            ip_id = self.cap.next_ip_id()
            pieces = _split(fragmentable, frag_sizes)
            order = range(len(pieces)) if order is None else order
            for i in order:
                foff, chunk = pieces[i]
                mf = foff + len(chunk) < len(fragmentable)
                hdr = IP(src=ip4.src, dst=ip4.dst, ttl=ip4.ttl, id=ip_id, proto=6,
                         flags="MF" if mf else 0, frag=foff // 8)
                pkt = l2hdr.copy() / hdr / Raw(chunk)
                self.cap.add(pkt, self.fid, "c2s",
                             note or "c2s v4 fragment %d of [%d,%d)" % (i, off, off + len(data)))

    # -- UDP

    def udp(self, direction, payload, note=""):
        sport, dport = (self.cport, self.sport) if direction == "c2s" else (self.sport, self.cport)
        p = self._l2(direction) / self._ip(direction) / UDP(sport=sport, dport=dport) / Raw(payload)
        return self.cap.add(p, self.fid, direction, note or "udp " + direction)


def _split(data, sizes):
    out, pos = [], 0
    sizes = list(sizes)
    while pos < len(data):
        n = sizes.pop(0) if sizes else len(data) - pos
        n = min(n, len(data) - pos)
        out.append((pos, data[pos:pos + n]))
        pos += n
    return out


def qinq(outer, inner):
    return [(0x88a8, outer), (0x8100, inner)]


def vlan(vid):
    return [(0x8100, vid)]


def seeded(name):
    """A random.Random seeded from a case name: stable across runs."""
    return random.Random(zlib.crc32(name.encode()))
