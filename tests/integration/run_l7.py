#!/usr/bin/python3
"""Replays gen_l7's captures (QUIC, DNS, h2c) through kasblock and checks
every frame, injected DNS refusal, reset, event and counter
(docs/integration-tests.md, "QUIC, DNS, h2c").

    run_l7.py --kasblock BIN --config CONF --work DIR [--group G]... [--case C]...

TCP cases (h2c, DNS over TCP) are judged as the TCP groups are
(kbmodel.expected_output, kbreplay.check_output, tshark on the resets). UDP
cases: the forwarded frames must be the input minus the case's dropped
ones, in order and byte-identical; every frame kasblock adds must be the
refusal of a listed query, checked field by field here (MACs, tags,
addresses, ports, lengths, checksums, DNS id, flags, rcode, question, OPT)
and by tshark; verdict and name events must be exactly the listed ones;
the summary's quic/dns counters must have the listed values. For a blocked
QUIC flow the frame that completes the ClientHello is worked out again
from the capture (kbquic decrypts the client's datagrams) and must be the
case's. Exit status: 0 all passed, 1 some failed, 77 nothing to run.
"""

import argparse
import collections
import ipaddress
import os
import re
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import gen_l7 as L  # noqa: E402
    import kbquic as Q  # noqa: E402
    import run_cases as RC  # noqa: E402
except ImportError as e:          # scapy, cryptography: Debian's /usr/bin/python3
    print("cannot import the generator (%s): skipped" % e)
    sys.exit(77)
import kbmodel as M  # noqa: E402
import kbreplay as R  # noqa: E402

SUMMARY = [
    (re.compile(r"quic\s+inspected (\d+), hellos (\d+), not quic (\d+), give-up (\d+), "
                r"anomalies (\d+), blocked datagrams (\d+)"),
     ("quic inspected", "hellos", "not quic", "give-up", "quic anomalies", "blocked datagrams")),
    (re.compile(r"dns\s+queries (\d+), matched (\d+), refusals (\d+), anomalies (\d+); "
                r"h2c requests (\d+), anomalies (\d+)"),
     ("dns queries", "matched", "refusals", "dns anomalies", "h2c requests", "h2c anomalies")),
]


def parse_summary(text):
    out = {}
    for rx, keys in SUMMARY:
        m = rx.search(text)
        if m:
            out.update(zip(keys, (int(x) for x in m.groups())))
    return out


def ip_of(s):
    return ipaddress.ip_address(s)


def _csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def question_end(msg):
    pos = 12
    while msg[pos]:
        pos += 1 + msg[pos]
    return pos + 5


def query_opt(msg):
    """(has OPT, DO bit) of a query: its additional section's OPT record."""
    ar = struct.unpack("!H", msg[10:12])[0]
    pos = question_end(msg)
    for _ in range(ar):
        while msg[pos] and msg[pos] < 0xc0:
            pos += 1 + msg[pos]
        pos += 2 if msg[pos] >= 0xc0 else 1
        rtype, _cls, ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        if rtype == 41:
            return True, bool(ttl & 0x8000)
        pos += 10 + rdlen
    return False, False


