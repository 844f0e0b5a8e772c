/* transport: the resolver's upstream I/O on c-ares 1.18.1 — the only file
 * that includes <ares.h> (doc/ARCHITECTURE.md, rule 4). One channel per upstream
 * server address and protocol, TRIES=1 (the iterator owns retries and
 * server choice), NOCHECKRESP (SERVFAIL/REFUSED reach the iterator), IGNTC
 * (the iterator retries over TCP itself), every option set so c-ares never
 * reads resolv.conf, sockets in the worker's level-triggered epoll through
 * ARES_OPT_SOCK_STATE_CB. Channels are retired after a few queries so the
 * UDP source port keeps changing (RFC 5452 §9.2). */
#include "resolve_int.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define CHAN_MAX_USES   16     /* queries before a channel is retired */
#define CHAN_MAX_LIVE   128    /* idle channels beyond this are closed */
#define CHAN_IDLE_MS    30000
#define CHAN_BUCKETS    256    /* channels found by their server's address */
#define CHAN_SWEEP_MS   200    /* idle and retiring channels closed this often */

struct chan;

struct tfd {                    /* one c-ares socket in the epoll set */
	struct cairn_event ev;      /* first: epoll data.ptr */
	int fd;
	bool dead;                  /* closed; freed at the next tick */
	uint32_t events;
	struct chan *c;
	struct tfd *next;
};

struct chan {
	ares_channel ch;
	struct transport *t;
	struct cairn_sockaddr addr;
	bool tcp;
	uint16_t udp_size;          /* EDNS buffer (UDP with OPT), else 0 */
	bool retiring;
	unsigned pending, uses;
	uint64_t last_use;
	struct tfd *fds;
	struct chan *next;          /* every channel (timeouts, retiring) */
	struct chan *hnext;         /* same address bucket */
};

struct treq {
	transport_done_fn fn;
	void *arg;
	struct chan *c;
	bool in_send;               /* ares_send has not returned yet */
	bool queued;                /* on the transport's timeout queue */
	cairn_err err;              /* deferred completion */
	uint64_t deadline;          /* ms: c-ares times it out by then */
	struct treq *next;          /* deferred list */
	struct treq *tprev, *tnext; /* timeout queue, oldest first */
};

struct transport {
	int epoll_fd;
	unsigned timeout_ms;
	unsigned nchan;
	struct chan *chans;
	struct chan *bucket[CHAN_BUCKETS];
	struct tfd *dead;           /* closed sockets awaiting free */
	struct treq *deferred;      /* failed inside ares_send: run at tick */
	/* Queries in the order sent: all have the same timeout, so the
	 * oldest is the next to expire. The loop asks c-ares about that one
	 * channel only, never every channel (whose ares_timeout walks all of
	 * its queries) at every turn. */
	struct treq *oldest, *newest;
	uint64_t next_sweep;        /* ms: idle and retiring channels closed */
};

static void tq_unlink(struct transport *t, struct treq *q)
{
	if (!q->queued)
		return;
	if (q->tprev)
		q->tprev->tnext = q->tnext;
	else
		t->oldest = q->tnext;
	if (q->tnext)
		q->tnext->tprev = q->tprev;
	else
		t->newest = q->tprev;
	q->tprev = q->tnext = NULL;
	q->queued = false;
}

/* Returns c-ares' version string (static). */
const char *transport_cares_version(void)
{
	return ares_version(NULL);
}

