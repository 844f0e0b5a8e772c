/* cdig +chain NAME [TYPE]: the chain of trust, link by link. Fetches with
 * DO=1 and CD=1 (RFC 4035 §3.2.2: the server hands over the data without
 * judging it) the answer and every DS and DNSKEY RRset from the trust
 * anchor down to the answer's signer, from the @server or by iterating from
 * +hints, validates each link with src/dnssec (the resolver's code, so the
 * verdicts and EDE codes are the resolver's) and prints it:
 *   trust anchor -> anchor zone DNSKEY (RFC 4035 §5.2 against the anchor)
 *   -> child DS (signed by the parent) -> child DNSKEY (a key matching the
 *   DS signs the set) ... -> RRSIG over the answer (§5.3), or the NSEC/NSEC3
 *   denial (RFC 4035 §5.4, RFC 5155 §8), or the proof that a delegation has
 *   no DS (insecure, §5.2; RFC 5155 §8.9 opt-out).
 * CNAMEs are followed (each target asked on its own), at most
 * CHAIN_MAX_HOPS. Every zone's keys are established once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdig.h"
#include "cairn/config.h"
#include "cairn/dnssec.h"

#define CHAIN_MAX_ZONES 64   /* names whose DS/DNSKEY state is kept */
#define CHAIN_MAX_HOPS  8    /* CNAMEs followed */

/* What the walk knows about one name at or below the trust anchor. */
struct zstate {
	uint8_t name[WIRE_NAME_MAX];
	enum dsec_state state;   /* SECURE zone cut (keys valid), or not a cut
				  * (not_cut), INSECURE, BOGUS, or
				  * INDETERMINATE (could not be fetched) */
	bool not_cut;
	uint16_t ede;
	const char *why;
	struct cdig_rrset keys;         /* SECURE cut: its DNSKEY RRset */
};

struct chain {
	const struct cdig_query *q;
	struct cdig_query o;     /* the options of our queries */
	struct cdig_server srv[CDIG_MAX_SERVERS];
	size_t nsrv;
	struct cdig_iter *iter;  /* +hints: iterate ourselves */
	struct dsec_anchors *anchors;
	const char *anchor_src;
	struct dsec_budget budget;
	uint64_t now;
	struct zstate z[CHAIN_MAX_ZONES];
	unsigned nz;
	struct zstate none;      /* no anchor above a name, or no room */
	enum dsec_state verdict;
	uint16_t ede;
	const char *why;
	bool links;              /* +json: a link was printed */
};

static void name_text(const uint8_t *name, char *buf, size_t len)
{
	if (wire_name_to_text(name, buf, len) != CAIRN_OK)
		snprintf(buf, len, "?");
}

