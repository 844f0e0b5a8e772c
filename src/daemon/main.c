/* cairnd: command line, start-up (config, zones, sockets, daemon, pidfile,
 * privileges), signals (SIGTERM/SIGINT stop, SIGHUP reloads the zones) and
 * shutdown. See cairnd(8). */
#include "config.h"

#include "cairn/common.h"
#include "cairn/config.h"
#include "cairn/resolve.h"
#include "cairn/server.h"
#include "cairn/wire.h"
#include "cairn/zone.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ldns/ldns.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CONF SYSCONFDIR "/cairn/cairnd.conf"

struct options {
	const char *conf;
	bool foreground;
	bool check;
	unsigned verbose;
};

/* Where file:line problems go: stderr before start-up is done, the log
 * afterwards (SIGHUP reloads). */
struct reporter {
	bool to_log;
	unsigned count;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairnd [-c FILE] [-d] [-n] [-v] [-V] [-h]\n"
		"  -c FILE   configuration file (default: %s)\n"
		"  -d        stay in the foreground, log to stderr\n"
		"  -n        check the configuration and every zone file, print problems, exit 0/1\n"
		"  -v        more verbose logging (repeatable)\n"
		"  -V        print version and the versions of c-ares and ldns, exit\n"
		"  -h        print this help, exit\n", DEFAULT_CONF);
}

static void report_problem(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct reporter *r = ctx;

	r->count++;
	if (r->to_log && line)
		log_err("%s:%u: %s", file, line, msg);
	else if (r->to_log)
		log_err("%s: %s", file, msg);
	else if (line)
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

/* Loads every zone of cfg into a new set (*out, owned by the caller).
 * Problems go to r. summary (may be NULL) receives "name serial N, R
 * records; ..." for the start-up line. */
static cairn_err load_zones(const struct cairn_config *cfg, struct reporter *r,
			    struct zone_set **out, char *summary, size_t slen)
{
	struct zone **zones = NULL;
	size_t n = 0, used = 0;
	cairn_err err = CAIRN_ENOMEM, e;

	*out = NULL;
	if (summary && slen)
		summary[0] = '\0';
	zones = calloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*zones));
	if (!zones)
		goto done;
	err = CAIRN_OK;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *cz = &cfg->zones[i];
		char name[1024];

		e = zone_load(cz->name, cz->file, report_problem, r, &zones[n]);
		if (e != CAIRN_OK) {
			if (e == CAIRN_ENOMEM)
				report_problem(r, cz->file, 0, "out of memory");
			err = e;
			continue;
		}
		if (summary && used < slen &&
		    wire_name_to_text(zone_origin(zones[n]), name, sizeof(name)) == CAIRN_OK)
			used += (size_t)snprintf(summary + used, slen - used, "%s%s serial %u, %zu records",
						 n ? "; " : "", name, zone_serial(zones[n]),
						 zone_rr_count(zones[n]));
		n++;
	}
	if (err != CAIRN_OK) {
		for (size_t i = 0; i < n; i++)
			zone_free(zones[i]);
		goto done;
	}
	err = zone_set_new(zones, n, out);
	if (err == CAIRN_EEXIST)
		report_problem(r, cfg->path, 0, "two zones have the same name");
done:
	free(zones);
	return err;
}

static cairn_err write_pidfile(const char *path)
{
	char buf[32];
	int fd, len;
	cairn_err err = CAIRN_OK;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("cannot write pidfile %s: %s", path, strerror(errno));
		return CAIRN_EIO;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		log_err("cannot write pidfile %s: %s", path, strerror(errno));
		err = CAIRN_EIO;
	}
	close(fd);
	return err;
}

/* Switches to user (and its groups) for good. Returns CAIRN_OK, or
 * CAIRN_EINVAL / CAIRN_EIO after logging why. */
static cairn_err drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		log_err("user '%s': %s", user, errno ? strerror(errno) : "no such user");
		return CAIRN_EINVAL;
	}
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return CAIRN_OK;
		log_err("cannot switch to user '%s': not running as root", user);
		return CAIRN_EIO;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_err("cannot switch to user '%s': %s", user, strerror(errno));
		return CAIRN_EIO;
	}
	/* make sure root cannot be regained */
	if (setuid(0) == 0 || getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getegid() != pw->pw_gid) {
		log_err("dropping privileges to '%s' did not stick", user);
		return CAIRN_EIO;
	}
	return CAIRN_OK;
}

/* Forks; the parent waits for the child to say it started (one byte on
 * the pipe) and exits 0, or 1 if the child failed. The child gets a new
 * session and / as working directory. Returns the pipe's write end (the
 * child's), or -1 after logging the problem. */
static int daemonize(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) != 0) {
		log_err("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0 || chdir("/") != 0) {
		log_err("cannot become a daemon: %s", strerror(errno));
		close(p[1]);
		return -1;
	}
	return p[1];
}

/* Child side of daemonize: tells the parent start-up worked and detaches
 * from the terminal. */
static void detach(int ready_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(ready_fd, "", 1) != 1)
		log_warn("cannot tell the parent process that start-up is done");
	close(ready_fd);
}

