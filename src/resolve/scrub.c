/* scrub: what an upstream reply means. Every record outside the bailiwick
 * of the zone we asked is dropped before anything is believed (RFC 2181
 * §5.4.1, as Unbound's scrubber does): the answer keeps only the question's
 * name and its CNAME chain, the authority only NS and SOA on the way down
 * to that name, the additional only addresses of those NS names. Then the
 * reply is an answer, a referral, a negative answer or lame. */
#include "resolve_int.h"

#include <string.h>

uint32_t scrub_soa_negative_ttl(const struct wire_rrset *soa)
{
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t min;

	if (!soa || soa->count == 0 || soa->rdata_len < 2)
		return 0;
	rd = soa->rdata;
	rdlen = wire_get16(rd);
	if (rdlen < 22 || (size_t)rdlen + 2 > soa->rdata_len)
		return 0;
	min = wire_get32(rd + 2 + rdlen - 4);
	/* RFC 2308 §5: the lesser of the SOA's TTL and its MINIMUM field */
	return soa->ttl < min ? soa->ttl : min;
}

static bool is_answer_type(uint16_t want, uint16_t type)
{
	return type == want || (want == WIRE_TYPE_ANY && type != WIRE_TYPE_CNAME);
}

/* RFC 6672 §3.4: "recursive caching name servers MUST perform CNAME
 * synthesis": a kept DNAME above n in the answer section, sent without
 * the CNAME it implies for n, gives that CNAME (with the DNAME's TTL,
 * §3.1), appended to m. Returns its index, or -1. */
static int synth_dname(struct rq *q, struct rmsg *m, const uint8_t *n)
{
	uint8_t target[WIRE_NAME_MAX], cname[WIRE_NAME_MAX];
	size_t nlen = wire_name_len(n);

	for (unsigned i = 0; i < m->nrr; i++) {
		const struct rmsg_rr *rr = &m->rr[i];
		const uint8_t *owner = rmsg_owner(m, i);
		size_t pos = 0, tlen, prefix;
		unsigned idx;

		if (rr->sec != WIRE_SEC_ANSWER || !rr->keep || rr->type != WIRE_TYPE_DNAME ||
		    rr->rclass != q->qclass || wire_name_equal(owner, n) ||
		    !wire_name_is_subdomain(n, owner))
			continue;
		/* the target, uncompressed (RFC 6672 §2.5), must be a name */
		if (wire_name_unpack(rmsg_rdata(m, i), rr->rdlen, &pos, target, &tlen, false) !=
		    CAIRN_OK || pos != rr->rdlen)
			continue;
		prefix = nlen - wire_name_len(owner);
		if (prefix + tlen > WIRE_NAME_MAX)
			continue;      /* would be too long (YXDOMAIN, §2.2) */
		memcpy(cname, n, prefix);
		memcpy(cname + prefix, target, tlen);
		wire_name_lower(cname);
		if (rmsg_add_rr(m, WIRE_SEC_ANSWER, n, WIRE_TYPE_CNAME, rr->ttl, cname,
				(uint16_t)(prefix + tlen), &idx) != CAIRN_OK)
			return -1;
		return (int)idx;
	}
	return -1;
}

/* Marks the kept records; returns the last name of the chain in n and
 * whether the final data was found. */
