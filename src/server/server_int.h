/* server internals shared by server.c (workers, sockets, loop), udp.c,
 * tcp.c and dispatch.c. Not part of any other module's interface. */
#ifndef CAIRN_SERVER_INT_H
#define CAIRN_SERVER_INT_H

#include "cairn/common.h"
#include "cairn/server.h"
#include "cairn/stats.h"
#include "cairn/wire.h"
#include "cairn/zone.h"
#include "cairn/resolve.h"
#include "abuse_int.h"
#include "acache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define UDP_BATCH     32      /* datagrams per recvmmsg/sendmmsg */
#define UDP_ROUNDS    4       /* batches per readiness event before others run */
#define UDP_BURST     16      /* batches udp_burst reads before others run */
#define UDP_BURST_WAIT_US 1000 /* ... and how long it waits for one (SO_RCVTIMEO) */
#define UDP_RX_SIZE   4096    /* largest query read; larger ones are cut */
#define UDP_TX_SIZE   4096    /* >= the largest edns-buffer-size */
#define TCP_MSG_MAX   65535   /* RFC 1035 §4.2.2: 16-bit length prefix */
#define TCP_WBUF_HIGH 65536   /* stop reading a connection with this much unsent */
#define TCP_ACCEPTS   64      /* accepts per readiness event */

struct worker;

/* Settings the workers read; copied from the config, immutable but for
 * log_queries (set-option, reconf.c). */
struct server_settings {
	uint16_t edns_size;
	unsigned tcp_idle_ms;
	unsigned tcp_max_conns;
	_Atomic bool log_queries;
	bool recursion;
	bool answer_cookie;      /* DNS cookies (RFC 7873) */
	bool cookie_required;    /* BADCOOKIE over UDP without a valid server cookie */
	unsigned answer_cache;   /* answer cache entries per worker (0: none) */
};

struct udp_sock {
	struct cairn_event ev;   /* first: epoll data.ptr */
	struct worker *w;
	int fd;
	int family;
	bool pktinfo;            /* wildcard address: reply from the queried one */
};

struct tcp_listener {
	struct cairn_event ev;
	struct worker *w;
	int fd;
};

struct tcp_conn;
struct explain_req;
struct infra_req;

/* A query the resolver answers later (doc/ARCHITECTURE.md, "Late
 * answers"). dispatch_query() allocates it (src->late_size bytes, this
 * first), hands it to the resolver and returns it to udp.c or tcp.c, which
 * fill in where the answer goes; the resolver's run loop, never anything
 * inside dispatch, later calls deliver() exactly once with the response
 * (resp NULL: none will come) and deliver frees it. */
struct dispatch_late {
	struct worker *w;
	void (*deliver)(struct dispatch_late *l, const uint8_t *resp, size_t len);
	uint64_t start_ms;            /* when it arrived: resolution time statistics */
	struct cairn_sockaddr client; /* for log-queries */
	bool tcp;
};

struct tcp_conn {
	struct cairn_event ev;
	struct worker *w;
	int fd;
	bool dead;               /* closed; freed after the current event batch */
	bool eof;                /* the client closed its side */
	uint32_t events;         /* epoll interest currently registered */
	uint64_t last_ms;        /* last progress (read or write) */
	struct tcp_conn *prev, *next; /* activity list, least recent first */
	struct cairn_sockaddr peer;
	uint8_t *rbuf;           /* framed queries received, not yet answered */
	size_t rlen, rcap;
	uint8_t *wbuf;           /* framed responses not yet sent, from woff */
	size_t woff, wlen, wcap;
	unsigned pending;        /* queries whose answer comes later (resolver) */
	struct tcp_late *late;   /* their contexts (tcp.c) */
	struct xfr_out *xfr;     /* zone transfer being sent (xfr_hook.c) */
};

struct worker {
	struct server *srv;
	unsigned id;
	pthread_t thread;
	bool started;
	int epfd;
	int wakefd;              /* eventfd: server_stop (stop), other workers' resolvers (a claim ended) */
	struct cairn_event wake_ev;
	bool running;
	_Atomic bool stop;       /* server_stop: the wake event means "stop" */

	/* zone set in use during one loop iteration (see server.c) */
	_Alignas(64) _Atomic uint64_t active_gen; /* 0 while not reading zones */
	const struct zone_set *zones;

	struct udp_sock *udp;
	size_t n_udp;
	struct tcp_listener *tcpl;
	size_t n_tcpl;

