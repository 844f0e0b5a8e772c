/* server: worker threads, their sockets and their event loops, and the
 * publication of the zone set to them.
 *
 * Zone set swap (an RCU-like scheme without per-query atomics): each worker,
 * at the top of every loop iteration, announces the generation it is about
 * to read (active_gen) and then loads the current zone set pointer; before
 * sleeping in epoll_wait it announces 0 (holds no zone set). A swap stores
 * the new pointer, bumps the generation, and frees the old set only once
 * every worker is at 0 or at the new generation. */
#include "config.h"

#include "server_int.h"
#include "cairn/config.h"
#include "cairn/cache.h"
#include "cairn/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define EPOLL_BATCH 64
#define TCP_BACKLOG 256

static bool is_wildcard(const struct cairn_sockaddr *a)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return s4->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

static void addr_text(const struct cairn_sockaddr *a, char *buf, size_t len)
{
	char *hash;

	cairn_sockaddr_format(a, buf, len);
	hash = strrchr(buf, '#');
	if (hash)
		*hash = '@'; /* the config's ADDRESS@PORT form */
}

/* Opens a nonblocking socket of type on a, with SO_REUSEPORT when reuse is
 * true, and binds it. Returns the fd or -1 (logged). */
static int open_socket(const struct cairn_sockaddr *a, int type, bool reuse, bool pktinfo)
{
	int family = a->ss.ss_family, on = 1, fd;
	char text[INET6_ADDRSTRLEN + 8];

	/* UDP sockets block (udp_burst), for UDP_BURST_WAIT_US at most;
	 * every other read and write of them says MSG_DONTWAIT */
	fd = socket(family, type | (type == SOCK_DGRAM ? 0 : SOCK_NONBLOCK) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
		goto fail;
	/* a restarted server must bind despite old connections in TIME_WAIT */
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
		goto fail;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
		goto fail;
	if (pktinfo && family == AF_INET &&
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0)
		goto fail;
	if (pktinfo && family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0)
		goto fail;
	if (type == SOCK_DGRAM) {
		/* answers may exceed the path MTU: let the kernel fragment
		 * instead of failing with EMSGSIZE (as unbound does); and
		 * room for bursts (best effort, capped by rmem_max) */
		int pmtu = IP_PMTUDISC_OMIT, pmtu6 = IPV6_PMTUDISC_OMIT, buf = 1 << 20;

		if (family == AF_INET)
			(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		else
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu6, sizeof(pmtu6));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		struct timeval wait = { .tv_usec = UDP_BURST_WAIT_US };
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) != 0)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, TCP_BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	addr_text(a, text, sizeof(text));
	log_err("cannot listen on %s (%s): %s", text, type == SOCK_STREAM ? "tcp" : "udp",
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* SO_REUSEPORT would let us share a port with another cairnd of the same
 * user without noticing: bind once without it to be sure the address is
 * free. Returns false (logged) when it is not. */
static bool address_free(const struct cairn_sockaddr *a)
{
	int fd;

	for (int t = 0; t < 2; t++) {
		fd = open_socket(a, t ? SOCK_STREAM : SOCK_DGRAM, false, false);
		if (fd < 0)
			return false;
		close(fd);
	}
	return true;
}

static void on_wake(struct cairn_event *ev, uint32_t events)
{
	struct worker *w = (struct worker *)((char *)ev - offsetof(struct worker, wake_ev));
	uint64_t v;

	(void)events;
	if (read(w->wakefd, &v, sizeof(v)) != sizeof(v))
		return;
	if (atomic_load(&w->stop))
		w->running = false;
	else if (w->resolver) {
		resolver_wake(w->resolver);   /* a claim we waited for ended */
		server_explain_poll(w);       /* cairn-control explain */
		server_infra_poll(w);         /* cairn-control infra, flush-infra */
	}
}

/* The resolver of one worker ended a claim that others wait for: wake
 * them (their resolver_wake runs in their own loop). */
static void wake_workers(void *ctx, uint64_t workers)
{
	struct server *s = ctx;
	uint64_t one = 1;

	for (unsigned i = 0; i < s->n_workers && i < 64; i++)
		if ((workers >> i) & 1 &&
		    write(s->workers[i].wakefd, &one, sizeof(one)) != sizeof(one))
			log_debug("worker %u: cannot wake: %s", i, strerror(errno));
}

static cairn_err epoll_add(struct worker *w, int fd, struct cairn_event *ev)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) == 0 ? CAIRN_OK : CAIRN_EIO;
}

