/* fuzz_tcp: DNS over TCP (src/server/tcp.c, RFC 7766) driven by fuzzed
 * clients: 2-byte length framing (RFC 1035 §4.2.2) split at any byte,
 * pipelined queries, huge and zero lengths, partial reads and writes,
 * clients that stop reading, half-close, abort, reconnect, the connection
 * limit and the idle sweep. The real tcp.c, dispatch.c, zones (the lab
 * zones and extra.test) and resolver (resolver_new_io with the fake
 * network of fuzz_net.h, so answers also come late) run inside a worker
 * whose loop this harness turns as server.c does (events, resolver_tick,
 * tcp_bury). Clients are Unix stream sockets accepted by tcp_on_accept
 * from a listener of their own; the harness then gives each connection a
 * loopback peer address so that recursion is allowed.
 *
 * Checked: nothing crashes or leaks; every answer is a well-formed frame
 * whose ID and question match a query of its connection not yet answered
 * (fuzz_check_response); at the end, once every client has sent what it
 * had and time has run past every resolution's deadline, every complete
 * query that is not dropped (wire_query_parse's WIRE_DROP) has had exactly
 * one answer, on every connection the client did not abort, unless the
 * server had a reason to close it (eviction at the connection limit, the
 * idle sweep).
 *
 * Input: one byte of options, then operations, each an op byte (kind =
 * op % 12, slot = (op / 12) % 4) and its argument bytes:
 *   0 raw     n(1) bytes(n)   queue n+1 raw bytes (missing ones are 0)
 *   1 query   a b c id        queue a framed query: name a, type b, flags c
 *   2 repeat  n               queue the last framed query n+1 more times
 *   3 send    n               send amount(n) queued bytes, as far as the socket takes them
 *   4 loop                    one turn of the worker's loop
 *   5 read    n               read amount(n) bytes (as far as there are any)
 *   6 reply   ctrl            answer the oldest upstream query (ctrl % 5:
 *                             timeout, error, REFUSED, answer, NXDOMAIN)
 *   7 shut                    the client closes its sending side
 *   8 abort                   the client closes the socket
 *   9 connect                 a new connection in the slot (after abort)
 *  10 clock   n               the resolver's clock moves on; n & 0x80: the
 *                             idle sweep runs as if everyone had been idle
 *  11 frame   hi lo           queue a bare length prefix
 * amount(n): everything for 0, n bytes below 200, else (n - 199) KiB.
 * Options: bit 0 log-queries, bit 1 recursion off, bits 2-3 connection
 * limit 1..4, bit 4 small socket buffers, bit 5 no QNAME minimisation. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../src/server/server_int.h"
#include "cairn/cache.h"
#include "cairn/zone.h"
#include "fuzz_check.h"
#include "fuzz_net.h"

#define SLOTS 4
#define OUTBOX_MAX (128 * 1024)  /* bytes queued per connection in all */
/* answers awaited per connection: a query the server does not drop has at
 * least a header and a 2-byte length */
#define EXPECT_MAX (OUTBOX_MAX / (WIRE_HDR_LEN + 2) + 1)
#define QBUF (WIRE_HDR_LEN + WIRE_NAME_MAX + 4)

/* A query awaiting its answer: its header and question. */
struct expect {
	uint16_t id;
	bool has_q;
	bool done;                /* answered */
	size_t qlen;
	uint8_t hq[QBUF];
};

struct slot {
	int fd;                   /* client end, -1: none */
	bool shut;                /* the client closed its sending side */
	bool gone;                /* the server closed (EOF or error seen) */
	uint8_t *out;             /* queued, not yet sent */
	size_t olen;
	size_t queued;            /* queued on this connection in all */
	uint8_t *sent;            /* sent, not yet a complete frame */
	size_t slen;
	uint8_t *in;              /* received, not yet a complete frame */
	size_t ilen;
	struct expect *exp;       /* queries sent that need an answer, in order */
	size_t nexp;
	size_t head;              /* exp[0..head) are all answered */
	size_t awaited;           /* those not answered */
};

