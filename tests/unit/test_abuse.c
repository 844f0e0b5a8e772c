/* Unit tests of the abuse defences: the COOKIE option in the wire layer
 * (parsing, RFC 7873 §5.2.2 lengths, the response's option), server
 * cookies (SipHash-2-4, RFC 9018 appendix A vectors, rotation, timestamps)
 * and response rate limiting (bucket accounting, slip, prefixes,
 * whitelist). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/server/abuse_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const char *h, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(h), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* A query for a.example/A with an OPT whose rdata is opts. */
static size_t query_with_opts(uint8_t *b, const uint8_t *opts, uint16_t olen)
{
	static const uint8_t head[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
		0, 0, 41, 0x10, 0x00, 0, 0, 0, 0,
	};
	size_t n = sizeof(head);

	memcpy(b, head, n);
	wire_put16(b + n, olen);
	n += 2;
	memcpy(b + n, opts, olen);
	return n + olen;
}

static size_t cookie_opt(uint8_t *o, size_t len, uint8_t fill)
{
	wire_put16(o, WIRE_OPT_COOKIE);
	wire_put16(o + 2, (uint16_t)len);
	memset(o + 4, fill, len);
	return 4 + len;
}

/* RFC 7873 §5.2.2: valid lengths are 8 and 16..40; only the first COOKIE
 * option counts (§5.2). */
static void test_cookie_parse_lengths(void **state)
{
	uint8_t pkt[512], opts[200];
	struct wire_query q;

	(void)state;
	for (size_t len = 0; len <= 44; len++) {
		size_t n = query_with_opts(pkt, opts, (uint16_t)cookie_opt(opts, len, 0xab));
		enum wire_verdict v = wire_query_parse(pkt, n, &q);
		bool ok = len == 8 || (len >= 16 && len <= 40);

		assert_int_equal(v, ok ? WIRE_OK : WIRE_FORMERR);
		assert_int_equal(q.cookie_len, ok ? len : 0);
		if (ok)
			assert_int_equal(q.cookie[len - 1], 0xab);
	}
	/* a second COOKIE option, even malformed, is ignored */
	size_t on = cookie_opt(opts, 8, 0x11);
	on += cookie_opt(opts + on, 3, 0x22);
	size_t n = query_with_opts(pkt, opts, (uint16_t)on);
	assert_int_equal(wire_query_parse(pkt, n, &q), WIRE_OK);
	assert_int_equal(q.cookie_len, 8);
	assert_int_equal(q.cookie[0], 0x11);
	/* no OPT, no cookie */
	assert_int_equal(wire_query_parse(pkt, 27, &q), WIRE_FORMERR); /* ARCOUNT says 1 */
	assert_int_equal(q.cookie_len, 0);
}

/* The response carries the COOKIE option set in q->resp_cookie, in OPT
 * before an EDE, and the room for it is reserved at begin. */
