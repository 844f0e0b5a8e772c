/* dnssec/verify.c: RRSIG checks (RFC 4035 §5.3) of one RRset against a
 * trusted DNSKEY RRset, with the candidate signatures and keys filtered by
 * type covered, signer, labels, validity window, algorithm and key tag
 * before any cryptography, and every verification counted against the
 * per-RRset and per-resolution budgets (KeyTrap, CVE-2023-50387). */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>

void dsec_budget_init(struct dsec_budget *b)
{
	b->sigs = DSEC_MAX_SIG_PER_RESOLUTION;
	b->nsec3 = DSEC_MAX_NSEC3_PER_RESOLUTION;
}

void dsec_fail(struct dsec_result *res, enum dsec_state st, uint16_t ede, const char *why)
{
	res->state = st;
	res->ede = ede;
	res->why = why;
	res->ttl = 0;
	res->wildcard = false;
	res->wc_labels = 0;
}

uint16_t dsec_key_tag(const uint8_t *rdata, size_t rdlen)
{
	uint32_t ac = 0;

	/* RFC 4034 Appendix B (algorithm 1's special case is not supported
	 * here: RSAMD5 is never validated) */
	for (size_t i = 0; i < rdlen; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

bool dsec_signer(const struct wire_rrset *sigs, uint16_t type, uint8_t *signer)
{
	struct dsec_rr rr;
	size_t pos = 0, n;

	if (sigs == NULL || sigs->type != WIRE_TYPE_RRSIG)
		return false;
	while (dsec_rr_next(sigs, &pos, &rr)) {
		if (rr.len < DSEC_RRSIG_FIXED + 1 || wire_get16(rr.rd) != type)
			continue;
		n = dsec_name_len(rr.rd + DSEC_RRSIG_FIXED, rr.len - DSEC_RRSIG_FIXED);
		if (n == 0)
			return false;
		memcpy(signer, rr.rd + DSEC_RRSIG_FIXED, n);
		wire_name_lower(signer);
		return true;
	}
	return false;
}

/* Labels of an owner as the RRSIG labels field counts them: without the
 * root and without a leading "*" (RFC 4034 §3.1.3). */
static unsigned sig_labels(const uint8_t *owner)
{
	unsigned n = wire_name_labels(owner);
	return (owner[0] == 1 && owner[1] == '*') ? n - 1 : n;
}

/* What went wrong so far, kept to pick the most telling EDE at the end. */
struct why_not {
	bool covered, unusable, unsupported, expired, notyet, crypto;
};

static void verdict(const struct why_not *w, struct dsec_result *res)
{
	if (w->crypto)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, "signature does not verify");
	else if (w->expired)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_SIG_EXPIRED, "signature expired");
	else if (w->notyet)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_SIG_NOT_YET, "signature not yet valid");
	else if (w->unusable)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS,
			  "unusable RRSIG (labels or signer do not fit the owner)");
	else if (w->unsupported)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_UNSUPPORTED_DNSKEY_ALG,
			  "only signatures of unsupported algorithms");
	else if (w->covered)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING,
			  "no DNSKEY matches the RRSIG's signer, algorithm and key tag");
	else
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_RRSIGS_MISSING, "no RRSIG covers the RRset");
}

/* True when key (DNSKEY rdata) may have made sig: zone key, protocol 3,
 * same algorithm and key tag (RFC 4035 §5.3.1). */
static bool key_fits(const struct dsec_rr *key, uint8_t alg, uint16_t tag)
{
	return key->len > 4 && (wire_get16(key->rd) & DSEC_DNSKEY_ZONE) &&
	       key->rd[2] == DSEC_DNSKEY_PROTOCOL && key->rd[3] == alg &&
	       dsec_key_tag(key->rd, key->len) == tag;
}

static void secure(const struct wire_rrset *rs, const struct wire_rrset *sigs,
		   const uint8_t *rd, uint32_t now32, unsigned owner_labels,
		   struct dsec_result *res)
{
	uint32_t ttl = rs->ttl, v;

	/* RFC 4035 §5.3.3: never longer than the original TTL, the RRSIG's
	 * TTL or the time left to the signature's expiration */
	if ((v = wire_get32(rd + 4)) < ttl)
		ttl = v;
	if (sigs->ttl < ttl)
		ttl = sigs->ttl;
	if ((v = wire_get32(rd + 8) - now32) < ttl)
		ttl = v;
	res->state = DSEC_SECURE;
	res->ede = WIRE_EDE_NONE;
	res->why = NULL;
	res->ttl = ttl;
	res->wc_labels = rd[3];
	res->wildcard = rd[3] < owner_labels;        /* RFC 4035 §5.3.4 */
}