static struct server srv;
static struct worker w;
static struct tcp_listener lst;
static struct cairn_prefix allow_all[2];
static struct sockaddr_un lst_addr;
static struct slot slots[SLOTS];
static uint8_t last_frame[2 + QBUF + 11];
static size_t last_frame_len;
static bool may_close;        /* the server had a reason to close connections */

static void report(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%u: %s\n", file, line, msg);
}

static void cleanup(void)
{
	if (lst.fd >= 0)
		close(lst.fd);
	close(w.epfd);
	free(w.tcp_out);
	zone_set_free((struct zone_set *)w.zones);
	for (int i = 0; i < SLOTS; i++) {
		free(slots[i].out);
		free(slots[i].sent);
		free(slots[i].in);
		free(slots[i].exp);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const z[][2] = {
		{ "lab.test", FUZZ_SRCDIR "/zones/lab.test.zone" },
		{ "2.0.192.in-addr.arpa", FUZZ_SRCDIR "/zones/2.0.192.in-addr.arpa.zone" },
		{ "extra.test", FUZZ_SRCDIR "/tests/system/zones/extra.test.zone" },
	};
	struct zone *zones[3];
	struct zone_set *zs;
	(void)argc;
	(void)argv;

	log_open(LOG_SINK_FILE, "/dev/null", LOG_LVL_DEBUG);
	for (size_t i = 0; i < 3; i++)
		if (zone_load(z[i][0], z[i][1], report, NULL, &zones[i]) != CAIRN_OK)
			abort();
	if (zone_set_new(zones, 3, &zs) != CAIRN_OK)
		abort();
	if (cairn_prefix_parse("0.0.0.0/0", &allow_all[0]) != CAIRN_OK ||
	    cairn_prefix_parse("::/0", &allow_all[1]) != CAIRN_OK)
		abort();
	srv.set.edns_size = WIRE_EDNS_SIZE;
	srv.set.tcp_idle_ms = 3600 * 1000;   /* only the harness's sweep closes */
	srv.allow = allow_all;
	srv.n_allow = 2;
	w.srv = &srv;
	w.zones = zs;
	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	w.tcp_out = malloc(TCP_MSG_MAX);
	w.wakefd = -1;
	/* the listener: an abstract Unix socket of this process */
	lst_addr.sun_family = AF_UNIX;
	snprintf(lst_addr.sun_path + 1, sizeof(lst_addr.sun_path) - 1, "cairn-fuzz-tcp-%ld",
		 (long)getpid());
	lst.ev.fn = tcp_on_accept;
	lst.w = &w;
	lst.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w.epfd < 0 || !w.tcp_out || lst.fd < 0 ||
	    bind(lst.fd, (struct sockaddr *)&lst_addr, sizeof(lst_addr)) != 0 ||
	    listen(lst.fd, 16) != 0)
		abort();
	for (int i = 0; i < SLOTS; i++) {
		slots[i].fd = -1;
		slots[i].out = malloc(OUTBOX_MAX);
		slots[i].sent = malloc(2 + TCP_MSG_MAX);
		slots[i].in = malloc(2 + TCP_MSG_MAX + 65536);
		slots[i].exp = malloc(EXPECT_MAX * sizeof(*slots[i].exp));
		if (!slots[i].out || !slots[i].sent || !slots[i].in || !slots[i].exp)
			abort();
	}
	atexit(cleanup);
	return 0;
}

/* ---- the worker ---- */

/* One turn of the worker's loop (server.c worker_main) without sleeping.
 * Returns the number of events handled. */
static int loop_once(void)
{
	struct epoll_event ev[64];
	int n = epoll_wait(w.epfd, ev, 64, 0);

	for (int i = 0; i < n; i++) {
		struct cairn_event *e = ev[i].data.ptr;

		e->fn(e, ev[i].events);
	}
	if (w.resolver)
		resolver_tick(w.resolver);
	tcp_bury(&w);
	return n > 0 ? n : 0;
}

/* ---- the clients ---- */

