/* config: cairnd.conf parser. The grammar is line based: `clause:` alone on
 * a line opens a clause, `key: value` sets a key of the current clause, `#`
 * starts a comment outside double quotes. Keys are described by the table
 * `keys` below: adding a key is adding a row (and a field in
 * struct cairn_config); adding a clause is adding a row to `clauses`. */
#include "config.h"

#include "cairn/config.h"
#include "cairn/resolve.h"
#include "cairn/wire.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct parser;

enum key_type {
	KEY_BOOL,        /* yes | no, into a bool */
	KEY_UINT,        /* decimal in [min, max], into an unsigned */
	KEY_STRING,      /* any text, into a char * */
	KEY_PATH,        /* a path resolved against the config's directory */
	KEY_FUNC,        /* parsed by fn */
};

struct key_def {
	const char *clause;      /* clause the key belongs to */
	const char *name;
	enum key_type type;
	size_t offset;           /* into the clause's target struct */
	unsigned long min, max;  /* KEY_UINT */
	bool repeatable;
	/* KEY_FUNC: parses value into target; reports and returns false on
	 * a problem. */
	bool (*fn)(struct parser *p, void *target, const char *value);
};

struct clause_def {
	const char *name;
	/* Opens a new instance of the clause: returns the struct its keys
	 * write to, or NULL after reporting a problem. */
	void *(*begin)(struct parser *p);
	/* Checks the instance once the clause ends (may be NULL). */
	void (*end)(struct parser *p, void *target);
	bool repeat_keys_reset;  /* each instance may set its keys again */
};

struct parser {
	struct cairn_config *cfg;
	const char *file;
	unsigned line;
	config_report_fn report;
	void *ctx;
	unsigned errors;
	const struct clause_def *clause; /* NULL before the first clause */
	unsigned clause_line;
	void *target;                    /* NULL when the clause failed to open */
	unsigned *seen;                  /* per key: line where it was set */
};

static void report(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errors++;
	if (p->report)
		p->report(p->ctx, p->file, line, msg);
}

/* Returns a malloc'd copy of value resolved against the config's directory
 * ("" stays ""), or NULL when out of memory. */
static char *resolve_path(const struct parser *p, const char *value)
{
	char *out = NULL;

	if (value[0] == '/' || value[0] == '\0')
		return strdup(value);
	if (asprintf(&out, "%s/%s", p->cfg->dir, value) < 0)
		return NULL;
	return out;
}

/* ---- key parsers ---- */

static bool parse_listen(struct parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	struct config_listen l = { .line = p->line };
	struct config_listen *grown;

	if (strlen(value) >= sizeof(l.text) ||
	    cairn_sockaddr_parse(value, CONFIG_DEFAULT_PORT, &l.addr) != CAIRN_OK) {
		report(p, p->line, "bad listen address '%s' (want ADDRESS[@PORT])", value);
		return false;
	}
	snprintf(l.text, sizeof(l.text), "%s", value);
	for (size_t i = 0; i < cfg->n_listen; i++) {
		if (cfg->listen[i].addr.len == l.addr.len &&
		    memcmp(&cfg->listen[i].addr.ss, &l.addr.ss, l.addr.len) == 0) {
			report(p, p->line, "duplicate listen address '%s' (also on line %u)",
			       value, cfg->listen[i].line);
			return false;
		}
	}
	grown = realloc(cfg->listen, (cfg->n_listen + 1) * sizeof(*grown));
	if (!grown) {
		report(p, p->line, "out of memory");
		return false;
	}
	cfg->listen = grown;
	cfg->listen[cfg->n_listen++] = l;
	return true;
}

