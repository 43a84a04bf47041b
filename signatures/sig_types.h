/* Signature sets: the loaded rules, the compiled matcher and its verdicts.
 *
 * Life cycle (see docs/signatures.md):
 *   files --sig_load_file--> struct sig_ruleset   (control thread, I/O, file:line errors)
 *   ruleset --sig_compile--> struct sigset        (control thread, immutable, freed whole)
 *   sigset + sig_scratch --sig_match--> verdict   (any thread, no I/O, no allocation)
 */
#ifndef KB_SIG_TYPES_H
#define KB_SIG_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* Hyperscan's opaque types, declared here so that users of the matcher do
 * not need <hs/hs.h> (hs_database_t is a typedef of struct hs_database). */
struct hs_database;
struct hs_scratch;

/* The order is the order of `kasblock-sig check` output; names live in
 * sig_names.c. Values are stored in uint8_t fields. */
enum sig_category {
	SIG_CAT_UPDATE = 0,
	SIG_CAT_DOWNLOAD,
	SIG_CAT_LICENSING,
	SIG_CAT_TELEMETRY,
	SIG_CAT_STOREFRONT,
	SIG_CAT_MANAGEMENT,
	SIG_CAT_OEM,
	SIG_CAT_BRAND,
	SIG_CAT_THREAT_INTEL,
	SIG_CAT_RESEARCH,
	SIG_CAT_TRAINING,
	SIG_CAT_LEGACY,
	SIG_CAT_OTHER,
	SIG_CAT_COUNT
};

enum sig_kind {
	SIG_KIND_EXACT = 0,	/* this name only */
	SIG_KIND_DOMAIN,	/* this name and every name below it, on labels */
	SIG_KIND_REGEX,		/* Hyperscan regex searched in the host */
	SIG_KIND_COUNT
};

enum sig_action {
	SIG_ACT_NONE = 0,	/* verdict only: nothing matched */
	SIG_ACT_BLOCK,
	SIG_ACT_ALLOW,		/* an exception: wins over every block */
};

/* Where a host name was seen. A signature applies to a mask of these. */
enum sig_field {
	SIG_FIELD_SNI = 0,	/* TLS ClientHello server_name */
	SIG_FIELD_HTTP_HOST,	/* HTTP/1.x Host header */
	SIG_FIELD_CONNECT,	/* HTTP CONNECT request target */
	SIG_FIELD_QUIC_SNI,	/* server_name in a QUIC Initial */
	SIG_FIELD_DNS,		/* DNS query name */
	SIG_FIELD_COUNT
};
#define SIG_FIELDS_ALL ((uint8_t)((1u << SIG_FIELD_COUNT) - 1))

/* Source confidence as the research rates it; metadata only. */
enum sig_conf {
	SIG_CONF_UNSET = 0,
	SIG_CONF_HIGH,
	SIG_CONF_MEDIUM,
	SIG_CONF_LOW,
};

/* What a set does with the rules of one category. */
enum sig_cat_mode {
	SIG_MODE_DEFAULT = 0,	/* compile option only: keep the pack's choice */
	SIG_MODE_ON,		/* rules act as written */
	SIG_MODE_ALLOW,		/* every rule of the category is an exception */
	SIG_MODE_OFF,		/* rules are left out of the set */
};

/* Which engine holds the exact/domain rules. */
enum sig_engine {
	SIG_ENGINE_AUTO = 0,	/* small line-format sets in Hyperscan, the rest hashed */
	SIG_ENGINE_HS,		/* every exact/domain rule in the Hyperscan literal db */
	SIG_ENGINE_HASH,	/* every exact/domain rule in the label-suffix hash */
};

/* Limits of the format. */
#define SIG_NAME_MAX 253u	/* a host name, without the trailing dot */
#define SIG_LABEL_MAX 63u
#define SIG_REGEX_MAX 1024u	/* bytes of one regex */
#define SIG_LINE_MAX 4096u	/* bytes of one line in a pack or list file */
#define SIG_ID_LINE_MAX 999999999u	/* ids written on block/allow lines */
#define SIG_ID_IMPORT_MIN 1000000000u	/* ids given to imported names */
#define SIG_ID_MAX 4294967294u
#define SIG_IMPORT_AUTO_STRIDE 10000000u /* ids per import without id_base */
#define SIG_IMPORT_MAX_NAMES SIG_IMPORT_AUTO_STRIDE
#define SIG_HS_LITERAL_MAX 2000u	/* AUTO: line-format exact/domain rules kept in Hyperscan */

/* One signature. Strings are offsets into the owning pool (offset 0 is the
 * empty string), so a rule table copies with memcpy. */
