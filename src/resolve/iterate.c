/* iterate: the resolver algorithm of RFC 1034 §5.3.3 — answer from the
 * cache, find the closest delegation, ask one of its servers, then follow
 * the referral, the CNAME or cache the answer. Replies are validated and
 * scrubbed (RFC 2181 §5.4.1: only in-bailiwick data is believed) before
 * anything is cached. */
#include "resolve_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDE_OTHER          0
#define EDE_NO_REACHABLE  22   /* RFC 8914 §4.23 */
#define EDE_NETWORK       23   /* RFC 8914 §4.24 */

#define EDE_NONE        0xffff

/* ---- the cache ---- */

/* Prefetch: rs (a hit) is in the last 10 % of its original TTL. */
static void check_expiring(const struct wire_rrset *rs, const struct cache_hit *hit,
			   bool *expiring)
{
	if (expiring && hit->orig_ttl >= 10 && (uint64_t)rs->ttl * 10 <= hit->orig_ttl)
		*expiring = true;
}

/* Adds what a cache hit holds to a: the RRset (or SOA), and with dnssec
 * its RRSIGs and a negative entry's proof, each with the entry's state,
 * which is folded into vs. */
static cairn_err add_hit(struct acc *a, int sec, const struct wire_rrset *rs,
			 const struct cache_hit *hit, bool dnssec, struct chain_sec *vs)
{
	uint8_t st = val_from_cache(hit->sec);
	cairn_err err = CAIRN_OK;

	if (vs) {
		/* the answer is as good as its weakest part */
		if (st == DSEC_INDETERMINATE)
			vs->unchecked = true;
		if (vs->state == DSEC_SECURE ||
		    (vs->state == DSEC_INSECURE && st == DSEC_BOGUS)) {
			if (st == DSEC_BOGUS || st == DSEC_INSECURE) {
				vs->state = st;
				vs->ede = hit->ede;
			}
		}
	}
	if (rs->count)
		err = acc_add_sec(a, sec, rs, rs->ttl, st);
	if (!dnssec)
		return err;
	if (err == CAIRN_OK && hit->sigs.count)
		err = acc_add_sec(a, sec, &hit->sigs, hit->sigs.ttl, st);
	for (unsigned i = 0; err == CAIRN_OK && i < hit->nproof; i++)
		err = acc_add_sec(a, WIRE_SEC_AUTHORITY, &hit->proof[i], hit->proof[i].ttl, st);
	return err;
}

enum chain_res iter_chain_cache(struct resolver *r, uint8_t *name, uint16_t qtype,
				unsigned *cnames, struct acc *a, uint8_t *rcode, bool *expiring,
				bool dnssec, struct chain_sec *vs)
{
	struct wire_rrset rs;
	enum cache_rank rank;
	enum cache_result res;
	struct cache_hit hit;
	uint64_t now = rnow_s(r);
	unsigned flags = dnssec ? CACHE_GET_DNSSEC : 0;

	if (vs) {
		vs->state = DSEC_SECURE;
		vs->ede = WIRE_EDE_NONE;
		vs->unchecked = false;
	}
	for (;;) {
		res = cache_get_ex(r->cache, name, qtype, now, flags, r->scratch,
				   sizeof(r->scratch), &rs, &rank, &hit);
		if (res != CACHE_MISS)
			check_expiring(&rs, &hit, expiring);
		if (res == CACHE_POSITIVE && rank >= CACHE_RANK_ANSWER_NONAUTH) {
			if (add_hit(a, WIRE_SEC_ANSWER, &rs, &hit, dnssec, vs) != CAIRN_OK)
				return CHAIN_MISS;
			*rcode = WIRE_RCODE_NOERROR;
			return CHAIN_DONE;
		}
		/* (a referral's proof that a DS does not exist is no answer) */
		if ((res == CACHE_NXDOMAIN || res == CACHE_NODATA) &&
		    rank >= CACHE_RANK_ANSWER_NONAUTH) {
			if (add_hit(a, WIRE_SEC_AUTHORITY, &rs, &hit, dnssec, vs) != CAIRN_OK)
				return CHAIN_MISS;
			/* RFC 6604 §3: the rcode is that of the last name */
			*rcode = res == CACHE_NXDOMAIN ? WIRE_RCODE_NXDOMAIN : WIRE_RCODE_NOERROR;
			return CHAIN_DONE;
		}
		if (qtype == WIRE_TYPE_CNAME)
			return CHAIN_MISS;
		res = cache_get_ex(r->cache, name, WIRE_TYPE_CNAME, now, flags, r->scratch,
				   sizeof(r->scratch), &rs, &rank, &hit);
		if (res != CACHE_POSITIVE || rank < CACHE_RANK_ANSWER_NONAUTH || rs.count < 1)
			return CHAIN_MISS;
		check_expiring(&rs, &hit, expiring);
		/* a CNAME loop or an over-long chain fails (RFC 1034 §3.6.2) */
		if (acc_has_cname(a, name) || ++*cnames > RQ_MAX_CNAME)
			return CHAIN_FAIL;
		if (add_hit(a, WIRE_SEC_ANSWER, &rs, &hit, dnssec, vs) != CAIRN_OK)
			return CHAIN_MISS;
		memcpy(name, rs.rdata + 2, wire_name_len(rs.rdata + 2));
		wire_name_lower(name);
	}
}

