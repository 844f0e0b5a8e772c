/* dp: delegation points -- a zone, its name servers and the addresses
 * that may be asked about it, built from referrals, the cache, the root
 * hints or a forward-zone (doc/ARCHITECTURE.md, "The resolution state
 * machine", FIND_DP and SEND). Addresses are kept compact (struct
 * dp_addr). */
#include "resolve_int.h"

#include <string.h>

static void dp_addr_set(struct dp_addr *d, const struct cairn_sockaddr *sa)
{
	memset(d, 0, sizeof(*d));
	if (sa->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&sa->ss;
		d->family = AF_INET;
		d->port = ntohs(in->sin_port);
		memcpy(d->a, &in->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa->ss;
		d->family = AF_INET6;
		d->port = ntohs(in6->sin6_port);
		d->scope = in6->sin6_scope_id;
		memcpy(d->a, &in6->sin6_addr, 16);
	}
}

void dp_sockaddr(const struct dp *dp, unsigned i, struct cairn_sockaddr *out)
{
	const struct dp_addr *d = &dp->addr[i];

	memset(out, 0, sizeof(*out));
	if (d->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(d->port);
		memcpy(&in->sin_addr, d->a, 4);
		out->len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(d->port);
		in6->sin6_scope_id = d->scope;
		memcpy(&in6->sin6_addr, d->a, 16);
		out->len = sizeof(*in6);
	}
}

void iter_dp_add_addr(struct rq *q, const struct cairn_sockaddr *sa)
{
	struct resolver *r = q->r;
	struct dp *dp = &q->dp;
	struct dp_addr d;
	char buf[128];

	if (!r->cfg.query_loopback && !dp->forward && servers_is_loopback(sa)) {
		struct server_info *e = servers_get(&r->servers, sa, rnow_ms(r));
		if (!e->loopback_logged) {
			e->loopback_logged = true;
			log_info("resolver: not querying %s: a loopback address "
				 "(query-loopback: no)", cairn_sockaddr_format(sa, buf, sizeof(buf)));
		}
		return;
	}
	if (sa->ss.ss_family != AF_INET && sa->ss.ss_family != AF_INET6)
		return;
	dp_addr_set(&d, sa);
	for (unsigned i = 0; i < dp->naddr; i++)
		if (memcmp(&dp->addr[i], &d, sizeof(d)) == 0)
			return;
	if (dp->naddr < DP_MAX_ADDR) {
		dp->tried[dp->naddr] = false;
		dp->addr[dp->naddr++] = d;
	}
}

static void rr_to_addr(struct rq *q, uint16_t type, const uint8_t *rd,
		       struct cairn_sockaddr *sa)
{
	uint16_t port = q->r->cfg.upstream_port ? q->r->cfg.upstream_port : 53;

	memset(sa, 0, sizeof(*sa));
	if (type == WIRE_TYPE_A) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa->ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, rd, 4);
		sa->len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa->ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, rd, 16);
		sa->len = sizeof(*in6);
	}
}

/* Adds the addresses of an A or AAAA RRset to the dp; true if any. */
bool iter_dp_add_rrset(struct rq *q, const struct wire_rrset *rs)
{
	struct cairn_sockaddr sa;
	size_t pos = 0;
	bool any = false;
	size_t want = rs->type == WIRE_TYPE_A ? 4 : 16;

	for (unsigned i = 0; i < rs->count && pos + 2 <= rs->rdata_len; i++) {
		uint16_t l = wire_get16(rs->rdata + pos);
		if (l == want && pos + 2 + l <= rs->rdata_len) {
			rr_to_addr(q, rs->type, rs->rdata + pos + 2, &sa);
			iter_dp_add_addr(q, &sa);
			any = true;
		}
		pos += 2 + l;
	}
	return any;
}

void iter_dp_cached_addrs(struct rq *q, bool all)
{
	struct resolver *r = q->r;
	struct wire_rrset rs;
	uint64_t now = rnow_s(r);
	static const uint16_t types[2] = { WIRE_TYPE_A, WIRE_TYPE_AAAA };

	for (unsigned i = 0; i < q->dp.nns; i++) {
		if (q->dp.ns[i].state == NS_HAVE_ADDR && !all)
			continue;
		for (int t = 0; t < 2; t++)
			if (cache_get(r->cache, dp_ns_name(&q->dp, i), types[t], now, r->scratch,
				      sizeof(r->scratch), &rs, NULL) == CACHE_POSITIVE &&
			    iter_dp_add_rrset(q, &rs))
				q->dp.ns[i].state = NS_HAVE_ADDR;
	}
}

void iter_dp_reset(struct rq *q, const uint8_t *zone)
{
	struct dp *dp = &q->dp;

	dp->forward = false;
	dp->from_cache = false;
	memcpy(dp->zone, zone, wire_name_len(zone));
	dp->nns = 0;
	dp->names_len = 0;
	dp->naddr = 0;
	dp->glueless = 0;
	q->qmin_labels = wire_name_labels(zone) + 1;
}

void iter_dp_add_ns(struct rq *q, const uint8_t *name)
{
	struct dp *dp = &q->dp;

	size_t len = wire_name_len(name);

	for (unsigned i = 0; i < dp->nns; i++)
		if (wire_name_equal(dp_ns_name(dp, i), name))
			return;
	if (dp->nns >= DP_MAX_NS || dp->names_len + len > DP_NAMES)
		return;
	memcpy(dp->names + dp->names_len, name, len);
	wire_name_lower(dp->names + dp->names_len);
	dp->ns[dp->nns].off = (uint16_t)dp->names_len;
	dp->ns[dp->nns].state = NS_NEW;
	dp->names_len += len;
	dp->nns++;
}

void iter_dp_from_ns(struct rq *q, const uint8_t *zone, const struct wire_rrset *rs)
{
	size_t pos = 0;

	iter_dp_reset(q, zone);
	for (unsigned i = 0; i < rs->count && pos + 2 <= rs->rdata_len; i++) {
		iter_dp_add_ns(q, rs->rdata + pos + 2);
		pos += 2 + wire_get16(rs->rdata + pos);
	}
}

void iter_dp_from_hints(struct rq *q)
{
	const struct hints *h = &q->r->hints;
	static const uint8_t root[1] = { 0 };

	iter_dp_reset(q, root);
	for (unsigned i = 0; i < h->n; i++) {
		iter_dp_add_ns(q, h->ns[i].name);
		for (unsigned j = 0; j < h->ns[i].naddr; j++)
			iter_dp_add_addr(q, &h->ns[i].addr[j]);
		if (!h->ns[i].naddr)
			continue;
		for (unsigned k = 0; k < q->dp.nns; k++)
			if (wire_name_equal(dp_ns_name(&q->dp, k), h->ns[i].name))
				q->dp.ns[k].state = NS_HAVE_ADDR;
	}
}

const struct resolver_forward *iter_find_forward(struct resolver *r, const uint8_t *name)
{
	const struct resolver_forward *best = NULL;

	for (unsigned i = 0; i < r->cfg.n_forwards; i++) {
		const struct resolver_forward *f = &r->cfg.forwards[i];
		if (wire_name_is_subdomain(name, f->name) &&
		    (!best || wire_name_labels(f->name) > wire_name_labels(best->name)))
			best = f;
	}
	return best;
}

