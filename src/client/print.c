/* cdig text output in BIND dig 9.18's layout: the header comments, the OPT
 * pseudosection, sections with dig's tab columns (24/32/40/48, or
 * 24/24/24/32 with +multiline), +ttlunits, +multiline SOA, statistics. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "cdig.h"

/* Writes the header flags set in flags as dig does (" qr aa rd ..."). */
void cdig_print_flags(FILE *f, unsigned flags)
{
	static const struct { unsigned bit; const char *name; } bits[] = {
		{ WIRE_FLAG_QR, " qr" }, { WIRE_FLAG_AA, " aa" }, { WIRE_FLAG_TC, " tc" },
		{ WIRE_FLAG_RD, " rd" }, { WIRE_FLAG_RA, " ra" }, { WIRE_FLAG_AD, " ad" },
		{ WIRE_FLAG_CD, " cd" },
	};

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (flags & bits[i].bit)
			fputs(bits[i].name, f);
}

/* BIND's masterdump indent(): move from column *cur to column `to` (at
 * least one blank) with tabs of width 8 then spaces. */
static void indent(FILE *f, unsigned *cur, unsigned to)
{
	unsigned from = *cur, ntabs;

	if (to < from + 1)
		to = from + 1;
	ntabs = to / 8 - from / 8;
	if (ntabs > 0) {
		while (ntabs--)
			fputc('\t', f);
		from = (to / 8) * 8;
	}
	while (from++ < to)
		fputc(' ', f);
	*cur = to;
}

static unsigned put(FILE *f, unsigned *cur, const char *s)
{
	size_t n = strlen(s);

	fputs(s, f);
	*cur += (unsigned)n;
	return (unsigned)n;
}

static void ttl_unit(char *buf, size_t len, size_t *off, uint32_t v,
		     const char *unit, bool verbose, bool space)
{
	if (verbose)
		*off += (size_t)snprintf(buf + *off, len - *off, "%s%u %s%s",
					 space ? " " : "", v, unit, v == 1 ? "" : "s");
	else
		*off += (size_t)snprintf(buf + *off, len - *off, "%u%c", v, unit[0]);
}

void cdig_ttl_units(uint32_t ttl, bool verbose, char *buf, size_t len)
{
	uint32_t w = ttl / 604800, d = (ttl / 86400) % 7, h = (ttl / 3600) % 24;
	uint32_t m = (ttl / 60) % 60, s = ttl % 60;
	size_t off = 0;
	int x = 0;

	buf[0] = '\0';
	/* BIND's dns_ttl_totext(): each non-zero unit; "0s" for zero. */
	if (w) ttl_unit(buf, len, &off, w, "week", verbose, x++ > 0);
	if (d) ttl_unit(buf, len, &off, d, "day", verbose, x++ > 0);
	if (h) ttl_unit(buf, len, &off, h, "hour", verbose, x++ > 0);
	if (m) ttl_unit(buf, len, &off, m, "minute", verbose, x++ > 0);
	if (s || x == 0) ttl_unit(buf, len, &off, s, "second", verbose, x++ > 0);
}

char *cdig_rdata_str(const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(256);
	char *out = NULL;
	size_t i;

	if (!b)
		return NULL;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i)
			ldns_buffer_printf(b, " ");
		if (ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i)) != LDNS_STATUS_OK)
			goto done;
	}
	out = ldns_buffer_export2str(b);
done:
	ldns_buffer_free(b);
	return out;
}

/* +multiline SOA as dig prints it: timers one per line with comments. */
static bool print_soa_multiline(FILE *f, const ldns_rr *rr)
{
	static const char *what[] = { "serial", "refresh", "retry", "expire",
				      "minimum" };
	char *mname, *rname;
	int i;

	if (ldns_rr_rd_count(rr) != 7)
		return false;
	mname = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	rname = ldns_rdf2str(ldns_rr_rdf(rr, 1));
	fprintf(f, "%s %s (\n", mname ? mname : "", rname ? rname : "");
	free(mname);
	free(rname);
	for (i = 0; i < 5; i++) {
		const ldns_rdf *d = ldns_rr_rdf(rr, (size_t)i + 2);
		uint32_t v = ldns_rdf_size(d) == 4 ? ldns_rdf2native_int32(d) : 0;
		char units[128];

		fprintf(f, "\t\t\t\t%-10u ; %s", v, what[i]);
		if (i > 0) {
			cdig_ttl_units(v, true, units, sizeof(units));
			fprintf(f, " (%s)", units);
		}
		fputc('\n', f);
	}
	fputs("\t\t\t\t)\n", f);
	return true;
}

