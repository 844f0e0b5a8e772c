/* Unit tests for server/cachefile.c (cache-file, dump-cache, load-cache):
 * a dump read back gives the same entries (positive, NXDOMAIN, NODATA,
 * stale ones) with their expiry, TTL and rank; malformed input of every
 * kind -- bad entry lines, bad records, records of another owner or type,
 * stray records, truncated and binary garbage -- is reported with
 * file:line and skipped, never stored half, never a crash; too old entries
 * are dropped; the byte budget holds. DNSSEC data (validation state, EDE,
 * zone, RRSIGs, denial proofs) survives a dump and load exactly, and its
 * malformed forms are reported with file:line too. */
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
	assert_true(rs.ttl >= 290 && rs.ttl <= 300);  /* seconds may pass on a loaded machine */
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

/* An SOA RRset of test. (mname ns.test., rname h.test., serial...). */
static struct wire_rrset *mk_test_soa(struct trr *t, uint32_t ttl)
{
	size_t p = 2;

	mkname("test", t->owner);
	memcpy(t->rdata + p, "\2ns\4test\0", 9);
	p += 9;
	memcpy(t->rdata + p, "\1h\4test\0", 8);
	p += 8;
	for (int i = 0; i < 5; i++, p += 4)
		wire_put32(t->rdata + p, 100u + (uint32_t)i);
	wire_put16(t->rdata, (uint16_t)(p - 2));
	t->rs = (struct wire_rrset){ .owner = t->owner, .type = WIRE_TYPE_SOA,
		.rclass = WIRE_CLASS_IN, .ttl = ttl, .count = 1, .rdata_len = (uint32_t)p,
		.rdata = t->rdata };
	return &t->rs;
}

static bool file_has(const char *path, const char *text)
{
	static char buf[65536];
	FILE *in = fopen(path, "r");
	size_t n;

	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	fclose(in);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* Signed and validated entries of every kind: a dump read back gives the
 * same state, EDE, RRSIGs and proofs, and the NSEC index again. */
static void test_dnssec_roundtrip(void **state)
{
	struct fixture *f = *state;
	static struct trr a, as, soa, ss, n1, s1, n2, s2, nn, ns;
	struct cache *c = stale_cache(1 << 20), *b = stale_cache(1 << 20);
	struct server_cache_load_stats st;
	uint64_t now = cairn_now_ms() / 1000;
	uint8_t n[WIRE_NAME_MAX], z[WIRE_NAME_MAX];
	struct wire_rrset proof[4], nsec, sigs;
	size_t count;

	struct cache_dnssec da = { .sec = CACHE_SEC_SECURE, .ede = CACHE_EDE_NONE,
				   .sigs = mk_rrsig(&as, "www.test", WIRE_TYPE_A, "test", 300, 2,
						    64, 1) };
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "www.test", 300, 1, 2),
					     CACHE_RANK_AUTH_ANSWER, &da, now), CAIRN_OK);
	proof[0] = *mk_nsec(&n1, "a.test", "c.test", 300);
	proof[1] = *mk_rrsig(&s1, "a.test", WIRE_TYPE_NSEC, "test", 300, 1, 64, 2);
	proof[2] = *mk_nsec(&n2, "test", "a.test", 300);
	proof[3] = *mk_rrsig(&s2, "test", WIRE_TYPE_NSEC, "test", 300, 2, 64, 3);
	struct cache_dnssec dn = { .sec = CACHE_SEC_SECURE, .ede = CACHE_EDE_NONE,
				   .sigs = mk_rrsig(&ss, "test", WIRE_TYPE_SOA, "test", 300, 1, 64, 4),
				   .proof = proof, .nproof = 4 };
	mkname("b.test", n);
	assert_int_equal(cache_put_negative_sec(c, n, 0, true, mk_test_soa(&soa, 300), 300,
						CACHE_RANK_AUTH_AUTHORITY, &dn, now), CAIRN_OK);
	struct cache_dnssec dd = { .sec = CACHE_SEC_BOGUS, .ede = 9, .proof = proof,
				   .nproof = 2 };
	mkname("a.test", n);
	assert_int_equal(cache_put_negative_sec(c, n, WIRE_TYPE_MX, false, &soa.rs, 300,
						CACHE_RANK_AUTH_AUTHORITY, &dd, now), CAIRN_OK);
	struct cache_dnssec di = { .sec = CACHE_SEC_INSECURE, .ede = 27 };
	assert_int_equal(cache_put_rrset_sec(c, mk_a(&a, "ins.test", 300, 9, 1),
					     CACHE_RANK_ANSWER_NONAUTH, &di, now), CAIRN_OK);
	mkname("test", z);
	struct cache_dnssec dz = { .sec = CACHE_SEC_SECURE, .ede = CACHE_EDE_NONE, .signer = z,
				   .sigs = mk_rrsig(&ns, "k.test", WIRE_TYPE_NSEC, "test", 300, 1,
						    64, 5) };
	assert_int_equal(cache_put_rrset_sec(c, mk_nsec(&nn, "k.test", "m.test", 300),
					     CACHE_RANK_AUTH_AUTHORITY, &dz, now), CAIRN_OK);
	assert_int_equal(server_cache_dump(c, f->path, &count), CAIRN_OK);
	assert_int_equal(count, 5);
	assert_true(file_has(f->path, " rank=auth-answer sec=secure\n"));
	assert_true(file_has(f->path, " sec=bogus ede=9\n"));
	assert_true(file_has(f->path, " sec=insecure ede=27\n"));
	assert_true(file_has(f->path, " zone=test.\n"));
	assert_true(file_has(f->path, "\n;; sigs\n"));
	assert_true(file_has(f->path, "\n;; proof\n"));
	assert_int_equal(server_cache_load(b, f->path, 86400, report, f, &st), CAIRN_OK);
	if (getenv("SHOW"))
		fputs(f->msgs, stderr);
	assert_string_equal(f->msgs, "");
	assert_int_equal(st.loaded, 5);
	const char *names[] = { "www.test", "b.test", "a.test", "ins.test", "k.test" };
	const uint16_t types[] = { WIRE_TYPE_A, WIRE_TYPE_TXT, WIRE_TYPE_MX, WIRE_TYPE_A,
				   WIRE_TYPE_NSEC };
	for (unsigned i = 0; i < 5; i++) {
		mkname(names[i], n);
		assert_same_entry(c, b, n, types[i], now);
	}
	mkname("l.test", n);
	assert_true(cache_find_nsec(b, z, n, now, scratch, sizeof(scratch), &nsec, &sigs));
	assert_rrset_equal(&nsec, &nn.rs);
	assert_rrset_equal(&sigs, &ns.rs);
	cache_free(c);
	cache_free(b);
}

