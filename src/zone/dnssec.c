/* zone/dnssec.c: the DNSSEC view of a pre-signed zone, compiled once at
 * load time so that answers only copy: the RRSIGs of every RRset grouped
 * by the type they cover (RFC 4034 §3), the NSEC chain in canonical order
 * (RFC 4034 §6.1) or the NSEC3 chain sorted by hash with every name's
 * matching or covering NSEC3 found in advance (RFC 5155 §7.2), and the
 * warnings of `cairnd -n` about signatures near their end and NSEC3
 * iterations (RFC 9276 §3.1). */
#include "zone_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* RRSIG rdata (RFC 4034 §3.1): type covered, algorithm, labels, original
 * TTL, expiration, inception, key tag, signer's name, signature. */
#define RRSIG_FIXED 18
#define RRSIG_OFF_TTL 4
#define RRSIG_OFF_EXPIRE 8

/* NSEC3 / NSEC3PARAM rdata (RFC 5155 §3.2, §4.2): hash algorithm, flags,
 * iterations, salt length, salt, (NSEC3:) hash length, next hash, types. */
#define NSEC3_ALG_SHA1 1

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

static uint64_t rank(const struct zone_rec *r)
{
	return ((uint64_t)(r->type != WIRE_TYPE_NSEC3PARAM) << 32) | r->seq;
}

/* `cairnd -n` warnings: RRSIGs expired or ending within ZSEC_EXPIRE_WARN
 * (serial arithmetic, RFC 4034 §3.1.5), NSEC3 iterations above 0. One
 * line per kind, naming the first record and the count. */
static void warn_signatures(const struct zload *zl, uint32_t now)
{
	const struct zone_rec *first_old = NULL, *first_soon = NULL, *iter = NULL;
	size_t old = 0, soon = 0;
	int64_t old_at = 0, soon_at = 0;
	char nb[1024], tb[64];

	for (size_t i = 0; i < zl->nrecs; i++) {
		const struct zone_rec *r = &zl->recs[i];
		if (r->dead)
			continue;
		/* the NSEC3PARAM says it best; else the first NSEC3 */
		if ((r->type == WIRE_TYPE_NSEC3PARAM || r->type == WIRE_TYPE_NSEC3) &&
		    r->rdlen >= 4 && wire_get16(r->rdata + 2) > 0 &&
		    (!iter || rank(r) < rank(iter)))
			iter = r;
		if (r->type != WIRE_TYPE_RRSIG || r->rdlen < RRSIG_FIXED)
			continue;
		int32_t left = (int32_t)(wire_get32(r->rdata + RRSIG_OFF_EXPIRE) - now);
		if (left < 0) {
			if (!first_old || r->seq < first_old->seq) {
				first_old = r;
				old_at = (int64_t)now + left;
			}
			old++;
		} else if (left < ZSEC_EXPIRE_WARN) {
			if (!first_soon || r->seq < first_soon->seq) {
				first_soon = r;
				soon_at = (int64_t)now + left;
			}
			soon++;
		}
	}
	if (first_old) {
		fmt_time(old_at, tb, sizeof tb);
		log_warn("%s:%u: %zu signature%s expired (RRSIG of %s expired %s): "
			 "validators will reject the data; sign the zone again",
			 zl->files[first_old->file], first_old->line, old, old == 1 ? " has" : "s have",
			 zload_name(first_old->owner, nb, sizeof nb), tb);
	}
	if (first_soon) {
		fmt_time(soon_at, tb, sizeof tb);
		log_warn("%s:%u: %zu signature%s within 7 days (RRSIG of %s expires %s)",
			 zl->files[first_soon->file], first_soon->line, soon,
			 soon == 1 ? " expires" : "s expire",
			 zload_name(first_soon->owner, nb, sizeof nb), tb);
	}
	if (iter)
		log_warn("%s:%u: NSEC3 iterations %u above 0: RFC 9276 section 3.1 asks for 0 "
			 "(validators treat high counts as insecure)", zl->files[iter->file],
			 iter->line, wire_get16(iter->rdata + 2));
}

/* Splits the RRSIG RRset of node n by type covered and hangs each part
 * on the RRset it signs. */
