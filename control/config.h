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

#include "sig_types.h"

#define CTL_EAL_MAX_ARGS 64u
#define CTL_MAX_PAIRS 16u
#define CTL_MAX_SIG_FILES 16u
#define CTL_NAME_MAX 128u
#define CTL_PATH_MAX 1024u
#define CTL_ERR_MAX 1280u

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

	/* signatures */
	char sig_files[CTL_MAX_SIG_FILES][CTL_PATH_MAX]; /* resolved against dir */
	uint32_t n_sig_files;
	uint8_t cat_mode[SIG_CAT_COUNT]; /* enum sig_cat_mode; DEFAULT = the pack's */

	/* policy */
	uint8_t mode;                  /* enum ctl_mode */
	uint8_t action[SIG_CAT_COUNT]; /* enum ctl_action */

	/* events */
	char events_file[CTL_PATH_MAX]; /* "" none, "-" stdout */
	uint32_t event_ring;           /* records per worker ring, power of two */
	bool log_names;
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

#endif
