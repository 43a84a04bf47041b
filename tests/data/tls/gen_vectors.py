#!/usr/bin/env python3
"""Writes the synthetic TLS ClientHello vectors of tests/data/tls/.

    python3 tests/data/tls/gen_vectors.py [--corpus tests/fuzz/corpus/tls_hello] [OUTDIR]
                                              (OUTDIR default: beside this file)

Output (deterministic: a fixed seed fills random fields, so a re-run gives the
same bytes):
  hello_*.bin      a client's TCP byte stream: TLS records carrying a ClientHello
                   (or bytes that are not one)
  vectors.tsv      expected parser result of each file, read by
                   tests/unit/test_tls_hello.c
  lenfields.tsv    where each length field of each file sits, so the unit test
                   can mutate every one of them
  --corpus DIR     also writes the fuzz seeds: each stream (and each
                   tests/data/real/*.tls.bin) behind the fuzzer's 4 control bytes

This builder is written apart from the C parser on purpose: the two only meet
in the unit test. Nothing here parses; each vector states what it expects.
"""

import os
import random
import sys

RNG = random.Random(20240611)

# ---------------------------------------------------------------------------
# A byte builder that remembers where its length fields are.


class B:
    def __init__(self, data=b""):
        self.b = bytearray(data)
        self.fields = []  # (offset, width, name)

    def u8(self, v):
        self.b += bytes([v & 0xFF])
        return self

    def u16(self, v):
        self.b += (v & 0xFFFF).to_bytes(2, "big")
        return self

    def u24(self, v):
        self.b += (v & 0xFFFFFF).to_bytes(3, "big")
        return self

    def raw(self, data):
        if isinstance(data, B):
            base = len(self.b)
            self.b += data.b
            self.fields += [(o + base, w, n) for o, w, n in data.fields]
        else:
            self.b += bytes(data)
        return self

    def vec(self, width, name, inner):
        """A length-prefixed block; the length is recorded as a field."""
        n = len(inner.b) if isinstance(inner, B) else len(inner)
        self.fields.append((len(self.b), width, name))
        self.b += n.to_bytes(width, "big")
        return self.raw(inner)

    def __len__(self):
        return len(self.b)


def rnd(n):
    return bytes(RNG.randrange(256) for _ in range(n))


# ---------------------------------------------------------------------------
# ClientHello pieces (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301, RFC 8701)

GREASE = [0x0A0A + 0x1010 * i for i in range(16)]
SUITES_12 = [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009C, 0x009D]
SUITES_13 = [0x1301, 0x1302, 0x1303] + SUITES_12


def ext(etype, body):
    return B().u16(etype).vec(2, "ext_len", body)


def sni_ext(*entries):
    """entries: str/bytes host_names, or (name_type, bytes) pairs."""
    lst = B()
    for e in entries:
        t, name = e if isinstance(e, tuple) else (0, e)
        if isinstance(name, str):
            name = name.encode()
        lst.u8(t).vec(2, "sni_name_len", name)
    return ext(0x0000, B().vec(2, "sni_list_len", lst))


def alpn_ext(*protos):
    lst = B()
    for p in protos:
        lst.vec(1, "alpn_len", p.encode() if isinstance(p, str) else p)
    return ext(0x0010, B().vec(2, "alpn_list_len", lst))


def versions_ext(*vs):
    body = B()
    for v in vs:
        body.u16(v)
    return ext(0x002B, B().vec(1, "versions_len", body))


def groups_ext(*gs):
    body = B()
    for g in gs:
        body.u16(g)
    return ext(0x000A, B().vec(2, "groups_len", body))


def key_share_ext(*shares):
    """shares: (group, key length)"""
    lst = B()
    for g, n in shares:
        lst.u16(g).vec(2, "key_len", rnd(n))
    return ext(0x0033, B().vec(2, "key_share_len", lst))


def sigalgs_ext():
    body = B()
    for a in (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601):
        body.u16(a)
    return ext(0x000D, B().vec(2, "sigalgs_len", body))


