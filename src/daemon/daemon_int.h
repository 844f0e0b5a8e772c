/* daemon internals shared by main.c and lifecycle.c: the pid file (locked,
 * so a second cairnd on the same pid file refuses to run), the user to
 * become (looked up before a chroot) and the chroot itself. */
#ifndef CAIRN_DAEMON_INT_H
#define CAIRN_DAEMON_INT_H

#include "cairn/common.h"
#include "cairn/config.h"
#include "cairn/stats.h"
#include "cairn/wire.h"
#include "cairn/zone.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* The account of `user:`, read while /etc is still reachable. */
struct daemon_user {
	char *name;              /* NULL: stay who we are */
	uid_t uid;
	gid_t gid;
	gid_t *groups;           /* supplementary groups (getgrouplist) */
	int ngroups;
};

/* Looks name up (NULL or "" fills u with "no user"). Returns CAIRN_OK,
 * CAIRN_EINVAL for an unknown user (logged), CAIRN_ENOMEM. u is the
 * caller's; free with daemon_user_free. */
cairn_err daemon_user_lookup(const char *name, struct daemon_user *u);
void daemon_user_free(struct daemon_user *u);
/* Switches to u for good: setgroups, setgid, setuid, each checked, then
 * checks that root cannot be regained (setuid(0) must fail). Not root and
 * already u: nothing to do. Returns CAIRN_OK or CAIRN_EIO (logged). */
cairn_err daemon_user_drop(const struct daemon_user *u);

/* Opens and locks (flock) the pid file at path, creating its directory
 * (owned by uid:gid) when missing. When another process holds the lock,
 * or the file names a live cairnd, logs "already running" and returns
 * CAIRN_EEXIST; CAIRN_EIO for other problems (logged). *fd is kept open
 * (and locked) until daemon_pidfile_remove; the lock passes to a fork. */
cairn_err daemon_pidfile_lock(const char *path, uid_t uid, gid_t gid, int *fd);
/* Writes our pid into the locked file. Returns CAIRN_OK or CAIRN_EIO. */
cairn_err daemon_pidfile_write(int fd, const char *path);
/* Removes the pid file, or empties it when its directory does not let us
 * (after a privilege drop), and closes fd. */
void daemon_pidfile_remove(int fd, const char *path);

/* chroot(dir) and chdir("/"). Returns CAIRN_OK or CAIRN_EIO (logged). */
cairn_err daemon_chroot(const char *dir);
/* path as seen inside the chroot dir (the prefix removed), or path itself
 * when it does not lie inside dir (or dir is NULL/""). */
const char *daemon_chroot_path(const char *dir, const char *path);

/* cairnd -n: checks what start-up needs beyond the configuration's syntax
 * (precheck.c): the user exists, root-hints and trust anchor files are
 * readable, the directories of the log file, pid file and control socket
 * exist. Each problem goes to report (file:line of the key). Returns the
 * number of problems. */
unsigned daemon_precheck(const struct cairn_config *cfg, config_report_fn report, void *ctx);

/* The gid of group name into *gid ((gid_t)-1 for NULL or ""). Returns
 * CAIRN_OK or CAIRN_EINVAL when there is no such group (precheck.c). */
cairn_err daemon_group_lookup(const char *name, gid_t *gid);
/* Sends state ("READY=1", "STOPPING=1", ...) to the service manager
 * (notify.c): sd_notify() when built with libsystemd, else one datagram to
 * $NOTIFY_SOCKET; nothing without it. Problems are logged, never fatal. */
void daemon_notify(const char *state);
/* The datagram of sd_notify(3) to the socket path ('@' first: abstract).
 * Returns CAIRN_OK, CAIRN_EINVAL (a bad address) or CAIRN_EIO (logged). */
cairn_err daemon_notify_socket(const char *path, const char *state);

/* ---- zones and reloads (reload.c) ---- */

/* Where file:line problems go: stderr before start-up is done, the log
 * afterwards (reloads), and out too when not NULL (cairn-control). */
struct daemon_reporter {
	bool to_log;
	unsigned count;
	FILE *out;
};
/* A problem to r (a struct daemon_reporter): zone_report_fn and
 * config_report_fn. */
void daemon_report(void *r, const char *file, unsigned line, const char *msg);

/* What a served zone was read from: its file's identity at that time. */
struct daemon_stamp {
	uint8_t origin[WIRE_NAME_MAX];  /* lowercase wire name */
	char *file;                     /* owned */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int64_t loaded_at;              /* Unix time the data served was read */
};
struct daemon_stamps {
	struct daemon_stamp *z;
	size_t n;
};
void daemon_stamps_free(struct daemon_stamps *st);
/* The stamp of the zone origin (lowercase wire), or NULL. */
const struct daemon_stamp *daemon_stamp_find(const struct daemon_stamps *st,
					     const uint8_t *origin);

