/* zone/fast.c: the fast route for the record entries most zone files are
 * made of (A, AAAA, NS, CNAME, PTR, MX, SRV, TXT in their plain forms),
 * written straight to wire form without ldns. It accepts only what ldns
 * 1.8.3 reads to exactly the same record (same owner, case, TTL and
 * rdata) and declines everything else (escapes, units in TTLs, classes
 * other than IN, numbers out of range, unusual names, any error), which
 * then takes the ldns route and gets the messages it always got.
 * tests/unit/test_zone_load.c compares the two routes on every zone we
 * ship. */
#include "zone_int.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#define FAST_NAME_TEXT_MAX 250    /* longer names go to ldns (LDNS_MAX_DOMAINLEN) */
#define FAST_NUM_DIGITS    10

struct tok {
	const char *s, *e;
};

/* The field separators of ldns_bget_token ("\t\n "); the splitter left
 * no newline in an entry. */
static bool is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* The next separated token from *p (advanced past it); false at the end. */
static bool next_tok(const char **p, struct tok *t)
{
	const char *s = *p;

	while (is_sep(*s))
		s++;
	if (!*s)
		return false;
	t->s = s;
	while (*s && !is_sep(*s))
		s++;
	t->e = s;
	*p = s;
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(t->e - t->s) == n && strncasecmp(t->s, word, n) == 0;
}

/* A plain decimal number of at most max: ldns wraps bigger ones and reads
 * signs and units, which are left to it. */
static bool tok_num(const struct tok *t, uint64_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t n = (size_t)(t->e - t->s);

	if (n == 0 || n > FAST_NUM_DIGITS)
		return false;
	for (const char *p = t->s; p < t->e; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* A domain name token as ldns_str2rdf_dname reads it (case kept), "@"
 * being the origin and a relative name completed with it (RFC 1035 §5.1).
 * Returns its wire length in out (WIRE_NAME_MAX bytes), 0 to decline:
 * escapes, "@" inside a name, empty or over-long labels, a name over
 * WIRE_NAME_MAX (RFC 1035 §2.3.4) and bytes outside printable ASCII. */
static size_t tok_name(const struct tok *t, const uint8_t *origin, size_t olen, uint8_t *out)
{
	size_t n = (size_t)(t->e - t->s), pos = 1, lab = 0, ll = 0;

	if (n == 0 || n > FAST_NAME_TEXT_MAX)
		return 0;
	if (n == 1 && t->s[0] == '@') {
		memcpy(out, origin, olen);
		return olen;
	}
	if (n == 1 && t->s[0] == '.') {
		out[0] = 0;
		return 1;
	}
	for (const char *p = t->s; p < t->e; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (ll == 0 || ll > WIRE_LABEL_MAX)
				return 0;
			out[lab] = (uint8_t)ll;
			lab = pos++;
			ll = 0;
			continue;
		}
		if (c <= ' ' || c >= 0x7f || c == '\\' || c == '@' || c == '"' || c == '(' ||
		    c == ')' || c == ';')
			return 0;
		out[pos++] = c;
		ll++;
	}
	if (ll == 0) {                /* absolute: the root label ends it */
		out[lab] = 0;
		return pos;
	}
	if (ll > WIRE_LABEL_MAX || pos + olen > WIRE_NAME_MAX)
		return 0;
	out[lab] = (uint8_t)ll;
	memcpy(out + pos, origin, olen);
	return pos + olen;
}

/* An address token for inet_pton, which is what ldns uses. */
static bool tok_addr(const struct tok *t, int af, uint8_t *out)
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = (size_t)(t->e - t->s);

	if (n >= sizeof buf)
		return false;
	memcpy(buf, t->s, n);
	buf[n] = '\0';
	return inet_pton(af, buf, out) == 1;
}

/* TXT data made of double-quoted strings of 1..255 printable characters
 * without escapes, separated by blanks (RFC 1035 §3.3.14, §5.1). */
