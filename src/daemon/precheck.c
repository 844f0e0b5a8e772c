/* precheck: what `cairnd -n` checks beyond the configuration's syntax and
 * the zones, so that a check that passes means start-up will not stop on
 * it: the user to become and the control socket's group exist, the files read at start-up are readable
 * (root hints, trust anchors), and the directories of the log file, the
 * pid file and the control socket exist (or, for the last two, can be
 * created: start-up creates only their last component). */
#include "config.h"

#include "config_int.h"
#include "cairn/dnssec.h"
#include "daemon_int.h"
#include "cairn/control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct precheck {
	const struct cairn_config *cfg;
	config_report_fn report;
	void *ctx;
	unsigned problems;
};

static void problem(struct precheck *pc, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct precheck *pc, const char *key, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pc->problems++;
	pc->report(pc->ctx, pc->cfg->path, key ? config_key_line(pc->cfg, "server", key) : 0, msg);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory part of path (malloc'd; "." for a bare name), NULL when
 * out of memory. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* The directory of file must exist; with creatable, it may also be
 * missing when its own parent exists (start-up creates it, as
 * control_prepare_dir does). */
static void check_dir(struct precheck *pc, const char *key, const char *what,
		      const char *file, bool creatable)
{
	char *dir = dir_of(file), *parent = NULL;

	if (!dir) {
		problem(pc, key, "out of memory");
		return;
	}
	if (!is_dir(dir)) {
		parent = creatable ? dir_of(dir) : NULL;
		if (!parent || !is_dir(parent))
			problem(pc, key, "the directory %s of the %s %s does not exist", dir, what,
				file);
	}
	free(parent);
	free(dir);
}

/* A file read at start-up: it must open for reading. */
static void check_readable(struct precheck *pc, const char *key, const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		problem(pc, key, "%s %s cannot be read: %s", key, file, strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		problem(pc, key, "%s %s is not a regular file", key, file);
	close(fd);
}

/* The resolver's files given as KEY_PATH keys: root-hints and, once they
 * exist, the trust anchor keys (any key naming a trust anchor file). */
static void check_resolver_files(struct precheck *pc)
{
	for (size_t i = 0; i < config_n_keys; i++) {
		const struct config_key *k = &config_keys[i];
		const char *v;

		if (k->type != KEY_PATH || strcmp(k->clause, "server") != 0 ||
		    (strcmp(k->name, "root-hints") != 0 && !strstr(k->name, "trust-anchor")))
			continue;
		v = *(char *const *)((const char *)pc->cfg + k->offset);
		/* an unset root-hints means the default file or the built-in copy */
		if (v && v[0])
			check_readable(pc, k->name, v);
	}
	/* the trust anchors as the resolver will load them: every record
	 * must parse (the loader logs which one does not) */
	if (pc->cfg->dnssec && pc->problems == 0) {
		struct dsec_anchors *a = NULL;
		bool builtin = false;
		cairn_err err = dsec_anchors_new(pc->cfg->trust_anchor_file,
						 (const char *const *)pc->cfg->trust_anchors,
						 (unsigned)pc->cfg->n_trust_anchors,
						 (const char *const *)pc->cfg->domain_insecure,
						 (unsigned)pc->cfg->n_domain_insecure, &a, &builtin);

		if (err != CAIRN_OK)
			problem(pc, pc->cfg->n_trust_anchors ? "trust-anchor" : "trust-anchor-file",
				"the trust anchors cannot be loaded: %s", cairn_strerror(err));
		dsec_anchors_free(a);
	}
}

cairn_err daemon_group_lookup(const char *name, gid_t *gid)
{
	struct group *gr;

	*gid = (gid_t)-1;
	if (!name || !name[0])
		return CAIRN_OK;
	errno = 0;
	gr = getgrnam(name);
	if (!gr)
		return CAIRN_EINVAL;
	*gid = gr->gr_gid;
	return CAIRN_OK;
}

unsigned daemon_precheck(const struct cairn_config *cfg, config_report_fn report, void *ctx)
{
	struct precheck pc = { .cfg = cfg, .report = report, .ctx = ctx };

	if (cfg->user && cfg->user[0]) {
		errno = 0;
		if (!getpwnam(cfg->user))
			problem(&pc, "user", "user '%s' does not exist%s%s (create it, e.g. with "
				"systemd-sysusers or useradd --system)", cfg->user,
				errno ? ": " : "", errno ? strerror(errno) : "");
	}
	if (cfg->control_group && cfg->control_group[0]) {
		gid_t gid;

		if (daemon_group_lookup(cfg->control_group, &gid) != CAIRN_OK)
			problem(&pc, "control-group", "control-group '%s' does not exist",
				cfg->control_group);
	}
	if (cfg->recursion)
		check_resolver_files(&pc);
	if (cfg->log_sink == LOG_SINK_FILE && cfg->log_path)
		check_dir(&pc, "log", "log file", cfg->log_path, false);
	if (cfg->pidfile && cfg->pidfile[0])
		check_dir(&pc, "pidfile", "pid file", cfg->pidfile, true);
	if (cfg->control_socket && cfg->control_socket[0])
		check_dir(&pc, "control-socket", "control socket", cfg->control_socket, true);
	if (cfg->chroot_dir && cfg->chroot_dir[0] && !is_dir(cfg->chroot_dir))
		problem(&pc, "chroot", "chroot directory %s does not exist", cfg->chroot_dir);
	return pc.problems;
}
