/* acache: a worker's answer cache (cairnd.conf(5) answer-cache-size).
 *
 * The UDP responses the worker built lately, by everything a response
 * depends on: the question (the name compared whole, case-insensitively),
 * the query's flags word, EDNS (present, DO), the client's UDP limit,
 * whether the client may recurse, whether the response carries a cookie;
 * and the state it was built from: the zone set generation, the shared
 * cache's generation (bumped by every flush) and the worker's own
 * (bumped when its resolver is reconfigured). A question asked again is
 * answered with one lookup and a copy, then patched for this query: its
 * ID, its question as it was sent (RFC 1035 §7.3, 0x20 case kept; names
 * in the answer compressed to it follow), its cookie (RFC 7873 §5.2) and,
 * for answers from the resolver's cache, every TTL less the seconds
 * since (RFC 1035 §6.2, "decrement TTLs").
 *
 * Zone answers live as long as the zone set they came from. Cache answers
 * live at most half their smallest TTL: the resolver's prefetch (which
 * starts when a tenth of the TTL is left) then still sees the question in
 * time, and no answer from here ever has a TTL below half its own.
 *
 * One per worker, used by its thread only: no locks. The entries are
 * written one after the other into a ring (ACACHE_ENTRY_AVG bytes per
 * entry of the index), packed, so that those read often share few cache
 * lines and pages; the oldest is written over first. An index of sets of
 * ACACHE_WAYS, one cache line each, holds a tag and a ring position per
 * entry. A response that makes an entry over ACACHE_ENTRY_MAX is not
 * kept. */
#ifndef CAIRN_ACACHE_H
#define CAIRN_ACACHE_H

#include "cairn/wire.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACACHE_ENTRY_MAX 512  /* bytes an entry may take, header included */
#define ACACHE_ENTRY_AVG 256  /* ring bytes per entry of the index */
#define ACACHE_WAYS 8         /* entries a set (tags and places: one cache line) */
#define ACACHE_TTLS 24        /* TTL fields an answer from the cache may have */

enum acache_kind {
	ACACHE_ZONE = 1,      /* from our zones: kept while the zone set is */
	ACACHE_CACHE,         /* from the resolver's cache: TTLs age */
};

/* What a response was built from, beside the query. */
struct acache_state {
	uint64_t zones_gen;   /* the worker's zone set generation */
	uint32_t cache_gen;   /* cache_generation(), 0 without a cache */
	uint32_t now;         /* seconds on a monotonic clock (TTLs age by it) */
};

/* The query's side of the key. */
struct acache_key {
	const struct wire_query *q;
	uint16_t limit;       /* the UDP response limit */
	bool recurse;         /* the client may recurse here (RA) */
};

/* A hit: what dispatch needs beside the bytes. */
struct acache_hit {
	enum acache_kind kind;
	const uint8_t *wild;  /* a zone answer's wildcard (rate limiting) */
};

struct acache;

/* An answer cache of an index of entries (rounded up to a power of two,
 * at least ACACHE_WAYS) and a ring of entries * ACACHE_ENTRY_AVG bytes;
 * NULL when entries is 0 (off) or out of memory. */
struct acache *acache_new(size_t entries);
void acache_free(struct acache *ac);
/* Forgets every entry (O(1)). */
void acache_clear(struct acache *ac);

/* Starts loading the tags of (hash, qtype)'s set into the CPU's cache. */
void acache_prefetch(const struct acache *ac, uint32_t hash, uint16_t qtype);
/* Whether an entry of (hash, qtype) is likely kept (a hint: acache_get
 * decides); if so, starts loading it too. */
bool acache_likely(const struct acache *ac, uint32_t hash, uint16_t qtype);

/* The response to k built in state st, patched for k->q, into out (cap
 * bytes). Returns its length, 0 when none is kept. */
size_t acache_get(struct acache *ac, const struct acache_key *k,
		  const struct acache_state *st, uint8_t *out, size_t cap,
		  struct acache_hit *hit);
/* Keeps resp (len bytes), the response just built for k in state st;
 * wild: a zone answer's wildcard or NULL. Responses with TC set, that do
 * not fit an entry, whose cookie cannot be found, or (kind ACACHE_CACHE)
 * with no TTL, a TTL below 2 s or more than ACACHE_TTLS records are not
 * kept. Returns whether it was. */
bool acache_put(struct acache *ac, const struct acache_key *k,
		const struct acache_state *st, enum acache_kind kind,
		const uint8_t *resp, size_t len, const uint8_t *wild);

#endif
