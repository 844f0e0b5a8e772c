/* udp: a worker's UDP I/O: datagrams in and out in batches (recvmmsg and
 * sendmmsg), with the reply sent from the address the query was sent to
 * when the socket listens on a wildcard address (RFC 2181 §4). */
#include "server_int.h"

#include <assert.h>

#include <errno.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

union udp_ctl {
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

struct udp_batch {
	struct mmsghdr rx[UDP_BATCH], tx[UDP_BATCH];
	struct iovec rxiov[UDP_BATCH], txiov[UDP_BATCH];
	struct sockaddr_storage addr[UDP_BATCH];
	union udp_ctl rxctl[UDP_BATCH], txctl[UDP_BATCH];
	struct dispatch_in in[UDP_BATCH];
	uint8_t rxbuf[UDP_BATCH][UDP_RX_SIZE];
	uint8_t txbuf[UDP_BATCH][UDP_TX_SIZE];
	/* the rx headers the last recvmmsg wrote (their name and control
	 * lengths and flags, to set again) and the control buffers all
	 * point to: 1 rxctl (a pktinfo socket), 0 none, -1 not set */
	unsigned dirty;
	int ctl;
};

struct udp_batch *udp_batch_new(void)
{
	struct udp_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	for (size_t i = 0; i < UDP_BATCH; i++) {
		b->rxiov[i].iov_base = b->rxbuf[i];
		b->rxiov[i].iov_len = UDP_RX_SIZE;
		b->rx[i].msg_hdr.msg_iov = &b->rxiov[i];
		b->rx[i].msg_hdr.msg_iovlen = 1;
		b->rx[i].msg_hdr.msg_name = &b->addr[i];
	}
	b->dirty = UDP_BATCH;
	b->ctl = -1;
	return b;
}

void udp_batch_free(struct udp_batch *b)
{
	free(b);
}

bool udp_local_addr(const struct msghdr *rx, struct cairn_sockaddr *local)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)rx); c;
	     c = CMSG_NXTHDR((struct msghdr *)rx, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *in = (struct sockaddr_in *)&local->ss;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(in, 0, sizeof(*in));
			in->sin_family = AF_INET;
			in->sin_addr = pi.ipi_addr;
			local->len = sizeof(*in);
			return true;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&local->ss;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(in6, 0, sizeof(*in6));
			in6->sin6_family = AF_INET6;
			in6->sin6_addr = pi.ipi6_addr;
			in6->sin6_scope_id = (uint32_t)pi.ipi6_ifindex; /* link-local */
			local->len = sizeof(*in6);
			return true;
		}
	}
	return false;
}

/* Sets h's control data so the datagram leaves from local (RFC 2181 §4:
 * the reply comes from the address the query was sent to); no local: the
 * kernel chooses. */
