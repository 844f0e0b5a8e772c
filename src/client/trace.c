/* cdig +trace and +nssearch. +trace resolves iteratively as dig does: the
 * root NS set comes from the server (or from a +hints file), then each
 * referral is followed with RD=0 (RFC 1034 §5.3.3), printing each
 * response's answer and authority records and dig's "Received" line.
 * Servers named without glue are resolved through the server, or, with
 * +hints, by a quiet iteration from the root. Every walk is bounded. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdig.h"
#include "config.h"

#define TRACE_MAX_NS      16   /* NS names kept per delegation */
#define TRACE_MAX_ADDR    4    /* addresses kept per NS name */
#define TRACE_MAX_STEPS   24   /* referrals followed per walk */
#define TRACE_MAX_DEPTH   3    /* nested glueless lookups */
#define TRACE_MAX_QUERIES 200  /* queries per +trace in all */

struct ns_entry {
	char name[CDIG_NAME_TEXT];      /* presentation form, absolute */
	struct cdig_server addr[TRACE_MAX_ADDR];
	size_t naddr;
	bool looked_up;
};

struct deleg {
	char zone[CDIG_NAME_TEXT];
	struct ns_entry ns[TRACE_MAX_NS];
	size_t n;
};

struct trace {
	const struct cdig_query *q;
	struct cdig_query it;           /* options of iterative queries */
	struct cdig_server res[CDIG_MAX_SERVERS];
	size_t nres;                    /* 0: no resolver (+hints) */
	struct deleg root;
	int queries;
};

static char *rdf_str(const ldns_rdf *d)
{
	char *s = ldns_rdf2str(d);
	return s;
}

static bool name_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* True when name equals zone or lies below it (presentation forms). */
static bool is_sub(const char *name, const char *zone)
{
	size_t ln = strlen(name), lz = strlen(zone);

	if (strcmp(zone, ".") == 0)
		return true;
	if (ln < lz || strcasecmp(name + ln - lz, zone) != 0)
		return false;
	return ln == lz || name[ln - lz - 1] == '.';
}

static struct ns_entry *deleg_ns(struct deleg *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (name_eq(d->ns[i].name, name))
			return &d->ns[i];
	if (d->n == TRACE_MAX_NS)
		return NULL;
	memset(&d->ns[d->n], 0, sizeof(d->ns[d->n]));
	snprintf(d->ns[d->n].name, sizeof(d->ns[d->n].name), "%s", name);
	return &d->ns[d->n++];
}

static void ns_add_addr(struct trace *t, struct ns_entry *e, const ldns_rr *rr)
{
	char *a;
	char label[CDIG_NAME_TEXT];
	size_t l;
	ldns_rr_type ty = ldns_rr_get_type(rr);

	if (e->naddr == TRACE_MAX_ADDR || ldns_rr_rd_count(rr) != 1)
		return;
	if ((ty == LDNS_RR_TYPE_A && t->q->family == 6) ||
	    (ty == LDNS_RR_TYPE_AAAA && t->q->family == 4))
		return;
	a = rdf_str(ldns_rr_rdf(rr, 0));
	snprintf(label, sizeof(label), "%s", e->name);
	l = strlen(label);
	if (l > 1 && label[l - 1] == '.')
		label[l - 1] = '\0';     /* dig prints the NS name without the dot */
	if (a && cdig_server_from_text(a, 53, label, &e->addr[e->naddr]))
		e->naddr++;
	free(a);
}

/* Glue: A/AAAA records in l for the NS names of d. */
static void deleg_glue(struct trace *t, struct deleg *d, const ldns_rr_list *l)
{
	size_t i, j;

	for (i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *owner;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
		    ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA)
			continue;
		owner = rdf_str(ldns_rr_owner(rr));
		for (j = 0; owner && j < d->n; j++)
			if (name_eq(owner, d->ns[j].name))
				ns_add_addr(t, &d->ns[j], rr);
		free(owner);
	}
}

