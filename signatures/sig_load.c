/* Loading signature files into a ruleset (control thread: this file does
 * the I/O). Every bad line is reported as "file:line: reason" and skipped;
 * every good line is kept, so one typo never costs the rest of a pack.
 *
 * Line grammar (docs/signatures.md has the long form):
 *
 *   file      = *( line LF )             ; CR before LF is ignored
 *   line      = *WS [ stmt ] *WS [ "#" *ANY ]
 *   stmt      = ( "block" / "allow" ) WS id *( WS param )
 *             / "pack" *( WS param )
 *             / "category" WS name *( WS param )
 *             / "import" *( WS param )
 *   param     = key "=" ( bare / quoted )
 *   bare      = 1*( VCHAR except DQUOTE )  ; may be empty: key=
 *   quoted    = DQUOTE *( char / "\" DQUOTE / "\\" ) DQUOTE
 *
 * A "#" starts a comment only where a token could start, so
 * ref=https://host/page#part keeps its fragment.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostname.h"
#include "sig.h"
#include "sig_internal.h"

#define MAX_TOKENS 32u
#define MAX_ERRORS_PER_FILE 1000u /* past this, one summary line */

/* ---- pool, rules, ids ---- */

static int pool_reserve(struct sig_ruleset *rs, size_t more)
{
	size_t need = rs->pool_len + more;

	if (need > UINT32_MAX)
		return -ENOSPC;
	if (need <= rs->pool_cap)
		return 0;
	size_t cap = rs->pool_cap ? rs->pool_cap : 4096;
	while (cap < need)
		cap *= 2;
	char *p = realloc(rs->pool, cap);
	if (p == NULL)
		return -ENOMEM;
	rs->pool = p;
	rs->pool_cap = cap;
	return 0;
}

/* Append S (LEN bytes) plus a NUL; *OFF receives the offset. */
static int pool_add(struct sig_ruleset *rs, const char *s, size_t len, uint32_t *off)
{
	if (len == 0) {
		*off = 0;
		return 0;
	}
	int rc = pool_reserve(rs, len + 1);
	if (rc < 0)
		return rc;
	*off = (uint32_t)rs->pool_len;
	memcpy(rs->pool + rs->pool_len, s, len);
	rs->pool[rs->pool_len + len] = '\0';
	rs->pool_len += len + 1;
	return 0;
}

static uint32_t id_hash(uint32_t id)
{
	return id * 0x9E3779B1u;
}

static int id_grow(struct sig_ruleset *rs)
{
	size_t cap = rs->id_cap ? rs->id_cap * 2 : 1024;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < rs->id_cap; i++) {
		uint32_t v = rs->id_slots[i];
		if (v == 0)
			continue;
		size_t j = id_hash(rs->rules[v - 1].id) & (cap - 1);
		while (slots[j] != 0)
			j = (j + 1) & (cap - 1);
		slots[j] = v;
	}
	free(rs->id_slots);
	rs->id_slots = slots;
	rs->id_cap = cap;
	return 0;
}

/* Index of the rule with ID, or -1. */
static long id_find(const struct sig_ruleset *rs, uint32_t id)
{
	if (rs->id_cap == 0)
		return -1;
	for (size_t j = id_hash(id) & (rs->id_cap - 1);; j = (j + 1) & (rs->id_cap - 1)) {
		uint32_t v = rs->id_slots[j];
		if (v == 0)
			return -1;
		if (rs->rules[v - 1].id == id)
			return (long)v - 1;
	}
}