	/* TCP connections: activity list (head = least recently active) */
	struct tcp_conn *conn_head, *conn_tail;
	size_t n_conns;
	struct tcp_conn *graveyard; /* closed, freed at the end of the batch */

	struct udp_batch *batch; /* recvmmsg/sendmmsg buffers */
	uint8_t *tcp_out;        /* response buffer for TCP (TCP_MSG_MAX) */
	struct resolver *resolver; /* NULL unless recursion: yes */
	struct acache *acache;   /* UDP answers built lately (NULL: off) */
	uint32_t now_s;          /* coarse monotonic seconds, read per UDP batch */
	struct udp_sock *udp_hot; /* the last socket a readiness event gave queries */
	struct udp_sock *udp_parked; /* out of the epoll set: udp_burst reads it */
	struct cookie_memo cookie_memo; /* server cookies computed lately */
	_Atomic(struct explain_req *) explain_in; /* explain.c's one-slot mailbox */
	_Atomic(struct infra_req *) infra_in;     /* infra.c's one-slot mailbox */
	struct stats_counters stats; /* written by this worker only (stats.h) */
};

struct server {
	struct server_settings set;
	struct cairn_sockaddr *listen;
	size_t n_listen;
	unsigned n_workers;
	struct worker *workers;
	_Atomic(struct zone_set *) zones;
	_Atomic uint64_t zones_gen;  /* bumped by each server_set_zones */
	pthread_mutex_t swap_lock;   /* one swap at a time */
	/* the resolver (recursion: yes): one shared cache, ACL, settings */
	struct cache *cache;
	struct server_rconfig rc;    /* resolver and cache settings; after start-up
	                              * changed under rc_lock (reconf.c) */
	pthread_mutex_t rc_lock;
	struct cairn_prefix *allow;
	size_t n_allow;
	/* abuse defences, shared by the workers without locks (abuse_int.h) */
	struct cookie_jar cookies;   /* answer_cookie: the server secrets */
	struct rrl *rrl;             /* NULL: no response rate limiting */
};

/* ---- server.c ---- */
/* The worker announces the zone set generation it reads and loads the
 * set (server_enter), or that it holds none (server_leave, before it
 * sleeps). */
void server_enter(struct worker *w);
void server_leave(struct worker *w);

/* ---- explain.c ---- */
/* On worker w's thread, when woken: starts the explain request waiting in
 * its mailbox, if any. */
void server_explain_poll(struct worker *w);
/* ---- infra.c ---- */
/* On worker w's thread (with a resolver), when woken: carries out the
 * infra / flush-infra request waiting in its mailbox, if any. */
void server_infra_poll(struct worker *w);
/* Gives every worker's resolver the changeable settings and the forward
 * zones of cfg (resolver_reconfigure, on each worker's thread); waits at
 * most timeout_ms. Returns as server_infra; CAIRN_ENOMEM also when a
 * worker could not take them. */
cairn_err server_reconf_push(struct server *s, const struct resolver_config *cfg,
			     unsigned timeout_ms);

/* ---- dispatch.c ---- */

/* Where a query came from: for logging and the allow-recursion check. */
struct dispatch_src {
	const struct sockaddr *addr;
	bool tcp;
	size_t late_size;              /* size of the caller's late context
	                                * (struct dispatch_late first) */
	void (*deliver)(struct dispatch_late *l, const uint8_t *resp, size_t len);
};

/* What follows a query that dispatch_query could not answer at once: the
 * handles it returns to udp.c or tcp.c (dispatch knows no sockets). */
struct dispatch_next {
	/* the resolver answers later: the caller owns nothing yet must say
	 * where the answer goes (the fields after struct dispatch_late)
	 * before it returns to the event loop; src->deliver sends it */
	struct dispatch_late *late;
	/* a zone transfer's messages follow (TCP only): the caller owns it,
	 * attaches it to the connection and pumps it (tcp_xfr_pump) */
	struct xfr_out *xfr;
};

/* Answers the query pkt[0..len) into out (cap bytes, at least UDP_TX_SIZE
 * for UDP and TCP_MSG_MAX for TCP) from the worker's current zone set or
 * the cache. Returns the response length, 0 when the query gets no answer
 * now (then next may hold what follows); allocates nothing on the answer
 * and cache-hit paths. */
size_t dispatch_query(struct worker *w, const uint8_t *pkt, size_t len,
		      const struct dispatch_src *src, uint8_t *out, size_t cap,
		      struct dispatch_next *next);
