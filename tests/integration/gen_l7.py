#!/usr/bin/python3
"""Integration captures for QUIC, DNS and HTTP/2 cleartext (issue 7): each
case is one small pcap plus what must happen to it
(docs/integration-tests.md, "QUIC, DNS, h2c").

    gen_l7.py OUTDIR [GROUP...]      writes OUTDIR/<case>.pcap

Two kinds of case:

- tcp (groups h2c, dnstcp): TCP flows written with gen_cases' Flow and
  judged by the same model and checker as the TCP groups (kbmodel,
  kbreplay.check_output): resets, events, names.
- udp (groups quic, dns): UDP datagrams with an explicit expectation: the
  input frames that must not come out, the DNS refusals that must be
  injected (each checked field by field against its query, and by tshark),
  the verdict and name events, and summary counters. For QUIC the frame
  that completes the ClientHello is also worked out by run_l7.py from the
  capture itself (kbquic decrypts it) and must agree with the case.

QUIC Initials are protected by kbquic (RFC 9001/9369, python3-cryptography);
DNS queries are real ones from tests/data/dns/queries.tsv (dig, drill,
glibc) or built here; the h2c streams are real curl captures from
tests/data/h2c/. Everything is deterministic (seeds from case names).
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_cases as G  # noqa: E402
import kbquic as Q  # noqa: E402
from kbpkt import (  # noqa: E402
    IP, UDP, Capture, Flow, Raw, client_hello, cut, cut_every, qinq, raw, seeded, vlan,
)

DATA = os.path.join(HERE, "..", "data")
C4, S4, C6, S6 = G.C4, G.S4, G.C6, G.S6
RESOLVER4, RESOLVER6 = "198.51.100.53", "2001:db8:20::53"

# Names of this file's captures that the shipped pack bars (kasblock-sig
# match signatures/pack NAME), added to the generator's table.
G.BARRED.update({
    "h2c.kaspersky.com": (8001, "brand"),
    "kaspersky.com": (8001, "brand"),
    "updates.kaspersky.com": (8001, "brand"),
    "quic.kaspersky.com": (8001, "brand"),
    "click.kaspersky.com": (8053, "brand"),
    "ksn-a-stat-geo.kaspersky-labs.com": (8002, "brand"),
})

CASES = []


def case(group, desc, kind, config=None):
    def deco(fn):
        CASES.append({"name": fn.__name__.replace("_", "-"), "group": group, "desc": desc,
                      "fn": fn, "config": config, "kind": kind})
        return fn
    return deco


def cases(groups=None):
    return [c for c in CASES if not groups or c["group"] in groups]


# ---------------------------------------------------------------- data

def dns_query(name):
    """The payload of a query from tests/data/dns/queries.tsv (a TCP one
    keeps its length prefix)."""
    with open(os.path.join(DATA, "dns", "queries.tsv")) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[0] == name:
                return bytes.fromhex(f[2])
    raise KeyError(name)


def dns_build(qid, name, qdcount=1, flags=0x0120, opt=None, extra_q=None):
    """A query built here (A, class IN): RD and AD set as dig does; opt:
    bytes of an OPT record's RDATA (EDNS options) or None."""
    def qname(n):
        return b"".join(bytes([len(x)]) + x.encode() for x in n.split(".") if x) + b"\x00"
    body = qname(name) + b"\x00\x01\x00\x01"
    if extra_q:
        body += qname(extra_q) + b"\x00\x01\x00\x01"
    ar = 0
    if opt is not None:
        body += b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00" + struct.pack("!H", len(opt)) + opt
        ar = 1
    return struct.pack("!HHHHHH", qid, flags, qdcount, 0, 0, ar) + body


def dns_answer(query, addr="192.0.2.1"):
    """A server's answer to query (one A record), to show that the
    resolver's datagrams are forwarded untouched."""
    qd_end = 12
    while query[qd_end]:
        qd_end += 1 + query[qd_end]
    qd_end += 5
    ans = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes(int(x) for x in addr.split("."))
    return query[:2] + b"\x81\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00" + query[12:qd_end] + ans


