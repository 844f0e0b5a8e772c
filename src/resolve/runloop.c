/* runloop: the life of resolutions in one worker (doc/ARCHITECTURE.md,
 * "The run loop"): creation, the ready queue, the timer heap (deadlines
 * and parked questions), the end of a resolution, the delivery of answers
 * and the per-resolution event log. resolver_tick() is the only place
 * where resolutions advance and where clients are answered: nothing here
 * runs inside resolver_query() or inside a transport callback
 * (doc/ARCHITECTURE.md, rules 7 and 8). */
#include "resolve_int.h"
#include "cairn/stats.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDE_NONE 0xffff

/* ---- the timer heap (min-heap on rq->timer): O(log n) per change ---- */

static void heap_set(struct resolver *r, struct rq *q, uint64_t timer);

static void heap_swap(struct resolver *r, size_t a, size_t b)
{
	struct rq *t = r->heap[a];

	r->heap[a] = r->heap[b];
	r->heap[b] = t;
	r->heap[a]->heap_idx = a;
	r->heap[b]->heap_idx = b;
}

static void heap_up(struct resolver *r, size_t i)
{
	while (i > 0 && r->heap[(i - 1) / 2]->timer > r->heap[i]->timer) {
		heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct resolver *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < r->nheap && r->heap[l]->timer < r->heap[m]->timer)
			m = l;
		if (l + 1 < r->nheap && r->heap[l + 1]->timer < r->heap[m]->timer)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(r, i, m);
		i = m;
	}
}

static cairn_err heap_add(struct resolver *r, struct rq *q)
{
	if (r->nheap == r->heap_cap) {
		size_t cap = r->heap_cap ? r->heap_cap * 2 : 64;
		struct rq **h = realloc(r->heap, cap * sizeof(*h));

		if (!h)
			return CAIRN_ENOMEM;
		r->heap = h;
		r->heap_cap = cap;
	}
	q->heap_idx = r->nheap;
	r->heap[r->nheap++] = q;
	heap_up(r, q->heap_idx);
	return CAIRN_OK;
}

static void heap_del(struct resolver *r, struct rq *q)
{
	size_t i = q->heap_idx;

	if (i == SIZE_MAX)
		return;
	assert(i < r->nheap && r->heap[i] == q);
	r->nheap--;
	if (i != r->nheap) {
		r->heap[i] = r->heap[r->nheap];
		r->heap[i]->heap_idx = i;
		heap_down(r, i);
		heap_up(r, i);
	}
	q->heap_idx = SIZE_MAX;
}

void rq_timer_update(struct rq *q)
{
	uint64_t t = q->deadline;

	if (q->heap_idx == SIZE_MAX)
		return;
	if (q->state == RQ_PARKED && q->park_at < t)
		t = q->park_at;
	if (q->stale_at && q->stale_at < t)
		t = q->stale_at;
	heap_set(q->r, q, t);
}

/* Changes q's timer (q is in the heap). */
static void heap_set(struct resolver *r, struct rq *q, uint64_t timer)
{
	q->timer = timer;
	heap_down(r, q->heap_idx);
	heap_up(r, q->heap_idx);
}

/* ---- lists ---- */

static void all_del(struct resolver *r, struct rq *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		r->all = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->next = q->prev = NULL;
}

void rq_ready(struct rq *q)
{
	struct resolver *r = q->r;

	if (q->in_ready)
		return;
	q->in_ready = true;
	q->rnext = NULL;
	if (r->ready_tail)
		r->ready_tail->rnext = q;
	else
		r->ready = q;
	r->ready_tail = q;
}

static struct rq *ready_pop(struct resolver *r)
{
	struct rq *q = r->ready;

	if (!q)
		return NULL;
	r->ready = q->rnext;
	if (!r->ready)
		r->ready_tail = NULL;
	q->rnext = NULL;
	q->in_ready = false;
	return q;
}

/* ---- the in-flight table and the process-wide claims ---- */

unsigned rq_bucket(const uint8_t *name, uint16_t qtype)
{
	return (wire_name_hash(name, wire_name_len(name)) ^ (qtype * 2654435761u)) %
	       RQ_BUCKETS;
}

