/* cdig queries: building the wire query with ldns, choosing the servers
 * (@server, a name via getaddrinfo, or /etc/resolv.conf), and sending with
 * dig's rules: tries and timeout per server, TC=1 over UDP retried over
 * TCP unless +ignore (RFC 7766 §5, RFC 1035 §4.2.1). */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <time.h>

#include "cdig.h"

void cdig_reply_free(struct cdig_reply *r)
{
	free(r->wire);
	if (r->pkt)
		ldns_pkt_free(r->pkt);
	r->wire = NULL;
	r->pkt = NULL;
}

bool cdig_server_from_text(const char *addr, uint16_t port, const char *label,
			   struct cdig_server *out)
{
	struct sockaddr_in *sin = (void *)&out->ss;
	struct sockaddr_in6 *sin6 = (void *)&out->ss;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof(*sin6);
	} else {
		return false;
	}
	snprintf(out->label, sizeof(out->label), "%s", label ? label : addr);
	return true;
}

void cdig_server_addr(const struct cdig_server *s, char *buf, size_t len)
{
	struct cairn_sockaddr sa = { .ss = s->ss, .len = s->len };

	cairn_sockaddr_format(&sa, buf, len);
}

static bool family_ok(const struct cdig_query *q, int af)
{
	return q->family == 0 || (q->family == 4 && af == AF_INET) ||
	       (q->family == 6 && af == AF_INET6);
}

/* /etc/resolv.conf: every "nameserver" line, in order. */
static void resolv_conf(const struct cdig_query *q, struct cdig_server *srv,
			size_t *n)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[512], addr[256];

	if (!f)
		return;
	while (*n < CDIG_MAX_SERVERS && fgets(line, sizeof(line), f)) {
		char *pct;

		if (sscanf(line, " nameserver %255s", addr) != 1)
			continue;
		pct = strchr(addr, '%');     /* scope ids are not supported */
		if (pct)
			*pct = '\0';
		if (cdig_server_from_text(addr, q->port, addr, &srv[*n]) &&
		    family_ok(q, srv[*n].ss.ss_family))
			(*n)++;
	}
	fclose(f);
}

size_t cdig_search_list(const struct cdig_query *q, char (*out)[256],
			size_t max)
{
	FILE *f;
	char line[1024];
	size_t n = 0;

	if (q->domain[0]) {
		snprintf(out[0], 256, "%s", q->domain);
		goto strip;
	}
	f = fopen("/etc/resolv.conf", "r");
	if (!f)
		return 0;
	/* resolv.conf(5): the last "search" or "domain" line wins */
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *w = strtok_r(line, " \t\r\n", &save);

		if (!w || (strcmp(w, "search") != 0 && strcmp(w, "domain") != 0))
			continue;
		n = 0;
		while ((w = strtok_r(NULL, " \t\r\n", &save)) && n < max)
			if (strlen(w) < 256)
				snprintf(out[n++], 256, "%s", w);
	}
	fclose(f);
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(out[i]);
		if (l > 1 && out[i][l - 1] == '.')
			out[i][l - 1] = '\0';
	}
	return n;
strip:
	{
		size_t l = strlen(out[0]);
		if (l > 1 && out[0][l - 1] == '.')
			out[0][l - 1] = '\0';
	}
	return 1;
}

/* Appends the addresses of one @server word (an address, or a name
 * through getaddrinfo) to srv[]; returns how many, or -1 when the name
 * does not resolve (dig's message printed). */
static int server_word(const struct cdig_query *q, const char *word,
		       struct cdig_server *srv, size_t *n)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	size_t before = *n;
	int rc;

	if (*n >= CDIG_MAX_SERVERS)
		return 0;
	if (cdig_server_from_text(word, q->port, word, &srv[*n])) {
		if (!family_ok(q, srv[*n].ss.ss_family))
			return 0;
		(*n)++;
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->family == 4 ? AF_INET : q->family == 6 ? AF_INET6
								     : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%u", q->port);
	rc = getaddrinfo(word, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "cdig: couldn't get address for '%s': %s\n",
			word, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && *n < CDIG_MAX_SERVERS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(srv[*n].ss))
			continue;
		memset(&srv[*n], 0, sizeof(srv[*n]));
		memcpy(&srv[*n].ss, ai->ai_addr, ai->ai_addrlen);
		srv[*n].len = ai->ai_addrlen;
		snprintf(srv[*n].label, sizeof(srv[*n].label), "%s", word);
		(*n)++;
	}
	freeaddrinfo(res);
	return (int)(*n - before);
}

