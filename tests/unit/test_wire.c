/* Unit tests for wire/: names, query parsing (every malformed case), the
 * response writer (compression, truncation, OPT, EDE) and a deterministic
 * mutation fuzz loop over wire_query_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "cairn/wire.h"

/* ---------------------------------------------------------------- helpers */

struct pb {
	uint8_t b[70000];
	size_t n;
};

static void pb_u8(struct pb *p, uint8_t v) { p->b[p->n++] = v; }
static void pb_u16(struct pb *p, uint16_t v) { wire_put16(p->b + p->n, v); p->n += 2; }
static void pb_u32(struct pb *p, uint32_t v) { wire_put32(p->b + p->n, v); p->n += 4; }
static void pb_bytes(struct pb *p, const void *d, size_t n) { memcpy(p->b + p->n, d, n); p->n += n; }

static void pb_hdr(struct pb *p, uint16_t id, uint16_t flags, uint16_t qd,
		   uint16_t an, uint16_t ns, uint16_t ar)
{
	p->n = 0;
	pb_u16(p, id);
	pb_u16(p, flags);
	pb_u16(p, qd);
	pb_u16(p, an);
	pb_u16(p, ns);
	pb_u16(p, ar);
}

/* Appends a dotted name (no escapes, case kept) uncompressed. */
static void pb_name(struct pb *p, const char *text)
{
	while (*text && strcmp(text, ".") != 0) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);
		pb_u8(p, (uint8_t)l);
		pb_bytes(p, text, l);
		text += l;
		if (*text == '.')
			text++;
	}
	pb_u8(p, 0);
}

static void pb_question(struct pb *p, const char *name, uint16_t type, uint16_t cls)
{
	pb_name(p, name);
	pb_u16(p, type);
	pb_u16(p, cls);
}

/* OPT RR: root owner, size, TTL from version/DO/ext rcode, rdata. */
static void pb_opt(struct pb *p, uint16_t size, uint8_t version, bool dnssec_ok,
		   const uint8_t *rd, uint16_t rdlen)
{
	pb_u8(p, 0);
	pb_u16(p, WIRE_TYPE_OPT);
	pb_u16(p, size);
	pb_u32(p, ((uint32_t)version << 16) | (dnssec_ok ? 0x8000u : 0));
	pb_u16(p, rdlen);
	if (rdlen)
		pb_bytes(p, rd, rdlen);
}

/* A standard query www.Example.COM/A, optionally with an OPT. */
static void make_query(struct pb *p, bool edns, bool dnssec_ok)
{
	pb_hdr(p, 0x1234, WIRE_FLAG_RD, 1, 0, 0, edns ? 1 : 0);
	pb_question(p, "www.Example.COM", WIRE_TYPE_A, WIRE_CLASS_IN);
	if (edns)
		pb_opt(p, 4096, 0, dnssec_ok, NULL, 0);
}

/* Parses a copy of exactly len bytes on the heap so that ASan sees any
 * read past the end. */
static enum wire_verdict parse_exact(const uint8_t *pkt, size_t len, struct wire_query *q)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, pkt, len);
	enum wire_verdict v = wire_query_parse(copy, len, q);
	/* q->pkt must not be used after this; clear it. */
	q->pkt = NULL;
	free(copy);
	return v;
}

static enum wire_verdict parse_pb(struct pb *p, struct wire_query *q)
{
	return parse_exact(p->b, p->n, q);
}

static void name_of(const char *text, uint8_t *out)
{
	size_t len;
	assert_int_equal(wire_name_from_text(text, NULL, out, &len), CAIRN_OK);
}

/* ---------------------------------------------------------------- names */

