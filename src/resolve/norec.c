/* norec: the answer to a query with RD=0. RFC 1034 §4.3.1: recursion is
 * offered only when RD asks for it; a resolver answers such a query with
 * what it already knows (RFC 1034 §4.3.2 applied to the cache). Like
 * unbound for clients allowed to snoop (access-control: allow_snoop): the
 * cached answer, else a referral to the closest delegation the cache holds
 * (NS in authority, their cached addresses in additional; for the root's
 * servers the hints' addresses when none are cached), else one to the
 * root built from the root hints. Nothing is ever sent upstream; nothing
 * is allocated. */
#include "resolve_int.h"

#include <string.h>

#define HINTS_TTL 86400   /* TTL given to the root NS set made from the hints */

static void hints_glue(struct resolver *r, unsigned i, uint8_t *buf, struct acc *a);

/* Adds the cached A and AAAA RRsets of every name in the NS rdata ns
 * (count x (rdlength, name), a copy that the cache lookups leave alone) to
 * the additional section; for the root's servers whose addresses are not
 * cached, those of the hints. buf: room for hints rdata. */
static void add_glue(struct resolver *r, const uint8_t *ns, size_t len, unsigned count,
		     bool root, uint8_t *buf, struct acc *a, uint64_t now)
{
	static const uint16_t types[2] = { WIRE_TYPE_A, WIRE_TYPE_AAAA };
	uint8_t name[WIRE_NAME_MAX];
	struct wire_rrset rs;
	size_t pos = 0;

	for (unsigned i = 0; i < count && pos + 2 <= len; i++) {
		size_t rdlen = wire_get16(ns + pos), nlen;

		if (pos + 2 + rdlen > len)
			break;
		nlen = wire_name_len(ns + pos + 2);
		if (nlen == 0 || nlen > rdlen || nlen > sizeof(name))
			break;
		memcpy(name, ns + pos + 2, nlen);
		wire_name_lower(name);
		pos += 2 + rdlen;
		bool found = false;
		for (int t = 0; t < 2; t++)
			if (cache_get(r->cache, name, types[t], now, r->scratch, sizeof(r->scratch),
				      &rs, NULL) == CACHE_POSITIVE && rs.count) {
				acc_add(a, WIRE_SEC_ADDITIONAL, &rs, rs.ttl);
				found = true;
			}
		for (unsigned h = 0; root && !found && h < r->hints.n; h++)
			if (wire_name_equal(r->hints.ns[h].name, name))
				hints_glue(r, h, buf, a);
	}
}

/* Adds the hints' addresses of root server i (one A and one AAAA RRset)
 * to the additional section; buf is room for their rdata. */
static void hints_glue(struct resolver *r, unsigned i, uint8_t *buf, struct acc *a)
{
	const struct hints_ns *h = &r->hints.ns[i];

	for (int fam = 0; fam < 2; fam++) {
		struct wire_rrset g = { .owner = h->name, .rclass = WIRE_CLASS_IN,
					.ttl = HINTS_TTL, .rdata = buf };
		size_t gl = 0;

		g.type = fam == 0 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;
		for (unsigned j = 0; j < h->naddr; j++) {
			const struct cairn_sockaddr *sa = &h->addr[j];

			if (fam == 0 && sa->ss.ss_family == AF_INET) {
				wire_put16(buf + gl, 4);
				memcpy(buf + gl + 2, &((const struct sockaddr_in *)&sa->ss)->sin_addr, 4);
				gl += 6;
				g.count++;
			} else if (fam == 1 && sa->ss.ss_family == AF_INET6) {
				wire_put16(buf + gl, 16);
				memcpy(buf + gl + 2, &((const struct sockaddr_in6 *)&sa->ss)->sin6_addr,
				       16);
				gl += 18;
				g.count++;
			}
		}
		if (g.count) {
			g.rdata_len = (uint32_t)gl;
			acc_add(a, WIRE_SEC_ADDITIONAL, &g, g.ttl);
		}
	}
}