static bool txt_rdata(const char *p, struct zfast_rr *out)
{
	size_t len = 0;

	for (;;) {
		while (is_sep(*p))
			p++;
		if (!*p)
			break;
		if (*p++ != '"')
			return false;
		const char *s = p;
		while (*p && *p != '"') {
			unsigned char c = (unsigned char)*p;
			if (c < ' ' || c >= 0x7f || c == '\\' || c == '(' || c == ')' || c == ';')
				return false;
			p++;
		}
		size_t n = (size_t)(p - s);
		if (*p != '"' || n == 0 || n > 255 || len + 1 + n > ZFAST_RDATA_MAX)
			return false;
		p++;
		if (*p && !is_sep(*p))
			return false;
		out->rdata[len++] = (uint8_t)n;
		memcpy(out->rdata + len, s, n);
		len += n;
	}
	if (len == 0)
		return false;
	out->rdlen = (uint16_t)len;
	return true;
}

/* The rdata fields of the types taken here, the last being a name. */
static bool named_rdata(uint16_t type, const char *p, const uint8_t *origin, size_t olen,
			struct zfast_rr *out)
{
	unsigned nums = type == WIRE_TYPE_MX ? 1 : type == WIRE_TYPE_SRV ? 3 : 0;
	size_t len = 0, l;
	struct tok t;
	uint32_t v;

	for (unsigned i = 0; i < nums; i++) {
		if (!next_tok(&p, &t) || !tok_num(&t, UINT16_MAX, &v))
			return false;
		out->rdata[len++] = (uint8_t)(v >> 8);
		out->rdata[len++] = (uint8_t)v;
	}
	if (!next_tok(&p, &t) || !(l = tok_name(&t, origin, olen, out->rdata + len)))
		return false;
	out->rdlen = (uint16_t)(len + l);
	return !next_tok(&p, &t);
}

bool zfast_entry(const char *text, const struct zfast_in *in, struct zfast_rr *out)
{
	const char *p = text;
	struct tok t;
	uint32_t ttl = 0;
	bool have_ttl = false, have_class = false;

	/* [owner] [TTL] [class] type rdata; TTL and class in either order */
	if (is_sep(*p)) {
		if (in->prev_len == 0)
			return false;
		memcpy(out->owner, in->prev, in->prev_len);
		out->owner_len = in->prev_len;
	} else {
		if (!next_tok(&p, &t) ||
		    !(out->owner_len = tok_name(&t, in->origin, in->origin_len, out->owner)))
			return false;
	}
	for (;;) {
		if (!next_tok(&p, &t))
			return false;
		if (!have_ttl && *t.s >= '0' && *t.s <= '9') {
			/* RFC 2181 §8; units are for ldns and zlint_ttl */
			if (!tok_num(&t, ZLINT_TTL_MAX, &ttl))
				return false;
			have_ttl = true;
		} else if (!have_class && tok_is(&t, "IN")) {
			have_class = true;
		} else {
			break;
		}
	}
	if (!have_ttl) {
		/* ldns puts its own default in place of a zero one */
		if (in->default_ttl == 0)
			return false;
		ttl = in->default_ttl;
	}
	out->ttl = ttl;
	if (tok_is(&t, "A") || tok_is(&t, "AAAA")) {
		bool v4 = t.e - t.s == 1;
		out->type = v4 ? WIRE_TYPE_A : WIRE_TYPE_AAAA;
		out->rdlen = v4 ? 4 : 16;
		return next_tok(&p, &t) && tok_addr(&t, v4 ? AF_INET : AF_INET6, out->rdata) &&
		       !next_tok(&p, &t);
	}
	if (tok_is(&t, "TXT")) {
		out->type = WIRE_TYPE_TXT;
		return txt_rdata(p, out);
	}
	if (tok_is(&t, "NS"))
		out->type = WIRE_TYPE_NS;
	else if (tok_is(&t, "CNAME"))
		out->type = WIRE_TYPE_CNAME;
	else if (tok_is(&t, "PTR"))
		out->type = WIRE_TYPE_PTR;
	else if (tok_is(&t, "MX"))
		out->type = WIRE_TYPE_MX;
	else if (tok_is(&t, "SRV"))
		out->type = WIRE_TYPE_SRV;
	else
		return false;
	return named_rdata(out->type, p, in->origin, in->origin_len, out);
}
