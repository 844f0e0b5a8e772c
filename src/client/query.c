/* cdig queries: building the wire query with ldns, choosing the servers
 * (@server, a name via getaddrinfo, or /etc/resolv.conf), and sending with
 * dig's rules: tries and timeout per server, TC=1 over UDP retried over
 * TCP unless +ignore (RFC 7766 §5, RFC 1035 §4.2.1). */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netdb.h>

#include "cdig.h"

void cdig_reply_free(struct cdig_reply *r)
{
	free(r->wire);
	if (r->pkt)
		ldns_pkt_free(r->pkt);
	r->wire = NULL;
	r->pkt = NULL;
}

cairn_err cdig_query_build(const struct cdig_query *q, const char *name,
			   uint16_t type, uint16_t klass, bool rd,
			   uint8_t **wire, size_t *len)
{
	ldns_rdf *owner = NULL;
	ldns_rr *qrr = NULL;
	ldns_pkt *pkt = NULL;
	cairn_err err = CAIRN_OK;

	*wire = NULL;
	*len = 0;
	if (ldns_str2rdf_dname(&owner, name) != LDNS_STATUS_OK) {
		err = CAIRN_EINVAL;
		goto done;
	}
	pkt = ldns_pkt_new();
	qrr = ldns_rr_new();
	if (!pkt || !qrr) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	ldns_rr_set_owner(qrr, owner);
	owner = NULL;
	ldns_rr_set_type(qrr, type);
	ldns_rr_set_class(qrr, klass);
	ldns_rr_set_question(qrr, true);
	if (!ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, qrr)) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	qrr = NULL;
	ldns_pkt_set_id(pkt, ldns_get_random());
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_QUERY);
	ldns_pkt_set_rd(pkt, rd);
	ldns_pkt_set_ad(pkt, q->adflag);
	ldns_pkt_set_cd(pkt, q->cdflag);
	if (q->edns || q->dnssec) {
		/* RFC 6891 §6.1.1-6.2.3: OPT with our buffer size; DO from
		 * RFC 3225 (+dnssec). */
		ldns_pkt_set_edns_udp_size(pkt, q->bufsize);
		ldns_pkt_set_edns_version(pkt, 0);
		ldns_pkt_set_edns_do(pkt, q->dnssec);
		ldns_pkt_set_edns_unassigned(pkt, 0);
		/* ldns writes OPT only when something is set; udp size 0 is
		 * legal (+bufsize=0), mark presence through the DO bit path */
		if (q->bufsize == 0 && !q->dnssec)
			ldns_pkt_set_edns_udp_size(pkt, 512);
	}
	if (ldns_pkt2wire(wire, pkt, len) != LDNS_STATUS_OK) {
		*wire = NULL;
		err = CAIRN_ENOMEM;
	}
done:
	ldns_rdf_deep_free(owner);
	if (qrr)
		ldns_rr_free(qrr);
	if (pkt)
		ldns_pkt_free(pkt);
	return err;
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

cairn_err cdig_servers(const struct cdig_query *q, struct cdig_server *srv,
		       size_t *n)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int rc;

	*n = 0;
	if (!q->server[0]) {
		resolv_conf(q, srv, n);
		if (*n == 0 && family_ok(q, AF_INET)) {
			/* no resolv.conf: dig falls back to the loopback */
			cdig_server_from_text("127.0.0.1", q->port, NULL, &srv[0]);
			*n = 1;
		}
		return *n ? CAIRN_OK : CAIRN_ENOTFOUND;
	}
	if (cdig_server_from_text(q->server, q->port, q->server, &srv[0])) {
		if (!family_ok(q, srv[0].ss.ss_family))
			return CAIRN_ENOTFOUND;
		*n = 1;
		return CAIRN_OK;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->family == 4 ? AF_INET : q->family == 6 ? AF_INET6
								     : AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%u", q->port);
	rc = getaddrinfo(q->server, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "cdig: couldn't get address for '%s': %s\n",
			q->server, gai_strerror(rc));
		return CAIRN_ENOTFOUND;
	}
	for (ai = res; ai && *n < CDIG_MAX_SERVERS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(srv[*n].ss))
			continue;
		memset(&srv[*n], 0, sizeof(srv[*n]));
		memcpy(&srv[*n].ss, ai->ai_addr, ai->ai_addrlen);
		srv[*n].len = ai->ai_addrlen;
		snprintf(srv[*n].label, sizeof(srv[*n].label), "%s", q->server);
		(*n)++;
	}
	freeaddrinfo(res);
	return *n ? CAIRN_OK : CAIRN_ENOTFOUND;
}

static const char *xstatus_text(enum cdig_xstatus st)
{
	switch (st) {
	case CDIG_X_TIMEOUT: return "timed out";
	case CDIG_X_REFUSED: return "connection refused";
	default: return "failure";
	}
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

		err = cdig_transport_exchange(s, src, tcp, q->time_s * 1000, wire,
					      len, &resp, &rlen, &st, &ms);
		if (err != CAIRN_OK)
			return err;
		if (st == CDIG_X_OK) {
			out->wire = resp;
			out->len = rlen;
			out->from = *s;
			out->tcp = tcp;
			out->ms = ms;
			return CAIRN_OK;
		}
		if (!quiet) {
			if (tcp)
				printf(";; Connection to %s(%s) for %s failed: %s.\n",
				       addr, s->label, q->name, xstatus_text(st));
			else
				printf(";; communications error to %s: %s\n", addr,
				       xstatus_text(st));
		}
		if (tcp && st == CDIG_X_REFUSED)
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
		if (!cdig_server_from_text(q->source, 0, NULL, &src_srv))
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
		if (ldns_wire2pkt(&out->pkt, out->wire, out->len) != LDNS_STATUS_OK) {
			out->pkt = NULL;
			if (!quiet)
				printf(";; Got bad packet: FORMERR\n%zu bytes\n", out->len);
			cdig_reply_free(out);
			err = CAIRN_ENOTFOUND;
			continue;
		}
		return CAIRN_OK;
	}
	return err == CAIRN_OK ? CAIRN_ENOTFOUND : err;
}
