/* xfr/xrec.c: the records of a transfer in wire form, without ldns: one
 * record read from a message (names decompressed, lengths checked), the
 * canonical form used to compare two records (RFC 4034 §6.2: owner and
 * the names in the rdata of the types listed there lowercased; RFC 6840
 * §5.1 takes NSEC out of the list) and a set of records with O(1)
 * insertion, deletion and lookup (an open-addressing hash table over a
 * packed arena), which IXFR difference sequences are applied to. */
#include "xfr_int.h"

#include <stdlib.h>
#include <string.h>

/* The rdata layout of the types whose rdata holds domain names or whose
 * length is fixed: a byte below 0x20 is that many fixed bytes, 'n' a
 * domain name, 's' one character-string, 'S' character-strings to the end,
 * 'r' the rest (opaque), 'x' A6's prefix, address suffix and name (RFC
 * 2874 §3.1.1). The names are the ones RFC 3597 §4 allows to be
 * compressed or that ldns decompresses, and the ones RFC 4034 §6.2
 * lowercases: the same list. */
static const char *layout(uint16_t type)
{
	switch (type) {
	case WIRE_TYPE_A: return "\x04";
	case WIRE_TYPE_AAAA: return "\x10";
	case WIRE_TYPE_TXT: return "S";
	case WIRE_TYPE_NS: case WIRE_TYPE_MD: case WIRE_TYPE_MF: case WIRE_TYPE_CNAME:
	case WIRE_TYPE_MB: case WIRE_TYPE_MG: case WIRE_TYPE_MR: case WIRE_TYPE_PTR:
	case WIRE_TYPE_DNAME:
		return "n";
	case WIRE_TYPE_SOA: return "nn\x14";
	case WIRE_TYPE_MINFO: case WIRE_TYPE_RP: return "nn";
	case WIRE_TYPE_MX: case WIRE_TYPE_AFSDB: case WIRE_TYPE_RT: case WIRE_TYPE_KX:
		return "\x02n";
	case WIRE_TYPE_PX: return "\x02nn";
	case WIRE_TYPE_SRV: return "\x06n";
	case WIRE_TYPE_NAPTR: return "\x04sssn";
	case WIRE_TYPE_SIG: case WIRE_TYPE_RRSIG: return "\x12nr";
	case WIRE_TYPE_NXT: return "nr";
	case WIRE_TYPE_A6: return "x";
	default: return NULL;
	}
}

/* Decompresses the name at msg[*pos] (which must end by end) to out + *o
 * (cap bytes in all). Returns false with *why. */
static bool take_name(const uint8_t *msg, size_t len, size_t *pos, size_t end, uint8_t *out,
		      size_t *o, size_t cap, const char **why)
{
	size_t nlen;

	if (cap - *o < WIRE_NAME_MAX) {
		*why = "rdata too long once its names are decompressed";
		return false;
	}
	if (wire_name_unpack(msg, len, pos, out + *o, &nlen, false) != CAIRN_OK || *pos > end) {
		*why = "a bad name in the rdata (compression pointer, label or length)";
		return false;
	}
	*o += nlen;
	return true;
}

/* Copies the rdata of type at msg[pos..end) into out (room: cap bytes),
 * decompressing its names. Returns its new length, or -1 with *why. */
