/* fuzz_upstream: the resolver fed fuzzed upstream replies. The real
 * transport (c-ares) is replaced by the one below, which keeps each query
 * the iterator sends; the harness then answers them, oldest first, with
 * the fuzzer's data: replies (by default patched to carry the query's ID
 * and question so that they pass the iterator's checks and reach
 * rmsg_parse and the scrubber), timeouts or network errors. This drives
 * the whole of iterate.c, scrub.c, msg.c, the cache and the response
 * building in resolver.c, with no network.
 *
 * Input: 3 bytes choosing the client's question and options, then chunks
 * of ctrl(1) len(2, big-endian) data(len):
 *   ctrl & 3       0/1 reply, 2 timeout, 3 network error (bit 2: no route)
 *   ctrl & 0x80    the data is the whole reply, sent as is
 *   ctrl & 0x40    the data's flags are used as they are (else QR is set)
 *   otherwise      reply = query's ID, data[0..1] flags, QDCOUNT 1,
 *                  data[2..7] AN/NS/AR counts, the query's question, data[8..]
 * When the chunks run out every query still pending times out. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../src/resolve/resolve_int.h"
#include "fuzz_check.h"

/* ---- the fake transport ---- */

#define PEND_MAX 64

struct pending {
	transport_done_fn fn;
	void *arg;
	bool tcp;
	size_t len;
	uint8_t pkt[WIRE_HDR_LEN + WIRE_NAME_MAX + 4 + 11];
};

struct transport {
	unsigned n;
	struct pending p[PEND_MAX];
};

static struct transport *cur_t;   /* the resolver's, for the harness */

const char *transport_cares_version(void)
{
	return "fuzz";
}

cairn_err transport_new(int epoll_fd, unsigned timeout_ms, struct transport **out)
{
	(void)epoll_fd;
	(void)timeout_ms;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return CAIRN_ENOMEM;
	cur_t = *out;
	return CAIRN_OK;
}

static bool pop(struct transport *t, struct pending *out)
{
	if (!t->n)
		return false;
	*out = t->p[0];
	memmove(&t->p[0], &t->p[1], --t->n * sizeof(t->p[0]));
	return true;
}

void transport_free(struct transport *t)
{
	struct pending p;

	if (!t)
		return;
	while (pop(t, &p))
		p.fn(p.arg, CAIRN_ENOTFOUND, NULL, 0);
	if (cur_t == t)
		cur_t = NULL;
	free(t);
}

cairn_err transport_send(struct transport *t, const struct cairn_sockaddr *server,
			 bool tcp, uint16_t udp_size, const uint8_t *pkt, size_t len,
			 transport_done_fn fn, void *arg)
{
	struct pending *p;

	(void)server;
	(void)udp_size;
	FUZZ_REQUIRE(len >= WIRE_HDR_LEN + 5 && len <= sizeof(p->pkt), "query of %zu bytes", len);
	if (t->n == PEND_MAX)
		return CAIRN_EIO;
	p = &t->p[t->n++];
	p->fn = fn;
	p->arg = arg;
	p->tcp = tcp;
	p->len = len;
	memcpy(p->pkt, pkt, len);
	return CAIRN_OK;
}

int transport_timeout_ms(struct transport *t)
{
	return t->n ? 0 : -1;
}

void transport_tick(struct transport *t)
{
	(void)t;
}

unsigned transport_channels(const struct transport *t)
{
	return t->n;
}

/* ---- the harness ---- */

struct client {
	struct wire_query q;
	size_t limit;
	unsigned answers;
};

static void done(void *ctx, const uint8_t *resp, size_t len, enum resolve_source src)
{
	struct client *c = ctx;

	(void)src;
	c->answers++;
	if (resp)
		fuzz_check_response(&c->q, resp, len, c->limit);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t reply[65536 + 512];
	static uint8_t qpkt[512], out[65536];
	struct resolver_config cfg;
	struct resolver_forward fwd;
	struct cache *cache;
	struct resolver *r;
	struct client c, c2, c3;
	struct pending p;
	size_t qlen, pos = 3, len;
	enum resolve_source src;
	unsigned steps = 0;
	uint8_t opts;

	if (size < 3)
		return 0;
	opts = data[2];
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
	if (resolver_new(&cfg, cache, -1, &r) != CAIRN_OK)
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
	} else if (resolver_query(r, &c.q, c.limit, done, &c) != CAIRN_OK)
		c.answers++;
	/* an identical question joins the one in flight */
	if ((opts & 0x40) && resolver_query(r, &c2.q, c2.limit, done, &c2) != CAIRN_OK)
		c2.answers++;

	while (cur_t && cur_t->n && steps++ < 500) {
		uint8_t ctrl = 2;
		size_t n = 0;
		const uint8_t *d = NULL;

		if (pos + 3 <= size) {
			ctrl = data[pos];
			n = wire_get16(data + pos + 1);
			pos += 3;
			if (n > size - pos)
				n = size - pos;
			d = data + pos;
			pos += n;
		}
		pop(cur_t, &p);
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
	}
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
	FUZZ_REQUIRE(!(opts & 0x40) || c2.answers == 1, "second client answered %u times",
		     c2.answers);
	return 0;
}
