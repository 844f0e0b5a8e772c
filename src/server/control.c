/* control: the control socket and its commands (see control.h and
 * cairn-control(8)). One thread accepts connections and gives each to a
 * thread of its own (at most CONTROL_CLIENTS_MAX at once), which reads one
 * line (bounded size and time), runs it and writes the reply. */
#include "config.h"

#include "cairn/control.h"
#include "control_int.h"
#include "cairn/cache.h"
#include "cairn/stats.h"
#include "cairn/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CACHE_SHOW_SCRATCH (1024 * 1024)  /* a name's entries, copied */

struct control {
	struct control_target t;
	char *path;              /* NULL: no socket (control_execute only) */
	int fd;
	int wakefd;
	pthread_t thread;
	bool started;
	/* the connections' threads: how many run, signalled when one ends */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned clients;
};

/* ---- commands ---- */

static bool cmd_stats(struct control *c, int argc, char **argv, FILE *out, bool prom)
{
	struct stats_snapshot snap;

	(void)argv;
	if (argc != 1) {
		fprintf(out, CONTROL_REPLY_ERR "%s takes no arguments\n", argv[0]);
		return false;
	}
	c->t.stats(c->t.ctx, &snap);
	fprintf(out, CONTROL_REPLY_OK "\n");
	return (prom ? stats_render_prometheus(&snap, out) : stats_render_text(&snap, out)) == CAIRN_OK;
}

static bool cmd_status(struct control *c, int argc, char **argv, FILE *out)
{
	struct stats_snapshot snap;

	if (argc != 1) {
		fprintf(out, CONTROL_REPLY_ERR "%s takes no arguments\n", argv[0]);
		return false;
	}
	c->t.stats(c->t.ctx, &snap);
	fprintf(out, CONTROL_REPLY_OK "\n");
	fprintf(out, "version: %s\n", PACKAGE_VERSION);
	fprintf(out, "pid: %ld\n", (long)getpid());
	fprintf(out, "uptime: %llu seconds\n", (unsigned long long)snap.uptime_s);
	fprintf(out, "workers: %llu\n", (unsigned long long)snap.workers);
	fprintf(out, "zones: %llu\n", (unsigned long long)snap.zones);
	fprintf(out, "cache: %s\n", snap.have_cache ? "yes" : "no");
	if (c->t.status)
		c->t.status(c->t.ctx, out);
	fprintf(out, "state: running\n");
	return true;
}

static bool cmd_reload(struct control *c, int argc, char **argv, FILE *out)
{
	char *msgs = NULL;
	size_t len = 0;
	FILE *m;
	cairn_err err;

	if (argc != 1) {
		fprintf(out, CONTROL_REPLY_ERR "%s takes no arguments\n", argv[0]);
		return false;
	}
	if (!c->t.reload) {
		if (kill(getpid(), SIGHUP) != 0) {
			fprintf(out, CONTROL_REPLY_ERR "cannot signal: %s\n", strerror(errno));
			return false;
		}
		fprintf(out, CONTROL_REPLY_OK "\nreload requested (SIGHUP); see the log\n");
		return true;
	}
	m = open_memstream(&msgs, &len);
	if (!m) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = c->t.reload(c->t.ctx, m);
	fclose(m);
	if (err == CAIRN_OK)
		fprintf(out, CONTROL_REPLY_OK "\n%sreloaded\n", msgs ? msgs : "");
	else
		fprintf(out, CONTROL_REPLY_ERR "reload had problems: the old configuration, or "
			"the old data of the zones named below, keeps serving\n%s", msgs ? msgs : "");
	free(msgs);
	return err == CAIRN_OK;
}

static bool cmd_stop(struct control *c, int argc, char **argv, FILE *out)
{
	if (argc != 1) {
		fprintf(out, CONTROL_REPLY_ERR "%s takes no arguments\n", argv[0]);
		return false;
	}
	if (c->t.stop) {
		c->t.stop(c->t.ctx);
		fprintf(out, CONTROL_REPLY_OK "\nstopping\n");
		return true;
	}
	/* the daemon's main thread waits for SIGTERM and stops gracefully */
	if (kill(getpid(), SIGTERM) != 0) {
		fprintf(out, CONTROL_REPLY_ERR "cannot signal: %s\n", strerror(errno));
		return false;
	}
	fprintf(out, CONTROL_REPLY_OK "\nstopping\n");
	return true;
}