static const char *type_text(uint16_t type, char *buf, size_t len)
{
	char *s = ldns_rr_type2str(type);

	snprintf(buf, len, "%s", s ? s : "?");
	free(s);
	return buf;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *state_word(enum dsec_state s)
{
	switch (s) {
	case DSEC_SECURE: return "secure";
	case DSEC_INSECURE: return "insecure";
	case DSEC_BOGUS: return "bogus";
	default: return "indeterminate";
	}
}

/* Prints one link: "NAME TYPE: STATE (detail)", the EDE after a bogus or
 * insecure state that has one. */
static void link_print(struct chain *ch, const uint8_t *name, uint16_t type,
		       enum dsec_state st, uint16_t ede, const char *detail)
{
	char n[CDIG_NAME_TEXT], t[32], e[160] = "";
	const char *en = ede != WIRE_EDE_NONE ? cdig_ede_name(ede) : NULL;

	name_text(name, n, sizeof(n));
	type_text(type, t, sizeof(t));
	if (ede != WIRE_EDE_NONE)
		snprintf(e, sizeof(e), "EDE %u%s%s%s", ede, en ? " (" : "", en ? en : "",
			 en ? ")" : "");
	if (ch->q->json) {
		printf("%s\n    {\"name\": ", ch->links ? "," : "");
		json_str(n);
		printf(", \"type\": \"%s\", \"state\": \"%s\"", t, state_word(st));
		if (ede != WIRE_EDE_NONE)
			printf(", \"ede\": %u", ede);
		if (detail && *detail) {
			printf(", \"detail\": ");
			json_str(detail);
		}
		putchar('}');
		ch->links = true;
		return;
	}
	printf("%s %s: %s", n, t, state_word(st));
	if ((detail && *detail) || *e)
		printf(" (%s%s%s)", detail ? detail : "", detail && *detail && *e ? "; " : "",
		       e);
	putchar('\n');
}

/* Records a link's verdict in the whole chain's: bogus beats
 * indeterminate beats insecure beats secure; the first bad reason stays. */
static void verdict(struct chain *ch, enum dsec_state st, uint16_t ede, const char *why)
{
	static const int rank[] = { [DSEC_SECURE] = 0, [DSEC_INSECURE] = 1,
				    [DSEC_INDETERMINATE] = 2, [DSEC_BOGUS] = 3 };

	if (rank[st] > rank[ch->verdict]) {
		ch->verdict = st;
		ch->ede = ede;
		ch->why = why;
	}
}

/* Asks name/type (DO=1, CD=1) of the server, or iterates. */
static cairn_err fetch(struct chain *ch, const uint8_t *name, uint16_t type,
		       struct cdig_reply *r)
{
	char text[CDIG_NAME_TEXT];
	uint8_t *wire = NULL;
	size_t len = 0;
	cairn_err err;

	memset(r, 0, sizeof(*r));
	name_text(name, text, sizeof(text));
	if (ch->iter)
		return cdig_iter_query(ch->iter, text, type, r);
	err = cdig_query_build(&ch->o, text, type, LDNS_RR_CLASS_IN, true, &wire, &len);
	if (err == CAIRN_OK)
		err = cdig_query_send(&ch->o, ch->srv, ch->nsrv, wire, len, true, r);
	free(wire);
	return err;
}

static struct zstate *zfind(struct chain *ch, const uint8_t *name)
{
	unsigned i;

	for (i = 0; i < ch->nz; i++)
		if (wire_name_equal(ch->z[i].name, name))
			return &ch->z[i];
	return NULL;
}

static struct zstate *znew(struct chain *ch, const uint8_t *name)
{
	struct zstate *z;

	if (ch->nz == CHAIN_MAX_ZONES)
		return NULL;
	z = &ch->z[ch->nz++];
	memset(z, 0, sizeof(*z));
	memcpy(z->name, name, wire_name_len(name));
	z->ede = WIRE_EDE_NONE;
	return z;
}

static void zset(struct zstate *z, enum dsec_state st, uint16_t ede, const char *why)
{
	z->state = st;
	z->ede = ede;
	z->why = why;
}

/* Verifies each NSEC/NSEC3 RRset with keys (RFC 4035 §5.4: only validated
 * denials count); fills ptr[] for src/dnssec. false with *res when one
 * fails. */
static bool nsec_verify(struct chain *ch, struct cdig_rrset *set, struct cdig_rrset *sigs, unsigned n,
			const struct wire_rrset *keys, const struct wire_rrset **ptr,
			struct dsec_result *res)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		dsec_verify_rrset(&set[i].rs, &sigs[i].rs, keys, ch->now, &ch->budget, res);
		if (res->state != DSEC_SECURE)
			return false;
		ptr[i] = &set[i].rs;
	}
	return true;
}

/* A fetched DNSKEY RRset checked against anchor (a trust anchor or the
 * DS RRset): z becomes SECURE with the keys, or INSECURE/BOGUS. */
