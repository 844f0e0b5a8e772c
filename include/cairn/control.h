/* control: cairnd's control socket, a Unix stream socket on which local
 * administrators (root and the members of control-group, enforced by the
 * socket file's owner root, its group and mode 0660) send one command line
 * and read a text reply. A dedicated thread accepts connections; each is
 * served by a thread of its own (at most CONTROL_CLIENTS_MAX at once), so
 * a client that sends nothing delays nobody else. cairn-control(8) is its
 * client. */
#ifndef CAIRN_CONTROL_H
#define CAIRN_CONTROL_H

#include "cairn/common.h"

#include <stdio.h>
#include <sys/types.h>

#ifndef CAIRN_RUNDIR
#define CAIRN_RUNDIR "/run/cairnd"   /* configure --with-rundir */
#endif
#define CONTROL_DEFAULT_SOCKET CAIRN_RUNDIR "/cairnd.ctl"
#define CONTROL_LINE_MAX 1024      /* longest command line */
#define CONTROL_TIMEOUT_MS 5000    /* a client must send its line within this */
#define CONTROL_CLIENTS_MAX 16     /* connections served at once; more: "busy" */

/* Reply protocol: the first line is "ok" or "error: MESSAGE"; the body
 * follows; the daemon closes the connection after the reply. */
#define CONTROL_REPLY_OK "ok"
#define CONTROL_REPLY_ERR "error: "

struct control;
struct cache;
struct stats_snapshot;
struct server_explain;
struct resolver_forward;

/* One zone as list-zones shows it. */
struct control_zone_info {
	const char *name;        /* presentation form, with the final dot */
	bool loaded;             /* false: not served (a secondary zone before its
	                          * first transfer) */
	uint32_t serial;         /* SOA serial, when loaded */
	int64_t loaded_at;       /* when the copy served was loaded (Unix time) */
	const char *kind;        /* "primary", "secondary" or "catalog" */
	const char *file;
};

/* What the commands act on, supplied by the daemon. Callbacks run on the
 * control connections' threads, possibly several at once: they must be
 * thread safe. */
struct control_target {
	void *ctx;
	/* Fills *out with the current statistics (summed over workers,
	 * cache numbers, uptime, zones). Required. */
	void (*stats)(void *ctx, struct stats_snapshot *out);
	/* Rereads the configuration and every zone and swaps them in;
	 * writes problems (file:line) to out. Returns CAIRN_OK, or an error
	 * after which the old data keeps serving. When NULL, `reload` sends
	 * SIGHUP to the process instead. */
	cairn_err (*reload)(void *ctx, FILE *out);
	/* reload-zone NAME: reads that zone's file again (name: lowercase
	 * wire), keeping the old data on a problem (written to out with
	 * file:line). Returns CAIRN_OK, CAIRN_ENOTFOUND (no such zone in the
	 * configuration), CAIRN_EFORMAT (old data kept) or another error
	 * (NULL: the command answers with an error). */
	cairn_err (*reload_zone)(void *ctx, const uint8_t *name, FILE *out);
	/* The shared cache, or NULL when the daemon has none (flush and
	 * cache-show then answer with an error). */
	struct cache *(*cache)(void *ctx);
	/* The DNSSEC trust anchors and negative trust anchors (insecure-add,
	 * insecure-remove, insecure-list), or NULL when the daemon does not
	 * validate (the commands then answer with an error); may be NULL. */
	struct dsec_anchors *(*anchors)(void *ctx);
	/* Extra `status` lines (may be NULL). */
	void (*status)(void *ctx, FILE *out);
	/* `transfer NAME` and `zone-status NAME` (secondary zones, xfr.h):
	 * write the reply body to out; CAIRN_OK or an error (may be NULL). */
	cairn_err (*zone_transfer)(void *ctx, const char *name, FILE *out);
	cairn_err (*zone_status)(void *ctx, const char *name, FILE *out);
	/* explain: resolves (name, qtype) once in a worker (nocache: as if
	 * the cache were empty) and fills *out (server_explain). NULL: no
	 * resolver. */
	cairn_err (*explain)(void *ctx, const uint8_t *name, uint16_t qtype, bool nocache,
			     struct server_explain *out);
	/* Asks the daemon to stop (`stop`); when NULL, `stop` sends SIGTERM
	 * to the process, whose main thread then stops gracefully. Tests and
	 * tests/fuzz/fuzz_control.c set it. */
	void (*stop)(void *ctx);
	/* flush-stats: the counters start again from zero (NULL: the
	 * command answers with an error). */
	void (*flush_stats)(void *ctx);
	/* list-zones: calls fn once per configured zone, in the
	 * configuration's order; z is valid during the call (NULL: error). */
	void (*zones)(void *ctx, void (*fn)(void *arg, const struct control_zone_info *z),
		      void *arg);
	/* infra / flush-infra: as server_infra (server.h) with the daemon's
	 * server (NULL: no resolver). */
	cairn_err (*infra)(void *ctx, const struct cairn_sockaddr *only, bool flush, bool json,
			   char **out, size_t *removed);
	/* list-local-zones: calls fn with each locally served zone (name,
	 * kind) the resolver answers itself; CAIRN_ENOTFOUND without a
	 * resolver (NULL: the same). */
	cairn_err (*local_zones)(void *ctx, void (*fn)(void *arg, const char *name,
						       const char *kind), void *arg);
	/* lookup [--json] NAME: as server_lookup (server.h); NULL: no resolver. */
	cairn_err (*lookup)(void *ctx, const uint8_t *name, bool json, char **out);
	/* forward-list: fn for each forward zone in use; CAIRN_ENOTFOUND
	 * without a resolver (NULL: the same). */
	cairn_err (*forward_list)(void *ctx, void (*fn)(void *arg,
							 const struct resolver_forward *f), void *arg);
	/* forward-add / forward-remove (f->naddr 0): as server_forward_set
	 * (server.h); NULL: no resolver. */
	cairn_err (*forward_set)(void *ctx, const struct resolver_forward *f);
	/* get-option KEY: writes the value(s) as cairnd.conf lines "KEY: VALUE"
	 * to out. set-option KEY VALUE: checks value as the configuration
	 * parser does and applies it, or writes why not to out (one line).
	 * CAIRN_OK; CAIRN_ENOTFOUND (no such key), CAIRN_EINVAL (a bad value,
	 * or a key that cannot change at run time); NULL: error. */
	cairn_err (*option_get)(void *ctx, const char *key, FILE *out);
	cairn_err (*option_set)(void *ctx, const char *key, const char *value, FILE *out);
};

