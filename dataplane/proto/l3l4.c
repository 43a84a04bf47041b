/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2-L4 parser for one captured Ethernet frame.
 *
 * Wire grammar (n = bytes; every "length" is checked against its parent
 * before anything inside it is read):
 *
 *   frame    = dst(6) src(6) *4tag ethertype(2) l3 [padding]
 *   tag      = tpid(2: 0x8100 | 0x88a8 | 0x9100) tci(2)     5th tag: MALFORMED
 *   l3       = ipv4 / ipv6 by ethertype 0x0800 / 0x86dd; any other: NOT_IP
 *   ipv4     = ver-ihl(1) tos(1) total(2) id(2) flags-off(2) ttl(1) proto(1)
 *              csum(2) src(4) dst(4) options(ihl*4 - 20) data
 *              ihl >= 5, ihl*4 <= total <= captured; bytes past total are
 *              Ethernet padding and are ignored
 *   ipv6     = ver-tc-flow(4) plen(2) nh(1) hlim(1) src(16) dst(16) data(plen)
 *              40 + plen <= captured; bytes past it are padding
 *   data     = *8ext l4                   (IPv4: ext is AH only)
 *   ext      = hbh / rthdr / dstopts: nh(1) len(1) body((len+1)*8 - 2)
 *            | frag:  nh(1) res(1) off13-res2-M(2) id(4)
 *            | ah:    nh(1) len(1) body((len+2)*4 - 2), at least 12 bytes
 *              hop-by-hop only first; one fragment header; at most
 *              L3L4_MAX_EXT headers and L3L4_MAX_EXT_BYTES bytes in all
 *   l4       = tcp:   sport(2) dport(2) seq(4) ack(4) doff-res(1) flags(1)
 *                     win(2) csum(2) urg(2) options(doff*4 - 20) payload
 *                     5 <= doff, doff*4 <= segment
 *            | udp:   sport(2) dport(2) ulen(2) csum(2) payload(ulen - 8)
 *                     8 <= ulen <= IP payload; IP bytes past ulen ignored
 *            | esp(50) / none(59) / 135 / 139 / 140 / 253 / 254: NO_L4
 *                     (encrypted, empty, or an extension header we don't walk)
 *            | any other protocol: OK, no ports, payload = all its bytes
 *
 * Fragments. A fragment is IPv4 offset != 0 or MF set, or an IPv6 fragment
 * header with the same. A non-first one (offset != 0) carries no L4 header:
 * the fragment is recorded and the status is FRAGMENT. A first fragment is
 * parsed on; its L4 header, if it is all there, gives OK with
 * L3L4_FRAG_IS|L3L4_FRAG_MF set and a payload that is only this fragment's
 * share. If the first fragment stops inside the extension chain or the L4
 * header (RFC 1858 / RFC 7112 tiny fragments), the status is FRAGMENT too:
 * only reassembly can tell what the header says, so it must go there rather
 * than be judged on half a header. An IPv6 fragment header with offset 0
 * and M clear (RFC 6946 atomic fragment) is not a fragment.
 *
 * The IPv4 header checksum is not verified. The appliance forwards frames
 * untouched, the receiving host (or its NIC) verifies the checksum and drops
 * a bad one, so a classifier that also dropped it would only duplicate that
 * work on every packet; it matters only to frames we build ourselves, for
 * which l3l4_ipv4_hdr_csum() exists.
 *
 * The IP datagram is already complete when the L4 header is read (a short
 * capture stopped at L3 with TRUNCATED), so a TCP or UDP header that
 * overruns its IP payload is MALFORMED, not TRUNCATED.
 */
#include "l3l4.h"

#include <stdbool.h>
#include <string.h>

#include "cursor.h"
#include "l3l4_peek.h"

#define ETH_HLEN L3L4_ETH_HLEN
#define VLAN_HLEN 4u
#define ETHERTYPE_IPV4 L3L4_ETHERTYPE_IPV4
#define ETHERTYPE_IPV6 L3L4_ETHERTYPE_IPV6
#define ETHERTYPE_8021Q 0x8100u
#define ETHERTYPE_8021AD 0x88a8u
#define ETHERTYPE_QINQ 0x9100u /* pre-802.1ad QinQ, still seen on older gear */

#define IPV4_HLEN L3L4_IPV4_HLEN
#define IPV4_DF L3L4_IPV4_DF
#define IPV4_MF L3L4_IPV4_MF
#define IPV4_OFF_MASK L3L4_IPV4_OFF_MASK
#define IPV6_HLEN L3L4_IPV6_HLEN
#define FRAG6_HLEN 8u
#define FRAG6_OFF_MASK 0xfff8u
#define FRAG6_M 0x0001u
#define AH_MIN_LEN 12u
#define TCP_HLEN L3L4_TCP_HLEN
#define UDP_HLEN 8u
#define IP_MAXLEN 65535u

_Static_assert(sizeof(struct l3l4_desc) <= 96, "descriptor grew past 1.5 cache lines");
_Static_assert(L3L4_MAX_EXT < 256 && L3L4_MAX_VLAN < 256, "counts are stored in a uint8_t");

static inline uint16_t be16_unsafe(const uint8_t *p)
{
	return l3l4_be16(p);
}

static inline uint32_t be32_unsafe(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* p lies inside a buffer starting at base of at most L3L4_MAX_FRAME bytes. */
static inline uint16_t off_unsafe(const uint8_t *base, const uint8_t *p)
{
	return (uint16_t)(p - base);
}

static enum l3l4_status l3l4_bad(struct l3l4_desc *d, enum l3l4_status st,
				 enum l3l4_reason r)
{
	d->reason = (uint8_t)r;
	return st;
}

static inline bool is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD || type == ETHERTYPE_QINQ;
}

static inline bool is_ext(uint8_t nh, bool v6)
{
	if (nh == L3L4_IPPROTO_AH)
		return true;
	return v6 && (nh == L3L4_IPPROTO_HOPOPTS || nh == L3L4_IPPROTO_ROUTING ||
		      nh == L3L4_IPPROTO_FRAGMENT || nh == L3L4_IPPROTO_DSTOPTS);
}

/* Headers behind which the L4 header cannot be found without more than we do. */
static inline bool is_opaque(uint8_t nh)
{
	switch (nh) {
	case L3L4_IPPROTO_ESP:
	case L3L4_IPPROTO_NONE:
	case 135: /* mobility header */
	case 139: /* HIP */
	case 140: /* shim6 */
	case 253: /* RFC 3692 experiments */
	case 254:
		return true;
	default:
		return false;
	}
}

/*
 * Records fragment fields. data is the fragment's data (what follows the
 * IPv4 header or the IPv6 fragment header), unfrag the header bytes that
 * reassembly keeps in front of it. OK means parse on: no fragment, or a first
 * one.
 */
static enum l3l4_status note_frag(const uint8_t *base, struct l3l4_desc *d,
				  const struct cur *data, size_t unfrag, uint16_t off, bool mf)
{
	if (off == 0 && !mf)
		return L3L4_OK;
	/* Only the last fragment may end off an 8-byte boundary (RFC 791, 8200). */
	if (mf && (data->left & 7u) != 0)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_FRAG_ALIGN);
	/* The reassembled datagram would not fit its 16-bit length (ping of death). */
	if ((uint32_t)unfrag + off + data->left > IP_MAXLEN)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_FRAG_OVERFLOW);
	d->frag_flags |= (uint8_t)(L3L4_FRAG_IS | (mf ? L3L4_FRAG_MF : 0));
	d->frag_off = off;
	d->payload_off = off_unsafe(base, data->p);
	d->payload_len = (uint16_t)data->left;
	return off != 0 ? L3L4_FRAGMENT : L3L4_OK;
}

