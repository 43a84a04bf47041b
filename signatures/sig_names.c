/* Names of the signature enums, as written in pack files and printed by
 * kasblock-sig. */
#include <string.h>

#include "sig.h"

static const char *const cat_names[SIG_CAT_COUNT] = {
	[SIG_CAT_UPDATE] = "update",
	[SIG_CAT_DOWNLOAD] = "download",
	[SIG_CAT_LICENSING] = "licensing",
	[SIG_CAT_TELEMETRY] = "telemetry",
	[SIG_CAT_STOREFRONT] = "storefront",
	[SIG_CAT_MANAGEMENT] = "management",
	[SIG_CAT_OEM] = "oem",
	[SIG_CAT_BRAND] = "brand",
	[SIG_CAT_THREAT_INTEL] = "threat_intel",
	[SIG_CAT_RESEARCH] = "research",
	[SIG_CAT_TRAINING] = "training",
	[SIG_CAT_LEGACY] = "legacy",
	[SIG_CAT_OTHER] = "other",
};

static const char *const kind_names[SIG_KIND_COUNT] = {
	[SIG_KIND_EXACT] = "exact",
	[SIG_KIND_DOMAIN] = "domain",
	[SIG_KIND_REGEX] = "regex",
};

static const char *const field_names[SIG_FIELD_COUNT] = {
	[SIG_FIELD_SNI] = "sni",
	[SIG_FIELD_HTTP_HOST] = "http_host",
	[SIG_FIELD_CONNECT] = "connect",
	[SIG_FIELD_QUIC_SNI] = "quic_sni",
	[SIG_FIELD_DNS] = "dns",
};

static const char *const action_names[] = {
	[SIG_ACT_NONE] = "none",
	[SIG_ACT_BLOCK] = "block",
	[SIG_ACT_ALLOW] = "allow",
};

static const char *const conf_names[] = {
	[SIG_CONF_UNSET] = "-",
	[SIG_CONF_HIGH] = "high",
	[SIG_CONF_MEDIUM] = "medium",
	[SIG_CONF_LOW] = "low",
};

static const char *const mode_names[] = {
	[SIG_MODE_DEFAULT] = "default",
	[SIG_MODE_ON] = "on",
	[SIG_MODE_ALLOW] = "allow",
	[SIG_MODE_OFF] = "off",
};

static const char *const engine_names[] = {
	[SIG_ENGINE_AUTO] = "auto",
	[SIG_ENGINE_HS] = "hs",
	[SIG_ENGINE_HASH] = "hash",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *tab, size_t n, unsigned v)
{
	return v < n ? tab[v] : "?";
}

static int parse_in(const char *const *tab, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(tab[i]) == len && memcmp(tab[i], s, len) == 0)
			return (int)i;
	return -1;
}

const char *sig_category_name(enum sig_category c)
{
	return name_of(cat_names, N_OF(cat_names), c);
}

const char *sig_kind_name(enum sig_kind k)
{
	return name_of(kind_names, N_OF(kind_names), k);
}

const char *sig_action_name(enum sig_action a)
{
	return name_of(action_names, N_OF(action_names), a);
}

const char *sig_field_name(enum sig_field f)
{
	return name_of(field_names, N_OF(field_names), f);
}

const char *sig_conf_name(enum sig_conf c)
{
	return name_of(conf_names, N_OF(conf_names), c);
}

const char *sig_mode_name(enum sig_cat_mode m)
{
	return name_of(mode_names, N_OF(mode_names), m);
}

int sig_category_parse(const char *s, size_t len)
{
	return parse_in(cat_names, N_OF(cat_names), s, len);
}

int sig_field_parse(const char *s, size_t len)
{
	return parse_in(field_names, N_OF(field_names), s, len);
}

/* "default" is a compile-option value, not something a pack may say. */
int sig_mode_parse(const char *s, size_t len)
{
	int m = parse_in(mode_names, N_OF(mode_names), s, len);

	return m == SIG_MODE_DEFAULT ? -1 : m;
}

int sig_engine_parse(const char *s, size_t len)
{
	return parse_in(engine_names, N_OF(engine_names), s, len);
}
