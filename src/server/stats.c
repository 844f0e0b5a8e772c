/* stats: counting (lock free, one writer per counter set), summing and
 * rendering cairnd's statistics. See stats.h. */
#include "cairn/stats.h"
#include "cairn/cache.h"
#include "cairn/wire.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint32_t stats_bucket_ms[STATS_N_BUCKET] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

static const char *const source_names[STATS_N_SOURCE] = {
	"zone", "cache", "resolved", "local", "dropped",
};

static const char *const transport_names[STATS_N_TRANSPORT] = { "udp", "tcp" };

const char *stats_source_name(enum stats_source src)
{
	return (unsigned)src < STATS_N_SOURCE ? source_names[src] : "unknown";
}

const char *stats_type_name(uint16_t type, char *buf, size_t len)
{
	/* IANA "Resource Record (RR) TYPEs" mnemonics of the common types */
	static const struct { uint16_t t; const char *s; } names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" },
		{ 18, "AFSDB" }, { 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" },
		{ 29, "LOC" }, { 33, "SRV" }, { 35, "NAPTR" }, { 36, "KX" },
		{ 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" }, { 42, "APL" },
		{ 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
		{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
		{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
		{ 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
		{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
		{ 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" },
		{ 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == type)
			return names[i].s;
	snprintf(buf, len, "TYPE%u", type); /* RFC 3597 §5 */
	return buf;
}

const char *stats_rcode_name(unsigned rcode, char *buf, size_t len)
{
	/* RFC 6895 §2.3 */
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
		NULL, NULL, NULL, NULL, "BADVERS", "BADKEY", "BADTIME", "BADMODE",
		"BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]) && names[rcode])
		return names[rcode];
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

void stats_count_query(struct stats_counters *s, enum stats_transport t, uint16_t qtype)
{
	stats_inc(&s->queries[t < STATS_N_TRANSPORT ? t : STATS_UDP]);
	stats_inc(&s->qtype[qtype < STATS_N_TYPE - 1 ? qtype : STATS_N_TYPE - 1]);
}

void stats_count_answer(struct stats_counters *s, unsigned rcode, enum stats_source src)
{
	if (src != STATS_SRC_DROPPED)
		stats_inc(&s->rcode[rcode < STATS_N_RCODE - 1 ? rcode : STATS_N_RCODE - 1]);
	stats_inc(&s->source[src < STATS_N_SOURCE ? src : STATS_SRC_LOCAL]);
}

void stats_count_resolution(struct stats_counters *s, uint64_t ms)
{
	size_t b = 0;

	while (b < STATS_N_BUCKET && ms > stats_bucket_ms[b])
		b++;
	stats_inc(&s->resolutions);
	stats_add(&s->resolution_ms_sum, ms);
	stats_inc(&s->resolution_bucket[b]);
}

static uint64_t get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void stats_sum(struct stats_snapshot *out, struct stats_counters *const *workers, size_t n)
{
	memset(out, 0, sizeof(*out));
	out->workers = n;
	for (size_t w = 0; w < n; w++) {
		struct stats_counters *c = workers[w];

		for (size_t i = 0; i < STATS_N_TRANSPORT; i++)
			out->queries[i] += get(&c->queries[i]);
		for (size_t i = 0; i < STATS_N_TYPE; i++)
			out->qtype[i] += get(&c->qtype[i]);
		for (size_t i = 0; i < STATS_N_RCODE; i++)
			out->rcode[i] += get(&c->rcode[i]);
		for (size_t i = 0; i < STATS_N_SOURCE; i++)
			out->source[i] += get(&c->source[i]);
		out->upstream_queries += get(&c->upstream_queries);
		out->upstream_timeouts += get(&c->upstream_timeouts);
		out->upstream_tcp_fallbacks += get(&c->upstream_tcp_fallbacks);
		out->upstream_unwanted += get(&c->upstream_unwanted);
		out->stale_answers += get(&c->stale_answers);
		out->prefetches += get(&c->prefetches);
		out->upstream_lame += get(&c->upstream_lame);
		out->dnssec_secure += get(&c->dnssec[0]);
		out->dnssec_insecure += get(&c->dnssec[1]);
		out->dnssec_bogus += get(&c->dnssec[2]);
		out->dnssec_aggressive += get(&c->dnssec[3]);
		out->cookies_valid += get(&c->cookies_valid);
		out->cookies_invalid += get(&c->cookies_invalid);
		out->cookies_client_only += get(&c->cookies_client_only);
		out->badcookie += get(&c->badcookie);
		out->rrl_dropped += get(&c->rrl_dropped);
		out->rrl_slipped += get(&c->rrl_slipped);
		out->answer_cache_hits += get(&c->answer_cache_hits);
		out->resolutions += get(&c->resolutions);
		out->resolution_ms_sum += get(&c->resolution_ms_sum);
		for (size_t i = 0; i <= STATS_N_BUCKET; i++)
			out->resolution_bucket[i] += get(&c->resolution_bucket[i]);
	}
}

/* a - b, never below 0 */
static void sub(uint64_t *a, uint64_t b)
{
	*a = *a > b ? *a - b : 0;
}

void stats_subtract(struct stats_snapshot *s, const struct stats_snapshot *base)
{
	for (size_t i = 0; i < STATS_N_TRANSPORT; i++)
		sub(&s->queries[i], base->queries[i]);
	for (size_t i = 0; i < STATS_N_TYPE; i++)
		sub(&s->qtype[i], base->qtype[i]);
	for (size_t i = 0; i < STATS_N_RCODE; i++)
		sub(&s->rcode[i], base->rcode[i]);
	for (size_t i = 0; i < STATS_N_SOURCE; i++)
		sub(&s->source[i], base->source[i]);
	sub(&s->upstream_queries, base->upstream_queries);
	sub(&s->upstream_timeouts, base->upstream_timeouts);
	sub(&s->upstream_tcp_fallbacks, base->upstream_tcp_fallbacks);
	sub(&s->upstream_unwanted, base->upstream_unwanted);
	sub(&s->stale_answers, base->stale_answers);
	sub(&s->prefetches, base->prefetches);
	sub(&s->upstream_lame, base->upstream_lame);
	sub(&s->dnssec_secure, base->dnssec_secure);
	sub(&s->dnssec_insecure, base->dnssec_insecure);
	sub(&s->dnssec_bogus, base->dnssec_bogus);
	sub(&s->dnssec_aggressive, base->dnssec_aggressive);
	sub(&s->cookies_valid, base->cookies_valid);
	sub(&s->cookies_invalid, base->cookies_invalid);
	sub(&s->cookies_client_only, base->cookies_client_only);
	sub(&s->badcookie, base->badcookie);
	sub(&s->rrl_dropped, base->rrl_dropped);
	sub(&s->rrl_slipped, base->rrl_slipped);
	sub(&s->answer_cache_hits, base->answer_cache_hits);
	sub(&s->resolutions, base->resolutions);
	sub(&s->resolution_ms_sum, base->resolution_ms_sum);
	for (size_t i = 0; i <= STATS_N_BUCKET; i++)
		sub(&s->resolution_bucket[i], base->resolution_bucket[i]);
	sub(&s->cache_hits, base->cache_hits);
	sub(&s->cache_misses, base->cache_misses);
	sub(&s->cache_evictions, base->cache_evictions);
	sub(&s->cache_inserts, base->cache_inserts);
	sub(&s->reloads, base->reloads);
	sub(&s->reload_failures, base->reload_failures);
}

void stats_set_cache(struct stats_snapshot *out, const struct cache_stats *cs)
{
	out->have_cache = cs != NULL;
	if (!cs)
		return;
	out->cache_entries = cs->entries;
	out->cache_bytes = cs->bytes;
	out->cache_hits = cs->hits;
	out->cache_misses = cs->misses;
	out->cache_evictions = cs->evictions;
	out->cache_inserts = cs->inserts;
}

static uint64_t total_queries(const struct stats_snapshot *s)
{
	uint64_t t = 0;

	for (size_t i = 0; i < STATS_N_TRANSPORT; i++)
		t += s->queries[i];
	return t;
}

/* The single-valued metrics, rendered by both the text and the Prometheus
 * renderers: text name, Prometheus name, type, help and where the value is. */
struct stats_scalar {
	const char *text, *name, *type, *help;
	size_t off;   /* of a uint64_t in struct stats_snapshot */
};
#define SCALAR(tx, n, t, h, field) { tx, n, t, h, offsetof(struct stats_snapshot, field) }

static const struct stats_scalar scalars_process[] = {
	SCALAR("time.up", "cairn_uptime_seconds", "gauge", "Seconds since cairnd started.", uptime_s),
	SCALAR("workers", "cairn_workers", "gauge", "Worker threads answering queries.", workers),
	SCALAR("zones", "cairn_zones", "gauge", "Zones loaded.", zones),
	SCALAR("reloads", "cairn_reloads_total", "counter",
	       "Reloads (SIGHUP or cairn-control reload) that succeeded.", reloads),
	SCALAR("reloads.failed", "cairn_reload_failures_total", "counter",
	       "Reloads that failed (the old data kept serving).", reload_failures),
	SCALAR("answers.cached", "cairn_answer_cache_hits_total", "counter",
	       "UDP answers copied from a worker's answer cache (answer-cache-size).",
	       answer_cache_hits),
};
static const struct stats_scalar scalars_cache[] = {
	SCALAR("cache.entries", "cairn_cache_entries", "gauge",
	       "RRsets and negative answers in the cache.", cache_entries),
	SCALAR("cache.bytes", "cairn_cache_bytes", "gauge",
	       "Bytes the cache uses, overhead included.", cache_bytes),
	SCALAR("cache.hits", "cairn_cache_hits_total", "counter",
	       "Cache lookups that found live data.", cache_hits),
	SCALAR("cache.misses", "cairn_cache_misses_total", "counter",
	       "Cache lookups that found nothing.", cache_misses),
	SCALAR("cache.evictions", "cairn_cache_evictions_total", "counter",
	       "Entries evicted by the byte budget.", cache_evictions),
	SCALAR("cache.inserts", "cairn_cache_inserts_total", "counter",
	       "Entries stored in the cache.", cache_inserts),
};
static const struct stats_scalar scalars_upstream[] = {
	SCALAR("upstream.queries", "cairn_upstream_queries_total", "counter",
	       "Queries sent to upstream servers.", upstream_queries),
	SCALAR("upstream.timeouts", "cairn_upstream_timeouts_total", "counter",
	       "Upstream queries that timed out.", upstream_timeouts),
	SCALAR("upstream.tcp_fallbacks", "cairn_upstream_tcp_fallbacks_total", "counter",
	       "Upstream queries retried over TCP after a truncated answer.", upstream_tcp_fallbacks),
	SCALAR("upstream.unwanted", "cairn_upstream_unwanted_replies_total", "counter",
	       "Upstream replies dropped: ID, question or 0x20 case did not match.",
	       upstream_unwanted),
	SCALAR("upstream.lame", "cairn_upstream_lame_total", "counter",
	       "Upstream servers found lame for a zone (REFUSED, SERVFAIL, an upward "
	       "referral...).", upstream_lame),
	SCALAR("resolver.stale_answers", "cairn_stale_answers_total", "counter",
	       "Clients answered with expired data (serve-stale, RFC 8767).", stale_answers),
	SCALAR("resolver.prefetches", "cairn_prefetches_total", "counter",
	       "Background refreshes of cached RRsets near expiry (prefetch).", prefetches),
	SCALAR("dnssec.secure", "cairn_dnssec_secure_total", "counter",
	       "Resolutions whose answer validated as secure (DNSSEC).", dnssec_secure),
	SCALAR("dnssec.insecure", "cairn_dnssec_insecure_total", "counter",
	       "Resolutions whose answer is provably unsigned (DNSSEC insecure).",
	       dnssec_insecure),
	SCALAR("dnssec.bogus", "cairn_dnssec_bogus_total", "counter",
	       "Resolutions whose answer failed validation (SERVFAIL unless CD).", dnssec_bogus),
	SCALAR("dnssec.aggressive", "cairn_dnssec_aggressive_nsec_total", "counter",
	       "Negative answers synthesised from cached NSEC records (RFC 8198).",
	       dnssec_aggressive),
};

/* abuse defences: DNS cookies (RFC 7873) and response rate limiting */
static const struct stats_scalar scalars_abuse[] = {
	SCALAR("cookies.valid", "cairn_cookies_valid_total", "counter",
	       "Queries with a valid server cookie (RFC 7873 5.2.5).", cookies_valid),
	SCALAR("cookies.invalid", "cairn_cookies_invalid_total", "counter",
	       "Queries with a server cookie that did not verify or was too old.",
	       cookies_invalid),
	SCALAR("cookies.client_only", "cairn_cookies_client_only_total", "counter",
	       "Queries with a client cookie alone.", cookies_client_only),
	SCALAR("cookies.badcookie", "cairn_badcookie_sent_total", "counter",
	       "BADCOOKIE answers sent (cookie-required: yes).", badcookie),
	SCALAR("rrl.dropped", "cairn_rrl_dropped_total", "counter",
	       "Responses dropped by response rate limiting.", rrl_dropped),
	SCALAR("rrl.slipped", "cairn_rrl_slipped_total", "counter",
	       "Rate-limited responses sent empty with TC=1 instead (rrl-slip).", rrl_slipped),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t scalar_value(const struct stats_snapshot *s, const struct stats_scalar *m)
{
	uint64_t v;

	memcpy(&v, (const char *)s + m->off, sizeof(v));
	return v;
}

static void text_scalars(FILE *f, const struct stats_snapshot *s,
			 const struct stats_scalar *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %llu\n", m[i].text, (unsigned long long)scalar_value(s, &m[i]));
}

cairn_err stats_render_text(const struct stats_snapshot *s, FILE *f)
{
	char buf[24];

	text_scalars(f, s, scalars_process, N(scalars_process));
	fprintf(f, "total.queries %llu\n", (unsigned long long)total_queries(s));
	for (size_t i = 0; i < STATS_N_TRANSPORT; i++)
		fprintf(f, "total.queries.%s %llu\n", transport_names[i],
			(unsigned long long)s->queries[i]);
	for (size_t i = 0; i < STATS_N_SOURCE; i++)
		fprintf(f, "answer.%s %llu\n", source_names[i], (unsigned long long)s->source[i]);
	for (size_t i = 0; i < STATS_N_TYPE; i++) {
		if (!s->qtype[i])
			continue;
		if (i == STATS_N_TYPE - 1)
			fprintf(f, "qtype.other %llu\n", (unsigned long long)s->qtype[i]);
		else
			fprintf(f, "qtype.%s %llu\n", stats_type_name((uint16_t)i, buf, sizeof(buf)),
				(unsigned long long)s->qtype[i]);
	}
	/* the six classic rcodes always, the others when seen */
	for (size_t i = 0; i < STATS_N_RCODE; i++) {
		if (i > WIRE_RCODE_REFUSED && !s->rcode[i])
			continue;
		if (i == STATS_N_RCODE - 1)
			fprintf(f, "rcode.other %llu\n", (unsigned long long)s->rcode[i]);
		else
			fprintf(f, "rcode.%s %llu\n", stats_rcode_name((unsigned)i, buf, sizeof(buf)),
				(unsigned long long)s->rcode[i]);
	}
	if (s->have_cache)
		text_scalars(f, s, scalars_cache, N(scalars_cache));
	text_scalars(f, s, scalars_upstream, N(scalars_upstream));
	text_scalars(f, s, scalars_abuse, N(scalars_abuse));
	fprintf(f, "resolve.count %llu\n", (unsigned long long)s->resolutions);
	fprintf(f, "resolve.time.sum_ms %llu\n", (unsigned long long)s->resolution_ms_sum);
	fprintf(f, "resolve.time.avg_ms %.3f\n",
		s->resolutions ? (double)s->resolution_ms_sum / (double)s->resolutions : 0.0);
	for (size_t i = 0; i <= STATS_N_BUCKET; i++) {
		if (i < STATS_N_BUCKET)
			fprintf(f, "resolve.time.le_%ums %llu\n", stats_bucket_ms[i],
				(unsigned long long)s->resolution_bucket[i]);
		else
			fprintf(f, "resolve.time.above_%ums %llu\n", stats_bucket_ms[i - 1],
				(unsigned long long)s->resolution_bucket[i]);
	}
	return ferror(f) ? CAIRN_EIO : CAIRN_OK;
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_scalars(FILE *f, const struct stats_snapshot *s,
			 const struct stats_scalar *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		prom_head(f, m[i].name, m[i].type, m[i].help);
		fprintf(f, "%s %llu\n", m[i].name, (unsigned long long)scalar_value(s, &m[i]));
	}
}

cairn_err stats_render_prometheus(const struct stats_snapshot *s, FILE *f)
{
	char buf[24];
	uint64_t cum = 0;

	prom_scalars(f, s, scalars_process, N(scalars_process));

	prom_head(f, "cairn_queries_total", "counter", "Queries received, by transport.");
	for (size_t i = 0; i < STATS_N_TRANSPORT; i++)
		fprintf(f, "cairn_queries_total{transport=\"%s\"} %llu\n", transport_names[i],
			(unsigned long long)s->queries[i]);
	prom_head(f, "cairn_queries_by_type_total", "counter", "Queries received, by question type.");
	for (size_t i = 0; i < STATS_N_TYPE; i++) {
		if (!s->qtype[i])
			continue;
		fprintf(f, "cairn_queries_by_type_total{type=\"%s\"} %llu\n",
			i == STATS_N_TYPE - 1 ? "other" : stats_type_name((uint16_t)i, buf, sizeof(buf)),
			(unsigned long long)s->qtype[i]);
	}
	prom_head(f, "cairn_responses_total", "counter", "Responses sent, by rcode.");
	for (size_t i = 0; i < STATS_N_RCODE; i++) {
		if (i > WIRE_RCODE_REFUSED && !s->rcode[i])
			continue;
		fprintf(f, "cairn_responses_total{rcode=\"%s\"} %llu\n",
			i == STATS_N_RCODE - 1 ? "other" : stats_rcode_name((unsigned)i, buf, sizeof(buf)),
			(unsigned long long)s->rcode[i]);
	}
	prom_head(f, "cairn_answers_total", "counter",
		  "Queries by where the answer came from (zone, cache, resolved, local, dropped).");
	for (size_t i = 0; i < STATS_N_SOURCE; i++)
		fprintf(f, "cairn_answers_total{source=\"%s\"} %llu\n", source_names[i],
			(unsigned long long)s->source[i]);
	if (s->have_cache)
		prom_scalars(f, s, scalars_cache, N(scalars_cache));
	prom_scalars(f, s, scalars_upstream, N(scalars_upstream));
	prom_scalars(f, s, scalars_abuse, N(scalars_abuse));

	prom_head(f, "cairn_resolution_duration_seconds", "histogram",
		  "Time to answer a query that needed upstream servers.");
	for (size_t i = 0; i < STATS_N_BUCKET; i++) {
		cum += s->resolution_bucket[i];
		fprintf(f, "cairn_resolution_duration_seconds_bucket{le=\"%g\"} %llu\n",
			stats_bucket_ms[i] / 1000.0, (unsigned long long)cum);
	}
	cum += s->resolution_bucket[STATS_N_BUCKET];
	fprintf(f, "cairn_resolution_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)cum);
	fprintf(f, "cairn_resolution_duration_seconds_sum %.3f\n", s->resolution_ms_sum / 1000.0);
	fprintf(f, "cairn_resolution_duration_seconds_count %llu\n", (unsigned long long)cum);
	return ferror(f) ? CAIRN_EIO : CAIRN_OK;
}

char *stats_render_line(const struct stats_snapshot *s)
{
	char *line = NULL;
	int n;

	n = asprintf(&line,
		       "stats: queries %llu (udp %llu, tcp %llu); answers zone %llu, cache %llu, "
		       "resolved %llu, local %llu, dropped %llu; rcodes NOERROR %llu, NXDOMAIN %llu, "
		       "SERVFAIL %llu, REFUSED %llu, FORMERR %llu; cache %llu entries, %llu bytes, "
		       "%llu hits, %llu misses, %llu evictions; upstream %llu queries, %llu timeouts, "
		       "%llu tcp fallbacks; resolution avg %.1f ms over %llu",
		     (unsigned long long)total_queries(s), (unsigned long long)s->queries[STATS_UDP],
		     (unsigned long long)s->queries[STATS_TCP],
		     (unsigned long long)s->source[STATS_SRC_ZONE],
		     (unsigned long long)s->source[STATS_SRC_CACHE],
		     (unsigned long long)s->source[STATS_SRC_RESOLVED],
		     (unsigned long long)s->source[STATS_SRC_LOCAL],
		     (unsigned long long)s->source[STATS_SRC_DROPPED],
		     (unsigned long long)s->rcode[0], (unsigned long long)s->rcode[3],
		     (unsigned long long)s->rcode[2], (unsigned long long)s->rcode[5],
		     (unsigned long long)s->rcode[1],
		     (unsigned long long)s->cache_entries, (unsigned long long)s->cache_bytes,
		     (unsigned long long)s->cache_hits, (unsigned long long)s->cache_misses,
		     (unsigned long long)s->cache_evictions,
		     (unsigned long long)s->upstream_queries, (unsigned long long)s->upstream_timeouts,
		     (unsigned long long)s->upstream_tcp_fallbacks,
		     s->resolutions ? (double)s->resolution_ms_sum / (double)s->resolutions : 0.0,
		     (unsigned long long)s->resolutions);
	return n < 0 ? NULL : line;
}