/*
 * A header runs past the data we have. In a first fragment the rest is in a
 * later fragment; anywhere else the IP length itself says the header is cut.
 */
static enum l3l4_status l3l4_short(struct l3l4_desc *d, enum l3l4_reason r)
{
	if (d->frag_flags & L3L4_FRAG_MF)
		return L3L4_FRAGMENT;
	return l3l4_bad(d, L3L4_MALFORMED, r);
}

/* The TCP header's fields, from a header of doff bytes at l4_off starting a
 * segment of seg_len bytes (both already checked). */
static inline void tcp_fields(struct l3l4_desc *d, const uint8_t *h, uint16_t l4_off,
			      size_t doff, size_t seg_len)
{
	d->sport = be16_unsafe(h);
	d->dport = be16_unsafe(h + 2);
	d->tcp_seq = be32_unsafe(h + 4);
	d->tcp_ack = be32_unsafe(h + 8);
	d->tcp_flags = h[13];
	d->tcp_window = be16_unsafe(h + 14);
	d->l4_off = l4_off;
	d->payload_off = (uint16_t)(l4_off + doff);
	d->payload_len = (uint16_t)(seg_len - doff);
}

static enum l3l4_status parse_tcp(const uint8_t *base, struct cur c, struct l3l4_desc *d)
{
	const uint8_t *h = c.p;
	size_t doff;

