#!/usr/bin/python3
"""Puts the benchmark outputs of scripts/bench/run-all.sh into
docs/performance.md and draws the plots.

    report.py OUTDIR DATADIR DOC IMGDIR

OUTDIR holds each benchmark's markdown output (dataplane.md, sig.md,
parse.md, scale.md, latency.md: whichever ran); DATADIR the plot data that
scale.sh leaves (plot-flows.dat, plot-sigs.dat, plot-workers.dat). In DOC,
every block

    <!-- run-all:NAME -->
    ...
    <!-- /run-all:NAME -->

is replaced with the matching generated text (NAME: dataplane, sig, parse,
flows, sigs, workers, ndpi, latency, targets, machine); the prose around the
blocks is left alone. Blocks whose benchmark did not run keep their text.
Plots (PNG, gnuplot): IMGDIR/perf-flows.png, perf-sigs.png, perf-workers.png.
"""

import os
import re
import subprocess
import sys


def read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def tables(text):
    """Markdown tables (lists of lines) in text, in order."""
    out, cur = [], []
    for line in (text or "").splitlines():
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def rows(table):
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in table[2:]]


def section(text, title):
    """The part of scale.sh's output under '### title' up to the next '###'."""
    m = re.search(r"^### %s\n(.*?)(?=^### |\Z)" % re.escape(title), text or "", re.S | re.M)
    return m.group(1).strip() if m else None


def med(cell):
    """Middle of 'a / b / c', else the number itself."""
    parts = [p.strip() for p in cell.split("/")]
    v = parts[1] if len(parts) == 3 else parts[0]
    try:
        return float(v)
    except ValueError:
        return None


def targets(out):
    """The issue's targets, each with the measured figure and its ratio."""
    lines = ["| target | measured (median) | ratio to target | met |", "|---|---|---:|---|"]

    def add(name, value, limit, higher_better=False, unit=""):
        if value is None:
            lines.append("| %s | not measured | | |" % name)
            return
        ratio = value / limit
        ok = value >= limit if higher_better else value <= limit
        v = "%.2f" % value if value < 10 else "%.1f" % value if value < 100 else "%.0f" % value
        lines.append("| %s | %s%s | %.2f | %s |" % (name, v, unit, ratio, "yes" if ok else "**no**"))

    dp = tables(read(os.path.join(out, "dataplane.md")))
    got = {}
    if dp:
        for r in rows(dp[0]):
            irs = r[-1].split("/")
            got[r[0][:3]] = (med(r[6]), float(irs[2]) if len(irs) == 3 and irs[2].strip().isdigit() else None)
    for key, name, lim in (("(b)", "added cycles/pkt, established 64 B", 20),
                           ("(a)", "added cycles/pkt, mixed profile", 30),
                           ("(c)", "added cycles/pkt, ClientHello-only", 300)):
        cyc, ir = got.get(key, (None, None))
        add(name, cyc, lim)
        add(name.replace("cycles", "instructions (callgrind)"), ir, lim)
    scale = read(os.path.join(out, "scale.md"))
    nd = tables(section(scale, "kasblock, ndpiReader and testpmd on one capture"))
    if nd:
        for r in rows(nd[0]):
            add("kasblock / ndpiReader packets per second per core, %s" % r[0], med(r[6]), 15,
                True, "x")
            irs = [x.strip() for x in r[7].split("/")]
            if len(irs) == 3 and irs[1].isdigit() and irs[2].isdigit():
                add("ndpiReader / kasblock instructions per packet, %s" % r[0],
                    float(irs[2]) / float(irs[1]), 15, True, "x")
    sg2 = tables(section(scale, "Signatures, ClientHello-only"))
    if sg2:
        add_c = {r[0]: med(r[5]) for r in rows(sg2[0])}
        big = max(add_c, key=int)
        if "100" in add_c and big != "100" and add_c["100"]:
            add("end to end: added cycles/ClientHello at %s signatures / at 100" % big,
                add_c[big] / add_c["100"], 1.5, False, "x")
    lat = tables(read(os.path.join(out, "latency.md")))
    if lat:
        for r in rows(lat[0]):
            if r[0] == "mixed" or r[0].startswith("(a)"):
                add("p99 added latency, mixed profile (µs)", med(r[3]) / 1000.0, 5)
    sg = tables(read(os.path.join(out, "sig.md")))
    if sg:
        ns = {r[0]: med(r[6]) for r in rows(sg[0]) if r[1].startswith("auto")}
        ir = {r[0]: med(r[8]) for r in rows(sg[0]) if r[1].startswith("auto")}
        for n in ("100000", "1000000"):
            if "100" in ns and n in ns and ns["100"]:
                add("match ns/host at %s signatures / at 100" % n, ns[n] / ns["100"], 1.5, False, "x")
            if "100" in ir and n in ir and ir["100"]:
                add("match Ir/host at %s signatures / at 100" % n, ir[n] / ir["100"], 1.5, False, "x")
    return "\n".join(lines)


