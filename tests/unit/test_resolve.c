/* test_resolve: the resolver's parts that need no network: root hints,
 * upstream message parsing, the scrubber's bailiwick decisions and reply
 * classification (referral, answer, negative, lame), what gets cached,
 * CNAME chains through the cache, server selection, and the locally
 * served zones (RFC 6761, RFC 6303) with local-zone-disable, and the
 * answers to RD=0 queries (cache or referral, never upstream). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../../src/resolve/resolve_int.h"

struct fixture {
	int ep;
	struct cache *cache;
	struct resolver *r;
	struct rq *q;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct cache_config cc = { .max_bytes = 1 << 22, .max_ttl = 86400,
				   .max_negative_ttl = 3600 };
	struct resolver_config cfg;

	resolver_config_default(&cfg);
	cfg.root_hints = TEST_SRCDIR "/zones/lab/root.hints";
	cfg.query_loopback = true;
	f->ep = epoll_create1(0);
	assert_int_equal(cache_new(&cc, &f->cache), CAIRN_OK);
	assert_int_equal(resolver_new(&cfg, f->cache, f->ep, &f->r), CAIRN_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->q) {
		free(f->q->acc.buf);
		free(f->q);
	}
	resolver_free(f->r);
	cache_free(f->cache);
	close(f->ep);
	free(f);
	return 0;
}

static void name(const char *text, uint8_t *out)
{
	size_t len;
	assert_int_equal(wire_name_from_text(text, NULL, out, &len), CAIRN_OK);
}

/* A resolution asking qname/qtype of the servers of zone. */
static struct rq *mkq(struct fixture *f, const char *qname, uint16_t qtype, const char *zone)
{
	struct rq *q = calloc(1, sizeof(*q));
	uint8_t z[WIRE_NAME_MAX];

	q->r = f->r;
	name(qname, q->qname);
	name(qname, q->cur);
	name(qname, q->sname);
	q->qtype = q->stype = qtype;
	q->qclass = WIRE_CLASS_IN;
	q->ede = 0xffff;
	name(zone, z);
	iter_dp_reset(q, z);
	f->q = q;
	return q;
}

static void push(ldns_pkt *p, ldns_pkt_section sec, const char *const *rrs)
{
	for (; rrs && *rrs; rrs++) {
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, *rrs, 3600, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, sec, rr);
	}
}

/* Builds a reply to (qname, qtype) and parses it into the resolver's msg. */
static struct rmsg *reply(struct fixture *f, const char *qname, uint16_t qtype, bool aa,
			  int rcode, const char *const *an, const char *const *ns,
			  const char *const *ad)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype,
					 LDNS_RR_CLASS_IN, 0);
	uint8_t *wire;
	size_t len;

	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, aa);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	push(p, LDNS_SECTION_ANSWER, an);
	push(p, LDNS_SECTION_AUTHORITY, ns);
	push(p, LDNS_SECTION_ADDITIONAL, ad);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_int_equal(rmsg_parse(wire, len, &f->r->msg), CAIRN_OK);
	free(wire);
	ldns_pkt_free(p);
	return &f->r->msg;
}

static enum cache_result get(struct fixture *f, const char *n, uint16_t type,
			     struct wire_rrset *rs, enum cache_rank *rank)
{
	static uint8_t scratch[65536];
	uint8_t w[WIRE_NAME_MAX];

	name(n, w);
	return cache_get(f->cache, w, type, cairn_now_ms() / 1000, scratch, sizeof(scratch),
			 rs, rank);
}

/* ---- hints ---- */

static void test_hints_parse(void **state)
{
	struct hints h;
	uint8_t a[WIRE_NAME_MAX];
	(void)state;

	assert_int_equal(hints_parse("; comment\n.  3600000 NS A.ROOT.\n"
				     "A.ROOT. 3600000 IN A 192.0.2.1\n"
				     "A.ROOT. 3600000 AAAA 2001:db8::1\n"
				     ". NS B.ROOT.\nB.ROOT. A 192.0.2.2\n", 53, &h), CAIRN_OK);
	assert_int_equal(h.n, 2);
	name("a.root", a);
	assert_true(wire_name_equal(h.ns[0].name, a));
	assert_int_equal(h.ns[0].naddr, 2);
	assert_int_equal(h.ns[1].naddr, 1);
	/* malformed lines and hints without any address are rejected */
	assert_int_equal(hints_parse(". NS\n", 53, &h), CAIRN_EFORMAT);
	assert_int_equal(hints_parse("A.ROOT. A 300.1.1.1\n. NS A.ROOT.\n", 53, &h), CAIRN_EFORMAT);
	assert_int_equal(hints_parse(". NS A.ROOT.\n", 53, &h), CAIRN_EFORMAT);
	assert_int_equal(hints_parse("A.ROOT. AAAA 192.0.2.1\n. NS A.ROOT.\n", 53, &h),
			 CAIRN_EFORMAT);
}

static void test_hints_load(void **state)
{
	struct hints h;
	bool builtin;
	(void)state;

	assert_int_equal(hints_load(TEST_SRCDIR "/zones/lab/root.hints", 53, &h, &builtin),
			 CAIRN_OK);
	assert_false(builtin);
	assert_int_equal(h.n, 2);
	/* a configured file that is missing is an error, not a silent fallback */
	assert_int_equal(hints_load("/nonexistent/root.hints", 53, &h, &builtin), CAIRN_EIO);
}

/* ---- messages ---- */

static void test_rmsg_decompress(void **state)
{
	struct fixture *f = *state;
	static const char *an[] = { "example.com. 300 IN MX 10 mail.example.com.", NULL };
	static const char *ns[] = { "example.com. 300 IN SOA ns1.example.com. h.example.com. 1 2 3 4 5",
				    NULL };
	struct rmsg *m = reply(f, "example.com.", LDNS_RR_TYPE_MX, true, 0, an, ns, NULL);
	uint8_t mail[WIRE_NAME_MAX];

	assert_int_equal(m->nrr, 2);
	name("mail.example.com", mail);
	/* rdata names are stored uncompressed: preference + full name */
	assert_int_equal(m->rr[0].rdlen, 2 + wire_name_len(mail));
	assert_true(wire_name_equal(rmsg_rdata(m, 0) + 2, mail));
	assert_int_equal(m->rr[1].rdlen, 2 * 0 + wire_name_len(rmsg_rdata(m, 1)) +
			 wire_name_len(rmsg_rdata(m, 1) + wire_name_len(rmsg_rdata(m, 1))) + 20);
	/* rdata names are lowercased: a server compressing against our 0x20
	 * question would otherwise carry its case into the cache */
	{
		static const char *an2[] = { "ExAmple.COM. 300 IN MX 10 MaIL.exAMPLE.com.",
					     NULL };

		m = reply(f, "ExAmple.COM.", LDNS_RR_TYPE_MX, true, 0, an2, NULL, NULL);
		assert_int_equal(m->nrr, 1);
		assert_memory_equal(rmsg_rdata(m, 0) + 2, mail, wire_name_len(mail));
	}
	/* truncated packets are refused */
	{
		static const uint8_t bad[] = { 0, 1, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0,
					       3, 'c', 'o', 'm', 0, 0, 1, 0, 1, 0xc0, 12, 0, 1 };
		assert_int_equal(rmsg_parse(bad, sizeof(bad), &f->r->msg), CAIRN_EFORMAT);
	}
}

