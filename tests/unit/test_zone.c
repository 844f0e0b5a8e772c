/* Unit tests for src/zone: the loader (syntax, $INCLUDE, TTL units, RFC 3597),
 * validation with exact file:line messages, and the answers of
 * zone_set_answer parsed back with ldns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "cairn/zone.h"

#define ZDIR TEST_SRCDIR "/tests/data/zones/"

/* ---- collecting problems ---- */

struct problems {
	char lines[64][512];
	size_t n;
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct problems *p = ctx;
	if (strncmp(file, ZDIR, strlen(ZDIR)) == 0)
		file += strlen(ZDIR);
	if (p->n < 64)
		snprintf(p->lines[p->n++], sizeof p->lines[0], "%s:%u: %s", file, line, msg);
}

static void expect_problems(const char *origin, const char *file, cairn_err want,
			    const char *const *expected)
{
	struct problems p = { .n = 0 };
	struct zone *z = (struct zone *)1;
	char path[1024];
	size_t n = 0;

	snprintf(path, sizeof path, "%s%s", ZDIR, file);
	assert_int_equal(zone_load(origin, path, collect, &p, &z), want);
	assert_null(z);
	while (expected[n])
		n++;
	for (size_t i = 0; i < p.n && i < n; i++)
		assert_string_equal(p.lines[i], expected[i]);
	assert_int_equal(p.n, n);
}

/* ---- the zone set of the lookup tests ---- */

static struct zone_set *zs;

static struct zone *load_ok(const char *origin, const char *file)
{
	struct problems p = { .n = 0 };
	struct zone *z = NULL;
	char path[1024];
	snprintf(path, sizeof path, "%s%s", ZDIR, file);
	cairn_err err = zone_load(origin, path, collect, &p, &z);
	for (size_t i = 0; i < p.n; i++)
		fprintf(stderr, "unexpected: %s\n", p.lines[i]);
	assert_int_equal(err, CAIRN_OK);
	assert_int_equal(p.n, 0);
	assert_non_null(z);
	return z;
}

static int setup(void **state)
{
	(void)state;
	struct zone *zones[2] = { load_ok("example.", "example.zone"),
				  load_ok("other.test", "other.test.zone") };
	return zone_set_new(zones, 2, &zs) == CAIRN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	zone_set_free(zs);
	zs = NULL;
	return 0;
}

/* ---- asking ---- */

struct reply {
	ldns_pkt *p;
	size_t len;
};

/* Asks set s; NULL when the set does not answer (no enclosing zone). */
static ldns_pkt *ask_set(const struct zone_set *s, const char *name, ldns_rr_type type,
			 ldns_rr_class cls, size_t limit, bool edns)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	ldns_pkt *qp = ldns_pkt_query_new(qname, type, cls, LDNS_RD);
	uint8_t *wire = NULL, buf[65535];
	size_t wlen = 0;
	struct wire_query q;
	struct wire_writer w;
	ldns_pkt *r = NULL;

	assert_non_null(qp);
	ldns_pkt_set_id(qp, 0x4242);
	if (edns)
		ldns_pkt_set_edns_udp_size(qp, 4096);
	assert_int_equal(ldns_pkt2wire(&wire, qp, &wlen), LDNS_STATUS_OK);
	assert_int_equal(wire_query_parse(wire, wlen, &q), WIRE_OK);
	memset(buf, 0xee, sizeof buf);
	if (zone_set_answer(s, &q, buf, limit, 1232, &w)) {
		size_t len = wire_writer_finish(&w);
		assert_true(len <= limit);
		assert_int_equal(ldns_wire2pkt(&r, buf, len), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_id(r), 0x4242);
		assert_true(ldns_pkt_qr(r));
		/* the question is echoed byte-exact */
		assert_int_equal(ldns_pkt_qdcount(r), 1);
		assert_memory_equal(buf + 12, wire + 12, q.question_len);
	}
	free(wire);
	ldns_pkt_free(qp);
	return r;
}

static ldns_pkt *ask(const char *name, ldns_rr_type type)
{
	ldns_pkt *r = ask_set(zs, name, type, LDNS_RR_CLASS_IN, 65535, false);
	assert_non_null(r);
	return r;
}

