#!/usr/bin/python3
"""Reload under load (docs/reload.md): kasblock replays a capture many
times over (--loop N, each pass new flows) at full speed while this script
swaps the signature pack between two versions and sends SIGHUP, RELOADS
times. Then:

  - no packet is lost: packets in == capture packets x N, and packets out
    and dropped are exactly what the expected verdicts give (kbmodel);
  - every pass decides every flow as expected (one block event per barred
    flow, the right name, category and action, nothing else);
  - every event's signature id belongs to the pack of the generation the
    event carries, generations never go back in the event stream, and only
    generations that were published appear.

The two pack versions block the same names with the same categories, so the
verdicts do not depend on timing; one name's rule has id 300 in version 1
and 301 in version 2, so the id tells which set decided.

    reload_under_load.py --kasblock BIN --work DIR [--reloads 100] [--loop N]

Exit status: 0 passed, 1 failed, 77 skipped (no scapy).
"""

import argparse
import ipaddress
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import kbpkt as P  # noqa: E402
    import kbmodel as M  # noqa: E402
except ImportError as e:  # scapy missing
    print("skipped: %s" % e)
    sys.exit(77)

PACKS = {
    "1": {"blocked-one.test": (100, "update"), "blocked-two.test": (200, "brand"),
          "www.blocked-three.test": (300, "licensing")},
    "2": {"blocked-one.test": (100, "update"), "blocked-two.test": (200, "brand"),
          "www.blocked-three.test": (301, "licensing")},
}
KINDS = {100: "domain", 200: "domain", 300: "exact", 301: "exact"}


def pack_text(version):
    lines = ["pack name=reload-test version=%s date=2026-11-26" % version]
    for name, (sid, cat) in sorted(PACKS[version].items(), key=lambda x: x[1][0]):
        lines.append("block %d %s=%s category=%s" % (sid, KINDS[sid], name, cat))
    return "\n".join(lines) + "\n"


def write_pack(path, version):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(pack_text(version))
    os.replace(tmp, path)  # a reader sees the old file or the new one


CONFIG = """# reload-under-load test configuration (generated)
flows = { capacity = 1048576; timeout_passed = 3600; timeout_blocked = 3600;
          timeout_inspecting = 3600; timeout_closed = 3600; };
inspection = { pool_slots = 4096; };
signatures = { files = [ "live.sig" ]; };
policy = { mode = "enforce"; default_action = "reset"; };
events = { ring_size = 65536; rate_limit = 0; };
metrics = { enabled = false; };
telemetry = { enabled = false; };
log = { level = "notice"; };
"""

# (name, how many flows, transport): names the packs block, and some they do not.
FLOWS = [
    ("blocked-one.test", 6, "tls"), ("a.blocked-one.test", 4, "http"),
    ("blocked-two.test", 5, "tls"), ("www.blocked-three.test", 8, "tls"),
    ("www.blocked-three.test", 3, "http"), ("blocked-three.test", 4, "tls"),
    ("www.example.org", 10, "tls"), ("cdn.example.net", 6, "http"),
    ("notblocked-one.test", 4, "tls"),
]


def barred(name):
    v = PACKS["1"]
    if name in v and KINDS[v[name][0]] == "exact":
        return name, v[name]
    for dom, (sid, cat) in v.items():
        if KINDS[sid] == "domain" and (name == dom or name.endswith("." + dom)):
            return dom, (sid, cat)
    return None, None


