/* resolve: the iterative resolver (RFC 1034 §5.3.3) a worker thread runs
 * for names outside our zones; c-ares is its transport (transport.c only). */
#ifndef CAIRN_RESOLVE_H
#define CAIRN_RESOLVE_H

#include "cairn/common.h"
#include "cairn/wire.h"

#include <stdio.h>

struct resolver;          /* one per worker thread; not thread safe */
struct resolver_config;   /* settings from cairnd.conf (defined below) */
struct cache;             /* shared by all workers; thread safe */
struct dsec_anchors;      /* trust anchors (cairn/dnssec.h) */

/* Where the resolver's answer came from (for statistics and log-queries). */
enum resolve_source {
	RESOLVE_SRC_CACHE = 0,   /* the shared cache, no upstream query */
	RESOLVE_SRC_LOCAL,       /* made here: locally served zones (RFC 6761,
	                          * RFC 6303), refusals, failures without any
	                          * upstream query */
	RESOLVE_SRC_RESOLVED,    /* upstream servers were asked */
};

/* Called once per query with the complete response (ID, question, flags
 * already set for the client) and where it came from. resp is only valid
 * during the call. */
typedef void (*resolve_done_fn)(void *ctx, const uint8_t *resp, size_t len,
				enum resolve_source src);

/* ---- the two seams (doc/ARCHITECTURE.md, "Seams") ----
 * The resolver sees the world only through these: "send this query to
 * this server and call me back" and "what time is it". cairnd uses c-ares
 * and the system clock (resolver_new); the replay harness
 * (tests/replay/) substitutes a scripted network and a fake clock
 * (resolver_new_io). */

/* Outcome of one upstream exchange: CAIRN_OK with the reply, CAIRN_ELIMIT
 * for a timeout, CAIRN_EIO for a network error, CAIRN_EINVAL when it could
 * not even be sent (no route, no socket), CAIRN_ENOTFOUND when the
 * transport was destroyed with the query pending. pkt is valid only during
 * the call. */
typedef void (*resolver_reply_fn)(void *arg, cairn_err err, const uint8_t *pkt,
				  size_t len);

struct resolver_io {
	void *ctx;
	/* Sends pkt (a complete DNS query) to server over UDP, or TCP when
	 * tcp; udp_size is the EDNS buffer size pkt's OPT advertises (0: no
	 * OPT). fn runs exactly once, never before send returns, unless send
	 * fails (then it never runs). Returns CAIRN_OK or an error. */
	cairn_err (*send)(void *ctx, const struct cairn_sockaddr *server, bool tcp,
			  uint16_t udp_size, const uint8_t *pkt, size_t len,
			  resolver_reply_fn fn, void *arg);
	/* The time in milliseconds (monotonic). */
	uint64_t (*now_ms)(void *ctx);
	/* Milliseconds until tick is due (-1: never); may be NULL. */
	int (*timeout_ms)(void *ctx);
	/* Runs the transport's due work (timeouts); may be NULL. */
	void (*tick)(void *ctx);
	/* The next query to server must leave from a new socket (new source
	 * port): a reply that did not match its query was seen (RFC 5452
	 * §9.2). May be NULL. */
	void (*renew)(void *ctx, const struct cairn_sockaddr *server);
	/* Releases ctx when the resolver is freed; may be NULL. Pending
	 * replies must then be delivered with CAIRN_ENOTFOUND or dropped. */
	void (*free)(void *ctx);
	/* The wall clock in seconds since 1970 (RRSIG validity periods, RFC
	 * 4034 §3.1.5); may be NULL: time(). */
	uint64_t (*wall_s)(void *ctx);
	/* Seed of the resolver's random numbers (IDs, 0x20, server choice);
	 * 0 takes one from getrandom(). */
	uint64_t seed;
};

/* Creates a resolver that uses io (copied) for the network and the
 * clock; otherwise as resolver_new. On failure io->free is not called. */
cairn_err resolver_new_io(const struct resolver_config *cfg, struct cache *cache,
			  const struct resolver_io *io, struct resolver **out);

