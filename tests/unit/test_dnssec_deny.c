/* Unit tests for src/dnssec's denial proofs (deny.c, deny_nsec3.c) on the
 * committed signed zones of tests/data/dnssec: NXDOMAIN, NODATA, empty
 * non-terminals, wildcard NODATA and wildcard answers, DS denial at
 * delegations, for NSEC, NSEC3 and NSEC3 opt-out; every proof also loses
 * its records one at a time to show that each missing piece is bogus;
 * NSEC3 iterations 151 and the NSEC3 hash budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dnssec_test_util.h"

#define MAXSETS 64

/* The denial records of one zone. */
struct proofs {
	ldns_rr_list *all;
	struct trs *set[MAXSETS];
	const struct wire_rrset *rs[MAXSETS + 1];   /* set[i]->rs, one spare slot */
	unsigned n;
	uint8_t zone[WIRE_NAME_MAX];
};

static void proofs_open(struct proofs *p, const char *zone, uint16_t type)
{
	char file[256];

	snprintf(file, sizeof file, "%s.signed", zone);
	p->all = t_load(file);
	p->n = t_denial(p->all, type, p->set, MAXSETS);
	assert_true(p->n > 3);
	for (unsigned i = 0; i < p->n; i++)
		p->rs[i] = &p->set[i]->rs;
	t_name(zone, p->zone);
}

static void proofs_close(struct proofs *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->set[i]);
	ldns_rr_list_deep_free(p->all);
}

enum proof { NXDOMAIN, NODATA, WILDCARD, DS };

/* Runs one proof over sets[0..n): state, EDE and (DS) not_a_cut. */
static enum dsec_state run(enum proof kind, const char *qname, uint16_t qtype, uint8_t wc,
			   const uint8_t *zone, const struct wire_rrset *const *sets, unsigned n,
			   struct dsec_budget *b, uint16_t *ede, bool *not_a_cut)
{
	uint8_t name[WIRE_NAME_MAX];
	struct dsec_result r;
	struct dsec_ds_denial d;

	t_name(qname, name);
	switch (kind) {
	case NXDOMAIN: dsec_deny_nxdomain(name, zone, sets, n, b, &r); break;
	case NODATA: dsec_deny_nodata(name, qtype, zone, sets, n, b, &r); break;
	case WILDCARD: dsec_deny_wildcard(name, wc, zone, sets, n, b, &r); break;
	case DS:
		dsec_deny_ds(name, zone, sets, n, b, &d);
		*ede = d.ede;
		*not_a_cut = d.not_a_cut;
		if (d.state != DSEC_SECURE)
			assert_non_null(d.why);
		return d.state;
	}
	*ede = r.ede;
	if (r.state != DSEC_SECURE)
		assert_non_null(r.why);
	else
		assert_null(r.why);
	return r.state;
}

/* Checks a proof over all the zone's records gives want (and EDE ede);
 * for a SECURE (or INSECURE opt-out) proof, also shrinks the records to a
 * minimal set that still proves it and checks that it has pieces records
 * and that leaving out any one of them makes the proof bogus. */
static void check(struct proofs *p, enum proof kind, const char *qname, uint16_t qtype,
		  uint8_t wc, enum dsec_state want, uint16_t ede, unsigned pieces)
{
	const struct wire_rrset *sets[MAXSETS], *less[MAXSETS];
	struct dsec_budget b;
	uint16_t got_ede;
	bool nac;
	unsigned n = p->n;

	memcpy(sets, p->rs, n * sizeof *sets);
	dsec_budget_init(&b);
	if (run(kind, qname, qtype, wc, p->zone, sets, n, &b, &got_ede, &nac) != want ||
	    got_ede != ede)
		fail_msg("%s type %u: state/EDE %d/%u, want %d/%u", qname, qtype,
			 run(kind, qname, qtype, wc, p->zone, sets, n, &b, &got_ede, &nac),
			 got_ede, want, ede);
	if (want == DSEC_BOGUS || pieces == 0)
		return;
	/* greedy: drop every record the proof does not need */
	for (unsigned i = 0; i < n;) {
		unsigned m = 0;
		for (unsigned j = 0; j < n; j++)
			if (j != i)
				less[m++] = sets[j];
		dsec_budget_init(&b);
		if (run(kind, qname, qtype, wc, p->zone, less, m, &b, &got_ede, &nac) == want) {
			memcpy(sets, less, m * sizeof *less);
			n = m;
		} else {
			i++;
		}
	}
	if (n != pieces)
		fail_msg("%s type %u: %u records prove it, expected %u", qname, qtype, n, pieces);
	for (unsigned i = 0; i < n; i++) {
		unsigned m = 0;
		for (unsigned j = 0; j < n; j++)
			if (j != i)
				less[m++] = sets[j];
		dsec_budget_init(&b);
		assert_int_equal(run(kind, qname, qtype, wc, p->zone, less, m, &b, &got_ede, &nac),
				 DSEC_BOGUS);
		assert_true(got_ede == WIRE_EDE_NSEC_MISSING || got_ede == WIRE_EDE_DNSSEC_BOGUS);
	}
}

