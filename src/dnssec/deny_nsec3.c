/* dnssec/deny_nsec3.c: the NSEC3 denial proofs (RFC 5155 §8): closest
 * encloser proof, NXDOMAIN, NODATA (with DS and opt-out), wildcard answers
 * and DS denial for referrals, with the NSEC3 iteration limit of RFC 9276
 * §3.2 and every name hash counted against the resolution's budget
 * (CVE-2023-50868). */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>

#define NSEC3_BUDGET "budget exhausted: NSEC3 hash computations of this resolution used up"

bool dsec_n3_parse(const uint8_t *owner, const uint8_t *zone, const struct dsec_rr *rr,
		   struct dsec_n3 *n3)
{
	const uint8_t *p = rr->rd;
	size_t off, hl;

	/* RFC 5155 §3.2: alg, flags, iterations, salt, next hash, bitmap;
	 * §8.2: unknown hash algorithm or flags other than opt-out: ignore */
	if (rr->len < 5 || p[0] != DSEC_NSEC3_SHA1 || (p[1] & ~DSEC_NSEC3_OPTOUT) != 0)
		return false;
	n3->flags = p[1];
	n3->iterations = wire_get16(p + 2);
	n3->saltlen = p[4];
	n3->salt = p + 5;
	off = 5u + p[4];
	if (off >= rr->len)
		return false;
	hl = p[off];
	if (hl != DSEC_NSEC3_HASH_LEN || off + 1 + hl > rr->len)
		return false;
	memcpy(n3->next, p + off + 1, hl);
	n3->bitmap = p + off + 1 + hl;
	n3->bitmap_len = rr->len - (off + 1 + hl);
	/* the owner is one Base32hex label of the hash directly below zone */
	if (owner[0] == 0 || !wire_name_equal(wire_name_parent(owner), zone))
		return false;
	return dsec_b32hex_decode(owner + 1, owner[0], n3->hash, sizeof n3->hash) ==
	       DSEC_NSEC3_HASH_LEN;
}

/* The usable NSEC3 records of one proof, all with the parameters of the
 * first (records with other parameters are ignored, RFC 5155 §8.2). */
struct n3set {
	struct dsec_n3 *v;
	unsigned n;
	const uint8_t *zone;
	struct dsec_budget *b;
	bool out_of_budget;
};

static cairn_err n3set_load(struct n3set *s, const uint8_t *zone,
			    const struct wire_rrset *const *nsec, unsigned n)
{
	size_t total = 0;

	for (unsigned i = 0; i < n; i++)
		total += nsec[i]->count;
	s->n = 0;
	s->zone = zone;
	s->v = calloc(total ? total : 1, sizeof *s->v);
	if (s->v == NULL)
		return CAIRN_ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct dsec_rr rr;
		size_t pos = 0;
		while (dsec_rr_next(nsec[i], &pos, &rr)) {
			struct dsec_n3 *e = &s->v[s->n];
			if (!dsec_n3_parse(nsec[i]->owner, zone, &rr, e))
				continue;
			if (s->n > 0 && (e->iterations != s->v[0].iterations ||
					 e->saltlen != s->v[0].saltlen ||
					 memcmp(e->salt, s->v[0].salt, e->saltlen) != 0))
				continue;
			s->n++;
		}
	}
	return CAIRN_OK;
}

/* Hashes name with the set's parameters; false when the budget is spent. */
static bool n3_hash(struct n3set *s, const uint8_t *name, uint8_t h[DSEC_NSEC3_HASH_LEN])
{
	uint8_t lower[WIRE_NAME_MAX];
	size_t len = wire_name_len(name);

	if (s->b->nsec3 == 0) {
		s->out_of_budget = true;
		return false;
	}
	s->b->nsec3--;
	memcpy(lower, name, len);
	wire_name_lower(lower);              /* RFC 5155 §5: canonical form */
	dsec_nsec3_hash(lower, len, s->v[0].iterations, s->v[0].salt, s->v[0].saltlen, h);
	return true;
}

