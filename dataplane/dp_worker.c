/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: rx burst -> parse -> flow lookup -> (inspect) ->
 * verdict -> tx, per port, then upkeep. docs/architecture.md ("Packet path")
 * walks through it; STYLE.md §6 is the shape.
 *
 * Ownership: every mbuf received is either queued for TX on the peer port or
 * freed here, once. A fragment is forwarded as it is; a copy goes to the
 * ip_frag table, which owns it until it returns the reassembled datagram
 * (freed here after inspection) or drops it on its death row.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#if defined(RTE_ARCH_X86_64) && defined(__SSE4_2__)
#include <nmmintrin.h>
#endif
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dns_reply.h"
#include "dp.h"
#include "dp_policy.h"
#include "flow.h"
#include "inspect.h"
#include "inspect_l7.h"
#include "quic_initial.h"
#include "l3l4.h"
#include "reasm.h"
#include "rst.h"
#include "sig.h"

RTE_LOG_REGISTER(kb_dp_logtype, user.kasblock.dp, INFO);
#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, kb_dp_logtype, "kasblock.dp: " fmt "\n", ##__VA_ARGS__)

/*
 * CRC32C of the 38-byte flow key, bit for bit rte_hash_crc(k, FLOW_KEY_LEN,
 * FLOW_HASH_INIT) (the same chunks: four 8-byte words, then 4 bytes, then 2)
 * with the instruction called directly. rte_hash_crc walks the length and
 * checks its run-time algorithm choice for every chunk, out of line: about
 * 50 instructions per packet for six crc32 instructions.
 */
static __rte_always_inline uint32_t dp_flow_hash(const struct flow_key *k)
{
#if defined(RTE_ARCH_X86_64) && defined(__SSE4_2__)
	_Static_assert(FLOW_KEY_LEN == 38, "dp_flow_hash covers 38 bytes");
	const uint8_t *b = (const uint8_t *)k;
	uint64_t w0, w1, w2, w3;
	uint32_t v;
	uint16_t h;

	/* One load per word, each matching a store that wrote the key: a
	 * wider load (gcc merges the four into two 16-byte ones when they
	 * fill an array) cannot be forwarded from two stores and waits for
	 * them to retire, which cost more than the six crc32s. */
	memcpy(&w0, b, 8);
	memcpy(&w1, b + 8, 8);
	memcpy(&w2, b + 16, 8);
	memcpy(&w3, b + 24, 8);
	memcpy(&v, b + 32, sizeof(v));
	memcpy(&h, b + 36, sizeof(h));
	uint64_t c = FLOW_HASH_INIT;
	c = _mm_crc32_u64(c, w0);
	c = _mm_crc32_u64(c, w1);
	c = _mm_crc32_u64(c, w2);
	c = _mm_crc32_u64(c, w3);
	return _mm_crc32_u16(_mm_crc32_u32((uint32_t)c, v), h);
#else
	return rte_hash_crc(k, FLOW_KEY_LEN, FLOW_HASH_INIT);
#endif
}

/* Largest frame or datagram handled as one buffer (l3l4 limit). */
#define DP_LIN_MAX 65536u
#define DP_TX_MAX (DP_BURST * 4u)

#ifdef KB_LATENCY_HIST
/*
 * Added latency (meson -Dlatency_hist=true; compiled out otherwise): the TSC
 * cycles from the return of rx_burst to the return of the tx_burst that
 * sends the burst, counted once per packet of the burst (all of them leave
 * with that flush). Log-linear buckets, DP_LAT_SUB per power of two (about
 * 9% wide), so recording is a clz and an add, with no floating point.
 */
#define DP_LAT_SUB 8u
#define DP_LAT_BUCKETS (44u * DP_LAT_SUB)

static inline unsigned lat_bucket(uint64_t c)
{
	if (c < DP_LAT_SUB)
		return (unsigned)c;
	unsigned msb = 63u - (unsigned)__builtin_clzll(c); /* >= 3 */
	unsigned b = (msb - 2u) * DP_LAT_SUB + (unsigned)((c >> (msb - 3u)) & (DP_LAT_SUB - 1u));
	return b < DP_LAT_BUCKETS ? b : DP_LAT_BUCKETS - 1u;
}

/* Smallest cycle count of bucket b (inverse of lat_bucket). */
static uint64_t lat_bucket_low(unsigned b)
{
	if (b < DP_LAT_SUB)
		return b;
	return (uint64_t)(DP_LAT_SUB + b % DP_LAT_SUB) << (b / DP_LAT_SUB - 1u);
}
#endif

/* One inspection slot: parser state beside its gather buffer. */
struct dp_slot {
	struct insp_flow insp;
	uint8_t *buf;
	struct flow_entry *owner; /* the TCP flow the slot was given to (valid while
				     owner->reasm is this slot) */
	uint8_t queued;           /* in the follow-up queue (dp_lcore.fq) */
};

struct dp_lcore {
	struct dp_stats st;
	unsigned lcore_id;
	unsigned worker;
	uint32_t now;                 /* ms tick of the current burst */
	struct flow_table ft;
	void *ft_mem;
	struct reasm_pool rp;
	void *rp_mem;
	struct dp_slot *slots;
	uint8_t *slot_bufs;
	uint32_t *fq;                 /* follow-up queue: slots of flows past a clean
					 head, oldest first (pool_slots entries) */
	uint32_t fq_head, fq_n;       /* oldest entry, entries (each slot once) */
	struct rte_ip_frag_tbl *frag_tbl;
	struct rte_ip_frag_death_row dr;
	struct rte_mempool *aux_pool; /* resets and fragment copies */
	struct rte_ring *ev_ring;
	uint8_t *lin;                 /* DP_LIN_MAX bytes */
	struct quic_crypto *qcx;      /* QUIC Initial decryption (libcrypto contexts) */
	const struct dp_sigref *ref;  /* loaded once per burst */
	uint16_t txn[DP_MAX_PORTS];
	struct rte_mbuf *txb[DP_MAX_PORTS][DP_TX_MAX];
	struct dp_sig_slot sig[DP_SIG_SLOTS]; /* flows per signature id */
#ifdef KB_LATENCY_HIST
	uint64_t lat_hist[DP_LAT_BUCKETS]; /* packets by cycles in the worker */
	uint64_t lat_max;
#endif
} __rte_cache_aligned;

static struct dp_lcore *dp_lcores[DP_MAX_WORKERS];
static unsigned dp_n_workers;
static unsigned dp_worker_lcores[DP_MAX_WORKERS];
static const struct dp_conf *dp_cf;
static struct dp_sigref *dp_ref;
static volatile int dp_stop_flag;
static uint64_t dp_ms_div = 1;
static struct rte_rcu_qsbr *dp_qsbr;

/* ---- counters: single writer, relaxed ---------------------------------- */

#define CNT_ADD(lc, field, n) \
	__atomic_store_n(&(lc)->st.field, (lc)->st.field + (n), __ATOMIC_RELAXED)
#define CNT_INC(lc, field) CNT_ADD(lc, field, 1)

/* ---- control-side API --------------------------------------------------- */

void dp_request_stop(void)
{
	__atomic_store_n(&dp_stop_flag, 1, __ATOMIC_RELEASE);
}

bool dp_stopping(void)
{
	return __atomic_load_n(&dp_stop_flag, __ATOMIC_ACQUIRE) != 0;
}

struct dp_sigref *dp_sigref_publish(struct dp_sigref *ref)
{
	return __atomic_exchange_n(&dp_ref, ref, __ATOMIC_ACQ_REL);
}

void dp_sigref_sync(void)
{
	/* Workers load dp_ref once per loop pass and report quiescence at the
	 * end of it; an offline (stopped) worker holds nothing. */
	if (dp_qsbr != NULL)
		rte_rcu_qsbr_synchronize(dp_qsbr, RTE_QSBR_THRID_INVALID);
}

unsigned dp_worker_lcore(unsigned w)
{
	return w < dp_n_workers ? dp_worker_lcores[w] : RTE_MAX_LCORE;
}

size_t dp_flow_entry_bytes(void)
{
	/* One entry plus its share of the buckets (capacity / 4 buckets). */
	return sizeof(struct flow_entry) + sizeof(struct flow_bucket) / 4;
}

size_t dp_insp_slot_bytes(uint32_t stream_cap)
{
	/* Parser state and gather buffer, the reassembly slot (64 bytes of
	 * metadata, the stream buffer rounded to 64, its free-list cell) and
	 * the slot's cell in the follow-up queue. */
	return sizeof(struct dp_slot) + stream_cap + sizeof(struct reasm_slot) +
	       ((stream_cap + 63u) & ~63u) + sizeof(uint32_t) + sizeof(uint32_t);
}