static void tfd_event(struct cairn_event *ev, uint32_t events)
{
	struct tfd *f = (struct tfd *)ev;
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (f->dead)
		return;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rfd = f->fd;
	if (events & EPOLLOUT)
		wfd = f->fd;
	/* May close this very socket (sock_state_cb marks f dead) or run
	 * callbacks that send more queries; f is freed only at the tick. */
	ares_process_fd(f->c->ch, rfd, wfd);
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct chan *c = data;
	struct transport *t = c->t;
	struct tfd **pp, *f = NULL;
	struct epoll_event ee;

	for (pp = &c->fds; *pp; pp = &(*pp)->next)
		if ((*pp)->fd == fd) {
			f = *pp;
			break;
		}
	if (!readable && !writable) {
		if (!f)
			return;
		epoll_ctl(t->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		*pp = f->next;
		f->dead = true;
		f->next = t->dead;
		t->dead = f;
		return;
	}
	memset(&ee, 0, sizeof(ee));
	ee.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f) {
			log_err("resolver: out of memory adding an upstream socket");
			return; /* the query times out through ares_timeout */
		}
		f->ev.fn = tfd_event;
		f->fd = fd;
		f->c = c;
		ee.data.ptr = f;
		if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, fd, &ee) != 0) {
			log_err("resolver: epoll_ctl: %s", strerror(errno));
			free(f);
			return;
		}
		f->events = ee.events;
		f->next = c->fds;
		c->fds = f;
		return;
	}
	if (f->events != ee.events) {
		ee.data.ptr = f;
		if (epoll_ctl(t->epoll_fd, EPOLL_CTL_MOD, fd, &ee) == 0)
			f->events = ee.events;
	}
}

static unsigned addr_bucket(const struct cairn_sockaddr *sa)
{
	return (unsigned)(wire_name_hash((const uint8_t *)&sa->ss, sa->len) % CHAN_BUCKETS);
}

static cairn_err chan_open(struct transport *t, const struct cairn_sockaddr *sa,
			   bool tcp, uint16_t udp_size, struct chan **out)
{
	struct ares_options o;
	struct ares_addr_port_node node;
	struct in_addr dummy;
	char lookups[] = "b";
	struct chan *c;
	uint16_t port;
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c)
		return CAIRN_ENOMEM;
	c->t = t;
	c->addr = *sa;
	c->tcp = tcp;
	c->udp_size = tcp ? 0 : udp_size;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
		  ARES_FLAG_IGNTC | (tcp ? ARES_FLAG_USEVC : 0);
	/* c-ares cuts UDP replies to 512 bytes unless ARES_FLAG_EDNS gives it
	 * a larger size. ares_send never adds OPT itself (our packet has it);
	 * with the flag, a FORMERR without OPT makes c-ares resend the query
	 * without its last 11 bytes (our OPT): the RFC 6891 §7 fallback.
	 * Packets without OPT use channels without the flag. */
	if (c->udp_size) {
		o.flags |= ARES_FLAG_EDNS;
		o.ednspsz = c->udp_size;
	}
	o.timeout = (int)t->timeout_ms;
	o.tries = 1;
	o.ndots = 1;
	dummy.s_addr = htonl(INADDR_LOOPBACK);  /* replaced below */
	o.servers = &dummy;
	o.nservers = 1;
	o.domains = NULL;
	o.ndomains = 0;
	o.lookups = lookups;
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = c;
	o.sortlist = NULL;
	o.nsort = 0;
	/* Setting every one of these keeps c-ares away from resolv.conf. */
	rc = ares_init_options(&c->ch, &o,
			       ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
			       ARES_OPT_NDOTS | ARES_OPT_SERVERS | ARES_OPT_DOMAINS |
			       ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB |
			       ARES_OPT_SORTLIST | ARES_OPT_NOROTATE |
			       (c->udp_size ? ARES_OPT_EDNSPSZ : 0));
	if (rc != ARES_SUCCESS) {
		free(c);
		return rc == ARES_ENOMEM ? CAIRN_ENOMEM : CAIRN_EIO;
	}
	memset(&node, 0, sizeof(node));
	if (sa->ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&sa->ss;
		node.family = AF_INET;
		node.addr.addr4 = in->sin_addr;
		port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa->ss;
		node.family = AF_INET6;
		memcpy(&node.addr.addr6, &in6->sin6_addr, 16);
		port = ntohs(in6->sin6_port);
	}
	node.udp_port = port;
	node.tcp_port = port;
	rc = ares_set_servers_ports(c->ch, &node);
	if (rc != ARES_SUCCESS) {
		ares_destroy(c->ch);
		free(c);
		return CAIRN_EIO;
	}
	c->next = t->chans;
	t->chans = c;
	c->hnext = t->bucket[addr_bucket(sa)];
	t->bucket[addr_bucket(sa)] = c;
	t->nchan++;
	*out = c;
	return CAIRN_OK;
}

