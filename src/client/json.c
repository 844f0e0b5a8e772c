/* cdig +json: one RFC 8427 ("Representing DNS Messages in JSON") object per
 * message: header members (ID, QR, Opcode, AA, ..., RCODE, counts), the
 * question (QNAME, QTYPE, ...), and questionRRs/answerRRs/authorityRRs/
 * additionalRRs as arrays of RR objects (NAME, TYPE, TYPEname, CLASS,
 * CLASSname, TTL, RDLENGTH, RDATAHEX and rdata<TYPE> in presentation
 * form). The OPT pseudo-RR appears in additionalRRs as TYPE 41. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdig.h"

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jhex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02X", p[i]);
	fputc('"', f);
}

static void rr_common(FILE *f, const char *ind, const char *name, unsigned type,
		      unsigned klass)
{
	char *tn = ldns_rr_type2str((ldns_rr_type)type);
	char *cn = ldns_rr_class2str((ldns_rr_class)klass);

	fprintf(f, "%s\"NAME\": ", ind);
	jstr(f, name);
	fprintf(f, ",\n%s\"TYPE\": %u,\n%s\"TYPEname\": ", ind, type, ind);
	jstr(f, tn);
	fprintf(f, ",\n%s\"CLASS\": %u,\n%s\"CLASSname\": ", ind, klass, ind);
	jstr(f, cn);
	free(tn);
	free(cn);
}

static void rr_json(FILE *f, const ldns_rr *rr, bool question)
{
	const char *ind = "      ";
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	char *tn = ldns_rr_type2str(ldns_rr_get_type(rr));
	char *rdata;
	ldns_buffer *b;

	fputs("    {\n", f);
	rr_common(f, ind, owner ? owner : "", ldns_rr_get_type(rr),
		  ldns_rr_get_class(rr));
	if (!question) {
		fprintf(f, ",\n%s\"TTL\": %u", ind, ldns_rr_ttl(rr));
		b = ldns_buffer_new(256);
		if (b && ldns_rr_rdata2buffer_wire(b, rr) == LDNS_STATUS_OK) {
			fprintf(f, ",\n%s\"RDLENGTH\": %zu,\n%s\"RDATAHEX\": ", ind,
				ldns_buffer_position(b), ind);
			jhex(f, ldns_buffer_begin(b), ldns_buffer_position(b));
		}
		ldns_buffer_free(b);
		{
			/* dig's presentation forms (LOC, SVCB, NSEC3 ...),
			 * unsplit: one JSON string per rdata */
			struct cdig_query dq;

			cdig_query_defaults(&dq);
			dq.split = 0;
			dq.split_set = true;
			rdata = cdig_rdata_text(&dq, rr);
		}
		/* RFC 8427 §2.2: rdata<TYPE> in presentation format */
		fprintf(f, ",\n%s\"rdata%s\": ", ind, tn ? tn : "");
		jstr(f, rdata ? rdata : "");
		free(rdata);
	}
	fputs("\n    }", f);
	free(owner);
	free(tn);
}

static void section(FILE *f, const char *key, const ldns_rr_list *l,
		    bool question, bool *first_member)
{
	size_t i, n = l ? ldns_rr_list_rr_count(l) : 0;

	if (n == 0)
		return;
	fprintf(f, "%s\n  \"%s\": [\n", *first_member ? "" : ",", key);
	*first_member = false;
	for (i = 0; i < n; i++) {
		rr_json(f, ldns_rr_list_rr(l, i), question);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ]", f);
}

/* RFC 6891 §6.1.2-6.1.3: the OPT RR as the message carried it. */
static void opt_item(FILE *f, ldns_pkt *pkt)
{
	const char *ind = "      ";
	ldns_rdf *data = ldns_pkt_edns_data(pkt);
	uint32_t ttl = ((uint32_t)ldns_pkt_edns_extended_rcode(pkt) << 24) |
		       ((uint32_t)ldns_pkt_edns_version(pkt) << 16) |
		       ldns_pkt_edns_z(pkt);

	fputs("    {\n", f);
	rr_common(f, ind, ".", LDNS_RR_TYPE_OPT, ldns_pkt_edns_udp_size(pkt));
	fprintf(f, ",\n%s\"TTL\": %u,\n%s\"RDLENGTH\": %zu,\n%s\"RDATAHEX\": ",
		ind, ttl, ind, data ? ldns_rdf_size(data) : 0, ind);
	jhex(f, data ? ldns_rdf_data(data) : NULL, data ? ldns_rdf_size(data) : 0);
	fputs("\n    }", f);
}