void dp_stats_sum(struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t *o = (uint64_t *)out;
	for (unsigned w = 0; w < dp_n_workers; w++) {
		const uint64_t *s = (const uint64_t *)&dp_lcores[w]->st;
		for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			o[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	}
}

void dp_flow_counters_sum(struct flow_counters *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t *o = (uint64_t *)out;
	for (unsigned w = 0; w < dp_n_workers; w++) {
		const uint64_t *s = (const uint64_t *)&dp_lcores[w]->ft.cnt;
		for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			o[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	}
}

static void load_u64s(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void dp_stats_get(unsigned w, struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (w < dp_n_workers)
		load_u64s((uint64_t *)out, (const uint64_t *)&dp_lcores[w]->st,
			  sizeof(*out) / sizeof(uint64_t));
}

void dp_flow_counters_get(unsigned w, struct flow_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (w < dp_n_workers)
		load_u64s((uint64_t *)out, (const uint64_t *)&dp_lcores[w]->ft.cnt,
			  sizeof(*out) / sizeof(uint64_t));
}

const struct dp_sig_slot *dp_sig_slots(unsigned w)
{
	return w < dp_n_workers ? dp_lcores[w]->sig : NULL;
}

unsigned dp_events_drain(unsigned w, struct dp_event *ev, unsigned max)
{
	if (w >= dp_n_workers)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(dp_lcores[w]->ev_ring, ev, sizeof(*ev), max,
					      NULL);
}

/* ---- setup --------------------------------------------------------------- */

static void release_cb(void *ctx, struct flow_entry *e, enum flow_end why)
{
	struct dp_lcore *lc = ctx;

	(void)why;
	if (e->state == FLOW_S_INSPECTING && e->reasm != FLOW_NONE) {
		/* A flow that ends while its later requests are read had
		 * nothing barred: that inspection passed. */
		if (e->reasm < dp_cf->pool_slots && insp_in_followup(&lc->slots[e->reasm].insp)) {
			CNT_INC(lc, inspections_finished);
			CNT_INC(lc, insp_pass);
		} else {
			CNT_INC(lc, insp_abandoned);
		}
		reasm_free(&lc->rp, e->reasm);
	}
}

/*
 * The pool is empty and a new flow needs a slot: the oldest flow whose
 * first unit was clean and whose later requests are being read gives up
 * its slot (the flow is passed). A new flow's first bytes matter more than
 * a later request of a connection already inspected. Stale queue entries
 * (the slot was freed, or reused by a flow not in follow-up) are dropped on
 * the way; the queue holds each slot once, so the walk is bounded by the
 * pool. Returns true when a slot was freed.
 */
static bool reclaim_followup(struct dp_lcore *lc)
{
	while (lc->fq_n != 0) {
		uint32_t h = lc->fq[lc->fq_head];
		struct dp_slot *s = &lc->slots[h];

		lc->fq_head = lc->fq_head + 1 == dp_cf->pool_slots ? 0 : lc->fq_head + 1;
		lc->fq_n--;
		struct flow_entry *o = s->owner;
		s->queued = 0;
		if (o == NULL || o->state != FLOW_S_INSPECTING || o->reasm != h ||
		    !insp_in_followup(&s->insp))
			continue;
		reasm_free(&lc->rp, flow_pass(o, 0, 0, 0));
		CNT_INC(lc, inspections_finished);
		CNT_INC(lc, insp_pass);
		CNT_INC(lc, insp_reclaimed);
		return true;
	}
	return false;
}

static int lcore_setup(struct dp_lcore *lc, const struct dp_conf *c, char *err, size_t errlen)
{
	int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct flow_timeouts to;

	memcpy(&to, c->timeout_ms, sizeof(to));
	size_t fsz = flow_table_mem_size(c->flow_capacity);
	lc->ft_mem = rte_zmalloc_socket("kb_flows", fsz, RTE_CACHE_LINE_SIZE, socket);
	if (lc->ft_mem == NULL || flow_table_init(&lc->ft, lc->ft_mem, c->flow_capacity, &to) != 0)
		goto nomem;
	flow_table_set_release(&lc->ft, release_cb, lc);

	size_t rsz = reasm_pool_mem_size(c->pool_slots, c->stream_cap);
	if (rsz == 0)
		goto nomem;
	lc->rp_mem = rte_zmalloc_socket("kb_reasm", rsz, RTE_CACHE_LINE_SIZE, socket);
	if (lc->rp_mem == NULL)
		goto nomem;
	if (reasm_pool_init(&lc->rp, lc->rp_mem, c->pool_slots, c->stream_cap) != 0)
		goto nomem;
	lc->slots = rte_zmalloc_socket("kb_slots", sizeof(*lc->slots) * c->pool_slots,
				       RTE_CACHE_LINE_SIZE, socket);
	lc->slot_bufs = rte_malloc_socket("kb_slotbuf", (size_t)c->pool_slots * c->stream_cap,
					  RTE_CACHE_LINE_SIZE, socket);
	lc->lin = rte_malloc_socket("kb_lin", DP_LIN_MAX, RTE_CACHE_LINE_SIZE, socket);
	lc->fq = rte_malloc_socket("kb_fq", sizeof(*lc->fq) * c->pool_slots, RTE_CACHE_LINE_SIZE,
				   socket);
	if (lc->slots == NULL || lc->slot_bufs == NULL || lc->lin == NULL || lc->fq == NULL)
		goto nomem;
	for (uint32_t i = 0; i < c->pool_slots; i++)
		lc->slots[i].buf = lc->slot_bufs + (size_t)i * c->stream_cap;

	uint64_t frag_cycles = rte_get_tsc_hz() / 1000 * c->frag_timeout_ms;
	uint32_t buckets = rte_align32pow2(c->frag_flows / 4 + 1);
	lc->frag_tbl = rte_ip_frag_table_create(buckets, 4, buckets * 4, frag_cycles, socket);
	if (lc->frag_tbl == NULL)
		goto nomem;

	snprintf(name, sizeof(name), "kb_aux_%u", lc->worker);
	uint32_t aux = c->frag_flows * RTE_LIBRTE_IP_FRAG_MAX_FRAG + 2 * DP_TX_MAX + 1024;
	lc->aux_pool = rte_pktmbuf_pool_create(name, aux, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (lc->aux_pool == NULL)
		goto nomem;
	snprintf(name, sizeof(name), "kb_ev_%u", lc->worker);
	lc->ev_ring = rte_ring_create_elem(name, sizeof(struct dp_event), c->event_ring, socket,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (lc->ev_ring == NULL)
		goto nomem;
	/* libcrypto allocates here, once; a packet decrypted later does not. */
	lc->qcx = quic_crypto_new();
	if (lc->qcx == NULL) {
		snprintf(err, errlen, "worker %u: libcrypto lacks AES-128-GCM, AES-128-ECB or "
			 "HMAC-SHA256 for QUIC, or memory ran out", lc->worker);
		return -ENOMEM;
	}
	return 0;
nomem:
	snprintf(err, errlen, "worker %u (lcore %u): cannot allocate its state on socket %d: %s",
		 lc->worker, lc->lcore_id, socket, rte_strerror(rte_errno));
	return -ENOMEM;
}

int dp_lcores_init(struct dp_conf *conf, char *err, size_t errlen)
{
	unsigned id;
	int rc;

	dp_n_workers = 0;
	RTE_LCORE_FOREACH_WORKER(id) {
		if (dp_n_workers == DP_MAX_WORKERS ||
		    (conf->n_workers != 0 && dp_n_workers == conf->n_workers))
			break;
		dp_worker_lcores[dp_n_workers++] = id;
	}
	if (dp_n_workers == 0) {
		snprintf(err, errlen, "no worker lcore: give EAL at least two lcores (-l 0-1)");
		return -EINVAL;
	}
	conf->n_workers = dp_n_workers;
	dp_cf = conf;
	dp_ms_div = rte_get_tsc_hz() / 1000;
	if (dp_ms_div == 0)
		dp_ms_div = 1;
	for (unsigned w = 0; w < dp_n_workers; w++) {
		unsigned lid = dp_worker_lcores[w];
		struct dp_lcore *lc = rte_zmalloc_socket("kb_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
							 (int)rte_lcore_to_socket_id(lid));
		if (lc == NULL) {
			snprintf(err, errlen, "worker %u: out of memory", w);
			return -ENOMEM;
		}
		lc->lcore_id = lid;
		lc->worker = w;
		dp_lcores[w] = lc;
		if ((rc = lcore_setup(lc, conf, err, errlen)) != 0)
			return rc;
	}
	size_t qsz = rte_rcu_qsbr_get_memsize(dp_n_workers);
	dp_qsbr = rte_zmalloc("kb_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dp_qsbr == NULL || rte_rcu_qsbr_init(dp_qsbr, dp_n_workers) != 0) {
		snprintf(err, errlen, "cannot set up the RCU state");
		return -ENOMEM;
	}
	return (int)dp_n_workers;
}

void dp_lcores_free(void)
{
	for (unsigned w = 0; w < dp_n_workers; w++) {
		struct dp_lcore *lc = dp_lcores[w];
		if (lc == NULL)
			continue;
		if (lc->frag_tbl != NULL) {
			rte_ip_frag_table_destroy(lc->frag_tbl);
			rte_ip_frag_free_death_row(&lc->dr, 0);
		}
		rte_ring_free(lc->ev_ring);
		quic_crypto_free(lc->qcx);
		rte_mempool_free(lc->aux_pool);
		rte_free(lc->lin);
		rte_free(lc->slot_bufs);
		rte_free(lc->slots);
		rte_free(lc->fq);
		rte_free(lc->rp_mem);
		rte_free(lc->ft_mem);
		rte_free(lc);
		dp_lcores[w] = NULL;
	}
	rte_free(dp_qsbr);
	dp_qsbr = NULL;
	dp_n_workers = 0;
}

/* ---- packet path ----------------------------------------------------------- */

static __rte_always_inline void tx_push(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	if (unlikely(lc->txn[port] == DP_TX_MAX)) {
		rte_pktmbuf_free(m);
		CNT_INC(lc, tx_full[port]);
		return;
	}
	lc->txb[port][lc->txn[port]++] = m;
}

static void tx_flush(struct dp_lcore *lc)
{
	for (uint16_t p = 0; p < dp_cf->n_ports; p++) {
		uint16_t n = lc->txn[p];
		if (n == 0)
			continue;
		uint16_t sent = rte_eth_tx_burst(p, (uint16_t)lc->worker, lc->txb[p], n);
		CNT_ADD(lc, tx[p], sent);
		if (unlikely(sent < n)) {
			CNT_ADD(lc, tx_full[p], n - sent);
			rte_pktmbuf_free_bulk(&lc->txb[p][sent], n - sent);
		}
		lc->txn[p] = 0;
	}
}

static void event_put(struct dp_lcore *lc, const struct dp_event *ev)
{
	if (rte_ring_sp_enqueue_elem(lc->ev_ring, (void *)(uintptr_t)ev, sizeof(*ev)) != 0)
		CNT_INC(lc, events_dropped);
	else
		CNT_INC(lc, events);
}

/* The client/server view of a packet: d describes a client->server packet
 * when dir is C2S, else the reverse. */
static void event_fill(struct dp_event *ev, const struct l3l4_desc *d, enum flow_dir dir,
		       uint8_t type)
{
	memset(ev, 0, offsetof(struct dp_event, name));
	ev->tsc = rte_rdtsc();
	ev->type = type;
	ev->ip_version = d->ip_version;
	ev->proto = d->l4_proto;
	ev->category = DP_CAT_NONE;
	if (dir == FLOW_DIR_C2S) {
		memcpy(ev->src, d->src, 16);
		memcpy(ev->dst, d->dst, 16);
		ev->sport = d->sport;
		ev->dport = d->dport;
	} else {
		memcpy(ev->src, d->dst, 16);
		memcpy(ev->dst, d->src, 16);
		ev->sport = d->dport;
		ev->dport = d->sport;
	}
}

static void event_name(struct dp_event *ev, const struct insp_name *n)
{
	size_t nl = n->norm_len < DP_NAME_MAX - 1 ? n->norm_len : DP_NAME_MAX - 1;
	size_t rl = n->raw_len < DP_NAME_MAX - 1 ? n->raw_len : DP_NAME_MAX - 1;

	ev->field = n->field;
	ev->host_status = n->host_status;
	ev->port = (n->flags & INSP_NAME_F_PORT) ? n->port : 0;
	ev->name_flags = n->flags;
	ev->name_len = (uint16_t)nl;
	ev->raw_len = (uint16_t)rl;
	memcpy(ev->name, n->norm, nl);
	ev->name[nl] = '\0';
	memcpy(ev->raw, n->raw, rl);
	ev->raw[rl] = '\0';
}

/*
 * Queues both resets for a client packet (d: its headers, l2: its link
 * header). srv_seq is the server's RCV.NXT and cli_seq the client's (see
 * struct pkt_ctx): rst_build takes them from the packet's seq and ack, so
 * each frame is built from a copy of d carrying that value.
 */
static void send_resets(struct dp_lcore *lc, uint16_t in_port, const uint8_t *l2,
			uint16_t l2_len, const struct l3l4_desc *d, uint32_t srv_seq,
			uint32_t cli_seq)
{
	static const enum rst_dir dirs[2] = {RST_TO_SERVER, RST_TO_CLIENT};
	uint16_t out_port[2] = {dp_cf->peer[in_port], in_port};
	struct l3l4_desc dd[2];

	dd[0] = *d;
	dd[0].tcp_seq = srv_seq;
	dd[1] = *d;
	dd[1].tcp_ack = cli_seq;
	for (unsigned i = 0; i < 2; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(lc->aux_pool);
		if (m == NULL) {
			CNT_INC(lc, reset_no_mbuf);
			continue;
		}
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, RST_FRAME_MAX);
		size_t n = p != NULL ? rst_build(l2, l2_len, &dd[i], dirs[i], p, RST_FRAME_MAX) : 0;
		if (n == 0) {
			rte_pktmbuf_free(m);
			CNT_INC(lc, reset_no_mbuf);
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(RST_FRAME_MAX - n));
		tx_push(lc, out_port[i], m);
		CNT_INC(lc, resets_sent);
	}
}

enum fate {
	FATE_FORWARD = 0,
	FATE_DROP,
};

struct pkt_ctx {
	uint16_t port;
	const uint8_t *l2;    /* link header of the frame that is forwarded/dropped */
	uint16_t l2_len;
	const uint8_t *buf;   /* bytes d's offsets refer to */
	struct l3l4_desc d;
	/* RST sequence numbers (RFC 5961 §3.2 wants each end's RCV.NXT). The
	 * server's is where the client stream it received in order ends: the
	 * reassembly's contiguous end before this packet, not this packet's
	 * seq when it overlaps bytes already sent or lies past a hole. The
	 * client's is its highest ACK (flow_track keeps the maximum), so an
	 * old retransmission does not carry a stale one. handle_tcp sets both. */
	uint32_t rst_srv_seq;
	uint32_t rst_cli_seq;
};

/* One flow decided by signature id (never 0), in this worker's table keyed
 * by id: a multiplicative hash, then linear probing, bounded. */
static void sig_count(struct dp_lcore *lc, uint32_t id, uint8_t cat, bool monitored)
{
	uint32_t i = (id * 2654435761u) >> (32u - DP_SIG_SLOTS_LOG2);

	for (unsigned p = 0; p < DP_SIG_PROBES; p++, i = (i + 1) & (DP_SIG_SLOTS - 1)) {
		struct dp_sig_slot *sl = &lc->sig[i];
		if (sl->id == 0) {
			sl->category = cat;
			/* Readers take the id with acquire: the slot is whole. */
			__atomic_store_n(&sl->id, id, __ATOMIC_RELEASE);
		} else if (sl->id != id) {
			continue;
		}
		if (sl->category != cat) /* a reload moved the rule */
			__atomic_store_n(&sl->category, cat, __ATOMIC_RELAXED);
		if (monitored)
			__atomic_store_n(&sl->monitored, sl->monitored + 1, __ATOMIC_RELAXED);
		else
			__atomic_store_n(&sl->blocked, sl->blocked + 1, __ATOMIC_RELAXED);
		return;
	}
	CNT_INC(lc, sig_slots_full);
}

/*
 * Applies a verdict to a flow being decided by the packet in pc. Returns
 * the packet's fate. why is DP_R_SIGNATURE with the matched name n, or a
 * policy reason (n may then carry the name seen, for DP_R_NO_SET). The
 * action comes from the published policy (dp_policy_decide): category or
 * fail policy, then exemption.
 */
static enum fate decide(struct dp_lcore *lc, struct pkt_ctx *pc, struct flow_entry *e,
			const struct flow_pkt *fp, const struct insp_name *n, enum dp_reason why,
			enum flow_dir dir)
{
	const struct dp_sigref *ref = lc->ref;
	uint32_t gen = ref->gen;
	bool sig = why == DP_R_SIGNATURE && n != NULL;
	uint8_t cat = sig ? n->v.category : DP_CAT_NONE;
	uint32_t sid = sig ? n->v.id : 0;
	const uint8_t *client = dir == FLOW_DIR_C2S ? pc->d.src : pc->d.dst;
	struct dp_decision dd = dp_policy_decide(&ref->pol, why, cat, client, pc->d.ip_version);
	enum dp_action act = (enum dp_action)dd.action;
	uint32_t h;

	/* UDP has no reset; only drop or monitor. */
	if (act == DP_ACT_RESET && pc->d.l4_proto != L3L4_IPPROTO_TCP)
		act = DP_ACT_DROP;
	if (dd.src == DP_POL_EXEMPT) {
		if (sig)
			CNT_INC(lc, exempted[cat]);
		else
			CNT_INC(lc, exempted_policy);
	}

	if (act == DP_ACT_PASS) {
		h = flow_pass(e, sid, cat == DP_CAT_NONE ? 0 : cat, gen);
		if (sig)
			CNT_INC(lc, passed_rule[cat]);
		else
			CNT_INC(lc, passed_policy[why]);
	} else if (act == DP_ACT_MONITOR) {
		h = flow_pass(e, sid, cat == DP_CAT_NONE ? 0 : cat, gen);
		if (sig)
			CNT_INC(lc, monitored[cat]);
	} else {
		/* The entry keeps the server's RCV.NXT, as the reset carries it. */
		struct flow_pkt dropped;
		const struct flow_pkt *dp = fp;
		if (fp != NULL && pc->d.l4_proto == L3L4_IPPROTO_TCP && dir == FLOW_DIR_C2S) {
			dropped = *fp;
			dropped.seq = pc->rst_srv_seq;
			dp = &dropped;
		}
		h = flow_block(e, sid, cat == DP_CAT_NONE ? 0 : cat, gen, dp);
		if (sig)
			CNT_INC(lc, blocked[cat]);
		else
			CNT_INC(lc, blocked_policy[why]);
	}
	if (sig && act != DP_ACT_PASS)
		sig_count(lc, sid, cat, act == DP_ACT_MONITOR);
	if (h != FLOW_NONE)
		reasm_free(&lc->rp, h);

	if (act == DP_ACT_MONITOR || act == DP_ACT_RESET || act == DP_ACT_DROP) {
		struct dp_event ev;
		event_fill(&ev, &pc->d, dir,
			   act == DP_ACT_MONITOR ? DP_EV_MONITOR : DP_EV_BLOCK);
		ev.action = (uint8_t)act;
		ev.reason = (uint8_t)why;
		ev.policy = dd.src;
		ev.category = cat;
		ev.sig_id = sid;
		ev.gen = gen;
		if (n != NULL)
			event_name(&ev, n);
		else
			ev.name[0] = ev.raw[0] = '\0';
		event_put(lc, &ev);
	}
	if (act == DP_ACT_RESET && dir == FLOW_DIR_C2S)
		send_resets(lc, pc->port, pc->l2, pc->l2_len, &pc->d, pc->rst_srv_seq,
			    pc->rst_cli_seq);
	return (act == DP_ACT_RESET || act == DP_ACT_DROP) ? FATE_DROP : FATE_FORWARD;
}

/* How an h2c, DNS or QUIC parse ended: done or by reason (never "none"). */
static void count_l7_end(struct dp_lcore *lc, const struct insp_out *o)
{
	uint8_t st = o->parse_status, r = o->parse_reason;

	switch (o->proto) {
	case INSP_P_H2C:
		if (st == H2C_DONE)
			CNT_INC(lc, h2c_done);
		else if (st != H2C_NEED_MORE && r != H2C_R_NONE && r < H2C_R_COUNT)
			CNT_INC(lc, h2c_anomaly[r]);
		break;
	case INSP_P_DNS:
		if (st == DNS_OK)
			CNT_INC(lc, dns_queries);
		else if (st != DNS_NEED_MORE && r != DNS_R_NONE && r < DNS_R_COUNT)
			CNT_INC(lc, dns_anomaly[r]);
		break;
	case INSP_P_QUIC:
		/* NOT_QUIC is not an end: handle_quic() counts it. */
		if (st == QUIC_DONE)
			CNT_INC(lc, quic_done);
		else if (st == QUIC_MALFORMED && r != QUIC_R_NONE && r < QUIC_R_COUNT)
			CNT_INC(lc, quic_anomaly[r]);
		break;
	default:
		break;
	}
}

static void count_parse_end(struct dp_lcore *lc, const struct insp_out *o)
{
	if (o->proto == INSP_P_TLS && o->parse_status != TLS_DONE &&
	    o->parse_reason < TLS_R_COUNT)
		CNT_INC(lc, tls_anomaly[o->parse_reason]);
	else if (o->proto == INSP_P_HTTP && o->parse_status != HTTP_DONE &&
		 o->parse_status != HTTP_NEED_MORE && o->parse_reason < HTTP_R_COUNT)
		CNT_INC(lc, http_anomaly[o->parse_reason]);
	else if (o->proto >= INSP_P_H2C)
		count_l7_end(lc, o);
}

/* True when port is one of the n in ports (quic.ports, dns.ports: a few). */
static inline bool port_in(const uint16_t *ports, unsigned n, uint16_t port)
{
	for (unsigned i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* Feeds new in-order client bytes; returns the packet's fate. */
static enum fate inspect_bytes(struct dp_lcore *lc, struct pkt_ctx *pc, struct flow_entry *e,
			       const struct flow_pkt *fp, struct dp_slot *s, const uint8_t *data,
			       size_t len)
{
	const struct dp_sigref *ref = lc->ref;
	const struct sigset *set = ref->set;
	struct sig_scratch *scr = ref->scr[lc->worker];
	struct insp_out out;
	enum insp_status st;
	uint8_t units = s->insp.units;
	size_t off = 0;

	/* A call reports one unit's names and stops where the next unit
	 * starts (out.used short): feed the rest. Each call reads a byte at
	 * least, so this is bounded by len. */
	for (;;) {
		st = insp_feed(&s->insp, data + off, len - off, set, scr, &out);
		for (uint32_t i = 0; i < out.n_names; i++) {
			const struct insp_name *n = &out.names[i];
			if (n->host_status == 0 /* HOST_OK */ && n->field < SIG_FIELD_COUNT)
				CNT_INC(lc, names[n->field]);
			else
				CNT_INC(lc, names_not_host);
			if (dp_cf->log_names) {
				struct dp_event ev;
				event_fill(&ev, &pc->d, FLOW_DIR_C2S, DP_EV_NAME);
				event_name(&ev, n);
				event_put(lc, &ev);
			}
		}
		if (unlikely(set == NULL) && ref->pol.no_set_action != DP_ACT_PASS) {
			/* Started without a valid set and no_signatures = "closed":
			 * the first host name decides the flow. */
			for (uint32_t i = 0; i < out.n_names; i++) {
				const struct insp_name *n = &out.names[i];
				if (n->host_status != 0 /* HOST_OK */ || n->norm_len == 0)
					continue;
				CNT_INC(lc, inspections_finished);
				return decide(lc, pc, e, fp, n, DP_R_NO_SET, FLOW_DIR_C2S);
			}
		}
		if (st != INSP_NEED_MORE || out.used == 0 || (off += out.used) >= len)
			break;
	}
	if (s->insp.units != units)
		CNT_ADD(lc, insp_followups, (uint8_t)(s->insp.units - units));
	if (st == INSP_NEED_MORE)
		return FATE_FORWARD;
	CNT_INC(lc, inspections_finished);
	count_parse_end(lc, &out);
	switch (st) {
	case INSP_MATCH:
		CNT_INC(lc, insp_match);
		return decide(lc, pc, e, fp, &out.names[out.decide], DP_R_SIGNATURE,
			      FLOW_DIR_C2S);
	case INSP_GIVE_UP:
		CNT_INC(lc, insp_give_up);
		return decide(lc, pc, e, fp, NULL, DP_R_LIMIT, FLOW_DIR_C2S);
	case INSP_SCAN_ERROR:
		CNT_INC(lc, insp_scan_error);
		return decide(lc, pc, e, fp, NULL, DP_R_SCAN_ERROR, FLOW_DIR_C2S);
	default:
		CNT_INC(lc, insp_pass);
		uint32_t h = flow_pass(e, 0, 0, 0);
		if (h != FLOW_NONE)
			reasm_free(&lc->rp, h);
		return FATE_FORWARD;
	}
}

/* A TCP packet whose flow key and hash are known (poll_port computed them
 * a burst ahead and prefetched the bucket). */
static enum fate handle_tcp_keyed(struct dp_lcore *lc, struct pkt_ctx *pc,
				  const struct flow_key *key, bool swapped, uint32_t hash)
{
	const struct l3l4_desc *d = &pc->d;
	struct flow_pkt fp;
	struct flow_track_res tr;

	flow_pkt_from_desc(d, swapped, &fp);
	struct flow_entry *e = flow_track(&lc->ft, key, hash, &fp, lc->now, &tr);
	if (unlikely(e == NULL)) {
		/* No entry, so no verdict can be kept: fail open forwards the
		 * packet uninspected, fail closed drops it (the client retries)
		 * unless either end is exempt. */
		CNT_INC(lc, flow_no_room);
		const struct dp_policy *pol = &lc->ref->pol;
		if (pol->fail_action == DP_ACT_PASS || pol->fail_action == DP_ACT_MONITOR ||
		    dp_policy_exempt(pol, d->src, d->ip_version) ||
		    dp_policy_exempt(pol, d->dst, d->ip_version))
			return FATE_FORWARD;
		CNT_INC(lc, no_flow_dropped);
		return FATE_DROP;
	}
	switch (e->state) {
	case FLOW_S_PASSED:
		return FATE_FORWARD;
	case FLOW_S_BLOCKED:
		CNT_INC(lc, dropped_blocked);
		return FATE_DROP;
	default:
		break;
	}
	if (tr.dir != FLOW_DIR_C2S || d->payload_len == 0)
		return FATE_FORWARD;
	pc->rst_srv_seq = d->tcp_seq;
	pc->rst_cli_seq = (e->flags & FLOW_F_ACK_C) ? e->server_next_seq : d->tcp_ack;

	if (e->state == FLOW_S_NEW) {
		uint32_t h;
		/* Byte 0 of the stream: ISN + 1 when the handshake was seen.
		 * A flow picked up mid-stream starts at this segment: the
		 * sequence numbers of earlier bare ACKs (keep-alive probes
		 * carry snd_nxt - 1) would leave a hole that never fills. */
		uint32_t base = (tr.ev & FLOW_EV_BASE_SYN) ? tr.stream_base : d->tcp_seq;
		pc->rst_srv_seq = base; /* no client byte reached the server yet */
		if (reasm_alloc(&lc->rp, base, &h) != REASM_OK &&
		    (!reclaim_followup(lc) || reasm_alloc(&lc->rp, base, &h) != REASM_OK)) {
			CNT_INC(lc, pool_exhausted);
			return decide(lc, pc, e, &fp, NULL, DP_R_POOL, FLOW_DIR_C2S);
		}
		flow_start_inspect(e, h);
		lc->slots[h].owner = e;
		if (port_in(dp_cf->dns_ports, dp_cf->n_dns_ports, d->dport))
			insp_init_dns(&lc->slots[h].insp, lc->slots[h].buf, dp_cf->stream_cap);
		else
			insp_init(&lc->slots[h].insp, lc->slots[h].buf, dp_cf->stream_cap);
		CNT_INC(lc, inspections_started);
	}
	uint32_t h = e->reasm;
	struct reasm_span sp;
	/* Every client byte before this packet was forwarded: the server has
	 * the contiguous prefix, and nothing past its first hole. */
	pc->rst_srv_seq = lc->rp.slots[h].base + reasm_contig(&lc->rp, h);
	enum reasm_status rs = reasm_add(&lc->rp, h, d->tcp_seq, pc->buf + d->payload_off,
					 d->payload_len, &sp);
	if (rs == REASM_CONFLICT) {
		CNT_INC(lc, reasm_conflicts);
		CNT_INC(lc, inspections_finished);
		return decide(lc, pc, e, &fp, NULL, DP_R_CONFLICT, FLOW_DIR_C2S);
	}
	if (rs == REASM_TOO_MANY_HOLES) {
		/* A client that scatters its first bytes this much is either
		 * broken or evading: the fail policy decides. */
		CNT_INC(lc, reasm_holes);
		CNT_INC(lc, inspections_finished);
		return decide(lc, pc, e, &fp, NULL, DP_R_LIMIT, FLOW_DIR_C2S);
	}
	if (rs == REASM_CAPPED)
		CNT_INC(lc, reasm_overflow);
	if (sp.to <= sp.from)
		return FATE_FORWARD;
	struct dp_slot *s = &lc->slots[h];
	enum fate f = inspect_bytes(lc, pc, e, &fp, s, reasm_data(&lc->rp, h) + sp.from,
				    sp.to - sp.from);
	if (e->state != FLOW_S_INSPECTING)
		return f;
	if (sp.to >= dp_cf->stream_cap) {
		/* Every byte the cap allows was read and no verdict fell. Past
		 * a clean first unit that is the documented end of inspection
		 * (only the first stream_cap bytes of a connection are read);
		 * within the first, a limit for the fail policy. */
		CNT_INC(lc, inspections_finished);
		if (insp_in_followup(&s->insp)) {
			CNT_INC(lc, insp_pass);
			reasm_free(&lc->rp, flow_pass(e, 0, 0, 0));
			return f;
		}
		CNT_INC(lc, insp_give_up);
		return decide(lc, pc, e, &fp, NULL, DP_R_LIMIT, FLOW_DIR_C2S);
	}
	if (!s->queued && insp_in_followup(&s->insp)) {
		uint32_t tail = lc->fq_head + lc->fq_n;
		s->queued = 1;
		lc->fq[tail >= dp_cf->pool_slots ? tail - dp_cf->pool_slots : tail] = h;
		lc->fq_n++;
	}
	return f;
}

/* ---- UDP: DNS queries and QUIC Initials ---------------------------------- */

/* Names one UDP inspection found: counted, and logged with --log-names (d is
 * the client's packet). */
static void udp_names(struct dp_lcore *lc, const struct pkt_ctx *pc, const struct insp_out *out)
{
	for (uint32_t i = 0; i < out->n_names; i++) {
		const struct insp_name *n = &out->names[i];
		if (n->host_status == 0 /* HOST_OK */ && n->field < SIG_FIELD_COUNT)
			CNT_INC(lc, names[n->field]);
		else
			CNT_INC(lc, names_not_host);
		if (dp_cf->log_names) {
			struct dp_event ev;
			event_fill(&ev, &pc->d, FLOW_DIR_C2S, DP_EV_NAME);
			event_name(&ev, n);
			event_put(lc, &ev);
		}
	}
}

/* With no set live and policy.no_signatures = "closed", the first host
 * name decides (as in inspect_bytes); NULL otherwise. */
static const struct insp_name *no_set_name(const struct dp_lcore *lc, const struct insp_out *out)
{
	if (likely(lc->ref->set != NULL) || lc->ref->pol.no_set_action == DP_ACT_PASS)
		return NULL;
	for (uint32_t i = 0; i < out->n_names; i++)
		if (out->names[i].host_status == 0 /* HOST_OK */ && out->names[i].norm_len != 0)
			return &out->names[i];
	return NULL;
}

/* Queues the refusal of query q (msg/len its message) out of the port the
 * query came in on, toward the client. */
static void send_dns_refusal(struct dp_lcore *lc, const struct pkt_ctx *pc, const uint8_t *msg,
			     size_t len, const struct dns_query *q)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->aux_pool);
	uint8_t *p = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, DNS_REPLY_FRAME_MAX) : NULL;
	size_t n = p != NULL ? dns_reply_build(pc->l2, pc->l2_len, &pc->d, msg, len, q,
					       dp_cf->dns_rcode, p, DNS_REPLY_FRAME_MAX) : 0;

	if (n == 0) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		CNT_INC(lc, dns_refusal_failed);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(DNS_REPLY_FRAME_MAX - n));
	tx_push(lc, pc->port, m);
	CNT_INC(lc, dns_refusals);
}

/*
 * The verdict on one DNS query. There is no flow state: a stub resolver
 * sends every query from one socket, so a verdict kept for the 5-tuple
 * would decide the next, unrelated name. The action comes from the policy
 * as for a flow (decide()); reset answers with a refusal (dns.refuse_rcode)
 * and drops the query, drop drops it, monitor and pass forward it.
 */
static enum fate dns_decide(struct dp_lcore *lc, const struct pkt_ctx *pc,
			    const struct insp_name *n, enum dp_reason why, const uint8_t *msg,
			    size_t len, const struct dns_query *q)
{
	const struct dp_sigref *ref = lc->ref;
	bool sig = why == DP_R_SIGNATURE && n != NULL;
	uint8_t cat = sig ? n->v.category : DP_CAT_NONE;
	uint32_t sid = sig ? n->v.id : 0;
	struct dp_decision dd = dp_policy_decide(&ref->pol, why, cat, pc->d.src,
						 pc->d.ip_version);
	enum dp_action act = (enum dp_action)dd.action;

	if (dd.src == DP_POL_EXEMPT) {
		if (sig)
			CNT_INC(lc, exempted[cat]);
		else
			CNT_INC(lc, exempted_policy);
	}
	if (act == DP_ACT_PASS) {
		if (sig)
			CNT_INC(lc, passed_rule[cat]);
		else
			CNT_INC(lc, passed_policy[why]);
		return FATE_FORWARD;
	}
	if (act == DP_ACT_MONITOR) {
		if (sig)
			CNT_INC(lc, monitored[cat]);
	} else if (sig) {
		CNT_INC(lc, blocked[cat]);
	} else {
		CNT_INC(lc, blocked_policy[why]);
	}
	if (sig)
		sig_count(lc, sid, cat, act == DP_ACT_MONITOR);

	struct dp_event ev;
	event_fill(&ev, &pc->d, FLOW_DIR_C2S, act == DP_ACT_MONITOR ? DP_EV_MONITOR : DP_EV_BLOCK);
	ev.action = (uint8_t)act;
	ev.reason = (uint8_t)why;
	ev.policy = dd.src;
	ev.category = cat;
	ev.sig_id = sid;
	ev.gen = ref->gen;
	if (n != NULL)
		event_name(&ev, n);
	else
		ev.name[0] = ev.raw[0] = '\0';
	event_put(lc, &ev);
	if (act == DP_ACT_MONITOR)
		return FATE_FORWARD;
	/* A query that did not parse (a limit under fail closed) has nothing
	 * a refusal could echo: it is only dropped. */
	if (act == DP_ACT_RESET && q->status == DNS_OK)
		send_dns_refusal(lc, pc, msg, len, q);
	return FATE_DROP;
}

/* A datagram to a DNS port: one query, decided on its own. */
static enum fate handle_dns(struct dp_lcore *lc, const struct pkt_ctx *pc)
{
	const struct dp_sigref *ref = lc->ref;
	const uint8_t *msg = pc->buf + pc->d.payload_off;
	size_t len = pc->d.payload_len;
	char name[DNS_NAME_BUF];
	struct dns_query q;
	struct insp_out out;
	enum insp_status st = insp_dns_query(msg, len, &q, name, sizeof(name), ref->set,
					     ref->scr[lc->worker], &out);
	const struct insp_name *ns;

	count_l7_end(lc, &out);
	udp_names(lc, pc, &out);
	if (unlikely((ns = no_set_name(lc, &out)) != NULL))
		return dns_decide(lc, pc, ns, DP_R_NO_SET, msg, len, &q);
	switch (st) {
	case INSP_MATCH:
		CNT_INC(lc, dns_matched);
		return dns_decide(lc, pc, &out.names[out.decide], DP_R_SIGNATURE, msg, len, &q);
	case INSP_GIVE_UP:
		return dns_decide(lc, pc, NULL, DP_R_LIMIT, msg, len, &q);
	case INSP_SCAN_ERROR:
		return dns_decide(lc, pc, NULL, DP_R_SCAN_ERROR, msg, len, &q);
	default:
		return FATE_FORWARD;
	}
}

/* A UDP packet with no flow entry to hold a verdict: as for TCP, fail open
 * forwards it, fail closed drops it unless an end is exempt. */
static enum fate udp_no_room(struct dp_lcore *lc, const struct l3l4_desc *d)
{
	const struct dp_policy *pol = &lc->ref->pol;

	CNT_INC(lc, flow_no_room);
	if (pol->fail_action == DP_ACT_PASS || pol->fail_action == DP_ACT_MONITOR ||
	    dp_policy_exempt(pol, d->src, d->ip_version) ||
	    dp_policy_exempt(pol, d->dst, d->ip_version))
		return FATE_FORWARD;
	CNT_INC(lc, no_flow_dropped);
	return FATE_DROP;
}

/* RFC 9000 §17: the first byte's high bit marks a long header (Initial,
 * 0-RTT, Handshake, Retry, Version Negotiation). */
#define QUIC_LONG_HEADER 0x80u

/*
 * A datagram on a QUIC port (c2s: sent to it, by the client). quic.mode =
 * block drops the client's long-header packets, so no handshake starts
 * and clients fall back to TCP. inspect tracks the 5-tuple: a client
 * datagram with a long header on a new flow starts inspection (short
 * headers are a connection already past its handshake: forwarded, the
 * flow left NEW), each client datagram is fed until a verdict, server
 * datagrams are forwarded, and a blocked flow loses its datagrams both
 * ways.
 */
static enum fate handle_quic(struct dp_lcore *lc, struct pkt_ctx *pc, bool c2s)
{
	const struct l3l4_desc *d = &pc->d;
	const uint8_t *dg = pc->buf + d->payload_off;
	size_t len = d->payload_len;
	struct flow_key key;
	struct flow_pkt fp;
	bool swapped, created;

	if (dp_cf->quic_mode == DP_QUIC_BLOCK) {
		if (c2s && len > 0 && (dg[0] & QUIC_LONG_HEADER)) {
			CNT_INC(lc, quic_blocked);
			return FATE_DROP;
		}
		return FATE_FORWARD;
	}
	if (flow_key_from_desc(d, &key, &swapped) != 0)
		return FATE_FORWARD;
	uint32_t hash = dp_flow_hash(&key);
	struct flow_entry *e = flow_lookup_or_insert(&lc->ft, &key, hash, swapped, lc->now,
						     &created);
	if (unlikely(e == NULL))
		return udp_no_room(lc, d);
	if (e->state == FLOW_S_PASSED)
		return FATE_FORWARD;
	if (e->state == FLOW_S_BLOCKED) {
		CNT_INC(lc, dropped_blocked);
		return FATE_DROP;
	}
	if (!c2s || len == 0)
		return FATE_FORWARD;
	flow_pkt_from_desc(d, swapped, &fp);
	if (e->state == FLOW_S_NEW) {
		uint32_t h;
		if (!(dg[0] & QUIC_LONG_HEADER)) {
			/* A connection past its handshake (picked up midway), or
			 * not QUIC: nothing to read, but the flow stays NEW, so
			 * that an Initial sent after it is still read. */
			if (created) {
				CNT_INC(lc, quic_not_quic);
				CNT_INC(lc, quic_anomaly[QUIC_R_SHORT_HEADER]);
			}
			return FATE_FORWARD;
		}
		if (reasm_alloc(&lc->rp, 0, &h) != REASM_OK) {
			CNT_INC(lc, pool_exhausted);
			return decide(lc, pc, e, &fp, NULL, DP_R_POOL, FLOW_DIR_C2S);
		}
		flow_start_inspect(e, h);
		insp_quic_init(&lc->slots[h].insp, lc->slots[h].buf, dp_cf->stream_cap);
		CNT_INC(lc, inspections_started);
		CNT_INC(lc, quic_inspected);
	}

	const struct dp_sigref *ref = lc->ref;
	struct dp_slot *s = &lc->slots[e->reasm];
	struct insp_out out;
	enum insp_status st = insp_quic_feed(&s->insp, lc->qcx, dg, len, dp_cf->quic_max_datagrams,
					     ref->set, ref->scr[lc->worker], &out);
	const struct insp_name *ns;

	udp_names(lc, pc, &out);
	if (out.parse_status == QUIC_NOT_QUIC) {
		/* The parser starts again on the next datagram (inspect_l7.h). */
		if (out.parse_reason < QUIC_R_COUNT)
			CNT_INC(lc, quic_anomaly[out.parse_reason]);
		CNT_INC(lc, quic_not_quic);
	}
	if (st == INSP_NEED_MORE)
		return FATE_FORWARD;
	CNT_INC(lc, inspections_finished);
	count_l7_end(lc, &out);
	if (unlikely((ns = no_set_name(lc, &out)) != NULL))
		return decide(lc, pc, e, &fp, ns, DP_R_NO_SET, FLOW_DIR_C2S);
	switch (st) {
	case INSP_MATCH:
		CNT_INC(lc, insp_match);
		return decide(lc, pc, e, &fp, &out.names[out.decide], DP_R_SIGNATURE,
			      FLOW_DIR_C2S);
	case INSP_GIVE_UP:
		CNT_INC(lc, insp_give_up);
		if (out.parse_status == QUIC_NEED_MORE || out.parse_status == QUIC_NOT_QUIC) {
			/* Read before decide() gives the slot back. */
			const struct insp_quic *iq = &s->insp.u.quic;
			CNT_INC(lc, quic_give_up);
			if ((iq->flags & QUIC_F_UNKNOWN_VERSION) && iq->q.n_packets == 0)
				CNT_INC(lc, quic_unknown_version);
		}
		return decide(lc, pc, e, &fp, NULL, DP_R_LIMIT, FLOW_DIR_C2S);
	case INSP_SCAN_ERROR:
		CNT_INC(lc, insp_scan_error);
		return decide(lc, pc, e, &fp, NULL, DP_R_SCAN_ERROR, FLOW_DIR_C2S);
	case INSP_CONFLICT:
		return decide(lc, pc, e, &fp, NULL, DP_R_CONFLICT, FLOW_DIR_C2S);
	default: {
		CNT_INC(lc, insp_pass);
		uint32_t h = flow_pass(e, 0, 0, 0);
		if (h != FLOW_NONE)
			reasm_free(&lc->rp, h);
		return FATE_FORWARD;
	}
	}
}

/* Every UDP packet (or reassembled datagram): DNS to a DNS port, QUIC on a
 * QUIC port, the rest forwarded untracked. */
static enum fate handle_udp(struct dp_lcore *lc, struct pkt_ctx *pc)
{
	const struct l3l4_desc *d = &pc->d;

	CNT_INC(lc, udp);
	if (port_in(dp_cf->dns_ports, dp_cf->n_dns_ports, d->dport))
		return handle_dns(lc, pc);
	if (dp_cf->quic_mode == DP_QUIC_PASS || dp_cf->n_quic_ports == 0)
		return FATE_FORWARD;
	bool to_server = port_in(dp_cf->quic_ports, dp_cf->n_quic_ports, d->dport);
	if (to_server || port_in(dp_cf->quic_ports, dp_cf->n_quic_ports, d->sport))
		return handle_quic(lc, pc, to_server);
	return FATE_FORWARD;
}

/* A TCP packet not parsed ahead: a reassembled datagram, a multi-segment frame. */
static enum fate handle_tcp(struct dp_lcore *lc, struct pkt_ctx *pc)
{
	struct flow_key key;
	bool swapped;

	CNT_INC(lc, tcp);
	if (flow_key_from_desc(&pc->d, &key, &swapped) != 0)
		return FATE_FORWARD;
	return handle_tcp_keyed(lc, pc, &key, swapped, dp_flow_hash(&key));
}

/* Offset of the IPv6 fragment header in buf (IPv6 header at l3), or 0. */
static size_t v6_frag_hdr(const uint8_t *buf, size_t len, size_t l3)
{
	size_t off = l3 + 40;
	uint8_t nh;

	if (len < off)
		return 0;
	nh = buf[l3 + 6];
	for (unsigned i = 0; i < L3L4_MAX_EXT; i++) {
		if (nh == L3L4_IPPROTO_FRAGMENT)
			return len >= off + 8 ? off : 0;
		if (nh != L3L4_IPPROTO_HOPOPTS && nh != L3L4_IPPROTO_ROUTING &&
		    nh != L3L4_IPPROTO_DSTOPTS)
			return 0;
		if (len < off + 2)
			return 0;
		nh = buf[off];
		off += ((size_t)buf[off + 1] + 1) * 8;
	}
	return 0;
}

/*
 * A fragment: forwarded as it is, unless the datagram it completes is
 * decided blocked. A copy goes to the reassembly table; the copy of an IPv6
 * fragment loses the extension headers in front of its fragment header
 * (ip_frag handles only a fragment header right after the IPv6 header).
 */
static enum fate handle_fragment(struct dp_lcore *lc, struct pkt_ctx *pc, struct rte_mbuf *m)
{
	const struct l3l4_desc *d = &pc->d;
	struct rte_mbuf *c, *r;
	uint64_t tsc = rte_rdtsc();

	CNT_INC(lc, fragments);
	c = rte_pktmbuf_copy(m, lc->aux_pool, 0, UINT32_MAX);
	if (c == NULL) {
		CNT_INC(lc, frag_no_mbuf);
		return FATE_FORWARD;
	}
	c->l2_len = d->l2_len;
	if (d->ip_version == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(c, struct rte_ipv4_hdr *,
								  d->l2_len);
		c->l3_len = (uint16_t)((ip->version_ihl & 0xf) * 4);
		r = rte_ipv4_frag_reassemble_packet(lc->frag_tbl, &lc->dr, c, tsc, ip);
	} else {
		size_t fo = v6_frag_hdr(pc->buf, (size_t)d->l3_off + d->l3_len, d->l3_off);
		/* The headers are slid in the first segment; the payload may
		 * run on in others (a copy of a fragment above 2 KiB is a chain
		 * of aux mbufs), ip_frag chains segments anyway. */
		if (fo == 0 || rte_pktmbuf_data_len(c) < fo + 8u) {
			rte_pktmbuf_free(c);
			CNT_INC(lc, frag_unsupported);
			return FATE_FORWARD;
		}
		size_t ext = fo - (d->l3_off + 40u);
		if (ext > 0) {
			/* Slide L2 + IPv6 header over the extension headers. */
			uint8_t *b = rte_pktmbuf_mtod(c, uint8_t *);
			b[d->l3_off + 6] = L3L4_IPPROTO_FRAGMENT;
			uint16_t plen = (uint16_t)((b[d->l3_off + 4] << 8 | b[d->l3_off + 5]) - ext);
			b[d->l3_off + 4] = (uint8_t)(plen >> 8);
			b[d->l3_off + 5] = (uint8_t)plen;
			memmove(b + ext, b, d->l3_off + 40u);
			rte_pktmbuf_adj(c, (uint16_t)ext);
		}
		c->l3_len = 40 + 8;
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(c, struct rte_ipv6_hdr *,
								  d->l2_len);
		struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip + 1);
		r = rte_ipv6_frag_reassemble_packet(lc->frag_tbl, &lc->dr, c, tsc, ip, fh);
	}
	if (r == NULL)
		return FATE_FORWARD;

	CNT_INC(lc, frag_reassembled);
	uint32_t rl = rte_pktmbuf_pkt_len(r);
	enum fate f = FATE_FORWARD;
	if (rl <= DP_LIN_MAX) {
		const uint8_t *p = rte_pktmbuf_read(r, 0, rl, lc->lin);
		struct pkt_ctx rc = {.port = pc->port, .l2 = pc->l2, .l2_len = pc->l2_len, .buf = p};
		if (p != NULL && l3l4_parse(p, rl, &rc.d) == L3L4_OK &&
		    !(rc.d.frag_flags & L3L4_FRAG_IS)) {
			if (rc.d.l4_proto == L3L4_IPPROTO_TCP)
				f = handle_tcp(lc, &rc);
			else if (rc.d.l4_proto == L3L4_IPPROTO_UDP)
				f = handle_udp(lc, &rc);
		}
	}
	rte_pktmbuf_free(r);
	return f;
}

/*
 * A packet of the burst as poll_port's first pass left it. A common TCP
 * frame (l3l4_peek.h) is only peeked: key, flags and payload length, which
 * is all the established fast path reads; the descriptor is parsed when the
 * fast path declines. Other frames are parsed then, except one spread over
 * several segments, parsed only when handled: it is copied into the
 * worker's one linear buffer, which the next such frame would overwrite.
 */
struct dp_pre {
	struct pkt_ctx pc;
	enum l3l4_status st;
	bool parsed;  /* pc and st are valid */
	bool keyed;   /* key, swapped, hash, tcp_flags, payload_len are valid:
		       * TCP, not a fragment */
	bool swapped;
	uint8_t tcp_flags;
	uint16_t payload_len;
	uint32_t hash;
	struct flow_key key;
};

/* Parses m into pc: in place when it is one segment, else through the
 * linear buffer (frames past DP_LIN_MAX are cut there). */
static enum l3l4_status parse_pkt(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m,
				  struct pkt_ctx *pc)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p;

	if (likely(rte_pktmbuf_is_contiguous(m))) {
		p = rte_pktmbuf_mtod(m, const uint8_t *);
	} else {
		if (len > DP_LIN_MAX)
			len = DP_LIN_MAX;
		p = rte_pktmbuf_read(m, 0, len, lc->lin);
	}
	pc->port = port;
	pc->buf = p;
	pc->l2 = p;
	enum l3l4_status st = l3l4_parse(p, len, &pc->d);
	pc->l2_len = pc->d.l2_len;
	return st;
}

