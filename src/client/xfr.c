/* cdig zone transfers: AXFR (RFC 5936) and IXFR=serial (RFC 1995) over one
 * TCP (or TLS, RFC 9103) connection, read message by message until the
 * closing SOA, each message's records printed as dig prints a transfer
 * (answer records only, TSIG record after them), then dig's statistics
 * with the "XFR size" line. Each message's TSIG is verified, the later
 * ones chained to the previous MAC, unsigned ones covered by the next MAC
 * (RFC 8945 §5.3.1, tsig_verify.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdig.h"

#define XFR_MAX_MESSAGES 1000000   /* bound on one transfer */

struct xfr_state {
	uint32_t first_serial;
	unsigned soa_seen;        /* SOAs with first_serial */
	unsigned nrec, nmsg;
	size_t bytes;
	bool incremental, done, second_checked;
	bool whole;               /* +json/+yaml: messages, not records */
	struct cdig_tsig_check *tsig;   /* with a key: the stream's check */
	bool cookie_known;        /* dig's l->cookie is set */
	bool tsig_failed;         /* dig's closing warning */
};

static uint32_t soa_serial(const ldns_rr *rr)
{
	const ldns_rdf *d = ldns_rr_rdf(rr, 2);

	return d && ldns_rdf_size(d) == 4 ? ldns_rdf2native_int32(d) : 0;
}

/* Walks one message's answer records; prints them; true when the
 * transfer is complete. RFC 5936 §2.2: AXFR ends with the first SOA
 * again; RFC 1995 §4: IXFR ends at the third SOA of the new serial
 * (incremental) or the second (AXFR-style), or at once when the answer is
 * the single current SOA. */
static int walk(const struct cdig_query *q, ldns_pkt *pkt, struct xfr_state *x,
		bool ixfr)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t i, n = ldns_rr_list_rr_count(an);

	for (i = 0; i < n && !x->done; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		bool is_soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
		bool print = true;

		if (x->nrec == 0) {
			if (!is_soa)
				return -1;
			x->first_serial = soa_serial(rr);
			x->soa_seen = 1;
		} else {
			if (x->nrec == 1 && ixfr)
				x->incremental = is_soa;
			if (is_soa && soa_serial(rr) == x->first_serial) {
				x->soa_seen++;
				if (x->soa_seen == ((ixfr && x->incremental) ? 3u : 2u)) {
					x->done = true;
					if (q->onesoa && !ixfr)
						print = false;
				}
			}
		}
		x->nrec++;
		if (print && q->answer && !x->whole)
			cdig_print_rr(stdout, q, rr, false);
	}
	/* IXFR, up to date: one SOA alone (RFC 1995 §2) */
	if (ixfr && x->nrec == 1 && n == 1 && ldns_pkt_ancount(pkt) == 1 &&
	    x->nmsg == 1)
		x->done = true;
	return 0;
}

static void print_stats(const struct cdig_server *s, unsigned ms,
			const struct xfr_state *x)
{
	char addr[80], when[128];
	time_t now = time(NULL);
	struct tm tm;

	cdig_server_addr(s, addr, sizeof(addr));
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Z %Y", &tm);
	printf(";; Query time: %u msec\n", ms);
	printf(";; SERVER: %s(%s) (TCP)\n", addr, s->label);
	printf(";; WHEN: %s\n", when);
	printf(";; XFR size: %u records (messages %u, bytes %zu)\n", x->nrec,
	       x->nmsg, x->bytes);
	if (x->tsig_failed)
		printf(";; WARNING -- Some TSIG could not be validated\n");
	putchar('\n');
}

/* dig's warning for a message whose TSIG does not verify (none with
 * +yaml); the transfer goes on, as in dig. */
static void tsig_warn(const struct cdig_query *q, struct xfr_state *x,
		      const char *why)
{
	if (!why)
		return;
	x->tsig_failed = true;
	if (!q->yaml)
		fprintf(q->json ? stderr : stdout, ";; Couldn't verify signature: %s\n", why);
}

