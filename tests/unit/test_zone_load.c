/* Unit tests for the zone loader's two routes (src/zone/fast.c beside
 * ldns in src/zone/load.c): every zone file we ship, good and bad, read
 * through the fast route and through ldns alone gives the same records,
 * byte for byte and in the same order, and the same problems; and the
 * record sort (src/zone/sort.c) gives the order qsort() gives. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/zone/zone_int.h"

struct loaded {
	struct zload zl;
	cairn_err err;
};

/* The origin a zone file is read with: its name without ".zone"
 * ("root.zone": the root). Both routes get the same one. */
static void origin_of(const char *name, char *out, size_t len)
{
	size_t n = strlen(name) - strlen(".zone");
	if (strcmp(name, "root.zone") == 0)
		snprintf(out, len, ".");
	else
		snprintf(out, len, "%.*s", (int)n, name);
}

static void load(struct loaded *l, const char *path, const char *origin, bool ldns_only)
{
	memset(l, 0, sizeof *l);
	arena_init(&l->zl.tmp, 1 << 16);
	assert_int_equal(wire_name_from_text(origin, NULL, l->zl.origin, &l->zl.origin_len),
			 CAIRN_OK);
	l->zl.ldns_only = ldns_only;
	l->err = zload_read(&l->zl, path);
}

static void unload(struct loaded *l)
{
	arena_free(&l->zl.tmp);
	free(l->zl.recs);
	for (size_t i = 0; i < l->zl.nfiles; i++)
		free(l->zl.files[i]);
	free(l->zl.files);
	for (size_t i = 0; i < l->zl.nprobs; i++)
		free(l->zl.probs[i].msg);
	free(l->zl.probs);
}

/* Reads path both ways and compares; returns the entries the fast route
 * took. */
static size_t compare_routes(const char *path, const char *origin)
{
	struct loaded a, b;
	size_t fast;

	load(&a, path, origin, true);
	load(&b, path, origin, false);
	assert_int_equal(a.zl.nfast, 0);
	assert_int_equal(a.err, b.err);
	assert_int_equal(a.zl.seq, b.zl.seq);
	assert_int_equal(a.zl.nrecs, b.zl.nrecs);
	for (size_t i = 0; i < a.zl.nrecs; i++) {
		const struct zone_rec *x = &a.zl.recs[i], *y = &b.zl.recs[i];
		assert_int_equal(x->owner_len, y->owner_len);
		assert_memory_equal(x->owner, y->owner, x->owner_len);
		assert_int_equal(x->hash, y->hash);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->ttl, y->ttl);
		assert_int_equal(x->rdlen, y->rdlen);
		assert_memory_equal(x->rdata, y->rdata, x->rdlen);
		assert_int_equal(x->seq, y->seq);
		assert_int_equal(x->line, y->line);
		assert_int_equal(x->file, y->file);
		assert_int_equal(x->dead, y->dead);
	}
	assert_int_equal(a.zl.nerrors, b.zl.nerrors);
	assert_int_equal(a.zl.nprobs, b.zl.nprobs);
	for (size_t i = 0; i < a.zl.nprobs; i++) {
		assert_int_equal(a.zl.probs[i].seq, b.zl.probs[i].seq);
		assert_int_equal(a.zl.probs[i].line, b.zl.probs[i].line);
		assert_int_equal(a.zl.probs[i].file, b.zl.probs[i].file);
		assert_string_equal(a.zl.probs[i].msg, b.zl.probs[i].msg);
	}
	assert_int_equal(a.zl.nfiles, b.zl.nfiles);
	for (size_t i = 0; i < a.zl.nfiles; i++)
		assert_string_equal(a.zl.files[i], b.zl.files[i]);
	fast = b.zl.nfast;
	unload(&a);
	unload(&b);
	return fast;
}

/* Every *.zone in dir (under the source tree); returns the number of
 * files and adds the fast entries to *fast. */
