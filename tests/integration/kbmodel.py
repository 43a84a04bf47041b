"""What kasblock's replay must output for a capture, worked out from the
capture's bytes alone.

Given the input frames and, per flow, whether it must be blocked (and on
which name), the model says which input frames appear in the output and
what the two resets of a blocked flow must carry. It reads frames with its
own small parser (Ethernet, 802.1Q/802.1ad tags, IPv4, IPv6 and its
extension chain, IP fragments, TCP, UDP), reassembles IP fragments and the
client's TCP stream, and applies the rules the issue and dataplane/inspect.h
state:

- every packet is forwarded untouched while a flow's verdict is pending;
- the packet that completes a barred name is dropped, and so is every later
  packet of that flow, both directions;
- a TLS name is final with the whole ClientHello; an HTTP name when the
  request line ends (CONNECT, absolute URI) or one byte after its Host
  line's LF; an HTTP/2 cleartext name with the frame that ends the first
  header block; a DNS name (TCP to port 53) with the whole first message;
- a client byte that arrives twice with different values blocks the flow
  (policy flows only: the case says so);
- the reset toward the server carries the server's RCV.NXT (the client
  bytes it received in order), the reset toward the client the client's
  RCV.NXT (the server bytes it received in order), so each end acts on it
  at once (RFC 5961 3.2).

No scapy here: it is plain Python, so the checks do not share code with
the generator that built the packets.
"""

import ipaddress
import re
import struct

ETH_VLAN_TPIDS = (0x8100, 0x88a8, 0x9100)


# ---------------------------------------------------------------- pcap

def read_pcap(path):
    """[(ts_sec, ts_frac, bytes)] of a classic pcap (either byte order,
    micro- or nanosecond), and its link type."""
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file" % path)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s: not a classic pcap (magic %s)" % (path, magic.hex()))
    linktype = struct.unpack(end + "I", data[20:24])[0]
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[pos:pos + 16])
        pos += 16
        out.append((sec, frac, data[pos:pos + incl]))
        pos += incl
    return out, linktype


def write_pcap(path, frames):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for sec, frac, b in frames:
            fh.write(struct.pack("<IIII", sec, frac, len(b), len(b)))
            fh.write(b)


# ---------------------------------------------------------------- frames

class Pkt:
    """One frame as the model sees it. Addresses are ipaddress objects."""
    __slots__ = ("raw", "l2_len", "vlans", "src_mac", "dst_mac", "ipv", "src", "dst",
                 "proto", "frag", "l3_off", "l4_off", "sport", "dport", "seq", "ack",
                 "flags", "win", "wscale", "payload", "ip_hdr_ok", "ip_len")

    def __init__(self, raw):
        self.raw = raw
        for s in self.__slots__[1:]:
            setattr(self, s, None)
        self.vlans = []


def parse(raw):
    """Parses one Ethernet frame; fields stay None where a layer is absent."""
    p = Pkt(raw)
    if len(raw) < 14:
        return p
    p.dst_mac, p.src_mac = raw[0:6], raw[6:12]
    et = struct.unpack("!H", raw[12:14])[0]
    off = 14
    while et in ETH_VLAN_TPIDS and off + 4 <= len(raw):
        tci, nxt = struct.unpack("!HH", raw[off:off + 4])
        p.vlans.append((et, tci & 0x0fff))
        et = nxt
        off += 4
    p.l2_len = off
    if et == 0x0800:
        _parse_ipv4(p, raw, off)
    elif et == 0x86dd:
        _parse_ipv6(p, raw, off)
    return p


def _parse_ipv4(p, raw, off):
    if off + 20 > len(raw):
        return
    ihl = (raw[off] & 0x0f) * 4
    total = struct.unpack("!H", raw[off + 2:off + 4])[0]
    ipid = struct.unpack("!H", raw[off + 4:off + 6])[0]
    fo = struct.unpack("!H", raw[off + 6:off + 8])[0]
    p.ipv, p.l3_off, p.ip_len = 4, off, total
    p.proto = raw[off + 9]
    p.src = ipaddress.ip_address(raw[off + 12:off + 16])
    p.dst = ipaddress.ip_address(raw[off + 16:off + 20])
    p.ip_hdr_ok = _csum(raw[off:off + ihl]) == 0
    mf, foff = bool(fo & 0x2000), (fo & 0x1fff) * 8
    body = raw[off + ihl:off + total]
    if mf or foff:
        p.frag = {"key": (4, p.src, p.dst, p.proto, ipid), "off": foff, "mf": mf,
                  "data": body, "hdr": raw[off:off + ihl]}
        return
    _parse_l4(p, raw, off + ihl, off + total)


