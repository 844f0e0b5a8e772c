/* control_runtime: the control commands that change the running server
 * until it restarts or reloads (cairn-control(8)): reload-zone, the
 * forward zones (forward-list, forward-add, forward-remove) and the
 * options (get-option, set-option). The daemon's callbacks do the work;
 * this file parses the arguments and writes the replies. */
#include "control_int.h"
#include "cairn/resolve.h"
#include "cairn/wire.h"

#include <stdlib.h>
#include <string.h>

/* ---- reload-zone ZONE ---- */

bool control_cmd_reload_zone(const struct control_target *t, int argc, char **argv, FILE *out)
{
	uint8_t name[WIRE_NAME_MAX];
	char *msgs = NULL;
	size_t len = 0;
	FILE *m = NULL;
	cairn_err err;

	if (argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: reload-zone ZONE\n");
		return false;
	}
	if (wire_name_from_text(argv[1], NULL, name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad zone name '%s'\n", argv[1]);
		return false;
	}
	wire_name_lower(name);
	if (!t->reload_zone) {
		fprintf(out, CONTROL_REPLY_ERR "reload-zone: not supported by this server\n");
		return false;
	}
	m = open_memstream(&msgs, &len);
	if (!m) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = t->reload_zone(t->ctx, name, m);
	fclose(m);
	if (err == CAIRN_OK)
		fprintf(out, CONTROL_REPLY_OK "\n%s", msgs ? msgs : "");
	else if (err == CAIRN_ENOTFOUND && (!msgs || !msgs[0]))
		fprintf(out, CONTROL_REPLY_ERR "reload-zone: no zone '%s' in the configuration\n",
			argv[1]);
	else
		fprintf(out, CONTROL_REPLY_ERR "reload-zone %s: not reloaded, the old data keeps "
			"serving\n%s", argv[1], msgs ? msgs : "");
	free(msgs);
	return err == CAIRN_OK;
}

/* ---- forward-list [--json] / forward-add ZONE ADDR... / forward-remove ZONE ---- */

struct fwd_list {
	FILE *out;
	bool json;
	unsigned n;
};

static void addr_text(const struct cairn_sockaddr *sa, char *buf, size_t cap)
{
	char *hash;

	cairn_sockaddr_format(sa, buf, cap);
	hash = strrchr(buf, '#');
	if (hash)
		*hash = '@';   /* the configuration's ADDRESS@PORT form */
}

static void fwd_line(void *arg, const struct resolver_forward *f)
{
	struct fwd_list *fl = arg;
	char zone[WIRE_NAME_MAX * 4 + 2], addr[INET6_ADDRSTRLEN + 16];

	if (wire_name_to_text(f->name, zone, sizeof(zone)) != CAIRN_OK)
		snprintf(zone, sizeof(zone), "?");
	if (fl->json) {
		fprintf(fl->out, "%s{\"zone\":", fl->n ? "," : "");
		control_json_str(fl->out, zone);
		fprintf(fl->out, ",\"addresses\":[");
	} else {
		fprintf(fl->out, "%s", zone);
	}
	for (unsigned i = 0; i < f->naddr; i++) {
		addr_text(&f->addr[i], addr, sizeof(addr));
		fprintf(fl->out, fl->json ? "%s\"%s\"" : "%s%s", fl->json && i ? "," : " ", addr);
	}
	fprintf(fl->out, fl->json ? "]}" : "\n");
	fl->n++;
}

static bool forward_list(const struct control_target *t, int argc, char **argv, FILE *out)
{
	struct fwd_list fl = { .json = argc == 2 };
	char *text = NULL;
	size_t len;
	cairn_err err;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(out, CONTROL_REPLY_ERR "usage: forward-list [--json]\n");
		return false;
	}
	if (!t->forward_list) {
		fprintf(out, CONTROL_REPLY_ERR "forward-list: %s\n",
			control_infra_error(CAIRN_ENOTFOUND));
		return false;
	}
	fl.out = open_memstream(&text, &len);
	if (!fl.out) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = t->forward_list(t->ctx, fwd_line, &fl);
	fclose(fl.out);
	if (err != CAIRN_OK)
		fprintf(out, CONTROL_REPLY_ERR "forward-list: %s\n", control_infra_error(err));
	else if (fl.json)
		fprintf(out, CONTROL_REPLY_OK "\n[%s]\n", text ? text : "");
	else
		fprintf(out, CONTROL_REPLY_OK "\n%s", text ? text : "");
	free(text);
	return err == CAIRN_OK;
}