static void table_del(struct resolver *r, struct rq *q)
{
	struct rq **pp;

	if (!q->in_table)
		return;
	for (pp = &r->table[rq_bucket(q->qname, q->qtype)]; *pp; pp = &(*pp)->hnext)
		if (*pp == q) {
			*pp = q->hnext;
			break;
		}
	q->in_table = false;
}

/* Ends q's process-wide claim (its answer, if any, is cached by now) and
 * wakes the workers whose questions waited for it. */
static void rq_release(struct rq *q)
{
	struct resolver *r = q->r;
	uint64_t waiters;

	if (!q->claim)
		return;
	waiters = cache_inflight_release(r->cache, q->qname, q->qtype, q->qclass, q->claim);
	q->claim = 0;
	if (r->worker < 64)
		waiters &= ~(1ull << r->worker);
	if (waiters && r->wake)
		r->wake(r->wake_ctx, waiters);
}

bool rq_claim(struct rq *q)
{
	struct resolver *r = q->r;

	/* the claim outlives the resolution's own time limit a little, so a
	 * claim that is never released lapses by itself */
	return cache_inflight_claim(r->cache, q->qname, q->qtype, q->qclass, rnow_ms(r),
				    (uint64_t)r->cfg.max_time_ms + 1000, r->worker, &q->claim);
}

/* Parked questions: woken by the claim's holder (resolver_wake), checked
 * by timer too in case a claim lapses without being released. */
void rq_park(struct rq *q)
{
	struct resolver *r = q->r;

	q->state = RQ_PARKED;
	q->park_at = rnow_ms(r) + RQ_PARK_CHECK_MS;
	rq_timer_update(q);
	q->pprev = NULL;
	q->pnext = r->parked;
	if (r->parked)
		r->parked->pprev = q;
	r->parked = q;
}

static void unpark(struct rq *q)
{
	struct resolver *r = q->r;

	if (q->state != RQ_PARKED)
		return;
	if (q->pprev)
		q->pprev->pnext = q->pnext;
	else
		r->parked = q->pnext;
	if (q->pnext)
		q->pnext->pprev = q->pprev;
	q->pnext = q->pprev = NULL;
}

/* A parked question checks its claim: resolves (from the cache first)
 * when the question is free, keeps waiting otherwise. */
static void park_check(struct rq *q)
{
	struct resolver *r = q->r;

	if (!q->waiters) {
		rq_finish(q);          /* every client went away */
	} else if (rq_claim(q)) {
		unpark(q);
		q->state = RQ_START;
		rq_timer_update(q);
		rq_ready(q);
	} else {
		q->park_at = rnow_ms(r) + RQ_PARK_CHECK_MS;
		rq_timer_update(q);
	}
}

void resolver_wake(struct resolver *r)
{
	struct rq *q, *next;

	for (q = r->parked; q; q = next) {
		next = q->pnext;
		park_check(q);
	}
}

void resolver_set_wake(struct resolver *r, unsigned worker,
		       void (*wake)(void *ctx, uint64_t workers), void *ctx)
{
	r->worker = worker;
	r->wake = wake;
	r->wake_ctx = ctx;
}

/* ---- creation and end ---- */

struct rq *rq_new(struct resolver *r, const uint8_t *name, uint16_t qtype, uint16_t qclass)
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
	q->started = rnow_ms(r);
	q->deadline = q->started + r->cfg.max_time_ms;
	q->timer = q->deadline;
	q->ede = EDE_NONE;
	q->vede = EDE_NONE;
	dsec_budget_init(&q->budget);
	q->retry_idx = -1;
	q->heap_idx = SIZE_MAX;
	q->log.last_name = 0xffff;
	q->state = RQ_START;
	if (heap_add(r, q) != CAIRN_OK) {
		free(q);
		return NULL;
	}
	q->prev = NULL;
	q->next = r->all;
	if (r->all)
		r->all->prev = q;
	r->all = q;
	r->nactive++;
	return q;
}

/* True when waiting for c would make parent wait for itself: c already
 * waits (through its chain of children) for parent. */
static bool would_loop(const struct rq *parent, const struct rq *c)
{
	for (; c; c = c->child)
		if (c == parent)
			return true;
	return false;
}

/* Makes parent wait for c (the last of c's dependents: they go on in the
 * order they came). */
