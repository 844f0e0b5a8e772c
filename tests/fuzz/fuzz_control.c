/* fuzz_control: the control protocol (src/server/control.c) fed fuzzed
 * requests: command lines given to control_execute() with a fake daemon
 * (statistics, reload, a real cache holding odd entries, stop, secondary
 * zones' transfer and zone-status), and the
 * same bytes sent as a client would over a real control socket (the
 * control thread's bounded line reader, then the command). Every reply
 * must be what cairn-control(8) parses: a first line that is "ok" or
 * "error: MESSAGE", a body, a final newline; control_execute returns true
 * exactly for "ok"; `stop` and `reload` reach the daemon exactly when the
 * reply says they did.
 *
 * Input: one byte of options, then the request text:
 *   bit 0  the daemon has a cache (else flush/cache-show answer an error)
 *   bit 1  the cache is filled with sample entries first
 *   bit 2  reload fails
 *   bit 3  the text is also sent over the control socket
 *   bit 4  `transfer` and `zone-status` fail (else they succeed)
 *   bit 5  they write no reply body
 *   bit 6  the daemon has no secondary zones (no zone callbacks)
 * The text is split at newlines; each line is one control_execute call. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cairn/cache.h"
#include "cairn/control.h"
#include "cairn/stats.h"
#include "fuzz_check.h"

struct fake_daemon {
	struct cache *cache;
	bool have_cache;
	bool reload_fails;
	bool zone_fails, zone_silent, no_zones;
	_Atomic unsigned stops, reloads;
};

static struct fake_daemon d;
static struct control *direct, *direct_nozones, *sock;
static char dir[64], path[96];

static void fake_stats(void *ctx, struct stats_snapshot *out)
{
	struct fake_daemon *fd = ctx;
	struct cache_stats cs;

	memset(out, 0, sizeof(*out));
	out->queries[0] = 12;
	out->rcode[3] = 5;
	out->resolutions = 3;
	out->resolution_ms_sum = 70;
	out->resolution_bucket[1] = 3;
	out->uptime_s = 42;
	out->zones = 2;
	out->workers = 2;
	if (fd->have_cache) {
		cache_get_stats(fd->cache, &cs);
		stats_set_cache(out, &cs);
	}
}

static cairn_err fake_reload(void *ctx, FILE *out)
{
	struct fake_daemon *fd = ctx;

	fd->reloads++;
	fprintf(out, "zones/x.zone:3: fuzz problem\n");
	return fd->reload_fails ? CAIRN_EFORMAT : CAIRN_OK;
}

static struct cache *fake_cache(void *ctx)
{
	struct fake_daemon *fd = ctx;

	return fd->have_cache ? fd->cache : NULL;
}

static void fake_status(void *ctx, FILE *out)
{
	(void)ctx;
	fprintf(out, "fuzz: yes\n");
}

/* `transfer NAME` and `zone-status NAME`: fail or succeed, with or
 * without a body, as the input says. */
static cairn_err fake_zone(void *ctx, const char *name, FILE *out)
{
	struct fake_daemon *fd = ctx;

	if (!fd->zone_silent)
		fprintf(out, "zone %s: serial 7\n", name);
	return fd->zone_fails ? CAIRN_EIO : CAIRN_OK;
}

static void fake_stop(void *ctx)
{
	((struct fake_daemon *)ctx)->stops++;
}