/* A section as "owner ttl class type rdata | ..." */
static char *section(ldns_rr_list *l)
{
	static char out[8192];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(l, i));
		for (char *c = s; *c; c++)
			if (*c == '\t')
				*c = ' ';
		size_t sl = strlen(s);
		while (sl && s[sl - 1] == '\n')
			s[--sl] = '\0';
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? " | " : "", s);
		free(s);
	}
	return out;
}

#define AN(r) section(ldns_pkt_answer(r))
#define NS(r) section(ldns_pkt_authority(r))
#define AR(r) section(ldns_pkt_additional(r))

static void expect(ldns_pkt *r, ldns_pkt_rcode rcode, bool aa, const char *an,
		   const char *ns, const char *ar)
{
	assert_int_equal(ldns_pkt_get_rcode(r), rcode);
	assert_int_equal(ldns_pkt_aa(r), aa);
	assert_false(ldns_pkt_tc(r));
	assert_string_equal(AN(r), an);
	assert_string_equal(NS(r), ns);
	if (ar)
		assert_string_equal(AR(r), ar);
	ldns_pkt_free(r);
}

#define SOA_EX "example. 300 IN SOA ns1.example. hostmaster.example. 2024010101 7200 900 604800 300"
#define SOA_OT "other.test. 60 IN SOA ns.other.test. hostmaster.other.test. 7 3600 600 86400 600"

/* zone_set_prefetch reads what the answers will (under ASan: within the
 * tables) and changes nothing: names of both zones, absent ones, names in
 * no zone, the root, NULL entries and more names than it looks at. */