static bool parse_log(struct parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;

	free(cfg->log_path);
	cfg->log_path = NULL;
	if (strcmp(value, "syslog") == 0) {
		cfg->log_sink = LOG_SINK_SYSLOG;
	} else if (strcmp(value, "stderr") == 0) {
		cfg->log_sink = LOG_SINK_STDERR;
	} else if (value[0] == '\0') {
		report(p, p->line, "'log' wants syslog, stderr or a file name");
		return false;
	} else {
		cfg->log_sink = LOG_SINK_FILE;
		cfg->log_path = resolve_path(p, value);
		if (!cfg->log_path) {
			report(p, p->line, "out of memory");
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

static bool parse_zone_name(struct parser *p, void *target, const char *value)
{
	struct config_zone *z = target;
	const char *why = NULL;
	size_t len;

	if (!zone_name_ok(value, &why)) {
		report(p, p->line, "bad zone name '%s': it %s", value, why);
		return false;
	}
	for (size_t i = 0; i < p->cfg->n_zones; i++) {
		struct config_zone *o = &p->cfg->zones[i];

		if (o != z && o->name && zone_name_same(o->name, value)) {
			report(p, p->line, "duplicate zone '%s' (also in the zone on line %u)",
			       value, o->line);
			return false;
		}
	}
	z->name = strdup(value);
	if (!z->name) {
		report(p, p->line, "out of memory");
		return false;
	}
	len = strlen(z->name);
	if (len > 1 && z->name[len - 1] == '.')
		z->name[len - 1] = '\0';
	return true;
}

static bool parse_zone_file(struct parser *p, void *target, const char *value)
{
	struct config_zone *z = target;

	if (value[0] == '\0') {
		report(p, p->line, "'file' wants a file name");
		return false;
	}
	z->file = resolve_path(p, value);
	if (!z->file) {
		report(p, p->line, "out of memory");
		return false;
	}
	if (access(z->file, R_OK) != 0) {
		report(p, p->line, "cannot read zone file '%s': %s", z->file, strerror(errno));
		return false;
	}
	return true;
}

/* ---- clauses ---- */

static void *server_begin(struct parser *p)
{
	return p->cfg;
}

static void *zone_begin(struct parser *p)
{
	struct cairn_config *cfg = p->cfg;
	struct config_zone *grown;

	grown = realloc(cfg->zones, (cfg->n_zones + 1) * sizeof(*grown));
	if (!grown) {
		report(p, p->line, "out of memory");
		return NULL;
	}
	cfg->zones = grown;
	cfg->zones[cfg->n_zones] = (struct config_zone){ .line = p->line };
	return &cfg->zones[cfg->n_zones++];
}

static bool key_given(const struct parser *p, const char *clause, const char *name);

static void zone_end(struct parser *p, void *target)
{
	struct config_zone *z = target;

	/* A key that was given but had a bad value was reported already. */
	if (!key_given(p, "zone", "name"))
		report(p, z->line, "zone without 'name'");
	if (!key_given(p, "zone", "file"))
		report(p, z->line, "zone %s%s%swithout 'file'", z->name ? "'" : "",
		       z->name ? z->name : "", z->name ? "' " : "");
}

/* ---- the resolver's keys ---- */

/* allow-recursion: one or more prefixes separated by blanks; repeatable. */
static bool parse_allow_recursion(struct parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	char *copy = strdup(value), *save = NULL;
	bool ok = copy != NULL;

	for (char *t = copy ? strtok_r(copy, " \t,", &save) : NULL; t && ok;
	     t = strtok_r(NULL, " \t,", &save)) {
		struct cairn_prefix pfx, *grown;

		if (cairn_prefix_parse(t, &pfx) != CAIRN_OK) {
			report(p, p->line, "bad address prefix '%s' (want e.g. 10.0.0.0/8)", t);
			ok = false;
			break;
		}
		grown = realloc(cfg->allow_recursion,
				(cfg->n_allow_recursion + 1) * sizeof(*grown));
		if (!grown) {
			ok = false;
			break;
		}
		cfg->allow_recursion = grown;
		cfg->allow_recursion[cfg->n_allow_recursion++] = pfx;
	}
	if (!copy)
		report(p, p->line, "out of memory");
	free(copy);
	return ok;
}

/* cache-size: bytes, with an optional k, m or g suffix. */
static bool parse_cache_size(struct parser *p, void *target, const char *value)
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
		report(p, p->line, "bad cache-size '%s' (want e.g. 64m, at least 64k)", value);
		return false;
	}
	cfg->cache_size = (size_t)n;
	return true;
}

/* local-zone-disable: one default local zone (RFC 6761, RFC 6303) that the
 * resolver should not answer itself; repeatable. */
static bool parse_local_zone_disable(struct parser *p, void *target, const char *value)
{
	struct cairn_config *cfg = target;
	char **grown;

	if (!resolver_local_zone_known(value)) {
		report(p, p->line, "'%s' is not one of the default local zones "
		       "(see local-zone-disable in cairnd.conf(5))", value);
		return false;
	}
	grown = realloc(cfg->local_zone_disable,
			(cfg->n_local_zone_disable + 1) * sizeof(*grown));
	if (!grown) {
		report(p, p->line, "out of memory");
		return false;
	}
	cfg->local_zone_disable = grown;
	grown[cfg->n_local_zone_disable] = strdup(value);
	if (!grown[cfg->n_local_zone_disable]) {
		report(p, p->line, "out of memory");
		return false;
	}
	cfg->n_local_zone_disable++;
	return true;
}

static void *forward_begin(struct parser *p)
{
	struct cairn_config *cfg = p->cfg;
	struct config_forward *grown;

	grown = realloc(cfg->forwards, (cfg->n_forwards + 1) * sizeof(*grown));
	if (!grown) {
		report(p, p->line, "out of memory");
		return NULL;
	}
	cfg->forwards = grown;
	cfg->forwards[cfg->n_forwards] = (struct config_forward){ .line = p->line };
	return &cfg->forwards[cfg->n_forwards++];
}

static void forward_end(struct parser *p, void *target)
{
	struct config_forward *f = target;

	if (!key_given(p, "forward-zone", "name"))
		report(p, f->line, "forward-zone without 'name'");
	if (!key_given(p, "forward-zone", "forward-addr"))
		report(p, f->line, "forward-zone without 'forward-addr'");
}

static bool parse_forward_name(struct parser *p, void *target, const char *value)
{
	struct config_forward *f = target;
	uint8_t wire[WIRE_NAME_MAX];
	size_t len;

	if (wire_name_from_text(value, NULL, wire, &len) != CAIRN_OK) {
		report(p, p->line, "bad forward-zone name '%s'", value);
		return false;
	}
	free(f->name);
	f->name = strdup(value);
	if (!f->name) {
		report(p, p->line, "out of memory");
		return false;
	}
	return true;
}

static bool parse_forward_addr(struct parser *p, void *target, const char *value)
{
	struct config_forward *f = target;
	struct cairn_sockaddr sa, *grown;

	if (cairn_sockaddr_parse(value, CONFIG_DEFAULT_PORT, &sa) != CAIRN_OK) {
		report(p, p->line, "bad forward-addr '%s' (want ADDRESS[@PORT])", value);
		return false;
	}
	if (f->n_addr >= 8) {
		report(p, p->line, "at most 8 forward-addr per forward-zone");
		return false;
	}
	grown = realloc(f->addr, (f->n_addr + 1) * sizeof(*grown));
	if (!grown) {
		report(p, p->line, "out of memory");
		return false;
	}
	f->addr = grown;
	f->addr[f->n_addr++] = sa;
	return true;
}

#define CFG(field) offsetof(struct cairn_config, field)
#define ZONE(field) offsetof(struct config_zone, field)

static const struct clause_def clauses[] = {
	{ "server", server_begin, NULL, false },
	{ "zone", zone_begin, zone_end, true },
	{ "forward-zone", forward_begin, forward_end, true },
};

static const struct key_def keys[] = {
	{ "server", "listen", KEY_FUNC, 0, 0, 0, true, parse_listen },
	{ "server", "threads", KEY_UINT, CFG(threads), 1, 1024, false, NULL },
	{ "server", "user", KEY_STRING, CFG(user), 0, 0, false, NULL },
	{ "server", "pidfile", KEY_PATH, CFG(pidfile), 0, 0, false, NULL },
	{ "server", "control-socket", KEY_PATH, CFG(control_socket), 0, 0, false, NULL },
	{ "server", "chroot", KEY_PATH, CFG(chroot_dir), 0, 0, false, NULL },
	{ "server", "log", KEY_FUNC, 0, 0, 0, false, parse_log },
	{ "server", "log-queries", KEY_BOOL, CFG(log_queries), 0, 0, false, NULL },
	{ "server", "recursion", KEY_BOOL, CFG(recursion), 0, 0, false, NULL },
	{ "server", "edns-buffer-size", KEY_UINT, CFG(edns_buffer_size), 512, 4096, false, NULL },
	{ "server", "tcp-idle-timeout", KEY_UINT, CFG(tcp_idle_timeout), 1, 3600, false, NULL },
	{ "server", "tcp-max-connections", KEY_UINT, CFG(tcp_max_connections), 1, 65536, false, NULL },
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
	{ "forward-zone", "name", KEY_FUNC, 0, 0, 0, false, parse_forward_name },
	{ "forward-zone", "forward-addr", KEY_FUNC, 0, 0, 0, true, parse_forward_addr },
};

#define N_CLAUSES (sizeof(clauses) / sizeof(clauses[0]))
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static bool key_given(const struct parser *p, const char *clause, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].clause, clause) == 0 && strcmp(keys[i].name, name) == 0)
			return p->seen[i] != 0;
	return false;
}

