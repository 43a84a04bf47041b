/* The shipped pack (signatures/pack): every endpoint of the research notes
 * matches with the right category, in mixed case and with a trailing dot;
 * lookalikes, unvetted names and third-party infrastructure do not. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "sig.h"

static char pack_dir[1024];

static int setup(void **state)
{
	const char *d = getenv("KB_TEST_DATA");

	(void)state;
	snprintf(pack_dir, sizeof(pack_dir), "%s/../../signatures/pack",
		 d != NULL ? d : "tests/data");
	return 0;
}

static struct sigset *load_pack(const struct sig_compile_opts *o)
{
	const char *paths[] = {pack_dir};
	struct sig_report rep = {.fn = NULL};
	struct sigset *set = sig_set_build(paths, 1, o, &rep);

	if (set == NULL)
		fail_msg("pack: %u errors, first: %s", rep.errors, rep.first);
	return set;
}

/* Returns the verdict for RAW after normalisation. */
static struct sig_verdict decide(const struct sigset *set, struct sig_scratch *scr,
				 const char *raw)
{
	char norm[HOST_NAME_BUF_SIZE];
	size_t n;
	struct sig_verdict v;

	if (host_normalize((const uint8_t *)raw, strlen(raw), norm, sizeof(norm), &n) != HOST_OK)
		fail_msg("%s does not normalise", raw);
	assert_true(sig_match(set, scr, norm, n, SIG_FIELD_SNI, &v) >= 0);
	return v;
}

struct pos {
	const char *host;
	enum sig_category cat;
};

/* Every endpoint named in the research notes (sections A.2-A.10, the OEM
 * addendum), with the category the longest matching row gives it. */