static int one_server(const struct cdig_query *q, const struct cdig_server *s,
		      const struct sockaddr *src, const uint8_t *wire, size_t len,
		      const ldns_rdf *mac, bool *reached, bool *connect_failed,
		      struct cdig_banner *b)
{
	struct cdig_conn *c = NULL;
	struct xfr_state x = { 0 };
	enum cdig_xstatus st;
	uint64_t start = cairn_now_ms();
	char why[256], addr[80];
	int rc = CDIG_EXIT_OK;
	bool ixfr = q->qtype == LDNS_RR_TYPE_IXFR;
	const uint8_t *cc = NULL, *cv;     /* client cookie sent; one received */
	uint16_t cvl;
	cairn_err err;

	*reached = false;
	*connect_failed = false;
	x.whole = q->json || q->yaml;
	x.cookie_known = q->cookie_len > 0;
	if (!cdig_find_option(wire, len, WIRE_OPT_COOKIE, &cc, &cvl) || cvl < 8)
		cc = NULL;
	if (q->key.on && cdig_tsig_check_new(&q->key, mac, &x.tsig) != CAIRN_OK) {
		fprintf(stderr, "cdig: cannot verify with key %s\n", q->key.name);
		return CDIG_EXIT_INTERNAL;
	}
	cdig_server_addr(s, addr, sizeof(addr));
	err = cdig_conn_open(s, src, &q->tls, q->time_s * 1000, &c, &st, why, sizeof(why));
	if (err == CAIRN_OK && st == CDIG_X_OK)
		err = cdig_conn_send(c, wire, len, q->time_s * 1000, &st);
	if (err != CAIRN_OK) {
		rc = CDIG_EXIT_INTERNAL;
		goto done;
	}
	if (st != CDIG_X_OK) {
		/* dig's warning (none with +yaml) */
		if (!q->yaml && !q->json)
			printf(";; Connection to %s(%s) for %s failed: %s.\n", addr,
			       s->label, q->name, st == CDIG_X_REFUSED ? "connection refused" :
			       st == CDIG_X_TIMEOUT ? "timed out" : "failure");
		*connect_failed = true;
		goto done;
	}
	while (!x.done && x.nmsg < XFR_MAX_MESSAGES) {
		uint8_t *m = NULL;
		size_t ml = 0;
		ldns_pkt *p = NULL;

		err = cdig_conn_recv(c, q->time_s * 1000, &m, &ml, &st);
		if (err != CAIRN_OK) {
			rc = CDIG_EXIT_INTERNAL;
			break;
		}
		if (st != CDIG_X_OK) {
			if (x.nmsg == 0)
				printf(";; communications error to %s: %s\n", addr,
				       st == CDIG_X_TIMEOUT ? "timed out" : "end of file");
			else
				printf("; Transfer failed.\n");
			break;
		}
		*reached = true;
		if (ml < 12 || memcmp(m, wire, 2) != 0 ||
		    cdig_wire2pkt(&p, m, ml) != CAIRN_OK) {
			printf(";; Got bad packet: FORMERR\n%zu bytes\n", ml);
			free(m);
			break;
		}
		x.bytes += ml;
		/* RFC 8945 §5.3.1: unsigned messages between signed ones */
		if (x.tsig)
			tsig_warn(q, &x, cdig_tsig_check_next(x.tsig, m, ml));
		/* dig's banner comes with the first record it prints */
		cdig_print_banner(b, q);
		/* as dig: once it knows a server cookie (+cookie=hex, or
		 * one an earlier message returned for our client cookie), a
		 * message without OPT gets a warning */
		if (x.cookie_known && !ldns_pkt_edns(p)) {
			if (!x.whole)
				printf(";; expected opt record in response\n");
		} else if (cc && cdig_find_option(m, ml, WIRE_OPT_COOKIE, &cv, &cvl) &&
			   cvl >= 16 && memcmp(cv, cc, 8) == 0) {
			x.cookie_known = true;
		}
		x.nmsg++;
		if ((m[3] & 0xf) != 0) {
			if (ldns_pkt_tsig(p) && q->additional)
				cdig_print_rr(stdout, q, ldns_pkt_tsig(p), false);
			printf("; Transfer failed.\n");
			ldns_pkt_free(p);
			free(m);
			break;
		}
		if (walk(q, p, &x, ixfr) < 0) {
			printf("; Transfer failed.  Didn't start with SOA answer.\n");
			ldns_pkt_free(p);
			free(m);
			break;
		}
		if (x.whole) {
			/* +json / +yaml: each message of the transfer whole */
			struct cdig_reply r = { 0 };

			r.from = *s;
			r.tcp = true;
			r.tls = q->tls.on;
			r.ms = (unsigned)(cairn_now_ms() - start);
			r.len = ml;
			if (q->json) {
				cdig_json_message(stdout, p, m, ml, &r);
			} else {
				/* dig's transfer style: answer records (and
				 * the TSIG) only */
				struct cdig_query yq = *q;

				yq.comments = yq.question = yq.authority = false;
				cdig_yaml_message(stdout, &yq, p, m, ml, &r);
			}
		} else if (ldns_pkt_tsig(p) && q->additional) {
			cdig_print_rr(stdout, q, ldns_pkt_tsig(p), false);
		}
		ldns_pkt_free(p);
		free(m);
	}
	if (x.done && x.tsig)
		tsig_warn(q, &x, cdig_tsig_check_end(x.tsig));
	if (x.done && q->stats && !x.whole)
		print_stats(s, (unsigned)(cairn_now_ms() - start), &x);
done:
	cdig_tsig_check_free(x.tsig);
	cdig_conn_close(c);
	return rc;
}

