/* Unit tests for the DNSSEC data in cache/ (issue 9): the validation state
 * and EDE kept, replaced and not downgraded; cache_set_sec and its TTL cap;
 * RRSIGs and denial proofs returned with and without CACHE_GET_DNSSEC and
 * their TTLs; bad input; scratch limits; walking, dumping and restoring;
 * the byte budget; stale entries. The NSEC index (RFC 8198) is tested in
 * test_cache_nsec.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cairn/cache.h"
#include "cache_test_util.h"

static uint8_t scratch[65536];

static struct wire_rrset *mk_soa(struct trr *t, const char *zone, uint32_t ttl, uint32_t serial)
{
	uint8_t *p = t->rdata + 2;

	mkname(zone, t->owner);
	*p++ = 0;  /* mname "." */
	*p++ = 0;  /* rname "." */
	for (int i = 0; i < 5; i++, p += 4)
		wire_put32(p, serial + (uint32_t)i);
	wire_put16(t->rdata, (uint16_t)(p - t->rdata - 2));
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = WIRE_TYPE_SOA,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = 1,
		.rdata_len = (uint32_t)(p - t->rdata), .rdata = t->rdata };
	return &t->rs;
}

static enum cache_result getx(struct cache *c, const char *name, uint16_t type, uint64_t now,
			      unsigned flags, struct wire_rrset *rs, struct cache_hit *hit)
{
	uint8_t n[WIRE_NAME_MAX];

	mkname(name, n);
	return cache_get_ex(c, n, type, now, flags, scratch, sizeof(scratch), rs, NULL, hit);
}

/* A SECURE A RRset of name with two 64-byte signatures by example. */
static void put_signed_a(struct cache *c, const char *name, uint32_t ttl, uint32_t addr,
			 enum cache_sec sec, enum cache_rank rank, uint64_t now)
{
	static struct trr a, s;
	struct cache_dnssec d = { .sec = sec, .sigs = mk_rrsig(&s, name, WIRE_TYPE_A, "example",
							      ttl, 2, 64, 1),
				  .ede = CACHE_EDE_NONE };

	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, name, ttl, addr, 1), rank, &d, now),
			 CAIRN_OK);
}

static void test_state_and_sigs(void **state)
{
	(void)state;
	static struct trr a, s;
	struct cache *c = mkcache(1 << 20, 1);
	struct wire_rrset rs;
	struct cache_hit hit;

	mk_rrsig(&s, "www.example", WIRE_TYPE_A, "example", 300, 2, 64, 7);
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .sigs = &s.rs, .ede = CACHE_EDE_NONE };
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "www.example", 300, 10, 2),
					     CACHE_RANK_AUTH_ANSWER, &d, NOW), CAIRN_OK);
	/* without CACHE_GET_DNSSEC: the state, nothing copied */
	memset(&hit, 0xaa, sizeof(hit));
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 10, 0, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(hit.ede, CACHE_EDE_NONE);
	assert_int_equal(hit.sigs.count, 0);
	assert_int_equal(hit.nproof, 0);
	assert_int_equal(rs.ttl, 290);
	assert_rrset_equal(&rs, &a.rs);
	/* with it: the RRSIGs after the RRset in scratch, aged alike */
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 10, CACHE_GET_DNSSEC, &rs,
			      &hit), CACHE_POSITIVE);
	assert_rrset_equal(&rs, &a.rs);
	assert_rrset_equal(&hit.sigs, &s.rs);
	assert_int_equal(hit.sigs.ttl, 290);
	assert_int_equal(hit.sigs.rclass, WIRE_CLASS_IN);
	assert_int_equal(hit.nproof, 0);
	assert_true(hit.sigs.owner >= scratch && hit.sigs.owner < scratch + sizeof(scratch));
	/* the plain lookup still works and data stored without DNSSEC is unchecked */
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 10, 0, &rs, NULL),
			 CACHE_POSITIVE);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "plain.example", 300, 1, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "plain.example", WIRE_TYPE_A, NOW, CACHE_GET_DNSSEC, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_UNCHECKED);
	assert_int_equal(hit.ede, CACHE_EDE_NONE);
	assert_int_equal(hit.sigs.count, 0);
	/* the TTL is the smallest of the RRset's and the RRSIGs' (RFC 4034 §3);
	 * RRSIG TTLs are capped like the RRset's (max_ttl 86400) */
	static const struct { const char *name; uint32_t ttl, sig_ttl, want; } ttls[] = {
		{ "short.example", 300, 100, 100 },
		{ "long.example", 1000000, 1000000, 86400 },
	};
	for (unsigned i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++) {
		mk_rrsig(&s, ttls[i].name, WIRE_TYPE_A, "example", ttls[i].sig_ttl, 1, 64, 1);
		assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, ttls[i].name, ttls[i].ttl, 1, 1),
						     CACHE_RANK_AUTH_ANSWER, &d, NOW), CAIRN_OK);
		assert_int_equal(getx(c, ttls[i].name, WIRE_TYPE_A, NOW, CACHE_GET_DNSSEC, &rs,
				      &hit), CACHE_POSITIVE);
		assert_int_equal(rs.ttl, ttls[i].want);
		assert_int_equal(hit.sigs.ttl, ttls[i].want);
		assert_int_equal(hit.orig_ttl, ttls[i].want);
	}
	/* an RRSIG TTL with the top bit set is 0 (RFC 2181 §8): nothing stored */
	mk_rrsig(&s, "zero.example", WIRE_TYPE_A, "example", 0x80000001u, 1, 64, 1);
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "zero.example", 300, 1, 1),
					     CACHE_RANK_AUTH_ANSWER, &d, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "zero.example", WIRE_TYPE_A, NOW, 0, &rs, NULL), CACHE_MISS);
	/* BOGUS with its EDE, no signatures at all */
	struct cache_dnssec bogus = { .sec = CACHE_SEC_BOGUS, .ede = 6 };
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "bad.example", 60, 1, 1),
					     CACHE_RANK_AUTH_ANSWER, &bogus, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "bad.example", WIRE_TYPE_A, NOW, CACHE_GET_DNSSEC, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_BOGUS);
	assert_int_equal(hit.ede, 6);
	assert_int_equal(hit.sigs.count, 0);
	/* an UNCHECKED entry has no EDE */
	struct cache_dnssec un = { .sec = CACHE_SEC_UNCHECKED, .ede = 6 };
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "un.example", 60, 1, 1),
					     CACHE_RANK_AUTH_ANSWER, &un, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "un.example", WIRE_TYPE_A, NOW, 0, &rs, &hit), CACHE_POSITIVE);
	assert_int_equal(hit.ede, CACHE_EDE_NONE);
	cache_free(c);
}

