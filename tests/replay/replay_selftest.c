/* replay_selftest: the harness's own tests — a good scenario passes, and
 * each kind of mistake (unknown keyword, bad config key, wrong answer,
 * wrong TTL, wrong upstream count, an answer left unchecked, a check that
 * waits for nothing) fails with a clear message, so scenarios can fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_int.h"

#define MSG 16384

/* A small complete scenario; the tests edit copies of it. */
static const char good[] =
	"server:\n"                                        /* 1 */
	"\tqname-minimisation: no\n"
	"stub-zone:\n"
	"\tname: \".\"\n"
	"\tstub-addr: 193.0.14.129\n"                      /* 5 */
	"CONFIG_END\n"
	"SCENARIO_BEGIN selftest\n"
	"RANGE_BEGIN 0 100\n"
	"\tADDRESS 193.0.14.129\n"
	"ENTRY_BEGIN\n"                                    /* 10 */
	"MATCH opcode qtype qname\n"
	"ADJUST copy_id copy_query\n"
	"REPLY QR AA NOERROR\n"
	"SECTION QUESTION\n"
	". IN NS\n"                                        /* 15 */
	"SECTION ANSWER\n"
	". 86400 IN NS k.root-servers.net.\n"
	"SECTION ADDITIONAL\n"
	"k.root-servers.net. 86400 IN A 193.0.14.129\n"
	"ENTRY_END\n"                                      /* 20 */
	"ENTRY_BEGIN\n"
	"MATCH opcode subdomain\n"
	"ADJUST copy_id copy_query\n"
	"REPLY QR NOERROR\n"
	"SECTION QUESTION\n"                               /* 25 */
	"example. IN NS\n"
	"SECTION AUTHORITY\n"
	"example. 86400 IN NS ns1.example.\n"
	"SECTION ADDITIONAL\n"
	"ns1.example. 86400 IN A 192.0.2.1\n"              /* 30 */
	"ENTRY_END\n"
	"RANGE_END\n"
	"RANGE_BEGIN 0 100\n"
	"\tADDRESS 192.0.2.1\n"
	"ENTRY_BEGIN\n"                                    /* 35 */
	"MATCH opcode qtype qname\n"
	"ADJUST copy_id copy_query\n"
	"REPLY QR AA NOERROR\n"
	"SECTION QUESTION\n"
	"www.example. IN A\n"                              /* 40 */
	"SECTION ANSWER\n"
	"www.example. 300 IN A 198.51.100.1\n"
	"ENTRY_END\n"
	"RANGE_END\n"
	"STEP 1 QUERY\n"                                   /* 45 */
	"ENTRY_BEGIN\n"
	"REPLY RD\n"
	"SECTION QUESTION\n"
	"www.example. IN A\n"
	"ENTRY_END\n"                                      /* 50 */
	"STEP 2 CHECK_ANSWER\n"
	"ENTRY_BEGIN\n"
	"MATCH all ttl\n"
	"REPLY QR RD RA NOERROR\n"
	"SECTION QUESTION\n"                               /* 55 */
	"www.example. IN A\n"
	"SECTION ANSWER\n"
	"www.example. 300 IN A 198.51.100.1\n"
	"ENTRY_END\n"
	"STEP 3 CHECK_OUT_QUERY\n"                         /* 60 */
	"ENTRY_BEGIN\n"
	"MATCH qname qtype\n"
	"SECTION QUESTION\n"
	". IN NS\n"
	"ENTRY_END\n"                                      /* 65 */
	"STEP 4 CHECK_UPSTREAM 3\n"
	"SCENARIO_END\n";

/* good with the first occurrence of from replaced by to (malloc'd). */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	char *s;

	assert_non_null(at);
	s = malloc(sizeof(good) + strlen(to));
	assert_non_null(s);
	memcpy(s, good, (size_t)(at - good));
	strcpy(s + (at - good), to);
	strcat(s, at + strlen(from));
	return s;
}

/* Parses and runs text; returns whether it passed, the message in msg. */
static bool run_text(const char *text, char *msg, cairn_err *parse)
{
	struct rpl_scenario *s = NULL;
	bool ok = false;

	*parse = rpl_parse_text("selftest.rpl", text, &s, msg, MSG);
	if (*parse == CAIRN_OK) {
		ok = replay_scenario(s, msg, MSG);
		rpl_free(s);
	}
	return ok;
}

/* Runs good edited; asserts the outcome and that msg contains want. */
static void expect(const char *from, const char *to, cairn_err parse_want, bool pass,
		   const char *want)
{
	char *text = from ? edit(from, to) : strdup(good);
	char *msg = calloc(1, MSG);
	cairn_err parse;
	bool ok, found;

	assert_non_null(text);
	assert_non_null(msg);

	ok = run_text(text, msg, &parse);
	free(text);
	found = !want || strstr(msg, want);
	if (parse != parse_want || ok != pass || !found)
		print_error("unexpected outcome (parse %d, pass %d), message:\n%s\n", parse, ok,
			    msg);
	free(msg);   /* before the assertions: they do not return */
	assert_int_equal(parse, parse_want);
	assert_int_equal(ok, pass);
	assert_true(found);
}

