/* Unit tests for src/xfr/: TSIG (RFC 8945) against a known answer computed
 * with Python's hmac, request checks (BADKEY, BADSIG, BADTIME), the MAC
 * chain of a multi-message answer with an unsigned message in it, and the
 * IXFR journal's difference of two zones with its bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/xfr/xfr_int.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void make_key(struct xfr_key *k, const char *alg)
{
	struct config_tsig_key ck = {
		.name = "k", .algorithm = (char *)alg, .secret = (uint8_t *)"secret",
		.secret_len = 6,
	};

	assert_int_equal(tsig_key_init(k, &ck), CAIRN_OK);
}

/* A query for example. SOA with ID 0x1234. */
static size_t query(uint8_t *m)
{
	static const uint8_t q[] = {
		0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 6, 0, 1,
	};

	memcpy(m, q, sizeof(q));
	return sizeof(q);
}

static void test_known_answer(void **state)
{
	static const uint8_t want[32] = {
		0x23, 0x74, 0xf6, 0x1b, 0xce, 0x4f, 0x26, 0x49, 0x11, 0x76, 0x0a, 0x65,
		0xdc, 0xc8, 0xe0, 0x7b, 0x2b, 0x32, 0xfa, 0xe5, 0x6d, 0x85, 0x38, 0x75,
		0xc0, 0x89, 0xbf, 0x81, 0x34, 0xb7, 0xb0, 0x08,
	};
	struct xfr_key k;
	uint8_t m[1024], mac[TSIG_MAC_MAX];
	size_t len = query(m), mac_len;
	struct tsig_rr rr;
	const struct xfr_key *used;

	(void)state;
	make_key(&k, "hmac-sha256");
	assert_int_equal(tsig_sign(&k, m, &len, sizeof(m), NULL, 0, false, 1700000000, 0, NULL,
				   0, mac, &mac_len), CAIRN_OK);
	assert_int_equal(mac_len, 32);
	assert_memory_equal(mac, want, 32);
	assert_int_equal(wire_get16(m + 10), 1);
	assert_int_equal(tsig_find(m, len, &rr), 1);
	assert_int_equal(rr.time_signed, 1700000000);
	assert_int_equal(rr.fudge, 300);
	assert_int_equal(rr.orig_id, 0x1234);
	assert_int_equal(tsig_verify_request(&k, 1, m, &rr, 1700000000, &used), 0);
	assert_ptr_equal(used, &k);
	/* the fudge window: 300 s either way */
	assert_int_equal(tsig_verify_request(&k, 1, m, &rr, 1700000300, &used), 0);
	assert_int_equal(tsig_verify_request(&k, 1, m, &rr, 1700000301, &used), WIRE_TSIG_BADTIME);
	assert_ptr_equal(used, &k); /* BADTIME answers are signed */
	assert_int_equal(tsig_verify_request(&k, 1, m, &rr, 1699999699, &used), WIRE_TSIG_BADTIME);
	tsig_key_clear(&k);
}

static void test_request_errors(void **state)
{
	struct xfr_key k, other;
	uint8_t m[1024], mac[TSIG_MAC_MAX];
	size_t len = query(m), mac_len;
	struct tsig_rr rr;
	const struct xfr_key *used;

	(void)state;
	make_key(&k, "hmac-sha512");
	make_key(&other, "hmac-sha1");
	assert_int_equal(tsig_sign(&k, m, &len, sizeof(m), NULL, 0, false, 1000, 0, NULL, 0, mac,
				   &mac_len), CAIRN_OK);
	assert_int_equal(mac_len, 64);
	assert_int_equal(tsig_find(m, len, &rr), 1);
	/* same name, other algorithm: BADKEY (RFC 8945 §5.2.1) */
	assert_int_equal(tsig_verify_request(&other, 1, m, &rr, 1000, &used), WIRE_TSIG_BADKEY);
	assert_null(used);
	assert_int_equal(tsig_verify_request(NULL, 0, m, &rr, 1000, &used), WIRE_TSIG_BADKEY);
	/* a changed byte of the question: BADSIG */
	m[WIRE_HDR_LEN + 1] ^= 0x20;
	assert_int_equal(tsig_verify_request(&k, 1, m, &rr, 1000, &used), WIRE_TSIG_BADSIG);
	m[WIRE_HDR_LEN + 1] ^= 0x20;
	assert_int_equal(tsig_verify_request(&k, 1, m, &rr, 1000, &used), 0);
	/* a TSIG that is not the last record is malformed */
	wire_put16(m + 10, 2);
	assert_int_equal(tsig_find(m, len, &rr), -1);
	tsig_key_clear(&k);
	tsig_key_clear(&other);
}