static void test_cookie_writer(void **state)
{
	uint8_t pkt[512], opts[64], out[600];
	struct wire_query q;
	struct wire_writer w;
	size_t n = query_with_opts(pkt, opts, (uint16_t)cookie_opt(opts, 8, 0x5a)), len;

	(void)state;
	assert_int_equal(wire_query_parse(pkt, n, &q), WIRE_OK);
	wire_writer_begin(&w, out, sizeof(out), &q, 0, WIRE_RCODE_BADCOOKIE, 1232);
	len = wire_writer_finish(&w);
	/* no cookie set: a plain OPT carrying the upper rcode bits */
	assert_int_equal(len, 27 + 11);
	assert_int_equal(out[3] & 0x0f, WIRE_RCODE_BADCOOKIE & 0x0f);
	assert_int_equal(out[27 + 5], WIRE_RCODE_BADCOOKIE >> 4);

	q.resp_cookie_len = 24;
	for (unsigned i = 0; i < 24; i++)
		q.resp_cookie[i] = (uint8_t)i;
	wire_writer_begin(&w, out, sizeof(out), &q, 0, WIRE_RCODE_NOERROR, 1232);
	assert_int_equal(wire_writer_opt_len(&w), 11 + 28);
	wire_writer_ede(&w, 3, NULL);
	len = wire_writer_finish(&w);
	assert_int_equal(len, 27 + 11 + 28 + 6);
	assert_int_equal(wire_get16(out + 10), 1);               /* ARCOUNT */
	assert_int_equal(wire_get16(out + 27 + 9), 28 + 6);      /* rdlength */
	assert_int_equal(wire_get16(out + 38), WIRE_OPT_COOKIE);
	assert_int_equal(wire_get16(out + 40), 24);
	assert_memory_equal(out + 42, q.resp_cookie, 24);
	assert_int_equal(wire_get16(out + 66), WIRE_OPT_EDE);

	/* a query without EDNS gets no OPT, so no cookie either */
	q.has_edns = false;
	wire_writer_begin(&w, out, sizeof(out), &q, 0, WIRE_RCODE_NOERROR, 1232);
	assert_int_equal(wire_writer_finish(&w), 27);
}

/* The reference vectors of SipHash-2-4 (key 00..0f, input 00..len-1). */
static void test_siphash(void **state)
{
	uint8_t key[16], in[64], out[8], want[8];

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < 64; i++)
		in[i] = (uint8_t)i;
	cookie_siphash24(key, in, 0, out);
	hex("310e0edd47db6f72", want, 8);
	assert_memory_equal(out, want, 8);
	cookie_siphash24(key, in, 15, out);
	hex("e545be4961ca29a1", want, 8);
	assert_memory_equal(out, want, 8);
	cookie_siphash24(key, in, 63, out);
	hex("724506eb4c328a95", want, 8);
	assert_memory_equal(out, want, 8);
}

static struct sockaddr_storage addr_of(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return ss;
}

static void set_cookie(struct wire_query *q, const char *h)
{
	memset(q, 0, sizeof(*q));
	q->has_edns = true;
	q->cookie_len = (uint8_t)(strlen(h) / 2);
	hex(h, q->cookie, q->cookie_len);
}

static void assert_resp(const struct wire_query *q, const char *h)
{
	uint8_t want[24];

	hex(h, want, 24);
	assert_int_equal(q->resp_cookie_len, 24);
	assert_memory_equal(q->resp_cookie, want, 24);
}

/* The cookie tests run twice: without a memo, and with one kept across
 * every call (cookie_check_memo must answer exactly as cookie_check). */
static struct cookie_memo *test_memo;

static enum cookie_verdict check(struct cookie_jar *j, struct wire_query *q,
				 const struct sockaddr *client, uint32_t now)
{
	if (!test_memo)
		return cookie_check(j, q, client, now);
	return cookie_check_memo(j, test_memo, q, client, now);
}

