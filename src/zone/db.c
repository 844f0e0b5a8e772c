/* zone/db.c: the compiled zone database (one node per owner name and per
 * empty non-terminal, RRsets pre-rendered in wire form, an open-addressing
 * hash table of lowercase wire names) and zone_load. */
#include "zone_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- hash table ---- */

const struct zone_node *zdb_find_h(const struct zone *z, const uint8_t *name,
				   size_t len, uint32_t hash)
{
	for (uint32_t i = hash & z->mask;; i = (i + 1) & z->mask) {
		const struct zone_slot *s = &z->slots[i];
		if (s->node == ZONE_NONE)
			return NULL;
		if (s->hash == hash) {
			const struct zone_node *n = &z->nodes[s->node];
			if (n->name_len == len && memcmp(n->name, name, len) == 0)
				return (n->flags & ZNODE_HIDDEN) ? NULL : n;
		}
	}
}

const struct zone_node *zdb_find(const struct zone *z, const uint8_t *name, size_t len)
{
	return zdb_find_h(z, name, len, wire_name_hash(name, len));
}

const struct zone_rrset *zdb_rrset(const struct zone_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->nrrsets; i++)
		if (n->rrsets[i].rs.type == type)
			return &n->rrsets[i];
	return NULL;
}

const struct zone_node *zdb_cut_above(const struct zone *z, const struct zone_node *n)
{
	const struct zone_node *cut = NULL;
	for (;;) {
		if (n->flags & ZNODE_CUT)
			cut = n;
		if (n->parent == ZONE_NONE)
			return cut;
		n = &z->nodes[n->parent];
	}
}

int zdb_target_offset(uint16_t type)
{
	switch (type) {
	case WIRE_TYPE_NS: return 0;
	case WIRE_TYPE_MX: return 2;   /* RFC 1035 §3.3.9 preference */
	case WIRE_TYPE_SRV: return 6;  /* RFC 2782 priority, weight, port */
	default: return -1;
	}
}

/* ---- building ---- */

#define ZDB_POOL_CHUNK 65536      /* bytes carved at a time for names and rdata */

struct build {
	struct zone *z;
	uint8_t *pool;             /* names and rdata, packed (pool_alloc) */
	size_t pool_left;
	size_t cap;                /* of z->nodes */
	size_t nslots_used;
	uint32_t *seqs;            /* per-RRset first seq, for ordering */
	size_t capseqs;
	const struct zone_rec **ptrs; /* one RRset's records, for ordering */
	size_t capptrs;
};

/* n bytes of z's arena without the arena's alignment: names and rdata are
 * read a byte at a time (wire_get16), and a zone of a million small
 * records saves the padding of two million allocations. NULL when out of
 * memory. */
static uint8_t *pool_alloc(struct build *b, size_t n)
{
	uint8_t *p;

	if (n > ZDB_POOL_CHUNK / 4)
		return arena_alloc(&b->z->arena, n);
	if (n > b->pool_left) {
		b->pool = arena_alloc(&b->z->arena, ZDB_POOL_CHUNK);
		b->pool_left = b->pool ? ZDB_POOL_CHUNK : 0;
		if (!b->pool)
			return NULL;
	}
	p = b->pool;
	b->pool += n;
	b->pool_left -= n;
	return p;
}