/* sec and the first address of the A RRset of name */
static enum cache_sec sec_of(struct cache *c, const char *name, uint64_t now, uint32_t *addr)
{
	struct wire_rrset rs;
	struct cache_hit hit;

	if (getx(c, name, WIRE_TYPE_A, now, 0, &rs, &hit) != CACHE_POSITIVE)
		return (enum cache_sec)-1;
	*addr = wire_get32(rs.rdata + 2);
	return hit.sec;
}

static void test_replace(void **state)
{
	(void)state;
	static struct trr a, b;
	struct cache *c = mkcache(1 << 20, 1);
	struct cache_dnssec un = { .sec = CACHE_SEC_UNCHECKED, .ede = CACHE_EDE_NONE };
	struct cache_dnssec ins = { .sec = CACHE_SEC_INSECURE, .ede = CACHE_EDE_NONE };
	struct cache_hit hit;
	struct wire_rrset rs;
	uint32_t addr;

	/* identical rdata, unchecked, same rank: the SECURE entry and its sigs stay */
	put_signed_a(c, "w.example", 300, 5, CACHE_SEC_SECURE, CACHE_RANK_ANSWER_NONAUTH, NOW);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "w.example", 300, 5, 1),
					 CACHE_RANK_ANSWER_NONAUTH, NOW + 1), CAIRN_OK);
	assert_int_equal(cache_put_rrset_sec(c, &a.rs, CACHE_RANK_ANSWER_NONAUTH, &un, NOW + 1),
			 CAIRN_OK);
	assert_int_equal(getx(c, "w.example", WIRE_TYPE_A, NOW + 2, CACHE_GET_DNSSEC, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(hit.sigs.count, 2);
	assert_int_equal(rs.ttl, 298);  /* the old entry, not the repetition */
	/* the same records in another order: still identical */
	mk_a(&a, "multi.example", 300, 1, 3);
	static struct trr s;
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE,
				  .sigs = mk_rrsig(&s, "multi.example", WIRE_TYPE_A, "example",
						   300, 1, 64, 1),
				  .ede = CACHE_EDE_NONE };
	assert_int_equal(cache_put_rrset_sec(c, &a.rs, CACHE_RANK_AUTH_ANSWER, &d, NOW), CAIRN_OK);
	b = a;
	b.rs.owner = b.owner;
	b.rs.rdata = b.rdata;
	memcpy(b.rdata, a.rdata + 12, 6);  /* third, second, first */
	memcpy(b.rdata + 6, a.rdata + 6, 6);
	memcpy(b.rdata + 12, a.rdata, 6);
	assert_int_equal(cache_put_rrset(c, &b.rs, CACHE_RANK_AUTH_ANSWER, NOW + 1), CAIRN_OK);
	assert_int_equal(sec_of(c, "multi.example", NOW + 1, &addr), CACHE_SEC_SECURE);
	assert_int_equal(addr, 1);
	/* different rdata at the same rank: the newer replaces */
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "w.example", 300, 6, 1),
					 CACHE_RANK_ANSWER_NONAUTH, NOW + 3), CAIRN_OK);
	assert_int_equal(sec_of(c, "w.example", NOW + 3, &addr), CACHE_SEC_UNCHECKED);
	assert_int_equal(addr, 6);
	/* same count, one record different: replaces too */
	mk_a(&b, "multi.example", 300, 2, 3);
	assert_int_equal(cache_put_rrset(c, &b.rs, CACHE_RANK_AUTH_ANSWER, NOW + 1), CAIRN_OK);
	assert_int_equal(sec_of(c, "multi.example", NOW + 1, &addr), CACHE_SEC_UNCHECKED);
	/* only UNCHECKED is kept out: an INSECURE verdict replaces SECURE */
	put_signed_a(c, "i.example", 300, 5, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "i.example", 300, 5, 1),
					     CACHE_RANK_AUTH_ANSWER, &ins, NOW), CAIRN_OK);
	assert_int_equal(sec_of(c, "i.example", NOW, &addr), CACHE_SEC_INSECURE);
	/* a higher rank replaces as before, a lower one does not */
	put_signed_a(c, "h.example", 300, 5, CACHE_SEC_SECURE, CACHE_RANK_ANSWER_NONAUTH, NOW);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "h.example", 300, 5, 1),
					 CACHE_RANK_GLUE, NOW), CAIRN_OK);
	assert_int_equal(sec_of(c, "h.example", NOW, &addr), CACHE_SEC_SECURE);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "h.example", 300, 5, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(sec_of(c, "h.example", NOW, &addr), CACHE_SEC_UNCHECKED);
	/* an expired SECURE entry is replaced (serve-stale off: it is gone) */
	put_signed_a(c, "e.example", 10, 5, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "e.example", 300, 5, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW + 10), CAIRN_OK);
	assert_int_equal(sec_of(c, "e.example", NOW + 10, &addr), CACHE_SEC_UNCHECKED);
	/* BOGUS is not protected: a repetition replaces it */
	put_signed_a(c, "b.example", 300, 5, CACHE_SEC_BOGUS, CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "b.example", 300, 5, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(sec_of(c, "b.example", NOW, &addr), CACHE_SEC_UNCHECKED);
	/* negative entries: a SECURE NXDOMAIN is not downgraded by the same
	 * NXDOMAIN unchecked; a different SOA replaces it */
	uint8_t n[WIRE_NAME_MAX];
	struct cache_dnssec nd = { .sec = CACHE_SEC_SECURE, .ede = CACHE_EDE_NONE };
	mkname("nx.example", n);
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, mk_soa(&a, "example", 300, 1), 300,
						CACHE_RANK_AUTH_AUTHORITY, &nd, NOW), CAIRN_OK);
	assert_int_equal(cache_put_negative(c, n, 0, true, &a.rs, 300, CACHE_RANK_AUTH_AUTHORITY,
					    NOW + 1), CAIRN_OK);
	assert_int_equal(getx(c, "nx.example", WIRE_TYPE_A, NOW + 1, 0, &rs, &hit), CACHE_NXDOMAIN);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(cache_put_negative(c, n, 0, true, mk_soa(&a, "example", 300, 2), 300,
					    CACHE_RANK_AUTH_AUTHORITY, NOW + 1), CAIRN_OK);
	assert_int_equal(getx(c, "nx.example", WIRE_TYPE_A, NOW + 1, 0, &rs, &hit), CACHE_NXDOMAIN);
	assert_int_equal(hit.sec, CACHE_SEC_UNCHECKED);
	cache_free(c);
}

