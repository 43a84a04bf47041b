#!/usr/bin/python3
"""Control-plane behaviour of a running kasblock (docs/reload.md,
docs/policy.md, docs/kasblock.md), each case one replay (or one inline run on
net_null ports):

  check        --check exits 0 on a good file, 3 on a bad key or a bad pack
  stop-inline  inline on two net_null ports: SIGTERM and SIGINT stop it, exit 0,
               summary printed, counters consistent
  stop-replay  SIGINT during a replay: exit 0, every queued event written,
               runtime directory removed
  reopen       SIGHUP after the event log was moved (logrotate): new lines go to
               a new file, none lost
  bad-reload   a pack with a duplicate id: the reload fails with file:line, the
               running set stays (generation 1), verdicts unchanged
  watch        reload.watch: rewriting the pack reloads it (trigger watch)
  date         an enforce_from a few seconds ahead: monitor events before it,
               block events after, one policy update
  exempt-allow exemption (monitor) for the IPv4 clients and an allow-listed
               name: verdicts and events as the policy says
  no-set       a broken pack at start: "exit" refuses (3), "open" forwards all,
               "closed" resets every named flow; a reload brings the set in
  inventory    replay, then the summary's inventory line counts each barred
               client once

    control_plane.py --kasblock BIN --work DIR [--case NAME]...

Exit status: 0 passed, 1 failed, 77 skipped (no scapy).
"""

import argparse
import datetime
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import kbmodel as M  # noqa: E402
    import reload_under_load as R  # noqa: E402
except ImportError as e:
    print("skipped: %s" % e)
    sys.exit(77)

BASE_CONF = """flows = { capacity = 1048576; };
inspection = { pool_slots = 4096; };
signatures = { files = [ "live.sig" ]; };
events = { ring_size = 65536; rate_limit = 0; };
metrics = { enabled = false; };
telemetry = { enabled = false; };
log = { level = "notice"; };
"""


class Run:
    """One kasblock process, its stderr read line by line as it comes."""

    def __init__(self, cmd, cwd):
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.err = []
        self.buf = b""
        self.out = ""

    def pump(self, timeout=0.2):
        r, _, _ = select.select([self.p.stderr], [], [], timeout)
        if not r:
            return False
        chunk = os.read(self.p.stderr.fileno(), 65536)
        if not chunk:
            return None
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.err.append(line.decode(errors="replace"))
        return True

    def wait_for(self, pattern, timeout=30):
        """Waits until a stderr line matches; returns the match or None."""
        seen = 0
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in self.err[seen:]:
                m = re.search(pattern, line)
                if m:
                    return m
            seen = len(self.err)
            if self.pump() is None and self.p.poll() is not None:
                break
        for line in self.err[seen:]:
            m = re.search(pattern, line)
            if m:
                return m
        return None

    def finish(self, timeout=120):
        end = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < end:
            self.pump()
        if self.p.poll() is None:
            self.p.kill()
        while self.pump(0) is True:
            pass
        self.out = self.p.stdout.read().decode(errors="replace")
        return self.p.wait()

    def alive(self):
        return self.p.poll() is None


