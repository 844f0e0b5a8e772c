/* replay: runs the .rpl scenarios of tests/replay, one cmocka test per file,
 * against the real resolver (iterator, scrubbing, server selection, the
 * cache) through its two seams (struct resolver_io): a scripted network
 * that answers from the scenario's RANGEs and a fake clock. No sockets,
 * no sleeps; the resolver's seed is fixed. tests/replay/README.md
 * documents the format and the semantics.
 *
 *   run_replay                 every .rpl file in $srcdir/tests/replay and
 *                              tests/replay/dnssec
 *   run_replay FILE.rpl|DIR ...  these files (a directory: its .rpl files)
 *   run_replay --parse FILE.rpl|DIR ...  only parses them and loads their
 *                              CONFIG (no resolver runs)
 * REPLAY_VERBOSE=1 logs the resolver's debug messages and every packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_int.h"

/* ---- clients ---- */

static void on_done(void *ctx, const uint8_t *resp, size_t len, enum resolve_source src)
{
	struct replay *rp = ctx;
	struct answer *a;

	(void)src;
	if (!resp)
		return;   /* released unanswered (resolver_free) */
	if (rp->in_query || rp->in_reply)
		rp->sync_done++;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->pkt = malloc(len ? len : 1)))
		abort();
	memcpy(a->pkt, resp, len);
	a->len = len;
	*rp->answers_tail = a;
	rp->answers_tail = &a->next;
}

