/* config keys: the table of cairnd.conf's clauses and keys (what each key
 * sets, its range or its parser), the defaults of every setting and
 * config_free. The grammar and the generic value types live in config.c:
 * adding a key is adding a row to `config_keys` (and a field in
 * struct cairn_config, with its default in config_set_defaults); adding a
 * clause is adding a row to `config_clauses`. */
#include "config.h"

#include "config_int.h"
#include "cairn/resolve.h"
#include "cairn/wire.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- key parsers ---- */

static bool parse_listen(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	struct config_listen l = { .line = p->line };
	struct config_listen *grown;

	if (strlen(value) >= sizeof(l.text) ||
	    cairn_sockaddr_parse(value, CONFIG_DEFAULT_PORT, &l.addr) != CAIRN_OK) {
		config_report(p, p->line, "bad listen address '%s' (want ADDRESS[@PORT])", value);
		return false;
	}
	snprintf(l.text, sizeof(l.text), "%s", value);
	for (size_t i = 0; i < cfg->n_listen; i++) {
		if (cfg->listen[i].addr.len == l.addr.len &&
		    memcmp(&cfg->listen[i].addr.ss, &l.addr.ss, l.addr.len) == 0) {
			config_report(p, p->line, "duplicate listen address '%s' (also on line %u)",
				      value, cfg->listen[i].line);
			return false;
		}
	}
	grown = realloc(cfg->listen, (cfg->n_listen + 1) * sizeof(*grown));
	if (!grown) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	cfg->listen = grown;
	cfg->listen[cfg->n_listen++] = l;
	return true;
}

static bool parse_log(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;

	free(cfg->log_path);
	cfg->log_path = NULL;
	if (strcmp(value, "syslog") == 0) {
		cfg->log_sink = LOG_SINK_SYSLOG;
	} else if (strcmp(value, "stderr") == 0) {
		cfg->log_sink = LOG_SINK_STDERR;
	} else if (value[0] == '\0') {
		config_report(p, p->line, "'log' wants syslog, stderr or a file name");
		return false;
	} else {
		cfg->log_sink = LOG_SINK_FILE;
		cfg->log_path = config_resolve_path(p, value);
		if (!cfg->log_path) {
			config_report(p, p->line, "out of memory");
			return false;
		}
	}
	return true;
}

/* Checks that text looks like a domain name; returns false with a reason. */
static bool zone_name_ok(const char *name, const char **why)
{
	size_t label = 0, total = 0;

	if (strcmp(name, ".") == 0)
		return true;
	if (name[0] == '\0') {
		*why = "is empty";
		return false;
	}
	for (const char *c = name; *c; c++) {
		if (*c == '.') {
			if (label == 0 && c[1] != '\0') {
				*why = "has an empty label";
				return false;
			}
			if (label == 0 && c == name) {
				*why = "has an empty label";
				return false;
			}
			label = 0;
			continue;
		}
		if (isspace((unsigned char)*c)) {
			*why = "contains white space";
			return false;
		}
		if (++label > 63) {
			*why = "has a label longer than 63 characters";
			return false;
		}
		total++;
	}
	if (total + 1 > 253) { /* RFC 1035 §2.3.4: 255 octets in wire form */
		*why = "is longer than 255 octets";
		return false;
	}
	return true;
}

/* Compares zone names ignoring ASCII case and one trailing dot. */
static bool zone_name_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool parse_zone_name(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;
	const char *why = NULL;

	if (!zone_name_ok(value, &why)) {
		config_report(p, p->line, "bad zone name '%s': it %s", value, why);
		return false;
	}
	for (size_t i = 0; i < p->cfg->n_zones; i++) {
		struct config_zone *o = &p->cfg->zones[i];

		if (o != z && o->name && zone_name_same(o->name, value)) {
			config_report(p, p->line, "duplicate zone '%s' (also in the zone on line %u)",
				      value, o->line);
			return false;
		}
	}
	z->name = config_dup_name(p, value);
	return z->name != NULL;
}

static bool parse_zone_file(struct config_parser *p, void *target, const char *value)
{
	struct config_zone *z = target;

	if (value[0] == '\0') {
		config_report(p, p->line, "'file' wants a file name");
		return false;
	}
	z->file = config_resolve_path(p, value);
	if (!z->file) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	/* readable? checked at the end of the clause: a secondary's file
	 * (primary:) may not exist before the first transfer */
	z->file_line = p->line;
	return true;
}

/* ---- clauses ---- */