struct sig_rule {
	uint32_t id;
	uint32_t pattern;	/* normalised name, or the regex as written */
	uint32_t desc;
	uint32_t ref;
	uint32_t src;		/* pool offset of the file name */
	uint32_t line;		/* 1-based line in src */
	uint16_t pattern_len;
	uint8_t category;	/* enum sig_category */
	uint8_t kind;		/* enum sig_kind */
	uint8_t action;		/* enum sig_action (BLOCK or ALLOW) */
	uint8_t fields;		/* mask of 1 << enum sig_field */
	uint8_t conf;		/* enum sig_conf */
	uint8_t imported;	/* came from an import directive */
};

/* `pack` header line of one file. */
struct sig_pack_meta {
	uint32_t name;
	uint32_t version;
	uint32_t date;
	uint32_t src;
	uint32_t line;
};

/* Rules as loaded, before compiling. Owned by the control thread. */
struct sig_ruleset {
	struct sig_rule *rules;
	size_t n_rules;
	size_t cap_rules;
	char *pool;
	size_t pool_len;
	size_t pool_cap;
	struct sig_pack_meta *packs;
	size_t n_packs;
	size_t cap_packs;
	uint8_t cat_mode[SIG_CAT_COUNT];	/* from `category` lines */
	uint32_t cat_mode_src[SIG_CAT_COUNT];
	uint32_t cat_mode_line[SIG_CAT_COUNT];
	uint32_t n_imports;		/* imports seen, for automatic id bases */
	uint32_t *id_slots;		/* open-addressed id -> rule index + 1 */
	size_t id_cap;
};

/* How a report reaches the caller: every message is "file:line: reason". */
typedef void (*sig_report_fn)(void *arg, const char *msg);

#define SIG_ERR_MAX 512u

struct sig_report {
	sig_report_fn fn;	/* may be NULL */
	void *arg;
	uint32_t errors;	/* errors reported so far */
	char first[SIG_ERR_MAX];	/* the first error, for a one-line log */
};

struct sig_compile_opts {
	uint8_t cat_mode[SIG_CAT_COUNT];	/* SIG_MODE_DEFAULT: the pack decides */
	uint8_t engine;			/* enum sig_engine */
	uint32_t hs_literal_max;	/* AUTO threshold; 0 means SIG_HS_LITERAL_MAX */
};

struct sig_counts {
	uint32_t total;		/* rules in the set (not counting off ones) */
	uint32_t block;
	uint32_t allow;
	uint32_t off;		/* rules of categories switched off */
	uint32_t by_category[SIG_CAT_COUNT];
	uint32_t by_kind[SIG_KIND_COUNT];
	uint32_t hs_literal;	/* rules in each engine */
	uint32_t hs_regex;
	uint32_t hash;
};

/* Label-suffix hash: one slot per distinct name, open addressing. A slot
 * carries what a probe needs, so a lookup touches the slot, the name and
 * the rule, and no index in between. Built once, then read-only. */
struct sig_hash_slot {
	uint32_t tag;		/* high hash bits; 0 = empty slot */
	uint32_t name;		/* pool offset */
	uint32_t first;		/* count == 1: rule index; else into sig_hash.members */
	uint16_t name_len;
	uint16_t count;		/* rules with this name (capped, see sig_hash.c) */
};

struct sig_hash {
	struct sig_hash_slot *slots;
	size_t mask;		/* slots - 1, a power of two minus one */
	size_t n_names;
	uint32_t *members;	/* rule indices of multi-rule names, best first */
	size_t n_members;
};

/* A compiled, immutable signature set. Built on the control thread, read by
 * any number of threads, each with its own struct sig_scratch, freed whole. */
struct sigset {
	uint64_t gen;		/* unique per process, increasing */
	struct sig_rule *rules;	/* effective actions after category modes */
	size_t n_rules;
	char *pool;
	size_t pool_len;
	struct sig_pack_meta *packs;
	size_t n_packs;
	uint8_t cat_mode[SIG_CAT_COUNT];	/* effective, never DEFAULT */
	struct hs_database *lit_db;	/* framed exact/domain literals, or NULL */
	struct hs_database *re_db;	/* regexes, or NULL */
	struct sig_hash hash;
	struct sig_counts counts;
	uint64_t compile_ns;
	size_t lit_db_bytes;
	size_t re_db_bytes;
	size_t hash_bytes;
};

/* Room for "\x01." + host + "\0": the framed host the literal db scans. */
#define SIG_FRAME_MAX (SIG_NAME_MAX + 3u)

/* Per-thread match state. One per worker; never shared while in use. */
struct sig_scratch {
	struct hs_scratch *hs;
	char frame[SIG_FRAME_MAX + 1];
};

/* What decided a (host, field) pair. id 0 and SIG_ACT_NONE: nothing matched. */
struct sig_verdict {
	uint32_t id;
	uint32_t rule;		/* index into sigset.rules when id != 0 */
	uint8_t action;		/* enum sig_action */
	uint8_t category;	/* enum sig_category */
	uint8_t kind;		/* enum sig_kind */
	uint8_t fields;		/* the deciding rule's field mask */
};

#endif /* KB_SIG_TYPES_H */
