/* cache_int: the cache's internals shared by cache.c (entries, ranking,
 * lookups, claims), walk.c (walking a name or the whole cache, and
 * restoring dumped entries), dnssec.c (building entries with their DNSSEC
 * data, reading it back, validation state) and nsec.c (the index of
 * SECURE NSEC RRsets, RFC 8198). Not part of any other module's interface. */
#ifndef CAIRN_CACHE_INT_H
#define CAIRN_CACHE_INT_H

#include "cairn/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define CACHE_DEFAULT_SHARDS   32
#define CACHE_MAX_SHARDS       4096
#define CACHE_MIN_SHARD_BYTES  (64 * 1024)  /* default shard count shrinks to keep this */
#define CACHE_BYTES_PER_BUCKET 256          /* hash table sized for ~this much per entry */
/* Key type of an NXDOMAIN entry. Type 0 is reserved (RFC 6895 §3.1) and
 * never names real data. */
#define CACHE_TYPE_NXDOMAIN    0
#define CACHE_INFLIGHT_SLOTS   16           /* claims per shard; beyond: no merging */

enum centry_kind { KIND_POSITIVE = 0, KIND_NXDOMAIN, KIND_NODATA };

/* centry.xflags: what follows the rdata. */
#define XF_NPROOF   0x0fu  /* number of proof RRsets (<= CACHE_MAX_PROOF) */
#define XF_SIGS     0x10u  /* an RRSIG RRset (the first extension record) */
#define XF_NODE     0x20u  /* a struct nsec_node (signed NSEC RRset) */
#define XF_INDEXED  0x40u  /* the node is linked in the NSEC index (SECURE) */

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
	uint8_t kind : 7;                /* enum centry_kind */
	uint8_t used : 1;                /* hit since it last reached the LRU
	                                  * tail: a second chance (CLOCK); both
	                                  * change under the shard's lock only */
	uint8_t rank, key_len;
	uint8_t own_len;                 /* 0: the RRset's owner is the key name */
	uint8_t sec;                     /* enum cache_sec */
	uint8_t xflags;                  /* XF_*: the DNSSEC extension after rdata */
	uint16_t ede;                    /* CACHE_EDE_NONE: none */
	uint8_t data[];                  /* key, [owner], rdata, then when xflags:
	                                  * [pad to 8, struct nsec_node + zone],
	                                  * extension records (struct xrec, owner,
	                                  * rdata): the RRSIGs, then the proof */
};

/* Header of one extension record (unaligned: copied with memcpy). */
struct xrec {
	uint32_t rdata_len;
	uint16_t type, rclass, count;
	uint8_t olen;
};
#define XREC_LEN 11  /* bytes of a packed struct xrec */

/* A signed NSEC entry's place in the NSEC index (nsec.c): a treap ordered
 * by (zone, owner) in canonical order, under the index's lock. */
struct nsec_node {
	struct nsec_node *l, *r, *p;
	struct centry *e;
	uint32_t prio;                   /* heap order (larger nearer the root) */
	uint32_t size;                   /* bytes of the node and zone, 8-aligned */
	uint8_t zone[];                  /* the signer, lowercase wire name */
};

/* The NSEC index: every SECURE signed NSEC entry (XF_INDEXED). Lock order:
 * a shard's lock, then this one. Fields of an indexed entry that
 * cache_find_nsec reads (expiry, sec) change only under both. */
struct nsec_index {
	pthread_mutex_t lock;
	struct nsec_node *root;
	uint32_t rng;
	uint64_t count;
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
	struct nsec_index *nsec;         /* the cache's NSEC index */
	struct inflight inflight[CACHE_INFLIGHT_SLOTS];
} __attribute__((aligned(64)));

