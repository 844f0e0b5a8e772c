/* validate: DNSSEC validation of a resolution's answer (RFC 4035 §5), the
 * VALIDATE state of the resolution state machine (doc/ARCHITECTURE.md,
 * "Validation"). Every RRset of the answer is checked with the DNSKEYs of
 * its signer; the signer's keys are trusted through a chain of DS and
 * DNSKEY RRsets up to a trust anchor, built bottom-up from the cache (the
 * RRSIG signer of a DS names the parent zone) and checked top-down. What
 * the cache lacks is fetched by sub-resolutions (DS, DNSKEY), after which
 * the step runs again; every verdict is stored in the cache (cache_set_sec)
 * so that nothing is verified twice. The cryptography and the denial
 * proofs are src/dnssec/'s; this file decides what to check with what. */
#include "resolve_int.h"
#include "cairn/dnssec.h"

#include <assert.h>
#include <string.h>

/* A looked-up RRset with its signatures (and a negative entry's proof),
 * copied into its own buffer so that several can be held at once. */
struct vset {
	enum cache_result res;
	enum cache_sec sec;
	uint16_t ede;
	struct wire_rrset rs, sigs;
	unsigned nproof;
	struct wire_rrset proof[CACHE_MAX_PROOF];
	uint8_t owner[WIRE_NAME_MAX];
};

static const char *state_name[] = { "indeterminate", "insecure", "secure", "bogus" };

static enum cache_sec to_cache(enum dsec_state s)
{
	return s == DSEC_SECURE ? CACHE_SEC_SECURE : s == DSEC_INSECURE ? CACHE_SEC_INSECURE :
	       s == DSEC_BOGUS ? CACHE_SEC_BOGUS : CACHE_SEC_UNCHECKED;
}

/* Looks (name, type) up with its DNSSEC data into buf. */
static void vget(struct resolver *r, const uint8_t *name, uint16_t type, uint8_t *buf,
		 size_t cap, struct vset *v)
{
	struct cache_hit hit;

	memset(&hit, 0, sizeof(hit));
	memcpy(v->owner, name, wire_name_len(name));
	v->res = cache_get_ex(r->cache, name, type, rnow_s(r), CACHE_GET_DNSSEC, buf, cap,
			      &v->rs, NULL, &hit);
	v->sec = v->res == CACHE_MISS ? CACHE_SEC_UNCHECKED : hit.sec;
	v->ede = v->res == CACHE_MISS ? WIRE_EDE_NONE : hit.ede;
	v->sigs = hit.sigs;
	v->nproof = v->res == CACHE_MISS ? 0 : hit.nproof;
	memcpy(v->proof, hit.proof, sizeof(v->proof));
	if (v->res == CACHE_MISS)
		v->sigs.count = 0;
}

/* The result of a chain lookup. */
enum kres { K_SECURE, K_INSECURE, K_BOGUS, K_PENDING };

struct kout {
	enum kres res;
	uint16_t ede;
	const char *why;
	struct wire_rrset keys;    /* K_SECURE: the zone's DNSKEY RRset, in r->vkeys */
};

/* Starts fetching (name, type) for q (WAIT_CHILD, back to VALIDATE), or
 * ends q when that was fetched already without result. */
static enum kres fetch(struct rq *q, const uint8_t *name, uint16_t type, struct kout *o)
{
	struct rq *c;

	if (q->vfetch_type == type && wire_name_equal(q->vfetch, name)) {
		/* asked already and still not in the cache */
		o->ede = type == WIRE_TYPE_DNSKEY ? WIRE_EDE_DNSKEY_MISSING : WIRE_EDE_DNSSEC_BOGUS;
		o->why = q->child_failed ? (type == WIRE_TYPE_DNSKEY ? "DNSKEY lookup failed" :
					    "DS lookup failed")
					 : (type == WIRE_TYPE_DNSKEY ? "no DNSKEY RRset" :
					    "DS RRset cannot be cached");
		return K_BOGUS;
	}
	if (q->vfetches >= VAL_MAX_FETCH || q->nest >= VAL_MAX_NEST) {
		o->ede = WIRE_EDE_DNSSEC_BOGUS;
		o->why = "too many DS/DNSKEY lookups for one answer";
		return K_BOGUS;
	}
	q->vfetches++;
	memcpy(q->vfetch, name, wire_name_len(name));
	q->vfetch_type = type;
	rq_log_event(q, EV_VAL_FETCH, NULL, name, type, 0, 0, NULL);
	c = rq_child(q, name, type);
	if (!c) {
		o->ede = WIRE_EDE_DNSSEC_BOGUS;
		o->why = "out of memory";
		return K_BOGUS;
	}
	q->child_val = true;
	return K_PENDING;
}

