/* cairnd: command line, start-up (config, zones, sockets, daemon, pidfile,
 * privileges), signals (SIGTERM/SIGINT stop, SIGHUP reloads the zones,
 * SIGUSR1 logs the statistics, SIGUSR2 reopens the log file) and
 * shutdown. See cairnd(8). */
#include "config.h"

#include "cairn/common.h"
#include "cairn/config.h"
#include "cairn/control.h"
#include "cairn/xfr.h"
#include "cairn/resolve.h"
#include "cairn/server.h"
#include "cairn/cache.h"
#include "cairn/wire.h"
#include "cairn/zone.h"
#include "cairn/stats.h"
#include "daemon_int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ldns/ldns.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONF SYSCONFDIR "/cairn/cairnd.conf"

struct options {
	const char *conf;
	bool foreground;
	bool check;
	unsigned verbose;
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

/* ---- control socket callbacks (control.h) ---- */
/* The statistics since start-up (flush: to become the new base) or since
 * the last flush-stats. */
static void stats_since(struct daemon *d, struct stats_snapshot *out, bool flush)
{
	server_get_stats(d->srv, out);
	pthread_mutex_lock(&d->lock);
	out->uptime_s = (cairn_now_ms() - d->start_ms) / 1000;
	out->zones = d->zones;
	out->reloads = d->reloads;
	out->reload_failures = d->reload_failures;
	if (flush)
		d->stats_base = *out;
	else
		stats_subtract(out, &d->stats_base);
	pthread_mutex_unlock(&d->lock);
}

static void daemon_stats(void *ctx, struct stats_snapshot *out)
{
	stats_since(ctx, out, false);
}

static void daemon_flush_stats(void *ctx)
{
	struct stats_snapshot snap;

	stats_since(ctx, &snap, true);
	log_info("statistics zeroed (cairn-control flush-stats)");
}

/* list-zones: the zones of the configuration in use and the copy served. */
static void daemon_zones(void *ctx, void (*fn)(void *arg, const struct control_zone_info *z),
			 void *arg)
{
	struct daemon *d = ctx;
	const struct cairn_config *cfg;

	pthread_mutex_lock(&d->lock);
	cfg = d->cfg_now ? d->cfg_now : d->cfg0;
	for (size_t i = 0; cfg && i < cfg->n_zones; i++) {
		const struct config_zone *cz = &cfg->zones[i];
		struct control_zone_info zi = { .file = cz->file ? cz->file : "" };
		const struct zone *z = NULL;
		const struct daemon_stamp *st = NULL;
		uint8_t wname[WIRE_NAME_MAX];
		char name[1100];
		size_t len = strlen(cz->name);

		snprintf(name, sizeof(name), "%s%s", cz->name,
			 len && cz->name[len - 1] == '.' ? "" : ".");
		if (d->served && wire_name_from_text(name, NULL, wname, &len) == CAIRN_OK) {
			wire_name_lower(wname);
			z = zone_set_find(d->served, wname);
			if (z && !wire_name_equal(zone_origin(z), wname))
				z = NULL;  /* a zone above it, not this one */
			st = daemon_stamp_find(&d->stamps, wname);
		}
		zi.name = name;
		zi.kind = cz->catalog ? "catalog" : cz->n_primary ? "secondary" : "primary";
		zi.loaded = z != NULL;
		zi.serial = z ? zone_serial(z) : 0;
		zi.loaded_at = st ? st->loaded_at : 0;
		fn(arg, &zi);
	}
	pthread_mutex_unlock(&d->lock);
}

static cairn_err control_reload(void *ctx, FILE *out)
{
	return daemon_reload(ctx, out, DAEMON_RELOAD_ALL, NULL, NULL);
}

static cairn_err control_reload_zone(void *ctx, const uint8_t *name, FILE *out)
{
	return daemon_reload(ctx, out, DAEMON_RELOAD_ZONE, name, NULL);
}

/* The transfer service installs a new copy of a secondary zone: the other
 * zones stay as they are, and the configuration is not reread (an edit in
 * progress waits for its SIGHUP). */
static cairn_err daemon_xfr_reload(void *ctx, struct zone *fresh)
{
	return daemon_reload(ctx, NULL, DAEMON_RELOAD_XFR, NULL, fresh);
}

static cairn_err daemon_zone_transfer(void *ctx, const char *name, FILE *out)
{
	return xfr_service_transfer(((struct daemon *)ctx)->xfr, name, out);
}

static cairn_err daemon_zone_status(void *ctx, const char *name, FILE *out)
{
	return xfr_service_zone_status(((struct daemon *)ctx)->xfr, name, out);
}

static struct cache *daemon_cache(void *ctx)
{
	return server_cache(((struct daemon *)ctx)->srv);
}

static struct dsec_anchors *daemon_anchors(void *ctx)
{
	struct daemon *d = ctx;