static bool scrub(struct rq *q, struct rmsg *m, uint8_t *n)
{
	const uint8_t *zone = q->dp.zone;
	bool fwd = q->dp.forward, final = false;

	memcpy(n, q->sname, wire_name_len(q->sname));
	for (unsigned i = 0; i < m->nrr; i++) {
		struct rmsg_rr *rr = &m->rr[i];
		rr->chain = false;
		if (rr->rclass != q->qclass ||
		    (!fwd && !wire_name_is_subdomain(rmsg_owner(m, i), zone)))
			rr->keep = false;
	}
	/* answer: the name asked and the CNAME chain from it */
	for (unsigned step = 0; step <= RQ_MAX_CNAME + 1; step++) {
		int cname = -1;
		for (unsigned i = 0; i < m->nrr; i++) {
			struct rmsg_rr *rr = &m->rr[i];
			if (rr->sec != WIRE_SEC_ANSWER || !rr->keep ||
			    !wire_name_equal(rmsg_owner(m, i), n))
				continue;
			if (is_answer_type(q->stype, rr->type)) {
				rr->chain = true;
				final = true;
			} else if (rr->type == WIRE_TYPE_CNAME) {
				rr->chain = true;
				cname = (int)i;
			}
		}
		if (!final && cname < 0 && (cname = synth_dname(q, m, n)) >= 0)
			m->rr[cname].chain = true;
		if (final || cname < 0)
			break;
		memcpy(n, rmsg_rdata(m, (unsigned)cname), wire_name_len(rmsg_rdata(m, (unsigned)cname)));
		wire_name_lower(n);
		/* data about a name outside the zone comes from its own servers */
		if (!fwd && !wire_name_is_subdomain(n, zone))
			break;
	}
	/* the DNAME a chain CNAME was synthesised from (RFC 6672 §3.4): a
	 * validator checks the CNAME against it (RFC 6672 §5.3.1) and gives
	 * it to the clients; without validation it is neither cached nor
	 * passed on (§3.4: SHOULD NOT be cached unvalidated) */
	for (unsigned i = 0; i < m->nrr && q->r->anchors; i++) {
		struct rmsg_rr *rr = &m->rr[i];

		if (rr->sec != WIRE_SEC_ANSWER || !rr->keep || rr->type != WIRE_TYPE_DNAME ||
		    rr->chain)
			continue;
		for (unsigned j = 0; j < m->nrr && !rr->chain; j++)
			rr->chain = m->rr[j].chain && m->rr[j].type == WIRE_TYPE_CNAME &&
				    !wire_name_equal(rmsg_owner(m, j), rmsg_owner(m, i)) &&
				    wire_name_is_subdomain(rmsg_owner(m, j), rmsg_owner(m, i));
	}
	/* the signatures of the chain's records (RFC 4035 §3.1.1) */
	for (unsigned i = 0; i < m->nrr; i++) {
		struct rmsg_rr *rr = &m->rr[i];

		if (rr->sec != WIRE_SEC_ANSWER || !rr->keep || rr->type != WIRE_TYPE_RRSIG ||
		    rr->chain)
			continue;
		for (unsigned j = 0; j < m->nrr && !rr->chain; j++)
			rr->chain = m->rr[j].chain && m->rr[j].type != WIRE_TYPE_RRSIG &&
				    wire_name_equal(rmsg_owner(m, j), rmsg_owner(m, i));
	}
	for (unsigned i = 0; i < m->nrr; i++) {
		struct rmsg_rr *rr = &m->rr[i];
		if (rr->sec == WIRE_SEC_ANSWER)
			rr->keep = rr->chain;
		else if (rr->sec == WIRE_SEC_AUTHORITY && rr->keep)
			/* NS and SOA on the path from the zone down to the name;
			 * DS below the zone on that path (a referral, RFC 4035
			 * §3.1.4); the denial records and signatures of the
			 * zone (§3.1.3), believed only once validated */
			rr->keep = ((rr->type == WIRE_TYPE_NS || rr->type == WIRE_TYPE_SOA) &&
				    wire_name_is_subdomain(n, rmsg_owner(m, i))) ||
				   (rr->type == WIRE_TYPE_DS &&
				    wire_name_is_subdomain(n, rmsg_owner(m, i)) &&
				    !wire_name_equal(rmsg_owner(m, i), zone)) ||
				   rr->type == WIRE_TYPE_NSEC || rr->type == WIRE_TYPE_NSEC3 ||
				   rr->type == WIRE_TYPE_RRSIG;
	}
	/* additional: only addresses of the NS names kept above, in the
	 * authority section (referrals) or in the answer (an NS answer, such
	 * as the reply to the priming query, RFC 8109 §3); all in bailiwick */
	for (unsigned i = 0; i < m->nrr; i++) {
		struct rmsg_rr *rr = &m->rr[i];
		bool ok = false;
		if (rr->sec != WIRE_SEC_ADDITIONAL || !rr->keep)
			continue;
		if (rr->type == WIRE_TYPE_A || rr->type == WIRE_TYPE_AAAA)
			for (unsigned j = 0; j < m->nrr && !ok; j++)
				ok = (m->rr[j].sec == WIRE_SEC_AUTHORITY ||
				      m->rr[j].sec == WIRE_SEC_ANSWER) && m->rr[j].keep &&
				     m->rr[j].type == WIRE_TYPE_NS &&
				     wire_name_equal(rmsg_rdata(m, j), rmsg_owner(m, i));
		rr->keep = ok;
	}
	return final;
}

