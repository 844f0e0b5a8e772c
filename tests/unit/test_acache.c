/* Unit tests of the answer cache (src/server/acache.c): a hit is byte for
 * byte the response a new build gives (ID, question case, cookie
 * patched), every part of the key and of the state it was built in tells
 * entries apart, TTLs of cache answers age and end at half the smallest,
 * what cannot be patched is not kept, and eviction keeps what is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/server/acache.h"

#include <stdio.h>
#include <string.h>

struct pkt {
	uint8_t b[512];
	size_t len;
	struct wire_query q;
};

/* A query for name/qtype with id and flags; edns: an OPT (DO when dnssec),
 * with an 8-byte client COOKIE filled with cookie (0: none). */
static void make_query(struct pkt *p, const char *name, uint16_t qtype, uint16_t id,
		       uint16_t flags, bool edns, bool dnssec, uint8_t cookie)
{
	uint8_t wname[WIRE_NAME_MAX];
	size_t nlen = 0, n = WIRE_HDR_LEN;

	/* the name's wire form, case kept (wire_name_from_text lowercases) */
	for (const char *l = name; *l;) {
		const char *dot = strchr(l, '.');

		wname[nlen] = (uint8_t)(dot - l);
		memcpy(wname + nlen + 1, l, (size_t)(dot - l));
		nlen += 1 + (size_t)(dot - l);
		l = dot + 1;
	}
	wname[nlen++] = 0;
	memset(p->b, 0, sizeof(p->b));
	wire_put16(p->b, id);
	wire_put16(p->b + 2, flags);
	wire_put16(p->b + 4, 1);
	wire_put16(p->b + 10, edns ? 1 : 0);
	memcpy(p->b + n, wname, nlen);
	n += nlen;
	wire_put16(p->b + n, qtype);
	wire_put16(p->b + n + 2, WIRE_CLASS_IN);
	n += 4;
	if (edns) {
		p->b[n] = 0;
		wire_put16(p->b + n + 1, WIRE_TYPE_OPT);
		wire_put16(p->b + n + 3, 1232);
		wire_put32(p->b + n + 5, dnssec ? 0x8000u : 0);
		wire_put16(p->b + n + 9, cookie ? 12 : 0);
		n += 11;
		if (cookie) {
			wire_put16(p->b + n, WIRE_OPT_COOKIE);
			wire_put16(p->b + n + 2, 8);
			memset(p->b + n + 4, cookie, 8);
			n += 12;
		}
	}
	p->len = n;
	assert_int_equal(wire_query_parse(p->b, p->len, &p->q), WIRE_OK);
	if (cookie) {
		/* what the server sends back: the client's and a server cookie */
		p->q.resp_cookie_len = WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS;
		memcpy(p->q.resp_cookie, p->q.cookie, WIRE_COOKIE_CLIENT_LEN);
		memset(p->q.resp_cookie + WIRE_COOKIE_CLIENT_LEN, cookie ^ 0x5a, WIRE_COOKIE_OURS);
	}
}

static const uint8_t a_rdata[] = { 0, 4, 192, 0, 2, 1, 0, 4, 192, 0, 2, 2 };

/* The response a server builds to p: two A records (TTL ttl) for the
 * question's name, and (glue_ttl > 0) an A of ns1 in the additional
 * section with TTL glue_ttl. Returns its length. */
static size_t build(const struct pkt *p, uint8_t *out, size_t limit, uint32_t ttl,
		    uint32_t glue_ttl)
{
	struct wire_writer wr;
	struct wire_rrset rs = {
		.owner = p->q.qname, .type = WIRE_TYPE_A, .rclass = WIRE_CLASS_IN, .ttl = ttl,
		.count = 2, .rdata_len = sizeof(a_rdata), .rdata = a_rdata,
	};
	static const uint8_t ns1[] = { 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };

	wire_writer_begin(&wr, out, limit, &p->q, WIRE_FLAG_AA, WIRE_RCODE_NOERROR, 1232);
	assert_int_equal(wire_writer_rrset(&wr, WIRE_SEC_ANSWER, &rs, NULL), CAIRN_OK);
	if (glue_ttl) {
		rs.owner = ns1;
		rs.count = 1;
		rs.rdata_len = 6;
		rs.ttl = glue_ttl;
		assert_int_equal(wire_writer_rrset(&wr, WIRE_SEC_ADDITIONAL, &rs, NULL), CAIRN_OK);
	}
	return wire_writer_finish(&wr);
}

