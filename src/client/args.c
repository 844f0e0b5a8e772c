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
	q->qid = -1;
	q->cookie = true;          /* dig 9.18: +cookie is the default */
	q->ednsneg = true;
	q->badcookie = true;
	q->klass = true;
	q->crypto = true;
	q->split = 56;
	q->ndots = 1;
}

void cdig_args_usage(FILE *f)
{
	fputs("Usage:  cdig [@server] [-p port] [-4|-6] [-t type] [-c class] [-x addr]\n"
	      "             [-f file] [-b addr[#port]] [-k keyfile] [-y [hmac:]name:key]\n"
	      "             [-m] [-r] [-u] [name] [type] [class] [+option...]\n"
	      "             [ name [type] [class] [+option...] ...]\n"
	      "Where:  name     is the domain name to look up\n"
	      "        type     is one of (a,aaaa,mx,ns,soa,txt,ptr,srv,any,axfr,...),\n"
	      "                 IXFR=serial or TYPEnnn\n"
	      "        class    is one of (in,ch,hs,any) or CLASSnnn\n"
	      "Flags:\n"
	      "        @server       server address (IPv4, IPv6) or name; default: the\n"
	      "                      nameservers of /etc/resolv.conf; several are tried\n"
	      "                      in turn (after a name: that query's only)\n"
	      "        -p port       server port (default 53, 853 with +tls; the last\n"
	      "                      -p holds for every query)\n"
	      "        -4 / -6       use IPv4 / IPv6 only\n"
	      "        -t type       query type     -c class     query class\n"
	      "        -x addr       reverse lookup of an IPv4 or IPv6 address\n"
	      "        -f file       batch mode: one query per line of file\n"
	      "        -b addr[#port] source address (and port)\n"
	      "        -q name       query name\n"
	      "        -k keyfile    TSIG key file     -y [hmac:]name:key  TSIG key\n"
	      "        -m            accepted (dig's memory debugging)\n"
	      "        -r            do not read ~/.digrc   -u  times in microseconds\n"
	      "        -h            this help       -v   version\n"
	      "Options (+opt, +noopt; every option of dig 9.18, see cdig(1)):\n"
	      "  transport: +[no]tcp +[no]vc +[no]ignore +time=N +timeout=N +tries=N\n"
	      "             +retry=N +[no]tls +tls-ca[=FILE] +tls-hostname=NAME\n"
	      "             +tls-certfile=FILE +tls-keyfile=FILE +[no]fail +[no]keepopen\n"
	      "  header:    +[no]recurse +[no]rdflag +[no]aaflag +[no]adflag +[no]cdflag\n"
	      "             +[no]raflag +[no]tcflag +[no]zflag +opcode=OP +qid=N\n"
	      "             +[no]header-only\n"
	      "  EDNS:      +[no]edns[=N] +bufsize[=N] +[no]dnssec +[no]do +[no]coflag\n"
	      "             +ednsflags=N +[no]ednsnegotiation +[no]cookie[=HEX]\n"
	      "             +[no]badcookie +[no]showbadcookie +[no]nsid +[no]expire\n"
	      "             +[no]keepalive +subnet=ADDR[/BITS] +ednsopt=CODE[:HEX]\n"
	      "             +padding=N\n"
	      "  search:    +[no]search +[no]defname +domain=NAME +ndots=N +[no]showsearch\n"
	      "  output:    +[no]short +[no]identify +[no]qr +[no]cmd +[no]comments\n"
	      "             +[no]question +[no]answer +[no]authority +[no]additional\n"
	      "             +[no]stats +[no]all +[no]multiline +[no]rrcomments +split=W\n"
	      "             +[no]crypto +[no]class +[no]ttlid +[no]ttlunits\n"
	      "             +[no]unknownformat +[no]onesoa +[no]yaml +[no]json\n"
	      "             +[no]idnin +[no]idnout (no IDN support: names as given)\n"
	      "  walks:     +trace +hints=FILE +nssearch (+no... to turn off)\n"
	      "  DNSSEC:    +chain (the chain of trust, link by link) +anchor=FILE\n"
	      "             (trust anchor, default /usr/share/dns/root.key) +hints=FILE\n"
	      "  not supported (exit 1): +besteffort +dns64prefix +fuzztime +https*\n"
	      "             +http-plain*\n", f);
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

/* NULL when name is a legal domain name (RFC 1035 §2.3.4 limits), else
 * dig's reason. */
static const char *name_problem(const char *name)
{
	ldns_rdf *d = NULL;
	ldns_status s;

	if (strlen(name) >= CDIG_NAME_TEXT)
		return "ran out of space";
	s = ldns_str2rdf_dname(&d, name);
	ldns_rdf_deep_free(d);
	switch (s) {
	case LDNS_STATUS_OK: return NULL;
	case LDNS_STATUS_DOMAINNAME_OVERFLOW: return "ran out of space";
	case LDNS_STATUS_LABEL_OVERFLOW: return "label too long";
	case LDNS_STATUS_EMPTY_LABEL: return "empty label";
	default: return ldns_get_errorstr_by_id(s);
	}
}

int cdig_check_name(const char *name)
{
	const char *why = name_problem(name);

	if (!why)
		return 0;
	if (strlen(name) >= CDIG_NAME_TEXT)
		fprintf(stderr, "cdig: '%.60s...' is not a legal name (%s)\n", name, why);
	else
		fprintf(stderr, "cdig: '%s' is not a legal name (%s)\n", name, why);
	return CDIG_EXIT_INTERNAL;     /* dig's exit status for it */
}

/* A new query for name from the global defaults. dig checks the name
 * when the lookup runs (name_bad); one too long to keep ends the parse.
 * The first query carries dig's banner when +cmd holds at that point. */
static int start_query(const struct cdig_query *glob, const struct qvec *qs,
		       bool first, const char *name, struct cdig_query *cur)
{
	if (strlen(name) >= sizeof(cur->name))
		return cdig_check_name(name);
	*cur = *glob;
	snprintf(cur->name, sizeof(cur->name), "%s", name);
	cur->name_bad = name_problem(name) != NULL;
	cur->greet = first && qs->n == 0 && glob->cmd && !glob->yaml && !glob->json;
	cur->have_name = true;
	return 0;
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

/* A type word, or IXFR=serial (RFC 1995 §3). */
static bool parse_qtype(const char *w, struct cdig_query *q)
{
	unsigned long v;
	uint16_t t;

	if (strncasecmp(w, "IXFR=", 5) == 0) {
		if (!parse_uint(w + 5, 0xffffffffUL, &v))
			return false;
		q->qtype = LDNS_RR_TYPE_IXFR;
		q->ixfr_serial = (uint32_t)v;
		return true;
	}
	if (!cdig_parse_type(w, &t))
		return false;
	q->qtype = t;
	return true;
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
	size_t first;

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
		first = qs->n;
		rc = parse_words(n, words, &g, qs, done, depth + 1);
		/* a line's options are its own (cdig_args_parse spreads
		 * only the command line's) */
		for (; first < qs->n; first++)
			qs->v[first].from_batch = true;
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
			/* dig's getaddresses(): appended to the query's list;
			 * before any name to every query's */
			if (!a[1] || strlen(a + 1) >= sizeof(t->server[0]))
				return usage_error("Invalid server", a);
			if (t->nserver == CDIG_MAX_SERVERS)
				return fail("too many servers at '%s'", a);
			strcpy(t->server[t->nserver++], a + 1);
			if (t == glob)
				glob->nserver_glob = glob->nserver;
		} else if (a[0] == '+' && a[1]) {
			rc = cdig_plus_option(a, t);
			if (rc)
				return rc;
			/* dig 9.18 keeps these in globals (short_form,
			 * yaml, printcmd): the last word wins for every
			 * lookup (cdig_args_parse spreads them) */
			glob->short_form = t->short_form;
			glob->yaml = t->yaml;
			glob->cmd = t->cmd;
		} else if (a[0] == '-' && a[1]) {
			char f = a[1];
			const char *val = NULL;

			if (strchr("46hvmru", f)) {
				if (a[2])
					return usage_error("Invalid option", a);
				if (f == '4' || f == '6') {
					t->family = f - '0';
					if (t == glob && have_cur)
						cur.family = t->family;
					continue;
				}
				if (f == 'm' || f == 'r')
					continue;   /* -m: dig's memory debugging; -r: see cdig_args_parse */
				if (f == 'u') {
					t->usec = true;
					continue;
				}
				if (f == 'h')
					cdig_args_usage(stdout);
				else
					printf("cdig %s (ldns %s, %s)\n", PACKAGE_VERSION,
					       ldns_version(), cdig_transport_version());
				*done = true;
				return 0;
			}
			if (!strchr("ptcxfbqky", f))
				return usage_error("Invalid option", a);
			val = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val)
				return usage_error("Missing argument for", a);
			switch (f) {
			case 'p':
				if (!parse_uint(val, 65535, &v))
					return fail("Couldn't parse port number '%s'", val);
				/* dig's port is one for the whole run: the
				 * last -p (cdig_args_parse spreads it) */
				glob->port = t->port = (uint16_t)v;
				glob->port_set = t->port_set = true;
				break;
			case 't':
				if (!parse_qtype(val, t))
					return fail("invalid type '%s'", val);
				t->qtype_set = true;
				break;
			case 'k':
				rc = cdig_key_from_file(val, &t->key);
				if (rc)
					return rc;
				break;
			case 'y':
				rc = cdig_key_from_arg(val, &t->key);
				if (rc)
					return rc;
				break;
			case 'c':
				if (!cdig_parse_class(val, &t->qclass))
					return fail("invalid class '%s'", val);
				t->qclass_set = true;
				break;
			case 'b': {
				/* -b address[#port] */
				const char *hash = strchr(val, '#');
				size_t al = hash ? (size_t)(hash - val) : strlen(val);
				struct cdig_server tmp;

				if (al >= sizeof(t->source))
					return fail("invalid address %s", val);
				memcpy(t->source, val, al);
				t->source[al] = '\0';
				t->source_port = 0;
				if (hash) {
					if (!parse_uint(hash + 1, 65535, &v))
						return fail("Couldn't parse port number '%s'", hash + 1);
					t->source_port = (uint16_t)v;
				}
				if (!cdig_server_from_text(t->source, 0, NULL, &tmp))
					return fail("invalid address %s", t->source);
				break;
			}
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
				if (f == 'x') {
					char rev[CDIG_NAME_TEXT];

					if (!cdig_reverse_name(val, rev, sizeof(rev)))
						return fail("'%s' is not a legal IPv4 or IPv6 address", val);
					rc = start_query(glob, qs, !have_cur, rev, &cur);
					cur.reverse = true;
					cur.qtype = LDNS_RR_TYPE_PTR;
					cur.qtype_set = true;
				} else {
					rc = start_query(glob, qs, !have_cur, val, &cur);
					cur.qtype_set = false;
				}
				if (rc)
					return rc;
				cur.qclass_set = false;
				have_cur = true;
				break;
			}
		} else {
			uint16_t v16;

			if (have_cur && !cur.qtype_set && !(strncasecmp(a, "CLASS", 5) == 0) &&
			    parse_qtype(a, &cur)) {
				cur.qtype_set = true;
				continue;
			}
			if (have_cur && !cur.qclass_set && cdig_parse_class(a, &v16)) {
				cur.qclass = v16;
				cur.qclass_set = true;
				continue;
			}
			if (!have_cur && !glob->qtype_set && parse_qtype(a, glob)) {
				/* dig: a type before any name applies to the
				 * (default) query. */
				glob->qtype_set = true;
				continue;
			}
			if (depth < 0)
				continue;   /* ~/.digrc: names are not taken from it */
			if (have_cur) {
				rc = push(qs, &cur);
				if (rc)
					return rc;
			}
			rc = start_query(glob, qs, !have_cur, a, &cur);
			if (rc)
				return rc;
			have_cur = true;
		}
	}
	if (have_cur)
		return push(qs, &cur);
	return 0;
}

