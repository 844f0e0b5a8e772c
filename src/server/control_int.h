/* control_int: the control commands that live in their own files
 * (control_explain.c, control_cachefile.c), called by control.c's
 * command table. */
#ifndef CAIRN_CONTROL_INT_H
#define CAIRN_CONTROL_INT_H

#include "cairn/control.h"
#include "cairn/wire.h"

#include <stdbool.h>
#include <stdio.h>

/* explain [--json] [--no-cache] NAME [TYPE]: writes the reply to out;
 * true when it is "ok". */
bool control_cmd_explain(const struct control_target *t, int argc, char **argv, FILE *out);

/* dump-cache FILE / load-cache FILE (control_cachefile.c). */
bool control_cmd_dump_cache(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_load_cache(const struct control_target *t, int argc, char **argv, FILE *out);

/* control_ops.c: flush-negative, flush-type NAME TYPE, flush-stats,
 * verbosity [N], reopen-log, list-zones [--json]. */
bool control_cmd_flush_negative(const struct control_target *t, int argc, char **argv,
				FILE *out);
bool control_cmd_flush_type(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_flush_stats(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_verbosity(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_reopen_log(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_list_zones(const struct control_target *t, int argc, char **argv, FILE *out);
/* infra [--json] [ADDRESS] and flush-infra ADDRESS|all (argv[0] says which). */
bool control_cmd_infra(const struct control_target *t, int argc, char **argv, FILE *out);
/* lookup [--json] NAME */
bool control_cmd_lookup(const struct control_target *t, int argc, char **argv, FILE *out);
/* insecure-add NAME, insecure-remove NAME, insecure-list [--json]
 * (control_dnssec.c; argv[0] says which) */
bool control_cmd_insecure(const struct control_target *t, int argc, char **argv, FILE *out);
/* list-local-zones [--json] */
bool control_cmd_list_local_zones(const struct control_target *t, int argc, char **argv,
				  FILE *out);

/* cachefile.c: writes the records of rs (uncompressed rdata, as the cache
 * keeps them) as presentation-format lines to out; a record ldns cannot
 * show is left out, with a comment line when note_unshown. Thread safe. */
void server_print_rrset(const struct wire_rrset *rs, FILE *out, bool note_unshown);

/* control_ops.c: the message of an error of a request handed to the
 * workers (infra, lookup, forward-*, set-option). */
const char *control_infra_error(cairn_err err);

/* control_runtime.c: reload-zone ZONE; forward-list [--json], forward-add
 * ZONE ADDR..., forward-remove ZONE (argv[0] says which); get-option KEY,
 * set-option KEY VALUE (argv[0] says which). */
bool control_cmd_reload_zone(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_forward(const struct control_target *t, int argc, char **argv, FILE *out);
bool control_cmd_option(const struct control_target *t, int argc, char **argv, FILE *out);

/* control_ops.c: writes s as a JSON string (quoted, escaped) to out. */
void control_json_str(FILE *out, const char *s);

#endif