def h2c_segments(name):
    with open(os.path.join(DATA, "h2c", name + ".hex")) as fh:
        return [bytes.fromhex(x) for x in fh.read().split()]


def chromium_datagrams():
    with open(os.path.join(DATA, "quic", "chromium156_v1_flow.hex")) as fh:
        return [bytes.fromhex(x) for x in fh.read().split()]


# ---------------------------------------------------------------- udp expectations

class Exp:
    """What must happen to a UDP case: frames dropped (input indexes),
    refusals injected (query frame index, rcode), verdict and name events,
    summary counters."""

    def __init__(self):
        self.drop = set()
        self.replies = []
        self.events = []
        self.names = []
        self.summary = {}
        self.quic = []          # (flow, decision frame or None): checked with kbquic

    def verdict(self, f, kind, field, name, action, reason="signature"):
        ev = {"event": kind, "src_ip": f.client, "src_port": f.cport, "dest_ip": f.server,
              "dest_port": f.sport, "proto": "UDP", "field": field, "name": name,
              "action": action, "reason": reason}
        if reason == "signature":
            ev["signature_id"], ev["category"] = G.BARRED[name]
        else:
            ev["signature_id"], ev["category"] = 0, None
        self.events.append(ev)

    def name(self, f, field, name):
        self.names.append((f.client, f.cport, f.server, f.sport, field, name))


def frames_of(cap, fid, start=0):
    return [i for i, fr in enumerate(cap.frames) if fr["flow"] == fid and i >= start]


def block_quic_flow(cap, exp, f, decision, name, action="drop"):
    """A QUIC flow blocked at frame `decision`: it and every later frame of
    the flow, both ways, are dropped."""
    exp.drop |= set(frames_of(cap, f.fid, decision))
    exp.verdict(f, "block", "quic_sni", name, action)
    exp.name(f, "quic_sni", name)
    exp.quic.append((f.fid, decision))


# ---------------------------------------------------------------- quic

def qhello(rng, name, pq=False):
    """A ClientHello as Chromium sends it over QUIC (ALPN h3)."""
    return client_hello([name], rng, pq=pq, alpn=(b"h3",))


def server_datagram(rng, n=1200):
    """Opaque server bytes shaped as a long-header packet (never parsed)."""
    return b"\xc3" + struct.pack("!I", 1) + rng.randbytes(n - 5)


def short_datagram(rng, n=60):
    return b"\x43" + rng.randbytes(n - 1)


