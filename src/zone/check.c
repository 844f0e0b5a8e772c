/* zone/check.c: validation of the records read from a zone file before it
 * is compiled: data outside the zone, duplicates, the SOA and NS at the
 * apex, CNAME rules, one TTL per RRset, and glue below delegations. Every
 * problem is recorded with the file and line of the record concerned. */
#include "zone_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

static bool same_owner(const struct zone_rec *a, const struct zone_rec *b)
{
	return a->hash == b->hash && a->owner_len == b->owner_len &&
	       (a->owner == b->owner || memcmp(a->owner, b->owner, a->owner_len) == 0);
}

static const char *type_name(uint16_t type, char *buf, size_t len)
{
	char *t = ldns_rr_type2str((ldns_rr_type)type);
	snprintf(buf, len, "%s", t ? t : "?");
	free(t);
	return buf;
}

static void warn_ttl(struct zload *zl, const struct zone_rec *r, uint32_t ttl)
{
	char nb[1024], tb[32];
	/* RFC 2181 §5.2: TTLs within an RRset must agree; like BIND we use
	 * the lowest and go on. */
	log_warn("%s:%u: TTLs differ within the RRset %s %s; using the lowest (%u)",
		 zl->files[r->file], r->line, zload_name(r->owner, nb, sizeof nb),
		 type_name(r->type, tb, sizeof tb), ttl);
}

/* Checks one RRset [b, e) of live-or-dead records with the same owner and
 * type: duplicates die, TTLs are equalised. Returns the live count. */
static size_t check_rrset(struct zload *zl, struct zone_rec *b, struct zone_rec *e)
{
	struct zone_rec *first = NULL;
	uint32_t min = UINT32_MAX;
	bool differ = false;
	size_t live = 0;
	char nb[1024], tb[32];

	for (struct zone_rec *r = b; r < e; r++) {
		if (r->dead)
			continue;
		if (first && r > b && !r[-1].dead && r->rdlen == r[-1].rdlen &&
		    memcmp(r->rdata, r[-1].rdata, r->rdlen) == 0) {
			zload_problem(zl, r->seq, r->file, r->line, "duplicate record %s %s",
				      zload_name(r->owner, nb, sizeof nb),
				      type_name(r->type, tb, sizeof tb));
			r->dead = 1;
			continue;
		}
		if (first && r->ttl != first->ttl)
			differ = true;
		if (!first || r->seq < first->seq)
			first = r;
		if (r->ttl < min)
			min = r->ttl;
		live++;
	}
	/* RFC 4034 §3: each RRSIG has the TTL of the RRset it covers, so
	 * the signatures at a name may differ */
	if (differ && b->type != WIRE_TYPE_RRSIG) {
		warn_ttl(zl, first, min);
		for (struct zone_rec *r = b; r < e; r++)
			r->ttl = min;
	}
	return live;
}

/* Reports every live record of [b, e) but the first in the file. */
static void report_extra(struct zload *zl, struct zone_rec *b, struct zone_rec *e,
			 const char *fmt, const char *arg)
{
	const struct zone_rec *first = NULL;
	for (struct zone_rec *r = b; r < e; r++)
		if (!r->dead && (!first || r->seq < first->seq))
			first = r;
	for (struct zone_rec *r = b; r < e; r++)
		if (!r->dead && r != first)
			zload_problem(zl, r->seq, r->file, r->line, fmt, arg);
}

/* Checks all records at one owner name [b, e). */
static void check_owner(struct zload *zl, struct zone_rec *b, struct zone_rec *e,
			bool *apex_soa, bool *apex_ns)
{
	bool apex = b->owner_len == zl->origin_len &&
		    memcmp(b->owner, zl->origin, zl->origin_len) == 0;
	struct zone_rec *cname = NULL;
	const struct zone_rec *other = NULL;
	char nb[1024];

	for (struct zone_rec *t = b; t < e;) {
		struct zone_rec *te = t;
		while (te < e && te->type == t->type)
			te++;
		size_t live = check_rrset(zl, t, te);
		if (live == 0) {
			t = te;
			continue;
		}
		switch (t->type) {
		case WIRE_TYPE_SOA:
			if (!apex) {
				for (struct zone_rec *r = t; r < te; r++)
					if (!r->dead)
						zload_problem(zl, r->seq, r->file, r->line,
							      "SOA record %s is not at the zone apex",
							      zload_name(r->owner, nb, sizeof nb));
			} else {
				*apex_soa = true;
				report_extra(zl, t, te, "more than one SOA record%s", "");
			}
			break;
		case WIRE_TYPE_NS:
			if (apex)
				*apex_ns = true;
			break;
		case WIRE_TYPE_CNAME:
			/* RFC 2181 §10.1: one CNAME at a name. */
			report_extra(zl, t, te, "more than one CNAME record at %s",
				     zload_name(t->owner, nb, sizeof nb));
			for (struct zone_rec *r = t; r < te; r++)
				if (!r->dead && (!cname || r->seq < cname->seq))
					cname = r;
			break;
		case WIRE_TYPE_RRSIG:
		case WIRE_TYPE_NSEC:
		case WIRE_TYPE_NSEC3:
			break;      /* DNSSEC data may sit beside a CNAME (RFC 4035 §2.5, RFC 5155 §7.1) */
		default:
			for (struct zone_rec *r = t; r < te; r++)
				if (!r->dead && (!other || r->seq < other->seq))
					other = r;
			break;
		}
		if (t->type == WIRE_TYPE_SOA || t->type == WIRE_TYPE_NS) {
			for (struct zone_rec *r = t; r < te; r++)
				if (!r->dead && (!other || r->seq < other->seq))
					other = r;
		}
		t = te;
	}
	/* RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME stands alone. Reported at
	 * whichever of the two came later in the file. */
	if (cname && other) {
		const struct zone_rec *at = cname->seq > other->seq ? cname : other;
		zload_problem(zl, at->seq, at->file, at->line, "CNAME and other data at %s",
			      zload_name(cname->owner, nb, sizeof nb));
	}
}

