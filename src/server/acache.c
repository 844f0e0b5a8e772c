/* acache: a worker's answer cache (acache.h). */
#include "acache.h"
#include "cairn/common.h"

#include <stdlib.h>
#include <string.h>

#define BIT_EDNS    1u
#define BIT_DO      2u
#define BIT_RECURSE 4u

/* An entry in the ring, 8-byte aligned. */
struct entry {
	uint64_t zones_gen;
	const uint8_t *wild;      /* ACACHE_ZONE: the answer's wildcard, or NULL */
	/* its tag and ring position, as the index has them: an index
	 * slot that outlived its entry reads someone else's bytes */
	uint32_t tag;
	uint32_t at;
	uint32_t hash;
	uint32_t cache_gen;
	uint32_t wgen;            /* the acache's generation when kept */
	uint32_t born, until;     /* ACACHE_CACHE: built at, kept before (s) */
	uint16_t qtype, qclass, flags, limit;
	uint16_t len;             /* response bytes */
	uint16_t cookie_off;      /* where the response's cookie data starts */
	uint8_t qname_len, cookie_len, kind, nttl;
	uint8_t bits;             /* BIT_* */
	/* the lowercase qname, the response, then (ACACHE_CACHE) where its
	 * TTLs are: nttl 16-bit offsets */
	uint8_t data[];
};

#define DATA_MAX (ACACHE_ENTRY_MAX - sizeof(struct entry))
#define UNIT 8                    /* ring positions count 8-byte units */
#define PREFETCH_LINES 3          /* of an entry: most answers fit in 192 bytes */
_Static_assert(sizeof(struct entry) <= 64 && sizeof(struct entry) % UNIT == 0,
	       "an entry's header fits a cache line");

/* One cache line: a set's tags and where their entries are. */
struct set {
	uint32_t tag[ACACHE_WAYS];   /* tag_of() of the entry, 0: free */
	uint32_t at[ACACHE_WAYS];    /* its ring position (UNIT units) */
};
_Static_assert(sizeof(struct set) == 64, "a set is a cache line");

struct acache {
	struct set *sets;
	uint8_t *ring;            /* entries, written in turn, the oldest overwritten */
	size_t size;              /* bytes of ring, as cairn_table_alloc gave them */
	uint32_t ring_units;      /* ring bytes / UNIT, a power of two */
	uint32_t head;            /* the next write position (units, wraps) */
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
	ac->ring = cairn_table_alloc(n * ACACHE_ENTRY_AVG, &ac->size);
	if (posix_memalign((void **)&ac->sets, 64, n / ACACHE_WAYS * sizeof(struct set)) != 0)
		ac->sets = NULL;
	if (!ac->ring || !ac->sets) {
		acache_free(ac);
		return NULL;
	}
	memset(ac->sets, 0, n / ACACHE_WAYS * sizeof(struct set));
	ac->ring_units = (uint32_t)(n * ACACHE_ENTRY_AVG / UNIT);
	ac->smask = (uint32_t)(n / ACACHE_WAYS - 1);
	ac->wgen = 1;
	return ac;
}

void acache_free(struct acache *ac)
{
	if (!ac)
		return;
	if (ac->ring)
		cairn_table_free(ac->ring, ac->size);
	free(ac->sets);
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
	uint32_t t = (mix_of(k->q->qname_hash, k->q->qtype) & ~0xffu) | ((x * 0x9e3779b1u) >> 24);

	return t ? t : 0x100;
}

/* The set of mix (or of a tag: the same bits). */
static inline struct set *set_of(const struct acache *ac, uint32_t mix)
{
	return &ac->sets[(mix >> 8) & ac->smask];
}

/* The entry at ring position at, when nothing has been written over it
 * since (the ring's oldest bytes go first); NULL otherwise. */
static inline struct entry *entry_at(const struct acache *ac, uint32_t at)
{
	if ((uint32_t)(ac->head - at) > ac->ring_units)
		return NULL;
	return (struct entry *)(ac->ring + (size_t)(at & (ac->ring_units - 1)) * UNIT);
}

CAIRN_HOT void acache_prefetch(const struct acache *ac, uint32_t hash, uint16_t qtype)
{
	__builtin_prefetch(set_of(ac, mix_of(hash, qtype)));
}

/* The entry of tag, still in the ring, or NULL. */
static inline struct entry *find(const struct acache *ac, uint32_t tag)
{
	const struct set *s = set_of(ac, tag);

	for (unsigned i = 0; i < ACACHE_WAYS; i++)
		if (s->tag[i] == tag)
			return entry_at(ac, s->at[i]);
	return NULL;
}

CAIRN_HOT bool acache_likely(const struct acache *ac, uint32_t hash, uint16_t qtype)
{
	uint32_t m = mix_of(hash, qtype);
	const struct set *s = set_of(ac, m);
	const uint8_t *e;

	for (unsigned i = 0; i < ACACHE_WAYS; i++)
		if (s->tag[i] && (s->tag[i] ^ m) <= 0xff && (e = (uint8_t *)entry_at(ac, s->at[i]))) {
			for (unsigned l = 0; l < PREFETCH_LINES; l++)
				__builtin_prefetch(e + 64 * l);
			return true;
		}
	return false;
}