/* ---- the scrubber ---- */

static void test_referral_glue_bailiwick(void **state)
{
	struct fixture *f = *state;
	struct rq *q = mkq(f, "www.example.com.", LDNS_RR_TYPE_A, "com.");
	static const char *ns[] = { "example.com. 172800 IN NS ns1.example.com.",
				    "example.com. 172800 IN NS ns.other.net.", NULL };
	static const char *ad[] = { "ns1.example.com. 172800 IN A 127.3.0.1",
				    "ns.other.net. 172800 IN A 6.6.6.6",      /* not ours */
				    "www.victim.com. 172800 IN A 6.6.6.6", NULL }; /* unrelated */
	struct rmsg *m = reply(f, "www.example.com.", LDNS_RR_TYPE_A, false, 0, NULL, ns, ad);
	struct wire_rrset rs;
	enum cache_rank rank;
	uint8_t z[WIRE_NAME_MAX];

	assert_int_equal(scrub_process(q, m), IT_REFERRAL);
	name("example.com", z);
	assert_true(wire_name_equal(q->dp.zone, z));
	assert_int_equal(q->dp.nns, 2);
	assert_int_equal(q->dp.naddr, 1);  /* only the in-bailiwick glue */
	assert_int_equal(get(f, "example.com", WIRE_TYPE_NS, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_REFERRAL);
	assert_int_equal(rs.count, 2);
	assert_int_equal(get(f, "ns1.example.com", WIRE_TYPE_A, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_GLUE);
	assert_int_equal(get(f, "ns.other.net", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(f, "www.victim.com", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
}

static void test_answer_injection_dropped(void **state)
{
	struct fixture *f = *state;
	struct rq *q = mkq(f, "www.evil.tst.", LDNS_RR_TYPE_A, "evil.tst.");
	static const char *an[] = { "www.evil.tst. 300 IN A 127.7.0.80",
				    "www.good.tst. 300 IN A 6.6.6.6", NULL };
	static const char *ns[] = { "good.tst. 300 IN NS ns.evil.tst.", NULL };
	static const char *ad[] = { "ns1.good.tst. 300 IN A 6.6.6.6", NULL };
	struct rmsg *m = reply(f, "www.evil.tst.", LDNS_RR_TYPE_A, true, 0, an, ns, ad);
	struct wire_rrset rs;
	enum cache_rank rank;
	size_t pos = 0;
	int sec, n = 0;

	assert_int_equal(scrub_process(q, m), IT_DONE);
	assert_int_equal(q->rcode, WIRE_RCODE_NOERROR);
	while (acc_next(&q->acc, &pos, &sec, &rs))
		n++;
	assert_int_equal(n, 1);  /* the answer alone goes to the client */
	assert_int_equal(get(f, "www.evil.tst", WIRE_TYPE_A, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	assert_int_equal(get(f, "www.good.tst", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(f, "good.tst", WIRE_TYPE_NS, &rs, NULL), CACHE_MISS);
	assert_int_equal(get(f, "ns1.good.tst", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
}

static void test_lame_replies(void **state)
{
	struct fixture *f = *state;
	static const char *an[] = { "www.example.com. 300 IN A 192.0.2.1", NULL };
	static const char *up[] = { ". 518400 IN NS a.root-servers.net.", NULL };
	static const char *side[] = { "example.net. 300 IN NS ns.example.net.", NULL };
	struct wire_rrset rs;

	enum cache_rank rank;
	static const char *a4[] = { "www.example.com. 300 IN A 192.0.2.1", NULL };

	/* an answer without AA from the zone's own server is data (RFC 1034
	 * §5.3.3), ranked below an authoritative one (RFC 2181 §5.4.1) */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_A, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_A,
						   false, 0, an, NULL, NULL)), IT_DONE);
	assert_int_equal(get(f, "www.example.com", WIRE_TYPE_A, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_ANSWER_NONAUTH);
	free(f->q->acc.buf);
	free(f->q);
	/* an A record to an AAAA question: scrubbed, no data, nothing cached */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_AAAA, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_AAAA,
						   true, 0, a4, NULL, NULL)), IT_DONE);
	assert_int_equal(f->q->acc.len, 0);
	assert_int_equal(get(f, "www.example.com", WIRE_TYPE_AAAA, &rs, NULL), CACHE_MISS);
	free(f->q);
	/* an authoritative upward referral is lameness, not an empty answer */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_A, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_A,
						   true, 0, NULL, up, NULL)), IT_LAME);
	free(f->q);
	/* an upward referral */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_A, "com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_A,
						   false, 0, NULL, up, NULL)), IT_LAME);
	free(f->q);
	/* a sideways referral */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_A, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_A,
						   false, 0, NULL, side, NULL)), IT_LAME);
	assert_int_equal(get(f, "example.net", WIRE_TYPE_NS, &rs, NULL), CACHE_MISS);
}

