/* localzone: the special-use and locally served zones the resolver answers
 * itself instead of asking the Internet (RFC 6761, RFC 6303, RFC 7686,
 * RFC 8375), with the contents unbound gives its default local zones, so
 * that both answer alike. The table is compiled once per resolver; the
 * lookup and the answer allocate nothing (hot path). */
#include "resolve_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LZ_TTL 10800   /* RFC 6303 §3: SOA TTL and negative TTL of 3 hours */

/* The default zones, as unbound.conf(5) lists them. ptr: the one name of
 * the zone with a PTR to localhost. (the loopback reverse zones). */
static const struct {
	const char *name;
	enum lz_kind kind;
	const char *ptr;
} fixed[] = {
	/* RFC 6761 §6.3: localhost. and every name below it is the loopback
	 * host (unbound's "redirect" zone) */
	{ "localhost", LZ_REDIRECT, NULL },
	/* RFC 6761 §6.4 invalid., §6.2 test.: caching servers SHOULD NOT look
	 * them up (unbound serves both as empty zones); RFC 7686 §2 onion.;
	 * RFC 8375 §6 home.arpa. */
	{ "test", LZ_STATIC, NULL },
	{ "invalid", LZ_STATIC, NULL },
	{ "onion", LZ_STATIC, NULL },
	{ "home.arpa", LZ_STATIC, NULL },
	/* RFC 6303 §4.2 (RFC 5735: this network, loopback, link local, the
	 * TEST-NETs, broadcast) */
	{ "127.in-addr.arpa", LZ_STATIC, "1.0.0.127.in-addr.arpa" },
	{ "0.in-addr.arpa", LZ_STATIC, NULL },
	{ "254.169.in-addr.arpa", LZ_STATIC, NULL },
	{ "2.0.192.in-addr.arpa", LZ_STATIC, NULL },
	{ "100.51.198.in-addr.arpa", LZ_STATIC, NULL },
	{ "113.0.203.in-addr.arpa", LZ_STATIC, NULL },
	{ "255.255.255.255.in-addr.arpa", LZ_STATIC, NULL },
	/* RFC 6303 §4.1: RFC 1918 (16-31.172 are added below) */
	{ "10.in-addr.arpa", LZ_STATIC, NULL },
	{ "168.192.in-addr.arpa", LZ_STATIC, NULL },
	/* RFC 6303 §4.4 ULA, §4.5 link local, §4.6 the documentation prefix */
	{ "d.f.ip6.arpa", LZ_STATIC, NULL },
	{ "8.e.f.ip6.arpa", LZ_STATIC, NULL },
	{ "9.e.f.ip6.arpa", LZ_STATIC, NULL },
	{ "a.e.f.ip6.arpa", LZ_STATIC, NULL },
	{ "b.e.f.ip6.arpa", LZ_STATIC, NULL },
	{ "8.b.d.0.1.0.0.2.ip6.arpa", LZ_STATIC, NULL },
};

static cairn_err add(struct localzones *lz, const char *text, enum lz_kind kind,
		     const char *ptr)
{
	uint8_t tmp[WIRE_NAME_MAX];
	struct lz_entry *e;
	size_t len;

	if (lz->n >= LZ_MAX)
		return CAIRN_ELIMIT;
	e = &lz->e[lz->n];
	memset(e, 0, sizeof(*e));
	if (wire_name_from_text(text, NULL, tmp, &len) != CAIRN_OK || len > LZ_NAME_MAX)
		return CAIRN_EINVAL;
	memcpy(e->name, tmp, len);
	e->len = (uint8_t)len;
	e->labels = (uint8_t)wire_name_labels(e->name);
	e->kind = (uint8_t)kind;
	if (ptr) {
		if (wire_name_from_text(ptr, NULL, tmp, &len) != CAIRN_OK || len > LZ_NAME_MAX)
			return CAIRN_EINVAL;
		memcpy(e->ptr, tmp, len);
		e->ptr_len = (uint8_t)len;
	}
	lz->n++;
	return CAIRN_OK;
}