/* Caches rs (rank) with its RRSIGs from section sec of m, and appends both
 * to q's answer in section asec (TTL capped as the cache caps it). */
static cairn_err keep_rrset(struct rq *q, struct rmsg *m, int sec, int asec,
			    const struct wire_rrset *rs, enum cache_rank rank)
{
	struct resolver *r = q->r;
	struct wire_rrset sigs;
	struct cache_dnssec d = { .sec = CACHE_SEC_UNCHECKED, .ede = WIRE_EDE_NONE };
	uint32_t ttl = cache_ttl_cap(r->cache, rs->ttl, false);
	cairn_err err;

	if (rmsg_sigs(m, sec, rs->owner, rs->type, r->sigbuf, sizeof(r->sigbuf), &sigs))
		d.sigs = &sigs;
	if (cache_put_rrset_sec(r->cache, rs, rank, &d, rnow_s(r)) != CAIRN_OK)
		log_debug("resolver: cache full: RRset not cached");
	err = acc_add(&q->acc, asec, rs, ttl);
	if (err == CAIRN_OK && d.sigs)
		err = acc_add(&q->acc, asec, &sigs, sigs.ttl < ttl ? sigs.ttl : ttl);
	return err;
}

/* The denial records of m's authority section (NSEC, NSEC3, each followed
 * by its RRSIGs), at most CACHE_MAX_PROOF RRsets, their rdata in buf. */
struct proof {
	unsigned n;
	struct wire_rrset rs[CACHE_MAX_PROOF];
	uint32_t min_ttl;
};

static void collect_proof(const struct rmsg *m, uint8_t *buf, size_t cap, struct proof *p)
{
	size_t used = 0;

	p->n = 0;
	p->min_ttl = UINT32_MAX;
	for (unsigned i = 0; i < m->nrr && p->n + 2 <= CACHE_MAX_PROOF; i++) {
		const struct rmsg_rr *rr = &m->rr[i];
		const uint8_t *o = rmsg_owner(m, i);
		struct wire_rrset *rs = &p->rs[p->n];
		bool seen = false;

		if (rr->sec != WIRE_SEC_AUTHORITY || !rr->keep ||
		    (rr->type != WIRE_TYPE_NSEC && rr->type != WIRE_TYPE_NSEC3))
			continue;
		for (unsigned k = 0; k < p->n && !seen; k++)
			seen = p->rs[k].type == rr->type && wire_name_equal(p->rs[k].owner, o);
		if (seen || !rmsg_rrset(m, WIRE_SEC_AUTHORITY, o, rr->type, buf + used,
					cap - used, rs))
			continue;
		used += rs->rdata_len;
		if (rs->ttl < p->min_ttl)
			p->min_ttl = rs->ttl;
		p->n++;
		if (rmsg_sigs(m, WIRE_SEC_AUTHORITY, o, rr->type, buf + used, cap - used,
			      &p->rs[p->n])) {
			used += p->rs[p->n].rdata_len;
			p->n++;
		}
	}
}

/* Appends the proof's RRsets to q's authority section (TTL at most ttl). */
static cairn_err add_proof(struct rq *q, const struct proof *p, uint32_t ttl)
{
	for (unsigned i = 0; i < p->n; i++) {
		cairn_err err = acc_add(&q->acc, WIRE_SEC_AUTHORITY, &p->rs[i],
					p->rs[i].ttl < ttl ? p->rs[i].ttl : ttl);
		if (err != CAIRN_OK)
			return err;
	}
	return CAIRN_OK;
}

