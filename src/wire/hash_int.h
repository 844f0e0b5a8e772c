/* wire/hash_int.h: the name hash's steps (wire_name_hash), shared with the
 * query parser, which hashes the question name as it copies it. */
#ifndef CAIRN_WIRE_HASH_INT_H
#define CAIRN_WIRE_HASH_INT_H

#include <stddef.h>
#include <stdint.h>

/* Eight bytes with 'A'..'Z' (0x41..0x5a) made lowercase, all at once:
 * per byte (no carry crosses bytes), ge_a gets its top bit when the low
 * seven bits are >= 0x41, gt_z when >= 0x5b, and bytes >= 0x80 stay.
 * A label length (at most 63) is never changed. */
static inline uint64_t lower8(uint64_t x)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full, top = 0x8080808080808080ull;
	uint64_t h = x & low7;
	uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3full;
	uint64_t gt_z = h + 0x2525252525252525ull;

	return x | ((ge_a & ~gt_z & ~x & top) >> 2);
}

/* The hash of a name of len bytes: name_hash_init(len), then
 * name_hash_step for each whole 8 bytes (lowercased, as loaded from
 * memory) and name_hash_tail for the last 1..7 (in a register, upper
 * bytes zero), then name_hash_final: eight bytes per step, then a
 * murmur3-style finaliser so that the low bits the tables use depend on
 * every byte. */
static inline uint64_t name_hash_init(size_t len)
{
	return 0x9e3779b97f4a7c15ull ^ len;
}

static inline uint64_t name_hash_step(uint64_t h, uint64_t lowered)
{
	h = (h ^ lowered) * 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static inline uint64_t name_hash_tail(uint64_t h, uint64_t lowered)
{
	return (h ^ lowered) * 0xff51afd7ed558ccdull;
}

static inline uint32_t name_hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* The last n (1..7) of the 8 bytes w holds as loaded from memory, as the
 * low bytes of a register: what name_hash_tail takes. */
static inline uint64_t tail_of(uint64_t w, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return w >> (8 * (8 - n));
#else
	return w << (8 * (8 - n));
#endif
}

#endif