/* First pass: for TCP, the key, its hash and a prefetch of its bucket, so
 * that the table's cache misses of the whole burst overlap instead of each
 * packet waiting for its own (two lines per lookup). */
static inline void pre_parse(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m,
			     struct dp_pre *pre)
{
	struct l3l4_peek pk;

	pre->keyed = false;
	pre->parsed = false;
	if (unlikely(!rte_pktmbuf_is_contiguous(m)))
		return;
	if (l3l4_peek_tcp(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_pkt_len(m), &pk)) {
		flow_key_from_peek(&pk, &pre->key, &pre->swapped);
		pre->tcp_flags = l3l4_peek_flags(&pk);
		pre->payload_len = l3l4_peek_payload_len(&pk);
	} else {
		const struct l3l4_desc *d = &pre->pc.d;
		pre->st = parse_pkt(lc, port, m, &pre->pc);
		pre->parsed = true;
		if (pre->st != L3L4_OK || d->l4_proto != L3L4_IPPROTO_TCP ||
		    (d->frag_flags & L3L4_FRAG_IS) ||
		    flow_key_from_desc(d, &pre->key, &pre->swapped) != 0)
			return;
		pre->tcp_flags = d->tcp_flags;
		pre->payload_len = d->payload_len;
	}
	pre->hash = dp_flow_hash(&pre->key);
	pre->keyed = true;
	flow_prefetch(&lc->ft, pre->hash);
}