/* q has its answer: VALIDATE first when it is to be validated. */
static void answered(struct rq *q)
{
	if (val_needed(q))
		q->state = RQ_VALIDATE;
	else
		rq_finish(q);
}

/* ---- FIND_DP: the closest delegation (RFC 1034 §5.3.3 step 2) ---- */

static void st_find_dp(struct rq *q)
{
	struct resolver *r = q->r;
	const struct resolver_forward *fwd = iter_find_forward(r, q->cur);
	const uint8_t *name = q->cur;
	struct wire_rrset rs;
	enum cache_result res;
	uint64_t now = rnow_s(r);
	struct rq *c;

	if (fwd) {
		iter_dp_reset(q, fwd->name);
		q->dp.forward = true;
		for (unsigned i = 0; i < fwd->naddr; i++)
			iter_dp_add_addr(q, &fwd->addr[i]);
		rq_log_event(q, EV_DELEGATION, NULL, fwd->name, 0, 0, 0, "forward-zone");
		q->state = RQ_SEND;
		return;
	}
	/* DS lives in the parent zone (RFC 4035 §3.1.4.1) */
	if (q->qtype == WIRE_TYPE_DS && name[0])
		name = wire_name_parent(name);
	/* explain --no-cache: as if the cache were empty, from the root hints
	 * (their servers are asked directly, without priming) */
	if (q->no_cache == RQ_NOCACHE_ALL && !q->use_above) {
		iter_dp_from_hints(q);
		rq_log_event(q, EV_DELEGATION, NULL, q->dp.zone, 0, 0, 0, "root hints, no cache");
		q->state = RQ_SEND;
		return;
	}
	/* back to the parent: the delegation below it gave no usable server */
	if (q->use_above) {
		q->use_above = false;
		if (wire_name_is_subdomain(name, q->above) && q->above[0])
			name = wire_name_parent(q->above);
	}
	for (;;) {
		res = cache_get(r->cache, name, WIRE_TYPE_NS, now, r->scratch,
				sizeof(r->scratch), &rs, NULL);
		if (res == CACHE_POSITIVE && rs.count) {
			iter_dp_from_ns(q, name, &rs);
			q->dp.from_cache = true;
			iter_dp_cached_addrs(q, false);
			if (!name[0] && q->dp.naddr == 0)
				iter_dp_from_hints(q);
			rq_log_event(q, EV_DELEGATION, NULL, q->dp.zone, 0, 0, 0, "cache");
			q->state = RQ_SEND;
			return;
		}
		/* RFC 8020 §2: nothing exists below a name that does not exist */
		if (res == CACHE_NXDOMAIN && name != q->cur) {
			if (rs.count)
				acc_add(&q->acc, WIRE_SEC_AUTHORITY, &rs, rs.ttl);
			q->rcode = WIRE_RCODE_NXDOMAIN;
			rq_log_event(q, EV_CACHE, NULL, name, 0, q->rcode, 0, "NXDOMAIN cut");
			answered(q);
			return;
		}
		if (!name[0])
			break;
		name = wire_name_parent(name);
	}
	/* RFC 8109: the hints only serve to ask the root for its NS set */
	if (q->qname[0] == 0 && q->qtype == WIRE_TYPE_NS) {
		iter_dp_from_hints(q);
		rq_log_event(q, EV_DELEGATION, NULL, q->dp.zone, 0, 0, 0, "root hints");
		q->state = RQ_SEND;
		return;
	}
	if (q->nest >= RQ_MAX_NEST + 1) {
		rq_fail(q, EDE_OTHER, "resolution nested too deeply");
		return;
	}
	rq_log_event(q, EV_PRIME, NULL, NULL, 0, 0, 0, NULL);
	c = rq_child(q, (const uint8_t *)"", WIRE_TYPE_NS);
	if (!c)
		rq_fail(q, EDE_OTHER, "out of memory");
	else
		q->child_priming = true;
}

