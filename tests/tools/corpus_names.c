/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * corpus_names: the names kasblock's parsers find in capture files.
 *
 *     corpus_names [-v] [-s] FILE...
 *
 * Reads each pcap/pcapng with libpcap, parses every frame with l3l4,
 * follows TCP flows, puts each client's bytes back in sequence order and
 * feeds them to the TLS ClientHello parser and the HTTP request-head parser.
 * Prints one TSV row per name found, in the column order of the nDPI
 * corpus's names.tsv:
 *
 *     pcap proto client_ip client_port server_ip server_port field name
 *
 * field is sni, http_host or connect, plus uri_host for the host of an
 * absolute-form request target (names.tsv has no such rows; the comparison
 * counts them apart). Names are printed as sent: an http_host gets back the
 * ":port" the parser split off, a connect row is the CONNECT target's host
 * without its port (names.tsv's convention). Tunnelled packets (IP-in-IP,
 * GTP-U) print their addresses outer first, comma-joined, as tshark does.
 *
 * -v prints one line per inspected flow direction to stderr (parser statuses
 * and reasons, bytes, holes), -s a per-file summary of frame and parser
 * outcomes. Exit status: 0, or 2 if a file could not be read.
 *
 * This is a test tool: it allocates per flow and is not the dataplane's
 * reassembly (dataplane/reasm.c). Its choices, kept simple on purpose:
 *   - client = the side that sent the SYN (or did not send the SYN/ACK);
 *     with neither seen (capture started mid-flow) both directions are
 *     inspected and whichever sends a hello or a request is the client;
 *   - a direction's stream starts after the SYN, or at its first data
 *     segment when no SYN was seen; old bytes are trimmed, the first copy of
 *     overlapping bytes wins; segments beyond a hole are held, at most
 *     CN_HOLD_BYTES bytes in CN_HOLD_SEGS segments per direction;
 *   - a SYN with a new ISN on a known tuple starts the flow afresh;
 *   - HTTP keep-alive: after each complete head the parser starts again on
 *     the following bytes (a request body makes the next parse NOT_HTTP,
 *     which ends HTTP inspection of that flow); after a CONNECT head both
 *     parsers start again on the tunnel bytes;
 *   - IP fragments are not reassembled (counted; see docs/corpus.md).
 */

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "http_head.h"
#include "l3l4.h"
#include "tls_hello.h"

#define CN_HOLD_BYTES 16384u      /* out-of-order bytes held per direction */
#define CN_HOLD_SEGS 64u          /* out-of-order segments held per direction */
#define CN_MAX_TUNNEL 2u          /* nested IP-in-IP / GTP-U decapsulations */
#define CN_MAX_CONNECT 2u         /* CONNECT tunnels followed per direction */
#define CN_MAX_HEADS 4096u        /* keep-alive heads parsed per direction */
#define CN_BUCKETS 4096u
#define CN_ADDR_MAX 160u          /* "outer,outer,inner" addresses */
#define CN_GTPU_PORT 2152u
#define CN_FRAME_MAX (L3L4_MAX_FRAME + 64u)

struct cn_addr {
	char src[CN_ADDR_MAX];
	char dst[CN_ADDR_MAX];
};

/* One TCP segment as the flow code sees it. */
struct cn_seg {
	struct cn_addr a;
	uint16_t sport;
	uint16_t dport;
	uint8_t flags;
	uint32_t seq;
	const uint8_t *data;
	size_t len;
};

