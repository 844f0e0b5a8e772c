/* Unit tests for common/: error strings, time, arena, logging, socket
 * addresses and prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "cairn/common.h"

static void test_strerror(void **state)
{
	(void)state;
	const char *seen[CAIRN_EEXIST + 1];
	for (int e = CAIRN_OK; e <= CAIRN_EEXIST; e++) {
		seen[e] = cairn_strerror((cairn_err)e);
		assert_non_null(seen[e]);
		assert_true(strlen(seen[e]) > 0);
		for (int j = 0; j < e; j++)
			assert_string_not_equal(seen[j], seen[e]);
	}
	assert_string_equal(cairn_strerror(CAIRN_ENOMEM), "out of memory");
	assert_string_equal(cairn_strerror((cairn_err)999), "unknown error");
}

static void test_now_ms(void **state)
{
	(void)state;
	uint64_t a = cairn_now_ms();
	usleep(20000);
	uint64_t b = cairn_now_ms();
	assert_true(b >= a + 15);
	assert_true(b < a + 5000);
}

static void test_arena(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 256);
	assert_null(a.head);

	char *prev = NULL;
	for (int i = 1; i < 200; i++) {
		char *p = arena_alloc(&a, (size_t)(i % 37) + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
		memset(p, 0xab, (size_t)(i % 37) + 1);   /* ASan checks bounds */
		assert_ptr_not_equal(p, prev);
		prev = p;
	}
	/* bigger than a block: its own block, the current one keeps going */
	char *small1 = arena_alloc(&a, 8);
	char *big = arena_alloc(&a, 10000);
	assert_non_null(big);
	memset(big, 1, 10000);
	char *small2 = arena_alloc(&a, 8);
	assert_non_null(small1);
	assert_non_null(small2);
	assert_true(small2 > small1 && small2 - small1 < 256);
	size_t total = a.total;
	char *d = arena_dup(&a, "hello", 6);
	assert_string_equal(d, "hello");
	assert_int_equal(a.total, total + 6);
	assert_non_null(arena_alloc(&a, 0));
	assert_null(arena_alloc(&a, SIZE_MAX - 4));
	arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	/* default block size; reusable after free */
	arena_init(&a, 0);
	assert_true(a.block_size > 0);
	assert_non_null(arena_alloc(&a, 100));
	arena_free(&a);
	arena_free(&a);
}

static void test_sockaddr_parse(void **state)
{
	(void)state;
	struct cairn_sockaddr sa;
	char buf[128];
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&sa.ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&sa.ss;

	assert_int_equal(cairn_sockaddr_parse("127.0.0.1", 53, &sa), CAIRN_OK);
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 53);
	assert_int_equal(sa.len, sizeof(struct sockaddr_in));
	assert_string_equal(cairn_sockaddr_format(&sa, buf, sizeof(buf)), "127.0.0.1#53");

	assert_int_equal(cairn_sockaddr_parse("127.0.0.1@5353", 53, &sa), CAIRN_OK);
	assert_int_equal(ntohs(s4->sin_port), 5353);
	assert_string_equal(cairn_sockaddr_format(&sa, buf, sizeof(buf)), "127.0.0.1#5353");

	assert_int_equal(cairn_sockaddr_parse("::1@5353", 53, &sa), CAIRN_OK);
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 5353);
	assert_int_equal(sa.len, sizeof(struct sockaddr_in6));
	assert_string_equal(cairn_sockaddr_format(&sa, buf, sizeof(buf)), "::1#5353");

	assert_int_equal(cairn_sockaddr_parse("2001:DB8::53", 53, &sa), CAIRN_OK);
	assert_string_equal(cairn_sockaddr_format(&sa, buf, sizeof(buf)), "2001:db8::53#53");
	assert_int_equal(cairn_sockaddr_parse("::ffff:10.0.0.1@65535", 1, &sa), CAIRN_OK);
	assert_string_equal(cairn_sockaddr_format(&sa, buf, sizeof(buf)), "::ffff:10.0.0.1#65535");
	assert_int_equal(cairn_sockaddr_parse("fe80::1%1@53", 1, &sa), CAIRN_OK);
	assert_int_equal(s6->sin6_scope_id, 1);
	assert_int_equal(cairn_sockaddr_parse("0.0.0.0@0", 53, &sa), CAIRN_OK);

	/* a small buffer truncates but stays terminated */
	assert_int_equal(cairn_sockaddr_parse("127.0.0.1@5353", 53, &sa), CAIRN_OK);
	cairn_sockaddr_format(&sa, buf, 6);
	assert_string_equal(buf, "127.0");

	const char *bad[] = {
		"", "@53", "127.0.0.1@", "127.0.0.1@65536", "127.0.0.1@x",
		"127.0.0.1@-1", "127.0.0.1@ 53", "127.0.0.1@53@54", "256.0.0.1",
		"1.2.3", "localhost", "::1::2", "::1@99999999999999999999",
		"[::1]@53", "127.0.0.1 ", "fe80::1%nosuchif0", "fe80::1%",
		"1.2.3.4%1",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cairn_sockaddr_parse(bad[i], 53, &sa), CAIRN_EINVAL);
	assert_int_equal(cairn_sockaddr_parse(NULL, 53, &sa), CAIRN_EINVAL);
}

