#!/usr/bin/python3
"""Replays the generated integration captures through kasblock and checks
every frame, reset and event (docs/integration-tests.md).

    run_cases.py --kasblock BIN --config CONF --work DIR [--group G]... [--case C]...
    run_cases.py --selfcheck --work DIR [--group G]...

--selfcheck needs no kasblock: it builds the captures, has tshark dissect
them (every generated name must be what tshark reads, every checksum good)
and checks that the model and the generator agree on where each verdict
falls. Exit status: 0 all passed, 1 some failed, 77 nothing to run.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import gen_cases as G  # noqa: E402
except ImportError as e:          # scapy: only Debian's /usr/bin/python3 has it
    print("cannot import the generator (%s): skipped" % e)
    sys.exit(77)
import kbmodel as M  # noqa: E402
import kbreplay as R  # noqa: E402


def flow_exps(meta):
    flows, exp, hints = [], {}, {}
    for f in meta["flows"]:
        ev = f.get("event") or {}
        policy = ev.get("reason") == "conflict"
        flows.append(M.FlowExp(f["id"], f["proto"], f["client"], f["server"],
                               "block" if f["verdict"] == "block" else "pass",
                               name=ev.get("name"), policy=policy))
        exp[f["id"]] = {
            "action": ev.get("action", G.ACTION) if f["verdict"] == "block" else None,
            "event": ev if f["verdict"] == "block" else None,
            # UDP flows may or may not have names extracted (DNS, QUIC): not judged.
            "names": ([(n["field"], n["name"], n["raw"]) for n in f["names"]]
                      if f["proto"] == "TCP" else None),
        }
        if f["verdict"] == "block":
            hints[f["id"]] = f["decision_frame"]
    return flows, exp, hints


def selfcheck(cases, work):
    fails = 0
    for c in cases:
        cap, meta = G.build(c)
        path = os.path.join(work, meta["name"] + ".pcap")
        cap.write(path)
        frames = [b for _s, _f, b in M.read_pcap(path)[0]]
        flows, exp, hints = flow_exps(meta)
        errs = []
        try:
            keep, res = M.expected_output(frames, flows)
            for fid, h in hints.items():
                if res[fid].decision != h:
                    errs.append("flow %s: generator decides at frame %d, model at %s"
                                % (fid, h + 1, res[fid].decision))
        except ValueError as e:
            errs.append("model: %s" % e)
        errs += tshark_names(path, meta)
        status = "ok" if not errs else "FAIL"
        print("%-4s %s (%d frames)" % (status, meta["name"], len(frames)))
        for e in errs:
            print("     " + e)
        fails += bool(errs)
    return fails


def tshark_names(path, meta):
    """tshark's reading of a generated capture: good checksums, and the
    names (sni / http host / connect) the case says the client sends."""
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.check_checksum:TRUE",
           "-o", "ip.check_checksum:TRUE", "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "tls.desegment_ssl_records:TRUE",
           "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "fields", "-E", "separator=\t",
           "-e", "frame.number", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
           "-e", "tls.handshake.extensions_server_name", "-e", "http.host",
           "-e", "http.request.method", "-e", "http.request.uri"]
    cp = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errs = []
    seen = []
    for line in cp.stdout.decode().splitlines():
        f = line.split("\t") + [""] * 7
        if f[1] == "0" or f[2] == "0":
            errs.append("tshark: bad checksum in frame %s" % f[0])
        for n in f[3].split(","):
            if n:
                seen.append(("sni", n))
        # Several requests in one frame (pipelining) come comma-joined.
        for method, uri in zip(f[5].split(","), f[6].split(",")):
            if method == "CONNECT":
                seen.append(("connect", uri))
            elif "://" in uri:
                seen.append(("http_host", uri.split("://", 1)[1].split("/", 1)[0]))
        for h in f[4].split(","):
            if h:
                seen.append(("http_host", h))
    want = []
    for fl in meta["flows"]:
        if fl["proto"] != "TCP":
            continue
        for n in fl["names"]:
            want.append((n["field"], n["raw"]))
    for w in want:
        if w not in seen:
            errs.append("tshark does not see %s %r in the capture (it sees %s)" % (w[0], w[1], seen))
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock")
    ap.add_argument("--config")
    ap.add_argument("--work", required=True)
    ap.add_argument("--group", action="append", default=[])
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--selfcheck", action="store_true")
    ap.add_argument("--timeout", type=int, default=60)
    a = ap.parse_args()

    cases = G.cases(a.group)
    if a.case:
        cases = [c for c in cases if c["name"] in a.case]
    if not cases:
        print("no cases selected")
        return 77
    os.makedirs(a.work, exist_ok=True)
    if a.selfcheck:
        return 1 if selfcheck(cases, a.work) else 0
    if not a.kasblock or not a.config:
        ap.error("--kasblock and --config are needed (or --selfcheck)")

    t_start = time.monotonic()
    failed = 0
    outputs = []               # (case, output frames, reset indexes): one tshark pass
    per_case_fail = {}
    for c in cases:
        cap, meta = G.build(c)
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
        rc, so, se, dt, left = R.run_replay(a.kasblock, conf, inp, out, evp,
                                            timeout=a.timeout)
        fails = []
        if rc != 0:
            fails.append("kasblock exited %s; stderr: %s" % (rc, se.strip()[-600:]))
        if left:
            fails.append("DPDK runtime entries left in %s: %s" % (R.DPDK_RUN_DIR, sorted(left)))
        san = R.sanitizer_report(se)
        if san:
            fails.append("sanitizer: %s" % san)
        if os.path.exists(out):
            try:
                out_frames = [b for _s, _f, b in M.read_pcap(out)[0]]
            except ValueError as e:
                out_frames = []
                fails.append(str(e))
        else:
            out_frames = []
            if rc == 0:
                fails.append("no output pcap written")
        events, errs = R.read_events(evp)
        fails += errs
        flows, exp, hints = flow_exps(meta)
        if rc == 0 or out_frames:
            try:
                f2, info = R.check_output(name, in_frames, out_frames, flows, exp, events,
                                          notes=meta["notes"], decision_hints=hints)
                fails += f2
                outputs.append((name, out_frames, [k for k, _fid, _d in info["rsts"]]))
            except ValueError as e:
                fails.append("model: %s" % e)
        per_case_fail[name] = fails
        print("%-4s %-34s %5.2fs  %s" % ("ok" if not fails else "FAIL", name, dt, c["desc"]))
        sys.stdout.flush()

    # tshark reads every output of the group (one pass), checksums validated.
    n_rst = sum(len(r) for _n, _o, r in outputs)
    for name, msgs in R.tshark_outputs(outputs, os.path.join(a.work, "outputs.pcap")).items():
        per_case_fail.setdefault(name, []).extend(msgs)
    for name, fails in per_case_fail.items():
        if fails:
            failed += 1
            print("\n== %s" % name)
            for f in fails:
                print("   " + f)
    print("\n%d of %d cases passed, %.1fs, %d resets checked by tshark"
          % (len(per_case_fail) - failed, len(per_case_fail), time.monotonic() - t_start,
             n_rst))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