static void test_name_from_to_text(void **state)
{
	(void)state;
	uint8_t n[WIRE_NAME_MAX], origin[WIRE_NAME_MAX];
	size_t len;
	char buf[1024];

	assert_int_equal(wire_name_from_text("www.Example.COM.", NULL, n, &len), CAIRN_OK);
	assert_int_equal(len, 17);
	assert_memory_equal(n, "\3www\7example\3com\0", 17);
	assert_int_equal(wire_name_len(n), 17);
	assert_int_equal(wire_name_labels(n), 3);
	assert_int_equal(wire_name_to_text(n, buf, sizeof(buf)), CAIRN_OK);
	assert_string_equal(buf, "www.example.com.");

	/* relative names, @ and the root */
	name_of("Lab.Test.", origin);
	assert_int_equal(wire_name_from_text("host1", origin, n, &len), CAIRN_OK);
	assert_memory_equal(n, "\5host1\3lab\4test\0", len);
	assert_int_equal(wire_name_from_text("@", origin, n, &len), CAIRN_OK);
	assert_memory_equal(n, "\3lab\4test\0", len);
	assert_int_equal(wire_name_from_text(".", origin, n, &len), CAIRN_OK);
	assert_int_equal(len, 1);
	assert_int_equal(n[0], 0);
	assert_int_equal(wire_name_to_text(n, buf, sizeof(buf)), CAIRN_OK);
	assert_string_equal(buf, ".");
	assert_int_equal(wire_name_from_text("rel", NULL, n, &len), CAIRN_OK);
	assert_memory_equal(n, "\3rel\0", 5);

	/* escapes: \. inside a label, \DDD, \X */
	assert_int_equal(wire_name_from_text("a\\.b.c.", NULL, n, &len), CAIRN_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(n, "\3a.b\1c\0", 7);
	assert_int_equal(wire_name_to_text(n, buf, sizeof(buf)), CAIRN_OK);
	assert_string_equal(buf, "a\\.b.c.");
	assert_int_equal(wire_name_from_text("\\065\\000x\\ y.", NULL, n, &len), CAIRN_OK);
	assert_memory_equal(n, "\5a\0x y\0", 7);   /* lowercased, \000 kept */
	assert_int_equal(wire_name_to_text(n, buf, sizeof(buf)), CAIRN_OK);
	assert_string_equal(buf, "a\\000x\\032y.");
	assert_int_equal(wire_name_from_text("\\@\\$\\(\\;\\\\.", NULL, n, &len), CAIRN_OK);
	assert_int_equal(wire_name_to_text(n, buf, sizeof(buf)), CAIRN_OK);
	assert_string_equal(buf, "\\@\\$\\(\\;\\\\.");
	/* a byte >= 0x80 */
	assert_int_equal(wire_name_from_text("\\200.", NULL, n, &len), CAIRN_OK);
	assert_int_equal(n[1], 200);
	assert_int_equal(wire_name_to_text(n, buf, sizeof(buf)), CAIRN_OK);
	assert_string_equal(buf, "\\200.");

	/* buffer too small */
	name_of("www.example.com.", n);
	assert_int_equal(wire_name_to_text(n, buf, 16), CAIRN_ELIMIT);
	assert_int_equal(wire_name_to_text(n, buf, 17), CAIRN_OK);
	assert_int_equal(wire_name_to_text(n, buf, 1), CAIRN_ELIMIT);
}

static void test_name_from_text_errors(void **state)
{
	(void)state;
	uint8_t n[WIRE_NAME_MAX];
	size_t len;
	char big[600];

	assert_int_equal(wire_name_from_text("", NULL, n, &len), CAIRN_EFORMAT);
	assert_int_equal(wire_name_from_text("a..b.", NULL, n, &len), CAIRN_EFORMAT);
	assert_int_equal(wire_name_from_text(".a.", NULL, n, &len), CAIRN_EFORMAT);
	assert_int_equal(wire_name_from_text("..", NULL, n, &len), CAIRN_EFORMAT);
	assert_int_equal(wire_name_from_text("a\\999.", NULL, n, &len), CAIRN_EFORMAT);
	assert_int_equal(wire_name_from_text("a\\25", NULL, n, &len), CAIRN_EFORMAT);
	assert_int_equal(wire_name_from_text("a\\", NULL, n, &len), CAIRN_EFORMAT);

	/* label of 63 is fine, 64 is not */
	memset(big, 'a', 63);
	strcpy(big + 63, ".");
	assert_int_equal(wire_name_from_text(big, NULL, n, &len), CAIRN_OK);
	assert_int_equal(len, 65);
	memset(big, 'a', 64);
	strcpy(big + 64, ".");
	assert_int_equal(wire_name_from_text(big, NULL, n, &len), CAIRN_EFORMAT);

	/* 255 octets is the maximum: 3 x 63 + 61 + dots = 255 wire bytes */
	size_t o = 0;
	for (int i = 0; i < 3; i++) {
		memset(big + o, 'b', 63);
		o += 63;
		big[o++] = '.';
	}
	memset(big + o, 'c', 61);
	o += 61;
	big[o++] = '.';
	big[o] = '\0';
	assert_int_equal(wire_name_from_text(big, NULL, n, &len), CAIRN_OK);
	assert_int_equal(len, 255);
	big[o - 1] = 'c';           /* one more octet */
	big[o] = '.';
	big[o + 1] = '\0';
	assert_int_equal(wire_name_from_text(big, NULL, n, &len), CAIRN_EFORMAT);
	/* relative name that only overflows with the origin appended */
	uint8_t origin[WIRE_NAME_MAX];
	name_of("example.com.", origin);
	big[o - 1] = '\0';          /* 254-octet relative part */
	assert_int_equal(wire_name_from_text(big, origin, n, &len), CAIRN_EFORMAT);
}

static void test_name_compare_order(void **state)
{
	(void)state;
	/* RFC 4034 §6.1 example, in canonical order */
	const char *order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	uint8_t a[WIRE_NAME_MAX], b[WIRE_NAME_MAX];
	size_t len;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(wire_name_from_text(order[i], NULL, a, &len), CAIRN_OK);
			assert_int_equal(wire_name_from_text(order[j], NULL, b, &len), CAIRN_OK);
			int c = wire_name_compare(a, b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
	/* case-insensitive: raw mixed-case wire names */
	const uint8_t m1[] = "\3WwW\7ExAmPlE\0";
	const uint8_t m2[] = "\3www\7example\0";
	assert_int_equal(wire_name_compare(m1, m2), 0);
	assert_true(wire_name_equal(m1, m2));
	assert_int_equal(wire_name_hash(m1, sizeof(m1) - 1), wire_name_hash(m2, sizeof(m2) - 1));
	const uint8_t m3[] = "\3wwx\7example\0";
	assert_false(wire_name_equal(m1, m3));
	assert_true(wire_name_compare(m2, m3) < 0);
	assert_true(wire_name_hash(m2, sizeof(m2) - 1) != wire_name_hash(m3, sizeof(m3) - 1));
	/* the hash folds exactly 'A'..'Z', at every position of a word: each
	 * byte value at each offset of a 17-byte name hashes as its
	 * lowercase form does, and unlike every other byte value there */
	for (unsigned off = 1; off < 17; off++) {
		uint8_t a[18], b[18];
		uint32_t h[256];

		memset(a, 'q', sizeof(a));
		a[0] = 16;
		a[17] = 0;
		for (unsigned v = 0; v < 256; v++) {
			memcpy(b, a, sizeof(b));
			b[off] = (uint8_t)v;
			memcpy(a + off, b + off, 1);
			a[off] = (uint8_t)(v >= 'A' && v <= 'Z' ? v + 32 : v);
			h[v] = wire_name_hash(b, sizeof(b));
			assert_int_equal(h[v], wire_name_hash(a, sizeof(a)));
		}
		for (unsigned v = 0; v < 256; v++)
			for (unsigned u = v + 1; u < 256; u++) {
				bool same = (v >= 'A' && v <= 'Z' && u == v + 32);
				if (!same)
					assert_true(h[v] != h[u]);
			}
	}
	/* and in a name shorter than a word */
	for (unsigned v = 0; v < 256; v++) {
		uint8_t a[3] = { 1, (uint8_t)v, 0 }, b[3] = { 1, (uint8_t)v, 0 };

		if (v >= 'A' && v <= 'Z')
			b[1] = (uint8_t)(v + 32);
		assert_int_equal(wire_name_hash(a, 3), wire_name_hash(b, 3));
		if (v != 'q' && v != 'Q') {
			b[1] = 'q';
			assert_true(wire_name_hash(a, 3) != wire_name_hash(b, 3));
		}
	}
	/* label boundaries matter: "ab.c" vs "a.bc" */
	const uint8_t x1[] = "\2ab\1c\0", x2[] = "\1a\2bc\0";
	assert_false(wire_name_equal(x1, x2));
	assert_true(wire_name_compare(x1, x2) != 0);
	/* root sorts first */
	const uint8_t root[] = "";
	assert_true(wire_name_compare(root, m2) < 0);
	assert_true(wire_name_compare(m2, root) > 0);
}

static void test_name_misc(void **state)
{
	(void)state;
	uint8_t n[WIRE_NAME_MAX], parent[WIRE_NAME_MAX];
	const uint8_t mixed[] = "\3WWW\3Lab\4TEST\0";

	name_of("www.lab.test.", n);
	name_of("lab.test.", parent);
	assert_true(wire_name_is_subdomain(n, parent));
	assert_true(wire_name_is_subdomain(parent, parent));
	assert_true(wire_name_is_subdomain(mixed, parent));
	assert_false(wire_name_is_subdomain(parent, n));
	name_of("xlab.test.", n);
	assert_false(wire_name_is_subdomain(n, parent));
	name_of(".", n);
	assert_true(wire_name_is_subdomain(parent, n));

	name_of("www.lab.test.", n);
	const uint8_t *p1 = wire_name_parent(n);
	assert_true(wire_name_equal(p1, parent));
	const uint8_t *p3 = wire_name_parent(wire_name_parent(p1));
	assert_int_equal(p3[0], 0);
	assert_ptr_equal(wire_name_parent(p3), p3);
	assert_int_equal(wire_name_labels(p3), 0);
	assert_int_equal(wire_name_len(p3), 1);

	uint8_t m[sizeof(mixed)];
	memcpy(m, mixed, sizeof(mixed));
	wire_name_lower(m);
	assert_memory_equal(m, "\3www\3lab\4test\0", sizeof(mixed));
}

static void test_name_unpack(void **state)
{
	(void)state;
	struct pb p;
	uint8_t out[WIRE_NAME_MAX];
	size_t len, pos;

	/* header, then "Foo.example." at 12, "www" + pointer to 16 at 25 */
	pb_hdr(&p, 1, 0, 0, 0, 0, 0);
	pb_name(&p, "Foo.Example");           /* 12..24 */
	size_t second = p.n;
	pb_bytes(&p, "\3www\xc0\x10", 6);    /* pointer to "Example" at 16 */
	pos = second;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, true), CAIRN_OK);
	assert_int_equal(pos, second + 6);
	assert_int_equal(len, 13);
	assert_memory_equal(out, "\3www\7example\0", 13);
	pos = second;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, false), CAIRN_OK);
	assert_memory_equal(out, "\3www\7Example\0", 13);

	/* pointer to itself */
	size_t self = p.n;
	pb_u8(&p, 0xc0);
	pb_u8(&p, (uint8_t)self);
	pos = self;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, true), CAIRN_EFORMAT);
	/* forward pointer */
	size_t fwd = p.n;
	pb_u8(&p, 0xc0);
	pb_u8(&p, (uint8_t)(fwd + 2));
	pb_u8(&p, 0);
	pos = fwd;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, true), CAIRN_EFORMAT);
	/* pointer beyond the message */
	size_t out_of = p.n;
	pb_u8(&p, 0xc3);
	pb_u8(&p, 0xff);
	pos = out_of;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, true), CAIRN_EFORMAT);
	/* loop: label then pointer back to the label (A -> A) */
	size_t loop = p.n;
	pb_bytes(&p, "\1a", 2);
	pb_u8(&p, 0xc0);
	pb_u8(&p, (uint8_t)loop);
	pos = loop;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, true), CAIRN_EFORMAT);
	/* two names pointing at each other, entered from the second */
	size_t l1 = p.n;
	pb_bytes(&p, "\1x\xc0", 3);
	pb_u8(&p, (uint8_t)(l1 + 4));
	pb_bytes(&p, "\1y\xc0", 3);
	pb_u8(&p, (uint8_t)l1);
	pos = l1 + 4;
	assert_int_equal(wire_name_unpack(p.b, p.n, &pos, out, &len, true), CAIRN_EFORMAT);
	/* truncated pointer and truncated label */
	uint8_t t1[] = { 0xc0 };
	pos = 0;
	assert_int_equal(wire_name_unpack(t1, 1, &pos, out, &len, true), CAIRN_EFORMAT);
	uint8_t t2[] = { 5, 'a', 'b' };
	pos = 0;
	assert_int_equal(wire_name_unpack(t2, 3, &pos, out, &len, true), CAIRN_EFORMAT);
	uint8_t t3[] = { 1, 'a' };            /* no root label */
	pos = 0;
	assert_int_equal(wire_name_unpack(t3, 2, &pos, out, &len, true), CAIRN_EFORMAT);
	/* reserved label types 0x40 and 0x80 */
	uint8_t r1[] = { 0x41, 'a', 0 }, r2[] = { 0x81, 'a', 0 };
	pos = 0;
	assert_int_equal(wire_name_unpack(r1, 3, &pos, out, &len, true), CAIRN_EFORMAT);
	pos = 0;
	assert_int_equal(wire_name_unpack(r2, 3, &pos, out, &len, true), CAIRN_EFORMAT);

	/* > 255 through compression: 200-octet name + 63-octet prefix */
	struct pb q;
	q.n = 0;
	for (int i = 0; i < 3; i++) {
		pb_u8(&q, 63);
		for (int j = 0; j < 63; j++)
			pb_u8(&q, 'a');
	}
	pb_u8(&q, 6);
	pb_bytes(&q, "bbbbbb", 6);
	pb_u8(&q, 0);                /* 3 x 64 + 7 + 1 = 200 bytes at 0 */
	size_t big = q.n;
	pb_u8(&q, 54);
	for (int j = 0; j < 54; j++)
		pb_u8(&q, 'c');
	pb_u8(&q, 0xc0);
	pb_u8(&q, 0);                /* 55 + 200 = 255: fine */
	pos = big;
	assert_int_equal(wire_name_unpack(q.b, q.n, &pos, out, &len, true), CAIRN_OK);
	assert_int_equal(len, 255);
	size_t bigger = q.n;
	pb_u8(&q, 55);
	for (int j = 0; j < 55; j++)
		pb_u8(&q, 'c');
	pb_u8(&q, 0xc0);
	pb_u8(&q, 0);                /* 56 + 200 = 256: too long */
	pos = bigger;
	assert_int_equal(wire_name_unpack(q.b, q.n, &pos, out, &len, true), CAIRN_EFORMAT);
}