/* ---- SEND: choose a server and ask it ---- */

static bool asking(const struct rq *q, const uint8_t *name, uint16_t qtype)
{
	for (; q; q = q->parent)
		if (q->qtype == qtype && wire_name_equal(q->cur, name))
			return true;
	return false;
}

/* Starts a sub-resolution for an NS name without usable addresses, at
 * most max_glueless per delegation (the NXNSAttack bound). Returns true
 * when q now waits for it. */
static bool start_glueless(struct rq *q)
{
	struct resolver *r = q->r;
	struct dp *dp = &q->dp;

	if (q->nest >= RQ_MAX_NEST || dp->forward)
		return false;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < dp->nns; i++) {
			uint8_t want = pass == 0 ? NS_NEW : NS_TRIED_A;
			uint16_t type = pass == 0 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;

			if (dp->ns[i].state != want)
				continue;
			if (dp->glueless >= r->cfg.max_glueless)
				return false;
			dp->ns[i].state = pass == 0 ? NS_TRIED_A : NS_DONE;
			/* a name server inside the zone it serves, without glue,
			 * can only be found through the parent (see st_send) */
			if (asking(q, dp_ns_name(dp, i), type) ||
			    wire_name_is_subdomain(dp_ns_name(dp, i), dp->zone))
				continue;
			dp->glueless++;
			rq_log_event(q, EV_GLUELESS, NULL, dp_ns_name(dp, i), type, 0, 0, NULL);
			if (!rq_child(q, dp_ns_name(dp, i), type))
				return false;
			return true;
		}
	}
	return false;
}

static size_t build_query(struct rq *q, bool rd)
{
	struct resolver *r = q->r;
	uint8_t *p = q->qpkt;
	size_t nlen = wire_name_len(q->sname);
	uint64_t bits = servers_random(&r->servers);
	unsigned nbit = 0;

	wire_put16(p, (uint16_t)servers_random(&r->servers)); /* c-ares sets its own */
	/* a forwarder's own validation must not hide what we validate
	 * ourselves (RFC 4035 §3.2.2): CD when we validate */
	wire_put16(p + 2, (rd ? WIRE_FLAG_RD : 0) | (rd && r->anchors ? WIRE_FLAG_CD : 0));
	wire_put16(p + 4, 1);
	wire_put16(p + 6, 0);
	wire_put16(p + 8, 0);
	wire_put16(p + 10, q->edns ? 1 : 0);
	memcpy(p + 12, q->sname, nlen);
	/* 0x20: random letter case, checked in the reply (draft-vixie-dnsext-dns0x20) */
	for (size_t i = 0; i < nlen; i++) {
		uint8_t c = p[12 + i];
		if (c >= 'a' && c <= 'z') {
			if (nbit == 64) {
				bits = servers_random(&r->servers);
				nbit = 0;
			}
			if ((bits >> nbit++) & 1)
				p[12 + i] = (uint8_t)(c - 32);
		}
	}
	p += 12 + nlen;
	wire_put16(p, q->stype);
	wire_put16(p + 2, q->qclass);
	p += 4;
	q->qsec_len = nlen + 4;
	if (q->edns) {
		/* RFC 6891 §6.1.2: root owner, OPT, our buffer size; DO
		 * when we validate (RFC 4035 §4.1, §3.2.1) */
		p[0] = 0;
		wire_put16(p + 1, WIRE_TYPE_OPT);
		wire_put16(p + 3, r->cfg.edns_size);
		wire_put32(p + 5, r->anchors ? 0x8000 : 0);
		wire_put16(p + 9, 0);
		p += 11;
	}
	return (size_t)(p - q->qpkt);
}

