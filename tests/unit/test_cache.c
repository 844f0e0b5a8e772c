/* Unit tests for cache/ on one thread: round trip, TTL aging and
 * clamping, ranking, negative entries, byte budget and LRU, flushes,
 * walking one name's entries without counting, scratch limits and memory
 * overhead. The threaded stress test and the claims of questions in flight
 * are in test_cache_threads.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cairn/cache.h"
#include "cache_test_util.h"

/* One TXT-like record of len bytes of rdata (type given). */
static struct wire_rrset *mk_blob(struct trr *t, const char *name, uint16_t type,
				  uint32_t ttl, size_t len, uint8_t fill)
{
	mkname(name, t->owner);
	wire_put16(t->rdata, (uint16_t)len);
	memset(t->rdata + 2, fill, len);
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = type,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = 1,
		.rdata_len = (uint32_t)(len + 2), .rdata = t->rdata };
	return &t->rs;
}

static struct wire_rrset *mk_soa(struct trr *t, const char *zone, uint32_t ttl)
{
	mkname(zone, t->owner);
	/* mname ".", rname ".", serial..minimum */
	uint8_t *p = t->rdata + 2;
	*p++ = 0;
	*p++ = 0;
	for (int i = 0; i < 5; i++, p += 4)
		wire_put32(p, 1000u + (uint32_t)i);
	size_t len = (size_t)(p - t->rdata) - 2;
	wire_put16(t->rdata, (uint16_t)len);
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = WIRE_TYPE_SOA,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = 1,
		.rdata_len = (uint32_t)(len + 2), .rdata = t->rdata };
	return &t->rs;
}

static uint8_t scratch[65536];

static enum cache_result get(struct cache *c, const char *name, uint16_t type,
			     uint64_t now, struct wire_rrset *out, enum cache_rank *rank)
{
	uint8_t n[WIRE_NAME_MAX];
	mkname(name, n);
	return cache_get(c, n, type, now, scratch, sizeof(scratch), out, rank);
}

static uint32_t first_a(const struct wire_rrset *rs)
{
	assert_true(rs->count >= 1);
	assert_int_equal(wire_get16(rs->rdata), 4);
	return wire_get32(rs->rdata + 2);
}