static void test_set_sec(void **state)
{
	(void)state;
	static struct trr a;
	struct cache *c = mkcache(1 << 20, 1);
	uint8_t n[WIRE_NAME_MAX];
	struct wire_rrset rs;
	struct cache_hit hit;

	assert_int_equal(cache_put_rrset(c, mk_a(&a, "www.example", 3600, 1, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	mkname("WWW.Example", n);  /* any case */
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_A, false, CACHE_SEC_SECURE, CACHE_EDE_NONE,
				       100, NOW + 10), CAIRN_OK);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 10, 0, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(rs.ttl, 100);
	assert_int_equal(hit.orig_ttl, 3600);  /* as stored */
	/* never extended */
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_A, false, CACHE_SEC_INSECURE, 9, 5000,
				       NOW + 20), CAIRN_OK);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 20, 0, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_INSECURE);
	assert_int_equal(hit.ede, 9);
	assert_int_equal(rs.ttl, 90);
	/* unchecked has no EDE */
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_A, false, CACHE_SEC_UNCHECKED, 9, 5000,
				       NOW + 20), CAIRN_OK);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 20, 0, &rs, &hit),
			 CACHE_POSITIVE);
	assert_int_equal(hit.ede, CACHE_EDE_NONE);
	/* bogus briefly: 0 expires it at once */
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_A, false, CACHE_SEC_BOGUS, 6, 0, NOW + 30),
			 CAIRN_OK);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 30, 0, &rs, &hit), CACHE_MISS);
	/* not found: expired, other type, other name, NXDOMAIN flag without one */
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_A, false, CACHE_SEC_SECURE, CACHE_EDE_NONE,
				       100, NOW + 30), CAIRN_ENOTFOUND);
	assert_int_equal(cache_put_rrset(c, mk_a(&a, "www.example", 3600, 1, 1),
					 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_AAAA, false, CACHE_SEC_SECURE,
				       CACHE_EDE_NONE, 100, NOW), CAIRN_ENOTFOUND);
	assert_int_equal(cache_set_sec(c, n, 0, true, CACHE_SEC_SECURE, CACHE_EDE_NONE, 100, NOW),
			 CAIRN_ENOTFOUND);
	mkname("other.example", n);
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_A, false, CACHE_SEC_SECURE,
				       CACHE_EDE_NONE, 100, NOW), CAIRN_ENOTFOUND);
	/* the NXDOMAIN entry of a name, and a NODATA entry */
	mkname("nx.example", n);
	assert_int_equal(cache_put_negative(c, n, 0, true, mk_soa(&a, "example", 300, 1), 300,
					    CACHE_RANK_AUTH_AUTHORITY, NOW), CAIRN_OK);
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_MX, true, CACHE_SEC_BOGUS, 6, 60, NOW),
			 CAIRN_OK);
	assert_int_equal(getx(c, "nx.example", WIRE_TYPE_TXT, NOW, 0, &rs, &hit), CACHE_NXDOMAIN);
	assert_int_equal(hit.sec, CACHE_SEC_BOGUS);
	assert_int_equal(hit.ede, 6);
	assert_int_equal(rs.ttl, 60);
	mkname("nd.example", n);
	assert_int_equal(cache_put_negative(c, n, WIRE_TYPE_AAAA, false, &a.rs, 300,
					    CACHE_RANK_AUTH_AUTHORITY, NOW), CAIRN_OK);
	assert_int_equal(cache_set_sec(c, n, WIRE_TYPE_AAAA, false, CACHE_SEC_SECURE,
				       CACHE_EDE_NONE, 1000, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "nd.example", WIRE_TYPE_AAAA, NOW, 0, &rs, &hit), CACHE_NODATA);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(rs.ttl, 300);
	cache_free(c);
}