/* Order of the lookup: length first, then bytes. */
static int entry_cmp(const void *a, const void *b)
{
	const struct lz_entry *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->name, y->name, x->len);
}

/* rdata in the wire_rrset layout: 16-bit rdlength, then the rdata. */
static size_t put_rdata(uint8_t *buf, const void *rd, size_t len)
{
	wire_put16(buf, (uint16_t)len);
	memcpy(buf + 2, rd, len);
	return len + 2;
}

static cairn_err build(struct localzones *lz)
{
	static const uint8_t localhost[] = "\x09localhost";          /* + root */
	static const uint8_t nobody[] = "\x06nobody\x07invalid";
	static const uint8_t a[4] = { 127, 0, 0, 1 };
	static const uint8_t aaaa[16] = { [15] = 1 };
	char name[160];
	uint8_t soa[64];
	size_t n = 0;
	cairn_err err = CAIRN_OK;

	memset(lz, 0, sizeof(*lz));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) && err == CAIRN_OK; i++)
		err = add(lz, fixed[i].name, fixed[i].kind, fixed[i].ptr);
	/* RFC 6303 §4.1: 16.172 to 31.172; RFC 6598 shared address space
	 * 64.100 to 127.100 (unbound serves these too) */
	for (unsigned i = 16; i <= 31 && err == CAIRN_OK; i++) {
		snprintf(name, sizeof(name), "%u.172.in-addr.arpa", i);
		err = add(lz, name, LZ_STATIC, NULL);
	}
	for (unsigned i = 64; i <= 127 && err == CAIRN_OK; i++) {
		snprintf(name, sizeof(name), "%u.100.in-addr.arpa", i);
		err = add(lz, name, LZ_STATIC, NULL);
	}
	/* RFC 6303 §4.3: the unspecified address ::, and the loopback ::1
	 * with its PTR to localhost. */
	for (int one = 0; one <= 1 && err == CAIRN_OK; one++) {
		char *p = name;
		for (int d = 0; d < 32; d++)
			p += sprintf(p, "%c.", d == 0 && one ? '1' : '0');
		strcpy(p, "ip6.arpa");
		err = add(lz, name, LZ_STATIC, one ? name : NULL);
	}
	if (err != CAIRN_OK)
		return err;
	qsort(lz->e, lz->n, sizeof(lz->e[0]), entry_cmp);
	for (unsigned i = 0; i < lz->n; i++) {
		const uint8_t *tld = lz->e[i].name;
		unsigned j;

		if (lz->e[i].labels < LZ_DEPTHS)
			lz->depths |= 1ull << lz->e[i].labels;
		while (tld[tld[0] + 1] != 0)
			tld += tld[0] + 1;
		for (j = 0; j < lz->ntld; j++)
			if (memcmp(lz->tld[j], tld, tld[0] + 2u) == 0)
				break;
		if (j == lz->ntld && lz->ntld < LZ_MAX_TLD)
			memcpy(lz->tld[lz->ntld++], tld, tld[0] + 2u);
	}
	/* RFC 6303 §3 contents, as unbound has them: NS localhost., SOA
	 * localhost. nobody.invalid. 1 3600 1200 604800 10800 */
	lz->rd_ns_len = put_rdata(lz->rd_ns, localhost, sizeof(localhost));
	memcpy(soa, localhost, sizeof(localhost));
	n = sizeof(localhost);
	memcpy(soa + n, nobody, sizeof(nobody));
	n += sizeof(nobody);
	wire_put32(soa + n, 1);
	wire_put32(soa + n + 4, 3600);
	wire_put32(soa + n + 8, 1200);
	wire_put32(soa + n + 12, 604800);
	wire_put32(soa + n + 16, LZ_TTL);
	lz->rd_soa_len = put_rdata(lz->rd_soa, soa, n + 20);
	lz->rd_a_len = put_rdata(lz->rd_a, a, sizeof(a));
	lz->rd_aaaa_len = put_rdata(lz->rd_aaaa, aaaa, sizeof(aaaa));
	return CAIRN_OK;
}