static struct cairn_sockaddr sa_of(const char *text)
{
	struct cairn_sockaddr sa;
	assert_int_equal(cairn_sockaddr_parse(text, 53, &sa), CAIRN_OK);
	return sa;
}

static bool match(const struct cairn_prefix *p, const char *addr)
{
	struct cairn_sockaddr sa = sa_of(addr);
	return cairn_prefix_match(p, (const struct sockaddr *)&sa.ss);
}

static void test_prefix(void **state)
{
	(void)state;
	struct cairn_prefix p;

	assert_int_equal(cairn_prefix_parse("10.0.0.0/8", &p), CAIRN_OK);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.bits, 8);
	assert_true(match(&p, "10.1.2.3"));
	assert_true(match(&p, "10.255.255.255"));
	assert_false(match(&p, "11.0.0.1"));
	assert_false(match(&p, "9.255.255.255"));
	/* v4-mapped IPv6 clients match IPv4 prefixes */
	assert_true(match(&p, "::ffff:10.9.8.7"));
	assert_false(match(&p, "::ffff:11.9.8.7"));
	assert_false(match(&p, "::a09:807"));          /* v4-compatible, not mapped */
	assert_false(match(&p, "2001:db8::1"));

	/* host bits are cleared; odd lengths */
	assert_int_equal(cairn_prefix_parse("192.168.1.77/24", &p), CAIRN_OK);
	assert_int_equal(p.addr[3], 0);
	assert_true(match(&p, "192.168.1.1"));
	assert_false(match(&p, "192.168.2.1"));
	assert_int_equal(cairn_prefix_parse("172.16.0.0/12", &p), CAIRN_OK);
	assert_true(match(&p, "172.31.255.1"));
	assert_false(match(&p, "172.32.0.1"));
	assert_int_equal(cairn_prefix_parse("0.0.0.0/0", &p), CAIRN_OK);
	assert_true(match(&p, "1.2.3.4"));
	assert_false(match(&p, "::1"));
	/* bare address: full length */
	assert_int_equal(cairn_prefix_parse("127.0.0.1", &p), CAIRN_OK);
	assert_int_equal(p.bits, 32);
	assert_true(match(&p, "127.0.0.1"));
	assert_false(match(&p, "127.0.0.2"));

	assert_int_equal(cairn_prefix_parse("::1/128", &p), CAIRN_OK);
	assert_int_equal(p.family, AF_INET6);
	assert_true(match(&p, "::1"));
	assert_false(match(&p, "::2"));
	assert_false(match(&p, "127.0.0.1"));
	assert_int_equal(cairn_prefix_parse("::1", &p), CAIRN_OK);
	assert_int_equal(p.bits, 128);
	assert_int_equal(cairn_prefix_parse("fd00::/8", &p), CAIRN_OK);
	assert_true(match(&p, "fdab::1"));
	assert_false(match(&p, "fe80::1"));
	assert_int_equal(cairn_prefix_parse("fe80::/10", &p), CAIRN_OK);
	assert_true(match(&p, "febf::1"));
	assert_false(match(&p, "fec0::1"));
	assert_int_equal(cairn_prefix_parse("2001:db8::/32", &p), CAIRN_OK);
	assert_true(match(&p, "2001:db8:1::1"));
	assert_false(match(&p, "2001:db9::1"));
	/* an IPv6 v4-mapped prefix covers plain IPv4 clients */
	assert_int_equal(cairn_prefix_parse("::ffff:0:0/96", &p), CAIRN_OK);
	assert_true(match(&p, "192.0.2.1"));
	assert_true(match(&p, "::ffff:192.0.2.1"));
	assert_false(match(&p, "2001:db8::1"));
	assert_int_equal(cairn_prefix_parse("::/0", &p), CAIRN_OK);
	assert_true(match(&p, "2001:db8::1"));

	const char *bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "x/8", "10.0.0.0/8x",
		"10.0.0.0/-1", "10.0.0/8", "10.0.0.0/8/8", "::1/1 28", "300.0.0.0/8",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cairn_prefix_parse(bad[i], &p), CAIRN_EINVAL);
	assert_int_equal(cairn_prefix_parse(NULL, &p), CAIRN_EINVAL);

	/* an unknown address family never matches */
	struct sockaddr un = { .sa_family = AF_UNIX };
	assert_int_equal(cairn_prefix_parse("0.0.0.0/0", &p), CAIRN_OK);
	assert_false(cairn_prefix_match(&p, &un));
}