struct cn_held {
	struct cn_held *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* Parsers run over one direction's in-order bytes. */
struct cn_insp {
	bool tls_on;
	bool http_on;
	unsigned connects;
	unsigned heads;
	size_t head_fed;           /* bytes fed to the current head */
	unsigned http_emitted;     /* names of the current head already printed */
	struct tls_hello tls;
	struct http_head http;
	enum tls_status tls_last;
	enum tls_reason tls_reason;
	enum http_status http_last;
	enum http_reason http_reason;
	uint8_t tls_buf[TLS_HELLO_DEFAULT_CAP];
	uint8_t http_buf[HTTP_HEAD_DEFAULT_CAP];
};

struct cn_dir {
	bool syn;                  /* this side's SYN seen: isn valid */
	bool started;              /* next_seq valid */
	bool done;                 /* nothing more to learn from this side */
	uint32_t isn;
	uint32_t next_seq;
	uint64_t delivered;
	uint32_t held_bytes;
	uint32_t held_segs;
	uint32_t dropped_segs;     /* beyond the hold limits */
	unsigned names;
	struct cn_held *held;
	struct cn_insp *insp;
};

enum cn_role {
	CN_ROLE_UNKNOWN = 0,       /* no handshake seen: inspect both sides */
	CN_ROLE_A_CLIENT,
	CN_ROLE_B_CLIENT,
};

struct cn_flow {
	struct cn_flow *next;
	char a_ip[CN_ADDR_MAX];    /* the first sender seen */
	char b_ip[CN_ADDR_MAX];
	uint16_t a_port;
	uint16_t b_port;
	enum cn_role role;
	struct cn_dir dir[2];      /* [0]: a -> b, [1]: b -> a */
};

struct cn_stats {
	uint64_t frames;
	uint64_t l3l4[L3L4_STATUS_COUNT];
	uint64_t not_eth;          /* link type or header we cannot map */
	uint64_t tunnels;
	uint64_t tcp_segs;
	uint64_t flows;
	uint64_t tls[4];           /* final enum tls_status per inspected direction */
	uint64_t http[4];
	uint64_t names;
};

struct cn_file {
	const char *name;          /* basename, first column */
	struct cn_flow *buckets[CN_BUCKETS];
	struct cn_stats st;
	bool verbose;
};

static uint8_t cn_frame[CN_FRAME_MAX];

/* ------------------------------------------------------------------ names */

static void put_field(const uint8_t *p, size_t len)
{
	/* A tab or newline in a name would break the row: parsers never
	 * pass one, but print it escaped rather than trust that. */
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\\')
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
}

static void emit(struct cn_file *f, struct cn_flow *fl, int d, const char *field,
		 const uint8_t *name, size_t len, bool brackets, bool port, uint16_t portno)
{
	const char *cip = d == 0 ? fl->a_ip : fl->b_ip;
	const char *sip = d == 0 ? fl->b_ip : fl->a_ip;
	unsigned cport = d == 0 ? fl->a_port : fl->b_port;
	unsigned sport = d == 0 ? fl->b_port : fl->a_port;

	printf("%s\ttcp\t%s\t%u\t%s\t%u\t%s\t", f->name, cip, cport, sip, sport, field);
	if (brackets)
		putchar('[');
	put_field(name, len);
	if (brackets)
		putchar(']');
	if (port)
		printf(":%u", portno);
	putchar('\n');
	fl->dir[d].names++;
	f->st.names++;
}

static void emit_http_names(struct cn_file *f, struct cn_flow *fl, int d, struct cn_insp *in)
{
	const struct http_head *h = &in->http;

	for (unsigned i = in->http_emitted; i < h->n_names; i++) {
		const struct http_name *n = &h->names[i];
		bool lit = (n->flags & HTTP_NAME_F_IP_LITERAL) != 0;
		bool port = (n->flags & HTTP_NAME_F_PORT) != 0;

		switch (n->source) {
		case HTTP_SRC_HOST_HEADER:
			emit(f, fl, d, "http_host", n->p, n->len, lit, port, n->port);
			break;
		case HTTP_SRC_CONNECT_AUTHORITY:
			emit(f, fl, d, "connect", n->p, n->len, lit, false, 0);
			break;
		default:
			emit(f, fl, d, "uri_host", n->p, n->len, lit, port, n->port);
			break;
		}
	}
	in->http_emitted = h->n_names;
}

/* ------------------------------------------------------------- inspection */

static struct cn_insp *insp_new(void)
{
	struct cn_insp *in = calloc(1, sizeof(*in));

