/* lifecycle: cairnd's pid file (flock'ed), privilege drop and chroot. See
 * daemon_int.h. */
#include "daemon_int.h"
#include "cairn/control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

cairn_err daemon_user_lookup(const char *name, struct daemon_user *u)
{
	struct passwd *pw;
	int n = 16;

	memset(u, 0, sizeof(*u));
	if (!name || !name[0])
		return CAIRN_OK;
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		log_err("user '%s': %s", name, errno ? strerror(errno) : "no such user");
		return CAIRN_EINVAL;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->name = strdup(name);
	for (;;) {
		gid_t *grown = realloc(u->groups, (size_t)n * sizeof(gid_t));
		int want = n;

		if (!grown || !u->name) {
			if (grown)
				u->groups = grown;
			daemon_user_free(u);
			log_err("user '%s': out of memory", name);
			return CAIRN_ENOMEM;
		}
		u->groups = grown;
		if (getgrouplist(name, u->gid, u->groups, &want) >= 0) {
			u->ngroups = want;
			return CAIRN_OK;
		}
		n = want > n ? want : n * 2;
	}
}

void daemon_user_free(struct daemon_user *u)
{
	free(u->name);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

cairn_err daemon_user_drop(const struct daemon_user *u)
{
	if (!u->name)
		return CAIRN_OK;
	if (geteuid() != 0) {
		if (geteuid() == u->uid)
			return CAIRN_OK;
		log_err("cannot switch to user '%s': not running as root", u->name);
		return CAIRN_EIO;
	}
	/* order matters: groups and gid while still root, the uid last */
	if (setgroups((size_t)u->ngroups, u->groups) != 0) {
		log_err("cannot switch to user '%s': setgroups: %s", u->name, strerror(errno));
		return CAIRN_EIO;
	}
	if (setgid(u->gid) != 0) {
		log_err("cannot switch to user '%s': setgid(%ld): %s", u->name, (long)u->gid,
			strerror(errno));
		return CAIRN_EIO;
	}
	if (setuid(u->uid) != 0) {
		log_err("cannot switch to user '%s': setuid(%ld): %s", u->name, (long)u->uid,
			strerror(errno));
		return CAIRN_EIO;
	}
	/* the drop must stick: no way back to root (unless the user is root) */
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_err("dropping privileges to '%s' did not stick: root is still reachable",
			u->name);
		return CAIRN_EIO;
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid ||
	    getegid() != u->gid) {
		log_err("dropping privileges to '%s' did not stick", u->name);
		return CAIRN_EIO;
	}
	return CAIRN_OK;
}

/* True when pid is a live process called cairnd (other than us). */
static bool cairnd_alive(long pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (pid <= 0 || pid == (long)getpid())
		return false;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return true; /* alive; no /proc to tell what it is: be careful */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "cairnd") == 0;
}

static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

cairn_err daemon_pidfile_lock(const char *path, uid_t uid, gid_t gid, int *fd)
{
	long pid;

	*fd = -1;
	if (control_prepare_dir(path, uid, gid) != CAIRN_OK)
		return CAIRN_EIO;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd < 0) {
		log_err("cannot open pidfile %s: %s", path, strerror(errno));
		return CAIRN_EIO;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		cairn_err err = CAIRN_EIO;

		if (errno == EWOULDBLOCK) {
			pid = read_pid(*fd);
			log_err("pidfile %s is locked: cairnd is already running (pid %ld); "
				"not starting a second copy", path, pid);
			err = CAIRN_EEXIST;
		} else {
			log_err("cannot lock pidfile %s: %s", path, strerror(errno));
		}
		close(*fd);
		*fd = -1;
		return err;
	}
	/* unlocked but naming a live cairnd (one that did not lock, or whose
	 * file was recreated): refuse too */
	pid = read_pid(*fd);
	if (cairnd_alive(pid)) {
		log_err("pidfile %s names a running cairnd (pid %ld); not starting a "
			"second copy", path, pid);
		close(*fd);
		*fd = -1;
		return CAIRN_EEXIST;
	}
	return CAIRN_OK;
}

cairn_err daemon_pidfile_write(int fd, const char *path)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		log_err("cannot write pidfile %s: %s", path, strerror(errno));
		return CAIRN_EIO;
	}
	return CAIRN_OK;
}

void daemon_pidfile_remove(int fd, const char *path)
{
	if (fd < 0)
		return;
	if (unlink(path) != 0 && errno != ENOENT) {
		/* e.g. /run after dropping privileges: leave an empty file,
		 * which no later start mistakes for a running cairnd */
		log_warn("cannot remove pidfile %s (%s); emptied it instead", path,
			 strerror(errno));
		if (ftruncate(fd, 0) != 0)
			log_warn("cannot empty pidfile %s: %s", path, strerror(errno));
	}
	close(fd);
}

cairn_err daemon_chroot(const char *dir)
{
	if (chroot(dir) != 0 || chdir("/") != 0) {
		log_err("cannot chroot to %s: %s", dir, strerror(errno));
		return CAIRN_EIO;
	}
	return CAIRN_OK;
}

const char *daemon_chroot_path(const char *dir, const char *path)
{
	size_t n;

	if (!dir || !dir[0] || !path)
		return path;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) == 0 && path[n] == '/')
		return path + n;
	return path;
}
