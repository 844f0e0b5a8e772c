/* zone/lint.c: the checks named-checkzone makes that ldns does not: TTLs
 * in the units BIND and NSD accept and within RFC 2181 §8, a precise
 * reason when ldns rejects a record's data (which field, which type), and
 * targets that look like a name missing its final dot. */
#include "zone_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#define LINT_TOKENS 64           /* rdata fields examined for a reason */
#define LINT_TOKEN_MAX 512

bool zlint_ttl(const char *text, uint32_t *out, const char **why)
{
	uint64_t total = 0, n;
	const char *p = text;

	*why = NULL;
	if (!isdigit((unsigned char)*p)) {
		*why = "not a number";
		return false;
	}
	/* BIND and NSD: a number of seconds, or numbers each followed by a
	 * unit (w, d, h, m, s, either case) such as 1h30m or 2w; a last number
	 * without a unit counts seconds. */
	while (*p) {
		if (!isdigit((unsigned char)*p)) {
			*why = "unknown unit (want s, m, h, d or w)";
			return false;
		}
		n = 0;
		while (isdigit((unsigned char)*p)) {
			n = n * 10 + (uint64_t)(*p++ - '0');
			if (n > ZLINT_TTL_MAX)
				goto big;
		}
		switch (tolower((unsigned char)*p)) {
		case 'w': n *= 7 * 86400; p++; break;
		case 'd': n *= 86400; p++; break;
		case 'h': n *= 3600; p++; break;
		case 'm': n *= 60; p++; break;
		case 's': p++; break;
		case '\0': break;
		default:
			*why = "unknown unit (want s, m, h, d or w)";
			return false;
		}
		total += n;
		if (total > ZLINT_TTL_MAX)
			goto big;
	}
	*out = (uint32_t)total;
	return true;
big:
	/* RFC 2181 §8: a TTL is an unsigned number from 0 to 2^31 - 1 */
	*why = "above 2147483647 (RFC 2181 section 8)";
	return false;
}

/* Splits text into whitespace separated tokens (a double-quoted token
 * keeps its spaces, quotes removed when strip), at most max of them, each
 * copied into tok[i] (LINT_TOKEN_MAX bytes). Returns the count, or max + 1
 * when there are more. */
static size_t tokens(const char *text, char tok[][LINT_TOKEN_MAX], size_t max, bool strip)
{
	size_t n = 0;
	const char *p = text;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return n;
		if (n == max)
			return max + 1;
		size_t l = 0;
		bool q = false;
		while (*p && (q || !isspace((unsigned char)*p))) {
			if (*p == '\\' && p[1]) {
				if (l + 2 < LINT_TOKEN_MAX) {
					tok[n][l++] = p[0];
					tok[n][l++] = p[1];
				}
				p += 2;
				continue;
			}
			if (*p == '"') {
				q = !q;
				if (strip) {
					p++;
					continue;
				}
			}
			if (l + 1 < LINT_TOKEN_MAX)
				tok[n][l++] = *p;
			p++;
		}
		tok[n++][l] = '\0';
	}
}

static bool is_class(const char *t)
{
	return strcasecmp(t, "IN") == 0 || strcasecmp(t, "CH") == 0 || strcasecmp(t, "HS") == 0 ||
	       strcasecmp(t, "CS") == 0 || strcasecmp(t, "NONE") == 0 || strcasecmp(t, "ANY") == 0 ||
	       (strncasecmp(t, "CLASS", 5) == 0 && isdigit((unsigned char)t[5]));
}

bool zlint_entry_ttl(struct zload *zl, uint16_t file, uint32_t line, const char *text)
{
	char tok[4][LINT_TOKEN_MAX];
	size_t n = tokens(text, tok, 4, false), i = isspace((unsigned char)text[0]) ? 0 : 1;
	const char *why;
	uint32_t ttl;

	/* [owner] [TTL] [class] TYPE, TTL and class in either order (RFC 1035 §5.1) */
	for (size_t k = 0; k < 2 && i < n && i < 4; k++, i++) {
		if (isdigit((unsigned char)tok[i][0])) {
			if (!zlint_ttl(tok[i], &ttl, &why)) {
				zload_problem(zl, zl->seq, file, line, "bad TTL '%s': %s", tok[i], why);
				return false;
			}
		} else if (!is_class(tok[i])) {
			break;
		}
	}
	return true;
}

char *zlint_ttl_first(const char *text)
{
	const char *p = text, *cls, *cls_end, *ttl, *ttl_end;
	char *out;

	if (!isspace((unsigned char)*p))            /* the owner */
		while (*p && !isspace((unsigned char)*p))
			p++;
	while (isspace((unsigned char)*p))
		p++;
	cls = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	cls_end = p;
	while (isspace((unsigned char)*p))
		p++;
	ttl = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	ttl_end = p;
	if (cls_end == cls || cls_end - cls >= 16 || !isdigit((unsigned char)*ttl))
		return NULL;
	char c[16];
	memcpy(c, cls, (size_t)(cls_end - cls));
	c[cls_end - cls] = '\0';
	if (!is_class(c))
		return NULL;
	size_t n = strlen(text);
	out = malloc(n + 2);
	if (!out)
		return NULL;
	/* owner and blanks, TTL, blank, class, the rest */
	int w = snprintf(out, n + 2, "%.*s%.*s %s%s", (int)(cls - text), text,
			 (int)(ttl_end - ttl), ttl, c, ttl_end);
	(void)w;
	return out;
}

