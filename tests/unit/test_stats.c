/* Unit tests for server/stats.c and server/control.c: lock-free counting,
 * summing across workers, the text, Prometheus and log renderings, and the
 * control commands run through control_execute() against a real cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/cache.h"
#include "cairn/control.h"
#include "cairn/stats.h"
#include "cairn/wire.h"

/* Renders s with fn into a malloc'd string. */
static char *render(const struct stats_snapshot *s,
		    cairn_err (*fn)(const struct stats_snapshot *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(s, f), CAIRN_OK);
	fclose(f);
	return buf;
}

static void has_line(const char *text, const char *line)
{
	char *want;
	size_t n = strlen(line);
	const char *p = text;

	want = malloc(n + 2);
	assert_non_null(want);
	snprintf(want, n + 2, "%s\n", line);
	while (p && strncmp(p, want, n + 1) != 0) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		fail_msg("line '%s' not in:\n%s", line, text);
	free(want);
}

static void fill(struct stats_counters *a, struct stats_counters *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	stats_count_query(a, STATS_UDP, WIRE_TYPE_A);
	stats_count_answer(a, WIRE_RCODE_NOERROR, STATS_SRC_ZONE);
	stats_count_query(a, STATS_UDP, WIRE_TYPE_AAAA);
	stats_count_answer(a, WIRE_RCODE_NXDOMAIN, STATS_SRC_ZONE);
	stats_count_query(b, STATS_TCP, WIRE_TYPE_A);
	stats_count_answer(b, WIRE_RCODE_NOERROR, STATS_SRC_CACHE);
	stats_count_query(b, STATS_UDP, 65280);
	stats_count_answer(b, WIRE_RCODE_REFUSED, STATS_SRC_LOCAL);
	stats_count_query(b, STATS_UDP, 0);
	stats_count_answer(b, 0, STATS_SRC_DROPPED);
	stats_count_query(b, STATS_UDP, WIRE_TYPE_MX);
	stats_count_answer(b, WIRE_RCODE_BADVERS, STATS_SRC_LOCAL);
	stats_count_query(a, STATS_UDP, WIRE_TYPE_A);
	stats_count_answer(a, WIRE_RCODE_NOERROR, STATS_SRC_RESOLVED);
	stats_count_resolution(a, 3);
	stats_count_resolution(b, 70);
	stats_count_resolution(b, 20000);
	stats_inc(&a->upstream_queries);
	stats_add(&b->upstream_queries, 4);
	stats_inc(&b->upstream_timeouts);
	stats_inc(&a->upstream_tcp_fallbacks);
}

static void test_sum(void **state)
{
	struct stats_counters *a = aligned_alloc(64, sizeof(*a)), *b = aligned_alloc(64, sizeof(*b));
	struct stats_counters *ws[2] = { a, b };
	struct stats_snapshot s;

	(void)state;
	fill(a, b);
	stats_sum(&s, ws, 2);
	assert_int_equal(s.workers, 2);
	assert_int_equal(s.queries[STATS_UDP], 6);
	assert_int_equal(s.queries[STATS_TCP], 1);
	assert_int_equal(s.qtype[WIRE_TYPE_A], 3);
	assert_int_equal(s.qtype[STATS_N_TYPE - 1], 1);   /* 65280 */
	assert_int_equal(s.qtype[0], 1);                  /* dropped, no question */
	assert_int_equal(s.rcode[WIRE_RCODE_NOERROR], 3);
	assert_int_equal(s.rcode[WIRE_RCODE_BADVERS], 1);
	assert_int_equal(s.source[STATS_SRC_DROPPED], 1);
	assert_int_equal(s.source[STATS_SRC_ZONE], 2);
	assert_int_equal(s.upstream_queries, 5);
	assert_int_equal(s.resolutions, 3);
	assert_int_equal(s.resolution_ms_sum, 20073);
	assert_int_equal(s.resolution_bucket[1], 1);               /* 3 ms <= 5 */
	assert_int_equal(s.resolution_bucket[5], 1);               /* 70 ms <= 100 */
	assert_int_equal(s.resolution_bucket[STATS_N_BUCKET], 1);  /* > 10 s */
	free(a);
	free(b);
}