static struct cache *need_cache(struct control *c, const char *cmd, FILE *out)
{
	struct cache *cache = c->t.cache ? c->t.cache(c->t.ctx) : NULL;

	if (!cache)
		fprintf(out, CONTROL_REPLY_ERR "%s: this server has no cache (recursion: no)\n", cmd);
	return cache;
}

static bool parse_name(const char *text, uint8_t *name, FILE *out)
{
	size_t len;

	if (wire_name_from_text(text, NULL, name, &len) != CAIRN_OK) {
		fprintf(out, CONTROL_REPLY_ERR "bad domain name '%s'\n", text);
		return false;
	}
	return true;
}

static bool cmd_flush(struct control *c, int argc, char **argv, FILE *out)
{
	struct cache *cache;

	if (argc != 1) {
		fprintf(out, CONTROL_REPLY_ERR "%s takes no arguments\n", argv[0]);
		return false;
	}
	cache = need_cache(c, argv[0], out);
	if (!cache)
		return false;
	cache_flush(cache);
	fprintf(out, CONTROL_REPLY_OK "\ncache flushed\n");
	return true;
}

static bool cmd_flush_name(struct control *c, int argc, char **argv, FILE *out)
{
	uint8_t name[WIRE_NAME_MAX];
	struct cache *cache;
	bool below;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "below") != 0)) {
		fprintf(out, CONTROL_REPLY_ERR "usage: flush-name NAME [below]\n");
		return false;
	}
	below = argc == 3;
	if (!parse_name(argv[1], name, out))
		return false;
	cache = need_cache(c, argv[0], out);
	if (!cache)
		return false;
	cache_flush_name(cache, name, below);
	fprintf(out, CONTROL_REPLY_OK "\nflushed %s%s\n", argv[1], below ? " and every name below it" : "");
	return true;
}

static const char *rank_name(enum cache_rank rank)
{
	switch (rank) {
	case CACHE_RANK_GLUE:
		return "glue";
	case CACHE_RANK_REFERRAL:
		return "referral";
	case CACHE_RANK_ANSWER_NONAUTH:
		return "nonauth-answer";
	case CACHE_RANK_AUTH_AUTHORITY:
		return "auth-authority";
	case CACHE_RANK_AUTH_ANSWER:
		return "auth-answer";
	}
	return "unknown";
}

struct show_ctx {
	FILE *out;
	const char *name;        /* as the user wrote it */
};

/* cache_walk_name callback: one entry, a comment line then its records. */
static void show_entry(void *arg, const struct cache_entry_info *e)
{
	struct show_ctx *sc = arg;
	char tb[16];

	switch (e->kind) {
	case CACHE_NXDOMAIN:
		fprintf(sc->out, "; NXDOMAIN %s, rank %s, %u seconds left\n", sc->name,
			rank_name(e->rank), e->rs.ttl);
		break;
	case CACHE_NODATA:
		fprintf(sc->out, "; NODATA %s %s, rank %s, %u seconds left\n", sc->name,
			stats_type_name(e->type, tb, sizeof(tb)), rank_name(e->rank), e->rs.ttl);
		break;
	default:
		fprintf(sc->out, "; %s, rank %s, %u seconds left\n",
			stats_type_name(e->type, tb, sizeof(tb)), rank_name(e->rank), e->rs.ttl);
		break;
	}
	if (e->rs.count)
		server_print_rrset(&e->rs, sc->out, true);
}

static bool cmd_cache_show(struct control *c, int argc, char **argv, FILE *out)
{
	uint8_t name[WIRE_NAME_MAX];
	struct cache *cache;
	uint8_t *scratch = NULL;
	struct show_ctx sc = { .out = out };
	bool truncated = false;

	if (argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: cache-show NAME\n");
		return false;
	}
	if (!parse_name(argv[1], name, out))
		return false;
	cache = need_cache(c, argv[0], out);
	if (!cache)
		return false;
	scratch = malloc(CACHE_SHOW_SCRATCH);
	if (!scratch) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	fprintf(out, CONTROL_REPLY_OK "\n");
	sc.name = argv[1];
	/* a peek at every entry of the name: counts no cache hit or miss */
	if (cache_walk_name(cache, name, cairn_now_ms() / 1000, scratch, CACHE_SHOW_SCRATCH,
			    show_entry, &sc, &truncated) == 0 && !truncated)
		fprintf(out, "; nothing cached for %s\n", argv[1]);
	if (truncated)
		fprintf(out, "; (more entries than can be shown)\n");
	free(scratch);
	return true;
}

