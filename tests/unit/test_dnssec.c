/* Unit tests for src/dnssec: RRSIG verification for every supported
 * algorithm (keys made by ldns-keygen, zones signed by ldns-signzone, see
 * tests/data/dnssec/make.sh), tampering, validity windows, missing RRSIGs
 * and keys, DS digests, unsupported algorithms and digests, the KeyTrap
 * budgets, wildcard expansion and the canonical form. Denial proofs:
 * test_dnssec_deny.c; trust anchors: test_dnssec_anchors.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dnssec_test_util.h"
#include "../../src/dnssec/dnssec_int.h"

struct alg_case { const char *zone; uint8_t alg; };
static const struct alg_case algs[] = {
	{ "a5.test", 5 }, { "a7.test", 7 }, { "a8.test", 8 }, { "a10.test", 10 },
	{ "a13.test", 13 }, { "a14.test", 14 }, { "a15.test", 15 }, { "a16.test", 16 },
};

/* The pieces of one zone used by most tests. */
struct zone_t {
	ldns_rr_list *all;
	struct trs *keys, *keysigs, *www, *wwwsigs, *ds;
};

static void zone_open(struct zone_t *z, const char *zone)
{
	char file[256], name[256];

	snprintf(file, sizeof file, "%s.signed", zone);
	z->all = t_load(file);
	z->keys = t_get(z->all, zone, WIRE_TYPE_DNSKEY, 0);
	z->keysigs = t_get(z->all, zone, WIRE_TYPE_RRSIG, WIRE_TYPE_DNSKEY);
	snprintf(name, sizeof name, "www.%s", zone);
	z->www = t_get(z->all, name, WIRE_TYPE_A, 0);
	z->wwwsigs = t_get(z->all, name, WIRE_TYPE_RRSIG, WIRE_TYPE_A);
	snprintf(file, sizeof file, "%s.ds", zone);
	{
		ldns_rr_list *ds = t_load(file);
		z->ds = t_get(ds, zone, WIRE_TYPE_DS, 0);
		ldns_rr_list_deep_free(ds);
	}
}

static void zone_close(struct zone_t *z)
{
	ldns_rr_list_deep_free(z->all);
	free(z->keys);
	free(z->keysigs);
	free(z->www);
	free(z->wwwsigs);
	free(z->ds);
}

/* The DS records of z with digest type digest only. */
static struct trs *ds_only(const struct zone_t *z, uint8_t digest)
{
	struct trs *t = t_new("x.", WIRE_TYPE_DS, 3600);
	struct dsec_rr rr;
	size_t pos = 0;

	memcpy(t->owner, z->ds->owner, wire_name_len(z->ds->owner));
	while (dsec_rr_next(&z->ds->rs, &pos, &rr)) {
		if (rr.rd[3] != digest)
			continue;
		wire_put16(t->data + t->rs.rdata_len, rr.len);
		memcpy(t->data + t->rs.rdata_len + 2, rr.rd, rr.len);
		t->rs.rdata_len += 2u + rr.len;
		t->rs.count++;
	}
	return t;
}

/* One supported algorithm (state: its algs[] entry): www A verifies with
 * the zone's key, and the DNSKEY RRset with each DS digest type. */
static void test_algorithm(void **state)
{
	const struct alg_case *c = *state;
	struct zone_t z;
	struct dsec_budget b;
	struct dsec_result r;

	zone_open(&z, c->zone);
	assert_true(dsec_algorithm_supported(c->alg));
	assert_int_equal(z.www->rs.count, 1);
	dsec_budget_init(&b);
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	if (r.state != DSEC_SECURE)
		fprintf(stderr, "%s: %s\n", c->zone, r.why);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_int_equal(r.ede, WIRE_EDE_NONE);
	assert_null(r.why);
	assert_int_equal(r.ttl, 3600);
	assert_false(r.wildcard);
	assert_int_equal(b.sigs, DSEC_MAX_SIG_PER_RESOLUTION - 1);
	for (uint8_t d = 1; d <= 4; d++) {
		struct trs *ds;
		if (d == 3)
			continue;
		ds = ds_only(&z, d);
		assert_int_equal(ds->rs.count, 1);
		dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &ds->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_SECURE);
		free(ds);
	}
	zone_close(&z);
}