static void depend(struct rq *parent, struct rq *c)
{
	parent->dep_next = NULL;
	if (c->deps)
		c->deps_tail->dep_next = parent;
	else
		c->deps = parent;
	c->deps_tail = parent;
	parent->child = c;
	parent->child_failed = false;
	parent->state = RQ_WAIT_CHILD;
}

/* Stops q waiting for its child (q ends first); the child goes on. */
static void undepend(struct rq *q)
{
	struct rq *c = q->child, **pp;

	if (!c)
		return;
	for (pp = &c->deps; *pp; pp = &(*pp)->dep_next)
		if (*pp == q) {
			*pp = q->dep_next;
			if (c->deps_tail == q)   /* the one before q, if any */
				c->deps_tail = pp == &c->deps ? NULL :
					(struct rq *)((char *)pp - offsetof(struct rq, dep_next));
			break;
		}
	if (c->parent == q)
		c->parent = NULL;
	q->child = NULL;
	q->dep_next = NULL;
}

struct rq *rq_child(struct rq *parent, const uint8_t *name, uint16_t qtype)
{
	struct resolver *r = parent->r;
	unsigned b = rq_bucket(name, qtype);
	struct rq *c;

	/* the same question in flight (another resolution's priming or
	 * glueless lookup, or a client's question) is shared, not asked
	 * again, unless that would make parent wait for itself */
	for (c = r->table[b]; c; c = c->hnext)
		if (c->qtype == qtype && c->qclass == WIRE_CLASS_IN && c->state != RQ_DONE &&
		    wire_name_equal(c->qname, name) && !would_loop(parent, c)) {
			depend(parent, c);
			return c;
		}
	c = rq_new(r, name, qtype, WIRE_CLASS_IN);
	if (!c)
		return NULL;
	c->parent = parent;
	c->nest = parent->nest + 1;
	c->max_sent = parent->max_sent > parent->sent ? parent->max_sent - parent->sent : 0;
	c->deadline = parent->deadline;
	heap_set(r, c, c->deadline);
	c->hnext = r->table[b];
	r->table[b] = c;
	c->in_table = true;
	depend(parent, c);
	rq_ready(c);
	return c;
}

void rq_finish(struct rq *q)
{
	struct resolver *r = q->r;
	struct rq *d;

	if (q->state == RQ_DONE)
		return;
	unpark(q);
	q->state = RQ_DONE;
	r->nactive--;
	heap_del(r, q);
	table_del(r, q);
	rq_release(q);
	if (q->rcode == WIRE_RCODE_SERVFAIL) {
		if (!q->fail_logged)
			rq_log_event(q, EV_FAIL, NULL, NULL, 0, q->rcode, 0, q->ede_text);
	} else if (q->vstate == DSEC_BOGUS) {
		/* clients without CD get SERVFAIL */
		rq_log_event(q, EV_FAIL, NULL, NULL, 0, WIRE_RCODE_SERVFAIL, 0, q->vwhy);
	} else
		rq_log_event(q, EV_DONE, NULL, NULL, 0, q->rcode, 0, NULL);
	undepend(q);   /* a child we waited for finishes on its own and caches */
	/* every resolution waiting for us goes on */
	q->deps_tail = NULL;
	while ((d = q->deps)) {
		q->deps = d->dep_next;
		d->dep_next = NULL;
		d->child = NULL;
		d->sent += q->sent;
		d->child_failed = q->rcode == WIRE_RCODE_SERVFAIL;
		d->child_ede = q->ede;
		d->child_ede_text = q->ede_text;
		if (q->net_error)
			d->net_error = true;
		if (d->state == RQ_WAIT_CHILD)
			rq_ready(d);
	}
	q->parent = NULL;
	/* answered after this step, by the run loop */
	q->fnext = r->finished;
	r->finished = q;
}