/* A referral to the root from the hints (the cache knows no delegation). */
static void hints_referral(struct resolver *r, struct acc *a)
{
	static const uint8_t root[1] = { 0 };
	const struct hints *h = &r->hints;
	uint8_t *buf = r->rrbuf;
	struct wire_rrset rs = { .owner = root, .type = WIRE_TYPE_NS,
				 .rclass = WIRE_CLASS_IN, .ttl = HINTS_TTL };
	size_t len = 0;

	for (unsigned i = 0; i < h->n; i++) {
		size_t nlen = wire_name_len(h->ns[i].name);

		wire_put16(buf + len, (uint16_t)nlen);
		memcpy(buf + len + 2, h->ns[i].name, nlen);
		len += 2 + nlen;
		rs.count++;
	}
	if (!rs.count)
		return;
	rs.rdata = buf;
	rs.rdata_len = (uint32_t)len;
	acc_add(a, WIRE_SEC_AUTHORITY, &rs, rs.ttl);
	for (unsigned i = 0; i < h->n; i++)
		hints_glue(r, i, buf + len, a);
}

/* A referral for name from the cache: the closest enclosing NS set. */
static enum resolve_source referral(struct resolver *r, const uint8_t *name, uint16_t qtype,
				    struct acc *a, uint8_t *rcode)
{
	const uint8_t *n = name;
	struct wire_rrset rs;
	enum cache_result res;
	uint64_t now = rnow_s(r);

	/* DS lives in the parent zone (RFC 4035 §3.1.4.1) */
	if (qtype == WIRE_TYPE_DS && n[0])
		n = wire_name_parent(n);
	for (;;) {
		res = cache_get(r->cache, n, WIRE_TYPE_NS, now, r->scratch, sizeof(r->scratch),
				&rs, NULL);
		if (res == CACHE_POSITIVE && rs.count) {
			/* keep the NS names: the glue lookups reuse scratch */
			size_t len = rs.rdata_len <= sizeof(r->rrbuf) ? rs.rdata_len : 0;

			if (acc_add(a, WIRE_SEC_AUTHORITY, &rs, rs.ttl) != CAIRN_OK)
				break;
			memcpy(r->rrbuf, rs.rdata, len);
			add_glue(r, r->rrbuf, len, rs.count,
				 n[0] == 0 && len + HINTS_MAX_ADDR * 18 <= sizeof(r->rrbuf),
				 r->rrbuf + len, a, now);
			*rcode = WIRE_RCODE_NOERROR;
			return RESOLVE_SRC_CACHE;
		}
		/* RFC 8020 §2: nothing exists below a name that does not exist */
		if (res == CACHE_NXDOMAIN && n != name) {
			if (rs.count)
				acc_add(a, WIRE_SEC_AUTHORITY, &rs, rs.ttl);
			*rcode = WIRE_RCODE_NXDOMAIN;
			return RESOLVE_SRC_CACHE;
		}
		if (!n[0])
			break;
		n = wire_name_parent(n);
	}
	hints_referral(r, a);
	*rcode = WIRE_RCODE_NOERROR;
	return RESOLVE_SRC_LOCAL;
}

enum resolve_source norec_answer(struct resolver *r, const struct wire_query *q,
				 struct acc *a, uint8_t *rcode)
{
	uint8_t name[WIRE_NAME_MAX];
	unsigned cnames = 0;

	memcpy(name, q->qname, q->qname_len);
	/* a DO client gets the RRSIGs and proofs the cache holds (RFC 4035
	 * §3.2.1), as from the RD=1 path */
	switch (iter_chain_cache(r, name, q->qtype, &cnames, a, rcode, NULL,
				 r->anchors && q->edns_do, NULL)) {
	case CHAIN_DONE:
		return RESOLVE_SRC_CACHE;
	case CHAIN_FAIL:
		/* a CNAME loop or an over-long chain (RFC 1034 §3.6.2) */
		a->len = 0;
		*rcode = WIRE_RCODE_SERVFAIL;
		return RESOLVE_SRC_LOCAL;
	case CHAIN_MISS:
		break;
	}
	/* The CNAMEs found so far stay in the answer section; the referral is
	 * for the name the chain ends at (RFC 1034 §4.3.2 step 3b). */
	return referral(r, name, q->qtype, a, rcode);
}
