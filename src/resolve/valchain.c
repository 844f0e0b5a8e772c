/* valchain: the chain of trust of DNSSEC validation (RFC 4035 §5.1-5.2):
 * the trusted DNSKEYs of a signer zone, found bottom-up from the cache (the
 * RRSIG signer of a DS, or of its denial, names the parent zone) up to a
 * zone whose keys are already secure or the trust anchor's, and checked
 * top-down (DS with the parent's keys, then the DNSKEY RRset with the DS);
 * what the cache lacks is fetched by sub-resolutions. validate.c checks
 * the answer with the keys found here (doc/ARCHITECTURE.md, "Validation"). */
#include "resolve_int.h"
#include "cairn/dnssec.h"

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

const char *val_state_name(enum dsec_state s)
{
	static const char *const names[] = { "indeterminate", "insecure", "secure", "bogus" };

	return (unsigned)s < 4 ? names[s] : "?";
}

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
bool val_signer_of(const struct wire_rrset *sigs, uint16_t type, const uint8_t *owner,
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
		    val_signer_of(&v->proof[i + 1], v->proof[i].type, v->proof[i].owner, zone) &&
		    !wire_name_equal(zone, name) && wire_name_is_subdomain(name, zone))
			return zone;
	if (v->rs.count && v->rs.type == WIRE_TYPE_SOA &&
	    val_signer_of(&v->sigs, WIRE_TYPE_SOA, v->rs.owner, zone) &&
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

/* Stores a verdict on (name, type) -- on the RRset rs only, when not
 * NULL -- in the cache: secure data for at most ttl seconds (RFC 4035
 * §5.3.3), bogus data for val-bogus-ttl. */
static void verdict(struct resolver *r, const uint8_t *name, uint16_t type, bool nx,
		    const struct wire_rrset *rs, enum dsec_state s, uint16_t ede, uint32_t ttl)
{
	if (s == DSEC_BOGUS)
		ttl = r->cfg.bogus_ttl;
	cache_set_sec_if(r->cache, name, type, nx, rs, to_cache(s), ede, ttl, rnow_s(r));
}

void val_verdict(struct resolver *r, const uint8_t *name, uint16_t type, bool nx,
		 enum dsec_state s, uint16_t ede, uint32_t ttl)
{
	verdict(r, name, type, nx, NULL, s, ede, ttl);
}

void val_verdict_rrset(struct resolver *r, const struct wire_rrset *rs, enum dsec_state s,
		       uint16_t ede, uint32_t ttl)
{
	verdict(r, rs->owner, rs->type, false, rs, s, ede, ttl);
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
		val_verdict_rrset(r, &ds.rs, res.state, res.ede, res.ttl);
		ds.sec = to_cache(res.state);
		ds.ede = res.ede;
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DS, 0, 0,
			     val_state_name(res.state));
		if (res.state != DSEC_SECURE)
			o->why = res.why;
	} else if (ds.res != CACHE_POSITIVE && ds.sec == CACHE_SEC_UNCHECKED) {
		struct dsec_ds_denial den;

		/* RFC 4035 §5.2: no DS, proven by the parent's NSEC/NSEC3 */
		if (!ds.nproof) {
			o->ede = WIRE_EDE_NSEC_MISSING;
			o->why = "no DS and no proof of its absence";
			val_verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_BOGUS,
				o->ede, 0);
			return K_BOGUS;
		}
		if (!proof_rrsets(q, ds.proof, ds.nproof, &o->keys, arr, &narr, o)) {
			val_verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_BOGUS,
				o->ede, 0);
			return K_BOGUS;
		}
		dsec_deny_ds(zone, o->keys.owner, arr, narr, &q->budget, &den);
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DS, 0, 0,
			     den.not_a_cut ? "no zone cut" : val_state_name(den.state));
		if (den.state == DSEC_BOGUS) {
			o->ede = den.ede;
			o->why = den.why;
			val_verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_BOGUS,
				o->ede, 0);
			return K_BOGUS;
		}
		if (den.not_a_cut)
			return K_SECURE;        /* same zone: the parent's keys */
		/* a proven insecure delegation (or opt-out) */
		val_verdict(r, zone, WIRE_TYPE_DS, ds.res == CACHE_NXDOMAIN, DSEC_INSECURE,
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
		val_verdict_rrset(r, &ds.rs, DSEC_INSECURE, o->ede, UINT32_MAX);
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
		val_verdict_rrset(r, &dk.rs, res.state, res.ede, res.ttl);
		rq_log_event(q, EV_VAL_LINK, NULL, zone, WIRE_TYPE_DNSKEY, 0, 0,
			     val_state_name(res.state));
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
enum kres val_keys_for(struct rq *q, const uint8_t *zone, struct kout *o)
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
			val_verdict_rrset(r, &v.rs, res.state, res.ede, res.ttl);
			rq_log_event(q, EV_VAL_LINK, NULL, z, WIRE_TYPE_DNSKEY, 0, 0,
				     val_state_name(res.state));
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
			if (!val_signer_of(&v.sigs, WIRE_TYPE_DS, z, tmp)) {
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