void rq_fail(struct rq *q, uint16_t ede, const char *text)
{
	bool stale;

	if (q->state == RQ_DONE)
		return;
	q->acc.len = 0;
	q->rcode = WIRE_RCODE_SERVFAIL;
	q->ede = ede;
	q->ede_text = text;
	/* the event that ends the log says why */
	rq_log_event(q, EV_FAIL, NULL, NULL, 0, q->rcode, 0, text);
	q->fail_logged = true;
	stale = stale_on_fail(q);
	if (q->r->cfg.log_servfail && !q->parent && !q->explain_fn &&
	    q->no_cache != RQ_NOCACHE_FIRST) {
		/* log-servfail: one line per SERVFAIL of a client question */
		char line[4096];

		rq_log_servfail_line(q, line, sizeof(line));
		log_info("%s%s", line, stale ? " (answered with stale data)" : "");
	} else if (log_enabled(LOG_LVL_DEBUG)) {
		char name[1024], events[2048];

		if (wire_name_to_text(q->qname, name, sizeof(name)) != CAIRN_OK)
			snprintf(name, sizeof(name), "?");
		rq_log_format(q, events, sizeof(events));
		log_debug("resolver: SERVFAIL %s type %u: %s\n%s", name, q->qtype,
			  text ? text : "failed", events);
	}
	rq_finish(q);
}

static void rq_free(struct resolver *r, struct rq *q)
{
	assert(q->state == RQ_DONE && !q->outstanding);
	all_del(r, q);
	while (q->waiters) {
		struct waiter *w = q->waiters;
		q->waiters = w->next;
		w->done(w->ctx, NULL, 0, RESOLVE_SRC_LOCAL); /* never answered: release ctx */
		free(w);
	}
	if (q->explain_fn)
		explain_finish(q, false);
	free(q->reply);
	free(q->acc.buf);
	free(q);
}

void resolver_free_all(struct resolver *r)
{
	/* the transport is gone: no reply can come any more */
	while (r->all) {
		struct rq *q = r->all;

		if (q->state != RQ_DONE) {
			unpark(q);
			q->state = RQ_DONE;
			heap_del(r, q);
		}
		q->outstanding = false;
		rq_free(r, q);
	}
	stale_free_all(r);
	free(r->heap);
	r->heap = NULL;
	r->nheap = 0;
}

uint16_t rq_answer_ede(const struct rq *q, const char **text)
{
	/* a bogus answer says why it is bogus; otherwise the resolution's
	 * own EDE, else validation's (an insecure answer's EDE 1, 2, 27) */
	bool val = q->vstate == DSEC_BOGUS || q->ede == EDE_NONE;

	*text = q->vstate == DSEC_BOGUS ? q->vwhy : q->ede_text;
	return val ? q->vede : q->ede;
}

/* Answers q's waiters from its result. */
static void rq_respond(struct rq *q)
{
	struct resolver *r = q->r;
	/* upstream servers asked (sub-resolutions included): resolved; else
	 * the cache filled meanwhile (another worker), or a failure made here */
	enum resolve_source src =
		/* serve-stale after a failure: the data came from the cache */
		q->ede == WIRE_EDE_STALE_ANSWER || q->ede == WIRE_EDE_STALE_NXDOMAIN ?
		RESOLVE_SRC_CACHE : q->sent ? RESOLVE_SRC_RESOLVED :
				  q->rcode == WIRE_RCODE_SERVFAIL ? RESOLVE_SRC_LOCAL :
				  RESOLVE_SRC_CACHE;
	const char *why;
	uint16_t ede = rq_answer_ede(q, &why);

	while (q->waiters) {
		struct waiter *w = q->waiters;
		size_t len, limit = w->limit > sizeof(r->out) ? sizeof(r->out) : w->limit;

		q->waiters = w->next;
		len = resolver_build_answer(r, r->out, &w->q, limit, &q->acc, q->rcode,
					    ede, why, q->vstate);
		w->done(w->ctx, r->out, len, src);
		free(w);
	}
	if (q->explain_fn)
		explain_finish(q, true);
}

/* ---- the run loop ---- */

int resolver_timeout_ms(const struct resolver *r)
{
	int t = r->io.timeout_ms ? r->io.timeout_ms(r->io.ctx) : -1;
	uint64_t now;

	if (r->ready || r->finished)
		return 0;
	if (r->nheap) {
		now = rnow_ms(r);
		int d = r->heap[0]->timer <= now ? 0 :
			r->heap[0]->timer - now > INT32_MAX ? INT32_MAX :
			(int)(r->heap[0]->timer - now);
		if (t < 0 || d < t)
			t = d;
	}
	return t;
}

/* Timers that are due: a parked question checks its claim again, any
 * other resolution has reached its deadline (SERVFAIL). */