static int rule_add(struct sig_ruleset *rs, const struct sig_rule *r)
{
	if (rs->n_rules >= UINT32_MAX - 1)
		return -ENOSPC;
	if ((rs->n_rules + 1) * 2 > rs->id_cap) {
		int rc = id_grow(rs);
		if (rc < 0)
			return rc;
	}
	if (rs->n_rules == rs->cap_rules) {
		size_t cap = rs->cap_rules ? rs->cap_rules * 2 : 256;
		struct sig_rule *p = realloc(rs->rules, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		rs->rules = p;
		rs->cap_rules = cap;
	}
	rs->rules[rs->n_rules++] = *r;
	size_t j = id_hash(r->id) & (rs->id_cap - 1);
	while (rs->id_slots[j] != 0)
		j = (j + 1) & (rs->id_cap - 1);
	rs->id_slots[j] = (uint32_t)rs->n_rules;
	return 0;
}

struct sig_ruleset *sig_ruleset_new(void)
{
	struct sig_ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	/* Offset 0 is the empty string, so "no desc" needs no flag. */
	if (pool_reserve(rs, 1) < 0) {
		free(rs);
		return NULL;
	}
	rs->pool[0] = '\0';
	rs->pool_len = 1;
	return rs;
}

void sig_ruleset_free(struct sig_ruleset *rs)
{
	if (rs == NULL)
		return;
	free(rs->rules);
	free(rs->pool);
	free(rs->packs);
	free(rs->id_slots);
	free(rs);
}

/* ---- reports ---- */

void sig_report(struct sig_report *rep, const char *file, uint32_t line, const char *fmt, ...)
{
	char msg[SIG_ERR_MAX];
	char full[SIG_ERR_MAX + 64];
	va_list ap;
	int n;

	if (rep == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file != NULL && line != 0)
		n = snprintf(full, sizeof(full), "%s:%u: %s", file, line, msg);
	else if (file != NULL)
		n = snprintf(full, sizeof(full), "%s: %s", file, msg);
	else
		n = snprintf(full, sizeof(full), "%s", msg);
	(void)n; /* a truncated message is still a useful one */
	if (rep->errors == 0) {
		memcpy(rep->first, full, sizeof(rep->first) - 1);
		rep->first[sizeof(rep->first) - 1] = '\0';
	}
	rep->errors++;
	if (rep->fn != NULL)
		rep->fn(rep->arg, full);
}

/* ---- one file being loaded ---- */

struct ld {
	struct sig_ruleset *rs;
	struct sig_report *rep;
	const char *file;	/* as given, for messages */
	char dir[1024];		/* directory part, for relative imports */
	uint32_t src;		/* pool offset of the file name */
	uint32_t line;
	uint32_t errors;
	bool have_pack;
	bool oom;
};

static void ld_err(struct ld *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ld_err(struct ld *l, const char *fmt, ...)
{
	char msg[SIG_ERR_MAX];
	va_list ap;

	l->errors++;
	if (l->errors > MAX_ERRORS_PER_FILE)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->errors == MAX_ERRORS_PER_FILE)
		sig_report(l->rep, l->file, l->line, "%s (further errors in this file not shown)",
			   msg);
	else
		sig_report(l->rep, l->file, l->line, "%s", msg);
}

static void ld_oom(struct ld *l, int rc)
{
	ld_err(l, "cannot store the rule: %s", strerror(-rc));
	l->oom = true;
}

static void ld_init(struct ld *l, struct sig_ruleset *rs, const char *name, struct sig_report *rep)
{
	memset(l, 0, sizeof(*l));
	l->rs = rs;
	l->rep = rep;
	l->file = name;
	const char *slash = strrchr(name, '/');
	if (slash != NULL && (size_t)(slash - name) < sizeof(l->dir)) {
		memcpy(l->dir, name, (size_t)(slash - name));
		l->dir[slash - name] = '\0';
		if (slash == name)
			strcpy(l->dir, "/");
	} else {
		strcpy(l->dir, ".");
	}
	int rc = pool_add(rs, name, strlen(name), &l->src);
	if (rc < 0)
		ld_oom(l, rc);
}

/* ---- tokens ---- */

struct tok {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	bool eq;
};

static bool tok_is(const struct tok *t, const char *s)
{
	return t->klen == strlen(s) && memcmp(t->key, s, t->klen) == 0;
}

static bool val_is(const struct tok *t, const char *s)
{
	return t->vlen == strlen(s) && memcmp(t->val, s, t->vlen) == 0;
}

/* Split a line into tokens; quoted values are unescaped into VBUF (at
 * least LEN bytes). Returns the token count, or -1 after reporting. */
static int tokenize(struct ld *l, const char *p, size_t n, struct tok *t, char *vbuf)
{
	size_t i = 0, k = 0, vb = 0;

	for (size_t j = 0; j < n; j++) {
		unsigned char c = (unsigned char)p[j];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ld_err(l, "control byte 0x%02x at column %zu", c, j + 1);
			return -1;
		}
	}
	for (;;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n || p[i] == '#')
			return (int)k;
		if (k == MAX_TOKENS) {
			ld_err(l, "more than %u fields on one line", MAX_TOKENS);
			return -1;
		}
		struct tok *tk = &t[k++];
		size_t s = i;
		while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '=' && p[i] != '"')
			i++;
		tk->key = p + s;
		tk->klen = i - s;
		tk->eq = false;
		tk->val = "";
		tk->vlen = 0;
		if (i < n && p[i] == '"') {
			ld_err(l, "unexpected quote at column %zu (quotes only after key=)", i + 1);
			return -1;
		}
		if (i == n || p[i] != '=')
			continue;
		tk->eq = true;
		i++;
		if (tk->klen == 0) {
			ld_err(l, "'=' without a key at column %zu", i);
			return -1;
		}
		if (i < n && p[i] == '"') {
			size_t v0 = vb;
			i++;
			for (;;) {
				if (i == n) {
					ld_err(l, "unterminated quoted value for '%.*s'", (int)tk->klen,
					       tk->key);
					return -1;
				}
				char c = p[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i == n || (p[i] != '"' && p[i] != '\\')) {
						ld_err(l, "bad escape in quoted value (only \\\" and \\\\)");
						return -1;
					}
					c = p[i++];
				}
				vbuf[vb++] = c;
			}
			tk->val = vbuf + v0;
			tk->vlen = vb - v0;
			if (i < n && p[i] != ' ' && p[i] != '\t') {
				ld_err(l, "text right after a closing quote at column %zu", i + 1);
				return -1;
			}
		} else {
			size_t v0 = i;
			while (i < n && p[i] != ' ' && p[i] != '\t') {
				if (p[i] == '"') {
					ld_err(l, "quote inside a bare value at column %zu", i + 1);
					return -1;
				}
				i++;
			}
			tk->val = p + v0;
			tk->vlen = i - v0;
		}
	}
}

