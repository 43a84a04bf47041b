/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC client Initial inspection: decrypt (quic_initial), then the
 * ClientHello's names as field quic_sni. inspect_l7.h says when a verdict
 * falls.
 */
#include "inspect_l7.h"

#include "inspect.h"
#include "quic_initial.h"

void insp_quic_init(struct insp_flow *f, uint8_t *buf, size_t cap)
{
	insp_init(f, buf, cap);
	f->proto = INSP_P_QUIC;
	quic_initial_init(&f->u.quic.q, buf, cap);
	f->u.quic.n_datagrams = 0;
	f->u.quic.flags = 0;
}

/* MALFORMED reasons a client can choose to reach, or that leave the
 * connection alive on the server (an Initial it cannot open is dropped). */
static bool quic_limit(const struct quic_initial *q)
{
	switch (q->reason) {
	case QUIC_R_DECRYPT:
	case QUIC_R_TOO_MANY_PACKETS:
	case QUIC_R_CRYPTO_TOO_BIG:
	case QUIC_R_TOO_MANY_RANGES:
	case QUIC_R_CRYPTO_LIB:
		return true;
	case QUIC_R_TLS:
		return q->tls.reason == TLS_R_TOO_BIG || q->tls.reason == TLS_R_TOO_MANY_RECORDS ||
		       q->tls.reason == TLS_R_TOO_MANY_NAMES;
	default:
		return false;
	}
}

static enum insp_status finish(struct insp_flow *f, enum insp_status st)
{
	f->done = 1;
	f->status = (uint8_t)st;
	return st;
}

enum insp_status insp_quic_feed(struct insp_flow *f, struct quic_crypto *cx,
				const uint8_t *dgram, size_t len, uint32_t max_datagrams,
				const struct sigset *set, struct sig_scratch *scr,
				struct insp_out *out)
{
	struct insp_quic *iq = &f->u.quic;
	struct quic_initial *q = &iq->q;
	int err = 0;

	out->n_names = 0;
	out->decide = -1;
	out->proto = INSP_P_QUIC;
	out->parse_status = 0;
	out->parse_reason = 0;
	out->parse_flags = 0;
	if (f->done)
		return (enum insp_status)f->status;

	iq->n_datagrams++;
	enum quic_status st = quic_initial_feed_datagram(q, cx, dgram, len);
	iq->flags |= q->flags;
	out->parse_flags = iq->flags;
	if (st == QUIC_NOT_QUIC) {
		/* Not a client Initial (the parser decides that only before any
		 * Initial opened). A server drops such a datagram and still
		 * takes a real Initial on the same 5-tuple after it, so the
		 * flow is not passed: the parser starts again on the next
		 * datagram, within max_datagrams. */
		out->parse_status = (uint8_t)st;
		out->parse_reason = (uint8_t)q->reason;
		quic_initial_init(q, f->buf, f->cap);
		st = QUIC_NEED_MORE;
	}
	if (st == QUIC_NEED_MORE) {
		if (max_datagrams != 0 && iq->n_datagrams >= max_datagrams)
			return finish(f, INSP_GIVE_UP);
		return INSP_NEED_MORE;
	}
	out->parse_status = (uint8_t)st;
	out->parse_reason = (uint8_t)q->reason;
	if (st == QUIC_MALFORMED) {
		if (q->reason == QUIC_R_CRYPTO_CONFLICT)
			return finish(f, INSP_CONFLICT);
		return finish(f, quic_limit(q) ? INSP_GIVE_UP : INSP_PASS);
	}
	for (uint32_t i = 0; i < q->tls.n_names && i < TLS_HELLO_MAX_NAMES; i++) {
		int rc = insp_add_name(out, q->tls.names[i].p, q->tls.names[i].len,
				       SIG_FIELD_QUIC_SNI, set, scr);
		if (rc == 1 && out->decide < 0)
			out->decide = (int32_t)out->n_names - 1;
		else if (rc < 0)
			err = 1;
	}
	if (out->decide >= 0)
		return finish(f, INSP_MATCH);
	return finish(f, err ? INSP_SCAN_ERROR : INSP_PASS);
}
