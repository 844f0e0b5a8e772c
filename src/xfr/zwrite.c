/* xfr/zwrite.c: the zone file a secondary writes from a transfer. The
 * common types (A, AAAA, NS, CNAME, PTR, MX, SRV, TXT, SOA) are printed
 * here in the plain form the zone loader's fast route (src/zone/fast.c)
 * reads back without ldns: absolute names, TTL, class IN, one record a
 * line. Every other type and class goes through ldns's printer, and when
 * ldns cannot print a record, RFC 3597 §5's generic form is written. */
#include "xfr_int.h"

#include <ldns/ldns.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ZWRITE_FLUSH (256 * 1024)   /* output buffered before a write */

static char *put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* The name (uncompressed wire) in presentation form, absolute. */
static char *put_name(char *p, const uint8_t *name)
{
	/* WIRE_NAME_MAX bytes are at most 4 characters each */
	if (wire_name_to_text(name, p, 4 * WIRE_NAME_MAX + 2) != CAIRN_OK)
		return put_str(p, ".");
	return p + strlen(p);
}

/* An IPv6 address in RFC 5952 §4 form (lowercase, no leading zeros, the
 * longest run of two or more zero fields, the first of equals, as "::"),
 * which inet_pton (the loader's fast route) reads back. */
static char *put_aaaa(char *p, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 1, run = 0;

	for (int i = 0; i < 8; i++) {
		run = a[2 * i] || a[2 * i + 1] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	for (int i = 0; i < 8; i++) {
		unsigned v = wire_get16(a + 2 * i);
		bool lead = true;

		if (i == best) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += best_len - 1;
			continue;
		}
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = (v >> sh) & 15;

			if (d || !lead || sh == 0) {
				*p++ = hex[d];
				lead = false;
			}
		}
		if (i < 7)
			*p++ = ':';
	}
	return p;
}

/* TXT character-strings (RFC 1035 §5.1): quoted, '"' and '\' escaped,
 * other bytes outside printable ASCII as \DDD, as ldns reads them. */
static char *put_txt(char *p, const uint8_t *rd, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t n = rd[pos++];

		if (pos > 1)
			*p++ = ' ';
		*p++ = '"';
		for (size_t i = 0; i < n; i++) {
			uint8_t c = rd[pos + i];

			if (c == '"' || c == '\\') {
				*p++ = '\\';
				*p++ = (char)c;
			} else if (c < 0x20 || c >= 0x7f) {
				*p++ = '\\';
				*p++ = (char)('0' + c / 100);
				*p++ = (char)('0' + c / 10 % 10);
				*p++ = (char)('0' + c % 10);
			} else {
				*p++ = (char)c;
			}
		}
		*p++ = '"';
		pos += n;
	}
	return p;
}

/* The rdata of rr in the fast route's form; NULL when rr is not one of
 * those types or its rdata does not have the expected shape. */
static char *put_fast_rdata(char *p, const struct xrec *rr)
{
	const uint8_t *rd = rr->rdata;
	size_t len = rr->rdlen, nl;

	if (rr->rclass != WIRE_CLASS_IN)
		return NULL;
	switch (rr->type) {
	case WIRE_TYPE_A:
		if (len != 4)
			return NULL;
		p = put_str(p, "A\t");
		for (int i = 0; i < 4; i++) {
			p = put_u32(p, rd[i]);
			*p++ = i < 3 ? '.' : '\0';
		}
		return p - 1;
	case WIRE_TYPE_AAAA:
		if (len != 16)
			return NULL;
		return put_aaaa(put_str(p, "AAAA\t"), rd);
	case WIRE_TYPE_TXT:
		for (size_t pos = 0; pos < len; pos += 1u + rd[pos])
			if (len - pos < 1u + rd[pos])
				return NULL;
		if (!len)
			return NULL;
		return put_txt(put_str(p, "TXT\t"), rd, len);
	case WIRE_TYPE_NS:
	case WIRE_TYPE_CNAME:
	case WIRE_TYPE_PTR:
		if (!len || wire_name_len(rd) != len)
			return NULL;
		p = put_str(p, rr->type == WIRE_TYPE_NS ? "NS\t" :
			       rr->type == WIRE_TYPE_CNAME ? "CNAME\t" : "PTR\t");
		return put_name(p, rd);
	case WIRE_TYPE_MX:
		if (len < 3 || wire_name_len(rd + 2) != len - 2)
			return NULL;
		p = put_u32(put_str(p, "MX\t"), wire_get16(rd));
		*p++ = ' ';
		return put_name(p, rd + 2);
	case WIRE_TYPE_SRV:
		if (len < 7 || wire_name_len(rd + 6) != len - 6)
			return NULL;
		p = put_str(p, "SRV\t");
		for (int i = 0; i < 3; i++) {
			p = put_u32(p, wire_get16(rd + 2 * i));
			*p++ = ' ';
		}
		return put_name(p, rd + 6);
	case WIRE_TYPE_SOA:
		if (len < 22 || (nl = wire_name_len(rd)) > len - 21 ||
		    wire_name_len(rd + nl) != len - nl - 20)
			return NULL;
		p = put_name(put_str(p, "SOA\t"), rd);
		*p++ = ' ';
		p = put_name(p, rd + nl);
		for (size_t i = len - 20; i < len; i += 4) {
			*p++ = ' ';
			p = put_u32(p, wire_get32(rd + i));
		}
		return p;
	default:
		return NULL;
	}
}