/* Creates a worker's resolver. Its sockets are added to epoll_fd with
 * data.ptr pointing to a struct cairn_event (see common.h). cfg is copied;
 * cache (shared by the workers) stays the caller's. Returns CAIRN_OK and *out (the
 * caller owns it: resolver_free), CAIRN_EINVAL for a local-zone-disable
 * name that is not a default local zone (logged), CAIRN_ENOMEM, or the
 * error of loading a configured root-hints file (CAIRN_EIO, CAIRN_EFORMAT,
 * logged). */
cairn_err resolver_new(const struct resolver_config *cfg, struct cache *cache,
		       int epoll_fd, struct resolver **out);
/* Frees r; the done function of each query still pending is called with
 * resp NULL and len 0 so that its ctx can be released. */
void resolver_free(struct resolver *r);
/* Starts resolving q (not authoritative here) once
 * resolver_answer_cached() could not answer it: callers try that first,
 * it is the only path for RD=0 queries, refusals and local names. limit
 * is the largest response the client accepts. Returns CAIRN_OK, after
 * which done is called exactly once, always from a later resolver_tick()
 * and never before this returns, unless resolver_cancel(ctx) is called
 * first; or CAIRN_EINVAL (no question, not class IN, AXFR/IXFR) or
 * CAIRN_ENOMEM, and done is not called. */
cairn_err resolver_query(struct resolver *r, const struct wire_query *q, size_t limit,
			 resolve_done_fn done, void *ctx);
/* The allocation-free cache-hit path: when the whole answer is in the
 * cache or is local (RFC 6761 / RFC 6303 names, REFUSED for classes other
 * than IN and for AXFR/IXFR), writes the response to q
 * (at most limit bytes) into out, sets *len and *src and returns true;
 * otherwise returns false and writes nothing useful. A query with RD=0 is
 * always answered here, never sent upstream (as unbound does for clients
 * allowed to snoop): from the cache, else with a referral to the closest
 * delegation the cache (or, when it holds none, the root hints) knows. */
bool resolver_answer_cached(struct resolver *r, const struct wire_query *q,
			    uint8_t *out, size_t limit, size_t *len,
			    enum resolve_source *src);
/* Before resolver_answer_cached for a batch of questions (names[i]:
 * lowercase wire names, hashes[i] their wire_name_hash, NULL names
 * skipped; types[i]): starts loading the cache data they will read
 * (cache_prefetch). */
void resolver_prefetch(struct resolver *r, const uint8_t *const *names, const uint32_t *hashes,
		       const uint16_t *types, unsigned n);
/* Identical questions are resolved once in the whole process: a worker
 * whose question another worker resolves waits (parked) until that worker
 * ends its claim. worker (below 64) is r's number in the claims; wake(ctx,
 * workers) is called on r's thread when r ends a claim others wait for
 * (bit w: worker w), and must make those workers call resolver_wake(). */
void resolver_set_wake(struct resolver *r, unsigned worker,
		       void (*wake)(void *ctx, uint64_t workers), void *ctx);
/* Checks the parked questions again (on r's thread); see resolver_set_wake. */
void resolver_wake(struct resolver *r);
/* explain (cairn-control explain): what one resolution did. The strings
 * and resp are valid during the call only. */
struct resolver_explain_result {
	const char *text;        /* the event log, one event a line */
	const char *json;        /* the events as a JSON array */
	const uint8_t *resp;     /* the response a client (RD=1, EDNS) gets */
	size_t len;
	uint8_t rcode;
	uint16_t ede;            /* RFC 8914 info-code, 0xffff: none */
	const char *ede_text;    /* may be NULL */
};
/* Receives the result, or NULL when the resolver was freed first. */
typedef void (*resolver_explain_fn)(void *ctx, const struct resolver_explain_result *res);
/* Resolves (name, qtype) once on its own (not merged with other questions,
 * no process-wide claim) and calls fn from a later resolver_tick() with its
 * event log. With nocache, no answer is read from the cache and the first
 * delegation comes from the root hints (what the resolution learns is
 * cached as usual). Returns CAIRN_OK (fn is then called exactly once),
 * CAIRN_EINVAL for a bad name, CAIRN_ENOMEM. */
cairn_err resolver_explain(struct resolver *r, const uint8_t *name, uint16_t qtype,
			   bool nocache, resolver_explain_fn fn, void *ctx);
/* One entry of the infra cache (cairn-control infra): an upstream
 * address, or a (zone, address) lame mark. */
