/* Unit tests for the signed-zone side of src/zone (dnssec.c, proof.c, and
 * the NSEC3 hash they use from src/dnssec/nsec3.c): the NSEC3 hash and its
 * codecs against RFC test vectors, and the DNSSEC records zone_set_answer
 * adds for DO=1 on the committed signed zones of tests/data/zones/dnssec
 * (sign.sh there made them; signatures run to 2038). Every RRSIG written is
 * verified with ldns against the zone's DNSKEYs, and every proof is checked
 * by what it proves (ldns computes the NSEC3 hashes and coverage
 * independently of cairn). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "cairn/zone.h"
#include "../../src/zone/zone_int.h"

#define DDIR TEST_SRCDIR "/tests/data/zones/dnssec/"
#define CHECK_TIME ((time_t)1800000000)   /* 2027-01-15, inside the validity */

static struct zone_set *zs;

static void no_report(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "unexpected: %s:%u: %s\n", file, line, msg);
	fail();
}

static int setup(void **state)
{
	static const char *const names[] = { "nsec.example", "nsec3.example", "optout.example" };
	struct zone *zones[3];
	char path[1024];
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s.zone", DDIR, names[i]);
		if (zone_load(names[i], path, no_report, NULL, &zones[i]) != CAIRN_OK)
			return -1;
	}
	return zone_set_new(zones, 3, &zs) == CAIRN_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	zone_set_free(zs);
	return 0;
}

/* ---- asking ---- */

static ldns_pkt *ask_full(const char *name, ldns_rr_type type, bool do_bit, size_t limit)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	ldns_pkt *qp = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, 0);
	uint8_t *wire = NULL, buf[65535];
	size_t wlen = 0;
	struct wire_query q;
	struct wire_writer w;
	ldns_pkt *r = NULL;

	assert_non_null(qp);
	ldns_pkt_set_edns_udp_size(qp, 4096);
	ldns_pkt_set_edns_do(qp, do_bit);
	assert_int_equal(ldns_pkt2wire(&wire, qp, &wlen), LDNS_STATUS_OK);
	assert_int_equal(wire_query_parse(wire, wlen, &q), WIRE_OK);
	assert_true(zone_set_answer(zs, &q, buf, limit, 1232, &w));
	size_t len = wire_writer_finish(&w);
	assert_true(len <= limit);
	assert_int_equal(ldns_wire2pkt(&r, buf, len), LDNS_STATUS_OK);
	free(wire);
	ldns_pkt_free(qp);
	return r;
}

static ldns_pkt *ask(const char *name, ldns_rr_type type)
{
	return ask_full(name, type, true, 65535);
}

static ldns_rr_list *keys_of(const char *zone)
{
	ldns_pkt *p = ask(zone, LDNS_RR_TYPE_DNSKEY);
	ldns_rr_list *k = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_DNSKEY, LDNS_SECTION_ANSWER);
	assert_non_null(k);
	ldns_pkt_free(p);
	return k;
}

/* Every RRset of the section but RRSIGs has at least one RRSIG that
 * verifies with the zone's keys, and every RRSIG covers an RRset there. */
static void verify_section(const ldns_rr_list *sec, const char *zone)
{
	ldns_rr_list *keys = keys_of(zone);
	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG)
			continue;
		ldns_rr_list *set = ldns_rr_list_new();
		ldns_rr_list *sigs = ldns_rr_list_new();
		for (size_t j = 0; j < ldns_rr_list_rr_count(sec); j++) {
			ldns_rr *o = ldns_rr_list_rr(sec, j);
			if (ldns_dname_compare(ldns_rr_owner(o), ldns_rr_owner(rr)) != 0)
				continue;
			if (ldns_rr_get_type(o) == ldns_rr_get_type(rr))
				ldns_rr_list_push_rr(set, o);
			else if (ldns_rr_get_type(o) == LDNS_RR_TYPE_RRSIG &&
				 ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(o)) == ldns_rr_get_type(rr))
				ldns_rr_list_push_rr(sigs, o);
		}
		bool good = false;
		for (size_t s = 0; s < ldns_rr_list_rr_count(sigs) && !good; s++)
			good = ldns_verify_rrsig_keylist_time(set, ldns_rr_list_rr(sigs, s), keys,
							     CHECK_TIME, NULL) == LDNS_STATUS_OK;
		if (!good) {
			char *t = ldns_rr2str(rr);
			fprintf(stderr, "no valid RRSIG for %s", t);
			free(t);
		}
		assert_true(good);
		ldns_rr_list_free(set);
		ldns_rr_list_free(sigs);
	}
	ldns_rr_list_deep_free(keys);
}