static int find_auth(const struct rmsg *m, uint16_t type)
{
	for (unsigned i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == WIRE_SEC_AUTHORITY && m->rr[i].keep && m->rr[i].type == type)
			return (int)i;
	return -1;
}

/* The deepest kept NS owner strictly below the zone: a referral. */
static int find_referral(const struct rq *q, const struct rmsg *m)
{
	int best = -1;

	if (q->dp.forward)
		return -1;
	for (unsigned i = 0; i < m->nrr; i++) {
		const uint8_t *o = rmsg_owner(m, i);
		if (m->rr[i].sec != WIRE_SEC_AUTHORITY || !m->rr[i].keep ||
		    m->rr[i].type != WIRE_TYPE_NS || wire_name_equal(o, q->dp.zone))
			continue;
		if (best < 0 || wire_name_labels(o) > wire_name_labels(rmsg_owner(m, (unsigned)best)))
			best = (int)i;
	}
	return best;
}

/* Caches the NODATA a minimised query (q->sname, q->stype) got, with
 * the SOA of the reply. */
static void cache_minimised_nodata(struct rq *q, struct rmsg *m)
{
	struct resolver *r = q->r;
	struct wire_rrset soa;
	int i = find_auth(m, WIRE_TYPE_SOA);

	if (i < 0 || !rmsg_rrset(m, WIRE_SEC_AUTHORITY, rmsg_owner(m, (unsigned)i),
				 WIRE_TYPE_SOA, r->rrbuf, sizeof(r->rrbuf), &soa))
		return;
	cache_put_negative(r->cache, q->sname, q->stype, false, &soa,
			   cache_ttl_cap(r->cache, scrub_soa_negative_ttl(&soa), true),
			   CACHE_RANK_AUTH_AUTHORITY, rnow_s(r));
}

static enum outcome negative(struct rq *q, struct rmsg *m, const uint8_t *name, bool nx,
			     enum cache_rank rank)
{
	struct resolver *r = q->r;
	struct wire_rrset soa;
	int i = find_auth(m, WIRE_TYPE_SOA);
	uint32_t ttl;

	struct wire_rrset sigs;
	struct proof p;
	struct cache_dnssec d = { .sec = CACHE_SEC_UNCHECKED, .ede = WIRE_EDE_NONE };

	q->rcode = nx ? WIRE_RCODE_NXDOMAIN : WIRE_RCODE_NOERROR;
	/* RFC 4035 §3.1.3: the NSEC/NSEC3 records that prove it */
	collect_proof(m, r->proofbuf, sizeof(r->proofbuf), &p);
	if (i < 0 || !rmsg_rrset(m, WIRE_SEC_AUTHORITY, rmsg_owner(m, (unsigned)i),
				 WIRE_TYPE_SOA, r->rrbuf, sizeof(r->rrbuf), &soa)) {
		/* without an SOA nothing is cached (RFC 2308 §5) */
		if (add_proof(q, &p, UINT32_MAX) != CAIRN_OK)
			log_err("resolver: out of memory building an answer");
		return IT_DONE;
	}
	ttl = cache_ttl_cap(r->cache, scrub_soa_negative_ttl(&soa), true);
	if (rmsg_sigs(m, WIRE_SEC_AUTHORITY, soa.owner, WIRE_TYPE_SOA, r->sigbuf,
		      sizeof(r->sigbuf), &sigs))
		d.sigs = &sigs;
	d.proof = p.rs;
	d.nproof = p.n;
	if (cache_put_negative_sec(r->cache, name, q->qtype, nx, &soa, ttl, rank, &d,
				   rnow_s(r)) != CAIRN_OK)
		log_debug("resolver: cache full: negative answer not cached");
	/* the zone's SOA RRset too: validated with the answer, it goes with
	 * the negative answers synthesised from NSEC records (RFC 8198) */
	if (r->anchors) {
		struct cache_dnssec ds = { .sec = CACHE_SEC_UNCHECKED, .sigs = d.sigs,
					   .ede = WIRE_EDE_NONE };

		cache_put_rrset_sec(r->cache, &soa, CACHE_RANK_AUTH_AUTHORITY, &ds, rnow_s(r));
	}
	if (acc_add(&q->acc, WIRE_SEC_AUTHORITY, &soa, ttl) != CAIRN_OK ||
	    (d.sigs && acc_add(&q->acc, WIRE_SEC_AUTHORITY, &sigs, ttl) != CAIRN_OK) ||
	    add_proof(q, &p, ttl) != CAIRN_OK)
		log_err("resolver: out of memory building an answer");
	return IT_DONE;
}

