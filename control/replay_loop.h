/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_REPLAY_LOOP_H
#define KB_CTL_REPLAY_LOOP_H

/*
 * `kasblock -r IN --loop N`: the capture played N times in one run, so a
 * replay lasts long enough to reload under load. Each pass must be new
 * traffic to the flow table (a flow blocked in pass 0 would otherwise drop
 * pass 1 whole), so pass k (from 0) has k added, modulo 256, to byte 1 of
 * every IPv4 and IPv6 source and destination address (10.0.0.1 -> 10.1.0.1
 * in pass 1), with the IPv4 header and TCP/UDP checksums adjusted
 * (RFC 1624). Pass 0 is the capture unchanged. docs/kasblock.md.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Adds k to the first 16 bits of both addresses of one frame (Ethernet,
 * VLAN tags allowed) and fixes the checksums that cover them. Frames that
 * are not IP are left alone. Exposed for the tests.
 */
void ctl_loop_rewrite(uint8_t *frame, size_t len, unsigned k);

/*
 * Writes n passes of the capture in to out (pcap). Returns the packets in
 * one pass, or -1 with a message in err.
 */
long ctl_loop_write(const char *in, const char *out, unsigned n, char *err, size_t errlen);

#endif