static cairn_err split_sigs(struct zone *z, struct zone_node *n, struct zsec_sigs *out)
{
	const struct zone_rrset *all = zdb_rrset(n, WIRE_TYPE_RRSIG);
	cairn_err err = CAIRN_OK;
	uint16_t *types = NULL;
	uint32_t *bytes = NULL, *fill = NULL;
	uint16_t *counts = NULL;
	size_t nt = 0;

	if (!all)
		return CAIRN_OK;
	types = malloc(all->rs.count * sizeof *types);
	counts = calloc(all->rs.count, sizeof *counts);
	bytes = calloc(all->rs.count, sizeof *bytes);
	fill = calloc(all->rs.count, sizeof *fill);
	if (!types || !counts || !bytes || !fill) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	const uint8_t *p = all->rs.rdata;
	for (uint16_t c = 0; c < all->rs.count; c++) {
		uint16_t rdlen = wire_get16(p);
		uint16_t t = rdlen >= 2 ? wire_get16(p + 2) : 0;
		size_t k = 0;
		while (k < nt && types[k] != t)
			k++;
		if (k == nt)
			types[nt++] = t;
		counts[k]++;
		bytes[k] += 2u + rdlen;
		p += 2u + rdlen;
	}
	struct wire_rrset *sets = arena_alloc(&z->arena, nt * sizeof *sets);
	if (!sets) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	for (size_t k = 0; k < nt; k++) {
		uint8_t *rd = arena_alloc(&z->arena, bytes[k]);
		if (!rd) {
			err = CAIRN_ENOMEM;
			goto done;
		}
		sets[k] = (struct wire_rrset){ .owner = n->name, .type = WIRE_TYPE_RRSIG,
			.rclass = WIRE_CLASS_IN, .ttl = all->rs.ttl, .count = counts[k],
			.rdata_len = bytes[k], .rdata = rd };
	}
	p = all->rs.rdata;
	for (uint16_t c = 0; c < all->rs.count; c++) {
		uint16_t rdlen = wire_get16(p);
		uint16_t t = rdlen >= 2 ? wire_get16(p + 2) : 0;
		size_t k = 0;
		while (types[k] != t)
			k++;
		uint8_t *rd = (uint8_t *)sets[k].rdata;
		memcpy(rd + fill[k], p, 2u + rdlen);
		fill[k] += 2u + rdlen;
		/* RFC 4034 §3: an RRSIG's TTL is that of the RRset it covers;
		 * a signature without its RRset keeps its original TTL. */
		if (rdlen >= RRSIG_FIXED)
			sets[k].ttl = wire_get32(p + 2 + RRSIG_OFF_TTL);
		p += 2u + rdlen;
	}
	for (size_t k = 0; k < nt; k++) {
		for (uint16_t i = 0; i < n->nrrsets; i++) {
			struct zone_rrset *s = &n->rrsets[i];
			if (s->rs.type == types[k] && s->rs.type != WIRE_TYPE_RRSIG) {
				sets[k].ttl = s->rs.ttl;
				if (!s->x) {
					s->x = arena_alloc(&z->arena, sizeof *s->x);
					if (!s->x) {
						err = CAIRN_ENOMEM;
						goto done;
					}
					*s->x = (struct zone_rrx){ .addl = NULL };
				}
				s->x->sig = &sets[k];
			}
		}
	}
	out->sets = sets;
	out->n = (uint16_t)nt;
done:
	free(types);
	free(counts);
	free(bytes);
	free(fill);
	return err;
}

/* An NSEC3 owner: a child of the apex holding only NSEC3 and RRSIGs. */
static bool nsec3_owner(const struct zone *z, const struct zone_node *n)
{
	if (n->nrrsets == 0 || n->parent != (uint32_t)(z->apex - z->nodes))
		return false;
	bool any = false;
	for (uint16_t i = 0; i < n->nrrsets; i++) {
		uint16_t t = n->rrsets[i].rs.type;
		if (t == WIRE_TYPE_NSEC3)
			any = true;
		else if (t != WIRE_TYPE_RRSIG)
			return false;
	}
	return any;
}

static int n3_cmp(const void *a, const void *b)
{
	return memcmp(((const struct zsec_n3 *)a)->hash, ((const struct zsec_n3 *)b)->hash,
		      ZSEC_HASH_LEN);
}

