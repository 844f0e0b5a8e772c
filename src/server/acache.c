/* acache: a worker's answer cache (acache.h). */
#include "acache.h"
#include "cairn/common.h"

#include <stdlib.h>
#include <string.h>

#define BIT_EDNS    1u
#define BIT_DO      2u
#define BIT_RECURSE 4u

struct entry {
	uint64_t zones_gen;
	const uint8_t *wild;      /* ACACHE_ZONE: the answer's wildcard, or NULL */
	uint32_t hash;
	uint32_t cache_gen;
	uint32_t wgen;            /* the acache's generation when kept */
	uint32_t born, until;     /* ACACHE_CACHE: built at, kept before (s) */
	uint16_t qtype, qclass, flags, limit;
	uint16_t len;             /* response bytes; 0: free */
	uint16_t cookie_off;      /* where the response's cookie data starts */
	uint8_t qname_len, cookie_len, kind, nttl;
	uint8_t bits;             /* BIT_* */
	uint8_t used;             /* read since the last eviction pass */
	/* the lowercase qname, the response, then (ACACHE_CACHE) where its
	 * TTLs are: nttl 16-bit offsets */
	uint8_t data[];
};

#define DATA_MAX (ACACHE_SLOT - sizeof(struct entry))
#define PREFETCH_LINES 4          /* of a slot: most answers fit in 256 bytes */
_Static_assert(sizeof(struct entry) <= 64, "an entry's header fits a cache line");

struct acache {
	uint32_t *tags;           /* per slot: tag_of() of its entry, 0: free */
	uint8_t *slots;
	size_t size;              /* bytes of slots, as cairn_table_alloc gave them */
	uint32_t smask;           /* sets - 1 */
	uint32_t wgen;
};

struct acache *acache_new(size_t entries)
{
	struct acache *ac;
	size_t n = ACACHE_WAYS;

	if (entries == 0)
		return NULL;
	while (n < entries && n < ((size_t)1 << 24))
		n <<= 1;
	ac = calloc(1, sizeof(*ac));
	if (!ac)
		return NULL;
	ac->slots = cairn_table_alloc(n * ACACHE_SLOT, &ac->size);
	if (posix_memalign((void **)&ac->tags, 64, n * sizeof(*ac->tags)) != 0)
		ac->tags = NULL;
	if (!ac->slots || !ac->tags) {
		acache_free(ac);
		return NULL;
	}
	memset(ac->tags, 0, n * sizeof(*ac->tags));
	ac->smask = (uint32_t)(n / ACACHE_WAYS - 1);
	ac->wgen = 1;             /* a zeroed slot belongs to none */
	return ac;
}

void acache_free(struct acache *ac)
{
	if (!ac)
		return;
	if (ac->slots)
		cairn_table_free(ac->slots, ac->size);
	free(ac->tags);
	free(ac);
}

void acache_clear(struct acache *ac)
{
	if (ac && ++ac->wgen == 0)
		ac->wgen = 1;
}

/* A set holds the entries of names hashing alike (mix_of). A slot's tag
 * is 24 bits of that and 8 of the rest of its key, so that the variants
 * of one question (DO or not, another UDP limit...) tell apart. */
static inline uint32_t mix_of(uint32_t hash, uint16_t qtype)
{
	uint32_t m = hash ^ ((uint32_t)qtype * 0x9e3779b1u);

	return m ^ (m >> 15);
}

static inline uint8_t bits_of(const struct acache_key *k)
{
	return (uint8_t)((k->q->has_edns ? BIT_EDNS : 0) |
			 (k->q->has_edns && k->q->edns_do ? BIT_DO : 0) |
			 (k->recurse ? BIT_RECURSE : 0));
}

static inline uint8_t cookie_len_of(const struct wire_query *q)
{
	return q->has_edns ? q->resp_cookie_len : 0;
}

static inline uint32_t tag_of(const struct acache_key *k)
{
	uint32_t x = ((uint32_t)k->q->flags | (uint32_t)k->limit << 16) ^
		     ((uint32_t)bits_of(k) << 5) ^ cookie_len_of(k->q);
	uint32_t t = (mix_of(k->hash, k->q->qtype) & ~0xffu) | ((x * 0x9e3779b1u) >> 24);

	return t ? t : 0x100;
}

/* The first slot of the set of mix (or of a tag: the same bits). */
static inline size_t set_of(const struct acache *ac, uint32_t mix)
{
	return (size_t)((mix >> 8) & ac->smask) * ACACHE_WAYS;
}