struct resolver_infra {
	bool lame;               /* a lame mark; else an address entry */
	struct cairn_sockaddr sa;
	const uint8_t *zone;     /* lame: the zone (wire form) */
	uint32_t srtt_ms;        /* smoothed RTT */
	unsigned timeouts;       /* in a row */
	uint64_t down_ms;        /* left alone for this long still (timeouts) */
	uint64_t tcp_only_ms;    /* asked over TCP only for this long still */
	uint64_t lame_ms;        /* lame: for this long still */
	bool noedns;             /* answered FORMERR to EDNS */
};
/* Reports r's infra cache (only the entries of only's IP address, any
 * port, when only is not NULL) to fn; e is valid during the call. On r's
 * thread only. */
void resolver_infra(struct resolver *r, const struct cairn_sockaddr *only,
		    void (*fn)(void *ctx, const struct resolver_infra *e), void *ctx);
/* Forgets what r knows of only's IP address (NULL: everything): RTT,
 * back-offs and lame marks. Returns the entries removed. On r's thread. */
unsigned resolver_flush_infra(struct resolver *r, const struct cairn_sockaddr *only);
/* cairn-control lookup: writes to out the delegation r would use for name
 * from the cache (else the root hints), or its forward-zone, and each
 * server's cached addresses with what r's infra cache says of them (RTT,
 * timeouts, lameness for that zone); json: one JSON object (cairn-control(8),
 * "lookup"). Reads only: nothing is created,
 * touched or sent. On r's thread. */
void resolver_lookup(struct resolver *r, const uint8_t *name, bool json, FILE *out);
/* Number of resolutions in progress (tests, benchmarks). */
unsigned resolver_active(const struct resolver *r);
/* Forgets every pending query whose ctx is ctx (client went away). */
void resolver_cancel(struct resolver *r, void *ctx);
/* Milliseconds until the resolver needs resolver_tick(), -1 for never. */
int resolver_timeout_ms(const struct resolver *r);
/* The run loop (doc/ARCHITECTURE.md): runs the transport's due work,
 * the timers (resolve-timeout: SERVFAIL; parked questions), advances
 * every resolution that is ready, then answers the clients of those that
 * ended. Call it after each batch of events and when resolver_timeout_ms
 * says; it is the only caller of the done functions. */
void resolver_tick(struct resolver *r);

/* c-ares' version string (static; transport.c, the one file that includes
 * <ares.h>). */
const char *transport_cares_version(void);

/* ---- configuration ---- */
#define RESOLVER_MAX_FORWARD_ADDR 8
/* forward-zone: names at or below name go, with RD=1, to these resolvers. */
struct resolver_forward {
	uint8_t name[WIRE_NAME_MAX];           /* lowercase wire form */
	unsigned naddr;
	struct cairn_sockaddr addr[RESOLVER_MAX_FORWARD_ADDR];
};

struct resolver_config {
	const char *root_hints;        /* NULL: /usr/share/dns/root.hints or built-in */
	const char *root_hints_text;   /* the hints themselves (zone file form);
	                                * overrides root_hints (tests) */
	bool query_loopback;           /* allow upstream servers on 127/8 and ::1 */
	bool qname_minimisation;       /* RFC 9156, relaxed */
	uint16_t edns_size;            /* advertised to clients and upstream (1232) */
	unsigned upstream_timeout_ms;  /* one upstream exchange (1000): upstream-timeout */
	unsigned max_queries;          /* upstream queries per client question (32):
	                                * max-upstream-queries */
	unsigned max_referrals;        /* referrals followed per question (20): max-referrals */
	unsigned max_glueless;         /* NS names without glue resolved per delegation
	                                * (5): max-glueless-ns */
	unsigned max_time_ms;          /* whole resolution (10000), then SERVFAIL:
	                                * resolve-timeout */
	uint16_t upstream_port;        /* port of upstream servers (53) */
	unsigned unwanted_threshold;   /* mismatched replies from one server before
	                                * it is asked over TCP only (10), 0: never:
	                                * unwanted-reply-threshold */
	unsigned infra_hosts;          /* server addresses remembered per worker
	                                * (10000): infra-cache-numhosts */
	unsigned infra_lame;           /* (zone, address) lame marks remembered per
	                                * worker (10000): infra-cache-lame-size */
	const struct resolver_forward *forwards;  /* copied by resolver_new */
	unsigned n_forwards;
	/* local-zone-disable: default local zones (RFC 6761, RFC 6303) not to
	 * answer locally, presentation form; read by resolver_new only. */
	const char *const *local_zone_disable;
	unsigned n_local_zone_disable;
	bool log_servfail;             /* an info line per SERVFAIL (log-servfail) */
	/* RFC 8767 serve-stale: when a client's resolution fails or takes
	 * longer than stale_client_ms, expired data (kept by the cache up to
	 * its stale_max_age) is answered with TTL stale_ttl and EDE 3 / 19 */
	bool serve_stale;
	unsigned stale_client_ms;      /* stale-answer-client-timeout (1800) */
	uint32_t stale_ttl;            /* stale-answer-ttl (30) */
	bool prefetch;                 /* refresh RRsets asked for in their last 10% */
	/* DNSSEC validation (RFC 4033-4035): the trust anchors and negative
	 * trust anchors (shared by the workers, thread safe, the caller's;
	 * NULL: no validation, dnssec: no) */
	struct dsec_anchors *anchors;
	uint32_t bogus_ttl;            /* seconds a bogus result is cached (60):
	                                * val-bogus-ttl */
};

