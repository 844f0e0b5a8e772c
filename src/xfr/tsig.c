/* xfr/tsig.c: transaction signatures (RFC 8945) on wire-format messages,
 * with OpenSSL's HMAC: finding and checking the TSIG of a request,
 * signing responses (the later messages of a transfer with the timers
 * only, §5.3.1), error records (§5.3.2) and verifying a stream of
 * responses, some of which may be unsigned. */
#include "xfr_int.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;        /* as configured */
	const uint8_t *wire;     /* RFC 8945 §6 algorithm names */
	size_t wire_len;
	const char *digest;
	size_t mac_len;
} algorithms[] = {
	{ "hmac-sha256", (const uint8_t *)"\x0bhmac-sha256", 13, "SHA256", 32 },
	{ "hmac-sha512", (const uint8_t *)"\x0bhmac-sha512", 13, "SHA512", 64 },
	{ "hmac-sha1", (const uint8_t *)"\x09hmac-sha1", 11, "SHA1", 20 },
};

cairn_err tsig_key_init(struct xfr_key *k, const struct config_tsig_key *ck)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
		if (strcmp(ck->algorithm, algorithms[i].name) != 0)
			continue;
		k->alg = algorithms[i].wire;
		k->alg_len = algorithms[i].wire_len;
		k->digest = algorithms[i].digest;
		k->mac_len = algorithms[i].mac_len;
	}
	if (!k->alg || wire_name_from_text(ck->name, NULL, k->name, &k->name_len) != CAIRN_OK)
		return CAIRN_EINVAL;
	k->text = strdup(ck->name);
	k->secret = malloc(ck->secret_len ? ck->secret_len : 1);
	if (!k->text || !k->secret) {
		tsig_key_clear(k);
		return CAIRN_ENOMEM;
	}
	memcpy(k->secret, ck->secret, ck->secret_len);
	k->secret_len = ck->secret_len;
	return CAIRN_OK;
}

void tsig_key_clear(struct xfr_key *k)
{
	if (k->secret)
		OPENSSL_cleanse(k->secret, k->secret_len);
	free(k->secret);
	free(k->text);
	memset(k, 0, sizeof(*k));
}

/* Skips one record at *pos (name, fixed part, rdata). */
static bool skip_rr(const uint8_t *msg, size_t len, size_t *pos, uint16_t *type)
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;

	if (wire_name_unpack(msg, len, pos, name, &nlen, true) != CAIRN_OK || len - *pos < 10)
		return false;
	*type = wire_get16(msg + *pos);
	if (len - *pos - 10 < wire_get16(msg + *pos + 8))
		return false;
	*pos += 10u + wire_get16(msg + *pos + 8);
	return true;
}

int tsig_find(const uint8_t *msg, size_t len, struct tsig_rr *rr)
{
	size_t pos = WIRE_HDR_LEN, last = 0, end;
	unsigned qd, total;
	uint16_t type = 0;

	if (len < WIRE_HDR_LEN)
		return -1;
	qd = wire_get16(msg + 4);
	total = (unsigned)wire_get16(msg + 6) + wire_get16(msg + 8) + wire_get16(msg + 10);
	for (unsigned i = 0; i < qd; i++) {
		uint8_t name[WIRE_NAME_MAX];
		size_t nlen;

		if (wire_name_unpack(msg, len, &pos, name, &nlen, true) != CAIRN_OK ||
		    len - pos < 4)
			return -1;
		pos += 4;
	}
	for (unsigned i = 0; i < total; i++) {
		last = pos;
		if (!skip_rr(msg, len, &pos, &type))
			return -1;
		/* RFC 8945 §5.1: only as the last additional record */
		if (type == WIRE_TYPE_TSIG && (i + 1 < total || wire_get16(msg + 10) == 0))
			return -1;
	}
	if (total == 0 || type != WIRE_TYPE_TSIG)
		return 0;
	/* parse it */
	memset(rr, 0, sizeof(*rr));
	rr->start = last;
	pos = last;
	if (wire_name_unpack(msg, len, &pos, rr->keyname, &rr->keyname_len, true) != CAIRN_OK)
		return -1;
	/* class ANY, TTL 0 (RFC 8945 §4.2) */
	if (wire_get16(msg + pos + 2) != WIRE_CLASS_ANY || wire_get32(msg + pos + 4) != 0)
		return -1;
	end = pos + 10 + wire_get16(msg + pos + 8);
	pos += 10;
	/* the algorithm name is never compressed, but be lenient as BIND */
	if (wire_name_unpack(msg, end, &pos, rr->alg, &rr->alg_len, true) != CAIRN_OK ||
	    end - pos < 10)
		return -1;
	rr->time_signed = ((uint64_t)wire_get16(msg + pos) << 32) | wire_get32(msg + pos + 2);
	rr->fudge = wire_get16(msg + pos + 6);
	rr->mac_len = wire_get16(msg + pos + 8);
	pos += 10;
	if (end - pos < rr->mac_len + 6)
		return -1;
	rr->mac = msg + pos;
	pos += rr->mac_len;
	rr->orig_id = wire_get16(msg + pos);
	rr->error = wire_get16(msg + pos + 2);
	rr->other_len = wire_get16(msg + pos + 4);
	pos += 6;
	if (end - pos != rr->other_len)
		return -1;
	rr->other = msg + pos;
	return 1;
}