static void *server_begin(struct config_parser *p)
{
	return p->cfg;
}

static void *zone_begin(struct config_parser *p)
{
	struct cairn_config *cfg = p->cfg;
	struct config_zone *grown;

	grown = realloc(cfg->zones, (cfg->n_zones + 1) * sizeof(*grown));
	if (!grown) {
		config_report(p, p->line, "out of memory");
		return NULL;
	}
	cfg->zones = grown;
	cfg->zones[cfg->n_zones] = (struct config_zone){ .line = p->line,
		.ixfr_number = CONFIG_DEFAULT_IXFR_NUMBER, .ixfr_size = CONFIG_DEFAULT_IXFR_SIZE };
	return &cfg->zones[cfg->n_zones++];
}

static void zone_end(struct config_parser *p, void *target)
{
	struct config_zone *z = target;

	/* A key that was given but had a bad value was reported already. */
	if (!config_key_given(p, "zone", "name"))
		config_report(p, z->line, "zone without 'name'");
	if (!config_key_given(p, "zone", "file"))
		config_report(p, z->line, "zone %s%s%swithout 'file'", z->name ? "'" : "",
			      z->name ? z->name : "", z->name ? "' " : "");
	else if (z->file && access(z->file, R_OK) != 0 &&
		 ((z->n_primary == 0 && !z->catalog) || errno != ENOENT))
		config_report(p, z->file_line, "cannot read zone file '%s': %s", z->file,
			      strerror(errno));
}

/* ---- the resolver's keys ---- */

/* Appends the prefixes of value (separated by blanks or commas) to
 * *list; false with a report for a malformed one. */
static bool prefix_list_add(struct config_parser *p, struct cairn_prefix **list, size_t *n,
			    const char *value)
{
	char *copy = strdup(value), *save = NULL;
	bool ok = copy != NULL;

	for (char *t = copy ? strtok_r(copy, " \t,", &save) : NULL; t && ok;
	     t = strtok_r(NULL, " \t,", &save)) {
		struct cairn_prefix pfx, *grown;

		if (cairn_prefix_parse(t, &pfx) != CAIRN_OK) {
			config_report(p, p->line, "bad address prefix '%s' (want e.g. 10.0.0.0/8)", t);
			ok = false;
			break;
		}
		grown = realloc(*list, (*n + 1) * sizeof(*grown));
		if (!grown) {
			config_report(p, p->line, "out of memory");
			ok = false;
			break;
		}
		*list = grown;
		(*list)[(*n)++] = pfx;
	}
	if (!copy)
		config_report(p, p->line, "out of memory");
	free(copy);
	return ok;
}

/* allow-recursion: one or more prefixes separated by blanks; repeatable. */
static bool parse_allow_recursion(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;

	return prefix_list_add(p, &cfg->allow_recursion, &cfg->n_allow_recursion, value);
}

/* rrl-whitelist: clients never rate limited (or limited at
 * rrl-whitelist-ratelimit); prefixes, repeatable. */
static bool parse_rrl_whitelist(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;

	return prefix_list_add(p, &cfg->rrl_whitelist, &cfg->n_rrl_whitelist, value);
}

/* cookie-secret: 32 hex digits (RFC 9018 §4.4: configurable, so that an
 * anycast set agrees); at most two, the first generating. */
static bool parse_cookie_secret(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	uint8_t *out;

	if (cfg->n_cookie_secrets >= 2) {
		config_report(p, p->line, "at most 2 cookie-secret (the current and the previous)");
		return false;
	}
	out = cfg->cookie_secrets[cfg->n_cookie_secrets];
	for (size_t i = 0; i < CONFIG_COOKIE_SECRET_LEN; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)value[2 * i]) || !isxdigit((unsigned char)value[2 * i + 1]) ||
		    sscanf(value + 2 * i, "%2x", &v) != 1)
			goto bad;
		out[i] = (uint8_t)v;
	}
	if (value[2 * CONFIG_COOKIE_SECRET_LEN] != '\0')
		goto bad;
	cfg->n_cookie_secrets++;
	return true;
bad:
	config_report(p, p->line, "bad cookie-secret (want %d hex digits)",
		      2 * CONFIG_COOKIE_SECRET_LEN);
	return false;
}

