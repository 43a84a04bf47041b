/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The quic and dns groups of the configuration (control/config.c,
 * docs/configuration.md): defaults, every key set, and each error with its
 * file:line and message. The files are written to a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char dir[] = "/tmp/kb-cfg-l7-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Loads "signatures = ...;" plus body; returns ctl_config_load's result. */
static int load(const char *body, struct ctl_config *c, char *err, size_t errlen)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "signatures = { files = [ \"pack\" ]; };\n%s", body);
	fclose(f);
	ctl_config_defaults(c);
	err[0] = '\0';
	return ctl_config_load(c, path, err, errlen);
}

static void test_defaults(void **state)
{
	struct ctl_config c;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(load("", &c, err, sizeof(err)), 0);
	assert_int_equal(c.quic_mode, DP_QUIC_INSPECT);
	assert_int_equal(c.n_quic_ports, 1);
	assert_int_equal(c.quic_ports[0], 443);
	assert_int_equal(c.quic_max_datagrams, 8);
	assert_int_equal(c.n_dns_ports, 1);
	assert_int_equal(c.dns_ports[0], 53);
	assert_int_equal(c.dns_rcode, DNS_RCODE_NXDOMAIN);
	assert_string_equal(ctl_quic_mode_name((enum dp_quic_mode)c.quic_mode), "inspect");
	assert_string_equal(ctl_dns_rcode_name(c.dns_rcode), "nxdomain");
}

static void test_every_key(void **state)
{
	struct ctl_config c;
	char err[CTL_ERR_MAX];

	(void)state;
	assert_int_equal(load("quic = { mode = \"block\"; ports = [ 443, 8443, 4433 ];\n"
			      "  max_datagrams = 3; };\n"
			      "dns = { ports = [ 53, 5353 ]; refuse_rcode = \"refused\"; };\n",
			      &c, err, sizeof(err)), 0);
	assert_int_equal(c.quic_mode, DP_QUIC_BLOCK);
	assert_int_equal(c.n_quic_ports, 3);
	assert_int_equal(c.quic_ports[1], 8443);
	assert_int_equal(c.quic_ports[2], 4433);
	assert_int_equal(c.quic_max_datagrams, 3);
	assert_int_equal(c.n_dns_ports, 2);
	assert_int_equal(c.dns_ports[1], 5353);
	assert_int_equal(c.dns_rcode, DNS_RCODE_REFUSED);
	assert_string_equal(ctl_dns_rcode_name(c.dns_rcode), "refused");

	/* Empty lists turn a protocol off; pass mode. */
	assert_int_equal(load("quic = { mode = \"pass\"; ports = [ ]; };\n"
			      "dns = { ports = [ ]; };\n", &c, err, sizeof(err)), 0);
	assert_int_equal(c.quic_mode, DP_QUIC_PASS);
	assert_int_equal(c.n_quic_ports, 0);
	assert_int_equal(c.n_dns_ports, 0);
	assert_string_equal(ctl_quic_mode_name(DP_QUIC_PASS), "pass");
}

static void test_errors(void **state)
{
	static const struct {
		const char *body;
		const char *want; /* after "t.conf:" */
	} cases[] = {
		{"quic = { mode = \"drop\"; };\n",
		 "2: quic.mode: unknown value \"drop\" (inspect, block, pass)"},
		{"\nquic = { ports = [ 443, 70000 ]; };\n",
		 "3: quic.ports: port 70000 is out of range (1..65535)"},
		{"quic = { ports = [ 0 ]; };\n", "2: quic.ports: port 0 is out of range (1..65535)"},
		{"dns = { ports = [ \"53\" ]; };\n", "2: dns.ports: a port is an integer, not a string"},
		{"dns = { ports = 53; };\n", "2: dns.ports must be an array, not an integer"},
		{"dns = { ports = [ 1, 2, 3, 4, 5, 6, 7, 8, 9 ]; };\n",
		 "2: dns.ports: at most 8 ports"},
		{"quic = { max_datagrams = 0; };\n",
		 "2: quic.max_datagrams = 0 is out of range (1..64)"},
		{"dns = { refuse_rcode = \"servfail\"; };\n",
		 "2: dns.refuse_rcode: unknown value \"servfail\" (nxdomain, refused)"},
		{"dns = { refuse_rcode = 3; };\n",
		 "2: dns.refuse_rcode must be a string, not an integer"},
		{"dns = { port = [ 53 ]; };\n", "2: unknown key dns.port"},
		{"quic = { ports = [ 443, 853 ]; };\ndns = {\n ports = [ 53, 853 ];\n};\n",
		 "4: port 853 is in both quic.ports and dns.ports"},
		{"quic = { ports = [ 53 ]; };\n", "port 53 is in both quic.ports and dns.ports"},
	};
	struct ctl_config c;
	char err[CTL_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_not_equal(load(cases[i].body, &c, err, sizeof(err)), 0);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: error \"%s\", want \"%s\"", i, err, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