def ech_ext(n=200):
    # ECHClientHello outer: type 0, cipher suite, config id, enc, payload
    body = B().u8(0).u16(0x0001).u16(0x0001).u8(RNG.randrange(256))
    body.vec(2, "ech_enc_len", rnd(32)).vec(2, "ech_payload_len", rnd(n))
    return ext(0xFE0D, body)


def padding_ext(n):
    return ext(0x0015, bytes(n))


def client_hello(exts, version=0x0303, sid_len=32, suites=SUITES_13, comp=(0,),
                 no_exts=False):
    body = B().u16(version).raw(rnd(32)).vec(1, "session_id_len", rnd(sid_len))
    cs = B()
    for s in suites:
        cs.u16(s)
    body.vec(2, "cipher_suites_len", cs).vec(1, "compression_len", bytes(comp))
    if not no_exts:
        eb = B()
        for e in exts:
            eb.raw(e)
        body.vec(2, "extensions_len", eb)
    return B().u8(1).vec(3, "hs_len", body)


def pad_to(exts, body_len, **kw):
    """exts plus a padding extension that makes the hello body body_len long."""
    n = len(client_hello(exts, **kw)) - 4
    assert body_len >= n + 4, (body_len, n)
    return exts + [padding_ext(body_len - n - 4)]


def records(msg, sizes=None, version=0x0301, ctype=22, after=b"", repeat=False):
    """Splits msg over records: the first fragments have the given sizes, the
    rest goes in one more record (repeat: the last size is used until the end)."""
    out = B()
    frags = []
    off = 0
    i = 0
    while off < len(msg.b):
        if sizes and i < len(sizes):
            n = sizes[i]
        elif sizes and repeat:
            n = sizes[-1]
        else:
            n = len(msg.b) - off
        frags.append((off, min(n, len(msg.b) - off)))
        off += n
        i += 1
    byte_map = {}  # message offset -> stream offset
    for off, n in frags:
        out.u8(ctype).u16(version)
        out.fields.append((len(out.b), 2, "record_len"))
        out.u16(n)
        for k in range(n):
            byte_map[off + k] = len(out.b) + k
        out.b += msg.b[off:off + n]
    fields = []
    for o, w, name in out.fields:
        fields.append((name, [o + k for k in range(w)]))
    for o, w, name in msg.fields:
        fields.append((name, [byte_map[o + k] for k in range(w)]))
    out.b += after
    return out, fields


def tls13_exts(names=("www.example.com",), alpn=("h2", "http/1.1"), grease=False):
    g = GREASE
    e = []
    if grease:
        e.append(ext(g[3], b""))
    if names:
        e.append(sni_ext(*names))
    e += [
        ext(0x0017, b""),                      # extended_master_secret
        ext(0xFF01, b"\x00"),                  # renegotiation_info
        groups_ext(*(([g[5]] if grease else []) + [0x001D, 0x0017, 0x0018])),
        ext(0x000B, b"\x01\x00"),              # ec_point_formats
        ext(0x0023, b""),                      # session_ticket
    ]
    if alpn:
        e.append(alpn_ext(*alpn))
    e += [
        ext(0x0005, b"\x01\x00\x00\x00\x00"),  # status_request
        sigalgs_ext(),
        key_share_ext(*(([(g[5], 1)] if grease else []) + [(0x001D, 32)])),
        ext(0x002D, b"\x01\x01"),              # psk_key_exchange_modes
        versions_ext(*(([g[9]] if grease else []) + [0x0304, 0x0303])),
    ]
    if grease:
        e.append(ext(g[12], b"\x00"))
    return e


# ---------------------------------------------------------------------------
# The vectors. Each: (file, stream B or bytes, fields or None, expected)
# expected: status, reason, max_version, flags, names, alpn, max_records


VECS = []


