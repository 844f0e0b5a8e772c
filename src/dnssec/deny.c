/* dnssec/deny.c: authenticated denial of existence, the public entry points
 * (NSEC or NSEC3, never mixed) and the NSEC proofs (RFC 4035 §3.1.3, §5.4,
 * RFC 4592, RFC 6840 §4). The NSEC3 proofs are in deny_nsec3.c. */
#include "dnssec_int.h"

#include <string.h>

bool dsec_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	uint8_t win = (uint8_t)(type >> 8), bit = (uint8_t)(type & 0xff);
	size_t i = 0;

	/* RFC 4034 §4.1.2: (window, length, bitmap) blocks */
	while (i + 2 <= len) {
		uint8_t w = bm[i], l = bm[i + 1];
		if (l == 0 || l > 32 || i + 2 + l > len)
			return false;
		if (w == win)
			return bit / 8 < l && (bm[i + 2 + bit / 8] & (0x80 >> (bit % 8)));
		i += 2u + l;
	}
	return false;
}

/* One NSEC record. */
struct nsec {
	const uint8_t *owner, *next, *bm;
	size_t bmlen;
};

/* The NSEC records of nsec[] owned at or below zone, one by one: *set and
 * *pos start at 0. */
static bool nsec_next(const struct wire_rrset *const *nsec, unsigned n, const uint8_t *zone,
		      unsigned *set, size_t *pos, struct nsec *v)
{
	struct dsec_rr rr;
	size_t nl;

	for (; *set < n; (*set)++, *pos = 0) {
		const struct wire_rrset *rs = nsec[*set];
		if (!wire_name_is_subdomain(rs->owner, zone))
			continue;
		while (dsec_rr_next(rs, pos, &rr)) {
			/* RFC 4034 §4.1.1: the next name is in the zone (the
			 * last NSEC's is the apex) */
			nl = dsec_name_len(rr.rd, rr.len);
			if (nl == 0 || !wire_name_is_subdomain(rr.rd, zone))
				continue;
			v->owner = rs->owner;
			v->next = rr.rd;
			v->bm = rr.rd + nl;
			v->bmlen = rr.len - nl;
			return true;
		}
	}
	return false;
}

static bool has(const struct nsec *v, uint16_t type)
{
	return dsec_bitmap_has(v->bm, v->bmlen, type);
}

/* The NSEC owned by name, if any. */
static bool nsec_match(const struct wire_rrset *const *nsec, unsigned n, const uint8_t *zone,
		       const uint8_t *name, struct nsec *out)
{
	unsigned set = 0;
	size_t pos = 0;

	while (nsec_next(nsec, n, zone, &set, &pos, out))
		if (wire_name_equal(out->owner, name))
			return true;
	return false;
}

/* An NSEC proving that name does not exist: owner < name < next in
 * canonical order (the last NSEC's next is the apex: owner < name), and
 * not from above a zone cut or DNAME between owner and name (RFC 6840 §4.1,
 * RFC 4035 §5.4: such an NSEC does not speak for names below it). */
static bool nsec_cover(const struct wire_rrset *const *nsec, unsigned n, const uint8_t *zone,
		       const uint8_t *name, struct nsec *out)
{
	unsigned set = 0;
	size_t pos = 0;

	while (nsec_next(nsec, n, zone, &set, &pos, out)) {
		if (wire_name_compare(out->owner, name) >= 0)
			continue;
		if (wire_name_compare(out->owner, out->next) < 0 &&
		    wire_name_compare(name, out->next) >= 0)
			continue;
		if (wire_name_is_subdomain(name, out->owner) &&
		    ((has(out, WIRE_TYPE_NS) && !has(out, WIRE_TYPE_SOA)) ||
		     has(out, WIRE_TYPE_DNAME)))
			continue;
		return true;
	}
	return false;
}

/* The longest common ancestor of a and b, as a pointer into a. */
static const uint8_t *common_ancestor(const uint8_t *a, const uint8_t *b)
{
	unsigned la = wire_name_labels(a), lb = wire_name_labels(b);

	for (; la > lb; la--)
		a = wire_name_parent(a);
	for (; lb > la; lb--)
		b = wire_name_parent(b);
	while (!wire_name_equal(a, b)) {
		a = wire_name_parent(a);
		b = wire_name_parent(b);
	}
	return a;
}

/* The closest encloser of name that the covering NSEC v shows: the
 * deeper of its common ancestors with v's owner and next name (RFC 4035
 * §5.4, as unbound's nsec_closest_encloser). Points into name. */
static const uint8_t *nsec_ce(const uint8_t *name, const struct nsec *v)
{
	const uint8_t *a = common_ancestor(name, v->owner);
	const uint8_t *b = common_ancestor(name, v->next);
	return wire_name_labels(a) >= wire_name_labels(b) ? a : b;
}