static int recp_seq_cmp(const void *a, const void *b)
{
	const struct zone_rec *x = *(const struct zone_rec *const *)a;
	const struct zone_rec *y = *(const struct zone_rec *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void zdb_slot_put(struct zone_slot *slots, uint32_t mask, uint32_t hash, uint32_t node)
{
	uint32_t i = hash & mask;
	while (slots[i].node != ZONE_NONE)
		i = (i + 1) & mask;
	slots[i] = (struct zone_slot){ .hash = hash, .node = node };
}

static cairn_err table_init(struct zone *z, size_t want)
{
	size_t size = 16;
	while (size < want * 2)
		size *= 2;
	if (size > UINT32_MAX)
		return CAIRN_ENOMEM;
	struct zone_slot *s = malloc(size * sizeof *s);
	if (!s)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < size; i++)
		s[i].node = ZONE_NONE;
	free(z->slots);
	z->slots = s;
	z->mask = (uint32_t)(size - 1);
	return CAIRN_OK;
}

/* Adds a node (name must stay valid for the zone's lifetime). Returns its
 * index or ZONE_NONE on out of memory. */
static uint32_t node_add(struct build *b, const uint8_t *name, size_t len, uint32_t hash)
{
	struct zone *z = b->z;

	if (z->nnodes == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct zone_node *n = realloc(z->nodes, cap * sizeof *n);
		if (!n)
			return ZONE_NONE;
		z->nodes = n;
		b->cap = cap;
	}
	if ((z->nnodes + 1) * 2 > (size_t)z->mask + 1) {
		struct zone_slot *old = z->slots;
		uint32_t oldmask = z->mask;
		z->slots = NULL;
		if (table_init(z, z->nnodes + 1) != CAIRN_OK) {
			z->slots = old;
			return ZONE_NONE;
		}
		for (uint32_t i = 0; i <= oldmask; i++)
			if (old[i].node != ZONE_NONE)
				zdb_slot_put(z->slots, z->mask, old[i].hash, old[i].node);
		free(old);
	}
	uint32_t idx = (uint32_t)z->nnodes++;
	z->nodes[idx] = (struct zone_node){
		.name = name, .name_len = (uint8_t)len, .parent = ZONE_NONE };
	zdb_slot_put(z->slots, z->mask, hash, idx);
	return idx;
}

static void parse_soa(struct zone *z, const struct zone_rrset *soa)
{
	const uint8_t *rd = soa->rs.rdata + 2;
	size_t rdlen = wire_get16(soa->rs.rdata);
	size_t off = wire_name_len(rd);
	off += wire_name_len(rd + off);
	if (off + 20 > rdlen)
		return;
	z->serial = wire_get32(rd + off);
	uint32_t minimum = wire_get32(rd + off + 16);
	/* RFC 2308 §3: negative TTL = min(SOA TTL, SOA MINIMUM). */
	z->neg_ttl = soa->rs.ttl < minimum ? soa->rs.ttl : minimum;
	z->soa = soa;
}

/* Builds the node of one owner from the live records [r, e). */
static cairn_err build_owner(struct build *b, const struct zone_rec *r,
			     const struct zone_rec *e)
{
	struct zone *z = b->z;
	size_t ntypes = 0;

	uint16_t lasttype = 0;
	bool any = false;
	for (const struct zone_rec *p = r; p < e; p++) {
		if (p->dead)
			continue;
		if (!any || p->type != lasttype)
			ntypes++;
		lasttype = p->type;
		any = true;
	}
	if (ntypes == 0)
		return CAIRN_OK;
	if (ntypes > UINT16_MAX)
		return CAIRN_ELIMIT;
	uint8_t *name = pool_alloc(b, r->owner_len);
	struct zone_rrset *sets = arena_alloc(&z->arena, ntypes * sizeof *sets);
	if (!name || !sets)
		return CAIRN_ENOMEM;
	memcpy(name, r->owner, r->owner_len);
	if (ntypes > b->capseqs) {
		uint32_t *s = realloc(b->seqs, ntypes * sizeof *s);
		if (!s)
			return CAIRN_ENOMEM;
		b->seqs = s;
		b->capseqs = ntypes;
	}
	size_t k = 0;
	for (const struct zone_rec *t = r; t < e;) {
		const struct zone_rec *te = t;
		size_t count = 0, bytes = 0;
		uint32_t seq = UINT32_MAX, ttl = 0;
		while (te < e && te->type == t->type) {
			if (!te->dead) {
				count++;
				bytes += 2u + te->rdlen;
				if (te->seq < seq)
					seq = te->seq;
				ttl = te->ttl;
			}
			te++;
		}
		if (count == 0) {
			t = te;
			continue;
		}
		if (count > UINT16_MAX || bytes > UINT32_MAX)
			return CAIRN_ELIMIT;
		uint8_t *rd = pool_alloc(b, bytes);
		if (!rd)
			return CAIRN_ENOMEM;
		struct zone_rrset *s = &sets[k];
		*s = (struct zone_rrset){ .rs = { .owner = name, .type = t->type,
			.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = (uint16_t)count,
			.rdata_len = (uint32_t)bytes, .rdata = rd } };
		/* The records of an RRset keep their order in the file. */
		if (count > b->capptrs) {
			const struct zone_rec **pp = realloc(b->ptrs, count * sizeof *pp);
			if (!pp)
				return CAIRN_ENOMEM;
			b->ptrs = pp;
			b->capptrs = count;
		}
		size_t np = 0, off = 0;
		for (const struct zone_rec *p = t; p < te; p++)
			if (!p->dead)
				b->ptrs[np++] = p;
		if (np > 1)
			qsort(b->ptrs, np, sizeof *b->ptrs, recp_seq_cmp);
		for (size_t c = 0; c < np; c++) {
			wire_put16(rd + off, b->ptrs[c]->rdlen);
			memcpy(rd + off + 2, b->ptrs[c]->rdata, b->ptrs[c]->rdlen);
			off += 2u + b->ptrs[c]->rdlen;
		}
		if (zdb_target_offset(t->type) >= 0) {
			struct zone_addl *a = arena_alloc(&z->arena, count * sizeof *a);
			s->x = arena_alloc(&z->arena, sizeof *s->x);
			if (!a || !s->x)
				return CAIRN_ENOMEM;
			memset(a, 0, count * sizeof *a);
			*s->x = (struct zone_rrx){ .addl = a };
		}
		b->seqs[k] = seq;
		z->rr_count += count;
		k++;
		t = te;
	}
	/* RRsets in order of first appearance (what NSD picks for ANY). */
	for (size_t i = 1; i < k; i++) {
		struct zone_rrset tmp = sets[i];
		uint32_t sq = b->seqs[i];
		size_t j = i;
		for (; j > 0 && b->seqs[j - 1] > sq; j--) {
			sets[j] = sets[j - 1];
			b->seqs[j] = b->seqs[j - 1];
		}
		sets[j] = tmp;
		b->seqs[j] = sq;
	}
	uint32_t idx = node_add(b, name, r->owner_len, r->hash);
	if (idx == ZONE_NONE)
		return CAIRN_ENOMEM;
	z->nodes[idx].rrsets = sets;
	z->nodes[idx].nrrsets = (uint16_t)k;
	return CAIRN_OK;
}

/* Creates the empty non-terminals above node i up to the apex
 * (RFC 4592 §2.2.2) and links parents. */
static cairn_err link_parents(struct build *b, uint32_t i)
{
	struct zone *z = b->z;

	while (z->nodes[i].name_len > z->origin_len) {
		const uint8_t *p = wire_name_parent(z->nodes[i].name);
		size_t len = z->nodes[i].name_len - 1u - z->nodes[i].name[0];
		uint32_t h = wire_name_hash(p, len);
		const struct zone_node *n = zdb_find_h(z, p, len, h);
		if (n) {
			z->nodes[i].parent = (uint32_t)(n - z->nodes);
			return CAIRN_OK;
		}
		uint32_t idx = node_add(b, p, len, h);   /* p points into a name */
		if (idx == ZONE_NONE)
			return CAIRN_ENOMEM;
		z->nodes[i].parent = idx;
		i = idx;
	}
	return CAIRN_OK;
}

void zdb_each_target(struct zone *z,
		     void (*fn)(void *ctx, struct zone_addl *a, const uint8_t *target),
		     void *ctx)
{
	for (size_t i = 0; i < z->nnodes; i++) {
		struct zone_node *n = &z->nodes[i];
		for (uint16_t k = 0; k < n->nrrsets; k++) {
			struct zone_rrset *s = &n->rrsets[k];
			int toff = zdb_target_offset(s->rs.type);
			if (toff < 0)
				continue;
			const uint8_t *p = s->rs.rdata;
			for (uint16_t c = 0; c < s->rs.count; c++) {
				uint16_t rdlen = wire_get16(p);
				uint8_t t[WIRE_NAME_MAX];
				/* the loader checked the name (load.c); never copy more
				 * than a name's worth */
				if ((int)rdlen > toff && rdlen - (size_t)toff <= sizeof(t)) {
					memcpy(t, p + 2 + toff, rdlen - (size_t)toff);
					wire_name_lower(t);
					fn(ctx, &s->x->addl[c], t);
				}
				p += 2u + rdlen;
			}
		}
	}
}

static void link_target(void *ctx, struct zone_addl *a, const uint8_t *t)
{
	const struct zone *z = ctx;

	if (wire_name_is_subdomain(t, z->origin)) {
		a->node = zdb_find(z, t, wire_name_len(t));
		a->same_zone = a->node != NULL;
	}
}

cairn_err zdb_build(struct zone *z, struct zload *zl)
{
	struct build b = { .z = z };
	cairn_err err;
	size_t owners = 0;

	for (size_t i = 0; i < zl->nrecs; i++)
		if (i == 0 || zl->recs[i].owner != zl->recs[i - 1].owner)
			owners++;
	if ((err = table_init(z, owners + 1)) != CAIRN_OK)
		goto done;
	/* Room for the owners and some empty non-terminals up front. */
	b.cap = owners + owners / 4 + 64;
	z->nodes = malloc(b.cap * sizeof *z->nodes);
	if (!z->nodes) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < zl->nrecs;) {
		size_t j = i + 1;
		while (j < zl->nrecs && zl->recs[j].hash == zl->recs[i].hash &&
		       zl->recs[j].owner_len == zl->recs[i].owner_len &&
		       (zl->recs[j].owner == zl->recs[i].owner ||  /* shared by the loader */
			memcmp(zl->recs[j].owner, zl->recs[i].owner, zl->recs[i].owner_len) == 0))
			j++;
		if (wire_name_is_subdomain(zl->recs[i].owner, z->origin) &&
		    (err = build_owner(&b, &zl->recs[i], &zl->recs[j])) != CAIRN_OK)
			goto done;
		i = j;
	}
	if (!zdb_find(z, z->origin, z->origin_len)) {
		uint8_t *o = arena_dup(&z->arena, z->origin, z->origin_len);
		if (!o || node_add(&b, o, z->origin_len,
				   wire_name_hash(o, z->origin_len)) == ZONE_NONE) {
			err = CAIRN_ENOMEM;
			goto done;
		}
	}
	size_t real = z->nnodes;
	for (size_t i = 0; i < real; i++)
		if ((err = link_parents(&b, (uint32_t)i)) != CAIRN_OK)
			goto done;
	if (z->nnodes < b.cap) {
		struct zone_node *n = realloc(z->nodes, z->nnodes * sizeof *n);
		if (n)
			z->nodes = n;
	}
	z->apex = zdb_find(z, z->origin, z->origin_len);
	for (size_t i = 0; i < z->nnodes; i++) {
		struct zone_node *n = &z->nodes[i];
		if (n == z->apex) {
			n->flags |= ZNODE_APEX;
			continue;
		}
		if (zdb_rrset(n, WIRE_TYPE_NS))
			n->flags |= ZNODE_CUT;
		if (n->name[0] == 1 && n->name[1] == '*') {
			n->flags |= ZNODE_WILD;
			z->nodes[n->parent].flags |= ZNODE_WILDCHILD;
		}
	}
	for (size_t i = 0; i < z->nnodes; i++) {
		struct zone_node *n = &z->nodes[i];
		for (uint32_t p = n->parent; p != ZONE_NONE; p = z->nodes[p].parent)
			if (z->nodes[p].flags & ZNODE_CUT) {
				n->flags |= ZNODE_BELOW;
				break;
			}
	}
	const struct zone_rrset *soa = zdb_rrset(z->apex, WIRE_TYPE_SOA);
	if (soa)
		parse_soa(z, soa);
	zdb_each_target(z, link_target, z);
done:
	free(b.seqs);
	free(b.ptrs);
	return err;
}

