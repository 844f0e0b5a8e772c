/* Unit tests of cdig's TSIG verifier (src/client/tsig_verify.c, RFC 8945)
 * on messages ldns signs: an answer to a signed query, a transfer whose
 * every message is signed (the later ones with the timers only), and the
 * failures dig names: a changed byte, a missing TSIG, another key, a MAC
 * too short, a 100th unsigned message in a row, an unsigned last message.
 * Transfers with unsigned messages between signed ones (which ldns cannot
 * sign) are tested against dig in tests/system/cdig_options.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/client/cdig.h"

#define SECRET "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"

struct fixture {
	struct cdig_key key;
	ldns_rdf *request_mac;   /* the signed query's MAC */
};

/* An answer for the query with id: one A record, QR and AA set. */
static ldns_pkt *answer(uint16_t id, unsigned n)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr = NULL;
	char text[64];

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "t.test.", LDNS_RR_TYPE_AXFR,
						    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	snprintf(text, sizeof(text), "h%u.t.test. 300 IN A 192.0.2.%u", n, n % 250 + 1);
	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	return p;
}

/* The wire form of p, signed with prior (the request's or the previous
 * message's MAC; timers only for a later message) unless prior is NULL;
 * *mac gets the new MAC (caller frees) when mac is not NULL. */
