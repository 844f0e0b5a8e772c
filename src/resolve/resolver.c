/* resolver: one per worker thread — answers from the shared cache without
 * allocating, otherwise starts (or joins, when an identical question is in
 * flight) a resolution, and answers every waiting client when it ends.
 * Identical questions are merged in the whole process: within a worker
 * through its table of resolutions, across workers through the cache's
 * claims (cache_inflight_claim): a question another worker resolves is
 * parked and answered from the cache once that worker has stored it. */
#include "resolve_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define EDE_NONE 0xffff

void resolver_config_default(struct resolver_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->qname_minimisation = true;
	cfg->edns_size = WIRE_EDNS_SIZE;
	cfg->upstream_timeout_ms = 1000;
	cfg->max_queries = 32;
	cfg->max_referrals = 20;
	cfg->max_glueless = 5;
	cfg->max_time_ms = 10000;
	cfg->upstream_port = 53;
}

cairn_err resolver_new_io(const struct resolver_config *cfg, struct cache *cache,
			  const struct resolver_io *io, struct resolver **out)
{
	struct resolver *r;
	uint64_t seed = io->seed;
	const char *bad = NULL;
	bool builtin = false;
	uint16_t port = cfg->upstream_port ? cfg->upstream_port : 53;
	cairn_err err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return CAIRN_ENOMEM;
	r->cfg = *cfg;
	r->io = *io;
	r->cache = cache;
	if (cfg->n_forwards) {
		r->forwards = calloc(cfg->n_forwards, sizeof(*r->forwards));
		if (!r->forwards) {
			err = CAIRN_ENOMEM;
			goto done;
		}
		memcpy(r->forwards, cfg->forwards, cfg->n_forwards * sizeof(*r->forwards));
		r->cfg.forwards = r->forwards;
	}
	r->cfg.root_hints = NULL;  /* not kept: the hints are loaded now */
	r->cfg.root_hints_text = NULL;
	err = localzone_init(&r->lz, cfg->local_zone_disable, cfg->n_local_zone_disable, &bad);
	if (err != CAIRN_OK) {
		log_err("resolver: local-zone-disable: '%s' is not a default local zone",
			bad ? bad : "?");
		err = CAIRN_EINVAL;
		goto done;
	}
	r->cfg.local_zone_disable = NULL;
	r->cfg.n_local_zone_disable = 0;
	if (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = rnow_ms(r) ^ (uintptr_t)r;
	servers_init(&r->servers, seed);
	if (cfg->root_hints_text)
		err = hints_parse(cfg->root_hints_text, port, &r->hints);
	else
		err = hints_load(cfg->root_hints, port, &r->hints, &builtin);
	if (err != CAIRN_OK)
		goto done;
	if (builtin)
		log_debug("resolver: using the built-in root hints");
done:
	if (err != CAIRN_OK) {
		free(r->forwards);
		free(r);
		return err;
	}
	*out = r;
	return CAIRN_OK;
}

cairn_err resolver_new(const struct resolver_config *cfg, struct cache *cache,
		       int epoll_fd, struct resolver **out)
{
	struct transport *t;
	struct resolver_io io;
	cairn_err err;

	err = transport_new(epoll_fd, cfg->upstream_timeout_ms, &t);
	if (err != CAIRN_OK)
		return err;
	transport_io(t, &io);
	err = resolver_new_io(cfg, cache, &io, out);
	if (err != CAIRN_OK)
		transport_free(t);
	return err;
}

static void list_del(struct rq **head, struct rq *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		*head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
}

static void list_add(struct rq **head, struct rq *q)
{
	q->prev = NULL;
	q->next = *head;
	if (*head)
		(*head)->prev = q;
	*head = q;
}

/* Ends q's process-wide claim (its answer, if any, is cached by now). */
static void rq_release(struct rq *q)
{
	if (q->claim) {
		cache_inflight_release(q->r->cache, q->qname, q->qtype, q->qclass, q->claim);
		q->claim = 0;
	}
}

/* Claims q's question for this worker; true when q may resolve it. */
static bool rq_claim(struct rq *q)
{
	struct resolver *r = q->r;

	/* the claim outlives the resolution's own time limit a little, so a
	 * claim that is never released lapses by itself */
	return cache_inflight_claim(r->cache, q->qname, q->qtype, q->qclass, rnow_ms(r),
				    (uint64_t)r->cfg.max_time_ms + 1000, &q->claim);
}

static void rq_free(struct rq *q)
{
	rq_release(q);
	while (q->waiters) {
		struct waiter *w = q->waiters;
		q->waiters = w->next;
		w->done(w->ctx, NULL, 0, RESOLVE_SRC_LOCAL); /* never answered: release ctx */
		free(w);
	}
	free(q->acc.buf);
	free(q);
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	for (struct rq *q = r->active; q; q = q->next)
		q->finished = true;   /* pending callbacks now do nothing */
	if (r->io.free)
		r->io.free(r->io.ctx);
	while (r->active) {
		struct rq *q = r->active;
		list_del(&r->active, q);
		rq_free(q);
	}
	while (r->dead) {
		struct rq *q = r->dead;
		list_del(&r->dead, q);
		rq_free(q);
	}
	free(r->forwards);
	free(r);
}

uint64_t resolver_upstream_queries(const struct resolver *r)
{
	return r->cnt.upstream_queries;
}

void resolver_get_counters(const struct resolver *r, struct resolver_counters *out)
{
	*out = r->cnt;
}

static unsigned bucket(const uint8_t *name, uint16_t qtype)
{
	return (wire_name_hash(name, wire_name_len(name)) ^ (qtype * 2654435761u)) %
	       RQ_BUCKETS;
}

static void table_del(struct resolver *r, struct rq *q)
{
	struct rq **pp;

	if (!q->in_table)
		return;
	for (pp = &r->table[bucket(q->qname, q->qtype)]; *pp; pp = &(*pp)->hnext)
		if (*pp == q) {
			*pp = q->hnext;
			break;
		}
	q->in_table = false;
}

/* Writes the response for one client from the accumulated answer. */
static size_t build_response(struct resolver *r, uint8_t *out, const struct wire_query *cq,
			     size_t limit, const struct acc *a, uint8_t rcode, uint16_t ede,
			     const char *ede_text)
{
	struct wire_writer w;
	struct wire_rrset rs;
	size_t pos = 0;
	int sec;

	/* Answers from a resolver: AA clear, RA set (RFC 1035 §4.1.1). */
	wire_writer_begin(&w, out, limit, cq, WIRE_FLAG_RA, rcode, r->cfg.edns_size);
	while (acc_next(a, &pos, &sec, &rs))
		if (wire_writer_rrset_ttl(&w, (enum wire_section)sec, &rs, NULL, rs.ttl) !=
		    CAIRN_OK && sec != WIRE_SEC_ADDITIONAL)
			break;
	/* RFC 8914: say why when the client can read it */
	if (ede != EDE_NONE && cq->has_edns)
		wire_writer_ede(&w, ede, ede_text);
	return wire_writer_finish(&w);
}

static void rq_respond(struct rq *q)
{
	struct resolver *r = q->r;
	/* upstream servers asked (sub-resolutions included): resolved; else
	 * the cache filled meanwhile (another worker), or a failure made here */
	enum resolve_source src = q->sent ? RESOLVE_SRC_RESOLVED :
				  q->rcode == WIRE_RCODE_SERVFAIL ? RESOLVE_SRC_LOCAL :
				  RESOLVE_SRC_CACHE;

	while (q->waiters) {
		struct waiter *w = q->waiters;
		size_t len;

		q->waiters = w->next;
		len = build_response(r, r->out, &w->q, w->limit > sizeof(r->out) ? sizeof(r->out) : w->limit,
				     &q->acc, q->rcode, q->ede, q->ede_text);
		w->done(w->ctx, r->out, len, src);
		free(w);
	}
}

void rq_finish(struct rq *q)
{
	struct resolver *r = q->r;
	struct rq *parent = q->parent;

	if (q->finished)
		return;
	q->finished = true;
	q->parked = false;
	table_del(r, q);
	rq_release(q);
	list_del(&r->active, q);
	list_add(&r->dead, q);
	if (q->child) {
		q->child->parent = NULL;   /* it finishes on its own and caches */
		q->child = NULL;
	}
	rq_respond(q);
	if (parent) {
		q->parent = NULL;
		parent->child = NULL;
		parent->sent += q->sent;
		if (q->priming && q->rcode != WIRE_RCODE_NOERROR) {
			rq_fail(parent, q->ede != EDE_NONE ? q->ede : 22,
				q->ede_text ? q->ede_text : "root priming failed");
			return;
		}
		if (q->net_error)
			parent->net_error = true;
		iter_step(parent);
	}
}

void rq_fail(struct rq *q, uint16_t ede, const char *text)
{
	if (q->finished)
		return;
	q->acc.len = 0;
	q->rcode = WIRE_RCODE_SERVFAIL;
	q->ede = ede;
	q->ede_text = text;
	rq_finish(q);
}

static struct rq *rq_new(struct resolver *r, const uint8_t *name, uint16_t qtype,
			 uint16_t qclass)
{
	struct rq *q = calloc(1, sizeof(*q));
	size_t len = wire_name_len(name);

	if (!q)
		return NULL;
	q->r = r;
	memcpy(q->qname, name, len);
	wire_name_lower(q->qname);
	memcpy(q->cur, q->qname, len);
	q->qtype = qtype;
	q->qclass = qclass;
	q->max_sent = r->cfg.max_queries;
	q->deadline = rnow_ms(r) + r->cfg.max_time_ms;
	q->ede = EDE_NONE;
	list_add(&r->active, q);
	return q;
}

struct rq *rq_child(struct rq *parent, const uint8_t *name, uint16_t qtype)
{
	struct rq *c = rq_new(parent->r, name, qtype, WIRE_CLASS_IN);

	if (!c)
		return NULL;
	c->parent = parent;
	c->nest = parent->nest + 1;
	c->max_sent = parent->max_sent > parent->sent ? parent->max_sent - parent->sent : 0;
	c->deadline = parent->deadline;
	c->priming = name[0] == 0 && qtype == WIRE_TYPE_NS;
	parent->child = c;
	return c;
}

static cairn_err add_waiter(struct rq *q, const struct wire_query *cq, size_t limit,
			    resolve_done_fn done, void *ctx)
{
	size_t plen = WIRE_HDR_LEN + cq->question_len;
	struct waiter *w, **pp;

	if (plen > cq->len)
		return CAIRN_EINVAL;
	w = malloc(sizeof(*w) + plen);
	if (!w)
		return CAIRN_ENOMEM;
	w->next = NULL;
	w->done = done;
	w->ctx = ctx;
	w->limit = limit;
	w->q = *cq;
	memcpy(w->pkt, cq->pkt, plen);
	w->q.pkt = w->pkt;
	w->q.len = plen;
	for (pp = &q->waiters; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	return CAIRN_OK;
}

/* The answers given at once, without a resolution: local zones, RD=0,
 * the cache. Returns true with the response in out. */
bool resolver_answer_cached(struct resolver *r, const struct wire_query *q,
			    uint8_t *out, size_t limit, size_t *len,
			    enum resolve_source *src)
{
	uint8_t name[WIRE_NAME_MAX], rcode = 0;
	struct acc fast = { .buf = r->fastbuf, .cap = sizeof(r->fastbuf), .fixed = true };
	unsigned cnames = 0;

	if (!q->has_question || q->qclass != WIRE_CLASS_IN)
		return false;
	/* RFC 6761 / RFC 6303 names are answered here, before the cache */
	if (localzone_answer(&r->lz, q, out, limit, r->cfg.edns_size, len)) {
		*src = RESOLVE_SRC_LOCAL;
		return true;
	}
	/* RFC 1034 §4.3.1: recursion only when RD asks for it */
	if (!(q->flags & WIRE_FLAG_RD)) {
		*src = norec_answer(r, q, &fast, &rcode);
		*len = build_response(r, out, q, limit, &fast, rcode, EDE_NONE, NULL);
		return true;
	}
	memcpy(name, q->qname, q->qname_len);
	if (iter_chain_cache(r, name, q->qtype, &cnames, &fast, &rcode) != CHAIN_DONE)
		return false;
	*len = build_response(r, out, q, limit, &fast, rcode, EDE_NONE, NULL);
	*src = RESOLVE_SRC_CACHE;
	return true;
}

cairn_err resolver_query(struct resolver *r, const struct wire_query *q, size_t limit,
			 resolve_done_fn done, void *ctx)
{
	struct acc none = { .buf = r->fastbuf, .cap = sizeof(r->fastbuf), .fixed = true };
	unsigned b;
	struct rq *rq;
	size_t len;
	cairn_err err;

	if (!q->has_question)
		return CAIRN_EINVAL;
	if (limit > sizeof(r->out))
		limit = sizeof(r->out);
	if (q->qclass != WIRE_CLASS_IN || q->qtype == WIRE_TYPE_AXFR ||
	    q->qtype == WIRE_TYPE_IXFR) {
		len = build_response(r, r->out, q, limit, &none, WIRE_RCODE_REFUSED, EDE_NONE, NULL);
		done(ctx, r->out, len, RESOLVE_SRC_LOCAL);
		return CAIRN_OK;
	}
	/* resolver_answer_cached() has had its go (the allocation-free path);
	 * a miss starts a resolution, whose first step reads the cache again
	 * in case another query stored the answer since. */
	/* Identical questions in flight are resolved once. */
	b = bucket(q->qname, q->qtype);
	for (rq = r->table[b]; rq; rq = rq->hnext)
		if (rq->qtype == q->qtype && rq->qclass == q->qclass &&
		    wire_name_equal(rq->qname, q->qname))
			return add_waiter(rq, q, limit, done, ctx);
	rq = rq_new(r, q->qname, q->qtype, q->qclass);
	if (!rq)
		return CAIRN_ENOMEM;
	err = add_waiter(rq, q, limit, done, ctx);
	if (err != CAIRN_OK) {
		list_del(&r->active, rq);
		rq_free(rq);
		return err;
	}
	rq->hnext = r->table[b];
	r->table[b] = rq;
	rq->in_table = true;
	/* ... in the whole process: another worker may be resolving it */
	if (rq_claim(rq))
		iter_step(rq);
	else
		rq->parked = true;
	return CAIRN_OK;
}


static void cancel_in(struct rq *list, void *ctx)
{
	for (struct rq *q = list; q; q = q->next) {
		struct waiter **pp = &q->waiters;
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

void resolver_cancel(struct resolver *r, void *ctx)
{
	cancel_in(r->active, ctx);
	cancel_in(r->dead, ctx);   /* a finishing one may still hold waiters */
}

int resolver_timeout_ms(const struct resolver *r)
{
	int t = r->io.timeout_ms ? r->io.timeout_ms(r->io.ctx) : -1;
	uint64_t now = rnow_ms(r);

	for (const struct rq *q = r->active; q; q = q->next) {
		int d = q->deadline <= now ? 0 : (int)(q->deadline - now);
		if (q->parked && d > RQ_PARK_POLL_MS)
			d = RQ_PARK_POLL_MS;
		if (t < 0 || d < t)
			t = d;
	}
	if (r->dead && (t < 0 || t > 100))
		t = 100;
	return t;
}

void resolver_tick(struct resolver *r)
{
	uint64_t now;
	struct rq *q, *next;

	if (r->io.tick)
		r->io.tick(r->io.ctx);
	/* Parked questions: once the other worker's claim is gone, claim and
	 * resolve; iter_step answers from the cache first, so an answer that
	 * worker stored costs no upstream query. A finished q moves to the
	 * dead list and a new sub-resolution goes to the head: next stays. */
	for (q = r->active; q; q = next) {
		next = q->next;
		if (!q->parked)
			continue;
		if (!q->waiters) {
			rq_finish(q);  /* every client went away */
		} else if (rq_claim(q)) {
			q->parked = false;
			iter_step(q);
		}
	}
	now = rnow_ms(r);
	/* Whole-resolution time limit: SERVFAIL (innermost first is not
	 * needed: a parent whose child fails re-checks its own deadline). */
	for (q = r->active; q; q = next) {
		next = q->next;
		if (q->deadline <= now && !q->child) {
			rq_fail(q, 0, "resolution time limit exceeded");
			next = r->active;  /* the list changed under us */
		}
	}
	for (q = r->dead; q; q = next) {
		next = q->next;
		if (!q->outstanding) {
			list_del(&r->dead, q);
			rq_free(q);
		}
	}
}
