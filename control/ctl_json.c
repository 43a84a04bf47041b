/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON reader for kasblockctl: the answers of the DPDK telemetry
 * socket. Every read is bounded by the text's length, nesting by
 * CTL_JSON_MAX_DEPTH; nodes and decoded string bytes never outnumber the
 * text's bytes, so both are sized once from it. Numbers keep their integer
 * part as an unsigned 64-bit magnitude (counters), saturating.
 */
#include "ctl_json.h"

#include <stdlib.h>
#include <string.h>

static void ws(struct ctl_json *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' ||
			       j->s[j->i] == '\r'))
		j->i++;
}

static bool put_byte(struct ctl_json *j, char c)
{
	if (j->an >= j->acap)
		return false;
	j->arena[j->an++] = c;
	return true;
}

static bool put_utf8(struct ctl_json *j, uint32_t cp)
{
	if (cp < 0x80)
		return put_byte(j, (char)cp);
	if (cp < 0x800)
		return put_byte(j, (char)(0xc0 | cp >> 6)) &&
		       put_byte(j, (char)(0x80 | (cp & 0x3f)));
	if (cp < 0x10000)
		return put_byte(j, (char)(0xe0 | cp >> 12)) &&
		       put_byte(j, (char)(0x80 | ((cp >> 6) & 0x3f))) &&
		       put_byte(j, (char)(0x80 | (cp & 0x3f)));
	return put_byte(j, (char)(0xf0 | cp >> 18)) &&
	       put_byte(j, (char)(0x80 | ((cp >> 12) & 0x3f))) &&
	       put_byte(j, (char)(0x80 | ((cp >> 6) & 0x3f))) &&
	       put_byte(j, (char)(0x80 | (cp & 0x3f)));
}