static void test_unsupported(void **state)
{
	(void)state;
	assert_false(dsec_algorithm_supported(1));
	assert_false(dsec_algorithm_supported(3));
	assert_false(dsec_algorithm_supported(6));
	assert_false(dsec_algorithm_supported(12));
	assert_false(dsec_algorithm_supported(200));
	assert_true(dsec_digest_supported(1) && dsec_digest_supported(2) && dsec_digest_supported(4));
	assert_false(dsec_digest_supported(3) || dsec_digest_supported(0) || dsec_digest_supported(5));
}

static void expect(const struct wire_rrset *rs, const struct wire_rrset *sigs,
		   const struct wire_rrset *keys, uint64_t now, enum dsec_state st, uint16_t ede)
{
	struct dsec_budget b;
	struct dsec_result r;

	dsec_budget_init(&b);
	dsec_verify_rrset(rs, sigs, keys, now, &b, &r);
	assert_int_equal(r.state, st);
	assert_int_equal(r.ede, ede);
	if (st != DSEC_SECURE)
		assert_non_null(r.why);
}

static void test_tampered(void **state)
{
	struct zone_t z;
	uint16_t len;
	uint8_t *rd;
	(void)state;

	zone_open(&z, "a13.test");
	rd = t_rdata(z.www, 0, &len);
	rd[3] ^= 1;                     /* 192.0.2.1 -> 192.0.2.0 */
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS);
	rd[3] ^= 1;
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_SECURE, WIRE_EDE_NONE);
	for (unsigned i = 0; i < z.wwwsigs->rs.count; i++) {   /* every signature */
		rd = t_rdata(z.wwwsigs, i, &len);
		rd[len - 5] ^= 0x40;
	}
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS);
	zone_close(&z);
	/* RSA as well */
	zone_open(&z, "a8.test");
	rd = t_rdata(z.wwwsigs, 0, &len);
	rd[len - 1] ^= 1;
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS);
	zone_close(&z);
}

static void test_times_and_ttl(void **state)
{
	struct zone_t z;
	struct dsec_budget b;
	struct dsec_result r;
	(void)state;

	zone_open(&z, "a15.test");
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_EXPIRATION + 1, DSEC_BOGUS,
	       WIRE_EDE_SIG_EXPIRED);
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_INCEPTION - 1, DSEC_BOGUS,
	       WIRE_EDE_SIG_NOT_YET);
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_INCEPTION, DSEC_SECURE, WIRE_EDE_NONE);
	/* RFC 4035 §5.3.3: the TTL never outlives the signature ... */
	dsec_budget_init(&b);
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_EXPIRATION - 100, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_int_equal(r.ttl, 100);
	/* ... the RRSIG's TTL, nor the original TTL (a cache-inflated TTL) */
	z.wwwsigs->rs.ttl = 50;
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.ttl, 50);
	z.wwwsigs->rs.ttl = 86400;
	z.www->rs.ttl = 86400;
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_int_equal(r.ttl, 3600);
	/* serial arithmetic (RFC 4034 §3.1.5): "now" past 2106 wraps around */
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW + ((uint64_t)1 << 32), DSEC_SECURE,
	       WIRE_EDE_NONE);
	zone_close(&z);
}