static bool do_query(struct replay *rp, const struct rpl_step *st)
{
	ldns_pkt *p = ldns_pkt_clone(st->entry->pkt);
	uint8_t *wire = NULL, out[65535];
	size_t wlen = 0, len = 0, limit;
	struct wire_query q;
	enum resolve_source src;
	struct client_q *c;
	bool ok = false;
	cairn_err err;

	if (!p)
		abort();
	ldns_pkt_set_id(p, rp->next_id);
	if (ldns_pkt2wire(&wire, p, &wlen) != LDNS_STATUS_OK) {
		replay_fail(rp, "step %u (line %u): cannot render the query\n", st->num, st->line);
		goto done;
	}
	if (wire_query_parse(wire, wlen, &q) != WIRE_OK || !q.has_question) {
		replay_fail(rp, "step %u (line %u): the query is not a valid query\n", st->num, st->line);
		goto done;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->id = rp->next_id++;
	c->next = rp->clients;
	rp->clients = c;
	/* as src/server/dispatch.c: the client's buffer bounds the answer */
	limit = (st->entry->match & RPL_M_TCP) ? 65535 : wire_query_udp_limit(&q, rp->rc.res.edns_size);
	if (resolver_answer_cached(rp->r, &q, out, limit, &len, &src)) {
		on_done(rp, out, len, src);
	} else {
		rp->in_query = true;
		err = resolver_query(rp->r, &q, limit, on_done, rp);
		rp->in_query = false;
		if (err != CAIRN_OK) {
			replay_fail(rp, "step %u (line %u): resolver_query: %s\n", st->num, st->line,
			      cairn_strerror(err));
			goto done;
		}
	}
	ok = true;
done:
	free(wire);
	ldns_pkt_free(p);
	return ok;
}

static bool have_answer(struct replay *rp)
{
	return rp->answers != NULL;
}

static bool have_out_query(struct replay *rp)
{
	return rp->nchecked < rp->nsent;
}

static bool check_answer(struct replay *rp, const struct rpl_step *st)
{
	struct answer *a;
	char why[512], what[64];
	bool ok = true;
	uint16_t id;

	snprintf(what, sizeof(what), "step %u CHECK_ANSWER (line %u)", st->num, st->line);
	if (!replay_run(rp, have_answer, 0, what))
		return false;
	a = rp->answers;
	rp->answers = a->next;
	if (!rp->answers)
		rp->answers_tail = &rp->answers;
	id = a->len >= 2 ? (uint16_t)(a->pkt[0] << 8 | a->pkt[1]) : 0;
	for (struct client_q *c = rp->clients; c; c = c->next)
		if (c->id == id) {
			if (c->answered)
				ok = replay_fail(rp, "%s: a second answer to query ID %u\n", what, id);
			c->answered = true;
			id = 0xffff;  /* found */
			break;
		}
	if (ok && id != 0xffff)
		ok = replay_fail(rp, "%s: an answer with an ID (%u) no query had\n", what, id);
	if (ok && !rpl_match(st->entry, a->pkt, a->len, false, why, sizeof(why))) {
		char *got = rpl_pkt_str(a->pkt, a->len);
		char *want = rpl_entry_str(st->entry);
		ok = replay_fail(rp, "%s: answer does not match: %s\n--- expected (entry on line %u, "
			  "MATCH applies) ---\n%s--- got ---\n%s", what, why, st->entry->line,
			  want, got);
		free(got);
		free(want);
	}
	if (ok && rp->verbose) {
		char *got = rpl_pkt_str(a->pkt, a->len);
		fprintf(stderr, "replay: %s: ok\n%s\n", what, got);
		free(got);
	}
	free(a->pkt);
	free(a);
	return ok;
}

static bool check_out_query(struct replay *rp, const struct rpl_step *st)
{
	char why[512], what[64];
	const struct sent *s;

	snprintf(what, sizeof(what), "step %u CHECK_OUT_QUERY (line %u)", st->num, st->line);
	if (!replay_run(rp, have_out_query, 0, what))
		return false;
	s = &rp->sent[rp->nchecked++];
	if (!rpl_match(st->entry, s->pkt, s->len, s->tcp, why, sizeof(why))) {
		char *got = rpl_pkt_str(s->pkt, s->len);
		replay_fail(rp, "%s: query %zu (to %s%s) does not match: %s\n%s", what, rp->nchecked,
		     s->server, s->tcp ? " over TCP" : "", why, got);
		free(got);
		return false;
	}
	return true;
}

static bool check_upstream(struct replay *rp, const struct rpl_step *st)
{
	uint64_t n = resolver_upstream_queries(rp->r);

	if (n != rp->nsent)
		return replay_fail(rp, "step %u: the resolver counts %llu upstream queries, the "
			    "network saw %zu\n", st->num, (unsigned long long)n, rp->nsent);
	if (n == st->count)
		return true;
	replay_fail(rp, "step %u CHECK_UPSTREAM (line %u): %zu upstream queries sent, expected %lu:\n",
	     st->num, st->line, rp->nsent, st->count);
	for (size_t i = 0; i < rp->nsent; i++) {
		ldns_pkt *p = NULL;
		char *qs = NULL;
		if (ldns_wire2pkt(&p, rp->sent[i].pkt, rp->sent[i].len) == LDNS_STATUS_OK &&
		    ldns_pkt_question(p) && ldns_rr_list_rr_count(ldns_pkt_question(p)))
			qs = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(p), 0));
		replay_fail(rp, "  %zu. %s%s %s", i + 1, rp->sent[i].server,
		     rp->sent[i].tcp ? " tcp" : "", qs ? qs : "?\n");
		free(qs);
		ldns_pkt_free(p);
	}
	return false;
}

/* ---- setting up from the CONFIG section ---- */

static void config_report(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct replay *rp = ctx;

	if (line)
		replay_fail(rp, "%s:%u: %s\n", file, line, msg);
	else
		replay_fail(rp, "%s: %s\n", file, msg);
}

/* Maps cairnd.conf's settings onto the resolver and the cache exactly as
 * cairnd does (server_rconfig_init). */
