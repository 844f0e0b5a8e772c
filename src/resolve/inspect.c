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

/* lookup's output, text or JSON (cairn-control(8), "lookup"). */
struct lk {
	FILE *out;
	bool json;
	unsigned ns, addrs;      /* NS names begun, addresses of the current one */
};

/* A name as a JSON string (or null when it cannot be shown). */
static void lk_json_name(struct lk *k, const uint8_t *name)
{
	char text[WIRE_NAME_MAX * 4 + 2], js[sizeof(text) * 2 + 3];
	size_t len;

	if (!name || wire_name_to_text(name, text, sizeof(text)) != CAIRN_OK) {
		fputs("null", k->out);
		return;
	}
	len = rq_json_str(js, sizeof(js), 0, text);
	fwrite(js, 1, len < sizeof(js) ? len : 0, k->out);
}

static void lk_begin(struct lk *k, const uint8_t *zone, const char *source)
{
	char text[WIRE_NAME_MAX * 4 + 2];

	if (k->json) {
		fputs("{\"zone\":", k->out);
		lk_json_name(k, zone);
		fprintf(k->out, ",\"source\":\"%s\",\"servers\":[", source);
		return;
	}
	if (wire_name_to_text(zone, text, sizeof(text)) != CAIRN_OK)
		snprintf(text, sizeof(text), "?");
	fprintf(k->out, "delegation %s %s\n", text, source);
}

/* The next NS name (NULL: a forward-zone's addresses). */
static void lk_ns(struct lk *k, const uint8_t *ns)
{
	char text[WIRE_NAME_MAX * 4 + 2];

	if (k->json) {
		fprintf(k->out, "%s{\"name\":", k->ns ? "]}," : "");
		lk_json_name(k, ns);
		fputs(",\"addresses\":[", k->out);
	} else if (ns && wire_name_to_text(ns, text, sizeof(text)) == CAIRN_OK) {
		fprintf(k->out, "ns %s\n", text);
	}
	k->ns++;
	k->addrs = 0;
}

static void lk_end(struct lk *k)
{
	if (k->json)
		fprintf(k->out, "%s]}\n", k->ns ? "]}" : "");
}

/* One server address of lookup's delegation. */
static void lookup_addr(struct resolver *r, const uint8_t *zone,
			const struct cairn_sockaddr *sa, struct lk *k)
{
	const struct server_info *e = servers_peek(&r->servers, sa);
	uint64_t now = rnow_ms(r);
	char text[INET6_ADDRSTRLEN + 16], *hash;
	bool lame = servers_is_lame(&r->servers, zone, sa, now);
	unsigned long long down = e && e->down_until > now ? e->down_until - now : 0;

	cairn_sockaddr_format(sa, text, sizeof(text));
	hash = strrchr(text, '#');
	if (hash)
		*hash = '@';
	if (k->json && e)
		fprintf(k->out, "%s{\"address\":\"%s\",\"rtt_ms\":%u,\"timeouts\":%u,"
			"\"down_ms\":%llu,\"lame\":%s}", k->addrs ? "," : "", text, e->srtt_ms,
			e->timeouts, down, lame ? "true" : "false");
	else if (k->json)
		fprintf(k->out, "%s{\"address\":\"%s\",\"rtt_ms\":null,\"timeouts\":0,"
			"\"down_ms\":0,\"lame\":%s}", k->addrs ? "," : "", text,
			lame ? "true" : "false");
	else if (e)
		fprintf(k->out, "  %s rtt %u timeouts %u down %llu lame %s\n", text, e->srtt_ms,
			e->timeouts, down, lame ? "yes" : "no");
	else
		fprintf(k->out, "  %s rtt unknown lame %s\n", text, lame ? "yes" : "no");
	k->addrs++;
}

void resolver_lookup(struct resolver *r, const uint8_t *name, bool json, FILE *out)
{
	static const uint16_t types[2] = { WIRE_TYPE_A, WIRE_TYPE_AAAA };
	const struct resolver_forward *fwd = NULL;
	uint8_t names[DP_NAMES], zone[WIRE_NAME_MAX];
	size_t nlen = 0, pos = 0;
	const uint8_t *cur = name;
	uint64_t now = rnow_s(r);
	struct wire_rrset rs;
	struct lk k = { .out = out, .json = json };
	unsigned nns = 0;

	for (unsigned i = 0; i < r->cfg.n_forwards; i++)
		if (wire_name_is_subdomain(name, r->cfg.forwards[i].name) &&
		    (!fwd || wire_name_labels(r->cfg.forwards[i].name) > wire_name_labels(fwd->name)))
			fwd = &r->cfg.forwards[i];
	if (fwd) {
		lk_begin(&k, fwd->name, "forward-zone");
		lk_ns(&k, NULL);
		for (unsigned i = 0; i < fwd->naddr; i++)
			lookup_addr(r, fwd->name, &fwd->addr[i], &k);
		lk_end(&k);
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
		lk_begin(&k, (const uint8_t *)"", "root-hints");
		for (unsigned i = 0; i < r->hints.n; i++) {
			lk_ns(&k, r->hints.ns[i].name);
			for (unsigned j = 0; j < r->hints.ns[i].naddr; j++)
				lookup_addr(r, (const uint8_t *)"", &r->hints.ns[i].addr[j], &k);
		}
		lk_end(&k);
		return;
	}
	memcpy(zone, cur, wire_name_len(cur));
	lk_begin(&k, zone, "cache");
	pos = 0;
	for (unsigned i = 0; i < nns; i++) {
		const uint8_t *ns = names + pos;

		pos += wire_name_len(ns);
		lk_ns(&k, ns);
		for (int t = 0; t < 2; t++) {
			size_t off = 0;

			if (cache_get(r->cache, ns, types[t], now, r->scratch, sizeof(r->scratch), &rs,
				      NULL) != CACHE_POSITIVE)
				continue;
			for (unsigned j = 0; j < rs.count && off + 2 <= rs.rdata_len; j++) {
				size_t rdlen = wire_get16(rs.rdata + off);
				struct cairn_sockaddr sa;

				memset(&sa, 0, sizeof(sa));
				if (t == 0 && rdlen == 4) {
					struct sockaddr_in *in = (struct sockaddr_in *)&sa.ss;

					in->sin_family = AF_INET;
					in->sin_port = htons(r->cfg.upstream_port);
					memcpy(&in->sin_addr, rs.rdata + off + 2, 4);
					sa.len = sizeof(*in);
					lookup_addr(r, zone, &sa, &k);
				} else if (t == 1 && rdlen == 16) {
					struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa.ss;

					in6->sin6_family = AF_INET6;
					in6->sin6_port = htons(r->cfg.upstream_port);
					memcpy(&in6->sin6_addr, rs.rdata + off + 2, 16);
					sa.len = sizeof(*in6);
					lookup_addr(r, zone, &sa, &k);
				}
				off += 2 + rdlen;
			}
		}
		if (!k.addrs && !json)
			fprintf(out, "  (no address cached)\n");
	}
	lk_end(&k);
}