	if (!cur_has(&c, TCP_HLEN))
		return l3l4_short(d, L3L4_R_TCP_SHORT);
	doff = (size_t)(h[12] >> 4) * 4;
	if (doff < TCP_HLEN)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_TCP_DOFF);
	if (doff > c.left)
		return l3l4_short(d, L3L4_R_TCP_DOFF_LEN);
	tcp_fields(d, h, off_unsafe(base, h), doff, c.left);
	return L3L4_OK;
}

static enum l3l4_status parse_udp(const uint8_t *base, struct cur c, struct l3l4_desc *d)
{
	const uint8_t *h = c.p;
	size_t ulen;

	if (!cur_has(&c, UDP_HLEN))
		return l3l4_short(d, L3L4_R_UDP_SHORT);
	ulen = be16_unsafe(h + 4);
	if (ulen < UDP_HLEN)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_UDP_LEN_SHORT);
	if (ulen > c.left) {
		/* A first fragment holds only the start of the datagram. */
		if (!(d->frag_flags & L3L4_FRAG_MF))
			return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_UDP_LEN_LONG);
		ulen = c.left;
	}
	d->sport = be16_unsafe(h);
	d->dport = be16_unsafe(h + 2);
	d->l4_off = off_unsafe(base, h);
	d->payload_off = (uint16_t)(d->l4_off + UDP_HLEN);
	d->payload_len = (uint16_t)(ulen - UDP_HLEN);
	return L3L4_OK;
}

/*
 * Walks the extension headers from next-header nh (IPv6: all of 0/43/44/51/
 * 60; IPv4: AH) and dispatches on the L4 protocol. c covers the IP payload
 * exactly. Bounded: at most L3L4_MAX_EXT + 1 turns.
 */