static const struct clause_def *find_clause(const char *name)
{
	for (size_t i = 0; i < N_CLAUSES; i++)
		if (strcmp(clauses[i].name, name) == 0)
			return &clauses[i];
	return NULL;
}

/* The row for name in clause, or NULL; *elsewhere is set to a clause where
 * the key does exist, if any. */
static const struct key_def *find_key(const char *clause, const char *name,
				      const char **elsewhere)
{
	*elsewhere = NULL;
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (clause && strcmp(keys[i].clause, clause) == 0)
			return &keys[i];
		if (!*elsewhere) /* the first clause that has it, in table order */
			*elsewhere = keys[i].clause;
	}
	return NULL;
}

static bool set_value(struct parser *p, const struct key_def *k, const char *value)
{
	char *base = p->target;
	char **str;
	char *end;
	unsigned long n;

	switch (k->type) {
	case KEY_BOOL:
		if (strcmp(value, "yes") == 0) {
			*(bool *)(base + k->offset) = true;
		} else if (strcmp(value, "no") == 0) {
			*(bool *)(base + k->offset) = false;
		} else {
			report(p, p->line, "'%s' wants yes or no, not '%s'", k->name, value);
			return false;
		}
		return true;
	case KEY_UINT:
		errno = 0;
		n = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno) {
			report(p, p->line, "'%s' wants a number, not '%s'", k->name, value);
			return false;
		}
		if (n < k->min || n > k->max) {
			report(p, p->line, "'%s' must be between %lu and %lu, not %s",
			       k->name, k->min, k->max, value);
			return false;
		}
		*(unsigned *)(base + k->offset) = (unsigned)n;
		return true;
	case KEY_STRING:
	case KEY_PATH:
		str = (char **)(base + k->offset);
		free(*str);
		*str = k->type == KEY_PATH ? resolve_path(p, value) : strdup(value);
		if (!*str) {
			report(p, p->line, "out of memory");
			return false;
		}
		return true;
	case KEY_FUNC:
		return k->fn(p, p->target, value);
	}
	return false;
}