static void test_negative(void **state)
{
	struct fixture *f = *state;
	static const char *soa[] = {
		"example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 7200 900 1209600 300",
		NULL };
	struct wire_rrset rs;
	size_t pos = 0;
	int sec;

	mkq(f, "nope.example.com.", LDNS_RR_TYPE_A, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "nope.example.com.", LDNS_RR_TYPE_A,
						   true, LDNS_RCODE_NXDOMAIN, NULL, soa, NULL)),
			 IT_DONE);
	assert_int_equal(f->q->rcode, WIRE_RCODE_NXDOMAIN);
	assert_true(acc_next(&f->q->acc, &pos, &sec, &rs));
	assert_int_equal(sec, WIRE_SEC_AUTHORITY);
	assert_int_equal(rs.ttl, 300);  /* RFC 2308 §5: min(SOA TTL, MINIMUM) */
	/* NXDOMAIN answers every type */
	assert_int_equal(get(f, "nope.example.com", WIRE_TYPE_MX, &rs, NULL), CACHE_NXDOMAIN);
	assert_true(rs.ttl <= 300 && rs.ttl >= 299);
	free(f->q->acc.buf);
	free(f->q);
	/* NODATA */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_AAAA, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_AAAA,
						   true, 0, NULL, soa, NULL)), IT_DONE);
	assert_int_equal(f->q->rcode, WIRE_RCODE_NOERROR);
	assert_int_equal(get(f, "www.example.com", WIRE_TYPE_AAAA, &rs, NULL), CACHE_NODATA);
	assert_int_equal(get(f, "www.example.com", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
}

static void test_cname_follow_and_loop(void **state)
{
	struct fixture *f = *state;
	static const char *out[] = { "www.example.com. 300 IN CNAME www.shop.net.", NULL };
	static const char *loop[] = { "a.example.com. 300 IN CNAME b.example.com.",
				      "b.example.com. 300 IN CNAME a.example.com.", NULL };
	uint8_t shop[WIRE_NAME_MAX], n[WIRE_NAME_MAX], rcode;
	struct acc a = { 0 };
	unsigned cnames = 0;

	/* a CNAME out of the zone: follow it from the top */
	mkq(f, "www.example.com.", LDNS_RR_TYPE_A, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "www.example.com.", LDNS_RR_TYPE_A,
						   true, 0, out, NULL, NULL)), IT_FOLLOW);
	name("www.shop.net", shop);
	assert_true(wire_name_equal(f->q->cur, shop));
	free(f->q->acc.buf);
	free(f->q);
	/* a loop inside one reply */
	mkq(f, "a.example.com.", LDNS_RR_TYPE_A, "example.com.");
	assert_int_equal(scrub_process(f->q, reply(f, "a.example.com.", LDNS_RR_TYPE_A,
						   true, 0, loop, NULL, NULL)), IT_FAIL);
	/* the loop is now in the cache: following it from there fails too */
	name("a.example.com", n);
	assert_int_equal(iter_chain_cache(f->r, n, WIRE_TYPE_A, &cnames, &a, &rcode, NULL, false, NULL), CHAIN_FAIL);
	free(a.buf);
}

/* RFC 8109 §3: the addresses in the priming reply's additional section
 * are cached as glue (to reach the root servers), never as answers. */
