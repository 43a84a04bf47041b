/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_PROTO_L3L4_TYPES_H
#define KB_PROTO_L3L4_TYPES_H

#include <stdint.h>

/*
 * Limits. Frames (and datagrams handed to l3l4_parse_ip) longer than
 * L3L4_MAX_FRAME are MALFORMED (L3L4_R_FRAME_TOO_LONG): every offset in the
 * descriptor is then a uint16_t that cannot wrap. An IPv4 datagram never
 * exceeds it. An IPv6 payload length above 65495 cannot fit, so such a
 * datagram reads as TRUNCATED (and jumbograms cannot occur at all).
 */
#define L3L4_MAX_FRAME 65535u
#define L3L4_MAX_VLAN 4u        /* stacked 802.1Q/802.1ad tags; a 5th is MALFORMED */
#define L3L4_MAX_EXT 8u         /* IPv6 extension headers (and IPv4 AH) per packet */
#define L3L4_MAX_EXT_BYTES 1024u /* total bytes of those extension headers */

enum l3l4_status {
	L3L4_OK = 0,     /* L2..L4 parsed; see frag_flags for a first fragment */
	L3L4_NOT_IP,     /* valid Ethernet, not IPv4/IPv6 (ARP, LLC, MPLS...): forward */
	L3L4_FRAGMENT,   /* fragment whose L4 header is not in it: needs reassembly */
	L3L4_NO_L4,      /* chain ends in ESP, no-next-header or an unwalked ext header */
	L3L4_TRUNCATED,  /* fewer bytes captured than the headers say: see reason */
	L3L4_MALFORMED,  /* inconsistent or out-of-limit headers: see reason */
	L3L4_STATUS_COUNT
};

/* Why a frame is TRUNCATED or MALFORMED; each one is a counter. */
enum l3l4_reason {
	L3L4_R_NONE = 0,
	L3L4_R_FRAME_TOO_LONG,  /* M: frame or datagram > L3L4_MAX_FRAME bytes */
	L3L4_R_ETH_SHORT,       /* T: fewer than 14 bytes */
	L3L4_R_VLAN_SHORT,      /* T: a VLAN tag cut short */
	L3L4_R_VLAN_DEPTH,      /* M: more than L3L4_MAX_VLAN tags */
	L3L4_R_IP_VERSION,      /* M: version nibble does not match the ethertype */
	L3L4_R_IPV4_SHORT,      /* T: fewer than 20 bytes of IPv4 header */
	L3L4_R_IPV4_IHL,        /* M: IHL < 5 */
	L3L4_R_IPV4_TOTLEN,     /* M: total length < IHL * 4 */
	L3L4_R_IPV4_CUT,        /* T: total length > bytes captured */
	L3L4_R_IPV6_SHORT,      /* T: fewer than 40 bytes of IPv6 header */
	L3L4_R_IPV6_CUT,        /* T: 40 + payload length > bytes captured */
	L3L4_R_EXT_COUNT,       /* M: more than L3L4_MAX_EXT extension headers */
	L3L4_R_EXT_BYTES,       /* M: extension headers exceed L3L4_MAX_EXT_BYTES */
	L3L4_R_EXT_LEN,         /* M: an extension header runs past the IP payload */
	L3L4_R_HBH_POS,         /* M: hop-by-hop options not right after the IPv6 header */
	L3L4_R_AH_LEN,          /* M: AH shorter than its 12-byte minimum */
	L3L4_R_FRAG_DUP,        /* M: a second IPv6 fragment header */
	L3L4_R_FRAG_ALIGN,      /* M: a non-last fragment not a multiple of 8 bytes */
	L3L4_R_FRAG_OVERFLOW,   /* M: fragment offset + length > 65535 */
	L3L4_R_TCP_SHORT,       /* M: TCP segment shorter than 20 bytes */
	L3L4_R_TCP_DOFF,        /* M: TCP data offset < 5 */
	L3L4_R_TCP_DOFF_LEN,    /* M: TCP data offset beyond the segment */
	L3L4_R_UDP_SHORT,       /* M: UDP datagram shorter than 8 bytes */
	L3L4_R_UDP_LEN_SHORT,   /* M: UDP length field < 8 */
	L3L4_R_UDP_LEN_LONG,    /* M: UDP length field > the IP payload */
	L3L4_R_COUNT
};