/* True when the additional section kept an address of name. */
static bool has_glue(const struct rmsg *m, const uint8_t *name)
{
	for (unsigned i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == WIRE_SEC_ADDITIONAL && m->rr[i].keep &&
		    (m->rr[i].type == WIRE_TYPE_A || m->rr[i].type == WIRE_TYPE_AAAA) &&
		    wire_name_equal(rmsg_owner(m, i), name))
			return true;
	return false;
}

/* RFC 4035 §3.1.4: a referral from a signed zone carries the child's DS
 * RRset, or the NSEC/NSEC3 records proving there is none (an insecure
 * delegation). Both are cached unchecked with their signatures, for the
 * validator's chain of trust (a NODATA for (zone, DS) without SOA). */
static void cache_delegation_ds(struct rq *q, struct rmsg *m, const uint8_t *zone)
{
	struct resolver *r = q->r;
	struct wire_rrset ds, sigs;
	struct cache_dnssec d = { .sec = CACHE_SEC_UNCHECKED, .ede = WIRE_EDE_NONE };
	struct proof p;
	uint64_t now = rnow_s(r);

	if (rmsg_rrset(m, WIRE_SEC_AUTHORITY, zone, WIRE_TYPE_DS, r->proofbuf,
		       sizeof(r->proofbuf), &ds)) {
		if (rmsg_sigs(m, WIRE_SEC_AUTHORITY, zone, WIRE_TYPE_DS, r->sigbuf,
			      sizeof(r->sigbuf), &sigs))
			d.sigs = &sigs;
		cache_put_rrset_sec(r->cache, &ds, CACHE_RANK_AUTH_AUTHORITY, &d, now);
		return;
	}
	collect_proof(m, r->proofbuf, sizeof(r->proofbuf), &p);
	if (!p.n)
		return;
	d.proof = p.rs;
	d.nproof = p.n;
	/* ranked as a referral: for validation only, no answer to a client
	 * (it has no SOA, RFC 2308 §5); a DS query's NODATA replaces it */
	cache_put_negative_sec(r->cache, zone, WIRE_TYPE_DS, false, NULL,
			       cache_ttl_cap(r->cache, p.min_ttl, true),
			       CACHE_RANK_REFERRAL, &d, now);
}

static enum outcome referral(struct rq *q, struct rmsg *m, unsigned idx)
{
	struct resolver *r = q->r;
	struct wire_rrset ns, glue;
	uint8_t zone[WIRE_NAME_MAX];
	uint64_t now = rnow_s(r);
	static const uint16_t types[2] = { WIRE_TYPE_A, WIRE_TYPE_AAAA };