/* A denial proof: NSEC a.example -> c.example and its RRSIG, NSEC
 * example -> a.example (the wildcard) and its RRSIG; TTLs ttl. */
struct proof {
	struct trr n1, s1, n2, s2;
	struct wire_rrset rs[4];
};

static void mk_proof(struct proof *p, uint32_t ttl)
{
	p->rs[0] = *mk_nsec(&p->n1, "a.example", "c.example", ttl);
	p->rs[1] = *mk_rrsig(&p->s1, "a.example", WIRE_TYPE_NSEC, "example", ttl, 1, 64, 3);
	p->rs[2] = *mk_nsec(&p->n2, "example", "a.example", ttl);
	p->rs[3] = *mk_rrsig(&p->s2, "example", WIRE_TYPE_NSEC, "example", ttl, 1, 64, 4);
}

/* A SECURE NXDOMAIN of b.example (negative TTL 300): the SOA of example
 * (TTL soa_ttl) with its RRSIG, and the proof of mk_proof (TTL proof_ttl). */
struct signed_nx {
	struct trr soa, ssig;
	struct proof p;
};

static void put_secure_nx(struct cache *c, struct signed_nx *x, uint32_t soa_ttl,
			  uint32_t proof_ttl)
{
	uint8_t n[WIRE_NAME_MAX];

	mk_soa(&x->soa, "example", soa_ttl, 1);
	mk_rrsig(&x->ssig, "example", WIRE_TYPE_SOA, "example", soa_ttl, 1, 64, 2);
	mk_proof(&x->p, proof_ttl);
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .sigs = &x->ssig.rs, .proof = x->p.rs,
				  .nproof = 4, .ede = CACHE_EDE_NONE };
	mkname("b.example", n);
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, &x->soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_OK);
}

