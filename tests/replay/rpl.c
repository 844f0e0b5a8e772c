/* rpl: parser of the .rpl scenario format (unbound's testbound, CZ-NIC's
 * Deckard), the subset documented in tests/replay/README.md. Unknown
 * keywords are errors with file:line. */
#include "rpl_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RPL_MAX_TOK 32
#define RPL_DEFAULT_TTL 3600

cairn_err rpl_perr(struct rpl_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->path, p->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return CAIRN_EFORMAT;
}

/* Cuts a ';' comment (outside double quotes) and trailing white space. */
void rpl_strip_comment(char *s)
{
	bool quoted = false;
	size_t n;

	for (char *c = s; *c; c++) {
		if (*c == '"')
			quoted = !quoted;
		else if (*c == ';' && !quoted) {
			*c = '\0';
			break;
		}
	}
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static unsigned tokenize(char *s, char **tok)
{
	unsigned n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t", &save); t && n < RPL_MAX_TOK;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

bool rpl_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

void rpl_append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		size_t c = (*cap ? *cap * 2 : 4096) + n;
		char *b = realloc(*buf, c);
		if (!b)
			abort();  /* test code: out of memory ends the test run */
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* ---- entries ---- */

static const struct { const char *name; ldns_pkt_rcode rc; } rcodes[] = {
	{ "NOERROR", LDNS_RCODE_NOERROR }, { "FORMERR", LDNS_RCODE_FORMERR },
	{ "SERVFAIL", LDNS_RCODE_SERVFAIL }, { "NXDOMAIN", LDNS_RCODE_NXDOMAIN },
	{ "NOTIMP", LDNS_RCODE_NOTIMPL }, { "NOTIMPL", LDNS_RCODE_NOTIMPL },
	{ "REFUSED", LDNS_RCODE_REFUSED }, { "YXDOMAIN", LDNS_RCODE_YXDOMAIN },
	{ "YXRRSET", LDNS_RCODE_YXRRSET }, { "NXRRSET", LDNS_RCODE_NXRRSET },
	{ "NOTAUTH", LDNS_RCODE_NOTAUTH }, { "NOTZONE", LDNS_RCODE_NOTZONE },
};

static const struct { const char *name; unsigned bit; } match_words[] = {
	{ "opcode", RPL_M_OPCODE }, { "qtype", RPL_M_QTYPE }, { "qname", RPL_M_QNAME },
	{ "qcase", RPL_M_QCASE }, { "subdomain", RPL_M_SUBDOMAIN }, { "all", RPL_M_ALL },
	{ "flags", RPL_M_FLAGS }, { "rcode", RPL_M_RCODE }, { "question", RPL_M_QUESTION },
	{ "answer", RPL_M_ANSWER }, { "authority", RPL_M_AUTHORITY },
	{ "additional", RPL_M_ADDITIONAL }, { "tcp", RPL_M_TCP }, { "udp", RPL_M_UDP },
	{ "ttl", RPL_M_TTL }, { "DO", RPL_M_DO }, { "noedns", RPL_M_NOEDNS },
	{ "edns", RPL_M_EDNS },
};

static struct rpl_entry *entry_new(struct rpl_parser *p)
{
	struct rpl_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->line = p->line;
	e->pkt = ldns_pkt_new();
	if (!e->pkt) {
		free(e);
		return NULL;
	}
	ldns_pkt_set_opcode(e->pkt, LDNS_PACKET_QUERY);
	return e;
}

static void entry_free(struct rpl_entry *e)
{
	while (e) {
		struct rpl_entry *n = e->next;
		ldns_pkt_free(e->pkt);
		free(e->raw);
		free(e);
		e = n;
	}
}

static cairn_err entry_match(struct rpl_parser *p, char **tok, unsigned n)
{
	struct rpl_entry *e = p->entry;

	for (unsigned i = 1; i < n; i++) {
		unsigned long v;
		bool found = false;

		if (strncmp(tok[i], "ede=", 4) == 0) {
			e->match |= RPL_M_EDE;
			if (strcmp(tok[i] + 4, "any") == 0)
				e->ede = RPL_EDE_ANY;
			else if (rpl_parse_uint(tok[i] + 4, 65535, &v))
				e->ede = (int)v;
			else
				return rpl_perr(p, "MATCH: bad '%s' (ede=N or ede=any)", tok[i]);
			continue;
		}
		if (strncmp(tok[i], "times=", 6) == 0) {
			if (!rpl_parse_uint(tok[i] + 6, 1000000, &v) || v == 0)
				return rpl_perr(p, "MATCH: bad '%s' (times=N, N >= 1)", tok[i]);
			e->times = (unsigned)v;
			continue;
		}
		for (size_t k = 0; k < sizeof(match_words) / sizeof(match_words[0]); k++)
			if (strcmp(tok[i], match_words[k].name) == 0) {
				e->match |= match_words[k].bit;
				found = true;
			}
		if (!found)
			return rpl_perr(p, "MATCH: unknown keyword '%s'", tok[i]);
	}
	return CAIRN_OK;
}

static cairn_err entry_adjust(struct rpl_parser *p, char **tok, unsigned n)
{
	struct rpl_entry *e = p->entry;

	for (unsigned i = 1; i < n; i++) {
		unsigned long v;

		if (strcmp(tok[i], "copy_id") == 0)
			e->copy_id = true;
		else if (strcmp(tok[i], "copy_query") == 0)
			e->copy_query = true;
		else if (strncmp(tok[i], "packet_sleep=", 13) == 0 &&
			 rpl_parse_uint(tok[i] + 13, 3600000, &v))
			e->sleep_ms = (unsigned)v;
		else
			return rpl_perr(p, "ADJUST: unknown keyword '%s'", tok[i]);
	}
	return CAIRN_OK;
}

static cairn_err entry_reply(struct rpl_parser *p, char **tok, unsigned n)
{
	ldns_pkt *k = p->entry->pkt;

	for (unsigned i = 1; i < n; i++) {
		const char *t = tok[i];
		unsigned long v;
		bool found = false;

		for (size_t r = 0; r < sizeof(rcodes) / sizeof(rcodes[0]); r++)
			if (strcmp(t, rcodes[r].name) == 0) {
				ldns_pkt_set_rcode(k, (uint8_t)rcodes[r].rc);
				found = true;
			}
		if (found)
			continue;
		if (strcmp(t, "QR") == 0)
			ldns_pkt_set_qr(k, true);
		else if (strcmp(t, "AA") == 0)
			ldns_pkt_set_aa(k, true);
		else if (strcmp(t, "TC") == 0)
			ldns_pkt_set_tc(k, true);
		else if (strcmp(t, "RD") == 0)
			ldns_pkt_set_rd(k, true);
		else if (strcmp(t, "RA") == 0)
			ldns_pkt_set_ra(k, true);
		else if (strcmp(t, "AD") == 0)
			ldns_pkt_set_ad(k, true);
		else if (strcmp(t, "CD") == 0)
			ldns_pkt_set_cd(k, true);
		else if (strcmp(t, "QUERY") == 0)
			ldns_pkt_set_opcode(k, LDNS_PACKET_QUERY);
		else if (strcmp(t, "DO") == 0) {
			ldns_pkt_set_edns_do(k, true);
			if (!ldns_pkt_edns_udp_size(k))
				ldns_pkt_set_edns_udp_size(k, 4096);
		} else if (strcmp(t, "EDNS") == 0) {
			if (!ldns_pkt_edns_udp_size(k))
				ldns_pkt_set_edns_udp_size(k, 4096);
		} else if (strncmp(t, "EDNS=", 5) == 0 && rpl_parse_uint(t + 5, 65535, &v) && v) {
			ldns_pkt_set_edns_udp_size(k, (uint16_t)v);
		} else {
			return rpl_perr(p, "REPLY: unknown keyword '%s'", t);
		}
	}
	return CAIRN_OK;
}

static cairn_err entry_raw(struct rpl_parser *p, const char *line)
{
	struct rpl_entry *e = p->entry;

	for (const char *c = line; *c; c++) {
		int hi, lo;

		if (*c == ' ' || *c == '\t')
			continue;
		if (!c[1])
			return rpl_perr(p, "RAW: odd number of hex digits");
		hi = isxdigit((unsigned char)c[0]) ? (c[0] <= '9' ? c[0] - '0' : (c[0] | 32) - 'a' + 10) : -1;
		lo = isxdigit((unsigned char)c[1]) ? (c[1] <= '9' ? c[1] - '0' : (c[1] | 32) - 'a' + 10) : -1;
		if (hi < 0 || lo < 0)
			return rpl_perr(p, "RAW: bad hex '%c%c'", c[0], c[1]);
		if (e->raw_len == p->raw_cap) {
			size_t cap = p->raw_cap ? p->raw_cap * 2 : 512;
			uint8_t *b = realloc(e->raw, cap);
			if (!b)
				return rpl_perr(p, "out of memory");
			e->raw = b;
			p->raw_cap = cap;
		}
		e->raw[e->raw_len++] = (uint8_t)(hi << 4 | lo);
		c++;
	}
	return CAIRN_OK;
}

static cairn_err entry_rr(struct rpl_parser *p, const char *line)
{
	ldns_rr *rr = NULL;
	ldns_status st;

	if (p->section == LDNS_SECTION_QUESTION)
		st = ldns_rr_new_question_frm_str(&rr, line, NULL, NULL);
	else
		st = ldns_rr_new_frm_str(&rr, line, RPL_DEFAULT_TTL, NULL, NULL);
	if (st != LDNS_STATUS_OK)
		return rpl_perr(p, "bad record '%s': %s", line, ldns_get_errorstr_by_id(st));
	if (!ldns_pkt_push_rr(p->entry->pkt, (ldns_pkt_section)p->section, rr)) {
		ldns_rr_free(rr);
		return rpl_perr(p, "out of memory");
	}
	return CAIRN_OK;
}

/* One line inside ENTRY_BEGIN .. ENTRY_END; *done at ENTRY_END. */
static cairn_err entry_line(struct rpl_parser *p, char *line, bool *done)
{
	char copy[4096], *tok[RPL_MAX_TOK];
	unsigned n;

	*done = false;
	if (strlen(line) >= sizeof(copy))
		return rpl_perr(p, "line too long");
	strcpy(copy, line);
	n = tokenize(copy, tok);
	if (n == 0)
		return CAIRN_OK;
	if (strcmp(tok[0], "ENTRY_END") == 0) {
		if (n != 1)
			return rpl_perr(p, "ENTRY_END takes no argument");
		if (p->entry->raw && (ldns_pkt_qdcount(p->entry->pkt) ||
				      ldns_pkt_ancount(p->entry->pkt) ||
				      ldns_pkt_nscount(p->entry->pkt) ||
				      ldns_pkt_arcount(p->entry->pkt)))
			return rpl_perr(p, "an entry has either RAW or SECTIONs, not both");
		*p->entry_dst = p->entry;
		p->entry = NULL;
		*done = true;
		return CAIRN_OK;
	}
	if (strcmp(tok[0], "STEP") == 0 || strcmp(tok[0], "ENTRY_BEGIN") == 0 ||
	    strcmp(tok[0], "RANGE_BEGIN") == 0 || strcmp(tok[0], "RANGE_END") == 0 ||
	    strcmp(tok[0], "SCENARIO_END") == 0)
		return rpl_perr(p, "'%s' inside an entry (ENTRY_END missing?)", tok[0]);
	if (strcmp(tok[0], "MATCH") == 0)
		return entry_match(p, tok, n);
	if (strcmp(tok[0], "ADJUST") == 0)
		return entry_adjust(p, tok, n);
	if (strcmp(tok[0], "REPLY") == 0)
		return entry_reply(p, tok, n);
	if (strcmp(tok[0], "SECTION") == 0) {
		if (n != 2)
			return rpl_perr(p, "SECTION wants one of QUESTION ANSWER AUTHORITY ADDITIONAL");
		if (strcmp(tok[1], "QUESTION") == 0)
			p->section = LDNS_SECTION_QUESTION;
		else if (strcmp(tok[1], "ANSWER") == 0)
			p->section = LDNS_SECTION_ANSWER;
		else if (strcmp(tok[1], "AUTHORITY") == 0)
			p->section = LDNS_SECTION_AUTHORITY;
		else if (strcmp(tok[1], "ADDITIONAL") == 0)
			p->section = LDNS_SECTION_ADDITIONAL;
		else
			return rpl_perr(p, "SECTION: unknown section '%s'", tok[1]);
		return CAIRN_OK;
	}
	if (strcmp(tok[0], "RAW") == 0) {
		if (n != 1)
			return rpl_perr(p, "RAW takes no argument (hex on the next lines)");
		p->section = -2;
		p->raw_cap = 0;
		return CAIRN_OK;
	}
	if (p->section == -2)
		return entry_raw(p, line);
	if (p->section >= 0)
		return entry_rr(p, line + strspn(line, " \t"));
	return rpl_perr(p, "unknown keyword '%s' in an entry", tok[0]);
}

static cairn_err entry_begin(struct rpl_parser *p, struct rpl_entry **dst)
{
	p->entry = entry_new(p);
	if (!p->entry)
		return rpl_perr(p, "out of memory");
	p->entry_dst = dst;
	p->section = -1;
	return CAIRN_OK;
}

/* ---- ranges and steps ---- */

static cairn_err range_address(struct rpl_parser *p, struct rpl_range *r, const char *text)
{
	struct rpl_addr a, *na;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, text, a.a) == 1)
		a.family = AF_INET6;
	else
		return rpl_perr(p, "ADDRESS: bad address '%s'", text);
	na = realloc(r->addr, (r->naddr + 1) * sizeof(*na));
	if (!na)
		return rpl_perr(p, "out of memory");
	r->addr = na;
	r->addr[r->naddr++] = a;
	return CAIRN_OK;
}

