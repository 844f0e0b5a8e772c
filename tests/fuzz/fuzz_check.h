/* fuzz_check: invariants the fuzz harnesses check on every response the
 * code under test writes. A broken invariant aborts (libFuzzer reports it
 * as a crash with the input that caused it). */
#ifndef CAIRN_FUZZ_CHECK_H
#define CAIRN_FUZZ_CHECK_H

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/wire.h"

#define FUZZ_REQUIRE(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz invariant broken: %s: ", #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/* A response to query q (which parsed far enough to have an ID): at most
 * limit bytes, QR set, the ID copied, the question echoed byte-exact when
 * the query had one, and the whole message well-formed for ldns. */
static inline void fuzz_check_response(const struct wire_query *q, const uint8_t *resp,
				       size_t len, size_t limit)
{
	ldns_pkt *p = NULL;
	ldns_status st;

	FUZZ_REQUIRE(len <= limit, "response of %zu bytes over the limit %zu", len, limit);
	FUZZ_REQUIRE(len >= WIRE_HDR_LEN, "response of %zu bytes", len);
	FUZZ_REQUIRE(wire_get16(resp) == q->id, "ID not copied");
	FUZZ_REQUIRE(wire_get16(resp + 2) & WIRE_FLAG_QR, "QR clear");
	if (q->has_question) {
		FUZZ_REQUIRE(wire_get16(resp + 4) == 1, "QDCOUNT %u", wire_get16(resp + 4));
		FUZZ_REQUIRE(len >= WIRE_HDR_LEN + q->question_len, "question cut");
		FUZZ_REQUIRE(memcmp(resp + WIRE_HDR_LEN, q->pkt + WIRE_HDR_LEN,
				    q->question_len) == 0, "question not echoed byte-exact");
	}
	st = ldns_wire2pkt(&p, resp, len);
	FUZZ_REQUIRE(st == LDNS_STATUS_OK, "ldns cannot parse the response: %s",
		     ldns_get_errorstr_by_id(st));
	ldns_pkt_free(p);
}

#endif