static void test_text(void **state)
{
	struct stats_counters *a = aligned_alloc(64, sizeof(*a)), *b = aligned_alloc(64, sizeof(*b));
	struct stats_counters *ws[2] = { a, b };
	struct cache_stats cs = { .entries = 7, .bytes = 4096, .hits = 3, .misses = 2,
				  .evictions = 1, .inserts = 9 };
	struct stats_snapshot s;
	char *t, *line;

	(void)state;
	fill(a, b);
	stats_sum(&s, ws, 2);
	t = render(&s, stats_render_text);
	has_line(t, "total.queries 7");
	has_line(t, "total.queries.udp 6");
	has_line(t, "total.queries.tcp 1");
	has_line(t, "answer.zone 2");
	has_line(t, "answer.cache 1");
	has_line(t, "answer.resolved 1");
	has_line(t, "answer.dropped 1");
	has_line(t, "qtype.A 3");
	has_line(t, "qtype.other 1");
	has_line(t, "rcode.NXDOMAIN 1");
	has_line(t, "rcode.SERVFAIL 0");
	has_line(t, "rcode.BADVERS 1");
	has_line(t, "upstream.timeouts 1");
	has_line(t, "resolve.time.le_100ms 1");
	assert_null(strstr(t, "cache.entries"));    /* no cache: no cache lines */
	free(t);
	stats_set_cache(&s, &cs);
	t = render(&s, stats_render_text);
	has_line(t, "cache.entries 7");
	has_line(t, "cache.evictions 1");
	free(t);
	line = stats_render_line(&s);
	assert_non_null(line);
	assert_non_null(strstr(line, "queries 7 (udp 6, tcp 1)"));
	free(line);
	free(a);
	free(b);
}

static void test_prometheus(void **state)
{
	struct stats_counters *a = aligned_alloc(64, sizeof(*a)), *b = aligned_alloc(64, sizeof(*b));
	struct stats_counters *ws[2] = { a, b };
	struct cache_stats cs = { .entries = 7 };
	struct stats_snapshot s;
	char *t;

	(void)state;
	fill(a, b);
	stats_sum(&s, ws, 2);
	stats_set_cache(&s, &cs);
	t = render(&s, stats_render_prometheus);
	has_line(t, "# TYPE cairn_queries_total counter");
	has_line(t, "cairn_queries_total{transport=\"udp\"} 6");
	has_line(t, "cairn_queries_by_type_total{type=\"A\"} 3");
	has_line(t, "cairn_responses_total{rcode=\"NOERROR\"} 3");
	has_line(t, "cairn_answers_total{source=\"cache\"} 1");
	has_line(t, "cairn_cache_entries 7");
	has_line(t, "# TYPE cairn_resolution_duration_seconds histogram");
	/* cumulative buckets */
	has_line(t, "cairn_resolution_duration_seconds_bucket{le=\"0.005\"} 1");
	has_line(t, "cairn_resolution_duration_seconds_bucket{le=\"0.1\"} 2");
	has_line(t, "cairn_resolution_duration_seconds_bucket{le=\"10\"} 2");
	has_line(t, "cairn_resolution_duration_seconds_bucket{le=\"+Inf\"} 3");
	has_line(t, "cairn_resolution_duration_seconds_count 3");
	has_line(t, "cairn_resolution_duration_seconds_sum 20.073");
	free(t);
	free(a);
	free(b);
}

/* ---- control commands ---- */

struct fake_daemon {
	struct cache *cache;
	unsigned reloads;
	bool reload_fails;
};

static void fake_stats(void *ctx, struct stats_snapshot *out)
{
	struct fake_daemon *d = ctx;
	struct cache_stats cs;

	memset(out, 0, sizeof(*out));
	out->workers = 3;
	out->uptime_s = 42;
	if (d->cache) {
		cache_get_stats(d->cache, &cs);
		stats_set_cache(out, &cs);
	}
}

static cairn_err fake_reload(void *ctx, FILE *out)
{
	struct fake_daemon *d = ctx;

	if (d->reload_fails) {
		fprintf(out, "zones/x.zone:3: bad record\n");
		return CAIRN_EFORMAT;
	}
	d->reloads++;
	return CAIRN_OK;
}

static struct cache *fake_cache(void *ctx)
{
	return ((struct fake_daemon *)ctx)->cache;
}

static char *run(struct control *c, const char *line, bool *ok)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*ok = control_execute(c, line, f);
	fclose(f);
	return buf;
}

static void put_a(struct cache *cache, const char *owner_text, const uint8_t ip[4])
{
	uint8_t owner[WIRE_NAME_MAX], rdata[6] = { 0, 4, ip[0], ip[1], ip[2], ip[3] };
	size_t olen;
	struct wire_rrset rs = { .type = WIRE_TYPE_A, .rclass = WIRE_CLASS_IN, .ttl = 300,
				 .count = 1, .rdata_len = 6, .rdata = rdata };

	assert_int_equal(wire_name_from_text(owner_text, NULL, owner, &olen), CAIRN_OK);
	rs.owner = owner;
	assert_int_equal(cache_put_rrset(cache, &rs, CACHE_RANK_AUTH_ANSWER,
					 cairn_now_ms() / 1000), CAIRN_OK);
}