static bool hex4(struct ctl_json *j, uint32_t *out)
{
	uint32_t v = 0;

	if (j->n - j->i < 4)
		return false;
	for (unsigned k = 0; k < 4; k++) {
		char c = j->s[j->i++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/* string = '"' *(char | '\' escape) '"'; decoded into the arena. */
static const char *json_string(struct ctl_json *j)
{
	if (j->i >= j->n || j->s[j->i] != '"')
		return NULL;
	j->i++;
	const char *out = j->arena + j->an;
	while (j->i < j->n) {
		unsigned char c = (unsigned char)j->s[j->i++];
		if (c == '"')
			return put_byte(j, '\0') ? out : NULL;
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			if (!put_byte(j, (char)c))
				return NULL;
			continue;
		}
		if (j->i >= j->n)
			return NULL;
		char e = j->s[j->i++];
		uint32_t cp;
		switch (e) {
		case '"': case '\\': case '/':
			cp = (uint32_t)e;
			break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u': {
			if (!hex4(j, &cp))
				return NULL;
			if (cp >= 0xd800 && cp < 0xdc00) {
				uint32_t lo;
				if (j->n - j->i < 6 || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u')
					return NULL;
				j->i += 2;
				if (!hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return NULL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return NULL;
			}
			break;
		}
		default:
			return NULL;
		}
		if (!put_utf8(j, cp))
			return NULL;
	}
	return NULL;
}

static int new_node(struct ctl_json *j, uint8_t type, const char *key)
{
	if (j->nn >= j->ncap)
		return -1;
	struct ctl_jnode *x = &j->nodes[j->nn];
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->key = key;
	x->first = x->next = -1;
	x->beg = j->i;
	return (int)j->nn++;
}

static int json_value(struct ctl_json *j, const char *key);

/* object = '{' [string ':' value *(',' string ':' value)] '}'
 * array  = '[' [value *(',' value)] ']' */
static int json_container(struct ctl_json *j, int idx, bool obj)
{
	char close = obj ? '}' : ']';
	int last = -1;

	j->i++;
	ws(j);
	if (j->i < j->n && j->s[j->i] == close) {
		j->i++;
		return idx;
	}
	for (;;) {
		const char *k = NULL;
		ws(j);
		if (obj) {
			if ((k = json_string(j)) == NULL)
				return -1;
			ws(j);
			if (j->i >= j->n || j->s[j->i] != ':')
				return -1;
			j->i++;
			ws(j);
		}
		int c = json_value(j, k);
		if (c < 0)
			return -1;
		if (last < 0)
			j->nodes[idx].first = c;
		else
			j->nodes[last].next = c;
		last = c;
		ws(j);
		if (j->i >= j->n)
			return -1;
		if (j->s[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->s[j->i] != close)
			return -1;
		j->i++;
		return idx;
	}
}

static bool json_word(struct ctl_json *j, const char *w)
{
	size_t n = strlen(w);

	if (j->n - j->i < n || memcmp(j->s + j->i, w, n) != 0)
		return false;
	j->i += n;
	return true;
}

static bool digits(struct ctl_json *j, struct ctl_jnode *x, bool keep)
{
	size_t from = j->i;

	while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9') {
		unsigned d = (unsigned)(j->s[j->i++] - '0');
		if (keep)
			x->num = x->num > (UINT64_MAX - d) / 10 ? UINT64_MAX : x->num * 10 + d;
	}
	return j->i > from;
}

/* number = ['-'] int ['.' 1*digit] [('e' | 'E') ['+' | '-'] 1*digit]
 * (leading zeros are let through: the value is what matters here) */
static bool json_number(struct ctl_json *j, struct ctl_jnode *x)
{
	if (j->i < j->n && j->s[j->i] == '-') {
		x->neg = true;
		j->i++;
	}
	if (!digits(j, x, true))
		return false;
	if (j->i < j->n && j->s[j->i] == '.') {
		x->frac = true;
		j->i++;
		if (!digits(j, x, false))
			return false;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		x->frac = true;
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (!digits(j, x, false))
			return false;
	}
	return true;
}

static int json_value(struct ctl_json *j, const char *key)
{
	ws(j);
	if (j->i >= j->n || j->depth >= CTL_JSON_MAX_DEPTH)
		return -1;
	char c = j->s[j->i];
	int idx;

	if (c == '{' || c == '[') {
		if ((idx = new_node(j, c == '{' ? CTL_J_OBJ : CTL_J_ARR, key)) < 0)
			return -1;
		j->depth++;
		int r = json_container(j, idx, c == '{');
		j->depth--;
		if (r < 0)
			return -1;
	} else if (c == '"') {
		if ((idx = new_node(j, CTL_J_STR, key)) < 0)
			return -1;
		const char *s = json_string(j);
		if (s == NULL)
			return -1;
		j->nodes[idx].str = s;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		if ((idx = new_node(j, CTL_J_NUM, key)) < 0 || !json_number(j, &j->nodes[idx]))
			return -1;
	} else if (c == 't' || c == 'f') {
		if ((idx = new_node(j, CTL_J_BOOL, key)) < 0)
			return -1;
		j->nodes[idx].num = c == 't';
		if (!json_word(j, c == 't' ? "true" : "false"))
			return -1;
	} else {
		if ((idx = new_node(j, CTL_J_NULL, key)) < 0 || !json_word(j, "null"))
			return -1;
	}
	j->nodes[idx].end = j->i;
	return idx;
}

void ctl_json_free(struct ctl_json *j)
{
	free(j->nodes);
	free(j->arena);
	memset(j, 0, sizeof(*j));
}

/* Parses s[0..n): the root is node 0. 0, or -1 (not JSON, or trailing bytes). */
int ctl_json_parse(struct ctl_json *j, const char *s, size_t n)
{
	memset(j, 0, sizeof(*j));
	if (n > CTL_JSON_MAX_TEXT)
		return -1;
	j->s = s;
	j->n = n;
	j->ncap = n + 1; /* every node starts on its own byte */
	j->acap = n + 1; /* decoding never grows a string */
	j->nodes = calloc(j->ncap, sizeof(*j->nodes));
	j->arena = malloc(j->acap);
	if (j->nodes == NULL || j->arena == NULL || json_value(j, NULL) != 0)
		return -1;
	ws(j);
	return j->i == j->n ? 0 : -1;
}

int ctl_json_get(const struct ctl_json *j, int obj, const char *key)
{
	if (obj < 0 || j->nodes[obj].type != CTL_J_OBJ)
		return -1;
	for (int c = j->nodes[obj].first; c >= 0; c = j->nodes[c].next)
		if (strcmp(j->nodes[c].key, key) == 0)
			return c;
	return -1;
}

uint64_t ctl_json_num(const struct ctl_json *j, int obj, const char *key)
{
	int c = ctl_json_get(j, obj, key);

	return c >= 0 && j->nodes[c].type == CTL_J_NUM && !j->nodes[c].neg ? j->nodes[c].num : 0;
}

const char *ctl_json_str(const struct ctl_json *j, int obj, const char *key)
{
	int c = ctl_json_get(j, obj, key);

	return c >= 0 && j->nodes[c].type == CTL_J_STR ? j->nodes[c].str : "";
}