static const struct dsec_n3 *n3_match(const struct n3set *s, const uint8_t *h)
{
	for (unsigned i = 0; i < s->n; i++)
		if (memcmp(s->v[i].hash, h, DSEC_NSEC3_HASH_LEN) == 0)
			return &s->v[i];
	return NULL;
}

static const struct dsec_n3 *n3_cover(const struct n3set *s, const uint8_t *h)
{
	/* RFC 5155 §8.3: owner hash < h < next hash, the last NSEC3 of the
	 * chain wrapping around */
	for (unsigned i = 0; i < s->n; i++) {
		const struct dsec_n3 *e = &s->v[i];
		int lo = memcmp(e->hash, h, DSEC_NSEC3_HASH_LEN);
		int hi = memcmp(h, e->next, DSEC_NSEC3_HASH_LEN);
		bool wraps = memcmp(e->hash, e->next, DSEC_NSEC3_HASH_LEN) >= 0;
		if (wraps ? (lo < 0 || hi < 0) : (lo < 0 && hi < 0))
			return &s->v[i];
	}
	return NULL;
}

static bool n3_has(const struct dsec_n3 *e, uint16_t type)
{
	return dsec_bitmap_has(e->bitmap, e->bitmap_len, type);
}

/* A closest encloser proof (RFC 5155 §8.3) for name. */
struct ce_proof {
	const uint8_t *ce;             /* points into name */
	const struct dsec_n3 *ce_n3;   /* the NSEC3 matching ce */
	const struct dsec_n3 *nc_cover; /* covering the next closer, NULL when ce == name */
};

/* Walks up from name to the zone apex for the closest encloser; NULL when
 * proven, else why not (and *ede). */
static const char *ce_find(struct n3set *s, const uint8_t *name, struct ce_proof *p,
			   uint16_t *ede)
{
	uint8_t h[DSEC_NSEC3_HASH_LEN], nc_h[DSEC_NSEC3_HASH_LEN];
	const uint8_t *sname = name;
	bool first = true;

	*ede = WIRE_EDE_DNSSEC_BOGUS;
	for (;;) {
		if (!n3_hash(s, sname, h))
			return NSEC3_BUDGET;
		if ((p->ce_n3 = n3_match(s, h)) != NULL)
			break;
		if (wire_name_equal(sname, s->zone) || sname[0] == 0) {
			*ede = WIRE_EDE_NSEC_MISSING;
			return "no NSEC3 matches a closest encloser";
		}
		memcpy(nc_h, h, sizeof h);
		sname = wire_name_parent(sname);
		first = false;
	}
	p->ce = sname;
	p->nc_cover = NULL;
	if (first)
		return NULL;
	/* RFC 5155 §8.3: a delegation's or a DNAME's NSEC3 is no closest
	 * encloser for names below it */
	if ((n3_has(p->ce_n3, WIRE_TYPE_NS) && !n3_has(p->ce_n3, WIRE_TYPE_SOA)) ||
	    n3_has(p->ce_n3, WIRE_TYPE_DNAME))
		return "closest encloser NSEC3 is a delegation or DNAME";
	if ((p->nc_cover = n3_cover(s, nc_h)) == NULL) {
		*ede = WIRE_EDE_NSEC_MISSING;
		return "no NSEC3 covers the next closer name";
	}
	return NULL;
}

/* Loads the set and checks what every proof needs; false when res says
 * the outcome already (bogus, or insecure by iterations). */