	memcpy(zone, rmsg_owner(m, idx), wire_name_len(rmsg_owner(m, idx)));
	if (!rmsg_rrset(m, WIRE_SEC_AUTHORITY, zone, WIRE_TYPE_NS, r->rrbuf,
			sizeof(r->rrbuf), &ns))
		return IT_LAME;
	if (cache_put_rrset(r->cache, &ns, CACHE_RANK_REFERRAL, now) != CAIRN_OK)
		log_debug("resolver: cache full: referral not cached");
	cache_delegation_ds(q, m, zone);
	iter_dp_reset(q, zone);
	/* names with glue first: when the NS set is larger than a delegation
	 * point holds (DP_MAX_NS), the reachable ones are kept */
	for (int pass = 0; pass < 2; pass++)
		for (size_t pos = 0, i = 0; i < ns.count && pos + 2 <= ns.rdata_len; i++) {
			const uint8_t *name = ns.rdata + pos + 2;

			if (has_glue(m, name) == (pass == 0))
				iter_dp_add_ns(q, name);
			pos += 2 + wire_get16(ns.rdata + pos);
		}
	/* glue: only what scrub() kept, i.e. inside the delegating zone */
	for (unsigned i = 0; i < q->dp.nns; i++)
		for (int t = 0; t < 2; t++) {
			if (!rmsg_rrset(m, WIRE_SEC_ADDITIONAL, dp_ns_name(&q->dp, i), types[t],
					r->rrbuf, sizeof(r->rrbuf), &glue))
				continue;
			if (cache_put_rrset(r->cache, &glue, CACHE_RANK_GLUE, now) != CAIRN_OK)
				log_debug("resolver: cache full: glue not cached");
			if (iter_dp_add_rrset(q, &glue))
				q->dp.ns[i].state = NS_HAVE_ADDR;
		}
	/* both the parent's glue (above) and what the cache knows of the
	 * name servers (perhaps the child's own, higher-ranked addresses):
	 * when one set does not answer the other is tried */
	iter_dp_cached_addrs(q, true);
	return IT_REFERRAL;
}

/* Caches the addresses scrub() kept in the additional section of an
 * answer (those of the NS names of an NS answer, e.g. the root servers'
 * in the reply to the priming query) as glue: the lowest rank, used to
 * reach those servers, never given to clients as answers. */
static void cache_additional(struct rq *q, struct rmsg *m)
{
	struct resolver *r = q->r;
	struct wire_rrset rs;
	uint64_t now = rnow_s(r);

	for (unsigned i = 0; i < m->nrr; i++) {
		const struct rmsg_rr *rr = &m->rr[i];
		bool seen = false;

		if (rr->sec != WIRE_SEC_ADDITIONAL || !rr->keep ||
		    (rr->type != WIRE_TYPE_A && rr->type != WIRE_TYPE_AAAA))
			continue;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = m->rr[j].sec == WIRE_SEC_ADDITIONAL && m->rr[j].keep &&
			       m->rr[j].type == rr->type &&
			       wire_name_equal(rmsg_owner(m, j), rmsg_owner(m, i));
		if (seen || !rmsg_rrset(m, WIRE_SEC_ADDITIONAL, rmsg_owner(m, i), rr->type,
					r->rrbuf, sizeof(r->rrbuf), &rs))
			continue;
		if (cache_put_rrset(r->cache, &rs, CACHE_RANK_GLUE, now) != CAIRN_OK)
			log_debug("resolver: cache full: additional addresses not cached");
	}
}

/* The DNAME above x in m's kept answer, with its signatures, goes before
 * the CNAME it gave x (RFC 6672 §3.4), once. */
static cairn_err take_dname(struct rq *q, struct rmsg *m, const uint8_t *x,
			    enum cache_rank rank)
{
	struct resolver *r = q->r;
	struct wire_rrset rs;

	for (unsigned i = 0; i < m->nrr; i++) {
		const uint8_t *o = rmsg_owner(m, i);

		if (m->rr[i].sec != WIRE_SEC_ANSWER || !m->rr[i].keep ||
		    m->rr[i].type != WIRE_TYPE_DNAME || wire_name_equal(o, x) ||
		    !wire_name_is_subdomain(x, o) || acc_has_rrset(&q->acc, o, WIRE_TYPE_DNAME))
			continue;
		if (!rmsg_rrset(m, WIRE_SEC_ANSWER, o, WIRE_TYPE_DNAME, r->rrbuf,
				sizeof(r->rrbuf), &rs))
			return CAIRN_OK;
		return keep_rrset(q, m, WIRE_SEC_ANSWER, WIRE_SEC_ANSWER, &rs, rank);
	}
	return CAIRN_OK;
}

/* Caches and accumulates the answer chain from sname; returns IT_FAIL on a
 * loop or an over-long chain. */