/* ---------------------------------------------------------------- queries */

static void test_query_good(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	make_query(&p, false, false);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	assert_int_equal(q.id, 0x1234);
	assert_int_equal(q.opcode, 0);
	assert_true(q.flags & WIRE_FLAG_RD);
	assert_true(q.has_question);
	assert_int_equal(q.question_len, 17 + 4);
	assert_int_equal(q.qname_len, 17);
	assert_memory_equal(q.qname, "\3www\7example\3com\0", 17);
	assert_int_equal(q.qtype, WIRE_TYPE_A);
	assert_int_equal(q.qclass, WIRE_CLASS_IN);
	assert_false(q.has_edns);
	assert_int_equal(q.opt_len, 0);
	assert_int_equal(wire_query_udp_limit(&q, 1232), 512);

	make_query(&p, true, true);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	assert_true(q.has_edns);
	assert_true(q.edns_do);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_udp, 4096);
	assert_int_equal(q.opt_len, 11);
	assert_int_equal(wire_query_udp_limit(&q, 1232), 1232);
	q.edns_udp = 1000;
	assert_int_equal(wire_query_udp_limit(&q, 1232), 1000);
	q.edns_udp = 100;              /* below 512 counts as 512 */
	assert_int_equal(wire_query_udp_limit(&q, 1232), 512);

	/* OPT with a well-formed option (cookie, 8 bytes) */
	uint8_t opt[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	pb_hdr(&p, 7, 0, 1, 0, 0, 1);
	pb_question(&p, "a.b", WIRE_TYPE_AAAA, WIRE_CLASS_IN);
	pb_opt(&p, 1232, 0, false, opt, sizeof(opt));
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	assert_true(q.has_edns);
	assert_false(q.edns_do);
	assert_int_equal(q.opt_len, 11 + 12);

	/* root question */
	pb_hdr(&p, 7, 0, 1, 0, 0, 0);
	pb_question(&p, ".", WIRE_TYPE_NS, WIRE_CLASS_IN);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	assert_int_equal(q.qname_len, 1);
	assert_int_equal(q.question_len, 5);

	/* a TSIG-like record in the additional section is skipped, and its
	 * owner may be compressed (pointer to the question name) */
	pb_hdr(&p, 9, 0, 1, 0, 0, 2);
	pb_question(&p, "key.example", WIRE_TYPE_SOA, WIRE_CLASS_IN);
	pb_opt(&p, 1232, 0, false, NULL, 0);
	pb_u8(&p, 0xc0);
	pb_u8(&p, 12);
	pb_u16(&p, 250);
	pb_u16(&p, WIRE_CLASS_ANY);
	pb_u32(&p, 0);
	pb_u16(&p, 5);
	pb_bytes(&p, "\1x\0\0\0", 5);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	assert_true(q.has_edns);
}

/* Question names of the lengths 1..256 bytes (labels of at most 1, 32
 * or 63 bytes), mixed case: copied lowercased, hashed as wire_name_hash
 * hashes them (the parser's eight-byte steps and tail); over 255 bytes
 * is malformed. */
static void test_query_qname_lengths(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	uint8_t name[WIRE_NAME_MAX + 1], lower[WIRE_NAME_MAX + 1];

	for (size_t total = 1; total <= WIRE_NAME_MAX + 1; total++) {
		for (unsigned maxl = 1; maxl <= 63; maxl += 31) {
			size_t n = 0;

			/* labels of up to maxl bytes, the last one filling up */
			while (n + 1 < total) {
				size_t l = total - n - 1 - 1;   /* room for it and the root */

				if (l > maxl)
					l = maxl;
				if (l == 0)
					break;   /* one byte short: no empty label */
				name[n] = (uint8_t)l;
				for (size_t i = 0; i < l; i++)
					name[n + 1 + i] = (uint8_t)("aZ-9bQ_x"[(n + i) % 8]);
				n += 1 + l;
			}
			name[n++] = 0;
			for (size_t i = 0; i < n; i++)
				lower[i] = name[i] >= 'A' && name[i] <= 'Z' ? (uint8_t)(name[i] + 32) : name[i];
			pb_hdr(&p, 7, 0, 1, 0, 0, 0);
			pb_bytes(&p, name, n);
			pb_u16(&p, WIRE_TYPE_A);
			pb_u16(&p, WIRE_CLASS_IN);
			if (n > WIRE_NAME_MAX) {
				assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
				continue;
			}
			assert_int_equal(parse_pb(&p, &q), WIRE_OK);
			assert_int_equal(q.qname_len, n);
			assert_memory_equal(q.qname, lower, n);
			assert_int_equal(q.qname_hash, wire_name_hash(name, n));
			assert_int_equal(q.qname_hash, wire_name_hash(lower, n));
		}
	}
}

static void test_query_drop(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	make_query(&p, false, false);
	for (size_t l = 0; l < WIRE_HDR_LEN; l++)
		assert_int_equal(parse_exact(p.b, l, &q), WIRE_DROP);
	/* QR=1: responses are dropped */
	make_query(&p, false, false);
	p.b[2] |= 0x80;
	assert_int_equal(parse_pb(&p, &q), WIRE_DROP);
	/* even a header-only QR=1 packet */
	assert_int_equal(parse_exact(p.b, WIRE_HDR_LEN, &q), WIRE_DROP);
}

static void test_query_notimp(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	/* NOTIFY (opcode 4) with a question: NOTIMP, question echoed */
	pb_hdr(&p, 5, 4 << 11, 1, 0, 0, 0);
	pb_question(&p, "Lab.Test", WIRE_TYPE_SOA, WIRE_CLASS_IN);
	assert_int_equal(parse_pb(&p, &q), WIRE_NOTIMP);
	assert_int_equal(q.opcode, 4);
	assert_true(q.has_question);
	assert_int_equal(q.qtype, WIRE_TYPE_SOA);
	assert_false(q.has_edns);
	/* with an answer record and an OPT: the OPT is found for the reply */
	pb_hdr(&p, 5, 4 << 11, 1, 1, 0, 1);
	pb_question(&p, "Lab.Test", WIRE_TYPE_SOA, WIRE_CLASS_IN);
	pb_u8(&p, 0xc0); pb_u8(&p, 12);
	pb_u16(&p, WIRE_TYPE_A); pb_u16(&p, 1); pb_u32(&p, 60); pb_u16(&p, 4); pb_u32(&p, 0);
	pb_opt(&p, 1400, 0, true, NULL, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_NOTIMP);
	assert_true(q.has_question);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_udp, 1400);
	/* UPDATE (5) with nonzero other counts is still NOTIMP */
	pb_hdr(&p, 5, 5 << 11, 1, 1, 1, 0);
	pb_question(&p, "Lab.Test", WIRE_TYPE_SOA, WIRE_CLASS_IN);
	assert_int_equal(parse_pb(&p, &q), WIRE_NOTIMP);
	/* STATUS (2) without a question */
	pb_hdr(&p, 5, 2 << 11, 0, 0, 0, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_NOTIMP);
	assert_false(q.has_question);
	/* IQUERY (1) with a malformed question */
	pb_hdr(&p, 5, 1 << 11, 1, 0, 0, 0);
	pb_u8(&p, 0xc0);
	pb_u8(&p, 12);
	assert_int_equal(parse_pb(&p, &q), WIRE_NOTIMP);
	assert_false(q.has_question);
}