static bool n3_start(struct n3set *s, const uint8_t *zone, const struct wire_rrset *const *nsec,
		     unsigned n, struct dsec_budget *b, struct dsec_result *res)
{
	s->b = b;
	s->out_of_budget = false;
	if (n3set_load(s, zone, nsec, n) != CAIRN_OK) {
		dsec_fail(res, DSEC_INDETERMINATE, WIRE_EDE_INDETERMINATE, "out of memory");
		return false;
	}
	if (s->n == 0) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING, "no usable NSEC3 of the zone");
		return false;
	}
	/* RFC 9276 §3.2: above the limit the answer is insecure, checked
	 * before any hashing */
	if (s->v[0].iterations > DSEC_NSEC3_MAX_ITERATIONS) {
		dsec_fail(res, DSEC_INSECURE, WIRE_EDE_UNSUPPORTED_NSEC3_ITER,
			  "NSEC3 iterations above the limit");
		return false;
	}
	return true;
}

static void secure_or(struct dsec_result *res, const char *why, uint16_t ede)
{
	if (why == NULL)
		dsec_fail(res, DSEC_SECURE, WIRE_EDE_NONE, NULL);
	else
		dsec_fail(res, DSEC_BOGUS, ede, why);
}

void dsec_n3_nxdomain(const uint8_t *qname, const uint8_t *zone,
		      const struct wire_rrset *const *nsec, unsigned n,
		      struct dsec_budget *b, struct dsec_result *res)
{
	struct n3set s = { 0 };
	struct ce_proof p;
	uint8_t wc[WIRE_NAME_MAX], h[DSEC_NSEC3_HASH_LEN];
	uint16_t ede = WIRE_EDE_DNSSEC_BOGUS;
	const char *why;

	if (!n3_start(&s, zone, nsec, n, b, res))
		goto done;
	/* RFC 5155 §8.4: closest encloser, next closer covered, wildcard at
	 * the closest encloser covered */
	if ((why = ce_find(&s, qname, &p, &ede)) == NULL && p.nc_cover == NULL)
		why = "NXDOMAIN but an NSEC3 matches the name";
	if (why == NULL && !dsec_wildcard_of(p.ce, wc))
		why = "wildcard name too long";
	if (why == NULL && !n3_hash(&s, wc, h))
		why = NSEC3_BUDGET;
	if (why == NULL && n3_match(&s, h) != NULL)
		why = "NXDOMAIN but the source of synthesis exists";
	if (why == NULL && n3_cover(&s, h) == NULL) {
		ede = WIRE_EDE_NSEC_MISSING;
		why = "no NSEC3 covers the wildcard";
	}
	/* RFC 5155 §9.2: an opt-out span may hide an unsigned delegation */
	if (why == NULL && (p.nc_cover->flags & DSEC_NSEC3_OPTOUT))
		dsec_fail(res, DSEC_INSECURE, WIRE_EDE_NONE, "NXDOMAIN proven by an opt-out NSEC3");
	else
		secure_or(res, why, ede);
done:
	free(s.v);
}

void dsec_n3_nodata(const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
		    const struct wire_rrset *const *nsec, unsigned n,
		    struct dsec_budget *b, struct dsec_result *res)
{
	struct n3set s = { 0 };
	struct ce_proof p;
	const struct dsec_n3 *m;
	uint8_t wc[WIRE_NAME_MAX], h[DSEC_NSEC3_HASH_LEN];
	uint16_t ede = WIRE_EDE_DNSSEC_BOGUS;
	const char *why;

	if (!n3_start(&s, zone, nsec, n, b, res))
		goto done;
	if ((why = ce_find(&s, qname, &p, &ede)) != NULL)
		goto verdict;
	if (p.nc_cover == NULL) {           /* §8.5: an NSEC3 matches qname */
		why = dsec_nodata_bad(p.ce_n3->bitmap, p.ce_n3->bitmap_len, qname, qtype);
		goto verdict;
	}
	/* §8.7: wildcard NODATA */
	if (!dsec_wildcard_of(p.ce, wc))
		why = "wildcard name too long";
	else if (!n3_hash(&s, wc, h))
		why = NSEC3_BUDGET;
	else if ((m = n3_match(&s, h)) != NULL)
		why = dsec_nodata_bad(m->bitmap, m->bitmap_len, wc, qtype);
	else if (p.nc_cover->flags & DSEC_NSEC3_OPTOUT) {
		/* §8.6 (qtype DS) and errata 3441 (empty non-terminals in an
		 * opt-out span have no NSEC3): insecure, not proven */
		dsec_fail(res, DSEC_INSECURE, WIRE_EDE_NONE, "NODATA proven by an opt-out NSEC3");
		goto done;
	} else {
		ede = WIRE_EDE_NSEC_MISSING;
		why = "no NSEC3 matches the name or its wildcard";
	}
verdict:
	secure_or(res, why, ede);
done:
	free(s.v);
}