def _parse_ipv6(p, raw, off):
    if off + 40 > len(raw):
        return
    plen = struct.unpack("!H", raw[off + 4:off + 6])[0]
    nh = raw[off + 6]
    p.ipv, p.l3_off, p.ip_len = 6, off, 40 + plen
    p.src = ipaddress.ip_address(raw[off + 8:off + 24])
    p.dst = ipaddress.ip_address(raw[off + 24:off + 40])
    end = off + 40 + plen
    pos = off + 40
    for _ in range(16):
        if nh in (0, 43, 60):
            nh, hlen = raw[pos], (raw[pos + 1] + 1) * 8
            pos += hlen
        elif nh == 51:
            nh, hlen = raw[pos], (raw[pos + 1] + 2) * 4
            pos += hlen
        elif nh == 44:
            fnh = raw[pos]
            fo = struct.unpack("!H", raw[pos + 2:pos + 4])[0]
            fid = struct.unpack("!I", raw[pos + 4:pos + 8])[0]
            foff, mf = fo & 0xfff8, bool(fo & 1)
            if foff == 0 and not mf:     # atomic fragment
                nh = fnh
                pos += 8
                continue
            p.proto = fnh
            p.frag = {"key": (6, p.src, p.dst, fid), "off": foff, "mf": mf,
                      "data": raw[pos + 8:end], "hdr": None}
            return
        else:
            break
    p.proto = nh
    _parse_l4(p, raw, pos, end)


def _parse_l4(p, raw, off, end):
    p.l4_off = off
    if p.proto == 6 and off + 20 <= end:
        (p.sport, p.dport, p.seq, p.ack, doff, p.flags,
         p.win) = struct.unpack("!HHIIBBH", raw[off:off + 16])
        doff = (doff >> 4) * 4
        p.payload = raw[off + doff:end]
        opts = raw[off + 20:off + doff]
        i = 0
        while i < len(opts):
            k = opts[i]
            if k == 0:
                break
            if k == 1:
                i += 1
                continue
            if i + 1 >= len(opts):
                break
            ln = opts[i + 1]
            if k == 3 and ln == 3:
                p.wscale = opts[i + 2]
            i += max(ln, 2)
    elif p.proto == 17 and off + 8 <= end:
        p.sport, p.dport = struct.unpack("!HH", raw[off:off + 4])
        p.payload = raw[off + 8:end]


def _csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def tcp_csum_ok(p):
    """The TCP checksum of a parsed, unfragmented frame verifies."""
    seg = p.raw[p.l4_off:p.l3_off + p.ip_len]
    if p.ipv == 4:
        pseudo = p.src.packed + p.dst.packed + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = p.src.packed + p.dst.packed + struct.pack("!IxxxB", len(seg), 6)
    return _csum(pseudo + seg) == 0


TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


# ---------------------------------------------------------------- defrag

class Defrag:
    """Whole datagrams out of fragments: returns a Pkt for the reassembled
    transport segment once every byte and the last fragment are in."""

    def __init__(self):
        self.pending = {}

    def add(self, p):
        f = p.frag
        lst = self.pending.setdefault(f["key"], [])
        lst.append((f["off"], f["data"], f["mf"]))
        total = next((o + len(d) for o, d, m in lst if not m), None)
        if total is None:
            return None
        got = 0
        for o, d, _m in sorted(lst, key=lambda x: x[0]):
            if o > got:
                return None
            got = max(got, o + len(d))
        if got < total:
            return None
        buf = bytearray(total)
        for o, d, _m in sorted(lst, key=lambda x: x[0]):
            buf[o:o + len(d)] = d
        del self.pending[f["key"]]
        q = Pkt(p.raw)
        q.vlans, q.src_mac, q.dst_mac, q.l2_len = p.vlans, p.src_mac, p.dst_mac, p.l2_len
        q.ipv, q.src, q.dst, q.proto = p.ipv, p.src, p.dst, p.proto
        seg = bytes(buf)
        q.raw = seg
        q.l3_off, q.ip_len = 0, len(seg)
        _parse_l4(q, seg, 0, len(seg))
        return q


# ---------------------------------------------------------------- flows

def norm_name(n):
    n = n.lower()
    return n[:-1] if n.endswith(".") else n


def ip(s):
    return ipaddress.ip_address(s)


