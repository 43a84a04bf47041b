"""Running kasblock's replay mode and judging what it wrote.

check_output() compares one replay (input frames, output frames, event
lines) with the model's expectations (kbmodel.expected_output) and returns
a list of failures, each a sentence that names the frame, flow and field
that differ. tshark_resets() has tshark read the resets with checksum
validation on.
"""

import ipaddress
import json
import os
import subprocess
import time

import kbmodel as M

DPDK_RUN_DIR = "/var/run/dpdk"


def dpdk_run_entries():
    try:
        return set(os.listdir(DPDK_RUN_DIR))
    except FileNotFoundError:
        return set()


def run_replay(kasblock, config, inp, out, events, log_names=True, timeout=60, extra=()):
    """Runs one replay. Returns (returncode, stdout, stderr, seconds, left):
    left lists the /var/run/dpdk entries named after this process (replay
    uses the file prefix kb-replay-<pid>) that are still there after it
    exited: replay must remove its runtime directory."""
    cmd = [kasblock, "-c", config, "-r", inp]
    if out:
        cmd += ["-w", out]
    if events:
        cmd += ["--events", events]
    if log_names:
        cmd.append("--log-names")
    cmd += list(extra)
    t0 = time.monotonic()
    pr = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        so, se = pr.communicate(timeout=timeout)
        rc = pr.returncode
    except subprocess.TimeoutExpired:
        pr.kill()
        so, se = pr.communicate()
        rc = "timeout (%ds)" % timeout
    dt = time.monotonic() - t0
    left = {x for x in dpdk_run_entries() if x.endswith("-%d" % pr.pid) or x == str(pr.pid)}
    return rc, so.decode(errors="replace"), se.decode(errors="replace"), dt, left


def sanitizer_report(stderr):
    """The first line of an ASan/UBSan/LSan report in stderr, or None: a
    sanitizer build may print a finding and still exit 0."""
    for line in stderr.splitlines():
        if ("runtime error:" in line or "AddressSanitizer" in line
                or "LeakSanitizer" in line or "UndefinedBehaviorSanitizer" in line):
            return line.strip()
    return None


def read_events(path):
    """(events, errors): every line must be one JSON object."""
    evs, errs = [], []
    if not os.path.exists(path):
        return evs, ["events file %s was not written" % path]
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError as e:
                errs.append("events line %d is not JSON (%s): %r" % (n, e, line[:120]))
                continue
            if not isinstance(ev, dict):
                errs.append("events line %d is not an object" % n)
                continue
            evs.append(ev)
    return evs, errs


def _ip_eq(a, b):
    try:
        return ipaddress.ip_address(str(a)) == ipaddress.ip_address(str(b))
    except ValueError:
        return False


def event_flow(ev, flows):
    """The flow an event names (src = client), 'reversed' when it names one
    with client and server swapped, or None."""
    for fx in flows:
        try:
            sp, dp = int(ev.get("src_port", -1)), int(ev.get("dest_port", -1))
        except (TypeError, ValueError):
            return None, False
        if (_ip_eq(ev.get("src_ip"), fx.client[0]) and sp == fx.client[1]
                and _ip_eq(ev.get("dest_ip"), fx.server[0]) and dp == fx.server[1]):
            return fx, False
        if (_ip_eq(ev.get("src_ip"), fx.server[0]) and sp == fx.server[1]
                and _ip_eq(ev.get("dest_ip"), fx.client[0]) and dp == fx.client[1]):
            return fx, True
    return None, False


def fmt_frame(i, notes):
    n = notes[i] if notes and i < len(notes) else ""
    return "input frame %d%s" % (i + 1, " (%s)" % n if n else "")