static void end_clause(struct parser *p)
{
	if (p->clause && p->clause->end && p->target)
		p->clause->end(p, p->target);
}

static void open_clause(struct parser *p, const struct clause_def *c)
{
	end_clause(p);
	p->clause = c;
	p->clause_line = p->line;
	if (c->repeat_keys_reset)
		for (size_t i = 0; i < N_KEYS; i++)
			if (strcmp(keys[i].clause, c->name) == 0)
				p->seen[i] = 0;
	p->target = c->begin(p);
}

static bool is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Removes a comment and surrounding white space; returns false (after
 * reporting) for an unterminated quote. */
static bool strip_line(struct parser *p, char *line, char **start)
{
	bool quoted = false;
	char *c, *e;

	for (c = line; *c; c++) {
		if (*c == '"')
			quoted = !quoted;
		else if (*c == '#' && !quoted)
			break;
	}
	*c = '\0';
	if (quoted) {
		report(p, p->line, "unterminated quoted value");
		return false;
	}
	while (isspace((unsigned char)*line))
		line++;
	e = line + strlen(line);
	while (e > line && isspace((unsigned char)e[-1]))
		*--e = '\0';
	*start = line;
	return true;
}

static void parse_line(struct parser *p, char *raw)
{
	const struct key_def *k;
	const struct clause_def *c;
	const char *elsewhere;
	char *line, *colon, *value, *e;
	bool quoted = false;

	if (!strip_line(p, raw, &line) || line[0] == '\0')
		return;
	for (colon = line; is_key_char(*colon); colon++)
		;
	if (colon == line || *colon != ':') {
		report(p, p->line, "syntax error: expected 'clause:' or 'key: value'");
		return;
	}
	*colon = '\0';
	value = colon + 1;
	while (isspace((unsigned char)*value))
		value++;
	if (value[0] == '"') {
		quoted = true;
		value++;
		e = strchr(value, '"');
		*e = '\0';
		if (e[1] != '\0') {
			report(p, p->line, "unexpected text after the quoted value of '%s'", line);
			return;
		}
	}

	c = find_clause(line);
	if (c) {
		if (value[0] != '\0' || quoted) {
			report(p, p->line, "clause '%s:' takes no value", line);
			end_clause(p);
			p->clause = c;     /* its keys still belong to it */
			p->target = NULL;
			return;
		}
		open_clause(p, c);
		return;
	}
	k = find_key(p->clause ? p->clause->name : NULL, line, &elsewhere);
	if (!k) {
		if (elsewhere && !p->clause)
			report(p, p->line, "'%s' outside of a clause (it belongs in '%s:')",
			       line, elsewhere);
		else if (elsewhere)
			report(p, p->line, "'%s' is not allowed in '%s:' (it belongs in '%s:')",
			       line, p->clause->name, elsewhere);
		else if (value[0] == '\0' && !quoted)
			report(p, p->line, "unknown clause '%s:'", line);
		else
			report(p, p->line, "unknown key '%s'", line);
		return;
	}
	if (value[0] == '\0' && !quoted) {
		report(p, p->line, "'%s' needs a value", line);
		return;
	}
	if (!p->target)
		return; /* the clause itself was reported */
	if (!k->repeatable && p->seen[k - keys]) {
		report(p, p->line, "'%s' given twice (first on line %u)", line,
		       p->seen[k - keys]);
		return;
	}
	p->seen[k - keys] = p->line;
	set_value(p, k, value);
}

