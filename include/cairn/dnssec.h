/* dnssec: DNSSEC validation for the resolver (RFC 4033-4035, 5155, 6840,
 * 9276): RRSIG checks over cairn's wire RRsets (ldns over OpenSSL does the
 * cryptography, one key at a time), DNSKEY-against-DS checks, NSEC/NSEC3
 * denial proofs, the work budget of one resolution, and the thread-safe
 * store of trust anchors and negative trust anchors. Pure functions except
 * the anchor store; nothing here does I/O after dsec_anchors_new. */
#ifndef CAIRN_DNSSEC_H
#define CAIRN_DNSSEC_H

#include "cairn/common.h"
#include "cairn/wire.h"

enum dsec_state { DSEC_INDETERMINATE = 0, DSEC_INSECURE, DSEC_SECURE, DSEC_BOGUS };

/* Work budget of one resolution (doc/ARCHITECTURE.md rule 10, KeyTrap
 * CVE-2023-50387, NSEC3 CVE-2023-50868). References: unbound 1.19.1
 * validator/val_sigcrypt.h MAX_VALIDATE_RRSIGS 8 (signatures tried for one
 * RRset), validator/validator.h MAX_VALIDATE_AT_ONCE 8 x
 * MAX_VALIDATION_SUSPENDS 16 = 128 per query, validator/val_nsec3.h
 * MAX_NSEC3_CALCULATIONS 8 per pass x 16 suspends = 128 per query. */
#define DSEC_MAX_SIG_PER_RRSET 8          /* verifications tried for one RRset */
#define DSEC_MAX_SIG_PER_RESOLUTION 128   /* verifications for one resolution */
#define DSEC_MAX_NSEC3_PER_RESOLUTION 128 /* NSEC3 name hashes (each up to
					   * 1 + DSEC_NSEC3_MAX_ITERATIONS SHA-1) */
#define DSEC_NSEC3_MAX_ITERATIONS 150     /* RFC 9276 §3.2: above -> insecure, EDE 27 */
#define DSEC_NSEC3_HASH_LEN 20            /* SHA-1, RFC 5155 §11 */

struct dsec_budget { unsigned sigs, nsec3; };   /* what is left */
/* Fills b with a whole resolution's budget (the constants above). */
void dsec_budget_init(struct dsec_budget *b);

struct dsec_result {
	enum dsec_state state;
	uint16_t ede;          /* RFC 8914 info-code (WIRE_EDE_* in wire.h), 0xffff: none */
	const char *why;       /* static text for logs and EDE extra-text, NULL when secure */
	uint32_t ttl;          /* SECURE: the TTL the data may be cached with: min(rrset
				* TTL, RRSIG original TTL, RRSIG TTL, expiration - now)
				* (RFC 4035 §5.3.3) */
	bool wildcard;         /* SECURE: the signature's label count is below the owner's:
				* the RRset was expanded from a wildcard (RFC 4035 §5.3.4);
				* the caller must then prove the qname does not exist */
	uint8_t wc_labels;     /* the RRSIG labels field (closest encloser = owner's last
				* wc_labels labels) */
};

/* Verifies rs with the RRSIGs in sigs (an RRSIG RRset at rs's owner; only
 * those covering rs->type, with signer == keys->owner, algorithm and key tag
 * of a key in keys are tried: filtered BEFORE any crypto) against keys (the
 * signer zone's DNSKEY RRset, already trusted). now is wall-clock seconds
 * (RFC 4034 §3.1.5 serial arithmetic for the validity window). Fills res:
 * SECURE when one signature verifies; BOGUS otherwise with the most telling
 * EDE: 10 RRSIGs missing (none covers the type), 9 DNSKEY missing (no key
 * matches a signature's signer/tag/alg), 7 signature expired, 8 not yet
 * valid, 6 DNSSEC bogus (crypto failed, or no usable signature); budget
 * exhaustion (DSEC_MAX_SIG_PER_RRSET verifications for rs, or b->sigs for
 * the resolution) is BOGUS with EDE 6 and a why saying so. A signature whose
 * labels field exceeds the owner's labels, or whose signer is not the owner
 * or an ancestor of it, is unusable. Each verification tried takes one from
 * b->sigs. */
void dsec_verify_rrset(const struct wire_rrset *rs, const struct wire_rrset *sigs,
		       const struct wire_rrset *keys, uint64_t now, struct dsec_budget *b,
		       struct dsec_result *res);

/* Validates a zone's DNSKEY RRset (keys, with its RRSIGs sigs) against its
 * parent's DS RRset or a trust anchor (anchor: an RRset of type DS or DNSKEY
 * at the same owner). SECURE: a key matching a supported DS (digest checked:
 * SHA-1, SHA-256, SHA-384; SHA-1 DS are ignored when a SHA-256/384 one is
 * present, RFC 4509 §3) or equal to an anchor DNSKEY (REVOKEd anchors
 * ignored, RFC 5011 §2.1) signs the DNSKEY RRset (RFC 4035 §5.2). INSECURE
 * when no DS/anchor record has an algorithm AND digest type we support
 * (RFC 6840 §5.2, RFC 4035 §5.2): EDE 1 when no record has a supported
 * algorithm, else EDE 2 (unsupported DS digest type). BOGUS: EDE 9 when no
 * DNSKEY matches any DS, EDE 10 when matching keys exist but none of them
 * made an RRSIG over the RRset (as unbound reports it), else as
 * dsec_verify_rrset. Also used for a trust anchor's DNSKEY. */
