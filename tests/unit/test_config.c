/* Unit tests for the cairnd.conf parser (src/daemon/config.c and
 * config_keys.c): good files, defaults, and every kind of error with its
 * exact file:line message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cairn/config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	char conf[128];
	char msgs[4096];     /* "file:line: message\n" per problem */
	unsigned count;
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct fixture *f = ctx;
	size_t used = strlen(f->msgs);

	if (line)
		snprintf(f->msgs + used, sizeof(f->msgs) - used, "%s:%u: %s\n", file, line, msg);
	else
		snprintf(f->msgs + used, sizeof(f->msgs) - used, "%s: %s\n", file, msg);
	f->count++;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[256];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-test-config-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->conf, sizeof(f->conf), "%s/cairnd.conf", f->dir);
	snprintf(path, sizeof(path), "%s/zones", f->dir);
	if (mkdir(path, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/zones/a.zone", f->dir);
	write_file(path, "; only its existence matters here\n");
	snprintf(path, sizeof(path), "%s/zones/b.zone", f->dir);
	write_file(path, "; only its existence matters here\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[256];

	snprintf(path, sizeof(path), "%s/zones/a.zone", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/zones/b.zone", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/zones", f->dir);
	rmdir(path);
	unlink(f->conf);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Parses text as f->conf; returns the result code. */
static cairn_err parse(struct fixture *f, const char *text, struct cairn_config **cfg)
{
	f->msgs[0] = '\0';
	f->count = 0;
	return config_load_text(f->conf, text, collect, f, cfg);
}

/* Checks that text fails with exactly the problems in expect, where "@"
 * at the start of a line stands for the config file's path. */
static void expect_errors(struct fixture *f, const char *text, const char *expect)
{
	struct cairn_config *cfg = (void *)1;
	char want[4096];
	size_t used = 0;

	for (const char *c = expect; *c && used < sizeof(want) - 1; c++) {
		if (*c == '@' && (c == expect || c[-1] == '\n'))
			used += (size_t)snprintf(want + used, sizeof(want) - used, "%s", f->conf);
		else
			want[used++] = *c;
	}
	want[used] = '\0';
	assert_int_equal(parse(f, text, &cfg), CAIRN_EFORMAT);
	assert_null(cfg);
	assert_string_equal(f->msgs, want);
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	assert_int_equal(parse(f, "server:\n", &cfg), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_int_equal(cfg->n_listen, 2);
	s4 = (const struct sockaddr_in *)&cfg->listen[0].addr.ss;
	s6 = (const struct sockaddr_in6 *)&cfg->listen[1].addr.ss;
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(s4->sin_port), 53);
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_true(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
	assert_int_equal(ntohs(s6->sin6_port), 53);
	assert_int_equal(cfg->threads, cpus < 1 ? 1 : cpus);
	assert_int_equal(cfg->edns_buffer_size, 1232);
	assert_int_equal(cfg->tcp_idle_timeout, 10);
	assert_int_equal(cfg->tcp_max_connections, 256);
	assert_false(cfg->recursion);
	assert_false(cfg->log_queries);
	assert_int_equal(cfg->log_sink, LOG_SINK_SYSLOG);
	assert_null(cfg->user);
	assert_null(cfg->pidfile);
	assert_int_equal(cfg->n_zones, 0);
	assert_string_equal(cfg->dir, f->dir);
	config_free(cfg);

	/* an empty file is a valid configuration too */
	assert_int_equal(parse(f, "", &cfg), CAIRN_OK);
	assert_int_equal(cfg->n_listen, 2);
	config_free(cfg);
}

static void test_full(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;
	char want[256];
	const struct sockaddr_in6 *s6;
	const char *text =
		"# a full configuration\n"
		"\n"
		"server:\n"
		"    listen: 127.0.0.1@5353     # first\n"
		"\tlisten: \"::1@5353\"\n"
		"  listen: 0.0.0.0\n"
		"  threads: 3\n"
		"  user: \"\"\n"
		"  pidfile: run/cairnd.pid\n"
		"  log: /var/log/cairnd.log\n"
		"  log-queries: yes\n"
		"  recursion: no\n"
		"  edns-buffer-size: 4096\n"
		"  tcp-idle-timeout: 30\n"
		"  tcp-max-connections: 1000\r\n"
		"zone:\n"
		"  name: Lab.Test.\n"
		"  file: zones/a.zone\n"
		"zone:\n"
		"  file: \"zones/b.zone\"   # file may come first\n"
		"  name: \"2.0.192.in-addr.arpa\"\n"
		"server:\n"
		"  listen: ::@53\n";

	assert_int_equal(parse(f, text, &cfg), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_int_equal(cfg->n_listen, 4);
	assert_string_equal(cfg->listen[0].text, "127.0.0.1@5353");
	assert_int_equal(cfg->listen[0].line, 4);
	assert_string_equal(cfg->listen[1].text, "::1@5353");
	s6 = (const struct sockaddr_in6 *)&cfg->listen[1].addr.ss;
	assert_int_equal(ntohs(s6->sin6_port), 5353);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&cfg->listen[2].addr.ss)->sin_port), 53);
	assert_int_equal(cfg->listen[3].line, 23);
	assert_int_equal(cfg->threads, 3);
	assert_non_null(cfg->user);
	assert_string_equal(cfg->user, "");
	snprintf(want, sizeof(want), "%s/run/cairnd.pid", f->dir);
	assert_string_equal(cfg->pidfile, want);
	assert_int_equal(cfg->log_sink, LOG_SINK_FILE);
	assert_string_equal(cfg->log_path, "/var/log/cairnd.log");
	assert_true(cfg->log_queries);
	assert_false(cfg->recursion);
	assert_int_equal(cfg->edns_buffer_size, 4096);
	assert_int_equal(cfg->tcp_idle_timeout, 30);
	assert_int_equal(cfg->tcp_max_connections, 1000);
	assert_int_equal(cfg->n_zones, 2);
	assert_string_equal(cfg->zones[0].name, "Lab.Test");
	snprintf(want, sizeof(want), "%s/zones/a.zone", f->dir);
	assert_string_equal(cfg->zones[0].file, want);
	assert_int_equal(cfg->zones[0].line, 16);
	assert_string_equal(cfg->zones[1].name, "2.0.192.in-addr.arpa");
	snprintf(want, sizeof(want), "%s/zones/b.zone", f->dir);
	assert_string_equal(cfg->zones[1].file, want);
	config_free(cfg);
}

static void test_values(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;

	/* '#' inside quotes is data, not a comment */
	assert_int_equal(parse(f, "server:\n user: \"a#b\" # c\n log: stderr\n"
			       " recursion: yes\n", &cfg), CAIRN_OK);
	assert_string_equal(cfg->user, "a#b");
	assert_int_equal(cfg->log_sink, LOG_SINK_STDERR);
	assert_true(cfg->recursion);
	config_free(cfg);

	assert_int_equal(parse(f, "server:\n log: syslog\n edns-buffer-size: 512\n"
			       " threads: 1\n", &cfg), CAIRN_OK);
	assert_int_equal(cfg->log_sink, LOG_SINK_SYSLOG);
	assert_int_equal(cfg->edns_buffer_size, 512);
	assert_int_equal(cfg->threads, 1);
	config_free(cfg);

	/* the root zone and an absolute file name */
	char text[512];
	snprintf(text, sizeof(text), "zone:\n name: .\n file: %s/zones/a.zone\n", f->dir);
	assert_int_equal(parse(f, text, &cfg), CAIRN_OK);
	assert_string_equal(cfg->zones[0].name, ".");
	config_free(cfg);
}

static void test_file_load(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;
	char missing[256];

	write_file(f->conf, "server:\n  threads: 2\nzone:\n  name: a.test\n  file: zones/a.zone\n");
	f->msgs[0] = '\0';
	assert_int_equal(config_load(f->conf, collect, f, &cfg), CAIRN_OK);
	assert_int_equal(cfg->threads, 2);
	assert_string_equal(cfg->path, f->conf);
	config_free(cfg);

	/* a UTF-8 byte order mark before the first clause is accepted */
	write_file(f->conf, "\xEF\xBB\xBFserver:\n  threads: 3\n");
	f->msgs[0] = '\0';
	assert_int_equal(config_load(f->conf, collect, f, &cfg), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_int_equal(cfg->threads, 3);
	config_free(cfg);

	write_file(f->conf, "server:\n  threads: two\n");
	f->msgs[0] = '\0';
	assert_int_equal(config_load(f->conf, collect, f, &cfg), CAIRN_EFORMAT);
	assert_null(cfg);
	char want[512];
	snprintf(want, sizeof(want), "%s:2: 'threads' wants a number, not 'two'\n", f->conf);
	assert_string_equal(f->msgs, want);

	snprintf(missing, sizeof(missing), "%s/nonexistent.conf", f->dir);
	f->msgs[0] = '\0';
	assert_int_equal(config_load(missing, collect, f, &cfg), CAIRN_EIO);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory\n", missing);
	assert_string_equal(f->msgs, want);
}

static void test_syntax_errors(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "server:\n  threads 2\n",
		      "@:2: syntax error: expected 'clause:' or 'key: value'\n");
	expect_errors(f, "server:\n  user: \"abc\n",
		      "@:2: unterminated quoted value\n");
	expect_errors(f, "server:\n  user: \"abc\" def\n",
		      "@:2: unexpected text after the quoted value of 'user'\n");
	expect_errors(f, "server: yes\n",
		      "@:1: clause 'server:' takes no value\n");
	expect_errors(f, "server:\n  pidfile:\n",
		      "@:2: 'pidfile' needs a value\n");
	expect_errors(f, "\n\nserverr:\n",
		      "@:3: unknown clause 'serverr:'\n");
	expect_errors(f, "server:\n  thread: 2\n",
		      "@:2: unknown key 'thread'\n");
	expect_errors(f, "threads: 2\nserver:\n",
		      "@:1: 'threads' outside of a clause (it belongs in 'server:')\n");
	expect_errors(f, "server:\n  name: a.test\n",
		      "@:2: 'name' is not allowed in 'server:' (it belongs in 'zone:')\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n  threads: 1\n",
		      "@:4: 'threads' is not allowed in 'zone:' (it belongs in 'server:')\n");
	expect_errors(f, "server:\n  threads: 2\n  threads: 3\n",
		      "@:3: 'threads' given twice (first on line 2)\n");
}

static void test_value_errors(void **state)
{
	struct fixture *f = *state;

	expect_errors(f, "server:\n  recursion: maybe\n",
		      "@:2: 'recursion' wants yes or no, not 'maybe'\n");
	expect_errors(f, "server:\n  log-queries: 1\n",
		      "@:2: 'log-queries' wants yes or no, not '1'\n");
	expect_errors(f, "server:\n  threads: 0\n",
		      "@:2: 'threads' must be between 1 and 1024, not 0\n");
	expect_errors(f, "server:\n  threads: -1\n",
		      "@:2: 'threads' wants a number, not '-1'\n");
	expect_errors(f, "server:\n  threads: 2x\n",
		      "@:2: 'threads' wants a number, not '2x'\n");
	expect_errors(f, "server:\n  edns-buffer-size: 511\n",
		      "@:2: 'edns-buffer-size' must be between 512 and 4096, not 511\n");
	expect_errors(f, "server:\n  edns-buffer-size: 4097\n",
		      "@:2: 'edns-buffer-size' must be between 512 and 4096, not 4097\n");
	expect_errors(f, "server:\n  tcp-idle-timeout: 0\n",
		      "@:2: 'tcp-idle-timeout' must be between 1 and 3600, not 0\n");
	expect_errors(f, "server:\n  tcp-max-connections: 99999999999999999999999\n",
		      "@:2: 'tcp-max-connections' wants a number, not '99999999999999999999999'\n");
	expect_errors(f, "server:\n  listen: 127.0.0.1@99999\n",
		      "@:2: bad listen address '127.0.0.1@99999' (want ADDRESS[@PORT])\n");
	expect_errors(f, "server:\n  listen: localhost\n",
		      "@:2: bad listen address 'localhost' (want ADDRESS[@PORT])\n");
	expect_errors(f, "server:\n  listen: 127.0.0.1@53\n  listen: 127.0.0.1\n",
		      "@:3: duplicate listen address '127.0.0.1' (also on line 2)\n");
	expect_errors(f, "server:\n  log: \"\"\n",
		      "@:2: 'log' wants syslog, stderr or a file name\n");
}

/* local-zone-disable: repeatable, only the default local zones. */
static void test_local_zone_disable(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;

	assert_int_equal(parse(f, "server:\n  local-zone-disable: 127.in-addr.arpa\n"
			      "  local-zone-disable: \"10.in-addr.arpa.\"\n", &cfg), CAIRN_OK);
	assert_non_null(cfg);
	assert_int_equal(cfg->n_local_zone_disable, 2);
	assert_string_equal(cfg->local_zone_disable[0], "127.in-addr.arpa");
	assert_string_equal(cfg->local_zone_disable[1], "10.in-addr.arpa.");
	config_free(cfg);
	expect_errors(f, "server:\n  local-zone-disable: in-addr.arpa\n",
		      "@:2: 'in-addr.arpa' is not one of the default local zones "
		      "(see local-zone-disable in cairnd.conf(5))\n");
	expect_errors(f, "zone:\n  local-zone-disable: test\n",
		      "@:2: 'local-zone-disable' is not allowed in 'zone:' (it belongs in 'server:')\n"
		      "@:1: zone without 'name'\n@:1: zone without 'file'\n");
}

/* The resolver's limits: defaults, values, ranges. */
static void test_resolver_limits(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;

	assert_int_equal(parse(f, "server:\n", &cfg), CAIRN_OK);
	assert_int_equal(cfg->max_upstream_queries, 32);
	assert_int_equal(cfg->max_referrals, 20);
	assert_int_equal(cfg->max_glueless_ns, 5);
	assert_int_equal(cfg->resolve_timeout, 10);
	assert_int_equal(cfg->upstream_timeout, 1000);
	config_free(cfg);
	assert_int_equal(parse(f, "server:\n  max-upstream-queries: 8\n  max-referrals: 3\n"
			      "  max-glueless-ns: 0\n  resolve-timeout: 3\n"
			      "  upstream-timeout: 300\n", &cfg), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_int_equal(cfg->max_upstream_queries, 8);
	assert_int_equal(cfg->max_referrals, 3);
	assert_int_equal(cfg->max_glueless_ns, 0);
	assert_int_equal(cfg->resolve_timeout, 3);
	assert_int_equal(cfg->upstream_timeout, 300);
	config_free(cfg);
	expect_errors(f, "server:\n  max-upstream-queries: 0\n",
		      "@:2: 'max-upstream-queries' must be between 1 and 1000, not 0\n");
	expect_errors(f, "server:\n  max-referrals: 101\n",
		      "@:2: 'max-referrals' must be between 1 and 100, not 101\n");
	expect_errors(f, "server:\n  max-glueless-ns: 33\n",
		      "@:2: 'max-glueless-ns' must be between 0 and 32, not 33\n");
	expect_errors(f, "server:\n  resolve-timeout: 0\n",
		      "@:2: 'resolve-timeout' must be between 1 and 300, not 0\n");
	expect_errors(f, "server:\n  upstream-timeout: 9\n",
		      "@:2: 'upstream-timeout' must be between 10 and 30000, not 9\n");
}

/* The keys of the local caching daemon (issue 11): defaults, values, a
 * relative cache-file resolved against the config's directory, limits. */
static void test_stale_prefetch_keys(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;
	char want[4096];

	assert_int_equal(parse(f, "server:\n", &cfg), CAIRN_OK);
	assert_true(cfg->serve_stale);
	assert_int_equal(cfg->stale_client_timeout, 1800);
	assert_int_equal(cfg->stale_answer_ttl, 30);
	assert_int_equal(cfg->serve_stale_max_age, 86400);
	assert_false(cfg->prefetch);
	assert_false(cfg->log_servfail);
	assert_null(cfg->cache_file);
	config_free(cfg);
	assert_int_equal(parse(f, "server:\n  serve-stale: no\n  stale-answer-client-timeout: 0\n"
			      "  stale-answer-ttl: 5\n  serve-stale-max-age: 600\n"
			      "  prefetch: yes\n  log-servfail: yes\n  cache-file: cache.txt\n",
			      &cfg), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_false(cfg->serve_stale);
	assert_int_equal(cfg->stale_client_timeout, 0);
	assert_int_equal(cfg->stale_answer_ttl, 5);
	assert_int_equal(cfg->serve_stale_max_age, 600);
	assert_true(cfg->prefetch);
	assert_true(cfg->log_servfail);
	snprintf(want, sizeof(want), "%s/cache.txt", f->dir);
	assert_string_equal(cfg->cache_file, want);
	config_free(cfg);
	expect_errors(f, "server:\n  stale-answer-ttl: 0\n",
		      "@:2: 'stale-answer-ttl' must be between 1 and 86400, not 0\n");
	expect_errors(f, "server:\n  serve-stale: maybe\n",
		      "@:2: 'serve-stale' wants yes or no, not 'maybe'\n");
}

/* The abuse defences' keys: NSD's defaults, values, file:line errors. */
static void test_abuse_keys(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;

	assert_int_equal(parse(f, "server:\n", &cfg), CAIRN_OK);
	assert_true(cfg->answer_cookie);
	assert_false(cfg->cookie_required);
	assert_int_equal(cfg->rrl_ratelimit, 200);
	assert_int_equal(cfg->rrl_slip, 2);
	assert_int_equal(cfg->rrl_ipv4_prefix, 24);
	assert_int_equal(cfg->rrl_ipv6_prefix, 56);
	assert_int_equal(cfg->rrl_size, 1000000);
	assert_int_equal(cfg->rrl_whitelist_ratelimit, 0);
	assert_int_equal(cfg->n_rrl_whitelist, 0);
	config_free(cfg);
	assert_int_equal(parse(f, "server:\n  answer-cookie: no\n  cookie-required: yes\n"
			      "  rrl-ratelimit: 0\n  rrl-slip: 1\n  rrl-ipv4-prefix-length: 32\n"
			      "  rrl-ipv6-prefix-length: 64\n  rrl-size: 4096\n"
			      "  rrl-whitelist-ratelimit: 50\n"
			      "  rrl-whitelist: 192.0.2.0/24 2001:db8::/32\n  rrl-whitelist: 10.1.2.3\n",
			      &cfg), CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_false(cfg->answer_cookie);
	assert_true(cfg->cookie_required);
	assert_int_equal(cfg->rrl_ratelimit, 0);
	assert_int_equal(cfg->rrl_slip, 1);
	assert_int_equal(cfg->rrl_ipv4_prefix, 32);
	assert_int_equal(cfg->rrl_ipv6_prefix, 64);
	assert_int_equal(cfg->rrl_size, 4096);
	assert_int_equal(cfg->rrl_whitelist_ratelimit, 50);
	assert_int_equal(cfg->n_rrl_whitelist, 3);
	assert_int_equal(cfg->rrl_whitelist[1].bits, 32);
	assert_int_equal(cfg->rrl_whitelist[2].bits, 32);
	config_free(cfg);
	expect_errors(f, "server:\n  rrl-whitelist: 192.0.2.0/33\n",
		      "@:2: bad address prefix '192.0.2.0/33' (want e.g. 10.0.0.0/8)\n");
	expect_errors(f, "server:\n  rrl-ipv4-prefix-length: 33\n",
		      "@:2: 'rrl-ipv4-prefix-length' must be between 0 and 32, not 33\n");
	expect_errors(f, "server:\n  rrl-size: 8\n",
		      "@:2: 'rrl-size' must be between 16 and 16777216, not 8\n");
	expect_errors(f, "server:\n  cookie-required: maybe\n",
		      "@:2: 'cookie-required' wants yes or no, not 'maybe'\n");
	/* cookie-secret: 32 hex digits, at most two */
	assert_int_equal(parse(f, "server:\n  cookie-secret: 000102030405060708090a0b0c0d0e0F\n"
			      "  cookie-secret: ffffffffffffffffffffffffffffffff\n", &cfg), CAIRN_OK);
	assert_int_equal(cfg->n_cookie_secrets, 2);
	assert_int_equal(cfg->cookie_secrets[0][15], 0x0f);
	assert_int_equal(cfg->cookie_secrets[1][0], 0xff);
	config_free(cfg);
	expect_errors(f, "server:\n  cookie-secret: 0001020304050607\n",
		      "@:2: bad cookie-secret (want 32 hex digits)\n");
	expect_errors(f, "server:\n  cookie-secret: 000102030405060708090a0b0c0d0e0f00\n",
		      "@:2: bad cookie-secret (want 32 hex digits)\n");
	expect_errors(f, "server:\n  cookie-secret: 000102030405060708090a0b0c0d0e0g\n",
		      "@:2: bad cookie-secret (want 32 hex digits)\n");
	expect_errors(f, "server:\n  cookie-secret: 000102030405060708090a0b0c0d0e0f\n"
		      "  cookie-secret: 000102030405060708090a0b0c0d0e0f\n"
		      "  cookie-secret: 000102030405060708090a0b0c0d0e0f\n",
		      "@:4: at most 2 cookie-secret (the current and the previous)\n");
}

static void test_zone_errors(void **state)
{
	struct fixture *f = *state;
	char text[512], want[1024];

	expect_errors(f, "zone:\n  file: zones/a.zone\nzone:\n  name: b.test\n"
		      "  file: zones/b.zone\n",
		      "@:1: zone without 'name'\n");
	expect_errors(f, "zone:\n  name: a.test\n",
		      "@:1: zone 'a.test' without 'file'\n");
	expect_errors(f, "zone:\n",
		      "@:1: zone without 'name'\n@:1: zone without 'file'\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "zone:\n  name: A.TEST.\n  file: zones/b.zone\n",
		      "@:5: duplicate zone 'A.TEST.' (also in the zone on line 1)\n");
	expect_errors(f, "zone:\n  name: a..test\n  file: zones/a.zone\n",
		      "@:2: bad zone name 'a..test': it has an empty label\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n  name: b.test\n",
		      "@:4: 'name' given twice (first on line 2)\n");

	snprintf(text, sizeof(text), "zone:\n  name: a.test\n  file: zones/missing.zone\n");
	snprintf(want, sizeof(want),
		 "@:3: cannot read zone file '%s/zones/missing.zone': No such file or directory\n",
		 f->dir);
	expect_errors(f, text, want);
}

/* zone transfers: key: clauses and the zone keys of issue 10's contract */
static void test_xfr_keys(void **state)
{
	struct fixture *f = *state;
	struct cairn_config *cfg = NULL;

	assert_int_equal(parse(f,
		"zone:\n  name: a.test\n  file: zones/a.zone\n"
		"  provide-xfr: 192.0.2.0/24 xfr-key\n  provide-xfr: ::1 NOKEY\n"
		"  notify: 192.0.2.7@5300 xfr-key\n  notify: 192.0.2.8\n"
		"  ixfr-number: 3\n  ixfr-size: 64k\n"
		"key:\n  name: xfr-key\n  algorithm: hmac-sha256\n"
		"  secret: \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"\n"
		"key:\n  name: other.\n  algorithm: HMAC-SHA512\n  secret: AAEC\n", &cfg),
		CAIRN_OK);
	assert_string_equal(f->msgs, "");
	assert_int_equal(cfg->n_keys, 2);
	assert_string_equal(cfg->keys[0].name, "xfr-key");
	assert_string_equal(cfg->keys[0].algorithm, "hmac-sha256");
	assert_int_equal(cfg->keys[0].secret_len, 24);
	assert_memory_equal(cfg->keys[0].secret, "secretsecretsecretsecret", 24);
	assert_string_equal(cfg->keys[1].name, "other");
	assert_string_equal(cfg->keys[1].algorithm, "hmac-sha512");
	assert_int_equal(cfg->keys[1].secret_len, 3);
	assert_int_equal(cfg->zones[0].n_provide_xfr, 2);
	assert_string_equal(cfg->zones[0].provide_xfr[0].key, "xfr-key");
	assert_int_equal(cfg->zones[0].provide_xfr[0].pfx.bits, 24);
	assert_null(cfg->zones[0].provide_xfr[1].key);
	assert_int_equal(cfg->zones[0].n_notify, 2);
	assert_string_equal(cfg->zones[0].notify[0].key, "xfr-key");
	assert_null(cfg->zones[0].notify[1].key);
	assert_int_equal(cfg->zones[0].ixfr_number, 3);
	assert_int_equal(cfg->zones[0].ixfr_size, 65536);
	config_free(cfg);

	/* a catalog zone's file is written by cairnd: it need not exist */
	assert_int_equal(parse(f, "zone:\n  name: cat.test\n  file: zones/cat.zone\n"
			       "  catalog: yes\n", &cfg), CAIRN_OK);
	assert_true(cfg->zones[0].catalog);
	config_free(cfg);

	/* a secondary: its file need not exist before the first transfer */
	assert_int_equal(parse(f,
		"key:\n  name: k\n  algorithm: hmac-sha1\n  secret: AAEC\n"
		"zone:\n  name: s.test\n  file: zones/not-yet.zone\n"
		"  primary: 192.0.2.7@53 key k\n  primary: 192.0.2.9 k\n"
		"  allow-notify: 192.0.2.7 k\n", &cfg), CAIRN_OK);
	assert_int_equal(cfg->zones[0].n_primary, 2);
	assert_string_equal(cfg->zones[0].primary[0].key, "k");
	assert_string_equal(cfg->zones[0].primary[1].key, "k");
	assert_int_equal(cfg->zones[0].n_allow_notify, 1);
	assert_int_equal(cfg->zones[0].ixfr_number, CONFIG_DEFAULT_IXFR_NUMBER);
	config_free(cfg);

	expect_errors(f, "key:\n  name: k\n  algorithm: hmac-md5\n  secret: AAEC\n",
		      "@:3: unknown key algorithm 'hmac-md5' (want hmac-sha256, hmac-sha512 "
		      "or hmac-sha1)\n");
	expect_errors(f, "key:\n  name: k\n  algorithm: hmac-sha256\n  secret: not*base64\n",
		      "@:4: bad key secret (want base64 text of 1 to 512 bytes, e.g. from "
		      "tsig-keygen)\n");
	expect_errors(f, "key:\n  name: k\n  algorithm: hmac-sha256\n  secret: AAECA\n",
		      "@:4: bad key secret (want base64 text of 1 to 512 bytes, e.g. from "
		      "tsig-keygen)\n");
	expect_errors(f, "key:\n  name: k\n",
		      "@:1: key k without 'algorithm'\n@:1: key k without 'secret'\n");
	expect_errors(f, "key:\n  name: k\n  algorithm: hmac-sha1\n  secret: AAEC\n"
		      "key:\n  name: K.\n  algorithm: hmac-sha1\n  secret: AAEC\n",
		      "@:6: duplicate key 'K.' (also on line 1)\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "  provide-xfr: 192.0.2.0/24\n",
		      "@:4: bad provide-xfr '192.0.2.0/24' (want PREFIX KEYNAME|NOKEY)\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "  provide-xfr: 192.0.2.0/33 NOKEY\n",
		      "@:4: bad address prefix '192.0.2.0/33' in provide-xfr (want e.g. "
		      "192.0.2.0/24)\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "  provide-xfr: 192.0.2.0/24 nokey-here\n  notify: 192.0.2.1 missing\n",
		      "@:4: key 'nokey-here' is not defined (add a key: clause with that name)\n"
		      "@:5: key 'missing' is not defined (add a key: clause with that name)\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "  notify: host.example\n",
		      "@:4: bad address 'host.example' in notify (want ADDRESS[@PORT])\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "  primary: 192.0.2.1 a b\n",
		      "@:4: bad primary '192.0.2.1 a b' (want ADDRESS[@PORT] [KEYNAME])\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n"
		      "  allow-notify: 192.0.2.1 NOKEY\n",
		      "@:1: zone a.test has allow-notify but no primary\n");
	expect_errors(f, "zone:\n  name: c.test\n  file: zones/c.zone\n  catalog: yes\n"
		      "  primary: 192.0.2.1\n",
		      "@:1: zone c.test: a catalog zone written by cairnd (catalog: yes) cannot "
		      "have a primary\n");
	expect_errors(f, "zone:\n  name: c.test\n  file: zones/a.zone\n  catalog: maybe\n",
		      "@:4: 'catalog' wants yes or no, not 'maybe'\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n  ixfr-size: 1x\n",
		      "@:4: bad ixfr-size '1x' (want e.g. 1m, at most 4096m)\n");
	expect_errors(f, "zone:\n  name: a.test\n  file: zones/a.zone\n  ixfr-number: 1001\n",
		      "@:4: 'ixfr-number' must be between 0 and 1000, not 1001\n");
}

static void test_many_errors(void **state)
{
	struct fixture *f = *state;

	/* every problem is reported, each at its own line */
	expect_errors(f,
		      "server:\n"
		      "  threads: none\n"
		      "  bogus: 1\n"
		      "  # fine\n"
		      "zone:\n"
		      "  name: a.test\n"
		      "  file: zones/a.zone\n"
		      "  listen: 127.0.0.1\n"
		      "zone:\n"
		      "  name: a.test\n",
		      "@:2: 'threads' wants a number, not 'none'\n"
		      "@:3: unknown key 'bogus'\n"
		      "@:8: 'listen' is not allowed in 'zone:' (it belongs in 'server:')\n"
		      "@:10: duplicate zone 'a.test' (also in the zone on line 5)\n"
		      "@:9: zone without 'file'\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_zone_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_prefetch_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolver_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xfr_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abuse_keys, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
