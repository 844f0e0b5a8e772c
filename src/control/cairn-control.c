/* cairn-control: sends one command to cairnd's control socket and prints
 * the reply. See cairn-control(8). Exit status: 0 the command succeeded,
 * 1 cairnd reported an error, 2 usage error, 3 cairnd could not be reached. */
#include "config.h"

#include "cairn/common.h"
#include "cairn/config.h"
#include "cairn/control.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_CONF SYSCONFDIR "/cairn/cairnd.conf"
#define REPLY_TIMEOUT_MS 60000   /* a reload of big zones takes a while */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cairn-control [-c FILE] [-s SOCKET] COMMAND [ARGS]\n"
		"  -c FILE    read control-socket from this cairnd.conf (default: %s)\n"
		"  -s SOCKET  control socket (default: control-socket of the config, else %s)\n"
		"commands:\n"
		"  stats                    statistics, one 'name value' per line\n"
		"  stats-prometheus         statistics in the Prometheus text format\n"
		"  status                   version, pid, uptime, workers, zones\n"
		"  reload                   reread the configuration and the zones whose file changed\n"
		"  reload-zone ZONE         read ZONE's file again (old data kept on a problem)\n"
		"  flush                    empty the cache\n"
		"  flush-name NAME [below]  remove NAME (and every name below it) from the cache\n"
		"  cache-show NAME          show what the cache holds for NAME\n"
		"  transfer ZONE            refresh the secondary zone ZONE from its primary now\n"
		"  zone-status ZONE         serial, refresh times, expiry, last error of a secondary zone\n"
		"  explain [--json] [--no-cache] NAME [TYPE]\n"
		"                           resolve NAME once and show each step\n"
		"  dump-cache FILE          write the cache to FILE (absolute path)\n"
		"  load-cache FILE          add the entries of FILE to the cache\n"
		"  flush-negative           remove every negative (NXDOMAIN, NODATA) entry from the cache\n"
		"  flush-type NAME TYPE     remove the TYPE entry of NAME from the cache\n"
		"  insecure-add NAME        negative trust anchor: no DNSSEC validation at and below NAME\n"
		"  insecure-remove NAME     remove that negative trust anchor\n"
		"  insecure-list [--json]   the negative trust anchors\n"
		"  flush-stats              zero the statistics counters\n"
		"  verbosity [N]            show or set the log level: 0 error, 1 warning, 2 info, 3 debug\n"
		"  reopen-log               reopen the log file (after logrotate; also SIGUSR2)\n"
		"  list-zones [--json]      name, serial, loaded at, kind and file of each zone\n"
		"  lookup [--json] NAME     the delegation cairnd would use for NAME, its servers' RTT, lameness\n"
		"  list-local-zones [--json]\n"
		"                           the zones the resolver answers itself (RFC 6761, RFC 6303)\n"
		"  infra [--json] [ADDRESS] what each worker knows of upstream servers: RTT, lameness\n"
		"  flush-infra ADDRESS|all  forget what the workers know of ADDRESS (or of all)\n"
		"  forward-list [--json]    the forward zones in use and their addresses\n"
		"  forward-add ZONE ADDRESS[@PORT]...\n"
		"                           forward ZONE to these resolvers (until restart)\n"
		"  forward-remove ZONE      stop forwarding ZONE (until restart)\n"
		"  get-option KEY           the value in use of a server: key of cairnd.conf\n"
		"  set-option KEY VALUE     change a key that may change at run time (until restart)\n"
		"  stop                     stop cairnd\n",
		DEFAULT_CONF, CONTROL_DEFAULT_SOCKET);
}

struct quiet {
	unsigned problems;
};

static void count_problem(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct quiet *q = ctx;

	(void)file;
	(void)line;
	(void)msg;
	q->problems++;
}

/* The socket path: -s, else control-socket of the config, else the
 * built-in default. Returns a malloc'd path or NULL (message printed). */
