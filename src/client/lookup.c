/* cdig lookups: one query line run as dig runs it. The search list
 * (+search, +domain, resolv.conf; RFC 1535 ndots), the query built and,
 * with a key, TSIG-signed (RFC 8945 §5.1), printed by +qr exactly as sent,
 * the exchange with dig's retries, then the reply's checks and dig's
 * resends: BADCOOKIE with the server's cookie (RFC 7873 §5.3), BADVERS
 * with the server's EDNS version (RFC 6891 §6.1.3), TSIG verification
 * (RFC 8945 §5.3), and the output in text, +short, +json or +yaml. */
#include <stdlib.h>
#include <string.h>

#include "cdig.h"
#include "config.h"

#define RCODE_BADCOOKIE 23     /* RFC 7873 §8 */
#define RCODE_BADVERS 16       /* RFC 6891 §9 */

void cdig_print_banner(struct cdig_banner *b, const struct cdig_query *q)
{
	int i;

	/* dig prints the command line only if it made one when it read the
	 * first name (+cmd then) */
	if (b->printed || !q->greet || !q->cmd || q->short_form || q->json || q->yaml)
		return;
	b->printed = true;
	printf("\n; <<>> cdig %s <<>>", PACKAGE_VERSION);
	for (i = 0; i < b->argc; i++)
		printf(" %s", b->argv[i]);
	putchar('\n');
	if (b->found)
		printf("; (%zu server%s found)\n", b->found, b->found == 1 ? "" : "s");
	printf(";; global options: +cmd\n");
}

void cdig_print_unreached(struct cdig_banner *b, const struct cdig_query *q,
			  bool tcp_refused)
{
	if (q->json) {
		/* not in dig; never inside the JSON on stdout */
		fprintf(stderr, ";; no servers could be reached\n");
		return;
	}
	if (q->yaml) {
		/* dig's dig_error() with +yaml */
		printf("- type: DIG_ERROR\n  message: |\n    no servers could be reached\n");
		return;
	}
	if (q->greet && !tcp_refused && !b->printed) {
		/* dig prints the lookup's command line it made when it read
		 * the first name, whatever +short came later */
		struct cdig_query g = *q;

		g.cmd = true;
		g.short_form = false;
		cdig_print_banner(b, &g);
	}
	printf(";; no servers could be reached\n");
}

static void print_short(const struct cdig_query *q, const struct cdig_reply *r)
{
	const ldns_rr_list *an = ldns_pkt_answer(r->pkt);
	size_t i;
	char addr[80];

	cdig_server_addr(&r->from, addr, sizeof(addr));
	*strrchr(addr, '#') = '\0';
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		char *s = cdig_rdata_text(q, ldns_rr_list_rr(an, i));

		if (q->identify)
			printf("%s from server %s in %u ms.\n", s ? s : "", addr, r->ms);
		else
			printf("%s\n", s ? s : "");
		free(s);
	}
}

static unsigned reply_rcode(const struct cdig_reply *r)
{
	return (unsigned)(r->wire[3] & 0xf) |
	       ((unsigned)ldns_pkt_edns_extended_rcode(r->pkt) << 4);
}

/* Prints the query as sent (+qr). */
static void print_query(const struct cdig_query *q, const uint8_t *wire,
			size_t len, const struct cdig_server *to)
{
	ldns_pkt *qp = NULL;
	struct cdig_reply qr = { 0 };

	qr.from = *to;
	qr.tcp = q->tcp || q->tls.on;
	qr.is_query = true;
	if (ldns_wire2pkt(&qp, wire, len) != LDNS_STATUS_OK)
		return;
	if (q->json)
		cdig_json_message(stdout, qp, wire, len, NULL);
	else if (q->yaml)
		cdig_yaml_message(stdout, q, qp, wire, len, &qr);
	else {
		if (q->comments)
			printf(";; Sending:\n");
		cdig_print_message(stdout, q, qp, wire, len, NULL);
		printf(";; QUERY SIZE: %zu\n\n", len);
	}
	ldns_pkt_free(qp);
}

static void print_reply(const struct cdig_query *q, struct cdig_reply *r,
			struct cdig_banner *b)
{
	cdig_print_banner(b, q);
	if (q->json) {
		cdig_json_message(stdout, r->pkt, r->wire, r->len, r);
	} else if (q->yaml) {
		cdig_yaml_message(stdout, q, r->pkt, r->wire, r->len, r);
	} else if (q->short_form) {
		print_short(q, r);
	} else {
		if (q->comments)
			printf(";; Got answer:\n");
		cdig_print_message(stdout, q, r->pkt, r->wire, r->len, r);
		if (q->stats)
			cdig_print_stats(stdout, r);
	}
}

/* The client cookie in wire (RFC 7873 §4), for the reply's check. */
static void note_cookie(const uint8_t *wire, size_t len, struct cdig_reply *r)
{
	const uint8_t *v;
	uint16_t vl;

	r->have_ccookie = cdig_find_option(wire, len, WIRE_OPT_COOKIE, &v, &vl) &&
			  vl >= 8;
	if (r->have_ccookie)
		memcpy(r->ccookie, v, 8);
}

