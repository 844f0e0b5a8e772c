/* dnssec/anchor_parse.c: reading trust anchors: DS and DNSKEY records in
 * presentation form (ldns parses one record at a time) from a zone-file
 * style file (Debian's root.key, unbound's auto-trust-anchor files: ';'
 * comments, parentheses, $ORIGIN, $TTL) or from trust-anchor: lines, into
 * wire-form records for anchors.c. Errors are logged with file:line. */
#include "anchors_int.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* IANA's root-anchors.xml (https://data.iana.org/root-anchors/), as
 * published: KSK-2017 and KSK-2024, SHA-256 DS form. Used only when the
 * default trust-anchor file is missing. */
static const char *const builtin_root[] = {
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

cairn_err anc_list_add(struct anc_list *l, const uint8_t *owner, uint16_t type,
		       const uint8_t *rd, uint16_t len)
{
	struct anc_rec *r;

	for (unsigned i = 0; i < l->n; i++)       /* duplicates are dropped */
		if (l->v[i].type == type && l->v[i].len == len &&
		    wire_name_equal(l->v[i].owner, owner) && memcmp(l->v[i].rd, rd, len) == 0)
			return CAIRN_OK;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? 2 * l->cap : 8;
		struct anc_rec *v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			return CAIRN_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	r = &l->v[l->n];
	r->rd = malloc(len ? len : 1);
	if (r->rd == NULL)
		return CAIRN_ENOMEM;
	memcpy(r->rd, rd, len);
	memcpy(r->owner, owner, wire_name_len(owner));
	r->type = type;
	r->len = len;
	l->n++;
	return CAIRN_OK;
}

void anc_list_free(struct anc_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i].rd);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Parses one record (text without comments) into l; *why on EFORMAT. */
static cairn_err parse_record(const char *text, ldns_rdf *origin, uint32_t ttl,
			      struct anc_list *l, const char **why)
{
	ldns_rr *rr = NULL;
	ldns_buffer *buf = NULL;
	ldns_rdf *owner;
	uint8_t name[WIRE_NAME_MAX];
	cairn_err err = CAIRN_EFORMAT;
	ldns_status st;

	st = ldns_rr_new_frm_str(&rr, text, ttl, origin, NULL);
	if (st != LDNS_STATUS_OK) {
		*why = ldns_get_errorstr_by_id(st);
		goto done;
	}
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_DS && ldns_rr_get_type(rr) != LDNS_RR_TYPE_DNSKEY) {
		*why = "not a DS or DNSKEY record";
		goto done;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		*why = "class is not IN";
		goto done;
	}
	owner = ldns_rr_owner(rr);
	if (ldns_rdf_size(owner) > WIRE_NAME_MAX) {
		*why = "owner name too long";
		goto done;
	}
	memcpy(name, ldns_rdf_data(owner), ldns_rdf_size(owner));
	wire_name_lower(name);
	buf = ldns_buffer_new(512);
	if (buf == NULL || ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK) {
		err = CAIRN_ENOMEM;
		goto done;
	}
	if (ldns_buffer_position(buf) < 4 || ldns_buffer_position(buf) > UINT16_MAX) {
		*why = "record data too short";
		goto done;
	}
	err = anc_list_add(l, name, (uint16_t)ldns_rr_get_type(rr), ldns_buffer_begin(buf),
			   (uint16_t)ldns_buffer_position(buf));
done:
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	return err;
}

/* Removes a ';' comment and the parentheses of a multi-line record from
 * line (in place); *depth counts the open parentheses. */