/* transfer NAME / zone-status NAME: secondary zones (xfr.h) */
static bool cmd_zone(struct control *c, int argc, char **argv, FILE *out)
{
	cairn_err (*fn)(void *, const char *, FILE *) =
		strcmp(argv[0], "transfer") == 0 ? c->t.zone_transfer : c->t.zone_status;
	char *msgs = NULL;
	size_t len = 0;
	FILE *m;
	cairn_err err;

	if (argc != 2) {
		fprintf(out, CONTROL_REPLY_ERR "usage: %s ZONE\n", argv[0]);
		return false;
	}
	if (!fn) {
		fprintf(out, CONTROL_REPLY_ERR "%s: no zone transfers in this server\n", argv[0]);
		return false;
	}
	m = open_memstream(&msgs, &len);
	if (!m) {
		fprintf(out, CONTROL_REPLY_ERR "out of memory\n");
		return false;
	}
	err = fn(c->t.ctx, argv[1], m);
	fclose(m);
	/* the reply protocol (control.h): a message after "error: ", and a
	 * newline at the end, also when fn wrote nothing or no last newline
	 * (found by tests/fuzz/fuzz_control.c) */
	if (!msgs || !msgs[0])
		fprintf(out, err == CAIRN_OK ? CONTROL_REPLY_OK "\n" : CONTROL_REPLY_ERR "failed\n");
	else
		fprintf(out, "%s%s%s", err == CAIRN_OK ? CONTROL_REPLY_OK "\n" : CONTROL_REPLY_ERR,
			msgs, msgs[len - 1] == '\n' ? "" : "\n");
	free(msgs);
	return err == CAIRN_OK;
}

static bool cmd_help(int argc, char **argv, FILE *out)
{
	(void)argc;
	(void)argv;
	fprintf(out, CONTROL_REPLY_OK "\n"
		"stats              statistics, one 'name value' per line\n"
		"stats-prometheus   statistics in the Prometheus text format\n"
		"status             version, pid, uptime, workers, zones\n"
		"reload             reread the configuration and the zones whose file changed\n"
		"reload-zone ZONE   read ZONE's file again (old data kept on a problem)\n"
		"flush              empty the cache\n"
		"flush-name NAME [below]  remove NAME (and every name below it) from the cache\n"
		"cache-show NAME    what the cache holds for NAME\n"
		"transfer ZONE      refresh the secondary zone ZONE from its primary now\n"
		"zone-status ZONE   serial, refresh times, expiry and last error of a secondary zone\n"
		"explain [--json] [--no-cache] NAME [TYPE]  resolve NAME once, show each step\n"
		"dump-cache FILE    write the cache to FILE (absolute path)\n"
		"load-cache FILE    add the entries of FILE to the cache\n"
		"flush-negative     remove every negative (NXDOMAIN, NODATA) entry from the cache\n"
		"flush-type NAME TYPE  remove the TYPE entry of NAME from the cache\n"
		"flush-stats        zero the statistics counters\n"
		"verbosity [N]      show or set the log level: 0 error, 1 warning, 2 info, 3 debug\n"
		"reopen-log         reopen the log file (after logrotate; also SIGUSR2)\n"
		"list-zones [--json]  name, serial, loaded at, kind and file of each zone\n"
		"lookup [--json] NAME  the delegation cairnd would use for NAME, its servers' RTT, lameness\n"
		"forward-list [--json]  the forward zones in use and their addresses\n"
		"forward-add ZONE ADDRESS[@PORT]...  forward ZONE to these resolvers (until restart)\n"
		"forward-remove ZONE  stop forwarding ZONE (until restart)\n"
		"get-option KEY     the value of a server: key of cairnd.conf in use\n"
		"set-option KEY VALUE  change a key that can change at run time (until restart)\n"
		"list-local-zones [--json]  the zones the resolver answers itself (RFC 6761, RFC 6303)\n"
		"infra [--json] [ADDRESS]  what each worker knows of upstream servers: RTT, lameness\n"
		"flush-infra ADDRESS|all  forget what the workers know of ADDRESS (or of all)\n"
		"insecure-add NAME  a negative trust anchor: no DNSSEC validation at and below NAME\n"
		"insecure-remove NAME  removes it\n"
		"insecure-list [--json]  the negative trust anchors\n"
		"stop               stop the server\n");
	return true;
}