void zcheck_records(struct zload *zl)
{
	bool apex_soa = false, apex_ns = false;
	char nb[1024], ob[1024];
	uint16_t top = zl->nfiles ? 0 : UINT16_MAX;

	for (size_t i = 0; i < zl->nrecs; i++) {
		struct zone_rec *r = &zl->recs[i];
		if (!wire_name_is_subdomain(r->owner, zl->origin)) {
			zload_problem(zl, r->seq, r->file, r->line, "%s is outside the zone %s",
				      zload_name(r->owner, nb, sizeof nb),
				      zload_name(zl->origin, ob, sizeof ob));
			r->dead = 1;
		}
	}
	zsort_records(zl->recs, zl->nrecs);
	for (size_t i = 0; i < zl->nrecs;) {
		size_t j = i + 1;
		while (j < zl->nrecs && same_owner(&zl->recs[i], &zl->recs[j]))
			j++;
		check_owner(zl, &zl->recs[i], &zl->recs[j], &apex_soa, &apex_ns);
		i = j;
	}
	if (!apex_soa)
		zload_problem(zl, UINT32_MAX, top, 0, "no SOA record at the zone apex %s",
			      zload_name(zl->origin, ob, sizeof ob));
	if (!apex_ns)
		zload_problem(zl, UINT32_MAX, top, 0, "no NS records at the zone apex %s",
			      zload_name(zl->origin, ob, sizeof ob));
}

/* True when name (lowercase) lies at or below a zone cut of z. */
static bool occluded(const struct zone *z, const uint8_t *name, const struct zone_node **node)
{
	const uint8_t *p = name;
	*node = zdb_find(z, name, wire_name_len(name));
	if (*node)
		return ((*node)->flags & (ZNODE_CUT | ZNODE_BELOW)) != 0;
	while (*p) {
		p = wire_name_parent(p);
		const struct zone_node *a = zdb_find(z, p, wire_name_len(p));
		if (a)
			return (a->flags & (ZNODE_CUT | ZNODE_BELOW)) != 0;
	}
	return false;
}

void zcheck_glue(struct zload *zl, const struct zone *z)
{
	char nb[1024], tb[1024];

	for (size_t i = 0; i < zl->nrecs; i++) {
		const struct zone_rec *r = &zl->recs[i];
		const struct zone_node *n;
		uint8_t target[WIRE_NAME_MAX];

		if (r->dead || r->type != WIRE_TYPE_NS || r->rdlen == 0 ||
		    r->rdlen > WIRE_NAME_MAX)
			continue;
		memcpy(target, r->rdata, r->rdlen);
		wire_name_lower(target);
		/* RFC 9471 §2.1: in-domain glue (the target at or below the
		 * delegation it serves) is required; sibling glue (a target
		 * under another delegation) is optional, and that delegation
		 * is checked on its own line. */
		if (!wire_name_is_subdomain(target, r->owner) ||
		    !wire_name_is_subdomain(target, z->origin) || !occluded(z, target, &n))
			continue;
		if (n && (zdb_rrset(n, WIRE_TYPE_A) || zdb_rrset(n, WIRE_TYPE_AAAA)))
			continue;
		zload_problem(zl, r->seq, r->file, r->line,
			      "glue missing: name server %s of %s has no A or AAAA record",
			      zload_name(target, tb, sizeof tb),
			      zload_name(r->owner, nb, sizeof nb));
	}
}