static cairn_err step_line(struct rpl_parser *p, char **tok, unsigned n, bool *want_entry)
{
	struct rpl_step *st;
	unsigned long num;
	cairn_err err = CAIRN_OK;

	*want_entry = false;
	if (n < 3 || !rpl_parse_uint(tok[1], 1000000, &num))
		return rpl_perr(p, "STEP wants a number and an event");
	if (p->last_step && num <= p->last_step->num)
		return rpl_perr(p, "STEP %lu: step numbers must increase (previous %u)", num,
			    p->last_step->num);
	st = calloc(1, sizeof(*st));
	if (!st)
		return rpl_perr(p, "out of memory");
	st->num = (unsigned)num;
	st->line = p->line;
	if (strcmp(tok[2], "QUERY") == 0 || strcmp(tok[2], "CHECK_ANSWER") == 0 ||
	    strcmp(tok[2], "CHECK_OUT_QUERY") == 0) {
		st->kind = tok[2][0] == 'Q' ? RPL_STEP_QUERY :
			   strcmp(tok[2], "CHECK_ANSWER") == 0 ? RPL_STEP_CHECK_ANSWER :
			   RPL_STEP_CHECK_OUT_QUERY;
		if (n != 3)
			err = rpl_perr(p, "STEP %s takes no argument (an ENTRY follows)", tok[2]);
		*want_entry = true;
	} else if (strcmp(tok[2], "TIME_PASSES") == 0) {
		char *end;
		double s;

		st->kind = RPL_STEP_TIME_PASSES;
		if (n != 5 || strcmp(tok[3], "ELAPSE") != 0)
			err = rpl_perr(p, "TIME_PASSES wants ELAPSE seconds");
		else {
			errno = 0;
			s = strtod(tok[4], &end);
			if (errno || *end || !(s >= 0) || s > 1e7)
				err = rpl_perr(p, "TIME_PASSES ELAPSE: bad seconds '%s'", tok[4]);
			else
				st->elapse_ms = (uint64_t)(s * 1000.0 + 0.5);
		}
	} else if (strcmp(tok[2], "CHECK_UPSTREAM") == 0) {
		st->kind = RPL_STEP_CHECK_UPSTREAM;
		if (n != 4 || !rpl_parse_uint(tok[3], 1000000, &st->count))
			err = rpl_perr(p, "CHECK_UPSTREAM wants a count");
	} else if (strcmp(tok[2], "EXPLAIN") == 0) {
		st->kind = RPL_STEP_EXPLAIN;
		if (n != 3)
			err = rpl_perr(p, "STEP EXPLAIN takes no argument (an ENTRY follows)");
		*want_entry = true;
	} else if (strcmp(tok[2], "CHECK_EXPLAIN") == 0) {
		size_t len = 0;

		st->kind = RPL_STEP_CHECK_EXPLAIN;
		for (unsigned i = 3; i < n; i++)
			len += strlen(tok[i]) + 1;
		if (n < 4 || !(st->text = calloc(1, len + 1)))
			err = rpl_perr(p, "CHECK_EXPLAIN wants the text to find");
		for (unsigned i = 3; !err && i < n; i++) {
			if (i > 3)
				strcat(st->text, " ");
			strcat(st->text, tok[i]);
		}
	} else if (strcmp(tok[2], "CHECK_DEFERRED") == 0) {
		st->kind = RPL_STEP_CHECK_DEFERRED;
		if (n != 3)
			err = rpl_perr(p, "CHECK_DEFERRED takes no argument");
	} else {
		err = rpl_perr(p, "unknown STEP event '%s'", tok[2]);
	}
	if (p->last_step)
		p->last_step->next = st;
	else
		p->s->steps = st;
	p->last_step = st;
	return err;
}

