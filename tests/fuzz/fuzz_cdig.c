/* fuzz_cdig: cdig's argument parser and its response printers.
 * The first byte chooses: even, the rest is a command line (words split
 * at NUL and newline) for cdig_args_parse; odd, the rest is a DNS message
 * printed by every printer (dig text, +multiline, +short rdata, +yaml,
 * +json, +unknownformat, +nocrypto, +split, the TSIG/OPT pseudosections)
 * with display options taken from the first byte, and checked by the
 * TSIG verifier as an answer and as a transfer's next message. Nothing
 * may crash, leak or read out of bounds; every parse either fails with an
 * exit code or gives at least one query whose name is legal or marked
 * for dig's error when its lookup runs. Built by run.sh with
 * libFuzzer, and by `make check` with fuzz_replay.c to replay
 * tests/fuzz/regress/cdig/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/client/cdig.h"
#include "fuzz_check.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* no ~/.digrc, no terminal output */
	setenv("HOME", "/nonexistent-cdig-fuzz", 1);
	sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	return 0;
}

static void fuzz_args(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[64];
	struct cdig_query *qs = NULL;
	size_t n = 0, i;
	int argc = 0, rc;
	bool done = false;

	if (!buf)
		return;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i <= size && argc < 64; i++) {
		char *w = buf + i;
		size_t l = strcspn(w, "\n");

		w[l] = '\0';
		i += l;
		if (!*w)
			continue;
		/* no files (batch -f, key -k: stdin or the tree) and no
		 * help or version text */
		if (w[0] == '-' && w[1] && strchr("fkhv", w[1]))
			w[1] = 'm';
		argv[argc++] = w;
	}
	rc = cdig_args_parse(argc, argv, &qs, &n, &done);
	if (rc == 0 && !done) {
		FUZZ_REQUIRE(n >= 1 && qs, "parse succeeded without a query");
		for (i = 0; i < n; i++) {
			FUZZ_REQUIRE(qs[i].have_name, "query %zu without a name", i);
			FUZZ_REQUIRE(qs[i].name_bad || cdig_check_name(qs[i].name) == 0,
				     "query %zu: illegal name not marked", i);
			FUZZ_REQUIRE(qs[i].nserver <= CDIG_MAX_SERVERS &&
				     qs[i].nserver_glob <= qs[i].nserver,
				     "query %zu: %zu servers, %zu global", i,
				     qs[i].nserver, qs[i].nserver_glob);
			FUZZ_REQUIRE(qs[i].tries >= 1 && qs[i].time_s >= 1,
				     "tries %d time %d", qs[i].tries, qs[i].time_s);
		}
	} else {
		FUZZ_REQUIRE(qs == NULL && n == 0, "a failed parse returned queries");
	}
	free(qs);
	free(buf);
}

/* The TSIG verifier (RFC 8945) on the message: an answer to a signed
 * query, then the same bytes as the next messages of a transfer. */
static void fuzz_tsig(const uint8_t *data, size_t size)
{
	struct cdig_key k;
	struct cdig_tsig_check *c = NULL;
	ldns_rdf *mac = NULL;
	uint8_t raw[34] = { 0, 32 };   /* MAC Size, then a request MAC */

	FUZZ_REQUIRE(cdig_key_from_arg("hmac-sha256:k.test:c2VjcmV0c2VjcmV0", &k) == 0,
		     "fixed key refused");
	mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, sizeof(raw), raw);
	FUZZ_REQUIRE(mac && cdig_tsig_check_new(&k, mac, &c) == CAIRN_OK, "verifier");
	for (int n = 0; n < 3; n++)
		(void)cdig_tsig_check_next(c, data, size);
	(void)cdig_tsig_check_end(c);
	cdig_tsig_check_free(c);
	ldns_rdf_deep_free(mac);
}

static void fuzz_print(uint8_t mode, const uint8_t *data, size_t size)
{
	struct cdig_query q;
	struct cdig_reply r;
	ldns_pkt *pkt = NULL;
	size_t i;

	if (cdig_wire2pkt(&pkt, data, size) != CAIRN_OK)
		return;
	FUZZ_REQUIRE(pkt, "parsed without a packet");
	cdig_query_defaults(&q);
	q.multiline = mode & 0x02;
	q.unknownformat = mode & 0x04;
	q.crypto = !(mode & 0x08);
	q.rrcomments = mode & 0x10;
	q.klass = !(mode & 0x20);
	q.ttlid = !(mode & 0x40);
	q.split = (mode & 0x80) ? 4 : 56;
	q.ttlunits = mode & 0x80;
	memset(&r, 0, sizeof(r));
	r.wire = (uint8_t *)data;
	r.len = size;
	r.pkt = pkt;
	cdig_server_from_text("127.0.0.1", 53, NULL, &r.from);
	r.have_ccookie = true;
	memcpy(r.ccookie, "\1\2\3\4\5\6\7\10", 8);
	cdig_print_message(sink, &q, pkt, data, size, &r);
	cdig_print_message(sink, &q, pkt, data, size, NULL);
	cdig_print_stats(sink, &r);
	cdig_yaml_message(sink, &q, pkt, data, size, &r);
	cdig_json_message(sink, pkt, data, size, &r);
	for (i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(pkt)); i++) {
		char *t = cdig_rdata_text(&q, ldns_rr_list_rr(ldns_pkt_answer(pkt), i));
		free(t);
	}
	fuzz_tsig(data, size);
	ldns_pkt_free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_print(data[0], data + 1, size - 1);
	else
		fuzz_args(data + 1, size - 1);
	return 0;
}
