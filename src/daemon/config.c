/* config: the cairnd.conf grammar and loader. The grammar is line based:
 * `clause:` alone on a line opens a clause, `key: value` sets a key of the
 * current clause, `#` starts a comment outside double quotes. Which keys
 * exist, and what they set, is the table in config_keys.c; this file reads
 * the text, finds each key's row and stores the generic value types (bool,
 * number in a range, string, path). */
#include "config.h"

#include "config_int.h"
#include "cairn/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *config_dup_name(struct config_parser *p, const char *value)
{
	char *name = strdup(value);
	size_t len;

	if (!name) {
		config_report(p, p->line, "out of memory");
		return NULL;
	}
	len = strlen(name);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	return name;
}

void config_report(struct config_parser *p, unsigned line, const char *fmt, ...)
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

char *config_resolve_path(const struct config_parser *p, const char *value)
{
	char *out = NULL;

	if (value[0] == '/' || value[0] == '\0')
		return strdup(value);
	if (asprintf(&out, "%s/%s", p->cfg->dir, value) < 0)
		return NULL;
	return out;
}

bool config_key_given(const struct config_parser *p, const char *clause,
		      const char *name)
{
	for (size_t i = 0; i < config_n_keys; i++)
		if (strcmp(config_keys[i].clause, clause) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return p->seen[i] != 0;
	return false;
}

unsigned config_key_line(const struct cairn_config *cfg, const char *clause,
			 const char *name)
{
	for (size_t i = 0; cfg->key_line && i < config_n_keys; i++)
		if (strcmp(config_keys[i].clause, clause) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return cfg->key_line[i];
	return 0;
}

static const struct config_clause *find_clause(const char *name)
{
	for (size_t i = 0; i < config_n_clauses; i++)
		if (strcmp(config_clauses[i].name, name) == 0)
			return &config_clauses[i];
	return NULL;
}

/* The row for name in clause, or NULL; *elsewhere is set to a clause where
 * the key does exist, if any. */
static const struct config_key *find_key(const char *clause, const char *name,
					 const char **elsewhere)
{
	*elsewhere = NULL;
	for (size_t i = 0; i < config_n_keys; i++) {
		if (strcmp(config_keys[i].name, name) != 0)
			continue;
		if (clause && strcmp(config_keys[i].clause, clause) == 0)
			return &config_keys[i];
		if (!*elsewhere) /* the first clause that has it, in table order */
			*elsewhere = config_keys[i].clause;
	}
	return NULL;
}

static bool set_value(struct config_parser *p, const struct config_key *k,
		      const char *value)
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
			config_report(p, p->line, "'%s' wants yes or no, not '%s'", k->name, value);
			return false;
		}
		return true;
	case KEY_UINT:
		errno = 0;
		n = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno) {
			config_report(p, p->line, "'%s' wants a number, not '%s'", k->name, value);
			return false;
		}
		if (n < k->min || n > k->max) {
			config_report(p, p->line, "'%s' must be between %lu and %lu, not %s",
				      k->name, k->min, k->max, value);
			return false;
		}
		*(unsigned *)(base + k->offset) = (unsigned)n;
		return true;
	case KEY_STRING:
	case KEY_PATH:
		str = (char **)(base + k->offset);
		free(*str);
		*str = k->type == KEY_PATH ? config_resolve_path(p, value) : strdup(value);
		if (!*str) {
			config_report(p, p->line, "out of memory");
			return false;
		}
		return true;
	case KEY_FUNC:
		return k->fn(p, p->target, value);
	}
	return false;
}

static void end_clause(struct config_parser *p)
{
	if (p->clause && p->clause->end && p->target)
		p->clause->end(p, p->target);
}

static void open_clause(struct config_parser *p, const struct config_clause *c)
{
	end_clause(p);
	p->clause = c;
	p->clause_line = p->line;
	if (c->repeat_keys_reset)
		for (size_t i = 0; i < config_n_keys; i++)
			if (strcmp(config_keys[i].clause, c->name) == 0)
				p->seen[i] = 0;
	p->target = c->begin(p);
}

static bool is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Removes a comment and surrounding white space; returns false (after
 * reporting) for an unterminated quote. */
