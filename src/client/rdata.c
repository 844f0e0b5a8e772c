/* cdig rdata text in BIND dig 9.18's forms: RFC 3597 "\# len hex" with
 * +unknownformat, base64 and hex fields split every +split characters
 * (56, or 44 with +multiline), dig's +multiline layout for DNSKEY, RRSIG,
 * DS and NSEC3 with the key-tag comments (+rrcomments), and +nocrypto.
 * Everything else is ldns's presentation form. */
#include <stdlib.h>
#include <string.h>

#include "cdig.h"

#define ML_INDENT "\n\t\t\t\t"    /* dig's continuation lines (column 32) */

/* An ldns string builder that never fails half-way silently. */
struct sb {
	ldns_buffer *b;
};

static void sb_rdf(struct sb *s, const ldns_rdf *d)
{
	if (d)
		ldns_rdf2buffer_str(s->b, d);
}

/* Writes text in chunks of width, separated by sep (no split: width 0). */
static void sb_split(struct sb *s, const char *text, int width, const char *sep)
{
	size_t n = strlen(text), off = 0;

	if (width <= 0) {
		ldns_buffer_printf(s->b, "%s", text);
		return;
	}
	while (off < n) {
		size_t k = n - off < (size_t)width ? n - off : (size_t)width;

		if (off)
			ldns_buffer_printf(s->b, "%s", sep);
		ldns_buffer_printf(s->b, "%.*s", (int)k, text + off);
		off += k;
	}
}

static char *rdf_text(const ldns_rdf *d)
{
	return d ? ldns_rdf2str(d) : NULL;
}

static void trim(char *p)
{
	size_t l = p ? strlen(p) : 0;

	while (l && p[l - 1] == ' ')
		p[--l] = '\0';
}

static void upper(char *p)
{
	for (; p && *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

/* An NSEC3 salt: hex in capitals, "-" when empty (RFC 5155 §3.3). */
static void salt(struct sb *s, const ldns_rdf *d)
{
	const uint8_t *p;
	size_t i, n;

	if (!d || ldns_rdf_size(d) < 1)
		return;
	p = ldns_rdf_data(d);
	n = p[0];
	if (n == 0 || n + 1 > ldns_rdf_size(d)) {
		ldns_buffer_printf(s->b, "-");
		return;
	}
	for (i = 0; i < n; i++)
		ldns_buffer_printf(s->b, "%02X", p[i + 1]);
}

/* RFC 4034 Appendix B: the key tag of a DNSKEY's rdata. */
static unsigned key_tag(const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(512);
	unsigned long ac = 0;
	size_t i, n;
	const uint8_t *k;

	if (!b)
		return 0;
	if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK) {
		ldns_buffer_free(b);
		return 0;
	}
	k = ldns_buffer_begin(b);
	n = ldns_buffer_position(b);
	for (i = 0; i < n; i++)
		ac += (i & 1) ? k[i] : (unsigned long)k[i] << 8;
	ac += (ac >> 16) & 0xffff;
	ldns_buffer_free(b);
	return (unsigned)(ac & 0xffff);
}

static const char *alg_name(unsigned a)
{
	/* RFC 8624 §3.1 algorithm mnemonics as BIND prints them */
	switch (a) {
	case 1: return "RSAMD5";
	case 3: return "DSA";
	case 5: return "RSASHA1";
	case 6: return "NSEC3DSA";
	case 7: return "NSEC3RSASHA1";
	case 8: return "RSASHA256";
	case 10: return "RSASHA512";
	case 12: return "ECCGOST";
	case 13: return "ECDSAP256SHA256";
	case 14: return "ECDSAP384SHA384";
	case 15: return "ED25519";
	case 16: return "ED448";
	default: return NULL;
	}
}

/* RFC 3597 §5: \# length hex (uppercase, as BIND). */
static void unknown_form(struct sb *s, const struct cdig_query *q,
			 const ldns_rr *rr)
{
	ldns_buffer *w = ldns_buffer_new(256);
	size_t i, n;
	char *hex;

	if (!w || ldns_rr_rdata2buffer_wire(w, rr) != LDNS_STATUS_OK) {
		ldns_buffer_free(w);
		return;
	}
	n = ldns_buffer_position(w);
	hex = malloc(2 * n + 1);
	if (hex) {
		for (i = 0; i < n; i++)
			sprintf(hex + 2 * i, "%02X", ldns_buffer_begin(w)[i]);
		hex[2 * n] = '\0';
		ldns_buffer_printf(s->b, "\\# %zu", n);
		if (n) {
			if (q->multiline) {
				ldns_buffer_printf(s->b, " ( ");
				sb_split(s, hex, q->split_set ? q->split : 44, ML_INDENT);
				ldns_buffer_printf(s->b, " )");
			} else {
				ldns_buffer_printf(s->b, " ");
				sb_split(s, hex, q->split, " ");
			}
		}
		free(hex);
	}
	ldns_buffer_free(w);
}

/* The rdata fields before the split one, space separated. */
static void fields(struct sb *s, const ldns_rr *rr, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to && i < ldns_rr_rd_count(rr); i++) {
		if (i > from)
			ldns_buffer_printf(s->b, " ");
		sb_rdf(s, ldns_rr_rdf(rr, i));
	}
}

