/* control_cachefile: `cairn-control dump-cache FILE` and `load-cache
 * FILE` (cairn-control(8)): the cache file format of cachefile.c, written
 * and read by cairnd itself (as its user, inside its chroot if any). */
#include "control_int.h"
#include "cairn/cache.h"
#include "cairn/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct cache *file_cmd_cache(const struct control_target *t, int argc, char **argv,
				    FILE *out)
{
	struct cache *c;

	if (argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: %s FILE\n", argv[0]);
		return NULL;
	}
	if (argv[1][0] != '/') {
		fprintf(out, CONTROL_REPLY_ERR "%s: FILE must be an absolute path (cairnd's "
			"working directory is /)\n", argv[0]);
		return NULL;
	}
	c = t->cache ? t->cache(t->ctx) : NULL;
	if (!c)
		fprintf(out, CONTROL_REPLY_ERR "%s: this server has no cache (recursion: no)\n",
			argv[0]);
	return c;
}

bool control_cmd_dump_cache(const struct control_target *t, int argc, char **argv, FILE *out)
{
	struct cache *c = file_cmd_cache(t, argc, argv, out);
	size_t n = 0;
	cairn_err err;

	if (!c)
		return false;
	err = server_cache_dump(c, argv[1], &n);
	if (err != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "dump-cache: cannot write %s: %s\n", argv[1],
			err == CAIRN_EIO ? strerror(errno) : cairn_strerror(err));
		return false;
	}
	fprintf(out, CONTROL_REPLY_OK "\n%zu entries written to %s\n", n, argv[1]);
	return true;
}

static void report_line(void *ctx, const char *file, unsigned line, const char *msg)
{
	FILE *out = ctx;

	fprintf(out, "%s:%u: %s\n", file, line, msg);
}

bool control_cmd_load_cache(const struct control_target *t, int argc, char **argv, FILE *out)
{
	struct cache *c = file_cmd_cache(t, argc, argv, out);
	struct server_cache_load_stats st;
	char *msgs = NULL;
	size_t len = 0;
	FILE *m;
	cairn_err err;

	if (!c)
		return false;
	m = open_memstream(&msgs, &len);
	if (!m) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = server_cache_load(c, argv[1], cache_stale_max_age(c), report_line, m, &st);
	if (err == CAIRN_EIO)
		fprintf(m, "%s", strerror(errno));
	fclose(m);
	if (err != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "load-cache: cannot read %s: %s\n", argv[1],
			err == CAIRN_EIO && msgs ? msgs : cairn_strerror(err));
		free(msgs);
		return false;
	}
	fprintf(out, CONTROL_REPLY_OK "\n%s%zu entries loaded, %zu too old dropped, "
		"%zu malformed skipped\n", msgs ? msgs : "", st.loaded, st.expired, st.malformed);
	free(msgs);
	return true;
}
