#!/usr/bin/env python3
# Writes the seeds of fuzz_reasm (tests/fuzz/corpus/reasm/). Input format in
# tests/fuzz/fuzz_reasm.c: capsel(1) base(4) then segments off(2) xor-bytes,
# separated by b"SEG!". Zero xor-bytes repeat the true stream.
#   python3 tests/fuzz/reasm_seeds.py tests/fuzz/corpus/reasm
import os
import struct
import sys

SEP = b"SEG!"


def seg(off, n, xor=None):
    body = bytearray(n)
    for i, v in (xor or {}).items():
        body[i] = v
    return struct.pack(">h", off) + bytes(body)


def seed(capsel, base, segs):
    return bytes([capsel]) + struct.pack(">I", base) + SEP.join(segs)


SEEDS = {
    # cap 1024, in order, three segments
    "in_order": seed(15, 1000, [seg(0, 300), seg(300, 300), seg(600, 300)]),
    # reversed, base just below 2^32 so the sequence numbers wrap
    "reversed_wrap": seed(15, 0xffffff00, [seg(600, 300), seg(300, 300), seg(0, 300)]),
    # overlaps and an exact retransmission
    "overlaps": seed(7, 5, [seg(100, 200), seg(0, 150), seg(250, 100), seg(0, 150), seg(140, 20)]),
    # a retransmission that differs: conflict on delivered bytes, then on held
    "conflict_delivered": seed(3, 77, [seg(0, 100), seg(50, 10, {3: 0x20})]),
    "conflict_held": seed(3, 77, [seg(100, 50), seg(120, 40, {5: 1}), seg(0, 100)]),
    # partly and wholly before the base
    "before_base": seed(1, 1 << 31, [seg(-50, 80), seg(-200, 100), seg(30, 10)]),
    # odd cap (64*4 - 3 = 253), a segment over it and one past it
    "beyond_cap": seed(0x33, 0, [seg(200, 100), seg(300, 5), seg(0, 200)]),
    # 15 separate held ranges: the last one is too many, then the prefix
    "holes": seed(15, 9, [seg(10 + 20 * k, 5) for k in range(15)] + [seg(0, 400)]),
    # empty segments and a short one
    "empty": seed(0, 0, [seg(0, 0), b"\x00", seg(5, 0), seg(0, 1)]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "corpus", "reasm")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