/* dig reads ${HOME}/.digrc (unless -r is given) before the command line:
 * each line's options become defaults; names in it are ignored. */
static int read_digrc(int argc, char **argv, struct cdig_query *glob,
		      struct qvec *qs, bool *done)
{
	const char *home = getenv("HOME");
	char path[1024], line[4096];
	FILE *f;
	int i, rc = 0;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-r") == 0)
			return 0;
	if (!home || !*home || snprintf(path, sizeof(path), "%s/.digrc", home) >=
	    (int)sizeof(path))
		return 0;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *words[64], *save = NULL, *w;
		int n = 0;

		for (w = strtok_r(line, " \t\r\n", &save); w && n < 64;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		rc = parse_words(n, words, glob, qs, done, -1);
	}
	fclose(f);
	return rc;
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
	rc = read_digrc(argc, argv, &glob, &qs, done);
	if (rc == 0)
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
		/* dig makes its banner after reading every argument here */
		q.greet = glob.cmd && !glob.yaml && !glob.json;
		rc = push(&qs, &q);
	}
	/* dig 9.18: one port for every lookup, the last -p given (its
	 * global "port"), wherever it stands; the same for +short, +yaml
	 * and +cmd */
	for (size_t i = 0; rc == 0 && i < qs.n; i++) {
		if (qs.v[i].from_batch)
			continue;
		if (glob.port_set) {
			qs.v[i].port = glob.port;
			qs.v[i].port_set = true;
		}
		qs.v[i].short_form = glob.short_form;
		qs.v[i].yaml = glob.yaml;
		qs.v[i].cmd = glob.cmd;
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
