/* replay_net: the replay harness's side of the resolver's seams — a
 * scripted network that answers each upstream query from the scenario's
 * RANGEs (or lets it time out), a fake clock, and the run loop that
 * delivers replies and timeouts when they are due. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_int.h"

bool replay_fail(struct replay *rp, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(rp->msg);

	va_start(ap, fmt);
	if (n < rp->msglen)
		vsnprintf(rp->msg + n, rp->msglen - n, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- the network seam ---- */

/* The entry that answers a query: the first of the first RANGE covering
 * the step and the server whose MATCH fits (and whose times=N is not used
 * up). */
static const struct rpl_entry *find_entry(struct replay *rp, const struct cairn_sockaddr *sa,
					  bool tcp, const uint8_t *pkt, size_t len)
{
	char why[256];

	for (const struct rpl_range *r = rp->s->ranges; r; r = r->next) {
		bool here = false;
		if (rp->step < r->from || rp->step > r->to)
			continue;
		for (unsigned i = 0; i < r->naddr && !here; i++)
			here = rpl_addr_is(&r->addr[i], sa);
		if (!here)
			continue;
		for (struct rpl_entry *e = r->entries; e; e = e->next)
			if ((!e->times || e->used < e->times) &&
			    rpl_match(e, pkt, len, tcp, why, sizeof(why))) {
				e->used++;
				return e;
			}
	}
	return NULL;
}

static cairn_err io_send(void *ctx, const struct cairn_sockaddr *server, bool tcp,
			 uint16_t udp_size, const uint8_t *pkt, size_t len,
			 resolver_reply_fn fn, void *arg)
{
	struct replay *rp = ctx;
	const struct rpl_entry *e;
	struct pend *p, **pp;
	struct sent *s;

	(void)udp_size;
	if (rp->nsent == rp->sent_cap) {
		size_t cap = rp->sent_cap ? rp->sent_cap * 2 : 64;
		struct sent *n = realloc(rp->sent, cap * sizeof(*n));
		if (!n)
			return CAIRN_ENOMEM;
		rp->sent = n;
		rp->sent_cap = cap;
	}
	p = calloc(1, sizeof(*p));
	s = &rp->sent[rp->nsent];
	s->pkt = malloc(len);
	if (!p || !s->pkt) {
		free(p);
		free(s->pkt);
		return CAIRN_ENOMEM;
	}
	memcpy(s->pkt, pkt, len);
	s->len = len;
	s->tcp = tcp;
	cairn_sockaddr_format(server, s->server, sizeof(s->server));
	rp->nsent++;
	p->seq = rp->seq++;
	p->fn = fn;
	p->arg = arg;
	p->due = rp->now + rp->upstream_timeout_ms;
	e = find_entry(rp, server, tcp, pkt, len);
	if (e && rpl_reply(e, pkt, len, &p->reply, &p->reply_len) != CAIRN_OK) {
		replay_fail(rp, "step %u: cannot build the reply of the entry on line %u\n", rp->step,
		     e->line);
		e = NULL;
	}
	if (e && (p->reply_len < 2 || memcmp(p->reply, pkt, 2) != 0)) {
		/* c-ares only delivers a reply with the query's ID (no
		 * copy_id): the resolver never sees it, the query times out */
		rp->dropped++;
		free(p->reply);
		p->reply = NULL;
	} else if (e) {
		p->due = rp->now + e->sleep_ms;
	}
	if (rp->verbose) {
		char *q = rpl_pkt_str(pkt, len);
		fprintf(stderr, "replay: t=%llu step %u: query to %s%s (%s):\n%s\n",
			(unsigned long long)(rp->now - REPLAY_START_MS), rp->step, s->server,
			tcp ? " over TCP" : "",
			p->reply ? "answered" : e ? "dropped: wrong ID" : "no entry: timeout", q);
		free(q);
	}
	for (pp = &rp->pend; *pp; pp = &(*pp)->next)
		;
	*pp = p;
	return CAIRN_OK;
}

static uint64_t io_now(void *ctx)
{
	return ((struct replay *)ctx)->now;
}

/* The wall clock (RRSIG validity): the scenario's val-override-date, or
 * REPLAY_WALL_BASE, at the fake clock's start, moving with it. */
