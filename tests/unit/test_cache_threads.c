/* Unit tests for cache/ across threads: a stress test of puts, gets,
 * negative entries and flushes racing under a small byte budget, the same
 * with signed data and the NSEC index (puts, cache_set_sec,
 * cache_find_nsec, DNSSEC lookups, flushes), and the claims of questions
 * in flight (claim, release, lapse, bounded slots, threads racing for one
 * question). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn/cache.h"
#include "cache_test_util.h"

/* ---- threads ---- */
struct stress {
	struct cache *c;
	unsigned seed;
	uint64_t ops, hits;
	int bad;
	size_t budget;
	void (*step)(struct stress *s, unsigned r);  /* one random operation */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A thread: one second of batches of 64 calls of s->step(s, r) with a
 * fresh random r, the byte budget checked after each batch. */
static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	uint64_t end = mono_ms() + 1000;
	unsigned r = s->seed;

	while (mono_ms() < end) {
		for (int k = 0; k < 64; k++) {
			r = r * 1103515245u + 12345u;
			s->step(s, r);
			s->ops++;
		}
		struct cache_stats st;
		cache_get_stats(s->c, &st);
		if (st.bytes > s->budget)
			s->bad++;
	}
	return NULL;
}

/* Four threads running step on c (seeds a multiple of seed); every
 * thread's checks must have held and the budget too. Prints what was done
 * (what counts as a hit: hit_what), returns the hits and *cs. */
