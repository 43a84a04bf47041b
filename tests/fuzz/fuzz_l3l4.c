/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the L2-L4 parser. The input is one Ethernet frame;
 * it is also handed to l3l4_parse_ip as a bare datagram. Any descriptor that
 * points outside the input, or breaks the other invariants documented in
 * l3l4_types.h, aborts. Seeds: tests/fuzz/corpus/l3l4/ (written by
 * tests/data/l3l4/make-frames.py).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "l3l4.h"
#include "l3l4_peek.h"

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "l3l4 invariant broken: %s (line %d)\n", \
				#cond, __LINE__);                            \
			abort();                                             \
		}                                                            \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void check_desc(const uint8_t *buf, size_t len, enum l3l4_status st,
		       const struct l3l4_desc *d)
{
	size_t end = len;

	CHECK((unsigned)st < L3L4_STATUS_COUNT);
	CHECK(d->reason < L3L4_R_COUNT);
	CHECK((d->reason != L3L4_R_NONE) == (st == L3L4_TRUNCATED || st == L3L4_MALFORMED));
	CHECK(strcmp(l3l4_status_str(st), "unknown") != 0);
	CHECK(strcmp(l3l4_reason_str((enum l3l4_reason)d->reason), "unknown") != 0);
	if (d->reason == L3L4_R_FRAME_TOO_LONG) {
		CHECK(len > L3L4_MAX_FRAME);
		return;
	}
	CHECK(len <= L3L4_MAX_FRAME);
	CHECK(d->vlan_count <= L3L4_MAX_VLAN);
	CHECK(d->ext_count <= L3L4_MAX_EXT);
	CHECK(d->l2_len <= len);
	if (d->ip_version != 0) {
		CHECK(d->ip_version == 4 || d->ip_version == 6);
		CHECK(d->l3_off == d->l2_len);
		CHECK((size_t)d->l3_off + d->l3_len <= len);
		CHECK(d->l3_len >= (d->ip_version == 4 ? 20 : 40));
		end = (size_t)d->l3_off + d->l3_len;
	} else {
		CHECK(d->l3_len == 0 && d->l4_off == 0 && d->payload_len == 0);
	}
	CHECK((size_t)d->payload_off + d->payload_len <= end);
	if (d->l4_off != 0) {
		CHECK(d->l4_off > d->l3_off);
		CHECK(d->l4_off <= d->payload_off);
	}
	switch (st) {
	case L3L4_OK:
		CHECK(d->ip_version != 0 && d->l4_off != 0);
		if (d->l4_proto == 6) {
			CHECK(d->payload_off - d->l4_off >= 20);
			CHECK((d->payload_off - d->l4_off) % 4 == 0);
			CHECK((size_t)(buf[d->l4_off + 12] >> 4) * 4 == (size_t)(d->payload_off - d->l4_off));
		} else if (d->l4_proto == 17) {
			CHECK(d->payload_off - d->l4_off == 8);
		} else {
			CHECK(d->payload_off == d->l4_off);
			CHECK(d->sport == 0 && d->dport == 0);
		}
		if ((d->frag_flags & L3L4_FRAG_IS) != 0)
			CHECK(d->frag_off == 0 && (d->frag_flags & L3L4_FRAG_MF) != 0);
		break;
	case L3L4_FRAGMENT:
		CHECK(d->ip_version != 0);
		CHECK((d->frag_flags & L3L4_FRAG_IS) != 0);
		CHECK(d->l4_off == 0 && d->sport == 0 && d->dport == 0);
		break;
	case L3L4_NO_L4:
		CHECK(d->ip_version != 0 && d->l4_off == 0 && d->sport == 0);
		break;
	case L3L4_NOT_IP:
		CHECK(d->ip_version == 0);
		CHECK(d->ethertype != 0x0800 && d->ethertype != 0x86dd);
		break;
	default:
		break;
	}
	CHECK(d->frag_off % 8 == 0);
	/* Touch the ends of what the descriptor hands out: ASan checks the bounds. */
	if (d->payload_len != 0)
		sink = (uint8_t)(buf[d->payload_off] ^ buf[d->payload_off + d->payload_len - 1]);
	if (d->ip_version != 0)
		sink = buf[d->l3_off + d->l3_len - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct l3l4_desc d, again, ip;
	enum l3l4_status st, st2;

	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);

	st = l3l4_parse(buf, size, &d);
	check_desc(buf, size, st, &d);
	/* The common-frame shortcut agrees with the general path exactly. */
	st2 = l3l4_parse_general(buf, size, &again);
	CHECK(st == st2 && memcmp(&d, &again, sizeof(d)) == 0);

	/* The worker's peek takes only frames the shortcut takes, with their
	 * values, and the flow key from it is the key from the descriptor. */
	struct l3l4_peek pk;
	if (l3l4_peek_tcp(buf, size, &pk)) {
		struct flow_key kp, kd;
		bool swp, swd;

		CHECK(st == L3L4_OK && d.l4_proto == L3L4_IPPROTO_TCP && d.vlan_count == 0 &&
		      d.ext_count == 0 && !(d.frag_flags & L3L4_FRAG_IS));
		CHECK(pk.ip_version == d.ip_version && pk.l3_len == d.l3_len);
		CHECK(pk.th == buf + d.l4_off && pk.th + pk.doff == buf + d.payload_off);
		CHECK(l3l4_peek_sport(&pk) == d.sport && l3l4_peek_dport(&pk) == d.dport);
		CHECK(l3l4_peek_flags(&pk) == d.tcp_flags);
		CHECK(l3l4_peek_payload_len(&pk) == d.payload_len);
		flow_key_from_peek(&pk, &kp, &swp);
		CHECK(flow_key_from_desc(&d, &kd, &swd) == 0);
		CHECK(memcmp(&kp, &kd, sizeof(kp)) == 0 && swp == swd);
	}

	/* Past the link header the datagram parser must agree, shifted. */
	if (d.ip_version != 0) {
		const size_t sh = d.l2_len;

		st2 = l3l4_parse_ip(buf + sh, size - sh, d.ip_version, &ip);
		check_desc(buf + sh, size - sh, st2, &ip);
		CHECK(st2 == st && ip.reason == d.reason);
		CHECK(ip.l3_len == d.l3_len && ip.payload_len == d.payload_len);
		CHECK(ip.payload_off + sh == d.payload_off || (ip.payload_off == 0 && d.payload_off == 0));
		CHECK(ip.l4_off == (d.l4_off ? d.l4_off - sh : 0));
		CHECK(ip.sport == d.sport && ip.dport == d.dport);
		CHECK(ip.frag_flags == d.frag_flags && ip.frag_off == d.frag_off);
	}

	/* And the raw input as a bare datagram of its own version. */
	if (size != 0) {
		st2 = l3l4_parse_ip(buf, size, buf[0] >> 4, &ip);
		check_desc(buf, size, st2, &ip);
		CHECK(ip.l2_len == 0 && ip.vlan_count == 0);
	}

	free(buf);
	return 0;
}
