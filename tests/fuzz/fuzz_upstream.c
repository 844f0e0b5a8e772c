/* fuzz_upstream: the resolver fed fuzzed upstream replies. The resolver
 * is made with resolver_new_io() and sees the network and the clock
 * through the fake below (struct resolver_io, include/cairn/resolve.h),
 * which keeps each query the iterator sends; the harness then answers
 * them, oldest first, with the fuzzer's data: replies (by default patched
 * to carry the query's ID and question so that they pass the iterator's
 * checks and reach the reply parser and the scrubber), timeouts or
 * network errors. This drives the whole iterator, the scrubber, the
 * message parser, the cache and the response building, with no network.
 * After every reply resolver_tick() runs (completions may be delivered
 * there or at once; both are accepted) and at the end the clock runs on
 * until every client has been answered, exactly once, with a response.
 *
 * Input: 3 bytes choosing the client's question and options, then chunks
 * of ctrl(1) len(2, big-endian) data(len):
 *   ctrl & 3       0/1 reply, 2 timeout, 3 network error (bit 2: no route)
 *   ctrl & 0x80    the data is the whole reply, sent as is
 *   ctrl & 0x40    the data's flags are used as they are (else QR is set)
 *   ctrl & 0x38    the clock moves on first by 0, 10 ms, 1 s, 5 s, 1 min,
 *                  10 min, 1 h or 1 day ((ctrl >> 3) & 7)
 *   otherwise      reply = query's ID, data[0..1] flags, QDCOUNT 1,
 *                  data[2..7] AN/NS/AR counts, the query's question, data[8..]
 * When the chunks run out every query still pending times out. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "cairn/cache.h"
#include "cairn/resolve.h"
#include "fuzz_check.h"
#include "fuzz_net.h"

/* ---- the harness ---- */

struct client {
	struct wire_query q;
	size_t limit;
	unsigned answers;        /* done calls */
	unsigned empty;          /* of which without a response (resp NULL) */
};

static void done(void *ctx, const uint8_t *resp, size_t len, enum resolve_source src)
{
	struct client *c = ctx;

	(void)src;
	c->answers++;
	if (resp)
		fuzz_check_response(&c->q, resp, len, c->limit);
	else
		c->empty++;
}

static struct cache *new_cache(void)
{
	struct cache_config cc;
	struct cache *c;

	cache_config_default(&cc);
	cc.max_bytes = 256 * 1024;   /* small: eviction happens */
	if (cache_new(&cc, &c) != CAIRN_OK)
		abort();
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_open(LOG_SINK_FILE, "/dev/null", LOG_LVL_DEBUG);
	return 0;
}

/* Builds the client's query into pkt; returns its length. */
static size_t client_query(uint8_t sel_type, uint8_t sel_name, uint8_t opts, uint8_t *pkt)
{
	static const uint16_t types[] = {
		WIRE_TYPE_A, WIRE_TYPE_AAAA, WIRE_TYPE_NS, WIRE_TYPE_CNAME, WIRE_TYPE_MX,
		WIRE_TYPE_TXT, WIRE_TYPE_SOA, WIRE_TYPE_PTR, WIRE_TYPE_ANY, WIRE_TYPE_DS,
		WIRE_TYPE_SRV, WIRE_TYPE_CAA, 99, WIRE_TYPE_DNSKEY, WIRE_TYPE_AXFR, 0,
	};
	static const char *const names[] = {
		"www.example.com.", "example.com.", "com.", ".", "a.b.c.d.e.f.example.net.",
		"WwW.ExAmPlE.CoM.", "x.fwd.example.", "1.0.0.127.in-addr.arpa.",
		"mail.shop.net.", "localhost.",
		("a-very-long-label-to-make-the-name-longer."
		 "and-another-one-of-those-labels.example.org."), "ns1.example.com.",
	};
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen, len;

	if (wire_name_from_text(names[sel_name % (sizeof(names) / sizeof(names[0]))], NULL,
				name, &nlen) != CAIRN_OK)
		abort();
	memset(pkt, 0, WIRE_HDR_LEN);
	wire_put16(pkt, 0x1234);
	wire_put16(pkt + 2, (opts & 1) ? 0 : WIRE_FLAG_RD);
	wire_put16(pkt + 4, 1);
	wire_put16(pkt + 10, (opts & 2) ? 1 : 0);
	memcpy(pkt + WIRE_HDR_LEN, name, nlen);
	len = WIRE_HDR_LEN + nlen;
	wire_put16(pkt + len, types[sel_type % (sizeof(types) / sizeof(types[0]))]);
	wire_put16(pkt + len + 2, WIRE_CLASS_IN);
	len += 4;
	if (opts & 2) {
		pkt[len] = 0;
		wire_put16(pkt + len + 1, WIRE_TYPE_OPT);
		wire_put16(pkt + len + 3, (opts & 0x10) ? 4096 : 512);
		wire_put32(pkt + len + 5, (opts & 0x20) ? 0x8000 : 0);
		wire_put16(pkt + len + 9, 0);
		len += 11;
	}
	return len;
}