/* Fills cfg with the defaults above. */
void resolver_config_default(struct resolver_config *cfg);
/* Copies into dst the settings of src that a running resolver may change
 * (reconf.c): qname_minimisation, max_queries, max_referrals,
 * max_glueless, max_time_ms, unwanted_threshold, log_servfail,
 * serve_stale, stale_client_ms, stale_ttl, prefetch. Every resolution
 * reads them when it needs them; the others are fixed at resolver_new. */
void resolver_config_tune(struct resolver_config *dst, const struct resolver_config *src);
/* Gives r the changeable settings of cfg (resolver_config_tune) and its
 * forward zones (copied; resolutions in progress keep the forwarders
 * they found). On r's thread. Returns CAIRN_OK, or CAIRN_ENOMEM with r
 * unchanged. */
cairn_err resolver_reconfigure(struct resolver *r, const struct resolver_config *cfg);
/* True when name (presentation form) is one of the zones the resolver
 * serves locally by default (localhost., invalid., test., onion.,
 * home.arpa., the loopback, private and documentation reverse zones of
 * RFC 6303): the names local-zone-disable accepts. */
bool resolver_local_zone_known(const char *name);
/* cairn-control list-local-zones: calls fn with each default local zone
 * (presentation form, final dot) not named in disable[0..n) and its kind,
 * "static" or "redirect" (localhost.), shortest names first; the same
 * table every resolver_new builds from the same list. Any thread.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (a disable name that is not a default
 * zone), CAIRN_ENOMEM. */
cairn_err resolver_local_zones(const char *const *disable, unsigned n,
			       void (*fn)(void *ctx, const char *name, const char *kind),
			       void *ctx);
/* Number of upstream queries this resolver has sent (tests, statistics). */
uint64_t resolver_upstream_queries(const struct resolver *r);

/* The resolver's counters, plain values written only by its worker
 * thread (read them on that thread; the server copies them into its
 * per-worker statistics). */
struct resolver_counters {
	uint64_t upstream_queries;   /* queries sent, UDP and TCP */
	uint64_t upstream_timeouts;  /* exchanges that got no reply in time */
	uint64_t tcp_fallbacks;      /* TC=1 over UDP, asked again over TCP */
	uint64_t unwanted_replies;   /* replies that failed the ID/question/0x20
	                              * checks (dropped, query sent again) */
	uint64_t stale_answers;      /* clients answered with stale data (RFC 8767) */
	uint64_t prefetches;         /* background refreshes started (prefetch) */
	uint64_t val_secure, val_insecure, val_bogus;  /* DNSSEC verdicts on answers */
	uint64_t val_aggressive;     /* negative answers synthesised from cached
	                              * NSEC records (RFC 8198) */
	uint64_t lame_servers;       /* servers found lame for a zone (each time) */
};
/* Copies r's counters into *out. */
void resolver_get_counters(const struct resolver *r, struct resolver_counters *out);

#endif