/* ---- values ---- */

static bool parse_u32(const char *s, size_t n, uint64_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0 || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int parse_fields(struct ld *l, const struct tok *t, uint8_t *mask)
{
	const char *s = t->val;
	size_t n = t->vlen;
	uint8_t m = 0;

	if (val_is(t, "all")) {
		*mask = SIG_FIELDS_ALL;
		return 0;
	}
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		if (j == i) {
			ld_err(l, "empty field name in fields=%.*s", (int)n, s);
			return -1;
		}
		int f = sig_field_parse(s + i, j - i);
		if (f < 0) {
			ld_err(l, "unknown field '%.*s' (sni, http_host, connect, quic_sni, dns, all)",
			       (int)(j - i), s + i);
			return -1;
		}
		m |= (uint8_t)(1u << f);
		i = j + 1;
	}
	*mask = m;
	return 0;
}

static int parse_category(struct ld *l, const struct tok *t)
{
	int c = sig_category_parse(t->val, t->vlen);

	if (c < 0)
		ld_err(l, "unknown category '%.*s'", (int)t->vlen, t->val);
	return c;
}

static int parse_conf(struct ld *l, const struct tok *t)
{
	if (val_is(t, "high"))
		return SIG_CONF_HIGH;
	if (val_is(t, "medium"))
		return SIG_CONF_MEDIUM;
	if (val_is(t, "low"))
		return SIG_CONF_LOW;
	ld_err(l, "conf must be high, medium or low, not '%.*s'", (int)t->vlen, t->val);
	return -1;
}

static int parse_ref(struct ld *l, const struct tok *t)
{
	if ((t->vlen > 7 && memcmp(t->val, "http://", 7) == 0) ||
	    (t->vlen > 8 && memcmp(t->val, "https://", 8) == 0))
		return 0;
	ld_err(l, "ref must be an http:// or https:// URL, not '%.*s'", (int)t->vlen, t->val);
	return -1;
}

/* Two-label names that are public suffixes in most ccTLDs (co.uk, com.au,
 * ...): a domain rule on one would take a whole country's commerce. This
 * is a guard against typos, not a public-suffix list. */
static bool is_public_sld(const char *s, size_t n)
{
	static const char *const second[] = {"co", "com", "net", "org", "gov", "edu", "ac",
					     "or", "ne", "go", "gob", "mil", "nic"};
	const char *dot = memchr(s, '.', n);

	if (dot == NULL || memchr(dot + 1, '.', n - (size_t)(dot + 1 - s)) != NULL)
		return false;
	if (n - (size_t)(dot + 1 - s) != 2)
		return false;
	for (size_t i = 0; i < sizeof(second) / sizeof(second[0]); i++)
		if ((size_t)(dot - s) == strlen(second[i]) && memcmp(s, second[i], (size_t)(dot - s)) == 0)
			return true;
	return false;
}

/* Validate and normalise a name pattern; OUT holds SIG_NAME_MAX + 1. */
static int check_name(struct ld *l, enum sig_kind kind, const char *s, size_t n, char *out,
		      size_t *out_len)
{
	if (n == 0) {
		ld_err(l, "empty %s pattern", sig_kind_name(kind));
		return -1;
	}
	if (memchr(s, '*', n) != NULL) {
		ld_err(l, "'%.*s': no wildcards in names (domain=NAME covers every name below)",
		       (int)n, s);
		return -1;
	}
	if (memchr(s, '/', n) != NULL || memchr(s, ':', n) != NULL) {
		ld_err(l, "'%.*s' looks like a URL or host:port; write the bare host name", (int)n,
		       s);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			ld_err(l, "'%.*s' is not ASCII: write the A-label (xn--...) form", (int)n, s);
			return -1;
		}
	}
	enum host_status st = host_normalize((const uint8_t *)s, n, out, SIG_NAME_MAX + 1, out_len);
	if (st != HOST_OK) {
		ld_err(l, "'%.*s' is not a host name: %s", (int)n, s, host_status_str(st));
		return -1;
	}
	if (kind == SIG_KIND_DOMAIN) {
		if (memchr(out, '.', *out_len) == NULL) {
			ld_err(l, "domain=%.*s is a bare top-level domain", (int)*out_len, out);
			return -1;
		}
		if (is_public_sld(out, *out_len)) {
			ld_err(l, "domain=%.*s is a public suffix", (int)*out_len, out);
			return -1;
		}
	}
	return 0;
}

static int check_regex(struct ld *l, const struct tok *t)
{
	if (t->vlen == 0) {
		ld_err(l, "empty regex pattern");
		return -1;
	}
	if (t->vlen > SIG_REGEX_MAX) {
		ld_err(l, "regex longer than %u bytes", SIG_REGEX_MAX);
		return -1;
	}
	return 0;
}