static void test_control(void **state)
{
	struct fake_daemon d = { 0 };
	struct control_target t = { .ctx = &d, .stats = fake_stats, .reload = fake_reload,
				    .cache = fake_cache };
	struct cache_config cc;
	struct cache_stats cs0, cs1;
	struct control *c;
	bool ok;
	char *r;

	(void)state;
	cache_config_default(&cc);
	cc.max_bytes = 4u << 20;
	assert_int_equal(control_open(NULL, (uid_t)-1, (gid_t)-1, (gid_t)-1, &t, &c), CAIRN_OK);

	/* without a cache */
	r = run(c, "flush", &ok);
	assert_false(ok);
	assert_non_null(strstr(r, "error: flush: this server has no cache"));
	free(r);

	assert_int_equal(cache_new(&cc, &d.cache), CAIRN_OK);
	put_a(d.cache, "www.example.com", (const uint8_t[]){ 192, 0, 2, 1 });
	put_a(d.cache, "a.b.example.com", (const uint8_t[]){ 192, 0, 2, 2 });
	put_a(d.cache, "example.org", (const uint8_t[]){ 192, 0, 2, 3 });

	r = run(c, "stats", &ok);
	assert_true(ok);
	assert_true(strncmp(r, "ok\n", 3) == 0);
	has_line(r, "workers 3");
	has_line(r, "cache.entries 3");
	free(r);

	r = run(c, "stats-prometheus", &ok);
	assert_true(ok);
	has_line(r, "cairn_cache_entries 3");
	free(r);

	r = run(c, "status", &ok);
	assert_true(ok);
	has_line(r, "uptime: 42 seconds");
	has_line(r, "cache: yes");
	free(r);

	cache_get_stats(d.cache, &cs0);
	r = run(c, "cache-show WWW.Example.COM.", &ok);
	assert_true(ok);
	assert_non_null(strstr(r, "www.example.com.\t"));
	assert_non_null(strstr(r, "192.0.2.1"));
	assert_non_null(strstr(r, "\n; A, rank auth-answer, "));  /* rank and TTL left */
	assert_non_null(strstr(r, " seconds left\n"));
	free(r);
	r = run(c, "cache-show nothing.example.com", &ok);
	assert_non_null(strstr(r, "nothing cached for nothing.example.com"));
	free(r);
	/* cache-show only peeks: no hit or miss is counted */
	cache_get_stats(d.cache, &cs1);
	assert_int_equal(cs1.hits, cs0.hits);
	assert_int_equal(cs1.misses, cs0.misses);

	r = run(c, "flush-name example.com", &ok);   /* not below: a.b stays */
	assert_true(ok);
	free(r);
	r = run(c, "cache-show www.example.com", &ok);
	assert_non_null(strstr(r, "192.0.2.1"));       /* www is below, kept */
	free(r);
	r = run(c, "flush-name example.com below", &ok);
	assert_true(ok);
	free(r);
	r = run(c, "cache-show www.example.com", &ok);
	assert_true(ok);
	assert_non_null(strstr(r, "nothing cached for www.example.com"));
	free(r);
	r = run(c, "cache-show example.org", &ok);
	assert_non_null(strstr(r, "192.0.2.3"));
	free(r);
	r = run(c, "flush", &ok);
	assert_true(ok);
	free(r);
	r = run(c, "cache-show example.org", &ok);
	assert_non_null(strstr(r, "nothing cached"));
	free(r);

	r = run(c, "reload", &ok);
	assert_true(ok);
	assert_int_equal(d.reloads, 1);
	free(r);
	d.reload_fails = true;
	r = run(c, "reload", &ok);
	assert_false(ok);
	assert_non_null(strstr(r, "zones/x.zone:3: bad record"));
	free(r);

	r = run(c, "flush-name", &ok);
	assert_false(ok);
	free(r);
	r = run(c, "flush-name a..b", &ok);
	assert_false(ok);
	assert_non_null(strstr(r, "bad domain name"));
	free(r);
	r = run(c, "frobnicate", &ok);
	assert_false(ok);
	assert_non_null(strstr(r, "unknown command"));
	free(r);
	r = run(c, "", &ok);
	assert_false(ok);
	free(r);
	r = run(c, "help", &ok);
	assert_true(ok);
	free(r);

	control_free(c);
	cache_free(d.cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