static bool setup(struct replay *rp)
{
	struct cairn_config *cfg = NULL;
	struct resolver_io io;
	cairn_err err;
	bool ok = false;

	if (config_load_text(rp->s->path, rp->s->config, config_report, rp, &cfg) != CAIRN_OK)
		return replay_fail(rp, "%s: bad CONFIG section\n", rp->s->path);
	/* like unbound's testbound, no built-in root anchor: a scenario
	 * validates when its CONFIG gives a trust anchor */
	if (!cfg->n_trust_anchors && !cfg->trust_anchor_file)
		cfg->dnssec = false;
	cfg->recursion = true;     /* what the scenario tests */
	err = server_rconfig_init(&rp->rc, cfg);
	if (err != CAIRN_OK) {
		replay_fail(rp, "%s: CONFIG: %s\n", rp->s->path, cairn_strerror(err));
		goto done;
	}
	rp->rc.res.root_hints_text = rp->s->hints;
	rp->upstream_timeout_ms = cfg->upstream_timeout;
	err = cache_new(&rp->rc.cache, &rp->cache);
	if (err != CAIRN_OK) {
		replay_fail(rp, "cache_new: %s\n", cairn_strerror(err));
		goto done;
	}
	replay_io(rp, &io);
	err = resolver_new_io(&rp->rc.res, rp->cache, &io, &rp->r);
	if (err != CAIRN_OK) {
		replay_fail(rp, "resolver_new_io: %s\n", cairn_strerror(err));
		goto done;
	}
	ok = true;
done:
	config_free(cfg);
	return ok;
}

static void teardown(struct replay *rp)
{
	resolver_free(rp->r);      /* io_free drops what is pending */
	free(rp->explain);
	cache_free(rp->cache);
	server_rconfig_free(&rp->rc);
	for (size_t i = 0; i < rp->nsent; i++)
		free(rp->sent[i].pkt);
	free(rp->sent);
	while (rp->answers) {
		struct answer *a = rp->answers;
		rp->answers = a->next;
		free(a->pkt);
		free(a);
	}
	while (rp->clients) {
		struct client_q *c = rp->clients;
		rp->clients = c->next;
		free(c);
	}
}

/* ---- EXPLAIN / CHECK_EXPLAIN (cairn: resolver_explain's event log) ---- */

static void on_explain(void *ctx, const struct resolver_explain_result *res)
{
	struct replay *rp = ctx;
	size_t o = 0;

	rp->explained = true;
	free(rp->explain);
	rp->explain = res ? malloc(strlen(res->text) + strlen(res->json) + 8) : NULL;
	if (!rp->explain)
		return;
	/* the padding of the columns collapsed: checks name single spaces */
	for (const char *p = res->text; *p; p++)
		if (*p != ' ' || (o && rp->explain[o - 1] != ' ' && rp->explain[o - 1] != '\n'))
			rp->explain[o++] = *p;
	/* then the events as JSON, on one line (it has no blanks) */
	o += (size_t)sprintf(rp->explain + o, "json: %s\n", res->json);
	rp->explain[o] = '\0';
}

static bool have_explain(struct replay *rp)
{
	return rp->explained;
}

static bool do_explain(struct replay *rp, const struct rpl_step *st)
{
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(st->entry->pkt), 0);
	char what[64];
	cairn_err err;

	if (!q || ldns_rdf_size(ldns_rr_owner(q)) > WIRE_NAME_MAX)
		return replay_fail(rp, "step %u EXPLAIN (line %u): no question\n", st->num, st->line);
	rp->explained = false;
	err = resolver_explain(rp->r, ldns_rdf_data(ldns_rr_owner(q)),
			       (uint16_t)ldns_rr_get_type(q), false, on_explain, rp);
	if (err != CAIRN_OK)
		return replay_fail(rp, "step %u EXPLAIN (line %u): %s\n", st->num, st->line,
				   cairn_strerror(err));
	snprintf(what, sizeof(what), "step %u EXPLAIN", st->num);
	if (!replay_run(rp, have_explain, 0, what))
		return false;
	if (rp->verbose && rp->explain)
		fprintf(stderr, "replay: explain:\n%s", rp->explain);
	return rp->explain ? true : replay_fail(rp, "step %u EXPLAIN: no result\n", st->num);
}