static enum outcome take_chain(struct rq *q, struct rmsg *m, enum cache_rank rank)
{
	struct resolver *r = q->r;
	uint8_t x[WIRE_NAME_MAX];
	struct wire_rrset rs;

	memcpy(x, q->sname, wire_name_len(q->sname));
	for (;;) {
		bool final = false;
		uint16_t done_types[16];
		unsigned ndone = 0;

		for (unsigned i = 0; i < m->nrr; i++) {
			const struct rmsg_rr *rr = &m->rr[i];
			bool seen = false;
			if (rr->sec != WIRE_SEC_ANSWER || !rr->keep || rr->type == WIRE_TYPE_CNAME ||
			    !is_answer_type(q->stype, rr->type) || !wire_name_equal(rmsg_owner(m, i), x))
				continue;
			for (unsigned k = 0; k < ndone; k++)
				seen |= done_types[k] == rr->type;
			if (seen || ndone == 16)
				continue;
			done_types[ndone++] = rr->type;
			final = true;
			if (!rmsg_rrset(m, WIRE_SEC_ANSWER, x, rr->type, r->rrbuf,
					sizeof(r->rrbuf), &rs))
				continue;
			if (keep_rrset(q, m, WIRE_SEC_ANSWER, WIRE_SEC_ANSWER, &rs, rank) !=
			    CAIRN_OK)
				return IT_FAIL;
		}
		if (final)
			return IT_DONE;
		if (take_dname(q, m, x, rank) != CAIRN_OK)
			return IT_FAIL;
		if (!rmsg_rrset(m, WIRE_SEC_ANSWER, x, WIRE_TYPE_CNAME, r->rrbuf,
				sizeof(r->rrbuf), &rs))
			return IT_FOLLOW;
		/* RFC 1034 §3.6.2: chains end; loops and long chains fail */
		if (acc_has_cname(&q->acc, x) || ++q->cnames > RQ_MAX_CNAME)
			return IT_FAIL;
		if (keep_rrset(q, m, WIRE_SEC_ANSWER, WIRE_SEC_ANSWER, &rs, rank) != CAIRN_OK)
			return IT_FAIL;
		/* a question for the CNAME itself is answered by it, its
		 * target is not chased (RFC 1034 §3.6.2) */
		if (q->stype == WIRE_TYPE_CNAME)
			return IT_DONE;
		memcpy(x, rs.rdata + 2, wire_name_len(rs.rdata + 2));
		wire_name_lower(x);
		if (!q->dp.forward && !wire_name_is_subdomain(x, q->dp.zone))
			return IT_FOLLOW;
	}
}

/* True when the authority section holds an NS RRset for a zone that is not
 * inside the zone we asked: an upward (towards the root) or sideways
 * referral, which a server authoritative for our zone never sends. Read
 * before scrubbing (which drops those records). */
static bool upward_referral(const struct rq *q, const struct rmsg *m)
{
	if (q->dp.forward)
		return false;
	for (unsigned i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == WIRE_SEC_AUTHORITY && m->rr[i].type == WIRE_TYPE_NS &&
		    !wire_name_is_subdomain(rmsg_owner(m, i), q->dp.zone))
			return true;
	return false;
}

/* True when the answer section holds records owned by the name asked
 * (of any type): the server answered for the name, even if scrubbing
 * finds nothing to use (an A record to an AAAA question). */
static bool answered_name(const struct rq *q, const struct rmsg *m)
{
	for (unsigned i = 0; i < m->nrr; i++)
		if (m->rr[i].sec == WIRE_SEC_ANSWER && m->rr[i].rclass == q->qclass &&
		    wire_name_equal(rmsg_owner(m, i), q->sname))
			return true;
	return false;
}

