#!/usr/bin/env python3
"""Names our parsers find in real captures, against a tshark reference list.

    corpus_compare.py --tool BUILD/tests/tools/corpus_names
                      [--corpus DIR] [--differences FILE] [--show-matched]

DIR (default: $KB_CORPUS, else ../shared/corpus/ndpi beside the source tree)
holds the captures (in DIR/pcap/, or DIR itself) and names.tsv: pcap, proto,
client_ip, client_port, server_ip, server_port, field, name; one row per
client request, duplicates dropped (the corpus README says how tshark made
it). corpus_names prints rows in the same columns.

Compared: the rows of fields sni, http_host and connect, as sets (names.tsv
is deduplicated, so our rows are too). quic_sni rows are out of scope until
QUIC is supported and only counted; so are our uri_host rows (the host of an
absolute-form target, which names.tsv does not list).

Every difference must be explained by a row of the differences file
(tests/data/corpus/expected-differences.tsv):

    pcap  field  client  name  side  reason

client is ip:port (ip as printed, [v6]:port for IPv6) or *, name a name or
*, side "missing" (in names.tsv, not found by us) or "extra" (found by us,
not in names.tsv). A difference no row explains fails the run, and so does a
row (for a capture of this corpus) that explains nothing: the file stays
true. Exit 0 when all is explained, 1 otherwise, 77 when the corpus is
absent (meson's skip).
"""

import argparse
import collections
import csv
import os
import re
import subprocess
import sys

FIELDS = ("sni", "http_host", "connect")
HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))


def client_str(ip, port):
    return ("[%s]:%s" if ":" in ip.split(",")[-1] else "%s:%s") % (ip, port)


def read_reference(path):
    ref, quic, other = set(), collections.Counter(), collections.Counter()
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = (row["pcap"], row["proto"], row["client_ip"], row["client_port"],
                   row["server_ip"], row["server_port"], row["field"], row["name"])
            if row["field"] in FIELDS:
                ref.add(key)
            elif row["field"] == "quic_sni":
                quic[row["pcap"]] += 1
            else:
                other[row["field"]] += 1
    return ref, quic, other


def read_differences(path):
    rows = []
    if not path or not os.path.exists(path):
        return rows
    with open(path, newline="") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0] == "pcap" and cols[1] == "field":
                continue
            if len(cols) != 6 or cols[4] not in ("missing", "extra") or not cols[5].strip():
                sys.exit("%s:%d: want 6 tab-separated columns: pcap field client name "
                         "side(missing|extra) reason" % (path, n))
            rows.append({"pcap": cols[0], "field": cols[1], "client": cols[2],
                         "name": cols[3], "side": cols[4], "reason": cols[5], "line": n})
    return rows


def explains(d, key, side):
    pcap, _, cip, cport, _, _, field, name = key
    return (d["side"] == side and d["pcap"] == pcap and d["field"] == field and
            d["client"] in ("*", client_str(cip, cport)) and d["name"] in ("*", name))


NDPI_FLOW = re.compile(r"\tTCP (\[?[0-9A-Fa-f.:]+\]?):(\d+) <-> (\[?[0-9A-Fa-f.:]+\]?):(\d+) "
                       r"\[proto: [^\]]*\].*?\[Hostname/SNI: ([^\]]*)\]")