static void test_query_formerr_counts(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	pb_hdr(&p, 1, 0, 0, 0, 0, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_false(q.has_question);
	assert_int_equal(q.id, 1);

	pb_hdr(&p, 1, 0, 0, 0, 0, 1);         /* QDCOUNT 0 with OPT (cookie-only) */
	pb_opt(&p, 1232, 0, false, NULL, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);

	pb_hdr(&p, 1, 0, 2, 0, 0, 0);
	pb_question(&p, "a", 1, 1);
	pb_question(&p, "b", 1, 1);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);

	/* ANCOUNT / NSCOUNT != 0: FORMERR, question still echoed */
	pb_hdr(&p, 1, 0, 1, 1, 0, 0);
	pb_question(&p, "a", 1, 1);
	pb_name(&p, "a");
	pb_u16(&p, 1); pb_u16(&p, 1); pb_u32(&p, 0); pb_u16(&p, 4); pb_u32(&p, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_true(q.has_question);
	pb_hdr(&p, 1, 0, 1, 0, 1, 0);
	pb_question(&p, "a", 1, 1);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_true(q.has_question);
}

static void test_query_formerr_names(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	/* label length 64 (0x40: reserved type) and 0x80 */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 64);
	for (int i = 0; i < 64; i++)
		pb_u8(&p, 'a');
	pb_u8(&p, 0);
	pb_u16(&p, 1); pb_u16(&p, 1);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_false(q.has_question);
	p.b[12] = 0x80 | 63;
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	/* 63 is fine */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_u8(&p, 63);
	for (int i = 0; i < 63; i++)
		pb_u8(&p, 'a');
	pb_u8(&p, 0);
	pb_u16(&p, 1); pb_u16(&p, 1);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);

	/* name of 255 octets is fine, 256 is not */
	for (int extra = 0; extra <= 1; extra++) {
		pb_hdr(&p, 1, 0, 1, 0, 0, 0);
		for (int l = 0; l < 3; l++) {
			pb_u8(&p, 63);
			for (int i = 0; i < 63; i++)
				pb_u8(&p, 'b');
		}
		pb_u8(&p, (uint8_t)(61 + extra));
		for (int i = 0; i < 61 + extra; i++)
			pb_u8(&p, 'c');
		pb_u8(&p, 0);
		pb_u16(&p, 1); pb_u16(&p, 1);
		assert_int_equal(parse_pb(&p, &q), extra ? WIRE_FORMERR : WIRE_OK);
		if (!extra)
			assert_int_equal(q.qname_len, 255);
	}
	/* many short labels beyond 255 */
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 130; i++)
		pb_bytes(&p, "\1a", 2);
	pb_u8(&p, 0);
	pb_u16(&p, 1); pb_u16(&p, 1);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);

	/* compression in the question name: pointer to the header, to
	 * itself, forward, and after a label */
	const uint8_t ptrs[][2] = { { 0xc0, 0x00 }, { 0xc0, 0x0c }, { 0xc0, 0x20 }, { 0xff, 0xff } };
	for (size_t i = 0; i < 4; i++) {
		pb_hdr(&p, 1, 0, 1, 0, 0, 0);
		pb_bytes(&p, ptrs[i], 2);
		pb_u16(&p, 1); pb_u16(&p, 1);
		for (int k = 0; k < 30; k++)
			pb_u8(&p, 0);
		assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	}
	pb_hdr(&p, 1, 0, 1, 0, 0, 0);
	pb_bytes(&p, "\3www\xc0\x0c", 6);
	pb_u16(&p, 1); pb_u16(&p, 1);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
}

static void test_query_formerr_truncated(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	/* every truncation of a query with an OPT carrying an option */
	uint8_t opt[6] = { 0, 8, 0, 2, 0, 1 };
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "www.example.com", 1, 1);
	pb_opt(&p, 1232, 0, false, opt, sizeof(opt));
	size_t full = p.n;
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	for (size_t l = WIRE_HDR_LEN; l < full; l++) {
		enum wire_verdict v = parse_exact(p.b, l, &q);
		assert_int_equal(v, WIRE_FORMERR);
		/* the question is known once its 4 fixed bytes are in */
		assert_int_equal(q.has_question, l >= WIRE_HDR_LEN + 17 + 4);
	}
	/* ARCOUNT says 2 but only one record present */
	p.b[11] = 2;
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	/* rdlength beyond the packet */
	make_query(&p, true, false);
	wire_put16(p.b + p.n - 2, 10);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
}

static void test_query_formerr_trailing(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	make_query(&p, false, false);
	pb_u8(&p, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_true(q.has_question);
	make_query(&p, true, false);
	pb_bytes(&p, "junk", 4);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_true(q.has_question);
}

static void test_query_formerr_opt(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	/* two OPT records */
	pb_hdr(&p, 1, 0, 1, 0, 0, 2);
	pb_question(&p, "a", 1, 1);
	pb_opt(&p, 1232, 0, false, NULL, 0);
	pb_opt(&p, 1232, 0, false, NULL, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_true(q.has_question);
	assert_true(q.has_edns);      /* RFC 6891 §7: FORMERR carries OPT */

	/* OPT owner not the root */
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "a", 1, 1);
	pb_name(&p, "a");
	pb_u16(&p, WIRE_TYPE_OPT); pb_u16(&p, 1232); pb_u32(&p, 0); pb_u16(&p, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	/* OPT owner compressed to the question name */
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "a", 1, 1);
	pb_u8(&p, 0xc0); pb_u8(&p, 12);
	pb_u16(&p, WIRE_TYPE_OPT); pb_u16(&p, 1232); pb_u32(&p, 0); pb_u16(&p, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);

	/* option TLV overrunning the rdata */
	uint8_t o1[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "a", 1, 1);
	pb_opt(&p, 1232, 0, true, o1, sizeof(o1));
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	assert_true(q.has_edns);
	assert_true(q.edns_do);
	assert_int_equal(q.opt_len, 0);
	/* the FORMERR answer to it carries an OPT */
	{
		struct wire_writer w;
		uint8_t out[512];
		q.pkt = p.b;
		wire_writer_begin(&w, out, wire_query_udp_limit(&q, 1232), &q, 0,
				  WIRE_RCODE_FORMERR, 1232);
		size_t len = wire_writer_finish(&w);
		ldns_pkt *lp = NULL;
		assert_int_equal(ldns_wire2pkt(&lp, out, len), LDNS_STATUS_OK);
		assert_true(ldns_pkt_edns(lp));
		assert_int_equal(ldns_pkt_get_rcode(lp), LDNS_RCODE_FORMERR);
		assert_int_equal(ldns_pkt_qdcount(lp), 1);
		ldns_pkt_free(lp);
	}
	/* partial option header */
	uint8_t o2[] = { 0, 10, 0 };
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "a", 1, 1);
	pb_opt(&p, 1232, 0, false, o2, sizeof(o2));
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	/* second option overruns */
	uint8_t o3[] = { 0, 10, 0, 0, 0, 12, 0, 4, 1 };
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "a", 1, 1);
	pb_opt(&p, 1232, 0, false, o3, sizeof(o3));
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);

	/* compression loop / forward pointer in an additional record owner */
	pb_hdr(&p, 1, 0, 1, 0, 0, 1);
	pb_question(&p, "a", 1, 1);
	size_t at = p.n;
	pb_u8(&p, 0xc0); pb_u8(&p, (uint8_t)at);
	pb_u16(&p, 250); pb_u16(&p, 255); pb_u32(&p, 0); pb_u16(&p, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	p.b[at + 1] = (uint8_t)(at + 4);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	p.b[at] = 0xc1;                       /* out of the packet */
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	p.b[at] = 0xc0;
	p.b[at + 1] = 12;                     /* backwards: fine */
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
}