static void keys_link(struct chain *ch, struct zstate *z, const struct wire_rrset *anchor,
		      const char *against)
{
	struct cdig_reply r;
	struct cdig_rrset sigs = { 0 };
	struct dsec_result res = { 0 };
	char d[256] = "";
	int tag;

	if (fetch(ch, z->name, WIRE_TYPE_DNSKEY, &r) != CAIRN_OK) {
		zset(z, DSEC_INDETERMINATE, WIRE_EDE_NONE, "no answer to the DNSKEY query");
		link_print(ch, z->name, WIRE_TYPE_DNSKEY, z->state, z->ede, z->why);
		return;
	}
	if (!cdig_rrset_get(ldns_pkt_answer(r.pkt), z->name, WIRE_TYPE_DNSKEY, &z->keys) ||
	    !cdig_rrset_get(ldns_pkt_answer(r.pkt), z->name, WIRE_TYPE_RRSIG, &sigs)) {
		zset(z, DSEC_INDETERMINATE, WIRE_EDE_NONE, "out of memory");
		goto done;
	}
	if (z->keys.rs.count == 0) {
		/* RFC 4035 §5.2: a DS must point at a key of the zone */
		zset(z, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING, "no DNSKEY RRset");
		snprintf(d, sizeof(d), "the %s points at no key", against);
		link_print(ch, z->name, WIRE_TYPE_DNSKEY, z->state, z->ede, d);
		goto done;
	}
	dsec_verify_keys(&z->keys.rs, &sigs.rs, anchor, ch->now, &ch->budget, &res);
	zset(z, res.state, res.ede, res.why);
	tag = cdig_anchored_tag(&z->keys.rs, anchor);
	if (res.state == DSEC_SECURE)
		snprintf(d, sizeof(d), "KSK %d matches the %s; signed by %d", tag, against,
			 cdig_sig_tag(&sigs.rs, WIRE_TYPE_DNSKEY));
	else if (tag >= 0)
		snprintf(d, sizeof(d), "key %d matches the %s: %s", tag, against,
			 res.why ? res.why : "");
	else
		snprintf(d, sizeof(d), "%s", res.why ? res.why : "");
	link_print(ch, z->name, WIRE_TYPE_DNSKEY, z->state, z->ede, d);
done:
	cdig_rrset_free(&sigs);
	cdig_reply_free(&r);
}

/* The link parent -> child: child's DS RRset signed by parent (a SECURE
 * zone cut), then child's keys; or the proof that there is no DS. */
static void ds_link(struct chain *ch, const struct zstate *parent, struct zstate *z)
{
	struct cdig_reply r;
	struct cdig_rrset ds = { 0 }, sigs = { 0 }, set[CDIG_CHAIN_MAX_NSEC], nsigs[CDIG_CHAIN_MAX_NSEC];
	const struct wire_rrset *ptr[CDIG_CHAIN_MAX_NSEC];
	struct dsec_result res = { 0 };
	struct dsec_ds_denial dd = { 0 };
	char pn[CDIG_NAME_TEXT], d[CDIG_NAME_TEXT + 128];
	unsigned n = 0;
	int tag;

	memset(set, 0, sizeof(set));
	name_text(parent->name, pn, sizeof(pn));
	if (fetch(ch, z->name, WIRE_TYPE_DS, &r) != CAIRN_OK) {
		zset(z, DSEC_INDETERMINATE, WIRE_EDE_NONE, "no answer to the DS query");
		link_print(ch, z->name, WIRE_TYPE_DS, z->state, z->ede, z->why);
		return;
	}
	if (!cdig_rrset_get(ldns_pkt_answer(r.pkt), z->name, WIRE_TYPE_DS, &ds) ||
	    !cdig_rrset_get(ldns_pkt_answer(r.pkt), z->name, WIRE_TYPE_RRSIG, &sigs)) {
		zset(z, DSEC_INDETERMINATE, WIRE_EDE_NONE, "out of memory");
		goto done;
	}
	if (ds.rs.count) {
		dsec_verify_rrset(&ds.rs, &sigs.rs, &parent->keys.rs, ch->now, &ch->budget, &res);
		zset(z, res.state, res.ede, res.why);
		tag = cdig_sig_tag(&sigs.rs, WIRE_TYPE_DS);
		if (res.state == DSEC_SECURE)
			snprintf(d, sizeof(d), "signed by %s %s %d", pn,
				 cdig_key_role(&parent->keys.rs, tag), tag);
		else
			snprintf(d, sizeof(d), "%s", res.why ? res.why : "");
		link_print(ch, z->name, WIRE_TYPE_DS, z->state, z->ede, d);
		if (res.state == DSEC_SECURE)
			keys_link(ch, z, &ds.rs, "DS");
		goto done;
	}
	if (ldns_pkt_get_rcode(r.pkt) != LDNS_RCODE_NOERROR &&
	    ldns_pkt_get_rcode(r.pkt) != LDNS_RCODE_NXDOMAIN) {
		zset(z, DSEC_INDETERMINATE, WIRE_EDE_NONE, "the DS query failed");
		link_print(ch, z->name, WIRE_TYPE_DS, z->state, z->ede, z->why);
		goto done;
	}
	n = cdig_nsec_collect(ldns_pkt_authority(r.pkt), set, nsigs);
	if (!nsec_verify(ch, set, nsigs, n, &parent->keys.rs, ptr, &res)) {
		zset(z, DSEC_BOGUS, res.ede, res.why);
		snprintf(d, sizeof(d), "no DS, and the denial does not verify: %s", res.why);
		link_print(ch, z->name, WIRE_TYPE_DS, z->state, z->ede, d);
		goto done;
	}
	/* RFC 4035 §5.2, RFC 5155 §8.9 */
	dsec_deny_ds(z->name, parent->name, ptr, n, &ch->budget, &dd);
	zset(z, dd.state, dd.ede, dd.why);
	z->not_cut = dd.state == DSEC_SECURE && dd.not_a_cut;
	if (z->not_cut) {
		snprintf(d, sizeof(d), "no DS: %s %s proves no zone cut here", pn,
			 n && set[0].rs.type == WIRE_TYPE_NSEC3 ? "NSEC3" : "NSEC");
		link_print(ch, z->name, WIRE_TYPE_DS, DSEC_SECURE, WIRE_EDE_NONE, d);
		goto done;
	}
	if (dd.state == DSEC_SECURE) {
		zset(z, DSEC_INSECURE, WIRE_EDE_NONE, NULL);
		snprintf(d, sizeof(d), "no DS: %s %s proves an unsigned delegation", pn,
			 set[0].rs.type == WIRE_TYPE_NSEC3 ? "NSEC3" : "NSEC");
	} else if (dd.state == DSEC_INSECURE) {
		snprintf(d, sizeof(d), "no DS: %s NSEC3 %s", pn,
			 dd.ede == WIRE_EDE_NONE ? "proves an unsigned delegation, opt-out"
						 : (dd.why ? dd.why : ""));
	} else {
		snprintf(d, sizeof(d), "no DS and no proof: %s", dd.why ? dd.why : "");
	}
	link_print(ch, z->name, WIRE_TYPE_DS, z->state, z->ede, d);
done:
	cdig_nsec_free(set, nsigs, n);
	cdig_rrset_free(&ds);
	cdig_rrset_free(&sigs);
	cdig_reply_free(&r);
}

