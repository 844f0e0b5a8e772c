/* cdig TSIG verification (RFC 8945) with OpenSSL's HMAC, message by
 * message: the answer to a signed query, or every message of a zone
 * transfer, where the server may leave up to 99 messages in a row
 * unsigned and the next signed one's MAC covers them (§5.3.1). One HMAC
 * runs from the prior MAC (the request's, then the last signed
 * message's) over the unsigned messages as received and the signed one
 * without its TSIG record; the first signed message adds all the TSIG
 * variables, later ones the timers only. Failures are reported with
 * dig's words (its isc_result_totext texts) and the check goes on, as
 * dig's does. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cdig.h"

#define TSIG_MAC_MAX 64          /* HMAC-SHA512 */
#define TSIG_UNSIGNED_MAX 99     /* RFC 8945 §5.3.1 */
#define SECRET_MAX 768           /* decoded -y/-k secret */

/* dig's texts (BIND's isc_result_totext) */
#define WHY_VERIFY "tsig verify failure"
#define WHY_EXPECTED "expected a TSIG or SIG(0)"
#define WHY_ERRORSET "tsig indicates error"
#define WHY_CLOCK "clocks are unsynchronized"
#define WHY_FORMERR "FORMERR"

struct cdig_tsig_check {
	char digest[16];                 /* OpenSSL digest name */
	size_t mac_full;                 /* the algorithm's MAC length */
	uint8_t secret[SECRET_MAX];
	size_t secret_len;
	uint8_t keyname[WIRE_NAME_MAX], alg[WIRE_NAME_MAX];
	size_t keyname_len, alg_len;
	uint8_t prior[TSIG_MAC_MAX];     /* MAC the next digest starts with */
	size_t prior_len;
	EVP_MAC_CTX *run;                /* open over unsigned messages */
	unsigned unsigned_run;
	unsigned messages;
	bool last_signed;
};

/* The TSIG record of a message (RFC 8945 §4.2), pointing into it. */
struct tsig_rr {
	size_t start;                    /* offset of the record */
	uint8_t owner[WIRE_NAME_MAX], alg[WIRE_NAME_MAX];
	size_t owner_len, alg_len;
	uint16_t klass;
	uint32_t ttl;
	uint64_t time_signed;
	uint16_t fudge, mac_len, orig_id, error, other_len;
	const uint8_t *mac, *other;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Digest and MAC length of dig's algorithm names (RFC 8945 §6). */
static bool alg_digest(const char *alg, char *digest, size_t dlen, size_t *mac_len)
{
	static const struct { const char *alg, *digest; size_t len; } map[] = {
		{ "hmac-md5.sig-alg.reg.int.", "MD5", 16 },
		{ "hmac-sha1.", "SHA1", 20 }, { "hmac-sha224.", "SHA224", 28 },
		{ "hmac-sha256.", "SHA256", 32 }, { "hmac-sha384.", "SHA384", 48 },
		{ "hmac-sha512.", "SHA512", 64 },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(alg, map[i].alg) == 0) {
			snprintf(digest, dlen, "%s", map[i].digest);
			*mac_len = map[i].len;
			return true;
		}
	return false;
}

cairn_err cdig_tsig_check_new(const struct cdig_key *k, const ldns_rdf *request_mac,
			      struct cdig_tsig_check **out)
{
	struct cdig_tsig_check *c = calloc(1, sizeof(*c));
	ldns_rdf *secret = NULL;
	cairn_err err = CAIRN_EINVAL;

	*out = NULL;
	if (!c)
		return CAIRN_ENOMEM;
	if (!alg_digest(k->alg, c->digest, sizeof(c->digest), &c->mac_full) ||
	    wire_name_from_text(k->name, NULL, c->keyname, &c->keyname_len) != CAIRN_OK ||
	    wire_name_from_text(k->alg, NULL, c->alg, &c->alg_len) != CAIRN_OK)
		goto done;
	if (ldns_str2rdf_b64(&secret, k->secret) != LDNS_STATUS_OK ||
	    ldns_rdf_size(secret) > sizeof(c->secret))
		goto done;
	c->secret_len = ldns_rdf_size(secret);
	memcpy(c->secret, ldns_rdf_data(secret), c->secret_len);
	/* the request MAC as ldns keeps it: MAC Size, then the MAC */
	if (request_mac && ldns_rdf_size(request_mac) >= 2) {
		const uint8_t *d = ldns_rdf_data(request_mac);
		size_t l = get16(d);

		if (l > TSIG_MAC_MAX || l + 2 > ldns_rdf_size(request_mac))
			goto done;
		memcpy(c->prior, d + 2, l);
		c->prior_len = l;
	}
	*out = c;
	c = NULL;
	err = CAIRN_OK;
done:
	if (secret)
		OPENSSL_cleanse(ldns_rdf_data(secret), ldns_rdf_size(secret));
	ldns_rdf_deep_free(secret);
	cdig_tsig_check_free(c);
	return err;
}

void cdig_tsig_check_free(struct cdig_tsig_check *c)
{
	if (!c)
		return;
	EVP_MAC_CTX_free(c->run);
	OPENSSL_cleanse(c->secret, sizeof(c->secret));
	free(c);
}

/* Skips one record's owner, type, class, TTL and rdata at *pos. */
static bool skip_rr(const uint8_t *m, size_t len, size_t *pos, bool question)
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nl;