/* SIGHUP: reads the config again and reloads every zone; the new set
 * replaces the old only when everything loaded (DESIGN.md rule 6). */
static void reload(const char *path, struct server *srv)
{
	struct reporter r = { .to_log = true };
	struct cairn_config *cfg = NULL;
	struct zone_set *zs = NULL;
	char summary[1024];

	log_info("SIGHUP: reloading zones from %s", path);
	if (config_load(path, report_problem, &r, &cfg) != CAIRN_OK) {
		log_err("reload failed: configuration has problems, old zones kept");
		return;
	}
	if (load_zones(cfg, &r, &zs, summary, sizeof(summary)) != CAIRN_OK) {
		log_err("reload failed: zones have problems, old zones kept");
	} else {
		server_set_zones(srv, zs);
		log_info("reloaded %zu zones: %s (listen, threads and other server "
			 "settings change only at restart)", cfg->n_zones, summary);
	}
	config_free(cfg);
}

static void log_start(const struct cairn_config *cfg, const char *summary)
{
	char listen[1024];
	size_t used = 0;

	listen[0] = '\0';
	for (size_t i = 0; i < cfg->n_listen && used < sizeof(listen); i++) {
		char a[INET6_ADDRSTRLEN + 8];

		cairn_sockaddr_format(&cfg->listen[i].addr, a, sizeof(a));
		if (strrchr(a, '#'))
			*strrchr(a, '#') = '@'; /* the config's ADDRESS@PORT form */
		used += (size_t)snprintf(listen + used, sizeof(listen) - used, "%s%s",
					 i ? " " : "", a);
	}
	log_info("cairnd %s started: %zu zones (%s), listening on %s (udp, tcp), %u threads",
		 PACKAGE_VERSION, cfg->n_zones, cfg->n_zones ? summary : "none", listen,
		 cfg->threads);
}

static int run(const struct options *o)
{
	struct reporter r = { 0 };
	struct cairn_config *cfg = NULL;
	struct zone_set *zs = NULL;
	struct server *srv = NULL;
	char summary[4096];
	char *conf_abs = NULL;
	bool pidfile_written = false;
	sigset_t sigs;
	int sig, ready_fd = -1, status = 1;

	if (config_load(o->conf, report_problem, &r, &cfg) != CAIRN_OK)
		goto done;
	/* SIGHUP reads the file again after chdir("/"): keep its full path */
	conf_abs = realpath(o->conf, NULL);
	if (load_zones(cfg, &r, &zs, summary, sizeof(summary)) != CAIRN_OK)
		goto done;
	if (o->check) {
		printf("%s: configuration and %zu zones OK\n", o->conf, cfg->n_zones);
		status = 0;
		goto done;
	}

	/* signals are taken by sigwait below; worker threads inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (server_new(cfg, zs, &srv) != CAIRN_OK) {
		zs = NULL; /* the server took it */
		goto done;
	}
	zs = NULL;
	if (!o->foreground && (ready_fd = daemonize()) < 0)
		goto done;
	if (cfg->pidfile && cfg->pidfile[0]) {
		if (write_pidfile(cfg->pidfile) != CAIRN_OK)
			goto done;
		pidfile_written = true;
	}
	if (cfg->user && cfg->user[0] && drop_privileges(cfg->user) != CAIRN_OK)
		goto done;
	if (server_start(srv) != CAIRN_OK)
		goto done;
	if (!o->foreground) {
		enum log_level lvl = LOG_LVL_INFO + (o->verbose > 1 ? 1 : o->verbose);

		if (log_open(cfg->log_sink, cfg->log_path, lvl) != CAIRN_OK) {
			log_err("cannot open log file %s: %s", cfg->log_path, strerror(errno));
			goto done;
		}
		detach(ready_fd);
		ready_fd = -1;
	}
	log_start(cfg, summary);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(conf_abs ? conf_abs : o->conf, srv);
			continue;
		}
		log_info("signal %d (%s): stopping", sig, strsignal(sig));
		break;
	}
	status = 0;
done:
	if (srv)
		server_free(srv);
	if (zs)
		zone_set_free(zs);
	if (pidfile_written && unlink(cfg->pidfile) != 0)
		log_warn("cannot remove pidfile %s: %s", cfg->pidfile, strerror(errno));
	if (ready_fd >= 0)
		close(ready_fd); /* the parent sees EOF: start-up failed */
	if (status == 0 && !o->check)
		log_info("cairnd stopped");
	config_free(cfg);
	free(conf_abs);
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { .conf = DEFAULT_CONF };
	int c;

	while ((c = getopt(argc, argv, "c:dnvVh")) != -1) {
		switch (c) {
		case 'c':
			o.conf = optarg;
			break;
		case 'd':
			o.foreground = true;
			break;
		case 'n':
			o.check = true;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'V':
			printf("cairnd %s\nc-ares %s\nldns %s\n", PACKAGE_VERSION,
			       transport_cares_version(), ldns_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cairnd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (log_open(LOG_SINK_STDERR, NULL,
		     LOG_LVL_INFO + (o.verbose > 1 ? 1 : o.verbose)) != CAIRN_OK)
		return 1;
	return run(&o);
}