/* The trust anchor for name and its zone's keys. */
static struct zstate *anchor_link(struct chain *ch, const uint8_t *name)
{
	uint8_t zone[WIRE_NAME_MAX];
	uint8_t *buf = malloc(DSEC_ANCHOR_MAX);
	struct wire_rrset rs;
	struct zstate *z = NULL;
	char zn[CDIG_NAME_TEXT];
	uint16_t len;
	const uint8_t *p;
	unsigned i;

	if (!buf || !dsec_anchor_find(ch->anchors, name, zone, buf, DSEC_ANCHOR_MAX, &rs)) {
		zset(&ch->none, DSEC_INSECURE, WIRE_EDE_NONE, "no trust anchor above the name");
		z = &ch->none;
		goto done;
	}
	z = zfind(ch, zone);
	if (z)
		goto done;
	z = znew(ch, zone);
	if (!z) {
		zset(&ch->none, DSEC_INDETERMINATE, WIRE_EDE_NONE, "too many zones");
		z = &ch->none;
		goto done;
	}
	name_text(zone, zn, sizeof(zn));
	for (i = 0; !ch->q->json && (p = cdig_rdata_at(&rs, i, &len)); i++) {
		if (rs.type == WIRE_TYPE_DS && len >= 4)
			printf(";; trust anchor: %s DS %u %u %u (from %s)\n", zn, wire_get16(p),
			       p[2], p[3], ch->anchor_src);
		else if (len >= 4)
			printf(";; trust anchor: %s DNSKEY %u %u %u, key %u (from %s)\n", zn,
			       wire_get16(p), p[2], p[3], dsec_key_tag(p, len), ch->anchor_src);
	}
	keys_link(ch, z, &rs, "anchor");
done:
	free(buf);
	return z;
}

/* Establishes the keys from the trust anchor down to target (RFC 4035
 * §5: each zone cut's DS, then its DNSKEY). Returns the deepest SECURE
 * zone cut at or above target, or the state that ended the walk
 * (INSECURE, BOGUS, INDETERMINATE). */