/* recursion: yes — the shared cache, the resolver's settings and the
 * allow-recursion ACL (default: loopback, RFC 1918, ULA, link-local). */
static cairn_err recursion_init(struct server *s, const struct cairn_config *cfg)
{
	static const char *def_acl[] = {
		"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"169.254.0.0/16", "fc00::/7", "fe80::/10",
	};
	size_t n = cfg->n_allow_recursion ? cfg->n_allow_recursion
					  : sizeof(def_acl) / sizeof(def_acl[0]);
	cairn_err err;

	s->allow = calloc(n, sizeof(*s->allow));
	if (!s->allow)
		return CAIRN_ENOMEM;
	s->n_allow = n;
	for (size_t i = 0; i < n; i++) {
		if (cfg->n_allow_recursion)
			s->allow[i] = cfg->allow_recursion[i];
		else if (cairn_prefix_parse(def_acl[i], &s->allow[i]) != CAIRN_OK)
			return CAIRN_EINVAL;
	}
	err = server_rconfig_init(&s->rc, cfg);
	if (err != CAIRN_OK)
		return err;
	err = cache_new(&s->rc.cache, &s->cache);
	if (err != CAIRN_OK)
		log_err("cannot create the cache: %s", cairn_strerror(err));
	return err;
}

static cairn_err worker_init(struct server *s, struct worker *w, unsigned id)
{
	cairn_err err = CAIRN_ENOMEM;

	w->srv = s;
	w->id = id;
	w->epfd = w->wakefd = -1;
	w->udp = calloc(s->n_listen, sizeof(*w->udp));
	w->tcpl = calloc(s->n_listen, sizeof(*w->tcpl));
	w->batch = udp_batch_new();
	w->tcp_out = malloc(TCP_MSG_MAX);
	w->acache = acache_new(s->set.answer_cache);
	if (!w->udp || !w->tcpl || !w->batch || !w->tcp_out || (s->set.answer_cache && !w->acache))
		goto done;
	err = CAIRN_EIO;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0) {
		log_err("worker %u: %s", id, strerror(errno));
		goto done;
	}
	w->wake_ev.fn = on_wake;
	if (epoll_add(w, w->wakefd, &w->wake_ev) != CAIRN_OK)
		goto done;
	if (s->cache) {
		err = resolver_new(&s->rc.res, s->cache, w->epfd, &w->resolver);
		if (err != CAIRN_OK) {
			log_err("worker %u: cannot start the resolver: %s", id,
				cairn_strerror(err));
			goto done;
		}
		resolver_set_wake(w->resolver, id, wake_workers, s);
		err = CAIRN_EIO;
	}
	for (size_t i = 0; i < s->n_listen; i++) {
		const struct cairn_sockaddr *a = &s->listen[i];
		struct udp_sock *u = &w->udp[i];
		struct tcp_listener *t = &w->tcpl[i];

		u->w = w;
		u->ev.fn = udp_on_event;
		u->family = a->ss.ss_family;
		u->pktinfo = is_wildcard(a);
		u->fd = open_socket(a, SOCK_DGRAM, true, u->pktinfo);
		if (u->fd < 0)
			goto done;
		w->n_udp++;
		if (epoll_add(w, u->fd, &u->ev) != CAIRN_OK)
			goto done;
		t->w = w;
		t->ev.fn = tcp_on_accept;
		t->fd = open_socket(a, SOCK_STREAM, true, false);
		if (t->fd < 0)
			goto done;
		w->n_tcpl++;
		if (epoll_add(w, t->fd, &t->ev) != CAIRN_OK)
			goto done;
	}
	err = CAIRN_OK;
done:
	return err;
}

static void worker_fini(struct worker *w)
{
	tcp_close_all(w);
	tcp_bury(w);
	resolver_free(w->resolver);
	w->resolver = NULL;
	for (size_t i = 0; i < w->n_udp; i++)
		close(w->udp[i].fd);
	for (size_t i = 0; i < w->n_tcpl; i++)
		close(w->tcpl[i].fd);
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->wakefd >= 0)
		close(w->wakefd);
	free(w->udp);
	free(w->tcpl);
	udp_batch_free(w->batch);
	acache_free(w->acache);
	free(w->tcp_out);
}

void server_leave(struct worker *w)
{
	atomic_store(&w->active_gen, 0);
	w->zones = NULL;
}

