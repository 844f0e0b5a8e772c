/* stale: serve-stale (RFC 8767) for the resolutions of one worker. When a
 * client's resolution fails, or has not ended stale-answer-client-timeout
 * after it started (a timer in the run loop's heap), the client gets the
 * expired data the cache still keeps (up to serve-stale-max-age past its
 * expiry) with TTL stale-answer-ttl and EDE 3 (Stale Answer) or 19 (Stale
 * NXDOMAIN Answer). A timed-out resolution goes on without its clients
 * and replaces the stale data when it ends. Answers are built and the done
 * functions called only by the run loop (resolver_tick, step 4). */
#include "resolve_int.h"

#include <stdlib.h>
#include <string.h>

#define EDE_NONE 0xffff

/* Stale answers waiting for step 4 of the run loop. */
struct stale_out {
	struct stale_out *next;
	struct waiter *waiters;
	struct acc acc;
	uint8_t rcode;
	uint16_t ede;
};

/* Follows (qname, qtype) and its CNAMEs through the cache, live data first,
 * else data expired within serve-stale-max-age. Appends to a; stale
 * records get TTL stale_ttl (RFC 8767 §4). True when the chain ends in an
 * answer, NXDOMAIN or NODATA and at least one link was stale. */
static bool stale_chain(struct resolver *r, const uint8_t *qname, uint16_t qtype,
			struct acc *a, uint8_t *rcode, uint16_t *ede)
{
	uint8_t name[WIRE_NAME_MAX];
	struct wire_rrset rs;
	enum cache_rank rank;
	enum cache_result res;
	struct cache_hit hit;
	uint64_t now = rnow_s(r);
	bool any = false;
	unsigned cnames = 0;

	memcpy(name, qname, wire_name_len(qname));
	for (;;) {
		res = cache_get_ex(r->cache, name, qtype, now, CACHE_GET_STALE, r->scratch,
				   sizeof(r->scratch), &rs, &rank, &hit);
		/* data found bogus is never served, not even stale */
		if (res != CACHE_MISS && hit.sec == CACHE_SEC_BOGUS)
			return false;
		if ((res == CACHE_POSITIVE || res == CACHE_NXDOMAIN || res == CACHE_NODATA) &&
		    rank >= CACHE_RANK_ANSWER_NONAUTH) {
			int sec = res == CACHE_POSITIVE ? WIRE_SEC_ANSWER : WIRE_SEC_AUTHORITY;

			any |= hit.stale;
			if ((res == CACHE_POSITIVE || rs.count) &&
			    acc_add(a, sec, &rs, hit.stale ? r->cfg.stale_ttl : rs.ttl) != CAIRN_OK)
				return false;
			*rcode = res == CACHE_NXDOMAIN ? WIRE_RCODE_NXDOMAIN : WIRE_RCODE_NOERROR;
			*ede = res == CACHE_NXDOMAIN ? WIRE_EDE_STALE_NXDOMAIN
						     : WIRE_EDE_STALE_ANSWER;
			return any;
		}
		if (qtype == WIRE_TYPE_CNAME)
			return false;
		res = cache_get_ex(r->cache, name, WIRE_TYPE_CNAME, now, CACHE_GET_STALE,
				   r->scratch, sizeof(r->scratch), &rs, &rank, &hit);
		if (res != CACHE_POSITIVE || rank < CACHE_RANK_ANSWER_NONAUTH || rs.count < 1 ||
		    hit.sec == CACHE_SEC_BOGUS)
			return false;
		if (acc_has_cname(a, name) || ++cnames > RQ_MAX_CNAME)
			return false;
		any |= hit.stale;
		if (acc_add(a, WIRE_SEC_ANSWER, &rs, hit.stale ? r->cfg.stale_ttl : rs.ttl) !=
		    CAIRN_OK)
			return false;
		memcpy(name, rs.rdata + 2, wire_name_len(rs.rdata + 2));
		wire_name_lower(name);
	}
}

/* Counts q's waiters. */
static unsigned count_waiters(const struct rq *q)
{
	unsigned n = 0;

	for (const struct waiter *w = q->waiters; w; w = w->next)
		n++;
	return n;
}

bool stale_on_fail(struct rq *q)
{
	struct resolver *r = q->r;
	struct acc a = { 0 };
	uint8_t rcode = 0;
	uint16_t ede = EDE_NONE;

	if (!r->cfg.serve_stale || q->parent || !q->waiters || q->no_cache == RQ_NOCACHE_ALL)
		return false;
	if (!stale_chain(r, q->qname, q->qtype, &a, &rcode, &ede)) {
		free(a.buf);
		return false;
	}
	/* RFC 8767 §5: resolution failed, the stale data answers instead */
	free(q->acc.buf);
	q->acc = a;
	q->rcode = rcode;
	q->ede = ede;
	r->cnt.stale_answers += count_waiters(q);
	rq_log_event(q, EV_STALE, NULL, q->qname, q->qtype, rcode, 0, "resolution failed");
	return true;
}

void stale_on_timer(struct rq *q)
{
	struct resolver *r = q->r;
	struct stale_out *o;

	if (!r->cfg.serve_stale || !q->waiters || q->no_cache == RQ_NOCACHE_ALL)
		return;
	o = calloc(1, sizeof(*o));
	if (!o)
		return;                  /* the clients wait for the resolution */
	if (!stale_chain(r, q->qname, q->qtype, &o->acc, &o->rcode, &o->ede)) {
		free(o->acc.buf);
		free(o);
		return;
	}
	/* RFC 8767 §5 (client response timer): the clients get the stale
	 * data now; the resolution goes on and refreshes the cache */
	r->cnt.stale_answers += count_waiters(q);
	rq_log_event(q, EV_STALE, NULL, q->qname, q->qtype, o->rcode, 0,
		     "client timeout: resolution goes on");
	o->waiters = q->waiters;
	q->waiters = NULL;
	o->next = r->stale_out;
	r->stale_out = o;
}

void stale_deliver(struct resolver *r)
{
	struct stale_out *o;

	while ((o = r->stale_out)) {
		while (o->waiters) {
			struct waiter *w = o->waiters;
			size_t len, limit = w->limit > sizeof(r->out) ? sizeof(r->out) : w->limit;

			o->waiters = w->next;
			len = resolver_build_response(r, r->out, &w->q, limit, &o->acc, o->rcode,
						      o->ede, "served stale");
			w->done(w->ctx, r->out, len, RESOLVE_SRC_CACHE);
			free(w);
		}
		r->stale_out = o->next;
		free(o->acc.buf);
		free(o);
	}
}

void stale_cancel(struct resolver *r, void *ctx)
{
	for (struct stale_out *o = r->stale_out; o; o = o->next) {
		struct waiter **pp = &o->waiters;

		while (*pp) {
			if ((*pp)->ctx == ctx) {
				struct waiter *w = *pp;
				*pp = w->next;
				free(w);
			} else {
				pp = &(*pp)->next;
			}
		}
	}
}

void stale_free_all(struct resolver *r)
{
	struct stale_out *o;

	while ((o = r->stale_out)) {
		r->stale_out = o->next;
		while (o->waiters) {
			struct waiter *w = o->waiters;
			o->waiters = w->next;
			w->done(w->ctx, NULL, 0, RESOLVE_SRC_LOCAL);
			free(w);
		}
		free(o->acc.buf);
		free(o);
	}
}