static EVP_MAC_CTX *mac_new(const struct xfr_key *k)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];

	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (!ctx)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)k->digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, k->secret, k->secret_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Feeds a prior MAC (RFC 8945 §4.3.1: its length in two octets, then it). */
static void mac_prior(EVP_MAC_CTX *ctx, const uint8_t *prior, size_t prior_len)
{
	uint8_t l[2];

	wire_put16(l, (uint16_t)prior_len);
	EVP_MAC_update(ctx, l, 2);
	EVP_MAC_update(ctx, prior, prior_len);
}

/* Feeds a message without its TSIG (len stops before it): the header with
 * the original ID and ARCOUNT as given, then the rest. */
static void mac_msg(EVP_MAC_CTX *ctx, const uint8_t *msg, size_t len, uint16_t id,
		    uint16_t arcount)
{
	uint8_t hdr[WIRE_HDR_LEN];

	memcpy(hdr, msg, WIRE_HDR_LEN);
	wire_put16(hdr, id);
	wire_put16(hdr + 10, arcount);
	EVP_MAC_update(ctx, hdr, WIRE_HDR_LEN);
	EVP_MAC_update(ctx, msg + WIRE_HDR_LEN, len - WIRE_HDR_LEN);
}

/* The TSIG variables (RFC 8945 §4.3.3), or the timers only (§4.3.1). */
static void mac_vars(EVP_MAC_CTX *ctx, const uint8_t *keyname, size_t keyname_len,
		     const uint8_t *alg, size_t alg_len, uint64_t time, uint16_t fudge,
		     uint16_t error, const uint8_t *other, size_t other_len, bool timers_only)
{
	uint8_t b[10];

	if (!timers_only) {
		EVP_MAC_update(ctx, keyname, keyname_len);
		wire_put16(b, WIRE_CLASS_ANY);
		wire_put32(b + 2, 0);
		EVP_MAC_update(ctx, b, 6);
		EVP_MAC_update(ctx, alg, alg_len);
	}
	wire_put16(b, (uint16_t)(time >> 32));
	wire_put32(b + 2, (uint32_t)time);
	wire_put16(b + 6, fudge);
	EVP_MAC_update(ctx, b, 8);
	if (!timers_only) {
		wire_put16(b, error);
		wire_put16(b + 2, (uint16_t)other_len);
		EVP_MAC_update(ctx, b, 4);
		if (other_len)
			EVP_MAC_update(ctx, other, other_len);
	}
}

static bool mac_final(EVP_MAC_CTX *ctx, uint8_t *out, size_t *out_len)
{
	size_t n = 0;
	bool ok = EVP_MAC_final(ctx, out, &n, TSIG_MAC_MAX) == 1;

	EVP_MAC_CTX_free(ctx);
	*out_len = n;
	return ok;
}