static inline struct entry *slot(const struct acache *ac, size_t i)
{
	return (struct entry *)(ac->slots + i * ACACHE_SLOT);
}

void acache_prefetch(const struct acache *ac, uint32_t hash, uint16_t qtype)
{
	__builtin_prefetch(&ac->tags[set_of(ac, mix_of(hash, qtype))]);
}

/* The slot of tag in its set, or -1. */
static inline long find(const struct acache *ac, uint32_t tag)
{
	size_t s = set_of(ac, tag);

	for (size_t i = s; i < s + ACACHE_WAYS; i++)
		if (ac->tags[i] == tag)
			return (long)i;
	return -1;
}

bool acache_likely(const struct acache *ac, uint32_t hash, uint16_t qtype)
{
	uint32_t m = mix_of(hash, qtype);
	size_t s = set_of(ac, m);

	for (size_t i = s; i < s + ACACHE_WAYS; i++)
		if (ac->tags[i] && (ac->tags[i] ^ m) <= 0xff) {
			for (unsigned l = 0; l < PREFETCH_LINES; l++)
				__builtin_prefetch((uint8_t *)slot(ac, i) + 64 * l);
			return true;
		}
	return false;
}

static inline bool live(const struct acache *ac, const struct entry *e,
			const struct acache_state *st)
{
	return e->len && e->wgen == ac->wgen && e->zones_gen == st->zones_gen &&
	       e->cache_gen == st->cache_gen;
}

/* a == b for n bytes, a word at a time (names are short: no call) */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y, d = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < n; i++)
		d |= (uint64_t)(a[i] ^ b[i]);
	return d == 0;
}

static bool matches(const struct acache *ac, const struct entry *e, const struct acache_key *k,
		    const struct acache_state *st)
{
	const struct wire_query *q = k->q;

	return live(ac, e, st) && e->hash == k->hash && e->qtype == q->qtype &&
	       e->qclass == q->qclass && e->flags == q->flags && e->limit == k->limit &&
	       e->qname_len == q->qname_len && e->bits == bits_of(k) &&
	       e->cookie_len == cookie_len_of(q) && same_bytes(e->data, q->qname, q->qname_len);
}

size_t acache_get(struct acache *ac, const struct acache_key *k,
		  const struct acache_state *st, uint8_t *out, size_t cap,
		  struct acache_hit *hit)
{
	const struct wire_query *q = k->q;
	long i = find(ac, tag_of(k));
	struct entry *e;

	if (i < 0)
		return 0;
	e = slot(ac, (size_t)i);
	if (!matches(ac, e, k, st) || e->len > cap)
		return 0;
	if (e->kind == ACACHE_CACHE && (st->now >= e->until || st->now < e->born)) {
		ac->tags[i] = 0;
		return 0;
	}
	memcpy(out, e->data + e->qname_len, e->len);
	/* this query's ID and question as sent (the name is the same but
	 * for case), its cookie, and TTLs aged by the seconds since */
	wire_put16(out, q->id);
	memcpy(out + WIRE_HDR_LEN, q->pkt + WIRE_HDR_LEN, q->question_len);
	if (e->cookie_len)
		memcpy(out + e->cookie_off, q->resp_cookie, e->cookie_len);
	if (e->kind == ACACHE_CACHE && st->now != e->born) {
		const uint8_t *offs = e->data + e->qname_len + e->len;

		for (unsigned j = 0; j < e->nttl; j++) {
			uint8_t *t = out + wire_get16(offs + 2 * j);

			wire_put32(t, wire_get32(t) - (st->now - e->born));
		}
	}
	if (!e->used)
		e->used = 1;
	hit->kind = (enum acache_kind)e->kind;
	hit->wild = e->wild;
	return e->len;
}

/* Moves *pos past the (possibly compressed) name at resp+*pos. */
static bool skip_name(const uint8_t *resp, size_t len, size_t *pos)
{
	size_t i = *pos;

	while (i < len) {
		uint8_t c = resp[i];

		if (c == 0) {
			*pos = i + 1;
			return true;
		}
		if ((c & 0xc0) == 0xc0) {
			*pos = i + 2;
			return i + 2 <= len;
		}
		if (c & 0xc0)
			return false;
		i += c + 1u;
	}
	return false;
}

/* Reads the records of resp into e: where the TTLs are (kind
 * ACACHE_CACHE: into offs, the smallest in *min_ttl) and where the cookie
 * is. */