/* A parsed query: what dispatch_answer takes. */
struct dispatch_in {
	struct wire_query q;
	enum wire_verdict verdict;   /* wire_query_parse's */
	bool rrl_keyed;              /* rrl_key holds the rate limiting key of */
	uint64_t rrl_key;            /* a positive answer (dispatch_prefetch) */
};
/* dispatch_query for a query already parsed into in (which it may
 * change: the response's cookie is set in in->q). */
size_t dispatch_answer(struct worker *w, struct dispatch_in *in,
		       const struct dispatch_src *src, uint8_t *out, size_t cap,
		       struct dispatch_next *next);
/* Before answering the batch in[0..n) from clients[0..n) (udp.c): starts
 * loading into the CPU's cache what the answers will read from the
 * worker's zones, the cache and the rate limiting table (zone_set_prefetch,
 * cache_prefetch, rrl_prefetch, with the key kept in in[i]), so that a
 * batch waits for memory once per step, not once per step and query. */
void dispatch_prefetch(const struct worker *w, struct dispatch_in *in,
		       const struct sockaddr_storage *clients, unsigned n);

/* ---- xfr_hook.c: zone transfers and NOTIFY (xfr.h) ---- */
struct xfr_out;
/* Answers an AXFR/IXFR query or a NOTIFY q into out (limit bytes) and
 * sets *rcode and *source. Over TCP a transfer returns 0 and sets *xfr
 * (the caller's: tcp.c attaches it to the connection, whose messages
 * tcp_xfr_pump then queues). */
size_t dispatch_xfr(struct worker *w, const struct wire_query *q,
		    const struct dispatch_src *src, uint8_t *out, size_t limit,
		    unsigned *rcode, enum stats_source *source, struct xfr_out **xfr);
/* Queues messages of c's transfer until TCP_WBUF_HIGH bytes wait; ends
 * it after the last. Returns false when c was closed. */
bool tcp_xfr_pump(struct tcp_conn *c);
/* Ends c's transfer, if any (the connection closes). */
void tcp_xfr_end(struct tcp_conn *c);

/* ---- udp.c ---- */
struct udp_batch;
/* Allocates a worker's batch buffers; NULL when out of memory. */
struct udp_batch *udp_batch_new(void);
void udp_batch_free(struct udp_batch *b);
/* epoll handler of a struct udp_sock: up to UDP_ROUNDS batches. */
void udp_on_event(struct cairn_event *ev, uint32_t events);
/* After an event loop iteration in which a UDP socket gave queries
 * (w->udp_hot), or with a socket parked (w->udp_parked), while the worker
 * serves nothing else (no TCP connection, no resolution, no timer): reads
 * that socket blocking, as the floor does, up to UDP_BURST batches or
 * until none comes within UDP_BURST_WAIT_US, so that a busy UDP server
 * saves the epoll_wait per batch. Stops at once when a batch starts a
 * resolution. The socket is out of the worker's epoll set meanwhile
 * (parked); after UDP_BURST batches it stays so, and the event loop,
 * which then polls the others without sleeping, calls udp_burst again;
 * otherwise it is back in the set. */
void udp_burst(struct worker *w);
/* Reads the address a datagram was sent to from rx's IP_PKTINFO /
 * IPV6_PKTINFO into *local (IPv6 scope = the interface). Returns false when
 * rx carries none. */
bool udp_local_addr(const struct msghdr *rx, struct cairn_sockaddr *local);

/* ---- tcp.c ---- */
/* epoll handler of a struct tcp_listener. */
void tcp_on_accept(struct cairn_event *ev, uint32_t events);
/* Queues a response (without length prefix) on c; it is sent at the end of
 * c's event, or by tcp_conn_kick() outside it. Returns CAIRN_OK, or
 * CAIRN_ENOMEM / CAIRN_ELIMIT / CAIRN_EIO after which c is closed. */
cairn_err tcp_conn_send(struct tcp_conn *c, const uint8_t *resp, size_t len);
/* Closes connections idle for tcp_idle_ms at now_ms (0: the clock is read,
 * only when there is a connection); returns the milliseconds until the
 * next one may expire, -1 when there is none. */
int tcp_sweep_idle(struct worker *w, uint64_t now_ms);
/* Frees the connections closed during the last event batch. */
void tcp_bury(struct worker *w);
/* Closes every connection of w (worker shutdown). */
void tcp_close_all(struct worker *w);

#endif
