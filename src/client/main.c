/* cdig main: parse the command line, run each query, print as dig does and
 * return dig's exit code (0 answer, 1 usage, 8 batch file, 9 no reply,
 * 10 internal error). */
#include <stdlib.h>
#include <string.h>

#include "cdig.h"
#include "config.h"

struct banner {
	int argc;
	char **argv;
	bool printed;
};

static void print_banner(struct banner *b, const struct cdig_query *q,
			 size_t nsrv)
{
	int i;

	if (b->printed || !q->cmd || q->short_form || q->json)
		return;
	b->printed = true;
	printf("\n; <<>> cdig %s <<>>", PACKAGE_VERSION);
	for (i = 0; i < b->argc; i++)
		printf(" %s", b->argv[i]);
	putchar('\n');
	if (q->server[0])
		printf("; (%zu server%s found)\n", nsrv, nsrv == 1 ? "" : "s");
	printf(";; global options: +cmd\n");
}

/* +bufsize=0: ldns omits an OPT whose fields are all zero; put the
 * advertised size (the OPT class, RFC 6891 §6.1.2) back to 0 in the last
 * (option-less) RR of the wire query. */
static void patch_bufsize(const struct cdig_query *q, uint8_t *w, size_t len)
{
	if ((q->edns || q->dnssec) && q->bufsize == 0 && !q->dnssec && len >= 23 &&
	    w[len - 11] == 0 && w[len - 10] == 0 && w[len - 9] == 41) {
		w[len - 8] = 0;
		w[len - 7] = 0;
	}
}

static void print_short(const struct cdig_query *q, const struct cdig_reply *r)
{
	const ldns_rr_list *an = ldns_pkt_answer(r->pkt);
	size_t i;
	char addr[80];

	cdig_server_addr(&r->from, addr, sizeof(addr));
	*strrchr(addr, '#') = '\0';
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		char *s = cdig_rdata_str(ldns_rr_list_rr(an, i));

		if (q->identify)
			printf("%s from server %s in %u ms.\n", s ? s : "", addr, r->ms);
		else
			printf("%s\n", s ? s : "");
		free(s);
	}
}

static int run_query(const struct cdig_query *q, struct banner *b)
{
	struct cdig_server srv[CDIG_MAX_SERVERS];
	struct cdig_query tq;
	struct cdig_reply r = { 0 };
	size_t nsrv = 0;
	uint8_t *wire = NULL;
	size_t len = 0;
	int rc = CDIG_EXIT_OK;
	cairn_err err;

	if (q->trace)
		return cdig_trace(q);
	if (q->nssearch)
		return cdig_nssearch(q);
	if (cdig_servers(q, srv, &nsrv) != CAIRN_OK) {
		if (!q->server[0])
			fprintf(stderr, "cdig: no usable nameserver in /etc/resolv.conf\n");
		else if (q->family)
			fprintf(stderr, "cdig: no IPv%d address for server '%s'\n",
				q->family, q->server);
		return CDIG_EXIT_INTERNAL;
	}
	err = cdig_query_build(q, q->name, q->qtype, q->qclass, q->recurse, &wire,
			       &len);
	if (err != CAIRN_OK) {
		fprintf(stderr, "cdig: '%s' is not a legal name\n", q->name);
		return err == CAIRN_EINVAL ? CDIG_EXIT_USAGE : CDIG_EXIT_INTERNAL;
	}
	patch_bufsize(q, wire, len);
	if (!q->tcp_set && (q->qtype == LDNS_RR_TYPE_ANY ||
			    q->qtype == LDNS_RR_TYPE_AXFR ||
			    q->qtype == LDNS_RR_TYPE_IXFR)) {
		/* dig 9.18 sends ANY (and zone transfers) over TCP unless
		 * +notcp is given. */
		tq = *q;
		tq.tcp = true;
		q = &tq;
	}
	if (q->qr) {
		ldns_pkt *qp = NULL;

		print_banner(b, q, nsrv);
		if (ldns_wire2pkt(&qp, wire, len) == LDNS_STATUS_OK) {
			if (q->json) {
				cdig_json_message(stdout, qp, wire, len, NULL);
			} else {
				if (q->comments)
					printf(";; Sending:\n");
				cdig_print_message(stdout, q, qp, wire, len, true);
				printf(";; QUERY SIZE: %zu\n\n", len);
			}
			ldns_pkt_free(qp);
		}
	}
	err = cdig_query_send(q, srv, nsrv, wire, len, q->short_form || q->json, &r);
	if (err == CAIRN_ENOMEM || err == CAIRN_EIO || err == CAIRN_EINVAL) {
		fprintf(stderr, "cdig: %s\n", err == CAIRN_EINVAL
			? "invalid source address" : cairn_strerror(err));
		rc = err == CAIRN_EINVAL ? CDIG_EXIT_USAGE : CDIG_EXIT_INTERNAL;
		goto done;
	}
	print_banner(b, q, nsrv);
	if (err != CAIRN_OK) {
		printf(";; no servers could be reached\n");
		if (q->json || q->short_form)
			fprintf(stderr, ";; no servers could be reached\n");
		rc = CDIG_EXIT_NOREPLY;
		goto done;
	}
	if (q->json) {
		cdig_json_message(stdout, r.pkt, r.wire, r.len, &r);
	} else if (q->short_form) {
		print_short(q, &r);
	} else {
		if (q->comments)
			printf(";; Got answer:\n");
		cdig_print_message(stdout, q, r.pkt, r.wire, r.len, false);
		if (q->stats)
			cdig_print_stats(stdout, &r);
	}
done:
	cdig_reply_free(&r);
	free(wire);
	return rc;
}

int main(int argc, char **argv)
{
	struct cdig_query *qs = NULL;
	size_t n = 0, i;
	bool done = false;
	int rc, last = CDIG_EXIT_OK;
	struct banner b = { argc - 1, argv + 1, false };

	if (cdig_transport_init() != CAIRN_OK) {
		fprintf(stderr, "cdig: c-ares initialisation failed\n");
		return CDIG_EXIT_INTERNAL;
	}
	rc = cdig_args_parse(argc - 1, argv + 1, &qs, &n, &done);
	if (rc || done) {
		last = rc;
		goto done;
	}
	for (i = 0; i < n; i++) {
		qs[i].argc = argc - 1;
		qs[i].argv = argv + 1;
		rc = run_query(&qs[i], &b);
		if (rc)
			last = rc;
		fflush(stdout);
	}
done:
	free(qs);
	cdig_transport_cleanup();
	return last;
}