static void test_good_passes(void **state)
{
	(void)state;
	expect(NULL, NULL, CAIRN_OK, true, NULL);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect("RANGE_BEGIN 0 100\n\tADDRESS 193", "FROBNICATE\nRANGE_BEGIN 0 100\n\tADDRESS 193",
	       CAIRN_EFORMAT, false, "selftest.rpl:8: unknown keyword 'FROBNICATE'");
	expect("MATCH opcode subdomain", "MATCH opcode subdomain frob", CAIRN_EFORMAT, false,
	       "selftest.rpl:22: MATCH: unknown keyword 'frob'");
	expect("REPLY QR NOERROR", "REPLY QR NOERROR XX", CAIRN_EFORMAT, false,
	       "selftest.rpl:24: REPLY: unknown keyword 'XX'");
	expect("ADJUST copy_id copy_query\nREPLY QR NOERROR", "ADJUST copy_idd\nREPLY QR NOERROR",
	       CAIRN_EFORMAT, false, "selftest.rpl:23: ADJUST: unknown keyword 'copy_idd'");
	expect("STEP 4 CHECK_UPSTREAM 3", "STEP 4 CHECK_SOMETHING", CAIRN_EFORMAT, false,
	       "selftest.rpl:66: unknown STEP event 'CHECK_SOMETHING'");
	expect("STEP 3 CHECK_OUT_QUERY", "STEP 1 CHECK_OUT_QUERY", CAIRN_EFORMAT, false,
	       "selftest.rpl:60: STEP 1: step numbers must increase");
	expect("www.example. 300 IN A 198.51.100.1\nENTRY_END\nRANGE_END",
	       "www.example. 300 IN A 198.51.100.999\nENTRY_END\nRANGE_END", CAIRN_EFORMAT, false,
	       "selftest.rpl:42: bad record");
	expect("\tname: \".\"\n\tstub-addr: 193.0.14.129\n", "", CAIRN_EFORMAT, false,
	       "no root hints");
	expect("\tstub-addr: 193.0.14.129\n", "\tstub-host: k.root-servers.net.\n",
	       CAIRN_EFORMAT, false, "selftest.rpl:5: stub-zone: unknown key 'stub-host'");
	expect("SCENARIO_END\n", "", CAIRN_EFORMAT, false, "no SCENARIO_END");
	expect("ENTRY_END\nSTEP 3", "STEP 3", CAIRN_EFORMAT, false,
	       "selftest.rpl:59: 'STEP' inside an entry (ENTRY_END missing?)");
}

static void test_config_errors(void **state)
{
	(void)state;
	/* cairnd.conf's own parser: unknown keys are errors with file:line */
	expect("\tqname-minimisation: no\n", "\ttarget-fetch-policy: \"0 0 0\"\n", CAIRN_OK, false,
	       "selftest.rpl:2:");
	expect("\tqname-minimisation: no\n", "\tmax-referrals: 0\n", CAIRN_OK, false,
	       "selftest.rpl:2:");
}

static void test_checks_can_fail(void **state)
{
	(void)state;
	/* another address */
	expect("SECTION ANSWER\nwww.example. 300 IN A 198.51.100.1\nENTRY_END\nSTEP 3",
	       "SECTION ANSWER\nwww.example. 300 IN A 198.51.100.2\nENTRY_END\nSTEP 3",
	       CAIRN_OK, false, "step 2 CHECK_ANSWER (line 51): answer does not match");
	/* another TTL, compared because of MATCH ttl */
	expect("SECTION ANSWER\nwww.example. 300 IN A 198.51.100.1\nENTRY_END\nSTEP 3",
	       "SECTION ANSWER\nwww.example. 299 IN A 198.51.100.1\nENTRY_END\nSTEP 3",
	       CAIRN_OK, false, "answer section differs");
	/* ... and ignored without it */
	expect("MATCH all ttl\nREPLY QR RD RA NOERROR\nSECTION QUESTION\nwww.example. IN A\n"
	       "SECTION ANSWER\nwww.example. 300",
	       "MATCH all\nREPLY QR RD RA NOERROR\nSECTION QUESTION\nwww.example. IN A\n"
	       "SECTION ANSWER\nwww.example. 299", CAIRN_OK, true, NULL);
	/* flags */
	expect("REPLY QR RD RA NOERROR", "REPLY QR AA RD RA NOERROR", CAIRN_OK, false,
	       "flags differ");
	expect("REPLY QR RD RA NOERROR", "REPLY QR RD RA NXDOMAIN", CAIRN_OK, false,
	       "rcode: expected NXDOMAIN, got NOERROR");
	expect("STEP 4 CHECK_UPSTREAM 3", "STEP 4 CHECK_UPSTREAM 2", CAIRN_OK, false,
	       "3 upstream queries sent, expected 2");
	expect("STEP 4 CHECK_UPSTREAM 3\n", "", CAIRN_OK, false, "no CHECK_UPSTREAM step");
	expect("MATCH qname qtype\nSECTION QUESTION\n. IN NS", "MATCH qname qtype tcp\n"
	       "SECTION QUESTION\n. IN NS", CAIRN_OK, false, "entry wants tcp");
	/* an answer nobody checked */
	expect("STEP 4 CHECK_UPSTREAM 3\n", "STEP 4 CHECK_UPSTREAM 3\nSTEP 5 QUERY\n"
	       "ENTRY_BEGIN\nREPLY RD\nSECTION QUESTION\nwww.example. IN A\nENTRY_END\n",
	       CAIRN_OK, false, "an answer no CHECK_ANSWER examined");
	/* a CHECK_ANSWER with nothing in flight */
	expect("STEP 1 QUERY", "STEP 1 TIME_PASSES ELAPSE 1\nSTEP 1000 QUERY", CAIRN_EFORMAT,
	       false, "step numbers must increase");
	expect("STEP 1 QUERY\nENTRY_BEGIN\nREPLY RD\nSECTION QUESTION\nwww.example. IN A\n"
	       "ENTRY_END\n", "", CAIRN_OK, false, "the resolver went idle");
}