/* Opens slot s's connection and has the worker accept it. Returns false
 * when the worker had to close another connection (the limit) first. */
static bool client_connect(struct slot *s, bool small)
{
	struct sockaddr_in *peer;
	size_t before = w.n_conns;
	bool evicted = before >= srv.set.tcp_max_conns;
	struct tcp_conn *c;
	int sz = 4096;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&lst_addr, sizeof(lst_addr)) != 0)
		abort();
	if (small)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	s->shut = s->gone = false;
	s->olen = s->queued = s->slen = s->ilen = s->nexp = s->head = s->awaited = 0;
	tcp_on_accept(&lst.ev, EPOLLIN);
	c = w.conn_tail;
	FUZZ_REQUIRE(c && !c->dead && w.n_conns == before + 1 - evicted,
		     "accept: %zu connections, %zu before", w.n_conns, before);
	/* the peer a TCP client on loopback would have */
	memset(&c->peer, 0, sizeof(c->peer));
	peer = (struct sockaddr_in *)&c->peer.ss;
	peer->sin_family = AF_INET;
	peer->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer->sin_port = htons((uint16_t)(40000 + (s - slots)));
	c->peer.len = sizeof(*peer);
	if (small)
		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return !evicted;
}

static void client_abort(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void queue(struct slot *s, const uint8_t *p, size_t n)
{
	if (s->fd < 0 || s->shut)
		return;
	if (n > OUTBOX_MAX - s->queued)
		n = OUTBOX_MAX - s->queued;
	memcpy(s->out + s->olen, p, n);
	s->olen += n;
	s->queued += n;
}

/* Bytes p[0..n) reached the server: frames completed by them await an
 * answer unless the server drops them. */
static void sent(struct slot *s, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t want = s->slen < 2 ? 2 : 2 + (size_t)wire_get16(s->sent), take;

		take = want - s->slen < n ? want - s->slen : n;
		memcpy(s->sent + s->slen, p, take);
		s->slen += take;
		p += take;
		n -= take;
		if (s->slen < 2 || s->slen < 2 + (size_t)wire_get16(s->sent))
			continue;
		/* a complete frame */
		{
			struct wire_query q;
			size_t mlen = s->slen - 2;
			struct expect *e;

			s->slen = 0;
			if (wire_query_parse(s->sent + 2, mlen, &q) == WIRE_DROP)
				continue;
			FUZZ_REQUIRE(s->nexp < EXPECT_MAX, "too many queries");
			e = &s->exp[s->nexp++];
			s->awaited++;
			e->done = false;
			e->id = q.id;
			e->has_q = q.has_question;
			e->qlen = q.has_question ? q.question_len : 0;
			memcpy(e->hq, s->sent + 2, WIRE_HDR_LEN + e->qlen);
		}
	}
}

/* Sends up to n queued bytes (all for 0) as far as the socket takes them. */
static bool client_send(struct slot *s, size_t n)
{
	ssize_t k;

	if (s->fd < 0 || s->shut || s->gone || !s->olen)
		return false;
	if (!n || n > s->olen)
		n = s->olen;
	k = send(s->fd, s->out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			s->gone = true;   /* the server closed */
		return false;
	}
	sent(s, s->out, (size_t)k);
	memmove(s->out, s->out + k, s->olen - (size_t)k);
	s->olen -= (size_t)k;
	return k > 0;
}

