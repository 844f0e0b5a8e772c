/* validate: DNSSEC validation of a resolution's answer (RFC 4035 §5), the
 * VALIDATE state of the resolution state machine (doc/ARCHITECTURE.md,
 * "Validation"). Every RRset of the answer is checked with the DNSKEYs of
 * its signer; the signer's keys are trusted through a chain of DS and
 * DNSKEY RRsets up to a trust anchor, built bottom-up from the cache (the
 * RRSIG signer of a DS names the parent zone) and checked top-down
 * (valchain.c). What the cache lacks is fetched by sub-resolutions (DS,
 * DNSKEY), after which the step runs again; every verdict is stored in the
 * cache (cache_set_sec_if) so that nothing is verified twice. The
 * cryptography and the denial proofs are src/dnssec/'s; these files decide
 * what to check with what. */
#include "resolve_int.h"
#include "cairn/dnssec.h"

#include <assert.h>
#include <string.h>

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

const uint8_t *val_zone_of(struct resolver *r, const uint8_t *name)
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

/* Validates one RRset of the answer (sigs may be NULL): *res is the verdict.
 * Returns K_PENDING when a lookup was started. */
static enum kres check_rrset(struct rq *q, const struct wire_rrset *rs,
			     const struct wire_rrset *sigs, struct kout *o,
			     struct dsec_result *res)
{
	struct resolver *r = q->r;
	uint8_t signer[WIRE_NAME_MAX];
	const uint8_t *zone;
	enum kres k;

	if (val_signer_of(sigs, rs->type, rs->owner, signer)) {
		zone = signer;
		/* the same records validated before (unbound's rrset cache
		 * does this too): the SOA and NSEC3 records of every negative
		 * answer from a zone, the data a CNAME chain shares */
		if (!dsec_nta_covers(r->anchors, zone) && known_secure(r, rs, res))
			return K_SECURE;
	} else {
		zone = val_zone_of(r, rs->owner);
	}
	k = val_keys_for(q, zone, o);
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
	rq_log_event(q, EV_VAL_DONE, NULL, NULL, 0, 0, 0, why ? why : val_state_name(s));
	if (log_enabled(LOG_LVL_DEBUG)) {
		char name[1024];

		if (wire_name_to_text(q->qname, name, sizeof(name)) != CAIRN_OK)
			name[0] = 0;
		log_debug("resolver: dnssec %s type %u: %s (EDE %u): %s", name, q->qtype,
			  val_state_name(s), ede, why ? why : "-");
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
			val_verdict_rrset(r, &rs, st, WIRE_EDE_NONE, UINT32_MAX);
		}
		if (st == DSEC_INDETERMINATE) {
			q->vchecked = true;
			k = check_rrset(q, &rs, sigs, &o, &res);
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
					val_verdict_rrset(r, &rs, res.state, res.ede,
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
				val_signer_of(sigs, rs.type, rs.owner, dzone);
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
		enum kres k = val_keys_for(q, val_zone_of(r, last), &zk);

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
			memcpy(zone, val_zone_of(r, wc_owner), wire_name_len(val_zone_of(r, wc_owner)));
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
				     val_state_name(res.state));
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
		val_verdict(r, last, q->qtype, q->rcode == WIRE_RCODE_NXDOMAIN, all, ede,
			UINT32_MAX);
	val_done(q, all, all == DSEC_SECURE ? WIRE_EDE_NONE : ede, all == DSEC_SECURE ? NULL : why);
}