/* HMAC(prior, msgs..., timers) by hand, for the unsigned-message case. */
static void chain_mac(const struct xfr_key *k, const uint8_t *prior, size_t prior_len,
		      const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint64_t t,
		      uint8_t *out)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
							     (char *)k->digest, 0),
			    OSSL_PARAM_construct_end() };
	uint8_t l[2], timers[8];
	size_t n;

	assert_int_equal(EVP_MAC_init(ctx, k->secret, k->secret_len, p), 1);
	wire_put16(l, (uint16_t)prior_len);
	EVP_MAC_update(ctx, l, 2);
	EVP_MAC_update(ctx, prior, prior_len);
	EVP_MAC_update(ctx, a, alen);
	EVP_MAC_update(ctx, b, blen);
	wire_put16(timers, (uint16_t)(t >> 32));
	wire_put32(timers + 2, (uint32_t)t);
	wire_put16(timers + 6, TSIG_FUDGE);
	EVP_MAC_update(ctx, timers, 8);
	assert_int_equal(EVP_MAC_final(ctx, out, &n, TSIG_MAC_MAX), 1);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* Appends a TSIG RR with the given MAC (as tsig.c writes it). */
static size_t add_tsig(const struct xfr_key *k, uint8_t *m, size_t len, const uint8_t *mac,
		       uint64_t t)
{
	uint8_t *p = m + len;

	memcpy(p, k->name, k->name_len);
	p += k->name_len;
	wire_put16(p, WIRE_TYPE_TSIG);
	wire_put16(p + 2, WIRE_CLASS_ANY);
	wire_put32(p + 4, 0);
	wire_put16(p + 8, (uint16_t)(k->alg_len + 16 + k->mac_len));
	p += 10;
	memcpy(p, k->alg, k->alg_len);
	p += k->alg_len;
	wire_put16(p, 0);
	wire_put32(p + 2, (uint32_t)t);
	wire_put16(p + 6, TSIG_FUDGE);
	wire_put16(p + 8, (uint16_t)k->mac_len);
	memcpy(p + 10, mac, k->mac_len);
	p += 10 + k->mac_len;
	memcpy(p, m, 2);
	memset(p + 2, 0, 4);
	wire_put16(m + 10, (uint16_t)(wire_get16(m + 10) + 1));
	return (size_t)(p + 6 - m);
}

static void test_multi_message(void **state)
{
	struct xfr_key k;
	struct tsig_verifier v;
	uint8_t req[1024], m1[1024], m2[1024], m3[1024], reqmac[TSIG_MAC_MAX];
	uint8_t mac1[TSIG_MAC_MAX], mac3[TSIG_MAC_MAX];
	size_t rlen = query(req), l1, l2, l3, reqmac_len, mac1_len;
	uint64_t now = 1700000000;

	(void)state;
	make_key(&k, "hmac-sha256");
	assert_int_equal(tsig_sign(&k, req, &rlen, sizeof(req), NULL, 0, false, now, 0, NULL, 0,
				   reqmac, &reqmac_len), CAIRN_OK);
	/* three answers: signed (all variables), unsigned, signed (timers) */
	l1 = l2 = l3 = query(m1);
	query(m2);
	query(m3);
	m1[2] = m2[2] = m3[2] = 0x84;
	assert_int_equal(tsig_sign(&k, m1, &l1, sizeof(m1), reqmac, reqmac_len, false, now, 0,
				   NULL, 0, mac1, &mac1_len), CAIRN_OK);
	chain_mac(&k, mac1, mac1_len, m2, l2, m3, l3, now, mac3);
	l3 = add_tsig(&k, m3, l3, mac3, now);

	tsig_verifier_init(&v, &k, reqmac, reqmac_len);
	assert_null(tsig_verifier_next(&v, m1, l1, now));
	assert_null(tsig_verifier_next(&v, m2, l2, now));
	assert_false(v.last_signed);
	assert_null(tsig_verifier_next(&v, m3, l3, now));
	assert_true(v.last_signed);
	tsig_verifier_clear(&v);

	/* the unsigned message changed: the next MAC does not match */
	m2[WIRE_HDR_LEN + 1] ^= 1;
	tsig_verifier_init(&v, &k, reqmac, reqmac_len);
	assert_null(tsig_verifier_next(&v, m1, l1, now));
	assert_null(tsig_verifier_next(&v, m2, l2, now));
	assert_non_null(tsig_verifier_next(&v, m3, l3, now));
	tsig_verifier_clear(&v);
	/* the first message unsigned: refused */
	tsig_verifier_init(&v, &k, reqmac, reqmac_len);
	assert_string_equal(tsig_verifier_next(&v, m2, l2, now),
			    "the answer is not signed (TSIG missing)");
	tsig_verifier_clear(&v);
	tsig_key_clear(&k);
}