static long copy_rdata(const uint8_t *msg, size_t len, size_t pos, size_t end, uint16_t type,
		       uint8_t *out, size_t cap, const char **why)
{
	const char *f = layout(type);
	size_t o = 0;

	if (!f) {
		memcpy(out, msg + pos, end - pos);
		return (long)(end - pos);
	}
	for (; *f; f++) {
		size_t n;

		switch (*f) {
		case 'n':
			if (!take_name(msg, len, &pos, end, out, &o, cap, why))
				return -1;
			continue;
		case 'x':
			if (pos >= end || msg[pos] > 128) {
				*why = "a bad A6 prefix length";
				return -1;
			}
			n = 1 + (size_t)(128 - msg[pos] + 7) / 8;
			if (end - pos < n) {
				*why = "rdata shorter than its type requires";
				return -1;
			}
			memcpy(out + o, msg + pos, n);
			o += n;
			pos += n;
			/* the prefix name when the prefix length is not 0 */
			if (out[o - n] && !take_name(msg, len, &pos, end, out, &o, cap, why))
				return -1;
			continue;
		case 's':
		case 'S':
			do {
				if (pos >= end || end - pos < 1u + msg[pos]) {
					*why = "a character-string beyond its rdata";
					return -1;
				}
				n = 1u + msg[pos];
				memcpy(out + o, msg + pos, n);
				o += n;
				pos += n;
			} while (*f == 'S' && pos < end);
			continue;
		case 'r':
			n = end - pos;
			break;
		default:
			n = (size_t)*f;
			if (end - pos < n) {
				*why = "rdata shorter than its type requires";
				return -1;
			}
			break;
		}
		if (cap - o < n) {
			*why = "rdata too long once its names are decompressed";
			return -1;
		}
		memcpy(out + o, msg + pos, n);
		o += n;
		pos += n;
	}
	if (pos != end) {
		*why = "rdata longer than its type allows";
		return -1;
	}
	if (o > UINT16_MAX) {
		*why = "rdata too long once its names are decompressed";
		return -1;
	}
	return (long)o;
}

bool xrec_skip(const uint8_t *msg, size_t len, size_t *pos, unsigned n)
{
	uint8_t name[WIRE_NAME_MAX];
	size_t nlen;

	for (unsigned i = 0; i < n; i++) {
		if (wire_name_unpack(msg, len, pos, name, &nlen, true) != CAIRN_OK ||
		    len - *pos < 10 || len - *pos - 10 < wire_get16(msg + *pos + 8))
			return false;
		*pos += 10u + wire_get16(msg + *pos + 8);
	}
	return true;
}

cairn_err xrec_parse(const uint8_t *msg, size_t len, size_t *pos, uint8_t *buf,
		     struct xrec *rr, const char **why)
{
	size_t p = *pos, olen, rdlen;
	long n;

	if (wire_name_unpack(msg, len, &p, buf, &olen, true) != CAIRN_OK) {
		*why = "a bad owner name (compression pointer, label or length)";
		return CAIRN_EFORMAT;
	}
	if (len - p < 10) {
		*why = "a record cut short";
		return CAIRN_EFORMAT;
	}
	rr->owner = buf;
	rr->type = wire_get16(msg + p);
	rr->rclass = wire_get16(msg + p + 2);
	rr->ttl = wire_get32(msg + p + 4);
	rdlen = wire_get16(msg + p + 8);
	p += 10;
	if (len - p < rdlen) {
		*why = "rdlength beyond the end of the message";
		return CAIRN_EFORMAT;
	}
	n = copy_rdata(msg, len, p, p + rdlen, rr->type, buf + olen, XREC_BUF_MAX - olen, why);
	if (n < 0)
		return CAIRN_EFORMAT;
	rr->rdata = buf + olen;
	rr->rdlen = (uint16_t)n;
	*pos = p + rdlen;
	return CAIRN_OK;
}

/* Lowercases in place the names of rdata (rdlen bytes, uncompressed, of
 * a type from layout()) that RFC 4034 §6.2 lowercases. */
static void canon_rdata(uint16_t type, uint8_t *rd, size_t rdlen)
{
	const char *f = layout(type);
	size_t pos = 0;

	for (; f && *f && pos < rdlen; f++) {
		switch (*f) {
		case 'n':
			wire_name_lower(rd + pos);
			pos += wire_name_len(rd + pos);
			break;
		case 'x':
			if (rd[pos] == 0)
				return;
			pos += 1 + (size_t)(128 - rd[pos] + 7) / 8;
			wire_name_lower(rd + pos);
			return;
		case 's':
			pos += 1u + rd[pos];
			break;
		case 'S':
		case 'r':
			return;
		default:
			pos += (size_t)*f;
			break;
		}
	}
}

bool xrec_has_names(uint16_t type)
{
	/* every type of layout() but these has a name */
	switch (type) {
	case WIRE_TYPE_A: case WIRE_TYPE_AAAA: case WIRE_TYPE_TXT:
		return false;
	default:
		return layout(type) != NULL;
	}
}

/* ---- the set ---- */