void cdig_print_rr(FILE *f, const struct cdig_query *q, const ldns_rr *rr,
		   bool question)
{
	unsigned cur = 0, ttlc, classc, typec, rdatac;
	char *owner, *klass, *type, *rdata;
	char ttl[64];
	bool show_class = q->klass || question;

	/* dig.c's styles: 24/24/24/32 multiline or no TTL and no class,
	 * 24/24/32/40 without one of them, else 24/32/40/48 */
	if (q->multiline || (!q->ttlid && !q->klass)) {
		ttlc = 24; classc = 24; typec = 24; rdatac = 32;
	} else if (!q->ttlid || !q->klass) {
		ttlc = 24; classc = 24; typec = 32; rdatac = 40;
	} else {
		ttlc = 24; classc = 32; typec = 40; rdatac = 48;
	}
	owner = ldns_rdf2str(ldns_rr_owner(rr));
	if (q->unknownformat) {
		/* RFC 3597 §5: CLASSnn TYPEnn */
		klass = malloc(16);
		type = malloc(16);
		if (klass)
			snprintf(klass, 16, "CLASS%u", (unsigned)ldns_rr_get_class(rr));
		if (type)
			snprintf(type, 16, "TYPE%u", (unsigned)ldns_rr_get_type(rr));
	} else {
		klass = ldns_rr_class2str(ldns_rr_get_class(rr));
		type = ldns_rr_type2str(ldns_rr_get_type(rr));
	}
	if (question)
		fputc(';', f);    /* not counted in the columns, as in BIND */
	put(f, &cur, owner ? owner : "?");
	if (!question && q->ttlid) {
		indent(f, &cur, ttlc);
		if (q->ttlunits)
			cdig_ttl_units(ldns_rr_ttl(rr), false, ttl, sizeof(ttl));
		else
			snprintf(ttl, sizeof(ttl), "%u", ldns_rr_ttl(rr));
		put(f, &cur, ttl);
	}
	if (show_class) {
		indent(f, &cur, classc);
		put(f, &cur, klass ? klass : "?");
	}
	indent(f, &cur, typec);
	put(f, &cur, type ? type : "?");
	if (!question) {
		indent(f, &cur, rdatac);
		if (!(q->multiline && !q->unknownformat &&
		      ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		      print_soa_multiline(f, rr))) {
			rdata = cdig_rdata_text(q, rr);
			fprintf(f, "%s\n", rdata ? rdata : "");
			free(rdata);
		}
	} else {
		fputc('\n', f);
	}
	free(owner);
	free(klass);
	free(type);
}

void cdig_print_section(FILE *f, const struct cdig_query *q,
			const ldns_rr_list *l)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		cdig_print_rr(f, q, ldns_rr_list_rr(l, i), false);
}

const char *cdig_rcode_name(unsigned rc, char *buf, size_t len)
{
	static const char *names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
		"RESERVED11", "RESERVED12", "RESERVED13", "RESERVED14",
		"RESERVED15", "BADVERS", "BADKEY", "BADTIME", "BADMODE",
		"BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
	};

	if (rc < sizeof(names) / sizeof(names[0]))
		return names[rc];
	snprintf(buf, len, "%u", rc);
	return buf;
}

const char *cdig_opcode_name(unsigned op, char *buf, size_t len)
{
	static const char *names[] = { "QUERY", "IQUERY", "STATUS", "RESERVED3",
				       "NOTIFY", "UPDATE" };

	if (op < 6)
		return names[op];
	snprintf(buf, len, "RESERVED%u", op);
	return buf;
}