static void test_priming_glue(void **state)
{
	struct fixture *f = *state;
	static const char *an[] = { ". 518400 IN NS a.root-servers.net.",
				    ". 518400 IN NS b.root-servers.net.", NULL };
	static const char *ad[] = { "a.root-servers.net. 518400 IN A 127.1.0.1",
				    "a.root-servers.net. 518400 IN AAAA fd00:53::1",
				    "b.root-servers.net. 518400 IN A 127.1.0.2",
				    "www.victim.com. 518400 IN A 6.6.6.6", NULL }; /* no NS name */
	struct wire_rrset rs;
	enum cache_rank rank;
	uint8_t n[WIRE_NAME_MAX], rcode;
	struct acc a = { 0 };
	unsigned cnames = 0;

	mkq(f, ".", LDNS_RR_TYPE_NS, ".");
	assert_int_equal(scrub_process(f->q, reply(f, ".", LDNS_RR_TYPE_NS, true, 0, an, NULL,
						   ad)), IT_DONE);
	assert_int_equal(get(f, ".", WIRE_TYPE_NS, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_AUTH_ANSWER);
	assert_int_equal(get(f, "a.root-servers.net", WIRE_TYPE_A, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(rank, CACHE_RANK_GLUE);
	assert_int_equal(get(f, "a.root-servers.net", WIRE_TYPE_AAAA, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(get(f, "b.root-servers.net", WIRE_TYPE_A, &rs, &rank), CACHE_POSITIVE);
	assert_int_equal(get(f, "www.victim.com", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
	/* glue is no answer for clients */
	name("a.root-servers.net", n);
	assert_int_equal(iter_chain_cache(f->r, n, WIRE_TYPE_A, &cnames, &a, &rcode, NULL, false, NULL), CHAIN_MISS);
	free(a.buf);
	/* an NS answer from a zone's servers: only in-bailiwick addresses */
	free(f->q->acc.buf);
	free(f->q);
	{
		static const char *an2[] = { "example.com. 3600 IN NS ns1.example.com.",
					     "example.com. 3600 IN NS ns.other.net.", NULL };
		static const char *ad2[] = { "ns1.example.com. 3600 IN A 127.3.0.1",
					     "ns.other.net. 3600 IN A 6.6.6.6", NULL };
		mkq(f, "example.com.", LDNS_RR_TYPE_NS, "example.com.");
		assert_int_equal(scrub_process(f->q, reply(f, "example.com.", LDNS_RR_TYPE_NS,
							   true, 0, an2, NULL, ad2)), IT_DONE);
		assert_int_equal(get(f, "ns1.example.com", WIRE_TYPE_A, &rs, &rank), CACHE_POSITIVE);
		assert_int_equal(rank, CACHE_RANK_GLUE);
		assert_int_equal(get(f, "ns.other.net", WIRE_TYPE_A, &rs, NULL), CACHE_MISS);
	}
}

/* ---- server selection ---- */

static struct cairn_sockaddr addr(const char *text)
{
	struct cairn_sockaddr sa;
	assert_int_equal(cairn_sockaddr_parse(text, 53, &sa), CAIRN_OK);
	return sa;
}

static const uint8_t zone_a[] = "\007example\000";
static const uint8_t zone_b[] = "\005other\000";

static void test_servers_select(void **state)
{
	struct servers *s = malloc(sizeof(*s));
	struct cairn_sockaddr c[3] = { addr("192.0.2.1"), addr("192.0.2.2"), addr("2001:db8::3") };
	bool tried[3] = { false, false, false };
	unsigned picks[3] = { 0, 0, 0 };
	uint64_t now = 1000000;
	const uint8_t *z = zone_a;
	(void)state;

	assert_int_equal(servers_init(s, 42, 100, 100), CAIRN_OK);
	servers_rtt(s, &c[0], 80, now);
	servers_rtt(s, &c[1], 5, now);
	servers_rtt(s, &c[2], 40, now);
	for (int i = 0; i < 1000; i++)
		picks[servers_select(s, z, c, tried, 3, now)]++;
	/* the fastest most of the time, the others explored sometimes */
	assert_true(picks[1] > 850);
	assert_true(picks[0] + picks[2] > 0);
	/* lame servers are skipped; tried ones too */
	servers_lame(s, z, &c[1], now);
	tried[2] = true;
	assert_int_equal(servers_select(s, z, c, tried, 3, now), 0);
	/* ... for that zone only */
	assert_int_equal(servers_select(s, zone_b, c + 1, tried, 1, now), 0);
	/* an unreachable family is avoided */
	tried[2] = false;
	servers_unreachable(s, &c[2], now);
	assert_int_equal(servers_select(s, z, c, tried, 3, now), 0);
	tried[0] = true;
	assert_int_equal(servers_select(s, z, c, tried, 3, now), -1);
	/* lameness wears off */
	tried[0] = false;
	assert_int_equal(servers_select(s, z, c + 1, tried, 1, now + 3600 * 1000), 0);
	/* repeated timeouts put a server aside (never lame) */
	servers_timeout(s, &c[0], now);
	servers_timeout(s, &c[0], now);
	assert_int_equal(servers_select(s, z, c, tried, 1, now), -1);
	assert_false(servers_is_lame(s, z, &c[0], now));
	assert_true(servers_is_loopback(&(struct cairn_sockaddr){ 0 }) == false);
	{
		/* a family without a route is avoided while the other family
		 * has a server, and tried when it alone is left */
		struct cairn_sockaddr m[2] = { addr("2001:db8::9"), addr("192.0.2.9") };
		bool t2[2] = { false, false };
		servers_rtt(s, &m[0], 1, now);      /* the fastest, but IPv6 */
		servers_rtt(s, &m[1], 300, now);
		servers_unreachable(s, &c[2], now);  /* another IPv6 address */
		for (int i = 0; i < 200; i++)
			assert_int_equal(servers_select(s, z, m, t2, 2, now), 1);
		t2[1] = true;
		assert_int_equal(servers_select(s, z, m, t2, 2, now), 0);
	}
	{
		struct cairn_sockaddr l4 = addr("127.1.2.3"), l6 = addr("::1");
		assert_true(servers_is_loopback(&l4));
		assert_true(servers_is_loopback(&l6));
		assert_false(servers_is_loopback(&c[0]));
	}
	servers_free(s);
	free(s);
}

/* The infra cache: lame marks per (zone, address) with a back-off that
 * grows and is cleared by a good answer; bounded tables; unwanted
 * replies switch a server to TCP. */
static void test_servers_infra(void **state)
{
	struct servers *s = malloc(sizeof(*s));
	struct cairn_sockaddr a = addr("192.0.2.1"), b = addr("192.0.2.2");
	uint64_t now = 1000000;
	(void)state;

	assert_int_equal(servers_init(s, 7, 4, 3), CAIRN_OK);
	servers_lame(s, zone_a, &a, now);
	assert_true(servers_is_lame(s, zone_a, &a, now + 4999));
	assert_false(servers_is_lame(s, zone_a, &a, now + 5000));  /* 5 s at first */
	assert_false(servers_is_lame(s, zone_b, &a, now));
	assert_false(servers_is_lame(s, zone_a, &b, now));
	servers_lame(s, zone_a, &a, now);
	assert_true(servers_is_lame(s, zone_a, &a, now + 9999));   /* then 10 s */
	for (int i = 0; i < 20; i++)
		servers_lame(s, zone_a, &a, now);
	assert_true(servers_is_lame(s, zone_a, &a, now + 899999)); /* at most 15 min */
	assert_false(servers_is_lame(s, zone_a, &a, now + 900000));
	servers_good(s, zone_a, &a);
	assert_false(servers_is_lame(s, zone_a, &a, now));
	/* bounded: the least recently used go */
	for (unsigned i = 0; i < 10; i++) {
		char text[32];
		struct cairn_sockaddr x;
		snprintf(text, sizeof(text), "198.51.100.%u", i);
		x = addr(text);
		servers_get(s, &x, now);
		servers_lame(s, zone_b, &x, now);
	}
	assert_int_equal(servers_count(s), 4);
	assert_int_equal(servers_lame_count(s), 3);
	/* unwanted replies: at the threshold, TCP only, told once */
	for (int i = 0; i < 9; i++)
		assert_false(servers_unwanted(s, &b, now, 10));
	assert_false(servers_tcp_only(s, &b, now));
	assert_true(servers_unwanted(s, &b, now, 10));
	assert_true(servers_tcp_only(s, &b, now));
	for (int i = 0; i < 10; i++)
		assert_false(servers_unwanted(s, &b, now, 10));
	assert_false(servers_tcp_only(s, &b, now + 16 * 60 * 1000));
	servers_free(s);
	free(s);
}

/* What servers_walk reported. */
struct walk_got {
	unsigned hosts, lames;
	uint32_t rtt_a;
	uint64_t lame_ms;
	bool lame_zone_a;
};

static void walk_cb(void *ctx, const struct resolver_infra *e)
{
	struct walk_got *g = ctx;
	struct cairn_sockaddr a = addr("192.0.2.1");

	if (e->lame) {
		g->lames++;
		g->lame_ms = e->lame_ms;
		g->lame_zone_a = wire_name_equal(e->zone, zone_a);
		return;
	}
	g->hosts++;
	if (memcmp(&e->sa.ss, &a.ss, a.len) == 0)
		g->rtt_a = e->srtt_ms;
}

/* servers_walk (cairn-control infra) filters by IP address, any port, and
 * skips expired lame marks; servers_forget (flush-infra) removes an
 * address's entry and its lame marks, or everything. */
static void test_servers_walk_forget(void **state)
{
	struct servers *s = malloc(sizeof(*s));
	struct cairn_sockaddr a = addr("192.0.2.1"), a5353 = addr("192.0.2.1@5353"),
			      b = addr("192.0.2.2"), c = addr("2001:db8::1");
	struct walk_got g = { 0 };
	uint64_t now = 1000000;
	(void)state;

	assert_int_equal(servers_init(s, 7, 100, 100), CAIRN_OK);
	servers_rtt(s, &a, 40, now);
	servers_rtt(s, &b, 60, now);
	servers_rtt(s, &c, 80, now);
	servers_lame(s, zone_a, &a, now);
	servers_lame(s, zone_b, &b, now);
	servers_walk(s, NULL, now + 1000, walk_cb, &g);
	assert_int_equal(g.hosts, 3);
	assert_int_equal(g.lames, 2);
	memset(&g, 0, sizeof(g));
	servers_walk(s, &a5353, now + 1000, walk_cb, &g);  /* the port does not matter */
	assert_int_equal(g.hosts, 1);
	assert_int_equal(g.rtt_a, 40);
	assert_int_equal(g.lames, 1);
	assert_true(g.lame_zone_a);
	assert_int_equal(g.lame_ms, 4000);
	memset(&g, 0, sizeof(g));
	servers_walk(s, &a, now + 5000, walk_cb, &g);       /* the mark expired */
	assert_int_equal(g.lames, 0);
	/* forgetting a: its entry and its lame mark, nothing else */
	assert_int_equal(servers_forget(s, &a5353), 2);
	assert_false(servers_is_lame(s, zone_a, &a, now));
	assert_true(servers_is_lame(s, zone_b, &b, now));
	assert_int_equal(servers_count(s), 2);
	assert_int_equal(servers_forget(s, &a), 0);
	/* everything */
	servers_unreachable(s, &c, now);
	assert_int_equal(servers_forget(s, NULL), 3);
	assert_int_equal(servers_count(s), 0);
	assert_int_equal(servers_lame_count(s), 0);
	assert_int_equal(s->v6_down_until, 0);
	memset(&g, 0, sizeof(g));
	servers_walk(s, NULL, now, walk_cb, &g);
	assert_int_equal(g.hosts + g.lames, 0);
	servers_free(s);
	free(s);
}

/* ---- locally served zones (RFC 6761, RFC 6303) ---- */

/* Asks r the question (qname, qtype), RD set or not, through the
 * cache-hit path; returns the parsed response (its source in *src), or
 * NULL when the resolver would go upstream. */
static ldns_pkt *ask(struct resolver *r, const char *qname, uint16_t qtype, bool rd,
		     enum resolve_source *src)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), qtype,
					 LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	struct wire_query q;
	uint8_t *wire, out[4096];
	size_t len, olen = 0;
	ldns_pkt *resp = NULL;

	ldns_pkt_set_id(p, 4242);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_int_equal(wire_query_parse(wire, len, &q), WIRE_OK);
	if (resolver_answer_cached(r, &q, out, sizeof(out), &olen, src)) {
		assert_int_equal(ldns_wire2pkt(&resp, out, olen), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_id(resp), 4242);
		assert_true(ldns_pkt_ra(resp));
		assert_int_equal(ldns_pkt_rd(resp), rd);
	}
	free(wire);
	ldns_pkt_free(p);
	return resp;
}

static ldns_pkt *ask_local(struct resolver *r, const char *qname, uint16_t qtype)
{
	enum resolve_source src = RESOLVE_SRC_RESOLVED;
	ldns_pkt *resp = ask(r, qname, qtype, true, &src);

	if (resp) {
		assert_true(ldns_pkt_aa(resp));    /* like unbound's local zones */
		assert_int_equal(src, RESOLVE_SRC_LOCAL);
	}
	return resp;
}

/* The one record of section sec in presentation form (TTL included). */
static void expect_rr(ldns_pkt *p, ldns_pkt_section sec, const char *text)
{
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, sec);
	char *s;

	assert_int_equal(ldns_rr_list_rr_count(l), 1);
	s = ldns_rr2str(ldns_rr_list_rr(l, 0));
	s[strcspn(s, "\n")] = '\0';
	for (char *c = s; *c; c++)
		if (*c == '\t')
			*c = ' ';
	assert_string_equal(s, text);
	free(s);
	ldns_rr_list_deep_free(l);
}

static void expect_local(struct resolver *r, const char *qname, uint16_t qtype, int rcode,
			 const char *answer, const char *authority)
{
	ldns_pkt *p = ask_local(r, qname, qtype);

	assert_non_null(p);
	assert_int_equal(ldns_pkt_get_rcode(p), rcode);
	if (answer)
		expect_rr(p, LDNS_SECTION_ANSWER, answer);
	else
		assert_int_equal(ldns_pkt_ancount(p), 0);
	if (authority)
		expect_rr(p, LDNS_SECTION_AUTHORITY, authority);
	else
		assert_int_equal(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
}

#define SOA_TAIL "IN SOA localhost. nobody.invalid. 1 3600 1200 604800 10800"

static void test_localzone_answers(void **state)
{
	struct fixture *f = *state;
	struct resolver *r = f->r;
	const char *six1 = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.";
	char buf[256];

	/* RFC 6761 §6.3: localhost. and the names below it */
	expect_local(r, "localhost.", WIRE_TYPE_A, 0, "localhost. 10800 IN A 127.0.0.1", NULL);
	expect_local(r, "Foo.LocalHost.", WIRE_TYPE_AAAA, 0, "Foo.LocalHost. 10800 IN AAAA ::1", NULL);
	expect_local(r, "localhost.", WIRE_TYPE_NS, 0, "localhost. 10800 IN NS localhost.", NULL);
	expect_local(r, "localhost.", WIRE_TYPE_MX, 0, NULL, "localhost. 10800 " SOA_TAIL);
	expect_local(r, "localhost.", WIRE_TYPE_ANY, 0, NULL, "localhost. 10800 " SOA_TAIL);
	/* RFC 6761 §6.4, §6.2, RFC 7686, RFC 8375: empty zones */
	expect_local(r, "x.invalid.", WIRE_TYPE_A, 3, NULL, "invalid. 10800 " SOA_TAIL);
	expect_local(r, "invalid.", WIRE_TYPE_SOA, 0, "invalid. 10800 " SOA_TAIL, NULL);
	expect_local(r, "invalid.", WIRE_TYPE_A, 0, NULL, "invalid. 10800 " SOA_TAIL);
	expect_local(r, "a.b.test.", WIRE_TYPE_A, 3, NULL, "test. 10800 " SOA_TAIL);
	expect_local(r, "x.onion.", WIRE_TYPE_AAAA, 3, NULL, "onion. 10800 " SOA_TAIL);
	expect_local(r, "printer.home.arpa.", WIRE_TYPE_A, 3, NULL, "home.arpa. 10800 " SOA_TAIL);
	/* RFC 6303 §4.2: the loopback reverse zone has one PTR */
	expect_local(r, "1.0.0.127.in-addr.arpa.", WIRE_TYPE_PTR, 0,
		     "1.0.0.127.in-addr.arpa. 10800 IN PTR localhost.", NULL);
	expect_local(r, "1.0.0.127.in-addr.arpa.", WIRE_TYPE_A, 0, NULL,
		     "127.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "0.0.127.in-addr.arpa.", WIRE_TYPE_PTR, 0, NULL,   /* empty non-terminal */
		     "127.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "2.0.0.127.in-addr.arpa.", WIRE_TYPE_PTR, 3, NULL,
		     "127.in-addr.arpa. 10800 " SOA_TAIL);
	snprintf(buf, sizeof(buf), "%s 10800 IN PTR localhost.", six1);
	expect_local(r, six1, WIRE_TYPE_PTR, 0, buf, NULL);
	/* RFC 6303 §4.1, §4.2, §4.4-4.6: empty zones */
	expect_local(r, "10.in-addr.arpa.", WIRE_TYPE_NS, 0, "10.in-addr.arpa. 10800 IN NS localhost.", NULL);
	expect_local(r, "10.in-addr.arpa.", WIRE_TYPE_PTR, 0, NULL, "10.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "4.3.2.10.in-addr.arpa.", WIRE_TYPE_PTR, 3, NULL, "10.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "1.16.172.in-addr.arpa.", WIRE_TYPE_PTR, 3, NULL, "16.172.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "1.31.172.in-addr.arpa.", WIRE_TYPE_PTR, 3, NULL, "31.172.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "9.9.168.192.in-addr.arpa.", WIRE_TYPE_PTR, 3, NULL, "168.192.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "1.2.0.192.in-addr.arpa.", WIRE_TYPE_PTR, 3, NULL, "2.0.192.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "255.255.255.255.in-addr.arpa.", WIRE_TYPE_PTR, 0, NULL,
		     "255.255.255.255.in-addr.arpa. 10800 " SOA_TAIL);
	expect_local(r, "1.d.f.ip6.arpa.", WIRE_TYPE_PTR, 3, NULL, "d.f.ip6.arpa. 10800 " SOA_TAIL);
	expect_local(r, "0.b.e.f.ip6.arpa.", WIRE_TYPE_PTR, 3, NULL, "b.e.f.ip6.arpa. 10800 " SOA_TAIL);
	expect_local(r, "1.8.b.d.0.1.0.0.2.ip6.arpa.", WIRE_TYPE_PTR, 3, NULL,
		     "8.b.d.0.1.0.0.2.ip6.arpa. 10800 " SOA_TAIL);
	/* not local: the neighbours of the zones, DS at an apex, others */
	assert_null(ask_local(r, "1.15.172.in-addr.arpa.", WIRE_TYPE_PTR));
	assert_null(ask_local(r, "1.32.172.in-addr.arpa.", WIRE_TYPE_PTR));
	assert_null(ask_local(r, "1.11.in-addr.arpa.", WIRE_TYPE_PTR));
	assert_null(ask_local(r, "in-addr.arpa.", WIRE_TYPE_NS));
	assert_null(ask_local(r, "10.in-addr.arpa.", WIRE_TYPE_DS));
	assert_null(ask_local(r, "1.c.e.f.ip6.arpa.", WIRE_TYPE_PTR));
	assert_null(ask_local(r, "www.example.com.", WIRE_TYPE_A));
	assert_null(ask_local(r, "localhost.example.com.", WIRE_TYPE_A));
	assert_null(ask_local(r, "testing.", WIRE_TYPE_A));
	assert_null(ask_local(r, ".", WIRE_TYPE_NS));
}

static void test_localzone_disable(void **state)
{
	const char *off[] = { "127.in-addr.arpa.", "Test" };
	const char *unknown[] = { "in-addr.arpa" };
	struct fixture *f = *state;
	struct resolver_config cfg;
	struct resolver *r = NULL;
	ldns_pkt *p;

	assert_true(resolver_local_zone_known("10.in-addr.arpa"));
	assert_true(resolver_local_zone_known("LOCALHOST."));
	assert_true(resolver_local_zone_known("100.100.in-addr.arpa"));
	assert_false(resolver_local_zone_known("in-addr.arpa"));
	assert_false(resolver_local_zone_known("1.10.in-addr.arpa"));
	assert_false(resolver_local_zone_known("example.com"));
	assert_false(resolver_local_zone_known("bad..name"));

	resolver_config_default(&cfg);
	cfg.root_hints = TEST_SRCDIR "/zones/lab/root.hints";
	cfg.local_zone_disable = off;
	cfg.n_local_zone_disable = 2;
	assert_int_equal(resolver_new(&cfg, f->cache, f->ep, &r), CAIRN_OK);
	assert_null(ask_local(r, "1.0.0.127.in-addr.arpa.", WIRE_TYPE_PTR));
	assert_null(ask_local(r, "x.test.", WIRE_TYPE_A));
	p = ask_local(r, "x.invalid.", WIRE_TYPE_A);    /* the others stay */
	assert_non_null(p);
	assert_int_equal(ldns_pkt_get_rcode(p), 3);
	ldns_pkt_free(p);
	resolver_free(r);

	r = NULL;
	cfg.local_zone_disable = unknown;
	cfg.n_local_zone_disable = 1;
	assert_int_not_equal(resolver_new(&cfg, f->cache, f->ep, &r), CAIRN_OK);
	assert_null(r);
}

/* ---- RD=0: the cache only, else a referral; never upstream ---- */

/* Stores owner/type with one record of rdata (rlen bytes). */
static void put(struct fixture *f, const char *owner, uint16_t type, const void *rd,
		size_t rlen, enum cache_rank rank)
{
	uint8_t o[WIRE_NAME_MAX], buf[300];
	struct wire_rrset rs = { .owner = o, .type = type, .rclass = WIRE_CLASS_IN,
				 .ttl = 600, .count = 1, .rdata = buf,
				 .rdata_len = (uint32_t)(2 + rlen) };

	name(owner, o);
	wire_put16(buf, (uint16_t)rlen);
	memcpy(buf + 2, rd, rlen);
	assert_int_equal(cache_put_rrset(f->cache, &rs, rank, cairn_now_ms() / 1000), CAIRN_OK);
}

/* Like expect_rr with the TTL shown as 600 (the cache ages TTLs; a second
 * may pass between storing and asking). */
static void expect_rr600(ldns_pkt *p, ldns_pkt_section sec, const char *text)
{
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, sec);
	char *s;

	assert_int_equal(ldns_rr_list_rr_count(l), 1);
	assert_in_range(ldns_rr_ttl(ldns_rr_list_rr(l, 0)), 598, 600);
	ldns_rr_set_ttl(ldns_rr_list_rr(l, 0), 600);
	s = ldns_rr2str(ldns_rr_list_rr(l, 0));
	s[strcspn(s, "\n")] = '\0';
	for (char *c = s; *c; c++)
		if (*c == '\t')
			*c = ' ';
	assert_string_equal(s, text);
	free(s);
	ldns_rr_list_deep_free(l);
}

/* Number of records of type t in section sec of p. */
static size_t count(ldns_pkt *p, ldns_pkt_section sec, ldns_rr_type t)
{
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, sec);
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t;
	ldns_rr_list_deep_free(l);
	return n;
}

/* ---- the run loop (doc/ARCHITECTURE.md, rule 7): nothing completes inside
 * resolver_query or inside a transport callback ---- */

struct fake_net {
	uint64_t now;
	unsigned sent;
	resolver_reply_fn fn;
	void *arg;
};

static cairn_err fake_send(void *ctx, const struct cairn_sockaddr *server, bool tcp,
			   uint16_t udp_size, const uint8_t *pkt, size_t len,
			   resolver_reply_fn fn, void *arg)
{
	struct fake_net *n = ctx;
	(void)server; (void)tcp; (void)udp_size; (void)pkt; (void)len;
	n->sent++;
	n->fn = fn;
	n->arg = arg;
	return CAIRN_OK;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fake_net *)ctx)->now;
}

struct answers {
	unsigned n;
	uint8_t rcode;
};

static void count_done(void *ctx, const uint8_t *resp, size_t len, enum resolve_source src)
{
	struct answers *a = ctx;
	(void)src;
	a->n++;
	a->rcode = resp && len >= WIRE_HDR_LEN ? resp[3] & 0xf : 0xff;
}

static void test_runloop_deferred(void **state)
{
	struct fixture *f = *state;
	struct fake_net net = { .now = 5000000 };
	struct resolver_io io = { .ctx = &net, .send = fake_send, .now_ms = fake_now, .seed = 1 };
	struct resolver_config cfg;
	struct resolver *r;
	struct answers a = { 0 }, b = { 0 };
	struct wire_query q;
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("www.example.com."),
					 LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *wire, out[512];
	size_t len, olen;
	enum resolve_source src;

	resolver_config_default(&cfg);
	cfg.root_hints_text = ". NS a.root.\na.root. A 192.0.2.1\n";
	assert_int_equal(resolver_new_io(&cfg, f->cache, &io, &r), CAIRN_OK);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_int_equal(wire_query_parse(wire, len, &q), WIRE_OK);
	assert_false(resolver_answer_cached(r, &q, out, sizeof(out), &olen, &src));
	/* a class the resolver refuses is answered at once, never through done */
	{
		struct wire_query ch = q;
		ch.qclass = WIRE_CLASS_CH;
		assert_true(resolver_answer_cached(r, &ch, out, sizeof(out), &olen, &src));
		assert_int_equal(out[3] & 0xf, WIRE_RCODE_REFUSED);
		assert_int_equal(resolver_query(r, &ch, 512, count_done, &a), CAIRN_EINVAL);
	}
	assert_int_equal(resolver_query(r, &q, 512, count_done, &a), CAIRN_OK);
	assert_int_equal(resolver_query(r, &q, 512, count_done, &b), CAIRN_OK);
	/* nothing ran yet: not even the first upstream query */
	assert_int_equal(net.sent, 0);
	assert_int_equal(resolver_active(r), 1);        /* merged */
	assert_int_equal(resolver_timeout_ms(r), 0);    /* ready: tick now */
	resolver_tick(r);
	assert_int_equal(net.sent, 1);                  /* the priming query */
	assert_int_equal(a.n + b.n, 0);
	/* the reply callback only queues: no answer inside it */
	net.fn(net.arg, CAIRN_EIO, NULL, 0);
	assert_int_equal(a.n + b.n, 0);
	/* one client goes away; the other is answered by the run loop */
	resolver_cancel(r, &b);
	resolver_tick(r);   /* the only server failed: priming fails, SERVFAIL */
	assert_int_equal(a.n, 1);
	assert_int_equal(a.rcode, WIRE_RCODE_SERVFAIL);
	assert_int_equal(b.n, 0);
	assert_int_equal(resolver_active(r), 0);
	/* the deadline: a resolution whose server never answers */
	assert_int_equal(resolver_query(r, &q, 512, count_done, &b), CAIRN_OK);
	resolver_tick(r);
	assert_true(resolver_timeout_ms(r) > 0);
	net.now += cfg.max_time_ms;
	assert_int_equal(resolver_timeout_ms(r), 0);
	resolver_tick(r);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.rcode, WIRE_RCODE_SERVFAIL);
	net.fn(net.arg, CAIRN_ELIMIT, NULL, 0);    /* the late reply is harmless */
	resolver_tick(r);
	resolver_free(r);
	free(wire);
	ldns_pkt_free(p);
}

