/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metric families and their Prometheus text exposition (format 0.0.4):
 *
 *   # HELP kasblock_<name> <help, "\" and newline escaped>
 *   # TYPE kasblock_<name> counter|gauge
 *   kasblock_<name>{label="value",...} <value>
 *
 * One table describes every family: where its values sit in the snapshot
 * and which labels they carry. telemetry.c walks the same table, which is
 * what keeps the names of both exports identical. Labels only take values
 * from fixed enums, port and worker numbers, and the capped signature list.
 */
#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "h2c.h"
#include "http_head.h"
#include "l3l4.h"
#include "quic_initial.h"
#include "sig.h"
#include "tls_hello.h"

#ifndef KB_VERSION
#define KB_VERSION "unknown"
#endif

#define SN(f) ((uint32_t)offsetof(struct ctl_snapshot, f))
#define U64 ((uint32_t)sizeof(uint64_t))
#define PORT(f) SN(port[0].f), (uint32_t)sizeof(struct ctl_port_snap)
#define WORKER(f) SN(worker[0].f), (uint32_t)sizeof(struct ctl_worker_snap)

#define C_ CTL_MT_COUNTER
#define G_ CTL_MT_GAUGE

/* name, help, type, unit, labels, group, off, stride */
#define FAM(n, t, l, g, o, h) {n, h, t, CTL_MU_ONE, l, g, o, U64}
#define FAM_NS(n, l, g, o, h) {n, h, G_, CTL_MU_NS, l, g, o, U64}
#define FAM_PORT(n, t, f, h) {n, h, t, CTL_MU_ONE, CTL_ML_PORT, CTL_MG_PORTS, PORT(f)}
#define FAM_WORKER(n, t, f, h) {n, h, t, CTL_MU_ONE, CTL_ML_WORKER, CTL_MG_WORKERS, WORKER(f)}

/* The values some label kinds walk must be adjacent in their struct. */
_Static_assert(offsetof(struct dp_stats, insp_match) ==
	       offsetof(struct dp_stats, insp_pass) + 8 &&
	       offsetof(struct dp_stats, insp_give_up) ==
	       offsetof(struct dp_stats, insp_pass) + 16 &&
	       offsetof(struct dp_stats, insp_scan_error) ==
	       offsetof(struct dp_stats, insp_pass) + 24 &&
	       offsetof(struct dp_stats, insp_abandoned) ==
	       offsetof(struct dp_stats, insp_pass) + 32,
	       "inspection results must be adjacent");
_Static_assert(offsetof(struct ctl_snapshot, sig_allow) ==
	       offsetof(struct ctl_snapshot, sig_block) + 8, "block, allow adjacent");

static const char *const result_names[] = {"pass", "match", "give_up", "scan_error",
					   "abandoned"};