@case("quic", "QUIC v1 Initial with a barred SNI: dropped, then the flow both ways", "udp")
def quic_v1_barred(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    f = Flow(cap, "q1", C4, 50101, S4, 443, proto="UDP")
    hello = qhello(rng, "dnl-01.geo.kaspersky.com")
    dcid, scid = rng.randbytes(8), rng.randbytes(8)
    d = f.udp("c2s", Q.protect(Q.V1, dcid, scid, 0, Q.crypto_frame(0, hello), pad_to=1200),
              note="client Initial (whole hello)")
    f.udp("s2c", server_datagram(rng), note="server Initial after the verdict")
    f.udp("c2s", short_datagram(rng), note="client 1-RTT after the verdict")
    block_quic_flow(cap, exp, f, d, "dnl-01.geo.kaspersky.com")
    exp.summary = {"quic inspected": 1, "hellos": 1}
    return cap, exp


@case("quic", "real Chromium 156 first flight (post-quantum hello over two Initials, "
      "shuffled CRYPTO frames) to quic.kaspersky.com", "udp")
def quic_chromium_real(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "q1", C4, 50102, S4, 443, proto="UDP")
    dg = chromium_datagrams()
    idx = [f.udp("c2s", x, note="Chromium datagram %d" % i) for i, x in enumerate(dg)]
    block_quic_flow(cap, exp, f, idx[1], "quic.kaspersky.com")
    return cap, exp


def _split_initials(version, hello, plan, rng, dcid=None, scid=None):
    """Protected Initials, one per plan entry: a list of (from, to) CRYPTO
    ranges in the order they go into that packet, PING/PADDING mixed in."""
    dcid = dcid or rng.randbytes(8)
    scid = scid or rng.randbytes(8)
    out = []
    for pn, ranges in enumerate(plan):
        frames = b""
        for k, (a, b) in enumerate(ranges):
            frames += Q.crypto_frame(a, hello[a:b])
            if k == 0:
                frames += Q.PING + b"\x00" * 3
        out.append(Q.protect(version, dcid, scid, pn, frames, pad_to=1250))
    return out


@case("quic", "post-quantum hello over two Initials, CRYPTO frames shuffled, the second "
      "Initial first (out of order): the later datagram decides", "udp")
def quic_multi_initial_out_of_order(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    hello = qhello(rng, "my.kaspersky.com", pq=True)
    n = len(hello)
    plan = [[(0, 77), (1039, 1400), (1400, n)], [(600, 1039), (77, 600)]]
    a, b = _split_initials(Q.V1, hello, plan, rng)
    f = Flow(cap, "q1", C4, 50103, S4, 443, proto="UDP")
    f.udp("c2s", b, note="client Initial pn 1: CRYPTO [77,1039)")
    d = f.udp("c2s", a, note="client Initial pn 0: CRYPTO [0,77) and [1039,end)")
    f.udp("s2c", server_datagram(rng), note="server after the verdict")
    f.udp("c2s", a, note="client PTO retransmission after the verdict")
    block_quic_flow(cap, exp, f, d, "my.kaspersky.com")
    return cap, exp


@case("quic", "QUIC v2, IPv6 in a VLAN: two Initials coalesced in one datagram", "udp")
def quic_v2_coalesced(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    hello = qhello(rng, "activation-v2.kaspersky.com")
    dcid, scid = rng.randbytes(12), rng.randbytes(4)
    p1 = Q.protect(Q.V2, dcid, scid, 0, Q.crypto_frame(0, hello[:300]))
    p2 = Q.protect(Q.V2, dcid, scid, 1, Q.crypto_frame(300, hello[300:]))
    dgram = p1 + p2 + b"\x00" * max(0, 1200 - len(p1) - len(p2))
    f = Flow(cap, "q1", C6, 50104, S6, 443, proto="UDP", vlans=vlan(77))
    d = f.udp("c2s", dgram, note="two coalesced v2 Initials")
    f.udp("s2c", server_datagram(rng), note="server after the verdict")
    block_quic_flow(cap, exp, f, d, "activation-v2.kaspersky.com")
    return cap, exp


@case("quic", "allowed SNI: every datagram of the flow is forwarded, the name logged", "udp")
def quic_allowed(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    hello = qhello(rng, "www.example.test")
    f = Flow(cap, "q1", C4, 50105, S4, 443, proto="UDP")
    dcid, scid = rng.randbytes(8), rng.randbytes(8)
    f.udp("c2s", Q.protect(Q.V1, dcid, scid, 0, Q.crypto_frame(0, hello), pad_to=1200))
    f.udp("s2c", server_datagram(rng))
    f.udp("s2c", server_datagram(rng, 900))
    f.udp("c2s", Q.protect(Q.V1, scid, dcid, 1, b"\x02\x00\x00\x00\x00", pad_to=1200),
          note="client Initial ACK (to the server's connection ID)")
    for _ in range(3):
        f.udp("c2s", short_datagram(rng))
        f.udp("s2c", short_datagram(rng, 1200))
    exp.name(f, "quic_sni", "www.example.test")
    exp.quic.append((f.fid, None))
    exp.summary = {"quic inspected": 1, "hellos": 1}
    return cap, exp


@case("quic", "not QUIC first: short headers and a long header with the fixed bit clear "
      "do not pass the flow, the barred Initial after them is read; an unknown version "
      "(gQUIC Q050) gives up after quic.max_datagrams and passes (fail open)", "udp")
def quic_not_quic(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    f = Flow(cap, "n1", C4, 50106, S4, 443, proto="UDP")
    f.udp("c2s", short_datagram(rng, 200), note="short header first")
    f.udp("s2c", short_datagram(rng, 200), note="server short header")
    f.udp("c2s", b"\x80\x00\x00\x00\x01\x08" + rng.randbytes(1250),
          note="v1 long header, fixed bit clear")
    d = f.udp("c2s", Q.protect(Q.V1, rng.randbytes(8), b"", 0,
                               Q.crypto_frame(0, qhello(rng, "kaspersky.ru")), pad_to=1200),
              note="a barred Initial after them")
    f.udp("s2c", server_datagram(rng), note="server after the verdict")
    block_quic_flow(cap, exp, f, d, "kaspersky.ru")
    g = Flow(cap, "n2", C4, 50107, S4, 443, proto="UDP")
    for i in range(10):
        g.udp("c2s", b"\xcd" + b"Q050" + b"\x08" + rng.randbytes(8) + b"\x00" + rng.randbytes(1300),
              note="gQUIC Q050 datagram %d" % i)
    g.udp("s2c", rng.randbytes(200))
    exp.summary = {"quic inspected": 2, "not quic": 2, "give-up": 1, "hellos": 1,
                   "quic anomalies": 2}
    return cap, exp


@case("quic", "a barred hello in 10 Initials, offset 0 last: quic.max_datagrams (8) "
      "gives up, fail_policy open passes", "udp")
def quic_give_up(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    hello = qhello(rng, "download.kaspersky.com")
    step = -(-len(hello) // 10)
    ranges = [[(a, min(a + step, len(hello)))] for a in range(0, len(hello), step)]
    plan = ranges[1:] + ranges[:1]
    f = Flow(cap, "q1", C4, 50108, S4, 443, proto="UDP")
    for i, p in enumerate(_split_initials(Q.V1, hello, plan, rng)):
        f.udp("c2s", p, note="client Initial %d" % i)
    exp.summary = {"quic inspected": 1, "give-up": 1, "hellos": 0}
    return cap, exp


@case("quic", "overlapping CRYPTO data with different bytes: conflict_policy block", "udp")
def quic_crypto_conflict(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    hello = qhello(rng, "www.example.test", pq=True)
    other = hello[:400] + bytes(b ^ 0x5a for b in hello[400:500]) + hello[500:]
    dcid, scid = rng.randbytes(8), rng.randbytes(8)
    f = Flow(cap, "q1", C4, 50109, S4, 443, proto="UDP")
    f.udp("c2s", Q.protect(Q.V1, dcid, scid, 0, Q.crypto_frame(0, hello[:500]), pad_to=1200))
    d = f.udp("c2s", Q.protect(Q.V1, dcid, scid, 1, Q.crypto_frame(300, other[300:700]),
                               pad_to=1200), note="CRYPTO [300,700) differing in [400,500)")
    f.udp("c2s", Q.protect(Q.V1, dcid, scid, 2, Q.crypto_frame(500, hello[500:]), pad_to=1200))
    exp.drop |= set(frames_of(cap, "q1", d))
    exp.verdict(f, "block", None, None, "drop", reason="conflict")
    return cap, exp


@case("quic", "quic.mode = block: client long headers dropped (no inspection, no event), "
      "short headers and server datagrams forwarded", "udp", config="l7-quic-block.conf")
def quic_block_mode(cn):
    cap, exp, rng = Capture(), Exp(), seeded(cn)
    f = Flow(cap, "q1", C4, 50110, S4, 443, proto="UDP")
    a = f.udp("c2s", Q.protect(Q.V1, rng.randbytes(8), b"", 0,
                               Q.crypto_frame(0, qhello(rng, "www.example.test")), pad_to=1200))
    f.udp("s2c", server_datagram(rng))
    f.udp("c2s", short_datagram(rng))
    b = f.udp("c2s", b"\xcd" + b"Q050" + rng.randbytes(300), note="gQUIC long header")
    exp.drop |= {a, b}
    exp.summary = {"quic inspected": 0, "blocked datagrams": 2}
    return cap, exp


# ---------------------------------------------------------------- dns

def refuse(cap, exp, f, frame, name, query, rcode=3, action="reset"):
    """Query frame `frame` (DNS message `query`) is dropped and answered."""
    exp.drop.add(frame)
    exp.replies.append((frame, rcode, query))
    exp.verdict(f, "block", "dns", name, action)
    exp.name(f, "dns", name)


@case("dns", "one stub resolver socket: allowed, barred (dig, refused NXDOMAIN), allowed "
      "again; the resolver's answers forwarded", "udp")
def dns_same_socket(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "d1", C4, 40053, RESOLVER4, 53, proto="UDP")
    q1 = dns_build(0x1111, "www.example.test", opt=b"")
    f.udp("c2s", q1, note="query www.example.test")
    f.udp("s2c", dns_answer(q1), note="answer")
    q2 = dns_query("dig_edns")
    d = f.udp("c2s", q2, note="dig query dnl-01.geo.kaspersky.com")
    q2_at = d
    q3 = dns_build(0x3333, "mail.example.test")
    f.udp("c2s", q3, note="query mail.example.test")
    f.udp("s2c", dns_answer(q3), note="answer")
    exp.name(f, "dns", "www.example.test")
    refuse(cap, exp, f, q2_at, "dnl-01.geo.kaspersky.com", q2)
    exp.name(f, "dns", "mail.example.test")
    exp.summary = {"dns queries": 3, "matched": 1, "refusals": 1}
    return cap, exp


@case("dns", "glibc's query over IPv6 in QinQ tags and drill's over IPv4: refusals keep "
      "the tags, swap addresses and ports, checksums right", "udp")
def dns_refuse_v6_qinq(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "d1", C6, 40054, RESOLVER6, 53, proto="UDP", vlans=qinq(100, 200))
    q = dns_query("glibc")
    d = f.udp("c2s", q, note="glibc activation-v2.kaspersky.com")
    refuse(cap, exp, f, d, "activation-v2.kaspersky.com", q)
    g = Flow(cap, "d2", C4, 40055, RESOLVER4, 53, proto="UDP", vlans=vlan(30))
    q = dns_query("drill_udp")
    d = g.udp("c2s", q, note="drill click.kaspersky.com")
    refuse(cap, exp, g, d, "click.kaspersky.com", q)
    h = Flow(cap, "d3", C4, 40056, RESOLVER4, 53, proto="UDP")
    q = dns_query("dig_noedns")
    d = h.udp("c2s", q, note="dig +noedns")
    refuse(cap, exp, h, d, "ksn-a-stat-geo.kaspersky-labs.com", q)
    return cap, exp


@case("dns", "dns.refuse_rcode = refused: REFUSED (5)", "udp", config="l7-dns-refused.conf")
def dns_refused_rcode(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "d1", C4, 40057, RESOLVER4, 53, proto="UDP")
    q = dns_query("dig_edns")
    d = f.udp("c2s", q)
    refuse(cap, exp, f, d, "dnl-01.geo.kaspersky.com", q, rcode=5)
    return cap, exp


@case("dns", "category actions on DNS names: drop (storefront), monitor (brand), pass "
      "(licensing)", "udp", config="actions.conf")
def dns_actions(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "d1", C4, 40058, RESOLVER4, 53, proto="UDP")
    d = f.udp("c2s", dns_build(0x5001, "my.kaspersky.com", opt=b""), note="storefront: drop")
    exp.drop.add(d)
    exp.verdict(f, "block", "dns", "my.kaspersky.com", "drop")
    exp.name(f, "dns", "my.kaspersky.com")
    g = Flow(cap, "d2", C4, 40059, RESOLVER4, 53, proto="UDP")
    q = dns_query("dig_dnssec")
    g.udp("c2s", q, note="brand (Kaspersky.COM): monitor")
    g.udp("s2c", dns_answer(q))
    exp.verdict(g, "monitor", "dns", "kaspersky.com", "monitor")
    exp.name(g, "dns", "kaspersky.com")
    h = Flow(cap, "d3", C4, 40060, RESOLVER4, 53, proto="UDP")
    h.udp("c2s", dns_query("glibc"), note="licensing: pass")
    exp.name(h, "dns", "activation-v2.kaspersky.com")
    return cap, exp


@case("dns", "what is not a plain query passes: a response sent to port 53, the root, "
      "two questions (limit: fail open), a compression pointer (limit), a truncated "
      "query", "udp")
def dns_not_query(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "d1", C4, 40061, RESOLVER4, 53, proto="UDP")
    q = dns_query("dig_edns")
    f.udp("c2s", dns_answer(q), note="a response to port 53")
    f.udp("c2s", dns_query("dig_root"), note="the root (no name)")
    f.udp("c2s", dns_build(0x2222, "www.example.test", qdcount=2,
                           extra_q="dnl-01.geo.kaspersky.com"), note="two questions")
    f.udp("c2s", b"\x44\x44\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\xc0\x0c\x00\x01\x00\x01",
          note="compression pointer in the question")
    f.udp("c2s", q[:20], note="truncated query")
    exp.summary = {"dns queries": 1, "matched": 0, "refusals": 0}
    return cap, exp


@case("dns", "a query in two IPv4 fragments (EDNS padding to 1600 bytes): the completing "
      "fragment is dropped, the refusal built from the reassembled datagram", "udp")
def dns_fragmented(cn):
    cap, exp = Capture(), Exp()
    f = Flow(cap, "d1", C4, 40062, RESOLVER4, 53, proto="UDP")
    q = dns_build(0x6006, "s01.upd.kaspersky.com", opt=struct.pack("!HH", 12, 1500) + bytes(1500))
    # The UDP header and payload with their checksum, then cut at 1000.
    body = raw(IP(src=C4, dst=RESOLVER4, proto=17) / UDP(sport=40062, dport=53) / Raw(q))[20:]
    first = f._l2("c2s") / IP(src=C4, dst=RESOLVER4, id=0x4242, ttl=64, proto=17, flags="MF",
                              frag=0) / Raw(body[:1000])
    second = f._l2("c2s") / IP(src=C4, dst=RESOLVER4, id=0x4242, ttl=64, proto=17,
                               frag=1000 // 8) / Raw(body[1000:])
    cap.add(first, "d1", "c2s", "fragment 1 of 2 (forwarded)")
    d = cap.add(second, "d1", "c2s", "fragment 2 of 2 (completes the query)")
    refuse(cap, exp, f, d, "s01.upd.kaspersky.com", q)
    return cap, exp


# ---------------------------------------------------------------- h2c, dns over tcp

def _need(stream, dns):
    """Client bytes that must be in before the name is final: the whole
    first DNS message (2-byte length prefix), or the HTTP/2 frames up to
    the one that ends the first header block (END_HEADERS, flag 0x4)."""
    if dns:
        return 2 + int.from_bytes(stream[:2], "big")
    pos = 24
    while True:
        ln, ftype, flags = int.from_bytes(stream[pos:pos + 3], "big"), stream[pos + 3], stream[pos + 4]
        pos += 9 + ln
        if ftype in (1, 9) and flags & 0x4:
            return pos


def _tcp_stream(cn, fid, segs, server_port, barred=None, field="http_host", raw_name=None,
                names=None, client=C4, server=S4, cport=46000):
    cap = Capture()
    f = Flow(cap, fid, client, cport, server, server_port)
    f.handshake()
    off = 0
    for s in segs:
        f.client_data(off, s)
        off += len(s)
    f.server_ack(0)
    f.server_data(0, b"\x00\x00\x00\x04\x00\x00\x00\x00\x00", note="server SETTINGS")
    f.client_data(off, b"\x00\x00\x00\x04\x01\x00\x00\x00\x00", note="client SETTINGS ACK")
    f.close(off + 9, 9)
    if barred is None:
        return cap, [G.allow(fid, names or [])]
    return cap, [G.block(fid, field, raw_name, _need(b"".join(segs), server_port == 53),
                         names=names)]


@case("h2c", "curl --http2-prior-knowledge to h2c.kaspersky.com:8080 (real capture): "
      "reset on the HEADERS frame", "tcp")
def h2c_curl_barred(cn):
    return _tcp_stream(cn, "f1", h2c_segments("curl_plain"), 8080, barred=True,
                       raw_name="h2c.kaspersky.com:8080")


@case("h2c", "curl -H 'Host: Kaspersky.COM' (sent as :authority), real capture", "tcp")
def h2c_curl_host_header(cn):
    return _tcp_stream(cn, "f1", h2c_segments("curl_host_header"), 8080, barred=True,
                       raw_name="Kaspersky.COM")


@case("h2c", "the same request cut every 5 bytes: the segment that ends the header "
      "block decides", "tcp")
def h2c_split(cn):
    stream = b"".join(h2c_segments("curl_plain"))
    return _tcp_stream(cn, "f1", [d for _o, d in cut_every(stream, 5)], 8080, barred=True,
                       raw_name="h2c.kaspersky.com:8080")


@case("h2c", "an allowed :authority passes and is logged", "tcp")
def h2c_allowed(cn):
    stream = b"".join(h2c_segments("curl_plain"))
    # curl_plain's HEADERS block names h2c.kaspersky.com:8080; the same
    # request built for an allowed name: preface, SETTINGS, HEADERS with a
    # literal :authority (no Huffman, no indexing).
    auth = b"www.example.test:8080"
    block = (b"\x82\x86\x84" + b"\x01" + bytes([len(auth)]) + auth)
    hdr = struct.pack("!I", len(block))[1:] + b"\x01\x05\x00\x00\x00\x01"
    settings = stream[24:24 + 9 + int.from_bytes(stream[24:27], "big")]
    s = stream[:24] + settings + hdr + block
    return _tcp_stream(cn, "f1", [s], 8080, names=[("http_host", "www.example.test:8080")])


@case("dnstcp", "dig +tcp updates.kaspersky.com (real query): reset", "tcp")
def dns_tcp_barred(cn):
    q = dns_query("dig_tcp")
    return _tcp_stream(cn, "f1", [d for _o, d in cut(q, [1, 30])], 53, barred=True, field="dns",
                       raw_name="updates.kaspersky.com", server=RESOLVER4)


@case("dnstcp", "an allowed query over TCP passes", "tcp")
def dns_tcp_allowed(cn):
    q = dns_build(0x7007, "www.example.test", opt=b"")
    return _tcp_stream(cn, "f1", [struct.pack("!H", len(q)) + q], 53,
                       names=[("dns", "www.example.test")], server=RESOLVER4)


# ---------------------------------------------------------------- build

def build(entry):
    """(capture, meta) for a tcp case as gen_cases.build gives; for a udp
    case (capture, meta) with meta["exp"] the Exp."""
    if entry["kind"] == "tcp":
        return G.build(entry)
    cap, exp = entry["fn"](entry["name"])
    return cap, {"name": entry["name"], "group": entry["group"], "desc": entry["desc"],
                 "exp": exp, "notes": [fr["note"] for fr in cap.frames]}


def main(argv):
    if len(argv) < 2:
        print("usage: gen_l7.py OUTDIR [GROUP...]", file=sys.stderr)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    sel = cases(argv[2:])
    for c in sel:
        cap, m = build(c)
        cap.write(os.path.join(argv[1], m["name"] + ".pcap"))
    print("%d cases written to %s" % (len(sel), argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