/* rr through ldns's printer (malloc'd line with its newline), or NULL. */
static char *ldns_line(const struct xrec *rr)
{
	size_t olen = wire_name_len(rr->owner), pos = 0;
	uint8_t *buf = malloc(olen + 10 + rr->rdlen);
	ldns_rr *lr = NULL;
	char *s = NULL;

	if (!buf)
		return NULL;
	if (ldns_wire2rr(&lr, buf, xrec_to_wire(rr, buf), &pos, LDNS_SECTION_ANSWER) ==
	    LDNS_STATUS_OK)
		s = ldns_rr2str(lr);
	ldns_rr_free(lr);
	free(buf);
	return s;
}

size_t zwrite_format(const struct xrec *rr, char *out)
{
	char *p = put_name(out, rr->owner), *e;

	*p++ = '\t';
	p = put_u32(p, rr->ttl);
	*p++ = '\t';
	if ((e = put_fast_rdata(put_str(p, "IN\t"), rr))) {
		*e++ = '\n';
		return (size_t)(e - out);
	}
	/* RFC 3597 §5: the generic form */
	p = put_str(p, "CLASS");
	p = put_u32(p, rr->rclass);
	p = put_str(p, "\tTYPE");
	p = put_u32(p, rr->type);
	p = put_u32(put_str(p, "\t\\# "), rr->rdlen);
	for (size_t i = 0; i < rr->rdlen; i++) {
		static const char hex[] = "0123456789abcdef";

		if (i == 0)
			*p++ = ' ';
		*p++ = hex[rr->rdata[i] >> 4];
		*p++ = hex[rr->rdata[i] & 15];
	}
	*p++ = '\n';
	return (size_t)(p - out);
}

cairn_err zwrite_begin(struct zwrite *w, FILE *fp)
{
	w->fp = fp;
	w->len = 0;
	w->buf = malloc(ZWRITE_FLUSH + ZWRITE_LINE_MAX);
	return w->buf ? CAIRN_OK : CAIRN_ENOMEM;
}

static cairn_err flush(struct zwrite *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->fp) != w->len)
		return CAIRN_EIO;
	w->len = 0;
	return CAIRN_OK;
}

cairn_err zwrite_rr(struct zwrite *w, const struct xrec *rr)
{
	char *line;
	cairn_err ret = CAIRN_OK;

	if (rr->rclass == WIRE_CLASS_IN) {
		switch (rr->type) {
		case WIRE_TYPE_A: case WIRE_TYPE_AAAA: case WIRE_TYPE_TXT: case WIRE_TYPE_NS:
		case WIRE_TYPE_CNAME: case WIRE_TYPE_PTR: case WIRE_TYPE_MX: case WIRE_TYPE_SRV:
		case WIRE_TYPE_SOA:
			w->len += zwrite_format(rr, w->buf + w->len);
			return w->len >= ZWRITE_FLUSH ? flush(w) : CAIRN_OK;
		default:
			break;
		}
	}
	/* the other types in ldns's presentation form */
	line = ldns_line(rr);
	if (!line) {
		w->len += zwrite_format(rr, w->buf + w->len);
		return w->len >= ZWRITE_FLUSH ? flush(w) : CAIRN_OK;
	}
	if (flush(w) != CAIRN_OK || fputs(line, w->fp) == EOF)
		ret = CAIRN_EIO;
	free(line);
	return ret;
}

cairn_err zwrite_end(struct zwrite *w)
{
	cairn_err ret = flush(w);

	free(w->buf);
	w->buf = NULL;
	return ret;
}