uint16_t tsig_verify_request(const struct xfr_key *keys, size_t nkeys, const uint8_t *msg,
			     const struct tsig_rr *rr, uint64_t now,
			     const struct xfr_key **key)
{
	const struct xfr_key *k = NULL;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	EVP_MAC_CTX *ctx;
	uint64_t lo, hi;

	*key = NULL;
	for (size_t i = 0; i < nkeys && !k; i++)
		if (keys[i].name_len == rr->keyname_len &&
		    memcmp(keys[i].name, rr->keyname, rr->keyname_len) == 0)
			k = &keys[i];
	/* RFC 8945 §5.2.1: unknown key or algorithm */
	if (!k || k->alg_len != rr->alg_len || memcmp(k->alg, rr->alg, k->alg_len) != 0)
		return WIRE_TSIG_BADKEY;
	/* §5.2.2.1: we accept no truncated MACs */
	if (rr->mac_len != k->mac_len)
		return WIRE_TSIG_BADSIG;
	ctx = mac_new(k);
	if (!ctx)
		return WIRE_TSIG_BADSIG;
	mac_msg(ctx, msg, rr->start, rr->orig_id, (uint16_t)(wire_get16(msg + 10) - 1));
	mac_vars(ctx, rr->keyname, rr->keyname_len, rr->alg, rr->alg_len, rr->time_signed,
		 rr->fudge, rr->error, rr->other, rr->other_len, false);
	if (!mac_final(ctx, mac, &mac_len) || mac_len != rr->mac_len ||
	    CRYPTO_memcmp(mac, rr->mac, mac_len) != 0)
		return WIRE_TSIG_BADSIG;
	*key = k;
	/* §5.2.3: the time is checked after the MAC */
	lo = rr->time_signed > rr->fudge ? rr->time_signed - rr->fudge : 0;
	hi = rr->time_signed + rr->fudge;
	if (now < lo || now > hi)
		return WIRE_TSIG_BADTIME;
	return 0;
}

/* Writes a TSIG RR at msg + *len. */
static cairn_err put_rr(uint8_t *msg, size_t *len, size_t cap, const uint8_t *keyname,
			size_t keyname_len, const uint8_t *alg, size_t alg_len, uint64_t time,
			uint16_t orig_id, const uint8_t *mac, size_t mac_len, uint16_t error,
			const uint8_t *other, size_t other_len)
{
	size_t rdlen = alg_len + 10 + mac_len + 6 + other_len;
	uint8_t *p = msg + *len;

	if (*len + keyname_len + 10 + rdlen > cap)
		return CAIRN_ELIMIT;
	memcpy(p, keyname, keyname_len);
	p += keyname_len;
	wire_put16(p, WIRE_TYPE_TSIG);
	wire_put16(p + 2, WIRE_CLASS_ANY);
	wire_put32(p + 4, 0);
	wire_put16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, alg, alg_len);
	p += alg_len;
	wire_put16(p, (uint16_t)(time >> 32));
	wire_put32(p + 2, (uint32_t)time);
	wire_put16(p + 6, TSIG_FUDGE);
	wire_put16(p + 8, (uint16_t)mac_len);
	p += 10;
	if (mac_len)
		memcpy(p, mac, mac_len);
	p += mac_len;
	wire_put16(p, orig_id);
	wire_put16(p + 2, error);
	wire_put16(p + 4, (uint16_t)other_len);
	p += 6;
	if (other_len)
		memcpy(p, other, other_len);
	p += other_len;
	*len = (size_t)(p - msg);
	wire_put16(msg + 10, (uint16_t)(wire_get16(msg + 10) + 1));
	return CAIRN_OK;
}

cairn_err tsig_sign(const struct xfr_key *key, uint8_t *msg, size_t *len, size_t cap,
		    const uint8_t *prior, size_t prior_len, bool timers_only, uint64_t now,
		    uint16_t error, const uint8_t *other, size_t other_len,
		    uint8_t *mac_out, size_t *mac_out_len)
{
	EVP_MAC_CTX *ctx = mac_new(key);
	uint16_t id = wire_get16(msg);

	if (!ctx)
		return CAIRN_ENOMEM;
	if (prior_len)
		mac_prior(ctx, prior, prior_len);
	mac_msg(ctx, msg, *len, id, wire_get16(msg + 10));
	mac_vars(ctx, key->name, key->name_len, key->alg, key->alg_len, now, TSIG_FUDGE, error,
		 other, other_len, timers_only);
	if (!mac_final(ctx, mac_out, mac_out_len))
		return CAIRN_ENOMEM;
	return put_rr(msg, len, cap, key->name, key->name_len, key->alg, key->alg_len, now, id,
		      mac_out, *mac_out_len, error, other, other_len);
}