/* The reply to p from the chunk data[0..n). */
static size_t make_reply(const struct pending *p, uint8_t ctrl, const uint8_t *data,
			 size_t n, uint8_t *out)
{
	size_t qend = WIRE_HDR_LEN, len;

	if (ctrl & 0x80) {
		memcpy(out, data, n);
		return n;
	}
	while (qend < p->len && p->pkt[qend])
		qend += p->pkt[qend] + 1;
	qend += 5;
	memset(out, 0, WIRE_HDR_LEN);
	memcpy(out, p->pkt, 2);
	if (n >= 2)
		memcpy(out + 2, data, 2);
	if (!(ctrl & 0x40))
		out[2] |= 0x80;
	wire_put16(out + 4, 1);
	if (n >= 8)
		memcpy(out + 6, data + 2, 6);
	memcpy(out + WIRE_HDR_LEN, p->pkt + WIRE_HDR_LEN, qend - WIRE_HDR_LEN);
	len = qend;
	if (n > 8) {
		memcpy(out + len, data + 8, n - 8);
		len += n - 8;
	}
	return len;
}

static bool all_answered(const struct client *c, const struct client *c2, bool two)
{
	return c->answers && (!two || c2->answers);
}

/* Lets time pass until both clients are answered: queries still pending
 * time out (the clock moves on by the upstream timeout), and when none is
 * pending the clock moves to when the resolver says something is due (at
 * least 1 ms, at most 1 s a turn); resolver_tick() after each. Every
 * resolution ends by its deadline (resolve-timeout) at the latest, so the
 * bound on turns is never what stops this. */
