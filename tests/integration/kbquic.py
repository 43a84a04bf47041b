"""QUIC client Initial packets for the integration captures and the
benchmark: RFC 9001 section 5 (v1) and RFC 9369 (v2) packet protection,
written here from the RFCs on python3-cryptography's primitives (HMAC-SHA256
for HKDF, AES-128-GCM, AES-128-ECB), so kasblock's C decryption is checked
against code it shares nothing with. selftest() rebuilds the RFC 9001 A.2
and RFC 9369 A.2 packets byte for byte.

protect() builds one protected long-header Initial; unprotect() opens one
(header protection, then AEAD), for the runner's own reading of a capture.
Only Debian's /usr/bin/python3 has the cryptography package.
"""

import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

V1, V2 = 0x00000001, 0x6b3343cf

# RFC 9001 5.2 and RFC 9369 3.3.1: initial salts; labels; Initial type bits.
_VERSIONS = {
    V1: (bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), b"quic ", 0),
    V2: (bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), b"quicv2 ", 1),
    0xff00001d: (bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"), b"quic ", 0),
}


def _hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def _hkdf_expand_label(secret, label, length):
    """RFC 8446 7.1 HKDF-Expand-Label with an empty context."""
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def client_keys(version, dcid):
    """(key, iv, hp) of the client's Initial packets."""
    salt, prefix, _t = _VERSIONS[version]
    initial = _hkdf_extract(salt, dcid)
    client = _hkdf_expand_label(initial, b"client in", 32)
    return (_hkdf_expand_label(client, prefix + b"key", 16),
            _hkdf_expand_label(client, prefix + b"iv", 12),
            _hkdf_expand_label(client, prefix + b"hp", 16))


def varint(v, size=None):
    """RFC 9000 16: the shortest encoding, or the given size (1, 2, 4, 8)."""
    if size is None:
        size = 1 if v < 64 else 2 if v < 16384 else 4 if v < 1 << 30 else 8
    bits = {1: 0, 2: 1, 4: 2, 8: 3}[size]
    return (v | bits << (8 * size - 2)).to_bytes(size, "big")


def read_varint(b, pos):
    size = 1 << (b[pos] >> 6)
    v = int.from_bytes(b[pos:pos + size], "big") & ((1 << (8 * size - 2)) - 1)
    return v, pos + size


