/* replay_int: the replay harness's state shared by its files: the
 * scripted network and fake clock (replay_net.c), the steps and the
 * cmocka driver (replay.c), the harness's own tests (replay_selftest.c). */
#ifndef CAIRN_TESTS_REPLAY_INT_H
#define CAIRN_TESTS_REPLAY_INT_H

#include "cairn/cache.h"
#include "cairn/config.h"
#include "cairn/resolve.h"
#include "rpl.h"
#include "cairn/server.h"

#define REPLAY_SEED      0x5eed2026u
#define REPLAY_START_MS  1000000000ull   /* fake clock at start (a whole second) */
#define REPLAY_WALL_BASE 1767225600ull  /* wall clock at start: 2026-01-01T00:00:00Z */
#define REPLAY_MAX_ITER  200000          /* loop turns per run */
#define REPLAY_MAX_WAIT  (600 * 1000ull) /* fake ms a CHECK may wait */
#define REPLAY_MSG       16384

/* A query the resolver sent, with its reply (or a timeout) to come. */
struct pend {
	struct pend *next;
	uint64_t seq, due;
	resolver_reply_fn fn;
	void *arg;
	uint8_t *reply;           /* NULL: CAIRN_ELIMIT at due */
	size_t reply_len;
};

/* The log of queries sent upstream, for CHECK_OUT_QUERY. */
struct sent {
	uint8_t *pkt;
	size_t len;
	bool tcp;
	char server[64];
};

struct answer {
	struct answer *next;
	uint8_t *pkt;
	size_t len;
};

struct client_q {
	struct client_q *next;
	uint16_t id;
	bool answered;
};

struct replay {
	const struct rpl_scenario *s;
	struct resolver *r;
	struct cache *cache;
	struct server_rconfig rc;    /* the resolver's and cache's settings */
	unsigned upstream_timeout_ms;
	uint64_t now;             /* fake clock, ms */
	unsigned step;            /* current step number (RANGE selection) */
	uint64_t seq;
	struct pend *pend;
	struct sent *sent;
	size_t nsent, sent_cap, nchecked;
	uint64_t dropped;         /* replies with a wrong ID (as c-ares drops them) */
	struct answer *answers, **answers_tail;
	struct client_q *clients;
	uint16_t next_id;
	bool in_query, in_reply;  /* inside resolver_query / a reply callback */
	unsigned sync_done;       /* completions that ran inside one of them */
	bool verbose;
	bool explained;           /* EXPLAIN: the explain function ran */
	char *explain;            /* its log, runs of spaces collapsed */
	char *msg;                /* failure message */
	size_t msglen;
};


/* Appends a message to rp->msg; returns false (for "return replay_fail()"). */
bool replay_fail(struct replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fills io with rp's scripted network and fake clock (seed fixed). */
void replay_io(struct replay *rp, struct resolver_io *io);
/* Runs the resolver until stop(rp) is true, or the fake clock reaches
 * until (when nonzero), delivering replies and timeouts when they are due
 * and moving the clock to the next due event when nothing else can
 * happen. False (with the reason in rp->msg) when the resolver goes idle,
 * waits too long or never settles. */
bool replay_run(struct replay *rp, bool (*stop)(struct replay *), uint64_t until,
		const char *what);
/* Runs a parsed scenario against a fresh resolver and cache; false with
 * the reason in msg (msglen bytes). */
bool replay_scenario(const struct rpl_scenario *s, char *msg, size_t msglen);

/* The harness's own tests (replay_selftest.c). */
struct CMUnitTest;
size_t replay_selftests(const struct CMUnitTest **out);

#endif
