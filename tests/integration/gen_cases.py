#!/usr/bin/python3
"""The integration captures: each case is one small pcap plus what must
happen to every flow in it (docs/integration-tests.md lists them).

    gen_cases.py OUTDIR [GROUP...]    writes OUTDIR/<case>.pcap and cases.json

The runner (run_cases.py) imports this module and builds the cases itself;
the command line is for looking at a capture by hand. Everything is fixed:
seeds come from the case name, timestamps from the frame index.

Expectations are written per flow: "block" with the event kasblock must
log (field, normalised name, signature id, category, action) or "pass".
Which packet completes the barred name is computed here from the segment
offsets (decision_frame) and, independently, by the runner's model from the
bytes of the capture; the two must agree before the output is judged.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kbpkt import (  # noqa: E402
    ARP, Capture, Ether, Flow, ICMP, IP, IPv6, IPv6ExtHdrDestOpt,
    IPv6ExtHdrHopByHop, IPv6ExtHdrSegmentRouting, PadN, Raw, CLIENT_MAC, SERVER_MAC,
    client_hello, cut, cut_every, cut_random, http_get, http_response, qinq,
    seeded, server_hello_like, tls_records, vlan,
)

C4, S4 = "192.0.2.10", "198.51.100.20"
C6, S6 = "2001:db8:10::10", "2001:db8:20::20"
PROXY4 = "198.51.100.80"

# Names of the shipped pack (signatures/pack/kaspersky.sig) and the rule
# each must hit: the longest matching pattern decides the id and category.
BARRED = {
    "dnl-01.geo.kaspersky.com": (1011, "update"),
    "my.kaspersky.com": (5001, "storefront"),
    "s01.upd.kaspersky.com": (1041, "update"),
    "activation-v2.kaspersky.com": (3001, "licensing"),
    "download.kaspersky.com": (2007, "download"),
    "a.b.c.kaspersky.com": (8001, "brand"),
    "x.ksn.kaspersky-labs.com": (4001, "telemetry"),
    "kaspersky.ru": (8003, "brand"),
}
ACTION = "reset"   # config/kasblock.conf: every enforced category resets

CASES = []


def case(group, desc, config=None):
    """config: a configuration beside this script to replay with instead of
    config/kasblock.conf."""
    def deco(fn):
        CASES.append({"name": fn.__name__.replace("_", "-"), "group": group,
                      "desc": desc, "fn": fn, "config": config})
        return fn
    return deco


def norm(name):
    """The name kasblock matches and logs: lower case, no trailing dot, no
    :port (an HTTP Host or CONNECT authority carries one as sent)."""
    n = name.lower()
    if n.rsplit(":", 1)[-1].isdigit() and ":" in n:
        n = n.rsplit(":", 1)[0]
    return n[:-1] if n.endswith(".") else n


def block(flow, field, raw_name, need, action=ACTION, names=None, decision=None):
    """A flow that must be blocked on raw_name (as sent) in field.
    need: client stream bytes that must be in order for the verdict (the
    end of the ClientHello, or for HTTP the byte after the name's line);
    decision: the frame that decides, when it is not that (overlaps)."""
    n = norm(raw_name)
    sig, cat = BARRED[n]
    return {"flow": flow, "verdict": "block", "need": need, "decision": decision,
            "event": {"field": field, "name": n, "signature_id": sig,
                      "category": cat, "action": action, "reason": "signature"},
            "names": names if names is not None else [(field, raw_name)]}


def conflict_block(flow, decision, action=ACTION):
    """A flow the reassembly policy blocks (conflict_policy = "block"): a
    client byte arrived twice with different values at frame `decision`.
    The event names no signature (docs/kasblock.md, Events)."""
    return {"flow": flow, "verdict": "block", "need": None, "decision": decision,
            "event": {"field": None, "name": None, "signature_id": 0, "category": None,
                      "action": action, "reason": "conflict"},
            "names": []}


def allow(flow, names=()):
    return {"flow": flow, "verdict": "pass", "names": list(names)}


def tls_flow(cap, fid, cport, *, client=C4, server=S4, **kw):
    f = Flow(cap, fid, client, cport, server, 443, **kw)
    f.handshake()
    return f


def after_block(f, c_len, note_extra=""):
    """What a client and server do after the verdict packet: the server
    acknowledges what it got, the client retransmits and goes on, then
    closes. All of it must be absent from the output."""
    f.server_ack(0, note="server dup ACK" + note_extra)
    f.client_data(c_len, b"\x17\x03\x03\x00\x10" + bytes(16), note="client app data after verdict")
    f.server_data(0, b"\x15\x03\x03\x00\x02\x02\x28", note="server alert after verdict")
    f.close(c_len + 21, 7)


def pass_tail(f, c_len, rng):
    """A passed TLS flow carries on: server flight, client finished, data."""
    sh = server_hello_like(rng, 600)
    f.server_data(0, sh, note="server flight")
    f.client_ack(len(sh), c_len)
    f.client_data(c_len, b"\x17\x03\x03\x00\x20" + rng.randbytes(32), note="client app data")
    f.server_data(len(sh), b"\x17\x03\x03\x00\x40" + rng.randbytes(64), note="server app data")
    f.close(c_len + 37, len(sh) + 69)


def hello_stream(case_name, name, **kw):
    rng = seeded(case_name)
    hs = client_hello([name] if isinstance(name, str) else name, rng, **kw)
    return rng, hs


# ================================================================ tls

def _tls_segmented(cname, sni, segs_fn, order_fn=None, records=None, **hello_kw):
    cap = Capture()
    rng, hs = hello_stream(cname, sni, **hello_kw)
    stream = tls_records(hs, records)
    f = tls_flow(cap, "f1", 40001)
    segs = segs_fn(stream, rng)
    order = order_fn(len(segs), rng) if order_fn else None
    f.send_stream(segs, order)
    after_block(f, len(stream))
    return cap, [block("f1", "sni", sni, len(stream))]


@case("tls", "ClientHello in one segment")
def tls_one_segment(cn):
    return _tls_segmented(cn, "dnl-01.geo.kaspersky.com", lambda s, r: cut(s, []))


@case("tls", "ClientHello split into two segments")
def tls_two_segments(cn):
    return _tls_segmented(cn, "my.kaspersky.com", lambda s, r: cut(s, [len(s) // 2]))


@case("tls", "split in the middle of the SNI")
def tls_split_in_sni(cn):
    def segs(s, r):
        i = s.find(b"my.kaspersky.com")
        return cut(s, [i + 5])
    return _tls_segmented(cn, "my.kaspersky.com", segs)


@case("tls", "ClientHello in 9 uneven segments")
def tls_nine_segments(cn):
    return _tls_segmented(cn, "s01.upd.kaspersky.com", lambda s, r: cut_random(s, 9, r))


@case("tls", "ClientHello in 1-byte segments (first 40 bytes) then the rest")
def tls_byte_segments(cn):
    return _tls_segmented(cn, "dnl-01.geo.kaspersky.com",
                          lambda s, r: cut(s, list(range(1, 41))))


@case("tls", "segments in reverse order")
def tls_reverse_order(cn):
    return _tls_segmented(cn, "my.kaspersky.com", lambda s, r: cut_random(s, 5, r),
                          lambda n, r: list(reversed(range(n))))


@case("tls", "6 segments in a random order")
def tls_random_order_a(cn):
    return _tls_segmented(cn, "my.kaspersky.com", lambda s, r: cut_random(s, 6, r),
                          lambda n, r: r.sample(range(n), n))


@case("tls", "12 segments in another random order")
def tls_random_order_b(cn):
    return _tls_segmented(cn, "activation-v2.kaspersky.com", lambda s, r: cut_random(s, 12, r),
                          lambda n, r: r.sample(range(n), n))


@case("tls", "every order: 120 flows, one hello in 5 segments sent in each of the 120 orders")
def tls_every_order(cn):
    import itertools
    cap = Capture()
    sni = "dnl-01.geo.kaspersky.com"
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    segs = cut_random(s, 5, rng)
    want = []
    for i, order in enumerate(itertools.permutations(range(5))):
        fid = "p%03d" % i
        f = tls_flow(cap, fid, 47000 + i)
        f.send_stream(segs, order)
        f.server_ack(0)
        want.append(block(fid, "sni", sni, len(s)))
    return cap, want


@case("tls", "first segment last, the rest in order")
def tls_first_last(cn):
    return _tls_segmented(cn, "download.kaspersky.com", lambda s, r: cut_random(s, 4, r),
                          lambda n, r: list(range(1, n)) + [0])


@case("tls", "only two segments swapped (some out of order)")
def tls_some_order(cn):
    return _tls_segmented(cn, "my.kaspersky.com", lambda s, r: cut_random(s, 5, r),
                          lambda n, r: [0, 2, 1, 3, 4])


@case("tls", "retransmissions: every segment sent twice, identical")
def tls_retransmissions(cn):
    return _tls_segmented(cn, "dnl-01.geo.kaspersky.com", lambda s, r: cut_random(s, 4, r),
                          lambda n, r: [0, 0, 1, 2, 1, 2, 3])


@case("tls", "identical overlapping segments ([0,a) [a/2,b) [b-9,end)...)")
def tls_identical_overlap(cn):
    cap = Capture()
    sni = "my.kaspersky.com"
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40002)
    a, b = len(s) // 3, 2 * len(s) // 3
    f.client_data(0, s[0:a])
    f.client_data(a // 2, s[a // 2:b])
    f.client_data(b - 9, s[b - 9:])
    after_block(f, len(s))
    return cap, [block("f1", "sni", sni, len(s))]


@case("tls", "out of order with identical overlap: later bytes first, then a covering segment")
def tls_identical_overlap_ooo(cn):
    cap = Capture()
    sni = "s01.upd.kaspersky.com"
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40003)
    a = len(s) // 2
    f.client_data(a, s[a:])
    f.client_data(a - 20, s[a - 20:a + 30])
    f.client_data(0, s[0:a - 10])
    after_block(f, len(s))
    return cap, [block("f1", "sni", sni, len(s))]


@case("tls", "a retransmission carrying more data completes the hello ([0,100) then [0,end))")
def tls_retrans_superset(cn):
    cap = Capture()
    sni = "dnl-01.geo.kaspersky.com"
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40004)
    f.client_data(0, s[:100])
    f.server_ack(100)
    f.client_data(0, s)
    after_block(f, len(s))
    return cap, [block("f1", "sni", sni, len(s))]


@case("tls", "inconsistent overlap against held out-of-order bytes: blocked by policy")
def tls_overlap_conflict_held(cn):
    cap = Capture()
    sni = "example.test"          # an allowed name: only the policy can block it
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40005)
    a = len(s) // 2
    f.client_data(a, s[a:a + 60])                       # held, out of order
    bad = bytes(x ^ 0x5a for x in s[a + 10:a + 40])
    d = f.client_data(a + 10, bad, note="conflicting overlap")
    f.client_data(0, s[:a])
    f.client_data(a + 60, s[a + 60:])
    after_block(f, len(s))
    return cap, [conflict_block("f1", d)]


@case("tls", "retransmission with different bytes after the bytes went in order: blocked by policy")
def tls_overlap_conflict_inorder(cn):
    cap = Capture()
    sni = "example.test"
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40006)
    a = len(s) // 2
    f.client_data(0, s[:a])
    bad = s[:50] + bytes(x ^ 0x33 for x in s[50:a])
    d = f.client_data(0, bad, note="conflicting retransmission")
    f.client_data(a, s[a:])
    after_block(f, len(s))
    return cap, [conflict_block("f1", d)]


@case("tls", "hello over two TLS records in one segment")
def tls_two_records(cn):
    return _tls_segmented(cn, "my.kaspersky.com", lambda s, r: cut(s, []), records=[100])


@case("tls", "hello over 1-byte TLS records (every handshake byte its own record), 3 segments")
def tls_one_byte_records(cn):
    cap = Capture()
    sni = "dnl-01.geo.kaspersky.com"
    rng, hs = hello_stream(cn, sni, alpn=(), grease=False)
    # 64 records is the parser's default cap: 1-byte records for the first
    # 40 handshake bytes, then 20 records of the rest.
    rest = len(hs) - 40
    sizes = [1] * 40 + [rest // 20 + 1] * 20
    s = tls_records(hs, sizes)
    f = tls_flow(cap, "f1", 40007)
    f.send_stream(cut(s, [len(s) // 3, 2 * len(s) // 3]))
    after_block(f, len(s))
    return cap, [block("f1", "sni", sni, len(s))]


@case("tls", "records and segments cut at unrelated places, out of order")
def tls_records_and_segments(cn):
    return _tls_segmented(cn, "activation-v2.kaspersky.com", lambda s, r: cut_random(s, 7, r),
                          lambda n, r: r.sample(range(n), n), records=[7, 50, 3, 90])


@case("tls", "post-quantum hello (~1.8 KB, X25519MLKEM768) in two segments")
def tls_pq_two_segments(cn):
    return _tls_segmented(cn, "dnl-01.geo.kaspersky.com", lambda s, r: cut_every(s, 1448),
                          pq=True, pad_to=1780)


@case("tls", "8 KB hello (padding) in 1448-byte segments, last two swapped")
def tls_large_hello(cn):
    return _tls_segmented(cn, "s01.upd.kaspersky.com", lambda s, r: cut_every(s, 1448),
                          lambda n, r: list(range(n - 2)) + [n - 1, n - 2], pad_to=8000,
                          records=[4000])


@case("tls", "mixed-case SNI is blocked (name normalised)")
def tls_mixed_case(cn):
    return _tls_segmented(cn, "DNL-01.Geo.KasperSky.COM", lambda s, r: cut(s, []))


@case("tls", "trailing-dot SNI is blocked")
def tls_trailing_dot(cn):
    return _tls_segmented(cn, "my.kaspersky.com.", lambda s, r: cut(s, [30]))


@case("tls", "a name under a barred domain (a.b.c.kaspersky.com, domain rule)")
def tls_subdomain(cn):
    return _tls_segmented(cn, "a.b.c.kaspersky.com", lambda s, r: cut(s, []))


@case("tls", "two host_names, decoy first: the barred second one blocks")
def tls_two_names(cn):
    cap = Capture()
    rng, hs = hello_stream(cn, ["example.test", "my.kaspersky.com"])
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40008)
    f.client_data(0, s)
    after_block(f, len(s))
    return cap, [block("f1", "sni", "my.kaspersky.com", len(s),
                       names=[("sni", "example.test"), ("sni", "my.kaspersky.com")])]


def _tls_allowed(cn, names, expect_names, segs_fn=None, **hello_kw):
    cap = Capture()
    rng, hs = hello_stream(cn, names, **hello_kw)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 40009)
    f.send_stream(segs_fn(s, rng) if segs_fn else cut(s, []))
    pass_tail(f, len(s), rng)
    return cap, [allow("f1", expect_names)]


@case("tls", "allowed name (example.test) passes untouched")
def tls_allowed(cn):
    return _tls_allowed(cn, "example.test", [("sni", "example.test")],
                        lambda s, r: cut_random(s, 3, r))


@case("tls", "lookalike notkaspersky.com passes")
def tls_lookalike_prefix(cn):
    return _tls_allowed(cn, "notkaspersky.com", [("sni", "notkaspersky.com")])


@case("tls", "lookalike kaspersky.com.example.net passes")
def tls_lookalike_suffix(cn):
    return _tls_allowed(cn, "kaspersky.com.example.net", [("sni", "kaspersky.com.example.net")])


@case("tls", "lookalike my-kaspersky.com passes")
def tls_lookalike_hyphen(cn):
    return _tls_allowed(cn, "my-kaspersky.com", [("sni", "my-kaspersky.com")])


@case("tls", "hello without server_name passes")
def tls_no_sni(cn):
    return _tls_allowed(cn, [], [], sni_ext=False)


@case("tls", "three interleaved flows: allowed, barred, allowed")
def tls_interleaved(cn):
    cap = Capture()
    rng = seeded(cn)
    f1 = tls_flow(cap, "f1", 41001)
    f2 = tls_flow(cap, "f2", 41002)
    f3 = tls_flow(cap, "f3", 41003, client="192.0.2.11")
    s1 = tls_records(client_hello(["example.test"], rng))
    s2 = tls_records(client_hello(["my.kaspersky.com"], rng))
    s3 = tls_records(client_hello(["www.example.org"], rng))
    g1, g2, g3 = cut(s1, [100]), cut(s2, [80, 200]), cut(s3, [150])
    f1.client_data(*g1[0])
    f2.client_data(*g2[1])
    f3.client_data(*g3[0])
    f2.client_data(*g2[0])
    f1.client_data(*g1[1])
    f3.client_data(*g3[1])
    f2.client_data(*g2[2])
    pass_tail(f1, len(s1), rng)
    after_block(f2, len(s2))
    pass_tail(f3, len(s3), rng)
    return cap, [allow("f1", [("sni", "example.test")]),
                 block("f2", "sni", "my.kaspersky.com", len(s2)),
                 allow("f3", [("sni", "www.example.org")])]


# ================================================================ l3 (L2/L3 encapsulations)

def _encap_case(cn, sni, *, fragments=None, frag_order=None, cport=42000, **flow_kw):
    cap = Capture()
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    client = C6 if flow_kw.pop("v6", False) else C4
    server = S6 if client == C6 else S4
    f = tls_flow(cap, "f1", cport, client=client, server=server, **flow_kw)
    if fragments:
        f.client_data_fragments(0, s, fragments, frag_order)
    else:
        f.send_stream(cut(s, [len(s) // 2]))
    after_block(f, len(s))
    return cap, [block("f1", "sni", sni, len(s))]


def hbh():
    return IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)])


def dstopt():
    return IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)])


def srh():
    return IPv6ExtHdrSegmentRouting(addresses=[S6], segleft=0)


@case("l3", "802.1Q VLAN")
def l3_vlan(cn):
    return _encap_case(cn, "my.kaspersky.com", vlans=vlan(100))


@case("l3", "QinQ (802.1ad outer, 802.1Q inner)")
def l3_qinq(cn):
    return _encap_case(cn, "dnl-01.geo.kaspersky.com", vlans=qinq(300, 42))


@case("l3", "IPv6")
def l3_ipv6(cn):
    return _encap_case(cn, "my.kaspersky.com", v6=True)


@case("l3", "IPv6 with hop-by-hop options")
def l3_ipv6_hbh(cn):
    return _encap_case(cn, "my.kaspersky.com", v6=True, v6_ext=hbh)


@case("l3", "IPv6 with destination options")
def l3_ipv6_dstopt(cn):
    return _encap_case(cn, "s01.upd.kaspersky.com", v6=True, v6_ext=dstopt)


@case("l3", "IPv6 with a routing header (segment routing, segments left 0)")
def l3_ipv6_routing(cn):
    return _encap_case(cn, "dnl-01.geo.kaspersky.com", v6=True, v6_ext=srh)


@case("l3", "IPv6 with hop-by-hop, destination options and routing headers, in a VLAN")
def l3_ipv6_ext_chain(cn):
    return _encap_case(cn, "my.kaspersky.com", v6=True, vlans=vlan(7),
                       v6_ext=lambda: hbh() / dstopt() / srh())


@case("l3", "IPv4 fragments in order")
def l3_ipv4_frags(cn):
    return _encap_case(cn, "my.kaspersky.com", fragments=[104, 104])


@case("l3", "IPv4 fragments out of order (last first)")
def l3_ipv4_frags_ooo(cn):
    return _encap_case(cn, "dnl-01.geo.kaspersky.com", fragments=[96, 96, 96],
                       frag_order=[3, 1, 0, 2])


@case("l3", "IPv4 tiny first fragment (8 bytes: the TCP header is split)")
def l3_ipv4_tiny_frag(cn):
    return _encap_case(cn, "my.kaspersky.com", fragments=[8, 200])


@case("l3", "IPv6 fragments in order")
def l3_ipv6_frags(cn):
    return _encap_case(cn, "my.kaspersky.com", v6=True, fragments=[96, 96])


@case("l3", "IPv6 fragments out of order")
def l3_ipv6_frags_ooo(cn):
    return _encap_case(cn, "s01.upd.kaspersky.com", v6=True, fragments=[80, 80, 80],
                       frag_order=[2, 3, 0, 1])


@case("l3", "IPv6 fragments behind destination options, in QinQ")
def l3_ipv6_frags_ext_qinq(cn):
    return _encap_case(cn, "dnl-01.geo.kaspersky.com", v6=True, fragments=[120],
                       frag_order=[1, 0], v6_ext=dstopt, vlans=qinq(10, 20))


@case("l3", "IPv4 fragments in a VLAN: a passing flow's fragments are forwarded untouched")
def l3_ipv4_frags_pass(cn):
    cap = Capture()
    rng, hs = hello_stream(cn, "example.test")
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 42100, vlans=vlan(55))
    f.client_data_fragments(0, s, [120, 120], [1, 0, 2])
    pass_tail(f, len(s), rng)
    return cap, [allow("f1", [("sni", "example.test")])]


# ---------------------------------------------------------------- jumbo frames

def _jumbo(cn, *, v6=False, fragments=None):
    """Frames of a 9000-byte MTU: f1 sends an 8.7 KB barred hello in one
    segment (or, over IPv6, in one segment cut into two ~4.4 KB fragments);
    f2 is allowed and fills 9000-byte frames both ways, which must come out
    byte for byte. Frames above 2 KiB are what net_af_packet cut before
    ports.mtu and what replay chains over several mbufs at MTU 1500."""
    cap = Capture()
    client, server = (C6, S6) if v6 else (C4, S4)
    mss = 9000 - (40 if v6 else 20) - 20
    rng, hs = hello_stream(cn, "dnl-01.geo.kaspersky.com", pad_to=8700)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 45001, client=client, server=server)
    if fragments:
        f.client_data_fragments(0, s, fragments)
    else:
        f.client_data(0, s, note="8.7 KB hello in one jumbo frame")
    after_block(f, len(s))
    _r2, hs2 = hello_stream(cn + "-allowed", "example.test")
    s2 = tls_records(hs2)
    g = tls_flow(cap, "f2", 45002, client=client, server=server)
    g.client_data(0, s2)
    big = rng.randbytes(mss)
    g.server_data(0, big, note="server data, a full 9000-byte frame")
    g.client_ack(len(big), len(s2))
    app = b"\x17\x03\x03" + (mss - 5).to_bytes(2, "big") + rng.randbytes(mss - 5)
    g.client_data(len(s2), app, note="client data, a full 9000-byte frame")
    g.server_ack(len(s2) + len(app))
    g.close(len(s2) + len(app), len(big))
    return cap, [block("f1", "sni", "dnl-01.geo.kaspersky.com", len(s)),
                 allow("f2", [("sni", "example.test")])]


@case("l3", "jumbo frames (9000-byte MTU) at ports.mtu 1500: chained mbufs, inspected and forwarded whole")
def l3_jumbo(cn):
    return _jumbo(cn)


@case("l3", "jumbo frames with ports.mtu = 9000: one mbuf per frame", config="jumbo.conf")
def l3_jumbo_mtu(cn):
    return _jumbo(cn)


@case("l3", "jumbo IPv6: a hello in two 4.4 KB fragments, and 9000-byte frames")
def l3_jumbo_v6_frags(cn):
    return _jumbo(cn, v6=True, fragments=[4400])


@case("l3", "jumbo IPv6 fragments with ports.mtu = 9000", config="jumbo.conf")
def l3_jumbo_v6_frags_mtu(cn):
    return _jumbo(cn, v6=True, fragments=[4400])


# ================================================================ http

def _http_case(cn, head, raw_name, field, segs_fn, order=None, *, server=S4, sport=80,
               need=None, names=None, cport=43000):
    cap = Capture()
    rng = seeded(cn)
    f = Flow(cap, "f1", C4, cport, server, sport)
    f.handshake()
    segs = segs_fn(head)
    f.send_stream(segs, order)
    f.server_ack(0)
    f.server_data(0, http_response(), note="server response after verdict")
    f.client_data(len(head), b"GET /next HTTP/1.1\r\n", note="client pipelined bytes after verdict")
    f.close(len(head) + 20, len(http_response()))
    if need is None:
        need = _http_need(head, raw_name)
    return cap, [block("f1", field, raw_name, need, names=names)]


def _http_need(head, raw_name):
    """Bytes needed before a name is published (dataplane/inspect.h): the
    request line's LF for CONNECT and absolute URIs, one byte past the Host
    line's LF for Host."""
    first_lf = head.index(b"\n")
    if raw_name.encode() in head[:first_lf]:
        return first_lf + 1
    i = head.lower().index(b"\nhost:")
    return head.index(b"\n", i + 1) + 2


@case("http", "Host header in one segment")
def http_one_segment(cn):
    h = http_get("my.kaspersky.com")
    return _http_case(cn, h, "my.kaspersky.com", "http_host", lambda s: cut(s, []))


@case("http", "Host value split across two segments")
def http_host_split(cn):
    h = http_get("dnl-01.geo.kaspersky.com")
    i = h.index(b"geo.kasp")
    return _http_case(cn, h, "dnl-01.geo.kaspersky.com", "http_host", lambda s: cut(s, [i]))


@case("http", "split right after the Host line's LF: the next byte decides")
def http_split_after_host_lf(cn):
    h = http_get("my.kaspersky.com")
    i = h.index(b"\n", h.index(b"Host:")) + 1
    return _http_case(cn, h, "my.kaspersky.com", "http_host", lambda s: cut(s, [i, i + 1]))


@case("http", "Host split over 1-byte segments")
def http_byte_segments(cn):
    h = http_get("s01.upd.kaspersky.com")
    return _http_case(cn, h, "s01.upd.kaspersky.com", "http_host", lambda s: cut_every(s, 1))


@case("http", "Host split across segments sent out of order")
def http_host_split_ooo(cn):
    h = http_get("my.kaspersky.com")
    i = h.index(b"kaspersky")
    return _http_case(cn, h, "my.kaspersky.com", "http_host", lambda s: cut(s, [10, i, i + 4]),
                      order=[2, 0, 3, 1])


@case("http", "every order: 24 flows, one request head in 4 segments (Host split) in each order")
def http_every_order(cn):
    import itertools
    cap = Capture()
    h = http_get("my.kaspersky.com")
    i = h.index(b"kaspersky")
    segs = cut(h, [8, i, i + 5])
    want = []
    for n, order in enumerate(itertools.permutations(range(4))):
        fid = "p%02d" % n
        f = Flow(cap, fid, C4, 47500 + n, S4, 80)
        f.handshake()
        f.send_stream(segs, order)
        f.server_ack(0)
        want.append(block(fid, "http_host", "my.kaspersky.com", _http_need(h, "my.kaspersky.com")))
    return cap, want


@case("http", "Host with a port")
def http_host_port(cn):
    h = http_get("my.kaspersky.com:8080")
    return _http_case(cn, h, "my.kaspersky.com:8080", "http_host", lambda s: cut(s, []), sport=8080)


@case("http", "mixed-case Host with a trailing dot is blocked")
def http_mixed_case_dot(cn):
    h = http_get("DNL-01.Geo.Kaspersky.Com.")
    return _http_case(cn, h, "DNL-01.Geo.Kaspersky.Com.", "http_host", lambda s: cut(s, [20]))


@case("http", "CONNECT to a barred host through a proxy")
def http_connect(cn):
    h = (b"CONNECT my.kaspersky.com:443 HTTP/1.1\r\nHost: my.kaspersky.com:443\r\n"
         b"User-Agent: kasblock-it/1\r\nProxy-Connection: Keep-Alive\r\n\r\n")
    return _http_case(cn, h, "my.kaspersky.com:443", "connect", lambda s: cut(s, []),
                      server=PROXY4, sport=3128)


@case("http", "CONNECT split inside the authority")
def http_connect_split(cn):
    h = b"CONNECT dnl-01.geo.kaspersky.com:443 HTTP/1.1\r\nHost: dnl-01.geo.kaspersky.com:443\r\n\r\n"
    return _http_case(cn, h, "dnl-01.geo.kaspersky.com:443", "connect", lambda s: cut(s, [14, 30]),
                      server=PROXY4, sport=3128)


@case("http", "absolute-form request through a proxy")
def http_absolute_form(cn):
    h = (b"GET http://download.kaspersky.com/setup.exe HTTP/1.1\r\n"
         b"Host: download.kaspersky.com\r\nProxy-Connection: Keep-Alive\r\n\r\n")
    return _http_case(cn, h, "download.kaspersky.com", "http_host", lambda s: cut(s, [25]),
                      server=PROXY4, sport=3128)


@case("http", "absolute-form naming a barred host while Host names an allowed one")
def http_absolute_host_mismatch(cn):
    h = (b"GET http://my.kaspersky.com/ HTTP/1.1\r\nHost: example.test\r\n\r\n")
    return _http_case(cn, h, "my.kaspersky.com", "http_host", lambda s: cut(s, []),
                      server=PROXY4, sport=3128)


@case("http", "barred Host after an allowed absolute URI (ambiguity): blocked")
def http_host_after_allowed_uri(cn):
    h = (b"GET http://example.test/ HTTP/1.1\r\nHost: kaspersky.ru\r\nAccept: */*\r\n\r\n")
    return _http_case(cn, h, "kaspersky.ru", "http_host", lambda s: cut(s, []),
                      server=PROXY4, sport=3128,
                      names=[("http_host", "example.test"), ("http_host", "kaspersky.ru")])


def _http_allowed(cn, head, names, sport=80, server=S4):
    cap = Capture()
    f = Flow(cap, "f1", C4, 43500, server, sport)
    f.handshake()
    f.send_stream(cut(head, [len(head) // 2]))
    resp = http_response(b"hello\n" * 50)
    f.server_data(0, resp)
    f.client_ack(len(resp), len(head))
    f.close(len(head), len(resp))
    return cap, [allow("f1", names)]


@case("http", "allowed Host passes, with the response")
def http_allowed(cn):
    return _http_allowed(cn, http_get("www.example.test"), [("http_host", "www.example.test")])


@case("http", "lookalike Host kaspersky.com.example.net passes")
def http_lookalike(cn):
    return _http_allowed(cn, http_get("kaspersky.com.example.net"),
                         [("http_host", "kaspersky.com.example.net")])


@case("http", "absolute-form to an allowed host with the same Host: the name is logged once")
def http_absolute_allowed(cn):
    h = (b"GET http://www.example.test/index.html HTTP/1.1\r\nHost: www.example.test\r\n"
         b"Accept: */*\r\n\r\n")
    return _http_allowed(cn, h, [("http_host", "www.example.test")], sport=3128, server=PROXY4)


@case("http", "CONNECT to an allowed host passes (and the tunnel after it)")
def http_connect_allowed(cn):
    cap = Capture()
    rng = seeded(cn)
    h = b"CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n"
    f = Flow(cap, "f1", C4, 43600, PROXY4, 3128)
    f.handshake()
    f.client_data(0, h)
    ok = b"HTTP/1.1 200 Connection established\r\n\r\n"
    f.server_data(0, ok)
    hello = tls_records(client_hello(["example.test"], rng))
    f.client_data(len(h), hello, note="TLS inside the tunnel")
    f.server_data(len(ok), server_hello_like(rng, 300))
    f.close(len(h) + len(hello), len(ok) + 305)
    return cap, [allow("f1", [("connect", "example.test:443"), ("http_host", "example.test:443"),
                              ("sni", "example.test")])]


# ---------------------------------------------------------------- later units

CONNECT_OK = b"HTTP/1.1 200 Connection established\r\n\r\n"


def _conversation(cn, units, names, barred=None, field=None, *, server=PROXY4, sport=3128,
                  cport=43700, cuts=None):
    """One connection carrying several units (request heads with their
    bodies, or a CONNECT head then what goes through the tunnel), each in
    its own segments (cuts[k]: offsets within unit k), the server answering
    each in turn and the client acknowledging the answer. With barred, the
    last unit carries that name (field) and is blocked: the server never
    answers it, and what the client sends after it is absent. The client's
    segments keep acknowledging only the handshake (their ACK field is not
    updated), so the reset toward the client must take its highest ACK, not
    the one of the packet that completes the name."""
    cap = Capture()
    f = Flow(cap, "f1", C4, cport, server, sport)
    f.handshake()
    c_off = s_off = 0
    for k, u in enumerate(units):
        for off, chunk in cut(u, cuts[k] if cuts else []):
            f.client_data(c_off + off, chunk,
                          note="unit %d [%d,%d)" % (k + 1, c_off + off, c_off + off + len(chunk)))
        if barred is not None and k == len(units) - 1:
            break
        resp = CONNECT_OK if u.startswith(b"CONNECT ") else http_response(b"ok %d\n" % k)
        if u[:1] == b"\x16":
            resp = server_hello_like(seeded(cn), 200)
        f.server_data(s_off, resp, note="answer to unit %d" % (k + 1))
        s_off += len(resp)
        c_off += len(u)
        f.client_ack(s_off, c_off)
    if barred is None:
        f.close(c_off, s_off)
        return cap, [allow("f1", names)]
    last = units[-1]
    need = c_off + (len(last) if last[:1] == b"\x16" else _http_need(last, barred))
    f.server_ack(c_off, note="server ACK after verdict")
    f.server_data(s_off, http_response(), note="server data after verdict")
    f.client_data(c_off + len(last), b"GET /next HTTP/1.1\r\n", note="client bytes after verdict")
    f.close(c_off + len(last) + 20, s_off + len(http_response()))
    return cap, [block("f1", field, barred, need, names=names)]


def _absolute(host, path="/", extra=b""):
    return (b"GET http://%s%s HTTP/1.1\r\nHost: %s\r\nProxy-Connection: keep-alive\r\n%s\r\n"
            % (host.encode(), path.encode(), host.encode(), extra))


@case("http", "keep-alive through a proxy: an allowed request, then a barred one: blocked at the second")
def http_keepalive_second_barred(cn):
    return _conversation(cn, [_absolute("www.example.test"),
                              _absolute("download.kaspersky.com", "/setup.exe")],
                         [("http_host", "www.example.test"), ("http_host", "download.kaspersky.com")],
                         "download.kaspersky.com", "http_host", cuts=[[], [30]])


@case("http", "a POST with a body (that looks like a barred request), then a barred request: blocked")
def http_keepalive_post_body(cn):
    body = b"GET / HTTP/1.1\r\nHost: kaspersky.ru\r\n\r\n" * 40
    post = (b"POST /upload HTTP/1.1\r\nHost: www.example.test\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    head_len = post.index(b"\r\n\r\n") + 4
    return _conversation(cn, [post, http_get("s01.upd.kaspersky.com", "/index.xml")],
                         [("http_host", "www.example.test"), ("http_host", "s01.upd.kaspersky.com")],
                         "s01.upd.kaspersky.com", "http_host", server=S4, sport=80,
                         cuts=[[head_len, head_len + 700], [40]])


@case("http", "a chunked POST, then a barred request on the same connection: blocked")
def http_keepalive_chunked(cn):
    post = (b"POST /api HTTP/1.1\r\nHost: www.example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"20;ext=1\r\nHost: dnl-01.geo.kaspersky.com\r\n\r\n"
            b"5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n")
    return _conversation(cn, [post, http_get("my.kaspersky.com")],
                         [("http_host", "www.example.test"), ("http_host", "my.kaspersky.com")],
                         "my.kaspersky.com", "http_host", server=S4, sport=80,
                         cuts=[[70, 90], []])


@case("http", "keep-alive with allowed requests only: passes, each name logged once")
def http_keepalive_allowed(cn):
    return _conversation(cn, [_absolute("www.example.test"), _absolute("www.example.test", "/b"),
                              _absolute("img.example.test", "/c.png")],
                         [("http_host", "www.example.test"), ("http_host", "img.example.test")])


@case("http", "CONNECT to an IP literal, then a ClientHello with a barred SNI in the tunnel: blocked")
def http_connect_ip_barred_sni(cn):
    rng, hs = hello_stream(cn, "dnl-01.geo.kaspersky.com")
    hello = tls_records(hs)
    conn = b"CONNECT 203.0.113.5:443 HTTP/1.1\r\nHost: 203.0.113.5:443\r\n\r\n"
    return _conversation(cn, [conn, hello],
                         [("connect", "203.0.113.5:443"), ("http_host", "203.0.113.5:443"),
                          ("sni", "dnl-01.geo.kaspersky.com")],
                         "dnl-01.geo.kaspersky.com", "sni", cuts=[[], [100]])


@case("http", "24 keep-alive connections fill a 16-slot pool: new barred TLS flows still get slots "
      "(the oldest follow-up flows give theirs up) and are blocked", config="smallpool.conf")
def http_keepalive_reclaim(cn):
    cap = Capture()
    rng = seeded(cn)
    flows, out = [], []
    for k in range(24):
        f = Flow(cap, "h%d" % k, C4, 44100 + k, S4, 80)
        f.handshake()
        req = http_get("www%d.example.test" % k)
        f.client_data(0, req)
        resp = http_response(b"page %d\n" % k)
        f.server_data(0, resp)
        f.client_ack(len(resp), len(req))
        flows.append((f, len(req), len(resp)))
        out.append(allow(f.fid, [("http_host", "www%d.example.test" % k)]))
    for k, name in enumerate(["dnl-01.geo.kaspersky.com", "my.kaspersky.com", "kaspersky.ru"]):
        _r, hs = hello_stream(cn + str(k), name)
        s = tls_records(hs)
        t = tls_flow(cap, "t%d" % k, 44200 + k)
        t.client_data(0, s)
        after_block(t, len(s))
        out.append(block(t.fid, "sni", name, len(s)))
    for f, c_len, s_len in flows:
        f.close(c_len, s_len)
    return cap, out


@case("http", "two pipelined requests in one segment, the second barred: blocked, both names logged")
def http_pipelined(cn):
    a = _absolute("www.example.test")
    b = _absolute("my.kaspersky.com", "/account")
    cap = Capture()
    f = Flow(cap, "f1", C4, 43750, PROXY4, 3128)
    f.handshake()
    f.client_data(0, a + b, note="two requests in one segment")
    after_block(f, len(a + b))
    return cap, [block("f1", "http_host", "my.kaspersky.com", len(a) + _http_need(b, "my.kaspersky.com"),
                       names=[("http_host", "www.example.test"), ("http_host", "my.kaspersky.com")])]


# ================================================================ misc

@case("misc", "no SYN seen: a flow picked up mid-stream whose first client bytes are a ClientHello")
def misc_midstream_hello(cn):
    cap = Capture()
    rng, hs = hello_stream(cn, "my.kaspersky.com")
    s = tls_records(hs)
    f = Flow(cap, "f1", C4, 44001, S4, 443)
    f.c_next, f.s_next = f.isn_c + 1, f.isn_s + 1
    f.client_data(0, s)
    after_block(f, len(s))
    return cap, [block("f1", "sni", "my.kaspersky.com", len(s))]


@case("misc", "no SYN seen: an established TLS session (application data) passes untouched")
def misc_midstream_appdata(cn):
    cap = Capture()
    rng = seeded(cn)
    f = Flow(cap, "f1", C4, 44002, S4, 443)
    f.c_next, f.s_next = f.isn_c + 1, f.isn_s + 1
    c = s = 0
    for i in range(6):
        d = b"\x17\x03\x03" + (200).to_bytes(2, "big") + rng.randbytes(200)
        f.client_data(c, d)
        c += len(d)
        e = b"\x17\x03\x03" + (900).to_bytes(2, "big") + rng.randbytes(900)
        f.server_data(s, e)
        s += len(e)
    f.close(c, s)
    return cap, [allow("f1")]


@case("misc", "SSH (not TLS, not HTTP) passes, even carrying a barred name later")
def misc_ssh(cn):
    cap = Capture()
    rng = seeded(cn)
    f = Flow(cap, "f1", C4, 44003, S4, 22)
    f.handshake()
    cb = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
    sb = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
    f.server_data(0, sb)
    f.client_data(0, cb)
    kex = rng.randbytes(300) + b"my.kaspersky.com" + rng.randbytes(50)
    f.client_data(len(cb), kex)
    f.server_data(len(sb), rng.randbytes(500))
    f.close(len(cb) + len(kex), len(sb) + 500)
    return cap, [allow("f1")]


@case("misc", "UDP passes: random payload with a barred name in it, and a DNS query")
def misc_udp(cn):
    cap = Capture()
    rng = seeded(cn)
    f = Flow(cap, "u1", C4, 50001, S4, 9999, proto="UDP")
    f.udp("c2s", rng.randbytes(40) + b"Host: my.kaspersky.com\r\n" + rng.randbytes(20))
    f.udp("s2c", rng.randbytes(100))
    g = Flow(cap, "u2", C4, 50002, "198.51.100.53", 53, proto="UDP")
    q = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
         b"\x07example\x04test\x00\x00\x01\x00\x01")
    g.udp("c2s", q)
    g.udp("s2c", q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01" + q[8:] +
          b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01")
    h = Flow(cap, "u3", C6, 50003, S6, 4433, proto="UDP")
    h.udp("c2s", rng.randbytes(1200))
    return cap, [allow("u1"), allow("u2"), allow("u3")]


@case("misc", "ARP and ICMP pass untouched")
def misc_arp_icmp(cn):
    cap = Capture()
    cap.add(Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4, pdst=S4), note="ARP who-has")
    cap.add(Ether(src=SERVER_MAC, dst=CLIENT_MAC) /
            ARP(op=2, hwsrc=SERVER_MAC, psrc=S4, hwdst=CLIENT_MAC, pdst=C4), note="ARP is-at")
    cap.add(Ether(src=CLIENT_MAC, dst=SERVER_MAC) / IP(src=C4, dst=S4, id=7) /
            ICMP(type=8, id=1, seq=1) / Raw(b"ping" * 8), note="ICMP echo")
    cap.add(Ether(src=SERVER_MAC, dst=CLIENT_MAC) / IP(src=S4, dst=C4, id=8) /
            ICMP(type=0, id=1, seq=1) / Raw(b"ping" * 8), note="ICMP reply")
    return cap, []


@case("misc", "a mixed capture: ARP, UDP, allowed TLS and HTTP, barred TLS and HTTP, interleaved")
def misc_mixed(cn):
    cap = Capture()
    rng = seeded(cn)
    cap.add(Ether(src=CLIENT_MAC, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=CLIENT_MAC, psrc=C4, pdst=S4), note="ARP who-has")
    a = tls_flow(cap, "tls-ok", 45001)
    b = tls_flow(cap, "tls-bad", 45002, client=C6, server=S6)
    u = Flow(cap, "udp", C4, 45003, S4, 5353, proto="UDP")
    h = Flow(cap, "http-ok", C4, 45004, S4, 80)
    h.handshake()
    k = Flow(cap, "http-bad", C4, 45005, S4, 80, vlans=vlan(9))
    k.handshake()
    sa = tls_records(client_hello(["example.test"], rng))
    sb = tls_records(client_hello(["activation-v2.kaspersky.com"], rng, pq=True, pad_to=1780))
    ha, hb = http_get("www.example.test"), http_get("kaspersky.ru")
    gb = cut_every(sb, 1448)
    b.client_data(*gb[0])
    u.udp("c2s", rng.randbytes(64))
    a.client_data(0, sa)
    h.client_data(0, ha[:20])
    k.client_data(0, hb[:30])
    b.client_data(*gb[1])
    h.client_data(20, ha[20:])
    k.client_data(30, hb[30:])
    u.udp("s2c", rng.randbytes(64))
    pass_tail(a, len(sa), rng)
    after_block(b, len(sb))
    resp = http_response()
    h.server_data(0, resp)
    k.server_data(0, resp, note="server response after verdict")
    h.close(len(ha), len(resp))
    k.close(len(hb), len(resp))
    return cap, [allow("tls-ok", [("sni", "example.test")]),
                 block("tls-bad", "sni", "activation-v2.kaspersky.com", len(sb)),
                 allow("udp"),
                 allow("http-ok", [("http_host", "www.example.test")]),
                 block("http-bad", "http_host", "kaspersky.ru", _http_need(hb, "kaspersky.ru"))]


# ================================================================ actions

def _tls_action(cn, sni, action, cport, segs=2):
    cap = Capture()
    rng, hs = hello_stream(cn, sni)
    s = tls_records(hs)
    f = tls_flow(cap, "f1", cport)
    f.send_stream(cut_random(s, segs, rng))
    after_block(f, len(s))
    return cap, [block("f1", "sni", sni, len(s), action=action)]


@case("actions", "drop: the completing packet and the rest of the flow vanish, no resets",
      config="actions.conf")
def actions_drop(cn):
    return _tls_action(cn, "my.kaspersky.com", "drop", 46001)


@case("actions", "drop over HTTP, Host split", config="actions.conf")
def actions_drop_http(cn):
    h = http_get("my.kaspersky.com")
    x = _http_case(cn, h, "my.kaspersky.com", "http_host",
                   lambda s: cut(s, [h.index(b"kasp")]), cport=46002)
    x[1][0]["event"]["action"] = "drop"
    return x


@case("actions", "monitor: everything forwarded, one monitor event", config="actions.conf")
def actions_monitor(cn):
    return _tls_action(cn, "a.b.c.kaspersky.com", "monitor", 46003, segs=3)


@case("actions", "pass: a barred name whose category passes is forwarded, no event",
      config="actions.conf")
def actions_pass(cn):
    cap = Capture()
    rng, hs = hello_stream(cn, "activation-v2.kaspersky.com")
    s = tls_records(hs)
    f = tls_flow(cap, "f1", 46004)
    f.client_data(0, s)
    pass_tail(f, len(s), rng)
    return cap, [allow("f1", [("sni", "activation-v2.kaspersky.com")])]


@case("actions", "reset next to drop and monitor in one capture", config="actions.conf")
def actions_mixed(cn):
    cap = Capture()
    rng = seeded(cn)
    fs = {}
    want = []
    for i, (sni, act) in enumerate([("dnl-01.geo.kaspersky.com", "reset"),
                                    ("my.kaspersky.com", "drop"),
                                    ("kaspersky.ru", "monitor")]):
        fid = "f%d" % (i + 1)
        fs[fid] = (tls_flow(cap, fid, 46010 + i), tls_records(client_hello([sni], rng)))
        want.append(block(fid, "sni", sni, len(fs[fid][1]), action=act))
    for fid, (f, s) in fs.items():
        f.client_data(0, s[:90])
    for fid, (f, s) in fs.items():
        f.client_data(90, s[90:])
    for fid, (f, s) in fs.items():
        after_block(f, len(s))
    return cap, want


@case("actions", "policy mode monitor: a reset category only logs", config="monitor.conf")
def actions_mode_monitor(cn):
    return _tls_action(cn, "dnl-01.geo.kaspersky.com", "monitor", 46005)


# ================================================================ expectations

def decision_frame(cap, x):
    """The frame at which the flow's client bytes [0, need) are first all
    in, from the offsets the case wrote (fragments count when their
    datagram is whole). Frames carry no offsets: they are recomputed from
    the TCP sequence numbers of the packets built, so this is independent
    of the model's byte-level reading of the pcap."""
    if x.get("decision") is not None:
        return x["decision"]
    f = cap.flows[x["flow"]]
    have = []          # (start, end) client byte ranges in
    pending = {}       # datagram id -> list of fragment payloads
    for i, fr in enumerate(cap.frames):
        if fr["flow"] != x["flow"] or fr["dir"] != "c2s":
            continue
        seg = _segment_of(fr["pkt"], pending, f)
        if seg is None:
            continue
        have.append(seg)
        if _prefix(have) >= x["need"]:
            return i
    raise AssertionError("case never completes flow %s" % x["flow"])


def _segment_of(pkt, pending, f):
    from kbpkt import IPv6ExtHdrFragment, TCP, raw
    if IPv6ExtHdrFragment in pkt:
        fr = pkt[IPv6ExtHdrFragment]
        key = ("6", fr.id)
        pending.setdefault(key, []).append((fr.offset * 8, raw(fr.payload), fr.m))
    elif IP in pkt and (pkt[IP].flags.MF or pkt[IP].frag):
        key = ("4", pkt[IP].id)
        pending.setdefault(key, []).append((pkt[IP].frag * 8, raw(pkt[IP].payload),
                                            int(pkt[IP].flags.MF)))
    elif TCP in pkt:
        t = pkt[TCP]
        data = bytes(t.payload)
        if not data:
            return None
        off = (t.seq - f.isn_c - 1) & 0xffffffff
        return (off, off + len(data))
    else:
        return None
    parts = sorted(pending[key])
    total = next((o + len(d) for o, d, m in parts if not m), None)
    if total is None:
        return None
    got = 0
    for o, d, _m in parts:
        if o > got:
            return None
        got = max(got, o + len(d))
    if got < total:
        return None
    buf = bytearray(total)
    for o, d, _m in parts:
        buf[o:o + len(d)] = d
    del pending[key]
    t = TCP(bytes(buf))
    data = bytes(t.payload)
    off = (t.seq - f.isn_c - 1) & 0xffffffff
    return (off, off + len(data))


def _prefix(ranges):
    end = 0
    for a, b in sorted(ranges):
        if a > end:
            break
        end = max(end, b)
    return end


def build(entry):
    cap, flows = entry["fn"](entry["name"])
    fl = []
    for x in flows:
        f = cap.flows[x["flow"]]
        d = {"id": x["flow"], "proto": f.proto,
             "client": [f.client, f.cport], "server": [f.server, f.sport],
             "isn_c": f.isn_c if f.proto == "TCP" else None,
             "verdict": x["verdict"],
             "names": [{"field": a, "name": norm(b), "raw": b} for a, b in x.get("names", [])]}
        if x["verdict"] == "block":
            d["event"] = x["event"]
            d["decision_frame"] = decision_frame(cap, x)
            d["need"] = x["need"]
        fl.append(d)
    # Flows the case did not list must pass (none of the generated ones do).
    listed = {x["flow"] for x in flows}
    for fid, f in cap.flows.items():
        if fid not in listed:
            raise AssertionError("%s: flow %s has no expectation" % (entry["name"], fid))
    return cap, {"name": entry["name"], "group": entry["group"], "desc": entry["desc"],
                 "flows": fl, "notes": [fr["note"] for fr in cap.frames]}


def cases(groups=None):
    return [c for c in CASES if not groups or c["group"] in groups]


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    meta = []
    for c in cases(argv[2:]):
        cap, m = build(c)
        cap.write(os.path.join(out, m["name"] + ".pcap"))
        meta.append(m)
    with open(os.path.join(out, "cases.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
    print("%d cases written to %s" % (len(meta), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