static enum fate handle_pkt(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m,
			    struct dp_pre *pre)
{
	struct pkt_ctx *pc = &pre->pc;

	if (pre->keyed) {
		CNT_INC(lc, tcp);
		/* Most packets belong to flows already passed: nothing to do
		 * but note that the flow is alive. */
		if (flow_pass_fast(&lc->ft, &pre->key, pre->hash, pre->swapped, pre->tcp_flags,
				   pre->payload_len, lc->now))
			return FATE_FORWARD;
		/* A peeked frame is one l3l4_parse() takes whole: OK. */
		if (!pre->parsed)
			(void)parse_pkt(lc, port, m, pc);
		return handle_tcp_keyed(lc, pc, &pre->key, pre->swapped, pre->hash);
	}
	enum l3l4_status st = likely(pre->parsed) ? pre->st : parse_pkt(lc, port, m, pc);
	switch (st) {
	case L3L4_OK:
		if (unlikely(pc->d.frag_flags & L3L4_FRAG_IS))
			return handle_fragment(lc, pc, m);
		if (pc->d.l4_proto == L3L4_IPPROTO_TCP)
			return handle_tcp(lc, pc);
		if (pc->d.l4_proto == L3L4_IPPROTO_UDP)
			return handle_udp(lc, pc);
		CNT_INC(lc, other_l4);
		return FATE_FORWARD;
	case L3L4_FRAGMENT:
		return handle_fragment(lc, pc, m);
	case L3L4_NOT_IP:
		CNT_INC(lc, non_ip);
		return FATE_FORWARD;
	case L3L4_NO_L4:
		CNT_INC(lc, no_l4);
		return FATE_FORWARD;
	default:
		if (pc->d.reason < L3L4_R_COUNT)
			CNT_INC(lc, bad[pc->d.reason]);
		return FATE_FORWARD;
	}
}

