/* servers: the infra cache (doc/ARCHITECTURE.md, "The infra cache") —
 * what one worker knows about upstream servers:
 *  - per address: smoothed RTT, consecutive timeouts and their back-off,
 *    EDNS support, unwanted (mismatched) replies and a TCP-only period;
 *  - per (zone, address): lameness, with a back-off that starts at
 *    seconds, doubles with each new mark and is cleared by a good answer
 *    (keyed like Unbound's infra cache: one server answering REFUSED for
 *    one zone harms no other zone it serves);
 *  - per address family: unreachable (no route).
 * Both tables are hash tables with LRU eviction, bounded in entries, and
 * allocate only when a new server or lame mark is recorded. */
#include "resolve_int.h"

#include <stdlib.h>
#include <string.h>

#define RTT_UNKNOWN_MS   376       /* like Unbound's UNKNOWN_SERVER_NICENESS */
#define RTT_MAX_MS       120000
#define DOWN_MIN_MS      5000      /* silent twice: left alone, then doubling */
#define DOWN_MAX_MS      (120 * 1000)
#define LAME_MIN_MS      5000      /* first lame mark for a zone */
#define LAME_MAX_MS      (15 * 60 * 1000)   /* Unbound's infra-lame-ttl */
#define TCP_ONLY_MS      (15 * 60 * 1000)   /* after too many unwanted replies */
#define FAMILY_DOWN_MS   (5 * 60 * 1000)
#define EXPLORE_PERCENT  5