/* cache_set_sec_if: the verdict lands only on the records it was reached
 * on, not on an RRset that replaced them meanwhile */
static void test_set_sec_if(void **state)
{
	(void)state;
	static struct trr a, b;
	struct cache *c = mkcache(1 << 20, 1);
	uint8_t n[WIRE_NAME_MAX];
	struct wire_rrset rs;
	struct cache_hit hit;

	mkname("www.example", n);
	mk_a(&a, "www.example", 3600, 1, 1);        /* checked: 10.0.0.1 */
	mk_a(&b, "www.example", 3600, 2, 1);        /* stored meanwhile */
	assert_int_equal(cache_put_rrset(c, &b.rs, CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
	assert_int_equal(cache_set_sec_if(c, n, WIRE_TYPE_A, false, &a.rs, CACHE_SEC_SECURE,
					  CACHE_EDE_NONE, 100, NOW), CAIRN_ENOTFOUND);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW, 0, &rs, &hit), CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_UNCHECKED);
	assert_int_equal(rs.ttl, 3600);
	/* the same records: the verdict and its TTL cap apply */
	assert_int_equal(cache_set_sec_if(c, n, WIRE_TYPE_A, false, &b.rs, CACHE_SEC_SECURE,
					  CACHE_EDE_NONE, 100, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW, 0, &rs, &hit), CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(rs.ttl, 100);
	cache_free(c);
}

static void test_negative_proof(void **state)
{
	(void)state;
	static struct signed_nx x;
	struct cache *c = mkcache(1 << 20, 1);
	uint8_t n[WIRE_NAME_MAX];
	struct wire_rrset rs;
	struct cache_hit hit;

	put_secure_nx(c, &x, 3600, 120);
	assert_int_equal(getx(c, "b.example", WIRE_TYPE_A, NOW + 20, CACHE_GET_DNSSEC, &rs, &hit),
			 CACHE_NXDOMAIN);
	assert_rrset_equal(&rs, &x.soa.rs);
	assert_int_equal(rs.ttl, 100);  /* RFC 9077: the proof's TTL 120 caps 300 */
	assert_int_equal(hit.orig_ttl, 120);
	assert_rrset_equal(&hit.sigs, &x.ssig.rs);
	assert_int_equal(hit.nproof, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_rrset_equal(&hit.proof[i], &x.p.rs[i]);
		assert_int_equal(hit.proof[i].ttl, 100);
	}
	/* without the flag: nothing of it */
	assert_int_equal(getx(c, "b.example", WIRE_TYPE_A, NOW + 20, 0, &rs, &hit),
			 CACHE_NXDOMAIN);
	assert_int_equal(hit.nproof, 0);
	assert_int_equal(hit.sigs.count, 0);
	/* a NODATA proof of NSEC3 records (owner hashes, any rdata) */
	static struct trr n3, n3s;
	mkname("h0.example", n3.owner);
	mk_nsec(&n3, "h0.example", "h1.example", 600);
	n3.rs.type = WIRE_TYPE_NSEC3;
	mk_rrsig(&n3s, "h0.example", WIRE_TYPE_NSEC3, "example", 600, 1, 64, 5);
	struct wire_rrset pr[2] = { n3.rs, n3s.rs };
	struct cache_dnssec d3 = { .sec = CACHE_SEC_INSECURE, .proof = pr, .nproof = 2, .ede = 27 };
	mkname("www.example", n);
	assert_int_equal(cache_put_negative_sec(c, n, WIRE_TYPE_AAAA, false, &x.soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d3, NOW), CAIRN_OK);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_AAAA, NOW, CACHE_GET_DNSSEC, &rs, &hit),
			 CACHE_NODATA);
	assert_int_equal(rs.ttl, 300);
	assert_int_equal(hit.sec, CACHE_SEC_INSECURE);
	assert_int_equal(hit.ede, 27);
	assert_int_equal(hit.sigs.count, 0);
	assert_int_equal(hit.nproof, 2);
	assert_rrset_equal(&hit.proof[0], &n3.rs);
	assert_rrset_equal(&hit.proof[1], &n3s.rs);
	cache_free(c);
}