/* The response to p with count A records (TTL 300) for its name. */
static size_t build_many(const struct pkt *p, uint8_t *out, unsigned count)
{
	struct wire_writer wr;
	uint8_t rd[6 * 64];
	struct wire_rrset rs = {
		.owner = p->q.qname, .type = WIRE_TYPE_A, .rclass = WIRE_CLASS_IN, .ttl = 300,
		.count = (uint16_t)count, .rdata_len = 6 * count, .rdata = rd,
	};

	assert_true(count <= 64);
	for (unsigned i = 0; i < count; i++) {
		wire_put16(rd + 6 * i, 4);
		wire_put32(rd + 6 * i + 2, 0xc0000200u + i + p->q.qname[1]);
	}
	wire_writer_begin(&wr, out, 1232, &p->q, 0, WIRE_RCODE_NOERROR, 1232);
	assert_int_equal(wire_writer_rrset(&wr, WIRE_SEC_ANSWER, &rs, NULL), CAIRN_OK);
	return wire_writer_finish(&wr);
}

static struct acache_key key_of(const struct pkt *p, uint16_t limit, bool recurse)
{
	return (struct acache_key){ .q = &p->q, .limit = limit, .recurse = recurse };
}

static const struct acache_state st0 = { .zones_gen = 7, .cache_gen = 3, .now = 1000 };

/* A hit is what a new build for the asking query gives, byte for byte:
 * its ID, its question's case, its cookie. */
static void test_hit_is_a_new_build(void **state)
{
	struct acache *ac = acache_new(64);
	struct pkt p1, p2;
	uint8_t r1[512], r2[512], hitbuf[512];
	struct acache_key k1, k2;
	struct acache_hit hit;
	size_t n1, n2, nh;
	static const uint8_t wild[] = { 1, '*', 0 };

	(void)state;
	assert_non_null(ac);
	make_query(&p1, "WwW.Example.", WIRE_TYPE_A, 0x1111, WIRE_FLAG_RD, true, false, 0x31);
	make_query(&p2, "www.EXAMPLE.", WIRE_TYPE_A, 0x2222, WIRE_FLAG_RD, true, false, 0x77);
	n1 = build(&p1, r1, 1232, 300, 100);
	k1 = key_of(&p1, 1232, false);
	k2 = key_of(&p2, 1232, false);
	assert_int_equal(acache_get(ac, &k1, &st0, hitbuf, sizeof(hitbuf), &hit), 0);
	assert_true(acache_put(ac, &k1, &st0, ACACHE_ZONE, r1, n1, wild));
	nh = acache_get(ac, &k2, &st0, hitbuf, sizeof(hitbuf), &hit);
	n2 = build(&p2, r2, 1232, 300, 100);
	assert_int_equal(nh, n2);
	assert_memory_equal(hitbuf, r2, n2);
	assert_int_equal(hit.kind, ACACHE_ZONE);
	assert_ptr_equal(hit.wild, wild);
	/* the copy kept is not the one handed out */
	assert_int_equal(acache_get(ac, &k1, &st0, hitbuf, sizeof(hitbuf), &hit), n1);
	assert_memory_equal(hitbuf, r1, n1);
	/* no room for it: not given */
	assert_int_equal(acache_get(ac, &k1, &st0, hitbuf, n1 - 1, &hit), 0);
	acache_free(ac);
}

/* Every part of the key, and the state the answer was built in, tells
 * entries apart; variants of one question are kept side by side. */