static inline bool live(const struct acache *ac, const struct entry *e,
			const struct acache_state *st)
{
	return e->wgen == ac->wgen && e->zones_gen == st->zones_gen &&
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

static bool matches(const struct acache *ac, const struct entry *e, uint32_t tag,
		    const struct acache_key *k, const struct acache_state *st)
{
	const struct wire_query *q = k->q;

	/* an entry never wraps around the ring's end: one that would is
	 * not one (an index slot 2^32 units old reads other bytes) */
	return e->tag == tag && (uint8_t *)e == (uint8_t *)entry_at(ac, e->at) &&
	       (size_t)((const uint8_t *)e->data - ac->ring) + e->qname_len + e->len +
	       2u * e->nttl <= (size_t)ac->ring_units * UNIT &&
	       live(ac, e, st) && e->hash == q->qname_hash && e->qtype == q->qtype &&
	       e->qclass == q->qclass && e->flags == q->flags && e->limit == k->limit &&
	       e->qname_len == q->qname_len && e->bits == bits_of(k) &&
	       e->cookie_len == cookie_len_of(q) && same_bytes(e->data, q->qname, q->qname_len);
}

CAIRN_HOT size_t acache_get(struct acache *ac, const struct acache_key *k,
		  const struct acache_state *st, uint8_t *out, size_t cap,
		  struct acache_hit *hit)
{
	const struct wire_query *q = k->q;
	uint32_t tag = tag_of(k);
	struct entry *e = find(ac, tag);

	if (!e || !matches(ac, e, tag, k, st) || e->len > cap)
		return 0;
	if (e->kind == ACACHE_CACHE && (st->now >= e->until || st->now < e->born))
		return 0;
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

/* The way of s a new entry of tag takes: its own (a newer answer to the
 * same question), a free one or one whose entry is gone, else the one
 * whose entry is the oldest (the next the ring writes over). */
static unsigned victim(const struct acache *ac, const struct set *s, uint32_t tag)
{
	unsigned v = 0;
	uint32_t oldest = 0;

	for (unsigned i = 0; i < ACACHE_WAYS; i++) {
		uint32_t age = ac->head - s->at[i];

		if (s->tag[i] == tag || !s->tag[i] || age > ac->ring_units)
			return i;
		if (age > oldest) {
			oldest = age;
			v = i;
		}
	}
	return v;
}

bool acache_put(struct acache *ac, const struct acache_key *k,
		const struct acache_state *st, enum acache_kind kind,
		const uint8_t *resp, size_t len, const uint8_t *wild)
{
	const struct wire_query *q = k->q;
	uint32_t tag = tag_of(k), min_ttl, units, off;
	uint8_t offs[2 * ACACHE_TTLS];
	struct set *s = set_of(ac, tag);
	struct entry h = { 0 }, *e;
	unsigned way;
	size_t bytes;

	if (!q->has_question || len < WIRE_HDR_LEN || len > DATA_MAX - q->qname_len ||
	    (resp[2] & (WIRE_FLAG_TC >> 8)) || wire_get16(resp + 4) != 1 ||
	    WIRE_HDR_LEN + q->question_len > len)
		return false;
	h.kind = (uint8_t)kind;
	h.cookie_len = cookie_len_of(q);
	if (!walk(&h, resp, len, q->question_len, offs, &min_ttl) ||
	    q->qname_len + len + 2u * h.nttl > DATA_MAX)
		return false;
	if (kind == ACACHE_CACHE) {
		/* half the smallest TTL (acache.h); nothing to age: not kept */
		if (min_ttl == UINT32_MAX || min_ttl < 2)
			return false;
		h.born = st->now;
		h.until = st->now + min_ttl / 2;
	}
	/* the ring's next bytes; an entry does not wrap around its end */
	bytes = sizeof(h) + q->qname_len + len + 2u * h.nttl;
	units = (uint32_t)((bytes + UNIT - 1) / UNIT);
	off = ac->head & (ac->ring_units - 1);
	if (off + units > ac->ring_units)
		ac->head += ac->ring_units - off;
	way = victim(ac, s, tag);
	s->tag[way] = 0;
	h.tag = tag;
	h.at = ac->head;
	h.zones_gen = st->zones_gen;
	h.cache_gen = st->cache_gen;
	h.wgen = ac->wgen;
	h.wild = wild;
	h.hash = q->qname_hash;
	h.qtype = q->qtype;
	h.qclass = q->qclass;
	h.flags = q->flags;
	h.limit = k->limit;
	h.qname_len = (uint8_t)q->qname_len;
	h.bits = bits_of(k);
	h.len = (uint16_t)len;
	ac->head += units;
	e = entry_at(ac, h.at);
	memcpy(e, &h, sizeof(h));
	memcpy(e->data, q->qname, q->qname_len);
	memcpy(e->data + q->qname_len, resp, len);
	memcpy(e->data + q->qname_len + len, offs, 2u * h.nttl);
	s->tag[way] = tag;
	s->at[way] = h.at;
	return true;
}