static void test_query_badvers(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;

	pb_hdr(&p, 0x4242, WIRE_FLAG_RD, 1, 0, 0, 1);
	pb_question(&p, "www.example.com", 1, 1);
	pb_opt(&p, 1232, 1, true, NULL, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_BADVERS);
	assert_true(q.has_question);
	assert_true(q.has_edns);
	assert_int_equal(q.edns_version, 1);
	assert_true(q.edns_do);
	/* version 255 with garbage options: still BADVERS (options are
	 * defined per version) */
	uint8_t junk[] = { 0xff, 0xff, 0xff };
	pb_hdr(&p, 0x4242, 0, 1, 0, 0, 1);
	pb_question(&p, "www.example.com", 1, 1);
	pb_opt(&p, 1232, 255, false, junk, sizeof(junk));
	assert_int_equal(parse_pb(&p, &q), WIRE_BADVERS);
}

/* ---------------------------------------------------------------- writer */

struct rrbuf {
	uint8_t owner[WIRE_NAME_MAX];
	uint8_t rd[8192];
	size_t rdn;
	struct wire_rrset rs;
};

static void rr_init(struct rrbuf *r, const char *owner, uint16_t type, uint32_t ttl)
{
	name_of(owner, r->owner);
	r->rdn = 0;
	r->rs.owner = r->owner;
	r->rs.type = type;
	r->rs.rclass = WIRE_CLASS_IN;
	r->rs.ttl = ttl;
	r->rs.count = 0;
	r->rs.rdata = r->rd;
	r->rs.rdata_len = 0;
}

/* Adds one RR: prefix bytes, optional names, suffix bytes. */
static void rr_add(struct rrbuf *r, const void *pre, size_t npre, const char *n1,
		   const char *n2, const void *post, size_t npost)
{
	uint8_t tmp[WIRE_NAME_MAX];
	size_t len, start = r->rdn;
	r->rdn += 2;
	if (npre)
		memcpy(r->rd + r->rdn, pre, npre);
	r->rdn += npre;
	const char *names[2] = { n1, n2 };
	for (int i = 0; i < 2; i++) {
		if (!names[i])
			continue;
		assert_int_equal(wire_name_from_text(names[i], NULL, tmp, &len), CAIRN_OK);
		memcpy(r->rd + r->rdn, tmp, len);
		r->rdn += len;
	}
	if (npost)
		memcpy(r->rd + r->rdn, post, npost);
	r->rdn += npost;
	wire_put16(r->rd + start, (uint16_t)(r->rdn - start - 2));
	r->rs.count++;
	r->rs.rdata_len = (uint32_t)r->rdn;
}

static void rr_a(struct rrbuf *r, uint8_t last)
{
	uint8_t a[4] = { 192, 0, 2, last };
	rr_add(r, a, 4, NULL, NULL, NULL, 0);
}

static ldns_pkt *to_ldns(const uint8_t *buf, size_t len)
{
	ldns_pkt *pkt = NULL;
	assert_int_equal(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
	assert_non_null(pkt);
	return pkt;
}

static void assert_rr(ldns_rr *rr, const char *owner, ldns_rr_type type,
		      const char *rdata0)
{
	/* names compare case-insensitively: compression against the
	 * question gives them the query's case */
	char *s = ldns_rdf2str(ldns_rr_owner(rr));
	assert_int_equal(strcasecmp(s, owner), 0);
	free(s);
	assert_int_equal(ldns_rr_get_type(rr), type);
	if (rdata0) {
		char r[1024] = "";
		for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
			char *f = ldns_rdf2str(ldns_rr_rdf(rr, i));
			assert_non_null(f);
			if (i)
				strcat(r, " ");
			strncat(r, f, sizeof(r) - strlen(r) - 2);
			free(f);
		}
		if (strcasecmp(r, rdata0) != 0)
			assert_string_equal(r, rdata0);
	}
}

/* Walks the records of a response we wrote; calls back with each RR's
 * type and rdlength; checks every pointer is strictly backwards. */
static size_t walk_rrs(const uint8_t *b, size_t len, uint16_t *types, uint16_t *rdlens,
		       size_t max)
{
	size_t pos = WIRE_HDR_LEN, n = 0;
	uint8_t name[WIRE_NAME_MAX];
	size_t nl;
	unsigned total = wire_get16(b + 6) + wire_get16(b + 8) + wire_get16(b + 10);
	if (wire_get16(b + 4)) {
		assert_int_equal(wire_name_unpack(b, len, &pos, name, &nl, false), CAIRN_OK);
		pos += 4;
	}
	for (unsigned i = 0; i < total && n < max; i++) {
		assert_int_equal(wire_name_unpack(b, len, &pos, name, &nl, false), CAIRN_OK);
		types[n] = wire_get16(b + pos);
		rdlens[n] = wire_get16(b + pos + 8);
		pos += 10 + rdlens[n];
		n++;
	}
	assert_int_equal(pos, len);
	return n;
}

static void test_writer_compression(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	struct wire_writer w;
	static uint8_t out[65535];
	struct rrbuf ans, ns, glue, mx, soa, srv, unk;
	uint8_t ser[20] = { 0, 0, 0, 1 };

	make_query(&p, true, false);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	wire_writer_begin(&w, out, 1232, &q, WIRE_FLAG_AA, WIRE_RCODE_NOERROR, 1232);

	rr_init(&ans, "www.example.com.", WIRE_TYPE_A, 300);
	rr_a(&ans, 1);
	rr_a(&ans, 2);
	rr_init(&ns, "example.com.", WIRE_TYPE_NS, 3600);
	rr_add(&ns, NULL, 0, "ns1.example.com.", NULL, NULL, 0);
	rr_add(&ns, NULL, 0, "ns2.example.com.", NULL, NULL, 0);
	rr_init(&glue, "ns1.example.com.", WIRE_TYPE_A, 3600);
	rr_a(&glue, 53);
	rr_init(&mx, "example.com.", WIRE_TYPE_MX, 60);
	rr_add(&mx, "\0\12", 2, "mail.example.com.", NULL, NULL, 0);
	rr_init(&soa, "example.com.", WIRE_TYPE_SOA, 60);
	rr_add(&soa, NULL, 0, "ns1.example.com.", "hostmaster.example.com.", ser, 20);
	rr_init(&srv, "_sip._udp.example.com.", WIRE_TYPE_SRV, 60);
	rr_add(&srv, "\0\1\0\2\0\3", 6, "mail.example.com.", NULL, NULL, 0);
	rr_init(&unk, "example.com.", 65280, 60);
	rr_add(&unk, NULL, 0, "mail.example.com.", NULL, NULL, 0);

	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &ans.rs, NULL), CAIRN_OK);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &mx.rs, NULL), CAIRN_OK);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &srv.rs, NULL), CAIRN_OK);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &unk.rs, NULL), CAIRN_OK);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_AUTHORITY, &ns.rs, NULL), CAIRN_OK);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_AUTHORITY, &soa.rs, NULL), CAIRN_OK);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ADDITIONAL, &glue.rs, NULL), CAIRN_OK);
	size_t len = wire_writer_finish(&w);
	assert_false(w.tc);

	/* uncompressed size: header + question + each RR in full + OPT */
	size_t full = 12 + q.question_len + 11;
	const struct wire_rrset *all[] = { &ans.rs, &mx.rs, &srv.rs, &unk.rs, &ns.rs, &soa.rs, &glue.rs };
	for (size_t i = 0; i < 7; i++)
		full += all[i]->count * (wire_name_len(all[i]->owner) + 10) + all[i]->rdata_len;
	assert_true(len < full);
	assert_true(len + 100 < full);   /* owners and NS/MX/SOA names shrank */

	/* every record intact per ldns, question case preserved */
	ldns_pkt *pkt = to_ldns(out, len);
	assert_int_equal(ldns_pkt_id(pkt), 0x1234);
	assert_true(ldns_pkt_qr(pkt));
	assert_true(ldns_pkt_aa(pkt));
	assert_true(ldns_pkt_rd(pkt));
	assert_false(ldns_pkt_tc(pkt));
	assert_int_equal(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR);
	char *qs = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
	assert_string_equal(qs, "www.Example.COM.");
	free(qs);
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	assert_int_equal(ldns_rr_list_rr_count(an), 5);
	/* owner compressed against the question takes its case */
	char *os = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(an, 0)));
	assert_string_equal(os, "www.Example.COM.");
	free(os);
	assert_rr(ldns_rr_list_rr(an, 0), "www.Example.COM.", LDNS_RR_TYPE_A, "192.0.2.1");
	assert_rr(ldns_rr_list_rr(an, 1), "www.Example.COM.", LDNS_RR_TYPE_A, "192.0.2.2");
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(an, 0)), 300);
	assert_rr(ldns_rr_list_rr(an, 2), "Example.COM.", LDNS_RR_TYPE_MX, "10 mail.example.com.");
	assert_rr(ldns_rr_list_rr(an, 3), "_sip._udp.Example.COM.", LDNS_RR_TYPE_SRV,
		  "1 2 3 mail.example.com.");
	ldns_rr_list *au = ldns_pkt_authority(pkt);
	assert_int_equal(ldns_rr_list_rr_count(au), 3);
	assert_rr(ldns_rr_list_rr(au, 0), "Example.COM.", LDNS_RR_TYPE_NS, "ns1.example.com.");
	assert_rr(ldns_rr_list_rr(au, 1), "Example.COM.", LDNS_RR_TYPE_NS, "ns2.example.com.");
	assert_rr(ldns_rr_list_rr(au, 2), "Example.COM.", LDNS_RR_TYPE_SOA,
		  "ns1.example.com. hostmaster.example.com. 1 0 0 0 0");
	ldns_rr_list *ad = ldns_pkt_additional(pkt);
	assert_int_equal(ldns_rr_list_rr_count(ad), 1);
	assert_rr(ldns_rr_list_rr(ad, 0), "ns1.example.com.", LDNS_RR_TYPE_A, "192.0.2.53");
	assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
	ldns_pkt_free(pkt);

	/* rdlengths: SRV and the unknown type verbatim (RFC 3597 §4), NS
	 * "ns2.example.com" = label + pointer, ns1 glue owner = pointer */
	uint16_t types[16], rdl[16];
	size_t n = walk_rrs(out, len, types, rdl, 16);
	assert_int_equal(n, 10);
	assert_int_equal(types[3], WIRE_TYPE_SRV);
	assert_int_equal(rdl[3], 6 + 18);
	assert_int_equal(types[4], 65280);
	assert_int_equal(rdl[4], 18);
	assert_int_equal(types[2], WIRE_TYPE_MX);
	assert_int_equal(rdl[2], 2 + 5 + 2);    /* "mail" + pointer to example.com */
	assert_int_equal(types[5], WIRE_TYPE_NS);
	assert_int_equal(rdl[5], 4 + 2);        /* "ns1" + pointer */
	assert_int_equal(rdl[6], 4 + 2);        /* "ns2" + pointer */
	assert_int_equal(types[7], WIRE_TYPE_SOA);
	assert_int_equal(rdl[7], 2 + 11 + 2 + 20);  /* mname pointer, rname label+ptr */
	assert_int_equal(types[8], WIRE_TYPE_A);
	assert_int_equal(types[9], WIRE_TYPE_OPT);
}