static cairn_err set_dir(struct cairn_config *cfg, const char *path)
{
	const char *slash = strrchr(path, '/');
	char cwd[4096];
	int n;

	if (path[0] == '/') {
		cfg->dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		return cfg->dir ? CAIRN_OK : CAIRN_ENOMEM;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return CAIRN_EIO;
	if (slash)
		n = asprintf(&cfg->dir, "%s/%.*s", cwd, (int)(slash - path), path);
	else
		n = asprintf(&cfg->dir, "%s", cwd);
	return n < 0 ? CAIRN_ENOMEM : CAIRN_OK;
}

static cairn_err add_default_listen(struct cairn_config *cfg)
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

cairn_err config_load_text(const char *path, const char *text,
			   config_report_fn report_fn, void *ctx,
			   struct cairn_config **out)
{
	struct parser p = { .file = path, .report = report_fn, .ctx = ctx };
	unsigned seen[N_KEYS] = { 0 };
	cairn_err err = CAIRN_ENOMEM;
	char *copy = NULL, *line, *next;
	long cpus;

	*out = NULL;
	p.seen = seen;
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg)
		goto done;
	p.cfg->path = strdup(path);
	copy = strdup(text);
	if (!p.cfg->path || !copy)
		goto done;
	err = set_dir(p.cfg, path);
	if (err != CAIRN_OK)
		goto done;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	p.cfg->threads = cpus < 1 ? 1 : cpus > 1024 ? 1024 : (unsigned)cpus;
	p.cfg->log_sink = LOG_SINK_SYSLOG;
	p.cfg->edns_buffer_size = CONFIG_DEFAULT_EDNS_SIZE;
	p.cfg->tcp_idle_timeout = CONFIG_DEFAULT_TCP_IDLE;
	p.cfg->tcp_max_connections = CONFIG_DEFAULT_TCP_MAX_CONNS;
	p.cfg->qname_minimisation = true;
	p.cfg->cache_size = CONFIG_DEFAULT_CACHE_SIZE;
	p.cfg->cache_max_ttl = CONFIG_DEFAULT_CACHE_MAX_TTL;
	p.cfg->cache_max_negative_ttl = CONFIG_DEFAULT_CACHE_NEG_TTL;
	p.cfg->max_upstream_queries = CONFIG_DEFAULT_MAX_UPSTREAM_QUERIES;
	p.cfg->max_referrals = CONFIG_DEFAULT_MAX_REFERRALS;
	p.cfg->max_glueless_ns = CONFIG_DEFAULT_MAX_GLUELESS_NS;
	p.cfg->resolve_timeout = CONFIG_DEFAULT_RESOLVE_TIMEOUT;
	p.cfg->upstream_timeout = CONFIG_DEFAULT_UPSTREAM_TIMEOUT;

	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		parse_line(&p, line);
	}
	end_clause(&p);

	if (p.cfg->n_listen == 0) {
		err = add_default_listen(p.cfg);
		if (err != CAIRN_OK)
			goto done;
	}
	err = p.errors ? CAIRN_EFORMAT : CAIRN_OK;
