/* resolver: one per worker thread — answers from the shared cache without
 * allocating, otherwise starts (or joins, when an identical question is in
 * flight) a resolution, which the run loop (runloop.c) advances and whose
 * waiting clients it answers when it ends.
 * Identical questions are merged in the whole process: within a worker
 * through its table of resolutions, across workers through the cache's
 * claims (cache_inflight_claim): a question another worker resolves is
 * parked and answered from the cache once that worker has stored it. */
#include "resolve_int.h"
#include "cairn/config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#define EDE_NONE 0xffff

void resolver_config_default(struct resolver_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->qname_minimisation = true;
	cfg->edns_size = WIRE_EDNS_SIZE;
	cfg->upstream_timeout_ms = CONFIG_DEFAULT_UPSTREAM_TIMEOUT;
	cfg->max_queries = CONFIG_DEFAULT_MAX_UPSTREAM_QUERIES;
	cfg->max_referrals = CONFIG_DEFAULT_MAX_REFERRALS;
	cfg->max_glueless = CONFIG_DEFAULT_MAX_GLUELESS_NS;
	cfg->max_time_ms = CONFIG_DEFAULT_RESOLVE_TIMEOUT * 1000;
	cfg->upstream_port = 53;
	cfg->unwanted_threshold = CONFIG_DEFAULT_UNWANTED_THRESHOLD;
	cfg->infra_hosts = CONFIG_DEFAULT_INFRA_HOSTS;
	cfg->infra_lame = CONFIG_DEFAULT_INFRA_LAME;
	cfg->serve_stale = true;
	cfg->stale_client_ms = CONFIG_DEFAULT_STALE_CLIENT_TIMEOUT;
	cfg->stale_ttl = CONFIG_DEFAULT_STALE_ANSWER_TTL;
	cfg->bogus_ttl = CONFIG_DEFAULT_VAL_BOGUS_TTL;
}

/* The wall clock of cairnd (the default of the seam). */
static uint64_t system_wall_s(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
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
	if (!r->io.wall_s)
		r->io.wall_s = system_wall_s;
	r->worker = 64;
	r->cache = cache;
	r->anchors = cfg->anchors;
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
	err = servers_init(&r->servers, seed,
			   cfg->infra_hosts ? cfg->infra_hosts : CONFIG_DEFAULT_INFRA_HOSTS,
			   cfg->infra_lame ? cfg->infra_lame : CONFIG_DEFAULT_INFRA_LAME);
	if (err != CAIRN_OK)
		goto done;
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
		servers_free(&r->servers);
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

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	/* pending replies are delivered with CAIRN_ENOTFOUND (or dropped) */
	if (r->io.free)
		r->io.free(r->io.ctx);
	resolver_free_all(r);
	servers_free(&r->servers);
	rmsg_free(&r->msg);
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
	out->lame_servers = r->servers.lame_total;
}

/* Writes the response for one client from the accumulated answer. */
size_t resolver_build_response(struct resolver *r, uint8_t *out, const struct wire_query *cq,
			       size_t limit, const struct acc *a, uint8_t rcode, uint16_t ede,
			       const char *ede_text)
{
	return resolver_build_answer(r, out, cq, limit, a, rcode, ede, ede_text,
				     DSEC_INDETERMINATE);
}

/* The DNSSEC records of a response (RFC 4035 §3.2.1): only for DO. */
static bool dnssec_record(const struct wire_query *cq, int sec, uint16_t type)
{
	if (type != WIRE_TYPE_RRSIG && type != WIRE_TYPE_NSEC && type != WIRE_TYPE_NSEC3)
		return false;
	return sec != WIRE_SEC_ANSWER || (type != cq->qtype && cq->qtype != WIRE_TYPE_ANY);
}

