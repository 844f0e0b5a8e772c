/* walk: reading the cache as a whole or by name without disturbing it
 * (cache-show, the cache file) and putting dumped entries back. */
#include "cache_int.h"

#include <stdlib.h>
#include <string.h>

/* An entry as cache_walk_name copies it into scratch: this header, the
 * RRset's owner, its rdata, its DNSSEC extension records, padding to 8
 * bytes. */
struct walk_rec {
	uint32_t rdata_len, ttl, size, xlen;
	uint16_t key_type, rr_type, rr_class, count, ede;
	uint8_t kind, rank, olen, sec, xflags;
};

size_t cache_walk_name(struct cache *c, const uint8_t *name, uint64_t now,
		       uint8_t *scratch, size_t scratch_len, cache_walk_fn fn, void *ctx,
		       bool *truncated)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t klen = wire_name_len(name), used = 0, n = 0, done;
	struct shard *s;
	uint32_t last_type = 0;
	bool first = true;

	if (truncated)
		*truncated = false;
	if (klen == 0 || klen > WIRE_NAME_MAX)
		return 0;
	memcpy(key, name, klen);
	wire_name_lower(key);
	/* every entry of one owner name lives in the same shard */
	s = shard_of(c, wire_name_hash(key, klen));
	pthread_mutex_lock(&s->lock);
	for (const struct centry *e = s->head; e; e = e->lnext) {
		size_t olen, size;
		struct walk_rec r;

		if (e->key_len != klen || memcmp(e->data, key, klen) != 0 || expired(e, now))
			continue;
		olen = e->own_len ? e->own_len : e->key_len;
		size_t xlen = cache_ext_len(e);
		size = (sizeof(r) + olen + e->rdata_len + xlen + 7) & ~(size_t)7;
		if (scratch_len - used < size) {
			if (truncated)
				*truncated = true;
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.rdata_len = e->rdata_len;
		r.ttl = e->expiry - now > UINT32_MAX ? UINT32_MAX : (uint32_t)(e->expiry - now);
		r.size = (uint32_t)size;
		r.key_type = e->key_type;
		r.rr_type = e->rr_type;
		r.rr_class = e->rr_class;
		r.count = e->count;
		r.kind = e->kind;
		r.rank = e->rank;
		r.olen = (uint8_t)olen;
		r.xlen = (uint32_t)xlen;
		r.sec = e->sec;
		r.ede = e->ede;
		r.xflags = e->xflags;
		memcpy(scratch + used, &r, sizeof(r));
		memcpy(scratch + used + sizeof(r), e->own_len ? e->data + e->key_len : e->data, olen);
		memcpy(scratch + used + sizeof(r) + olen, e->data + e->key_len + e->own_len,
		       e->rdata_len);
		memcpy(scratch + used + sizeof(r) + olen + e->rdata_len, cache_ext(e), xlen);
		used += size;
		n++;
	}
	pthread_mutex_unlock(&s->lock);
	/* report in type order (a name has few entries: selection is enough) */
	for (done = 0; done < n; done++) {
		const uint8_t *best = NULL;
		struct walk_rec r, br;
		struct cache_entry_info info;

		memset(&br, 0, sizeof(br));
		for (size_t off = 0; off < used; off += r.size) {
			memcpy(&r, scratch + off, sizeof(r));
			if (!first && r.key_type <= last_type)
				continue;
			if (!best || r.key_type < br.key_type) {
				best = scratch + off;
				br = r;
			}
		}
		if (!best)
			break;
		first = false;
		last_type = br.key_type;
		info.kind = br.kind == KIND_NXDOMAIN ? CACHE_NXDOMAIN :
			    br.kind == KIND_NODATA ? CACHE_NODATA : CACHE_POSITIVE;
		info.type = br.key_type;
		info.rank = (enum cache_rank)br.rank;
		info.rs.owner = best + sizeof(br);
		info.rs.type = br.rr_type;
		info.rs.rclass = br.rr_class;
		info.rs.ttl = br.ttl;
		info.rs.count = br.count;
		info.rs.rdata_len = br.rdata_len;
		info.rs.rdata = best + sizeof(br) + br.olen;
		info.sec = (enum cache_sec)br.sec;
		info.ede = br.ede;
		cache_ext_view(info.rs.rdata + br.rdata_len, br.xflags, br.ttl, &info.sigs,
			       info.proof, &info.nproof);
		fn(ctx, &info);
	}
	return done;
}