static void cleanup(void)
{
	control_free(sock);
	control_free(direct);
	control_free(direct_nozones);
	cache_free(d.cache);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct control_target t = {
		.ctx = &d, .stats = fake_stats, .reload = fake_reload, .cache = fake_cache,
		.status = fake_status, .stop = fake_stop, .zone_transfer = fake_zone,
		.zone_status = fake_zone,
	};
	struct control_target t2 = t;
	struct cache_config cc;
	(void)argc;
	(void)argv;

	log_open(LOG_SINK_FILE, "/dev/null", LOG_LVL_DEBUG);
	cache_config_default(&cc);
	cc.max_bytes = 1u << 20;
	snprintf(dir, sizeof(dir), "/tmp/cairn-fuzz-ctl.XXXXXX");
	if (cache_new(&cc, &d.cache) != CAIRN_OK || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/ctl", dir);
	t2.zone_transfer = t2.zone_status = NULL;
	if (control_open(NULL, (uid_t)-1, (gid_t)-1, (gid_t)-1, &t, &direct) != CAIRN_OK ||
	    control_open(NULL, (uid_t)-1, (gid_t)-1, (gid_t)-1, &t2, &direct_nozones) != CAIRN_OK ||
	    control_open(path, (uid_t)-1, (gid_t)-1, (gid_t)-1, &t, &sock) != CAIRN_OK ||
	    control_start(sock) != CAIRN_OK)
		abort();
	atexit(cleanup);
	return 0;
}

/* Puts the RRset (owner text, type, count x (rdlength, rdata)) in the cache. */
static void put(const char *owner, uint16_t type, const uint8_t *rdata, uint32_t rdlen,
		uint16_t count, uint64_t now)
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;
	struct wire_rrset rs = { .owner = name, .type = type, .rclass = WIRE_CLASS_IN,
				 .ttl = 300, .count = count, .rdata_len = rdlen,
				 .rdata = rdata };

	if (wire_name_from_text(owner, NULL, name, &nlen) != CAIRN_OK ||
	    cache_put_rrset(d.cache, &rs, CACHE_RANK_AUTH_ANSWER, now) != CAIRN_OK)
		abort();
}

/* Sample entries: addresses, a name server, negative answers with and
 * without an SOA, rdata ldns cannot show, odd characters in names. */
static void fill_cache(void)
{
	static const uint8_t a2[] = { 0, 4, 192, 0, 2, 1, 0, 4, 192, 0, 2, 2 };
	static const uint8_t bad_a[] = { 0, 3, 1, 2, 3 };
	static const uint8_t ns[] = { 0, 17, 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l',
				      'e', 3, 'c', 'o', 'm', 0 };
	static const uint8_t txt[] = { 0, 6, 5, 'h', 'e', '"', 'l', '\\' };
	static const uint8_t soa_rd[] = { 0, 26, 1, 'n', 0, 1, 'h', 0, 0, 0, 0, 1, 0, 0, 0, 2,
					  0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5 };
	uint64_t now = cairn_now_ms() / 1000;
	uint8_t name[WIRE_NAME_MAX], zone[WIRE_NAME_MAX];
	size_t nlen;
	struct wire_rrset soa = { .owner = zone, .type = WIRE_TYPE_SOA, .rclass = WIRE_CLASS_IN,
				  .ttl = 300, .count = 1, .rdata_len = sizeof(soa_rd),
				  .rdata = soa_rd };

	put("www.example.com", WIRE_TYPE_A, a2, sizeof(a2), 2, now);
	put("example.com", WIRE_TYPE_NS, ns, sizeof(ns), 1, now);
	put("bad.example.com", WIRE_TYPE_A, bad_a, sizeof(bad_a), 1, now);
	put("t\\.x\\032y.example.com", WIRE_TYPE_TXT, txt, sizeof(txt), 1, now);
	put("x.y.z.example.com", 65280, bad_a, sizeof(bad_a), 1, now);
	if (wire_name_from_text("example.com", NULL, zone, &nlen) != CAIRN_OK ||
	    wire_name_from_text("nx.example.com", NULL, name, &nlen) != CAIRN_OK ||
	    cache_put_negative(d.cache, name, 0, true, &soa, 60, CACHE_RANK_AUTH_AUTHORITY,
			       now) != CAIRN_OK ||
	    cache_put_negative(d.cache, zone, WIRE_TYPE_AAAA, false, NULL, 60,
			       CACHE_RANK_AUTH_AUTHORITY, now) != CAIRN_OK)
		abort();
}

/* Checks a reply against the protocol (control.h, cairn-control.c): a
 * first line "ok" or "error: MESSAGE", then the body; ends in a newline.
 * Returns true for "ok". */