static void test_writer_owner_override_and_ttl(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	struct wire_writer w;
	uint8_t out[512];
	struct rrbuf wc;

	pb_hdr(&p, 77, 0, 1, 0, 0, 0);
	pb_question(&p, "Foo.Lab.Test", WIRE_TYPE_A, WIRE_CLASS_IN);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	wire_writer_begin(&w, out, sizeof(out), &q, WIRE_FLAG_AA, WIRE_RCODE_NOERROR, 1232);
	rr_init(&wc, "*.lab.test.", WIRE_TYPE_A, 600);
	rr_a(&wc, 9);
	assert_int_equal(wire_writer_rrset_ttl(&w, WIRE_SEC_ANSWER, &wc.rs, q.qname, 42), CAIRN_OK);
	size_t len = wire_writer_finish(&w);
	/* header + question + one fully compressed A RR; no OPT */
	assert_int_equal(len, 12 + q.question_len + 2 + 10 + 4);
	ldns_pkt *pkt = to_ldns(out, len);
	ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), 0);
	assert_rr(rr, "Foo.Lab.Test.", LDNS_RR_TYPE_A, "192.0.2.9");
	assert_int_equal(ldns_rr_ttl(rr), 42);
	assert_int_equal(ldns_pkt_arcount(pkt), 0);
	assert_int_equal(ldns_pkt_id(pkt), 77);
	assert_false(ldns_pkt_rd(pkt));
	ldns_pkt_free(pkt);

	/* rcode after begin */
	wire_writer_begin(&w, out, sizeof(out), &q, 0, WIRE_RCODE_NOERROR, 1232);
	wire_writer_rcode(&w, WIRE_RCODE_NXDOMAIN);
	len = wire_writer_finish(&w);
	assert_int_equal(out[3] & 0xf, WIRE_RCODE_NXDOMAIN);
	assert_int_equal(len, 12 + q.question_len);
	/* malformed stored rdata is refused and rolled back */
	wire_writer_begin(&w, out, sizeof(out), &q, 0, WIRE_RCODE_NOERROR, 1232);
	wc.rs.rdata_len = 3;
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &wc.rs, NULL), CAIRN_EFORMAT);
	assert_int_equal(w.len, 12 + q.question_len);
	assert_int_equal(w.count[0], 0);
	assert_false(w.tc);
}

static void test_writer_truncation(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	struct wire_writer w;
	uint8_t out[512];
	struct rrbuf txt, small, big, add;
	uint8_t chunk[201];

	make_query(&p, false, false);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	size_t lim = wire_query_udp_limit(&q, 1232);
	assert_int_equal(lim, 512);
	wire_writer_begin(&w, out, lim, &q, WIRE_FLAG_AA, 0, 1232);
	size_t base = w.len;

	memset(chunk, 'x', sizeof(chunk));
	chunk[0] = 200;
	rr_init(&small, "www.example.com.", WIRE_TYPE_A, 1);
	rr_a(&small, 1);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &small.rs, NULL), CAIRN_OK);
	size_t after_small = w.len;
	unsigned ncomp = w.ncomp;
	assert_true(after_small > base);

	/* three TXT RRs of 201 bytes: does not fit 512 as a whole */
	rr_init(&txt, "text.example.com.", WIRE_TYPE_TXT, 1);
	for (int i = 0; i < 3; i++)
		rr_add(&txt, chunk, sizeof(chunk), NULL, NULL, NULL, 0);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &txt.rs, NULL), CAIRN_ELIMIT);
	assert_true(w.tc);
	assert_int_equal(w.len, after_small);       /* rolled back whole */
	assert_int_equal(w.ncomp, ncomp);
	assert_int_equal(w.count[0], 1);
	/* nothing more goes in, in any section */
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ADDITIONAL, &small.rs, NULL), CAIRN_ELIMIT);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_AUTHORITY, &small.rs, NULL), CAIRN_ELIMIT);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, after_small);
	ldns_pkt *pkt = to_ldns(out, len);
	assert_true(ldns_pkt_tc(pkt));
	assert_int_equal(ldns_pkt_ancount(pkt), 1);
	assert_int_equal(ldns_pkt_nscount(pkt), 0);
	assert_int_equal(ldns_pkt_arcount(pkt), 0);
	ldns_pkt_free(pkt);

	/* in the additional section a big RRset is just dropped */
	wire_writer_begin(&w, out, lim, &q, WIRE_FLAG_AA, 0, 1232);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &small.rs, NULL), CAIRN_OK);
	rr_init(&big, "big.example.com.", WIRE_TYPE_TXT, 1);
	for (int i = 0; i < 3; i++)
		rr_add(&big, chunk, sizeof(chunk), NULL, NULL, NULL, 0);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ADDITIONAL, &big.rs, NULL), CAIRN_ELIMIT);
	assert_false(w.tc);
	rr_init(&add, "ns.example.com.", WIRE_TYPE_A, 1);
	rr_a(&add, 2);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ADDITIONAL, &add.rs, NULL), CAIRN_OK);
	len = wire_writer_finish(&w);
	pkt = to_ldns(out, len);
	assert_false(ldns_pkt_tc(pkt));
	assert_int_equal(ldns_pkt_arcount(pkt), 1);
	ldns_pkt_free(pkt);

	/* fill exactly: an RRset ending at the limit fits; one byte more
	 * truncates (no EDNS, no reserve) */
	struct rrbuf fill;
	wire_writer_begin(&w, out, lim, &q, 0, 0, 1232);
	size_t room = lim - w.len - 2 - 10;         /* pointer owner + fixed */
	rr_init(&fill, "www.example.com.", 999, 1);
	uint8_t blob[512];
	memset(blob, 7, sizeof(blob));
	rr_add(&fill, blob, room, NULL, NULL, NULL, 0);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &fill.rs, NULL), CAIRN_OK);
	assert_int_equal(w.len, lim);
	wire_writer_begin(&w, out, lim, &q, 0, 0, 1232);
	rr_init(&fill, "www.example.com.", 999, 1);
	rr_add(&fill, blob, room + 1, NULL, NULL, NULL, 0);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_AUTHORITY, &fill.rs, NULL), CAIRN_ELIMIT);
	assert_true(w.tc);
	len = wire_writer_finish(&w);
	assert_int_equal(out[2] & 0x02, 0x02);
}