int cdig_xfr(const struct cdig_query *q0, const struct cdig_server *srv,
	     size_t nsrv, struct cdig_banner *b)
{
	struct cdig_query q = *q0;
	struct cdig_server src_srv;
	const struct sockaddr *src = NULL;
	uint8_t *wire = NULL;
	size_t len = 0, i;
	ldns_rdf *mac = NULL;
	int rc = CDIG_EXIT_NOREPLY;
	bool reached = false, connect_failed = false;

	if (q.source[0]) {
		if (!cdig_server_from_text(q.source, q.source_port, NULL, &src_srv)) {
			fprintf(stderr, "cdig: invalid address %s\n", q.source);
			return CDIG_EXIT_USAGE;
		}
		src = (const struct sockaddr *)&src_srv.ss;
	}
	/* dig sends transfer requests with RD=0 */
	if (cdig_query_build(&q, q.name, q.qtype, q.qclass, false, &wire, &len) !=
	    CAIRN_OK) {
		fprintf(stderr, "cdig: '%s' is not a legal name\n", q.name);
		return CDIG_EXIT_INTERNAL;
	}
	if (q.key.on && cdig_tsig_sign(&q.key, &wire, &len, &mac) != CAIRN_OK) {
		fprintf(stderr, "cdig: could not sign the query with key %s\n", q.key.name);
		free(wire);
		return CDIG_EXIT_INTERNAL;
	}
	if (q.qr) {
		cdig_print_banner(b, &q);
		printf(";; QUERY SIZE: %zu\n\n", len);   /* dig prints only this */
	}
	for (i = 0; i < nsrv && !reached; i++) {
		if (src && src->sa_family != srv[i].ss.ss_family)
			continue;
		rc = one_server(&q, &srv[i], src, wire, len, mac, &reached,
				&connect_failed, b);
		if (rc)
			break;
	}
	if (!rc && !reached) {
		cdig_print_unreached(b, &q, connect_failed);
		rc = CDIG_EXIT_NOREPLY;
	}
	ldns_rdf_deep_free(mac);
	free(wire);
	return rc;
}
