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
 *         barred Host is caught before the end of the head. The head's end
 *         (DONE), NOT_HTTP and MALFORMED give PASS once the names published
 *         so far are clean.
 *   H2C   the HTTP/2 preface (HTTP NOT_HTTP with HTTP_F_H2_PREFACE) hands the
 *         stream, from its first byte, to h2c: :authority and host names
 *         (field http_host) are final with the first request's whole header
 *         block. h2c limits (TOO_BIG, TOO_MANY_FRAMES, TOO_MANY_NAMES, HPACK
 *         TOO_MANY_ENTRIES, SCRATCH, TOO_MANY_FIELDS) give GIVE_UP, other
 *         errors PASS.
 *   DNS   on a DNS port (insp_init_dns, inspect_l7.h): the first query of
 *         the TCP stream, field dns.
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
 * Once terminal, returns the same status with no names.
 */
enum insp_status insp_feed(struct insp_flow *f, const uint8_t *data, size_t len,
			   const struct sigset *set, struct sig_scratch *scr,
			   struct insp_out *out);

/* The field a name source maps to: Host header and absolute URI are
 * http_host, a CONNECT authority is connect. */
enum sig_field insp_http_field(enum http_name_source src);

const char *insp_status_str(enum insp_status s);

#endif