	if (in == NULL) {
		perror("corpus_names: calloc");
		exit(2);
	}
	in->tls_on = in->http_on = true;
	tls_hello_init(&in->tls, in->tls_buf, sizeof(in->tls_buf));
	http_head_init(&in->http, in->http_buf, sizeof(in->http_buf));
	in->tls_last = TLS_NEED_MORE;
	in->http_last = HTTP_NEED_MORE;
	return in;
}

static void insp_tls(struct cn_file *f, struct cn_flow *fl, int d, struct cn_insp *in,
		     const uint8_t *p, size_t n)
{
	enum tls_status s = tls_hello_feed(&in->tls, p, n);

	in->tls_last = s;
	in->tls_reason = in->tls.reason;
	if (s == TLS_NEED_MORE)
		return;
	in->tls_on = false;
	if (s == TLS_DONE)
		for (uint32_t i = 0; i < in->tls.n_names; i++)
			emit(f, fl, d, "sni", in->tls.names[i].p, in->tls.names[i].len,
			     false, false, 0);
}

/*
 * Feeds n in-order bytes. HTTP goes first because a complete head decides
 * where the next parse (keep-alive head, or CONNECT tunnel) starts; TLS is
 * fed the same bytes up to that point.
 */
static void insp_feed(struct cn_file *f, struct cn_flow *fl, int d, const uint8_t *p, size_t n)
{
	struct cn_insp *in = fl->dir[d].insp;
	size_t off = 0;

	for (unsigned round = 0; off < n && (in->tls_on || in->http_on) &&
	     round < CN_MAX_HEADS; round++) {
		size_t adv = n - off;
		bool head_done = false;

		if (in->http_on) {
			enum http_status s = http_head_feed(&in->http, p + off, n - off);

			in->http_last = s;
			in->http_reason = in->http.reason;
			emit_http_names(f, fl, d, in);
			if (s == HTTP_DONE) {
				head_done = true;
				adv = in->http.head_len - in->head_fed;
				if (in->http.head_len <= in->head_fed || adv > n - off) {
					/* Not where this chunk can end a head: stop
					 * rather than guess the next head's start. */
					adv = n - off;
					in->http_on = false;
					head_done = false;
				}
			} else if (s == HTTP_NEED_MORE) {
				in->head_fed += n - off;
			} else {
				in->http_on = false;
			}
		}
		if (in->tls_on)
			insp_tls(f, fl, d, in, p + off, adv);
		off += adv;
		if (!head_done)
			continue;
		in->heads++;
		if (in->http.method == HTTP_M_CONNECT) {
			/* What follows the head is the tunnel: a new stream. */
			if (in->connects++ >= CN_MAX_CONNECT) {
				in->http_on = false;
				continue;
			}
			tls_hello_init(&in->tls, in->tls_buf, sizeof(in->tls_buf));
			in->tls_on = true;
			in->tls_last = TLS_NEED_MORE;
		}
		if (in->heads >= CN_MAX_HEADS) {
			in->http_on = false;
			continue;
		}
		http_head_init(&in->http, in->http_buf, sizeof(in->http_buf));
		in->head_fed = 0;
		in->http_emitted = 0;
	}
	if (!in->tls_on && !in->http_on)
		fl->dir[d].done = true;
}

/* ------------------------------------------------------------ reassembly */

static void dir_free(struct cn_dir *dr)
{
	struct cn_held *h = dr->held;

	while (h != NULL) {
		struct cn_held *nx = h->next;
		free(h);
		h = nx;
	}
	dr->held = NULL;
	dr->held_bytes = dr->held_segs = 0;
}

/* Delivers the part of [seq, seq+len) at or after next_seq, if it starts
 * there or before. Returns false when it lies wholly in the future. */
static bool deliver(struct cn_file *f, struct cn_flow *fl, int d, uint32_t seq,
		    const uint8_t *data, size_t len)
{
	struct cn_dir *dr = &fl->dir[d];
	int32_t rel = (int32_t)(seq - dr->next_seq);

	if (rel > 0)
		return false;
	if ((uint64_t)(-(int64_t)rel) >= len)
		return true;            /* old bytes only */
	data += (size_t)(-(int64_t)rel);
	len -= (size_t)(-(int64_t)rel);
	dr->next_seq += (uint32_t)len;
	dr->delivered += len;
	if (!dr->done) {
		if (dr->insp == NULL)
			dr->insp = insp_new();
		insp_feed(f, fl, d, data, len);
	}
	return true;
}

static void drain_held(struct cn_file *f, struct cn_flow *fl, int d)
{
	struct cn_dir *dr = &fl->dir[d];
	bool progress = true;

	/* Each pass removes at least one segment or stops: bounded by CN_HOLD_SEGS. */
	while (progress && dr->held != NULL) {
		struct cn_held **pp = &dr->held;

		progress = false;
		while (*pp != NULL) {
			struct cn_held *h = *pp;

			if ((int32_t)(h->seq - dr->next_seq) > 0) {
				pp = &h->next;
				continue;
			}
			*pp = h->next;
			dr->held_bytes -= h->len;
			dr->held_segs--;
			deliver(f, fl, d, h->seq, h->data, h->len);
			free(h);
			progress = true;
		}
	}
}

static void hold(struct cn_dir *dr, uint32_t seq, const uint8_t *data, size_t len)
{
	uint32_t ahead = seq - dr->next_seq;
	struct cn_held *h;

	if (dr->held_segs >= CN_HOLD_SEGS || (uint64_t)dr->held_bytes + len > CN_HOLD_BYTES ||
	    (uint64_t)ahead + len > CN_HOLD_BYTES) {
		dr->dropped_segs++;
		return;
	}
	h = malloc(sizeof(*h) + len);
	if (h == NULL) {
		perror("corpus_names: malloc");
		exit(2);
	}
	h->seq = seq;
	h->len = (uint32_t)len;
	memcpy(h->data, data, len);
	h->next = dr->held;
	dr->held = h;
	dr->held_bytes += (uint32_t)len;
	dr->held_segs++;
}

static void dir_reset(struct cn_dir *dr)
{
	dir_free(dr);
	free(dr->insp);
	memset(dr, 0, sizeof(*dr));
}

static void verbose_dir(const struct cn_file *f, const struct cn_flow *fl, int d)
{
	const struct cn_dir *dr = &fl->dir[d];
	const struct cn_insp *in = dr->insp;

	if (!f->verbose || in == NULL)
		return;
	fprintf(stderr, "%s\t%s:%u > %s:%u\tbytes=%llu names=%u tls=%s/%s http=%s/%s heads=%u"
		" held=%u dropped=%u\n", f->name,
		d == 0 ? fl->a_ip : fl->b_ip, d == 0 ? fl->a_port : fl->b_port,
		d == 0 ? fl->b_ip : fl->a_ip, d == 0 ? fl->b_port : fl->a_port,
		(unsigned long long)dr->delivered, dr->names,
		tls_status_str(in->tls_last), tls_reason_str(in->tls_reason),
		http_status_str(in->http_last), http_reason_str(in->http_reason),
		in->heads, dr->held_segs, dr->dropped_segs);
}

static void count_dir(struct cn_file *f, const struct cn_dir *dr)
{
	if (dr->insp == NULL)
		return;
	f->st.tls[dr->insp->tls_last & 3]++;
	f->st.http[dr->insp->http_last & 3]++;
}

static unsigned hash_str(const char *s, unsigned h)
{
	while (*s != '\0')
		h = h * 31u + (unsigned char)*s++;
	return h;
}

static struct cn_flow *flow_find(struct cn_file *f, const struct cn_seg *s, int *d)
{
	/* Direction-independent: hash the sorted pair of endpoints. */
	unsigned h1 = hash_str(s->a.src, s->sport), h2 = hash_str(s->a.dst, s->dport);
	unsigned b = (h1 ^ h2) % CN_BUCKETS;
	struct cn_flow *fl;

