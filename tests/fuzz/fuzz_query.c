/* fuzz_query: a client query as the authoritative server sees it:
 * wire_query_parse, then zone_set_answer on the lab zones (lab.test, its
 * reverse zones and the system tests' extra.test) or the error answer,
 * then wire_writer_finish — with the client's UDP limit, 512 bytes and the
 * TCP maximum. Every response must fit its limit, echo ID and question,
 * and parse with ldns; a dropped query writes nothing. */
#include <stdint.h>
#include <stdlib.h>

#include "cairn/zone.h"
#include "fuzz_check.h"

static struct zone_set *zs;

static void report(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%u: %s\n", file, line, msg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const z[][2] = {
		{ "lab.test", FUZZ_SRCDIR "/zones/lab.test.zone" },
		{ "2.0.192.in-addr.arpa", FUZZ_SRCDIR "/zones/2.0.192.in-addr.arpa.zone" },
		{ "8.b.d.0.1.0.0.2.ip6.arpa", FUZZ_SRCDIR "/zones/8.b.d.0.1.0.0.2.ip6.arpa.zone" },
		{ "extra.test", FUZZ_SRCDIR "/tests/system/zones/extra.test.zone" },
	};
	struct zone *zones[4];
	(void)argc;
	(void)argv;

	log_open(LOG_SINK_FILE, "/dev/null", LOG_LVL_DEBUG);
	for (size_t i = 0; i < 4; i++)
		if (zone_load(z[i][0], z[i][1], report, NULL, &zones[i]) != CAIRN_OK)
			abort();
	if (zone_set_new(zones, 4, &zs) != CAIRN_OK)
		abort();
	return 0;
}

/* Answers q within limit the way dispatch.c does for a zone query. */
static void answer(const struct wire_query *q, enum wire_verdict v, size_t limit)
{
	static uint8_t buf[65535];
	struct wire_writer w;
	unsigned rcode;
	size_t len;

	switch (v) {
	case WIRE_DROP:
		return;
	case WIRE_FORMERR:
		rcode = WIRE_RCODE_FORMERR;
		break;
	case WIRE_NOTIMP:
		rcode = WIRE_RCODE_NOTIMP;
		break;
	case WIRE_BADVERS:
		rcode = WIRE_RCODE_BADVERS;
		break;
	default:
		rcode = WIRE_RCODE_NOERROR;
		break;
	}
	if (rcode == WIRE_RCODE_NOERROR && zone_set_answer(zs, q, buf, limit, WIRE_EDNS_SIZE, &w)) {
		/* the writer keeps room for the OPT (and an EDE) at finish */
		wire_writer_ede(&w, 18, "fuzz");
	} else {
		if (rcode == WIRE_RCODE_NOERROR)
			rcode = WIRE_RCODE_REFUSED;
		wire_writer_begin(&w, buf, limit, q, 0, rcode, WIRE_EDNS_SIZE);
	}
	len = wire_writer_finish(&w);
	fuzz_check_response(q, buf, len, limit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_query q;
	enum wire_verdict v;

	memset(&q, 0xa5, sizeof(q));  /* parse must set what it reports */
	v = wire_query_parse(data, size, &q);
	if (v == WIRE_DROP)
		return 0;
	FUZZ_REQUIRE(size >= WIRE_HDR_LEN, "verdict %d for %zu bytes", v, size);
	FUZZ_REQUIRE(q.pkt == data && q.len == size, "pkt/len");
	if (q.has_question) {
		FUZZ_REQUIRE(q.question_len >= 5 && WIRE_HDR_LEN + q.question_len <= size,
			     "question_len %zu", q.question_len);
		FUZZ_REQUIRE(q.qname_len >= 1 && q.qname_len <= WIRE_NAME_MAX &&
			     wire_name_len(q.qname) == q.qname_len, "qname_len");
	}
	answer(&q, v, wire_query_udp_limit(&q, WIRE_EDNS_SIZE));
	answer(&q, v, WIRE_UDP_MIN);
	answer(&q, v, 65535);
	return 0;
}