static ldns_rr_list *of_type(ldns_pkt *p, ldns_rr_type t, ldns_pkt_section s)
{
	ldns_rr_list *l = ldns_pkt_rr_list_by_type(p, t, s);
	return l ? l : ldns_rr_list_new();
}

/* ---- what an NSEC or NSEC3 proves ---- */

static ldns_rdf *dname(const char *s)
{
	ldns_rdf *d = ldns_dname_new_frm_str(s);
	assert_non_null(d);
	return d;
}

/* NSEC owner < name < next, or owner == name (match) */
static bool nsec_covers(const ldns_rr *nsec, const char *name, bool match)
{
	ldns_rdf *n = dname(name);
	bool r = match ? ldns_dname_compare(ldns_rr_owner(nsec), n) == 0 :
		(ldns_nsec_covers_name(nsec, n) && ldns_dname_compare(ldns_rr_owner(nsec), n) != 0);
	ldns_rdf_deep_free(n);
	return r;
}

/* The NSEC3 of list that matches (or covers) the hash of name; NULL. */
static ldns_rr *nsec3_for(const ldns_rr_list *l, const char *name, const char *zone, bool match)
{
	ldns_rdf *n = dname(name), *z = dname(zone);
	ldns_rr *found = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l) && !found; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rdf *h = ldns_nsec3_hash_name_frm_nsec3(rr, n);
		assert_non_null(h);
		assert_int_equal(ldns_dname_cat(h, z), LDNS_STATUS_OK);
		bool eq = ldns_dname_compare(ldns_rr_owner(rr), h) == 0;
		if (match ? eq : (!eq && ldns_nsec_covers_name(rr, h)))
			found = rr;
		ldns_rdf_deep_free(h);
	}
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(z);
	return found;
}

static bool nsec_in(const ldns_rr_list *l, const char *name, bool match)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (nsec_covers(ldns_rr_list_rr(l, i), name, match))
			return true;
	return false;
}

/* ---- tests: hashing ---- */