	if (wire_name_unpack(m, len, pos, name, &nl, false) != CAIRN_OK)
		return false;
	if (question) {
		*pos += 4;
		return *pos <= len;
	}
	if (*pos + 10 > len)
		return false;
	*pos += 10 + (size_t)get16(m + *pos + 8);
	return *pos <= len;
}

/* Finds the TSIG record, the last of the additional section (RFC 8945
 * §5.1). Returns 1 with *t filled, 0 when the message has none, -1 when
 * it is malformed. */
static int find_tsig(const uint8_t *m, size_t len, struct tsig_rr *t)
{
	size_t pos = 12, i, n, end;
	unsigned qd, rest;

	if (len < 12)
		return -1;
	qd = get16(m + 4);
	rest = (unsigned)get16(m + 6) + get16(m + 8) + get16(m + 10);
	if (get16(m + 10) == 0)
		return 0;
	for (i = 0; i < qd; i++)
		if (!skip_rr(m, len, &pos, true))
			return -1;
	for (i = 0; i + 1 < rest; i++)
		if (!skip_rr(m, len, &pos, false))
			return -1;
	memset(t, 0, sizeof(*t));
	t->start = pos;
	if (wire_name_unpack(m, len, &pos, t->owner, &t->owner_len, true) != CAIRN_OK ||
	    pos + 10 > len)
		return -1;
	if (get16(m + pos) != WIRE_TYPE_TSIG)
		return 0;
	t->klass = get16(m + pos + 2);
	t->ttl = (uint32_t)get16(m + pos + 4) << 16 | get16(m + pos + 6);
	end = pos + 10 + get16(m + pos + 8);
	pos += 10;
	if (end > len ||
	    wire_name_unpack(m, end, &pos, t->alg, &t->alg_len, true) != CAIRN_OK ||
	    pos + 10 > end)
		return -1;
	for (n = 0; n < 6; n++)
		t->time_signed = t->time_signed << 8 | m[pos + n];
	t->fudge = get16(m + pos + 6);
	t->mac_len = get16(m + pos + 8);
	pos += 10;
	t->mac = m + pos;
	pos += t->mac_len;
	if (pos + 6 > end)
		return -1;
	t->orig_id = get16(m + pos);
	t->error = get16(m + pos + 2);
	t->other_len = get16(m + pos + 4);
	t->other = m + pos + 6;
	return pos + 6 + t->other_len == end ? 1 : -1;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put48(uint8_t *p, uint64_t v)
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Opens the running HMAC and feeds it the prior MAC, its size first
 * (RFC 8945 §4.3.1, §5.3.1). */
static bool run_open(struct cdig_tsig_check *c)
{
	EVP_MAC *mac;
	OSSL_PARAM params[2];
	uint8_t size[2];

	if (c->run)
		return true;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	c->run = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	if (!c->run)
		return false;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, c->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	put16(size, (unsigned)c->prior_len);
	if (EVP_MAC_init(c->run, c->secret, c->secret_len, params) != 1 ||
	    EVP_MAC_update(c->run, size, 2) != 1 ||
	    EVP_MAC_update(c->run, c->prior, c->prior_len) != 1) {
		EVP_MAC_CTX_free(c->run);
		c->run = NULL;
		return false;
	}
	return true;
}

/* The signed message's own part of the digest: its header with the
 * original ID and ARCOUNT less the TSIG, the records before the TSIG,
 * then all TSIG variables (first message, §4.3.3) or the timers only
 * (later ones, §5.3.1). */
static bool feed_signed(struct cdig_tsig_check *c, const uint8_t *m,
			const struct tsig_rr *t, bool first)
{
	uint8_t hdr[12], vars[16];
	bool ok;

	memcpy(hdr, m, 12);
	put16(hdr, t->orig_id);
	put16(hdr + 10, get16(m + 10) - 1u);
	put48(vars, t->time_signed);
	put16(vars + 6, t->fudge);
	ok = EVP_MAC_update(c->run, hdr, 12) == 1 &&
	     EVP_MAC_update(c->run, m + 12, t->start - 12) == 1;
	if (!ok || !first)
		return ok && EVP_MAC_update(c->run, vars, 8) == 1;
	{
		uint8_t ct[6];

		put16(ct, t->klass);
		put16(ct + 2, t->ttl >> 16);
		put16(ct + 4, t->ttl & 0xffff);
		put16(vars + 8, t->error);
		put16(vars + 10, t->other_len);
		return EVP_MAC_update(c->run, c->keyname, c->keyname_len) == 1 &&
		       EVP_MAC_update(c->run, ct, 6) == 1 &&
		       EVP_MAC_update(c->run, c->alg, c->alg_len) == 1 &&
		       EVP_MAC_update(c->run, vars, 12) == 1 &&
		       EVP_MAC_update(c->run, t->other, t->other_len) == 1;
	}
}

/* A signed message's checks after its MAC, in BIND's order: the MAC,
 * the time (RFC 8945 §5.2.3), truncation (cdig keys are never
 * truncated, §5.2.2.1), the error field. */
static const char *check_signed(struct cdig_tsig_check *c, const uint8_t *m,
				const struct tsig_rr *t, bool first)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	uint64_t now = (uint64_t)time(NULL);
	bool error_only = t->mac_len == 0;

	if (t->owner_len != c->keyname_len || memcmp(t->owner, c->keyname, t->owner_len) ||
	    t->alg_len != c->alg_len || memcmp(t->alg, c->alg, t->alg_len))
		return WHY_VERIFY;
	if (t->mac_len > c->mac_full ||
	    (t->mac_len > 0 && (t->mac_len < 10 || t->mac_len < (c->mac_full + 1) / 2)))
		return WHY_FORMERR;
	if (error_only) {
		/* §5.3.2: an unsigned error answer to our query */
		if (!first)
			return t->error == 0 ? WHY_VERIFY
			       : t->error == WIRE_TSIG_BADTIME ? WHY_CLOCK : WHY_ERRORSET;
		if (t->error != WIRE_TSIG_BADSIG && t->error != WIRE_TSIG_BADKEY)
			return WHY_VERIFY;
	} else {
		if (!feed_signed(c, m, t, first) ||
		    EVP_MAC_final(c->run, mac, &mac_len, sizeof(mac)) != 1 ||
		    mac_len < t->mac_len || CRYPTO_memcmp(mac, t->mac, t->mac_len) != 0)
			return WHY_VERIFY;
	}
	if (now > t->time_signed + t->fudge || now + t->fudge < t->time_signed)
		return WHY_CLOCK;
	if (t->mac_len > 0 && t->mac_len < c->mac_full)
		return WHY_VERIFY;
	if (t->error != 0)
		return t->error == WIRE_TSIG_BADTIME ? WHY_CLOCK : WHY_ERRORSET;
	return NULL;
}