static void test_missing(void **state)
{
	struct zone_t z, other;
	struct trs *txtsigs;
	uint16_t len;
	uint8_t *rd, signer[WIRE_NAME_MAX], want[WIRE_NAME_MAX];
	(void)state;

	zone_open(&z, "a13.test");
	zone_open(&other, "a14.test");
	/* RRSIGs that cover another type only, or none at all: EDE 10 */
	txtsigs = t_get(z.all, "www.a13.test", WIRE_TYPE_RRSIG, WIRE_TYPE_TXT);
	assert_int_equal(txtsigs->rs.count, 1);
	expect(&z.www->rs, &txtsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_RRSIGS_MISSING);
	expect(&z.www->rs, NULL, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_RRSIGS_MISSING);
	assert_true(dsec_signer(&txtsigs->rs, WIRE_TYPE_TXT, signer));
	t_name("a13.test.", want);
	assert_true(wire_name_equal(signer, want));
	assert_false(dsec_signer(&txtsigs->rs, WIRE_TYPE_A, signer));
	/* another zone's keys (other signer), or a wrong key tag: EDE 9 */
	expect(&z.www->rs, &z.wwwsigs->rs, &other.keys->rs, T_NOW, DSEC_BOGUS,
	       WIRE_EDE_DNSKEY_MISSING);
	for (unsigned i = 0; i < z.wwwsigs->rs.count; i++) {
		rd = t_rdata(z.wwwsigs, i, &len);
		rd[17] ^= 0x55;
	}
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING);
	for (unsigned i = 0; i < z.wwwsigs->rs.count; i++) {
		rd = t_rdata(z.wwwsigs, i, &len);
		rd[17] ^= 0x55;
		rd[3] = 4;              /* labels above the owner's: unusable */
	}
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS);
	for (unsigned i = 0; i < z.wwwsigs->rs.count; i++) {
		rd = t_rdata(z.wwwsigs, i, &len);
		rd[3] = 1;              /* a wildcard above the signer's zone */
	}
	expect(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSSEC_BOGUS);
	expect(&z.www->rs, &z.wwwsigs->rs, NULL, T_NOW, DSEC_BOGUS, WIRE_EDE_DNSKEY_MISSING);
	free(txtsigs);
	zone_close(&other);
	zone_close(&z);
}

static void test_ds(void **state)
{
	struct zone_t z;
	struct dsec_budget b;
	struct dsec_result r;
	struct trs *ds;
	uint16_t len;
	uint8_t *rd;
	(void)state;

	zone_open(&z, "nsec.test");       /* a KSK and a ZSK */
	dsec_budget_init(&b);
	assert_int_equal(z.keys->rs.count, 2);
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.ds->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_int_equal(r.ttl, 3600);
	/* then the zone's data with the whole (now trusted) key set */
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	/* a DS naming the ZSK, which did not sign the DNSKEY RRset (only the
	 * KSK did): the signature that matters is missing, EDE 10 */
	ds = t_new("nsec.test.", WIRE_TYPE_DS, 3600);
	for (unsigned i = 0; i < 2; i++) {
		rd = t_rdata(z.keys, i, &len);
		if (wire_get16(rd) != 256)
			continue;
		wire_put16(ds->data, 4 + 32);
		wire_put16(ds->data + 2, dsec_key_tag(rd, len));
		ds->data[4] = 13;
		ds->data[5] = 2;
		assert_int_equal(dsec_ds_digest(2, z.keys->rs.owner, rd, len, ds->data + 6), 32);
		ds->rs.rdata_len = 2 + 4 + 32;
		ds->rs.count = 1;
	}
	assert_int_equal(ds->rs.count, 1);
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &ds->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_RRSIGS_MISSING);
	free(ds);
	/* a digest that matches no key: EDE 9 */
	rd = t_rdata(z.ds, 0, &len);
	rd[len - 1] ^= 1;
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.ds->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_DNSKEY_MISSING);
	rd[len - 1] ^= 1;
	/* unsupported digest type (3, GOST): insecure, EDE 2 */
	rd[3] = 3;
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.ds->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_INSECURE);
	assert_int_equal(r.ede, WIRE_EDE_UNSUPPORTED_DS_DIGEST);
	/* unsupported algorithm (RSAMD5, GOST): insecure, EDE 1 */
	rd[3] = 2;
	rd[2] = 12;
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.ds->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_INSECURE);
	assert_int_equal(r.ede, WIRE_EDE_UNSUPPORTED_DNSKEY_ALG);
	rd[2] = 1;
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.ds->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_INSECURE);
	rd[2] = 13;
	/* the KSK's self-signature expired: EDE 7 */
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.ds->rs, T_EXPIRATION + 10, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_SIG_EXPIRED);
	zone_close(&z);

	/* RFC 4509 §3: a matching SHA-1 DS does not help when a SHA-256 DS
	 * (that matches nothing) is present */
	zone_open(&z, "a13.test");
	ds = t_new("a13.test.", WIRE_TYPE_DS, 3600);
	{
		struct trs *one = ds_only(&z, 1), *two = ds_only(&z, 2);
		memcpy(ds->data, one->data, one->rs.rdata_len);
		memcpy(ds->data + one->rs.rdata_len, two->data, two->rs.rdata_len);
		ds->rs.rdata_len = one->rs.rdata_len + two->rs.rdata_len;
		ds->rs.count = 2;
		dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &ds->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_SECURE);
		rd = t_rdata(ds, 1, &len);
		rd[len - 1] ^= 1;
		dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &ds->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_BOGUS);
		assert_int_equal(r.ede, WIRE_EDE_DNSKEY_MISSING);
		free(one);
		free(two);
	}
	free(ds);
	/* a DNSKEY trust anchor */
	dsec_verify_keys(&z.keys->rs, &z.keysigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	/* key tag (RFC 4034 Appendix B) as ldns-keygen named the key */
	rd = t_rdata(z.keys, 0, &len);
	{
		uint16_t dslen;
		assert_int_equal(dsec_key_tag(rd, len), wire_get16(t_rdata(z.ds, 0, &dslen)));
	}
	zone_close(&z);
}