static void test_timeouts_and_ranges(void **state)
{
	(void)state;
	/* ns1.example. silent (its RANGE ends before the step): SERVFAIL after
	 * the upstream timeout, on the fake clock */
	expect("RANGE_BEGIN 0 100\n\tADDRESS 192.0.2.1", "RANGE_BEGIN 5 100\n\tADDRESS 192.0.2.1",
	       CAIRN_OK, false, "rcode: expected NOERROR, got SERVFAIL");
	/* a reply without copy_id has another ID: dropped as c-ares would */
	expect("ADJUST copy_id copy_query\nREPLY QR AA NOERROR\nSECTION QUESTION\nwww",
	       "ADJUST copy_query\nREPLY QR AA NOERROR\nSECTION QUESTION\nwww", CAIRN_OK, false,
	       "got SERVFAIL");
	/* times=1 answers once */
	expect("MATCH opcode qtype qname\nADJUST copy_id copy_query\nREPLY QR AA NOERROR\n"
	       "SECTION QUESTION\nwww", "MATCH opcode qtype qname times=1\nADJUST copy_id "
	       "copy_query\nREPLY QR AA NOERROR\nSECTION QUESTION\nwww", CAIRN_OK, true, NULL);
}

/* The wall clock of a scenario: val-override-date or 2026-01-01, moving
 * with the fake clock (whole seconds). */
static uint64_t wall_at(const char *text, uint64_t elapsed_ms)
{
	struct rpl_scenario *s = NULL;
	struct resolver_io io;
	struct replay rp;
	char msg[512];
	uint64_t w;

	if (rpl_parse_text("selftest.rpl", text, &s, msg, sizeof(msg)) != CAIRN_OK)
		print_error("%s\n", msg);
	assert_non_null(s);
	memset(&rp, 0, sizeof(rp));
	rp.s = s;
	rp.now = REPLAY_START_MS + elapsed_ms;
	replay_io(&rp, &io);
	assert_non_null(io.wall_s);
	w = io.wall_s(io.ctx);
	rpl_free(s);
	return w;
}

static void test_wall_clock(void **state)
{
	char *t;

	(void)state;
	assert_int_equal(wall_at(good, 0), 1767225600);          /* 2026-01-01T00:00:00Z */
	assert_int_equal(wall_at(good, 2999), 1767225602);
	t = edit("\tqname-minimisation: no\n",
		 "\tqname-minimisation: no\n\tval-override-date: \"20091011000000\"\n");
	assert_int_equal(wall_at(t, 0), 1255219200);             /* testbound's example */
	assert_int_equal(wall_at(t, 86400000), 1255305600);
	free(t);
	t = edit("\tqname-minimisation: no\n", "\tval-override-date: 1700000000\n");
	assert_int_equal(wall_at(t, 1000), 1700000001);
	free(t);
	t = edit("\tqname-minimisation: no\n", "\tval-override-date: \"20280229000000\"\n");
	assert_int_equal(wall_at(t, 0), 1835395200);             /* a leap day */
	free(t);
	expect("\tqname-minimisation: no\n", "\tval-override-date: \"20270229000000\"\n",
	       CAIRN_EFORMAT, false, "selftest.rpl:2: val-override-date: want");
	expect("\tqname-minimisation: no\n", "\tval-override-date: tomorrow\n",
	       CAIRN_EFORMAT, false, "selftest.rpl:2: val-override-date: want");
}

static const struct CMUnitTest tests[] = {
	{ "selftest_good_passes", test_good_passes, NULL, NULL, NULL },
	{ "selftest_parse_errors", test_parse_errors, NULL, NULL, NULL },
	{ "selftest_config_errors", test_config_errors, NULL, NULL, NULL },
	{ "selftest_checks_can_fail", test_checks_can_fail, NULL, NULL, NULL },
	{ "selftest_timeouts_and_ranges", test_timeouts_and_ranges, NULL, NULL, NULL },
	{ "selftest_wall_clock", test_wall_clock, NULL, NULL, NULL },
};

size_t replay_selftests(const struct CMUnitTest **out)
{
	*out = tests;
	return sizeof(tests) / sizeof(tests[0]);
}