void dsec_verify_allowed(const struct wire_rrset *rs, const struct wire_rrset *sigs,
			 const struct wire_rrset *keys, const bool *allowed, uint64_t now,
			 struct dsec_budget *b, struct dsec_result *res)
{
	struct why_not w = { 0 };
	struct dsec_rr sig, key;
	size_t spos = 0, datalen = 0;
	unsigned tried = 0, owner_labels = sig_labels(rs->owner);
	uint32_t now32 = (uint32_t)now;
	uint8_t wc_owner[WIRE_NAME_MAX], *data = NULL;
	const char *budget = NULL;

	if (keys == NULL || keys->type != WIRE_TYPE_DNSKEY) {
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING, "no DNSKEY records");
		return;
	}
	while (sigs != NULL && sigs->type == WIRE_TYPE_RRSIG && dsec_rr_next(sigs, &spos, &sig)) {
		size_t kpos = 0, slen, prefix;
		unsigned ki = 0;

		free(data);                     /* the previous signature's */
		data = NULL;
		if (sig.len < DSEC_RRSIG_FIXED + 2 || wire_get16(sig.rd) != rs->type)
			continue;
		w.covered = true;
		slen = dsec_name_len(sig.rd + DSEC_RRSIG_FIXED, sig.len - DSEC_RRSIG_FIXED);
		prefix = DSEC_RRSIG_FIXED + slen;
		if (slen == 0 || prefix >= sig.len) {
			w.unusable = true;
			continue;
		}
		if (!wire_name_equal(sig.rd + DSEC_RRSIG_FIXED, keys->owner))
			continue;          /* another signer: not for these keys */
		/* RFC 4035 §5.3.1: the signer is the owner or an ancestor, the
		 * labels field is at most the owner's label count (and, for a
		 * wildcard, not above the signer's zone) */
		if (!wire_name_is_subdomain(rs->owner, keys->owner) || sig.rd[3] > owner_labels ||
		    sig.rd[3] < wire_name_labels(keys->owner)) {
			w.unusable = true;
			continue;
		}
		if (!dsec_algorithm_supported(sig.rd[2])) {
			w.unsupported = true;
			continue;
		}
		for (; dsec_rr_next(keys, &kpos, &key); ki++) {
			if ((allowed != NULL && !allowed[ki]) ||
			    !key_fits(&key, sig.rd[2], wire_get16(sig.rd + 16)))
				continue;
			/* RFC 4035 §5.3.1 validity window, RFC 4034 §3.1.5 */
			if (dsec_serial_lt(wire_get32(sig.rd + 8), now32)) {
				w.expired = true;
				break;
			}
			if (dsec_serial_lt(now32, wire_get32(sig.rd + 12))) {
				w.notyet = true;
				break;
			}
			if (tried == DSEC_MAX_SIG_PER_RRSET) {
				budget = "budget exhausted: too many signatures and keys to try "
					 "for one RRset";
				goto done;
			}
			if (b->sigs == 0) {
				budget = "budget exhausted: signature verifications of this "
					 "resolution used up";
				goto done;
			}
			if (data == NULL && dsec_signed_data(rs, sig.rd, prefix, wc_owner,
							     &data, &datalen) != CAIRN_OK) {
				w.crypto = true;        /* malformed rdata cannot verify */
				break;
			}
			tried++;
			b->sigs--;
			if (dsec_crypto_verify(sig.rd[2], sig.rd + prefix, sig.len - prefix,
					       data, datalen, key.rd + 4, key.len - 4u)) {
				secure(rs, sigs, sig.rd, now32, owner_labels, res);
				goto done;
			}
			w.crypto = true;
		}
	}
	verdict(&w, res);
done:
	if (budget != NULL)
		dsec_fail(res, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, budget);
	free(data);
}

void dsec_verify_rrset(const struct wire_rrset *rs, const struct wire_rrset *sigs,
		       const struct wire_rrset *keys, uint64_t now, struct dsec_budget *b,
		       struct dsec_result *res)
{
	dsec_verify_allowed(rs, sigs, keys, NULL, now, b, res);
}