/* One trailing base64/hex field (index last), split as dig does. */
static void crypto_tail(struct sb *s, const struct cdig_query *q,
			const ldns_rr *rr, size_t last, bool hex,
			const char *omitted)
{
	char *t = rdf_text(ldns_rr_rdf(rr, last));
	int width = q->split_set ? q->split : (q->multiline ? 44 : 56);

	if (hex)
		upper(t);
	if (!q->crypto && omitted)
		ldns_buffer_printf(s->b, "%s", omitted);
	else if (q->multiline)
		sb_split(s, t ? t : "", width, ML_INDENT);
	else
		sb_split(s, t ? t : "", width, " ");
	free(t);
}

/* True when ldns has a presentation form for type t. */
static bool known_type(ldns_rr_type t)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(t);

	return d && d->_name && d->_type == t;
}

/* RFC 1876 §3 size and precision: mantissa and power of ten, in cm;
 * BIND prints whole metres from 1 m up, else 0.cc */
static void loc_size(struct sb *s, uint8_t v)
{
	unsigned long m = v >> 4, e = v & 0xf, cm = m;

	while (e-- > 0 && cm < 1000000000UL)
		cm *= 10;
	if (cm >= 100 && cm % 100 == 0)
		ldns_buffer_printf(s->b, " %lum", cm / 100);
	else
		ldns_buffer_printf(s->b, " %lu.%02lum", cm / 100, cm % 100);
}

static void loc_angle(struct sb *s, uint32_t v, char pos, char neg)
{
	/* thousandths of an arc second from 2^31 */
	unsigned long a = v >= 0x80000000UL ? v - 0x80000000UL : 0x80000000UL - v;

	ldns_buffer_printf(s->b, "%lu %lu %lu.%03lu %c", a / 3600000, (a / 60000) % 60,
			   (a / 1000) % 60, a % 1000, v >= 0x80000000UL ? pos : neg);
}

/* LOC (RFC 1876) as BIND prints it. */
static bool loc_form(struct sb *s, const ldns_rr *rr)
{
	const ldns_rdf *d = ldns_rr_rdf(rr, 0);
	const uint8_t *p;
	uint32_t lat, lon, alt;
	long long am;

	if (ldns_rr_rd_count(rr) != 1 || ldns_rdf_size(d) != 16)
		return false;
	p = ldns_rdf_data(d);
	if (p[0] != 0)
		return false;
	lat = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	lon = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	alt = (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15];
	loc_angle(s, lat, 'N', 'S');
	ldns_buffer_printf(s->b, " ");
	loc_angle(s, lon, 'E', 'W');
	am = (long long)alt - 10000000LL;     /* cm above 100 km below the WGS 84 spheroid */
	ldns_buffer_printf(s->b, " %s%lld.%02lldm", am < 0 ? "-" : "",
			   (am < 0 ? -am : am) / 100, (am < 0 ? -am : am) % 100);
	loc_size(s, p[1]);
	loc_size(s, p[2]);
	loc_size(s, p[3]);
	return true;
}

/* Fields 0..last-1, then the hex field last, split as dig does. */
static bool hex_tail(struct sb *s, const struct cdig_query *q,
		     const ldns_rr *rr, size_t last, bool hex)
{
	if (ldns_rr_rd_count(rr) != last + 1)
		return false;
	fields(s, rr, 0, last);
	ldns_buffer_printf(s->b, q->multiline ? " (" ML_INDENT : " ");
	crypto_tail(s, q, rr, last, hex, NULL);   /* +nocrypto: DNSSEC types only */
	if (q->multiline)
		ldns_buffer_printf(s->b, " )");
	return true;
}

