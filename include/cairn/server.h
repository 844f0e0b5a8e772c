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
};
/* Fills rc from cfg. Returns CAIRN_OK (free with server_rconfig_free),
 * CAIRN_ENOMEM or CAIRN_EINVAL (a forward-zone name that does not parse);
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

#endif
