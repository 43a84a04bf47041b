/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DATAPLANE_FLOW_TYPES_H
#define KB_DATAPLANE_FLOW_TYPES_H

/*
 * Types of the per-worker flow table (flow.h has the functions; the design,
 * sizes and policies are in docs/architecture.md, "Flow table and
 * reassembly"). Pure C: no DPDK header, so the table unit-tests without EAL.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slots per bucket: one bucket (tags + entry indices) is one cache line. */
#define FLOW_BUCKET_SLOTS 8u
/* Smallest and largest capacity (entries); other values are rounded up to a
 * power of two and clamped into this range. */
#define FLOW_MIN_CAPACITY 16u
#define FLOW_MAX_CAPACITY (1u << 28)
/* Entries sampled from the rotating cursor when the table is full and a
 * victim may come from anywhere (see flow_lookup_or_insert). */
#define FLOW_EVICT_SAMPLE 16u
/* "No index": empty free list, no reassembly slot. */
#define FLOW_NONE UINT32_MAX
/* Seed of flow_key_hash(); rte_hash_crc(k, FLOW_KEY_LEN, FLOW_HASH_INIT)
 * gives the same value on the dataplane. */
#define FLOW_HASH_INIT 0xffffffffu

/*
 * Canonical 5-tuple: side 0 is the lower (address, port) pair compared as
 * bytes then port, side 1 the higher, so both directions of a flow build the
 * same key. IPv4 addresses sit in the first 4 bytes, the rest zero, and
 * ip_version keeps an IPv4 key apart from the IPv6 address ::a.b.c.d. Ports
 * are host order and 0 for protocols without ports. No padding: the 38 bytes
 * are hashed and compared as they are.
 */
struct flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t proto;      /* IP protocol of the L4 header (6, 17, ...) */
	uint8_t ip_version; /* 4 or 6 */
};
#define FLOW_KEY_LEN 38u

enum flow_state {
	FLOW_S_FREE = 0,       /* slot unused (never returned to callers) */
	FLOW_S_NEW = 1,        /* tracked, no inspection context yet */
	FLOW_S_INSPECTING = 2, /* client bytes being reassembled: e->reasm valid */
	FLOW_S_PASSED = 3,     /* verdict pass (or monitor): forward */
	FLOW_S_BLOCKED = 4,    /* verdict block: drop both directions */
	FLOW_S_COUNT
};

/* Direction of one packet relative to the flow's client. */
enum flow_dir {
	FLOW_DIR_C2S = 0, /* client -> server */
	FLOW_DIR_S2C = 1, /* server -> client */
};

/* struct flow_entry.flags */
#define FLOW_F_CLIENT_HI 0x0001u   /* the client is the key's side 1 */
#define FLOW_F_CLIENT_SURE 0x0002u /* client known from a SYN or SYN-ACK; else
				    * it is the first packet's sender */
#define FLOW_F_SYN 0x0004u         /* client SYN seen */
#define FLOW_F_SYNACK 0x0008u      /* server SYN-ACK seen */
#define FLOW_F_FIN_C 0x0010u       /* FIN from the client */
#define FLOW_F_FIN_S 0x0020u       /* FIN from the server */
#define FLOW_F_RST 0x0040u         /* RST from either side */
#define FLOW_F_SEQ_C 0x0080u       /* client_next_seq is known */
#define FLOW_F_SEQ_S 0x0100u       /* server_next_seq is known */
#define FLOW_F_ACK_C 0x0200u       /* server_next_seq is the client's last ACK */
#define FLOW_F_DATA_C 0x0400u      /* client payload seen */
#define FLOW_F_DATA_S 0x0800u      /* server payload seen */

/*
 * One flow, both directions: one cache line. The sequence fields are what the
 * dataplane needs to build RSTs both ends accept (RFC 5961 wants the exact
 * next sequence number): toward the server, seq = client_next_seq; toward the
 * client, seq = server_next_seq, which is the client's last ACK once one was
 * seen (the client's rcv_nxt), else the server's own highest seq + len.
 * In BLOCKED neither moves any more: the dropped packets never reach the
 * other end, so its expectation stays where it was at the verdict. In
 * PASSED they move only on packets flow_track() sees (flow_pass_fast()
 * leaves them): no reset is ever built for a passed flow.
 */
struct flow_entry {
	struct flow_key key;      /* 0 */
	uint16_t sig_gen;         /* 38: low 16 bits of the deciding set's generation */
	uint32_t hash;            /* 40: hash given at insert (finds the bucket again) */
	uint32_t last_seen;       /* 44: caller's tick of the last packet */
	uint32_t client_next_seq; /* 48: highest client seq + len (+SYN/FIN) seen */
	uint32_t server_next_seq; /* 52: see above */
	union {                   /* 56 */
		uint32_t reasm;   /* INSPECTING: reassembly handle */
		uint32_t sig_id;  /* PASSED / BLOCKED: signature that decided, 0 if none */
		uint32_t next_free; /* FREE: free-list link (internal) */
	};
	uint16_t flags;           /* 60: FLOW_F_* */
	uint8_t state;            /* 62: enum flow_state */
	uint8_t category;         /* 63: category of sig_id */
} __attribute__((aligned(64)));