def plot(data, img):
    os.makedirs(img, exist_ok=True)
    common = ("set terminal pngcairo size 720,420 font 'sans,10'\n"
              "set grid\nset key top right\nset ylabel 'Mpps (median of the runs)'\n")
    jobs = []
    f = os.path.join(data, "plot-flows.dat")
    if os.path.exists(f):
        jobs.append(common + (
            "set output '%s'\nset title 'Established 64-byte traffic vs flows in the table (one worker)'\n"
            "set logscale x\nset xlabel 'tracked flows'\nset xrange [500:2e7]\nset yrange [0:*]\nset key bottom left\n"
            "plot '%s' using 1:($2/1e6) with linespoints title 'testpmd io (ceiling)', "
            "'' using 1:($3/1e6):($5/1e6):($6/1e6) with yerrorlines title 'kasblock (min..max)'\n"
            % (os.path.join(img, "perf-flows.png"), f)))
    f = os.path.join(data, "plot-sigs.dat")
    if os.path.exists(f):
        jobs.append(common + (
            "set output '%s'\nset title 'ClientHello-only, new flow per packet, vs signatures (one worker)'\n"
            "set logscale x\nset xlabel 'signatures'\nset xrange [50:2e5]\nset yrange [0:*]\n"
            "plot '%s' using 1:($3/1e6):($5/1e6):($6/1e6) with yerrorlines title 'kasblock (min..max)'\n"
            % (os.path.join(img, "perf-sigs.png"), f)))
    f = os.path.join(data, "plot-workers.dat")
    if os.path.exists(f):
        jobs.append(common + (
            "set output '%s'\nset title 'Workers on a two-queue device (2 vCPUs, shared)'\n"
            "set xlabel 'workers'\nset xtics 1\nset xrange [0.5:2.5]\nset yrange [0:*]\n"
            "plot '< grep ^mixed %s' using 2:($4/1e6):($5/1e6):($6/1e6) with yerrorlines title 'kasblock, mixed', "
            "'< grep ^mixed %s' using 2:($3/1e6) with linespoints title 'testpmd, mixed', "
            "'< grep ^hello %s' using 2:($4/1e6):($5/1e6):($6/1e6) with yerrorlines title 'kasblock, ClientHello', "
            "'< grep ^hello %s' using 2:($3/1e6) with linespoints title 'testpmd, ClientHello'\n"
            % (os.path.join(img, "perf-workers.png"), f, f, f, f)))
    for j in jobs:
        subprocess.run(["gnuplot"], input=j, text=True, check=True)


def main(argv):
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    out, data, doc, img = argv[1:]
    scale = read(os.path.join(out, "scale.md"))
    blocks = {
        "dataplane": tables(read(os.path.join(out, "dataplane.md"))),
        "sig": tables(read(os.path.join(out, "sig.md"))),
        "parse": tables(read(os.path.join(out, "parse.md"))),
    }
    blocks = {k: "\n".join(v[0]) for k, v in blocks.items() if v}
    for name, title in (("flows", "Flows in the table"), ("sigs", "Signatures, ClientHello-only"),
                        ("workers", "Workers"),
                        ("ndpi", "kasblock, ndpiReader and testpmd on one capture")):
        s = section(scale, title)
        if s:
            blocks[name] = s
    lat = read(os.path.join(out, "latency.md"))
    if lat:
        blocks["latency"] = lat.strip()
    m = read(os.path.join(out, "machine.txt"))
    if m:
        blocks["machine"] = "\n".join("- " + line for line in m.strip().splitlines())
    blocks["targets"] = targets(out)
    text = read(doc)
    for name, body in blocks.items():
        pat = re.compile(r"(<!-- run-all:%s -->\n).*?(<!-- /run-all:%s -->)" % (name, name), re.S)
        text, n = pat.subn(lambda mo: mo.group(1) + body + "\n" + mo.group(2), text)
        if n == 0:
            print("report: no block %s in %s" % (name, doc), file=sys.stderr)
    with open(doc, "w") as fh:
        fh.write(text)
    plot(data, img)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
