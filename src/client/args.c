/* cdig command line: dig's syntax (@server, -p, -t, -c, -x, -f, -b, -4/-6,
 * bare name/type/class words, +options) into an array of queries. Items
 * before the first name are global defaults; later ones apply to the query
 * they follow, as in dig. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "cdig.h"
#include "config.h"

struct qvec {
	struct cdig_query *v;
	size_t n, cap;
};

void cdig_query_defaults(struct cdig_query *q)
{
	memset(q, 0, sizeof(*q));
	q->port = 53;
	q->qtype = LDNS_RR_TYPE_A;
	q->qclass = LDNS_RR_CLASS_IN;
	q->recurse = true;
	q->edns = true;
	q->adflag = true;          /* dig 9.18 sets AD in queries by default */
	q->bufsize = 1232;         /* dig's default EDNS buffer size */
	q->time_s = 5;
	q->tries = 3;
	q->cmd = q->comments = q->question = q->answer = true;
	q->authority = q->additional = q->stats = true;
	q->ttlid = true;
}

void cdig_args_usage(FILE *f)
{
	fputs("Usage:  cdig [@server] [-p port] [-4|-6] [-t type] [-c class] [-x addr]\n"
	      "             [-f file] [-b addr] [name] [type] [class] [+option...]\n"
	      "             [ name [type] [class] [+option...] ...]\n"
	      "Where:  name     is the domain name to look up\n"
	      "        type     is one of (a,aaaa,mx,ns,soa,txt,ptr,srv,any,...) or TYPEnnn\n"
	      "        class    is one of (in,ch,hs,any) or CLASSnnn\n"
	      "Flags:\n"
	      "        @server       server address (IPv4, IPv6) or name; default: first\n"
	      "                      nameserver of /etc/resolv.conf\n"
	      "        -p port       server port (default 53)\n"
	      "        -4 / -6       use IPv4 / IPv6 only\n"
	      "        -t type       query type     -c class     query class\n"
	      "        -x addr       reverse lookup of an IPv4 or IPv6 address\n"
	      "        -f file       batch mode: one query per line of file\n"
	      "        -b addr       source address\n"
	      "        -q name       query name\n"
	      "        -h            this help       -v   version\n"
	      "Options (+opt, +noopt):\n"
	      "        +[no]tcp +[no]vc  TCP              +[no]ignore     no TCP retry on TC\n"
	      "        +[no]recurse      RD flag          +[no]dnssec     DO flag\n"
	      "        +[no]adflag       AD flag          +[no]cdflag     CD flag\n"
	      "        +[no]edns         EDNS (OPT)       +bufsize=N      EDNS buffer size\n"
	      "        +time=N           timeout (s)      +tries=N        tries over UDP\n"
	      "        +retry=N          retries          +[no]short      rdata only\n"
	      "        +[no]qr           print query      +[no]cmd        banner\n"
	      "        +[no]comments     comments         +[no]question   question section\n"
	      "        +[no]answer       answer section   +[no]authority  authority section\n"
	      "        +[no]additional   additional       +[no]stats      statistics\n"
	      "        +[no]all          all of the above display flags\n"
	      "        +[no]multiline    multi-line records  +[no]ttlunits  TTLs as 1h30m\n"
	      "        +[no]ttlid        TTL column       +[no]identify   server of +short answers\n"
	      "        +[no]nssearch     SOA from every authoritative server\n"
	      "        +[no]trace        iterate from the root\n"
	      "        +hints=FILE       with +trace: start from a root hints file\n"
	      "        +[no]json         RFC 8427 JSON output\n", f);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s\n", what, arg);
	cdig_args_usage(stderr);
	return CDIG_EXIT_USAGE;
}

