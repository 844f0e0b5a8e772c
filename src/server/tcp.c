/* tcp: a worker's DNS-over-TCP connections (RFC 7766): 2-byte length
 * framing (RFC 1035 §4.2.2), several pipelined queries per connection
 * answered as they come (§6.2.1.1), per-connection read and write buffers
 * so that partial reads and writes never block the worker, an idle timeout
 * (§6.2.3) and a per-worker connection limit (§6.1).
 *
 * At the limit a new connection is accepted and the least recently active
 * one is closed to make room: a client that connects and stays silent can
 * never lock others out. Every connection sits in an activity list (least
 * recent first), so the idle sweep and the eviction are O(1). */
#include "server_int.h"

#include <assert.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#define RBUF_INITIAL 2048
#define WBUF_INITIAL 4096
#define RBUF_MAX     (2 + TCP_MSG_MAX)

static void list_remove(struct worker *w, struct tcp_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conn_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		w->conn_tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct worker *w, struct tcp_conn *c)
{
	c->prev = w->conn_tail;
	c->next = NULL;
	if (w->conn_tail)
		w->conn_tail->next = c;
	else
		w->conn_head = c;
	w->conn_tail = c;
}

/* Marks progress on c: it becomes the most recently active. */
static void touch(struct tcp_conn *c)
{
	c->last_ms = cairn_now_ms();
	if (c->w->conn_tail != c) {
		list_remove(c->w, c);
		list_append(c->w, c);
	}
}

/* A TCP query the resolver answers later: on its connection's list until
 * answered or cancelled (conn_close). */
struct tcp_late {
	struct dispatch_late base;   /* first */
	struct tcp_conn *c;
	struct tcp_late *prev, *next;
};

static void tcp_late_link(struct tcp_conn *c, struct tcp_late *l)
{
	l->c = c;
	l->prev = NULL;
	l->next = c->late;
	if (c->late)
		c->late->prev = l;
	c->late = l;
}

static void tcp_late_unlink(struct tcp_late *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else if (l->c->late == l)
		l->c->late = l->next;
	if (l->next)
		l->next->prev = l->prev;
	l->prev = l->next = NULL;
}

static void conn_close(struct tcp_conn *c)
{
	struct worker *w = c->w;

	if (c->dead)
		return;
	/* no late answer may reach a freed connection */
	while (c->late) {
		struct tcp_late *l = c->late;

		if (w->resolver)
			resolver_cancel(w->resolver, l);
		tcp_late_unlink(l);
		free(l);
	}
	c->pending = 0;
	tcp_xfr_end(c);
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	list_remove(w, c);
	w->n_conns--;
	/* freed by tcp_bury once no event of this batch can refer to it */
	c->next = w->graveyard;
	w->graveyard = c;
}

void tcp_bury(struct worker *w)
{
	while (w->graveyard) {
		struct tcp_conn *c = w->graveyard;

		w->graveyard = c->next;
		free(c->rbuf);
		free(c->wbuf);
		free(c);
	}
}

void tcp_close_all(struct worker *w)
{
	while (w->conn_head)
		conn_close(w->conn_head);
}

int tcp_sweep_idle(struct worker *w, uint64_t now_ms)
{
	uint64_t idle = w->srv->set.tcp_idle_ms;

	if (!w->conn_head) {
		tcp_bury(w);
		return -1;       /* the usual case under UDP load: no clock read */
	}
	if (now_ms == 0)
		now_ms = cairn_now_ms();

	/* RFC 7766 §6.2.3: close connections idle for too long, quietly.
	 * A connection waiting for late answers is not idle. */
	while (w->conn_head && w->conn_head->last_ms + idle <= now_ms) {
		struct tcp_conn *c = w->conn_head;

		if (c->pending) {
			touch(c);
			continue;
		}
		conn_close(c);
	}
	tcp_bury(w);
	if (!w->conn_head)
		return -1;
	return (int)(w->conn_head->last_ms + idle - now_ms);
}

/* Registers the epoll interest c needs now: reading unless too much is
 * unsent or the client has closed, writing while something is unsent. */