/* The signer of sigs over type, checked: an ancestor of owner (or owner
 * itself, except for DS: RFC 4035 §5.2, the parent signs it). */
static bool signer_of(const struct wire_rrset *sigs, uint16_t type, const uint8_t *owner,
		      uint8_t *signer)
{
	if (!sigs || !sigs->count || !dsec_signer(sigs, type, signer))
		return false;
	if (!wire_name_is_subdomain(owner, signer))
		return false;
	return type != WIRE_TYPE_DS || !wire_name_equal(owner, signer);
}

/* The zone of a negative entry or DS denial: the signer of its proof or
 * SOA, else the SOA's owner, else the parent of name. */
static const uint8_t *neg_zone(const struct vset *v, const uint8_t *name, uint8_t *zone)
{
	for (unsigned i = 0; i + 1 < v->nproof; i++)
		if (v->proof[i + 1].type == WIRE_TYPE_RRSIG &&
		    signer_of(&v->proof[i + 1], v->proof[i].type, v->proof[i].owner, zone) &&
		    !wire_name_equal(zone, name) && wire_name_is_subdomain(name, zone))
			return zone;
	if (v->rs.count && v->rs.type == WIRE_TYPE_SOA &&
	    signer_of(&v->sigs, WIRE_TYPE_SOA, v->rs.owner, zone) &&
	    !wire_name_equal(zone, name) && wire_name_is_subdomain(name, zone))
		return zone;
	if (v->rs.count && v->rs.type == WIRE_TYPE_SOA && !wire_name_equal(v->rs.owner, name) &&
	    wire_name_is_subdomain(name, v->rs.owner))
		return v->rs.owner;
	return name[0] ? wire_name_parent(name) : NULL;
}

/* Verifies the NSEC/NSEC3 RRsets of a proof with keys; fills arr with
 * them. Returns false (o set) when one does not verify. */
static bool proof_rrsets(struct rq *q, const struct wire_rrset *proof, unsigned n,
			 const struct wire_rrset *keys, const struct wire_rrset **arr,
			 unsigned *narr, struct kout *o)
{
	struct dsec_result res;

	*narr = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct wire_rrset *sigs = NULL;

		if (proof[i].type != WIRE_TYPE_NSEC && proof[i].type != WIRE_TYPE_NSEC3)
			continue;
		if (i + 1 < n && proof[i + 1].type == WIRE_TYPE_RRSIG)
			sigs = &proof[i + 1];
		dsec_verify_rrset(&proof[i], sigs, keys, q->r->io.wall_s(q->r->io.ctx),
				  &q->budget, &res);
		if (res.state != DSEC_SECURE) {
			o->ede = res.ede;
			o->why = res.why;
			return false;
		}
		arr[(*narr)++] = &proof[i];
	}
	return true;
}

/* Keeps keys (a verified DNSKEY RRset) in r->vkeys as o->keys. */
static void keep_keys(struct resolver *r, const struct wire_rrset *keys, struct kout *o)
{
	size_t olen = wire_name_len(keys->owner);

	memcpy(r->vkeys, keys->owner, olen);
	memmove(r->vkeys + olen, keys->rdata, keys->rdata_len);
	o->keys = *keys;
	o->keys.owner = r->vkeys;
	o->keys.rdata = r->vkeys + olen;
}

/* Stores a verdict on (name, type) in the cache: secure data for at most
 * ttl seconds (RFC 4035 §5.3.3), bogus data for val-bogus-ttl. */
static void verdict(struct resolver *r, const uint8_t *name, uint16_t type, bool nx,
		    enum dsec_state s, uint16_t ede, uint32_t ttl)
{
	if (s == DSEC_BOGUS)
		ttl = r->cfg.bogus_ttl;
	cache_set_sec(r->cache, name, type, nx, to_cache(s), ede, ttl, rnow_s(r));
}

/* verdict() on the RRset rs itself: only while the cache holds its records. */
static void verdict_rrset(struct resolver *r, const struct wire_rrset *rs, enum dsec_state s,
			  uint16_t ede, uint32_t ttl)
{
	if (s == DSEC_BOGUS)
		ttl = r->cfg.bogus_ttl;
	cache_set_sec_if(r->cache, rs->owner, rs->type, false, rs, to_cache(s), ede, ttl,
			 rnow_s(r));
}

/* True when a record of the DS RRset ds has an algorithm and a digest
 * type we implement; else *ede says which is missing (EDE 1 or 2). */