static void run_timers(struct resolver *r)
{
	uint64_t now = rnow_ms(r);

	while (r->nheap && r->heap[0]->timer <= now) {
		struct rq *q = r->heap[0];

		if (q->stale_at && q->stale_at <= now) {
			/* RFC 8767 §5: the client response timer */
			q->stale_at = 0;
			stale_on_timer(q);
			rq_timer_update(q);
			continue;
		}
		if (q->state == RQ_PARKED && q->park_at <= now && q->park_at < q->deadline) {
			park_check(q);
			continue;
		}
		rq_fail(q, 0, "resolution time limit exceeded");
	}
}

void resolver_tick(struct resolver *r)
{
	struct rq *q, **pp;

	/* the transport's due work: its callbacks only queue replies */
	if (r->io.tick)
		r->io.tick(r->io.ctx);
	run_timers(r);
	while ((q = ready_pop(r)))
		if (q->state != RQ_DONE)
			iter_advance(q);
	/* answer the clients of what finished, then free what no reply can
	 * reach any more (a resolution whose query is out waits for it) */
	while ((q = r->finished)) {
		r->finished = q->fnext;
		q->fnext = NULL;
		rq_respond(q);
		/* free it now, or once the reply no one waits for has come:
		 * only those wait on the dead list (no walk of every
		 * resolution per turn) */
		if (!q->outstanding && !q->in_ready) {
			rq_free(r, q);
		} else {
			q->fnext = r->dead;
			r->dead = q;
		}
	}
	stale_deliver(r);
	for (pp = &r->dead; *pp;) {
		q = *pp;
		if (!q->outstanding && !q->in_ready) {
			*pp = q->fnext;
			rq_free(r, q);
			continue;
		}
		pp = &q->fnext;
	}
}

/* ---- the event log ---- */

uint16_t rq_log_name(struct rq_log *l, const uint8_t *name)
{
	size_t len = wire_name_len(name);

	if (l->last_name != 0xffff && wire_name_equal(l->names + l->last_name, name))
		return l->last_name;
	if (l->names_len + len > sizeof(l->names))
		return 0xffff;     /* full: the event keeps no name */
	memcpy(l->names + l->names_len, name, len);
	l->last_name = (uint16_t)l->names_len;
	l->names_len += len;
	return l->last_name;
}

void rq_log_event(struct rq *q, enum rq_ev_kind kind, const struct cairn_sockaddr *sa,
		  const uint8_t *name, uint16_t qtype, uint8_t rcode, uint32_t rtt_ms,
		  const char *reason)
{
	struct rq_log *l = &q->log;
	struct rq_event *e = &l->ev[l->n % RQ_LOG_MAX];
	uint64_t now = rnow_ms(q->r);

	memset(e, 0, sizeof(*e));
	e->t_ms = now - q->started > UINT32_MAX ? UINT32_MAX : (uint32_t)(now - q->started);
	e->kind = (uint8_t)kind;
	e->rcode = rcode;
	e->qtype = qtype;
	e->rtt_ms = rtt_ms;
	e->reason = reason;
	e->name = name ? rq_log_name(l, name) : 0xffff;
	if (sa && sa->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&sa->ss;
		e->family = AF_INET;
		memcpy(e->addr, &in->sin_addr, 4);
		e->port = ntohs(in->sin_port);
	} else if (sa && sa->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa->ss;
		e->family = AF_INET6;
		memcpy(e->addr, &in6->sin6_addr, 16);
		e->port = ntohs(in6->sin6_port);
	}
	l->n++;
	if (q->parent)
		explain_mirror(q, e);
}

void rq_flags_text(uint16_t flags, char *buf, size_t cap)
{
	static const struct { uint16_t bit; const char *name; } f[] = {
		{ WIRE_FLAG_QR, "qr" }, { WIRE_FLAG_AA, "aa" }, { WIRE_FLAG_TC, "tc" },
		{ WIRE_FLAG_RD, "rd" }, { WIRE_FLAG_RA, "ra" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && len < cap; i++)
		if (flags & f[i].bit)
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "," : "",
						f[i].name);
	if (!len)
		snprintf(buf, cap, "-");
}

