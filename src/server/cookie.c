/* cookie: DNS cookies on the server side (RFC 7873 §5.2) with RFC 9018's
 * interoperable server cookie: version 1, three reserved bytes, a 32-bit
 * timestamp and SipHash-2-4 over client cookie | version | reserved |
 * timestamp | client IP under the server secret. The secrets rotate every
 * period, the previous one still verifying (RFC 9018 §5); they sit behind
 * a sequence counter, so that every worker thread reads them without a
 * lock. No allocation. */
#include "abuse_int.h"

#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/random.h>

#define COOKIE_VERSION 1          /* RFC 9018 §4.1 */
#define HASH_INPUT_MAX (WIRE_COOKIE_CLIENT_LEN + 8 + 16)

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t get64le(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));   /* one load */
	return le64toh(v);
}

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

/* SipHash-2-4 with the key as two little-endian words. */
static uint64_t siphash_words(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8) {
		m = get64le(in + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t i = 0; i < (len & 7); i++)
		b |= (uint64_t)in[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static void put64le(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void cookie_siphash24(const uint8_t key[COOKIE_SECRET_LEN], const uint8_t *in, size_t len,
		      uint8_t out[8])
{
	put64le(out, siphash_words(get64le(key), get64le(key + 8), in, len));
}

cairn_err cookie_jar_init(struct cookie_jar *j, const uint8_t *secret, uint32_t now,
			  uint32_t period)
{
	uint8_t k[COOKIE_SECRET_LEN];

	if (secret)
		memcpy(k, secret, sizeof(k));
	else if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return CAIRN_EIO;
	atomic_init(&j->seq, 0);
	atomic_init(&j->cur, 0);
	atomic_init(&j->key[0][0], get64le(k));
	atomic_init(&j->key[0][1], get64le(k + 8));
	/* no previous secret yet: a random one nobody has seen */
	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
		return CAIRN_EIO;
	atomic_init(&j->key[1][0], get64le(k));
	atomic_init(&j->key[1][1], get64le(k + 8));
	atomic_flag_clear(&j->rotating);
	j->period = period;
	atomic_init(&j->next_rotate, now + period);
	return CAIRN_OK;
}

void cookie_jar_rotate(struct cookie_jar *j, const uint8_t secret[COOKIE_SECRET_LEN])
{
	uint32_t s = atomic_load_explicit(&j->seq, memory_order_relaxed);
	uint32_t nxt = atomic_load_explicit(&j->cur, memory_order_relaxed) ^ 1u;

	/* a sequence lock's writer: odd while the words change */
	atomic_store_explicit(&j->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&j->key[nxt][0], get64le(secret), memory_order_relaxed);
	atomic_store_explicit(&j->key[nxt][1], get64le(secret + 8), memory_order_relaxed);
	atomic_store_explicit(&j->cur, nxt, memory_order_relaxed);
	atomic_store_explicit(&j->seq, s + 2, memory_order_release);
}

/* Reads both secrets, k[0] the current one, consistently. */
static void read_keys(struct cookie_jar *j, uint64_t k[2][2])
{
	for (;;) {
		uint32_t s = atomic_load_explicit(&j->seq, memory_order_acquire);

		if (s & 1)
			continue;   /* a rotation is storing four words */
		uint32_t c = atomic_load_explicit(&j->cur, memory_order_relaxed);
		k[0][0] = atomic_load_explicit(&j->key[c][0], memory_order_relaxed);
		k[0][1] = atomic_load_explicit(&j->key[c][1], memory_order_relaxed);
		k[1][0] = atomic_load_explicit(&j->key[c ^ 1][0], memory_order_relaxed);
		k[1][1] = atomic_load_explicit(&j->key[c ^ 1][1], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&j->seq, memory_order_relaxed) == s)
			return;
	}
}

/* RFC 9018 §5: a new secret every period; one thread does it, the others
 * go on with the secrets as they are. */
static void maybe_rotate(struct cookie_jar *j, uint32_t now)
{
	uint8_t k[COOKIE_SECRET_LEN];
	uint32_t due = atomic_load_explicit(&j->next_rotate, memory_order_relaxed);

	if (j->period == 0 || (int32_t)(now - due) < 0 ||
	    atomic_flag_test_and_set(&j->rotating))
		return;
	due = atomic_load_explicit(&j->next_rotate, memory_order_relaxed);
	if ((int32_t)(now - due) >= 0) {
		if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k))
			cookie_jar_rotate(j, k);
		else
			log_warn("cookies: no random bytes for a new secret (%s); "
				 "keeping the old one", strerror(errno));
		atomic_store_explicit(&j->next_rotate, now + j->period, memory_order_relaxed);
	}
	atomic_flag_clear(&j->rotating);
}

