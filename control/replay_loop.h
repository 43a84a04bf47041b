/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_REPLAY_LOOP_H
#define KB_CTL_REPLAY_LOOP_H

/*
 * `kasblock -r IN --loop N`: the capture played N times in one run, so a
 * replay lasts long enough to reload under load. Each pass must be new
 * traffic to the flow table (a flow blocked in pass 0 would otherwise drop
 * pass 1 whole), so pass k (from 0) has k added, modulo 65536, to the first
 * 16 bits (bytes 0-1, big-endian) of every IPv4 and IPv6 source and
 * destination address (10.0.0.1 -> 10.1.0.1 in pass 1, 11.0.0.1 in pass
 * 246), with the IPv4 header and TCP/UDP checksums adjusted (RFC 1624).
 * Pass 0 is the capture unchanged; passes never share an address while
 * N <= 65536. docs/kasblock.md.
 *
 * The passes are not stored: a thread of the control plane writes them as
 * a pcap stream into a FIFO that net_pcap reads, at the pace the worker
 * reads it, so a long replay costs no disk.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Adds k to the first 16 bits of both addresses of one frame (Ethernet,
 * VLAN tags allowed) and fixes the checksums that cover them. Frames that
 * are not IP are left alone. Exposed for the tests.
 */
void ctl_loop_rewrite(uint8_t *frame, size_t len, unsigned k);

struct ctl_loop;

/*
 * Creates the FIFO fifo_path and starts the thread that writes n passes of
 * the capture in into it (pcap format; it blocks until a reader opens the
 * FIFO). Returns NULL with a message in err.
 */
struct ctl_loop *ctl_loop_start(const char *in, const char *fifo_path, unsigned n, char *err,
				size_t errlen);

/* Gives the writer thread the CPU set of the calling thread (the main
 * lcore, after EAL init), so it never takes a worker's core. */
void ctl_loop_pin(struct ctl_loop *l);

/* Stops the writer (also when no reader ever came), joins it, removes the
 * FIFO. Returns the frames written. */
uint64_t ctl_loop_stop(struct ctl_loop *l);

#endif