static void test_writer_opt_reserve_edns(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	struct wire_writer w;
	uint8_t out[1232];
	struct rrbuf fill;
	uint8_t blob[1232];

	memset(blob, 1, sizeof(blob));
	make_query(&p, true, true);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	/* client said 4096, we say 1232 */
	size_t lim = wire_query_udp_limit(&q, 1232);
	assert_int_equal(lim, 1232);
	wire_writer_begin(&w, out, lim, &q, WIRE_FLAG_AA, 0, 1232);
	wire_writer_ede(&w, 18, "prohibited");
	assert_int_equal(w.reserve, 11 + 4 + 2 + 10);
	/* an RRset that would use the OPT's room does not fit */
	size_t room = lim - w.len - w.reserve - 12;
	rr_init(&fill, "www.example.com.", 999, 1);
	rr_add(&fill, blob, room + 1, NULL, NULL, NULL, 0);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &fill.rs, NULL), CAIRN_ELIMIT);
	assert_true(w.tc);
	wire_writer_begin(&w, out, lim, &q, WIRE_FLAG_AA, 0, 1232);
	wire_writer_ede(&w, 18, "prohibited");
	rr_init(&fill, "www.example.com.", 999, 1);
	rr_add(&fill, blob, room, NULL, NULL, NULL, 0);
	assert_int_equal(wire_writer_rrset(&w, WIRE_SEC_ANSWER, &fill.rs, NULL), CAIRN_OK);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(len, lim);

	ldns_pkt *pkt = to_ldns(out, len);
	assert_false(ldns_pkt_tc(pkt));
	assert_true(ldns_pkt_edns(pkt));
	assert_true(ldns_pkt_edns_do(pkt));
	assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
	assert_int_equal(ldns_pkt_edns_version(pkt), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(pkt), 0);
	ldns_rdf *od = ldns_pkt_edns_data(pkt);
	assert_non_null(od);
	assert_int_equal(ldns_rdf_size(od), 4 + 2 + 10);
	const uint8_t *o = ldns_rdf_data(od);
	assert_int_equal(wire_get16(o), 15);            /* RFC 8914 EDE */
	assert_int_equal(wire_get16(o + 2), 12);
	assert_int_equal(wire_get16(o + 4), 18);
	assert_memory_equal(o + 6, "prohibited", 10);
	ldns_pkt_free(pkt);

	/* EDE without text, DO not set in the query: DO clear */
	make_query(&p, true, false);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	wire_writer_begin(&w, out, lim, &q, 0, WIRE_RCODE_SERVFAIL, 1232);
	wire_writer_ede(&w, 22, NULL);
	len = wire_writer_finish(&w);
	assert_int_equal(len, 12 + q.question_len + 11 + 6);
	const uint8_t *opt = out + 12 + q.question_len;
	assert_int_equal(opt[0], 0);
	assert_int_equal(wire_get16(opt + 1), WIRE_TYPE_OPT);
	assert_int_equal(wire_get16(opt + 3), 1232);
	assert_int_equal(wire_get32(opt + 5), 0);
	assert_int_equal(wire_get16(opt + 9), 6);
	assert_int_equal(wire_get16(opt + 11), 15);
	assert_int_equal(wire_get16(opt + 13), 2);
	assert_int_equal(wire_get16(opt + 15), 22);
	assert_int_equal(wire_get16(out + 10), 1);
	assert_int_equal(out[3] & 0xf, WIRE_RCODE_SERVFAIL);

	/* no EDNS in the query: no OPT even with EDE set */
	make_query(&p, false, false);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	wire_writer_begin(&w, out, 512, &q, 0, WIRE_RCODE_SERVFAIL, 1232);
	wire_writer_ede(&w, 22, "x");
	assert_int_equal(w.reserve, 0);
	len = wire_writer_finish(&w);
	assert_int_equal(len, 12 + q.question_len);
	assert_int_equal(wire_get16(out + 10), 0);
}

static void test_writer_badvers(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	struct wire_writer w;
	uint8_t out[512];

	pb_hdr(&p, 0x4242, WIRE_FLAG_RD, 1, 0, 0, 1);
	pb_question(&p, "WWW.example.com", 1, 1);
	pb_opt(&p, 1232, 1, true, NULL, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_BADVERS);
	q.pkt = p.b;
	/* RFC 6891 §6.1.3: BADVERS = 16: header rcode 0, OPT high bits 1 */
	wire_writer_begin(&w, out, 512, &q, 0, WIRE_RCODE_BADVERS, 1232);
	size_t len = wire_writer_finish(&w);
	assert_int_equal(out[3] & 0xf, 0);
	ldns_pkt *pkt = to_ldns(out, len);
	assert_int_equal(ldns_pkt_edns_extended_rcode(pkt), 1);
	assert_int_equal(ldns_pkt_edns_version(pkt), 0);
	assert_true(ldns_pkt_edns_do(pkt));
	assert_true(ldns_pkt_qr(pkt));
	assert_true(ldns_pkt_rd(pkt));
	assert_int_equal(ldns_pkt_qdcount(pkt), 1);
	char *qs = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
	assert_string_equal(qs, "WWW.example.com.");
	free(qs);
	ldns_pkt_free(pkt);
	/* via wire_writer_rcode as well */
	wire_writer_begin(&w, out, 512, &q, 0, 0, 1232);
	wire_writer_rcode(&w, WIRE_RCODE_BADVERS);
	len = wire_writer_finish(&w);
	assert_int_equal(out[3] & 0xf, 0);
	assert_int_equal(out[len - 11 + 5], 1);     /* OPT TTL high byte */

	/* FORMERR answer without a question echoes the header only */
	pb_hdr(&p, 9, WIRE_FLAG_RD, 0, 0, 0, 0);
	assert_int_equal(parse_pb(&p, &q), WIRE_FORMERR);
	wire_writer_begin(&w, out, 512, &q, 0, WIRE_RCODE_FORMERR, 1232);
	len = wire_writer_finish(&w);
	assert_int_equal(len, 12);
	assert_int_equal(wire_get16(out), 9);
	assert_int_equal(wire_get16(out + 2), WIRE_FLAG_QR | WIRE_FLAG_RD | WIRE_RCODE_FORMERR);
	assert_int_equal(wire_get16(out + 4), 0);
}

