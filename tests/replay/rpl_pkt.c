/* rpl_pkt: packets of the .rpl harness — matching a packet against an
 * entry's MATCH keywords (sections as unordered sets of records, TTLs only
 * with `ttl`), building an entry's reply (ADJUST copy_id / copy_query) and
 * printing packets for failure messages. */
#include "rpl.h"
#include "cairn/wire.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static bool why(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool why(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The records of l as sorted canonical strings (TTL zeroed unless ttl). */
static char **list_strings(const ldns_rr_list *l, bool ttl, size_t *n)
{
	size_t cnt = l ? ldns_rr_list_rr_count(l) : 0;
	char **v = calloc(cnt + 1, sizeof(*v));

	if (!v)
		abort();
	for (size_t i = 0; i < cnt; i++) {
		ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(l, i));
		if (!rr)
			abort();
		if (!ttl)
			ldns_rr_set_ttl(rr, 0);
		ldns_rr2canonical(rr);
		v[i] = ldns_rr2str(rr);
		ldns_rr_free(rr);
		if (!v[i])
			abort();
	}
	qsort(v, cnt, sizeof(*v), cmp_str);
	*n = cnt;
	return v;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool same_set(const ldns_rr_list *want, const ldns_rr_list *got, bool ttl,
		     const char *name, char *w, size_t wl)
{
	size_t nw, ng;
	char **vw = list_strings(want, ttl, &nw), **vg = list_strings(got, ttl, &ng);
	bool ok = nw == ng;

	for (size_t i = 0; ok && i < nw; i++)
		ok = strcmp(vw[i], vg[i]) == 0;
	if (!ok)
		why(w, wl, "%s section differs (%zu records expected, %zu got)", name, nw, ng);
	strings_free(vw, nw);
	strings_free(vg, ng);
	return ok;
}

/* The EDE info-code of p's OPT, -1 when it has none (RFC 8914 §2). */
static int ede_code(const ldns_pkt *p)
{
	const ldns_rdf *d = ldns_pkt_edns_data(p);
	const uint8_t *b;
	size_t len, pos = 0;

	if (!d)
		return -1;
	b = ldns_rdf_data(d);
	len = ldns_rdf_size(d);
	while (pos + 4 <= len) {
		uint16_t code = (uint16_t)(b[pos] << 8 | b[pos + 1]);
		uint16_t olen = (uint16_t)(b[pos + 2] << 8 | b[pos + 3]);
		if (pos + 4 + olen > len)
			break;
		if (code == WIRE_OPT_EDE && olen >= 2)
			return b[pos + 4] << 8 | b[pos + 5];
		pos += 4 + (size_t)olen;
	}
	return -1;
}

static bool flags_equal(const ldns_pkt *a, const ldns_pkt *b)
{
	return ldns_pkt_qr(a) == ldns_pkt_qr(b) && ldns_pkt_aa(a) == ldns_pkt_aa(b) &&
	       ldns_pkt_tc(a) == ldns_pkt_tc(b) && ldns_pkt_rd(a) == ldns_pkt_rd(b) &&
	       ldns_pkt_ra(a) == ldns_pkt_ra(b) && ldns_pkt_ad(a) == ldns_pkt_ad(b) &&
	       ldns_pkt_cd(a) == ldns_pkt_cd(b);
}

static void flags_str(const ldns_pkt *p, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s%s%s", ldns_pkt_qr(p) ? " QR" : "",
		 ldns_pkt_aa(p) ? " AA" : "", ldns_pkt_tc(p) ? " TC" : "",
		 ldns_pkt_rd(p) ? " RD" : "", ldns_pkt_ra(p) ? " RA" : "",
		 ldns_pkt_ad(p) ? " AD" : "", ldns_pkt_cd(p) ? " CD" : "");
}

