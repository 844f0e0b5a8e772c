/* zone/proof.c: what a signed zone adds to an answer when the client set
 * DO (RFC 3225, RFC 4035 §3.1): the RRSIGs of every RRset written, and the
 * NSEC or NSEC3 records proving a denial, a wildcard expansion or an
 * unsigned delegation. This is the answer path: it allocates nothing; the
 * only work beyond lookups is hashing one name per NSEC3 proof that names
 * a name absent from the zone (the rest was hashed at load, dnssec.c). */
#include "zone_int.h"

#include <string.h>

static uint32_t node_idx(const struct zone *z, const struct zone_node *n)
{
	return (uint32_t)(n - z->nodes);
}

static void add(struct zsec_proof *p, const struct zone_rrset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < p->n; i++)
		if (p->rs[i] == rs)
			return;
	if (p->n < ZSEC_PROOF_MAX)
		p->rs[p->n++] = rs;
}

static cairn_err put_one(struct wire_writer *w, enum wire_section sec,
			 const struct wire_rrset *rs, const uint8_t *owner, uint32_t ttl)
{
	return ttl == UINT32_MAX ? wire_writer_rrset(w, sec, rs, owner) :
		wire_writer_rrset_ttl(w, sec, rs, owner, ttl);
}

cairn_err zsec_put(struct wire_writer *w, enum wire_section sec, const struct zone *z,
		   const struct zone_node *n, const struct zone_rrset *rs,
		   const uint8_t *owner, bool do_bit, uint32_t ttl)
{
	const struct zone_sec *s = z->sec;
	cairn_err err;

	/* An RRSIG query: every signature at the name, each with the TTL of
	 * what it covers (RFC 4034 §3), like NSD. */
	if (rs->rs.type == WIRE_TYPE_RRSIG && s && n) {
		const struct zsec_sigs *g = &s->sigs[node_idx(z, n)];
		for (uint16_t i = 0; i < g->n; i++)
			if ((err = put_one(w, sec, &g->sets[i], owner, ttl)) != CAIRN_OK)
				return err;
		return CAIRN_OK;
	}
	err = put_one(w, sec, &rs->rs, owner, ttl);
	/* RFC 4035 §3.1.1: the RRSIGs go with the RRset into the same
	 * section; when they do not fit the answer or authority section the
	 * writer sets TC, in the additional section the RRset stays without
	 * them (allowed there). */
	if (err == CAIRN_OK && do_bit && s && zrrset_sig(rs))
		err = put_one(w, sec, zrrset_sig(rs), owner, ttl);
	return err;
}

void zsec_put_additional(struct wire_writer *w, const struct zone_rrset *rs, bool do_bit)
{
	size_t len = w->len;
	unsigned ncomp = w->ncomp;
	uint16_t count = w->count[WIRE_SEC_ADDITIONAL];

	if (wire_writer_rrset(w, WIRE_SEC_ADDITIONAL, &rs->rs, NULL) != CAIRN_OK ||
	    !do_bit || !zrrset_sig(rs))
		return;
	/* RFC 4035 §3.1.1 allows the RRset without its RRSIGs when they do
	 * not fit; a validator could not use it, so it goes too. */
	if (wire_writer_rrset(w, WIRE_SEC_ADDITIONAL, zrrset_sig(rs), NULL) != CAIRN_OK) {
		w->len = len;
		w->ncomp = ncomp;
		w->count[WIRE_SEC_ADDITIONAL] = count;
	}
}

/* ---- NSEC3 (RFC 5155 §7.2) ---- */

static bool n3_match(uint32_t v)
{
	return v != ZONE_NONE && (v & ZSEC_MATCH);
}

static const struct zone_rrset *n3_rr(const struct zone_sec *s, uint32_t v)
{
	return v == ZONE_NONE ? NULL : s->n3[v & ~ZSEC_MATCH].rrset;
}