static void test_norec(void **state)
{
	struct fixture *f = *state;
	struct resolver *r = f->r;
	enum resolve_source src;
	uint8_t ns1[WIRE_NAME_MAX], www2[WIRE_NAME_MAX], x[WIRE_NAME_MAX];
	const uint8_t a1[4] = { 127, 3, 0, 1 }, a80[4] = { 127, 3, 0, 80 };
	uint64_t sent = resolver_upstream_queries(r);
	ldns_pkt *p;

	/* RD=1 and nothing cached: the resolver would go upstream */
	assert_null(ask(r, "www.example.com.", WIRE_TYPE_A, true, &src));
	/* RD=0, empty cache: a referral to the root from the hints */
	p = ask(r, "www.example.com.", WIRE_TYPE_A, false, &src);
	assert_non_null(p);
	assert_int_equal(src, RESOLVE_SRC_LOCAL);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(count(p, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_NS), 2);
	assert_int_equal(count(p, LDNS_SECTION_ADDITIONAL, LDNS_RR_TYPE_A), 2);
	ldns_pkt_free(p);

	/* a cached delegation: the referral to it, with its cached glue */
	name("ns1.example.com.", ns1);
	put(f, "example.com.", WIRE_TYPE_NS, ns1, wire_name_len(ns1), CACHE_RANK_REFERRAL);
	put(f, "ns1.example.com.", WIRE_TYPE_A, a1, 4, CACHE_RANK_GLUE);
	p = ask(r, "www.example.com.", WIRE_TYPE_A, false, &src);
	assert_non_null(p);
	assert_int_equal(src, RESOLVE_SRC_CACHE);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	expect_rr600(p, LDNS_SECTION_AUTHORITY, "example.com. 600 IN NS ns1.example.com.");
	assert_int_equal(count(p, LDNS_SECTION_ADDITIONAL, LDNS_RR_TYPE_A), 1);
	ldns_pkt_free(p);

	/* a cached answer; a CNAME to an uncached name: the CNAME plus the
	 * referral for its target */
	put(f, "www.example.com.", WIRE_TYPE_A, a80, 4, CACHE_RANK_AUTH_ANSWER);
	p = ask(r, "www.example.com.", WIRE_TYPE_A, false, &src);
	assert_non_null(p);
	assert_int_equal(src, RESOLVE_SRC_CACHE);
	expect_rr600(p, LDNS_SECTION_ANSWER, "www.example.com. 600 IN A 127.3.0.80");
	assert_int_equal(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
	name("www2.example.com.", www2);
	put(f, "alias.example.com.", WIRE_TYPE_CNAME, www2, wire_name_len(www2),
	    CACHE_RANK_AUTH_ANSWER);
	p = ask(r, "alias.example.com.", WIRE_TYPE_A, false, &src);
	assert_non_null(p);
	expect_rr600(p, LDNS_SECTION_ANSWER, "alias.example.com. 600 IN CNAME www2.example.com.");
	expect_rr600(p, LDNS_SECTION_AUTHORITY, "example.com. 600 IN NS ns1.example.com.");
	ldns_pkt_free(p);

	/* a cached NXDOMAIN answers below it too (RFC 8020) */
	name("x.example.com.", x);
	assert_int_equal(cache_put_negative(f->cache, x, WIRE_TYPE_A, true, NULL, 300,
					    CACHE_RANK_AUTH_ANSWER, cairn_now_ms() / 1000), CAIRN_OK);
	p = ask(r, "a.x.example.com.", WIRE_TYPE_AAAA, false, &src);
	assert_non_null(p);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(src, RESOLVE_SRC_CACHE);
	ldns_pkt_free(p);

	/* local zones answer RD=0 questions as usual */
	p = ask(r, "localhost.", WIRE_TYPE_A, false, &src);
	assert_non_null(p);
	assert_int_equal(src, RESOLVE_SRC_LOCAL);
	expect_rr(p, LDNS_SECTION_ANSWER, "localhost. 10800 IN A 127.0.0.1");
	ldns_pkt_free(p);
	/* and nothing was sent */
	assert_int_equal(resolver_upstream_queries(r), sent);
}

/* The event log as explain and log-servfail show it: one event a line
 * (server, name, type, rcode, RTT, size, flags, reason), and the
 * log-servfail line: question, reason, EDE, events on one line. */
static void test_event_log_format(void **state)
{
	struct fixture *f = *state;
	struct rq *q = mkq(f, "www.example.com.", WIRE_TYPE_A, "example.com.");
	struct cairn_sockaddr sa;
	uint8_t n[WIRE_NAME_MAX];
	char buf[4096];

	q->log.last_name = 0xffff;
	q->started = rnow_ms(f->r);   /* the events' times count from here */
	assert_int_equal(cairn_sockaddr_parse("192.0.2.1", 53, &sa), CAIRN_OK);
	name("example.com", n);
	rq_log_event(q, EV_DELEGATION, NULL, n, 0, 0, 0, "cache");
	name("www.example.com", n);
	rq_log_event(q, EV_SEND, &sa, n, WIRE_TYPE_A, 0, 12, NULL);
	rq_log_event(q, EV_REPLY, &sa, NULL, 0, WIRE_RCODE_REFUSED, 7, NULL);
	rq_log_reply(q, WIRE_FLAG_QR | WIRE_FLAG_AA, 99);
	rq_log_event(q, EV_LAME, &sa, NULL, 0, WIRE_RCODE_REFUSED, 0, "rcode");
	rq_log_format(q, buf, sizeof(buf));
	assert_non_null(strstr(buf, "delegation    example.com. (cache)\n"));
	assert_non_null(strstr(buf, "send          192.0.2.1 www.example.com. A (srtt 12 ms)\n"));
	assert_non_null(strstr(buf, "reply         192.0.2.1 REFUSED 7 ms 99 bytes flags qr,aa\n"));
	assert_non_null(strstr(buf, "lame          192.0.2.1 REFUSED (rcode)\n"));
	q->rcode = WIRE_RCODE_SERVFAIL;
	q->ede = 22;
	q->ede_text = "no usable authoritative server";
	rq_log_event(q, EV_FAIL, NULL, NULL, 0, q->rcode, 0, q->ede_text);
	for (unsigned i = 0; i < q->log.n; i++)
		q->log.ev[i].t_ms = 0;   /* the clock is real here: no ms boundary */
	rq_log_servfail_line(q, buf, sizeof(buf));
	assert_null(strchr(buf, '\n'));
	assert_non_null(strstr(buf, "servfail www.example.com. A: no usable authoritative server "
				    "(EDE 22) after "));
	assert_non_null(strstr(buf, "; events: 0 ms delegation example.com. (cache); 0 ms send "
				    "192.0.2.1 www.example.com. A (srtt 12 ms); 0 ms reply 192.0.2.1 "
				    "REFUSED 7 ms 99 bytes flags qr,aa; 0 ms lame 192.0.2.1 REFUSED "
				    "(rcode); 0 ms fail (no usable authoritative server)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hints_parse),
		cmocka_unit_test_setup_teardown(test_event_log_format, setup, teardown),
		cmocka_unit_test(test_hints_load),
		cmocka_unit_test_setup_teardown(test_rmsg_decompress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_referral_glue_bailiwick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_injection_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lame_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname_follow_and_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priming_glue, setup, teardown),
		cmocka_unit_test(test_servers_select),
		cmocka_unit_test(test_servers_infra),
		cmocka_unit_test(test_servers_walk_forget),
		cmocka_unit_test_setup_teardown(test_runloop_deferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_localzone_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_localzone_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_norec, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