static uint64_t io_wall(void *ctx)
{
	struct replay *rp = ctx;
	uint64_t base = rp->s->wall_base ? rp->s->wall_base : REPLAY_WALL_BASE;

	return base + (rp->now - REPLAY_START_MS) / 1000;
}

/* The earliest pending exchange, or NULL. */
static struct pend **earliest(struct replay *rp)
{
	struct pend **best = NULL;

	for (struct pend **pp = &rp->pend; *pp; pp = &(*pp)->next)
		if (!best || (*pp)->due < (*best)->due ||
		    ((*pp)->due == (*best)->due && (*pp)->seq < (*best)->seq))
			best = pp;
	return best;
}

static int io_timeout(void *ctx)
{
	struct replay *rp = ctx;
	struct pend **b = earliest(rp);

	if (!b)
		return -1;
	return (*b)->due <= rp->now ? 0 : (int)((*b)->due - rp->now);
}

/* Delivers the earliest exchange that is due (reply or timeout), outside
 * any resolver call. Returns false when none is due. */
static bool deliver_one(struct replay *rp)
{
	struct pend **b = earliest(rp), *p;

	if (!b || (*b)->due > rp->now)
		return false;
	p = *b;
	*b = p->next;
	rp->in_reply = true;
	if (p->reply)
		p->fn(p->arg, CAIRN_OK, p->reply, p->reply_len);
	else
		p->fn(p->arg, CAIRN_ELIMIT, NULL, 0);
	rp->in_reply = false;
	free(p->reply);
	free(p);
	return true;
}

/* The transport's due work: timeouts (replies are delivered by the loop,
 * as a real transport delivers them from socket events). */
static void io_tick(void *ctx)
{
	struct replay *rp = ctx;
	struct pend **b;

	while ((b = earliest(rp)) && (*b)->due <= rp->now && !(*b)->reply)
		deliver_one(rp);
}

/* The resolver is being freed: pending replies are dropped. */
static void io_free(void *ctx)
{
	struct replay *rp = ctx;

	while (rp->pend) {
		struct pend *p = rp->pend;
		rp->pend = p->next;
		free(p->reply);
		free(p);
	}
}

/* ---- the loop ---- */

bool replay_run(struct replay *rp, bool (*stop)(struct replay *), uint64_t until,
		const char *what)
{
	uint64_t start = rp->now;

	for (unsigned it = 0; it < REPLAY_MAX_ITER; it++) {
		int t;
		uint64_t next = 0;
		struct pend **b;

		if (stop && stop(rp))
			return true;
		t = resolver_timeout_ms(rp->r);
		if (t == 0) {
			resolver_tick(rp->r);
			if (stop && stop(rp))
				return true;
		}
		if (deliver_one(rp))
			continue;
		if (t == 0) {
			/* tick ran and nothing was due on the network: make
			 * sure time can move (tick may be due again at once) */
			t = resolver_timeout_ms(rp->r);
			if (t == 0)
				t = 1;
		}
		b = earliest(rp);
		if (b)
			next = (*b)->due;
		if (t > 0 && (!next || rp->now + (uint64_t)t < next))
			next = rp->now + (uint64_t)t;
		if (until && (!next || next > until)) {
			rp->now = until;
			return true;
		}
		if (!next)
			return until ? true : replay_fail(rp, "%s: the resolver went idle\n", what);
		if (!until && next - start > REPLAY_MAX_WAIT)
			return replay_fail(rp, "%s: nothing after %llu s of fake time\n", what,
				    (unsigned long long)(REPLAY_MAX_WAIT / 1000));
		if (next > rp->now)
			rp->now = next;
	}
	return replay_fail(rp, "%s: the loop did not settle in %u turns\n", what, REPLAY_MAX_ITER);
}


void replay_io(struct replay *rp, struct resolver_io *io)
{
	memset(io, 0, sizeof(*io));
	io->ctx = rp;
	io->send = io_send;
	io->now_ms = io_now;
	io->timeout_ms = io_timeout;
	io->tick = io_tick;
	io->free = io_free;
	io->wall_s = io_wall;
	io->seed = REPLAY_SEED;
}