uint64_t servers_random(struct servers *s)
{
	/* xorshift64*, seeded from getrandom() (or the test's seed) */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

/* ---- a small intrusive hash table with LRU order ---- */

static cairn_err ltab_init(struct ltab *t, unsigned max)
{
	size_t nb = 16;

	while (nb < (size_t)max * 2)
		nb *= 2;
	t->b = calloc(nb, sizeof(*t->b));
	if (!t->b)
		return CAIRN_ENOMEM;
	t->nb = nb;
	t->n = 0;
	t->max = max ? max : 1;
	t->lru.prev = t->lru.next = &t->lru;
	return CAIRN_OK;
}

static void lru_unlink(struct lnode *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

/* Makes n the most recently used. */
static void lru_touch(struct ltab *t, struct lnode *n)
{
	lru_unlink(n);
	n->prev = t->lru.prev;
	n->next = &t->lru;
	t->lru.prev->next = n;
	t->lru.prev = n;
}

static void ltab_remove(struct ltab *t, struct lnode *n)
{
	struct lnode **pp = &t->b[n->hash & (t->nb - 1)];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	lru_unlink(n);
	t->n--;
	free(n);
}

/* Adds n (hash set); evicts the least recently used beyond max. */
static void ltab_add(struct ltab *t, struct lnode *n)
{
	struct lnode **b = &t->b[n->hash & (t->nb - 1)];

	if (t->n >= t->max && t->lru.next != &t->lru)
		ltab_remove(t, t->lru.next);
	n->hnext = *b;
	*b = n;
	n->prev = n->next = n;
	lru_touch(t, n);
	t->n++;
}

static void ltab_free(struct ltab *t)
{
	while (t->b && t->lru.next != &t->lru)
		ltab_remove(t, t->lru.next);
	free(t->b);
	t->b = NULL;
}

/* ---- per address ---- */

static uint64_t addr_hash(const struct cairn_sockaddr *sa)
{
	return wire_name_hash((const uint8_t *)&sa->ss, sa->len);
}

static bool same(const struct cairn_sockaddr *a, const struct cairn_sockaddr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

cairn_err servers_init(struct servers *s, uint64_t seed, unsigned max_hosts,
		       unsigned max_lame)
{
	cairn_err err;

	memset(s, 0, sizeof(*s));
	s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	err = ltab_init(&s->hosts, max_hosts);
	if (err == CAIRN_OK)
		err = ltab_init(&s->lame, max_lame);
	if (err != CAIRN_OK)
		servers_free(s);
	return err;
}

void servers_free(struct servers *s)
{
	ltab_free(&s->hosts);
	ltab_free(&s->lame);
}

static struct server_info *find_host(struct servers *s, const struct cairn_sockaddr *sa,
				     uint64_t h)
{
	for (struct lnode *n = s->hosts.b[h & (s->hosts.nb - 1)]; n; n = n->hnext) {
		struct server_info *e = (struct server_info *)n;
		if (n->hash == h && same(&e->sa, sa))
			return e;
	}
	return NULL;
}

struct server_info *servers_get(struct servers *s, const struct cairn_sockaddr *sa,
				uint64_t now)
{
	uint64_t h = addr_hash(sa);
	struct server_info *e = find_host(s, sa, h);

	if (e) {
		lru_touch(&s->hosts, &e->node);
		return e;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		/* out of memory: a scratch entry that remembers nothing */
		e = &s->spare;
		memset(e, 0, sizeof(*e));
	} else {
		e->node.hash = h;
		ltab_add(&s->hosts, &e->node);
	}
	e->sa = *sa;
	/* a little jitter so equal strangers are not always tried in order */
	e->srtt_ms = RTT_UNKNOWN_MS + (uint32_t)(servers_random(s) % 25);
	e->last_used = now;
	return e;
}

unsigned servers_count(const struct servers *s)
{
	return (unsigned)s->hosts.n;
}

/* ---- per (zone, address) ---- */

static uint64_t lame_hash(const uint8_t *zone, const struct cairn_sockaddr *sa)
{
	return wire_name_hash(zone, wire_name_len(zone)) * 31 + addr_hash(sa);
}

static struct lame_info *find_lame(struct servers *s, const uint8_t *zone,
				   const struct cairn_sockaddr *sa)
{
	uint64_t h = lame_hash(zone, sa);

	for (struct lnode *n = s->lame.b[h & (s->lame.nb - 1)]; n; n = n->hnext) {
		struct lame_info *l = (struct lame_info *)n;
		if (n->hash == h && same(&l->sa, sa) && wire_name_equal(l->zone, zone))
			return l;
	}
	return NULL;
}

bool servers_is_lame(struct servers *s, const uint8_t *zone,
		     const struct cairn_sockaddr *sa, uint64_t now)
{
	struct lame_info *l = find_lame(s, zone, sa);

	return l && l->until > now;
}

void servers_lame(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *sa,
		  uint64_t now)
{
	struct lame_info *l = find_lame(s, zone, sa);
	size_t zlen = wire_name_len(zone);
	uint64_t ms;

	s->lame_total++;
	if (!l) {
		l = calloc(1, sizeof(*l) + zlen);
		if (!l)
			return;    /* not remembered: asked again next time */
		l->sa = *sa;
		memcpy(l->zone, zone, zlen);
		l->node.hash = lame_hash(zone, sa);
		ltab_add(&s->lame, &l->node);
	} else {
		lru_touch(&s->lame, &l->node);
	}
	/* back-off: 5 s, 10 s, 20 s, ... up to 15 minutes */
	ms = (uint64_t)LAME_MIN_MS << (l->level < 16 ? l->level : 16);
	if (ms > LAME_MAX_MS)
		ms = LAME_MAX_MS;
	else
		l->level++;
	l->until = now + ms;
}

void servers_good(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *sa)
{
	struct lame_info *l = find_lame(s, zone, sa);

	if (l)
		ltab_remove(&s->lame, &l->node);
}

unsigned servers_lame_count(const struct servers *s)
{
	return (unsigned)s->lame.n;
}

/* ---- selection ---- */

bool servers_is_loopback(const struct cairn_sockaddr *sa)
{
	if (sa->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&sa->ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa->ss;
		const uint8_t *a = in6->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return memcmp(a, mapped, 12) == 0 && a[12] == 127;
	}
	return false;
}

static bool family_down(const struct servers *s, const struct cairn_sockaddr *sa,
			uint64_t now)
{
	return (sa->ss.ss_family == AF_INET6 ? s->v6_down_until : s->v4_down_until) > now;
}

/* One pass of servers_select; with any_family, also servers of a family
 * marked unreachable. */
static int pick(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *cand,
		const bool *tried, unsigned n, uint64_t now, bool any_family)
{
	int best = -1, usable[64];
	unsigned nusable = 0;
	uint32_t best_rtt = 0;

	for (unsigned i = 0; i < n; i++) {
		struct server_info *e;

		if (tried[i] || (!any_family && family_down(s, &cand[i], now)))
			continue;
		if (servers_is_lame(s, zone, &cand[i], now))
			continue;
		e = servers_get(s, &cand[i], now);
		if (e->down_until > now)
			continue;
		if (nusable < 64)
			usable[nusable++] = (int)i;
		if (best < 0 || e->srtt_ms < best_rtt) {
			best = (int)i;
			best_rtt = e->srtt_ms;
		}
	}
	/* occasional exploration so a server that got better is noticed */
	if (nusable > 1 && servers_random(s) % 100 < EXPLORE_PERCENT)
		best = usable[servers_random(s) % nusable];
	return best;
}

int servers_select(struct servers *s, const uint8_t *zone, const struct cairn_sockaddr *cand,
		   const bool *tried, unsigned n, uint64_t now)
{
	/* A family that failed with no route is avoided while a server of
	 * the other family is usable; when none is, it is tried all the same
	 * (a failure there costs no waiting: it fails at once). */
	int best = pick(s, zone, cand, tried, n, now, false);

	if (best < 0)
		best = pick(s, zone, cand, tried, n, now, true);
	if (best >= 0)
		servers_get(s, &cand[best], now)->last_used = now;
	return best;
}

/* ---- what replies teach ---- */

void servers_rtt(struct servers *s, const struct cairn_sockaddr *sa, uint32_t ms,
		 uint64_t now)
{
	struct server_info *e = servers_get(s, sa, now);

	/* Jacobson-style smoothing, 1/8 gain; first sample replaces the guess */
	if (e->timeouts || e->srtt_ms >= RTT_UNKNOWN_MS)
		e->srtt_ms = ms;
	else
		e->srtt_ms = (e->srtt_ms * 7 + ms) / 8;
	e->timeouts = 0;
	e->down_until = 0;
	if (sa->ss.ss_family == AF_INET6)
		s->v6_down_until = 0;
	else
		s->v4_down_until = 0;
}

void servers_timeout(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now)
{
	struct server_info *e = servers_get(s, sa, now);
	uint64_t ms;

	e->timeouts++;
	e->srtt_ms = e->srtt_ms * 2 + 1000 > RTT_MAX_MS ? RTT_MAX_MS : e->srtt_ms * 2 + 1000;
	/* after repeated silence leave it alone for a while, longer each
	 * time; a timeout is never lameness (it says nothing of the zone) */
	if (e->timeouts >= 2) {
		unsigned k = e->timeouts - 2;
		ms = (uint64_t)DOWN_MIN_MS << (k < 16 ? k : 16);
		e->down_until = now + (ms > DOWN_MAX_MS ? DOWN_MAX_MS : ms);
	}
}

void servers_unreachable(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now)
{
	struct server_info *e = servers_get(s, sa, now);

	e->down_until = now + DOWN_MIN_MS;
	/* No route: avoid the whole family instead of waiting on it. */
	if (sa->ss.ss_family == AF_INET6)
		s->v6_down_until = now + FAMILY_DOWN_MS;
	else
		s->v4_down_until = now + FAMILY_DOWN_MS;
}

bool servers_unwanted(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now,
		      unsigned threshold)
{
	struct server_info *e = servers_get(s, sa, now);

	s->unwanted_total++;
	if (!threshold || ++e->unwanted < threshold)
		return false;
	/* Like Unbound's unwanted-reply-threshold: someone is trying to
	 * spoof this server's replies; TCP cannot be spoofed off-path. */
	e->unwanted = 0;
	e->tcp_until = now + TCP_ONLY_MS;
	if (!e->unwanted_logged) {
		e->unwanted_logged = true;
		return true;
	}
	return false;
}

bool servers_tcp_only(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now)
{
	return servers_get(s, sa, now)->tcp_until > now;
}

/* ---- looking and forgetting (cairn-control infra, flush-infra) ---- */

/* Same IP address, whatever the port. */
static bool same_ip(const struct cairn_sockaddr *a, const struct cairn_sockaddr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
	return false;
}

static uint64_t left(uint64_t until, uint64_t now)
{
	return until > now ? until - now : 0;
}

void servers_walk(struct servers *s, const struct cairn_sockaddr *only, uint64_t now,
		  void (*fn)(void *ctx, const struct resolver_infra *e), void *ctx)
{
	for (struct lnode *n = s->hosts.lru.next; n != &s->hosts.lru; n = n->next) {
		const struct server_info *h = (const struct server_info *)n;
		struct resolver_infra e = { .sa = h->sa };

		if (only && !same_ip(only, &h->sa))
			continue;
		e.srtt_ms = h->srtt_ms;
		e.timeouts = h->timeouts;
		e.down_ms = left(h->down_until, now);
		e.tcp_only_ms = left(h->tcp_until, now);
		e.noedns = h->noedns;
		fn(ctx, &e);
	}
	for (struct lnode *n = s->lame.lru.next; n != &s->lame.lru; n = n->next) {
		const struct lame_info *l = (const struct lame_info *)n;
		struct resolver_infra e = { .lame = true, .sa = l->sa, .zone = l->zone };

		if ((only && !same_ip(only, &l->sa)) || l->until <= now)
			continue;
		e.lame_ms = l->until - now;
		fn(ctx, &e);
	}
}

unsigned servers_forget(struct servers *s, const struct cairn_sockaddr *only)
{
	unsigned n = 0;
	struct ltab *tabs[2] = { &s->hosts, &s->lame };

	for (int t = 0; t < 2; t++) {
		for (struct lnode *x = tabs[t]->lru.next, *next; x != &tabs[t]->lru; x = next) {
			/* both entry kinds start with their node, then the address */
			const struct cairn_sockaddr *sa = t ? &((struct lame_info *)x)->sa
							    : &((struct server_info *)x)->sa;

			next = x->next;
			if (only && !same_ip(only, sa))
				continue;
			ltab_remove(tabs[t], x);
			n++;
		}
	}
	if (!only)
		s->v4_down_until = s->v6_down_until = 0;
	return n;
}

const struct server_info *servers_peek(struct servers *s, const struct cairn_sockaddr *sa)
{
	return find_host(s, sa, addr_hash(sa));
}