static bool match_pkt(const struct rpl_entry *e, const ldns_pkt *got, bool tcp,
		      char *w, size_t wl)
{
	const ldns_pkt *want = e->pkt;
	unsigned m = e->match;
	const ldns_rr *wq = ldns_rr_list_rr(ldns_pkt_question(want), 0);
	const ldns_rr *gq = ldns_rr_list_rr(ldns_pkt_question(got), 0);
	bool ttl = (m & RPL_M_TTL) != 0;

	if ((m & RPL_M_TCP) && !tcp)
		return why(w, wl, "sent over UDP, entry wants tcp");
	if ((m & RPL_M_UDP) && tcp)
		return why(w, wl, "sent over TCP, entry wants udp");
	if ((m & RPL_M_OPCODE) && ldns_pkt_get_opcode(want) != ldns_pkt_get_opcode(got))
		return why(w, wl, "opcode differs");
	if (m & (RPL_M_QTYPE | RPL_M_QNAME | RPL_M_QCASE | RPL_M_SUBDOMAIN)) {
		if (!wq)
			return why(w, wl, "entry (line %u) has no question to match", e->line);
		if (!gq)
			return why(w, wl, "packet has no question");
	}
	if ((m & RPL_M_QTYPE) && ldns_rr_get_type(wq) != ldns_rr_get_type(gq))
		return why(w, wl, "qtype differs");
	if ((m & RPL_M_QNAME) && ldns_dname_compare(ldns_rr_owner(wq), ldns_rr_owner(gq)) != 0)
		return why(w, wl, "qname differs");
	if (m & RPL_M_QCASE) {
		const ldns_rdf *a = ldns_rr_owner(wq), *b = ldns_rr_owner(gq);
		if (ldns_rdf_size(a) != ldns_rdf_size(b) ||
		    memcmp(ldns_rdf_data(a), ldns_rdf_data(b), ldns_rdf_size(a)) != 0)
			return why(w, wl, "qname case differs");
	}
	if ((m & RPL_M_SUBDOMAIN) &&
	    ldns_dname_compare(ldns_rr_owner(wq), ldns_rr_owner(gq)) != 0 &&
	    !ldns_dname_is_subdomain(ldns_rr_owner(gq), ldns_rr_owner(wq)))
		return why(w, wl, "qname not at or below the entry's");
	if ((m & RPL_M_FLAGS) && !flags_equal(want, got)) {
		char a[40], b[40];
		flags_str(want, a, sizeof(a));
		flags_str(got, b, sizeof(b));
		return why(w, wl, "flags differ: expected%s, got%s", a, b);
	}
	if ((m & RPL_M_RCODE) && ldns_pkt_get_rcode(want) != ldns_pkt_get_rcode(got)) {
		char *a = ldns_pkt_rcode2str(ldns_pkt_get_rcode(want));
		char *b = ldns_pkt_rcode2str(ldns_pkt_get_rcode(got));
		why(w, wl, "rcode: expected %s, got %s", a ? a : "?", b ? b : "?");
		free(a);
		free(b);
		return false;
	}
	if ((m & RPL_M_QUESTION) && !same_set(ldns_pkt_question(want), ldns_pkt_question(got),
					       false, "question", w, wl))
		return false;
	if ((m & RPL_M_ANSWER) && !same_set(ldns_pkt_answer(want), ldns_pkt_answer(got),
					     ttl, "answer", w, wl))
		return false;
	if ((m & RPL_M_AUTHORITY) && !same_set(ldns_pkt_authority(want),
						ldns_pkt_authority(got), ttl, "authority", w, wl))
		return false;
	if ((m & RPL_M_ADDITIONAL) && !same_set(ldns_pkt_additional(want),
						 ldns_pkt_additional(got), ttl, "additional",
						 w, wl))
		return false;
	if ((m & RPL_M_DO) && !ldns_pkt_edns_do(got))
		return why(w, wl, "DO bit not set");
	if ((m & RPL_M_NOEDNS) && ldns_pkt_edns(got))
		return why(w, wl, "has EDNS, entry wants noedns");
	if ((m & RPL_M_EDNS) && !ldns_pkt_edns(got))
		return why(w, wl, "has no EDNS, entry wants edns");
	if (m & RPL_M_EDE) {
		int code = ede_code(got);
		if (code < 0)
			return why(w, wl, "no EDE option (expected %s)",
				   e->ede == RPL_EDE_ANY ? "any" : "a code");
		if (e->ede != RPL_EDE_ANY && code != e->ede)
			return why(w, wl, "EDE %d expected, got %d", e->ede, code);
	}
	return true;
}

