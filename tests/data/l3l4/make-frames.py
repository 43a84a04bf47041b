#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the L2-L4 sample frames used by tests/unit/test_l3l4.c and the
fuzz seeds in tests/fuzz/corpus/l3l4/.

Run from anywhere: /usr/bin/python3 tests/data/l3l4/make-frames.py
Needs python3-scapy (Debian 12: 2.5.0). The output is committed, so the
tests never need scapy; rerun this only to change the set of frames.

For each frame it writes <name>.bin (raw Ethernet frame, no pcap header) and
one line of expected.txt: "<name>.bin key=value ...". The expected values
are taken from what scapy built (layer lengths and field values), not from
our parser, so the unit test compares the parser with an independent
implementation of the same formats.
"""
import os
import shutil
import sys

from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, ICMP, IP, IPOption_RR,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Padding, Raw,
                       TCP, UDP, ICMPv6EchoRequest, fragment, fragment6)
from scapy.all import bind_layers
from scapy.layers.ipsec import AH, ESP

# Old QinQ TPID: scapy does not dissect it by default.
bind_layers(Ether, Dot1Q, type=0x9100)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', '..', 'fuzz', 'corpus', 'l3l4')

MAC = dict(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')
V4 = dict(src='192.0.2.1', dst='198.51.100.7')
V6 = dict(src='2001:db8::1', dst='2001:db8:ffff::7')
HELLO = bytes(range(0x16, 0x16 + 64))  # stand-in application bytes

EXT6 = (IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrDestOpt,
        IPv6ExtHdrFragment, AH)


def off(pkt, layer):
    """Offset of the first `layer` in the built frame."""
    return len(bytes(pkt)) - len(bytes(pkt[layer]))


def pad_len(pkt):
    return len(pkt[Padding].load) if Padding in pkt else 0


def addr_hex(ip):
    if ip.version == 4:
        import socket
        raw = socket.inet_aton(ip.src), socket.inet_aton(ip.dst)
        return raw[0].hex() + '00' * 12, raw[1].hex() + '00' * 12
    import socket
    return (socket.inet_pton(socket.AF_INET6, ip.src).hex(),
            socket.inet_pton(socket.AF_INET6, ip.dst).hex())


def ah_payload(ah):
    """scapy leaves what follows AH as Raw: dissect it by AH's next header."""
    cls = {6: TCP, 17: UDP}.get(ah.nh)
    if cls is None or not isinstance(ah.payload, Raw):
        return ah.payload
    return cls(bytes(ah.payload))


def expect(name, pkt, status='ok'):
    """Derives the descriptor scapy's view implies for a built frame."""
    raw = bytes(pkt)
    e = {'status': status}
    tags = []
    layer = pkt.payload
    while isinstance(layer, (Dot1Q, Dot1AD)):
        tags.append(layer.prio << 13 | layer.id << 12 | layer.vlan)
        layer = layer.payload
    e['vlan_count'] = len(tags)
    for i, t in enumerate(tags):
        e['tci%d' % i] = t
    if not isinstance(layer, (IP, IPv6)):
        e['l2_len'] = len(raw) - len(bytes(layer))
        e['ip_version'] = 0
        return e
    ip = layer
    l3 = len(raw) - len(bytes(ip))
    e['l2_len'] = l3
    e['l3_off'] = l3
    e['ip_version'] = ip.version
    e['src'], e['dst'] = addr_hex(ip)
    frag_flags = 0
    if ip.version == 4:
        e['ttl'] = ip.ttl
        e['l3_len'] = ip.len
        e['frag_id'] = ip.id
        if ip.flags.DF:
            frag_flags |= 4
        if ip.frag or ip.flags.MF:
            frag_flags |= 1 | (2 if ip.flags.MF else 0)
            e['frag_off'] = ip.frag * 8
        proto = ip.proto
        nxt = ip.payload
        end = l3 + ip.len
        ext = 0
        while isinstance(nxt, AH):
            ext += 1
            proto = nxt.nh
            nxt = ah_payload(nxt)
        if ip.frag:
            e['frag_flags'] = frag_flags
            e['l4_proto'] = proto
            e['l4_off'] = 0
            e['payload_off'] = l3 + ip.ihl * 4
            e['payload_len'] = ip.len - ip.ihl * 4
            return e
    else:
        e['ttl'] = ip.hlim
        e['l3_len'] = 40 + ip.plen
        end = l3 + 40 + ip.plen
        proto = ip.nh
        nxt = ip.payload
        ext = 0
        while isinstance(nxt, EXT6):
            ext += 1
            if isinstance(nxt, IPv6ExtHdrFragment):
                frag_flags |= 8
                e['frag_id'] = nxt.id
                if nxt.offset or nxt.m:
                    frag_flags |= 1 | (2 if nxt.m else 0)
                    e['frag_off'] = nxt.offset * 8
                if nxt.offset:
                    e['frag_flags'] = frag_flags
                    e['ext_count'] = ext
                    e['l4_proto'] = nxt.nh
                    e['l4_off'] = 0
                    e['payload_off'] = off(pkt, IPv6ExtHdrFragment) + 8
                    e['payload_len'] = end - e['payload_off']
                    return e
            proto = nxt.nh
            nxt = ah_payload(nxt) if isinstance(nxt, AH) else nxt.payload
    e['ext_count'] = ext
    e['frag_flags'] = frag_flags
    e['l4_proto'] = proto
    l4 = len(raw) - len(bytes(nxt))
    if status == 'no_l4':
        e['l4_off'] = 0
        e['payload_off'] = l4
        e['payload_len'] = end - l4
        return e
    e['l4_off'] = l4
    if isinstance(nxt, TCP):
        e['sport'], e['dport'] = nxt.sport, nxt.dport
        e['tcp_seq'], e['tcp_ack'] = nxt.seq, nxt.ack
        e['tcp_flags'] = int(nxt.flags) & 0xff
        e['tcp_window'] = nxt.window
        e['payload_off'] = l4 + nxt.dataofs * 4
        e['payload_len'] = end - e['payload_off']
    elif isinstance(nxt, UDP):
        e['sport'], e['dport'] = nxt.sport, nxt.dport
        e['payload_off'] = l4 + 8
        e['payload_len'] = min(nxt.len, end - l4) - 8
    else:
        e['sport'] = e['dport'] = 0
        e['payload_off'] = l4
        e['payload_len'] = end - l4
    return e


