/* zone/answer.c: the authoritative answer (RFC 1034 §4.3.2) from a compiled
 * zone set: referrals at zone cuts, exact matches, CNAME chains across our
 * zones (RFC 6604), wildcards (RFC 4592), negative answers (RFC 2308) and
 * minimal ANY (RFC 8482). This is the hot path: it allocates nothing and
 * only reads the immutable zone data. */
#include "zone_int.h"

#include <string.h>

#define ADDL_MAX 32

enum outcome { OUT_ANSWER, OUT_CNAME, OUT_NODATA, OUT_NXDOMAIN, OUT_REFERRAL };

struct step {
	enum outcome kind;
	const struct zone *z;
	const struct zone_rrset *rrset;   /* answer, CNAME, or the cut's NS */
	const struct zone_node *node;     /* matched (or wildcard) node, or the cut */
	const struct zone_node *ce;       /* closest encloser of a name not found */
	bool wild;                        /* synthesised from node, a wildcard */
};

struct additional {
	const struct zone_rrset *rs[ADDL_MAX];
	unsigned n;
};

/* RFC 1034 §4.3.2 step 3a-3b on the node found for the name (exact or
 * wildcard). */
static void match(const struct zone_node *n, uint16_t qtype, struct step *st)
{
	st->node = n;
	/* RFC 8482 §4.1: answer ANY with one RRset, the first in the file
	 * (not a signature: RRSIGs go with their RRset). */
	if (qtype == WIRE_TYPE_ANY) {
		uint16_t i = 0;
		while (i < n->nrrsets && n->rrsets[i].rs.type == WIRE_TYPE_RRSIG)
			i++;
		st->kind = i < n->nrrsets ? OUT_ANSWER : OUT_NODATA;
		st->rrset = i < n->nrrsets ? &n->rrsets[i] : NULL;
		return;
	}
	if ((st->rrset = zdb_rrset(n, qtype)) != NULL) {
		st->kind = OUT_ANSWER;
		return;
	}
	/* RFC 1034 §4.3.2 step 3a: a CNAME answers every other type. */
	if ((st->rrset = zdb_rrset(n, WIRE_TYPE_CNAME)) != NULL) {
		st->kind = OUT_CNAME;
		return;
	}
	st->kind = OUT_NODATA;
}

static void referral(const struct zone *z, const struct zone_node *n, struct step *st)
{
	const struct zone_node *cut = zdb_cut_above(z, n);
	st->kind = OUT_REFERRAL;
	st->node = cut;
	st->rrset = zdb_rrset(cut, WIRE_TYPE_NS);
}

/* One lookup of name (lowercase wire, len bytes) in z, which encloses it. */
static void lookup(const struct zone *z, const uint8_t *name, size_t len,
		   uint16_t qtype, struct step *st)
{
	const struct zone_node *n = zdb_find(z, name, len);

	st->z = z;
	st->node = st->ce = NULL;
	st->wild = false;
	if (n) {
		/* RFC 1034 §4.3.2 step 3b: a cut above or at the name refers
		 * the client on; DS belongs to the parent side of a cut
		 * (RFC 4035 §3.1.4.1), so it is answered here. */
		if ((n->flags & ZNODE_BELOW) ||
		    ((n->flags & ZNODE_CUT) && qtype != WIRE_TYPE_DS)) {
			referral(z, n, st);
			return;
		}
		match(n, qtype, st);
		return;
	}
	/* The closest encloser: every ancestor up to the apex exists as a
	 * node or an empty non-terminal, so the first one found is it. */
	const uint8_t *p = name;
	size_t plen = len;
	do {
		plen -= 1u + p[0];
		p += 1u + p[0];
		n = zdb_find(z, p, plen);
	} while (!n && plen > z->origin_len);
	if (!n) {                      /* not below the apex: cannot happen */
		st->kind = OUT_NXDOMAIN;
		return;
	}
	st->ce = n;
	if (n->flags & (ZNODE_CUT | ZNODE_BELOW)) {
		referral(z, n, st);
		return;
	}
	/* RFC 4592 §3.3.1: only the source of synthesis "*.<closest
	 * encloser>" may match; an existing name or ENT on the way was found
	 * above and blocks it. */
	if (n->flags & ZNODE_WILDCHILD) {
		uint8_t wc[WIRE_NAME_MAX];
		wc[0] = 1;
		wc[1] = '*';
		memcpy(wc + 2, p, plen);       /* plen + 2 <= len: p is a proper suffix */
		const struct zone_node *w = zdb_find(z, wc, plen + 2);
		if (w) {
			match(w, qtype, st);
			st->wild = true;
			return;
		}
	}
	st->kind = OUT_NXDOMAIN;
}