/* One loading of the configuration's zones. */
struct daemon_load {
	struct daemon_reporter *r;
	const struct zone_set *prev;        /* served until now, NULL at start-up */
	const struct daemon_stamps *prev_stamps;
	const uint8_t *only;     /* reload this zone only (the others as served) */
	struct zone *fresh;      /* a transferred zone to install (taken) */
	/* filled in */
	unsigned loaded, unchanged, failed;
	char summary[4096];      /* "name serial N, R records; ..." of those loaded */
};
/* Builds the set of cfg's zones into *out (the caller's) and their stamps
 * into *stamps (the caller's: daemon_stamps_free): a zone of l->prev whose
 * file has the same identity as when it was read (or, with l->only, every
 * zone but that one) is kept as it is; the others are read. At start-up
 * (no l->prev) any problem fails: CAIRN_EFORMAT or CAIRN_EIO, nothing in
 * *out. Else a zone that fails keeps its old data (reported) and the
 * result is CAIRN_EFORMAT with *out set; CAIRN_ENOMEM or CAIRN_EEXIST
 * (two zones with one name) leave *out NULL. Takes l->fresh. */
cairn_err daemon_load_zones(const struct cairn_config *cfg, struct daemon_load *l,
			    struct zone_set **out, struct daemon_stamps *stamps);

struct server;
struct xfr_service;
/* What the signal loop and the control threads share. Reloads run under
 * lock (SIGHUP on the main thread, `reload` and `reload-zone` on control
 * threads, a transfer on the transfer thread). */
struct daemon {
	struct server *srv;
	const char *conf;        /* as seen after a chroot */
	uint64_t start_ms;
	pthread_mutex_t lock;
	uint64_t reloads, reload_failures, zones;
	struct xfr_service *xfr;     /* NOTIFY out, secondary zones */
	const struct cairn_config *cfg0;  /* read at start-up (run's) */
	struct cairn_config *cfg_now;     /* read by the last good reload, or NULL */
	const struct zone_set *served; /* the set last published (under lock) */
	struct daemon_stamps stamps;   /* its zones' files (under lock) */
	struct stats_snapshot stats_base; /* counters at the last flush-stats (under lock) */
	struct daemon_options *opts;   /* get-option / set-option (options.c) */
};

enum daemon_reload_kind {
	DAEMON_RELOAD_ALL,       /* SIGHUP, `reload`: the configuration read again,
	                          * the zones whose file changed */
	DAEMON_RELOAD_ZONE,      /* `reload-zone NAME`: that zone's file, read again
	                          * whether it changed or not */
	DAEMON_RELOAD_XFR,       /* a transfer installs a secondary zone (fresh) */
};
/* Reloads as kind says and publishes the new zone set (the configuration
 * too for DAEMON_RELOAD_ALL). only: the zone of DAEMON_RELOAD_ZONE
 * (lowercase wire). Problems are logged and written to out (may be NULL).
 * Returns CAIRN_OK; CAIRN_EFORMAT when a zone kept its old data (the
 * others are published) or the configuration has problems (nothing
 * changed); CAIRN_ENOTFOUND when only is no zone of the configuration;
 * other errors: nothing changed. Takes fresh. */
cairn_err daemon_reload(struct daemon *d, FILE *out, enum daemon_reload_kind kind,
			const uint8_t *only, struct zone *fresh);

/* ---- get-option / set-option (options.c) ---- */
struct daemon_options;
/* The options as cfg0 (the configuration read at start-up, which must
 * outlive them) sets them. Returns CAIRN_OK and *out (daemon_options_free)
 * or CAIRN_ENOMEM. */
cairn_err daemon_options_new(const struct cairn_config *cfg0, struct daemon_options **out);
void daemon_options_free(struct daemon_options *o);
/* get-option KEY: the value in use as "KEY: VALUE" lines (a "# KEY: ..."
 * comment when it is not set) to out. CAIRN_OK, CAIRN_ENOTFOUND (no such
 * key), CAIRN_EINVAL (a key of the zone:, forward-zone: or key: clauses;
 * why written to out). */
cairn_err daemon_option_get(struct daemon_options *o, const char *key, FILE *out);
/* set-option KEY VALUE: checks value with the configuration parser and,
 * for a key that may change at run time, gives it to srv's workers and
 * writes the new "KEY: VALUE" to out. CAIRN_OK, CAIRN_ENOTFOUND (no such
 * key), CAIRN_EINVAL (a bad value or a key fixed at start-up; why written
 * to out) or as server_resolver_tune. */
cairn_err daemon_option_set(struct daemon_options *o, struct server *srv, const char *key,
			    const char *value, FILE *out);

#endif