static int nsec_cmp(const void *a, const void *b)
{
	const struct zone_node *x = *(const struct zone_node *const *)a;
	const struct zone_node *y = *(const struct zone_node *const *)b;
	return wire_name_compare(x->name, y->name);
}

uint32_t zsec_n3_find(const struct zone_sec *s, const uint8_t hash[ZSEC_HASH_LEN])
{
	size_t lo = 0, hi = s->nn3;

	assert(s->nn3 > 0);
	/* the last NSEC3 whose hash is <= hash; before the first, the last
	 * one of the chain covers it (RFC 5155 §3.1.7: the chain wraps) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(s->n3[mid].hash, hash, ZSEC_HASH_LEN) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return (uint32_t)(s->nn3 - 1);
	lo--;
	return (uint32_t)lo | (memcmp(s->n3[lo].hash, hash, ZSEC_HASH_LEN) == 0 ? ZSEC_MATCH : 0);
}

const struct zone_node *zsec_nsec_find(const struct zone_sec *s, const uint8_t *name)
{
	size_t lo = 0, hi = s->nnsec;

	if (s->nnsec == 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (wire_name_compare(s->nsec[mid]->name, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return s->nsec[lo ? lo - 1 : s->nnsec - 1];
}

/* Reads the NSEC3PARAM at the apex and gathers the matching chain. */
static cairn_err build_nsec3(struct zone *z, struct zload *zl, struct zone_sec *s,
			     const struct zone_rrset *param)
{
	const uint8_t *rd = param->rs.rdata + 2;
	uint16_t rdlen = wire_get16(param->rs.rdata);
	char ob[1024];
	/* problems are reported at the NSEC3PARAM record */
	const struct zone_rec *at = NULL;
	for (size_t i = 0; i < zl->nrecs && !at; i++)
		if (!zl->recs[i].dead && zl->recs[i].type == WIRE_TYPE_NSEC3PARAM)
			at = &zl->recs[i];
	uint32_t seq = at ? at->seq : UINT32_MAX, line = at ? at->line : 0;
	uint16_t file = at ? at->file : UINT16_MAX;

	if (rdlen < 5 || rdlen != 5u + rd[4]) {
		zload_problem(zl, seq, file, line, "malformed NSEC3PARAM at %s",
			      zload_name(z->origin, ob, sizeof ob));
		return CAIRN_OK;
	}
	/* RFC 5155 §7.4: a zone with an unknown hash cannot be served */
	if (rd[0] != NSEC3_ALG_SHA1) {
		zload_problem(zl, seq, file, line,
			      "NSEC3 hash algorithm %u is not supported (RFC 5155 section 7.4)",
			      rd[0]);
		return CAIRN_OK;
	}
	s->iterations = wire_get16(rd + 2);
	s->saltlen = rd[4];
	memcpy(s->salt, rd + 5, rd[4]);
	/* doc/ARCHITECTURE.md, rule 10: every query may hash a name; bound the work */
	if (s->iterations > ZSEC_ITER_MAX) {
		zload_problem(zl, seq, file, line,
			      "NSEC3 iterations %u above %u (RFC 5155 section 10.3): not served",
			      s->iterations, ZSEC_ITER_MAX);
		return CAIRN_OK;
	}
	size_t cap = 0;
	for (size_t i = 0; i < z->nnodes; i++)
		if (z->nodes[i].flags & ZNODE_HIDDEN)
			cap++;
	s->n3 = malloc((cap ? cap : 1) * sizeof *s->n3);
	s->h3 = malloc(z->nnodes * sizeof *s->h3);
	s->wc3 = malloc(z->nnodes * sizeof *s->wc3);
	if (!s->n3 || !s->h3 || !s->wc3)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < z->nnodes; i++) {
		const struct zone_node *n = &z->nodes[i];
		const struct zone_rrset *r = (n->flags & ZNODE_HIDDEN) ?
			zdb_rrset(n, WIRE_TYPE_NSEC3) : NULL;
		if (!r || wire_get16(r->rs.rdata) < 5u + s->saltlen)
			continue;
		const uint8_t *nr = r->rs.rdata + 2;
		/* RFC 5155 §7.2: one chain, the one NSEC3PARAM names */
		if (nr[0] != rd[0] || wire_get16(nr + 2) != s->iterations ||
		    nr[4] != s->saltlen || memcmp(nr + 5, s->salt, s->saltlen) != 0)
			continue;
		struct zsec_n3 *e = &s->n3[s->nn3];
		if (dsec_b32hex_decode(n->name + 1, n->name[0], e->hash, ZSEC_HASH_LEN) !=
		    ZSEC_HASH_LEN)
			continue;
		e->rrset = r;
		s->nn3++;
	}
	if (s->nn3 == 0) {
		zload_problem(zl, seq, file, line,
			      "NSEC3PARAM at %s but no NSEC3 chain with its parameters",
			      zload_name(z->origin, ob, sizeof ob));
		return CAIRN_OK;
	}
	qsort(s->n3, s->nn3, sizeof *s->n3, n3_cmp);
	s->nsec3 = true;
	for (size_t i = 0; i < z->nnodes; i++) {
		const struct zone_node *n = &z->nodes[i];
		uint8_t h[ZSEC_HASH_LEN], wc[WIRE_NAME_MAX];
		s->h3[i] = s->wc3[i] = ZONE_NONE;
		if (n->flags & (ZNODE_HIDDEN | ZNODE_BELOW))
			continue;
		dsec_nsec3_hash(n->name, n->name_len, s->iterations, s->salt, s->saltlen, h);
		s->h3[i] = zsec_n3_find(s, h);
		if (n->name_len + 2u <= WIRE_NAME_MAX) {
			wc[0] = 1;
			wc[1] = '*';
			memcpy(wc + 2, n->name, n->name_len);
			dsec_nsec3_hash(wc, n->name_len + 2u, s->iterations, s->salt,
					s->saltlen, h);
			s->wc3[i] = zsec_n3_find(s, h);
		}
	}
	return CAIRN_OK;
}