enum outcome scrub_process(struct rq *q, struct rmsg *m)
{
	struct resolver *r = q->r;
	uint8_t n[WIRE_NAME_MAX];
	bool fwd = q->dp.forward, aa = (m->flags & WIRE_FLAG_AA) != 0;
	bool minimised = !wire_name_equal(q->sname, q->cur);
	bool nx = m->rcode == WIRE_RCODE_NXDOMAIN;
	bool has_chain = false, has_soa, nonauth_neg, upward = upward_referral(q, m);
	bool answered = answered_name(q, m);
	enum cache_rank rank = fwd ? CACHE_RANK_ANSWER_NONAUTH : CACHE_RANK_AUTH_ANSWER;
	enum outcome o;
	int ref;

	scrub(q, m, n);
	for (unsigned i = 0; i < m->nrr; i++)
		has_chain |= m->rr[i].sec == WIRE_SEC_ANSWER && m->rr[i].keep;
	has_soa = find_auth(m, WIRE_TYPE_SOA) >= 0;
	ref = find_referral(q, m);

	/* (an rcode other than NOERROR to a minimised query never gets here:
	 * relaxed mode asks the full name instead, see st_reply) */
	if (minimised) {
		if (ref >= 0 && !has_soa && !has_chain)
			return referral(q, m, (unsigned)ref);
		if (upward && !has_chain && !has_soa)
			return IT_LAME;
		if (!((aa || has_chain) && !nx))
			return IT_LAME;
		/* the minimised name exists: an authoritative NODATA is cached
		 * (RFC 2308), so that the next name below it skips this step
		 * (choose_sname) */
		if (aa && !has_chain && has_soa)
			cache_minimised_nodata(q, m);
		return IT_QMIN_NEXT;
	}
	if (has_chain) {
		/* RFC 1034 §5.3.3, RFC 2181 §5.4.1: an answer without AA is
		 * still data (many servers and middleboxes clear AA); it ranks
		 * below an authoritative answer, it is not lameness */
		if (!aa && !fwd)
			rank = CACHE_RANK_ANSWER_NONAUTH;
		o = take_chain(q, m, rank);
		if (o != IT_FAIL) {
			struct proof p;

			cache_additional(q, m);
			/* RFC 4035 §3.1.3.3: a wildcard answer comes with the
			 * proof that the name itself does not exist */
			collect_proof(m, r->proofbuf, sizeof(r->proofbuf), &p);
			if (add_proof(q, &p, UINT32_MAX) != CAIRN_OK)
				o = IT_FAIL;
		}
		if (o != IT_FOLLOW)
			return o;
		memcpy(q->cur, n, wire_name_len(n));
		/* RFC 6604 §3: the rcode speaks of the last name of the chain */
		if (fwd || wire_name_is_subdomain(n, q->dp.zone)) {
			if (nx)
				return negative(q, m, n, true, rank);
			if (has_soa && ref < 0)
				return negative(q, m, n, false, rank);
		}
		return IT_FOLLOW;
	}
	/* A negative answer without AA but with the zone's SOA is believed
	 * (RFC 1034 §5.3.3 step 4), ranked below an authoritative one; with
	 * RA set as well it comes from a recursive server answering from its
	 * cache, which is lameness (as Unbound's "recursion lame"). */
	nonauth_neg = !aa && !fwd && has_soa && !(m->flags & WIRE_FLAG_RA);
	if (nx) {
		if (!aa && !fwd && !nonauth_neg)
			return IT_LAME;
		return negative(q, m, q->sname, true,
				fwd || nonauth_neg ? CACHE_RANK_ANSWER_NONAUTH
						   : CACHE_RANK_AUTH_AUTHORITY);
	}
	if (ref >= 0 && !has_soa)
		return referral(q, m, (unsigned)ref);
	/* an upward or sideways referral for the zone asked: lame for it
	 * (RFC 1034 §5.3.3 step 4: the server is not authoritative) */
	if (upward && !has_soa)
		return IT_LAME;
	/* an answer of other types only (scrubbed): no data for the type */
	if (aa || fwd || answered || nonauth_neg)
		return negative(q, m, q->sname, false,
				fwd || !aa ? CACHE_RANK_ANSWER_NONAUTH : CACHE_RANK_AUTH_AUTHORITY);
	/* no answer, no referral down, no authority: lame */
	return IT_LAME;
}
