/* servers: what one worker knows about upstream server addresses —
 * smoothed RTT, lame and down marks, EDNS support, unreachable address
 * families — and the choice of the next server to query. */
#include "resolve_int.h"

#include <string.h>

#define RTT_UNKNOWN_MS   376       /* like Unbound's UNKNOWN_SERVER_NICENESS */
#define RTT_MAX_MS       120000
#define LAME_MS          (10 * 60 * 1000)
#define DOWN_MS          (60 * 1000)
#define FAMILY_DOWN_MS   (5 * 60 * 1000)
#define EXPLORE_PERCENT  5

uint64_t servers_random(struct servers *s)
{
	/* xorshift64*, seeded from getrandom() by the resolver */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1DULL;
}

void servers_init(struct servers *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

static bool same(const struct cairn_sockaddr *a, const struct cairn_sockaddr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

struct server_info *servers_get(struct servers *s, const struct cairn_sockaddr *sa,
				uint64_t now)
{
	struct server_info *victim = NULL;

	for (unsigned i = 0; i < SERVERS_MAX; i++) {
		struct server_info *e = &s->tab[i];
		if (e->used && same(&e->sa, sa))
			return e;
		if (!victim)
			victim = e;
		else if (victim->used && (!e->used || e->last_used < victim->last_used))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->sa = *sa;
	/* a little jitter so equal strangers are not always tried in order */
	victim->srtt_ms = RTT_UNKNOWN_MS + (uint32_t)(servers_random(s) % 25);
	victim->last_used = now;
	return victim;
}

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
static int pick(struct servers *s, const struct cairn_sockaddr *cand, const bool *tried,
		unsigned n, uint64_t now, bool any_family)
{
	int best = -1, usable[64];
	unsigned nusable = 0;
	uint32_t best_rtt = 0;

	for (unsigned i = 0; i < n; i++) {
		struct server_info *e;

		if (tried[i] || (!any_family && family_down(s, &cand[i], now)))
			continue;
		e = servers_get(s, &cand[i], now);
		if (e->lame_until > now || e->down_until > now)
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

int servers_select(struct servers *s, const struct cairn_sockaddr *cand,
		   const bool *tried, unsigned n, uint64_t now)
{
	/* A family that failed with no route is avoided while a server of
	 * the other family is usable; when none is, it is tried all the same
	 * (a failure there costs no waiting: it fails at once). */
	int best = pick(s, cand, tried, n, now, false);

	if (best < 0)
		best = pick(s, cand, tried, n, now, true);
	if (best >= 0)
		servers_get(s, &cand[best], now)->last_used = now;
	return best;
}

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

	e->timeouts++;
	e->srtt_ms = e->srtt_ms * 2 + 1000 > RTT_MAX_MS ? RTT_MAX_MS : e->srtt_ms * 2 + 1000;
	/* after repeated silence leave it alone for a while */
	if (e->timeouts >= 2)
		e->down_until = now + DOWN_MS;
}

void servers_lame(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now)
{
	servers_get(s, sa, now)->lame_until = now + LAME_MS;
}

void servers_unreachable(struct servers *s, const struct cairn_sockaddr *sa, uint64_t now)
{
	struct server_info *e = servers_get(s, sa, now);

	e->down_until = now + DOWN_MS;
	/* No route: avoid the whole family instead of waiting on it. */
	if (sa->ss.ss_family == AF_INET6)
		s->v6_down_until = now + FAMILY_DOWN_MS;
	else
		s->v4_down_until = now + FAMILY_DOWN_MS;
}