static struct zone *load(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;
	struct zone *z = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(zone_load("j.test", path, NULL, NULL, &z), CAIRN_OK);
	unlink(path);
	return z;
}

#define ZHEAD(serial) "$ORIGIN j.test.\n$TTL 300\n@ SOA ns hm " serial " 1 1 9 60\n@ NS ns\nns A 192.0.2.1\n"

/* true when the RR stream holds an A record for owner (first label) */
static bool has_a(const struct xfr_jentry *e, size_t from, size_t to, const char *label)
{
	size_t pos = 0, i = 0;

	while (pos < e->len) {
		const uint8_t *p = e->data + pos;
		size_t ol = wire_name_len(p);

		if (i >= from && i < to && wire_get16(p + ol) == WIRE_TYPE_A && p[0] == strlen(label) &&
		    memcmp(p + 1, label, p[0]) == 0)
			return true;
		pos += ol + 10 + wire_get16(p + ol + 8);
		i++;
	}
	return false;
}

static void test_journal(void **state)
{
	char dir[] = "/tmp/cairn-test-xfr-XXXXXX", jpath[256];
	struct zone *a, *b, *c, *d;
	struct xfr_journal *j1 = NULL, *j2 = NULL, *j3 = NULL, *j4 = NULL, *loaded = NULL;
	bool warn;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(jpath, sizeof(jpath), "%s/j.ixfr", dir);
	a = load(dir, "a", ZHEAD("1") "www A 192.0.2.10\nold A 192.0.2.11\n");
	b = load(dir, "b", ZHEAD("2") "www A 192.0.2.10\nnew A 192.0.2.12\n");
	c = load(dir, "c", ZHEAD("2") "www A 192.0.2.10\nnew A 192.0.2.13\n");
	d = load(dir, "d", ZHEAD("3") "www A 192.0.2.10\nnew A 192.0.2.13\n");

	assert_int_equal(journal_update(NULL, a, b, 5, 1 << 20, jpath, "j.test", &j1, &warn),
			 CAIRN_OK);
	assert_false(warn);
	assert_non_null(j1);
	assert_int_equal(j1->n, 1);
	assert_int_equal(j1->e[0].from, 1);
	assert_int_equal(j1->e[0].to, 2);
	/* SOA(1) old SOA(2) new: old deleted at [1], new added at [3] */
	assert_true(has_a(&j1->e[0], 1, 2, "old"));
	assert_true(has_a(&j1->e[0], 3, 4, "new"));
	assert_false(has_a(&j1->e[0], 0, 10, "www"));
	assert_int_equal(journal_find(j1, 1), 0);
	assert_int_equal(journal_find(j1, 2), -1);

	/* the same serial with other content: a warning, no entry */
	assert_int_equal(journal_update(j1, b, c, 5, 1 << 20, jpath, "j.test", &j2, &warn),
			 CAIRN_OK);
	assert_true(warn);
	assert_ptr_equal(j2, j1);
	journal_unref(j2);

	/* the next serial: two entries, then kept across a restart */
	assert_int_equal(journal_update(j1, c, d, 5, 1 << 20, jpath, "j.test", &j3, &warn),
			 CAIRN_OK);
	assert_int_equal(j3->n, 2);
	assert_int_equal(j3->e[1].from, 2);
	assert_int_equal(journal_load(jpath, "j.test", 3, &loaded), CAIRN_OK);
	assert_non_null(loaded);
	assert_int_equal(loaded->n, 2);
	assert_memory_equal(loaded->e[0].data, j3->e[0].data, j3->e[0].len);
	journal_unref(loaded);
	/* a file that ends at another serial is not used */
	assert_int_equal(journal_load(jpath, "j.test", 4, &loaded), CAIRN_OK);
	assert_null(loaded);

	/* ixfr-number 1: only the newest entry stays */
	assert_int_equal(journal_update(j1, c, d, 1, 1 << 20, jpath, "j.test", &j4, &warn),
			 CAIRN_OK);
	assert_int_equal(j4->n, 1);
	assert_int_equal(j4->e[0].from, 2);
	journal_unref(j4);
	/* ixfr-size too small for the difference: no journal */
	assert_int_equal(journal_update(j1, c, d, 5, 10, jpath, "j.test", &j4, &warn), CAIRN_OK);
	assert_null(j4);
	assert_int_not_equal(access(jpath, F_OK), 0);

	journal_unref(j1);
	journal_unref(j3);
	zone_free(a);
	zone_free(b);
	zone_free(c);
	zone_free(d);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_multi_message),
		cmocka_unit_test(test_journal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