/* True when the cache holds an A answer or a NODATA for A at name: the
 * name exists (below a zone cut we would have been referred). */
static bool qmin_known(struct rq *q, const uint8_t *name)
{
	struct resolver *r = q->r;
	struct wire_rrset rs;
	enum cache_result res = cache_get(r->cache, name, WIRE_TYPE_A, rnow_s(r), r->scratch,
					  sizeof(r->scratch), &rs, NULL);

	return res == CACHE_POSITIVE || res == CACHE_NODATA;
}

/* Picks the name to ask: the full name, or with QNAME minimisation
 * (RFC 9156 §2.3) a few labels more than what is known to exist (the
 * zone, or the last minimised name), asked for type A: one label at a
 * time for the first QMIN_ONE_LAB queries, then the labels left spread
 * over the queries left of QMIN_MAX_COUNT (the remainder to the last
 * ones), so that no name costs more than QMIN_MAX_COUNT queries (a
 * 34-label ip6.arpa name neither). */
static void choose_sname(struct rq *q)
{
	unsigned labels = wire_name_labels(q->cur);
	const uint8_t *n = q->cur;

	if (!q->r->cfg.qname_minimisation || q->qmin_off || q->dp.forward ||
	    q->qmin_labels >= labels || q->qtype == WIRE_TYPE_DS) {
		memcpy(q->sname, q->cur, wire_name_len(q->cur));
		q->stype = q->qtype;
		return;
	}
	if (q->qmin_count >= QMIN_ONE_LAB) {
		unsigned known = q->qmin_labels - 1;
		unsigned iters = q->qmin_count < QMIN_MAX_COUNT ? QMIN_MAX_COUNT - q->qmin_count : 1;
		unsigned add = (labels - known) / iters;

		q->qmin_labels = known + (add ? add : 1);
		if (q->qmin_labels >= labels) {
			memcpy(q->sname, q->cur, wire_name_len(q->cur));
			q->stype = q->qtype;
			return;
		}
	}
	/* a minimised name the cache knows to exist (an answer or a NODATA
	 * for A, from an earlier resolution) need not be asked again, as
	 * Unbound does: one more label */
	for (;;) {
		n = q->cur;
		for (unsigned skip = labels - q->qmin_labels; skip; skip--)
			n = wire_name_parent(n);
		if (!qmin_known(q, n))
			break;
		if (++q->qmin_labels >= labels) {
			memcpy(q->sname, q->cur, wire_name_len(q->cur));
			q->stype = q->qtype;
			return;
		}
	}
	q->qmin_count++;
	memcpy(q->sname, n, wire_name_len(n));
	q->stype = WIRE_TYPE_A;
}

/* Sends the query to dp.addr[idx]: WAIT_REPLY, or back to SEND with the
 * server marked tried when it cannot even be sent. */