def frames():
    """(name, packet, status) for each sample."""
    tcp_syn = TCP(sport=49152, dport=443, seq=0x11223344, flags='S',
                  window=64240,
                  options=[('MSS', 1460), ('SAckOK', b''), ('WScale', 7)])
    tcp_data = TCP(sport=49153, dport=443, seq=1000, ack=0x80000001,
                   flags='PA', window=502)
    yield 'v4_tcp_syn', Ether(**MAC) / IP(**V4, ttl=63, id=7, flags='DF') / tcp_syn, 'ok'
    yield 'v4_tcp_data', Ether(**MAC) / IP(**V4, id=8) / tcp_data / Raw(HELLO), 'ok'
    yield 'v4_udp', Ether(**MAC) / IP(**V4) / UDP(sport=5353, dport=53) / Raw(b'\x12\x34' + bytes(10)), 'ok'
    yield 'v4_icmp', Ether(**MAC) / IP(**V4) / ICMP() / Raw(b'ping'), 'ok'
    yield 'v4_opts_tcp', Ether(**MAC) / IP(**V4, options=[IPOption_RR(routers=['10.0.0.1'])]) / tcp_data / Raw(b'hi'), 'ok'
    yield 'v4_padded_udp', Ether(**MAC) / IP(**V4) / UDP(sport=1, dport=2) / Raw(b'x') / Padding(b'\0' * 17), 'ok'
    yield 'v4_padded_tcp', Ether(**MAC) / IP(**V4) / TCP(sport=3, dport=4, flags='A') / Padding(b'\xaa' * 6), 'ok'
    yield 'vlan_v4_tcp', Ether(**MAC) / Dot1Q(vlan=100, prio=5) / IP(**V4) / tcp_data / Raw(HELLO[:10]), 'ok'
    yield 'qinq_v4_udp', Ether(**MAC) / Dot1AD(vlan=10) / Dot1Q(vlan=4000, id=1) / IP(**V4) / UDP(sport=7, dport=8) / Raw(b'abc'), 'ok'
    q = Ether(**MAC, type=0x9100) / Dot1Q(vlan=1, type=0x8100) / Dot1Q(vlan=2, type=0x8100) / Dot1Q(vlan=3) / IPv6(**V6) / tcp_syn
    yield 'tags3_9100_v6_tcp', q, 'ok'
    yield 'arp', Ether(**MAC) / ARP(psrc='192.0.2.1', pdst='192.0.2.2'), 'not_ip'
    yield 'vlan_arp', Ether(**MAC) / Dot1Q(vlan=5) / ARP(), 'not_ip'
    yield 'v6_tcp_syn', Ether(**MAC) / IPv6(**V6, hlim=61) / tcp_syn, 'ok'
    yield 'v6_tcp_data', Ether(**MAC) / IPv6(**V6) / tcp_data / Raw(HELLO), 'ok'
    yield 'v6_udp', Ether(**MAC) / IPv6(**V6) / UDP(sport=5353, dport=53) / Raw(bytes(20)), 'ok'
    yield 'v6_icmp', Ether(**MAC) / IPv6(**V6) / ICMPv6EchoRequest(data=b'ping'), 'ok'
    yield 'v6_hbh_tcp', Ether(**MAC) / IPv6(**V6) / IPv6ExtHdrHopByHop() / tcp_data / Raw(b'z'), 'ok'
    yield 'v6_rt_udp', Ether(**MAC) / IPv6(**V6) / IPv6ExtHdrRouting(addresses=['2001:db8::9']) / UDP(sport=9, dport=10) / Raw(b'r'), 'ok'
    yield 'v6_dst_tcp', Ether(**MAC) / IPv6(**V6) / IPv6ExtHdrDestOpt() / tcp_syn, 'ok'
    chain = (IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting(addresses=['2001:db8::a', '2001:db8::b'])
             / IPv6ExtHdrFragment(id=0xabcdef01) / IPv6ExtHdrDestOpt())
    yield 'v6_chain_tcp', Ether(**MAC) / IPv6(**V6) / chain / tcp_data / Raw(HELLO[:5]), 'ok'
    yield 'v6_ah_tcp', Ether(**MAC) / IPv6(**V6) / AH(nh=6, payloadlen=4, spi=0x100, seq=1, icv=bytes(12)) / tcp_data / Raw(b'ah'), 'ok'
    yield 'v4_ah_udp', Ether(**MAC) / IP(**V4) / AH(nh=17, payloadlen=4, spi=0x101, seq=2, icv=bytes(12)) / UDP(sport=11, dport=12) / Raw(b'ah4'), 'ok'
    yield 'v6_esp', Ether(**MAC) / IPv6(**V6) / ESP(spi=0x200, seq=1, data=bytes(24)), 'no_l4'
    yield 'v6_dst_esp', Ether(**MAC) / IPv6(**V6) / IPv6ExtHdrDestOpt() / ESP(spi=0x201, seq=1, data=bytes(8)), 'no_l4'
    yield 'v4_esp', Ether(**MAC) / IP(**V4) / ESP(spi=0x202, seq=1, data=bytes(16)), 'no_l4'
    yield 'v6_nonext', Ether(**MAC) / IPv6(**V6, nh=59) / Raw(b'ignored'), 'no_l4'
    yield 'v6_hbh_nonext', Ether(**MAC) / IPv6(**V6) / IPv6ExtHdrHopByHop(nh=59), 'no_l4'

    big4 = IP(**V4, id=0x4242) / UDP(sport=4000, dport=4001) / Raw(bytes(range(256)) * 6)
    f4 = fragment(big4, fragsize=512)
    yield 'v4_frag_first_udp', Ether(**MAC) / f4[0], 'ok'
    yield 'v4_frag_mid', Ether(**MAC) / f4[1], 'fragment'
    yield 'v4_frag_last', Ether(**MAC) / f4[-1], 'fragment'
    big4t = IP(**V4, id=0x4343) / tcp_data / Raw(bytes(range(256)) * 4)
    f4t = fragment(big4t, fragsize=256)
    yield 'v4_frag_first_tcp', Ether(**MAC) / f4t[0], 'ok'
    big6 = IPv6(**V6) / IPv6ExtHdrFragment(id=0x01020304) / UDP(sport=5000, dport=5001) / Raw(bytes(range(256)) * 6)
    f6 = fragment6(big6, 600)
    yield 'v6_frag_first_udp', Ether(**MAC) / f6[0], 'ok'
    yield 'v6_frag_mid', Ether(**MAC) / f6[1], 'fragment'
    yield 'v6_frag_last', Ether(**MAC) / f6[-1], 'fragment'
    big6t = IPv6(**V6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(id=0x0a0b0c0d) / tcp_data / Raw(bytes(range(256)) * 4)
    f6t = fragment6(big6t, 400)
    yield 'v6_hbh_frag_first_tcp', Ether(**MAC) / f6t[0], 'ok'
    yield 'v6_hbh_frag_last', Ether(**MAC) / f6t[-1], 'fragment'
    yield 'v6_atomic_frag_tcp', Ether(**MAC) / IPv6(**V6) / IPv6ExtHdrFragment(id=99, offset=0, m=0) / tcp_syn, 'ok'


def fmt(v):
    return v if isinstance(v, str) else str(int(v))


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for f in os.listdir(HERE):
        if f.endswith('.bin'):
            os.unlink(os.path.join(HERE, f))
    lines = []
    for name, pkt, status in frames():
        pkt = Ether(bytes(pkt))  # dissect what we built: fills every auto field
        raw = bytes(pkt)
        with open(os.path.join(HERE, name + '.bin'), 'wb') as fh:
            fh.write(raw)
        e = expect(name, pkt, status)
        lines.append(name + '.bin ' + ' '.join('%s=%s' % (k, fmt(v)) for k, v in e.items()))
    with open(os.path.join(HERE, 'expected.txt'), 'w') as fh:
        fh.write('# written by make-frames.py from scapy\'s view of each frame; do not edit\n')
        fh.write('\n'.join(lines) + '\n')
    for f in os.listdir(HERE):
        if f.endswith('.bin'):
            shutil.copy(os.path.join(HERE, f), os.path.join(CORPUS, f))
    print('%d frames' % len(lines), file=sys.stderr)


if __name__ == '__main__':
    main()
