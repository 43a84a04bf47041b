/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_LOG_H
#define KB_CTL_LOG_H

/*
 * The control plane's log type, user.kasblock.ctl (registered in reload.c).
 * Main lcore and control threads only; kasblock points the DPDK log at
 * stderr, so stdout keeps the summary and `--events -`.
 */

#include <rte_log.h>

extern int kb_ctl_logtype;

#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, kb_ctl_logtype, "kasblock: " fmt "\n", ##__VA_ARGS__)

#endif