/* Builds d from the NS records owned by zone in l (NULL zone: any). */
static bool deleg_from(struct trace *t, struct deleg *d, const ldns_rr_list *l,
		       const char *zone, const ldns_rr_list *glue)
{
	size_t i;

	d->n = 0;
	d->zone[0] = '\0';
	for (i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		char *owner, *target;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(rr) != 1)
			continue;
		owner = rdf_str(ldns_rr_owner(rr));
		target = rdf_str(ldns_rr_rdf(rr, 0));
		if (owner && target && (!zone || name_eq(owner, zone)) &&
		    (!d->zone[0] || name_eq(owner, d->zone))) {
			snprintf(d->zone, sizeof(d->zone), "%s", owner);
			deleg_ns(d, target);
		}
		free(owner);
		free(target);
	}
	deleg_glue(t, d, glue);
	return d->n > 0;
}

static cairn_err ask(struct trace *t, const struct cdig_query *o,
		     const struct cdig_server *srv, size_t nsrv, const char *name,
		     uint16_t type, bool rd, struct cdig_reply *r)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	cairn_err err;

	if (++t->queries > TRACE_MAX_QUERIES)
		return CAIRN_ELIMIT;
	err = cdig_query_build(o, name, type, t->q->qclass, rd, &wire, &len);
	if (err == CAIRN_OK)
		err = cdig_query_send(o, srv, nsrv, wire, len, true, r);
	free(wire);
	return err;
}

static cairn_err walk(struct trace *t, const char *name, uint16_t type,
		      bool print, int depth, struct cdig_reply *final);

/* Addresses of a server named without glue (a glueless delegation). */
static void lookup_ns(struct trace *t, struct ns_entry *e, int depth)
{
	static const uint16_t types[] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };
	size_t k, i;

	e->looked_up = true;
	for (k = 0; k < 2; k++) {
		struct cdig_reply r = { 0 };
		const ldns_rr_list *an;
		cairn_err err;

		if ((types[k] == LDNS_RR_TYPE_A && t->q->family == 6) ||
		    (types[k] == LDNS_RR_TYPE_AAAA && t->q->family != 6))
			continue;
		if (t->nres) {
			struct cdig_query o = *t->q;
			o.recurse = true;
			o.dnssec = false;
			err = ask(t, &o, t->res, t->nres, e->name, types[k], true, &r);
		} else if (depth < TRACE_MAX_DEPTH) {
			err = walk(t, e->name, types[k], false, depth + 1, &r);
		} else {
			err = CAIRN_ELIMIT;
		}
		if (err != CAIRN_OK)
			continue;
		an = ldns_pkt_answer(r.pkt);
		for (i = 0; i < ldns_rr_list_rr_count(an); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) == types[k])
				ns_add_addr(t, e, ldns_rr_list_rr(an, i));
		cdig_reply_free(&r);
	}
}

static void print_received(const struct cdig_reply *r)
{
	char addr[80];

	cdig_server_addr(&r->from, addr, sizeof(addr));
	printf(";; Received %zu bytes from %s(%s) in %u ms\n\n", r->len, addr,
	       r->from.label, r->ms);
}

/* Iterates name/type from t->root. With print, shows each step as dig
 * does. On CAIRN_OK *final holds the last response (caller frees). */
static cairn_err walk(struct trace *t, const char *name, uint16_t type,
		      bool print, int depth, struct cdig_reply *final)
{
	struct deleg *cur;
	cairn_err err = CAIRN_ENOTFOUND;
	int step;

	memset(final, 0, sizeof(*final));
	cur = malloc(sizeof(*cur));
	if (!cur)
		return CAIRN_ENOMEM;
	*cur = t->root;
	for (step = 0; step < TRACE_MAX_STEPS; step++) {
		struct cdig_reply r = { 0 };
		const ldns_rr_list *au;
		struct deleg *next;
		size_t i;
		bool got = false;

		for (i = 0; i < cur->n && !got; i++) {
			struct ns_entry *e = &cur->ns[i];

			if (e->naddr == 0 && !e->looked_up)
				lookup_ns(t, e, depth);
			if (e->naddr == 0)
				continue;
			err = ask(t, &t->it, e->addr, e->naddr, name, type, false, &r);
			if (err == CAIRN_ENOMEM || err == CAIRN_ELIMIT)
				goto done;
			got = err == CAIRN_OK;
		}
		if (!got) {
			if (print)
				printf(";; no response from the servers of %s\n", cur->zone);
			err = CAIRN_ENOTFOUND;
			goto done;
		}
		if (print) {
			cdig_print_section(stdout, t->q, ldns_pkt_answer(r.pkt));
			cdig_print_section(stdout, t->q, ldns_pkt_authority(r.pkt));
			print_received(&r);
		}
		au = ldns_pkt_authority(r.pkt);
		next = malloc(sizeof(*next));
		if (!next) {
			cdig_reply_free(&r);
			err = CAIRN_ENOMEM;
			goto done;
		}
		/* RFC 1034 §5.3.3 step 4: an answer or a name error ends the
		 * walk; a referral (NS closer to the name, AA clear) is
		 * followed; anything else is the final (NODATA, lame) answer. */
		if (ldns_pkt_get_rcode(r.pkt) == LDNS_RCODE_NOERROR &&
		    ldns_rr_list_rr_count(ldns_pkt_answer(r.pkt)) == 0 &&
		    deleg_from(t, next, au, NULL, ldns_pkt_additional(r.pkt)) &&
		    is_sub(next->zone, cur->zone) && !name_eq(next->zone, cur->zone) &&
		    is_sub(name, next->zone)) {
			free(cur);
			cur = next;
			cdig_reply_free(&r);
			continue;
		}
		free(next);
		*final = r;
		err = CAIRN_OK;
		goto done;
	}
	if (print)
		printf(";; too many referrals for %s\n", name);
	err = CAIRN_ELIMIT;
done:
	free(cur);
	return err;
}