static void send_from(struct msghdr *h, union udp_ctl *ctl, const struct cairn_sockaddr *local)
{
	struct cmsghdr *c;

	h->msg_control = NULL;
	h->msg_controllen = 0;
	if (!local)
		return;
	memset(ctl, 0, sizeof(*ctl));
	h->msg_control = ctl->buf;
	if (local->ss.ss_family == AF_INET) {
		struct in_pktinfo pi = {
			.ipi_spec_dst = ((const struct sockaddr_in *)&local->ss)->sin_addr,
		};

		h->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&local->ss;
		struct in6_pktinfo pi = {
			.ipi6_addr = in6->sin6_addr,
			.ipi6_ifindex = in6->sin6_scope_id,
		};

		h->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

static bool port_zero(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port == 0;
	return ((const struct sockaddr_in6 *)a)->sin6_port == 0;
}

/* Sends tx[0..m); a datagram the kernel refuses is skipped, and when the
 * socket buffer is full the rest is dropped (UDP is lossy; the client
 * retries). */
CAIRN_HOT static void send_batch(struct udp_sock *s, struct udp_batch *b, unsigned m)
{
	unsigned sent = 0;
	int r;

	while (sent < m) {
		r = sendmmsg(s->fd, b->tx + sent, m - sent, MSG_DONTWAIT);
		if (r > 0) {
			sent += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			log_debug("udp: send buffer full, %u answers dropped", m - sent);
			return;
		}
		log_debug("udp: sendmmsg: %s", strerror(errno));
		sent++;
	}
}

/* A UDP query the resolver answers after its batch: where the answer goes. */
struct udp_late {
	struct dispatch_late base;    /* first */
	struct udp_sock *s;
	socklen_t clen;
	struct sockaddr_storage client;
	bool has_local;
	struct cairn_sockaddr local;  /* the address the query was sent to */
};

/* Sends one response from s to client (from local when not NULL: the
 * address the query was sent to). */
static void send_late(struct udp_sock *s, const struct sockaddr *client, socklen_t clen,
		      const struct cairn_sockaddr *local, const uint8_t *resp, size_t len)
{
	union udp_ctl ctl;
	struct iovec iov = { .iov_base = (void *)resp, .iov_len = len };
	struct msghdr h = {
		.msg_name = (void *)client, .msg_namelen = clen,
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	send_from(&h, &ctl, s->pktinfo ? local : NULL);
	if (sendmsg(s->fd, &h, MSG_DONTWAIT) < 0)
		log_debug("udp: sendmsg: %s", strerror(errno));
}

/* dispatch_late.deliver: called from the resolver's run loop. */
static void late_deliver(struct dispatch_late *base, const uint8_t *resp, size_t len)
{
	struct udp_late *l = (struct udp_late *)base;

	if (resp)
		send_late(l->s, (const struct sockaddr *)&l->client, l->clen,
			  l->has_local ? &l->local : NULL, resp, len);
	free(l);
}

/* Reads one batch from s (flags: MSG_DONTWAIT, or MSG_WAITFORONE to
 * block until the first datagram, at most UDP_BURST_WAIT_US) and answers
 * it. Returns the datagrams read, 0 when none came. */
CAIRN_HOT static int udp_round(struct udp_sock *s, int flags)
{
	struct worker *w = s->w;
	struct udp_batch *b = w->batch;
	struct dispatch_src src = { .tcp = false, .late_size = sizeof(struct udp_late),
				    .deliver = late_deliver };
	struct dispatch_next next;
	unsigned m;
	int n;

	/* the headers the kernel wrote (a batch is a few datagrams: not
	 * all UDP_BATCH, 32 cache lines), all when the socket differs */
	for (size_t i = 0, k = b->ctl == s->pktinfo ? b->dirty : UDP_BATCH; i < k; i++) {
		struct msghdr *h = &b->rx[i].msg_hdr;

		h->msg_namelen = sizeof(b->addr[i]);
		h->msg_control = s->pktinfo ? b->rxctl[i].buf : NULL;
		h->msg_controllen = s->pktinfo ? sizeof(b->rxctl[i]) : 0;
		h->msg_flags = 0;
	}
	b->ctl = s->pktinfo;
	n = recvmmsg(s->fd, b->rx, UDP_BATCH, flags, NULL);
	b->dirty = n > 0 ? (unsigned)n : 0;
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_debug("udp: recvmmsg: %s", strerror(errno));
		return 0;
	}
	if (flags & MSG_WAITFORONE)
		server_enter(w);   /* it slept holding no zone set */
	/* parse the batch, then answer it: what the answers read (zones,
	 * cache, RRL) is fetched for all of them in between */
	for (int i = 0; i < n; i++) {
		struct dispatch_in *in = &b->in[i];

		in->verdict = wire_query_parse(b->rxbuf[i], b->rx[i].msg_len, &in->q);
		/* the answer cache's index line, loading while the rest of
		 * the batch is parsed */
		if (w->acache && in->verdict == WIRE_OK)
			acache_prefetch(w->acache, in->q.qname_hash, in->q.qtype);
	}
	if (w->acache) {
		/* the answer cache's clock (whole seconds: the coarse clock
		 * is the cheap one) */
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
		w->now_s = (uint32_t)now.tv_sec;
	}
	dispatch_prefetch(w, b->in, b->addr, (unsigned)n);
	m = 0;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &b->tx[m].msg_hdr;
		size_t len;

		/* no answer to port 0: it cannot be a real client */
		if (port_zero(&b->addr[i]))
			continue;
		src.addr = (const struct sockaddr *)&b->addr[i];
		len = dispatch_answer(w, &b->in[i], &src, b->txbuf[i], UDP_TX_SIZE, &next);
		assert(!next.xfr);   /* transfers are TCP only */
		if (next.late) {
			struct udp_late *l = (struct udp_late *)next.late;
			socklen_t alen = b->rx[i].msg_hdr.msg_namelen;

			l->s = s;
			l->clen = alen <= sizeof(l->client) ? alen : sizeof(l->client);
			memcpy(&l->client, &b->addr[i], l->clen);
			l->has_local = s->pktinfo && udp_local_addr(&b->rx[i].msg_hdr, &l->local);
		}
		if (len == 0)
			continue;
		b->txiov[i].iov_base = b->txbuf[i];
		b->txiov[i].iov_len = len;
		h->msg_name = &b->addr[i];
		h->msg_namelen = b->rx[i].msg_hdr.msg_namelen;
		h->msg_iov = &b->txiov[i];
		h->msg_iovlen = 1;
		h->msg_flags = 0;
		struct cairn_sockaddr local;
		send_from(h, &b->txctl[m],
			  s->pktinfo && udp_local_addr(&b->rx[i].msg_hdr, &local) ? &local : NULL);
		m++;
	}
	if (m)
		send_batch(s, b, m);
	return n;
}

void udp_on_event(struct cairn_event *ev, uint32_t events)
{
	struct udp_sock *s = (struct udp_sock *)ev;
	int n;

	(void)events;
	for (unsigned round = 0; round < UDP_ROUNDS; round++) {
		n = udp_round(s, MSG_DONTWAIT);
		if (n > 0)
			s->w->udp_hot = s;
		if (n < UDP_BATCH)
			return;
	}
}

/* True when the worker has nothing but UDP queries to serve: no TCP
 * connection, no resolution running, no timer set. */
static bool udp_only(const struct worker *w)
{
	return w->running && w->n_conns == 0 &&
	       (!w->resolver || resolver_timeout_ms(w->resolver) < 0);
}

/* Parking (udp_burst). A socket in an epoll set has epoll's callback on
 * its wait queue, and the kernel calls it for every datagram sent from
 * the socket, as the buffer is freed (the write space wakeup of
 * sock_wfree), taking epoll's lock with interrupts off, although no one
 * waits for writability: about 3 % of a UDP answer's CPU time on
 * loopback (perf, bench/floor.sh). A socket read by blocking is out of
 * the set meanwhile. */
static void udp_unpark(struct worker *w)
{
	struct udp_sock *s = w->udp_parked;
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &s->ev };

	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->fd, &e) == 0) {
		w->udp_parked = NULL;
		return;
	}
	/* it stays parked: the event loop polls and this reads it */
	log_err("udp: epoll_ctl: %s", strerror(errno));
	udp_on_event(&s->ev, EPOLLIN);
}

static void udp_park(struct worker *w, struct udp_sock *s)
{
	if (w->udp_parked == s)
		return;
	if (w->udp_parked)
		udp_unpark(w);
	if (!w->udp_parked && epoll_ctl(w->epfd, EPOLL_CTL_DEL, s->fd, NULL) == 0)
		w->udp_parked = s;
}

void udp_burst(struct worker *w)
{
	struct udp_sock *s = w->udp_hot ? w->udp_hot : w->udp_parked;
	unsigned b = 0;

	w->udp_hot = NULL;
	if (s && udp_only(w)) {
		udp_park(w, s);
		for (; b < UDP_BURST && udp_only(w); b++) {
			server_leave(w);
			if (udp_round(s, MSG_WAITFORONE) == 0)
				break;   /* UDP_BURST_WAIT_US without a query */
		}
	}
	/* quiet, or other work to do: back in the epoll set */
	if (w->udp_parked && b < UDP_BURST)
		udp_unpark(w);
}