/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kasblock: the inline filter and its replay mode. docs/kasblock.md has the
 * command line, exit codes and the summary; docs/architecture.md the design.
 *
 *   kasblock [EAL args --] -c FILE [--events FILE] [--log-names]
 *   kasblock -c FILE -r IN.pcap [-w OUT.pcap] [--loop N] [--events FILE] [--log-names]
 *   kasblock -c FILE --check
 *
 * The main lcore is the control plane: it drains the workers' event rings
 * into the event log and the remediation inventory, reloads (SIGHUP,
 * requests, watched files), re-resolves dated policy, and watches the
 * signal flags; workers never do I/O.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "config.h"
#include "ctl_log.h"
#include "dp.h"
#include "event_log.h"
#include "flow.h"
#include "inventory.h"
#include "policy.h"
#include "reload.h"
#include "replay_loop.h"
#include "sig.h"
#include "stats.h"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* EAL, ports, memory, capture unreadable */
	EXIT_USAGE = 2,   /* bad command line */
	EXIT_CONFIG = 3,  /* configuration or signatures invalid */
};

static volatile sig_atomic_t quit_flag;
static volatile sig_atomic_t hup_flag;

/* Handlers only set a flag: the main loop does the work. */
static void on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_flag = 1;
	else
		quit_flag = 1;
}

static void set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kasblock [EAL args --] -c FILE [--events FILE] [--log-names]\n"
		"       kasblock -c FILE -r IN.pcap [-w OUT.pcap] [--loop N] [--events FILE]"
		" [--log-names]\n"
		"       kasblock -c FILE --check\n"
		"  -c, --config FILE   configuration (libconfig), required\n"
		"  -r, --read FILE     replay a capture instead of running on ports\n"
		"  -w, --write FILE    replay: write forwarded packets and resets here\n"
		"      --loop N        replay: play the capture N times (pass k: k added to\n"
		"                      the first 16 bits of every address: new flows)\n"
		"      --events FILE   event log ('-' = stdout), overrides events.file\n"
		"      --log-names     also log every extracted name (event \"name\")\n"
		"      --check         validate configuration and signatures, then exit\n"
		"  -h, --help          this text\n"
		"EAL arguments before '--' replace eal.args of the configuration.\n"
		"Exit: 0 ok, 1 runtime error, 2 usage, 3 invalid configuration/signatures.\n"
		"Signals: SIGHUP reloads configuration and signatures and reopens the event\n"
		"log; SIGINT/SIGTERM stop cleanly.\n");
}

struct opts {
	const char *config;
	const char *read;
	const char *write;
	const char *events;
	bool log_names;
	bool check;
	unsigned loop;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"read", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"events", required_argument, NULL, 'e'},
		{"log-names", no_argument, NULL, 'n'},
		{"check", no_argument, NULL, 'k'},
		{"loop", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:r:w:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'r': o->read = optarg; break;
		case 'w': o->write = optarg; break;
		case 'e': o->events = optarg; break;
		case 'n': o->log_names = true; break;
		case 'k': o->check = true; break;
		case 'L': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 65536) {
				fprintf(stderr, "kasblock: --loop wants 1..65536\n");
				return -1;
			}
			o->loop = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kasblock: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->config == NULL) {
		fprintf(stderr, "kasblock: -c FILE is required\n");
		return -1;
	}
	if (o->write != NULL && o->read == NULL) {
		fprintf(stderr, "kasblock: -w needs -r\n");
		return -1;
	}
	if (o->loop != 0 && o->read == NULL) {
		fprintf(stderr, "kasblock: --loop needs -r\n");
		return -1;
	}
	return 0;
}

