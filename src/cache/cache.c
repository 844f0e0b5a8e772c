/* cache: sharded RRset / negative-answer cache with absolute expiry,
 * RFC 2181 §5.4.1 ranking, a byte budget and per-shard LRU eviction.
 *
 * Layout. The cache is an array of shards (a power of two), each with its
 * own mutex, fixed-size chained hash table and intrusive LRU list. A name's
 * shard is chosen from the hash of its lowercase wire form only, so all
 * entries of one owner name (every type plus its NXDOMAIN entry) live in one
 * shard under one lock; the bucket inside the shard mixes in the type.
 *
 * Each entry is one malloc: struct centry (cache_int.h) followed by the key name, the
 * stored RRset's owner when it differs from the key (the SOA of a negative
 * entry) and the RRset's rdata (count x (rdlength16, rdata)).
 *
 * Memory. An entry costs malloc_usable_size() + one size_t of allocator
 * chunk header (what glibc malloc really consumes). The shard array and the
 * hash tables are allocated once in cache_new and are subtracted from
 * max_bytes before the rest is split evenly among the shards; a shard
 * evicts from its LRU tail before an insert would exceed its share, so the
 * total never exceeds max_bytes.
 *
 * Recency. An insert goes to the head of the LRU list; a hit only marks
 * the entry used (moving it would write two neighbours' lines under the
 * lock on every hit). At eviction a used entry at the tail loses its mark
 * and goes to the head instead: a second chance (CLOCK), which keeps what
 * was hit since it came in and evicts, oldest first, what was not. */
#include "cache_int.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void cache_config_default(struct cache_config *cfg)
{
	cfg->max_bytes = 64u << 20;
	cfg->max_ttl = 86400;
	cfg->max_negative_ttl = 3600;
	cfg->shards = 0;
	cfg->stale_max_age = 0;
}

size_t cache_entry_overhead(void)
{
	return sizeof(struct centry) + sizeof(size_t);
}

static void lru_unlink(struct shard *s, struct centry *e)
{
	if (e->lprev) e->lprev->lnext = e->lnext; else s->head = e->lnext;
	if (e->lnext) e->lnext->lprev = e->lprev; else s->tail = e->lprev;
}

static void lru_push_head(struct shard *s, struct centry *e)
{
	e->lprev = NULL;
	e->lnext = s->head;
	if (s->head) s->head->lprev = e; else s->tail = e;
	s->head = e;
}

/* Unlinks e from the shard and pushes it on *freelist (freed after the
 * lock is dropped). */
static void remove_entry(struct shard *s, struct centry *e, struct centry **freelist)
{
	*e->hpprev = e->hnext;
	if (e->hnext) e->hnext->hpprev = e->hpprev;
	lru_unlink(s, e);
	s->bytes -= e->cost;
	s->entries--;
	if (e->xflags & XF_INDEXED)
		cache_nsec_unlink(s->nsec, e);  /* RFC 8198 index: gone with the entry */
	e->hnext = *freelist;
	*freelist = e;
}

static void free_list(struct centry *e)
{
	while (e) {
		struct centry *next = e->hnext;
		free(e);
		e = next;
	}
}

static void insert_entry(struct shard *s, struct centry *e)
{
	struct centry **head = &s->table[e->bhash & s->tmask];
	e->hnext = *head;
	e->hpprev = head;
	if (*head) (*head)->hpprev = &e->hnext;
	*head = e;
	lru_push_head(s, e);
	e->used = 0;
	e->seq = ++s->seq;
	s->bytes += e->cost;
	s->entries++;
	s->inserts++;
	if ((e->xflags & XF_NODE) && e->sec == CACHE_SEC_SECURE)
		cache_nsec_set(s->nsec, e, e->sec, e->ede, e->expiry);
}