static const struct pos positives[] = {
	/* A.2 update */
	{"geo.kaspersky.com", SIG_CAT_UPDATE},
	{"edge.geo.kaspersky.com", SIG_CAT_UPDATE},
	{"upd.kaspersky.com", SIG_CAT_UPDATE},
	{"downloads.upd.kaspersky.com", SIG_CAT_UPDATE},
	{"cm.k.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"dnl-test.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"dnl-cn3.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads1.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads2.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads3.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads4.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads5.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"updates1.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"updates2.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"updates3.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"downloads-us1.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"updates-us1.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"ftp.downloads1.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"ftp.downloads2.kaspersky-labs.com", SIG_CAT_UPDATE},
	{"ftp.downloads3.kaspersky-labs.com", SIG_CAT_UPDATE},
	/* A.3 download */
	{"products.s.kaspersky-labs.com", SIG_CAT_DOWNLOAD},
	{"aes.s.kaspersky-labs.com", SIG_CAT_DOWNLOAD},
	{"aes.kaspersky-labs.com", SIG_CAT_DOWNLOAD},
	{"products.kaspersky-labs.com", SIG_CAT_DOWNLOAD},
	{"rescuedisk.kaspersky-labs.com", SIG_CAT_DOWNLOAD},
	{"devbuilds.kaspersky-labs.com", SIG_CAT_DOWNLOAD},
	{"download.kaspersky.com", SIG_CAT_DOWNLOAD},
	{"ds.kaspersky.com", SIG_CAT_DOWNLOAD},
	/* A.4 licensing */
	{"activation-v2.kaspersky.com", SIG_CAT_LICENSING},
	{"activate.activation-v2.kaspersky.com", SIG_CAT_LICENSING},
	{"refresh-bkg.activation-v2.kaspersky.com", SIG_CAT_LICENSING},
	{"activation-v2.geo.kaspersky.com", SIG_CAT_LICENSING},
	{"activation.kaspersky.com", SIG_CAT_LICENSING},
	{"keyfile.kaspersky.com", SIG_CAT_LICENSING},
	{"crl.kaspersky.com", SIG_CAT_LICENSING},
	{"uis.kaspersky.com", SIG_CAT_LICENSING},
	{"hq.uis.kaspersky.com", SIG_CAT_LICENSING},
	{"eu.uis.kaspersky.com", SIG_CAT_LICENSING},
	{"auth.uis.kaspersky.com", SIG_CAT_LICENSING},
	/* A.5 telemetry */
	{"ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"dc1.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"dc1-file.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"dc1-cert.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"dc1-pp.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"dc1-st.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"mdr.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ppt-issuer.ksn.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-file.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-url.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-verdict.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-info.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-cinfo.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-kas.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-mdr.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-tcert.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-dc1.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-dc1-cert.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-dc1-file.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-wifiplus.geoksn.kaspersky.com", SIG_CAT_TELEMETRY},
	{"ksn-file-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-url-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-verdict-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-info-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-cinfo-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-tcert-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-info-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-kas-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-tcert-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-url-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-verdict-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-crypto-wifiplus-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"ksn-stat-geo.kaspersky-labs.com", SIG_CAT_TELEMETRY},
	{"kavdumps.kaspersky.com", SIG_CAT_TELEMETRY},
	/* A.6 storefront */
	{"my.kaspersky.com", SIG_CAT_STOREFRONT},
	{"center.kaspersky.com", SIG_CAT_STOREFRONT},
	{"m.kaspersky.com", SIG_CAT_STOREFRONT},
	{"usa.kaspersky.com", SIG_CAT_STOREFRONT},
	{"algerie.kaspersky.com", SIG_CAT_STOREFRONT},
	/* A.7 management */
	{"ksc.kaspersky.com", SIG_CAT_MANAGEMENT},
	{"agent1.ksc.kaspersky.com", SIG_CAT_MANAGEMENT},
	{"cloud.kaspersky.com", SIG_CAT_MANAGEMENT},
	{"s405.cloud.kaspersky.com", SIG_CAT_MANAGEMENT},
	/* addendum: OEM partner mirrors */
	{"kav8.zonealarm.com", SIG_CAT_OEM},
	{"kav8.checkpoint.com", SIG_CAT_OEM},
	/* A.9 brand */
	{"kaspersky.com", SIG_CAT_BRAND},
	{"www.kaspersky.com", SIG_CAT_BRAND},
	{"support.kaspersky.com", SIG_CAT_BRAND},
	{"help.kaspersky.com", SIG_CAT_BRAND},
	{"forum.kaspersky.com", SIG_CAT_BRAND},
	{"kaspersky-labs.com", SIG_CAT_BRAND},
	{"content.kaspersky-labs.com", SIG_CAT_BRAND},
	{"mx12.kaspersky-labs.com", SIG_CAT_BRAND},
	{"mx13.kaspersky-labs.com", SIG_CAT_BRAND},
	{"relay12.kaspersky-labs.com", SIG_CAT_BRAND},
	{"kaspersky.ru", SIG_CAT_BRAND},
	{"support.kaspersky.ru", SIG_CAT_BRAND},
	{"support.kaspersky.co.uk", SIG_CAT_BRAND},
	{"support.kaspersky.it", SIG_CAT_BRAND},
	{"support.kaspersky.co.jp", SIG_CAT_BRAND},
	{"kaspersky.cn", SIG_CAT_BRAND},
	{"support.kaspersky.cn", SIG_CAT_BRAND},
	{"kas.pr", SIG_CAT_BRAND},
	{"os.kaspersky.com", SIG_CAT_BRAND},
	{"click.kaspersky.com", SIG_CAT_BRAND},
	/* threat intelligence, research, training (C.5) */
	{"opentip.kaspersky.com", SIG_CAT_THREAT_INTEL},
	{"tip.kaspersky.com", SIG_CAT_THREAT_INTEL},
	{"threats.kaspersky.com", SIG_CAT_RESEARCH},
	{"ics-cert.kaspersky.com", SIG_CAT_RESEARCH},
	{"securelist.com", SIG_CAT_RESEARCH},
	{"de.securelist.com", SIG_CAT_RESEARCH},
	{"cdn.securelist.com", SIG_CAT_RESEARCH},
	{"securelist.ru", SIG_CAT_RESEARCH},
	{"securelist.fr", SIG_CAT_RESEARCH},
	{"securelist.it", SIG_CAT_RESEARCH},
	{"securelist.lat", SIG_CAT_RESEARCH},
	{"securelist.pl", SIG_CAT_RESEARCH},
	{"kasperskycontenthub.com", SIG_CAT_RESEARCH},
	{"media.kasperskycontenthub.com", SIG_CAT_RESEARCH},
	{"asap.kaspersky.com", SIG_CAT_TRAINING},
	/* A.10 client indicators (C.7) */
	{"touch.kaspersky.com", SIG_CAT_OTHER},
	{"gc.kis.v2.scr.kaspersky-labs.com", SIG_CAT_OTHER},
	{"ff.kis.v2.scr.kaspersky-labs.com", SIG_CAT_OTHER},
	{"me.kis.v2.scr.kaspersky-labs.com", SIG_CAT_OTHER},
};

static const char *const cc_sites[] = {
	"be", "ca", "co.in", "co.jp", "co.kr", "co.th", "co.uk", "co.za", "com.au", "com.br",
	"com.cn", "com.hk", "com.pl", "com.tr", "com.tw", "com.vn", "cz", "de", "dk", "dz",
	"es", "fi", "fr", "gr", "it", "kz", "ma", "my", "nl", "pt", "ro", "rs", "se",
};

/* Legacy, low-confidence standalone domains: off unless switched on. */
static const char *const legacy[] = {
	"viruslist.com", "www.viruslist.ru", "avp.ru", "kasperskylabs.com", "threatpost.com",
	"kaspersky.ua", "kaspersky.tn", "xn--80akjebc7ajgd.xn--p1ai",
};

/* Research C.1 (lookalikes, attacker domains, other businesses), C.2
 * (unvetted names outside Kaspersky's domains), C.4 (third parties), and
 * the issue's own examples. None may match. */
static const char *const negatives[] = {
	"notkaspersky.com", "kaspersky.com.example.net", "cyberkaspersky.com",
	"studiokaspersky.com", "s01kaspersky.com", "dnl-01.geo.kaspersky.com.example.net",
	"kaspersky.com-login.example", "kaspersky.community.example", "kaspersky-scan.com",
	"kaspersky-security.com", "kaspersky-lab.org", "kaspersky.host", "kaspersky.science",
	"kaspersky.icu", "kaspersky.xyz", "kasperskysecurity.club", "kasperskyupdate.com",
	"kasperskyupdates.com", "kaspersky360.com", "kasperskyguard.com", "kaspersyk.com",
	"kasparsky.net", "kaspersky.no-ip.biz", "kasperskylab.ignorelist.com",
	"kaspersky.firewall-gateway.net", "kaspi.kz", "kaspa.org", "casperlabs.io",
	/* C.2 */
	"kaspersky-lab.com", "kasperskycontent.com", "kasperskyapi.com", "kasperskylabs.net",
	/* C.4 */
	"secure.avangate.com", "antivirus365.net", "tlgslb.com", "dnl-09.geo.tlgslb.com",
	"d1234abcd.cloudfront.net", "ultraav.com", "hotspotshield.com", "pango.co", "dns.google",
	"one.one.one.one", "github.com", "zonealarm.com", "www.checkpoint.com",
	"kav8.zonealarm.com.example.net", "kaspersky", "com", "kaspersky.co",
	"kaspersky.com.ua", "securelist.net", "kasperskycontenthub.co", "xkas.pr",
};

/* C.2 names below kaspersky.com: covered by the brand row only, never by a
 * specific (unverified) row. */
static const char *const c2_under_brand[] = {
	"ocsp.kaspersky.com", "telemetry.kaspersky.com", "screenshots-v2.kaspersky.com",
};

/* Mixed case and a trailing dot, as hosts arrive on the wire. */
static void variants(const char *h, char out[3][300])
{
	size_t n = strlen(h);

	snprintf(out[0], 300, "%s", h);
	for (size_t i = 0; i <= n; i++)
		out[1][i] = (char)(i % 2 ? toupper((unsigned char)h[i]) : h[i]);
	snprintf(out[2], 300, "%s.", h);
	for (size_t i = 0; i < n; i++)
		out[2][i] = (char)toupper((unsigned char)out[2][i]);
}

static void expect_cat(const struct sigset *set, struct sig_scratch *scr, const char *h,
		       enum sig_category cat)
{
	char v3[3][300];

	variants(h, v3);
	for (int k = 0; k < 3; k++) {
		struct sig_verdict v = decide(set, scr, v3[k]);
		if (v.id == 0 || v.category != cat || v.action != SIG_ACT_BLOCK)
			fail_msg("%s: id %u category %s action %s, want %s block", v3[k], v.id,
				 sig_category_name(v.category), sig_action_name(v.action),
				 sig_category_name(cat));
	}
}

static void test_positives(void **state)
{
	char h[300];
	(void)state;

	for (size_t e = 0; e < 3; e++) {
		struct sig_compile_opts o = {.engine = (uint8_t)e};
		struct sigset *set = load_pack(&o);
		struct sig_scratch *scr = sig_scratch_alloc(set);
		assert_non_null(scr);
		for (size_t i = 0; i < sizeof(positives) / sizeof(positives[0]); i++)
			expect_cat(set, scr, positives[i].host, positives[i].cat);
		for (int i = 0; i < 20; i++) {
			snprintf(h, sizeof(h), "dnl-%02d.geo.kaspersky.com", i);
			expect_cat(set, scr, h, SIG_CAT_UPDATE);
			snprintf(h, sizeof(h), "s%02d.upd.kaspersky.com", i);
			expect_cat(set, scr, h, SIG_CAT_UPDATE);
			snprintf(h, sizeof(h), "p%02d.upd.kaspersky.com", i);
			expect_cat(set, scr, h, SIG_CAT_UPDATE);
		}
		for (size_t i = 0; i < sizeof(cc_sites) / sizeof(cc_sites[0]); i++) {
			snprintf(h, sizeof(h), "kaspersky.%s", cc_sites[i]);
			expect_cat(set, scr, h, SIG_CAT_BRAND);
			snprintf(h, sizeof(h), "www.kaspersky.%s", cc_sites[i]);
			expect_cat(set, scr, h, SIG_CAT_BRAND);
		}
		sig_scratch_free(scr);
		sig_set_free(set);
	}
}

static void test_negatives(void **state)
{
	char v3[3][300];
	(void)state;

	struct sigset *set = load_pack(NULL);
	struct sig_scratch *scr = sig_scratch_alloc(set);
	for (size_t i = 0; i < sizeof(negatives) / sizeof(negatives[0]); i++) {
		variants(negatives[i], v3);
		for (int k = 0; k < 3; k++) {
			struct sig_verdict v = decide(set, scr, v3[k]);
			if (v.id != 0)
				fail_msg("lookalike %s matched id %u", v3[k], v.id);
		}
	}
	for (size_t i = 0; i < sizeof(c2_under_brand) / sizeof(c2_under_brand[0]); i++) {
		struct sig_verdict v = decide(set, scr, c2_under_brand[i]);
		assert_int_equal(v.id, 8001);
		assert_int_equal(v.category, SIG_CAT_BRAND);
	}
	/* legacy is off by default ... */
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		assert_int_equal(decide(set, scr, legacy[i]).id, 0);
	sig_scratch_free(scr);
	sig_set_free(set);

	/* ... and matches when an operator switches it on. */
	struct sig_compile_opts o = {.engine = SIG_ENGINE_AUTO};
	o.cat_mode[SIG_CAT_LEGACY] = SIG_MODE_ON;
	set = load_pack(&o);
	scr = sig_scratch_alloc(set);
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
		expect_cat(set, scr, legacy[i], SIG_CAT_LEGACY);
	sig_scratch_free(scr);
	sig_set_free(set);

	/* Research allowed: those hosts turn into exceptions, and the brand
	 * row does not take them back. */
	memset(&o, 0, sizeof(o));
	o.cat_mode[SIG_CAT_RESEARCH] = SIG_MODE_ALLOW;
	o.cat_mode[SIG_CAT_THREAT_INTEL] = SIG_MODE_ALLOW;
	set = load_pack(&o);
	scr = sig_scratch_alloc(set);
	assert_int_equal(decide(set, scr, "ics-cert.kaspersky.com").action, SIG_ACT_ALLOW);
	assert_int_equal(decide(set, scr, "OpenTIP.Kaspersky.com.").action, SIG_ACT_ALLOW);
	assert_int_equal(decide(set, scr, "cdn.securelist.com").action, SIG_ACT_ALLOW);
	assert_int_equal(decide(set, scr, "www.kaspersky.com").action, SIG_ACT_BLOCK);
	sig_scratch_free(scr);
	sig_set_free(set);
}

/* Every row carries a category, a URL reference and a description; both
 * files carry version and date. */
static void test_metadata(void **state)
{
	(void)state;
	struct sigset *set = load_pack(NULL);

	assert_int_equal(set->n_packs, 2);
	for (size_t i = 0; i < set->n_packs; i++) {
		assert_true(strlen(sig_set_str(set, set->packs[i].version)) > 0);
		assert_int_equal(strlen(sig_set_str(set, set->packs[i].date)), 10);
	}
	for (size_t i = 0; i < set->n_rules; i++) {
		const struct sig_rule *r = &set->rules[i];
		if (strncmp(sig_set_str(set, r->ref), "https://", 8) != 0)
			fail_msg("id %u has no https reference", r->id);
		if (strlen(sig_set_str(set, r->desc)) < 10)
			fail_msg("id %u has no description", r->id);
		assert_true(r->conf != SIG_CONF_UNSET);
		assert_int_equal(r->fields, SIG_FIELDS_ALL);
	}
	/* The pack is small: Hyperscan literals only, no hash, no regex. */
	assert_int_equal(set->counts.hash, 0);
	assert_int_equal(set->counts.hs_regex, 0);
	assert_int_equal(set->counts.hs_literal, set->counts.total);
	assert_true(set->counts.by_category[SIG_CAT_OEM] == 2);
	sig_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positives),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_metadata),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