static void poll_port(struct dp_lcore *lc, uint16_t port)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_pre pre[DP_BURST];
	uint16_t n = rte_eth_rx_burst(port, (uint16_t)lc->worker, pkts, DP_BURST);
	uint16_t peer = dp_cf->peer[port];

	if (n == 0)
		return;
#ifdef KB_LATENCY_HIST
	uint64_t t_rx = rte_rdtsc();
#endif
	CNT_ADD(lc, rx[port], n);
	for (uint16_t i = 0; i < n && i < DP_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		if (i + DP_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH], void *));
		pre_parse(lc, port, pkts[i], &pre[i]);
	}
	/* The buckets have had the rest of the first pass to arrive: prefetch
	 * the entries whose tags match, the second line of each lookup. */
	for (uint16_t i = 0; i < n; i++)
		if (pre[i].keyed)
			flow_prefetch_entry(&lc->ft, pre[i].hash);
	for (uint16_t i = 0; i < n; i++) {
		if (handle_pkt(lc, port, pkts[i], &pre[i]) == FATE_FORWARD)
			tx_push(lc, peer, pkts[i]);
		else
			rte_pktmbuf_free(pkts[i]);
	}
	tx_flush(lc);
#ifdef KB_LATENCY_HIST
	uint64_t dt = rte_rdtsc() - t_rx;
	lc->lat_hist[lat_bucket(dt)] += n;
	if (dt > lc->lat_max)
		lc->lat_max = dt;
