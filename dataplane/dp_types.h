/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_TYPES_H
#define KB_DP_TYPES_H

/*
 * Dataplane types shared with the control plane: the configuration it runs
 * with, the per-lcore counters and the event record. docs/kasblock.md lists
 * every counter and docs/architecture.md the packet path.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dns_types.h"
#include "h2c_types.h"
#include "http_head_types.h"
#include "l3l4_types.h"
#include "quic_initial_types.h"
#include "sig_types.h"
#include "tls_hello_types.h"

#define DP_MAX_PORTS 32u
#define DP_MAX_WORKERS 64u
#define DP_BURST 32u
#define DP_PREFETCH 3u
#define DP_NAME_MAX 256u

enum dp_action {
	DP_ACT_RESET = 0,
	DP_ACT_DROP,
	DP_ACT_MONITOR,
	DP_ACT_PASS,
	DP_ACT_COUNT
};

/* Why a flow was blocked or monitored. */
enum dp_reason {
	DP_R_SIGNATURE = 0, /* a signature matched */
	DP_R_CONFLICT,      /* inconsistent overlap in the client stream */
	DP_R_POOL,          /* no inspection slot (pool exhausted) */
	DP_R_LIMIT,         /* a parser limit was hit */
	DP_R_SCAN_ERROR,    /* the matcher failed */
	DP_R_NO_SET,        /* no signature set live (policy.no_signatures) */
	DP_R_NO_FLOW,       /* no flow entry could be made (flow table full) */
	DP_R_COUNT
};

/*
 * What set a flow's final action, besides the action itself (the event's
 * "policy" key, docs/policy.md): the category's action as configured, or a
 * rule that softened it.
 */
enum dp_pol_src {
	DP_POL_ACTION = 0,   /* the category's (or fail policy's) action */
	DP_POL_MODE,         /* policy.mode = "monitor" turned a block into monitor */
	DP_POL_DATE,         /* before the category's enforce_from: monitor */
	DP_POL_EXEMPT,       /* the client is in policy.exempt_clients */
	DP_POL_COUNT
};

#define DP_MAX_EXEMPT 64u
/* UDP/TCP ports of each of quic.ports and dns.ports. */
#define DP_MAX_L7_PORTS 8u

/* quic.mode: what happens to UDP datagrams on the QUIC ports. */
enum dp_quic_mode {
	DP_QUIC_INSPECT = 0, /* decrypt client Initials, match quic_sni */
	DP_QUIC_BLOCK,       /* drop client long-header packets: clients fall back to TCP */
	DP_QUIC_PASS,        /* forward untouched, untracked */
};

/* A client prefix: the first len bits of addr (IPv4 in bytes 0..3). */
struct dp_prefix {
	uint8_t addr[16];
	uint8_t len;
	uint8_t ip_version; /* 4 or 6 */
};

/*
 * The effective policy, resolved on the control thread (mode, enforcement
 * dates) and published with the signature set, so that a worker decides a
 * flow with table lookups only: no clock, no date, no lock.
 */
struct dp_policy {
	uint8_t action[SIG_CAT_COUNT]; /* enum dp_action, mode and dates applied */
	uint8_t src[SIG_CAT_COUNT];    /* enum dp_pol_src of action[] */
	uint8_t fail_action;           /* pool, limits, scan error, flow table full */
	uint8_t fail_src;
	uint8_t conflict_action;       /* inconsistent overlap */
	uint8_t conflict_src;
	uint8_t no_set_action;         /* a name seen while no set is live */
	uint8_t no_set_src;
	uint8_t exempt_action;         /* DP_ACT_PASS or DP_ACT_MONITOR */
	uint8_t pad;
	uint32_t n_exempt;
	struct dp_prefix exempt[DP_MAX_EXEMPT];
};