static void test_roundtrip(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(1 << 20, 0);
	struct wire_rrset rs;
	enum cache_rank rank = 0;
	struct cache_stats st;

	assert_int_equal(cache_put_rrset(c, mk_a(&t, "WWW.Example.COM", 300, 0x0a000001, 3),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, &rank), CACHE_POSITIVE);
	uint8_t want[WIRE_NAME_MAX];
	size_t wl = mkname("www.example.com", want);
	assert_memory_equal(rs.owner, want, wl);
	assert_int_equal(rs.type, WIRE_TYPE_A);
	assert_int_equal(rs.rclass, WIRE_CLASS_IN);
	assert_int_equal(rs.ttl, 300);
	assert_int_equal(rs.count, 3);
	assert_int_equal(rs.rdata_len, 18);
	assert_memory_equal(rs.rdata, t.rdata, 18);
	assert_ptr_equal(rs.owner, scratch);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	/* rank pointer may be NULL */
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);

	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_AAAA, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "www.example.org", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);

	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 3);
	assert_true(st.bytes <= 1 << 20);

	/* Replacing keeps one entry. */
	assert_int_equal(cache_put_rrset(c, mk_a(&t, "www.example.com", 300, 0x0a000009, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(rs.count, 1);
	assert_int_equal(first_a(&rs), 0x0a000009);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);

	/* Root owner and an empty RRset (count 0) work too. */
	static struct trr r;
	mk_a(&r, ".", 60, 0, 0);
	r.rs.type = WIRE_TYPE_NS;
	assert_int_equal(cache_put_rrset(c, &r.rs, CACHE_RANK_REFERRAL, NOW), CAIRN_OK);
	assert_int_equal(get(c, ".", WIRE_TYPE_NS, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(rs.count, 0);
	assert_int_equal(rs.owner[0], 0);
	cache_free(c);
}

static void test_ttl_aging(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(1 << 20, 4);
	struct wire_rrset rs;
	struct cache_stats st;

	cache_put_rrset(c, mk_a(&t, "a.test", 300, 1, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "a.test", WIRE_TYPE_A, NOW + 100, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(rs.ttl, 200);
	assert_int_equal(get(c, "a.test", WIRE_TYPE_A, NOW + 299, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(rs.ttl, 1);
	assert_int_equal(get(c, "a.test", WIRE_TYPE_A, NOW + 300, &rs, NULL), CACHE_MISS);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);  /* freed lazily by the expired lookup */
	/* Even asking at the original time again: it is gone. */
	assert_int_equal(get(c, "a.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	cache_free(c);
}

/* RFC 8767: with stale_max_age, expired entries stay (misses for
 * cache_get) and cache_get_ex(CACHE_GET_STALE) returns them with TTL 0
 * until stale_max_age past expiry; then they are freed. Live data wins
 * over stale data; the original TTL is reported (prefetch). */
static void test_stale(void **state)
{
	(void)state;
	static struct trr t, s;
	struct cache_config cfg;
	struct cache *c;
	struct wire_rrset rs;
	struct cache_stats st;
	struct cache_hit hit;
	uint8_t n[WIRE_NAME_MAX];

	cache_config_default(&cfg);
	cfg.max_bytes = 1 << 20;
	cfg.shards = 4;
	cfg.stale_max_age = 100;
	assert_int_equal(cache_new(&cfg, &c), CAIRN_OK);
	mkname("a.test", n);
	cache_put_rrset(c, mk_a(&t, "a.test", 300, 1, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW + 30, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_POSITIVE);
	assert_false(hit.stale);
	assert_int_equal(hit.orig_ttl, 300);
	assert_int_equal(hit.expiry, NOW + 300);
	assert_int_equal(rs.ttl, 270);
	/* expired: a miss for cache_get, kept */
	assert_int_equal(get(c, "a.test", WIRE_TYPE_A, NOW + 300, &rs, NULL), CACHE_MISS);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW + 399, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_POSITIVE);
	assert_true(hit.stale);
	assert_int_equal(rs.ttl, 0);
	assert_int_equal(first_a(&rs), 1);
	/* a stale NXDOMAIN loses to live data */
	cache_put_rrset(c, mk_a(&t, "a.test", 300, 3, 1), CACHE_RANK_AUTH_ANSWER, NOW + 199);
	cache_put_negative(c, n, 0, true, mk_soa(&s, "test", 50), 50, CACHE_RANK_AUTH_ANSWER,
			   NOW + 200);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW + 240, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_NXDOMAIN);
	assert_false(hit.stale);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW + 260, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_POSITIVE);
	assert_false(hit.stale);
	assert_int_equal(first_a(&rs), 3);
	cache_put_rrset(c, mk_a(&t, "a.test", 300, 2, 2), CACHE_RANK_AUTH_ANSWER, NOW + 260);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW + 270, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_POSITIVE);
	assert_false(hit.stale);
	assert_int_equal(first_a(&rs), 2);
	/* past max age: freed, never served */
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW + 260 + 300 + 100, CACHE_GET_STALE,
				      scratch, sizeof(scratch), &rs, NULL, &hit), CACHE_MISS);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	cache_free(c);
}

struct dump_copy {
	struct cache *to;
	uint64_t now;
	size_t n, stale;
};

static void copy_entry(void *arg, const struct cache_dump_entry *e)
{
	struct dump_copy *d = arg;

	d->n++;
	if (e->rs.ttl == 0)
		d->stale++;
	assert_int_equal(cache_restore(d->to, e, d->now), CAIRN_OK);
}

/* The cache file's two ends: cache_walk_all reports every entry that may
 * be served (stale ones within stale_max_age too, dead ones not) with its
 * absolute expiry, original TTL and rank; cache_restore puts them back
 * with the same expiry; past stale_max_age it refuses them. */
static void test_walk_all_restore(void **state)
{
	(void)state;
	static struct trr t, s;
	struct cache_config cfg;
	struct cache *a, *b;
	struct dump_copy d = { 0 };
	struct wire_rrset rs;
	struct cache_hit hit;
	enum cache_rank rank;
	uint8_t n[WIRE_NAME_MAX];

	cache_config_default(&cfg);
	cfg.max_bytes = 1 << 20;
	cfg.shards = 4;
	cfg.stale_max_age = 100;
	assert_int_equal(cache_new(&cfg, &a), CAIRN_OK);
	assert_int_equal(cache_new(&cfg, &b), CAIRN_OK);
	cache_put_rrset(a, mk_a(&t, "live.test", 300, 1, 2), CACHE_RANK_AUTH_ANSWER, NOW);
	cache_put_rrset(a, mk_a(&t, "stale.test", 10, 3, 1), CACHE_RANK_ANSWER_NONAUTH, NOW);
	cache_put_rrset(a, mk_a(&t, "dead.test", 10, 4, 1), CACHE_RANK_AUTH_ANSWER, NOW - 200);
	mkname("nx.test", n);
	cache_put_negative(a, n, 0, true, mk_soa(&s, "test", 60), 60, CACHE_RANK_AUTH_AUTHORITY,
			   NOW);
	d.to = b;
	d.now = NOW + 20;
	assert_int_equal(cache_walk_all(a, NOW + 20, copy_entry, &d, NULL), CAIRN_OK);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.stale, 1);
	mkname("live.test", n);
	assert_int_equal(cache_get_ex(b, n, WIRE_TYPE_A, NOW + 20, 0, scratch, sizeof(scratch),
				      &rs, &rank, &hit), CACHE_POSITIVE);
	assert_int_equal(rs.ttl, 280);
	assert_int_equal(rs.count, 2);
	assert_int_equal(hit.orig_ttl, 300);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	mkname("stale.test", n);
	assert_int_equal(cache_get_ex(b, n, WIRE_TYPE_A, NOW + 20, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, &rank, &hit), CACHE_POSITIVE);
	assert_true(hit.stale);
	assert_int_equal(rank, CACHE_RANK_ANSWER_NONAUTH);
	mkname("nx.test", n);
	assert_int_equal(cache_get_ex(b, n, WIRE_TYPE_AAAA, NOW + 20, 0, scratch,
				      sizeof(scratch), &rs, NULL, NULL), CACHE_NXDOMAIN);
	assert_int_equal(rs.type, WIRE_TYPE_SOA);
	assert_int_equal(rs.ttl, 40);
	mkname("dead.test", n);
	assert_int_equal(cache_get_ex(b, n, WIRE_TYPE_A, NOW + 20, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, NULL), CACHE_MISS);
	/* past stale_max_age: refused */
	struct cache_dump_entry old = { .kind = CACHE_POSITIVE, .name = t.owner,
		.type = WIRE_TYPE_A, .rank = CACHE_RANK_AUTH_ANSWER, .expiry = NOW - 101,
		.orig_ttl = 10, .rs = *mk_a(&t, "old.test", 10, 5, 1) };
	old.name = t.owner;
	assert_int_equal(cache_restore(b, &old, NOW), CAIRN_ENOTFOUND);
	old.expiry = NOW - 99;
	assert_int_equal(cache_restore(b, &old, NOW), CAIRN_OK);
	cache_free(a);
	cache_free(b);
}

static void test_clamping(void **state)
{
	(void)state;
	static struct trr t, soa;
	struct cache_config cfg;
	struct cache *c;
	struct wire_rrset rs;
	struct cache_stats st;
	uint8_t n[WIRE_NAME_MAX];

	cache_config_default(&cfg);
	assert_int_equal(cfg.max_ttl, 86400);
	assert_int_equal(cfg.max_negative_ttl, 3600);
	cfg.max_bytes = 1 << 20;
	cfg.max_ttl = 3600;
	cfg.max_negative_ttl = 900;
	assert_int_equal(cache_new(&cfg, &c), CAIRN_OK);

	cache_put_rrset(c, mk_a(&t, "long.test", 100000, 1, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "long.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(rs.ttl, 3600);
	assert_int_equal(get(c, "long.test", WIRE_TYPE_A, NOW + 3600, &rs, NULL), CACHE_MISS);

	mkname("neg.test", n);
	cache_put_negative(c, n, 0, true, mk_soa(&soa, "test", 86400), 86400,
			   CACHE_RANK_AUTH_AUTHORITY, NOW);
	assert_int_equal(get(c, "neg.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NXDOMAIN);
	assert_int_equal(rs.ttl, 900);
	mkname("nodata.test", n);
	cache_put_negative(c, n, WIRE_TYPE_MX, false, NULL, 7200, CACHE_RANK_AUTH_AUTHORITY, NOW);
	assert_int_equal(get(c, "nodata.test", WIRE_TYPE_MX, NOW + 10, &rs, NULL), CACHE_NODATA);
	assert_int_equal(rs.ttl, 890);
	/* Below the cap the TTL is kept. */
	cache_put_negative(c, n, WIRE_TYPE_TXT, false, NULL, 60, CACHE_RANK_AUTH_AUTHORITY, NOW);
	assert_int_equal(get(c, "nodata.test", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_NODATA);
	assert_int_equal(rs.ttl, 60);

	/* TTL 0 and TTLs with the top bit set (RFC 2181 §8) are not cached. */
	cache_get_stats(c, &st);
	uint64_t before = st.entries;
	assert_int_equal(cache_put_rrset(c, mk_a(&t, "zero.test", 0, 1, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(cache_put_rrset(c, mk_a(&t, "big.test", 0x80000000u, 1, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, before);
	assert_int_equal(get(c, "zero.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "big.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	cache_free(c);
}

static void test_ranking(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(1 << 20, 0);
	struct wire_rrset rs;
	enum cache_rank rank;

	/* Glue first, then the authoritative answer replaces it. */
	cache_put_rrset(c, mk_a(&t, "ns1.example.com", 3600, 0x01020304, 1), CACHE_RANK_GLUE, NOW);
	assert_int_equal(get(c, "ns1.example.com", WIRE_TYPE_A, NOW, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_GLUE);
	cache_put_rrset(c, mk_a(&t, "ns1.example.com", 600, 0x05060708, 1),
			CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "ns1.example.com", WIRE_TYPE_A, NOW, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 0x05060708);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	assert_int_equal(rs.ttl, 600);

	/* Glue (and every lower rank) does not replace the unexpired answer. */
	for (int r = CACHE_RANK_GLUE; r < CACHE_RANK_AUTH_ANSWER; r++) {
		assert_int_equal(cache_put_rrset(c, mk_a(&t, "ns1.example.com", 3600, 0x09090909, 1),
						 (enum cache_rank)r, NOW + 1), CAIRN_OK);
		assert_int_equal(get(c, "ns1.example.com", WIRE_TYPE_A, NOW + 1, &rs, &rank),
				 CACHE_POSITIVE);
		assert_int_equal(first_a(&rs), 0x05060708);
		assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	}
	/* Equal rank replaces (fresh data). */
	cache_put_rrset(c, mk_a(&t, "ns1.example.com", 600, 0x0a0a0a0a, 1),
			CACHE_RANK_AUTH_ANSWER, NOW + 2);
	assert_int_equal(get(c, "ns1.example.com", WIRE_TYPE_A, NOW + 2, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 0x0a0a0a0a);
	/* Once the answer expired, glue may take its place. */
	cache_put_rrset(c, mk_a(&t, "ns1.example.com", 3600, 0x0b0b0b0b, 1), CACHE_RANK_GLUE,
			NOW + 602);
	assert_int_equal(get(c, "ns1.example.com", WIRE_TYPE_A, NOW + 602, &rs, &rank),
			 CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 0x0b0b0b0b);
	assert_int_equal(rank, CACHE_RANK_GLUE);
	/* Referral NS replaces glue-ranked NS; non-auth answer replaces referral. */
	cache_put_rrset(c, mk_a(&t, "example.com", 100, 1, 1), CACHE_RANK_REFERRAL, NOW);
	cache_put_rrset(c, mk_a(&t, "example.com", 100, 2, 1), CACHE_RANK_ANSWER_NONAUTH, NOW);
	assert_int_equal(get(c, "example.com", WIRE_TYPE_A, NOW, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 2);
	assert_int_equal(rank, CACHE_RANK_ANSWER_NONAUTH);
	cache_free(c);
}

static void test_nxdomain(void **state)
{
	(void)state;
	static struct trr soa, t;
	struct cache *c = mkcache(1 << 20, 0);
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX], z[WIRE_NAME_MAX];
	size_t zl = mkname("example.com", z);

	mkname("nx.example.com", n);
	assert_int_equal(cache_put_negative(c, n, WIRE_TYPE_A, true, mk_soa(&soa, "Example.COM", 3600),
					    300, CACHE_RANK_AUTH_AUTHORITY, NOW), CAIRN_OK);
	static const uint16_t types[] = { WIRE_TYPE_A, WIRE_TYPE_AAAA, WIRE_TYPE_MX,
					  WIRE_TYPE_TXT, WIRE_TYPE_SOA, WIRE_TYPE_NS, 65000 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(get(c, "nx.example.com", types[i], NOW + 5, &rs, NULL), CACHE_NXDOMAIN);
		assert_int_equal(rs.type, WIRE_TYPE_SOA);
		assert_int_equal(rs.count, 1);
		assert_int_equal(rs.ttl, 295);
		assert_memory_equal(rs.owner, z, zl);  /* SOA owner, lowercased */
		assert_int_equal(rs.rdata_len, soa.rs.rdata_len);
		assert_memory_equal(rs.rdata, soa.rdata, soa.rs.rdata_len);
	}
	assert_int_equal(get(c, "example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "a.nx.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "nx.example.com", WIRE_TYPE_A, NOW + 300, &rs, NULL), CACHE_MISS);

	/* Without SOA: count 0, owner = the name. */
	mkname("nosoa.example.com", n);
	cache_put_negative(c, n, 0, true, NULL, 60, CACHE_RANK_AUTH_AUTHORITY, NOW);
	assert_int_equal(get(c, "nosoa.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NXDOMAIN);
	assert_int_equal(rs.count, 0);
	assert_int_equal(rs.rdata_len, 0);
	assert_int_equal(rs.type, WIRE_TYPE_SOA);
	assert_memory_equal(rs.owner, n, wire_name_len(n));

	/* NXDOMAIN vs. positive data of the same name, by rank. */
	cache_put_rrset(c, mk_a(&t, "x.example.com", 600, 7, 1), CACHE_RANK_ANSWER_NONAUTH, NOW);
	mkname("x.example.com", n);
	cache_put_negative(c, n, 0, true, NULL, 600, CACHE_RANK_AUTH_AUTHORITY, NOW);
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NXDOMAIN);
	/* Glue for a name known not to exist is not stored. */
	cache_put_rrset(c, mk_a(&t, "x.example.com", 600, 8, 1), CACHE_RANK_GLUE, NOW);
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NXDOMAIN);
	/* An authoritative answer replaces it: the name exists after all. */
	cache_put_rrset(c, mk_a(&t, "x.example.com", 600, 9, 1), CACHE_RANK_AUTH_ANSWER, NOW + 1);
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_A, NOW + 1, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 9);
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_MX, NOW + 1, &rs, NULL), CACHE_MISS);
	/* A lower-ranked NXDOMAIN does not hide the better answer, but answers
	 * the other types. */
	cache_put_negative(c, n, 0, true, NULL, 600, CACHE_RANK_ANSWER_NONAUTH, NOW + 2);
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_A, NOW + 2, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_MX, NOW + 2, &rs, NULL), CACHE_NXDOMAIN);
	/* Higher rank NXDOMAIN is not replaced by a lower one. */
	cache_put_negative(c, n, 0, true, NULL, 600, CACHE_RANK_AUTH_ANSWER, NOW + 3);
	cache_put_negative(c, n, 0, true, NULL, 30, CACHE_RANK_GLUE, NOW + 3);
	enum cache_rank rank;
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_MX, NOW + 3, &rs, &rank), CACHE_NXDOMAIN);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	assert_int_equal(rs.ttl, 600);
	/* Equal rank, newer NXDOMAIN wins over the older positive entry. */
	assert_int_equal(get(c, "x.example.com", WIRE_TYPE_A, NOW + 3, &rs, NULL), CACHE_NXDOMAIN);
	cache_free(c);
}

static void test_nodata(void **state)
{
	(void)state;
	static struct trr soa, t;
	struct cache *c = mkcache(1 << 20, 0);
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX];

	mkname("v4only.example.com", n);
	assert_int_equal(cache_put_negative(c, n, WIRE_TYPE_AAAA, false,
					    mk_soa(&soa, "example.com", 3600), 120,
					    CACHE_RANK_AUTH_AUTHORITY, NOW), CAIRN_OK);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_AAAA, NOW, &rs, NULL), CACHE_NODATA);
	assert_int_equal(rs.type, WIRE_TYPE_SOA);
	assert_int_equal(rs.count, 1);
	assert_int_equal(rs.ttl, 120);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_MX, NOW, &rs, NULL), CACHE_MISS);
	cache_put_rrset(c, mk_a(&t, "v4only.example.com", 600, 3, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_AAAA, NOW, &rs, NULL), CACHE_NODATA);
	/* NODATA and positive data for the same (name, type) replace each
	 * other by rank. */
	cache_put_negative(c, n, WIRE_TYPE_A, false, NULL, 60, CACHE_RANK_GLUE, NOW);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	cache_put_negative(c, n, WIRE_TYPE_A, false, NULL, 60, CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NODATA);
	cache_put_rrset(c, mk_a(&t, "v4only.example.com", 600, 3, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "v4only.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	cache_free(c);
}

static void test_budget_100k(void **state)
{
	(void)state;
	static struct trr t;
	const size_t budget = 1 << 20;
	struct cache *c = mkcache(budget, 16);
	struct cache_stats st;
	struct wire_rrset rs;
	char name[64];

	for (unsigned i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "host%u.zone%u.example", i, i % 97);
		if (i % 3 == 0)
			mk_blob(&t, name, WIRE_TYPE_TXT, 3600, 1 + (i % 700), (uint8_t)i);
		else
			mk_a(&t, name, 3600, i, 1 + i % 8);
		assert_int_equal(cache_put_rrset(c, &t.rs, CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
		if (i % 1000 == 0) {
			cache_get_stats(c, &st);
			assert_true(st.bytes <= budget);
		}
	}
	cache_get_stats(c, &st);
	assert_true(st.bytes <= budget);
	assert_true(st.bytes > budget * 9 / 10);  /* the budget is actually used */
	assert_int_equal(st.inserts, 100000);
	assert_int_equal(st.entries + st.evictions, 100000);
	assert_true(st.evictions > 90000);
	/* The newest entry is there, the oldest went. */
	snprintf(name, sizeof(name), "host99998.zone%u.example", 99998u % 97);
	assert_int_equal(get(c, name, WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "host1.zone1.example", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	print_message("budget %zu: %" PRIu64 " entries, %" PRIu64 " bytes, %" PRIu64 " evictions\n",
		      budget, st.entries, st.bytes, st.evictions);
	cache_free(c);
}

static void test_lru_mru(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(64 * 1024, 1);
	struct cache_stats st;
	struct wire_rrset rs;
	char name[64];
	unsigned i;

	cache_put_rrset(c, mk_a(&t, "keep.test", 3600, 42, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	for (i = 0;; i++) {
		snprintf(name, sizeof(name), "filler%u.test", i);
		cache_put_rrset(c, mk_a(&t, name, 3600, i, 2), CACHE_RANK_AUTH_ANSWER, NOW);
		/* Using keep.test moves it to the front every time. */
		assert_int_equal(get(c, "keep.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
		cache_get_stats(c, &st);
		assert_true(st.bytes <= 64 * 1024);
		if (st.evictions >= 50)
			break;
		assert_true(i < 100000);
	}
	assert_int_equal(get(c, "keep.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 42);
	/* The least recently used fillers were evicted (in order), the newer
	 * ones kept. */
	assert_int_equal(get(c, "filler0.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	snprintf(name, sizeof(name), "filler%u.test", (unsigned)st.evictions - 1);
	assert_int_equal(get(c, name, WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	snprintf(name, sizeof(name), "filler%u.test", (unsigned)st.evictions);
	assert_int_equal(get(c, name, WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	snprintf(name, sizeof(name), "filler%u.test", i);
	assert_int_equal(get(c, name, WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);

	/* Without the gets, keep2 would be the first to go. */
	cache_put_rrset(c, mk_a(&t, "keep2.test", 3600, 43, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	cache_get_stats(c, &st);
	uint64_t ev = st.evictions;
	for (i = 0; st.evictions < ev + st.entries; i++) {
		snprintf(name, sizeof(name), "more%u.test", i);
		cache_put_rrset(c, mk_a(&t, name, 3600, i, 2), CACHE_RANK_AUTH_ANSWER, NOW);
		cache_get_stats(c, &st);
	}
	assert_int_equal(get(c, "keep2.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	cache_free(c);
}

/* cache_prefetch (a batch's lookups to come) reads the tables only: no
 * hit, miss or entry changes, and the lookups after it answer as before;
 * NULL names and more names than it looks at are fine. */
static void test_prefetch(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(1 << 20, 8);
	struct cache_stats before, after;
	struct wire_rrset rs;
	uint8_t wire[CACHE_PREFETCH_MAX + 4][WIRE_NAME_MAX];
	const uint8_t *names[CACHE_PREFETCH_MAX + 4];
	uint32_t hashes[CACHE_PREFETCH_MAX + 4];
	uint16_t types[CACHE_PREFETCH_MAX + 4];
	char name[64];

	cache_put_rrset(c, mk_a(&t, "www.example.com", 600, 7, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	mkname("nx.example.com", wire[0]);
	cache_put_negative(c, wire[0], 0, true, NULL, 600, CACHE_RANK_AUTH_ANSWER, NOW);
	for (unsigned i = 0; i < CACHE_PREFETCH_MAX + 4; i++) {
		snprintf(name, sizeof(name), i % 3 == 0 ? "www.example.com" :
			 i % 3 == 1 ? "nx.example.com" : "absent%u.example.com", i);
		mkname(name, wire[i]);
		names[i] = i % 5 == 4 ? NULL : wire[i];
		hashes[i] = wire_name_hash(wire[i], wire_name_len(wire[i]));
		types[i] = i % 2 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;
	}
	cache_get_stats(c, &before);
	cache_prefetch(c, names, hashes, types, CACHE_PREFETCH_MAX + 4);
	cache_prefetch(c, names, hashes, types, 0);
	cache_get_stats(c, &after);
	assert_int_equal(after.hits, before.hits);
	assert_int_equal(after.misses, before.misses);
	assert_int_equal(after.entries, before.entries);
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(first_a(&rs), 7);
	assert_int_equal(get(c, "nx.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NXDOMAIN);
	cache_free(c);
}

static void test_flush(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(1 << 20, 8);
	struct cache_stats st, empty;
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX];
	static const char *names[] = { "example.com", "www.example.com", "a.b.example.com",
				       "notexample.com", "example.org", "com" };

	cache_get_stats(c, &empty);
	assert_int_equal(empty.entries, 0);
	for (size_t i = 0; i < 6; i++) {
		cache_put_rrset(c, mk_a(&t, names[i], 600, 1, 1), CACHE_RANK_AUTH_ANSWER, NOW);
		cache_put_rrset(c, mk_blob(&t, names[i], WIRE_TYPE_TXT, 600, 10, 1),
				CACHE_RANK_AUTH_ANSWER, NOW);
	}
	mkname("nx.example.com", n);
	cache_put_negative(c, n, 0, true, NULL, 600, CACHE_RANK_AUTH_ANSWER, NOW);

	/* Exact name only (all its types), in any case. */
	mkname("EXAMPLE.com", n);
	cache_flush_name(c, n, false);
	assert_int_equal(get(c, "example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "example.com", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "nx.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_NXDOMAIN);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 11);

	/* At and below. */
	mkname("example.com", n);
	cache_flush_name(c, n, true);
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "a.b.example.com", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "nx.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "notexample.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "example.org", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 6);

	cache_flush(c);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, empty.bytes);
	assert_int_equal(get(c, "com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	/* Still usable after a flush. */
	cache_put_rrset(c, mk_a(&t, "com", 600, 5, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(get(c, "com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	/* Flushing below the root empties everything. */
	mkname(".", n);
	cache_flush_name(c, n, true);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	cache_free(c);
}

/* cache_flush_negative drops NXDOMAIN and NODATA entries only;
 * cache_flush_type drops one (name, type) entry, positive or NODATA. */
static void test_flush_negative_type(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(1 << 20, 8);
	struct cache_stats st;
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX];

	cache_put_rrset(c, mk_a(&t, "pos.test", 600, 1, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	cache_put_rrset(c, mk_blob(&t, "pos.test", WIRE_TYPE_TXT, 600, 10, 1),
			CACHE_RANK_AUTH_ANSWER, NOW);
	mkname("nx.test", n);
	cache_put_negative(c, n, 0, true, mk_soa(&t, "test", 600), 600, CACHE_RANK_AUTH_ANSWER, NOW);
	mkname("pos.test", n);
	cache_put_negative(c, n, WIRE_TYPE_AAAA, false, NULL, 600, CACHE_RANK_AUTH_ANSWER, NOW);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 4);

	assert_int_equal(cache_flush_negative(c), 2);
	assert_int_equal(get(c, "nx.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "pos.test", WIRE_TYPE_AAAA, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "pos.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(get(c, "pos.test", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(cache_flush_negative(c), 0);

	/* one type of one name, in any case; the other type stays */
	mkname("POS.test", n);
	assert_int_equal(cache_flush_type(c, n, WIRE_TYPE_TXT), 1);
	assert_int_equal(get(c, "pos.test", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "pos.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	assert_int_equal(cache_flush_type(c, n, WIRE_TYPE_TXT), 0);
	assert_int_equal(cache_flush_type(c, n, 0), 0);
	/* a NODATA entry is the (name, type) entry too */
	cache_put_negative(c, n, WIRE_TYPE_MX, false, NULL, 600, CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(cache_flush_type(c, n, WIRE_TYPE_MX), 1);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	cache_free(c);
}

/* What cache_walk_name reported. */
struct walk_seen {
	unsigned n;
	struct {
		enum cache_result kind;
		uint16_t type, rr_type, count;
		enum cache_rank rank;
		uint32_t ttl, first;    /* first A address, or the SOA serial */
		uint8_t owner[WIRE_NAME_MAX];
	} e[16];
};

static void walk_fn(void *ctx, const struct cache_entry_info *e)
{
	struct walk_seen *w = ctx;

	assert_true(w->n < 16);
	w->e[w->n].kind = e->kind;
	w->e[w->n].type = e->type;
	w->e[w->n].rr_type = e->rs.type;
	w->e[w->n].count = e->rs.count;
	w->e[w->n].rank = e->rank;
	w->e[w->n].ttl = e->rs.ttl;
	w->e[w->n].first = e->rs.type == WIRE_TYPE_A && e->rs.count ? first_a(&e->rs) :
			   e->rs.type == WIRE_TYPE_SOA && e->rs.count ?
			   wire_get32(e->rs.rdata + 4) : 0;
	memcpy(w->e[w->n].owner, e->rs.owner, wire_name_len(e->rs.owner));
	w->n++;
}

static void test_walk_name(void **state)
{
	(void)state;
	static struct trr t, soa;
	struct cache *c = mkcache(1 << 20, 8);
	struct cache_stats before, after;
	struct walk_seen w;
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX], small[64], zone[WIRE_NAME_MAX];
	bool trunc;

	cache_put_rrset(c, mk_a(&t, "www.example.com", 600, 0x7f000001, 2),
			CACHE_RANK_AUTH_ANSWER, NOW);
	cache_put_rrset(c, mk_blob(&t, "www.example.com", WIRE_TYPE_TXT, 300, 10, 'x'),
			CACHE_RANK_ANSWER_NONAUTH, NOW);
	cache_put_rrset(c, mk_blob(&t, "www.example.com", WIRE_TYPE_NS, 100, 5, 1),
			CACHE_RANK_REFERRAL, NOW);
	mkname("www.example.com", n);
	cache_put_negative(c, n, WIRE_TYPE_MX, false, mk_soa(&soa, "example.com", 900), 60,
			   CACHE_RANK_AUTH_AUTHORITY, NOW);
	cache_put_rrset(c, mk_blob(&t, "www.example.com", WIRE_TYPE_SRV, 5, 4, 2),
			CACHE_RANK_AUTH_ANSWER, NOW);  /* expired below */
	/* other names: not reported */
	cache_put_rrset(c, mk_a(&t, "example.com", 600, 9, 1), CACHE_RANK_AUTH_ANSWER, NOW);
	cache_put_rrset(c, mk_a(&t, "a.www.example.com", 600, 9, 1), CACHE_RANK_AUTH_ANSWER, NOW);

	cache_get_stats(c, &before);
	memset(&w, 0, sizeof(w));
	mkname("WWW.Example.COM", n);  /* any case */
	assert_int_equal(cache_walk_name(c, n, NOW + 10, scratch, sizeof(scratch), walk_fn, &w,
					 &trunc), 4);
	assert_false(trunc);
	assert_int_equal(w.n, 4);
	/* by type: A (1), NS (2), MX (15, NODATA), TXT (16); SRV expired */
	assert_int_equal(w.e[0].type, WIRE_TYPE_A);
	assert_int_equal(w.e[0].kind, CACHE_POSITIVE);
	assert_int_equal(w.e[0].count, 2);
	assert_int_equal(w.e[0].first, 0x7f000001);
	assert_int_equal(w.e[0].ttl, 590);
	assert_int_equal(w.e[0].rank, CACHE_RANK_AUTH_ANSWER);
	mkname("www.example.com", n);
	assert_memory_equal(w.e[0].owner, n, wire_name_len(n));
	assert_int_equal(w.e[1].type, WIRE_TYPE_NS);
	assert_int_equal(w.e[1].rank, CACHE_RANK_REFERRAL);
	assert_int_equal(w.e[1].ttl, 90);
	assert_int_equal(w.e[2].type, WIRE_TYPE_MX);
	assert_int_equal(w.e[2].kind, CACHE_NODATA);
	assert_int_equal(w.e[2].rr_type, WIRE_TYPE_SOA);
	assert_int_equal(w.e[2].first, 1000);           /* the SOA's serial */
	assert_int_equal(w.e[2].ttl, 50);
	assert_int_equal(w.e[2].rank, CACHE_RANK_AUTH_AUTHORITY);
	mkname("example.com", zone);
	assert_memory_equal(w.e[2].owner, zone, wire_name_len(zone));
	assert_int_equal(w.e[3].type, WIRE_TYPE_TXT);
	assert_int_equal(w.e[3].rank, CACHE_RANK_ANSWER_NONAUTH);
	assert_int_equal(w.e[3].ttl, 290);

	/* a peek: no hit or miss counted, nothing removed (the expired SRV
	 * stays until a lookup meets it) */
	cache_get_stats(c, &after);
	assert_int_equal(after.hits, before.hits);
	assert_int_equal(after.misses, before.misses);
	assert_int_equal(after.entries, before.entries);

	/* an NXDOMAIN entry comes first, as type 0 */
	/* (a new NXDOMAIN leaves the name's older entries in place) */
	cache_put_rrset(c, mk_a(&t, "nx.example.com", 600, 7, 1), CACHE_RANK_GLUE, NOW);
	mkname("nx.example.com", n);
	cache_put_negative(c, n, 0, true, NULL, 60, CACHE_RANK_AUTH_ANSWER, NOW);
	memset(&w, 0, sizeof(w));
	assert_int_equal(cache_walk_name(c, n, NOW, scratch, sizeof(scratch), walk_fn, &w, NULL), 2);
	assert_int_equal(w.e[0].kind, CACHE_NXDOMAIN);
	assert_int_equal(w.e[0].type, 0);
	assert_int_equal(w.e[0].count, 0);
	assert_int_equal(w.e[1].kind, CACHE_POSITIVE);

	/* a name with nothing cached; a scratch too small for everything */
	memset(&w, 0, sizeof(w));
	mkname("nothing.example.com", n);
	assert_int_equal(cache_walk_name(c, n, NOW, scratch, sizeof(scratch), walk_fn, &w,
					 &trunc), 0);
	assert_false(trunc);
	mkname("www.example.com", n);
	memset(&w, 0, sizeof(w));
	assert_int_equal(cache_walk_name(c, n, NOW, small, sizeof(small), walk_fn, &w,
					 &trunc), 1);
	assert_true(trunc);
	assert_int_equal(w.n, 1);
	/* after all that, lookups still count as before */
	assert_int_equal(get(c, "www.example.com", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);
	cache_get_stats(c, &after);
	assert_int_equal(after.hits, before.hits + 1);
	cache_free(c);
}

static void test_scratch_and_limits(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(256 * 1024, 16);  /* ~14 KiB per shard */
	struct cache_stats st0, st;
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX], small[64];
	size_t nl = mkname("small.test", n);

	cache_put_rrset(c, mk_a(&t, "small.test", 60, 1, 8), CACHE_RANK_AUTH_ANSWER, NOW);
	size_t need = nl + 8 * 6;
	cache_get_stats(c, &st0);
	assert_int_equal(cache_get(c, n, WIRE_TYPE_A, NOW, small, need - 1, &rs, NULL), CACHE_MISS);
	cache_get_stats(c, &st);
	assert_int_equal(st.hits, st0.hits);
	assert_int_equal(st.misses, st0.misses);
	assert_int_equal(cache_get(c, n, WIRE_TYPE_A, NOW, small, need, &rs, NULL), CACHE_POSITIVE);
	assert_ptr_equal(rs.owner, small);

	/* Larger than a shard's budget: rejected, nothing evicted. */
	assert_int_equal(cache_put_rrset(c, mk_blob(&t, "huge.test", WIRE_TYPE_TXT, 60, 20000, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_ELIMIT);
	assert_int_equal(get(c, "huge.test", WIRE_TYPE_TXT, NOW, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(c, "small.test", WIRE_TYPE_A, NOW, &rs, NULL), CACHE_POSITIVE);

	/* Bad input. */
	mk_a(&t, "bad.test", 60, 1, 2);
	t.rs.rdata_len--;
	assert_int_equal(cache_put_rrset(c, &t.rs, CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_EINVAL);
	mk_a(&t, "bad.test", 60, 1, 1);
	t.rs.type = 0;
	assert_int_equal(cache_put_rrset(c, &t.rs, CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_EINVAL);
	assert_int_equal(cache_put_negative(c, n, 0, false, NULL, 60, CACHE_RANK_AUTH_ANSWER, NOW),
			 CAIRN_EINVAL);
	cache_free(c);

	struct cache_config cfg;
	struct cache *c2;
	cache_config_default(&cfg);
	cfg.shards = 3;
	assert_int_equal(cache_new(&cfg, &c2), CAIRN_EINVAL);
	cfg.shards = 8192;
	assert_int_equal(cache_new(&cfg, &c2), CAIRN_EINVAL);
	cfg.shards = 16;
	cfg.max_bytes = 4096;
	assert_int_equal(cache_new(&cfg, &c2), CAIRN_EINVAL);
	/* Default shard count shrinks for small budgets but still works. */
	cfg.shards = 0;
	cfg.max_bytes = 64 * 1024;
	assert_int_equal(cache_new(&cfg, &c2), CAIRN_OK);
	cache_get_stats(c2, &st);
	assert_true(st.bytes < 64 * 1024);
	cache_free(c2);
	cache_free(NULL);
}

/* Compares what the cache accounts with what the allocator really used. */
static void test_overhead(void **state)
{
	(void)state;
	static struct trr t;
	struct cache *c = mkcache(256u << 20, 0);
	struct cache_stats st0, st;
	char name[64];
	const unsigned n = 20000;
	size_t payload = 0;

	cache_get_stats(c, &st0);
	struct mallinfo2 m0 = mallinfo2();
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%u.example.com", i);
		mk_a(&t, name, 3600, i, 1);
		payload += wire_name_len(t.owner) + t.rs.rdata_len;
		assert_int_equal(cache_put_rrset(c, &t.rs, CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	}
	struct mallinfo2 m1 = mallinfo2();
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, n);
	double accounted = (double)(st.bytes - st0.bytes) / n;
	double avg_payload = (double)payload / n;
	print_message("per entry: payload %.1f B, accounted %.1f B (overhead %.1f B; header+chunk %zu B)\n",
		      avg_payload, accounted, accounted - avg_payload, cache_entry_overhead());
	assert_true(accounted >= avg_payload + (double)cache_entry_overhead() - 1);
	if (m1.uordblks > m0.uordblks) {
		/* glibc malloc: in-use bytes (chunk sizes incl. headers). */
		double real = (double)(m1.uordblks - m0.uordblks) / n;
		print_message("per entry: malloc in use %.1f B\n", real);
		assert_true(real <= accounted + 0.5);
	} else {
		print_message("allocator replaced (sanitizer/valgrind): mallinfo2 not comparable\n");
	}
	cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_ttl_aging),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_walk_all_restore),
		cmocka_unit_test(test_clamping),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_budget_100k),
		cmocka_unit_test(test_lru_mru),
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_flush_negative_type),
		cmocka_unit_test(test_walk_name),
		cmocka_unit_test(test_scratch_and_limits),
		cmocka_unit_test(test_overhead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
