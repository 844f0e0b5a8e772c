/* options: cairn-control get-option and set-option (cairn-control(8)).
 * get-option prints any server: key's value in use as a cairnd.conf line;
 * set-option changes the keys below, whose value every query or resolution
 * reads afresh, until the next restart. A value is checked by the
 * configuration parser itself (the same key table, the same ranges), as a
 * one-line "server:" clause. */
#include "config.h"

#include "daemon_int.h"
#include "config_int.h"
#include "cairn/server.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* The keys set-option may change: read afresh by each query (log-queries)
 * or each resolution (the resolver's, resolver_config_tune). The others
 * are used once at start-up: sockets, threads, privileges, the cache's
 * size and limits (fixed when it is created), c-ares' timeout. */
static const char *const runtime_keys[] = {
	"log-queries", "log-servfail", "serve-stale", "stale-answer-client-timeout",
	"stale-answer-ttl", "prefetch", "qname-minimisation", "max-upstream-queries",
	"max-referrals", "max-glueless-ns", "resolve-timeout", "unwanted-reply-threshold",
};

struct daemon_options {
	pthread_mutex_t lock;
	struct cairn_config live;   /* cfg0's values, with set-option's changes;
	                             * its pointers are cfg0's (not owned) */
	bool stale_kept;            /* the cache keeps expired data (start-up) */
};

cairn_err daemon_options_new(const struct cairn_config *cfg0, struct daemon_options **out)
{
	struct daemon_options *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&o->lock, NULL);
	o->live = *cfg0;
	o->stale_kept = cfg0->serve_stale && cfg0->serve_stale_max_age > 0;
	*out = o;
	return CAIRN_OK;
}

void daemon_options_free(struct daemon_options *o)
{
	if (!o)
		return;
	pthread_mutex_destroy(&o->lock);
	free(o);
}

/* The server: key named key, or NULL (*elsewhere: the clause that has it). */
static const struct config_key *server_key(const char *key, const char **elsewhere)
{
	*elsewhere = NULL;
	for (size_t i = 0; i < config_n_keys; i++) {
		if (strcmp(config_keys[i].name, key) != 0)
			continue;
		if (strcmp(config_keys[i].clause, "server") == 0)
			return &config_keys[i];
		*elsewhere = config_keys[i].clause;
	}
	return NULL;
}

/* "key: value", quoted when the value has blanks or a '#', or is empty. */
static void put(FILE *out, const char *key, const char *value)
{
	if (!value[0] || strpbrk(value, " \t#\""))
		fprintf(out, "%s: \"%s\"\n", key, value);
	else
		fprintf(out, "%s: %s\n", key, value);
}

static void put_list(FILE *out, const char *key, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(out, key, v[i]);
	if (!n)
		fprintf(out, "# %s: not set\n", key);
}

/* The keys parsed by a function of their own (config_keys.c). */
static void get_func(const struct cairn_config *c, const char *key, FILE *out)
{
	char buf[INET6_ADDRSTRLEN + 8];

	if (strcmp(key, "listen") == 0) {
		for (size_t i = 0; i < c->n_listen; i++)
			put(out, key, c->listen[i].text);
	} else if (strcmp(key, "log") == 0) {
		put(out, key, c->log_sink == LOG_SINK_SYSLOG ? "syslog" :
			      c->log_sink == LOG_SINK_STDERR ? "stderr" :
			      c->log_path ? c->log_path : "");
	} else if (strcmp(key, "allow-recursion") == 0) {
		for (size_t i = 0; i < c->n_allow_recursion; i++) {
			const struct cairn_prefix *p = &c->allow_recursion[i];
			char text[INET6_ADDRSTRLEN];

			if (!inet_ntop(p->family, p->addr, text, sizeof(text)))
				continue;
			snprintf(buf, sizeof(buf), "%s/%u", text, p->bits);
			put(out, key, buf);
		}
		if (!c->n_allow_recursion)
			fprintf(out, "# %s: not set (loopback, RFC 1918, ULA and link-local "
				"clients)\n", key);
	} else if (strcmp(key, "cache-size") == 0) {
		fprintf(out, "%s: %zu\n", key, c->cache_size);
	} else if (strcmp(key, "local-zone-disable") == 0) {
		put_list(out, key, c->local_zone_disable, c->n_local_zone_disable);
	} else if (strcmp(key, "trust-anchor") == 0) {
		put_list(out, key, c->trust_anchors, c->n_trust_anchors);
	} else if (strcmp(key, "domain-insecure") == 0) {
		put_list(out, key, c->domain_insecure, c->n_domain_insecure);
	} else {
		fprintf(out, "# %s: not shown\n", key);
	}
}

