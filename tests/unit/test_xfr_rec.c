/* Unit tests for the secondary's transfer records (src/xfr/xrec.c,
 * src/xfr/zwrite.c): records read from messages (names decompressed, case
 * kept in rdata, owner lowercased) and malformed ones refused with their
 * reason (bad compression pointer, rdlength beyond the message, a name too
 * long, rdata not matching its type); the record set (duplicates, case-
 * insensitive deletion, growth with deletions); IXFR differences applied to
 * a loaded zone; and the writer's round trip: every zone we ship written
 * from its records and loaded back gives the identical zone, read by the
 * loader's fast route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/xfr/xfr_int.h"
#include "../../src/zone/zone_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A response header with one question (example. MX) and n answers;
 * returns its length. */
static size_t header(uint8_t *m, unsigned n)
{
	static const uint8_t h[] = {
		0x12, 0x34, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 15, 0, 1,
	};

	memcpy(m, h, sizeof(h));
	m[7] = (uint8_t)n;
	return sizeof(h);
}

/* Appends the fixed part of a record: type, class IN, TTL 300, rdlength. */
static size_t fixed(uint8_t *p, uint16_t type, uint16_t rdlen)
{
	wire_put16(p, type);
	wire_put16(p + 2, WIRE_CLASS_IN);
	wire_put32(p + 4, 300);
	wire_put16(p + 8, rdlen);
	return 10;
}

static cairn_err parse_one(const uint8_t *m, size_t len, struct xrec *rr, const char **why)
{
	static uint8_t buf[XREC_BUF_MAX];
	size_t pos = 25;

	*why = NULL;
	return xrec_parse(m, len, &pos, buf, rr, why);
}

static void test_parse_decompresses(void **state)
{
	uint8_t m[512];
	size_t len = header(m, 1);
	struct xrec rr;
	const char *why;
	static const uint8_t want[] = { 0, 10, 4, 'M', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p',
					'l', 'e', 0 };

	(void)state;
	/* owner "WWW" + pointer to example., MX 10 Mail + pointer */
	memcpy(m + len, "\3WWW\xc0\x0c", 6);
	len += 6;
	len += fixed(m + len, WIRE_TYPE_MX, 9);
	memcpy(m + len, "\0\x0a\4Mail\xc0\x0c", 9);
	len += 9;
	assert_int_equal(parse_one(m, len, &rr, &why), CAIRN_OK);
	assert_memory_equal(rr.owner, "\3www\7example", 13);
	assert_int_equal(rr.type, WIRE_TYPE_MX);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(rr.rdlen, sizeof(want));
	assert_memory_equal(rr.rdata, want, sizeof(want));
	/* a type without names is kept as it is */
	len = header(m, 1);
	memcpy(m + len, "\xc0\x0c", 2);
	len += 2 + fixed(m + len + 2, 999, 3);
	memcpy(m + len, "\xc0\x0c\1", 3);
	assert_int_equal(parse_one(m, len + 3, &rr, &why), CAIRN_OK);
	assert_int_equal(rr.rdlen, 3);
	assert_memory_equal(rr.rdata, "\xc0\x0c\1", 3);
}