/*
 * Bucket: 8 (tag, entry index) slots in one cache line. tag 0 marks an empty
 * slot. ovf counts entries whose primary bucket is this one but which live in
 * their alternate bucket: while it is 0, a miss never reads a second line.
 */
struct flow_bucket {
	uint16_t tag[FLOW_BUCKET_SLOTS];
	uint32_t idx[FLOW_BUCKET_SLOTS];
	uint32_t ovf;
	uint8_t pad[12];
} __attribute__((aligned(64)));

/*
 * Idle timeouts, in the caller's ticks (the unit of `now`). An entry expires
 * when now - last_seen > its timeout. "Closing" is after an RST from either
 * side or a FIN from both. A BLOCKED flow keeps tcp_blocked after FIN/RST:
 * a forged RST must not let it expire sooner and come back unblocked.
 * flow_timeouts_default() documents the defaults. Values above INT32_MAX
 * are clamped to it.
 */
struct flow_timeouts {
	uint32_t tcp_new;         /* no client payload yet (handshake) */
	uint32_t tcp_inspecting;  /* reassembling the client's first bytes */
	uint32_t tcp_established; /* PASSED */
	uint32_t tcp_closing;     /* NEW / INSPECTING / PASSED after FIN/RST */
	uint32_t tcp_blocked;     /* BLOCKED, closing or not */
	uint32_t udp;             /* UDP, every state */
	uint32_t other;           /* other protocols, every state */
};

/* Why an entry left the table without flow_remove(). */
enum flow_end {
	FLOW_END_TIMEOUT = 0, /* idle past its timeout (expiry slice, lookup, or reclaimed) */
	FLOW_END_EVICT = 1,   /* live, removed to make room */
	FLOW_END_RESTART = 2, /* a new connection took over the tuple (entry reused in place) */
};

/*
 * Called for each entry about to leave (or be reset) without flow_remove():
 * the entry is still intact, so the owner frees e->reasm when
 * e->state == FLOW_S_INSPECTING and may count or report the flow. It must
 * not call back into the table.
 */
typedef void (*flow_release_fn)(void *ctx, struct flow_entry *e, enum flow_end why);

/* What flow_track() needs from one packet besides the key. */
struct flow_pkt {
	uint32_t seq;         /* TCP only */
	uint32_t ack;
	uint32_t payload_len; /* L4 payload bytes */
	uint8_t tcp_flags;    /* L3L4_TCP_*; 0 for other protocols */
	bool swapped;         /* the sender is the key's side 1 */
};

/* struct flow_track_res.ev */
#define FLOW_EV_CREATED 0x01u    /* a new entry was made for this packet */
#define FLOW_EV_RESTARTED 0x02u  /* the entry was reset for a new connection */
#define FLOW_EV_FIRST_DATA 0x04u /* first client payload: stream_base is set */
#define FLOW_EV_BASE_SYN 0x08u   /* stream_base comes from the handshake */
#define FLOW_EV_CLOSING 0x10u    /* this packet made the flow closing */

struct flow_track_res {
	uint32_t stream_base; /* with FIRST_DATA: seq of the client's stream byte 0 */
	uint8_t dir;          /* enum flow_dir of this packet */
	uint8_t ev;           /* FLOW_EV_* */
};

/*
 * Monotonic counters (entries is a gauge), written only by the owning lcore
 * with relaxed atomic stores; readers use relaxed loads.
 */
struct flow_counters {
	uint64_t entries;         /* entries in use now */
	uint64_t inserts;         /* entries created */
	uint64_t removes;         /* flow_remove() calls */
	uint64_t timeouts;        /* entries expired (slice, lookup or reclaimed at insert) */
	uint64_t evictions;       /* live entries evicted for room */
	uint64_t evictions_blocked; /* of which BLOCKED */
	uint64_t bucket_full;     /* inserts that found both buckets full, no move possible */
	uint64_t lookup_misses;   /* lookups that found nothing (before any insert) */
	uint64_t insert_failures; /* no room: every candidate was touched this tick */
	uint64_t restarts;        /* tuple reused by a new connection */
	uint64_t relocations;     /* entries moved to their other bucket to make room */
};

/* The table's control block; the memory it points into is the caller's. */
struct flow_table {
	struct flow_bucket *buckets;
	struct flow_entry *entries;
	uint32_t bucket_mask;
	uint32_t capacity;      /* entries, a power of two */
	uint32_t free_head;     /* free-list head (an entry index) or FLOW_NONE */
	uint32_t expire_cursor; /* next entry flow_expire() looks at */
	uint32_t evict_cursor;  /* next entry sampled for eviction */
	uint32_t timeout[4][FLOW_S_COUNT]; /* [class][state], see flow.c */
	flow_release_fn release;
	void *release_ctx;
	struct flow_counters cnt;
};

#endif