#define XSET_EMPTY UINT32_MAX
#define XSET_TOMB  (UINT32_MAX - 1)
#define XSET_HDR   11  /* ttl 4, type 2, class 2, rdlen 2, owner length 1 */

static uint32_t mix(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* The hash of rr in canonical form; rd: the canonical rdata. */
static uint32_t rec_hash(const struct xrec *rr, const uint8_t *rd)
{
	uint8_t tc[4];
	uint32_t h = wire_name_hash(rr->owner, wire_name_len(rr->owner));

	wire_put16(tc, rr->type);
	wire_put16(tc + 2, rr->rclass);
	h = mix(h, tc, 4);
	h = mix(h, rd, rr->rdlen);
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	return h ^ (h >> 13);
}

/* The canonical rdata of rr: rr->rdata itself when it has no names to
 * lowercase, else a copy in scratch (XREC_RDATA_MAX bytes). */
static const uint8_t *canon(const struct xrec *rr, uint8_t *scratch)
{
	if (!xrec_has_names(rr->type))
		return rr->rdata;
	memcpy(scratch, rr->rdata, rr->rdlen);
	canon_rdata(rr->type, scratch, rr->rdlen);
	return scratch;
}

void xrec_set_init(struct xrec_set *s)
{
	memset(s, 0, sizeof(*s));
}

void xrec_set_free(struct xrec_set *s)
{
	free(s->arena);
	free(s->off);
	free(s->tab);
	free(s->scratch);
	memset(s, 0, sizeof(*s));
}

bool xrec_set_get(const struct xrec_set *s, size_t i, struct xrec *rr)
{
	const uint8_t *p;

	if (s->off[i] == SIZE_MAX)
		return false;
	p = s->arena + s->off[i];
	rr->ttl = wire_get32(p);
	rr->type = wire_get16(p + 4);
	rr->rclass = wire_get16(p + 6);
	rr->rdlen = wire_get16(p + 8);
	rr->owner = p + XSET_HDR;
	rr->rdata = p + XSET_HDR + p[10];
	return true;
}

/* Rebuilds the table with room for at least twice want records. */
static cairn_err rehash(struct xrec_set *s, size_t want)
{
	size_t cap = 1024;
	struct xset_slot *t;

	while (cap < 2 * want)
		cap *= 2;
	t = malloc(cap * sizeof(*t));
	if (!t)
		return CAIRN_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		t[i].idx = XSET_EMPTY;
	for (size_t i = 0; i < s->tabcap; i++) {
		size_t j;

		if (s->tab[i].idx >= XSET_TOMB)
			continue;
		for (j = s->tab[i].hash & (cap - 1); t[j].idx != XSET_EMPTY; j = (j + 1) & (cap - 1))
			;
		t[j] = s->tab[i];
	}
	free(s->tab);
	s->tab = t;
	s->tabcap = cap;
	s->tombs = 0;
	return CAIRN_OK;
}

/* The slot holding a record equal to rr (hash h, canonical rdata rd), or
 * SIZE_MAX. */
static size_t find(const struct xrec_set *s, const struct xrec *rr, uint32_t h,
		   const uint8_t *rd)
{
	size_t olen = wire_name_len(rr->owner);

	if (!s->tabcap)
		return SIZE_MAX;
	for (size_t j = h & (s->tabcap - 1);; j = (j + 1) & (s->tabcap - 1)) {
		const struct xset_slot *e = &s->tab[j];
		struct xrec o;

		if (e->idx == XSET_EMPTY)
			return SIZE_MAX;
		if (e->idx == XSET_TOMB || e->hash != h)
			continue;
		(void)xrec_set_get(s, e->idx, &o);
		if (o.type != rr->type || o.rclass != rr->rclass || o.rdlen != rr->rdlen ||
		    memcmp(o.owner, rr->owner, olen) != 0)
			continue;
		if (memcmp(canon(&o, s->scratch + XREC_RDATA_MAX), rd, rr->rdlen) == 0)
			return j;
	}
}

cairn_err xrec_set_add(struct xrec_set *s, const struct xrec *rr, bool known_new)
{
	size_t olen = wire_name_len(rr->owner), need = XSET_HDR + olen + rr->rdlen, j;
	const uint8_t *rd;
	uint32_t h;
	uint8_t *p;

	if (!s->scratch && !(s->scratch = malloc(2 * XREC_RDATA_MAX)))
		return CAIRN_ENOMEM;
	if ((s->live + s->tombs + 1) * 2 > s->tabcap && rehash(s, 2 * (s->live + 1)) != CAIRN_OK)
		return CAIRN_ENOMEM;
	rd = canon(rr, s->scratch);
	h = rec_hash(rr, rd);
	if (!known_new && (j = find(s, rr, h, rd)) != SIZE_MAX) {
		/* already there: the TTL of the later one counts */
		wire_put32(s->arena + s->off[s->tab[j].idx], rr->ttl);
		return CAIRN_OK;
	}
	if (s->n >= XSET_TOMB)
		return CAIRN_ELIMIT;
	if (s->used + need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1 << 20;
		uint8_t *a;

		while (cap < s->used + need)
			cap *= 2;
		if (!(a = realloc(s->arena, cap)))
			return CAIRN_ENOMEM;
		s->arena = a;
		s->cap = cap;
	}
	if (s->n == s->offcap) {
		size_t cap = s->offcap ? s->offcap * 2 : 4096;
		size_t *o = realloc(s->off, cap * sizeof(*o));

		if (!o)
			return CAIRN_ENOMEM;
		s->off = o;
		s->offcap = cap;
	}
	p = s->arena + s->used;
	wire_put32(p, rr->ttl);
	wire_put16(p + 4, rr->type);
	wire_put16(p + 6, rr->rclass);
	wire_put16(p + 8, rr->rdlen);
	p[10] = (uint8_t)olen;
	memcpy(p + XSET_HDR, rr->owner, olen);
	memcpy(p + XSET_HDR + olen, rr->rdata, rr->rdlen);
	for (j = h & (s->tabcap - 1); s->tab[j].idx < XSET_TOMB; j = (j + 1) & (s->tabcap - 1))
		;
	if (s->tab[j].idx == XSET_TOMB)
		s->tombs--;
	s->tab[j].idx = (uint32_t)s->n;
	s->tab[j].hash = h;
	s->off[s->n++] = s->used;
	s->used += need;
	s->live++;
	return CAIRN_OK;
}

cairn_err xrec_set_del(struct xrec_set *s, const struct xrec *rr)
{
	const uint8_t *rd;
	size_t j;

	if (!s->scratch && !(s->scratch = malloc(2 * XREC_RDATA_MAX)))
		return CAIRN_ENOMEM;
	rd = canon(rr, s->scratch);
	j = find(s, rr, rec_hash(rr, rd), rd);
	if (j == SIZE_MAX)
		return CAIRN_ENOTFOUND;
	s->off[s->tab[j].idx] = SIZE_MAX;
	s->tab[j].idx = XSET_TOMB;
	s->tombs++;
	s->live--;
	return CAIRN_OK;
}

bool xrec_set_has(struct xrec_set *s, const struct xrec *rr)
{
	const uint8_t *rd;

	if (!s->live)
		return false;
	rd = canon(rr, s->scratch);
	return find(s, rr, rec_hash(rr, rd), rd) != SIZE_MAX;
}

bool xrec_equal(const struct xrec *a, const struct xrec *b, uint8_t *scratch)
{
	return a->type == b->type && a->rclass == b->rclass && a->rdlen == b->rdlen &&
	       wire_name_equal(a->owner, b->owner) &&
	       memcmp(canon(a, scratch), canon(b, scratch + XREC_RDATA_MAX), a->rdlen) == 0;
}

size_t xrec_to_wire(const struct xrec *rr, uint8_t *out)
{
	size_t olen = wire_name_len(rr->owner);

	memcpy(out, rr->owner, olen);
	out += olen;
	wire_put16(out, rr->type);
	wire_put16(out + 2, rr->rclass);
	wire_put32(out + 4, rr->ttl);
	wire_put16(out + 8, rr->rdlen);
	memcpy(out + 10, rr->rdata, rr->rdlen);
	return olen + 10 + rr->rdlen;
}
