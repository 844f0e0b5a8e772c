/* aggressive: answers from validated NSEC records in the cache (RFC 8198):
 * a name that a cached secure NSEC RRset proves absent (together with the
 * absence of the wildcard that could have made it) gets NXDOMAIN, and a
 * name whose secure NSEC lacks the type gets NODATA, without asking
 * upstream. Only NSEC: hashed NSEC3 owners would need the zone's every
 * NSEC3 cached to find a covering one, which unbound does not do either. */
#include "resolve_int.h"

#include <string.h>

/* The closest encloser of name among the names an NSEC speaks of (RFC
 * 4592 §3.3.1): the longest ancestor of name shared with the NSEC's owner
 * or its next name. */
static const uint8_t *closest_encloser(const uint8_t *name, const uint8_t *owner,
				       const uint8_t *next)
{
	for (const uint8_t *n = name; n[0]; n = wire_name_parent(n))
		if (wire_name_is_subdomain(owner, n) || wire_name_is_subdomain(next, n))
			return n;
	return name + wire_name_len(name) - 1;   /* the root */
}

/* The NSEC at or before name in zone; true when it covers (owner < name <
 * next, RFC 4034 §4.1.1, the last NSEC's next being the apex) or matches
 * it (*match). Its records go to out and sigs, the rdata into buf. */
static bool find(struct resolver *r, const uint8_t *zone, const uint8_t *name, uint8_t *buf,
		 size_t cap, struct wire_rrset *out, struct wire_rrset *sigs, bool *match,
		 const uint8_t **next)
{
	if (!cache_find_nsec(r->cache, zone, name, rnow_s(r), buf, cap, out, sigs) ||
	    out->count != 1 || out->rdata_len < 3)
		return false;
	*next = out->rdata + 2;
	*match = wire_name_equal(out->owner, name);
	if (*match)
		return true;
	return wire_name_compare(out->owner, name) < 0 &&
	       (wire_name_compare(name, *next) < 0 || wire_name_equal(*next, zone));
}

/* Appends an RRset and its signatures to q's authority section. */
static bool add(struct rq *q, const struct wire_rrset *rs, const struct wire_rrset *sigs)
{
	return acc_add_sec(&q->acc, WIRE_SEC_AUTHORITY, rs, rs->ttl, DSEC_SECURE) ==
	       CAIRN_OK && (!sigs->count || acc_add_sec(&q->acc, WIRE_SEC_AUTHORITY, sigs,
							 sigs->ttl, DSEC_SECURE) == CAIRN_OK);
}

bool val_aggressive(struct rq *q)
{
	struct resolver *r = q->r;
	struct wire_rrset n1, s1, n2, s2, soa;
	const struct wire_rrset *arr[2];
	const uint8_t *next1, *next2, *zone, *ce;
	uint8_t wc[WIRE_NAME_MAX], zbuf[WIRE_NAME_MAX];
	struct dsec_result res;
	struct cache_hit hit;
	bool match, match2;
	unsigned n = 1;

	/* (after a CNAME from the cache the chain's own states would count
	 * too: only whole answers are synthesised) */
	if (!r->anchors || q->no_cache || q->acc.len || dsec_nta_covers(r->anchors, q->cur))
		return false;
	/* the zone: the closest one the cache knows, signed and validated */
	zone = val_zone_of(r, q->cur);
	memcpy(zbuf, zone, wire_name_len(zone));
	zone = zbuf;
	if (cache_get_ex(r->cache, zone, WIRE_TYPE_DNSKEY, rnow_s(r), 0, r->vbuf1,
			 sizeof(r->vbuf1), &soa, NULL, &hit) != CACHE_POSITIVE ||
	    hit.sec != CACHE_SEC_SECURE)
		return false;
	if (!find(r, zone, q->cur, r->vbuf1, sizeof(r->vbuf1), &n1, &s1, &match, &next1))
		return false;
	arr[0] = &n1;
	if (!match) {
		/* RFC 8198 §5.1: and no wildcard at the closest encloser */
		ce = closest_encloser(q->cur, n1.owner, next1);
		if (wire_name_len(ce) + 2 > WIRE_NAME_MAX)
			return false;
		wc[0] = 1;
		wc[1] = '*';
		memcpy(wc + 2, ce, wire_name_len(ce));
		if (!find(r, zone, wc, r->vbuf2, sizeof(r->vbuf2), &n2, &s2, &match2, &next2) ||
		    match2)
			return false;
		if (!wire_name_equal(n2.owner, n1.owner))
			arr[n++] = &n2;
		dsec_deny_nxdomain(q->cur, zone, arr, n, &q->budget, &res);
	} else {
		dsec_deny_nodata(q->cur, q->qtype, zone, arr, 1, &q->budget, &res);
	}
	if (res.state != DSEC_SECURE)
		return false;
	/* the answer: the zone's SOA (when cached, for the clients' negative
	 * caching, RFC 2308 §5) and the proof, secure */
	if (cache_get_ex(r->cache, zone, WIRE_TYPE_SOA, rnow_s(r), CACHE_GET_DNSSEC, r->vkeys,
			 sizeof(r->vkeys), &soa, NULL, &hit) == CACHE_POSITIVE &&
	    hit.sec == CACHE_SEC_SECURE) {
		uint32_t ttl = scrub_soa_negative_ttl(&soa);

		if (ttl > n1.ttl)
			ttl = n1.ttl;
		if (acc_add_sec(&q->acc, WIRE_SEC_AUTHORITY, &soa, ttl, DSEC_SECURE) != CAIRN_OK ||
		    (hit.sigs.count && acc_add_sec(&q->acc, WIRE_SEC_AUTHORITY, &hit.sigs, ttl,
						   DSEC_SECURE) != CAIRN_OK))
			return false;
	}
	if (!add(q, &n1, &s1) || (n == 2 && !add(q, &n2, &s2)))
		return false;
	q->rcode = match ? WIRE_RCODE_NOERROR : WIRE_RCODE_NXDOMAIN;
	q->vstate = DSEC_SECURE;
	r->cnt.val_aggressive++;
	rq_log_event(q, EV_CACHE, NULL, q->cur, q->qtype, q->rcode, 0,
		     "synthesised from cached NSEC (RFC 8198)");
	return true;
}
