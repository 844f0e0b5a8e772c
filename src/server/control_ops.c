/* control_ops: the everyday control commands an Unbound user expects
 * (cairn-control(8)): flush-negative, flush-type, flush-stats, verbosity,
 * reopen-log and list-zones. Each runs on a control connection's thread,
 * possibly beside others: the cache is thread safe, the log's verbosity is
 * atomic and its file is swapped under the log's lock, and the daemon's
 * callbacks take its own lock. */
#include "control_int.h"
#include "cairn/cache.h"
#include "cairn/wire.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = { "error", "warning", "info", "debug" };

static bool no_args(int argc, char **argv, FILE *out)
{
	if (argc == 1)
		return true;
	fprintf(out, CONTROL_REPLY_ERR "%s takes no arguments\n", argv[0]);
	return false;
}

static struct cache *cache_of(const struct control_target *t, const char *cmd, FILE *out)
{
	struct cache *cache = t->cache ? t->cache(t->ctx) : NULL;

	if (!cache)
		fprintf(out, CONTROL_REPLY_ERR "%s: this server has no cache (recursion: no)\n", cmd);
	return cache;
}

bool control_cmd_flush_negative(const struct control_target *t, int argc, char **argv,
				FILE *out)
{
	struct cache *cache;

	if (!no_args(argc, argv, out))
		return false;
	cache = cache_of(t, argv[0], out);
	if (!cache)
		return false;
	fprintf(out, CONTROL_REPLY_OK "\nremoved %zu negative entries\n",
		cache_flush_negative(cache));
	return true;
}

bool control_cmd_flush_type(const struct control_target *t, int argc, char **argv, FILE *out)
{
	uint8_t name[WIRE_NAME_MAX];
	struct cache *cache;
	uint16_t type;
	size_t len;

	if (argc != 3) {
		fprintf(out, CONTROL_REPLY_ERR "usage: flush-type NAME TYPE\n");
		return false;
	}
	if (wire_name_from_text(argv[1], NULL, name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad domain name '%s'\n", argv[1]);
		return false;
	}
	type = (uint16_t)ldns_get_rr_type_by_name(argv[2]);
	if (!type) {
		fprintf(out, CONTROL_REPLY_ERR "bad type '%s'\n", argv[2]);
		return false;
	}
	cache = cache_of(t, argv[0], out);
	if (!cache)
		return false;
	fprintf(out, CONTROL_REPLY_OK "\nremoved %zu entries of %s %s\n",
		cache_flush_type(cache, name, type), argv[1], argv[2]);
	return true;
}

bool control_cmd_flush_stats(const struct control_target *t, int argc, char **argv, FILE *out)
{
	if (!no_args(argc, argv, out))
		return false;
	if (!t->flush_stats) {
		fprintf(out, CONTROL_REPLY_ERR "flush-stats: not supported by this server\n");
		return false;
	}
	t->flush_stats(t->ctx);
	fprintf(out, CONTROL_REPLY_OK "\nstatistics zeroed\n");
	return true;
}

/* verbosity [N|NAME]: without an argument, shows the current level. */
bool control_cmd_verbosity(const struct control_target *t, int argc, char **argv, FILE *out)
{
	enum log_level old = log_get_verbosity(), lvl = old;
	bool found = false;

	(void)t;
	if (argc > 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: verbosity [0-3|error|warning|info|debug]\n");
		return false;
	}
	if (argc == 1) {
		fprintf(out, CONTROL_REPLY_OK "\nverbosity %d %s\n", (int)old, level_names[old]);
		return true;
	}
	for (int i = 0; i <= LOG_LVL_DEBUG && !found; i++) {
		char num[2] = { (char)('0' + i), '\0' };

		if (strcmp(argv[1], num) == 0 || strcmp(argv[1], level_names[i]) == 0) {
			lvl = (enum log_level)i;
			found = true;
		}
	}
	if (!found) {
		fprintf(out, CONTROL_REPLY_ERR "bad verbosity '%.32s': 0 (error), 1 (warning), "
			"2 (info) or 3 (debug)\n", argv[1]);
		return false;
	}
	/* logged at info before and after: seen when either level shows it */
	log_info("verbosity %d (%s) from %d (%s)", (int)lvl, level_names[lvl], (int)old,
		 level_names[old]);
	log_set_verbosity(lvl);
	if (old < LOG_LVL_INFO)
		log_info("verbosity %d (%s) from %d (%s)", (int)lvl, level_names[lvl], (int)old,
			 level_names[old]);
	fprintf(out, CONTROL_REPLY_OK "\nverbosity %d %s (was %d %s)\n", (int)lvl,
		level_names[lvl], (int)old, level_names[old]);
	return true;
}

bool control_cmd_reopen_log(const struct control_target *t, int argc, char **argv, FILE *out)
{
	(void)t;
	if (!no_args(argc, argv, out))
		return false;
	if (log_reopen() != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "cannot reopen the log file: %s (the old one is "
			"still written)\n", strerror(errno));
		return false;
	}
	log_info("log file reopened");
	fprintf(out, CONTROL_REPLY_OK "\nlog reopened\n");
	return true;
}