class Ctx:
    def __init__(self, kasblock, work):
        self.kasblock = kasblock
        self.work = work
        self.pcap = os.path.join(work, "base.pcap")
        self.flows = R.build_capture(self.pcap)
        frames = [b for _s, _f, b in M.read_pcap(self.pcap)[0]]
        self.frames = frames
        self.n_frames = len(frames)

    def expected(self, verdict_of):
        """(forwarded, resets) for one pass when verdict_of(flow) says
        block or pass."""
        exps = []
        for f in self.flows:
            e = f["exp"]
            exps.append(M.FlowExp(e.fid, "TCP", (f["client"], e.client[1]),
                                  (str(e.server[0]), e.server[1]), verdict_of(f),
                                  name=f["name"]))
        keep, _ = M.expected_output(self.frames, exps)
        n_block = sum(1 for x in exps if x.verdict == "block")
        return sum(1 for k in keep if k), 2 * n_block

    def setup(self, name, conf_extra="", pack="1"):
        d = os.path.join(self.work, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        R.write_pack(os.path.join(d, "live.sig"), pack)
        with open(os.path.join(d, "kb.conf"), "w") as fh:
            fh.write(BASE_CONF + conf_extra)
        return d

    def replay(self, d, loop, extra=()):
        cmd = [self.kasblock, "-c", "kb.conf", "-r", self.pcap, "--loop", str(loop),
               "--events", "events.json"] + list(extra)
        return Run(cmd, d)


def summary(text):
    s = R.parse_summary(text)
    m = re.search(r"inventory\s+(\d+) clients \((\d+) evicted\)", text)
    s["inventory"] = (int(m.group(1)), int(m.group(2))) if m else None
    m = re.search(r"policy updates (\d+)", text)
    s["policy_updates"] = int(m.group(1)) if m else None
    return s


def events(path):
    if not os.path.exists(path):
        return []
    with open(path) as fh:
        return [json.loads(x) for x in fh if x.strip()]


def is_barred(f):
    return f["exp"].verdict == "block"


# ---------------------------------------------------------------- cases

def case_check(c, fails):
    d = c.setup("check")
    rc = subprocess.run([c.kasblock, "-c", "kb.conf", "--check"], cwd=d,
                        capture_output=True).returncode
    if rc != 0:
        fails.append("--check on a good file: exit %d" % rc)
    with open(os.path.join(d, "bad.conf"), "w") as fh:
        fh.write(BASE_CONF + "policy = { mode = \"blocking\"; };\n")
    cp = subprocess.run([c.kasblock, "-c", "bad.conf", "--check"], cwd=d, capture_output=True)
    err = cp.stderr.decode()
    if cp.returncode != 3 or "bad.conf:8: policy.mode" not in err:
        fails.append("--check on a bad key: exit %d, %r" % (cp.returncode, err[:200]))
    with open(os.path.join(d, "live.sig"), "a") as fh:
        fh.write("block 100 exact=dup.test category=update\n")
    cp = subprocess.run([c.kasblock, "-c", "kb.conf", "--check"], cwd=d, capture_output=True)
    err = cp.stderr.decode()
    if cp.returncode != 3 or "live.sig:5: duplicate id 100" not in err:
        fails.append("--check on a bad pack: exit %d, %r" % (cp.returncode, err[:200]))


def case_stop_inline(c, fails):
    for sig in (signal.SIGTERM, signal.SIGINT):
        d = c.setup("stop-inline-%d" % sig,
                    'ports = { pairs = ( [ "net_null0", "net_null1" ] ); };\n')
        prefix = "kb-ctl-test-%d-%d" % (os.getpid(), sig)
        cmd = [c.kasblock, "-l", "0-1", "--no-huge", "--no-pci", "-m", "512",
               "--file-prefix=" + prefix, "--vdev", "net_null0", "--vdev", "net_null1",
               "--", "-c", "kb.conf", "--events", "events.json"]
        r = Run(cmd, d)
        if not r.wait_for(r"worker\(s\)", 60):
            fails.append("inline: no start line: %s" % r.err[-5:])
            r.p.kill()
            r.finish()
            continue
        time.sleep(1.0)
        r.p.send_signal(sig)
        t = time.monotonic()
        rc = r.finish(30)
        dt = time.monotonic() - t
        s = summary(r.out)
        if rc != 0 or s["in"] is None:
            fails.append("inline %s: exit %s, summary %s" % (sig.name, rc, r.out[:200]))
        else:
            out, fwd, resets = s["out"]
            dropped = s["dropped"][0]
            if s["in"][0] == 0 or fwd + dropped != s["in"][0]:
                fails.append("inline %s: in %d, forwarded %d, dropped %d"
                             % (sig.name, s["in"][0], fwd, dropped))
        if dt > 10:
            fails.append("inline %s: %.1f s to stop" % (sig.name, dt))
        print("  %s: exit %s after %.2f s, %s packets in" % (sig.name, rc, dt,
                                                            s["in"][0] if s["in"] else "?"))
        for x in glob.glob("/var/run/dpdk/%s" % prefix) + \
                glob.glob(os.path.expanduser("~/.dpdk/%s" % prefix)):
            shutil.rmtree(x, ignore_errors=True)


def case_stop_replay(c, fails):
    d = c.setup("stop-replay")
    r = c.replay(d, 20000)
    if not r.wait_for(r"worker\(s\)", 60):
        fails.append("replay: no start line")
    time.sleep(0.5)
    r.p.send_signal(signal.SIGINT)
    rc = r.finish(60)
    s = summary(r.out)
    evs = events(os.path.join(d, "events.json"))
    if rc != 0 or s["events"] is None:
        fails.append("SIGINT replay: exit %s, %r" % (rc, r.out[:200]))
        return
    ev, written, dropped, supp = s["events"]
    if not (0 < s["in"][0] < s["capture"][0]):
        fails.append("SIGINT replay: in %s of %s (should stop early)" % (s["in"], s["capture"]))
    if written != ev or len(evs) != ev or dropped:
        fails.append("SIGINT replay: events %d queued, %d written, %d in the file, %d dropped"
                     % (ev, written, len(evs), dropped))
    left = [x for x in os.listdir("/var/run/dpdk") if x.endswith("-%d" % r.p.pid)] \
        if os.path.isdir("/var/run/dpdk") else []
    if left:
        fails.append("SIGINT replay: runtime directory left: %s" % left)
    print("  SIGINT after %d of %d packets, %d events written" % (s["in"][0], s["capture"][0],
                                                                  len(evs)))


def case_reopen(c, fails):
    d = c.setup("reopen")
    r = c.replay(d, 6000)
    if not r.wait_for(r"worker\(s\)", 60):
        fails.append("reopen: no start line")
    time.sleep(0.4)
    os.rename(os.path.join(d, "events.json"), os.path.join(d, "events.json.1"))
    r.p.send_signal(signal.SIGHUP)
    ok = r.wait_for(r"reload ok: generation 2", 30)
    rc = r.finish()
    s = summary(r.out)
    old = events(os.path.join(d, "events.json.1"))
    new = events(os.path.join(d, "events.json"))
    if not ok or rc != 0:
        fails.append("reopen: reload %s, exit %s" % (bool(ok), rc))
        return
    if not old or not new:
        fails.append("reopen: %d lines before the move, %d after (both must be > 0)"
                     % (len(old), len(new)))
    if len(old) + len(new) != s["events"][0]:
        fails.append("reopen: %d + %d lines, %d events" % (len(old), len(new), s["events"][0]))
    print("  %d lines in the moved file, %d in the new one" % (len(old), len(new)))


def case_bad_reload(c, fails):
    d = c.setup("bad-reload")
    fwd, resets = c.expected(lambda f: "block" if is_barred(f) else "pass")
    loop = 6000
    r = c.replay(d, loop)
    if not r.wait_for(r"worker\(s\)", 60):
        fails.append("bad-reload: no start line")
    time.sleep(0.3)
    with open(os.path.join(d, "live.sig"), "a") as fh:
        fh.write("block 200 exact=dup.test category=update\n")
    r.p.send_signal(signal.SIGHUP)
    m = r.wait_for(r"reload failed \(trigger sighup\), generation (\d+) stays live: (.*)", 30)
    rc = r.finish()
    s = summary(r.out)
    if not m or m.group(1) != "1" or "live.sig:5: duplicate id 200 (first at" not in m.group(2):
        fails.append("bad-reload: log %r" % (m.group(0) if m else r.err[-3:]))
    if rc != 0 or s["reloads"] != (0, 1, 1):
        fails.append("bad-reload: exit %s, reloads %s (want 0 ok, 1 failed, generation 1)"
                     % (rc, s["reloads"]))
    if s["out"] and (s["out"][1] != fwd * loop or s["out"][2] != resets * loop):
        fails.append("bad-reload: forwarded/resets %s, want %d/%d"
                     % (s["out"], fwd * loop, resets * loop))
    gens = {e["generation"] for e in events(os.path.join(d, "events.json"))}
    if gens != {1}:
        fails.append("bad-reload: event generations %s" % gens)
    print("  %s" % (m.group(0) if m else "no failure line"))


def case_watch(c, fails):
    d = c.setup("watch", "reload = { watch = true; watch_interval_ms = 100; };\n")
    r = c.replay(d, 20000)
    if not r.wait_for(r"worker\(s\)", 60):
        fails.append("watch: no start line")
    time.sleep(0.5)
    R.write_pack(os.path.join(d, "live.sig"), "2")
    t = time.monotonic()
    m = r.wait_for(r"reload ok: generation 2, .*pack 2, trigger watch", 10)
    dt = time.monotonic() - t
    r.p.send_signal(signal.SIGINT)
    r.finish()
    if not m:
        fails.append("watch: no watch reload after the pack changed: %s" % r.err[-3:])
    else:
        print("  reloaded %.2f s after the change" % dt)
    evs = events(os.path.join(d, "events.json"))
    bad = [e for e in evs if e["name"] == "www.blocked-three.test" and
           e["signature_id"] != (300 if e["generation"] == 1 else 301)]
    if bad:
        fails.append("watch: %d events with the other pack's id" % len(bad))


def case_date(c, fails):
    def utc(delta):
        t = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
            datetime.timedelta(seconds=delta)
        return t, t.strftime("%Y-%m-%dT%H:%M:%SZ")

    # Start an hour before the date: update flows are only monitored. Once
    # running, move the date 2 s ahead with a reload; the main lcore must
    # then switch the category to reset by itself when the date passes.
    _, later = utc(3600)
    d = c.setup("date", 'policy = { enforce_from = { update = "%s"; }; };\n' % later)
    r = c.replay(d, 60000)
    if not r.wait_for(r"worker\(s\)", 60):
        fails.append("date: no start line")
    time.sleep(0.3)
    when, stamp = utc(2)
    with open(os.path.join(d, "kb.conf"), "w") as fh:
        fh.write(BASE_CONF + 'policy = { enforce_from = { update = "%s"; }; };\n' % stamp)
    r.p.send_signal(signal.SIGHUP)
    rl = r.wait_for(r"reload ok: generation 2", 15)
    m = r.wait_for(r"policy: effective actions changed at (\S+)", 15)
    time.sleep(0.5)
    r.p.send_signal(signal.SIGINT)
    r.finish()
    s = summary(r.out)
    if not rl or not m or s["policy_updates"] != 1:
        fails.append("date: reload %s, change %s, policy updates %s"
                     % (bool(rl), bool(m), s["policy_updates"]))
    evs = [e for e in events(os.path.join(d, "events.json")) if e["category"] == "update"]
    cut = when.timestamp()

    def ts(e):
        return datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    mon = [e for e in evs if e["event"] == "monitor"]
    blk = [e for e in evs if e["event"] == "block"]
    if not mon or not blk:
        fails.append("date: %d monitor and %d block events for update (want both)"
                     % (len(mon), len(blk)))
    if any(e["policy"] != "before_enforce_from" or e["action"] != "monitor" for e in mon):
        fails.append("date: a monitor event without policy before_enforce_from")
    if any(ts(e) < cut for e in blk):
        fails.append("date: a block event before %s" % stamp)
    # The main lcore looks once a second: allow that much after the date.
    late = [e for e in mon if ts(e) > cut + 1.5]
    if late:
        fails.append("date: %d monitor events more than 1.5 s after %s" % (len(late), stamp))
    # The date passing republishes the policy, not the set: generation 2 stays.
    if {e["generation"] for e in blk} != {2}:
        fails.append("date: block event generations %s" % {e["generation"] for e in blk})
    print("  enforce_from %s: %d monitor then %d block events; %s"
          % (stamp, len(mon), len(blk), m.group(0) if m else "-"))


def case_exempt_allow(c, fails):
    d = c.setup("exempt-allow", 'policy = { exempt_clients = [ "10.0.0.0/16" ];\n'
                'exempt_action = "monitor"; allow = [ "blocked-two.test" ]; };\n')
    r = c.replay(d, 1)
    rc = r.finish()
    s = summary(r.out)

    def verdict(f):
        if not is_barred(f) or f["name"] == "blocked-two.test":
            return "pass"
        return "pass" if ":" not in f["client"] else "block"
    fwd, resets = c.expected(verdict)
    if rc != 0 or s["out"] is None or s["out"][1] != fwd or s["out"][2] != resets:
        fails.append("exempt-allow: exit %s, out %s, want forwarded %d resets %d"
                     % (rc, s["out"], fwd, resets))
    evs = events(os.path.join(d, "events.json"))
    want_mon = sorted(f["name"] for f in c.flows if verdict(f) == "pass" and is_barred(f)
                      and f["name"] != "blocked-two.test")
    want_blk = sorted(f["name"] for f in c.flows if verdict(f) == "block")
    got_mon = sorted(e["name"] for e in evs if e["event"] == "monitor" and
                     e["policy"] == "exempt_client")
    got_blk = sorted(e["name"] for e in evs if e["event"] == "block" and
                     e["policy"] == "configured")
    if got_mon != want_mon or got_blk != want_blk or len(evs) != len(want_mon) + len(want_blk):
        fails.append("exempt-allow: monitor %s block %s (of %d events), want %s and %s"
                     % (got_mon, got_blk, len(evs), want_mon, want_blk))
    if any(e["name"] == "blocked-two.test" for e in evs):
        fails.append("exempt-allow: an event for the allow-listed name")
    m = re.search(r"exempted flows\s+(\d+)", r.out)
    if not m or int(m.group(1)) != len(want_mon):
        fails.append("exempt-allow: exempted %s, want %d" % (m.group(1) if m else None,
                                                            len(want_mon)))
    print("  %d exempt (monitored), %d blocked, allow-listed name passed" % (len(got_mon),
                                                                          len(got_blk)))


def case_no_set(c, fails):
    for mode in ("exit", "open", "closed"):
        d = c.setup("no-set-" + mode, 'policy = { no_signatures = "%s"; };\n' % mode)
        with open(os.path.join(d, "live.sig"), "a") as fh:
            fh.write("block 1 regex=( category=update\n")
        if mode == "exit":
            cp = subprocess.run([c.kasblock, "-c", "kb.conf", "-r", c.pcap], cwd=d,
                                capture_output=True)
            if cp.returncode != 3:
                fails.append("no-set exit: exit %d" % cp.returncode)
            continue
        r = c.replay(d, 1)
        rc = r.finish()
        s = summary(r.out)
        evs = events(os.path.join(d, "events.json"))
        if mode == "open":
            fwd, resets = c.expected(lambda f: "pass")
            ok = not evs
        else:
            fwd, resets = c.expected(lambda f: "block")
            ok = len(evs) == len(c.flows) and all(
                e["reason"] == "no_signatures" and e["generation"] == 0 and
                e["name"] == f["name"] for e, f in zip(evs, c.flows))
        if rc != 0 or s["out"] is None or s["out"][1:] != (fwd, resets) or not ok or \
                s["reloads"][2] != 0:
            fails.append("no-set %s: exit %s, out %s want %d/%d, %d events, reloads %s"
                         % (mode, rc, s["out"], fwd, resets, len(evs), s["reloads"]))
        print("  %s: forwarded %s, %d events" % (mode, s["out"][1] if s["out"] else "?",
                                                 len(evs)))
    # open, then a fixed pack and SIGHUP: generation 1 goes live.
    d = c.setup("no-set-reload", 'policy = { no_signatures = "open"; };\n')
    good = open(os.path.join(d, "live.sig")).read()
    with open(os.path.join(d, "live.sig"), "a") as fh:
        fh.write("block 1 regex=( category=update\n")
    r = c.replay(d, 20000)
    if not r.wait_for(r"starting without a set", 60) or not r.wait_for(r"worker\(s\)", 60):
        fails.append("no-set reload: no start")
    with open(os.path.join(d, "live.sig.tmp"), "w") as fh:
        fh.write(good)
    os.replace(os.path.join(d, "live.sig.tmp"), os.path.join(d, "live.sig"))
    r.p.send_signal(signal.SIGHUP)
    m = r.wait_for(r"reload ok: generation 1,", 30)
    time.sleep(0.3)
    r.p.send_signal(signal.SIGINT)
    r.finish()
    evs = events(os.path.join(d, "events.json"))
    if not m or not evs or {e["generation"] for e in evs} != {1}:
        fails.append("no-set reload: %s, %d events, generations %s"
                     % (bool(m), len(evs), {e["generation"] for e in evs}))


def case_inventory(c, fails):
    d = c.setup("inventory")
    r = c.replay(d, 3)
    r.finish()
    s = summary(r.out)
    want = sum(1 for f in c.flows if is_barred(f)) * 3
    if s["inventory"] != (want, 0):
        fails.append("inventory: %s, want (%d, 0)" % (s["inventory"], want))
    print("  %s clients" % (s["inventory"],))


CASES = {
    "check": case_check, "stop-inline": case_stop_inline, "stop-replay": case_stop_replay,
    "reopen": case_reopen, "bad-reload": case_bad_reload, "watch": case_watch,
    "date": case_date, "exempt-allow": case_exempt_allow, "no-set": case_no_set,
    "inventory": case_inventory,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--case", action="append")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    c = Ctx(os.path.abspath(a.kasblock), os.path.abspath(a.work))
    total = 0
    for name in a.case or CASES:
        fails = []
        t = time.monotonic()
        CASES[name](c, fails)
        print("%s %-14s %.1fs" % ("ok  " if not fails else "FAIL", name, time.monotonic() - t))
        for f in fails:
            print("     " + f)
        total += len(fails)
    print("PASS" if total == 0 else "FAILED (%d)" % total)
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