#endif
	/* The death row holds what ip_frag let go of in this burst; it is
	 * sized for one burst, so empty it after each. */
	if (lc->dr.cnt != 0)
		rte_ip_frag_free_death_row(&lc->dr, DP_PREFETCH);
	CNT_ADD(lc, processed, n);
}

#ifdef KB_LATENCY_HIST
/* Cycles below which a share num/den of the packets fall (bucket upper bound). */
static uint64_t lat_quantile(const struct dp_lcore *lc, uint64_t total, uint64_t num,
			     uint64_t den)
{
	uint64_t want = (total * num + den - 1) / den, seen = 0;

	for (unsigned b = 0; b < DP_LAT_BUCKETS; b++) {
		seen += lc->lat_hist[b];
		if (seen >= want && seen != 0)
			return b + 1 < DP_LAT_BUCKETS ? lat_bucket_low(b + 1) : lc->lat_max;
	}
	return lc->lat_max;
}

/* Once, when the worker stops (scripts/bench/scale.sh latency reads it). */
static void lat_report(const struct dp_lcore *lc)
{
	uint64_t total = 0, hz = rte_get_tsc_hz();

	for (unsigned b = 0; b < DP_LAT_BUCKETS; b++)
		total += lc->lat_hist[b];
	if (total == 0 || hz == 0)
		return;
#define LAT_NS(c) ((uint64_t)(c) * 1000000000u / hz)
	DP_LOG(INFO,
	       "worker %u latency: %" PRIu64 " packets, p50 %" PRIu64 " ns, p99 %" PRIu64
	       " ns, p99.9 %" PRIu64 " ns, max %" PRIu64 " ns",
	       lc->worker, total, LAT_NS(lat_quantile(lc, total, 1, 2)),
	       LAT_NS(lat_quantile(lc, total, 99, 100)), LAT_NS(lat_quantile(lc, total, 999, 1000)),
	       LAT_NS(lc->lat_max));
#undef LAT_NS
}
#endif