static void send_to(struct rq *q, int idx)
{
	struct resolver *r = q->r;
	const struct cairn_sockaddr *sa = &q->sa;
	uint64_t now = rnow_ms(r);
	struct server_info *e;
	uint32_t srtt;
	cairn_err err;

	q->addr_idx = idx;
	dp_sockaddr(&q->dp, (unsigned)idx, &q->sa);
	e = servers_get(&r->servers, sa, now);
	srtt = e->srtt_ms;
	q->edns = !e->noedns;
	/* RFC 5452 §9.3 spirit: a server whose replies are being spoofed
	 * is asked over TCP for a while (servers_unwanted) */
	if (!q->tcp && servers_tcp_only(&r->servers, sa, now))
		q->tcp = true;
	q->qpkt_len = build_query(q, q->dp.forward);
	q->sent++;
	r->cnt.upstream_queries++;
	q->sent_at = now;
	/* explain: the server's smoothed RTT, why servers_select chose it */
	rq_log_event(q, EV_SEND, sa, q->sname, q->stype, 0, srtt, q->tcp ? "tcp" : NULL);
	err = r->io.send(r->io.ctx, sa, q->tcp, q->edns ? r->cfg.edns_size : 0, q->qpkt,
			 q->qpkt_len, iter_on_reply, q);
	if (err != CAIRN_OK) {
		rq_log_event(q, EV_NETERR, sa, NULL, 0, 0, 0, "cannot send");
		q->dp.tried[idx] = true;
		q->net_error = true;
		q->state = RQ_SEND;
		return;
	}
	q->outstanding = true;
	q->state = RQ_WAIT_REPLY;
}

static void st_send(struct rq *q)
{
	struct resolver *r = q->r;
	int idx = q->retry_idx;

	if (q->sent >= q->max_sent) {
		rq_fail(q, EDE_OTHER, "upstream query limit exceeded");
		return;
	}
	q->retry_idx = -1;
	if (idx >= 0) {
		send_to(q, idx);    /* the same server again: TCP, no EDNS, resend */
		return;
	}
	{
		struct cairn_sockaddr cand[DP_MAX_ADDR];

		for (unsigned i = 0; i < q->dp.naddr; i++)
			dp_sockaddr(&q->dp, i, &cand[i]);
		idx = servers_select(&r->servers, q->dp.zone, cand, q->dp.tried, q->dp.naddr,
				     rnow_ms(r));
	}
	if (idx >= 0) {
		q->tcp = false;
		q->mismatches = 0;
		choose_sname(q);
		send_to(q, idx);
		return;
	}
	if (start_glueless(q))
		return;
	/* No server of a delegation we took from the cache is usable: its
	 * name servers' addresses expired, or the addresses cached (the
	 * child's own, which replaced the parent's glue) do not answer. Ask
	 * the parent for the delegation again: its referral brings its glue
	 * (like Unbound's parent-side fallback). A delegation fresh from the
	 * parent has nothing more to give. */
	if (q->dp.from_cache && !q->dp.forward && q->dp.zone[0] &&
	    q->fallbacks < RQ_MAX_FALLBACK) {
		q->fallbacks++;
		memcpy(q->above, q->dp.zone, wire_name_len(q->dp.zone));
		q->use_above = true;
		rq_log_event(q, EV_PARENT, NULL, q->dp.zone, 0, 0, 0, "no usable server");
		q->state = RQ_FIND_DP;
		return;
	}
	rq_fail(q, q->net_error ? EDE_NETWORK : EDE_NO_REACHABLE,
		q->net_error ? "no authoritative server answered"
			     : "no usable authoritative server");
}

/* ---- WAIT_CHILD: a sub-resolution ended ---- */

static void st_wait_child(struct rq *q)
{
	if (q->child)
		return;                /* woken early: still waiting */
	if (q->child_val) {
		/* a DS or DNSKEY lookup of the chain of trust ended */
		q->child_val = false;
		q->state = RQ_VALIDATE;
		return;
	}
	if (q->child_priming) {
		q->child_priming = false;
		if (q->child_failed) {
			rq_fail(q, q->child_ede != EDE_NONE ? q->child_ede : EDE_NO_REACHABLE,
				q->child_ede_text ? q->child_ede_text : "root priming failed");
			return;
		}
		q->state = RQ_FIND_DP;
		return;
	}
	/* a glueless NS name: its addresses are in the cache if it worked */
	iter_dp_cached_addrs(q, false);
	q->state = RQ_SEND;
}