cairn_err tsig_append_error(uint8_t *msg, size_t *len, size_t cap, const struct tsig_rr *rr,
			    uint16_t error, uint64_t now)
{
	return put_rr(msg, len, cap, rr->keyname, rr->keyname_len, rr->alg, rr->alg_len, now,
		      wire_get16(msg), NULL, 0, error, NULL, 0);
}

void tsig_verifier_init(struct tsig_verifier *v, const struct xfr_key *key,
			const uint8_t *request_mac, size_t request_mac_len)
{
	memset(v, 0, sizeof(*v));
	v->key = key;
	if (request_mac_len)
		memcpy(v->prior, request_mac, request_mac_len);
	v->prior_len = request_mac_len;
}

void tsig_verifier_clear(struct tsig_verifier *v)
{
	EVP_MAC_CTX_free(v->ctx);
	v->ctx = NULL;
}

const char *tsig_verifier_next(struct tsig_verifier *v, const uint8_t *msg, size_t len,
			       uint64_t now)
{
	struct tsig_rr rr;
	uint8_t mac[TSIG_MAC_MAX];
	size_t mac_len;
	int found = tsig_find(msg, len, &rr);
	const struct xfr_key *k = v->key;

	if (found < 0)
		return "malformed message or TSIG record";
	if (!v->ctx) {
		v->ctx = mac_new(k);
		if (!v->ctx)
			return "out of memory";
		mac_prior(v->ctx, v->prior, v->prior_len);
	}
	if (found == 0) {
		/* RFC 8945 §5.3.1: the first message must be signed, and
		 * at most 99 in a row may not be */
		if (!v->first_done)
			return "the answer is not signed (TSIG missing)";
		if (++v->unsigned_run > TSIG_UNSIGNED_MAX)
			return "too many unsigned messages in a row";
		mac_msg(v->ctx, msg, len, wire_get16(msg), wire_get16(msg + 10));
		v->last_signed = false;
		return NULL;
	}
	if (rr.keyname_len != k->name_len || memcmp(rr.keyname, k->name, k->name_len) != 0 ||
	    rr.alg_len != k->alg_len || memcmp(rr.alg, k->alg, k->alg_len) != 0)
		return "signed with another key or algorithm";
	if (rr.error == WIRE_TSIG_BADKEY)
		return "the peer does not know our key (BADKEY)";
	if (rr.error == WIRE_TSIG_BADSIG)
		return "the peer says our signature is wrong (BADSIG)";
	if (rr.error == WIRE_TSIG_BADTIME)
		return "the peer says our clock is wrong (BADTIME)";
	mac_msg(v->ctx, msg, rr.start, rr.orig_id, (uint16_t)(wire_get16(msg + 10) - 1));
	mac_vars(v->ctx, rr.keyname, rr.keyname_len, rr.alg, rr.alg_len, rr.time_signed,
		 rr.fudge, rr.error, rr.other, rr.other_len, v->first_done);
	if (!mac_final(v->ctx, mac, &mac_len)) {
		v->ctx = NULL;
		return "out of memory";
	}
	v->ctx = NULL;
	if (mac_len != rr.mac_len || CRYPTO_memcmp(mac, rr.mac, mac_len) != 0)
		return "wrong TSIG signature (BADSIG)";
	if (now + rr.fudge < rr.time_signed || now > rr.time_signed + rr.fudge)
		return "TSIG time outside the fudge window (BADTIME)";
	memcpy(v->prior, mac, mac_len);
	v->prior_len = mac_len;
	v->first_done = true;
	v->last_signed = true;
	v->unsigned_run = 0;
	return NULL;
}

cairn_err tsig_key_init_copy(struct xfr_key *k, const struct xfr_key *src)
{
	*k = *src;
	k->text = strdup(src->text);
	k->secret = malloc(src->secret_len ? src->secret_len : 1);
	if (!k->text || !k->secret) {
		free(k->text);
		free(k->secret);
		memset(k, 0, sizeof(*k));
		return CAIRN_ENOMEM;
	}
	memcpy(k->secret, src->secret, src->secret_len);
	return CAIRN_OK;
}
