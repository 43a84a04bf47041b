#!/usr/bin/python3
"""The real-traffic corpus through kasblock's replay: every name kasblock
logs (--log-names) against the reference list names.tsv, for the sni,
http_host, connect and quic_sni rows (README.md of the corpus says how the
list was made: tshark with reassembly on). QUIC flows are read on the
server ports corpus.conf lists (quic.ports).

    corpus_compare.py --kasblock BIN --config CONF --corpus DIR --work DIR
                      [--differences FILE] [--verbose]

A row is (capture, client ip, client port, server ip, server port, field,
name). Both sides hold names as sent, an HTTP name with its :port, but
names.tsv strips the port of a CONNECT target and keeps it on a Host; so
ports are stripped on both sides and names compared byte for byte, case
kept.

Every difference must be explained by a line of the differences file
(corpus-differences.tsv beside this script): capture, field, client
(ip:port or *), name (or *), side (reference-only | kasblock-only) and the
reason. An unexplained difference fails; an explanation that matches
nothing is reported as stale (and fails too, so the file stays true).

Captures that are not Ethernet (Linux cooked, raw IP, BSD loopback) are
given an Ethernet header first, since replay reads Ethernet frames; the IP
packets are unchanged. Exit 77 when the corpus is absent.
"""

import argparse
import collections
import csv
import ipaddress
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kbmodel as M  # noqa: E402
import kbreplay as R  # noqa: E402

FIELDS = ("sni", "http_host", "connect", "quic_sni")
# Compared and shown, but a difference there does not fail the test (none
# now: quic_sni is judged like the others).
INFO_FIELDS = ()
# Names compared as sent, with no port to strip.
TLS_FIELDS = ("sni", "quic_sni")


def strip_port(name):
    if name.startswith("["):
        return name[1:name.index("]")] if "]" in name else name
    if name.count(":") == 1:
        return name.split(":", 1)[0]
    return name


def canon_ip(s):
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