bool dsec_wildcard_of(const uint8_t *ce, uint8_t *out)
{
	size_t len = wire_name_len(ce);

	if (len + 2 > WIRE_NAME_MAX)
		return false;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, ce, len);
	return true;
}

static void proven(struct dsec_result *res, enum dsec_state st, const char *why)
{
	dsec_fail(res, st, WIRE_EDE_NONE, st == DSEC_SECURE ? NULL : why);
}

static void nsec_nxdomain(const uint8_t *qname, const uint8_t *zone,
			  const struct wire_rrset *const *nsec, unsigned n, struct dsec_result *res)
{
	struct nsec v, w;
	uint8_t wc[WIRE_NAME_MAX];

	/* RFC 4035 §3.1.3.2, §5.4: an NSEC covering qname, and one covering
	 * the wildcard at the closest encloser */
	if (nsec_match(nsec, n, zone, qname, &v)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "NXDOMAIN but an NSEC shows the name exists");
		return;
	}
	if (!nsec_cover(nsec, n, zone, qname, &v)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING,
			  "no NSEC proves the name does not exist");
		return;
	}
	if (!dsec_wildcard_of(nsec_ce(qname, &v), wc) || nsec_match(nsec, n, zone, wc, &w)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "NXDOMAIN but the source of synthesis exists");
		return;
	}
	if (!nsec_cover(nsec, n, zone, wc, &w)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING,
			  "no NSEC proves the wildcard does not exist");
		return;
	}
	proven(res, DSEC_SECURE, NULL);
}

const char *dsec_nodata_bad(const uint8_t *bm, size_t len, const uint8_t *name,
			    uint16_t qtype)
{
	bool ns = dsec_bitmap_has(bm, len, WIRE_TYPE_NS);
	bool soa = dsec_bitmap_has(bm, len, WIRE_TYPE_SOA);

	if (dsec_bitmap_has(bm, len, qtype))
		return "NODATA but the denial record lists the type";
	if (dsec_bitmap_has(bm, len, WIRE_TYPE_CNAME))
		return "NODATA but the denial record shows a CNAME";
	if (qtype == WIRE_TYPE_DS && soa && name[0] != 0)
		return "DS denied by the child zone's record instead of the parent's";
	if (qtype != WIRE_TYPE_DS && ns && !soa)
		return "NODATA proven only by the parent side of a delegation";
	return NULL;
}

static void nsec_nodata(const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
			const struct wire_rrset *const *nsec, unsigned n, struct dsec_result *res)
{
	struct nsec v, w;
	const char *bad;
	uint8_t wc[WIRE_NAME_MAX];

	if (nsec_match(nsec, n, zone, qname, &v)) {
		if ((bad = dsec_nodata_bad(v.bm, v.bmlen, qname, qtype)) != NULL) {
			dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, bad);
			return;
		}
		proven(res, DSEC_SECURE, NULL);
		return;
	}
	if (!nsec_cover(nsec, n, zone, qname, &v)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING,
			  "no NSEC proves the type does not exist");
		return;
	}
	/* RFC 4035 §3.1.3.1 / RFC 4592 §4: qname is an empty non-terminal
	 * when the covering NSEC's next name lies below it */
	if (!wire_name_equal(v.next, qname) && wire_name_is_subdomain(v.next, qname)) {
		proven(res, DSEC_SECURE, NULL);
		return;
	}
	/* RFC 4035 §3.1.3.4: wildcard NODATA */
	if (dsec_wildcard_of(nsec_ce(qname, &v), wc) && nsec_match(nsec, n, zone, wc, &w)) {
		if ((bad = dsec_nodata_bad(w.bm, w.bmlen, wc, qtype)) != NULL) {
			dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, bad);
			return;
		}
		proven(res, DSEC_SECURE, NULL);
		return;
	}
	dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING,
		  "no NSEC at the name or its wildcard proves NODATA");
}

static void nsec_wildcard(const uint8_t *qname, uint8_t wc_labels, const uint8_t *zone,
			  const struct wire_rrset *const *nsec, unsigned n, struct dsec_result *res)
{
	struct nsec v;

	/* RFC 4035 §5.3.4: an NSEC proves qname does not exist, and nothing
	 * between the wildcard's closest encloser and qname does */
	if (nsec_match(nsec, n, zone, qname, &v)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "wildcard answer but an NSEC shows the name exists");
		return;
	}
	if (!nsec_cover(nsec, n, zone, qname, &v)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING,
			  "no NSEC proves the wildcard-expanded name does not exist");
		return;
	}
	if (wire_name_labels(nsec_ce(qname, &v)) > wc_labels) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "a closer name exists than the wildcard's closest encloser");
		return;
	}
	proven(res, DSEC_SECURE, NULL);
}