static char *find_socket(const char *sock, const char *conf, bool conf_given)
{
	struct cairn_config *cfg = NULL;
	struct quiet q = { 0 };
	char *path = NULL;

	if (sock)
		return strdup(sock);
	if (!conf_given && access(conf, F_OK) != 0)
		return strdup(CONTROL_DEFAULT_SOCKET);
	if (config_load(conf, count_problem, &q, &cfg) != CAIRN_OK) {
		fprintf(stderr, "cairn-control: cannot read %s (%u problems; check it with "
			"cairnd -n -c %s), or give the socket with -s\n", conf, q.problems, conf);
		return NULL;
	}
	if (cfg->control_socket && cfg->control_socket[0] == '\0')
		fprintf(stderr, "cairn-control: %s disables the control socket "
			"(control-socket: \"\")\n", conf);
	else
		path = strdup(cfg->control_socket ? cfg->control_socket : CONTROL_DEFAULT_SOCKET);
	config_free(cfg);
	return path;
}

/* Sends line, reads the reply until EOF into a malloc'd string. */
static int exchange(const char *path, const char *line, char **reply)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 0;
	int fd = -1, rc = 3;

	*reply = NULL;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "cairn-control: socket path too long: %s\n", path);
		goto done;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		fprintf(stderr, "cairn-control: cannot connect to %s: %s (is cairnd running? "
			"are you root or its user?)\n", path, strerror(errno));
		goto done;
	}
	if (control_write_all(fd, line, strlen(line)) != CAIRN_OK ||
	    control_write_all(fd, "\n", 1) != CAIRN_OK) {
		fprintf(stderr, "cairn-control: cannot send to %s: %s\n", path, strerror(errno));
		goto done;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (cap - len < 4096) {
			char *grown = realloc(*reply, cap + 65536);

			if (!grown) {
				fprintf(stderr, "cairn-control: out of memory\n");
				goto done;
			}
			*reply = grown;
			cap += 65536;
		}
		n = poll(&p, 1, REPLY_TIMEOUT_MS);
		if (n == 0) {
			fprintf(stderr, "cairn-control: no reply from %s within %d s\n", path,
				REPLY_TIMEOUT_MS / 1000);
			goto done;
		}
		n = read(fd, *reply + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "cairn-control: reading from %s: %s\n", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(*reply)[len] = '\0';
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *conf = DEFAULT_CONF;
	bool conf_given = false;
	char line[CONTROL_LINE_MAX + 1], *path = NULL, *reply = NULL, *body;
	size_t used = 0;
	int c, rc = 2;

	while ((c = getopt(argc, argv, "+c:s:h")) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			conf_given = true;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	line[0] = '\0';
	for (int i = optind; i < argc; i++) {
		int n = snprintf(line + used, sizeof(line) - used, "%s%s", i > optind ? " " : "",
				 argv[i]);

		if (n < 0 || (size_t)n >= sizeof(line) - used || strpbrk(argv[i], "\r\n")) {
			fprintf(stderr, "cairn-control: command too long or contains a newline\n");
			return 2;
		}
		used += (size_t)n;
	}
	path = find_socket(sock, conf, conf_given);
	if (!path)
		return 3;
	rc = exchange(path, line, &reply);
	if (rc != 0)
		goto done;
	body = strchr(reply, '\n');
	if (body)
		*body++ = '\0';
	else
		body = reply + strlen(reply);
	if (strcmp(reply, CONTROL_REPLY_OK) == 0) {
		fputs(body, stdout);
		rc = 0;
	} else if (strncmp(reply, CONTROL_REPLY_ERR, strlen(CONTROL_REPLY_ERR)) == 0) {
		fprintf(stderr, "cairn-control: %s\n", reply + strlen(CONTROL_REPLY_ERR));
		fputs(body, stderr);
		rc = 1;
	} else {
		fprintf(stderr, "cairn-control: unexpected reply from %s: %.80s\n", path, reply);
		rc = 1;
	}
done:
	free(reply);
	free(path);
	return rc;
}