done:
	if (err == CAIRN_ENOMEM || err == CAIRN_EIO)
		report(&p, 0, "%s", cairn_strerror(err));
	if (err == CAIRN_OK)
		*out = p.cfg;
	else
		config_free(p.cfg);
	free(copy);
	return err;
}

cairn_err config_load(const char *path, config_report_fn report_fn, void *ctx,
		      struct cairn_config **out)
{
	struct parser p = { .file = path, .report = report_fn, .ctx = ctx };
	cairn_err err = CAIRN_EIO;
	FILE *f = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		report(&p, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *grown = realloc(text, cap + 65536);

			if (!grown) {
				err = CAIRN_ENOMEM;
				report(&p, 0, "out of memory");
				goto done;
			}
			text = grown;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		report(&p, 0, "cannot read: %s", strerror(errno));
		goto done;
	}
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		err = CAIRN_EFORMAT;
		report(&p, 0, "not a text file (contains a NUL byte)");
		goto done;
	}
	err = config_load_text(path, text, report_fn, ctx, out);
done:
	if (f)
		fclose(f);
	free(text);
	return err;
}

void config_free(struct cairn_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		free(cfg->zones[i].name);
		free(cfg->zones[i].file);
	}
	free(cfg->zones);
	for (size_t i = 0; i < cfg->n_forwards; i++) {
		free(cfg->forwards[i].name);
		free(cfg->forwards[i].addr);
	}
	free(cfg->forwards);
	free(cfg->allow_recursion);
	for (size_t i = 0; i < cfg->n_local_zone_disable; i++)
		free(cfg->local_zone_disable[i]);
	free(cfg->local_zone_disable);
	free(cfg->root_hints);
	free(cfg->listen);
	free(cfg->user);
	free(cfg->pidfile);
	free(cfg->control_socket);
	free(cfg->chroot_dir);
	free(cfg->log_path);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}