/* Malformed DNSSEC parts of entries: reported with file:line, the entry
 * skipped whole. */
static void test_dnssec_malformed(void **state)
{
	struct fixture *f = *state;
	struct cache *c = stale_cache(1 << 20);
	struct server_cache_load_stats st;
	uint8_t n[WIRE_NAME_MAX];
	struct wire_rrset rs;
	struct cache_hit hit;
	char text[8192];
	size_t len = 0;
#define SIG(owner, type) owner " 60 IN RRSIG " type " 13 2 60 20330518033320 " \
	"20231114221320 1000 test. AAECAwQFBgcICQ==\n"
#define SOA "test. 60 IN SOA ns.test. h.test. 1 2 3 4 5\n"
	static const char *const lines[] = {
		";; sigs\n",                                                          /* 1 */
		";; rrset a.test. A expires=9999999999 ttl=60 rank=glue sec=secure\n", /* 2: ok */
		"a.test. 60 IN A 192.0.2.1\n",
		";; sigs\n",
		SIG("a.test.", "A"),
		";; rrset b.test. A expires=9999999999 ttl=60 rank=glue sec=sure\n",  /* 6 */
		";; rrset c.test. A expires=9999999999 ttl=60 rank=glue ede=x\n",     /* 7 */
		";; rrset d.test. A expires=9999999999 ttl=60 rank=glue color=red\n", /* 8 */
		";; sigs\n",                                /* 9: of a bad entry: silent */
		";; rrset e.test. A expires=9999999999 ttl=60 rank=glue sec=secure\n",
		"e.test. 60 IN A 192.0.2.5\n",
		";; sigs\n",
		"e.test. 60 IN A 192.0.2.6\n",                                       /* 13 */
		";; rrset f.test. A expires=9999999999 ttl=60 rank=glue sec=secure\n",
		"f.test. 60 IN A 192.0.2.5\n",
		";; proof\n",                                                         /* 16 */
		";; nxdomain g.test. expires=9999999999 ttl=60 rank=glue sec=secure\n",
		SOA,
		";; proof\n",
		";; sigs\n",                                                          /* 20 */
		";; nxdomain h.test. expires=9999999999 ttl=60 rank=glue\n",
		SOA,
		";; proof\n",
		"test. 60 IN A 192.0.2.1\n",                                          /* 24 */
		";; nodata j.test. A expires=9999999999 ttl=60 rank=glue sec=secure\n",
		";; sigs\n",                                                          /* 26 */
		";; rrset k.test. A expires=9999999999 ttl=60 rank=glue sec=secure\n",
		"k.test. 60 IN A 192.0.2.5\n",
		";; sigs\n",
		SIG("other.test.", "A"),                                              /* 30 */
		";; nxdomain i.test. expires=9999999999 ttl=60 rank=glue sec=bogus ede=6\n",
		SOA,
		";; proof\n",
		"a1.test. 60 IN NSEC b.test. A\n",
		"a2.test. 60 IN NSEC b.test. A\n",
		"a3.test. 60 IN NSEC b.test. A\n",
		"a4.test. 60 IN NSEC b.test. A\n",
		"a5.test. 60 IN NSEC b.test. A\n",
		"a6.test. 60 IN NSEC b.test. A\n",
		"a7.test. 60 IN NSEC b.test. A\n",
		"a8.test. 60 IN NSEC b.test. A\n",
		"a9.test. 60 IN NSEC b.test. A\n",                                    /* 42 */
		";; nxdomain l.test. expires=9999999999 ttl=60 rank=glue sec=secure\n", /* ok */
		SOA,
		";; sigs\n",
		SIG("test.", "SOA"),
		";; proof\n",
		"a1.test. 60 IN NSEC b.test. A\n",
		"a1.test. 60 IN NSEC c.test. A\n",          /* the same RRset */
		SIG("a1.test.", "NSEC"),
		SIG("a1.test.", "A"),                       /* another RRSIG RRset */
		";; rrset m.test. A expires=9999999999 ttl=60 rank=glue sec=secure\n", /* 52 */
		"m.test. 60 IN A 192.0.2.5\n",
		";; sigs\n",
		";; sigs\n",                                                          /* 55 */
	};
#undef SIG
#undef SOA

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", lines[i]);
	write_file(f->path, text, len);
	assert_int_equal(server_cache_load(c, f->path, 86400, report, f, &st), CAIRN_OK);
	if (getenv("SHOW"))
		fputs(f->msgs, stderr);
	assert_non_null(strstr(f->msgs, "1: ';; sigs' outside an entry"));
	assert_non_null(strstr(f->msgs, "6: unknown validation state 'sure'"));
	assert_non_null(strstr(f->msgs, "7: bad ede 'x'"));
	assert_non_null(strstr(f->msgs, "8: unknown field 'color=red'"));
	assert_null(strstr(f->msgs, "9: "));
	assert_non_null(strstr(f->msgs, "13: a record other than RRSIG after ';; sigs'"));
	assert_non_null(strstr(f->msgs, "16: a denial proof with an RRset"));
	assert_non_null(strstr(f->msgs, "20: ';; sigs' out of place"));
	assert_non_null(strstr(f->msgs, "24: a proof record other than NSEC"));
	assert_non_null(strstr(f->msgs, "26: signatures without the records"));
	assert_non_null(strstr(f->msgs, "30: record owner differs"));
	assert_non_null(strstr(f->msgs, "42: a proof of more than 8 RRsets"));
	assert_non_null(strstr(f->msgs, "55: ';; sigs' out of place"));
	assert_int_equal(st.loaded, 2);
	assert_int_equal(st.malformed, 12);
	uint64_t now = cairn_now_ms() / 1000;
	mkname("a.test", n);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, now, CACHE_GET_DNSSEC, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_POSITIVE);
	assert_int_equal(hit.sec, CACHE_SEC_SECURE);
	assert_int_equal(hit.sigs.count, 1);
	mkname("l.test", n);
	assert_int_equal(cache_get_ex(c, n, WIRE_TYPE_A, now, CACHE_GET_DNSSEC, scratch,
				      sizeof(scratch), &rs, NULL, &hit), CACHE_NXDOMAIN);
	assert_int_equal(hit.sigs.count, 1);
	assert_int_equal(hit.nproof, 3);
	assert_int_equal(hit.proof[0].count, 2);
	assert_int_equal(hit.proof[1].count, 1);
	assert_int_equal(wire_get16(hit.proof[1].rdata + 2), WIRE_TYPE_NSEC);
	assert_int_equal(wire_get16(hit.proof[2].rdata + 2), WIRE_TYPE_A);
	mkname("i.test", n);
	assert_int_equal(cache_get(c, n, WIRE_TYPE_A, now, scratch, sizeof(scratch), &rs, NULL),
			 CACHE_MISS);
	cache_free(c);
}

/* Random bytes and long lines: reported or ignored, never a crash (the
 * sanitizers watch); the byte budget holds while loading many entries. */
static void test_garbage_and_budget(void **state)
{
	struct fixture *f = *state;
	/* 128 KiB: well below what the ~2300 entries below take, whatever
	 * shards the names hash to */
	struct cache *c = stale_cache(128 * 1024);
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
	assert_true(cs.bytes <= 128 * 1024);
	assert_true(cs.evictions > 0);
	cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_and_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnssec_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnssec_malformed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
