/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_JSON_H
#define KB_CTL_JSON_H

/*
 * JSON reader for kasblockctl (the DPDK telemetry answers). Pure C, no
 * allocation beyond two arrays sized from the text; fuzzed by
 * tests/fuzz/fuzz_ctl_json.c.
 */

#include <stddef.h>
#include <stdint.h>

#include "ctl_json_types.h"

#define CTL_JSON_MAX_DEPTH 16u
#define CTL_JSON_MAX_TEXT (64u << 20) /* bytes */

/*
 * Parses s[0..n) (RFC 8259, one value, whitespace around it): the root is
 * node 0. Returns 0, or -1 when the text is not JSON, nests deeper than
 * CTL_JSON_MAX_DEPTH, is longer than CTL_JSON_MAX_TEXT or memory runs
 * out. Node keys and strings live in j's arena until ctl_json_free(); the
 * byte spans (beg, end) point into s. Call ctl_json_free() either way.
 */
int ctl_json_parse(struct ctl_json *j, const char *s, size_t n);
void ctl_json_free(struct ctl_json *j);

/* Member key of object node obj, or -1 (obj < 0 or not an object). */
int ctl_json_get(const struct ctl_json *j, int obj, const char *key);

/* Member key of obj as a non-negative integer (0 if absent or not one). */
uint64_t ctl_json_num(const struct ctl_json *j, int obj, const char *key);

/* Member key of obj as a string ("" if absent or not one). */
const char *ctl_json_str(const struct ctl_json *j, int obj, const char *key);

#endif
