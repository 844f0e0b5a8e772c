/* resolve: the iterative resolver (RFC 1034 §5.3.3) a worker thread runs
 * for names outside our zones; c-ares is its transport (transport.c only). */
#ifndef CAIRN_RESOLVE_H
#define CAIRN_RESOLVE_H

#include "cairn/common.h"
#include "cairn/wire.h"

struct resolver;          /* one per worker thread; not thread safe */
struct resolver_config;   /* settings from cairnd.conf (defined below) */
struct cache;             /* shared by all workers; thread safe */

/* Called once per query with the complete response (ID, question, flags
 * already set for the client). resp is only valid during the call. */
typedef void (*resolve_done_fn)(void *ctx, const uint8_t *resp, size_t len);

/* Creates a worker's resolver. Its sockets are added to epoll_fd with
 * data.ptr pointing to a struct cairn_event (see common.h). */
cairn_err resolver_new(const struct resolver_config *cfg, struct cache *cache,
		       int epoll_fd, struct resolver **out);
void resolver_free(struct resolver *r);
/* Starts answering q (not authoritative here). limit is the largest response
 * the client accepts. done is called exactly once, possibly before this
 * returns (cache hit), unless resolver_cancel(ctx) is called first. */
cairn_err resolver_query(struct resolver *r, const struct wire_query *q, size_t limit,
			 resolve_done_fn done, void *ctx);
/* Forgets every pending query whose ctx is ctx (client went away). */
void resolver_cancel(struct resolver *r, void *ctx);
/* Milliseconds until the resolver needs resolver_tick(), -1 for never. */
int resolver_timeout_ms(const struct resolver *r);
void resolver_tick(struct resolver *r);

/* c-ares' version string (static; transport.c, the one file that includes
 * <ares.h>). */
const char *transport_cares_version(void);

#endif