/* cache-size: bytes, with an optional k, m or g suffix. */
static bool parse_cache_size(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	char *end = NULL;
	unsigned long long n;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (end && (*end == 'k' || *end == 'K'))
		n <<= 10, end++;
	else if (end && (*end == 'm' || *end == 'M'))
		n <<= 20, end++;
	else if (end && (*end == 'g' || *end == 'G'))
		n <<= 30, end++;
	if (errno || end == value || *end || n < 65536 || n > (1ULL << 40)) {
		config_report(p, p->line, "bad cache-size '%s' (want e.g. 64m, at least 64k)", value);
		return false;
	}
	cfg->cache_size = (size_t)n;
	return true;
}

/* local-zone-disable: one default local zone (RFC 6761, RFC 6303) that the
 * resolver should not answer itself; repeatable. */
static bool parse_local_zone_disable(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	char **grown;

	if (!resolver_local_zone_known(value)) {
		config_report(p, p->line, "'%s' is not one of the default local zones "
			      "(see local-zone-disable in cairnd.conf(5))", value);
		return false;
	}
	grown = realloc(cfg->local_zone_disable,
			(cfg->n_local_zone_disable + 1) * sizeof(*grown));
	if (!grown) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	cfg->local_zone_disable = grown;
	grown[cfg->n_local_zone_disable] = strdup(value);
	if (!grown[cfg->n_local_zone_disable]) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	cfg->n_local_zone_disable++;
	return true;
}

/* Appends a copy of value to a repeatable key's list. */
static bool strlist_add(struct config_parser *p, char ***list, size_t *n, const char *value)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));

	if (!grown || !(grown[*n] = strdup(value))) {
		if (grown)
			*list = grown;
		config_report(p, p->line, "out of memory");
		return false;
	}
	*list = grown;
	(*n)++;
	return true;
}

/* trust-anchor: one DS or DNSKEY record in presentation form (RFC 4033
 * §2, as unbound's trust-anchor:); repeatable. Checked by the validator
 * when the resolver starts (src/dnssec/). */
static bool parse_trust_anchor(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;

	return strlist_add(p, &cfg->trust_anchors, &cfg->n_trust_anchors, value);
}

/* domain-insecure: a negative trust anchor (RFC 7646); repeatable. */
static bool parse_domain_insecure(struct config_parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	uint8_t wire[WIRE_NAME_MAX];
	size_t len;

	if (wire_name_from_text(value, NULL, wire, &len) != CAIRN_OK) {
		config_report(p, p->line, "bad domain-insecure name '%s'", value);
		return false;
	}
	return strlist_add(p, &cfg->domain_insecure, &cfg->n_domain_insecure, value);
}

static void *forward_begin(struct config_parser *p)
{
	struct cairn_config *cfg = p->cfg;
	struct config_forward *grown;

	grown = realloc(cfg->forwards, (cfg->n_forwards + 1) * sizeof(*grown));
	if (!grown) {
		config_report(p, p->line, "out of memory");
		return NULL;
	}
	cfg->forwards = grown;
	cfg->forwards[cfg->n_forwards] = (struct config_forward){ .line = p->line };
	return &cfg->forwards[cfg->n_forwards++];
}

static void forward_end(struct config_parser *p, void *target)
{
	struct config_forward *f = target;

	if (!config_key_given(p, "forward-zone", "name"))
		config_report(p, f->line, "forward-zone without 'name'");
	if (!config_key_given(p, "forward-zone", "forward-addr"))
		config_report(p, f->line, "forward-zone without 'forward-addr'");
}

static bool parse_forward_name(struct config_parser *p, void *target, const char *value)
{
	struct config_forward *f = target;
	uint8_t wire[WIRE_NAME_MAX];
	size_t len;

	if (wire_name_from_text(value, NULL, wire, &len) != CAIRN_OK) {
		config_report(p, p->line, "bad forward-zone name '%s'", value);
		return false;
	}
	free(f->name);
	f->name = strdup(value);
	if (!f->name) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	return true;
}

static bool parse_forward_addr(struct config_parser *p, void *target, const char *value)
{
	struct config_forward *f = target;
	struct cairn_sockaddr sa, *grown;

	if (cairn_sockaddr_parse(value, CONFIG_DEFAULT_PORT, &sa) != CAIRN_OK) {
		config_report(p, p->line, "bad forward-addr '%s' (want ADDRESS[@PORT])", value);
		return false;
	}
	if (f->n_addr >= 8) {
		config_report(p, p->line, "at most 8 forward-addr per forward-zone");
		return false;
	}
	grown = realloc(f->addr, (f->n_addr + 1) * sizeof(*grown));
	if (!grown) {
		config_report(p, p->line, "out of memory");
		return false;
	}
	f->addr = grown;
	f->addr[f->n_addr++] = sa;
	return true;
}

