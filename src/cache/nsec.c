/* nsec: the index of validated NSEC RRsets for the aggressive use of the
 * cache (RFC 8198): every SECURE NSEC entry stored with its RRSIGs, ordered
 * by (zone, owner) in the canonical order of RFC 4034 §6.1, so that the
 * NSEC that may cover a name is found without asking upstream.
 *
 * The index is a treap whose nodes live inside the entries (struct
 * nsec_node, cache_int.h): it allocates nothing and its memory is part of
 * the entries' cost, so it stays within the byte budget, and an entry
 * leaves it whenever it leaves the cache (eviction, expiry, flush,
 * replacement) or stops being SECURE. One lock covers the whole index; only
 * NSEC entries with a node ever take it, so cache_get on other data does
 * not. Lock order: a shard's lock, then the index lock; cache_find_nsec
 * takes the index lock alone and reads only what changes under both. */
#include "cache_int.h"

void cache_nsec_init(struct nsec_index *ix)
{
	pthread_mutex_init(&ix->lock, NULL);
	ix->root = NULL;
	ix->rng = 0x9e3779b9u;
	ix->count = 0;
}

void cache_nsec_destroy(struct nsec_index *ix)
{
	pthread_mutex_destroy(&ix->lock);
}

/* (zone, name) against node n: <0, 0, >0 in canonical order. */
static int node_cmp(const uint8_t *zone, const uint8_t *name, const struct nsec_node *n)
{
	int r = wire_name_compare(zone, n->zone);

	return r ? r : wire_name_compare(name, n->e->data);
}

/* Makes x take the place of its parent p, p becoming x's child. */
static void rotate_up(struct nsec_index *ix, struct nsec_node *x)
{
	struct nsec_node *p = x->p, *g = p->p;

	if (p->l == x) {
		p->l = x->r;
		if (x->r)
			x->r->p = p;
		x->r = p;
	} else {
		p->r = x->l;
		if (x->l)
			x->l->p = p;
		x->l = p;
	}
	p->p = x;
	x->p = g;
	if (!g)
		ix->root = x;
	else if (g->l == p)
		g->l = x;
	else
		g->r = x;
}

static void link_node(struct nsec_index *ix, struct centry *e)
{
	struct nsec_node *n = cache_entry_node(e), **at = &ix->root, *parent = NULL;

	/* xorshift32: priorities only need to look random to the tree */
	ix->rng ^= ix->rng << 13;
	ix->rng ^= ix->rng >> 17;
	ix->rng ^= ix->rng << 5;
	n->prio = ix->rng;
	n->l = n->r = NULL;
	while (*at) {
		parent = *at;
		at = node_cmp(n->zone, e->data, parent) < 0 ? &parent->l : &parent->r;
	}
	n->p = parent;
	*at = n;
	while (n->p && n->p->prio < n->prio)
		rotate_up(ix, n);
	e->xflags |= XF_INDEXED;
	ix->count++;
}

static void unlink_node(struct nsec_index *ix, struct centry *e)
{
	struct nsec_node *n = cache_entry_node(e), *child;

	while (n->l && n->r)
		rotate_up(ix, n->l->prio > n->r->prio ? n->l : n->r);
	child = n->l ? n->l : n->r;
	if (child)
		child->p = n->p;
	if (!n->p)
		ix->root = child;
	else if (n->p->l == n)
		n->p->l = child;
	else
		n->p->r = child;
	n->l = n->r = n->p = NULL;
	e->xflags &= (uint8_t)~XF_INDEXED;
	ix->count--;
}

void cache_nsec_set(struct nsec_index *ix, struct centry *e, uint8_t sec, uint16_t ede,
		    uint64_t expiry)
{
	pthread_mutex_lock(&ix->lock);
	e->sec = sec;
	e->ede = ede;
	e->expiry = expiry;
	if (sec == CACHE_SEC_SECURE && !(e->xflags & XF_INDEXED))
		link_node(ix, e);
	else if (sec != CACHE_SEC_SECURE && (e->xflags & XF_INDEXED))
		unlink_node(ix, e);
	pthread_mutex_unlock(&ix->lock);
}

void cache_nsec_unlink(struct nsec_index *ix, struct centry *e)
{
	pthread_mutex_lock(&ix->lock);
	if (e->xflags & XF_INDEXED)
		unlink_node(ix, e);
	pthread_mutex_unlock(&ix->lock);
}

bool cache_find_nsec(struct cache *c, const uint8_t *zone, const uint8_t *name,
		     uint64_t now, uint8_t *scratch, size_t cap,
		     struct wire_rrset *nsec, struct wire_rrset *sigs)
{
	struct nsec_index *ix = &c->nsec;
	const struct nsec_node *best = NULL;
	bool found = false;

	pthread_mutex_lock(&ix->lock);
	/* the greatest (zone', owner) <= (zone, name): when its zone' is zone,
	 * the NSEC of zone closest at or before name */
	for (const struct nsec_node *n = ix->root; n; ) {
		int r = node_cmp(zone, name, n);
		if (r >= 0) {
			best = n;
			if (r == 0)
				break;
			n = n->r;
		} else {
			n = n->l;
		}
	}
	if (best && wire_name_equal(best->zone, zone) && !expired(best->e, now)) {
		const struct centry *e = best->e;
		const uint8_t *x = cache_ext(e);
		size_t xlen = cache_ext_len(e);
		uint32_t ttl = cache_entry_ttl(e, now);

		if ((size_t)e->key_len + e->rdata_len + xlen <= cap) {
			struct wire_rrset rs;
			cache_entry_rrset(e, ttl, &rs);
			memcpy(scratch, e->data, e->key_len);
			memcpy(scratch + e->key_len, rs.rdata, rs.rdata_len);
			memcpy(scratch + e->key_len + rs.rdata_len, x, xlen);
			*nsec = rs;
			nsec->owner = scratch;
			nsec->rdata = scratch + e->key_len;
			cache_ext_view(scratch + e->key_len + rs.rdata_len, e->xflags, ttl, sigs,
				       NULL, NULL);
			found = true;
		}
	}
	pthread_mutex_unlock(&ix->lock);
	return found;
}