static void test_log_file(void **state)
{
	(void)state;
	char path[] = "/tmp/cairn-test-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(log_open(LOG_SINK_FILE, path, LOG_LVL_INFO), CAIRN_OK);
	log_err("first %d", 1);
	log_warn("second %s", "two");
	log_info("third");
	log_debug("hidden");
	log_close();
	assert_int_equal(log_open(LOG_SINK_FILE, "/nonexistent-dir/x.log", LOG_LVL_INFO), CAIRN_EIO);
	assert_int_equal(log_open(LOG_SINK_FILE, NULL, LOG_LVL_INFO), CAIRN_EINVAL);
	assert_int_equal(log_open(LOG_SINK_STDERR, NULL, LOG_LVL_ERR), CAIRN_OK);

	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[512];
	const char *expect[] = { "[error] first 1", "[warning] second two", "[info] third" };
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		assert_true(n < 3);
		/* "YYYY-MM-DDTHH:MM:SS.mmm [level] message" */
		assert_true(strlen(line) > 24);
		assert_int_equal(line[4], '-');
		assert_int_equal(line[10], 'T');
		assert_int_equal(line[19], '.');
		assert_int_equal(line[23], ' ');
		assert_non_null(strstr(line, expect[n]));
		assert_int_equal(line[strlen(line) - 1], '\n');
		n++;
	}
	assert_int_equal(n, 3);
	fclose(f);
	unlink(path);
}

static void test_log_long_line(void **state)
{
	(void)state;
	char path[] = "/tmp/cairn-test-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'z', 9999);
	big[9999] = '\0';
	assert_int_equal(log_open(LOG_SINK_FILE, path, LOG_LVL_DEBUG), CAIRN_OK);
	log_debug("%s", big);
	log_debug("after");
	log_close();
	free(big);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *line = malloc(20000);
	assert_non_null(fgets(line, 20000, f));
	assert_true(strlen(line) < 4096);           /* truncated, one line */
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_non_null(fgets(line, 20000, f));
	assert_non_null(strstr(line, "[debug] after"));
	free(line);
	fclose(f);
	unlink(path);
}

/* Big tables: zeroed, writable end to end, 2 MiB aligned and whole huge
 * pages from CAIRN_TABLE_HUGE on; small ones as calloc gives them. */
static void test_table_alloc(void **state)
{
	(void)state;
	static const size_t sizes[] = { 1, 4096, CAIRN_TABLE_HUGE - 8, CAIRN_TABLE_HUGE,
					CAIRN_TABLE_HUGE + 8, 3 * CAIRN_TABLE_HUGE + 123 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t got = 0;
		unsigned char *p = cairn_table_alloc(sizes[i], &got);

		assert_non_null(p);
		assert_true(got >= sizes[i]);
		if (sizes[i] >= CAIRN_TABLE_HUGE) {
			assert_int_equal((uintptr_t)p % CAIRN_TABLE_HUGE, 0);
			assert_int_equal(got % CAIRN_TABLE_HUGE, 0);
			assert_true(got < sizes[i] + CAIRN_TABLE_HUGE);
		}
		for (size_t k = 0; k < sizes[i]; k += 4093)
			assert_int_equal(p[k], 0);
		assert_int_equal(p[sizes[i] - 1], 0);
		memset(p, 0xa5, got);
		cairn_table_free(p, got);
	}
	cairn_table_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_now_ms),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_table_alloc),
		cmocka_unit_test(test_sockaddr_parse),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_log_file),
		cmocka_unit_test(test_log_long_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