/* ---- the whole cache, for the cache file ---- */

static size_t entry_size(const struct centry *e)
{
	return (cache_entry_bytes(e) + 7) & ~(size_t)7;
}

cairn_err cache_walk_all(struct cache *c, uint64_t now, cache_dump_fn fn, void *ctx,
			 size_t *count)
{
	size_t n = 0;

	for (unsigned i = 0; i < c->nshards; i++) {
		struct shard *s = &c->shards[i];
		size_t bytes = 0, used = 0;
		uint8_t *buf;

		pthread_mutex_lock(&s->lock);
		for (const struct centry *e = s->head; e; e = e->lnext)
			bytes += entry_size(e);
		buf = bytes ? malloc(bytes) : NULL;
		if (bytes && !buf) {
			pthread_mutex_unlock(&s->lock);
			if (count)
				*count = n;
			return CAIRN_ENOMEM;
		}
		/* oldest first: a load then rebuilds the same LRU order */
		for (const struct centry *e = s->tail; e; e = e->lprev) {
			if (dead(c, e, now) || (expired(e, now) && !c->stale_max_age))
				continue;
			memcpy(buf + used, e, cache_entry_bytes(e));
			used += entry_size(e);
		}
		pthread_mutex_unlock(&s->lock);
		for (size_t off = 0; off < used; ) {
			const struct centry *e = (const struct centry *)(buf + off);
			struct cache_dump_entry d;

			memset(&d, 0, sizeof(d));
			d.kind = e->kind == KIND_NXDOMAIN ? CACHE_NXDOMAIN :
				 e->kind == KIND_NODATA ? CACHE_NODATA : CACHE_POSITIVE;
			d.name = e->data;
			d.type = e->key_type;
			d.rank = (enum cache_rank)e->rank;
			d.expiry = e->expiry;
			d.orig_ttl = e->orig_ttl;
			cache_entry_rrset(e, cache_entry_ttl(e, now), &d.rs);
			d.sec = (enum cache_sec)e->sec;
			d.ede = e->ede;
			cache_ext_view(cache_ext(e), e->xflags, d.rs.ttl, &d.sigs, d.proof,
				       &d.nproof);
			d.signer = e->xflags & XF_NODE ? cache_entry_node(e)->zone : NULL;
			fn(ctx, &d);
			n++;
			off += entry_size(e);
		}
		free(buf);
	}
	if (count)
		*count = n;
	return CAIRN_OK;
}

cairn_err cache_restore(struct cache *c, const struct cache_dump_entry *d, uint64_t now)
{
	bool neg = d->kind != CACHE_POSITIVE;
	uint32_t max = neg ? c->max_negative_ttl : c->max_ttl, h, ttl = 1;
	uint64_t expiry = d->expiry;
	struct cache_dnssec sec = { .sec = d->sec, .sigs = &d->sigs, .proof = d->proof,
				    .nproof = d->nproof, .ede = d->ede, .signer = d->signer };
	struct centry *e;
	cairn_err err;

	if (d->rank < CACHE_RANK_GLUE || d->rank > CACHE_RANK_AUTH_ANSWER ||
	    (d->kind == CACHE_NXDOMAIN) != (d->type == CACHE_TYPE_NXDOMAIN) ||
	    (!neg && d->rs.type != d->type))
		return CAIRN_EINVAL;
	/* the records' TTLs are the seconds left when dumped: expiry rules */
	err = cache_entry_build(c, d->name, d->type,
				d->kind == CACHE_NXDOMAIN ? KIND_NXDOMAIN :
				d->kind == CACHE_NODATA ? KIND_NODATA : KIND_POSITIVE,
				neg && !d->rs.count ? NULL : &d->rs, &sec, d->rank, false, &ttl,
				&e, &h);
	if (err != CAIRN_OK)
		return err;
	if (expiry + c->stale_max_age <= now || (expiry <= now && !c->stale_max_age)) {
		free(e);
		return CAIRN_ENOTFOUND;
	}
	if (expiry > now + max)
		expiry = now + max;
	e->expiry = expiry;
	e->orig_ttl = d->orig_ttl;
	return cache_store(c, e, h, now);
}
