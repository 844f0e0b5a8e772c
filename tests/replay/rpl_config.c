/* rpl_config: the CONFIG section of a .rpl scenario (up to CONFIG_END):
 * cairnd.conf lines passed on to config_load_text, the stub-zone "." that
 * gives the root hints, and testbound's val-override-date, which sets the
 * harness's wall clock (tests/replay/README.md). */
#include "rpl_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define RPL_MAX_HINTS 13

/* A clause line ("name:" alone) as cairnd.conf's parser sees it. */
static bool is_clause(const char *t)
{
	size_t n = strlen(t);

	return n > 1 && t[n - 1] == ':' && !strchr(t, ' ') && !strchr(t, '\t') &&
	       strchr(t, ':') == t + n - 1;
}

static char *unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

/* val-override-date's value as unbound reads it: "YYYYMMDDhhmmss" (UTC)
 * or a number of seconds since 1970. */
static bool parse_date(const char *v, uint64_t *out)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se;
	unsigned long secs;
	uint64_t days = 0;
	char tail;

	if (strlen(v) != 14) {
		if (!rpl_parse_uint(v, 0xffffffffUL, &secs) || secs == 0)
			return false;
		*out = secs;
		return true;
	}
	if (sscanf(v, "%4u%2u%2u%2u%2u%2u%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6 ||
	    y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return false;
	for (unsigned i = 0; i < 14; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
#define LEAP(yy) (((yy) % 4 == 0 && (yy) % 100 != 0) || (yy) % 400 == 0)
	if (d > mdays[mo - 1] + (mo == 2 && LEAP(y)))
		return false;
	for (unsigned yy = 1970; yy < y; yy++)
		days += 365 + LEAP(yy);
	for (unsigned m = 1; m < mo; m++)
		days += mdays[m - 1] + (m == 2 && LEAP(y));
#undef LEAP
	days += d - 1;
	*out = ((days * 24 + h) * 60 + mi) * 60 + se;
	return *out != 0;
}

cairn_err rpl_config_line(struct rpl_parser *p, struct rpl_cfgtext *c, const char *raw)
{
	char copy[1024], *t, *val;
	struct rpl_addr a;
	char hl[256];

	if (strlen(raw) >= sizeof(copy))
		return rpl_perr(p, "line too long");
	strcpy(copy, raw);
	t = copy + strspn(copy, " \t");
	if (*t == ';') {           /* an rpl comment: the config parser sees a blank line */
		rpl_append(&c->buf, &c->len, &c->cap, "\n");
		return CAIRN_OK;
	}
	{
		char *h = strchr(t, '#');
		if (h)
			*h = '\0';
		rpl_strip_comment(t);
	}
	if (is_clause(t))
		c->in_stub = strcmp(t, "stub-zone:") == 0;
	if (!c->in_stub && strncmp(t, "val-override-date:", 18) == 0) {
		/* testbound's key, not cairnd's: the harness's wall clock */
		rpl_append(&c->buf, &c->len, &c->cap, "\n");
		if (c->wall_base)
			return rpl_perr(p, "a second val-override-date");
		if (!parse_date(unquote(t + 18 + strspn(t + 18, " \t")), &c->wall_base))
			return rpl_perr(p, "val-override-date: want \"YYYYMMDDhhmmss\" (UTC) or "
				    "seconds since 1970");
		return CAIRN_OK;
	}
	if (!c->in_stub) {
		rpl_append(&c->buf, &c->len, &c->cap, raw);
		rpl_append(&c->buf, &c->len, &c->cap, "\n");
		return CAIRN_OK;
	}
	rpl_append(&c->buf, &c->len, &c->cap, "\n");
	if (!*t || strcmp(t, "stub-zone:") == 0)
		return CAIRN_OK;
	val = strchr(t, ':');
	if (!val)
		return rpl_perr(p, "stub-zone: expected 'key: value'");
	*val++ = '\0';
	val = unquote(val + strspn(val, " \t"));
	if (strcmp(t, "name") == 0) {
		if (strcmp(val, ".") != 0)
			return rpl_perr(p, "stub-zone: only name \".\" (the root hints) is supported");
		return CAIRN_OK;
	}
	if (strcmp(t, "stub-addr") != 0)
		return rpl_perr(p, "stub-zone: unknown key '%s' (name, stub-addr)", t);
	if (inet_pton(AF_INET, val, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, val, a.a) == 1)
		a.family = AF_INET6;
	else
		return rpl_perr(p, "stub-addr: bad address '%s'", val);
	if (p->nhints >= RPL_MAX_HINTS)
		return rpl_perr(p, "at most %d stub-addr lines", RPL_MAX_HINTS);
	/* named a.root-servers.net., b..., in order */
	snprintf(hl, sizeof(hl), ". 3600000 IN NS %c.root-servers.net.\n"
		 "%c.root-servers.net. 3600000 IN %s %s\n", 'a' + p->nhints, 'a' + p->nhints,
		 a.family == AF_INET ? "A" : "AAAA", val);
	p->nhints++;
	rpl_append(&c->hints, &c->hlen, &c->hcap, hl);
	return CAIRN_OK;
}