static const struct zstate *walk(struct chain *ch, const uint8_t *target)
{
	const struct zstate *cut = anchor_link(ch, target);
	const uint8_t *cur;
	unsigned tl = wire_name_labels(target);

	if (cut->state != DSEC_SECURE)
		return cut;
	cur = cut->name;
	while (wire_name_labels(cur) < tl) {
		const uint8_t *child = target;
		struct zstate *z;
		unsigned k;

		for (k = wire_name_labels(cur) + 1; k < tl; k++)
			child = wire_name_parent(child);
		z = zfind(ch, child);
		if (!z) {
			z = znew(ch, child);
			if (!z) {
				zset(&ch->none, DSEC_INDETERMINATE, WIRE_EDE_NONE, "too many zones");
				return &ch->none;
			}
			ds_link(ch, cut, z);
		}
		if (z->state != DSEC_SECURE)
			return z;
		if (!z->not_cut)
			cut = z;
		cur = child;
	}
	return cut;
}

/* One question of the chain: name/type fetched, its RRset (or denial)
 * validated. Sets *next to a CNAME's target to follow (else leaves it). */
static void answer_link(struct chain *ch, const uint8_t *name, uint16_t type,
			uint8_t *next, bool *follow)
{
	struct cdig_reply r;
	struct cdig_rrset rs = { 0 }, sigs = { 0 }, set[CDIG_CHAIN_MAX_NSEC], nsigs[CDIG_CHAIN_MAX_NSEC];
	const struct wire_rrset *ptr[CDIG_CHAIN_MAX_NSEC];
	struct dsec_result res = { 0 };
	const struct zstate *z;
	uint8_t signer[WIRE_NAME_MAX], *zone;
	char zn[CDIG_NAME_TEXT], d[CDIG_NAME_TEXT + 160], rc[16];
	const ldns_rr_list *an, *au;
	unsigned n = 0, rcode;
	size_t i;
	uint16_t t = type;

	memset(set, 0, sizeof(set));
	*follow = false;
	if (fetch(ch, name, type, &r) != CAIRN_OK) {
		link_print(ch, name, type, DSEC_INDETERMINATE, WIRE_EDE_NONE, "no answer");
		verdict(ch, DSEC_INDETERMINATE, WIRE_EDE_NONE, "no answer");
		return;
	}
	an = ldns_pkt_answer(r.pkt);
	au = ldns_pkt_authority(r.pkt);
	rcode = ldns_pkt_get_rcode(r.pkt);
	if (!cdig_rrset_get(an, name, t, &rs))
		goto nomem;
	if (rs.rs.count == 0 && t != WIRE_TYPE_CNAME) {
		cdig_rrset_free(&rs);
		t = WIRE_TYPE_CNAME;
		if (!cdig_rrset_get(an, name, t, &rs))
			goto nomem;
	}
	if (!cdig_rrset_get(an, name, WIRE_TYPE_RRSIG, &sigs))
		goto nomem;
	if (rs.rs.count) {
		/* RFC 4035 §5.3: the RRSIG's signer names the zone whose keys
		 * must verify it (§5.3.1: the owner's zone, at or above it);
		 * unsigned data, or a signer elsewhere: the zone the owner
		 * lies in */
		bool have = dsec_signer(&sigs.rs, t, signer) &&
			    wire_name_is_subdomain(name, signer);

		z = walk(ch, have ? signer : name);
		if (z->state != DSEC_SECURE) {
			link_print(ch, name, t, z->state, WIRE_EDE_NONE,
				   z == &ch->none ? z->why
				   : z->state == DSEC_INSECURE ? "" : "no chain of trust");
			verdict(ch, z->state, z->ede, z->why);
			goto cname;
		}
		dsec_verify_rrset(&rs.rs, &sigs.rs, &z->keys.rs, ch->now, &ch->budget, &res);
		name_text(z->name, zn, sizeof(zn));
		snprintf(d, sizeof(d), "%s", res.why ? res.why : "");
		if (res.state == DSEC_SECURE) {
			int tag = cdig_sig_tag(&sigs.rs, t);

			snprintf(d, sizeof(d), "signed by %s %s %d", zn, cdig_key_role(&z->keys.rs, tag),
				 tag);
			if (res.wildcard) {
				/* RFC 4035 §5.3.4, RFC 5155 §8.8 */
				uint8_t wc = res.wc_labels;

				n = cdig_nsec_collect(au, set, nsigs);
				if (nsec_verify(ch, set, nsigs, n, &z->keys.rs, ptr, &res))
					dsec_deny_wildcard(name, wc, z->name, ptr, n,
							   &ch->budget, &res);
				if (res.state == DSEC_SECURE)
					snprintf(d + strlen(d), sizeof(d) - strlen(d),
						 "; wildcard expansion, %u %s prove the name does not exist",
						 n, set[0].rs.type == WIRE_TYPE_NSEC3 ? "NSEC3" : "NSEC");
				else
					snprintf(d, sizeof(d), "wildcard expansion without proof: %s",
						 res.why ? res.why : "");
			}
		}
		link_print(ch, name, t, res.state, res.state == DSEC_SECURE ? WIRE_EDE_NONE : res.ede, d);
		verdict(ch, res.state, res.ede, res.why);
		goto cname;
	}
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		snprintf(d, sizeof(d), "the server answered %s",
			 cdig_rcode_name(rcode, rc, sizeof(rc)));
		link_print(ch, name, type, DSEC_INDETERMINATE, WIRE_EDE_NONE, d);
		verdict(ch, DSEC_INDETERMINATE, WIRE_EDE_NONE, "the server failed");
		goto done;
	}
	/* a negative answer: the zone is the SOA's owner (RFC 2308 §3), else
	 * the proofs' signer, else the zone the name lies in */
	zone = (uint8_t *)name;
	for (i = 0; au && i < ldns_rr_list_rr_count(au); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(au, i);
		const ldns_rdf *o = ldns_rr_owner(rr);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rdf_size(o) <= WIRE_NAME_MAX &&
		    wire_name_len(ldns_rdf_data(o)) == ldns_rdf_size(o) &&
		    wire_name_is_subdomain(name, ldns_rdf_data(o))) {
			memcpy(signer, ldns_rdf_data(o), ldns_rdf_size(o));
			zone = signer;
			break;
		}
	}
	z = walk(ch, zone);
	snprintf(d, sizeof(d), "%s%s%s", rcode == LDNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "NODATA",
		 z == &ch->none ? ", " : "", z == &ch->none ? z->why : "");
	if (z->state != DSEC_SECURE) {
		link_print(ch, name, type, z->state, WIRE_EDE_NONE, d);
		verdict(ch, z->state, z->ede, z->why);
		goto done;
	}
	n = cdig_nsec_collect(au, set, nsigs);
	if (nsec_verify(ch, set, nsigs, n, &z->keys.rs, ptr, &res)) {
		/* RFC 4035 §5.4, RFC 5155 §8.4-8.7 */
		if (rcode == LDNS_RCODE_NXDOMAIN)
			dsec_deny_nxdomain(name, z->name, ptr, n, &ch->budget, &res);
		else
			dsec_deny_nodata(name, type, z->name, ptr, n, &ch->budget, &res);
	}
	name_text(z->name, zn, sizeof(zn));
	if (res.state == DSEC_SECURE)
		snprintf(d + strlen(d), sizeof(d) - strlen(d), ", proven by %u %s of %s", n,
			 set[0].rs.type == WIRE_TYPE_NSEC3 ? "NSEC3" : "NSEC", zn);
	else if (res.why)
		snprintf(d + strlen(d), sizeof(d) - strlen(d), ": %s", res.why);
	link_print(ch, name, type, res.state, res.ede, d);
	verdict(ch, res.state, res.ede, res.why);
	goto done;