static void test_invalid(void **state)
{
	(void)state;
	static struct trr a, s, soa;
	static struct proof p;
	struct cache *c = mkcache(1 << 20, 1);
	struct cache_stats st;
	uint8_t n[WIRE_NAME_MAX];
	struct wire_rrset nine[CACHE_MAX_PROOF + 1];
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .ede = CACHE_EDE_NONE };

	mk_a(&a, "www.example", 300, 1, 1);
	mk_proof(&p, 300);
	mk_soa(&soa, "example", 300, 1);
	mkname("nx.example", n);
	/* sigs of another type, another owner */
	d.sigs = mk_a(&s, "www.example", 300, 1, 1);
	assert_int_equal(cache_put_rrset_sec(c, &a.rs, CACHE_RANK_AUTH_ANSWER, &d, NOW),
			 CAIRN_EINVAL);
	d.sigs = mk_rrsig(&s, "other.example", WIRE_TYPE_A, "example", 300, 1, 64, 1);
	assert_int_equal(cache_put_rrset_sec(c, &a.rs, CACHE_RANK_AUTH_ANSWER, &d, NOW),
			 CAIRN_EINVAL);
	/* rdlengths that do not add up */
	d.sigs = mk_rrsig(&s, "www.example", WIRE_TYPE_A, "example", 300, 1, 64, 1);
	s.rs.rdata_len--;
	assert_int_equal(cache_put_rrset_sec(c, &a.rs, CACHE_RANK_AUTH_ANSWER, &d, NOW),
			 CAIRN_EINVAL);
	/* a proof with an RRset (a wildcard expansion's) is kept */
	d.sigs = NULL;
	d.proof = p.rs;
	d.nproof = 2;
	assert_int_equal(cache_put_rrset_sec(c, &a.rs, CACHE_RANK_AUTH_ANSWER, &d, NOW),
			 CAIRN_OK);
	/* too many proof RRsets, a proof of another type, a state out of range */
	for (unsigned i = 0; i <= CACHE_MAX_PROOF; i++)
		nine[i] = p.rs[i % 4];
	d.proof = nine;
	d.nproof = CACHE_MAX_PROOF + 1;
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, &soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_EINVAL);
	nine[1] = a.rs;
	d.nproof = 2;
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, &soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_EINVAL);
	d.proof = p.rs;
	d.sec = (enum cache_sec)7;
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, &soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_EINVAL);
	/* SOA signatures without the SOA */
	d.sec = CACHE_SEC_SECURE;
	d.sigs = mk_rrsig(&s, "example", WIRE_TYPE_SOA, "example", 300, 1, 64, 1);
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, NULL, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_EINVAL);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);   /* the RRset with a proof, above */
	/* the same, well formed, is stored */
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, &soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_OK);
	cache_get_stats(c, &st);
	assert_int_equal(st.entries, 2);
	cache_free(c);
}

static void test_scratch_limit(void **state)
{
	(void)state;
	struct cache *c = mkcache(1 << 20, 1);
	uint8_t n[WIRE_NAME_MAX], small[64];
	struct cache_stats st0, st;
	struct wire_rrset rs;
	struct cache_hit hit;

	put_signed_a(c, "www.example", 300, 1, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER, NOW);
	mkname("www.example", n);
	cache_get_stats(c, &st0);
	/* the RRset fits, its signatures do not: a miss that is not counted */
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW, CACHE_GET_DNSSEC, small,
				      sizeof(small), &rs, NULL, &hit), CACHE_MISS);
	cache_get_stats(c, &st);
	assert_int_equal(st.hits, st0.hits);
	assert_int_equal(st.misses, st0.misses);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW, 0, small, sizeof(small), &rs, NULL,
				      &hit), CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	/* the flag without info is ignored */
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, NOW, CACHE_GET_DNSSEC, small,
				      sizeof(small), &rs, NULL, NULL), CACHE_POSITIVE);
	cache_free(c);
}

struct walked {
	unsigned n;
	enum cache_sec sec[4];
	uint16_t ede[4];
	unsigned nsigs[4], nproof[4];
	uint32_t ttl[4];
};

static void walk_fn(void *ctx, const struct cache_entry_info *e)
{
	struct walked *w = ctx;

	w->sec[w->n] = e->sec;
	w->ede[w->n] = e->ede;
	w->nsigs[w->n] = e->sigs.count;
	w->nproof[w->n] = e->nproof;
	w->ttl[w->n] = e->nproof ? e->proof[e->nproof - 1].ttl : e->sigs.ttl;
	w->n++;
}

