/* rpl_int: what the files of the .rpl parser share (rpl.c: entries,
 * ranges, steps; rpl_config.c: the CONFIG section). Test code only. */
#ifndef CAIRN_TESTS_RPL_INT_H
#define CAIRN_TESTS_RPL_INT_H

#include "rpl.h"

/* The parser's state while it reads one file. */
struct rpl_parser {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
	struct rpl_scenario *s;
	struct rpl_step *last_step;
	struct rpl_range *last_range;
	struct rpl_entry *entry;        /* being read */
	struct rpl_entry **entry_dst;   /* where it goes when complete */
	int section;                    /* LDNS_SECTION_* or -1 (none), -2 RAW */
	size_t raw_cap;
	unsigned nhints;
};

/* The CONFIG section as it is read. */
struct rpl_cfgtext {
	char *buf, *hints;
	size_t len, cap, hlen, hcap;
	bool in_stub;
	uint64_t wall_base;        /* val-override-date, 0: not given */
};

/* Writes "path:line: message" into p's error buffer; returns
 * CAIRN_EFORMAT (for "return rpl_perr(...)"). */
cairn_err rpl_perr(struct rpl_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Cuts a ';' comment (outside double quotes) and trailing white space off
 * s, in place. */
void rpl_strip_comment(char *s);
/* True and *out when s is a decimal number <= max; false otherwise. */
bool rpl_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* Appends s to the malloc'd string *buf (*len bytes used of *cap); aborts
 * when out of memory (test code). */
void rpl_append(char **buf, size_t *len, size_t *cap, const char *s);
/* One line of the CONFIG section (raw, as in the file) into c: returns
 * CAIRN_OK or CAIRN_EFORMAT with the reason in p's error buffer. */
cairn_err rpl_config_line(struct rpl_parser *p, struct rpl_cfgtext *c, const char *raw);

#endif