static void addl_put(struct additional *a, const struct zone_rrset *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < a->n; i++)
		if (a->rs[i] == s)
			return;
	if (a->n < ADDL_MAX)
		a->rs[a->n++] = s;
}

/* The node of target t (lowercase wire) in another zone of zs than z, when
 * it holds authoritative data there (never another zone's glue), or NULL.
 * Looked up at answer time, not linked when the set is built, so that a
 * zone stays untouched by the sets it is part of and a reload can keep an
 * unchanged zone in the new set (doc/ARCHITECTURE.md, "Reloading zones"). */
static const struct zone_node *addl_other_zone(const struct zone_set *zs,
					       const struct zone *z, const uint8_t *t)
{
	const struct zone *o = zone_set_find(zs, t);
	const struct zone_node *tn = o && o != z ? zdb_find(o, t, wire_name_len(t)) : NULL;

	return tn && !(tn->flags & (ZNODE_CUT | ZNODE_BELOW)) ? tn : NULL;
}

/* Additional-section processing (RFC 1034 §3.6, RFC 3596 §3): A and AAAA
 * of NS, MX and SRV targets in our zones. A referral carries glue from its
 * own zone only; answers never carry another zone's occluded data. */
static void addl_collect(struct additional *a, const struct zone_set *zs, const struct zone *z,
			 const struct zone_rrset *s, bool is_referral)
{
	const struct zone_addl *addl = s ? zrrset_addl(s) : NULL;
	const uint8_t *p;
	int toff;

	if (!addl)
		return;
	toff = zdb_target_offset(s->rs.type);
	p = s->rs.rdata;
	for (uint16_t c = 0; c < s->rs.count; c++) {
		const struct zone_addl *t = &addl[c];
		const struct zone_node *n = t->node;
		uint16_t rdlen = wire_get16(p);
		uint8_t target[WIRE_NAME_MAX];

		if (!n && !is_referral && toff >= 0 && (int)rdlen > toff &&
		    rdlen - (size_t)toff <= sizeof(target)) {
			/* the loader checked the name (load.c) */
			memcpy(target, p + 2 + toff, rdlen - (size_t)toff);
			wire_name_lower(target);
			n = addl_other_zone(zs, z, target);
			if (n) {
				addl_put(a, zdb_rrset(n, WIRE_TYPE_A));
				addl_put(a, zdb_rrset(n, WIRE_TYPE_AAAA));
			}
		}
		p += 2u + rdlen;
		if (!n || n != t->node)
			continue;
		if (is_referral ? !t->same_zone :
		    ((n->flags & (ZNODE_CUT | ZNODE_BELOW)) &&
		     !(s->rs.type == WIRE_TYPE_NS && t->same_zone)))
			continue;
		addl_put(a, zdb_rrset(n, WIRE_TYPE_A));
		addl_put(a, zdb_rrset(n, WIRE_TYPE_AAAA));
	}
}

static bool seen_before(const uint8_t *t, size_t tlen, const struct wire_query *q,
			uint8_t names[][WIRE_NAME_MAX], const size_t *lens, unsigned n)
{
	if (tlen == q->qname_len && memcmp(t, q->qname, tlen) == 0)
		return true;
	for (unsigned i = 0; i < n; i++)
		if (lens[i] == tlen && memcmp(names[i], t, tlen) == 0)
			return true;
	return false;
}

bool zone_set_answer(const struct zone_set *zs, const struct wire_query *q,
		     uint8_t *buf, size_t limit, uint16_t edns_size,
		     struct wire_writer *w)
{
	const struct zone *z = zone_set_find(zs, q->qname);
	uint8_t names[ZONE_CHAIN_MAX][WIRE_NAME_MAX];
	size_t lens[ZONE_CHAIN_MAX];
	struct additional addl;   /* not zeroed: only [0, n) is read */
	struct step st;

	addl.n = 0;
	if (!z)
		return false;
	/* RFC 4035 §3.1.4.1: DS belongs to the parent side of a cut; when we
	 * serve the parent too, it answers. */
	if (q->qtype == WIRE_TYPE_DS && q->qname_len == z->origin_len && z->origin_len > 1) {
		const struct zone *up = zone_set_find(zs, wire_name_parent(q->qname));
		if (up)
			z = up;
	}
	/* We serve class IN only; like NSD, class ANY is answered from IN
	 * data without AA, any other class is refused. */
	if (q->qclass != WIRE_CLASS_IN && q->qclass != WIRE_CLASS_ANY) {
		wire_writer_begin(w, buf, limit, q, 0, WIRE_RCODE_REFUSED, edns_size);
		return true;
	}
	bool aa = q->qclass == WIRE_CLASS_IN;
	/* RFC 4035 §3.1: DNSSEC records only for clients that set DO */
	bool do_bit = q->has_edns && q->edns_do;
	struct zsec_proof proof;  /* not zeroed (hot path): only [0, n) is read */

