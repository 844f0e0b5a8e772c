/* dnssec: the DNSSEC data kept with cache entries (issue 9): building an
 * entry with its RRSIGs and denial proof, reading them back, the
 * validation state (RFC 4035 §4.3) and the rule that validated data is not
 * downgraded by a repetition that was not checked.
 *
 * Layout. After an entry's rdata (cache_int.h) come, when it has DNSSEC
 * data: for a signed NSEC RRset, its node in the NSEC index with the zone's
 * name (8-aligned, nsec.c); then the extension records, each a packed
 * struct xrec, the RRset's owner and its rdata: the RRSIGs first (XF_SIGS),
 * then the proof's RRsets in order (XF_NPROOF). Everything is one
 * allocation, so the budget counts signatures and proofs like the rest. */
#include "cache_int.h"

#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

size_t cache_dnssec_overhead(void)
{
	return XREC_LEN;
}

static void xrec_put(uint8_t *p, const struct wire_rrset *rs, size_t olen)
{
	memcpy(p, &rs->rdata_len, 4);
	memcpy(p + 4, &rs->type, 2);
	memcpy(p + 6, &rs->rclass, 2);
	memcpy(p + 8, &rs->count, 2);
	p[10] = (uint8_t)olen;
}

static void xrec_get(const uint8_t *p, struct xrec *x)
{
	memcpy(&x->rdata_len, p, 4);
	memcpy(&x->type, p + 4, 2);
	memcpy(&x->rclass, p + 6, 2);
	memcpy(&x->count, p + 8, 2);
	x->olen = p[10];
}

static unsigned xrec_count(uint8_t xflags)
{
	return (xflags & XF_SIGS ? 1u : 0u) + (xflags & XF_NPROOF);
}

/* Offset of the node (XF_NODE) or, without one, of the records. */
static size_t after_rdata(const struct centry *e)
{
	return offsetof(struct centry, data) + e->key_len + e->own_len + e->rdata_len;
}

struct nsec_node *cache_entry_node(const struct centry *e)
{
	return (struct nsec_node *)((uintptr_t)e + align8(after_rdata(e)));
}

const uint8_t *cache_ext(const struct centry *e)
{
	size_t off = after_rdata(e);

	if (e->xflags & XF_NODE)
		off = align8(off) + cache_entry_node(e)->size;
	return (const uint8_t *)e + off;
}

size_t cache_ext_len(const struct centry *e)
{
	const uint8_t *x = cache_ext(e), *p = x;
	unsigned n = xrec_count(e->xflags);

	for (unsigned i = 0; i < n; i++) {
		struct xrec r;
		xrec_get(p, &r);
		p += XREC_LEN + r.olen + r.rdata_len;
	}
	return (size_t)(p - x);
}

size_t cache_entry_bytes(const struct centry *e)
{
	return (size_t)(cache_ext(e) - (const uint8_t *)e) + cache_ext_len(e);
}

void cache_entry_rrset(const struct centry *e, uint32_t ttl, struct wire_rrset *rs)
{
	rs->owner = e->own_len ? e->data + e->key_len : e->data;
	rs->type = e->rr_type;
	rs->rclass = e->rr_class;
	rs->ttl = ttl;
	rs->count = e->count;
	rs->rdata_len = e->rdata_len;
	rs->rdata = e->data + e->key_len + e->own_len;
}

uint32_t cache_entry_ttl(const struct centry *e, uint64_t now)
{
	if (expired(e, now))
		return 0;
	return e->expiry - now > UINT32_MAX ? UINT32_MAX : (uint32_t)(e->expiry - now);
}

void cache_ext_view(const uint8_t *x, uint8_t xflags, uint32_t ttl, struct wire_rrset *sigs,
		    struct wire_rrset *proof, unsigned *nproof)
{
	unsigned n = xrec_count(xflags), np = 0;

	if (sigs)
		memset(sigs, 0, sizeof(*sigs));
	for (unsigned i = 0; i < n; i++) {
		struct xrec r;
		struct wire_rrset rs;

		xrec_get(x, &r);
		rs.owner = x + XREC_LEN;
		rs.type = r.type;
		rs.rclass = r.rclass;
		rs.ttl = ttl;
		rs.count = r.count;
		rs.rdata_len = r.rdata_len;
		rs.rdata = x + XREC_LEN + r.olen;
		x += XREC_LEN + r.olen + r.rdata_len;
		if (i == 0 && (xflags & XF_SIGS)) {
			if (sigs)
				*sigs = rs;
		} else if (proof) {
			proof[np++] = rs;
		}
	}
	if (nproof)
		*nproof = proof ? np : 0;
}