def build_capture(path):
    """One pass: TLS and HTTP flows over IPv4 and IPv6, each a handshake,
    the client's first bytes, a server answer and a close."""
    cap = P.Capture()
    rng = P.seeded("reload-under-load")
    flows, n = [], 0
    for name, count, kind in FLOWS:
        for i in range(count):
            n += 1
            v6 = n % 3 == 0
            client = "2001:db8:10::%x" % n if v6 else "10.0.%d.%d" % (n // 250, n % 250 + 1)
            server = "2001:db8:20::%x" % (n % 7 + 1) if v6 else "192.0.2.%d" % (n % 7 + 1)
            fid = "f%d" % n
            f = P.Flow(cap, fid, client, 40000 + n, server, 443 if kind == "tls" else 80,
                       isn_c=1000000 + n * 7919, isn_s=5000000 + n * 104729)
            f.handshake()
            if kind == "tls":
                data = P.tls_records(P.client_hello([name.encode()], rng))
            else:
                data = P.http_get(name)
            f.client_data(0, data)
            resp = P.server_hello_like(rng) if kind == "tls" else P.http_response()
            f.server_data(0, resp)
            f.close(len(data), len(resp))
            dom, hit = barred(name)
            flows.append({"fid": fid, "client": client, "name": name,
                          "exp": M.FlowExp(fid, "TCP", (client, 40000 + n),
                                           (server, 443 if kind == "tls" else 80),
                                           "block" if hit else "pass", name=name)})
    cap.write(path)
    return flows


def parse_summary(text):
    s = {}
    for key, pat in [("capture", r"capture packets\s+(\d+)"), ("in", r"packets in\s+(\d+)"),
                     ("out", r"packets out\s+(\d+) \(forwarded (\d+), resets (\d+)\)"),
                     ("dropped", r"packets dropped\s+(\d+) \(blocked flows (\d+), tx full (\d+)\)"),
                     ("events", r"events (\d+) \(written (\d+), dropped (\d+), suppressed (\d+)\)"),
                     ("reloads", r"reloads\s+(\d+) ok, (\d+) failed, generation (\d+)")]:
        m = re.search(pat, text)
        s[key] = tuple(int(x) for x in m.groups()) if m else None
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reloads", type=int, default=100)
    ap.add_argument("--loop", type=int, default=0, help="passes (0: calibrate)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    fails = []

    pcap = os.path.join(a.work, "base.pcap")
    flows = build_capture(pcap)
    frames = [b for _s, _f, b in M.read_pcap(pcap)[0]]
    keep, res = M.expected_output(frames, [f["exp"] for f in flows])
    n_frames = len(frames)
    fwd = sum(1 for k in keep if k)
    n_block = sum(1 for f in flows if f["exp"].verdict == "block")
    resets = 2 * n_block
    print("base capture: %d frames, %d flows (%d barred): %d forwarded, %d dropped, %d resets"
          % (n_frames, len(flows), n_block, fwd, n_frames - fwd, resets))

    conf = os.path.join(a.work, "reload.conf")
    with open(conf, "w") as fh:
        fh.write(CONFIG)
    live = os.path.join(a.work, "live.sig")
    write_pack(live, "1")
    events = os.path.join(a.work, "events.json")

    def run(loop, reloads):
        if os.path.exists(events):
            os.unlink(events)
        write_pack(live, "1")  # generation 1 is version 1
        cmd = [a.kasblock, "-c", conf, "-r", pcap, "--loop", str(loop), "--events", events]
        t0 = time.monotonic()
        pr = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err_lines, gens = [], {1: "1"}
        version, started, done, sent = "1", False, 0, 0
        t_start = None
        buf = b""
        t_first = t_last = None
        while True:
            r, _, _ = select.select([pr.stderr], [], [], 0.5)
            if r:
                chunk = os.read(pr.stderr.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    line = line.decode(errors="replace")
                    err_lines.append(line)
                    if "worker(s)" in line:
                        started = True
                        t_start = time.monotonic()
                    m = re.search(r"reload ok: generation (\d+),.* pack (\S+),", line)
                    if m:
                        gens[int(m.group(1))] = m.group(2)
                        done += 1
                        t_last = time.monotonic()
                    if "reload failed" in line:
                        fails.append("a reload failed: " + line)
                        done += 1
            elif pr.poll() is not None:
                break
            if started and sent == done and sent < reloads and pr.poll() is None:
                # Swap the pack, then ask for the reload; the next swap waits
                # until this reload has been logged.
                version = "2" if version == "1" else "1"
                write_pack(live, version)
                pr.send_signal(signal.SIGHUP)
                sent += 1
                if t_first is None:
                    t_first = time.monotonic()
        so = pr.stdout.read().decode(errors="replace")
        rc = pr.wait()
        t_end = time.monotonic()
        busy = t_end - t_start if t_start is not None else t_end - t0
        return rc, so, err_lines, gens, done, busy, (t_first, t_last)

    loop = a.loop
    if loop == 0:
        # Calibrate: how fast one pass replays, and how long a reload takes.
        # Then aim at a replay several times longer than the reloads need.
        rc, so, err, gens, done, dt, (t1, t2) = run(400, 10)
        if rc != 0 or done == 0 or t1 is None:
            print("calibration run failed (%s):\n%s" % (rc, "\n".join(err[-20:])))
            return 1
        per_pass = dt / 400
        per_reload = (t2 - t1) / max(done - 1, 1) if done > 1 else 0.05
        need = max(3.0, 3 * a.reloads * per_reload)
        loop = min(65536, max(400, int(need / per_pass)))
        print("calibration: %.3f ms per pass, %.1f ms per reload; --loop %d (%.1f s)"
              % (per_pass * 1000, per_reload * 1000, loop, loop * per_pass))

    for attempt in range(3):
        rc, so, err, gens, done, dt, (t1, t2) = run(loop, a.reloads)
        print("run: --loop %d, exit %s, %.1f s, %d reloads logged" % (loop, rc, dt, done))
        if done >= a.reloads or rc != 0 or a.loop != 0 or loop == 65536:
            break
        # The replay ended first: longer, and try again.
        loop = min(65536, loop * 3)
        fails.clear()
    if rc != 0:
        fails.append("kasblock exit status %s: %s" % (rc, "\n".join(err[-20:])))
    s = parse_summary(so)
    print(so.strip())
    if done < a.reloads:
        fails.append("only %d reloads before the replay ended (want %d): raise --loop"
                     % (done, a.reloads))
    if s["reloads"] is None or s["in"] is None or s["out"] is None:
        fails.append("summary not found in stdout")
    else:
        ok, bad, gen = s["reloads"]
        if ok != done or bad != 0:
            fails.append("summary reloads %d ok %d failed, log says %d" % (ok, bad, done))
        want_in = n_frames * loop
        if s["capture"][0] != want_in or s["in"][0] != want_in:
            fails.append("packets: capture %s, in %s, want %d" % (s["capture"], s["in"], want_in))
        out, forwarded, rs = s["out"]
        dropped, dropped_blocked, tx_full = s["dropped"]
        if forwarded != fwd * loop or rs != resets * loop:
            fails.append("forwarded %d resets %d, want %d and %d"
                         % (forwarded, rs, fwd * loop, resets * loop))
        if dropped != (n_frames - fwd) * loop or tx_full != 0:
            fails.append("dropped %d (tx full %d), want %d" % (dropped, tx_full,
                                                               (n_frames - fwd) * loop))
        if forwarded + dropped != want_in:
            fails.append("in %d != forwarded %d + dropped %d" % (want_in, forwarded, dropped))
        ev, written, ev_dropped, supp = s["events"]
        if supp or written != ev:
            fails.append("events %d, written %d, dropped %d, suppressed %d"
                         % (ev, written, ev_dropped, supp))
        if ev_dropped:
            # A worker's event ring was full (the main lcore shares its core
            # with the --loop writer and this script): counted, and not a
            # reload matter. The packets are still judged exactly; the
            # events that were written are judged one by one.
            print("note: %d events dropped at a full ring (counted)" % ev_dropped)

    # Events: every pass decides every barred flow once, with a live set's id.
    want = {}
    for f in flows:
        if f["exp"].verdict == "block":
            dom, (sid, cat) = barred(f["name"])
            want[(str(ipaddress.ip_address(f["client"])), f["name"])] = cat
    seen, last_gen, by_gen = {}, 0, {}
    n_ev = 0
    with open(events) as fh:
        for ln, line in enumerate(fh, 1):
            e = json.loads(line)
            n_ev += 1
            g = e.get("generation")
            if g not in gens:
                fails.append("event line %d: generation %s was never published" % (ln, g))
                continue
            if g < last_gen:
                fails.append("event line %d: generation %d after %d" % (ln, g, last_gen))
            last_gen = max(last_gen, g)
            by_gen[g] = by_gen.get(g, 0) + 1
            ver = gens[g]
            name = e.get("name")
            dom, _ = barred(name)
            sid, cat = PACKS[ver][dom] if dom else (None, None)
            if e.get("signature_id") != sid:
                fails.append("event line %d: id %s for %s, generation %d (pack %s) has %s"
                             % (ln, e.get("signature_id"), name, g, ver, sid))
            if (e.get("event"), e.get("category"), e.get("action"), e.get("reason")) != \
                    ("block", cat, "reset", "signature"):
                fails.append("event line %d: %s" % (ln, line.strip()[:200]))
            ip = e["src_ip"]
            # Undo the pass rewrite: pass k added k to the first 16 bits of
            # the address (10.0 in pass 0 for IPv4, 2001 for IPv6).
            b = bytearray(ipaddress.ip_address(ip).packed)
            orig = 0x2001 if len(b) == 16 else 0x0a00
            e_pass = ((b[0] << 8 | b[1]) - orig) % 65536
            b[0], b[1] = orig >> 8, orig & 0xff
            base = str(ipaddress.ip_address(bytes(b)))
            key = (base, name)
            if key not in want:
                fails.append("event line %d: unexpected block of %s from %s" % (ln, name, ip))
            seen.setdefault(e_pass, []).append(key)
            if len(fails) > 30:
                break
    ring_drops = s["events"][2] if s.get("events") else 0
    for k in range(loop):
        got = sorted(seen.get(k, []))
        if ring_drops == 0 and got != sorted(want):
            fails.append("pass %d: %d block events, want %d" % (k, len(got), len(want)))
            break
        if ring_drops and (len(set(got)) != len(got) or not set(got) <= set(want)):
            fails.append("pass %d: events %s not a subset of the barred flows" % (k, got[:3]))
            break
    if n_ev + ring_drops != len(want) * loop:
        fails.append("%d block events (+%d dropped), want %d" % (n_ev, ring_drops,
                                                                len(want) * loop))
    print("events: %d, generations used: %d of %d published, pack versions %s"
          % (n_ev, len(by_gen), len(gens), sorted(set(gens[g] for g in by_gen))))
    if t1 is not None and t2 is not None:
        print("reloads: %d in %.2f s while the replay ran" % (done, t2 - t1))

    for f in fails[:30]:
        print("FAIL: " + f)
    print("PASS" if not fails else "FAILED (%d)" % len(fails))
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