def ndpi_crosscheck(resdir, pcaps, rows):
    """nDPI's own per-flow results (DIR/result/<pcap>.out), when present:
    how many TCP flows it gives a hostname for get the same name from us
    (host part, case-insensitive; nDPI lower-cases and drops the port).
    Informational: nDPI is another reference, not this test's."""
    ours = collections.defaultdict(set)
    for r in rows:
        cip, sip = r[2].split(",")[-1], r[4].split(",")[-1]
        host = r[7].lower()
        if not host.startswith("["):
            host = host.split(":")[0]
        ours[(r[0], cip, r[3], sip, r[5])].add(host)
        ours[(r[0], sip, r[5], cip, r[3])].add(host)
    total, same, odd = 0, 0, []
    for p in pcaps:
        path = os.path.join(resdir, p + ".out")
        if not os.path.isfile(path):
            continue
        with open(path, errors="replace") as fh:
            for line in fh:
                m = NDPI_FLOW.search(line)
                if not m:
                    continue
                a, ap, b, bp, host = m.groups()
                total += 1
                if host.lower() in ours.get((p, a.strip("[]"), ap, b.strip("[]"), bp), ()):
                    same += 1
                else:
                    odd.append("%s %s:%s > %s:%s %s" % (p, a, ap, b, bp, host))
    return total, same, odd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--corpus", default=os.environ.get(
        "KB_CORPUS", os.path.join(SRC_ROOT, "..", "shared", "corpus", "ndpi")))
    ap.add_argument("--differences", default=os.path.join(
        SRC_ROOT, "tests", "data", "corpus", "expected-differences.tsv"))
    ap.add_argument("--show-matched", action="store_true")
    args = ap.parse_args()

    names = os.path.join(args.corpus, "names.tsv")
    capdir = os.path.join(args.corpus, "pcap")
    if not os.path.isdir(capdir):
        capdir = args.corpus
    if not os.path.isfile(names):
        print("corpus_compare: no %s: skipped" % names)
        return 77
    pcaps = sorted(f for f in os.listdir(capdir) if f.endswith((".pcap", ".pcapng")))
    if not pcaps:
        print("corpus_compare: no captures in %s: skipped" % capdir)
        return 77

    ref, quic, other = read_reference(names)
    diffs = [d for d in read_differences(args.differences) if d["pcap"] in pcaps]

    # One run over all files; -s gives a per-file summary on stderr.
    res = subprocess.run([args.tool, "-s"] + [os.path.join(capdir, p) for p in pcaps],
                         capture_output=True, text=True, errors="surrogateescape")
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        print("corpus_compare: %s exited %d" % (args.tool, res.returncode))
        return 1
    ours, uri_hosts, all_rows = set(), 0, []
    for line in res.stdout.splitlines():
        cols = line.split("\t")
        if len(cols) != 8:
            print("corpus_compare: bad row from the tool: %r" % line)
            return 1
        all_rows.append(cols)
        if cols[6] == "uri_host":
            uri_hosts += 1
            continue
        ours.add(tuple(cols))

    matched = ref & ours
    missing = sorted(ref - ours)
    extra = sorted(ours - ref)
    unexplained, used = [], set()
    for side, rows in (("missing", missing), ("extra", extra)):
        for key in rows:
            hit = [d for d in diffs if explains(d, key, side)]
            if hit:
                used.update(d["line"] for d in hit)
            else:
                unexplained.append((side, key))
    stale = [d for d in diffs if d["line"] not in used]

    print("corpus: %s (%d captures)" % (args.corpus, len(pcaps)))
    print("%-10s %8s %8s %8s %8s" % ("field", "tshark", "matched", "missing", "extra"))
    for fld in FIELDS:
        r = sum(1 for k in ref if k[6] == fld)
        print("%-10s %8d %8d %8d %8d" % (
            fld, r, sum(1 for k in matched if k[6] == fld),
            sum(1 for k in missing if k[6] == fld), sum(1 for k in extra if k[6] == fld)))
    print("%-10s %8d %8d %8d %8d" % ("all", len(ref), len(matched), len(missing), len(extra)))
    print("out of scope: %d quic_sni rows in %d captures (QUIC not inspected); "
          "%d uri_host rows of ours (absolute-form targets, not in names.tsv)%s" % (
              sum(quic.values()), len(quic), uri_hosts,
              "; other fields: %s" % dict(other) if other else ""))
    print("explained differences: %d of %d (%d explanation rows used)" % (
        len(missing) + len(extra) - len(unexplained), len(missing) + len(extra), len(used)))
    resdir = os.path.join(args.corpus, "result")
    if os.path.isdir(resdir):
        total, same, odd = ndpi_crosscheck(resdir, pcaps, all_rows)
        print("nDPI cross-check (informational): %d of %d TCP flows nDPI names get the same "
              "name from us" % (same, total))
        for o in odd:
            print("  nDPI only: " + o)
    if args.show_matched:
        for k in sorted(matched):
            print("matched\t" + "\t".join(k))
    for side, key in unexplained:
        print("UNEXPLAINED %s\t%s\t%s\t%s\t%s" % (
            side, key[0], key[6], client_str(key[2], key[3]), key[7]))
    for d in stale:
        print("STALE explanation (line %d)\t%s\t%s\t%s\t%s\t%s" % (
            d["line"], d["pcap"], d["field"], d["client"], d["name"], d["side"]))
    if unexplained or stale:
        print("FAIL: %d unexplained difference(s), %d stale explanation(s)" % (
            len(unexplained), len(stale)))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