static uint64_t stress_run(struct cache *c, size_t budget, void (*step)(struct stress *, unsigned),
			   unsigned seed, const char *hit_what, struct cache_stats *cs)
{
	struct stress st[4];
	pthread_t th[4];
	uint64_t ops = 0, hits = 0;

	for (int i = 0; i < 4; i++) {
		st[i] = (struct stress){ .c = c, .seed = seed * (unsigned)(i + 1), .budget = budget,
					 .step = step };
		assert_int_equal(pthread_create(&th[i], NULL, stress_thread, &st[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(st[i].bad, 0);
		ops += st[i].ops;
		hits += st[i].hits;
	}
	cache_get_stats(c, cs);
	print_message("%" PRIu64 " ops, %" PRIu64 " %s, %" PRIu64 " entries, %" PRIu64
		      " bytes, %" PRIu64 " evictions\n", ops, hits, hit_what, cs->entries,
		      cs->bytes, cs->evictions);
	assert_true(cs->bytes <= budget);
	return hits;
}

static void stress_step(struct stress *s, unsigned r)
{
	static __thread struct trr t;
	static __thread uint8_t buf[65536];
	struct wire_rrset rs;
	uint8_t n[WIRE_NAME_MAX];
	char name[64];
	unsigned idx = (r >> 8) % 5000, op = (r >> 20) % 100;
	uint64_t now = NOW + (r >> 28);

	snprintf(name, sizeof(name), "n%u.z%u.stress", idx, idx % 13);
	if (op < 30) {
		/* Content is a function of idx: any hit must match it. */
		mk_a(&t, name, 5 + idx % 20, idx, 1 + idx % 5);
		cache_put_rrset(s->c, &t.rs, (enum cache_rank)(1 + op % 5), now);
	} else if (op < 35) {
		mkname(name, n);
		cache_put_negative(s->c, n, WIRE_TYPE_AAAA, op & 1, NULL, 10,
				   (enum cache_rank)(1 + op % 5), now);
	} else if (op < 99) {
		mkname(name, n);
		enum cache_result res = cache_get(s->c, n, WIRE_TYPE_A, now, buf, sizeof(buf), &rs,
						  NULL);
		if (res == CACHE_POSITIVE) {
			s->hits++;
			if (rs.count != 1 + idx % 5 || wire_get32(rs.rdata + 2) != idx ||
			    !wire_name_equal(rs.owner, n))
				s->bad++;
		}
	} else if ((r & 0xe) == 0) {
		snprintf(name, sizeof(name), "z%u.stress", idx % 13);
		mkname(name, n);
		cache_flush_name(s->c, n, (r & 1) != 0);
	}
}

static void test_threads(void **state)
{
	(void)state;
	const size_t budget = 64 * 1024;  /* small: eviction happens all the time */
	struct cache *c = mkcache(budget, 16);
	struct cache_stats cs;

	assert_true(stress_run(c, budget, stress_step, 7919u, "positive hits", &cs) > 0);
	assert_true(cs.evictions > 1000);
	assert_true(cs.hits + cs.misses > 0);
	cache_flush(c);
	cache_get_stats(c, &cs);
	assert_int_equal(cs.entries, 0);
	cache_free(c);
}

/* Signed NSEC RRsets n<i>.z<i%3>.sig (next: n<i+3>...) racing with state
 * changes, RFC 8198 lookups, DNSSEC gets and flushes under a small budget:
 * every NSEC found must be one that was stored (its next name follows from
 * its owner) with its RRSIGs. */
static void dnssec_step(struct stress *s, unsigned r)
{
	static __thread struct trr t, sig;
	static __thread uint8_t buf[65536];
	struct wire_rrset rs, nsec, sigs;
	struct cache_hit hit;
	uint8_t n[WIRE_NAME_MAX], z[WIRE_NAME_MAX], want[WIRE_NAME_MAX];
	char name[64], next[64], zone[16];
	unsigned idx = (r >> 8) % 2000, op = (r >> 20) % 100;
	uint64_t now = NOW + (r >> 28);

	snprintf(zone, sizeof(zone), "z%u.sig", idx % 3);
	snprintf(name, sizeof(name), "n%04u.%s", idx, zone);
	snprintf(next, sizeof(next), "n%04u.%s", idx + 3, zone);
	mkname(name, n);
	mkname(zone, z);
	if (op < 30) {
		struct cache_dnssec d = {
			.sec = op < 20 ? CACHE_SEC_SECURE : CACHE_SEC_UNCHECKED,
			.sigs = mk_rrsig(&sig, name, WIRE_TYPE_NSEC, zone, 20, 1, 64 + idx % 64,
					 (uint8_t)idx),
			.ede = CACHE_EDE_NONE };
		cache_put_rrset_sec(s->c, mk_nsec(&t, name, next, 20), (enum cache_rank)(1 + op % 5),
				    &d, now);
	} else if (op < 40) {
		cache_set_sec(s->c, n, WIRE_TYPE_NSEC, false, (enum cache_sec)(op % 4), 6, 5 + op,
			      now);
	} else if (op < 70) {
		snprintf(name, sizeof(name), "n%04ua.%s", idx, zone);
		mkname(name, n);
		if (!cache_find_nsec(s->c, z, n, now, buf, sizeof(buf), &nsec, &sigs))
			return;
		s->hits++;
		/* owner n<j>.zone: next must be n<j+3>.zone */
		unsigned j = 0;
		for (unsigned i = 1; i <= 4; i++)
			j = j * 10 + (unsigned)(nsec.owner[1 + i] - '0');
		snprintf(next, sizeof(next), "n%04u.%s", j + 3, zone);
		mkname(next, want);
		if (!wire_name_equal(nsec.rdata + 2, want) || sigs.count != 1 ||
		    sigs.rdata_len != 2 + 18 + wire_name_len(z) + 64 + j % 64 ||
		    wire_name_compare(nsec.owner, n) > 0)
			s->bad++;
	} else if (op < 98) {
		if (cache_get_ex(s->c, n, WIRE_TYPE_NSEC, now, CACHE_GET_DNSSEC, buf, sizeof(buf),
				 &rs, NULL, &hit) == CACHE_POSITIVE &&
		    (!wire_name_equal(rs.owner, n) || hit.sigs.count != 1 ||
		     !wire_name_equal(hit.sigs.owner, n)))
			s->bad++;
	} else {
		cache_flush_name(s->c, z, (r & 1) != 0);
	}
}

static void test_threads_dnssec(void **state)
{
	(void)state;
	struct cache *c = mkcache(64 * 1024, 8);
	struct cache_stats cs;

	assert_true(stress_run(c, 64 * 1024, dnssec_step, 104729u, "NSECs found", &cs) > 0);
	assert_true(cs.evictions > 0);
	cache_free(c);
}

static bool claim(struct cache *c, const char *name, uint16_t type, uint16_t qclass,
		  uint64_t now_ms, uint64_t *token)
{
	uint8_t n[WIRE_NAME_MAX];
	mkname(name, n);
	return cache_inflight_claim(c, n, type, qclass, now_ms, 500, 64, token);
}

static void release(struct cache *c, const char *name, uint16_t type, uint64_t token)
{
	uint8_t n[WIRE_NAME_MAX];
	mkname(name, n);
	cache_inflight_release(c, n, type, WIRE_CLASS_IN, token);
}

struct claim_race {
	struct cache *c;
	pthread_barrier_t *bar;
	int won;
	uint64_t token;
};

static void *claim_thread(void *arg)
{
	struct claim_race *cr = arg;
	pthread_barrier_wait(cr->bar);
	cr->won = claim(cr->c, "race.example", WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &cr->token);
	return NULL;
}

/* The holder of a claim learns which workers wait for it, to wake them. */
static void test_inflight_waiters(void **state)
{
	(void)state;
	struct cache *c = mkcache(1 << 20, 0);
	uint8_t n[WIRE_NAME_MAX];
	uint64_t t, tok;

	mkname("wake.example", n);
	assert_true(cache_inflight_claim(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, 500, 0, &t));
	assert_false(cache_inflight_claim(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, 500, 3, &tok));
	assert_false(cache_inflight_claim(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, 500, 5, &tok));
	assert_false(cache_inflight_claim(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, 500, 99, &tok));
	assert_int_equal(cache_inflight_release(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, t),
			 (1ull << 3) | (1ull << 5));
	/* a new claim starts with no waiters */
	assert_true(cache_inflight_claim(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, 500, 1, &t));
	assert_int_equal(cache_inflight_release(c, n, WIRE_TYPE_A, WIRE_CLASS_IN, t), 0);
	cache_free(c);
}

static void test_inflight(void **state)
{
	(void)state;
	struct cache *c = mkcache(1 << 20, 0);
	uint64_t t1, t2, t3, tok;
	char name[64];

	/* claimed once; the same question in any letter case is taken */
	assert_true(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &t1));
	assert_true(t1 != 0);
	assert_false(claim(c, "WWW.Example.COM", WIRE_TYPE_A, WIRE_CLASS_IN, NOW + 1, &tok));
	assert_int_equal(tok, 0);
	/* another type, class or name is another question */
	assert_true(claim(c, "www.example.com", WIRE_TYPE_AAAA, WIRE_CLASS_IN, NOW, &tok));
	assert_true(tok != 0 && tok != t1);
	release(c, "www.example.com", WIRE_TYPE_AAAA, tok);
	assert_true(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_CH, NOW, &tok));
	cache_inflight_release(c, (const uint8_t *)"\3www\7example\3com", WIRE_TYPE_A,
			       WIRE_CLASS_CH, tok);
	assert_true(claim(c, "ww.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &tok));
	release(c, "ww.example.com", WIRE_TYPE_A, tok);
	/* a wrong token releases nothing; the right one does */
	release(c, "www.example.com", WIRE_TYPE_A, t1 + 1000);
	release(c, "www.example.com", WIRE_TYPE_A, 0);
	assert_false(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &tok));
	release(c, "www.example.com", WIRE_TYPE_A, t1);
	assert_true(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &t2));
	assert_true(t2 != 0 && t2 != t1);
	/* the claim lapses hold_ms (500) after it was made */
	assert_false(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW + 499, &tok));
	assert_true(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW + 500, &t3));
	assert_true(t3 != 0 && t3 != t2);
	/* the late holder's release leaves the new claim alone */
	release(c, "www.example.com", WIRE_TYPE_A, t2);
	assert_false(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW + 501, &tok));
	release(c, "www.example.com", WIRE_TYPE_A, t3);
	assert_true(claim(c, "www.example.com", WIRE_TYPE_A, WIRE_CLASS_IN, NOW + 502, &t1));
	release(c, "www.example.com", WIRE_TYPE_A, t1);
	cache_free(c);

	/* bounded: with one shard, a few hundred questions cannot all be
	 * recorded; those that are block a second claim, the others resolve
	 * unmerged (token 0) and a freed slot is used again */
	c = mkcache(1 << 20, 1);
	unsigned held = 0, unmerged = 0;
	uint64_t toks[300];
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		assert_true(claim(c, name, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &toks[i]));
		if (toks[i])
			held++;
		else
			unmerged++;
	}
	assert_true(held > 0 && unmerged > 0);
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		assert_int_equal(claim(c, name, WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &tok), toks[i] == 0);
		if (tok)  /* it got a slot the second time: give it back */
			release(c, name, WIRE_TYPE_A, tok);
	}
	release(c, "n0.example", WIRE_TYPE_A, toks[0]);
	assert_true(claim(c, "n299.example", WIRE_TYPE_A, WIRE_CLASS_IN, NOW, &tok));
	assert_true(tok != 0);
	/* every slot lapses at NOW + 500 */
	assert_true(claim(c, "n1.example", WIRE_TYPE_A, WIRE_CLASS_IN, NOW + 500, &tok));
	assert_true(tok != 0);
	cache_free(c);

	/* threads racing for one question: exactly one wins */
	c = mkcache(1 << 20, 0);
	for (int round = 0; round < 50; round++) {
		enum { N = 8 };
		pthread_t th[N];
		struct claim_race cr[N];
		pthread_barrier_t bar;
		int won = 0;
		pthread_barrier_init(&bar, NULL, N);
		for (int i = 0; i < N; i++) {
			cr[i] = (struct claim_race){ .c = c, .bar = &bar };
			assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &cr[i]), 0);
		}
		for (int i = 0; i < N; i++) {
			pthread_join(th[i], NULL);
			won += cr[i].won;
			if (cr[i].won)
				tok = cr[i].token;
		}
		pthread_barrier_destroy(&bar);
		assert_int_equal(won, 1);
		assert_true(tok != 0);
		release(c, "race.example", WIRE_TYPE_A, tok);
	}
	cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_threads_dnssec),
		cmocka_unit_test(test_inflight),
		cmocka_unit_test(test_inflight_waiters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
