/* fuzz_zonefile: zone_load on fuzzed zone file text. The text is written
 * to a file in a private directory (which also holds a small file "inc"
 * for $INCLUDE to find); loading must never crash or leak, only report
 * problems — and a zone that loads must have reported none, and must
 * answer queries about its names with well-formed responses. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cairn/zone.h"
#include "fuzz_check.h"

static char dir[64], path[96];

struct reports {
	unsigned n;
};

static void report(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct reports *r = ctx;

	FUZZ_REQUIRE(file && msg && msg[0], "empty report at line %u", line);
	r->n++;
}

/* Removes the private directory at exit (replays in make check run often). */
static void cleanup(void)
{
	char inc[96];

	snprintf(inc, sizeof(inc), "%s/inc", dir);
	unlink(inc);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char inc[96];
	FILE *f;
	(void)argc;
	(void)argv;

	log_open(LOG_SINK_FILE, "/dev/null", LOG_LVL_DEBUG);
	snprintf(dir, sizeof(dir), "/tmp/cairn-fuzz-zone.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/zone", dir);
	atexit(cleanup);
	snprintf(inc, sizeof(inc), "%s/inc", dir);
	f = fopen(inc, "w");
	if (!f)
		abort();
	fputs("inc 300 IN A 192.0.2.9\ninc AAAA 2001:db8::9\n", f);
	fclose(f);
	return 0;
}

/* Asks z some questions about names of its own and checks the answers. */
static void ask(const struct zone_set *zs, const uint8_t *origin)
{
	static const uint16_t types[] = {
		WIRE_TYPE_SOA, WIRE_TYPE_NS, WIRE_TYPE_A, WIRE_TYPE_ANY, WIRE_TYPE_MX,
		WIRE_TYPE_CNAME, WIRE_TYPE_TXT, WIRE_TYPE_AAAA, 999,
	};
	static const char *const prefixes[] = { "", "www.", "inc.", "a.b.c.", "*.", "ns1.", "mail." };
	uint8_t pkt[512], buf[65535];
	size_t olen = wire_name_len(origin);

	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
		uint8_t name[WIRE_NAME_MAX];
		size_t nlen;

		if (wire_name_from_text(prefixes[p][0] ? prefixes[p] : "@", NULL, name, &nlen) !=
		    CAIRN_OK && p)
			abort();
		if (p == 0)
			nlen = 1;
		if (nlen - 1 + olen > WIRE_NAME_MAX)
			continue;
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			size_t len = WIRE_HDR_LEN, limits[2] = { WIRE_UDP_MIN, 65535 };
			struct wire_query q;
			struct wire_writer w;

			memset(pkt, 0, WIRE_HDR_LEN);
			wire_put16(pkt, 7);
			wire_put16(pkt + 4, 1);
			memcpy(pkt + len, name, nlen - 1);
			len += nlen - 1;
			memcpy(pkt + len, origin, olen);
			len += olen;
			wire_put16(pkt + len, types[t]);
			wire_put16(pkt + len + 2, WIRE_CLASS_IN);
			len += 4;
			FUZZ_REQUIRE(wire_query_parse(pkt, len, &q) == WIRE_OK, "own query");
			for (int l = 0; l < 2; l++) {
				size_t rlen;
				FUZZ_REQUIRE(zone_set_answer(zs, &q, buf, limits[l], WIRE_EDNS_SIZE, &w),
					     "no answer inside the zone");
				rlen = wire_writer_finish(&w);
				fuzz_check_response(&q, buf, rlen, limits[l]);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reports r = { 0 };
	struct zone *z = NULL;
	struct zone_set *zs = NULL;
	cairn_err err;
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	if (size && fwrite(data, size, 1, f) != 1)
		abort();
	fclose(f);
	err = zone_load("lab.test", path, report, &r, &z);
	if (err != CAIRN_OK) {
		FUZZ_REQUIRE(z == NULL, "zone left behind on error %d", err);
		FUZZ_REQUIRE(r.n > 0, "error %d without a report", err);
		return 0;
	}
	FUZZ_REQUIRE(z != NULL && r.n == 0, "loaded with %u problems reported", r.n);
	FUZZ_REQUIRE(zone_rr_count(z) > 0, "empty zone loaded");
	if (zone_set_new(&z, 1, &zs) != CAIRN_OK)
		abort();
	ask(zs, zone_origin(zone_set_find(zs, (const uint8_t *)"\3lab\4test")));
	zone_set_free(zs);
	return 0;
}