size_t resolver_build_answer(struct resolver *r, uint8_t *out, const struct wire_query *cq,
			     size_t limit, const struct acc *a, uint8_t rcode, uint16_t ede,
			     const char *ede_text, uint8_t vstate)
{
	struct wire_writer w;
	struct wire_rrset rs;
	size_t pos = 0;
	int sec;
	uint16_t flags = WIRE_FLAG_RA;
	bool cd = (cq->flags & WIRE_FLAG_CD) != 0;

	/* RFC 4035 §3.2.2: bogus data only for CD=1, else SERVFAIL */
	if (vstate == DSEC_BOGUS && !cd) {
		wire_writer_begin(&w, out, limit, cq, WIRE_FLAG_RA, WIRE_RCODE_SERVFAIL,
				  r->cfg.edns_size);
		if (cq->has_edns)
			wire_writer_ede(&w, ede != EDE_NONE ? ede : WIRE_EDE_DNSSEC_BOGUS, ede_text);
		return wire_writer_finish(&w);
	}
	/* RFC 6840 §5.7, RFC 4035 §3.2.3: AD for secure data when the client
	 * asks with DO or AD */
	if (vstate == DSEC_SECURE && (cq->edns_do || (cq->flags & WIRE_FLAG_AD)))
		flags |= WIRE_FLAG_AD;
	/* Answers from a resolver: AA clear, RA set (RFC 1035 §4.1.1). */
	wire_writer_begin(&w, out, limit, cq, flags, rcode, r->cfg.edns_size);
	while (acc_next(a, &pos, &sec, &rs)) {
		if (!cq->edns_do && dnssec_record(cq, sec, rs.type))
			continue;
		if (wire_writer_rrset_ttl(&w, (enum wire_section)sec, &rs, NULL, rs.ttl) !=
		    CAIRN_OK && sec != WIRE_SEC_ADDITIONAL)
			break;
	}
	/* RFC 8914: say why when the client can read it */
	if (ede != EDE_NONE && cq->has_edns)
		wire_writer_ede(&w, ede, ede_text);
	return wire_writer_finish(&w);
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

/* The resolution of q's question, if one is in flight here. */
static struct rq *in_flight(struct resolver *r, const struct wire_query *q, unsigned b)
{
	for (struct rq *rq = r->table[b]; rq; rq = rq->hnext)
		if (rq->qtype == q->qtype && rq->qclass == q->qclass &&
		    wire_name_equal(rq->qname, q->qname))
			return rq;
	return NULL;
}

/* prefetch: yes. q was answered from the cache with a record in the last
 * 10 % of its original TTL: resolve it again in the background (no
 * client waits; the run loop advances it), unless it is being resolved
 * here or by another worker already. Its answer replaces the cached one. */
static void prefetch(struct resolver *r, const struct wire_query *q)
{
	unsigned b = rq_bucket(q->qname, q->qtype);
	struct rq *rq;

	if (in_flight(r, q, b))
		return;
	rq = rq_new(r, q->qname, q->qtype, q->qclass);
	if (!rq)
		return;                  /* out of memory: the cache answers anyway */
	rq->no_cache = RQ_NOCACHE_FIRST;
	if (!rq_claim(rq)) {
		rq_finish(rq);           /* another worker refreshes it; freed by the run loop */
		return;
	}
	rq->hnext = r->table[b];
	r->table[b] = rq;
	rq->in_table = true;
	r->cnt.prefetches++;
	rq_log_event(rq, EV_PREFETCH, NULL, rq->qname, rq->qtype, 0, 0, NULL);
	rq_ready(rq);
}

/* The answers given at once, without a resolution: refusals, local
 * zones, RD=0, the cache. Returns true with the response in out. */
bool resolver_answer_cached(struct resolver *r, const struct wire_query *q,
			    uint8_t *out, size_t limit, size_t *len,
			    enum resolve_source *src)
{
	uint8_t name[WIRE_NAME_MAX], rcode = 0;
	struct acc fast = { .buf = r->fastbuf, .cap = sizeof(r->fastbuf), .fixed = true };
	unsigned cnames = 0;
	bool expiring = false;
	struct chain_sec vs;

	if (!q->has_question)
		return false;
	/* only class IN is resolved; zone transfers are not a resolver's
	 * business (RFC 5936 §4.2 allows REFUSED) */
	if (q->qclass != WIRE_CLASS_IN || q->qtype == WIRE_TYPE_AXFR ||
	    q->qtype == WIRE_TYPE_IXFR) {
		*len = resolver_build_response(r, out, q, limit, &fast, WIRE_RCODE_REFUSED,
					       EDE_NONE, NULL);
		*src = RESOLVE_SRC_LOCAL;
		return true;
	}
	/* RFC 6761 / RFC 6303 names are answered here, before the cache */
	if (localzone_answer(&r->lz, q, out, limit, r->cfg.edns_size, len)) {
		*src = RESOLVE_SRC_LOCAL;
		return true;
	}
	/* RFC 1034 §4.3.1: recursion only when RD asks for it */
	if (!(q->flags & WIRE_FLAG_RD)) {
		*src = norec_answer(r, q, &fast, &rcode);
		*len = resolver_build_response(r, out, q, limit, &fast, rcode, EDE_NONE, NULL);
		return true;
	}
	memcpy(name, q->qname, q->qname_len);
	/* RRSIGs and proofs are copied for DO clients only */
	if (iter_chain_cache(r, name, q->qtype, &cnames, &fast, &rcode,
			     r->cfg.prefetch ? &expiring : NULL, r->anchors && q->edns_do,
			     &vs) != CHAIN_DONE)
		return false;
	if (!r->anchors)
		vs.state = DSEC_INDETERMINATE;
	/* data never validated is validated by a resolution (no upstream
	 * query when its keys are cached); CD=1 takes it as it is */
	else if (vs.unchecked && !(q->flags & WIRE_FLAG_CD))
		return false;
	else if (vs.unchecked)
		vs.state = DSEC_INDETERMINATE;
	*len = resolver_build_answer(r, out, q, limit, &fast, rcode, vs.ede,
				     vs.state == DSEC_BOGUS ? "cached bogus answer" : NULL,
				     vs.state);
	*src = RESOLVE_SRC_CACHE;
	if (expiring)
		prefetch(r, q);
	return true;
}

void resolver_prefetch(struct resolver *r, const uint8_t *const *names, const uint32_t *hashes,
		       const uint16_t *types, unsigned n)
{
	cache_prefetch(r->cache, names, hashes, types, n);
}

/* RFC 8767 §5: the client response timer of serve-stale, when a client
 * waits for q and none is running. */
static void stale_arm(struct rq *q)
{
	struct resolver *r = q->r;

	if (!r->cfg.serve_stale || q->stale_at || q->state == RQ_DONE ||
	    q->no_cache == RQ_NOCACHE_ALL)
		return;
	q->stale_at = rnow_ms(r) + r->cfg.stale_client_ms;
	if (!q->stale_at)
		q->stale_at = 1;
	rq_timer_update(q);
}

/* A client joins the resolution q of the same question. */
static cairn_err join(struct rq *q, const struct wire_query *cq, size_t limit,
		      resolve_done_fn done, void *ctx)
{
	cairn_err err = add_waiter(q, cq, limit, done, ctx);

	if (err == CAIRN_OK)
		stale_arm(q);
	return err;
}

cairn_err resolver_query(struct resolver *r, const struct wire_query *q, size_t limit,
			 resolve_done_fn done, void *ctx)
{
	unsigned b;
	struct rq *rq;
	cairn_err err;

	if (!q->has_question || q->qclass != WIRE_CLASS_IN || q->qtype == WIRE_TYPE_AXFR ||
	    q->qtype == WIRE_TYPE_IXFR)
		return CAIRN_EINVAL;   /* resolver_answer_cached() answers those */
	if (limit > sizeof(r->out))
		limit = sizeof(r->out);
	/* resolver_answer_cached() has had its go (the allocation-free path);
	 * a miss starts a resolution, whose first step reads the cache again
	 * in case another query stored the answer since. Nothing is answered
	 * here: the run loop (resolver_tick) does it (doc/ARCHITECTURE.md, rule 7). */
	/* Identical questions in flight are resolved once. */
	b = rq_bucket(q->qname, q->qtype);
	if ((rq = in_flight(r, q, b)))
		return join(rq, q, limit, done, ctx);
	rq = rq_new(r, q->qname, q->qtype, q->qclass);
	if (!rq)
		return CAIRN_ENOMEM;
	err = add_waiter(rq, q, limit, done, ctx);
	if (err != CAIRN_OK) {
		/* nobody waits: it ends at the next tick, answering no one */
		rq_finish(rq);
		return err;
	}
	rq->hnext = r->table[b];
	r->table[b] = rq;
	rq->in_table = true;
	stale_arm(rq);
	/* ... in the whole process: another worker may be resolving it */
	if (rq_claim(rq))
		rq_ready(rq);
	else
		rq_park(rq);
	return CAIRN_OK;
}

void resolver_cancel(struct resolver *r, void *ctx)
{
	stale_cancel(r, ctx);
	/* O(resolutions): only when a client goes away with answers pending */
	for (struct rq *q = r->all; q; q = q->next) {
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

unsigned resolver_active(const struct resolver *r)
{
	return r->nactive;
}
