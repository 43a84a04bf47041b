#!/usr/bin/python3
"""Writes the seeds of tests/fuzz/fuzz_dns.c into tests/fuzz/corpus/dns/:
the captured queries of queries.tsv and a few built edge cases. Seed layout:
one control byte (bit 0: TCP stream, bit 1: REFUSED, bit 2: TCP refusal),
then the bytes."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fuzz", "corpus", "dns")


def name(dotted):
    out = b""
    for label in dotted.split(".") if dotted else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def query(qname, qtype=1, flags=0x0100, qd=1, an=0, ns=0, ar=0, tail=b""):
    return struct.pack(">HHHHHH", 0x4242, flags, qd, an, ns, ar) + \
        (name(qname) + struct.pack(">HH", qtype, 1) if qd else b"") + tail


OPT = b"\x00" + struct.pack(">HHBBHH", 41, 1232, 0, 0, 0x8000, 0)


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    with open(os.path.join(HERE, "queries.tsv")) as f:
        for line in f:
            client, transport, hexdata = line.rstrip("\n").split("\t")
            ctl = b"\x01" if transport == "tcp" else b"\x00"
            seeds["real_" + client] = ctl + bytes.fromhex(hexdata)
    long_name = ".".join(["a" * 63] * 3 + ["b" * 61])
    seeds.update({
        "edns_do": b"\x02" + query("example.org", 28, ar=1, tail=OPT),
        "root": b"\x04" + query("", 2),
        "long_name": b"\x00" + query(long_name),
        "no_question": b"\x00" + query("", qd=0, ar=1, tail=OPT),
        "two_questions": b"\x00" + query("a.example", qd=2) + name("b.example") + b"\x00\x01\x00\x01",
        "pointer": b"\x00" + struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\x03www\xc0\x0c\x00\x01\x00\x01",
        "tsig": b"\x00" + query("example.org", ar=2, tail=OPT + b"\xc0\x0c" + struct.pack(">HHIH", 250, 255, 0, 3) + b"abc"),
        "response": b"\x00" + query("example.org", flags=0x8180),
        "tcp": b"\x05" + struct.pack(">H", len(query("tcp.example"))) + query("tcp.example"),
        "odd_bytes": b"\x00" + struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\x05a.b\x00c\x00\x00\x01\x00\x01",
    })
    for key, data in seeds.items():
        with open(os.path.join(OUT, key), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
