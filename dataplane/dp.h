/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_H
#define KB_DP_H

/*
 * The dataplane as the control plane sees it: set up ports and per-lcore
 * state, publish the signature set, launch the workers, read counters and
 * drain events. Everything here runs on the main lcore except
 * dp_worker_main(), which is the worker loop.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_types.h"
#include "flow_types.h"
#include "sig_types.h"

/*
 * What the workers decide with, published as one pointer: a signature set
 * (NULL: none live, policy.no_signatures decides named flows), one scratch
 * per worker, the effective policy and the generation events carry.
 * Immutable once published; the control plane replaces it whole.
 */
struct dp_sigref {
	struct sigset *set;
	struct sig_scratch *scr[DP_MAX_WORKERS];
	uint32_t gen;          /* 1 for the set loaded at start, +1 per reload */
	struct dp_policy pol;
};

/* The port-pair description dp_ports_setup() takes (names or port ids). */
struct dp_pair_names {
	const char *a;
	const char *b;
};

/*
 * Finds and configures the ports of n pairs (a port may pair with itself:
 * frames leave where they came in, as in replay), one RX and one TX queue
 * per worker where the device has them, symmetric RSS when a port has more
 * than one queue, promiscuous mode, then starts them. Fills conf->n_ports,
 * peer[], n_queues[]. rx_desc/tx_desc/mbufs as configured. Each port gets
 * the MTU conf->mtu, or the most its device takes (logged as a warning);
 * mbufs are sized by dp_mbuf_buf_size(conf->mtu). Returns 0 or -errno with
 * a message in err.
 */
int dp_ports_setup(struct dp_conf *conf, const struct dp_pair_names *pairs, unsigned n,
		   uint32_t rx_desc, uint32_t tx_desc, uint32_t mbufs, char *err, size_t errlen);

/* MTU range of ports.mtu, and the default. */
#define DP_MTU_DEFAULT 1500u
#define DP_MTU_MIN 1280u
#define DP_MTU_MAX 9600u

/*
 * The data room (headroom included) of the packet mbufs for an MTU: a whole
 * frame (MTU + Ethernet header + two VLAN tags + FCS) in one segment,
 * rounded up to 2048 bytes: RTE_MBUF_DEFAULT_BUF_SIZE at MTU 1500, 10368
 * at 9000 and 9600. dp_ports_setup() sizes the pool with it.
 */
uint32_t dp_mbuf_buf_size(uint32_t mtu);

/* Stops and closes every port set up. */
void dp_ports_close(const struct dp_conf *conf);

/*
 * Allocates every worker's state on its socket (flow table, inspection
 * pool, fragment table, reset pool, event ring). Workers are the enabled
 * lcores other than the main one, in id order, at most conf->n_workers (0:
 * all). Copies conf. Returns the number of workers, or -errno.
 */
int dp_lcores_init(struct dp_conf *conf, char *err, size_t errlen);

/* Frees what dp_lcores_init() allocated (after the workers returned). */
void dp_lcores_free(void);

/* Lcore id of worker w. */
unsigned dp_worker_lcore(unsigned w);

/*
 * Publishes ref (one release store) and returns the reference it replaced.
 * The caller frees the old one only after dp_sigref_sync(). ref must not be
 * NULL while workers run.
 */
struct dp_sigref *dp_sigref_publish(struct dp_sigref *ref);

/*
 * Waits until every running worker has passed a quiescent state since the
 * call began (rte_rcu_qsbr_synchronize), so no worker still holds a
 * reference loaded before. Returns at once when no worker is online.
 */
void dp_sigref_sync(void);

/* The worker loop; arg unused. Returns when dp_request_stop() was called. */
int dp_worker_main(void *arg);

void dp_request_stop(void);
bool dp_stopping(void);

/* Sum of every worker's counters into *out (relaxed loads). */
void dp_stats_sum(struct dp_stats *out);
void dp_flow_counters_sum(struct flow_counters *out);

/* Worker w's own counters (relaxed loads); zeros when w does not exist. */
void dp_stats_get(unsigned w, struct dp_stats *out);
void dp_flow_counters_get(unsigned w, struct flow_counters *out);

/* Worker w's per-signature table (DP_SIG_SLOTS entries, read with atomic
 * loads: id with acquire, then the counts), or NULL. */
const struct dp_sig_slot *dp_sig_slots(unsigned w);

/* Dequeues up to max events of worker w into ev; returns how many. */
unsigned dp_events_drain(unsigned w, struct dp_event *ev, unsigned max);

/* Bytes of per-flow state: a flow entry, its share of the bucket array,
 * and one inspection slot (held only while a flow is inspected). */
size_t dp_flow_entry_bytes(void);
size_t dp_insp_slot_bytes(uint32_t stream_cap);

#endif