static bool check_reply(const char *reply, size_t len)
{
	const char *nl = memchr(reply, '\n', len);
	bool ok;

	FUZZ_REQUIRE(len > 0 && nl, "reply without a line: '%.*s'", (int)len, reply);
	FUZZ_REQUIRE(reply[len - 1] == '\n', "reply does not end in a newline: '%.80s'", reply);
	FUZZ_REQUIRE(memchr(reply, '\0', len) == NULL, "NUL in the reply");
	ok = nl - reply == 2 && memcmp(reply, CONTROL_REPLY_OK, 2) == 0;
	FUZZ_REQUIRE(ok || (nl - reply > (ptrdiff_t)strlen(CONTROL_REPLY_ERR) &&
			    memcmp(reply, CONTROL_REPLY_ERR, strlen(CONTROL_REPLY_ERR)) == 0),
		     "first line neither ok nor error: '%.*s'", (int)(nl - reply), reply);
	return ok;
}

static void run_line(const char *line)
{
	char *reply = NULL;
	size_t len = 0;
	unsigned stops = d.stops, reloads = d.reloads;
	FILE *out = open_memstream(&reply, &len);
	bool ret, ok;

	if (!out)
		abort();
	ret = control_execute(d.no_zones ? direct_nozones : direct, line, out);
	if (fclose(out) != 0)
		abort();
	ok = check_reply(reply, len);
	FUZZ_REQUIRE(ret == ok, "control_execute returned %d for '%.80s'", ret, reply);
	FUZZ_REQUIRE(d.stops - stops == (strcmp(reply, "ok\nstopping\n") == 0),
		     "stop called %u times for the reply '%.80s'", d.stops - stops, reply);
	FUZZ_REQUIRE(d.reloads - reloads <= 1, "reload called %u times", d.reloads - reloads);
	if (d.reloads != reloads)
		FUZZ_REQUIRE(strstr(reply, "fuzz problem") &&
			     ok == !d.reload_fails, "reload reply '%.80s'", reply);
	free(reply);
}

/* Sends text[0..len) over the control socket like a client, closes the
 * sending side, reads the whole reply and checks it. */
static void run_socket(const uint8_t *text, size_t len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char reply[1 << 20];
	size_t rlen = 0, off = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(a.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		abort();
	/* the daemon reads one line and stops reading: what it leaves in the
	 * socket is lost, as for a real client */
	while (off < len) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int ready;

		/* the daemon answers at once: a line is complete (or cannot
		 * be) since the client has closed its side (libFuzzer's
		 * SIGALRM interrupts the wait now and then) */
		do
			ready = poll(&p, 1, 20000);
		while (ready < 0 && errno == EINTR);
		FUZZ_REQUIRE(ready == 1, "no reply within 20 s");
		n = read(fd, reply + rlen, sizeof(reply) - 1 - rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rlen += (size_t)n;
		FUZZ_REQUIRE(rlen < sizeof(reply) - 1, "reply of more than %zu bytes", rlen);
	}
	close(fd);
	reply[rlen] = '\0';
	check_reply(reply, rlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CONTROL_LINE_MAX + 64];
	size_t pos = 1;

	if (size < 1)
		return 0;
	d.have_cache = data[0] & 1;
	d.reload_fails = data[0] & 4;
	d.zone_fails = data[0] & 0x10;
	d.zone_silent = data[0] & 0x20;
	d.no_zones = data[0] & 0x40;
	cache_flush(d.cache);
	if (data[0] & 2)
		fill_cache();
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = (nl ? (size_t)(nl - data) : size) - pos;

		/* lines longer than the socket's limit are cut (control_execute
		 * cuts them at CONTROL_LINE_MAX itself) */
		if (n > sizeof(line) - 1)
			n = sizeof(line) - 1;
		memcpy(line, data + pos, n);
		line[n] = '\0';
		run_line(line);
		pos += n + 1;
		if (nl)
			pos = (size_t)(nl - data) + 1;
	}
	if (data[0] & 8)
		run_socket(data + 1, size - 1);
	return 0;
}