def crypto_frame(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


PING = b"\x01"


def _mask(hp, sample):
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    return enc.update(sample) + enc.finalize()


def protect(version, dcid, scid, pn, frames, *, token=b"", pn_len=4, pad_to=0,
            length_size=2):
    """One protected Initial. frames: the plaintext payload (frames); zero
    PADDING is appended so that the packet is at least pad_to bytes."""
    salt, _p, itype = _VERSIONS[version]
    key, iv, hp = client_keys(version, dcid)
    first = 0xc0 | itype << 4 | (pn_len - 1)
    head = (bytes([first]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid
            + bytes([len(scid)]) + scid + varint(len(token)) + token)
    payload = bytes(frames)
    # Length covers the packet number, the payload and the 16-byte tag.
    fixed = len(head) + length_size + pn_len + 16
    if pad_to and fixed + len(payload) < pad_to:
        payload += b"\x00" * (pad_to - fixed - len(payload))
    if pn_len + len(payload) < 4:          # the sample needs 4 bytes after pn
        payload += b"\x00" * (4 - pn_len - len(payload))
    head += varint(pn_len + len(payload) + 16, length_size)
    pn_bytes = (pn & ((1 << (8 * pn_len)) - 1)).to_bytes(pn_len, "big")
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    ct = AESGCM(key).encrypt(nonce, payload, head + pn_bytes)
    mask = _mask(hp, ct[4 - pn_len:4 - pn_len + 16])
    out = bytearray(head + pn_bytes + ct)
    out[0] ^= mask[0] & 0x0f
    for i in range(pn_len):
        out[len(head) + i] ^= mask[1 + i]
    return bytes(out)


def unprotect(pkt, largest_pn=-1):
    """(version, dcid, pn, plaintext, packet length) of a client Initial at
    the start of pkt, or None when it is not one this module can open."""
    try:
        return _unprotect(pkt, largest_pn)
    except (IndexError, ValueError):        # cut short: not an Initial
        return None


def _unprotect(pkt, largest_pn):
    if len(pkt) < 7 or pkt[0] & 0xc0 != 0xc0:
        return None
    version = struct.unpack("!I", pkt[1:5])[0]
    if version not in _VERSIONS:
        return None
    pos = 5
    dcid = pkt[pos + 1:pos + 1 + pkt[pos]]
    pos += 1 + pkt[pos]
    pos += 1 + pkt[pos]
    if (pkt[0] >> 4 & 3) != _VERSIONS[version][2]:
        return None
    tlen, pos = read_varint(pkt, pos)
    pos += tlen
    length, pos = read_varint(pkt, pos)
    key, iv, hp = client_keys(version, dcid)
    mask = _mask(hp, pkt[pos + 4:pos + 20])
    first = pkt[0] ^ (mask[0] & 0x0f)
    pn_len = (first & 3) + 1
    pn_bytes = bytes(pkt[pos + i] ^ mask[1 + i] for i in range(pn_len))
    trunc = int.from_bytes(pn_bytes, "big")
    # RFC 9000 A.3: the full packet number nearest largest_pn + 1.
    win = 1 << (8 * pn_len)
    cand = ((largest_pn + 1) & ~(win - 1)) | trunc
    if cand <= largest_pn + 1 - win // 2:
        cand += win
    elif cand > largest_pn + 1 + win // 2 and cand >= win:
        cand -= win
    aad = bytes([first]) + pkt[1:pos] + pn_bytes
    nonce = bytes(a ^ b for a, b in zip(iv, cand.to_bytes(12, "big")))
    end = pos + length
    try:
        plain = AESGCM(key).decrypt(nonce, pkt[pos + pn_len:end], aad)
    except Exception:                      # InvalidTag
        return None
    return version, dcid, cand, plain, end


def crypto_pieces(plain):
    """[(offset, data)] of the CRYPTO frames of an Initial's plaintext
    (PADDING, PING and ACK skipped)."""
    out, pos = [], 0
    while pos < len(plain):
        t = plain[pos]
        if t in (0, 1):
            pos += 1
        elif t in (2, 3):                  # ACK: largest, delay, count, first, ranges
            pos += 1
            _l, pos = read_varint(plain, pos)
            _d, pos = read_varint(plain, pos)
            n, pos = read_varint(plain, pos)
            _f, pos = read_varint(plain, pos)
            for _ in range(2 * n):
                _x, pos = read_varint(plain, pos)
            if t == 3:
                for _ in range(3):
                    _x, pos = read_varint(plain, pos)
        elif t == 6:
            off, pos = read_varint(plain, pos + 1)
            ln, pos = read_varint(plain, pos)
            out.append((off, plain[pos:pos + ln]))
            pos += ln
        else:
            raise ValueError("frame type 0x%x in an Initial" % t)
    return out


def hello_complete_at(datagrams):
    """Index of the client datagram after which the CRYPTO stream holds the
    whole ClientHello (4-byte header + length), or None. Each datagram may
    hold coalesced Initials; other packets end it."""
    have, largest = {}, -1
    for i, dg in enumerate(datagrams):
        pos = 0
        while pos < len(dg):
            r = unprotect(dg[pos:], largest)
            if r is None:
                break
            _v, _d, pn, plain, n = r
            largest = max(largest, pn)
            for off, data in crypto_pieces(plain):
                for k, b in enumerate(data):
                    have[off + k] = b
            pos += n
        if all(j in have for j in range(4)):
            need = 4 + int.from_bytes(bytes(have[j] for j in range(1, 4)), "big")
            if all(j in have for j in range(need)):
                return i
    return None


def selftest(data_dir):
    """Rebuilds the RFC 9001 A.2 and RFC 9369 A.2 client Initials; returns
    a list of failures (empty: this module agrees with the RFCs)."""
    fails = []

    def rd(name):
        with open(os.path.join(data_dir, name)) as fh:
            return bytes.fromhex("".join(fh.read().split()))
    frame = rd("rfc9001_a2_crypto_frame.hex")
    dcid = bytes.fromhex("8394c8f03e515708")
    for ver, name in ((V1, "rfc9001_a2_client_initial.hex"), (V2, "rfc9369_a2_client_initial.hex")):
        want = rd(name)
        got = protect(ver, dcid, b"", 2, frame, pn_len=4, pad_to=1200)
        if got != want:
            fails.append("%s: rebuilt packet differs" % name)
        r = unprotect(want)
        if r is None or not r[3].startswith(frame) or r[2] != 2:
            fails.append("%s: does not open" % name)
    return fails