static void chan_close(struct transport *t, struct chan *c)
{
	struct chan **pp;

	for (pp = &t->chans; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	for (pp = &t->bucket[addr_bucket(&c->addr)]; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	t->nchan--;
	/* Runs pending callbacks with ARES_EDESTRUCTION and closes sockets
	 * through sock_state (which moves them to the dead list). */
	ares_destroy(c->ch);
	free(c);
}

static bool same_addr(const struct cairn_sockaddr *a, const struct cairn_sockaddr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

cairn_err transport_new(int epoll_fd, unsigned timeout_ms, struct transport **out)
{
	struct transport *t = calloc(1, sizeof(*t));

	if (!t)
		return CAIRN_ENOMEM;
	t->epoll_fd = epoll_fd;
	t->timeout_ms = timeout_ms ? timeout_ms : 1000;
	*out = t;
	return CAIRN_OK;
}

static void free_dead(struct transport *t)
{
	while (t->dead) {
		struct tfd *f = t->dead;
		t->dead = f->next;
		free(f);
	}
}

void transport_free(struct transport *t)
{
	if (!t)
		return;
	while (t->chans)
		chan_close(t, t->chans);
	while (t->deferred) {
		struct treq *q = t->deferred;
		t->deferred = q->next;
		q->fn(q->arg, CAIRN_ENOTFOUND, NULL, 0);
		free(q);
	}
	free_dead(t);
	free(t);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct treq *q = arg;
	struct chan *c = q->c;
	cairn_err err;

	(void)timeouts;
	c->pending--;
	tq_unlink(c->t, q);
	if (q->in_send) {
		/* c-ares failed synchronously (e.g. no route): keep the promise
		 * that fn never runs before transport_send returns. */
		q->err = status == ARES_ENOMEM ? CAIRN_ENOMEM : CAIRN_EINVAL;
		q->next = c->t->deferred;
		c->t->deferred = q;
		return;
	}
	switch (status) {
	case ARES_SUCCESS:
		err = CAIRN_OK;
		break;
	case ARES_ETIMEOUT:
		err = CAIRN_ELIMIT;
		break;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		err = CAIRN_ENOTFOUND;
		break;
	default:
		log_debug("resolver: c-ares: %s", ares_strerror(status));
		err = CAIRN_EIO;
		break;
	}
	if (err != CAIRN_OK || !abuf || alen < 0) {
		if (err == CAIRN_OK)
			err = CAIRN_EIO;
		abuf = NULL;
		alen = 0;
	}
	q->fn(q->arg, err, abuf, (size_t)alen);
	free(q);
}

cairn_err transport_send(struct transport *t, const struct cairn_sockaddr *server,
			 bool tcp, uint16_t udp_size, const uint8_t *pkt, size_t len,
			 transport_done_fn fn, void *arg)
{
	struct chan *c, *found = NULL;
	struct treq *q;
	cairn_err err;

	if (len > 65535)
		return CAIRN_EINVAL;
	for (c = t->bucket[addr_bucket(server)]; c; c = c->hnext)
		if (!c->retiring && c->tcp == tcp && c->udp_size == (tcp ? 0 : udp_size) &&
		    same_addr(&c->addr, server)) {
			found = c;
			break;
		}
	if (!found) {
		err = chan_open(t, server, tcp, udp_size, &found);
		if (err != CAIRN_OK)
			return err;
	}
	c = found;
	q = malloc(sizeof(*q));
	if (!q)
		return CAIRN_ENOMEM;
	q->fn = fn;
	q->arg = arg;
	q->c = c;
	q->in_send = true;
	q->queued = false;
	q->tprev = q->tnext = NULL;
	q->next = NULL;
	c->pending++;
	c->uses++;
	c->last_use = cairn_now_ms();
	/* RFC 5452 §9.2: a channel keeps its UDP socket (source port) while
	 * queries are pending; retiring it after a few uses forces new ones. */
	if (!tcp && c->uses >= CHAN_MAX_USES)
		c->retiring = true;
	/* queued first: a synchronous failure inside ares_send unlinks it */
	q->deadline = c->last_use + t->timeout_ms + 1;
	q->queued = true;
	q->tprev = t->newest;
	if (t->newest)
		t->newest->tnext = q;
	else
		t->oldest = q;
	t->newest = q;
	ares_send(c->ch, pkt, (int)len, on_answer, q);
	/* q may already sit on the deferred list; it is not freed there. */
	q->in_send = false;
	return CAIRN_OK;
}

int transport_timeout_ms(struct transport *t)
{
	uint64_t now = cairn_now_ms();
	long best = -1;

	if (t->deferred)
		return 0;
	if (t->oldest)
		best = t->oldest->deadline <= now ? 0 : (long)(t->oldest->deadline - now);
	/* closed sockets to free, idle or retiring channels to close */
	if ((t->dead || t->nchan) && (best < 0 || best > CHAN_SWEEP_MS))
		best = CHAN_SWEEP_MS;
	return best > 0x7fffffff ? 0x7fffffff : (int)best;
}

unsigned transport_channels(const struct transport *t)
{
	return t->nchan;
}

void transport_tick(struct transport *t)
{
	uint64_t now = cairn_now_ms();
	struct chan *c, *next;

	free_dead(t);
	while (t->deferred) {
		struct treq *q = t->deferred;
		t->deferred = q->next;
		q->fn(q->arg, q->err, NULL, 0);
		free(q);
	}
	/* Timeouts: processing a channel with no ready fd handles its expired
	 * queries; only the channels of queries past their deadline. A query
	 * c-ares does not expire yet (its clock is a little behind) is looked
	 * at again shortly. */
	while (t->oldest && t->oldest->deadline <= now) {
		struct treq *q = t->oldest;

		ares_process_fd(q->c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		if (t->oldest == q) {
			q->deadline = now + 5;
			break;
		}
	}
	/* idle and retiring channels, at most every CHAN_SWEEP_MS */
	if (now >= t->next_sweep) {
		t->next_sweep = now + CHAN_SWEEP_MS;
		for (c = t->chans; c; c = next) {
			next = c->next;
			if (c->pending)
				continue;
			if (c->retiring || now - c->last_use > CHAN_IDLE_MS ||
			    t->nchan > CHAN_MAX_LIVE)
				chan_close(t, c);
		}
	}
	free_dead(t);
}

static cairn_err io_send(void *ctx, const struct cairn_sockaddr *server, bool tcp,
			 uint16_t udp_size, const uint8_t *pkt, size_t len,
			 resolver_reply_fn fn, void *arg)
{
	return transport_send(ctx, server, tcp, udp_size, pkt, len, fn, arg);
}

static uint64_t io_now(void *ctx)
{
	(void)ctx;
	return cairn_now_ms();
}

static int io_timeout(void *ctx)
{
	return transport_timeout_ms(ctx);
}

static void io_tick(void *ctx)
{
	transport_tick(ctx);
}

/* Retires every UDP channel of server: the next query opens a new one,
 * with a new socket and source port. */
static void io_renew(void *ctx, const struct cairn_sockaddr *server)
{
	struct transport *t = ctx;

	for (struct chan *c = t->bucket[addr_bucket(server)]; c; c = c->hnext)
		if (!c->tcp && same_addr(&c->addr, server))
			c->retiring = true;
}

static void io_free(void *ctx)
{
	transport_free(ctx);
}

void transport_io(struct transport *t, struct resolver_io *io)
{
	memset(io, 0, sizeof(*io));
	io->ctx = t;
	io->send = io_send;
	io->now_ms = io_now;
	io->timeout_ms = io_timeout;
	io->tick = io_tick;
	io->renew = io_renew;
	io->free = io_free;
}