def check_refusal(tag, query_frame, flow, query, rcode, reply):
    """Every field of an injected refusal against the query it answers."""
    f = []
    q, p = M.parse(query_frame), M.parse(reply)
    if p.ipv is None or p.proto != 17 or p.payload is None:
        return ["%s: not a UDP datagram: %s" % (tag, reply[:64].hex())]
    if (p.src_mac, p.dst_mac) != (q.dst_mac, q.src_mac):
        f.append("%s: MACs %s -> %s, want the query's swapped" % (tag, p.src_mac.hex(":"),
                                                                 p.dst_mac.hex(":")))
    if p.vlans != q.vlans:
        f.append("%s: tags %s, the query's %s" % (tag, p.vlans, q.vlans))
    if (p.src, p.dst) != (ip_of(flow.server), ip_of(flow.client)):
        f.append("%s: %s -> %s, want %s -> %s" % (tag, p.src, p.dst, flow.server, flow.client))
    if (p.sport, p.dport) != (flow.sport, flow.cport):
        f.append("%s: ports %s -> %s, want %s -> %s" % (tag, p.sport, p.dport, flow.sport,
                                                        flow.cport))
    seg = reply[p.l4_off:p.l3_off + p.ip_len]
    if p.ipv == 4:
        if not p.ip_hdr_ok:
            f.append("%s: bad IPv4 header checksum" % tag)
        pseudo = p.src.packed + p.dst.packed + struct.pack("!BBH", 0, 17, len(seg))
    else:
        pseudo = p.src.packed + p.dst.packed + struct.pack("!IxxxB", len(seg), 17)
    ulen, ucs = struct.unpack("!HH", seg[4:8])
    if ulen != len(seg):
        f.append("%s: UDP length %d, datagram %d" % (tag, ulen, len(seg)))
    if ucs == 0 or _csum(pseudo + seg) != 0:
        f.append("%s: bad UDP checksum 0x%04x" % (tag, ucs))
    if len(reply) < 60:
        f.append("%s: %d-byte frame, under the Ethernet minimum" % (tag, len(reply)))
    m = p.payload
    if len(m) < 12:
        return f + ["%s: DNS message of %d bytes" % (tag, len(m))]
    qid, fl, qd, an, ns, ar = struct.unpack("!HHHHHH", m[:12])
    qfl = struct.unpack("!H", query[2:4])[0]
    want_fl = 0x8000 | (qfl & 0x7800) | (qfl & 0x0100) | ((qfl & 0x0100) >> 1) | (qfl & 0x0010) | rcode
    if qid != struct.unpack("!H", query[:2])[0]:
        f.append("%s: DNS id 0x%04x, the query's 0x%04x" % (tag, qid, struct.unpack("!H", query[:2])[0]))
    if fl != want_fl:
        f.append("%s: DNS flags 0x%04x, want 0x%04x (QR, opcode, RD, RA = RD, CD, rcode %d)"
                 % (tag, fl, want_fl, rcode))
    qe = question_end(query)
    if (qd, an, ns) != (1, 0, 0) or m[12:qe] != query[12:qe]:
        f.append("%s: counts %s or question differ from the query's" % (tag, (qd, an, ns)))
    has_opt, do = query_opt(query)
    rest = m[qe:]
    if has_opt:
        want = b"\x00\x00\x29\x04\xd0\x00\x00" + (b"\x80" if do else b"\x00") + b"\x00\x00\x00"
        if ar != 1 or rest != want:
            f.append("%s: OPT record %s, want %s" % (tag, rest.hex(), want.hex()))
    elif ar != 0 or rest:
        f.append("%s: additional data %s where the query had no OPT" % (tag, rest.hex()))
    return f


def tshark_refusals(path, rows):
    """rows: [(frame number, rcode, qname)]: tshark must read each as a DNS
    response with that rcode and name, IP and UDP checksums good."""
    cmd = ["tshark", "-n", "-r", path, "-o", "udp.check_checksum:TRUE",
           "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=\t",
           "-e", "frame.number", "-e", "ip.checksum.status", "-e", "udp.checksum.status",
           "-e", "dns.flags.response", "-e", "dns.flags.rcode", "-e", "dns.qry.name",
           "-e", "_ws.malformed"]
    cp = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if cp.returncode != 0:
        return ["tshark failed: %s" % cp.stderr.decode()[-300:]]
    got = {}
    for line in cp.stdout.decode().splitlines():
        x = line.split("\t") + [""] * 7
        if x[0].isdigit():
            got[int(x[0])] = x
    fails = []
    for n, rcode, qname in rows:
        x = got.get(n)
        if x is None:
            fails.append("tshark: refusal frame %d not read" % n)
            continue
        if x[1] not in ("", "1") or x[2] != "1":
            fails.append("tshark: refusal frame %d checksum status ip %r udp %r (1 = good)"
                         % (n, x[1], x[2]))
        if x[3] not in ("1", "True") or x[4] != str(rcode):
            fails.append("tshark: refusal frame %d response %r rcode %r, want rcode %d"
                         % (n, x[3], x[4], rcode))
        if x[5].lower() != qname.lower():
            fails.append("tshark: refusal frame %d names %r, want %r" % (n, x[5], qname))
        if x[6]:
            fails.append("tshark: refusal frame %d is malformed" % n)
    return fails