bool control_execute(struct control *c, const char *line, FILE *out)
{
	char buf[CONTROL_LINE_MAX + 1], *argv[12], *save = NULL, *tok;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok && argc < 12;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (tok) {
		fprintf(out, CONTROL_REPLY_ERR "too many arguments\n");
		return false;
	}
	if (argc == 0) {
		fprintf(out, CONTROL_REPLY_ERR "empty command (try 'help')\n");
		return false;
	}
	if (strcmp(argv[0], "reload-zone") == 0)
		return control_cmd_reload_zone(&c->t, argc, argv, out);
	if (strcmp(argv[0], "forward-list") == 0 || strcmp(argv[0], "forward-add") == 0 ||
	    strcmp(argv[0], "forward-remove") == 0)
		return control_cmd_forward(&c->t, argc, argv, out);
	if (strcmp(argv[0], "get-option") == 0 || strcmp(argv[0], "set-option") == 0)
		return control_cmd_option(&c->t, argc, argv, out);
	if (strcmp(argv[0], "explain") == 0)
		return control_cmd_explain(&c->t, argc, argv, out);
	if (strcmp(argv[0], "dump-cache") == 0)
		return control_cmd_dump_cache(&c->t, argc, argv, out);
	if (strcmp(argv[0], "load-cache") == 0)
		return control_cmd_load_cache(&c->t, argc, argv, out);
	if (strcmp(argv[0], "flush-negative") == 0)
		return control_cmd_flush_negative(&c->t, argc, argv, out);
	if (strncmp(argv[0], "insecure-", 9) == 0)
		return control_cmd_insecure(&c->t, argc, argv, out);
	if (strcmp(argv[0], "flush-type") == 0)
		return control_cmd_flush_type(&c->t, argc, argv, out);
	if (strcmp(argv[0], "flush-stats") == 0)
		return control_cmd_flush_stats(&c->t, argc, argv, out);
	if (strcmp(argv[0], "verbosity") == 0)
		return control_cmd_verbosity(&c->t, argc, argv, out);
	if (strcmp(argv[0], "reopen-log") == 0)
		return control_cmd_reopen_log(&c->t, argc, argv, out);
	if (strcmp(argv[0], "list-zones") == 0)
		return control_cmd_list_zones(&c->t, argc, argv, out);
	if (strcmp(argv[0], "lookup") == 0)
		return control_cmd_lookup(&c->t, argc, argv, out);
	if (strcmp(argv[0], "list-local-zones") == 0)
		return control_cmd_list_local_zones(&c->t, argc, argv, out);
	if (strcmp(argv[0], "infra") == 0 || strcmp(argv[0], "flush-infra") == 0)
		return control_cmd_infra(&c->t, argc, argv, out);
	if (strcmp(argv[0], "stats") == 0)
		return cmd_stats(c, argc, argv, out, false);
	if (strcmp(argv[0], "stats-prometheus") == 0)
		return cmd_stats(c, argc, argv, out, true);
	if (strcmp(argv[0], "status") == 0)
		return cmd_status(c, argc, argv, out);
	if (strcmp(argv[0], "reload") == 0)
		return cmd_reload(c, argc, argv, out);
	if (strcmp(argv[0], "flush") == 0)
		return cmd_flush(c, argc, argv, out);
	if (strcmp(argv[0], "flush-name") == 0)
		return cmd_flush_name(c, argc, argv, out);
	if (strcmp(argv[0], "cache-show") == 0)
		return cmd_cache_show(c, argc, argv, out);
	if (strcmp(argv[0], "stop") == 0)
		return cmd_stop(c, argc, argv, out);
	if (strcmp(argv[0], "transfer") == 0 || strcmp(argv[0], "zone-status") == 0)
		return cmd_zone(c, argc, argv, out);
	if (strcmp(argv[0], "help") == 0)
		return cmd_help(argc, argv, out);
	fprintf(out, CONTROL_REPLY_ERR "unknown command '%.64s' (try 'help')\n", argv[0]);
	return false;
}

/* ---- the socket ---- */

/* Reads one line from fd within CONTROL_TIMEOUT_MS into buf (NUL
 * terminated, newline removed). Returns false on timeout, EOF before a
 * newline with nothing read, a line too long, or when wakefd (the
 * daemon stopping) becomes readable. */
