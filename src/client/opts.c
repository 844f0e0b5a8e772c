/* cdig +options: every query option of dig 9.18 (dig(1)), with dig's
 * abbreviations (any prefix at least as long as dig's shortest accepted
 * form, when it is not ambiguous). Options cdig cannot honour are refused
 * with "cdig: +OPTION is not supported by cdig (REASON)" and exit 1, dig's
 * usage-error code, so scripts can tell them from typing errors (dig's
 * "Invalid option"); cdig(1) lists them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "cdig.h"

enum optid {
	O_AAFLAG, O_ADDITIONAL, O_ADFLAG, O_ALL, O_ANSWER, O_AUTHORITY,
	O_BADCOOKIE, O_BESTEFFORT, O_BUFSIZE, O_CDFLAG, O_CLASS, O_CMD,
	O_COFLAG, O_COMMENTS, O_COOKIE, O_CRYPTO, O_SEARCH, O_DNS64PREFIX,
	O_DNSSEC, O_DOMAIN, O_DSCP, O_EDNS, O_EDNSFLAGS, O_EDNSNEG, O_EDNSOPT,
	O_EXPIRE, O_FAIL, O_FUZZTIME, O_HEADERONLY, O_HTTPS, O_HTTPPLAIN,
	O_IDENTIFY, O_IDNIN, O_IDNOUT, O_IGNORE, O_KEEPALIVE, O_KEEPOPEN,
	O_MULTILINE, O_NDOTS, O_NSID, O_NSSEARCH, O_ONESOA, O_OPCODE,
	O_PADDING, O_QID, O_QR, O_QUESTION, O_RAFLAG, O_RECURSE, O_RETRY,
	O_RRCOMMENTS, O_SHORT, O_SHOWBADCOOKIE, O_SHOWSEARCH, O_SIGCHASE,
	O_SPLIT, O_STATS, O_SUBNET, O_TCFLAG, O_TCP, O_TIMEOUT, O_TLS,
	O_TLSCA, O_TLSCERT, O_TLSKEY, O_TLSHOST, O_TOPDOWN, O_TRACE, O_TRIES,
	O_TRUSTEDKEY, O_TTLID, O_TTLUNITS, O_UNKNOWNFORMAT, O_YAML, O_ZFLAG,
	O_JSON, O_HINTS, O_CHAIN, O_ANCHOR,
};

struct optdef {
	const char *name;
	size_t minlen;           /* shortest prefix accepted */
	enum optid id;
};