	for (fl = f->buckets[b]; fl != NULL; fl = fl->next) {
		if (fl->a_port == s->sport && fl->b_port == s->dport &&
		    strcmp(fl->a_ip, s->a.src) == 0 && strcmp(fl->b_ip, s->a.dst) == 0) {
			*d = 0;
			return fl;
		}
		if (fl->b_port == s->sport && fl->a_port == s->dport &&
		    strcmp(fl->b_ip, s->a.src) == 0 && strcmp(fl->a_ip, s->a.dst) == 0) {
			*d = 1;
			return fl;
		}
	}
	fl = calloc(1, sizeof(*fl));
	if (fl == NULL) {
		perror("corpus_names: calloc");
		exit(2);
	}
	memcpy(fl->a_ip, s->a.src, sizeof(fl->a_ip));
	memcpy(fl->b_ip, s->a.dst, sizeof(fl->b_ip));
	fl->a_port = s->sport;
	fl->b_port = s->dport;
	fl->next = f->buckets[b];
	f->buckets[b] = fl;
	f->st.flows++;
	*d = 0;
	return fl;
}

static void tcp_segment(struct cn_file *f, const struct cn_seg *s)
{
	int d;
	struct cn_flow *fl = flow_find(f, s, &d);
	struct cn_dir *dr = &fl->dir[d];
	bool syn = (s->flags & L3L4_TCP_SYN) != 0, ack = (s->flags & L3L4_TCP_ACK) != 0;

	f->st.tcp_segs++;
	if (syn && !ack) {
		if (dr->syn && dr->isn != s->seq && dr->delivered > 0) {
			/* The tuple is reused by a new connection. */
			verbose_dir(f, fl, 0);
			verbose_dir(f, fl, 1);
			count_dir(f, &fl->dir[0]);
			count_dir(f, &fl->dir[1]);
			dir_reset(&fl->dir[0]);
			dir_reset(&fl->dir[1]);
		}
		fl->role = d == 0 ? CN_ROLE_A_CLIENT : CN_ROLE_B_CLIENT;
	} else if (syn && ack && fl->role == CN_ROLE_UNKNOWN) {
		fl->role = d == 0 ? CN_ROLE_B_CLIENT : CN_ROLE_A_CLIENT;
	}
	if (syn) {
		if (!dr->syn || dr->delivered == 0) {
			dr->syn = true;
			dr->isn = s->seq;
			dr->started = true;
			dr->next_seq = s->seq + 1;
		}
		return;          /* data on a SYN is not looked at (TFO: see docs) */
	}
	if (s->len == 0)
		return;
	if ((fl->role == CN_ROLE_A_CLIENT && d != 0) || (fl->role == CN_ROLE_B_CLIENT && d != 1))
		return;          /* the server's bytes */
	if (dr->done)
		return;
	if (!dr->started) {
		dr->started = true;
		dr->next_seq = s->seq;
	}
	if (!deliver(f, fl, d, s->seq, s->data, s->len))
		hold(dr, s->seq, s->data, s->len);
	else
		drain_held(f, fl, d);
	if (dr->done)
		dir_free(dr);
}

/* ------------------------------------------------------------------ frames */

static void addr_str(const struct l3l4_desc *dsc, char *out_src, char *out_dst, size_t cap)
{
	int af = dsc->ip_version == 4 ? AF_INET : AF_INET6;
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];