cname:
	if (t == WIRE_TYPE_CNAME && type != WIRE_TYPE_CNAME) {
		for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);
			const ldns_rdf *tg = ldns_rr_rdf(rr, 0);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && cdig_owner_is(rr, name) &&
			    tg && ldns_rdf_size(tg) <= WIRE_NAME_MAX &&
			    wire_name_len(ldns_rdf_data(tg)) == ldns_rdf_size(tg)) {
				memcpy(next, ldns_rdf_data(tg), ldns_rdf_size(tg));
				wire_name_lower(next);
				*follow = true;
				break;
			}
		}
	}
	goto done;
nomem:
	verdict(ch, DSEC_INDETERMINATE, WIRE_EDE_NONE, "out of memory");
done:
	cdig_nsec_free(set, nsigs, n);
	cdig_rrset_free(&rs);
	cdig_rrset_free(&sigs);
	cdig_reply_free(&r);
}

/* Connects the chain to its sources: the anchors, the server or hints. */
static int chain_setup(struct chain *ch, const struct cdig_query *q)
{
	bool builtin = false;

	ch->q = q;
	ch->o = *q;
	ch->o.dnssec = true;     /* DO=1: the signatures and proofs */
	ch->o.cdflag = true;     /* CD=1: the data even when bogus */
	ch->o.edns = true;
	ch->verdict = DSEC_SECURE;
	ch->ede = WIRE_EDE_NONE;
	ch->now = (uint64_t)time(NULL);
	dsec_budget_init(&ch->budget);
	if (dsec_anchors_new(q->anchor[0] ? q->anchor : NULL, NULL, 0, NULL, 0, &ch->anchors,
			     &builtin) != CAIRN_OK) {
		fprintf(stderr, "cdig: cannot load the trust anchor file '%s'\n",
			q->anchor[0] ? q->anchor : CONFIG_DEFAULT_TRUST_ANCHOR_FILE);
		return CDIG_EXIT_USAGE;
	}
	ch->anchor_src = builtin ? "the built-in root KSKs"
			 : q->anchor[0] ? q->anchor : CONFIG_DEFAULT_TRUST_ANCHOR_FILE;
	if (q->hints[0]) {
		ch->iter = cdig_iter_new(&ch->o);
		return ch->iter ? 0 : CDIG_EXIT_USAGE;
	}
	if (cdig_servers(&ch->o, ch->srv, &ch->nsrv, NULL) != CAIRN_OK) {
		fprintf(stderr, "cdig: no usable name server\n");
		return CDIG_EXIT_INTERNAL;
	}
	return 0;
}