/* Sorted by name; minlen from dig's own parser where it has one. */
static const struct optdef optdefs[] = {
	{ "aaflag", 2, O_AAFLAG }, { "aaonly", 2, O_AAFLAG },
	{ "additional", 3, O_ADDITIONAL }, { "adflag", 2, O_ADFLAG },
	{ "all", 2, O_ALL }, { "anchor", 3, O_ANCHOR }, { "answer", 2, O_ANSWER },
	{ "authority", 2, O_AUTHORITY }, { "badcookie", 3, O_BADCOOKIE },
	{ "besteffort", 2, O_BESTEFFORT }, { "bufsize", 1, O_BUFSIZE },
	{ "cd", 2, O_CDFLAG }, { "cdflag", 2, O_CDFLAG }, { "chain", 3, O_CHAIN },
	{ "class", 2, O_CLASS }, { "cmd", 2, O_CMD },
	{ "co", 2, O_COFLAG }, { "coflag", 3, O_COFLAG },
	{ "comments", 4, O_COMMENTS }, { "cookie", 4, O_COOKIE },
	{ "crypto", 2, O_CRYPTO }, { "defname", 3, O_SEARCH },
	{ "dns64prefix", 4, O_DNS64PREFIX }, { "dnssec", 3, O_DNSSEC },
	{ "do", 2, O_DNSSEC }, { "domain", 3, O_DOMAIN },
	{ "dscp", 2, O_DSCP }, { "edns", 2, O_EDNS },
	{ "ednsflags", 5, O_EDNSFLAGS }, { "ednsnegotiation", 5, O_EDNSNEG },
	{ "ednsopt", 5, O_EDNSOPT }, { "expire", 2, O_EXPIRE },
	{ "fail", 2, O_FAIL }, { "fuzztime", 2, O_FUZZTIME },
	{ "header-only", 2, O_HEADERONLY }, { "hints", 2, O_HINTS },
	{ "http-plain", 6, O_HTTPPLAIN }, { "http-plain-get", 12, O_HTTPPLAIN },
	{ "http-plain-post", 12, O_HTTPPLAIN }, { "https", 5, O_HTTPS },
	{ "https-get", 7, O_HTTPS }, { "https-post", 7, O_HTTPS },
	{ "identify", 2, O_IDENTIFY }, { "idnin", 4, O_IDNIN },
	{ "idnout", 4, O_IDNOUT }, { "ignore", 2, O_IGNORE },
	{ "json", 2, O_JSON },
	{ "keepalive", 5, O_KEEPALIVE }, { "keepopen", 5, O_KEEPOPEN },
	{ "multiline", 2, O_MULTILINE }, { "ndots", 2, O_NDOTS },
	{ "nsid", 3, O_NSID }, { "nssearch", 3, O_NSSEARCH },
	{ "onesoa", 2, O_ONESOA }, { "opcode", 2, O_OPCODE },
	{ "padding", 2, O_PADDING }, { "qid", 2, O_QID }, { "qr", 2, O_QR },
	{ "question", 3, O_QUESTION }, { "raflag", 2, O_RAFLAG },
	{ "rdflag", 2, O_RECURSE }, { "recurse", 3, O_RECURSE },
	{ "retry", 3, O_RETRY }, { "rrcomments", 2, O_RRCOMMENTS },
	{ "search", 3, O_SEARCH }, { "short", 3, O_SHORT },
	{ "showbadcookie", 5, O_SHOWBADCOOKIE }, { "showsearch", 5, O_SHOWSEARCH },
	{ "sigchase", 2, O_SIGCHASE }, { "split", 2, O_SPLIT },
	{ "stats", 3, O_STATS }, { "subnet", 2, O_SUBNET },
	{ "tcflag", 3, O_TCFLAG }, { "tcp", 3, O_TCP },
	{ "timeout", 3, O_TIMEOUT }, { "tls", 3, O_TLS },
	{ "tls-ca", 5, O_TLSCA }, { "tls-certfile", 5, O_TLSCERT },
	{ "tls-hostname", 5, O_TLSHOST }, { "tls-keyfile", 5, O_TLSKEY },
	{ "topdown", 3, O_TOPDOWN }, { "trace", 3, O_TRACE },
	{ "tries", 3, O_TRIES }, { "trusted-key", 3, O_TRUSTEDKEY },
	{ "ttlid", 4, O_TTLID }, { "ttlunits", 4, O_TTLUNITS },
	{ "unknownformat", 2, O_UNKNOWNFORMAT }, { "vc", 2, O_TCP },
	{ "yaml", 2, O_YAML }, { "zflag", 2, O_ZFLAG },
};

static int invalid(const char *arg)
{
	fprintf(stderr, "Invalid option: %s\n", arg);
	cdig_args_usage(stderr);
	return CDIG_EXIT_USAGE;
}