static bool read_line(int fd, int wakefd, char *buf, size_t cap)
{
	size_t len = 0;
	uint64_t deadline = cairn_now_ms() + CONTROL_TIMEOUT_MS;

	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = wakefd, .events = POLLIN } };
		uint64_t now = cairn_now_ms();
		ssize_t n;
		char *nl;

		if (now >= deadline || poll(p, 2, (int)(deadline - now)) <= 0 || p[1].revents)
			return false;
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			buf[len] = '\0';
			return n == 0 && len > 0; /* a last line without newline */
		}
		len += (size_t)n;
		buf[len] = '\0';
		nl = strchr(buf, '\n');
		if (nl) {
			*nl = '\0';
			return true;
		}
		if (len >= cap - 1)
			return false;
	}
}

cairn_err control_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CAIRN_EIO;
		p += n;
		len -= (size_t)n;
	}
	return CAIRN_OK;
}

static void serve_one(struct control *c, int fd)
{
	char line[CONTROL_LINE_MAX + 2];
	char *reply = NULL;
	size_t len = 0;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct timeval tv = { .tv_sec = CONTROL_TIMEOUT_MS / 1000 };
	FILE *out;

	/* a client that does not read its reply cannot hold the thread */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!read_line(fd, c->wakefd, line, sizeof(line))) {
		static const char msg[] = CONTROL_REPLY_ERR "no command line received\n";

		(void)control_write_all(fd, msg, sizeof(msg) - 1); /* client gone: nothing to do */
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		log_info("control: '%.80s' from uid %ld pid %ld", line, (long)cred.uid,
			 (long)cred.pid);
	out = open_memstream(&reply, &len);
	if (!out) {
		static const char msg[] = CONTROL_REPLY_ERR "out of memory\n";

		(void)control_write_all(fd, msg, sizeof(msg) - 1); /* client gone: nothing to do */
		return;
	}
	control_execute(c, line, out);
	if (fclose(out) == 0 && reply)
		(void)control_write_all(fd, reply, len); /* client gone: nothing to do */
	free(reply);
}

/* One connection's thread: serves it, closes it, and says it is done. */
struct control_client {
	struct control *c;
	int fd;
};

static void *client_main(void *arg)
{
	struct control_client *cl = arg;
	struct control *c = cl->c;

	serve_one(c, cl->fd);
	close(cl->fd);
	free(cl);
	pthread_mutex_lock(&c->lock);
	c->clients--;
	pthread_cond_broadcast(&c->idle);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Hands the accepted connection fd to a thread of its own, so that a
 * client that is slow to send its line (up to CONTROL_TIMEOUT_MS) or to
 * read its reply delays nobody else; beyond CONTROL_CLIENTS_MAX at once
 * the client is told to retry. Takes fd. */
static void client_spawn(struct control *c, int fd)
{
	static const char busy[] = CONTROL_REPLY_ERR "busy: too many control connections, "
				   "try again\n";
	struct control_client *cl = NULL;
	pthread_attr_t attr;
	pthread_t t;
	bool ok = false;

	pthread_mutex_lock(&c->lock);
	if (c->clients < CONTROL_CLIENTS_MAX) {
		c->clients++;
		ok = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (!ok) {
		log_warn("control: %d connections at once, one refused", CONTROL_CLIENTS_MAX);
		goto refuse;
	}
	cl = malloc(sizeof(*cl));
	if (cl && pthread_attr_init(&attr) == 0) {
		*cl = (struct control_client){ .c = c, .fd = fd };
		(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&t, &attr, client_main, cl) == 0;
		pthread_attr_destroy(&attr);
		if (ok)
			return;
	}
	free(cl);
	log_err("control: cannot start a thread for a connection");
	pthread_mutex_lock(&c->lock);
	c->clients--;
	pthread_cond_broadcast(&c->idle);
	pthread_mutex_unlock(&c->lock);
refuse:
	(void)control_write_all(fd, busy, sizeof(busy) - 1); /* client gone: nothing to do */
	close(fd);
}

static void *control_main(void *arg)
{
	struct control *c = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = c->fd, .events = POLLIN },
			{ .fd = c->wakefd, .events = POLLIN },
		};
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("control: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("control: accept: %s", strerror(errno));
			continue;
		}
		client_spawn(c, fd);
	}
	return NULL;
}

/* True when something listens on the socket at addr. */
static bool socket_alive(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return alive;
}

