/* xfr/ixfr.c: a secondary applies the difference sequences of an IXFR
 * (RFC 1995 §4) to the zone it serves without copying it: a deletion
 * looks its record up in the zone database (the RRset at the owner, then
 * its few records) or among the additions so far, and is kept in a hash
 * set; an addition goes to another. Writing the new version walks the
 * zone database once, leaving out the deleted records, then writes the
 * additions. Records compare in canonical form (RFC 4034 §6.2), TTLs
 * aside. */
#include "xfr_int.h"

#include <stdlib.h>
#include <string.h>

cairn_err ixfr_init(struct ixfr *x, const struct zone *base)
{
	memset(x, 0, sizeof(*x));
	x->base = base;
	xrec_set_init(&x->del);
	xrec_set_init(&x->add);
	x->scratch = malloc(2 * XREC_RDATA_MAX);
	return x->scratch ? CAIRN_OK : CAIRN_ENOMEM;
}

void ixfr_free(struct ixfr *x)
{
	xrec_set_free(&x->del);
	xrec_set_free(&x->add);
	free(x->scratch);
	x->scratch = NULL;
}

/* The record of the base equal to rr, into *got; false when there is
 * none. */
static bool base_find(struct ixfr *x, const struct xrec *rr, struct xrec *got)
{
	const struct wire_rrset *rs = zone_find_rrset(x->base, rr->owner, rr->type);
	const uint8_t *rd;

	if (!rs || rs->rclass != rr->rclass || rs == zone_soa_rrset(x->base))
		return false;
	*got = (struct xrec){ .owner = rs->owner, .type = rs->type, .rclass = rs->rclass,
			      .ttl = rs->ttl };
	rd = rs->rdata;
	for (unsigned i = 0; i < rs->count; i++) {
		got->rdlen = wire_get16(rd);
		got->rdata = rd + 2;
		if (xrec_equal(got, rr, x->scratch))
			return true;
		rd += 2 + got->rdlen;
	}
	return false;
}

cairn_err ixfr_del(struct ixfr *x, const struct xrec *rr)
{
	struct xrec got;
	cairn_err e = xrec_set_del(&x->add, rr);

	if (e != CAIRN_ENOTFOUND)
		return e;   /* an addition taken back, or out of memory */
	if (!base_find(x, rr, &got) || xrec_set_has(&x->del, rr))
		return CAIRN_ENOTFOUND;
	return xrec_set_add(&x->del, rr, true);
}

cairn_err ixfr_add(struct ixfr *x, const struct xrec *rr)
{
	struct xrec got;
	cairn_err e;

	if (base_find(x, rr, &got) && !xrec_set_has(&x->del, rr)) {
		if (got.ttl == rr->ttl)
			return CAIRN_OK;   /* there already */
		/* a new TTL: the base's record goes, rr comes */
		if ((e = xrec_set_add(&x->del, rr, true)) != CAIRN_OK)
			return e;
	}
	return xrec_set_add(&x->add, rr, false);
}

cairn_err ixfr_write(struct ixfr *x, struct zwrite *w)
{
	struct zone_cursor c = { 0 };
	const struct wire_rrset *rs;
	struct xrec rr;

	while ((rs = zone_next_rrset(x->base, &c))) {
		const uint8_t *rd = rs->rdata;

		rr = (struct xrec){ .owner = rs->owner, .type = rs->type, .rclass = rs->rclass,
				    .ttl = rs->ttl };
		if (rs->type == WIRE_TYPE_SOA)
			return CAIRN_EFORMAT;  /* an SOA below the apex */
		for (unsigned i = 0; i < rs->count; i++) {
			rr.rdlen = wire_get16(rd);
			rr.rdata = rd + 2;
			rd += 2 + rr.rdlen;
			if (x->del.live && xrec_set_has(&x->del, &rr))
				continue;
			if (zwrite_rr(w, &rr) != CAIRN_OK)
				return CAIRN_EIO;
		}
	}
	for (size_t i = 0; i < x->add.n; i++)
		if (xrec_set_get(&x->add, i, &rr) && zwrite_rr(w, &rr) != CAIRN_OK)
			return CAIRN_EIO;
	return CAIRN_OK;
}