/* RFC 4034 §3.1: an RRSIG's rdata up to the signer's name is 18 bytes. */
#define RRSIG_SIGNER_OFF 18

/* The zone of a signed NSEC RRset: the given signer or the first RRSIG's
 * signer name, lowercased into zone; false when there is none or the owner
 * is not at or below it (RFC 4035 §5.3.1: the signer is the owner's zone). */
static bool nsec_zone(const uint8_t *owner, const struct cache_dnssec *d, uint8_t *zone,
		      size_t *zlen)
{
	if (d->signer) {
		*zlen = wire_name_len(d->signer);
		if (*zlen == 0 || *zlen > WIRE_NAME_MAX)
			return false;
		memcpy(zone, d->signer, *zlen);
		wire_name_lower(zone);
	} else {
		size_t rdlen = wire_get16(d->sigs->rdata), pos = RRSIG_SIGNER_OFF;
		if (wire_name_unpack(d->sigs->rdata + 2, rdlen, &pos, zone, zlen, true) !=
		    CAIRN_OK)
			return false;
	}
	return wire_name_is_subdomain(owner, zone);
}

/* A stored RRset of the extension: a valid owner and rdata. */
static bool ext_rrset_valid(const struct wire_rrset *rs)
{
	size_t olen = rs->owner ? wire_name_len(rs->owner) : 0;

	return olen > 0 && olen <= WIRE_NAME_MAX && rs->count > 0 &&
	       cache_rdata_valid(rs->count, rs->rdata, rs->rdata_len);
}

/* Checks d against the stored RRset (owner: its owner, NULL for a negative
 * entry without SOA) and adds up the extension's bytes and lowest TTL.
 * Returns CAIRN_OK or CAIRN_EINVAL. */
static cairn_err check_dnssec(const struct cache *c, const struct cache_dnssec *d,
			      const uint8_t *owner, bool negative, size_t *ext,
			      uint32_t *ttl, bool ext_ttl)
{
	const struct wire_rrset *sigs = d->sigs && d->sigs->count ? d->sigs : NULL;

	*ext = 0;
	if ((unsigned)d->sec > CACHE_SEC_BOGUS || d->nproof > CACHE_MAX_PROOF ||
	    (d->nproof && !d->proof))
		return CAIRN_EINVAL;
	if (sigs) {
		/* RFC 4035 §5.3.1: RRSIGs share the owner of the RRset they cover */
		if (sigs->type != WIRE_TYPE_RRSIG || !owner || !ext_rrset_valid(sigs) ||
		    !wire_name_equal(sigs->owner, owner))
			return CAIRN_EINVAL;
		*ext += XREC_LEN + wire_name_len(sigs->owner) + sigs->rdata_len;
		if (ext_ttl && cache_ttl_cap(c, sigs->ttl, negative) < *ttl)
			*ttl = cache_ttl_cap(c, sigs->ttl, negative);
	}
	for (unsigned i = 0; i < d->nproof; i++) {
		const struct wire_rrset *p = &d->proof[i];
		if ((p->type != WIRE_TYPE_NSEC && p->type != WIRE_TYPE_NSEC3 &&
		     p->type != WIRE_TYPE_RRSIG) || !ext_rrset_valid(p))
			return CAIRN_EINVAL;
		*ext += XREC_LEN + wire_name_len(p->owner) + p->rdata_len;
		/* RFC 9077 §3 / RFC 8198 §5.4: not beyond the NSEC(3) TTLs */
		if (ext_ttl && cache_ttl_cap(c, p->ttl, negative) < *ttl)
			*ttl = cache_ttl_cap(c, p->ttl, negative);
	}
	return CAIRN_OK;
}

static uint8_t *put_ext_rrset(uint8_t *p, const struct wire_rrset *rs)
{
	size_t olen = wire_name_len(rs->owner);

	xrec_put(p, rs, olen);
	memcpy(p + XREC_LEN, rs->owner, olen);
	wire_name_lower(p + XREC_LEN);
	memcpy(p + XREC_LEN + olen, rs->rdata, rs->rdata_len);
	return p + XREC_LEN + olen + rs->rdata_len;
}