void dsec_n3_wildcard(const uint8_t *qname, uint8_t wc_labels, const uint8_t *zone,
		      const struct wire_rrset *const *nsec, unsigned n,
		      struct dsec_budget *b, struct dsec_result *res)
{
	struct n3set s = { 0 };
	const uint8_t *nc = qname;
	uint8_t h[DSEC_NSEC3_HASH_LEN];
	uint16_t ede = WIRE_EDE_DNSSEC_BOGUS;
	const char *why = NULL;

	if (!n3_start(&s, zone, nsec, n, b, res))
		goto done;
	/* RFC 5155 §8.8: the next closer name (one label below the closest
	 * encloser the RRSIG labels give) is covered */
	for (unsigned l = wire_name_labels(qname); l > wc_labels + 1u; l--)
		nc = wire_name_parent(nc);
	if (!n3_hash(&s, nc, h))
		why = NSEC3_BUDGET;
	else if (n3_match(&s, h) != NULL)
		why = "a closer name exists than the wildcard's closest encloser";
	else if (n3_cover(&s, h) == NULL) {
		ede = WIRE_EDE_NSEC_MISSING;
		why = "no NSEC3 covers the next closer name of the wildcard answer";
	}
	secure_or(res, why, ede);
done:
	free(s.v);
}

void dsec_n3_ds(const uint8_t *name, const uint8_t *zone,
		const struct wire_rrset *const *nsec, unsigned n,
		struct dsec_budget *b, struct dsec_ds_denial *res)
{
	struct n3set s = { 0 };
	struct dsec_result r;
	struct ce_proof p;
	uint16_t ede = WIRE_EDE_DNSSEC_BOGUS;
	const char *why;

	res->not_a_cut = false;
	if (!n3_start(&s, zone, nsec, n, b, &r))
		goto out;
	if ((why = ce_find(&s, name, &p, &ede)) != NULL) {
		dsec_fail(&r, DSEC_BOGUS, ede, why);
	} else if (p.nc_cover == NULL) {
		/* RFC 5155 §8.9: the NSEC3 matching name: NS without DS and
		 * SOA is an insecure delegation; no NS: no zone cut */
		if (n3_has(p.ce_n3, WIRE_TYPE_DS))
			dsec_fail(&r, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, "the NSEC3 shows a DS exists");
		else if (n3_has(p.ce_n3, WIRE_TYPE_SOA) && name[0] != 0)
			dsec_fail(&r, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
				  "DS denied by the child zone's NSEC3 instead of the parent's");
		else
			dsec_fail(&r, DSEC_SECURE, WIRE_EDE_NONE, NULL);
		res->not_a_cut = !n3_has(p.ce_n3, WIRE_TYPE_NS);
	} else if (p.nc_cover->flags & DSEC_NSEC3_OPTOUT) {
		/* RFC 5155 §8.9, §6: an opt-out span may hold an unsigned
		 * delegation at name: insecure */
		dsec_fail(&r, DSEC_INSECURE, WIRE_EDE_NONE, "opt-out NSEC3 covers the delegation");
	} else {
		dsec_fail(&r, DSEC_SECURE, WIRE_EDE_NONE, NULL);
		res->not_a_cut = true;          /* name does not exist */
	}
out:
	res->state = r.state;
	res->ede = r.ede;
	res->why = r.why;
	free(s.v);
}