struct attempt {
	struct cdig_query q;       /* options, adjusted by resends */
	const char *name;
	bool badcookie_seen;
	bool badvers_done;
};

/* Builds, signs, prints (+qr), sends once and reads one reply. */
static int exchange(struct attempt *a, const struct cdig_server *srv,
		    size_t nsrv, struct cdig_banner *b, struct cdig_reply *r)
{
	const struct cdig_query *q = &a->q;
	uint8_t *wire = NULL;
	size_t len = 0;
	ldns_rdf *mac = NULL;
	int rc = CDIG_EXIT_OK;
	cairn_err err;

	memset(r, 0, sizeof(*r));
	err = cdig_query_build(q, a->name, q->qtype, q->qclass, q->recurse, &wire, &len);
	if (err != CAIRN_OK) {
		fprintf(stderr, "cdig: '%s' is not a legal name (%s)\n", a->name,
			err == CAIRN_ELIMIT ? "ran out of space" : "bad name");
		return CDIG_EXIT_INTERNAL;
	}
	if (q->key.on && cdig_tsig_sign(&q->key, &wire, &len, &mac) != CAIRN_OK) {
		fprintf(stderr, "cdig: could not sign the query with key %s\n", q->key.name);
		rc = CDIG_EXIT_INTERNAL;
		goto done;
	}
	if (q->qr) {
		cdig_print_banner(b, q);
		print_query(q, wire, len, &srv[0]);
	}
	/* dig prints its warnings (communications errors) with +short
	 * too, not with +yaml (and cdig not inside +json) */
	err = cdig_query_send(q, srv, nsrv, wire, len, q->json || q->yaml, r);
	if (err == CAIRN_ENOMEM || err == CAIRN_EIO || err == CAIRN_EINVAL) {
		fprintf(stderr, "cdig: %s\n", err == CAIRN_EINVAL
			? "couldn't bind the source address" : cairn_strerror(err));
		rc = err == CAIRN_EINVAL ? CDIG_EXIT_USAGE : CDIG_EXIT_INTERNAL;
		goto done;
	}
	if (err != CAIRN_OK) {
		cdig_print_unreached(b, q, r->connect_failed);
		rc = CDIG_EXIT_NOREPLY;
		goto done;
	}
	note_cookie(wire, len, r);
	if (!q->usec)
		r->us = 0;
	if (q->key.on) {
		struct cdig_tsig_check *c = NULL;
		const char *why = cdig_tsig_check_new(&q->key, mac, &c) == CAIRN_OK
				  ? cdig_tsig_check_next(c, r->wire, r->len)
				  : "out of memory";

		cdig_tsig_check_free(c);
		if (why) {
			/* stdout as dig (a warning: not with +yaml), never
			 * inside a JSON document */
			if (!q->yaml)
				fprintf(q->json ? stderr : stdout,
					";; Couldn't verify signature: %s\n", why);
			r->tsig_failed = true;
		}
	}
done:
	ldns_rdf_deep_free(mac);
	free(wire);
	return rc;
}

/* One name: the exchange and dig's resends on BADCOOKIE and BADVERS. */
static int one_name(const struct cdig_query *q0, const char *name,
		    const struct cdig_server *srv, size_t nsrv,
		    struct cdig_banner *b, bool print, unsigned *rcode)
{
	struct attempt *a;
	struct cdig_reply r = { 0 };
	int rc, guard;

	a = calloc(1, sizeof(*a));
	if (!a)
		return CDIG_EXIT_INTERNAL;
	a->q = *q0;
	a->name = name;
	for (guard = 0; guard < 4; guard++) {
		unsigned rcv;

		rc = exchange(a, srv, nsrv, b, &r);
		if (rc)
			break;
		rcv = reply_rcode(&r);
		*rcode = rcv;
		if (rcv == RCODE_BADCOOKIE && a->q.badcookie && a->q.cookie) {
			const uint8_t *v;
			uint16_t vl;

			/* RFC 7873 §5.3: resend with the server cookie */
			if (a->q.showbadcookie && print)
				print_reply(&a->q, &r, b);
			if (cdig_find_option(r.wire, r.len, WIRE_OPT_COOKIE, &v, &vl) &&
			    vl >= 16 && vl <= 40 && !(a->badcookie_seen && a->q.tcp)) {
				if (!a->q.short_form && !a->q.json && !a->q.yaml)
					printf(";; BADCOOKIE, retrying%s.\n",
					       a->badcookie_seen ? " in TCP mode" : "");
				memcpy(a->q.cookie_val, v, vl);
				a->q.cookie_len = vl;
				if (a->badcookie_seen)
					a->q.tcp = true;
				a->badcookie_seen = true;
				cdig_reply_free(&r);
				continue;
			}
		}
		if (rcv == RCODE_BADVERS && a->q.ednsneg && !a->badvers_done &&
		    ldns_pkt_edns(r.pkt) &&
		    ldns_pkt_edns_version(r.pkt) < a->q.edns_version) {
			/* RFC 6891 §6.1.3: retry with the version it supports */
			a->q.edns_version = ldns_pkt_edns_version(r.pkt);
			a->badvers_done = true;
			if (!a->q.short_form && !a->q.json && !a->q.yaml)
				printf(";; BADVERS, retrying with EDNS version %u.\n",
				       a->q.edns_version);
			cdig_reply_free(&r);
			continue;
		}
		if (print || rcv != WIRE_RCODE_NXDOMAIN)
			print_reply(&a->q, &r, b);
		break;
	}
	cdig_reply_free(&r);
	free(a);
	return rc;
}