static uint8_t *wire_of(const struct fixture *f, ldns_pkt *p, const ldns_rdf *prior,
			bool timers_only, ldns_rdf **mac, size_t *len)
{
	uint8_t *w = NULL;

	if (prior)
		assert_int_equal(ldns_pkt_tsig_sign_next(p, f->key.name, f->key.secret, 300,
							 f->key.alg, (ldns_rdf *)prior,
							 timers_only ? 1 : 0),
				 LDNS_STATUS_OK);
	if (mac)
		*mac = prior ? ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3)) : NULL;
	assert_int_equal(ldns_pkt2wire(&w, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return w;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint8_t *q = NULL;
	size_t len = 0;
	ldns_pkt *p = NULL;

	assert_non_null(f);
	assert_int_equal(cdig_key_from_arg("hmac-sha256:k.test:" SECRET, &f->key), 0);
	assert_int_equal(ldns_pkt_query_new_frm_str(&p, "t.test.", LDNS_RR_TYPE_AXFR,
						    LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 4242);
	assert_int_equal(ldns_pkt2wire(&q, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	assert_int_equal(cdig_tsig_sign(&f->key, &q, &len, &f->request_mac), CAIRN_OK);
	free(q);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ldns_rdf_deep_free(f->request_mac);
	free(f);
	return 0;
}

static struct cdig_tsig_check *check_new(const struct fixture *f)
{
	struct cdig_tsig_check *c = NULL;

	assert_int_equal(cdig_tsig_check_new(&f->key, f->request_mac, &c), CAIRN_OK);
	return c;
}

/* RFC 8945 §5.3: the answer's MAC covers the request MAC. */
static void test_answer(void **state)
{
	struct fixture *f = *state;
	struct cdig_tsig_check *c = check_new(f);
	size_t len;
	uint8_t *w = wire_of(f, answer(4242, 1), f->request_mac, false, NULL, &len);

	assert_null(cdig_tsig_check_next(c, w, len));
	assert_null(cdig_tsig_check_end(c));
	cdig_tsig_check_free(c);
	/* any changed byte before the TSIG fails, with dig's words */
	c = check_new(f);
	w[len / 3] ^= 0x20;
	assert_string_equal(cdig_tsig_check_next(c, w, len), "tsig verify failure");
	cdig_tsig_check_free(c);
	free(w);
}

/* Another request MAC (the answer to another query) or another key. */
static void test_wrong_request_or_key(void **state)
{
	struct fixture *f = *state;
	struct cdig_tsig_check *c = NULL;
	struct cdig_key other;
	size_t len;
	uint8_t raw[34] = { 0, 32 };
	ldns_rdf *mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, sizeof(raw), raw);
	uint8_t *w = wire_of(f, answer(4242, 1), f->request_mac, false, NULL, &len);

	assert_non_null(mac);
	assert_int_equal(cdig_tsig_check_new(&f->key, mac, &c), CAIRN_OK);
	assert_string_equal(cdig_tsig_check_next(c, w, len), "tsig verify failure");
	cdig_tsig_check_free(c);
	assert_int_equal(cdig_key_from_arg("hmac-sha256:other.test:" SECRET, &other), 0);
	assert_int_equal(cdig_tsig_check_new(&other, f->request_mac, &c), CAIRN_OK);
	assert_string_equal(cdig_tsig_check_next(c, w, len), "tsig verify failure");
	cdig_tsig_check_free(c);
	ldns_rdf_deep_free(mac);
	free(w);
}

/* An answer without TSIG to a signed query (§5.3); a malformed one. */
static void test_unsigned_answer(void **state)
{
	struct fixture *f = *state;
	struct cdig_tsig_check *c = check_new(f);
	size_t len;
	uint8_t *w = wire_of(f, answer(4242, 1), NULL, false, NULL, &len);

	assert_string_equal(cdig_tsig_check_next(c, w, len), "expected a TSIG or SIG(0)");
	assert_string_equal(cdig_tsig_check_next(c, w, 11), "FORMERR");
	cdig_tsig_check_free(c);
	free(w);
}

/* A MAC shorter than 10 bytes or half the hash (§5.2.2.1): FORMERR. */
static void test_short_mac(void **state)
{
	struct fixture *f = *state;
	struct cdig_tsig_check *c = check_new(f);
	size_t len, size_at, rdlen_at;
	uint8_t *w = wire_of(f, answer(4242, 1), f->request_mac, false, NULL, &len);
	unsigned rdlen;

	/* the TSIG rdata ends: MAC Size (32), MAC, original ID, error,
	 * other length 0; before them the time (6) and fudge (2), and
	 * before those the algorithm name (13 bytes) and the rdlength */
	size_at = len - 6 - 32 - 2;
	rdlen_at = size_at - 8 - 13 - 2;
	assert_int_equal(w[size_at] << 8 | w[size_at + 1], 32);
	assert_int_equal(w[rdlen_at + 2], 11);       /* "hmac-sha256" */
	w[size_at + 1] = 8;
	memmove(w + size_at + 2 + 8, w + size_at + 2 + 32, 6);
	len -= 24;
	rdlen = (unsigned)(w[rdlen_at] << 8 | w[rdlen_at + 1]) - 24;
	w[rdlen_at] = (uint8_t)(rdlen >> 8);
	w[rdlen_at + 1] = (uint8_t)rdlen;
	/* still a well-formed message whose TSIG carries an 8-byte MAC */
	{
		ldns_pkt *p = NULL;

		assert_int_equal(ldns_wire2pkt(&p, w, len), LDNS_STATUS_OK);
		assert_non_null(ldns_pkt_tsig(p));
		assert_int_equal(ldns_rdf_size(ldns_rr_rdf(ldns_pkt_tsig(p), 3)), 2 + 8);
		ldns_pkt_free(p);
	}
	assert_string_equal(cdig_tsig_check_next(c, w, len), "FORMERR");
	cdig_tsig_check_free(c);
	free(w);
}

/* A transfer signed in every message: the first with all variables,
 * the later ones with the timers only and the previous MAC (§5.3.1). */
static void test_stream_all_signed(void **state)
{
	struct fixture *f = *state;
	struct cdig_tsig_check *c = check_new(f);
	ldns_rdf *prior = ldns_rdf_clone(f->request_mac), *mac = NULL;

	for (unsigned n = 0; n < 5; n++) {
		size_t len;
		uint8_t *w = wire_of(f, answer(4242, n), prior, n > 0, &mac, &len);

		assert_null(cdig_tsig_check_next(c, w, len));
		ldns_rdf_deep_free(prior);
		prior = mac;
		free(w);
	}
	assert_null(cdig_tsig_check_end(c));
	cdig_tsig_check_free(c);
	ldns_rdf_deep_free(prior);
}

/* §5.3.1: after the first signed message, 99 unsigned ones may follow;
 * the 100th is reported once, and a stream may not end unsigned. */
static void test_stream_unsigned_runs(void **state)
{
	struct fixture *f = *state;
	struct cdig_tsig_check *c = check_new(f);
	size_t len;
	uint8_t *w = wire_of(f, answer(4242, 0), f->request_mac, false, NULL, &len);
	unsigned n, reported = 0;

	assert_null(cdig_tsig_check_next(c, w, len));
	free(w);
	w = wire_of(f, answer(4242, 1), NULL, false, NULL, &len);
	for (n = 1; n <= 120; n++) {
		const char *why = cdig_tsig_check_next(c, w, len);

		if (n <= 99)
			assert_null(why);
		else if (why) {
			assert_int_equal(n, 100);
			assert_string_equal(why, "expected a TSIG or SIG(0)");
			reported++;
		}
	}
	assert_int_equal(reported, 1);
	assert_string_equal(cdig_tsig_check_end(c), "expected a TSIG or SIG(0)");
	cdig_tsig_check_free(c);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_request_or_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_all_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_unsigned_runs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
