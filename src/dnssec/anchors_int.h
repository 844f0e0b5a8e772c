/* dnssec anchor internals, shared by anchors.c (the store) and
 * anchor_parse.c (reading records) only. */
#ifndef CAIRN_DNSSEC_ANCHORS_INT_H
#define CAIRN_DNSSEC_ANCHORS_INT_H

#include "dnssec_int.h"

#include <stdio.h>

/* One anchor record in wire form. */
struct anc_rec {
	uint8_t owner[WIRE_NAME_MAX];   /* lowercase */
	uint16_t type;                  /* WIRE_TYPE_DS or WIRE_TYPE_DNSKEY */
	uint16_t len;
	uint8_t *rd;                    /* malloc'd */
};
struct anc_list {
	struct anc_rec *v;
	unsigned n, cap;
};

/* Adds a copy of one record (duplicates dropped). CAIRN_OK or CAIRN_ENOMEM. */
cairn_err anc_list_add(struct anc_list *l, const uint8_t *owner, uint16_t type,
		       const uint8_t *rd, uint16_t len);
/* Frees the records; l is empty again. */
void anc_list_free(struct anc_list *l);
/* Reads the records of an open file (path for messages) into l. Returns
 * CAIRN_OK, CAIRN_EFORMAT (logged with path:line), CAIRN_EIO, CAIRN_ENOMEM. */
cairn_err anc_read_file(const char *path, FILE *f, struct anc_list *l);
/* Reads trust-anchor: lines into l; errors as anc_read_file. */
cairn_err anc_read_lines(const char *const *lines, unsigned n, struct anc_list *l);
/* Reads file, or (file NULL) default_file, or (default_file missing) the
 * built-in root anchors (*builtin set) into l. Errors as anc_read_file. */
cairn_err anc_read_default(const char *file, const char *default_file, struct anc_list *l,
			   bool *builtin);

#endif
