/* Unit tests for the cache's index of validated NSEC RRsets (RFC 8198,
 * cache_find_nsec): the closest NSEC of a zone at or before a name in
 * canonical order, across zones and child zones, in any case; what enters
 * the index (SECURE with RRSIGs, owner within its signer) and what leaves
 * it (cache_set_sec, replacement, expiry, flushes, eviction under the
 * byte budget). The threaded stress test is in test_cache_threads.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cairn/cache.h"
#include "cache_test_util.h"

static uint8_t scratch[65536];

/* Stores a signed NSEC owner -> next of zone (signer from the RRSIG when
 * signer is NULL) with state sec. */
static cairn_err put_nsec(struct cache *c, const char *owner, const char *next,
			  const char *zone, const uint8_t *signer, enum cache_sec sec,
			  uint32_t ttl, uint64_t now)
{
	static struct trr n, s;
	struct cache_dnssec d = { .sec = sec,
				  .sigs = mk_rrsig(&s, owner, WIRE_TYPE_NSEC, zone, ttl, 1, 64, 1),
				  .ede = CACHE_EDE_NONE, .signer = signer };

	return cache_put_rrset_sec(c, mk_nsec(&n, owner, next, ttl), CACHE_RANK_AUTH_AUTHORITY,
				   &d, now);
}

/* The owner (text) of the NSEC cache_find_nsec gives for name in zone, or "-". */
static const char *find(struct cache *c, const char *zone, const char *name, uint64_t now)
{
	static char out[256];
	uint8_t z[WIRE_NAME_MAX], n[WIRE_NAME_MAX];
	struct wire_rrset nsec, sigs;

	mkname(zone, z);
	mkname(name, n);
	if (!cache_find_nsec(c, z, n, now, scratch, sizeof(scratch), &nsec, &sigs))
		return "-";
	assert_int_equal(nsec.type, WIRE_TYPE_NSEC);
	assert_int_equal(sigs.type, WIRE_TYPE_RRSIG);
	assert_true(sigs.count > 0);
	assert_true(wire_name_equal(sigs.owner, nsec.owner));
	assert_int_equal(sigs.ttl, nsec.ttl);
	assert_int_equal(wire_name_to_text(nsec.owner, out, sizeof(out)), CAIRN_OK);
	return out;
}

