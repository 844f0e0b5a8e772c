/* Unit tests for server/cachefile.c (cache-file, dump-cache, load-cache):
 * a dump read back gives the same entries (positive, NXDOMAIN, NODATA,
 * stale ones) with their expiry, TTL and rank; malformed input of every
 * kind -- bad entry lines, bad records, records of another owner or type,
 * stray records, truncated and binary garbage -- is reported with
 * file:line and skipped, never stored half, never a crash; too old entries
 * are dropped; the byte budget holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/cache.h"
#include "cairn/server.h"
#include "cache_test_util.h"

struct fixture {
	char dir[64], path[128];
	char msgs[8192];
	size_t mlen;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-cachefile-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cache.txt", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char tmp[160];

	unlink(f->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void report(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct fixture *f = ctx;

	(void)file;
	f->mlen += (size_t)snprintf(f->msgs + f->mlen, sizeof(f->msgs) - f->mlen, "%u: %s\n",
				    line, msg);
}

static struct cache *stale_cache(size_t bytes)
{
	struct cache_config cfg;
	struct cache *c;

	cache_config_default(&cfg);
	cfg.max_bytes = bytes;
	cfg.shards = 4;
	cfg.stale_max_age = 86400;
	assert_int_equal(cache_new(&cfg, &c), CAIRN_OK);
	return c;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static uint8_t scratch[65536];

static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	static struct trr t;
	struct cache *a = stale_cache(1 << 20), *b = stale_cache(1 << 20);
	struct server_cache_load_stats st;
	uint64_t now = cairn_now_ms() / 1000;
	uint8_t n[WIRE_NAME_MAX], zone[WIRE_NAME_MAX], soa[64];
	struct wire_rrset rs, soars;
	struct cache_hit hit;
	enum cache_rank rank;
	size_t count = 0;
	FILE *in;
	char line[512];
	bool header = false;

	cache_put_rrset(a, mk_a(&t, "www.test", 300, 1, 3), CACHE_RANK_AUTH_ANSWER, now);
	cache_put_rrset(a, mk_a(&t, "old.test", 10, 9, 1), CACHE_RANK_ANSWER_NONAUTH, now - 100);
	/* an SOA: mname ns.test., rname h.test., five numbers */
	mkname("test", zone);
	size_t p = 2;
	memcpy(soa + p, "\2ns\4test\0", 9);
	p += 9;
	memcpy(soa + p, "\1h\4test\0", 8);
	p += 8;
	for (int i = 0; i < 5; i++, p += 4)
		wire_put32(soa + p, 100u + (uint32_t)i);
	wire_put16(soa, (uint16_t)(p - 2));
	soars = (struct wire_rrset){ .owner = zone, .type = WIRE_TYPE_SOA, .rclass = WIRE_CLASS_IN,
		.ttl = 60, .count = 1, .rdata_len = (uint32_t)p, .rdata = soa };
	mkname("nx.test", n);
	cache_put_negative(a, n, 0, true, &soars, 60, CACHE_RANK_AUTH_AUTHORITY, now);
	mkname("www.test", n);
	cache_put_negative(a, n, WIRE_TYPE_AAAA, false, NULL, 60, CACHE_RANK_AUTH_AUTHORITY, now);
	assert_int_equal(server_cache_dump(a, f->path, &count), CAIRN_OK);
	assert_int_equal(count, 4);
	in = fopen(f->path, "r");
	assert_non_null(in);
	while (fgets(line, sizeof(line), in))
		if (strncmp(line, ";; rrset www.test. A expires=", 29) == 0 &&
		    strstr(line, " ttl=300 rank=auth-answer\n"))
			header = true;
	fclose(in);
	assert_true(header);
	assert_int_equal(server_cache_load(b, f->path, 86400, report, f, &st), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_int_equal(st.loaded, 4);
	assert_int_equal(st.malformed, 0);
	mkname("www.test", n);
	assert_int_equal(cache_get_ex(b, n, WIRE_TYPE_A, now, 0, scratch, sizeof(scratch), &rs,
				      &rank, &hit), CACHE_POSITIVE);
	assert_int_equal(rs.count, 3);
	assert_true(rs.ttl >= 299 && rs.ttl <= 300);
	assert_int_equal(hit.orig_ttl, 300);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	assert_int_equal(cache_get(b, n, WIRE_TYPE_AAAA, now, scratch, sizeof(scratch), &rs, NULL),
			 CACHE_NODATA);
	mkname("nx.test", n);
	assert_int_equal(cache_get(b, n, WIRE_TYPE_MX, now, scratch, sizeof(scratch), &rs, NULL),
			 CACHE_NXDOMAIN);
	assert_int_equal(rs.count, 1);
	assert_int_equal(rs.rdata_len, p);
	assert_memory_equal(rs.rdata, soa, p);
	mkname("old.test", n);
	assert_int_equal(cache_get_ex(b, n, WIRE_TYPE_A, now, CACHE_GET_STALE, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_POSITIVE);
	assert_true(hit.stale);
	/* without serve-stale the stale entry is dropped at load */
	cache_free(b);
	assert_int_equal(server_cache_load(b = mkcache(1 << 20, 4), f->path, 0, report, f, &st),
			 CAIRN_OK);
	assert_int_equal(st.loaded, 3);
	assert_int_equal(st.expired, 1);
	cache_free(a);
	cache_free(b);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	struct cache *c = stale_cache(1 << 20);
	struct server_cache_load_stats st;
	uint8_t n[WIRE_NAME_MAX];
	struct wire_rrset rs;
	static const char text[] =
		"; a comment\n"
		";; rrset a.test. A expires=9999999999 ttl=60 rank=glue\n"      /* 2: ok */
		"a.test. 60 IN A 192.0.2.1\n"
		";; rrset b.test. A expires=9999999999 ttl=60 rank=glue\n"      /* 4 */
		"b.test. 60 IN A 192.0.2.1\n"
		"c.test. 60 IN A 192.0.2.2\n"                                  /* 6: other owner */
		";; rrset d.test. A expires=9999999999 ttl=60 rank=glue\n"
		"d.test. 60 IN AAAA ::1\n"                                      /* 8: other type */
		";; rrset e.test. A expires=9999999999 ttl=60 rank=king\n"      /* 9: rank */
		"e.test. 60 IN A 192.0.2.5\n"
		";; rrset f.test. A expires=soon ttl=60 rank=glue\n"            /* 11 */
		";; rrset g..test. A expires=9999999999 ttl=60 rank=glue\n"     /* 12: name */
		";; rrset h.test. NOSUCHTYPE expires=9999999999 ttl=60 rank=glue\n" /* 13 */
		";; rrset i.test. A expires=9999999999 ttl=60 rank=glue\n"      /* 14: no records */
		";; nxdomain j.test. expires=1000 ttl=60 rank=glue\n"           /* 15: too old */
		";; rrset k.test. A expires=9999999999 ttl=60 rank=glue\n"
		"k.test. 60 IN A 192.0.2.300\n"                                 /* 17: rdata */
		";; rrset l.test. A expires=9999999999 ttl=60 rank=auth-answer\n"
		"l.test. 60 IN A 192.0.2.12\n"
		"\xff\xfe\x01 garbage\n"                                        /* 20 */
		";; rrset m.test. A expires=9999999999 ttl=60 rank=auth-answer\n"
		"m.test. 60 IN A 192.0";                                        /* 22: cut */

	write_file(f->path, text, sizeof(text) - 1);
	assert_int_equal(server_cache_load(c, f->path, 86400, report, f, &st), CAIRN_OK);
	if (getenv("SHOW"))
		fputs(f->msgs, stderr);
	assert_int_equal(st.loaded, 1);
	assert_int_equal(st.expired, 1);
	assert_non_null(strstr(f->msgs, "6: record owner differs"));
	assert_non_null(strstr(f->msgs, "8: record of another type"));
	assert_non_null(strstr(f->msgs, "9: unknown rank 'king'"));
	assert_non_null(strstr(f->msgs, "11: malformed entry line"));
	assert_non_null(strstr(f->msgs, "12: bad name"));
	assert_non_null(strstr(f->msgs, "13: bad type 'NOSUCHTYPE'"));
	assert_non_null(strstr(f->msgs, "14: entry without records"));
	assert_non_null(strstr(f->msgs, "17: cannot parse the record"));
	assert_non_null(strstr(f->msgs, "20: record of another type"));
	assert_non_null(strstr(f->msgs, "22: cannot parse the record"));
	/* only the whole, good entry is there; nothing half */
	mkname("a.test", n);
	assert_int_equal(cache_get(c, n, WIRE_TYPE_A, cairn_now_ms() / 1000, scratch,
				   sizeof(scratch), &rs, NULL), CACHE_POSITIVE);
	mkname("b.test", n);
	assert_int_equal(cache_get(c, n, WIRE_TYPE_A, cairn_now_ms() / 1000, scratch,
				   sizeof(scratch), &rs, NULL), CACHE_MISS);
	mkname("l.test", n);
	assert_int_equal(cache_get(c, n, WIRE_TYPE_A, cairn_now_ms() / 1000, scratch,
				   sizeof(scratch), &rs, NULL), CACHE_MISS);
	/* a missing file */
	assert_int_equal(server_cache_load(c, "/nonexistent/cache.txt", 86400, report, f, &st),
			 CAIRN_EIO);
	cache_free(c);
}

/* Random bytes and long lines: reported or ignored, never a crash (the
 * sanitizers watch); the byte budget holds while loading many entries. */
static void test_garbage_and_budget(void **state)
{
	struct fixture *f = *state;
	struct cache *c = stale_cache(256 * 1024);
	struct server_cache_load_stats st;
	struct cache_stats cs;
	static char buf[200000];
	size_t len = 0;
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < sizeof(buf) - 1; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (char)(x & 0xff);
		if (buf[i] == 0)
			buf[i] = ';';
	}
	write_file(f->path, buf, sizeof(buf) - 1);
	assert_int_equal(server_cache_load(c, f->path, 86400, NULL, NULL, &st), CAIRN_OK);
	assert_int_equal(st.loaded, 0);
	for (unsigned i = 0; i < 4000 && len + 200 < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					";; rrset n%u.test. A expires=9999999999 ttl=60 rank=glue\n"
					"n%u.test. 60 IN A 192.0.2.1\n", i, i);
	write_file(f->path, buf, len);
	assert_int_equal(server_cache_load(c, f->path, 86400, NULL, NULL, &st), CAIRN_OK);
	cache_get_stats(c, &cs);
	assert_true(cs.bytes <= 256 * 1024);
	assert_true(cs.evictions > 0);
	cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_and_budget, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
