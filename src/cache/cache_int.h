/* cache_int: the cache's internals shared by cache.c (entries, ranking,
 * lookups, claims) and walk.c (walking a name or the whole cache, and
 * restoring dumped entries). Not part of any other module's interface. */
#ifndef CAIRN_CACHE_INT_H
#define CAIRN_CACHE_INT_H

#include "cairn/cache.h"

#include <pthread.h>

#define CACHE_DEFAULT_SHARDS   32
#define CACHE_MAX_SHARDS       4096
#define CACHE_MIN_SHARD_BYTES  (64 * 1024)  /* default shard count shrinks to keep this */
#define CACHE_BYTES_PER_BUCKET 256          /* hash table sized for ~this much per entry */
/* Key type of an NXDOMAIN entry. Type 0 is reserved (RFC 6895 §3.1) and
 * never names real data. */
#define CACHE_TYPE_NXDOMAIN    0
#define CACHE_INFLIGHT_SLOTS   16           /* claims per shard; beyond: no merging */

enum centry_kind { KIND_POSITIVE = 0, KIND_NXDOMAIN, KIND_NODATA };

struct centry {
	struct centry *hnext, **hpprev;  /* hash chain; hnext doubles as free list */
	struct centry *lprev, *lnext;    /* LRU, lprev towards the head (MRU) */
	uint64_t expiry;                 /* absolute, seconds; expired when <= now */
	uint64_t seq;                    /* shard insert sequence (newer = larger) */
	uint32_t bhash;                  /* hash of (key name, key type) */
	uint32_t cost;                   /* bytes accounted to the shard */
	uint32_t rdata_len;
	uint32_t orig_ttl;               /* TTL when stored (prefetch, dumps) */
	uint16_t key_type;               /* CACHE_TYPE_NXDOMAIN for NXDOMAIN */
	uint16_t rr_type, rr_class, count;
	uint8_t kind, rank, key_len;
	uint8_t own_len;                 /* 0: the RRset's owner is the key name */
	uint8_t data[];                  /* key, [owner], rdata */
};

/* A question being resolved by some worker (cache_inflight_claim). Only a
 * 64-bit hash of the question is kept: a collision merely makes a worker
 * wait for an unrelated resolution, it never yields a wrong answer (the
 * waiter answers from the cache under its own question). */
struct inflight {
	uint64_t qhash;                  /* 0: free slot */
	uint64_t expiry_ms;
	uint64_t token;
	uint64_t waiters;                /* bit w: worker w waits for the answer */
};

struct shard {
	pthread_mutex_t lock;
	struct centry **table;
	uint32_t tmask;
	struct centry *head, *tail;      /* LRU: head is most recently used */
	size_t bytes, budget;
	uint64_t entries, hits, misses, evictions, inserts, seq;
	uint64_t claim_seq;              /* inflight tokens */
	struct inflight inflight[CACHE_INFLIGHT_SLOTS];
} __attribute__((aligned(64)));

struct cache {
	struct shard *shards;
	unsigned nshards;
	uint32_t smask;
	uint32_t max_ttl, max_negative_ttl;
	uint32_t stale_max_age;          /* seconds past expiry kept (RFC 8767) */
	size_t fixed;                    /* cache struct, shards and tables */
};

static inline uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint32_t key_hash(uint32_t name_hash, uint16_t type)
{
	return fmix32(name_hash ^ ((uint32_t)type * 0x9e3779b1u));
}

static inline struct shard *shard_of(struct cache *c, uint32_t name_hash)
{
	return &c->shards[fmix32(name_hash ^ 0x5bd1e995u) & c->smask];
}

static inline bool expired(const struct centry *e, uint64_t now)
{
	return e->expiry <= now;
}

/* Past expiry and past serve-stale-max-age: never served again, freed
 * when found (RFC 8767 §5: a limit on how old stale data may be). */
static inline bool dead(const struct cache *c, const struct centry *e, uint64_t now)
{
	return e->expiry + c->stale_max_age <= now;
}

/* Allocates an entry with room for key + owner + rdata and fills the key
 * (lowercased) and its cost; NULL when out of memory. */
struct centry *cache_entry_new(const uint8_t *name, size_t klen, size_t olen,
			       uint32_t rdata_len);
/* Inserts e (key in e->data) under the ranking rules and the shard's
 * budget; takes ownership of e. Returns CAIRN_OK or CAIRN_ELIMIT. */
cairn_err cache_store(struct cache *c, struct centry *e, uint32_t name_hash, uint64_t now);
/* True when count rdlength-prefixed rdatas make exactly rdata_len bytes. */
bool cache_rdata_valid(uint16_t count, const uint8_t *rdata, uint32_t rdata_len);

#endif