static int add_dup_checked(struct ld *l, struct sig_rule *r)
{
	long prev = id_find(l->rs, r->id);

	if (prev >= 0) {
		const struct sig_rule *p = &l->rs->rules[prev];
		ld_err(l, "duplicate id %u (first at %s:%u)", r->id, sig_rs_str(l->rs, p->src),
		       p->line);
		return -1;
	}
	int rc = rule_add(l->rs, r);
	if (rc < 0) {
		ld_oom(l, rc);
		return -1;
	}
	return 0;
}

/* ---- statements ---- */

enum {
	K_EXACT = 1u << 0,
	K_DOMAIN = 1u << 1,
	K_REGEX = 1u << 2,
	K_CATEGORY = 1u << 3,
	K_FIELDS = 1u << 4,
	K_DESC = 1u << 5,
	K_REF = 1u << 6,
	K_CONF = 1u << 7,
	K_FILE = 1u << 8,
	K_FORMAT = 1u << 9,
	K_KIND = 1u << 10,
	K_ID_BASE = 1u << 11,
	K_ACTION = 1u << 12,
	K_NAME = 1u << 13,
	K_VERSION = 1u << 14,
	K_DATE = 1u << 15,
	K_MODE = 1u << 16,
};

static const struct {
	const char *name;
	uint32_t bit;
} keys[] = {
	{"exact", K_EXACT}, {"domain", K_DOMAIN}, {"regex", K_REGEX},
	{"category", K_CATEGORY}, {"fields", K_FIELDS}, {"desc", K_DESC},
	{"ref", K_REF}, {"conf", K_CONF}, {"file", K_FILE},
	{"format", K_FORMAT}, {"kind", K_KIND}, {"id_base", K_ID_BASE},
	{"action", K_ACTION}, {"name", K_NAME}, {"version", K_VERSION},
	{"date", K_DATE}, {"mode", K_MODE},
};

/* Check params T[FROM..N) against the keys ALLOWED; fill BYKEY (index of
 * each key's token by bit position) and return the mask seen, or -1. */
static long params(struct ld *l, const char *what, const struct tok *t, size_t from, size_t n,
		   uint32_t allowed, int bykey[32])
{
	uint32_t seen = 0;

	for (size_t i = from; i < n; i++) {
		if (!t[i].eq) {
			ld_err(l, "'%.*s' is not key=value", (int)t[i].klen, t[i].key);
			return -1;
		}
		uint32_t bit = 0;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (tok_is(&t[i], keys[k].name))
				bit = keys[k].bit;
		if (bit == 0 || (bit & allowed) == 0) {
			ld_err(l, "unknown key '%.*s' for %s", (int)t[i].klen, t[i].key, what);
			return -1;
		}
		if (seen & bit) {
			ld_err(l, "key '%.*s' given twice", (int)t[i].klen, t[i].key);
			return -1;
		}
		seen |= bit;
		bykey[__builtin_ctz(bit)] = (int)i;
	}
	return seen;
}

#define TK(bit) (&t[bykey[__builtin_ctz(bit)]])

static void stmt_sig(struct ld *l, enum sig_action act, const struct tok *t, size_t n)
{
	int bykey[32];
	struct sig_rule r;
	char name[SIG_NAME_MAX + 1];
	size_t name_len = 0;
	const char *pat;
	size_t pat_len;
	int rc;

	memset(&r, 0, sizeof(r));
	if (n < 2 || t[1].eq) {
		ld_err(l, "'%s' needs an id", sig_action_name(act));
		return;
	}
	if (!parse_u32(t[1].key, t[1].klen, SIG_ID_LINE_MAX, &r.id)) {
		ld_err(l, "id '%.*s' is not a number in 1..%u", (int)t[1].klen, t[1].key,
		       SIG_ID_LINE_MAX);
		return;
	}
	long seen = params(l, "a signature", t, 2, n,
			   K_EXACT | K_DOMAIN | K_REGEX | K_CATEGORY | K_FIELDS | K_DESC | K_REF |
				   K_CONF,
			   bykey);
	if (seen < 0)
		return;
	uint32_t kinds = (uint32_t)seen & (K_EXACT | K_DOMAIN | K_REGEX);
	if (kinds == 0) {
		ld_err(l, "no pattern: give exact=, domain= or regex=");
		return;
	}
	if (kinds & (kinds - 1)) {
		ld_err(l, "more than one pattern on one signature");
		return;
	}
	if (!(seen & K_CATEGORY)) {
		ld_err(l, "no category=");
		return;
	}
	r.action = (uint8_t)act;
	r.fields = SIG_FIELDS_ALL;
	r.src = l->src;
	r.line = l->line;
	int c = parse_category(l, TK(K_CATEGORY));
	if (c < 0)
		return;
	r.category = (uint8_t)c;
	if ((seen & K_FIELDS) && parse_fields(l, TK(K_FIELDS), &r.fields) < 0)
		return;
	if (seen & K_CONF) {
		c = parse_conf(l, TK(K_CONF));
		if (c < 0)
			return;
		r.conf = (uint8_t)c;
	}
	if ((seen & K_REF) && parse_ref(l, TK(K_REF)) < 0)
		return;
	if (kinds == K_REGEX) {
		r.kind = SIG_KIND_REGEX;
		if (check_regex(l, TK(K_REGEX)) < 0)
			return;
		pat = TK(K_REGEX)->val;
		pat_len = TK(K_REGEX)->vlen;
	} else {
		r.kind = kinds == K_EXACT ? SIG_KIND_EXACT : SIG_KIND_DOMAIN;
		const struct tok *pt = TK(kinds);
		if (check_name(l, r.kind, pt->val, pt->vlen, name, &name_len) < 0)
			return;
		pat = name;
		pat_len = name_len;
	}
	r.pattern_len = (uint16_t)pat_len;
	if ((rc = pool_add(l->rs, pat, pat_len, &r.pattern)) < 0 ||
	    ((seen & K_DESC) && (rc = pool_add(l->rs, TK(K_DESC)->val, TK(K_DESC)->vlen, &r.desc)) < 0) ||
	    ((seen & K_REF) && (rc = pool_add(l->rs, TK(K_REF)->val, TK(K_REF)->vlen, &r.ref)) < 0)) {
		ld_oom(l, rc);
		return;
	}
	add_dup_checked(l, &r);
}