/* ---- WAIT_REPLY -> REPLY ---- */

void iter_on_reply(void *arg, cairn_err err, const uint8_t *pkt, size_t len)
{
	struct rq *q = arg;

	assert(q->outstanding);
	q->outstanding = false;
	if (q->state == RQ_DONE)
		return;                /* ended meanwhile: freed by the run loop */
	assert(q->state == RQ_WAIT_REPLY);
	q->rerr = err;
	q->reply_len = 0;
	if (err == CAIRN_OK && pkt && len) {
		uint8_t *copy = len > q->reply_cap ? realloc(q->reply, len) : q->reply;

		if (!copy) {
			q->rerr = CAIRN_ENOMEM;
		} else {
			if (len > q->reply_cap)
				q->reply_cap = len;
			q->reply = copy;
			memcpy(q->reply, pkt, len);
			q->reply_len = len;
		}
	} else if (err == CAIRN_OK) {
		q->rerr = CAIRN_EIO;
	}
	q->state = RQ_REPLY;
	rq_ready(q);
}

/* RFC 5452 §9.1: c-ares matched the ID and the source address; we check
 * QR, opcode and the question byte for byte, which includes the 0x20
 * letter case we chose. */
static bool reply_matches(const struct rq *q, const uint8_t *pkt, size_t len)
{
	uint16_t flags;

	if (len < WIRE_HDR_LEN + q->qsec_len)
		return false;
	flags = wire_get16(pkt + 2);
	if (!(flags & WIRE_FLAG_QR) || ((flags >> 11) & 0xf) != WIRE_OPCODE_QUERY)
		return false;
	if (wire_get16(pkt + 4) != 1)
		return false;
	return memcmp(pkt + WIRE_HDR_LEN, q->qpkt + WIRE_HDR_LEN, q->qsec_len) == 0;
}

/* The server at idx cannot answer for the zone: lame there, try another. */
static void lame(struct rq *q, const char *why, uint8_t rcode)
{
	const struct cairn_sockaddr *sa = &q->sa;

	rq_log_event(q, EV_LAME, sa, q->dp.zone, 0, rcode, 0, why);
	if (!q->dp.forward)
		servers_lame(&q->r->servers, q->dp.zone, sa, rnow_ms(q->r));
	q->dp.tried[q->addr_idx] = true;
	q->state = RQ_SEND;
}