void cdig_json_message(FILE *f, ldns_pkt *pkt, const uint8_t *wire,
		       size_t len, const struct cdig_reply *r)
{
	unsigned flags;
	bool first = false, had_add;
	const ldns_rr_list *qs = ldns_pkt_question(pkt);
	char when[64], addr[80];
	time_t now = time(NULL);
	struct tm tm;

	if (len < 12)
		return;
	flags = (unsigned)((wire[2] << 8) | wire[3]);
	fputs("{\n", f);
	/* RFC 8427 §2.1 message members */
	fprintf(f, "  \"ID\": %u,\n", (unsigned)((wire[0] << 8) | wire[1]));
	fprintf(f, "  \"QR\": %s,\n", (flags & 0x8000) ? "true" : "false");
	fprintf(f, "  \"Opcode\": %u,\n", (flags >> 11) & 0xf);
	fprintf(f, "  \"AA\": %s,\n", (flags & 0x0400) ? "true" : "false");
	fprintf(f, "  \"TC\": %s,\n", (flags & 0x0200) ? "true" : "false");
	fprintf(f, "  \"RD\": %s,\n", (flags & 0x0100) ? "true" : "false");
	fprintf(f, "  \"RA\": %s,\n", (flags & 0x0080) ? "true" : "false");
	fprintf(f, "  \"AD\": %s,\n", (flags & 0x0020) ? "true" : "false");
	fprintf(f, "  \"CD\": %s,\n", (flags & 0x0010) ? "true" : "false");
	fprintf(f, "  \"RCODE\": %u,\n",
		(flags & 0xf) | ((unsigned)ldns_pkt_edns_extended_rcode(pkt) << 4));
	fprintf(f, "  \"QDCOUNT\": %u,\n", (unsigned)((wire[4] << 8) | wire[5]));
	fprintf(f, "  \"ANCOUNT\": %u,\n", (unsigned)((wire[6] << 8) | wire[7]));
	fprintf(f, "  \"NSCOUNT\": %u,\n", (unsigned)((wire[8] << 8) | wire[9]));
	fprintf(f, "  \"ARCOUNT\": %u", (unsigned)((wire[10] << 8) | wire[11]));
	if (qs && ldns_rr_list_rr_count(qs) == 1) {
		const ldns_rr *q = ldns_rr_list_rr(qs, 0);
		char *qn = ldns_rdf2str(ldns_rr_owner(q));
		char *tn = ldns_rr_type2str(ldns_rr_get_type(q));
		char *cn = ldns_rr_class2str(ldns_rr_get_class(q));

		fputs(",\n  \"QNAME\": ", f);
		jstr(f, qn);
		fprintf(f, ",\n  \"QTYPE\": %u,\n  \"QTYPEname\": ", ldns_rr_get_type(q));
		jstr(f, tn);
		fprintf(f, ",\n  \"QCLASS\": %u,\n  \"QCLASSname\": ", ldns_rr_get_class(q));
		jstr(f, cn);
		free(qn);
		free(tn);
		free(cn);
	}
	section(f, "questionRRs", qs, true, &first);
	section(f, "answerRRs", ldns_pkt_answer(pkt), false, &first);
	section(f, "authorityRRs", ldns_pkt_authority(pkt), false, &first);
	/* additionalRRs in wire order: records, OPT (RFC 6891 §6.1.1), then
	 * TSIG (RFC 8945 §4.2), which ldns keeps apart */
	had_add = ldns_rr_list_rr_count(ldns_pkt_additional(pkt)) > 0;
	if (had_add || ldns_pkt_edns(pkt) || ldns_pkt_tsig(pkt)) {
		size_t i, n = ldns_rr_list_rr_count(ldns_pkt_additional(pkt));
		bool any = false;

		fprintf(f, "%s\n  \"additionalRRs\": [\n", first ? "" : ",");
		first = false;
		for (i = 0; i < n; i++) {
			if (any)
				fputs(",\n", f);
			rr_json(f, ldns_rr_list_rr(ldns_pkt_additional(pkt), i), false);
			any = true;
		}
		if (ldns_pkt_edns(pkt)) {
			if (any)
				fputs(",\n", f);
			opt_item(f, pkt);
			any = true;
		}
		if (ldns_pkt_tsig(pkt)) {
			if (any)
				fputs(",\n", f);
			rr_json(f, ldns_pkt_tsig(pkt), false);
		}
		fputs("\n  ]", f);
	}
	fputs(",\n  \"messageOctetsHEX\": ", f);
	jhex(f, wire, len);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs(",\n  \"dateString\": ", f);
	jstr(f, when);
	fprintf(f, ",\n  \"dateSeconds\": %lld", (long long)now);
	if (r) {
		char comment[512];

		cdig_server_addr(&r->from, addr, sizeof(addr));
		snprintf(comment, sizeof(comment), "from %s(%s) over %s in %u ms",
			 addr, r->from.label, r->tcp ? "TCP" : "UDP", r->ms);
		fputs(",\n  \"comment\": ", f);
		jstr(f, comment);
	}
	fputs("\n}\n", f);
}