static bool check_explain(struct replay *rp, const struct rpl_step *st)
{
	if (!rp->explain)
		return replay_fail(rp, "step %u CHECK_EXPLAIN (line %u): no EXPLAIN before\n",
				   st->num, st->line);
	if (strstr(rp->explain, st->text))
		return true;
	return replay_fail(rp, "step %u CHECK_EXPLAIN (line %u): '%s' not in the log:\n%s",
			   st->num, st->line, st->text, rp->explain);
}

bool replay_scenario(const struct rpl_scenario *s, char *msg, size_t msglen)
{
	struct replay rp;
	bool ok = false, upstream_checked = false;
	const char *v = getenv("REPLAY_VERBOSE");

	memset(&rp, 0, sizeof(rp));
	rp.msg = msg;
	rp.msglen = msglen;
	msg[0] = '\0';
	rp.answers_tail = &rp.answers;
	rp.now = REPLAY_START_MS;
	rp.next_id = 1;
	rp.verbose = v && *v && strcmp(v, "0") != 0;
	rp.s = s;
	if (!setup(&rp))
		goto done;
	for (const struct rpl_step *st = s->steps; st; st = st->next) {
		char what[64];

		rp.step = st->num;
		switch (st->kind) {
		case RPL_STEP_QUERY:
			ok = do_query(&rp, st);
			break;
		case RPL_STEP_CHECK_ANSWER:
			ok = check_answer(&rp, st);
			break;
		case RPL_STEP_TIME_PASSES:
			snprintf(what, sizeof(what), "step %u TIME_PASSES", st->num);
			ok = replay_run(&rp, NULL, rp.now + st->elapse_ms, what);
			break;
		case RPL_STEP_CHECK_OUT_QUERY:
			ok = check_out_query(&rp, st);
			break;
		case RPL_STEP_CHECK_UPSTREAM:
			ok = check_upstream(&rp, st);
			upstream_checked = true;
			break;
		case RPL_STEP_EXPLAIN:
			ok = do_explain(&rp, st);
			break;
		case RPL_STEP_CHECK_EXPLAIN:
			ok = check_explain(&rp, st);
			break;
		case RPL_STEP_CHECK_DEFERRED:
			/* doc/ARCHITECTURE.md, rule 7: completions come from the run loop */
			ok = true;
			if (rp.sync_done)
				ok = replay_fail(&rp, "step %u CHECK_DEFERRED (line %u): %u completion(s) "
					   "ran inside resolver_query or a reply callback\n",
					   st->num, st->line, rp.sync_done);
			break;
		}
		if (!ok)
			goto done;
	}
	ok = false;
	if (rp.answers) {
		char *got = rpl_pkt_str(rp.answers->pkt, rp.answers->len);
		replay_fail(&rp, "%s: an answer no CHECK_ANSWER examined:\n%s", s->path, got);
		free(got);
	} else if (!upstream_checked) {
		replay_fail(&rp, "%s: the scenario has no CHECK_UPSTREAM step\n", s->path);
	} else {
		ok = true;
	}
done:
	teardown(&rp);
	return ok;
}


/* Parses and runs file; false with the reason in msg. */
static bool replay_file(const char *file, char *msg, size_t msglen)
{
	struct rpl_scenario *s = NULL;
	bool ok;

	if (rpl_parse_file(file, &s, msg, msglen) != CAIRN_OK) {
		size_t n = strlen(msg);
		if (n + 1 < msglen)
			strcpy(msg + n, "\n");
		return false;
	}
	ok = replay_scenario(s, msg, msglen);
	rpl_free(s);
	return ok;
}

/* Parses file and loads its CONFIG section as setup() does, without
 * running it; false with the reason in msg. */
static bool parse_only(const char *file, char *msg, size_t msglen)
{
	struct rpl_scenario *s = NULL;
	struct cairn_config *cfg = NULL;
	struct replay rp;
	bool ok = false;

	if (rpl_parse_file(file, &s, msg, msglen) != CAIRN_OK) {
		size_t n = strlen(msg);
		if (n + 1 < msglen)
			strcpy(msg + n, "\n");
		return false;
	}
	memset(&rp, 0, sizeof(rp));
	rp.msg = msg;
	rp.msglen = msglen;
	msg[0] = '\0';
	if (config_load_text(s->path, s->config, config_report, &rp, &cfg) != CAIRN_OK) {
		replay_fail(&rp, "%s: bad CONFIG section\n", s->path);
		goto done;
	}
	if (!s->steps)
		replay_fail(&rp, "%s: no steps\n", s->path);
	else
		ok = true;
done:
	config_free(cfg);
	rpl_free(s);
	return ok;
}