/* RFC 9018 appendix A, every exchange. */
static void test_rfc9018_vectors(void **state)
{
	struct cookie_jar j;
	struct wire_query q;
	uint8_t secret[16], old[16];
	struct sockaddr_storage c1 = addr_of("198.51.100.100");
	struct sockaddr_storage c2 = addr_of("203.0.113.203");
	struct sockaddr_storage c6 = addr_of("2001:db8:220:1:59de:d0f4:8769:82b8");

	(void)state;
	hex("e5e973e5a6b2a43f48e7dc849e37bfcf", secret, 16);
	assert_int_equal(cookie_jar_init(&j, secret, 1559731985, COOKIE_ROTATE_S), CAIRN_OK);
	/* A.1: a client cookie alone gets a server cookie */
	set_cookie(&q, "2464c4abcf10c957");
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c1, 1559731985),
			 COOKIE_CLIENT_ONLY);
	assert_resp(&q, "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
	/* A.2: 40 minutes later it is valid, and renewed */
	set_cookie(&q, "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c1, 1559734385), COOKIE_VALID);
	assert_resp(&q, "2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
	/* ... but not from another address */
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c2, 1559734385),
			 COOKIE_INVALID);
	/* A.3: reserved bytes set by another implementation are hashed as
	 * received (RFC 9018 §4.2); the hash verifies while the timestamp is
	 * young, the appendix's 1 h 52 min is older than our hour */
	set_cookie(&q, "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c2, 1559727985 + 60),
			 COOKIE_VALID);
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c2, 1559734700),
			 COOKIE_INVALID);
	assert_resp(&q, "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e");

	/* A.4: IPv6, a cookie of the previous secret still verifies and the
	 * new one is made with the current secret */
	hex("dd3bdf9344b678b185a6f5cb60fca715", old, 16);
	hex("445536bcd2513298075a5d379663c962", secret, 16);
	assert_int_equal(cookie_jar_init(&j, old, 1559741817, COOKIE_ROTATE_S), CAIRN_OK);
	cookie_jar_rotate(&j, secret);
	set_cookie(&q, "22681ab97d52c298010000005cf7c57926556bd0934c72f8");
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c6, 1559741961), COOKIE_VALID);
	assert_resp(&q, "22681ab97d52c298010000005cf7c609a6bb79d16625507a");
	/* one more rotation forgets the old secret */
	cookie_jar_rotate(&j, (const uint8_t *)"0123456789abcdef");
	assert_int_equal(check(&j, &q, (struct sockaddr *)&c6, 1559741961),
			 COOKIE_INVALID);
}

/* Our own cookies: timestamps (1 h past, 5 min future, RFC 9018 §4.3),
 * malformed server cookies, and the rotation every period. */
static void test_cookie_lifetime(void **state)
{
	struct cookie_jar j;
	struct wire_query q, q2;
	struct sockaddr_storage c = addr_of("192.0.2.9");
	struct sockaddr *sa = (struct sockaddr *)&c;
	const uint32_t t0 = 2000000000u;

	(void)state;
	assert_int_equal(cookie_jar_init(&j, NULL, t0, COOKIE_ROTATE_S), CAIRN_OK);
	set_cookie(&q, "0102030405060708");
	assert_int_equal(check(&j, &q, sa, t0), COOKIE_CLIENT_ONLY);
	/* the server cookie issued at t0, sent back */
	memset(&q2, 0, sizeof(q2));
	q2.has_edns = true;
	q2.cookie_len = 24;
	memcpy(q2.cookie, q.resp_cookie, 24);
	struct wire_query base = q2;
	/* a valid one younger than half an hour goes back unchanged; from
	 * half an hour on, a fresh one (RFC 9018 §4.3) */
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 + COOKIE_RENEW_S - 1), COOKIE_VALID);
	assert_memory_equal(q2.resp_cookie, base.cookie, 24);
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 + COOKIE_RENEW_S), COOKIE_VALID);
	assert_int_equal(wire_get32(q2.resp_cookie + 12), t0 + COOKIE_RENEW_S);
	assert_memory_equal(q2.resp_cookie, base.cookie, 8);
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 - 1), COOKIE_VALID);  /* from the future */
	assert_int_equal(wire_get32(q2.resp_cookie + 12), t0 - 1);
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 + COOKIE_MAX_AGE_S), COOKIE_VALID);
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 + COOKIE_MAX_AGE_S + 1), COOKIE_INVALID);
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 - COOKIE_MAX_SKEW_S), COOKIE_VALID);
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 - COOKIE_MAX_SKEW_S - 1), COOKIE_INVALID);
	/* a changed hash, version or length does not verify */
	q2 = base;
	q2.cookie[23] ^= 1;
	assert_int_equal(check(&j, &q2, sa, t0), COOKIE_INVALID);
	q2 = base;
	q2.cookie[8] = 2;
	assert_int_equal(check(&j, &q2, sa, t0), COOKIE_INVALID);
	q2 = base;
	q2.cookie_len = 32;
	assert_int_equal(check(&j, &q2, sa, t0), COOKIE_INVALID);
	/* an invalid one gets a fresh cookie of the current time */
	assert_int_equal(wire_get32(q2.resp_cookie + 12), t0);

	/* a period later the secret rotates on its own (getrandom): the
	 * cookie of t0 verifies with the previous secret; a cookie made now
	 * differs from one made with the old secret */
	uint32_t t1 = t0 + COOKIE_ROTATE_S;
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t1), COOKIE_VALID);
	uint8_t fresh[24];
	memcpy(fresh, q2.resp_cookie, 24);
	/* the fresh cookie verifies; after the next rotation it still does
	 * (previous secret), the one of t0 does not any more */
	struct wire_query q3 = base;
	memcpy(q3.cookie, fresh, 24);
	assert_int_equal(check(&j, &q3, sa, t1 + 10), COOKIE_VALID);
	uint32_t t2 = t1 + COOKIE_ROTATE_S;
	q3 = base;
	memcpy(q3.cookie, fresh, 24);
	assert_int_equal(check(&j, &q3, sa, t2), COOKIE_VALID);
	/* t0's cookie, were its timestamp still young: its secret is gone */
	q2 = base;
	assert_int_equal(check(&j, &q2, sa, t0 + 10), COOKIE_INVALID);
}

