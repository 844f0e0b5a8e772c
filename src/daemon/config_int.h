/* config internals shared by the grammar (config.c) and the table of keys
 * (config_keys.c): the shape of a key and of a clause, and the parser state
 * a key's parser reports through. */
#ifndef CAIRN_CONFIG_INT_H
#define CAIRN_CONFIG_INT_H

#include "cairn/config.h"

#include <stdbool.h>
#include <stddef.h>

struct config_parser;

enum key_type {
	KEY_BOOL,        /* yes | no, into a bool */
	KEY_UINT,        /* decimal in [min, max], into an unsigned */
	KEY_STRING,      /* any text, into a char * */
	KEY_PATH,        /* a path resolved against the config's directory */
	KEY_FUNC,        /* parsed by fn */
};

/* One row of the key table. */
struct config_key {
	const char *clause;      /* clause the key belongs to */
	const char *name;
	enum key_type type;
	size_t offset;           /* into the clause's target struct */
	unsigned long min, max;  /* KEY_UINT */
	bool repeatable;
	/* KEY_FUNC: parses value into target; reports and returns false on
	 * a problem. */
	bool (*fn)(struct config_parser *p, void *target, const char *value);
};

/* One row of the clause table. */
struct config_clause {
	const char *name;
	/* Opens a new instance of the clause: returns the struct its keys
	 * write to, or NULL after reporting a problem. */
	void *(*begin)(struct config_parser *p);
	/* Checks the instance once the clause ends (may be NULL). */
	void (*end)(struct config_parser *p, void *target);
	bool repeat_keys_reset;  /* each instance may set its keys again */
};

/* The state of one config_load_text: owned by it, lent to the parsers. */
struct config_parser {
	struct cairn_config *cfg;
	const char *file;
	unsigned line;
	config_report_fn report;
	void *ctx;
	unsigned errors;
	const struct config_clause *clause; /* NULL before the first clause */
	unsigned clause_line;
	void *target;                    /* NULL when the clause failed to open */
	unsigned *seen;                  /* per key: line where it was set */
};

/* The tables (config_keys.c), constant. */
extern const struct config_clause config_clauses[];
extern const size_t config_n_clauses;
extern const struct config_key config_keys[];
extern const size_t config_n_keys;

/* Formats a problem at line of p's file, passes it to p's report function
 * and counts it (the load then fails with CAIRN_EFORMAT). */
/* A copy of the name value without its final dot (the caller frees it);
 * NULL when out of memory (reported). */
char *config_dup_name(struct config_parser *p, const char *value);
void config_report(struct config_parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Returns a malloc'd copy of value resolved against the config's directory
 * ("" stays ""; the caller frees it), or NULL when out of memory. */
char *config_resolve_path(const struct config_parser *p, const char *value);

/* Returns whether key name of clause was set in the clause being parsed. */
bool config_key_given(const struct config_parser *p, const char *clause,
		      const char *name);

/* Fills cfg with the default of every setting that has one. */
void config_set_defaults(struct cairn_config *cfg);

/* Sets the default listen addresses (127.0.0.1@53, ::1@53) into cfg, which
 * has none. Returns CAIRN_OK, CAIRN_ENOMEM or CAIRN_EINVAL. */
cairn_err config_add_default_listen(struct cairn_config *cfg);

/* ---- zone transfers (config_xfr.c) ---- */
/* the key: clause */
void *config_key_begin(struct config_parser *p);
void config_key_end(struct config_parser *p, void *target);
bool config_parse_key_name(struct config_parser *p, void *target, const char *value);
bool config_parse_key_algorithm(struct config_parser *p, void *target, const char *value);
bool config_parse_key_secret(struct config_parser *p, void *target, const char *value);
/* zone keys */
bool config_parse_provide_xfr(struct config_parser *p, void *target, const char *value);
bool config_parse_allow_notify(struct config_parser *p, void *target, const char *value);
bool config_parse_notify(struct config_parser *p, void *target, const char *value);
bool config_parse_primary(struct config_parser *p, void *target, const char *value);
bool config_parse_ixfr_size(struct config_parser *p, void *target, const char *value);
/* Checks, once the file is read, that every key named by a zone exists. */
void config_xfr_finish(struct config_parser *p);
/* Free what the transfer keys allocated in z / in cfg->keys. */
void config_xfr_free_zone(struct config_zone *z);
void config_xfr_free_keys(struct cairn_config *cfg);

#endif