static void test_find_nsec(void **state)
{
	(void)state;
	struct cache *c = mkcache(1 << 20, 4);
	uint8_t n[WIRE_NAME_MAX], z[WIRE_NAME_MAX], tiny[40];
	struct wire_rrset nsec, sigs;

	assert_string_equal(find(c, "example", "b.example", NOW), "-");
	assert_int_equal(put_nsec(c, "example", "b.example", "example", NULL, CACHE_SEC_SECURE,
				  300, NOW), CAIRN_OK);
	assert_int_equal(put_nsec(c, "b.example", "d.example", "example", NULL, CACHE_SEC_SECURE,
				  300, NOW), CAIRN_OK);
	assert_int_equal(put_nsec(c, "d.example", "example", "example", NULL, CACHE_SEC_SECURE,
				  300, NOW), CAIRN_OK);
	/* another zone's NSECs, and a child zone's (below b.example) */
	assert_int_equal(put_nsec(c, "example.org", "z.example.org", "example.org", NULL,
				  CACHE_SEC_SECURE, 300, NOW), CAIRN_OK);
	assert_int_equal(put_nsec(c, "sub.b.example", "x.sub.b.example", "sub.b.example", NULL,
				  CACHE_SEC_SECURE, 300, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "a.example", NOW), "example.");
	assert_string_equal(find(c, "example", "b.example", NOW), "b.example.");
	assert_string_equal(find(c, "example", "C.Example", NOW), "b.example.");
	/* canonical order: x.b.example sorts after b.example, before c.example */
	assert_string_equal(find(c, "example", "x.b.example", NOW), "b.example.");
	assert_string_equal(find(c, "example", "zzz.example", NOW), "d.example.");
	assert_string_equal(find(c, "example", "example", NOW), "example.");
	assert_string_equal(find(c, "example.org", "a.example.org", NOW), "example.org.");
	assert_string_equal(find(c, "sub.b.example", "y.sub.b.example", NOW), "sub.b.example.");
	assert_string_equal(find(c, "example.net", "a.example.net", NOW), "-");
	assert_string_equal(find(c, "org", "a.org", NOW), "-");
	/* too small a scratch */
	mkname("example", z);
	mkname("c.example", n);
	assert_false(cache_find_nsec(c, z, n, NOW, tiny, sizeof(tiny), &nsec, &sigs));
	/* expired: not found, nor is an older neighbour used */
	assert_string_equal(find(c, "example", "c.example", NOW + 300), "-");
	/* UNCHECKED is not indexed until cache_set_sec makes it SECURE */
	assert_int_equal(put_nsec(c, "f.example", "h.example", "example", NULL,
				  CACHE_SEC_UNCHECKED, 300, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "g.example", NOW), "d.example.");
	mkname("f.example", n);
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_NSEC, false, CACHE_SEC_SECURE,
				       CACHE_EDE_NONE, 100, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "g.example", NOW), "f.example.");
	assert_string_equal(find(c, "example", "g.example", NOW + 100), "-");  /* capped */
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_NSEC, false, CACHE_SEC_BOGUS, 6, 100, NOW),
			 CAIRN_OK);
	assert_string_equal(find(c, "example", "g.example", NOW), "d.example.");
	/* replaced by different unchecked data: out of the index */
	assert_int_equal(put_nsec(c, "b.example", "c.example", "example", NULL,
				  CACHE_SEC_UNCHECKED, 300, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "bb.example", NOW), "example.");
	/* the signer given explicitly; an owner outside its signer is not indexed */
	mkname("example", z);
	assert_int_equal(put_nsec(c, "k.example", "m.example", "other", z, CACHE_SEC_SECURE, 300,
				  NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "l.example", NOW), "k.example.");
	assert_int_equal(put_nsec(c, "q.example", "r.example", "other", NULL, CACHE_SEC_SECURE,
				  300, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "qq.example", NOW), "k.example.");
	/* an NSEC without signatures is not indexed */
	static struct trr bare;
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .ede = CACHE_EDE_NONE };
	assert_int_equal(cache_put_rrset_sec(c, mk_nsec(&bare, "s.example", "t.example", 300),
					     CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "ss.example", NOW), "k.example.");
	/* an RRSIG too short to hold a signer: stored, not indexed */
	static struct trr bad, badsig;
	mk_rrsig(&badsig, "u.example", WIRE_TYPE_NSEC, "example", 300, 1, 0, 0);
	wire_put16(badsig.rdata, 10);
	badsig.rs.rdata_len = 12;
	d.sigs = &badsig.rs;
	assert_int_equal(cache_put_rrset_sec(c, mk_nsec(&bad, "u.example", "v.example", 300),
					     CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_OK);
	assert_string_equal(find(c, "example", "uu.example", NOW), "k.example.");
	/* flushes take entries out of the index */
	mkname("k.example", n);
	assert_int_equal(cache_flush_type(c, n, WIRE_TYPE_NSEC), 1);
	assert_string_equal(find(c, "example", "l.example", NOW), "d.example.");
	mkname("d.example", n);
	cache_flush_name(c, n, false);
	assert_string_equal(find(c, "example", "l.example", NOW), "example.");
	mkname("sub.b.example", n);
	cache_flush_name(c, n, true);
	assert_string_equal(find(c, "sub.b.example", "y.sub.b.example", NOW), "-");
	cache_flush(c);
	assert_string_equal(find(c, "example", "a.example", NOW), "-");
	assert_string_equal(find(c, "example.org", "a.example.org", NOW), "-");
	cache_free(c);
}

/* Under a small budget most NSECs are evicted: whatever the index still
 * gives must be in the cache (no dangling node), the closest one stored. */
static void test_nsec_eviction(void **state)
{
	(void)state;
	struct cache *c = mkcache(64u << 10, 2);
	char name[64], next[64];
	struct cache_stats st;
	unsigned found = 0;

	for (unsigned i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "n%05u.example", i);
		snprintf(next, sizeof(next), "n%05u.example", i + 1);
		assert_int_equal(put_nsec(c, name, next, "example", NULL, CACHE_SEC_SECURE, 300,
					  NOW), CAIRN_OK);
	}
	cache_get_stats(c, &st);
	assert_true(st.evictions > 0);
	for (unsigned i = 0; i < 3000; i++) {
		uint8_t n[WIRE_NAME_MAX], o[WIRE_NAME_MAX];
		struct wire_rrset rs;
		snprintf(name, sizeof(name), "n%05ua.example", i);
		const char *got = find(c, "example", name, NOW);
		if (strcmp(got, "-") == 0)
			continue;
		found++;
		mkname(got, o);
		mkname(name, n);
		assert_true(wire_name_compare(o, n) <= 0);
		assert_int_equal(cache_get(c, o, WIRE_TYPE_NSEC, NOW, scratch + 32768, 32768, &rs,
					   NULL), CACHE_POSITIVE);
		/* the closest: no stored NSEC between it and the name */
		if (strcmp(got, name) != 0 && wire_name_compare(o, n) < 0) {
			snprintf(next, sizeof(next), "n%05u.example", i);
			mkname(next, n);
			if (wire_name_compare(o, n) < 0)
				assert_int_equal(cache_get(c, n, WIRE_TYPE_NSEC, NOW, scratch + 32768,
							   32768, &rs, NULL), CACHE_MISS);
		}
	}
	print_message("%u of 3000 names covered by an NSEC still cached (%llu entries)\n",
		      found, (unsigned long long)st.entries);
	assert_true(found > 0 && found < 3000);
	cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_nsec),
		cmocka_unit_test(test_nsec_eviction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