def _ev_key(ev):
    return (str(ip_of(ev["src_ip"])), int(ev["src_port"]), str(ip_of(ev["dest_ip"])),
            int(ev["dest_port"]))


def check_udp(cap, meta, in_frames, out_frames, events, summary, work):
    exp, notes = meta["exp"], meta["notes"]
    fails = []
    keep = [i not in exp.drop for i in range(len(in_frames))]
    want_idx = [i for i in range(len(in_frames)) if keep[i]]
    want = [in_frames[i] for i in want_idx]
    in_set = set(in_frames)
    known = [b for b in out_frames if b in in_set]
    extra = [(k, b) for k, b in enumerate(out_frames) if b not in in_set]
    if known != want:
        fails += R._diff_frames(in_frames, want, want_idx, known, keep, notes)

    # Injected frames: one refusal per listed query, matched by DNS id and
    # the client's port.
    pending = list(exp.replies)
    rows = []
    for k, b in extra:
        p = M.parse(b)
        m = p.payload or b""
        hit = None
        for r in pending:
            fr, _rcode, query = r
            flow = cap.flows[cap.frames[fr]["flow"]]
            if m[:2] == query[:2] and p.dport == flow.cport:
                hit = r
                break
        if hit is None:
            fails.append("output frame %d is not in the input and answers no listed query: %s"
                         % (k + 1, b[:64].hex()))
            continue
        pending.remove(hit)
        fr, rcode, query = hit
        flow = cap.flows[cap.frames[fr]["flow"]]
        fails += check_refusal("refusal of %s (output frame %d)" % (R.fmt_frame(fr, notes), k + 1),
                               in_frames[fr], flow, query, rcode, b)
        qname = query[13:question_end(query) - 5]
        name = []
        pos = 12
        while query[pos]:
            name.append(query[pos + 1:pos + 1 + query[pos]].decode("latin-1"))
            pos += 1 + query[pos]
        rows.append((k + 1, rcode, ".".join(name)))
        del qname
    for fr, _rc, _q in pending:
        fails.append("no refusal answers %s" % R.fmt_frame(fr, notes))
    if rows:
        path = os.path.join(work, meta["name"] + ".out.pcap")
        fails += tshark_refusals(path, rows)

    # Verdict events: exactly the listed ones.
    verdicts = [e for e in events if e.get("event") in ("block", "monitor")]
    for w in exp.events:
        wk = (str(ip_of(w["src_ip"])), w["src_port"], str(ip_of(w["dest_ip"])), w["dest_port"])
        hit = None
        for ev in verdicts:
            try:
                if _ev_key(ev) != wk:
                    continue
            except (KeyError, ValueError, TypeError):
                continue
            if all(ev.get(x) == w[x] for x in w if x not in ("src_ip", "src_port", "dest_ip",
                                                           "dest_port")):
                hit = ev
                break
        if hit is None:
            fails.append("no event %s (got %s)" % (w, [json_short(e) for e in verdicts]))
        else:
            verdicts.remove(hit)
    for ev in verdicts:
        fails.append("unexpected event %s" % json_short(ev))

    # Name events, as a multiset.
    got = collections.Counter()
    for ev in events:
        if ev.get("event") == "name":
            try:
                got[_ev_key(ev) + (ev.get("field"), ev.get("name"))] += 1
            except (KeyError, ValueError, TypeError):
                fails.append("name event without a tuple: %s" % json_short(ev))
    want_n = collections.Counter((str(ip_of(c)), cp, str(ip_of(s)), sp, fld, nm)
                                 for c, cp, s, sp, fld, nm in exp.names)
    if got != want_n:
        fails.append("name events %s, want %s" % (sorted(got.items()), sorted(want_n.items())))

    for key, val in exp.summary.items():
        if summary.get(key) != val:
            fails.append("summary: %s = %s, want %s" % (key, summary.get(key), val))

    # The QUIC decision, read again from the capture's bytes.
    for fid, decision in exp.quic:
        if decision is None:
            continue
        idx = [i for i, fr in enumerate(cap.frames) if fr["flow"] == fid and fr["dir"] == "c2s"]
        dgrams = [M.parse(in_frames[i]).payload for i in idx]
        at = Q.hello_complete_at(dgrams)
        if at is None or idx[at] != decision:
            fails.append("MODEL: flow %s: the case decides at %s, the capture's CRYPTO stream "
                         "completes at %s" % (fid, R.fmt_frame(decision, notes),
                                              R.fmt_frame(idx[at], notes) if at is not None
                                              else "no frame"))
    return fails