static enum l3l4_status parse_upper(const uint8_t *base, struct cur c, uint8_t nh,
				    bool v6, struct l3l4_desc *d)
{
	const size_t start = c.left;
	enum l3l4_status st;
	unsigned n;

	for (n = 0; n <= L3L4_MAX_EXT; n++) {
		struct cur h;
		size_t hlen;
		uint16_t fo;

		if (!is_ext(nh, v6))
			break;
		if (n == L3L4_MAX_EXT)
			return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_EXT_COUNT);
		if (!cur_has(&c, 2))
			return l3l4_short(d, L3L4_R_EXT_LEN);
		if (nh == L3L4_IPPROTO_FRAGMENT) {
			hlen = FRAG6_HLEN;
		} else if (nh == L3L4_IPPROTO_AH) {
			hlen = ((size_t)c.p[1] + 2) * 4;
			if (hlen < AH_MIN_LEN)
				return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_AH_LEN);
		} else {
			/* RFC 8200 4.1: hop-by-hop only right after the IPv6 header. */
			if (nh == L3L4_IPPROTO_HOPOPTS && n != 0)
				return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_HBH_POS);
			hlen = ((size_t)c.p[1] + 1) * 8;
		}
		if (start - c.left + hlen > L3L4_MAX_EXT_BYTES)
			return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_EXT_BYTES);
		if (!cur_take(&c, hlen, &h))
			return l3l4_short(d, L3L4_R_EXT_LEN);
		d->ext_count = (uint8_t)(n + 1);
		d->l4_proto = h.p[0];
		if (nh == L3L4_IPPROTO_FRAGMENT) {
			if (d->frag_flags & L3L4_FRAG_HDR)
				return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_FRAG_DUP);
			d->frag_flags |= L3L4_FRAG_HDR;
			d->frag_id = be32_unsafe(h.p + 4);
			fo = be16_unsafe(h.p + 2);
			st = note_frag(base, d, &c, start - c.left - FRAG6_HLEN,
				       (uint16_t)(fo & FRAG6_OFF_MASK), (fo & FRAG6_M) != 0);
			if (st != L3L4_OK)
				return st;
		}
		nh = h.p[0];
	}

	if (nh == L3L4_IPPROTO_TCP)
		return parse_tcp(base, c, d);
	if (nh == L3L4_IPPROTO_UDP)
		return parse_udp(base, c, d);
	d->payload_off = off_unsafe(base, c.p);
	d->payload_len = (uint16_t)c.left;
	if (is_opaque(nh))
		return L3L4_NO_L4;
	d->l4_off = d->payload_off;
	return L3L4_OK;
}

static enum l3l4_status parse_ipv4(const uint8_t *base, struct cur c, struct l3l4_desc *d)
{
	const uint8_t *h = c.p;
	struct cur dg;
	size_t ihl;
	uint16_t tot, fo;
	enum l3l4_status st;

	if (!cur_has(&c, IPV4_HLEN))
		return l3l4_bad(d, L3L4_TRUNCATED, L3L4_R_IPV4_SHORT);
	if (h[0] >> 4 != 4)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_IP_VERSION);
	ihl = (size_t)(h[0] & 0x0f) * 4;
	if (ihl < IPV4_HLEN)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_IPV4_IHL);
	tot = be16_unsafe(h + 2);
	if (tot < ihl)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_IPV4_TOTLEN);
	if (!cur_take(&c, tot, &dg))
		return l3l4_bad(d, L3L4_TRUNCATED, L3L4_R_IPV4_CUT);

	d->ip_version = 4;
	d->l3_off = off_unsafe(base, h);
	d->l3_len = tot;
	d->ttl = h[8];
	d->l4_proto = h[9];
	d->frag_id = be16_unsafe(h + 4);
	memcpy(d->src, h + 12, 4);
	memcpy(d->dst, h + 16, 4);
	fo = be16_unsafe(h + 6);
	if (fo & IPV4_DF)
		d->frag_flags |= L3L4_FRAG_DF;

	(void)cur_skip(&dg, ihl); /* ihl <= tot was checked */
	st = note_frag(base, d, &dg, ihl, (uint16_t)((fo & IPV4_OFF_MASK) * 8),
		       (fo & IPV4_MF) != 0);
	if (st != L3L4_OK)
		return st;
	return parse_upper(base, dg, h[9], false, d);
}

static enum l3l4_status parse_ipv6(const uint8_t *base, struct cur c, struct l3l4_desc *d)
{
	const uint8_t *h = c.p;
	struct cur dg;

	if (!cur_has(&c, IPV6_HLEN))
		return l3l4_bad(d, L3L4_TRUNCATED, L3L4_R_IPV6_SHORT);
	if (h[0] >> 4 != 6)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_IP_VERSION);
	if (!cur_take(&c, IPV6_HLEN + (size_t)be16_unsafe(h + 4), &dg))
		return l3l4_bad(d, L3L4_TRUNCATED, L3L4_R_IPV6_CUT);

	d->ip_version = 6;
	d->l3_off = off_unsafe(base, h);
	d->l3_len = (uint16_t)dg.left; /* <= len <= L3L4_MAX_FRAME */
	d->ttl = h[7];
	d->l4_proto = h[6];
	memcpy(d->src, h + 8, 16);
	memcpy(d->dst, h + 24, 16);

	(void)cur_skip(&dg, IPV6_HLEN);
	return parse_upper(base, dg, h[6], true, d);
}