	inet_ntop(af, dsc->src, s, sizeof(s));
	inet_ntop(af, dsc->dst, t, sizeof(t));
	if (out_src[0] == '\0') {
		snprintf(out_src, cap, "%s", s);
		snprintf(out_dst, cap, "%s", t);
	} else {
		size_t a = strlen(out_src), b = strlen(out_dst);
		snprintf(out_src + a, cap - a, ",%s", s);
		snprintf(out_dst + b, cap - b, ",%s", t);
	}
}

/*
 * GTP-U (3GPP TS 29.281 §5): flags(1) type(1) length(2) teid(4)
 * [seq(2) npdu(1) next_ext(1)] if any of E/S/PN, then extension headers
 * len(1, in 4-byte units) ... next_ext(1). Only G-PDUs (type 255) of
 * version 1 carry user IP packets.
 */
static bool gtpu_inner(const uint8_t *p, size_t len, struct cur *inner)
{
	struct cur c = cur_make(p, len), body;
	uint8_t flags, type, next = 0;
	uint16_t glen;

	if (!cur_u8(&c, &flags) || !cur_u8(&c, &type) || !cur_u16(&c, &glen) ||
	    !cur_skip(&c, 4))
		return false;
	if ((flags >> 5) != 1 || (flags & 0x10) == 0 || type != 255)
		return false;
	if (!cur_take(&c, glen, &body))
		return false;
	if (flags & 0x07) {
		if (!cur_skip(&body, 3) || !cur_u8(&body, &next))
			return false;
	}
	for (unsigned i = 0; next != 0 && i < 8; i++) {
		uint8_t units;

		if (!cur_u8(&body, &units) || units == 0 || !cur_skip(&body, units * 4u - 2u) ||
		    !cur_u8(&body, &next))
			return false;
	}
	if (next != 0)
		return false;
	*inner = body;
	return true;
}