void server_enter(struct worker *w)
{
	struct server *s = w->srv;

	/* announce first, then read the pointer (seq_cst pairs with the
	 * store-then-check in server_set_zones) */
	atomic_store(&w->active_gen, atomic_load(&s->zones_gen));
	w->zones = atomic_load(&s->zones);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event events[EPOLL_BATCH];
	int n, timeout;

	while (w->running) {
		timeout = tcp_sweep_idle(w, 0);
		if (w->resolver) {
			int rt = resolver_timeout_ms(w->resolver);
			if (rt >= 0 && (timeout < 0 || rt < timeout))
				timeout = rt;
		}
		if (w->udp_parked)
			timeout = 0;   /* udp_burst reads it (below) */
		/* quiescent while asleep: hold no zone set */
		server_leave(w);
		n = epoll_wait(w->epfd, events, EPOLL_BATCH, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("worker %u: epoll_wait: %s", w->id, strerror(errno));
			break;
		}
		server_enter(w);
		for (int i = 0; i < n; i++) {
			struct cairn_event *ev = events[i].data.ptr;

			ev->fn(ev, events[i].events);
		}
		/* upstream timeouts, resolution deadlines, freeing of what the
		 * batch finished with */
		if (w->resolver) {
			struct resolver_counters rc;

			resolver_tick(w->resolver);
			/* the resolver's own counters (this thread writes both) */
			resolver_get_counters(w->resolver, &rc);
			atomic_store_explicit(&w->stats.upstream_queries, rc.upstream_queries,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.upstream_timeouts, rc.upstream_timeouts,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.upstream_tcp_fallbacks, rc.tcp_fallbacks,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.upstream_unwanted, rc.unwanted_replies,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.stale_answers, rc.stale_answers,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.upstream_lame, rc.lame_servers,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.prefetches, rc.prefetches,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.dnssec[0], rc.val_secure,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.dnssec[1], rc.val_insecure,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.dnssec[2], rc.val_bogus,
					      memory_order_relaxed);
			atomic_store_explicit(&w->stats.dnssec[3], rc.val_aggressive,
					      memory_order_relaxed);
		}
		tcp_bury(w);
		if (w->udp_hot || w->udp_parked)
			udp_burst(w);
	}
	server_leave(w);
	return NULL;
}

/* The cookie secrets and the RRL table (cairnd.conf(5) answer-cookie,
 * rrl-*). */
static cairn_err abuse_init(struct server *s, const struct cairn_config *cfg)
{
	struct rrl_config rc = {
		.ratelimit = cfg->rrl_ratelimit,
		.whitelist_ratelimit = cfg->rrl_whitelist_ratelimit,
		.slip = cfg->rrl_slip,
		.ipv4_prefix = cfg->rrl_ipv4_prefix,
		.ipv6_prefix = cfg->rrl_ipv6_prefix,
		.size = cfg->rrl_size,
		.whitelist = cfg->rrl_whitelist,
		.n_whitelist = cfg->n_rrl_whitelist,
	};
	cairn_err err;

	uint32_t now = (uint32_t)time(NULL);
	size_t n = cfg->n_cookie_secrets;

	/* cookie-secret: the operator's secrets, not rotated here (RFC 9018
	 * §5: the operator rolls them over the anycast set); else random,
	 * rotated every COOKIE_ROTATE_S */
	if (cfg->answer_cookie &&
	    cookie_jar_init(&s->cookies, n ? cfg->cookie_secrets[n - 1] : NULL, now,
			    n ? 0 : COOKIE_ROTATE_S) != CAIRN_OK) {
		log_err("cannot create the cookie secret: no random bytes");
		return CAIRN_EIO;
	}
	if (cfg->answer_cookie && n == 2)
		cookie_jar_rotate(&s->cookies, cfg->cookie_secrets[0]);
	err = rrl_new(&rc, &s->rrl);
	if (err == CAIRN_EIO)
		log_err("cannot create the rate limiting table: no random bytes");
	return err;
}