#define CFG(field) offsetof(struct cairn_config, field)

const struct config_clause config_clauses[] = {
	{ "server", server_begin, NULL, false },
	{ "zone", zone_begin, zone_end, true },
	{ "forward-zone", forward_begin, forward_end, true },
	{ "key", config_key_begin, config_key_end, true },
};

const struct config_key config_keys[] = {
	{ "server", "listen", KEY_FUNC, 0, 0, 0, true, parse_listen },
	{ "server", "threads", KEY_UINT, CFG(threads), 1, 1024, false, NULL },
	{ "server", "user", KEY_STRING, CFG(user), 0, 0, false, NULL },
	{ "server", "pidfile", KEY_PATH, CFG(pidfile), 0, 0, false, NULL },
	{ "server", "control-socket", KEY_PATH, CFG(control_socket), 0, 0, false, NULL },
	{ "server", "control-group", KEY_STRING, CFG(control_group), 0, 0, false, NULL },
	{ "server", "chroot", KEY_PATH, CFG(chroot_dir), 0, 0, false, NULL },
	{ "server", "log", KEY_FUNC, 0, 0, 0, false, parse_log },
	{ "server", "log-queries", KEY_BOOL, CFG(log_queries), 0, 0, false, NULL },
	{ "server", "recursion", KEY_BOOL, CFG(recursion), 0, 0, false, NULL },
	{ "server", "edns-buffer-size", KEY_UINT, CFG(edns_buffer_size), 512, 4096, false, NULL },
	{ "server", "tcp-idle-timeout", KEY_UINT, CFG(tcp_idle_timeout), 1, 3600, false, NULL },
	{ "server", "tcp-max-connections", KEY_UINT, CFG(tcp_max_connections), 1, 65536, false, NULL },
	/* abuse defences: DNS cookies (RFC 7873, 9018) and RRL (as NSD) */
	{ "server", "answer-cookie", KEY_BOOL, CFG(answer_cookie), 0, 0, false, NULL },
	{ "server", "answer-cache-size", KEY_UINT, CFG(answer_cache_size), 0, 1048576, false, NULL },
	{ "server", "cookie-required", KEY_BOOL, CFG(cookie_required), 0, 0, false, NULL },
	{ "server", "rrl-ratelimit", KEY_UINT, CFG(rrl_ratelimit), 0, 1000000, false, NULL },
	{ "server", "rrl-whitelist-ratelimit", KEY_UINT, CFG(rrl_whitelist_ratelimit), 0, 1000000,
	  false, NULL },
	{ "server", "rrl-slip", KEY_UINT, CFG(rrl_slip), 0, 100, false, NULL },
	{ "server", "rrl-ipv4-prefix-length", KEY_UINT, CFG(rrl_ipv4_prefix), 0, 32, false, NULL },
	{ "server", "rrl-ipv6-prefix-length", KEY_UINT, CFG(rrl_ipv6_prefix), 0, 128, false, NULL },
	{ "server", "rrl-size", KEY_UINT, CFG(rrl_size), 16, 16777216, false, NULL },
	{ "server", "rrl-whitelist", KEY_FUNC, 0, 0, 0, true, parse_rrl_whitelist },
	{ "server", "cookie-secret", KEY_FUNC, 0, 0, 0, true, parse_cookie_secret },
	{ "zone", "name", KEY_FUNC, 0, 0, 0, false, parse_zone_name },
	{ "zone", "file", KEY_FUNC, 0, 0, 0, false, parse_zone_file },
	{ "server", "allow-recursion", KEY_FUNC, 0, 0, 0, true, parse_allow_recursion },
	{ "server", "root-hints", KEY_PATH, CFG(root_hints), 0, 0, false, NULL },
	{ "server", "query-loopback", KEY_BOOL, CFG(query_loopback), 0, 0, false, NULL },
	{ "server", "qname-minimisation", KEY_BOOL, CFG(qname_minimisation), 0, 0, false, NULL },
	{ "server", "cache-size", KEY_FUNC, 0, 0, 0, false, parse_cache_size },
	{ "server", "cache-max-ttl", KEY_UINT, CFG(cache_max_ttl), 0, 604800 * 4, false, NULL },
	{ "server", "cache-max-negative-ttl", KEY_UINT, CFG(cache_max_negative_ttl), 0, 604800, false, NULL },
	{ "server", "local-zone-disable", KEY_FUNC, 0, 0, 0, true, parse_local_zone_disable },
	{ "server", "max-upstream-queries", KEY_UINT, CFG(max_upstream_queries), 1, 1000, false, NULL },
	{ "server", "max-referrals", KEY_UINT, CFG(max_referrals), 1, 100, false, NULL },
	{ "server", "max-glueless-ns", KEY_UINT, CFG(max_glueless_ns), 0, 32, false, NULL },
	{ "server", "resolve-timeout", KEY_UINT, CFG(resolve_timeout), 1, 300, false, NULL },
	{ "server", "upstream-timeout", KEY_UINT, CFG(upstream_timeout), 10, 30000, false, NULL },
	{ "server", "unwanted-reply-threshold", KEY_UINT, CFG(unwanted_reply_threshold), 0, 1000000, false, NULL },
	{ "server", "infra-cache-numhosts", KEY_UINT, CFG(infra_cache_numhosts), 16, 10000000, false, NULL },
	{ "server", "infra-cache-lame-size", KEY_UINT, CFG(infra_cache_lame_size), 16, 10000000, false, NULL },
	{ "server", "log-servfail", KEY_BOOL, CFG(log_servfail), 0, 0, false, NULL },
	{ "server", "serve-stale", KEY_BOOL, CFG(serve_stale), 0, 0, false, NULL },
	{ "server", "stale-answer-client-timeout", KEY_UINT, CFG(stale_client_timeout), 0, 300000, false, NULL },
	{ "server", "stale-answer-ttl", KEY_UINT, CFG(stale_answer_ttl), 1, 86400, false, NULL },
	{ "server", "serve-stale-max-age", KEY_UINT, CFG(serve_stale_max_age), 0, 604800 * 4, false, NULL },
	{ "server", "prefetch", KEY_BOOL, CFG(prefetch), 0, 0, false, NULL },
	{ "server", "cache-file", KEY_PATH, CFG(cache_file), 0, 0, false, NULL },
	{ "server", "dnssec", KEY_BOOL, CFG(dnssec), 0, 0, false, NULL },
	{ "server", "trust-anchor-file", KEY_PATH, CFG(trust_anchor_file), 0, 0, false, NULL },
	{ "server", "trust-anchor", KEY_FUNC, 0, 0, 0, true, parse_trust_anchor },
	{ "server", "domain-insecure", KEY_FUNC, 0, 0, 0, true, parse_domain_insecure },
	{ "server", "val-bogus-ttl", KEY_UINT, CFG(val_bogus_ttl), 0, 86400, false, NULL },
	{ "forward-zone", "name", KEY_FUNC, 0, 0, 0, false, parse_forward_name },
	{ "forward-zone", "forward-addr", KEY_FUNC, 0, 0, 0, true, parse_forward_addr },
	/* zone transfers (config_xfr.c) */
	{ "key", "name", KEY_FUNC, 0, 0, 0, false, config_parse_key_name },
	{ "key", "algorithm", KEY_FUNC, 0, 0, 0, false, config_parse_key_algorithm },
	{ "key", "secret", KEY_FUNC, 0, 0, 0, false, config_parse_key_secret },
	{ "zone", "provide-xfr", KEY_FUNC, 0, 0, 0, true, config_parse_provide_xfr },
	{ "zone", "notify", KEY_FUNC, 0, 0, 0, true, config_parse_notify },
	{ "zone", "primary", KEY_FUNC, 0, 0, 0, true, config_parse_primary },
	{ "zone", "allow-notify", KEY_FUNC, 0, 0, 0, true, config_parse_allow_notify },
	{ "zone", "ixfr-number", KEY_UINT, offsetof(struct config_zone, ixfr_number), 0, 1000,
	  false, NULL },
	{ "zone", "ixfr-size", KEY_FUNC, 0, 0, 0, false, config_parse_ixfr_size },
	{ "zone", "catalog", KEY_BOOL, offsetof(struct config_zone, catalog), 0, 0, false, NULL },
};