void dsec_verify_keys(const struct wire_rrset *keys, const struct wire_rrset *sigs,
		      const struct wire_rrset *anchor, uint64_t now, struct dsec_budget *b,
		      struct dsec_result *res);

/* True for the algorithms we validate: 5 RSASHA1, 7 RSASHA1-NSEC3-SHA1,
 * 8 RSASHA256, 10 RSASHA512, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384,
 * 15 ED25519, 16 ED448 (RFC 8624 §3.1); 1 RSAMD5, 3, 6 (DSA), 12 (GOST) and
 * unknown ones are unsupported. */
bool dsec_algorithm_supported(uint8_t alg);
/* True for the DS digest types 1 SHA-1, 2 SHA-256, 4 SHA-384 (RFC 8624 §3.3). */
bool dsec_digest_supported(uint8_t digest);
/* RFC 4034 Appendix B key tag of one DNSKEY rdata. */
uint16_t dsec_key_tag(const uint8_t *rdata, size_t rdlen);
/* Copies the signer name of the first RRSIG in sigs covering type into
 * signer (the caller's, WIRE_NAME_MAX bytes, lowercased); false when none
 * covers it or the RRSIG is malformed. */
bool dsec_signer(const struct wire_rrset *sigs, uint16_t type, uint8_t *signer);

/* ---- authenticated denial. Every NSEC/NSEC3 RRset handed in must already
 * be SECURE (the caller verifies their RRSIGs with dsec_verify_rrset).
 * nsec[] holds RRsets of type NSEC or NSEC3 (mixed sets are bogus). Results:
 * SECURE (proven), INSECURE (proven only by an opt-out NSEC3, RFC 5155 §9.2,
 * or NSEC3 iterations > DSEC_NSEC3_MAX_ITERATIONS: EDE 27), BOGUS (EDE 12
 * "NSEC missing" when a needed piece is absent, EDE 6 when the records
 * contradict the answer; why says which). zone = the signer zone of the
 * proofs (NSEC3 owners are hash.zone; NSEC owners must be at or below it);
 * each NSEC3 name hash takes one from b->nsec3; running out is BOGUS (EDE 6).
 * res->ttl and res->wildcard are not used (0/false). */

/* NXDOMAIN for qname: RFC 4035 §5.4 / §3.1.3.2 (qname covered, and the
 * wildcard at the closest encloser covered), RFC 5155 §8.4 (closest
 * encloser, next closer, wildcard). */
void dsec_deny_nxdomain(const uint8_t *qname, const uint8_t *zone,
			const struct wire_rrset *const *nsec, unsigned n,
			struct dsec_budget *b, struct dsec_result *res);
/* NODATA for (qname, qtype): RFC 4035 §3.1.3.1 (NSEC at qname without qtype
 * and CNAME; the empty non-terminal case where the covering NSEC's next name
 * lies below qname, RFC 4592 §4), §3.1.3.4 wildcard NODATA; RFC 5155 §8.5
 * (matching NSEC3), §8.6 (qtype DS: opt-out covering the next closer ->
 * INSECURE), §8.7 (wildcard NODATA). An opt-out span covering the next closer
 * for another qtype is INSECURE as well (RFC 5155 errata 3441: empty
 * non-terminals of opt-out spans have no NSEC3). */
void dsec_deny_nodata(const uint8_t *qname, uint16_t qtype, const uint8_t *zone,
		      const struct wire_rrset *const *nsec, unsigned n,
		      struct dsec_budget *b, struct dsec_result *res);
/* Wildcard answer (res.wildcard from dsec_verify_rrset): proves that qname
 * itself does not exist and that no name between the closest encloser (the
 * last wc_labels labels of qname) and qname does (RFC 4035 §5.3.4: an NSEC
 * covering qname; RFC 5155 §8.8: an NSEC3 covering the next closer name).
 * An opt-out NSEC3 is enough here (the next closer is covered). */
void dsec_deny_wildcard(const uint8_t *qname, uint8_t wc_labels, const uint8_t *zone,
			const struct wire_rrset *const *nsec, unsigned n,
			struct dsec_budget *b, struct dsec_result *res);