static void test_cookie_memo(void **state)
{
	static struct cookie_memo memo;

	test_memo = &memo;
	test_rfc9018_vectors(state);
	test_cookie_lifetime(state);
	test_memo = NULL;
}

/* A configured secret (cookie-secret) is not rotated, and two servers
 * with the same secret accept each other's cookies (RFC 9018 §4.4). */
static void test_cookie_configured_secret(void **state)
{
	struct cookie_jar a, b;
	struct wire_query q;
	struct sockaddr_storage c = addr_of("2001:db8::53");
	const uint8_t secret[16] = "anycast-secret!";
	const uint32_t t0 = 2100000000u, later = t0 + 5 * COOKIE_ROTATE_S;

	(void)state;
	assert_int_equal(cookie_jar_init(&a, secret, t0, 0), CAIRN_OK);
	assert_int_equal(cookie_jar_init(&b, secret, t0 + 7, 0), CAIRN_OK);
	set_cookie(&q, "a1a2a3a4a5a6a7a8");
	assert_int_equal(cookie_check(&a, &q, (struct sockaddr *)&c, later), COOKIE_CLIENT_ONLY);
	q.cookie_len = 24;
	memcpy(q.cookie, q.resp_cookie, 24);
	assert_int_equal(cookie_check(&b, &q, (struct sockaddr *)&c, later + 60), COOKIE_VALID);
	assert_int_equal(cookie_check(&a, &q, (struct sockaddr *)&c, later + 60), COOKIE_VALID);
}

/* ---- RRL ---- */

static struct rrl *rrl_make(unsigned rate, unsigned slip, unsigned wlrate,
			    const struct cairn_prefix *wl, size_t nwl)
{
	struct rrl_config c = {
		.ratelimit = rate, .slip = slip, .whitelist_ratelimit = wlrate,
		.ipv4_prefix = 24, .ipv6_prefix = 56, .size = 1u << 20,
		.whitelist = wl, .n_whitelist = nwl,
	};
	struct rrl *r = NULL;

	assert_int_equal(rrl_new(&c, &r), CAIRN_OK);
	return r;
}

static const uint8_t NAME[] = "\3www\3lab\4test";
static const uint8_t ZONE[] = "\3lab\4test";