/*
 * The frames nearly all traffic is made of, those l3l4_peek_tcp() takes
 * (l3l4_peek.h): its checks are every check the general path makes on
 * them, and the descriptor is filled from the peek with exactly the fields
 * that path would fill (test_l3l4 and the l3l4 fuzz target compare the two
 * on every frame they have). Anything else, or anything wrong, returns false
 * for the general path to parse and explain. d is zeroed.
 */
static inline bool parse_common(const uint8_t *b, size_t len, struct l3l4_desc *d)
{
	struct l3l4_peek pk;

	if (!l3l4_peek_tcp(b, len, &pk))
		return false;
	const uint8_t *ip = pk.ip;
	if (pk.ip_version == 4) {
		d->ethertype = ETHERTYPE_IPV4;
		d->ttl = ip[8];
		d->frag_id = be16_unsafe(ip + 4);
		memcpy(d->src, ip + 12, 4);
		memcpy(d->dst, ip + 16, 4);
		d->frag_flags = (be16_unsafe(ip + 6) & IPV4_DF) ? L3L4_FRAG_DF : 0;
	} else {
		d->ethertype = ETHERTYPE_IPV6;
		d->ttl = ip[7];
		memcpy(d->src, ip + 8, 16);
		memcpy(d->dst, ip + 24, 16);
	}
	d->ip_version = pk.ip_version;
	d->l3_len = pk.l3_len;
	tcp_fields(d, pk.th, off_unsafe(b, pk.th), pk.doff, pk.seg_len);
	d->l2_len = ETH_HLEN;
	d->l3_off = ETH_HLEN;
	d->l4_proto = L3L4_IPPROTO_TCP;
	return true;
}

/* The general path; d is zeroed. */
static enum l3l4_status parse_frame(const void *frame, size_t len, struct l3l4_desc *d)
{
	const uint8_t *base = frame;
	struct cur c = cur_make(frame, len), h;
	uint16_t type;
	unsigned n;

	if (len > L3L4_MAX_FRAME)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_FRAME_TOO_LONG);
	if (!cur_take(&c, ETH_HLEN, &h))
		return l3l4_bad(d, L3L4_TRUNCATED, L3L4_R_ETH_SHORT);
	type = be16_unsafe(h.p + 12);
	for (n = 0; n <= L3L4_MAX_VLAN; n++) {
		if (!is_vlan_tpid(type))
			break;
		if (n == L3L4_MAX_VLAN)
			return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_VLAN_DEPTH);
		if (!cur_take(&c, VLAN_HLEN, &h))
			return l3l4_bad(d, L3L4_TRUNCATED, L3L4_R_VLAN_SHORT);
		d->vlan_tci[n] = be16_unsafe(h.p);
		d->vlan_count = (uint8_t)(n + 1);
		type = be16_unsafe(h.p + 2);
	}
	d->ethertype = type;
	d->l2_len = (uint16_t)(len - c.left);

	if (type == ETHERTYPE_IPV4)
		return parse_ipv4(base, c, d);
	if (type == ETHERTYPE_IPV6)
		return parse_ipv6(base, c, d);
	return L3L4_NOT_IP;
}

/*
 * Zeroes *d with a copy of a zero descriptor rather than memset: for these
 * 84 bytes gcc emits `rep stos` for the memset, whose start-up costs more
 * than the rest of the common parse, and plain vector stores for the copy.
 */
static inline void desc_zero(struct l3l4_desc *d)
{
	static const struct l3l4_desc zero;

	*d = zero;
}

enum l3l4_status l3l4_parse(const void *frame, size_t len, struct l3l4_desc *d)
{
	desc_zero(d);
	if (parse_common(frame, len, d))
		return L3L4_OK;
	return parse_frame(frame, len, d);
}

