/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup for inline pairs. Frames are never modified on the way through
 * (no MAC rewrite, tags kept), so the only offload asked for is RSS.
 *
 * MTU: every port gets ports.mtu (or the most its device takes), and the
 * mbufs are sized so that a whole frame of that MTU fits one segment: the
 * worker then parses frames in place, and net_af_packet, which copies each
 * frame slot into one mbuf, works with framesz equal to the data room.
 * Scattered RX is asked for only if a frame could still exceed one mbuf
 * (it cannot with this sizing): on several PMDs it selects a slower RX path.
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

/* The dataplane's log type (dp_worker.c registers it). */
extern int kb_dp_logtype;
#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, kb_dp_logtype, "kasblock.dp: " fmt "\n", ##__VA_ARGS__)

/* What a frame adds to the MTU: Ethernet header, two VLAN tags, FCS. */
#define DP_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 2u * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)

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

uint32_t dp_mbuf_buf_size(uint32_t mtu)
{
	uint32_t frame = mtu + DP_FRAME_OVERHEAD;

	return RTE_PKTMBUF_HEADROOM + ((frame + 2047u) & ~2047u);
}

/*
 * The largest MTU the device takes, as ethdev validates it: max_mtu, and
 * the frame (MTU + the device's overhead, else Ethernet header + FCS) must
 * fit max_rx_pktlen. net_af_packet reports 1518 bytes: its MTU stays 1500
 * whatever ports.mtu says (the kernel interface MTU and the framesz devarg
 * decide what it receives).
 */
static uint32_t dev_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t over = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	uint32_t max = info->max_mtu;

	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		over = info->max_rx_pktlen - info->max_mtu;
	if (info->max_rx_pktlen > over && info->max_rx_pktlen - over < max)
		max = info->max_rx_pktlen - over;
	return max;
}

static struct rte_mempool *pool_for(int socket, uint32_t mbufs, uint32_t mtu)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned s = socket < 0 ? 0 : (unsigned)socket;

	if (s >= RTE_MAX_NUMA_NODES)
		s = 0;
	if (mbuf_pool[s] != NULL)
		return mbuf_pool[s];
	snprintf(name, sizeof(name), "kb_mbuf_%u", s);
	mbuf_pool[s] = rte_pktmbuf_pool_create(name, mbufs, 256, 0,
					       (uint16_t)dp_mbuf_buf_size(mtu),
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
		      uint32_t mbufs, uint32_t want_mtu, char *err, size_t errlen)
{
	struct rte_eth_conf pc;
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(port);
	uint32_t room = dp_mbuf_buf_size(want_mtu) - RTE_PKTMBUF_HEADROOM;
	int rc;

	memset(&pc, 0, sizeof(pc));
	if ((rc = rte_eth_dev_info_get(port, &info)) != 0)
		goto fail;
	uint32_t mtu = want_mtu, dmax = dev_max_mtu(&info);
	if (mtu > dmax) {
		PORT_LOG(WARNING, "port %u (%s): MTU %u is above what the device takes, set to %u%s",
			 port, info.driver_name, want_mtu, dmax,
			 strcmp(info.driver_name, "net_af_packet") == 0
				 ? " (net_af_packet receives what the interface MTU and the "
				   "framesz devarg let through)"
				 : "");
		mtu = dmax;
	}
	if (mtu < info.min_mtu)
		mtu = info.min_mtu;
	pc.rxmode.mtu = mtu;
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
	if ((info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) &&
	    mtu + DP_FRAME_OVERHEAD > room)
		pc.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		pc.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if ((rc = rte_eth_dev_configure(port, nq, nq, &pc)) != 0)
		goto fail;
	uint16_t nrx = (uint16_t)rx_desc, ntx = (uint16_t)tx_desc;
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx)) != 0)
		goto fail;
	struct rte_mempool *mp = pool_for(socket, mbufs, want_mtu);
	if (mp == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	for (uint16_t q = 0; q < nq; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;
		rxc.offloads = pc.rxmode.offloads;
		txc.offloads = pc.txmode.offloads;
		if ((rc = rte_eth_rx_queue_setup(port, q, nrx, (unsigned)socket, &rxc, mp)) != 0) {
			if (rc == -ENOMEM)
				goto small_mbufs;
			goto fail;
		}
		if ((rc = rte_eth_tx_queue_setup(port, q, ntx, (unsigned)socket, &txc)) != 0)
			goto fail;
	}
	if ((rc = rte_eth_dev_start(port)) != 0)
		goto fail;
	/* Some virtual devices have no promiscuous mode (and need none). */
	rc = rte_eth_promiscuous_enable(port);
	if (rc != 0 && rc != -ENOTSUP)
		goto fail;
	uint16_t got = 0;
	if (rte_eth_dev_get_mtu(port, &got) == 0)
		PORT_LOG(INFO, "port %u (%s): MTU %u, mbuf data room %u bytes", port,
			 info.driver_name, got, room);
	return 0;
small_mbufs:
	/* net_af_packet copies a whole frame slot (framesz) into one mbuf. */
	snprintf(err, errlen, "port %u (%s): its frames do not fit the %u-byte mbufs of "
		 "ports.mtu %u (net_af_packet: framesz must be at most %u)", port,
		 info.driver_name, room, want_mtu, room);
	return rc;
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
	if (conf->mtu < DP_MTU_MIN || conf->mtu > DP_MTU_MAX) {
		snprintf(err, errlen, "ports: MTU %u is outside %u..%u", conf->mtu, DP_MTU_MIN,
			 DP_MTU_MAX);
		return -EINVAL;
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
		if ((rc = port_start(pa[i], nq[i], rx_desc, tx_desc, mbufs, conf->mtu, err,
				     errlen)) != 0)
			return rc;
		if (pb[i] != pa[i] && (rc = port_start(pb[i], nq[i], rx_desc, tx_desc, mbufs,
						       conf->mtu, err, errlen)) != 0)
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