static unsigned count_pass(struct rrl *r, const char *client, enum rrl_kind k,
			   const uint8_t *name, uint16_t qtype, unsigned n, uint32_t now)
{
	struct sockaddr_storage c = addr_of(client);
	unsigned pass = 0;

	for (unsigned i = 0; i < n; i++)
		pass += rrl_account(r, (struct sockaddr *)&c, k, name, qtype, now) == RRL_PASS;
	return pass;
}

/* A bucket passes ratelimit responses a second, then every slip-th slips
 * and the rest are dropped; the next second starts again. */
static void test_rrl_slip_pattern(void **state)
{
	struct rrl *r = rrl_make(5, 2, 0, NULL, 0);
	struct sockaddr_storage c = addr_of("192.0.2.1");
	struct sockaddr *sa = (struct sockaddr *)&c;
	enum rrl_action want[] = {
		RRL_PASS, RRL_PASS, RRL_PASS, RRL_PASS, RRL_PASS,
		RRL_DROP, RRL_SLIP, RRL_DROP, RRL_SLIP, RRL_DROP, RRL_SLIP,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(rrl_account(r, sa, RRL_POSITIVE, NAME, 1, 100), want[i]);
	/* a new second: a new allowance */
	assert_int_equal(count_pass(r, "192.0.2.1", RRL_POSITIVE, NAME, 1, 8, 101), 5);
	rrl_free(r);

	/* slip 1: every limited response slips; slip 0: all are dropped */
	r = rrl_make(3, 1, 0, NULL, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rrl_account(r, sa, RRL_POSITIVE, NAME, 1, 7), RRL_PASS);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rrl_account(r, sa, RRL_POSITIVE, NAME, 1, 7), RRL_SLIP);
	rrl_free(r);
	r = rrl_make(3, 0, 0, NULL, 0);
	assert_int_equal(count_pass(r, "192.0.2.1", RRL_POSITIVE, NAME, 1, 3, 7), 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rrl_account(r, sa, RRL_POSITIVE, NAME, 1, 7), RRL_DROP);
	rrl_free(r);

	/* the two-step form counts in the same bucket: rrl_key of the same
	 * (client /24, kind, name, qtype) is the same key, another is not */
	r = rrl_make(4, 0, 0, NULL, 0);
	struct sockaddr_storage c2 = addr_of("192.0.2.200");
	uint64_t k = rrl_key(r, sa, RRL_POSITIVE, NAME, 1);
	assert_true(k == rrl_key(r, (struct sockaddr *)&c2, RRL_POSITIVE, NAME, 1));
	assert_true(k != rrl_key(r, sa, RRL_POSITIVE, NAME, 28));
	assert_true(k != rrl_key(r, sa, RRL_NXDOMAIN, NAME, 1));
	rrl_prefetch(r, k);
	assert_int_equal(rrl_account_key(r, sa, k, 9), RRL_PASS);
	assert_int_equal(rrl_account(r, sa, RRL_POSITIVE, NAME, 1, 9), RRL_PASS);
	assert_int_equal(rrl_account_key(r, (struct sockaddr *)&c2, k, 9), RRL_PASS);
	assert_int_equal(rrl_account(r, sa, RRL_POSITIVE, NAME, 1, 9), RRL_PASS);
	assert_int_equal(rrl_account_key(r, sa, k, 9), RRL_DROP);
	rrl_free(r);

	/* both rates 0: no table at all */
	r = rrl_make(0, 2, 0, NULL, 0);
	assert_null(r);
}

/* Buckets: kinds, names and qtypes (answers only) are apart; clients of
 * one /24 or /56 share, others do not. */
