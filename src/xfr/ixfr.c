/* xfr/ixfr.c: a secondary applies the difference sequences of an IXFR
 * (RFC 1995 §4) to the zone it serves without copying it: a deletion
 * looks its record up in the zone database (the RRset at the owner, then
 * its few records) or among the additions so far, and is kept in a hash
 * set; an addition goes to another. Writing the new version walks the
 * zone database once, leaving out the deleted records, then writes the
 * additions. Records compare in canonical form (RFC 4034 §6.2), TTLs
 * aside. The sequences are kept as journal entries too: a secondary that
 * others transfer from journals what it received instead of comparing
 * two versions of the zone. */
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
	for (size_t i = 0; i < x->nseq; i++)
		free(x->seq[i].data);
	free(x->seq);
	x->seq = NULL;
	x->nseq = 0;
	xrec_set_free(&x->del);
	xrec_set_free(&x->add);
	free(x->scratch);
	x->scratch = NULL;
}

/* Appends rr as an uncompressed wire RR to the current entry. */
static cairn_err record(struct ixfr *x, const struct xrec *rr)
{
	struct xfr_jentry *e;
	size_t need = wire_name_len(rr->owner) + 10 + rr->rdlen;
	uint8_t *p;

	if (!x->nseq)
		return CAIRN_OK;
	e = &x->seq[x->nseq - 1];
	if (e->len + need > x->seqcap) {
		size_t cap = x->seqcap ? x->seqcap : 4096;

		while (cap < e->len + need)
			cap *= 2;
		if (!(p = realloc(e->data, cap)))
			return CAIRN_ENOMEM;
		e->data = p;
		x->seqcap = cap;
	}
	e->len += xrec_to_wire(rr, e->data + e->len);
	return CAIRN_OK;
}

cairn_err ixfr_soa(struct ixfr *x, const struct xrec *soa, bool old)
{
	uint32_t serial = wire_get32(soa->rdata + soa->rdlen - 20);

	if (old) {
		if (x->nseq == x->capseq) {
			size_t cap = x->capseq ? 2 * x->capseq : 4;
			struct xfr_jentry *g = realloc(x->seq, cap * sizeof(*g));

			if (!g)
				return CAIRN_ENOMEM;
			x->seq = g;
			x->capseq = cap;
		}
		x->seq[x->nseq++] = (struct xfr_jentry){ serial, serial, NULL, 0 };
		x->seqcap = 0;
	} else if (x->nseq) {
		x->seq[x->nseq - 1].to = serial;
	}
	return record(x, soa);
}

struct xfr_jentry *ixfr_take_sequences(struct ixfr *x, size_t *n)
{
	struct xfr_jentry *e = x->seq;

	*n = x->nseq;
	x->seq = NULL;
	x->nseq = x->capseq = 0;
	return e;
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

	if (e == CAIRN_ENOTFOUND) {
		if (!base_find(x, rr, &got) || xrec_set_has(&x->del, rr))
			return CAIRN_ENOTFOUND;
		e = xrec_set_add(&x->del, rr, true);
	}
	return e == CAIRN_OK ? record(x, rr) : e;
}

cairn_err ixfr_add(struct ixfr *x, const struct xrec *rr)
{
	struct xrec got;
	cairn_err e;

	if ((e = record(x, rr)) != CAIRN_OK)
		return e;
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