void rq_log_reply(struct rq *q, uint16_t flags, size_t size)
{
	struct rq_event *e;

	if (!q->log.n)
		return;
	e = &q->log.ev[(q->log.n - 1) % RQ_LOG_MAX];
	e->flags = flags;
	e->size = size > 65535 ? 65535 : (uint16_t)size;
	if (q->parent)
		explain_mirror(q, NULL);
}

static const char *const ev_names[] = {
	[EV_CACHE] = "cache", [EV_DELEGATION] = "delegation", [EV_PRIME] = "prime",
	[EV_SEND] = "send", [EV_REPLY] = "reply", [EV_TIMEOUT] = "timeout",
	[EV_NETERR] = "network-error", [EV_MISMATCH] = "mismatch",
	[EV_TRUNCATED] = "truncated", [EV_NOEDNS] = "no-edns", [EV_LAME] = "lame",
	[EV_REFERRAL] = "referral", [EV_CNAME] = "cname", [EV_QMIN] = "qname-min",
	[EV_GLUELESS] = "glueless", [EV_PARENT] = "parent", [EV_FAIL] = "fail",
	[EV_DONE] = "done", [EV_STALE] = "stale", [EV_PREFETCH] = "prefetch",
	[EV_VAL_FETCH] = "dnssec-fetch", [EV_VAL_LINK] = "dnssec-link",
	[EV_VAL_DONE] = "dnssec",
};

const char *rq_ev_name(enum rq_ev_kind kind)
{
	return (size_t)kind < sizeof(ev_names) / sizeof(ev_names[0]) && ev_names[kind] ?
	       ev_names[kind] : "?";
}

size_t rq_log_format(const struct rq *q, char *buf, size_t cap)
{
	const struct rq_log *l = &q->log;
	unsigned first = l->n > RQ_LOG_MAX ? l->n - RQ_LOG_MAX : 0;
	size_t len = 0;

	if (!cap)
		return 0;
	buf[0] = '\0';
	if (first)
		len += (size_t)snprintf(buf, cap, "  (%u earlier events not kept)\n", first);
	for (unsigned i = first; i < l->n && len < cap; i++) {
		const struct rq_event *e = &l->ev[i % RQ_LOG_MAX];
		char name[1024] = "", addr[INET6_ADDRSTRLEN] = "", rc[16];

		if (e->name != 0xffff &&
		    wire_name_to_text(l->names + e->name, name, sizeof(name)) != CAIRN_OK)
			name[0] = '\0';
		if (e->family)
			inet_ntop(e->family, e->addr, addr, sizeof(addr));
		/* a sub-resolution's steps: "| " per level (explain) */
		len += (size_t)snprintf(buf + len, cap - len, "  %6u ms %.*s%-13s%s%s%s%s",
					e->t_ms, 2 * e->depth, "| | | | | | | | ",
					ev_names[e->kind], addr[0] ? " " : "", addr,
					name[0] ? " " : "", name);
		if (len < cap && e->qtype)
			len += (size_t)snprintf(buf + len, cap - len, " %s",
						stats_type_name(e->qtype, rc, sizeof(rc)));
		if (len < cap && (e->kind == EV_REPLY || e->kind == EV_DONE || e->kind == EV_LAME ||
				  e->kind == EV_STALE || e->kind == EV_CACHE))
			len += (size_t)snprintf(buf + len, cap - len, " %s",
						stats_rcode_name(e->rcode, rc, sizeof(rc)));
		if (len < cap && e->kind == EV_REPLY) {
			char fl[32];

			rq_flags_text(e->flags, fl, sizeof(fl));
			len += (size_t)snprintf(buf + len, cap - len, " %u ms", e->rtt_ms);
			if (len < cap && e->size)
				len += (size_t)snprintf(buf + len, cap - len, " %u bytes flags %s",
							e->size, fl);
		}
		if (len < cap && e->kind == EV_SEND)
			len += (size_t)snprintf(buf + len, cap - len, " (srtt %u ms)", e->rtt_ms);
		if (len < cap && e->reason)
			len += (size_t)snprintf(buf + len, cap - len, " (%s)", e->reason);
		if (len < cap)
			len += (size_t)snprintf(buf + len, cap - len, "\n");
	}
	if (len >= cap)
		len = cap - 1;
	buf[len] = '\0';
	return len;
}
