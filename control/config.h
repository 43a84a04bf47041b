/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KB_CTL_CONFIG_H
#define KB_CTL_CONFIG_H

/*
 * The kasblock configuration file (libconfig syntax). Every key is described
 * in docs/configuration.md. Loading is strict: a syntax error, an unknown
 * group or key, a value of the wrong type or out of range is an error
 * "file:line: reason", so a typo never silently becomes a default.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_types.h"
#include "sig_types.h"

#define CTL_EAL_MAX_ARGS 64u
#define CTL_MAX_PAIRS 16u
#define CTL_MAX_SIG_FILES 16u
#define CTL_NAME_MAX 128u
#define CTL_PATH_MAX 1024u
#define CTL_ERR_MAX 1280u
#define CTL_MAX_EXEMPT DP_MAX_EXEMPT
#define CTL_MAX_ALLOW 256u
#define CTL_ADDR_MAX 64u
#define CTL_MAX_L7_PORTS DP_MAX_L7_PORTS

enum ctl_mode {
	CTL_MODE_ENFORCE = 0,
	CTL_MODE_MONITOR = 1,
};

/* What happens to a flow whose category matched (enforce mode). */
enum ctl_action {
	CTL_ACT_RESET = 0, /* drop, RST to both ends (UDP: drop) */
	CTL_ACT_DROP,      /* drop silently */
	CTL_ACT_MONITOR,   /* forward, log, count */
	CTL_ACT_PASS,      /* forward, count only */
	CTL_ACT_COUNT
};

enum ctl_fail {
	CTL_FAIL_OPEN = 0,  /* pass the flow */
	CTL_FAIL_CLOSED,    /* block it (reset) */
};

/* What to do when no valid signature set can be loaded at start. */
enum ctl_nosig {
	CTL_NOSIG_EXIT = 0, /* refuse to start (exit 3) */
	CTL_NOSIG_OPEN,     /* start, forward everything, count */
	CTL_NOSIG_CLOSED,   /* start, block (reset) every flow that shows a name */
};

struct ctl_port_pair {
	char a[CTL_NAME_MAX]; /* device name (PCI address, vdev name) or port id */
	char b[CTL_NAME_MAX];
};

struct ctl_config {
	char path[CTL_PATH_MAX];       /* the file, as given */
	char dir[CTL_PATH_MAX];        /* its directory: relative paths start here */

	/* eal */
	char eal_args[CTL_EAL_MAX_ARGS][CTL_NAME_MAX];
	uint32_t n_eal_args;

	/* ports */
	struct ctl_port_pair pairs[CTL_MAX_PAIRS];
	uint32_t n_pairs;
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t mbufs;                /* per NUMA socket */
	uint32_t mtu;                  /* port MTU; mbufs hold a whole frame of it */

	/* workers */
	uint32_t workers;              /* 0: every lcore but the main one */

	/* flows (per worker) */
	uint32_t flow_capacity;
	uint32_t timeout_inspecting;   /* seconds */
	uint32_t timeout_passed;
	uint32_t timeout_blocked;
	uint32_t timeout_closed;
	uint32_t timeout_udp;
	uint32_t expiry_every;         /* loop passes between expiry slices */
	uint32_t expiry_batch;         /* entries looked at per slice */

	/* inspection (per worker) */
	uint32_t stream_cap;           /* client bytes reassembled per flow */
	uint32_t pool_slots;           /* flows inspected at once */
	uint32_t frag_flows;           /* datagrams reassembled at once */
	uint32_t frag_timeout_ms;
	uint8_t fail_policy;           /* enum ctl_fail: pool full, limits, scan errors */
	uint8_t conflict_policy;       /* enum ctl_fail: inconsistent overlaps */

	/* quic, dns (docs/configuration.md) */
	uint8_t quic_mode;             /* enum dp_quic_mode */
	uint16_t quic_ports[CTL_MAX_L7_PORTS];
	uint32_t n_quic_ports;
	uint32_t quic_max_datagrams;   /* client datagrams read before giving up */
	uint16_t dns_ports[CTL_MAX_L7_PORTS];
	uint32_t n_dns_ports;
	uint8_t dns_rcode;             /* DNS_RCODE_NXDOMAIN or DNS_RCODE_REFUSED */

	/* signatures */
	char sig_files[CTL_MAX_SIG_FILES][CTL_PATH_MAX]; /* resolved against dir */
	uint32_t n_sig_files;
	uint8_t cat_mode[SIG_CAT_COUNT]; /* enum sig_cat_mode; DEFAULT = the pack's */

	/* policy (docs/policy.md) */
	uint8_t mode;                  /* enum ctl_mode */
	uint8_t action[SIG_CAT_COUNT]; /* enum ctl_action */
	bool has_date[SIG_CAT_COUNT];  /* enforce_from given */
	int64_t enforce_from[SIG_CAT_COUNT]; /* UTC seconds: monitor only before */
	struct dp_prefix exempt[CTL_MAX_EXEMPT];
	uint32_t n_exempt;
	uint8_t exempt_action;         /* CTL_ACT_PASS or CTL_ACT_MONITOR */
	char allow[CTL_MAX_ALLOW][SIG_NAME_MAX + 1]; /* normalised names */
	uint32_t n_allow;
	uint8_t no_signatures;         /* enum ctl_nosig */

	/* reload */
	bool watch;                    /* reload when a watched file changes */
	uint32_t watch_interval_ms;    /* how often the files are looked at */

	/* events */
	char events_file[CTL_PATH_MAX]; /* "" none, "-" stdout */
	uint32_t event_ring;           /* records per worker ring, power of two */
	bool log_names;
	uint32_t event_rate;           /* lines written per second, 0 = no limit */
	bool syslog;                   /* also send each event line to syslog */
	int syslog_facility;           /* LOG_DAEMON, LOG_LOCAL0.. */
	char syslog_ident[CTL_NAME_MAX];

	/* inventory */
	uint32_t inventory_capacity;   /* clients remembered */

	/* metrics (Prometheus text on GET /metrics) */
	bool metrics_enabled;
	char metrics_address[CTL_ADDR_MAX]; /* IPv4 or IPv6 literal to bind */
	uint16_t metrics_port;         /* 0: any free port (logged at start) */
	uint32_t metrics_signature_top; /* signatures exported by id, the rest as "other" */

	/* telemetry (DPDK telemetry socket, commands under /kasblock/) */
	bool telemetry_enabled;

	/* log */
	uint32_t log_level;            /* RTE_LOG_* value (1 emerg .. 8 debug) */
};

/* Defaults of every key (what an empty file gives). */
void ctl_config_defaults(struct ctl_config *c);

/*
 * Loads path over the defaults. Returns 0, or -EINVAL / -errno with
 * "file:line: reason" in err (the first problem found).
 */
int ctl_config_load(struct ctl_config *c, const char *path, char *err, size_t errlen);

const char *ctl_action_name(enum ctl_action a);
const char *ctl_mode_name(enum ctl_mode m);
const char *ctl_fail_name(enum ctl_fail f);
const char *ctl_nosig_name(enum ctl_nosig n);
/* "inspect", "block", "pass"; "nxdomain", "refused". */
const char *ctl_quic_mode_name(enum dp_quic_mode m);
const char *ctl_dns_rcode_name(uint8_t rcode);
/* "emergency".."debug" for an RTE_LOG_* level (1..8). */
const char *ctl_log_level_name(uint32_t level);

#endif