static void report_err(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static struct sigset *load_signatures(const struct ctl_config *cfg)
{
	struct sig_report rep = {.fn = report_err};

	return ctl_policy_build_set(cfg, &rep);
}

/* Command-line choices that win over the file, at start and every reload. */
static struct {
	const char *events;
	bool log_names;
	bool replay;
} overrides;

static void apply_overrides(struct ctl_config *c)
{
	if (overrides.events != NULL)
		snprintf(c->events_file, sizeof(c->events_file), "%s", overrides.events);
	if (overrides.log_names)
		c->log_names = true;
	if (overrides.replay) {
		/* Replay runs one worker on one net_pcap device paired with
		 * itself, whatever the file says. */
		c->workers = 1;
		memset(c->pairs, 0, sizeof(c->pairs));
		c->n_pairs = 1;
		snprintf(c->pairs[0].a, CTL_NAME_MAX, "net_pcap0");
		snprintf(c->pairs[0].b, CTL_NAME_MAX, "net_pcap0");
	}
}

/* Packets in a capture, counted up front so replay stops exactly at its end. */
static long count_packets(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	long n = 0;
	int rc;

	pcap_t *p = pcap_open_offline(path, eb);
	if (p == NULL) {
		fprintf(stderr, "kasblock: %s\n", eb);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB)
		fprintf(stderr, "kasblock: %s: link type %s is not Ethernet: frames will read as "
				"not IP\n", path, pcap_datalink_val_to_name(pcap_datalink(p)));
	while ((rc = pcap_next_ex(p, &h, &d)) == 1)
		n++;
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "kasblock: %s: %s\n", path, pcap_geterr(p));
		n = -1;
	}
	pcap_close(p);
	return n;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fill_dp_conf(struct dp_conf *dc, const struct ctl_config *c)
{
	memset(dc, 0, sizeof(*dc));
	dc->n_workers = c->workers;
	dc->flow_capacity = c->flow_capacity;
	/* struct flow_timeouts order: new, inspecting, established, closing,
	 * blocked, udp, other. */
	dc->timeout_ms[0] = c->timeout_inspecting * 1000u;
	dc->timeout_ms[1] = c->timeout_inspecting * 1000u;
	dc->timeout_ms[2] = c->timeout_passed * 1000u;
	dc->timeout_ms[3] = c->timeout_closed * 1000u;
	dc->timeout_ms[4] = c->timeout_blocked * 1000u;
	dc->timeout_ms[5] = c->timeout_udp * 1000u;
	dc->timeout_ms[6] = c->timeout_udp * 1000u;
	dc->expiry_every = c->expiry_every;
	dc->expiry_batch = c->expiry_batch;
	dc->stream_cap = c->stream_cap;
	dc->pool_slots = c->pool_slots;
	dc->frag_flows = c->frag_flows;
	dc->frag_timeout_ms = c->frag_timeout_ms;
	dc->event_ring = c->event_ring;
	dc->mtu = c->mtu;
	dc->log_names = c->log_names;
	dc->quic_mode = c->quic_mode;
	dc->n_quic_ports = (uint8_t)c->n_quic_ports;
	memcpy(dc->quic_ports, c->quic_ports, sizeof(dc->quic_ports));
	dc->quic_max_datagrams = c->quic_max_datagrams;
	dc->n_dns_ports = (uint8_t)c->n_dns_ports;
	memcpy(dc->dns_ports, c->dns_ports, sizeof(dc->dns_ports));
	dc->dns_rcode = c->dns_rcode;
}

static void sum_u64(const uint64_t *a, size_t n, uint64_t *out)
{
	*out = 0;
	for (size_t i = 0; i < n; i++)
		*out += a[i];
}