/* The answer resp[0..len): it must answer an awaited query of s. */
static void answered(struct slot *s, const uint8_t *resp, size_t len)
{
	size_t i;

	FUZZ_REQUIRE(len >= WIRE_HDR_LEN, "answer of %zu bytes", len);
	/* a query with a question first, matched by ID and question */
	for (i = s->head; i < s->nexp; i++) {
		struct expect *e = &s->exp[i];

		if (!e->done && e->id == wire_get16(resp) && e->has_q &&
		    len >= WIRE_HDR_LEN + e->qlen &&
		    wire_get16(resp + 4) == 1 &&
		    memcmp(resp + WIRE_HDR_LEN, e->hq + WIRE_HDR_LEN, e->qlen) == 0)
			break;
	}
	if (i == s->nexp)
		for (i = s->head; i < s->nexp && (s->exp[i].done ||
						  s->exp[i].id != wire_get16(resp) ||
						  s->exp[i].has_q); i++)
			;
	FUZZ_REQUIRE(i < s->nexp, "an answer (ID %u, %zu bytes) to no awaited query of %zu",
		     wire_get16(resp), len, s->awaited);
	{
		struct expect *e = &s->exp[i];
		struct wire_query q = { .pkt = e->hq, .len = WIRE_HDR_LEN + e->qlen, .id = e->id,
					.has_question = e->has_q, .question_len = e->qlen };

		fuzz_check_response(&q, resp, len, TCP_MSG_MAX);
	}
	s->exp[i].done = true;
	s->awaited--;
	while (s->head < s->nexp && s->exp[s->head].done)
		s->head++;
}

/* Reads up to n bytes (all there is for 0) and checks the complete
 * answers. Returns true when something was read. */
static bool client_read(struct slot *s, size_t n)
{
	size_t cap = 2 + TCP_MSG_MAX + 65536, off = 0, got = 0;

	if (s->fd < 0 || s->gone)
		return false;
	for (;;) {
		size_t want = n ? n - got : cap - s->ilen;
		ssize_t k;

		if (want > cap - s->ilen)
			want = cap - s->ilen;
		if (!want)
			break;
		k = recv(s->fd, s->in + s->ilen, want, MSG_DONTWAIT);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			s->gone = true;
			break;
		}
		if (k < 0)
			break;
		s->ilen += (size_t)k;
		got += (size_t)k;
		/* every complete frame */
		while (s->ilen - off >= 2 && s->ilen - off >= 2 + (size_t)wire_get16(s->in + off)) {
			size_t mlen = wire_get16(s->in + off);

			answered(s, s->in + off + 2, mlen);
			off += 2 + mlen;
		}
		if (off) {
			memmove(s->in, s->in + off, s->ilen - off);
			s->ilen -= off;
			off = 0;
		}
		if (n && got >= n)
			break;
	}
	if (s->gone && !may_close)
		FUZZ_REQUIRE(s->ilen == 0, "the server closed in the middle of an answer");
	return got > 0;
}

/* ---- queries and upstream replies ---- */

/* Queues a framed query for a, b, c (see the input format) with ID id. */
static void make_query(struct slot *s, uint8_t a, uint8_t b, uint8_t c, uint16_t id)
{
	static const char *const names[] = {
		"www.lab.test", "big.lab.test", "lab.test", "nosuch.lab.test", "x.sub.lab.test",
		"huge.extra.test", "www.example.com", "example.com", "localhost",
		"1.0.0.127.in-addr.arpa", "80.2.0.192.in-addr.arpa", "version.bind",
		"a.b.c.example.net", "WwW.LaB.TeSt", "ftp.lab.test", "x.users.lab.test",
	};
	static const uint16_t types[] = {
		WIRE_TYPE_A, WIRE_TYPE_AAAA, WIRE_TYPE_TXT, WIRE_TYPE_ANY, WIRE_TYPE_MX,
		WIRE_TYPE_NS, WIRE_TYPE_SOA, WIRE_TYPE_AXFR, WIRE_TYPE_IXFR, WIRE_TYPE_PTR,
		65280, WIRE_TYPE_CNAME, WIRE_TYPE_DS,
	};
	uint8_t *p = last_frame + 2;
	size_t nlen, len;

	if (wire_name_from_text(names[a % (sizeof(names) / sizeof(names[0]))], NULL,
				p + WIRE_HDR_LEN, &nlen) != CAIRN_OK)
		abort();
	memset(p, 0, WIRE_HDR_LEN);
	wire_put16(p, id);
	/* RD, opcode NOTIFY (4) or UPDATE (5), QR (dropped), CD */
	p[2] = (uint8_t)(((c & 1) ? 0x01 : 0) | ((c & 0x40) ? ((c & 0x80) ? 0x28 : 0x20) : 0) |
			 ((c & 0x20) ? 0x80 : 0));
	p[3] = (c & 8) ? 0x10 : 0;
	wire_put16(p + 4, 1);
	len = WIRE_HDR_LEN + nlen;
	wire_put16(p + len, types[b % (sizeof(types) / sizeof(types[0]))]);
	wire_put16(p + len + 2, (c & 0x10) ? WIRE_CLASS_CH : WIRE_CLASS_IN);
	len += 4;
	if (c & 2) {
		p[len] = 0;
		wire_put16(p + len + 1, WIRE_TYPE_OPT);
		wire_put16(p + len + 3, (c & 0x80) ? 512 : 4096);
		wire_put32(p + len + 5, (c & 4) ? 0x8000 : 0);
		wire_put16(p + len + 9, 0);
		wire_put16(p + 10, 1);
		len += 11;
	}
	wire_put16(last_frame, (uint16_t)len);
	last_frame_len = 2 + len;
	queue(s, last_frame, last_frame_len);
}