static size_t compare_dir(const char *dir, size_t *fast)
{
	char path[2048], origin[512];
	struct dirent *d;
	size_t files = 0;
	DIR *dp;

	snprintf(path, sizeof path, "%s/%s", TEST_SRCDIR, dir);
	dp = opendir(path);
	assert_non_null(dp);
	while ((d = readdir(dp))) {
		size_t n = strlen(d->d_name);
		if (n <= 5 || strcmp(d->d_name + n - 5, ".zone") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s/%s", TEST_SRCDIR, dir, d->d_name);
		origin_of(d->d_name, origin, sizeof origin);
		*fast += compare_routes(path, origin);
		files++;
	}
	closedir(dp);
	return files;
}

static void test_routes_agree_on_every_zone(void **state)
{
	static const char *const dirs[] = {
		"zones", "zones/lab", "zones/lab/signed", "tests/data/zones",
		"tests/data/zones/dnssec", "tests/system/zones", "tests/system/cdig",
	};
	size_t files = 0, fast = 0;
	(void)state;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		files += compare_dir(dirs[i], &fast);
	/* the comparison means something only if both routes were used */
	assert_true(files >= 40);
	assert_true(fast >= 500);
}

static void test_edge_entries(void **state)
{
	char path[1024];
	(void)state;
	snprintf(path, sizeof path, "%s/tests/data/zones/fast-route.zone", TEST_SRCDIR);
	/* the entries of each file the fast route takes; the rest are for ldns */
	assert_int_equal(compare_routes(path, "fast.test"), 28);
	snprintf(path, sizeof path, "%s/tests/data/zones/fast-route-nottl.zone", TEST_SRCDIR);
	assert_int_equal(compare_routes(path, "example"), 7);
}

/* Entries made of random pieces, good and bad, each piece chosen to sit
 * on one side or the other of an edge of the fast route. */
static void test_random_entries(void **state)
{
	static const char *const owner[] = {
		"", "@", "a", "A.b", "x.example.", "*", "*.w", "a..b", "@x", "c\\.d", ".",
		"-", "_srv._tcp", "a\\065", "\\#", "0", "IN", "xn--d1acufc",
	};
	static const char *const ttl[] = {
		"", "0", "60", "2147483647", "2147483648", "1h", "1H30m", "007", "99999999999", "-1",
	};
	static const char *const cls[] = { "", "IN", "in", "CH", "CLASS1", "HS" };
	static const char *const rr[] = {
		"A 192.0.2.1", "a 192.0.2.1", "A 192.0.2.256", "A 01.2.3.4", "A 1.2.3", "A ::1",
		"A", "A 1.2.3.4 5", "AAAA ::1", "AAAA 2001:DB8::", "AAAA 192.0.2.1",
		"AAAA ::ffff:192.0.2.1", "NS ns1", "NS ns1.other.", "NS @", "NS .", "NS a..b",
		"CNAME x.y", "CNAME", "PTR p.", "MX 10 mail", "MX 65536 mail", "MX -1 mail",
		"MX 0 .", "MX mail", "MX 10", "SRV 1 2 3 t", "SRV 1 2 t", "SRV 65535 0 0 @",
		"TXT \"a\"", "TXT \"a\" \"b c\"", "TXT a", "TXT \"\"", "TXT \"a\"b",
		"TXT \"a;b\"", "TXT \"a\\\"b\"", "TXT \"(x)\"", "SOA a b 1 2 3 4 5",
		"TYPE1 \\# 4 c0000201", "DS 1 8 2 ab", "HINFO a b",
	};
	char path[] = "/tmp/cairn-zone-load-XXXXXX";
	uint32_t s = 12345;
	size_t fast = 0;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	(void)state;
	assert_non_null(f);
	fprintf(f, "$TTL 300\n");
	for (int i = 0; i < 4000; i++) {
		s = s * 1103515245u + 12345u;
		unsigned a = s >> 8, b = s >> 16;
		const char *o = owner[a % (sizeof owner / sizeof owner[0])];
		const char *t = ttl[(a >> 5) % (sizeof ttl / sizeof ttl[0])];
		const char *c = cls[b % (sizeof cls / sizeof cls[0])];
		const char *r = rr[(b >> 4) % (sizeof rr / sizeof rr[0])];
		bool swap = (s >> 28) & 1;
		if (i % 500 == 250)
			fprintf(f, "$TTL 0\n");
		else if (i % 500 == 499)
			fprintf(f, "$TTL 86400\n");
		if (i % 700 == 350)
			fprintf(f, "$ORIGIN Sub%d.Example.\n", i);
		fprintf(f, "%s%s%s %s %s %s\n", o, *o ? " " : "\t", swap ? c : t, swap ? t : c,
			r, (s >> 27) & 1 ? "; comment" : "");
	}
	fclose(f);
	fast = compare_routes(path, "example");
	unlink(path);
	/* both routes were used (about 6 % of these are plain enough) */
	assert_true(fast > 100 && fast < 3900);
}

/* The radix sort against qsort with the same comparison, on records
 * with colliding hashes, shared owners and big runs. */
static void test_sort_matches_qsort(void **state)
{
	enum { N = 200000 };
	static const uint8_t names[4][8] = { "\1a\0", "\1b\0", "\2cc\0", "\1d\0" };
	static uint8_t rd[256];
	struct zone_rec *x = calloc(N, sizeof *x), *y = calloc(N, sizeof *y);
	uint32_t s = 1;
	(void)state;
	assert_non_null(x);
	assert_non_null(y);
	for (size_t i = 0; i < sizeof rd; i++)
		rd[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < N; i++) {
		s = s * 1103515245u + 12345u;
		const uint8_t *o = names[(s >> 8) & 3];
		x[i] = (struct zone_rec){
			/* few distinct hashes: long equal runs, and one hash
			 * shared by two names */
			.owner = o, .owner_len = (uint8_t)(o[0] + 2),
			.hash = (s >> 16) % 3 == 0 ? 7 : (s >> 4) & 0xffff,
			.type = (uint16_t)((s >> 20) & 3), .rdata = rd + ((s >> 12) & 15),
			.rdlen = (uint16_t)((s >> 24) & 3), .seq = (uint32_t)i };
	}
	memcpy(y, x, N * sizeof *x);
	zsort_records(x, N);
	qsort(y, N, sizeof *y, zsort_cmp);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(x[i].seq, y[i].seq);
	free(x);
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_agree_on_every_zone),
		cmocka_unit_test(test_edge_entries),
		cmocka_unit_test(test_random_entries),
		cmocka_unit_test(test_sort_matches_qsort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