cairn_err cdig_servers(const struct cdig_query *q, struct cdig_server *srv,
		       size_t *n, size_t *found)
{
	size_t i;
	int got;

	*n = 0;
	if (found)
		*found = 0;
	if (!q->nserver) {
		resolv_conf(q, srv, n);
		if (*n == 0 && family_ok(q, AF_INET)) {
			/* no resolv.conf: dig falls back to the loopback */
			cdig_server_from_text("127.0.0.1", q->port, NULL, &srv[0]);
			*n = 1;
		}
		return *n ? CAIRN_OK : CAIRN_ENOTFOUND;
	}
	/* dig: the lookup's servers are tried in the order given */
	for (i = 0; i < q->nserver; i++) {
		got = server_word(q, q->server[i], srv, n);
		if (got < 0) {
			*n = 0;
			return CAIRN_ENOTFOUND;
		}
		if (found && i + 1 == q->nserver_glob)
			*found = (size_t)got;
	}
	return *n ? CAIRN_OK : CAIRN_ENOTFOUND;
}

static const char *xstatus_text(enum cdig_xstatus st)
{
	switch (st) {
	case CDIG_X_TIMEOUT: return "timed out";
	case CDIG_X_REFUSED: return "connection refused";
	case CDIG_X_UNREACH: return "host unreachable";
	case CDIG_X_EOF: return "end of file";
	case CDIG_X_TLS: return "TLS error";
	default: return "failure";
	}
}

/* +keepopen: the kept connection if it goes to s (same address and
 * port, as dig's isc_sockaddr_equal, and the same TLS-ness); any other
 * kept connection is closed, as dig detaches it (dighost.c). */
static struct cdig_conn *take_kept(const struct cdig_query *q,
				   const struct cdig_server *s)
{
	struct cdig_keep *k = q->keep;
	struct cdig_conn *c;

	if (!k || !k->conn)
		return NULL;
	c = k->conn;
	k->conn = NULL;
	if (q->keepopen && cdig_same_server(&k->srv, s) && k->tls == q->tls.on)
		return c;
	cdig_conn_close(c);
	return NULL;
}

/* One exchange over TCP or TLS: connect (or, with +keepopen, take the
 * connection kept from the previous lookup: *kept; *connect_failed when
 * connecting failed), send, read one message. A kept connection the server has closed meanwhile (RFC 7766
 * §6.2.3) fails this try as in dig, and the next try connects anew. */
static cairn_err stream_exchange(const struct cdig_query *q,
				 const struct cdig_server *s,
				 const struct sockaddr *src, const uint8_t *wire,
				 size_t len, uint8_t **resp, size_t *rlen,
				 enum cdig_xstatus *st, unsigned *ms, char *why,
				 size_t whylen, bool *kept, bool *connect_failed)
{
	struct cdig_conn *c = take_kept(q, s);
	uint64_t start = cairn_now_ms();
	cairn_err err;

	*kept = c != NULL;
	if (!c) {
		err = cdig_conn_open(s, src, &q->tls, q->time_s * 1000, &c, st,
				     why, whylen);
		if (err != CAIRN_OK || *st != CDIG_X_OK) {
			*connect_failed = true;
			goto done;
		}
	}
	err = cdig_conn_send(c, wire, len, q->time_s * 1000, st);
	if (err != CAIRN_OK || *st != CDIG_X_OK)
		goto done;
	err = cdig_conn_recv(c, q->time_s * 1000, resp, rlen, st);
	if (err == CAIRN_OK && *st == CDIG_X_OK && q->keepopen && q->keep) {
		/* dig keeps the socket for the next lookup (dighost.c) */
		q->keep->conn = c;
		q->keep->srv = *s;
		q->keep->tls = q->tls.on;
		c = NULL;
	}
done:
	*ms = (unsigned)(cairn_now_ms() - start);
	cdig_conn_close(c);
	return err;
}

/* One server, dig's tries: UDP is tried q->tries times, TCP once per try
 * round as well; prints the error lines dig prints. */
static cairn_err try_server(const struct cdig_query *q,
			    const struct cdig_server *s,
			    const struct sockaddr *src, bool tcp,
			    const uint8_t *wire, size_t len, bool quiet,
			    struct cdig_reply *out)
{
	int t;
	char addr[INET6_ADDRSTRLEN + 8];
	cairn_err err;

