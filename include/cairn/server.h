/* server: the worker threads of cairnd, each with its own epoll loop and
 * SO_REUSEPORT UDP and TCP sockets on every listen address, and the dispatch
 * that turns a query into a response. */
#ifndef CAIRN_SERVER_H
#define CAIRN_SERVER_H

#include "cairn/common.h"
#include "cairn/cache.h"
#include "cairn/resolve.h"

struct server;
struct zone_set;
struct cairn_config;

/* Creates a server for cfg (which it copies what it needs from; cfg may be
 * freed afterwards) and binds every socket of every worker; no thread runs
 * yet. Takes ownership of zones (also on error). Logs the reason of a
 * failure (e.g. "127.0.0.1@53: Address already in use") and returns
 * CAIRN_EIO for a socket problem, CAIRN_ENOMEM when out of memory. On
 * success the caller owns *out (server_free). */
cairn_err server_new(const struct cairn_config *cfg, struct zone_set *zones,
		     struct server **out);

/* Starts the worker threads. Returns CAIRN_EIO when a thread cannot be
 * created (the ones started are stopped again). */
cairn_err server_start(struct server *s);

/* Publishes a new zone set to the workers (ownership passes to s) and frees
 * the previous one once no worker can still be reading it. Safe to call
 * from one thread (the daemon's) while the workers answer. */
void server_set_zones(struct server *s, struct zone_set *zones);

/* Asks every worker to stop and waits for them; sockets stay open until
 * server_free. */
void server_stop(struct server *s);

/* Stops the server if needed, closes every socket and frees the zones. */
void server_free(struct server *s);

/* The resolver's and the cache's settings taken from a configuration
 * (shared by cairnd and the replay harness). */
struct server_rconfig {
	struct resolver_config res;
	struct cache_config cache;
	/* what res points to, owned here */
	struct resolver_forward *forwards;
	char *root_hints;
	char **lz_disable;
	size_t n_lz_disable;
	struct dsec_anchors *anchors;  /* DNSSEC trust anchors (NULL: dnssec: no) */
};
/* Fills rc from cfg. Returns CAIRN_OK (free with server_rconfig_free),
 * CAIRN_ENOMEM, CAIRN_EINVAL (a forward-zone name that does not parse), or
 * the error of loading the trust anchors (CAIRN_EIO, CAIRN_EFORMAT, logged
 * with file:line);
 * on failure nothing is left to free. */
cairn_err server_rconfig_init(struct server_rconfig *rc, const struct cairn_config *cfg);
void server_rconfig_free(struct server_rconfig *rc);

struct stats_snapshot;
struct cache;
/* Fills out with every worker's counters summed (stats_sum) and the
 * cache's numbers; the daemon adds uptime, zones and reloads. Safe to call
 * from any thread while the workers answer. */
void server_get_stats(struct server *s, struct stats_snapshot *out);
/* The cache shared by the workers (recursion: yes), or NULL; owned by s. */
struct cache *server_cache(struct server *s);
/* The resolver's trust anchors (NULL: no validation); the server's. */
struct dsec_anchors *server_anchors(struct server *s);

/* cairn-control explain: what one resolution of a question did. */
struct server_explain {
	char *text;              /* the event log, one event a line */
	char *json;              /* the same as a JSON array */
	uint8_t *resp;           /* the response a client (RD=1, EDNS) gets */
	size_t len;
	uint8_t rcode;
	uint16_t ede;            /* 0xffff: none */
	char *ede_text;          /* NULL: none */
};
/* Resolves (name, qtype) once in worker 0's resolver (see resolver_explain;
 * nocache: as if the cache were empty) and waits for it at most
 * timeout_ms. Returns CAIRN_OK with *out filled (free it with
 * server_explain_free), CAIRN_ENOTFOUND when there is no resolver
 * (recursion: no), CAIRN_ELIMIT when the resolution did not end in time,
 * CAIRN_EEXIST when an earlier explain that timed out still occupies the
 * worker's mailbox, CAIRN_EIO when the worker stopped, CAIRN_ENOMEM.
 * timeout_ms 0: resolve-timeout plus 2 seconds.
 * Called from the control thread; holds no lock while it waits. */
cairn_err server_explain(struct server *s, const uint8_t *name, uint16_t qtype, bool nocache,
			 unsigned timeout_ms, struct server_explain *out);