static void update_interest(struct tcp_conn *c)
{
	uint32_t want = 0;
	struct epoll_event e;

	if (!c->eof && c->wlen - c->woff < TCP_WBUF_HIGH)
		want |= EPOLLIN;
	if (c->wlen > c->woff)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	e.events = want;
	e.data.ptr = &c->ev;
	if (epoll_ctl(c->w->epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = want;
	else
		conn_close(c);
}

/* Writes as much of the unsent buffer as the socket takes. Returns false
 * when the connection failed (and was closed). */
static bool flush(struct tcp_conn *c)
{
	ssize_t n;

	while (c->wlen > c->woff) {
		n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
		if (n > 0) {
			c->woff += (size_t)n;
			touch(c);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		log_debug("tcp: send: %s", strerror(errno));
		conn_close(c);
		return false;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	return true;
}

cairn_err tcp_conn_send(struct tcp_conn *c, const uint8_t *resp, size_t len)
{
	size_t need;

	if (c->dead)
		return CAIRN_EIO;
	if (len > TCP_MSG_MAX) {
		conn_close(c);
		return CAIRN_ELIMIT;
	}
	if (c->woff > 0 && c->woff == c->wlen)
		c->woff = c->wlen = 0;
	need = c->wlen + 2 + len;
	if (need > c->wcap) {
		size_t cap = c->wcap ? c->wcap : WBUF_INITIAL;
		uint8_t *grown;

		if (c->woff > 0) { /* reclaim what was sent before growing */
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
			need = c->wlen + 2 + len;
		}
		while (cap < need)
			cap *= 2;
		grown = cap > c->wcap ? realloc(c->wbuf, cap) : c->wbuf;
		if (!grown) {
			log_warn("tcp: out of memory for a response, connection closed");
			conn_close(c);
			return CAIRN_ENOMEM;
		}
		c->wbuf = grown;
		if (cap > c->wcap)
			c->wcap = cap;
	}
	wire_put16(c->wbuf + c->wlen, (uint16_t)len);
	memcpy(c->wbuf + c->wlen + 2, resp, len);
	c->wlen += 2 + len;
	return CAIRN_OK;
}

static void conn_kick(struct tcp_conn *c);

/* dispatch_late.deliver: an answer from the resolver's run loop, outside
 * any event of c (conn_close cancels those of a closed connection). */
static void late_deliver(struct dispatch_late *base, const uint8_t *resp, size_t len)
{
	struct tcp_late *l = (struct tcp_late *)base;
	struct tcp_conn *c = l->c;

	tcp_late_unlink(l);
	free(l);
	assert(!c->dead && c->pending > 0);
	c->pending--;
	if (resp && tcp_conn_send(c, resp, len) != CAIRN_OK)
		return;     /* c was closed */
	conn_kick(c);
}

/* Answers every complete query in the read buffer, unless the write
 * buffer is full (then the rest waits for EPOLLOUT). Returns false when c
 * was closed. */
static bool process(struct tcp_conn *c)
{
	struct worker *w = c->w;
	struct dispatch_src src = { .addr = (const struct sockaddr *)&c->peer.ss, .tcp = true,
				    .late_size = sizeof(struct tcp_late),
				    .deliver = late_deliver };
	struct dispatch_next next;
	size_t off = 0, mlen, len;

	while (c->rlen - off >= 2 && c->wlen - c->woff < TCP_WBUF_HIGH && !c->xfr) {
		mlen = wire_get16(c->rbuf + off);
		if (c->rlen - off < 2 + mlen)
			break;
		len = dispatch_query(w, c->rbuf + off + 2, mlen, &src, w->tcp_out, TCP_MSG_MAX,
				     &next);
		off += 2 + mlen;
		if (next.late) {
			/* answered from the resolver's run loop, after this */
			tcp_late_link(c, (struct tcp_late *)next.late);
			c->pending++;
		}
		c->xfr = next.xfr;    /* a transfer: its messages follow */
		if (len && tcp_conn_send(c, w->tcp_out, len) != CAIRN_OK)
			return false;
	}
	if (off > 0) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
	return !c->xfr || tcp_xfr_pump(c); /* a transfer started: its first messages */
}

/* Makes room in the read buffer for the message being received. Returns
 * false when out of memory (c is closed). */
static bool make_room(struct tcp_conn *c)
{
	size_t want = c->rcap, need;
	uint8_t *grown;

	if (c->rlen < c->rcap)
		return true;
	need = c->rlen >= 2 ? 2 + (size_t)wire_get16(c->rbuf) : c->rlen + 1;
	while (want < need && want < RBUF_MAX)
		want *= 2;
	if (want > RBUF_MAX)
		want = RBUF_MAX;
	if (want <= c->rcap)
		return true; /* full of complete messages waiting for EPOLLOUT */
	grown = realloc(c->rbuf, want);
	if (!grown) {
		log_warn("tcp: out of memory for a query, connection closed");
		conn_close(c);
		return false;
	}
	c->rbuf = grown;
	c->rcap = want;
	return true;
}

static void on_readable(struct tcp_conn *c)
{
	ssize_t n;

	if (!make_room(c))
		return;
	if (c->rlen == c->rcap)
		return; /* nothing can be read until answers drain */
	n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
	if (n == 0) {
		c->eof = true;
	} else if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("tcp: recv: %s", strerror(errno));
		conn_close(c);
		return;
	} else {
		c->rlen += (size_t)n;
		touch(c);
	}
	process(c);
}

static void on_conn_event(struct cairn_event *ev, uint32_t events)
{
	struct tcp_conn *c = (struct tcp_conn *)ev;

	if (c->dead)
		return;
	if (events & EPOLLIN)
		on_readable(c);
	if (!c->dead && (events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		conn_close(c);
		return;
	}
	if (c->dead)
		return;
	for (;;) {
		size_t before = c->rlen;

		/* answers queued by the read, and those left from before */
		if (!flush(c))
			return;
		if (c->wlen == c->woff && c->xfr) {
			/* all sent: the next messages of the transfer */
			if (!tcp_xfr_pump(c))
				return;
			continue;
		}
		if (c->wlen != c->woff || c->rlen < 2)
			break;
		/* all sent: answer queries held back by a full write buffer */
		if (!process(c))
			return;
		if (c->rlen == before)
			break; /* only an incomplete query is left */
	}
	if (c->eof && c->wlen == c->woff && !c->pending && !c->xfr) {
		/* the client is done sending and has all its answers (an
		 * incomplete query left at EOF can never be answered) */
		conn_close(c);
		return;
	}
	update_interest(c);
}

/* Sends what tcp_conn_send queued outside the connection's own event (late
 * answers from the resolver) and updates its epoll interest; may close c. */
static void conn_kick(struct tcp_conn *c)
{
	if (c->dead || !flush(c))
		return;
	if (c->eof && c->wlen == c->woff && !c->pending) {
		conn_close(c);
		return;
	}
	update_interest(c);
}

void tcp_on_accept(struct cairn_event *ev, uint32_t events)
{
	struct tcp_listener *l = (struct tcp_listener *)ev;
	struct worker *w = l->w;
	int one = 1;

	(void)events;
	for (int i = 0; i < TCP_ACCEPTS; i++) {
		struct cairn_sockaddr peer = { .len = sizeof(peer.ss) };
		struct tcp_conn *c;
		struct epoll_event e;
		int fd;

		fd = accept4(l->fd, (struct sockaddr *)&peer.ss, &peer.len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE) && w->conn_head) {
				/* out of descriptors: free one, retry later */
				log_warn("tcp: accept: %s", strerror(errno));
				conn_close(w->conn_head);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn("tcp: accept: %s", strerror(errno));
			}
			return;
		}
		/* RFC 7766 §6.1: bound concurrent connections; make room by
		 * closing the least recently active one. */
		if (w->n_conns >= w->srv->set.tcp_max_conns && w->conn_head) {
			log_debug("tcp: %zu connections, closing the least active",
				  w->n_conns);
			conn_close(w->conn_head);
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->rbuf = malloc(RBUF_INITIAL);
		if (!c || !c->rbuf) {
			log_warn("tcp: out of memory, connection refused");
			if (c)
				free(c);
			close(fd);
			return;
		}
		c->ev.fn = on_conn_event;
		c->w = w;
		c->fd = fd;
		c->peer = peer;
		c->rcap = RBUF_INITIAL;
		/* answers go out whole, one send per batch: no Nagle delay
		 * between pipelined answers */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		e.events = c->events = EPOLLIN;
		e.data.ptr = &c->ev;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) != 0) {
			log_warn("tcp: epoll_ctl: %s", strerror(errno));
			free(c->rbuf);
			free(c);
			close(fd);
			return;
		}
		c->last_ms = cairn_now_ms();
		list_append(w, c);
		w->n_conns++;
	}
}