class FlowExp:
    """What the caller states about one flow."""

    def __init__(self, fid, proto, client, server, verdict, name=None, policy=False):
        self.fid, self.proto = fid, proto
        self.client = (ip(client[0]), int(client[1]))
        self.server = (ip(server[0]), int(server[1]))
        self.verdict = verdict          # "block" or "pass"
        self.name = name                # normalised barred name (block)
        self.policy = policy            # blocked by the reassembly policy, not a name


def direction(p, fx):
    """'c2s', 's2c' or None for a frame (or reassembled segment) and a flow."""
    if p.src is None or p.sport is None:
        return None
    a, b = (p.src, p.sport), (p.dst, p.dport)
    proto = {6: "TCP", 17: "UDP"}.get(p.proto)
    if proto != fx.proto:
        return None
    if a == fx.client and b == fx.server:
        return "c2s"
    if a == fx.server and b == fx.client:
        return "s2c"
    return None


def attribute(pk):
    """owner[i]: a Pkt with the ports that frame i belongs to (for a
    fragment, its datagram's); seg_at[i]: the transport segment that
    becomes whole at frame i (the frame itself, or the datagram its
    fragment completes), else None."""
    owner, seg_at = [None] * len(pk), [None] * len(pk)
    dfr, members = Defrag(), {}
    for i, p in enumerate(pk):
        if p.frag is None:
            if p.sport is not None:
                owner[i] = seg_at[i] = p
            continue
        key = p.frag["key"]
        members.setdefault(key, []).append(i)
        q = dfr.add(p)
        if q is not None:
            seg_at[i] = q
            for j in members.pop(key):
                owner[j] = q
    # Datagrams never completed: their first fragment names the ports.
    for key, idx in members.items():
        first = next((pk[j] for j in idx if pk[j].frag["off"] == 0
                      and len(pk[j].frag["data"]) >= 4), None)
        if first is None:
            continue
        q = Pkt(first.raw)
        q.src, q.dst, q.proto = first.src, first.dst, first.proto
        q.sport, q.dport = struct.unpack("!HH", first.frag["data"][:4])
        for j in idx:
            owner[j] = q
    return owner, seg_at


class Stream:
    """One direction's bytes, by offset from the first byte."""

    def __init__(self):
        self.base = None     # sequence number of stream offset 0
        self.have = {}       # offset -> byte
        self.conflict = False

    def add(self, seq, data):
        if self.base is None:
            self.base = seq
        off = (seq - self.base) & 0xffffffff
        if off > 0x7fffffff:      # before the base (mid-stream pickup guess)
            return False
        bad = False
        for i, b in enumerate(data):
            old = self.have.get(off + i)
            if old is None:
                self.have[off + i] = b
            elif old != b:
                bad = True
        return bad

    def prefix(self):
        n = 0
        while n in self.have:
            n += 1
        return n

    def bytes(self, n=None):
        n = self.prefix() if n is None else n
        return bytes(self.have[i] for i in range(n))


def tls_hello_end(s):
    """Stream offset just past the ClientHello handshake message, or None
    (not TLS, or not enough bytes to tell)."""
    pos, hs = 0, bytearray()
    total = None
    while pos + 5 <= len(s):
        if s[pos] != 22:
            return None
        ln = struct.unpack("!H", s[pos + 3:pos + 5])[0]
        frag_start = pos + 5
        for i in range(ln):
            if frag_start + i >= len(s):
                return None
            hs.append(s[frag_start + i])
            if total is None and len(hs) == 4:
                total = 4 + int.from_bytes(hs[1:4], "big")
            if total is not None and len(hs) == total:
                return frag_start + i + 1
        pos = frag_start + ln
    return None