def add(name, stream, fields, status="done", reason="none", max_version=None,
        flags=(), names=(), alpn=(), max_records=0, mutate=True):
    data = bytes(stream.b) if isinstance(stream, B) else bytes(stream)
    VECS.append(dict(file="hello_%s.bin" % name, data=data,
                     fields=fields if mutate else None, status=status,
                     reason=reason, max_version=max_version, flags=flags,
                     names=[n.encode() if isinstance(n, str) else n for n in names],
                     alpn=[a.encode() if isinstance(a, str) else a for a in alpn],
                     max_records=max_records))


def simple(name, exts_list, names, flags=(), version=0x0303, rec_version=0x0301,
           sizes=None, status="done", reason="none", alpn=(), max_version=None,
           max_records=0, after=b"", mutate=True, repeat=False, **kw):
    msg = client_hello(exts_list, version=version, **kw)
    st, f = records(msg, sizes, version=rec_version, after=after, repeat=repeat)
    if max_version is None and status == "done":
        max_version = version
    add(name, st, f, status, reason, max_version, flags, names, alpn, max_records,
        mutate)


def build():
    T13 = ("sni_ext", "alpn", "supported_versions")
    # --- basics
    simple("tls12_basic",
           [sni_ext("example.com"), ext(0x0017, b""), ext(0xFF01, b"\x00"),
            groups_ext(0x001D, 0x0017), sigalgs_ext()],
           ["example.com"], flags=("sni_ext",), suites=SUITES_12)
    simple("tls13_basic", tls13_exts(), ["www.example.com"], flags=T13,
           alpn=("h2", "http/1.1"), max_version=0x0304)
    simple("no_extensions", [], [], flags=("no_exts",), version=0x0301, sid_len=0,
           suites=[0x002F, 0x0035], no_exts=True)
    simple("empty_extensions", [], [], flags=(), sid_len=0)
    simple("no_sni", tls13_exts(names=()), [], flags=("alpn", "supported_versions"),
           alpn=("h2", "http/1.1"), max_version=0x0304)
    for rv in (0x0300, 0x0301, 0x0302, 0x0303, 0x0304):
        simple("recver_%04x" % rv, [sni_ext("rv.example.net")], ["rv.example.net"],
               flags=("sni_ext",), rec_version=rv, mutate=False)
    for v in (0x0300, 0x0301, 0x0302):
        simple("hellover_%04x" % v, [sni_ext("old.example.net")], ["old.example.net"],
               flags=("sni_ext",), version=v, mutate=False)

    # --- server_name edge cases
    simple("sni_1byte", [sni_ext("a")], ["a"], flags=("sni_ext",))
    n255 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 63])
    assert len(n255) == 255
    simple("sni_255", [sni_ext(n255)], [n255], flags=("sni_ext",))
    simple("sni_256", [sni_ext(n255 + "e")], [], status="malformed",
           reason="sni_too_long")
    simple("sni_1000", [sni_ext("x" * 1000)], [], status="malformed",
           reason="sni_too_long")
    simple("sni_empty", [sni_ext("")], [], status="malformed", reason="sni_empty")
    simple("sni_list_empty", [ext(0x0000, b"\x00\x00")], [], status="malformed",
           reason="sni_list")
    simple("sni_ext_empty", [ext(0x0000, b"")], [], status="malformed",
           reason="sni_list")
    simple("sni_type1_then_host", [sni_ext((1, b"ignored-name"), "host.example.org")],
           ["host.example.org"], flags=("sni_ext", "sni_other_type"))
    simple("sni_type1_only", [sni_ext((1, b"only-other.example"))], [],
           flags=("sni_ext", "sni_other_type"))
    simple("sni_nul", [sni_ext(b"kaspersky.com\x00.example.org")], [],
           status="malformed", reason="sni_bad_char")
    simple("sni_nul_end", [sni_ext(b"kaspersky.com\x00")], [], status="malformed",
           reason="sni_bad_char")
    simple("sni_ctrl", [sni_ext(b"a\x1fb.example")], [], status="malformed",
           reason="sni_bad_char")
    simple("sni_del", [sni_ext(b"a\x7fb.example")], [], status="malformed",
           reason="sni_bad_char")
    simple("sni_utf8", [sni_ext("caf\u00e9.example")], ["caf\u00e9.example"],
           flags=("sni_ext",))
    simple("sni_trailing_dot", [sni_ext("Example.COM.")], ["Example.COM."],
           flags=("sni_ext",))
    simple("sni_two_names", [sni_ext("decoy.example", "kaspersky.com")],
           ["decoy.example", "kaspersky.com"], flags=("sni_ext", "sni_multi"))
    simple("sni_two_exts",
           [sni_ext("first.example"), ext(0x0017, b""), sni_ext("second.example")],
           ["first.example", "second.example"],
           flags=("sni_ext", "sni_multi", "sni_ext_dup"))
    simple("sni_four_names", [sni_ext("a.x", "b.x", "c.x", "d.x")],
           ["a.x", "b.x", "c.x", "d.x"], flags=("sni_ext", "sni_multi"))
    simple("sni_five_names", [sni_ext("a.x", "b.x", "c.x", "d.x", "kaspersky.com")],
           [], status="malformed", reason="too_many_names")
    simple("sni_many_other_types", [sni_ext(*[(1, b"o")] * 17)], [],
           status="malformed", reason="too_many_names")

    # --- record layer
    base = tls13_exts(names=("split.example.com",))
    bflags = T13
    balpn = ("h2", "http/1.1")
    simple("split_2_records", base, ["split.example.com"], flags=bflags, alpn=balpn,
           max_version=0x0304, sizes=[100])
    simple("split_3_records", base, ["split.example.com"], flags=bflags, alpn=balpn,
           max_version=0x0304, sizes=[70, 90])
    simple("split_hs_header", base, ["split.example.com"], flags=bflags, alpn=balpn,
           max_version=0x0304, sizes=[2, 1, 4000])
    simple("split_1byte_records", base, [], sizes=[1], repeat=True, status="malformed",
           reason="too_many_records", mutate=False)
    # the same, read with the record limit raised (the test sets max_records)
    simple("split_1byte_records_allowed", base, ["split.example.com"], flags=bflags,
           alpn=balpn, max_version=0x0304, sizes=[1], repeat=True, max_records=100000,
           mutate=False)
    # 5-byte records: a 320-byte message takes exactly 64, one more byte 65
    simple("split_64_records", pad_to([sni_ext("r64.example")], 320 - 4),
           ["r64.example"], flags=("sni_ext",), sizes=[5], repeat=True, mutate=False)
    simple("split_65_records", pad_to([sni_ext("r65.example")], 321 - 4),
           [], sizes=[5], repeat=True, status="malformed", reason="too_many_records",
           mutate=False)

    # several handshake messages in one record: the hello, then more
    msg = client_hello([sni_ext("multi.example")])
    msg2 = B().raw(msg).raw(b"\x10\x00\x00\x04abcd").raw(b"\x0f\x00\x00\x01z")
    st, f = records(msg2)
    add("multi_msgs", st, f, "done", "none",
        0x0303, ("sni_ext", "rec_trailing"), ["multi.example"])
    # the hello, then an application_data record and a change_cipher_spec one
    simple("hello_then_data", [sni_ext("then.example")], ["then.example"],
           flags=("sni_ext",),
           after=b"\x17\x03\x03\x00\x05hello\x14\x03\x03\x00\x01\x01")
    # non-handshake record in the middle of the hello
    msg = client_hello([sni_ext("inter.example"), padding_ext(100)])
    st = B().u8(22).u16(0x0301).u16(60).raw(msg.b[:60])
    st.raw(b"\x14\x03\x03\x00\x01\x01").u8(22).u16(0x0303).u16(len(msg) - 60)
    st.raw(msg.b[60:])
    add("interleaved_ccs", st, None, "malformed", "interleaved")
    msg = client_hello([sni_ext("badver.example")])
    st = B().u8(22).u16(0x0301).u16(50).raw(msg.b[:50])
    st.u8(22).u16(0x0305).u16(len(msg) - 50).raw(msg.b[50:])
    add("later_record_version", st, None, "malformed", "record_version")
    st = B().u8(22).u16(0x0301).u16(0)
    add("record_len_0", st, None, "malformed", "record_len")
    st = B().u8(22).u16(0x0301).u16(16385).raw(bytes(16385))
    add("record_len_16385", st, None, "malformed", "record_len")

    # --- GREASE, ECH, ALPN, versions, many extensions
    simple("grease", tls13_exts(names=("grease.example",), grease=True,
                                alpn=(b"\x1a\x1a", "h2", b"\x2a\x2a", "http/1.1")),
           ["grease.example"], flags=T13 + ("grease",), alpn=("h2", "http/1.1"),
           max_version=0x0304, suites=[GREASE[2]] + SUITES_13)
    simple("ech_with_sni", tls13_exts(names=("public.example",)) + [ech_ext()],
           ["public.example"], flags=T13 + ("ech",), alpn=balpn, max_version=0x0304)
    simple("ech_no_sni", tls13_exts(names=()) + [ech_ext()], [],
           flags=("alpn", "supported_versions", "ech"), alpn=balpn,
           max_version=0x0304)
    simple("ech_twice", [sni_ext("twice.example"), ech_ext(), ech_ext(64)],
           ["twice.example"], flags=("sni_ext", "ech", "ext_dup"))
    simple("esni_draft", [sni_ext("esni.example"), ext(0xFFCE, rnd(40))],
           ["esni.example"], flags=("sni_ext", "esni"))
    simple("alpn_many", [sni_ext("alpn.example"),
                         alpn_ext(*["p%d" % i for i in range(10)])],
           ["alpn.example"], flags=("sni_ext", "alpn", "alpn_trunc"),
           alpn=["p%d" % i for i in range(8)])
    simple("alpn_empty_proto", [alpn_ext("h2", "")], [], status="malformed",
           reason="alpn")
    simple("alpn_empty_list", [ext(0x0010, b"\x00\x00")], [], status="malformed",
           reason="alpn")
    simple("versions_only_grease_draft", [sni_ext("v.example"),
                                          versions_ext(0x7F1C, GREASE[1])],
           ["v.example"], flags=("sni_ext", "supported_versions", "grease"),
           max_version=0)
    simple("versions_tls12_only", [sni_ext("v12.example"), versions_ext(0x0303)],
           ["v12.example"], flags=("sni_ext", "supported_versions"),
           max_version=0x0303)
    simple("versions_odd", [versions_ext(0x0304), ext(0x002B, b"\x03\x03\x04\x03")],
           [], status="malformed", reason="supported_versions")
    simple("dup_versions", [sni_ext("dv.example"), versions_ext(0x0303),
                            versions_ext(0x0304)],
           ["dv.example"], flags=("sni_ext", "supported_versions", "ext_dup"),
           max_version=0x0304)
    many = [ext(0x1000 + i, rnd(i % 5)) for i in range(150)]
    simple("ext_1024", [ext(0x1000, b"")] * 1023 + [sni_ext("e1024.example")],
           ["e1024.example"], flags=("sni_ext",), sizes=[16384], mutate=False)
    simple("ext_1025", [ext(0x1000, b"")] * 1024 + [sni_ext("e1025.example")],
           [], sizes=[16384], status="malformed", reason="too_many_exts",
           mutate=False)
    simple("ext_150_sni_last", many + [sni_ext("last.example")], ["last.example"],
           flags=("sni_ext",), mutate=False)

    # A Chrome-like hello: GREASE, post-quantum key share, ECH GREASE, ~1.8 KB,
    # split over two records as a 1500-byte-MTU client may not, but a relay may
    chrome = [ext(GREASE[10], b""), sni_ext("www.kaspersky.com"), ext(0x0017, b""),
              ext(0xFF01, b"\x00"),
              groups_ext(GREASE[10], 0x11EC, 0x001D, 0x0017, 0x0018),
              ext(0x000B, b"\x01\x00"), ext(0x0023, b""),
              alpn_ext("h2", "http/1.1"), ext(0x0005, b"\x01\x00\x00\x00\x00"),
              sigalgs_ext(), ext(0x0012, b""),
              key_share_ext((GREASE[10], 1), (0x11EC, 1216), (0x001D, 32)),
              ext(0x002D, b"\x01\x01"),
              versions_ext(GREASE[6], 0x0304, 0x0303), ext(0x001B, b"\x02\x00\x02"),
              ext(0x4469, b"\x00\x03\x02h2"), ech_ext(208), ext(GREASE[0], b"\x00")]
    chrome_suites = [GREASE[7]] + SUITES_13
    msg = client_hello(chrome, suites=chrome_suites)
    st, f = records(msg)
    add("chrome_like_pq", st, f, "done", "none", 0x0304,
        T13 + ("grease", "ech"), ["www.kaspersky.com"], ["h2", "http/1.1"])
    st, f = records(msg, sizes=[1000])
    add("chrome_like_pq_2rec", st, f, "done", "none", 0x0304,
        T13 + ("grease", "ech"), ["www.kaspersky.com"], ["h2", "http/1.1"])

    # --- body errors
    simple("session_id_33", [sni_ext("sid.example")], [], sid_len=33,
           status="malformed", reason="session_id")
    simple("cipher_suites_empty", [sni_ext("cs.example")], [], status="malformed",
           reason="cipher_suites", mutate=False, suites=[])
    simple("compression_empty", [sni_ext("comp.example")], [], comp=(),
           status="malformed", reason="compression")
    simple("hello_version_0400", [sni_ext("v4.example")], [], version=0x0400,
           status="malformed", reason="hello_version")

    # --- limits
    simple("too_big", [sni_ext("big.example"), padding_ext(17000)], [],
           sizes=[16384], status="malformed", reason="too_big", mutate=False)
    simple("just_fits", pad_to([sni_ext("fits.example")], 16384),
           ["fits.example"], flags=("sni_ext",), sizes=[16384], mutate=False)
    tiny = client_hello([])
    tiny.fields = []
    tiny.b[1:4] = (40).to_bytes(3, "big")
    tiny.b = tiny.b[:44]
    st, f = records(tiny)
    add("hs_len_40", st, None, "malformed", "hs_len")

    # --- not TLS
    add("not_http", b"GET / HTTP/1.1\r\nHost: kaspersky.com\r\n\r\n", None,
        "not_tls", "content_type")
    add("not_ssh", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", None, "not_tls",
        "content_type")
    add("not_random", bytes.fromhex("9c2e51a07b4413dd02f1") + rnd(90), None,
        "not_tls", "content_type")
    add("not_alert", b"\x15\x03\x01\x00\x02\x02\x28", None, "not_tls",
        "content_type")
    add("not_recver_0305", b"\x16\x03\x05\x00\x30" + bytes(48), None, "not_tls",
        "record_version")
    add("not_recver_0200", b"\x16\x02\x00\x00\x30" + bytes(48), None, "not_tls",
        "record_version")
    add("not_server_hello", b"\x16\x03\x03\x00\x30\x02\x00\x00\x2c" + bytes(44),
        None, "not_tls", "hs_type")
    # SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2)
    v2 = B().u8(1).u16(0x0301).u16(9).u16(0).u16(16)
    v2.raw(b"\x00\x00\x2f\x00\x00\x35\x00\x00\x0a").raw(rnd(16))
    add("sslv2_compat", bytes([0x80 | (len(v2) >> 8), len(v2) & 0xFF]) + v2.b, None,
        "not_tls", "sslv2")

    # Control bytes are looked for eight at a time, then one by one: one in
    # each place, and the neighbours of the range that must pass. (Last, so
    # the random fields of every vector above stay as they were.)
    simple("sni_ctrl_word2", [sni_ext(b"abcdefghij\x01lmnop.example")], [],
           status="malformed", reason="sni_bad_char")
    simple("sni_del_tail", [sni_ext(b"abcdefgh.exampl\x7f")], [],
           status="malformed", reason="sni_bad_char")
    edges = b"a b~\x80\xff\x7e\x20.example.org"
    simple("sni_edges_pass", [sni_ext(edges)], [edges], flags=("sni_ext",))