int cdig_chain(const struct cdig_query *q)
{
	struct chain *ch = calloc(1, sizeof(*ch));
	uint8_t name[WIRE_NAME_MAX], next[WIRE_NAME_MAX];
	size_t len;
	unsigned hop;
	bool follow = true;
	int rc;

	if (!ch)
		return CDIG_EXIT_INTERNAL;
	rc = chain_setup(ch, q);
	if (rc)
		goto done;
	if (wire_name_from_text(q->name, NULL, name, &len) != CAIRN_OK) {
		fprintf(stderr, "cdig: '%s' is not a valid domain name\n", q->name);
		rc = CDIG_EXIT_USAGE;
		goto done;
	}
	if (q->json)
		printf("{\"chain\": [");
	for (hop = 0; follow && hop <= CHAIN_MAX_HOPS; hop++) {
		answer_link(ch, name, q->qtype, next, &follow);
		if (follow)
			memcpy(name, next, WIRE_NAME_MAX);
		if (follow && hop == CHAIN_MAX_HOPS)
			verdict(ch, DSEC_INDETERMINATE, WIRE_EDE_NONE, "too many CNAMEs");
	}
	if (q->json) {
		printf("\n  ], \"verdict\": \"%s\"", state_word(ch->verdict));
		if (ch->ede != WIRE_EDE_NONE)
			printf(", \"ede\": %u", ch->ede);
		if (ch->why) {
			printf(", \"why\": ");
			json_str(ch->why);
		}
		printf("}\n");
	} else if (ch->verdict == DSEC_SECURE || ch->verdict == DSEC_INSECURE) {
		printf(";; verdict: %s\n", state_word(ch->verdict));
	} else if (ch->ede != WIRE_EDE_NONE) {
		printf(";; verdict: %s (EDE %u: %s)\n", state_word(ch->verdict), ch->ede,
		       ch->why ? ch->why : "");
	} else {
		printf(";; verdict: %s (%s)\n", state_word(ch->verdict), ch->why ? ch->why : "");
	}
	rc = ch->verdict == DSEC_BOGUS ? CDIG_EXIT_BOGUS
	     : ch->verdict == DSEC_INDETERMINATE ? CDIG_EXIT_NOREPLY : CDIG_EXIT_OK;
done:
	for (hop = 0; hop < ch->nz; hop++)
		cdig_rrset_free(&ch->z[hop].keys);
	cdig_iter_free(ch->iter);
	dsec_anchors_free(ch->anchors);
	free(ch);
	return rc;
}