static bool date_ok(const struct tok *t)
{
	static const char fmt[] = "dddd-dd-dd";

	if (t->vlen != sizeof(fmt) - 1)
		return false;
	for (size_t i = 0; i < t->vlen; i++) {
		if (fmt[i] == 'd' ? (t->val[i] < '0' || t->val[i] > '9') : t->val[i] != '-')
			return false;
	}
	int month = (t->val[5] - '0') * 10 + (t->val[6] - '0');
	int day = (t->val[8] - '0') * 10 + (t->val[9] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static void stmt_pack(struct ld *l, const struct tok *t, size_t n)
{
	int bykey[32];
	struct sig_pack_meta m;
	int rc;

	long seen = params(l, "pack", t, 1, n, K_NAME | K_VERSION | K_DATE, bykey);
	if (seen < 0)
		return;
	if (l->have_pack) {
		ld_err(l, "second pack line in one file");
		return;
	}
	if ((seen & (K_NAME | K_VERSION | K_DATE)) != (K_NAME | K_VERSION | K_DATE)) {
		ld_err(l, "pack needs name=, version= and date=");
		return;
	}
	if (!date_ok(TK(K_DATE))) {
		ld_err(l, "pack date must be YYYY-MM-DD");
		return;
	}
	if (TK(K_NAME)->vlen == 0 || TK(K_VERSION)->vlen == 0) {
		ld_err(l, "empty pack name or version");
		return;
	}
	l->have_pack = true;
	memset(&m, 0, sizeof(m));
	m.src = l->src;
	m.line = l->line;
	if ((rc = pool_add(l->rs, TK(K_NAME)->val, TK(K_NAME)->vlen, &m.name)) < 0 ||
	    (rc = pool_add(l->rs, TK(K_VERSION)->val, TK(K_VERSION)->vlen, &m.version)) < 0 ||
	    (rc = pool_add(l->rs, TK(K_DATE)->val, TK(K_DATE)->vlen, &m.date)) < 0) {
		ld_oom(l, rc);
		return;
	}
	struct sig_ruleset *rs = l->rs;
	if (rs->n_packs == rs->cap_packs) {
		size_t cap = rs->cap_packs ? rs->cap_packs * 2 : 4;
		struct sig_pack_meta *p = realloc(rs->packs, cap * sizeof(*p));
		if (p == NULL) {
			ld_oom(l, -ENOMEM);
			return;
		}
		rs->packs = p;
		rs->cap_packs = cap;
	}
	rs->packs[rs->n_packs++] = m;
}

static void stmt_category(struct ld *l, const struct tok *t, size_t n)
{
	int bykey[32];

	if (n < 2 || t[1].eq) {
		ld_err(l, "'category' needs a category name");
		return;
	}
	int c = sig_category_parse(t[1].key, t[1].klen);
	if (c < 0) {
		ld_err(l, "unknown category '%.*s'", (int)t[1].klen, t[1].key);
		return;
	}
	long seen = params(l, "category", t, 2, n, K_MODE, bykey);
	if (seen < 0)
		return;
	if (!(seen & K_MODE)) {
		ld_err(l, "'category' needs mode=on|allow|off");
		return;
	}
	int m = sig_mode_parse(TK(K_MODE)->val, TK(K_MODE)->vlen);
	if (m < 0) {
		ld_err(l, "mode must be on, allow or off");
		return;
	}
	struct sig_ruleset *rs = l->rs;
	if (rs->cat_mode[c] != SIG_MODE_DEFAULT && rs->cat_mode[c] != m) {
		ld_err(l, "category %s already set to mode=%s at %s:%u", sig_category_name(c),
		       sig_mode_name(rs->cat_mode[c]), sig_rs_str(rs, rs->cat_mode_src[c]),
		       rs->cat_mode_line[c]);
		return;
	}
	rs->cat_mode[c] = (uint8_t)m;
	rs->cat_mode_src[c] = l->src;
	rs->cat_mode_line[c] = l->line;
}

/* ---- imports ---- */

enum imp_format { IMP_AUTO = 0, IMP_PLAIN, IMP_HOSTS };

struct imp {
	enum imp_format format;
	int kind;		/* -1: plain -> domain, hosts -> exact */
	uint8_t category;
	uint8_t action;
	uint8_t fields;
	uint8_t conf;
	uint32_t ref;
	uint32_t desc;
	uint32_t id_base;
	uint32_t next;		/* names accepted so far */
};

/* Names a hosts file maps for the machine itself, not as a block. */
static bool hosts_builtin(const char *s, size_t n)
{
	static const char *const names[] = {
		"localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
		"ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes",
		"ip6-allrouters", "ip6-allhosts", "0.0.0.0",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return true;
	return false;
}

static bool is_ip(const char *s, size_t n)
{
	char buf[64];
	unsigned char addr[16];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

static void imp_name(struct ld *l, struct imp *im, const char *s, size_t n, enum sig_kind kind)
{
	char name[SIG_NAME_MAX + 1];
	size_t name_len;
	struct sig_rule r;
	int rc;

	if (im->next >= SIG_IMPORT_MAX_NAMES) {
		ld_err(l, "more than %u names in one import", SIG_IMPORT_MAX_NAMES);
		return;
	}
	if ((uint64_t)im->id_base + im->next > SIG_ID_MAX) {
		ld_err(l, "import ids run past %u (lower id_base)", SIG_ID_MAX);
		return;
	}
	if (check_name(l, kind, s, n, name, &name_len) < 0)
		return;
	memset(&r, 0, sizeof(r));
	r.id = im->id_base + im->next;
	r.kind = (uint8_t)kind;
	r.category = im->category;
	r.action = im->action;
	r.fields = im->fields;
	r.conf = im->conf;
	r.ref = im->ref;
	r.desc = im->desc;
	r.src = l->src;
	r.line = l->line;
	r.imported = 1;
	r.pattern_len = (uint16_t)name_len;
	if ((rc = pool_add(l->rs, name, name_len, &r.pattern)) < 0) {
		ld_oom(l, rc);
		return;
	}
	if (add_dup_checked(l, &r) == 0)
		im->next++;
}

/* One line of a name list:
 *   plain: NAME [# comment]
 *   hosts: ADDRESS NAME *( WS NAME ) [# comment]   (ADDRESS is IPv4 or IPv6)
 * Blank lines and comment lines are skipped. */
static void imp_line(struct ld *l, struct imp *im, const char *p, size_t n)
{
	const char *tok[MAX_TOKENS];
	size_t len[MAX_TOKENS];
	size_t k = 0;

	for (size_t i = 0;;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n || p[i] == '#')
			break;
		if (k == MAX_TOKENS) {
			ld_err(l, "more than %u names on one line", MAX_TOKENS);
			return;
		}
		size_t s = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		tok[k] = p + s;
		len[k++] = i - s;
	}
	if (k == 0)
		return;
	bool hosts = im->format == IMP_HOSTS || (im->format == IMP_AUTO && is_ip(tok[0], len[0]));
	if (hosts) {
		if (!is_ip(tok[0], len[0])) {
			ld_err(l, "hosts line must start with an IPv4 or IPv6 address");
			return;
		}
		if (k == 1) {
			ld_err(l, "hosts line with an address and no name");
			return;
		}
		for (size_t i = 1; i < k; i++) {
			if (hosts_builtin(tok[i], len[i]))
				continue;
			imp_name(l, im, tok[i], len[i],
				 im->kind >= 0 ? (enum sig_kind)im->kind : SIG_KIND_EXACT);
		}
		return;
	}
	if (k > 1) {
		ld_err(l, "more than one name on a line (a hosts line starts with an address)");
		return;
	}
	imp_name(l, im, tok[0], len[0], im->kind >= 0 ? (enum sig_kind)im->kind : SIG_KIND_DOMAIN);
}

static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &st) < 0) {
		rc = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out_close;
	}
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	char *b = malloc(cap);
	size_t n = 0;
	if (b == NULL) {
		rc = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		if (n == cap) {
			char *nb = realloc(b, cap * 2);
			if (nb == NULL) {
				free(b);
				rc = -ENOMEM;
				goto out_close;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(b);
		rc = -EIO;
		goto out_close;
	}
	*buf = b;
	*len = n;
out_close:
	fclose(f);
	return rc;
}

/* Call FN for each line of BUF; L->line is kept current. */
static void each_line(struct ld *l, const char *buf, size_t len,
		      void (*fn)(struct ld *l, void *arg, const char *p, size_t n), void *arg)
{
	size_t i = 0;

	l->line = 0;
	while (i < len && !l->oom) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;
		size_t n = end - i;
		l->line++;
		if (n > 0 && buf[i + n - 1] == '\r')
			n--;
		if (n > SIG_LINE_MAX)
			ld_err(l, "line longer than %u bytes", SIG_LINE_MAX);
		else
			fn(l, arg, buf + i, n);
		i = end + 1;
	}
}

static void imp_line_cb(struct ld *l, void *arg, const char *p, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		unsigned char c = (unsigned char)p[j];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			ld_err(l, "control byte 0x%02x at column %zu", c, j + 1);
			return;
		}
	}
	imp_line(l, arg, p, n);
}