/* The closest provable encloser of node n (RFC 5155 §7.2.1): n or the
 * nearest ancestor with a matching NSEC3 (opt-out leaves some names out).
 * *below: the node on the way just under it (the next closer), or NULL
 * when n itself matches. */
static const struct zone_node *n3_cpe(const struct zone *z, const struct zone_node *n,
				      const struct zone_node **below)
{
	*below = NULL;
	for (;;) {
		if (n3_match(z->sec->h3[node_idx(z, n)]))
			return n;
		if (n->parent == ZONE_NONE)
			return NULL;
		*below = n;
		n = &z->nodes[n->parent];
	}
}

/* Adds the NSEC3 covering the ancestor of name that has one label more
 * than an encloser of `labels` labels: the next closer name. That name
 * has no NSEC3 of its own (it does not exist, or opt-out left it out):
 * one matching its hash is a collision (RFC 5155 §7.2.9). */
static void n3_next_closer(const struct zone *z, const uint8_t *name, size_t len,
			   unsigned labels, struct zsec_proof *p)
{
	const struct zone_sec *s = z->sec;
	unsigned have = wire_name_labels(name);
	uint8_t h[ZSEC_HASH_LEN];

	if (have <= labels)
		return;
	while (have > labels + 1) {
		len -= 1u + name[0];
		name += 1u + name[0];
		have--;
	}
	dsec_nsec3_hash(name, len, s->iterations, s->salt, s->saltlen, h);
	uint32_t v = zsec_n3_find(s, h);
	if (n3_match(v))
		p->collision = true;
	add(p, n3_rr(s, v));
}

/* The closest (provable) encloser proof for a delegation or NODATA name
 * without an NSEC3 of its own (opt-out, RFC 5155 §7.2.4, §7.2.7). */
static void n3_cpe_proof(const struct zone *z, const struct zone_node *n,
			 struct zsec_proof *p)
{
	const struct zone_node *below;
	const struct zone_node *cpe = n3_cpe(z, n, &below);

	if (!cpe)
		return;
	add(p, n3_rr(z->sec, z->sec->h3[node_idx(z, cpe)]));
	if (below)
		add(p, n3_rr(z->sec, z->sec->h3[node_idx(z, below)]));
}

/* ---- NSEC (RFC 4035 §3.1.3) ---- */

/* The NSEC matching or covering name. */
static const struct zone_rrset *nsec_for(const struct zone_sec *s, const uint8_t *name)
{
	const struct zone_node *n = zsec_nsec_find(s, name);
	return n ? zdb_rrset(n, WIRE_TYPE_NSEC) : NULL;
}

static bool usable(const struct zone *z)
{
	return z->sec && (z->sec->nsec3 ? z->sec->nn3 > 0 : z->sec->nnsec > 0);
}

void zsec_proof_nodata(const struct zone *z, const struct zone_node *n,
		       struct zsec_proof *p)
{
	if (!usable(z))
		return;
	if (!z->sec->nsec3) {
		/* RFC 4035 §3.1.3.1: the NSEC of the name; an empty
		 * non-terminal has none, the one covering it proves the same */
		const struct zone_rrset *own = zdb_rrset(n, WIRE_TYPE_NSEC);
		add(p, own ? own : nsec_for(z->sec, n->name));
		return;
	}
	/* RFC 5155 §7.2.3: the NSEC3 matching the name; §7.2.4: without
	 * one (an opt-out delegation asked for DS), the closest provable
	 * encloser proof */
	uint32_t v = z->sec->h3[node_idx(z, n)];
	if (n3_match(v))
		add(p, n3_rr(z->sec, v));
	else
		n3_cpe_proof(z, n, p);
	/* asked for the wildcard itself: like a wildcard NODATA (§7.2.5),
	 * with the NSEC3 of its parent, the closest encloser (as NSD does) */
	if ((n->flags & ZNODE_WILD) && n->parent != ZONE_NONE) {
		v = z->sec->h3[n->parent];
		if (n3_match(v))
			add(p, n3_rr(z->sec, v));
	}
}

