/* control_dnssec: the DNSSEC control commands (cairn-control(8)):
 * insecure-add NAME, insecure-remove NAME and insecure-list, the
 * negative trust anchors of RFC 7646, as unbound-control's insecure_*.
 * The anchor store is thread safe; the cache is flushed at and below the
 * name so that verdicts reached before the change do not outlive it. */
#include "control_int.h"
#include "cairn/cache.h"
#include "cairn/dnssec.h"

#include <string.h>

struct list_ctx {
	FILE *out;
	bool json, first;
};

static void list_one(void *arg, const char *name)
{
	struct list_ctx *l = arg;

	if (l->json) {
		fputs(l->first ? "" : ",", l->out);
		control_json_str(l->out, name);
	} else {
		fprintf(l->out, "%s\n", name);
	}
	l->first = false;
}

bool control_cmd_insecure(const struct control_target *t, int argc, char **argv, FILE *out)
{
	struct dsec_anchors *a = t->anchors ? t->anchors(t->ctx) : NULL;
	bool add = strcmp(argv[0], "insecure-add") == 0;
	bool remove = strcmp(argv[0], "insecure-remove") == 0;
	uint8_t name[WIRE_NAME_MAX];
	struct cache *cache;
	size_t len;

	if (!add && !remove && strcmp(argv[0], "insecure-list") != 0) {
		fprintf(out, CONTROL_REPLY_ERR "unknown command '%.64s' (try 'help')\n", argv[0]);
		return false;
	}
	if (!a) {
		fprintf(out, CONTROL_REPLY_ERR "%s: this server does not validate "
			"(recursion: no, or dnssec: no)\n", argv[0]);
		return false;
	}
	if (!add && !remove) {
		struct list_ctx l = { .out = out, .first = true };

		if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
			fprintf(out, CONTROL_REPLY_ERR "usage: insecure-list [--json]\n");
			return false;
		}
		l.json = argc == 2;
		fprintf(out, CONTROL_REPLY_OK "\n%s", l.json ? "[" : "");
		dsec_nta_list(a, list_one, &l);
		fputs(l.json ? "]\n" : "", out);
		return true;
	}
	if (argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: %s NAME\n", argv[0]);
		return false;
	}
	if (wire_name_from_text(argv[1], NULL, name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad domain name '%s'\n", argv[1]);
		return false;
	}
	wire_name_lower(name);
	if (add && dsec_nta_add(a, name) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	if (remove && !dsec_nta_remove(a, name)) {
		fprintf(out, CONTROL_REPLY_ERR "%s is no negative trust anchor\n", argv[1]);
		return false;
	}
	cache = t->cache ? t->cache(t->ctx) : NULL;
	if (cache)
		cache_flush_name(cache, name, true);
	fprintf(out, CONTROL_REPLY_OK "\n%s %s: cache flushed at and below it\n",
		add ? "added" : "removed", argv[1]);
	return true;
}
