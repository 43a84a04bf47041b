/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup for inline pairs. Frames are never modified on the way through
 * (no MAC rewrite, tags kept), so the only offloads asked for are RSS and,
 * where the device has it, scattered RX for frames above one mbuf.
 *
 * Queues: worker w polls RX queue w of each port and transmits on TX queue w
 * of the peer (and of the port itself, for resets toward the client). A pair
 * therefore gets min(workers, what both devices offer) queues on both sides;
 * a worker whose index is past that count does not poll the pair. On a
 * single-queue device only worker 0 polls it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dp.h"

/* Symmetric Toeplitz key (0x6d5a repeated): both directions of a flow hash
 * to the same queue, so one worker sees the whole flow. */
static uint8_t sym_rss_key[40];

static struct rte_mempool *mbuf_pool[RTE_MAX_NUMA_NODES];

static int port_of(const char *name, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(name, &end, 10);

	if (*name != '\0' && *end == '\0') {
		if (v >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port((uint16_t)v))
			return -ENODEV;
		*port = (uint16_t)v;
		return 0;
	}
	return rte_eth_dev_get_port_by_name(name, port) == 0 ? 0 : -ENODEV;
}

static struct rte_mempool *pool_for(int socket, uint32_t mbufs)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned s = socket < 0 ? 0 : (unsigned)socket;

	if (s >= RTE_MAX_NUMA_NODES)
		s = 0;
	if (mbuf_pool[s] != NULL)
		return mbuf_pool[s];
	snprintf(name, sizeof(name), "kb_mbuf_%u", s);
	mbuf_pool[s] = rte_pktmbuf_pool_create(name, mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       socket < 0 ? SOCKET_ID_ANY : socket);
	return mbuf_pool[s];
}

static int port_cap(uint16_t port, uint16_t *q)
{
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(port, &info);

	if (rc != 0)
		return rc;
	uint16_t m = info.max_rx_queues < info.max_tx_queues ? info.max_rx_queues
							       : info.max_tx_queues;
	if (m < *q)
		*q = m;
	return 0;
}

static int port_start(uint16_t port, uint16_t nq, uint32_t rx_desc, uint32_t tx_desc,
		      uint32_t mbufs, char *err, size_t errlen)
{
	struct rte_eth_conf pc;
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	memset(&pc, 0, sizeof(pc));
	if ((rc = rte_eth_dev_info_get(port, &info)) != 0)
		goto fail;
	if (nq > 1) {
		pc.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pc.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		pc.rx_adv_conf.rss_conf.rss_key_len = sizeof(sym_rss_key);
		pc.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		if (info.hash_key_size != 0 && info.hash_key_size != sizeof(sym_rss_key))
			pc.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size <= 40
								      ? info.hash_key_size
								      : 40;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		pc.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		pc.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if ((rc = rte_eth_dev_configure(port, nq, nq, &pc)) != 0)
		goto fail;
	uint16_t nrx = (uint16_t)rx_desc, ntx = (uint16_t)tx_desc;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx)) != 0)
		goto fail;
	struct rte_mempool *mp = pool_for(socket, mbufs);
	if (mp == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	for (uint16_t q = 0; q < nq; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;
		rxc.offloads = pc.rxmode.offloads;
		txc.offloads = pc.txmode.offloads;
		if ((rc = rte_eth_rx_queue_setup(port, q, nrx, (unsigned)socket, &rxc, mp)) != 0 ||
		    (rc = rte_eth_tx_queue_setup(port, q, ntx, (unsigned)socket, &txc)) != 0)
			goto fail;
	}
	if ((rc = rte_eth_dev_start(port)) != 0)
		goto fail;
	/* Some virtual devices have no promiscuous mode (and need none). */
	rc = rte_eth_promiscuous_enable(port);
	if (rc != 0 && rc != -ENOTSUP)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "port %u: setup failed: %s", port, rte_strerror(-rc));
	return rc < 0 ? rc : -EIO;
}

int dp_ports_setup(struct dp_conf *conf, const struct dp_pair_names *pairs, unsigned n,
		   uint32_t rx_desc, uint32_t tx_desc, uint32_t mbufs, char *err, size_t errlen)
{
	uint16_t pa[DP_MAX_PORTS], pb[DP_MAX_PORTS], nq[DP_MAX_PORTS];
	bool used[RTE_MAX_ETHPORTS] = {false};
	int rc;

	for (unsigned i = 0; i < sizeof(sym_rss_key); i += 2) {
		sym_rss_key[i] = 0x6d;
		sym_rss_key[i + 1] = 0x5a;
	}
	if (n == 0 || n > DP_MAX_PORTS) {
		snprintf(err, errlen, "ports: 1 to %u pairs needed", DP_MAX_PORTS);
		return -EINVAL;
	}
	conf->n_ports = 0;
	for (unsigned i = 0; i < DP_MAX_PORTS; i++)
		conf->peer[i] = UINT16_MAX;
	for (unsigned i = 0; i < n; i++) {
		if (port_of(pairs[i].a, &pa[i]) != 0 || port_of(pairs[i].b, &pb[i]) != 0) {
			snprintf(err, errlen, "ports: no such port \"%s\" (%u ports available)",
				 port_of(pairs[i].a, &pa[i]) != 0 ? pairs[i].a : pairs[i].b,
				 rte_eth_dev_count_avail());
			return -ENODEV;
		}
		if (pa[i] >= DP_MAX_PORTS || pb[i] >= DP_MAX_PORTS) {
			snprintf(err, errlen, "ports: port id above %u", DP_MAX_PORTS - 1);
			return -EINVAL;
		}
		if (used[pa[i]] || (pa[i] != pb[i] && used[pb[i]])) {
			snprintf(err, errlen, "ports: pair %u reuses a port", i + 1);
			return -EINVAL;
		}
		used[pa[i]] = used[pb[i]] = true;
		nq[i] = (uint16_t)(conf->n_workers == 0 ? 1 : conf->n_workers);
		if ((rc = port_cap(pa[i], &nq[i])) != 0 || (rc = port_cap(pb[i], &nq[i])) != 0) {
			snprintf(err, errlen, "ports: cannot query pair %u", i + 1);
			return rc;
		}
		if (nq[i] == 0)
			nq[i] = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		conf->peer[pa[i]] = pb[i];
		conf->peer[pb[i]] = pa[i];
		conf->n_queues[pa[i]] = conf->n_queues[pb[i]] = nq[i];
		if ((rc = port_start(pa[i], nq[i], rx_desc, tx_desc, mbufs, err, errlen)) != 0)
			return rc;
		if (pb[i] != pa[i] &&
		    (rc = port_start(pb[i], nq[i], rx_desc, tx_desc, mbufs, err, errlen)) != 0)
			return rc;
		if (pa[i] + 1u > conf->n_ports)
			conf->n_ports = (uint16_t)(pa[i] + 1u);
		if (pb[i] + 1u > conf->n_ports)
			conf->n_ports = (uint16_t)(pb[i] + 1u);
	}
	return 0;
}

void dp_ports_close(const struct dp_conf *conf)
{
	for (uint16_t p = 0; p < conf->n_ports; p++) {
		if (conf->peer[p] == UINT16_MAX)
			continue;
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
}