static void st_reply(struct rq *q)
{
	struct resolver *r = q->r;
	const struct cairn_sockaddr *sa = &q->sa;
	const uint8_t *pkt = q->reply;
	size_t len = q->reply_len;
	uint64_t now = rnow_ms(r);
	uint8_t zone[WIRE_NAME_MAX];
	unsigned rcode;
	uint32_t rtt;
	char buf[128];
	cairn_err err;

	q->state = RQ_SEND;
	switch (q->rerr) {
	case CAIRN_OK:
		break;
	case CAIRN_ENOTFOUND:
		rq_fail(q, EDE_NETWORK, "resolver shutting down");
		return;
	case CAIRN_ENOMEM:
		rq_fail(q, EDE_OTHER, "out of memory");
		return;
	default:
		if (q->rerr == CAIRN_EINVAL) {
			log_info("resolver: %s unreachable, avoiding its address family",
				 cairn_sockaddr_format(sa, buf, sizeof(buf)));
			servers_unreachable(&r->servers, sa, now);
		} else {
			servers_timeout(&r->servers, sa, now);
		}
		if (q->rerr == CAIRN_ELIMIT)
			r->cnt.upstream_timeouts++;
		rq_log_event(q, q->rerr == CAIRN_ELIMIT ? EV_TIMEOUT : EV_NETERR, sa, NULL, 0,
			     0, 0, NULL);
		q->net_error = true;
		q->dp.tried[q->addr_idx] = true;
		return;
	}
	/* doc/ARCHITECTURE.md, rule 9: a reply that fails the checks is dropped and
	 * counted, never blamed on the server; the query goes out again (new
	 * ID, new source port) within the resolution's budget. */
	if (!reply_matches(q, pkt, len)) {
		r->cnt.unwanted_replies++;
		rq_log_event(q, EV_MISMATCH, sa, NULL, 0, 0, 0, NULL);
		if (servers_unwanted(&r->servers, sa, now, r->cfg.unwanted_threshold))
			log_warn("resolver: %u replies from %s did not match their query "
				 "(spoofing?): asking it over TCP for a while",
				 r->cfg.unwanted_threshold,
				 cairn_sockaddr_format(sa, buf, sizeof(buf)));
		if (r->io.renew)
			r->io.renew(r->io.ctx, sa);
		/* a server whose every reply mismatches (broken, or under
		 * attack) is left for this resolution after a few, unblamed */
		if (++q->mismatches < RQ_MAX_MISMATCH)
			q->retry_idx = q->addr_idx;
		else
			q->dp.tried[q->addr_idx] = true;
		return;
	}
	q->mismatches = 0;
	rtt = (uint32_t)(now - q->sent_at);
	servers_rtt(&r->servers, sa, rtt, now);
	rcode = wire_get16(pkt + 2) & 0xf;
	rq_log_event(q, EV_REPLY, sa, NULL, 0, (uint8_t)rcode, rtt, NULL);
	rq_log_reply(q, wire_get16(pkt + 2), len);
	/* RFC 1035 §4.2.1, RFC 7766 §5: truncated over UDP, ask again on TCP */
	if ((wire_get16(pkt + 2) & WIRE_FLAG_TC) && !q->tcp) {
		q->tcp = true;
		r->cnt.tcp_fallbacks++;
		rq_log_event(q, EV_TRUNCATED, sa, NULL, 0, 0, 0, NULL);
		q->retry_idx = q->addr_idx;
		return;
	}
	/* RFC 9156 §3 step (6e), relaxed mode (like Unbound's default
	 * qname-minimisation-strict: no): any rcode but NOERROR to a minimised
	 * query -- NXDOMAIN for an empty non-terminal, REFUSED, FORMERR,
	 * SERVFAIL from servers that do not cope with it -- is not believed
	 * (nothing is cached); the rest of this resolution asks full names,
	 * starting with the same zone's servers. */
	if (rcode != WIRE_RCODE_NOERROR && !wire_name_equal(q->sname, q->cur)) {
		rq_log_event(q, EV_QMIN, sa, q->cur, 0, (uint8_t)rcode, 0, "off: asking full names");
		q->qmin_off = true;
		memset(q->dp.tried, 0, sizeof(q->dp.tried));
		return;
	}
	/* RFC 6891 §7: FORMERR to a query with OPT: try without EDNS */
	if (rcode == WIRE_RCODE_FORMERR && q->edns) {
		servers_get(&r->servers, sa, now)->noedns = true;
		rq_log_event(q, EV_NOEDNS, sa, NULL, 0, 0, 0, NULL);
		q->retry_idx = q->addr_idx;
		return;
	}
	/* REFUSED, SERVFAIL, NOTIMP, FORMERR without EDNS, ...: this server
	 * will not answer for this zone (for this zone only) */
	if (rcode != WIRE_RCODE_NOERROR && rcode != WIRE_RCODE_NXDOMAIN) {
		lame(q, "rcode", (uint8_t)rcode);
		return;
	}
	err = rmsg_parse(pkt, len, &r->msg);
	if (err == CAIRN_EFORMAT) {
		lame(q, "malformed reply", (uint8_t)rcode);
		return;
	}
	if (err != CAIRN_OK) {
		/* a resource limit of ours, not the server's fault */
		rq_fail(q, EDE_OTHER, "reply too large to process");
		return;
	}
	/* the zone asked (a referral replaces q->dp) */
	memcpy(zone, q->dp.zone, wire_name_len(q->dp.zone));
	switch (scrub_process(q, &r->msg)) {
	case IT_DONE:
		servers_good(&r->servers, zone, sa);
		answered(q);
		return;
	case IT_FAIL:
		rq_fail(q, EDE_OTHER, "CNAME chain loops or is too long");
		return;
	case IT_FOLLOW:
		servers_good(&r->servers, zone, sa);
		rq_log_event(q, EV_CNAME, sa, q->cur, 0, 0, 0, NULL);
		q->state = RQ_START;
		return;
	case IT_REFERRAL:
		servers_good(&r->servers, zone, sa);
		rq_log_event(q, EV_REFERRAL, sa, q->dp.zone, 0, 0, 0, NULL);
		if (++q->referrals > r->cfg.max_referrals)
			rq_fail(q, EDE_OTHER, "referral limit exceeded");
		return;
	case IT_QMIN_NEXT:
		servers_good(&r->servers, zone, sa);
		rq_log_event(q, EV_QMIN, sa, q->sname, 0, 0, 0, "more labels");
		q->qmin_labels++;
		memset(q->dp.tried, 0, sizeof(q->dp.tried));
		return;
	case IT_LAME:
		lame(q, "no answer, referral or authority for the zone", (uint8_t)rcode);
		return;
	}
}