static void test_prefetch(void **state)
{
	(void)state;
	static const char *const text[] = {
		"www.example.", "example.", "nx.other.test.", "q.b.c.example.", "other.test.",
		"www.example.net.", ".", NULL,
	};
	uint8_t wire[ZONE_PREFETCH_MAX + 8][WIRE_NAME_MAX];
	const uint8_t *names[ZONE_PREFETCH_MAX + 8];
	uint32_t hashes[ZONE_PREFETCH_MAX + 8];
	unsigned n = 0;

	for (; n < ZONE_PREFETCH_MAX + 8; n++) {
		const char *t = text[n % 8];

		size_t len = 0;

		names[n] = NULL;
		hashes[n] = 0;
		if (t && wire_name_from_text(t, NULL, wire[n], &len) == CAIRN_OK) {
			names[n] = wire[n];
			hashes[n] = wire_name_hash(wire[n], len);
		}
	}
	ldns_pkt *r = ask_set(zs, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "www.example. 9000 IN A 192.0.2.4", "", "");
	zone_set_prefetch(zs, names, hashes, n);
	zone_set_prefetch(zs, names, hashes, 0);
	r = ask_set(zs, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "www.example. 9000 IN A 192.0.2.4", "", "");
	r = ask_set(zs, "nx.other.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NXDOMAIN, true, "", SOA_OT, "");
}

/* ---- loader ---- */

static void test_load_good(void **state)
{
	(void)state;
	const struct zone *z = zone_set_find(zs, (const uint8_t *)"\003www\007example");
	assert_non_null(z);
	assert_memory_equal(zone_origin(z), "\007example", 9);
	assert_int_equal(zone_serial(z), 2024010101);
	assert_int_equal(zone_rr_count(z), 48);
	z = zone_set_find(zs, (const uint8_t *)"\002ns\005other\004test");
	assert_non_null(z);
	assert_int_equal(zone_serial(z), 7);
	assert_int_equal(zone_rr_count(z), 6);
	assert_null(zone_set_find(zs, (const uint8_t *)"\004test"));
	assert_null(zone_set_find(zs, (const uint8_t *)""));
}

static void test_syntax_features(void **state)
{
	(void)state;
	/* SOA over several lines with parentheses, comments and TTL units */
	expect(ask("example.", LDNS_RR_TYPE_SOA), LDNS_RCODE_NOERROR, true,
	       "example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 7200 900 604800 300",
	       "", "");
	/* explicit TTL with units, inherited owner with $TTL default */
	expect(ask("www.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "www.example. 9000 IN A 192.0.2.4", "", "");
	expect(ask("ns2.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "ns2.example. 86400 IN A 192.0.2.2", "", "");
	expect(ask("ns2.example.", LDNS_RR_TYPE_AAAA), LDNS_RCODE_NOERROR, true,
	       "ns2.example. 3600 IN AAAA 2001:db8::2", "", "");
	/* owners are case-insensitive */
	expect(ask("www.mixed.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "www.mixed.example. 3600 IN A 192.0.2.5", "", "");
	/* ';' inside quotes is data, after them a comment */
	expect(ask("txt.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true,
	       "txt.example. 3600 IN TXT \"semi;colon\" \"two\"", "", "");
	/* RFC 3597 unknown type */
	expect(ask("unknown.example.", 65280), LDNS_RCODE_NOERROR, true,
	       "unknown.example. 3600 IN TYPE65280 \\# 4 0a000001", "", "");
	expect(ask("caa.example.", LDNS_RR_TYPE_CAA), LDNS_RCODE_NOERROR, true,
	       "caa.example. 3600 IN CAA 0 issue \"ca.example.net\"", "", "");
	expect(ask("ptr.example.", LDNS_RR_TYPE_PTR), LDNS_RCODE_NOERROR, true,
	       "ptr.example. 3600 IN PTR www.example.", "", "");
	/* $INCLUDE relative to the including file, with its own origin */
	expect(ask("host1.lab.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "host1.lab.example. 3600 IN A 192.0.2.20", "", "");
	expect(ask("host2.lab.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "host2.lab.example. 300 IN A 192.0.2.21", "", "");
	expect(ask("lab.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true,
	       "lab.example. 3600 IN TXT \"lab apex\"", "", "");
	expect(ask("host3.rel.lab.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "host3.rel.lab.example. 3600 IN A 192.0.2.22", "", "");
	/* ... and the origin reverts after it */
	expect(ask("after.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "after.example. 3600 IN A 192.0.2.99", "", "");
	/* RFC 2181 §5.2: differing TTLs in an RRset: the lowest wins */
	expect(ask("ttl.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "ttl.example. 50 IN A 192.0.2.11 | ttl.example. 50 IN A 192.0.2.12", "", "");
}

static void test_bad_syntax(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-syntax.zone:6: syntax error: A data field 1 '192.0.2.300' is not an "
		"IPv4 address: Conversion error, ip4 addr expected",
		"bad-syntax.zone:7: class CH is not supported (only IN)",
		"bad-syntax.zone:8: unknown directive $FOO",
		"bad-syntax.zone:9: syntax error: unterminated quoted string",
		"bad-syntax.zone:10: syntax error: ')' without '('",
		"bad-syntax.zone:11: $TTL: bad TTL 'abc': not a number",
		"bad-syntax.zone:12: syntax error: unknown record type 'NOTATYPE'",
		"bad-syntax.zone:13: syntax error: '(' without ')'",
		NULL };
	expect_problems("bad.", "bad-syntax.zone", CAIRN_EFORMAT, want);
}

/* named-checkzone's checks: TTL units and range (RFC 2181 §8), the field
 * and type ldns could not read */
static void test_bad_lint(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-lint.zone:6: bad TTL '1hx': unknown unit (want s, m, h, d or w)",
		"bad-lint.zone:7: bad TTL '2147483648': above 2147483647 (RFC 2181 section 8)",
		"bad-lint.zone:8: bad TTL '99999999999': above 2147483647 (RFC 2181 section 8)",
		"bad-lint.zone:9: syntax error: MX data field 1 'ten' is not a number from 0 to "
		"65535: Conversion error, integer expected",
		"bad-lint.zone:10: syntax error: MX needs 2 data fields, found 1",
		"bad-lint.zone:11: syntax error: MX has 2 data fields, found 3: 'extra' is too many",
		"bad-lint.zone:12: syntax error: SRV data field 3 'x' is not a number from 0 to "
		"65535: Conversion error, integer expected",
		"bad-lint.zone:13: syntax error: AAAA data field 1 '1::2::3' is not an IPv6 "
		"address: Conversion error, ip6 addr expected",
		"bad-lint.zone:14: syntax error: CNAME data field 1 'a..b' is not a domain name: "
		"Empty label",
		"bad-lint.zone:15: syntax error: DS data field 4 'zz' is not hex data",
		"bad-lint.zone:16: $TTL: bad TTL '2147483648': above 2147483647 (RFC 2181 section 8)",
		"bad-lint.zone:17: $TTL: bad TTL '5x': unknown unit (want s, m, h, d or w)",
		NULL };
	expect_problems("bad.", "bad-lint.zone", CAIRN_EFORMAT, want);
}

/* A UTF-8 BOM, TTL units, the class before the TTL (RFC 1035 §5.1), the
 * largest TTL; targets below the origin with no data are warnings (a
 * forgotten final dot), not when a wildcard or a delegation covers them. */
static void test_lint_good(void **state)
{
	char log[] = "/tmp/cairn-test-zone-lint.XXXXXX", text[4096] = "";
	int fd = mkstemp(log);
	struct zone *z;
	FILE *f;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(LOG_SINK_FILE, log, LOG_LVL_WARN), CAIRN_OK);
	z = load_ok("lint.", "lint.zone");
	log_close();
	f = fopen(log, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(log);
	assert_non_null(strstr(text, "lint.zone:9: MX target mail.example.com.lint. of mx.lint. "
				     "has no data in the zone: a name missing its final dot?"));
	assert_non_null(strstr(text, "lint.zone:10: CNAME target www.lint.lint. of cn.lint."));
	assert_non_null(strstr(text, "lint.zone:11: SRV target ns.other.net.lint. of srv.lint."));
	assert_null(strstr(text, "host.wild"));
	assert_null(strstr(text, "host.sub"));
	assert_null(strstr(text, "ns.lint."));
	assert_int_equal(zone_rr_count(z), 15);
	struct zone_set *set;
	assert_int_equal(zone_set_new(&z, 1, &set), CAIRN_OK);
	static const struct { const char *name, *an; } ttl[] = {
		{ "units.lint.", "units.lint. 788645 IN A 192.0.2.2" },
		{ "classfirst.lint.", "classfirst.lint. 1209600 IN A 192.0.2.3" },
		{ "max.lint.", "max.lint. 2147483647 IN A 192.0.2.4" },
		{ "www.lint.", "www.lint. 5400 IN A 192.0.2.5" },
	};
	for (size_t i = 0; i < sizeof ttl / sizeof ttl[0]; i++)
		expect(ask_set(set, ttl[i].name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 65535, false),
		       LDNS_RCODE_NOERROR, true, ttl[i].an, "", NULL);
	zone_set_free(set);
}

static void test_bad_soa(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-soa.zone:4: more than one SOA record",
		"bad-soa.zone:7: SOA record sub.bad. is not at the zone apex",
		NULL };
	expect_problems("bad", "bad-soa.zone", CAIRN_EFORMAT, want);
}

static void test_bad_apex(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-apex.zone:0: no SOA record at the zone apex bad.",
		"bad-apex.zone:0: no NS records at the zone apex bad.",
		NULL };
	expect_problems("bad.", "bad-apex.zone", CAIRN_EFORMAT, want);
}

static void test_bad_cname(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-cname.zone:7: CNAME and other data at www.bad.",
		"bad-cname.zone:9: more than one CNAME record at two.bad.",
		"bad-cname.zone:10: CNAME and other data at bad.",
		NULL };
	expect_problems("bad.", "bad-cname.zone", CAIRN_EFORMAT, want);
}

static void test_bad_outside(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-outside.zone:6: www.other. is outside the zone bad.",
		"bad-outside.zone:8: x.notbad. is outside the zone bad.",
		NULL };
	expect_problems("bad.", "bad-outside.zone", CAIRN_EFORMAT, want);
}

static void test_bad_glue(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-glue.zone:6: glue missing: name server ns.sub.bad. of sub.bad. has no A or AAAA record",
		NULL };
	expect_problems("bad.", "bad-glue.zone", CAIRN_EFORMAT, want);
}

static void test_sibling_glue(void **state)
{
	(void)state;
	zone_free(load_ok("tld.", "sibling.zone"));
}

static void test_bad_duplicate(void **state)
{
	(void)state;
	static const char *const want[] = {
		"bad-dup.zone:6: duplicate record ns.bad. A",
		"bad-dup.zone:8: duplicate record www.bad. TXT",
		NULL };
	expect_problems("bad.", "bad-dup.zone", CAIRN_EFORMAT, want);
}

static void test_include_loop(void **state)
{
	(void)state;
	static const char *const want[] = {
		"inc/loop.inc:2: $INCLUDE loop: ../loop.zone is already being read",
		"loop.zone:7: cannot open inc/missing.inc: No such file or directory",
		NULL };
	expect_problems("bad.", "loop.zone", CAIRN_EFORMAT, want);
}

static void test_missing_file(void **state)
{
	(void)state;
	static const char *const want[] = {
		"nonexistent.zone:0: cannot open " ZDIR "nonexistent.zone: No such file or directory",
		NULL };
	expect_problems("bad.", "nonexistent.zone", CAIRN_EIO, want);
}

/* A file that opens but cannot be read (here a directory) is an error,
 * never a zone cut short at the failed read. */
static void test_unreadable_file(void **state)
{
	(void)state;
	static const char *const top[] = {
		"inc:0: cannot read " ZDIR "inc: not a regular file", NULL };
	static const char *const included[] = {
		"include-dir.zone:8: cannot read inc: not a regular file", NULL };
	static const char *const device[] = {
		"include-dev.zone:7: cannot read /dev/zero: not a regular file", NULL };
	expect_problems("bad.", "inc", CAIRN_EIO, top);
	expect_problems("bad.", "include-dir.zone", CAIRN_EFORMAT, included);
	expect_problems("bad.", "include-dev.zone", CAIRN_EFORMAT, device);
}

/* Over-long names (RFC 1035 §2.3.4) in rdata or as $ORIGIN are problems;
 * the NS and MX ones used to overflow a buffer at compile time (found by
 * tests/fuzz/fuzz_zonefile). */
static void test_long_names(void **state)
{
	(void)state;
	static const char *const want[] = {
		"long-names.zone:10: malformed NS record data",
		"long-names.zone:11: malformed MX record data",
		"long-names.zone:12: malformed SRV record data",
		"long-names.zone:13: malformed CNAME record data",
		"long-names.zone:14: malformed PTR record data",
		"long-names.zone:15: $ORIGIN needs one valid domain name",
		NULL };
	expect_problems("bad.", "long-names.zone", CAIRN_EFORMAT, want);
}

static void test_set_duplicate(void **state)
{
	(void)state;
	struct zone *zones[2] = { load_ok("other.test.", "other.test.zone"),
				  load_ok("OTHER.test", "other.test.zone") };
	struct zone_set *s = (struct zone_set *)1;
	assert_int_equal(zone_set_new(zones, 2, &s), CAIRN_EEXIST);
	assert_null(s);
}

/* ---- answers ---- */

static void test_exact_and_case(void **state)
{
	(void)state;
	ldns_pkt *r = ask("WwW.ExAmPlE.", LDNS_RR_TYPE_A);
	ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	char *qs = ldns_rdf2str(ldns_rr_owner(qr));
	assert_string_equal(qs, "WwW.ExAmPlE.");
	free(qs);
	expect(r, LDNS_RCODE_NOERROR, true, "WwW.ExAmPlE. 9000 IN A 192.0.2.4", "", "");
	/* meta types are data types like any other here (as NSD): NODATA */
	expect(ask("www.example.", 41), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
}

static void test_nodata_nxdomain(void **state)
{
	(void)state;
	/* RFC 2308 §3: SOA TTL = min(SOA TTL 3600, MINIMUM 300) */
	expect(ask("www.example.", LDNS_RR_TYPE_MX), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
	expect(ask("q.b.c.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NXDOMAIN, true, "", SOA_EX, "");
	/* ... and min(SOA TTL 60, MINIMUM 600) */
	expect(ask("nx.other.test.", LDNS_RR_TYPE_A), LDNS_RCODE_NXDOMAIN, true, "", SOA_OT, "");
	expect(ask("other.test.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true, "", SOA_OT, "");
	/* empty non-terminals exist (RFC 4592 §2.2.2): NODATA */
	expect(ask("b.c.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
	expect(ask("c.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
}

static void test_wildcard(void **state)
{
	(void)state;
	/* synthesis with the query name as owner (RFC 4592 §3.3.1) */
	expect(ask("NotHere.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true,
	       "NotHere.example. 3600 IN TXT \"wild\"", "", "");
	expect(ask("deep.nothere.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true,
	       "deep.nothere.example. 3600 IN TXT \"wild\"", "", "");
	/* the wildcard has no A: NODATA */
	expect(ask("nothere.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
	/* an existing name blocks the wildcard */
	expect(ask("www.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
	/* an ENT blocks it for itself and below (closest encloser b.c) */
	expect(ask("c.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
	expect(ask("q.b.c.example.", LDNS_RR_TYPE_TXT), LDNS_RCODE_NXDOMAIN, true, "", SOA_EX, "");
	/* a CNAME wildcard is followed */
	expect(ask("y.w.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "y.w.example. 3600 IN CNAME www.example. | www.example. 9000 IN A 192.0.2.4", "", "");
	expect(ask("x.w.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "x.w.example. 3600 IN A 192.0.2.8", "", "");
}

static void test_cname(void **state)
{
	(void)state;
	expect(ask("alias.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "alias.example. 3600 IN CNAME www.example. | www.example. 9000 IN A 192.0.2.4", "", "");
	/* qtype CNAME gets the CNAME itself */
	expect(ask("alias.example.", LDNS_RR_TYPE_CNAME), LDNS_RCODE_NOERROR, true,
	       "alias.example. 3600 IN CNAME www.example.", "", "");
	expect(ask("chain1.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "chain1.example. 3600 IN CNAME chain2.example. | "
	       "chain2.example. 3600 IN CNAME WWW.example. | WWW.example. 9000 IN A 192.0.2.4", "", "");
	/* into another zone of the set and back */
	expect(ask("toother.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "toother.example. 3600 IN CNAME host.other.test. | "
	       "host.other.test. 300 IN A 198.51.100.2", "", "");
	expect(ask("back.other.test.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "back.other.test. 300 IN CNAME www.example. | www.example. 9000 IN A 192.0.2.4", "", "");
	/* out of our zones: the answer ends with the CNAME */
	expect(ask("toout.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "toout.example. 3600 IN CNAME www.elsewhere.invalid.", "", "");
	/* RFC 6604 §2.1: the rcode is the last step's */
	expect(ask("dangle.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NXDOMAIN, true,
	       "dangle.example. 3600 IN CNAME q.b.c.example.", SOA_EX, "");
	/* a loop stops when a name repeats */
	expect(ask("loop1.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "loop1.example. 3600 IN CNAME loop2.example. | loop2.example. 3600 IN CNAME loop1.example.",
	       "", "");
	/* a CNAME chain into a delegation ends in a referral, AA kept */
	expect(ask("todeleg.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, true,
	       "todeleg.example. 3600 IN CNAME www.sub.example.",
	       "sub.example. 3600 IN NS ns.sub.example. | sub.example. 3600 IN NS ns.other.test.",
	       "ns.sub.example. 3600 IN A 192.0.2.10");
}

static void test_referral(void **state)
{
	(void)state;
	const char *ns = "sub.example. 3600 IN NS ns.sub.example. | sub.example. 3600 IN NS ns.other.test.";
	const char *glue = "ns.sub.example. 3600 IN A 192.0.2.10";
	expect(ask("sub.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, false, "", ns, glue);
	expect(ask("sub.example.", LDNS_RR_TYPE_NS), LDNS_RCODE_NOERROR, false, "", ns, glue);
	expect(ask("www.deep.sub.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, false, "", ns, glue);
	/* glue itself is below the cut: a referral too */
	expect(ask("ns.sub.example.", LDNS_RR_TYPE_A), LDNS_RCODE_NOERROR, false, "", ns, glue);
	/* DS is the parent's (RFC 4035 §3.1.4.1): NODATA from example. */
	expect(ask("sub.example.", LDNS_RR_TYPE_DS), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
}

static void test_any_minimal(void **state)
{
	(void)state;
	/* RFC 8482 §4.1: one RRset, the first at the name in the file */
	expect(ask("example.", LDNS_RR_TYPE_ANY), LDNS_RCODE_NOERROR, true,
	       "example. 3600 IN SOA ns1.example. hostmaster.example. 2024010101 7200 900 604800 300",
	       "", "");
	expect(ask("ns2.example.", LDNS_RR_TYPE_ANY), LDNS_RCODE_NOERROR, true,
	       "ns2.example. 86400 IN A 192.0.2.2", "", "");
	expect(ask("alias.example.", LDNS_RR_TYPE_ANY), LDNS_RCODE_NOERROR, true,
	       "alias.example. 3600 IN CNAME www.example.", "", "");
	expect(ask("b.c.example.", LDNS_RR_TYPE_ANY), LDNS_RCODE_NOERROR, true, "", SOA_EX, "");
}

static void test_additional(void **state)
{
	(void)state;
	expect(ask("example.", LDNS_RR_TYPE_MX), LDNS_RCODE_NOERROR, true,
	       "example. 3600 IN MX 10 mail.example. | example. 3600 IN MX 20 mx.other.test.", "",
	       "mail.example. 3600 IN A 192.0.2.3 | mail.example. 3600 IN AAAA 2001:db8::3 | "
	       "mx.other.test. 300 IN A 198.51.100.3");
	expect(ask("example.", LDNS_RR_TYPE_NS), LDNS_RCODE_NOERROR, true,
	       "example. 3600 IN NS ns1.example. | example. 3600 IN NS ns2.example. | "
	       "example. 3600 IN NS ns.other.test.", "",
	       "ns1.example. 3600 IN A 192.0.2.1 | ns2.example. 86400 IN A 192.0.2.2 | "
	       "ns2.example. 3600 IN AAAA 2001:db8::2 | ns.other.test. 300 IN A 198.51.100.1");
	expect(ask("_sip._tcp.example.", LDNS_RR_TYPE_SRV), LDNS_RCODE_NOERROR, true,
	       "_sip._tcp.example. 3600 IN SRV 0 5 5060 sip.example.", "",
	       "sip.example. 3600 IN A 192.0.2.6");
}

static void test_truncation(void **state)
{
	(void)state;
	ldns_pkt *r = ask_set(zs, "big.example.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 512, false);
	assert_non_null(r);
	assert_true(ldns_pkt_tc(r));
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(ldns_pkt_ancount(r), 0);   /* never a partial RRset */
	ldns_pkt_free(r);
	r = ask_set(zs, "big.example.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 1232, true);
	assert_non_null(r);
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 6);
	assert_int_equal(ldns_pkt_edns_udp_size(r), 1232);
	ldns_pkt_free(r);
}

static void test_classes_and_outside(void **state)
{
	(void)state;
	assert_null(ask_set(zs, "www.example.net.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false));
	assert_null(ask_set(zs, ".", LDNS_RR_TYPE_NS, LDNS_RR_CLASS_IN, 512, false));
	ldns_pkt *r = ask_set(zs, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_CH, 512, false);
	expect(r, LDNS_RCODE_REFUSED, false, "", "", "");
	r = ask_set(zs, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_ANY, 512, false);
	expect(r, LDNS_RCODE_NOERROR, false, "www.example. 9000 IN A 192.0.2.4", "", "");
}

static void test_child_zone(void **state)
{
	(void)state;
	struct zone *zones[2] = { load_ok("example.", "example.zone"),
				  load_ok("sub.example.", "sub.example.zone") };
	struct zone_set *s = NULL;
	assert_int_equal(zone_set_new(zones, 2, &s), CAIRN_OK);
	/* the closest enclosing zone answers, authoritatively */
	ldns_pkt *r = ask_set(s, "www.sub.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "www.sub.example. 3600 IN A 192.0.2.30", "", NULL);
	r = ask_set(s, "nx.sub.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NXDOMAIN, true, "",
	       "sub.example. 120 IN SOA ns.sub.example. hostmaster.sub.example. 3 3600 600 86400 120", "");
	/* the parent's apex still answers from the parent */
	r = ask_set(s, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "www.example. 9000 IN A 192.0.2.4", "", "");
	zone_set_free(s);
}

/* One zone in two sets (a reload keeps an unchanged zone): each set
 * answers with the additional data of its own other zones, and the zone
 * outlives the first set. */
static void test_zone_in_two_sets(void **state)
{
	(void)state;
	struct zone *ex = load_ok("example.", "example.zone");
	struct zone *two[2] = { ex, load_ok("other.test", "other.test.zone") };
	struct zone *one[1] = { zone_ref(ex) };
	struct zone_set *s1 = NULL, *s2 = NULL;
	const char *mx = "example. 3600 IN MX 10 mail.example. | "
			 "example. 3600 IN MX 20 mx.other.test.";
	const char *mine = "mail.example. 3600 IN A 192.0.2.3 | mail.example. 3600 IN AAAA 2001:db8::3";

	assert_int_equal(zone_set_new(two, 2, &s1), CAIRN_OK);
	assert_int_equal(zone_set_new(one, 1, &s2), CAIRN_OK);
	char with_other[512];
	snprintf(with_other, sizeof with_other, "%s | mx.other.test. 300 IN A 198.51.100.3", mine);
	expect(ask_set(s1, "example.", LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, 65535, false),
	       LDNS_RCODE_NOERROR, true, mx, "", with_other);
	expect(ask_set(s2, "example.", LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, 65535, false),
	       LDNS_RCODE_NOERROR, true, mx, "", mine);
	zone_set_free(s1);
	expect(ask_set(s2, "example.", LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, 65535, false),
	       LDNS_RCODE_NOERROR, true, mx, "", mine);
	zone_set_free(s2);
}

static void test_relative_origins(void **state)
{
	(void)state;
	struct zone *z = load_ok("rel.test.", "relative.zone");
	struct zone_set *s = NULL;
	assert_int_equal(zone_set_new(&z, 1, &s), CAIRN_OK);
	/* $ORIGIN sub, then $INCLUDE with the relative origin "deeper" */
	ldns_pkt *r = ask_set(s, "a.sub.rel.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "a.sub.rel.test. 3600 IN A 192.0.2.2", "", "");
	r = ask_set(s, "c.deeper.sub.rel.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "c.deeper.sub.rel.test. 3600 IN A 192.0.2.4", "", "");
	r = ask_set(s, "b.sub.rel.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 512, false);
	expect(r, LDNS_RCODE_NOERROR, true, "b.sub.rel.test. 3600 IN A 192.0.2.3", "", "");
	zone_set_free(s);
}

int main(void)
{
	const struct CMUnitTest load_tests[] = {
		cmocka_unit_test(test_zone_in_two_sets),
		cmocka_unit_test_setup_teardown(test_prefetch, setup, teardown),
		cmocka_unit_test(test_bad_syntax),
		cmocka_unit_test(test_bad_lint),
		cmocka_unit_test(test_lint_good),
		cmocka_unit_test(test_bad_soa),
		cmocka_unit_test(test_bad_apex),
		cmocka_unit_test(test_bad_cname),
		cmocka_unit_test(test_bad_outside),
		cmocka_unit_test(test_bad_glue),
		cmocka_unit_test(test_sibling_glue),
		cmocka_unit_test(test_bad_duplicate),
		cmocka_unit_test(test_include_loop),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_set_duplicate),
		cmocka_unit_test(test_child_zone),
		cmocka_unit_test(test_relative_origins),
	};
	const struct CMUnitTest answer_tests[] = {
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_syntax_features),
		cmocka_unit_test(test_exact_and_case),
		cmocka_unit_test(test_nodata_nxdomain),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_cname),
		cmocka_unit_test(test_referral),
		cmocka_unit_test(test_any_minimal),
		cmocka_unit_test(test_additional),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_classes_and_outside),
	};
	int fails = cmocka_run_group_tests_name("zone loading", load_tests, NULL, NULL);
	fails += cmocka_run_group_tests_name("zone answers", answer_tests, setup, teardown);
	return fails ? 1 : 0;
}