void zsec_proof_nxdomain(const struct zone *z, const struct zone_node *ce,
			 const uint8_t *name, size_t len, struct zsec_proof *p)
{
	uint8_t wc[WIRE_NAME_MAX];

	if (!usable(z))
		return;
	if (!z->sec->nsec3) {
		/* RFC 4035 §3.1.3.2: the NSEC covering the name and the one
		 * covering the wildcard that could have matched it */
		add(p, nsec_for(z->sec, name));
		if (ce->name_len + 2u <= WIRE_NAME_MAX) {
			wc[0] = 1;
			wc[1] = '*';
			memcpy(wc + 2, ce->name, ce->name_len);
			add(p, nsec_for(z->sec, wc));
		}
		return;
	}
	/* RFC 5155 §7.2.2: closest provable encloser, next closer name,
	 * wildcard at the closest provable encloser */
	const struct zone_node *below;
	const struct zone_node *cpe = n3_cpe(z, ce, &below);
	if (!cpe)
		return;
	add(p, n3_rr(z->sec, z->sec->h3[node_idx(z, cpe)]));
	n3_next_closer(z, name, len, wire_name_labels(cpe->name), p);
	add(p, n3_rr(z->sec, z->sec->wc3[node_idx(z, cpe)]));
}

void zsec_proof_wildcard(const struct zone *z, const struct zone_node *ce,
			 const struct zone_node *wild, const uint8_t *name, size_t len,
			 bool nodata, struct zsec_proof *p)
{
	if (!usable(z))
		return;
	if (!z->sec->nsec3) {
		/* RFC 4035 §3.1.3.3: no closer match exists; §3.1.3.4: and
		 * the wildcard has no such type */
		add(p, nsec_for(z->sec, name));
		if (nodata)
			add(p, zdb_rrset(wild, WIRE_TYPE_NSEC));
		return;
	}
	/* RFC 5155 §7.2.6: the NSEC3 covering the next closer name;
	 * §7.2.5: with the closest encloser's and the wildcard's NSEC3 */
	if (nodata)
		add(p, n3_rr(z->sec, z->sec->h3[node_idx(z, ce)]));
	n3_next_closer(z, name, len, wire_name_labels(ce->name), p);
	if (nodata)
		add(p, n3_rr(z->sec, z->sec->h3[node_idx(z, wild)]));
}

void zsec_proof_referral(const struct zone *z, const struct zone_node *cut,
			 struct zsec_proof *p)
{
	const struct zone_rrset *ds = zdb_rrset(cut, WIRE_TYPE_DS);

	if (!z->sec)
		return;
	/* RFC 4035 §3.1.4: the DS RRset of a secure delegation ... */
	if (ds) {
		add(p, ds);
		return;
	}
	if (!usable(z))
		return;
	/* ... else the NSEC (RFC 4035 §3.1.4) or NSEC3 (RFC 5155 §7.2.7)
	 * proving it has none */
	if (!z->sec->nsec3) {
		add(p, zdb_rrset(cut, WIRE_TYPE_NSEC));
		return;
	}
	uint32_t v = z->sec->h3[node_idx(z, cut)];
	if (n3_match(v))
		add(p, n3_rr(z->sec, v));
	else
		n3_cpe_proof(z, cut, p);
}

void zsec_proof_write(struct wire_writer *w, const struct zsec_proof *p)
{
	/* the proofs may come from several zones of a CNAME chain: each
	 * RRset carries its own signatures */
	for (unsigned i = 0; i < p->n; i++) {
		if (wire_writer_rrset(w, WIRE_SEC_AUTHORITY, &p->rs[i]->rs, NULL) != CAIRN_OK)
			return;
		if (zrrset_sig(p->rs[i]) &&
		    wire_writer_rrset(w, WIRE_SEC_AUTHORITY, zrrset_sig(p->rs[i]), NULL) != CAIRN_OK)
			return;
	}
}