cairn_err server_new(const struct cairn_config *cfg, struct zone_set *zones,
		     struct server **out)
{
	struct server *s;
	cairn_err err = CAIRN_ENOMEM;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		if (zones)
			zone_set_free(zones);
		return CAIRN_ENOMEM;
	}
	pthread_mutex_init(&s->swap_lock, NULL);
	pthread_mutex_init(&s->rc_lock, NULL);
	atomic_init(&s->zones, zones);
	atomic_init(&s->zones_gen, 1);
	s->set.edns_size = (uint16_t)cfg->edns_buffer_size;
	s->set.tcp_idle_ms = cfg->tcp_idle_timeout * 1000u;
	s->set.tcp_max_conns = cfg->tcp_max_connections;
	s->set.log_queries = cfg->log_queries;
	s->set.recursion = cfg->recursion;
	s->set.answer_cookie = cfg->answer_cookie;
	s->set.cookie_required = cfg->cookie_required;
	s->set.answer_cache = cfg->answer_cache_size;
	err = abuse_init(s, cfg);
	if (err != CAIRN_OK)
		goto done;
	if (cfg->recursion) {
		err = recursion_init(s, cfg);
		if (err != CAIRN_OK)
			goto done;
		err = CAIRN_ENOMEM;
	}
	s->listen = calloc(cfg->n_listen, sizeof(*s->listen));
	s->workers = calloc(cfg->threads, sizeof(*s->workers));
	if (!s->listen || !s->workers)
		goto done;
	s->n_listen = cfg->n_listen;
	for (size_t i = 0; i < cfg->n_listen; i++)
		s->listen[i] = cfg->listen[i].addr;

	err = CAIRN_EIO;
	for (size_t i = 0; i < s->n_listen; i++)
		if (!address_free(&s->listen[i]))
			goto done;
	for (unsigned i = 0; i < cfg->threads; i++) {
		s->n_workers++;
		err = worker_init(s, &s->workers[i], i);
		if (err != CAIRN_OK)
			goto done;
	}
	err = CAIRN_OK;
done:
	if (err == CAIRN_ENOMEM)
		log_err("cannot create the server: out of memory");
	if (err != CAIRN_OK)
		server_free(s);
	else
		*out = s;
	return err;
}

cairn_err server_start(struct server *s)
{
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];
		int rc;

		w->running = true;
		rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc != 0) {
			log_err("cannot start worker thread %u: %s", i, strerror(rc));
			server_stop(s);
			return CAIRN_EIO;
		}
		w->started = true;
	}
	return CAIRN_OK;
}

void server_set_zones(struct server *s, struct zone_set *zones)
{
	struct zone_set *old;
	uint64_t gen;
	struct timespec nap = { 0, 1000000 }; /* 1 ms */

	pthread_mutex_lock(&s->swap_lock);
	old = atomic_exchange(&s->zones, zones);
	gen = atomic_fetch_add(&s->zones_gen, 1) + 1;
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];
		uint64_t g;

		/* a worker announcing an older generation may still hold old */
		while ((g = atomic_load(&w->active_gen)) != 0 && g < gen)
			nanosleep(&nap, NULL);
	}
	pthread_mutex_unlock(&s->swap_lock);
	if (old)
		zone_set_free(old);
}

void server_stop(struct server *s)
{
	uint64_t one = 1;

	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];

		atomic_store(&w->stop, true);
		if (w->started && write(w->wakefd, &one, sizeof(one)) != sizeof(one))
			log_err("worker %u: cannot wake: %s", i, strerror(errno));
	}
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];

		if (w->started) {
			pthread_join(w->thread, NULL);
			w->started = false;
		}
	}
}

void server_get_stats(struct server *s, struct stats_snapshot *out)
{
	struct stats_counters *c[s->n_workers ? s->n_workers : 1];
	struct cache_stats cs;

	for (unsigned i = 0; i < s->n_workers; i++)
		c[i] = &s->workers[i].stats;
	stats_sum(out, c, s->n_workers);
	if (s->cache)
		cache_get_stats(s->cache, &cs);
	stats_set_cache(out, s->cache ? &cs : NULL);
}

struct cache *server_cache(struct server *s)
{
	return s->cache;
}

struct dsec_anchors *server_anchors(struct server *s)
{
	return s->rc.anchors;
}

void server_free(struct server *s)
{
	if (!s)
		return;
	server_stop(s);
	for (unsigned i = 0; i < s->n_workers; i++)
		worker_fini(&s->workers[i]);
	free(s->workers);
	free(s->listen);
	if (atomic_load(&s->zones))
		zone_set_free(atomic_load(&s->zones));
	pthread_mutex_destroy(&s->swap_lock);
	pthread_mutex_destroy(&s->rc_lock);
	cache_free(s->cache);
	server_rconfig_free(&s->rc);
	free(s->allow);
	rrl_free(s->rrl);
	free(s);
}