const size_t config_n_clauses = sizeof(config_clauses) / sizeof(config_clauses[0]);
const size_t config_n_keys = sizeof(config_keys) / sizeof(config_keys[0]);

void config_set_defaults(struct cairn_config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	cfg->threads = cpus < 1 ? 1 : cpus > 1024 ? 1024 : (unsigned)cpus;
	cfg->log_sink = LOG_SINK_SYSLOG;
	cfg->edns_buffer_size = CONFIG_DEFAULT_EDNS_SIZE;
	cfg->tcp_idle_timeout = CONFIG_DEFAULT_TCP_IDLE;
	cfg->tcp_max_connections = CONFIG_DEFAULT_TCP_MAX_CONNS;
	cfg->qname_minimisation = true;
	cfg->cache_size = CONFIG_DEFAULT_CACHE_SIZE;
	cfg->cache_max_ttl = CONFIG_DEFAULT_CACHE_MAX_TTL;
	cfg->cache_max_negative_ttl = CONFIG_DEFAULT_CACHE_NEG_TTL;
	cfg->max_upstream_queries = CONFIG_DEFAULT_MAX_UPSTREAM_QUERIES;
	cfg->max_referrals = CONFIG_DEFAULT_MAX_REFERRALS;
	cfg->max_glueless_ns = CONFIG_DEFAULT_MAX_GLUELESS_NS;
	cfg->resolve_timeout = CONFIG_DEFAULT_RESOLVE_TIMEOUT;
	cfg->upstream_timeout = CONFIG_DEFAULT_UPSTREAM_TIMEOUT;
	cfg->unwanted_reply_threshold = CONFIG_DEFAULT_UNWANTED_THRESHOLD;
	cfg->infra_cache_numhosts = CONFIG_DEFAULT_INFRA_HOSTS;
	cfg->infra_cache_lame_size = CONFIG_DEFAULT_INFRA_LAME;
	cfg->serve_stale = true;
	cfg->stale_client_timeout = CONFIG_DEFAULT_STALE_CLIENT_TIMEOUT;
	cfg->stale_answer_ttl = CONFIG_DEFAULT_STALE_ANSWER_TTL;
	cfg->serve_stale_max_age = CONFIG_DEFAULT_STALE_MAX_AGE;
	cfg->dnssec = true;
	cfg->val_bogus_ttl = CONFIG_DEFAULT_VAL_BOGUS_TTL;
	cfg->answer_cookie = true;
	cfg->answer_cache_size = CONFIG_DEFAULT_ANSWER_CACHE;
	cfg->rrl_ratelimit = CONFIG_DEFAULT_RRL_RATELIMIT;
	cfg->rrl_slip = CONFIG_DEFAULT_RRL_SLIP;
	cfg->rrl_ipv4_prefix = CONFIG_DEFAULT_RRL_IPV4_PREFIX;
	cfg->rrl_ipv6_prefix = CONFIG_DEFAULT_RRL_IPV6_PREFIX;
	cfg->rrl_size = CONFIG_DEFAULT_RRL_SIZE;
}

