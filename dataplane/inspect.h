/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_DP_INSPECT_H
#define KB_DP_INSPECT_H

/*
 * Inspection of a client's first bytes: the in-order stream that reassembly
 * releases goes to the TLS ClientHello parser (first byte 0x16) or the
 * HTTP/1 request-head parser (anything else), every name found is
 * normalised (host_normalize) and matched (sig_match) once, and the first
 * name a block rule matches decides. Pure C: no DPDK, no allocation, no
 * I/O; the signature set and a scratch are the caller's.
 *
 * When a verdict falls:
 *   TLS   names are final only with the whole ClientHello (TLS_DONE), so the
 *         bytes that complete the hello give MATCH or PASS. NOT_TLS and
 *         MALFORMED give PASS: a server rejects such a hello too.
 *   HTTP  a name is matched as soon as the parser publishes it (request
 *         line for absolute-URI and CONNECT, the next line for Host), so a
 *         barred Host is caught before the end of the head. NOT_HTTP and
 *         MALFORMED give PASS once the names published so far are clean;
 *         a clean end of the head (DONE) goes on to the next unit (below).
 *   H2C   the HTTP/2 preface (HTTP NOT_HTTP with HTTP_F_H2_PREFACE) hands the
 *         stream, from its first byte, to h2c: :authority and host names
 *         (field http_host) are final with the first request's whole header
 *         block. h2c limits (TOO_BIG, TOO_MANY_FRAMES, TOO_MANY_NAMES, HPACK
 *         TOO_MANY_ENTRIES, SCRATCH, TOO_MANY_FIELDS) give GIVE_UP, other
 *         errors PASS.
 *   DNS   on a DNS port (insp_init_dns, inspect_l7.h): the first query of
 *         the TCP stream, field dns.
 *
 * Later units. A connection can carry more than its first head: a client
 * (often one talking to a forward proxy) sends a harmless request, then a
 * barred one; or CONNECTs to an allowed host or an IP literal and sends a
 * ClientHello with a barred SNI inside the tunnel. So after a clean head
 * the stream is read on, each unit with a fresh parser chosen by its first
 * byte as above (0x16: TLS, field sni; else HTTP/1):
 *   CONNECT  the tunnel starts right after the head.
 *   other    the body is skipped as the head frames it (http_head.h: none,
 *            Content-Length, or chunked through http_chunked.h), then the
 *            next request head. Unreliable framing (BODY_BAD) or a chunked
 *            syntax error gives PASS (the server answers 400 and closes); a
 *            chunked line or trailer limit gives GIVE_UP.
 * A unit's verdicts are those above (a TLS hello in a tunnel ends the
 * inspection: what follows is encrypted). Each unit gathers into the
 * buffer past the heads before it, so one buffer of the stream cap holds
 * them all. The caller bounds the whole with its stream cap: once
 * insp_in_followup() is true, reaching the cap is the end of inspection,
 * not a limit (only the first stream_cap bytes of a connection are read).
 * Names are reported once per distinct (field, name) pair in a flow.
 *
 *   Names that do not normalise (IP literals, bad shapes) are reported and
 *   not matched; BAD_BYTE names are matched as normalised (host_normalize
 *   keeps them comparable). An allow rule clears only the name it matched:
 *   another barred name in the same stream still blocks (HTTP Host vs URI
 *   ambiguity, a second SNI).
 *   A matcher error on a name, when no other name matched a block rule,
 *   gives SCAN_ERROR; a parser limit hit before the names were complete
 *   (TLS TOO_BIG, TOO_MANY_RECORDS, TOO_MANY_NAMES; HTTP HEAD_TOO_LONG,
 *   TOO_MANY_NAMES, TOO_MANY_FIELDS) gives GIVE_UP, unless a name already
 *   matched. The caller applies its fail policy to both: a client can
 *   choose to hit a limit, so passing silently would be an evasion.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inspect_types.h"
#include "sig.h"

/* Starts a flow's inspection; buf/cap gathers the hello or head (TLS uses
 * all of cap, HTTP at most HTTP_HEAD_MAX_CAP). */
void insp_init(struct insp_flow *f, uint8_t *buf, size_t cap);

/*
 * Feeds the next len in-order client bytes. set/scr are the signature set
 * and this thread's scratch (set may be NULL: names are then extracted and
 * never matched, and a complete stream gives PASS). *out is overwritten.
 * Once terminal, returns the same status with no names. A call reports the
 * names of one unit at most: NEED_MORE with out->used < len means it
 * stopped where a later unit begins; feed data + out->used again.
 */
enum insp_status insp_feed(struct insp_flow *f, const uint8_t *data, size_t len,
			   const struct sigset *set, struct sig_scratch *scr,
			   struct insp_out *out);

/* True once the first unit was read clean and later ones are being read
 * (a request body, a later head, a CONNECT tunnel). */
static inline bool insp_in_followup(const struct insp_flow *f)
{
	return f->units != 0 && !f->done;
}

/* The field a name source maps to: Host header and absolute URI are
 * http_host, a CONNECT authority is connect. */
enum sig_field insp_http_field(enum http_name_source src);

const char *insp_status_str(enum insp_status s);

#endif