def check_output(name, in_frames, out_frames, flows, exp, events, notes=None,
                 log_names=True, decision_hints=None):
    """flows: [kbmodel.FlowExp]; exp: flow id -> dict with
         action ("reset" | "drop" | "monitor" | None), event (dict of
         fields that must match, or None: only the tuple), names
         ([(field, name, raw)] or None: not checked)
    decision_hints: flow id -> frame index the generator computed.
    Returns (failures, info) where info holds the reset frames for tshark."""
    fails = []
    keep, res = M.expected_output(in_frames, flows)

    # Cross-check the generator's decision frames with the model's.
    for fid, hint in (decision_hints or {}).items():
        if hint is not None and res[fid].decision != hint:
            fails.append("MODEL: flow %s: generator says %s decides, model says %s"
                         % (fid, fmt_frame(hint, notes),
                            fmt_frame(res[fid].decision, notes)
                            if res[fid].decision is not None else "nothing"))

    # Monitor flows are forwarded whole.
    for fx in flows:
        if exp[fx.fid].get("action") == "monitor":
            for i in res[fx.fid].frames:
                keep[i] = True

    in_set = set(in_frames)
    known = [b for b in out_frames if b in in_set]
    extra = [(k, b) for k, b in enumerate(out_frames) if b not in in_set]
    want = [b for i, b in enumerate(in_frames) if keep[i]]
    want_idx = [i for i in range(len(in_frames)) if keep[i]]

    # In-order, byte-identical comparison of the forwarded frames.
    if known != want:
        fails += _diff_frames(in_frames, want, want_idx, known, keep, notes)

    # Injected frames: resets only, two per reset flow.
    rst_info = []
    got_rst = {}
    for k, b in extra:
        p = M.parse(b)
        fx = None
        for f in flows:
            if M.direction(p, f) is not None:
                fx = f
                break
        if p.proto != 6 or p.flags is None or not p.flags & M.TCP_RST or fx is None:
            fails.append("output frame %d is not in the input and is not a reset of a "
                         "listed flow (%d bytes: %s)" % (k + 1, len(b), b[:64].hex()))
            continue
        d = M.direction(p, fx)
        got_rst.setdefault(fx.fid, []).append((k, d, p))
        rst_info.append((k, fx.fid, d))
    for fx in flows:
        r = res[fx.fid]
        e = exp[fx.fid]
        rsts = got_rst.get(fx.fid, [])
        if fx.verdict == "block" and e.get("action") == "reset":
            fails += _check_resets(fx, r, rsts, notes)
        elif rsts:
            fails.append("flow %s (%s): %d reset(s) injected, none expected"
                         % (fx.fid, "pass" if fx.verdict != "block" else e.get("action"),
                            len(rsts)))

    fails += _check_events(flows, exp, events, log_names)
    return fails, {"keep": keep, "res": res, "rsts": rst_info}


def _diff_frames(in_frames, want, want_idx, known, keep, notes):
    import difflib
    missing, inserted = [], []
    sm = difflib.SequenceMatcher(a=want, b=known, autojunk=False)
    for tag, a0, a1, b0, b1 in sm.get_opcodes():
        if tag in ("delete", "replace"):
            missing += [want_idx[a] for a in range(a0, a1)]
        if tag in ("insert", "replace"):
            inserted += [(b, known[b]) for b in range(b0, b1)]
    out = []
    moved = {in_frames[i] for i in missing} & {b for _k, b in inserted}
    for i in missing:
        if in_frames[i] in moved:
            out.append("out of order in the output: %s" % fmt_frame(i, notes))
        else:
            out.append("missing from the output: %s (must be forwarded untouched)"
                       % fmt_frame(i, notes))
    for k, b in inserted:
        if b in moved:
            continue
        idx = [i for i, x in enumerate(in_frames) if x == b]
        if all(not keep[i] for i in idx):
            out.append("forwarded but must be dropped: %s" % fmt_frame(idx[0], notes))
        else:
            out.append("forwarded twice: %s (output position %d)" % (fmt_frame(idx[0], notes), k + 1))
    return out[:40]


def _check_resets(fx, r, rsts, notes):
    fails = []
    to_srv = [x for x in rsts if x[1] == "c2s"]
    to_cli = [x for x in rsts if x[1] == "s2c"]
    if len(to_srv) != 1 or len(to_cli) != 1:
        fails.append("flow %s: want one reset toward the server and one toward the client, "
                     "got %d and %d" % (fx.fid, len(to_srv), len(to_cli)))
    for k, d, p in rsts:
        who = "reset toward the %s (output frame %d)" % ("server" if d == "c2s" else "client", k + 1)
        want_seq = r.server_rcv_nxt if d == "c2s" else r.client_rcv_nxt
        win = r.server_win if d == "c2s" else r.client_win
        if want_seq is not None and p.seq != want_seq:
            inwin = M.seq_in_window(p.seq, want_seq, win)
            fails.append("flow %s: %s has seq %d, want %d (the %s's RCV.NXT): %s"
                         % (fx.fid, who, p.seq, want_seq,
                            "server" if d == "c2s" else "client",
                            "in window but not exact, so RFC 5961 stacks answer with a "
                            "challenge ACK instead of closing" if inwin else
                            "outside the receive window (%s bytes), ignored" % win))
        if p.ipv != r.ipv:
            fails.append("flow %s: %s is IPv%s, the flow IPv%s" % (fx.fid, who, p.ipv, r.ipv))
        if p.vlans != r.vlans:
            fails.append("flow %s: %s carries tags %s, the flow %s" % (fx.fid, who, p.vlans, r.vlans))
        if r.macs is not None:
            cm, sm = r.macs
            want_src, want_dst = (cm, sm) if d == "c2s" else (sm, cm)
            if (p.src_mac, p.dst_mac) != (want_src, want_dst):
                fails.append("flow %s: %s MACs %s -> %s, want %s -> %s"
                             % (fx.fid, who, p.src_mac.hex(":"), p.dst_mac.hex(":"),
                                want_src.hex(":"), want_dst.hex(":")))
        if p.ipv == 4 and not p.ip_hdr_ok:
            fails.append("flow %s: %s has a bad IPv4 header checksum" % (fx.fid, who))
        if p.l4_off is not None and not M.tcp_csum_ok(p):
            fails.append("flow %s: %s has a bad TCP checksum" % (fx.fid, who))
        if p.payload:
            fails.append("flow %s: %s carries %d payload bytes" % (fx.fid, who, len(p.payload)))
    return fails