cairn_err config_add_default_listen(struct cairn_config *cfg)
{
	static const char *defaults[] = { "127.0.0.1", "::1" };

	cfg->listen = calloc(2, sizeof(*cfg->listen));
	if (!cfg->listen)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < 2; i++) {
		struct config_listen *l = &cfg->listen[i];

		if (cairn_sockaddr_parse(defaults[i], CONFIG_DEFAULT_PORT, &l->addr) != CAIRN_OK)
			return CAIRN_EINVAL;
		snprintf(l->text, sizeof(l->text), "%s@%d", defaults[i], CONFIG_DEFAULT_PORT);
		cfg->n_listen++;
	}
	return CAIRN_OK;
}

void config_free(struct cairn_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->key_line);
	for (size_t i = 0; i < cfg->n_zones; i++) {
		free(cfg->zones[i].name);
		free(cfg->zones[i].file);
		config_xfr_free_zone(&cfg->zones[i]);
	}
	config_xfr_free_keys(cfg);
	free(cfg->zones);
	for (size_t i = 0; i < cfg->n_forwards; i++) {
		free(cfg->forwards[i].name);
		free(cfg->forwards[i].addr);
	}
	free(cfg->forwards);
	free(cfg->allow_recursion);
	free(cfg->rrl_whitelist);
	for (size_t i = 0; i < cfg->n_local_zone_disable; i++)
		free(cfg->local_zone_disable[i]);
	free(cfg->local_zone_disable);
	for (size_t i = 0; i < cfg->n_trust_anchors; i++)
		free(cfg->trust_anchors[i]);
	free(cfg->trust_anchors);
	for (size_t i = 0; i < cfg->n_domain_insecure; i++)
		free(cfg->domain_insecure[i]);
	free(cfg->domain_insecure);
	free(cfg->trust_anchor_file);
	free(cfg->root_hints);
	free(cfg->cache_file);
	free(cfg->listen);
	free(cfg->user);
	free(cfg->pidfile);
	free(cfg->control_socket);
	free(cfg->control_group);
	free(cfg->chroot_dir);
	free(cfg->log_path);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}
