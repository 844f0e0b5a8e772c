/* stats: cairnd's statistics: per-worker counters written without locks by
 * their one worker thread, summed across workers on demand, and rendered as
 * text (cairn-control stats, SIGUSR1) or in the Prometheus text exposition
 * format (cairn-control stats-prometheus). */
#ifndef CAIRN_STATS_H
#define CAIRN_STATS_H

#include "cairn/common.h"

#include <stdatomic.h>
#include <stdio.h>

struct cache_stats;

enum stats_transport { STATS_UDP = 0, STATS_TCP, STATS_N_TRANSPORT };

/* Where an answer came from. */
enum stats_source {
	STATS_SRC_ZONE = 0,   /* authoritative data of a loaded zone */
	STATS_SRC_CACHE,      /* the resolver's cache, without upstream queries */
	STATS_SRC_RESOLVED,   /* the resolver asked upstream servers */
	STATS_SRC_LOCAL,      /* made here without zone, cache or upstream: locally
	                       * served zones (RFC 6761/6303), root-hints referrals,
	                       * error answers (FORMERR, REFUSED, ...) */
	STATS_SRC_DROPPED,    /* no answer sent (not a query, client went away) */
	STATS_N_SOURCE,
};

#define STATS_N_TYPE   257   /* qtypes 0..255 each, 256 = every larger type */
#define STATS_N_RCODE  24    /* rcodes 0..22 each (RFC 6895 §2.3), 23 = larger */
/* Upper bounds (ms) of the resolution time histogram; one more bucket
 * (+Inf) catches the rest. */
#define STATS_N_BUCKET 12
extern const uint32_t stats_bucket_ms[STATS_N_BUCKET];

/* One worker's counters. Only the owning thread writes them (stats_inc,
 * stats_add: relaxed load + store, no locked instruction); any thread may
 * read them at any time (stats_sum). Keep one per worker, 64-byte aligned
 * so that workers never share a cache line. */
struct stats_counters {
	_Alignas(64) _Atomic uint64_t queries[STATS_N_TRANSPORT];
	_Atomic uint64_t qtype[STATS_N_TYPE];
	_Atomic uint64_t rcode[STATS_N_RCODE];
	_Atomic uint64_t source[STATS_N_SOURCE];
	_Atomic uint64_t upstream_queries;
	_Atomic uint64_t upstream_timeouts;
	_Atomic uint64_t upstream_tcp_fallbacks;
	_Atomic uint64_t upstream_unwanted;         /* replies failing the checks */
	_Atomic uint64_t stale_answers;             /* clients answered stale (RFC 8767) */
	_Atomic uint64_t prefetches;                /* background refreshes (prefetch) */
	_Atomic uint64_t upstream_lame;             /* servers found lame for a zone */
	_Atomic uint64_t dnssec[4];                 /* verdicts: secure, insecure, bogus,
	                                             * synthesised from NSEC (RFC 8198) */
	_Atomic uint64_t cookies_valid;             /* COOKIE with a valid server cookie */
	_Atomic uint64_t cookies_invalid;           /* ... with a server cookie not ours or stale */
	_Atomic uint64_t cookies_client_only;       /* ... with a client cookie alone */
	_Atomic uint64_t badcookie;                 /* BADCOOKIE answers (cookie-required) */
	_Atomic uint64_t rrl_dropped;               /* responses RRL dropped */
	_Atomic uint64_t rrl_slipped;               /* ... sent truncated instead (rrl-slip) */
	_Atomic uint64_t answer_cache_hits;         /* answers from the answer cache */
	_Atomic uint64_t resolutions;               /* answers with source RESOLVED */
	_Atomic uint64_t resolution_ms_sum;
	_Atomic uint64_t resolution_bucket[STATS_N_BUCKET + 1];
};

/* Adds 1 / n to a counter of the calling thread's own stats_counters. */
static inline void stats_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}
static inline void stats_inc(_Atomic uint64_t *c)
{
	stats_add(c, 1);
}

