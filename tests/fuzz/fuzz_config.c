/* fuzz_config: the cairnd.conf parser on fuzzed text, read from a file
 * (config_load, which also sees NUL bytes and lines without an end) in a
 * private directory holding a zone file "z" and a hints file "h" that
 * relative paths may name. It must never crash or leak; a failure must
 * report at least one problem, and a success must give a usable config. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cairn/config.h"
#include "fuzz_check.h"

static char dir[64], path[96];

static void report(void *ctx, const char *file, unsigned line, const char *msg)
{
	unsigned *n = ctx;

	FUZZ_REQUIRE(file && msg && msg[0], "empty report at line %u", line);
	(*n)++;
}

static void put(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Removes the private directory at exit (replays in make check run often). */
static void cleanup(void)
{
	static const char *const files[] = { "cairnd.conf", "z", "h" };
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_open(LOG_SINK_FILE, "/dev/null", LOG_LVL_DEBUG);
	snprintf(dir, sizeof(dir), "/tmp/cairn-fuzz-conf.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/cairnd.conf", dir);
	atexit(cleanup);
	put("z", "@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
	put("h", ". NS a.root.\na.root. A 192.0.2.1\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cairn_config *cfg = (struct cairn_config *)1;
	unsigned problems = 0;
	cairn_err err;
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	if (size && fwrite(data, size, 1, f) != 1)
		abort();
	fclose(f);
	err = config_load(path, report, &problems, &cfg);
	if (err != CAIRN_OK) {
		FUZZ_REQUIRE(cfg == NULL, "config left behind on error %d", err);
		FUZZ_REQUIRE(problems > 0, "error %d without a report", err);
		return 0;
	}
	FUZZ_REQUIRE(cfg && problems == 0, "loaded with %u problems", problems);
	FUZZ_REQUIRE(cfg->threads >= 1 && cfg->n_listen >= 1, "threads %u listen %zu",
		     cfg->threads, cfg->n_listen);
	for (size_t i = 0; i < cfg->n_zones; i++)
		FUZZ_REQUIRE(cfg->zones[i].name && cfg->zones[i].file, "zone %zu incomplete", i);
	for (size_t i = 0; i < cfg->n_forwards; i++)
		FUZZ_REQUIRE(cfg->forwards[i].name && cfg->forwards[i].n_addr > 0,
			     "forward-zone %zu incomplete", i);
	config_free(cfg);
	return 0;
}