cairn_err control_prepare_dir(const char *file, uid_t uid, gid_t gid)
{
	char *dir = strdup(file), *slash;
	cairn_err err = CAIRN_OK;

	if (!dir)
		return CAIRN_ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		goto done;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0) {
		if (errno != EEXIST) {
			log_err("cannot create directory %s: %s", dir, strerror(errno));
			err = CAIRN_EIO;
		}
		goto done;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(dir, uid, gid) != 0) {
		log_err("cannot give directory %s to the server's user: %s", dir, strerror(errno));
		err = CAIRN_EIO;
	}
done:
	free(dir);
	return err;
}

cairn_err control_open(const char *path, uid_t uid, gid_t gid, gid_t sock_gid,
		       const struct control_target *target, struct control **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct control *c;
	struct stat st;
	mode_t old_mask;
	cairn_err err = CAIRN_ENOMEM;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return CAIRN_ENOMEM;
	c->t = *target;
	c->fd = c->wakefd = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->idle, NULL);
	if (!path)
		goto ok;
	err = CAIRN_EINVAL;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		log_err("control-socket %s: path longer than %zu bytes", path,
			sizeof(addr.sun_path) - 1);
		goto done;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	err = CAIRN_ENOMEM;
	c->path = strdup(path);
	if (!c->path)
		goto done;
	err = CAIRN_EIO;
	if (control_prepare_dir(path, uid, gid) != CAIRN_OK)
		goto done;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("control-socket %s: exists and is not a socket", path);
			goto done;
		}
		if (socket_alive(&addr)) {
			log_err("control-socket %s: another cairnd is listening on it", path);
			err = CAIRN_EEXIST;
			goto done;
		}
		if (unlink(path) != 0) {
			log_err("control-socket %s: cannot remove the stale socket: %s", path,
				strerror(errno));
			goto done;
		}
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		log_err("control-socket: %s", strerror(errno));
		goto done;
	}
	/* created with mode 0600 at once so nobody else can connect in between,
	 * widened to 0660 once its group is control-group: root's and that
	 * group's, never the service user's (which could otherwise be used to
	 * stop or reconfigure the daemon from any process running as it) */
	old_mask = umask(0177);
	if (bind(c->fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		umask(old_mask);
		log_err("control-socket %s: %s", path, strerror(errno));
		goto done;
	}
	umask(old_mask);
	if (sock_gid != (gid_t)-1 && chown(path, (uid_t)-1, sock_gid) != 0) {
		log_err("control-socket %s: chown: %s", path, strerror(errno));
		goto unlink;
	}
	if (chmod(path, 0660) != 0 || listen(c->fd, 16) != 0) {
		log_err("control-socket %s: %s", path, strerror(errno));
		goto unlink;
	}
ok:
	err = CAIRN_ENOMEM;
	c->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wakefd < 0) {
		log_err("control: eventfd: %s", strerror(errno));
		err = CAIRN_EIO;
		goto unlink;
	}
	*out = c;
	return CAIRN_OK;
unlink:
	if (c->path)
		unlink(c->path);
done:
	if (c->fd >= 0)
		close(c->fd);
	pthread_cond_destroy(&c->idle);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c);
	return err;
}

cairn_err control_start(struct control *c)
{
	int rc;

	if (c->fd < 0)
		return CAIRN_OK;
	rc = pthread_create(&c->thread, NULL, control_main, c);
	if (rc != 0) {
		log_err("cannot start the control thread: %s", strerror(rc));
		return CAIRN_EIO;
	}
	c->started = true;
	return CAIRN_OK;
}

void control_free(struct control *c)
{
	uint64_t one = 1;

	if (!c)
		return;
	if (c->started) {
		if (write(c->wakefd, &one, sizeof(one)) != sizeof(one))
			log_err("control: cannot wake the thread: %s", strerror(errno));
		pthread_join(c->thread, NULL);
	}
	/* the connections' threads see wakefd too: they finish the command
	 * they run (if any) and end */
	pthread_mutex_lock(&c->lock);
	while (c->clients > 0)
		pthread_cond_wait(&c->idle, &c->lock);
	pthread_mutex_unlock(&c->lock);
	pthread_cond_destroy(&c->idle);
	pthread_mutex_destroy(&c->lock);
	if (c->fd >= 0)
		close(c->fd);
	if (c->path && unlink(c->path) != 0 && errno != ENOENT)
		log_warn("cannot remove control-socket %s: %s", c->path, strerror(errno));
	if (c->wakefd >= 0)
		close(c->wakefd);
	free(c->path);
	free(c);
}