/* Writes key (row k) as in use; o->lock held. */
static void show(struct daemon_options *o, const struct config_key *k, const char *key,
		 FILE *out)
{
	const char *base = (const char *)&o->live;

	switch (k->type) {
	case KEY_BOOL:
		fprintf(out, "%s: %s\n", key, *(const bool *)(base + k->offset) ? "yes" : "no");
		break;
	case KEY_UINT:
		fprintf(out, "%s: %u\n", key, *(const unsigned *)(base + k->offset));
		break;
	case KEY_STRING:
	case KEY_PATH:
		if (*(char *const *)(base + k->offset))
			put(out, key, *(char *const *)(base + k->offset));
		else
			fprintf(out, "# %s: not set (its default applies, cairnd.conf(5))\n", key);
		break;
	case KEY_FUNC:
		get_func(&o->live, key, out);
		break;
	}
}

cairn_err daemon_option_get(struct daemon_options *o, const char *key, FILE *out)
{
	const char *elsewhere;
	const struct config_key *k = server_key(key, &elsewhere);

	if (!k && elsewhere) {
		fprintf(out, "get-option: '%s' is a key of each %s: clause (see %s)\n", key,
			elsewhere, strcmp(elsewhere, "forward-zone") == 0 ? "forward-list" :
			strcmp(elsewhere, "zone") == 0 ? "list-zones" : "cairnd.conf");
		return CAIRN_EINVAL;
	}
	if (!k)
		return CAIRN_ENOTFOUND;
	pthread_mutex_lock(&o->lock);
	show(o, k, key, out);
	pthread_mutex_unlock(&o->lock);
	return CAIRN_OK;
}

static void report_to(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)file;
	(void)line;
	fprintf(ctx, "set-option: %s\n", msg);
}

cairn_err daemon_option_set(struct daemon_options *o, struct server *srv, const char *key,
			    const char *value, FILE *out)
{
	const char *elsewhere;
	const struct config_key *k = server_key(key, &elsewhere);
	struct cairn_config *tmp = NULL;
	struct server_rconfig rc;
	char text[1200];
	bool runtime = false;
	cairn_err err = CAIRN_EINVAL;

	for (size_t i = 0; k && i < sizeof(runtime_keys) / sizeof(runtime_keys[0]); i++)
		runtime |= strcmp(runtime_keys[i], key) == 0;
	if (!k && !elsewhere)
		return CAIRN_ENOTFOUND;
	if (!runtime) {
		fprintf(out, "set-option: %s cannot change while cairnd runs: edit cairnd.conf "
			"and restart (cairn-control(8) lists the keys that can)\n", key);
		return CAIRN_EINVAL;
	}
	/* the parser checks it, with the key table's ranges */
	if (strpbrk(value, "\"\n") || snprintf(text, sizeof(text), "server:\n\t%s: %s\n", key,
					       value) >= (int)sizeof(text)) {
		fprintf(out, "set-option: bad value for %s\n", key);
		return CAIRN_EINVAL;
	}
	if (config_load_text("set-option", text, report_to, out, &tmp) != CAIRN_OK)
		return CAIRN_EINVAL;
	pthread_mutex_lock(&o->lock);
	if (strcmp(key, "serve-stale") == 0 && tmp->serve_stale && !o->stale_kept) {
		fprintf(out, "set-option: serve-stale cannot be turned on: cairnd started with "
			"serve-stale: no (or serve-stale-max-age: 0), so its cache keeps no "
			"expired data; restart with serve-stale: yes\n");
		goto done;
	}
	if (k->type == KEY_BOOL)
		*(bool *)((char *)&o->live + k->offset) = *(bool *)((char *)tmp + k->offset);
	else
		*(unsigned *)((char *)&o->live + k->offset) =
			*(unsigned *)((char *)tmp + k->offset);
	if (strcmp(key, "log-queries") == 0) {
		server_set_log_queries(srv, o->live.log_queries);
		err = CAIRN_OK;
	} else if ((err = server_rconfig_init(&rc, &o->live)) == CAIRN_OK) {
		err = server_resolver_tune(srv, &rc.res, 5000);
		server_rconfig_free(&rc);
		if (err == CAIRN_ENOTFOUND)
			fprintf(out, "set-option: %s: this server has no resolver (recursion: "
				"no)\n", key);
		else if (err != CAIRN_OK)
			fprintf(out, "set-option: %s: %s (run it again)\n", key, cairn_strerror(err));
	}
	if (err == CAIRN_OK) {
		log_info("set-option %s: %s (cairn-control)", key, value);
		show(o, k, key, out);
	}
done:
	pthread_mutex_unlock(&o->lock);
	config_free(tmp);
	return err;
}
