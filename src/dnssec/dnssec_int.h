/* dnssec internals shared by the files of src/dnssec only: walking the
 * records of a wire RRset, the RFC 4034 §6 canonical form and signed data,
 * the ldns/OpenSSL edge, and the NSEC/NSEC3 record accessors used by the
 * denial proofs. */
#ifndef CAIRN_DNSSEC_INT_H
#define CAIRN_DNSSEC_INT_H

#include "cairn/dnssec.h"

#define DSEC_RRSIG_FIXED 18      /* RRSIG rdata before the signer name, RFC 4034 §3.1 */
#define DSEC_DNSKEY_ZONE 0x0100  /* DNSKEY flags: Zone Key, RFC 4034 §2.1.1 */
#define DSEC_DNSKEY_REVOKE 0x0080 /* DNSKEY flags: REVOKE, RFC 5011 §7 */
#define DSEC_DNSKEY_PROTOCOL 3   /* RFC 4034 §2.1.2 */
#define DSEC_ALG_RSASHA1 5       /* DNSSEC algorithm numbers, RFC 8624 §3.1 */
#define DSEC_ALG_RSASHA1_NSEC3 7
#define DSEC_ALG_RSASHA256 8
#define DSEC_ALG_RSASHA512 10
#define DSEC_ALG_ECDSAP256 13
#define DSEC_ALG_ECDSAP384 14
#define DSEC_ALG_ED25519 15
#define DSEC_ALG_ED448 16
#define DSEC_DIGEST_SHA1 1       /* DS digest types, RFC 8624 §3.3 */
#define DSEC_DIGEST_SHA256 2
#define DSEC_DIGEST_SHA384 4
#define DSEC_NSEC3_SHA1 1        /* NSEC3 hash algorithm, RFC 5155 §11 */
#define DSEC_NSEC3_OPTOUT 0x01   /* NSEC3 flags, RFC 5155 §3.1.2.1 */

/* One record of an RRset: rdata and its length. */
struct dsec_rr { const uint8_t *rd; uint16_t len; };

/* Steps through rs's records: *pos starts at 0; fills *rr and returns true
 * while there is a well-framed record left, false at the end or on bad
 * framing (count and rdata_len disagree). */
bool dsec_rr_next(const struct wire_rrset *rs, size_t *pos, struct dsec_rr *rr);
/* Length of the uncompressed wire name at p within avail bytes; 0 when it
 * is malformed (a pointer, a bad label type, longer than 255 or avail). */
size_t dsec_name_len(const uint8_t *p, size_t avail);
/* Serial-number "a is before b" (RFC 1982 §3.2, RFC 4034 §3.1.5). */
bool dsec_serial_lt(uint32_t a, uint32_t b);

/* Builds into *out (malloc'd, the caller frees) the data an RRSIG signs
 * (RFC 4034 §3.1.8.1, §6.2, §6.3): the RRSIG rdata without the signature
 * (sig[0..prefix), signer name lowercased), then each record of rs in
 * canonical form: owner (or "*." + its last labels labels when the RRSIG's
 * labels are fewer, RFC 4035 §5.3.2), type, class, the original TTL, the
 * rdata with names lowercased for the types of RFC 4034 §6.2 (RFC 6840
 * §5.1), records sorted and duplicates removed. Returns CAIRN_OK,
 * CAIRN_EFORMAT (bad rdata framing) or CAIRN_ENOMEM. */
cairn_err dsec_signed_data(const struct wire_rrset *rs, const uint8_t *sig, size_t prefix,
			   uint8_t *owner_buf, uint8_t **out, size_t *outlen);

/* The ldns/OpenSSL edge: true when signature sig (as in the RRSIG) over
 * data verifies with the DNSKEY public key key (the DNSKEY rdata after its
 * 4 fixed bytes) of algorithm alg. */
bool dsec_crypto_verify(uint8_t alg, const uint8_t *sig, size_t siglen,
			const uint8_t *data, size_t datalen, const uint8_t *key, size_t keylen);
/* The DS digest of type digest over owner|dnskey rdata into out (48 bytes
 * room); returns the digest length, 0 for an unsupported type. */
size_t dsec_ds_digest(uint8_t digest, const uint8_t *owner, const uint8_t *rd,
		      size_t rdlen, uint8_t *out);

/* dsec_verify_rrset with only the keys whose index i in keys has
 * allowed[i] (NULL: all) tried: dsec_verify_keys' trusted KSKs. */
void dsec_verify_allowed(const struct wire_rrset *rs, const struct wire_rrset *sigs,
			 const struct wire_rrset *keys, const bool *allowed, uint64_t now,
			 struct dsec_budget *b, struct dsec_result *res);
/* Result helpers: fill res with a BOGUS/INSECURE verdict. */
void dsec_fail(struct dsec_result *res, enum dsec_state st, uint16_t ede, const char *why);

/* ---- NSEC / NSEC3 record accessors (deny*.c) ---- */
/* True when the type bitmap (RFC 4034 §4.1.2) bm[0..len) has type. */
bool dsec_bitmap_has(const uint8_t *bm, size_t len, uint16_t type);
/* Why the denial record (type bitmap bm[0..len)) owned by name does not
 * prove NODATA for qtype, or NULL when it does (RFC 4035 §3.1.3.1, §5.4,
 * RFC 5155 §8.5-8.7, RFC 6840 §4.1): the type or a CNAME is listed, a DS
 * denied by the child's apex record, or another type by a delegation's. */
const char *dsec_nodata_bad(const uint8_t *bm, size_t len, const uint8_t *name,
			    uint16_t qtype);
/* "*." + ce into out (WIRE_NAME_MAX bytes); false when that is too long. */
bool dsec_wildcard_of(const uint8_t *ce, uint8_t *out);
/* One NSEC3 record parsed (RFC 5155 §3.2). */
struct dsec_n3 {
	uint8_t hash[DSEC_NSEC3_HASH_LEN];   /* from the owner's first label */
	uint8_t next[DSEC_NSEC3_HASH_LEN];
	uint8_t flags;
	uint16_t iterations;
	const uint8_t *salt;
	uint8_t saltlen;
	const uint8_t *bitmap;
	size_t bitmap_len;
};
/* Parses one NSEC3 record with owner owner in zone: false when unusable
 * (other hash algorithm, unknown flags (RFC 5155 §8.2), owner not one
 * Base32hex label directly below zone, bad lengths). */
bool dsec_n3_parse(const uint8_t *owner, const uint8_t *zone, const struct dsec_rr *rr,
		   struct dsec_n3 *n3);

/* The NSEC3 half of the denial proofs (deny_nsec3.c); same contracts as
 * the public dsec_deny_* functions, called when nsec[] holds NSEC3. */
void dsec_n3_nxdomain(const uint8_t *qname, const uint8_t *zone,
		      const struct wire_rrset *const *nsec, unsigned n,
		      struct dsec_budget *b, struct dsec_result *res);
void dsec_n3_nodata(const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
		    const struct wire_rrset *const *nsec, unsigned n,
		    struct dsec_budget *b, struct dsec_result *res);
void dsec_n3_wildcard(const uint8_t *qname, uint8_t wc_labels, const uint8_t *zone,
		      const struct wire_rrset *const *nsec, unsigned n,
		      struct dsec_budget *b, struct dsec_result *res);
void dsec_n3_ds(const uint8_t *name, const uint8_t *zone,
		const struct wire_rrset *const *nsec, unsigned n,
		struct dsec_budget *b, struct dsec_ds_denial *res);

#endif