/* dig's fatal() for a value it cannot parse: exit 10 */
static int bad(const char *fmt, const char *arg)
{
	fputs("cdig: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CDIG_EXIT_INTERNAL;
}

/* dig's usage-level refusals of a value: exit 1 */
static int bad1(const char *fmt, const char *arg)
{
	fputs("cdig: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CDIG_EXIT_USAGE;
}

/* Options dig 9.18 still parses but ignores, with its warning. */
static int deprecated(const char *opt)
{
	fprintf(stderr, ";; +%s option is deprecated\n", opt);
	return 0;
}

static int unsupported(const char *opt, const char *why)
{
	fprintf(stderr, "cdig: +%s is not supported by cdig (%s)\n", opt, why);
	return CDIG_EXIT_USAGE;
}

/* dig's parse_uint: decimal, or hex/octal where dig takes them. */
static bool num(const char *s, unsigned long max, int base, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoul(s, &end, base);
	return !*end && !errno && *out <= max;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Hex text to bytes; false when odd, not hex or longer than max. */
static bool unhex(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t l = strlen(s), i;

	if (l % 2 || l / 2 > max)
		return false;
	for (i = 0; i < l / 2; i++) {
		int h = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (h < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(h << 4 | lo);
	}
	*n = l / 2;
	return true;
}

/* RFC 7871 §6: +subnet=addr[/bits]; "0" is 0.0.0.0/0 as in dig. */
static int parse_subnet(const char *val, struct cdig_query *q)
{
	char a[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long bits = 0;
	bool have_bits = false;
	uint8_t buf[16] = { 0 };
	int dots = 0;
	const char *p;

	if (!val || !*val || strlen(val) >= sizeof(a))
		return bad1("invalid address '%s'", val ? val : "");
	strcpy(a, val);
	slash = strchr(a, '/');
	if (slash) {
		*slash = '\0';
		if (!num(slash + 1, 128, 10, &bits))
			return bad1("invalid address '%s'", val);
		have_bits = true;
	}
	if (strchr(a, ':')) {
		if (inet_pton(AF_INET6, a, buf) != 1)
			return bad1("invalid address '%s'", val);
		q->subnet_family = 2;
		if (!have_bits)
			bits = 128;
	} else {
		char full[INET_ADDRSTRLEN + 8];

		/* dig accepts 1-4 octets ("10/8", "0") */
		for (p = a; *p; p++)
			dots += *p == '.';
		snprintf(full, sizeof(full), "%s%s", a,
			 dots == 0 ? ".0.0.0" : dots == 1 ? ".0.0" : dots == 2 ? ".0" : "");
		if (dots > 3 || inet_pton(AF_INET, full, buf) != 1)
			return bad1("invalid address '%s'", val);
		q->subnet_family = 1;
		if (!have_bits)
			bits = strcmp(a, "0") == 0 ? 0 : 32;
		if (bits > 32)
			return bad1("invalid address '%s'", val);
	}
	q->subnet_bits = (uint8_t)bits;
	memcpy(q->subnet_addr, buf, 16);
	q->subnet = true;
	q->edns = true;
	return 0;
}

/* +ednsopt=code[:hex]; code may be a name. */
static int parse_ednsopt(const char *val, struct cdig_query *q)
{
	static const struct { const char *n; uint16_t c; } names[] = {
		{ "LLQ", 1 }, { "UL", 2 }, { "UPDATE-LEASE", 2 }, { "NSID", 3 },
		{ "DAU", 5 }, { "DHU", 6 }, { "N3U", 7 }, { "ECS", 8 },
		{ "CLIENT-SUBNET", 8 }, { "EXPIRE", 9 }, { "COOKIE", 10 },
		{ "KEEPALIVE", 11 }, { "TCP-KEEPALIVE", 11 }, { "PADDING", 12 },
		{ "CHAIN", 13 }, { "KEY-TAG", 14 }, { "EDE", 15 },
		{ "CLIENT-TAG", 16 }, { "SERVER-TAG", 17 },
	};
	char code[32];
	const char *colon;
	unsigned long v;
	struct cdig_ednsopt *o;
	size_t i, cl;

	if (!val || !*val)
		return bad("ednsopt no code point specified%s", "");
	if (q->nednsopt == CDIG_MAX_EDNSOPT)
		return bad("too many ednsopts%s", "");
	colon = strchr(val, ':');
	cl = colon ? (size_t)(colon - val) : strlen(val);
	if (cl == 0 || cl >= sizeof(code))
		return bad("ednsopt no code point specified%s", "");
	memcpy(code, val, cl);
	code[cl] = '\0';
	o = &q->ednsopt[q->nednsopt];
	if (num(code, 65535, 0, &v)) {
		o->code = (uint16_t)v;
	} else {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcasecmp(code, names[i].n) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return bad1("bad edns code point: %s", code);
		o->code = names[i].c;
	}
	o->len = 0;
	if (colon) {
		size_t n;
		if (!unhex(colon + 1, o->data, sizeof(o->data), &n))
			return bad1("bad hex encoding: '%s'", colon + 1);
		o->len = (uint16_t)n;
	}
	q->nednsopt++;
	q->edns = true;
	return 0;
}

static const struct optdef *lookup(const char *w, size_t len, bool *ambiguous)
{
	const struct optdef *d = NULL;
	size_t i;

	*ambiguous = false;
	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++) {
		size_t nl = strlen(optdefs[i].name);

		if (len == nl && strncmp(w, optdefs[i].name, len) == 0)
			return &optdefs[i];            /* an exact name wins */
		if (len >= optdefs[i].minlen && len < nl &&
		    strncmp(w, optdefs[i].name, len) == 0) {
			if (d && d->id != optdefs[i].id)
				*ambiguous = true;
			d = d ? d : &optdefs[i];
		}
	}
	return *ambiguous ? NULL : d;
}

static void display_all(struct cdig_query *q, bool on)
{
	q->cmd = q->comments = q->question = q->answer = on;
	q->authority = q->additional = q->stats = on;
}

int cdig_plus_option(const char *arg, struct cdig_query *q)
{
	const char *w = arg + 1, *val;
	bool on = true, amb;
	size_t len;
	const struct optdef *d;
	unsigned long v;

	val = strchr(w, '=');
	len = val ? (size_t)(val - w) : strlen(w);
	d = lookup(w, len, &amb);
	if (!d && !amb && strncmp(w, "no", 2) == 0) {
		on = false;
		w += 2;
		len -= 2;
		d = lookup(w, len, &amb);
	}
	if (val)
		val++;
	if (!d)
		return invalid(arg);
#define BOOL_ONLY() do { if (val) return invalid(arg); } while (0)
#define SET(f) do { BOOL_ONLY(); q->f = on; } while (0)
	switch (d->id) {
	case O_AAFLAG: SET(aaflag); break;
	case O_ADDITIONAL: SET(additional); break;
	case O_ADFLAG: SET(adflag); break;
	case O_ALL: BOOL_ONLY(); display_all(q, on); break;
	case O_ANSWER: SET(answer); break;
	case O_AUTHORITY: SET(authority); break;
	case O_BADCOOKIE: SET(badcookie); break;
	case O_BESTEFFORT:
		BOOL_ONLY();
		if (on)
			return unsupported("besteffort", "malformed messages are reported, never printed");
		break;
	case O_BUFSIZE:
		if (!on)
			return invalid(arg);
		if (!val) {
			q->bufsize = WIRE_EDNS_SIZE;       /* bare +bufsize: the default */
		} else {
			if (!num(val, 65535, 10, &v))
				return bad("Couldn't parse buffer size '%s'", val);
			q->bufsize = (uint16_t)v;
		}
		q->edns = true;
		break;
	case O_CDFLAG: SET(cdflag); break;
	case O_CLASS: SET(klass); break;
	case O_CMD: SET(cmd); break;
	case O_COFLAG:
		BOOL_ONLY();
		/* the CO ("compact answers OK") EDNS flag, 0x4000 */
		q->ednsflags = on ? (q->ednsflags | 0x4000) : (q->ednsflags & ~0x4000);
		if (on)
			q->edns = true;
		break;
	case O_COMMENTS: SET(comments); break;
	case O_COOKIE:
		q->cookie = on;
		q->cookie_len = 0;
		if (on && val) {
			/* RFC 7873 §4: 8-byte client cookie, server cookie 8-32 */
			if (!unhex(val, q->cookie_val, sizeof(q->cookie_val), &q->cookie_len))
				return bad1("bad hex encoding: '%s'", val);
			/* stricter than dig: RFC 7873 §4 lengths only */
			if (q->cookie_len < 8 || (q->cookie_len > 8 && q->cookie_len < 16))
				return bad1("a cookie is 8 bytes, or 16 to 40 (RFC 7873): '%s'", val);
		} else if (!on && val) {
			return invalid(arg);
		}
		if (on)
			q->edns = true;
		break;
	case O_CRYPTO: SET(crypto); break;
	case O_SEARCH: SET(search); break;
	case O_DNS64PREFIX:
		BOOL_ONLY();
		if (on)
			return unsupported("dns64prefix", "not implemented: query ipv4only.arpa AAAA instead");
		break;
	case O_DNSSEC:
		SET(dnssec);
		if (on)
			q->edns = true;
		break;
	case O_DOMAIN:
		if (!on || !val || !*val || strlen(val) >= sizeof(q->domain))
			return invalid(arg);
		strcpy(q->domain, val);
		q->search = true;
		break;
	case O_DSCP:
		/* dig 9.18: obsolete, no effect */
		if (on && val && !num(val, 63, 10, &v))
			return bad("Couldn't parse DSCP value '%s'", val);
		break;
	case O_EDNS:
		if (!on) {
			if (val)
				return invalid(arg);
			q->edns = false;
			break;
		}
		if (val) {
			if (!num(val, 255, 10, &v))
				return bad("Couldn't parse edns '%s'", val);
			q->edns_version = (uint8_t)v;
		} else {
			q->edns_version = 0;
		}
		q->edns = true;
		break;
	case O_EDNSFLAGS:
		if (!on || !val) {
			if (!on && val)
				return invalid(arg);
			q->ednsflags = 0;
			break;
		}
		if (!num(val, 0xffff, 0, &v))
			return bad("Couldn't parse edns flags '%s'", val);
		/* named flags (DO) are ignored, as in dig */
		q->ednsflags = (uint16_t)(v & 0x7fff);
		q->edns = true;
		break;
	case O_EDNSNEG: SET(ednsneg); break;
	case O_EDNSOPT:
		if (!on) {
			if (val)
				return invalid(arg);
			q->nednsopt = 0;
			break;
		}
		return parse_ednsopt(val, q);
	case O_EXPIRE:
		SET(expire);
		if (on)
			q->edns = true;
		break;
	case O_FAIL: SET(fail); break;
	case O_FUZZTIME:
		if (on)
			return unsupported("fuzztime", "TSIG time signed is always the current time");
		break;
	case O_HEADERONLY: SET(header_only); break;
	case O_HTTPS:
		if (on)
			return unsupported(d->name, "DNS over HTTPS is not implemented");
		break;
	case O_HTTPPLAIN:
		if (on)
			return unsupported(d->name, "DNS over HTTP is not implemented");
		break;
	case O_IDENTIFY: SET(identify); break;
	case O_IDNIN:
	case O_IDNOUT:
		/* accepted as dig built without IDN: names are used as given */
		BOOL_ONLY();
		if (on)
			fprintf(stderr, ";; +%s: cdig is built without IDN support; "
				"names are used as given\n", d->name);
		break;
	case O_IGNORE: SET(ignore_tc); break;
	case O_KEEPALIVE:
		SET(keepalive);
		if (on)
			q->edns = true;
		break;
	case O_KEEPOPEN: SET(keepopen); break;
	case O_MULTILINE: SET(multiline); break;
	case O_NDOTS:
		if (!on || !val || !num(val, 255, 10, &v))
			return val ? bad("Couldn't parse ndots '%s'", val) : invalid(arg);
		q->ndots = (int)v;
		break;
	case O_NSID:
		SET(nsid);
		if (on)
			q->edns = true;
		break;
	case O_NSSEARCH: SET(nssearch); break;
	case O_ONESOA: SET(onesoa); break;
	case O_OPCODE:
		if (!on) {
			q->opcode = 0;
			break;
		}
		if (!val)
			return invalid(arg);
		if (strcasecmp(val, "query") == 0) v = 0;
		else if (strcasecmp(val, "iquery") == 0) v = 1;
		else if (strcasecmp(val, "status") == 0) v = 2;
		else if (strcasecmp(val, "notify") == 0) v = 4;
		else if (strcasecmp(val, "update") == 0) v = 5;
		else if (!num(val, 15, 10, &v))
			return bad("Couldn't parse opcode '%s'", val);
		q->opcode = (uint8_t)v;
		break;
	case O_PADDING:
		if (!on) {
			q->padding = 0;
			break;
		}
		if (!val || !num(val, 512, 10, &v))
			return bad("Couldn't parse padding '%s'", val ? val : "");
		q->padding = (uint16_t)v;
		if (v)
			q->edns = true;
		break;
	case O_QID:
		if (!on) {
			q->qid = -1;
			break;
		}
		if (!val || !num(val, 65535, 10, &v))
			return bad("Couldn't parse qid '%s'", val ? val : "");
		q->qid = (int32_t)v;
		break;
	case O_QR: SET(qr); break;
	case O_QUESTION: SET(question); break;
	case O_RAFLAG: SET(raflag); break;
	case O_RECURSE: SET(recurse); break;
	case O_RETRY:
		if (!on || !val)
			return invalid(arg);
		if (!num(val, 99, 10, &v))
			return bad("Couldn't parse retries '%s'", val);
		q->tries = (int)v + 1;
		break;
	case O_RRCOMMENTS:
		SET(rrcomments);
		q->rrcomments_set = true;
		break;
	case O_SHORT:
		SET(short_form);
		if (on) {
			/* dig: +short turns the other display options off */
			display_all(q, false);
			q->answer = true;
		}
		break;
	case O_SHOWBADCOOKIE: SET(showbadcookie); break;
	case O_SHOWSEARCH:
		SET(showsearch);
		if (on)
			q->search = true;
		break;
	case O_SIGCHASE:
		return deprecated("sigchase");
	case O_SPLIT:
		if (!on) {
			if (val)
				return invalid(arg);
			q->split = 0;
		} else {
			if (!val || !num(val, 1023, 10, &v))
				return bad("Couldn't parse split '%s'", val ? val : "");
			/* rounded up to a multiple of 4, as dig does */
			if (v % 4)
				fprintf(stderr, ";; Warning, split must be a multiple of 4; "
					"adjusting to %lu\n", (v + 3) / 4 * 4);
			q->split = (int)((v + 3) / 4 * 4);
		}
		q->split_set = true;
		break;
	case O_STATS: SET(stats); break;
	case O_SUBNET:
		if (!on) {
			if (val)
				return invalid(arg);
			q->subnet = false;
			break;
		}
		return parse_subnet(val, q);
	case O_TCFLAG: SET(tcflag); break;
	case O_TCP:
		SET(tcp);
		q->tcp_set = true;
		break;
	case O_TIMEOUT:
		if (!on || !val)
			return invalid(arg);
		if (!num(val, 3600, 10, &v))
			return bad("Couldn't parse timeout '%s'", val);
		q->time_s = v ? (int)v : 1;
		break;
	case O_TLS:
		SET(tls.on);
		break;
	case O_TLSCA:
		if (val && !on)
			return invalid(arg);
		if (val && strlen(val) >= sizeof(q->tls.ca))
			return bad("file name too long '%s'", val);
		q->tls.verify = on;
		snprintf(q->tls.ca, sizeof(q->tls.ca), "%s", on && val ? val : "");
		if (on)
			q->tls.on = true;
		break;
	case O_TLSCERT:
	case O_TLSKEY: {
		char *dst = d->id == O_TLSCERT ? q->tls.certfile : q->tls.keyfile;

		if (on && (!val || !*val || strlen(val) >= sizeof(q->tls.certfile)))
			return invalid(arg);
		snprintf(dst, sizeof(q->tls.certfile), "%s", on ? val : "");
		if (on) {
			/* as dig 9.18: a client certificate turns on TLS and
			 * the server's certificate check */
			q->tls.on = true;
			q->tls.verify = true;
		}
		break;
	}
	case O_TLSHOST:
		if (on && (!val || !*val || strlen(val) >= sizeof(q->tls.hostname)))
			return invalid(arg);
		snprintf(q->tls.hostname, sizeof(q->tls.hostname), "%s", on ? val : "");
		if (on)
			q->tls.on = true;   /* the name to verify with +tls-ca, and SNI */
		break;
	case O_TOPDOWN:
		return deprecated("topdown");
	case O_TRACE:
		SET(trace);
		break;
	case O_TRIES:
		if (!on || !val)
			return invalid(arg);
		if (!num(val, 100, 10, &v))
			return bad("Couldn't parse tries '%s'", val);
		q->tries = v ? (int)v : 1;
		break;
	case O_TRUSTEDKEY:
		return deprecated("trusted-key");
	case O_TTLID: SET(ttlid); break;
	case O_TTLUNITS: SET(ttlunits); break;
	case O_UNKNOWNFORMAT: SET(unknownformat); break;
	case O_YAML: SET(yaml); break;
	case O_ZFLAG: SET(zflag); break;
	case O_JSON: SET(json); break;
	case O_HINTS:
		if (!on || !val)
			return invalid(arg);
		if (strlen(val) >= sizeof(q->hints) || !*val)
			return bad("invalid hints file name '%s'", val);
		strcpy(q->hints, val);
		break;
	case O_CHAIN: SET(chain); break;
	case O_ANCHOR:
		if (!on || !val || !*val || strlen(val) >= sizeof(q->anchor))
			return invalid(arg);
		strcpy(q->anchor, val);
		break;
	}
#undef SET
#undef BOOL_ONLY
	return 0;
}