/* ---- list-zones ---- */

void control_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

struct zones_ctx {
	FILE *out;
	bool json;
	size_t n;
};

static void zone_line(void *arg, const struct control_zone_info *z)
{
	struct zones_ctx *zc = arg;
	char when[32] = "-";
	struct tm tm;
	time_t at = (time_t)z->loaded_at;

	if (z->loaded && gmtime_r(&at, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!zc->json) {
		if (z->loaded)
			fprintf(zc->out, "%s %u %s %s %s\n", z->name, z->serial, when, z->kind,
				z->file);
		else
			fprintf(zc->out, "%s - - %s %s\n", z->name, z->kind, z->file);
		zc->n++;
		return;
	}
	fprintf(zc->out, "%s{\"name\":", zc->n ? "," : "");
	control_json_str(zc->out, z->name);
	if (z->loaded)
		fprintf(zc->out, ",\"serial\":%u,\"loaded_at\":\"%s\",\"loaded_at_unix\":%lld",
			z->serial, when, (long long)z->loaded_at);
	else
		fprintf(zc->out, ",\"serial\":null,\"loaded_at\":null,\"loaded_at_unix\":null");
	fprintf(zc->out, ",\"kind\":");
	control_json_str(zc->out, z->kind);
	fprintf(zc->out, ",\"file\":");
	control_json_str(zc->out, z->file);
	fputc('}', zc->out);
	zc->n++;
}

bool control_cmd_list_zones(const struct control_target *t, int argc, char **argv, FILE *out)
{
	struct zones_ctx zc = { .out = out };

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(out, CONTROL_REPLY_ERR "usage: list-zones [--json]\n");
		return false;
	}
	if (!t->zones) {
		fprintf(out, CONTROL_REPLY_ERR "list-zones: not supported by this server\n");
		return false;
	}
	zc.json = argc == 2;
	fprintf(out, CONTROL_REPLY_OK "\n%s", zc.json ? "[" : "");
	t->zones(t->ctx, zone_line, &zc);
	if (zc.json)
		fprintf(out, "]\n");
	return true;
}

/* ---- infra [--json] [ADDRESS] / flush-infra ADDRESS|all ---- */

const char *control_infra_error(cairn_err err)
{
	return err == CAIRN_ENOTFOUND ? "this server has no resolver (recursion: no)" :
	       err == CAIRN_EEXIST ? "busy: an earlier request still waits for a worker, "
				     "try again" :
	       err == CAIRN_ELIMIT ? "a worker did not answer in time" :
	       err == CAIRN_ENOMEM ? "out of memory" : "failed";
}

