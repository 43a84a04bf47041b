#!/usr/bin/python3
"""Counters exported three ways, checked against what happened
(docs/metrics.md).

    test_metrics.py --kasblock BIN --kasblockctl BIN --pack DIR --work DIR

Runs kasblock inline (not replay: it must stay up to be asked) on a
net_pcap device that reads a capture built here: six flows, three to
barred update names (two on signature 1011, one on 1041), one to a
download name over HTTP (2007), one to a brand name whose category the
configuration sets to monitor (8001), one allowed. Once the workers have
handled every frame it scrapes GET /metrics with curl, checks the text
with a strict reader of the 0.0.4 format (and promtool when installed),
asks DPDK telemetry with dpdk-telemetry.py and kasblockctl --json, and
compares: each export must show what the capture did, and a counter read
through telemetry between two scrapes must lie between their values. Then
a reload through kasblockctl (the per-signature counts carry over), a
reload of a broken configuration (error with file:line, exit 1, the
running set stays), SIGTERM (exit 0).

Nothing here waits on a clock to decide: each wait polls a condition with
a bounded number of tries and fails when they run out. Exit: 0 passed,
1 failed, 77 skipped (no scapy, no curl).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    from kbpkt import Capture, Flow, client_hello, http_get, seeded, tls_records  # noqa: E402
except ImportError as e:  # scapy missing
    print("skip: %s" % e)
    sys.exit(77)

TELEMETRY_PY = "/usr/bin/dpdk-telemetry.py"
POLL_TRIES = 600          # x POLL_STEP: a guard against hanging, never a verdict
POLL_STEP = 0.05

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what)
    return cond


def poll(fn, what):
    """fn() -> value or None; returns the first value, or fails."""
    for _ in range(POLL_TRIES):
        v = fn()
        if v is not None:
            return v
        time.sleep(POLL_STEP)
    raise SystemExit("FAIL: gave up waiting for " + what)


# ---------------------------------------------------------------- inputs

FLOWS = [  # client, port, server, name, kind
    ("10.0.0.1", 40001, "192.0.2.1", "dnl-01.geo.kaspersky.com", "tls"),
    ("10.0.0.1", 40002, "192.0.2.1", "dnl-01.geo.kaspersky.com", "tls"),
    ("10.0.0.1", 40003, "192.0.2.1", "s01.upd.kaspersky.com", "tls"),
    ("10.0.0.2", 40004, "192.0.2.1", "a.b.c.kaspersky.com", "tls"),
    ("10.0.0.2", 40005, "192.0.2.1", "www.example.com", "tls"),
    ("10.0.0.2", 40006, "192.0.2.2", "download.kaspersky.com", "http"),
]


def build_capture(path):
    cap = Capture()
    rng = seeded("metrics")
    for i, (client, cport, server, name, kind) in enumerate(FLOWS):
        f = Flow(cap, i + 1, client, cport, server, 443 if kind == "tls" else 80)
        f.handshake()
        data = tls_records(client_hello([name], rng)) if kind == "tls" else http_get(name)
        f.client_data(0, data)
        f.close(len(data), 0)
    cap.write(path)
    return len(cap.raw_frames())


CONFIG = """# test_metrics.py: inline on one net_pcap port paired with itself
ports = {{ pairs = ( [ "net_pcap0", "net_pcap0" ] ); mbufs = 4095; }};
workers = {{ count = 1; }};
flows = {{ capacity = 4096; }};
inspection = {{ pool_slots = 64; frag_flows = 16; }};
signatures = {{ files = [ "{pack}" ]; }};
policy = {{ actions = {{ brand = "monitor"; }}; }};
events = {{ file = "{events}"; }};
metrics = {{ address = "127.0.0.1"; port = 0; signature_top = 3; }};
telemetry = {{ enabled = true; }};
"""


# ---------------------------------------------------------------- exposition

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(r"^(%s)(\{.*\})? (\S+)$" % NAME)


def parse_labels(s):
    """'{a="x",b="y\\"z"}' -> (('a','x'),('b','y"z')); strict escapes."""
    out, i = [], 1
    while s[i] != "}":
        m = re.compile(NAME).match(s, i)
        if not m or s[m.end():m.end() + 2] != '="':
            raise ValueError("bad label at %d in %r" % (i, s))
        name, i, val = m.group(0), m.end() + 2, []
        while s[i] != '"':
            c = s[i]
            if c == "\\":
                i += 1
                c = {"\\": "\\", '"': '"', "n": "\n"}[s[i]]
            val.append(c)
            i += 1
        out.append((name, "".join(val)))
        i += 1
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            raise ValueError("bad separator in %r" % s)
    if i != len(s) - 1:
        raise ValueError("trailing bytes in %r" % s)
    return tuple(out)


def parse_exposition(text):
    """{family: {"type": t, "samples": {labels: value}}}; raises on any
    breach of the format rules kasblock promises."""
    fams, cur = {}, None
    if not text.endswith("\n"):
        raise ValueError("no final newline")
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name = line[7:].split(" ", 1)[0]
            if name in fams:
                raise ValueError("HELP twice for " + name)
            fams[name] = {"type": None, "samples": {}}
            cur = name
        elif line.startswith("# TYPE "):
            name, typ = line[7:].split(" ")
            if name != cur or fams[name]["type"] is not None:
                raise ValueError("TYPE out of place for " + name)
            if typ not in ("counter", "gauge"):
                raise ValueError("type " + typ)
            if typ == "counter" and not name.endswith("_total"):
                raise ValueError("counter without _total: " + name)
            fams[name]["type"] = typ
        elif line.startswith("#"):
            raise ValueError("stray comment " + line)
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError("bad sample line %r" % line)
            name = m.group(1)
            if name != cur or fams[name]["type"] is None:
                raise ValueError("sample outside its family: " + line)
            labels = parse_labels(m.group(2)) if m.group(2) else ()
            if labels in fams[name]["samples"]:
                raise ValueError("duplicate series " + line)
            fams[name]["samples"][labels] = float(m.group(3))
    return fams


def val(fams, fam, labels=None):
    """The value of kasblock_<fam> with exactly these labels, or None."""
    labels = labels or {}
    f = fams.get("kasblock_" + fam)
    if f is None:
        return None
    for ls, v in f["samples"].items():
        if dict(ls) == labels:
            return v
    return None


def scrape(url):
    cp = subprocess.run(["curl", "-sS", "--max-time", "10", "-D", "-", url],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if cp.returncode != 0:
        return None, None, cp.stderr.decode()
    raw = cp.stdout.decode()
    head, _, body = raw.partition("\r\n\r\n")
    return head, body, ""


# ---------------------------------------------------------------- telemetry

def runtime_dir(prefix):
    d = os.environ.get("RUNTIME_DIRECTORY")
    if not d:
        d = "/var/run" if os.getuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(d, "dpdk", prefix)


def telemetry(prefix, cmds):
    """Each command's value through dpdk-telemetry.py (one JSON line each)."""
    cp = subprocess.run([sys.executable, TELEMETRY_PY, "-f", prefix],
                        input=("\n".join(cmds) + "\n").encode(),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = {}
    for line in cp.stdout.decode().splitlines():
        line = line.strip()
        if line.startswith("{"):
            d = json.loads(line)
            out.update(d)
    return out


def ctl(args, kctl, prefix):
    cp = subprocess.run([kctl, "-f", prefix] + args, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=120)
    return cp.returncode, cp.stdout.decode(), cp.stderr.decode()


def prom_view(fams):
    """Telemetry's layout from Prometheus families: name without kasblock_,
    one label -> {value: v}, several -> {"a/b": v}, _seconds -> _ns."""
    out = {}
    for name, f in fams.items():
        key = name[len("kasblock_"):]
        for ls, v in f["samples"].items():
            k, vv = key, v
            if key.endswith("_seconds"):
                k, vv = key[:-len("_seconds")] + "_ns", v * 1e9
            if not ls:
                out[k] = vv
            else:
                out.setdefault(k, {})["/".join(x[1] for x in ls)] = vv
    return out


def sandwich(a, t, b, path=""):
    """Telemetry value t was read between scrapes a and b: counters only
    grow, so a <= t <= b; a value that did not move must be equal. Times
    in ns compare to 1 us (seconds travel as decimals)."""
    bad = []
    if isinstance(t, dict):
        for k, tv in t.items():
            if k in a and k in b:
                bad += sandwich(a[k], tv, b[k], path + "/" + k)
        return bad
    if not isinstance(t, (int, float)) or not isinstance(a, (int, float)):
        return bad
    tol = 1000 if path.endswith("_ns") else 0
    lo, hi = min(a, b), max(a, b)
    if not (lo - tol <= t <= hi + tol):
        bad.append("%s: telemetry %s not between scrapes %s and %s" % (path, t, a, b))
    return bad


# ---------------------------------------------------------------- the test

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kasblock", required=True)
    ap.add_argument("--kasblockctl", required=True)
    ap.add_argument("--pack", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    if shutil.which("curl") is None:
        print("skip: curl missing")
        return 77
    os.makedirs(a.work, exist_ok=True)
    pcap = os.path.join(a.work, "in.pcap")
    conf = os.path.join(a.work, "metrics.conf")
    events = os.path.join(a.work, "events.json")
    for p in (events,):
        if os.path.exists(p):
            os.unlink(p)
    n_frames = build_capture(pcap)
    with open(conf, "w") as fh:
        fh.write(CONFIG.format(pack=os.path.abspath(a.pack), events=os.path.abspath(events)))
    prefix = "kbmet-%d" % os.getpid()
    cmd = [a.kasblock, "--no-huge", "--no-pci", "-l", "0-1", "-m", "512",
           "--file-prefix=" + prefix, "--log-level=lib.*:notice", "--log-level=pmd.*:notice",
           "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null" % pcap, "--", "-c", conf]
    err_path = os.path.join(a.work, "stderr.txt")
    out_path = os.path.join(a.work, "stdout.txt")
    with open(err_path, "w") as ef, open(out_path, "w") as of:
        proc = subprocess.Popen(cmd, stdout=of, stderr=ef)
    try:
        run_checks(a, proc, prefix, conf, err_path, n_frames)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(runtime_dir(prefix), ignore_errors=True)
    if FAILS:
        print("%d check(s) failed; kasblock stderr:\n%s" % (len(FAILS), open(err_path).read()[-3000:]))
        return 1
    print("metrics: all checks passed (%d frames)" % n_frames)
    return 0


def run_checks(a, proc, prefix, conf, err_path, n_frames):
    def url_line():
        if proc.poll() is not None:
            raise SystemExit("FAIL: kasblock exited %s:\n%s" % (proc.returncode,
                                                                  open(err_path).read()))
        m = re.search(r"metrics on (http://[^ ]+/metrics)", open(err_path).read())
        return m.group(1) if m else None
    url = poll(url_line, "the 'metrics on' log line")
    base = url[:-len("/metrics")]

    # Every frame handled, every event written and recorded.
    def settled():
        _, body, _ = scrape(url)
        if body is None:
            return None
        f = parse_exposition(body)
        done = (val(f, "packets_total") == n_frames and val(f, "events_written_total") == 5
                and val(f, "inventory_events_recorded_total") == 5)
        return f if done else None
    poll(settled, "%d packets handled and 5 events written" % n_frames)

    # --- /metrics: headers, format, values
    head, body, err = scrape(url)
    check(head is not None and "text/plain; version=0.0.4" in head,
          "Content-Type of /metrics: %r" % head)
    fams_a = parse_exposition(body)
    expect = [
        (("packets_total",), n_frames),
        (("port_packets_polled_total", {"port": "0"}), n_frames),
        (("port_rx_packets_total", {"port": "0"}), n_frames),
        (("worker_packets_total", {"worker": "0"}), n_frames),
        (("workers",), 1),
        (("flows_blocked_total", {"category": "update"}), 3),
        (("flows_blocked_total", {"category": "download"}), 1),
        (("flows_blocked_total", {"category": "brand"}), 0),
        (("flows_monitored_total", {"category": "brand"}), 1),
        (("flows_monitored_total", {"category": "update"}), 0),
        (("signature_flows_blocked_total", {"signature_id": "1011", "category": "update"}), 2),
        (("signature_flows_blocked_total", {"signature_id": "1041", "category": "update"}), 1),
        (("signature_flows_blocked_total", {"signature_id": "2007", "category": "download"}), 1),
        # signature_top = 3: 1011 (two flows), then the ties at one flow by id,
        # 1041 and 2007; 8001 (monitored) falls into "other".
        (("signature_flows_monitored_total", {"signature_id": "other", "category": ""}), 1),
        (("signature_flows_blocked_total", {"signature_id": "other", "category": ""}), 0),
        (("signatures_counted",), 4),
        (("inspections_started_total",), 6),
        (("inspection_results_total", {"result": "match"}), 5),
        (("inspection_results_total", {"result": "pass"}), 1),
        (("names_total", {"field": "sni"}), 5),
        (("names_total", {"field": "http_host"}), 1),
        (("resets_sent_total",), 8),
        (("events_total",), 5),
        (("events_written_total",), 5),
        (("events_dropped_total",), 0),
        (("inventory_clients",), 2),
        (("signature_set_generation",), 1),
        (("reload_successes_total",), 0),
        (("category_enforced", {"category": "update"}), 1),
        (("category_enforced", {"category": "brand"}), 0),
        (("port_info", {"port": "0", "name": "net_pcap0", "peer": "0"}), 1),
    ]
    for (name, *labels), want in expect:
        got = val(fams_a, name, labels[0] if labels else None)
        check(got == want, "%s%s = %s, want %s" % (name, labels or "", got, want))
    for fam in ("signature_flows_blocked_total", "signature_flows_monitored_total"):
        ids = sorted(dict(ls)["signature_id"] for ls in fams_a["kasblock_" + fam]["samples"])
        check(ids == ["1011", "1041", "2007", "other"], "%s series: %s" % (fam, ids))
    if shutil.which("promtool"):
        cp = subprocess.run(["promtool", "check", "metrics"], input=body.encode(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check(cp.returncode == 0, "promtool check metrics: %s" % cp.stdout.decode())
    else:
        print("note: promtool not installed, format checked by the built-in reader only")
    _, index, _ = scrape(base + "/")
    check(index is not None and "/metrics" in index, "GET / index")
    h404, _, _ = scrape(base + "/nope")
    check(h404 is not None and h404.startswith("HTTP/1.1 404"), "GET /nope: %r" % h404)

    # --- telemetry: dpdk-telemetry.py, between two scrapes
    cmds = ["/kasblock/stats", "/kasblock/ports", "/kasblock/workers", "/kasblock/categories",
            "/kasblock/signatures", "/kasblock/clients", "/kasblock/policy"]
    tel = poll(lambda: (lambda t: t if all(isinstance(t.get(c), dict) for c in cmds)
                        else None)(telemetry(prefix, cmds)), "telemetry answers")
    _, body_b, _ = scrape(url)
    fams_b = parse_exposition(body_b)
    pa, pb = prom_view(fams_a), prom_view(fams_b)
    st = tel["/kasblock/stats"]
    for b in sandwich(pa, st, pb, ""):
        check(False, "stats " + b)
    check(st.get("flows_blocked_total", {}).get("update") == 3, "telemetry update blocked")
    check(st.get("packets_total") == n_frames, "telemetry packets_total")
    missing = [k for k in pa if not k.startswith(("port_", "worker_", "signature_flows_",
                                                  "build_info"))
               and k not in st]
    check(not missing, "families missing from /kasblock/stats: %s" % missing)
    port0 = tel["/kasblock/ports"].get("0", {})
    check(port0.get("name") == "net_pcap0" and
          port0.get("port_packets_polled_total") == n_frames, "telemetry port 0: %s" % port0)
    w0 = tel["/kasblock/workers"].get("0", {})
    check(w0.get("worker_packets_total") == n_frames, "telemetry worker 0: %s" % w0)
    cat = tel["/kasblock/categories"]
    check(cat.get("update", {}).get("flows_blocked_total") == 3 and
          cat.get("brand", {}).get("flows_monitored_total") == 1 and
          cat.get("brand", {}).get("effective") == "monitor", "telemetry categories")
    sg = tel["/kasblock/signatures"]
    check(sg.get("signature_flows_blocked_total") == {"1011": 2, "1041": 1, "2007": 1,
                                                      "other": 0} and
          sg.get("signature_flows_monitored_total", {}).get("other") == 1 and
          sg.get("signature_category", {}).get("1011") == "update" and
          sg.get("signatures_counted") == 4, "telemetry signatures: %s" % sg)
    cl = tel["/kasblock/clients"]
    addrs = {v["address"]: v for k, v in cl.items() if isinstance(v, dict)}
    check(cl.get("inventory_clients") == 2 and addrs.get("10.0.0.1", {}).get("blocked") == 3 and
          addrs.get("10.0.0.1", {}).get("update") == 3 and
          addrs.get("10.0.0.2", {}).get("monitored") == 1 and
          addrs.get("10.0.0.2", {}).get("blocked") == 1, "telemetry clients: %s" % cl)
    check(tel["/kasblock/policy"].get("brand", {}).get("action") == "monitor",
          "telemetry policy")

    # --- kasblockctl
    kc = a.kasblockctl
    rc, out, err = ctl(["stats", "--json"], kc, prefix)
    check(rc == 0, "kasblockctl stats --json: rc %d %s" % (rc, err))
    if rc == 0:
        j = json.loads(out)
        _, body_c, _ = scrape(url)
        for b in sandwich(pb, j["stats"], prom_view(parse_exposition(body_c)), ""):
            check(False, "kasblockctl " + b)
        check(j["ports"]["0"]["port_packets_polled_total"] == n_frames, "kasblockctl ports")
    rc, out, err = ctl(["stats"], kc, prefix)
    check(rc == 0 and re.search(r"flows_blocked_total\{update\}\s+3\n", out) is not None,
          "kasblockctl stats table: %s" % out[-400:])
    rc, out, _ = ctl(["signatures"], kc, prefix)
    check(rc == 0 and re.search(r"^1011\s+update\s+2\s+0$", out, re.M) is not None and
          re.search(r"^other\s+-\s+0\s+1$", out, re.M) is not None,
          "kasblockctl signatures: %s" % out)
    rc, out, _ = ctl(["clients", "--json"], kc, prefix)
    jc = json.loads(out) if rc == 0 else {}
    check(rc == 0 and jc.get("inventory_clients") == 2 and len(jc.get("clients", [])) == 2 and
          {c["address"] for c in jc["clients"]} == {"10.0.0.1", "10.0.0.2"},
          "kasblockctl clients --json: %s" % out)
    rc, out, _ = ctl(["clients", "--limit", "1"], kc, prefix)
    check(rc == 0 and "1 of 2 clients shown" in out, "kasblockctl clients --limit 1: %s" % out)
    rc, out, _ = ctl(["policy"], kc, prefix)
    check(rc == 0 and re.search(r"^brand\s+monitor\s+monitor\s", out, re.M) is not None,
          "kasblockctl policy: %s" % out)
    rc, _, _ = ctl(["stats"], kc, prefix + "-none")
    check(rc == 3, "kasblockctl on a missing prefix: rc %d, want 3" % rc)
    rc, _, _ = ctl(["query", "/kasblock/nosuch"], kc, prefix)
    check(rc == 4, "kasblockctl query of an unknown command: rc %d, want 4" % rc)

    # --- reload: ok, then a broken file
    rc, out, err = ctl(["reload"], kc, prefix)
    check(rc == 0 and "reload ok: generation 2" in out, "kasblockctl reload: %s%s" % (out, err))
    good = open(conf).read()
    with open(conf, "a") as fh:
        fh.write("bogus = { x = 1; };\n")
    bad_line = good.count("\n") + 1
    rc, out, err = ctl(["reload"], kc, prefix)
    check(rc == 1 and ("metrics.conf:%d:" % bad_line) in out and "generation 2" in out,
          "kasblockctl reload of a broken file: rc %d: %s" % (rc, out))
    rc, out, _ = ctl(["reload", "--json"], kc, prefix)
    jr = json.loads(out) if out.startswith("{") else {}
    check(rc == 1 and jr.get("result") == "failed" and
          ("metrics.conf:%d:" % bad_line) in jr.get("error", ""),
          "kasblockctl reload --json: %s" % out)
    with open(conf, "w") as fh:
        fh.write(good)
    _, body_r, _ = scrape(url)
    fr = parse_exposition(body_r)
    for (name, *labels), want in [
            (("signature_set_generation",), 2),
            (("reload_successes_total",), 1),
            (("reload_failures_total",), 2),
            (("reload_last_failed",), 1),
            (("reload_attempts_total", {"trigger": "request"}), 3),
            # Per-signature counts are keyed by id: a reload keeps them.
            (("signature_flows_blocked_total", {"signature_id": "1011", "category": "update"}), 2),
            (("flows_blocked_total", {"category": "update"}), 3)]:
        got = val(fr, name, labels[0] if labels else None)
        check(got == want, "after reloads: %s%s = %s, want %s" % (name, labels or "", got, want))

    # --- stop
    proc.send_signal(signal.SIGTERM)
    rc = poll(lambda: proc.poll(), "kasblock to exit on SIGTERM")
    check(rc == 0, "kasblock exit status on SIGTERM: %s" % rc)


if __name__ == "__main__":
    sys.exit(main())
