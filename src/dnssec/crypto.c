/* dnssec/crypto.c: the one edge where validation meets ldns (over
 * OpenSSL): one signature checked against ONE public key with
 * ldns_verify_rrsig_buffers_raw (never ldns' keylist verifiers, which try
 * every key), and the DS digests (RFC 4034 §5.1.4, RFC 4509, RFC 6605).
 * The signed data is built by canon.c, so ldns' own canonicalisation and
 * its wall-clock validity check are not involved. */
#include "dnssec_int.h"

#include <ldns/ldns.h>
#include <string.h>

bool dsec_algorithm_supported(uint8_t alg)
{
	/* RFC 8624 §3.1: MUST/RECOMMENDED validation algorithms that ldns
	 * 1.8.3 and OpenSSL 3 implement; RSAMD5 (1) MUST NOT, DSA (3, 6) and
	 * GOST (12) MAY and are not done here: unsupported (RFC 6840 §5.2) */
	switch (alg) {
	case DSEC_ALG_RSASHA1: case DSEC_ALG_RSASHA1_NSEC3: case DSEC_ALG_RSASHA256:
	case DSEC_ALG_RSASHA512: case DSEC_ALG_ECDSAP256: case DSEC_ALG_ECDSAP384:
	case DSEC_ALG_ED25519: case DSEC_ALG_ED448:
		return true;
	default:
		return false;
	}
}

bool dsec_digest_supported(uint8_t digest)
{
	/* RFC 8624 §3.3: SHA-1 and SHA-256 MUST, SHA-384 RECOMMENDED; GOST not */
	return digest == DSEC_DIGEST_SHA1 || digest == DSEC_DIGEST_SHA256 ||
	       digest == DSEC_DIGEST_SHA384;
}

bool dsec_crypto_verify(uint8_t alg, const uint8_t *sig, size_t siglen,
			const uint8_t *data, size_t datalen, const uint8_t *key, size_t keylen)
{
	ldns_buffer *signed_data = NULL, *der = NULL;
	ldns_rdf *raw = NULL;
	const uint8_t *s = sig;
	bool ok = false;

	if (!dsec_algorithm_supported(alg) || siglen == 0 || keylen == 0)
		goto done;
	signed_data = ldns_buffer_new(datalen ? datalen : 1);
	if (signed_data == NULL)
		goto done;
	ldns_buffer_write(signed_data, data, datalen);   /* position = length */
	if (alg == DSEC_ALG_ECDSAP256 || alg == DSEC_ALG_ECDSAP384) {
		/* RFC 6605 §4: r|s as two fixed-size integers; OpenSSL wants DER */
		if (siglen != (alg == DSEC_ALG_ECDSAP256 ? 64u : 96u))
			goto done;
		der = ldns_buffer_new(siglen + 16);
		raw = ldns_rdf_new(LDNS_RDF_TYPE_B64, siglen, (void *)(uintptr_t)sig);
		if (der == NULL || raw == NULL ||
		    ldns_convert_ecdsa_rrsig_rdf2asn1(der, raw) != LDNS_STATUS_OK)
			goto done;
		s = ldns_buffer_begin(der);
		siglen = ldns_buffer_position(der);
	}
	ok = ldns_verify_rrsig_buffers_raw((unsigned char *)(uintptr_t)s, siglen, signed_data,
					   (unsigned char *)(uintptr_t)key, keylen,
					   alg) == LDNS_STATUS_OK;
done:
	ldns_rdf_free(raw);             /* the struct only: sig stays the caller's */
	ldns_buffer_free(der);
	ldns_buffer_free(signed_data);
	return ok;
}

size_t dsec_ds_digest(uint8_t digest, const uint8_t *owner, const uint8_t *rd,
		      size_t rdlen, uint8_t *out)
{
	size_t olen = wire_name_len(owner);

	/* RFC 4034 §5.1.4: digest = H(canonical owner | DNSKEY rdata) */
	switch (digest) {
	case DSEC_DIGEST_SHA1: {
		ldns_sha1_ctx c;
		ldns_sha1_init(&c);
		ldns_sha1_update(&c, owner, (unsigned)olen);
		ldns_sha1_update(&c, rd, (unsigned)rdlen);
		ldns_sha1_final(out, &c);
		return LDNS_SHA1_DIGEST_LENGTH;
	}
	case DSEC_DIGEST_SHA256: {
		ldns_sha256_CTX c;
		ldns_sha256_init(&c);
		ldns_sha256_update(&c, owner, olen);
		ldns_sha256_update(&c, rd, rdlen);
		ldns_sha256_final(out, &c);
		return LDNS_SHA256_DIGEST_LENGTH;
	}
	case DSEC_DIGEST_SHA384: {
		ldns_sha384_CTX c;
		ldns_sha384_init(&c);
		ldns_sha384_update(&c, owner, olen);
		ldns_sha384_update(&c, rd, rdlen);
		ldns_sha384_final(out, &c);
		return LDNS_SHA384_DIGEST_LENGTH;
	}
	default:
		return 0;
	}
}
