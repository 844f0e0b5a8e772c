/* Unit tests for the secondary's transfer records (src/xfr/xrec.c,
 * src/xfr/zwrite.c): records read from messages (names decompressed, case
 * kept in rdata, owner lowercased) and malformed ones refused with their
 * reason (bad compression pointer, rdlength beyond the message, a name too
 * long, rdata not matching its type); the record set (duplicates, case-
 * insensitive deletion, growth with deletions); IXFR differences applied to
 * a loaded zone (src/xfr/ixfr.c); and the writer's round trip: every zone we ship written
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

/* The sections a transfer does not read: stepped over record by record,
 * refused when a name or an rdlength does not fit the message. */
static void test_skip(void **state)
{
	uint8_t m[512];
	size_t len = header(m, 0), pos;

	(void)state;
	/* www.example. A (pointer to the question's name), then OPT */
	const uint8_t r1[] = { 3, 'w', 'w', 'w', 0xc0, 12 };
	memcpy(m + len, r1, sizeof(r1));
	len += sizeof(r1);
	len += fixed(m + len, WIRE_TYPE_A, 4);
	memcpy(m + len, "\xc0\x00\x02\x01", 4);
	len += 4;
	size_t first = len;
	m[len++] = 0;
	len += fixed(m + len, WIRE_TYPE_OPT, 0);
	pos = 25;
	assert_true(xrec_skip(m, len, &pos, 2));
	assert_int_equal(pos, len);
	pos = 25;
	assert_true(xrec_skip(m, len, &pos, 0));
	assert_int_equal(pos, 25);
	/* one record more than there is */
	pos = 25;
	assert_false(xrec_skip(m, len, &pos, 3));
	/* rdlength beyond the end */
	wire_put16(m + first + 9, 1);
	pos = 25;
	assert_false(xrec_skip(m, len, &pos, 2));
	wire_put16(m + first + 9, 0);
	/* a compression pointer to itself */
	m[25] = 0xc0;
	m[26] = 25;
	pos = 25;
	assert_false(xrec_skip(m, len, &pos, 2));
	/* a record cut in its fixed part */
	pos = first;
	assert_false(xrec_skip(m, first + 5, &pos, 1));
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

/* Every record of z (SOA first) as zwrite_format lines, sorted; the
 * count in *n; room for extra more. */
static char **lines_of(const struct zone *z, size_t extra, size_t *n)
{
	const struct wire_rrset *rs = zone_soa_rrset(z);
	struct zone_cursor c = { 0 };
	char **out = malloc((zone_rr_count(z) + 1 + extra) * sizeof(*out));
	char *line = malloc(ZWRITE_LINE_MAX);

	assert_non_null(out);
	assert_non_null(line);
	*n = 0;
	for (; rs; rs = zone_next_rrset(z, &c)) {
		const uint8_t *rd = rs->rdata;

		for (unsigned j = 0; j < rs->count; j++) {
			struct xrec rr = rec(rs->owner, rs->type, rs->ttl, rd + 2, wire_get16(rd));

			rr.rclass = rs->rclass;
			rd += 2 + rr.rdlen;
			assert_true(*n < zone_rr_count(z) + 1);
			out[(*n)++] = strndup(line, zwrite_format(&rr, line));
		}
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

/* Checks that the sorted lines la (na of them, freed here) are z's. */
static void same_lines(char **la, size_t na, const struct zone *z)
{
	size_t nb;
	char **lb = lines_of(z, 0, &nb);

	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(la[i], lb[i]);
	free_lines(la, na);
	free_lines(lb, nb);
}

/* Writes the SOA of z and the zone as x changed it to path, as fetch.c
 * does. */
static void write_file(const char *path, const struct zone *z, struct ixfr *x)
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
	assert_int_equal(ixfr_write(x, &w), CAIRN_OK);
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
	struct ixfr x;
	char **la;
	size_t na, fast;
	int fd;

	if (zone_load(origin, path, NULL, NULL, &a) != CAIRN_OK)
		return 0; /* a zone that is broken on purpose */
	assert_int_equal(ixfr_init(&x, a), CAIRN_OK);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	write_file(tmp, a, &x);
	if (zone_load(origin, tmp, report, NULL, &b) != CAIRN_OK)
		fail_msg("%s written by zwrite does not load back", path);
	fast = fast_entries(tmp, origin);
	/* every record of the fast route's types took it, but for those
	 * written with characters it leaves to ldns (escapes, ";", "(") */
	char *line = malloc(ZWRITE_LINE_MAX);
	const struct wire_rrset *rs;
	struct zone_cursor c = { 0 };
	size_t want = 0;

	assert_non_null(line);
	while ((rs = zone_next_rrset(a, &c))) {
		const uint8_t *rd = rs->rdata;

		for (unsigned j = 0; j < rs->count; j++) {
			struct xrec rr = rec(rs->owner, rs->type, rs->ttl, rd + 2, wire_get16(rd));

			rr.rclass = rs->rclass;
			rd += 2 + rr.rdlen;
			if (rr.rclass != WIRE_CLASS_IN ||
			    !(rr.type == WIRE_TYPE_A || rr.type == WIRE_TYPE_AAAA ||
			      rr.type == WIRE_TYPE_NS || rr.type == WIRE_TYPE_CNAME ||
			      rr.type == WIRE_TYPE_PTR || rr.type == WIRE_TYPE_MX ||
			      rr.type == WIRE_TYPE_SRV || rr.type == WIRE_TYPE_TXT))
				continue;
			line[zwrite_format(&rr, line)] = '\0';
			want += !strpbrk(line, "\\;()");
		}
	}
	free(line);
	assert_int_equal(fast, want);
	la = lines_of(a, 0, &na);
	same_lines(la, na, b);
	ixfr_free(&x);
	zone_free(a);
	zone_free(b);
	unlink(tmp);
	return fast + 1;
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
			/* the origin is the file's name ("root.zone": the root) */
			snprintf(origin, sizeof(origin), "%.*s", (int)(n - 5), d->d_name);
			if (strcmp(origin, "root") == 0)
				strcpy(origin, ".");
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

/* Removes the line of rr from l (n lines); false when it is not there. */
static bool drop_line(char **l, size_t *n, const struct xrec *rr)
{
	char *line = malloc(ZWRITE_LINE_MAX);
	bool found = false;

	line[zwrite_format(rr, line)] = '\0';
	for (size_t i = 0; i < *n && !found; i++)
		if (strcmp(l[i], line) == 0) {
			free(l[i]);
			l[i] = l[--*n];
			found = true;
		}
	free(line);
	return found;
}

static char *line_of(const struct xrec *rr)
{
	char *line = malloc(ZWRITE_LINE_MAX);

	line[zwrite_format(rr, line)] = '\0';
	return line;
}

/* IXFR differences on a loaded zone: deletions (case and TTL aside),
 * additions, a deletion taken back by an addition and the reverse, a new
 * TTL, deletions of what is not there; the result written and loaded
 * back equals the zone changed by hand. */
static void test_ixfr_apply(void **state)
{
	char path[2048], tmp[] = "/tmp/test_xfr_rec.XXXXXX";
	struct zone *z = NULL, *b = NULL;
	const struct wire_rrset *rs, *ns = NULL, *a4 = NULL, *one = NULL;
	struct zone_cursor c = { 0 };
	struct ixfr x;
	struct xrec del, add, gone, back, nsr, nsback, ttl;
	uint8_t owner[WIRE_NAME_MAX], upper[WIRE_NAME_MAX];
	size_t olen, na;
	char **la;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/zones/lab/example.com.zone", TEST_SRCDIR);
	assert_int_equal(zone_load("example.com", path, report, NULL, &z), CAIRN_OK);
	assert_int_equal(ixfr_init(&x, z), CAIRN_OK);
	while ((rs = zone_next_rrset(z, &c)))
		if (rs->type == WIRE_TYPE_A && !a4)
			a4 = rs;
		else if (rs->type == WIRE_TYPE_NS && !ns)
			ns = rs;
		else if (rs->count == 1 && !one)
			one = rs;
	assert_non_null(a4);
	assert_non_null(one);
	assert_non_null(ns);
	la = lines_of(z, 3, &na);
	/* an A record deleted, named with another TTL */
	del = rec(a4->owner, WIRE_TYPE_A, 1, a4->rdata + 2, 4);
	assert_int_equal(ixfr_del(&x, &del), CAIRN_OK);
	assert_int_equal(ixfr_del(&x, &del), CAIRN_ENOTFOUND);
	del.ttl = a4->ttl;
	assert_true(drop_line(la, &na, &del));
	/* an NS record named with an upper-case target: RFC 4034 §6.2 */
	memcpy(upper, ns->rdata + 2, wire_get16(ns->rdata));
	for (size_t i = 0; i < wire_get16(ns->rdata); i++)
		if (upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (uint8_t)(upper[i] - 32);
	nsr = rec(ns->owner, WIRE_TYPE_NS, ns->ttl, upper, wire_get16(ns->rdata));
	assert_int_equal(ixfr_del(&x, &nsr), CAIRN_OK);
	/* ... and added back as it was */
	nsback = rec(ns->owner, WIRE_TYPE_NS, ns->ttl, ns->rdata + 2, wire_get16(ns->rdata));
	assert_int_equal(ixfr_add(&x, &nsback), CAIRN_OK);
	/* a record of the zone added with a new TTL replaces it */
	ttl = rec(one->owner, one->type, one->ttl, one->rdata + 2, wire_get16(one->rdata));
	ttl.rclass = one->rclass;
	assert_true(drop_line(la, &na, &ttl));
	ttl.ttl = one->ttl + 7;
	assert_int_equal(ixfr_add(&x, &ttl), CAIRN_OK);
	la[na++] = line_of(&ttl);
	/* a new record, then one added and deleted again */
	assert_int_equal(wire_name_from_text("added.example.com.", NULL, owner, &olen), CAIRN_OK);
	add = rec(owner, WIRE_TYPE_MX, 600, "\0\5\4mail\7example\3com", 20);
	assert_int_equal(ixfr_add(&x, &add), CAIRN_OK);
	add.ttl = 700;    /* added again: the later TTL counts */
	assert_int_equal(ixfr_add(&x, &add), CAIRN_OK);
	la[na++] = line_of(&add);
	back = rec(owner, WIRE_TYPE_TXT, 600, "\3tmp", 4);
	assert_int_equal(ixfr_add(&x, &back), CAIRN_OK);
	assert_int_equal(ixfr_del(&x, &back), CAIRN_OK);
	assert_int_equal(ixfr_del(&x, &back), CAIRN_ENOTFOUND);
	/* what is not there: another address, another type, the SOA */
	gone = rec(a4->owner, WIRE_TYPE_A, 600, "\1\2\3\4", 4);
	assert_int_equal(ixfr_del(&x, &gone), CAIRN_ENOTFOUND);
	gone = rec(owner, WIRE_TYPE_AAAA, 600, "0123456789abcdef", 16);
	assert_int_equal(ixfr_del(&x, &gone), CAIRN_ENOTFOUND);
	/* the apex SOA is not a record a sequence deletes (RFC 1995 §4) */
	rs = zone_soa_rrset(z);
	gone = rec(rs->owner, WIRE_TYPE_SOA, rs->ttl, rs->rdata + 2, wire_get16(rs->rdata));
	assert_int_equal(ixfr_del(&x, &gone), CAIRN_ENOTFOUND);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	write_file(tmp, z, &x);
	assert_int_equal(zone_load("example.com", tmp, report, NULL, &b), CAIRN_OK);
	qsort(la, na, sizeof(*la), cmp_str);
	same_lines(la, na, b);
	ixfr_free(&x);
	zone_free(z);
	zone_free(b);
	unlink(tmp);
}

/* An IXFR's sequences kept as journal entries (what a secondary that
 * others transfer from journals): one entry per sequence, its serials,
 * its records in wire form; journal_extend keeps them within bounds. */
static void test_ixfr_sequences(void **state)
{
	char path[2048], jpath[] = "/tmp/test_xfr_rec.XXXXXX";
	struct zone *z = NULL;
	const struct wire_rrset *soa;
	struct xfr_journal *j = NULL;
	struct xfr_jentry *e;
	struct ixfr x;
	struct xrec old, new, added;
	uint8_t rd[600], owner[WIRE_NAME_MAX];
	size_t n, olen, soa_wire;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/zones/lab/example.com.zone", TEST_SRCDIR);
	assert_int_equal(zone_load("example.com", path, report, NULL, &z), CAIRN_OK);
	soa = zone_soa_rrset(z);
	old = rec(soa->owner, WIRE_TYPE_SOA, soa->ttl, soa->rdata + 2, wire_get16(soa->rdata));
	memcpy(rd, old.rdata, old.rdlen);
	wire_put32(rd + old.rdlen - 20, zone_serial(z) + 1);
	new = old;
	new.rdata = rd;
	assert_int_equal(wire_name_from_text("seq.example.com.", NULL, owner, &olen), CAIRN_OK);
	added = rec(owner, WIRE_TYPE_A, 60, "\1\2\3\4", 4);
	assert_int_equal(ixfr_init(&x, z), CAIRN_OK);
	assert_int_equal(ixfr_soa(&x, &old, true), CAIRN_OK);
	assert_int_equal(ixfr_soa(&x, &new, false), CAIRN_OK);
	assert_int_equal(ixfr_add(&x, &added), CAIRN_OK);
	/* a second sequence takes the addition back */
	assert_int_equal(ixfr_soa(&x, &new, true), CAIRN_OK);
	assert_int_equal(ixfr_del(&x, &added), CAIRN_OK);
	wire_put32(rd + old.rdlen - 20, zone_serial(z) + 2);
	assert_int_equal(ixfr_soa(&x, &new, false), CAIRN_OK);
	e = ixfr_take_sequences(&x, &n);
	ixfr_free(&x);
	assert_int_equal(n, 2);
	soa_wire = wire_name_len(soa->owner) + 10 + old.rdlen;
	assert_int_equal(e[0].from, zone_serial(z));
	assert_int_equal(e[0].to, zone_serial(z) + 1);
	assert_int_equal(e[1].from, zone_serial(z) + 1);
	assert_int_equal(e[1].to, zone_serial(z) + 2);
	assert_int_equal(e[0].len, 2 * soa_wire + olen + 14);
	assert_int_equal(e[1].len, e[0].len);
	assert_memory_equal(e[0].data + 2 * soa_wire, owner, olen);
	fd = mkstemp(jpath);
	assert_true(fd >= 0);
	close(fd);
	/* too big for the bound: no journal, the file removed */
	assert_int_equal(journal_extend(NULL, e, n, 5, e[0].len - 1, jpath, "example.com", &j),
			 CAIRN_OK);
	assert_null(j);
	assert_int_not_equal(access(jpath, F_OK), 0);
	free(e);   /* journal_extend freed the data */
	assert_int_equal(ixfr_init(&x, z), CAIRN_OK);
	assert_int_equal(ixfr_soa(&x, &old, true), CAIRN_OK);
	wire_put32(rd + old.rdlen - 20, zone_serial(z) + 1);
	assert_int_equal(ixfr_soa(&x, &new, false), CAIRN_OK);
	assert_int_equal(ixfr_add(&x, &added), CAIRN_OK);
	e = ixfr_take_sequences(&x, &n);
	ixfr_free(&x);
	assert_int_equal(journal_extend(NULL, e, n, 5, 1 << 20, jpath, "example.com", &j),
			 CAIRN_OK);
	free(e);
	assert_non_null(j);
	assert_int_equal(j->n, 1);
	assert_int_equal(journal_find(j, zone_serial(z)), 0);
	assert_int_equal(access(jpath, F_OK), 0);
	journal_unref(j);
	unlink(jpath);
	zone_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_decompresses),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_ixfr_apply),
		cmocka_unit_test(test_ixfr_sequences),
		cmocka_unit_test(test_writer_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