/* ---- zone_load ---- */

static int prob_cmp(const void *a, const void *b)
{
	const struct zone_problem *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void report_all(struct zload *zl, const char *file, zone_report_fn report, void *ctx)
{
	if (zl->nprobs > 1)
		qsort(zl->probs, zl->nprobs, sizeof *zl->probs, prob_cmp);
	for (size_t i = 0; i < zl->nprobs; i++) {
		const struct zone_problem *p = &zl->probs[i];
		if (report)
			report(ctx, p->file == UINT16_MAX ? file : zl->files[p->file],
			       p->line, p->msg);
	}
	if (report && zl->nerrors > zl->nprobs) {
		char msg[96];
		snprintf(msg, sizeof msg, "%zu more problems not shown",
			 zl->nerrors - zl->nprobs);
		report(ctx, file, 0, msg);
	}
}

static void zload_free(struct zload *zl)
{
	arena_free(&zl->tmp);
	free(zl->recs);
	for (size_t i = 0; i < zl->nfiles; i++)
		free(zl->files[i]);
	free(zl->files);
	for (size_t i = 0; i < zl->nprobs; i++)
		free(zl->probs[i].msg);
	free(zl->probs);
}

cairn_err zone_load(const char *origin, const char *file, zone_report_fn report,
		    void *ctx, struct zone **out)
{
	struct zload zl = { 0 };
	struct zone *z = NULL;
	cairn_err err;

	*out = NULL;
	arena_init(&zl.tmp, 1 << 20);
	if (wire_name_from_text(origin, NULL, zl.origin, &zl.origin_len) != CAIRN_OK) {
		zload_problem(&zl, 0, UINT16_MAX, 0, "bad zone name %s", origin);
		err = CAIRN_EINVAL;
		goto done;
	}
	err = zload_read(&zl, file);
	if (err != CAIRN_OK)
		goto done;
	zcheck_records(&zl);
	z = calloc(1, sizeof *z);
	if (!z) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	atomic_init(&z->refs, 1);
	memcpy(z->origin, zl.origin, zl.origin_len);
	z->origin_len = zl.origin_len;
	z->origin_labels = wire_name_labels(z->origin);
	arena_init(&z->arena, 1 << 20);
	if ((err = zdb_build(z, &zl)) != CAIRN_OK)
		goto done;
	if ((err = zsec_build(z, &zl, (uint32_t)time(NULL))) != CAIRN_OK)
		goto done;
	zcheck_glue(&zl, z);
	zlint_targets(&zl, z);
	if (zl.oom)
		err = CAIRN_ENOMEM;
	else if (zl.nerrors)
		err = CAIRN_EFORMAT;
done:
	if (err == CAIRN_ENOMEM)
		zload_problem(&zl, UINT32_MAX, UINT16_MAX, 0, "out of memory");
	report_all(&zl, file, report, ctx);
	zload_free(&zl);
	if (err != CAIRN_OK)
		zone_free(z);
	else
		*out = z;
	return err;
}

void zone_free(struct zone *z)
{
	if (!z)
		return;
	if (atomic_fetch_sub(&z->refs, 1) != 1)
		return; /* still held by a zone_ref() owner (a transfer) */
	zsec_free(z->sec);
	arena_free(&z->arena);
	free(z->nodes);
	free(z->slots);
	free(z);
}

const uint8_t *zone_origin(const struct zone *z) { return z->origin; }
uint32_t zone_serial(const struct zone *z) { return z->serial; }
size_t zone_rr_count(const struct zone *z) { return z->rr_count; }
