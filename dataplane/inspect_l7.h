/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_INSPECT_L7_H
#define KB_DP_INSPECT_L7_H

/*
 * Inspection of what is chosen by port rather than by the first byte: DNS
 * queries (UDP datagrams, and the first query of a TCP stream) and QUIC
 * client Initials. Like inspect.h: pure C, no DPDK, no allocation, no I/O;
 * names are normalised (host_normalize) and matched (sig_match) once, into
 * a struct insp_out the dataplane reads as it reads insp_feed()'s.
 *
 * When a verdict falls:
 *   DNS   each query on its own: a name whose block rule matches gives
 *         MATCH, any other query PASS. No question (RFC 7873 cookie
 *         queries), NOT_QUERY (responses, other opcodes) and malformed
 *         queries a server rejects too give PASS. MALFORMED QDCOUNT (a
 *         second question, which some servers answer) and COMPRESSION (a
 *         pointer in the question, which a lenient server may follow) would
 *         hide a name a server can still act on, and TOO_MANY_RRS is a
 *         limit: those three give GIVE_UP. Over TCP, a first message larger
 *         than the flow's buffer gives GIVE_UP too.
 *   QUIC  the names of the ClientHello, field quic_sni, once the parser has
 *         it whole (QUIC_DONE). NOT_QUIC (a datagram that is no client
 *         Initial before any Initial opened) is reported in out and the
 *         parser starts again on the next datagram: a server drops such a
 *         datagram and still takes an Initial after it on the same 5-tuple,
 *         so passing the flow there would let that Initial through unread.
 *         MALFORMED gives
 *         CONFLICT for CRYPTO_CONFLICT (the conflict policy), GIVE_UP for
 *         DECRYPT (a server drops a packet it cannot open and reads the
 *         next, so passing would let a later Initial through unread),
 *         TOO_MANY_PACKETS, CRYPTO_TOO_BIG, TOO_MANY_RANGES, CRYPTO_LIB and
 *         the TLS limits (TOO_BIG, TOO_MANY_RECORDS, TOO_MANY_NAMES), PASS
 *         for the rest (a server closes such a connection too). A flow still
 *         NEED_MORE after max_datagrams client datagrams gives GIVE_UP.
 *   The caller applies its fail policy to GIVE_UP and SCAN_ERROR, its
 *   conflict policy to CONFLICT.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_types.h"
#include "inspect_types.h"
#include "quic_initial_types.h"
#include "sig.h"

/*
 * Starts the inspection of a TCP flow to a DNS port: insp_feed() reads its
 * first query (RFC 7766 length prefix) instead of routing by the first
 * byte. buf/cap as for insp_init(); the last DNS_NAME_BUF bytes of buf hold
 * the question name, the rest the message.
 */
void insp_init_dns(struct insp_flow *f, uint8_t *buf, size_t cap);

/* insp_feed()'s reader for an insp_init_dns() flow. */
enum insp_status insp_dns_feed(struct insp_flow *f, const uint8_t *data, size_t len,
			       const struct sigset *set, struct sig_scratch *scr,
			       struct insp_out *out);

/*
 * One DNS datagram (a UDP payload sent to a DNS port): parses it into *q
 * with the question name in name (name_cap >= DNS_NAME_BUF), matches the
 * name as field dns. *out is overwritten (proto INSP_P_DNS); its name
 * points into name. Returns PASS, MATCH, SCAN_ERROR or GIVE_UP.
 */
enum insp_status insp_dns_query(const uint8_t *msg, size_t len, struct dns_query *q,
				char *name, size_t name_cap, const struct sigset *set,
				struct sig_scratch *scr, struct insp_out *out);

/* True for the DNS reasons that give GIVE_UP rather than PASS. */
bool insp_dns_limit(enum dns_reason r);

/*
 * Starts the inspection of a QUIC flow: buf/cap (the slot's buffer, at
 * least QUIC_INITIAL_DEFAULT_CAP bytes for a post-quantum hello) receives
 * the CRYPTO stream.
 */
void insp_quic_init(struct insp_flow *f, uint8_t *buf, size_t cap);

/*
 * Feeds the flow's next client datagram (UDP payload). cx is this thread's
 * libcrypto state (quic_crypto_new()). max_datagrams bounds how many
 * datagrams a flow may send without a whole ClientHello (0: no bound).
 * *out is overwritten (proto INSP_P_QUIC); parse_status and parse_reason
 * are the QUIC parser's once terminal, and NOT_QUIC with its reason on the
 * datagram that restarted the parser (the status is then NEED_MORE or
 * GIVE_UP). Terminal statuses are sticky.
 */
enum insp_status insp_quic_feed(struct insp_flow *f, struct quic_crypto *cx,
				const uint8_t *dgram, size_t len, uint32_t max_datagrams,
				const struct sigset *set, struct sig_scratch *scr,
				struct insp_out *out);

/*
 * Normalises raw and matches it as field into out->names[] (inspect.c's own
 * step, shared). Returns 1 for a block match, -1 for a matcher error, 0
 * otherwise.
 */
int insp_add_name(struct insp_out *out, const uint8_t *raw, size_t raw_len,
		  enum sig_field field, const struct sigset *set, struct sig_scratch *scr);

#endif