	return d->srv ? server_anchors(d->srv) : NULL;
}

static cairn_err daemon_explain(void *ctx, const uint8_t *name, uint16_t qtype, bool nocache,
			       struct server_explain *out)
{
	struct daemon *d = ctx;

	if (!d->srv)
		return CAIRN_ENOTFOUND;
	return server_explain(d->srv, name, qtype, nocache, 0, out);
}

static cairn_err daemon_infra(void *ctx, const struct cairn_sockaddr *only, bool flush,
			      bool json, char **out, size_t *removed)
{
	struct daemon *d = ctx;

	*out = NULL;
	*removed = 0;
	if (!d->srv)
		return CAIRN_ENOTFOUND;
	return server_infra(d->srv, only, flush, json, 5000, out, removed);
}

static cairn_err daemon_lookup(void *ctx, const uint8_t *name, bool json, char **out)
{
	struct daemon *d = ctx;

	*out = NULL;
	if (!d->srv)
		return CAIRN_ENOTFOUND;
	return server_lookup(d->srv, name, json, 5000, out);
}

static cairn_err daemon_forward_list(void *ctx, void (*fn)(void *arg,
							     const struct resolver_forward *f),
				     void *arg)
{
	struct daemon *d = ctx;

	if (!d->srv || !server_cache(d->srv))
		return CAIRN_ENOTFOUND;
	server_forward_list(d->srv, fn, arg);
	return CAIRN_OK;
}

static cairn_err daemon_forward_set(void *ctx, const struct resolver_forward *f)
{
	struct daemon *d = ctx;
	char zone[WIRE_NAME_MAX * 4 + 2];
	cairn_err err;

	if (!d->srv)
		return CAIRN_ENOTFOUND;
	err = server_forward_set(d->srv, f, 5000);
	if (err == CAIRN_OK && wire_name_to_text(f->name, zone, sizeof(zone)) == CAIRN_OK)
		log_info("forward-zone %s %s (cairn-control; until restart)", zone,
			 f->naddr ? "added" : "removed");
	return err;
}

static cairn_err daemon_option_get_cb(void *ctx, const char *key, FILE *out)
{
	return daemon_option_get(((struct daemon *)ctx)->opts, key, out);
}

static cairn_err daemon_option_set_cb(void *ctx, const char *key, const char *value, FILE *out)
{
	struct daemon *d = ctx;

	return daemon_option_set(d->opts, d->srv, key, value, out);
}

/* list-local-zones: the resolver's table, built from local-zone-disable as
 * read at start-up (resolver settings change only at restart). */
static cairn_err daemon_local_zones(void *ctx, void (*fn)(void *arg, const char *name,
							    const char *kind), void *arg)
{
	struct daemon *d = ctx;

	if (!d->cfg0 || !d->cfg0->recursion)
		return CAIRN_ENOTFOUND;
	return resolver_local_zones((const char *const *)d->cfg0->local_zone_disable,
				    (unsigned)d->cfg0->n_local_zone_disable, fn, arg);
}

static void daemon_status(void *ctx, FILE *out)
{
	struct daemon *d = ctx;

	fprintf(out, "config: %s\n", d->conf);
	fprintf(out, "user: uid %ld gid %ld\n", (long)getuid(), (long)getgid());
	if (d->xfr)
		xfr_service_status(d->xfr, out);
}

/* SIGUSR1: the statistics as one log line. */
static void log_stats(struct daemon *d)
{
	struct stats_snapshot snap;
	char *line;

	daemon_stats(d, &snap);
	line = stats_render_line(&snap);
	if (line)
		log_info("%s", line);
	else
		log_err("SIGUSR1: out of memory");
	free(line);
}

static void cache_file_report(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	log_warn("cache-file %s:%u: %s", file, line, msg);
}

/* cache-file: loaded at start; a missing or unreadable file is a warning. */
static void cache_file_load(const struct cairn_config *cfg, struct server *srv)
{
	struct cache *c = server_cache(srv);
	struct server_cache_load_stats st;
	cairn_err err;

	if (!cfg->cache_file || !cfg->cache_file[0] || !c)
		return;
	err = server_cache_load(c, cfg->cache_file, cache_stale_max_age(c), cache_file_report,
				NULL, &st);
	if (err != CAIRN_OK) {
		log_warn("cache-file %s: not loaded: %s", cfg->cache_file,
			 err == CAIRN_EIO ? strerror(errno) : cairn_strerror(err));
		return;
	}
	log_info("cache-file %s: %zu entries loaded, %zu too old dropped, %zu malformed skipped",
		 cfg->cache_file, st.loaded, st.expired, st.malformed);
}

/* cache-file: written at a clean stop. */
static void cache_file_dump(const struct cairn_config *cfg, struct server *srv)
{
	struct cache *c = server_cache(srv);
	size_t n = 0;
	cairn_err err;

	if (!cfg->cache_file || !cfg->cache_file[0] || !c)
		return;
	err = server_cache_dump(c, cfg->cache_file, &n);
	if (err != CAIRN_OK)
		log_warn("cache-file %s: not written: %s", cfg->cache_file,
			 err == CAIRN_EIO ? strerror(errno) : cairn_strerror(err));
	else
		log_info("cache-file %s: %zu entries written", cfg->cache_file, n);
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
	struct daemon_reporter r = { 0 };
	struct daemon_load l = { .r = &r };
	struct cairn_config *cfg = NULL;
	struct zone_set *zs = NULL;
	struct server *srv = NULL;
	char *conf_abs = NULL;
	struct daemon d = { .start_ms = cairn_now_ms() };
	struct daemon_user user = { 0 };
	struct control *ctl = NULL;
	struct control_target target = {
		.ctx = &d, .stats = daemon_stats, .reload = control_reload,
		.reload_zone = control_reload_zone,
		.cache = daemon_cache, .anchors = daemon_anchors, .status = daemon_status,
		.zone_transfer = daemon_zone_transfer, .zone_status = daemon_zone_status,
		.explain = daemon_explain, .flush_stats = daemon_flush_stats,
		.zones = daemon_zones, .infra = daemon_infra, .local_zones = daemon_local_zones,
		.lookup = daemon_lookup, .forward_list = daemon_forward_list,
		.forward_set = daemon_forward_set, .option_get = daemon_option_get_cb,
		.option_set = daemon_option_set_cb,
	};
	const char *ctl_path;
	gid_t ctl_gid;
	sigset_t sigs;
	int sig, ready_fd = -1, pid_fd = -1, status = 1;

	pthread_mutex_init(&d.lock, NULL);

	if (config_load(o->conf, daemon_report, &r, &cfg) != CAIRN_OK)
		goto done;
	/* SIGHUP reads the file again after chdir("/"): keep its full path */
	conf_abs = realpath(o->conf, NULL);
	if (daemon_load_zones(cfg, &l, &zs, &d.stamps) != CAIRN_OK)
		goto done;
	if (!o->check && xfr_service_new(daemon_xfr_reload, &d, &d.xfr) != CAIRN_OK)
		goto done;
	if (xfr_attach(cfg, zs, NULL, d.xfr) != CAIRN_OK) {
		log_err("zone transfer settings: cannot use them");
		goto done;
	}
	/* queued: the service sends them once it starts, after the sockets */
	xfr_announce(zs, d.xfr);
	if (o->check) {
		if (daemon_precheck(cfg, daemon_report, &r) != 0)
			goto done;
		printf("%s: configuration and %zu zones OK\n", o->conf, cfg->n_zones);
		status = 0;
		goto done;
	}

	/* signals are taken by sigwait below; worker threads inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* the account (before any chroot hides /etc), then the pid file
	 * lock: a second cairnd stops here, before touching any socket */
	if (daemon_user_lookup(cfg->user, &user) != CAIRN_OK)
		goto done;
	if (cfg->pidfile && cfg->pidfile[0] &&
	    daemon_pidfile_lock(cfg->pidfile, user.name ? user.uid : (uid_t)-1,
				user.name ? user.gid : (gid_t)-1, &pid_fd) != CAIRN_OK)
		goto done;
	d.served = zs;
	if (server_new(cfg, zs, &srv) != CAIRN_OK) {
		zs = NULL; /* the server took it */
		goto done;
	}
	zs = NULL;
	if (!o->foreground && (ready_fd = daemonize()) < 0)
		goto done;
	if (pid_fd >= 0 && daemon_pidfile_write(pid_fd, cfg->pidfile) != CAIRN_OK)
		goto done;
	if (!o->foreground) {
		/* opened while still root and outside any chroot */
		enum log_level lvl = LOG_LVL_INFO + (o->verbose > 1 ? 1 : o->verbose);

		if (log_open(cfg->log_sink, cfg->log_path, lvl) != CAIRN_OK) {
			log_err("cannot open log file %s: %s", cfg->log_path, strerror(errno));
			goto done;
		}
	}
	d.srv = srv;
	d.zones = cfg->n_zones;
	d.cfg0 = cfg;
	if (daemon_options_new(cfg, &d.opts) != CAIRN_OK)
		goto done;
	d.conf = conf_abs ? conf_abs : o->conf;
	/* an explicit control-socket must work; the default one is optional
	 * (several cairnd, or one run by a normal user, may not get it) and
	 * stays root's, shared with the user's group */
	ctl_path = cfg->control_socket ? cfg->control_socket : CONTROL_DEFAULT_SOCKET;
	if (daemon_group_lookup(cfg->control_group, &ctl_gid) != CAIRN_OK) {
		log_err("control-group '%s' does not exist", cfg->control_group);
		goto done;
	}
	if (ctl_path[0] &&
	    control_open(ctl_path, user.name && cfg->control_socket ? user.uid : (uid_t)-1,
			 user.name ? user.gid : (gid_t)-1, ctl_gid, &target, &ctl) != CAIRN_OK) {
		if (cfg->control_socket)
			goto done;
		log_warn("running without a control socket (choose one with control-socket:, "
			 "or turn it off with control-socket: \"\")");
	}
	if (cfg->chroot_dir && cfg->chroot_dir[0]) {
		if (daemon_chroot(cfg->chroot_dir) != CAIRN_OK)
			goto done;
		d.conf = daemon_chroot_path(cfg->chroot_dir, d.conf);
	}
	if (daemon_user_drop(&user) != CAIRN_OK)
		goto done;
	/* as the user (and inside the chroot) that will write it at stop */
	cache_file_load(cfg, srv);
	if (server_start(srv) != CAIRN_OK)
		goto done;
	if (ctl && control_start(ctl) != CAIRN_OK)
		goto done;
	if (xfr_service_start(d.xfr) != CAIRN_OK) {
		log_err("cannot start the zone transfer thread");
		goto done;
	}
	if (!o->foreground) {
		detach(ready_fd);
		ready_fd = -1;
	}
	log_start(cfg, l.summary);
	{
		/* sockets bound, zones loaded, workers running: systemd's
		 * Type=notify start-up is over (sd_notify(3)) */
		char ready[128];
		snprintf(ready, sizeof(ready), "READY=1\nMAINPID=%ld\nSTATUS=answering queries",
			 (long)getpid());
		daemon_notify(ready);
	}

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			daemon_reload(&d, NULL, DAEMON_RELOAD_ALL, NULL, NULL);
			continue;
		}
		if (sig == SIGUSR1) {
			log_stats(&d);
			continue;
		}
		if (sig == SIGUSR2) {
			/* logrotate's postrotate (cairnd(8)); as reopen-log */
			if (log_reopen() != CAIRN_OK)
				log_err("SIGUSR2: cannot reopen the log file: %s", strerror(errno));
			else
				log_info("SIGUSR2: log file reopened");
			continue;
		}
		log_info("signal %d (%s): stopping", sig, strsignal(sig));
		daemon_notify("STOPPING=1");
		break;
	}
	status = 0;
done:
	/* the control thread first: its commands use the server */
	control_free(ctl);
	/* the workers, then the cache file (nothing writes the cache any
	 * more), then the transfer thread (its reload may still use the
	 * server), then the server and its zones */
	if (srv)
		server_stop(srv);
	if (status == 0 && srv)
		cache_file_dump(cfg, srv);
	xfr_service_free(d.xfr);
	if (srv)
		server_free(srv);
	if (zs)
		zone_set_free(zs);
	daemon_pidfile_remove(pid_fd, cfg ? cfg->pidfile : NULL);
	daemon_user_free(&user);
	pthread_mutex_destroy(&d.lock);
	if (ready_fd >= 0)
		close(ready_fd); /* the parent sees EOF: start-up failed */
	if (status == 0 && !o->check)
		log_info("cairnd stopped");
	config_free(d.cfg_now);
	daemon_stamps_free(&d.stamps);
	daemon_options_free(d.opts);
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
