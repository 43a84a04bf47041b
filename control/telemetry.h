/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_TELEMETRY_H
#define KB_CTL_TELEMETRY_H

/*
 * kasblock's commands on the DPDK telemetry socket
 * (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2), readable with
 * dpdk-telemetry.py -f <prefix> and used by kasblockctl:
 *
 *   /kasblock/stats        every counter without a port/worker/signature label
 *   /kasblock/ports        per port, device and worker counters
 *   /kasblock/workers      per worker lcore
 *   /kasblock/categories   per category: flows and the action applied now
 *   /kasblock/signatures   the top signatures by flows decided
 *   /kasblock/clients      the remediation inventory, a page: ,OFFSET
 *   /kasblock/policy       the effective policy
 *   /kasblock/reload       reloads now and answers with the result
 *
 * Keys are the Prometheus family names without "kasblock_" (docs/metrics.md).
 * The callbacks run on DPDK's telemetry thread; they read the snapshot
 * (ctl_stats_acquire), the inventory and the reload status, never a worker.
 */

#include "config.h"

/* Largest reply DPDK 22.11 sends (its MAX_OUTPUT_LEN); replies stay below. */
#define CTL_TEL_OUTPUT_MAX 16384u
/* Signatures listed by /kasblock/signatures (dict entries and reply size). */
#define CTL_TEL_SIG_MAX 100u
/* Clients per /kasblock/clients page. */
#define CTL_TEL_CLIENTS_PAGE 20u

/*
 * Registers the commands when telemetry.enabled. Call after rte_eal_init()
 * and ctl_stats_init(). Returns 0 or the first -errno of
 * rte_telemetry_register_cmd().
 */
int ctl_telemetry_register(const struct ctl_config *cfg);

#endif
