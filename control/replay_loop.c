/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The --loop capture (replay_loop.h). The frame is parsed with the
 * dataplane's own L2-L4 parser so VLAN tags, IPv6 extension headers and
 * fragments are found exactly as the workers will find them.
 */
#include "replay_loop.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l3l4.h"

/* One's-complement update of the checksum at ck for a 16-bit word going
 * from old to new (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). */
static void csum_adjust(uint8_t *ck, uint16_t old, uint16_t new, int udp)
{
	uint32_t hc = (uint32_t)(ck[0] << 8 | ck[1]);

	if (udp && hc == 0)
		return; /* IPv4 UDP without a checksum */
	uint32_t sum = (~hc & 0xffffu) + (~old & 0xffffu) + new;
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	uint16_t res = (uint16_t)~sum;
	if (udp && res == 0)
		res = 0xffff;
	ck[0] = (uint8_t)(res >> 8);
	ck[1] = (uint8_t)res;
}

void ctl_loop_rewrite(uint8_t *frame, size_t len, unsigned k)
{
	struct l3l4_desc d;
	enum l3l4_status st;
	size_t a[2];
	uint8_t *ip_ck = NULL, *l4_ck = NULL;
	int udp = 0;

	if (k % 65536u == 0 || len > L3L4_MAX_FRAME)
		return;
	st = l3l4_parse(frame, len, &d);
	if (d.ip_version == 0)
		return;
	if (d.ip_version == 4) {
		if ((size_t)d.l3_off + 20 > len)
			return;
		a[0] = d.l3_off + 12u;
		a[1] = d.l3_off + 16u;
		ip_ck = frame + d.l3_off + 10;
	} else {
		if ((size_t)d.l3_off + 40 > len)
			return;
		a[0] = d.l3_off + 8u;
		a[1] = d.l3_off + 24u;
	}
	/* The L4 checksum covers the addresses through the pseudo-header; it
	 * is in the frame only when the L4 header is (not in later fragments). */
	if ((st == L3L4_OK || st == L3L4_FRAGMENT) && d.l4_off != 0) {
		if (d.l4_proto == L3L4_IPPROTO_TCP && (size_t)d.l4_off + 18 <= len)
			l4_ck = frame + d.l4_off + 16;
		else if (d.l4_proto == L3L4_IPPROTO_UDP && (size_t)d.l4_off + 8 <= len) {
			l4_ck = frame + d.l4_off + 6;
			udp = d.ip_version == 4;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		uint8_t *w = frame + a[i];
		uint16_t old = (uint16_t)(w[0] << 8 | w[1]);
		uint16_t new = (uint16_t)(old + k);
		w[0] = (uint8_t)(new >> 8);
		w[1] = (uint8_t)new;
		if (ip_ck != NULL)
			csum_adjust(ip_ck, old, new, 0);
		if (l4_ck != NULL)
			csum_adjust(l4_ck, old, new, udp);
	}
}

long ctl_loop_write(const char *in, const char *out, unsigned n, char *err, size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	long per_pass = 0;
	uint8_t *buf = malloc(L3L4_MAX_FRAME + 1);
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	int rc;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned k = 0; k < n; k++) {
		pcap_t *p = pcap_open_offline(in, eb);
		if (p == NULL) {
			snprintf(err, errlen, "%s", eb);
			per_pass = -1;
			break;
		}
		if (dump == NULL) {
			dead = pcap_open_dead(pcap_datalink(p), 262144);
			dump = dead != NULL ? pcap_dump_open(dead, out) : NULL;
			if (dump == NULL) {
				snprintf(err, errlen, "%s: %s", out,
					 dead != NULL ? pcap_geterr(dead) : "cannot write");
				pcap_close(p);
				per_pass = -1;
				break;
			}
		}
		long cnt = 0;
		while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
			size_t len = h->caplen <= L3L4_MAX_FRAME ? h->caplen : L3L4_MAX_FRAME;
			struct pcap_pkthdr oh = *h;
			memcpy(buf, data, len);
			if (pcap_datalink(p) == DLT_EN10MB)
				ctl_loop_rewrite(buf, len, k);
			oh.caplen = (bpf_u_int32)len;
			pcap_dump((u_char *)dump, &oh, buf);
			cnt++;
		}
		if (rc == PCAP_ERROR) {
			snprintf(err, errlen, "%s: %s", in, pcap_geterr(p));
			per_pass = -1;
		}
		pcap_close(p);
		if (per_pass < 0)
			break;
		per_pass = cnt;
	}
	if (dump != NULL && pcap_dump_flush(dump) != 0 && per_pass >= 0) {
		snprintf(err, errlen, "%s: write failed", out);
		per_pass = -1;
	}
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	free(buf);
	return per_pass;
}