static bool dnssec_form(struct sb *s, const struct cdig_query *q,
			const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	size_t n = ldns_rr_rd_count(rr);
	char omitted[64];

	switch (t) {
	case LDNS_RR_TYPE_DNSKEY:
	case LDNS_RR_TYPE_CDNSKEY: {
		unsigned flags, alg, tag;
		const char *an;

		if (n != 4)
			return false;
		flags = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		alg = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
		tag = key_tag(rr);
		an = alg_name(alg);
		fields(s, rr, 0, 3);
		snprintf(omitted, sizeof(omitted), "[key id = %u]", tag);
		ldns_buffer_printf(s->b, q->multiline ? " (" ML_INDENT : " ");
		crypto_tail(s, q, rr, 3, false, omitted);
		/* BIND's rrcomment: KSK/ZSK, algorithm and key tag; the
		 * closing parenthesis gets a line of its own before it */
		if (q->rrcomments || (q->multiline && !q->rrcomments_set)) {
			ldns_buffer_printf(s->b, q->multiline ? ML_INDENT ") ; %s; alg = "
							      : "  ; %s; alg = ",
					   (flags & 1) ? "KSK" : "ZSK");
			if (an)
				ldns_buffer_printf(s->b, "%s", an);
			else
				ldns_buffer_printf(s->b, "%u", alg);
			ldns_buffer_printf(s->b, " ; key id = %u", tag);
		} else if (q->multiline) {
			ldns_buffer_printf(s->b, " )");
		}
		return true;
	}
	case LDNS_RR_TYPE_RRSIG:
		if (n != 9)
			return false;
		fields(s, rr, 0, 4);
		ldns_buffer_printf(s->b, q->multiline ? " (" ML_INDENT : " ");
		fields(s, rr, 4, 8);
		ldns_buffer_printf(s->b, q->multiline ? ML_INDENT : " ");
		crypto_tail(s, q, rr, 8, false, "[omitted]");
		if (q->multiline)
			ldns_buffer_printf(s->b, " )");
		return true;
	case LDNS_RR_TYPE_DS:
	case LDNS_RR_TYPE_CDS:
		if (n != 4)
			return false;
		fields(s, rr, 0, 3);
		ldns_buffer_printf(s->b, q->multiline ? " (" ML_INDENT : " ");
		crypto_tail(s, q, rr, 3, true, "[omitted]");
		if (q->multiline)
			ldns_buffer_printf(s->b, " )");
		return true;
	case LDNS_RR_TYPE_SSHFP:      /* RFC 4255 §3.2: hex fingerprint */
		return hex_tail(s, q, rr, 2, true);
	case LDNS_RR_TYPE_TLSA:       /* RFC 6698 §2.2 */
	case LDNS_RR_TYPE_SMIMEA:
		return hex_tail(s, q, rr, 3, true);
	case LDNS_RR_TYPE_CERT:       /* RFC 4398 §2.2: base64 certificate */
		return hex_tail(s, q, rr, 3, false);
	case LDNS_RR_TYPE_OPENPGPKEY: /* RFC 7929 §2.3: base64 only */
	case LDNS_RR_TYPE_DHCID:      /* RFC 4701 §3.6 */
		if (n != 1)
			return false;
		if (q->multiline)
			ldns_buffer_printf(s->b, "( ");
		crypto_tail(s, q, rr, 0, false, NULL);
		if (q->multiline)
			ldns_buffer_printf(s->b, " )");
		if (q->multiline && t == LDNS_RR_TYPE_DHCID) {
			/* BIND's comment: identifier type, digest type, length */
			const ldns_rdf *d = ldns_rr_rdf(rr, 0);
			const uint8_t *p = ldns_rdf_data(d);

			if (ldns_rdf_size(d) >= 3)
				ldns_buffer_printf(s->b, " ; %u %u %zu",
						   (unsigned)((p[0] << 8) | p[1]), p[2],
						   ldns_rdf_size(d) - 3);
		}
		return true;
	case LDNS_RR_TYPE_LOC:
		return loc_form(s, rr);
	case LDNS_RR_TYPE_NSEC3PARAM:
		if (n != 4)
			return false;
		fields(s, rr, 0, 3);
		ldns_buffer_printf(s->b, " ");
		salt(s, ldns_rr_rdf(rr, 3));
		return true;
	case LDNS_RR_TYPE_NSEC3: {
		/* RFC 5155 §3.3: salt in hex ("-" when empty), the next hashed
		 * owner in base32hex, then the type bitmap */
		char *h, *bm = NULL;

		if (n < 5)
			return false;
		fields(s, rr, 0, 3);
		ldns_buffer_printf(s->b, " ");
		salt(s, ldns_rr_rdf(rr, 3));
		h = rdf_text(ldns_rr_rdf(rr, 4));
		upper(h);
		trim(h);
		if (n > 5) {
			bm = rdf_text(ldns_rr_rdf(rr, 5));
			trim(bm);
		}
		if (q->multiline)
			ldns_buffer_printf(s->b, " (" ML_INDENT "%s" ML_INDENT "%s )",
					   h ? h : "", bm ? bm : "");
		else
			ldns_buffer_printf(s->b, " %s%s%s", h ? h : "", bm && *bm ? " " : "",
					   bm ? bm : "");
		free(h);
		free(bm);
		return true;
	}
	case LDNS_RR_TYPE_TSIG: {
		/* RFC 8945 §4.2 fields as BIND prints them: algorithm, time
		 * signed, fudge, MAC size and MAC (base64), original ID, error
		 * mnemonic, other length and other data */
		const ldns_rdf *mac = ldns_rr_rdf(rr, 3), *oth = ldns_rr_rdf(rr, 6);
		const ldns_rdf *tm = ldns_rr_rdf(rr, 1);
		uint64_t t = 0;
		size_t i, ml, ol;
		char rb[16];
		ldns_rdf *b64;

		if (n != 7 || !mac || !oth || !tm || ldns_rdf_size(tm) != 6 ||
		    ldns_rdf_size(mac) < 2 || ldns_rdf_size(oth) < 2)
			return false;
		for (i = 0; i < 6; i++)
			t = t << 8 | ldns_rdf_data(tm)[i];
		sb_rdf(s, ldns_rr_rdf(rr, 0));
		ml = ldns_rdf_size(mac) - 2;
		ol = ldns_rdf_size(oth) - 2;
		ldns_buffer_printf(s->b, " %llu %u %zu", (unsigned long long)t,
				   ldns_rdf2native_int16(ldns_rr_rdf(rr, 2)), ml);
		b64 = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, ml, ldns_rdf_data(mac) + 2);
		if (ml && b64) {
			char *mt = ldns_rdf2str(b64);

			ldns_buffer_printf(s->b, " ");
			sb_split(s, mt ? mt : "", q->split, " ");   /* dig splits it too */
			free(mt);
		}
		ldns_rdf_deep_free(b64);
		/* error 16 is BADSIG in TSIG (RFC 8945 §3) */
		ldns_buffer_printf(s->b, " %u %s %zu ",
				   ldns_rdf2native_int16(ldns_rr_rdf(rr, 4)),
				   ldns_rdf2native_int16(ldns_rr_rdf(rr, 5)) == 16 ? "BADSIG" :
				   cdig_rcode_name(ldns_rdf2native_int16(ldns_rr_rdf(rr, 5)),
						   rb, sizeof(rb)), ol);
		b64 = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, ol, ldns_rdf_data(oth) + 2);
		if (ol && b64)
			sb_rdf(s, b64);
		ldns_rdf_deep_free(b64);
		return true;
	}
	default:
		return false;
	}
}