def http_next_unit(s):
    """Offset of what follows the request head at the start of s, as the
    connection frames it (RFC 9112 6.3): the tunnel after CONNECT, else the
    next request past a body of Content-Length bytes or a chunked body.
    None when the head or body is incomplete or its framing unreliable."""
    m = re.search(rb"\r?\n\r?\n", s)
    if m is None:
        return None
    end = m.end()
    lines = s[:m.start()].split(b"\n")
    if lines[0].split(b" ", 1)[0] == b"CONNECT":
        return end
    cl, te = [], []
    for ln in lines[1:]:
        k, _, v = ln.rstrip(b"\r").partition(b":")
        if k.lower() == b"content-length":
            cl += [x.strip() for x in v.split(b",")]
        elif k.lower() == b"transfer-encoding":
            te += [x.strip().split(b";")[0].strip().lower() for x in v.split(b",") if x.strip()]
    if te:
        if te[-1] != b"chunked" or te.count(b"chunked") != 1:
            return None
        pos = end
        while True:                      # chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF
            nl = s.find(b"\n", pos)
            if nl < 0:
                return None
            try:
                size = int(s[pos:nl].rstrip(b"\r").split(b";")[0].strip(), 16)
            except ValueError:
                return None
            pos = nl + 1
            if size == 0:
                break
            pos += size
            if s[pos:pos + 2] == b"\r\n":
                pos += 2
            elif s[pos:pos + 1] == b"\n":
                pos += 1
            else:
                return None
        while True:                      # trailer lines, then the empty line
            nl = s.find(b"\n", pos)
            if nl < 0:
                return None
            line, pos = s[pos:nl].rstrip(b"\r"), nl + 1
            if not line:
                return pos
    if cl:
        if not all(x.isdigit() for x in cl) or len(set(int(x) for x in cl)) != 1:
            return None
        return end + int(cl[0])
    return end


def stream_name_end(s, name):
    """Stream offset at which kasblock's verdict on the barred name falls:
    the ClientHello's end, or where an HTTP head publishes the name. A clean
    request head is followed by the next unit of the connection (a later
    request, or the tunnel after CONNECT), read the same way."""
    off = 0
    for _ in range(64):
        rest = s[off:]
        if rest[:1] == b"\x16":
            e = tls_hello_end(rest)
            return None if e is None else off + e
        e = http_name_end(rest, name)
        if e is not None:
            return off + e
        nxt = http_next_unit(rest)
        if nxt is None or nxt >= len(rest):
            return None
        off += nxt
    return None


def http_name_end(s, name):
    """Stream offset at which kasblock publishes the barred name `name`
    (normalised) from an HTTP head, or None."""
    lf = s.find(b"\n")
    if lf < 0:
        return None
    line = s[:lf].rstrip(b"\r").decode("latin-1")
    parts = line.split()
    if len(parts) >= 2:
        target = parts[1]
        host = None
        if parts[0] == "CONNECT":
            host = target.rsplit(":", 1)[0] if not target.startswith("[") else None
        elif "://" in target:
            auth = target.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
            auth = auth.rsplit("@", 1)[-1]
            host = auth.rsplit(":", 1)[0] if ":" in auth and not auth.startswith("[") else auth
        if host is not None and norm_name(host) == name:
            return lf + 1
    pos = lf + 1
    while True:
        e = s.find(b"\n", pos)
        if e < 0:
            return None
        line = s[pos:e].rstrip(b"\r")
        if not line:
            return None
        k, _, v = line.partition(b":")
        if k.lower() == b"host":
            v = v.strip().decode("latin-1")
            h = v.rsplit(":", 1)[0] if ":" in v and not v.startswith("[") else v
            if norm_name(h) == name:
                return e + 2
        pos = e + 1


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def h2c_block_end(s):
    """Stream offset just past the frame that ends the first request's
    header block (HEADERS, then CONTINUATION until END_HEADERS), or None."""
    pos, in_block = len(H2_PREFACE), False
    while pos + 9 <= len(s):
        ln = int.from_bytes(s[pos:pos + 3], "big")
        ftype, flags = s[pos + 3], s[pos + 4]
        end = pos + 9 + ln
        if end > len(s):
            return None
        if ftype == 1 or (in_block and ftype == 9):
            in_block = True
            if flags & 0x4:
                return end
        pos = end
    return None


def dns_tcp_end(s):
    """Stream offset just past the first DNS message (2-byte length), or None."""
    if len(s) < 2:
        return None
    end = 2 + int.from_bytes(s[:2], "big")
    return end if end <= len(s) else None


DNS_PORTS = (53,)


class FlowResult:
    def __init__(self, fx):
        self.fx = fx
        self.frames = []             # indexes of the flow's frames
        self.decision = None         # frame index that decides (block)
        self.server_rcv_nxt = None   # server's RCV.NXT when the verdict falls
        self.client_rcv_nxt = None
        self.server_win = None       # last window the server advertised (scaled)
        self.client_win = None
        self.vlans = None
        self.ipv = None
        self.macs = None             # (client mac, server mac)
        self.need = None             # client stream bytes the verdict needs
        self.why = ""