static bool ds_usable(const struct wire_rrset *ds, uint16_t *ede)
{
	bool alg = false;
	size_t pos = 0;

	for (unsigned i = 0; i < ds->count && pos + 2 <= ds->rdata_len; i++) {
		uint16_t len = wire_get16(ds->rdata + pos);
		const uint8_t *rd = ds->rdata + pos + 2;

		if (len >= 4 && dsec_algorithm_supported(rd[2])) {
			alg = true;
			if (dsec_digest_supported(rd[3]))
				return true;
		}
		pos += 2 + (size_t)len;
	}
	*ede = alg ? WIRE_EDE_UNSUPPORTED_DS_DIGEST : WIRE_EDE_UNSUPPORTED_DNSKEY_ALG;
	return false;
}

/* One link: with the trusted keys of parent (o->keys), checks zone's DS
 * (or its absence) and then zone's DNSKEY RRset. On K_SECURE o->keys
 * becomes zone's keys; a proven insecure delegation is K_INSECURE; a
 * zone that is no zone cut (a DS denial at a non-cut name) keeps the
 * parent's keys. */
static enum kres link_down(struct rq *q, const uint8_t *zone, struct kout *o)
{
	struct resolver *r = q->r;
	uint64_t now = r->io.wall_s(r->io.ctx);
	struct vset ds, dk;
	struct dsec_result res;
	const struct wire_rrset *arr[CACHE_MAX_PROOF];
	unsigned narr;

	vget(r, zone, WIRE_TYPE_DS, r->vbuf1, sizeof(r->vbuf1), &ds);
	if (ds.res == CACHE_MISS)
		return fetch(q, zone, WIRE_TYPE_DS, o);
	if (ds.res == CACHE_POSITIVE && ds.sec == CACHE_SEC_UNCHECKED) {
		dsec_verify_rrset(&ds.rs, &ds.sigs, &o->keys, now, &q->budget, &res);
		verdict_rrset(r, &ds.rs, res.state, res.ede, res.ttl);
		ds.sec = to_cache(res.state);
		ds.ede = res.ede;
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DS, 0, 0,
			     state_name[res.state]);
		if (res.state != DSEC_SECURE)
			o->why = res.why;
	} else if (ds.res != CACHE_POSITIVE && ds.sec == CACHE_SEC_UNCHECKED) {
		struct dsec_ds_denial den;

		/* RFC 4035 §5.2: no DS, proven by the parent's NSEC/NSEC3 */
		if (!ds.nproof) {
			o->ede = WIRE_EDE_NSEC_MISSING;
			o->why = "no DS and no proof of its absence";
			verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_BOGUS,
				o->ede, 0);
			return K_BOGUS;
		}
		if (!proof_rrsets(q, ds.proof, ds.nproof, &o->keys, arr, &narr, o)) {
			verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_BOGUS,
				o->ede, 0);
			return K_BOGUS;
		}
		dsec_deny_ds(zone, o->keys.owner, arr, narr, &q->budget, &den);
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DS, 0, 0,
			     den.not_a_cut ? "no zone cut" : state_name[den.state]);
		if (den.state == DSEC_BOGUS) {
			o->ede = den.ede;
			o->why = den.why;
			verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_BOGUS,
				o->ede, 0);
			return K_BOGUS;
		}
		if (den.not_a_cut)
			return K_SECURE;        /* same zone: the parent's keys */
		/* a proven insecure delegation (or opt-out) */
		verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_INSECURE,
			den.ede, UINT32_MAX);
		o->ede = den.ede;
		return K_INSECURE;
	}
	if (ds.sec == CACHE_SEC_BOGUS) {
		o->ede = ds.ede;
		if (!o->why)
			o->why = "DS RRset is bogus";
		return K_BOGUS;
	}
	if (ds.res != CACHE_POSITIVE || ds.sec == CACHE_SEC_INSECURE) {
		o->ede = ds.ede;
		return K_INSECURE;
	}
	/* RFC 4035 §5.2, RFC 6840 §5.2: a DS RRset none of whose records has
	 * an algorithm and a digest type we implement makes the zone insecure
	 * (no need for its keys) */
	if (!ds_usable(&ds.rs, &o->ede)) {
		verdict_rrset(r, &ds.rs, DSEC_INSECURE, o->ede, UINT32_MAX);
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DS, 0, 0,
			     "insecure: unsupported algorithm or digest");
		return K_INSECURE;
	}
	/* DS secure: the zone's DNSKEY RRset must match it (RFC 4035 §5.2) */
	vget(r, zone, WIRE_TYPE_DNSKEY, r->vbuf2, sizeof(r->vbuf2), &dk);
	if (dk.res == CACHE_MISS)
		return fetch(q, zone, WIRE_TYPE_DNSKEY, o);
	if (dk.res != CACHE_POSITIVE) {
		o->ede = WIRE_EDE_DNSKEY_MISSING;
		o->why = "the zone has a DS but no DNSKEY";
		return K_BOGUS;
	}
	if (dk.sec == CACHE_SEC_UNCHECKED) {
		dsec_verify_keys(&dk.rs, &dk.sigs, &ds.rs, now, &q->budget, &res);
		verdict_rrset(r, &dk.rs, res.state, res.ede, res.ttl);
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DNSKEY, 0, 0,
			     state_name[res.state]);
		dk.sec = to_cache(res.state);
		dk.ede = res.ede;
		o->why = res.why;
	}
	o->ede = dk.ede;
	if (dk.sec == CACHE_SEC_SECURE) {
		keep_keys(r, &dk.rs, o);
		return K_SECURE;
	}
	if (!o->why)
		o->why = "DNSKEY RRset does not match the DS";
	return dk.sec == CACHE_SEC_INSECURE ? K_INSECURE : K_BOGUS;
}