static void ip_packet(struct cn_file *f, const uint8_t *base, struct l3l4_desc *dsc,
		      enum l3l4_status st, struct cn_addr *a, unsigned depth)
{
	struct cn_seg s;
	struct cur inner = cur_make(NULL, 0);
	bool tunnel = false;

	f->st.l3l4[st]++;
	if (st != L3L4_OK || dsc->ip_version == 0)
		return;
	addr_str(dsc, a->src, a->dst, sizeof(a->src));
	if (dsc->frag_flags & L3L4_FRAG_IS)
		return;           /* a first fragment: not reassembled (counted as OK) */
	if (depth < CN_MAX_TUNNEL) {
		if (dsc->l4_proto == 4 || dsc->l4_proto == 41) {
			inner = cur_make(base + dsc->payload_off, dsc->payload_len);
			tunnel = true;
		} else if (dsc->l4_proto == L3L4_IPPROTO_UDP &&
			   (dsc->sport == CN_GTPU_PORT || dsc->dport == CN_GTPU_PORT)) {
			tunnel = gtpu_inner(base + dsc->payload_off, dsc->payload_len, &inner);
		}
	}
	if (tunnel && inner.left > 0) {
		struct l3l4_desc in;
		unsigned v = inner.p[0] >> 4;
		enum l3l4_status ist;

		if (v != 4 && v != 6)
			return;
		f->st.tunnels++;
		ist = l3l4_parse_ip(inner.p, inner.left, v, &in);
		ip_packet(f, inner.p, &in, ist, a, depth + 1);
		return;
	}
	if (dsc->l4_proto != L3L4_IPPROTO_TCP || dsc->l4_off == 0)
		return;
	s.a = *a;
	s.sport = dsc->sport;
	s.dport = dsc->dport;
	s.flags = dsc->tcp_flags;
	s.seq = dsc->tcp_seq;
	s.data = base + dsc->payload_off;
	s.len = dsc->payload_len;
	tcp_segment(f, &s);
}

/* Link-layer protocol of a non-Ethernet frame as an ethertype, 0 if unknown. */
static uint16_t ip_ethertype(const uint8_t *p, size_t len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4: return 0x0800;
	case 6: return 0x86dd;
	default: return 0;
	}
}

static uint16_t null_ethertype(uint32_t fam_host, uint32_t fam_swapped)
{
	/* AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD),
	 * 28 (FreeBSD), 30 (macOS). The capturing host's byte order is unknown. */
	uint32_t fams[2] = { fam_host, fam_swapped };

	for (int i = 0; i < 2; i++) {
		if (fams[i] == 2)
			return 0x0800;
		if (fams[i] == 10 || fams[i] == 24 || fams[i] == 28 || fams[i] == 30)
			return 0x86dd;
	}
	return 0;
}

/*
 * Gives l3l4_parse an Ethernet frame: the frame itself for DLT_EN10MB, else
 * a synthetic header (zero MACs, the link layer's protocol as ethertype) in
 * front of what follows the link header.
 */