/* A DNSKEY rdata of algorithm 13 with random key bytes and key tag tag. */
static void colliding_key(uint8_t *rd, uint16_t tag, unsigned seed)
{
	uint32_t ac = 0;

	wire_put16(rd, 257);
	rd[2] = 3;
	rd[3] = 13;
	for (unsigned i = 4; i < 66; i++)
		rd[i] = (uint8_t)(seed * 131u + i * 7u);
	rd[66] = rd[67] = 0;
	for (unsigned i = 0; i < 68; i++)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	/* the last 16-bit word adds straight into the sum: choose it */
	for (uint32_t w = 0; w <= 0xffff; w++) {
		uint32_t s = ac + w;
		if ((uint16_t)(s + (s >> 16)) == tag) {
			wire_put16(rd + 66, (uint16_t)w);
			break;
		}
	}
}

static void test_keytrap(void **state)
{
	struct zone_t z;
	struct trs *keys, *sigs;
	struct dsec_budget b;
	struct dsec_result r;
	uint8_t key[68], sig[200];
	uint16_t len, tag = 4242;
	unsigned rounds = 0;
	(void)state;

	/* 64 keys with the same tag and 64 signatures claiming it (and one
	 * real key and signature behind them): each of the 64 x 64 pairs
	 * passes the tag filter; the budget stops the work */
	zone_open(&z, "a13.test");
	keys = t_new("a13.test.", WIRE_TYPE_DNSKEY, 3600);
	sigs = t_new("www.a13.test.", WIRE_TYPE_RRSIG, 3600);
	for (unsigned i = 0; i < 64; i++) {
		colliding_key(key, tag, i);
		assert_int_equal(dsec_key_tag(key, sizeof key), tag);
		wire_put16(keys->data + keys->rs.rdata_len, sizeof key);
		memcpy(keys->data + keys->rs.rdata_len + 2, key, sizeof key);
		keys->rs.rdata_len += 2 + sizeof key;
		keys->rs.count++;
	}
	memcpy(keys->data + keys->rs.rdata_len, z.keys->data, z.keys->rs.rdata_len);
	keys->rs.rdata_len += z.keys->rs.rdata_len;
	keys->rs.count += z.keys->rs.count;
	{
		uint8_t *real = t_rdata(z.wwwsigs, 0, &len);
		for (unsigned i = 0; i < 64; i++) {
			memcpy(sig, real, len);
			wire_put16(sig + 16, tag);
			sig[len - 1] = (uint8_t)i;
			wire_put16(sigs->data + sigs->rs.rdata_len, len);
			memcpy(sigs->data + sigs->rs.rdata_len + 2, sig, len);
			sigs->rs.rdata_len += 2u + len;
			sigs->rs.count++;
		}
	}
	memcpy(sigs->data + sigs->rs.rdata_len, z.wwwsigs->data, z.wwwsigs->rs.rdata_len);
	sigs->rs.rdata_len += z.wwwsigs->rs.rdata_len;
	sigs->rs.count += z.wwwsigs->rs.count;

	dsec_budget_init(&b);
	dsec_verify_rrset(&z.www->rs, &sigs->rs, &keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_DNSSEC_BOGUS);
	assert_non_null(strstr(r.why, "budget"));
	assert_int_equal(DSEC_MAX_SIG_PER_RESOLUTION - b.sigs, DSEC_MAX_SIG_PER_RRSET);
	/* the resolution's budget runs out after DSEC_MAX_SIG_PER_RESOLUTION */
	while (b.sigs > 0) {
		dsec_verify_rrset(&z.www->rs, &sigs->rs, &keys->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_BOGUS);
		rounds++;
	}
	assert_int_equal(rounds, DSEC_MAX_SIG_PER_RESOLUTION / DSEC_MAX_SIG_PER_RRSET - 1);
	/* then even the honest RRset is not verified any more */
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	assert_int_equal(r.ede, WIRE_EDE_DNSSEC_BOGUS);
	assert_non_null(strstr(r.why, "resolution"));
	assert_int_equal(b.sigs, 0);
	/* with a fresh budget it is */
	dsec_budget_init(&b);
	dsec_verify_rrset(&z.www->rs, &z.wwwsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	free(keys);
	free(sigs);
	zone_close(&z);
}

static void test_wildcard_and_canonical(void **state)
{
	struct zone_t z;
	struct trs *wc, *wcsigs, *mixed;
	struct dsec_budget b;
	struct dsec_result r;
	(void)state;

	zone_open(&z, "nsec.test");
	wc = t_get(z.all, "*.wild.nsec.test", WIRE_TYPE_TXT, 0);
	wcsigs = t_get(z.all, "*.wild.nsec.test", WIRE_TYPE_RRSIG, WIRE_TYPE_TXT);
	dsec_budget_init(&b);
	/* the wildcard's own name: no expansion */
	dsec_verify_rrset(&wc->rs, &wcsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_false(r.wildcard);
	/* expanded to a deeper name (RFC 4035 §5.3.2): owner rebuilt as *.wild */
	t_name("a.b.wild.nsec.test.", wc->owner);
	dsec_verify_rrset(&wc->rs, &wcsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_SECURE);
	assert_true(r.wildcard);
	assert_int_equal(r.wc_labels, 3);
	/* a name outside the wildcard's closest encloser does not verify */
	t_name("a.other.nsec.test.", wc->owner);
	dsec_verify_rrset(&wc->rs, &wcsigs->rs, &z.keys->rs, T_NOW, &b, &r);
	assert_int_equal(r.state, DSEC_BOGUS);
	/* canonical form: names in rdata lowercased (RFC 4034 §6.2), records
	 * in any order and duplicated give the same signed data */
	mixed = t_get(z.all, "nsec.test", WIRE_TYPE_SOA, 0);
	{
		struct trs *soasigs = t_get(z.all, "nsec.test", WIRE_TYPE_RRSIG, WIRE_TYPE_SOA);
		uint16_t len;
		uint8_t *rd = t_rdata(mixed, 0, &len);
		rd[1] = 'N';    /* ns.nsec.test -> Ns.nsec.test */
		dsec_verify_rrset(&mixed->rs, &soasigs->rs, &z.keys->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_SECURE);
		free(soasigs);
	}
	{
		struct trs *ns = t_get(z.all, "nsec.test", WIRE_TYPE_NS, 0);
		struct trs *nssigs = t_get(z.all, "nsec.test", WIRE_TYPE_RRSIG, WIRE_TYPE_NS);
		/* the same record twice: a duplicate, removed (§6.3) */
		memcpy(ns->data + ns->rs.rdata_len, ns->data, ns->rs.rdata_len);
		ns->rs.rdata_len *= 2;
		ns->rs.count = 2;
		dsec_verify_rrset(&ns->rs, &nssigs->rs, &z.keys->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_SECURE);
		/* bad framing is bogus, never a crash */
		ns->rs.count = 3;
		dsec_verify_rrset(&ns->rs, &nssigs->rs, &z.keys->rs, T_NOW, &b, &r);
		assert_int_equal(r.state, DSEC_BOGUS);
		free(ns);
		free(nssigs);
	}
	free(mixed);
	free(wc);
	free(wcsigs);
	zone_close(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[0]),   /* RSASHA1 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[1]),   /* RSASHA1-NSEC3-SHA1 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[2]),   /* RSASHA256 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[3]),   /* RSASHA512 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[4]),   /* ECDSAP256SHA256 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[5]),   /* ECDSAP384SHA384 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[6]),   /* ED25519 */
		cmocka_unit_test_prestate(test_algorithm, (void *)&algs[7]),   /* ED448 */
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_times_and_ttl),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_ds),
		cmocka_unit_test(test_keytrap),
		cmocka_unit_test(test_wildcard_and_canonical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