cairn_err localzone_init(struct localzones *lz, const char *const *disable, unsigned n,
			 const char **bad)
{
	cairn_err err = build(lz);
	uint8_t tmp[WIRE_NAME_MAX];
	size_t len;

	*bad = NULL;
	for (unsigned i = 0; i < n && err == CAIRN_OK; i++) {
		struct lz_entry *e = NULL;

		if (wire_name_from_text(disable[i], NULL, tmp, &len) == CAIRN_OK)
			for (unsigned j = 0; j < lz->n && !e; j++)
				if (lz->e[j].len == len && memcmp(lz->e[j].name, tmp, len) == 0)
					e = &lz->e[j];
		if (!e) {
			*bad = disable[i];
			err = CAIRN_ENOTFOUND;
		} else {
			e->off = true;
		}
	}
	return err;
}

bool resolver_local_zone_known(const char *name)
{
	struct localzones *lz = malloc(sizeof(*lz));
	const char *bad;
	bool ok;

	if (!lz)
		return true;   /* cannot tell; resolver_new checks again */
	ok = localzone_init(lz, &name, 1, &bad) == CAIRN_OK;
	free(lz);
	return ok;
}

/* The enabled zone enclosing qname (lowercase wire, qlen bytes), or NULL. */
static const struct lz_entry *find(const struct localzones *lz, const uint8_t *qname,
				   size_t qlen)
{
	uint8_t off[WIRE_NAME_MAX / 2 + 1];
	unsigned nl = 0, t;

	for (size_t p = 0; qname[p] != 0 && nl < sizeof(off); p += qname[p] + 1u)
		off[nl++] = (uint8_t)p;
	if (nl == 0)
		return NULL;
	/* most names are under none of our few top-level labels */
	const uint8_t *last = qname + off[nl - 1];

	for (t = 0; t < lz->ntld; t++)     /* the length byte first: no call */
		if (lz->tld[t][0] == last[0] && memcmp(lz->tld[t], last, last[0] + 2u) == 0)
			break;
	if (t == lz->ntld)
		return NULL;
	/* the zones do not nest: the first one found is the one */
	for (unsigned d = 1; d <= nl && d < LZ_DEPTHS; d++) {
		const uint8_t *suf;
		size_t slen;
		unsigned lo = 0, hi = lz->n;

		if (!(lz->depths & (1ull << d)))
			continue;
		suf = qname + off[nl - d];
		slen = qlen - off[nl - d];
		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;
			const struct lz_entry *e = &lz->e[mid];
			int c = e->len != slen ? (e->len < slen ? -1 : 1) : memcmp(e->name, suf, slen);

			if (c == 0)
				return e->off ? NULL : e;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return NULL;
}

/* True when name (qlen bytes) is ptr or one of its ancestors inside the
 * zone: an existing name (or empty non-terminal) of a static zone. */
static bool above_or_at(const uint8_t *ptr, size_t plen, const uint8_t *name, size_t qlen)
{
	for (size_t p = 0; p < plen; p += ptr[p] + 1u) {
		if (plen - p == qlen)
			return memcmp(ptr + p, name, qlen) == 0;
		if (ptr[p] == 0)
			break;
	}
	return false;
}

bool localzone_answer(const struct localzones *lz, const struct wire_query *q,
		      uint8_t *out, size_t limit, uint16_t edns_size, size_t *len)
{
	const struct lz_entry *e = find(lz, q->qname, q->qname_len);
	struct wire_writer w;
	struct wire_rrset rs = { .rclass = WIRE_CLASS_IN, .ttl = LZ_TTL, .count = 1 };
	bool apex, found = false;
	unsigned rcode = WIRE_RCODE_NOERROR;

	if (!e)
		return false;
	apex = q->qname_len == e->len;
	/* RFC 4035 §3.1.4.1: DS belongs to the parent side of a cut; like
	 * unbound, a DS question for the apex is not answered here. */
	if (apex && q->qtype == WIRE_TYPE_DS)
		return false;
	switch (q->qtype) {
	case WIRE_TYPE_NS:
		found = apex || e->kind == LZ_REDIRECT;
		rs.rdata = lz->rd_ns, rs.rdata_len = (uint32_t)lz->rd_ns_len;
		break;
	case WIRE_TYPE_SOA:
		found = apex || e->kind == LZ_REDIRECT;
		rs.rdata = lz->rd_soa, rs.rdata_len = (uint32_t)lz->rd_soa_len;
		break;
	case WIRE_TYPE_A:
		found = e->kind == LZ_REDIRECT;
		rs.rdata = lz->rd_a, rs.rdata_len = (uint32_t)lz->rd_a_len;
		break;
	case WIRE_TYPE_AAAA:
		found = e->kind == LZ_REDIRECT;
		rs.rdata = lz->rd_aaaa, rs.rdata_len = (uint32_t)lz->rd_aaaa_len;
		break;
	case WIRE_TYPE_PTR:
		/* the PTR target is localhost., the same rdata as NS */
		found = e->ptr_len == q->qname_len &&
			memcmp(e->ptr, q->qname, q->qname_len) == 0;
		rs.rdata = lz->rd_ns, rs.rdata_len = (uint32_t)lz->rd_ns_len;
		break;
	default:
		/* ANY included: unbound answers it with no data as well */
		break;
	}
	/* RFC 6303 §3: a name error below the apex of an empty zone; names of
	 * the loopback PTR (and the empty non-terminals above it) exist. */
	if (!found && e->kind == LZ_STATIC && !apex &&
	    !(e->ptr_len && above_or_at(e->ptr, e->ptr_len, q->qname, q->qname_len)))
		rcode = WIRE_RCODE_NXDOMAIN;
	/* AA set like unbound (RFC 6303 §3: "return authoritatively"), RA set:
	 * we are the resolver. */
	wire_writer_begin(&w, out, limit, q, WIRE_FLAG_AA | WIRE_FLAG_RA, rcode, edns_size);
	if (found) {
		rs.type = q->qtype;
		rs.owner = q->qname;   /* compressed to the question: its case kept */
		wire_writer_rrset(&w, WIRE_SEC_ANSWER, &rs, NULL);
	} else {
		/* RFC 2308 §3: the SOA in authority for negative caching */
		rs.type = WIRE_TYPE_SOA;
		rs.owner = e->name;
		rs.rdata = lz->rd_soa, rs.rdata_len = (uint32_t)lz->rd_soa_len;
		wire_writer_rrset(&w, WIRE_SEC_AUTHORITY, &rs, NULL);
	}
	*len = wire_writer_finish(&w);
	return true;
}

cairn_err resolver_local_zones(const char *const *disable, unsigned n,
			       void (*fn)(void *ctx, const char *name, const char *kind),
			       void *ctx)
{
	struct localzones *lz = malloc(sizeof(*lz));
	const char *bad;
	cairn_err err;

	if (!lz)
		return CAIRN_ENOMEM;
	err = localzone_init(lz, disable, n, &bad);
	for (unsigned i = 0; err == CAIRN_OK && i < lz->n; i++) {
		char text[WIRE_NAME_MAX * 4 + 2];

		if (lz->e[i].off || wire_name_to_text(lz->e[i].name, text, sizeof(text)) != CAIRN_OK)
			continue;
		/* unbound's names for the two kinds (unbound.conf(5) local-zone) */
		fn(ctx, text, lz->e[i].kind == LZ_REDIRECT ? "redirect" : "static");
	}
	free(lz);
	return err;
}
