/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_STATS_TYPES_H
#define KB_CTL_STATS_TYPES_H

/*
 * One consistent copy of every counter kasblock exports: the workers'
 * counters summed, the ports' device counters, the flow tables, the
 * per-signature counts (top N), the reload, event log and inventory
 * counters. The main lcore fills it (control/stats.c); the three exporters
 * (Prometheus, DPDK telemetry, and through telemetry kasblockctl) only read
 * it, so they always agree. docs/metrics.md lists every value.
 *
 * Plain data, no DPDK: the unit tests build one by hand.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dp_types.h"
#include "flow_types.h"
#include "policy.h"
#include "reload.h"
#include "sig_types.h"

#define CTL_PORT_NAME_MAX 64u

/* One port: what the device says (rte_eth_stats) and what the workers did. */
struct ctl_port_snap {
	char name[CTL_PORT_NAME_MAX]; /* ethdev name ("0000:3b:00.0", "net_pcap0") */
	uint16_t peer;                /* port id frames from this port leave on */
	bool eth_ok;                  /* rte_eth_stats_get() answered */
	uint64_t ipackets;            /* device: received */
	uint64_t opackets;            /* device: sent */
	uint64_t ibytes;
	uint64_t obytes;
	uint64_t imissed;             /* device: dropped, RX queue full */
	uint64_t ierrors;             /* device: erroneous frames received */
	uint64_t oerrors;             /* device: failed transmissions */
	uint64_t rx_nombuf;           /* device: no mbuf for a received frame */
	uint64_t polled;              /* workers: packets taken from the port */
	uint64_t sent;                /* workers: packets the TX queue accepted */
	uint64_t tx_refused;          /* workers: packets the TX queue refused (freed) */
};

/* One worker lcore. */
struct ctl_worker_snap {
	uint32_t lcore;
	uint64_t processed;           /* packets handled */
	uint64_t loops;               /* loop passes */
	uint64_t flows;               /* flow entries in use (gauge) */
	uint64_t flow_inserts;
	uint64_t inspections;         /* inspections started */
	uint64_t blocked;             /* flows blocked (signature or policy) */
	uint64_t monitored;           /* flows monitored by a signature */
	uint64_t events;              /* events queued */
	uint64_t events_dropped;      /* events lost: ring full */
};

/* Flows one signature decided, all workers and all generations. */
struct ctl_sig_snap {
	uint32_t id;
	uint8_t category;             /* enum sig_category of the last decision */
	uint8_t pad[3];
	uint64_t blocked;             /* reset or drop */
	uint64_t monitored;
};

struct ctl_snapshot {
	uint64_t seq;                 /* refreshes so far; 0: never filled */
	uint64_t time_ns;             /* wall clock of the refresh (UTC ns) */
	uint64_t start_ns;            /* wall clock at start */
	uint32_t n_ports;
	uint32_t n_workers;
	struct ctl_port_snap port[DP_MAX_PORTS];
	struct ctl_worker_snap worker[DP_MAX_WORKERS];

	/* Every worker's counters summed. */
	struct dp_stats dp;
	struct flow_counters flow;
	uint64_t workers;             /* n_workers, as a value */
	uint64_t flow_capacity;       /* flow entries, all workers */
	uint64_t insp_slots;          /* inspection slots, all workers */

	/* Per signature: the top sig_top by blocked + monitored, highest
	 * first (ties: lower id first); the rest summed in "other". Only ids
	 * with a non-zero count appear. */
	struct ctl_sig_snap *sigs;
	uint32_t n_sigs;
	uint32_t sig_top;             /* the configured N (metrics.signature_top) */
	uint64_t sig_counted;         /* distinct signatures with a count */
	uint64_t sig_other_blocked;
	uint64_t sig_other_monitored;

	/* Signature set, reload (control/reload.h). */
	struct ctl_reload_status reload;
	uint64_t sig_rules;           /* rules in the live set */
	uint64_t sig_block;
	uint64_t sig_allow;
	uint64_t reload_last_failed;  /* 1: the last attempt kept the running set */

	/* Policy as the workers apply it now (control/policy.h). */
	struct ctl_policy_info policy;
	uint64_t cat_enforced[SIG_CAT_COUNT]; /* 1: reset/drop apply now */

	/* Event log. */
	uint64_t events_written;
	uint64_t events_suppressed;   /* over events.rate_limit */
	uint64_t events_syslogged;
	uint64_t evlog_reopens;
	uint64_t evlog_errors;

	/* Remediation inventory (control/inventory.h). */
	uint64_t inv_clients;
	uint64_t inv_capacity;
	uint64_t inv_inserted;
	uint64_t inv_evicted;
	uint64_t inv_recorded;
	uint64_t inv_ignored;
};

#endif