static bool walk(struct entry *e, const uint8_t *resp, size_t len, size_t question_len,
		 uint8_t *offs, uint32_t *min_ttl)
{
	size_t pos = WIRE_HDR_LEN + question_len;
	unsigned n = (unsigned)wire_get16(resp + 6) + wire_get16(resp + 8) + wire_get16(resp + 10);

	*min_ttl = UINT32_MAX;
	for (unsigned r = 0; r < n; r++) {
		uint16_t type;

		if (!skip_name(resp, len, &pos) || pos + 10 > len)
			return false;
		type = wire_get16(resp + pos);
		if (type == WIRE_TYPE_OPT) {
			/* RFC 7873 §4: ours is the first option (wire_writer_finish) */
			if (e->cookie_len && pos + 14 + e->cookie_len <= len &&
			    wire_get16(resp + pos + 10) == WIRE_OPT_COOKIE &&
			    wire_get16(resp + pos + 12) == e->cookie_len)
				e->cookie_off = (uint16_t)(pos + 14);
		} else if (e->kind == ACACHE_CACHE) {
			uint32_t ttl = wire_get32(resp + pos + 4);

			if (e->nttl == ACACHE_TTLS)
				return false;
			wire_put16(offs + 2 * e->nttl++, (uint16_t)(pos + 4));
			if (ttl < *min_ttl)
				*min_ttl = ttl;
		}
		pos += 10u + wire_get16(resp + pos + 8);
	}
	return pos == len && (!e->cookie_len || e->cookie_off);
}

/* Where a new entry of tag goes: its own slot if it has one (a newer
 * answer to the same question), a free or dead one, else the first not
 * read since the last pass (CLOCK, as the cache's; none: a new pass). */
static size_t victim(struct acache *ac, uint32_t tag, const struct acache_state *st)
{
	size_t s = set_of(ac, tag);
	long i = find(ac, tag);

	if (i >= 0)
		return (size_t)i;
	for (size_t j = s; j < s + ACACHE_WAYS; j++)
		if (!ac->tags[j] || !live(ac, slot(ac, j), st))
			return j;
	for (int pass = 0; pass < 2; pass++)
		for (size_t j = s; j < s + ACACHE_WAYS; j++) {
			if (!slot(ac, j)->used)
				return j;
			if (pass == 0)
				slot(ac, j)->used = 0;
		}
	return s;
}

bool acache_put(struct acache *ac, const struct acache_key *k,
		const struct acache_state *st, enum acache_kind kind,
		const uint8_t *resp, size_t len, const uint8_t *wild)
{
	const struct wire_query *q = k->q;
	uint32_t tag = tag_of(k), min_ttl;
	uint8_t offs[2 * ACACHE_TTLS];
	size_t i;
	struct entry *e;

	if (!q->has_question || len < WIRE_HDR_LEN || len > DATA_MAX - q->qname_len ||
	    (resp[2] & (WIRE_FLAG_TC >> 8)) || wire_get16(resp + 4) != 1 ||
	    WIRE_HDR_LEN + q->question_len > len)
		return false;
	i = victim(ac, tag, st);
	e = slot(ac, i);
	ac->tags[i] = 0;
	e->kind = (uint8_t)kind;
	e->cookie_len = cookie_len_of(q);
	e->cookie_off = 0;
	e->nttl = 0;
	if (!walk(e, resp, len, q->question_len, offs, &min_ttl) ||
	    q->qname_len + len + 2u * e->nttl > DATA_MAX)
		return false;
	if (kind == ACACHE_CACHE) {
		/* half the smallest TTL (acache.h); nothing to age: not kept */
		if (min_ttl == UINT32_MAX || min_ttl < 2)
			return false;
		e->born = st->now;
		e->until = st->now + min_ttl / 2;
	}
	e->zones_gen = st->zones_gen;
	e->cache_gen = st->cache_gen;
	e->wgen = ac->wgen;
	e->wild = wild;
	e->hash = k->hash;
	e->qtype = q->qtype;
	e->qclass = q->qclass;
	e->flags = q->flags;
	e->limit = k->limit;
	e->qname_len = (uint8_t)q->qname_len;
	e->bits = bits_of(k);
	e->used = 0;
	memcpy(e->data, q->qname, q->qname_len);
	memcpy(e->data + q->qname_len, resp, len);
	memcpy(e->data + q->qname_len + len, offs, 2u * e->nttl);
	e->len = (uint16_t)len;
	ac->tags[i] = tag;
	return true;
}