/* Read the list PATH into RS. Errors in the list carry its own file:line. */
static uint32_t import_list(struct sig_ruleset *rs, const char *path, struct imp *im,
			    struct sig_report *rep, int *io_err)
{
	struct ld l;
	char *buf;
	size_t len;

	*io_err = read_all(path, &buf, &len);
	if (*io_err < 0)
		return 0;
	ld_init(&l, rs, path, rep);
	if (!l.oom)
		each_line(&l, buf, len, imp_line_cb, im);
	free(buf);
	return l.errors;
}

static uint32_t next_auto_base(struct sig_ruleset *rs)
{
	uint64_t base = SIG_ID_IMPORT_MIN + (uint64_t)rs->n_imports * SIG_IMPORT_AUTO_STRIDE;

	return base + SIG_IMPORT_AUTO_STRIDE - 1 <= SIG_ID_MAX ? (uint32_t)base : 0;
}

static void stmt_import(struct ld *l, const struct tok *t, size_t n)
{
	int bykey[32];
	struct imp im;
	char path[4096];
	int rc;

	long seen = params(l, "import", t, 1, n,
			   K_FILE | K_CATEGORY | K_FORMAT | K_KIND | K_ID_BASE | K_FIELDS |
				   K_ACTION | K_REF | K_DESC | K_CONF,
			   bykey);
	if (seen < 0)
		return;
	if (!(seen & K_FILE) || TK(K_FILE)->vlen == 0) {
		ld_err(l, "import needs file=");
		return;
	}
	if (!(seen & K_CATEGORY)) {
		ld_err(l, "import needs category=");
		return;
	}
	memset(&im, 0, sizeof(im));
	im.kind = -1;
	im.action = SIG_ACT_BLOCK;
	im.fields = SIG_FIELDS_ALL;
	int c = parse_category(l, TK(K_CATEGORY));
	if (c < 0)
		return;
	im.category = (uint8_t)c;
	if (seen & K_FORMAT) {
		const struct tok *f = TK(K_FORMAT);
		if (val_is(f, "auto"))
			im.format = IMP_AUTO;
		else if (val_is(f, "plain"))
			im.format = IMP_PLAIN;
		else if (val_is(f, "hosts"))
			im.format = IMP_HOSTS;
		else {
			ld_err(l, "format must be auto, plain or hosts");
			return;
		}
	}
	if (seen & K_KIND) {
		if (val_is(TK(K_KIND), "exact"))
			im.kind = SIG_KIND_EXACT;
		else if (val_is(TK(K_KIND), "domain"))
			im.kind = SIG_KIND_DOMAIN;
		else {
			ld_err(l, "import kind must be exact or domain");
			return;
		}
	}
	if (seen & K_ACTION) {
		if (val_is(TK(K_ACTION), "block"))
			im.action = SIG_ACT_BLOCK;
		else if (val_is(TK(K_ACTION), "allow"))
			im.action = SIG_ACT_ALLOW;
		else {
			ld_err(l, "action must be block or allow");
			return;
		}
	}
	if ((seen & K_FIELDS) && parse_fields(l, TK(K_FIELDS), &im.fields) < 0)
		return;
	if (seen & K_CONF) {
		c = parse_conf(l, TK(K_CONF));
		if (c < 0)
			return;
		im.conf = (uint8_t)c;
	}
	if ((seen & K_REF) && parse_ref(l, TK(K_REF)) < 0)
		return;
	if (seen & K_ID_BASE) {
		const struct tok *b = TK(K_ID_BASE);
		if (!parse_u32(b->val, b->vlen, SIG_ID_MAX, &im.id_base) ||
		    im.id_base < SIG_ID_IMPORT_MIN) {
			ld_err(l, "id_base must be a number in %u..%u", SIG_ID_IMPORT_MIN,
			       SIG_ID_MAX);
			return;
		}
	} else {
		im.id_base = next_auto_base(l->rs);
		if (im.id_base == 0) {
			ld_err(l, "too many imports without id_base");
			return;
		}
	}
	const struct tok *f = TK(K_FILE);
	int pn;
	if (f->val[0] == '/')
		pn = snprintf(path, sizeof(path), "%.*s", (int)f->vlen, f->val);
	else
		pn = snprintf(path, sizeof(path), "%s/%.*s", l->dir, (int)f->vlen, f->val);
	if (pn < 0 || (size_t)pn >= sizeof(path)) {
		ld_err(l, "import path too long");
		return;
	}
	if (((seen & K_REF) && (rc = pool_add(l->rs, TK(K_REF)->val, TK(K_REF)->vlen, &im.ref)) < 0) ||
	    ((seen & K_DESC) &&
	     (rc = pool_add(l->rs, TK(K_DESC)->val, TK(K_DESC)->vlen, &im.desc)) < 0)) {
		ld_oom(l, rc);
		return;
	}
	l->rs->n_imports++;
	int io_err;
	uint32_t errs = import_list(l->rs, path, &im, l->rep, &io_err);
	if (io_err < 0) {
		ld_err(l, "cannot read import %s: %s", path, strerror(-io_err));
		return;
	}
	/* The list's own errors were reported with its file:line. */
	l->errors += errs;
}