static void test_sha1_vectors(void **state)
{
	uint8_t out[ZSEC_HASH_LEN];
	static const uint8_t abc[] = { 0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
				       0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
	static const uint8_t empty[] = { 0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55,
					 0xbf, 0xef, 0x95, 0x60, 0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09 };
	uint8_t million[1000];
	(void)state;
	/* FIPS 180-2 appendix A */
	dsec_sha1((const uint8_t *)"abc", 3, out);
	assert_memory_equal(out, abc, sizeof abc);
	dsec_sha1(NULL, 0, out);
	assert_memory_equal(out, empty, sizeof empty);
	/* 56 and 64 bytes: padding into a second block */
	memset(million, 'a', sizeof million);
	dsec_sha1(million, 1000, out);
	static const uint8_t k1[] = { 0x29, 0x1e, 0x9a, 0x6c, 0x66, 0x99, 0x49, 0x49, 0xb5, 0x7b,
				      0xa5, 0xe6, 0x50, 0x36, 0x1e, 0x98, 0xfc, 0x36, 0xb1, 0xba };
	assert_memory_equal(out, k1, sizeof k1);
}

static void test_nsec3_hash_rfc5155(void **state)
{
	/* RFC 5155 appendix A: salt aabbccdd, 12 iterations */
	static const struct { const char *name, *hash; } v[] = {
		{ "example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
		{ "x.y.w.example", "2vptu5timamqttgl4luu9kg21e0aor3s" },
	};
	static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t name[WIRE_NAME_MAX], h[ZSEC_HASH_LEN], want[ZSEC_HASH_LEN];
		size_t len;
		assert_int_equal(wire_name_from_text(v[i].name, NULL, name, &len), CAIRN_OK);
		dsec_nsec3_hash(name, len, 12, salt, sizeof salt, h);
		assert_int_equal(dsec_b32hex_decode((const uint8_t *)v[i].hash, 32, want,
						    sizeof want), ZSEC_HASH_LEN);
		assert_memory_equal(h, want, ZSEC_HASH_LEN);
	}
}

static void test_b32hex(void **state)
{
	uint8_t out[32];
	(void)state;
	/* RFC 4648 §10 base32hex vectors, padding removed */
	assert_int_equal(dsec_b32hex_decode((const uint8_t *)"CPNG", 4, out, sizeof out), 2);
	assert_memory_equal(out, "fo", 2);
	assert_int_equal(dsec_b32hex_decode((const uint8_t *)"cpnmuog", 7, out, sizeof out), 4);
	assert_memory_equal(out, "foob", 4);
	assert_int_equal(dsec_b32hex_decode((const uint8_t *)"CPNMUOJ1", 8, out, sizeof out), 5);
	assert_memory_equal(out, "fooba", 5);
	/* W is not base32hex; trailing bits must be zero; room */
	assert_int_equal(dsec_b32hex_decode((const uint8_t *)"CPNW", 4, out, sizeof out), 0);
	assert_int_equal(dsec_b32hex_decode((const uint8_t *)"CPNH", 4, out, sizeof out), 0);
	assert_int_equal(dsec_b32hex_decode((const uint8_t *)"CPNMUOJ1", 8, out, 4), 0);
}

/* ---- tests: answers ---- */

static void test_do_clear_adds_nothing(void **state)
{
	static const char *const q[] = { "www.nsec.example", "nosuch.nsec3.example",
					 "foo.users.optout.example", "insecure.nsec.example" };
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		ldns_pkt *p = ask_full(q[i], LDNS_RR_TYPE_A, false, 65535);
		for (ldns_rr_type t = LDNS_RR_TYPE_RRSIG; t <= LDNS_RR_TYPE_NSEC3; t++) {
			ldns_rr_list *l = ldns_pkt_rr_list_by_type(p, t, LDNS_SECTION_ANY_NOQUESTION);
			assert_null(l);
		}
		ldns_pkt_free(p);
	}
}

static void test_answers_signed(void **state)
{
	(void)state;
	static const char *const zones[] = { "nsec.example", "nsec3.example", "optout.example" };
	for (size_t i = 0; i < 3; i++) {
		char n[256];
		snprintf(n, sizeof n, "www.%s", zones[i]);
		ldns_pkt *p = ask(n, LDNS_RR_TYPE_A);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 2);
		verify_section(ldns_pkt_answer(p), zones[i]);
		ldns_pkt_free(p);
		/* additional data (MX target) comes with its signature */
		p = ask(zones[i], LDNS_RR_TYPE_MX);
		verify_section(ldns_pkt_answer(p), zones[i]);
		verify_section(ldns_pkt_additional(p), zones[i]);
		assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_additional(p)), 2);
		ldns_pkt_free(p);
		/* a CNAME chain: every link signed */
		snprintf(n, sizeof n, "docs.%s", zones[i]);
		p = ask(n, LDNS_RR_TYPE_A);
		assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 6);
		verify_section(ldns_pkt_answer(p), zones[i]);
		ldns_pkt_free(p);
	}
}

static void test_rrsig_query(void **state)
{
	(void)state;
	ldns_pkt *p = ask_full("www.nsec.example", LDNS_RR_TYPE_RRSIG, false, 65535);
	ldns_rr_list *a = ldns_pkt_answer(p);
	/* A, AAAA, NSEC: one signature each, each with the TTL of its RRset */
	assert_int_equal(ldns_rr_list_rr_count(a), 3);
	for (size_t i = 0; i < 3; i++) {
		ldns_rr *rr = ldns_rr_list_rr(a, i);
		assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_RRSIG);
		ldns_rr_type c = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr));
		assert_int_equal(ldns_rr_ttl(rr), c == LDNS_RR_TYPE_NSEC ? 300 : 3600);
	}
	ldns_pkt_free(p);
}