/* Frees what e holds (e itself is the caller's). */
void server_explain_free(struct server_explain *e);

/* cairn-control infra / flush-infra: every worker's infra cache is read
 * (flush: emptied of only's IP address, NULL: of everything) by that
 * worker on its own thread, through a one-slot mailbox per worker; waits
 * at most timeout_ms for all of them. Returns CAIRN_OK with *out (malloc'd,
 * the caller frees it; NULL when flushing or nothing is known) the lines
 * (json: comma-separated objects) of every worker in worker order, and
 * *removed the entries flushed; CAIRN_ENOTFOUND (no resolver), CAIRN_EEXIST
 * (an earlier request still occupies a mailbox), CAIRN_ELIMIT (a worker
 * did not answer in time), CAIRN_ENOMEM. Called from a control thread. */
cairn_err server_infra(struct server *s, const struct cairn_sockaddr *only, bool flush,
		       bool json, unsigned timeout_ms, char **out, size_t *removed);
/* cairn-control lookup NAME: worker 0 writes the delegation it would use
 * for name and its servers (resolver_lookup, json or text) on its own
 * thread; returns as server_infra, *out the text. */
cairn_err server_lookup(struct server *s, const uint8_t *name, bool json, unsigned timeout_ms,
			char **out);

/* ---- changes at run time (reconf.c) ---- */
/* forward-list: calls fn with each forward zone in use; any thread. */
void server_forward_list(struct server *s, void (*fn)(void *arg, const struct resolver_forward *f),
			 void *arg);
/* forward-add (f->naddr > 0: added, or its addresses replaced) and
 * forward-remove (f->naddr == 0): changes the forward zones of every
 * worker's resolver (on its thread, waiting at most timeout_ms), then
 * removes the names at and below f->name from the cache (what was
 * cached came the other way). Until restart only. Returns CAIRN_OK,
 * CAIRN_ENOTFOUND (no resolver, or removing a zone that is not
 * forwarded), CAIRN_ELIMIT (more than SERVER_MAX_FORWARDS), or as
 * server_infra (some workers may then have the change: run it again). */
cairn_err server_forward_set(struct server *s, const struct resolver_forward *f,
			     unsigned timeout_ms);
#define SERVER_MAX_FORWARDS 256
/* set-option for the resolver: takes the changeable settings of cfg
 * (resolver_config_tune) for every worker's resolver; returns as
 * server_forward_set. */
cairn_err server_resolver_tune(struct server *s, const struct resolver_config *cfg,
			       unsigned timeout_ms);
/* set-option log-queries. */
void server_set_log_queries(struct server *s, bool on);
/* The resolver settings in use (a copy; its forwards are not). */
void server_resolver_settings(struct server *s, struct resolver_config *out);

/* ---- the cache file (cachefile.c; cairnd.conf(5) cache-file) ---- */
/* Writes every entry of c that may still be served to path as text
 * (zone-file records after a ";; KIND NAME [TYPE] expires=UNIXTIME
 * ttl=N rank=R" line), through path.tmp and a rename. Returns CAIRN_OK
 * with *count entries written, CAIRN_EIO (errno says why; the old file is
 * left as it was) or CAIRN_ENOMEM. */
cairn_err server_cache_dump(struct cache *c, const char *path, size_t *count);
/* Receives one problem of a file: file, line (0: the whole file), message. */
typedef void (*server_report_fn)(void *ctx, const char *file, unsigned line,
				 const char *msg);
struct server_cache_load_stats {
	size_t loaded;           /* entries stored */
	size_t expired;          /* older than max_age past their expiry: dropped */
	size_t malformed;        /* lines or entries reported and skipped */
	uint32_t max_age;        /* as given */
};
/* Reads a file server_cache_dump wrote into c (its byte budget and ranks
 * apply); entries that expired more than max_age seconds ago are dropped,
 * malformed lines are reported (file:line) and their entry skipped.
 * Returns CAIRN_OK with *st filled, CAIRN_EIO when the file cannot be
 * opened (errno), CAIRN_ENOMEM. */
cairn_err server_cache_load(struct cache *c, const char *path, uint32_t max_age,
			    server_report_fn report, void *ctx,
			    struct server_cache_load_stats *st);

#endif