static void stmt_line(struct ld *l, void *arg, const char *p, size_t n)
{
	struct tok t[MAX_TOKENS];
	char vbuf[SIG_LINE_MAX];

	(void)arg;
	int k = tokenize(l, p, n, t, vbuf);
	if (k <= 0)
		return;
	if (t[0].eq) {
		ld_err(l, "line starts with '%.*s=': expected block, allow, pack, category or "
			  "import", (int)t[0].klen, t[0].key);
		return;
	}
	if (tok_is(&t[0], "block"))
		stmt_sig(l, SIG_ACT_BLOCK, t, (size_t)k);
	else if (tok_is(&t[0], "allow"))
		stmt_sig(l, SIG_ACT_ALLOW, t, (size_t)k);
	else if (tok_is(&t[0], "pack"))
		stmt_pack(l, t, (size_t)k);
	else if (tok_is(&t[0], "category"))
		stmt_category(l, t, (size_t)k);
	else if (tok_is(&t[0], "import"))
		stmt_import(l, t, (size_t)k);
	else
		ld_err(l, "unknown directive '%.*s' (block, allow, pack, category, import)",
		       (int)t[0].klen, t[0].key);
}

/* ---- entry points ---- */

int sig_load_buf(struct sig_ruleset *rs, const char *name, const char *buf, size_t len,
		 struct sig_report *rep)
{
	struct ld l;