static cairn_err build_nsec(struct zone *z, struct zone_sec *s)
{
	size_t n = 0;

	for (size_t i = 0; i < z->nnodes; i++)
		if (!(z->nodes[i].flags & (ZNODE_HIDDEN | ZNODE_BELOW)) &&
		    zdb_rrset(&z->nodes[i], WIRE_TYPE_NSEC))
			n++;
	if (n == 0)
		return CAIRN_OK;
	s->nsec = malloc(n * sizeof *s->nsec);
	if (!s->nsec)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < z->nnodes; i++)
		if (!(z->nodes[i].flags & (ZNODE_HIDDEN | ZNODE_BELOW)) &&
		    zdb_rrset(&z->nodes[i], WIRE_TYPE_NSEC))
			s->nsec[s->nnsec++] = &z->nodes[i];
	qsort(s->nsec, s->nnsec, sizeof *s->nsec, nsec_cmp);
	return CAIRN_OK;
}

cairn_err zsec_build(struct zone *z, struct zload *zl, uint32_t now)
{
	struct zone_sec *s = NULL;
	cairn_err err = CAIRN_OK;

	warn_signatures(zl, now);
	if (!z->apex || !zdb_rrset(z->apex, WIRE_TYPE_RRSIG))
		return CAIRN_OK;          /* not signed: nothing to add to answers */
	s = calloc(1, sizeof *s);
	if (!s || !(s->sigs = calloc(z->nnodes, sizeof *s->sigs))) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	/* RFC 5155 §7.2.8: NSEC3 owner names are not names of the zone */
	for (size_t i = 0; i < z->nnodes; i++)
		if (nsec3_owner(z, &z->nodes[i]))
			z->nodes[i].flags |= ZNODE_HIDDEN;
	for (size_t i = 0; i < z->nnodes; i++)
		if ((err = split_sigs(z, &z->nodes[i], &s->sigs[i])) != CAIRN_OK)
			goto done;
	const struct zone_rrset *param = zdb_rrset(z->apex, WIRE_TYPE_NSEC3PARAM);
	err = param ? build_nsec3(z, zl, s, param) : build_nsec(z, s);
done:
	if (err != CAIRN_OK) {
		zsec_free(s);
		s = NULL;
	}
	z->sec = s;
	return err;
}

void zsec_free(struct zone_sec *s)
{
	if (!s)
		return;
	free(s->nsec);
	free(s->n3);
	free(s->h3);
	free(s->wc3);
	free(s->sigs);
	free(s);
}