const char *cdig_tsig_check_next(struct cdig_tsig_check *c, const uint8_t *m, size_t len)
{
	struct tsig_rr t;
	int found = find_tsig(m, len, &t);
	bool first = c->messages == 0;
	const char *why;

	c->messages++;
	if (found < 0)
		return WHY_FORMERR;
	if (found == 0) {
		/* RFC 8945 §5.3.1: the first message is signed, then at
		 * most 99 in a row may not be; the next MAC covers them */
		c->last_signed = false;
		if (first)
			return WHY_EXPECTED;
		if (!run_open(c) || EVP_MAC_update(c->run, m, len) != 1)
			return WHY_VERIFY;
		/* said once per run; the next MAC still covers it all */
		return ++c->unsigned_run == TSIG_UNSIGNED_MAX + 1 ? WHY_EXPECTED : NULL;
	}
	why = run_open(c) ? check_signed(c, m, &t, first) : WHY_VERIFY;
	/* as BIND: whatever the outcome, this MAC is the next one's prior
	 * and the running digest starts again */
	EVP_MAC_CTX_free(c->run);
	c->run = NULL;
	c->prior_len = t.mac_len <= TSIG_MAC_MAX ? t.mac_len : 0;
	memcpy(c->prior, t.mac, c->prior_len);
	c->unsigned_run = 0;
	c->last_signed = true;
	return why;
}

const char *cdig_tsig_check_end(const struct cdig_tsig_check *c)
{
	/* RFC 8945 §5.3.1: the last message of the stream is signed */
	return c->messages && !c->last_signed ? WHY_EXPECTED : NULL;
}
