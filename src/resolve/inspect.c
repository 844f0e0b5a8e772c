/* inspect: what cairn-control asks a worker's resolver, on that worker's
 * thread (src/server/infra.c hands the requests over): its infra cache
 * (infra, flush-infra) and the delegation it would use for a name
 * (lookup). Reads only, except flush-infra. */
#include "resolve_int.h"

#include <stdio.h>
#include <string.h>

void resolver_infra(struct resolver *r, const struct cairn_sockaddr *only,
		    void (*fn)(void *ctx, const struct resolver_infra *e), void *ctx)
{
	servers_walk(&r->servers, only, rnow_ms(r), fn, ctx);
}

unsigned resolver_flush_infra(struct resolver *r, const struct cairn_sockaddr *only)
{
	return servers_forget(&r->servers, only);
}

/* One server address of lookup's delegation, as a line. */
static void lookup_addr(struct resolver *r, const uint8_t *zone,
			const struct cairn_sockaddr *sa, FILE *out)
{
	const struct server_info *e = servers_peek(&r->servers, sa);
	uint64_t now = rnow_ms(r);
	char text[INET6_ADDRSTRLEN + 16], *hash;

	cairn_sockaddr_format(sa, text, sizeof(text));
	hash = strrchr(text, '#');
	if (hash)
		*hash = '@';
	if (e)
		fprintf(out, "  %s rtt %u timeouts %u down %llu lame %s\n", text, e->srtt_ms,
			e->timeouts,
			(unsigned long long)(e->down_until > now ? e->down_until - now : 0),
			servers_is_lame(&r->servers, zone, sa, now) ? "yes" : "no");
	else
		fprintf(out, "  %s rtt unknown lame %s\n", text,
			servers_is_lame(&r->servers, zone, sa, now) ? "yes" : "no");
}

void resolver_lookup(struct resolver *r, const uint8_t *name, FILE *out)
{
	static const uint16_t types[2] = { WIRE_TYPE_A, WIRE_TYPE_AAAA };
	const struct resolver_forward *fwd = NULL;
	uint8_t names[DP_NAMES], zone[WIRE_NAME_MAX];
	size_t nlen = 0, pos = 0;
	const uint8_t *cur = name;
	uint64_t now = rnow_s(r);
	struct wire_rrset rs;
	char text[WIRE_NAME_MAX * 4 + 2];
	unsigned nns = 0;

	for (unsigned i = 0; i < r->cfg.n_forwards; i++)
		if (wire_name_is_subdomain(name, r->cfg.forwards[i].name) &&
		    (!fwd || wire_name_labels(r->cfg.forwards[i].name) > wire_name_labels(fwd->name)))
			fwd = &r->cfg.forwards[i];
	if (fwd) {
		wire_name_to_text(fwd->name, text, sizeof(text));
		fprintf(out, "delegation %s forward-zone\n", text);
		for (unsigned i = 0; i < fwd->naddr; i++)
			lookup_addr(r, fwd->name, &fwd->addr[i], out);
		return;
	}
	/* the closest cached NS set, as a resolution's FIND_DP step takes it */
	for (;;) {
		if (cache_get(r->cache, cur, WIRE_TYPE_NS, now, r->scratch, sizeof(r->scratch),
			      &rs, NULL) == CACHE_POSITIVE && rs.count) {
			for (unsigned i = 0; i < rs.count && pos + 2 <= rs.rdata_len; i++) {
				size_t l = wire_name_len(rs.rdata + pos + 2);

				if (nlen + l <= sizeof(names)) {
					memcpy(names + nlen, rs.rdata + pos + 2, l);
					wire_name_lower(names + nlen);  /* the cache's keys */
					nlen += l;
					nns++;
				}
				pos += 2 + wire_get16(rs.rdata + pos);
			}
			break;
		}
		if (!cur[0])
			break;
		cur = wire_name_parent(cur);
	}
	if (!nns) {
		fprintf(out, "delegation . root-hints\n");
		for (unsigned i = 0; i < r->hints.n; i++) {
			wire_name_to_text(r->hints.ns[i].name, text, sizeof(text));
			fprintf(out, "ns %s\n", text);
			for (unsigned j = 0; j < r->hints.ns[i].naddr; j++)
				lookup_addr(r, (const uint8_t *)"", &r->hints.ns[i].addr[j], out);
		}
		return;
	}
	memcpy(zone, cur, wire_name_len(cur));
	wire_name_to_text(zone, text, sizeof(text));
	fprintf(out, "delegation %s cache\n", text);
	pos = 0;
	for (unsigned i = 0; i < nns; i++) {
		const uint8_t *ns = names + pos;
		unsigned found = 0;

		pos += wire_name_len(ns);
		wire_name_to_text(ns, text, sizeof(text));
		fprintf(out, "ns %s\n", text);
		for (int t = 0; t < 2; t++) {
			size_t off = 0;

			if (cache_get(r->cache, ns, types[t], now, r->scratch, sizeof(r->scratch), &rs,
				      NULL) != CACHE_POSITIVE)
				continue;
			for (unsigned k = 0; k < rs.count && off + 2 <= rs.rdata_len; k++) {
				size_t rdlen = wire_get16(rs.rdata + off);
				struct cairn_sockaddr sa;

				memset(&sa, 0, sizeof(sa));
				if (t == 0 && rdlen == 4) {
					struct sockaddr_in *in = (struct sockaddr_in *)&sa.ss;

					in->sin_family = AF_INET;
					in->sin_port = htons(r->cfg.upstream_port);
					memcpy(&in->sin_addr, rs.rdata + off + 2, 4);
					sa.len = sizeof(*in);
					lookup_addr(r, zone, &sa, out);
					found++;
				} else if (t == 1 && rdlen == 16) {
					struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa.ss;

					in6->sin6_family = AF_INET6;
					in6->sin6_port = htons(r->cfg.upstream_port);
					memcpy(&in6->sin6_addr, rs.rdata + off + 2, 16);
					sa.len = sizeof(*in6);
					lookup_addr(r, zone, &sa, out);
					found++;
				}
				off += 2 + rdlen;
			}
		}
		if (!found)
			fprintf(out, "  (no address cached)\n");
	}
}