/* Set by the control plane before the workers start; read-only after. */
struct dp_conf {
	uint16_t n_ports;
	uint16_t peer[DP_MAX_PORTS];     /* where a packet from port i leaves */
	uint16_t n_queues[DP_MAX_PORTS]; /* queues configured on port i */
	uint32_t n_workers;
	uint32_t flow_capacity;
	uint32_t timeout_ms[7];          /* struct flow_timeouts order */
	uint32_t expiry_every;
	uint32_t expiry_batch;
	uint32_t stream_cap;
	uint32_t pool_slots;
	uint32_t frag_flows;
	uint32_t frag_timeout_ms;
	uint32_t event_ring;
	uint32_t mtu;                    /* ports.mtu: each mbuf holds a whole frame of it */
	bool log_names;
	uint8_t quic_mode;               /* enum dp_quic_mode */
	uint8_t n_quic_ports;
	uint8_t n_dns_ports;
	uint8_t dns_rcode;               /* DNS_RCODE_NXDOMAIN or DNS_RCODE_REFUSED */
	uint16_t quic_ports[DP_MAX_L7_PORTS]; /* server ports of QUIC flows */
	uint16_t dns_ports[DP_MAX_L7_PORTS];  /* server ports of DNS, UDP and TCP */
	uint32_t quic_max_datagrams;     /* client datagrams read before giving up */
	/* The policy (actions, fail policies, exemptions) is not here: it is
	 * published with the signature set (struct dp_sigref) so it reloads. */
};

/*
 * Counters of one lcore. Written only by their lcore with relaxed atomic
 * stores, read by the control plane with relaxed loads, never reset.
 */
struct dp_stats {
	uint64_t rx[DP_MAX_PORTS];          /* packets received on port i */
	uint64_t tx[DP_MAX_PORTS];          /* packets sent on port i (resets too) */
	uint64_t tx_full[DP_MAX_PORTS];     /* not accepted by the TX queue, freed */
	uint64_t non_ip;                    /* forwarded: not IPv4/IPv6 */
	uint64_t no_l4;                     /* forwarded: ESP, no next header... */
	uint64_t other_l4;                  /* forwarded: not TCP */
	uint64_t udp;                       /* UDP packets (DNS and QUIC ports inspected) */
	uint64_t bad[L3L4_R_COUNT];         /* forwarded: truncated/malformed by reason */
	uint64_t fragments;                 /* IP fragments seen */
	uint64_t frag_reassembled;          /* datagrams rebuilt for inspection */
	uint64_t frag_no_mbuf;              /* no copy for reassembly: not inspected */
	uint64_t frag_unsupported;          /* IPv6 fragment header too deep */
	uint64_t tcp;                       /* TCP packets looked up */
	uint64_t flow_no_room;              /* no flow entry: forwarded uninspected */
	uint64_t inspections_started;
	uint64_t inspections_finished;      /* verdict reached (any) */
	uint64_t insp_pass;                 /* ... nothing barred */
	uint64_t insp_match;                /* ... a block rule matched */
	uint64_t insp_give_up;              /* ... parser limit */
	uint64_t insp_scan_error;           /* ... matcher error */
	uint64_t insp_abandoned;            /* flow ended while inspecting */
	uint64_t names[SIG_FIELD_COUNT];    /* names extracted, by field */
	uint64_t names_not_host;            /* names that did not normalise */
	uint64_t blocked[SIG_CAT_COUNT];    /* flows blocked, by category */
	uint64_t monitored[SIG_CAT_COUNT];  /* flows monitored, by category */
	uint64_t passed_rule[SIG_CAT_COUNT]; /* matched, action pass */
	uint64_t blocked_policy[DP_R_COUNT]; /* flows blocked by a fail policy */
	uint64_t passed_policy[DP_R_COUNT];  /* flows passed by a fail policy */
	uint64_t exempted[SIG_CAT_COUNT];   /* matched, client exempt: exempt_action applied */
	uint64_t exempted_policy;           /* fail-policy verdicts softened for an exempt client */
	uint64_t no_flow_dropped;           /* packets dropped: no flow entry, fail closed */
	uint64_t dropped_blocked;           /* packets of blocked flows dropped */
	uint64_t resets_sent;               /* RST frames queued (2 per reset flow) */
	uint64_t reset_no_mbuf;
	uint64_t pool_exhausted;            /* no inspection slot */
	uint64_t reasm_conflicts;           /* inconsistent overlaps */
	uint64_t reasm_overflow;            /* segments cut at stream_cap */
	uint64_t reasm_holes;               /* segments refused: too many holes */
	uint64_t tls_anomaly[TLS_R_COUNT];  /* ClientHello parse endings by reason */
	uint64_t http_anomaly[HTTP_R_COUNT]; /* request-head parse endings by reason */
	uint64_t quic_inspected;            /* QUIC flows whose inspection started */
	uint64_t quic_done;                 /* ClientHellos decrypted and parsed */
	uint64_t quic_not_quic;             /* client datagrams not an Initial where one was due */
	uint64_t quic_unknown_version;      /* gave up having seen only versions not decrypted */
	uint64_t quic_give_up;              /* no whole hello within quic.max_datagrams */
	uint64_t quic_blocked;              /* long-header datagrams dropped (quic.mode = block) */
	uint64_t quic_anomaly[QUIC_R_COUNT]; /* QUIC Initial parse endings (NOT_QUIC, MALFORMED) */
	uint64_t dns_queries;               /* DNS queries read (DNS_OK), UDP and TCP */
	uint64_t dns_matched;               /* ... whose name a block rule matched */
	uint64_t dns_refusals;              /* refusal answers queued */
	uint64_t dns_refusal_failed;        /* refusals not sent: no mbuf */
	uint64_t dns_anomaly[DNS_R_COUNT];  /* DNS parse endings (NOT_QUERY, MALFORMED) */
	uint64_t h2c_done;                  /* h2c request header blocks decoded */
	uint64_t h2c_anomaly[H2C_R_COUNT];  /* h2c parse endings (MALFORMED) by reason */
	uint64_t events;                    /* events queued */
	uint64_t events_dropped;            /* ring full */
	uint64_t sig_slots_full;            /* decisions not counted per signature: table full */
	uint64_t loops;                     /* loop passes */
	uint64_t processed;                 /* packets fully handled */
	uint64_t insp_followups;            /* clean request heads the inspection went on
					       past (body, next head, CONNECT tunnel) */
	uint64_t insp_reclaimed;            /* such flows passed to free their slot for a
					       new flow (pool empty) */
};