static bool strip_line(struct config_parser *p, char *line, char **start)
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
		config_report(p, p->line, "unterminated quoted value");
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

static void parse_line(struct config_parser *p, char *raw)
{
	const struct config_key *k;
	const struct config_clause *c;
	const char *elsewhere;
	char *line, *colon, *value, *e;
	bool quoted = false;

	if (!strip_line(p, raw, &line) || line[0] == '\0')
		return;
	for (colon = line; is_key_char(*colon); colon++)
		;
	if (colon == line || *colon != ':') {
		config_report(p, p->line, "syntax error: expected 'clause:' or 'key: value'");
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
			config_report(p, p->line, "unexpected text after the quoted value of '%s'", line);
			return;
		}
	}

	c = find_clause(line);
	if (c) {
		if (value[0] != '\0' || quoted) {
			config_report(p, p->line, "clause '%s:' takes no value", line);
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
			config_report(p, p->line, "'%s' outside of a clause (it belongs in '%s:')",
				      line, elsewhere);
		else if (elsewhere)
			config_report(p, p->line, "'%s' is not allowed in '%s:' (it belongs in '%s:')",
				      line, p->clause->name, elsewhere);
		else if (value[0] == '\0' && !quoted)
			config_report(p, p->line, "unknown clause '%s:'", line);
		else
			config_report(p, p->line, "unknown key '%s'", line);
		return;
	}
	if (value[0] == '\0' && !quoted) {
		config_report(p, p->line, "'%s' needs a value", line);
		return;
	}
	if (!p->target)
		return; /* the clause itself was reported */
	if (!k->repeatable && p->seen[k - config_keys]) {
		config_report(p, p->line, "'%s' given twice (first on line %u)", line,
			      p->seen[k - config_keys]);
		return;
	}
	p->seen[k - config_keys] = p->line;
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

cairn_err config_load_text(const char *path, const char *text,
			   config_report_fn report_fn, void *ctx,
			   struct cairn_config **out)
{
	struct config_parser p = { .file = path, .report = report_fn, .ctx = ctx };
	cairn_err err = CAIRN_ENOMEM;
	char *copy = NULL, *line, *next;

	*out = NULL;
	p.seen = calloc(config_n_keys, sizeof(*p.seen));
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.seen || !p.cfg)
		goto done;
	p.cfg->path = strdup(path);
	copy = strdup(text);
	if (!p.cfg->path || !copy)
		goto done;
	err = set_dir(p.cfg, path);
	if (err != CAIRN_OK)
		goto done;
	config_set_defaults(p.cfg);

	line = copy;
	/* a UTF-8 byte order mark some editors write is not text */
	if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	for (; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		parse_line(&p, line);
	}
	end_clause(&p);
	config_xfr_finish(&p);

	if (p.cfg->n_listen == 0) {
		err = config_add_default_listen(p.cfg);
		if (err != CAIRN_OK)
			goto done;
	}
	err = p.errors ? CAIRN_EFORMAT : CAIRN_OK;
done:
	if (err == CAIRN_ENOMEM || err == CAIRN_EIO)
		config_report(&p, 0, "%s", cairn_strerror(err));
	if (err == CAIRN_OK) {
		*out = p.cfg;
		p.cfg->key_line = p.seen;   /* for cairnd -n's messages */
		p.seen = NULL;
	} else
		config_free(p.cfg);
	free(copy);
	free(p.seen);
	return err;
}

cairn_err config_load(const char *path, config_report_fn report_fn, void *ctx,
		      struct cairn_config **out)
{
	struct config_parser p = { .file = path, .report = report_fn, .ctx = ctx };
	cairn_err err = CAIRN_EIO;
	FILE *f = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		config_report(&p, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *grown = realloc(text, cap + 65536);

			if (!grown) {
				err = CAIRN_ENOMEM;
				config_report(&p, 0, "out of memory");
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
		config_report(&p, 0, "cannot read: %s", strerror(errno));
		goto done;
	}
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		err = CAIRN_EFORMAT;
		config_report(&p, 0, "not a text file (contains a NUL byte)");
		goto done;
	}
	err = config_load_text(path, text, report_fn, ctx, out);
done:
	if (f)
		fclose(f);
	free(text);
	return err;
}