FLAG_ORDER = ["sni_ext", "sni_multi", "sni_ext_dup", "sni_other_type", "alpn",
              "alpn_trunc", "supported_versions", "ech", "esni", "grease", "ext_dup",
              "no_exts", "rec_trailing"]


def esc(b):
    """Percent-escapes anything but printable ASCII other than % and ,"""
    return "".join(chr(c) if 0x21 <= c < 0x7F and c not in b"%,"
                   else "%%%02X" % c for c in b)


def write_corpus(corpus):
    """Fuzz seeds: 4 control bytes (small cap, three cut points) + each stream,
    the synthetic ones and any real capture beside them. Other seeds in the
    directory are left alone (client_*: the first bytes of curl 7.88.1,
    OpenSSL 3.0 s_client, gnutls-cli 3.7.9 and Chromium 156 connecting to a
    loopback listener, recorded once)."""
    here = os.path.dirname(os.path.abspath(__file__))
    real = os.path.join(here, "..", "real")
    streams = [(x["file"][:-4], x["data"]) for x in VECS]
    if os.path.isdir(real):
        for f in sorted(os.listdir(real)):
            if f.endswith(".tls.bin"):
                with open(os.path.join(real, f), "rb") as fh:
                    streams.append(("real_" + f[:-8], fh.read()))
    for f in os.listdir(corpus):
        if f.startswith(("hello_", "real_")) or f == "placeholder":
            os.unlink(os.path.join(corpus, f))
    for i, (name, data) in enumerate(streams):
        ctrl = bytes([(i * 37) & 0xFF, 0x40, 0x80, 0xC0])
        with open(os.path.join(corpus, name), "wb") as fh:
            fh.write(ctrl + data)
    print("%d seeds written to %s" % (len(streams), corpus))