static void print_summary(FILE *f, const struct dp_conf *dc, const struct ctl_evlog *ev,
			  long replay_in)
{
	struct dp_stats s;
	struct flow_counters fc;
	uint64_t rx = 0, tx = 0, txf = 0, bad, blk, mon;

	dp_stats_sum(&s);
	dp_flow_counters_sum(&fc);
	for (uint16_t p = 0; p < dc->n_ports; p++) {
		rx += s.rx[p];
		tx += s.tx[p];
		txf += s.tx_full[p];
	}
	sum_u64(s.bad, L3L4_R_COUNT, &bad);
	fprintf(f, "kasblock summary\n");
	if (replay_in >= 0)
		fprintf(f, "  capture packets     %ld\n", replay_in);
	fprintf(f, "  packets in          %" PRIu64 "\n", rx);
	/* Injected: resets and DNS refusals (both counted when queued; a
	 * refused one is in tx_full). */
	uint64_t inj = s.resets_sent + s.dns_refusals;
	fprintf(f, "  packets out         %" PRIu64 " (forwarded %" PRIu64 ", resets %" PRIu64
		   ")\n", tx, tx >= inj ? tx - inj : 0, s.resets_sent);
	fprintf(f, "  packets dropped     %" PRIu64 " (blocked flows %" PRIu64 ", tx full %" PRIu64
		   ")\n", rx + inj - tx, s.dropped_blocked, txf);
	fprintf(f, "  non-ip %" PRIu64 ", udp %" PRIu64 ", other l4 %" PRIu64 ", malformed %" PRIu64
		   ", fragments %" PRIu64 " (reassembled %" PRIu64 ")\n",
		s.non_ip, s.udp, s.other_l4, bad, s.fragments, s.frag_reassembled);
	fprintf(f, "  flows               created %" PRIu64 ", active %" PRIu64 ", evicted %" PRIu64
		   ", expired %" PRIu64 "\n", fc.inserts, fc.entries, fc.evictions, fc.timeouts);
	fprintf(f, "  inspections         started %" PRIu64 ", finished %" PRIu64 " (pass %" PRIu64
		   ", match %" PRIu64 ", give-up %" PRIu64 ", scan error %" PRIu64 ")\n",
		s.inspections_started, s.inspections_finished, s.insp_pass, s.insp_match,
		s.insp_give_up, s.insp_scan_error);
	uint64_t qa, da, ha;
	sum_u64(s.quic_anomaly, QUIC_R_COUNT, &qa);
	sum_u64(s.dns_anomaly, DNS_R_COUNT, &da);
	sum_u64(s.h2c_anomaly, H2C_R_COUNT, &ha);
	fprintf(f, "  quic                inspected %" PRIu64 ", hellos %" PRIu64 ", not quic %" PRIu64
		   ", give-up %" PRIu64 ", anomalies %" PRIu64 ", blocked datagrams %" PRIu64 "\n",
		s.quic_inspected, s.quic_done, s.quic_not_quic, s.quic_give_up, qa, s.quic_blocked);
	fprintf(f, "  dns                 queries %" PRIu64 ", matched %" PRIu64 ", refusals %" PRIu64
		   ", anomalies %" PRIu64 "; h2c requests %" PRIu64 ", anomalies %" PRIu64 "\n",
		s.dns_queries, s.dns_matched, s.dns_refusals, da, s.h2c_done, ha);
	fprintf(f, "  names              ");
	for (unsigned i = 0; i < SIG_FIELD_COUNT; i++)
		fprintf(f, " %s %" PRIu64 ",", sig_field_name((enum sig_field)i), s.names[i]);
	fprintf(f, " not a host name %" PRIu64 "\n", s.names_not_host);
	sum_u64(s.blocked, SIG_CAT_COUNT, &blk);
	sum_u64(s.monitored, SIG_CAT_COUNT, &mon);
	fprintf(f, "  blocked flows       %" PRIu64, blk);
	for (unsigned i = 0; i < SIG_CAT_COUNT; i++)
		if (s.blocked[i] != 0)
			fprintf(f, " %s=%" PRIu64, sig_category_name((enum sig_category)i),
				s.blocked[i]);
	fprintf(f, "\n  monitored flows     %" PRIu64, mon);
	for (unsigned i = 0; i < SIG_CAT_COUNT; i++)
		if (s.monitored[i] != 0)
			fprintf(f, " %s=%" PRIu64, sig_category_name((enum sig_category)i),
				s.monitored[i]);
	uint64_t pol;
	sum_u64(s.blocked_policy, DP_R_COUNT, &pol);
	fprintf(f, "\n  blocked by policy   %" PRIu64 " (conflict %" PRIu64 ", pool %" PRIu64
		   ", limit %" PRIu64 ", scan error %" PRIu64 ")\n", pol,
		s.blocked_policy[DP_R_CONFLICT], s.blocked_policy[DP_R_POOL],
		s.blocked_policy[DP_R_LIMIT], s.blocked_policy[DP_R_SCAN_ERROR]);
	fprintf(f, "  resets sent         %" PRIu64 "\n", s.resets_sent);
	uint64_t exm;
	sum_u64(s.exempted, SIG_CAT_COUNT, &exm);
	fprintf(f, "  exempted flows      %" PRIu64 " (policy verdicts %" PRIu64 "), no-flow drops %"
		   PRIu64 "\n", exm, s.exempted_policy, s.no_flow_dropped);
	fprintf(f, "  pool exhausted %" PRIu64 ", reasm conflicts %" PRIu64 ", events %" PRIu64
		   " (written %" PRIu64 ", dropped %" PRIu64 ", suppressed %" PRIu64 ")\n",
		s.pool_exhausted, s.reasm_conflicts, s.events, ev->written, s.events_dropped,
		ev->suppressed);
	struct ctl_reload_status rs;
	struct ctl_inventory_totals it;
	ctl_reload_status(&rs);
	ctl_inventory_totals(&it);
	fprintf(f, "  reloads             %" PRIu64 " ok, %" PRIu64 " failed, generation %" PRIu64
		   ", policy updates %" PRIu64 "\n", rs.successes, rs.failures, rs.generation,
		rs.policy_updates);
	fprintf(f, "  inventory           %" PRIu64 " clients (%" PRIu64 " evicted)\n", it.clients,
		it.evicted);
}