static void run_clock(struct resolver *r, struct fakenet *f, const struct client *c,
		      const struct client *c2, bool two, const struct resolver_config *cfg)
{
	uint64_t until = f->now_ms + cfg->max_time_ms + 2000;
	struct pending p;

	for (unsigned turns = 0; !all_answered(c, c2, two) && turns < 20000 &&
	     f->now_ms < until; turns++) {
		if (pop(f, &p)) {
			f->now_ms += cfg->upstream_timeout_ms;
			p.fn(p.arg, CAIRN_ELIMIT, NULL, 0);
		} else {
			int t = resolver_timeout_ms(r);

			f->now_ms += t < 1 ? 1 : t > 1000 ? 1000 : (unsigned)t;
		}
		resolver_tick(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t steps_ms[8] = { 0, 10, 1000, 5000, 60000, 600000, 3600000,
					      86400000 };
	static uint8_t reply[65536 + 512];
	static uint8_t qpkt[512], out[65536];
	struct resolver_config cfg;
	struct resolver_forward fwd;
	struct fakenet net;
	struct resolver_io io;
	struct cache *cache;
	struct resolver *r;
	struct client c, c2, c3;
	struct pending p;
	size_t qlen, pos = 3, len;
	enum resolve_source src;
	unsigned steps = 0;
	uint8_t opts;
	bool two;

	if (size < 3)
		return 0;
	opts = data[2];
	two = opts & 0x40;
	resolver_config_default(&cfg);
	cfg.root_hints = FUZZ_SRCDIR "/zones/lab/root.hints";
	cfg.query_loopback = true;
	cfg.qname_minimisation = !(opts & 4);
	cfg.max_time_ms = 1000000;
	memset(&fwd, 0, sizeof(fwd));
	if (wire_name_from_text("fwd.example.", NULL, fwd.name, &len) != CAIRN_OK)
		abort();
	fwd.naddr = 1;
	fwd.addr[0].len = sizeof(struct sockaddr_in);
	((struct sockaddr_in *)&fwd.addr[0].ss)->sin_family = AF_INET;
	((struct sockaddr_in *)&fwd.addr[0].ss)->sin_addr.s_addr = htonl(0x7f090909);
	((struct sockaddr_in *)&fwd.addr[0].ss)->sin_port = htons(53);
	cfg.forwards = &fwd;
	cfg.n_forwards = 1;
	cache = new_cache();
	fakenet_init(&net, &io);
	if (resolver_new_io(&cfg, cache, &io, &r) != CAIRN_OK)
		abort();

	qlen = client_query(data[0], data[1], opts, qpkt);
	memset(&c, 0, sizeof(c));
	if (wire_query_parse(qpkt, qlen, &c.q) != WIRE_OK)
		abort();
	c.limit = (opts & 8) ? 65535 : wire_query_udp_limit(&c.q, WIRE_EDNS_SIZE);
	c2 = c;
	/* as dispatch does: the cache-hit path first, then a resolution */
	if (resolver_answer_cached(r, &c.q, out, c.limit, &len, &src)) {
		fuzz_check_response(&c.q, out, len, c.limit);
		c.answers++;
	} else if (resolver_query(r, &c.q, c.limit, done, &c) != CAIRN_OK) {
		c.answers++;
	}
	/* an identical question joins the one in flight */
	if (two && resolver_query(r, &c2.q, c2.limit, done, &c2) != CAIRN_OK)
		c2.answers++;
	resolver_tick(r);

	while ((net.n || !all_answered(&c, &c2, two)) && steps++ < 500) {
		uint8_t ctrl = 2;
		size_t n = 0;
		const uint8_t *d = NULL;

		if (!net.n) {
			/* nothing sent, somebody not answered yet: time passes */
			int t = resolver_timeout_ms(r);

			net.now_ms += t < 1 ? 1 : t > 1000 ? 1000 : (unsigned)t;
			resolver_tick(r);
			continue;
		}
		if (pos + 3 <= size) {
			ctrl = data[pos];
			n = wire_get16(data + pos + 1);
			pos += 3;
			if (n > size - pos)
				n = size - pos;
			d = data + pos;
			pos += n;
		}
		net.now_ms += steps_ms[(ctrl >> 3) & 7];
		pop(&net, &p);
		switch (ctrl & 3) {
		case 2:
			p.fn(p.arg, CAIRN_ELIMIT, NULL, 0);
			break;
		case 3:
			p.fn(p.arg, (ctrl & 4) ? CAIRN_EINVAL : CAIRN_EIO, NULL, 0);
			break;
		default:
			len = make_reply(&p, ctrl, d, n, reply);
			p.fn(p.arg, CAIRN_OK, reply, len);
			break;
		}
		/* completions may be delivered here (the worker loop's turn) */
		resolver_tick(r);
	}
	/* the resolution ends by its deadline at the latest */
	run_clock(r, &net, &c, &c2, two, &cfg);
	FUZZ_REQUIRE(c.answers == 1 && c.empty == 0,
		     "client answered %u times (%u without a response), %u upstream queries",
		     c.answers, c.empty, net.sent);
	FUZZ_REQUIRE(!two || (c2.answers == 1 && c2.empty == 0),
		     "second client answered %u times (%u without a response)", c2.answers,
		     c2.empty);
	/* the cache-hit path and RD=0 (norec) answers on what was cached */
	if (resolver_answer_cached(r, &c.q, out, c.limit, &len, &src))
		fuzz_check_response(&c.q, out, len, c.limit);
	wire_put16(qpkt + 2, 0);
	if (wire_query_parse(qpkt, qlen, &c3.q) != WIRE_OK)
		abort();
	FUZZ_REQUIRE(resolver_answer_cached(r, &c3.q, out, c.limit, &len, &src),
		     "RD=0 query not answered at once");
	fuzz_check_response(&c3.q, out, len, c.limit);

	resolver_tick(r);
	resolver_free(r);
	cache_free(cache);
	FUZZ_REQUIRE(c.answers == 1, "client answered %u times", c.answers);
	FUZZ_REQUIRE(!two || c2.answers == 1, "second client answered %u times", c2.answers);
	return 0;
}