static int fail(const char *fmt, const char *arg)
{
	fputs("cdig: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CDIG_EXIT_USAGE;
}

bool cdig_parse_type(const char *s, uint16_t *out)
{
	ldns_rr_type t;
	char *end;
	unsigned long v;

	if (strncasecmp(s, "TYPE", 4) == 0 && s[4]) {
		errno = 0;
		v = strtoul(s + 4, &end, 10);
		if (*end || errno || v > 65535)
			return false;
		*out = (uint16_t)v;
		return true;
	}
	t = ldns_get_rr_type_by_name(s);
	if (t == 0)
		return false;
	*out = (uint16_t)t;
	return true;
}

bool cdig_parse_class(const char *s, uint16_t *out)
{
	ldns_rr_class c;
	char *end;
	unsigned long v;

	if (strncasecmp(s, "CLASS", 5) == 0 && s[5]) {
		errno = 0;
		v = strtoul(s + 5, &end, 10);
		if (*end || errno || v > 65535)
			return false;
		*out = (uint16_t)v;
		return true;
	}
	c = ldns_get_rr_class_by_name(s);
	if (c == 0)
		return false;
	*out = (uint16_t)c;
	return true;
}

bool cdig_reverse_name(const char *addr, char *buf, size_t buflen)
{
	struct in6_addr a6;
	unsigned oct[4];
	int n = 0, i;
	size_t off = 0;
	const char *p = addr;

	if (strchr(addr, ':')) {
		/* RFC 3596 §2.5: nibbles in reverse order under ip6.arpa. */
		if (inet_pton(AF_INET6, addr, &a6) != 1 || buflen < 74)
			return false;
		for (i = 15; i >= 0; i--)
			off += (size_t)snprintf(buf + off, buflen - off, "%x.%x.",
						a6.s6_addr[i] & 0xf, a6.s6_addr[i] >> 4);
		snprintf(buf + off, buflen - off, "ip6.arpa.");
		return true;
	}
	/* RFC 1035 §3.5: octets in reverse order under in-addr.arpa; like
	 * dig, 1 to 4 leading octets are accepted. */
	while (n < 4) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9')
			return false;
		v = strtoul(p, &end, 10);
		if (v > 255 || end - p > 3)
			return false;
		oct[n++] = (unsigned)v;
		p = end;
		if (*p == '\0')
			break;
		if (*p != '.' || n == 4)
			return false;
		p++;
	}
	for (i = n - 1; i >= 0; i--)
		off += (size_t)snprintf(buf + off, buflen - off, "%u.", oct[i]);
	snprintf(buf + off, buflen - off, "in-addr.arpa.");
	return off < buflen;
}

/* Checks a query name the way dig does; prints the error. */
static int check_name(const char *name)
{
	ldns_rdf *d = NULL;
	ldns_status s;
	const char *why;

	if (strlen(name) >= CDIG_NAME_TEXT)
		return fail("'%.60s...' is not a legal name (ran out of space)", name);
	s = ldns_str2rdf_dname(&d, name);
	ldns_rdf_deep_free(d);
	if (s == LDNS_STATUS_OK)
		return 0;
	switch (s) {
	case LDNS_STATUS_DOMAINNAME_OVERFLOW: why = "ran out of space"; break;
	case LDNS_STATUS_LABEL_OVERFLOW: why = "label too long"; break;
	case LDNS_STATUS_EMPTY_LABEL: why = "empty label"; break;
	default: why = ldns_get_errorstr_by_id(s); break;
	}
	fprintf(stderr, "cdig: '%s' is not a legal name (%s)\n", name, why);
	return CDIG_EXIT_USAGE;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !*end && !errno && *out <= max;
}