def main():
    args = sys.argv[1:]
    corpus = None
    if len(args) >= 2 and args[0] == "--corpus":
        corpus = args[1]
        args = args[2:]
    out = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    build()
    if corpus:
        write_corpus(corpus)
    for f in os.listdir(out):
        if f.startswith("hello_") and f.endswith(".bin"):
            os.unlink(os.path.join(out, f))
    seen = set()
    with open(os.path.join(out, "vectors.tsv"), "w") as v, \
         open(os.path.join(out, "lenfields.tsv"), "w") as lf:
        v.write("# file\tstatus\treason\tmax_version\tflags\tnames\talpn\tmax_records\n")
        lf.write("# file\tfield\tbyte offsets (most significant first)\n")
        for x in VECS:
            assert x["file"] not in seen, x["file"]
            seen.add(x["file"])
            for fl in x["flags"]:
                assert fl in FLAG_ORDER, fl
            with open(os.path.join(out, x["file"]), "wb") as fh:
                fh.write(x["data"])
            mv = "-" if x["max_version"] is None else "0x%04x" % x["max_version"]
            flags = ",".join(f for f in FLAG_ORDER if f in x["flags"]) or "-"
            names = ",".join(esc(n) for n in x["names"]) or "-"
            alpn = ",".join(esc(a) for a in x["alpn"]) or "-"
            v.write("\t".join([x["file"], x["status"], x["reason"], mv, flags, names,
                               alpn, str(x["max_records"])]) + "\n")
            for name, offs in x["fields"] or ():
                lf.write("%s\t%s\t%s\n" % (x["file"], name, ",".join(map(str, offs))))
    print("%d vectors written to %s" % (len(VECS), out))


if __name__ == "__main__":
    main()