/* RFC 9460 §7.1.1: BIND quotes the alpn value ("h2,h3"); ldns does not.
 * Takes and returns a malloc'd string. */
static char *quote_alpn(char *t)
{
	char *a = strstr(t, " alpn="), *v, *end, *out;
	size_t vl;

	if (!a || a[6] == '"')
		return t;
	v = a + 6;
	end = strchr(v, ' ');
	vl = end ? (size_t)(end - v) : strlen(v);
	out = malloc(strlen(t) + 3);
	if (!out)
		return t;
	sprintf(out, "%.*s\"%.*s\"%s", (int)(v - t), t, (int)vl, v, v + vl);
	free(t);
	return out;
}

char *cdig_rdata_text(const struct cdig_query *q, const ldns_rr *rr)
{
	struct sb s;
	char *out = NULL;

	s.b = ldns_buffer_new(256);
	if (!s.b)
		return NULL;
	/* RFC 3597 form for -unknownformat, and for types ldns does not
	 * know (it prints their hex in lower case, unsplit) */
	if (q->unknownformat || !known_type(ldns_rr_get_type(rr)))
		unknown_form(&s, q, rr);
	else if (!dnssec_form(&s, q, rr)) {
		ldns_buffer_free(s.b);
		/* ldns leaves a blank after some fields (bitmaps): trimmed */
		out = cdig_rdata_str(rr);
		trim(out);
		if (out && (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SVCB ||
			    ldns_rr_get_type(rr) == LDNS_RR_TYPE_HTTPS))
			out = quote_alpn(out);
		return out;
	}
	out = ldns_buffer_export2str(s.b);
	ldns_buffer_free(s.b);
	return out;
}