static void test_nxdomain_nsec(void **state)
{
	(void)state;
	ldns_pkt *p = ask("a.b.nosuch.nsec.example", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_rr_list *nsec = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	/* RFC 4035 §3.1.3.2: the name and the wildcard at the apex */
	assert_true(nsec_in(nsec, "a.b.nosuch.nsec.example", false));
	assert_true(nsec_in(nsec, "*.nsec.example", false));
	assert_true(ldns_rr_list_rr_count(nsec) <= 2);
	verify_section(ldns_pkt_authority(p), "nsec.example");
	ldns_rr_list_deep_free(nsec);
	ldns_pkt_free(p);
	/* below an empty non-terminal: the wildcard at the ENT is denied */
	p = ask("x.ent.nsec.example", LDNS_RR_TYPE_A);
	nsec = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	assert_true(nsec_in(nsec, "x.ent.nsec.example", false));
	assert_true(nsec_in(nsec, "*.ent.nsec.example", false));
	ldns_rr_list_deep_free(nsec);
	ldns_pkt_free(p);
}

static void test_nodata_nsec(void **state)
{
	(void)state;
	ldns_pkt *p = ask("www.nsec.example", LDNS_RR_TYPE_MX);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ldns_rr_list *nsec = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(nsec), 1);
	assert_true(nsec_in(nsec, "www.nsec.example", true));
	ldns_rr_list_deep_free(nsec);
	/* the SOA and its RRSIG carry the negative TTL, as NSD's */
	ldns_rr_list *sigs = of_type(p, LDNS_RR_TYPE_RRSIG, LDNS_SECTION_AUTHORITY);
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++)
		if (ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(ldns_rr_list_rr(sigs, i))) ==
		    LDNS_RR_TYPE_SOA)
			assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(sigs, i)), 300);
	ldns_rr_list_deep_free(sigs);
	verify_section(ldns_pkt_authority(p), "nsec.example");
	ldns_pkt_free(p);
	/* an empty non-terminal has no NSEC: the covering one */
	p = ask("a.ent.nsec.example", LDNS_RR_TYPE_A);
	nsec = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(nsec), 1);
	assert_true(nsec_in(nsec, "a.ent.nsec.example", false));
	ldns_rr_list_deep_free(nsec);
	ldns_pkt_free(p);
}

static void test_wildcard_nsec(void **state)
{
	(void)state;
	ldns_pkt *p = ask("foo.users.nsec.example", LDNS_RR_TYPE_A);
	ldns_rr_list *sigs = of_type(p, LDNS_RR_TYPE_RRSIG, LDNS_SECTION_ANSWER);
	/* RFC 4035 §3.1.3.3: the RRSIG keeps the wildcard's label count */
	assert_int_equal(ldns_rr_list_rr_count(sigs), 1);
	assert_int_equal(ldns_rdf2native_int8(ldns_rr_rrsig_labels(ldns_rr_list_rr(sigs, 0))), 3);
	verify_section(ldns_pkt_answer(p), "nsec.example");
	ldns_rr_list *nsec = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(nsec), 1);
	assert_true(nsec_in(nsec, "foo.users.nsec.example", false));
	ldns_rr_list_deep_free(nsec);
	ldns_rr_list_deep_free(sigs);
	ldns_pkt_free(p);
	/* §3.1.3.4: wildcard NODATA, the name and the wildcard's types */
	p = ask("foo.users.nsec.example", LDNS_RR_TYPE_MX);
	nsec = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(nsec), 2);
	assert_true(nsec_in(nsec, "foo.users.nsec.example", false));
	assert_true(nsec_in(nsec, "*.users.nsec.example", true));
	ldns_rr_list_deep_free(nsec);
	ldns_pkt_free(p);
}

static void test_nxdomain_nsec3(void **state)
{
	(void)state;
	static const char *const zones[] = { "nsec3.example", "optout.example" };
	for (size_t i = 0; i < 2; i++) {
		char n[256], w[256];
		snprintf(n, sizeof n, "a.b.nosuch.%s", zones[i]);
		snprintf(w, sizeof w, "*.%s", zones[i]);
		ldns_pkt *p = ask(n, LDNS_RR_TYPE_A);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
		ldns_rr_list *l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
		/* RFC 5155 §7.2.2: closest encloser (the apex) matched, the
		 * next closer name and the wildcard covered */
		assert_non_null(nsec3_for(l, zones[i], zones[i], true));
		snprintf(n, sizeof n, "nosuch.%s", zones[i]);
		assert_non_null(nsec3_for(l, n, zones[i], false));
		assert_non_null(nsec3_for(l, w, zones[i], false));
		assert_true(ldns_rr_list_rr_count(l) <= 3);
		verify_section(ldns_pkt_authority(p), zones[i]);
		ldns_rr_list_deep_free(l);
		ldns_pkt_free(p);
	}
}