/* The trusted keys of zone (the signer of some data), or why there are
 * none: the chain from zone up to a trust anchor, found bottom-up from
 * the cache, checked top-down (link_down). */
static enum kres keys_for(struct rq *q, const uint8_t *zone, struct kout *o)
{
	struct resolver *r = q->r;
	uint8_t chain[VAL_MAX_DEPTH][WIRE_NAME_MAX], tmp[WIRE_NAME_MAX];
	uint8_t azone[WIRE_NAME_MAX], z[WIRE_NAME_MAX];
	struct wire_rrset anchor;
	unsigned n = 0;
	struct vset v;
	struct dsec_result res;
	enum kres k;

	memset(o, 0, sizeof(*o));
	o->ede = WIRE_EDE_NONE;
	/* RFC 7646: below a negative trust anchor everything is insecure */
	if (dsec_nta_covers(r->anchors, zone))
		return K_INSECURE;
	if (!dsec_anchor_find(r->anchors, zone, azone, r->vanchor, sizeof(r->vanchor), &anchor))
		return K_INSECURE;     /* no trust anchor above: insecure (RFC 4035 §4.3) */
	memcpy(z, zone, wire_name_len(zone));
	for (;;) {
		vget(r, z, WIRE_TYPE_DNSKEY, r->vbuf2, sizeof(r->vbuf2), &v);
		if (v.res == CACHE_POSITIVE && v.sec == CACHE_SEC_SECURE) {
			keep_keys(r, &v.rs, o);
			break;
		}
		if (v.sec == CACHE_SEC_BOGUS || v.sec == CACHE_SEC_INSECURE) {
			o->ede = v.ede;
			o->why = v.sec == CACHE_SEC_BOGUS ? "DNSKEY RRset is bogus" : NULL;
			return v.sec == CACHE_SEC_BOGUS ? K_BOGUS : K_INSECURE;
		}
		if (wire_name_equal(z, azone)) {
			/* the anchor's zone: its keys match the anchor */
			if (v.res == CACHE_MISS)
				return fetch(q, z, WIRE_TYPE_DNSKEY, o);
			if (v.res != CACHE_POSITIVE) {
				o->ede = WIRE_EDE_DNSKEY_MISSING;
				o->why = "no DNSKEY RRset at the trust anchor";
				return K_BOGUS;
			}
			dsec_verify_keys(&v.rs, &v.sigs, &anchor, r->io.wall_s(r->io.ctx),
					 &q->budget, &res);
			verdict_rrset(r, &v.rs, res.state, res.ede, res.ttl);
			rq_log_event(q, EV_VAL_LINK, NULL, z, WIRE_TYPE_DNSKEY, 0, 0,
				     state_name[res.state]);
			o->ede = res.ede;
			o->why = res.why;
			if (res.state != DSEC_SECURE)
				return res.state == DSEC_INSECURE ? K_INSECURE : K_BOGUS;
			keep_keys(r, &v.rs, o);
			break;
		}
		/* one level up: the zone that signs z's DS (or its denial) */
		if (n == VAL_MAX_DEPTH) {
			o->ede = WIRE_EDE_DNSSEC_BOGUS;
			o->why = "chain of trust too long";
			return K_BOGUS;
		}
		memcpy(chain[n++], z, wire_name_len(z));
		vget(r, z, WIRE_TYPE_DS, r->vbuf1, sizeof(r->vbuf1), &v);
		if (v.res == CACHE_MISS)
			return fetch(q, z, WIRE_TYPE_DS, o);
		if (v.sec == CACHE_SEC_INSECURE) {
			o->ede = v.ede;
			return K_INSECURE;
		}
		if (v.res == CACHE_POSITIVE) {
			if (!signer_of(&v.sigs, WIRE_TYPE_DS, z, tmp)) {
				/* an unsigned DS: whether that is bogus depends on
				 * the parent, whose keys decide below */
				if (!z[0])
					return K_BOGUS;
				memmove(tmp, wire_name_parent(z), wire_name_len(wire_name_parent(z)));
			}
		} else {
			const uint8_t *pz = neg_zone(&v, z, tmp);

			if (!pz)
				return K_INSECURE;
			if (pz != tmp)
				memmove(tmp, pz, wire_name_len(pz));
		}
		/* the parent must lie between the anchor and z */
		if (!wire_name_is_subdomain(tmp, azone)) {
			o->ede = WIRE_EDE_DNSSEC_BOGUS;
			o->why = "DS signed by a zone above the trust anchor";
			return K_BOGUS;
		}
		memcpy(z, tmp, wire_name_len(tmp));
	}
	/* o->keys are trusted; walk back down to zone */
	while (n--) {
		k = link_down(q, chain[n], o);
		if (k != K_SECURE)
			return k;
	}
	return K_SECURE;
}