enum l3l4_status l3l4_parse_general(const void *frame, size_t len, struct l3l4_desc *d)
{
	desc_zero(d);
	return parse_frame(frame, len, d);
}

enum l3l4_status l3l4_parse_ip(const void *pkt, size_t len, unsigned version,
			       struct l3l4_desc *d)
{
	struct cur c = cur_make(pkt, len);

	desc_zero(d);
	if (len > L3L4_MAX_FRAME)
		return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_FRAME_TOO_LONG);
	if (version == 4) {
		d->ethertype = ETHERTYPE_IPV4;
		return parse_ipv4(pkt, c, d);
	}
	if (version == 6) {
		d->ethertype = ETHERTYPE_IPV6;
		return parse_ipv6(pkt, c, d);
	}
	return l3l4_bad(d, L3L4_MALFORMED, L3L4_R_IP_VERSION);
}

const char *l3l4_status_str(enum l3l4_status s)
{
	static const char *const names[L3L4_STATUS_COUNT] = {
		[L3L4_OK] = "ok",
		[L3L4_NOT_IP] = "not_ip",
		[L3L4_FRAGMENT] = "fragment",
		[L3L4_NO_L4] = "no_l4",
		[L3L4_TRUNCATED] = "truncated",
		[L3L4_MALFORMED] = "malformed",
	};

	if ((unsigned)s >= L3L4_STATUS_COUNT)
		return "unknown";
	return names[s];
}

const char *l3l4_reason_str(enum l3l4_reason r)
{
	static const char *const names[L3L4_R_COUNT] = {
		[L3L4_R_NONE] = "none",
		[L3L4_R_FRAME_TOO_LONG] = "frame_too_long",
		[L3L4_R_ETH_SHORT] = "eth_short",
		[L3L4_R_VLAN_SHORT] = "vlan_short",
		[L3L4_R_VLAN_DEPTH] = "vlan_depth",
		[L3L4_R_IP_VERSION] = "ip_version",
		[L3L4_R_IPV4_SHORT] = "ipv4_short",
		[L3L4_R_IPV4_IHL] = "ipv4_ihl",
		[L3L4_R_IPV4_TOTLEN] = "ipv4_totlen",
		[L3L4_R_IPV4_CUT] = "ipv4_cut",
		[L3L4_R_IPV6_SHORT] = "ipv6_short",
		[L3L4_R_IPV6_CUT] = "ipv6_cut",
		[L3L4_R_EXT_COUNT] = "ext_count",
		[L3L4_R_EXT_BYTES] = "ext_bytes",
		[L3L4_R_EXT_LEN] = "ext_len",
		[L3L4_R_HBH_POS] = "hbh_pos",
		[L3L4_R_AH_LEN] = "ah_len",
		[L3L4_R_FRAG_DUP] = "frag_dup",
		[L3L4_R_FRAG_ALIGN] = "frag_align",
		[L3L4_R_FRAG_OVERFLOW] = "frag_overflow",
		[L3L4_R_TCP_SHORT] = "tcp_short",
		[L3L4_R_TCP_DOFF] = "tcp_doff",
		[L3L4_R_TCP_DOFF_LEN] = "tcp_doff_len",
		[L3L4_R_UDP_SHORT] = "udp_short",
		[L3L4_R_UDP_LEN_SHORT] = "udp_len_short",
		[L3L4_R_UDP_LEN_LONG] = "udp_len_long",
	};

	if ((unsigned)r >= L3L4_R_COUNT)
		return "unknown";
	return names[r];
}

uint16_t l3l4_ipv4_hdr_csum(const uint8_t *hdr, size_t hdr_len)
{
	uint32_t sum = 0;
	size_t i;

	if (hdr == NULL || hdr_len < IPV4_HLEN || hdr_len > 60 || (hdr_len & 3u) != 0)
		return 0xffff;
	for (i = 0; i < hdr_len; i += 2)
		sum += be16_unsafe(hdr + i);
	sum = (sum & 0xffff) + (sum >> 16);
	sum += sum >> 16;
	return (uint16_t)~sum;
}