static const char *const sig_action_names[] = {"block", "allow"};
static const char *const trigger_names[CTL_RELOAD_TRIGGER_COUNT] = {
	[CTL_RELOAD_SIGHUP] = "sighup",
	[CTL_RELOAD_REQUEST] = "request",
	[CTL_RELOAD_WATCH] = "watch",
};
const struct ctl_metric ctl_metric_table[] = {
	/* process */
	{"build_info", "kasblock version (value 1).", G_, CTL_MU_ONE, CTL_ML_BUILD_INFO,
	 CTL_MG_INFO, 0, 0},
	FAM_NS("start_time_seconds", CTL_ML_NONE, CTL_MG_STATS, SN(start_ns),
	       "When kasblock started, seconds since the epoch."),
	FAM("workers", G_, CTL_ML_NONE, CTL_MG_STATS, SN(workers), "Worker lcores."),

	/* ports */
	{"port_info", "Port name and the port its frames leave on (value 1).", G_, CTL_MU_ONE,
	 CTL_ML_PORT_INFO, CTL_MG_INFO, 0, 0},
	FAM_PORT("port_rx_packets_total", C_, ipackets, "Frames the device received."),
	FAM_PORT("port_tx_packets_total", C_, opackets, "Frames the device sent."),
	FAM_PORT("port_rx_bytes_total", C_, ibytes, "Bytes the device received."),
	FAM_PORT("port_tx_bytes_total", C_, obytes, "Bytes the device sent."),
	FAM_PORT("port_rx_missed_total", C_, imissed,
		 "Frames the device dropped because its RX queue was full."),
	FAM_PORT("port_rx_errors_total", C_, ierrors, "Erroneous frames the device received."),
	FAM_PORT("port_tx_errors_total", C_, oerrors, "Frames the device failed to send."),
	FAM_PORT("port_rx_nombuf_total", C_, rx_nombuf,
		 "Frames the device could not receive for lack of an mbuf."),
	FAM_PORT("port_packets_polled_total", C_, polled,
		 "Packets the workers took from the port."),
	FAM_PORT("port_packets_sent_total", C_, sent,
		 "Packets the port's TX queues accepted from the workers (resets included)."),
	FAM_PORT("port_packets_refused_total", C_, tx_refused,
		 "Packets the port's TX queues refused; they were freed."),

	/* workers */
	{"worker_info", "Worker index and its lcore (value 1).", G_, CTL_MU_ONE,
	 CTL_ML_WORKER_INFO, CTL_MG_INFO, 0, 0},
	FAM_WORKER("worker_packets_total", C_, processed, "Packets the worker handled."),
	FAM_WORKER("worker_loops_total", C_, loops, "Passes of the worker's loop."),
	FAM_WORKER("worker_flows", G_, flows, "Flow entries in use in the worker's table."),
	FAM_WORKER("worker_flow_inserts_total", C_, flow_inserts,
		   "Flow entries the worker created."),
	FAM_WORKER("worker_inspections_total", C_, inspections,
		   "Flows the worker started to inspect."),
	FAM_WORKER("worker_flows_blocked_total", C_, blocked,
		   "Flows the worker blocked (signature or fail policy)."),
	FAM_WORKER("worker_flows_monitored_total", C_, monitored,
		   "Flows the worker monitored on a signature."),
	FAM_WORKER("worker_events_total", C_, events, "Events the worker queued."),
	FAM_WORKER("worker_events_dropped_total", C_, events_dropped,
		   "Events the worker lost because its ring was full."),

	/* packets */
	FAM("packets_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.processed),
	    "Packets the workers handled."),
	FAM("packets_tcp_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.tcp),
	    "TCP packets looked up in a flow table."),
	FAM("packets_udp_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.udp),
	    "UDP packets (DNS and QUIC ports inspected, the rest forwarded)."),
	FAM("packets_non_ip_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.non_ip),
	    "Frames that are not IPv4 or IPv6 (forwarded)."),
	FAM("packets_no_l4_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.no_l4),
	    "IP packets without a transport header to read (forwarded)."),
	FAM("packets_other_l4_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.other_l4),
	    "IP packets of other transports (forwarded)."),
	FAM("packets_blocked_dropped_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.dropped_blocked), "Packets of blocked flows dropped, both directions."),
	FAM("packets_no_flow_dropped_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.no_flow_dropped),
	    "Packets dropped: no flow entry and the fail policy is closed."),
	{"parse_anomalies_total",
	 "Frames (l3l4, forwarded) and ClientHello / HTTP request heads (tls, http) that did "
	 "not parse, by parser and reason.", C_, CTL_MU_ONE, CTL_ML_PARSE, CTL_MG_STATS, 0, 0},
	FAM("fragments_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.fragments),
	    "IP fragments seen."),
	FAM("fragments_reassembled_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.frag_reassembled), "IP datagrams rebuilt from fragments for inspection."),
	FAM("fragments_no_mbuf_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.frag_no_mbuf),
	    "Fragments not kept for reassembly: mbuf pool empty."),
	FAM("fragments_unsupported_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.frag_unsupported), "IPv6 fragments whose fragment header was too deep."),

	/* flow tables */
	FAM("flows", G_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.entries),
	    "Flow entries in use, all workers."),
	FAM("flow_capacity", G_, CTL_ML_NONE, CTL_MG_STATS, SN(flow_capacity),
	    "Flow entries available, all workers."),
	FAM("flow_inserts_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.inserts),
	    "Flow entries created."),
	FAM("flow_removes_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.removes),
	    "Flow entries removed explicitly."),
	FAM("flow_timeouts_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.timeouts),
	    "Flow entries expired."),
	FAM("flow_evictions_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.evictions),
	    "Live flow entries evicted to make room."),
	FAM("flow_evictions_blocked_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(flow.evictions_blocked), "Evicted flow entries that were blocked flows."),
	FAM("flow_bucket_full_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.bucket_full),
	    "Inserts that found both candidate buckets full."),
	FAM("flow_lookup_misses_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.lookup_misses),
	    "Flow lookups that found no entry."),
	FAM("flow_insert_failures_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(flow.insert_failures), "Inserts that found no entry to take."),
	FAM("flow_restarts_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(flow.restarts),
	    "Flow entries reused by a new connection on the same tuple."),
	FAM("flow_no_room_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.flow_no_room),
	    "TCP packets for which no flow entry could be made."),

	/* inspection */
	FAM("inspections_started_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.inspections_started), "Flows that entered inspection."),
	FAM("inspections_finished_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.inspections_finished), "Flows that left inspection with a verdict."),
	FAM("inspection_results_total", C_, CTL_ML_RESULT, CTL_MG_STATS, SN(dp.insp_pass),
	    "How inspections ended: nothing barred, a signature matched, a parser limit, "
	    "a matcher error, or the flow ended first."),
	FAM("inspection_followups_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.insp_followups),
	    "Clean request heads inspection read past (body, next request, CONNECT tunnel)."),
	FAM("inspection_reclaimed_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.insp_reclaimed),
	    "Flows past their first request passed to give their slot to a new flow."),
	FAM("inspection_slots", G_, CTL_ML_NONE, CTL_MG_STATS, SN(insp_slots),
	    "Inspection slots, all workers."),
	FAM("inspection_pool_exhausted_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.pool_exhausted), "New flows that found no free inspection slot."),
	FAM("reassembly_conflicts_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.reasm_conflicts),
	    "Client segments overlapping earlier bytes with different content."),
	FAM("reassembly_overflows_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.reasm_overflow),
	    "Client segments cut at inspection.stream_cap."),
	FAM("reassembly_holes_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.reasm_holes),
	    "Client segments refused because the stream had too many holes."),
	FAM("names_total", C_, CTL_ML_FIELD, CTL_MG_STATS, SN(dp.names[0]),
	    "Host names extracted, by field."),
	FAM("names_not_host_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.names_not_host),
	    "Names extracted that are IP literals or not host names."),

	/* QUIC, DNS, HTTP/2 cleartext */
	FAM("quic_inspections_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.quic_inspected),
	    "QUIC flows whose client Initials were read (quic.mode = inspect)."),
	FAM("quic_hellos_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.quic_done),
	    "ClientHellos decrypted from QUIC Initials and parsed."),
	FAM("quic_not_quic_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.quic_not_quic),
	    "Client datagrams on a QUIC port that were not a client Initial where one was due "
	    "(a short header starting a flow, or NOT_QUIC from the parser)."),
	FAM("quic_unknown_version_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.quic_unknown_version),
	    "QUIC flows given up having seen only versions that are not decrypted."),
	FAM("quic_give_ups_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.quic_give_up),
	    "QUIC flows without a whole ClientHello within quic.max_datagrams (fail policy)."),
	FAM("quic_blocked_datagrams_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.quic_blocked),
	    "Client long-header datagrams dropped by quic.mode = block."),
	FAM("quic_anomalies_total", C_, CTL_ML_QUIC_REASON, CTL_MG_STATS, SN(dp.quic_anomaly[0]),
	    "QUIC Initial parses that ended NOT_QUIC or MALFORMED, by reason."),
	FAM("dns_queries_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.dns_queries),
	    "DNS queries read on a DNS port (UDP datagrams, first query of TCP streams)."),
	FAM("dns_queries_matched_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.dns_matched),
	    "DNS queries (UDP) whose name a block rule matched, whatever the action."),
	FAM("dns_refusals_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.dns_refusals),
	    "DNS refusals (dns.refuse_rcode) queued toward clients."),
	FAM("dns_refusals_failed_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.dns_refusal_failed), "DNS refusals not sent for lack of an mbuf."),
	FAM("dns_anomalies_total", C_, CTL_ML_DNS_REASON, CTL_MG_STATS, SN(dp.dns_anomaly[0]),
	    "DNS messages on a DNS port that were not a query or did not parse, by reason."),
	FAM("h2c_requests_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.h2c_done),
	    "HTTP/2 cleartext requests whose header block was decoded."),
	FAM("h2c_anomalies_total", C_, CTL_ML_H2C_REASON, CTL_MG_STATS, SN(dp.h2c_anomaly[0]),
	    "HTTP/2 cleartext streams that did not parse, by reason."),

	/* verdicts */
	FAM("flows_blocked_total", C_, CTL_ML_CATEGORY, CTL_MG_STATS, SN(dp.blocked[0]),
	    "Flows blocked (reset or drop) on a signature, by category."),
	FAM("flows_monitored_total", C_, CTL_ML_CATEGORY, CTL_MG_STATS, SN(dp.monitored[0]),
	    "Flows monitored (forwarded and logged) on a signature, by category."),
	FAM("flows_passed_total", C_, CTL_ML_CATEGORY, CTL_MG_STATS, SN(dp.passed_rule[0]),
	    "Flows a signature matched whose category action is pass."),
	FAM("flows_exempted_total", C_, CTL_ML_CATEGORY, CTL_MG_STATS, SN(dp.exempted[0]),
	    "Flows a signature matched from an exempt client."),
	FAM("flows_blocked_by_policy_total", C_, CTL_ML_POLICY, CTL_MG_STATS,
	    SN(dp.blocked_policy[0]), "Flows blocked by a fail or conflict policy, by reason."),
	FAM("flows_passed_by_policy_total", C_, CTL_ML_POLICY, CTL_MG_STATS,
	    SN(dp.passed_policy[0]), "Flows passed by a fail or conflict policy, by reason."),
	FAM("flows_exempted_by_policy_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.exempted_policy), "Fail-policy verdicts softened for an exempt client."),
	FAM("resets_sent_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.resets_sent),
	    "TCP RST frames queued (two per reset flow)."),
	FAM("resets_no_mbuf_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.reset_no_mbuf),
	    "TCP RST frames not sent for lack of an mbuf."),
	FAM("category_enforced", G_, CTL_ML_CATEGORY, CTL_MG_STATS, SN(cat_enforced[0]),
	    "1 when the category's reset or drop applies now, 0 when it is softened "
	    "(monitor mode, before its enforcement date) or not a block action."),

	/* signatures */
	FAM("signatures", G_, CTL_ML_SIG_ACTION, CTL_MG_STATS, SN(sig_block),
	    "Rules in the live signature set, by action."),
	FAM("signature_set_generation", G_, CTL_ML_NONE, CTL_MG_STATS, SN(reload.generation),
	    "Generation of the live signature set: 1 at start, +1 per successful reload."),
	{"signature_flows_blocked_total",
	 "Flows blocked on a signature: the top metrics.signature_top signatures, the rest "
	 "as signature_id=\"other\".", C_, CTL_MU_ONE, CTL_ML_SIGNATURE, CTL_MG_SIGNATURES,
	 (uint32_t)offsetof(struct ctl_sig_snap, blocked), SN(sig_other_blocked)},
	{"signature_flows_monitored_total",
	 "Flows monitored on a signature: the top metrics.signature_top signatures, the rest "
	 "as signature_id=\"other\".", C_, CTL_MU_ONE, CTL_ML_SIGNATURE, CTL_MG_SIGNATURES,
	 (uint32_t)offsetof(struct ctl_sig_snap, monitored), SN(sig_other_monitored)},
	FAM("signatures_counted", G_, CTL_ML_NONE, CTL_MG_STATS, SN(sig_counted),
	    "Distinct signatures that decided at least one flow."),
	FAM("signature_slots_full_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(dp.sig_slots_full),
	    "Decisions not counted per signature: a worker's signature table was full."),

	/* reload */
	FAM("reload_successes_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(reload.successes),
	    "Reloads that published a new signature set."),
	FAM("reload_failures_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(reload.failures),
	    "Reloads that failed and kept the running set."),
	FAM("reload_attempts_total", C_, CTL_ML_TRIGGER, CTL_MG_STATS, SN(reload.by_trigger[0]),
	    "Reload attempts, by trigger."),
	FAM("reload_policy_updates_total", C_, CTL_ML_NONE, CTL_MG_STATS,
	    SN(reload.policy_updates),
	    "Effective policy republished because an enforcement date passed."),
	FAM("reload_last_failed", G_, CTL_ML_NONE, CTL_MG_STATS, SN(reload_last_failed),
	    "1 when the last reload attempt failed."),
	FAM_NS("reload_last_duration_seconds", CTL_ML_NONE, CTL_MG_STATS,
	       SN(reload.last_duration_ns), "Duration of the last reload attempt."),
	FAM_NS("reload_last_attempt_timestamp_seconds", CTL_ML_NONE, CTL_MG_STATS,
	       SN(reload.last_attempt_ns), "When the last reload was attempted (0: never)."),
	FAM_NS("reload_last_success_timestamp_seconds", CTL_ML_NONE, CTL_MG_STATS,
	       SN(reload.last_success_ns), "When the live set was loaded."),

	/* events */
	FAM("events_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.events),
	    "Events the workers queued."),
	FAM("events_dropped_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(dp.events_dropped),
	    "Events lost because a worker's ring was full."),
	FAM("events_written_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(events_written),
	    "Event lines written to the event log."),
	FAM("events_suppressed_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(events_suppressed),
	    "Event lines not written: over events.rate_limit."),
	FAM("events_syslogged_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(events_syslogged),
	    "Event lines sent to syslog."),
	FAM("event_log_reopens_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(evlog_reopens),
	    "Times the event log file was reopened (SIGHUP, logrotate)."),
	FAM("event_log_errors_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(evlog_errors),
	    "Failed event log writes or reopens."),

	/* inventory */
	FAM("inventory_clients", G_, CTL_ML_NONE, CTL_MG_STATS, SN(inv_clients),
	    "Clients in the remediation inventory."),
	FAM("inventory_capacity", G_, CTL_ML_NONE, CTL_MG_STATS, SN(inv_capacity),
	    "Clients the inventory can hold."),
	FAM("inventory_clients_added_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(inv_inserted),
	    "Clients added to the inventory."),
	FAM("inventory_clients_evicted_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(inv_evicted),
	    "Clients evicted from the full inventory (least recently seen)."),
	FAM("inventory_events_recorded_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(inv_recorded),
	    "Block and monitor events recorded in the inventory."),
	FAM("inventory_events_ignored_total", C_, CTL_ML_NONE, CTL_MG_STATS, SN(inv_ignored),
	    "Events the inventory does not record (policy verdicts, names)."),
};

const size_t ctl_metric_count = sizeof(ctl_metric_table) / sizeof(ctl_metric_table[0]);

/* ---- walking a family ------------------------------------------------------ */

static uint64_t at(const struct ctl_snapshot *s, size_t off)
{
	uint64_t v;
	memcpy(&v, (const char *)s + off, sizeof(v));
	return v;
}

uint64_t ctl_metric_value(const struct ctl_metric *m, const struct ctl_snapshot *s, uint32_t i)
{
	return at(s, m->off + (size_t)i * m->stride);
}

/* One label kind with a fixed list of values: array index i, name of i. */
static void walk_enum(const struct ctl_metric *m, const struct ctl_snapshot *s,
		      const char *label, unsigned from, unsigned n,
		      const char *(*name)(unsigned i), ctl_sample_fn fn, void *arg)
{
	for (unsigned i = from; i < n; i++) {
		struct ctl_label l = {label, name(i)};
		fn(arg, m, &l, 1, ctl_metric_value(m, s, i));
	}
}

static const char *cat_name(unsigned i)
{
	return sig_category_name((enum sig_category)i);
}

static const char *field_name(unsigned i)
{
	return sig_field_name((enum sig_field)i);
}

static const char *reason_name(unsigned i)
{
	return ctl_reason_name((enum dp_reason)i);
}

static const char *result_name(unsigned i)
{
	return result_names[i];
}

static const char *sig_action_name_(unsigned i)
{
	return sig_action_names[i];
}

static const char *trigger_name(unsigned i)
{
	return trigger_names[i];
}

static const char *quic_reason_name(unsigned i)
{
	return quic_reason_str((enum quic_reason)i);
}

static const char *dns_reason_name(unsigned i)
{
	return dns_reason_str((enum dns_reason)i);
}

static const char *h2c_reason_name(unsigned i)
{
	return h2c_reason_str((enum h2c_reason)i);
}

static void walk_parse(const struct ctl_metric *m, const struct ctl_snapshot *s,
		       ctl_sample_fn fn, void *arg)
{
	struct ctl_label l[2] = {{"parser", "l3l4"}, {"reason", NULL}};

	/* Index 0 of each reason list is "none": never counted. */
	for (unsigned r = 1; r < L3L4_R_COUNT; r++) {
		l[1].value = l3l4_reason_str((enum l3l4_reason)r);
		fn(arg, m, l, 2, s->dp.bad[r]);
	}
	l[0].value = "tls";
	for (unsigned r = 1; r < TLS_R_COUNT; r++) {
		l[1].value = tls_reason_str((enum tls_reason)r);
		fn(arg, m, l, 2, s->dp.tls_anomaly[r]);
	}
	l[0].value = "http";
	for (unsigned r = 1; r < HTTP_R_COUNT; r++) {
		l[1].value = http_reason_str((enum http_reason)r);
		fn(arg, m, l, 2, s->dp.http_anomaly[r]);
	}
}

static void walk_signatures(const struct ctl_metric *m, const struct ctl_snapshot *s,
			    ctl_sample_fn fn, void *arg)
{
	char id[16];
	struct ctl_label l[2] = {{"signature_id", id}, {"category", NULL}};
	uint32_t n = s->sigs != NULL ? s->n_sigs : 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct ctl_sig_snap *e = &s->sigs[i];
		uint64_t v;
		memcpy(&v, (const char *)e + m->off, sizeof(v));
		snprintf(id, sizeof(id), "%" PRIu32, e->id);
		l[1].value = e->category < SIG_CAT_COUNT ?
			     sig_category_name((enum sig_category)e->category) : "";
		fn(arg, m, l, 2, v);
	}
	/* For this kind, stride is where the snapshot keeps the rest. */
	snprintf(id, sizeof(id), "other");
	l[1].value = "";
	fn(arg, m, l, 2, at(s, m->stride));
}

void ctl_metric_walk(const struct ctl_metric *m, const struct ctl_snapshot *s,
		     ctl_sample_fn fn, void *arg)
{
	char a[24], b[24];
	struct ctl_label l[CTL_MAX_LABELS];

	switch ((enum ctl_mlabels)m->labels) {
	case CTL_ML_NONE:
		fn(arg, m, NULL, 0, ctl_metric_value(m, s, 0));
		break;
	case CTL_ML_PORT:
	case CTL_ML_WORKER: {
		uint32_t n = m->labels == CTL_ML_PORT ? s->n_ports : s->n_workers;
		l[0].name = m->labels == CTL_ML_PORT ? "port" : "worker";
		l[0].value = a;
		for (uint32_t i = 0; i < n; i++) {
			snprintf(a, sizeof(a), "%" PRIu32, i);
			fn(arg, m, l, 1, ctl_metric_value(m, s, i));
		}
		break;
	}
	case CTL_ML_CATEGORY:
		walk_enum(m, s, "category", 0, SIG_CAT_COUNT, cat_name, fn, arg);
		break;
	case CTL_ML_FIELD:
		walk_enum(m, s, "field", 0, SIG_FIELD_COUNT, field_name, fn, arg);
		break;
	case CTL_ML_POLICY:
		walk_enum(m, s, "reason", DP_R_SIGNATURE + 1, DP_R_COUNT, reason_name, fn, arg);
		break;
	case CTL_ML_RESULT:
		walk_enum(m, s, "result", 0, sizeof(result_names) / sizeof(result_names[0]),
			  result_name, fn, arg);
		break;
	case CTL_ML_SIG_ACTION:
		walk_enum(m, s, "action", 0, 2, sig_action_name_, fn, arg);
		break;
	case CTL_ML_TRIGGER:
		walk_enum(m, s, "trigger", 0, CTL_RELOAD_TRIGGER_COUNT, trigger_name, fn, arg);
		break;
	case CTL_ML_PARSE:
		walk_parse(m, s, fn, arg);
		break;
	case CTL_ML_SIGNATURE:
		walk_signatures(m, s, fn, arg);
		break;
	case CTL_ML_PORT_INFO:
		l[0] = (struct ctl_label){"port", a};
		l[1] = (struct ctl_label){"name", NULL};
		l[2] = (struct ctl_label){"peer", b};
		for (uint32_t i = 0; i < s->n_ports; i++) {
			snprintf(a, sizeof(a), "%" PRIu32, i);
			snprintf(b, sizeof(b), "%u", (unsigned)s->port[i].peer);
			l[1].value = s->port[i].name;
			fn(arg, m, l, 3, 1);
		}
		break;
	case CTL_ML_WORKER_INFO:
		l[0] = (struct ctl_label){"worker", a};
		l[1] = (struct ctl_label){"lcore", b};
		for (uint32_t i = 0; i < s->n_workers; i++) {
			snprintf(a, sizeof(a), "%" PRIu32, i);
			snprintf(b, sizeof(b), "%" PRIu32, s->worker[i].lcore);
			fn(arg, m, l, 2, 1);
		}
		break;
	case CTL_ML_BUILD_INFO:
		l[0] = (struct ctl_label){"version", KB_VERSION};
		fn(arg, m, l, 1, 1);
		break;
	/* Index 0 of each reason list is "none": never counted. */
	case CTL_ML_QUIC_REASON:
		walk_enum(m, s, "reason", 1, QUIC_R_COUNT, quic_reason_name, fn, arg);
		break;
	case CTL_ML_DNS_REASON:
		walk_enum(m, s, "reason", 1, DNS_R_COUNT, dns_reason_name, fn, arg);
		break;
	case CTL_ML_H2C_REASON:
		walk_enum(m, s, "reason", 1, H2C_R_COUNT, h2c_reason_name, fn, arg);
		break;
	}
}

/* ---- text buffer ----------------------------------------------------------- */

void ctl_text_init(struct ctl_text *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max != 0 ? max : (16u << 20);
}

void ctl_text_free(struct ctl_text *t)
{
	free(t->p);
	t->p = NULL;
	t->len = t->cap = 0;
}

static bool text_room(struct ctl_text *t, size_t n)
{
	if (t->oom)
		return false;
	if (t->len + n + 1 <= t->cap)
		return true;
	size_t cap = t->cap != 0 ? t->cap : 4096;
	while (cap < t->len + n + 1)
		cap *= 2;
	if (cap > t->max) {
		if (t->len + n + 1 > t->max) {
			t->oom = true;
			return false;
		}
		cap = t->max;
	}
	char *p = realloc(t->p, cap);
	if (p == NULL) {
		t->oom = true;
		return false;
	}
	t->p = p;
	t->cap = cap;
	return true;
}

void ctl_text_put(struct ctl_text *t, const char *s, size_t n)
{
	if (!text_room(t, n))
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

void ctl_text_printf(struct ctl_text *t, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		ctl_text_put(t, small, (size_t)n);
		return;
	}
	if (!text_room(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* ---- exposition ------------------------------------------------------------ */

/* HELP text escapes "\" and newline; label values also '"'. */
static void put_escaped(struct ctl_text *t, const char *s, bool quote)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = NULL;
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (esc == NULL)
			continue;
		ctl_text_put(t, run, (size_t)(s - run));
		ctl_text_put(t, esc, 2);
		run = s + 1;
	}
	ctl_text_put(t, run, (size_t)(s - run));
}

static void put_sample(void *arg, const struct ctl_metric *m, const struct ctl_label *l,
		       unsigned n, uint64_t v)
{
	struct ctl_text *t = arg;

	ctl_text_printf(t, CTL_METRIC_PREFIX "%s", m->name);
	for (unsigned i = 0; i < n; i++) {
		ctl_text_printf(t, "%s%s=\"", i == 0 ? "{" : ",", l[i].name);
		put_escaped(t, l[i].value != NULL ? l[i].value : "", true);
		ctl_text_put(t, "\"", 1);
	}
	if (n > 0)
		ctl_text_put(t, "}", 1);
	if (m->unit == CTL_MU_NS)
		ctl_text_printf(t, " %" PRIu64 ".%09" PRIu64 "\n", v / 1000000000u,
				v % 1000000000u);
	else
		ctl_text_printf(t, " %" PRIu64 "\n", v);
}

int ctl_metrics_render(const struct ctl_snapshot *s, struct ctl_text *out)
{
	for (size_t i = 0; i < ctl_metric_count; i++) {
		const struct ctl_metric *m = &ctl_metric_table[i];
		ctl_text_printf(out, "# HELP " CTL_METRIC_PREFIX "%s ", m->name);
		put_escaped(out, m->help, false);
		ctl_text_printf(out, "\n# TYPE " CTL_METRIC_PREFIX "%s %s\n", m->name,
				m->type == CTL_MT_COUNTER ? "counter" : "gauge");
		ctl_metric_walk(m, s, put_sample, out);
	}
	return out->oom ? -ENOMEM : 0;
}
