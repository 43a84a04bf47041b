#!/usr/bin/python3
"""Writes the seeds of tests/fuzz/fuzz_h2c.c into tests/fuzz/corpus/h2c/:
the curl captures, the RFC 7541 Appendix C request blocks (framed by the
target: control bit 7) and a few crafted streams. Seed layout: 4 control
bytes (buffer choice and mode, then 3 cut points), then the bytes."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fuzz", "corpus", "h2c")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def lit(name, value):
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for fn in sorted(os.listdir(HERE)):
        if fn.startswith("curl_") and fn.endswith(".hex"):
            with open(os.path.join(HERE, fn)) as f:
                data = bytes.fromhex("".join(line.strip() for line in f))
            if len(data) < 4096:
                seeds["capture_" + fn[5:-4]] = b"\x00\x40\x80\xc0" + data
    with open(os.path.join(HERE, "rfc7541_appendix_c.txt")) as f:
        for line in f:
            if line.startswith("example"):
                ident = line.split()[1]
            elif line.startswith("block") and ident.startswith(("C.3", "C.4")):
                seeds["block_" + ident] = b"\x80\x10\x20\x30" + bytes.fromhex(line[6:])
    settings = frame(4, 0, 0, b"")
    block = lit(b":authority", b"seed.example:8080") + lit(b"host", b"other.example")
    seeds["padded_priority"] = b"\x00\x30\x60\x90" + PREFACE + settings + \
        frame(1, 0x4 | 0x8 | 0x20, 1, b"\x03" + b"\x80\0\0\0\x10" + block + b"\0\0\0")
    seeds["continuation"] = b"\x02\x30\x60\x90" + PREFACE + settings + \
        frame(1, 0, 1, block[:7]) + frame(9, 0, 1, block[7:20]) + frame(9, 4, 1, block[20:])
    seeds["skipped_frames"] = b"\x03\x10\x50\xa0" + PREFACE + settings + \
        frame(8, 0, 0, b"\0\0\0\1") + frame(2, 0, 3, b"\0\0\0\0\x0f") + \
        frame(6, 0, 0, b"pingpong") + frame(0x10, 0, 0, b"\0\0\0\1u=1") + \
        frame(1, 5, 5, block)
    seeds["dynamic"] = b"\x80\x01\x02\x03" + b"\x41\x09k.example\xbe\x82"
    seeds["size_update"] = b"\x80\x01\x02\x03" + b"\x3f\xe1\x1f\x41\x09k.example\xbe"
    for key, data in seeds.items():
        with open(os.path.join(OUT, key), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