/* The +option table: name, the shortest prefix dig accepts, kind. */
enum optkind { O_BOOL, O_NUM, O_STR };
struct optdef {
	const char *name;
	size_t minlen;
	enum optkind kind;
	size_t off;              /* bool field for O_BOOL */
};
#define QOFF(f) offsetof(struct cdig_query, f)
static const struct optdef optdefs[] = {
	{ "short", 3, O_BOOL, QOFF(short_form) },
	{ "tcp", 2, O_BOOL, QOFF(tcp) },
	{ "vc", 2, O_BOOL, QOFF(tcp) },
	{ "ignore", 2, O_BOOL, QOFF(ignore_tc) },
	{ "recurse", 3, O_BOOL, QOFF(recurse) },
	{ "dnssec", 2, O_BOOL, QOFF(dnssec) },
	{ "adflag", 2, O_BOOL, QOFF(adflag) },
	{ "cdflag", 2, O_BOOL, QOFF(cdflag) },
	{ "edns", 2, O_BOOL, QOFF(edns) },
	{ "bufsize", 1, O_NUM, 0 },
	{ "time", 2, O_NUM, 0 },
	{ "tries", 2, O_NUM, 0 },
	{ "retry", 3, O_NUM, 0 },
	{ "qr", 2, O_BOOL, QOFF(qr) },
	{ "cmd", 2, O_BOOL, QOFF(cmd) },
	{ "comments", 3, O_BOOL, QOFF(comments) },
	{ "question", 3, O_BOOL, QOFF(question) },
	{ "answer", 2, O_BOOL, QOFF(answer) },
	{ "authority", 2, O_BOOL, QOFF(authority) },
	{ "additional", 3, O_BOOL, QOFF(additional) },
	{ "stats", 2, O_BOOL, QOFF(stats) },
	{ "all", 2, O_BOOL, 0 },
	{ "multiline", 2, O_BOOL, QOFF(multiline) },
	{ "ttlunits", 4, O_BOOL, QOFF(ttlunits) },
	{ "ttlid", 4, O_BOOL, QOFF(ttlid) },
	{ "identify", 2, O_BOOL, QOFF(identify) },
	{ "nssearch", 2, O_BOOL, QOFF(nssearch) },
	{ "trace", 2, O_BOOL, QOFF(trace) },
	{ "hints", 2, O_STR, 0 },
	{ "json", 2, O_BOOL, QOFF(json) },
};

static int plus_option(const char *arg, struct cdig_query *q)
{
	const char *w = arg + 1, *val;
	bool on = true;
	size_t len, i;
	const struct optdef *d = NULL;
	unsigned long v;

	if (strncmp(w, "no", 2) == 0 && strcmp(w, "nssearch") != 0 &&
	    strncmp(w, "nss", 3) != 0) {
		on = false;
		w += 2;
	}
	val = strchr(w, '=');
	len = val ? (size_t)(val - w) : strlen(w);
	if (val)
		val++;
	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++) {
		if (len >= optdefs[i].minlen && len <= strlen(optdefs[i].name) &&
		    strncmp(w, optdefs[i].name, len) == 0) {
			if (d && d->off != optdefs[i].off)
				return usage_error("Invalid option", arg);
			d = d ? d : &optdefs[i];
		}
	}
	if (!d)
		return usage_error("Invalid option", arg);
	if (d->kind == O_BOOL) {
		if (strcmp(d->name, "all") == 0) {
			q->cmd = q->comments = q->question = q->answer = on;
			q->authority = q->additional = q->stats = on;
			return 0;
		}
		if (strcmp(d->name, "edns") == 0 && val) {
			if (!parse_uint(val, 255, &v))
				return fail("Couldn't parse edns version '%s'", val);
			if (v != 0)
				return fail("EDNS version '%s' is not supported", val);
		} else if (val) {
			return usage_error("Invalid option", arg);
		}
		*(bool *)((char *)q + d->off) = on;
		if (d->off == QOFF(tcp))
			q->tcp_set = true;
		if (strcmp(d->name, "short") == 0 && on) {
			/* dig: +short turns the other display options off. */
			q->cmd = q->comments = q->question = false;
			q->authority = q->additional = q->stats = false;
			q->answer = true;
		} else if (strcmp(d->name, "dnssec") == 0 && on) {
			q->edns = true;
		}
		return 0;
	}
	if (!on || !val)
		return usage_error("Invalid option", arg);
	if (d->kind == O_STR) {
		if (strlen(val) >= sizeof(q->hints) || !*val)
			return fail("invalid hints file name '%s'", val);
		strcpy(q->hints, val);
		return 0;
	}
	if (strcmp(d->name, "bufsize") == 0) {
		if (!parse_uint(val, 65535, &v))
			return fail("Couldn't parse buffer size '%s'", val);
		q->bufsize = (uint16_t)v;
		q->edns = true;
	} else if (strcmp(d->name, "time") == 0) {
		if (!parse_uint(val, 3600, &v))
			return fail("Couldn't parse timeout '%s'", val);
		q->time_s = v ? (int)v : 1;
	} else if (strcmp(d->name, "tries") == 0) {
		if (!parse_uint(val, 100, &v))
			return fail("Couldn't parse tries '%s'", val);
		q->tries = v ? (int)v : 1;
	} else {
		if (!parse_uint(val, 99, &v))
			return fail("Couldn't parse retries '%s'", val);
		q->tries = (int)v + 1;
	}
	return 0;
}