/* Every worker's events: into the inventory (all of them), then the log
 * (which may suppress some over its rate limit). At most `budget` events
 * per worker per call, so signals and reloads are never starved. */
static unsigned drain_events(struct ctl_evlog *ev, unsigned n_workers, unsigned budget)
{
	static struct dp_event buf[64];
	unsigned total = 0;

	for (unsigned w = 0; w < n_workers; w++) {
		unsigned n, got = 0;
		while (got < budget && (n = dp_events_drain(w, buf, 64)) > 0) {
			for (unsigned i = 0; i < n; i++) {
				ctl_inventory_record(&buf[i], ctl_evlog_event_ns(ev, &buf[i]));
				ctl_evlog_write(ev, &buf[i]);
			}
			got += n;
		}
		total += got;
	}
	if (total > 0)
		ctl_evlog_flush(ev);
	return total;
}

/* Keys a reload applies outside the dataplane: the event log and the log
 * level. */
static void apply_live(struct ctl_evlog *ev, const struct ctl_config *c)
{
	char err[CTL_ERR_MAX];

	rte_log_set_level_pattern("user.kasblock.*", c->log_level);
	if (strcmp(c->events_file, ev->path) != 0) {
		if (ctl_evlog_switch(ev, c->events_file, err, sizeof(err)) != 0)
			CTL_LOG(ERR, "events: %s (the log stays at \"%s\")", err, ev->path);
		else
			CTL_LOG(NOTICE, "events: now written to \"%s\"", ev->path);
	}
	ctl_evlog_configure(ev, c->event_rate, c->syslog, c->syslog_facility, c->syslog_ident);
}

/* Replay is done when every captured packet was received and handled (or
 * refused by the device, which it counts). */
static bool replay_done(long want)
{
	struct dp_stats s;
	struct rte_eth_stats es;
	uint64_t seen;

	dp_stats_sum(&s);
	seen = s.processed;
	if (rte_eth_stats_get(0, &es) == 0)
		seen += es.ierrors + es.rx_nombuf + es.imissed;
	return (long)seen >= want;
}

/* The --loop stream: a FIFO in $TMPDIR that a control-side thread fills. */
static struct ctl_loop *loop_start(const struct opts *o, char *path, size_t cap)
{
	char err[CTL_ERR_MAX];
	const char *tmp = getenv("TMPDIR");

	snprintf(path, cap, "%s/kb-loop-%ld.pcap", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp",
		 (long)getpid());
	struct ctl_loop *l = ctl_loop_start(o->read, path, o->loop, err, sizeof(err));
	if (l == NULL)
		fprintf(stderr, "kasblock: --loop: %s\n", err);
	return l;
}