static void test_walk_name(void **state)
{
	(void)state;
	static struct trr soa;
	static struct proof p;
	struct cache *c = mkcache(1 << 20, 1);
	uint8_t n[WIRE_NAME_MAX], small[200];
	struct walked w = { 0 };
	bool trunc;

	put_signed_a(c, "www.example", 300, 1, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER, NOW);
	mk_proof(&p, 300);
	struct cache_dnssec d = { .sec = CACHE_SEC_BOGUS, .proof = p.rs, .nproof = 4, .ede = 10 };
	mkname("www.example", n);
	assert_int_equal(cache_put_negative_sec(c, n, WIRE_TYPE_MX, false,
						mk_soa(&soa, "example", 300, 1), 300,
						CACHE_RANK_AUTH_AUTHORITY, &d, NOW), CAIRN_OK);
	assert_int_equal(cache_walk_name(c, n, NOW + 50, scratch, sizeof(scratch), walk_fn, &w,
					 &trunc), 2);
	assert_false(trunc);
	/* by type: A, then MX */
	assert_int_equal(w.sec[0], CACHE_SEC_SECURE);
	assert_int_equal(w.nsigs[0], 2);
	assert_int_equal(w.nproof[0], 0);
	assert_int_equal(w.ttl[0], 250);
	assert_int_equal(w.ede[0], CACHE_EDE_NONE);
	assert_int_equal(w.sec[1], CACHE_SEC_BOGUS);
	assert_int_equal(w.ede[1], 10);
	assert_int_equal(w.nsigs[1], 0);
	assert_int_equal(w.nproof[1], 4);
	assert_int_equal(w.ttl[1], 250);
	/* scratch counts the DNSSEC data: the signed RRset no longer fits */
	memset(&w, 0, sizeof(w));
	assert_int_equal(cache_walk_name(c, n, NOW, small, sizeof(small), walk_fn, &w, &trunc), 0);
	assert_true(trunc);
	cache_free(c);
}

static void restore_fn(void *ctx, const struct cache_dump_entry *e)
{
	assert_int_equal(cache_restore(ctx, e, NOW + 5), CAIRN_OK);
}

static void test_dump_restore(void **state)
{
	(void)state;
	static struct trr ns, nsig;
	static struct signed_nx snx;
	struct cache *a = mkcache(1 << 20, 2), *b = mkcache(1 << 20, 4);
	uint8_t n[WIRE_NAME_MAX], z[WIRE_NAME_MAX];
	struct wire_rrset rs, nsec, sigs;
	struct cache_hit hit, hit2;
	size_t count;

	put_signed_a(a, "www.example", 300, 1, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER, NOW);
	put_secure_nx(a, &snx, 300, 300);
	struct cache_dnssec bogus = { .sec = CACHE_SEC_BOGUS, .ede = 7 };
	static struct trr x;
	assert_int_equal(cache_put_rrset_sec(a, mk_a(&x, "bad.example", 300, 1, 1),
					     CACHE_RANK_AUTH_ANSWER, &bogus, NOW), CAIRN_OK);
	/* a signed NSEC: in the index of the copy too */
	struct cache_dnssec dn = { .sec = CACHE_SEC_SECURE,
				   .sigs = mk_rrsig(&nsig, "a.example", WIRE_TYPE_NSEC, "example",
						    300, 1, 64, 1),
				   .ede = CACHE_EDE_NONE };
	assert_int_equal(cache_put_rrset_sec(a, mk_nsec(&ns, "a.example", "c.example", 300),
					     CACHE_RANK_AUTH_AUTHORITY, &dn, NOW), CAIRN_OK);
	assert_int_equal(cache_walk_all(a, NOW + 5, restore_fn, b, &count), CAIRN_OK);
	assert_int_equal(count, 4);
	const char *names[] = { "www.example", "b.example", "bad.example", "a.example" };
	const uint16_t types[] = { WIRE_TYPE_A, WIRE_TYPE_TXT, WIRE_TYPE_A, WIRE_TYPE_NSEC };
	for (unsigned i = 0; i < 4; i++) {
		mkname(names[i], n);
		assert_same_entry(a, b, n, types[i], NOW + 5);
		assert_int_equal(cache_get_ex(a, n, types[i], NOW + 5, 0, scratch, sizeof(scratch),
					      &rs, NULL, &hit), cache_get_ex(b, n, types[i], NOW + 5,
					      0, scratch, sizeof(scratch), &rs, NULL, &hit2));
		assert_int_equal(hit.expiry, hit2.expiry);
	}
	mkname("example", z);
	mkname("b.example", n);
	assert_true(cache_find_nsec(b, z, n, NOW + 5, scratch, sizeof(scratch), &nsec, &sigs));
	assert_rrset_equal(&nsec, &ns.rs);
	/* a dump entry of before (no DNSSEC fields set) restores as unchecked */
	struct cache_dump_entry old = { .kind = CACHE_POSITIVE, .name = x.owner,
					.type = WIRE_TYPE_A, .rank = CACHE_RANK_GLUE,
					.expiry = NOW + 100, .orig_ttl = 100, .rs = x.rs };
	cache_flush(b);
	assert_int_equal(cache_restore(b, &old, NOW), CAIRN_OK);
	assert_int_equal(getx(b, "bad.example", WIRE_TYPE_A, NOW, 0, &rs, &hit), CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_UNCHECKED);
	assert_int_equal(hit.ede, CACHE_EDE_NONE);
	cache_free(a);
	cache_free(b);
}

