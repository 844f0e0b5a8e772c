/* Helpers shared by the cache unit tests (test_cache.c, test_cache_threads.c,
 * test_cache_dnssec.c, test_cachefile.c): names in wire form, A, RRSIG and
 * NSEC RRsets, a cache of a given budget. Include after cmocka.h (mkcache
 * asserts). */
#ifndef CAIRN_TEST_CACHE_UTIL_H
#define CAIRN_TEST_CACHE_UTIL_H

#include <stdint.h>
#include <string.h>

#include "cairn/cache.h"

#define NOW 1000000u

/* Text name ("www.example.com", "." = root) to wire form, as given (case
 * kept). Returns the length. */
static inline size_t mkname(const char *text, uint8_t *out)
{
	size_t o = 0;
	if (strcmp(text, ".") != 0) {
		while (*text) {
			const char *dot = strchr(text, '.');
			size_t l = dot ? (size_t)(dot - text) : strlen(text);
			out[o++] = (uint8_t)l;
			memcpy(out + o, text, l);
			o += l;
			text += l + (dot ? 1 : 0);
		}
	}
	out[o++] = 0;
	return o;
}

struct trr {
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t rdata[65536];
	struct wire_rrset rs;
};

/* An A RRset with n addresses base, base+1, ... */
static inline struct wire_rrset *mk_a(struct trr *t, const char *name, uint32_t ttl,
				      uint32_t base, unsigned n)
{
	mkname(name, t->owner);
	size_t pos = 0;
	for (unsigned i = 0; i < n; i++) {
		wire_put16(t->rdata + pos, 4);
		wire_put32(t->rdata + pos + 2, base + i);
		pos += 6;
	}
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = WIRE_TYPE_A,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = (uint16_t)n,
		.rdata_len = (uint32_t)pos, .rdata = t->rdata };
	return &t->rs;
}

/* An RRSIG RRset at owner covering type covered (RFC 4034 §3.1), n
 * signatures by signer (algorithm 13, key tags 1000, 1001, ...) of siglen
 * bytes each, byte i+fill for signature i. */
static inline struct wire_rrset *mk_rrsig(struct trr *t, const char *owner, uint16_t covered,
					  const char *signer, uint32_t ttl, unsigned n,
					  size_t siglen, uint8_t fill)
{
	uint8_t sname[WIRE_NAME_MAX];
	size_t slen = mkname(signer, sname), pos = 0;
	unsigned labels = 0;

	mkname(owner, t->owner);
	for (const uint8_t *p = t->owner; *p; p += *p + 1)
		labels++;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *r = t->rdata + pos;
		wire_put16(r, (uint16_t)(18 + slen + siglen));
		wire_put16(r + 2, covered);
		r[4] = 13;
		r[5] = (uint8_t)labels;
		wire_put32(r + 6, ttl);
		wire_put32(r + 10, 2000000000u);  /* expiration */
		wire_put32(r + 14, 1700000000u);  /* inception */
		wire_put16(r + 18, (uint16_t)(1000 + i));
		memcpy(r + 20, sname, slen);
		memset(r + 20 + slen, (int)(fill + i), siglen);
		pos += 20 + slen + siglen;
	}
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = WIRE_TYPE_RRSIG,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = (uint16_t)n,
		.rdata_len = (uint32_t)pos, .rdata = t->rdata };
	return &t->rs;
}

/* An NSEC RRset at owner: next name next, types A RRSIG NSEC (RFC 4034 §4.1). */
static inline struct wire_rrset *mk_nsec(struct trr *t, const char *owner, const char *next,
					 uint32_t ttl)
{
	static const uint8_t bitmap[] = { 0, 6, 0x40, 0, 0, 0, 0, 0x03 };
	size_t nlen;

	mkname(owner, t->owner);
	nlen = mkname(next, t->rdata + 2);
	memcpy(t->rdata + 2 + nlen, bitmap, sizeof(bitmap));
	wire_put16(t->rdata, (uint16_t)(nlen + sizeof(bitmap)));
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = WIRE_TYPE_NSEC,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = 1,
		.rdata_len = (uint32_t)(2 + nlen + sizeof(bitmap)), .rdata = t->rdata };
	return &t->rs;
}

/* The RRsets are the same: owner (any case), type, records. */
static inline void assert_rrset_equal(const struct wire_rrset *a, const struct wire_rrset *b)
{
	assert_true(wire_name_equal(a->owner, b->owner));
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->rdata_len, b->rdata_len);
	assert_memory_equal(a->rdata, b->rdata, a->rdata_len);
}

/* a and b answer (name, type) alike at now: the kind, the RRset (or SOA)
 * and its TTL, the state, EDE, original TTL, RRSIGs and proof. */
static inline void assert_same_entry(struct cache *a, struct cache *b, const uint8_t *name,
				     uint16_t type, uint64_t now)
{
	static uint8_t sa[65536], sb[65536];
	struct wire_rrset ra, rb;
	struct cache_hit ha, hb;
	enum cache_result res = cache_get_ex(a, name, type, now, CACHE_GET_DNSSEC, sa, sizeof(sa),
					     &ra, NULL, &ha);

	assert_int_not_equal(res, CACHE_MISS);
	assert_int_equal(cache_get_ex(b, name, type, now, CACHE_GET_DNSSEC, sb, sizeof(sb), &rb,
				      NULL, &hb), res);
	assert_int_equal(ra.count, rb.count);
	if (ra.count)
		assert_rrset_equal(&ra, &rb);
	assert_int_equal(ra.ttl, rb.ttl);
	assert_int_equal(ha.sec, hb.sec);
	assert_int_equal(ha.ede, hb.ede);
	assert_int_equal(ha.orig_ttl, hb.orig_ttl);
	assert_int_equal(ha.sigs.count, hb.sigs.count);
	if (ha.sigs.count)
		assert_rrset_equal(&ha.sigs, &hb.sigs);
	assert_int_equal(ha.nproof, hb.nproof);
	for (unsigned j = 0; j < ha.nproof; j++)
		assert_rrset_equal(&ha.proof[j], &hb.proof[j]);
}

/* A cache of that byte budget and shard count (0: the default). */
static inline struct cache *mkcache(size_t bytes, unsigned shards)
{
	struct cache_config cfg;
	struct cache *c;
	cache_config_default(&cfg);
	cfg.max_bytes = bytes;
	cfg.shards = shards;
	assert_int_equal(cache_new(&cfg, &c), CAIRN_OK);
	return c;
}

#endif