static void nsec_ds(const uint8_t *name, const uint8_t *zone,
		    const struct wire_rrset *const *nsec, unsigned n, struct dsec_ds_denial *res)
{
	struct nsec v;

	res->ede = WIRE_EDE_NONE;
	res->why = NULL;
	res->not_a_cut = false;
	res->state = DSEC_SECURE;
	if (nsec_match(nsec, n, zone, name, &v)) {
		/* RFC 4035 §5.2: NS without DS and SOA proves an insecure
		 * delegation; no NS: name is no zone cut */
		if (has(&v, WIRE_TYPE_DS) || (has(&v, WIRE_TYPE_SOA) && name[0] != 0)) {
			res->state = DSEC_BOGUS;
			res->ede = WIRE_EDE_DNSSEC_BOGUS;
			res->why = has(&v, WIRE_TYPE_DS) ? "the NSEC shows a DS exists"
				 : "DS denied by the child zone's NSEC instead of the parent's";
		}
		res->not_a_cut = !has(&v, WIRE_TYPE_NS);
		return;
	}
	if (nsec_cover(nsec, n, zone, name, &v)) {
		res->not_a_cut = true;   /* an empty non-terminal or no name at all */
		return;
	}
	res->state = DSEC_BOGUS;
	res->ede = WIRE_EDE_NSEC_MISSING;
	res->why = "no NSEC proves the delegation has no DS";
}

/* NSEC or NSEC3 (or neither, or both): 0 bogus (res filled), 1 NSEC,
 * 2 NSEC3. */
static int kind(const uint8_t *name, const uint8_t *zone, const struct wire_rrset *const *nsec,
		unsigned n, struct dsec_result *res)
{
	unsigned n3 = 0;

	if (n == 0) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING, "no NSEC or NSEC3 records");
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		if (nsec[i]->type != WIRE_TYPE_NSEC && nsec[i]->type != WIRE_TYPE_NSEC3) {
			dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
				  "a denial record that is neither NSEC nor NSEC3");
			return 0;
		}
		n3 += nsec[i]->type == WIRE_TYPE_NSEC3;
	}
	if (n3 != 0 && n3 != n) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, "NSEC and NSEC3 records mixed");
		return 0;
	}
	if (!wire_name_is_subdomain(name, zone)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "the name is outside the zone of the proof");
		return 0;
	}
	return n3 ? 2 : 1;
}

void dsec_deny_nxdomain(const uint8_t *qname, const uint8_t *zone,
			const struct wire_rrset *const *nsec, unsigned n,
			struct dsec_budget *b, struct dsec_result *res)
{
	int k = kind(qname, zone, nsec, n, res);

	if (k == 1)
		nsec_nxdomain(qname, zone, nsec, n, res);
	else if (k == 2)
		dsec_n3_nxdomain(qname, zone, nsec, n, b, res);
}

void dsec_deny_nodata(const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
		      const struct wire_rrset *const *nsec, unsigned n,
		      struct dsec_budget *b, struct dsec_result *res)
{
	int k = kind(qname, zone, nsec, n, res);

	if (k == 1)
		nsec_nodata(qname, qtype, zone, nsec, n, res);
	else if (k == 2)
		dsec_n3_nodata(qname, qtype, zone, nsec, n, b, res);
}

void dsec_deny_wildcard(const uint8_t *qname, uint8_t wc_labels, const uint8_t *zone,
			const struct wire_rrset *const *nsec, unsigned n,
			struct dsec_budget *b, struct dsec_result *res)
{
	int k = kind(qname, zone, nsec, n, res);

	/* the closest encloser lies between the zone apex and qname */
	if (k != 0 && (wc_labels >= wire_name_labels(qname) || wc_labels < wire_name_labels(zone))) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "wildcard label count does not fit the name and zone");
		k = 0;
	}
	if (k == 1)
		nsec_wildcard(qname, wc_labels, zone, nsec, n, res);
	else if (k == 2)
		dsec_n3_wildcard(qname, wc_labels, zone, nsec, n, b, res);
}

void dsec_deny_ds(const uint8_t *name, const uint8_t *zone,
		  const struct wire_rrset *const *nsec, unsigned n,
		  struct dsec_budget *b, struct dsec_ds_denial *res)
{
	struct dsec_result r;
	int k = kind(name, zone, nsec, n, &r);

	res->not_a_cut = false;
	res->state = r.state;
	res->ede = r.ede;
	res->why = r.why;
	if (k == 1)
		nsec_ds(name, zone, nsec, n, res);
	else if (k == 2)
		dsec_n3_ds(name, zone, nsec, n, b, res);
}