def _check_events(flows, exp, events, log_names):
    fails = []
    byflow = {fx.fid: {"verdict": [], "name": []} for fx in flows}
    for ev in events:
        kind = ev.get("event")
        fx, rev = event_flow(ev, flows)
        if fx is None:
            fails.append("event for no listed flow: %s" % json.dumps(ev)[:200])
            continue
        if rev:
            fails.append("event names flow %s with client and server swapped: %s"
                         % (fx.fid, json.dumps(ev)[:200]))
        if kind in ("block", "monitor"):
            byflow[fx.fid]["verdict"].append(ev)
        elif kind == "name":
            byflow[fx.fid]["name"].append(ev)
        else:
            fails.append("event of unknown kind %r: %s" % (kind, json.dumps(ev)[:200]))
    for fx in flows:
        e = exp[fx.fid]
        vs = byflow[fx.fid]["verdict"]
        action = e.get("action")
        if fx.verdict == "block" or action == "monitor":
            want_kind = "monitor" if action == "monitor" else "block"
            if len(vs) != 1:
                fails.append("flow %s: %d %s events, want exactly one" % (fx.fid, len(vs), want_kind))
            for ev in vs:
                if ev.get("event") != want_kind:
                    fails.append("flow %s: event %r, want %r" % (fx.fid, ev.get("event"), want_kind))
                if str(ev.get("proto")) != fx.proto:
                    fails.append("flow %s: proto %r, want %r" % (fx.fid, ev.get("proto"), fx.proto))
                if "timestamp" not in ev:
                    fails.append("flow %s: block event without timestamp" % fx.fid)
                want = dict(e.get("event") or {})
                if action is not None and "action" not in want:
                    want["action"] = action
                for key, val in want.items():
                    got = ev.get(key)
                    if key == "signature_id":
                        try:
                            got = int(got)
                        except (TypeError, ValueError):
                            pass
                    if got != val:
                        fails.append("flow %s: event %s = %r, want %r" % (fx.fid, key, got, val))
        elif vs:
            fails.append("flow %s must pass but has %s event(s): %s"
                         % (fx.fid, len(vs), json.dumps(vs[0])[:200]))
        if not log_names or e.get("names") is None:
            continue
        got = [(ev.get("field"), ev.get("name"), ev.get("raw")) for ev in byflow[fx.fid]["name"]]
        want = [tuple(x) for x in e["names"]]
        if got != want:
            fails.append("flow %s: name events %s, want %s" % (fx.fid, got, want))
    return fails


def tshark_outputs(outputs, path):
    """outputs: [(name, output frames, indexes of the resets among them)].
    Writes every output, one after the other, to one pcap (one tshark start
    for a whole group), has tshark read it and returns {name: [failure]}
    for the resets, numbered as in that replay's OUT.pcap."""
    frames, where = [], {}
    for name, out, rst in outputs:
        for k in rst:
            where[len(frames) + k + 1] = (name, k)
        frames += out
    res = {name: [] for name, _o, _r in outputs}
    if not where:
        return res
    write = __import__("kbmodel").write_pcap
    write(path, [(0, i, b) for i, b in enumerate(frames)])
    for msg in tshark_resets(path, sorted(where)):
        try:
            n = int(msg.split("frame ")[1].split()[0])
        except (IndexError, ValueError):
            res.setdefault("(tshark)", []).append(msg)
            continue
        name, k = where[n]
        res[name].append(msg.replace("frame %d" % n, "output frame %d" % (k + 1)))
    return res


def tshark_resets(pcap, frame_numbers):
    """Reads pcap with tshark, checksum validation on; returns failures for
    the given 1-based frames (each must be a TCP reset with good TCP and,
    for IPv4, good IP checksums)."""
    if not frame_numbers:
        return []
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tcp.check_checksum:TRUE",
           "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=\t",
           "-e", "frame.number", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
           "-e", "tcp.flags.reset", "-e", "tcp.seq_raw", "-e", "_ws.malformed"]
    cp = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if cp.returncode != 0:
        return ["tshark failed on %s: %s" % (pcap, cp.stderr.decode()[-300:])]
    rows = {}
    for line in cp.stdout.decode().splitlines():
        f = line.split("\t")
        if f and f[0].isdigit():
            rows[int(f[0])] = f
    fails = []
    for n in frame_numbers:
        f = rows.get(n)
        if f is None:
            fails.append("tshark: frame %d not read" % n)
            continue
        ipst, tcpst, rst = f[1], f[2], f[3]
        if ipst not in ("", "1"):
            fails.append("tshark: frame %d IPv4 checksum status %s (1 = good)" % (n, ipst))
        if tcpst != "1":
            fails.append("tshark: frame %d TCP checksum status %r (1 = good)" % (n, tcpst))
        if rst not in ("1", "True"):
            fails.append("tshark: frame %d is not a TCP reset" % n)
        if len(f) > 5 and f[5]:
            fails.append("tshark: frame %d is malformed" % n)
    return fails