/* ---- cmocka ---- */

/* Runs (or with parse, only parses) the scenario file; fails the test
 * with the reason. */
static void test_file(const char *file, bool parse)
{
	char *msg = malloc(REPLAY_MSG);
	bool ok;

	assert_non_null(msg);
	ok = parse ? parse_only(file, msg, REPLAY_MSG) : replay_file(file, msg, REPLAY_MSG);
	if (!ok)
		print_error("%s", msg);
	free(msg);
	if (!ok)
		fail_msg("scenario %s %s", file, parse ? "does not parse" : "failed");
}

static void test_parse(void **state)
{
	test_file(*state, true);
}

static void test_rpl(void **state)
{
	test_file(*state, false);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.rpl files of dir, sorted, as malloc'd paths. */
static size_t list_dir(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nv;
		if (l < 5 || strcmp(de->d_name + l - 4, ".rpl") != 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			abort();
		v = nv;
		if (asprintf(&v[n], "%s/%s", dir, de->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*out = v;
	return n;
}

/* Appends the .rpl files named by arg (a file, or a directory's files)
 * to *files. */
static void add_arg(const char *arg, char ***files, size_t *n)
{
	char **sub = NULL, **nv;
	size_t ns = 0;
	DIR *d = opendir(arg);

	if (d) {
		closedir(d);
		ns = list_dir(arg, &sub);
	} else {
		sub = malloc(sizeof(*sub));
		if (!sub || !(sub[0] = strdup(arg)))
			abort();
		ns = 1;
	}
	nv = realloc(*files, (*n + ns + 1) * sizeof(*nv));
	if (!nv)
		abort();
	*files = nv;
	for (size_t i = 0; i < ns; i++)
		(*files)[(*n)++] = sub[i];
	free(sub);
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	const struct CMUnitTest *self = NULL;
	size_t nself;
	char **files = NULL;
	size_t n;
	int rc, first = 1;
	bool parse = false;
	const char *v = getenv("REPLAY_VERBOSE");

	log_open(LOG_SINK_STDERR, NULL, v && *v && strcmp(v, "0") != 0 ? LOG_LVL_DEBUG
								      : LOG_LVL_ERR);
	if (argc > 1 && strcmp(argv[1], "--parse") == 0) {
		parse = true;
		first = 2;
	}
	n = 0;
	if (argc > first) {
		for (int i = first; i < argc; i++)
			add_arg(argv[i], &files, &n);
		if (!n) {
			fprintf(stderr, "run_replay: no .rpl files given\n");
			return 1;
		}
	} else {
		const char *src = getenv("top_srcdir") ? getenv("top_srcdir") : TEST_SRCDIR;
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/tests/replay", src);
		add_arg(dir, &files, &n);
		/* and the DNSSEC scenarios */
		snprintf(dir, sizeof(dir), "%s/tests/replay/dnssec", src);
		add_arg(dir, &files, &n);
		if (!n) {
			fprintf(stderr, "run_replay: no .rpl files in %s\n", dir);
			return 1;
		}
	}
	/* the harness's own tests first, when running the whole suite */
	nself = argc > first ? 0 : replay_selftests(&self);
	tests = calloc(nself + n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < nself; i++)
		tests[i] = self[i];
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(files[i], '/');
		tests[nself + i].name = base ? base + 1 : files[i];
		tests[nself + i].test_func = parse ? test_parse : test_rpl;
		tests[nself + i].initial_state = files[i];
	}
	rc = _cmocka_run_group_tests("replay", tests, nself + n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(tests);
	log_close();
	return rc;
}

