/* cdig +yaml: dig 9.18's YAML layout: one "- type: MESSAGE" document item
 * per message with its kind, times, size, addresses, then the header
 * fields, the OPT pseudosection and each section's records as quoted
 * one-line strings. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cdig.h"

/* bin/dig/dighost.h OUTPUTBUF: the size of dig's first text buffer */
#define YAML_DIG_OUTPUTBUF 32767

/* A YAML single-quoted scalar: ' doubled. */
static void yquote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void timestamp(FILE *f, const char *key)
{
	struct timeval tv;
	struct tm tm;
	char buf[64];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "    %s: !!timestamp %s.%03ldZ\n", key, buf, (long)(tv.tv_usec / 1000));
}

static void rr_line(FILE *f, const struct cdig_query *q, const ldns_rr *rr,
		    bool question, const char *indent)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	char *klass = ldns_rr_class2str(ldns_rr_get_class(rr));
	char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
	char *rdata = question ? NULL : cdig_rdata_text(q, rr);
	char *line = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&line, &n);

	if (m) {
		fprintf(m, "%s", owner ? owner : "");
		if (!question && q->ttlid)
			fprintf(m, " %u", ldns_rr_ttl(rr));
		if (question || q->klass)
			fprintf(m, " %s", klass ? klass : "");
		fprintf(m, " %s", type ? type : "");
		if (!question)
			fprintf(m, " %s", rdata ? rdata : "");
		fclose(m);
		fprintf(f, "%s- ", indent);
		yquote(f, line);
		fputc('\n', f);
	}
	free(line);
	free(owner);
	free(klass);
	free(type);
	free(rdata);
}

static void section(FILE *f, const struct cdig_query *q, const char *title,
		    const ldns_rr_list *l, bool question)
{
	size_t i, n = l ? ldns_rr_list_rr_count(l) : 0;

	if (n == 0)
		return;
	fprintf(f, "      %s:\n", title);
	for (i = 0; i < n; i++)
		rr_line(f, q, ldns_rr_list_rr(l, i), question, "        ");
}

/* The header fields, as dns_message_headertotext() gives them in YAML. */
static void header(FILE *f, const uint8_t *wire, unsigned flags,
		   unsigned rcode)
{
	char b1[32], b2[32];

	fprintf(f, "      opcode: %s\n", cdig_opcode_name((flags >> 11) & 0xf, b1, sizeof(b1)));
	fprintf(f, "      status: %s\n", cdig_rcode_name(rcode, b2, sizeof(b2)));
	fprintf(f, "      id: %u\n", (unsigned)((wire[0] << 8) | wire[1]));
	fputs("      flags:", f);
	cdig_print_flags(f, flags);
	fputc('\n', f);
	fprintf(f, "      QUESTION: %u\n      ANSWER: %u\n      AUTHORITY: %u\n"
		"      ADDITIONAL: %u\n",
		(unsigned)((wire[4] << 8) | wire[5]), (unsigned)((wire[6] << 8) | wire[7]),
		(unsigned)((wire[8] << 8) | wire[9]), (unsigned)((wire[10] << 8) | wire[11]));
}

/* The OPT pseudosection and the sections. */
static void body_text(FILE *f, const struct cdig_query *q, ldns_pkt *pkt,
		      const struct cdig_reply *r, bool query)
{
	if (ldns_pkt_edns(pkt) && q->comments) {
		uint16_t z = ldns_pkt_edns_z(pkt);

		fputs("      OPT_PSEUDOSECTION:\n        EDNS:\n", f);
		fprintf(f, "          version: %u\n", ldns_pkt_edns_version(pkt));
		fprintf(f, "          flags:%s%s\n", (z & 0x8000) ? " do" : "",
			(z & 0x4000) ? " co" : "");
		if (z & 0x3fff)
			fprintf(f, "          MBZ: 0x%04x\n", z & 0x3fff);
		fprintf(f, "          udp: %u\n", ldns_pkt_edns_udp_size(pkt));
		cdig_print_edns_options(f, ldns_pkt_edns_data(pkt), query ? NULL : r, "          ");
	}
	if (q->question)
		section(f, q, "QUESTION_SECTION", ldns_pkt_question(pkt), true);
	if (q->answer)
		section(f, q, "ANSWER_SECTION", ldns_pkt_answer(pkt), false);
	if (q->authority)
		section(f, q, "AUTHORITY_SECTION", ldns_pkt_authority(pkt), false);
	if (q->additional)
		section(f, q, "ADDITIONAL_SECTION", ldns_pkt_additional(pkt), false);
	/* dns_message_pseudosectiontoyaml(): the TSIG record (RFC 8945)
	 * at the section's indent, then an empty line */
	if (q->additional && ldns_pkt_tsig(pkt)) {
		fputs("      TSIG_PSEUDOSECTION:\n", f);
		rr_line(f, q, ldns_pkt_tsig(pkt), false, "      ");
		fputc('\n', f);
	}
}