/*
 * Flows decided by one signature on one worker. The table is keyed by
 * signature id, not by rule index, so counts carry over reloads with no
 * per-set allocation: a reloaded rule with the same id keeps counting in
 * the same slot. Open addressing, at most DP_SIG_PROBES probes; a decision
 * that finds no slot counts in dp_stats.sig_slots_full. Written by its
 * worker only; the control plane reads id (acquire), then the counts.
 */
#define DP_SIG_SLOTS_LOG2 12u
#define DP_SIG_SLOTS (1u << DP_SIG_SLOTS_LOG2)
#define DP_SIG_PROBES 16u

struct dp_sig_slot {
	uint32_t id;          /* 0: free (signature ids start at 1) */
	uint8_t category;     /* enum sig_category of the last decision */
	uint8_t pad[3];
	uint64_t blocked;     /* flows reset or dropped */
	uint64_t monitored;
};

enum dp_event_type {
	DP_EV_BLOCK = 0,
	DP_EV_MONITOR = 1,
	DP_EV_NAME = 2, /* --log-names */
};

/* One event, copied by value through a per-lcore ring. */
struct dp_event {
	uint64_t tsc;
	uint32_t sig_id;
	uint32_t gen;        /* generation of the set live when the flow was decided */
	uint16_t sport;      /* client */
	uint16_t dport;      /* server */
	uint8_t src[16];     /* client */
	uint8_t dst[16];     /* server */
	uint8_t type;        /* enum dp_event_type */
	uint8_t ip_version;
	uint8_t proto;       /* IP protocol */
	uint8_t field;       /* enum sig_field */
	uint8_t category;    /* enum sig_category, or 0xff for none */
	uint8_t action;      /* enum dp_action */
	uint8_t reason;      /* enum dp_reason */
	uint8_t host_status; /* enum host_status of the name */
	uint16_t name_len;
	uint16_t raw_len;
	uint16_t port;       /* HTTP port given with the name, 0 if none */
	uint8_t name_flags;  /* INSP_NAME_F_* of the name */
	uint8_t policy;      /* enum dp_pol_src */
	char name[DP_NAME_MAX];
	char raw[DP_NAME_MAX];
};

#define DP_CAT_NONE 0xffu

#endif
