/* Helpers shared by the cache unit tests (test_cache.c, test_cache_threads.c):
 * names in wire form, A RRsets, a cache of a given budget. Include after
 * cmocka.h (mkcache asserts). */
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