/* What a field of this kind should hold, for messages. */
static const char *field_kind(ldns_rdf_type t)
{
	switch (t) {
	case LDNS_RDF_TYPE_A: return "an IPv4 address";
	case LDNS_RDF_TYPE_AAAA: return "an IPv6 address";
	case LDNS_RDF_TYPE_DNAME: return "a domain name";
	case LDNS_RDF_TYPE_INT8: return "a number from 0 to 255";
	case LDNS_RDF_TYPE_INT16: return "a number from 0 to 65535";
	case LDNS_RDF_TYPE_INT32: return "a number from 0 to 4294967295";
	case LDNS_RDF_TYPE_PERIOD: return "a time period";
	case LDNS_RDF_TYPE_TIME: return "a time (YYYYMMDDHHmmSS)";
	case LDNS_RDF_TYPE_STR: return "a character string";
	case LDNS_RDF_TYPE_B64: return "base64 data";
	case LDNS_RDF_TYPE_HEX: return "hex data";
	case LDNS_RDF_TYPE_ALG: return "an algorithm";
	case LDNS_RDF_TYPE_TYPE: return "a record type";
	default: return "a valid value";
	}
}

/* ldns's own reason for one field, where a parser says more than NULL. */
static ldns_status field_status(ldns_rdf_type t, const char *s)
{
	ldns_rdf *rd = NULL;
	ldns_status st;

	switch (t) {
	case LDNS_RDF_TYPE_A: st = ldns_str2rdf_a(&rd, s); break;
	case LDNS_RDF_TYPE_AAAA: st = ldns_str2rdf_aaaa(&rd, s); break;
	case LDNS_RDF_TYPE_DNAME: st = ldns_str2rdf_dname(&rd, s); break;
	case LDNS_RDF_TYPE_INT8: st = ldns_str2rdf_int8(&rd, s); break;
	case LDNS_RDF_TYPE_INT16: st = ldns_str2rdf_int16(&rd, s); break;
	case LDNS_RDF_TYPE_INT32: st = ldns_str2rdf_int32(&rd, s); break;
	case LDNS_RDF_TYPE_PERIOD: st = ldns_str2rdf_period(&rd, s); break;
	case LDNS_RDF_TYPE_TIME: st = ldns_str2rdf_time(&rd, s); break;
	case LDNS_RDF_TYPE_B64: st = ldns_str2rdf_b64(&rd, s); break;
	case LDNS_RDF_TYPE_HEX: st = ldns_str2rdf_hex(&rd, s); break;
	default:
		rd = ldns_rdf_new_frm_str(t, s);
		st = rd ? LDNS_STATUS_OK : LDNS_STATUS_ERR;
		break;
	}
	ldns_rdf_deep_free(rd);
	return st;
}

/* A number field holding digits only: ldns's parsers wrap values too big
 * for the field instead of refusing them. */
static bool number_too_big(ldns_rdf_type t, const char *s)
{
	unsigned long long v, lim;
	char *end;

	switch (t) {
	case LDNS_RDF_TYPE_INT8: lim = 255; break;
	case LDNS_RDF_TYPE_INT16: lim = 65535; break;
	case LDNS_RDF_TYPE_INT32: lim = 4294967295ULL; break;
	default: return false;
	}
	if (!isdigit((unsigned char)s[0]))
		return false;
	v = strtoull(s, &end, 10);
	return *end == '\0' && v > lim;
}

