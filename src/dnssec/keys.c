/* dnssec/keys.c: a zone's DNSKEY RRset checked against its parent's DS
 * RRset or a trust anchor (RFC 4035 §5.2, RFC 6840 §5.2): which keys the
 * DS records (or anchor DNSKEYs) make trusted, and the self-signature over
 * the DNSKEY RRset by one of them. */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>

/* What the DS/anchor records allow: usable (supported algorithm and digest)
 * records seen, any supported algorithm seen, keys matched. */
struct trust {
	bool any_alg, usable, matched;
};

/* RFC 4509 §3: SHA-1 DS records are ignored when a SHA-256 (or, as
 * unbound does, SHA-384) DS of a supported algorithm is present. */
static bool strong_digest_present(const struct wire_rrset *ds)
{
	struct dsec_rr rr;
	size_t pos = 0;

	while (dsec_rr_next(ds, &pos, &rr))
		if (rr.len > 4 && dsec_algorithm_supported(rr.rd[2]) &&
		    (rr.rd[3] == DSEC_DIGEST_SHA256 || rr.rd[3] == DSEC_DIGEST_SHA384))
			return true;
	return false;
}

static void match_ds(const struct wire_rrset *keys, const struct wire_rrset *ds,
		     bool *allowed, struct trust *t)
{
	bool strong = strong_digest_present(ds);
	struct dsec_rr d, k;
	size_t dpos = 0;
	uint8_t digest[64];

	while (dsec_rr_next(ds, &dpos, &d)) {
		size_t kpos = 0, dlen;
		unsigned ki = 0;

		if (d.len <= 4 || !dsec_algorithm_supported(d.rd[2]))
			continue;
		t->any_alg = true;
		if (!dsec_digest_supported(d.rd[3]) || (d.rd[3] == DSEC_DIGEST_SHA1 && strong))
			continue;
		t->usable = true;
		for (; dsec_rr_next(keys, &kpos, &k); ki++) {
			/* RFC 4034 §5.1: key tag and algorithm first, then the
			 * digest over owner | DNSKEY rdata */
			if (k.len <= 4 || k.rd[3] != d.rd[2] || k.rd[2] != DSEC_DNSKEY_PROTOCOL ||
			    !(wire_get16(k.rd) & DSEC_DNSKEY_ZONE) ||
			    dsec_key_tag(k.rd, k.len) != wire_get16(d.rd))
				continue;
			dlen = dsec_ds_digest(d.rd[3], keys->owner, k.rd, k.len, digest);
			if (dlen == d.len - 4u && memcmp(digest, d.rd + 4, dlen) == 0) {
				allowed[ki] = true;
				t->matched = true;
			}
		}
	}
}

static void match_dnskey(const struct wire_rrset *keys, const struct wire_rrset *anchor,
			 bool *allowed, struct trust *t)
{
	struct dsec_rr a, k;
	size_t apos = 0;

	while (dsec_rr_next(anchor, &apos, &a)) {
		size_t kpos = 0;
		unsigned ki = 0;

		/* RFC 5011 §2.1: a revoked key is no anchor */
		if (a.len <= 4 || (wire_get16(a.rd) & DSEC_DNSKEY_REVOKE))
			continue;
		if (!dsec_algorithm_supported(a.rd[3]))
			continue;
		t->any_alg = t->usable = true;
		for (; dsec_rr_next(keys, &kpos, &k); ki++)
			if (k.len == a.len && memcmp(k.rd, a.rd, a.len) == 0) {
				allowed[ki] = true;
				t->matched = true;
			}
	}
}

void dsec_verify_keys(const struct wire_rrset *keys, const struct wire_rrset *sigs,
		      const struct wire_rrset *anchor, uint64_t now, struct dsec_budget *b,
		      struct dsec_result *res)
{
	struct trust t = { 0 };
	bool *allowed = NULL;

	if (anchor == NULL || anchor->count == 0 ||
	    (anchor->type != WIRE_TYPE_DS && anchor->type != WIRE_TYPE_DNSKEY)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, "no DS or trust anchor");
		goto done;
	}
	if (keys == NULL || keys->type != WIRE_TYPE_DNSKEY || keys->count == 0) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING, "no DNSKEY records");
		goto done;
	}
	if (!wire_name_equal(keys->owner, anchor->owner)) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "DNSKEY owner differs from the DS/anchor owner");
		goto done;
	}
	allowed = calloc(keys->count, sizeof *allowed);
	if (allowed == NULL) {
		dsec_fail(res, DSEC_INDETERMINATE, WIRE_EDE_INDETERMINATE, "out of memory");
		goto done;
	}
	if (anchor->type == WIRE_TYPE_DS)
		match_ds(keys, anchor, allowed, &t);
	else
		match_dnskey(keys, anchor, allowed, &t);
	/* RFC 4035 §5.2, RFC 6840 §5.2: nothing we can check makes the zone
	 * insecure, not bogus */
	if (!t.any_alg) {
		dsec_fail(res, DSEC_INSECURE, WIRE_EDE_UNSUPPORTED_DNSKEY_ALG,
			  "no DS or anchor of a supported algorithm");
		goto done;
	}
	if (!t.usable) {
		dsec_fail(res, DSEC_INSECURE, WIRE_EDE_UNSUPPORTED_DS_DIGEST,
			  "no DS of a supported digest type");
		goto done;
	}
	if (!t.matched) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING,
			  "no DNSKEY matches the DS records or trust anchor");
		goto done;
	}
	dsec_verify_allowed(keys, sigs, keys, allowed, now, b, res);
	/* a key the DS/anchor names is there, but no RRSIG it made: the
	 * signature that matters is missing (EDE 10, as unbound reports it) */
	if (res->state == DSEC_BOGUS && res->ede == WIRE_EDE_DNSKEY_MISSING)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_RRSIGS_MISSING,
			  "no RRSIG over the DNSKEY RRset by a key the DS or trust anchor names");
done:
	free(allowed);
}