def json_short(ev):
    keys = ("event", "src_port", "field", "name", "action", "reason", "signature_id")
    return "{%s}" % ", ".join("%s: %r" % (k, ev.get(k)) for k in keys if k in ev)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--group", action="append", default=[])
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--timeout", type=int, default=60)
    a = ap.parse_args()

    sel = L.cases(a.group)
    if a.case:
        sel = [c for c in sel if c["name"] in a.case]
    if not sel:
        print("no cases selected")
        return 77
    fails_self = Q.selftest(os.path.join(HERE, "..", "data", "quic"))
    if fails_self:
        print("kbquic does not rebuild the RFC packets: %s" % fails_self)
        return 1
    os.makedirs(a.work, exist_ok=True)
    t0 = time.monotonic()
    results = {}
    rst_frames = []
    for c in sel:
        cap, meta = L.build(c)
        name = meta["name"]
        inp = os.path.join(a.work, name + ".pcap")
        out = os.path.join(a.work, name + ".out.pcap")
        evp = os.path.join(a.work, name + ".events.json")
        for p in (out, evp):
            if os.path.exists(p):
                os.unlink(p)
        cap.write(inp)
        in_frames = [b for _s, _f, b in M.read_pcap(inp)[0]]
        conf = os.path.join(HERE, c["config"]) if c.get("config") else a.config
        rc, so, se, dt, left = R.run_replay(a.kasblock, conf, inp, out, evp, timeout=a.timeout)
        fails = []
        if rc != 0:
            fails.append("kasblock exited %s; stderr: %s" % (rc, se.strip()[-600:]))
        if left:
            fails.append("DPDK runtime entries left: %s" % sorted(left))
        san = R.sanitizer_report(se)
        if san:
            fails.append("sanitizer: %s" % san)
        out_frames = []
        if os.path.exists(out):
            out_frames = [b for _s, _f, b in M.read_pcap(out)[0]]
        elif rc == 0:
            fails.append("no output pcap written")
        events, errs = R.read_events(evp)
        fails += errs
        if rc == 0 or out_frames:
            try:
                if c["kind"] == "tcp":
                    flows, exp, hints = RC.flow_exps(meta)
                    f2, info = R.check_output(name, in_frames, out_frames, flows, exp, events,
                                              notes=meta["notes"], decision_hints=hints)
                    fails += f2
                    for k, _fid, _d in info["rsts"]:
                        rst_frames.append((name, k, out_frames[k]))
                else:
                    fails += check_udp(cap, meta, in_frames, out_frames, events,
                                       parse_summary(so), a.work)
            except ValueError as e:
                fails.append("model: %s" % e)
        results[name] = fails
        print("%-4s %-36s %5.2fs  %s" % ("ok" if not fails else "FAIL", name, dt, c["desc"]))
        sys.stdout.flush()
    if rst_frames:
        allp = os.path.join(a.work, "resets.pcap")
        M.write_pcap(allp, [(0, i, b) for i, (_n, _k, b) in enumerate(rst_frames)])
        for msg in R.tshark_resets(allp, list(range(1, len(rst_frames) + 1))):
            try:
                n = int(msg.split("frame ")[1].split()[0])
                results[rst_frames[n - 1][0]].append(msg)
            except (IndexError, ValueError):
                results.setdefault("(tshark)", []).append(msg)
    failed = 0
    for name, fails in results.items():
        if fails:
            failed += 1
            print("\n== %s" % name)
            for f in fails:
                print("   " + f)
    print("\n%d of %d cases passed, %.1fs, %d resets checked by tshark"
          % (len(results) - failed, len(results), time.monotonic() - t0, len(rst_frames)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