/* A secure NSEC or NSEC3 RRset is cached as such: the next proof that
 * holds it needs no verification (check_rrset), and NSEC goes to the
 * cache's NSEC index, for RFC 8198. */
static void keep_proof_rrset(struct resolver *r, const struct wire_rrset *rs,
		      const struct wire_rrset *sigs, const struct dsec_result *res)
{
	struct wire_rrset copy = *rs;
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .sigs = sigs,
				  .ede = WIRE_EDE_NONE };

	if (copy.ttl > res->ttl)
		copy.ttl = res->ttl;
	cache_put_rrset_sec(r->cache, &copy, CACHE_RANK_AUTH_AUTHORITY, &d, rnow_s(r));
}

/* A secure wildcard expansion (owner) is cached with the proof that the
 * name itself does not exist, for DO clients of later cache hits (RFC 4035
 * §3.1.3.3). */
static void keep_wildcard(struct rq *q, const uint8_t *owner,
			  const struct wire_rrset *const *proof, unsigned np)
{
	struct resolver *r = q->r;
	struct wire_rrset p[CACHE_MAX_PROOF], rs, next;
	struct cache_dnssec d = { .sec = CACHE_SEC_SECURE, .proof = p, .ede = WIRE_EDE_NONE };
	size_t pos = 0, at;
	int sec, nsec;

	/* the proof's RRsets with their signatures, as the acc holds them */
	for (at = 0; acc_next(&q->acc, &pos, &sec, &rs) && d.nproof + 2 <= CACHE_MAX_PROOF;) {
		for (unsigned i = 0; i < np; i++)
			if (proof[i]->rdata == rs.rdata) {
				p[d.nproof++] = rs;
				at = pos;
				if (acc_next(&q->acc, &at, &nsec, &next) &&
				    next.type == WIRE_TYPE_RRSIG && wire_name_equal(next.owner, rs.owner))
					p[d.nproof++] = next;
			}
	}
	pos = 0;
	while (acc_next(&q->acc, &pos, &sec, &rs)) {
		if (sec != WIRE_SEC_ANSWER || !wire_name_equal(rs.owner, owner) ||
		    rs.type == WIRE_TYPE_RRSIG)
			continue;
		at = pos;
		d.sigs = acc_next(&q->acc, &at, &nsec, &next) && next.type == WIRE_TYPE_RRSIG ?
			 &next : NULL;
		cache_put_rrset_sec(r->cache, &rs, CACHE_RANK_AUTH_ANSWER, &d, rnow_s(r));
		return;
	}
}

/* The closest enclosing zone of name the cache knows (an NS RRset): the
 * zone of unsigned data, whose chain says whether it may be unsigned. */
static const uint8_t *zone_of(struct resolver *r, const uint8_t *name)
{
	struct wire_rrset rs;

	for (const uint8_t *n = name;; n = wire_name_parent(n)) {
		if (cache_get(r->cache, n, WIRE_TYPE_NS, rnow_s(r), r->vbuf1, sizeof(r->vbuf1),
			      &rs, NULL) == CACHE_POSITIVE || !n[0])
			return n;
	}
}

/* True when the cache holds rs's very records, validated secure: res is
 * then filled (TTL: what is left of the cached one). Allocates nothing. */
static bool known_secure(struct resolver *r, const struct wire_rrset *rs,
			 struct dsec_result *res)
{
	struct wire_rrset c;
	struct cache_hit hit;

	if (cache_get_ex(r->cache, rs->owner, rs->type, rnow_s(r), 0, r->vbuf1,
			 sizeof(r->vbuf1), &c, NULL, &hit) != CACHE_POSITIVE ||
	    hit.sec != CACHE_SEC_SECURE || c.rdata_len != rs->rdata_len ||
	    memcmp(c.rdata, rs->rdata, rs->rdata_len) != 0)
		return false;
	memset(res, 0, sizeof(*res));
	res->state = DSEC_SECURE;
	res->ede = WIRE_EDE_NONE;
	res->ttl = c.ttl;
	return true;
}

/* Validates one RRset of the answer (at entry pos; sigs may be NULL).
 * Returns K_PENDING when a lookup was started. */
