#!/usr/bin/python3
"""Turn capture.sh's raw captures into test data (maintainer tool).

For each expected file listed in WORK/expect.tsv it finds the client flow in
WORK/<stem>.pcap whose client->server bytes carry the expected name,
reassembles those bytes in sequence order (first 16 KiB) and writes:

  <stem>.tls.bin   the records that carry the first ClientHello, exactly
  <stem>.http.bin  the first request head, up to and including CRLF CRLF
  <stem>-tunnel.tls.bin  (CONNECT flows) the ClientHello sent in the tunnel
  <stem>.pcap      the capture, each flow cut to its first packets
  expected.tsv     file, kind, field, name(s), notes
  manifest.tsv     client, version, date and command line of each capture

The expected names come from the capture plan and are cross-checked with
tshark's own dissection of the pcap, so a wrong plan or a client that sent
something else fails here instead of producing bad test data.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys

from scapy.all import IP, IPv6, TCP, rdpcap, wrpcap  # noqa: E402

STREAM_MAX = 16384
PACKETS_PER_FLOW = 32

GROUP_NAMES = {
    0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
    0x001d: "x25519", 0x001e: "x448", 0x0100: "ffdhe2048",
    0x11ec: "x25519mlkem768", 0x6399: "x25519kyber768d00",
}


def die(msg):
    print("extract.py: " + msg, file=sys.stderr)
    sys.exit(1)


class Flow:
    def __init__(self, key, order):
        self.key = key              # (client ip, client port, server ip, server port)
        self.order = order
        self.isn = None
        self.segs = []              # (stream offset, bytes) client->server
        self.packets = []           # indexes into the capture

    def stream(self):
        """Contiguous client->server bytes from the first payload byte."""
        buf = bytearray()
        for off, data in sorted(self.segs, key=lambda s: s[0]):
            if off > len(buf):
                break
            if off + len(data) > len(buf):
                buf += data[len(buf) - off:]
            if len(buf) >= STREAM_MAX:
                break
        return bytes(buf[:STREAM_MAX])

    def seg_ranges(self):
        return sorted({(off, len(d)) for off, d in self.segs})


def ip_layer(pkt):
    if IP in pkt:
        return pkt[IP].src, pkt[IP].dst
    if IPv6 in pkt:
        return pkt[IPv6].src, pkt[IPv6].dst
    return None


def load_flows(path):
    pkts = rdpcap(path)
    flows = {}
    for i, pkt in enumerate(pkts):
        if TCP not in pkt:
            continue
        ips = ip_layer(pkt)
        if ips is None:
            continue
        t = pkt[TCP]
        fwd = (ips[0], t.sport, ips[1], t.dport)
        rev = (ips[1], t.dport, ips[0], t.sport)
        if fwd in flows:
            f, from_client = flows[fwd], True
        elif rev in flows:
            f, from_client = flows[rev], False
        else:
            # A new flow: the capture starts before every client connects, so
            # the first packet is the client's SYN.
            if not (t.flags & 0x02) or (t.flags & 0x10):
                continue
            f = flows[fwd] = Flow(fwd, len(flows))
            from_client = True
        f.packets.append(i)
        if from_client and (t.flags & 0x02):
            f.isn = t.seq
        payload = bytes(t.payload)
        if from_client and payload and f.isn is not None:
            off = (t.seq - f.isn - 1) & 0xFFFFFFFF
            if off < STREAM_MAX:
                f.segs.append((off, payload))
    return pkts, sorted(flows.values(), key=lambda f: f.order)


def tls_hello_end(b, start):
    """Offset just past the record that completes the first ClientHello."""
    off, hs, records = start, bytearray(), 0
    while True:
        if off + 5 > len(b):
            return None, records
        ctype, length = b[off], b[off + 3] << 8 | b[off + 4]
        if ctype != 22:
            return None, records
        hs += b[off + 5:off + 5 + length]
        off += 5 + length
        records += 1
        if off > len(b):
            return None, records
        if len(hs) >= 4 and hs[0] == 1:
            need = 4 + (hs[1] << 16 | hs[2] << 8 | hs[3])
            if len(hs) >= need:
                return off, records


def hello_facts(rec):
    """A few facts about a ClientHello for the notes column."""
    hs = bytearray()
    off = 0
    while off + 5 <= len(rec):
        length = rec[off + 3] << 8 | rec[off + 4]
        hs += rec[off + 5:off + 5 + length]
        off += 5 + length
    body_len = hs[1] << 16 | hs[2] << 8 | hs[3]
    p = 4 + 2 + 32
    p += 1 + hs[p]                                   # session id
    p += 2 + (hs[p] << 8 | hs[p + 1])                # cipher suites
    p += 1 + hs[p]                                   # compression methods
    ext_end = p + 2 + (hs[p] << 8 | hs[p + 1])
    p += 2
    exts, groups, alpn, versions = 0, [], [], []
    while p + 4 <= ext_end:
        etype, elen = hs[p] << 8 | hs[p + 1], hs[p + 2] << 8 | hs[p + 3]
        ed = hs[p + 4:p + 4 + elen]
        exts += 1
        if etype == 51 and len(ed) >= 2:             # key_share
            q = 2
            while q + 4 <= len(ed):
                g, kl = ed[q] << 8 | ed[q + 1], ed[q + 2] << 8 | ed[q + 3]
                if g & 0x0f0f == 0x0a0a:
                    groups.append("grease")
                else:
                    groups.append("%s(%dB)" % (GROUP_NAMES.get(g, "0x%04x" % g), kl))
                q += 4 + kl
        elif etype == 16 and len(ed) >= 2:           # ALPN
            q = 2
            while q < len(ed):
                n = ed[q]
                alpn.append(ed[q + 1:q + 1 + n].decode("ascii", "replace"))
                q += 1 + n
        elif etype == 43 and len(ed) >= 1:           # supported_versions
            for q in range(1, 1 + ed[0], 2):
                v = ed[q] << 8 | ed[q + 1]
                if v & 0x0f0f != 0x0a0a:
                    versions.append({0x0304: "1.3", 0x0303: "1.2", 0x0302: "1.1",
                                     0x0301: "1.0"}.get(v, "0x%04x" % v))
        p += 4 + elen
    facts = ["hello_len=%d" % body_len, "extensions=%d" % exts]
    if versions:
        facts.append("versions=" + "/".join(versions))
    if groups:
        facts.append("key_shares=" + "+".join(groups))
    if alpn:
        facts.append("alpn=" + "/".join(alpn))
    return facts


def segments_in(flow, start, end):
    """Sizes of the parts of each distinct TCP segment inside [start, end)."""
    parts = []
    for off, ln in flow.seg_ranges():
        lo, hi = max(off, start), min(off + ln, end)
        if lo < hi:
            parts.append(hi - lo)
    return parts


def tshark_names(pcap, client_port, kind, field):
    fields = {"sni": ["tls.handshake.extensions_server_name"],
              "http_host": ["http.host"],
              "connect": ["http.request.method", "http.request.uri"]}[field]
    filt = {"tls": "tls.handshake.type==1", "http": "http.request"}[kind]
    cmd = ["tshark", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tls.desegment_ssl_records:TRUE",
           "-Y", "(%s) && tcp.srcport==%d" % (filt, client_port),
           "-T", "fields", "-E", "separator=\t"]
    for fl in fields:
        cmd += ["-e", fl]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        cols = line.split("\t")
        if field == "connect":
            if cols[0] == "CONNECT":
                names.append(cols[1])
        elif cols[0]:
            names.append(cols[0])
    return names


def write_names(out, pcaps):
    """names.tsv for the kept captures, made the way the nDPI corpus's was
    (see /work/shared/corpus/ndpi/README.md): tshark with TCP and TLS
    reassembly, one row per client request, duplicates dropped. A CONNECT
    gives a connect row with the target's host (no port) besides its Host."""
    rows = []
    for pcap in pcaps:
        cmd = ["tshark", "-r", os.path.join(out, pcap),
               "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tls.desegment_ssl_records:TRUE",
               "-Y", "tls.handshake.type==1 || http.request", "-T", "fields",
               "-E", "separator=\t"]
        for fl in ["ip.src", "ipv6.src", "tcp.srcport", "udp.srcport", "ip.dst", "ipv6.dst",
                   "tcp.dstport", "udp.dstport", "tls.handshake.extensions_server_name",
                   "http.host", "http.request.method", "http.request.uri"]:
            cmd += ["-e", fl]
        res = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        for line in res.splitlines():
            (s4, s6, tsp, usp, d4, d6, tdp, udp, sni, host, method, uri) = line.split("\t")
            if not tsp:
                continue
            base = [pcap, "tcp", s4 or s6, tsp, d4 or d6, tdp]
            if sni:
                rows.append(base + ["sni", sni])
            if method == "CONNECT" and uri:
                rows.append(base + ["connect", uri.rsplit(":", 1)[0]])
            if host:
                rows.append(base + ["http_host", host])
    seen, uniq = set(), []
    for r in rows:
        if tuple(r) not in seen:
            seen.add(tuple(r))
            uniq.append(r)
    with open(os.path.join(out, "names.tsv"), "w") as fh:
        fh.write("pcap\tproto\tclient_ip\tclient_port\tserver_ip\tserver_port\tfield\tname\n")
        for r in uniq:
            fh.write("\t".join(r) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, help="capture.sh's work directory")
    ap.add_argument("--out", required=True, help="where the test data goes")
    args = ap.parse_args()

    with open(os.path.join(args.work, "expect.tsv")) as fh:
        expect = list(csv.DictReader(fh, delimiter="\t"))
    with open(os.path.join(args.work, "manifest.tsv")) as fh:
        manifest = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))

    cache = {}
    rows = []
    for e in expect:
        fname, kind, field, name = e["file"], e["kind"], e["field"], e["name"]
        tunnel = fname.endswith("-tunnel.tls.bin")
        stem = fname.rsplit(".", 2)[0]
        if tunnel:
            stem = stem[:-len("-tunnel")]
        pcap = os.path.join(args.work, stem + ".pcap")
        if pcap not in cache:
            cache[pcap] = load_flows(pcap)
        _, flows = cache[pcap]

        needle = name.encode()
        if field == "sni" or field == "connect":
            needle = name.split(":")[0].encode() if field == "sni" else name.encode()
        def fits(f):
            b = f.stream()
            if needle not in b or not b:
                return False
            # A TLS flow to the same name (an HTTPS upgrade, say) is not the
            # HTTP capture, and the other way round.
            return (b[0] == 0x16) == (kind == "tls" and not tunnel)
        flow = next((f for f in flows if fits(f)), None)
        if flow is None:
            die("%s: no flow in %s carries %r" % (fname, pcap, name))
        s = flow.stream()

        start = 0
        if tunnel:
            start = s.find(b"\r\n\r\n") + 4
            if start < 4:
                die("%s: no CONNECT head" % fname)
        if kind == "tls":
            end, records = tls_hello_end(s, start)
            if end is None:
                die("%s: no complete ClientHello in the first %d bytes" % (fname, len(s)))
            notes = ["bytes=%d" % (end - start), "records=%d" % records]
            notes += hello_facts(s[start:end])
        else:
            end = s.find(b"\r\n\r\n")
            if end < 0:
                die("%s: no complete request head" % fname)
            end += 4
            line = s[:s.find(b"\r\n")].decode("ascii", "replace")
            notes = ["bytes=%d" % end, "request=%s" % line.replace("\t", " "),
                     "header_lines=%d" % (s[:end].count(b"\r\n") - 2)]
        parts = segments_in(flow, start, end)
        notes.insert(1, "segments=%d(%s)" % (len(parts), "+".join(map(str, parts))))
        notes.append("flow=%s:%d->%s:%d" % flow.key)

        got = tshark_names(pcap, flow.key[1], kind, field)
        want = [n for n in name.split(",")]
        if field == "sni" and tunnel:
            # tshark may not follow the CONNECT tunnel; then our own bytes
            # are the only check, and say so.
            if not got:
                notes.append("tshark_tunnel=not_dissected")
                got = want
        if sorted(set(got)) != sorted(want):
            die("%s: tshark sees %r, plan says %r" % (fname, got, want))

        with open(os.path.join(args.out, fname), "wb") as fh:
            fh.write(s[start:end])
        rows.append([fname, kind, field, name, " ".join(notes)])
        print("%-30s %-4s %-9s %-30s %s" % (fname, kind, field, name, " ".join(notes)))

    # Keep the captures small: the first packets of every flow.
    for pcap, (pkts, flows) in cache.items():
        keep = sorted(i for f in flows for i in f.packets[:PACKETS_PER_FLOW])
        dst = os.path.join(args.out, os.path.basename(pcap))
        if len(keep) == len(pkts):
            shutil.copyfile(pcap, dst)
        else:
            wrpcap(dst, [pkts[i] for i in keep])

    with open(os.path.join(args.out, "expected.tsv"), "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["file", "kind", "field", "name", "notes"])
        w.writerows(rows)
    # The commands went through printf %q: one line each, no tabs.
    with open(os.path.join(args.out, "manifest.tsv"), "w") as fh:
        fh.write("pcap\tclient\tversion\tdate\tcommand\n")
        for m in manifest:
            fh.write("\t".join([m["stem"] + ".pcap", m["client"], m["version"],
                                 m["date"], m["command"].strip()]) + "\n")
    write_names(args.out, sorted(os.path.basename(p) for p in cache))

if __name__ == "__main__":
    main()
