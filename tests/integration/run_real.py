#!/usr/bin/python3
"""Replays the real-client captures of tests/data/real/ (curl, openssl,
gnutls-cli, wget, Python, Chromium; README.md there) through kasblock and
checks them like the generated cases: flows to barred names blocked with
two well-formed resets and one event, every other frame forwarded
byte-identical and in order, each extracted name logged as sent.

    run_real.py --kasblock BIN --config CONF --data tests/data/real --work DIR

Which flow carries which name comes from expected.tsv (its notes hold
flow=client:port->server:port). A flow without a row (Chromium opens
spare connections) is judged by its own bytes: if a barred name is in the
client's first bytes it must be blocked, else it must pass. Exit 77 when
the directory holds no capture.
"""

import argparse
import csv
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import gen_cases as G  # noqa: E402
except ImportError as e:          # scapy: only Debian's /usr/bin/python3 has it
    print("cannot import the generator (%s): skipped" % e)
    sys.exit(77)
import kbmodel as M  # noqa: E402
import kbreplay as R  # noqa: E402


def tcp_flows(frames):
    """{(client ip, port, server ip, port)} of every flow whose SYN is in
    the capture, in order of first SYN."""
    out = []
    for b in frames:
        p = M.parse(b)
        if p.proto == 6 and p.flags is not None and p.flags & M.TCP_SYN and not p.flags & M.TCP_ACK:
            k = (str(p.src), p.sport, str(p.dst), p.dport)
            if k not in out:
                out.append(k)
    return out


def client_stream(frames, key):
    fx = M.FlowExp("x", "TCP", key[:2], key[2:], "pass")
    s = M.Stream()
    for b in frames:
        p = M.parse(b)
        if M.direction(p, fx) == "c2s":
            if p.flags & M.TCP_SYN:
                s.base = (p.seq + 1) & 0xffffffff
            elif p.payload:
                s.add(p.seq, p.payload)
    return s.bytes()


def parse_flow_note(notes):
    for w in notes.split():
        if w.startswith("flow="):
            a, b = w[5:].split("->")
            ca, cp = a.rsplit(":", 1)
            sa, sp = b.rsplit(":", 1)
            return (ca.strip("[]"), int(cp), sa.strip("[]"), int(sp))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()

    pcaps = sorted(glob.glob(os.path.join(a.data, "*.pcap")))
    tsv = os.path.join(a.data, "expected.tsv")
    if not pcaps or not os.path.exists(tsv):
        print("no real captures in %s: skipped" % a.data)
        return 77
    with open(tsv) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    os.makedirs(a.work, exist_ok=True)

    failed = 0
    outputs = []
    results = {}
    for pcap in pcaps:
        stem = os.path.basename(pcap)[:-5]
        frames = [b for _s, _f, b in M.read_pcap(pcap)[0]]
        keys = tcp_flows(frames)
        mine = [r for r in rows if r["file"].split(".")[0] == stem
                or r["file"].split(".")[0] == stem + "-tunnel"]
        flows, exp, desc = [], {}, []
        for n, key in enumerate(keys):
            fid = "%s:%d" % (key[0], key[1])
            rs = [r for r in mine if parse_flow_note(r["notes"]) == key]
            names = []
            barred = None
            for r in rs:
                # A "-tunnel" row is the hello inside a CONNECT tunnel: read
                # after the CONNECT head, so its SNI is logged after it.
                for nm in r["name"].split(","):
                    names.append((r["field"], G.norm(nm), nm))
            for field, norm, _raw in names:
                if norm in G.BARRED and barred is None:
                    barred = (field, norm)
            if not rs:
                s = client_stream(frames, key)
                for nm in G.BARRED:
                    if nm.encode() in s.lower():
                        barred = ("sni" if s[:1] == b"\x16" else "http_host", nm)
                        break
                names = None      # not listed: names not judged
            if barred is not None and names:
                # Names after the deciding one are never extracted.
                cut = next(i for i, x in enumerate(names) if x[1] == barred[1])
                names = names[:cut + 1]
            verdict = "block" if barred else "pass"
            flows.append(M.FlowExp(fid, "TCP", key[:2], key[2:], verdict,
                                   name=barred[1] if barred else None))
            ev = None
            if barred:
                sig, cat = G.BARRED[barred[1]]
                ev = {"field": barred[0], "name": barred[1], "signature_id": sig,
                      "category": cat, "action": G.ACTION}
            exp[fid] = {"action": G.ACTION if barred else None, "event": ev, "names": names}
            desc.append("%s %s%s" % (fid, verdict, " (%s %s)" % barred if barred else ""))
        out = os.path.join(a.work, stem + ".out.pcap")
        evp = os.path.join(a.work, stem + ".events.json")
        for p in (out, evp):
            if os.path.exists(p):
                os.unlink(p)
        rc, so, se, dt, left = R.run_replay(a.kasblock, a.config, pcap, out, evp)
        fails = []
        if rc != 0:
            fails.append("kasblock exited %s; stderr: %s" % (rc, se.strip()[-600:]))
        if left:
            fails.append("DPDK runtime entries left: %s" % sorted(left))
        san = R.sanitizer_report(se)
        if san:
            fails.append("sanitizer: %s" % san)
        out_frames = [b for _s, _f, b in M.read_pcap(out)[0]] if os.path.exists(out) else []
        events, errs = R.read_events(evp)
        fails += errs
        try:
            f2, info = R.check_output(stem, frames, out_frames, flows, exp, events)
            fails += f2
            outputs.append((stem, out_frames, [k for k, _fid, _d in info["rsts"]]))
        except ValueError as e:
            fails.append("model: %s" % e)
        results[stem] = fails
        print("%-4s %-22s %5.2fs  %s" % ("ok" if not fails else "FAIL", stem, dt, "; ".join(desc)))
    n_rst = sum(len(r) for _n, _o, r in outputs)
    for stem, msgs in R.tshark_outputs(outputs, os.path.join(a.work, "outputs.pcap")).items():
        results.setdefault(stem, []).extend(msgs)
    for stem, fails in results.items():
        if fails:
            failed += 1
            print("\n== %s" % stem)
            for f in fails:
                print("   " + f)
    print("\n%d of %d real captures passed, %d resets checked by tshark"
          % (len(results) - failed, len(results), n_rst))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