struct cache {
	struct shard *shards;
	struct centry **tables;          /* every shard's buckets (cairn_table_alloc) */
	size_t tables_size;
	unsigned nshards;
	uint32_t smask;
	uint32_t max_ttl, max_negative_ttl;
	uint32_t stale_max_age;          /* seconds past expiry kept (RFC 8767) */
	size_t fixed;                    /* cache struct, shards and tables */
	struct nsec_index nsec;
	_Atomic uint32_t gen;            /* bumped after every flush */
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

/* Builds an entry (not yet stored): key name (lowercased) and key type,
 * kind, the stored RRset rs (the RRset, or the SOA of a negative entry;
 * NULL: a negative entry without SOA) with d's DNSSEC data (NULL: none),
 * rank, key hash; the caller sets expiry and orig_ttl. When ext_ttl, *ttl
 * (the clamped TTL) is lowered to the smallest capped TTL of the RRSIGs and
 * proof; the caller stores nothing when *ttl is then 0. Returns CAIRN_OK
 * with *out (caller owns) and *name_hash, CAIRN_EINVAL for bad input,
 * CAIRN_ENOMEM. */
cairn_err cache_entry_build(const struct cache *c, const uint8_t *name, uint16_t key_type,
			    enum centry_kind kind, const struct wire_rrset *rs,
			    const struct cache_dnssec *d, enum cache_rank rank,
			    bool ext_ttl, uint32_t *ttl, struct centry **out,
			    uint32_t *name_hash);
/* Bytes of e's allocation that hold data (header to the end of its last
 * extension record), for copying it whole. */
size_t cache_entry_bytes(const struct centry *e);
/* e's stored RRset, or the SOA of a negative entry (count 0 when none),
 * pointing into e, with TTL ttl. */
void cache_entry_rrset(const struct centry *e, uint32_t ttl, struct wire_rrset *rs);
/* Bytes of e's extension records (0: none); they start at cache_ext(e). */
size_t cache_ext_len(const struct centry *e);
const uint8_t *cache_ext(const struct centry *e);
/* Reads n extension records at x (as laid out after an entry's rdata, or
 * copied elsewhere) with xflags' layout: the RRSIGs into *sigs (count 0
 * when none), the proof into proof[] and *nproof; every TTL is ttl.
 * Either pointer may be NULL. */
void cache_ext_view(const uint8_t *x, uint8_t xflags, uint32_t ttl, struct wire_rrset *sigs,
		    struct wire_rrset *proof, unsigned *nproof);
/* True when, at equal rank, new must not replace the unexpired old
 * (cache_put_rrset_sec: SECURE is not downgraded by identical UNCHECKED
 * data). */
bool cache_keeps_secure(const struct centry *old, const struct centry *new);
/* The remaining TTL of a live entry (0 when expired). */
uint32_t cache_entry_ttl(const struct centry *e, uint64_t now);

/* NSEC index (nsec.c); the caller holds e's shard lock. Sets e's sec, ede
 * and expiry under the index lock and links e (XF_NODE) when SECURE,
 * unlinks it otherwise. */
void cache_nsec_set(struct nsec_index *ix, struct centry *e, uint8_t sec, uint16_t ede,
		    uint64_t expiry);
/* Unlinks e when it is indexed. */
void cache_nsec_unlink(struct nsec_index *ix, struct centry *e);
/* Set up and tear down c's index (no entries may be indexed at the end). */
void cache_nsec_init(struct nsec_index *ix);
void cache_nsec_destroy(struct nsec_index *ix);
/* The node of an entry with XF_NODE. */
struct nsec_node *cache_entry_node(const struct centry *e);
/* Inserts e (key in e->data) under the ranking rules and the shard's
 * budget; takes ownership of e. Returns CAIRN_OK or CAIRN_ELIMIT. */
cairn_err cache_store(struct cache *c, struct centry *e, uint32_t name_hash, uint64_t now);
static inline struct centry *centry_lookup(struct shard *s, uint32_t bhash,
					   const uint8_t *key, size_t klen, uint16_t ktype)
{
	for (struct centry *e = s->table[bhash & s->tmask]; e; e = e->hnext)
		if (e->bhash == bhash && e->key_type == ktype && e->key_len == klen &&
		    memcmp(e->data, key, klen) == 0)
			return e;
	return NULL;
}

/* True when count rdlength-prefixed rdatas make exactly rdata_len bytes. */
bool cache_rdata_valid(uint16_t count, const uint8_t *rdata, uint32_t rdata_len);

#endif