static void test_key_and_state(void **state)
{
	struct acache *ac = acache_new(256);
	struct pkt base, v;
	uint8_t r[512], out[512];
	struct acache_key k;
	struct acache_hit hit;
	struct acache_state st = st0;
	size_t n;

	(void)state;
	make_query(&base, "www.example.", WIRE_TYPE_A, 1, WIRE_FLAG_RD, true, false, 0);
	n = build(&base, r, 1232, 300, 0);
	k = key_of(&base, 1232, false);
	assert_true(acache_put(ac, &k, &st, ACACHE_ZONE, r, n, NULL));
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);

	struct {
		const char *name;
		uint16_t qtype, flags;
		bool edns, dnssec;
		uint8_t cookie;
	} miss[] = {
		{ "www.example.", WIRE_TYPE_AAAA, WIRE_FLAG_RD, true, false, 0 },
		{ "www.example.", WIRE_TYPE_A, 0, true, false, 0 },
		{ "www.example.", WIRE_TYPE_A, WIRE_FLAG_RD | WIRE_FLAG_CD, true, false, 0 },
		{ "www.example.", WIRE_TYPE_A, WIRE_FLAG_RD | WIRE_FLAG_AD, true, false, 0 },
		{ "www.example.", WIRE_TYPE_A, WIRE_FLAG_RD, true, true, 0 },
		{ "www.example.", WIRE_TYPE_A, WIRE_FLAG_RD, false, false, 0 },
		{ "www.example.", WIRE_TYPE_A, WIRE_FLAG_RD, true, false, 0x42 },
		{ "wwx.example.", WIRE_TYPE_A, WIRE_FLAG_RD, true, false, 0 },
		{ "www.example.net.", WIRE_TYPE_A, WIRE_FLAG_RD, true, false, 0 },
	};
	for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++) {
		struct acache_key kv;

		make_query(&v, miss[i].name, miss[i].qtype, 1, miss[i].flags, miss[i].edns,
			   miss[i].dnssec, miss[i].cookie);
		kv = key_of(&v, 1232, false);
		assert_int_equal(acache_get(ac, &kv, &st, out, sizeof(out), &hit), 0);
	}
	/* the UDP limit and the client's recursion */
	k.limit = 512;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	k.limit = 1232;
	k.recurse = true;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	/* kept beside the first: both hit */
	assert_true(acache_put(ac, &k, &st, ACACHE_ZONE, r, n, NULL));
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	k.recurse = false;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	/* another zone set, a cache flush, a cleared cache */
	st.zones_gen++;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	st = st0;
	st.cache_gen++;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	st = st0;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	acache_clear(ac);
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	/* kept again after the clear */
	assert_true(acache_put(ac, &k, &st, ACACHE_ZONE, r, n, NULL));
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	acache_free(ac);
}

/* Answers from the resolver's cache: every TTL (not OPT's) less the
 * seconds since; gone at half the smallest TTL; a zone answer does not
 * age. */
static void test_ttl_aging(void **state)
{
	struct acache *ac = acache_new(16);
	struct pkt p;
	uint8_t r[512], out[512], fresh[512];
	struct acache_key k;
	struct acache_hit hit;
	struct acache_state st = st0;
	size_t n;

	(void)state;
	make_query(&p, "www.example.", WIRE_TYPE_A, 9, WIRE_FLAG_RD, true, true, 0);
	n = build(&p, r, 1232, 300, 100);
	k = key_of(&p, 1232, true);
	assert_true(acache_put(ac, &k, &st, ACACHE_CACHE, r, n, NULL));
	st.now = 1010;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	assert_int_equal(hit.kind, ACACHE_CACHE);
	/* the same as a build with TTLs 290 and 90 */
	assert_int_equal(build(&p, fresh, 1232, 290, 90), n);
	assert_memory_equal(out, fresh, n);
	/* kept until half the smallest TTL (100 / 2 = 50 s) */
	st.now = 1049;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	st.now = 1050;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	/* a clock that went back: not trusted */
	st.now = 1000;
	assert_true(acache_put(ac, &k, &st, ACACHE_CACHE, r, n, NULL));
	st.now = 999;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), 0);
	/* zone answers do not age */
	st.now = 1000;
	assert_true(acache_put(ac, &k, &st, ACACHE_ZONE, r, n, NULL));
	st.now = 100000;
	assert_int_equal(acache_get(ac, &k, &st, out, sizeof(out), &hit), n);
	assert_memory_equal(out, r, n);
	acache_free(ac);
}

/* What cannot be patched or aged is not kept. */
static void test_not_kept(void **state)
{
	struct acache *ac = acache_new(16);
	struct pkt p;
	uint8_t r[512], out[512];
	struct acache_key k;
	struct acache_hit hit;
	size_t n;

	(void)state;
	make_query(&p, "www.example.", WIRE_TYPE_A, 9, WIRE_FLAG_RD, true, false, 0);
	k = key_of(&p, 1232, false);
	n = build(&p, r, 1232, 300, 0);
	/* truncated */
	r[2] |= WIRE_FLAG_TC >> 8;
	assert_false(acache_put(ac, &k, &st0, ACACHE_ZONE, r, n, NULL));
	r[2] &= (uint8_t)~(WIRE_FLAG_TC >> 8);
	/* TTL below 2 s, or no TTL at all (cache answers) */
	n = build(&p, r, 1232, 1, 0);
	assert_false(acache_put(ac, &k, &st0, ACACHE_CACHE, r, n, NULL));
	{
		struct wire_writer wr;

		wire_writer_begin(&wr, r, 1232, &p.q, 0, WIRE_RCODE_NOERROR, 1232);
		n = wire_writer_finish(&wr);
		assert_false(acache_put(ac, &k, &st0, ACACHE_CACHE, r, n, NULL));
		/* a zone answer without records is kept */
		assert_true(acache_put(ac, &k, &st0, ACACHE_ZONE, r, n, NULL));
		assert_int_equal(acache_get(ac, &k, &st0, out, sizeof(out), &hit), n);
	}
	/* a cookie the response does not carry */
	n = build(&p, r, 1232, 300, 0);
	p.q.resp_cookie_len = WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS;
	assert_false(acache_put(ac, &k, &st0, ACACHE_ZONE, r, n, NULL));
	p.q.resp_cookie_len = 0;
	/* records that do not parse, or bytes after them */
	assert_false(acache_put(ac, &k, &st0, ACACHE_ZONE, r, n - 1, NULL));
	r[n] = 0;
	assert_false(acache_put(ac, &k, &st0, ACACHE_ZONE, r, n + 1, NULL));
	/* too big for a slot */
	{
		static uint8_t big[ACACHE_ENTRY_MAX];

		memcpy(big, r, n);
		assert_false(acache_put(ac, &k, &st0, ACACHE_ZONE, big, sizeof(big), NULL));
	}
	/* more TTLs than an entry keeps (cache answers only) */
	n = build_many(&p, r, ACACHE_TTLS + 1);
	assert_false(acache_put(ac, &k, &st0, ACACHE_CACHE, r, n, NULL));
	acache_free(ac);
	/* size 0: off */
	assert_null(acache_new(0));
}