static void test_nodata_nsec3(void **state)
{
	(void)state;
	ldns_pkt *p = ask("ent.nsec3.example", LDNS_RR_TYPE_A);
	ldns_rr_list *l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	/* §7.2.3: the NSEC3 matching the (empty non-terminal) name */
	assert_int_equal(ldns_rr_list_rr_count(l), 1);
	assert_non_null(nsec3_for(l, "ent.nsec3.example", "nsec3.example", true));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	/* §7.2.4 with opt-out: DS at an insecure delegation left out of the
	 * chain: the closest provable encloser (the apex) and the opt-out
	 * NSEC3 covering the next closer name */
	p = ask("insecure.optout.example", LDNS_RR_TYPE_DS);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(p));
	l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(l), 2);
	assert_non_null(nsec3_for(l, "optout.example", "optout.example", true));
	ldns_rr *c = nsec3_for(l, "insecure.optout.example", "optout.example", false);
	assert_non_null(c);
	assert_true(ldns_nsec3_optout(c));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	/* an empty non-terminal opted out with its delegation (deep): the
	 * same proof, next closer deep.optout.example */
	p = ask("deep.optout.example", LDNS_RR_TYPE_DS);
	l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	assert_non_null(nsec3_for(l, "optout.example", "optout.example", true));
	assert_non_null(nsec3_for(l, "deep.optout.example", "optout.example", false));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
}

static void test_wildcard_nsec3(void **state)
{
	(void)state;
	ldns_pkt *p = ask("a.b.users.nsec3.example", LDNS_RR_TYPE_TXT);
	ldns_rr_list *l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	/* §7.2.6: only the next closer name (b.users) is covered */
	assert_int_equal(ldns_rr_list_rr_count(l), 1);
	assert_non_null(nsec3_for(l, "b.users.nsec3.example", "nsec3.example", false));
	verify_section(ldns_pkt_answer(p), "nsec3.example");
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	/* §7.2.5: wildcard NODATA: closest encloser, next closer, wildcard */
	p = ask("foo.users.nsec3.example", LDNS_RR_TYPE_MX);
	l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(l), 3);
	assert_non_null(nsec3_for(l, "users.nsec3.example", "nsec3.example", true));
	assert_non_null(nsec3_for(l, "foo.users.nsec3.example", "nsec3.example", false));
	assert_non_null(nsec3_for(l, "*.users.nsec3.example", "nsec3.example", true));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
}

static void test_referrals(void **state)
{
	(void)state;
	/* secure: NS and the signed DS, no AA */
	ldns_pkt *p = ask("www.secure.nsec3.example", LDNS_RR_TYPE_A);
	assert_false(ldns_pkt_aa(p));
	ldns_rr_list *ds = of_type(p, LDNS_RR_TYPE_DS, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(ds), 1);
	ldns_rr_list_deep_free(ds);
	ldns_rr_list *auth = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_authority(p)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_authority(p), i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS)   /* NS is not signed */
			ldns_rr_list_push_rr(auth, rr);
	}
	verify_section(auth, "nsec3.example");
	ldns_rr_list_free(auth);
	ldns_pkt_free(p);
	/* insecure, NSEC: the NSEC of the cut shows no DS */
	p = ask("www.insecure.nsec.example", LDNS_RR_TYPE_A);
	ldns_rr_list *l = of_type(p, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(l), 1);
	assert_true(nsec_in(l, "insecure.nsec.example", true));
	assert_false(ldns_nsec_bitmap_covers_type(ldns_rr_rdf(ldns_rr_list_rr(l, 0), 1),
						  LDNS_RR_TYPE_DS));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	/* insecure, NSEC3 without opt-out: the matching NSEC3 (§7.2.7) */
	p = ask("www.insecure.nsec3.example", LDNS_RR_TYPE_A);
	l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(l), 1);
	assert_non_null(nsec3_for(l, "insecure.nsec3.example", "nsec3.example", true));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	/* opt-out below an empty non-terminal: closest provable encloser */
	p = ask("x.child.deep.optout.example", LDNS_RR_TYPE_A);
	assert_false(ldns_pkt_aa(p));
	l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	assert_int_equal(ldns_rr_list_rr_count(l), 2);
	assert_non_null(nsec3_for(l, "optout.example", "optout.example", true));
	ldns_rr *c = nsec3_for(l, "deep.optout.example", "optout.example", false);
	assert_non_null(c);
	assert_true(ldns_nsec3_optout(c));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
}