/* Answers the oldest upstream query: ctrl % 5 = timeout, network error,
 * REFUSED, an answer (an A record for A questions, else no data),
 * NXDOMAIN. */
static void upstream_reply(struct fakenet *net, uint8_t ctrl)
{
	uint8_t reply[sizeof(((struct pending *)0)->pkt) + 16];
	struct pending p;
	size_t qend = WIRE_HDR_LEN, len;

	if (!pop(net, &p))
		return;
	switch (ctrl % 5) {
	case 0:
		net->now_ms += 1000;
		p.fn(p.arg, CAIRN_ELIMIT, NULL, 0);
		return;
	case 1:
		p.fn(p.arg, CAIRN_EIO, NULL, 0);
		return;
	default:
		break;
	}
	while (qend < p.len && p.pkt[qend])
		qend += p.pkt[qend] + 1;
	qend += 5;
	FUZZ_REQUIRE(qend <= p.len, "upstream query without a question");
	memcpy(reply, p.pkt, qend);
	wire_put16(reply + 6, 0);
	wire_put16(reply + 8, 0);
	wire_put16(reply + 10, 0);
	reply[2] = 0x84;   /* QR AA */
	reply[3] = ctrl % 5 == 2 ? WIRE_RCODE_REFUSED : ctrl % 5 == 4 ? WIRE_RCODE_NXDOMAIN : 0;
	len = qend;
	if (ctrl % 5 == 3 && wire_get16(p.pkt + qend - 4) == WIRE_TYPE_A) {
		static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4,
					      192, 0, 2, 77 };

		memcpy(reply + len, rr, sizeof(rr));
		len += sizeof(rr);
		wire_put16(reply + 6, 1);
	}
	net->now_ms += 5;
	p.fn(p.arg, CAIRN_OK, reply, len);
}

/* ---- the run ---- */

static size_t amount(uint8_t n)
{
	return n < 200 ? n : (size_t)(n - 199) * 1024;
}

/* Lets everything finish: clients send what they queued, upstream
 * queries time out, the clock runs past every deadline, clients read
 * every answer. */