void rpl_free(struct rpl_scenario *s)
{
	if (!s)
		return;
	while (s->ranges) {
		struct rpl_range *r = s->ranges;
		s->ranges = r->next;
		entry_free(r->entries);
		free(r->addr);
		free(r);
	}
	while (s->steps) {
		struct rpl_step *st = s->steps;
		s->steps = st->next;
		entry_free(st->entry);
		free(st->text);
		free(st);
	}
	free(s->path);
	free(s->title);
	free(s->config);
	free(s->hints);
	free(s);
}

enum where { W_CONFIG, W_TOP, W_RANGE, W_ENTRY, W_WANT_ENTRY, W_END };

cairn_err rpl_parse_text(const char *path, const char *text, struct rpl_scenario **out,
			 char *err, size_t errlen)
{
	struct rpl_parser p = { .path = path, .err = err, .errlen = errlen, .section = -1 };
	struct rpl_cfgtext c = { 0 };
	enum where w = W_CONFIG, after_entry = W_TOP;
	struct rpl_range *range = NULL;
	char *copy = strdup(text), *line, *next;
	cairn_err e = CAIRN_OK;

	*out = NULL;
	err[0] = '\0';
	p.s = calloc(1, sizeof(*p.s));
	if (!copy || !p.s) {
		e = rpl_perr(&p, "out of memory");
		goto done;
	}
	p.s->path = strdup(path);
	for (line = copy; line && e == CAIRN_OK; line = next) {
		char *tok[RPL_MAX_TOK], work[4096];
		unsigned n;
		bool done_entry, want;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		if (w == W_CONFIG) {
			char t[64];
			if (sscanf(line, " %63s", t) == 1 && strcmp(t, "CONFIG_END") == 0) {
				w = W_TOP;
				rpl_append(&c.buf, &c.len, &c.cap, "\n");
			} else {
				e = rpl_config_line(&p, &c, line);
			}
			continue;
		}
		rpl_strip_comment(line);
		if (w == W_ENTRY) {
			e = entry_line(&p, line, &done_entry);
			if (e == CAIRN_OK && done_entry)
				w = after_entry;
			continue;
		}
		if (strlen(line) >= sizeof(work)) {
			e = rpl_perr(&p, "line too long");
			continue;
		}
		strcpy(work, line);
		n = tokenize(work, tok);
		if (n == 0)
			continue;
		if (w == W_END) {
			e = rpl_perr(&p, "'%s' after SCENARIO_END", tok[0]);
		} else if (w == W_WANT_ENTRY) {
			if (strcmp(tok[0], "ENTRY_BEGIN") != 0)
				e = rpl_perr(&p, "STEP %u wants an ENTRY_BEGIN here, not '%s'",
					 p.last_step->num, tok[0]);
			else if ((e = entry_begin(&p, &p.last_step->entry)) == CAIRN_OK) {
				w = W_ENTRY;
				after_entry = W_TOP;
			}
		} else if (w == W_RANGE) {
			if (strcmp(tok[0], "ADDRESS") == 0) {
				e = n == 2 ? range_address(&p, range, tok[1])
					   : rpl_perr(&p, "ADDRESS wants one address");
			} else if (strcmp(tok[0], "ENTRY_BEGIN") == 0) {
				struct rpl_entry **dst = &range->entries;
				while (*dst)
					dst = &(*dst)->next;
				if ((e = entry_begin(&p, dst)) == CAIRN_OK) {
					w = W_ENTRY;
					after_entry = W_RANGE;
				}
			} else if (strcmp(tok[0], "RANGE_END") == 0) {
				if (!range->naddr)
					e = rpl_perr(&p, "RANGE from line %u has no ADDRESS", range->line);
				w = W_TOP;
			} else {
				e = rpl_perr(&p, "unknown keyword '%s' in a RANGE", tok[0]);
			}
		} else if (strcmp(tok[0], "SCENARIO_BEGIN") == 0) {
			if (p.s->title)
				e = rpl_perr(&p, "a second SCENARIO_BEGIN");
			else if (!(p.s->title = strdup(n > 1 ? line + (tok[1] - work) : "")))
				e = rpl_perr(&p, "out of memory");
		} else if (!p.s->title) {
			e = rpl_perr(&p, "'%s' before SCENARIO_BEGIN", tok[0]);
		} else if (strcmp(tok[0], "RANGE_BEGIN") == 0) {
			unsigned long a, b;
			if (n != 3 || !rpl_parse_uint(tok[1], 1000000, &a) ||
			    !rpl_parse_uint(tok[2], 1000000, &b) || a > b) {
				e = rpl_perr(&p, "RANGE_BEGIN wants two step numbers a <= b");
				continue;
			}
			range = calloc(1, sizeof(*range));
			if (!range) {
				e = rpl_perr(&p, "out of memory");
				continue;
			}
			range->from = (unsigned)a;
			range->to = (unsigned)b;
			range->line = p.line;
			if (p.last_range)
				p.last_range->next = range;
			else
				p.s->ranges = range;
			p.last_range = range;
			w = W_RANGE;
		} else if (strcmp(tok[0], "STEP") == 0) {
			e = step_line(&p, tok, n, &want);
			if (want)
				w = W_WANT_ENTRY;
		} else if (strcmp(tok[0], "SCENARIO_END") == 0) {
			w = W_END;
		} else {
			e = rpl_perr(&p, "unknown keyword '%s'", tok[0]);
		}
	}
	if (e == CAIRN_OK && w != W_END) {
		p.line++;
		e = rpl_perr(&p, "%s", w == W_CONFIG ? "no CONFIG_END" :
				   w == W_ENTRY || w == W_WANT_ENTRY ? "unterminated ENTRY" :
				   w == W_RANGE ? "unterminated RANGE" : "no SCENARIO_END");
	}
	if (e == CAIRN_OK && !c.hints) {
		p.line = 0;
		e = rpl_perr(&p, "no root hints: give a stub-zone with name \".\" and stub-addr lines");
	}
done:
	if (p.entry)
		entry_free(p.entry);
	free(copy);
	if (e != CAIRN_OK) {
		free(c.buf);
		free(c.hints);
		rpl_free(p.s);
		return e;
	}
	p.s->config = c.buf;
	p.s->hints = c.hints;
	p.s->wall_base = c.wall_base;
	*out = p.s;
	return CAIRN_OK;
}

cairn_err rpl_parse_file(const char *path, struct rpl_scenario **out, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	char buf[4096];
	size_t n;
	cairn_err e;

	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return CAIRN_EIO;
	}
	while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = '\0';
		if (strlen(buf) != n) {
			fclose(f);
			free(text);
			snprintf(err, errlen, "%s: contains a NUL byte", path);
			return CAIRN_EFORMAT;
		}
		rpl_append(&text, &len, &cap, buf);
	}
	fclose(f);
	e = rpl_parse_text(path, text ? text : "", out, err, errlen);
	free(text);
	return e;
}