/* Creates the socket at path, owned by its creator (root) and group
 * sock_gid ((gid_t)-1: the creator's) with mode 0660, which must be done
 * while still root when the daemon drops privileges; uid:gid own the
 * directory when it has to be created (so that the daemon can remove the
 * socket after dropping privileges). A stale socket file (nobody
 * listening) is replaced; a live one means another cairnd: CAIRN_EEXIST.
 * Returns CAIRN_OK and *out (owned by the caller, control_free), CAIRN_EIO
 * (logged), CAIRN_EINVAL for a path too long for a socket, CAIRN_ENOMEM.
 * target is copied. A NULL path opens no socket (for control_execute in
 * tests). The socket's directory is created as control_prepare_dir does. */
cairn_err control_open(const char *path, uid_t uid, gid_t gid, gid_t sock_gid,
		       const struct control_target *target, struct control **out);

/* Creates the directory that will hold file (a pid file, the control
 * socket) when it is missing: mode 0755, owned by uid:gid ((uid_t)-1 keeps
 * root), so that the daemon can still remove file after dropping
 * privileges. Only the last component is created. Returns CAIRN_OK (also
 * when it exists) or CAIRN_EIO (logged). */
cairn_err control_prepare_dir(const char *file, uid_t uid, gid_t gid);

/* Starts the thread that serves the socket. Returns CAIRN_OK or CAIRN_EIO. */
cairn_err control_start(struct control *c);

/* Runs one command line (without newline) and writes the reply (status
 * line and body) to out. The thread uses it; tests may call it directly.
 * Returns true when the reply is "ok". */
bool control_execute(struct control *c, const char *line, FILE *out);

/* Writes the len bytes at p to the blocking descriptor fd, going on after
 * EINTR and short writes; both ends of the socket use it (cairn-control
 * for its command line, the daemon for its reply). Returns CAIRN_OK, or
 * CAIRN_EIO when a write failed (errno says why) or wrote nothing. */
cairn_err control_write_all(int fd, const char *p, size_t len);

/* Stops the thread, closes the socket and removes its file (when it can:
 * after a privilege drop the directory may not allow it; logged). */
void control_free(struct control *c);

#endif
