/* Unit tests for src/dnssec's trust anchor store (anchors.c,
 * anchor_parse.c): files in DS and DNSKEY form (Debian's root.key,
 * ldns-keygen's .key, unbound's auto-trust-anchor file), trust-anchor:
 * lines, bad records reported with file:line, the built-in root KSKs and
 * their agreement with /usr/share/dns/root.key, the closest anchor, and the
 * negative trust anchors (RFC 7646) under concurrent change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "dnssec_test_util.h"
#include "../../src/dnssec/anchors_int.h"

static char logpath[256];

static int log_setup(void **state)
{
	(void)state;
	snprintf(logpath, sizeof logpath, "/tmp/cairn-test-dnssec-%d.log", (int)getpid());
	return log_open(LOG_SINK_FILE, logpath, LOG_LVL_INFO) == CAIRN_OK ? 0 : -1;
}

static int log_teardown(void **state)
{
	(void)state;
	log_close();
	unlink(logpath);
	return 0;
}

static bool log_has(const char *text)
{
	char buf[8192];
	FILE *f = fopen(logpath, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_anchor_files(void **state)
{
	struct dsec_anchors *a;
	struct wire_rrset rs;
	uint8_t name[WIRE_NAME_MAX], zone[WIRE_NAME_MAX], buf[DSEC_ANCHOR_MAX], want[WIRE_NAME_MAX];
	char path[300];
	bool builtin = true;
	(void)state;

	/* DS form with comments, $ORIGIN, $TTL and a record over three lines */
	snprintf(path, sizeof path, "/tmp/cairn-test-ta-%d", (int)getpid());
	write_file(path, "; root anchors\n$TTL 86400\n\n"
		   ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
		   "$ORIGIN example.\n"
		   "@ IN DS ( 12345 13 2   ; split\n 0123456789abcdef0123456789abcdef\n"
		   " 0123456789abcdef0123456789abcdef )\n");
	assert_int_equal(dsec_anchors_new(path, NULL, 0, NULL, 0, &a, &builtin), CAIRN_OK);
	assert_false(builtin);
	t_name("www.example.", name);
	assert_true(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
	t_name("example.", want);
	assert_true(wire_name_equal(zone, want));
	assert_true(rs.owner == zone);
	assert_int_equal(rs.type, WIRE_TYPE_DS);
	assert_int_equal(rs.count, 1);
	assert_int_equal(wire_get16(rs.rdata + 2), 12345);
	t_name("www.example.com.", name);      /* the closest anchor: the root */
	assert_true(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
	assert_int_equal(zone[0], 0);
	assert_int_equal(wire_get16(rs.rdata + 2), 20326);
	assert_false(dsec_anchor_find(a, name, zone, buf, 10, &rs));   /* no room */
	dsec_anchors_free(a);

	/* DNSKEY form (ldns-keygen's .key file), plus a trust-anchor: line,
	 * and a revoked key that is dropped */
	snprintf((char *)buf, sizeof buf, "%s", DDIR "a13.test.key");
	{
		const char *lines[] = {
			"other.test. 3600 IN DS 1 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			"revoked.test. IN DNSKEY 385 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnop"
				"Kl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
		};
		ldns_rr_list *all = t_load("a13.test.signed");
		struct trs *keys = t_get(all, "a13.test", WIRE_TYPE_DNSKEY, 0);
		struct trs *sigs = t_get(all, "a13.test", WIRE_TYPE_RRSIG, WIRE_TYPE_DNSKEY);
		struct dsec_budget b;
		struct dsec_result r;
		assert_int_equal(dsec_anchors_new((char *)buf, lines, 2, NULL, 0, &a, &builtin),
				 CAIRN_OK);
		t_name("www.a13.test.", name);
		assert_true(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
		assert_int_equal(rs.type, WIRE_TYPE_DNSKEY);
		dsec_budget_init(&b);
		dsec_verify_keys(&keys->rs, &sigs->rs, &rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_SECURE);
		free(keys);
		free(sigs);
		ldns_rr_list_deep_free(all);
		t_name("x.other.test.", name);
		assert_true(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
		assert_int_equal(rs.type, WIRE_TYPE_DS);
		t_name("revoked.test.", name);
		assert_false(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
		t_name("www.example.", name);
		assert_false(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
		dsec_anchors_free(a);
	}

	/* unbound's auto-trust-anchor file: ;;state comments; a DS and a
	 * DNSKEY at one owner become two DS */
	write_file(path, "; autotrust trust anchor file\n;;id: . 1\n;;last_queried: 1\n"
		   ". 172800 IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOi"
			"W1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtN"
			"ROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvI"
			"Wgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxu"
			"OLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6"
			"UwNR1AkUTV74bU= ;{id = 20326 (ksk), size = 2048b} ;;state=2 [  VALID  ] "
			";;count=0 ;;lastchange=1\n"
		   ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n");
	assert_int_equal(dsec_anchors_new(path, NULL, 0, NULL, 0, &a, &builtin), CAIRN_OK);
	t_name("org.", name);
	assert_true(dsec_anchor_find(a, name, zone, buf, sizeof buf, &rs));
	assert_int_equal(rs.type, WIRE_TYPE_DS);
	assert_int_equal(rs.count, 2);
	dsec_anchors_free(a);

	/* a bad line: file:line in the log, CAIRN_EFORMAT */
	write_file(path, "; ok\n. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC6834"
		"57104237C7F8EC8D\n"
		   "example. IN A 192.0.2.1\n");
	assert_int_equal(dsec_anchors_new(path, NULL, 0, NULL, 0, &a, &builtin), CAIRN_EFORMAT);
	assert_null(a);
	{
		char want_line[400];
		snprintf(want_line, sizeof want_line, "%s:3: bad trust anchor", path);
		assert_true(log_has(want_line));
	}
	write_file(path, ". IN DS 20326 8 2 ( E06D44B80B8F1D39A95C0B0D7C65D08458E8\n");
	assert_int_equal(dsec_anchors_new(path, NULL, 0, NULL, 0, &a, &builtin), CAIRN_EFORMAT);
	write_file(path, ". IN DS 20326 8 2 nothex\n");
	assert_int_equal(dsec_anchors_new(path, NULL, 0, NULL, 0, &a, &builtin), CAIRN_EFORMAT);
	{
		const char *bad[] = { "example. IN DS 1 2 3" };
		assert_int_equal(dsec_anchors_new(NULL, bad, 1, NULL, 0, &a, &builtin), CAIRN_EFORMAT);
		assert_true(log_has("trust-anchor: \"example. IN DS 1 2 3\""));
	}
	unlink(path);
	/* a configured file that is missing: CAIRN_EIO */
	assert_int_equal(dsec_anchors_new("/nonexistent/cairn/root.key", NULL, 0, NULL, 0, &a,
					  &builtin), CAIRN_EIO);
	assert_true(log_has("/nonexistent/cairn/root.key: cannot read"));
}

static void test_builtin_root(void **state)
{
	struct anc_list l = { 0 }, sys = { 0 };
	bool builtin = false;
	uint8_t root[1] = { 0 };
	FILE *f;
	(void)state;

	/* the default file missing: the built-in root KSKs, logged */
	assert_int_equal(anc_read_default(NULL, "/nonexistent/root.key", &l, &builtin), CAIRN_OK);
	assert_true(builtin);
	assert_true(log_has("built-in root trust anchors"));
	assert_int_equal(l.n, 2);
	assert_int_equal(wire_get16(l.v[0].rd), 20326);
	assert_int_equal(wire_get16(l.v[1].rd), 38696);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(l.v[i].type, WIRE_TYPE_DS);
		assert_true(wire_name_equal(l.v[i].owner, root));
		assert_int_equal(l.v[i].rd[2], 8);
		assert_int_equal(l.v[i].rd[3], 2);
		assert_int_equal(l.v[i].len, 4 + 32);
	}
	/* they equal Debian's dns-root-data when it is installed */
	f = fopen("/usr/share/dns/root.key", "r");
	if (f != NULL) {
		unsigned matched = 0;
		assert_int_equal(anc_read_file("/usr/share/dns/root.key", f, &sys), CAIRN_OK);
		fclose(f);
		for (unsigned i = 0; i < sys.n; i++) {
			uint8_t d[32];
			if (sys.v[i].type != WIRE_TYPE_DNSKEY)
				continue;
			dsec_ds_digest(2, root, sys.v[i].rd, sys.v[i].len, d);
			for (unsigned j = 0; j < 2; j++)
				if (wire_get16(l.v[j].rd) == dsec_key_tag(sys.v[i].rd, sys.v[i].len) &&
				    memcmp(l.v[j].rd + 4, d, 32) == 0)
					matched++;
		}
		assert_int_equal(matched, 2);
		anc_list_free(&sys);
	}
	anc_list_free(&l);
}

static void collect(void *ctx, const char *name)
{
	char *out = ctx;
	strcat(out, name);
	strcat(out, " ");
}

static void *nta_thread(void *arg)
{
	struct dsec_anchors *a = arg;
	uint8_t name[WIRE_NAME_MAX];

	t_name("busy.test.", name);
	for (unsigned i = 0; i < 2000; i++) {
		dsec_nta_add(a, name);
		(void)dsec_nta_covers(a, name);
		dsec_nta_remove(a, name);
	}
	return NULL;
}

static void test_nta(void **state)
{
	const char *ntas[] = { "broken.example", "Zeta.test." };
	struct dsec_anchors *a;
	uint8_t name[WIRE_NAME_MAX];
	char list[512] = "";
	bool builtin;
	pthread_t th[2];
	(void)state;

	assert_int_equal(dsec_anchors_new(NULL, NULL, 0, ntas, 2, &a, &builtin), CAIRN_OK);
	t_name("www.broken.example.", name);
	assert_true(dsec_nta_covers(a, name));
	t_name("broken.example.", name);
	assert_true(dsec_nta_covers(a, name));
	t_name("example.", name);
	assert_false(dsec_nta_covers(a, name));
	t_name("notbroken.example.", name);
	assert_false(dsec_nta_covers(a, name));
	t_name("alpha.test.", name);
	assert_int_equal(dsec_nta_add(a, name), CAIRN_OK);
	assert_int_equal(dsec_nta_add(a, name), CAIRN_OK);     /* idempotent */
	dsec_nta_list(a, collect, list);
	assert_string_equal(list, "broken.example. alpha.test. zeta.test. ");
	assert_true(dsec_nta_remove(a, name));
	assert_false(dsec_nta_remove(a, name));
	assert_false(dsec_nta_covers(a, name));
	list[0] = '\0';
	dsec_nta_list(a, collect, list);
	assert_string_equal(list, "broken.example. zeta.test. ");
	/* two threads changing the list while this one reads it */
	pthread_create(&th[0], NULL, nta_thread, a);
	pthread_create(&th[1], NULL, nta_thread, a);
	for (unsigned i = 0; i < 2000; i++) {
		t_name("www.broken.example.", name);
		assert_true(dsec_nta_covers(a, name));
	}
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	list[0] = '\0';
	dsec_nta_list(a, collect, list);
	assert_string_equal(list, "broken.example. zeta.test. ");
	dsec_anchors_free(a);
	{
		const char *bad[] = { "a..b" };
		assert_int_equal(dsec_anchors_new(NULL, NULL, 0, bad, 1, &a, &builtin), CAIRN_EFORMAT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_files),
		cmocka_unit_test(test_builtin_root),
		cmocka_unit_test(test_nta),
	};
	return cmocka_run_group_tests(tests, log_setup, log_teardown);
}