static enum kres check_rrset(struct rq *q, const struct wire_rrset *rs,
			     const struct wire_rrset *sigs, bool nx, struct kout *o,
			     struct dsec_result *res)
{
	struct resolver *r = q->r;
	uint8_t signer[WIRE_NAME_MAX];
	const uint8_t *zone;
	enum kres k;

	(void)nx;
	if (signer_of(sigs, rs->type, rs->owner, signer)) {
		zone = signer;
		/* the same records validated before (unbound's rrset cache
		 * does this too): the SOA and NSEC3 records of every negative
		 * answer from a zone, the data a CNAME chain shares */
		if (!dsec_nta_covers(r->anchors, zone) && known_secure(r, rs, res))
			return K_SECURE;
	} else {
		zone = zone_of(r, rs->owner);
	}
	k = keys_for(q, zone, o);
	if (k == K_PENDING)
		return k;
	if (k != K_SECURE) {
		res->state = k == K_INSECURE ? DSEC_INSECURE : DSEC_BOGUS;
		res->ede = o->ede;
		res->why = o->why;
		res->ttl = UINT32_MAX;
		return k;
	}
	if (!wire_name_equal(o->keys.owner, zone)) {
		/* the keys of the zone above (zone is no cut): unsigned
		 * data in a signed zone */
		res->state = DSEC_BOGUS;
		res->ede = WIRE_EDE_RRSIGS_MISSING;
		res->why = "no signature over data in a signed zone";
		return K_BOGUS;
	}
	dsec_verify_rrset(rs, sigs, &o->keys, r->io.wall_s(r->io.ctx), &q->budget, res);
	return res->state == DSEC_SECURE ? K_SECURE : K_BOGUS;
}

/* True when cname (one record) is what the DNAME entry at dname_at makes
 * of its owner (RFC 6672 §2.2): same prefix, the DNAME's target below. */
static bool synthesised(const struct acc *a, size_t dname_at, const struct wire_rrset *cname)
{
	struct wire_rrset dn;
	size_t pos = dname_at;
	int sec;
	uint8_t want[WIRE_NAME_MAX];
	size_t olen, dlen, tlen, prefix;

	if (!acc_next(a, &pos, &sec, &dn) || dn.count != 1 || cname->count != 1 ||
	    acc_state(a, dname_at) == DSEC_INDETERMINATE)
		return false;
	olen = wire_name_len(cname->owner);
	dlen = wire_name_len(dn.owner);
	tlen = wire_name_len(dn.rdata + 2);
	if (olen <= dlen || !wire_name_is_subdomain(cname->owner, dn.owner))
		return false;
	prefix = olen - dlen;
	if (prefix + tlen > WIRE_NAME_MAX)
		return false;
	memcpy(want, cname->owner, prefix);
	memcpy(want + prefix, dn.rdata + 2, tlen);
	return wire_name_equal(want, cname->rdata + 2);
}

/* Follows q's answer from the question through its CNAMEs to the last
 * name (end, WIRE_NAME_MAX bytes). True when that name has data of the
 * type: else the answer is negative (NXDOMAIN or NODATA, RFC 2308). */
static bool chain_end(const struct rq *q, uint8_t *end)
{
	size_t pos;
	int sec;
	struct wire_rrset rs;
	bool moved = true;

	memcpy(end, q->qname, wire_name_len(q->qname));
	wire_name_lower(end);
	for (unsigned hops = 0; moved && hops <= RQ_MAX_CNAME; hops++) {
		moved = false;
		pos = 0;
		while (acc_next(&q->acc, &pos, &sec, &rs)) {
			if (sec != WIRE_SEC_ANSWER || !wire_name_equal(rs.owner, end))
				continue;
			if (rs.type == q->qtype || q->qtype == WIRE_TYPE_ANY)
				return q->rcode != WIRE_RCODE_NXDOMAIN;
			if (rs.type == WIRE_TYPE_CNAME && rs.count) {
				memcpy(end, rs.rdata + 2, wire_name_len(rs.rdata + 2));
				wire_name_lower(end);
				moved = true;
				break;
			}
		}
	}
	return false;
}