static bool load_hints(struct trace *t, const char *path, bool print)
{
	FILE *f = fopen(path, "r");
	ldns_zone *z = NULL;
	ldns_status s;
	int line = 0;
	bool ok = false;

	if (!f) {
		fprintf(stderr, "cdig: cannot open hints file '%s': %m\n", path);
		return false;
	}
	s = ldns_zone_new_frm_fp_l(&z, f, NULL, 3600, LDNS_RR_CLASS_IN, &line);
	fclose(f);
	if (s != LDNS_STATUS_OK) {
		fprintf(stderr, "cdig: %s:%d: %s\n", path, line,
			ldns_get_errorstr_by_id(s));
		return false;
	}
	if (deleg_from(t, &t->root, ldns_zone_rrs(z), ".", ldns_zone_rrs(z))) {
		size_t i;
		ldns_rr_list *l = ldns_zone_rrs(z);

		for (i = 0; print && i < ldns_rr_list_rr_count(l); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == LDNS_RR_TYPE_NS)
				cdig_print_rr(stdout, t->q, ldns_rr_list_rr(l, i), false);
		if (print)
			printf(";; Read root hints from %s\n\n", path);
		ok = true;
	} else {
		fprintf(stderr, "cdig: no root NS records in hints file '%s'\n", path);
	}
	ldns_zone_deep_free(z);
	return ok;
}

static void trace_banner(const struct cdig_query *q)
{
	int i;

	if (!q->cmd || q->short_form)
		return;
	printf("\n; <<>> cdig %s <<>>", PACKAGE_VERSION);
	for (i = 0; i < q->argc; i++)
		printf(" %s", q->argv[i]);
	putchar('\n');
	if (q->nserver)
		printf("; (1 server found)\n");
	printf(";; global options: +cmd\n");
}

int cdig_trace(const struct cdig_query *q)
{
	struct trace *t;
	struct cdig_reply r = { 0 };
	int rc = CDIG_EXIT_OK;
	cairn_err err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return CDIG_EXIT_INTERNAL;
	t->q = q;
	t->it = *q;
	t->it.recurse = false;
	t->it.dnssec = true;     /* dig's +trace sets +dnssec */
	t->it.tcp = q->tcp;
	trace_banner(q);
	if (q->hints[0]) {
		if (!load_hints(t, q->hints, true)) {
			rc = CDIG_EXIT_USAGE;
			goto done;
		}
	} else {
		if (cdig_servers(q, t->res, &t->nres, NULL) != CAIRN_OK) {
			rc = CDIG_EXIT_INTERNAL;
			goto done;
		}
		/* RFC 8109 §3: the priming query ". NS", here with RD=1 to the
		 * resolver as dig does. */
		err = ask(t, &t->it, t->res, t->nres, ".", LDNS_RR_TYPE_NS, true, &r);
		if (err != CAIRN_OK) {
			printf(";; no servers could be reached\n");
			rc = CDIG_EXIT_NOREPLY;
			goto done;
		}
		cdig_print_section(stdout, q, ldns_pkt_answer(r.pkt));
		print_received(&r);
		if (!deleg_from(t, &t->root, ldns_pkt_answer(r.pkt), ".",
				ldns_pkt_additional(r.pkt))) {
			printf(";; no root name servers in the answer\n");
			rc = CDIG_EXIT_NOREPLY;
			goto done;
		}
		cdig_reply_free(&r);
	}
	{
		char abs[CDIG_NAME_TEXT + 1];
		size_t l = strlen(q->name);

		snprintf(abs, sizeof(abs), "%s%s", q->name,
			 l && q->name[l - 1] == '.' ? "" : ".");
		err = walk(t, abs, q->qtype, true, 0, &r);
	}
	if (err == CAIRN_ENOMEM)
		rc = CDIG_EXIT_INTERNAL;
	else if (err != CAIRN_OK)
		rc = CDIG_EXIT_NOREPLY;
done:
	cdig_reply_free(&r);
	free(t);
	return rc;
}