static const char *ede_name(unsigned code)
{
	/* RFC 8914 §4 */
	static const char *names[] = {
		"Other", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
		"Stale Answer", "Forged Answer", "DNSSEC Indeterminate",
		"DNSSEC Bogus", "Signature Expired", "Signature Not Yet Valid",
		"DNSKEY Missing", "RRSIGs Missing", "No Zone Key Bit Set",
		"NSEC Missing", "Cached Error", "Not Ready", "Blocked", "Censored",
		"Filtered", "Prohibited", "Stale NXDOMAIN Answer", "Not Authoritative",
		"Not Supported", "No Reachable Authority", "Network Error",
		"Invalid Data",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

const char *cdig_ede_name(unsigned code)
{
	return ede_name(code);
}

static void print_hex_ascii(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%02x", i ? " " : "", p[i]);
	fputs(" (\"", f);
	for (i = 0; i < n; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
	fputs("\")", f);
}

/* RFC 6891 §6.1.2: options are {code, length, data} TLVs, printed in
 * BIND 9.18's forms. r (NULL for a query) holds the client cookie we
 * sent: a reply's COOKIE that echoes it is "(good)" (RFC 7873 §5.3). */
void cdig_print_edns_options(FILE *f, const ldns_rdf *data,
			     const struct cdig_reply *r, const char *prefix)
{
	const uint8_t *p;
	size_t len, off = 0, i;
	char units[128];

	if (!data)
		return;
	p = ldns_rdf_data(data);
	len = ldns_rdf_size(data);
	while (off + 4 <= len) {
		uint16_t code = (uint16_t)((p[off] << 8) | p[off + 1]);
		uint16_t olen = (uint16_t)((p[off + 2] << 8) | p[off + 3]);
		const uint8_t *o = p + off + 4;

		if (off + 4 + olen > len)
			break;
		switch (code) {
		case WIRE_OPT_NSID:
			fprintf(f, "%sNSID:", prefix);
			if (olen) {
				fputc(' ', f);
				print_hex_ascii(f, o, olen);
			}
			break;
		case WIRE_OPT_ECS:      /* RFC 7871 §6 */
			fprintf(f, "%sCLIENT-SUBNET:", prefix);
			if (olen >= 4) {
				unsigned fam = (unsigned)((o[0] << 8) | o[1]);
				uint8_t a[16] = { 0 };
				char txt[64];
				size_t al = olen - 4u;

				if ((fam == 1 && al <= 4) || (fam == 2 && al <= 16)) {
					memcpy(a, o + 4, al);
					inet_ntop(fam == 1 ? AF_INET : AF_INET6, a, txt,
						  sizeof(txt));
					fprintf(f, " %s/%u/%u", txt, o[2], o[3]);
				} else {
					fputc(' ', f);
					print_hex_ascii(f, o, olen);
				}
			}
			break;
		case WIRE_OPT_EXPIRE:   /* RFC 7314 §2 */
			fprintf(f, "%sEXPIRE:", prefix);
			if (olen == 4) {
				uint32_t v = ((uint32_t)o[0] << 24) | ((uint32_t)o[1] << 16) |
					     ((uint32_t)o[2] << 8) | o[3];
				cdig_ttl_units(v, true, units, sizeof(units));
				fprintf(f, " %u (%s)", v, units);
			}
			break;
		case WIRE_OPT_COOKIE:   /* RFC 7873 §4 */
			fprintf(f, "%sCOOKIE: ", prefix);
			for (i = 0; i < olen; i++)
				fprintf(f, "%02x", o[i]);
			if (r && r->have_ccookie && olen >= 8)
				fputs(memcmp(o, r->ccookie, 8) == 0 ? " (good)" : " (bad)", f);
			break;
		case WIRE_OPT_KEEPALIVE: /* RFC 7828 §3.1: units of 100 ms */
			fprintf(f, "%sTCP KEEPALIVE:", prefix);
			if (olen == 2) {
				unsigned v = (unsigned)((o[0] << 8) | o[1]);
				fprintf(f, " %u.%u secs", v / 10, v % 10);
			}
			break;
		case WIRE_OPT_PADDING:  /* RFC 7830 §3 */
			fprintf(f, "%sPAD:", prefix);
			if (olen)
				fprintf(f, " (%u bytes)", olen);
			break;
		case WIRE_OPT_KEYTAG:   /* RFC 8145 §4.1 */
			fprintf(f, "%sKEY-TAG:", prefix);
			for (i = 0; i + 1 < olen; i += 2)
				fprintf(f, "%s %u", i ? "," : "", (unsigned)((o[i] << 8) | o[i + 1]));
			break;
		case WIRE_OPT_EDE: {    /* RFC 8914 §2 */
			unsigned ic = olen >= 2 ? (unsigned)((o[0] << 8) | o[1]) : 0;
			const char *nm = ede_name(ic);

			fprintf(f, "%sEDE: %u", prefix, ic);
			if (nm)
				fprintf(f, " (%s)", nm);
			if (olen > 2)
				fprintf(f, ": (%.*s)", (int)(olen - 2), (const char *)o + 2);
			break;
		}
		default:
			fprintf(f, "%sOPT=%u:", prefix, code);
			if (olen) {
				fputc(' ', f);
				print_hex_ascii(f, o, olen);
			}
			break;
		}
		fputc('\n', f);
		off += 4u + olen;
	}
}

static void print_sec(FILE *f, const struct cdig_query *q, const char *title,
		      const ldns_rr_list *l, bool question)
{
	size_t i;

	if (!l || ldns_rr_list_rr_count(l) == 0)
		return;
	if (q->comments)
		fprintf(f, ";; %s SECTION:\n", title);
	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		cdig_print_rr(f, q, ldns_rr_list_rr(l, i), question);
	if (q->comments)
		fputc('\n', f);
}

void cdig_print_message(FILE *f, const struct cdig_query *q, ldns_pkt *pkt,
			const uint8_t *wire, size_t len,
			const struct cdig_reply *r)
{
	bool query = r == NULL;
	char b1[32], b2[32];
	unsigned flags, rcode;

	if (len < 12)
		return;
	flags = (unsigned)((wire[2] << 8) | wire[3]);
	rcode = (flags & 0xf) | ((unsigned)ldns_pkt_edns_extended_rcode(pkt) << 4);
	if (q->comments) {
		fprintf(f, ";; ->>HEADER<<- opcode: %s, status: %s, id: %u\n",
			cdig_opcode_name((flags >> 11) & 0xf, b1, sizeof(b1)),
			cdig_rcode_name(rcode, b2, sizeof(b2)),
			(unsigned)((wire[0] << 8) | wire[1]));
		fputs(";; flags:", f);
		cdig_print_flags(f, flags);
		if (flags & 0x0040)
			fputs("; MBZ: 0x4", f);    /* the Z bit, as BIND shows it */
		fprintf(f, "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
			(unsigned)((wire[4] << 8) | wire[5]),
			(unsigned)((wire[6] << 8) | wire[7]),
			(unsigned)((wire[8] << 8) | wire[9]),
			(unsigned)((wire[10] << 8) | wire[11]));
		if (!query && (flags & 0x0100) && !(flags & 0x0080))
			fputs(";; WARNING: recursion requested but not available\n", f);
		fputc('\n', f);
		if (!query && q->edns && !ldns_pkt_edns(pkt) &&
		    (rcode == 1 || rcode == 4))
			fprintf(f, ";; WARNING: EDNS query returned status %s - retry with '%s+noedns'\n\n",
				cdig_rcode_name(rcode, b2, sizeof(b2)),
				q->dnssec ? "+nodnssec " : "");
		if (ldns_pkt_edns(pkt)) {
			uint16_t z = ldns_pkt_edns_z(pkt);
			unsigned mbz = z & 0x3fff;

			fputs(";; OPT PSEUDOSECTION:\n", f);
			/* RFC 6891 §6.1.3: version, DO bit (RFC 3225), Z. */
			/* RFC 3225 DO, and CO (compact answers OK, 0x4000) */
			fprintf(f, "; EDNS: version: %u, flags:%s%s", ldns_pkt_edns_version(pkt),
				(z & 0x8000) ? " do" : "", (z & 0x4000) ? " co" : "");
			if (mbz)
				fprintf(f, "; MBZ: 0x%04x, udp: %u\n", mbz,
					ldns_pkt_edns_udp_size(pkt));
			else
				fprintf(f, "; udp: %u\n", ldns_pkt_edns_udp_size(pkt));
			cdig_print_edns_options(f, ldns_pkt_edns_data(pkt), r, "; ");
		}
	}
	if (q->question && query && q->header_only && q->comments)
		fputs(";; QUESTION SECTION:\n\n", f);   /* dig's +header-only +qr */
	if (q->question)
		print_sec(f, q, "QUESTION", ldns_pkt_question(pkt), true);
	if (q->answer)
		print_sec(f, q, "ANSWER", ldns_pkt_answer(pkt), false);
	if (q->authority)
		print_sec(f, q, "AUTHORITY", ldns_pkt_authority(pkt), false);
	if (q->additional)
		print_sec(f, q, "ADDITIONAL", ldns_pkt_additional(pkt), false);
	if (ldns_pkt_tsig(pkt) && q->additional) {
		/* dig prints the TSIG record apart (RFC 8945 §4.2) */
		if (q->comments)
			fputs(";; TSIG PSEUDOSECTION:\n", f);
		cdig_print_rr(f, q, ldns_pkt_tsig(pkt), false);
		if (q->comments)
			fputc('\n', f);
	}
}

void cdig_print_stats(FILE *f, const struct cdig_reply *r)
{
	char addr[80], when[128];
	time_t now = time(NULL);
	struct tm tm;

	cdig_server_addr(&r->from, addr, sizeof(addr));
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Z %Y", &tm);
	if (r->us)
		fprintf(f, ";; Query time: %u usec\n", r->us);
	else
		fprintf(f, ";; Query time: %u msec\n", r->ms);
	fprintf(f, ";; SERVER: %s(%s) (%s)\n", addr, r->from.label,
		r->tls ? "TLS" : r->tcp ? "TCP" : "UDP");
	fprintf(f, ";; WHEN: %s\n", when);
	fprintf(f, ";; MSG SIZE  rcvd: %zu\n", r->len);
	if (r->tsig_failed)
		fputs(";; WARNING -- Some TSIG could not be validated\n", f);
	fputc('\n', f);
}