static void val_done(struct rq *q, enum dsec_state s, uint16_t ede, const char *why)
{
	q->vstate = (uint8_t)s;
	q->vede = ede;
	q->vwhy = why;
	rq_log_event(q, EV_VAL_DONE, NULL, NULL, 0, 0, 0, why ? why : state_name[s]);
	if (log_enabled(LOG_LVL_DEBUG)) {
		char name[1024];

		if (wire_name_to_text(q->qname, name, sizeof(name)) != CAIRN_OK)
			name[0] = 0;
		log_debug("resolver: dnssec %s type %u: %s (EDE %u): %s", name, q->qtype,
			  state_name[s], ede, why ? why : "-");
	}
	if (s == DSEC_BOGUS && q->r->cfg.log_servfail && !q->explain_fn) {
		char name[1024];

		if (wire_name_to_text(q->qname, name, sizeof(name)) != CAIRN_OK)
			name[0] = 0;
		log_info("SERVFAIL %s type %u: DNSSEC bogus (EDE %u): %s", name, q->qtype,
			 ede, why ? why : "validation failed");
	}
	if (s == DSEC_BOGUS)
		q->r->cnt.val_bogus++;
	else if (s == DSEC_SECURE)
		q->r->cnt.val_secure++;
	else if (s == DSEC_INSECURE)
		q->r->cnt.val_insecure++;
	rq_finish(q);
}

bool val_needed(const struct rq *q)
{
	/* client questions and explain; sub-resolutions (NS addresses,
	 * priming, the DS/DNSKEY fetches themselves) only fill the cache,
	 * which is validated when a client asks for it */
	const struct waiter *w;

	if (!q->r->anchors || q->rcode == WIRE_RCODE_SERVFAIL)
		return false;
	if (q->explain_fn)
		return true;
	/* RFC 4035 §3.2.2: CD=1 clients take the data unvalidated */
	for (w = q->waiters; w; w = w->next)
		if (!(w->q.flags & WIRE_FLAG_CD))
			return true;
	return false;
}