	proof.n = 0;
	proof.collision = false;
	const uint8_t *cur = q->qname;
	size_t cur_len = q->qname_len;

	lookup(z, q->qname, q->qname_len, q->qtype, &st);
	/* RFC 1034 §4.3.2 step 3b: referrals are not authoritative; in a
	 * chain AA follows the first answer (RFC 6604 §2.1). */
	wire_writer_begin(w, buf, limit, q,
			  aa && st.kind != OUT_REFERRAL ? WIRE_FLAG_AA : 0,
			  WIRE_RCODE_NOERROR, edns_size);
	/* The owner as the client wrote it: the question keeps its case. */
	const uint8_t *owner = q->pkt + WIRE_HDR_LEN;
	unsigned links = 0;

	while (st.kind == OUT_CNAME) {
		if (zsec_put(w, WIRE_SEC_ANSWER, st.z, st.node, st.rrset, owner, do_bit,
			     UINT32_MAX) != CAIRN_OK)
			goto finish;
		if (do_bit && st.wild)
			zsec_proof_wildcard(st.z, st.ce, st.node, cur, cur_len, false, &proof);
		/* RFC 1034 §4.3.2 step 3a: restart at the canonical name while
		 * it is ours; a repeated name (a loop) or the chain limit
		 * ends the answer with what we have (RFC 6604 §2.1: the rcode is
		 * that of the last step). */
		const uint8_t *target = st.rrset->rs.rdata + 2;
		size_t tlen = wire_get16(st.rrset->rs.rdata);
		if (links >= ZONE_CHAIN_MAX || tlen == 0 || tlen > WIRE_NAME_MAX)
			goto finish;
		memcpy(names[links], target, tlen);
		wire_name_lower(names[links]);
		if (seen_before(names[links], tlen, q, names, lens, links))
			goto finish;
		lens[links] = tlen;
		const struct zone *z2 = zone_set_find(zs, names[links]);
		if (!z2)
			goto finish;
		lookup(z2, names[links], tlen, q->qtype, &st);
		owner = target;
		cur = names[links];
		cur_len = tlen;
		links++;
	}

	/* response rate limiting keys wildcard answers on the wildcard */
	if (st.wild && st.node)
		w->wildcard = st.node->name;
	switch (st.kind) {
	case OUT_ANSWER:
		if (zsec_put(w, WIRE_SEC_ANSWER, st.z, st.node, st.rrset, owner, do_bit,
			     UINT32_MAX) == CAIRN_OK)
			addl_collect(&addl, zs, st.z, st.rrset, false);
		if (do_bit && st.wild)
			zsec_proof_wildcard(st.z, st.ce, st.node, cur, cur_len, false, &proof);
		break;
	case OUT_NXDOMAIN:
		wire_writer_rcode(w, WIRE_RCODE_NXDOMAIN);
		/* fall through */
	case OUT_NODATA:
		/* RFC 2308 §3: the SOA in authority with the negative TTL (its
		 * RRSIG too, as NSD does). */
		if (st.z->soa)
			zsec_put(w, WIRE_SEC_AUTHORITY, st.z, NULL, st.z->soa, NULL, do_bit,
				 st.z->neg_ttl);
		if (!do_bit)
			break;
		if (st.kind == OUT_NXDOMAIN && st.ce)
			zsec_proof_nxdomain(st.z, st.ce, cur, cur_len, &proof);
		else if (st.kind == OUT_NODATA && st.wild)
			zsec_proof_wildcard(st.z, st.ce, st.node, cur, cur_len, true, &proof);
		else if (st.kind == OUT_NODATA && st.node)
			zsec_proof_nodata(st.z, st.node, &proof);
		break;
	case OUT_REFERRAL:
		/* RFC 1034 §4.3.2 step 3b: the cut's NS in authority, glue in
		 * additional. */
		if (wire_writer_rrset(w, WIRE_SEC_AUTHORITY, &st.rrset->rs, NULL) == CAIRN_OK)
			addl_collect(&addl, zs, st.z, st.rrset, true);
		if (do_bit)
			zsec_proof_referral(st.z, st.node, &proof);
		break;
	case OUT_CNAME:
		break;
	}
	/* RFC 5155 §7.2.9: a denial that cannot be proven is a server failure */
	if (proof.collision) {
		wire_writer_begin(w, buf, limit, q, 0, WIRE_RCODE_SERVFAIL, edns_size);
		return true;
	}
	zsec_proof_write(w, &proof);
	for (unsigned i = 0; i < addl.n; i++)
		zsec_put_additional(w, addl.rs[i], do_bit);
	return true;
finish:
	zsec_proof_write(w, &proof);
	return true;
}
