/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS query inspection: one UDP datagram at a time, or the first query of
 * a TCP stream to a DNS port. inspect_l7.h says when a verdict falls.
 */
#include "inspect_l7.h"

#include <string.h>

#include "dns.h"
#include "inspect.h"

static void out_reset(struct insp_out *out)
{
	out->n_names = 0;
	out->decide = -1;
	out->proto = INSP_P_DNS;
	out->parse_status = 0;
	out->parse_reason = 0;
	out->parse_flags = 0;
}

bool insp_dns_limit(enum dns_reason r)
{
	return r == DNS_R_QDCOUNT || r == DNS_R_COMPRESSION || r == DNS_R_TOO_MANY_RRS;
}

/* The verdict on a parsed query; name/q->name_len as dns_parse_query left them. */
static enum insp_status judge(enum dns_status st, const struct dns_query *q, const char *name,
			      const struct sigset *set, struct sig_scratch *scr,
			      struct insp_out *out)
{
	out->parse_status = (uint8_t)st;
	out->parse_reason = (uint8_t)q->reason;
	out->parse_flags = q->flags;
	if (st == DNS_MALFORMED)
		return insp_dns_limit(q->reason) ? INSP_GIVE_UP : INSP_PASS;
	if (st != DNS_OK || q->name_len == 0)
		return INSP_PASS;
	int rc = insp_add_name(out, (const uint8_t *)name, q->name_len, SIG_FIELD_DNS, set, scr);
	if (rc == 1) {
		out->decide = 0;
		return INSP_MATCH;
	}
	return rc < 0 ? INSP_SCAN_ERROR : INSP_PASS;
}

enum insp_status insp_dns_query(const uint8_t *msg, size_t len, struct dns_query *q,
				char *name, size_t name_cap, const struct sigset *set,
				struct sig_scratch *scr, struct insp_out *out)
{
	out_reset(out);
	enum dns_status st = dns_parse_query(msg, len, q, name, name_cap);
	return judge(st, q, name, set, scr, out);
}

void insp_init_dns(struct insp_flow *f, uint8_t *buf, size_t cap)
{
	insp_init(f, buf, cap);
	f->proto = INSP_P_DNS;
	f->u.dns.have = 0;
	memset(&f->u.dns.q, 0, sizeof(f->u.dns.q));
}

enum insp_status insp_dns_feed(struct insp_flow *f, const uint8_t *data, size_t len,
			       const struct sigset *set, struct sig_scratch *scr,
			       struct insp_out *out)
{
	struct insp_dns *d = &f->u.dns;
	/* The name goes after the message room, so that it outlives this call
	 * (out->names[0].raw points at it) and never overlaps the message. */
	size_t room = f->cap > DNS_NAME_BUF ? f->cap - DNS_NAME_BUF : 0;
	char *name = (char *)f->buf + room;
	enum insp_status st;

	out_reset(out);
	if (f->done)
		return (enum insp_status)f->status;
	if (room == 0) {
		st = INSP_GIVE_UP;
		goto done;
	}
	size_t n = len < room - d->have ? len : room - d->have;
	memcpy(f->buf + d->have, data, n);
	d->have += (uint32_t)n;

	enum dns_status ds = dns_parse_tcp_query(f->buf, d->have, &d->q, name, DNS_NAME_BUF);
	if (ds == DNS_NEED_MORE) {
		if (d->have < room)
			return INSP_NEED_MORE;
		/* The first message does not fit the buffer: a limit. */
		out->parse_status = (uint8_t)ds;
		st = INSP_GIVE_UP;
		goto done;
	}
	st = judge(ds, &d->q, name, set, scr, out);
done:
	f->done = 1;
	f->status = (uint8_t)st;
	return st;
}