int main(int argc, char **argv)
{
	static struct ctl_config cfg;
	static struct dp_conf dc;
	static struct ctl_evlog ev;
	struct opts o = {0};
	char err[CTL_ERR_MAX];
	char *eal_argv[CTL_EAL_MAX_ARGS + 16];
	int eal_argc = 0, dd = -1, rc;
	char prefix[64], vdev[3 * CTL_PATH_MAX], mem[16], runtime_dir[CTL_PATH_MAX] = "";
	char loop_path[CTL_PATH_MAX] = "";
	struct ctl_loop *loop = NULL;
	long replay_in = -1;

	/* kasblock [EAL args --] options */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	int oargc = dd < 0 ? argc : argc - dd;
	char **oargv = dd < 0 ? argv : argv + dd;
	if (dd >= 0)
		oargv[0] = argv[0];
	if (parse_opts(oargc, oargv, &o) != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* From the start, so a SIGHUP sent while the set compiles or EAL
	 * starts is kept for the main loop instead of killing the process. */
	set_signals();

	ctl_config_defaults(&cfg);
	if ((rc = ctl_config_load(&cfg, o.config, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	overrides.events = o.events;
	overrides.log_names = o.log_names;
	overrides.replay = o.read != NULL;
	apply_overrides(&cfg);
	struct sigset *set = load_signatures(&cfg);
	if (set == NULL && (o.check || cfg.no_signatures == CTL_NOSIG_EXIT)) {
		fprintf(stderr, "%s: signatures rejected\n", o.config);
		return EXIT_CONFIG;
	}
	if (o.check) {
		struct ctl_policy_info pi;
		unsigned enforced = 0;
		ctl_policy_info_fill(&cfg, (int64_t)time(NULL), &pi);
		for (unsigned i = 0; i < SIG_CAT_COUNT; i++)
			enforced += pi.cat[i].enforced;
		printf("%s: ok (%u signatures, mode %s, %u of %u categories blocking now, "
		       "%u exempt prefixes, %u allowed names)\n", o.config, set->counts.total,
		       ctl_mode_name((enum ctl_mode)cfg.mode), enforced, SIG_CAT_COUNT, cfg.n_exempt,
		       cfg.n_allow);
		sig_set_free(set);
		return EXIT_OK;
	}
	if (set == NULL)
		fprintf(stderr, "%s: signatures rejected; starting without a set "
				"(policy.no_signatures = \"%s\")\n", o.config,
			ctl_nosig_name((enum ctl_nosig)cfg.no_signatures));

	/* EAL arguments: replay builds its own; otherwise the command line's,
	 * else the configuration's. */
	eal_argv[eal_argc++] = argv[0];
	if (o.read != NULL) {
		const char *rx = o.read;
		if (access(o.read, R_OK) != 0 || strchr(o.read, ',') != NULL ||
		    (o.write != NULL && strchr(o.write, ',') != NULL)) {
			fprintf(stderr, "kasblock: capture paths must be readable and contain no ','\n");
			sig_set_free(set);
			return EXIT_USAGE;
		}
		replay_in = count_packets(o.read);
		if (replay_in < 0) {
			sig_set_free(set);
			return EXIT_RUNTIME;
		}
		if (o.loop > 1) {
			replay_in *= o.loop;
			loop = loop_start(&o, loop_path, sizeof(loop_path));
			if (loop == NULL || strchr(loop_path, ',') != NULL) {
				ctl_loop_stop(loop);
				sig_set_free(set);
				return EXIT_RUNTIME;
			}
			rx = loop_path;
		}
		snprintf(prefix, sizeof(prefix), "--file-prefix=kb-replay-%ld", (long)getpid());
		/* Enough memory for the configured pools, at least 512 MB. */
		size_t need = (size_t)cfg.pool_slots * dp_insp_slot_bytes(cfg.stream_cap) +
			      (size_t)flow_table_capacity(cfg.flow_capacity) * 80u +
			      (size_t)cfg.mbufs * (dp_mbuf_buf_size(cfg.mtu) + 384u) +
			      (size_t)cfg.frag_flows * 8u * 2560u +
			      (size_t)cfg.event_ring * sizeof(struct dp_event);
		size_t mb = need / (1u << 20) + 256;
		snprintf(mem, sizeof(mem), "%zu", mb < 512 ? 512 : mb);
		snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s", rx,
			 o.write != NULL ? o.write : "/dev/null");
		static char *fixed[] = {"--no-huge", "--no-pci", "-l", "0-1", "--log-level=lib.*:notice",
					"--log-level=pmd.*:notice", "--vdev"};
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			eal_argv[eal_argc++] = fixed[i];
		eal_argv[eal_argc++] = vdev;
		eal_argv[eal_argc++] = "-m";
		eal_argv[eal_argc++] = mem;
		eal_argv[eal_argc++] = prefix;
	} else if (dd >= 0) {
		for (int i = 1; i < dd && eal_argc < (int)CTL_EAL_MAX_ARGS; i++)
			eal_argv[eal_argc++] = argv[i];
	} else {
		for (uint32_t i = 0; i < cfg.n_eal_args; i++)
			eal_argv[eal_argc++] = cfg.eal_args[i];
	}
	eal_argv[eal_argc] = NULL;
	if (cfg.n_pairs == 0) {
		fprintf(stderr, "%s: ports.pairs is empty: nothing to filter\n", o.config);
		sig_set_free(set);
		ctl_loop_stop(loop);
		return EXIT_CONFIG;
	}

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "kasblock: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		sig_set_free(set);
		ctl_loop_stop(loop);
		return EXIT_RUNTIME;
	}
	ctl_loop_pin(loop);
	/* Logs on stderr: stdout keeps the summary and `--events -`. */
	rte_openlog_stream(stderr);
	rte_log_set_level_pattern("user.kasblock.*", cfg.log_level);
	if (o.read != NULL)
		snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());

	int status = EXIT_RUNTIME;
	bool reload_up = false;
	fill_dp_conf(&dc, &cfg);
	if ((rc = dp_lcores_init(&dc, err, sizeof(err))) < 0) {
		fprintf(stderr, "kasblock: %s\n", err);
		goto out_lcores;
	}
	struct dp_pair_names pn[CTL_MAX_PAIRS];
	for (uint32_t i = 0; i < cfg.n_pairs; i++) {
		pn[i].a = cfg.pairs[i].a;
		pn[i].b = cfg.pairs[i].b;
	}
	if ((rc = dp_ports_setup(&dc, pn, cfg.n_pairs, cfg.rx_desc, cfg.tx_desc, cfg.mbufs, err,
				 sizeof(err))) != 0) {
		fprintf(stderr, "kasblock: %s\n", err);
		goto out_ports;
	}
	if (ctl_inventory_init(cfg.inventory_capacity) != 0) {
		fprintf(stderr, "kasblock: cannot allocate the inventory\n");
		goto out_ports;
	}
	/* From here the reload module owns the set. */
	rc = ctl_reload_start(&cfg, set, dc.n_workers, apply_overrides, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "kasblock: %s\n", err);
		goto out_ports;
	}
	reload_up = true;
	uint32_t n_sigs = set != NULL ? set->counts.total : 0;
	set = NULL;
	if (ctl_evlog_open(&ev, cfg.events_file, rte_rdtsc(), rte_get_tsc_hz(), err,
			   sizeof(err)) != 0) {
		fprintf(stderr, "kasblock: events: %s\n", err);
		goto out_ports;
	}
	ctl_evlog_configure(&ev, cfg.event_rate, cfg.syslog, cfg.syslog_facility,
			    cfg.syslog_ident);
	/* Counters: snapshot, /kasblock/ telemetry, GET /metrics (docs/metrics.md). */
	if (ctl_stats_start(&cfg, &dc, o.read == NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "kasblock: %s\n", err);
		goto out_ports;
	}
	fprintf(stderr, "kasblock: %u worker(s), %u signatures, mode %s, per flow %zu bytes "
			"(+%zu while inspected)\n", dc.n_workers, n_sigs,
		ctl_mode_name((enum ctl_mode)cfg.mode), dp_flow_entry_bytes(),
		dp_insp_slot_bytes(cfg.stream_cap));

	rte_eal_mp_remote_launch(dp_worker_main, NULL, SKIP_MAIN);
	while (!quit_flag) {
		if (hup_flag) {
			/* SIGHUP: reopen the event log (logrotate moved it), then
			 * reload configuration and signatures. */
			hup_flag = 0;
			if (ctl_evlog_reopen(&ev, err, sizeof(err)) != 0)
				CTL_LOG(ERR, "events: reopen failed, still writing the old file: %s",
					err);
			if (ctl_reload_run(CTL_RELOAD_SIGHUP, err, sizeof(err)) == 0) {
				ctl_reload_config(&cfg);
				apply_live(&ev, &cfg);
			}
		}
		if (ctl_reload_tick() & CTL_TICK_RELOADED) {
			ctl_reload_config(&cfg);
			apply_live(&ev, &cfg);
		}
		unsigned n = drain_events(&ev, dc.n_workers, 4096);
		ctl_stats_tick();
		if (replay_in >= 0 && replay_done(replay_in))
			break;
		if (n == 0)
			usleep(1000);
	}
	/* Stop: no more reload requests, workers leave their loop, every event
	 * still in a ring is written, counters summed, ports closed. */
	ctl_reload_stop();
	dp_request_stop();
	rte_eal_mp_wait_lcore();
	drain_events(&ev, dc.n_workers, UINT32_MAX);
	status = EXIT_OK;
	print_summary(ev.f == stdout ? stderr : stdout, &dc, &ev, replay_in);

out_ports:
	ctl_stats_stop();
	dp_ports_close(&dc);
	ctl_evlog_close(&ev);
	if (reload_up)
		ctl_reload_free();
	ctl_inventory_free();
out_lcores:
	dp_lcores_free();
	sig_set_free(set);
	rte_eal_cleanup();
	if (runtime_dir[0] != '\0')
		nftw(runtime_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	/* After the ports: net_pcap has closed the FIFO, so a writer still
	 * writing (stopped early) gets EPIPE and ends. */
	ctl_loop_stop(loop);
	return status;
}