void val_step(struct rq *q)
{
	struct resolver *r = q->r;
	const struct wire_rrset *arr[CACHE_MAX_PROOF * 4];
	enum dsec_state all = DSEC_SECURE;
	bool checked_auth = false;
	uint16_t ede = WIRE_EDE_NONE;
	const char *why = NULL;
	uint8_t last[WIRE_NAME_MAX];
	uint8_t dzone[WIRE_NAME_MAX];    /* the signer of the denial's records */
	bool wildcard = false, neg = !chain_end(q, last);
	uint8_t wc_owner[WIRE_NAME_MAX], wc_labels = 0;
	struct kout o, zk;
	struct dsec_result res;
	size_t pos = 0, at, dname_at = SIZE_MAX;
	int sec;
	struct wire_rrset rs, next;

	assert(q->state == RQ_VALIDATE);
	memset(&zk, 0, sizeof(zk));
	dzone[0] = 0;
	for (at = pos; acc_next(&q->acc, &pos, &sec, &rs); at = pos) {
		const struct wire_rrset *sigs = NULL;
		size_t npos = pos;
		int nsec;
		uint8_t st = acc_state(&q->acc, at);
		enum kres k;

		if (rs.type == WIRE_TYPE_RRSIG || sec == WIRE_SEC_ADDITIONAL)
			continue;
		if (acc_next(&q->acc, &npos, &nsec, &next) && next.type == WIRE_TYPE_RRSIG &&
		    nsec == sec && wire_name_equal(next.owner, rs.owner))
			sigs = &next;
		if (rs.type == WIRE_TYPE_DNAME && sec == WIRE_SEC_ANSWER)
			dname_at = at;
		if (st == DSEC_INDETERMINATE && !sigs && rs.type == WIRE_TYPE_CNAME &&
		    dname_at != SIZE_MAX && synthesised(&q->acc, dname_at, &rs)) {
			/* RFC 6672 §5.3.1: an unsigned CNAME that the validated
			 * DNAME above it implies is as good as the DNAME */
			st = acc_state(&q->acc, dname_at);
			acc_set_state(&q->acc, at, st);
			verdict_rrset(r, &rs, st, WIRE_EDE_NONE, UINT32_MAX);
		}
		if (st == DSEC_INDETERMINATE) {
			q->vchecked = true;
			k = check_rrset(q, &rs, sigs, false, &o, &res);
			if (k == K_PENDING) {
				q->state = RQ_WAIT_CHILD;
				return;
			}
			st = (uint8_t)res.state;
			acc_set_state(&q->acc, at, st);
			/* RFC 4035 §5.3.3: no longer than the signatures allow,
			 * for this client too */
			if (res.state == DSEC_SECURE) {
				acc_cap_ttl(&q->acc, at, res.ttl);
				if (sigs)
					acc_cap_ttl(&q->acc, pos, res.ttl);
			}
			/* (a wildcard expansion is secure only with its proof:
			 * keep_wildcard then) */
			if (rs.type != WIRE_TYPE_NSEC && rs.type != WIRE_TYPE_NSEC3) {
				if (res.state != DSEC_SECURE || !res.wildcard)
					verdict_rrset(r, &rs, res.state, res.ede,
						      res.state == DSEC_SECURE ? res.ttl :
						      UINT32_MAX);
			} else if (res.state == DSEC_SECURE) {
				keep_proof_rrset(r, &rs, sigs, &res);
			}
			if (res.state == DSEC_SECURE && res.wildcard && sec == WIRE_SEC_ANSWER) {
				wildcard = true;
				wc_labels = res.wc_labels;
				memcpy(wc_owner, rs.owner, wire_name_len(rs.owner));
			}
			if (res.state == DSEC_SECURE && !dzone[0] &&
			    (rs.type == WIRE_TYPE_NSEC || rs.type == WIRE_TYPE_NSEC3 ||
			     rs.type == WIRE_TYPE_SOA))
				signer_of(sigs, rs.type, rs.owner, dzone);
			if (res.state != DSEC_SECURE && ede == WIRE_EDE_NONE) {
				ede = res.ede;
				why = res.why;
			}
		}
		if (st == DSEC_BOGUS) {
			all = DSEC_BOGUS;
			break;
		}
		if (st == DSEC_INSECURE && all == DSEC_SECURE)
			all = DSEC_INSECURE;
		checked_auth |= sec == WIRE_SEC_AUTHORITY;
	}
	/* a negative answer without SOA or proof: is its zone signed? */
	if (all == DSEC_SECURE && neg && !checked_auth) {
		enum kres k = keys_for(q, zone_of(r, last), &zk);

		if (k == K_PENDING) {
			q->state = RQ_WAIT_CHILD;
			return;
		}
		if (k != K_SECURE) {
			all = k == K_INSECURE ? DSEC_INSECURE : DSEC_BOGUS;
			ede = zk.ede;
			why = zk.why;
		} else {
			memcpy(dzone, zk.keys.owner, wire_name_len(zk.keys.owner));
		}
	}
	/* the denial: NXDOMAIN, NODATA, or a wildcard expansion (RFC 4035
	 * §5.4, §5.3.4; RFC 5155 §8) */
	/* (a verdict the cache had stands: its proof was checked then) */
	if (all == DSEC_SECURE && (neg || wildcard) && q->vchecked) {
		struct wire_rrset proofs[CACHE_MAX_PROOF * 4];
		uint8_t zone[WIRE_NAME_MAX];
		unsigned np = 0;

		zone[0] = 0;
		pos = 0;
		while (acc_next(&q->acc, &pos, &sec, &rs) && np < CACHE_MAX_PROOF * 4)
			if (sec == WIRE_SEC_AUTHORITY &&
			    (rs.type == WIRE_TYPE_NSEC || rs.type == WIRE_TYPE_NSEC3 ||
			     rs.type == WIRE_TYPE_SOA)) {
				if (rs.type == WIRE_TYPE_SOA)
					memcpy(zone, rs.owner, wire_name_len(rs.owner));
				else
					proofs[np++] = rs;
			}
		for (unsigned i = 0; i < np; i++)
			arr[i] = &proofs[i];
		if (!zone[0] && dzone[0])
			memcpy(zone, dzone, wire_name_len(dzone));
		else if (!zone[0] && np && wildcard)
			memcpy(zone, zone_of(r, wc_owner), wire_name_len(zone_of(r, wc_owner)));
		if (!np) {
			all = DSEC_BOGUS;
			ede = WIRE_EDE_NSEC_MISSING;
			why = wildcard ? "wildcard answer without proof" :
			      "negative answer without NSEC/NSEC3 proof";
		} else if (wildcard) {
			dsec_deny_wildcard(wc_owner, wc_labels, zone, arr, np, &q->budget, &res);
		} else if (q->rcode == WIRE_RCODE_NXDOMAIN) {
			dsec_deny_nxdomain(last, zone, arr, np, &q->budget, &res);
		} else {
			dsec_deny_nodata(last, q->qtype, zone, arr, np, &q->budget, &res);
		}
		if (np) {
			rq_log_event(q, EV_VAL_LINK, NULL, last, WIRE_TYPE_NSEC, 0, 0,
				     state_name[res.state]);
			if (res.state != DSEC_SECURE) {
				/* a proof that does not prove: NSEC missing, as
				 * unbound says (RFC 8914 §4.13); insecure keeps its
				 * reason (opt-out, EDE 27) */
				all = res.state;
				ede = res.state == DSEC_BOGUS && res.ede == WIRE_EDE_DNSSEC_BOGUS ?
				      WIRE_EDE_NSEC_MISSING : res.ede;
				why = res.why;
			} else if (wildcard) {
				keep_wildcard(q, wc_owner, arr, np);
			}
		}
	}
	if (neg && !wildcard && q->vchecked)
		verdict(r, last, q->qtype, q->rcode == WIRE_RCODE_NXDOMAIN, all, ede,
			UINT32_MAX);
	val_done(q, all, all == DSEC_SECURE ? WIRE_EDE_NONE : ede, all == DSEC_SECURE ? NULL : why);
}