	cdig_server_addr(s, addr, sizeof(addr));
	for (t = 0; t < q->tries; t++) {
		enum cdig_xstatus st;
		uint8_t *resp = NULL;
		size_t rlen = 0;
		unsigned ms = 0;
		char why[256] = "";
		struct timespec t0, t1;
		bool kept = false;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		out->connect_failed = false;
		if (tcp || q->tls.on)
			err = stream_exchange(q, s, src, wire, len, &resp, &rlen, &st,
					      &ms, why, sizeof(why), &kept,
					      &out->connect_failed);
		else
			err = cdig_udp_exchange(s, src, q->time_s * 1000, wire, len,
						quiet, &resp, &rlen, &st, &ms);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (err != CAIRN_OK)
			return err;
		if (st == CDIG_X_OK) {
			/* -u: microseconds, as dig */
			out->us = (unsigned)((t1.tv_sec - t0.tv_sec) * 1000000 +
					     (t1.tv_nsec - t0.tv_nsec) / 1000);
			if (out->us == 0)
				out->us = 1;
			out->wire = resp;
			out->len = rlen;
			out->from = *s;
			out->tcp = tcp || q->tls.on;
			out->tls = q->tls.on;
			out->ms = ms;
			return CAIRN_OK;
		}
		if (!quiet) {
			if (st == CDIG_X_TLS)
				printf(";; TLS peer certificate verification for %s failed: %s\n",
				       addr, why[0] ? why : "handshake failed");
			else if ((tcp || q->tls.on) && !kept)
				printf(";; Connection to %s(%s) for %s failed: %s.\n",
				       addr, s->label, q->name, xstatus_text(st));
			else
				printf(";; communications error to %s: %s\n", addr,
				       xstatus_text(st));
		}
		if ((tcp || q->tls.on) && (st == CDIG_X_REFUSED || st == CDIG_X_TLS))
			break;
	}
	return CAIRN_ENOTFOUND;
}

cairn_err cdig_query_send(const struct cdig_query *q,
			  const struct cdig_server *srv, size_t nsrv,
			  const uint8_t *wire, size_t len, bool quiet,
			  struct cdig_reply *out)
{
	struct cdig_server src_srv;
	const struct sockaddr *src = NULL;
	size_t i;
	cairn_err err = CAIRN_ENOTFOUND;

	memset(out, 0, sizeof(*out));
	if (q->source[0]) {
		if (!cdig_server_from_text(q->source, q->source_port, NULL, &src_srv))
			return CAIRN_EINVAL;
		src = (const struct sockaddr *)&src_srv.ss;
	}
	for (i = 0; i < nsrv; i++) {
		if (src && src->sa_family != srv[i].ss.ss_family)
			continue;
		err = try_server(q, &srv[i], src, q->tcp, wire, len, quiet, out);
		if (err == CAIRN_ENOMEM || err == CAIRN_EIO)
			return err;
		if (err != CAIRN_OK)
			continue;
		/* RFC 1035 §4.2.1 / RFC 7766 §5: a truncated UDP answer is
		 * retried over TCP (dig's rule, unless +ignore). */
		if (!q->tcp && !q->ignore_tc && out->len >= 4 &&
		    (out->wire[2] & 0x02)) {
			struct cdig_reply udp = *out;

			if (!quiet && q->comments && !q->short_form && !q->json)
				printf(";; Truncated, retrying in TCP mode.\n");
			err = try_server(q, &srv[i], src, true, wire, len, quiet, out);
			if (err != CAIRN_OK) {
				*out = udp;   /* keep the truncated answer */
				err = CAIRN_OK;
			} else {
				free(udp.wire);
			}
		}
		if (cdig_wire2pkt(&out->pkt, out->wire, out->len) != CAIRN_OK) {
			if (!quiet)
				printf(";; Got bad packet: FORMERR\n%zu bytes\n", out->len);
			cdig_reply_free(out);
			err = CAIRN_ENOTFOUND;
			continue;
		}
		/* +fail: a SERVFAIL answer moves on to the next server */
		if (q->fail && i + 1 < nsrv && (out->wire[3] & 0xf) == 2) {
			cdig_reply_free(out);
			err = CAIRN_ENOTFOUND;
			continue;
		}
		return CAIRN_OK;
	}
	return err == CAIRN_OK ? CAIRN_ENOTFOUND : err;
}