def expected_output(frames, flows):
    """frames: raw input frames; flows: [FlowExp]. Returns (keep, results):
    keep[i] is True when input frame i must be in the output; results maps
    flow id to FlowResult."""
    pk = [parse(b) for b in frames]
    res = {fx.fid: FlowResult(fx) for fx in flows}
    keep = [True] * len(frames)

    owner, seg_at = attribute(pk)
    for fx in flows:
        r = res[fx.fid]
        cs, ss = Stream(), Stream()
        cs_all = Stream()
        c_isn = s_isn = None
        c_ws = s_ws = None
        seg_list = []                # (frame index, dir, Pkt of the segment)
        for i, p in enumerate(pk):
            d = direction(owner[i], fx) if owner[i] is not None else None
            if d is None:
                continue
            r.frames.append(i)
            if r.vlans is None:
                r.vlans, r.ipv = p.vlans, p.ipv
            if r.macs is None and p.src_mac is not None:
                r.macs = (p.src_mac, p.dst_mac) if d == "c2s" else (p.dst_mac, p.src_mac)
            if seg_at[i] is not None:
                seg_list.append((i, d, seg_at[i]))
        if fx.proto != "TCP":
            if fx.verdict == "block":
                raise ValueError("UDP block expectations are not modelled")
            continue
        # The whole client stream as the capture holds it (first copy wins):
        # where the barred name becomes final.
        for i, d, q in seg_list:
            if d == "c2s" and q.flags & TCP_SYN:
                c_isn = q.seq
                c_ws = q.wscale
            if d == "s2c" and q.flags & TCP_SYN:
                s_isn = q.seq
                s_ws = q.wscale
        for i, d, q in seg_list:
            if d == "c2s" and q.payload:
                seq = q.seq
                if cs_all.base is None and c_isn is not None:
                    cs_all.base = (c_isn + 1) & 0xffffffff
                cs_all.add(seq, q.payload)
        need = None
        full = cs_all.bytes()
        if fx.verdict == "block" and not fx.policy:
            if fx.server[1] in DNS_PORTS:
                need = dns_tcp_end(full)
            elif full.startswith(H2_PREFACE):
                need = h2c_block_end(full)
            else:
                need = stream_name_end(full, fx.name)
            if need is None:
                raise ValueError("flow %s: the capture never completes the name %s"
                                 % (fx.fid, fx.name))
        r.need = need
        # Replay the flow in capture order.
        scale_c = (c_ws or 0) if (c_ws is not None and s_ws is not None) else 0
        scale_s = (s_ws or 0) if (c_ws is not None and s_ws is not None) else 0
        if c_isn is not None:
            cs.base = (c_isn + 1) & 0xffffffff
        if s_isn is not None:
            ss.base = (s_isn + 1) & 0xffffffff
        last_c_ack = None
        for i, d, q in seg_list:
            if d == "c2s":
                if not q.flags & TCP_SYN:
                    r.client_win = q.win << scale_c
                if q.flags & TCP_ACK:
                    last_c_ack = q.ack
            else:
                if not q.flags & TCP_SYN:
                    r.server_win = q.win << scale_s
            if fx.verdict != "block":
                continue
            before_c = cs.prefix()
            if d == "c2s" and q.payload:
                bad = cs.add(q.seq, q.payload)
                if bad and fx.policy:
                    r.decision = i
                    r.why = "conflicting overlap"
            elif d == "s2c" and q.payload:
                ss.add(q.seq, q.payload)
            if r.decision is None and need is not None and cs.prefix() >= need:
                r.decision = i
                r.why = "name complete"
            if r.decision == i:
                r.server_rcv_nxt = ((cs.base or q.seq) + before_c) & 0xffffffff
                if ss.base is not None:
                    r.client_rcv_nxt = (ss.base + ss.prefix()) & 0xffffffff
                else:
                    r.client_rcv_nxt = q.ack if q.flags & TCP_ACK else last_c_ack
                break
        if fx.verdict == "block":
            if r.decision is None:
                raise ValueError("flow %s: no decision point in the capture" % fx.fid)
            # Windows as of the decision: recompute from frames before it.
            r.client_win = r.server_win = None
            for i, d, q in seg_list:
                if i >= r.decision:
                    break
                syn = bool(q.flags & TCP_SYN)   # a SYN's window is never scaled
                if d == "c2s":
                    r.client_win = q.win << (0 if syn else scale_c)
                else:
                    r.server_win = q.win << (0 if syn else scale_s)
            for i in r.frames:
                if i >= r.decision:
                    keep[i] = False
    return keep, res


def seq_in_window(seq, rcv_nxt, win):
    return ((seq - rcv_nxt) & 0xffffffff) < max(win or 0, 1)