/* Entries of n names until the budget evicts; returns how many stay. */
static uint64_t fill(struct cache *c, bool sign, unsigned n)
{
	char name[64];
	struct cache_stats st;

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%u.example", i);
		if (sign) {
			put_signed_a(c, name, 3600, i, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER,
				     NOW);
		} else {
			static struct trr a;
			assert_int_equal(cache_put_rrset(c, mk_a(&a, name, 3600, i, 1),
							 CACHE_RANK_AUTH_ANSWER, NOW), CAIRN_OK);
		}
	}
	cache_get_stats(c, &st);
	assert_true(st.bytes <= 256u << 10);
	assert_true(st.evictions > 0);
	return st.entries;
}

static void test_budget(void **state)
{
	(void)state;
	struct cache *u = mkcache(256u << 10, 1), *s = mkcache(256u << 10, 1);
	struct cache_stats st0, st;
	uint64_t nu = fill(u, false, 20000), ns = fill(s, true, 20000);
	static struct trr a, sig;

	print_message("256 KiB hold %llu unsigned entries, %llu signed ones (2 x 64-byte "
		      "signatures)\n", (unsigned long long)nu, (unsigned long long)ns);
	assert_true(ns * 2 < nu);
	/* an entry's cost counts its signatures */
	cache_free(s);
	s = mkcache(1 << 20, 1);
	cache_get_stats(s, &st0);
	mk_rrsig(&sig, "x.example", WIRE_TYPE_A, "example", 300, 2, 64, 1);
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .sigs = &sig.rs, .ede = CACHE_EDE_NONE };
	assert_int_equal(cache_put_rrset_sec(s, mk_a(&a, "x.example", 300, 1, 1),
					     CACHE_RANK_AUTH_ANSWER, &d, NOW), CAIRN_OK);
	cache_get_stats(s, &st);
	assert_true(st.bytes - st0.bytes >= cache_entry_overhead() + wire_name_len(a.owner) +
		    a.rs.rdata_len + cache_dnssec_overhead() + wire_name_len(sig.owner) +
		    sig.rs.rdata_len);
	cache_free(u);
	cache_free(s);
}

static void test_stale_keeps_sigs(void **state)
{
	(void)state;
	struct cache_config cfg;
	struct cache *c;
	struct wire_rrset rs;
	struct cache_hit hit;

	cache_config_default(&cfg);
	cfg.max_bytes = 1 << 20;
	cfg.stale_max_age = 3600;
	assert_int_equal(cache_new(&cfg, &c), CAIRN_OK);
	put_signed_a(c, "www.example", 60, 1, CACHE_SEC_SECURE, CACHE_RANK_AUTH_ANSWER, NOW);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 100, 0, &rs, &hit), CACHE_MISS);
	assert_int_equal(getx(c, "www.example", WIRE_TYPE_A, NOW + 100,
			      CACHE_GET_STALE | CACHE_GET_DNSSEC, &rs, &hit), CACHE_POSITIVE);
	assert_true(hit.stale);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(hit.sigs.count, 2);
	assert_int_equal(hit.sigs.ttl, 0);
	assert_int_equal(rs.ttl, 0);
	cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_and_sigs),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_set_sec),
		cmocka_unit_test(test_set_sec_if),
		cmocka_unit_test(test_negative_proof),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_scratch_limit),
		cmocka_unit_test(test_walk_name),
		cmocka_unit_test(test_dump_restore),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_stale_keeps_sigs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