static void drain(struct fakenet *net, const struct resolver_config *cfg)
{
	uint64_t until = net->now_ms + cfg->max_time_ms + 5000;

	for (unsigned turn = 0; turn < 100000; turn++) {
		bool progress = false, waiting = false;

		for (int i = 0; i < SLOTS; i++) {
			progress |= client_send(&slots[i], 0);
			waiting |= slots[i].fd >= 0 && !slots[i].gone && slots[i].awaited > 0;
		}
		progress |= loop_once() > 0;
		if (net->n) {
			upstream_reply(net, 0);
			progress = true;
		} else if (w.resolver && waiting && net->now_ms < until) {
			int t = resolver_timeout_ms(w.resolver);

			net->now_ms += t < 1 ? 1 : t > 1000 ? 1000 : (unsigned)t;
			progress = true;
		}
		for (int i = 0; i < SLOTS; i++)
			progress |= client_read(&slots[i], 0);
		if (!progress)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t clock_ms[8] = { 1, 100, 1000, 3000, 10000, 60000, 3600000,
					      86400000 };
	struct resolver_config cfg;
	struct cache_config cc;
	struct fakenet net;
	struct resolver_io io;
	struct cache *cache = NULL;
	size_t pos = 1;
	bool small;

	if (size < 1)
		return 0;
	srv.set.log_queries = data[0] & 1;
	srv.set.recursion = !(data[0] & 2);
	srv.set.tcp_max_conns = 1 + ((data[0] >> 2) & 3);
	small = data[0] & 0x10;
	last_frame_len = 0;
	may_close = false;
	cache_config_default(&cc);
	cc.max_bytes = 1u << 20;
	resolver_config_default(&cfg);
	cfg.root_hints = FUZZ_SRCDIR "/zones/lab/root.hints";
	cfg.query_loopback = true;
	cfg.qname_minimisation = !(data[0] & 0x20);
	fakenet_init(&net, &io);
	if (cache_new(&cc, &cache) != CAIRN_OK ||
	    resolver_new_io(&cfg, cache, &io, &w.resolver) != CAIRN_OK)
		abort();
	client_connect(&slots[0], small);

	while (pos < size) {
		uint8_t op = data[pos++], arg[4] = { 0, 0, 0, 0 };
		struct slot *s = &slots[(op / 12) % SLOTS];
		static const uint8_t nargs[12] = { 1, 4, 1, 1, 0, 1, 1, 0, 0, 0, 1, 2 };
		unsigned k = op % 12;

		for (unsigned i = 0; i < nargs[k]; i++)
			arg[i] = pos < size ? data[pos++] : 0;
		switch (k) {
		case 0: {
			uint8_t raw[256] = { 0 };
			size_t n = (size_t)arg[0] + 1, have = size - pos < n ? size - pos : n;

			memcpy(raw, data + pos, have);
			pos += have;
			queue(s, raw, n);
			break;
		}
		case 1:
			make_query(s, arg[0], arg[1], arg[2], (uint16_t)(arg[3] << 8 | arg[2]));
			break;
		case 2:
			for (unsigned i = 0; i <= arg[0] && last_frame_len; i++)
				queue(s, last_frame, last_frame_len);
			break;
		case 3:
			client_send(s, amount(arg[0]));
			break;
		case 4:
			loop_once();
			break;
		case 5:
			client_read(s, amount(arg[0]));
			break;
		case 6:
			upstream_reply(&net, arg[0]);
			break;
		case 7:
			if (s->fd >= 0 && !s->shut) {
				client_send(s, 0);
				shutdown(s->fd, SHUT_WR);
				s->shut = true;
				s->olen = 0;
			}
			break;
		case 8:
			client_abort(s);
			break;
		case 9:
			client_abort(s);
			if (!client_connect(s, small))
				may_close = true;
			break;
		case 10:
			net.now_ms += clock_ms[arg[0] & 7];
			if (arg[0] & 0x80) {
				tcp_sweep_idle(&w, cairn_now_ms() + srv.set.tcp_idle_ms + 1);
				may_close = true;
			}
			break;
		case 11:
			queue(s, arg, 2);
			break;
		}
	}
	drain(&net, &cfg);
	for (int i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];

		if (s->fd < 0 || (s->gone && may_close))
			continue;
		FUZZ_REQUIRE(s->awaited == 0, "slot %d: %zu queries never answered (first ID %u)%s",
			     i, s->awaited, s->exp[s->head].id,
			     s->gone ? ", connection closed" : "");
	}
	for (int i = 0; i < SLOTS; i++)
		client_abort(&slots[i]);
	tcp_close_all(&w);
	tcp_bury(&w);
	FUZZ_REQUIRE(w.n_conns == 0 && !w.conn_head, "%zu connections left", w.n_conns);
	resolver_free(w.resolver);
	w.resolver = NULL;
	cache_free(cache);
	return 0;
}