cairn_err cache_new(const struct cache_config *cfg, struct cache **out)
{
	cairn_err err = CAIRN_ENOMEM;
	struct cache *c = NULL;
	unsigned n = cfg->shards;

	*out = NULL;
	if (n == 0) {
		n = CACHE_DEFAULT_SHARDS;
		while (n > 1 && cfg->max_bytes / n < CACHE_MIN_SHARD_BYTES)
			n /= 2;
	}
	if (n > CACHE_MAX_SHARDS || (n & (n - 1)) != 0) {
		err = CAIRN_EINVAL;
		goto done;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto done;
	c->nshards = 0;  /* counts initialised shards, for cache_free */
	c->smask = n - 1;
	c->max_ttl = cfg->max_ttl;
	c->max_negative_ttl = cfg->max_negative_ttl;
	c->stale_max_age = cfg->stale_max_age;
	cache_nsec_init(&c->nsec);
	c->shards = aligned_alloc(64, n * sizeof(struct shard));
	if (!c->shards)
		goto done;
	memset(c->shards, 0, n * sizeof(struct shard));
	c->fixed = malloc_usable_size(c) + malloc_usable_size(c->shards) + 2 * sizeof(size_t);

	/* Buckets per shard: one per CACHE_BYTES_PER_BUCKET of the share. */
	size_t share = cfg->max_bytes / n;
	uint32_t buckets = 8;
	while (buckets < (1u << 24) && (size_t)buckets * CACHE_BYTES_PER_BUCKET < share)
		buckets *= 2;
	size_t table_bytes = (size_t)buckets * sizeof(struct centry *);
	/* every shard's buckets in one block: a lookup's random bucket of
	 * megabytes of tables on huge pages (one TLB entry per 2 MiB) */
	c->tables = cairn_table_alloc(n * table_bytes, &c->tables_size);
	if (!c->tables)
		goto done;
	c->fixed += c->tables_size + sizeof(size_t);
	if (cfg->max_bytes <= c->fixed || (cfg->max_bytes - c->fixed) / n < 1024) {
		err = CAIRN_EINVAL;  /* budget too small to hold anything useful */
		goto done;
	}
	size_t budget = (cfg->max_bytes - c->fixed) / n;
	for (unsigned i = 0; i < n; i++) {
		struct shard *s = &c->shards[i];
		s->table = c->tables + (size_t)i * buckets;
		s->tmask = buckets - 1;
		s->budget = budget;
		s->nsec = &c->nsec;
		pthread_mutex_init(&s->lock, NULL);
		c->nshards = i + 1;
	}
	*out = c;
	c = NULL;
	err = CAIRN_OK;
done:
	cache_free(c);
	return err;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	if (c->shards) {
		for (unsigned i = 0; i < c->nshards; i++) {
			struct shard *s = &c->shards[i];
			for (struct centry *e = s->head, *next; e; e = next) {
				next = e->lnext;
				free(e);
			}
			pthread_mutex_destroy(&s->lock);
		}
		free(c->shards);
	}
	cairn_table_free(c->tables, c->tables_size);
	cache_nsec_destroy(&c->nsec);
	free(c);
}

/* Sum of rdlength prefixes must match rdata_len exactly. */
bool cache_rdata_valid(uint16_t count, const uint8_t *rdata, uint32_t rdata_len)
{
	size_t pos = 0;
	for (uint16_t i = 0; i < count; i++) {
		if (pos + 2 > rdata_len)
			return false;
		pos += 2 + wire_get16(rdata + pos);
	}
	return pos == rdata_len;
}

/* RFC 2181 §8: a TTL with the top bit set is treated as zero. */
static uint32_t clamp_ttl(uint32_t ttl, uint32_t max)
{
	if (ttl & 0x80000000u)
		return 0;
	return ttl < max ? ttl : max;
}

/* Inserts e (built by the caller, key in e->data) under the ranking rules.
 * Takes ownership of e. */
cairn_err cache_store(struct cache *c, struct centry *e, uint32_t name_hash, uint64_t now)
{
	struct shard *s = shard_of(c, name_hash);
	struct centry *freelist = NULL, *old, *nx;
	const uint8_t *key = e->data;

	if (e->cost > s->budget) {
		free(e);
		return CAIRN_ELIMIT;
	}
	pthread_mutex_lock(&s->lock);
	/* RFC 2181 §5.4.1: unexpired data of a higher rank is not replaced by
	 * data of a lower rank; equal or higher rank replaces it. */
	old = centry_lookup(s, e->bhash, key, e->key_len, e->key_type);
	if (old && !expired(old, now) && old->rank > e->rank)
		goto keep;
	/* validated data is not downgraded by an unchecked repetition of it
	 * (a referral or a second answer) */
	if (old && !expired(old, now) && old->rank == e->rank && cache_keeps_secure(old, e))
		goto keep;
	if (e->key_type != CACHE_TYPE_NXDOMAIN) {
		/* Data (or NODATA) for (name, type) says the name exists, which
		 * contradicts an NXDOMAIN for name: the better ranked one wins. */
		uint32_t nh = key_hash(name_hash, CACHE_TYPE_NXDOMAIN);
		nx = centry_lookup(s, nh, key, e->key_len, CACHE_TYPE_NXDOMAIN);
		if (nx && !expired(nx, now) && nx->rank > e->rank)
			goto keep;
		if (nx)
			remove_entry(s, nx, &freelist);
	}
	if (old)
		remove_entry(s, old, &freelist);
	while (s->tail && s->bytes + e->cost > s->budget) {
		struct centry *t = s->tail;

		if (t->used) {         /* hit since it came in: to the head */
			t->used = 0;
			lru_unlink(s, t);
			lru_push_head(s, t);
			continue;
		}
		remove_entry(s, t, &freelist);
		s->evictions++;
	}
	insert_entry(s, e);
	pthread_mutex_unlock(&s->lock);
	free_list(freelist);
	return CAIRN_OK;
keep:
	pthread_mutex_unlock(&s->lock);
	free_list(freelist);
	free(e);
	return CAIRN_OK;
}

uint32_t cache_ttl_cap(const struct cache *c, uint32_t ttl, bool negative)
{
	return clamp_ttl(ttl, negative ? c->max_negative_ttl : c->max_ttl);
}

cairn_err cache_put_rrset(struct cache *c, const struct wire_rrset *rs,
			  enum cache_rank rank, uint64_t now)
{
	return cache_put_rrset_sec(c, rs, rank, NULL, now);
}

cairn_err cache_put_negative(struct cache *c, const uint8_t *name, uint16_t type,
			     bool nxdomain, const struct wire_rrset *soa,
			     uint32_t ttl, enum cache_rank rank, uint64_t now)
{
	return cache_put_negative_sec(c, name, type, nxdomain, soa, ttl, rank, NULL, now);
}

/* e as a lookup may use it: live, or expired but within
 * serve-stale-max-age when stale is asked for; dead entries are freed. */
static struct centry *usable(struct cache *c, struct shard *s, struct centry *e,
			     uint64_t now, bool stale, struct centry **freelist)
{
	if (!e || !expired(e, now))
		return e;
	if (dead(c, e, now)) {
		remove_entry(s, e, freelist);  /* lazily freed */
		return NULL;
	}
	return stale ? e : NULL;
}

enum cache_result cache_get(struct cache *c, const uint8_t *name, uint16_t type,
			    uint64_t now, uint8_t *scratch, size_t scratch_len,
			    struct wire_rrset *rs, enum cache_rank *rank)
{
	return cache_get_ex(c, name, type, now, 0, scratch, scratch_len, rs, rank, NULL);
}

enum cache_result cache_get_ex(struct cache *c, const uint8_t *name, uint16_t type,
			       uint64_t now, unsigned flags, uint8_t *scratch,
			       size_t scratch_len, struct wire_rrset *rs,
			       enum cache_rank *rank, struct cache_hit *info)
{
	size_t klen = wire_name_len(name);
	uint32_t h = wire_name_hash(name, klen);
	struct shard *s = shard_of(c, h);
	struct centry *freelist = NULL, *e, *nx = NULL;
	enum cache_result res = CACHE_MISS;
	bool stale = flags & CACHE_GET_STALE;

	pthread_mutex_lock(&s->lock);
	e = usable(c, s, centry_lookup(s, key_hash(h, type), name, klen, type), now, stale, &freelist);
	if (type != CACHE_TYPE_NXDOMAIN)
		nx = usable(c, s, centry_lookup(s, key_hash(h, CACHE_TYPE_NXDOMAIN), name, klen,
					 CACHE_TYPE_NXDOMAIN), now, stale, &freelist);
	/* RFC 8767: live data always wins over stale data */
	if (nx && e && expired(nx, now) != expired(e, now)) {
		if (expired(e, now))
			e = nx;
		nx = NULL;
	}
	/* Both present: the higher rank wins, on equal rank the newer. */
	if (nx && (!e || nx->rank > e->rank || (nx->rank == e->rank && nx->seq > e->seq)))
		e = nx;
	if (!e) {
		if (!stale)
			s->misses++;
		goto done;
	}
	size_t olen = e->own_len ? e->own_len : e->key_len;
	const uint8_t *owner = e->own_len ? e->data + e->key_len : e->data;
	bool dnssec = info && (flags & CACHE_GET_DNSSEC) && e->xflags;
	size_t xlen = dnssec ? cache_ext_len(e) : 0;
	if (olen + e->rdata_len + xlen > scratch_len)
		goto done;  /* documented: a miss that is not counted */
	memcpy(scratch, owner, olen);
	memcpy(scratch + olen, e->data + e->key_len + e->own_len, e->rdata_len);
	rs->owner = scratch;
	rs->type = e->rr_type;
	rs->rclass = e->rr_class;
	uint64_t left = expired(e, now) ? 0 : e->expiry - now;
	rs->ttl = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
	rs->count = e->count;
	rs->rdata_len = e->rdata_len;
	rs->rdata = scratch + olen;
	if (rank)
		*rank = (enum cache_rank)e->rank;
	if (info) {
		info->stale = expired(e, now);
		info->orig_ttl = e->orig_ttl;
		info->expiry = e->expiry;
		info->sec = (enum cache_sec)e->sec;
		info->ede = e->ede;
		info->sigs.count = 0;
		info->nproof = 0;
		if (dnssec) {
			/* the RRSIGs and proof follow the RRset, same TTL */
			uint8_t *x = scratch + olen + e->rdata_len;
			memcpy(x, cache_ext(e), xlen);
			cache_ext_view(x, e->xflags, rs->ttl, &info->sigs, info->proof,
				       &info->nproof);
		}
	}
	res = e->kind == KIND_NXDOMAIN ? CACHE_NXDOMAIN :
	      e->kind == KIND_NODATA ? CACHE_NODATA : CACHE_POSITIVE;
	/* no move to the LRU head (two more cache lines written under the
	 * lock on every hit): eviction gives a used entry a second chance.
	 * Written once, not on every hit: a hot entry's line stays shared
	 * between the workers' CPUs. */
	if (!e->used)
		e->used = 1;
	if (!expired(e, now))
		s->hits++;
done:
	pthread_mutex_unlock(&s->lock);
	free_list(freelist);
	return res;
}

uint32_t cache_stale_max_age(const struct cache *c)
{
	return c->stale_max_age;
}

/* What flush_shard removes besides the name filter. */
enum flush_what { FLUSH_ALL = 0, FLUSH_NEGATIVE, FLUSH_TYPE };

/* Removes the shard's entries that match name (NULL: every name; below:
 * also the names under it) and what (FLUSH_TYPE: key type type).
 * Returns how many were removed. */
static size_t flush_shard_ex(struct shard *s, const uint8_t *name, size_t nlen, bool below,
			     enum flush_what what, uint16_t type)
{
	struct centry *freelist = NULL;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	for (struct centry *e = s->head, *next; e; e = next) {
		next = e->lnext;
		bool match;
		if (!name)
			match = true;
		else if (below)
			match = wire_name_is_subdomain(e->data, name);
		else
			match = e->key_len == nlen && memcmp(e->data, name, nlen) == 0;
		if (what == FLUSH_NEGATIVE)
			match = match && e->kind != KIND_POSITIVE;
		else if (what == FLUSH_TYPE)
			match = match && e->key_type == type;
		if (match) {
			remove_entry(s, e, &freelist);
			n++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	free_list(freelist);
	return n;
}

static void flush_shard(struct shard *s, const uint8_t *name, size_t nlen, bool below)
{
	(void)flush_shard_ex(s, name, nlen, below, FLUSH_ALL, 0);
}

/* After a flush: answers built before it are not given again (the
 * answer caches of the server compare the generation). */
static void flushed(struct cache *c)
{
	atomic_fetch_add_explicit(&c->gen, 1, memory_order_release);
}

uint32_t cache_generation(struct cache *c)
{
	return atomic_load_explicit(&c->gen, memory_order_acquire);
}

size_t cache_flush_negative(struct cache *c)
{
	size_t n = 0;

	for (unsigned i = 0; i < c->nshards; i++)
		n += flush_shard_ex(&c->shards[i], NULL, 0, false, FLUSH_NEGATIVE, 0);
	flushed(c);
	return n;
}

size_t cache_flush_type(struct cache *c, const uint8_t *name, uint16_t type)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t nlen = wire_name_len(name);

	if (nlen == 0 || nlen > WIRE_NAME_MAX || type == CACHE_TYPE_NXDOMAIN)
		return 0;
	size_t n;

	memcpy(key, name, nlen);
	wire_name_lower(key);
	/* every entry of one owner name lives in the same shard */
	n = flush_shard_ex(shard_of(c, wire_name_hash(key, nlen)), key, nlen, false, FLUSH_TYPE,
			   type);
	flushed(c);
	return n;
}

void cache_flush_name(struct cache *c, const uint8_t *name, bool below)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t nlen = wire_name_len(name);

	if (nlen == 0 || nlen > WIRE_NAME_MAX)
		return;
	memcpy(key, name, nlen);
	wire_name_lower(key);
	name = key;
	if (!below) {
		/* Every entry of one owner name lives in the same shard. */
		flush_shard(shard_of(c, wire_name_hash(name, nlen)), name, nlen, false);
	} else {
		for (unsigned i = 0; i < c->nshards; i++)
			flush_shard(&c->shards[i], name, nlen, true);
	}
	flushed(c);
}

void cache_flush(struct cache *c)
{
	for (unsigned i = 0; i < c->nshards; i++)
		flush_shard(&c->shards[i], NULL, 0, false);
	flushed(c);
}

void cache_get_stats(struct cache *c, struct cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->bytes = c->fixed;
	for (unsigned i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shards[i];
		pthread_mutex_lock(&s->lock);
		out->entries += s->entries;
		out->bytes += s->bytes;
		out->hits += s->hits;
		out->misses += s->misses;
		out->evictions += s->evictions;
		out->inserts += s->inserts;
		pthread_mutex_unlock(&s->lock);
	}
}

/* ---- questions in flight, shared by the workers ---- */

/* The lowercase key of (name, type, class), its shard and a nonzero
 * 64-bit hash (FNV-1a). Returns NULL for a bad name. */
static struct shard *question_key(struct cache *c, const uint8_t *name, uint16_t type,
				  uint16_t qclass, uint64_t *qhash)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t klen = wire_name_len(name);
	uint64_t h = 0xcbf29ce484222325u;

	if (klen == 0 || klen > WIRE_NAME_MAX)
		return NULL;
	memcpy(key, name, klen);
	wire_name_lower(key);  /* RFC 4343: the question's case does not matter */
	for (size_t i = 0; i < klen; i++)
		h = (h ^ key[i]) * 0x100000001b3u;
	h = (h ^ type) * 0x100000001b3u;
	h = (h ^ qclass) * 0x100000001b3u;
	*qhash = h ? h : 1;
	return shard_of(c, wire_name_hash(key, klen));
}