int dp_worker_main(void *arg)
{
	unsigned lid = rte_lcore_id();
	struct dp_lcore *lc = NULL;
	uint32_t pass = 0;

	(void)arg;
	for (unsigned w = 0; w < dp_n_workers; w++)
		if (dp_worker_lcores[w] == lid)
			lc = dp_lcores[w];
	if (lc == NULL)
		return 0;
	uint16_t ports[DP_MAX_PORTS], np = 0;
	for (uint16_t p = 0; p < dp_cf->n_ports; p++)
		if (dp_cf->peer[p] != UINT16_MAX && lc->worker < dp_cf->n_queues[p])
			ports[np++] = p;
	DP_LOG(INFO, "worker %u on lcore %u polls %u port(s)", lc->worker, lid, np);
	rte_rcu_qsbr_thread_register(dp_qsbr, lc->worker);
	rte_rcu_qsbr_thread_online(dp_qsbr, lc->worker);

	while (!dp_stopping()) {
		/* One set and one tick per pass; never kept across quiescent(). */
		lc->ref = __atomic_load_n(&dp_ref, __ATOMIC_ACQUIRE);
		lc->now = (uint32_t)(rte_rdtsc() / dp_ms_div);
		for (uint16_t i = 0; i < np; i++)
			poll_port(lc, ports[i]);
		lc->ref = NULL;
		rte_rcu_qsbr_quiescent(dp_qsbr, lc->worker);
		if (++pass >= dp_cf->expiry_every) {
			pass = 0;
			flow_expire(&lc->ft, lc->now, dp_cf->expiry_batch);
		}
		CNT_INC(lc, loops);
	}
	rte_rcu_qsbr_thread_offline(dp_qsbr, lc->worker);
	rte_rcu_qsbr_thread_unregister(dp_qsbr, lc->worker);
#ifdef KB_LATENCY_HIST
	lat_report(lc);
#endif
	return 0;
}
