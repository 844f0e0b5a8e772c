/* Helpers of the DNSSEC unit tests (test_dnssec.c, test_dnssec_deny.c,
 * test_dnssec_anchors.c): the committed signed zones of tests/data/dnssec
 * (make.sh there made them; signatures valid 2024-01-01 .. 2040-01-01)
 * read with ldns and turned into cairn's wire RRsets. */
#ifndef DNSSEC_TEST_UTIL_H
#define DNSSEC_TEST_UTIL_H

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/dnssec.h"

#define DDIR TEST_SRCDIR "/tests/data/dnssec/"
#define T_NOW 1893456000u        /* 2030-01-01, inside every validity window */
#define T_INCEPTION 1704067200u  /* 2024-01-01 */
#define T_EXPIRATION 2208988800u /* 2040-01-01 */

/* A wire RRset with its own storage (calloc'd, free() it). */
struct trs {
	struct wire_rrset rs;
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t data[65536];
};

/* All records of a zone file (the caller frees with ldns_rr_list_deep_free). */
static inline ldns_rr_list *t_load(const char *file)
{
	char path[1024];
	ldns_zone *z = NULL;
	ldns_rr_list *all;
	FILE *f;

	snprintf(path, sizeof path, DDIR "%s", file);
	f = fopen(path, "r");
	if (f == NULL || ldns_zone_new_frm_fp(&z, f, NULL, 0, LDNS_RR_CLASS_IN) != LDNS_STATUS_OK) {
		fprintf(stderr, "cannot load %s\n", path);
		abort();
	}
	fclose(f);
	all = ldns_rr_list_clone(ldns_zone_rrs(z));
	if (ldns_zone_soa(z))
		ldns_rr_list_push_rr(all, ldns_rr_clone(ldns_zone_soa(z)));
	ldns_zone_deep_free(z);
	return all;
}

/* Wire name of text into out (lowercase). */
static inline void t_name(const char *text, uint8_t *out)
{
	size_t len;
	if (wire_name_from_text(text, NULL, out, &len) != CAIRN_OK)
		abort();
}

/* Appends rr's rdata to t. */
static inline void t_add(struct trs *t, const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(4096);
	size_t n;

	if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK)
		abort();
	n = ldns_buffer_position(b);
	wire_put16(t->data + t->rs.rdata_len, (uint16_t)n);
	memcpy(t->data + t->rs.rdata_len + 2, ldns_buffer_begin(b), n);
	t->rs.rdata_len += 2 + (uint32_t)n;
	t->rs.count++;
	ldns_buffer_free(b);
}

/* An empty RRset (owner text, type) to fill with t_add. */
static inline struct trs *t_new(const char *owner, uint16_t type, uint32_t ttl)
{
	struct trs *t = calloc(1, sizeof *t);
	t_name(owner, t->owner);
	t->rs.owner = t->owner;
	t->rs.type = type;
	t->rs.rclass = WIRE_CLASS_IN;
	t->rs.ttl = ttl;
	t->rs.rdata = t->data;
	return t;
}

/* The RRset (owner, type) of all; for RRSIG only those covering covered
 * (0: all). Empty (count 0) when there is none. */
static inline struct trs *t_get(const ldns_rr_list *all, const char *owner, uint16_t type,
				uint16_t covered)
{
	struct trs *t = t_new(owner, type, 0);
	uint8_t n[WIRE_NAME_MAX];

	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(all, i);
		ldns_rdf *o = ldns_rr_owner(rr);
		if (ldns_rr_get_type(rr) != type || ldns_rdf_size(o) > WIRE_NAME_MAX)
			continue;
		memcpy(n, ldns_rdf_data(o), ldns_rdf_size(o));
		if (!wire_name_equal(n, t->owner))
			continue;
		if (type == WIRE_TYPE_RRSIG && covered != 0 &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != covered)
			continue;
		t->rs.ttl = ldns_rr_ttl(rr);
		t_add(t, rr);
	}
	return t;
}

/* Every NSEC (or NSEC3) RRset of all, one per owner, into out[] (at most
 * max); returns how many. Free each with free(). */
static inline unsigned t_denial(const ldns_rr_list *all, uint16_t type, struct trs **out,
				unsigned max)
{
	unsigned n = 0;
	char *text;

	for (size_t i = 0; i < ldns_rr_list_rr_count(all) && n < max; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(all, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		text = ldns_rdf2str(ldns_rr_owner(rr));
		out[n++] = t_get(all, text, type, 0);
		free(text);
	}
	return n;
}

/* The first record of rs (for tampering): pointer to its rdata, *len. */
static inline uint8_t *t_rdata(struct trs *t, unsigned index, uint16_t *len)
{
	size_t pos = 0;
	for (unsigned i = 0; i < index; i++)
		pos += 2u + wire_get16(t->data + pos);
	*len = wire_get16(t->data + pos);
	return t->data + pos + 2;
}

#endif
