#!/usr/bin/python3
"""Where a worker's instructions go, per packet, from a callgrind output.

    cg_top.py CALLGRIND_FILE PACKETS [N]

Prints "Ir/packet  function (object)" for the N (default 15) functions with
the largest self cost, from callgrind_annotate's per-function list. Code
the compiler inlined is counted in the function it was inlined into.
"""

import re
import subprocess
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, packets = argv[1], float(argv[2])
    n = int(argv[3]) if len(argv) > 3 else 15
    out = subprocess.run(["callgrind_annotate", "--threshold=100", path],
                         capture_output=True, text=True).stdout
    rows = {}
    started = False
    for line in out.splitlines():
        if "file:function" in line:
            started = True
            continue
        if not started:
            continue
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S+)(?:\s+\[(\S+)\])?", line)
        if not m:
            if rows and line.startswith("---"):
                break
            continue
        ir = int(m.group(1).replace(",", ""))
        fn = m.group(2).split(":", 1)[-1]
        obj = (m.group(3) or "").rsplit("/", 1)[-1]
        key = ("0x", obj) if fn.startswith("0x") else (fn, obj)
        rows[key] = rows.get(key, 0) + ir
    total = sum(rows.values())
    for (fn, obj), ir in sorted(rows.items(), key=lambda kv: -kv[1])[:n]:
        if fn.startswith("0x") and obj:
            fn = "(%s code)" % obj.split(".so")[0]
        print("%7.0f  %s%s" % (ir / packets, fn, "  [%s]" % obj if obj and "(" not in fn else ""))
    print("%7.0f  total" % (total / packets))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