/* ---- START: the cache ---- */

static void st_start(struct rq *q)
{
	/* prefetch refreshes the question's own RRset (first START only);
	 * explain --no-cache reads no answer from the cache at all */
	if (q->no_cache == RQ_NOCACHE_ALL ||
	    (q->no_cache == RQ_NOCACHE_FIRST && !q->cache_skipped)) {
		q->cache_skipped = true;
		q->state = RQ_FIND_DP;
		return;
	}
	switch (iter_chain_cache(q->r, q->cur, q->qtype, &q->cnames, &q->acc, &q->rcode, NULL,
				 q->r->anchors != NULL, NULL)) {
	case CHAIN_DONE:
		rq_log_event(q, EV_CACHE, NULL, q->cur, q->qtype, q->rcode, 0, NULL);
		answered(q);
		return;
	case CHAIN_FAIL:
		rq_fail(q, EDE_OTHER, "CNAME chain loops or is too long");
		return;
	case CHAIN_MISS:
		/* RFC 8198: a cached secure NSEC may prove it absent */
		if (val_aggressive(q)) {
			rq_finish(q);
			return;
		}
		q->state = RQ_FIND_DP;
		return;
	}
}

/* ---- the machine ---- */

void iter_advance(struct rq *q)
{
	for (;;) {
		if (q->state == RQ_DONE || q->state == RQ_WAIT_REPLY || q->state == RQ_PARKED)
			return;
		if (q->state == RQ_WAIT_CHILD && q->child)
			return;
		/* every step moves q; a bug or a hostile loop ends here */
		if (++q->steps > RQ_MAX_STEPS) {
			rq_fail(q, EDE_OTHER, "resolution step limit exceeded");
			return;
		}
		if (q->state != RQ_WAIT_CHILD && rnow_ms(q->r) >= q->deadline) {
			rq_fail(q, EDE_OTHER, "resolution time limit exceeded");
			return;
		}
		switch (q->state) {
		case RQ_START:
			st_start(q);
			break;
		case RQ_FIND_DP:
			st_find_dp(q);
			break;
		case RQ_SEND:
			st_send(q);
			break;
		case RQ_REPLY:
			st_reply(q);
			break;
		case RQ_WAIT_CHILD:
			st_wait_child(q);
			break;
		case RQ_VALIDATE:
			val_step(q);
			break;
		case RQ_WAIT_REPLY:
		case RQ_PARKED:
		case RQ_DONE:
			return;
		}
	}
}