bool control_cmd_forward(const struct control_target *t, int argc, char **argv, FILE *out)
{
	struct resolver_forward f;
	bool add = strcmp(argv[0], "forward-add") == 0;
	char zone[WIRE_NAME_MAX * 4 + 2];
	size_t len;
	cairn_err err;

	if (strcmp(argv[0], "forward-list") == 0)
		return forward_list(t, argc, argv, out);
	if (add ? argc < 3 || argc > 2 + RESOLVER_MAX_FORWARD_ADDR : argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: %s\n", add ?
			"forward-add ZONE ADDRESS[@PORT]... (at most 8 addresses)" :
			"forward-remove ZONE");
		return false;
	}
	memset(&f, 0, sizeof(f));
	if (wire_name_from_text(argv[1], NULL, f.name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad zone name '%s'\n", argv[1]);
		return false;
	}
	wire_name_lower(f.name);
	for (int i = 2; add && i < argc; i++) {
		/* port 53 unless given, as forward-addr in cairnd.conf */
		if (cairn_sockaddr_parse(argv[i], 53, &f.addr[f.naddr]) != CAIRN_OK) {
			fprintf(out, CONTROL_REPLY_ERR "bad address '%.64s' (want ADDRESS[@PORT])\n",
				argv[i]);
			return false;
		}
		f.naddr++;
	}
	if (!t->forward_set) {
		fprintf(out, CONTROL_REPLY_ERR "%s: %s\n", argv[0],
			control_infra_error(CAIRN_ENOTFOUND));
		return false;
	}
	err = t->forward_set(t->ctx, &f);
	if (wire_name_to_text(f.name, zone, sizeof(zone)) != CAIRN_OK)
		snprintf(zone, sizeof(zone), "%s", argv[1]);
	if (err == CAIRN_ENOTFOUND && !add)
		fprintf(out, CONTROL_REPLY_ERR "forward-remove: %s is not a forward zone\n", zone);
	else if (err == CAIRN_ELIMIT)
		fprintf(out, CONTROL_REPLY_ERR "forward-add: too many forward zones\n");
	else if (err != CAIRN_OK)
		fprintf(out, CONTROL_REPLY_ERR "%s: %s\n", argv[0], control_infra_error(err));
	else
		fprintf(out, CONTROL_REPLY_OK "\n%s %s (until restart; cache flushed at and below "
			"it)\n", add ? "forwarding" : "no longer forwarding", zone);
	return err == CAIRN_OK;
}

/* ---- get-option KEY / set-option KEY VALUE ---- */

bool control_cmd_option(const struct control_target *t, int argc, char **argv, FILE *out)
{
	bool set = strcmp(argv[0], "set-option") == 0;
	char *msgs = NULL;
	size_t len = 0;
	FILE *m = NULL;
	cairn_err err;

	if (set ? argc != 3 : argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: %s\n",
			set ? "set-option KEY VALUE" : "get-option KEY");
		return false;
	}
	if (!(set ? t->option_set != NULL : t->option_get != NULL)) {
		fprintf(out, CONTROL_REPLY_ERR "%s: not supported by this server\n", argv[0]);
		return false;
	}
	m = open_memstream(&msgs, &len);
	if (!m) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = set ? t->option_set(t->ctx, argv[1], argv[2], m) : t->option_get(t->ctx, argv[1], m);
	fclose(m);
	if (err == CAIRN_OK)
		fprintf(out, CONTROL_REPLY_OK "\n%s", msgs ? msgs : "");
	else if (err == CAIRN_ENOTFOUND)
		fprintf(out, CONTROL_REPLY_ERR "%s: no key '%.64s' in cairnd.conf(5)\n", argv[0],
			argv[1]);
	else
		fprintf(out, CONTROL_REPLY_ERR "%s", msgs && msgs[0] ? msgs : "failed\n");
	free(msgs);
	return err == CAIRN_OK;
}