/* Counts one query received: transport and qtype (0 when there was no
 * question). */
void stats_count_query(struct stats_counters *s, enum stats_transport t, uint16_t qtype);
/* Counts how a query was answered: rcode (ignored for STATS_SRC_DROPPED)
 * and source. Called once per query, when the answer is sent (for resolved
 * answers that is later than stats_count_query). */
void stats_count_answer(struct stats_counters *s, unsigned rcode, enum stats_source src);
/* Counts one resolution that took ms milliseconds (source RESOLVED). */
void stats_count_resolution(struct stats_counters *s, uint64_t ms);

/* A consistent-enough copy of the sum of every worker's counters, plus the
 * process-wide numbers the renderers show. Plain values, owned by the
 * caller. */
struct stats_snapshot {
	uint64_t queries[STATS_N_TRANSPORT];
	uint64_t qtype[STATS_N_TYPE];
	uint64_t rcode[STATS_N_RCODE];
	uint64_t source[STATS_N_SOURCE];
	uint64_t upstream_queries, upstream_timeouts, upstream_tcp_fallbacks;
	uint64_t upstream_unwanted, upstream_lame;
	uint64_t stale_answers, prefetches;
	uint64_t dnssec_secure, dnssec_insecure, dnssec_bogus, dnssec_aggressive;
	uint64_t cookies_valid, cookies_invalid, cookies_client_only, badcookie;
	uint64_t rrl_dropped, rrl_slipped;
	uint64_t answer_cache_hits;
	uint64_t resolutions, resolution_ms_sum;
	uint64_t resolution_bucket[STATS_N_BUCKET + 1];  /* not cumulative */
	/* filled by the caller of stats_sum */
	bool have_cache;
	uint64_t cache_entries, cache_bytes, cache_hits, cache_misses,
		 cache_evictions, cache_inserts;
	uint64_t uptime_s;
	uint64_t zones;
	uint64_t reloads, reload_failures;
	uint64_t workers;
};

/* Zeroes out and adds up n workers' counters (each read once, relaxed). */
void stats_sum(struct stats_snapshot *out, struct stats_counters *const *workers, size_t n);
/* Copies a cache's numbers into out (cs may be NULL: no cache). */
void stats_set_cache(struct stats_snapshot *out, const struct cache_stats *cs);
/* Subtracts base (an earlier snapshot: cairn-control flush-stats) from
 * every counter of s (never below 0); the gauges (cache entries and bytes,
 * uptime, zones, workers) are left as they are. */
void stats_subtract(struct stats_snapshot *s, const struct stats_snapshot *base);

/* Writes "name value" lines (one counter per line, names in dotted form
 * like unbound-control stats: total.queries.udp, qtype.A, rcode.NXDOMAIN,
 * answer.zone, cache.hits, resolve.time.avg_ms ...) to f. Returns CAIRN_OK
 * or CAIRN_EIO when writing failed. */
cairn_err stats_render_text(const struct stats_snapshot *s, FILE *f);
/* Same in the Prometheus text exposition format (version 0.0.4): HELP and
 * TYPE lines, cairn_* metric families, labels for transport, type, rcode
 * and source, and a histogram of resolution times in seconds. Returns
 * CAIRN_OK or CAIRN_EIO when writing failed. */
cairn_err stats_render_prometheus(const struct stats_snapshot *s, FILE *f);
/* The same as one line for the log (SIGUSR1); returns a malloc'd string
 * owned by the caller, or NULL when out of memory. */
char *stats_render_line(const struct stats_snapshot *s);

/* Mnemonic of a type ("AAAA", "TYPE65280" in buf) and of an rcode
 * ("NXDOMAIN", "RCODE12" in buf). Return a static string or buf. */
const char *stats_type_name(uint16_t type, char *buf, size_t len);
const char *stats_rcode_name(unsigned rcode, char *buf, size_t len);
/* "zone", "cache", "resolved", "local", "dropped". */
const char *stats_source_name(enum stats_source src);

#endif