/* One set (8 entries, a ring of 2 KiB): eight short answers fit; a ninth
 * question takes the place of the oldest. Long answers write over the
 * oldest in the ring, which are then not given: never other bytes. */
static void test_eviction(void **state)
{
	struct acache *ac = acache_new(1);
	struct pkt p[ACACHE_WAYS + 1];
	uint8_t r[ACACHE_WAYS + 1][512], out[512];
	size_t n[ACACHE_WAYS + 1];
	struct acache_key k[ACACHE_WAYS + 1];
	struct acache_hit hit;
	char name[32];

	(void)state;
	for (unsigned i = 0; i <= ACACHE_WAYS; i++) {
		snprintf(name, sizeof(name), "h%u.example.", i);
		make_query(&p[i], name, WIRE_TYPE_A, 1, 0, false, false, 0);
		k[i] = key_of(&p[i], 512, false);
	}
	for (unsigned i = 0; i < ACACHE_WAYS; i++) {
		n[i] = build(&p[i], r[i], 512, 60, 0);
		assert_true(acache_put(ac, &k[i], &st0, ACACHE_ZONE, r[i], n[i], NULL));
	}
	for (unsigned i = 0; i < ACACHE_WAYS; i++)
		assert_int_equal(acache_get(ac, &k[i], &st0, out, sizeof(out), &hit), n[i]);
	n[ACACHE_WAYS] = build(&p[ACACHE_WAYS], r[ACACHE_WAYS], 512, 60, 0);
	assert_true(acache_put(ac, &k[ACACHE_WAYS], &st0, ACACHE_ZONE, r[ACACHE_WAYS],
			       n[ACACHE_WAYS], NULL));
	assert_int_equal(acache_get(ac, &k[0], &st0, out, sizeof(out), &hit), 0);
	for (unsigned i = 1; i <= ACACHE_WAYS; i++) {
		assert_int_equal(acache_get(ac, &k[i], &st0, out, sizeof(out), &hit), n[i]);
		assert_memory_equal(out, r[i], n[i]);
	}
	/* a likely hint for what is kept, none for what is not */
	assert_true(acache_likely(ac, k[1].q->qname_hash, WIRE_TYPE_A));
	assert_false(acache_likely(ac, k[0].q->qname_hash, WIRE_TYPE_A));

	/* answers of about 460 bytes an entry: three or four fit the ring
	 * (an entry does not wrap around its end); each new one writes
	 * over the oldest */
	for (unsigned i = 0; i < ACACHE_WAYS; i++) {
		n[i] = build_many(&p[i], r[i], 22);
		assert_in_range(n[i], 380, 420);
		assert_true(acache_put(ac, &k[i], &st0, ACACHE_ZONE, r[i], n[i], NULL));
		for (unsigned j = 0; j <= i; j++) {
			size_t got = acache_get(ac, &k[j], &st0, out, sizeof(out), &hit);

			if (j + 3 > i)
				assert_int_equal(got, n[j]);
			if (j + 4 <= i)
				assert_int_equal(got, 0);
			if (got)
				assert_memory_equal(out, r[j], n[j]);
		}
	}
	acache_free(ac);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_is_a_new_build),
		cmocka_unit_test(test_key_and_state),
		cmocka_unit_test(test_ttl_aging),
		cmocka_unit_test(test_not_kept),
		cmocka_unit_test(test_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