cairn_err cache_entry_build(const struct cache *c, const uint8_t *name, uint16_t key_type,
			    enum centry_kind kind, const struct wire_rrset *rs,
			    const struct cache_dnssec *d, enum cache_rank rank,
			    bool ext_ttl, uint32_t *ttl, struct centry **out,
			    uint32_t *name_hash)
{
	size_t klen = wire_name_len(name), olen = 0, ext = 0, zlen = 0, off, node = 0;
	bool negative = kind != KIND_POSITIVE;
	uint8_t zone[WIRE_NAME_MAX];
	uint32_t rlen = rs ? rs->rdata_len : 0;
	struct centry *e;
	cairn_err err;

	*out = NULL;
	if (klen == 0 || klen > WIRE_NAME_MAX ||
	    (rs && !cache_rdata_valid(rs->count, rs->rdata, rs->rdata_len)))
		return CAIRN_EINVAL;
	if (negative && rs) {
		olen = wire_name_len(rs->owner);
		if (olen == 0 || olen > WIRE_NAME_MAX)
			return CAIRN_EINVAL;
	}
	if (d) {
		err = check_dnssec(c, d, rs ? rs->owner : NULL, negative, &ext, ttl, ext_ttl);
		if (err != CAIRN_OK)
			return err;
		/* RFC 8198: a signed NSEC RRset may later prove names absent */
		if (!negative && key_type == WIRE_TYPE_NSEC && d->sigs && d->sigs->count &&
		    nsec_zone(name, d, zone, &zlen))
			node = align8(sizeof(struct nsec_node) + zlen);
	}
	off = offsetof(struct centry, data) + klen + olen + rlen;
	if (node)
		off = align8(off) + node;
	e = malloc(off + ext);
	if (!e)
		return CAIRN_ENOMEM;
	memset(e, 0, sizeof(*e));
	memcpy(e->data, name, klen);
	wire_name_lower(e->data);  /* keys are lowercase (RFC 4343) */
	e->key_len = (uint8_t)klen;
	e->own_len = (uint8_t)olen;
	e->rdata_len = rlen;
	e->cost = (uint32_t)(malloc_usable_size(e) + sizeof(size_t));
	if (olen) {
		memcpy(e->data + klen, rs->owner, olen);
		wire_name_lower(e->data + klen);
	}
	if (rlen)
		memcpy(e->data + klen + olen, rs->rdata, rlen);
	e->kind = (uint8_t)kind;
	e->rank = (uint8_t)rank;
	e->key_type = key_type;
	e->rr_type = rs ? rs->type : WIRE_TYPE_SOA;
	e->rr_class = rs ? rs->rclass : WIRE_CLASS_IN;
	e->count = rs ? rs->count : 0;
	e->sec = d ? (uint8_t)d->sec : CACHE_SEC_UNCHECKED;
	e->ede = d && d->sec != CACHE_SEC_UNCHECKED ? d->ede : CACHE_EDE_NONE;
	if (d) {
		if (node) {
			struct nsec_node *nd;
			e->xflags |= XF_NODE;
			nd = cache_entry_node(e);
			memset(nd, 0, sizeof(*nd));
			nd->e = e;
			nd->size = (uint32_t)node;
			memcpy(nd->zone, zone, zlen);
		}
		if (d->sigs && d->sigs->count)
			e->xflags |= XF_SIGS;
		e->xflags |= (uint8_t)d->nproof;
		uint8_t *p = (uint8_t *)cache_ext(e);
		if (d->sigs && d->sigs->count)
			p = put_ext_rrset(p, d->sigs);
		for (unsigned i = 0; i < d->nproof; i++)
			p = put_ext_rrset(p, &d->proof[i]);
	}
	*name_hash = wire_name_hash(e->data, klen);
	e->bhash = key_hash(*name_hash, key_type);
	*out = e;
	return CAIRN_OK;
}

/* True when the RRs of a (count of them, rdata_len bytes) are those of b,
 * in any order (RRsets are sets, RFC 2181 §5). */
static bool same_rrs(const uint8_t *a, const uint8_t *b, uint16_t count, uint32_t len)
{
	size_t pa = 0;

	if (memcmp(a, b, len) == 0)
		return true;
	for (uint16_t i = 0; i < count; i++) {
		size_t la = 2 + wire_get16(a + pa), pb = 0;
		bool found = false;
		for (uint16_t j = 0; j < count && !found; j++) {
			size_t lb = 2 + wire_get16(b + pb);
			found = la == lb && memcmp(a + pa, b + pb, la) == 0;
			pb += lb;
		}
		if (!found)
			return false;
		pa += la;
	}
	return true;
}

bool cache_keeps_secure(const struct centry *old, const struct centry *new)
{
	if (old->sec != CACHE_SEC_SECURE || new->sec != CACHE_SEC_UNCHECKED ||
	    old->kind != new->kind || old->rr_type != new->rr_type ||
	    old->count != new->count || old->rdata_len != new->rdata_len ||
	    old->own_len != new->own_len ||
	    memcmp(old->data + old->key_len, new->data + new->key_len, old->own_len) != 0)
		return false;
	return same_rrs(old->data + old->key_len + old->own_len,
			new->data + new->key_len + new->own_len, old->count, old->rdata_len);
}