static void test_writer_big_tcp(void **state)
{
	(void)state;
	struct pb p;
	struct wire_query q;
	struct wire_writer w;
	static uint8_t out[65535];
	struct rrbuf r;
	char owner[64];

	make_query(&p, false, false);
	assert_int_equal(parse_pb(&p, &q), WIRE_OK);
	q.pkt = p.b;
	wire_writer_begin(&w, out, sizeof(out), &q, WIRE_FLAG_AA, 0, 1232);
	/* many distinct owners with NS targets: the message grows past
	 * 0x4000, where names can no longer be pointer targets */
	unsigned added = 0;
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(owner, sizeof(owner), "host%u.example.com.", i);
		rr_init(&r, owner, WIRE_TYPE_NS, 60);
		rr_add(&r, NULL, 0, owner, NULL, NULL, 0);
		char t2[80];
		snprintf(t2, sizeof(t2), "ns.host%u.example.com.", i);
		rr_add(&r, NULL, 0, t2, NULL, NULL, 0);
		if (wire_writer_rrset(&w, WIRE_SEC_ANSWER, &r.rs, NULL) != CAIRN_OK)
			break;
		added++;
	}
	assert_true(w.len > 0x4000);
	assert_true(w.ncomp <= WIRE_COMP_MAX);
	for (unsigned i = 0; i < w.ncomp; i++)
		assert_true(w.comp[i] < 0x4000);
	size_t len = wire_writer_finish(&w);
	ldns_pkt *pkt = to_ldns(out, len);
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	assert_int_equal(ldns_rr_list_rr_count(an), 2 * added);
	for (unsigned i = 0; i < added; i++) {
		char expect[80], expect2[80];
		snprintf(expect, sizeof(expect), "host%u.example.com.", i);
		snprintf(expect2, sizeof(expect2), "ns.host%u.example.com.", i);
		assert_rr(ldns_rr_list_rr(an, 2 * i), expect, LDNS_RR_TYPE_NS, expect);
		assert_rr(ldns_rr_list_rr(an, 2 * i + 1), expect, LDNS_RR_TYPE_NS, expect2);
	}
	ldns_pkt_free(pkt);
	uint16_t types[4096], rdl[4096];
	walk_rrs(out, len, types, rdl, 4096);
}

/* ---------------------------------------------------------------- fuzz */

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic for a given seed */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void test_fuzz_parse(void **state)
{
	(void)state;
	struct pb seeds[5];
	uint8_t pkt[1024];
	static uint8_t out[65535];
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	unsigned counts[5] = { 0 };

	make_query(&seeds[0], false, false);
	make_query(&seeds[1], true, true);
	/* question + OPT with options + compressed TSIG-like record */
	uint8_t opt[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	pb_hdr(&seeds[2], 3, 0, 1, 0, 0, 2);
	pb_question(&seeds[2], "a.Example.com", WIRE_TYPE_TXT, WIRE_CLASS_IN);
	pb_opt(&seeds[2], 1232, 0, false, opt, sizeof(opt));
	pb_u8(&seeds[2], 0xc0); pb_u8(&seeds[2], 14);
	pb_u16(&seeds[2], 250); pb_u16(&seeds[2], 255); pb_u32(&seeds[2], 0);
	pb_u16(&seeds[2], 4); pb_u32(&seeds[2], 0x01020304);
	/* an answer-like packet with compression everywhere */
	pb_hdr(&seeds[3], 4, 0, 1, 1, 1, 1);
	pb_question(&seeds[3], "x.y", 1, 1);
	pb_u8(&seeds[3], 0xc0); pb_u8(&seeds[3], 12);
	pb_u16(&seeds[3], 1); pb_u16(&seeds[3], 1); pb_u32(&seeds[3], 1); pb_u16(&seeds[3], 4);
	pb_u32(&seeds[3], 0);
	pb_bytes(&seeds[3], "\1z\xc0\x0e", 4);
	pb_u16(&seeds[3], 2); pb_u16(&seeds[3], 1); pb_u32(&seeds[3], 1); pb_u16(&seeds[3], 2);
	pb_bytes(&seeds[3], "\xc0\x0c", 2);
	pb_opt(&seeds[3], 512, 0, false, NULL, 0);
	/* a long name */
	pb_hdr(&seeds[4], 5, 0, 1, 0, 0, 1);
	for (int i = 0; i < 4; i++) {
		pb_u8(&seeds[4], 60);
		for (int j = 0; j < 60; j++)
			pb_u8(&seeds[4], (uint8_t)('A' + j % 26));
	}
	pb_u8(&seeds[4], 0);
	pb_u16(&seeds[4], 1); pb_u16(&seeds[4], 1);
	pb_opt(&seeds[4], 1232, 0, true, NULL, 0);

	for (unsigned iter = 0; iter < 200000; iter++) {
		uint64_t r = rng_next(&s);
		size_t len;
		if (r % 8 == 0) {
			/* purely random bytes, random length */
			len = (size_t)(rng_next(&s) % 300);
			for (size_t i = 0; i < len; i++)
				pkt[i] = (uint8_t)rng_next(&s);
			if (len >= 3 && (r & 0x100))
				pkt[2] &= 0x07;         /* mostly QR=0, opcode 0 */
		} else {
			const struct pb *sd = &seeds[(r >> 8) % 5];
			memcpy(pkt, sd->b, sd->n);
			len = sd->n;
			unsigned muts = 1 + (unsigned)((r >> 16) % 6);
			for (unsigned m = 0; m < muts; m++) {
				uint64_t x = rng_next(&s);
				size_t at = len ? (size_t)((x >> 8) % len) : 0;
				switch (x % 6) {
				case 0: /* random byte */
					if (len) pkt[at] = (uint8_t)(x >> 32);
					break;
				case 1: /* bit flip */
					if (len) pkt[at] ^= (uint8_t)(1u << ((x >> 32) % 8));
					break;
				case 2: /* truncate */
					len = at;
					break;
				case 3: /* append random bytes */
					for (unsigned k = 0; k < (x >> 40) % 16 && len < sizeof(pkt); k++)
						pkt[len++] = (uint8_t)rng_next(&s);
					break;
				case 4: /* interesting values: pointers, big lengths */
					if (len) {
						static const uint8_t iv[] = { 0xc0, 0xff, 0x3f, 0x40, 0x80, 0, 1, 63, 64 };
						pkt[at] = iv[(x >> 32) % sizeof(iv)];
					}
					break;
				case 5: /* counts */
					if (len >= 12)
						pkt[4 + ((x >> 32) % 8)] = (uint8_t)((x >> 40) % 4);
					break;
				}
			}
		}
		struct wire_query q;
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, pkt, len);
		enum wire_verdict v = wire_query_parse(copy, len, &q);
		assert_true(v <= WIRE_BADVERS);
		counts[v]++;
		if (v == WIRE_DROP) {
			free(copy);
			continue;
		}
		assert_true(len >= WIRE_HDR_LEN);
		if (q.has_question) {
			assert_true(q.question_len >= 5);
			assert_true(WIRE_HDR_LEN + q.question_len <= len);
			assert_true(q.qname_len <= WIRE_NAME_MAX);
			assert_int_equal(wire_name_len(q.qname), q.qname_len);
			assert_int_equal(q.qname_hash, wire_name_hash(q.qname, q.qname_len));
			for (size_t i = 0; i < q.qname_len; i++)
				assert_false(q.qname[i] >= 'A' && q.qname[i] <= 'Z');
		}
		if (v == WIRE_OK)
			assert_true(q.has_question);
		/* the answer path: begin (echo question) and finish */
		struct wire_writer w;
		unsigned rc = v == WIRE_FORMERR ? WIRE_RCODE_FORMERR :
			      v == WIRE_NOTIMP ? WIRE_RCODE_NOTIMP :
			      v == WIRE_BADVERS ? WIRE_RCODE_BADVERS : WIRE_RCODE_NOERROR;
		wire_writer_begin(&w, out, wire_query_udp_limit(&q, 1232), &q, 0, rc, 1232);
		size_t olen = wire_writer_finish(&w);
		assert_true(olen <= wire_query_udp_limit(&q, 1232));
		if (q.has_question)
			assert_memory_equal(out + 12, copy + 12, q.question_len);
		free(copy);
	}
	/* the loop reached every verdict */
	for (int i = 0; i < 5; i++)
		assert_true(counts[i] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_from_to_text),
		cmocka_unit_test(test_name_from_text_errors),
		cmocka_unit_test(test_name_compare_order),
		cmocka_unit_test(test_name_misc),
		cmocka_unit_test(test_name_unpack),
		cmocka_unit_test(test_query_good),
		cmocka_unit_test(test_query_drop),
		cmocka_unit_test(test_query_notimp),
		cmocka_unit_test(test_query_formerr_counts),
		cmocka_unit_test(test_query_formerr_names),
		cmocka_unit_test(test_query_formerr_truncated),
		cmocka_unit_test(test_query_formerr_trailing),
		cmocka_unit_test(test_query_formerr_opt),
		cmocka_unit_test(test_query_badvers),
		cmocka_unit_test(test_writer_compression),
		cmocka_unit_test(test_writer_owner_override_and_ttl),
		cmocka_unit_test(test_writer_truncation),
		cmocka_unit_test(test_writer_opt_reserve_edns),
		cmocka_unit_test(test_writer_badvers),
		cmocka_unit_test(test_writer_big_tcp),
		cmocka_unit_test(test_fuzz_parse),
		cmocka_unit_test(test_query_qname_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
