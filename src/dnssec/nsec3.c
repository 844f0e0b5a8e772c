/* dnssec/nsec3.c: the NSEC3 owner-name hash (RFC 5155 §5: iterated SHA-1
 * over the canonical name and the salt) and the Base32hex codec of hashed
 * owner labels (RFC 4648 §7), used by the validator's denial proofs and by
 * src/zone's signed answers. SHA-1 (FIPS 180-4) is implemented here so that
 * hashing a query name on the answer path allocates nothing. */
#include "cairn/dnssec.h"

#include <string.h>

struct sha1 {
	uint32_t h[5];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

static uint32_t rol(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;

	for (unsigned i = 0; i < 16; i++)
		w[i] = wire_get32(p + 4 * i);
	for (unsigned i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3]; e = s->h[4];
	for (unsigned i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d; d = c; c = rol(b, 30); b = a; a = t;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

static void sha1_init(struct sha1 *s)
{
	static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
					0x10325476, 0xc3d2e1f0 };
	memcpy(s->h, iv, sizeof iv);
	s->bytes = 0;
	s->fill = 0;
}

static void sha1_update(struct sha1 *s, const uint8_t *p, size_t n)
{
	s->bytes += n;
	while (n > 0) {
		size_t take = 64 - s->fill < n ? 64 - s->fill : n;
		memcpy(s->block + s->fill, p, take);
		s->fill += take;
		p += take;
		n -= take;
		if (s->fill == 64) {
			sha1_block(s, s->block);
			s->fill = 0;
		}
	}
}

static void sha1_final(struct sha1 *s, uint8_t out[DSEC_NSEC3_HASH_LEN])
{
	uint8_t pad[72] = { 0x80 };
	uint64_t bits = s->bytes * 8;
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	uint8_t len[8];

	for (unsigned i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(s, pad, padlen);
	sha1_update(s, len, 8);
	for (unsigned i = 0; i < 5; i++)
		wire_put32(out + 4 * i, s->h[i]);
}

void dsec_sha1(const uint8_t *p, size_t n, uint8_t out[DSEC_NSEC3_HASH_LEN])
{
	struct sha1 s;
	sha1_init(&s);
	sha1_update(&s, p, n);
	sha1_final(&s, out);
}

void dsec_nsec3_hash(const uint8_t *name, size_t len, uint16_t iterations,
		     const uint8_t *salt, size_t saltlen, uint8_t out[DSEC_NSEC3_HASH_LEN])
{
	struct sha1 s;

	/* RFC 5155 §5: IH(salt, x, 0) = H(x || salt), IH(salt, x, k) =
	 * H(IH(salt, x, k-1) || salt); x is the canonical (lowercase,
	 * RFC 4034 §6.2) wire name, which our keys already are. */
	sha1_init(&s);
	sha1_update(&s, name, len);
	sha1_update(&s, salt, saltlen);
	sha1_final(&s, out);
	for (uint16_t i = 0; i < iterations; i++) {
		sha1_init(&s);
		sha1_update(&s, out, DSEC_NSEC3_HASH_LEN);
		sha1_update(&s, salt, saltlen);
		sha1_final(&s, out);
	}
}

static int b32hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

size_t dsec_b32hex_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	/* RFC 4648 §7 without padding, as in NSEC3 owner labels (RFC 5155 §3.3) */
	for (size_t i = 0; i < n; i++) {
		int v = b32hex_value(in[i]);
		if (v < 0)
			return 0;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (o == cap)
				return 0;
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? o : 0;      /* leftover bits must be zero */
}