/* The names to try (RFC 1535 §3: fewer than ndots dots and not absolute:
 * the search list first). */
static size_t candidates(const struct cdig_query *q, char (*out)[CDIG_NAME_TEXT],
			 size_t max)
{
	char dom[CDIG_MAX_SEARCH][256];
	size_t nd = 0, n = 0, i, dots = 0, l = strlen(q->name);
	const char *p;

	for (p = q->name; *p; p++)
		dots += *p == '.';
	if (q->search && !q->reverse && l && q->name[l - 1] != '.' &&
	    (int)dots < q->ndots) {
		nd = cdig_search_list(q, dom, CDIG_MAX_SEARCH);
		for (i = 0; i < nd && n + 1 < max; i++) {
			/* a name with its search domain that is too long for
			 * a name is no candidate */
			int w = snprintf(out[n], CDIG_NAME_TEXT, "%.*s.%s", (int)l, q->name,
					 dom[i]);

			if (w > 0 && w < CDIG_NAME_TEXT)
				n++;
		}
	}
	snprintf(out[n++], CDIG_NAME_TEXT, "%s", q->name);
	return n;
}

int cdig_lookup(const struct cdig_query *q0, struct cdig_banner *b)
{
	struct cdig_server srv[CDIG_MAX_SERVERS];
	char (*names)[CDIG_NAME_TEXT] = NULL;
	struct cdig_query *q;
	size_t nsrv = 0, nn, i, found = 0;
	int rc = CDIG_EXIT_OK;

	/* dig checks a name when its lookup starts; a bad one ends the run
	 * (its fatal()) after the lookups before it */
	if (q0->name_bad)
		return cdig_check_name(q0->name);
	if (q0->chain)
		return cdig_chain(q0);
	if (q0->trace)
		return cdig_trace(q0);
	if (q0->nssearch)
		return cdig_nssearch(q0);
	q = malloc(sizeof(*q));
	if (!q)
		return CDIG_EXIT_INTERNAL;
	*q = *q0;
	if (q->tls.on && !q->port_set)
		q->port = 853;              /* RFC 7858 §3.1 */
	if (!q->tcp_set && (q->qtype == LDNS_RR_TYPE_ANY ||
			    q->qtype == LDNS_RR_TYPE_AXFR ||
			    q->qtype == LDNS_RR_TYPE_IXFR))
		q->tcp = true;   /* dig 9.18: ANY and transfers over TCP */
	if (cdig_servers(q, srv, &nsrv, &found) != CAIRN_OK) {
		if (!q->nserver)
			fprintf(stderr, "cdig: no usable nameserver in /etc/resolv.conf\n");
		else if (q->family == 4 && strchr(q->server[q->nserver - 1], ':')) {
			/* dig's words and status for -4 with an IPv6 server */
			fprintf(stderr, "cdig: couldn't get address for '%s': address "
				"family not supported\n", q->server[q->nserver - 1]);
			rc = CDIG_EXIT_USAGE;
			goto done;
		} else if (q->family) {
			/* dig prints this and exits 0; cdig exits 1 (cdig(1)) */
			fprintf(stderr, ";; No acceptable nameservers\n");
			rc = CDIG_EXIT_USAGE;
			goto done;
		}
		rc = CDIG_EXIT_INTERNAL;
		goto done;
	}
	if (!b->printed)
		b->found = found;
	if (q->qtype == LDNS_RR_TYPE_AXFR || q->qtype == LDNS_RR_TYPE_IXFR) {
		rc = cdig_xfr(q, srv, nsrv, b);
		goto done;
	}
	names = calloc(CDIG_MAX_SEARCH + 1, sizeof(*names));
	if (!names) {
		rc = CDIG_EXIT_INTERNAL;
		goto done;
	}
	nn = candidates(q, names, CDIG_MAX_SEARCH + 1);
	for (i = 0; i < nn; i++) {
		unsigned rcode = 0;
		bool last = i + 1 == nn;

		/* intermediate NXDOMAINs are shown only with +showsearch */
		rc = one_name(q, names[i], srv, nsrv, b, last || q->showsearch, &rcode);
		if (rc || rcode != WIRE_RCODE_NXDOMAIN || last)
			break;
	}
done:
	free(names);
	free(q);
	return rc;
}