cairn_err cache_put_rrset_sec(struct cache *c, const struct wire_rrset *rs,
			      enum cache_rank rank, const struct cache_dnssec *d, uint64_t now)
{
	uint32_t ttl = cache_ttl_cap(c, rs->ttl, false), h;
	struct centry *e;
	cairn_err err;

	if (rs->type == CACHE_TYPE_NXDOMAIN)
		return CAIRN_EINVAL;
	err = cache_entry_build(c, rs->owner, rs->type, KIND_POSITIVE, rs, d, rank, true, &ttl,
				&e, &h);
	if (err != CAIRN_OK)
		return err;
	if (ttl == 0) {
		free(e);
		return CAIRN_OK;  /* RFC 1035 §3.2.1: TTL 0 is not cached */
	}
	e->expiry = now + ttl;
	e->orig_ttl = ttl;
	return cache_store(c, e, h, now);
}

cairn_err cache_put_negative_sec(struct cache *c, const uint8_t *name, uint16_t type,
				 bool nxdomain, const struct wire_rrset *soa, uint32_t ttl,
				 enum cache_rank rank, const struct cache_dnssec *d,
				 uint64_t now)
{
	uint32_t h;
	struct centry *e;
	cairn_err err;

	if (!nxdomain && type == CACHE_TYPE_NXDOMAIN)
		return CAIRN_EINVAL;
	/* RFC 2308 §5: the negative TTL, capped by cache-max-negative-ttl */
	ttl = cache_ttl_cap(c, ttl, true);
	/* RFC 2308 §5: NXDOMAIN is cached against the name alone (it answers
	 * every type), NODATA against (name, type). */
	err = cache_entry_build(c, name, nxdomain ? CACHE_TYPE_NXDOMAIN : type,
				nxdomain ? KIND_NXDOMAIN : KIND_NODATA, soa, d, rank, true, &ttl,
				&e, &h);
	if (err != CAIRN_OK)
		return err;
	if (ttl == 0) {
		free(e);
		return CAIRN_OK;
	}
	e->expiry = now + ttl;
	e->orig_ttl = ttl;
	return cache_store(c, e, h, now);
}

cairn_err cache_set_sec(struct cache *c, const uint8_t *name, uint16_t type, bool nxdomain,
			enum cache_sec sec, uint16_t ede, uint32_t max_ttl, uint64_t now)
{
	return cache_set_sec_if(c, name, type, nxdomain, NULL, sec, ede, max_ttl, now);
}

cairn_err cache_set_sec_if(struct cache *c, const uint8_t *name, uint16_t type,
			   bool nxdomain, const struct wire_rrset *rs, enum cache_sec sec,
			   uint16_t ede, uint32_t max_ttl, uint64_t now)
{
	uint8_t key[WIRE_NAME_MAX];
	size_t klen = wire_name_len(name);
	uint16_t ktype = nxdomain ? CACHE_TYPE_NXDOMAIN : type;
	cairn_err err = CAIRN_ENOTFOUND;
	struct centry *e;
	struct shard *s;
	uint64_t expiry;
	uint32_t h;

	if (klen == 0 || klen > WIRE_NAME_MAX || (!nxdomain && type == CACHE_TYPE_NXDOMAIN) ||
	    (unsigned)sec > CACHE_SEC_BOGUS)
		return CAIRN_ENOTFOUND;
	memcpy(key, name, klen);
	wire_name_lower(key);
	h = wire_name_hash(key, klen);
	s = shard_of(c, h);
	pthread_mutex_lock(&s->lock);
	e = centry_lookup(s, key_hash(h, ktype), key, klen, ktype);
	if (!e || expired(e, now))
		goto done;
	/* the verdict is on the data checked: not on another RRset that
	 * replaced it meanwhile (another worker's) */
	if (rs && (e->kind != KIND_POSITIVE || e->rdata_len != rs->rdata_len ||
		   memcmp(e->data + e->key_len + e->own_len, rs->rdata, rs->rdata_len) != 0))
		goto done;
	if (sec == CACHE_SEC_UNCHECKED)
		ede = CACHE_EDE_NONE;
	/* RFC 4035 §5.3.3: not beyond the signatures' validity; RFC 4035 §4.3:
	 * bogus data only briefly. Never longer than it was. */
	expiry = now + max_ttl < e->expiry ? now + max_ttl : e->expiry;
	if (e->xflags & XF_NODE) {
		cache_nsec_set(s->nsec, e, (uint8_t)sec, ede, expiry);
	} else {
		e->sec = (uint8_t)sec;
		e->ede = ede;
		e->expiry = expiry;
	}
	err = CAIRN_OK;
done:
	pthread_mutex_unlock(&s->lock);
	return err;
}