bool zlint_rdata_reason(const char *text, char *out, size_t outlen)
{
	char head[4][LINT_TOKEN_MAX], tname[32];
	size_t nh = tokens(text, head, 4, false), i = isspace((unsigned char)text[0]) ? 0 : 1;
	const char *rest = text;
	ldns_rr_type type;

	/* skip [owner] [TTL] [class] to the type */
	for (size_t k = 0; k < 2 && i < nh && i < 4; k++, i++)
		if (!isdigit((unsigned char)head[i][0]) && !is_class(head[i]))
			break;
	if (i >= nh || i >= 4) {
		snprintf(out, outlen, "no record type");
		return true;
	}
	type = ldns_get_rr_type_by_name(head[i]);
	if (type == 0) {
		snprintf(out, outlen, "unknown record type '%s'", head[i]);
		return true;
	}
	snprintf(tname, sizeof tname, "%s", head[i]);
	for (char *c = tname; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	/* the rdata begins after the (i+1)th token */
	for (size_t k = 0; k <= i; k++) {
		while (isspace((unsigned char)*rest))
			rest++;
		while (*rest && !isspace((unsigned char)*rest))
			rest++;
	}
	return zlint_rdata_fields((uint16_t)type, tname, rest, out, outlen);
}

bool zlint_rdata_fields(uint16_t type, const char *tname, const char *rdata,
			char *out, size_t outlen)
{
	char (*tok)[LINT_TOKEN_MAX] = malloc((LINT_TOKENS + 1) * sizeof *tok);
	const ldns_rr_descriptor *d = ldns_rr_descript(type);
	size_t n, min, max;
	bool found = false;

	if (!tok || !d)
		goto done;
	n = tokens(rdata, tok, LINT_TOKENS, true);
	if (n > LINT_TOKENS)
		goto done;
	if (n >= 1 && strcmp(tok[0], "\\#") == 0)
		goto done;          /* RFC 3597 §5 generic form: ldns says enough */
	min = ldns_rr_descriptor_minimum(d);
	max = ldns_rr_descriptor_maximum(d);
	if (n < min) {
		snprintf(out, outlen, "%s needs %zu data field%s, found %zu", tname, min,
			 min == 1 ? "" : "s", n);
		found = true;
		goto done;
	}
	for (size_t i = 0; i < n && i < max; i++) {
		ldns_rdf_type ft = ldns_rr_descriptor_field_type(d, i);
		/* base64 and hex may be split by spaces in the last field */
		if ((ft == LDNS_RDF_TYPE_B64 || ft == LDNS_RDF_TYPE_HEX) && i + 1 == max) {
			for (size_t k = i + 1; k < n; k++)
				if (strlen(tok[i]) + strlen(tok[k]) < LINT_TOKEN_MAX)
					strcat(tok[i], tok[k]);
			n = max;
		}
		ldns_status st = field_status(ft, tok[i]);
		if (st != LDNS_STATUS_OK || number_too_big(ft, tok[i])) {
			const char *why = st != LDNS_STATUS_OK && st != LDNS_STATUS_ERR
					  ? ldns_get_errorstr_by_id(st) : NULL;
			snprintf(out, outlen, "%s data field %zu '%s' is not %s%s%s", tname, i + 1,
				 tok[i], field_kind(ft), why ? ": " : "", why ? why : "");
			found = true;
			goto done;
		}
	}
	if (n > max) {
		snprintf(out, outlen, "%s has %zu data field%s, found %zu: '%s' is too many",
			 tname, max, max == 1 ? "" : "s", n, tok[max]);
		found = true;
	}
done:
	free(tok);
	return found;
}

/* True when a wildcard of the zone covers name (lowercase wire form,
 * strictly below the origin): *.parent exists for a parent of name at or
 * below the origin (RFC 4592 §2.2.1, closest encloser not considered). */
static bool wildcard_covers(const struct zone *z, const uint8_t *name)
{
	uint8_t wc[WIRE_NAME_MAX];
	const uint8_t *p = name;

	while (*p && wire_name_is_subdomain(p, z->origin)) {
		p = wire_name_parent(p);
		size_t pl = wire_name_len(p);
		if (pl + 2 > WIRE_NAME_MAX)
			continue;
		wc[0] = 1;
		wc[1] = '*';
		memcpy(wc + 2, p, pl);
		if (zdb_find(z, wc, pl + 2))
			return true;
		if (pl == z->origin_len)
			break;
	}
	return false;
}

/* True when name or one of its parents below the origin is a node of z
 * that lies at or below a zone cut (its data are elsewhere). */
static bool below_cut(const struct zone *z, const uint8_t *name)
{
	for (const uint8_t *p = name; *p && wire_name_is_subdomain(p, z->origin);
	     p = wire_name_parent(p)) {
		const struct zone_node *a = zdb_find(z, p, wire_name_len(p));
		if (a)
			return (a->flags & (ZNODE_CUT | ZNODE_BELOW)) != 0;
	}
	return false;
}

void zlint_targets(struct zload *zl, const struct zone *z)
{
	char nb[1024], tb[1024];

	for (size_t i = 0; i < zl->nrecs; i++) {
		const struct zone_rec *r = &zl->recs[i];
		uint8_t target[WIRE_NAME_MAX];
		size_t off, len;
		const char *tn;

		switch (r->type) {
		case WIRE_TYPE_NS: off = 0; tn = "NS"; break;
		case WIRE_TYPE_CNAME: off = 0; tn = "CNAME"; break;
		case WIRE_TYPE_MX: off = 2; tn = "MX"; break;
		case WIRE_TYPE_SRV: off = 6; tn = "SRV"; break;
		default: continue;
		}
		if (r->dead || r->rdlen <= off || r->rdlen - off > WIRE_NAME_MAX)
			continue;
		len = r->rdlen - off;
		memcpy(target, r->rdata + off, len);
		wire_name_lower(target);
		/* only names strictly below the origin: that is where a name
		 * written without its final dot ends up (RFC 1035 §5.1) */
		if (len <= z->origin_len || !wire_name_is_subdomain(target, z->origin))
			continue;
		if (zdb_find(z, target, len) || below_cut(z, target) || wildcard_covers(z, target))
			continue;
		log_warn("%s:%u: %s target %s of %s has no data in the zone: a name missing "
			 "its final dot?", zl->files[r->file], r->line, tn,
			 zload_name(target, tb, sizeof tb), zload_name(r->owner, nb, sizeof nb));
	}
}