static int push(struct qvec *qs, const struct cdig_query *q)
{
	if (qs->n == qs->cap) {
		size_t cap = qs->cap ? qs->cap * 2 : 4;
		struct cdig_query *v = realloc(qs->v, cap * sizeof(*v));
		if (!v) {
			fputs("cdig: out of memory\n", stderr);
			return CDIG_EXIT_INTERNAL;
		}
		qs->v = v;
		qs->cap = cap;
	}
	qs->v[qs->n++] = *q;
	return 0;
}

static int parse_words(int argc, char **argv, struct cdig_query *glob,
		       struct qvec *qs, bool *done, int depth);

static int batch_file(const char *path, struct cdig_query *glob,
		      struct qvec *qs, bool *done, int depth)
{
	FILE *f;
	char line[4096];
	int rc = 0;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\ncdig: couldn't open specified batch file\n",
			path, strerror(errno));
		return CDIG_EXIT_BATCH;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *words[64], *save = NULL, *w;
		int n = 0;
		struct cdig_query g = *glob;

		for (w = strtok_r(line, " \t\r\n", &save); w && n < 64;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (n == 0 || words[0][0] == '#' || words[0][0] == ';')
			continue;
		rc = parse_words(n, words, &g, qs, done, depth + 1);
		if (rc == 0 && !g.have_name && !*done)
			rc = 0;    /* a line with options only queries nothing */
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* cur is the query being built (has_name) or NULL before the first name. */
static int parse_words(int argc, char **argv, struct cdig_query *glob,
		       struct qvec *qs, bool *done, int depth)
{
	struct cdig_query cur;
	bool have_cur = false;
	int i, rc;
	unsigned long v;

	for (i = 0; i < argc; i++) {
		char *a = argv[i];
		struct cdig_query *t = have_cur ? &cur : glob;

		if (a[0] == '@') {
			if (!a[1] || strlen(a + 1) >= sizeof(t->server))
				return usage_error("Invalid server", a);
			strcpy(t->server, a + 1);
		} else if (a[0] == '+' && a[1]) {
			rc = plus_option(a, t);
			if (rc)
				return rc;
		} else if (a[0] == '-' && a[1]) {
			char f = a[1];
			const char *val = NULL;

			if (strchr("46hv", f)) {
				if (a[2])
					return usage_error("Invalid option", a);
				if (f == '4' || f == '6') {
					t->family = f - '0';
					if (t == glob && have_cur)
						cur.family = t->family;
					continue;
				}
				if (f == 'h')
					cdig_args_usage(stdout);
				else
					printf("cdig %s (c-ares %s, ldns %s)\n", PACKAGE_VERSION,
					       cdig_transport_version(), ldns_version());
				*done = true;
				return 0;
			}
			if (!strchr("ptcxfbq", f))
				return usage_error("Invalid option", a);
			val = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val)
				return usage_error("Missing argument for", a);
			switch (f) {
			case 'p':
				if (!parse_uint(val, 65535, &v))
					return fail("Couldn't parse port number '%s'", val);
				t->port = (uint16_t)v;
				break;
			case 't':
				if (!cdig_parse_type(val, &t->qtype))
					return fail("invalid type '%s'", val);
				t->qtype_set = true;
				break;
			case 'c':
				if (!cdig_parse_class(val, &t->qclass))
					return fail("invalid class '%s'", val);
				t->qclass_set = true;
				break;
			case 'b':
				if (strlen(val) >= sizeof(t->source))
					return fail("invalid source address '%s'", val);
				strcpy(t->source, val);
				break;
			case 'f':
				if (depth > 0)
					return fail("nested batch file '%s'", val);
				if (have_cur) {
					rc = push(qs, &cur);
					if (rc)
						return rc;
					have_cur = false;
				}
				rc = batch_file(val, glob, qs, done, depth);
				if (rc)
					return rc;
				glob->have_name = true;  /* batch counts as a query */
				break;
			case 'x':
			case 'q':
				if (have_cur) {
					rc = push(qs, &cur);
					if (rc)
						return rc;
				}
				cur = *glob;
				cur.qtype_set = cur.qclass_set = false;
				have_cur = true;
				if (f == 'x') {
					if (!cdig_reverse_name(val, cur.name, sizeof(cur.name)))
						return fail("'%s' is not a legal IPv4 or IPv6 address", val);
					cur.reverse = true;
					cur.qtype = LDNS_RR_TYPE_PTR;
					cur.qtype_set = true;
				} else {
					if ((rc = check_name(val)))
						return rc;
					snprintf(cur.name, sizeof(cur.name), "%s", val);
				}
				cur.have_name = true;
				break;
			}
		} else {
			uint16_t v16;

			if (have_cur && !cur.qtype_set && cdig_parse_type(a, &v16) &&
			    !(strncasecmp(a, "CLASS", 5) == 0)) {
				cur.qtype = v16;
				cur.qtype_set = true;
				continue;
			}
			if (have_cur && !cur.qclass_set && cdig_parse_class(a, &v16)) {
				cur.qclass = v16;
				cur.qclass_set = true;
				continue;
			}
			if (!have_cur && cdig_parse_type(a, &v16) && !glob->qtype_set) {
				/* dig: a type before any name applies to the
				 * (default) query. */
				glob->qtype = v16;
				glob->qtype_set = true;
				continue;
			}
			if ((rc = check_name(a)))
				return rc;
			if (have_cur) {
				rc = push(qs, &cur);
				if (rc)
					return rc;
			}
			cur = *glob;
			have_cur = true;
			snprintf(cur.name, sizeof(cur.name), "%s", a);
			cur.have_name = true;
		}
	}
	if (have_cur)
		return push(qs, &cur);
	return 0;
}

int cdig_args_parse(int argc, char **argv, struct cdig_query **out, size_t *n,
		    bool *done)
{
	struct cdig_query glob;
	struct qvec qs = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	*done = false;
	cdig_query_defaults(&glob);
	rc = parse_words(argc, argv, &glob, &qs, done, 0);
	if (rc || *done)
		goto done;
	if (qs.n == 0 && !glob.have_name) {
		/* dig: no name queries the root's NS set (or glob's type). */
		struct cdig_query q = glob;
		strcpy(q.name, ".");
		if (!q.qtype_set)
			q.qtype = LDNS_RR_TYPE_NS;
		q.have_name = true;
		rc = push(&qs, &q);
	}
done:
	if (rc || *done) {
		free(qs.v);
		return rc;
	}
	*out = qs.v;
	*n = qs.n;
	return 0;
}