def read_any(path):
    """[(sec, frac, linktype, bytes)] of a pcap or pcapng file."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        frames, lt = M.read_pcap(path)
        return [(s, f, lt, b) for s, f, b in frames]
    out, ifaces, pos, end = [], [], 0, "<"
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":          # section header
            end = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        btype, blen = struct.unpack(end + "II", data[pos:pos + 8])
        if blen < 12:
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1:                                           # interface description
            ifaces.append(struct.unpack(end + "H", body[:2])[0])
        elif btype == 6:                                         # enhanced packet
            iface, hi, lo, caplen = struct.unpack(end + "IIII", body[:16])
            out.append((hi, lo, ifaces[iface] if iface < len(ifaces) else 1,
                        body[20:20 + caplen]))
        elif btype == 3:                                         # simple packet
            out.append((0, 0, ifaces[0] if ifaces else 1, body[4:]))
        pos += blen
    return out


def to_ethernet(src, dst):
    """A capture replay can read: the file itself when every frame is
    Ethernet, else the frames rewritten with an Ethernet header."""
    frames = read_any(src)
    kinds = {lt for _s, _f, lt, _b in frames}
    if kinds <= {1}:
        return src, None
    out = []
    for sec, frac, lt, b in frames:
        if lt == 1:
            out.append((sec, frac, b))
            continue
        if lt == 113:                     # Linux cooked (SLL)
            proto, body = struct.unpack("!H", b[14:16])[0], b[16:]
        elif lt == 276:                   # SLL2
            proto, body = struct.unpack("!H", b[0:2])[0], b[20:]
        elif lt in (101, 12, 14, 228, 229):   # raw IP, raw IPv4, raw IPv6
            if not b:
                continue
            proto, body = (0x86dd if b[0] >> 4 == 6 else 0x0800), b
        elif lt == 0:                     # BSD loopback: 4-byte family, host order
            fam = struct.unpack("<I", b[:4])[0]
            proto, body = (0x86dd if fam in (24, 28, 30) else 0x0800), b[4:]
        else:
            return None, "link type %d not handled" % lt
        out.append((sec, frac, b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
                    + struct.pack("!H", proto) + body))
    # Timestamps only order frames here; replay does not read them.
    M.write_pcap(dst, [(i // 1000000, i % 1000000, b) for i, (_s, _f, b) in enumerate(out)])
    return dst, "link types %s rewritten as Ethernet" % sorted(kinds)


def load_reference(path):
    rows = set()
    with open(path) as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            if r["field"] not in FIELDS + INFO_FIELDS:
                continue
            rows.add((r["pcap"], canon_ip(r["client_ip"]), int(r["client_port"]),
                      canon_ip(r["server_ip"]), int(r["server_port"]), r["field"],
                      strip_port(r["name"]) if r["field"] not in TLS_FIELDS else r["name"]))
    return rows


def load_differences(path):
    out = []
    if not path or not os.path.exists(path):
        return out
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            f = line.split("\t")
            if len(f) < 6:
                raise SystemExit("%s:%d: want 6 tab-separated columns" % (path, n))
            out.append({"pcap": f[0], "field": f[1], "client": f[2], "name": f[3],
                        "side": f[4], "reason": f[5], "line": n, "used": 0})
    return out


def explain(diffs, row, side):
    pcap, cip, cport, _sip, _sport, field, name = row
    for d in diffs:
        if d["side"] != side or d["pcap"] not in ("*", pcap) or d["field"] not in ("*", field):
            continue
        if d["client"] != "*" and d["client"] != "%s:%d" % (cip, cport):
            continue
        if d["name"] != "*" and d["name"] != name:
            continue
        d["used"] += 1
        return d
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--corpus", default=os.environ.get("KB_CORPUS"),
                    help="the corpus directory (default: $KB_CORPUS)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--differences", default=os.path.join(HERE, "corpus-differences.tsv"))
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()

    if not a.corpus:
        print("no corpus given (--corpus or KB_CORPUS): skipped")
        return 77
    ref_path = os.path.join(a.corpus, "names.tsv")
    pdir = os.path.join(a.corpus, "pcap")
    if not os.path.exists(ref_path) or not os.path.isdir(pdir):
        print("corpus not found at %s: skipped" % a.corpus)
        return 77
    os.makedirs(a.work, exist_ok=True)
    ref = load_reference(ref_path)
    diffs = load_differences(a.differences)

    got = set()
    other_fields = collections.Counter()
    problems = []
    t0 = time.monotonic()
    pcaps = sorted(os.listdir(pdir))
    for name in pcaps:
        src = os.path.join(pdir, name)
        inp, note = to_ethernet(src, os.path.join(a.work, name + ".eth.pcap"))
        if inp is None:
            problems.append("%s: %s" % (name, note))
            continue
        evp = os.path.join(a.work, name + ".events.json")
        if os.path.exists(evp):
            os.unlink(evp)         # kasblock appends to an events file
        rc, so, se, _dt, left = R.run_replay(a.kasblock, a.config, inp, None, evp)
        if rc != 0:
            problems.append("%s: kasblock exited %s: %s" % (name, rc, se.strip()[-300:]))
        # A pool that ran out would hide names (fail-open skips inspection).
        for line in so.splitlines():
            w = line.split()
            if w[:2] == ["pool", "exhausted"] and w[2].rstrip(",") != "0":
                problems.append("%s: inspection pool exhausted (%s): raise pool_slots"
                                % (name, w[2].rstrip(",")))
        if left:
            problems.append("%s: DPDK runtime entries left: %s" % (name, sorted(left)))
        san = R.sanitizer_report(se)
        if san:
            problems.append("%s: sanitizer: %s" % (name, san))
        evs, errs = R.read_events(evp)
        problems += ["%s: %s" % (name, e) for e in errs]
        for ev in evs:
            if ev.get("event") != "name":
                continue
            if ev.get("field") not in FIELDS + INFO_FIELDS:
                other_fields[ev.get("field")] += 1
                continue
            try:
                raw = ev.get("raw", ev.get("name"))
                row = (name, canon_ip(ev["src_ip"]), int(ev["src_port"]), canon_ip(ev["dest_ip"]),
                       int(ev["dest_port"]), ev["field"],
                       strip_port(raw) if ev["field"] not in TLS_FIELDS else raw)
            except (KeyError, ValueError, TypeError):
                problems.append("%s: name event without a tuple: %s" % (name, ev))
                continue
            got.add(row)
    elapsed = time.monotonic() - t0

    unexplained = []
    explained = collections.Counter()
    table = {f: collections.Counter() for f in FIELDS + INFO_FIELDS}
    for row in sorted(ref | got):
        f = row[5]
        if row in ref and row in got:
            table[f]["agree"] += 1
            continue
        side = "reference-only" if row in ref else "kasblock-only"
        table[f][side] += 1
        if f in INFO_FIELDS:
            continue
        d = explain(diffs, row, side)
        if d is None:
            unexplained.append((side, row))
        else:
            explained[(d["line"], d["reason"])] += 1
            if a.verbose:
                print("explained  %-14s %s  <- %s" % (side, "\t".join(map(str, row)), d["reason"]))
    for f in FIELDS + INFO_FIELDS:
        table[f]["reference"] = sum(1 for r in ref if r[5] == f)
        table[f]["kasblock"] = sum(1 for r in got if r[5] == f)

    print("corpus: %d captures replayed in %.1fs" % (len(pcaps), elapsed))
    print()
    print("| field | reference rows | kasblock names | agree | reference only | kasblock only | agreement |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for f in FIELDS + INFO_FIELDS:
        t = table[f]
        n = t["reference"]
        print("| %s | %d | %d | %d | %d | %d | %s |"
              % (f + (" (not judged)" if f in INFO_FIELDS else ""), n, t["kasblock"], t["agree"], t["reference-only"], t["kasblock-only"],
                 "%.1f%%" % (100.0 * t["agree"] / n) if n else "-"))
    info = collections.Counter((r[0], r[5], "reference-only" if r in ref else "kasblock-only")
                               for r in ref ^ got if r[5] in INFO_FIELDS)
    if info:
        print("\n%s differences by capture (not judged): %s" % (
            "/".join(INFO_FIELDS),
            ", ".join("%s %s %d" % (p, side, n) for (p, _f, side), n in sorted(info.items()))))
    if other_fields:
        print("\nother fields kasblock logged (not compared): %s"
              % ", ".join("%s %d" % kv for kv in sorted(other_fields.items(), key=str)))
    if explained:
        print("\nexplained differences:")
        for (line, reason), n in sorted(explained.items()):
            print("  %3d x  %s  (differences file line %d)" % (n, reason, line))
    stale = [d for d in diffs if d["used"] == 0]
    rc = 0
    if unexplained:
        rc = 1
        print("\nUNEXPLAINED differences (%d):" % len(unexplained))
        for side, row in unexplained:
            print("  %-14s %s" % (side, "\t".join(map(str, row))))
    if stale:
        rc = 1
        print("\nstale explanations (match nothing):")
        for d in stale:
            print("  line %d: %s %s %s %s" % (d["line"], d["pcap"], d["field"], d["client"], d["name"]))
    if problems:
        rc = 1
        print("\nreplay problems:")
        for p in problems:
            print("  " + p)
    return rc


if __name__ == "__main__":
    sys.exit(main())