/* struct l3l4_desc.frag_flags */
#define L3L4_FRAG_IS 0x01u /* a fragment: offset != 0 or MF set */
#define L3L4_FRAG_MF 0x02u /* more fragments follow */
#define L3L4_FRAG_DF 0x04u /* IPv4 don't-fragment */
#define L3L4_FRAG_HDR 0x08u /* IPv6 fragment header seen (also when atomic) */

/* struct l3l4_desc.tcp_flags */
#define L3L4_TCP_FIN 0x01u
#define L3L4_TCP_SYN 0x02u
#define L3L4_TCP_RST 0x04u
#define L3L4_TCP_PSH 0x08u
#define L3L4_TCP_ACK 0x10u
#define L3L4_TCP_URG 0x20u
#define L3L4_TCP_ECE 0x40u
#define L3L4_TCP_CWR 0x80u

/* IP protocol numbers the parser tells apart. */
#define L3L4_IPPROTO_HOPOPTS 0u
#define L3L4_IPPROTO_TCP 6u
#define L3L4_IPPROTO_UDP 17u
#define L3L4_IPPROTO_ROUTING 43u
#define L3L4_IPPROTO_FRAGMENT 44u
#define L3L4_IPPROTO_ESP 50u
#define L3L4_IPPROTO_AH 51u
#define L3L4_IPPROTO_NONE 59u
#define L3L4_IPPROTO_DSTOPTS 60u

/*
 * What one frame holds, as offsets from the start of the buffer given to
 * the parser. All multi-byte numbers are in host order; addresses stay in
 * network order. The parser zeroes the descriptor first, then fills each
 * layer once it is validated, so after TRUNCATED or MALFORMED the fields of
 * the layers below the failing one are valid and the rest are zero.
 *
 * Invariants (checked by the fuzz target): l2_len <= len; when ip_version
 * is set, l3_off == l2_len and l3_off + l3_len <= len; when l4_off is set,
 * l3_off < l4_off <= payload_off; payload_off + payload_len <= l3_off +
 * l3_len (or <= len without IP).
 *
 * payload_* is the data after the last header understood: the TCP or UDP
 * payload; all L4 bytes for another protocol (ICMP...); the bytes from ESP /
 * no-next-header on for NO_L4; and the fragment's data (after the fragment
 * header, or the IPv4 header) for FRAGMENT. It never covers Ethernet
 * padding after the IP datagram.
 */
struct l3l4_desc {
	uint16_t l2_len;        /* Ethernet header + tags; 0 from l3l4_parse_ip */
	uint16_t ethertype;     /* innermost ethertype */
	uint16_t vlan_tci[L3L4_MAX_VLAN]; /* outermost first */
	uint8_t vlan_count;
	uint8_t ip_version;     /* 4, 6, or 0 when not IP */
	uint8_t ttl;            /* IPv4 TTL or IPv6 hop limit */
	uint8_t l4_proto;       /* IPv4 protocol / last IPv6 next header */
	uint16_t l3_off;
	uint16_t l3_len;        /* IP header + payload, padding excluded */
	uint16_t l4_off;        /* 0 when no L4 header was located */
	uint16_t payload_off;
	uint16_t payload_len;
	uint16_t sport;         /* TCP/UDP only */
	uint16_t dport;
	uint16_t tcp_window;
	uint8_t tcp_flags;      /* L3L4_TCP_* */
	uint8_t frag_flags;     /* L3L4_FRAG_* */
	uint16_t frag_off;      /* fragment offset in bytes */
	uint32_t frag_id;       /* IPv4 id (always) or IPv6 fragment id */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint8_t src[16];        /* IPv4 in the first 4 bytes, rest zero */
	uint8_t dst[16];
	uint8_t ext_count;      /* IPv6 extension headers (or IPv4 AH) walked */
	uint8_t reason;         /* enum l3l4_reason, L3L4_R_NONE unless T/M */
};

#endif