static void test_rrl_buckets(void **state)
{
	/* 10 responses each, in this order, in the same second */
	static const struct {
		const char *client;
		enum rrl_kind kind;
		const uint8_t *name;
		uint16_t qtype;
		unsigned pass;
		const char *why;
	} steps[] = {
		{ "192.0.2.1", RRL_POSITIVE, NAME, 1, 4, "first client" },
		{ "192.0.2.200", RRL_POSITIVE, NAME, 1, 0, "same /24: used up" },
		{ "::ffff:192.0.2.7", RRL_POSITIVE, NAME, 1, 0, "v4-mapped: the same /24" },
		{ "192.0.3.1", RRL_POSITIVE, NAME, 1, 4, "another /24" },
		{ "192.0.2.1", RRL_POSITIVE, NAME, 28, 4, "another qtype" },
		{ "192.0.2.1", RRL_NXDOMAIN, ZONE, 1, 4, "another kind" },
		{ "192.0.2.1", RRL_POSITIVE, ZONE, 1, 4, "another name" },
		{ "192.0.2.1", RRL_NXDOMAIN, ZONE, 28, 0, "NXDOMAIN: per zone, any qtype" },
		{ "192.0.2.1", RRL_ERROR, NULL, 1, 4, "errors without a zone" },
		{ "2001:db8:0:1::1", RRL_POSITIVE, NAME, 1, 4, "IPv6" },
		{ "2001:db8:0:ff::2", RRL_POSITIVE, NAME, 1, 0, "same /56" },
		{ "2001:db8:0:100::1", RRL_POSITIVE, NAME, 1, 4, "another /56" },
	};
	struct rrl *r = rrl_make(4, 2, 0, NULL, 0);

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		unsigned got = count_pass(r, steps[i].client, steps[i].kind, steps[i].name,
					  steps[i].qtype, 10, 50);
		if (got != steps[i].pass)
			fail_msg("%s (%s): %u passed, expected %u", steps[i].why, steps[i].client,
				 got, steps[i].pass);
	}
	rrl_free(r);
}

/* Whitelisted clients are never limited, or at rrl-whitelist-ratelimit. */
static void test_rrl_whitelist(void **state)
{
	struct cairn_prefix wl[2];
	struct rrl *r;

	(void)state;
	assert_int_equal(cairn_prefix_parse("10.0.0.0/8", &wl[0]), CAIRN_OK);
	assert_int_equal(cairn_prefix_parse("2001:db8::/32", &wl[1]), CAIRN_OK);
	r = rrl_make(2, 2, 0, wl, 2);
	assert_int_equal(count_pass(r, "10.1.2.3", RRL_POSITIVE, NAME, 1, 1000, 9), 1000);
	assert_int_equal(count_pass(r, "2001:db8::5", RRL_POSITIVE, NAME, 1, 1000, 9), 1000);
	assert_int_equal(count_pass(r, "11.1.2.3", RRL_POSITIVE, NAME, 1, 1000, 9), 2);
	rrl_free(r);
	r = rrl_make(2, 2, 7, wl, 1);
	assert_int_equal(count_pass(r, "10.1.2.3", RRL_POSITIVE, NAME, 1, 100, 9), 7);
	assert_int_equal(count_pass(r, "11.1.2.3", RRL_POSITIVE, NAME, 1, 100, 9), 2);
	rrl_free(r);
	/* only whitelisted clients limited: ratelimit 0 leaves the others */
	r = rrl_make(0, 2, 3, wl, 1);
	assert_non_null(r);
	assert_int_equal(count_pass(r, "11.1.2.3", RRL_POSITIVE, NAME, 1, 100, 9), 100);
	assert_int_equal(count_pass(r, "10.1.2.3", RRL_POSITIVE, NAME, 1, 100, 9), 3);
	rrl_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_parse_lengths),
		cmocka_unit_test(test_cookie_writer),
		cmocka_unit_test(test_siphash),
		cmocka_unit_test(test_rfc9018_vectors),
		cmocka_unit_test(test_cookie_lifetime),
		cmocka_unit_test(test_cookie_memo),
		cmocka_unit_test(test_cookie_configured_secret),
		cmocka_unit_test(test_rrl_slip_pattern),
		cmocka_unit_test(test_rrl_buckets),
		cmocka_unit_test(test_rrl_whitelist),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