bool control_cmd_infra(const struct control_target *t, int argc, char **argv, FILE *out)
{
	const char *addr_text = NULL;
	struct cairn_sockaddr only;
	bool json = false, flush = strcmp(argv[0], "flush-infra") == 0;
	char *text = NULL;
	size_t removed = 0;
	cairn_err err;

	for (int i = 1; i < argc; i++) {
		if (!flush && strcmp(argv[i], "--json") == 0 && !json)
			json = true;
		else if (!addr_text)
			addr_text = argv[i];
		else
			addr_text = "", i = argc;  /* too many: usage */
	}
	if ((flush && !addr_text) || (addr_text && !addr_text[0])) {
		fprintf(out, CONTROL_REPLY_ERR "usage: %s\n",
			flush ? "flush-infra ADDRESS|all" : "infra [--json] [ADDRESS]");
		return false;
	}
	if (flush && strcmp(addr_text, "all") == 0)
		addr_text = NULL;
	if (addr_text && cairn_sockaddr_parse(addr_text, 53, &only) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad address '%.64s' (an IPv4 or IPv6 address)\n",
			addr_text);
		return false;
	}
	if (!t->infra) {
		fprintf(out, CONTROL_REPLY_ERR "%s: %s\n", argv[0],
			control_infra_error(CAIRN_ENOTFOUND));
		return false;
	}
	err = t->infra(t->ctx, addr_text ? &only : NULL, flush, json, &text, &removed);
	if (err != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "%s: %s\n", argv[0], control_infra_error(err));
		free(text);
		return false;
	}
	if (flush)
		fprintf(out, CONTROL_REPLY_OK "\nremoved %zu infra entries\n", removed);
	else if (json)
		fprintf(out, CONTROL_REPLY_OK "\n[%s]\n", text ? text : "");
	else
		fprintf(out, CONTROL_REPLY_OK "\n%s", text ? text : "");
	free(text);
	return true;
}

/* ---- list-local-zones [--json] ---- */

struct local_list {
	FILE *out;
	bool json;
	unsigned n;
};

static void local_zone_line(void *arg, const char *name, const char *kind)
{
	struct local_list *ll = arg;

	if (!ll->json) {
		fprintf(ll->out, "%s %s\n", name, kind);
		return;
	}
	fprintf(ll->out, "%s{\"name\":", ll->n++ ? "," : "");
	control_json_str(ll->out, name);
	fprintf(ll->out, ",\"kind\":");
	control_json_str(ll->out, kind);
	fputc('}', ll->out);
}

bool control_cmd_list_local_zones(const struct control_target *t, int argc, char **argv,
				  FILE *out)
{
	struct local_list ll = { .json = argc == 2 };
	char *text = NULL;
	size_t len = 0;
	cairn_err err;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(out, CONTROL_REPLY_ERR "usage: list-local-zones [--json]\n");
		return false;
	}
	if (!t->local_zones) {
		fprintf(out, CONTROL_REPLY_ERR "%s: this server has no resolver (recursion: no)\n",
			argv[0]);
		return false;
	}
	ll.out = open_memstream(&text, &len);
	if (!ll.out) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = t->local_zones(t->ctx, local_zone_line, &ll);
	if (fclose(ll.out) != 0 && err == CAIRN_OK)
		err = CAIRN_ENOMEM;
	if (err != CAIRN_OK)
		fprintf(out, CONTROL_REPLY_ERR "%s: %s\n", argv[0],
			err == CAIRN_ENOTFOUND ? "this server has no resolver (recursion: no)" :
						 "out of memory");
	else if (ll.json)
		fprintf(out, CONTROL_REPLY_OK "\n[%s]\n", text ? text : "");
	else
		fprintf(out, CONTROL_REPLY_OK "\n%s", text ? text : "");
	free(text);
	return err == CAIRN_OK;
}

/* ---- lookup [--json] NAME ---- */

bool control_cmd_lookup(const struct control_target *t, int argc, char **argv, FILE *out)
{
	uint8_t name[WIRE_NAME_MAX];
	char *text = NULL;
	const char *arg = argc == 2 ? argv[1] : argc == 3 ? argv[2] : NULL;
	bool json = argc == 3;
	size_t len;
	cairn_err err;

	if (!arg || (json && strcmp(argv[1], "--json") != 0)) {
		fprintf(out, CONTROL_REPLY_ERR "usage: lookup [--json] NAME\n");
		return false;
	}
	if (wire_name_from_text(arg, NULL, name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad domain name '%s'\n", arg);
		return false;
	}
	if (!t->lookup) {
		fprintf(out, CONTROL_REPLY_ERR "lookup: %s\n",
			control_infra_error(CAIRN_ENOTFOUND));
		return false;
	}
	err = t->lookup(t->ctx, name, json, &text);
	if (err != CAIRN_OK)
		fprintf(out, CONTROL_REPLY_ERR "lookup: %s\n", control_infra_error(err));
	else
		fprintf(out, CONTROL_REPLY_OK "\n%s", text ? text : "");
	free(text);
	return err == CAIRN_OK;
}