int cdig_nssearch(const struct cdig_query *q)
{
	struct trace *t;
	struct cdig_reply r = { 0 };
	struct deleg *d;
	struct cdig_query o = *q;
	size_t i, j;
	int rc = CDIG_EXIT_OK, answered = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return CDIG_EXIT_INTERNAL;
	t->q = q;
	d = &t->root;
	if (cdig_servers(q, t->res, &t->nres, NULL) != CAIRN_OK) {
		rc = CDIG_EXIT_INTERNAL;
		goto done;
	}
	o.dnssec = false;
	if (ask(t, &o, t->res, t->nres, q->name, LDNS_RR_TYPE_NS, true, &r) !=
	    CAIRN_OK) {
		printf(";; no servers could be reached\n");
		rc = CDIG_EXIT_NOREPLY;
		goto done;
	}
	if (!deleg_from(t, d, ldns_pkt_answer(r.pkt), NULL, ldns_pkt_additional(r.pkt))) {
		fprintf(stderr, "cdig: no name servers for %s\n", q->name);
		rc = CDIG_EXIT_OK;
		goto done;
	}
	cdig_reply_free(&r);
	o.recurse = false;
	for (i = 0; i < d->n; i++) {
		struct ns_entry *e = &d->ns[i];

		if (e->naddr == 0)
			lookup_ns(t, e, 0);
		if (e->naddr == 0)
			fprintf(stderr, "couldn't get address for '%s': not found\n", e->name);
		for (j = 0; j < e->naddr; j++) {
			char addr[80], *soa;

			if (ask(t, &o, &e->addr[j], 1, q->name, LDNS_RR_TYPE_SOA, false,
				&r) != CAIRN_OK) {
				cdig_server_addr(&e->addr[j], addr, sizeof(addr));
				printf(";; no response from %s\n", addr);
				continue;
			}
			cdig_server_addr(&e->addr[j], addr, sizeof(addr));
			*strrchr(addr, '#') = '\0';
			if (ldns_rr_list_rr_count(ldns_pkt_answer(r.pkt)) > 0 &&
			    ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0)) ==
				    LDNS_RR_TYPE_SOA) {
				soa = cdig_rdata_str(ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0));
				printf("SOA %s from server %s in %u ms.\n", soa ? soa : "", addr,
				       r.ms);
				free(soa);
				answered++;
			} else {
				printf(";; %s (%s) is not authoritative for %s\n", addr,
				       e->name, q->name);
			}
			cdig_reply_free(&r);
		}
	}
	if (!answered)
		rc = CDIG_EXIT_NOREPLY;
done:
	cdig_reply_free(&r);
	free(t);
	return rc;
}

/* +chain +hints: a quiet iteration from the hints file (chain.c). */
struct cdig_iter { struct trace t; };

struct cdig_iter *cdig_iter_new(const struct cdig_query *q)
{
	struct cdig_iter *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->t.q = q;
	it->t.it = *q;
	it->t.it.recurse = false;
	it->t.it.dnssec = true;
	if (!load_hints(&it->t, q->hints, false)) {
		free(it);
		return NULL;
	}
	return it;
}

cairn_err cdig_iter_query(struct cdig_iter *it, const char *name, uint16_t type,
			  struct cdig_reply *r)
{
	it->t.queries = 0;     /* TRACE_MAX_QUERIES bounds each walk */
	return walk(&it->t, name, type, false, 0, r);
}

void cdig_iter_free(struct cdig_iter *it)
{
	free(it);
}