bool rpl_match(const struct rpl_entry *e, const uint8_t *pkt, size_t len, bool tcp,
	       char *w, size_t wl)
{
	ldns_pkt *got = NULL;
	bool ok;

	if (ldns_wire2pkt(&got, pkt, len) != LDNS_STATUS_OK)
		return why(w, wl, "packet does not parse");
	ok = match_pkt(e, got, tcp, w, wl);
	ldns_pkt_free(got);
	return ok;
}

cairn_err rpl_reply(const struct rpl_entry *e, const uint8_t *q, size_t qlen,
		    uint8_t **out, size_t *outlen)
{
	ldns_pkt *p = NULL, *query = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;
	cairn_err err = CAIRN_EFORMAT;

	*out = NULL;
	if (e->raw) {
		buf = malloc(e->raw_len);
		if (!buf)
			return CAIRN_ENOMEM;
		memcpy(buf, e->raw, e->raw_len);
		if (e->copy_id && e->raw_len >= 2 && qlen >= 2)
			memcpy(buf, q, 2);
		*out = buf;
		*outlen = e->raw_len;
		return CAIRN_OK;
	}
	p = ldns_pkt_clone(e->pkt);
	if (!p)
		return CAIRN_ENOMEM;
	if (e->copy_id && qlen >= 2)
		ldns_pkt_set_id(p, (uint16_t)(q[0] << 8 | q[1]));
	if (e->copy_query) {
		ldns_rr_list *ql;
		if (ldns_wire2pkt(&query, q, qlen) != LDNS_STATUS_OK)
			goto done;
		ql = ldns_rr_list_clone(ldns_pkt_question(query));
		if (!ql) {
			err = CAIRN_ENOMEM;
			goto done;
		}
		ldns_rr_list_deep_free(ldns_pkt_question(p));
		ldns_pkt_set_question(p, ql);
		ldns_pkt_set_qdcount(p, (uint16_t)ldns_rr_list_rr_count(ql));
	}
	if (ldns_pkt2wire(&buf, p, &size) != LDNS_STATUS_OK)
		goto done;
	*out = buf;
	*outlen = size;
	err = CAIRN_OK;
done:
	ldns_pkt_free(p);
	ldns_pkt_free(query);
	return err;
}

char *rpl_entry_str(const struct rpl_entry *e)
{
	char *s = ldns_pkt2str(e->pkt);
	char *o, *line, *next;

	if (!s)
		abort();
	/* drop ldns's lines about the exchange (time, size, server) */
	for (o = line = s; line && *line; line = next) {
		size_t n;
		next = strchr(line, '\n');
		n = next ? (size_t)(++next - line) : strlen(line);
		if (strncmp(line, ";; Query time", 13) == 0 || strncmp(line, ";; WHEN", 7) == 0 ||
		    strncmp(line, ";; MSG SIZE", 11) == 0 || strncmp(line, ";; SERVER", 9) == 0 ||
		    (n == 1 && *line == '\n'))
			continue;
		memmove(o, line, n);
		o += n;
	}
	*o = '\0';
	return s;
}

char *rpl_pkt_str(const uint8_t *pkt, size_t len)
{
	ldns_pkt *p = NULL;
	char *s = NULL;

	if (ldns_wire2pkt(&p, pkt, len) == LDNS_STATUS_OK) {
		struct rpl_entry e = { .pkt = p };
		s = rpl_entry_str(&e);
	}
	ldns_pkt_free(p);
	if (!s) {
		s = malloc(len * 2 + 64);
		if (!s)
			abort();
		int n = sprintf(s, "(unparsable, %zu bytes) ", len);
		for (size_t i = 0; i < len; i++)
			n += sprintf(s + n, "%02x", pkt[i]);
	}
	return s;
}

bool rpl_addr_is(const struct rpl_addr *a, const struct cairn_sockaddr *sa)
{
	if (a->family == AF_INET && sa->ss.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&sa->ss)->sin_addr, a->a, 4) == 0;
	if (a->family == AF_INET6 && sa->ss.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&sa->ss)->sin6_addr, a->a, 16) == 0;
	return false;
}