	ld_init(&l, rs, name, rep);
	if (!l.oom)
		each_line(&l, buf, len, stmt_line, NULL);
	return l.errors > INT32_MAX ? INT32_MAX : (int)l.errors;
}

int sig_load_file(struct sig_ruleset *rs, const char *path, struct sig_report *rep)
{
	char *buf;
	size_t len;
	int rc = read_all(path, &buf, &len);

	if (rc < 0) {
		sig_report(rep, path, 0, "cannot read: %s", strerror(-rc));
		return rc;
	}
	rc = sig_load_buf(rs, path, buf, len, rep);
	free(buf);
	return rc;
}

int sig_import_file(struct sig_ruleset *rs, const char *path, enum sig_category cat,
		    struct sig_report *rep)
{
	struct imp im;
	int io_err;

	memset(&im, 0, sizeof(im));
	im.kind = -1;
	im.action = SIG_ACT_BLOCK;
	im.fields = SIG_FIELDS_ALL;
	im.category = (uint8_t)cat;
	im.id_base = next_auto_base(rs);
	if (im.id_base == 0) {
		sig_report(rep, path, 0, "too many imports");
		return 1;
	}
	rs->n_imports++;
	uint32_t errs = import_list(rs, path, &im, rep, &io_err);
	if (io_err < 0) {
		sig_report(rep, path, 0, "cannot read: %s", strerror(-io_err));
		return io_err;
	}
	return errs > INT32_MAX ? INT32_MAX : (int)errs;
}

static int sig_file_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".sig") == 0;
}

int sig_load_path(struct sig_ruleset *rs, const char *path, struct sig_report *rep)
{
	struct stat st;
	struct dirent **ents;
	char full[4096];
	int errors = 0;

	if (stat(path, &st) < 0) {
		int rc = -errno;
		sig_report(rep, path, 0, "cannot read: %s", strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode))
		return sig_load_file(rs, path, rep);
	int n = scandir(path, &ents, sig_file_filter, alphasort);
	if (n < 0) {
		int rc = -errno;
		sig_report(rep, path, 0, "cannot list: %s", strerror(errno));
		return rc;
	}
	if (n == 0)
		sig_report(rep, path, 0, "no *.sig files in this directory");
	for (int i = 0; i < n; i++) {
		int pn = snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name);
		if (pn < 0 || (size_t)pn >= sizeof(full)) {
			sig_report(rep, path, 0, "path too long: %s", ents[i]->d_name);
			errors++;
		} else {
			int rc = sig_load_file(rs, full, rep);
			errors += rc < 0 ? 1 : rc;
		}
		free(ents[i]);
	}
	free(ents);
	return n == 0 ? 1 : errors;
}
