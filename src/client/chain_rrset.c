/* cdig +chain's RRset helpers: RRsets copied out of ldns messages into
 * the wire form src/dnssec checks (struct wire_rrset), and the key tags
 * and roles its lines print (RFC 4034 §2.1.1, §3.1.6, Appendix B). */
#include <stdlib.h>
#include <string.h>

#include "cdig.h"
#include "cairn/dnssec.h"

void cdig_rrset_free(struct cdig_rrset *c)
{
	free(c->data);
	c->data = NULL;
	c->rs.count = 0;
}

bool cdig_owner_is(const ldns_rr *rr, const uint8_t *name)
{
	const ldns_rdf *o = ldns_rr_owner(rr);

	return ldns_rdf_size(o) <= WIRE_NAME_MAX &&
	       wire_name_len(ldns_rdf_data(o)) == ldns_rdf_size(o) &&
	       wire_name_equal(ldns_rdf_data(o), name);
}

/* Copies the records of type at owner in l into c (count 0 when none).
 * false when out of memory. */
bool cdig_rrset_get(const ldns_rr_list *l, const uint8_t *owner, uint16_t type,
		    struct cdig_rrset *c)
{
	ldns_buffer *b = ldns_buffer_new(512);
	size_t i;
	bool ok = false;

	memset(c, 0, sizeof(*c));
	memcpy(c->owner, owner, wire_name_len(owner));
	wire_name_lower(c->owner);
	c->rs.owner = c->owner;
	c->rs.type = type;
	c->rs.rclass = WIRE_CLASS_IN;
	if (!b)
		return false;
	for (i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		size_t at;

		if (ldns_rr_get_type(rr) != type || !cdig_owner_is(rr, owner))
			continue;
		at = ldns_buffer_position(b);
		ldns_buffer_write_u16(b, 0);
		if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK ||
		    ldns_buffer_position(b) - at - 2 > 65535)
			goto done;
		ldns_buffer_write_u16_at(b, at, (uint16_t)(ldns_buffer_position(b) - at - 2));
		if (!c->rs.count || ldns_rr_ttl(rr) < c->rs.ttl)
			c->rs.ttl = ldns_rr_ttl(rr);
		c->rs.count++;
	}
	if (ldns_buffer_status(b) != LDNS_STATUS_OK)
		goto done;
	c->rs.rdata_len = (uint32_t)ldns_buffer_position(b);
	c->data = ldns_buffer_export(b);
	c->rs.rdata = c->data;
	ok = true;
done:
	ldns_buffer_free(b);
	return ok;
}

/* The rdata of the i-th record of rs (length in *len), NULL past the end. */
const uint8_t *cdig_rdata_at(const struct wire_rrset *rs, unsigned i, uint16_t *len)
{
	const uint8_t *p = rs->rdata, *end = rs->rdata + rs->rdata_len;
	unsigned k;

	for (k = 0; p + 2 <= end; k++) {
		uint16_t l = wire_get16(p);

		if (p + 2 + l > end)
			return NULL;
		if (k == i) {
			*len = l;
			return p + 2;
		}
		p += 2 + l;
	}
	return NULL;
}

/* The key tag of the first RRSIG in sigs covering type (RFC 4034 §3.1.6),
 * -1 when none. */
int cdig_sig_tag(const struct wire_rrset *sigs, uint16_t type)
{
	uint16_t len;
	const uint8_t *p;
	unsigned i;

	for (i = 0; (p = cdig_rdata_at(sigs, i, &len)); i++)
		if (len >= 18 && wire_get16(p) == type)
			return wire_get16(p + 16);
	return -1;
}

/* "KSK" or "ZSK" (the SEP flag, RFC 4034 §2.1.1) of the key tagged tag. */
const char *cdig_key_role(const struct wire_rrset *keys, int tag)
{
	uint16_t len;
	const uint8_t *p;
	unsigned i;

	for (i = 0; (p = cdig_rdata_at(keys, i, &len)); i++)
		if (len >= 4 && dsec_key_tag(p, len) == tag)
			return wire_get16(p) & 1 ? "KSK" : "ZSK";
	return "key";
}

/* The tag of a key in keys that a DS or DNSKEY record of anchor names
 * (tag and algorithm; dsec_verify_keys checks the digest), -1 when none. */
int cdig_anchored_tag(const struct wire_rrset *keys, const struct wire_rrset *anchor)
{
	uint16_t kl, al;
	const uint8_t *k, *a;
	unsigned i, j;

	for (i = 0; (k = cdig_rdata_at(keys, i, &kl)); i++) {
		if (kl < 4)
			continue;
		for (j = 0; (a = cdig_rdata_at(anchor, j, &al)); j++) {
			if (anchor->type == WIRE_TYPE_DS && al >= 4 &&
			    wire_get16(a) == dsec_key_tag(k, kl) && a[2] == k[3])
				return dsec_key_tag(k, kl);
			if (anchor->type == WIRE_TYPE_DNSKEY && al == kl &&
			    memcmp(a, k, kl) == 0)
				return dsec_key_tag(k, kl);
		}
	}
	return -1;
}

/* Copies the NSEC/NSEC3 RRsets of l (and their RRSIGs) into set/sigs;
 * returns how many (at most CDIG_CHAIN_MAX_NSEC). */
unsigned cdig_nsec_collect(const ldns_rr_list *l, struct cdig_rrset *set, struct cdig_rrset *sigs)
{
	unsigned n = 0, k;
	size_t i;

	for (i = 0; l && i < ldns_rr_list_rr_count(l) && n < CDIG_CHAIN_MAX_NSEC; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		uint16_t t = (uint16_t)ldns_rr_get_type(rr);
		const ldns_rdf *o = ldns_rr_owner(rr);
		bool seen = false;

		if ((t != WIRE_TYPE_NSEC && t != WIRE_TYPE_NSEC3) || ldns_rdf_size(o) > WIRE_NAME_MAX ||
		    wire_name_len(ldns_rdf_data(o)) != ldns_rdf_size(o))
			continue;
		for (k = 0; k < n && !seen; k++)
			seen = set[k].rs.type == t && cdig_owner_is(rr, set[k].owner);
		if (seen)
			continue;
		if (!cdig_rrset_get(l, ldns_rdf_data(o), t, &set[n]) ||
		    !cdig_rrset_get(l, ldns_rdf_data(o), WIRE_TYPE_RRSIG, &sigs[n])) {
			cdig_rrset_free(&set[n]);
			break;
		}
		n++;
	}
	return n;
}

void cdig_nsec_free(struct cdig_rrset *set, struct cdig_rrset *sigs, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		cdig_rrset_free(&set[i]);
		cdig_rrset_free(&sigs[i]);
	}
}