static void test_parse_malformed(void **state)
{
	uint8_t m[1024];
	size_t len, l0;
	struct xrec rr;
	const char *why;

	(void)state;
	/* a compression pointer beyond the message */
	len = header(m, 1);
	memcpy(m + len, "\xc1\xff", 2);
	len += 2 + fixed(m + len + 2, WIRE_TYPE_A, 4);
	memcpy(m + len, "\1\2\3\4", 4);
	assert_int_equal(parse_one(m, len + 4, &rr, &why), CAIRN_EFORMAT);
	assert_non_null(strstr(why, "compression pointer"));
	/* a pointer to itself (a loop) in the rdata */
	len = header(m, 1);
	memcpy(m + len, "\xc0\x0c", 2);
	len += 2 + fixed(m + len + 2, WIRE_TYPE_CNAME, 2);
	wire_put16(m + len, (uint16_t)(0xc000 | len));
	assert_int_equal(parse_one(m, len + 2, &rr, &why), CAIRN_EFORMAT);
	assert_non_null(strstr(why, "name in the rdata"));
	/* rdlength beyond the end of the message */
	len = header(m, 1);
	memcpy(m + len, "\xc0\x0c", 2);
	len += 2 + fixed(m + len + 2, WIRE_TYPE_A, 10);
	memcpy(m + len, "\1\2\3\4", 4);
	assert_int_equal(parse_one(m, len + 4, &rr, &why), CAIRN_EFORMAT);
	assert_string_equal(why, "rdlength beyond the end of the message");
	/* a record cut in its fixed part */
	assert_int_equal(parse_one(m, len - 4, &rr, &why), CAIRN_EFORMAT);
	assert_string_equal(why, "a record cut short");
	/* an owner name over 255 bytes: five labels of 63 */
	l0 = len = header(m, 1);
	for (int i = 0; i < 5; i++) {
		m[len++] = 63;
		memset(m + len, 'a', 63);
		len += 63;
	}
	m[len++] = 0;
	len += fixed(m + len, WIRE_TYPE_A, 4);
	memcpy(m + len, "\1\2\3\4", 4);
	assert_int_equal(parse_one(m, len + 4, &rr, &why), CAIRN_EFORMAT);
	assert_non_null(strstr(why, "owner name"));
	/* four labels of 63 are a legal 257? no: 4 * 64 + 1 = 257 > 255 too;
	 * three labels of 63 and one of 61 make 255 exactly */
	len = l0;
	for (int i = 0; i < 4; i++) {
		m[len++] = i < 3 ? 63 : 61;
		memset(m + len, 'a', i < 3 ? 63 : 61);
		len += i < 3 ? 63 : 61;
	}
	m[len++] = 0;
	len += fixed(m + len, WIRE_TYPE_A, 4);
	memcpy(m + len, "\1\2\3\4", 4);
	assert_int_equal(parse_one(m, len + 4, &rr, &why), CAIRN_OK);
	assert_int_equal(wire_name_len(rr.owner), 255);
	/* rdata that does not fit its type: A of 3 and 5 bytes, SOA short of
	 * its 20 bytes of numbers, TXT with a string beyond its rdata */
	static const struct {
		uint16_t type, rdlen;
		const char *rdata, *why;
	} bad[] = {
		{ WIRE_TYPE_A, 3, "\1\2\3", "rdata shorter than its type requires" },
		{ WIRE_TYPE_A, 5, "\1\2\3\4\5", "rdata longer than its type allows" },
		{ WIRE_TYPE_SOA, 6, "\xc0\x0c\xc0\x0c\0\0", "rdata shorter than its type requires" },
		{ WIRE_TYPE_TXT, 3, "\5ab", "a character-string beyond its rdata" },
		{ WIRE_TYPE_MX, 2, "\0\1", "a bad name in the rdata (compression pointer, label or length)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = header(m, 1);
		memcpy(m + len, "\xc0\x0c", 2);
		len += 2 + fixed(m + len + 2, bad[i].type, bad[i].rdlen);
		memcpy(m + len, bad[i].rdata, bad[i].rdlen);
		assert_int_equal(parse_one(m, len + bad[i].rdlen, &rr, &why), CAIRN_EFORMAT);
		assert_string_equal(why, bad[i].why);
	}
}

static struct xrec rec(const uint8_t *owner, uint16_t type, uint32_t ttl, const void *rd,
		       size_t rdlen)
{
	return (struct xrec){ .owner = owner, .type = type, .rclass = WIRE_CLASS_IN, .ttl = ttl,
			      .rdata = rd, .rdlen = (uint16_t)rdlen };
}

static void test_set(void **state)
{
	static const uint8_t owner[] = "\3www\7example";
	struct xrec_set s;
	struct xrec a = rec(owner, WIRE_TYPE_CNAME, 300, "\4Host\7Example", 14);
	struct xrec b = rec(owner, WIRE_TYPE_CNAME, 60, "\4host\7example", 14);
	struct xrec t1 = rec(owner, WIRE_TYPE_TXT, 60, "\3Abc", 4);
	struct xrec t2 = rec(owner, WIRE_TYPE_TXT, 60, "\3abc", 4);
	struct xrec got;
	uint8_t names[20000][16];
	size_t live = 0;

	(void)state;
	xrec_set_init(&s);
	assert_int_equal(xrec_set_add(&s, &a, false), CAIRN_OK);
	/* RFC 4034 §6.2: the CNAME target compares without case; the TTL is
	 * not compared, the later one counts */
	assert_int_equal(xrec_set_add(&s, &b, false), CAIRN_OK);
	assert_int_equal(s.live, 1);
	assert_true(xrec_set_get(&s, 0, &got));
	assert_int_equal(got.ttl, 60);
	assert_memory_equal(got.rdata, "\4Host\7Example", 14); /* the case received */
	/* TXT data is not a name: case matters */
	assert_int_equal(xrec_set_add(&s, &t1, false), CAIRN_OK);
	assert_int_equal(xrec_set_del(&s, &t2), CAIRN_ENOTFOUND);
	assert_int_equal(xrec_set_del(&s, &t1), CAIRN_OK);
	assert_int_equal(xrec_set_del(&s, &t1), CAIRN_ENOTFOUND);
	assert_int_equal(xrec_set_del(&s, &b), CAIRN_OK);
	assert_int_equal(s.live, 0);
	assert_false(xrec_set_get(&s, 0, &got));
	/* growth with deletions and re-additions (tombstones, rehashing) */
	for (int i = 0; i < 20000; i++) {
		int n = snprintf((char *)names[i] + 1, 14, "h%d", i);
		struct xrec r;
		uint8_t ip[4] = { 10, (uint8_t)(i >> 8), (uint8_t)i, 1 };

		names[i][0] = (uint8_t)n;
		names[i][n + 1] = 0;
		r = rec(names[i], WIRE_TYPE_A, 300, ip, 4);
		assert_int_equal(xrec_set_add(&s, &r, false), CAIRN_OK);
		if (i % 3 == 0 && i >= 3) {
			uint8_t old[4] = { 10, (uint8_t)((i - 3) >> 8), (uint8_t)(i - 3), 1 };
			struct xrec d = rec(names[i - 3], WIRE_TYPE_A, 0, old, 4);

			assert_int_equal(xrec_set_del(&s, &d), CAIRN_OK);
		}
	}
	for (size_t i = 0; i < s.n; i++)
		live += xrec_set_get(&s, i, &got);
	assert_int_equal(live, s.live);
	assert_int_equal(s.live, 20000 - 6666);
	xrec_set_free(&s);
}

/* ---- zones through the writer ---- */

static void report(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	print_message("%s:%u: %s\n", file, line, msg);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every record of z (SOA first), or of set with z's SOA when set is not
 * NULL, as zwrite_format lines, sorted; the count in *n. */
static char **lines_of(const struct zone *z, const struct xrec_set *set, size_t *n)
{
	const struct wire_rrset *rs = zone_soa_rrset(z);
	struct zone_cursor c = { 0 };
	char **out = NULL, *line = malloc(ZWRITE_LINE_MAX);
	size_t cap = 0;
	struct xrec rr;

	*n = 0;
	for (size_t i = 0; rs || (set && i < set->n); ) {
		const uint8_t *rd = rs ? rs->rdata : NULL;

		for (unsigned j = 0; rs ? j < rs->count : j < 1; j++) {
			if (rs) {
				rr = rec(rs->owner, rs->type, rs->ttl, rd + 2, wire_get16(rd));
				rr.rclass = rs->rclass;
				rd += 2 + rr.rdlen;
			} else if (!xrec_set_get(set, i++, &rr)) {
				continue;
			}
			if (*n == cap) {
				cap = cap ? 2 * cap : 256;
				out = realloc(out, cap * sizeof(*out));
				assert_non_null(out);
			}
			size_t len = zwrite_format(&rr, line);
			out[(*n)++] = strndup(line, len);
		}
		rs = set ? NULL : zone_next_rrset(z, &c);
	}
	free(line);
	qsort(out, *n, sizeof(*out), cmp_str);
	return out;
}

static void free_lines(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* Writes the SOA of z and the records of set to path as fetch.c does. */
static void write_file(const char *path, const struct zone *z, const struct xrec_set *set)
{
	const struct wire_rrset *soa = zone_soa_rrset(z);
	struct xrec rr = rec(soa->owner, WIRE_TYPE_SOA, soa->ttl, soa->rdata + 2,
			     wire_get16(soa->rdata));
	FILE *fp = fopen(path, "w");
	struct zwrite w;

	assert_non_null(fp);
	rr.rclass = soa->rclass;
	assert_int_equal(zwrite_begin(&w, fp), CAIRN_OK);
	assert_int_equal(zwrite_rr(&w, &rr), CAIRN_OK);
	for (size_t i = 0; i < set->n; i++)
		if (xrec_set_get(set, i, &rr))
			assert_int_equal(zwrite_rr(&w, &rr), CAIRN_OK);
	assert_int_equal(zwrite_end(&w), CAIRN_OK);
	assert_int_equal(fclose(fp), 0);
}

/* The entries of path the loader's fast route took. */
static size_t fast_entries(const char *path, const char *origin)
{
	struct zload zl;
	size_t n;

	memset(&zl, 0, sizeof(zl));
	arena_init(&zl.tmp, 1 << 16);
	assert_int_equal(wire_name_from_text(origin, NULL, zl.origin, &zl.origin_len), CAIRN_OK);
	assert_int_equal(zload_read(&zl, path), CAIRN_OK);
	n = zl.nfast;
	arena_free(&zl.tmp);
	free(zl.recs);
	for (size_t i = 0; i < zl.nfiles; i++)
		free(zl.files[i]);
	free(zl.files);
	for (size_t i = 0; i < zl.nprobs; i++)
		free(zl.probs[i].msg);
	free(zl.probs);
	return n;
}

/* Loads path, writes it through the writer, loads that: the same
 * records, TTLs and case. Returns the fast entries (0: not loadable). */
static size_t round_trip(const char *path, const char *origin)
{
	char tmp[] = "/tmp/test_xfr_rec.XXXXXX";
	struct zone *a = NULL, *b = NULL;
	struct xrec_set s;
	char **la, **lb;
	size_t na, nb, fast;
	int fd;

	if (zone_load(origin, path, NULL, NULL, &a) != CAIRN_OK)
		return 0; /* a zone that is broken on purpose */
	xrec_set_init(&s);
	assert_int_equal(xrec_set_from_zone(&s, a), CAIRN_OK);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	write_file(tmp, a, &s);
	if (zone_load(origin, tmp, report, NULL, &b) != CAIRN_OK)
		fail_msg("%s written by zwrite does not load back", path);
	fast = fast_entries(tmp, origin);
	/* every record of the fast route's types took it, but for those
	 * written with characters it leaves to ldns (escapes, ";", "(") */
	char *line = malloc(ZWRITE_LINE_MAX);
	size_t want = 0;
	struct xrec rr;

	assert_non_null(line);
	for (size_t i = 0; i < s.n; i++) {
		if (!xrec_set_get(&s, i, &rr) || rr.rclass != WIRE_CLASS_IN ||
		    !(rr.type == WIRE_TYPE_A || rr.type == WIRE_TYPE_AAAA ||
		      rr.type == WIRE_TYPE_NS || rr.type == WIRE_TYPE_CNAME ||
		      rr.type == WIRE_TYPE_PTR || rr.type == WIRE_TYPE_MX ||
		      rr.type == WIRE_TYPE_SRV || rr.type == WIRE_TYPE_TXT))
			continue;
		line[zwrite_format(&rr, line)] = '\0';
		want += !strpbrk(line, "\\;()");
	}
	free(line);
	assert_int_equal(fast, want);
	la = lines_of(a, NULL, &na);
	lb = lines_of(b, NULL, &nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(la[i], lb[i]);
	free_lines(la, na);
	free_lines(lb, nb);
	xrec_set_free(&s);
	zone_free(a);
	zone_free(b);
	unlink(tmp);
	return fast + 1;
}

static void origin_of(const char *name, char *out, size_t len)
{
	size_t n = strlen(name) - strlen(".zone");

	if (strcmp(name, "root.zone") == 0)
		snprintf(out, len, ".");
	else
		snprintf(out, len, "%.*s", (int)n, name);
}

static void test_writer_round_trip(void **state)
{
	static const char *const dirs[] = {
		"zones", "zones/lab", "zones/lab/signed", "tests/data/zones",
		"tests/data/zones/dnssec", "tests/system/zones",
	};
	size_t files = 0, fast = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[2048], origin[512];
		struct dirent *d;
		DIR *dp;

		snprintf(path, sizeof(path), "%s/%s", TEST_SRCDIR, dirs[i]);
		assert_non_null(dp = opendir(path));
		while ((d = readdir(dp))) {
			size_t n = strlen(d->d_name), got;

			if (n <= 5 || strcmp(d->d_name + n - 5, ".zone") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", TEST_SRCDIR, dirs[i], d->d_name);
			origin_of(d->d_name, origin, sizeof(origin));
			if ((got = round_trip(path, origin))) {
				files++;
				fast += got - 1;
			}
		}
		closedir(dp);
	}
	print_message("%zu zones, %zu entries read back by the fast route\n", files, fast);
	/* signed zones and the lab's zones among them */
	assert_true(files >= 30);
	assert_true(fast >= 400);
}

/* IXFR differences on a loaded zone: a deletion, an addition, a deletion
 * of what is not there; the result written and loaded back. */
static void test_ixfr_apply(void **state)
{
	char path[2048], tmp[] = "/tmp/test_xfr_rec.XXXXXX";
	struct zone *z = NULL, *b = NULL;
	const struct wire_rrset *rs;
	struct zone_cursor c = { 0 };
	struct xrec_set s;
	struct xrec del, add, gone;
	uint8_t owner[WIRE_NAME_MAX];
	size_t olen, na, nb, before;
	char **la, **lb;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/zones/lab/example.com.zone", TEST_SRCDIR);
	assert_int_equal(zone_load("example.com", path, report, NULL, &z), CAIRN_OK);
	xrec_set_init(&s);
	assert_int_equal(xrec_set_from_zone(&s, z), CAIRN_OK);
	before = s.live;
	while ((rs = zone_next_rrset(z, &c)) && rs->type != WIRE_TYPE_A)
		;
	assert_non_null(rs);
	/* the deletion names the record with another case and TTL */
	del = rec(rs->owner, WIRE_TYPE_A, 1, rs->rdata + 2, 4);
	assert_int_equal(xrec_set_del(&s, &del), CAIRN_OK);
	assert_int_equal(xrec_set_del(&s, &del), CAIRN_ENOTFOUND);
	assert_int_equal(wire_name_from_text("added.example.com.", NULL, owner, &olen), CAIRN_OK);
	add = rec(owner, WIRE_TYPE_MX, 600, "\0\5\4mail\7example\3com", 20);
	assert_int_equal(xrec_set_add(&s, &add, false), CAIRN_OK);
	gone = rec(owner, WIRE_TYPE_A, 600, "\1\2\3\4", 4);
	assert_int_equal(xrec_set_del(&s, &gone), CAIRN_ENOTFOUND);
	assert_int_equal(s.live, before);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	write_file(tmp, z, &s);
	assert_int_equal(zone_load("example.com", tmp, report, NULL, &b), CAIRN_OK);
	la = lines_of(z, &s, &na);
	lb = lines_of(b, NULL, &nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(la[i], lb[i]);
	free_lines(la, na);
	free_lines(lb, nb);
	xrec_set_free(&s);
	zone_free(z);
	zone_free(b);
	unlink(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_decompresses),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_ixfr_apply),
		cmocka_unit_test(test_writer_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