static void strip(char *line, int *depth)
{
	for (char *p = line; *p; p++) {
		if (*p == ';') {
			*p = '\0';
			break;
		}
		if (*p == '(' || *p == ')') {
			*depth += *p == '(' ? 1 : -1;
			*p = ' ';
		}
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* Appends s to the record being assembled in *rec (malloc'd). */
static cairn_err append(char **rec, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *r = realloc(*rec, *len + n + 2);

	if (r == NULL)
		return CAIRN_ENOMEM;
	memcpy(r + *len, s, n);
	r[*len + n] = ' ';
	r[*len + n + 1] = '\0';
	*len += n + 1;
	*rec = r;
	return CAIRN_OK;
}

/* Handles a $ORIGIN or $TTL line; CAIRN_EFORMAT for other directives. */
static cairn_err directive(const char *line, ldns_rdf **origin, uint32_t *ttl,
			   const char **why)
{
	char word[16], arg[1100];

	if (sscanf(line, " %15s %1099s", word, arg) != 2) {
		*why = "directive without argument";
		return CAIRN_EFORMAT;
	}
	if (strcmp(word, "$TTL") == 0) {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);
		if (*end != '\0' || v > INT32_MAX) {
			*why = "bad $TTL";
			return CAIRN_EFORMAT;
		}
		*ttl = (uint32_t)v;
		return CAIRN_OK;
	}
	if (strcmp(word, "$ORIGIN") == 0) {
		ldns_rdf *o = NULL;
		if (ldns_str2rdf_dname(&o, arg) != LDNS_STATUS_OK || !ldns_dname_str_absolute(arg)) {
			ldns_rdf_deep_free(o);
			*why = "bad $ORIGIN (an absolute name is needed)";
			return CAIRN_EFORMAT;
		}
		ldns_rdf_deep_free(*origin);
		*origin = o;
		return CAIRN_OK;
	}
	*why = "unknown directive";
	return CAIRN_EFORMAT;
}

cairn_err anc_read_file(const char *path, FILE *f, struct anc_list *l)
{
	char *line = NULL, *rec = NULL;
	size_t cap = 0, reclen = 0;
	unsigned lineno = 0, start = 0;
	int depth = 0;
	uint32_t ttl = 3600;
	ldns_rdf *origin = NULL;
	cairn_err err = CAIRN_OK;
	const char *why = NULL;

	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		strip(line, &depth);
		if (reclen == 0 && blank(line))
			continue;
		if (reclen == 0 && line[strspn(line, " \t")] == '$') {
			if ((err = directive(line, &origin, &ttl, &why)) != CAIRN_OK)
				goto bad;
			continue;
		}
		if (reclen == 0)
			start = lineno;
		if ((err = append(&rec, &reclen, line)) != CAIRN_OK)
			goto done;
		if (depth > 0)
			continue;
		if (depth < 0) {
			why = "unbalanced parentheses";
			err = CAIRN_EFORMAT;
			goto bad;
		}
		if ((err = parse_record(rec, origin, ttl, l, &why)) != CAIRN_OK)
			goto bad;
		reclen = 0;
	}
	if (ferror(f)) {
		log_err("%s: read error: %s", path, strerror(errno));
		err = CAIRN_EIO;
	} else if (reclen != 0) {
		lineno = start;
		why = "unbalanced parentheses";
		err = CAIRN_EFORMAT;
		goto bad;
	}
	goto done;
bad:
	if (err == CAIRN_EFORMAT)
		log_err("%s:%u: bad trust anchor: %s", path, reclen ? start : lineno, why);
done:
	ldns_rdf_deep_free(origin);
	free(rec);
	free(line);
	return err;
}

cairn_err anc_read_lines(const char *const *lines, unsigned n, struct anc_list *l)
{
	cairn_err err;
	const char *why = NULL;

	for (unsigned i = 0; i < n; i++) {
		char *copy = strdup(lines[i]);
		int depth = 0;
		if (copy == NULL)
			return CAIRN_ENOMEM;
		strip(copy, &depth);
		err = depth != 0 ? CAIRN_EFORMAT : parse_record(copy, NULL, 3600, l, &why);
		free(copy);
		if (err == CAIRN_EFORMAT)
			log_err("trust-anchor: \"%s\": bad trust anchor: %s", lines[i],
				depth != 0 ? "unbalanced parentheses" : why);
		if (err != CAIRN_OK)
			return err;
	}
	return CAIRN_OK;
}

cairn_err anc_read_default(const char *file, const char *default_file, struct anc_list *l,
			   bool *builtin)
{
	const char *path = file ? file : default_file;
	FILE *f = fopen(path, "r");
	cairn_err err;

	*builtin = false;
	if (f == NULL) {
		if (file == NULL && errno == ENOENT) {
			/* the default file is optional: fall back on IANA's
			 * root KSKs compiled in */
			log_info("%s is missing: using the built-in root trust anchors "
				 "(KSK-2017 20326, KSK-2024 38696)", path);
			*builtin = true;
			return anc_read_lines(builtin_root,
					      sizeof builtin_root / sizeof builtin_root[0], l);
		}
		log_err("%s: cannot read the trust anchor file: %s", path, strerror(errno));
		return CAIRN_EIO;
	}
	err = anc_read_file(path, f, l);
	fclose(f);
	return err;
}