static void test_nsec3_owner_hidden(void **state)
{
	(void)state;
	/* RFC 5155 §7.2.8: an NSEC3 owner name does not exist */
	ldns_pkt *p = ask("nsec3.example", LDNS_RR_TYPE_NSEC3PARAM);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 2);
	ldns_pkt_free(p);
	p = ask("nosuch.nsec3.example", LDNS_RR_TYPE_A);
	ldns_rr_list *l = of_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(l, 0)));
	ldns_rr_list_deep_free(l);
	ldns_pkt_free(p);
	p = ask(owner, LDNS_RR_TYPE_NSEC3);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0);
	ldns_pkt_free(p);
	free(owner);
}

static void test_truncation_signed(void **state)
{
	(void)state;
	/* about 1100 bytes of TXT: fits 1232 bytes alone, not with RRSIG */
	ldns_pkt *p = ask_full("big.nsec.example", LDNS_RR_TYPE_TXT, false, 1232);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 4);
	ldns_pkt_free(p);
	p = ask_full("big.nsec.example", LDNS_RR_TYPE_TXT, true, 1232);
	assert_true(ldns_pkt_tc(p));
	ldns_pkt_free(p);
	/* a negative answer whose proofs do not fit 512 bytes */
	p = ask_full("a.b.nosuch.nsec3.example", LDNS_RR_TYPE_A, true, 512);
	assert_true(ldns_pkt_tc(p));
	ldns_pkt_free(p);
	p = ask_full("big.nsec.example", LDNS_RR_TYPE_TXT, true, 65535);
	assert_false(ldns_pkt_tc(p));
	verify_section(ldns_pkt_answer(p), "nsec.example");
	ldns_pkt_free(p);
}

static void test_nsec3_collision(void **state)
{
	struct zone *z = NULL;
	struct zone_set *keep = zs, *one = NULL;
	(void)state;
	assert_int_equal(zone_load("collide.example", DDIR "collision.zone", no_report, NULL, &z),
			 CAIRN_OK);
	assert_int_equal(zone_set_new(&z, 1, &one), CAIRN_OK);
	zs = one;
	/* RFC 5155 §7.2.9: the next closer name hashes to an NSEC3 owner */
	ldns_pkt *p = ask("nosuch.collide.example", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
	/* below it too (the same next closer name) */
	p = ask("a.nosuch.collide.example", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
	/* without DO nothing is proven: NXDOMAIN */
	p = ask_full("nosuch.collide.example", LDNS_RR_TYPE_A, false, 65535);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	/* another name is denied as usual */
	p = ask("other.collide.example", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_nscount(p) >= 3);
	ldns_pkt_free(p);
	zs = keep;
	zone_set_free(one);
}

int main(void)
{
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_nsec3_hash_rfc5155),
		cmocka_unit_test(test_b32hex),
	};
	const struct CMUnitTest signed_zones[] = {
		cmocka_unit_test(test_do_clear_adds_nothing),
		cmocka_unit_test(test_answers_signed),
		cmocka_unit_test(test_rrsig_query),
		cmocka_unit_test(test_nxdomain_nsec),
		cmocka_unit_test(test_nodata_nsec),
		cmocka_unit_test(test_wildcard_nsec),
		cmocka_unit_test(test_nxdomain_nsec3),
		cmocka_unit_test(test_nodata_nsec3),
		cmocka_unit_test(test_wildcard_nsec3),
		cmocka_unit_test(test_referrals),
		cmocka_unit_test(test_nsec3_owner_hidden),
		cmocka_unit_test(test_truncation_signed),
		cmocka_unit_test(test_nsec3_collision),
	};
	int fails = cmocka_run_group_tests_name("nsec3", plain, NULL, NULL);
	fails += cmocka_run_group_tests_name("signed zones", signed_zones, setup, teardown);
	return fails;
}