/* For a referral or a DS query: is name (in zone, the parent) a delegation
 * without DS? res->state:
 *   SECURE, not_a_cut false: proven insecure delegation: NSEC at name with
 *     NS, without DS and SOA (RFC 4035 §5.2); NSEC3 matching name with NS,
 *     without DS and SOA (RFC 5155 §8.9);
 *   SECURE, not_a_cut true: proven that there is no DS because name is no
 *     zone cut: the NSEC/NSEC3 at name has no NS bit (nor DS), or name is an
 *     empty non-terminal or does not exist (NSEC covering it; NSEC3 closest
 *     encloser proof without opt-out). The DS walk goes on below name
 *     (RFC 4035 §5.2: DS NODATA at a non-cut name);
 *   INSECURE: an opt-out NSEC3 covers the next closer name (RFC 5155 §8.9,
 *     §6: there may be an unsigned delegation): treat name as an insecure
 *     delegation; or NSEC3 iterations above the limit (EDE 27);
 *   BOGUS: nothing proven (EDE 12), or the records say a DS exists or come
 *     from the child zone (SOA bit) (EDE 6). */
struct dsec_ds_denial { enum dsec_state state; bool not_a_cut; uint16_t ede; const char *why; };
void dsec_deny_ds(const uint8_t *name, const uint8_t *zone,
		  const struct wire_rrset *const *nsec, unsigned n,
		  struct dsec_budget *b, struct dsec_ds_denial *res);

/* ---- NSEC3 hashing (shared with src/zone's signed-zone answers) ---- */
/* SHA-1 (FIPS 180-4) of p[0..n) into out. Allocates nothing. */
void dsec_sha1(const uint8_t *p, size_t n, uint8_t out[DSEC_NSEC3_HASH_LEN]);
/* RFC 5155 §5 iterated hash of a lowercase wire name (len bytes) into out. */
void dsec_nsec3_hash(const uint8_t *name, size_t len, uint16_t iterations,
		     const uint8_t *salt, size_t saltlen, uint8_t out[DSEC_NSEC3_HASH_LEN]);
/* Decodes n Base32hex characters (RFC 4648 §7, no padding, either case) into
 * out (cap bytes). Returns the bytes written, 0 for a bad character, nonzero
 * leftover bits, or too little room. */
size_t dsec_b32hex_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* ---- trust anchors and negative trust anchors (thread safe) ---- */
#define DSEC_ANCHOR_MAX 16384   /* rdata bytes of one anchor owner's records */
struct dsec_anchors;
/* Builds the store (*out, the caller's, freed with dsec_anchors_free):
 * file (NULL: CONFIG_DEFAULT_TRUST_ANCHOR_FILE; when THAT is missing the
 * built-in DS records of the root KSKs 20326 and 38696 are used and *builtin
 * set), plus the records in lines[0..n) (DS or DNSKEY in presentation form,
 * as unbound's trust-anchor:), plus the negative anchors nta[0..nn) (names).
 * File format: zone-file lines of DS or DNSKEY records (comments, blank
 * lines, parentheses, $ORIGIN and $TTL allowed; unbound's ";;state="
 * comments ignored), as Debian's root.key and unbound's auto-trust-anchor
 * files. REVOKEd DNSKEYs (RFC 5011 §2.1) are not anchors. An owner with
 * both DS and DNSKEY anchors gets its DNSKEYs as SHA-256 DS records. Returns
 * CAIRN_OK; CAIRN_EIO when a configured file cannot be read, CAIRN_EFORMAT
 * for a bad record (logged with file:line, "trust-anchor" for lines),
 * CAIRN_ELIMIT when one owner's records exceed DSEC_ANCHOR_MAX,
 * CAIRN_ENOMEM. */
cairn_err dsec_anchors_new(const char *file, const char *const *lines, unsigned n,
			   const char *const *nta, unsigned nn, struct dsec_anchors **out,
			   bool *builtin);
/* Frees the store (NULL allowed). No other thread may still use it. */
void dsec_anchors_free(struct dsec_anchors *a);
/* The closest anchor at or above name (lowercase wire form): copies its
 * owner into zone (WIRE_NAME_MAX bytes) and its records (an RRset of type DS
 * or DNSKEY, owner = zone) into buf (cap bytes; DSEC_ANCHOR_MAX always
 * suffices) as *rs (pointing into zone and buf). false: no anchor covers
 * name (the answer is then insecure), or cap is too small. Any thread. */
bool dsec_anchor_find(struct dsec_anchors *a, const uint8_t *name, uint8_t *zone,
		      uint8_t *buf, size_t cap, struct wire_rrset *rs);
/* Negative trust anchors (RFC 7646): true when name is at or below one.
 * Any thread. */
bool dsec_nta_covers(struct dsec_anchors *a, const uint8_t *name);
/* Adds name (lowercase wire form) to the NTAs; idempotent. Returns CAIRN_OK
 * or CAIRN_ENOMEM. Any thread. */
cairn_err dsec_nta_add(struct dsec_anchors *a, const uint8_t *name);
/* Removes name from the NTAs; false when it was not there. Any thread. */
bool dsec_nta_remove(struct dsec_anchors *a, const uint8_t *name);
/* Calls fn(ctx, name) for each NTA (presentation form with final dot, valid
 * during the call only) in canonical order (RFC 4034 §6.1). fn must not call
 * back into the NTA functions. Any thread. */
void dsec_nta_list(struct dsec_anchors *a, void (*fn)(void *ctx, const char *name), void *ctx);

#endif