static void frame(struct cn_file *f, int dlt, const uint8_t *pkt, size_t caplen)
{
	struct l3l4_desc dsc;
	struct cn_addr a;
	size_t hdr = 0;
	uint16_t et = 0;
	const uint8_t *eth = pkt;
	size_t eth_len = caplen;

	f->st.frames++;
	switch (dlt) {
	case DLT_EN10MB:
		break;
	case DLT_LINUX_SLL:        /* 16 bytes, protocol at 14 */
		hdr = 16;
		if (caplen >= hdr)
			et = (uint16_t)(pkt[14] << 8 | pkt[15]);
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:       /* 20 bytes, protocol at 0 */
		hdr = 20;
		if (caplen >= hdr)
			et = (uint16_t)(pkt[0] << 8 | pkt[1]);
		break;
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		et = ip_ethertype(pkt, caplen);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		hdr = 4;
		if (caplen >= hdr) {
			uint32_t le = (uint32_t)pkt[0] | (uint32_t)pkt[1] << 8 |
				      (uint32_t)pkt[2] << 16 | (uint32_t)pkt[3] << 24;
			uint32_t be = (uint32_t)pkt[3] | (uint32_t)pkt[2] << 8 |
				      (uint32_t)pkt[1] << 16 | (uint32_t)pkt[0] << 24;
			et = null_ethertype(le, be);
		}
		break;
	default:
		f->st.not_eth++;
		return;
	}
	if (dlt != DLT_EN10MB) {
		if (caplen < hdr || et == 0 || caplen - hdr + 14 > sizeof(cn_frame)) {
			f->st.not_eth++;
			return;
		}
		memset(cn_frame, 0, 12);
		cn_frame[12] = (uint8_t)(et >> 8);
		cn_frame[13] = (uint8_t)et;
		memcpy(cn_frame + 14, pkt + hdr, caplen - hdr);
		eth = cn_frame;
		eth_len = caplen - hdr + 14;
	}
	memset(&a, 0, sizeof(a));
	ip_packet(f, eth, &dsc, l3l4_parse(eth, eth_len, &dsc), &a, 0);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static void file_finish(struct cn_file *f, bool summary)
{
	for (unsigned b = 0; b < CN_BUCKETS; b++) {
		struct cn_flow *fl = f->buckets[b];

		while (fl != NULL) {
			struct cn_flow *nx = fl->next;

			for (int d = 0; d < 2; d++) {
				verbose_dir(f, fl, d);
				count_dir(f, &fl->dir[d]);
				dir_reset(&fl->dir[d]);
			}
			free(fl);
			fl = nx;
		}
		f->buckets[b] = NULL;
	}
	if (!summary)
		return;
	fprintf(stderr, "%s\tframes=%llu not_eth=%llu", f->name,
		(unsigned long long)f->st.frames, (unsigned long long)f->st.not_eth);
	for (int i = 0; i < L3L4_STATUS_COUNT; i++)
		if (f->st.l3l4[i] != 0)
			fprintf(stderr, " %s=%llu", l3l4_status_str((enum l3l4_status)i),
				(unsigned long long)f->st.l3l4[i]);
	fprintf(stderr, " tunnels=%llu tcp=%llu flows=%llu", (unsigned long long)f->st.tunnels,
		(unsigned long long)f->st.tcp_segs, (unsigned long long)f->st.flows);
	for (int i = 0; i < 4; i++)
		fprintf(stderr, " tls_%s=%llu", tls_status_str((enum tls_status)i),
			(unsigned long long)f->st.tls[i]);
	for (int i = 0; i < 4; i++)
		fprintf(stderr, " http_%s=%llu", http_status_str((enum http_status)i),
			(unsigned long long)f->st.http[i]);
	fprintf(stderr, " names=%llu\n", (unsigned long long)f->st.names);
}

static int one_file(const char *path, bool verbose, bool summary)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct cn_file *f;
	struct pcap_pkthdr *ph;
	const u_char *pkt;
	int dlt, r;

	if (pc == NULL) {
		fprintf(stderr, "corpus_names: %s: %s\n", path, err);
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		perror("corpus_names: calloc");
		exit(2);
	}
	f->name = base_name(path);
	f->verbose = verbose;
	dlt = pcap_datalink(pc);
	while ((r = pcap_next_ex(pc, &ph, &pkt)) == 1)
		frame(f, dlt, pkt, ph->caplen);
	if (r == PCAP_ERROR)
		fprintf(stderr, "corpus_names: %s: %s (names up to here kept)\n", path,
			pcap_geterr(pc));
	pcap_close(pc);
	file_finish(f, summary);
	free(f);
	return 0;
}

int main(int argc, char **argv)
{
	bool verbose = false, summary = false;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "vs")) != -1) {
		switch (opt) {
		case 'v': verbose = true; break;
		case 's': summary = true; break;
		default:
			fprintf(stderr, "usage: corpus_names [-v] [-s] FILE...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: corpus_names [-v] [-s] FILE...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (one_file(argv[i], verbose, summary) != 0)
			rc = 2;
	if (fflush(stdout) != 0)
		rc = 2;
	return rc;
}
