#!/usr/bin/python3
"""Writes the seeds of tests/fuzz/fuzz_quic.c into tests/fuzz/corpus/quic/.

Seed layout (see fuzz_quic.c): one control byte (bit 0: sealed mode, bits
1-2: buffer size), then chunks separated by b"\\xffQD\\xff". Raw chunks are
datagrams; sealed chunks are [packet-number byte][frames], protected by the
target itself.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fuzz", "corpus", "quic")
SEP = b"\xffQD\xff"


def hexfile(name):
    with open(os.path.join(HERE, name + ".hex")) as f:
        return [bytes.fromhex(line.strip()) for line in f if line.strip()]


def varint(v):
    if v < 64:
        return bytes([v])
    if v < 16384:
        return bytes([0x40 | v >> 8, v & 0xff])
    return (0x80000000 | v).to_bytes(4, "big")


def crypto(off, data):
    return b"\x06" + varint(off) + varint(len(data)) + data


def main():
    os.makedirs(OUT, exist_ok=True)
    v1 = b"".join(hexfile("rfc9001_a2_client_initial"))
    v2 = b"".join(hexfile("rfc9369_a2_client_initial"))
    hello = b"".join(hexfile("rfc9001_a2_crypto_frame"))[4:]
    chrome = hexfile("chromium156_v1_flow")
    seeds = {
        "raw_rfc9001": b"\x00" + v1,
        "raw_rfc9369": b"\x00" + v2,
        "raw_rfc9001_small_cap": b"\x02" + v1,
        "raw_chromium": b"\x00" + SEP.join(chrome[:2]),
        "raw_chromium_reversed": b"\x00" + SEP.join(reversed(chrome)),
        "raw_coalesced": b"\x00" + v1 + v1[:200],
        # sealed: pn byte = (pn << 2) | (pn_len - 1)
        "sealed_whole": b"\x01" + b"\x03" + crypto(0, hello) + bytes(40),
        "sealed_split_reversed": b"\x01" + SEP.join([
            b"\x07" + b"\x01" + crypto(120, hello[120:]) + bytes(20),
            b"\x00" + crypto(0, hello[:120]) + b"\x00" * 10,
        ]),
        "sealed_shuffled": b"\x01" + b"\x03" + b"".join([
            crypto(200, hello[200:]), b"\x01\x00\x00", crypto(0, hello[:50]),
            b"\x02\x05\x00\x01\x00\x01\x01", crypto(50, hello[50:200]),
            b"\x1c\x00\x00\x02ok"]),
        "sealed_dup": b"\x01" + b"\x03" + crypto(0, hello[:100]) + crypto(50, hello[50:]) +
        crypto(0, hello),
        "sealed_conflict": b"\x01" + b"\x03" + crypto(0, hello[:100]) +
        crypto(50, b"x" * 60),
        "sealed_holes": b"\x01" + b"\x03" + b"".join(
            crypto(2 * i + 1, hello[2 * i + 1:2 * i + 2]) for i in range(40)),
        "sealed_cap241": b"\x03" + b"\x03" + crypto(0, hello),
        "sealed_cap64": b"\x05" + b"\x03" + crypto(0, hello),
        "sealed_bad_frame": b"\x01" + b"\x03" + crypto(0, hello[:10]) + b"\x08\x00",
        "sealed_empty": b"\x01" + b"\x03",
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