/* Writes the hash input for client cookie cc, the 8 bytes of version,
 * reserved and timestamp vrt, and client's address; returns its length
 * (20 for IPv4, 32 for IPv6: RFC 9018 §4.4). */
static size_t hash_input(uint8_t *in, const uint8_t *cc, const uint8_t *vrt,
			 const struct sockaddr *client)
{
	size_t n = 0;

	memcpy(in, cc, WIRE_COOKIE_CLIENT_LEN);
	n += WIRE_COOKIE_CLIENT_LEN;
	memcpy(in + n, vrt, 8);
	n += 8;
	if (client->sa_family == AF_INET) {
		memcpy(in + n, &((const struct sockaddr_in *)client)->sin_addr, 4);
		n += 4;
	} else {
		memcpy(in + n, &((const struct sockaddr_in6 *)client)->sin6_addr, 16);
		n += 16;
	}
	return n;
}

/* SipHash-2-4 of in (n bytes) under key k, from memo when it holds the
 * same computation (the hash is a function of key and input alone). */
static uint64_t memo_hash(struct cookie_memo *memo, const uint64_t k[2], const uint8_t *in,
			  size_t n)
{
	struct cookie_memo_entry *e;
	uint64_t a, b;

	if (!memo)
		return siphash_words(k[0], k[1], in, n);
	/* the client cookie's first word and the address's last: the slot */
	memcpy(&a, in, 8);
	memcpy(&b, in + n - 8, 8);
	a ^= b;
	a ^= a >> 29;
	e = &memo->e[(a ^ (a >> 17)) % COOKIE_MEMO];
	if (e->n == n && e->k[0] == k[0] && e->k[1] == k[1] && memcmp(e->in, in, n) == 0)
		return e->h;
	e->h = siphash_words(k[0], k[1], in, n);
	e->k[0] = k[0];
	e->k[1] = k[1];
	memcpy(e->in, in, n);
	e->n = (uint8_t)n;
	return e->h;
}

/* Constant-time comparison of two 8-byte hashes. */
static bool hash_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < 8; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

enum cookie_verdict cookie_check(struct cookie_jar *j, struct wire_query *q,
				 const struct sockaddr *client, uint32_t now)
{
	return cookie_check_memo(j, NULL, q, client, now);
}

enum cookie_verdict cookie_check_memo(struct cookie_jar *j, struct cookie_memo *memo,
				      struct wire_query *q, const struct sockaddr *client,
				      uint32_t now)
{
	enum cookie_verdict v = COOKIE_CLIENT_ONLY;
	uint8_t in[HASH_INPUT_MAX], h[8];
	uint8_t *out = q->resp_cookie;
	uint64_t k[2][2];
	size_t n;
	bool keep = false;

	if (q->cookie_len == 0)
		return COOKIE_NONE;
	maybe_rotate(j, now);
	read_keys(j, k);
	if (q->cookie_len > WIRE_COOKIE_CLIENT_LEN) {
		const uint8_t *sc = q->cookie + WIRE_COOKIE_CLIENT_LEN;
		/* RFC 9018 §4.3: serial number arithmetic (RFC 1982) */
		int32_t age = (int32_t)(now - wire_get32(sc + 4));

		v = COOKIE_INVALID;
		/* RFC 9018 §4.4: version 1 is exactly 16 bytes; the reserved
		 * bytes are hashed as received (§4.2) */
		if (q->cookie_len == WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS &&
		    sc[0] == COOKIE_VERSION && age <= COOKIE_MAX_AGE_S && age >= -COOKIE_MAX_SKEW_S) {
			n = hash_input(in, q->cookie, sc, client);
			for (int i = 0; i < 2 && v != COOKIE_VALID; i++) {
				put64le(h, memo_hash(memo, k[i], in, n));
				if (hash_equal(h, sc + 8)) {
					v = COOKIE_VALID;
					/* RFC 9018 §4.3: a new one at least when
					 * it is half an hour old; younger ones of
					 * the current secret go back as they came */
					keep = i == 0 && age >= 0 && age < COOKIE_RENEW_S;
				}
			}
		}
	}
	if (keep) {
		memcpy(out, q->cookie, WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS);
		q->resp_cookie_len = WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS;
		return v;
	}
	/* RFC 7873 §5.2.3-5.2.5: a fresh server cookie with the client's */
	memcpy(out, q->cookie, WIRE_COOKIE_CLIENT_LEN);
	out[8] = COOKIE_VERSION;
	out[9] = out[10] = out[11] = 0;      /* RFC 9018 §4.2 */
	wire_put32(out + 12, now);
	n = hash_input(in, out, out + 8, client);
	put64le(out + 16, memo_hash(memo, k[0], in, n));
	q->resp_cookie_len = WIRE_COOKIE_CLIENT_LEN + WIRE_COOKIE_OURS;
	return v;
}
