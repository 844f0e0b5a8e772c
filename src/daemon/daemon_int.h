/* daemon internals shared by main.c and lifecycle.c: the pid file (locked,
 * so a second cairnd on the same pid file refuses to run), the user to
 * become (looked up before a chroot) and the chroot itself. */
#ifndef CAIRN_DAEMON_INT_H
#define CAIRN_DAEMON_INT_H

#include "cairn/common.h"
#include "cairn/config.h"

#include <sys/types.h>

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

#endif