void cdig_yaml_message(FILE *f, const struct cdig_query *q, ldns_pkt *pkt,
		       const uint8_t *wire, size_t len,
		       const struct cdig_reply *r)
{
	unsigned flags, rcode;
	char addr[80];
	char *hdr = NULL, *body = NULL;
	size_t hlen = 0, blen = 0;
	FILE *hf = NULL, *bf = NULL;
	bool ok;
	bool query = r == NULL || r->is_query;

	if (len < 12)
		return;
	flags = (unsigned)((wire[2] << 8) | wire[3]);
	rcode = (flags & 0xf) | ((unsigned)ldns_pkt_edns_extended_rcode(pkt) << 4);
	fputs("- type: MESSAGE\n  message:\n", f);
	if (query)
		fprintf(f, "    type: %s\n", (flags & 0x0100) ? "RECURSIVE_QUERY" : "AUTH_QUERY");
	else
		fprintf(f, "    type: %s\n", ((flags & 0x0100) && (flags & 0x0080))
			? "RECURSIVE_RESPONSE" : "AUTH_RESPONSE");
	timestamp(f, "query_time");
	if (!query)
		timestamp(f, "response_time");
	fprintf(f, "    message_size: %zub\n", len);
	if (r) {
		char *hash;

		cdig_server_addr(&r->from, addr, sizeof(addr));
		hash = strrchr(addr, '#');
		if (hash)
			*hash = '\0';
		fprintf(f, "    socket_family: %s\n",
			r->from.ss.ss_family == AF_INET6 ? "INET6" : "INET");
		fprintf(f, "    socket_protocol: %s\n", r->tcp ? "TCP" : "UDP");
		fprintf(f, "    response_address: \"%s\"\n", addr);
		fprintf(f, "    response_port: %s\n", hash ? hash + 1 : "0");
		fprintf(f, "    query_address: \"%s\"\n",
			r->from.ss.ss_family == AF_INET6 ? "::" : "0.0.0.0");
		fputs("    query_port: 0\n", f);
	}
	fprintf(f, "    %s_message_data:\n", query ? "query" : "response");
	hf = open_memstream(&hdr, &hlen);
	bf = open_memstream(&body, &blen);
	if (!hf || !bf)
		goto done;
	header(hf, wire, flags, rcode);
	body_text(bf, q, pkt, r, query);
	ok = fclose(hf) == 0;
	ok = fclose(bf) == 0 && ok;
	hf = bf = NULL;
	if (!ok)
		goto done;
	/* dig renders the header fields, the OPT pseudosection and the
	 * sections into one buffer of OUTPUTBUF (32767) bytes; when that
	 * is too small it starts again in a bigger one from the OPT
	 * pseudosection on, so the header fields are lost (bin/dig/dig.c
	 * printmessage(), "repopulate_buffer"). Do the same. */
	if (hlen + blen <= YAML_DIG_OUTPUTBUF)
		fwrite(hdr, 1, hlen, f);
	fwrite(body, 1, blen, f);
done:
	if (hf)
		fclose(hf);
	if (bf)
		fclose(bf);
	free(hdr);
	free(body);
}