bool cache_inflight_claim(struct cache *c, const uint8_t *name, uint16_t type,
			  uint16_t qclass, uint64_t now_ms, uint64_t hold_ms,
			  unsigned waiter, uint64_t *token)
{
	struct inflight *slot = NULL;
	uint64_t h;
	struct shard *s = question_key(c, name, type, qclass, &h);
	bool claimed = true;

	*token = 0;
	if (!s)
		return true;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < CACHE_INFLIGHT_SLOTS; i++) {
		struct inflight *f = &s->inflight[i];
		if (f->qhash && f->expiry_ms <= now_ms)
			f->qhash = 0;  /* its holder overran the time limit */
		if (f->qhash == h) {
			claimed = false;
			if (waiter < 64)
				f->waiters |= 1ull << waiter;
			goto done;
		}
		if (!f->qhash && !slot)
			slot = f;
	}
	if (slot) {  /* all slots busy: the caller resolves unmerged (token 0) */
		slot->qhash = h;
		slot->expiry_ms = now_ms + hold_ms;
		slot->token = ++s->claim_seq;
		slot->waiters = 0;
		*token = slot->token;
	}
done:
	pthread_mutex_unlock(&s->lock);
	return claimed;
}

uint64_t cache_inflight_release(struct cache *c, const uint8_t *name, uint16_t type,
				uint16_t qclass, uint64_t token)
{
	uint64_t h, waiters = 0;
	struct shard *s;

	if (token == 0)
		return 0;
	s = question_key(c, name, type, qclass, &h);
	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < CACHE_INFLIGHT_SLOTS; i++) {
		struct inflight *f = &s->inflight[i];
		if (f->qhash == h && f->token == token) {
			f->qhash = 0;
			waiters |= f->waiters;
			f->waiters = 0;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return waiters;
}

void cache_prefetch(struct cache *c, const uint8_t *const *names, const uint32_t *hashes,
		    const uint16_t *types, unsigned n)
{
	struct centry **bucket[2 * CACHE_PREFETCH_MAX];

	if (n > CACHE_PREFETCH_MAX)
		n = CACHE_PREFETCH_MAX;
	/* the buckets of (name, type) and (name, NXDOMAIN) of every name,
	 * then the first entry of each chain */
	for (unsigned i = 0; i < n; i++) {
		bucket[2 * i] = bucket[2 * i + 1] = NULL;
		if (!names[i])
			continue;
		uint32_t h = hashes[i];
		struct shard *s = shard_of(c, h);

		bucket[2 * i] = &s->table[key_hash(h, types[i]) & s->tmask];
		bucket[2 * i + 1] = &s->table[key_hash(h, CACHE_TYPE_NXDOMAIN) & s->tmask];
		__builtin_prefetch(&s->lock, 1);   /* taken and released: written */
		__builtin_prefetch(bucket[2 * i]);
		__builtin_prefetch(bucket[2 * i + 1]);
	}
	for (unsigned i = 0; i < 2 * n; i++) {
		/* read without the shard's lock, only to prefetch: an entry
		 * freed meanwhile costs a useless load, prefetching never
		 * faults */
		const struct centry *e = bucket[i] ? __atomic_load_n(bucket[i], __ATOMIC_RELAXED)
						   : NULL;

		if (e)
			__builtin_prefetch(e);
	}
}