static bool ds_cut(struct proofs *p, const char *name, enum dsec_state want)
{
	struct dsec_budget b;
	uint16_t ede;
	bool nac = false;

	dsec_budget_init(&b);
	assert_int_equal(run(DS, name, 0, 0, p->zone, p->rs, p->n, &b, &ede, &nac), want);
	return !nac;
}

/* The cases both chains share; pieces[] differ between NSEC and NSEC3. */
static void common_cases(struct proofs *p, const char *z, const unsigned *pc)
{
	char q[256];
#define Q(label) (snprintf(q, sizeof q, "%s.%s.", label, z), q)
	check(p, NXDOMAIN, Q("nope"), 0, 0, DSEC_SECURE, WIRE_EDE_NONE, pc[0]);
	check(p, NXDOMAIN, Q("x.y.nope"), 0, 0, DSEC_SECURE, WIRE_EDE_NONE, pc[0]);
	check(p, NXDOMAIN, Q("www"), 0, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	check(p, NODATA, Q("www"), WIRE_TYPE_MX, 0, DSEC_SECURE, WIRE_EDE_NONE, 1);
	check(p, NODATA, Q("www"), WIRE_TYPE_A, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	check(p, NODATA, Q("cname"), WIRE_TYPE_A, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	check(p, NODATA, Q("ent"), WIRE_TYPE_A, 0, DSEC_SECURE, WIRE_EDE_NONE, 1);
	check(p, NODATA, Q("foo.wild"), WIRE_TYPE_A, 0, DSEC_SECURE, WIRE_EDE_NONE, pc[1]);
	check(p, NODATA, Q("foo.wild"), WIRE_TYPE_TXT, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	check(p, NODATA, Q("nope"), WIRE_TYPE_A, 0, DSEC_BOGUS, WIRE_EDE_NSEC_MISSING, 0);
	/* the parent side of a delegation proves nothing for the child's data
	 * (RFC 6840 §4.1) */
	check(p, NODATA, Q("insec"), WIRE_TYPE_A, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	/* wildcard answer for foo.wild (RRSIG labels 3) */
	check(p, WILDCARD, Q("foo.wild"), 0, 3, DSEC_SECURE, WIRE_EDE_NONE, 1);
	check(p, WILDCARD, Q("a.b.wild"), 0, 3, DSEC_SECURE, WIRE_EDE_NONE, 1);
	check(p, WILDCARD, Q("www"), 0, 2, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	check(p, WILDCARD, Q("foo.wild"), 0, 4, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	/* DS: sec has one; www and ent are no cuts; nope does not exist */
	check(p, DS, Q("sec"), 0, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	assert_false(ds_cut(p, Q("www"), DSEC_SECURE));
	assert_false(ds_cut(p, Q("ent"), DSEC_SECURE));
	/* DS at the child's apex proven by the child's own record: bogus */
	check(p, NODATA, z, WIRE_TYPE_DS, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	/* nothing at all, or another zone */
	{
		struct dsec_budget b;
		struct dsec_result r;
		uint8_t name[WIRE_NAME_MAX], other[WIRE_NAME_MAX];
		dsec_budget_init(&b);
		t_name(Q("nope"), name);
		dsec_deny_nxdomain(name, p->zone, NULL, 0, &b, &r);
		assert_int_equal(r.state, DSEC_BOGUS);
		assert_int_equal(r.ede, WIRE_EDE_NSEC_MISSING);
		t_name("elsewhere.example.", other);
		dsec_deny_nxdomain(other, p->zone, p->rs, p->n, &b, &r);
		assert_int_equal(r.state, DSEC_BOGUS);
		assert_int_equal(r.ede, WIRE_EDE_DNSSEC_BOGUS);
	}
#undef Q
}

/* The cases of the NSEC and the NSEC3 zone (no opt-out); below_cut: the
 * EDE of an NXDOMAIN under a delegation (NSEC: no usable record covers it,
 * 12; NSEC3: the closest encloser is the delegation, 6). */
static void chain(const char *zone, uint16_t type, const unsigned *pieces, uint16_t below_cut)
{
	struct proofs p;
	char q[256];

	proofs_open(&p, zone, type);
	common_cases(&p, zone, pieces);
	snprintf(q, sizeof q, "insec.%s.", zone);
	check(&p, DS, q, 0, 0, DSEC_SECURE, WIRE_EDE_NONE, 1);
	assert_true(ds_cut(&p, q, DSEC_SECURE));
	snprintf(q, sizeof q, "nope.%s.", zone);
	assert_false(ds_cut(&p, q, DSEC_SECURE));
	/* below a delegation the parent's records prove nothing */
	snprintf(q, sizeof q, "x.insec.%s.", zone);
	check(&p, NXDOMAIN, q, 0, 0, DSEC_BOGUS, below_cut, 0);
	snprintf(q, sizeof q, "www.sec.%s.", zone);
	check(&p, NXDOMAIN, q, 0, 0, DSEC_BOGUS, below_cut, 0);
	proofs_close(&p);
}

static void test_nsec(void **state)
{
	const unsigned pieces[] = { 2, 1 };   /* NXDOMAIN, wildcard NODATA */
	(void)state;
	chain("nsec.test", WIRE_TYPE_NSEC, pieces, WIRE_EDE_NSEC_MISSING);
}

static void test_nsec3(void **state)
{
	const unsigned pieces[] = { 3, 3 };
	(void)state;
	chain("nsec3.test", WIRE_TYPE_NSEC3, pieces, WIRE_EDE_DNSSEC_BOGUS);
}

static void test_nsec3_optout(void **state)
{
	struct proofs p;
	(void)state;

	proofs_open(&p, "optout.test", WIRE_TYPE_NSEC3);
	/* the unsigned delegation has no NSEC3: the opt-out span covering it
	 * makes it insecure (RFC 5155 §8.9, §9.2) */
	check(&p, DS, "insec.optout.test.", 0, 0, DSEC_INSECURE, WIRE_EDE_NONE, 2);
	assert_true(ds_cut(&p, "insec.optout.test.", DSEC_INSECURE));
	check(&p, NODATA, "insec.optout.test.", WIRE_TYPE_DS, 0, DSEC_INSECURE, WIRE_EDE_NONE, 2);
	check(&p, NXDOMAIN, "nope.optout.test.", 0, 0, DSEC_INSECURE, WIRE_EDE_NONE, 3);
	/* what has an NSEC3 is still proven */
	check(&p, NODATA, "www.optout.test.", WIRE_TYPE_MX, 0, DSEC_SECURE, WIRE_EDE_NONE, 1);
	check(&p, DS, "sec.optout.test.", 0, 0, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS, 0);
	check(&p, WILDCARD, "foo.wild.optout.test.", 0, 3, DSEC_SECURE, WIRE_EDE_NONE, 1);
	proofs_close(&p);
}

static void test_nsec3_limits(void **state)
{
	struct proofs p, q;
	struct dsec_budget b;
	struct dsec_result r;
	struct dsec_ds_denial d;
	uint8_t name[WIRE_NAME_MAX];
	(void)state;

	/* RFC 9276 §3.2: 151 iterations: insecure, EDE 27, nothing hashed */
	proofs_open(&p, "iter151.test", WIRE_TYPE_NSEC3);
	dsec_budget_init(&b);
	t_name("nope.iter151.test.", name);
	dsec_deny_nxdomain(name, p.zone, p.rs, p.n, &b, &r);
	assert_int_equal(r.state, DSEC_INSECURE);
	assert_int_equal(r.ede, WIRE_EDE_UNSUPPORTED_NSEC3_ITER);
	t_name("www.iter151.test.", name);
	dsec_deny_nodata(name, WIRE_TYPE_MX, p.zone, p.rs, p.n, &b, &r);
	assert_int_equal(r.state, DSEC_INSECURE);
	assert_int_equal(r.ede, WIRE_EDE_UNSUPPORTED_NSEC3_ITER);
	t_name("insec.iter151.test.", name);
	dsec_deny_ds(name, p.zone, p.rs, p.n, &b, &d);
	assert_int_equal(d.state, DSEC_INSECURE);
	assert_int_equal(d.ede, WIRE_EDE_UNSUPPORTED_NSEC3_ITER);
	assert_int_equal(b.nsec3, DSEC_MAX_NSEC3_PER_RESOLUTION);
	proofs_close(&p);

	/* the NSEC3 hash budget: an NXDOMAIN for a deep name costs one hash
	 * per label down from the closest encloser, plus the wildcard */
	proofs_open(&p, "nsec3.test", WIRE_TYPE_NSEC3);
	dsec_budget_init(&b);
	t_name("a.b.c.d.e.f.g.nope.nsec3.test.", name);
	dsec_deny_nxdomain(name, p.zone, p.rs, p.n, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_int_equal(DSEC_MAX_NSEC3_PER_RESOLUTION - b.nsec3, 8 + 1 + 1);
	b.nsec3 = 9;
	dsec_deny_nxdomain(name, p.zone, p.rs, p.n, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_DNSSEC_BOGUS);
	assert_non_null(strstr(r.why, "budget"));
	assert_int_equal(b.nsec3, 0);
	/* a resolution's budget runs out after DSEC_MAX_NSEC3_PER_RESOLUTION */
	dsec_budget_init(&b);
	for (unsigned i = 0; i < DSEC_MAX_NSEC3_PER_RESOLUTION / 10; i++) {
		dsec_deny_nxdomain(name, p.zone, p.rs, p.n, &b, &r);
		assert_int_equal(r.state, DSEC_SECURE);
	}
	dsec_deny_nxdomain(name, p.zone, p.rs, p.n, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);

	/* NSEC and NSEC3 mixed: bogus */
	proofs_open(&q, "nsec.test", WIRE_TYPE_NSEC);
	p.rs[p.n] = &q.set[0]->rs;
	dsec_budget_init(&b);
	t_name("nope.nsec3.test.", name);
	dsec_deny_nxdomain(name, p.zone, p.rs, p.n + 1, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_DNSSEC_BOGUS);
	proofs_close(&q);
	proofs_close(&p);
}

/* Malformed records (random rdata behind well-formed framing) never crash
 * a proof or a verification and never prove anything (run under ASan in
 * the sanitizer build). */
static void test_garbage(void **state)
{
	static const uint16_t types[] = { WIRE_TYPE_NSEC, WIRE_TYPE_NSEC3 };
	struct trs *set[4], *keys, *sigs;
	const struct wire_rrset *rs[4];
	struct dsec_budget b;
	struct dsec_result r;
	struct dsec_ds_denial d;
	uint8_t zone[WIRE_NAME_MAX], name[WIRE_NAME_MAX];
	uint32_t x = 12345;
	(void)state;

	t_name("nsec3.test.", zone);
	t_name("a.b.nsec3.test.", name);
	for (unsigned round = 0; round < 3000; round++) {
		for (unsigned i = 0; i < 4; i++) {
			uint16_t len;
			set[i] = t_new(i & 1 ? "vb0jc4d9ggeme5j1k3ctd3r7cghhr2ub.nsec3.test."
				       : "b.nsec3.test.", types[round & 1], 300);
			x = x * 1103515245u + 12345u;
			len = (uint16_t)((x >> 16) % 48);
			wire_put16(set[i]->data, len);
			for (unsigned j = 0; j < len; j++) {
				x = x * 1103515245u + 12345u;
				set[i]->data[2 + j] = (uint8_t)(x >> 16);
			}
			if (round % 3 == 0 && len > 0)
				set[i]->data[2] = 1;    /* NSEC3 hash algorithm 1 */
			set[i]->rs.rdata_len = 2u + len;
			set[i]->rs.count = 1;
			rs[i] = &set[i]->rs;
		}
		dsec_budget_init(&b);
		dsec_deny_nxdomain(name, zone, rs, 4, &b, &r);
		assert_int_not_equal(r.state, DSEC_SECURE);
		dsec_deny_nodata(name, WIRE_TYPE_A, zone, rs, 4, &b, &r);
		dsec_deny_wildcard(name, 2, zone, rs, 4, &b, &r);
		dsec_deny_ds(name, zone, rs, 4, &b, &d);
		/* the same bytes as keys and signatures */
		keys = set[0];
		keys->rs.type = WIRE_TYPE_DNSKEY;
		memcpy(keys->owner, zone, wire_name_len(zone));
		sigs = set[1];
		sigs->rs.type = WIRE_TYPE_RRSIG;
		memcpy(sigs->owner, name, wire_name_len(name));
		set[2]->rs.type = WIRE_TYPE_A;
		memcpy(set[2]->owner, name, wire_name_len(name));
		dsec_verify_rrset(&set[2]->rs, &sigs->rs, &keys->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_BOGUS);
		dsec_verify_keys(&keys->rs, &sigs->rs, &set[3]->rs, T_NOW, &b, &r);
		assert_int_not_equal(r.state, DSEC_SECURE);
		for (unsigned i = 0; i < 4; i++)
			free(set[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsec),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_nsec3_optout),
		cmocka_unit_test(test_nsec3_limits),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
